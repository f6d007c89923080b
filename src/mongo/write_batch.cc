#include "mongo/write_batch.h"

#include <algorithm>
#include <map>

#include "mongo/mongo_internal.h"

namespace tactus::mongo {

using internal::Opts;
using internal::ReplyCount;

WriteBatch::WriteBatch() = default;
WriteBatch::~WriteBatch() = default;

std::size_t WriteBatch::Add(Op op) {
  ops_.push_back(std::move(op));
  return ops_.size() - 1;
}

std::size_t WriteBatch::Insert(std::string_view db, std::string_view collection,
                               const bson_t* doc) {
  return Add(
      {Kind::kInsert, std::string(db), std::string(collection), BsonPtr(bson_copy(doc)), nullptr});
}

std::size_t WriteBatch::Update(std::string_view db, std::string_view collection,
                               const bson_t* filter, const bson_t* update, bool multi,
                               bool upsert) {
  return Add({Kind::kUpdate, std::string(db), std::string(collection), BsonPtr(bson_copy(filter)),
              BsonPtr(bson_copy(update)), multi, upsert});
}

std::size_t WriteBatch::Delete(std::string_view db, std::string_view collection,
                               const bson_t* filter, bool multi) {
  return Add({Kind::kDelete, std::string(db), std::string(collection), BsonPtr(bson_copy(filter)),
              nullptr, multi});
}

DbStatus WriteBatch::Execute(Client& client, const Session* session) {
  n_.assign(ops_.size(), 0);
  completed_ = 0;
  if (ops_.empty()) return DbStatus::Ok();
  return client.HasBulkWrite() ? ExecuteBulk(client, session) : ExecuteEach(client, session);
}

DbStatus WriteBatch::ExecuteBulk(Client& client, const Session* session) {
  std::size_t begin = 0, bytes = 0;
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    std::size_t size = ops_[i].a->len + (ops_[i].b ? ops_[i].b->len : 0);
    if (i > begin && (bytes + size > kMaxBulkWriteBytes || i - begin == kMaxBulkWriteOps)) {
      if (DbStatus st = SendBulk(client, session, begin, i); !st.ok()) return st;
      begin = i;
      bytes = 0;
    }
    bytes += size;
  }
  return SendBulk(client, session, begin, ops_.size());
}

DbStatus WriteBatch::SendBulk(Client& client, const Session* session, std::size_t begin,
                              std::size_t end) {
  BsonPtr command(BCON_NEW("bulkWrite", BCON_INT32(1)));
  std::map<std::string, std::int32_t> ns_index;
  std::vector<std::string> namespaces;
  bson_t ops;
  BSON_APPEND_ARRAY_BEGIN(command.get(), "ops", &ops);
  for (std::size_t i = begin; i < end; ++i) {
    const Op& op = ops_[i];
    std::string ns = op.db + "." + op.collection;
    auto [it, added] = ns_index.emplace(ns, static_cast<std::int32_t>(namespaces.size()));
    if (added) namespaces.push_back(ns);
    std::string key = std::to_string(i - begin);
    bson_t entry;
    BSON_APPEND_DOCUMENT_BEGIN(&ops, key.c_str(), &entry);
    switch (op.kind) {
      case Kind::kInsert:
        BSON_APPEND_INT32(&entry, "insert", it->second);
        BSON_APPEND_DOCUMENT(&entry, "document", op.a.get());
        break;
      case Kind::kUpdate: {
        BSON_APPEND_INT32(&entry, "update", it->second);
        BSON_APPEND_DOCUMENT(&entry, "filter", op.a.get());
        // A pipeline is built as an array document (keys "0", "1", ...).
        bson_iter_t first;
        bool pipeline = bson_iter_init(&first, op.b.get()) && bson_iter_next(&first) &&
                        std::string_view(bson_iter_key(&first)) == "0";
        if (pipeline) {
          BSON_APPEND_ARRAY(&entry, "updateMods", op.b.get());
        } else {
          BSON_APPEND_DOCUMENT(&entry, "updateMods", op.b.get());
        }
        BSON_APPEND_BOOL(&entry, "multi", op.multi);
        BSON_APPEND_BOOL(&entry, "upsert", op.upsert);
        break;
      }
      case Kind::kDelete:
        BSON_APPEND_INT32(&entry, "delete", it->second);
        BSON_APPEND_DOCUMENT(&entry, "filter", op.a.get());
        BSON_APPEND_BOOL(&entry, "multi", op.multi);
        break;
    }
    bson_append_document_end(&ops, &entry);
  }
  bson_append_array_end(command.get(), &ops);
  bson_t ns_info;
  BSON_APPEND_ARRAY_BEGIN(command.get(), "nsInfo", &ns_info);
  for (std::size_t k = 0; k < namespaces.size(); ++k) {
    bson_t entry;
    BSON_APPEND_DOCUMENT_BEGIN(&ns_info, std::to_string(k).c_str(), &entry);
    BSON_APPEND_UTF8(&entry, "ns", namespaces[k].c_str());
    bson_append_document_end(&ns_info, &entry);
  }
  bson_append_array_end(command.get(), &ns_info);
  BSON_APPEND_BOOL(command.get(), "ordered", true);

  Opts opts(session);
  bson_error_t error{};
  ReplyDoc reply;
  if (!mongoc_client_write_command_with_opts(client.raw(), "admin", command.get(), opts.get(),
                                             reply.out(), &error)) {
    return DbStatus::From(error, reply.get());
  }
  // The per-operation results come as a cursor (its first batch holds them all unless there
  // are very many).
  CursorPtr cursor(mongoc_cursor_new_from_command_reply_with_opts(
      client.raw(), bson_copy(reply.get()), opts.get()));
  DbStatus first_error;
  const bson_t* result = nullptr;
  while (mongoc_cursor_next(cursor.get(), &result)) {
    std::int64_t idx = ReplyCount(result, "idx");
    if (idx < 0 || static_cast<std::size_t>(idx) >= end - begin) continue;
    bson_iter_t ok;
    bool succeeded = bson_iter_init_find(&ok, result, "ok") && bson_iter_as_double(&ok) == 1.0;
    if (succeeded) {
      n_[begin + idx] = ReplyCount(result, "n");
      completed_ = std::max<std::size_t>(completed_, begin + idx + 1);
    } else if (first_error.ok()) {
      first_error = DbStatus(static_cast<int>(ReplyCount(result, "code")),
                             GetString(result, "errmsg", "bulkWrite operation failed"), false);
    }
  }
  if (mongoc_cursor_error_document(cursor.get(), &error, &result)) {
    return DbStatus::From(error, result);
  }
  return first_error;
}

DbStatus WriteBatch::ExecuteEach(Client& client, const Session* session) {
  Opts opts(session);
  for (std::size_t i = 0; i < ops_.size();) {
    const Op& op = ops_[i];
    mongoc_collection_t* c = client.Collection(op.db, op.collection);
    bson_error_t error{};
    ReplyDoc reply;
    if (op.kind == Kind::kInsert) {
      // Consecutive inserts into the same collection: one command.
      std::vector<const bson_t*> docs;
      std::size_t end = i;
      while (end < ops_.size() && ops_[end].kind == Kind::kInsert && ops_[end].db == op.db &&
             ops_[end].collection == op.collection) {
        docs.push_back(ops_[end++].a.get());
      }
      bool ok = mongoc_collection_insert_many(c, docs.data(), docs.size(), opts.get(), reply.out(),
                                              &error);
      std::int64_t inserted =
          ok ? static_cast<std::int64_t>(docs.size()) : ReplyCount(reply.get(), "insertedCount");
      for (std::int64_t k = 0; k < inserted && i + k < end; ++k) n_[i + k] = 1;
      completed_ = i + std::min<std::size_t>(static_cast<std::size_t>(inserted), end - i);
      if (!ok) return DbStatus::From(error, reply.get());
      i = end;
      continue;
    }
    bool ok = false;
    if (op.kind == Kind::kUpdate) {
      BsonPtr with(BCON_NEW("upsert", BCON_BOOL(op.upsert)));
      Opts update_opts(session, with.get());
      ok = op.multi ? mongoc_collection_update_many(c, op.a.get(), op.b.get(), update_opts.get(),
                                                    reply.out(), &error)
                    : mongoc_collection_update_one(c, op.a.get(), op.b.get(), update_opts.get(),
                                                   reply.out(), &error);
      if (ok) {
        n_[i] = ReplyCount(reply.get(), "matchedCount") + ReplyCount(reply.get(), "upsertedCount");
      }
    } else {
      ok = op.multi ? mongoc_collection_delete_many(c, op.a.get(), opts.get(), reply.out(), &error)
                    : mongoc_collection_delete_one(c, op.a.get(), opts.get(), reply.out(), &error);
      if (ok) n_[i] = ReplyCount(reply.get(), "deletedCount");
    }
    if (!ok) return DbStatus::From(error, reply.get());
    completed_ = ++i;
  }
  return DbStatus::Ok();
}

}  // namespace tactus::mongo
