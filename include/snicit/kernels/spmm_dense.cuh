// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_dense.cuh
 * @brief The dense tensor-core spMM backend:
 * `snicit::kernels::SpmmBackend<snicit::spmm::DenseTensorCore<...>>`.
 *
 * Not included by `<snicit/engine.cuh>`: include it before instantiating
 * `snicit::Engine<float, snicit::spmm::DenseTensorCore<...>>` (needs nothing beyond the CUDA
 * runtime; sm_80 or newer for tf32, sm_70 for fp16).
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/spmm_dense.cuh>
#include <snicit/error.hpp>
#include <snicit/kernels/spmm.cuh>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/network.hpp>
#include <snicit/policy/spmm_dense.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <cuda_fp16.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

/**
 * @brief spmm::DenseTensorCore: W densified once per layer, one WMMA kernel per launch with the
 * gather, the product and the fused epilogue.
 *
 * Layer state: W (N_in x N_out) row-major, zero-padded to k_pad = ceil(N_in / 32) x 32 rows and
 * n_pad = ceil(N_out / 64) x 64 columns (at least one tile each): fp16 (`w_hi`) for fp16, fp32
 * (`w_hi`, rounded to tf32 in the kernel) for tf32, fp16 hi + fp16 lo * 2^11 (`w_hi`, `w_lo`) for
 * fp16_split. fp16 elements are kept as their 16-bit patterns.
 */
template <spmm::Precision P, int BlockRows>
struct SpmmBackend<spmm::DenseTensorCore<P, BlockRows>> {
  using policy = spmm::DenseTensorCore<P, BlockRows>;
  using storage = std::conditional_t<P == spmm::Precision::tf32, float, std::uint16_t>;

  /// Owning, movable per-layer state.
  template <class Value, class Allocator>
  struct layer_state {
    DeviceBuffer<storage, Allocator> w_hi;        ///< k_pad x n_pad
    DeviceBuffer<std::uint16_t, Allocator> w_lo;  ///< k_pad x n_pad (fp16_split only)
    std::int64_t n_in = 0;
    std::int64_t n_out = 0;
    std::int64_t k_pad = 0;
    std::int64_t n_pad = 0;
  };

  /**
   * @brief Densifies and uploads W in the operand precision; synchronises `stream` (the host
   * staging is local).
   * @throws snicit::CudaError on allocation or copy failure
   */
  template <class Value, class Allocator>
  static layer_state<Value, Allocator> prepare(SparseLayer<Value> const& layer,
                                               std::int64_t max_rows,
                                               Allocator const& alloc,
                                               cuda::stream_ref stream) {
    static_assert(std::is_same_v<Value, float>, "spmm::DenseTensorCore supports float only");
    (void)max_rows;
    auto const& w = layer.weights;
    SNICIT_EXPECTS(w.values.size() == static_cast<std::size_t>(w.nnz()),
                   "spmm::DenseTensorCore: the layer needs one value per weight");
    layer_state<Value, Allocator> s;
    s.n_in = w.rows;
    s.n_out = w.cols;
    auto round_up = [](std::int64_t n, std::int64_t t) {
      return std::max<std::int64_t>((n + t - 1) / t, 1) * t;
    };
    s.k_pad = round_up(s.n_in, policy::tile_k);
    s.n_pad = round_up(s.n_out, policy::tile_cols);
    auto const elems = static_cast<std::size_t>(s.k_pad * s.n_pad);
    std::vector<float> dense(elems, 0.0f);
    for (std::int64_t i = 0; i < w.rows; ++i) {
      for (auto k = w.row_offsets[static_cast<std::size_t>(i)];
           k < w.row_offsets[static_cast<std::size_t>(i) + 1];
           ++k) {
        dense[static_cast<std::size_t>(i * s.n_pad) +
              static_cast<std::size_t>(w.col_indices[static_cast<std::size_t>(k)])] =
            w.values[static_cast<std::size_t>(k)];
      }
    }
    auto bits = [](__half h) {
      std::uint16_t b = 0;
      std::memcpy(&b, &h, sizeof(b));
      return b;
    };
    std::vector<storage> hi(elems);
    std::vector<std::uint16_t> lo(P == spmm::Precision::fp16_split ? elems : 0);
    for (std::size_t e = 0; e < elems; ++e) {
      if constexpr (P == spmm::Precision::tf32) {
        hi[e] = dense[e];
      } else {
        __half const h = __float2half_rn(dense[e]);
        hi[e] = bits(h);
        if constexpr (P == spmm::Precision::fp16_split) {
          lo[e] = bits(__float2half_rn((dense[e] - __half2float(h)) * detail::dense_split_scale));
        }
      }
    }
    s.w_hi = DeviceBuffer<storage, Allocator>(elems, stream, alloc);
    SNICIT_CUDA_TRY(cudaMemcpyAsync(
        s.w_hi.data(), hi.data(), elems * sizeof(storage), cudaMemcpyHostToDevice, stream.get()));
    if constexpr (P == spmm::Precision::fp16_split) {
      s.w_lo = DeviceBuffer<std::uint16_t, Allocator>(elems, stream, alloc);
      SNICIT_CUDA_TRY(cudaMemcpyAsync(s.w_lo.data(),
                                      lo.data(),
                                      elems * sizeof(std::uint16_t),
                                      cudaMemcpyHostToDevice,
                                      stream.get()));
    }
    SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
    return s;
  }

  /**
   * @brief Queues the kernel: ceil(num_rows_bound / BlockRows) blocks (no allocation, no sync).
   * @throws snicit::LogicError when the layer does not match the state
   */
  template <class Value, class Allocator, class Act>
  static void launch(SpmmArgs<Value> const& args,
                     layer_state<Value, Allocator> const& s,
                     Act const& act,
                     cuda::stream_ref stream) {
    static_assert(std::is_same_v<Value, float>, "spmm::DenseTensorCore supports float only");
    SNICIT_EXPECTS(args.in.cols == s.n_in && args.out.cols == s.n_out,
                   "spmm::DenseTensorCore: the layer state was prepared for " +
                       std::to_string(s.n_in) + " -> " + std::to_string(s.n_out) +
                       " but the layer maps " + std::to_string(args.in.cols) + " -> " +
                       std::to_string(args.out.cols));
    if (args.num_rows_bound == 0) {
      return;
    }
    auto const grid = static_cast<unsigned>((args.num_rows_bound + BlockRows - 1) / BlockRows);
    using smem_t = typename detail::DenseTcTraits<P>::smem_type;
    auto const* w_hi = reinterpret_cast<smem_t const*>(s.w_hi.data());
    auto const* w_lo =
        reinterpret_cast<__half const*>(P == spmm::Precision::fp16_split ? s.w_lo.data() : nullptr);
    detail::dense_tc_kernel<P, BlockRows, Act>
        <<<grid, policy::block_threads, 0, stream.get()>>>(args, w_hi, w_lo, s.k_pad, s.n_pad, act);
    SNICIT_CHECK_LAUNCH();
  }
};

}  // namespace kernels
SNICIT_NAMESPACE_END
