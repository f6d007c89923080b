// Matcher test helpers.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>

#include "docdb/query/matcher.h"
#include "docdb/query/test_util.h"

namespace tactus::docdb::query::testing {

// Whether `doc` matches `filter`; a test failure when the filter does not compile or matching
// fails.
// {field: {op: value, ...}} built with the BSON API: libbson's JSON parser reads "$type",
// "$regex" and "$options" keys as legacy Extended JSON.
inline BsonPtr Ops(const char* field,
                   std::initializer_list<std::pair<const char*, const char*>> ops) {
  BsonPtr out = NewBson();
  bson_t sub;
  bson_append_document_begin(out.get(), field, -1, &sub);
  for (const auto& [op, json] : ops) {
    TestValue v = V(json);
    bson_append_value(&sub, op, -1, &v.value);
  }
  bson_append_document_end(out.get(), &sub);
  return out;
}

inline std::string Text(const bson_t* b) { return ToJson(b); }
inline std::string Text(const char* json) { return json; }
inline BsonPtr Doc(const bson_t* b) { return CopyBson(b); }
inline BsonPtr Doc(const char* json) { return J(json); }

template <typename Filter>
bool M(const Filter& filter_in, const char* doc, MatchDetails* details = nullptr) {
  auto f = Doc(filter_in);
  std::string filter = Text(filter_in);
  auto d = J(doc);
  auto matcher = Matcher::Compile(f.get());
  if (!matcher.ok()) {
    ADD_FAILURE() << "compile " << filter << ": " << matcher.error().message;
    return false;
  }
  auto matched = matcher.value().Matches(d.get(), details);
  if (!matched.ok()) {
    ADD_FAILURE() << "match " << filter << ": " << matched.error().message;
    return false;
  }
  return matched.value();
}

// The compile error of `filter` (code 0 when it compiles).
template <typename Filter>
DbError CompileError(const Filter& filter) {
  auto f = Doc(filter);
  auto matcher = Matcher::Compile(f.get());
  if (matcher.ok()) return DbError{0, "", {}, {}, {}};
  return matcher.error();
}

// The run-time error of matching (code 0 when none).
template <typename Filter>
DbError MatchError(const Filter& filter, const char* doc) {
  auto f = Doc(filter);
  auto d = J(doc);
  auto matcher = Matcher::Compile(f.get());
  if (!matcher.ok()) return matcher.error();
  auto matched = matcher.value().Matches(d.get());
  if (matched.ok()) return DbError{0, "", {}, {}, {}};
  return matched.error();
}

}  // namespace tactus::docdb::query::testing
