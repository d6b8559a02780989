// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_auto.hpp
 * @brief `spmm::Auto`: picks a backend per layer at engine construction from a cost model.
 */

#include <snicit/config.hpp>
#include <snicit/policy/spmm.hpp>
#include <snicit/types.hpp>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace spmm {

/**
 * @brief Chooses, for every layer when the Engine is built, the backend the cost model expects
 * to be fastest, and runs that layer with it:
 * - `DenseTensorCore<Precision::fp16_split>` when the layer is dense-ish and small enough to
 *   densify: density nnz / (N_in N_out) >= DensePercent / 100 and N_in N_out <= DenseMaxElements
 *   (the trained MNIST networks: density 0.6, 128 x 128);
 * - `ColumnFolded<>` when the layer has at most half as many distinct weight columns as
 *   outputs (SDGC: N / 16; bit-identical, 1.2-10x faster than RegisterTiled on an H200);
 * - `RegisterTiled<>` otherwise (density 32 / N; `RegisterTiled<512>` for
 *   layers with >= 4096 inputs, 1.6x faster there on an H200), except that launches over at
 *   most `FewRows` rows (the post-convergence phase of SDGC, where one or a few residue rows are
 *   left) go to `BlockDense<>`, whose blocks spread one row's outputs over the whole GPU. On an
 *   H200 one SDGC 1024 post layer over 1 row takes ~27 us with RegisterTiled and ~9 us with
 *   BlockDense, while at 2000 rows RegisterTiled is 2-3x faster.
 *
 * The model comes from `snicit-spmm-bench` on an H200 (docs/backends.md): on a 60 % dense
 * 128 x 128 layer at 10000 rows DenseTensorCore fp16_split takes 28 us, RegisterTiled 55 us,
 * RowGather 86 us, BlockDense 91 us; on SDGC layers RegisterTiled is the fastest at every N
 * measured (1024: 0.57 ms at 60000 rows vs 1.2-1.6 ms BlockDense, 2.3 ms RowGather). The
 * choice of a layer is readable from its prepared state (`choice`).
 *
 * @tparam DensePercent     density threshold for the dense path, in percent (1..100)
 * @tparam DenseMaxElements largest N_in x N_out densified (>= 1)
 * @tparam FewRows          row bound up to which sparse layers use BlockDense (>= 0; 0 = never)
 */
template <int DensePercent = 25,
          std::int64_t DenseMaxElements = std::int64_t{4096} * 4096,
          std::int64_t FewRows = 64>
struct Auto {
  using policy_category = spmm_policy_tag;
  /// Every candidate either keeps its own copy of the weights or reads W^T (by output).
  static constexpr WeightLayout weight_layout = WeightLayout::by_output;
  static constexpr int block_threads = 256;
  static constexpr int dense_percent = DensePercent;
  static constexpr std::int64_t dense_max_elements = DenseMaxElements;
  static constexpr std::int64_t few_rows = FewRows;

  static_assert(DensePercent >= 1 && DensePercent <= 100, "spmm::Auto: DensePercent in [1, 100]");
  static_assert(DenseMaxElements >= 1, "spmm::Auto: DenseMaxElements must be >= 1");
  static_assert(FewRows >= 0, "spmm::Auto: FewRows must be >= 0");
};

}  // namespace spmm
SNICIT_NAMESPACE_END
