// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file allocator.hpp
 * @brief The default stream-ordered device allocator and the allocator requirements.
 *
 * An allocator is a copyable type with
 * - `void* allocate(std::size_t bytes, cuda::stream_ref stream)` (throws on failure) and
 * - `void deallocate(void* p, std::size_t bytes, cuda::stream_ref stream) noexcept`,
 * the shape of `cuda::mr` asynchronous resources and of rmm, so adapters are one-liners.
 */

#include <snicit/config.hpp>
#include <snicit/error.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime_api.h>

#include <concepts>
#include <cstddef>

SNICIT_NAMESPACE_BEGIN

/// `cudaMallocAsync` / `cudaFreeAsync` on the given stream (the device's default memory pool).
struct AsyncAllocator {
  /// @throws snicit::CudaError when the pool cannot provide `bytes`
  [[nodiscard]] void* allocate(std::size_t bytes, cuda::stream_ref stream) const {
    void* p = nullptr;
    if (bytes == 0) {
      return nullptr;
    }
    SNICIT_CUDA_TRY(cudaMallocAsync(&p, bytes, stream.get()));
    return p;
  }
  /// Never throws; a failure is logged to stderr.
  void deallocate(void* p, std::size_t /*bytes*/, cuda::stream_ref stream) const noexcept {
    if (p != nullptr) {
      SNICIT_CUDA_TRY_NO_THROW(cudaFreeAsync(p, stream.get()));
    }
  }
  friend bool operator==(AsyncAllocator const&, AsyncAllocator const&) = default;
};

/// The allocator requirements as a concept.
template <class A>
concept DeviceAllocator = std::copy_constructible<A> &&
    requires(A a, std::size_t n, void* p, cuda::stream_ref s) {
  { a.allocate(n, s) } -> std::same_as<void*>;
  a.deallocate(p, n, s);
};

static_assert(DeviceAllocator<AsyncAllocator>);

SNICIT_NAMESPACE_END
