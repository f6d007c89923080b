#include "asl/intrinsics_functions.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_set>
#include <utility>

#include "asl/intrinsics_encoding.h"

namespace tactus::asl::intrinsics_internal {
namespace {

using common::AsInt64;
using common::IsNumber;
using common::SerializeJson;
using common::ToDouble;

constexpr std::array<FunctionSpec, 18> kFunctions = {{
    {"States.Format", Function::kFormat, 1, kVariadic},
    {"States.StringToJson", Function::kStringToJson, 1, 1},
    {"States.JsonToString", Function::kJsonToString, 1, 1},
    {"States.Array", Function::kArray, 0, kVariadic},
    {"States.ArrayPartition", Function::kArrayPartition, 2, 2},
    {"States.ArrayContains", Function::kArrayContains, 2, 2},
    {"States.ArrayRange", Function::kArrayRange, 3, 3},
    {"States.ArrayGetItem", Function::kArrayGetItem, 2, 2},
    {"States.ArrayLength", Function::kArrayLength, 1, 1},
    {"States.ArrayUnique", Function::kArrayUnique, 1, 1},
    {"States.Base64Encode", Function::kBase64Encode, 1, 1},
    {"States.Base64Decode", Function::kBase64Decode, 1, 1},
    {"States.Hash", Function::kHash, 2, 2},
    {"States.JsonMerge", Function::kJsonMerge, 3, 3},
    {"States.MathRandom", Function::kMathRandom, 2, 3},
    {"States.MathAdd", Function::kMathAdd, 2, 2},
    {"States.StringSplit", Function::kStringSplit, 2, 2},
    {"States.UUID", Function::kUuid, 0, 0},
}};

// AWS documents these limits: ArrayRange builds at most 1000 items, the Base64 functions take at
// most 10,000 characters, and the Math functions work on 32-bit integers (AWS runs on Java).
constexpr std::int64_t kMaxRangeItems = 1000;
constexpr std::size_t kMaxBase64Input = 10000;
constexpr std::int64_t kMinMathValue = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t kMaxMathValue = std::numeric_limits<std::int32_t>::max();

// Collects the failure texts of one call so that each says which function and argument failed.
class Checker {
 public:
  explicit Checker(const FunctionSpec& spec) : spec_(spec) {}

  Failure Fail(const std::string& what) const {
    return Failure{kStatesIntrinsicFailure,
                   "Invalid arguments in " + std::string(spec_.name) + ": " + what};
  }

  // "argument 2 (the chunk size) must be an integer, got a string"
  Failure WrongType(int index, std::string_view role, std::string_view expected,
                    const json::value& got) const {
    return Fail("argument " + std::to_string(index + 1) + " (" + std::string(role) + ") must be " +
                std::string(expected) + ", got " + std::string(common::JsonKindName(got)));
  }

 private:
  const FunctionSpec& spec_;
};

// Math.round of Java, which AWS uses: halves round towards positive infinity (-1.5 -> -1).
// Computed from floor() so that x + 0.5 cannot round up a value just below one half.
double JavaRound(double x) {
  double f = std::floor(x);
  return x - f >= 0.5 ? f + 1 : f;
}

// An integer argument of a Math function: any number, rounded as Java does, within int32.
bool MathInteger(const json::value& v, std::int64_t* out) {
  if (!IsNumber(v)) return false;
  std::int64_t i;
  if (AsInt64(v, &i)) {
    *out = i;
  } else {
    double d = ToDouble(v);
    if (!std::isfinite(d)) return false;
    d = JavaRound(d);
    if (d < -9.2e18 || d > 9.2e18) return false;
    *out = static_cast<std::int64_t>(d);
  }
  return *out >= kMinMathValue && *out <= kMaxMathValue;
}

// A uniformly distributed integer in [lo, hi). REQUIRES: lo < hi.
std::int64_t UniformInt(common::Random& random, std::int64_t lo, std::int64_t hi) {
  auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  // Rejection sampling keeps the result unbiased for spans that do not divide 2^64.
  std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % span;
  std::uint64_t r;
  do {
    r = random.Next();
  } while (r >= limit);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + r % span);
}

// A text that is equal for two values exactly when common::JsonEquals says they are equal, so
// that ArrayUnique runs in linear time instead of comparing every pair.
void AppendCanonical(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: {
      std::int64_t i;
      if (AsInt64(v, &i)) {
        out += 'i';
        out += std::to_string(i);
      } else {
        out += 'd';
        out += SerializeJson(json::value(ToDouble(v)));
      }
      break;
    }
    case json::kind::array:
      out += '[';
      for (const auto& e : v.get_array()) {
        AppendCanonical(out, e);
        out += ',';
      }
      out += ']';
      break;
    case json::kind::object: {
      std::vector<const json::key_value_pair*> members;
      for (const auto& kv : v.get_object()) members.push_back(&kv);
      std::sort(members.begin(), members.end(),
                [](const auto* a, const auto* b) { return a->key() < b->key(); });
      out += '{';
      for (const auto* kv : members) {
        out += SerializeJson(json::value(kv->key()));
        out += ':';
        AppendCanonical(out, kv->value());
        out += ',';
      }
      out += '}';
      break;
    }
    default:
      out += SerializeJson(v);
  }
}

Eval<json::value> Format(const Checker& check, const std::vector<json::value>& args,
                         const FormatPieces* literal_template) {
  FormatPieces from_data;
  const FormatPieces* pieces = literal_template;
  if (pieces == nullptr) {
    if (!args[0].is_string()) return check.WrongType(0, "the template", "a string", args[0]);
    from_data = SplitTemplate(args[0].get_string());
    pieces = &from_data;
  }
  std::size_t placeholders = pieces->size() - 1;
  std::size_t values = args.size() - 1;
  if (placeholders != values) {
    return check.Fail("the template has " + std::to_string(placeholders) +
                      " placeholder(s) '{}' but " + std::to_string(values) +
                      " value(s) were given; pass one value per placeholder");
  }
  std::string out = (*pieces)[0];
  for (std::size_t i = 1; i < args.size(); ++i) {
    const json::value& v = args[i];
    if (v.is_string()) {
      out += v.get_string();
    } else if (v.is_array() || v.is_object()) {
      return check.Fail("argument " + std::to_string(i + 1) + " is " +
                        std::string(common::JsonKindName(v)) +
                        "; only strings, numbers, booleans and null can be formatted (use "
                        "States.JsonToString to embed JSON)");
    } else {
      out += SerializeJson(v);
    }
    out += (*pieces)[i];
  }
  return json::value(std::move(out));
}

Eval<json::value> StringToJson(const Checker& check, const json::value& arg) {
  if (!arg.is_string()) return check.WrongType(0, "the JSON text", "a string", arg);
  std::string_view text = arg.get_string();
  // AWS returns null for an empty or blank string instead of failing.
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::value(nullptr);
  auto parsed = common::ParseJson(text);
  if (!parsed.ok()) {
    return check.Fail("the string is not valid JSON (" + parsed.status().message() + ")");
  }
  return std::move(parsed).value();
}

Eval<json::value> ArrayPartition(const Checker& check, const std::vector<json::value>& args) {
  if (!args[0].is_array()) return check.WrongType(0, "the array", "an array", args[0]);
  std::int64_t size;
  if (!AsInt64(args[1], &size) || size <= 0) {
    return check.Fail("argument 2 (the chunk size) must be a positive integer, got " +
                      SerializeJson(args[1]));
  }
  const json::array& in = args[0].get_array();
  json::array out;
  auto chunk = static_cast<std::uint64_t>(size);
  for (std::size_t i = 0; i < in.size();) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, in.size() - i));
    out.emplace_back(json::array(in.begin() + static_cast<std::ptrdiff_t>(i),
                                 in.begin() + static_cast<std::ptrdiff_t>(i + n)));
    i += n;
  }
  return json::value(std::move(out));
}

Eval<json::value> ArrayRange(const Checker& check, const std::vector<json::value>& args) {
  static constexpr std::string_view kRoles[] = {"the start", "the end", "the step"};
  std::int64_t v[3];
  for (int i = 0; i < 3; ++i) {
    if (!AsInt64(args[i], &v[i])) {
      return check.Fail("argument " + std::to_string(i + 1) + " (" + std::string(kRoles[i]) +
                        ") must be an integer, got " + SerializeJson(args[i]));
    }
  }
  auto [start, end, step] = v;
  if (step == 0) return check.Fail("argument 3 (the step) must not be 0");
  json::array out;
  if ((step > 0 && start > end) || (step < 0 && start < end)) return json::value(std::move(out));
  // 128-bit arithmetic: end - start overflows int64 for extreme arguments.
  __int128 count = (static_cast<__int128>(end) - start) / step + 1;
  if (count > kMaxRangeItems) {
    return check.Fail("the range would hold " +
                      std::to_string(static_cast<long long>(
                          std::min<__int128>(count, std::numeric_limits<long long>::max()))) +
                      " items; at most " + std::to_string(kMaxRangeItems) + " are allowed");
  }
  for (__int128 i = 0, x = start; i < count; ++i, x += step) {
    out.emplace_back(static_cast<std::int64_t>(x));
  }
  return json::value(std::move(out));
}

Eval<json::value> ArrayGetItem(const Checker& check, const std::vector<json::value>& args) {
  if (!args[0].is_array()) return check.WrongType(0, "the array", "an array", args[0]);
  const json::array& a = args[0].get_array();
  std::int64_t index;
  if (!AsInt64(args[1], &index) || index < 0) {
    return check.Fail("argument 2 (the index) must be a non-negative integer, got " +
                      SerializeJson(args[1]));
  }
  if (static_cast<std::uint64_t>(index) >= a.size()) {
    return check.Fail("the index " + std::to_string(index) + " is out of bounds for an array of " +
                      std::to_string(a.size()) + " item(s)");
  }
  return a[static_cast<std::size_t>(index)];
}

Eval<json::value> ArrayUnique(const Checker& check, const json::value& arg) {
  if (!arg.is_array()) return check.WrongType(0, "the array", "an array", arg);
  std::unordered_set<std::string> seen;
  json::array out;
  for (const auto& e : arg.get_array()) {
    std::string key;
    AppendCanonical(key, e);
    if (seen.insert(std::move(key)).second) out.push_back(e);
  }
  return json::value(std::move(out));
}

Eval<json::value> Base64(const Checker& check, const json::value& arg, bool encode) {
  if (!arg.is_string()) return check.WrongType(0, "the data", "a string", arg);
  std::string_view s = arg.get_string();
  if (Utf16Length(s) > kMaxBase64Input) {
    return check.Fail("the input has " + std::to_string(Utf16Length(s)) + " characters; at most " +
                      std::to_string(kMaxBase64Input) + " are allowed");
  }
  if (encode) return json::value(Base64Encode(s));
  auto decoded = Base64Decode(s);
  if (!decoded) return check.Fail("the input is not valid Base64");
  return json::value(SanitizeUtf8(*decoded));
}

Eval<json::value> Hash(const Checker& check, const std::vector<json::value>& args) {
  if (!args[0].is_string()) return check.WrongType(0, "the data", "a string", args[0]);
  if (!args[1].is_string()) return check.WrongType(1, "the algorithm", "a string", args[1]);
  auto digest = HexDigest(args[1].get_string(), args[0].get_string());
  if (!digest) {
    return check.Fail("unsupported algorithm " + SerializeJson(args[1]) +
                      "; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512");
  }
  return json::value(std::move(*digest));
}

Eval<json::value> JsonMerge(const Checker& check, std::vector<json::value>& args) {
  if (!args[0].is_object()) return check.WrongType(0, "the first object", "an object", args[0]);
  if (!args[1].is_object()) return check.WrongType(1, "the second object", "an object", args[1]);
  if (!args[2].is_bool()) return check.WrongType(2, "the deep-merge flag", "a boolean", args[2]);
  if (args[2].get_bool()) {
    return check.Fail("deep merge (true) is not supported; pass false for a shallow merge");
  }
  json::object out = std::move(args[0].get_object());
  for (auto& kv : args[1].get_object()) out[kv.key()] = std::move(kv.value());
  return json::value(std::move(out));
}

Eval<json::value> MathRandom(const Checker& check, const std::vector<json::value>& args,
                             common::Random& random) {
  static constexpr std::string_view kRoles[] = {"the start", "the end", "the seed"};
  std::int64_t v[3] = {0, 0, 0};
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!MathInteger(args[i], &v[i])) {
      return check.Fail("argument " + std::to_string(i + 1) + " (" + std::string(kRoles[i]) +
                        ") must be a number from -2147483648 to 2147483647, got " +
                        SerializeJson(args[i]));
    }
  }
  if (v[0] >= v[1]) {
    return check.Fail("the start (" + std::to_string(v[0]) + ") must be less than the end (" +
                      std::to_string(v[1]) + ")");
  }
  if (args.size() == 3) {
    // A seed makes the result reproducible, independent of the engine's random source.
    common::SeededRandom seeded(static_cast<std::uint64_t>(v[2]));
    return json::value(UniformInt(seeded, v[0], v[1]));
  }
  return json::value(UniformInt(random, v[0], v[1]));
}

Eval<json::value> MathAdd(const Checker& check, const std::vector<json::value>& args) {
  std::int64_t v[2];
  for (int i = 0; i < 2; ++i) {
    if (!MathInteger(args[i], &v[i])) {
      return check.Fail("argument " + std::to_string(i + 1) +
                        " must be a number from -2147483648 to 2147483647, got " +
                        SerializeJson(args[i]));
    }
  }
  return json::value(v[0] + v[1]);
}

Eval<json::value> StringSplit(const Checker& check, const std::vector<json::value>& args) {
  if (!args[0].is_string()) return check.WrongType(0, "the string", "a string", args[0]);
  if (!args[1].is_string()) return check.WrongType(1, "the delimiters", "a string", args[1]);
  std::vector<std::string_view> delimiters = CodePoints(args[1].get_string());
  std::string_view s = args[0].get_string();
  json::array out;
  std::size_t token_start = 0, pos = 0;
  // Every delimiter character separates, and empty tokens are dropped (AWS: ",,a" -> ["a"]).
  for (std::string_view cp : CodePoints(s)) {
    if (std::find(delimiters.begin(), delimiters.end(), cp) != delimiters.end()) {
      if (pos > token_start) out.emplace_back(s.substr(token_start, pos - token_start));
      token_start = pos + cp.size();
    }
    pos += cp.size();
  }
  if (pos > token_start) out.emplace_back(s.substr(token_start, pos - token_start));
  return json::value(std::move(out));
}

}  // namespace

const FunctionSpec* FindFunction(std::string_view name) {
  for (const auto& spec : kFunctions) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string DescribeArity(const FunctionSpec& spec) {
  auto plural = [](int n) { return n == 1 ? std::string(" argument") : " arguments"; };
  if (spec.max_args == kVariadic)
    return "takes at least " + std::to_string(spec.min_args) + plural(spec.min_args);
  if (spec.min_args == spec.max_args)
    return "takes " + std::to_string(spec.min_args) + plural(spec.min_args);
  return "takes " + std::to_string(spec.min_args) + " or " + std::to_string(spec.max_args) +
         " arguments";
}

FormatPieces SplitTemplate(std::string_view text) {
  FormatPieces pieces(1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '}') {
      pieces.emplace_back();
      ++i;
    } else {
      pieces.back() += text[i];
    }
  }
  return pieces;
}

Eval<json::value> Apply(const FunctionSpec& spec, std::vector<json::value> args,
                        const FormatPieces* literal_template, common::Random& random) {
  Checker check(spec);
  switch (spec.function) {
    case Function::kFormat:
      return Format(check, args, literal_template);
    case Function::kStringToJson:
      return StringToJson(check, args[0]);
    case Function::kJsonToString:
      return json::value(SerializeJson(args[0]));
    case Function::kArray:
      return json::value(json::array(args.begin(), args.end()));
    case Function::kArrayPartition:
      return ArrayPartition(check, args);
    case Function::kArrayContains: {
      if (!args[0].is_array()) return check.WrongType(0, "the array", "an array", args[0]);
      const auto& a = args[0].get_array();
      bool found = std::any_of(
          a.begin(), a.end(), [&](const json::value& e) { return common::JsonEquals(e, args[1]); });
      return json::value(found);
    }
    case Function::kArrayRange:
      return ArrayRange(check, args);
    case Function::kArrayGetItem:
      return ArrayGetItem(check, args);
    case Function::kArrayLength:
      if (!args[0].is_array()) return check.WrongType(0, "the array", "an array", args[0]);
      return json::value(static_cast<std::int64_t>(args[0].get_array().size()));
    case Function::kArrayUnique:
      return ArrayUnique(check, args[0]);
    case Function::kBase64Encode:
      return Base64(check, args[0], /*encode=*/true);
    case Function::kBase64Decode:
      return Base64(check, args[0], /*encode=*/false);
    case Function::kHash:
      return Hash(check, args);
    case Function::kJsonMerge:
      return JsonMerge(check, args);
    case Function::kMathRandom:
      return MathRandom(check, args, random);
    case Function::kMathAdd:
      return MathAdd(check, args);
    case Function::kStringSplit:
      return StringSplit(check, args);
    case Function::kUuid:
      return json::value(random.Uuid4());
  }
  return check.Fail("unknown function");  // unreachable: the switch covers every Function
}

}  // namespace tactus::asl::intrinsics_internal
