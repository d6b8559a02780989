// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_block.hpp
 * @brief The block-dense spMM policy, `snicit::spmm::BlockDense` (tuning-only type). Its backend
 * (block discovery at engine construction, the tile and remainder kernels) lives in
 * `<snicit/kernels/spmm_block.cuh>`; see docs/backends-block.md.
 */

#include <snicit/config.hpp>
#include <snicit/policy/spmm.hpp>
#include <snicit/types.hpp>

SNICIT_NAMESPACE_BEGIN
namespace spmm {

/**
 * @brief Block-dense sparse layer product (the idea of the 2021-2022 SDGC champions, made
 * general): at engine construction the output neurons are grouped by identical input sets; a
 * group of at least `MinGroupCols` outputs sharing the same K inputs is a dense K x C block
 * (after a row/column permutation), cut into tiles of `BlockCols` outputs. Tiles whose weights
 * are all equal store no value array (one scalar). Outputs in no such group go to a CSR
 * remainder computed by a gather kernel.
 *
 * A tile is run for `BlockRows` batch rows by one thread block: the tile's gathered inputs of
 * those rows are staged in shared memory `ChunkInputs` inputs at a time, and every thread keeps
 * `ThreadRows` x `ThreadCols` accumulators in registers, so each weight is reused from a register
 * for ThreadRows rows and each staged input for every output of the tile.
 *
 * Every output is accumulated from +0 in ascending input order with rounded products (no FMA),
 * the order of the CPU reference, so results are bit-identical to it.
 *
 * @tparam BlockRows    batch rows per thread block (ThreadRows..1024, multiple of ThreadRows)
 * @tparam BlockCols    outputs per tile (1..64, multiple of ThreadCols); 16 fits RadiX-Net
 * @tparam ThreadRows   batch rows per thread (1..8)
 * @tparam ThreadCols   outputs per thread (1..4)
 * @tparam ChunkInputs  inputs staged in shared memory per step (1..256)
 * @tparam MinGroupCols smallest group of outputs with one input set that becomes blocks (>= 1)
 *
 * block_threads = (BlockRows / ThreadRows) * (BlockCols / ThreadCols) must be a multiple of 32
 * and at most 1024. Defaults (64, 16, 4, 1, 32, 4): 256 threads, 8 KiB of shared memory for float;
 * chosen for sm_90, not yet tuned on the H200.
 */
template <int BlockRows = 64,
          int BlockCols = 16,
          int ThreadRows = 4,
          int ThreadCols = 1,
          int ChunkInputs = 32,
          int MinGroupCols = 4>
struct BlockDense {
  using policy_category = spmm_policy_tag;
  /// The engine's CSR upload is not used by the kernels (they use the prepared layout).
  static constexpr WeightLayout weight_layout = WeightLayout::by_output;
  static constexpr int block_rows = BlockRows;
  static constexpr int block_cols = BlockCols;
  static constexpr int thread_rows = ThreadRows;
  static constexpr int thread_cols = ThreadCols;
  static constexpr int chunk_inputs = ChunkInputs;
  static constexpr int min_group_cols = MinGroupCols;
  static constexpr int block_threads = (BlockRows / ThreadRows) * (BlockCols / ThreadCols);
  /// Threads per block of the CSR remainder kernel (one output x ThreadRows rows each).
  static constexpr int remainder_threads = 128;

  static_assert(ThreadRows >= 1 && ThreadRows <= 8,
                "spmm::BlockDense: ThreadRows must be in [1, 8]");
  static_assert(ThreadCols >= 1 && ThreadCols <= 4,
                "spmm::BlockDense: ThreadCols must be in [1, 4]");
  static_assert(BlockRows >= ThreadRows && BlockRows % ThreadRows == 0,
                "spmm::BlockDense: BlockRows must be a positive multiple of ThreadRows");
  static_assert(BlockCols >= ThreadCols && BlockCols <= 64 && BlockCols % ThreadCols == 0,
                "spmm::BlockDense: BlockCols must be a multiple of ThreadCols in [1, 64]");
  static_assert(ChunkInputs >= 1 && ChunkInputs <= 256,
                "spmm::BlockDense: ChunkInputs must be in [1, 256]");
  static_assert(MinGroupCols >= 1, "spmm::BlockDense: MinGroupCols must be >= 1");
  static_assert(block_threads % 32 == 0 && block_threads <= 1024,
                "spmm::BlockDense: (BlockRows / ThreadRows) * (BlockCols / ThreadCols) must be a "
                "multiple of 32 and at most 1024");
};

}  // namespace spmm
SNICIT_NAMESPACE_END
