// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file convert.cuh
 * @brief The conversion building block (paper Alg. 2): every live row becomes a centroid or the
 * residue to its nearest centroid.
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/convert.cuh>
#include <snicit/error.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

/**
 * @brief Converts the A = *d_num_live live rows to centroids + residues, packed by live
 * position k into yhat.
 *
 * - centroid rows (k in centroids[0..k)): copied, centroid_of[k] = -1, nonempty[k] = 1;
 * - other rows: nearest centroid c by thresholded L0 distance #{|y_k - y_c| > tau} (ties: first
 *   centroid), centroid_of[k] = c's live position, yhat_k = y_k - y_c with |.| <= tau zeroed,
 *   nonempty[k] = any non-zero entry (negative entries count);
 * - k in [A, bound): nonempty[k] = 0, centroid_of[k] = -1.
 *
 * @tparam BlockThreads threads per row block
 * @param[in]  y               rows (y.cols = N); must not overlap yhat
 * @param[in]  live_rows       live entry k is y.row(live_rows[k]); null = identity
 * @param[in]  d_num_live      device count A (<= bound)
 * @param[in]  bound           host upper bound of A (grid size)
 * @param[in]  centroids       live positions of the centroids, ascending
 * @param[in]  d_num_centroids device count k
 * @param[in]  tau             tau_conv >= 0
 * @param[out] yhat            >= bound rows of N columns
 * @param[out] centroid_of     bound entries (the map M)
 * @param[out] nonempty        bound flags
 * @param[in]  stream          stream the work is queued on
 */
template <int BlockThreads = 256, class Value>
void convert_to_residues(DenseView<Value const> y,
                         row_index const* live_rows,
                         row_index const* d_num_live,
                         std::int64_t bound,
                         row_index const* centroids,
                         row_index const* d_num_centroids,
                         double tau,
                         DenseView<Value> yhat,
                         row_index* centroid_of,
                         std::uint8_t* nonempty,
                         cuda::stream_ref stream) {
  SNICIT_EXPECTS(tau >= 0, "convert_to_residues: tau_conv must be non-negative");
  SNICIT_EXPECTS(yhat.cols == y.cols, "convert_to_residues: yhat and y widths differ");
  if (bound == 0) {
    return;
  }
  detail::convert_kernel<BlockThreads, Value>
      <<<static_cast<unsigned>(bound), BlockThreads, 0, stream.get()>>>(y,
                                                                        live_rows,
                                                                        d_num_live,
                                                                        bound,
                                                                        centroids,
                                                                        d_num_centroids,
                                                                        static_cast<Value>(tau),
                                                                        yhat,
                                                                        centroid_of,
                                                                        nonempty);
  SNICIT_CHECK_LAUNCH();
}

}  // namespace kernels
SNICIT_NAMESPACE_END
