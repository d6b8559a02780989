// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file engine_support.cuh
 * @brief Host-side helpers of snicit::Engine: RAII CUDA events, the device form of a layer
 * (weights in the spMM policy's layout, expanded bias) and scratch-arena carving.
 */

#include <snicit/config.hpp>
#include <snicit/error.hpp>
#include <snicit/matrix.hpp>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/network.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/// A move-only CUDA event (timing enabled unless `flags` say otherwise); destroyed without
/// throwing.
class EventHandle {
 public:
  EventHandle() {
    SNICIT_CUDA_TRY(cudaEventCreate(&event_));
  }
  explicit EventHandle(unsigned flags) {
    SNICIT_CUDA_TRY(cudaEventCreateWithFlags(&event_, flags));
  }
  EventHandle(EventHandle const&) = delete;
  EventHandle& operator=(EventHandle const&) = delete;
  EventHandle(EventHandle&& o) noexcept : event_(std::exchange(o.event_, nullptr)) {}
  EventHandle& operator=(EventHandle&& o) noexcept {
    if (this != &o) {
      reset();
      event_ = std::exchange(o.event_, nullptr);
    }
    return *this;
  }
  ~EventHandle() {
    reset();
  }
  [[nodiscard]] cudaEvent_t get() const noexcept {
    return event_;
  }
  void record(cuda::stream_ref stream) const {
    SNICIT_CUDA_TRY(cudaEventRecord(event_, stream.get()));
  }
  /// Milliseconds from `start` to this event (both recorded and complete).
  [[nodiscard]] double ms_since(EventHandle const& start) const {
    float ms = 0.0f;
    SNICIT_CUDA_TRY(cudaEventElapsedTime(&ms, start.event_, event_));
    return static_cast<double>(ms);
  }

 private:
  void reset() noexcept {
    if (event_ != nullptr) {
      SNICIT_CUDA_TRY_NO_THROW(cudaEventDestroy(event_));
      event_ = nullptr;
    }
  }
  cudaEvent_t event_ = nullptr;
};

/// One layer on the device: the weights in the requested layout and one bias per output.
template <class Value, class Allocator>
struct DeviceLayer {
  DeviceBuffer<std::int32_t, Allocator> offsets;
  DeviceBuffer<std::int32_t, Allocator> indices;
  DeviceBuffer<Value, Allocator> values;  ///< empty when all weights are equal
  DeviceBuffer<Value, Allocator> bias;    ///< one entry per output neuron
  CsrView<Value> view;                    ///< the weights as the spMM policy sees them
  std::int64_t inputs = 0;
  std::int64_t outputs = 0;
};

/// Copies `n` elements host -> device on `stream` (pageable source; CUDA stages it).
template <class T>
void upload(T* dst, T const* src, std::size_t n, cuda::stream_ref stream) {
  if (n > 0) {
    SNICIT_CUDA_TRY(cudaMemcpyAsync(dst, src, n * sizeof(T), cudaMemcpyHostToDevice, stream.get()));
  }
}

/// Shape of a layer in the spMM policy's layout, as host_layer_arrays filled it.
template <class Value>
struct HostLayerShape {
  std::int64_t major = 0;  ///< rows of the stored CSR (outputs for by_output, inputs otherwise)
  std::int64_t minor = 0;  ///< its columns
  std::int64_t nnz = 0;
  bool uniform = false;  ///< every weight equals `uniform_value`; h_values is then empty
  Value uniform_value = Value(0);
};

/**
 * Fills host arrays with `layer` in `layout`: CSR of W (by_input) or of W^T (by_output, inputs
 * ascending within each output row), 32-bit offsets, values dropped when uniform, one bias per
 * output. Used by make_device_layer and by the streamed-weights mode (detail::WeightStreamer).
 */
template <class Value>
HostLayerShape<Value> host_layer_arrays(SparseLayer<Value> const& layer,
                                        WeightLayout layout,
                                        std::vector<std::int32_t>& h_offsets,
                                        std::vector<std::int32_t>& h_indices,
                                        std::vector<Value>& h_values,
                                        std::vector<Value>& h_bias) {
  auto const& w = layer.weights;
  SNICIT_EXPECTS(w.nnz() < std::numeric_limits<std::int32_t>::max(),
                 "a layer has more than 2^31 - 1 weights (32-bit device offsets)");
  bool const uniform = w.nnz() > 0 && w.has_uniform_values();
  std::int64_t const major = layout == WeightLayout::by_output ? w.cols : w.rows;
  h_offsets.assign(static_cast<std::size_t>(major + 1), 0);
  h_indices.resize(static_cast<std::size_t>(w.nnz()));
  h_values.resize(uniform ? 0 : static_cast<std::size_t>(w.nnz()));
  if (layout == WeightLayout::by_output) {
    for (auto c : w.col_indices) {
      ++h_offsets[static_cast<std::size_t>(c) + 1];
    }
    for (std::size_t j = 0; j < static_cast<std::size_t>(major); ++j) {
      h_offsets[j + 1] += h_offsets[j];
    }
    std::vector<std::int32_t> fill(h_offsets.begin(), h_offsets.end() - 1);
    for (std::int64_t i = 0; i < w.rows; ++i) {  // ascending inputs within each output row
      for (auto k = w.row_offsets[static_cast<std::size_t>(i)];
           k < w.row_offsets[static_cast<std::size_t>(i) + 1];
           ++k) {
        auto const j = static_cast<std::size_t>(w.col_indices[static_cast<std::size_t>(k)]);
        auto const pos = static_cast<std::size_t>(fill[j]++);
        h_indices[pos] = static_cast<std::int32_t>(i);
        if (!uniform) {
          h_values[pos] = w.values[static_cast<std::size_t>(k)];
        }
      }
    }
  } else {
    for (std::size_t i = 0; i < h_offsets.size(); ++i) {
      h_offsets[i] = static_cast<std::int32_t>(w.row_offsets[i]);
    }
    for (std::size_t k = 0; k < h_indices.size(); ++k) {
      h_indices[k] = static_cast<std::int32_t>(w.col_indices[k]);
    }
    if (!uniform) {
      h_values.assign(w.values.begin(), w.values.end());
    }
  }
  h_bias.resize(static_cast<std::size_t>(w.cols));
  for (std::int64_t j = 0; j < w.cols; ++j) {
    h_bias[static_cast<std::size_t>(j)] = layer.bias_at(j);
  }
  HostLayerShape<Value> shape;
  shape.major = major;
  shape.minor = layout == WeightLayout::by_output ? w.rows : w.cols;
  shape.nnz = w.nnz();
  shape.uniform = uniform;
  shape.uniform_value = uniform ? w.values.front() : Value(0);
  return shape;
}

/**
 * Builds the device form of `layer` (see host_layer_arrays). The host vectors must stay alive
 * until the stream is synchronised (the engine constructor does so).
 */
template <class Value, class Allocator>
DeviceLayer<Value, Allocator> make_device_layer(SparseLayer<Value> const& layer,
                                                WeightLayout layout,
                                                std::vector<std::int32_t>& h_offsets,
                                                std::vector<std::int32_t>& h_indices,
                                                std::vector<Value>& h_values,
                                                std::vector<Value>& h_bias,
                                                Allocator const& alloc,
                                                cuda::stream_ref stream) {
  auto const& w = layer.weights;
  auto const shape = host_layer_arrays(layer, layout, h_offsets, h_indices, h_values, h_bias);
  bool const uniform = shape.uniform;
  std::int64_t const major = shape.major;
  DeviceLayer<Value, Allocator> d;
  d.inputs = w.rows;
  d.outputs = w.cols;
  d.offsets = DeviceBuffer<std::int32_t, Allocator>(h_offsets.size(), stream, alloc);
  d.indices = DeviceBuffer<std::int32_t, Allocator>(h_indices.size(), stream, alloc);
  d.values = DeviceBuffer<Value, Allocator>(h_values.size(), stream, alloc);
  d.bias = DeviceBuffer<Value, Allocator>(h_bias.size(), stream, alloc);
  upload(d.offsets.data(), h_offsets.data(), h_offsets.size(), stream);
  upload(d.indices.data(), h_indices.data(), h_indices.size(), stream);
  upload(d.values.data(), h_values.data(), h_values.size(), stream);
  upload(d.bias.data(), h_bias.data(), h_bias.size(), stream);
  d.view.row_offsets = d.offsets.data();
  d.view.col_indices = d.indices.data();
  d.view.values = uniform ? nullptr : d.values.data();
  d.view.rows = major;
  d.view.cols = layout == WeightLayout::by_output ? w.rows : w.cols;
  d.view.nnz = w.nnz();
  d.view.uniform_value = uniform ? w.values.front() : Value(0);
  return d;
}

/// Carves aligned pieces out of one scratch arena (sizes first, then pointers).
class ArenaLayout {
 public:
  static constexpr std::size_t alignment = 256;
  /// Reserves `bytes`; returns the piece's offset.
  std::size_t add(std::size_t bytes) {
    std::size_t const off = total_;
    total_ += (bytes + alignment - 1) / alignment * alignment;
    return off;
  }
  [[nodiscard]] std::size_t total() const noexcept {
    return total_;
  }

 private:
  std::size_t total_ = 0;
};

}  // namespace detail
SNICIT_NAMESPACE_END
