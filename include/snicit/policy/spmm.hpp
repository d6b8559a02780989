// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm.hpp
 * @brief spMM policies (tuning-only types). The kernels behind them live in
 * `<snicit/kernels/spmm.cuh>` as specialisations of `snicit::kernels::SpmmBackend<Policy>`.
 *
 * A spMM policy is a small trivially copyable type with
 * - `using policy_category = snicit::spmm::spmm_policy_tag;`
 * - `static constexpr WeightLayout weight_layout` (how the engine uploads the weights);
 * - `static constexpr int block_threads`;
 * and a specialisation of `snicit::kernels::SpmmBackend<Policy>` providing the launch.
 */

#include <snicit/config.hpp>
#include <snicit/types.hpp>

#include <cstddef>

SNICIT_NAMESPACE_BEGIN
namespace spmm {

/// Marks a type as a spMM policy.
struct spmm_policy_tag {};

/**
 * @brief Gather-style sparse layer product: each block owns `RowsPerBlock` batch rows; each
 * thread owns output neurons j and walks column j of W (the row j of W^T, inputs ascending),
 * reusing every weight for the block's rows from a register.
 *
 * The inputs of the block's rows are staged in shared memory when they fit in
 * `max_shared_bytes`, else read through the L1 cache. Every output is accumulated in a register
 * in ascending input order with rounded products (no FMA), the summation order of the CPU
 * reference, so results are bit-identical to it; no atomics, deterministic.
 *
 * @tparam BlockThreads threads per block (multiple of 32, <= 1024)
 * @tparam RowsPerBlock batch rows per block (1..8)
 */
template <int BlockThreads = 256, int RowsPerBlock = 4>
struct RowGather {
  using policy_category = spmm_policy_tag;
  static constexpr WeightLayout weight_layout = WeightLayout::by_output;
  static constexpr int block_threads = BlockThreads;
  static constexpr int rows_per_block = RowsPerBlock;
  /// Inputs of a block are staged in shared memory up to this many bytes.
  static constexpr std::size_t max_shared_bytes = 48 * 1024;

  static_assert(BlockThreads % 32 == 0 && BlockThreads >= 32 && BlockThreads <= 1024,
                "spmm::RowGather: BlockThreads must be a multiple of 32 in [32, 1024]");
  static_assert(RowsPerBlock >= 1 && RowsPerBlock <= 8,
                "spmm::RowGather: RowsPerBlock must be in [1, 8]");
};

}  // namespace spmm
SNICIT_NAMESPACE_END
