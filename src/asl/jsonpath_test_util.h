// Helpers shared by the JSONPath tests: JSON and path parsers that report failures, evaluation to
// compact JSON text, and a fixture holding the classic bookstore document.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "asl/jsonpath.h"
#include "common/json.h"

namespace tactus::asl::testing {

inline json::value Json(std::string_view text) {
  auto r = common::ParseJson(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : json::value();
}

inline JsonPath Path(std::string_view text) {
  auto r = JsonPath::Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  if (!r.ok()) return std::move(JsonPath::Parse("$")).value();
  return std::move(r).value();
}

// Evaluates `path` on `doc` and returns the compact JSON, or "<none>".
inline std::string Eval(std::string_view path, const json::value& doc) {
  std::optional<json::value> v = Path(path).Evaluate(doc);
  return v ? common::SerializeJson(*v) : "<none>";
}

inline const char* kStore = R"({
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick",
       "isbn": "0-553-21311-3", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord",
       "isbn": "0-395-19395-8", "price": 22.99}
    ],
    "bicycle": {"color": "red", "price": 19.95}
  },
  "expensive": 10
})";

class JsonPathTest : public ::testing::Test {
 protected:
  json::value store_ = Json(kStore);
};

}  // namespace tactus::asl::testing
