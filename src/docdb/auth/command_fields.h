// Internal to auth/: lenient readers of command fields for the requirement builders
// (command_actions.cc, bulk_write_actions.cc). A field that is missing or of another type reads
// as absent; the command itself reports the malformation. Pure; thread-safe.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace tactus::docdb::auth::fields {

// The array (or, as OP_MSG sequences may arrive, document) field `key` of `doc` as a view;
// false when absent or of another type.
inline bool ArrayOf(const bson_t* doc, const char* key, bson_t* out) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, key) ||
      !(BSON_ITER_HOLDS_ARRAY(&it) || BSON_ITER_HOLDS_DOCUMENT(&it))) {
    return false;
  }
  const std::uint8_t* data;
  std::uint32_t len;
  if (BSON_ITER_HOLDS_ARRAY(&it)) {
    bson_iter_array(&it, &len, &data);
  } else {
    bson_iter_document(&it, &len, &data);
  }
  return bson_init_static(out, data, len);
}

// The document at an iterator's position as a view; false when the item is no document.
inline bool ItemDocument(const bson_iter_t* it, bson_t* out) {
  if (!BSON_ITER_HOLDS_DOCUMENT(it)) return false;
  const std::uint8_t* data;
  std::uint32_t len;
  bson_iter_document(it, &len, &data);
  return bson_init_static(out, data, len);
}

// Whether `key` is present and truthy.
inline bool Flag(const bson_t* doc, const char* key) {
  bson_iter_t it;
  return bson_iter_init_find(&it, doc, key) && bson_iter_as_bool(&it);
}

// "db.coll" -> ("db", "coll"), at the first dot; ("db", "") without one.
inline std::pair<std::string, std::string> SplitNs(std::string_view ns) {
  auto dot = ns.find('.');
  if (dot == std::string_view::npos) return {std::string(ns), ""};
  return {std::string(ns.substr(0, dot)), std::string(ns.substr(dot + 1))};
}

}  // namespace tactus::docdb::auth::fields
