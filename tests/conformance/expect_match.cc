#include "tests/conformance/expect_match.h"

#include <algorithm>
#include <regex>

namespace tactus::conformance {

ExpectMatcher::ExpectMatcher(std::vector<std::string> placeholders)
    : tokens_(std::move(placeholders)) {
  // Longest first, so a token that contains another is recognised whole.
  std::sort(tokens_.begin(), tokens_.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

bool ExpectMatcher::TokenAccepts(const std::string& token, const std::string& text) const {
  if (text.empty()) return false;
  if (text == token) return true;
  static const std::regex kIso(
      R"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)");
  static const std::regex kRegion(R"([a-z]{2}(-[a-z]+)+-\d+)");
  static const std::regex kPartition(R"(aws(-[a-z]+)*)");
  static const std::regex kAccount(R"(\d{12})");
  if (token == "date") return std::regex_match(text, kIso);
  if (token == "<region>") return std::regex_match(text, kRegion);
  if (token == "<partition>") return std::regex_match(text, kPartition);
  if (token == "111111111111") return std::regex_match(text, kAccount);
  return true;
}

bool ExpectMatcher::MatchFrom(const std::vector<std::pair<bool, std::string>>& parts, std::size_t i,
                              const std::string& actual, std::size_t pos) {
  if (i == parts.size()) return pos == actual.size();
  const auto& [is_token, text] = parts[i];
  if (!is_token) {
    if (actual.compare(pos, text.size(), text) != 0) return false;
    return MatchFrom(parts, i + 1, actual, pos + text.size());
  }
  auto bound = bound_.find(text);
  if (bound != bound_.end()) {
    const std::string& b = bound->second;
    if (actual.compare(pos, b.size(), b) != 0) return false;
    return MatchFrom(parts, i + 1, actual, pos + b.size());
  }
  for (std::size_t end = actual.size(); end > pos; --end) {
    std::string candidate = actual.substr(pos, end - pos);
    if (!TokenAccepts(text, candidate)) continue;
    bound_[text] = candidate;
    if (MatchFrom(parts, i + 1, actual, end)) return true;
    bound_.erase(text);
  }
  return false;
}

bool ExpectMatcher::MatchString(const std::string& expected, const std::string& actual) {
  std::vector<std::pair<bool, std::string>> parts;
  std::string literal;
  for (std::size_t i = 0; i < expected.size();) {
    bool found = false;
    for (const auto& t : tokens_) {
      if (expected.compare(i, t.size(), t) == 0) {
        if (!literal.empty()) parts.emplace_back(false, std::move(literal));
        literal.clear();
        parts.emplace_back(true, t);
        i += t.size();
        found = true;
        break;
      }
    }
    if (!found) literal += expected[i++];
  }
  if (!literal.empty()) parts.emplace_back(false, std::move(literal));
  auto saved = bound_;
  if (MatchFrom(parts, 0, actual, 0)) return true;
  bound_ = std::move(saved);
  return false;
}

bool ExpectMatcher::MatchValue(const json::value& e, const json::value& a, const std::string& at,
                               std::string* why) {
  auto fail = [&]() {
    *why = "at " + (at.empty() ? std::string("/") : at) + ": expected " + common::SerializeJson(e) +
           ", got " + common::SerializeJson(a);
    return false;
  };
  if (e.is_string()) {
    std::string es(e.get_string());
    bool whole_token = std::find(tokens_.begin(), tokens_.end(), es) != tokens_.end();
    if (whole_token && !a.is_object() && !a.is_array()) {
      if (!a.is_string()) return true;
      return MatchString(es, std::string(a.get_string())) || fail();
    }
    if (!a.is_string()) return fail();
    return MatchString(es, std::string(a.get_string())) || fail();
  }
  if (e.is_object()) {
    if (!a.is_object()) return fail();
    const auto &eo = e.get_object(), &ao = a.get_object();
    if (eo.size() != ao.size()) return fail();
    for (const auto& kv : eo) {
      const auto* av = ao.if_contains(kv.key());
      if (!av) return fail();
      if (!MatchValue(kv.value(), *av, at + "/" + std::string(kv.key()), why)) return false;
    }
    return true;
  }
  if (e.is_array()) {
    if (!a.is_array() || e.get_array().size() != a.get_array().size()) return fail();
    for (std::size_t i = 0; i < e.get_array().size(); ++i) {
      if (!MatchValue(e.get_array()[i], a.get_array()[i], at + "/" + std::to_string(i), why)) {
        return false;
      }
    }
    return true;
  }
  return common::JsonEquals(e, a) || fail();
}

bool ExpectMatcher::Match(const json::value& expected, const json::value& actual,
                          std::string* why) {
  return MatchValue(expected, actual, "", why);
}

bool ExpectMatcher::MatchError(const json::value& expected, const json::value* actual,
                               std::string* why) {
  bool actual_empty =
      !actual || actual->is_null() || (actual->is_string() && actual->get_string().empty());
  if (expected.is_null()) {
    if (actual_empty) return true;
    *why = "expected none, got " + common::SerializeJson(*actual);
    return false;
  }
  if (actual_empty) {
    *why = "expected " + common::SerializeJson(expected) + ", got none";
    return false;
  }
  if ((expected.is_object() || expected.is_array()) && actual->is_string()) {
    auto parsed = common::ParseJson(actual->get_string());
    if (!parsed.ok()) {
      *why = "expected JSON " + common::SerializeJson(expected) + ", got " +
             common::SerializeJson(*actual);
      return false;
    }
    return Match(expected, *parsed, why);
  }
  return Match(expected, *actual, why);
}

}  // namespace tactus::conformance
