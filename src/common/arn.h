// Amazon Resource Names of the Step Functions resources Tactus serves, and AWS's rules for the
// names inside them.
//
//   state machine     arn:<partition>:states:<region>:<account>:stateMachine:<name>[:<qualifier>]
//   execution         arn:<partition>:states:<region>:<account>:execution:<machine>:<execution>
//   express execution arn:<partition>:states:<region>:<account>:express:<machine>:<execution>:<id>
//   activity          arn:<partition>:states:<region>:<account>:activity:<name>
//
// The qualifier of a state machine ARN is a version number or an alias name. Map Run ARNs are not
// modelled here.
//
// Errors are Statuses (InvalidArgument) whose messages are the ones the API shows to clients:
// ARN problems read "Invalid Arn: '<what is wrong>'" (AWS's InvalidArn wording) and name problems
// "Invalid Name: '<name>' (<why>)" (AWS's InvalidName). Thread-safe: all functions are pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tactus::common {

// Names of state machines, executions and activities: 1 to 80 characters (Unicode code points).
inline constexpr std::size_t kMaxResourceNameChars = 80;
// Longest ARN the API accepts (AWS's Arn shape: 1 to 256 characters).
inline constexpr std::size_t kMaxArnLength = 256;

// Where the resources of this deployment live. The defaults are those of AWS Step Functions Local,
// so ARNs copied from its documentation and tests work unchanged.
struct ArnContext {
  std::string partition = "aws";
  std::string region = "us-east-1";
  std::string account = "123456789012";
};

enum class ArnResourceType { kStateMachine, kExecution, kExpressExecution, kActivity };

// The resource-type token of an ARN: "stateMachine", "execution", "express", "activity".
std::string_view ArnResourceTypeName(ArnResourceType type);

struct StatesArn {
  ArnResourceType type = ArnResourceType::kStateMachine;
  std::string partition;
  std::string region;
  std::string account;
  // The state machine's name (state machines and executions) or the activity's name.
  std::string name;
  // State machines only, may be empty: a version number ("3") or an alias name.
  std::string qualifier;
  // Executions and express executions only.
  std::string execution_name;
  // Express executions only: the run's UUID.
  std::string express_id;

  bool operator==(const StatesArn&) const = default;
};

std::string FormatStateMachineArn(const ArnContext& context, std::string_view name);
std::string FormatExecutionArn(const ArnContext& context, std::string_view state_machine,
                               std::string_view execution);
std::string FormatExpressExecutionArn(const ArnContext& context, std::string_view state_machine,
                                      std::string_view execution, std::string_view id);
std::string FormatActivityArn(const ArnContext& context, std::string_view name);
// The canonical text of a parsed ARN: Format(Parse(s)) == s for every s Parse accepts.
std::string FormatArn(const StatesArn& arn);

// Parses any of the four forms. Checks the structure only (arn prefix, service "states", a
// 12-digit account, the number of fields for the resource type, no empty field, at most
// kMaxArnLength characters); the names inside are not re-validated, since a name that could not
// have been created simply names nothing. On failure: InvalidArgument "Invalid Arn: '...'".
Result<StatesArn> ParseStatesArn(std::string_view text);

// As ParseStatesArn, and the ARN must be of `expected` type; otherwise InvalidArgument
// "Invalid Arn: 'Resource type not valid in this context: <type>'".
Result<StatesArn> ParseStatesArn(std::string_view text, ArnResourceType expected);

// OK when the ARN's partition, region and account are the context's; otherwise InvalidArgument
// naming the field that differs, e.g. "Invalid Arn: 'Region in ARN does not match the
// deployment's region us-east-1: eu-west-1'".
Status CheckArnContext(const StatesArn& arn, const ArnContext& context);

// AWS's rule for the names of state machines, executions, activities and aliases: 1 to
// kMaxResourceNameChars code points of valid UTF-8, containing no whitespace, no brackets
// < > { } [ ], no wildcards ? *, none of " # % \ ^ | ~ ` $ & , ; : / and no control characters
// (U+0000-U+001F, U+007F-U+009F). On failure InvalidArgument "Invalid Name: '<name>' (<why>)".
Status ValidateResourceName(std::string_view name);

}  // namespace tactus::common
