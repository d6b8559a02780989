// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Shared pieces of the libFuzzer targets (tests/fuzz/run.sh builds and runs them). The readers
// take paths, so every input is written to files in a per-process scratch folder and read back
// through the public entry points: the fuzzers exercise exactly the code the programs run.
// An input is "handled" when the reader returns or throws snicit::IoError; anything else (a
// crash, a sanitizer report, another exception, a leak, a timeout, an allocation beyond
// -malloc_limit_mb) is a finding.

#include <snicit/error.hpp>
#include <snicit/io/detail/file.hpp>

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace snicit_fuzz {

/// The scratch folder of this process: $SNICIT_FUZZ_TMP (default /dev/shm or /tmp) / pid.
inline std::filesystem::path const& scratch() {
  static std::filesystem::path const dir = [] {
    char const* env = std::getenv("SNICIT_FUZZ_TMP");
    std::filesystem::path base = env != nullptr                              ? env
                                 : std::filesystem::is_directory("/dev/shm") ? "/dev/shm"
                                                                             : "/tmp";
    auto d = base / ("snicit-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

/// Writes `bytes` to scratch()/name, gzip-compressed when `gzip` (one gzip member).
inline std::filesystem::path put_file(std::string const& name, std::string_view bytes, bool gzip) {
  auto const path = scratch() / name;
  std::string const body =
      gzip ? snicit::io::detail::gzip_member(bytes.data(), bytes.size()) : std::string(bytes);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    std::perror("snicit fuzz: cannot write the scratch file");
    std::abort();
  }
  if (!body.empty() && std::fwrite(body.data(), 1, body.size(), f) != body.size()) {
    std::abort();
  }
  std::fclose(f);
  return path;
}

/// Splits `s` at every '|' (at most `max_parts` parts; the rest stays in the last).
inline std::vector<std::string_view> split_parts(std::string_view s, std::size_t max_parts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    auto const bar = s.find('|');
    if (bar == std::string_view::npos) {
      break;
    }
    parts.push_back(s.substr(0, bar));
    s.remove_prefix(bar + 1);
  }
  parts.push_back(s);
  return parts;
}

/// Runs `read`; returns normally for success or snicit::IoError, lets anything else escape.
template <class Read>
void expect_clean(Read&& read) {
  try {
    read();
  } catch (snicit::IoError const& e) {
    // The documented failure: "<path>[:<line>]: <reason>" naming the file.
    if (e.path().empty() || e.reason().empty()) {
      std::fprintf(stderr, "IoError without path or reason: %s\n", e.what());
      std::abort();
    }
  }
}

}  // namespace snicit_fuzz
