// Helpers for the update/ tests: documents written as Extended JSON, results compared in
// canonical Extended JSON (so int32, int64 and double stay distinct).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "docdb/bson_util.h"
#include "docdb/update/update.h"

namespace tactus::docdb::update::test_util {

inline BsonPtr Json(std::string_view json) {
  bson_error_t error;
  bson_t* b = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json.data()),
                                 static_cast<ssize_t>(json.size()), &error);
  EXPECT_NE(b, nullptr) << "bad test JSON: " << json << ": " << error.message;
  return BsonPtr(b ? b : bson_new());
}

inline std::string Canonical(const bson_t* b) {
  std::size_t len = 0;
  char* s = bson_as_canonical_extended_json(b, &len);
  std::string out(s, len);
  bson_free(s);
  return out;
}

// The canonical form of a JSON document written in a test.
inline std::string Canon(std::string_view json) { return Canonical(Json(json).get()); }

struct Options {
  std::optional<std::size_t> positional;
  bool is_insert = false;
  std::int64_t now_ms = 1700000000123;
  const char* array_filters = nullptr;  // A JSON array, or nullptr.
};

inline Options Pos(std::size_t index) {
  Options o;
  o.positional = index;
  return o;
}
inline Options Insert() {
  Options o;
  o.is_insert = true;
  return o;
}
inline Options Now(std::int64_t now_ms) {
  Options o;
  o.now_ms = now_ms;
  return o;
}
inline Options Filters(const char* array_filters) {
  Options o;
  o.array_filters = array_filters;
  return o;
}

inline std::string ErrorText(const DbError& e) {
  return "error " + std::to_string(e.code) + ": " + e.message;
}

// Compiles `update` (with opts.array_filters) and applies it to `doc`; the canonical JSON of the
// result, or "error <code>: <message>".
inline std::string Upd(std::string_view doc, std::string_view update, const Options& opts = {}) {
  BsonPtr filters_holder;
  bson_t filters;
  const bson_t* filters_ptr = nullptr;
  if (opts.array_filters) {
    filters_holder = Json(std::string("{\"f\": ") + opts.array_filters + "}");
    bson_iter_t it;
    std::uint32_t len = 0;
    const std::uint8_t* data = nullptr;
    if (bson_iter_init_find(&it, filters_holder.get(), "f")) bson_iter_array(&it, &len, &data);
    if (data && bson_init_static(&filters, data, len)) filters_ptr = &filters;
  }
  auto compiled = Update::Compile(Json(update).get(), filters_ptr);
  if (!compiled.ok()) return ErrorText(compiled.error());
  auto result =
      compiled.value().Apply(Json(doc).get(), opts.positional, opts.is_insert, opts.now_ms);
  if (!result.ok()) return ErrorText(result.error());
  return Canonical(result.value().get());
}

// The error code of Run, or 0 on success.
inline int Code(std::string_view doc, std::string_view update, const Options& opts = {}) {
  std::string r = Upd(doc, update, opts);
  if (!r.starts_with("error ")) return 0;
  return std::stoi(r.substr(6));
}

}  // namespace tactus::docdb::update::test_util
