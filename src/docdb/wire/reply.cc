#include "docdb/wire/reply.h"

#include "docdb/wire/byte_order.h"
#include "docdb/wire/crc32c.h"

namespace tactus::docdb::wire {
namespace {

constexpr const char* kOpQueryUnsupportedMessage =
    "OP_QUERY is no longer supported. The client driver may require an upgrade. For more details "
    "see https://dochub.mongodb.org/core/legacy-opcode-removal";

void AppendHeader(std::string* out, std::int32_t request_id, std::int32_t response_to,
                  OpCode op_code) {
  AppendLe32(out, 0);  // messageLength, patched by PatchLength
  AppendLe32(out, static_cast<std::uint32_t>(request_id));
  AppendLe32(out, static_cast<std::uint32_t>(response_to));
  AppendLe32(out, static_cast<std::uint32_t>(op_code));
}

void PatchLength(std::string* out) {
  StoreLe32(reinterpret_cast<std::uint8_t*>(out->data()), static_cast<std::uint32_t>(out->size()));
}

void AppendDocument(std::string* out, const bson_t& doc) {
  out->append(reinterpret_cast<const char*>(bson_get_data(&doc)), doc.len);
}

}  // namespace

std::string BuildMsgReply(std::int32_t request_id, std::int32_t response_to, const bson_t& body,
                          bool with_checksum) {
  std::string out;
  out.reserve(kHeaderBytes + 4 + 1 + body.len + 4);
  AppendHeader(&out, request_id, response_to, OpCode::kMsg);
  AppendLe32(&out, with_checksum ? kChecksumPresent : 0);
  out.push_back('\0');  // section kind 0
  AppendDocument(&out, body);
  if (with_checksum) {
    AppendLe32(&out, 0);  // reserve the checksum so the length below counts it
    PatchLength(&out);
    const std::size_t covered = out.size() - 4;
    const std::uint32_t crc = Crc32c(reinterpret_cast<const std::uint8_t*>(out.data()), covered);
    StoreLe32(reinterpret_cast<std::uint8_t*>(out.data()) + covered, crc);
  } else {
    PatchLength(&out);
  }
  return out;
}

std::string BuildQueryReply(std::int32_t request_id, std::int32_t response_to,
                            const bson_t& document, std::int32_t response_flags) {
  std::string out;
  out.reserve(kHeaderBytes + 20 + document.len);
  AppendHeader(&out, request_id, response_to, OpCode::kReply);
  AppendLe32(&out, static_cast<std::uint32_t>(response_flags));
  AppendLe64(&out, 0);  // cursorID
  AppendLe32(&out, 0);  // startingFrom
  AppendLe32(&out, 1);  // numberReturned
  AppendDocument(&out, document);
  PatchLength(&out);
  return out;
}

std::string BuildOpQueryUnsupportedReply(std::int32_t request_id, std::int32_t response_to) {
  bson_t doc = BSON_INITIALIZER;
  BSON_APPEND_UTF8(&doc, "$err", kOpQueryUnsupportedMessage);
  BSON_APPEND_INT32(&doc, "code", kOpQueryUnsupportedCode);
  BSON_APPEND_DOUBLE(&doc, "ok", 0.0);
  std::string out = BuildQueryReply(request_id, response_to, doc, kQueryFailure);
  bson_destroy(&doc);
  return out;
}

BsonPtr ErrorBody(const DbError& error) {
  BsonPtr body = NewBson();
  BSON_APPEND_DOUBLE(body.get(), "ok", 0.0);
  BSON_APPEND_UTF8(body.get(), "errmsg", error.message.c_str());
  BSON_APPEND_INT32(body.get(), "code", error.code);
  BSON_APPEND_UTF8(body.get(), "codeName", CodeName(error.code));
  if (!error.labels.empty()) {
    bson_t labels;
    BSON_APPEND_ARRAY_BEGIN(body.get(), "errorLabels", &labels);
    for (std::size_t i = 0; i < error.labels.size(); ++i) {
      const std::string key = std::to_string(i);
      BSON_APPEND_UTF8(&labels, key.c_str(), error.labels[i].c_str());
    }
    bson_append_array_end(body.get(), &labels);
  }
  const auto append_doc = [&](const char* name, const std::vector<std::uint8_t>& bytes) {
    if (bytes.empty()) return;
    BsonPtr doc = BsonFromBytes(bytes.data(), bytes.size());
    if (doc != nullptr) BSON_APPEND_DOCUMENT(body.get(), name, doc.get());
  };
  append_doc("keyPattern", error.key_pattern);
  append_doc("keyValue", error.key_value);
  return body;
}

std::string BuildParseErrorReply(std::int32_t request_id, const MessageHeader& header,
                                 const DbError& error) {
  if (header.op_code == static_cast<std::int32_t>(OpCode::kQuery)) {
    bson_t doc = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&doc, "$err", error.message.c_str());
    BSON_APPEND_INT32(&doc, "code", error.code);
    BSON_APPEND_DOUBLE(&doc, "ok", 0.0);
    std::string out = BuildQueryReply(request_id, header.request_id, doc, kQueryFailure);
    bson_destroy(&doc);
    return out;
  }
  BsonPtr body = ErrorBody(error);
  return BuildMsgReply(request_id, header.request_id, *body, false);
}

}  // namespace tactus::docdb::wire
