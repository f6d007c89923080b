// FindField against libbson's own bson_iter_init_find: the same answer on every document; the
// cached bson_t blocks of NewBson and CopyBson, across threads and beside libbson's own.
#include "docdb/bson_util.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

namespace tactus::docdb {
namespace {

// A document with one field of every type, then `target`.
BsonPtr EveryType() {
  BsonPtr b(BCON_NEW("d", BCON_DOUBLE(1.5), "s", BCON_UTF8("x"), "o", "{", "k", BCON_INT32(1), "}",
                     "a", "[", BCON_INT64(2), "]", "bin",
                     BCON_BIN(BSON_SUBTYPE_BINARY, (const std::uint8_t*)"ab", 2), "u",
                     BCON_UNDEFINED, "dt", BCON_DATE_TIME(1), "ts", BCON_TIMESTAMP(1, 2), "min",
                     BCON_MINKEY, "max", BCON_MAXKEY, "c", BCON_CODE("f()"), "sym",
                     BCON_SYMBOL("y"), "n", BCON_NULL, "t", BCON_BOOL(true), "i", BCON_INT32(7)));
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "0123456789abcdef01234567");
  BSON_APPEND_OID(b.get(), "id", &oid);
  bson_decimal128_t dec;
  bson_decimal128_from_string("1.5", &dec);
  BSON_APPEND_DECIMAL128(b.get(), "dec", &dec);
  BsonPtr scope(BCON_NEW("x", BCON_INT32(1)));
  BSON_APPEND_CODE_WITH_SCOPE(b.get(), "cws", "f(x)", scope.get());
  BSON_APPEND_INT32(b.get(), "target", 42);
  return b;
}

// Where each lookup lands, as an offset into the document; -1 when not found.
std::int64_t Found(bool found, const bson_iter_t& it) {
  return found ? static_cast<std::int64_t>(it.off) : -1;
}

void ExpectSameAsLibbson(const bson_t* doc, const std::string& key) {
  bson_iter_t ours, theirs;
  const bool a = FindField(doc, key, &ours);
  const bool b = bson_iter_init_find_w_len(&theirs, doc, key.data(), static_cast<int>(key.size()));
  ASSERT_EQ(Found(a, ours), Found(b, theirs)) << key;
  if (a) {
    EXPECT_EQ(bson_iter_type(&ours), bson_iter_type(&theirs));
    EXPECT_STREQ(bson_iter_key(&ours), bson_iter_key(&theirs));
  }
}

TEST(FindField, StepsOverEveryTypeToTheField) {
  BsonPtr doc = EveryType();
  bson_iter_t it;
  ASSERT_TRUE(FindField(doc.get(), "target", &it));
  EXPECT_EQ(bson_iter_int32(&it), 42);
  bson_iter_t keys;
  ASSERT_TRUE(bson_iter_init(&keys, doc.get()));
  while (bson_iter_next(&keys)) ExpectSameAsLibbson(doc.get(), bson_iter_key(&keys));
  for (const char* missing : {"", "targe", "targets", "k", "x"}) {
    EXPECT_FALSE(FindField(doc.get(), missing, &it)) << missing;
  }
  // A prefix of a longer name, and a name that is a prefix of a longer key, are not matches.
  BsonPtr names(BCON_NEW("ab", BCON_INT32(1), "a", BCON_INT32(2)));
  ASSERT_TRUE(FindField(names.get(), "a", &it));
  EXPECT_EQ(bson_iter_int32(&it), 2);
}

TEST(FindField, FirstOfTwoEqualNamesAsLibbson) {
  BsonPtr doc(BCON_NEW("k", BCON_INT32(1), "k", BCON_INT32(2)));
  bson_iter_t it;
  ASSERT_TRUE(FindField(doc.get(), "k", &it));
  EXPECT_EQ(bson_iter_int32(&it), 1);
}

TEST(FindField, TypesItDoesNotSizeAreLeftToLibbson) {
  BsonPtr doc(BCON_NEW("re", BCON_REGEX("a.*", "i"), "after", BCON_INT32(3)));
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "0123456789abcdef01234567");
  BSON_APPEND_DBPOINTER(doc.get(), "ptr", "db.c", &oid);
  BSON_APPEND_INT32(doc.get(), "last", 4);
  for (const char* key : {"re", "after", "ptr", "last", "none"})
    ExpectSameAsLibbson(doc.get(), key);
}

// Documents with bytes changed at random, read through views: FindField never reads outside
// them (AddressSanitizer watches) and answers as libbson does wherever libbson finds the field.
TEST(FindField, DamagedDocumentsAreSafe) {
  BsonPtr doc = EveryType();
  const std::vector<std::uint8_t> original(bson_get_data(doc.get()),
                                           bson_get_data(doc.get()) + doc->len);
  std::mt19937 rng(7);
  for (int round = 0; round < 5000; ++round) {
    std::vector<std::uint8_t> bytes = original;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k) {
      bytes[4 + rng() % (bytes.size() - 5)] = static_cast<std::uint8_t>(rng());
    }
    bson_t view;
    ASSERT_TRUE(bson_init_static(&view, bytes.data(), bytes.size()));
    for (const char* key : {"target", "s", "cws", "dec", "nothing"}) {
      bson_iter_t ours, theirs;
      const bool a = FindField(&view, key, &ours);
      const bool b = bson_iter_init_find(&theirs, &view, key);
      if (b) {
        EXPECT_TRUE(a) << key << " round " << round;
      }
      if (a && b) {
        EXPECT_EQ(ours.off, theirs.off) << key << " round " << round;
      }
    }
  }
}

// FindFields answers as FindField does for each name, on sound documents (every type, repeated
// names, types it cannot step over) and damaged ones.
TEST(FindFields, SameAnswersAsFindFieldPerName) {
  static constexpr std::string_view kNames[] = {"target", "s",       "cws", "k", "re",
                                                "last",   "nothing", "dec", ""};
  auto expect_same = [](const bson_t* doc, const std::string& what) {
    FoundField found[std::size(kNames)];
    FindFields(doc, kNames, found);
    for (std::size_t i = 0; i < std::size(kNames); ++i) {
      bson_iter_t one;
      const bool a = FindField(doc, kNames[i], &one);
      ASSERT_EQ(found[i].found, a) << what << ": " << kNames[i];
      if (a) {
        EXPECT_EQ(found[i].iter.off, one.off) << what << ": " << kNames[i];
      }
    }
  };
  BsonPtr every = EveryType();
  expect_same(every.get(), "every type");
  BsonPtr twice(BCON_NEW("k", BCON_INT32(1), "s", BCON_UTF8("x"), "k", BCON_INT32(2)));
  expect_same(twice.get(), "repeated names");
  BsonPtr odd(BCON_NEW("re", BCON_REGEX("a.*", "i"), "k", BCON_INT32(3), "last", BCON_INT32(4)));
  expect_same(odd.get(), "a regex first");
  const std::vector<std::uint8_t> original(bson_get_data(every.get()),
                                           bson_get_data(every.get()) + every->len);
  std::mt19937 rng(11);
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::uint8_t> bytes = original;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k) {
      bytes[4 + rng() % (bytes.size() - 5)] = static_cast<std::uint8_t>(rng());
    }
    bson_t view;
    ASSERT_TRUE(bson_init_static(&view, bytes.data(), bytes.size()));
    expect_same(&view, "damaged, round " + std::to_string(round));
  }
}

TEST(BsonBlocks, DocumentsOfEveryOriginLiveAndDieAnywhere) {
  // Documents made on one thread are destroyed on another (as a worker's reply is written by the
  // network thread), beside documents libbson allocated itself; ASan checks the frees.
  std::vector<BsonPtr> made;
  for (int i = 0; i < 1000; ++i) {
    BsonPtr doc = NewBson();
    BSON_APPEND_INT32(doc.get(), "i", i);
    // Large enough to leave the inline buffer.
    BSON_APPEND_UTF8(doc.get(), "pad", std::string(static_cast<std::size_t>(i % 300), 'x').c_str());
    made.push_back(i % 3 == 0 ? CopyBson(doc.get()) : std::move(doc));
    if (i % 5 == 0) made.push_back(BsonPtr(BCON_NEW("libbson", BCON_INT32(i))));
  }
  std::thread other([&made] {
    for (std::size_t i = 0; i < made.size(); i += 2) made[i].reset();
    BsonPtr local = NewBson();  // this thread's cache is used, then destroyed at its exit
    BSON_APPEND_BOOL(local.get(), "t", true);
  });
  other.join();
  int seen = 0;
  for (const BsonPtr& doc : made) {
    if (doc == nullptr) continue;
    bson_iter_t it;
    if (!bson_iter_init_find(&it, doc.get(), "i")) continue;  // one of libbson's
    const int i = bson_iter_int32(&it);
    ASSERT_TRUE(bson_iter_find(&it, "pad"));
    std::uint32_t len = 0;
    bson_iter_utf8(&it, &len);
    EXPECT_EQ(len, static_cast<std::uint32_t>(i % 300));
    ++seen;
  }
  EXPECT_GT(seen, 300);
  made.clear();
  // Reused blocks start empty.
  for (int i = 0; i < 300; ++i) {
    BsonPtr doc = NewBson();
    EXPECT_TRUE(bson_empty(doc.get()));
    BsonPtr copy = CopyBson(doc.get());
    EXPECT_TRUE(bson_empty(copy.get()));
  }
}

}  // namespace
}  // namespace tactus::docdb
