#include "docdb/query/type_alias.h"

#include <cmath>
#include <cstring>
#include <string>

#include "docdb/query/number.h"

namespace tactus::docdb::query {
namespace {

struct Alias {
  const char* name;
  int code;
};

constexpr Alias kAliases[] = {
    {"double", 1},      {"string", 2},     {"object", 3},
    {"array", 4},       {"binData", 5},    {"undefined", 6},
    {"objectId", 7},    {"bool", 8},       {"date", 9},
    {"null", 10},       {"regex", 11},     {"dbPointer", 12},
    {"javascript", 13}, {"symbol", 14},    {"javascriptWithScope", 15},
    {"int", 16},        {"timestamp", 17}, {"long", 18},
    {"decimal", 19},    {"minKey", -1},    {"maxKey", 127},
};

int SlotOf(int code) {
  if (code == -1) return kMinKeySlot;
  if (code == 127) return kMaxKeySlot;
  return code;
}

DbResult<Done> AddOne(const bson_value_t& v, BsonTypeSet* set) {
  if (IsNumberType(v.value_type)) {
    double d = NumberAsDouble(v);
    if (d != std::trunc(d) || !((d >= 1 && d <= 19) || d == -1 || d == 127)) {
      std::string shown = std::isfinite(d) ? std::to_string(static_cast<long long>(d)) : "NaN";
      if (std::isfinite(d) && d != std::trunc(d)) shown = std::to_string(d);
      return MakeError(kBadValue, "Invalid numerical type code: " + shown);
    }
    set->set(SlotOf(static_cast<int>(d)));
    return Done{};
  }
  if (v.value_type == BSON_TYPE_UTF8) {
    const char* name = v.value.v_utf8.str;
    if (std::strlen(name) == v.value.v_utf8.len && std::strcmp(name, "number") == 0) {
      set->set(1).set(16).set(18).set(19);
      return Done{};
    }
    for (const Alias& alias : kAliases) {
      if (std::strlen(name) == v.value.v_utf8.len && std::strcmp(name, alias.name) == 0) {
        set->set(SlotOf(alias.code));
        return Done{};
      }
    }
    return MakeError(kBadValue, "Unknown type name alias: " + std::string(name));
  }
  return MakeError(kBadValue, "type must be represented as a number or a string");
}

}  // namespace

DbResult<BsonTypeSet> ParseTypeSet(const bson_value_t& operand) {
  BsonTypeSet set;
  if (operand.value_type != BSON_TYPE_ARRAY) {
    auto added = AddOne(operand, &set);
    if (!added.ok()) return added.error();
    return set;
  }
  bson_t array;
  bson_iter_t it;
  if (!bson_init_static(&array, operand.value.v_doc.data, operand.value.v_doc.data_len) ||
      !bson_iter_init(&it, &array)) {
    return MakeError(kBadValue, "malformed $type array");
  }
  while (bson_iter_next(&it)) {
    auto added = AddOne(*bson_iter_value(&it), &set);
    if (!added.ok()) return added.error();
  }
  return set;
}

bool TypeSetContains(const BsonTypeSet& set, bson_type_t type) {
  if (type == BSON_TYPE_MINKEY) return set.test(kMinKeySlot);
  if (type == BSON_TYPE_MAXKEY) return set.test(kMaxKeySlot);
  int code = static_cast<int>(type);
  return code >= 1 && code <= 19 && set.test(code);
}

}  // namespace tactus::docdb::query
