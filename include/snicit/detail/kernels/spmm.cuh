// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm.cuh
 * @brief The RowGather sparse layer kernel (see snicit::spmm::RowGather).
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/common.cuh>
#include <snicit/types.hpp>

#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/**
 * One block per `Rows` consecutive list entries. The weights are W^T in CSR (row j = output j,
 * its inputs ascending). Each thread owns output neurons j = tid, tid + BlockThreads, ... and,
 * for each, walks the inputs of j once, multiplying each weight with the `Rows` inputs of the
 * block (register reuse of the weight). Accumulation starts at +0 and runs in ascending input
 * order with rounded products and sums: the order of the CPU reference, so the result is
 * bit-identical to it (zero inputs contribute +-0, which leaves a sum unchanged).
 *
 * Epilogue: with a bias, out = act(sum + bias[j]) and the block ORs "out != 0" per row into
 * args.alive; without a bias the plain sum is stored (post-convergence product).
 *
 * Blocks past the device count only clear their alive flags, so every flag in [0, bound) is
 * written and a later select over `bound` items sees zeros past the count.
 */
template <int BlockThreads, int Rows, bool Staged, class Value, class Act>
SNICIT_KERNEL void __launch_bounds__(BlockThreads)
    row_gather_kernel(SpmmArgs<Value> const args, Act const act) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  std::int64_t const count = row_count(args.d_num_rows, args.num_rows_bound);
  std::int64_t const first = static_cast<std::int64_t>(blockIdx.x) * Rows;
  int const tid = static_cast<int>(threadIdx.x);
  if (first >= count) {
    if (args.alive != nullptr && tid < Rows && first + tid < args.num_rows_bound) {
      args.alive[first + tid] = 0;
    }
    return;
  }
  int const nrows = static_cast<int>(count - first < Rows ? count - first : Rows);
  std::int64_t const n_in = args.in.cols;
  std::int64_t const n_out = args.out.cols;

  // Source rows; padding rows (r >= nrows) alias row 0 so the inner loop needs no branch.
  Value const* src[Rows];
  Value* dst[Rows];
#pragma unroll
  for (int r = 0; r < Rows; ++r) {
    int const rr = r < nrows ? r : 0;
    src[r] = args.in.row(list_row(args.in_rows, first + rr));
    dst[r] = args.out.row(list_row(args.out_rows, first + rr));
  }
  if constexpr (Staged) {
    // Stage the block's input rows in shared memory: every input is read by many outputs.
    Value* smem = reinterpret_cast<Value*>(smem_raw);
#pragma unroll
    for (int r = 0; r < Rows; ++r) {
      if (r < nrows) {
        for (std::int64_t i = tid; i < n_in; i += BlockThreads) {
          smem[r * n_in + i] = src[r][i];
        }
      }
    }
    __syncthreads();  // the staged rows are read by every thread below
#pragma unroll
    for (int r = 0; r < Rows; ++r) {
      src[r] = smem + (r < nrows ? r : 0) * n_in;
    }
  }

  auto const w = args.weights;
  bool nz[Rows];
#pragma unroll
  for (int r = 0; r < Rows; ++r) {
    nz[r] = false;
  }
  for (std::int64_t j = tid; j < n_out; j += BlockThreads) {
    Value acc[Rows];
#pragma unroll
    for (int r = 0; r < Rows; ++r) {
      acc[r] = Value(0);
    }
    auto const kb = w.row_offsets[j];
    auto const ke = w.row_offsets[j + 1];
    for (auto k = kb; k < ke; ++k) {
      auto const i = w.col_indices[k];
      Value const wv = w.value(k);
#pragma unroll
      for (int r = 0; r < Rows; ++r) {
        acc[r] = add_rn(acc[r], mul_rn(src[r][i], wv));
      }
    }
    store_row_outputs<Rows>(args, j, acc, dst, nrows, act, nz);
  }
  // Every thread reaches the barriers inside: the loop above has no early exit.
  write_row_alive_flags<Rows>(args, first, nrows, nz);
}

}  // namespace detail
SNICIT_NAMESPACE_END
