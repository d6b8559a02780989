// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file adaptive.cuh
 * @brief Building blocks of the automatic threshold detector (cluster::Adaptive): the predicted
 * non-empty residues of strided probe rows (reference::threshold_check on the CPU), and the
 * snapshot of the rows a check reads.
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/adaptive.cuh>
#include <snicit/error.hpp>
#include <snicit/options.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

/**
 * @brief Counts the probe rows whose residue against the nearest centroid would be non-empty.
 *
 * P' = min(probes, A) probes, A = *d_num_live; probe i is live entry floor(i * A / P'). A probe
 * that is a centroid is excluded (counted in *d_excluded); any other is empty when some centroid
 * has no entry with |y_p - y_c| > tau. Zeroes both counters first.
 *
 * @tparam Warps       warps per block; one block per probe, its warps share out the centroids
 * @param[in]  y               rows, y.cols = N
 * @param[in]  live_rows       live entry k is y.row(live_rows[k]); null = identity
 * @param[in]  d_num_live      device count A
 * @param[in]  probes          P >= 1 (host)
 * @param[in]  centroids       live positions of the k centroids (e.g. from prune_samples)
 * @param[in]  d_num_centroids device count k
 * @param[in]  tau             conversion tolerance tau_conv (>= 0)
 * @param[out] d_nonempty      device counter of the non-empty probes
 * @param[out] d_excluded      device counter of the probes that are centroids
 * @param[in]  stream          stream the work is queued on
 */
template <int Warps = 8, class Value>
void probe_residues(DenseView<Value const> y,
                    row_index const* live_rows,
                    row_index const* d_num_live,
                    std::int64_t probes,
                    row_index const* centroids,
                    row_index const* d_num_centroids,
                    double tau,
                    row_index* d_nonempty,
                    row_index* d_excluded,
                    cuda::stream_ref stream) {
  static_assert(Warps >= 1 && Warps <= 32, "probe_residues: Warps must be in [1, 32]");
  SNICIT_EXPECTS(probes >= 1 && probes <= 0x7fffffff,
                 "probe_residues: probes must be in [1, 2^31 - 1]");
  SNICIT_EXPECTS(tau >= 0, "probe_residues: tau must be non-negative");
  if (d_excluded == d_nonempty + 1) {  // adjacent counters (the engine's): one memset
    SNICIT_CUDA_TRY(cudaMemsetAsync(d_nonempty, 0, 2 * sizeof(row_index), stream.get()));
  } else {
    SNICIT_CUDA_TRY(cudaMemsetAsync(d_nonempty, 0, sizeof(row_index), stream.get()));
    SNICIT_CUDA_TRY(cudaMemsetAsync(d_excluded, 0, sizeof(row_index), stream.get()));
  }
  auto const blocks = static_cast<unsigned>(probes);
  detail::probe_residues_kernel<Warps, Value>
      <<<blocks, Warps * 32, 0, stream.get()>>>(y,
                                                live_rows,
                                                d_num_live,
                                                probes,
                                                centroids,
                                                d_num_centroids,
                                                static_cast<Value>(tau),
                                                d_nonempty,
                                                d_excluded);
  SNICIT_CHECK_LAUNCH();
}

/**
 * @brief Copies the rows a detector check reads (its samples and its probes) out of the live
 * rows, so that the check can run on while later layers overwrite the activations and the live
 * list.
 *
 * Snapshot row r < samples is sample_rows' pick i = r (Sampling::first: live entry i; strided:
 * floor(i A / s'), s' = min(samples, A)); row samples + i is probe_residues' probe i (live entry
 * floor(i A / P'), P' = min(probes, A)). map[entry] = its snapshot row. Running sample_rows and probe_residues afterwards on `snap`
 * with `map` as their live list and *d_live_copy as their count gives the results they give on
 * the live rows themselves.
 *
 * @param[in]  y            rows, y.cols = N
 * @param[in]  live_rows    live entry k is y.row(live_rows[k]); null = identity
 * @param[in]  d_num_live   device count A
 * @param[in]  samples      s >= 0 (host)
 * @param[in]  sampling     the sampling rule of the samples
 * @param[in]  probes       P >= 0 (host)
 * @param[out] snap         >= samples + probes rows of >= N columns
 * @param[out] map          >= A entries; only the sampled and probed entries are written
 * @param[out] d_live_copy  device counter, receives A
 * @param[in]  stream       stream the work is queued on
 */
template <class Value>
void snapshot_check_rows(DenseView<Value const> y,
                         row_index const* live_rows,
                         row_index const* d_num_live,
                         std::int64_t samples,
                         Sampling sampling,
                         std::int64_t probes,
                         DenseView<Value> snap,
                         row_index* map,
                         row_index* d_live_copy,
                         cuda::stream_ref stream) {
  SNICIT_EXPECTS(
      samples >= 0 && probes >= 0 && samples + probes >= 1 && samples + probes <= 0x7fffffff,
      "snapshot_check_rows: need samples, probes >= 0 and 1 <= samples + probes < 2^31");
  SNICIT_EXPECTS(snap.rows >= samples + probes && snap.cols >= y.cols,
                 "snapshot_check_rows: snap must have >= samples + probes rows and N columns");
  constexpr int threads = 256;
  detail::snapshot_check_rows_kernel<threads, Value>
      <<<static_cast<unsigned>(samples + probes), threads, 0, stream.get()>>>(
          y,
          live_rows,
          d_num_live,
          samples,
          sampling == Sampling::strided,
          probes,
          snap,
          map,
          d_live_copy);
  SNICIT_CHECK_LAUNCH();
}

}  // namespace kernels
SNICIT_NAMESPACE_END
