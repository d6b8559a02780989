// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file cluster.cuh
 * @brief Centroid selection building blocks: column sampling with optional sum-downsampling
 * (`sample_rows`) and sample pruning, paper Alg. 1 (`prune_samples`).
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/cluster.cuh>
#include <snicit/error.hpp>
#include <snicit/options.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

/**
 * @brief Takes s' = min(samples, A) sample rows of the A = *d_num_live live rows and optionally
 * sum-downsamples them.
 *
 * Sample i is live entry k = floor(i*A/s') (Sampling::strided) or k = i (Sampling::first);
 * `sample_pos[i] = k`. With `segments` = n > 0, `f(i, j)` = sum of the row over
 * [floor(j*N/n), floor((j+1)*N/n)), else `f.row(i)` is the row itself (f.cols = n or N).
 *
 * @param[in]  y            rows, y.cols = N
 * @param[in]  live_rows    live entry k is y.row(live_rows[k]); null = identity
 * @param[in]  d_num_live   device count A
 * @param[in]  samples      s >= 1 (host)
 * @param[in]  sampling     strided or first
 * @param[in]  segments     n (0 = no downsampling), n <= N
 * @param[out] f            >= samples rows of n (or N) columns
 * @param[out] sample_pos   >= samples entries
 * @param[out] d_num_samples device counter, receives s'
 * @param[in]  stream       stream the work is queued on
 */
template <class Value>
void sample_rows(DenseView<Value const> y,
                 row_index const* live_rows,
                 row_index const* d_num_live,
                 std::int64_t samples,
                 Sampling sampling,
                 std::int64_t segments,
                 DenseView<Value> f,
                 row_index* sample_pos,
                 row_index* d_num_samples,
                 cuda::stream_ref stream) {
  SNICIT_EXPECTS(samples >= 1, "sample_rows: samples must be >= 1");
  SNICIT_EXPECTS(segments >= 0 && segments <= y.cols, "sample_rows: need 0 <= segments <= N");
  SNICIT_EXPECTS(f.rows >= samples && f.cols == (segments > 0 ? segments : y.cols),
                 "sample_rows: f must have >= samples rows and n (or N) columns");
  constexpr int threads = 256;
  detail::sample_rows_kernel<threads, Value>
      <<<static_cast<unsigned>(samples), threads, 0, stream.get()>>>(y,
                                                                     live_rows,
                                                                     d_num_live,
                                                                     samples,
                                                                     sampling == Sampling::strided,
                                                                     segments,
                                                                     f,
                                                                     sample_pos,
                                                                     d_num_samples);
  SNICIT_CHECK_LAUNCH();
}

/// prune_samples compares 32 bases at a time up to this many samples (33 * ceil(s / 32) words of
/// shared memory); above it, one base at a time.
inline constexpr std::int64_t prune_tiled_max_samples = 8192;

/**
 * @brief Sample pruning (paper Alg. 1) in one block: in sample order, each sample still kept
 * prunes every later kept sample that differs from it (|a - b| > eta) in fewer than
 * eps * f.cols entries. The survivors are the centroids. Up to prune_tiled_max_samples rows of f
 * the pairs of 32 bases at a time are compared in parallel and the bases replayed with bit masks
 * (s'/32 dependent steps instead of s'); the result is the same.
 *
 * @tparam BlockThreads threads of the single block (one warp per compared sample)
 * @param[in]  f               the samples (rows 0..s'-1 used), e.g. from sample_rows
 * @param[in]  d_num_samples   device count s'
 * @param[in]  eps, eta        pruning tolerances (>= 0)
 * @param[out] keep_scratch    >= f.rows bytes of device scratch (used above
 *                             prune_tiled_max_samples rows)
 * @param[in]  sample_pos      live position of each sample
 * @param[out] centroids       live positions of the survivors, ascending (>= f.rows entries)
 * @param[out] d_num_centroids device counter k
 * @param[in]  stream          stream the work is queued on
 */
template <int BlockThreads = 1024, class Value>
void prune_samples(DenseView<Value const> f,
                   row_index const* d_num_samples,
                   double eps,
                   double eta,
                   std::uint8_t* keep_scratch,
                   row_index const* sample_pos,
                   row_index* centroids,
                   row_index* d_num_centroids,
                   cuda::stream_ref stream) {
  SNICIT_EXPECTS(eps >= 0 && eta >= 0, "prune_samples: eps and eta must be non-negative");
  double const limit = eps * static_cast<double>(f.cols);
  if (f.rows <= prune_tiled_max_samples) {
    std::int64_t const words = (f.rows + 31) / 32;
    std::size_t const bytes = static_cast<std::size_t>(33 * words) * sizeof(std::uint32_t);
    detail::prune_samples_tiled_kernel<BlockThreads, Value>
        <<<1, BlockThreads, bytes, stream.get()>>>(f,
                                                   d_num_samples,
                                                   static_cast<Value>(eta),
                                                   limit,
                                                   words,
                                                   sample_pos,
                                                   centroids,
                                                   d_num_centroids);
  } else {
    detail::prune_samples_kernel<BlockThreads, Value>
        <<<1, BlockThreads, 0, stream.get()>>>(f,
                                               d_num_samples,
                                               static_cast<Value>(eta),
                                               limit,
                                               keep_scratch,
                                               sample_pos,
                                               centroids,
                                               d_num_centroids);
  }
  SNICIT_CHECK_LAUNCH();
}

}  // namespace kernels
SNICIT_NAMESPACE_END
