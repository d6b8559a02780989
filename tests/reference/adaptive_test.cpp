// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// The automatic threshold detector on the CPU: the decision rule (ThresholdDetector) on given
// counts, and reference::infer_snicit_adaptive on networks with a known convergence layer
// (tests/collapse_network.hpp) and on a generated SDGC network.
#include <snicit/adaptive.hpp>
#include <snicit/data/images.hpp>
#include <snicit/data/radixnet.hpp>
#include <snicit/reference/reference.hpp>

#include <catch.hpp>
#include <collapse_network.hpp>
#include <cstdint>
#include <optional>
#include <vector>

namespace {

using snicit::AdaptiveOptions;
using snicit::ThresholdCheck;
using snicit::ThresholdDetector;

ThresholdCheck check(std::int64_t layer, std::int64_t live, std::int64_t k, std::int64_t ne) {
  ThresholdCheck c;
  c.layer = layer;
  c.live = live;
  c.centroids = k;
  c.probes = 100;
  c.nonempty_probes = ne;
  return c;
}

/// The engine's protocol on given counts: at every check layer, observe the previous check,
/// then convert (return the layer) or measure a check with the next nonempty-probe count of
/// `ne` (its last value repeats). `measured` receives the number of measured checks.
std::int64_t decide(AdaptiveOptions const& o,
                    std::int64_t layers,
                    std::vector<std::int64_t> const& ne,
                    std::int64_t live = 10000,
                    std::int64_t k = 10,
                    std::vector<std::int64_t> const& fused = {},
                    std::int64_t* measured = nullptr) {
  ThresholdDetector d(o, layers, fused);
  std::optional<ThresholdCheck> pending;
  std::size_t i = 0;
  for (std::int64_t l = 1; l < layers; ++l) {
    if (!d.is_check_layer(l)) {
      continue;
    }
    if (pending) {
      d.observe(*pending);
      pending.reset();
    }
    if (d.converts_at(l)) {
      if (measured != nullptr) {
        *measured = static_cast<std::int64_t>(i);
      }
      return l;
    }
    pending = check(l, live, k, i < ne.size() ? ne[i] : ne.back());
    ++i;
  }
  return -1;
}

snicit::SnicitOptions collapse_options() {
  auto o = snicit::SnicitOptions::sdgc_defaults(12);
  o.samples = 32;
  o.downsample = 0;
  o.sampling = snicit::Sampling::strided;
  o.eps = 0.01;  // 0.01 * 64 < 1: only identical samples are pruned
  o.eta = 0.0;
  o.adaptive.probes = 64;
  o.adaptive.window = 1;  // expectations below: the first passing check triggers
  return o;
}

}  // namespace

TEST_CASE("detector: converts one check after the predicted work collapses",
          "[adaptive][detector]") {
  AdaptiveOptions o;  // interval 2 from layer 2, max_work 0.5
  o.window = 1;
  // Checks at 2, 4, 6, ...: all probes non-empty until the check at 8, then none; the check at
  // 8 passes, its counts are read at 10, which converts.
  CHECK(decide(o, 20, {100, 100, 100, 0}) == 10);
  // Partly converged (30 % non-empty) and still improving fast: waits, passes when stable (8).
  CHECK(decide(o, 20, {100, 60, 30, 29}) == 10);
  // The fraction must be at most max_work: 60 % non-empty never converts before the fallback;
  // the last check layer converts without being measured (checks 2..16 measured).
  std::int64_t measured = 0;
  CHECK(decide(o, 20, {100, 60}, 10000, 10, {}, &measured) == 18);
  CHECK(measured == 8);
  o.max_work = 0.7;
  CHECK(decide(o, 20, {100, 60}) == 8);  // passes at 6: the first check whose R did not drop
}

TEST_CASE("detector: one check late", "[adaptive][detector]") {
  AdaptiveOptions o;
  o.window = 1;
  ThresholdDetector d(o, 20);
  CHECK_FALSE(d.converts_at(2));
  auto c2 = check(2, 1000, 10, 0);
  CHECK_FALSE(d.observe(c2));  // the first check has no trend
  CHECK_FALSE(d.converts_at(4));
  auto c4 = check(4, 1000, 10, 0);
  CHECK(d.observe(c4));
  CHECK(c4.converts);
  CHECK(c4.predicted_rows == 10.0);
  CHECK(d.converts_at(6));  // the next check layer converts
  // The last check layer converts whatever was observed.
  ThresholdDetector e(o, 20);
  CHECK_FALSE(e.converts_at(16));
  CHECK(e.converts_at(18));
}

TEST_CASE("detector: window, max layer and interval", "[adaptive][detector]") {
  AdaptiveOptions o;
  CHECK(o.window == 2);                            // the default
  CHECK(decide(o, 20, {100, 100, 0}) == 10);       // passes at 6 and 8; converts at 10
  CHECK(decide(o, 20, {100, 100, 0, 100}) == 18);  // one pass at 6 is not enough
  o.window = 3;
  CHECK(decide(o, 20, {100, 100, 0}) == 12);  // passes at 6, 8, 10; converts at 12
  o.window = 1;
  o.max_layer = 9;  // checks 2, 4, 6, 8: the last one converts whatever it sees
  CHECK(decide(o, 20, {100}) == 8);
  o.max_layer = 0;
  o.interval = 3;
  o.min_layer = 1;  // checks 1, 4, 7, ..., 19 (L - 1)
  CHECK(decide(o, 20, {100}) == 19);
  CHECK(decide(o, 20, {100, 100, 0}) == 10);  // passes at 7
  ThresholdDetector d(o, 20);
  CHECK(d.last_check() == 19);
  CHECK(d.is_check_layer(4));
  CHECK_FALSE(d.is_check_layer(5));
}

TEST_CASE("detector: the cost model weighs the remaining layers", "[adaptive][detector]") {
  AdaptiveOptions o;
  o.window = 1;
  o.interval = 2;
  o.min_layer = 2;
  // R drops from 5000 to 1000 rows of 10000 between checks 2 and 4 (predicted
  // R = k + (A - k) * f with k = 10). Waiting 2 more layers costs 2 * (A - R) ~ 18000 row-layers;
  // the same drop again would save (L - 4 - 2) * min(4000, R - k) row-layers.
  CHECK(decide(o, 100, {50, 10, 10}) == 8);  // 94 * 990 > 18000: waits once, passes at 6
  CHECK(decide(o, 10, {50, 10, 10}) == 6);   // 4 * 990 < 18000: passes at 4 at once
  // No live row left: converting is free.
  ThresholdDetector d(o, 10);
  auto c = check(2, 0, 0, 0);
  CHECK(d.observe(c));
  CHECK(c.predicted_rows == 0.0);
  CHECK(d.converts_at(4));
}

TEST_CASE("detector: no check inside a fused run of exact layers", "[adaptive][detector]") {
  AdaptiveOptions o;  // checks on 2, 4, ..., 10 for L = 12
  o.window = 1;
  // Layers 1..8 are one fused run, 9..12 are not fused.
  std::vector<std::int64_t> fused(13, 0);
  for (std::int64_t l = 1; l <= 8; ++l) {
    fused[static_cast<std::size_t>(l)] = 8;
  }
  ThresholdDetector d(o, 12, fused);
  CHECK_FALSE(d.is_check_layer(2));
  CHECK_FALSE(d.is_check_layer(6));
  CHECK(d.is_check_layer(8));  // the run ends there
  CHECK(d.is_check_layer(10));
  // Converged from the start: the first measured check is at 8, it has no trend; the check at 10
  // is the last and converts unmeasured.
  std::int64_t measured = 0;
  CHECK(decide(o, 12, {0}, 10000, 10, fused, &measured) == 10);
  CHECK(measured == 1);
  // Without fusion the same counts convert at 6 (passes at 4).
  CHECK(decide(o, 12, {0}) == 6);
  // check_fused: the grid again.
  o.check_fused = true;
  CHECK(decide(o, 12, {0}, 10000, 10, fused) == 6);
  // The whole network fused: no measured check, the largest t.
  o.check_fused = false;
  std::vector<std::int64_t> all(13, 12);
  all[0] = 0;
  CHECK(decide(o, 12, {0}, 10000, 10, all, &measured) == 10);
  CHECK(measured == 0);
  CHECK_THROWS_AS(ThresholdDetector(o, 12, std::vector<std::int64_t>(12, 0)), snicit::LogicError);
}

TEST_CASE("detector: options are validated", "[adaptive][detector]") {
  AdaptiveOptions o;
  CHECK_THROWS_AS(ThresholdDetector(o, 1), snicit::LogicError);
  o.interval = 0;
  CHECK_THROWS_AS(o.validate(10), snicit::LogicError);
  o = {};
  o.min_layer = 10;
  CHECK_THROWS_AS(o.validate(10), snicit::LogicError);
  o = {};
  o.max_layer = 1;  // below min_layer = 2
  CHECK_THROWS_AS(o.validate(10), snicit::LogicError);
  o = {};
  o.max_work = 0;
  CHECK_THROWS_AS(o.validate(10), snicit::LogicError);
  o = {};
  o.probes = 0;
  CHECK_THROWS_AS(o.validate(10), snicit::LogicError);
  o = {};
  o.window = 0;
  CHECK_THROWS_AS(o.validate(10), snicit::LogicError);
  o = {};
  CHECK_NOTHROW(o.validate(10));
}

TEST_CASE("reference: the chosen t follows a known convergence layer", "[adaptive][reference]") {
  auto const in = snicit::test::collapse_inputs(2000);
  for (std::int64_t collapse : {3, 5, 7}) {
    auto const net = snicit::test::collapse_network(12, collapse);
    auto const exact = snicit::reference::infer_exact(net, in);
    for (std::int64_t interval : {1, 2}) {
      auto o = collapse_options();
      o.adaptive.interval = interval;
      o.adaptive.min_layer = interval == 1 ? 1 : 2;
      INFO("collapse layer " << collapse << ", interval " << interval);
      auto const r = snicit::reference::infer_snicit_adaptive(net, in, o);
      // The first check layer at or after the collapse passes; the next one converts.
      std::int64_t const passes = interval == 1 ? collapse : ((collapse + 1) / 2) * 2;
      std::int64_t const want = passes + interval;
      REQUIRE(r.stats.threshold_layer == std::vector<std::int64_t>{want});
      auto const& checks = r.stats.threshold_checks.at(0);
      REQUIRE(checks.back().layer == passes);
      REQUIRE(checks.back().converts);
      for (auto const& c : checks) {
        CHECK(c.live == 2000);
        CHECK(c.probes >= 32);  // 64 less those that are centroids
        if (c.layer < collapse) {
          CHECK(c.centroids == 32);  // 32 distinct samples
          CHECK(c.nonempty_probes == c.probes);
          CHECK_FALSE(c.converts);
        } else {
          CHECK(c.centroids == 8);  // the 8 group patterns
          CHECK(c.nonempty_probes == 0);
        }
      }
      CHECK(r.stats.centroids == std::vector<std::int64_t>{8});
      CHECK(r.stats.nonempty_after_conversion == std::vector<std::int64_t>{8});
      CHECK(r.rows == exact.rows);
      CHECK(r.activations.data == exact.activations.data);
    }
  }
  // The default window of 2: passes at 6 and 8, converts at 10.
  auto o = collapse_options();
  o.adaptive.window = 2;
  auto const r =
      snicit::reference::infer_snicit_adaptive(snicit::test::collapse_network(12, 5), in, o);
  CHECK(r.stats.threshold_layer == std::vector<std::int64_t>{10});
  REQUIRE(r.stats.threshold_checks.at(0).size() == 4);  // 2, 4, 6, 8
  CHECK_FALSE(r.stats.threshold_checks[0][2].converts);
  CHECK(r.stats.threshold_checks[0][3].converts);
}

TEST_CASE("reference: no convergence falls back to the largest t; rounds decide separately",
          "[adaptive][reference]") {
  auto const in = snicit::test::collapse_inputs(1000);
  auto o = collapse_options();
  auto const never = snicit::test::collapse_network(12, 0);
  auto r = snicit::reference::infer_snicit_adaptive(never, in, o);
  CHECK(r.stats.threshold_layer == std::vector<std::int64_t>{10});  // checks 2..10, L = 12
  o.adaptive.max_layer = 7;
  r = snicit::reference::infer_snicit_adaptive(never, in, o);
  CHECK(r.stats.threshold_layer == std::vector<std::int64_t>{6});
  CHECK(r.rows == snicit::reference::infer_exact(never, in).rows);

  // Two rounds: round 0 decides (passes at 6, converts at 8), round 1 reuses its t unchecked;
  // with every_round each round runs its own detector and reaches the same t.
  o = collapse_options();
  o.batch_size = 500;
  auto const net = snicit::test::collapse_network(12, 5);
  r = snicit::reference::infer_snicit_adaptive(net, in, o);
  CHECK(r.stats.threshold_layer == std::vector<std::int64_t>{8, 8});
  REQUIRE(r.stats.threshold_checks.size() == 2);
  CHECK(r.stats.threshold_checks[0].size() == 3);  // 2, 4, 6
  CHECK(r.stats.threshold_checks[1].empty());
  auto const reused_rows = r.rows;
  o.adaptive.every_round = true;
  r = snicit::reference::infer_snicit_adaptive(net, in, o);
  CHECK(r.stats.threshold_layer == std::vector<std::int64_t>{8, 8});
  REQUIRE(r.stats.threshold_checks[1].size() == 3);  // round 1 measured its own checks
  CHECK(r.stats.threshold_checks[1].back().layer == 6);
  CHECK(r.stats.threshold_checks[1].back().converts);
  CHECK(r.rows == reused_rows);
  // The oracle follows fused runs: all of layers 1..12 fused -> only the fallback t = 10.
  std::vector<std::int64_t> fused(13, 12);
  fused[0] = 0;
  r = snicit::reference::infer_snicit_adaptive(net, in, o, {}, fused);
  CHECK(r.stats.threshold_layer == std::vector<std::int64_t>{10, 10});
  CHECK(r.stats.threshold_checks[0].empty());
  CHECK(r.rows == snicit::reference::infer_exact(net, in).rows);
  o.adaptive.every_round = false;
  // threshold_layer is ignored, but downsampling wider than a candidate layer is rejected.
  o.threshold_layer = 11;
  o.downsample = 65;
  CHECK_THROWS_AS(snicit::reference::infer_snicit_adaptive(net, in, o), snicit::LogicError);
}

TEST_CASE("reference: adaptive SNICIT on a generated SDGC network keeps the categories",
          "[adaptive][reference]") {
  auto const net = snicit::data::generate_sdgc_network({1024, 48, 1});
  auto const in = snicit::data::synthetic_sdgc_images(1024, 1500, 3);
  auto const exact = snicit::reference::infer_exact(net, in);
  auto const o = snicit::SnicitOptions::sdgc_defaults(48);
  auto const r = snicit::reference::infer_snicit_adaptive(net, in, o);
  REQUIRE_FALSE(exact.rows.empty());
  CHECK(r.rows == exact.rows);
  auto const t = r.stats.threshold_layer.at(0);
  INFO("chosen t = " << t);
  CHECK(t >= o.adaptive.min_layer);
  CHECK(t < 48);
  // The last measured check passed (predicting little work) and the next check layer
  // converted, unless t is the fallback.
  auto const& last = r.stats.threshold_checks.at(0).back();
  CHECK(((last.converts && last.layer + 2 == t && last.predicted_rows <= 0.5 * double(last.live)) ||
         t == 46));
}
