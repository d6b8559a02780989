// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file binary.hpp
 * @brief The snicit binary format (version 1): networks, classifiers, CSR and dense matrices in
 * one little-endian file with a CRC-32 over header and payload. Loads are one pass of large
 * reads straight into the destination arrays, then a parallel checksum and parallel validation.
 *
 * Layout, byte by byte, in docs/formats.md. Summary:
 *   header (64 B): magic "SNICIT\0B", u32 version = 1, u32 kind, u32 header bytes = 64,
 *                  u32 flags = 0, u64 payload bytes, u64 dims[3], u64 reserved = 0
 *   payload:       records (CSR, dense, vector), each field and array padded to 8 bytes
 *   trailer (8 B): u32 CRC-32 (zlib) of header + payload, then "SNBE"
 * A CSR record whose values are all equal stores the value once (flag bit 0).
 * Writers write `<file>.tmp` and rename it; loaders throw snicit::IoError naming the file and
 * the byte offset of the first problem.
 */

#include <snicit/config.hpp>
#include <snicit/detail/parallel.hpp>
#include <snicit/error.hpp>
#include <snicit/io/detail/file.hpp>
#include <snicit/matrix.hpp>
#include <snicit/network.hpp>

#include <zlib.h>

#if defined(__unix__)
#include <unistd.h>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

static_assert(std::endian::native == std::endian::little,
              "snicit binary I/O supports little-endian hosts only");

SNICIT_NAMESPACE_BEGIN
namespace io {

/** @brief What a snicit binary file holds. */
enum class BinaryKind {
  network,     ///< SparseNetwork<float>
  classifier,  ///< ClassifierNetwork<float>
  csr,         ///< CsrMatrix<float> (e.g. sparse input images)
  dense        ///< DenseMatrix<float> (e.g. MNIST as floats)
};

namespace detail {

inline constexpr std::array<unsigned char, 8> binary_magic = {'S', 'N', 'I', 'C', 'I', 'T', 0, 'B'};
inline constexpr std::array<unsigned char, 4> binary_end = {'S', 'N', 'B', 'E'};
inline constexpr std::uint32_t binary_version = 1;
inline constexpr std::uint64_t binary_header_bytes = 64;
inline constexpr std::uint64_t binary_trailer_bytes = 8;
inline constexpr std::uint32_t csr_flag_uniform = 1;

[[nodiscard]] inline std::uint32_t kind_code(BinaryKind k) noexcept {
  return static_cast<std::uint32_t>(k) + 1;
}
[[nodiscard]] inline char const* kind_name(std::uint32_t code) noexcept {
  switch (code) {
    case 1:
      return "network";
    case 2:
      return "classifier";
    case 3:
      return "csr";
    case 4:
      return "dense";
    default:
      return "unknown";
  }
}

/// The fixed header, in file order.
struct BinaryHeader {
  std::array<unsigned char, 8> magic = binary_magic;
  std::uint32_t version = binary_version;
  std::uint32_t kind = 0;
  std::uint32_t header_bytes = static_cast<std::uint32_t>(binary_header_bytes);
  std::uint32_t flags = 0;
  std::uint64_t payload_bytes = 0;
  std::uint64_t dims[3] = {0, 0, 0};
  std::uint64_t reserved = 0;
};
static_assert(sizeof(BinaryHeader) == binary_header_bytes &&
                  std::is_trivially_copyable_v<BinaryHeader>,
              "BinaryHeader must be 64 packed bytes");

/// Counts payload bytes (first pass of a save).
struct CountSink {
  std::uint64_t bytes = 0;
  void put(void const*, std::size_t n) noexcept {
    bytes += n;
  }
};

/// Writes to an AtomicOutput while updating the CRC.
struct FileSink {
  AtomicOutput* out = nullptr;
  std::uint32_t crc = 0;
  std::uint64_t bytes = 0;
  void put(void const* p, std::size_t n) {
    crc = crc32_update(crc, p, n);
    out->write(p, n);
    bytes += n;
  }
};

template <class Sink, class T>
void put_pod(Sink& s, T v) {
  static_assert(std::is_trivially_copyable_v<T>);
  s.put(&v, sizeof(T));
}

template <class Sink>
void put_pad8(Sink& s, std::uint64_t written) {
  static constexpr unsigned char zeros[8] = {};
  auto const r = static_cast<std::size_t>((8 - written % 8) % 8);
  if (r > 0) {
    s.put(zeros, r);
  }
}

template <class Sink, class T>
void put_array(Sink& s, T const* p, std::size_t n) {
  s.put(p, n * sizeof(T));
  put_pad8(s, n * sizeof(T));
}

template <class Sink>
void put_vector_record(Sink& s, std::vector<float> const& v) {
  put_pod<Sink, std::uint64_t>(s, v.size());
  put_array(s, v.data(), v.size());
}

template <class Sink>
void put_dense_record(Sink& s, DenseMatrix<float> const& m) {
  put_pod<Sink, std::uint64_t>(s, static_cast<std::uint64_t>(m.rows));
  put_pod<Sink, std::uint64_t>(s, static_cast<std::uint64_t>(m.cols));
  put_array(s, m.data.data(), m.data.size());
}

template <class Sink>
void put_csr_record(Sink& s, CsrMatrix<float> const& m, bool uniform) {
  put_pod<Sink, std::uint64_t>(s, static_cast<std::uint64_t>(m.rows));
  put_pod<Sink, std::uint64_t>(s, static_cast<std::uint64_t>(m.cols));
  put_pod<Sink, std::uint64_t>(s, static_cast<std::uint64_t>(m.nnz()));
  put_pod<Sink, std::uint32_t>(s, uniform ? csr_flag_uniform : 0u);
  put_pod<Sink, std::uint32_t>(s, sizeof(std::int32_t));
  put_pod<Sink, float>(s, uniform ? m.values.front() : 0.0f);
  put_pod<Sink, std::uint32_t>(s, 0u);
  put_array(s, m.row_offsets.data(), m.row_offsets.size());
  put_array(s, m.col_indices.data(), m.col_indices.size());
  if (!uniform) {
    put_array(s, m.values.data(), m.values.size());
  }
}

template <class Sink>
void put_network_body(Sink& s, SparseNetwork<float> const& net, std::vector<char> const& uniform) {
  put_pod<Sink, std::uint64_t>(s, static_cast<std::uint64_t>(net.layers.size()));
  put_pod<Sink, float>(s, net.activation_cap);
  put_pod<Sink, std::uint32_t>(s, 0u);
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    put_csr_record(s, net.layers[l].weights, uniform[l] != 0);
    put_vector_record(s, net.layers[l].bias);
  }
}

/// Which layers can store one value (checked in parallel over layers).
[[nodiscard]] inline std::vector<char> uniform_flags(SparseNetwork<float> const& net) {
  std::vector<char> u(net.layers.size(), 0);
  snicit::detail::parallel_for(
      static_cast<std::int64_t>(net.layers.size()), 0, [&](std::int64_t l) {
        auto const& w = net.layers[static_cast<std::size_t>(l)].weights;
        u[static_cast<std::size_t>(l)] = w.nnz() > 0 && w.has_uniform_values() ? 1 : 0;
      });
  return u;
}

/// Writes header + body(sink) + trailer to `path` through `path.tmp`.
template <class Body>
void write_binary(std::filesystem::path const& path,
                  BinaryKind kind,
                  std::uint64_t d0,
                  std::uint64_t d1,
                  std::uint64_t d2,
                  Body&& body) {
  CountSink count;
  body(count);
  BinaryHeader h;
  h.kind = kind_code(kind);
  h.payload_bytes = count.bytes;
  h.dims[0] = d0;
  h.dims[1] = d1;
  h.dims[2] = d2;
  AtomicOutput out(path);
  FileSink sink{&out};
  sink.put(&h, sizeof(h));
  body(sink);
  if (sink.bytes != binary_header_bytes + count.bytes) {
    throw LogicError("snicit: binary writer size mismatch (internal error)");
  }
  std::uint32_t const crc = sink.crc;
  out.write(&crc, sizeof(crc));
  out.write(binary_end.data(), binary_end.size());
  out.commit();
}

[[nodiscard]] inline std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", static_cast<unsigned>(v));
  return buf;
}

/// std::fill over all threads for large vectors.
inline void fill_parallel(std::vector<float>& v, float value) {
  auto const n = static_cast<std::int64_t>(v.size());
  int const t = n < (std::int64_t(1) << 19) ? 1 : 0;
  snicit::detail::parallel_chunks(
      n, snicit::detail::resolve_threads(t), t, [&](int, std::int64_t b, std::int64_t e) {
        std::fill(v.begin() + b, v.begin() + e, value);
      });
}

/**
 * Sequential loader: validates sizes before allocating, reads arrays straight into their
 * vectors (large ones with pread on all threads, checksummed piece by piece while in cache),
 * and defers the CRC comparison and the CSR checks (parallel) to finish(). Every error names
 * the byte offset.
 */
class BinaryReader {
 public:
  BinaryReader(std::filesystem::path path, BinaryKind expected) : path_(std::move(path)) {
    file_ = open_input(path_);
    std::error_code ec;
    size_ = std::filesystem::file_size(path_, ec);
    if (ec) {
      fail(path_, 0, "cannot get the file size: " + ec.message());
    }
    if (size_ == 0) {
      fail(path_, 0, "empty file");
    }
    if (size_ < binary_header_bytes + binary_trailer_bytes) {
      end_ = size_;
      fail_at(0,
              "truncated: " + std::to_string(size_) + " bytes, a snicit binary file has at least " +
                  std::to_string(binary_header_bytes + binary_trailer_bytes));
    }
    end_ = size_ - binary_trailer_bytes;
    read_bytes(&header_, sizeof(header_), "header");
    if (header_.magic != binary_magic) {
      fail_at(0, "not a snicit binary file (bad magic)");
    }
    if (header_.version != binary_version) {
      fail_at(8,
              "unsupported format version " + std::to_string(header_.version) +
                  " (this build reads version " + std::to_string(binary_version) + ")");
    }
    if (header_.kind != kind_code(expected)) {
      fail_at(12,
              std::string("holds a ") + kind_name(header_.kind) + " (kind " +
                  std::to_string(header_.kind) + "), expected a " + kind_name(kind_code(expected)));
    }
    if (header_.header_bytes != binary_header_bytes || header_.flags != 0 ||
        header_.reserved != 0) {
      fail_at(16, "invalid header fields (header size, flags or reserved bits)");
    }
    if (header_.payload_bytes != size_ - binary_header_bytes - binary_trailer_bytes) {
      fail_at(24,
              "the header promises " + std::to_string(header_.payload_bytes) +
                  " payload bytes but the file holds " +
                  std::to_string(size_ - binary_header_bytes - binary_trailer_bytes) +
                  " (truncated or extended file)");
    }
  }

  [[nodiscard]] BinaryHeader const& header() const noexcept {
    return header_;
  }
  [[nodiscard]] std::uint64_t offset() const noexcept {
    return off_;
  }

  /// Throws IoError "byte <off>: <reason>", noting a checksum mismatch if there is one.
  [[noreturn]] void fail_at(std::uint64_t off, std::string const& reason) const {
    std::string msg = "byte " + std::to_string(off) + ": " + reason;
    if (off > 0 && end_ >= binary_header_bytes && !file_checksum_ok()) {
      msg += " (the checksum does not match either: the file is corrupt)";
    }
    fail(path_, 0, msg);
  }

  template <class T>
  [[nodiscard]] T get(char const* what) {
    T v{};
    read_bytes(&v, sizeof(T), what);
    return v;
  }

  /// Reads n elements into v (resized), after checking they fit in the payload; skips padding.
  template <class T>
  void get_array(std::vector<T>& v, std::uint64_t n, char const* what) {
    std::uint64_t const left = end_ - off_;
    if (n > left / sizeof(T)) {
      fail_at(off_,
              std::string("truncated or corrupt: ") + what + " needs " + std::to_string(n) + " x " +
                  std::to_string(sizeof(T)) + " bytes, " + std::to_string(left) +
                  " payload bytes are left");
    }
    resize_large(v, static_cast<std::size_t>(n));
    read_bytes(v.data(), static_cast<std::size_t>(n * sizeof(T)), what);
    skip_pad(n * sizeof(T));
  }

  /// Reads a CSR record; records its arrays' offsets for the deferred checks.
  void get_csr(CsrMatrix<float>& m, std::string const& what) {
    std::uint64_t const at = off_;
    auto const rows = get<std::uint64_t>("rows");
    auto const cols = get<std::uint64_t>("cols");
    auto const nnz = get<std::uint64_t>("nnz");
    auto const flags = get<std::uint32_t>("flags");
    auto const index_bytes = get<std::uint32_t>("index bytes");
    auto const uniform_value = get<float>("uniform value");
    auto const reserved = get<std::uint32_t>("reserved");
    if (rows >= (std::uint64_t(1) << 40) ||
        cols > std::uint64_t(std::numeric_limits<std::int32_t>::max()) ||
        nnz >= (std::uint64_t(1) << 40)) {
      fail_at(at,
              what + ": implausible shape " + std::to_string(rows) + " x " + std::to_string(cols) +
                  ", nnz " + std::to_string(nnz));
    }
    if ((flags & ~csr_flag_uniform) != 0 || index_bytes != sizeof(std::int32_t) || reserved != 0) {
      fail_at(at + 24, what + ": unsupported CSR flags or index width");
    }
    m.rows = static_cast<std::int64_t>(rows);
    m.cols = static_cast<std::int64_t>(cols);
    Pending p;
    p.m = &m;
    p.what = what;
    p.offsets_at = off_;
    get_array(m.row_offsets, rows + 1, "row offsets");
    p.cols_at = off_;
    get_array(m.col_indices, nnz, "column indices");
    if ((flags & csr_flag_uniform) != 0) {
      m.values.clear();
      resize_large(m.values, static_cast<std::size_t>(nnz));
      fill_parallel(m.values, uniform_value);
    } else {
      get_array(m.values, nnz, "values");
    }
    pending_.push_back(std::move(p));
  }

  void get_vector(std::vector<float>& v, char const* what) {
    auto const n = get<std::uint64_t>(what);
    get_array(v, n, what);
  }

  void get_dense(DenseMatrix<float>& m, std::string const& what) {
    std::uint64_t const at = off_;
    auto const rows = get<std::uint64_t>("rows");
    auto const cols = get<std::uint64_t>("cols");
    if (rows >= (std::uint64_t(1) << 40) || cols >= (std::uint64_t(1) << 40) ||
        (cols > 0 && rows > (std::uint64_t(1) << 62) / cols)) {
      fail_at(at,
              what + ": implausible shape " + std::to_string(rows) + " x " + std::to_string(cols));
    }
    m.rows = static_cast<std::int64_t>(rows);
    m.cols = static_cast<std::int64_t>(cols);
    get_array(m.data, rows * cols, what.c_str());
  }

  /// Checks the end of the payload, the trailer, the CRC, and every CSR read so far.
  void finish() {
    if (off_ != end_) {
      fail_at(off_, std::to_string(end_ - off_) + " unexpected bytes before the trailer");
    }
    std::uint32_t stored = 0;
    std::array<unsigned char, 4> marker{};
    if (read_some(file_.get(), path_, &stored, 4) != 4 ||
        read_some(file_.get(), path_, marker.data(), 4) != 4) {
      fail_at(end_, "truncated trailer");
    }
    if (marker != binary_end) {
      fail_at(end_ + 4, "bad end marker (expected \"SNBE\")");
    }
    std::uint32_t const computed = checksum();
    if (computed != stored) {
      fail(path_,
           0,
           "byte " + std::to_string(end_) + ": checksum mismatch (stored " + hex(stored) +
               ", computed " + hex(computed) + "): the file is corrupt");
    }
    validate_pending();
  }

 private:
  struct Pending {  // a CSR to validate
    CsrMatrix<float>* m = nullptr;
    std::string what;
    std::uint64_t offsets_at = 0;
    std::uint64_t cols_at = 0;
  };
  /// Arrays at least this large are read by all threads (pread) in pieces, each piece
  /// checksummed while it is still in cache; smaller reads go through stdio.
  static constexpr std::size_t parallel_bytes = std::size_t(2) << 20;
  static constexpr std::size_t piece_bytes = std::size_t(1) << 20;

  void read_bytes(void* dst, std::size_t n, char const* what) {
    if (n > end_ - off_) {
      fail_at(off_,
              std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes, " +
                  std::to_string(end_ - off_) + " are left");
    }
#if defined(__unix__)
    if (n >= parallel_bytes) {
      read_parallel(static_cast<unsigned char*>(dst), n, what);
      return;
    }
#endif
    if (read_some(file_.get(), path_, dst, n) != n) {
      fail_at(off_, std::string("unexpected end of file in ") + what);
    }
    crc_ = static_cast<std::uint32_t>(crc32_z(crc_, static_cast<Bytef const*>(dst), n));
    off_ += n;
  }

#if defined(__unix__)
  // pread of [off_, off_+n) on all threads, 2 MiB pieces, CRC per piece combined in order.
  void read_parallel(unsigned char* dst, std::size_t n, char const* what) {
    std::size_t const pieces = (n + piece_bytes - 1) / piece_bytes;
    std::vector<std::uint32_t> crc(pieces, 0);
    std::vector<char> short_read(pieces, 0);
    int const fd = ::fileno(file_.get());
    auto const base = static_cast<off_t>(off_);
    snicit::detail::parallel_for(static_cast<std::int64_t>(pieces), 0, [&](std::int64_t i) {
      std::size_t const b = static_cast<std::size_t>(i) * piece_bytes;
      std::size_t const len = std::min(piece_bytes, n - b);
      std::size_t done = 0;
      while (done < len) {
        auto const r = ::pread(fd, dst + b + done, len - done, base + static_cast<off_t>(b + done));
        if (r < 0 && errno == EINTR) {
          continue;
        }
        if (r <= 0) {
          short_read[static_cast<std::size_t>(i)] = 1;
          return;
        }
        done += static_cast<std::size_t>(r);
      }
      crc[static_cast<std::size_t>(i)] = static_cast<std::uint32_t>(crc32_z(0, dst + b, len));
    });
    for (std::size_t i = 0; i < pieces; ++i) {
      if (short_read[i] != 0) {
        fail_at(off_ + i * piece_bytes,
                std::string("read error or unexpected end of file in ") + what);
      }
      std::size_t const len = std::min(piece_bytes, n - i * piece_bytes);
      crc_ = static_cast<std::uint32_t>(crc32_combine(crc_, crc[i], static_cast<z_off_t>(len)));
    }
    off_ += n;
    if (::fseeko(file_.get(), static_cast<off_t>(off_), SEEK_SET) != 0) {
      fail_at(off_, "seek failed: " + errno_text(errno));
    }
  }
#endif

  void skip_pad(std::uint64_t written) {
    auto const r = static_cast<std::size_t>((8 - written % 8) % 8);
    if (r == 0) {
      return;
    }
    std::uint64_t const at = off_;
    unsigned char pad[8] = {};
    read_bytes(pad, r, "padding");
    for (std::size_t i = 0; i < r; ++i) {
      if (pad[i] != 0) {
        fail_at(at, "non-zero padding byte");
      }
    }
  }

  /// CRC of everything read so far (header + payload once finish() reaches the trailer).
  [[nodiscard]] std::uint32_t checksum() const noexcept {
    return crc_;
  }

  // Re-reads the file to compare its CRC with the trailer (error path only).
  [[nodiscard]] bool file_checksum_ok() const {
    CFile f(path_, "rb");
    if (!f) {
      return false;
    }
    std::vector<unsigned char> buf(std::size_t(1) << 20);
    uLong crc = 0;
    std::uint64_t left = size_ - binary_trailer_bytes;
    while (left > 0) {
      auto const want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size()));
      if (std::fread(buf.data(), 1, want, f.get()) != want) {
        return false;
      }
      crc = crc32_z(crc, buf.data(), want);
      left -= want;
    }
    std::uint32_t stored = 0;
    if (std::fread(&stored, 1, 4, f.get()) != 4) {
      return false;
    }
    return stored == static_cast<std::uint32_t>(crc);
  }

  // Checks offsets (start 0, monotone, end nnz) and columns (strictly increasing, < cols) of
  // every CSR, in parallel over row blocks; reports the smallest failing byte offset.
  void validate_pending() {
    struct Task {
      std::size_t csr;
      std::int64_t rb, re;
    };
    std::vector<Task> tasks;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      auto const& m = *pending_[i].m;
      if (m.row_offsets.front() != 0) {
        fail_at(pending_[i].offsets_at, pending_[i].what + ": row offsets must start at 0");
      }
      if (m.row_offsets.back() != m.nnz()) {
        fail_at(pending_[i].offsets_at + 8 * static_cast<std::uint64_t>(m.rows),
                pending_[i].what + ": the last row offset " + std::to_string(m.row_offsets.back()) +
                    " is not nnz = " + std::to_string(m.nnz()));
      }
      std::int64_t const step = std::max<std::int64_t>(
          1, m.rows * (std::int64_t(1) << 18) / std::max<std::int64_t>(1, m.nnz()));
      for (std::int64_t r = 0; r < m.rows; r += step) {
        tasks.push_back({i, r, std::min(m.rows, r + step)});
      }
    }
    std::vector<std::uint64_t> bad_at(tasks.size(), std::numeric_limits<std::uint64_t>::max());
    std::vector<std::string> bad_why(tasks.size());
    std::int64_t total_nnz = 0;
    for (auto const& p : pending_) {
      total_nnz += p.m->nnz() + p.m->rows;
    }
    int const t = tasks.size() < 2 || total_nnz < (std::int64_t(1) << 18) ? 1 : 0;
    snicit::detail::parallel_for(static_cast<std::int64_t>(tasks.size()), t, [&](std::int64_t k) {
      auto const& task = tasks[static_cast<std::size_t>(k)];
      auto const& p = pending_[task.csr];
      auto const& m = *p.m;
      auto const nnz = m.nnz();
      auto fail_task = [&](std::uint64_t at, std::string why) {
        bad_at[static_cast<std::size_t>(k)] = at;
        bad_why[static_cast<std::size_t>(k)] = p.what + ": " + std::move(why);
      };
      for (std::int64_t r = task.rb; r < task.re; ++r) {
        auto const a = m.row_offsets[static_cast<std::size_t>(r)];
        auto const b = m.row_offsets[static_cast<std::size_t>(r) + 1];
        if (b < a || b > nnz) {
          return fail_task(p.offsets_at + 8 * static_cast<std::uint64_t>(r + 1),
                           "row offsets not monotone or beyond nnz at row " + std::to_string(r));
        }
      }
      auto const ucols = static_cast<std::uint32_t>(m.cols);
      std::int32_t const* ci = m.col_indices.data();
      for (std::int64_t r = task.rb; r < task.re; ++r) {
        auto const a = m.row_offsets[static_cast<std::size_t>(r)];
        auto const b = m.row_offsets[static_cast<std::size_t>(r) + 1];
        if (a == b) {
          continue;
        }
        // Branch-free scan first (vectorises); locate the culprit only if it fails.
        bool bad = static_cast<std::uint32_t>(ci[a]) >= ucols;
        for (auto i = a + 1; i < b; ++i) {
          bad |= (ci[i] <= ci[i - 1]) | (static_cast<std::uint32_t>(ci[i]) >= ucols);
        }
        if (!bad) {
          continue;
        }
        std::int64_t prev = -1;
        for (auto i = a; i < b; ++i) {
          std::int64_t const c = ci[i];
          if (c <= prev || c >= m.cols) {
            return fail_task(p.cols_at + 4 * static_cast<std::uint64_t>(i),
                             "column index " + std::to_string(c) + " in row " + std::to_string(r) +
                                 (c >= m.cols ? " is >= cols = " + std::to_string(m.cols)
                                              : " is not above the previous one"));
          }
          prev = c;
        }
      }
    });
    auto const worst = std::min_element(bad_at.begin(), bad_at.end());
    if (worst != bad_at.end() && *worst != std::numeric_limits<std::uint64_t>::max()) {
      fail_at(*worst, bad_why[static_cast<std::size_t>(worst - bad_at.begin())]);
    }
  }

  std::filesystem::path path_;
  CFile file_;
  std::uint64_t size_ = 0;
  std::uint64_t end_ = 0;  // start of the trailer
  std::uint64_t off_ = 0;
  BinaryHeader header_{};
  std::uint32_t crc_ = 0;
  std::vector<Pending> pending_;
};

/// Reads a network body (after the header) and checks its shapes.
inline void get_network_body(BinaryReader& rd, SparseNetwork<float>& net, std::string const& what) {
  std::uint64_t const at = rd.offset();
  auto const layers = rd.get<std::uint64_t>("layer count");
  net.activation_cap = rd.get<float>("activation cap");
  if (rd.get<std::uint32_t>("reserved") != 0) {
    rd.fail_at(at + 12, "non-zero reserved field");
  }
  if (layers > (std::uint64_t(1) << 24)) {
    rd.fail_at(at, "implausible layer count " + std::to_string(layers));
  }
  net.layers.resize(static_cast<std::size_t>(layers));
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    auto const name = what + "layer " + std::to_string(l + 1);
    std::uint64_t const layer_at = rd.offset();
    auto& layer = net.layers[l];
    rd.get_csr(layer.weights, name);
    if (l > 0 && layer.weights.rows != net.layers[l - 1].weights.cols) {
      rd.fail_at(layer_at,
                 name + ": " + std::to_string(layer.weights.rows) +
                     " inputs do not match the previous layer's " +
                     std::to_string(net.layers[l - 1].weights.cols) + " outputs");
    }
    std::uint64_t const bias_at = rd.offset();
    rd.get_vector(layer.bias, "bias");
    if (layer.bias.size() != 1 &&
        layer.bias.size() != static_cast<std::size_t>(layer.weights.cols)) {
      rd.fail_at(bias_at,
                 name + ": bias has " + std::to_string(layer.bias.size()) +
                     " entries, expected 1 or " + std::to_string(layer.weights.cols));
    }
  }
}

inline void check_dims(BinaryReader& rd, std::uint64_t d0, std::uint64_t d1, std::uint64_t d2) {
  auto const& h = rd.header();
  if (h.dims[0] != d0 || h.dims[1] != d1 || h.dims[2] != d2) {
    rd.fail_at(32,
               "header dims (" + std::to_string(h.dims[0]) + ", " + std::to_string(h.dims[1]) +
                   ", " + std::to_string(h.dims[2]) + ") do not match the content (" +
                   std::to_string(d0) + ", " + std::to_string(d1) + ", " + std::to_string(d2) +
                   ")");
  }
}

inline void check_dense_layer(DenseLayer<float> const& l, std::string const& what) {
  SNICIT_EXPECTS(
      l.weights.rows >= 0 && l.weights.cols >= 0 &&
          l.weights.data.size() == static_cast<std::size_t>(l.weights.rows * l.weights.cols),
      what + ": weights.data must have rows * cols entries");
  SNICIT_EXPECTS(l.bias.size() == static_cast<std::size_t>(l.weights.cols),
                 what + ": bias must have one entry per output");
}

inline void validate_classifier(ClassifierNetwork<float> const& c) {
  c.hidden.validate();
  SNICIT_EXPECTS(c.hidden.num_layers() > 0, "classifier: no hidden layers");
  if (c.input) {
    check_dense_layer(*c.input, "classifier input layer");
    SNICIT_EXPECTS(c.input->weights.cols == c.hidden.input_size(),
                   "classifier: input layer outputs must match the hidden input size");
  }
  check_dense_layer(c.output, "classifier output layer");
  SNICIT_EXPECTS(c.output.weights.rows == c.hidden.output_size(),
                 "classifier: output layer inputs must match the hidden output size");
}

}  // namespace detail

/**
 * @brief Tells whether `file` is a snicit binary file and of which kind (reads 16 bytes).
 * @return the kind, or std::nullopt for anything else (a TSV, a directory, a missing file, an
 *         unknown version)
 */
[[nodiscard]] inline std::optional<BinaryKind> binary_kind(std::filesystem::path const& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return std::nullopt;
  }
  detail::CFile f(file, "rb");
  if (!f) {
    return std::nullopt;
  }
  detail::BinaryHeader h;
  if (std::fread(&h, 1, 16, f.get()) != 16 || h.magic != detail::binary_magic ||
      h.version != detail::binary_version || h.kind < 1 || h.kind > 4) {
    return std::nullopt;
  }
  return static_cast<BinaryKind>(h.kind - 1);
}

/**
 * @brief Saves a sparse network (kind `network`). Layers whose values are all equal store one
 * value.
 * @throws snicit::LogicError if the network breaks an invariant (SparseNetwork::validate)
 * @throws snicit::IoError if the file cannot be written (no partial file is left)
 */
inline void save_network(std::filesystem::path const& file, SparseNetwork<float> const& net) {
  net.validate();
  auto const uniform = detail::uniform_flags(net);
  detail::write_binary(file,
                       BinaryKind::network,
                       static_cast<std::uint64_t>(net.num_layers()),
                       static_cast<std::uint64_t>(net.input_size()),
                       static_cast<std::uint64_t>(net.total_nnz()),
                       [&](auto& sink) { detail::put_network_body(sink, net, uniform); });
}

/**
 * @brief Loads a network saved by save_network.
 * @throws snicit::IoError naming the file and byte offset on a wrong magic/version/kind,
 *         truncation, checksum mismatch or inconsistent content
 */
[[nodiscard]] inline SparseNetwork<float> load_network(std::filesystem::path const& file) {
  detail::BinaryReader rd(file, BinaryKind::network);
  SparseNetwork<float> net;
  detail::get_network_body(rd, net, "");
  rd.finish();
  detail::check_dims(rd,
                     static_cast<std::uint64_t>(net.num_layers()),
                     static_cast<std::uint64_t>(net.input_size()),
                     static_cast<std::uint64_t>(net.total_nnz()));
  return net;
}

/**
 * @brief Saves a classifier (kind `classifier`): optional dense input layer, sparse hidden
 * stack, dense output layer.
 * @throws snicit::LogicError if shapes are inconsistent
 * @throws snicit::IoError if the file cannot be written (no partial file is left)
 */
inline void save_classifier(std::filesystem::path const& file,
                            ClassifierNetwork<float> const& net) {
  detail::validate_classifier(net);
  auto const uniform = detail::uniform_flags(net.hidden);
  std::uint64_t const inputs =
      static_cast<std::uint64_t>(net.input ? net.input->weights.rows : net.hidden.input_size());
  detail::write_binary(file,
                       BinaryKind::classifier,
                       static_cast<std::uint64_t>(net.hidden.num_layers()),
                       inputs,
                       static_cast<std::uint64_t>(net.output.weights.cols),
                       [&](auto& sink) {
                         using Sink = std::remove_reference_t<decltype(sink)>;
                         detail::put_pod<Sink, std::uint32_t>(sink, net.input ? 1u : 0u);
                         detail::put_pod<Sink, std::uint32_t>(sink, 0u);
                         if (net.input) {
                           detail::put_dense_record(sink, net.input->weights);
                           detail::put_vector_record(sink, net.input->bias);
                         }
                         detail::put_network_body(sink, net.hidden, uniform);
                         detail::put_dense_record(sink, net.output.weights);
                         detail::put_vector_record(sink, net.output.bias);
                       });
}

/**
 * @brief Loads a classifier saved by save_classifier.
 * @throws snicit::IoError naming the file and byte offset on a wrong magic/version/kind,
 *         truncation, checksum mismatch or inconsistent content
 */
[[nodiscard]] inline ClassifierNetwork<float> load_classifier(std::filesystem::path const& file) {
  detail::BinaryReader rd(file, BinaryKind::classifier);
  ClassifierNetwork<float> net;
  std::uint64_t const at = rd.offset();
  auto const has_input = rd.get<std::uint32_t>("input flag");
  if (has_input > 1 || rd.get<std::uint32_t>("reserved") != 0) {
    rd.fail_at(at, "invalid input-layer flag or reserved field");
  }
  if (has_input == 1) {
    net.input.emplace();
    rd.get_dense(net.input->weights, "input layer weights");
    std::uint64_t const bias_at = rd.offset();
    rd.get_vector(net.input->bias, "input layer bias");
    if (net.input->bias.size() != static_cast<std::size_t>(net.input->weights.cols)) {
      rd.fail_at(bias_at, "input layer bias size does not match its outputs");
    }
  }
  std::uint64_t const hidden_at = rd.offset();
  detail::get_network_body(rd, net.hidden, "hidden ");
  if (net.hidden.layers.empty()) {
    rd.fail_at(hidden_at, "no hidden layers");
  }
  if (net.input && net.input->weights.cols != net.hidden.input_size()) {
    rd.fail_at(hidden_at, "hidden input size does not match the input layer's outputs");
  }
  std::uint64_t const out_at = rd.offset();
  rd.get_dense(net.output.weights, "output layer weights");
  if (net.output.weights.rows != net.hidden.output_size()) {
    rd.fail_at(out_at, "output layer inputs do not match the hidden output size");
  }
  std::uint64_t const bias_at = rd.offset();
  rd.get_vector(net.output.bias, "output layer bias");
  if (net.output.bias.size() != static_cast<std::size_t>(net.output.weights.cols)) {
    rd.fail_at(bias_at, "output layer bias size does not match its outputs");
  }
  rd.finish();
  detail::check_dims(
      rd,
      static_cast<std::uint64_t>(net.hidden.num_layers()),
      static_cast<std::uint64_t>(net.input ? net.input->weights.rows : net.hidden.input_size()),
      static_cast<std::uint64_t>(net.output.weights.cols));
  return net;
}

/**
 * @brief Saves a CSR matrix (kind `csr`), e.g. sparse input images. Uniform values are stored
 * once.
 * @throws snicit::LogicError if the matrix breaks a CSR invariant
 * @throws snicit::IoError if the file cannot be written (no partial file is left)
 */
inline void save_matrix(std::filesystem::path const& file, CsrMatrix<float> const& m) {
  m.validate("save_matrix");
  bool const uniform = m.nnz() > 0 && m.has_uniform_values();
  detail::write_binary(file,
                       BinaryKind::csr,
                       static_cast<std::uint64_t>(m.rows),
                       static_cast<std::uint64_t>(m.cols),
                       static_cast<std::uint64_t>(m.nnz()),
                       [&](auto& sink) { detail::put_csr_record(sink, m, uniform); });
}

/**
 * @brief Loads a CSR matrix saved by save_matrix.
 * @throws snicit::IoError naming the file and byte offset on a wrong magic/version/kind,
 *         truncation, checksum mismatch or inconsistent content
 */
[[nodiscard]] inline CsrMatrix<float> load_csr(std::filesystem::path const& file) {
  detail::BinaryReader rd(file, BinaryKind::csr);
  CsrMatrix<float> m;
  rd.get_csr(m, "matrix");
  rd.finish();
  detail::check_dims(rd,
                     static_cast<std::uint64_t>(m.rows),
                     static_cast<std::uint64_t>(m.cols),
                     static_cast<std::uint64_t>(m.nnz()));
  return m;
}

/**
 * @brief Saves a dense matrix (kind `dense`), e.g. MNIST images as floats.
 * @throws snicit::LogicError if data.size() != rows * cols
 * @throws snicit::IoError if the file cannot be written (no partial file is left)
 */
inline void save_matrix(std::filesystem::path const& file, DenseMatrix<float> const& m) {
  SNICIT_EXPECTS(
      m.rows >= 0 && m.cols >= 0 && m.data.size() == static_cast<std::size_t>(m.rows * m.cols),
      "save_matrix: data must have rows * cols entries");
  detail::write_binary(file,
                       BinaryKind::dense,
                       static_cast<std::uint64_t>(m.rows),
                       static_cast<std::uint64_t>(m.cols),
                       0,
                       [&](auto& sink) { detail::put_dense_record(sink, m); });
}

/**
 * @brief Loads a dense matrix saved by save_matrix.
 * @throws snicit::IoError naming the file and byte offset on a wrong magic/version/kind,
 *         truncation or checksum mismatch
 */
[[nodiscard]] inline DenseMatrix<float> load_dense(std::filesystem::path const& file) {
  detail::BinaryReader rd(file, BinaryKind::dense);
  DenseMatrix<float> m;
  rd.get_dense(m, "matrix");
  rd.finish();
  detail::check_dims(rd, static_cast<std::uint64_t>(m.rows), static_cast<std::uint64_t>(m.cols), 0);
  return m;
}

}  // namespace io
SNICIT_NAMESPACE_END
