#include "docdb/update/update.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <utility>

#include "docdb/query/compare.h"
#include "docdb/update/compiled_update.h"
#include "docdb/update/leaf.h"
#include "docdb/wire/byte_order.h"

namespace tactus::docdb::update {
namespace {

DbResult<Done> CheckReplacement(const Node& doc) {
  for (const Node& field : doc.kids) {
    if (field.name.empty()) {
      return MakeError(kEmptyFieldName,
                       "An empty field name is not allowed in a replacement "
                       "document");
    }
    if (field.name[0] == '$') {
      return MakeError(kDollarPrefixedFieldName,
                       "The dollar ($) prefixed field '" + field.name + "' in '" + field.name +
                           "' is not allowed in the context of an update's replacement document. "
                           "Consider using an aggregation pipeline with $replaceWith.");
    }
  }
  return Done{};
}

// A stable sort in place for the few elements of one update.
template <typename T, typename Before>
void InsertionSort(std::vector<T>& v, Before&& before) {
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (!before(v[i], v[i - 1])) continue;
    T moving = std::move(v[i]);
    std::size_t j = i;
    for (; j > 0 && before(moving, v[j - 1]); --j) v[j] = std::move(v[j - 1]);
    v[j] = std::move(moving);
  }
}

// Orders ops as MongoDB applies them and rejects overlapping paths.
DbResult<Done> OrderAndCheckConflicts(std::vector<Op>* ops) {
  struct Entry {
    const FieldPath* path;
    std::size_t seq;
  };
  std::vector<Entry> entries;
  entries.reserve(ops->size() + 1);
  for (const Op& op : *ops) {
    if (op.kind == OpKind::kRename) entries.push_back({&op.from, entries.size()});
    entries.push_back({&op.path, entries.size()});
  }
  // Updates name few paths, often already in order: an insertion sort (stable, and without
  // the buffer std::stable_sort allocates).
  auto entry_before = [](const Entry& a, const Entry& b) {
    return ComparePaths(*a.path, *b.path) < 0;
  };
  InsertionSort(entries, entry_before);
  // A path sorts right before the paths below it, so checking neighbours finds every conflict.
  for (std::size_t i = 1; i < entries.size(); ++i) {
    const Entry &a = entries[i - 1], &b = entries[i];
    if (auto at = ConflictAt(*a.path, *b.path)) {
      const Entry& later = a.seq > b.seq ? a : b;
      return MakeError(kConflictingUpdateOperators, "Updating the path '" + later.path->dotted +
                                                        "' would create a conflict at '" + *at +
                                                        "'");
    }
  }
  // The ops follow: each moved once (an Op is large), when they are not in order already.
  std::vector<std::size_t> order(ops->size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  InsertionSort(order, [&](std::size_t a, std::size_t b) {
    return ComparePaths((*ops)[a].path, (*ops)[b].path) < 0;
  });
  if (!std::is_sorted(order.begin(), order.end())) {
    std::vector<Op> sorted;
    sorted.reserve(ops->size());
    for (std::size_t from : order) sorted.push_back(std::move((*ops)[from]));
    *ops = std::move(sorted);
  }
  return Done{};
}

bool ValidIdentifier(const std::string& id) {
  if (id.empty() || id[0] < 'a' || id[0] > 'z') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

// Collects the identifiers a filter constrains ("x" for {"x.a": 1}), through $and/$or/$nor.
void FilterIdentifiers(const Node& filter, std::vector<std::string>* out) {
  for (const Node& clause : filter.kids) {
    if (clause.name == "$and" || clause.name == "$or" || clause.name == "$nor") {
      for (const Node& sub : clause.kids) FilterIdentifiers(sub, out);
    } else if (!clause.name.starts_with("$")) {
      out->push_back(clause.name.substr(0, clause.name.find('.')));
    }
  }
}

DbResult<Done> CompileArrayFilters(const bson_t* array_filters, CompiledUpdate* cu) {
  Node filters = FromBson(array_filters);
  for (const Node& filter : filters.kids) {
    if (!filter.is_document()) {
      return MakeError(kTypeMismatch, std::string("Expected arrayFilters to contain objects, "
                                                  "found ") +
                                          BsonTypeName(filter.type));
    }
    std::vector<std::string> ids;
    FilterIdentifiers(filter, &ids);
    if (ids.empty()) {
      return MakeError(kFailedToParse,
                       "Cannot use an expression without a top-level field name in arrayFilters");
    }
    for (const std::string& id : ids) {
      if (id != ids.front()) {
        return MakeError(kFailedToParse,
                         "Error parsing array filter :: caused by :: Expected a "
                         "single top-level field name, found '" +
                             ids.front() + "' and '" + id + "'");
      }
    }
    if (!ValidIdentifier(ids.front())) {
      return MakeError(kBadValue,
                       "Error parsing array filter :: caused by :: The top-level field "
                       "name must be an alphanumeric string beginning with a lowercase "
                       "letter, found '" +
                           ids.front() + "'");
    }
    auto matcher = query::Matcher::Compile(ToBsonUnchecked(filter).get());
    if (!matcher.ok()) {
      return MakeError(matcher.error().code,
                       "Error parsing array filter :: caused by :: " + matcher.error().message);
    }
    if (!cu->array_filters.emplace(ids.front(), std::move(matcher).value()).second) {
      return MakeError(kFailedToParse,
                       "Found multiple array filters with the same top-level "
                       "field name " +
                           ids.front());
    }
  }
  return Done{};
}

DbResult<Done> CheckIdentifiersUsed(const bson_t* update, CompiledUpdate* cu) {
  std::set<std::string> used;
  for (const Op& op : cu->ops) {
    for (const Component& part : op.path.parts) {
      if (part.kind == ComponentKind::kPositional) cu->positional = true;
      if (part.kind != ComponentKind::kFiltered) continue;
      if (!cu->array_filters.count(part.name)) {
        return MakeError(kBadValue, "No array filter found for identifier '" + part.name +
                                        "' in path '" + op.path.dotted + "'");
      }
      used.insert(part.name);
    }
  }
  for (const auto& [id, filter] : cu->array_filters) {
    if (!used.count(id)) {
      return MakeError(kFailedToParse, "The array filter for identifier '" + id +
                                           "' was not used in the update " + ToJson(update));
    }
  }
  return Done{};
}

bool TopLevelFieldsOnly(const CompiledUpdate& cu) {
  if (cu.positional || !cu.array_filters.empty()) return false;
  // Paths are distinct (OrderAndCheckConflicts), so each op has a field of its own.
  return std::all_of(cu.ops.begin(), cu.ops.end(), [](const Op& op) {
    return op.kind != OpKind::kRename && op.path.parts.size() == 1 &&
           op.path.parts[0].kind == ComponentKind::kField && op.path.parts[0].name != "_id";
  });
}

// Update::Apply for a `top_level_fields` update: each operator sees only its own field, and the
// new document is the old one's bytes with those fields replaced, removed or appended, as
// ApplyOps on the whole tree would leave them (existing fields in place, new ones appended in
// op order). nullopt when the tree path must decide: an operator fails (its message names the
// document's _id), a target field appears twice, or the result breaks a limit.
std::optional<BsonPtr> ApplyToTopLevelFields(const CompiledUpdate& cu, const bson_t* doc,
                                             bool is_insert, std::int64_t now_ms) {
  const std::size_t n = cu.ops.size();
  std::vector<std::uint32_t> at(n, 0);  // each target's element offset in `doc`; 0: absent
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return std::nullopt;
  while (bson_iter_next(&it)) {
    const char* key = bson_iter_key(&it);
    for (std::size_t i = 0; i < n; ++i) {
      if (std::strcmp(cu.ops[i].path.parts[0].name.c_str(), key) != 0) continue;
      if (at[i] != 0) return std::nullopt;
      at[i] = it.off;
    }
  }
  const Node no_document;  // LeafContext names the document only in error messages
  std::vector<Action> actions;
  actions.reserve(n);
  bool changes = false;
  for (std::size_t i = 0; i < n; ++i) {
    const Op& op = cu.ops[i];
    // $set's value is its operand as compiled (value_of below): neither the field's current
    // value nor a copy of the operand is needed.
    if (op.kind == OpKind::kSet) {
      actions.push_back(Action{Action::Kind::kSet, {}});
      changes = true;
      continue;
    }
    std::optional<Node> current;
    if (at[i] != 0) {
      bson_iter_t field;
      if (!bson_iter_init_from_data_at_offset(&field, bson_get_data(doc), doc->len, at[i],
                                              static_cast<std::uint32_t>(op.path.dotted.size()))) {
        return std::nullopt;
      }
      current = FromIter(&field, op.path.dotted);
    }
    LeafContext ctx{op, op.path.dotted, no_document, is_insert, now_ms};
    const Node* target = current ? &*current : nullptr;
    DbResult<Action> action = op.kind == OpKind::kPush || op.kind == OpKind::kAddToSet ||
                                      op.kind == OpKind::kPop || op.kind == OpKind::kPull ||
                                      op.kind == OpKind::kPullAll
                                  ? ApplyArrayOp(ctx, target)
                                  : ApplyScalarOp(ctx, target);
    if (!action.ok()) return std::nullopt;
    // Removing a missing field changes nothing.
    if (action.value().kind == Action::Kind::kRemove && at[i] == 0) {
      action = Action::Keep();
    }
    changes = changes || action.value().kind != Action::Kind::kKeep;
    actions.push_back(std::move(action).value());
  }
  if (!changes) return CopyBson(doc);

  // The fields' bytes, in a buffer framed as a document at the end.
  std::string out(4, '\0');
  out.reserve(doc->len + 64);
  auto append_value = [&out](const std::string& key, const Node& value) {
    bson_t one = BSON_INITIALIZER;
    const bool ok = AppendNodeAt(&one, key, value, 1);
    if (ok) out.append(reinterpret_cast<const char*>(bson_get_data(&one)) + 4, one.len - 5);
    bson_destroy(&one);
    return ok;
  };
  auto value_of = [&](std::size_t i) -> const Node& {
    return cu.ops[i].kind == OpKind::kSet ? cu.ops[i].operand : actions[i].value;
  };
  const char* raw = reinterpret_cast<const char*>(bson_get_data(doc));
  bson_iter_init(&it, doc);
  while (bson_iter_next(&it)) {
    const std::size_t i = std::find(at.begin(), at.end(), it.off) - at.begin();
    if (i == n || actions[i].kind == Action::Kind::kKeep) {
      out.append(raw + it.off, it.next_off - it.off);
    } else if (actions[i].kind == Action::Kind::kSet) {
      if (!append_value(cu.ops[i].path.dotted, value_of(i))) return std::nullopt;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (at[i] == 0 && actions[i].kind == Action::Kind::kSet &&
        !append_value(cu.ops[i].path.dotted, value_of(i))) {
      return std::nullopt;
    }
  }
  out.push_back('\0');
  if (out.size() > kMaxDocumentBytes) return std::nullopt;
  wire::StoreLe32(reinterpret_cast<std::uint8_t*>(out.data()),
                  static_cast<std::uint32_t>(out.size()));
  bson_t view;
  if (!bson_init_static(&view, reinterpret_cast<const std::uint8_t*>(out.data()), out.size())) {
    return std::nullopt;
  }
  return CopyBson(&view);
}

}  // namespace

DbResult<Update> Update::Compile(const bson_t* update, const bson_t* array_filters) {
  auto cu = std::make_unique<CompiledUpdate>();
  Node doc = FromBson(update);
  if (doc.kids.empty() || !doc.kids.front().name.starts_with("$")) {
    auto r = CheckReplacement(doc);
    if (!r.ok()) return r.error();
    if (array_filters && !bson_empty(array_filters)) {
      return MakeError(kFailedToParse,
                       "arrayFilters may not be specified for replacement-style "
                       "updates");
    }
    cu->replacement = true;
    cu->replacement_doc = std::move(doc);
    return Update(std::move(cu));
  }
  for (Node& op : doc.kids) {
    auto r = CompileOperator(std::move(op), &cu->ops);
    if (!r.ok()) return r.error();
  }
  auto ordered = OrderAndCheckConflicts(&cu->ops);
  if (!ordered.ok()) return ordered.error();
  if (array_filters) {
    auto r = CompileArrayFilters(array_filters, cu.get());
    if (!r.ok()) return r.error();
  }
  auto used = CheckIdentifiersUsed(update, cu.get());
  if (!used.ok()) return used.error();
  cu->top_level_fields = TopLevelFieldsOnly(*cu);
  return Update(std::move(cu));
}

DbResult<Update> Update::CompilePipeline(const bson_t* pipeline) {
  // $$NOW is bound when the update is applied (EvalContext), not here.
  query::ExprScope scope(0);
  auto parsed = agg::Pipeline::Parse(pipeline, scope);
  if (!parsed.ok()) return parsed.error();
  for (const std::string& name : parsed.value().StageNames()) {
    if (name != "$addFields" && name != "$set" && name != "$project" && name != "$unset" &&
        name != "$replaceRoot" && name != "$replaceWith") {
      return MakeError(kInvalidOptions,
                       name +
                           " is not allowed to be used within an update; use $addFields, $set, "
                           "$project, $unset, $replaceRoot or $replaceWith");
    }
  }
  auto cu = std::make_unique<CompiledUpdate>();
  cu->pipeline = std::make_shared<const agg::Pipeline>(std::move(parsed).value());
  cu->pipeline_slots = scope.slot_count();
  return Update(std::move(cu));
}

Update::Update(std::unique_ptr<const CompiledUpdate> compiled) : compiled_(std::move(compiled)) {}
Update::Update(Update&&) noexcept = default;
Update& Update::operator=(Update&&) noexcept = default;
Update::~Update() = default;

bool Update::is_replacement() const { return compiled_->replacement; }
bool Update::uses_positional() const { return compiled_->positional; }

DbResult<BsonPtr> Update::ApplyPipeline(const bson_t* doc, std::int64_t now_ms) const {
  query::EvalContext ctx(compiled_->pipeline_slots, now_ms);
  agg::Options options;
  options.now_ms = now_ms;
  auto out = compiled_->pipeline->RunOver({doc}, options, ctx, nullptr);
  if (!out.ok()) return out.error();
  if (out.value().size() != 1) {
    return MakeError(kInternalError, "an update pipeline did not produce exactly one document");
  }
  BsonPtr result = std::move(out.value().front());
  bson_iter_t old_id, new_id;
  if (bson_iter_init_find(&old_id, doc, "_id")) {
    if (!bson_iter_init_find(&new_id, result.get(), "_id")) {
      BsonPtr with = NewBson();
      bson_append_iter(with.get(), "_id", 3, &old_id);
      bson_concat(with.get(), result.get());
      result = std::move(with);
    } else if (query::CompareIters(old_id, new_id) != 0 ||
               bson_iter_type(&old_id) != bson_iter_type(&new_id)) {
      return MakeError(kImmutableField,
                       "Performing an update on the path '_id' would modify the immutable field "
                       "'_id'");
    }
  }
  if (result->len > kMaxDocumentBytes) {
    return MakeError(kLocation10334, "Resulting document after update is larger than 16777216");
  }
  return result;
}

DbResult<BsonPtr> Update::Apply(const bson_t* doc, std::optional<std::size_t> positional,
                                bool is_insert, std::int64_t now_ms) const {
  if (compiled_->pipeline) return ApplyPipeline(doc, now_ms);
  if (compiled_->top_level_fields) {
    std::optional<BsonPtr> applied = ApplyToTopLevelFields(*compiled_, doc, is_insert, now_ms);
    if (applied) return std::move(*applied);
  }
  return ApplyToTree(doc, positional, is_insert, now_ms);
}

DbResult<BsonPtr> Update::ApplyToTree(const bson_t* doc, std::optional<std::size_t> positional,
                                      bool is_insert, std::int64_t now_ms) const {
  if (compiled_->pipeline) return ApplyPipeline(doc, now_ms);
  Node tree = FromBson(doc);
  const Node* original_id_ptr = tree.Find("_id");
  std::optional<Node> original_id;
  if (original_id_ptr) original_id = *original_id_ptr;

  if (compiled_->replacement) {
    Node result = compiled_->replacement_doc;
    const Node* new_id = result.Find("_id");
    if (original_id) {
      if (!new_id) {
        result.kids.insert(result.kids.begin(), *original_id);
      } else if (!IdenticalValues(*new_id, *original_id)) {
        return MakeError(kImmutableField,
                         "After applying the update, the (immutable) field "
                         "'_id' was found to have been altered to " +
                             Describe(*new_id));
      }
    }
    return ToBson(result);
  }

  auto applied = ApplyOps(*compiled_, &tree, positional, is_insert, now_ms);
  if (!applied.ok()) return applied.error();
  if (original_id) {
    const Node* new_id = tree.Find("_id");
    if (!new_id || !IdenticalValues(*new_id, *original_id)) {
      return MakeError(kImmutableField,
                       "Performing an update on the path '_id' would modify the "
                       "immutable field '_id'");
    }
  }
  return ToBson(tree);
}

}  // namespace tactus::docdb::update
