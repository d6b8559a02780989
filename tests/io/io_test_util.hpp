// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <test_data.hpp>

// Helpers of the snicit::io tests: unique temporary folders, writing small files (plain or
// gzip), locating the shared data, and checking IoError messages.

#include <snicit/error.hpp>
#include <snicit/io/detail/file.hpp>

#include "catch.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <system_error>

namespace snicit::test {

/// A fresh folder under the system temp dir, removed (with its content) on destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("snicit-io-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
             "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  TempDir(TempDir const&) = delete;
  TempDir& operator=(TempDir const&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] std::filesystem::path const& path() const noexcept {
    return path_;
  }
  [[nodiscard]] std::filesystem::path operator/(std::string const& name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

/// Writes `content` to `path` as is (creating parent folders).
inline std::filesystem::path write_file(std::filesystem::path const& path,
                                        std::string const& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  REQUIRE(out.good());
  return path;
}

/// Writes `content` gzip-compressed to `path` (whatever its name).
inline std::filesystem::path write_gz(std::filesystem::path const& path,
                                      std::string const& content) {
  return write_file(path, snicit::io::detail::gzip_member(content.data(), content.size()));
}

/// The whole file as a string.
inline std::string read_file(std::filesystem::path const& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

using snicit::test::data_dir;

/// The small hand-made fixtures of these tests.
inline std::filesystem::path fixture_dir() {
#if defined(SNICIT_TEST_SOURCE_DIR)
  return std::filesystem::path(SNICIT_TEST_SOURCE_DIR) / "io" / "data";
#else
  return std::filesystem::path("tests/io/data");
#endif
}

/// Runs `fn`, requires a snicit::IoError whose path, line and reason are as given
/// (line 0 = "no line"; `reason` is a substring), and that what() reads "<path>:<line>: ...".
template <class Fn>
void require_io_error(Fn&& fn,
                      std::filesystem::path const& path,
                      std::uint64_t line,
                      std::string const& reason) {
  bool thrown = false;
  try {
    fn();
  } catch (snicit::IoError const& e) {
    thrown = true;
    INFO("what(): " << e.what());
    CHECK(e.path() == path.string());
    CHECK(e.line() == line);
    CHECK(e.reason().find(reason) != std::string::npos);
    std::string const prefix =
        path.string() + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": ";
    CHECK(std::string(e.what()).rfind(prefix, 0) == 0);
  }
  if (!thrown) {
    FAIL("expected snicit::IoError for " << path.string() << " (" << reason << ")");
  }
}

}  // namespace snicit::test

/// Skips the rest of a test case with a visible warning when a shared data file is missing.
#define SNICIT_REQUIRE_DATA(path)                                                \
  do {                                                                           \
    if (!std::filesystem::exists(path)) {                                        \
      WARN("data missing: " << (path).string()                                   \
                            << " (set SNICIT_DATA_DIR); skipping these checks"); \
      return;                                                                    \
    }                                                                            \
  } while (0)
