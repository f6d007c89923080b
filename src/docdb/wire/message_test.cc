#include "docdb/wire/message.h"

#include <bson/bson.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "docdb/wire/byte_order.h"
#include "docdb/wire/crc32c.h"

namespace tactus::docdb::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

void Append32(Bytes* out, std::uint32_t v) {
  std::uint8_t b[4];
  StoreLe32(b, v);
  out->insert(out->end(), b, b + 4);
}

void AppendDoc(Bytes* out, const bson_t* doc) {
  const std::uint8_t* data = bson_get_data(doc);
  out->insert(out->end(), data, data + doc->len);
}

// Builds OP_MSG bytes section by section, independently of the code under test.
class MsgBuilder {
 public:
  MsgBuilder& Flags(std::uint32_t flags) {
    flags_ = flags;
    return *this;
  }
  MsgBuilder& Body(const bson_t* doc) {
    sections_.push_back(0);
    AppendDoc(&sections_, doc);
    return *this;
  }
  MsgBuilder& Sequence(const std::string& id, const std::vector<const bson_t*>& docs) {
    Bytes section;
    Append32(&section, 0);
    section.insert(section.end(), id.begin(), id.end());
    section.push_back(0);
    for (const bson_t* doc : docs) AppendDoc(&section, doc);
    StoreLe32(section.data(), static_cast<std::uint32_t>(section.size()));
    sections_.push_back(1);
    sections_.insert(sections_.end(), section.begin(), section.end());
    return *this;
  }
  MsgBuilder& Raw(const Bytes& bytes) {
    sections_.insert(sections_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  Bytes Build(std::int32_t request_id = 7) const {
    Bytes out;
    Append32(&out, 0);
    Append32(&out, static_cast<std::uint32_t>(request_id));
    Append32(&out, 0);
    Append32(&out, 2013);
    Append32(&out, flags_);
    out.insert(out.end(), sections_.begin(), sections_.end());
    const bool checksum = (flags_ & kChecksumPresent) != 0;
    if (checksum) Append32(&out, 0);
    StoreLe32(out.data(), static_cast<std::uint32_t>(out.size()));
    if (checksum) StoreLe32(out.data() + out.size() - 4, Crc32c(out.data(), out.size() - 4));
    return out;
  }

 private:
  std::uint32_t flags_ = 0;
  Bytes sections_;
};

Bytes BuildQuery(const std::string& ns, const bson_t* query, std::int32_t request_id = 9) {
  Bytes out;
  Append32(&out, 0);
  Append32(&out, static_cast<std::uint32_t>(request_id));
  Append32(&out, 0);
  Append32(&out, 2004);
  Append32(&out, 0);  // flags
  out.insert(out.end(), ns.begin(), ns.end());
  out.push_back(0);
  Append32(&out, 0);           // numberToSkip
  Append32(&out, 0xFFFFFFFF);  // numberToReturn -1
  AppendDoc(&out, query);
  StoreLe32(out.data(), static_cast<std::uint32_t>(out.size()));
  return out;
}

DbResult<Request> Parse(const Bytes& bytes) { return ParseMessage(bytes.data(), bytes.size()); }

std::string ErrorOf(const Bytes& bytes) {
  auto r = Parse(bytes);
  if (r.ok()) return "<parsed>";
  EXPECT_EQ(r.error().code, kBadValue);
  return r.error().message;
}

class Doc {
 public:
  explicit Doc(bson_t* b) : b_(b) {}
  ~Doc() { bson_destroy(b_); }
  const bson_t* get() const { return b_; }

 private:
  bson_t* b_;
};

TEST(MessageTest, ParsesBody) {
  Doc body(BCON_NEW("ping", BCON_INT32(1), "$db", BCON_UTF8("admin")));
  auto r = Parse(MsgBuilder().Body(body.get()).Build(42));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().request_id, 42);
  EXPECT_EQ(r.value().opcode, OpCode::kMsg);
  EXPECT_EQ(r.value().db, "admin");
  EXPECT_FALSE(r.value().more_to_come);
  EXPECT_FALSE(r.value().checksum_present);
  EXPECT_EQ(CommandName(r.value()), "ping");
  EXPECT_TRUE(bson_equal(r.value().command.get(), body.get()));
  EXPECT_FALSE(IsHandshake(r.value()));
}

TEST(MessageTest, AppendsDocumentSequencesAsArrays) {
  Doc body(BCON_NEW("insert", BCON_UTF8("c"), "$db", BCON_UTF8("test")));
  Doc d1(BCON_NEW("_id", BCON_INT32(1)));
  Doc d2(BCON_NEW("_id", BCON_INT32(2)));
  Doc u1(BCON_NEW("q", "{", "}"));
  // The body may come after the sequences.
  auto r = Parse(MsgBuilder()
                     .Sequence("documents", {d1.get(), d2.get()})
                     .Body(body.get())
                     .Sequence("empty", {})
                     .Sequence("updates", {u1.get()})
                     .Build());
  ASSERT_TRUE(r.ok()) << r.error().message;
  Doc expected(BCON_NEW("insert", BCON_UTF8("c"), "$db", BCON_UTF8("test"), "documents", "[", "{",
                        "_id", BCON_INT32(1), "}", "{", "_id", BCON_INT32(2), "}", "]", "empty",
                        "[", "]", "updates", "[", "{", "q", "{", "}", "}", "]"));
  EXPECT_TRUE(bson_equal(r.value().command.get(), expected.get()))
      << ToJson(r.value().command.get());
}

TEST(MessageTest, Flags) {
  Doc body(BCON_NEW("ping", BCON_INT32(1), "$db", BCON_UTF8("admin")));
  auto r = Parse(MsgBuilder().Flags(kMoreToCome | kExhaustAllowed).Body(body.get()).Build());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r.value().more_to_come);
  EXPECT_TRUE(r.value().exhaust_allowed);
  // Unknown optional bits (16-31) are ignored; unknown required bits (0-15) are errors.
  EXPECT_TRUE(Parse(MsgBuilder().Flags(1u << 20).Body(body.get()).Build()).ok());
  EXPECT_NE(ErrorOf(MsgBuilder().Flags(1u << 2).Body(body.get()).Build()).find("required flag"),
            std::string::npos);
  EXPECT_NE(ErrorOf(MsgBuilder().Flags(1u << 15).Body(body.get()).Build()).find("required flag"),
            std::string::npos);
}

TEST(MessageTest, Checksum) {
  Doc body(BCON_NEW("ping", BCON_INT32(1), "$db", BCON_UTF8("admin")));
  Bytes good = MsgBuilder().Flags(kChecksumPresent).Body(body.get()).Build();
  auto r = Parse(good);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r.value().checksum_present);
  Bytes bad = good;
  bad.back() ^= 0x01;
  EXPECT_NE(ErrorOf(bad).find("checksum"), std::string::npos);
  Bytes flipped_body = good;
  flipped_body[30] ^= 0x20;
  EXPECT_NE(ErrorOf(flipped_body).find("checksum"), std::string::npos);
}

TEST(MessageTest, RejectsMalformedSections) {
  Doc body(BCON_NEW("ping", BCON_INT32(1), "$db", BCON_UTF8("admin")));
  Doc d1(BCON_NEW("_id", BCON_INT32(1)));
  Doc no_db(BCON_NEW("ping", BCON_INT32(1)));
  Doc int_db(BCON_NEW("ping", BCON_INT32(1), "$db", BCON_INT32(1)));
  EXPECT_NE(ErrorOf(MsgBuilder().Build()).find("no kind-0"), std::string::npos);
  EXPECT_NE(ErrorOf(MsgBuilder().Body(body.get()).Body(body.get()).Build()).find("more than one"),
            std::string::npos);
  EXPECT_NE(ErrorOf(MsgBuilder().Body(body.get()).Raw({2, 0}).Build()).find("unknown section kind"),
            std::string::npos);
  EXPECT_NE(ErrorOf(MsgBuilder().Body(no_db.get()).Build()).find("$db"), std::string::npos);
  EXPECT_NE(ErrorOf(MsgBuilder().Body(int_db.get()).Build()).find("$db"), std::string::npos);
  EXPECT_NE(ErrorOf(MsgBuilder().Body(body.get()).Sequence("ping", {d1.get()}).Build())
                .find("duplicates a field"),
            std::string::npos);
  EXPECT_NE(ErrorOf(MsgBuilder()
                        .Body(body.get())
                        .Sequence("documents", {d1.get()})
                        .Sequence("documents", {d1.get()})
                        .Build())
                .find("two document sequences"),
            std::string::npos);
  EXPECT_NE(ErrorOf(MsgBuilder().Body(body.get()).Sequence("", {d1.get()}).Build())
                .find("empty identifier"),
            std::string::npos);
  // A sequence whose size runs past the message.
  EXPECT_NE(ErrorOf(MsgBuilder().Body(body.get()).Raw({1, 100, 0, 0, 0, 'x', 0}).Build())
                .find("bad size"),
            std::string::npos);
  // A sequence identifier without its terminator.
  EXPECT_NE(ErrorOf(MsgBuilder().Body(body.get()).Raw({1, 6, 0, 0, 0, 'x', 'y'}).Build())
                .find("unterminated"),
            std::string::npos);
  // A sequence whose last document is cut short.
  EXPECT_NE(ErrorOf(MsgBuilder().Body(body.get()).Raw({1, 8, 0, 0, 0, 'x', 0, 5, 0}).Build())
                .find("overruns"),
            std::string::npos);
  // A body that runs past the message.
  Bytes truncated = MsgBuilder().Body(body.get()).Build();
  truncated.resize(truncated.size() - 3);
  StoreLe32(truncated.data(), static_cast<std::uint32_t>(truncated.size()));
  EXPECT_NE(ErrorOf(truncated).find("overruns"), std::string::npos);
}

TEST(MessageTest, RejectsInvalidBson) {
  // A body declaring an int32 but holding a string type byte with a huge length.
  Bytes bad_doc = {16, 0, 0, 0, 0x02, 'a', 0, 0xFF, 0xFF, 0, 0, 'x', 0, 0, 0, 0};
  EXPECT_NE(ErrorOf(MsgBuilder().Raw({0}).Raw(bad_doc).Build()).find("not valid BSON"),
            std::string::npos);
}

TEST(MessageTest, RejectsOversizedDocuments) {
  std::vector<std::uint8_t> blob(kMaxBsonObjectSize + kBsonCommandOverhead, 'x');
  bson_t big = BSON_INITIALIZER;
  BSON_APPEND_BINARY(&big, "b", BSON_SUBTYPE_BINARY, blob.data(),
                     static_cast<std::uint32_t>(blob.size()));
  BSON_APPEND_UTF8(&big, "$db", "test");
  auto r = Parse(MsgBuilder().Body(&big).Build());
  bson_destroy(&big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kLocation10334);
}

TEST(MessageTest, RejectsBadHeaders) {
  Doc body(BCON_NEW("ping", BCON_INT32(1), "$db", BCON_UTF8("admin")));
  Bytes msg = MsgBuilder().Body(body.get()).Build();
  Bytes longer = msg;
  longer.push_back(0);
  EXPECT_NE(ErrorOf(longer).find("does not match"), std::string::npos);
  Bytes opcode = msg;
  StoreLe32(opcode.data() + 12, 2012);
  EXPECT_NE(ErrorOf(opcode).find("unsupported opCode 2012"), std::string::npos);
  EXPECT_NE(ErrorOf(Bytes(10, 0)).find("shorter than the 16-byte header"), std::string::npos);

  std::uint8_t header[16] = {};
  StoreLe32(header, 15);
  EXPECT_FALSE(ParseHeader(header).ok());
  StoreLe32(header, static_cast<std::uint32_t>(-5));
  EXPECT_FALSE(ParseHeader(header).ok());
  StoreLe32(header, kMaxMessageBytes + 1);
  auto too_big = ParseHeader(header);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.error().message.find("exceeds the maximum"), std::string::npos);
  StoreLe32(header, kMaxMessageBytes);
  StoreLe32(header + 4, 77);
  StoreLe32(header + 12, 2013);
  auto max = ParseHeader(header);
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max.value().request_id, 77);
  EXPECT_EQ(max.value().op_code, 2013);
}

TEST(MessageTest, EveryTruncationFailsCleanly) {
  Doc body(BCON_NEW("insert", BCON_UTF8("c"), "$db", BCON_UTF8("test")));
  Doc d1(BCON_NEW("_id", BCON_INT32(1), "x", "{", "y", BCON_UTF8("z"), "}"));
  Bytes msg = MsgBuilder()
                  .Flags(kChecksumPresent)
                  .Body(body.get())
                  .Sequence("documents", {d1.get(), d1.get()})
                  .Build();
  ASSERT_TRUE(Parse(msg).ok());
  for (std::size_t n = 16; n < msg.size(); ++n) {
    Bytes cut(msg.begin(), msg.begin() + n);
    StoreLe32(cut.data(), static_cast<std::uint32_t>(n));
    EXPECT_FALSE(Parse(cut).ok()) << n;
  }
  // Without a checksum some cuts are valid (a whole section dropped); none may crash.
  Bytes plain = MsgBuilder().Body(body.get()).Sequence("documents", {d1.get(), d1.get()}).Build();
  for (std::size_t n = 16; n < plain.size(); ++n) {
    Bytes cut(plain.begin(), plain.begin() + n);
    StoreLe32(cut.data(), static_cast<std::uint32_t>(n));
    (void)Parse(cut);
  }
}

TEST(MessageTest, HandshakeQuery) {
  Doc query(BCON_NEW("isMaster", BCON_INT32(1), "helloOk", BCON_BOOL(true)));
  auto r = Parse(BuildQuery("admin.$cmd", query.get(), 5));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().opcode, OpCode::kQuery);
  EXPECT_EQ(r.value().request_id, 5);
  EXPECT_EQ(r.value().db, "admin");
  EXPECT_EQ(r.value().collection, "$cmd");
  EXPECT_TRUE(IsHandshake(r.value()));
  EXPECT_TRUE(bson_equal(r.value().command.get(), query.get()));

  for (const char* name : {"hello", "ismaster"}) {
    Doc q(BCON_NEW(name, BCON_INT32(1)));
    auto h = Parse(BuildQuery("other.$cmd", q.get()));
    ASSERT_TRUE(h.ok());
    EXPECT_TRUE(IsHandshake(h.value())) << name;
    EXPECT_EQ(h.value().db, "other");
  }
}

TEST(MessageTest, WrappedHandshakeQueryIsUnwrapped) {
  Doc query(BCON_NEW("$query", "{", "hello", BCON_INT32(1), "}", "$readPreference", "{", "mode",
                     BCON_UTF8("primary"), "}"));
  auto r = Parse(BuildQuery("admin.$cmd", query.get()));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(IsHandshake(r.value()));
  EXPECT_EQ(CommandName(r.value()), "hello");
  EXPECT_TRUE(bson_equal(r.value().query.get(), query.get()));
}

TEST(MessageTest, OtherQueriesAreNotHandshakes) {
  Doc find(BCON_NEW("x", BCON_INT32(1)));
  auto r = Parse(BuildQuery("test.coll", find.get()));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(IsHandshake(r.value()));
  Doc ping(BCON_NEW("ping", BCON_INT32(1)));
  auto p = Parse(BuildQuery("admin.$cmd", ping.get()));
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(IsHandshake(p.value()));
  Doc hello(BCON_NEW("hello", BCON_INT32(1)));
  auto h = Parse(BuildQuery("test.coll", hello.get()));
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(IsHandshake(h.value()));
}

TEST(MessageTest, RejectsBadQueries) {
  Doc q(BCON_NEW("hello", BCON_INT32(1)));
  EXPECT_NE(ErrorOf(BuildQuery("nodot", q.get())).find("not <db>.<name>"), std::string::npos);
  EXPECT_NE(ErrorOf(BuildQuery("\xFF\x01", q.get())).find("'?\?'"), std::string::npos);
  Bytes trailing = BuildQuery("a.$cmd", q.get());
  trailing.push_back(1);
  StoreLe32(trailing.data(), static_cast<std::uint32_t>(trailing.size()));
  EXPECT_FALSE(Parse(trailing).ok());
  Bytes msg = BuildQuery("admin.$cmd", q.get());
  for (std::size_t n = 16; n < msg.size(); ++n) {
    Bytes cut(msg.begin(), msg.begin() + n);
    StoreLe32(cut.data(), static_cast<std::uint32_t>(n));
    EXPECT_FALSE(Parse(cut).ok()) << n;
  }
}

}  // namespace
}  // namespace tactus::docdb::wire
