// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit::MultiEngine: one engine per listed device (several on one device where only one GPU
// exists), against a single Engine on the same input (bit-identical: same kernels, same rounds)
// and against the CPU reference (categories). SNICIT_TEST_GPUS=K restricts "all devices" to the
// first K GPUs (the multi-GPU check runs it with 2 and 4).

#include <snicit/data/data.hpp>
#include <snicit/engine.cuh>
#include <snicit/multi_gpu.cuh>
#include <snicit/reference/reference.hpp>

#include "catch.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using ExactEngine = snicit::Engine<float, snicit::spmm::RowGather<>, snicit::cluster::None>;
using SnicitEngine = snicit::Engine<float, snicit::spmm::RowGather<>>;

snicit::SparseNetwork<float> const& network() {
  static auto const net = snicit::data::generate_sdgc_network({1024, 48, 5, 0});
  return net;
}

snicit::CsrMatrix<float> const& images() {
  static auto const img = snicit::data::synthetic_sdgc_images(1024, 6000, 9, 0.10, 0);
  return img;
}

/// The devices of the "all GPUs" cases: SNICIT_TEST_GPUS (if set) first ones, else all.
std::vector<int> test_devices() {
  int count = 0;
  REQUIRE(cudaGetDeviceCount(&count) == cudaSuccess);
  if (char const* k = std::getenv("SNICIT_TEST_GPUS")) {
    int const want = std::atoi(k);
    REQUIRE(want >= 1);
    REQUIRE(want <= count);  // asked for more GPUs than the machine has: fail, do not shrink
    count = want;
  }
  std::vector<int> d;
  for (int i = 0; i < count; ++i) {
    d.push_back(i);
  }
  std::printf("MultiEngine test devices: %d\n", count);
  return d;
}

template <class EngineT>
snicit::RunResult<float> single(snicit::EngineOptions const& eo) {
  snicit::Stream stream;
  EngineT engine(network(), eo, stream.ref());
  return engine.run(images(), stream.ref());
}

template <class R>
void require_same(snicit::RunResult<float> const& want, R const& got) {
  REQUIRE_FALSE(want.categories.empty());
  REQUIRE(got.categories == want.categories);
  REQUIRE(got.activations.rows == want.activations.rows);
  REQUIRE(got.activations.data == want.activations.data);  // bit-identical
}

}  // namespace

TEST_CASE("MultiEngine exact mode equals one engine and the reference, any split", "[gpu][multi]") {
  snicit::EngineOptions eo;
  eo.max_batch = 2000;
  auto const want = single<ExactEngine>(eo);
  auto const ref = snicit::reference::infer_exact(network(), images());
  REQUIRE(want.categories == ref.rows);
  std::vector<std::vector<int>> device_sets{test_devices(), {0, 0, 0}};
  for (auto const& devs : device_sets) {
    for (snicit::Split s : {snicit::Split::rows, snicit::Split::nonzeros}) {
      snicit::MultiEngineOptions mo;
      mo.devices = devs;
      mo.partition.split = s;
      snicit::MultiEngine<ExactEngine> multi(network(), eo, mo);
      REQUIRE(multi.size() == devs.size());
      auto const got = multi.run(images());
      require_same(want, got);
      REQUIRE(got.per_device.size() == devs.size());
      std::int64_t rows = 0;
      std::int64_t found = 0;
      for (auto const& d : got.per_device) {
        rows += d.rows.size();
        found += d.final_rows;
      }
      REQUIRE(rows == images().rows);
      REQUIRE(found == static_cast<std::int64_t>(got.categories.size()));
      // A second run on the same engines gives the same answer.
      REQUIRE(multi.run(images()).categories == got.categories);
    }
  }
}

TEST_CASE("MultiEngine SNICIT mode: ranges aligned to the rounds reproduce one engine",
          "[gpu][multi]") {
  snicit::EngineOptions eo;
  eo.max_batch = 1500;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(network().num_layers());
  eo.snicit.batch_size = 1500;
  auto const want = single<SnicitEngine>(eo);
  for (auto const& devs : {test_devices(), std::vector<int>{0, 0}}) {
    snicit::MultiEngineOptions mo;
    mo.devices = devs;
    mo.partition.split = snicit::Split::live_rows;
    snicit::MultiEngine<SnicitEngine> multi(network(), eo, mo);
    REQUIRE(multi.partition_options().align == 1500);
    auto const got = multi.run(images());
    require_same(want, got);
    for (auto const& d : got.per_device) {
      REQUIRE(d.rows.begin % 1500 == 0);
    }
  }
}

TEST_CASE("MultiEngine rejects bad devices and oversized ranges, and propagates failures",
          "[gpu][multi]") {
  snicit::EngineOptions eo;
  eo.max_batch = 1000;
  int count = 0;
  REQUIRE(cudaGetDeviceCount(&count) == cudaSuccess);
  snicit::MultiEngineOptions mo;
  mo.devices = {0, count};
  REQUIRE_THROWS_AS(snicit::MultiEngine<ExactEngine>(network(), eo, mo), snicit::LogicError);

  // SNICIT without a batch size: each device's range is one round and must fit max_batch.
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(network().num_layers());
  mo.devices = {0, 0};
  snicit::MultiEngine<SnicitEngine> multi(network(), eo, mo);
  REQUIRE_THROWS_AS(multi.run(images()), snicit::LogicError);  // 3000 rows > 1000

  // A failure inside the workers (an engine constructor refusing its options) surfaces after
  // every worker ended, as the engine's exception.
  eo.snicit.threshold_layer = 1000;
  REQUIRE_THROWS_AS(snicit::MultiEngine<SnicitEngine>(network(), eo, mo), snicit::LogicError);

  // Wrong input width.
  snicit::CsrMatrix<float> bad;
  bad.rows = 1;
  bad.cols = 7;
  bad.row_offsets = {0, 0};
  REQUIRE_THROWS_AS(multi.run(bad), snicit::LogicError);
}
