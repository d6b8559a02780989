// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Parallel text parsing of snicit::io (not public API).
//
// A file is read in blocks that end at line boundaries (LineBlockReader); each block is split
// into one chunk per thread, again at newline boundaries, and the chunks are parsed in parallel
// with std::from_chars. Each chunk counts its lines as it goes, so a parse error knows its line
// without a second pass: the chunk's first line is the sum of the line counts of the chunks
// before it. While one block is parsed, the next one is read (and gunzipped) on another thread.
//
// Triplet files ("row col value") become CSR through a parallel counting sort by row, a sort of
// the columns within each row (skipped when already sorted) and a duplicate check.

#include <snicit/config.hpp>
#include <snicit/detail/parallel.hpp>
#include <snicit/error.hpp>
#include <snicit/io/detail/file.hpp>
#include <snicit/matrix.hpp>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <future>
#include <limits>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace io::detail {

#ifndef SNICIT_IO_TEXT_BLOCK_BYTES
/// Overridable for tests only: the fuzzers (tests/fuzz/run.sh) use 4096 so that small inputs
/// span several blocks (lines carried across block ends) and each run allocates little.
#define SNICIT_IO_TEXT_BLOCK_BYTES (std::size_t(64) << 20)
#endif
/// Bytes of text handed to the parser threads at once (the next block is read meanwhile).
inline constexpr std::size_t text_block_bytes = SNICIT_IO_TEXT_BLOCK_BYTES;

/// What every parsed chunk records besides its data.
struct ChunkStatus {
  std::uint64_t lines = 0;       ///< lines started in this chunk
  std::uint64_t error_line = 0;  ///< 1-based line within the chunk of the first error; 0 = none
  std::string error;             ///< reason of that error
  std::vector<std::uint64_t> blanks;  ///< for each skipped blank line: entries parsed before it

  void set_error(std::uint64_t line, std::string reason) {
    error_line = line;
    error = std::move(reason);
  }
  /// 1-based line within the chunk of entry e (0-based).
  [[nodiscard]] std::uint64_t line_of_entry(std::uint64_t e) const {
    auto const before = std::upper_bound(blanks.begin(), blanks.end(), e) - blanks.begin();
    return e + 1 + static_cast<std::uint64_t>(before);
  }
};

/// Result of parse_text: the chunks in file order with their first line numbers.
template <class Chunk>
struct ParsedText {
  std::vector<Chunk> chunks;
  std::vector<std::uint64_t> start_line;  ///< lines before each chunk
  std::uint64_t bytes = 0;                ///< decompressed bytes
  std::uint64_t lines = 0;                ///< total lines
};

[[nodiscard]] inline std::size_t count_newlines(char const* b, char const* e) {
  return static_cast<std::size_t>(std::count(b, e, '\n'));
}

/// Returns the position just after the first newline at or after p (or e).
[[nodiscard]] inline char const* after_newline(char const* p, char const* e) {
  if (p >= e) {
    return e;
  }
  auto const* nl = static_cast<char const*>(std::memchr(p, '\n', static_cast<std::size_t>(e - p)));
  return nl == nullptr ? e : nl + 1;
}

/**
 * Parses a text file with `parse(char const* begin, char const* end, Chunk&)` over chunks that
 * start at line starts. Stops at the first block with an error and throws snicit::IoError for
 * the earliest error in the file. An empty file throws too.
 */
template <class Chunk, class Parse>
[[nodiscard]] ParsedText<Chunk> parse_text(std::filesystem::path const& path,
                                           int threads,
                                           Parse&& parse,
                                           std::size_t block_bytes = text_block_bytes) {
  int const t = std::max(1, snicit::detail::resolve_threads(threads));
  LineBlockReader reader(path, block_bytes);
  ParsedText<Chunk> out;
  Buffer cur;
  Buffer nxt;
  bool have = reader.next(cur);
  if (!have) {
    fail(path, 0, "empty file");
  }
  while (have) {
    std::future<bool> prefetch;
    bool const ahead = t > 1 && !reader.done();
    if (ahead) {
      prefetch = std::async(std::launch::async, [&reader, &nxt] { return reader.next(nxt); });
    }
    // Split the block into up to t chunks at newline boundaries (tiny blocks: one chunk).
    int const k = cur.size < std::min<std::size_t>(65536, block_bytes / 2) ? 1 : t;
    std::vector<char const*> cut(static_cast<std::size_t>(k) + 1);
    cut[0] = cur.begin();
    for (int c = 1; c < k; ++c) {
      char const* guess = cur.begin() + cur.size * static_cast<std::size_t>(c) / std::size_t(k);
      cut[static_cast<std::size_t>(c)] =
          std::max(cut[static_cast<std::size_t>(c) - 1], after_newline(guess, cur.end()));
    }
    cut[static_cast<std::size_t>(k)] = cur.end();
    std::size_t const first = out.chunks.size();
    out.chunks.resize(first + static_cast<std::size_t>(k));
    try {
      snicit::detail::parallel_chunks(k, k, t, [&](int c, std::int64_t, std::int64_t) {
        parse(cut[static_cast<std::size_t>(c)],
              cut[static_cast<std::size_t>(c) + 1],
              out.chunks[first + static_cast<std::size_t>(c)]);
      });
    } catch (...) {
      if (prefetch.valid()) {
        prefetch.wait();
      }
      throw;
    }
    for (std::size_t c = first; c < out.chunks.size(); ++c) {
      out.start_line.push_back(out.lines);
      auto const& ch = out.chunks[c];
      if (ch.error_line != 0) {
        if (prefetch.valid()) {
          prefetch.wait();
        }
        fail(path, out.lines + ch.error_line, ch.error);
      }
      out.lines += ch.lines;
    }
    out.bytes += cur.size;
    have = ahead ? prefetch.get() : reader.next(nxt);
    std::swap(cur, nxt);
  }
  return out;
}

// ---- field parsing -----------------------------------------------------------------------------

[[nodiscard]] inline bool is_space(char c) noexcept {
  return c == ' ' || c == '\t';
}

inline void skip_spaces(char const*& p, char const* e) noexcept {
  while (p < e && is_space(*p)) {
    ++p;
  }
}

/// The token at p (up to whitespace or end of line), quoted and shortened for messages.
[[nodiscard]] inline std::string token_at(char const* p, char const* e) {
  char const* q = p;
  while (q < e && !is_space(*q) && *q != '\n' && *q != '\r' && q - p < 24) {
    ++q;
  }
  if (q == p) {
    return p < e && *p == '\r' ? "'\\r'" : "end of line";
  }
  // Built by appends: GCC 12 warns falsely (-Wrestrict, PR105651) on "'" + std::string(...).
  std::string s(1, '\'');
  s.append(p, q);
  if (q < e && !is_space(*q) && *q != '\n' && *q != '\r') {
    s.append("...");
  }
  s.push_back('\'');
  return s;
}

[[nodiscard]] inline bool at_line_end(char const* p, char const* e) noexcept {
  return p == e || *p == '\n' || *p == '\r';
}

/**
 * Parses an integer field at p (after optional spaces) and requires whitespace or end of line
 * after it. On failure returns false with `why` set. `name` names the field in messages.
 */
[[nodiscard]] inline bool parse_int_field(
    char const*& p, char const* e, std::int64_t& v, char const* name, std::string& why) {
  skip_spaces(p, e);
  if (at_line_end(p, e)) {
    why = std::string("missing ") + name;
    return false;
  }
  // Fast path: up to 18 plain digits followed by a separator; anything else via from_chars.
  {
    char const* q = p;
    std::int64_t acc = 0;
    while (q < e && q - p < 18 && static_cast<unsigned char>(*q - '0') < 10) {
      acc = acc * 10 + (*q - '0');
      ++q;
    }
    if (q != p && (q == e || is_space(*q) || *q == '\n' || *q == '\r')) {
      v = acc;
      p = q;
      return true;
    }
  }
  auto const [q, ec] = std::from_chars(p, e, v);
  if (ec == std::errc::result_out_of_range) {
    why = std::string(name) + " out of range: " + token_at(p, e);
    return false;
  }
  if (ec != std::errc{} || (q < e && !is_space(*q) && *q != '\n' && *q != '\r')) {
    why = std::string(name) + " is not an integer: " + token_at(p, e);
    return false;
  }
  p = q;
  return true;
}

/// Parses a finite float field at p (after optional spaces), like parse_int_field.
[[nodiscard]] inline bool parse_float_field(
    char const*& p, char const* e, float& v, char const* name, std::string& why) {
  skip_spaces(p, e);
  if (at_line_end(p, e)) {
    why = std::string("missing ") + name;
    return false;
  }
  auto const [q, ec] = std::from_chars(p, e, v, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) {
    why = std::string(name) + " out of float range: " + token_at(p, e);
    return false;
  }
  if (ec != std::errc{} || (q < e && !is_space(*q) && *q != '\n' && *q != '\r')) {
    why = std::string(name) + " is not a number: " + token_at(p, e);
    return false;
  }
  if (!std::isfinite(v)) {
    why = std::string(name) + " is not finite: " + token_at(p, e);
    return false;
  }
  p = q;
  return true;
}

/// After the last field: allows spaces and a CR, then requires the newline (or end of data).
[[nodiscard]] inline bool finish_line(char const*& p, char const* e, std::string& why) {
  skip_spaces(p, e);
  if (p < e && *p == '\r') {
    ++p;
  }
  if (p == e) {
    return true;
  }
  if (*p != '\n') {
    why = "unexpected text at the end of the line: " + token_at(p, e);
    return false;
  }
  ++p;
  return true;
}

/**
 * At a line start: skips a blank (whitespace-only) line and returns true; at end of data
 * (trailing spaces) also returns true with p == e.
 */
[[nodiscard]] inline bool skip_blank_line(char const*& p, char const* e) noexcept {
  char const* q = p;
  skip_spaces(q, e);
  if (q < e && *q == '\r') {
    ++q;
  }
  if (q == e) {
    p = q;
    return true;
  }
  if (*q == '\n') {
    p = q + 1;
    return true;
  }
  return false;
}

// ---- "row col value" triplets ------------------------------------------------------------------

/// How to read a triplet file: base of the indices and their bounds.
struct TripletSpec {
  bool one_based = true;            ///< SDGC: 1-based; beyond: 0-based
  std::int64_t row_limit = -1;      ///< rows allowed (0-based < row_limit); -1 = any
  std::int64_t col_limit = 0;       ///< columns allowed (0-based < col_limit)
  char const* row_name = "row";     ///< for messages: "row index", "image index"
  char const* col_name = "column";  ///< for messages
  std::string row_limit_text;       ///< e.g. "N = 1024", "count = 10"
  std::string col_limit_text;
};

/// One parsed chunk of triplets (0-based indices).
struct TripletChunk : ChunkStatus {
  std::vector<std::int32_t> rows;
  std::vector<std::int32_t> cols;
  std::vector<float> vals;
  std::int64_t max_row = -1;
};

[[nodiscard]] inline std::string range_text(bool one_based, std::int64_t limit) {
  return one_based ? "1.." + std::to_string(limit) : "0.." + std::to_string(limit - 1);
}

/**
 * parse_float_field with a one-entry cache: SDGC files repeat one spelling ("6.250000e-02",
 * "1") on every line, and comparing a few bytes is cheaper than converting them again.
 */
class CachedFloatField {
 public:
  bool parse(char const*& p, char const* e, float& v, char const* name, std::string& why) {
    skip_spaces(p, e);
    char const* q = p;
    while (q < e && !is_space(*q) && *q != '\n' && *q != '\r') {
      ++q;
    }
    auto const len = static_cast<std::size_t>(q - p);
    if (len == len_ && len > 0 && std::memcmp(p, text_, len) == 0) {
      v = value_;
      p = q;
      return true;
    }
    char const* start = p;
    if (!parse_float_field(p, e, v, name, why)) {
      return false;
    }
    if (len <= sizeof(text_) && p == q) {
      std::memcpy(text_, start, len);
      len_ = len;
      value_ = v;
    }
    return true;
  }

 private:
  char text_[24] = {};
  std::size_t len_ = 0;
  float value_ = 0;
};

/// Parses the lines [p, e) as triplets into `ch`; stops at the first error.
inline void parse_triplets(char const* p, char const* e, TripletChunk& ch, TripletSpec const& s) {
  std::size_t const expect = count_newlines(p, e) + 1;
  ch.rows.reserve(expect);
  ch.cols.reserve(expect);
  ch.vals.reserve(expect);
  advise_huge_pages(ch.rows.data(), expect * sizeof(std::int32_t));
  advise_huge_pages(ch.cols.data(), expect * sizeof(std::int32_t));
  advise_huge_pages(ch.vals.data(), expect * sizeof(float));
  std::int64_t const base = s.one_based ? 1 : 0;
  std::int64_t const row_limit =
      s.row_limit >= 0 ? s.row_limit : std::int64_t(std::numeric_limits<std::int32_t>::max());
  std::string const row_field = std::string(s.row_name) + " index";
  std::string const col_field = std::string(s.col_name) + " index";
  std::uint64_t line = 0;
  std::string why;
  std::int64_t max_row = -1;
  CachedFloatField value_field;
  while (p < e) {
    ++line;
    if (skip_blank_line(p, e)) {
      ch.blanks.push_back(ch.rows.size());
      continue;
    }
    std::int64_t r = 0;
    std::int64_t c = 0;
    float v = 0;
    if (!parse_int_field(p, e, r, row_field.c_str(), why) ||
        !parse_int_field(p, e, c, col_field.c_str(), why) ||
        !value_field.parse(p, e, v, "value", why) || !finish_line(p, e, why)) {
      if (why.rfind("missing", 0) == 0) {
        why += " (expected 3 fields: " + row_field + ", " + col_field + ", value)";
      }
      ch.set_error(line, why);
      break;
    }
    r -= base;
    c -= base;
    if (r < 0 || r >= row_limit) {
      std::string msg = row_field + " " + std::to_string(r + base) + " out of range";
      if (s.row_limit >= 0) {
        msg += " " + range_text(s.one_based, s.row_limit) + " (" + s.row_limit_text + ")";
      } else if (r < 0) {
        msg += s.one_based ? " (indices are 1-based)" : " (indices are 0-based)";
      }
      ch.set_error(line, msg);
      break;
    }
    if (c < 0 || c >= s.col_limit) {
      ch.set_error(line,
                   col_field + " " + std::to_string(c + base) + " out of range " +
                       range_text(s.one_based, s.col_limit) + " (" + s.col_limit_text + ")");
      break;
    }
    max_row = std::max(max_row, r);
    ch.rows.push_back(static_cast<std::int32_t>(r));
    ch.cols.push_back(static_cast<std::int32_t>(c));
    ch.vals.push_back(v);
  }
  ch.lines = line;
  ch.max_row = max_row;
}

/// Maps global entry numbers of a parsed file to 1-based file lines.
template <class Chunk>
[[nodiscard]] std::uint64_t line_of_entry(ParsedText<Chunk> const& text,
                                          std::vector<std::size_t> const& chunk_begin,
                                          std::size_t entry) {
  auto const it = std::upper_bound(chunk_begin.begin(), chunk_begin.end(), entry);
  auto const c = static_cast<std::size_t>(it - chunk_begin.begin()) - 1;
  return text.start_line[c] + text.chunks[c].line_of_entry(entry - chunk_begin[c]);
}

/**
 * Builds a CSR matrix (rows x cols) from parsed triplets: parallel counting sort by row, sort of
 * the columns within each row, duplicate detection (IoError at the line of the second entry).
 */
[[nodiscard]] inline CsrMatrix<float> triplets_to_csr(std::filesystem::path const& path,
                                                      ParsedText<TripletChunk>& text,
                                                      std::int64_t rows,
                                                      std::int64_t cols,
                                                      bool one_based,
                                                      char const* row_name,
                                                      char const* col_name,
                                                      int threads) {
  auto& chunks = text.chunks;
  std::vector<std::size_t> chunk_begin(chunks.size() + 1, 0);
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    chunk_begin[c + 1] = chunk_begin[c] + chunks[c].rows.size();
  }
  std::size_t const nnz = chunk_begin.back();
  int const t =
      nnz < (std::size_t(1) << 16) ? 1 : std::max(1, snicit::detail::resolve_threads(threads));
  auto const rows_z = static_cast<std::size_t>(rows);

  // Calls fn(chunk, i) for the global entries [b, e) in file order.
  auto for_entries = [&](std::size_t b, std::size_t e, auto&& fn) {
    auto c = static_cast<std::size_t>(std::upper_bound(chunk_begin.begin(), chunk_begin.end(), b) -
                                      chunk_begin.begin() - 1);
    for (; b < e && c < chunks.size(); ++c) {
      std::size_t const lo = b - chunk_begin[c];
      std::size_t const hi = std::min(e, chunk_begin[c + 1]) - chunk_begin[c];
      for (std::size_t i = lo; i < hi; ++i) {
        fn(chunks[c], i);
      }
      b = chunk_begin[c] + hi;
    }
  };
  auto bound = [&](int k) { return nnz * static_cast<std::size_t>(k) / std::size_t(t); };

  // 1. Per-thread row histograms.
  std::vector<std::vector<std::int64_t>> hist(static_cast<std::size_t>(t));
  snicit::detail::parallel_chunks(t, t, t, [&](int k, std::int64_t, std::int64_t) {
    auto& h = hist[static_cast<std::size_t>(k)];
    h.assign(rows_z, 0);
    for_entries(bound(k), bound(k + 1), [&](TripletChunk const& ch, std::size_t i) {
      ++h[static_cast<std::size_t>(ch.rows[i])];
    });
  });
  // 2. Row offsets and each thread's write cursor per row.
  CsrMatrix<float> m;
  m.rows = rows;
  m.cols = cols;
  m.row_offsets.assign(rows_z + 1, 0);
  std::int64_t run = 0;
  for (std::size_t r = 0; r < rows_z; ++r) {
    m.row_offsets[r] = run;
    for (auto& h : hist) {
      std::int64_t const n = h[r];
      h[r] = run;
      run += n;
    }
  }
  m.row_offsets[rows_z] = run;
  // 3. Scatter (stable: entries of a row keep file order).
  resize_large(m.col_indices, nnz);
  resize_large(m.values, nnz);
  snicit::detail::parallel_chunks(t, t, t, [&](int k, std::int64_t, std::int64_t) {
    auto& cursor = hist[static_cast<std::size_t>(k)];
    for_entries(bound(k), bound(k + 1), [&](TripletChunk const& ch, std::size_t i) {
      auto const dst = static_cast<std::size_t>(cursor[static_cast<std::size_t>(ch.rows[i])]++);
      m.col_indices[dst] = ch.cols[i];
      m.values[dst] = ch.vals[i];
    });
  });
  hist.clear();
  hist.shrink_to_fit();
  // 4. Sort each row by column (most files are already sorted) and find duplicates.
  std::vector<std::int64_t> dup_row(static_cast<std::size_t>(t), -1);
  std::vector<std::int32_t> dup_col(static_cast<std::size_t>(t), -1);
  int const row_threads = rows < 1024 ? 1 : t;
  snicit::detail::parallel_chunks(
      rows, row_threads, row_threads, [&](int k, std::int64_t rb, std::int64_t re) {
        std::vector<std::uint64_t> keys;
        for (std::int64_t r = rb; r < re; ++r) {
          auto const b = static_cast<std::size_t>(m.row_offsets[static_cast<std::size_t>(r)]);
          auto const e = static_cast<std::size_t>(m.row_offsets[static_cast<std::size_t>(r) + 1]);
          std::int32_t* ci = m.col_indices.data();
          bool sorted = true;
          for (std::size_t i = b + 1; i < e; ++i) {
            if (ci[i] <= ci[i - 1]) {
              sorted = false;
              break;
            }
          }
          if (sorted) {
            continue;
          }
          // Pack (column, value bits) so one integer sort moves both.
          keys.resize(e - b);
          for (std::size_t i = b; i < e; ++i) {
            keys[i - b] = (std::uint64_t(static_cast<std::uint32_t>(ci[i])) << 32) |
                          std::bit_cast<std::uint32_t>(m.values[i]);
          }
          std::sort(keys.begin(), keys.end());
          for (std::size_t i = b; i < e; ++i) {
            ci[i] = static_cast<std::int32_t>(keys[i - b] >> 32);
            m.values[i] = std::bit_cast<float>(static_cast<std::uint32_t>(keys[i - b]));
            if (i > b && ci[i] == ci[i - 1] && dup_row[static_cast<std::size_t>(k)] < 0) {
              dup_row[static_cast<std::size_t>(k)] = r;
              dup_col[static_cast<std::size_t>(k)] = ci[i];
            }
          }
        }
      });
  for (int k = 0; k < t; ++k) {
    if (dup_row[static_cast<std::size_t>(k)] < 0) {
      continue;
    }
    // Error path: find the first two occurrences in file order to name their lines.
    auto const r = static_cast<std::int32_t>(dup_row[static_cast<std::size_t>(k)]);
    auto const c = dup_col[static_cast<std::size_t>(k)];
    std::size_t seen[2] = {0, 0};
    int found = 0;
    for_entries(0, nnz, [&](TripletChunk const& ch, std::size_t i) {
      if (found < 2 && ch.rows[i] == r && ch.cols[i] == c) {
        auto const cidx = static_cast<std::size_t>(&ch - chunks.data());
        seen[found++] = chunk_begin[cidx] + i;
      }
    });
    std::int64_t const base = one_based ? 1 : 0;
    fail(path,
         line_of_entry(text, chunk_begin, seen[1]),
         std::string("duplicate entry (") + row_name + " " + std::to_string(r + base) + ", " +
             col_name + " " + std::to_string(c + base) + "), first given at line " +
             std::to_string(line_of_entry(text, chunk_begin, seen[0])));
  }
  return m;
}

/// Reads a triplet file into CSR; rows = spec.row_limit, or (largest row index + 1) if -1.
[[nodiscard]] inline CsrMatrix<float> read_triplet_file(
    std::filesystem::path const& path,
    TripletSpec const& spec,
    std::int64_t cols,
    int threads,
    std::size_t block_bytes = text_block_bytes) {
  auto text = parse_text<TripletChunk>(
      path,
      threads,
      [&](char const* b, char const* e, TripletChunk& ch) { parse_triplets(b, e, ch, spec); },
      block_bytes);
  std::int64_t max_row = -1;
  std::size_t nnz = 0;
  for (auto const& ch : text.chunks) {
    max_row = std::max(max_row, ch.max_row);
    nnz += ch.rows.size();
  }
  if (nnz == 0) {
    fail(path, 0, "no entries (the file holds only blank lines)");
  }
  std::int64_t const rows = spec.row_limit >= 0 ? spec.row_limit : max_row + 1;
  // A row count taken from the file must be plausible for its size: one line naming index 10^9
  // would otherwise allocate 8 GB of row offsets (fuzzer finding, docs/reliability.md).
  constexpr std::int64_t free_rows = std::int64_t(1) << 20;
  if (spec.row_limit < 0 && rows > free_rows && static_cast<std::uint64_t>(rows) / 64 > nnz) {
    fail(path,
         0,
         std::string("largest ") + spec.row_name + " index " +
             std::to_string(spec.one_based ? rows : rows - 1) + " makes " + std::to_string(rows) +
             " rows for " + std::to_string(nnz) +
             " entries (over 2^20 rows and 64 per entry); give the count explicitly");
  }
  return triplets_to_csr(
      path, text, rows, cols, spec.one_based, spec.row_name, spec.col_name, threads);
}

// ---- one value per line ------------------------------------------------------------------------

/// One parsed chunk of a file with one number per line.
struct ValueChunk : ChunkStatus {
  std::vector<float> vals;
};

/// Parses lines holding one float each.
inline void parse_values(char const* p, char const* e, ValueChunk& ch) {
  ch.vals.reserve(count_newlines(p, e) + 1);
  std::uint64_t line = 0;
  std::string why;
  while (p < e) {
    ++line;
    if (skip_blank_line(p, e)) {
      ch.blanks.push_back(ch.vals.size());
      continue;
    }
    float v = 0;
    if (!parse_float_field(p, e, v, "value", why) || !finish_line(p, e, why)) {
      ch.set_error(line, why);
      break;
    }
    ch.vals.push_back(v);
  }
  ch.lines = line;
}

/// A file of one float per line, flattened, with the line of every value on demand.
struct ValueFile {
  ParsedText<ValueChunk> text;
  std::vector<std::size_t> chunk_begin;
  std::vector<float> values;

  /// 1-based line of value i (i may equal size(): the line after the last value).
  [[nodiscard]] std::uint64_t line_of(std::size_t i) const {
    if (i >= values.size()) {
      return text.lines + 1;
    }
    return line_of_entry(text, chunk_begin, i);
  }
};

[[nodiscard]] inline ValueFile read_value_file(std::filesystem::path const& path,
                                               int threads,
                                               std::size_t block_bytes = text_block_bytes) {
  ValueFile f;
  f.text = parse_text<ValueChunk>(
      path,
      threads,
      [](char const* b, char const* e, ValueChunk& ch) { parse_values(b, e, ch); },
      block_bytes);
  f.chunk_begin.assign(f.text.chunks.size() + 1, 0);
  for (std::size_t c = 0; c < f.text.chunks.size(); ++c) {
    f.chunk_begin[c + 1] = f.chunk_begin[c] + f.text.chunks[c].vals.size();
  }
  f.values.reserve(f.chunk_begin.back());
  for (auto& ch : f.text.chunks) {
    f.values.insert(f.values.end(), ch.vals.begin(), ch.vals.end());
    std::vector<float>().swap(ch.vals);
  }
  if (f.values.empty()) {
    fail(path, 0, "no values (the file holds only blank lines)");
  }
  return f;
}

}  // namespace io::detail
SNICIT_NAMESPACE_END
