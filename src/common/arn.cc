#include "common/arn.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace tactus::common {

namespace {

constexpr std::string_view kArnPrefix = "arn:";
constexpr std::string_view kService = "states";
constexpr std::size_t kAccountDigits = 12;
// ARN fields before the resource type: arn, partition, service, region, account.
constexpr std::size_t kHeaderFields = 5;

Status InvalidArn(std::string_view detail) {
  return Status::InvalidArgument("Invalid Arn: '" + std::string(detail) + "'");
}

Status InvalidName(std::string_view name, std::string_view why) {
  return Status::InvalidArgument("Invalid Name: '" + std::string(name) + "' (" + std::string(why) +
                                 ")");
}

std::vector<std::string_view> SplitColons(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = text.find(':', start);
    if (colon == std::string_view::npos) {
      fields.push_back(text.substr(start));
      return fields;
    }
    fields.push_back(text.substr(start, colon - start));
    start = colon + 1;
  }
}

std::optional<ArnResourceType> TypeFromName(std::string_view name) {
  if (name == "stateMachine") return ArnResourceType::kStateMachine;
  if (name == "execution") return ArnResourceType::kExecution;
  if (name == "express") return ArnResourceType::kExpressExecution;
  if (name == "activity") return ArnResourceType::kActivity;
  return std::nullopt;
}

std::string Header(std::string_view partition, std::string_view region, std::string_view account,
                   std::string_view type) {
  std::string out;
  out.reserve(64);
  out.append(kArnPrefix).append(partition).append(":").append(kService).append(":");
  out.append(region).append(":").append(account).append(":").append(type);
  return out;
}

// Decodes one UTF-8 code point at text[*pos], advancing *pos; nullopt for invalid UTF-8
// (overlong forms, surrogates, values past U+10FFFF, truncated sequences).
std::optional<char32_t> NextCodePoint(std::string_view text, std::size_t* pos) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const std::uint8_t lead = byte(*pos);
  std::size_t length;
  char32_t cp;
  if (lead < 0x80) {
    ++*pos;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2;
    cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    cp = lead & 0x07;
  } else {
    return std::nullopt;
  }
  if (*pos + length > text.size()) return std::nullopt;
  for (std::size_t i = 1; i < length; ++i) {
    const std::uint8_t b = byte(*pos + i);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr std::array<char32_t, 5> kMinForLength = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return std::nullopt;
  }
  *pos += length;
  return cp;
}

bool IsWhitespace(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

bool IsControl(char32_t cp) { return cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F); }

constexpr std::string_view kForbiddenAscii = "<>{}[]?*\"#%\\^|~`$&,;:/";

}  // namespace

std::string_view ArnResourceTypeName(ArnResourceType type) {
  switch (type) {
    case ArnResourceType::kStateMachine:
      return "stateMachine";
    case ArnResourceType::kExecution:
      return "execution";
    case ArnResourceType::kExpressExecution:
      return "express";
    case ArnResourceType::kActivity:
      return "activity";
  }
  return "?";
}

std::string FormatStateMachineArn(const ArnContext& context, std::string_view name) {
  std::string out = Header(context.partition, context.region, context.account, "stateMachine");
  return out.append(":").append(name);
}

std::string FormatExecutionArn(const ArnContext& context, std::string_view state_machine,
                               std::string_view execution) {
  std::string out = Header(context.partition, context.region, context.account, "execution");
  return out.append(":").append(state_machine).append(":").append(execution);
}

std::string FormatExpressExecutionArn(const ArnContext& context, std::string_view state_machine,
                                      std::string_view execution, std::string_view id) {
  std::string out = Header(context.partition, context.region, context.account, "express");
  return out.append(":").append(state_machine).append(":").append(execution).append(":").append(id);
}

std::string FormatActivityArn(const ArnContext& context, std::string_view name) {
  std::string out = Header(context.partition, context.region, context.account, "activity");
  return out.append(":").append(name);
}

std::string FormatArn(const StatesArn& arn) {
  std::string out = Header(arn.partition, arn.region, arn.account, ArnResourceTypeName(arn.type));
  out.append(":").append(arn.name);
  switch (arn.type) {
    case ArnResourceType::kStateMachine:
      if (!arn.qualifier.empty()) out.append(":").append(arn.qualifier);
      break;
    case ArnResourceType::kExecution:
      out.append(":").append(arn.execution_name);
      break;
    case ArnResourceType::kExpressExecution:
      out.append(":").append(arn.execution_name).append(":").append(arn.express_id);
      break;
    case ArnResourceType::kActivity:
      break;
  }
  return out;
}

Result<StatesArn> ParseStatesArn(std::string_view text) {
  if (text.empty()) return InvalidArn("the ARN is empty");
  if (text.size() > kMaxArnLength) {
    return InvalidArn("ARN longer than " + std::to_string(kMaxArnLength) + " characters");
  }
  if (text.substr(0, kArnPrefix.size()) != kArnPrefix) {
    return InvalidArn("Invalid ARN prefix: " + std::string(text));
  }
  const std::vector<std::string_view> fields = SplitColons(text);
  if (fields.size() <= kHeaderFields + 1) {
    return InvalidArn(
        "Unable to parse ARN, expected arn:partition:states:region:account:type:name"
        ": " +
        std::string(text));
  }
  if (fields[1].empty()) return InvalidArn("Missing partition in ARN: " + std::string(text));
  if (fields[2] != kService) {
    return InvalidArn("Unsupported service in ARN, expected states: " + std::string(fields[2]));
  }
  if (fields[3].empty()) return InvalidArn("Missing region in ARN: " + std::string(text));
  if (fields[4].size() != kAccountDigits ||
      fields[4].find_first_not_of("0123456789") != std::string_view::npos) {
    return InvalidArn("Account in ARN is not a 12-digit account ID: " + std::string(fields[4]));
  }
  const std::optional<ArnResourceType> type = TypeFromName(fields[5]);
  if (!type) return InvalidArn("Unknown resource type in ARN: " + std::string(fields[5]));

  const std::size_t rest = fields.size() - kHeaderFields - 1;
  std::size_t min_rest = 1, max_rest = 1;
  switch (*type) {
    case ArnResourceType::kStateMachine:
      max_rest = 2;
      break;
    case ArnResourceType::kExecution:
      min_rest = max_rest = 2;
      break;
    case ArnResourceType::kExpressExecution:
      min_rest = max_rest = 3;
      break;
    case ArnResourceType::kActivity:
      break;
  }
  if (rest < min_rest || rest > max_rest) {
    return InvalidArn("Wrong number of fields for a " + std::string(fields[5]) +
                      " ARN: " + std::string(text));
  }
  for (std::size_t i = kHeaderFields + 1; i < fields.size(); ++i) {
    if (fields[i].empty()) return InvalidArn("Empty name in ARN: " + std::string(text));
  }

  StatesArn arn;
  arn.type = *type;
  arn.partition = fields[1];
  arn.region = fields[3];
  arn.account = fields[4];
  arn.name = fields[6];
  if (*type == ArnResourceType::kStateMachine && rest == 2) arn.qualifier = fields[7];
  if (*type == ArnResourceType::kExecution || *type == ArnResourceType::kExpressExecution) {
    arn.execution_name = fields[7];
  }
  if (*type == ArnResourceType::kExpressExecution) arn.express_id = fields[8];
  return arn;
}

Result<StatesArn> ParseStatesArn(std::string_view text, ArnResourceType expected) {
  Result<StatesArn> arn = ParseStatesArn(text);
  if (!arn.ok()) return arn;
  if (arn->type != expected) {
    return InvalidArn("Resource type not valid in this context: " +
                      std::string(ArnResourceTypeName(arn->type)));
  }
  return arn;
}

Status CheckArnContext(const StatesArn& arn, const ArnContext& context) {
  if (arn.partition != context.partition) {
    return InvalidArn("Partition in ARN does not match the deployment's partition " +
                      context.partition + ": " + arn.partition);
  }
  if (arn.region != context.region) {
    return InvalidArn("Region in ARN does not match the deployment's region " + context.region +
                      ": " + arn.region);
  }
  if (arn.account != context.account) {
    return InvalidArn("Account in ARN does not match the deployment's account " + context.account +
                      ": " + arn.account);
  }
  return Status::Ok();
}

Status ValidateResourceName(std::string_view name) {
  if (name.empty()) return InvalidName(name, "a name must have at least 1 character");
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos < name.size()) {
    const std::size_t at = pos;
    const std::optional<char32_t> cp = NextCodePoint(name, &pos);
    if (!cp) {
      return InvalidName(name, "not valid UTF-8 at byte " + std::to_string(at));
    }
    if (++count > kMaxResourceNameChars) {
      return InvalidName(name,
                         "longer than " + std::to_string(kMaxResourceNameChars) + " characters");
    }
    if (IsWhitespace(*cp)) return InvalidName(name, "contains whitespace");
    if (IsControl(*cp)) return InvalidName(name, "contains a control character");
    if (*cp < 0x80 && kForbiddenAscii.find(static_cast<char>(*cp)) != std::string_view::npos) {
      return InvalidName(name,
                         std::string("contains the character '") + static_cast<char>(*cp) + "'");
    }
  }
  return Status::Ok();
}

}  // namespace tactus::common
