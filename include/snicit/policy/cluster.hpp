// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file cluster.hpp
 * @brief Clustering (conversion) policies: `cluster::CoarseSample` (the paper's column sampling,
 * optional sum-downsampling and sample pruning, then the thresholded-L0 conversion) and
 * `cluster::None` (exact mode: every layer is computed exactly, no conversion).
 *
 * Runtime knobs (s, n, eps, eta, tau_conv, tau_post, t, rebuild interval) are in
 * snicit::SnicitOptions; the policy holds only compile-time tuning.
 *
 * A cluster policy is a trivially copyable type with
 * - `using policy_category = snicit::cluster::cluster_policy_tag;`
 * - `static constexpr bool converts` (false: exact mode);
 * - `static constexpr int block_threads` (threads of the per-row conversion/update kernels).
 */

#include <snicit/config.hpp>

#include <type_traits>

SNICIT_NAMESPACE_BEGIN
namespace cluster {

/// Marks a type as a cluster policy.
struct cluster_policy_tag {};

/**
 * @brief The paper's coarse-grained clustering (Alg. 1 + Alg. 2) and post-convergence update
 * (Alg. 3 / Eq. 5) with recovery (Eq. 6).
 *
 * @tparam BlockThreads threads of the per-row kernels (conversion, update, recovery)
 * @tparam PruneThreads threads of the single-block pruning kernel (one warp per compared sample)
 */
template <int BlockThreads = 256, int PruneThreads = 1024>
struct CoarseSample {
  using policy_category = cluster_policy_tag;
  static constexpr bool converts = true;
  static constexpr int block_threads = BlockThreads;
  static constexpr int prune_threads = PruneThreads;
  static_assert(BlockThreads % 32 == 0 && BlockThreads >= 32 && BlockThreads <= 1024,
                "cluster::CoarseSample: BlockThreads must be a multiple of 32 in [32, 1024]");
  static_assert(PruneThreads % 32 == 0 && PruneThreads >= 32 && PruneThreads <= 1024,
                "cluster::CoarseSample: PruneThreads must be a multiple of 32 in [32, 1024]");
};

/**
 * @brief CoarseSample with the threshold layer t chosen at inference time: a
 * convergence detector runs after the check layers of the pre-convergence phase and triggers the
 * conversion (knobs in SnicitOptions::adaptive, rule in adaptive.hpp, design in
 * docs/adaptive.md). SnicitOptions::threshold_layer is ignored. A check's counters are copied
 * to pinned host memory behind an event and read one check layer later (the layers in between
 * keep the GPU busy); round 0 of a run decides, later rounds reuse its t by default.
 *
 * @tparam BlockThreads threads of the per-row kernels (conversion, update, recovery)
 * @tparam PruneThreads threads of the single-block pruning kernel
 * @tparam ProbeWarps   warps per block of the detector's probe kernel (one probe row per block,
 *                      its warps share out the centroids)
 */
template <int BlockThreads = 256, int PruneThreads = 1024, int ProbeWarps = 8>
struct Adaptive {
  using policy_category = cluster_policy_tag;
  static constexpr bool converts = true;
  static constexpr bool adaptive_threshold = true;
  static constexpr int block_threads = BlockThreads;
  static constexpr int prune_threads = PruneThreads;
  static constexpr int probe_warps = ProbeWarps;
  static_assert(BlockThreads % 32 == 0 && BlockThreads >= 32 && BlockThreads <= 1024,
                "cluster::Adaptive: BlockThreads must be a multiple of 32 in [32, 1024]");
  static_assert(PruneThreads % 32 == 0 && PruneThreads >= 32 && PruneThreads <= 1024,
                "cluster::Adaptive: PruneThreads must be a multiple of 32 in [32, 1024]");
  static_assert(ProbeWarps >= 1 && ProbeWarps <= 32,
                "cluster::Adaptive: ProbeWarps must be in [1, 32]");
};

/// True for cluster policies that choose the threshold layer at run time (cluster::Adaptive).
template <class P, class = void>
inline constexpr bool is_adaptive_v = false;
template <class P>
inline constexpr bool is_adaptive_v<P, std::void_t<decltype(P::adaptive_threshold)>> =
    P::adaptive_threshold;

/// Exact mode: all L layers run as pre-convergence layers; no conversion.
struct None {
  using policy_category = cluster_policy_tag;
  static constexpr bool converts = false;
  static constexpr int block_threads = 256;
  static constexpr int prune_threads = 32;
};

}  // namespace cluster
SNICIT_NAMESPACE_END
