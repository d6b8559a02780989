// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_scatter.cuh
 * @brief The RowScatter sparse layer kernel (see snicit::spmm::RowScatter).
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/common.cuh>
#include <snicit/types.hpp>

#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/**
 * One block per list entry b < bound. The weights are W in CSR by input (row i = input i, its
 * outputs ascending). The output row is built in shared memory, slab by slab (`slab_cols`
 * columns at a time, the last slab possibly narrower):
 *
 * 1. the accumulator is set to the bias (fused path) or +0 (plain product);
 * 2. warp w reads inputs [base, base + 32) for base = 32 w, 32 (w + warps), ...; a ballot keeps
 *    the non-zero ones and, for each, the warp walks that input's CSR row (lane-strided, so the
 *    index/value loads of SDGC rows of 32 are one transaction) and atomically adds
 *    x_i * w_ij to the accumulator for the columns inside the slab;
 * 3. the slab is activated (fused path) and stored; each thread remembers whether it stored a
 *    non-zero.
 *
 * Blocks past the device count only clear their alive flag, so every flag in [0, bound) is
 * written. The loops have no early exit, so every thread reaches every barrier.
 */
template <int BlockThreads, class Value, class Act>
SNICIT_KERNEL void __launch_bounds__(BlockThreads)
    row_scatter_kernel(SpmmArgs<Value> const args, std::int64_t const slab_cols, Act const act) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  Value* const acc = reinterpret_cast<Value*>(smem_raw);
  constexpr int warps = BlockThreads / 32;
  std::int64_t const count = row_count(args.d_num_rows, args.num_rows_bound);
  std::int64_t const b = blockIdx.x;  // grid = bound, so b < bound
  int const tid = static_cast<int>(threadIdx.x);
  if (b >= count) {
    if (args.alive != nullptr && tid == 0) {
      args.alive[b] = 0;
    }
    return;
  }
  int const lane = tid & 31;
  int const warp = tid >> 5;
  Value const* const src = args.in.row(list_row(args.in_rows, b));
  Value* const dst = args.out.row(list_row(args.out_rows, b));
  std::int64_t const n_in = args.in.cols;
  std::int64_t const n_out = args.out.cols;
  auto const w = args.weights;

  bool nz = false;
  for (std::int64_t c0 = 0; c0 < n_out; c0 += slab_cols) {
    std::int64_t const c1 = c0 + slab_cols < n_out ? c0 + slab_cols : n_out;
    auto const width = static_cast<int>(c1 - c0);
    for (int c = tid; c < width; c += BlockThreads) {
      acc[c] = args.bias != nullptr ? args.bias[c0 + c] : Value(0);
    }
    __syncthreads();  // the accumulator is initialised before any thread scatters into it

    // `base` is warp-uniform, so the full-mask ballot/shuffle are executed by all 32 lanes.
    for (std::int64_t base = static_cast<std::int64_t>(warp) * 32; base < n_in;
         base += static_cast<std::int64_t>(warps) * 32) {
      std::int64_t const i = base + lane;
      Value const v = i < n_in ? src[i] : Value(0);
      unsigned live = __ballot_sync(0xffffffffu, v != Value(0));
      while (live != 0u) {
        int const l = __ffs(live) - 1;
        live &= live - 1u;
        Value const x = __shfl_sync(0xffffffffu, v, l);
        auto const row = static_cast<std::int32_t>(base + l);
        auto const kb = w.row_offsets[row];
        auto const ke = w.row_offsets[row + 1];
        for (auto k = kb + lane; k < ke; k += 32) {
          std::int64_t const col = w.col_indices[k];
          if (col >= c0 && col < c1) {
            atomicAdd(acc + (col - c0), mul_rn(x, w.value(k)));
          }
        }
      }
    }
    __syncthreads();  // every scatter into the slab is done before it is read

    for (int c = tid; c < width; c += BlockThreads) {
      Value const y = args.bias != nullptr ? act(acc[c]) : acc[c];
      dst[c0 + c] = y;
      nz = nz || (y != Value(0));
    }
    __syncthreads();  // the slab is read before the next slab re-initialises it
  }
  if (args.alive != nullptr) {
    int const any = __syncthreads_or(nz ? 1 : 0);  // reached by every thread of the block
    if (tid == 0) {
      args.alive[b] = any != 0 ? 1 : 0;
    }
  }
}

}  // namespace detail
SNICIT_NAMESPACE_END
