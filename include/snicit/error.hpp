// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file error.hpp
 * @brief The exception types of snicit and the macros that raise them.
 *
 * - snicit::LogicError   — a precondition or option was violated by the caller (std::logic_error).
 * - snicit::IoError      — a file could not be read or is malformed; names the file and the line.
 * - snicit::CudaError    — a CUDA runtime call failed; names the call, the source file and line.
 *
 * Host code throws; device code never throws; destructors never throw (they use
 * SNICIT_CUDA_TRY_NO_THROW, which logs to stderr).
 */

#include <snicit/config.hpp>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>

#if __has_include(<cuda_runtime_api.h>)
#include <cuda_runtime_api.h>
#define SNICIT_HAS_CUDA_RUNTIME 1
#else
#define SNICIT_HAS_CUDA_RUNTIME 0
#endif

SNICIT_NAMESPACE_BEGIN

/// A violated precondition: bad option, wrong sizes, impossible combination.
class LogicError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/**
 * @brief A file that cannot be opened, read or parsed.
 *
 * what() reads `<path>:<line>: <reason>` (or `<path>: <reason>` when no line applies);
 * path(), line() and reason() return the parts. Line numbers are 1-based; 0 means "not a line
 * of a text file" (binary files report the byte offset in the reason instead).
 */
class IoError : public std::runtime_error {
 public:
  IoError(std::string path, std::uint64_t line, std::string reason)
      : std::runtime_error(compose(path, line, reason)),
        path_(std::move(path)),
        line_(line),
        reason_(std::move(reason)) {}

  [[nodiscard]] std::string const& path() const noexcept {
    return path_;
  }
  [[nodiscard]] std::uint64_t line() const noexcept {
    return line_;
  }
  [[nodiscard]] std::string const& reason() const noexcept {
    return reason_;
  }

 private:
  static std::string compose(std::string const& path, std::uint64_t line, std::string const& r) {
    std::string s = path;
    if (line > 0) {
      s += ':' + std::to_string(line);
    }
    s += ": " + r;
    return s;
  }
  std::string path_;
  std::uint64_t line_;
  std::string reason_;
};

#if SNICIT_HAS_CUDA_RUNTIME
/// A failing CUDA runtime call; error() is the cudaError_t.
class CudaError : public std::runtime_error {
 public:
  CudaError(cudaError_t err, std::string const& what) : std::runtime_error(what), error_(err) {}
  [[nodiscard]] cudaError_t error() const noexcept {
    return error_;
  }

 private:
  cudaError_t error_;
};
#endif

namespace detail {
[[noreturn]] inline void throw_logic(char const* file, int line, std::string const& msg) {
  throw LogicError(std::string("snicit: ") + msg + " (" + file + ":" + std::to_string(line) + ")");
}
#if SNICIT_HAS_CUDA_RUNTIME
[[noreturn]] inline void throw_cuda(cudaError_t err, char const* expr, char const* file, int line) {
  throw CudaError(err,
                  std::string("snicit: CUDA error ") + cudaGetErrorName(err) + " (" +
                      cudaGetErrorString(err) + ") in `" + expr + "` at " + file + ":" +
                      std::to_string(line));
}
#endif
}  // namespace detail

SNICIT_NAMESPACE_END

/// Throws snicit::LogicError with `msg` (a std::string expression) unless `cond` holds.
#define SNICIT_EXPECTS(cond, msg)                               \
  do {                                                          \
    if (!(cond)) {                                              \
      ::snicit::detail::throw_logic(__FILE__, __LINE__, (msg)); \
    }                                                           \
  } while (0)

/// Throws snicit::LogicError with `msg`.
#define SNICIT_FAIL(msg) ::snicit::detail::throw_logic(__FILE__, __LINE__, (msg))

#if SNICIT_HAS_CUDA_RUNTIME
/// Evaluates a CUDA runtime call; on failure clears the sticky error and throws snicit::CudaError.
#define SNICIT_CUDA_TRY(expr)                                               \
  do {                                                                      \
    cudaError_t const snicit_err_ = (expr);                                 \
    if (snicit_err_ != cudaSuccess) {                                       \
      (void)cudaGetLastError();                                             \
      ::snicit::detail::throw_cuda(snicit_err_, #expr, __FILE__, __LINE__); \
    }                                                                       \
  } while (0)

/// For destructors: evaluates a CUDA call and logs a failure to stderr instead of throwing.
#define SNICIT_CUDA_TRY_NO_THROW(expr)                                   \
  do {                                                                   \
    cudaError_t const snicit_err_ = (expr);                              \
    if (snicit_err_ != cudaSuccess) {                                    \
      (void)cudaGetLastError();                                          \
      std::fprintf(stderr,                                               \
                   "snicit: CUDA error %s in `%s` at %s:%d (ignored)\n", \
                   cudaGetErrorName(snicit_err_),                        \
                   #expr,                                                \
                   __FILE__,                                             \
                   __LINE__);                                            \
    }                                                                    \
  } while (0)

/// Checks the last kernel launch; with SNICIT_DEBUG_SYNC also synchronises the device.
#if defined(SNICIT_DEBUG_SYNC)
#define SNICIT_CHECK_LAUNCH()                 \
  do {                                        \
    SNICIT_CUDA_TRY(cudaPeekAtLastError());   \
    SNICIT_CUDA_TRY(cudaDeviceSynchronize()); \
  } while (0)
#else
#define SNICIT_CHECK_LAUNCH() SNICIT_CUDA_TRY(cudaPeekAtLastError())
#endif
#endif
