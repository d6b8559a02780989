// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Catch2 v2 (Debian 2.13) / v3 (the GPU machine) compatibility: include this, never Catch2
// directly. Both versions offer the macros our tests use (TEST_CASE, SECTION, REQUIRE*,
// TEMPLATE_TEST_CASE, GENERATE, Approx, matchers through Catch::Matchers).

#if defined(SNICIT_CATCH2_V3)
#include <catch2/catch_all.hpp>
using Catch::Approx;  // v2 offers Approx at global scope
#else
#include <catch2/catch.hpp>
#endif

#include <snicit/error.hpp>

#include <string>

namespace snicit::test {
/// REQUIRE_THROWS_AS + a substring check of what(), usable with both Catch2 versions.
#define SNICIT_REQUIRE_THROWS_WITH_SUBSTR(expr, Type, substr)         \
  do {                                                                \
    bool snicit_thrown_ = false;                                      \
    try {                                                             \
      (void)(expr);                                                   \
    } catch (Type const& e) {                                         \
      snicit_thrown_ = true;                                          \
      INFO("message: " << e.what());                                  \
      CHECK(std::string(e.what()).find(substr) != std::string::npos); \
    }                                                                 \
    if (!snicit_thrown_) {                                            \
      FAIL("expected " #Type " from " #expr);                         \
    }                                                                 \
  } while (0)
}  // namespace snicit::test
