// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file cluster.cuh
 * @brief Kernels of the coarse clustering: column sampling with optional sum-downsampling, and
 * sample pruning (paper Alg. 1).
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/common.cuh>
#include <snicit/types.hpp>

#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/**
 * One block per sample i < s' = min(samples, A), A = *d_num_live. Sample i is live entry
 * k = floor(i * A / s') (strided) or k = i (first); sample_pos[i] = k. Without downsampling
 * (segments == 0) F.row(i) is a copy of the row; with n segments, F(i, j) is the sum over
 * [floor(j*N/n), floor((j+1)*N/n)) in ascending order (one thread per segment, sequential, the
 * reference's order). Block 0 stores s' into *d_num_samples.
 */
template <int BlockThreads, class Value>
SNICIT_KERNEL void __launch_bounds__(BlockThreads) sample_rows_kernel(DenseView<Value const> y,
                                                                      row_index const* live_rows,
                                                                      row_index const* d_num_live,
                                                                      std::int64_t samples,
                                                                      bool strided,
                                                                      std::int64_t segments,
                                                                      DenseView<Value> f,
                                                                      row_index* sample_pos,
                                                                      row_index* d_num_samples) {
  std::int64_t const a = *d_num_live;
  std::int64_t const s = samples < a ? samples : a;
  std::int64_t const i = blockIdx.x;
  if (i == 0 && threadIdx.x == 0) {
    *d_num_samples = static_cast<row_index>(s);
  }
  if (i >= s) {
    return;
  }
  std::int64_t const k = strided ? (i * a) / s : i;
  if (threadIdx.x == 0) {
    sample_pos[i] = static_cast<row_index>(k);
  }
  Value const* src = y.row(list_row(live_rows, k));
  Value* dst = f.row(i);
  std::int64_t const n = y.cols;
  if (segments == 0) {
    for (std::int64_t j = threadIdx.x; j < n; j += BlockThreads) {
      dst[j] = src[j];
    }
  } else {
    for (std::int64_t seg = threadIdx.x; seg < segments; seg += BlockThreads) {
      std::int64_t const b = seg * n / segments;
      std::int64_t const e = (seg + 1) * n / segments;
      Value sum = Value(0);
      for (std::int64_t j = b; j < e; ++j) {
        sum = add_rn(sum, src[j]);
      }
      dst[seg] = sum;
    }
  }
}

/**
 * Sample pruning (Alg. 1), one block. Walks the samples in order; each sample still kept becomes
 * the base and prunes every later kept sample j with #{d : |F(j,d) - F(base,d)| > eta} <
 * prune_limit (= eps * dim). One warp per compared sample. `keep` is scratch of >= s' bytes.
 * Writes the live positions of the survivors (ascending) to `centroids` and their number to
 * *d_num_centroids.
 */
template <int BlockThreads, class Value>
SNICIT_KERNEL void __launch_bounds__(BlockThreads)
    prune_samples_kernel(DenseView<Value const> f,
                         row_index const* d_num_samples,
                         Value eta,
                         double prune_limit,
                         std::uint8_t* keep,
                         row_index const* sample_pos,
                         row_index* centroids,
                         row_index* d_num_centroids) {
  constexpr int warps = BlockThreads / 32;
  std::int64_t const s = *d_num_samples;
  int const lane = static_cast<int>(threadIdx.x % 32);
  int const warp = static_cast<int>(threadIdx.x / 32);
  for (std::int64_t j = threadIdx.x; j < s; j += BlockThreads) {
    keep[j] = 1;
  }
  for (std::int64_t base = 0; base < s; ++base) {
    // keep[] is written by other warps in the previous iteration: the barrier makes those global
    // writes visible to the whole block, and keep[base] is read uniformly after it.
    __syncthreads();
    if (keep[base] == 0) {
      continue;
    }
    Value const* b = f.row(base);
    for (std::int64_t j = base + 1 + warp; j < s; j += warps) {
      if (keep[j] == 0) {
        continue;
      }
      Value const* x = f.row(j);
      int count = 0;
      for (std::int64_t d = lane; d < f.cols; d += 32) {
        count += abs_value(sub_rn(x[d], b[d])) > eta ? 1 : 0;
      }
#pragma unroll
      for (int off = 16; off > 0; off /= 2) {
        count += __shfl_xor_sync(0xffffffffu, count, off);
      }
      if (lane == 0 && static_cast<double>(count) < prune_limit) {
        keep[j] = 0;
      }
    }
  }
  __syncthreads();  // the last iteration's prunes must be visible to thread 0
  if (threadIdx.x == 0) {
    row_index c = 0;
    for (std::int64_t j = 0; j < s; ++j) {
      if (keep[j] != 0) {
        centroids[c++] = sample_pos[j];
      }
    }
    *d_num_centroids = c;
  }
}

}  // namespace detail
SNICIT_NAMESPACE_END
