// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_folded.cuh
 * @brief The ColumnFolded sparse layer kernel and its weight view (see
 * snicit::spmm::ColumnFolded).
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/common.cuh>
#include <snicit/detail/kernels/spmm_tiled.cuh>
#include <snicit/types.hpp>

#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/**
 * The distinct weight columns of a layer as a sliced ELL (`ell.outputs` = the number of distinct
 * columns U, `ell.inputs` = N_in), and for distinct column u its output neurons
 * `copy_cols[copy_offsets[u] .. copy_offsets[u + 1])` (ascending; every output of the layer
 * appears exactly once). `outputs` = N_out.
 */
template <class Value>
struct FoldedView {
  SlicedEllView<Value> ell;
  std::int32_t const* copy_offsets = nullptr;  ///< U + 1 entries
  std::int32_t const* copy_cols = nullptr;     ///< N_out entries
  std::int64_t outputs = 0;
};

/**
 * One block per tile of `groups * Rows` consecutive list entries; thread t belongs to group
 * g = t / (BlockThreads / groups) (rows g * Rows .. g * Rows + Rows - 1 of the tile) and owns the
 * distinct columns u = t mod (BlockThreads / groups) + k * (BlockThreads / groups). With
 * `Staged`, the tile's inputs are in shared memory, group-major and interleaved by row
 * (`xs[(g * N_in + i) * Rows + r]`), zero for padding rows. A column's sum is accumulated from +0
 * in ascending input order with rounded products and sums and written (with bias and activation
 * when args.bias is set) to each of its copies: bit-identical to the CPU reference.
 *
 * Blocks past the device count only clear their alive flags. No thread leaves before the last
 * barrier.
 */
template <int BlockThreads, int Rows, int MaxTileRows, bool Staged, class Value, class Act>
SNICIT_KERNEL void __launch_bounds__(BlockThreads) column_folded_kernel(SpmmArgs<Value> const args,
                                                                        FoldedView<Value> const w,
                                                                        int const groups,
                                                                        Act const act) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  __shared__ std::int64_t s_row[MaxTileRows];
  __shared__ int s_alive[MaxTileRows];
  int const tile_rows = groups * Rows;
  std::int64_t const count = row_count(args.d_num_rows, args.num_rows_bound);
  std::int64_t const first = static_cast<std::int64_t>(blockIdx.x) * tile_rows;
  int const tid = static_cast<int>(threadIdx.x);
  if (first >= count) {
    if (args.alive != nullptr) {
      for (int t = tid; t < tile_rows; t += BlockThreads) {
        if (first + t < args.num_rows_bound) {
          args.alive[first + t] = 0;
        }
      }
    }
    return;
  }
  int const tile_count = static_cast<int>(count - first < tile_rows ? count - first : tile_rows);
  std::int64_t const n_in = args.in.cols;
  for (int t = tid; t < tile_rows; t += BlockThreads) {
    s_row[t] = list_row(args.in_rows, first + (t < tile_count ? t : 0));
    s_alive[t] = 0;
  }
  __syncthreads();  // s_row is read by every thread below

  int const span = BlockThreads / groups;  // threads per group, a multiple of 32
  int const g = tid / span;
  int const lane = tid - g * span;
  int const base = g * Rows;
  int const nrows =
      tile_count - base < 0 ? 0 : (tile_count - base < Rows ? tile_count - base : Rows);

  Value const* src[Rows];
  Value* dst[Rows];
#pragma unroll
  for (int r = 0; r < Rows; ++r) {
    int const t = r < nrows ? base + r : 0;  // padding rows alias the tile's first row
    src[r] = args.in.row(s_row[t]);
    dst[r] = args.out.row(list_row(args.out_rows, first + t));
  }
  Value* const xs = reinterpret_cast<Value*>(smem_raw);
  if constexpr (Staged) {
    // Group by group; within a group e = i * Rows + r (Rows is a compile-time constant, so no
    // run-time division): consecutive threads read runs of consecutive inputs of each row.
    auto const per_group = static_cast<int>(n_in) * Rows;  // fits: the tile fits in shared memory
    for (int gg = 0; gg < groups; ++gg) {
      Value* const xw = xs + static_cast<std::int64_t>(gg) * per_group;
      for (int e = tid; e < per_group; e += BlockThreads) {
        int const i = e / Rows;
        int const t = gg * Rows + (e - i * Rows);
        xw[e] = t < tile_count ? args.in.row(s_row[t])[i] : Value(0);
      }
    }
    __syncthreads();  // the staged tile is read by every thread below
  }
  Value const* const xg = xs + static_cast<std::int64_t>(g) * n_in * Rows;

  bool nz[Rows];
#pragma unroll
  for (int r = 0; r < Rows; ++r) {
    nz[r] = false;
  }
  std::int64_t const unique = nrows > 0 ? w.ell.outputs : 0;
  for (std::int64_t u = lane; u < unique; u += span) {
    Value acc[Rows];
#pragma unroll
    for (int r = 0; r < Rows; ++r) {
      acc[r] = Value(0);
    }
    std::int32_t const len = w.ell.lengths[u];
    std::int64_t const at = w.ell.slice_offsets[u >> 5] + (u & 31);
    for (std::int32_t k = 0; k < len; ++k) {
      std::int64_t const e = at + static_cast<std::int64_t>(k) * 32;
      std::int64_t const i = w.ell.indices[e];
      Value const wv = w.ell.values != nullptr ? w.ell.values[e] : w.ell.uniform_value;
#pragma unroll
      for (int r = 0; r < Rows; ++r) {
        Value const x = Staged ? xg[i * Rows + r] : src[r][i];
        acc[r] = add_rn(acc[r], mul_rn(x, wv));
      }
    }
    std::int32_t const c_end = w.copy_offsets[u + 1];
    for (std::int32_t c = w.copy_offsets[u]; c < c_end; ++c) {
      store_row_outputs<Rows>(args, w.copy_cols[c], acc, dst, nrows, act, nz);
    }
  }
  if (args.alive != nullptr) {  // uniform across the block
#pragma unroll
    for (int r = 0; r < Rows; ++r) {
      if (nz[r]) {
        s_alive[base + r] = 1;  // benign race: every writer stores 1
      }
    }
    __syncthreads();  // every thread's flags are in
    for (int t = tid; t < tile_rows; t += BlockThreads) {
      if (first + t < args.num_rows_bound) {
        args.alive[first + t] = (t < tile_count && s_alive[t] != 0) ? 1 : 0;
      }
    }
  }
}

}  // namespace detail
SNICIT_NAMESPACE_END
