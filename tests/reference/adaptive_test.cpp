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

/// Feeds (k, nonempty probes) per check layer until one converts; returns that layer.
std::int64_t decide(AdaptiveOptions const& o,
                    std::int64_t layers,
                    std::vector<std::int64_t> const& ne,
                    std::int64_t live = 10000,
                    std::int64_t k = 10) {
  ThresholdDetector d(o, layers);
  std::size_t i = 0;
  for (std::int64_t l = 1; l < layers; ++l) {
    if (!d.is_check_layer(l)) {
      continue;
    }
    auto c = check(l, live, k, i < ne.size() ? ne[i] : ne.back());
    ++i;
    if (d.observe(c)) {
      return l;
    }
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
  return o;
}

}  // namespace

TEST_CASE("detector: converts at the first check after the predicted work collapses",
          "[adaptive][detector]") {
  AdaptiveOptions o;  // interval 2 from layer 2, window 1, max_work 0.5
  // Checks at 2, 4, 6, ...: all probes non-empty until the check at 8, then none.
  CHECK(decide(o, 20, {100, 100, 100, 0}) == 8);
  // Partly converged (30 % non-empty) and still improving fast: waits, converts when stable.
  CHECK(decide(o, 20, {100, 60, 30, 29}) == 8);
  // The fraction must be at most max_work: 60 % non-empty never converts before the fallback.
  CHECK(decide(o, 20, {100, 60}) == 18);
  o.max_work = 0.7;
  CHECK(decide(o, 20, {100, 60}) == 6);  // 6: the first check with a previous one to compare
}

TEST_CASE("detector: window, max layer and interval", "[adaptive][detector]") {
  AdaptiveOptions o;
  o.window = 3;
  CHECK(decide(o, 20, {100, 100, 0}) == 10);  // passes at 6, 8, 10
  o.window = 1;
  o.max_layer = 9;  // checks 2, 4, 6, 8: the last one converts whatever it sees
  CHECK(decide(o, 20, {100}) == 8);
  o.max_layer = 0;
  o.interval = 3;
  o.min_layer = 1;  // checks 1, 4, 7, ..., 19 (L - 1)
  CHECK(decide(o, 20, {100}) == 19);
  CHECK(decide(o, 20, {100, 100, 0}) == 7);
  ThresholdDetector d(o, 20);
  CHECK(d.last_check() == 19);
  CHECK(d.is_check_layer(4));
  CHECK_FALSE(d.is_check_layer(5));
}

TEST_CASE("detector: the cost model weighs the remaining layers", "[adaptive][detector]") {
  AdaptiveOptions o;
  o.interval = 2;
  o.min_layer = 2;
  // R drops from 5000 to 1000 rows of 10000 between checks 2 and 4 (predicted
  // R = k + (A - k) * f with k = 10). Waiting 2 more layers costs 2 * (A - R) ~ 18000 row-layers;
  // the same drop again would save (L - 4 - 2) * min(4000, R - k) row-layers.
  CHECK(decide(o, 100, {50, 10, 10}) == 6);  // 94 * 990 > 18000: waits once, then stable
  CHECK(decide(o, 10, {50, 10, 10}) == 4);   // 4 * 990 < 18000: converts at once
  // No live row left: converting is free.
  ThresholdDetector d(o, 10);
  auto c = check(2, 0, 0, 0);
  CHECK(d.observe(c));
  CHECK(c.predicted_rows == 0.0);
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
      // The first check layer at or after the collapse.
      std::int64_t const want = interval == 1 ? collapse : ((collapse + 1) / 2) * 2;
      REQUIRE(r.stats.threshold_layer == std::vector<std::int64_t>{want});
      auto const& checks = r.stats.threshold_checks.at(0);
      REQUIRE(checks.back().layer == want);
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

  // Two rounds, each with its own detector: the same data converge at the same layer.
  o = collapse_options();
  o.batch_size = 500;
  auto const net = snicit::test::collapse_network(12, 5);
  r = snicit::reference::infer_snicit_adaptive(net, in, o);
  CHECK(r.stats.threshold_layer == std::vector<std::int64_t>{6, 6});
  CHECK(r.stats.threshold_checks.size() == 2);
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
  // The chosen layer's check predicted little work, unless it is the fallback.
  auto const& last = r.stats.threshold_checks.at(0).back();
  CHECK(last.layer == t);
  CHECK((last.predicted_rows <= 0.5 * double(last.live) || t == 46));
}
