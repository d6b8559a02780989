// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_cusparse.cuh
 * @brief The gather and epilogue kernels around cusparseSpMM (see snicit::spmm::Cusparse).
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/common.cuh>
#include <snicit/types.hpp>

#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/**
 * Packs the listed input rows into `dense` (row-major, `cols` wide = N_in, `rows` rows = the
 * descriptor's column count >= bound): row i = in.row(in_rows[i]) for i < count, zeros for
 * count <= i < rows, so cuSPARSE never reads stale or uninitialised values. Grid-stride loop
 * over rows x cols elements (consecutive threads read consecutive inputs of a row: coalesced).
 */
template <int BlockThreads, class Value>
SNICIT_KERNEL void __launch_bounds__(BlockThreads)
    cusparse_gather_kernel(DenseView<Value const> const in,
                           row_index const* __restrict__ in_rows,
                           row_index const* __restrict__ d_num_rows,
                           std::int64_t const bound,
                           Value* __restrict__ dense,
                           std::int64_t const rows) {
  std::int64_t const count = row_count(d_num_rows, bound);
  std::int64_t const cols = in.cols;
  std::int64_t const total = rows * cols;
  std::int64_t const stride = static_cast<std::int64_t>(gridDim.x) * BlockThreads;
  for (std::int64_t e = static_cast<std::int64_t>(blockIdx.x) * BlockThreads + threadIdx.x;
       e < total;
       e += stride) {
    std::int64_t const r = e / cols;
    std::int64_t const c = e - r * cols;
    dense[e] = r < count ? in.row(list_row(in_rows, r))[c] : Value(0);
  }
}

/**
 * One block per list entry i < bound. `prod` is the cuSPARSE result C = Y W (row-major,
 * `args.out.cols` wide: C^T column-major). With a bias: out.row(out_rows[i]) = act(C[i] + bias);
 * without: the plain product is copied. alive[i] (when set) = 1 when an output is non-zero.
 * Blocks with i >= count only write alive[i] = 0 (when alive is set), so every flag in [0, bound) is written.
 */
template <int BlockThreads, class Value, class Act>
SNICIT_KERNEL void __launch_bounds__(BlockThreads)
    cusparse_epilogue_kernel(SpmmArgs<Value> const args,
                             Value const* __restrict__ prod,
                             Act const act) {
  std::int64_t const count = row_count(args.d_num_rows, args.num_rows_bound);
  std::int64_t const i = blockIdx.x;
  int const tid = static_cast<int>(threadIdx.x);
  if (i >= count) {
    // The whole block leaves here (count and i are block-uniform): no barrier is skipped.
    if (args.alive != nullptr && tid == 0) {
      args.alive[i] = 0;
    }
    return;
  }
  std::int64_t const n_out = args.out.cols;
  Value const* src = prod + i * n_out;
  Value* dst = args.out.row(list_row(args.out_rows, i));
  bool nz = false;
  if (args.bias != nullptr) {
    for (std::int64_t j = tid; j < n_out; j += BlockThreads) {
      Value const y = act(add_rn(src[j], args.bias[j]));
      dst[j] = y;
      nz = nz || (y != Value(0));
    }
  } else {
    for (std::int64_t j = tid; j < n_out; j += BlockThreads) {
      Value const y = src[j];
      dst[j] = y;
      nz = nz || (y != Value(0));
    }
  }
  if (args.alive != nullptr) {
    // Every thread of the block reaches this barrier (the loops above have no early exit).
    int const any = __syncthreads_or(nz ? 1 : 0);
    if (tid == 0) {
      args.alive[i] = any != 0 ? 1 : 0;
    }
  }
}

}  // namespace detail
SNICIT_NAMESPACE_END
