#include "docdb/update/node.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "docdb/query/compare.h"

namespace tactus::docdb::update {
namespace {

constexpr int kMaxDepth = 100;

int TypeClass(bson_type_t t) { return query::CanonicalTypeRank(t); }

int Sign(int x) { return x < 0 ? -1 : (x > 0 ? 1 : 0); }

bool Serialise(bson_t* out, const Node& node, int depth) {
  if (depth > kMaxDepth) return false;
  for (const Node& kid : node.kids) {
    std::string index;
    std::string_view key = kid.name;
    if (node.is_array()) {
      index = std::to_string(&kid - node.kids.data());
      key = index;
    }
    if (!AppendNodeAt(out, key, kid, depth)) return false;
  }
  return true;
}

}  // namespace

bool AppendNodeAt(bson_t* out, std::string_view key, const Node& node, int depth) {
  if (!node.is_container()) {
    bson_append_value(out, key.data(), static_cast<int>(key.size()), &node.scalar.value());
    return true;
  }
  bson_t child;
  if (node.is_array()) {
    bson_append_array_begin(out, key.data(), static_cast<int>(key.size()), &child);
  } else {
    bson_append_document_begin(out, key.data(), static_cast<int>(key.size()), &child);
  }
  const bool ok = Serialise(&child, node, depth + 1);
  if (node.is_array()) {
    bson_append_array_end(out, &child);
  } else {
    bson_append_document_end(out, &child);
  }
  return ok;
}

bool Node::is_number() const {
  return type == BSON_TYPE_INT32 || type == BSON_TYPE_INT64 || type == BSON_TYPE_DOUBLE ||
         type == BSON_TYPE_DECIMAL128;
}

Node* Node::Find(std::string_view field) {
  for (Node& kid : kids) {
    if (kid.name == field) return &kid;
  }
  return nullptr;
}

const Node* Node::Find(std::string_view field) const {
  return const_cast<Node*>(this)->Find(field);
}

Node MakeDocument(std::string name) {
  Node n;
  n.name = std::move(name);
  n.type = BSON_TYPE_DOCUMENT;
  return n;
}

Node MakeArray(std::string name) {
  Node n;
  n.name = std::move(name);
  n.type = BSON_TYPE_ARRAY;
  return n;
}

Node MakeNull(std::string name) {
  Node n;
  n.name = std::move(name);
  return n;
}

Node MakeScalar(std::string name, const bson_value_t& v) {
  Node n;
  n.name = std::move(name);
  n.type = v.value_type;
  n.scalar = Scalar(v);
  return n;
}

Node MakeInt32(std::string name, std::int32_t v) {
  bson_value_t b{};
  b.value_type = BSON_TYPE_INT32;
  b.value.v_int32 = v;
  return MakeScalar(std::move(name), b);
}

Node MakeInt64(std::string name, std::int64_t v) {
  bson_value_t b{};
  b.value_type = BSON_TYPE_INT64;
  b.value.v_int64 = v;
  return MakeScalar(std::move(name), b);
}

Node MakeDouble(std::string name, double v) {
  bson_value_t b{};
  b.value_type = BSON_TYPE_DOUBLE;
  b.value.v_double = v;
  return MakeScalar(std::move(name), b);
}

Node FromIter(const bson_iter_t* iter, std::string name) {
  bson_type_t t = bson_iter_type(iter);
  if (t == BSON_TYPE_DOCUMENT || t == BSON_TYPE_ARRAY) {
    Node n = t == BSON_TYPE_ARRAY ? MakeArray(std::move(name)) : MakeDocument(std::move(name));
    bson_iter_t child;
    if (bson_iter_recurse(iter, &child)) {
      while (bson_iter_next(&child)) {
        n.kids.push_back(FromIter(&child, t == BSON_TYPE_ARRAY ? "" : bson_iter_key(&child)));
      }
    }
    return n;
  }
  return MakeScalar(std::move(name), *bson_iter_value(const_cast<bson_iter_t*>(iter)));
}

Node FromBson(const bson_t* doc) {
  Node n = MakeDocument();
  bson_iter_t it;
  if (bson_iter_init(&it, doc)) {
    while (bson_iter_next(&it)) n.kids.push_back(FromIter(&it, bson_iter_key(&it)));
  }
  return n;
}

DbResult<BsonPtr> ToBson(const Node& doc) {
  BsonPtr out = NewBson();
  if (!Serialise(out.get(), doc, 1)) {
    return MakeError(kBadValue, "cannot create a document with more than " +
                                    std::to_string(kMaxDepth) + " levels of nesting");
  }
  if (out->len > kMaxDocumentBytes) {
    return MakeError(kLocation10334, "Resulting document after update is larger than " +
                                         std::to_string(kMaxDocumentBytes));
  }
  return out;
}

BsonPtr ToBsonUnchecked(const Node& doc) {
  BsonPtr out = NewBson();
  Serialise(out.get(), doc, -(1 << 30));
  return out;
}

void AppendNode(bson_t* out, std::string_view key, const Node& node) {
  AppendNodeAt(out, key, node, -(1 << 30));
}

int Compare(const Node& a, const Node& b) {
  int ca = TypeClass(a.type), cb = TypeClass(b.type);
  if (ca != cb) return ca < cb ? -1 : 1;
  if (!a.is_container()) return Sign(query::CompareValues(a.scalar.value(), b.scalar.value()));
  std::size_t n = std::min(a.kids.size(), b.kids.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Node &x = a.kids[i], &y = b.kids[i];
    int tx = TypeClass(x.type), ty = TypeClass(y.type);
    if (tx != ty) return tx < ty ? -1 : 1;
    if (a.is_document()) {
      int c = x.name.compare(y.name);
      if (c != 0) return Sign(c);
    }
    int c = Compare(x, y);
    if (c != 0) return c;
  }
  return a.kids.size() < b.kids.size() ? -1 : (a.kids.size() > b.kids.size() ? 1 : 0);
}

bool IdenticalValues(const Node& a, const Node& b) {
  Node wa = MakeDocument(), wb = MakeDocument();
  wa.kids.push_back(a);
  wa.kids.back().name.clear();
  wb.kids.push_back(b);
  wb.kids.back().name.clear();
  BsonPtr x = ToBsonUnchecked(wa), y = ToBsonUnchecked(wb);
  return x->len == y->len &&
         std::memcmp(bson_get_data(x.get()), bson_get_data(y.get()), x->len) == 0;
}

std::string Describe(const Node& node) {
  Node wrapper = MakeDocument();
  wrapper.kids.push_back(node);
  BsonPtr b = ToBsonUnchecked(wrapper);
  std::string json = ToJson(b.get());
  // "{ "a" : 1 }" -> "a: 1", MongoDB's style for one element.
  std::string out = node.name + ": ";
  auto colon = json.find(" : ");
  if (colon == std::string::npos) return out;
  std::string value = json.substr(colon + 3);
  if (value.size() >= 2) value.resize(value.size() - 2);  // Drop " }".
  return out + value;
}

}  // namespace tactus::docdb::update
