#include "docdb/query/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace tactus::docdb::query {
namespace {

// Generous for real patterns (a linear scan of a 16 MiB string needs far fewer), small enough
// that a catastrophic pattern fails in milliseconds.
constexpr std::uint32_t kMatchLimit = 200'000;
constexpr std::uint32_t kDepthLimit = 10'000;
constexpr std::size_t kHeapLimitKib = 16 * 1024;
constexpr std::size_t kMaxPatternBytes = 32764;

struct CodeDeleter {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};
struct ContextDeleter {
  void operator()(pcre2_match_context* c) const { pcre2_match_context_free(c); }
};
struct MatchDataDeleter {
  void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); }
};

}  // namespace

struct Regex::Compiled {
  std::unique_ptr<pcre2_code, CodeDeleter> code;
  std::unique_ptr<pcre2_match_context, ContextDeleter> context;
};

Regex::Regex(std::shared_ptr<const Compiled> compiled, std::string pattern, std::string options)
    : compiled_(std::move(compiled)), pattern_(std::move(pattern)), options_(std::move(options)) {}

DbResult<Regex> Regex::Compile(std::string_view pattern, std::string_view options) {
  std::uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
  for (char c : options) {
    switch (c) {
      case 'i':
        flags |= PCRE2_CASELESS;
        break;
      case 'm':
        flags |= PCRE2_MULTILINE;
        break;
      case 's':
        flags |= PCRE2_DOTALL;
        break;
      case 'x':
        flags |= PCRE2_EXTENDED;
        break;
      case 'u':
        break;
      default:
        return MakeError(kInvalidRegexOptions, std::string("invalid flag in regex options: ") + c);
    }
  }
  if (pattern.find('\0') != std::string_view::npos) {
    return MakeError(kRegexMatchLimit, "Regular expression cannot contain an embedded null byte");
  }
  if (pattern.size() > kMaxPatternBytes) {
    return MakeError(kRegexMatchLimit, "Regular expression is invalid: pattern string is too long");
  }
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   flags, &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof message);
    return MakeError(kRegexMatchLimit, std::string("Regular expression is invalid: ") +
                                           reinterpret_cast<const char*>(message));
  }
  auto compiled = std::make_shared<Compiled>();
  compiled->code.reset(code);
  compiled->context.reset(pcre2_match_context_create(nullptr));
  pcre2_set_match_limit(compiled->context.get(), kMatchLimit);
  pcre2_set_depth_limit(compiled->context.get(), kDepthLimit);
  pcre2_set_heap_limit(compiled->context.get(), kHeapLimitKib);
  return Regex(std::move(compiled), std::string(pattern), std::string(options));
}

namespace {
DbError MatchFailure(int rc, const std::string& pattern) {
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT) {
    return MakeError(kBadValue,
                     "Regular expression match exceeded its limits (catastrophic backtracking?); "
                     "simplify the pattern /" +
                         pattern + "/");
  }
  PCRE2_UCHAR message[256];
  pcre2_get_error_message(rc, message, sizeof message);
  return MakeError(kBadValue, std::string("Regular expression match failed: ") +
                                  reinterpret_cast<const char*>(message));
}
}  // namespace

DbResult<std::optional<Regex::Found>> Regex::Find(std::string_view subject,
                                                  std::size_t start) const {
  std::unique_ptr<pcre2_match_data, MatchDataDeleter> data(
      pcre2_match_data_create_from_pattern(compiled_->code.get(), nullptr));
  int rc = pcre2_match(compiled_->code.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()),
                       subject.size(), start, 0, data.get(), compiled_->context.get());
  if (rc == PCRE2_ERROR_NOMATCH || rc == PCRE2_ERROR_PARTIAL ||
      (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)) {
    return std::optional<Found>();
  }
  if (rc < 0) return MatchFailure(rc, pattern_);
  PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data.get());
  std::uint32_t groups = 0;
  pcre2_pattern_info(compiled_->code.get(), PCRE2_INFO_CAPTURECOUNT, &groups);
  Found found;
  found.offset = ov[0];
  found.length = ov[1] - ov[0];
  for (std::uint32_t g = 1; g <= groups; ++g) {
    if (static_cast<int>(g) < rc && ov[2 * g] != PCRE2_UNSET) {
      found.captures.emplace_back(std::make_pair(ov[2 * g], ov[2 * g + 1] - ov[2 * g]));
    } else {
      found.captures.emplace_back(std::nullopt);
    }
  }
  return std::optional<Found>(std::move(found));
}

DbResult<bool> Regex::Match(std::string_view subject) const {
  std::unique_ptr<pcre2_match_data, MatchDataDeleter> data(
      pcre2_match_data_create_from_pattern(compiled_->code.get(), nullptr));
  int rc = pcre2_match(compiled_->code.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()),
                       subject.size(), 0, 0, data.get(), compiled_->context.get());
  if (rc >= 0) return true;
  if (rc == PCRE2_ERROR_NOMATCH || rc == PCRE2_ERROR_PARTIAL) return false;
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT) {
    return MakeError(kBadValue,
                     "Regular expression match exceeded its limits (catastrophic backtracking?); "
                     "simplify the pattern /" +
                         pattern_ + "/");
  }
  if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21) return false;
  PCRE2_UCHAR message[256];
  pcre2_get_error_message(rc, message, sizeof message);
  return MakeError(kBadValue, std::string("Regular expression match failed: ") +
                                  reinterpret_cast<const char*>(message));
}

}  // namespace tactus::docdb::query
