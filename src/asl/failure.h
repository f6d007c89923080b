// ASL errors are data: a Failure is an (Error, Cause) pair that the engine records in history
// and that Retry/Catch match. They never travel as a common::Status.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace tactus::asl {

// The predefined error names of the Amazon States Language.
inline constexpr const char kStatesAll[] = "States.ALL";
inline constexpr const char kStatesRuntime[] = "States.Runtime";
inline constexpr const char kStatesTaskFailed[] = "States.TaskFailed";
inline constexpr const char kStatesTimeout[] = "States.Timeout";
inline constexpr const char kStatesHeartbeatTimeout[] = "States.HeartbeatTimeout";
inline constexpr const char kStatesDataLimitExceeded[] = "States.DataLimitExceeded";
inline constexpr const char kStatesIntrinsicFailure[] = "States.IntrinsicFailure";
inline constexpr const char kStatesBranchFailed[] = "States.BranchFailed";
inline constexpr const char kStatesNoChoiceMatched[] = "States.NoChoiceMatched";
inline constexpr const char kStatesParameterPathFailure[] = "States.ParameterPathFailure";
inline constexpr const char kStatesResultPathMatchFailure[] = "States.ResultPathMatchFailure";
inline constexpr const char kStatesItemReaderFailed[] = "States.ItemReaderFailed";
inline constexpr const char kStatesExceedToleratedFailureThreshold[] =
    "States.ExceedToleratedFailureThreshold";
inline constexpr const char kStatesPermissions[] = "States.Permissions";
inline constexpr const char kStatesQueryEvaluationError[] = "States.QueryEvaluationError";

struct Failure {
  std::string error;
  std::string cause;
};

// Holds a T or a Failure. Used by everything that evaluates ASL at run time.
template <typename T>
class [[nodiscard]] Eval {
 public:
  Eval(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Eval(Failure failure) : v_(std::move(failure)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: !ok()
  const Failure& failure() const { return std::get<Failure>(v_); }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }

 private:
  std::variant<T, Failure> v_;
};

}  // namespace tactus::asl
