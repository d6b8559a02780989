// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file pinned_buffer.hpp
 * @brief `snicit::PinnedBuffer<T>`: move-only page-locked host memory for device-to-host
 * counters and staging (asynchronous copies need pinned memory to be truly asynchronous).
 */

#include <snicit/config.hpp>
#include <snicit/error.hpp>

#include <cuda_runtime_api.h>

#include <cstddef>
#include <span>
#include <type_traits>
#include <utility>

SNICIT_NAMESPACE_BEGIN

/**
 * @brief Owns `size()` elements of page-locked host memory (`cudaMallocHost`), value-initialised
 * to zero bytes. The destructor frees it (`cudaFreeHost`, which synchronises the device) and never
 * throws.
 */
template <class T>
class PinnedBuffer {
  static_assert(std::is_trivially_copyable_v<T>, "PinnedBuffer<T>: T must be trivially copyable");

 public:
  using value_type = T;

  PinnedBuffer() = default;
  /// @throws snicit::CudaError if the allocation fails
  explicit PinnedBuffer(std::size_t size) : size_(size) {
    if (size_ > 0) {
      void* p = nullptr;
      SNICIT_CUDA_TRY(cudaMallocHost(&p, size_ * sizeof(T)));
      data_ = static_cast<T*>(p);
      for (std::size_t i = 0; i < size_; ++i) {
        data_[i] = T{};
      }
    }
  }
  PinnedBuffer(PinnedBuffer const&) = delete;
  PinnedBuffer& operator=(PinnedBuffer const&) = delete;
  PinnedBuffer(PinnedBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  PinnedBuffer& operator=(PinnedBuffer&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~PinnedBuffer() {
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
  [[nodiscard]] T& operator[](std::size_t i) noexcept {
    return data_[i];
  }
  [[nodiscard]] T const& operator[](std::size_t i) const noexcept {
    return data_[i];
  }
  [[nodiscard]] std::span<T> span() noexcept {
    return {data_, size_};
  }

 private:
  void release() noexcept {
    if (data_ != nullptr) {
      SNICIT_CUDA_TRY_NO_THROW(cudaFreeHost(data_));
    }
    data_ = nullptr;
    size_ = 0;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

SNICIT_NAMESPACE_END
