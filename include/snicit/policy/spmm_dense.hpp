// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_dense.hpp
 * @brief The dense tensor-core spMM policy, `snicit::spmm::DenseTensorCore<...>` (tuning-only
 * type). Its backend lives in `<snicit/kernels/spmm_dense.cuh>` (not included by
 * `<snicit/engine.cuh>`).
 *
 * Host-compilable (no CUDA compiler needed).
 */

#include <snicit/config.hpp>
#include <snicit/policy/spmm.hpp>
#include <snicit/types.hpp>

SNICIT_NAMESPACE_BEGIN
namespace spmm {

/// Operand precision of the tensor-core products (accumulation is always fp32).
enum class Precision {
  fp16,       ///< x and W rounded to fp16 (11-bit significand); ~1e-3 relative error
  tf32,       ///< x and W rounded to tf32 (11-bit significand, fp32 range); ~1e-3 relative
  fp16_split  ///< x = hi + lo and W = hi + lo in fp16 (lo scaled by 2^11); hi*hi + hi*lo + lo*hi
              ///< accumulated in fp32: ~2^-22 operand error, near-fp32 results
};

/**
 * @brief Dense tensor-core GEMM for dense-ish layers (e.g. the ~60 %-dense trained MNIST nets):
 * at engine construction W is densified (N_in x N_out, zero-padded to tile multiples) in the
 * operand precision; a launch gathers the listed fp32 input rows (converted on load), multiplies
 * them with WMMA tiles (fp32 accumulators) and applies the fused epilogue (bias + activation +
 * alive flag, or the plain product), scattering to the output rows.
 *
 * Each block owns `BlockRows` list entries and walks every output tile of 64 columns, so the
 * alive flag of a row is decided inside one block. Memory: N_in x N_out x (2, 4 or 4) bytes per
 * layer for fp16, tf32, fp16_split; meant for layers up to a few thousand neurons.
 *
 * @tparam P         operand precision (see Precision)
 * @tparam BlockRows list entries per block: 16, 32 or 64 (BlockRows / 16 x 2 warps); default 32
 * @note fp16 operands overflow above 65504 in magnitude (inputs are clipped activations, e.g.
 *       <= 32 for SDGC, <= 1 for MNIST nets, so this is no limit in practice).
 */
template <Precision P = Precision::fp16, int BlockRows = 32>
struct DenseTensorCore {
  using policy_category = spmm_policy_tag;
  /// The engine's own upload is unused by this backend (it keeps a dense copy per layer).
  static constexpr WeightLayout weight_layout = WeightLayout::by_output;
  static constexpr Precision precision = P;
  static constexpr int block_rows = BlockRows;
  static constexpr int tile_cols = 64;  ///< output columns per tile (2 warps x 32)
  static constexpr int tile_k = 32;     ///< inputs per shared-memory stage
  static constexpr int warps = (BlockRows / 16) * 2;
  static constexpr int block_threads = warps * 32;

  static_assert(BlockRows == 16 || BlockRows == 32 || BlockRows == 64,
                "spmm::DenseTensorCore: BlockRows must be 16, 32 or 64");
};

}  // namespace spmm
SNICIT_NAMESPACE_END
