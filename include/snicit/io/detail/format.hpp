// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Text output of snicit::io (not public API): number formatting with std::to_chars and a
// parallel writer that formats (and gzips) chunks on all threads and writes them in order
// through an AtomicOutput.

#include <snicit/config.hpp>
#include <snicit/detail/parallel.hpp>
#include <snicit/io/detail/file.hpp>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace io::detail {

/// Longest text of one formatted number (int64 or float), with margin.
inline constexpr std::size_t max_number_chars = 32;

/// Writes v in decimal at p; returns the end.
inline char* put_int(char* p, std::int64_t v) noexcept {
  return std::to_chars(p, p + max_number_chars, v).ptr;
}

/**
 * Formats floats like C's "%e" ("6.250000e-02", the official SDGC spelling) when that text reads
 * back as the same float, otherwise as the shortest scientific text that does. Caches the last
 * value, since SDGC layers repeat one value.
 */
class SciFormatter {
 public:
  char* put(char* p, float v) noexcept {
    auto const bits = std::bit_cast<std::uint32_t>(v);
    if (!valid_ || bits != last_) {
      auto r = std::to_chars(text_, text_ + sizeof(text_), v, std::chars_format::scientific, 6);
      float back = 0;
      std::from_chars(text_, r.ptr, back);
      if (std::bit_cast<std::uint32_t>(back) != bits) {
        r = std::to_chars(text_, text_ + sizeof(text_), v, std::chars_format::scientific);
      }
      len_ = static_cast<std::size_t>(r.ptr - text_);
      last_ = bits;
      valid_ = true;
    }
    std::memcpy(p, text_, len_);
    return p + len_;
  }

 private:
  char text_[max_number_chars] = {};
  std::size_t len_ = 0;
  std::uint32_t last_ = 0;
  bool valid_ = false;
};

/// Shortest round-trip text of v ("1" for 1.0f).
inline char* put_shortest(char* p, float v) noexcept {
  return std::to_chars(p, p + max_number_chars, v).ptr;
}

/**
 * Writes `chunks` pieces of text produced by fmt(chunk, std::string& out) to `path` in order,
 * formatting up to `threads` pieces at once. With a ".gz" suffix every piece becomes its own
 * gzip member (a valid multi-member gzip file, compressed in parallel). The file appears only
 * when complete.
 */
template <class Format>
void write_text(std::filesystem::path const& path, std::int64_t chunks, int threads, Format&& fmt) {
  bool const gz = has_gz_suffix(path);
  int const t = std::max(1, snicit::detail::resolve_threads(threads));
  AtomicOutput out(path);
  std::vector<std::string> bufs(static_cast<std::size_t>(t));
  for (std::int64_t c0 = 0; c0 < chunks; c0 += t) {
    auto const n = static_cast<int>(std::min<std::int64_t>(t, chunks - c0));
    snicit::detail::parallel_chunks(n, n, t, [&](int k, std::int64_t, std::int64_t) {
      auto& s = bufs[static_cast<std::size_t>(k)];
      s.clear();
      fmt(c0 + k, s);
      if (gz) {
        s = gzip_member(s.data(), s.size());
      }
    });
    for (int k = 0; k < n; ++k) {
      out.write(bufs[static_cast<std::size_t>(k)].data(), bufs[static_cast<std::size_t>(k)].size());
    }
  }
  if (chunks == 0 && gz) {
    auto const empty = gzip_member(nullptr, 0);
    out.write(empty.data(), empty.size());
  }
  out.commit();
}

/**
 * Splits [0, n) into pieces of consecutive groups (rows or columns) holding about `target`
 * entries each; offsets has n+1 cumulative entry counts. Returns the group boundaries.
 */
[[nodiscard]] inline std::vector<std::int64_t> split_by_entries(
    std::vector<std::int64_t> const& offsets, std::int64_t target) {
  std::vector<std::int64_t> cuts{0};
  auto const n = static_cast<std::int64_t>(offsets.size()) - 1;
  std::int64_t start = 0;
  for (std::int64_t g = 0; g < n; ++g) {
    if (offsets[static_cast<std::size_t>(g) + 1] - offsets[static_cast<std::size_t>(start)] >=
        target) {
      cuts.push_back(g + 1);
      start = g + 1;
    }
  }
  if (cuts.back() != n) {
    cuts.push_back(n);
  }
  return cuts;
}

}  // namespace io::detail
SNICIT_NAMESPACE_END
