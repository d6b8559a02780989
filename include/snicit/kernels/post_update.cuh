// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file post_update.cuh
 * @brief The post-convergence update building block (paper Alg. 3 / Eq. 5, with tau_post
 * pruning and non-empty flags).
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/post_update.cuh>
#include <snicit/error.hpp>
#include <snicit/policy/activation.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

/**
 * @brief Updates the rows of the non-empty list from this layer's product S = Yhat * W:
 * centroid r: yhat_r = act(S_r + b); residue r with centroid c:
 * yhat_r = act(S_c + S_r + b) - act(S_c + b) with |.| <= tau zeroed; nonempty[r] = any != 0
 * (always 1 for centroids). Centroids must be in the list.
 *
 * @param[in]  s             products S (s.cols = outputs), at the rows' positions
 * @param[out] yhat          updated rows (yhat.cols = outputs); must not overlap s
 * @param[in]  bias          one entry per output
 * @param[in]  list          row positions (centroids and non-empty residues)
 * @param[in]  d_list_count  device count of the list (<= bound)
 * @param[in]  bound         host upper bound (grid size)
 * @param[in]  centroid_of   the map M (-1 for centroids)
 * @param[in]  tau           tau_post >= 0
 * @param[in]  act           the activation
 * @param[out] nonempty      per-row flags (only listed rows are written)
 * @param[out] d_stats_count optional: receives the list size (for statistics)
 * @param[in]  stream        stream the work is queued on
 */
template <int BlockThreads = 256, class Value, class Act>
void post_update(DenseView<Value const> s,
                 DenseView<Value> yhat,
                 Value const* bias,
                 row_index const* list,
                 row_index const* d_list_count,
                 std::int64_t bound,
                 row_index const* centroid_of,
                 double tau,
                 Act const& act,
                 std::uint8_t* nonempty,
                 row_index* d_stats_count,
                 cuda::stream_ref stream) {
  static_assert(is_activation_v<Act, Value>, "post_update: Act must map Value to Value");
  SNICIT_EXPECTS(tau >= 0, "post_update: tau_post must be non-negative");
  SNICIT_EXPECTS(s.cols == yhat.cols, "post_update: S and Yhat widths differ");
  if (bound == 0) {
    if (d_stats_count != nullptr) {
      SNICIT_CUDA_TRY(cudaMemsetAsync(d_stats_count, 0, sizeof(row_index), stream.get()));
    }
    return;
  }
  detail::post_update_kernel<BlockThreads, Value, Act>
      <<<static_cast<unsigned>(bound), BlockThreads, 0, stream.get()>>>(s,
                                                                        yhat,
                                                                        bias,
                                                                        list,
                                                                        d_list_count,
                                                                        bound,
                                                                        centroid_of,
                                                                        static_cast<Value>(tau),
                                                                        act,
                                                                        nonempty,
                                                                        d_stats_count);
  SNICIT_CHECK_LAUNCH();
}

}  // namespace kernels
SNICIT_NAMESPACE_END
