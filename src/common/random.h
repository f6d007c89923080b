// Randomness behind an interface, so the engine's choices are reproducible under test.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace tactus::common {

class Random {
 public:
  virtual ~Random() = default;
  // A uniformly distributed 64-bit value.
  virtual std::uint64_t Next() = 0;
  // Uniform in [0, 1).
  double NextDouble();
  // A random (version 4) UUID in canonical lowercase form.
  std::string Uuid4();
};

// A seeded Mersenne Twister. Not thread-safe.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t Next() override { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

// Seeds from std::random_device. Not thread-safe.
class SystemRandom final : public Random {
 public:
  SystemRandom();
  std::uint64_t Next() override { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace tactus::common
