// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// cluster::Adaptive against reference::infer_snicit_adaptive: on networks with a known
// convergence layer (tests/collapse_network.hpp), on a generated SDGC network and on network A,
// the GPU detector sees the same counts at every check and chooses the same t as the CPU oracle;
// the results are the oracle's (categories, activations) and SDGC categories stay exact.
#include <snicit/data/images.hpp>
#include <snicit/data/radixnet.hpp>
#include <snicit/engine.cuh>
#include <snicit/io/beyond.hpp>
#include <snicit/io/mnist.hpp>
#include <snicit/reference/reference.hpp>

#include <catch.hpp>
#include <collapse_network.hpp>
#include <cstdint>
#include <filesystem>
#include <test_data.hpp>
#include <vector>

namespace {

using AdaptiveEngine =
    snicit::Engine<float, snicit::spmm::RowGather<>, snicit::cluster::Adaptive<>>;

/// Checks and thresholds of every GPU round equal the oracle's.
void require_same_decisions(snicit::reference::SnicitResult const& want,
                            snicit::RunResult<float> const& got) {
  REQUIRE(got.stats.rounds.size() == want.stats.threshold_layer.size());
  for (std::size_t i = 0; i < got.stats.rounds.size(); ++i) {
    auto const& r = got.stats.rounds[i];
    INFO("round " << i);
    CHECK(r.threshold_layer == want.stats.threshold_layer[i]);
    auto const& wc = want.stats.threshold_checks[i];
    REQUIRE(r.threshold_checks.size() == wc.size());
    for (std::size_t c = 0; c < wc.size(); ++c) {
      INFO("check at layer " << wc[c].layer);
      CHECK(r.threshold_checks[c] == wc[c]);
    }
    CHECK(r.centroids == want.stats.centroids[i]);
    CHECK(r.nonempty_after_conversion == want.stats.nonempty_after_conversion[i]);
    CHECK(static_cast<std::int64_t>(r.alive_per_pre_layer.size()) == r.threshold_layer);
    CHECK(static_cast<std::int64_t>(r.nonempty_per_post_layer.size()) ==
          static_cast<std::int64_t>(want.stats.nonempty_per_post_layer[i].size()));
  }
}

snicit::SnicitOptions collapse_options() {
  auto o = snicit::SnicitOptions::sdgc_defaults(12);
  o.samples = 32;
  o.downsample = 0;
  o.sampling = snicit::Sampling::strided;
  o.eps = 0.01;
  o.eta = 0.0;
  o.adaptive.probes = 64;
  o.adaptive.window = 1;  // expectations below: the first passing check triggers
  return o;
}

}  // namespace

TEST_CASE("Adaptive: GPU and CPU choose the known convergence layer", "[gpu][adaptive]") {
  auto const in = snicit::test::collapse_inputs(3000);
  snicit::Stream stream;
  for (std::int64_t collapse : {3, 5, 7, 0}) {
    auto const net = snicit::test::collapse_network(12, collapse);
    for (std::int64_t interval : {1, 2}) {
      for (std::int64_t batch : {0, 1000, -1000}) {  // -1000: rounds of 1000, every_round
        auto o = collapse_options();
        o.adaptive.interval = interval;
        o.adaptive.min_layer = interval == 1 ? 1 : 2;
        o.batch_size = batch < 0 ? -batch : batch;
        o.adaptive.every_round = batch < 0;
        INFO("collapse " << collapse << ", interval " << interval << ", batch " << batch);
        // The first check layer at or after the collapse passes, the next one converts.
        std::int64_t const expect_t =
            collapse == 0 ? (interval == 1 ? 11 : 10)
                          : (interval == 1 ? collapse : ((collapse + 1) / 2) * 2) + interval;
        snicit::EngineOptions eo;
        eo.max_batch = 3000;
        eo.snicit = o;
        AdaptiveEngine engine(net, eo, stream);
        auto const want =
            snicit::reference::infer_snicit_adaptive(net, in, o, {}, engine.fused_runs());
        for (auto const t : want.stats.threshold_layer) {
          REQUIRE(t == expect_t);
        }
        for (std::size_t r = 1; r < want.stats.threshold_checks.size(); ++r) {
          CHECK(want.stats.threshold_checks[r].empty() == !o.adaptive.every_round);
        }
        auto const got = engine.run(in, stream);
        require_same_decisions(want, got);
        REQUIRE(got.categories == want.rows);
        REQUIRE(got.activations.data == want.activations.data);
        auto const again = engine.run(in, stream);  // cached post graph, same t: same result
        REQUIRE(again.categories == got.categories);
        REQUIRE(again.activations.data == got.activations.data);
      }
    }
  }
}

TEST_CASE("Adaptive: a separate detector sample count and run_async", "[gpu][adaptive]") {
  auto const in = snicit::test::collapse_inputs(2000);
  auto const net = snicit::test::collapse_network(12, 5);
  auto o = collapse_options();
  o.adaptive.samples = 16;  // checks use 16 candidates, the conversion 32
  o.adaptive.interval = 1;
  o.adaptive.min_layer = 1;
  auto const want = snicit::reference::infer_snicit_adaptive(net, in, o);
  REQUIRE(want.stats.threshold_layer == std::vector<std::int64_t>{6});  // passes at 5
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = 2000;
  eo.snicit = o;
  eo.bound_refresh_interval = 0;
  AdaptiveEngine engine(net, eo, stream);
  auto const got = engine.run(in, stream);
  require_same_decisions(want, got);
  REQUIRE(got.categories == want.rows);

  // run_async: every output row written, the non-zero rows are the categories.
  snicit::DeviceBuffer<float> d_in(static_cast<std::size_t>(in.rows * in.cols), stream.ref());
  snicit::DeviceBuffer<float> d_out(static_cast<std::size_t>(in.rows * net.output_size()),
                                    stream.ref());
  SNICIT_CUDA_TRY(cudaMemcpyAsync(d_in.data(),
                                  in.data.data(),
                                  in.data.size() * sizeof(float),
                                  cudaMemcpyHostToDevice,
                                  stream.get()));
  engine.run_async({d_in.data(), in.rows, in.cols, in.cols},
                   {d_out.data(), in.rows, net.output_size(), net.output_size()},
                   stream.ref());
  std::vector<float> out(static_cast<std::size_t>(in.rows * net.output_size()));
  SNICIT_CUDA_TRY(cudaMemcpyAsync(
      out.data(), d_out.data(), out.size() * sizeof(float), cudaMemcpyDeviceToHost, stream.get()));
  SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
  std::vector<std::int64_t> rows;
  for (std::int64_t r = 0; r < in.rows; ++r) {
    for (std::int64_t j = 0; j < net.output_size(); ++j) {
      if (out[static_cast<std::size_t>(r * net.output_size() + j)] != 0.0f) {
        rows.push_back(r);
        break;
      }
    }
  }
  REQUIRE(rows == want.rows);
}

TEST_CASE("Adaptive: generated SDGC 1024 x 120, CPU and GPU decide alike, categories exact",
          "[gpu][adaptive]") {
  auto const net = snicit::data::generate_sdgc_network({1024, 120, 1});
  auto const in = snicit::data::synthetic_sdgc_images(1024, 3000, 5);
  auto const exact = snicit::reference::infer_exact(net, in);
  auto const o = snicit::SnicitOptions::sdgc_defaults(120);
  auto const want = snicit::reference::infer_snicit_adaptive(net, in, o);
  REQUIRE(want.rows == exact.rows);
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = 3000;
  eo.snicit = o;
  AdaptiveEngine engine(net, eo, stream);
  auto const got = engine.run(in, stream);
  require_same_decisions(want, got);
  REQUIRE(got.categories == exact.rows);
  REQUIRE_FALSE(got.categories.empty());
  WARN("SDGC 1024 x 120, 3000 synthetic images: chosen t = "
       << got.stats.rounds.at(0).threshold_layer);
}

TEST_CASE("Adaptive: network A, CPU and GPU decide alike", "[gpu][adaptive][data]") {
  auto const dir = snicit::test::data_dir();
  auto const net_dir = dir / "beyond" / "n128-l18";
  auto const images_file = dir / "mnist" / "t10k-images-idx3-ubyte.gz";
  if (!std::filesystem::exists(net_dir) || !std::filesystem::exists(images_file)) {
    WARN("data missing: " << net_dir.string() << " / " << images_file.string());
    return;
  }
  auto const net = snicit::io::read_beyond_network(net_dir);
  auto const x = snicit::io::mnist_to_dense(snicit::io::read_mnist_images(images_file));
  auto const first = snicit::reference::dense_layer(*net.input, x, net.hidden.activation_cap);
  std::int64_t const L = net.hidden.num_layers();
  for (std::int64_t batch : {10000, 1000}) {
    auto o = snicit::SnicitOptions::beyond_defaults(L);
    o.batch_size = batch;
    INFO("batch " << batch);
    auto const want = snicit::reference::infer_snicit_adaptive(net.hidden, first, o);
    snicit::Stream stream;
    snicit::EngineOptions eo;
    eo.max_batch = 10000;
    eo.snicit = o;
    AdaptiveEngine engine(net.hidden, eo, stream);
    auto const got = engine.run(first, stream);
    require_same_decisions(want, got);
    REQUIRE(got.categories == want.rows);
    WARN("network A, batch " << batch << ": chosen t of round 0 = "
                             << got.stats.rounds.at(0).threshold_layer);

    // spmm::Auto fuses network A's 128-wide dense layers: no check inside the run, so the
    // detector measures nothing and takes the largest t; the oracle told the same fused runs
    // agrees (decisions only: the fused kernel's numerics are not the CPU's).
    snicit::Engine<float, snicit::spmm::Auto<>, snicit::cluster::Adaptive<>> fused(
        net.hidden, eo, stream);
    auto const& runs = fused.fused_runs();
    REQUIRE(runs.size() == static_cast<std::size_t>(L + 1));
    INFO("fused run of layer 2 ends at " << runs[2]);
    if (runs[2] > 16) {
      auto const f = fused.run(first, stream);
      auto const fw = snicit::reference::infer_snicit_adaptive(net.hidden, first, o, {}, runs);
      for (std::size_t r = 0; r < f.stats.rounds.size(); ++r) {
        CHECK(f.stats.rounds[r].threshold_layer == 16);
        CHECK(f.stats.rounds[r].threshold_checks.empty());
      }
      CHECK(fw.stats.threshold_layer ==
            std::vector<std::int64_t>(f.stats.rounds.size(), std::int64_t{16}));
    } else {
      WARN("network A is not fused by spmm::Auto here: fused-run decisions not exercised");
    }
  }
}
