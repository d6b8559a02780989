// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// File plumbing of snicit::io (not public API): opening with good error messages, transparent
// gzip decompression (detected by content), block-wise reading that ends at line boundaries,
// atomic output (target.tmp + rename), gzip compression of independent members, ordered
// parallel tasks and parallel CRC-32.

#include <snicit/config.hpp>
#include <snicit/detail/parallel.hpp>
#include <snicit/error.hpp>

#include <climits>
#include <zlib.h>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace io::detail {

/// Throws snicit::IoError `<path>[:<line>]: <reason>`.
[[noreturn]] inline void fail(std::filesystem::path const& path,
                              std::uint64_t line,
                              std::string reason) {
  throw IoError(path.string(), line, std::move(reason));
}

/// strerror of the current errno as a std::string.
[[nodiscard]] inline std::string errno_text(int err) {
  return std::string(std::strerror(err));
}

/// Owning std::FILE*; closed on destruction.
class CFile {
 public:
  CFile() = default;
  CFile(std::filesystem::path const& path, char const* mode) : f_(std::fopen(path.c_str(), mode)) {}
  CFile(CFile const&) = delete;
  CFile& operator=(CFile const&) = delete;
  CFile(CFile&& other) noexcept : f_(std::exchange(other.f_, nullptr)) {}
  CFile& operator=(CFile&& other) noexcept {
    if (this != &other) {
      reset();
      f_ = std::exchange(other.f_, nullptr);
    }
    return *this;
  }
  ~CFile() {
    reset();
  }

  [[nodiscard]] std::FILE* get() const noexcept {
    return f_;
  }
  explicit operator bool() const noexcept {
    return f_ != nullptr;
  }
  /// Closes now; returns fclose's result (0 = ok).
  int close() noexcept {
    int const rc = f_ != nullptr ? std::fclose(f_) : 0;
    f_ = nullptr;
    return rc;
  }

 private:
  void reset() noexcept {
    if (f_ != nullptr) {
      std::fclose(f_);
      f_ = nullptr;
    }
  }
  std::FILE* f_ = nullptr;
};

/// Opens an existing regular (or special, non-directory) file for binary reading.
[[nodiscard]] inline CFile open_input(std::filesystem::path const& path) {
  std::error_code ec;
  auto const st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) {
    fail(path, 0, "no such file");
  }
  if (std::filesystem::is_directory(st)) {
    fail(path, 0, "is a directory, expected a file");
  }
  CFile f(path, "rb");
  if (!f) {
    fail(path, 0, "cannot open: " + errno_text(errno));
  }
  return f;
}

/// Reads up to n bytes; fewer only at end of file. Throws on a read error.
inline std::size_t read_some(std::FILE* f,
                             std::filesystem::path const& path,
                             void* dst,
                             std::size_t n) {
  std::size_t const got = n == 0 ? 0 : std::fread(dst, 1, n, f);
  if (got < n && std::ferror(f) != 0) {
    fail(path, 0, "read error: " + errno_text(errno));
  }
  return got;
}

/**
 * Asks the kernel for transparent huge pages over the whole 2 MiB pages inside [p, p+bytes)
 * (Linux, THP in "madvise" mode; a hint, errors ignored). Call it on freshly reserved, untouched
 * memory of large arrays: the first touch then faults 2 MiB at a time instead of 4 KiB, which
 * matters when loads run at memory speed.
 */
inline void advise_huge_pages(void const* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t huge = std::uintptr_t(2) << 20;
  if (p == nullptr || bytes < huge) {
    return;
  }
  auto const b = (reinterpret_cast<std::uintptr_t>(p) + huge - 1) & ~(huge - 1);
  auto const e = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(huge - 1);
  if (e > b) {
    (void)::madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);
  }
#else
  (void)p;
  (void)bytes;
#endif
}

/// Resizes an empty-or-not vector to n elements, reserving first with huge-page advice.
template <class T>
void resize_large(std::vector<T>& v, std::size_t n) {
  if (v.capacity() < n) {
    std::vector<T>().swap(v);
    v.reserve(n);
    advise_huge_pages(v.data(), n * sizeof(T));
  }
  v.resize(n);
}

/// A growable byte buffer whose new bytes are not zero-initialised.
struct Buffer {
  std::unique_ptr<char[]> data;
  std::size_t size = 0;
  std::size_t capacity = 0;

  /// Grows the capacity to at least n, keeping the first `size` bytes.
  void reserve(std::size_t n) {
    if (n <= capacity) {
      return;
    }
    auto fresh = std::make_unique_for_overwrite<char[]>(n);
    advise_huge_pages(fresh.get(), n);
    if (size > 0) {
      std::memcpy(fresh.get(), data.get(), size);
    }
    data = std::move(fresh);
    capacity = n;
  }
  [[nodiscard]] char const* begin() const noexcept {
    return data.get();
  }
  [[nodiscard]] char const* end() const noexcept {
    return data.get() + size;
  }
};

/**
 * The decompressed byte stream of a plain or gzip file. Gzip is detected by the magic bytes
 * 1f 8b, not by the name; concatenated gzip members are read as one stream. Truncated or
 * corrupt gzip data throws snicit::IoError. Not movable (zlib's state points at its stream).
 */
class ByteSource {
 public:
  explicit ByteSource(std::filesystem::path path)
      : path_(std::move(path)), file_(open_input(path_)) {
    unsigned char magic[2] = {0, 0};
    std::size_t const got = read_some(file_.get(), path_, magic, 2);
    if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
      gzip_ = true;
      in_ = std::make_unique_for_overwrite<unsigned char[]>(in_capacity);
      in_[0] = magic[0];
      in_[1] = magic[1];
      zs_.next_in = in_.get();
      zs_.avail_in = 2;
      if (inflateInit2(&zs_, 15 + 16) != Z_OK) {
        fail(path_, 0, "zlib inflateInit2 failed");
      }
      zlib_ready_ = true;
    } else {
      pending_n_ = got;
      std::memcpy(pending_, magic, got);
      std::error_code ec;
      auto const bytes = std::filesystem::file_size(path_, ec);
      plain_size_ = ec ? 0 : static_cast<std::uint64_t>(bytes);
    }
  }
  ByteSource(ByteSource const&) = delete;
  ByteSource& operator=(ByteSource const&) = delete;
  ~ByteSource() {
    if (zlib_ready_) {
      inflateEnd(&zs_);
    }
  }

  [[nodiscard]] bool gzip() const noexcept {
    return gzip_;
  }
  [[nodiscard]] std::filesystem::path const& path() const noexcept {
    return path_;
  }
  /// The size of a plain regular file when it was opened; 0 for gzip or when unknown (a hint
  /// for buffer sizes only: reads still run to the real end of the data).
  [[nodiscard]] std::uint64_t plain_size() const noexcept {
    return plain_size_;
  }

  /// Reads up to n decompressed bytes into dst; returns fewer only at the end of the data.
  std::size_t read(char* dst, std::size_t n) {
    if (!gzip_) {
      std::size_t const head = std::min(n, pending_n_);
      std::memcpy(dst, pending_ + pending_pos_, head);
      pending_pos_ += head;
      pending_n_ -= head;
      return head + read_some(file_.get(), path_, dst + head, n - head);
    }
    return inflate_into(dst, n);
  }

 private:
  static constexpr std::size_t in_capacity = std::size_t(1) << 20;

  // Refills the input buffer, keeping unread bytes; returns false at end of file.
  bool refill() {
    if (file_eof_) {
      return false;
    }
    std::size_t const keep = zs_.avail_in;
    if (keep > 0 && zs_.next_in != in_.get()) {
      std::memmove(in_.get(), zs_.next_in, keep);
    }
    consumed_before_ += static_cast<std::uint64_t>(zs_.next_in - in_.get());
    std::size_t const got = read_some(file_.get(), path_, in_.get() + keep, in_capacity - keep);
    if (got == 0) {
      file_eof_ = true;
    }
    zs_.next_in = in_.get();
    zs_.avail_in = static_cast<uInt>(keep + got);
    return got > 0;
  }

  [[nodiscard]] std::uint64_t compressed_offset() const noexcept {
    return consumed_before_ + static_cast<std::uint64_t>(zs_.next_in - in_.get());
  }

  std::size_t inflate_into(char* dst, std::size_t n) {
    std::size_t produced = 0;
    while (produced < n && !stream_done_) {
      if (!in_member_) {
        // Between members: either the end of the file, or the next gzip member.
        while (zs_.avail_in < 2 && refill()) {
        }
        if (zs_.avail_in == 0) {
          stream_done_ = true;
          break;
        }
        if (zs_.avail_in < 2 || zs_.next_in[0] != 0x1f || zs_.next_in[1] != 0x8b) {
          fail(path_,
               0,
               "corrupt gzip data: trailing garbage after the gzip stream at compressed byte " +
                   std::to_string(compressed_offset()));
        }
        in_member_ = true;
      }
      if (zs_.avail_in == 0 && !refill()) {
        fail(path_,
             0,
             "truncated gzip data: unexpected end of file after " +
                 std::to_string(compressed_offset()) + " compressed bytes (" +
                 std::to_string(total_out_ + produced) + " bytes decompressed)");
      }
      std::size_t const room = std::min<std::size_t>(n - produced, UINT_MAX / 2);
      zs_.next_out = reinterpret_cast<Bytef*>(dst + produced);
      zs_.avail_out = static_cast<uInt>(room);
      int const rc = inflate(&zs_, Z_NO_FLUSH);
      produced += room - zs_.avail_out;
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        if (inflateReset(&zs_) != Z_OK) {
          fail(path_, 0, "zlib inflateReset failed");
        }
      } else if (rc == Z_BUF_ERROR) {
        // No progress possible with the input at hand: get more (or report truncation above).
        if (zs_.avail_in > 0 && zs_.avail_out > 0) {
          fail(path_, 0, "corrupt gzip data (zlib made no progress)");
        }
      } else if (rc != Z_OK) {
        std::string const msg = zs_.msg != nullptr ? zs_.msg : "error " + std::to_string(rc);
        fail(path_,
             0,
             "corrupt gzip data: " + msg + " near compressed byte " +
                 std::to_string(compressed_offset()));
      }
    }
    total_out_ += produced;
    return produced;
  }

  std::filesystem::path path_;
  CFile file_;
  bool gzip_ = false;
  unsigned char pending_[2] = {0, 0};
  std::size_t pending_n_ = 0;
  std::size_t pending_pos_ = 0;
  std::unique_ptr<unsigned char[]> in_;
  z_stream zs_{};
  bool zlib_ready_ = false;
  bool file_eof_ = false;
  bool in_member_ = true;
  bool stream_done_ = false;
  std::uint64_t consumed_before_ = 0;
  std::uint64_t total_out_ = 0;
  std::uint64_t plain_size_ = 0;
};

/// The whole (decompressed) content of a plain or gzip file.
[[nodiscard]] inline Buffer read_whole_file(std::filesystem::path const& path) {
  ByteSource src(path);
  Buffer buf;
  std::error_code ec;
  auto const on_disk = std::filesystem::file_size(path, ec);
  std::size_t cap = ec ? std::size_t(1) << 20 : static_cast<std::size_t>(on_disk) + 1;
  if (src.gzip()) {
    cap = std::max<std::size_t>(cap * 4, std::size_t(1) << 20);
  }
  buf.reserve(cap);
  for (;;) {
    std::size_t const want = buf.capacity - buf.size;
    std::size_t const got = src.read(buf.data.get() + buf.size, want);
    buf.size += got;
    if (got < want) {
      break;
    }
    buf.reserve(buf.capacity * 2);
  }
  return buf;
}

/**
 * Reads a text file (plain or gzip) in blocks of about `block_bytes` that end just after a
 * newline (the last block ends at end of file), so every line lies within one block.
 */
class LineBlockReader {
 public:
  LineBlockReader(std::filesystem::path const& path, std::size_t block_bytes)
      : src_(path), block_(std::max<std::size_t>(block_bytes, 4096)) {}

  /// Fills `out` with the next block; returns false when nothing is left.
  bool next(Buffer& out) {
    if (done_) {
      out.size = 0;
      return false;
    }
    std::size_t cap = std::max(block_, carry_.size() * 2);
    if (auto const hint = src_.plain_size(); hint > 0 && hint >= bytes_) {
      // A small plain file gets a buffer of its size (+1 to see the end), not a whole block.
      cap = static_cast<std::size_t>(
          std::min<std::uint64_t>(cap, carry_.size() + (hint - bytes_) + 1));
    }
    out.size = 0;
    out.reserve(cap);
    std::memcpy(out.data.get(), carry_.data(), carry_.size());
    out.size = carry_.size();
    carry_.clear();
    for (;;) {
      std::size_t const want = out.capacity - out.size;
      std::size_t const got = src_.read(out.data.get() + out.size, want);
      out.size += got;
      bytes_ += got;
      if (got < want) {
        done_ = true;
        return out.size > 0;
      }
      // The buffer is full: cut after the last newline and carry the partial line over.
      char const* b = out.data.get();
      char const* p = b + out.size;
      while (p != b && p[-1] != '\n') {
        --p;
      }
      if (p != b) {
        carry_.assign(p, b + out.size);
        out.size = static_cast<std::size_t>(p - b);
        return true;
      }
      cap *= 2;  // one line longer than the block: grow and keep reading
      out.reserve(cap);
    }
  }

  /// True once the end of the data has been reached (next() will return false).
  [[nodiscard]] bool done() const noexcept {
    return done_;
  }
  /// Decompressed bytes read so far.
  [[nodiscard]] std::uint64_t bytes() const noexcept {
    return bytes_;
  }

 private:
  ByteSource src_;
  std::size_t block_;
  std::string carry_;
  bool done_ = false;
  std::uint64_t bytes_ = 0;
};

/**
 * Output that appears at its target path only when complete: writes `target.tmp`, then renames
 * it over the target on commit(). The temporary is removed if the object dies uncommitted.
 */
class AtomicOutput {
 public:
  explicit AtomicOutput(std::filesystem::path target)
      : target_(std::move(target)), tmp_(target_.string() + ".tmp"), f_(tmp_, "wb") {
    if (!f_) {
      fail(target_, 0, "cannot create " + tmp_.string() + ": " + errno_text(errno));
    }
  }
  AtomicOutput(AtomicOutput const&) = delete;
  AtomicOutput& operator=(AtomicOutput const&) = delete;
  ~AtomicOutput() {
    if (!committed_) {
      f_.close();
      std::error_code ec;
      std::filesystem::remove(tmp_, ec);
    }
  }

  void write(void const* data, std::size_t n) {
    if (n > 0 && std::fwrite(data, 1, n, f_.get()) != n) {
      fail(target_, 0, "write failed: " + errno_text(errno));
    }
    bytes_ += n;
  }
  /// Flushes, closes and renames the temporary over the target.
  void commit() {
    if (std::fflush(f_.get()) != 0) {
      fail(target_, 0, "write failed: " + errno_text(errno));
    }
    if (f_.close() != 0) {
      fail(target_, 0, "close failed: " + errno_text(errno));
    }
    std::error_code ec;
    std::filesystem::rename(tmp_, target_, ec);
    if (ec) {
      fail(target_, 0, "cannot rename " + tmp_.string() + " to the target: " + ec.message());
    }
    committed_ = true;
  }
  [[nodiscard]] std::uint64_t bytes() const noexcept {
    return bytes_;
  }

 private:
  std::filesystem::path target_;
  std::filesystem::path tmp_;
  CFile f_;
  bool committed_ = false;
  std::uint64_t bytes_ = 0;
};

/// True when the file name ends in ".gz".
[[nodiscard]] inline bool has_gz_suffix(std::filesystem::path const& path) {
  return path.extension() == ".gz";
}

/// Compresses [data, data+n) into one complete gzip member (level 6, like gzip's default).
[[nodiscard]] inline std::string gzip_member(char const* data, std::size_t n, int level = 6) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("snicit: zlib deflateInit2 failed");
  }
  std::string out;
  out.resize(static_cast<std::size_t>(deflateBound(&zs, static_cast<uLong>(n))) + 64);
  std::size_t in_off = 0;
  std::size_t out_off = 0;
  constexpr std::size_t step = std::size_t(1) << 30;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0 && in_off < n) {
      std::size_t const take = std::min(step, n - in_off);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data + in_off));
      zs.avail_in = static_cast<uInt>(take);
      in_off += take;
    }
    if (out_off == out.size()) {
      out.resize(out.size() * 2);
    }
    std::size_t const room = std::min(step, out.size() - out_off);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + out_off);
    zs.avail_out = static_cast<uInt>(room);
    int const flush = (in_off == n) ? Z_FINISH : Z_NO_FLUSH;
    rc = deflate(&zs, flush);
    out_off += room - zs.avail_out;
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      deflateEnd(&zs);
      throw std::runtime_error("snicit: zlib deflate failed");
    }
  }
  deflateEnd(&zs);
  out.resize(out_off);
  return out;
}

/**
 * Runs fn(i) for i in [0, n) on up to `threads` threads, handing out indices in order. If tasks
 * throw, rethrows the exception of the smallest failing index (so errors are deterministic);
 * tasks after a failure are skipped.
 */
template <class Fn>
void run_tasks(std::int64_t n, int threads, Fn&& fn) {
  if (n <= 0) {
    return;
  }
  int const t = static_cast<int>(
      std::min<std::int64_t>(n, std::max(1, snicit::detail::resolve_threads(threads))));
  if (t == 1) {
    for (std::int64_t i = 0; i < n; ++i) {
      fn(i);
    }
    return;
  }
  std::atomic<std::int64_t> next{0};
  std::atomic<std::int64_t> first_fail{n};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n));
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(t));
  for (int k = 0; k < t; ++k) {
    pool.emplace_back([&] {
      for (;;) {
        std::int64_t const i = next.fetch_add(1);
        if (i >= n || i > first_fail.load()) {
          return;
        }
        try {
          fn(i);
        } catch (...) {
          errors[static_cast<std::size_t>(i)] = std::current_exception();
          std::int64_t cur = first_fail.load();
          while (i < cur && !first_fail.compare_exchange_weak(cur, i)) {
          }
        }
      }
    });
  }
  for (auto& th : pool) {
    th.join();
  }
  if (first_fail.load() < n) {
    std::rethrow_exception(errors[static_cast<std::size_t>(first_fail.load())]);
  }
}

/// CRC-32 (zlib) of [p, p+n) continuing `crc`; large inputs are split over threads and combined.
[[nodiscard]] inline std::uint32_t crc32_update(std::uint32_t crc,
                                                void const* p,
                                                std::size_t n,
                                                int threads = 0) {
  auto const* bytes = static_cast<unsigned char const*>(p);
  constexpr std::size_t parallel_min = std::size_t(8) << 20;
  int const t = n < parallel_min ? 1 : snicit::detail::resolve_threads(threads);
  if (t <= 1) {
    return static_cast<std::uint32_t>(crc32_z(crc, bytes, n));
  }
  std::vector<uLong> part(static_cast<std::size_t>(t));
  std::vector<std::size_t> len(static_cast<std::size_t>(t));
  snicit::detail::parallel_chunks(
      static_cast<std::int64_t>(n), t, t, [&](int c, std::int64_t b, std::int64_t e) {
        part[static_cast<std::size_t>(c)] = crc32_z(0, bytes + b, static_cast<std::size_t>(e - b));
        len[static_cast<std::size_t>(c)] = static_cast<std::size_t>(e - b);
      });
  uLong acc = crc;
  for (int c = 0; c < t; ++c) {
    acc = crc32_combine(acc,
                        part[static_cast<std::size_t>(c)],
                        static_cast<z_off_t>(len[static_cast<std::size_t>(c)]));
  }
  return static_cast<std::uint32_t>(acc);
}

}  // namespace io::detail
SNICIT_NAMESPACE_END
