// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file weight_stream.cuh
 * @brief Out-of-core weights for snicit::Engine (EngineOptions::weights = host_streamed): every
 * layer's CSR stays in pinned host memory and is copied to one of two device slots just ahead of
 * its use, on a copy stream of its own, so the copy of layer l+1 overlaps the compute of layer l
 * (double buffering). Events order the two streams: a layer's launch waits for its copy, and the
 * copy into a slot waits for the launch that last read it. No host synchronisation, no
 * allocation per layer. See docs/scale-out.md.
 */

#include <snicit/config.hpp>
#include <snicit/detail/engine_support.cuh>
#include <snicit/error.hpp>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/memory/pinned_buffer.hpp>
#include <snicit/network.hpp>
#include <snicit/stream.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

SNICIT_NAMESPACE_BEGIN

/// Where snicit::Engine keeps the layer weights (EngineOptions::weights).
enum class WeightResidency {
  device,         ///< uploaded once at construction (the default)
  host_streamed,  ///< pinned host memory, streamed layer by layer (stateless spMM backends only)
  automatic,      ///< host_streamed when the resident weights would not fit, else device
};

namespace detail {

/// A move-only CUDA event without timing (cross-stream ordering only).
class SyncEvent {
 public:
  SyncEvent() {
    SNICIT_CUDA_TRY(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming));
  }
  SyncEvent(SyncEvent const&) = delete;
  SyncEvent& operator=(SyncEvent const&) = delete;
  SyncEvent(SyncEvent&& o) noexcept : event_(std::exchange(o.event_, nullptr)) {}
  SyncEvent& operator=(SyncEvent&& o) noexcept {
    std::swap(event_, o.event_);
    return *this;
  }
  ~SyncEvent() {
    if (event_ != nullptr) {
      SNICIT_CUDA_TRY_NO_THROW(cudaEventDestroy(event_));
    }
  }
  [[nodiscard]] cudaEvent_t get() const noexcept {
    return event_;
  }

 private:
  cudaEvent_t event_ = nullptr;
};

/// Device bytes of the streamed mode for `layers` in `layout`: two slots of the largest layer
/// plus every bias.
template <class Value>
[[nodiscard]] std::size_t streamed_weight_bytes(std::vector<SparseLayer<Value>> const& layers,
                                                WeightLayout layout) {
  std::size_t max_off = 1;
  std::size_t max_nnz = 1;
  bool any_values = false;
  for (auto const& l : layers) {
    auto const& w = l.weights;
    std::int64_t const major = layout == WeightLayout::by_output ? w.cols : w.rows;
    max_off = std::max(max_off, static_cast<std::size_t>(major + 1));
    max_nnz = std::max(max_nnz, static_cast<std::size_t>(w.nnz()));
    any_values = any_values || !(w.nnz() > 0 && w.has_uniform_values());
  }
  std::size_t bias = 0;
  for (auto const& l : layers) {
    bias += static_cast<std::size_t>(l.weights.cols) * sizeof(Value);
  }
  return bias + 2 * (max_off * sizeof(std::int32_t) + max_nnz * sizeof(std::int32_t) +
                     (any_values ? max_nnz * sizeof(Value) : 0));
}

/// A device layer of the streamed mode: the bias only (the weights come from a WeightStreamer).
/// `h_bias` must stay alive until the stream is synchronised (pageable source).
template <class Value, class Allocator>
DeviceLayer<Value, Allocator> make_bias_layer(SparseLayer<Value> const& layer,
                                              std::vector<Value>& h_bias,
                                              Allocator const& alloc,
                                              cuda::stream_ref stream) {
  auto const& w = layer.weights;
  DeviceLayer<Value, Allocator> d;
  d.inputs = w.rows;
  d.outputs = w.cols;
  h_bias.resize(static_cast<std::size_t>(w.cols));
  for (std::int64_t j = 0; j < w.cols; ++j) {
    h_bias[static_cast<std::size_t>(j)] = layer.bias_at(j);
  }
  d.bias = DeviceBuffer<Value, Allocator>(h_bias.size(), stream, alloc);
  upload(d.bias.data(), h_bias.data(), h_bias.size(), stream);
  return d;
}

/**
 * @brief Pinned host copies of every layer and two device slots they are streamed through.
 *
 * Per round the engine calls begin(stream) once, then acquire(l) / release(l) around the launch
 * of each layer l (0-based) in increasing order. acquire returns the weights as the spMM policy
 * sees them (in the slot l % 2); release lets the slot be refilled with layer l + 2. A layer
 * asked for out of sequence is copied on demand (correct, just not overlapped).
 */
template <class Value, class Allocator>
class WeightStreamer {
 public:
  WeightStreamer(std::vector<SparseLayer<Value>> const& layers,
                 WeightLayout layout,
                 Allocator const& alloc,
                 cuda::stream_ref stream) {
    std::size_t n_off = 0;
    std::size_t n_idx = 0;
    std::size_t n_val = 0;
    std::size_t max_off = 1;
    std::size_t max_nnz = 1;
    for (auto const& l : layers) {
      auto const& w = l.weights;
      std::int64_t const major = layout == WeightLayout::by_output ? w.cols : w.rows;
      n_off += static_cast<std::size_t>(major + 1);
      n_idx += static_cast<std::size_t>(w.nnz());
      n_val += w.nnz() > 0 && w.has_uniform_values() ? 0 : static_cast<std::size_t>(w.nnz());
      max_off = std::max(max_off, static_cast<std::size_t>(major + 1));
      max_nnz = std::max(max_nnz, static_cast<std::size_t>(w.nnz()));
    }
    h_offsets_ = PinnedBuffer<std::int32_t>(n_off);
    h_indices_ = PinnedBuffer<std::int32_t>(std::max<std::size_t>(n_idx, 1));
    h_values_ = PinnedBuffer<Value>(n_val);
    std::vector<std::int32_t> off;
    std::vector<std::int32_t> idx;
    std::vector<Value> val;
    std::vector<Value> bias;
    std::size_t at_off = 0;
    std::size_t at_idx = 0;
    std::size_t at_val = 0;
    for (auto const& l : layers) {
      auto const shape = host_layer_arrays(l, layout, off, idx, val, bias);
      Entry e;
      e.off = at_off;
      e.idx = at_idx;
      e.val = shape.uniform ? npos : at_val;
      e.view.rows = shape.major;
      e.view.cols = shape.minor;
      e.view.nnz = shape.nnz;
      e.view.uniform_value = shape.uniform_value;
      std::memcpy(h_offsets_.data() + at_off, off.data(), off.size() * sizeof(std::int32_t));
      std::memcpy(h_indices_.data() + at_idx, idx.data(), idx.size() * sizeof(std::int32_t));
      if (!shape.uniform && !val.empty()) {
        std::memcpy(h_values_.data() + at_val, val.data(), val.size() * sizeof(Value));
      }
      at_off += off.size();
      at_idx += idx.size();
      at_val += shape.uniform ? 0 : val.size();
      entries_.push_back(e);
    }
    for (auto& s : slots_) {
      s.offsets = DeviceBuffer<std::int32_t, Allocator>(max_off, stream, alloc);
      s.indices = DeviceBuffer<std::int32_t, Allocator>(max_nnz, stream, alloc);
      if (n_val > 0) {
        s.values = DeviceBuffer<Value, Allocator>(max_nnz, stream, alloc);
      }
    }
  }

  WeightStreamer(WeightStreamer const&) = delete;
  WeightStreamer& operator=(WeightStreamer const&) = delete;
  ~WeightStreamer() {
    // The copy stream may still be filling a slot for the next round: let it finish before the
    // slots and the pinned source are released.
    SNICIT_CUDA_TRY_NO_THROW(cudaStreamSynchronize(copy_.get()));
  }

  /// Pinned host bytes held.
  [[nodiscard]] std::size_t host_bytes() const noexcept {
    return (h_offsets_.size() + h_indices_.size()) * sizeof(std::int32_t) +
           h_values_.size() * sizeof(Value);
  }

  /// Queues the copies of layers 0 and 1 (unless already there) at the start of a round.
  void begin(cuda::stream_ref stream) {
    for (std::size_t l = 0; l < std::min<std::size_t>(2, entries_.size()); ++l) {
      if (slots_[l % 2].layer != static_cast<std::int64_t>(l)) {
        prefetch(l, stream);
      }
    }
  }

  /// Makes `stream` wait for layer `l`'s copy and returns its weights in the slot.
  [[nodiscard]] CsrView<Value> acquire(std::size_t l, cuda::stream_ref stream) {
    Slot& s = slots_[l % 2];
    if (s.layer != static_cast<std::int64_t>(l)) {
      prefetch(l, stream);  // out of sequence: copy now
    }
    SNICIT_CUDA_TRY(cudaStreamWaitEvent(stream.get(), s.copied.get(), 0));
    Entry const& e = entries_[l];
    CsrView<Value> v = e.view;
    v.row_offsets = s.offsets.data();
    v.col_indices = s.indices.data();
    v.values = e.val == npos ? nullptr : s.values.data();
    return v;
  }

  /// Marks layer `l`'s slot as read by the work queued so far and prefetches layer l + 2.
  void release(std::size_t l, cuda::stream_ref stream) {
    Slot& s = slots_[l % 2];
    SNICIT_CUDA_TRY(cudaEventRecord(s.consumed.get(), stream.get()));
    s.used = true;
    if (l + 2 < entries_.size()) {
      prefetch(l + 2, stream);
    }
  }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  struct Entry {
    std::size_t off = 0;  ///< first offset in h_offsets_
    std::size_t idx = 0;  ///< first index in h_indices_
    std::size_t val = 0;  ///< first value in h_values_, npos when uniform
    CsrView<Value> view;  ///< shape, nnz and uniform value (pointers filled per slot)
  };
  struct Slot {
    DeviceBuffer<std::int32_t, Allocator> offsets;
    DeviceBuffer<std::int32_t, Allocator> indices;
    DeviceBuffer<Value, Allocator> values;
    SyncEvent copied;    ///< recorded on the copy stream after the slot's copy
    SyncEvent consumed;  ///< recorded on the compute stream after the slot's last reader
    std::int64_t layer = -1;
    bool used = false;
  };

  /// Copies layer `l` into its slot on the copy stream, after the slot's last reader and after
  /// the work queued so far on `stream` (so a slot is never overwritten while read).
  void prefetch(std::size_t l, cuda::stream_ref stream) {
    (void)stream;
    Slot& s = slots_[l % 2];
    if (s.used) {
      SNICIT_CUDA_TRY(cudaStreamWaitEvent(copy_.get(), s.consumed.get(), 0));
    }
    Entry const& e = entries_[l];
    auto const n_off = static_cast<std::size_t>(e.view.rows + 1);
    auto const nnz = static_cast<std::size_t>(e.view.nnz);
    auto copy = [&](void* dst, void const* src, std::size_t bytes) {
      if (bytes > 0) {
        SNICIT_CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, copy_.get()));
      }
    };
    copy(s.offsets.data(), h_offsets_.data() + e.off, n_off * sizeof(std::int32_t));
    copy(s.indices.data(), h_indices_.data() + e.idx, nnz * sizeof(std::int32_t));
    if (e.val != npos) {
      copy(s.values.data(), h_values_.data() + e.val, nnz * sizeof(Value));
    }
    SNICIT_CUDA_TRY(cudaEventRecord(s.copied.get(), copy_.get()));
    s.layer = static_cast<std::int64_t>(l);
  }

  PinnedBuffer<std::int32_t> h_offsets_;
  PinnedBuffer<std::int32_t> h_indices_;
  PinnedBuffer<Value> h_values_;
  std::vector<Entry> entries_;
  Stream copy_;  ///< the copy stream (non-blocking)
  Slot slots_[2];
};

}  // namespace detail
SNICIT_NAMESPACE_END
