#include "docdb/query/compare.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "docdb/query/number.h"

namespace tactus::docdb::query {
namespace {

int CompareBytes(const void* a, std::size_t alen, const void* b, std::size_t blen) {
  int c = std::memcmp(a, b, std::min(alen, blen));
  if (c != 0) return c < 0 ? -1 : 1;
  return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

template <typename T>
int Order(T a, T b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

// Compares the sequences of elements of two documents or arrays.
int CompareElements(const std::uint8_t* a, std::uint32_t alen, const std::uint8_t* b,
                    std::uint32_t blen, bool names) {
  // A sequence that libbson cannot iterate counts as empty, as key_encoding.cc encodes it.
  bson_t da, db;
  bson_iter_t ia, ib;
  bool valid_a = bson_init_static(&da, a, alen) && bson_iter_init(&ia, &da);
  bool valid_b = bson_init_static(&db, b, blen) && bson_iter_init(&ib, &db);
  while (true) {
    bool more_a = valid_a && bson_iter_next(&ia);
    bool more_b = valid_b && bson_iter_next(&ib);
    if (!more_a || !more_b) return more_a ? 1 : (more_b ? -1 : 0);
    int ra = CanonicalTypeRank(bson_iter_type(&ia));
    int rb = CanonicalTypeRank(bson_iter_type(&ib));
    if (ra != rb) return ra < rb ? -1 : 1;
    if (names) {
      int c = CompareBytes(bson_iter_key(&ia), bson_iter_key_len(&ia), bson_iter_key(&ib),
                           bson_iter_key_len(&ib));
      if (c != 0) return c;
    }
    int c = CompareIters(ia, ib);
    if (c != 0) return c;
  }
}

void StringOf(const bson_value_t& v, const char** s, std::uint32_t* len) {
  if (v.value_type == BSON_TYPE_SYMBOL) {
    *s = v.value.v_symbol.symbol;
    *len = v.value.v_symbol.len;
  } else {
    *s = v.value.v_utf8.str;
    *len = v.value.v_utf8.len;
  }
}

}  // namespace

int CanonicalTypeRank(bson_type_t type) {
  switch (type) {
    case BSON_TYPE_MINKEY:
      return -1;
    case BSON_TYPE_EOD:
    case BSON_TYPE_UNDEFINED:
    case BSON_TYPE_NULL:
      return 5;
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DECIMAL128:
      return 10;
    case BSON_TYPE_UTF8:
    case BSON_TYPE_SYMBOL:
      return 15;
    case BSON_TYPE_DOCUMENT:
      return 20;
    case BSON_TYPE_ARRAY:
      return 25;
    case BSON_TYPE_BINARY:
      return 30;
    case BSON_TYPE_OID:
      return 35;
    case BSON_TYPE_BOOL:
      return 40;
    case BSON_TYPE_DATE_TIME:
      return 45;
    case BSON_TYPE_TIMESTAMP:
      return 47;
    case BSON_TYPE_REGEX:
      return 50;
    case BSON_TYPE_DBPOINTER:
      return 55;
    case BSON_TYPE_CODE:
      return 60;
    case BSON_TYPE_CODEWSCOPE:
      return 65;
    case BSON_TYPE_MAXKEY:
      return 127;
  }
  return 127;
}

int CompareValues(const bson_value_t& a, const bson_value_t& b) {
  int ra = CanonicalTypeRank(a.value_type), rb = CanonicalTypeRank(b.value_type);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 10:
      return CompareNumbers(a, b);
    case 15: {
      const char *sa, *sb;
      std::uint32_t la, lb;
      StringOf(a, &sa, &la);
      StringOf(b, &sb, &lb);
      return CompareBytes(sa, la, sb, lb);
    }
    case 20:
    case 25:
      return CompareElements(a.value.v_doc.data, a.value.v_doc.data_len, b.value.v_doc.data,
                             b.value.v_doc.data_len, ra == 20);
    case 30: {
      const auto &x = a.value.v_binary, &y = b.value.v_binary;
      if (x.data_len != y.data_len) return Order(x.data_len, y.data_len);
      if (x.subtype != y.subtype) return Order<int>(x.subtype, y.subtype);
      return CompareBytes(x.data, x.data_len, y.data, y.data_len);
    }
    case 35:
      return CompareBytes(a.value.v_oid.bytes, 12, b.value.v_oid.bytes, 12);
    case 40:
      return Order<int>(a.value.v_bool, b.value.v_bool);
    case 45:
      return Order(a.value.v_datetime, b.value.v_datetime);
    case 47: {
      if (a.value.v_timestamp.timestamp != b.value.v_timestamp.timestamp) {
        return Order(a.value.v_timestamp.timestamp, b.value.v_timestamp.timestamp);
      }
      return Order(a.value.v_timestamp.increment, b.value.v_timestamp.increment);
    }
    case 50: {
      const auto &x = a.value.v_regex, &y = b.value.v_regex;
      int c = CompareBytes(x.regex, std::strlen(x.regex), y.regex, std::strlen(y.regex));
      if (c != 0) return c;
      const char* xo = x.options ? x.options : "";
      const char* yo = y.options ? y.options : "";
      return CompareBytes(xo, std::strlen(xo), yo, std::strlen(yo));
    }
    case 55: {
      const auto &x = a.value.v_dbpointer, &y = b.value.v_dbpointer;
      if (x.collection_len != y.collection_len) return Order(x.collection_len, y.collection_len);
      int c = CompareBytes(x.collection, x.collection_len, y.collection, y.collection_len);
      if (c != 0) return c;
      return CompareBytes(x.oid.bytes, 12, y.oid.bytes, 12);
    }
    case 60:
      return CompareBytes(a.value.v_code.code, a.value.v_code.code_len, b.value.v_code.code,
                          b.value.v_code.code_len);
    case 65: {
      const auto &x = a.value.v_codewscope, &y = b.value.v_codewscope;
      int c = CompareBytes(x.code, x.code_len, y.code, y.code_len);
      if (c != 0) return c;
      return CompareElements(x.scope_data, x.scope_len, y.scope_data, y.scope_len, true);
    }
    default:
      return 0;  // MinKey, null, MaxKey: one value per bracket
  }
}

bson_value_t IterValue(const bson_iter_t& iter) {
  bson_iter_t copy = iter;
  return *bson_iter_value(&copy);
}

int CompareIters(const bson_iter_t& a, const bson_iter_t& b) {
  return CompareValues(IterValue(a), IterValue(b));
}

int CompareDocuments(const bson_t* a, const bson_t* b) {
  return CompareElements(bson_get_data(a), a->len, bson_get_data(b), b->len, true);
}

}  // namespace tactus::docdb::query
