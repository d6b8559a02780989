// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file adaptive.cuh
 * @brief Kernel of the automatic threshold detector: counts the probe rows whose residue against
 * the nearest centroid would be non-empty (reference::threshold_check).
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/common.cuh>
#include <snicit/types.hpp>

#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/**
 * One block per probe i < P' = min(probes, A), A = *d_num_live; probe i is live entry
 * floor(i * A / P'). A probe that is a centroid (live positions centroids[0..k)) increments
 * *d_excluded; otherwise the block's warps share out the centroids (warp w compares centroids w,
 * w + Warps, ...; each lane loads Unroll entries before the warp votes) and the probe is empty
 * as soon as one centroid has no entry with |y_p - y_c| > tau; *d_nonempty is incremented when
 * none does. The count does not depend on the order of the comparisons.
 */
template <int Warps, class Value>
SNICIT_KERNEL void __launch_bounds__(Warps * 32)
    probe_residues_kernel(DenseView<Value const> y,
                          row_index const* live_rows,
                          row_index const* d_num_live,
                          std::int64_t probes,
                          row_index const* centroids,
                          row_index const* d_num_centroids,
                          Value tau,
                          row_index* d_nonempty,
                          row_index* d_excluded) {
  constexpr int unroll = 8;
  __shared__ int empty_found;
  std::int64_t const a = *d_num_live;
  std::int64_t const p = probes < a ? probes : a;
  std::int64_t const i = static_cast<std::int64_t>(blockIdx.x);
  if (i >= p) {
    return;  // uniform over the block
  }
  int const lane = static_cast<int>(threadIdx.x % 32);
  int const warp = static_cast<int>(threadIdx.x / 32);
  std::int64_t const kc = *d_num_centroids;
  std::int64_t const n = y.cols;
  std::int64_t const pos = (i * a) / p;
  // The centroids' rows are looked up once per block (two dependent loads each), so the
  // comparisons below wait only for the rows themselves.
  constexpr int cached = 256;
  __shared__ std::int64_t cen_rows[cached];
  int mine = 0;
  for (std::int64_t c = threadIdx.x; c < kc; c += Warps * 32) {
    row_index const cp = centroids[c];
    mine = mine != 0 || cp == pos ? 1 : 0;
    if (c < cached) {
      cen_rows[c] = list_row(live_rows, cp);
    }
  }
  if (threadIdx.x == 0) {
    empty_found = 0;
  }
  if (__syncthreads_or(mine) != 0) {
    if (threadIdx.x == 0) {
      atomicAdd(d_excluded, row_index{1});
    }
    return;  // uniform over the block
  }
  Value const* row = y.row(list_row(live_rows, pos));
  for (std::int64_t c = warp; c < kc; c += Warps) {
    // The flag is shared by the warps: lane 0 reads it atomically, the warp follows its value.
    int const found = __shfl_sync(0xffffffffu, lane == 0 ? atomicOr(&empty_found, 0) : 0, 0);
    if (found != 0) {
      break;  // another warp found a centroid equal to the probe
    }
    Value const* cen = y.row(c < cached ? cen_rows[c] : list_row(live_rows, centroids[c]));
    bool differs = false;
    for (std::int64_t j0 = 0; j0 < n && !differs; j0 += 32 * unroll) {
      int d = 0;
#pragma unroll
      for (int u = 0; u < unroll; ++u) {
        std::int64_t const j = j0 + u * 32 + lane;
        if (j < n) {
          d |= abs_value(sub_rn(row[j], cen[j])) > tau ? 1 : 0;
        }
      }
      differs = __any_sync(0xffffffffu, d) != 0;
    }
    if (!differs) {
      if (lane == 0) {
        atomicExch(&empty_found, 1);
      }
      break;
    }
  }
  __syncthreads();
  if (threadIdx.x == 0 && empty_found == 0) {
    atomicAdd(d_nonempty, row_index{1});
  }
}

/**
 * One block per snapshot row r < samples + probes. Rows r < samples are the sampling's picks
 * (i = r < s' = min(samples, A): live entry floor(i A / s') when strided, i otherwise), rows
 * samples + i the probes (i < P' = min(probes, A): live entry floor(i A / P')), A = *d_num_live.
 * Copies the row into snap.row(r) and sets map[live entry] = r (a sample and a probe of the same
 * entry write identical copies, either index is right). Block 0 copies A into *d_live_copy.
 */
template <int BlockThreads, class Value>
SNICIT_KERNEL void __launch_bounds__(BlockThreads)
    snapshot_check_rows_kernel(DenseView<Value const> y,
                               row_index const* live_rows,
                               row_index const* d_num_live,
                               std::int64_t samples,
                               bool strided,
                               std::int64_t probes,
                               DenseView<Value> snap,
                               row_index* map,
                               row_index* d_live_copy) {
  std::int64_t const a = *d_num_live;
  std::int64_t const r = blockIdx.x;
  if (r == 0 && threadIdx.x == 0) {
    *d_live_copy = static_cast<row_index>(a);
  }
  std::int64_t pos = 0;
  if (r < samples) {
    std::int64_t const s = samples < a ? samples : a;
    if (r >= s) {
      return;  // uniform over the block
    }
    pos = strided ? (r * a) / s : r;
  } else {
    std::int64_t const p = probes < a ? probes : a;
    std::int64_t const i = r - samples;
    if (i >= p) {
      return;  // uniform over the block
    }
    pos = (i * a) / p;
  }
  Value const* src = y.row(list_row(live_rows, pos));
  Value* dst = snap.row(r);
  for (std::int64_t j = threadIdx.x; j < y.cols; j += BlockThreads) {
    dst[j] = src[j];
  }
  if (threadIdx.x == 0) {
    map[pos] = static_cast<row_index>(r);
  }
}

}  // namespace detail
SNICIT_NAMESPACE_END
