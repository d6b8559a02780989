// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_compiled.hpp
 * @brief The compiled-weights spMM policy, `snicit::spmm::Compiled` (tuning-only type). Its
 * backend lives in the opt-in header `<snicit/kernels/spmm_compiled.cuh>` (needs NVRTC: link
 * CUDA::nvrtc); see docs/backends-block.md.
 */

#include <snicit/config.hpp>
#include <snicit/policy/spmm.hpp>
#include <snicit/types.hpp>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace spmm {

/**
 * @brief Compiled-weights sparse layer product (the SparseRT idea): at engine construction each
 * layer becomes CUDA C++ source with its weights and input indices as literals (one unrolled
 * `acc = acc + x[i] * w` statement per weight), compiled with NVRTC for the current device and
 * loaded through the CUDA runtime's library API (no driver API). One kernel per layer; each
 * thread owns one batch row and one segment of about `SegmentNnz` weights (grid y = segment).
 *
 * Every output is summed from +0 in ascending input order with rounded products (no FMA): bit-
 * identical to the CPU reference. Supported activations: snicit::ReluClip and snicit::Relu
 * (the epilogue is generated code; the cap is a kernel argument).
 *
 * @tparam MaxNnz      largest layer (stored weights) accepted; larger layers are refused with a
 *                     snicit::LogicError at prepare (engine construction). Compile time grows
 *                     about linearly with nnz (order of seconds per 10^4 weights).
 * @tparam BlockThreads threads per block (multiple of 32, <= 1024)
 * @tparam SegmentNnz  weights per output segment (>= 1); more segments = more parallelism
 */
template <std::int64_t MaxNnz = 16384, int BlockThreads = 128, int SegmentNnz = 2048>
struct Compiled {
  using policy_category = spmm_policy_tag;
  /// The engine's CSR upload is not used by the generated kernels.
  static constexpr WeightLayout weight_layout = WeightLayout::by_output;
  static constexpr int block_threads = BlockThreads;
  static constexpr std::int64_t max_nnz = MaxNnz;
  static constexpr int segment_nnz = SegmentNnz;

  static_assert(MaxNnz >= 0, "spmm::Compiled: MaxNnz must be >= 0");
  static_assert(BlockThreads % 32 == 0 && BlockThreads >= 32 && BlockThreads <= 1024,
                "spmm::Compiled: BlockThreads must be a multiple of 32 in [32, 1024]");
  static_assert(SegmentNnz >= 1, "spmm::Compiled: SegmentNnz must be >= 1");
};

}  // namespace spmm
SNICIT_NAMESPACE_END
