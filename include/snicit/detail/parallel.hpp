// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Host-side fork/join helpers shared by snicit::io, snicit::data and snicit::reference.
// Threads are created per call: the callers do seconds of work per call, so a pool buys nothing.

#include <snicit/config.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/// Threads to use when the caller passes 0: SNICIT_THREADS if set, else hardware_concurrency.
[[nodiscard]] inline int default_threads() {
  if (char const* env = std::getenv("SNICIT_THREADS")) {
    int const n = std::atoi(env);
    if (n > 0) {
      return n;
    }
  }
  unsigned const hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

[[nodiscard]] inline int resolve_threads(int requested) {
  return requested > 0 ? requested : default_threads();
}

/**
 * Calls fn(chunk, begin, end) for `chunks` contiguous slices of [0, n) on up to `threads` threads
 * (chunk c covers [c*n/chunks, (c+1)*n/chunks)). The first exception thrown by any chunk is
 * rethrown on the caller after every thread has joined.
 */
template <class Fn>
void parallel_chunks(std::int64_t n, int chunks, int threads, Fn&& fn) {
  if (n <= 0) {
    return;
  }
  chunks = std::max(1, chunks);
  threads = std::max(1, std::min(resolve_threads(threads), chunks));
  auto bounds = [&](int c) { return (n * c) / chunks; };
  if (threads == 1) {
    for (int c = 0; c < chunks; ++c) {
      fn(c, bounds(c), bounds(c + 1));
    }
    return;
  }
  std::exception_ptr error;
  std::mutex error_mutex;
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int c = t; c < chunks; c += threads) {
        try {
          fn(c, bounds(c), bounds(c + 1));
        } catch (...) {
          std::lock_guard lock(error_mutex);
          if (!error) {
            error = std::current_exception();
          }
          return;
        }
      }
    });
  }
  for (auto& th : pool) {
    th.join();
  }
  if (error) {
    std::rethrow_exception(error);
  }
}

/// Calls fn(i) for every i in [0, n), split into contiguous slices over `threads` threads.
template <class Fn>
void parallel_for(std::int64_t n, int threads, Fn&& fn) {
  int const t = resolve_threads(threads);
  int const chunks = static_cast<int>(std::min<std::int64_t>(n, std::int64_t(t) * 4));
  parallel_chunks(n, chunks, t, [&](int, std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) {
      fn(i);
    }
  });
}

}  // namespace detail
SNICIT_NAMESPACE_END
