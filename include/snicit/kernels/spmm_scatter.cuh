// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_scatter.cuh
 * @brief `snicit::kernels::SpmmBackend<spmm::RowScatter<...>>`: the row-scatter spMM backend
 * (stateless; reads the engine's CSR upload of W by input). Include it (or <snicit/engine.cuh>,
 * which includes it) before naming an Engine with this policy.
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/spmm_scatter.cuh>
#include <snicit/error.hpp>
#include <snicit/kernels/spmm.cuh>
#include <snicit/policy/spmm_scatter.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

/// RowScatter: one block of BlockThreads threads per row of the bound, an output slab of at most
/// SlabKiB KiB of dynamic shared memory.
template <int BlockThreads, int SlabKiB>
struct SpmmBackend<spmm::RowScatter<BlockThreads, SlabKiB>> {
  using policy = spmm::RowScatter<BlockThreads, SlabKiB>;

  template <class Value, class Act>
  static void launch(SpmmArgs<Value> const& args, Act const& act, cuda::stream_ref stream) {
    if (args.num_rows_bound == 0) {
      return;
    }
    SNICIT_EXPECTS(args.num_rows_bound <= std::numeric_limits<int>::max(),
                   "spmm RowScatter: more than 2^31 - 1 rows");
    std::int64_t const per_slab =
        static_cast<std::int64_t>(policy::slab_bytes / sizeof(Value));  // >= 128
    std::int64_t const slab_cols = std::max<std::int64_t>(1, std::min(args.out.cols, per_slab));
    std::size_t const smem = static_cast<std::size_t>(slab_cols) * sizeof(Value);
    auto const grid = static_cast<unsigned>(args.num_rows_bound);
    detail::row_scatter_kernel<BlockThreads, Value, Act>
        <<<grid, BlockThreads, smem, stream.get()>>>(args, slab_cols, act);
    SNICIT_CHECK_LAUNCH();
  }
};

}  // namespace kernels
SNICIT_NAMESPACE_END
