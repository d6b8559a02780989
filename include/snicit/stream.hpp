// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file stream.hpp
 * @brief The stream type of the public API (`cuda::stream_ref`, non-owning) and `snicit::Stream`,
 * a small owning RAII stream for examples, tests and benchmarks.
 *
 * Every snicit call that queues GPU work takes a `cuda::stream_ref` as its last parameter, with no
 * default: the library never picks the legacy default stream on its own.
 */

#include <snicit/config.hpp>
#include <snicit/error.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <utility>

SNICIT_NAMESPACE_BEGIN

/// The non-owning stream handle taken by every snicit call that queues work.
using StreamRef = cuda::stream_ref;

/**
 * @brief An owning, move-only CUDA stream (non-blocking with respect to the legacy stream).
 *
 * Converts implicitly to `cuda::stream_ref`. The destructor synchronises nothing; it destroys the
 * stream (CUDA lets queued work finish first) and never throws.
 */
class Stream {
 public:
  /// Creates a stream with `cudaStreamNonBlocking`. @throws snicit::CudaError
  Stream() {
    SNICIT_CUDA_TRY(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  }
  /// A non-blocking stream with the device's highest scheduling priority (e.g. for short work
  /// that should overlap long kernels on another stream). @throws snicit::CudaError
  [[nodiscard]] static Stream highest_priority() {
    int least = 0;
    int greatest = 0;
    SNICIT_CUDA_TRY(cudaDeviceGetStreamPriorityRange(&least, &greatest));
    Stream s(nullptr);
    SNICIT_CUDA_TRY(cudaStreamCreateWithPriority(&s.stream_, cudaStreamNonBlocking, greatest));
    return s;
  }
  Stream(Stream const&) = delete;
  Stream& operator=(Stream const&) = delete;
  Stream(Stream&& o) noexcept : stream_(std::exchange(o.stream_, nullptr)) {}
  Stream& operator=(Stream&& o) noexcept {
    if (this != &o) {
      reset();
      stream_ = std::exchange(o.stream_, nullptr);
    }
    return *this;
  }
  ~Stream() {
    reset();
  }

  /// The raw handle.
  [[nodiscard]] cudaStream_t get() const noexcept {
    return stream_;
  }
  /// The non-owning reference taken by snicit calls.
  [[nodiscard]] cuda::stream_ref ref() const noexcept {
    return cuda::stream_ref{stream_};
  }
  operator cuda::stream_ref() const noexcept {  // NOLINT(google-explicit-constructor)
    return ref();
  }
  /// Waits for all work queued on the stream. @throws snicit::CudaError
  void synchronize() const {
    SNICIT_CUDA_TRY(cudaStreamSynchronize(stream_));
  }

 private:
  explicit Stream(std::nullptr_t) noexcept {}
  void reset() noexcept {
    if (stream_ != nullptr) {
      SNICIT_CUDA_TRY_NO_THROW(cudaStreamDestroy(stream_));
      stream_ = nullptr;
    }
  }
  cudaStream_t stream_ = nullptr;
};

SNICIT_NAMESPACE_END
