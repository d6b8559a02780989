// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_cusparse.hpp
 * @brief The cuSPARSE spMM policy, `snicit::spmm::Cusparse<...>` (tuning-only type). Its backend
 * lives in the opt-in header `<snicit/kernels/spmm_cusparse.cuh>`, which needs libcusparse (link
 * `snicit::cusparse`); `<snicit/engine.cuh>` does not include it.
 *
 * Host-compilable (no CUDA compiler, no cuSPARSE header needed).
 */

#include <snicit/config.hpp>
#include <snicit/policy/spmm.hpp>
#include <snicit/types.hpp>

SNICIT_NAMESPACE_BEGIN
namespace spmm {

/// The cuSPARSE SpMM algorithm (mapped to `cusparseSpMMAlg_t` by the backend).
enum class CusparseAlgorithm {
  default_alg,  ///< CUSPARSE_SPMM_ALG_DEFAULT
  csr_alg1,     ///< CUSPARSE_SPMM_CSR_ALG1
  csr_alg2,     ///< CUSPARSE_SPMM_CSR_ALG2
  csr_alg3      ///< CUSPARSE_SPMM_CSR_ALG3
};

/**
 * @brief The general-library baseline: the product runs in cuSPARSE (`cusparseSpMM`, CSR x
 * dense), our kernels gather the input rows into a dense buffer before it and apply the fused
 * epilogue (bias + activation + alive flag, or the plain product) scattering to the output rows
 * after it.
 *
 * Per layer (at engine construction): the CSR of W^T (int32 indices, explicit values) uploaded
 * for cuSPARSE, its `cusparseSpMatDescr_t`, a gather buffer (max_rows x N_in) and an output buffer
 * (max_rows x N_out) with dense descriptors for a ladder of column counts (32, 64, ..., max_rows;
 * a launch picks the smallest >= its row bound), and one SpMM external buffer. Sums are not in
 * the reference order: results are within fp32 rounding of the CPU, not bit-identical.
 *
 * @tparam BlockThreads threads per block of the gather and epilogue kernels (multiple of 32 in
 *                      [32, 1024]; default 256, sm_90)
 * @tparam Algorithm    the cuSPARSE SpMM algorithm (default: CUSPARSE_SPMM_ALG_DEFAULT)
 */
template <int BlockThreads = 256, CusparseAlgorithm Algorithm = CusparseAlgorithm::default_alg>
struct Cusparse {
  using policy_category = spmm_policy_tag;
  /// The engine's own upload is unused by this backend (it keeps a cuSPARSE copy per layer).
  static constexpr WeightLayout weight_layout = WeightLayout::by_output;
  static constexpr int block_threads = BlockThreads;
  static constexpr CusparseAlgorithm algorithm = Algorithm;
  /// The smallest column count of the descriptor ladder.
  static constexpr std::int64_t min_columns = 32;

  static_assert(BlockThreads % 32 == 0 && BlockThreads >= 32 && BlockThreads <= 1024,
                "spmm::Cusparse: BlockThreads must be a multiple of 32 in [32, 1024]");
};

}  // namespace spmm
SNICIT_NAMESPACE_END
