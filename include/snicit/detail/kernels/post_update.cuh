// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file post_update.cuh
 * @brief The post-convergence update kernel (paper Alg. 3 / Eq. 5 with tau_post pruning).
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/common.cuh>
#include <snicit/types.hpp>

#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/**
 * Post-convergence update (Eq. 5 with pruning), one block per list entry i < count, row
 * r = list[i], c = centroid_of[r]:
 * - centroid (c < 0): yhat_r = act(S_r + b), nonempty[r] = 1;
 * - residue: v = act((S_c + S_r) + b) - act(S_c + b), |v| <= tau -> +0, yhat_r = v,
 *   nonempty[r] = any v != 0.
 * S_c is this layer's product of the centroid, which is always in the list. S and yhat do not
 * overlap. Block 0 copies the list size into *d_stats_count (when not null).
 */
template <int BlockThreads, class Value, class Act>
SNICIT_KERNEL void __launch_bounds__(BlockThreads) post_update_kernel(DenseView<Value const> s,
                                                                      DenseView<Value> yhat,
                                                                      Value const* bias,
                                                                      row_index const* list,
                                                                      row_index const* d_list_count,
                                                                      std::int64_t bound,
                                                                      row_index const* centroid_of,
                                                                      Value tau,
                                                                      Act const act,
                                                                      std::uint8_t* nonempty,
                                                                      row_index* d_stats_count) {
  std::int64_t const i = blockIdx.x;
  int const tid = static_cast<int>(threadIdx.x);
  if (i == 0 && tid == 0 && d_stats_count != nullptr) {
    *d_stats_count = static_cast<row_index>(row_count(d_list_count, bound));
  }
  if (i >= row_count(d_list_count, bound)) {
    return;
  }
  std::int64_t const r = list[i];
  row_index const c = centroid_of[r];
  std::int64_t const n = yhat.cols;
  Value const* sr = s.row(r);
  Value* out = yhat.row(r);
  if (c < 0) {
    for (std::int64_t j = tid; j < n; j += BlockThreads) {
      out[j] = act(add_rn(sr[j], bias[j]));
    }
    if (tid == 0) {
      nonempty[r] = 1;
    }
    return;
  }
  Value const* sc = s.row(c);
  int nz = 0;
  for (std::int64_t j = tid; j < n; j += BlockThreads) {
    Value const scj = sc[j];
    Value const b = bias[j];
    Value v = sub_rn(act(add_rn(add_rn(scj, sr[j]), b)), act(add_rn(scj, b)));
    if (abs_value(v) <= tau) {
      v = Value(0);
    }
    out[j] = v;
    nz |= v != Value(0) ? 1 : 0;
  }
  int const any = __syncthreads_or(nz);
  if (tid == 0) {
    nonempty[r] = any != 0 ? 1 : 0;
  }
}

}  // namespace detail
SNICIT_NAMESPACE_END
