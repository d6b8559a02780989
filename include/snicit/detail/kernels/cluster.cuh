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
 * reference's order, over the row staged in shared memory chunk by chunk). Block 0 stores s'
 * into *d_num_samples.
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
    // The row goes through shared memory in coalesced chunks; each segment's additions stay in
    // the reference's ascending order across chunks (its running sum waits in dst[seg]).
    constexpr std::int64_t chunk = 2048;
    __shared__ Value staged[chunk];
    for (std::int64_t c0 = 0; c0 < n; c0 += chunk) {
      std::int64_t const c1 = c0 + chunk < n ? c0 + chunk : n;
      __syncthreads();  // the previous chunk has been summed
      for (std::int64_t j = c0 + threadIdx.x; j < c1; j += BlockThreads) {
        staged[j - c0] = src[j];
      }
      __syncthreads();
      for (std::int64_t seg = threadIdx.x; seg < segments; seg += BlockThreads) {
        std::int64_t const b = seg * n / segments;
        std::int64_t const e = (seg + 1) * n / segments;
        std::int64_t const lo = b > c0 ? b : c0;
        std::int64_t const hi = e < c1 ? e : c1;
        if (lo >= hi) {
          continue;  // not in this chunk (segments <= N: none is empty)
        }
        Value sum = b >= c0 ? Value(0) : dst[seg];
        for (std::int64_t j = lo; j < hi; ++j) {
          sum = add_rn(sum, staged[j - c0]);
        }
        dst[seg] = sum;
      }
    }
  }
}

/// |#{d : |x_d - b_d| > eta}| < prune_limit, with `group` threads (lane g of them) sharing d.
template <int Group, class Value>
SNICIT_DEVICE inline bool prunes(
    Value const* x, Value const* b, std::int64_t dim, Value eta, double prune_limit, int g) {
  int count = 0;
  for (std::int64_t d = g; d < dim; d += Group) {
    count += abs_value(sub_rn(x[d], b[d])) > eta ? 1 : 0;
  }
  if constexpr (Group > 1) {
#pragma unroll
    for (int off = Group / 2; off > 0; off /= 2) {
      count += __shfl_xor_sync(0xffffffffu, count, off);
    }
  }
  return static_cast<double>(count) < prune_limit;
}

/**
 * Sample pruning (Alg. 1), one block, sequential walk. Walks the samples in order; each sample
 * still kept becomes the base and prunes every later kept sample j with
 * #{d : |F(j,d) - F(base,d)| > eta} < prune_limit (= eps * dim). One warp per compared sample.
 * `keep` is scratch of >= s' bytes. Writes the live positions of the survivors (ascending) to
 * `centroids` and their number to *d_num_centroids. Used when s' is too large for the tiled
 * kernel below (a chain of s' dependent steps, each waiting for global memory).
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
    for (std::int64_t j = base + 1 + warp; j < s; j += warps) {
      if (keep[j] == 0) {
        continue;
      }
      if (prunes<32>(f.row(j), f.row(base), f.cols, eta, prune_limit, lane) && lane == 0) {
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

/**
 * Sample pruning (Alg. 1), one block, 32 bases at a time; the same survivors as the sequential
 * walk. Dynamic shared memory: `words` = ceil(f.rows / 32) keep words, then 32 x `words`
 * similarity words. For each tile of 32 bases: (a) every pair (base b kept, later sample j kept)
 * is compared in parallel (a thread per pair when dim <= 64, else a warp) and "b would prune j"
 * is set as bit j of row b - b0; (b) one warp replays the tile's bases in order: a base still
 * kept clears its row's bits from the keep words. A base pruned inside the tile by an earlier
 * one is skipped in (b), exactly as the walk skips it. The chain is s'/32 steps instead of s'.
 */
template <int BlockThreads, class Value>
SNICIT_KERNEL void __launch_bounds__(BlockThreads)
    prune_samples_tiled_kernel(DenseView<Value const> f,
                               row_index const* d_num_samples,
                               Value eta,
                               double prune_limit,
                               std::int64_t words,
                               row_index const* sample_pos,
                               row_index* centroids,
                               row_index* d_num_centroids) {
  constexpr int warps = BlockThreads / 32;
  extern __shared__ std::uint32_t prune_bits[];
  std::uint32_t* keep = prune_bits;         // words
  std::uint32_t* sim = prune_bits + words;  // 32 x words
  std::int64_t const s = *d_num_samples;
  std::int64_t const sw = (s + 31) / 32;
  int const lane = static_cast<int>(threadIdx.x % 32);
  int const warp = static_cast<int>(threadIdx.x / 32);
  std::int64_t const dim = f.cols;
  auto const kept = [&](std::int64_t j) { return ((keep[j / 32] >> (j % 32)) & 1u) != 0; };
  for (std::int64_t w = threadIdx.x; w < sw; w += BlockThreads) {
    std::int64_t const left = s - 32 * w;
    keep[w] = left >= 32 ? 0xffffffffu : ((1u << left) - 1u);
  }
  for (std::int64_t b0 = 0; b0 < s; b0 += 32) {
    __syncthreads();  // the previous tile's replay is done with sim and has updated keep
    for (std::int64_t e = threadIdx.x; e < 32 * sw; e += BlockThreads) {
      sim[(e / sw) * words + e % sw] = 0u;
    }
    __syncthreads();  // the cleared rows visible to every thread
    // Slot p = (bi, j): base b = b0 + bi against sample j = b0 + 1 + p % span (j > b0).
    std::int64_t const span = s - b0 - 1;
    std::int64_t const pairs = 32 * span;
    if (dim <= 64) {
      for (std::int64_t p = threadIdx.x; p < pairs; p += BlockThreads) {
        std::int64_t const bi = p / span;
        std::int64_t const j = b0 + 1 + p % span;
        std::int64_t const b = b0 + bi;
        if (j > b && b < s && kept(b) && kept(j) &&
            prunes<1>(f.row(j), f.row(b), dim, eta, prune_limit, 0)) {
          atomicOr(&sim[bi * words + j / 32], 1u << (j % 32));
        }
      }
    } else {
      for (std::int64_t p = warp; p < pairs; p += warps) {
        std::int64_t const bi = p / span;
        std::int64_t const j = b0 + 1 + p % span;
        std::int64_t const b = b0 + bi;
        if (j > b && b < s && kept(b) && kept(j)) {  // uniform over the warp
          if (prunes<32>(f.row(j), f.row(b), dim, eta, prune_limit, lane) && lane == 0) {
            atomicOr(&sim[bi * words + j / 32], 1u << (j % 32));
          }
        }
      }
    }
    __syncthreads();
    if (warp == 0) {
      for (std::int64_t bi = 0; bi < 32 && b0 + bi < s; ++bi) {
        if (kept(b0 + bi)) {  // uniform: read before any lane changes it in this step
          __syncwarp();
          for (std::int64_t w = lane; w < sw; w += 32) {
            keep[w] &= ~sim[bi * words + w];
          }
        }
        __syncwarp();
      }
    }
  }
  __syncthreads();
  for (std::int64_t j = threadIdx.x; j < s; j += BlockThreads) {
    if (kept(j)) {
      std::int64_t rank = 0;
      for (std::int64_t w = 0; w < j / 32; ++w) {
        rank += __popc(keep[w]);
      }
      rank += __popc(keep[j / 32] & ((1u << (j % 32)) - 1u));
      centroids[rank] = sample_pos[j];
    }
  }
  if (threadIdx.x == 0) {
    row_index c = 0;
    for (std::int64_t w = 0; w < sw; ++w) {
      c += static_cast<row_index>(__popc(keep[w]));
    }
    *d_num_centroids = c;
  }
}

}  // namespace detail
SNICIT_NAMESPACE_END
