// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file options.hpp
 * @brief Runtime options of the SNICIT algorithm, shared by the CPU reference and the GPU engine.
 *
 * Threshold semantics: `threshold_layer` = t is the number of sparse layers computed exactly
 * (pre-convergence). The conversion runs on the output of layer t (t = 0: on the input itself),
 * layers t+1..L run on the compressed representation, and recovery follows layer L. So
 * 0 <= t <= L-1.
 */

#include <snicit/adaptive.hpp>
#include <snicit/config.hpp>
#include <snicit/error.hpp>

#include <cstdint>
#include <string>

SNICIT_NAMESPACE_BEGIN

/// How the s sample rows are taken from the live rows at layer t.
enum class Sampling {
  strided,  ///< row floor(i * A / s) of the A live rows, i = 0..s-1 (the authors' beyond code)
  first     ///< the first s live rows (the paper's wording, the authors' SDGC code)
};

/// All runtime knobs of SNICIT. Defaults are the paper's for the trained MNIST networks.
struct SnicitOptions {
  std::int64_t threshold_layer = 8;   ///< t: layers computed before conversion, 0 <= t < L
  std::int64_t samples = 128;         ///< s: sample rows considered as centroid candidates, >= 1
  std::int64_t downsample = 0;        ///< n: segments for sum-downsampling; 0 = compare full rows
  double eps = 0.03;                  ///< prune a sample if < eps * dim entries differ from a base
  double eta = 0.03;                  ///< two entries "differ" in pruning when |a - b| > eta
  double tau_conv = 0.04;             ///< conversion: |diff| <= tau_conv counts as equal, zeroed
  double tau_post = 0.05;             ///< post-convergence: |v| <= tau_post is zeroed
  std::int64_t rebuild_interval = 1;  ///< rebuild the non-empty row list every k post layers
  std::int64_t batch_size = 0;        ///< rows per round; 0 = the whole input in one round
  Sampling sampling = Sampling::strided;
  /// Knobs of the automatic threshold layer; used only by cluster::Adaptive and
  /// reference::infer_snicit_adaptive (which ignore threshold_layer), see docs/adaptive.md.
  AdaptiveOptions adaptive{};

  /// Defaults of the paper / authors' code for the trained MNIST ("beyond") networks.
  [[nodiscard]] static SnicitOptions beyond_defaults(std::int64_t layers) {
    SnicitOptions o;
    o.threshold_layer = layers >= 16 ? 8 : ((layers / 2) / 2) * 2;
    return o;
  }
  /// Defaults for SDGC networks: t = 30 (or 2L/3 for networks of at most 45 layers), s = 32,
  /// n = 16, no tolerances (exact residues), list rebuilt every 200 layers. Rows of SDGC networks
  /// converge within ~20-30 layers; converting earlier still gives the same categories except at
  /// exact float ties (docs/reference.md).
  [[nodiscard]] static SnicitOptions sdgc_defaults(std::int64_t layers) {
    SnicitOptions o;
    o.threshold_layer = layers > 45 ? 30 : (2 * layers) / 3;
    o.samples = 32;
    o.downsample = 16;
    o.tau_conv = 0.0;
    o.tau_post = 0.0;
    o.rebuild_interval = 200;
    o.sampling = Sampling::first;
    return o;
  }

  /**
   * @brief Rejects impossible combinations with a snicit::LogicError naming the option.
   * @param layers number of sparse layers L
   * @param neurons width N of the layer-t activations (bounds `downsample`)
   */
  void validate(std::int64_t layers, std::int64_t neurons) const {
    SNICIT_EXPECTS(layers >= 1, "the network has no layers");
    SNICIT_EXPECTS(threshold_layer >= 0 && threshold_layer < layers,
                   "threshold layer t = " + std::to_string(threshold_layer) +
                       " must satisfy 0 <= t < L = " + std::to_string(layers));
    SNICIT_EXPECTS(samples >= 1, "samples s = " + std::to_string(samples) + " must be >= 1");
    SNICIT_EXPECTS(batch_size >= 0, "batch size must be >= 0 (0 = whole input)");
    SNICIT_EXPECTS(batch_size == 0 || samples <= batch_size,
                   "samples s = " + std::to_string(samples) + " exceeds the batch size " +
                       std::to_string(batch_size));
    SNICIT_EXPECTS(downsample >= 0 && downsample <= neurons,
                   "downsample segments n = " + std::to_string(downsample) +
                       " must satisfy 0 <= n <= N = " + std::to_string(neurons));
    SNICIT_EXPECTS(eps >= 0 && eta >= 0 && tau_conv >= 0 && tau_post >= 0,
                   "eps, eta, tau_conv and tau_post must be non-negative");
    SNICIT_EXPECTS(rebuild_interval >= 1, "rebuild interval must be >= 1");
  }
};

SNICIT_NAMESPACE_END
