// $changeStream: opening a stream (aggregate), its cursors, and getMore with awaitData.
#include "docdb/commands/change_stream.h"

#include <algorithm>
#include <set>
#include <vector>

#include "docdb/agg/pipeline.h"
#include "docdb/commands/change_events.h"
#include "docdb/commands/change_stream_token.h"
#include "docdb/commands/cursors.h"

namespace tactus::docdb::commands {

namespace {

constexpr std::int64_t kIdBase = 0x5C57000000000000;
// Entries read from the oplog per query while filling a batch.
constexpr std::size_t kReadChunk = 256;

struct Spec {
  StreamTarget target;
  FullDocumentMode full_document = FullDocumentMode::kDefault;
  std::optional<ResumePosition> resume_after, start_after;
  std::optional<std::uint64_t> start_at;
};

}  // namespace

struct ChangeStreams::Cursor {
  std::mutex mu;  // one getMore at a time
  std::string ns;
  Spec spec;
  // The position: every entry with seq <= after_seq has been examined (and delivered when in
  // scope); after_invalidate when the last delivered event was the invalidate.
  std::int64_t after_seq = 0;
  bool after_invalidate = false;
  bool closed = false;
  std::unique_ptr<query::ExprScope> scope;
  std::unique_ptr<agg::Pipeline> rest;  // the stages after $changeStream (may be empty)
  std::int64_t last_used_ms = 0;
  // The deadline of a getMore that is waiting to be re-run (AwaitRequest); 0: none.
  std::int64_t await_deadline_ms = 0;
};

namespace {

DbResult<Spec> ParseSpec(const CommandContext& ctx, const bson_t* options, bool collectionless,
                         const std::string& coll) {
  Spec spec;
  bool all_for_cluster = false;
  bson_iter_t it;
  bson_iter_init(&it, options);
  int resume_options = 0;
  while (bson_iter_next(&it)) {
    std::string key = bson_iter_key(&it);
    auto token = [&](const char* field) -> DbResult<ResumePosition> {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return TypeError("$changeStream." + key, "object");
      bson_t doc;
      std::uint32_t len = 0;
      const std::uint8_t* data = nullptr;
      bson_iter_document(&it, &len, &data);
      bson_init_static(&doc, data, len);
      return DecodeResumeToken(&doc, field);
    };
    if (key == "fullDocument") {
      std::string mode = BSON_ITER_HOLDS_UTF8(&it) ? bson_iter_utf8(&it, nullptr) : "";
      if (mode == "default") {
        spec.full_document = FullDocumentMode::kDefault;
      } else if (mode == "updateLookup") {
        spec.full_document = FullDocumentMode::kUpdateLookup;
      } else if (mode == "whenAvailable") {
        spec.full_document = FullDocumentMode::kWhenAvailable;
      } else if (mode == "required") {
        spec.full_document = FullDocumentMode::kRequired;
      } else {
        return MakeError(kBadValue,
                         "'fullDocument' must be \"default\", \"updateLookup\", "
                         "\"whenAvailable\" or \"required\"");
      }
    } else if (key == "fullDocumentBeforeChange") {
      std::string mode = BSON_ITER_HOLDS_UTF8(&it) ? bson_iter_utf8(&it, nullptr) : "";
      if (mode == "required") {
        return MakeError(kBadValue,
                         "fullDocumentBeforeChange: \"required\" is not supported: the store "
                         "records no pre-images; use \"off\" or \"whenAvailable\"");
      }
      if (mode != "off" && mode != "whenAvailable") {
        return MakeError(kBadValue,
                         "'fullDocumentBeforeChange' must be \"off\", \"whenAvailable\" or "
                         "\"required\"");
      }
    } else if (key == "resumeAfter") {
      auto t = token("resumeAfter");
      if (!t.ok()) return t.error();
      if (t.value().invalidate) {
        return MakeError(kInvalidResumeToken,
                         "Attempting to resume a change stream using 'resumeAfter' is not "
                         "allowed from an invalidate notification; use 'startAfter'");
      }
      spec.resume_after = t.value();
      ++resume_options;
    } else if (key == "startAfter") {
      auto t = token("startAfter");
      if (!t.ok()) return t.error();
      spec.start_after = t.value();
      ++resume_options;
    } else if (key == "startAtOperationTime") {
      if (!BSON_ITER_HOLDS_TIMESTAMP(&it)) {
        return TypeError("$changeStream.startAtOperationTime", "timestamp");
      }
      std::uint32_t t = 0, i = 0;
      bson_iter_timestamp(&it, &t, &i);
      spec.start_at = static_cast<std::uint64_t>(t) << 32 | i;
      ++resume_options;
    } else if (key == "allChangesForCluster") {
      all_for_cluster = bson_iter_as_bool(&it);
    } else if (key == "showExpandedEvents") {
      // Accepted; the store has no expanded events (create, createIndexes, ...) to show.
    } else {
      return MakeError(40415, "BSON field '$changeStream." + key + "' is an unknown field.");
    }
  }
  if (resume_options > 1) {
    return MakeError(40674, "Only one type of resume option is allowed, but multiple were found.");
  }
  if (all_for_cluster) {
    if (ctx.db != "admin" || !collectionless) {
      return MakeError(kInvalidNamespace,
                       "A $changeStream with 'allChangesForCluster:true' may only be opened on "
                       "the 'admin' database, and with no collection name; found " +
                           ctx.db + (collectionless ? "" : "." + coll));
    }
    spec.target.scope = StreamScope::kCluster;
    return spec;
  }
  if (ctx.db == "admin" || ctx.db == "config" || ctx.db == "local") {
    return MakeError(kInvalidNamespace,
                     "$changeStream may not be opened on the internal " + ctx.db +
                         " database" +
                         (ctx.db == "admin" && collectionless
                              ? "; watch the whole deployment with allChangesForCluster: true"
                              : ""));
  }
  spec.target.db = ctx.db;
  if (collectionless) {
    spec.target.scope = StreamScope::kDatabase;
  } else {
    if (coll.rfind("system.", 0) == 0) {
      return MakeError(kInvalidNamespace,
                       "$changeStream may not be opened on the internal " + ctx.db + "." + coll +
                           " collection");
    }
    spec.target.scope = StreamScope::kCollection;
    spec.target.coll = coll;
  }
  return spec;
}

// Stages that may follow $changeStream (they act on one event at a time).
bool AllowedAfterChangeStream(const std::string& stage) {
  static const std::set<std::string, std::less<>> kAllowed = {
      "$match", "$project", "$addFields", "$set", "$unset", "$replaceRoot", "$replaceWith"};
  return kAllowed.count(stage) > 0;
}

DbError HistoryLost(std::int64_t seq) {
  return MakeError(kChangeStreamHistoryLost,
                   "Resume of change stream was not possible, as the resume point (oplog seq " +
                       std::to_string(seq) +
                       ") may no longer be in the oplog; open a new stream, and raise the "
                       "store's oplog retention if this happens often");
}

bool SameId(const bson_t* event, const bson_t* out) {
  bson_iter_t a, b;
  if (!bson_iter_init_find(&a, event, "_id") || !bson_iter_init_find(&b, out, "_id")) {
    return false;
  }
  // The encoded value bytes (libbson 1.23 has no accessor for them).
  auto bytes = [](const bson_iter_t& i) {
    return std::string_view(reinterpret_cast<const char*>(i.raw) + i.d1, i.next_off - i.d1);
  };
  return bson_iter_type(&a) == bson_iter_type(&b) && bytes(a) == bytes(b);
}

// Fills `batch` with the cursor's next events (at most batch_size, 0: no count limit; within
// kMaxBatchBytes), advancing the position past every entry examined.
DbResult<Done> Produce(const CommandContext& ctx, storage::Txn& txn, ChangeStreams::Cursor& c,
                       std::int64_t batch_size, std::vector<BsonPtr>* batch) {
  auto bounds = txn.ReadOplogBounds();
  if (!bounds.ok()) return bounds.error();
  if (c.after_seq < bounds.value().trimmed_seq) return HistoryLost(c.after_seq);
  agg::Options options;
  options.db = ctx.db;
  options.now_ms = ctx.now_ms;
  std::size_t bytes = 0;
  auto full = [&] {
    return (batch_size > 0 && static_cast<std::int64_t>(batch->size()) >= batch_size) ||
           bytes >= kMaxBatchBytes;
  };
  while (!c.closed && !full()) {
    auto entries = txn.ReadOplog(c.after_seq, kReadChunk);
    if (!entries.ok()) return entries.error();
    if (entries.value().empty()) break;
    for (const storage::OplogEntry& e : entries.value()) {
      if (full()) break;
      std::vector<BsonPtr> outputs;
      if (InScope(c.spec.target, e)) {
        auto event = BuildChangeEvent(txn, e, c.spec.full_document);
        if (!event.ok()) return event.error();
        if (c.rest && !c.rest->empty()) {
          query::EvalContext ectx(c.scope->slot_count(), ctx.now_ms);
          DbResult<Done> bad_id = Done{};
          auto run = c.rest->Start(options, ectx, nullptr, [&](const bson_t* out) -> DbResult<bool> {
            if (!SameId(event.value().get(), out)) {
              return MakeError(kChangeStreamFatalError,
                               "Encountered an event whose _id field, which contains the resume "
                               "token, was modified by the pipeline. Modifying the _id field of "
                               "an event makes it impossible to resume the stream from that "
                               "point. Only transformations that retain the unmodified _id "
                               "field are allowed.");
            }
            outputs.push_back(CopyBson(out));
            return true;
          });
          if (auto r = run->Push(event.value().get()); !r.ok()) return r.error();
          if (auto r = run->Finish(); !r.ok()) return r.error();
        } else {
          outputs.push_back(std::move(event).value());
        }
        if (Invalidates(c.spec.target, e)) outputs.push_back(BuildInvalidateEvent(e));
      }
      std::size_t size = 0;
      for (const auto& o : outputs) size += o->len;
      // An event that does not fit waits for the next batch (unless the batch is empty).
      if (!batch->empty() && bytes + size > kMaxBatchBytes) {
        bytes = kMaxBatchBytes;
        break;
      }
      bytes += size;
      for (auto& o : outputs) batch->push_back(std::move(o));
      c.after_seq = e.seq;
      c.after_invalidate = false;
      if (InScope(c.spec.target, e) && Invalidates(c.spec.target, e)) {
        c.after_invalidate = true;
        c.closed = true;
        break;
      }
    }
  }
  return Done{};
}

void AppendStreamReply(bson_t* reply, const ChangeStreams::Cursor& c, const char* batch_field,
                       const std::vector<BsonPtr>& batch, std::int64_t id) {
  bson_t cursor, docs;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "cursor", &cursor);
  BSON_APPEND_ARRAY_BEGIN(&cursor, batch_field, &docs);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    BSON_APPEND_DOCUMENT(&docs, std::to_string(i).c_str(), batch[i].get());
  }
  bson_append_array_end(&cursor, &docs);
  AppendResumeToken(&cursor, "postBatchResumeToken",
                    ResumePosition{c.after_seq, c.after_invalidate});
  BSON_APPEND_INT64(&cursor, "id", id);
  BSON_APPEND_UTF8(&cursor, "ns", c.ns.c_str());
  bson_append_document_end(reply, &cursor);
}

}  // namespace

bool IsChangeStreamCursorId(std::int64_t id) { return (id >> 48) == (kIdBase >> 48); }

bool StartsWithChangeStream(const bson_t* command) {
  bson_t pipeline;
  if (!GetArray(command, "pipeline", &pipeline)) return false;
  bson_iter_t first, stage;
  return bson_iter_init(&first, &pipeline) && bson_iter_next(&first) &&
         BSON_ITER_HOLDS_DOCUMENT(&first) && bson_iter_recurse(&first, &stage) &&
         bson_iter_next(&stage) && std::string_view(bson_iter_key(&stage)) == "$changeStream";
}

ChangeStreams::ChangeStreams() : next_id_(kIdBase) {}
ChangeStreams::~ChangeStreams() = default;

std::int64_t ChangeStreams::Add(std::shared_ptr<Cursor> cursor, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  cursor->last_used_ms = now_ms;
  std::int64_t id = ++next_id_;
  cursors_[id] = std::move(cursor);
  return id;
}

std::shared_ptr<ChangeStreams::Cursor> ChangeStreams::Find(std::int64_t id, const std::string& ns,
                                                           std::int64_t now_ms,
                                                           std::string* other_ns) {
  std::lock_guard lock(mu_);
  if (now_ms - last_sweep_ms_ >= 1000) {
    last_sweep_ms_ = now_ms;
    // A cursor inside a getMore is in use, whatever its timestamp says.
    std::erase_if(cursors_, [now_ms](const auto& kv) {
      return now_ms - kv.second->last_used_ms > kCursorTimeoutMs && kv.second.use_count() == 1;
    });
  }
  auto it = cursors_.find(id);
  if (it == cursors_.end()) return nullptr;
  if (it->second->ns != ns) {
    *other_ns = it->second->ns;
    return nullptr;
  }
  it->second->last_used_ms = now_ms;
  return it->second;
}

bool ChangeStreams::Kill(std::int64_t id) {
  std::lock_guard lock(mu_);
  return cursors_.erase(id) > 0;
}

DbResult<BsonPtr> RunChangeStreamAggregate(CommandContext& ctx) {
  if (ctx.txn != nullptr) {
    return MakeError(kCommandNotSupportedInTransaction,
                     "Operation not permitted in transaction :: caused by :: $changeStream is not "
                     "allowed in a multi-document transaction");
  }
  if (GetBool(ctx.command, "explain", false)) {
    return MakeError(kIllegalOperation, "explain of a $changeStream is not supported");
  }
  bson_iter_t it;
  bson_iter_init_find(&it, ctx.command, "aggregate");
  bool collectionless = false;
  std::string coll;
  if (BSON_ITER_HOLDS_UTF8(&it)) {
    coll = bson_iter_utf8(&it, nullptr);
    if (coll.empty()) return MakeError(kInvalidNamespace, "Invalid empty namespace specified");
  } else if (BSON_ITER_HOLDS_NUMBER(&it) && bson_iter_as_int64(&it) == 1) {
    collectionless = true;
  } else {
    return MakeError(kFailedToParse,
                     "Invalid aggregate namespace: the 'aggregate' field must be "
                     "a collection name or 1");
  }
  std::int64_t batch_size = kDefaultFirstBatch;
  bson_t cursor_opts;
  if (!GetDocument(ctx.command, "cursor", &cursor_opts)) {
    return MakeError(kFailedToParse, "The 'cursor' option is required");
  }
  if (bson_iter_init_find(&it, &cursor_opts, "batchSize")) {
    if (!BSON_ITER_HOLDS_NUMBER(&it) || bson_iter_as_int64(&it) < 0) {
      return MakeError(51024, "BSON field 'batchSize' value must be >= 0");
    }
    batch_size = bson_iter_as_int64(&it);
  }

  bson_t pipeline;
  GetArray(ctx.command, "pipeline", &pipeline);
  bson_t options = BSON_INITIALIZER;
  BsonPtr rest_stages = NewBson();
  std::vector<std::string> rest_names;
  bson_iter_init(&it, &pipeline);
  int index = 0;
  while (bson_iter_next(&it)) {
    bson_iter_t stage;
    if (!BSON_ITER_HOLDS_DOCUMENT(&it) || !bson_iter_recurse(&it, &stage) ||
        !bson_iter_next(&stage)) {
      return MakeError(kTypeMismatch, "Each element of the 'pipeline' array must be an object");
    }
    std::string name = bson_iter_key(&stage);
    if (index == 0) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&stage)) {
        return MakeError(50808, "$changeStream stage expects a document as argument");
      }
      std::uint32_t len = 0;
      const std::uint8_t* data = nullptr;
      bson_iter_document(&stage, &len, &data);
      bson_init_static(&options, data, len);
    } else if (name == "$changeStream") {
      return MakeError(40602, "$changeStream is only valid as the first stage in a pipeline");
    } else if (!AllowedAfterChangeStream(name)) {
      return MakeError(kIllegalOperation,
                       "Stage " + name + " is not permitted in a $changeStream pipeline");
    } else {
      bson_append_iter(rest_stages.get(), std::to_string(index - 1).c_str(), -1, &it);
    }
    ++index;
  }
  auto spec = ParseSpec(ctx, &options, collectionless, coll);
  if (!spec.ok()) return spec.error();

  auto cursor = std::make_shared<ChangeStreams::Cursor>();
  cursor->spec = std::move(spec).value();
  cursor->ns = ctx.db + "." + (collectionless ? "$cmd.aggregate" : coll);
  cursor->scope = std::make_unique<query::ExprScope>(ctx.now_ms);
  if (!bson_empty(rest_stages.get())) {
    auto parsed = agg::Pipeline::Parse(rest_stages.get(), *cursor->scope);
    if (!parsed.ok()) return parsed.error();
    cursor->rest = std::make_unique<agg::Pipeline>(std::move(parsed).value());
  }

  auto txn = ctx.store->Begin(storage::TxnMode::kRead);
  if (!txn.ok()) return txn.error();
  auto bounds = txn.value()->ReadOplogBounds();
  if (!bounds.ok()) return bounds.error();
  const Spec& s = cursor->spec;
  if (s.resume_after || s.start_after) {
    const ResumePosition& from = s.resume_after ? *s.resume_after : *s.start_after;
    if (from.seq < bounds.value().trimmed_seq) return HistoryLost(from.seq);
    cursor->after_seq = from.seq;
    cursor->after_invalidate = from.invalidate;
  } else if (s.start_at) {
    if (bounds.value().trimmed_seq > 0 && *s.start_at <= bounds.value().trimmed_ts) {
      return MakeError(kChangeStreamHistoryLost,
                       "Resume of change stream was not possible, as the startAtOperationTime "
                       "is older than the oldest entry the store retains");
    }
    auto before = txn.value()->OplogSeqBefore(*s.start_at);
    if (!before.ok()) return before.error();
    cursor->after_seq = before.value();
  } else {
    cursor->after_seq = bounds.value().last_seq;
  }
  std::vector<BsonPtr> batch;
  if (batch_size > 0) {
    if (auto r = Produce(ctx, *txn.value(), *cursor, batch_size, &batch); !r.ok()) {
      return r.error();
    }
  }
  std::int64_t id = cursor->closed ? 0 : ctx.change_streams->Add(cursor, ctx.now_ms);
  ReplyBuilder r;
  AppendStreamReply(r.body(), *cursor, "firstBatch", batch, id);
  return r.Finish();
}

DbResult<BsonPtr> ChangeStreamGetMore(CommandContext& ctx, std::int64_t id, const std::string& ns) {
  std::string other_ns;
  auto cursor = ctx.change_streams->Find(id, ns, ctx.now_ms, &other_ns);
  if (!cursor) {
    if (!other_ns.empty()) {
      return MakeError(kCursorNotFound, "cursor id " + std::to_string(id) +
                                            " belongs to namespace " + other_ns + ", not " + ns);
    }
    return MakeError(kCursorNotFound, "cursor id " + std::to_string(id) + " not found");
  }
  std::lock_guard lock(cursor->mu);
  std::int64_t batch_size = GetInt64(ctx.command, "batchSize", 0);
  if (cursor->await_deadline_ms == 0) {
    std::int64_t wait = GetInt64(ctx.command, "maxTimeMS", kDefaultAwaitMs);
    cursor->await_deadline_ms = ctx.now_ms + std::clamp<std::int64_t>(wait, 0, kMaxAwaitMs);
  }
  std::vector<BsonPtr> batch;
  while (true) {
    // The version is read before the oplog, so a commit in between is never missed.
    std::uint64_t version = ctx.store->OplogVersion();
    {
      auto txn = ctx.store->Begin(storage::TxnMode::kRead);
      if (!txn.ok()) return txn.error();
      if (auto r = Produce(ctx, *txn.value(), *cursor, batch_size, &batch); !r.ok()) {
        cursor->await_deadline_ms = 0;
        return r.error();
      }
    }
    std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    if (!batch.empty() || cursor->closed || now >= cursor->await_deadline_ms) break;
    if (ctx.await_out != nullptr) {
      ctx.await_out->wanted = true;
      ctx.await_out->oplog_version = version;
      ctx.await_out->deadline_ms = cursor->await_deadline_ms;
      return NewBson();  // the caller runs the getMore again; this reply is not sent
    }
    ctx.store->WaitForOplog(version, cursor->await_deadline_ms);
  }
  cursor->await_deadline_ms = 0;
  if (cursor->closed) ctx.change_streams->Kill(id);
  ReplyBuilder r;
  AppendStreamReply(r.body(), *cursor, "nextBatch", batch, cursor->closed ? 0 : id);
  return r.Finish();
}

}  // namespace tactus::docdb::commands
