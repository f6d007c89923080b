// Test helpers: documents and values from (canonical or relaxed) Extended JSON.
#pragma once

#include <bson/bson.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "docdb/bson_util.h"

namespace tactus::docdb::query::testing {

// A document from Extended JSON; an empty document (and a test failure) when malformed.
inline BsonPtr J(std::string_view json) {
  bson_error_t error;
  bson_t* b = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json.data()),
                                 static_cast<ssize_t>(json.size()), &error);
  if (b == nullptr) {
    ADD_FAILURE() << "bad test JSON: " << json << ": " << error.message;
    return NewBson();
  }
  return BsonPtr(b);
}

// One value from Extended JSON, kept alive with its holder document.
struct TestValue {
  BsonPtr holder;
  bson_value_t value{};
};

inline TestValue V(std::string_view json) {
  TestValue out;
  out.holder = J("{\"v\": " + std::string(json) + "}");
  bson_iter_t it;
  if (bson_iter_init_find(&it, out.holder.get(), "v")) out.value = *bson_iter_value(&it);
  return out;
}

}  // namespace tactus::docdb::query::testing
