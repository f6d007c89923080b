// $group, and the stages built on it: $sortByCount ($group + $sort) and $bucket (groups by
// boundaries, output in boundary order). Groups are kept in a hash table keyed by the key
// encoding of _id (so 1, 1L and 1.0 are one group); past the stage memory limit they fail with
// 292, or with allowDiskUse spill as sorted runs of partial states merged at the end.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "docdb/agg/accumulators.h"
#include "docdb/agg/spill.h"
#include "docdb/agg/stage.h"
#include "docdb/query/compare.h"
#include "docdb/query/key_encoding.h"

namespace tactus::docdb::agg::internal {
namespace {

using query::Value;

struct AccSpec {
  std::string field;
  AccKind kind;
  query::Expression arg;
};

struct BucketSpec {
  std::vector<Value> boundaries;  // owned
  std::optional<Value> dflt;
};

class GroupDef : public StageDef {
 public:
  BsonPtr holder;  // owns the spec the expressions view into
  query::Expression id;
  std::vector<AccSpec> accs;
  std::optional<BucketSpec> bucket;
  std::string stage_name = "$group";

  GroupDef(BsonPtr h, query::Expression i) : holder(std::move(h)), id(std::move(i)) {}

  struct Group {
    Value id;
    std::vector<std::unique_ptr<AccState>> states;
  };

  class Run : public Stage {
   public:
    Run(const GroupDef& d, const RunContext& rc) : d_(d), rc_(rc) {}

    DbResult<bool> Push(const bson_t* doc) override {
      rc_.ctx->SetRoot(doc);
      auto key_value = d_.id.Evaluate(*rc_.ctx);
      if (!key_value.ok()) return key_value.error();
      Value k = key_value.value().missing() ? query::NullValue() : std::move(key_value).value();
      if (d_.bucket) {
        auto b = BucketOf(k);
        if (!b.ok()) return b.error();
        k = b.value();
      }
      std::string key = query::EncodeKeyValue(k.v);
      auto found = index_.find(key);
      Group* g;
      if (found == index_.end()) {
        auto fresh = std::make_unique<Group>();
        fresh->id = query::OwnedCopy(k.v);
        for (const AccSpec& a : d_.accs) fresh->states.push_back(NewAccState(a.kind));
        bytes_ += static_cast<std::int64_t>(key.size()) * 2 + 96 +
                  32 * static_cast<std::int64_t>(d_.accs.size());
        g = fresh.get();
        order_.push_back(std::move(fresh));
        index_.emplace(std::move(key), g);
      } else {
        g = found->second;
      }
      for (std::size_t i = 0; i < d_.accs.size(); ++i) {
        auto v = d_.accs[i].arg.Evaluate(*rc_.ctx);
        if (!v.ok()) return v.error();
        std::int64_t before = g->states[i]->bytes();
        if (auto r = g->states[i]->Add(v.value()); !r.ok()) return r.error();
        bytes_ += g->states[i]->bytes() - before;
      }
      if (bytes_ > rc_.options->stage_memory_limit) {
        if (!rc_.options->allow_disk_use) {
          return MemoryLimitError(d_.stage_name, rc_.options->stage_memory_limit);
        }
        if (auto r = Spill(); !r.ok()) return r.error();
      }
      return true;
    }

    DbResult<Done> Finish() override {
      if (runs_.empty()) {
        if (d_.bucket) {
          std::stable_sort(order_.begin(), order_.end(), [&](const auto& a, const auto& b) {
            return BucketRank(a->id) < BucketRank(b->id);
          });
        }
        for (const auto& g : order_) {
          auto more = Emit(*g);
          if (!more.ok()) return more.error();
          if (!more.value()) break;
        }
        return next_->Finish();
      }
      if (!order_.empty()) {
        if (auto r = Spill(); !r.ok()) return r.error();
      }
      std::string current_key;
      std::unique_ptr<Group> current;
      auto flush = [&]() -> DbResult<bool> {
        if (!current) return true;
        auto more = Emit(*current);
        current.reset();
        return more;
      };
      auto merged =
          MergeRuns(*file_, runs_, [&](const std::string& key, BsonPtr doc) -> DbResult<bool> {
            if (!current || key != current_key) {
              auto more = flush();
              if (!more.ok() || !more.value()) return more;
              current = std::make_unique<Group>();
              bson_iter_t it;
              bson_iter_init_find(&it, doc.get(), "_id");
              current->id = query::OwnedCopy(*bson_iter_value(&it));
              for (const AccSpec& a : d_.accs) current->states.push_back(NewAccState(a.kind));
              current_key = key;
            }
            bson_iter_t p;
            bson_iter_init_find(&p, doc.get(), "p");
            auto partials = query::ArrayElements(*bson_iter_value(&p));
            for (std::size_t i = 0; i < partials.size() && i < current->states.size(); ++i) {
              if (auto r = current->states[i]->Merge(partials[i]); !r.ok()) return r.error();
            }
            return true;
          });
      if (!merged.ok()) return merged.error();
      auto last = flush();
      if (!last.ok()) return last.error();
      return next_->Finish();
    }

   private:
    DbResult<Value> BucketOf(const Value& v) {
      const auto& bounds = d_.bucket->boundaries;
      if (query::CanonicalTypeRank(v.type()) == query::CanonicalTypeRank(bounds.front().type()) &&
          query::CompareValues(v.v, bounds.front().v) >= 0 &&
          query::CompareValues(v.v, bounds.back().v) < 0) {
        auto it = std::upper_bound(
            bounds.begin(), bounds.end(), v,
            [](const Value& a, const Value& b) { return query::CompareValues(a.v, b.v) < 0; });
        return *(it - 1);
      }
      if (d_.bucket->dflt) return *d_.bucket->dflt;
      return MakeError(40066,
                       "$switch could not find a matching branch for an input, and no "
                       "default was specified.");
    }

    // Output position of a bucket: its boundary index; the default bucket last.
    std::size_t BucketRank(const Value& id) const {
      const auto& bounds = d_.bucket->boundaries;
      for (std::size_t i = 0; i < bounds.size(); ++i) {
        if (query::CompareValues(id.v, bounds[i].v) == 0 &&
            query::CanonicalTypeRank(id.type()) == query::CanonicalTypeRank(bounds[i].type())) {
          return i;
        }
      }
      return bounds.size();
    }

    DbResult<bool> Emit(const Group& g) {
      BsonPtr out = NewBson();
      query::AppendValue(out.get(), "_id", g.id.v);
      for (std::size_t i = 0; i < d_.accs.size(); ++i) {
        Value r = g.states[i]->Result();
        query::AppendValue(out.get(), d_.accs[i].field, r.v);
      }
      return next_->Push(out.get());
    }

    DbResult<Done> Spill() {
      if (!file_) {
        auto f = SpillFile::Create(rc_.options->spill_dir);
        if (!f.ok()) return f.error();
        file_ = std::move(f).value();
      }
      std::vector<std::pair<const std::string*, Group*>> sorted;
      sorted.reserve(index_.size());
      for (auto& [key, g] : index_) sorted.emplace_back(&key, g);
      std::sort(sorted.begin(), sorted.end(),
                [](const auto& a, const auto& b) { return *a.first < *b.first; });
      std::int64_t begin = file_->size();
      for (const auto& [key, g] : sorted) {
        BsonPtr rec = NewBson();
        query::AppendValue(rec.get(), "_id", g->id.v);
        query::ArrayBuilder partials;
        for (const auto& s : g->states) partials.Append(s->Partial());
        Value arr = partials.Finish();
        bson_append_value(rec.get(), "p", 1, &arr.v);
        if (auto r = file_->Append(*key, rec.get()); !r.ok()) return r;
      }
      runs_.emplace_back(begin, file_->size());
      index_.clear();
      order_.clear();
      bytes_ = 0;
      return Done{};
    }

    const GroupDef& d_;
    RunContext rc_;
    std::unordered_map<std::string, Group*> index_;
    std::vector<std::unique_ptr<Group>> order_;
    std::int64_t bytes_ = 0;
    std::unique_ptr<SpillFile> file_;
    std::vector<std::pair<std::int64_t, std::int64_t>> runs_;
  };

  std::unique_ptr<Stage> Make(const RunContext& rc) const override {
    return std::make_unique<Run>(*this, rc);
  }
  std::string name() const override { return stage_name; }
};

// Parses {field: {$acc: expr}} into accs; `holder` owns the bytes.
DbResult<Done> ParseAccumulatorField(GroupDef& def, bson_iter_t* it, query::ExprScope& scope) {
  std::string field = bson_iter_key(it);
  if (field.find('.') != std::string::npos) {
    return MakeError(40235, "The field name '" + field + "' cannot contain '.'");
  }
  if (field[0] == '$') {
    return MakeError(40236, "The field name '" + field + "' cannot be an operator name");
  }
  if (!BSON_ITER_HOLDS_DOCUMENT(it)) {
    return MakeError(40234, "The field '" + field + "' must be an accumulator object");
  }
  bson_t acc;
  const std::uint8_t* data;
  std::uint32_t len;
  bson_iter_document(it, &len, &data);
  bson_init_static(&acc, data, len);
  bson_iter_t a;
  if (bson_count_keys(&acc) != 1 || !bson_iter_init(&a, &acc) || !bson_iter_next(&a)) {
    return MakeError(40238, "The field '" + field + "' must specify one accumulator");
  }
  auto kind = ParseAccumulator(bson_iter_key(&a));
  if (!kind.ok()) return kind.error();
  bson_value_t arg = *bson_iter_value(&a);
  static const bson_value_t kOne = [] {
    bson_value_t v{};
    v.value_type = BSON_TYPE_INT32;
    v.value.v_int32 = 1;
    return v;
  }();
  if (std::string_view(bson_iter_key(&a)) == "$count") {
    if (arg.value_type != BSON_TYPE_DOCUMENT || arg.value.v_doc.data_len != 5) {
      return MakeError(kTypeMismatch, "$count takes no arguments, i.e. $count:{}");
    }
    arg = kOne;
  }
  auto e = query::Expression::Parse(arg, scope);
  if (!e.ok()) return e.error();
  def.accs.push_back(AccSpec{field, kind.value(), std::move(e).value()});
  return Done{};
}

DbResult<std::shared_ptr<GroupDef>> ParseGroupDoc(const bson_value_t& spec,
                                                  query::ExprScope& scope) {
  if (spec.value_type != BSON_TYPE_DOCUMENT) {
    return MakeError(15947, "a group's fields must be specified in an object");
  }
  BsonPtr holder = BsonPtr(bson_new_from_data(spec.value.v_doc.data, spec.value.v_doc.data_len));
  bson_iter_t it;
  if (!bson_iter_init_find(&it, holder.get(), "_id")) {
    return MakeError(15955, "a group specification must include an _id");
  }
  auto id = query::Expression::Parse(*bson_iter_value(&it), scope);
  if (!id.ok()) return id.error();
  auto def = std::make_shared<GroupDef>(nullptr, std::move(id).value());
  bson_iter_init(&it, holder.get());
  while (bson_iter_next(&it)) {
    if (std::string_view(bson_iter_key(&it)) == "_id") continue;
    if (auto r = ParseAccumulatorField(*def, &it, scope); !r.ok()) return r.error();
  }
  def->holder = std::move(holder);
  return def;
}

DbResult<std::shared_ptr<const StageDef>> ParseGroup(const bson_value_t& spec,
                                                     query::ExprScope& scope, int) {
  auto def = ParseGroupDoc(spec, scope);
  if (!def.ok()) return def.error();
  return std::shared_ptr<const StageDef>(std::move(def).value());
}

DbResult<std::shared_ptr<const StageDef>> ParseSortByCount(const bson_value_t& spec,
                                                           query::ExprScope& scope, int) {
  bool path = spec.value_type == BSON_TYPE_UTF8 && spec.value.v_utf8.len > 1 &&
              spec.value.v_utf8.str[0] == '$';
  bool object = spec.value_type == BSON_TYPE_DOCUMENT;
  if (!path && !object) {
    return MakeError(40149,
                     "the sortByCount field must be defined as a $-prefixed path or an expression");
  }
  BsonPtr group = NewBson();
  bson_append_value(group.get(), "_id", 3, &spec);
  bson_t count;
  BSON_APPEND_DOCUMENT_BEGIN(group.get(), "count", &count);
  BSON_APPEND_INT32(&count, "$sum", 1);
  bson_append_document_end(group.get(), &count);
  bson_value_t gv{};
  gv.value_type = BSON_TYPE_DOCUMENT;
  gv.value.v_doc.data = const_cast<std::uint8_t*>(bson_get_data(group.get()));
  gv.value.v_doc.data_len = group->len;
  auto def = ParseGroupDoc(gv, scope);
  if (!def.ok()) return def.error();
  def.value()->stage_name = "$sortByCount";
  BsonPtr sort = NewBson();
  BSON_APPEND_INT32(sort.get(), "count", -1);
  auto sort_def = MakeSortDef(sort.get());
  if (!sort_def.ok()) return sort_def.error();
  return std::shared_ptr<const StageDef>(std::make_shared<CompositeDef>(
      "$sortByCount", std::vector<std::shared_ptr<const StageDef>>{def.value(), sort_def.value()}));
}

DbResult<std::shared_ptr<const StageDef>> ParseBucket(const bson_value_t& spec,
                                                      query::ExprScope& scope, int) {
  if (spec.value_type != BSON_TYPE_DOCUMENT) {
    return MakeError(40201, "Argument to $bucket stage must be an object");
  }
  bson_t doc;
  query::ViewDocument(spec, &doc);
  std::optional<bson_value_t> group_by, boundaries, dflt, output;
  bson_iter_t it;
  bson_iter_init(&it, &doc);
  while (bson_iter_next(&it)) {
    std::string key = bson_iter_key(&it);
    if (key == "groupBy")
      group_by = *bson_iter_value(&it);
    else if (key == "boundaries")
      boundaries = *bson_iter_value(&it);
    else if (key == "default")
      dflt = *bson_iter_value(&it);
    else if (key == "output")
      output = *bson_iter_value(&it);
    else
      return MakeError(40197, "Unrecognized option to $bucket: " + key);
  }
  if (!group_by || !boundaries) {
    return MakeError(40198, "$bucket requires 'groupBy' and 'boundaries' to be specified");
  }
  bool group_ok = (group_by->value_type == BSON_TYPE_UTF8 && group_by->value.v_utf8.len > 0 &&
                   group_by->value.v_utf8.str[0] == '$') ||
                  group_by->value_type == BSON_TYPE_DOCUMENT;
  if (!group_ok) {
    return MakeError(
        40202, "The $bucket 'groupBy' field must be defined as a $-prefixed path or an expression");
  }
  if (boundaries->value_type != BSON_TYPE_ARRAY) {
    return MakeError(40200, "The $bucket 'boundaries' field must be an array");
  }
  BsonPtr group = NewBson();
  bson_append_value(group.get(), "_id", 3, &*group_by);
  if (output) {
    if (output->value_type != BSON_TYPE_DOCUMENT) {
      return MakeError(40196, "The $bucket 'output' field must be an object");
    }
    bson_t out_doc;
    query::ViewDocument(*output, &out_doc);
    bson_concat(group.get(), &out_doc);
  } else {
    bson_t count;
    BSON_APPEND_DOCUMENT_BEGIN(group.get(), "count", &count);
    BSON_APPEND_INT32(&count, "$sum", 1);
    bson_append_document_end(group.get(), &count);
  }
  bson_value_t gv{};
  gv.value_type = BSON_TYPE_DOCUMENT;
  gv.value.v_doc.data = const_cast<std::uint8_t*>(bson_get_data(group.get()));
  gv.value.v_doc.data_len = group->len;
  auto def = ParseGroupDoc(gv, scope);
  if (!def.ok()) return def.error();
  BucketSpec b;
  for (const bson_value_t& v : query::ArrayElements(*boundaries))
    b.boundaries.push_back(query::OwnedCopy(v));
  if (b.boundaries.size() < 2) {
    return MakeError(40192, "The $bucket 'boundaries' field must have at least 2 values");
  }
  for (std::size_t i = 1; i < b.boundaries.size(); ++i) {
    if (query::CanonicalTypeRank(b.boundaries[i].type()) !=
        query::CanonicalTypeRank(b.boundaries[0].type())) {
      return MakeError(40193,
                       "All values in the 'boundaries' option to $bucket must have the same type");
    }
    if (query::CompareValues(b.boundaries[i - 1].v, b.boundaries[i].v) >= 0) {
      return MakeError(40194,
                       "The 'boundaries' option to $bucket must be sorted in ascending order");
    }
  }
  if (dflt) {
    Value d = query::OwnedCopy(*dflt);
    if (query::CanonicalTypeRank(d.type()) == query::CanonicalTypeRank(b.boundaries[0].type()) &&
        query::CompareValues(d.v, b.boundaries.front().v) >= 0 &&
        query::CompareValues(d.v, b.boundaries.back().v) < 0) {
      return MakeError(40199,
                       "The $bucket 'default' field must be less than the lowest boundary or "
                       "greater than or equal to the highest boundary");
    }
    b.dflt = d;
  }
  def.value()->bucket = std::move(b);
  def.value()->stage_name = "$bucket";
  return std::shared_ptr<const StageDef>(std::move(def).value());
}

}  // namespace

std::vector<StageEntry> GroupStages() {
  return {{"$group", ParseGroup}, {"$sortByCount", ParseSortByCount}, {"$bucket", ParseBucket}};
}

}  // namespace tactus::docdb::agg::internal
