// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_tiled.cuh
 * @brief `snicit::kernels::SpmmBackend<spmm::RegisterTiled<...>>`: the register-tiled spMM
 * backend. Its per-layer state is the layer's weights as a sliced ELL by output (built on the
 * host and uploaded once by `prepare`); the stateless `launch` falls back to the RowGather
 * kernel on the engine's CSR upload (W^T). Include it (or <snicit/engine.cuh>, which includes
 * it) before naming an Engine with this policy.
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/prepare_device.cuh>
#include <snicit/detail/kernels/spmm.cuh>
#include <snicit/detail/kernels/spmm_tiled.cuh>
#include <snicit/error.hpp>
#include <snicit/kernels/spmm.cuh>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/network.hpp>
#include <snicit/policy/spmm_tiled.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

/// RegisterTiled: `ceil(bound / RowsPerThread)` blocks of BlockThreads threads.
template <int BlockThreads, int RowsPerThread, int MaxSharedKiB>
struct SpmmBackend<spmm::RegisterTiled<BlockThreads, RowsPerThread, MaxSharedKiB>> {
  using policy = spmm::RegisterTiled<BlockThreads, RowsPerThread, MaxSharedKiB>;
  static constexpr int rows = RowsPerThread;
  static constexpr int slice = policy::slice_width;

  /// One layer's sliced ELL on the device (owning, movable).
  template <class Value, class Allocator>
  struct layer_state {
    DeviceBuffer<std::int64_t, Allocator> slice_offsets;
    DeviceBuffer<std::int32_t, Allocator> lengths;
    DeviceBuffer<std::int32_t, Allocator> indices;
    DeviceBuffer<Value, Allocator> values;  ///< empty when the layer's weights are all equal
    detail::SlicedEllView<Value> view;      ///< what the kernel reads
  };

  /**
   * @brief Builds the sliced ELL of `layer` on the host and uploads it on `stream`; synchronises
   * `stream` before returning (the host staging is freed on return).
   * @throws snicit::LogicError when the padded layout exceeds 2^31 - 1 entries per index type
   */
  template <class Value, class Allocator>
  static layer_state<Value, Allocator> prepare(SparseLayer<Value> const& layer,
                                               std::int64_t max_rows,
                                               Allocator const& alloc,
                                               cuda::stream_ref stream) {
    (void)max_rows;
    auto const& w = layer.weights;
    std::int64_t const n_out = w.cols;
    std::int64_t const slices = (n_out + slice - 1) / slice;
    bool const uniform = w.nnz() > 0 && w.has_uniform_values();
    std::vector<std::int32_t> len(static_cast<std::size_t>(n_out), 0);
    for (auto c : w.col_indices) {
      ++len[static_cast<std::size_t>(c)];
    }
    std::vector<std::int64_t> off(static_cast<std::size_t>(slices + 1), 0);
    for (std::int64_t s = 0; s < slices; ++s) {
      std::int32_t widest = 0;
      for (std::int64_t j = s * slice; j < std::min(n_out, (s + 1) * slice); ++j) {
        widest = std::max(widest, len[static_cast<std::size_t>(j)]);
      }
      off[static_cast<std::size_t>(s + 1)] =
          off[static_cast<std::size_t>(s)] + static_cast<std::int64_t>(widest) * slice;
    }
    std::int64_t const total = off.back();
    SNICIT_EXPECTS(total < std::numeric_limits<std::int32_t>::max(),
                   "spmm RegisterTiled: the padded layer has more than 2^31 - 1 entries");
    // Inputs ascending within each output: walk the CSR by input in order.
    std::vector<std::int32_t> idx(static_cast<std::size_t>(std::max<std::int64_t>(total, 1)), 0);
    std::vector<Value> val(uniform ? 0 : static_cast<std::size_t>(std::max<std::int64_t>(total, 1)),
                           Value(0));
    std::vector<std::int32_t> fill(static_cast<std::size_t>(n_out), 0);
    for (std::int64_t i = 0; i < w.rows; ++i) {
      for (auto k = w.row_offsets[static_cast<std::size_t>(i)];
           k < w.row_offsets[static_cast<std::size_t>(i) + 1];
           ++k) {
        auto const j = static_cast<std::int64_t>(w.col_indices[static_cast<std::size_t>(k)]);
        auto const at =
            static_cast<std::size_t>(off[static_cast<std::size_t>(j / slice)] +
                                     fill[static_cast<std::size_t>(j)]++ * slice + j % slice);
        idx[at] = static_cast<std::int32_t>(i);
        if (!uniform) {
          val[at] = w.values[static_cast<std::size_t>(k)];
        }
      }
    }
    layer_state<Value, Allocator> st;
    st.slice_offsets = DeviceBuffer<std::int64_t, Allocator>(off.size(), stream, alloc);
    st.lengths =
        DeviceBuffer<std::int32_t, Allocator>(std::max<std::size_t>(len.size(), 1), stream, alloc);
    st.indices = DeviceBuffer<std::int32_t, Allocator>(idx.size(), stream, alloc);
    if (!uniform) {
      st.values = DeviceBuffer<Value, Allocator>(val.size(), stream, alloc);
    }
    auto up = [&](auto* dst, auto const& src) {
      if (!src.empty()) {
        SNICIT_CUDA_TRY(cudaMemcpyAsync(
            dst, src.data(), src.size() * sizeof(src[0]), cudaMemcpyHostToDevice, stream.get()));
      }
    };
    up(st.slice_offsets.data(), off);
    up(st.lengths.data(), len);
    up(st.indices.data(), idx);
    if (!uniform) {
      up(st.values.data(), val);
    }
    SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));  // the host vectors die on return
    st.view.slice_offsets = st.slice_offsets.data();
    st.view.lengths = st.lengths.data();
    st.view.indices = st.indices.data();
    st.view.values = uniform ? nullptr : st.values.data();
    st.view.uniform_value = uniform ? w.values.front() : Value(0);
    st.view.inputs = w.rows;
    st.view.outputs = n_out;
    return st;
  }

  /**
   * @brief Builds the same sliced ELL as `prepare` on the GPU from the layer's W^T CSR (the
   * device network's by_output upload): row lengths, slice offsets (one scan block) and the
   * entries, in four kernels; synchronises `stream` once to read the total size and the layer's
   * flags. A layer whose inputs are not strictly increasing within an output (not a valid
   * CsrView) is prepared from `host_layer()` instead, so the result is always `prepare`'s.
   * @throws snicit::LogicError as prepare; snicit::CudaError
   */
  template <class Value, class Allocator>
  static layer_state<Value, Allocator> prepare_device(DeviceLayerRef<Value> const& layer,
                                                      HostLayerFn<Value> const& host_layer,
                                                      std::int64_t max_rows,
                                                      Allocator const& alloc,
                                                      cuda::stream_ref stream) {
    static_assert(policy::weight_layout == WeightLayout::by_output);
    auto const& w = layer.weights;
    std::int64_t const n_out = layer.outputs;
    SNICIT_EXPECTS(w.rows == n_out && w.cols == layer.inputs,
                   "spmm RegisterTiled: the device layer's CSR is not W^T of its shape");
    std::int64_t const slices = (n_out + slice - 1) / slice;
    layer_state<Value, Allocator> st;
    st.slice_offsets =
        DeviceBuffer<std::int64_t, Allocator>(static_cast<std::size_t>(slices + 1), stream, alloc);
    st.lengths = DeviceBuffer<std::int32_t, Allocator>(
        static_cast<std::size_t>(std::max<std::int64_t>(n_out, 1)), stream, alloc);
    DeviceBuffer<unsigned, Allocator> flags(1, stream, alloc);
    SNICIT_CUDA_TRY(cudaMemsetAsync(flags.data(), 0, sizeof(unsigned), stream.get()));
    constexpr int tb = 256;
    auto const grid = static_cast<unsigned>((n_out + tb - 1) / tb);
    if (n_out > 0) {
      detail::csr_row_scan_kernel<Value>
          <<<grid, tb, 0, stream.get()>>>(w, st.lengths.data(), flags.data());
      SNICIT_CHECK_LAUNCH();
    }
    detail::ell_slice_offsets_kernel<1024>
        <<<1, 1024, 0, stream.get()>>>(st.lengths.data(), n_out, slice, st.slice_offsets.data());
    SNICIT_CHECK_LAUNCH();
    struct {
      std::int64_t total = 0;
      unsigned flags = 0;
      Value first = Value(0);
    } h;
    SNICIT_CUDA_TRY(cudaMemcpyAsync(&h.total,
                                    st.slice_offsets.data() + slices,
                                    sizeof(std::int64_t),
                                    cudaMemcpyDeviceToHost,
                                    stream.get()));
    SNICIT_CUDA_TRY(cudaMemcpyAsync(
        &h.flags, flags.data(), sizeof(unsigned), cudaMemcpyDeviceToHost, stream.get()));
    if (w.values != nullptr && w.nnz > 0) {
      SNICIT_CUDA_TRY(
          cudaMemcpyAsync(&h.first, w.values, sizeof(Value), cudaMemcpyDeviceToHost, stream.get()));
    }
    SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
    if ((h.flags & detail::prepare_flag_unsorted) != 0) {
      return prepare<Value, Allocator>(host_layer(), max_rows, alloc, stream);
    }
    SNICIT_EXPECTS(h.total < std::numeric_limits<std::int32_t>::max(),
                   "spmm RegisterTiled: the padded layer has more than 2^31 - 1 entries");
    // The host rule: uniform when the layer has weights and all of them compare equal.
    bool const uniform =
        w.nnz > 0 && (w.values == nullptr || (h.flags & detail::prepare_flag_nonuniform) == 0);
    auto const entries = static_cast<std::size_t>(std::max<std::int64_t>(h.total, 1));
    st.indices = DeviceBuffer<std::int32_t, Allocator>(entries, stream, alloc);
    SNICIT_CUDA_TRY(
        cudaMemsetAsync(st.indices.data(), 0, entries * sizeof(std::int32_t), stream.get()));
    if (!uniform) {
      st.values = DeviceBuffer<Value, Allocator>(entries, stream, alloc);
      SNICIT_CUDA_TRY(cudaMemsetAsync(st.values.data(), 0, entries * sizeof(Value), stream.get()));
    }
    if (n_out > 0 && w.nnz > 0) {
      detail::ell_fill_kernel<Value><<<grid, tb, 0, stream.get()>>>(
          w,
          st.slice_offsets.data(),
          slice,
          st.indices.data(),
          uniform ? static_cast<Value*>(nullptr) : st.values.data());
      SNICIT_CHECK_LAUNCH();
    }
    st.view.slice_offsets = st.slice_offsets.data();
    st.view.lengths = st.lengths.data();
    st.view.indices = st.indices.data();
    st.view.values = uniform ? nullptr : st.values.data();
    st.view.uniform_value = !uniform ? Value(0) : w.values == nullptr ? w.uniform_value : h.first;
    st.view.inputs = layer.inputs;
    st.view.outputs = n_out;
    return st;
  }

  /// The sliced-ELL kernel (the Engine's path).
  template <class Value, class Allocator, class Act>
  static void launch(SpmmArgs<Value> const& args,
                     layer_state<Value, Allocator> const& state,
                     Act const& act,
                     cuda::stream_ref stream) {
    SNICIT_EXPECTS(state.view.inputs == args.in.cols && state.view.outputs == args.out.cols,
                   "spmm RegisterTiled: the layer state maps " + std::to_string(state.view.inputs) +
                       " to " + std::to_string(state.view.outputs) + " but the arguments " +
                       std::to_string(args.in.cols) + " to " + std::to_string(args.out.cols));
    if (args.num_rows_bound == 0) {
      return;
    }
    auto const grid = static_cast<unsigned>((args.num_rows_bound + rows - 1) / rows);
    std::size_t const staged =
        static_cast<std::size_t>(rows) * static_cast<std::size_t>(args.in.cols) * sizeof(Value);
    if (staged > 0 && staged <= policy::max_shared_bytes) {
      auto* const kernel = detail::register_tiled_kernel<BlockThreads, rows, true, Value, Act>;
      if (staged > 48 * 1024) {
        // Opt-in above the 48 KiB default (a host-side function attribute, no stream work).
        SNICIT_CUDA_TRY(cudaFuncSetAttribute(
            kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(staged)));
      }
      kernel<<<grid, BlockThreads, staged, stream.get()>>>(args, state.view, act);
    } else {
      detail::register_tiled_kernel<BlockThreads, rows, false, Value, Act>
          <<<grid, BlockThreads, 0, stream.get()>>>(args, state.view, act);
    }
    SNICIT_CHECK_LAUNCH();
  }

  /// Without per-layer state: the RowGather kernel on args.weights (W^T in CSR), bit-identical.
  template <class Value, class Act>
  static void launch(SpmmArgs<Value> const& args, Act const& act, cuda::stream_ref stream) {
    if (args.num_rows_bound == 0) {
      return;
    }
    constexpr int fallback_rows = rows < 8 ? rows : 8;
    auto const grid =
        static_cast<unsigned>((args.num_rows_bound + fallback_rows - 1) / fallback_rows);
    detail::row_gather_kernel<BlockThreads, fallback_rows, false, Value, Act>
        <<<grid, BlockThreads, 0, stream.get()>>>(args, act);
    SNICIT_CHECK_LAUNCH();
  }
};

}  // namespace kernels
SNICIT_NAMESPACE_END
