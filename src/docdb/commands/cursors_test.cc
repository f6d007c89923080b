// AppendCursorReply writes the cursor document as bytes: the same bytes libbson would build.
#include "docdb/commands/cursors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace tactus::docdb::commands {
namespace {

BsonPtr ByLibbson(const std::string& ns, const char* field, const std::vector<BsonPtr>& batch,
                  std::int64_t id) {
  BsonPtr reply = NewBson();
  bson_t cursor, docs;
  BSON_APPEND_DOCUMENT_BEGIN(reply.get(), "cursor", &cursor);
  BSON_APPEND_ARRAY_BEGIN(&cursor, field, &docs);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    BSON_APPEND_DOCUMENT(&docs, std::to_string(i).c_str(), batch[i].get());
  }
  bson_append_array_end(&cursor, &docs);
  BSON_APPEND_INT64(&cursor, "id", id);
  BSON_APPEND_UTF8(&cursor, "ns", ns.c_str());
  bson_append_document_end(reply.get(), &cursor);
  return reply;
}

TEST(AppendCursorReply, SameBytesAsLibbson) {
  for (std::size_t n : {0u, 1u, 3u, 12u, 1001u}) {
    std::vector<BsonPtr> batch;
    for (std::size_t i = 0; i < n; ++i) {
      BsonPtr doc = NewBson();
      BSON_APPEND_INT64(doc.get(), "_id", static_cast<std::int64_t>(i));
      BSON_APPEND_UTF8(doc.get(), "pad", std::string(i % 200, 'x').c_str());
      batch.push_back(std::move(doc));
    }
    for (std::int64_t id : {std::int64_t{0}, std::int64_t{1} << 40, std::int64_t{-5}}) {
      for (const char* field : {"firstBatch", "nextBatch"}) {
        const std::string ns = n % 2 ? "db.c" : "a.much.longer.collection.name";
        BsonPtr ours = NewBson();
        BSON_APPEND_INT32(ours.get(), "before", 1);  // appended after other fields too
        BsonPtr theirs = NewBson();
        BSON_APPEND_INT32(theirs.get(), "before", 1);
        AppendCursorReply(ours.get(), ns, field, batch, id);
        BsonPtr cursor = ByLibbson(ns, field, batch, id);
        bson_concat(theirs.get(), cursor.get());
        ASSERT_EQ(ours->len, theirs->len) << n;
        EXPECT_EQ(std::memcmp(bson_get_data(ours.get()), bson_get_data(theirs.get()), ours->len), 0)
            << n << " " << id << " " << field;
      }
    }
  }
}

}  // namespace
}  // namespace tactus::docdb::commands
