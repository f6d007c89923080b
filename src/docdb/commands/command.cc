#include "docdb/commands/command.h"

#include <cstring>

#include "docdb/commands/registry.h"
#include "docdb/wire/bson_check.h"

namespace tactus::docdb::commands {

BsonPtr ReplyBuilder::Finish() {
  BSON_APPEND_DOUBLE(doc_.get(), "ok", 1.0);
  return std::move(doc_);
}

BsonPtr ErrorReply(const DbError& error) {
  BsonPtr reply = NewBson();
  BSON_APPEND_DOUBLE(reply.get(), "ok", 0.0);
  BSON_APPEND_UTF8(reply.get(), "errmsg", error.message.c_str());
  BSON_APPEND_INT32(reply.get(), "code", error.code);
  BSON_APPEND_UTF8(reply.get(), "codeName", CodeName(error.code));
  if (!error.labels.empty()) {
    bson_t labels;
    BSON_APPEND_ARRAY_BEGIN(reply.get(), "errorLabels", &labels);
    for (std::size_t i = 0; i < error.labels.size(); ++i) {
      BSON_APPEND_UTF8(&labels, std::to_string(i).c_str(), error.labels[i].c_str());
    }
    bson_append_array_end(reply.get(), &labels);
  }
  AppendDuplicateKeyInfo(reply.get(), error);
  return reply;
}

void AppendDuplicateKeyInfo(bson_t* doc, const DbError& error) {
  bson_t sub;
  if (!error.key_pattern.empty() &&
      bson_init_static(&sub, error.key_pattern.data(), error.key_pattern.size())) {
    BSON_APPEND_DOCUMENT(doc, "keyPattern", &sub);
  }
  if (!error.key_value.empty() &&
      bson_init_static(&sub, error.key_value.data(), error.key_value.size())) {
    BSON_APPEND_DOCUMENT(doc, "keyValue", &sub);
  }
}

DbResult<std::string> TargetCollection(const CommandContext& ctx) {
  bson_iter_t it;
  if (!bson_iter_init(&it, ctx.command) || !bson_iter_next(&it)) {
    return MakeError(kFailedToParse, "empty command");
  }
  if (!BSON_ITER_HOLDS_UTF8(&it)) {
    return MakeError(kInvalidNamespace, std::string("collection name has invalid type ") +
                                            "for command " + bson_iter_key(&it));
  }
  std::string name = bson_iter_utf8(&it, nullptr);
  if (name.empty() || name.find('\0') != std::string::npos || name[0] == '.' ||
      name.find('$') != std::string::npos) {
    return MakeError(kInvalidNamespace,
                     "Invalid namespace specified '" + ctx.db + "." + name + "'");
  }
  return name;
}

bool BoolOr(const bson_iter_t* field, bool dflt) {
  return field != nullptr ? bson_iter_as_bool(field) : dflt;
}

std::int64_t Int64Or(const bson_iter_t* field, std::int64_t dflt) {
  return field != nullptr && BSON_ITER_HOLDS_NUMBER(field) ? bson_iter_as_int64(field) : dflt;
}

bool GetBool(const bson_t* doc, const char* key, bool dflt) {
  bson_iter_t it;
  return BoolOr(FindField(doc, key, &it) ? &it : nullptr, dflt);
}

std::int64_t GetInt64(const bson_t* doc, const char* key, std::int64_t dflt) {
  bson_iter_t it;
  return Int64Or(FindField(doc, key, &it) ? &it : nullptr, dflt);
}

static bool ContainerAt(const bson_iter_t* field, bson_t* out, bool array) {
  if (field == nullptr) return false;
  if (array ? !BSON_ITER_HOLDS_ARRAY(field) : !BSON_ITER_HOLDS_DOCUMENT(field)) return false;
  const std::uint8_t* data;
  std::uint32_t len;
  if (array) {
    bson_iter_array(field, &len, &data);
  } else {
    bson_iter_document(field, &len, &data);
  }
  return bson_init_static(out, data, len);
}

bool DocumentAt(const bson_iter_t* field, bson_t* out) { return ContainerAt(field, out, false); }

bool ArrayAt(const bson_iter_t* field, bson_t* out) { return ContainerAt(field, out, true); }

bool GetDocument(const bson_t* doc, const char* key, bson_t* out) {
  bson_iter_t it;
  return FindField(doc, key, &it) && DocumentAt(&it, out);
}

bool GetArray(const bson_t* doc, const char* key, bson_t* out) {
  bson_iter_t it;
  return FindField(doc, key, &it) && ArrayAt(&it, out);
}

DbError TypeError(std::string_view field, std::string_view expected) {
  return MakeError(kTypeMismatch, "BSON field '" + std::string(field) +
                                      "' is the wrong type, expected type '" +
                                      std::string(expected) + "'");
}

const Registry& AllCommands() {
  static const Registry* registry = [] {
    auto* r = new Registry();
    RegisterAdminCommands(*r);
    RegisterCatalogCommands(*r);
    RegisterReadCommands(*r);
    RegisterWriteCommands(*r);
    RegisterSessionCommands(*r);
    RegisterSaslCommands(*r);
    RegisterUserCommands(*r);
    RegisterRoleCommands(*r);
    RegisterCollModCommand(*r);
    RegisterBulkWriteCommand(*r);
    return r;
  }();
  return *registry;
}

DbResult<BsonPtr> DocumentForStorage(const bson_t* doc) {
  if (doc->len > kMaxDocumentBytes) {
    return MakeError(kLocation10334, "object to insert too large. size in bytes: " +
                                         std::to_string(doc->len) + ", max size: 16777216");
  }
  // The document came in a message that passed wire::CheckWireBson, or was built here; only its
  // depth is left to check against the lower limit for stored documents.
  if (!wire::CheckBsonNesting(bson_get_data(doc), doc->len, kMaxStoredDepth).empty()) {
    return MakeError(kBadValue, "Document exceeds the maximum nesting depth of " +
                                    std::to_string(kMaxStoredDepth));
  }
  bson_iter_t it;
  // Most documents (every driver's inserts) already have a valid _id first and no $-prefixed
  // field: those are stored as they are, in one copy.
  if (bson_iter_init(&it, doc) && bson_iter_next(&it) &&
      std::strcmp(bson_iter_key(&it), "_id") == 0) {
    const bson_type_t t = bson_iter_type(&it);
    bool as_is = t != BSON_TYPE_ARRAY && t != BSON_TYPE_REGEX && t != BSON_TYPE_UNDEFINED;
    while (as_is && bson_iter_next(&it)) {
      const char* key = bson_iter_key(&it);
      as_is = key[0] != '$' && std::strcmp(key, "_id") != 0;
    }
    if (as_is) return CopyBson(doc);
  }
  BsonPtr out = NewBson();
  if (FindField(doc, "_id", &it)) {
    bson_type_t t = bson_iter_type(&it);
    if (t == BSON_TYPE_ARRAY || t == BSON_TYPE_REGEX || t == BSON_TYPE_UNDEFINED) {
      return MakeError(kInvalidIdField,
                       std::string("The '_id' value cannot be of type ") + BsonTypeName(t));
    }
    bson_append_iter(out.get(), "_id", 3, &it);
  } else {
    bson_oid_t oid;
    bson_oid_init(&oid, nullptr);
    BSON_APPEND_OID(out.get(), "_id", &oid);
  }
  bson_iter_init(&it, doc);
  while (bson_iter_next(&it)) {
    std::string_view key = bson_iter_key(&it);
    if (key == "_id") continue;
    if (!key.empty() && key[0] == '$') {
      return MakeError(kDollarPrefixedFieldName,
                       "Document can't have $ prefixed field names: " + std::string(key));
    }
    bson_append_iter(out.get(), nullptr, 0, &it);
  }
  return out;
}

}  // namespace tactus::docdb::commands
