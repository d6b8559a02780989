// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_scatter.hpp
 * @brief The row-scatter spMM policy `snicit::spmm::RowScatter` (tuning-only type). Its kernel
 * is `snicit::kernels::SpmmBackend<RowScatter<...>>` in `<snicit/kernels/spmm_scatter.cuh>`.
 */

#include <snicit/config.hpp>
#include <snicit/policy/spmm.hpp>
#include <snicit/types.hpp>

#include <cstddef>

SNICIT_NAMESPACE_BEGIN
namespace spmm {

/**
 * @brief Scatter-style sparse layer product (idea: Bisson and Fatica, "A GPU Implementation of
 * the Sparse Deep Neural Network Graph Challenge", IEEE HPEC 2019): one block per listed batch
 * row, the output row accumulated in shared memory.
 *
 * The block's accumulator starts at the bias (fused path) or at zero (plain product); each warp
 * reads 32 inputs of the row at a time, keeps the non-zero ones (a ballot) and, for each, the
 * whole warp walks that input's row of W (CSR by input, `WeightLayout::by_input`) and adds
 * `x_i * w_ij` to the accumulator with shared-memory atomics. Zero inputs cost one load, so the
 * kernel's work follows the activation sparsity. When the output row does not fit in
 * `SlabKiB` KiB it is processed in column slabs (each slab re-reads the non-zero inputs and
 * keeps only its columns). Epilogue: act, store, alive flag by a block-wide OR.
 *
 * @note Not bit-exact: the atomics add in a run-time order and the bias is added first, so
 * results differ from the CPU reference by rounding (within 1e-5 of the magnitude of the summed
 * terms) and may differ between runs.
 *
 * @tparam BlockThreads threads per block; multiple of 32 in [32, 1024]. Default 256 (untuned;
 *         tuned on H200: not yet, default chosen by reasoning: 8 warps share the row's inputs).
 * @tparam SlabKiB shared memory for the output accumulator in KiB, in [1, 48] (no opt-in above the
 *         48 KiB default). Default 48 = 12288 float columns: one slab for N <= 12288, two for
 *         SDGC 16384.
 */
template <int BlockThreads = 256, int SlabKiB = 48>
struct RowScatter {
  using policy_category = spmm_policy_tag;
  static constexpr WeightLayout weight_layout = WeightLayout::by_input;
  static constexpr int block_threads = BlockThreads;
  /// Bytes of the shared-memory output slab.
  static constexpr std::size_t slab_bytes = static_cast<std::size_t>(SlabKiB) * 1024;

  static_assert(BlockThreads % 32 == 0 && BlockThreads >= 32 && BlockThreads <= 1024,
                "spmm::RowScatter: BlockThreads must be a multiple of 32 in [32, 1024]");
  static_assert(SlabKiB >= 1 && SlabKiB <= 48, "spmm::RowScatter: SlabKiB must be in [1, 48]");
};

}  // namespace spmm
SNICIT_NAMESPACE_END
