#include "docdb/wire/message.h"

#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "docdb/bson_util.h"
#include "docdb/wire/bson_check.h"
#include "docdb/wire/byte_order.h"
#include "docdb/wire/crc32c.h"

namespace tactus::docdb::wire {
namespace {

constexpr std::uint32_t kKnownRequiredFlags = kChecksumPresent | kMoreToCome;
constexpr std::size_t kMaxCommandDocBytes = kMaxBsonObjectSize + kBsonCommandOverhead;

DbError Malformed(std::string message) { return MakeError(kBadValue, std::move(message)); }

// Client bytes quoted in an error message: printable ASCII only, so the reply's errmsg is valid
// UTF-8 whatever was sent, and short.
std::string Quote(std::string_view text) {
  constexpr std::size_t kMaxQuoted = 64;
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kMaxQuoted; ++i) {
    const char c = text[i];
    out.push_back(c >= 0x20 && c < 0x7F ? c : '?');
  }
  if (text.size() > kMaxQuoted) out += "...";
  return out + "'";
}

// A validated document inside the message buffer.
struct DocView {
  const std::uint8_t* data;
  std::size_t len;
};

struct Sequence {
  std::string identifier;
  std::vector<DocView> documents;
};

// Validates the document that starts at `data` (at most `available` bytes) and returns its
// length through `len`; `what()` names it in error messages (called only for one: a message of
// a thousand documents names none of them).
template <typename What>
std::string CheckDocument(const std::uint8_t* data, std::size_t available, What&& what,
                          std::size_t* len, std::int32_t* code) {
  *code = kBadValue;
  if (available < 4) return std::string(what()) + " overruns the message";
  const std::uint32_t n = LoadLe32(data);
  if (n > available) return std::string(what()) + " overruns the message";
  if (n > kMaxCommandDocBytes) {
    *code = kLocation10334;
    return std::string(what()) + " is larger than the maximum of " +
           std::to_string(kMaxCommandDocBytes) + " bytes";
  }
  std::string error = CheckWireBson(data, n, kMaxWireNestingDepth);
  if (!error.empty()) return std::string(what()) + " is not valid BSON: " + error;
  *len = n;
  return "";
}

BsonPtr CopyView(DocView doc) {
  bson_t view;
  bson_init_static(&view, doc.data, doc.len);
  return CopyBson(&view);
}

// Appends each sequence to `command` as an array field.
DbResult<Done> AppendSequences(bson_t* command, const std::vector<Sequence>& sequences) {
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    const std::string& id = sequences[i].identifier;
    bson_iter_t it;
    if (FindField(command, id, &it)) {
      return Malformed("OP_MSG document sequence " + Quote(id) + " duplicates a field of the body");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (sequences[j].identifier == id) {
        return Malformed("OP_MSG has two document sequences named " + Quote(id));
      }
    }
  }
  for (const Sequence& sequence : sequences) {
    const std::string& id = sequence.identifier;
    bson_t array;
    if (!bson_append_array_begin(command, id.c_str(), static_cast<int>(id.size()), &array)) {
      return Malformed("OP_MSG command too large");
    }
    char key_buf[16];
    for (std::size_t k = 0; k < sequence.documents.size(); ++k) {
      const char* key = nullptr;
      const std::size_t key_len =
          bson_uint32_to_string(static_cast<std::uint32_t>(k), &key, key_buf, sizeof key_buf);
      bson_t doc;
      bson_init_static(&doc, sequence.documents[k].data, sequence.documents[k].len);
      if (!bson_append_document(&array, key, static_cast<int>(key_len), &doc)) {
        bson_append_array_end(command, &array);
        return Malformed("OP_MSG command too large");
      }
    }
    bson_append_array_end(command, &array);
  }
  return Done{};
}

DbResult<Request> ParseMsg(const std::uint8_t* data, std::size_t len, Request request) {
  if (len < kHeaderBytes + 4) return Malformed("OP_MSG shorter than its flagBits");
  request.flags = LoadLe32(data + kHeaderBytes);
  const std::uint32_t unknown_required = request.flags & 0xFFFFu & ~kKnownRequiredFlags;
  if (unknown_required != 0) {
    return Malformed("OP_MSG sets unknown required flag bits " + std::to_string(unknown_required));
  }
  request.checksum_present = (request.flags & kChecksumPresent) != 0;
  request.more_to_come = (request.flags & kMoreToCome) != 0;
  request.exhaust_allowed = (request.flags & kExhaustAllowed) != 0;

  std::size_t end = len;
  if (request.checksum_present) {
    if (len < kHeaderBytes + 4 + 4) return Malformed("OP_MSG too short for its checksum");
    end = len - 4;
    const std::uint32_t expected = LoadLe32(data + end);
    const std::uint32_t actual = Crc32c(data, end);
    if (expected != actual) return Malformed("OP_MSG checksum mismatch");
  }

  std::size_t pos = kHeaderBytes + 4;
  const std::uint8_t* body = nullptr;
  std::size_t body_len = 0;
  std::vector<Sequence> sequences;
  std::int32_t code = kBadValue;
  while (pos < end) {
    const std::uint8_t kind = data[pos++];
    if (kind == 0) {
      if (body != nullptr) return Malformed("OP_MSG has more than one kind-0 section");
      std::string error = CheckDocument(
          data + pos, end - pos, [] { return "OP_MSG body"; }, &body_len, &code);
      if (!error.empty()) return MakeError(code, std::move(error));
      body = data + pos;
      pos += body_len;
    } else if (kind == 1) {
      if (end - pos < 4) return Malformed("OP_MSG document sequence overruns the message");
      const std::uint32_t size = LoadLe32(data + pos);
      if (size < 5 || size > end - pos) {
        return Malformed("OP_MSG document sequence has a bad size " + std::to_string(size));
      }
      const std::size_t section_end = pos + size;
      std::size_t p = pos + 4;
      const void* zero = std::memchr(data + p, 0, section_end - p);
      if (zero == nullptr) return Malformed("OP_MSG document sequence identifier is unterminated");
      Sequence sequence;
      const std::size_t id_end = static_cast<const std::uint8_t*>(zero) - data;
      sequence.identifier.assign(reinterpret_cast<const char*>(data + p), id_end - p);
      if (sequence.identifier.empty()) {
        return Malformed("OP_MSG document sequence has an empty identifier");
      }
      p = id_end + 1;
      while (p < section_end) {
        std::size_t doc_len = 0;
        std::string error = CheckDocument(
            data + p, section_end - p,
            [&] { return "document in sequence " + Quote(sequence.identifier); }, &doc_len, &code);
        if (!error.empty()) return MakeError(code, std::move(error));
        if (sequence.documents.size() == static_cast<std::size_t>(kMaxWriteBatchSize)) {
          // Refused here, before a 48 MB message of tiny documents becomes millions of views.
          return MakeError(kInvalidOptions, "OP_MSG document sequence " +
                                                Quote(sequence.identifier) + " has more than " +
                                                std::to_string(kMaxWriteBatchSize) +
                                                " documents (the maximum write batch size)");
        }
        sequence.documents.push_back({data + p, doc_len});
        p += doc_len;
      }
      sequences.push_back(std::move(sequence));
      pos = section_end;
    } else {
      return Malformed("OP_MSG has an unknown section kind " + std::to_string(kind));
    }
  }
  if (body == nullptr) return Malformed("OP_MSG has no kind-0 (body) section");

  request.command = CopyView({body, body_len});
  bson_iter_t it;
  if (!FindField(request.command.get(), "$db", &it) || !BSON_ITER_HOLDS_UTF8(&it)) {
    return Malformed("OP_MSG body has no \"$db\" string field");
  }
  std::uint32_t db_len = 0;
  const char* db = bson_iter_utf8(&it, &db_len);
  request.db.assign(db, db_len);
  if (request.db.empty()) return Malformed("OP_MSG body has an empty \"$db\"");
  auto appended = AppendSequences(request.command.get(), sequences);
  if (!appended.ok()) return appended.error();
  return request;
}

DbResult<Request> ParseQuery(const std::uint8_t* data, std::size_t len, Request request) {
  std::size_t pos = kHeaderBytes;
  if (len - pos < 4) return Malformed("OP_QUERY shorter than its flags");
  request.flags = LoadLe32(data + pos);
  pos += 4;
  const void* zero = std::memchr(data + pos, 0, len - pos);
  if (zero == nullptr) return Malformed("OP_QUERY fullCollectionName is unterminated");
  const std::size_t ns_end = static_cast<const std::uint8_t*>(zero) - data;
  const std::string_view ns(reinterpret_cast<const char*>(data + pos), ns_end - pos);
  const std::size_t dot = ns.find('.');
  if (dot == std::string_view::npos || dot == 0) {
    return Malformed("OP_QUERY fullCollectionName " + Quote(ns) + " is not <db>.<name>");
  }
  request.db = std::string(ns.substr(0, dot));
  request.collection = std::string(ns.substr(dot + 1));
  pos = ns_end + 1;
  if (len - pos < 8) return Malformed("OP_QUERY shorter than numberToSkip and numberToReturn");
  pos += 8;
  std::size_t query_len = 0;
  std::int32_t code = kBadValue;
  std::string error = CheckDocument(
      data + pos, len - pos, [] { return "OP_QUERY query"; }, &query_len, &code);
  if (!error.empty()) return MakeError(code, std::move(error));
  request.query = CopyView({data + pos, query_len});
  pos += query_len;
  if (pos < len) {
    std::size_t fields_len = 0;
    error = CheckDocument(
        data + pos, len - pos, [] { return "OP_QUERY returnFieldsSelector"; }, &fields_len, &code);
    if (!error.empty()) return MakeError(code, std::move(error));
    if (pos + fields_len != len) return Malformed("OP_QUERY has trailing bytes");
  }

  bson_iter_t it;
  if (bson_iter_init_find(&it, request.query.get(), "$query") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
    std::uint32_t inner_len = 0;
    const std::uint8_t* inner_data = nullptr;
    bson_iter_document(&it, &inner_len, &inner_data);
    request.command = CopyView({inner_data, inner_len});
  } else {
    request.command = CopyBson(request.query.get());
  }
  return request;
}

}  // namespace

DbResult<MessageHeader> ParseHeader(const std::uint8_t* data) {
  MessageHeader header;
  header.message_length = LoadLeInt32(data);
  header.request_id = LoadLeInt32(data + 4);
  header.response_to = LoadLeInt32(data + 8);
  header.op_code = LoadLeInt32(data + 12);
  if (header.message_length < static_cast<std::int32_t>(kHeaderBytes)) {
    return Malformed("message length " + std::to_string(header.message_length) +
                     " is shorter than the 16-byte header");
  }
  if (header.message_length > kMaxMessageBytes) {
    return Malformed("message length " + std::to_string(header.message_length) +
                     " exceeds the maximum of " + std::to_string(kMaxMessageBytes) + " bytes");
  }
  return header;
}

DbResult<Request> ParseMessage(const std::uint8_t* data, std::size_t len) {
  if (len < kHeaderBytes) return Malformed("message shorter than the 16-byte header");
  auto header = ParseHeader(data);
  if (!header.ok()) return header.error();
  if (static_cast<std::size_t>(header.value().message_length) != len) {
    return Malformed("message length " + std::to_string(header.value().message_length) +
                     " does not match the " + std::to_string(len) + " bytes received");
  }
  Request request;
  request.request_id = header.value().request_id;
  switch (header.value().op_code) {
    case static_cast<std::int32_t>(OpCode::kMsg):
      request.opcode = OpCode::kMsg;
      return ParseMsg(data, len, std::move(request));
    case static_cast<std::int32_t>(OpCode::kQuery):
      request.opcode = OpCode::kQuery;
      return ParseQuery(data, len, std::move(request));
    default:
      return Malformed("unsupported opCode " + std::to_string(header.value().op_code) +
                       " (only OP_MSG, and OP_QUERY for the handshake, are supported)");
  }
}

std::string CommandName(const Request& request) {
  bson_iter_t it;
  if (request.command == nullptr || !bson_iter_init(&it, request.command.get()) ||
      !bson_iter_next(&it)) {
    return "";
  }
  return bson_iter_key(&it);
}

bool IsHandshake(const Request& request) {
  if (request.opcode != OpCode::kQuery || request.collection != "$cmd") return false;
  const std::string name = CommandName(request);
  return name == "hello" || name == "isMaster" || name == "ismaster";
}

}  // namespace tactus::docdb::wire
