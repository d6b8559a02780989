// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_tiled.hpp
 * @brief The register-tiled spMM policy `snicit::spmm::RegisterTiled` (tuning-only type). Its
 * kernel and per-layer state are `snicit::kernels::SpmmBackend<RegisterTiled<...>>` in
 * `<snicit/kernels/spmm_tiled.cuh>`.
 */

#include <snicit/config.hpp>
#include <snicit/policy/spmm.hpp>
#include <snicit/types.hpp>

#include <cstddef>

SNICIT_NAMESPACE_BEGIN
namespace spmm {

/**
 * @brief Register-tiled sparse layer product (idea: Hidayetoglu et al., Sparse DNN Graph
 * Challenge, IEEE HPEC 2020): a block takes a
 * tile of `RowsPerThread` batch rows, stages their inputs in shared memory, and each thread owns
 * output neurons for all rows of the tile, so every weight is loaded once into a register and
 * reused `RowsPerThread` times.
 *
 * Weights are re-laid out once per layer at engine construction (the backend's per-layer state)
 * as a sliced ELL by output: outputs in slices of 32 (one warp), each slice padded to its longest
 * output, and the k-th input index / value of the 32 outputs of a slice stored next to each
 * other, so a warp's weight loads are coalesced 128-byte transactions. Uniform-valued layers
 * (SDGC) store no values. The inputs of the tile are staged interleaved (`x[i][r]`) when
 * `RowsPerThread * N_in` values fit in `MaxSharedKiB`, else read through L1.
 *
 * Fused epilogue: act(sum + bias), alive flag per row (block-wide OR); plain sum without a bias.
 * Every output is accumulated from +0 in ascending input order with rounded products and sums
 * (no FMA), the CPU reference's order: **bit-identical** to it, deterministic, no atomics.
 *
 * @tparam BlockThreads threads per block; multiple of 32 in [32, 1024]. Default 256.
 * @tparam RowsPerThread batch rows per tile (weight reuse factor), in [1, 16]. Default 4.
 * @tparam MaxSharedKiB shared memory for the staged inputs in KiB, in [0, 227] (0 = never stage;
 *         above 48 the kernel opts in with cudaFuncSetAttribute). Default 96 (stages N_in <= 6144
 *         floats at 4 rows: SDGC 1024 and 4096).
 * @note Defaults untuned (tuned on H200: not yet).
 */
template <int BlockThreads = 256, int RowsPerThread = 4, int MaxSharedKiB = 96>
struct RegisterTiled {
  using policy_category = spmm_policy_tag;
  /// The engine's CSR upload (W^T) is only the fallback of the stateless launch; the kernel
  /// reads the per-layer sliced ELL.
  static constexpr WeightLayout weight_layout = WeightLayout::by_output;
  static constexpr int block_threads = BlockThreads;
  static constexpr int rows_per_thread = RowsPerThread;
  /// Outputs per ELL slice (one warp).
  static constexpr int slice_width = 32;
  /// Inputs of a tile are staged in shared memory up to this many bytes.
  static constexpr std::size_t max_shared_bytes = static_cast<std::size_t>(MaxSharedKiB) * 1024;

  static_assert(BlockThreads % 32 == 0 && BlockThreads >= 32 && BlockThreads <= 1024,
                "spmm::RegisterTiled: BlockThreads must be a multiple of 32 in [32, 1024]");
  static_assert(RowsPerThread >= 1 && RowsPerThread <= 16,
                "spmm::RegisterTiled: RowsPerThread must be in [1, 16]");
  static_assert(MaxSharedKiB >= 0 && MaxSharedKiB <= 227,
                "spmm::RegisterTiled: MaxSharedKiB must be in [0, 227]");
};

}  // namespace spmm
SNICIT_NAMESPACE_END
