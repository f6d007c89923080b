// updateDescription of an `update` oplog entry, diffed from the old and new documents (oplog.h),
// so every update path (operators, pipelines, $merge) describes its change the same way.
#include <cstring>
#include <string>
#include <vector>

#include "docdb/storage/oplog.h"

namespace tactus::docdb::storage {
namespace {

struct Diff {
  bson_t* updated;
  std::vector<std::string> removed;
  std::vector<std::pair<std::string, std::uint32_t>> truncated;
};

// The encoded bytes of the element's value (libbson 1.23 has no accessor for them).
std::string_view ValueBytes(const bson_iter_t& it) {
  return std::string_view(reinterpret_cast<const char*>(it.raw) + it.d1, it.next_off - it.d1);
}

bool SameValue(const bson_iter_t& a, const bson_iter_t& b) {
  return bson_iter_type(&a) == bson_iter_type(&b) && ValueBytes(a) == ValueBytes(b);
}

// The whole element: name, type and value.
bool SameElement(const bson_iter_t& a, const bson_iter_t& b) {
  const std::uint32_t a_len = a.next_off - a.off, b_len = b.next_off - b.off;
  return a_len == b_len && std::memcmp(a.raw + a.off, b.raw + b.off, a_len) == 0;
}

std::string Join(const std::string& prefix, const char* key) {
  return prefix.empty() ? std::string(key) : prefix + "." + key;
}

bool Container(const bson_iter_t& it, bson_t* out) {
  std::uint32_t len = 0;
  const std::uint8_t* data = nullptr;
  if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
    bson_iter_document(&it, &len, &data);
  } else if (BSON_ITER_HOLDS_ARRAY(&it)) {
    bson_iter_array(&it, &len, &data);
  } else {
    return false;
  }
  return bson_init_static(out, data, len);
}

void DiffDocuments(const bson_t* old_doc, const bson_t* new_doc, const std::string& prefix,
                   Diff& diff);

std::uint32_t Count(const bson_t* array) { return bson_count_keys(array); }

void DiffValues(const bson_iter_t& o, const bson_iter_t& n, const std::string& path, Diff& diff) {
  if (SameValue(o, n)) return;
  bson_t od, nd;
  if (BSON_ITER_HOLDS_DOCUMENT(&o) && BSON_ITER_HOLDS_DOCUMENT(&n) && Container(o, &od) &&
      Container(n, &nd)) {
    DiffDocuments(&od, &nd, path, diff);
    return;
  }
  if (BSON_ITER_HOLDS_ARRAY(&o) && BSON_ITER_HOLDS_ARRAY(&n) && Container(o, &od) &&
      Container(n, &nd)) {
    std::uint32_t old_size = Count(&od), new_size = Count(&nd);
    if (new_size < old_size) diff.truncated.emplace_back(path, new_size);
    bson_iter_t oi, ni;
    bson_iter_init(&oi, &od);
    bson_iter_init(&ni, &nd);
    bool have_old = bson_iter_next(&oi);
    while (bson_iter_next(&ni)) {
      std::string element = Join(path, bson_iter_key(&ni));
      if (have_old) {
        DiffValues(oi, ni, element, diff);
        have_old = bson_iter_next(&oi);
      } else {
        bson_append_iter(diff.updated, element.c_str(), -1, &ni);
      }
    }
    return;
  }
  bson_append_iter(diff.updated, path.c_str(), -1, &n);
}

void DiffDocuments(const bson_t* old_doc, const bson_t* new_doc, const std::string& prefix,
                   Diff& diff) {
  // An update usually keeps the fields where they were: the old document is walked beside the
  // new one, and a field is looked up only where the two part.
  bson_iter_t beside;
  bool have_beside = bson_iter_init(&beside, old_doc) && bson_iter_next(&beside);
  bool in_step = true;  // every old field so far was met beside its new one
  bson_iter_t n;
  bson_iter_init(&n, new_doc);
  while (bson_iter_next(&n)) {
    // In step, the same element (name, type and value) costs one comparison of its bytes.
    if (in_step && have_beside && SameElement(beside, n)) {
      have_beside = bson_iter_next(&beside);
      continue;
    }
    const char* key = bson_iter_key(&n);
    if (in_step && !have_beside) {
      // Every old field was met, in order: the rest are new fields (as $set appends them).
      bson_append_iter(diff.updated, Join(prefix, key).c_str(), -1, &n);
      continue;
    }
    bson_iter_t o;
    bool found = false;
    if (in_step && have_beside && std::strcmp(bson_iter_key(&beside), key) == 0) {
      o = beside;
      found = true;
      have_beside = bson_iter_next(&beside);
    } else {
      in_step = false;
      found = FindField(old_doc, key, &o);  // an exact key (bson_has_field would follow dots)
    }
    const std::string path = Join(prefix, key);
    if (found) {
      DiffValues(o, n, path, diff);
    } else {
      bson_append_iter(diff.updated, path.c_str(), -1, &n);
    }
  }
  // In step to the end of both: the same fields, nothing removed.
  if (in_step && !have_beside) return;
  bson_iter_t o;
  bson_iter_init(&o, old_doc);
  while (bson_iter_next(&o)) {
    bson_iter_t exact;
    if (!FindField(new_doc, bson_iter_key(&o), &exact)) {
      diff.removed.push_back(Join(prefix, bson_iter_key(&o)));
    }
  }
}

}  // namespace

void AppendUpdateDescription(bson_t* parent, const char* key, const bson_t* old_doc,
                             const bson_t* new_doc) {
  bson_t out, updated;
  bson_append_document_begin(parent, key, -1, &out);
  BSON_APPEND_DOCUMENT_BEGIN(&out, "updatedFields", &updated);
  Diff diff{&updated, {}, {}};
  DiffDocuments(old_doc, new_doc, "", diff);
  bson_append_document_end(&out, &updated);
  // Usually both lists are empty: appended whole, which costs less than building them.
  static const std::uint8_t kEmpty[5] = {5, 0, 0, 0, 0};
  bson_t empty;
  bson_init_static(&empty, kEmpty, sizeof kEmpty);
  bson_t removed, truncated;
  if (diff.removed.empty()) {
    BSON_APPEND_ARRAY(&out, "removedFields", &empty);
  } else {
    BSON_APPEND_ARRAY_BEGIN(&out, "removedFields", &removed);
    for (std::size_t i = 0; i < diff.removed.size(); ++i) {
      BSON_APPEND_UTF8(&removed, std::to_string(i).c_str(), diff.removed[i].c_str());
    }
    bson_append_array_end(&out, &removed);
  }
  if (diff.truncated.empty()) {
    BSON_APPEND_ARRAY(&out, "truncatedArrays", &empty);
  } else {
    BSON_APPEND_ARRAY_BEGIN(&out, "truncatedArrays", &truncated);
    for (std::size_t i = 0; i < diff.truncated.size(); ++i) {
      bson_t entry;
      BSON_APPEND_DOCUMENT_BEGIN(&truncated, std::to_string(i).c_str(), &entry);
      BSON_APPEND_UTF8(&entry, "field", diff.truncated[i].first.c_str());
      BSON_APPEND_INT32(&entry, "newSize", static_cast<std::int32_t>(diff.truncated[i].second));
      bson_append_document_end(&truncated, &entry);
    }
    bson_append_array_end(&out, &truncated);
  }
  bson_append_document_end(parent, &out);
}

BsonPtr DiffForUpdateDescription(const bson_t* old_doc, const bson_t* new_doc) {
  BsonPtr holder = NewBson();
  AppendUpdateDescription(holder.get(), "d", old_doc, new_doc);
  bson_t description;
  bson_iter_t it;
  std::uint32_t len = 0;
  const std::uint8_t* data = nullptr;
  if (bson_iter_init_find(&it, holder.get(), "d")) bson_iter_document(&it, &len, &data);
  return data != nullptr && bson_init_static(&description, data, len) ? CopyBson(&description)
                                                                      : NewBson();
}

}  // namespace tactus::docdb::storage
