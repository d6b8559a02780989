// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// The GPU RadiX-Net generator against the CPU one (snicit::data::generate_sdgc_network), in both
// weight layouts and across several permutation blocks; the Engine built from the device network
// against the Engine built from the host network (same categories and activations) and against
// the CPU exact reference; bad device networks rejected.
#include <snicit/data/data.hpp>
#include <snicit/data/radixnet_device.cuh>
#include <snicit/engine.cuh>
#include <snicit/reference/reference.hpp>

#include <catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using snicit::WeightLayout;
namespace data = snicit::data;

void require_equal_networks(snicit::SparseNetwork<float> const& want,
                            snicit::SparseNetwork<float> const& got) {
  REQUIRE(got.num_layers() == want.num_layers());
  REQUIRE(got.activation_cap == want.activation_cap);
  for (std::int64_t l = 0; l < want.num_layers(); ++l) {
    INFO("layer " << l + 1);
    auto const& a = want.layers[static_cast<std::size_t>(l)];
    auto const& b = got.layers[static_cast<std::size_t>(l)];
    REQUIRE(b.weights.rows == a.weights.rows);
    REQUIRE(b.weights.cols == a.weights.cols);
    REQUIRE(b.weights.row_offsets == a.weights.row_offsets);
    REQUIRE(b.weights.col_indices == a.weights.col_indices);
    REQUIRE(b.weights.values == a.weights.values);
    REQUIRE(b.bias == a.bias);
  }
}

}  // namespace

TEST_CASE("GPU RadiX-Net generator equals the CPU generator", "[gpu][data]") {
  snicit::Stream stream;
  // N = 32 (K = 1: a new block every layer), 64, 1024 and 4096 over several blocks, two seeds.
  struct Case {
    std::int64_t n;
    std::int64_t layers;
    std::uint64_t seed;
  };
  for (auto const c : {Case{32, 9, 1},
                       Case{64, 13, 7},
                       Case{1024, 20, 1},
                       Case{1024, 13, 99},
                       Case{4096, 25, 3}}) {
    data::RadixNetOptions o;
    o.neurons = c.n;
    o.layers = c.layers;
    o.seed = c.seed;
    o.threads = 2;
    auto const cpu = data::generate_sdgc_network(o);
    for (auto const layout : {WeightLayout::by_input, WeightLayout::by_output}) {
      INFO("N = " << c.n << ", L = " << c.layers << ", seed " << c.seed << ", layout "
                  << (layout == WeightLayout::by_input ? "by_input" : "by_output"));
      auto const gpu = data::generate_sdgc_network_device<float>(o, layout, stream.ref());
      REQUIRE(gpu.layout == layout);
      REQUIRE(gpu.total_nnz() == cpu.total_nnz());
      REQUIRE(gpu.layers.front().view.values == nullptr);  // uniform weights: indices only
      require_equal_networks(cpu, gpu.to_host(stream.ref()));
    }
  }
}

TEST_CASE("GPU RadiX-Net generator rejects invalid options", "[gpu][data]") {
  snicit::Stream stream;
  data::RadixNetOptions o;
  o.neurons = 1000;
  REQUIRE_THROWS_AS(
      data::generate_sdgc_network_device<float>(o, WeightLayout::by_output, stream.ref()),
      snicit::LogicError);
  o.neurons = 1024;
  o.layers = 0;
  REQUIRE_THROWS_AS(
      data::generate_sdgc_network_device<float>(o, WeightLayout::by_output, stream.ref()),
      snicit::LogicError);
}

namespace {

template <class Engine>
void check_device_engine(snicit::data::RadixNetOptions const& o, bool snicit_mode) {
  snicit::Stream stream;
  auto const host_net = data::generate_sdgc_network(o);
  auto const images = data::synthetic_sdgc_images(o.neurons, 600, 5);
  snicit::EngineOptions eo;
  eo.max_batch = images.rows;
  if (snicit_mode) {
    eo.snicit.threshold_layer = 12;
  }
  Engine from_host(host_net, eo, stream.ref());
  auto const want = from_host.run(images, stream.ref());
  Engine from_device(data::generate_sdgc_network_device<float>(
                         o, Engine::spmm_policy::weight_layout, stream.ref()),
                     eo,
                     stream.ref());
  REQUIRE(from_device.num_layers() == o.layers);
  auto const got = from_device.run(images, stream.ref());
  REQUIRE(got.categories == want.categories);
  REQUIRE(got.activations.data == want.activations.data);
  // And against the CPU exact reference (the oracle of the exact mode).
  auto const ref = snicit::reference::infer_exact(host_net, images, {});
  REQUIRE(got.categories == ref.rows);
  REQUIRE(!got.categories.empty());
}

}  // namespace

TEST_CASE("Engine from a device network equals the engine from the host network", "[gpu]") {
  data::RadixNetOptions o;
  o.neurons = 1024;
  o.layers = 30;
  o.seed = 4;
  SECTION("RowGather, exact (stateless backend: no host copy)") {
    check_device_engine<snicit::Engine<float, snicit::spmm::RowGather<>, snicit::cluster::None>>(
        o, false);
  }
  SECTION("RowGather, SNICIT") {
    check_device_engine<snicit::Engine<float, snicit::spmm::RowGather<>>>(o, true);
  }
  SECTION("Auto, SNICIT (stateful backend prepared layer by layer)") {
    check_device_engine<snicit::Engine<float, snicit::spmm::Auto<>>>(o, true);
  }
  SECTION("RowScatter, exact (by_input layout)") {
    check_device_engine<snicit::Engine<float, snicit::spmm::RowScatter<>, snicit::cluster::None>>(
        o, false);
  }
}

TEST_CASE("Engine rejects a device network of the wrong layout", "[gpu]") {
  snicit::Stream stream;
  data::RadixNetOptions o;
  o.neurons = 64;
  o.layers = 3;
  auto net = data::generate_sdgc_network_device<float>(o, WeightLayout::by_input, stream.ref());
  using E = snicit::Engine<float, snicit::spmm::RowGather<>, snicit::cluster::None>;
  snicit::EngineOptions eo;
  eo.max_batch = 16;
  REQUIRE_THROWS_AS(E(std::move(net), eo, stream.ref()), snicit::LogicError);
  auto net2 = data::generate_sdgc_network_device<float>(o, WeightLayout::by_output, stream.ref());
  net2.bias.pop_back();
  REQUIRE_THROWS_AS(E(std::move(net2), eo, stream.ref()), snicit::LogicError);
}
