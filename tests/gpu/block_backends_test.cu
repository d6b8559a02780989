// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// The block-dense (spmm::BlockDense) and compiled-weights (spmm::Compiled, with
// SNICIT_TEST_WITH_NVRTC) backends: block discovery statistics, both paths of one layer against
// the CPU oracle on layers with and without block structure, and whole engines against
// snicit::reference.
#include <snicit/data/radixnet.hpp>
#include <snicit/engine.cuh>
#include <snicit/kernels/spmm.cuh>
#include <snicit/kernels/spmm_block.cuh>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/reference/reference.hpp>
#include <snicit/stream.hpp>
#if defined(SNICIT_TEST_WITH_NVRTC)
#include <snicit/kernels/spmm_compiled.cuh>
#endif

#include "device_helpers.hpp"
#include "oracle.hpp"

#include <algorithm>
#include <catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

using snicit::DeviceBuffer;
using snicit::row_index;
using namespace snicit::test::gpu;

using DefaultBlock = snicit::spmm::BlockDense<>;
// Another tuning: 2 x 2 register tiles, chunks of 16 inputs (K = 32 and 40 need several), 8
// outputs per tile, groups of 2 outputs suffice.
using SmallBlock = snicit::spmm::BlockDense<32, 8, 2, 2, 16, 2>;

/// Rectangular 200 -> 112 layer with hidden blocks: outputs of group g (4 groups of 24 outputs,
/// scattered over 0..95 by a shuffle) share one random set of 40 inputs with random values; 15
/// outputs have random inputs of their own; one output has no input at all.
snicit::CsrMatrix<float> mixed_layer(std::uint64_t seed) {
  std::int64_t const n_in = 200;
  std::int64_t const n_out = 112;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> wd(-0.2f, 0.5f);
  std::vector<std::int32_t> cols(96);
  for (std::size_t j = 0; j < cols.size(); ++j) {
    cols[j] = static_cast<std::int32_t>(j);
  }
  std::shuffle(cols.begin(), cols.end(), rng);
  std::vector<std::int32_t> all_in(static_cast<std::size_t>(n_in));
  for (std::size_t i = 0; i < all_in.size(); ++i) {
    all_in[i] = static_cast<std::int32_t>(i);
  }
  std::vector<std::vector<std::pair<std::int32_t, float>>> rows(static_cast<std::size_t>(n_in));
  for (int g = 0; g < 4; ++g) {
    std::shuffle(all_in.begin(), all_in.end(), rng);
    for (int c = 0; c < 24; ++c) {
      for (int k = 0; k < 40; ++k) {
        rows[static_cast<std::size_t>(all_in[static_cast<std::size_t>(k)])].push_back(
            {cols[static_cast<std::size_t>(g * 24 + c)], wd(rng)});
      }
    }
  }
  for (std::int32_t j = 96; j < 111; ++j) {
    std::shuffle(all_in.begin(), all_in.end(), rng);
    for (int k = 0; k < 10 + j % 7; ++k) {
      rows[static_cast<std::size_t>(all_in[static_cast<std::size_t>(k)])].push_back({j, wd(rng)});
    }
  }
  return oracle::csr_from_rows(n_in, n_out, std::move(rows));
}

/// Compiled is only swept over layers up to this size: NVRTC needs tens of seconds for ~2e4
/// weights (measured: 90 s for 20000 on two shared build cores).
constexpr std::int64_t compiled_test_nnz = 3000;

/// The layers of the correctness sweep.
struct Case {
  std::string name;
  snicit::CsrMatrix<float> w;
  float cap;
};
std::vector<Case> cases() {
  std::vector<Case> c;
  // RadiX-Net: base layers (block 0) and permuted ones (block b > 0: layer > K).
  c.push_back({"radixnet 1024 layer 1", snicit::data::radixnet_layer(1024, 1, 1), 32.0f});
  c.push_back({"radixnet 1024 layer 8 (block 1)", snicit::data::radixnet_layer(1024, 8, 1), 32.0f});
  c.push_back({"radixnet 4096 layer 9 (block 1)", snicit::data::radixnet_layer(4096, 9, 7), 32.0f});
  // No block structure at all: 20 random inputs per output.
  c.push_back(
      {"random 1000", oracle::random_network(1000, 1, 20, 0.0f, 2.0f, 11).layers[0].weights, 2.0f});
  // Network-A-like: 128 x 128, ~60 % dense, random values, cap 1.
  c.push_back(
      {"dense-ish 128",
       oracle::random_network(128, 1, 77, 0.0f, 1.0f, 12, 0.0f, -0.3f, 0.3f).layers[0].weights,
       1.0f});
  // Rectangular, blocks with value arrays, padding, several chunks, remainder, empty output.
  c.push_back({"mixed 200 -> 112", mixed_layer(13), 2.0f});
  return c;
}

/// Inputs for a layer: RadiX-Net-like binary ones for the 1024/4096 layers, random otherwise.
snicit::DenseMatrix<float> inputs_for(Case const& c, std::int64_t rows, std::uint64_t seed) {
  bool const radix = c.name.rfind("radixnet", 0) == 0;
  return oracle::random_input(rows, c.w.rows, radix ? 0.2 : 0.3, radix ? 1.0f : 1.0f, radix, seed);
}

/**
 * One layer through `Policy` (prepared state + stateful launch) for `count` list entries with a
 * device count below the bound (or none), against oracle::forward (bias) / oracle::product.
 */
template <class Policy>
void check_layer(Case const& c, std::int64_t count, bool with_bias, bool device_count) {
  if constexpr (requires { Policy::max_nnz; }) {
    if (c.w.nnz() > std::min<std::int64_t>(Policy::max_nnz, compiled_test_nnz)) {
      return;  // refused by design (see the refusal test), or too slow to compile in a test
    }
  }
  CAPTURE(c.name, count, with_bias, device_count);
  snicit::Stream stream;
  auto const n_in = c.w.rows;
  auto const n_out = c.w.cols;
  std::int64_t const phys = 2 * count + 3;  // physical rows of the input and output matrices
  std::int64_t const ld = std::max(n_in, n_out) + 5;
  auto const in = inputs_for(c, phys, static_cast<std::uint64_t>(count) * 31 + n_in);
  std::vector<float> h_in(static_cast<std::size_t>(phys * ld), 7.0f);
  for (std::int64_t r = 0; r < phys; ++r) {
    std::copy(in.row(r).begin(), in.row(r).end(), h_in.begin() + r * ld);
  }
  std::int64_t const bound = device_count ? count + 9 : count;
  // in_rows: reversed odd rows; out_rows: even rows ascending. Entries past the count are junk
  // that must not be read.
  std::vector<row_index> in_list(static_cast<std::size_t>(bound), -1), out_list(in_list);
  for (std::int64_t i = 0; i < count; ++i) {
    in_list[static_cast<std::size_t>(i)] = static_cast<row_index>(phys - 2 - 2 * i);
    out_list[static_cast<std::size_t>(i)] = static_cast<row_index>(2 * i);
  }
  snicit::SparseLayer<float> layer{c.w, std::vector<float>(static_cast<std::size_t>(n_out))};
  std::mt19937 rng(static_cast<unsigned>(count));
  for (auto& b : layer.bias) {
    b = std::uniform_real_distribution<float>(-0.3f, 0.1f)(rng);
  }
  auto d_in = to_device(h_in, stream);
  auto d_in_list = to_device(in_list, stream);
  auto d_out_list = to_device(out_list, stream);
  auto d_count = to_device(std::vector<row_index>{static_cast<row_index>(count)}, stream);
  auto d_bias = to_device(layer.bias, stream);
  auto weights = upload_transposed(c.w, stream);
  DeviceBuffer<float> d_out(static_cast<std::size_t>(phys * ld), stream);
  d_out.memset_async(0, stream);
  DeviceBuffer<std::uint8_t> d_alive(static_cast<std::size_t>(bound), stream);
  d_alive.memset_async(0x5a, stream);

  auto const state = snicit::kernels::prepare_spmm_layer<Policy, float, snicit::AsyncAllocator>(
      layer, bound, snicit::AsyncAllocator{}, stream);
  snicit::SpmmArgs<float> args;
  args.weights = weights.view;
  args.bias = with_bias ? d_bias.data() : nullptr;
  args.in = {d_in.data(), phys, n_in, ld};
  args.in_rows = d_in_list.data();
  args.out = {d_out.data(), phys, n_out, ld};
  args.out_rows = d_out_list.data();
  args.d_num_rows = device_count ? d_count.data() : nullptr;
  args.num_rows_bound = bound;
  args.alive = d_alive.data();
  snicit::kernels::spmm<Policy>(args, state, snicit::ReluClip{c.cap}, stream);
  auto const out = to_host(d_out, static_cast<std::size_t>(phys * ld), stream);
  auto const alive = to_host(d_alive, static_cast<std::size_t>(bound), stream);

  std::int64_t bad = 0;
  std::int64_t bad_alive = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    auto const src = in.row(in_list[static_cast<std::size_t>(i)]);
    oracle::Row const y(src.begin(), src.end());
    auto const want = with_bias ? oracle::forward(layer, c.cap, y) : oracle::product(c.w, y);
    float const* got = out.data() + out_list[static_cast<std::size_t>(i)] * ld;
    float amax = 0.0f;
    for (std::int64_t j = 0; j < n_out; ++j) {
      float const b = want[static_cast<std::size_t>(j)];
      amax = std::max(amax, std::fabs(b));
      bad += std::fabs(got[j] - b) <= 1e-5f * std::max(std::fabs(b), 1.0f) ? 0 : 1;
    }
    bool const want_alive = oracle::nonzero(want);
    if ((alive[static_cast<std::size_t>(i)] != 0) != want_alive && amax > 1e-5f) {
      ++bad_alive;  // flags may differ only when every entry is within rounding of zero
    }
  }
  REQUIRE(bad == 0);
  REQUIRE(bad_alive == 0);
  for (std::int64_t i = count; i < bound; ++i) {
    REQUIRE(alive[static_cast<std::size_t>(i)] == 0);
  }
  // Rows outside the output list are untouched.
  for (std::int64_t r = 1; r < phys; r += 2) {
    for (std::int64_t j = 0; j < n_out; ++j) {
      REQUIRE(out[static_cast<std::size_t>(r * ld + j)] == 0.0f);
    }
  }
}

using oracle::images;

void require_same(snicit::reference::InferenceResult const& want,
                  snicit::RunResult<float> const& got) {
  REQUIRE(got.categories == want.rows);
  REQUIRE_FALSE(got.categories.empty());
  if (got.activations.rows > 0) {
    REQUIRE(got.activations.data.size() == want.activations.data.size());
    std::int64_t bad = 0;
    for (std::size_t i = 0; i < want.activations.data.size(); ++i) {
      float const a = got.activations.data[i];
      float const b = want.activations.data[i];
      bad += std::fabs(a - b) <= 1e-5f * std::max(std::fabs(b), 1.0f) ? 0 : 1;
    }
    REQUIRE(bad == 0);
  }
}

}  // namespace

TEST_CASE("BlockDense finds RadiX-Net layers to be 100 % uniform dense blocks",
          "[gpu][kernels][block]") {
  auto const n = GENERATE(std::int64_t{1024}, std::int64_t{4096});
  int const k = snicit::data::radixnet_block_layers(n);
  // Base layers of block 0 and permuted layers of blocks 1 and 2.
  for (std::int64_t l : {std::int64_t{1},
                         std::int64_t{2},
                         std::int64_t{k},
                         std::int64_t{k + 1},
                         std::int64_t{k + 3},
                         std::int64_t{2 * k + 2}}) {
    CAPTURE(n, l);
    auto const w = snicit::data::radixnet_layer(n, l, 3);
    auto const st = snicit::kernels::block_dense_stats<DefaultBlock>(w);
    REQUIRE(st.nnz == 32 * n);
    REQUIRE(st.block_fraction() == 1.0);
    REQUIRE(st.nnz_in_blocks == st.nnz);
    REQUIRE(st.remainder_nnz == 0);
    REQUIRE(st.outputs_in_blocks == n);
    // 16 outputs share each set of 32 inputs; in the last base layer of a block (shift d = M/2)
    // 32 outputs do, and their groups make two tiles.
    REQUIRE(st.groups == (l % k == 0 ? n / 32 : n / 16));
    REQUIRE(st.tiles == n / 16);
    REQUIRE(st.min_block_inputs == 32);
    REQUIRE(st.max_block_inputs == 32);
    REQUIRE(st.tiles_with_values == 0);  // every weight is 1/16: index-only storage
    REQUIRE(st.stored_values == 0);
    auto const small = snicit::kernels::block_dense_stats<SmallBlock>(w);
    REQUIRE(small.block_fraction() == 1.0);
    REQUIRE(small.tiles == n / 8);
    REQUIRE(small.stored_values == 0);
  }
}

TEST_CASE("BlockDense statistics on layers without (or with partial) block structure",
          "[gpu][kernels][block]") {
  auto const random = oracle::random_network(1000, 1, 20, 0.0f, 2.0f, 11).layers[0].weights;
  auto const st = snicit::kernels::block_dense_stats<DefaultBlock>(random);
  REQUIRE(st.block_fraction() == 0.0);
  REQUIRE(st.tiles == 0);
  REQUIRE(st.remainder_nnz == random.nnz());
  auto const mixed = mixed_layer(13);
  auto const ms = snicit::kernels::block_dense_stats<DefaultBlock>(mixed);
  REQUIRE(ms.groups == 4);
  REQUIRE(ms.tiles == 8);  // 24 outputs per group = 16 + 8 (padded)
  REQUIRE(ms.tiles_with_values == 8);
  REQUIRE(ms.stored_values == 8 * 40 * 16);
  REQUIRE(ms.nnz_in_blocks == 4 * 24 * 40);
  REQUIRE(ms.outputs_in_blocks == 96);
  REQUIRE(ms.nnz_in_blocks + ms.remainder_nnz == ms.nnz);
  // The prepared state reports the same.
  snicit::Stream stream;
  snicit::SparseLayer<float> layer{mixed, {0.0f}};
  auto const state =
      snicit::kernels::prepare_spmm_layer<DefaultBlock, float, snicit::AsyncAllocator>(
          layer, 10, snicit::AsyncAllocator{}, stream);
  REQUIRE(state.block_stats().nnz_in_blocks == ms.nnz_in_blocks);
  REQUIRE(state.block_stats().tiles == ms.tiles);
}

#if defined(SNICIT_TEST_WITH_NVRTC)
#define SNICIT_BLOCK_TEST_POLICIES DefaultBlock, SmallBlock, snicit::spmm::Compiled<>
#else
#define SNICIT_BLOCK_TEST_POLICIES DefaultBlock, SmallBlock
#endif

TEMPLATE_TEST_CASE("block backends: both paths of one layer equal the CPU oracle",
                   "[gpu][kernels][block]",
                   SNICIT_BLOCK_TEST_POLICIES) {
  static auto const all = cases();
  snicit::Stream stream;
  for (auto const& c : all) {
    bool refused = false;
    if constexpr (requires { TestType::max_nnz; }) {
      refused = c.w.nnz() > std::min<std::int64_t>(TestType::max_nnz, compiled_test_nnz);
    }
    if (refused) {
      continue;
    }
    // Held for the case so that Compiled's module cache serves every call below.
    auto const keep = snicit::kernels::prepare_spmm_layer<TestType, float, snicit::AsyncAllocator>(
        snicit::SparseLayer<float>{c.w, {0.0f}}, 1, snicit::AsyncAllocator{}, stream);
    (void)keep;
    for (std::int64_t count : {std::int64_t{1}, std::int64_t{31}, std::int64_t{2000}}) {
      for (bool with_bias : {true, false}) {
        for (bool device_count : {false, true}) {
          check_layer<TestType>(c, count, with_bias, device_count);
        }
      }
    }
  }
}

TEST_CASE("BlockDense stateless launch (engine CSR only) equals the CPU oracle",
          "[gpu][kernels][block]") {
  auto const c = cases()[5];
  snicit::Stream stream;
  std::int64_t const rows = 40;
  auto const in = oracle::random_input(rows, c.w.rows, 0.3, 1.0f, false, 5);
  auto d_in = to_device(in.data, stream);
  auto weights = upload_transposed(c.w, stream);
  DeviceBuffer<float> d_out(static_cast<std::size_t>(rows * c.w.cols), stream);
  snicit::SpmmArgs<float> args;
  args.weights = weights.view;
  args.in = {d_in.data(), rows, c.w.rows, c.w.rows};
  args.out = {d_out.data(), rows, c.w.cols, c.w.cols};
  args.num_rows_bound = rows;
  snicit::kernels::spmm<DefaultBlock>(args, snicit::ReluClip{2.0f}, stream);
  auto const out = to_host(d_out, static_cast<std::size_t>(rows * c.w.cols), stream);
  for (std::int64_t r = 0; r < rows; ++r) {
    oracle::Row const y(in.row(r).begin(), in.row(r).end());
    auto const want = oracle::product(c.w, y);
    for (std::int64_t j = 0; j < c.w.cols; ++j) {
      REQUIRE(out[static_cast<std::size_t>(r * c.w.cols + j)] == want[static_cast<std::size_t>(j)]);
    }
  }
}

TEST_CASE("Engine<float, BlockDense<>> equals snicit::reference on a generated SDGC network",
          "[gpu][engine][block]") {
  std::int64_t const L = 24;
  auto const net = snicit::data::generate_sdgc_network({1024, L, 1, 0});
  auto const in = images(2000, 1024, 5);
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = 2000;
  SECTION("exact") {
    snicit::Engine<float, DefaultBlock, snicit::cluster::None> engine(net, eo, stream);
    auto const got = engine.run(in, stream);
    require_same(snicit::reference::infer_exact(net, in), got);
  }
  SECTION("SNICIT") {
    auto o = snicit::SnicitOptions::sdgc_defaults(L);
    o.threshold_layer = 12;
    o.samples = 32;
    eo.snicit = o;
    snicit::Engine<float, DefaultBlock> engine(net, eo, stream);
    auto const got = engine.run(in, stream);
    require_same(snicit::reference::infer_snicit(net, in, o), got);
  }
}

#if defined(SNICIT_TEST_WITH_NVRTC)
TEST_CASE("Compiled refuses layers above its nnz limit at engine construction",
          "[gpu][engine][compiled]") {
  auto const net = snicit::data::generate_sdgc_network({1024, 2, 1, 0});  // 32768 nnz per layer
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = 16;
  using Small = snicit::spmm::Compiled<1000>;
  REQUIRE_THROWS_AS((snicit::Engine<float, Small, snicit::cluster::None>(net, eo, stream)),
                    snicit::LogicError);
  REQUIRE_THROWS_WITH((snicit::Engine<float, Small, snicit::cluster::None>(net, eo, stream)),
                      Catch::Contains("32768") && Catch::Contains("1000"));
}

TEST_CASE("Engine<float, Compiled<>> equals snicit::reference (exact mode)",
          "[gpu][engine][compiled]") {
  // Small layers (2560 weights each) keep the NVRTC time short.
  auto const net = oracle::random_network(128, 4, 20, -0.05f, 1.0f, 21, 0.0f, -0.1f, 0.3f);
  auto const dense_in = oracle::random_input(500, 128, 0.4, 1.0f, false, 6);
  auto const in = oracle::to_csr(dense_in);
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = 500;
  snicit::Engine<float, snicit::spmm::Compiled<>, snicit::cluster::None> engine(net, eo, stream);
  auto const got = engine.run(in, stream);
  require_same(snicit::reference::infer_exact(net, in), got);
}
#endif
