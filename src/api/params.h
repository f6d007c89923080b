// Reading the parameters of an API action, with AWS's validation errors (docs/api.md, "Errors").
//
// Constraint violations are ValidationException in AWS's wording, e.g.
//   1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint:
//   Member must not be null
//   1 validation error detected: Value 'x...' at 'name' failed to satisfy constraint: Member must
//   have length less than or equal to 80
// Values longer than kMaxEchoedValueBytes are not repeated in messages ("Value at 'input' ...").
// A value of the wrong JSON type is SerializationException naming the member. A member whose value
// is JSON null counts as absent, as in AWS. Lengths count Unicode code points.
//
// Thread-safe: all functions are pure.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/api_error.h"
#include "common/arn.h"

namespace tactus::api {

// Values up to this many bytes are quoted in validation messages.
inline constexpr std::size_t kMaxEchoedValueBytes = 256;

// "1 validation error detected: Value <value> at '<member>' failed to satisfy constraint:
// <constraint>", where <value> is 'text', null, or omitted (see kMaxEchoedValueBytes).
// `value` is the JSON value at fault, or nullptr for a missing member.
ApiError ConstraintViolation(std::string_view member, const boost::json::value* value,
                             std::string_view constraint);

// A string member that must be present, with min_len <= length <= max_len.
ApiResult<std::string> RequireString(const boost::json::object& params, std::string_view name,
                                     std::size_t max_len, std::size_t min_len = 1);

// A string member that may be absent (nullopt); when present min_len <= length <= max_len.
ApiResult<std::optional<std::string>> OptionalString(const boost::json::object& params,
                                                     std::string_view name, std::size_t max_len,
                                                     std::size_t min_len = 0);

// An integer member that may be absent; when present min <= value <= max. A number with a
// fraction is SerializationException.
ApiResult<std::optional<std::int64_t>> OptionalInt(const boost::json::object& params,
                                                   std::string_view name, std::int64_t min,
                                                   std::int64_t max);

// A boolean member that may be absent.
ApiResult<std::optional<bool>> OptionalBool(const boost::json::object& params,
                                            std::string_view name);

// A required ARN member of the given type: RequireString with at most common::kMaxArnLength
// characters, then common::ParseStatesArn; a malformed ARN or another type is InvalidArn with the
// parser's message.
ApiResult<common::StatesArn> RequireArn(const boost::json::object& params, std::string_view name,
                                        common::ArnResourceType expected);

}  // namespace tactus::api
