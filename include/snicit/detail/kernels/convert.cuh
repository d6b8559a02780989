// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file convert.cuh
 * @brief The conversion kernel (paper Alg. 2): thresholded-L0 centroid assignment, residue and
 * non-empty flag.
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/common.cuh>
#include <snicit/types.hpp>

#include <cub/block/block_reduce.cuh>
#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/**
 * One block per live entry k < bound (A = *d_num_live live entries; y.row(live_rows[k]) is the
 * row). The output is packed by live position: yhat.row(k).
 * - k is a centroid (k in centroids[0..kc)): yhat_k = y_k, centroid_of[k] = -1, nonempty[k] = 1.
 * - otherwise: the centroid c with the fewest entries |y_k - y_c| > tau (strict <, so ties go to
 *   the first centroid) is chosen; centroid_of[k] = live position of c; yhat_k = y_k - y_c with
 *   |.| <= tau set to +0; nonempty[k] = any entry != 0 (negative entries count).
 * Entries k in [A, bound) get nonempty[k] = 0 so a select over `bound` flags is correct.
 * y and yhat must not overlap (centroid rows are read while other blocks write).
 */
template <int BlockThreads, class Value>
SNICIT_KERNEL void __launch_bounds__(BlockThreads) convert_kernel(DenseView<Value const> y,
                                                                  row_index const* live_rows,
                                                                  row_index const* d_num_live,
                                                                  std::int64_t bound,
                                                                  row_index const* centroids,
                                                                  row_index const* d_num_centroids,
                                                                  Value tau,
                                                                  DenseView<Value> yhat,
                                                                  row_index* centroid_of,
                                                                  std::uint8_t* nonempty) {
  using BlockReduce = cub::BlockReduce<int, BlockThreads>;
  __shared__ typename BlockReduce::TempStorage reduce_storage;
  __shared__ int best_shared;

  std::int64_t const k = blockIdx.x;
  int const tid = static_cast<int>(threadIdx.x);
  if (k >= row_count(d_num_live, bound)) {
    if (tid == 0) {
      nonempty[k] = 0;
      centroid_of[k] = -1;
    }
    return;
  }
  std::int64_t const kc = *d_num_centroids;
  std::int64_t const n = y.cols;
  Value const* row = y.row(list_row(live_rows, k));
  Value* out = yhat.row(k);

  bool is_centroid = false;
  for (std::int64_t c = 0; c < kc; ++c) {
    is_centroid = is_centroid || centroids[c] == k;
  }
  if (is_centroid || kc == 0) {
    for (std::int64_t j = tid; j < n; j += BlockThreads) {
      out[j] = row[j];
    }
    if (tid == 0) {
      centroid_of[k] = -1;
      nonempty[k] = 1;
    }
    return;
  }

  // Thresholded L0 distance to every centroid; thread 0 keeps the arg-min (strict <).
  int best = 0;
  int best_dist = 0;
  for (std::int64_t c = 0; c < kc; ++c) {
    Value const* cen = y.row(list_row(live_rows, centroids[c]));
    int cnt = 0;
    for (std::int64_t j = tid; j < n; j += BlockThreads) {
      cnt += abs_value(sub_rn(row[j], cen[j])) > tau ? 1 : 0;
    }
    int const dist = BlockReduce(reduce_storage).Sum(cnt);
    if (tid == 0 && (c == 0 || dist < best_dist)) {
      best = static_cast<int>(c);
      best_dist = dist;
    }
    if (tid == 0) {
      best_shared = best_dist == 0 ? -1 - best : best;  // negative: an exact match, stop early
    }
    __syncthreads();  // reduce_storage is reused and best_shared is read below
    int const flag = best_shared;
    __syncthreads();  // everyone has read best_shared before thread 0 may overwrite it
    if (flag < 0) {
      break;  // no later centroid can be strictly closer than distance 0
    }
  }
  if (tid == 0) {
    best_shared = best;
  }
  __syncthreads();
  best = best_shared;
  std::int64_t const cpos = centroids[best];
  Value const* cen = y.row(list_row(live_rows, cpos));
  int nz = 0;
  for (std::int64_t j = tid; j < n; j += BlockThreads) {
    Value v = sub_rn(row[j], cen[j]);
    if (abs_value(v) <= tau) {
      v = Value(0);
    }
    out[j] = v;
    nz |= v != Value(0) ? 1 : 0;
  }
  int const any = __syncthreads_or(nz);
  if (tid == 0) {
    centroid_of[k] = static_cast<row_index>(cpos);
    nonempty[k] = any != 0 ? 1 : 0;
  }
}

}  // namespace detail
SNICIT_NAMESPACE_END
