#include "docdb/query/path.h"

namespace tactus::docdb::query {
namespace {

bool HasField(const bson_value_t& doc_value, const std::string& key) {
  bson_t doc;
  bson_iter_t it;
  return bson_init_static(&doc, doc_value.value.v_doc.data, doc_value.value.v_doc.data_len) &&
         bson_iter_init_find_w_len(&it, &doc, key.data(), static_cast<int>(key.size()));
}

struct Walker {
  const std::vector<std::string>& path;
  TerminalArrays mode;
  std::vector<PathHit>* out;

  void Emit(const bson_value_t& v, std::int32_t position, bool expanded) {
    out->push_back(PathHit{v, position, expanded});
  }

  void EmitMissing(std::int32_t position) {
    bson_value_t missing{};
    missing.value_type = BSON_TYPE_EOD;
    Emit(missing, position, false);
  }

  void EmitTerminal(const bson_value_t& v, std::int32_t position) {
    if (v.value_type != BSON_TYPE_ARRAY || mode == TerminalArrays::kKeep) {
      Emit(v, position, false);
      return;
    }
    bson_t array;
    bson_iter_t it;
    bool any = false;
    if (bson_init_static(&array, v.value.v_doc.data, v.value.v_doc.data_len) &&
        bson_iter_init(&it, &array)) {
      for (std::int32_t k = 0; bson_iter_next(&it); ++k) {
        Emit(*bson_iter_value(&it), position >= 0 ? position : k, true);
        any = true;
      }
    }
    if (mode == TerminalArrays::kElementsThenArray || !any) Emit(v, position, false);
  }

  void Walk(const bson_value_t& cur, std::size_t i, std::int32_t position) {
    if (i == path.size()) {
      EmitTerminal(cur, position);
      return;
    }
    if (cur.value_type == BSON_TYPE_DOCUMENT) {
      bson_t doc;
      bson_iter_t it;
      const std::string& key = path[i];
      if (bson_init_static(&doc, cur.value.v_doc.data, cur.value.v_doc.data_len) &&
          bson_iter_init_find_w_len(&it, &doc, key.data(), static_cast<int>(key.size()))) {
        Walk(*bson_iter_value(&it), i + 1, position);
      } else {
        EmitMissing(position);
      }
      return;
    }
    if (cur.value_type == BSON_TYPE_ARRAY) {
      std::int64_t index = ArrayIndexOf(path[i]);
      std::size_t before = out->size();
      bson_t array;
      bson_iter_t it;
      if (bson_init_static(&array, cur.value.v_doc.data, cur.value.v_doc.data_len) &&
          bson_iter_init(&it, &array)) {
        for (std::int32_t k = 0; bson_iter_next(&it); ++k) {
          bson_value_t element = *bson_iter_value(&it);
          std::int32_t element_position = position >= 0 ? position : k;
          if (k == index) {
            Walk(element, i + 1, element_position);
          } else if (element.value_type == BSON_TYPE_DOCUMENT &&
                     (index < 0 || HasField(element, path[i]))) {
            // Under a numeric component the index selects; other elements count only where
            // they really have a field of that name.
            Walk(element, i, element_position);
          }
        }
      }
      if (out->size() == before) EmitMissing(position);
      return;
    }
    EmitMissing(position);
  }
};

}  // namespace

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  if (path.empty()) return parts;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = path.find('.', start);
    if (dot == std::string_view::npos) {
      parts.emplace_back(path.substr(start));
      return parts;
    }
    parts.emplace_back(path.substr(start, dot - start));
    start = dot + 1;
  }
}

std::int64_t ArrayIndexOf(std::string_view c) {
  if (c.empty() || c.size() > 9) return -1;
  if (c.size() > 1 && c[0] == '0') return -1;
  std::int64_t v = 0;
  for (char ch : c) {
    if (ch < '0' || ch > '9') return -1;
    v = v * 10 + (ch - '0');
  }
  return v;
}

bson_value_t DocumentValue(const bson_t* doc) {
  bson_value_t v{};
  v.value_type = BSON_TYPE_DOCUMENT;
  v.value.v_doc.data = const_cast<std::uint8_t*>(bson_get_data(doc));
  v.value.v_doc.data_len = doc->len;
  return v;
}

void FindPath(const bson_value_t& root, const std::vector<std::string>& path, TerminalArrays mode,
              std::vector<PathHit>* out) {
  if (path.empty()) {
    out->push_back(PathHit{root, -1, false});
    return;
  }
  Walker{path, mode, out}.Walk(root, 0, -1);
}

void FindPath(const bson_t* doc, const std::vector<std::string>& path, TerminalArrays mode,
              std::vector<PathHit>* out) {
  FindPath(DocumentValue(doc), path, mode, out);
}

}  // namespace tactus::docdb::query
