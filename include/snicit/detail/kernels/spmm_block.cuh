// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_block.cuh
 * @brief The kernels of the block-dense spMM backend (see snicit::spmm::BlockDense and
 * docs/backends-block.md): dense tiles with register tiling, and the CSR remainder.
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/common.cuh>
#include <snicit/types.hpp>

#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/**
 * One dense tile: `in_count` inputs (gathered, ascending, shared by every tile of its group) x
 * BlockCols outputs. The weights are `values[val_begin + k * BlockCols + c]` (input-major, 0 in
 * padding columns), or all equal to `uniform` when val_begin < 0 (no value array).
 */
template <class Value>
struct BlockTile {
  std::int64_t in_begin = 0;   ///< first input of the tile in BlockDenseView::inputs
  std::int64_t val_begin = 0;  ///< first value of the tile, or -1 when every weight is `uniform`
  std::int32_t in_count = 0;   ///< K, the inputs of the tile (>= 1)
  Value uniform = Value(0);    ///< the weight of every entry when val_begin < 0
};

/**
 * Device view of a prepared block-dense layer. Tile t writes outputs
 * `outputs[t * BlockCols + c]` (-1 = padding). Remainder output q (= rem_outputs[q]) has its
 * inputs `rem_inputs[rem_offsets[q] .. rem_offsets[q + 1])`, ascending, with `rem_values` (or
 * all `rem_uniform` when rem_values is null).
 */
template <class Value>
struct BlockDenseView {
  BlockTile<Value> const* tiles = nullptr;
  std::int64_t num_tiles = 0;
  std::int32_t const* inputs = nullptr;
  std::int32_t const* outputs = nullptr;
  Value const* values = nullptr;
  std::int32_t const* rem_offsets = nullptr;
  std::int32_t const* rem_inputs = nullptr;
  Value const* rem_values = nullptr;
  std::int32_t const* rem_outputs = nullptr;  ///< null = identity (remainder q is output q)
  std::int64_t num_rem = 0;
  Value rem_uniform = Value(0);  ///< every remainder weight when rem_values is null
};

static_assert(std::is_trivially_copyable_v<BlockTile<float>>);
static_assert(std::is_trivially_copyable_v<BlockDenseView<float>>);

/**
 * Grid: x = tile, y = row tiles of BlockRows list entries (grid-stride over y). Thread
 * (row_lane, col_lane) owns rows row_lane + tr * row_lanes and the tile's columns
 * col_lane + tc * col_lanes (consecutive lanes read consecutive weights).
 *
 * Per row tile, the tile's K inputs of the BlockRows rows are staged in shared memory ChunkInputs
 * at a time (row stride ChunkInputs + 1 so that the row lanes of a warp hit different banks);
 * every thread walks the chunk in ascending input order, loads each weight once into a register
 * and applies it to its ThreadRows rows. Chunks are taken in ascending order and the group's
 * input list is ascending, so every output is the sum from +0 over its inputs in ascending order
 * with rounded products: the CPU reference's order, bit for bit.
 *
 * Alive flags: the launcher clears all `bound` flags first (other tiles and the remainder kernel
 * write the same rows); here a thread stores 1 for each of its rows with a non-zero output.
 * Concurrent stores of the same value are benign.
 */
template <class Policy, class Value, class Act>
SNICIT_KERNEL void __launch_bounds__(Policy::block_threads)
    block_dense_tile_kernel(SpmmArgs<Value> const args,
                            BlockDenseView<Value> const view,
                            Act const act) {
  constexpr int block_rows = Policy::block_rows;
  constexpr int block_cols = Policy::block_cols;
  constexpr int thread_rows = Policy::thread_rows;
  constexpr int thread_cols = Policy::thread_cols;
  constexpr int chunk = Policy::chunk_inputs;
  constexpr int threads = Policy::block_threads;
  constexpr int col_lanes = block_cols / thread_cols;
  constexpr int row_lanes = block_rows / thread_rows;
  constexpr int stride = chunk + 1;
  __shared__ Value stage[block_rows * stride];

  std::int64_t const count = row_count(args.d_num_rows, args.num_rows_bound);
  BlockTile<Value> const tile = view.tiles[blockIdx.x];
  int const tid = static_cast<int>(threadIdx.x);
  int const col_lane = tid % col_lanes;
  int const row_lane = tid / col_lanes;
  std::int32_t const* const tile_inputs = view.inputs + tile.in_begin;
  int const k_total = tile.in_count;
  bool const uniform = tile.val_begin < 0;

  int outs[thread_cols];
#pragma unroll
  for (int tc = 0; tc < thread_cols; ++tc) {
    outs[tc] = view.outputs[static_cast<std::int64_t>(blockIdx.x) * block_cols + col_lane +
                            tc * col_lanes];
  }

  // `count` is the same for the whole block, so every thread runs the same iterations and
  // reaches every barrier below.
  for (std::int64_t first = static_cast<std::int64_t>(blockIdx.y) * block_rows; first < count;
       first += static_cast<std::int64_t>(gridDim.y) * block_rows) {
    int const nrows = static_cast<int>(count - first < block_rows ? count - first : block_rows);
    Value acc[thread_rows][thread_cols];
#pragma unroll
    for (int tr = 0; tr < thread_rows; ++tr) {
#pragma unroll
      for (int tc = 0; tc < thread_cols; ++tc) {
        acc[tr][tc] = Value(0);
      }
    }
    for (int kc = 0; kc < k_total; kc += chunk) {
      int const kn = k_total - kc < chunk ? k_total - kc : chunk;
      // Stage the gathered inputs kc .. kc + kn of the tile's rows; rows past the count read 0.
      for (int e = tid; e < block_rows * chunk; e += threads) {
        int const r = e / chunk;
        int const kk = e % chunk;
        if (kk < kn) {
          Value x = Value(0);
          if (r < nrows) {
            x = args.in.row(list_row(args.in_rows, first + r))[tile_inputs[kc + kk]];
          }
          stage[r * stride + kk] = x;
        }
      }
      __syncthreads();  // the staged chunk is read by every thread
      for (int kk = 0; kk < kn; ++kk) {
        Value w[thread_cols];
#pragma unroll
        for (int tc = 0; tc < thread_cols; ++tc) {
          w[tc] =
              uniform
                  ? tile.uniform
                  : view.values[tile.val_begin + static_cast<std::int64_t>(kc + kk) * block_cols +
                                col_lane + tc * col_lanes];
        }
#pragma unroll
        for (int tr = 0; tr < thread_rows; ++tr) {
          Value const x = stage[(row_lane + tr * row_lanes) * stride + kk];
#pragma unroll
          for (int tc = 0; tc < thread_cols; ++tc) {
            acc[tr][tc] = add_rn(acc[tr][tc], mul_rn(x, w[tc]));
          }
        }
      }
      __syncthreads();  // the chunk is overwritten by the next staging
    }
#pragma unroll
    for (int tr = 0; tr < thread_rows; ++tr) {
      int const r = row_lane + tr * row_lanes;
      if (r < nrows) {
        Value* const dst = args.out.row(list_row(args.out_rows, first + r));
        bool nz = false;
#pragma unroll
        for (int tc = 0; tc < thread_cols; ++tc) {
          int const j = outs[tc];
          if (j >= 0) {
            Value const y =
                args.bias != nullptr ? act(add_rn(acc[tr][tc], args.bias[j])) : acc[tr][tc];
            dst[j] = y;
            nz = nz || (y != Value(0));
          }
        }
        if (nz && args.alive != nullptr) {
          args.alive[first + r] = 1;
        }
      }
    }
  }
}

/**
 * The CSR remainder: grid x over remainder outputs (one per thread), y over groups of ThreadRows
 * list entries (grid-stride). Each thread walks its output's inputs once in ascending order and
 * applies every weight to its rows (reference order, bit for bit). No barriers. Alive flags as in
 * block_dense_tile_kernel (cleared by the launcher, set to 1 here).
 */
template <class Policy, class Value, class Act>
SNICIT_KERNEL void __launch_bounds__(Policy::remainder_threads)
    block_dense_remainder_kernel(SpmmArgs<Value> const args,
                                 BlockDenseView<Value> const view,
                                 Act const act) {
  constexpr int rows = Policy::thread_rows;
  std::int64_t const count = row_count(args.d_num_rows, args.num_rows_bound);
  std::int64_t const q =
      static_cast<std::int64_t>(blockIdx.x) * Policy::remainder_threads + threadIdx.x;
  if (q >= view.num_rem) {
    return;
  }
  auto const j = view.rem_outputs != nullptr ? static_cast<std::int64_t>(view.rem_outputs[q]) : q;
  std::int32_t const kb = view.rem_offsets[q];
  std::int32_t const ke = view.rem_offsets[q + 1];
  Value const b = args.bias != nullptr ? args.bias[j] : Value(0);
  for (std::int64_t first = static_cast<std::int64_t>(blockIdx.y) * rows; first < count;
       first += static_cast<std::int64_t>(gridDim.y) * rows) {
    int const nrows = static_cast<int>(count - first < rows ? count - first : rows);
    // Padding rows alias the first row so that the inner loop needs no branch.
    Value const* src[rows];
    Value acc[rows];
#pragma unroll
    for (int r = 0; r < rows; ++r) {
      src[r] = args.in.row(list_row(args.in_rows, first + (r < nrows ? r : 0)));
      acc[r] = Value(0);
    }
    for (std::int32_t k = kb; k < ke; ++k) {
      std::int32_t const i = view.rem_inputs[k];
      Value const w = view.rem_values != nullptr ? view.rem_values[k] : view.rem_uniform;
#pragma unroll
      for (int r = 0; r < rows; ++r) {
        acc[r] = add_rn(acc[r], mul_rn(src[r][i], w));
      }
    }
#pragma unroll
    for (int r = 0; r < rows; ++r) {
      if (r < nrows) {
        Value const y = args.bias != nullptr ? act(add_rn(acc[r], b)) : acc[r];
        args.out.row(list_row(args.out_rows, first + r))[j] = y;
        if (y != Value(0) && args.alive != nullptr) {
          args.alive[first + r] = 1;
        }
      }
    }
  }
}

}  // namespace detail
SNICIT_NAMESPACE_END
