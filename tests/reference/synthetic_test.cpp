// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit::reference on tiny hand-built and seeded random networks: the expected values are
// computed by hand or by the naive dense implementation in helpers.hpp.

#include <snicit/options.hpp>
#include <snicit/reference/reference.hpp>

#include "catch.hpp"
#include "reference/helpers.hpp"

#include <cstdint>
#include <string>
#include <vector>

using namespace snicit;
using snicit::test::csr_from_dense;
using snicit::test::csr_from_triplets;
using snicit::test::dense;

namespace {

/// One N x N layer from triplets with a single bias for every output.
SparseLayer<float> layer_of(std::int64_t n,
                            std::vector<std::tuple<int, int, float>> t,
                            std::vector<float> bias) {
  SparseLayer<float> l;
  l.weights = csr_from_triplets(n, n, std::move(t));
  l.bias = std::move(bias);
  return l;
}

/// Identity layer on n neurons with bias b.
SparseLayer<float> identity_layer(std::int64_t n, float b) {
  std::vector<std::tuple<int, int, float>> t;
  for (int i = 0; i < n; ++i) {
    t.emplace_back(i, i, 1.0f);
  }
  return layer_of(n, std::move(t), {b});
}

/// SNICIT options with every tolerance 0 (exact residues, no pruning of distinct samples).
SnicitOptions exact_like(std::int64_t t, std::int64_t s) {
  SnicitOptions o;
  o.threshold_layer = t;
  o.samples = s;
  o.eps = 0.0;
  o.eta = 0.0;
  o.tau_conv = 0.0;
  o.tau_post = 0.0;
  return o;
}

}  // namespace

TEST_CASE("exact: hand-built layers clamp at the cap and add the bias", "[reference][exact]") {
  SparseNetwork<float> net;
  net.activation_cap = 3.0f;
  // y0 = x0*2 + x1*1 - 0.5 ; y1 = x1*1 - 0.5
  net.layers.push_back(layer_of(2, {{0, 0, 2.0f}, {1, 0, 1.0f}, {1, 1, 1.0f}}, {-0.5f}));
  auto const x = dense({{2.0f, 1.0f}, {0.25f, 0.0f}, {0.0f, 0.25f}});
  auto const r = reference::infer_exact(net, x);
  // row 0: 4+1-0.5 = 4.5 -> 3 (cap), 1-0.5 = 0.5; row 1: 0.5-0.5 = 0 dead; row 2: 0.25-0.5 < 0 dead
  REQUIRE(r.rows == std::vector<std::int64_t>{0});
  CHECK(r.activations(0, 0) == 3.0f);
  CHECK(r.activations(0, 1) == 0.5f);
  CHECK(r.alive_per_layer == std::vector<std::int64_t>{1});
  CHECK(r.nnz_per_layer == std::vector<std::int64_t>{2});
  CHECK(r.categories() == r.rows);
}

TEST_CASE("exact: dead rows are dropped, and revived by a positive bias when one follows",
          "[reference][exact]") {
  SparseNetwork<float> net;
  net.activation_cap = 32.0f;
  net.layers.push_back(identity_layer(3, -1.0f));  // rows with all entries <= 1 die here
  net.layers.push_back(identity_layer(3, -0.5f));
  auto const x = dense({{2.0f, 0.0f, 0.0f}, {0.5f, 1.0f, 0.0f}, {0.0f, 0.0f, 4.0f}, {0, 0, 0}});
  auto const r = reference::infer_exact(net, x);
  // row 0: 1, then 0.5; row 1: dead after layer 1; row 2: 3 then 2.5; row 3: zero input
  CHECK(r.rows == std::vector<std::int64_t>{0, 2});
  CHECK(r.alive_per_layer == std::vector<std::int64_t>{2, 2});
  CHECK(r.activations(0, 0) == 0.5f);
  CHECK(r.activations(1, 2) == 2.5f);

  // Layer 2 with a positive bias: a dead row does not stay dead, so it is not dropped.
  net.layers[1].bias = {0.25f};
  auto const revived = reference::infer_exact(net, x);
  CHECK(revived.rows == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(revived.alive_per_layer == std::vector<std::int64_t>{2, 4});
  CHECK(revived.activations(1, 0) == 0.25f);  // row 1: act(0 + 0.25)
  CHECK(revived.activations(3, 1) == 0.25f);
  CHECK(revived.activations(0, 0) == 1.25f);
}

TEST_CASE("exact: matches the naive dense implementation bit for bit", "[reference][exact]") {
  auto const seed = GENERATE(1u, 2u, 3u, 4u);
  snicit::test::RandomNetSpec spec;
  spec.bias_hi = seed % 2 == 0 ? 0.05f : 0.0f;  // some layers with positive biases
  auto const net = snicit::test::random_network(spec, seed);
  auto const x = snicit::test::random_input(120, spec.neurons, seed);
  auto const expected = snicit::test::naive_dense_inference(net, x);
  auto const threads = GENERATE(1, 3);
  reference::ExactOptions opts;
  opts.threads = threads;
  auto const r_dense = reference::infer_exact(net, x, opts);
  auto const r_csr = reference::infer_exact(net, csr_from_dense(x), opts);
  CAPTURE(seed, threads);
  CHECK(r_dense.rows == snicit::test::nonzero_rows(expected));
  CHECK(r_dense.rows == r_csr.rows);
  CHECK(r_dense.activations == r_csr.activations);
  CHECK(snicit::test::full_activations(r_dense, x.rows, spec.neurons) == expected);
  CHECK(r_dense.alive_per_layer.size() == 6);
  CHECK(r_dense.alive_per_layer.back() == static_cast<std::int64_t>(r_dense.rows.size()));
}

TEST_CASE("exact: empty input and networks of different widths", "[reference][exact]") {
  SparseNetwork<float> net;
  net.activation_cap = 1.0f;
  SparseLayer<float> a;
  a.weights = csr_from_triplets(3, 2, {{0, 0, 1.0f}, {2, 1, 0.5f}});
  a.bias = {0.0f, 0.0f};
  SparseLayer<float> b;
  b.weights = csr_from_triplets(2, 4, {{0, 3, 1.0f}, {1, 0, 2.0f}});
  b.bias = {0.0f};
  net.layers = {a, b};
  auto const empty = reference::infer_exact(net, DenseMatrix<float>(0, 3));
  CHECK(empty.rows.empty());
  CHECK(empty.activations.rows == 0);
  CHECK(empty.alive_per_layer == std::vector<std::int64_t>{0, 0});
  auto const r = reference::infer_exact(net, dense({{0.5f, 0.0f, 0.5f}}));
  REQUIRE(r.rows == std::vector<std::int64_t>{0});
  CHECK(r.activations.cols == 4);
  CHECK(r.activations(0, 0) == 0.5f);  // 0.25 * 2
  CHECK(r.activations(0, 3) == 0.5f);
  SNICIT_REQUIRE_THROWS_WITH_SUBSTR(
      reference::infer_exact(net, DenseMatrix<float>(2, 5)), LogicError, "columns");
}

TEST_CASE("sampling positions: strided, first, and s > A", "[reference][snicit]") {
  using reference::sample_positions;
  CHECK(sample_positions(10, 4, Sampling::strided) == std::vector<std::int64_t>{0, 2, 5, 7});
  CHECK(sample_positions(10, 4, Sampling::first) == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(sample_positions(3, 8, Sampling::strided) == std::vector<std::int64_t>{0, 1, 2});
  CHECK(sample_positions(3, 8, Sampling::first) == std::vector<std::int64_t>{0, 1, 2});
  CHECK(sample_positions(0, 8, Sampling::strided).empty());
}

TEST_CASE("downsampling: segment boundaries when n does not divide N", "[reference][snicit]") {
  auto const rows = dense({{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}});
  auto const f = reference::downsample(rows, 3);  // [0,3) [3,6) [6,10)
  REQUIRE(f.cols == 3);
  CHECK(f(0, 0) == 6.0f);
  CHECK(f(0, 1) == 15.0f);
  CHECK(f(0, 2) == 34.0f);
  CHECK(f(1, 0) == 3.0f);
  CHECK(f(1, 1) == 3.0f);
  CHECK(f(1, 2) == 4.0f);
  auto const g = reference::downsample(rows, 4);  // [0,2) [2,5) [5,7) [7,10)
  CHECK(g.row(0)[0] == 3.0f);
  CHECK(g.row(0)[1] == 12.0f);
  CHECK(g.row(0)[2] == 13.0f);
  CHECK(g.row(0)[3] == 27.0f);
  CHECK(reference::downsample(rows, 10) == rows);
  SNICIT_REQUIRE_THROWS_WITH_SUBSTR(reference::downsample(rows, 11), LogicError, "segments");
}

TEST_CASE("sample pruning follows Alg. 1 in sample order", "[reference][snicit]") {
  // dim 4, eps 0.3 -> prune when fewer than 1.2 entries differ (0 or 1), eta 0.03.
  auto const f = dense({
      {0, 0, 0, 0},        // 0: base, survives
      {0, 0, 0, 1},        // 1: 1 entry differs from 0 -> pruned by 0
      {0, 0, 1, 1},        // 2: 2 from 0 -> survives (it is within 1 of sample 1, which is dead)
      {1, 1, 1, 1},        // 3: survives
      {1, 1, 1, 1.02f},    // 4: |1.02 - 1| <= eta -> 0 entries differ from 3 -> pruned by 3
      {0, 0, 1, 1.03125f}  // 5: 1 entry (0.03125 > eta) differs from 2 -> pruned by 2
  });
  CHECK(reference::prune_samples(f, 0.3, 0.03) == std::vector<std::int64_t>{0, 2, 3});
  // eps = 0: nothing is ever pruned (count < 0 never holds): every sample is a centroid.
  CHECK(reference::prune_samples(f, 0.0, 0.03).size() == 6);
  // a huge eps: everything collapses onto sample 0.
  CHECK(reference::prune_samples(f, 10.0, 0.03) == std::vector<std::int64_t>{0});
}

TEST_CASE("conversion: tau_conv, negative residues and tie-breaking", "[reference][snicit]") {
  auto const y = dense({
      {1.0f, 1.0f, 1.0f, 1.0f},    // 0: centroid
      {1.25f, 1.0f, 1.0f, 1.0f},   // 1: diff exactly tau = 0.25 -> counts as equal, zeroed
      {0.5f, 1.0f, 1.0f, 1.0f},    // 2: residue -0.5 only -> non-empty
      {2.0f, 2.0f, 2.0f, 2.0f},    // 3: centroid
      {1.5f, 1.5f, 1.5f, 1.5f},    // 4: distance 4 to both -> tie -> first centroid in list order
      {2.0f, 2.0f, 2.0f, 2.125f},  // 5: distance 0 to centroid 3 -> empty, residue 0.125 dropped
  });
  auto const cb = reference::convert(y, {3, 0}, 0.25);  // list order: row 3 first
  REQUIRE(cb.centroids == std::vector<std::int64_t>{3, 0});
  CHECK(cb.assignment == std::vector<std::int64_t>{1, 1, 1, 0, 0, 0});
  CHECK(cb.list == std::vector<std::int64_t>{0, 2, 3, 4});
  CHECK(cb.centroid_slot == std::vector<std::int64_t>{2, 0});
  // row 0 (centroid): full row
  CHECK(cb.values(0, 0) == 1.0f);
  // row 2: residue [-0.5, 0, 0, 0]
  CHECK(cb.values(1, 0) == -0.5f);
  CHECK(cb.values(1, 1) == 0.0f);
  // row 4: residue against row 3 = -0.5 everywhere
  CHECK(cb.values(3, 3) == -0.5f);

  // Recovery of the un-processed conversion reproduces the rows up to tau.
  auto const y_rec = reference::recover(cb);
  CHECK(y_rec(1, 0) == 1.0f);  // the 0.25 difference was within tau
  CHECK(y_rec(2, 0) == 0.5f);
  CHECK(y_rec(4, 2) == 1.5f);
  CHECK(y_rec(5, 3) == 2.0f);
}

TEST_CASE("post-convergence update: tau_post at exactly tau is zeroed", "[reference][snicit]") {
  // Two rows at layer t: centroid c = [1, 1], row r = [1.5, 1]; tau_conv 0 -> residue [0.5, 0].
  auto const y = dense({{1.0f, 1.0f}, {1.5f, 1.0f}});
  auto cb = reference::convert(y, {0}, 0.0);
  REQUIRE(cb.list.size() == 2);
  // Layer: out0 = 0.5*in0, out1 = 1*in0, bias 0, cap 10.
  SparseLayer<float> layer;
  layer.weights = csr_from_triplets(2, 2, {{0, 0, 0.5f}, {0, 1, 1.0f}});
  layer.bias = {0.0f};
  // S_r = [0.25, 0.5] -> v = [0.25, 0.5]; with tau_post 0.25 the first entry is zeroed.
  reference::post_layer(cb, layer, 10.0f, 0.25);
  CHECK(cb.values(0, 0) == 0.5f);  // centroid: act(0.5)
  CHECK(cb.values(0, 1) == 1.0f);
  CHECK(cb.values(1, 0) == 0.0f);
  CHECK(cb.values(1, 1) == 0.5f);
  CHECK(cb.nonempty == std::vector<std::uint8_t>{1, 1});
  // Next layer kills the residue entirely: out = in0 only (residue is 0 there) -> empty.
  SparseLayer<float> second;
  second.weights = csr_from_triplets(2, 2, {{0, 0, 1.0f}});
  second.bias = {0.0f};
  reference::post_layer(cb, second, 10.0f, 0.0);
  CHECK(cb.nonempty == std::vector<std::uint8_t>{1, 0});
  reference::rebuild_list(cb);
  CHECK(cb.list == std::vector<std::int64_t>{0});
  auto const rec = reference::recover(cb);
  CHECK(rec(1, 0) == 0.5f);
  CHECK(rec(1, 1) == 0.0f);
}

TEST_CASE("snicit: every row its own centroid equals exact inference for any batch size",
          "[reference][snicit]") {
  snicit::test::RandomNetSpec spec;
  auto const net = snicit::test::random_network(spec, 11);
  auto const x = snicit::test::random_input(91, spec.neurons, 11);
  auto const exact = reference::infer_exact(net, x);
  auto const batch = GENERATE(std::int64_t(0), std::int64_t(7), std::int64_t(30), std::int64_t(91));
  auto const t = GENERATE(std::int64_t(0), std::int64_t(3), std::int64_t(5));
  auto o = exact_like(t, batch == 0 ? 1000 : batch);
  o.batch_size = batch;
  o.tau_conv = 0.1;  // irrelevant: nothing is a residue row
  o.tau_post = 0.1;
  auto const r = reference::infer_snicit(net, x, o);
  CAPTURE(batch, t);
  CHECK(r.rows == exact.rows);
  CHECK(r.activations == exact.activations);  // bit for bit: centroids are computed exactly
  CHECK(r.alive_per_layer == exact.alive_per_layer);
  CHECK(r.nnz_per_layer == exact.nnz_per_layer);
  auto const rounds = batch == 0 ? 1 : (91 + batch - 1) / batch;
  CHECK(static_cast<std::int64_t>(r.stats.centroids.size()) == rounds);
  for (std::size_t i = 0; i < r.stats.centroids.size(); ++i) {
    CHECK(r.stats.centroids[i] == r.stats.rows_at_conversion[i]);
    CHECK(r.stats.nonempty_per_post_layer[i].size() == static_cast<std::size_t>(6 - t));
    CHECK(r.stats.alive_per_pre_layer[i].size() == static_cast<std::size_t>(t));
  }
}

TEST_CASE("snicit: all tolerances 0 equals exact inference on random networks",
          "[reference][snicit]") {
  auto const seed = GENERATE(21u, 22u, 23u, 24u, 25u, 26u);
  snicit::test::RandomNetSpec spec;
  spec.neurons = 32;
  spec.layers = 8;
  spec.cap = seed % 2 == 0 ? 1.0f : 4.0f;
  spec.bias_hi = seed % 3 == 0 ? 0.05f : 0.0f;
  auto const net = snicit::test::random_network(spec, seed);
  auto const x = snicit::test::random_input(150, spec.neurons, seed);
  auto const exact = reference::infer_exact(net, x);
  auto o = exact_like(static_cast<std::int64_t>(seed % 8), 8 + seed % 5);
  o.sampling = seed % 2 == 0 ? Sampling::strided : Sampling::first;
  o.downsample = seed % 3 == 1 ? 5 : 0;
  o.batch_size = seed % 4 == 0 ? 50 : 0;
  o.rebuild_interval = 1 + seed % 3;
  auto const r = reference::infer_snicit(net, x, o);
  CAPTURE(seed, o.threshold_layer, o.samples);
  CHECK(r.stats.centroids.front() < r.stats.rows_at_conversion.front());  // residues exist
  CHECK(r.rows == exact.rows);
  auto const err = snicit::test::max_row_relative_error(
      snicit::test::full_activations(exact, 150, 32), snicit::test::full_activations(r, 150, 32));
  CHECK(err <= 1e-5);
}

TEST_CASE("snicit: the rebuild interval does not change the results", "[reference][snicit]") {
  snicit::test::RandomNetSpec spec;
  spec.layers = 10;
  spec.weight_shift = 0.8;  // rows neither all die nor all survive
  auto const net = snicit::test::random_network(spec, 31);
  auto const x = snicit::test::random_input(200, spec.neurons, 31);
  SnicitOptions o;
  o.threshold_layer = 3;
  o.samples = 16;
  o.eps = 0.2;
  o.eta = 0.1;
  o.tau_conv = 0.05;
  o.tau_post = 0.05;
  o.rebuild_interval = 1;
  auto const base = reference::infer_snicit(net, x, o);
  REQUIRE(!base.rows.empty());
  REQUIRE(base.stats.nonempty_per_post_layer[0].back() < base.stats.nonempty_after_conversion[0]);
  for (std::int64_t k : {2, 3, 1000}) {
    o.rebuild_interval = k;
    auto const r = reference::infer_snicit(net, x, o);
    CAPTURE(k);
    CHECK(r.rows == base.rows);
    CHECK(r.activations == base.activations);
    CHECK(r.alive_per_layer == base.alive_per_layer);
    CHECK(r.stats.nonempty_after_conversion == base.stats.nonempty_after_conversion);
    // the list only shrinks at rebuilds, so a longer interval never uses a shorter list
    for (std::size_t p = 0; p < r.stats.nonempty_per_post_layer[0].size(); ++p) {
      CHECK(r.stats.nonempty_per_post_layer[0][p] >= base.stats.nonempty_per_post_layer[0][p]);
    }
  }
  // with interval 1000 the list never changes after conversion
  auto const last = reference::infer_snicit(net, x, o);
  for (auto const n : last.stats.nonempty_per_post_layer[0]) {
    CHECK(n == base.stats.nonempty_after_conversion[0]);
  }
}

TEST_CASE("snicit: t = 0 and t = L-1", "[reference][snicit]") {
  snicit::test::RandomNetSpec spec;
  auto const net = snicit::test::random_network(spec, 41);
  auto const x = snicit::test::random_input(100, spec.neurons, 41);
  auto const exact = reference::infer_exact(net, x);
  for (std::int64_t t : {std::int64_t(0), spec.layers - 1}) {
    auto const r = reference::infer_snicit(net, csr_from_dense(x), exact_like(t, 10));
    CAPTURE(t);
    CHECK(r.rows == exact.rows);
    CHECK(r.stats.alive_per_pre_layer[0].size() == static_cast<std::size_t>(t));
    CHECK(r.stats.nonempty_per_post_layer[0].size() == static_cast<std::size_t>(spec.layers - t));
    CHECK(snicit::test::max_row_relative_error(snicit::test::full_activations(exact, 100, 24),
                                               snicit::test::full_activations(r, 100, 24)) <= 1e-5);
    // input rows that are all zero are dropped before conversion (zero stays zero here)
    CHECK(r.stats.rows_at_conversion[0] <= 100);
  }
}

TEST_CASE("snicit: all rows collapse to one centroid", "[reference][snicit]") {
  snicit::test::RandomNetSpec spec;
  auto const net = snicit::test::random_network(spec, 51);
  auto one = snicit::test::random_input(1, spec.neurons, 51, 0.2);
  DenseMatrix<float> x(40, spec.neurons);
  for (std::int64_t r = 0; r < 40; ++r) {
    std::copy(one.row(0).begin(), one.row(0).end(), x.row(r).begin());
  }
  auto const exact = reference::infer_exact(net, x);
  auto o = exact_like(2, 16);
  o.eps = 0.03;  // identical samples differ in 0 entries < eps * dim
  auto const r = reference::infer_snicit(net, x, o);
  CHECK(r.stats.centroids == std::vector<std::int64_t>{1});
  CHECK(r.stats.nonempty_after_conversion == std::vector<std::int64_t>{1});
  for (auto const n : r.stats.nonempty_per_post_layer[0]) {
    CHECK(n == 1);
  }
  CHECK(r.rows == exact.rows);
  CHECK(r.activations == exact.activations);
}

TEST_CASE("snicit: nothing converges, s > A, all rows dead before t, empty input",
          "[reference][snicit]") {
  snicit::test::RandomNetSpec spec;
  auto const net = snicit::test::random_network(spec, 61);
  auto const x = snicit::test::random_input(60, spec.neurons, 61);

  SECTION("nothing converges: every sample becomes a centroid") {
    auto o = exact_like(2, 12);
    o.eta = 0.0;
    o.eps = 0.03;  // prune only when fewer than 0.72 entries differ: distinct rows never prune
    auto const r = reference::infer_snicit(net, x, o);
    CHECK(r.stats.centroids[0] == 12);
  }
  SECTION("s > A live rows") {
    auto const r = reference::infer_snicit(net, x, exact_like(3, 1000));
    auto const A = r.stats.rows_at_conversion[0];
    CHECK(A < 1000);
    CHECK(r.stats.centroids[0] == A);
    CHECK(r.rows == reference::infer_exact(net, x).rows);
  }
  SECTION("all rows dead before t") {
    auto dead = net;
    dead.layers[0].bias = {-100.0f};
    auto const r = reference::infer_snicit(dead, x, exact_like(3, 8));
    CHECK(r.rows.empty());
    CHECK(r.activations.rows == 0);
    CHECK(r.stats.rows_at_conversion == std::vector<std::int64_t>{0});
    CHECK(r.stats.centroids == std::vector<std::int64_t>{0});
    CHECK(r.stats.nonempty_per_post_layer[0] == std::vector<std::int64_t>(3, 0));
    CHECK(r.alive_per_layer == std::vector<std::int64_t>(6, 0));
  }
  SECTION("empty input") {
    auto const r =
        reference::infer_snicit(net, DenseMatrix<float>(0, spec.neurons), exact_like(3, 8));
    CHECK(r.rows.empty());
    CHECK(r.activations.rows == 0);
    CHECK(r.activations.cols == spec.neurons);
    CHECK(r.stats.centroids.empty());
  }
}

TEST_CASE("snicit: the observer sees every layer and phase", "[reference][snicit]") {
  snicit::test::RandomNetSpec spec;
  auto const net = snicit::test::random_network(spec, 71);
  auto const x = snicit::test::random_input(50, spec.neurons, 71);
  std::vector<std::string> phases;
  std::vector<std::int64_t> layers;
  reference::ExactOptions opts;
  opts.observer = [&](reference::LayerReport const& r) {
    phases.emplace_back(r.phase);
    layers.push_back(r.layer);
  };
  (void)reference::infer_snicit(net, x, exact_like(2, 8), opts);
  CHECK(phases == std::vector<std::string>{
                      "pre", "pre", "conversion", "post", "post", "post", "post", "recovery"});
  CHECK(layers == std::vector<std::int64_t>{1, 2, 0, 3, 4, 5, 6, 0});
  phases.clear();
  (void)reference::infer_exact(net, x, opts);
  CHECK(phases == std::vector<std::string>(6, "pre"));
}

TEST_CASE("snicit: invalid options are rejected naming the option", "[reference][snicit]") {
  snicit::test::RandomNetSpec spec;
  auto const net = snicit::test::random_network(spec, 81);
  auto const x = snicit::test::random_input(10, spec.neurons, 81);
  SnicitOptions o = exact_like(2, 4);
  SECTION("t >= L") {
    o.threshold_layer = 6;
    SNICIT_REQUIRE_THROWS_WITH_SUBSTR(reference::infer_snicit(net, x, o), LogicError, "threshold");
  }
  SECTION("negative t") {
    o.threshold_layer = -1;
    SNICIT_REQUIRE_THROWS_WITH_SUBSTR(reference::infer_snicit(net, x, o), LogicError, "threshold");
  }
  SECTION("negative tolerance") {
    o.tau_post = -0.1;
    SNICIT_REQUIRE_THROWS_WITH_SUBSTR(reference::infer_snicit(net, x, o), LogicError, "tau_post");
  }
  SECTION("n > N") {
    o.downsample = 25;
    SNICIT_REQUIRE_THROWS_WITH_SUBSTR(reference::infer_snicit(net, x, o), LogicError, "downsample");
  }
  SECTION("s > batch") {
    o.batch_size = 3;
    SNICIT_REQUIRE_THROWS_WITH_SUBSTR(reference::infer_snicit(net, x, o), LogicError, "samples");
  }
  SECTION("s = 0") {
    o.samples = 0;
    SNICIT_REQUIRE_THROWS_WITH_SUBSTR(reference::infer_snicit(net, x, o), LogicError, "samples");
  }
  SECTION("rebuild interval 0") {
    o.rebuild_interval = 0;
    SNICIT_REQUIRE_THROWS_WITH_SUBSTR(reference::infer_snicit(net, x, o), LogicError, "rebuild");
  }
}

TEST_CASE("classify: dense layers, argmax ties and accuracy", "[reference][classify]") {
  ClassifierNetwork<float> net;
  DenseLayer<float> in;
  in.weights = dense({{1.0f, 0.0f}, {0.0f, 2.0f}, {1.0f, 1.0f}});  // 3 -> 2
  in.bias = {0.0f, -0.5f};
  net.input = in;
  net.hidden.activation_cap = 1.0f;
  net.hidden.layers.push_back(identity_layer(2, 0.0f));
  net.output.weights = dense({{1.0f, 1.0f, 0.0f}, {0.0f, 1.0f, 2.0f}});  // 2 -> 3
  net.output.bias = {0.0f, 0.0f, 0.0f};
  auto const x = dense({{0.5f, 0.0f, 0.0f},    // h = [0.5, 0]   -> logits [0.5, 0.5, 0] -> tie -> 0
                        {0.0f, 0.5f, 0.0f},    // h = [0, 0.5]   -> [0, 0.5, 1] -> 2
                        {2.0f, 1.0f, 0.0f},    // h = [1 (cap), 1] -> [1, 2, 2] -> tie -> 1
                        {0.0f, 0.0f, 0.0f}});  // h = [0, 0] (dead) -> logits = bias -> 0
  auto const r = reference::classify_exact(net, x);
  CHECK(r.predicted == std::vector<std::int32_t>{0, 2, 1, 0});
  CHECK(r.logits(1, 2) == 1.0f);
  CHECK(r.logits(2, 1) == 2.0f);
  CHECK_FALSE(r.stats.has_value());
  auto const s = reference::classify_snicit(net, x, exact_like(0, 4));
  CHECK(s.predicted == r.predicted);
  REQUIRE(s.stats.has_value());
  CHECK(s.stats->centroids.size() == 1);

  CHECK(reference::accuracy(r.predicted, {0, 2, 0, 0}) == 0.75);
  CHECK(reference::accuracy({}, {}) == 0.0);
  SNICIT_REQUIRE_THROWS_WITH_SUBSTR(reference::accuracy(r.predicted, {0}), LogicError, "labels");
  // shape checks
  SNICIT_REQUIRE_THROWS_WITH_SUBSTR(
      reference::classify_exact(net, DenseMatrix<float>(1, 4)), LogicError, "input width");
  auto bad = exact_like(1, 4);  // t = 1 = L
  SNICIT_REQUIRE_THROWS_WITH_SUBSTR(
      reference::classify_snicit(net, x, bad), LogicError, "threshold");
}
