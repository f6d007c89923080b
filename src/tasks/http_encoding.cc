#include "tasks/http_encoding.h"

#include <algorithm>

namespace tactus::tasks::http_internal {
namespace {

bool IsScalar(const json::value& v) { return !v.is_object() && !v.is_array(); }

std::string ScalarText(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_null()) return "";
  return common::SerializeJson(v);
}

class Encoder {
 public:
  explicit Encoder(ArrayFormat format) : format_(format) {}

  void Value(const std::string& key, const json::value& v) {
    if (v.is_object()) {
      for (const auto& [k, member] : v.as_object()) {
        Value(key + "[" + std::string(k) + "]", member);
      }
    } else if (v.is_array()) {
      Array(key, v.as_array());
    } else {
      Pair(key, PercentEncode(ScalarText(v)));
    }
  }

  std::string Take() { return std::move(out_); }

 private:
  void Array(const std::string& key, const json::array& a) {
    bool scalars = std::all_of(a.begin(), a.end(), IsScalar);
    ArrayFormat format = scalars ? format_ : ArrayFormat::kIndices;
    switch (format) {
      case ArrayFormat::kIndices:
        for (std::size_t i = 0; i < a.size(); ++i) {
          Value(key + "[" + std::to_string(i) + "]", a[i]);
        }
        break;
      case ArrayFormat::kRepeat:
        for (const auto& e : a) Value(key, e);
        break;
      case ArrayFormat::kBrackets:
        for (const auto& e : a) Value(key + "[]", e);
        break;
      case ArrayFormat::kCommas: {
        if (a.empty()) break;
        // Commas inside an element are encoded, so the separators stay distinguishable.
        std::string joined;
        for (std::size_t i = 0; i < a.size(); ++i) {
          if (i > 0) joined += ',';
          joined += PercentEncode(ScalarText(a[i]));
        }
        Pair(key, joined);
        break;
      }
    }
  }

  void Pair(const std::string& key, const std::string& encoded_value) {
    if (!out_.empty()) out_ += '&';
    out_ += PercentEncode(key);
    out_ += '=';
    out_ += encoded_value;
  }

  ArrayFormat format_;
  std::string out_;
};

}  // namespace

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string FormEncode(const json::object& object, ArrayFormat format) {
  Encoder encoder(format);
  for (const auto& [key, value] : object) encoder.Value(std::string(key), value);
  return encoder.Take();
}

}  // namespace tactus::tasks::http_internal
