// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit::Engine against the serial oracle of oracle.hpp: exact mode and SNICIT mode, several
// batch sizes and rounds, t = 0 / mid / L-1, one-centroid collapse, nothing converging, option
// validation, CSR vs dense input, moved engine, observer.
#include <snicit/engine.cuh>

#include "oracle.hpp"

#include <catch.hpp>
#include <cmath>
#include <string>
#include <vector>

namespace {

using ExactEngine = snicit::Engine<float, snicit::spmm::RowGather<>, snicit::cluster::None>;
using SnicitEngine = snicit::Engine<>;

void require_same(oracle::Result const& want,
                  snicit::RunResult<float> const& got,
                  float rel_tol = 0.0f) {
  REQUIRE(got.categories == want.rows);
  REQUIRE(got.activations.rows == static_cast<std::int64_t>(want.rows.size()));
  std::int64_t bad = 0;
  for (std::size_t r = 0; r < want.rows.size(); ++r) {
    for (std::int64_t j = 0; j < got.activations.cols; ++j) {
      float const a = got.activations(static_cast<std::int64_t>(r), j);
      float const b = want.activations[r][static_cast<std::size_t>(j)];
      if (!(std::fabs(a - b) <= rel_tol * std::max(std::fabs(b), 1.0f))) {
        ++bad;
      }
    }
  }
  REQUIRE(bad == 0);
}

snicit::SparseNetwork<float> sdgc_like(std::int64_t n, std::int64_t layers, std::uint64_t seed) {
  // SDGC-like: 32 inputs per output, weight 1/16, bias -0.3, cap 32.
  return oracle::random_network(n, layers, 32, -0.3f, 32.0f, seed, 0.0625f);
}

}  // namespace

TEST_CASE("exact mode matches the oracle bit for bit", "[gpu][engine]") {
  auto const net = oracle::random_network(256, 6, 24, -0.05f, 1.0f, 11);
  auto const in = oracle::random_input(300, 256, 0.2, 1.0f, false, 12);
  snicit::Stream stream;
  auto const batch =
      GENERATE(std::int64_t{0}, std::int64_t{1}, std::int64_t{31}, std::int64_t{128});
  CAPTURE(batch);
  snicit::EngineOptions eo;
  eo.max_batch = batch == 0 ? 300 : batch;
  eo.snicit.batch_size = batch;
  ExactEngine engine(net, eo, stream);
  auto const got = engine.run(in, stream);
  auto const want = oracle::infer(net, in, false, eo.snicit);
  require_same(want, got);
  REQUIRE_FALSE(got.categories.empty());
  // CSR input gives the same result.
  auto const got_csr = engine.run(oracle::to_csr(in), stream);
  REQUIRE(got_csr.categories == got.categories);
  REQUIRE(got_csr.activations == got.activations);
}

TEST_CASE("exact mode on an SDGC-like network drops dead rows", "[gpu][engine]") {
  auto const net = sdgc_like(512, 12, 21);
  auto const in = oracle::random_input(1000, 512, 0.3, 1.0f, true, 22);
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = 1000;
  eo.bound_refresh_interval = 4;
  ExactEngine engine(net, eo, stream);
  auto const got = engine.run(in, stream);
  auto const want = oracle::infer(net, in, false, eo.snicit);
  require_same(want, got);
  REQUIRE(got.stats.rounds.size() == 1);
  REQUIRE(got.stats.rounds[0].alive_per_pre_layer == want.alive_per_pre_layer);
}

TEST_CASE("SNICIT mode matches the oracle", "[gpu][engine]") {
  std::int64_t const L = 8;
  auto const net = sdgc_like(256, L, 31);
  auto const in = oracle::random_input(1000, 256, 0.35, 1.0f, true, 32);
  snicit::Stream stream;
  auto const t = GENERATE(std::int64_t{0}, std::int64_t{4}, std::int64_t{7});
  auto const batch =
      GENERATE(std::int64_t{1}, std::int64_t{31}, std::int64_t{1000}, std::int64_t{300});
  auto const down = GENERATE(std::int64_t{0}, std::int64_t{16});
  CAPTURE(t, batch, down);
  snicit::EngineOptions eo;
  eo.max_batch = batch;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(L);
  eo.snicit.threshold_layer = t;
  eo.snicit.samples = std::min<std::int64_t>(32, batch);
  eo.snicit.downsample = down;
  eo.snicit.batch_size = batch;
  eo.snicit.rebuild_interval = 2;
  SnicitEngine engine(net, eo, stream);
  auto const got = engine.run(in, stream);
  auto const want = oracle::infer(net, in, true, eo.snicit);
  require_same(want, got);
  auto const& last = got.stats.rounds.back();
  REQUIRE(last.centroids == want.centroids);
  REQUIRE(last.live_at_conversion == want.live_at_conversion);
  REQUIRE(last.nonempty_after_conversion == want.nonempty_after_conversion);
}

TEST_CASE("SNICIT mode with tolerances (MNIST-like) matches the oracle", "[gpu][engine]") {
  std::int64_t const L = 10;
  auto const net = oracle::random_network(128, L, 40, -0.02f, 1.0f, 41, 0.0f, -0.1f, 0.12f);
  auto const in = oracle::random_input(500, 128, 0.3, 1.0f, false, 42, 0);
  snicit::Stream stream;
  auto const sampling = GENERATE(snicit::Sampling::strided, snicit::Sampling::first);
  auto const rebuild = GENERATE(std::int64_t{1}, std::int64_t{3});
  snicit::EngineOptions eo;
  eo.max_batch = 500;
  eo.snicit = snicit::SnicitOptions::beyond_defaults(L);
  eo.snicit.sampling = sampling;
  eo.snicit.rebuild_interval = rebuild;
  SnicitEngine engine(net, eo, stream);
  auto const got = engine.run(in, stream);
  auto const want = oracle::infer(net, in, true, eo.snicit);
  require_same(want, got);
  REQUIRE(got.stats.rounds[0].centroids == want.centroids);
}

TEST_CASE("identical rows collapse to one centroid", "[gpu][engine]") {
  std::int64_t const L = 6;
  auto const net = sdgc_like(256, L, 51);
  auto one = oracle::random_input(1, 256, 0.4, 1.0f, true, 52, 0);
  snicit::DenseMatrix<float> in(200, 256);
  for (std::int64_t r = 0; r < 200; ++r) {
    std::copy(one.row(0).begin(), one.row(0).end(), in.row(r).begin());
  }
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = 200;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(L);
  eo.snicit.threshold_layer = 2;
  SnicitEngine engine(net, eo, stream);
  auto const got = engine.run(in, stream);
  auto const want = oracle::infer(net, in, true, eo.snicit);
  require_same(want, got);
  auto const& rs = got.stats.rounds[0];
  if (rs.live_at_conversion > 0) {
    REQUIRE(rs.centroids == 1);
    REQUIRE(rs.nonempty_after_conversion == 1);
  }
}

TEST_CASE("nothing converges: every sample is a centroid", "[gpu][engine]") {
  std::int64_t const L = 6;
  auto const net = oracle::random_network(128, L, 30, -0.02f, 1.0f, 61, 0.0f, -0.1f, 0.15f);
  auto const in = oracle::random_input(64, 128, 0.3, 1.0f, false, 62, 0);
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = 64;
  eo.snicit.threshold_layer = 3;
  eo.snicit.samples = 64;
  eo.snicit.eps = 0.0;  // count < 0 never holds: no sample is pruned
  eo.snicit.tau_conv = 0.0;
  eo.snicit.tau_post = 0.0;
  SnicitEngine engine(net, eo, stream);
  auto const got = engine.run(in, stream);
  auto const want = oracle::infer(net, in, true, eo.snicit);
  require_same(want, got);
  REQUIRE(got.stats.rounds[0].centroids == got.stats.rounds[0].live_at_conversion);
}

TEST_CASE("results do not depend on the rebuild interval", "[gpu][engine]") {
  std::int64_t const L = 9;
  auto const net = sdgc_like(256, L, 71);
  auto const in = oracle::random_input(400, 256, 0.35, 1.0f, true, 72);
  snicit::Stream stream;
  std::vector<std::int64_t> first;
  for (std::int64_t k : {1, 2, 5, 200}) {
    snicit::EngineOptions eo;
    eo.max_batch = 400;
    eo.snicit = snicit::SnicitOptions::sdgc_defaults(L);
    eo.snicit.threshold_layer = 3;
    eo.snicit.rebuild_interval = k;
    SnicitEngine engine(net, eo, stream);
    auto const got = engine.run(in, stream);
    if (first.empty()) {
      first = got.categories;
    }
    REQUIRE(got.categories == first);
  }
}

TEST_CASE("invalid options are rejected before any work", "[gpu][engine]") {
  std::int64_t const L = 4;
  auto const net = sdgc_like(64, L, 81);
  snicit::Stream stream;
  auto make = [&](auto edit) {
    snicit::EngineOptions eo;
    eo.max_batch = 100;
    eo.snicit = snicit::SnicitOptions::sdgc_defaults(L);
    edit(eo);
    return SnicitEngine(net, eo, stream);
  };
  REQUIRE_THROWS_AS(make([](auto& o) { o.snicit.threshold_layer = L; }), snicit::LogicError);
  REQUIRE_THROWS_AS(make([](auto& o) { o.snicit.threshold_layer = -1; }), snicit::LogicError);
  REQUIRE_THROWS_AS(make([](auto& o) {
                      o.snicit.batch_size = 10;
                      o.snicit.samples = 11;
                    }),
                    snicit::LogicError);
  REQUIRE_THROWS_AS(make([](auto& o) { o.snicit.downsample = 65; }), snicit::LogicError);
  REQUIRE_THROWS_AS(make([](auto& o) { o.snicit.tau_conv = -1; }), snicit::LogicError);
  REQUIRE_THROWS_AS(make([](auto& o) { o.snicit.batch_size = 101; }), snicit::LogicError);
  REQUIRE_THROWS_AS(make([](auto& o) { o.max_batch = 0; }), snicit::LogicError);
  // A round larger than max_batch in SNICIT mode is rejected at run time, before any work.
  auto engine = make([](auto&) {});
  auto const in = oracle::random_input(101, 64, 0.3, 1.0f, true, 82);
  REQUIRE_THROWS_AS(engine.run(in, stream), snicit::LogicError);
  auto const wrong = oracle::random_input(3, 63, 0.3, 1.0f, true, 83);
  REQUIRE_THROWS_AS(engine.run(wrong, stream), snicit::LogicError);
}

TEST_CASE("a moved engine runs; empty input; observer reports every layer", "[gpu][engine]") {
  std::int64_t const L = 5;
  auto const net = sdgc_like(128, L, 91);
  auto const in = oracle::random_input(50, 128, 0.35, 1.0f, true, 92);
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = 50;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(L);
  SnicitEngine a(net, eo, stream);
  SnicitEngine engine(std::move(a));
  std::vector<snicit::LayerReport> reports;
  engine.set_observer([&](snicit::LayerReport const& r) { reports.push_back(r); });
  auto const got = engine.run(in, stream);
  auto const want = oracle::infer(net, in, true, eo.snicit);
  require_same(want, got);
  // t pre layers + conversion + (L - t) post layers + recovery
  REQUIRE(reports.size() == static_cast<std::size_t>(L + 2));
  for (auto const& r : reports) {
    REQUIRE(r.ms >= 0.0);
  }
  auto const none = engine.run(snicit::DenseMatrix<float>(0, 128), stream);
  REQUIRE(none.categories.empty());
  // Running twice gives the same result (no state leaks between runs).
  auto const again = engine.run(in, stream);
  REQUIRE(again.categories == got.categories);
  REQUIRE(again.activations == got.activations);
}
