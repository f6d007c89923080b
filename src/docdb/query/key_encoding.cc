#include "docdb/query/key_encoding.h"

#include <cstring>

#include "docdb/query/number.h"

namespace tactus::docdb::query {
namespace {

void PutU32(std::uint32_t v, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

void PutString(const char* s, std::size_t len, std::string* out) {
  for (std::size_t i = 0; i < len; ++i) {
    out->push_back(s[i]);
    if (s[i] == '\0') out->push_back(static_cast<char>(0xFF));
  }
  out->push_back('\0');
  out->push_back('\0');
}

void PutNumber(const bson_value_t& v, std::string* out) {
  DecimalNumber n = ToDecimalNumber(v);
  switch (n.kind) {
    case DecimalNumber::Kind::kNaN:
      out->push_back(1);
      return;
    case DecimalNumber::Kind::kNegativeInfinity:
      out->push_back(2);
      return;
    case DecimalNumber::Kind::kPositiveInfinity:
      out->push_back(6);
      return;
    case DecimalNumber::Kind::kFinite:
      break;
  }
  if (n.digits.empty()) {
    out->push_back(4);
    return;
  }
  out->push_back(n.negative ? 3 : 5);
  std::size_t body = out->size();
  auto biased = static_cast<std::uint16_t>(n.exponent + 0x8000);
  out->push_back(static_cast<char>(biased >> 8));
  out->push_back(static_cast<char>(biased & 0xFF));
  for (std::size_t i = 0; i < n.digits.size(); i += 2) {
    int a = n.digits[i] - '0';
    int b = i + 1 < n.digits.size() ? n.digits[i + 1] - '0' : 0;
    out->push_back(static_cast<char>(10 * a + b + 1));
  }
  out->push_back('\0');
  if (n.negative) {
    for (std::size_t i = body; i < out->size(); ++i) (*out)[i] = static_cast<char>(~(*out)[i]);
  }
}

void PutBody(const bson_value_t& v, std::string* out);

void PutElements(const std::uint8_t* data, std::uint32_t len, bool names, std::string* out) {
  bson_t doc;
  bson_iter_t it;
  if (bson_init_static(&doc, data, len) && bson_iter_init(&it, &doc)) {
    while (bson_iter_next(&it)) {
      out->push_back(static_cast<char>(KeyClassOf(bson_iter_type(&it))));
      if (names) PutString(bson_iter_key(&it), bson_iter_key_len(&it), out);
      PutBody(*bson_iter_value(&it), out);
    }
  }
  out->push_back('\0');
}

void PutBody(const bson_value_t& v, std::string* out) {
  switch (v.value_type) {
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DECIMAL128:
      PutNumber(v, out);
      return;
    case BSON_TYPE_UTF8:
      PutString(v.value.v_utf8.str, v.value.v_utf8.len, out);
      return;
    case BSON_TYPE_SYMBOL:
      PutString(v.value.v_symbol.symbol, v.value.v_symbol.len, out);
      return;
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY:
      PutElements(v.value.v_doc.data, v.value.v_doc.data_len, v.value_type == BSON_TYPE_DOCUMENT,
                  out);
      return;
    case BSON_TYPE_BINARY:
      PutU32(v.value.v_binary.data_len, out);
      out->push_back(static_cast<char>(v.value.v_binary.subtype));
      out->append(reinterpret_cast<const char*>(v.value.v_binary.data), v.value.v_binary.data_len);
      return;
    case BSON_TYPE_OID:
      out->append(reinterpret_cast<const char*>(v.value.v_oid.bytes), 12);
      return;
    case BSON_TYPE_BOOL:
      out->push_back(v.value.v_bool ? 1 : 0);
      return;
    case BSON_TYPE_DATE_TIME: {
      auto u = static_cast<std::uint64_t>(v.value.v_datetime) ^ (std::uint64_t{1} << 63);
      PutU32(static_cast<std::uint32_t>(u >> 32), out);
      PutU32(static_cast<std::uint32_t>(u), out);
      return;
    }
    case BSON_TYPE_TIMESTAMP:
      PutU32(v.value.v_timestamp.timestamp, out);
      PutU32(v.value.v_timestamp.increment, out);
      return;
    case BSON_TYPE_REGEX: {
      const char* options = v.value.v_regex.options ? v.value.v_regex.options : "";
      PutString(v.value.v_regex.regex, std::strlen(v.value.v_regex.regex), out);
      PutString(options, std::strlen(options), out);
      return;
    }
    case BSON_TYPE_DBPOINTER:
      PutU32(v.value.v_dbpointer.collection_len, out);
      out->append(v.value.v_dbpointer.collection, v.value.v_dbpointer.collection_len);
      out->append(reinterpret_cast<const char*>(v.value.v_dbpointer.oid.bytes), 12);
      return;
    case BSON_TYPE_CODE:
      PutString(v.value.v_code.code, v.value.v_code.code_len, out);
      return;
    case BSON_TYPE_CODEWSCOPE:
      PutString(v.value.v_codewscope.code, v.value.v_codewscope.code_len, out);
      PutElements(v.value.v_codewscope.scope_data, v.value.v_codewscope.scope_len, true, out);
      return;
    default:
      return;  // MinKey, null, undefined, missing, MaxKey: the class byte says it all
  }
}

}  // namespace

std::uint8_t KeyClassOf(bson_type_t type) {
  switch (type) {
    case BSON_TYPE_MINKEY:
      return kKeyClassMinKey;
    case BSON_TYPE_EOD:
    case BSON_TYPE_UNDEFINED:
    case BSON_TYPE_NULL:
      return kKeyClassNull;
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DECIMAL128:
      return kKeyClassNumber;
    case BSON_TYPE_UTF8:
    case BSON_TYPE_SYMBOL:
      return kKeyClassString;
    case BSON_TYPE_DOCUMENT:
      return kKeyClassObject;
    case BSON_TYPE_ARRAY:
      return kKeyClassArray;
    case BSON_TYPE_BINARY:
      return kKeyClassBinData;
    case BSON_TYPE_OID:
      return kKeyClassObjectId;
    case BSON_TYPE_BOOL:
      return kKeyClassBool;
    case BSON_TYPE_DATE_TIME:
      return kKeyClassDate;
    case BSON_TYPE_TIMESTAMP:
      return kKeyClassTimestamp;
    case BSON_TYPE_REGEX:
      return kKeyClassRegex;
    case BSON_TYPE_DBPOINTER:
      return kKeyClassDbPointer;
    case BSON_TYPE_CODE:
      return kKeyClassCode;
    case BSON_TYPE_CODEWSCOPE:
      return kKeyClassCodeWithScope;
    case BSON_TYPE_MAXKEY:
      return kKeyClassMaxKey;
  }
  return kKeyClassMaxKey;
}

void AppendKeyValue(const bson_value_t& value, bool descending, std::string* out) {
  std::size_t start = out->size();
  out->push_back(static_cast<char>(KeyClassOf(value.value_type)));
  PutBody(value, out);
  if (descending) {
    for (std::size_t i = start; i < out->size(); ++i) (*out)[i] = static_cast<char>(~(*out)[i]);
  }
}

std::string EncodeKeyValue(const bson_value_t& value, bool descending) {
  std::string out;
  AppendKeyValue(value, descending, &out);
  return out;
}

}  // namespace tactus::docdb::query
