#include "docdb/query/projection.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "docdb/query/number.h"
#include "docdb/query/path.h"

namespace tactus::docdb::query {
namespace {

enum class Action { kNone, kInclude, kExclude, kSlice, kElemMatch, kPositional };

struct Node {
  Action action = Action::kNone;  // kNone: an inner node with children
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> children;
  bool has_positional = false;  // this node or a descendant is positional
  std::int64_t skip = 0;        // $slice: skip < 0 counts from the end
  std::int64_t limit = 0;
  bool slice_has_skip = false;
  std::optional<Matcher> elem_match;

  Node* Find(std::string_view name) const {
    for (const auto& [key, child] : children) {
      if (key == name) return child.get();
    }
    return nullptr;
  }
};

DbError Bad(std::string message) { return MakeError(kBadValue, std::move(message)); }

std::int64_t SaturatingInt(const bson_value_t& v) {
  if (v.value_type == BSON_TYPE_INT32) return v.value.v_int32;
  if (v.value_type == BSON_TYPE_INT64) return v.value.v_int64;
  double d = NumberAsDouble(v);
  if (std::isnan(d)) return 0;
  if (d >= 9.2e18) return INT64_MAX;
  if (d <= -9.2e18) return INT64_MIN;
  return static_cast<std::int64_t>(d);
}

bool Truthy(const bson_value_t& v) {
  if (v.value_type == BSON_TYPE_BOOL) return v.value.v_bool;
  return NumberAsDouble(v) != 0;
}

struct ApplyContext {
  const MatchDetails* details;
  std::optional<DbError> error;
};

void AppendValue(bson_t* out, std::string_view key, const bson_value_t& v) {
  bson_append_value(out, key.data(), static_cast<int>(key.size()), &v);
}

bool InitIter(const bson_value_t& v, bson_t* storage, bson_iter_t* it) {
  return bson_init_static(storage, v.value.v_doc.data, v.value.v_doc.data_len) &&
         bson_iter_init(it, storage);
}

class Projector {
 public:
  Projector(bool inclusion, ApplyContext* ctx) : inclusion_(inclusion), ctx_(ctx) {}

  void ProjectObject(const bson_value_t& in, const Node& node, bool positional_done, bson_t* out) {
    bson_t storage;
    bson_iter_t it;
    if (!InitIter(in, &storage, &it)) return;
    while (bson_iter_next(&it)) {
      std::string_view key(bson_iter_key(&it), bson_iter_key_len(&it));
      const Node* child = node.Find(key);
      bson_value_t value = *bson_iter_value(&it);
      if (child == nullptr) {
        if (!inclusion_) AppendValue(out, key, value);
        continue;
      }
      ProjectValue(key, value, *child, positional_done, out);
    }
  }

 private:
  void ProjectValue(std::string_view key, const bson_value_t& value, const Node& node,
                    bool positional_done, bson_t* out) {
    switch (node.action) {
      case Action::kInclude:
        AppendValue(out, key, value);
        return;
      case Action::kExclude:
        return;
      case Action::kSlice:
        if (value.value_type == BSON_TYPE_ARRAY) {
          AppendSlice(key, value, node, out);
        } else {
          AppendValue(out, key, value);
        }
        return;
      case Action::kElemMatch:
        AppendElemMatch(key, value, node, out);
        return;
      case Action::kPositional:
        if (value.value_type == BSON_TYPE_ARRAY && !positional_done) {
          AppendPositional(key, value, node, out);
        } else {
          AppendValue(out, key, value);
        }
        return;
      case Action::kNone:
        break;
    }
    if (value.value_type == BSON_TYPE_DOCUMENT) {
      bson_t sub;
      bson_append_document_begin(out, key.data(), static_cast<int>(key.size()), &sub);
      ProjectObject(value, node, positional_done, &sub);
      bson_append_document_end(out, &sub);
      return;
    }
    if (value.value_type == BSON_TYPE_ARRAY) {
      if (node.has_positional && !positional_done) {
        AppendPositional(key, value, node, out);
        return;
      }
      bson_t sub;
      bson_append_array_begin(out, key.data(), static_cast<int>(key.size()), &sub);
      ProjectArray(value, node, positional_done, &sub);
      bson_append_array_end(out, &sub);
      return;
    }
    if (!inclusion_) AppendValue(out, key, value);
  }

  void ProjectArray(const bson_value_t& in, const Node& node, bool positional_done, bson_t* out) {
    bson_t storage;
    bson_iter_t it;
    if (!InitIter(in, &storage, &it)) return;
    std::uint32_t n = 0;
    char buf[16];
    while (bson_iter_next(&it)) {
      bson_value_t element = *bson_iter_value(&it);
      const char* key = nullptr;
      std::size_t len = bson_uint32_to_string(n, &key, buf, sizeof buf);
      std::string_view k(key, len);
      if (element.value_type == BSON_TYPE_DOCUMENT) {
        bson_t sub;
        bson_append_document_begin(out, key, static_cast<int>(len), &sub);
        ProjectObject(element, node, positional_done, &sub);
        bson_append_document_end(out, &sub);
      } else if (element.value_type == BSON_TYPE_ARRAY) {
        bson_t sub;
        bson_append_array_begin(out, key, static_cast<int>(len), &sub);
        ProjectArray(element, node, positional_done, &sub);
        bson_append_array_end(out, &sub);
      } else if (!inclusion_) {
        AppendValue(out, k, element);
      } else {
        continue;
      }
      ++n;
    }
  }

  // The element at the matched position, itself projected by `node` below the positional.
  void AppendPositional(std::string_view key, const bson_value_t& array, const Node& node,
                        bson_t* out) {
    if (ctx_->details == nullptr) {
      Fail("positional operator '.$' requires corresponding field in query specifier");
      return;
    }
    if (!ctx_->details->array_position) {
      Fail("positional operator '.$' couldn't find a matching element in the array");
      return;
    }
    std::int32_t position = *ctx_->details->array_position;
    bson_t storage;
    bson_iter_t it;
    if (!InitIter(array, &storage, &it)) return;
    for (std::int32_t k = 0; bson_iter_next(&it); ++k) {
      if (k != position) continue;
      bson_value_t element = *bson_iter_value(&it);
      bson_t sub;
      bson_append_array_begin(out, key.data(), static_cast<int>(key.size()), &sub);
      if (node.action == Action::kPositional) {
        AppendValue(&sub, "0", element);
      } else {
        ProjectValue("0", element, node, /*positional_done=*/true, &sub);
      }
      bson_append_array_end(out, &sub);
      return;
    }
    Fail("positional operator '.$' couldn't find a matching element in the array");
  }

  void AppendSlice(std::string_view key, const bson_value_t& array, const Node& node, bson_t* out) {
    bson_t storage;
    bson_iter_t it;
    if (!InitIter(array, &storage, &it)) return;
    auto n = static_cast<std::int64_t>(bson_count_keys(&storage));
    std::int64_t start, count;
    if (node.slice_has_skip) {
      start = node.skip < 0 ? std::max<std::int64_t>(0, n + std::max(node.skip, -n)) : node.skip;
      count = node.limit;
    } else if (node.limit >= 0) {
      start = 0;
      count = node.limit;
    } else {
      count = node.limit == INT64_MIN ? n : std::min(-node.limit, n);
      start = n - count;
    }
    bson_t sub;
    bson_append_array_begin(out, key.data(), static_cast<int>(key.size()), &sub);
    std::uint32_t written = 0;
    char buf[16];
    for (std::int64_t k = 0; bson_iter_next(&it); ++k) {
      if (k < start || k - start >= count) continue;
      const char* index_key = nullptr;
      std::size_t len = bson_uint32_to_string(written++, &index_key, buf, sizeof buf);
      AppendValue(&sub, std::string_view(index_key, len), *bson_iter_value(&it));
    }
    bson_append_array_end(out, &sub);
  }

  void AppendElemMatch(std::string_view key, const bson_value_t& array, const Node& node,
                       bson_t* out) {
    if (array.value_type != BSON_TYPE_ARRAY) return;
    bson_t storage;
    bson_iter_t it;
    if (!InitIter(array, &storage, &it)) return;
    while (bson_iter_next(&it)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) continue;
      bson_value_t element = *bson_iter_value(&it);
      bson_t doc;
      if (!bson_init_static(&doc, element.value.v_doc.data, element.value.v_doc.data_len)) continue;
      auto matched = node.elem_match->Matches(&doc);
      if (!matched.ok()) {
        if (!ctx_->error) ctx_->error = matched.error();
        return;
      }
      if (!matched.value()) continue;
      bson_t sub;
      bson_append_array_begin(out, key.data(), static_cast<int>(key.size()), &sub);
      AppendValue(&sub, "0", element);
      bson_append_array_end(out, &sub);
      return;
    }
  }

  void Fail(std::string message) {
    if (!ctx_->error) ctx_->error = MakeError(51246, std::move(message));
  }

  bool inclusion_;
  ApplyContext* ctx_;
};

class Builder {
 public:
  DbResult<Done> AddSpec(const bson_t* spec, const std::string& prefix, int depth) {
    if (depth > 100) return Bad("projection nested too deeply");
    bson_iter_t it;
    if (!bson_iter_init(&it, spec)) return Bad("malformed projection");
    while (bson_iter_next(&it)) {
      std::string key(bson_iter_key(&it), bson_iter_key_len(&it));
      std::string path = prefix.empty() ? key : prefix + "." + key;
      bson_value_t v = *bson_iter_value(&it);
      auto added = AddField(path, v, depth);
      if (!added.ok()) return added;
    }
    return Done{};
  }

  std::unique_ptr<Node> root = std::make_unique<Node>();
  std::string first_inclusion, first_exclusion;
  bool id_specified = false;
  bool id_included = false;
  int positionals = 0;

 private:
  DbResult<Done> AddField(const std::string& path, const bson_value_t& v, int depth) {
    std::vector<std::string> parts = SplitPath(path);
    bool positional = !parts.empty() && parts.back() == "$";
    if (positional) parts.pop_back();
    if (parts.empty()) return Bad("projection field names may not be empty");
    for (const std::string& part : parts) {
      if (part.empty()) return Bad("projection field '" + path + "' has an empty component");
      if (part[0] == '$') {
        return Bad("positional projection '" + path + "' must have '.$' last, after a field");
      }
    }
    bool is_id = parts.size() == 1 && parts[0] == "_id";
    if (is_id) id_specified = true;
    auto leaf = std::make_unique<Node>();
    if (positional) {
      if (++positionals > 1) return Bad("Cannot specify more than one positional proj. per query.");
      leaf->action = Action::kPositional;
      leaf->has_positional = true;
      Note(path, true);
    } else if (v.value_type == BSON_TYPE_BOOL || IsNumberType(v.value_type)) {
      bool include = Truthy(v);
      leaf->action = include ? Action::kInclude : Action::kExclude;
      if (!is_id) Note(path, include);
      if (is_id) id_included = include;
    } else if (v.value_type == BSON_TYPE_DOCUMENT) {
      bson_t sub;
      bson_iter_t first;
      if (!bson_init_static(&sub, v.value.v_doc.data, v.value.v_doc.data_len) ||
          !bson_iter_init(&first, &sub) || !bson_iter_next(&first)) {
        return Bad("An empty sub-projection is not a valid value. Found empty object at path");
      }
      std::string op = bson_iter_key(&first);
      if (op[0] != '$') return AddSpec(&sub, path, depth + 1);
      if (bson_count_keys(&sub) != 1) return Bad("projection operator object must have one field");
      bson_value_t operand = *bson_iter_value(&first);
      if (op == "$slice") {
        auto sliced = ParseSlice(operand, leaf.get());
        if (!sliced.ok()) return sliced;
      } else if (op == "$elemMatch") {
        if (parts.size() != 1)
          return MakeError(31275, "Cannot use $elemMatch projection on a nested field.");
        if (operand.value_type != BSON_TYPE_DOCUMENT)
          return Bad("elemMatch: Invalid argument, object required.");
        bson_t filter;
        if (!bson_init_static(&filter, operand.value.v_doc.data, operand.value.v_doc.data_len)) {
          return Bad("elemMatch: malformed object");
        }
        auto matcher = Matcher::Compile(&filter);
        if (!matcher.ok()) return matcher.error();
        leaf->action = Action::kElemMatch;
        leaf->elem_match = std::move(matcher).value();
        Note(path, true);
      } else {
        return Bad("projection operator " + op + " is not supported by the embedded store");
      }
    } else {
      return Bad("projection of '" + path +
                 "': computed fields (literals, expressions) are not supported; use 1 or 0");
    }
    return Insert(parts, path, std::move(leaf));
  }

  static DbResult<Done> ParseSlice(const bson_value_t& operand, Node* leaf) {
    leaf->action = Action::kSlice;
    if (IsNumberType(operand.value_type)) {
      leaf->limit = SaturatingInt(operand);
      return Done{};
    }
    if (operand.value_type == BSON_TYPE_ARRAY) {
      bson_t array;
      bson_iter_t it;
      std::vector<bson_value_t> args;
      if (bson_init_static(&array, operand.value.v_doc.data, operand.value.v_doc.data_len) &&
          bson_iter_init(&it, &array)) {
        while (bson_iter_next(&it)) args.push_back(*bson_iter_value(&it));
      }
      if (args.size() != 2 || !IsNumberType(args[0].value_type) ||
          !IsNumberType(args[1].value_type)) {
        return MakeError(28724, "$slice array argument must be [skip, limit] numbers");
      }
      leaf->slice_has_skip = true;
      leaf->skip = SaturatingInt(args[0]);
      leaf->limit = SaturatingInt(args[1]);
      if (leaf->limit <= 0) return MakeError(28724, "$slice limit must be positive");
      return Done{};
    }
    return MakeError(28724, "$slice only supports numbers and [skip, limit] arrays");
  }

  void Note(const std::string& path, bool inclusion) {
    std::string& slot = inclusion ? first_inclusion : first_exclusion;
    if (slot.empty()) slot = path;
  }

  DbResult<Done> Insert(const std::vector<std::string>& parts, const std::string& path,
                        std::unique_ptr<Node> leaf) {
    Node* node = root.get();
    bool positional = leaf->has_positional;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (node->action != Action::kNone) {
        return MakeError(31250, "Path collision at " + path);
      }
      if (positional) node->has_positional = true;
      Node* child = node->Find(parts[i]);
      if (i + 1 == parts.size()) {
        if (child != nullptr) return MakeError(31250, "Path collision at " + path);
        node->children.emplace_back(parts[i], std::move(leaf));
        return Done{};
      }
      if (child == nullptr) {
        node->children.emplace_back(parts[i], std::make_unique<Node>());
        child = node->children.back().second.get();
      }
      node = child;
    }
    return Done{};
  }
};

}  // namespace

struct Projection::State {
  std::unique_ptr<Node> root;
  bool inclusion = false;
};

Projection::Projection(std::shared_ptr<const State> state) : state_(std::move(state)) {}

DbResult<Projection> Projection::Compile(const bson_t* spec) {
  Builder builder;
  auto built = builder.AddSpec(spec, "", 0);
  if (!built.ok()) return built.error();
  if (!builder.first_inclusion.empty() && !builder.first_exclusion.empty()) {
    return MakeError(31254, "Cannot do exclusion on field " + builder.first_exclusion +
                                " in inclusion projection");
  }
  auto state = std::make_shared<State>();
  // {_id: 1} alone is an inclusion projection: it returns only _id.
  state->inclusion = !builder.first_inclusion.empty() ||
                     (builder.first_exclusion.empty() && builder.id_included);
  if (state->inclusion && !builder.id_specified) {
    auto id = std::make_unique<Node>();
    id->action = Action::kInclude;
    builder.root->children.emplace(builder.root->children.begin(), "_id", std::move(id));
  }
  state->root = std::move(builder.root);
  return Projection(std::move(state));
}

DbResult<BsonPtr> Projection::Apply(const bson_t* doc, const MatchDetails* details) const {
  ApplyContext ctx{details, std::nullopt};
  BsonPtr out = NewBson();
  Projector(state_->inclusion, &ctx)
      .ProjectObject(DocumentValue(doc), *state_->root, /*positional_done=*/false, out.get());
  if (ctx.error) return *std::move(ctx.error);
  return out;
}

bool Projection::is_inclusion() const { return state_->inclusion; }

}  // namespace tactus::docdb::query
