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

/// Exact mode: all L layers run as pre-convergence layers; no conversion.
struct None {
  using policy_category = cluster_policy_tag;
  static constexpr bool converts = false;
  static constexpr int block_threads = 256;
  static constexpr int prune_threads = 32;
};

}  // namespace cluster
SNICIT_NAMESPACE_END
