// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// Out-of-core weights (EngineOptions::weights = host_streamed): the streamed engine must give
// bit-identical categories and activations to the resident one (same kernels on the same CSR),
// across several rounds and repeated runs; automatic residency must stream exactly when the
// resident weights exceed EngineOptions::device_memory_limit; backends that cannot run on the
// CSR weights are refused.

#include <snicit/data/data.hpp>
#include <snicit/engine.cuh>
#include <snicit/reference/reference.hpp>

#include "catch.hpp"

#include <vector>

namespace {

snicit::SparseNetwork<float> const& network() {
  static auto const net = snicit::data::generate_sdgc_network({1024, 60, 3, 0});
  return net;
}

snicit::CsrMatrix<float> const& images() {
  static auto const img = snicit::data::synthetic_sdgc_images(1024, 5000, 4, 0.10, 0);
  return img;
}

template <class EngineT>
snicit::RunResult<float> run_with(snicit::WeightResidency w,
                                  snicit::EngineOptions eo,
                                  bool expect_streamed) {
  eo.weights = w;
  snicit::Stream stream;
  EngineT engine(network(), eo, stream.ref());
  REQUIRE(engine.weights_streamed() == expect_streamed);
  auto first = engine.run(images(), stream.ref());
  auto again = engine.run(images(), stream.ref());  // slots hold the last layers: reloads 1, 2
  REQUIRE(again.categories == first.categories);
  REQUIRE(again.activations.data == first.activations.data);
  return first;
}

template <class EngineT>
void check_bit_identical(snicit::EngineOptions const& eo) {
  auto const resident = run_with<EngineT>(snicit::WeightResidency::device, eo, false);
  auto const streamed = run_with<EngineT>(snicit::WeightResidency::host_streamed, eo, true);
  REQUIRE_FALSE(resident.categories.empty());
  REQUIRE(streamed.categories == resident.categories);
  REQUIRE(streamed.activations.rows == resident.activations.rows);
  REQUIRE(streamed.activations.data == resident.activations.data);
}

}  // namespace

TEST_CASE("streamed weights are bit-identical to resident ones (RowGather, exact and SNICIT)",
          "[gpu][multi][streamed]") {
  snicit::EngineOptions eo;
  eo.max_batch = 2000;  // exact mode: 3 rounds
  check_bit_identical<snicit::Engine<float, snicit::spmm::RowGather<>, snicit::cluster::None>>(eo);
  auto const ref = snicit::reference::infer_exact(network(), images());
  auto const streamed =
      run_with<snicit::Engine<float, snicit::spmm::RowGather<>, snicit::cluster::None>>(
          snicit::WeightResidency::host_streamed, eo, true);
  REQUIRE(streamed.categories == ref.rows);

  eo.snicit = snicit::SnicitOptions::sdgc_defaults(network().num_layers());
  eo.snicit.batch_size = 2000;
  check_bit_identical<snicit::Engine<float, snicit::spmm::RowGather<>>>(eo);
  eo.bound_refresh_interval = 0;  // fully stream-ordered pre phase
  check_bit_identical<snicit::Engine<float, snicit::spmm::RowGather<>>>(eo);
}

TEST_CASE("streamed RegisterTiled runs its CSR kernel: same categories as resident",
          "[gpu][multi][streamed]") {
  using E = snicit::Engine<float, snicit::spmm::RegisterTiled<>>;
  snicit::EngineOptions eo;
  eo.max_batch = 5000;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(network().num_layers());
  auto const resident = run_with<E>(snicit::WeightResidency::device, eo, false);
  auto const streamed = run_with<E>(snicit::WeightResidency::host_streamed, eo, true);
  REQUIRE_FALSE(resident.categories.empty());
  REQUIRE(streamed.categories == resident.categories);
}

TEST_CASE("automatic residency streams exactly when the memory limit is below the weights",
          "[gpu][multi][streamed]") {
  using E = snicit::Engine<float, snicit::spmm::RowGather<>, snicit::cluster::None>;
  snicit::EngineOptions eo;
  eo.max_batch = 2000;
  // Resident: weights (~8 MB) + batch buffers (~17 MB) fit in 64 MiB; streamed: 2 slots fit
  // in 24 MiB, the resident weights do not.
  eo.device_memory_limit = std::size_t{64} << 20;
  auto const resident = run_with<E>(snicit::WeightResidency::automatic, eo, false);
  eo.device_memory_limit = std::size_t{24} << 20;
  auto const streamed = run_with<E>(snicit::WeightResidency::automatic, eo, true);
  REQUIRE(streamed.categories == resident.categories);
  REQUIRE(streamed.activations.data == resident.activations.data);
  // Resident under the same cap: refused with a clear error.
  eo.weights = snicit::WeightResidency::device;
  snicit::Stream stream;
  REQUIRE_THROWS_AS(E(network(), eo, stream.ref()), snicit::LogicError);
  // A cap below even the batch buffers: refused in every mode.
  eo.weights = snicit::WeightResidency::host_streamed;
  eo.device_memory_limit = std::size_t{1} << 20;
  REQUIRE_THROWS_AS(E(network(), eo, stream.ref()), snicit::LogicError);
}

TEST_CASE("host_streamed is refused for backends without a CSR launch (DenseTensorCore)",
          "[gpu][multi][streamed]") {
  snicit::EngineOptions eo;
  eo.max_batch = 100;
  eo.weights = snicit::WeightResidency::host_streamed;
  snicit::Stream stream;
  using BD = snicit::Engine<float, snicit::spmm::DenseTensorCore<>>;
  REQUIRE_THROWS_AS(BD(network(), eo, stream.ref()), snicit::LogicError);
  eo.weights = snicit::WeightResidency::automatic;  // falls back to resident weights
  BD engine(network(), eo, stream.ref());
  REQUIRE_FALSE(engine.weights_streamed());
}
