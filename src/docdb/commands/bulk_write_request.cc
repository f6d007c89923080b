#include "docdb/commands/bulk_write_request.h"

#include <cmath>
#include <optional>
#include <string_view>

#include "docdb/commands/write_ops.h"

namespace tactus::docdb::commands {
namespace {

inline constexpr std::int32_t kMissingField = 40414;  // MongoDB's IDL "required field" error
inline constexpr std::int32_t kUnknownField = 40415;  // MongoDB's IDL "unknown field" error

DbError Missing(const std::string& path) {
  return MakeError(kMissingField, "BSON field '" + path + "' is missing but a required field");
}

DbError WrongType(const std::string& path, const bson_iter_t* it, const char* expected) {
  return MakeError(kTypeMismatch, "BSON field '" + path + "' is the wrong type '" +
                                      BsonTypeName(bson_iter_type(it)) + "', expected type '" +
                                      expected + "'");
}

DbError Unsupported(const std::string& path) {
  return MakeError(kInvalidOptions, "BSON field '" + path + "' is not supported by docdb");
}

DbResult<bool> Bool(const std::string& path, const bson_iter_t* it) {
  if (!BSON_ITER_HOLDS_BOOL(it)) return WrongType(path, it, "bool");
  return bson_iter_bool(it);
}

DbResult<Statement> Document(const std::string& path, const bson_iter_t* it) {
  if (!BSON_ITER_HOLDS_DOCUMENT(it)) return WrongType(path, it, "object");
  Statement out;
  bson_iter_document(it, &out.len, &out.data);
  return out;
}

// "db.coll" with names a write may create: MongoDB's rules for database names, and the
// collection rules of the single-collection commands (TargetCollection).
DbResult<BulkNamespace> ParseNamespace(std::string_view ns) {
  auto invalid = [&] {
    return MakeError(kInvalidNamespace, "Invalid namespace specified '" + std::string(ns) + "'");
  };
  auto dot = ns.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == ns.size()) return invalid();
  BulkNamespace out{std::string(ns.substr(0, dot)), std::string(ns.substr(dot + 1))};
  if (out.db.find_first_of(std::string_view("/\\ \"$\0", 6)) != std::string::npos ||
      out.coll[0] == '.' ||
      out.coll.find_first_of(std::string_view("$\0", 2)) != std::string::npos) {
    return invalid();
  }
  return out;
}

DbResult<std::vector<BulkNamespace>> ParseNsInfo(const bson_t* command) {
  if (!bson_has_field(command, "nsInfo")) return Missing("bulkWrite.nsInfo");
  auto entries = Statements(command, "nsInfo");
  if (!entries.ok()) return entries.error();
  std::vector<BulkNamespace> out;
  for (std::size_t i = 0; i < entries.value().size(); ++i) {
    const std::string at = "bulkWrite.nsInfo." + std::to_string(i);
    bson_t entry;
    entries.value()[i].View(&entry);
    std::optional<BulkNamespace> ns;
    bson_iter_t it;
    bson_iter_init(&it, &entry);
    while (bson_iter_next(&it)) {
      const std::string key = bson_iter_key(&it);
      if (key == "ns") {
        if (!BSON_ITER_HOLDS_UTF8(&it)) return WrongType(at + ".ns", &it, "string");
        std::uint32_t len = 0;
        const char* text = bson_iter_utf8(&it, &len);
        auto parsed = ParseNamespace(std::string_view(text, len));
        if (!parsed.ok()) return parsed.error();
        ns = std::move(parsed).value();
      } else if (key == "collectionUUID" || key == "encryptionInformation") {
        return Unsupported(at + "." + key);
      } else {
        return MakeError(kUnknownField, "BSON field '" + at + "." + key + "' is an unknown field.");
      }
    }
    if (!ns) return Missing(at + ".ns");
    out.push_back(std::move(*ns));
  }
  return out;
}

// The fields each kind of op may have besides its kind and its document or filter.
bool KnownField(BulkOpKind kind, std::string_view key) {
  switch (kind) {
    case BulkOpKind::kInsert:
      return false;
    case BulkOpKind::kDelete:
      return key == "multi" || key == "hint" || key == "collation";
    case BulkOpKind::kUpdate:
      return key == "updateMods" || key == "arrayFilters" || key == "multi" || key == "upsert" ||
             key == "sort" || key == "hint" || key == "collation";
  }
  return false;
}

// Fields MongoDB knows that docdb does not implement (let variables, findAndModify-style
// returns).
bool UnsupportedField(std::string_view key) {
  return key == "let" || key == "constants" || key == "return" || key == "returnFields" ||
         key == "upsertSupplied";
}

// Sets `op`'s field `key` from `it`. hint and collation are checked but unused: docdb plans on
// its own and compares strings by their bytes (docs/docdb.md).
DbResult<Done> ParseOpField(const std::string& path, std::string_view key, const bson_iter_t* it,
                            BulkOp* op) {
  if (key == "document" || key == "filter") {
    auto doc = Document(path, it);
    if (!doc.ok()) return doc.error();
    op->document = doc.value();
  } else if (key == "updateMods") {
    if (!BSON_ITER_HOLDS_DOCUMENT(it) && !BSON_ITER_HOLDS_ARRAY(it)) {
      return WrongType(path, it, "object or array");
    }
    bson_iter_t copy = *it;  // bson_iter_value wants a mutable iterator
    op->update_mods = *bson_iter_value(&copy);
  } else if (key == "arrayFilters") {
    if (!BSON_ITER_HOLDS_ARRAY(it)) return WrongType(path, it, "array");
    bson_iter_array(it, &op->array_filters.len, &op->array_filters.data);
  } else if (key == "sort") {
    auto doc = Document(path, it);
    if (!doc.ok()) return doc.error();
    op->sort = doc.value();
  } else if (key == "multi" || key == "upsert") {
    auto flag = Bool(path, it);
    if (!flag.ok()) return flag.error();
    (key == "multi" ? op->multi : op->upsert) = flag.value();
  } else if (key == "hint") {
    if (!BSON_ITER_HOLDS_DOCUMENT(it) && !BSON_ITER_HOLDS_UTF8(it)) {
      return WrongType(path, it, "object or string");
    }
  } else if (key == "collation") {
    auto doc = Document(path, it);
    if (!doc.ok()) return doc.error();
  }
  return Done{};
}

DbResult<BulkOp> ParseOp(const bson_t* entry, std::size_t i, std::size_t ns_count) {
  const std::string at = "bulkWrite.ops." + std::to_string(i);
  BulkOp op;
  bson_iter_t it, kind_it = {};
  int kinds = 0;
  bson_iter_init(&it, entry);
  while (bson_iter_next(&it)) {
    std::string_view key = bson_iter_key(&it);
    if (key == "insert" || key == "update" || key == "delete") {
      ++kinds;
      kind_it = it;
      op.kind = key == "insert"   ? BulkOpKind::kInsert
                : key == "update" ? BulkOpKind::kUpdate
                                  : BulkOpKind::kDelete;
    }
  }
  if (kinds != 1) {
    return MakeError(kFailedToParse, "BulkWrite ops entry " + std::to_string(i) +
                                         " must have exactly one of 'insert', 'update' and "
                                         "'delete' (the index of its namespace in nsInfo)");
  }
  const std::string kind_path = at + "." + bson_iter_key(&kind_it);
  if (!BSON_ITER_HOLDS_NUMBER(&kind_it)) return WrongType(kind_path, &kind_it, "int");
  // Integral doubles count, as MongoDB's safeInt.
  double index = bson_iter_as_double(&kind_it);
  if (!(index >= 0 && index < static_cast<double>(ns_count)) || std::trunc(index) != index) {
    std::string shown = BSON_ITER_HOLDS_DOUBLE(&kind_it)
                            ? std::to_string(index)
                            : std::to_string(bson_iter_as_int64(&kind_it));
    return MakeError(kBadValue, "BulkWrite ops entry " + std::to_string(i) +
                                    " has an invalid nsInfo index: " + kind_path + " is " + shown +
                                    " but nsInfo has " + std::to_string(ns_count) + " entries");
  }
  op.ns = static_cast<std::size_t>(index);
  bson_iter_init(&it, entry);
  while (bson_iter_next(&it)) {
    std::string_view key = bson_iter_key(&it);
    const std::string path = at + "." + std::string(key);
    if (key == "insert" || key == "update" || key == "delete") continue;
    bool main_field = key == (op.kind == BulkOpKind::kInsert ? "document" : "filter");
    if (!main_field && !KnownField(op.kind, key)) {
      if (UnsupportedField(key)) return Unsupported(path);
      return MakeError(kUnknownField, "BSON field '" + path + "' is an unknown field.");
    }
    auto parsed = ParseOpField(path, key, &it, &op);
    if (!parsed.ok()) return parsed.error();
  }
  if (op.document.data == nullptr) {
    return Missing(at + (op.kind == BulkOpKind::kInsert ? ".document" : ".filter"));
  }
  if (op.kind == BulkOpKind::kUpdate && op.update_mods.value_type == BSON_TYPE_EOD) {
    return Missing(at + ".updateMods");
  }
  if (op.sort.data != nullptr && op.multi) {
    return MakeError(kInvalidOptions, "BulkWrite ops entry " + std::to_string(i) +
                                          ": cannot specify sort with multi=true");
  }
  return op;
}

DbResult<std::vector<BulkOp>> ParseOps(const bson_t* command, std::size_t ns_count) {
  if (!bson_has_field(command, "ops")) return Missing("bulkWrite.ops");
  auto entries = Statements(command, "ops");
  if (!entries.ok()) return entries.error();
  if (entries.value().empty()) return BatchSizeError(0);
  std::vector<BulkOp> out;
  out.reserve(entries.value().size());
  for (std::size_t i = 0; i < entries.value().size(); ++i) {
    bson_t entry;
    entries.value()[i].View(&entry);
    auto op = ParseOp(&entry, i, ns_count);
    if (!op.ok()) return op.error();
    out.push_back(op.value());
  }
  return out;
}

// ordered and errorsOnly into `out`; the other options are checked only.
DbResult<Done> ParseOptions(const bson_t* command, BulkWriteRequest* out) {
  bson_iter_t it;
  bson_iter_init(&it, command);
  while (bson_iter_next(&it)) {
    const std::string key = bson_iter_key(&it);
    const std::string path = "bulkWrite." + key;
    if (key == "ordered" || key == "errorsOnly") {
      auto flag = Bool(path, &it);
      if (!flag.ok()) return flag.error();
      (key == "ordered" ? out->ordered : out->errors_only) = flag.value();
    } else if (key == "bypassDocumentValidation") {
      // docdb has no validators: there is nothing to bypass.
      if (!BSON_ITER_HOLDS_BOOL(&it) && !BSON_ITER_HOLDS_NUMBER(&it)) {
        return WrongType(path, &it, "bool");
      }
    } else if (key == "let") {
      auto doc = Document(path, &it);
      if (!doc.ok()) return doc.error();
      if (doc.value().len > 5) return Unsupported(path);  // an empty document is 5 bytes
    } else if (key == "cursor") {
      auto doc = Document(path, &it);
      if (!doc.ok()) return doc.error();
      bson_t cursor;
      doc.value().View(&cursor);
      bson_iter_t size;
      if (bson_iter_init_find(&size, &cursor, "batchSize") &&
          (!BSON_ITER_HOLDS_NUMBER(&size) || bson_iter_as_double(&size) < 0)) {
        return MakeError(kBadValue,
                         "BSON field 'bulkWrite.cursor.batchSize' must be a number >= 0");
      }
    }
  }
  return Done{};
}

}  // namespace

DbResult<BulkWriteRequest> ParseBulkWrite(const bson_t* command) {
  BulkWriteRequest out;
  auto options = ParseOptions(command, &out);
  if (!options.ok()) return options.error();
  auto ns_info = ParseNsInfo(command);
  if (!ns_info.ok()) return ns_info.error();
  out.ns_info = std::move(ns_info).value();
  auto ops = ParseOps(command, out.ns_info.size());
  if (!ops.ok()) return ops.error();
  out.ops = std::move(ops).value();
  return out;
}

}  // namespace tactus::docdb::commands
