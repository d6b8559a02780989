// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file adaptive.hpp
 * @brief The automatic threshold layer (cluster::Adaptive, reference::infer_snicit_adaptive):
 * its knobs (AdaptiveOptions), what one check measured (ThresholdCheck) and the decision rule
 * (ThresholdDetector), shared by the CPU reference and the GPU engine so that both take the same
 * decision from the same counts. docs/adaptive.md explains and justifies the design.
 *
 * At every check layer l (min_layer, min_layer + interval, ... up to max_layer; not inside a
 * fused run of exact layers) the detector looks at the live rows of layer l and predicts what a
 * conversion right there would leave: the k centroids that the conversion's own sampling and
 * pruning would pick (with AdaptiveOptions::samples candidates), and, on P strided probe rows, the
 * fraction whose residue against the nearest centroid (thresholded L0 with tau_conv) would be
 * non-empty. The predicted work of one post-convergence layer is R = k + (A - k) *
 * nonempty_probes / P rows, against A rows for one more exact layer. A check passes when R is low
 * (R <= max_work * A) and waiting one more interval is not worth it: the improvement of R since
 * the previous check (at most the R - k residue rows left to remove), extrapolated over the
 * remaining post layers, does not pay for `interval` more exact layers:
 *
 *     (L - l - interval) * min(max(0, R_prev - R), R - k)  <=  interval * (A - R)
 *
 * The decision is taken one check late: the GPU queues a check's counts without waiting for them
 * and the host reads them at the next check layer, while the layers in between keep the GPU busy.
 * So after `window` consecutive passing checks, the last of them at layer l, the round converts
 * after the next check layer (normally l + interval); the last check layer always converts (max-t
 * fallback) and is not measured.
 */

#include <snicit/config.hpp>
#include <snicit/error.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

SNICIT_NAMESPACE_BEGIN

/// Knobs of the automatic threshold layer (SnicitOptions::adaptive). Ranges are checked by
/// validate(); docs/adaptive.md discusses each.
struct AdaptiveOptions {
  std::int64_t interval = 2;   ///< layers between checks, >= 1
  std::int64_t min_layer = 2;  ///< first check layer (smallest t chosen), 1 <= min_layer < L
  std::int64_t max_layer = 0;  ///< largest t: the last check converts; 0 = L - 1
  std::int64_t probes = 256;   ///< P: strided probe rows whose residue is predicted, >= 1
  std::int64_t samples = 0;    ///< centroid candidates of a check; 0 = SnicitOptions::samples
  std::int64_t window = 2;     ///< consecutive passing checks needed, >= 1
  double max_work = 0.5;       ///< convert only when R <= max_work * A, in (0, 1]
  /// false: the first round of a run decides and later rounds of the same run reuse its t (no
  /// checks); true: every round runs its own detector.
  bool every_round = false;
  /// false: no check inside a fused run of exact layers (a fused launch that continues after the
  /// layer, EngineOptions::fuse_dense_layers), where an exact layer costs less than a post layer;
  /// true: check there too (the fused launch is split at every check layer).
  bool check_fused = false;

  /// Largest t for a network of `layers` layers.
  [[nodiscard]] std::int64_t last_layer(std::int64_t layers) const noexcept {
    return max_layer == 0 ? layers - 1 : std::min(max_layer, layers - 1);
  }

  /// Rejects impossible values with a snicit::LogicError naming the option.
  void validate(std::int64_t layers) const {
    SNICIT_EXPECTS(layers >= 2, "the adaptive threshold needs a network of at least 2 layers");
    SNICIT_EXPECTS(interval >= 1,
                   "adaptive check interval = " + std::to_string(interval) + " must be >= 1");
    SNICIT_EXPECTS(min_layer >= 1 && min_layer < layers,
                   "adaptive min layer = " + std::to_string(min_layer) +
                       " must satisfy 1 <= min < L = " + std::to_string(layers));
    SNICIT_EXPECTS(max_layer == 0 || (max_layer >= min_layer && max_layer < layers),
                   "adaptive max layer = " + std::to_string(max_layer) +
                       " must be 0 (= L - 1) or satisfy min = " + std::to_string(min_layer) +
                       " <= max < L = " + std::to_string(layers));
    SNICIT_EXPECTS(probes >= 1 && probes <= 0x7fffffff,
                   "adaptive probes = " + std::to_string(probes) + " must be in [1, 2^31 - 1]");
    SNICIT_EXPECTS(samples >= 0,
                   "adaptive samples = " + std::to_string(samples) + " must be >= 0 (0 = s)");
    SNICIT_EXPECTS(window >= 1, "adaptive window = " + std::to_string(window) + " must be >= 1");
    SNICIT_EXPECTS(max_work > 0 && max_work <= 1,
                   "adaptive max work = " + std::to_string(max_work) + " must be in (0, 1]");
  }
};

/// What one check measured and decided (per round, in layer order).
struct ThresholdCheck {
  std::int64_t layer = 0;            ///< check layer l (1-based)
  std::int64_t live = 0;             ///< A: live rows after layer l
  std::int64_t centroids = 0;        ///< k: centroids the conversion would pick at l
  std::int64_t probes = 0;           ///< probe rows: min(P, A) less those that are centroids
  std::int64_t nonempty_probes = 0;  ///< probes whose residue would be non-empty
  double predicted_rows = 0;         ///< R = k + (A - k) * nonempty_probes / probes
  bool converts = false;             ///< passed: the conversion runs after the next check layer

  friend bool operator==(ThresholdCheck const&, ThresholdCheck const&) = default;
};

/**
 * @brief The decision rule (see the file comment), one instance per round. Host code, so the
 * CPU reference and the GPU engine decide identically from identical counts. Protocol, at every
 * check layer l in order: observe() the previous check's counts (if one was measured), then
 * converts_at(l): true converts after layer l, false measures a check at layer l.
 */
class ThresholdDetector {
 public:
  /**
   * @param fused_run_end for layer l (1-based, size L + 1 or empty): the last layer of the fused
   *                      run of exact layers that contains l, 0 when none (Engine::fused_runs());
   *                      empty = no fusion. Layers l < fused_run_end[l] are not check layers
   *                      unless AdaptiveOptions::check_fused.
   */
  ThresholdDetector(AdaptiveOptions const& o,
                    std::int64_t layers,
                    std::vector<std::int64_t> fused_run_end = {})
      : o_(o), layers_(layers), last_(o.last_layer(layers)), fused_(std::move(fused_run_end)) {
    o.validate(layers);
    SNICIT_EXPECTS(fused_.empty() || static_cast<std::int64_t>(fused_.size()) == layers + 1,
                   "ThresholdDetector: the fused-run table has " + std::to_string(fused_.size()) +
                       " entries, expected L + 1 = " + std::to_string(layers + 1));
    last_check_ = o_.min_layer + ((last_ - o_.min_layer) / o_.interval) * o_.interval;
  }

  /// True when the host decides (and, unless converting, measures a check) after layer l.
  [[nodiscard]] bool is_check_layer(std::int64_t l) const noexcept {
    if (l < o_.min_layer || l > last_check_ || (l - o_.min_layer) % o_.interval != 0) {
      return false;
    }
    return l == last_check_ || o_.check_fused || fused_.empty() ||
           fused_[static_cast<std::size_t>(l)] <= l;
  }
  /// The last check layer: the largest t the detector can choose.
  [[nodiscard]] std::int64_t last_check() const noexcept {
    return last_check_;
  }

  /// At check layer l, after observing the previous check: true when the round converts after
  /// layer l (an earlier check triggered it, or l is the last check layer).
  [[nodiscard]] bool converts_at(std::int64_t l) const noexcept {
    return triggered_ || l >= last_check_;
  }

  /// Records a measured check (layer, live, centroids, probes, nonempty_probes filled in),
  /// completes predicted_rows and converts (this check triggers the conversion at the next
  /// check layer), and returns converts.
  bool observe(ThresholdCheck& c) {
    double const a = static_cast<double>(c.live);
    double const k = static_cast<double>(std::min(c.centroids, c.live));
    double const frac =
        c.probes > 0 ? static_cast<double>(c.nonempty_probes) / static_cast<double>(c.probes) : 0;
    c.predicted_rows = k + (a - k) * frac;
    bool pass = false;
    if (c.live == 0) {
      pass = true;  // nothing left to compute: converting is free
      streak_ = o_.window - 1;
    } else if (has_prev_) {
      double const remaining = static_cast<double>(layers_ - c.layer - o_.interval);
      double const drop = std::min(std::max(0.0, prev_rows_ - c.predicted_rows),
                                   c.predicted_rows - k);  // R cannot fall below k
      double const gain = std::max(0.0, remaining) * drop;
      double const cost = static_cast<double>(o_.interval) * (a - c.predicted_rows);
      pass = c.predicted_rows <= o_.max_work * a && gain <= cost;
    }
    streak_ = pass ? streak_ + 1 : 0;
    has_prev_ = true;
    prev_rows_ = c.predicted_rows;
    c.converts = streak_ >= o_.window;
    triggered_ = triggered_ || c.converts;
    return c.converts;
  }

 private:
  AdaptiveOptions o_;
  std::int64_t layers_ = 0;
  std::int64_t last_ = 0;
  std::int64_t last_check_ = 0;
  std::vector<std::int64_t> fused_;
  bool has_prev_ = false;
  double prev_rows_ = 0;
  std::int64_t streak_ = 0;
  bool triggered_ = false;
};

SNICIT_NAMESPACE_END
