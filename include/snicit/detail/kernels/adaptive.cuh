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
 * One warp per probe i < P' = min(probes, A), A = *d_num_live; probe i is live entry
 * floor(i * A / P'). A probe that is a centroid (live positions centroids[0..k)) increments
 * *d_excluded; otherwise it is empty when some centroid has no entry with |y_p - y_c| > tau, and
 * *d_nonempty is incremented (atomically) when it is not.
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
  std::int64_t const a = *d_num_live;
  std::int64_t const p = probes < a ? probes : a;
  std::int64_t const i = static_cast<std::int64_t>(blockIdx.x) * Warps + threadIdx.x / 32;
  int const lane = static_cast<int>(threadIdx.x % 32);
  if (i >= p) {
    return;
  }
  std::int64_t const kc = *d_num_centroids;
  std::int64_t const n = y.cols;
  std::int64_t const pos = (i * a) / p;
  bool is_centroid = false;
  for (std::int64_t c = 0; c < kc; ++c) {
    is_centroid = is_centroid || centroids[c] == pos;
  }
  if (is_centroid) {
    if (lane == 0) {
      atomicAdd(d_excluded, row_index{1});
    }
    return;
  }
  Value const* row = y.row(list_row(live_rows, pos));
  bool empty = false;
  for (std::int64_t c = 0; c < kc && !empty; ++c) {
    Value const* cen = y.row(list_row(live_rows, centroids[c]));
    int differs = 0;
    for (std::int64_t j = lane; j < n && differs == 0; j += 32) {
      differs = abs_value(sub_rn(row[j], cen[j])) > tau ? 1 : 0;
    }
    empty = __any_sync(0xffffffffu, differs) == 0;
  }
  if (lane == 0 && !empty) {
    atomicAdd(d_nonempty, row_index{1});
  }
}

}  // namespace detail
SNICIT_NAMESPACE_END
