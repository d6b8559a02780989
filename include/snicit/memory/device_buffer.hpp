// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file device_buffer.hpp
 * @brief `snicit::DeviceBuffer<T>`: a move-only, stream-ordered, uninitialised device array.
 */

#include <snicit/config.hpp>
#include <snicit/error.hpp>
#include <snicit/memory/allocator.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <type_traits>
#include <utility>

SNICIT_NAMESPACE_BEGIN

/**
 * @brief Owns `size()` elements of device memory obtained from `Allocator` on a stream.
 *
 * The memory is stream-ordered: it may be used by work on the allocating stream at once, and by
 * other streams after they synchronise with it. The destructor frees it on the same stream (no
 * host synchronisation) and never throws. No managed memory, no initialisation.
 *
 * @tparam T         trivially copyable element type
 * @tparam Allocator a DeviceAllocator (default: cudaMallocAsync / cudaFreeAsync)
 */
template <class T, class Allocator = AsyncAllocator>
class DeviceBuffer {
  static_assert(std::is_trivially_copyable_v<T>, "DeviceBuffer<T>: T must be trivially copyable");
  static_assert(DeviceAllocator<Allocator>, "DeviceBuffer: Allocator must satisfy DeviceAllocator");

 public:
  using value_type = T;

  /// An empty buffer (no allocation).
  DeviceBuffer() = default;

  /**
   * @brief Allocates `size` elements on `stream`.
   * @throws snicit::CudaError if the allocation fails
   */
  DeviceBuffer(std::size_t size, cuda::stream_ref stream, Allocator alloc = {})
      : alloc_(std::move(alloc)), stream_(stream), size_(size) {
    data_ = static_cast<T*>(alloc_.allocate(size_ * sizeof(T), stream_));
  }

  DeviceBuffer(DeviceBuffer const&) = delete;
  DeviceBuffer& operator=(DeviceBuffer const&) = delete;

  DeviceBuffer(DeviceBuffer&& o) noexcept
      : alloc_(std::move(o.alloc_)),
        stream_(o.stream_),
        data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)) {}

  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      alloc_ = std::move(o.alloc_);
      stream_ = o.stream_;
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }

  ~DeviceBuffer() {
    release();
  }

  [[nodiscard]] T* data() noexcept {
    return data_;
  }
  [[nodiscard]] T const* data() const noexcept {
    return data_;
  }
  [[nodiscard]] std::size_t size() const noexcept {
    return size_;
  }
  [[nodiscard]] std::size_t size_bytes() const noexcept {
    return size_ * sizeof(T);
  }
  [[nodiscard]] bool empty() const noexcept {
    return size_ == 0;
  }
  /// The stream the memory is ordered on (and will be freed on).
  [[nodiscard]] cuda::stream_ref stream() const noexcept {
    return stream_;
  }

  /**
   * @brief Grows to at least `size` elements (contents are NOT kept); no-op when large enough.
   * @throws snicit::CudaError if the allocation fails
   */
  void reserve(std::size_t size, cuda::stream_ref stream) {
    if (size <= size_) {
      return;
    }
    release();
    stream_ = stream;
    data_ = static_cast<T*>(alloc_.allocate(size * sizeof(T), stream_));
    size_ = size;
  }

  /// Queues a byte-wise memset of the whole buffer on `stream`. @throws snicit::CudaError
  void memset_async(int byte, cuda::stream_ref stream) {
    if (size_ > 0) {
      SNICIT_CUDA_TRY(cudaMemsetAsync(data_, byte, size_bytes(), stream.get()));
    }
  }

 private:
  void release() noexcept {
    if (data_ != nullptr) {
      alloc_.deallocate(data_, size_ * sizeof(T), stream_);
    }
    data_ = nullptr;
    size_ = 0;
  }

  Allocator alloc_{};
  cuda::stream_ref stream_{cudaStream_t{}};
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

SNICIT_NAMESPACE_END
