#include "runtime/keyed_random.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace tactus::runtime {
namespace {

RandomKey CountingKey() {
  RandomKey key;
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
  return key;
}

std::vector<std::uint64_t> Draw(const RandomKey& key, int n) {
  KeyedRandom random(key);
  std::vector<std::uint64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(random.Next());
  return out;
}

TEST(KeyedRandomTest, MatchesSha256InCounterMode) {
  // SHA-256(key || little-endian 64-bit block counter), read as little-endian 64-bit words.
  // Stored executions replay with these values: they must never change.
  const std::vector<std::uint64_t> expected = {
      0xbd883a2900e5d6a9, 0x1fb77ad013e2cb38, 0x012a07528525b28c, 0xd0f427e50bc4f1bd,
      0x3f3bb7d82d47ef04, 0x16ee09a0f3093317, 0xc04f24537539a599, 0x45eb5e3465c69065};
  EXPECT_EQ(Draw(CountingKey(), 8), expected);
  EXPECT_EQ(Draw(RandomKey{}, 1), std::vector<std::uint64_t>{0x8c833bf21dce342c});
}

TEST(KeyedRandomTest, SameKeyGivesSameSequence) {
  RandomKey key = NewRandomKey();
  EXPECT_EQ(Draw(key, 1000), Draw(key, 1000));

  // Derived values (what executions draw: UUIDs, jitter) repeat too.
  KeyedRandom a(key), b(key);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(a.Uuid4(), b.Uuid4());
    EXPECT_EQ(a.NextDouble(), b.NextDouble());
  }
}

TEST(KeyedRandomTest, DifferentKeysDiffer) {
  RandomKey a = CountingKey();
  RandomKey b = a;
  b[31] ^= 1;  // one bit apart
  auto x = Draw(a, 64), y = Draw(b, 64);
  int equal = 0;
  for (std::size_t i = 0; i < x.size(); ++i) equal += x[i] == y[i];
  EXPECT_EQ(equal, 0);
}

TEST(KeyedRandomTest, SequenceDoesNotRepeatWithinManyBlocks) {
  std::set<std::uint64_t> seen;
  for (std::uint64_t v : Draw(NewRandomKey(), 10000)) seen.insert(v);
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(KeyedRandomTest, NewRandomKeyGivesDistinctKeys) {
  std::set<RandomKey> keys;
  for (int i = 0; i < 100; ++i) keys.insert(NewRandomKey());
  EXPECT_EQ(keys.size(), 100u);
  EXPECT_EQ(keys.count(RandomKey{}), 0u);
}

TEST(KeyedRandomTest, NewTokenIsLowercaseHexOfTheGivenLength) {
  const std::regex hex("[0-9a-f]*");
  for (std::size_t bytes : {0u, 1u, 8u, 16u, 32u, 100u}) {
    std::string token = NewToken(bytes);
    EXPECT_EQ(token.size(), bytes * 2);
    EXPECT_TRUE(std::regex_match(token, hex)) << token;
  }
  EXPECT_EQ(NewToken().size(), 64u);  // 32 bytes by default
  std::set<std::string> tokens;
  for (int i = 0; i < 100; ++i) tokens.insert(NewToken());
  EXPECT_EQ(tokens.size(), 100u);
}

TEST(KeyedRandomTest, Uuid4HasVersion4Format) {
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  KeyedRandom random(NewRandomKey());
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string id = random.Uuid4();
    EXPECT_TRUE(std::regex_match(id, uuid)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 200u);
}

}  // namespace
}  // namespace tactus::runtime
