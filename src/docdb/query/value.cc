#include "docdb/query/value.h"

namespace tactus::docdb::query {

Value MissingValue() { return Value{}; }

Value NullValue() {
  Value out;
  out.v.value_type = BSON_TYPE_NULL;
  return out;
}

Value BoolValue(bool b) {
  Value out;
  out.v.value_type = BSON_TYPE_BOOL;
  out.v.value.v_bool = b;
  return out;
}

Value Int32Value(std::int32_t i) {
  Value out;
  out.v.value_type = BSON_TYPE_INT32;
  out.v.value.v_int32 = i;
  return out;
}

Value Int64Value(std::int64_t i) {
  Value out;
  out.v.value_type = BSON_TYPE_INT64;
  out.v.value.v_int64 = i;
  return out;
}

Value IntValue(std::int64_t i) {
  if (i >= INT32_MIN && i <= INT32_MAX) return Int32Value(static_cast<std::int32_t>(i));
  return Int64Value(i);
}

Value DoubleValue(double d) {
  Value out;
  out.v.value_type = BSON_TYPE_DOUBLE;
  out.v.value.v_double = d;
  return out;
}

Value DateValue(std::int64_t ms) {
  Value out;
  out.v.value_type = BSON_TYPE_DATE_TIME;
  out.v.value.v_datetime = ms;
  return out;
}

Value StringValue(std::string s) {
  auto holder = std::make_shared<std::string>(std::move(s));
  Value out;
  out.v.value_type = BSON_TYPE_UTF8;
  out.v.value.v_utf8.str = holder->data();
  out.v.value.v_utf8.len = static_cast<std::uint32_t>(holder->size());
  out.storage = std::move(holder);
  return out;
}

Value ViewValue(const bson_value_t& v) { return Value{v, nullptr}; }

namespace {
struct OwnedBsonValue {
  bson_value_t v{};
  ~OwnedBsonValue() { bson_value_destroy(&v); }
};
}  // namespace

Value OwnedCopy(const bson_value_t& v) {
  if (v.value_type == BSON_TYPE_EOD) return MissingValue();
  auto holder = std::make_shared<OwnedBsonValue>();
  bson_value_copy(&v, &holder->v);
  Value out;
  out.v = holder->v;
  out.storage = std::move(holder);
  return out;
}

namespace {
Value Wrap(BsonPtr doc, bson_type_t type) {
  std::shared_ptr<bson_t> holder(doc.release(), BsonDeleter());
  Value out;
  out.v.value_type = type;
  out.v.value.v_doc.data = const_cast<std::uint8_t*>(bson_get_data(holder.get()));
  out.v.value.v_doc.data_len = holder->len;
  out.storage = std::move(holder);
  return out;
}
}  // namespace

Value DocumentValueOf(BsonPtr doc) { return Wrap(std::move(doc), BSON_TYPE_DOCUMENT); }
Value ArrayValueOf(BsonPtr array) { return Wrap(std::move(array), BSON_TYPE_ARRAY); }

ArrayBuilder::ArrayBuilder() : doc_(NewBson()) {}

void ArrayBuilder::Append(const bson_value_t& v) {
  char buf[16];
  const char* key = nullptr;
  std::size_t len = bson_uint32_to_string(n_++, &key, buf, sizeof buf);
  if (v.value_type == BSON_TYPE_EOD) {
    bson_append_null(doc_.get(), key, static_cast<int>(len));
  } else {
    bson_append_value(doc_.get(), key, static_cast<int>(len), &v);
  }
}

Value ArrayBuilder::Finish() {
  n_ = 0;
  BsonPtr out = std::move(doc_);
  doc_ = NewBson();
  return ArrayValueOf(std::move(out));
}

bool ViewDocument(const bson_value_t& v, bson_t* out) {
  if (v.value_type != BSON_TYPE_DOCUMENT && v.value_type != BSON_TYPE_ARRAY) return false;
  return bson_init_static(out, v.value.v_doc.data, v.value.v_doc.data_len);
}

void ForEachElement(const bson_value_t& container,
                    const std::function<bool(std::string_view, const bson_value_t&)>& visit) {
  bson_t doc;
  bson_iter_t it;
  if (!ViewDocument(container, &doc) || !bson_iter_init(&it, &doc)) return;
  while (bson_iter_next(&it)) {
    if (!visit(std::string_view(bson_iter_key(&it), bson_iter_key_len(&it)),
               *bson_iter_value(&it))) {
      return;
    }
  }
}

std::vector<bson_value_t> ArrayElements(const bson_value_t& array) {
  std::vector<bson_value_t> out;
  bson_t doc;
  bson_iter_t it;
  if (!ViewDocument(array, &doc) || !bson_iter_init(&it, &doc)) return out;
  while (bson_iter_next(&it)) out.push_back(*bson_iter_value(&it));
  return out;
}

void AppendValue(bson_t* doc, std::string_view key, const bson_value_t& v) {
  if (v.value_type == BSON_TYPE_EOD) return;
  bson_append_value(doc, key.data(), static_cast<int>(key.size()), &v);
}

}  // namespace tactus::docdb::query
