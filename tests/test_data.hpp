// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Where tests find the shared data (never copied into the repository).

#include <cstdlib>
#include <filesystem>

namespace snicit::test {

/// $SNICIT_DATA_DIR, else the configure-time SNICIT_TEST_DATA_DIR (-DSNICIT_DATA_DIR).
inline std::filesystem::path data_dir() {
  if (char const* env = std::getenv("SNICIT_DATA_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
#if defined(SNICIT_TEST_DATA_DIR)
  return SNICIT_TEST_DATA_DIR;
#else
  return "../shared/data";
#endif
}

}  // namespace snicit::test
