// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file recover.cuh
 * @brief The recovery building block (paper Eq. 6).
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/rows.cuh>
#include <snicit/error.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

/**
 * @brief In place, for rows r < min(*d_count, bound) with centroid_of[r] = c >= 0:
 * yhat_r = yhat_r + yhat_c when nonempty[r], else yhat_r = yhat_c. Centroid rows are unchanged.
 *
 * @param[in,out] yhat        rows packed by position (yhat.cols = output width)
 * @param[in]     centroid_of the map M (-1 for centroids)
 * @param[in]     nonempty    per-row non-empty flags of the last post-convergence layer
 * @param[in]     d_count     device row count (null = bound)
 * @param[in]     bound       host upper bound (grid size)
 * @param[in]     stream      stream the work is queued on
 */
template <int BlockThreads = 256, class Value>
void recover_rows(DenseView<Value> yhat,
                  row_index const* centroid_of,
                  std::uint8_t const* nonempty,
                  row_index const* d_count,
                  std::int64_t bound,
                  cuda::stream_ref stream) {
  if (bound == 0) {
    return;
  }
  detail::recover_kernel<BlockThreads, Value>
      <<<static_cast<unsigned>(bound), BlockThreads, 0, stream.get()>>>(
          yhat, centroid_of, nonempty, d_count, bound);
  SNICIT_CHECK_LAUNCH();
}

}  // namespace kernels
SNICIT_NAMESPACE_END
