#include "api/params.h"

#include <cmath>

#include "common/json.h"

namespace tactus::api {

namespace {

namespace json = boost::json;

std::size_t CodePoints(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

// The member's value, or nullptr when it is absent or JSON null.
const json::value* Find(const json::object& params, std::string_view name) {
  const json::value* value = params.if_contains(name);
  return value == nullptr || value->is_null() ? nullptr : value;
}

ApiError WrongType(std::string_view name, std::string_view expected, const json::value& value) {
  return SerializationError("Member '" + std::string(name) + "' must be " + std::string(expected) +
                            ", got " + std::string(common::JsonKindName(value)) + ".");
}

ApiResult<std::optional<std::string>> ReadString(const json::object& params, std::string_view name,
                                                 std::size_t max_len, std::size_t min_len) {
  const json::value* value = Find(params, name);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return WrongType(name, "a string", *value);
  const json::string& text = value->get_string();
  const std::size_t length = CodePoints(text);
  if (length < min_len) {
    return ConstraintViolation(
        name, value, "Member must have length greater than or equal to " + std::to_string(min_len));
  }
  if (length > max_len) {
    return ConstraintViolation(
        name, value, "Member must have length less than or equal to " + std::to_string(max_len));
  }
  return std::optional<std::string>(std::string(text));
}

}  // namespace

ApiError ConstraintViolation(std::string_view member, const json::value* value,
                             std::string_view constraint) {
  std::string message = "1 validation error detected: Value ";
  if (value == nullptr || value->is_null()) {
    message += "null ";
  } else {
    std::string text =
        value->is_string() ? std::string(value->get_string()) : common::SerializeJson(*value);
    if (text.size() <= kMaxEchoedValueBytes) message += "'" + text + "' ";
  }
  message += "at '" + std::string(member) + "' failed to satisfy constraint: ";
  message += constraint;
  return ValidationError(std::move(message));
}

ApiResult<std::string> RequireString(const json::object& params, std::string_view name,
                                     std::size_t max_len, std::size_t min_len) {
  auto read = ReadString(params, name, max_len, min_len);
  if (!read.ok()) return std::move(read).error();
  if (!read->has_value()) return ConstraintViolation(name, nullptr, "Member must not be null");
  return std::move(**read);
}

ApiResult<std::optional<std::string>> OptionalString(const json::object& params,
                                                     std::string_view name, std::size_t max_len,
                                                     std::size_t min_len) {
  return ReadString(params, name, max_len, min_len);
}

ApiResult<std::optional<std::int64_t>> OptionalInt(const json::object& params,
                                                   std::string_view name, std::int64_t min,
                                                   std::int64_t max) {
  const json::value* value = Find(params, name);
  if (value == nullptr) return std::optional<std::int64_t>();
  std::int64_t number = 0;
  if (!common::IsNumber(*value)) return WrongType(name, "an integer", *value);
  if (!common::AsInt64(*value, &number)) {
    const double d = common::ToDouble(*value);
    if (std::trunc(d) != d) return WrongType(name, "an integer", *value);
    // A whole number beyond int64 is outside every range an action accepts.
    return ConstraintViolation(
        name, value,
        d > 0 ? "Member must have value less than or equal to " + std::to_string(max)
              : "Member must have value greater than or equal to " + std::to_string(min));
  }
  if (number < min) {
    return ConstraintViolation(
        name, value, "Member must have value greater than or equal to " + std::to_string(min));
  }
  if (number > max) {
    return ConstraintViolation(
        name, value, "Member must have value less than or equal to " + std::to_string(max));
  }
  return std::optional<std::int64_t>(number);
}

ApiResult<std::optional<bool>> OptionalBool(const json::object& params, std::string_view name) {
  const json::value* value = Find(params, name);
  if (value == nullptr) return std::optional<bool>();
  if (!value->is_bool()) return WrongType(name, "a boolean", *value);
  return std::optional<bool>(value->get_bool());
}

ApiResult<common::StatesArn> RequireArn(const json::object& params, std::string_view name,
                                        common::ArnResourceType expected) {
  auto text = RequireString(params, name, common::kMaxArnLength);
  if (!text.ok()) return std::move(text).error();
  auto arn = common::ParseStatesArn(*text, expected);
  if (!arn.ok()) return ArnOrNameError(arn.status());
  return std::move(arn).value();
}

}  // namespace tactus::api
