#include "docdb/commands/agg_environment.h"

#include "docdb/commands/query_exec.h"
#include "docdb/query/matcher.h"

namespace tactus::docdb::commands {

DbResult<std::vector<BsonPtr>> TxnEnvironment::Read(const std::string& db, const std::string& coll,
                                                    const bson_t* filter) {
  std::vector<BsonPtr> out;
  auto found = txn_.FindCollection(db, coll);
  if (!found.ok()) return found.error();
  if (!found.value()) return out;
  auto matcher = query::Matcher::Compile(filter);
  if (!matcher.ok()) return matcher.error();
  auto matched = FindMatching(txn_, *found.value(), matcher.value(), nullptr, 0, 0);
  if (!matched.ok()) return matched.error();
  for (auto& m : matched.value()) out.push_back(std::move(m.doc));
  return out;
}

DbResult<Done> TxnEnvironment::ReplaceCollection(const std::string& db, const std::string& coll,
                                                 const std::vector<BsonPtr>& docs) {
  auto found = txn_.FindCollection(db, coll);
  if (!found.ok()) return found.error();
  std::optional<storage::CollectionInfo> target = std::move(found).value();
  if (target) {
    // Delete the old documents one by one (keeping the target's options and indexes, as
    // MongoDB's $out does): change streams see a delete per document, not a drop.
    std::vector<std::pair<std::string, BsonPtr>> old_docs;
    auto scanned = txn_.ScanCollection(*target, storage::KeyRange{}, false,
                                       [&](const std::string& id_key, const bson_t* doc) {
                                         old_docs.emplace_back(id_key, CopyBson(doc));
                                         return true;
                                       });
    if (!scanned.ok()) return scanned.error();
    for (const auto& [id_key, doc] : old_docs) {
      auto deleted = txn_.Delete(*target, id_key, doc.get());
      if (!deleted.ok()) return deleted.error();
    }
  } else {
    auto created = txn_.CreateCollection(db, coll, nullptr, false);
    if (!created.ok()) return created.error();
    target = std::move(created).value();
  }
  for (const auto& doc : docs) {
    auto prepared = DocumentForStorage(doc.get());
    if (!prepared.ok()) return prepared.error();
    auto r = txn_.Insert(*target, prepared.value().get());
    if (!r.ok()) return r.error();
  }
  return Done{};
}

DbResult<Done> TxnEnvironment::Insert(const std::string& db, const std::string& coll,
                                      const bson_t* doc) {
  auto created = txn_.CreateCollection(db, coll, nullptr, false);
  if (!created.ok()) return created.error();
  auto prepared = DocumentForStorage(doc);
  if (!prepared.ok()) return prepared.error();
  return txn_.Insert(created.value(), prepared.value().get());
}

DbResult<Done> TxnEnvironment::Replace(const std::string& db, const std::string& coll,
                                       const bson_t* old_doc, const bson_t* new_doc) {
  auto found = txn_.FindCollection(db, coll);
  if (!found.ok()) return found.error();
  if (!found.value()) return MakeError(kNamespaceNotFound, "ns not found: " + db + "." + coll);
  auto prepared = DocumentForStorage(new_doc);
  if (!prepared.ok()) return prepared.error();
  return txn_.Replace(*found.value(), IdKey(old_doc), old_doc, prepared.value().get());
}

}  // namespace tactus::docdb::commands
