// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// A small, fully specified random number generator: the same seed gives the same networks and
// images on every platform and standard library (std::uniform_int_distribution does not).

#include <snicit/config.hpp>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace detail {

__extension__ using uint128 = unsigned __int128;  // GCC/Clang/nvcc extension; silences -Wpedantic

/// SplitMix64 step: also used to derive independent stream seeds from (seed, stream id).
SNICIT_HOST_DEVICE constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// xoshiro256** seeded through SplitMix64.
class Rng {
 public:
  SNICIT_HOST_DEVICE constexpr explicit Rng(std::uint64_t seed, std::uint64_t stream = 0) noexcept {
    std::uint64_t sm = seed ^ (stream * 0xD1B54A32D192ED03ull);
    for (auto& w : s_) {
      w = splitmix64(sm);
    }
  }
  SNICIT_HOST_DEVICE constexpr std::uint64_t next() noexcept {
    std::uint64_t const result = rotl(s_[1] * 5, 7) * 9;
    std::uint64_t const t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform integer in [0, bound) without modulo bias (Lemire's method), bound > 0.
  SNICIT_HOST_DEVICE constexpr std::uint64_t below(std::uint64_t bound) noexcept {
    if (bound <= 1) {
      return 0;
    }
    std::uint64_t const threshold = (0 - bound) % bound;
    for (;;) {
      std::uint64_t const x = next();
      uint128 const m = static_cast<uint128>(x) * bound;
      if (static_cast<std::uint64_t>(m) >= threshold) {
        return static_cast<std::uint64_t>(m >> 64);
      }
    }
  }
  /// Uniform double in [0, 1) with 53 random bits.
  SNICIT_HOST_DEVICE constexpr double uniform() noexcept {
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
  }

 private:
  SNICIT_HOST_DEVICE static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  std::uint64_t s_[4]{};
};

}  // namespace detail
SNICIT_NAMESPACE_END
