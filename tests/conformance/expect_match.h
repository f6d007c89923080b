// Compares an engine result with a recorded AWS result under the placeholder rules of
// ../shared/conformance/asl/NORMALIZATION.md: tokens listed by the case are wildcards that bind
// consistently within the case.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/json.h"

namespace tactus::conformance {

namespace json = boost::json;

class ExpectMatcher {
 public:
  explicit ExpectMatcher(std::vector<std::string> placeholders);

  // Structural comparison of expected (may hold tokens) and actual. On mismatch, *why names the
  // JSON pointer of the first difference.
  bool Match(const json::value& expected, const json::value& actual, std::string* why);

  // Error/cause comparison: null expected accepts null, "" or missing (actual == nullptr); an
  // object/array expected cause is compared with the actual cause parsed as JSON.
  bool MatchError(const json::value& expected, const json::value* actual, std::string* why);

 private:
  bool MatchValue(const json::value& e, const json::value& a, const std::string& at,
                  std::string* why);
  bool MatchString(const std::string& expected, const std::string& actual);
  bool MatchFrom(const std::vector<std::pair<bool, std::string>>& parts, std::size_t i,
                 const std::string& actual, std::size_t pos);
  bool TokenAccepts(const std::string& token, const std::string& text) const;

  std::vector<std::string> tokens_;
  std::map<std::string, std::string> bound_;
};

}  // namespace tactus::conformance
