// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_tiled.cuh
 * @brief The RegisterTiled sparse layer kernel and its sliced-ELL weight view (see
 * snicit::spmm::RegisterTiled).
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/common.cuh>
#include <snicit/types.hpp>

#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/**
 * A sliced ELL of W^T (one row per output neuron): outputs in slices of 32; slice s starts at
 * entry `slice_offsets[s]` and holds `32 * K_s` entries, K_s = the longest output of the slice;
 * the k-th input of output j = 32 s + l is at `slice_offsets[s] + 32 k + l` for k < lengths[j]
 * (inputs ascending). Padding entries are never read.
 */
template <class Value>
struct SlicedEllView {
  std::int64_t const* slice_offsets = nullptr;  ///< ceil(outputs / 32) + 1 entries
  std::int32_t const* lengths = nullptr;        ///< outputs entries
  std::int32_t const* indices = nullptr;        ///< slice_offsets[last] entries
  Value const* values = nullptr;                ///< as indices, or null for uniform_value
  Value uniform_value = Value(0);
  std::int64_t inputs = 0;
  std::int64_t outputs = 0;
};

/**
 * One block per `Rows` consecutive list entries (a tile). With `Staged`, the tile's inputs are
 * copied to shared memory interleaved by row (`x[i * Rows + r]`), zero for padding rows. Each
 * thread owns outputs j = tid, tid + BlockThreads, ...; consecutive j of a warp are the 32
 * outputs of one ELL slice, so each load of an index/value is coalesced across the warp, and the
 * loaded weight is reused for the `Rows` rows from a register. Accumulation from +0, inputs
 * ascending, rounded products and sums: bit-identical to the CPU reference (as RowGather).
 *
 * Blocks past the device count only clear their alive flags. The output loop has no early exit,
 * so every thread reaches the barriers of the epilogue.
 */
template <int BlockThreads, int Rows, bool Staged, class Value, class Act>
SNICIT_KERNEL void __launch_bounds__(BlockThreads)
    register_tiled_kernel(SpmmArgs<Value> const args, SlicedEllView<Value> const w, Act const act) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  std::int64_t const count = row_count(args.d_num_rows, args.num_rows_bound);
  std::int64_t const first = static_cast<std::int64_t>(blockIdx.x) * Rows;
  int const tid = static_cast<int>(threadIdx.x);
  if (first >= count) {
    if (args.alive != nullptr) {
      for (int r = tid; r < Rows; r += BlockThreads) {
        if (first + r < args.num_rows_bound) {
          args.alive[first + r] = 0;
        }
      }
    }
    return;
  }
  int const nrows = static_cast<int>(count - first < Rows ? count - first : Rows);
  std::int64_t const n_in = args.in.cols;
  std::int64_t const n_out = args.out.cols;

  // Padding rows (r >= nrows) alias row 0 so the inner loop needs no branch.
  Value const* src[Rows];
  Value* dst[Rows];
#pragma unroll
  for (int r = 0; r < Rows; ++r) {
    int const rr = r < nrows ? r : 0;
    src[r] = args.in.row(list_row(args.in_rows, first + rr));
    dst[r] = args.out.row(list_row(args.out_rows, first + rr));
  }
  Value* const xs = reinterpret_cast<Value*>(smem_raw);
  if constexpr (Staged) {
    // Flat index e = i * Rows + r: consecutive threads write consecutive shared words, and read
    // runs of 32 / Rows consecutive inputs of each row.
    std::int64_t const total = n_in * Rows;
    for (std::int64_t e = tid; e < total; e += BlockThreads) {
      std::int64_t const i = e / Rows;
      int const r = static_cast<int>(e - i * Rows);
      xs[e] = r < nrows ? src[r][i] : Value(0);
    }
    __syncthreads();  // the staged tile is read by every thread below
  }

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
    std::int32_t const len = w.lengths[j];
    std::int64_t const at = w.slice_offsets[j >> 5] + (j & 31);
    for (std::int32_t k = 0; k < len; ++k) {
      std::int64_t const e = at + static_cast<std::int64_t>(k) * 32;
      std::int64_t const i = w.indices[e];
      Value const wv = w.values != nullptr ? w.values[e] : w.uniform_value;
#pragma unroll
      for (int r = 0; r < Rows; ++r) {
        Value const x = Staged ? xs[i * Rows + r] : src[r][i];
        acc[r] = add_rn(acc[r], mul_rn(x, wv));
      }
    }
    store_row_outputs<Rows>(args, j, acc, dst, nrows, act, nz);
  }
  // Every thread reaches the barriers inside: the loop above has no early exit.
  write_row_alive_flags<Rows>(args, first, nrows, nz);
}

}  // namespace detail
SNICIT_NAMESPACE_END
