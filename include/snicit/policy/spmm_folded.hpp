// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_folded.hpp
 * @brief The column-folded spMM policy `snicit::spmm::ColumnFolded` (tuning-only type). Its
 * kernel and per-layer state are `snicit::kernels::SpmmBackend<ColumnFolded<...>>` in
 * `<snicit/kernels/spmm_folded.cuh>`.
 */

#include <snicit/config.hpp>
#include <snicit/policy/spmm.hpp>
#include <snicit/types.hpp>

#include <cstddef>

SNICIT_NAMESPACE_BEGIN
namespace spmm {

/**
 * @brief Register-tiled sparse layer product that computes each *distinct* weight column once.
 *
 * Two output neurons whose weight columns are equal (the same inputs with the same values) have
 * the same sum x * W[:, j] for every input row x; only their bias may differ. At engine
 * construction the backend groups equal columns (exact comparison of indices and values, not
 * just a hash) and keeps one representative per group, as a sliced ELL like RegisterTiled's,
 * plus the list of output neurons ("copies") of each group. The kernel sums each representative
 * once per row and writes act(sum + bias[j]) to every copy j.
 *
 * Exactness: each copy's sum is computed from +0 in ascending input order with rounded products
 * and sums, exactly the order the CPU reference uses for that output, so the results are
 * **bit-identical** to the reference and to RegisterTiled — folding only removes repeated
 * arithmetic. Without repeated columns it degenerates to RegisterTiled's work (one copy each).
 *
 * Where it pays: the SDGC / RadiX-Net layers (docs/sdgc.md): output j = a M + m (M = N / 16)
 * takes inputs {m + q M, m + d + q M} for every a = 0..15, so every layer has only N / 16
 * distinct columns with 16 copies each: 16x fewer products and index loads, while every output
 * is still written.
 *
 * Tiling: a block handles `groups` x RowsPerThread batch rows, where `groups` (chosen per launch)
 * is how many warps' worth of threads fit over the distinct columns (BlockThreads / 32 groups
 * when there are at most 32 distinct columns, 1 group when there are BlockThreads or more); the
 * tile's inputs are staged in shared memory when they fit in MaxSharedKiB (else fewer groups,
 * else read through L1).
 *
 * @tparam BlockThreads threads per block; power of two in [32, 1024]. Default 256.
 * @tparam RowsPerThread batch rows per thread (weight reuse factor), in [1, 16]. Default 4.
 * @tparam MaxSharedKiB shared memory for the staged inputs in KiB, in [0, 227] (0 = never stage;
 *         above 48 the kernel opts in with cudaFuncSetAttribute). Default 32: on an H200 larger
 *         staged tiles cost occupancy (a 64 KiB tile leaves 37 % of the warps active, ncu) and
 *         reading the inputs through L1 is faster (SDGC 4096 at 60000 rows: 821 us unstaged,
 *         1966 us with a 64 KiB tile; SDGC 1024: 404 us with a 32 KiB tile, 521 with 64 KiB).
 */
template <int BlockThreads = 256, int RowsPerThread = 4, int MaxSharedKiB = 32>
struct ColumnFolded {
  using policy_category = spmm_policy_tag;
  /// The engine's CSR upload (W^T) is only the fallback of the stateless launch.
  static constexpr WeightLayout weight_layout = WeightLayout::by_output;
  static constexpr int block_threads = BlockThreads;
  static constexpr int rows_per_thread = RowsPerThread;
  /// Distinct columns per ELL slice (one warp).
  static constexpr int slice_width = 32;
  /// Inputs of a tile are staged in shared memory up to this many bytes.
  static constexpr std::size_t max_shared_bytes = static_cast<std::size_t>(MaxSharedKiB) * 1024;
  /// Most batch rows one block handles (BlockThreads / 32 groups of RowsPerThread rows).
  static constexpr int max_tile_rows = (BlockThreads / 32) * RowsPerThread;

  static_assert(BlockThreads >= 32 && BlockThreads <= 1024 &&
                    (BlockThreads & (BlockThreads - 1)) == 0,
                "spmm::ColumnFolded: BlockThreads must be a power of two in [32, 1024]");
  static_assert(RowsPerThread >= 1 && RowsPerThread <= 16,
                "spmm::ColumnFolded: RowsPerThread must be in [1, 16]");
  static_assert(MaxSharedKiB >= 0 && MaxSharedKiB <= 227,
                "spmm::ColumnFolded: MaxSharedKiB must be in [0, 227]");
};

}  // namespace spmm
SNICIT_NAMESPACE_END
