// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// The fused multi-layer kernel (kernels::FusedDenseStack) and the Engine's use of it
// (EngineOptions::fuse_dense_layers):
// - building block: a chain of narrow ~60 %-dense layers of mixed widths (128, 100, 37, ...)
//   run as one launch over a gather list with a device count below the host bound, against a
//   double-precision CPU forward pass: outputs, alive flags (a flip is allowed only on a row the
//   oracle has within tolerance of zero) and per-layer alive counts, fp16_split and fp16;
// - engine: Engine<float, spmm::Auto<>> with fusion on and off, exact and SNICIT mode, several
//   batch sizes: the fused run performs the same tensor-core products in the same order as the
//   layer-by-layer DenseTensorCore path, so categories, activations (bit for bit) and the
//   per-layer alive counts must be identical; both are checked against snicit::reference.
//
// Tolerance against the CPU (|gpu - cpu| per output, values in [0, 1]): fp16_split operands
// carry ~2^-22 relative error, so one layer is within ~1e-6 * sum |x w|; over the chain of
// layers (sum |w| per output <= ~25 here) 2e-4 absolute leaves a wide margin. fp16 operands carry
// 2^-11: 3e-2.
#include <snicit/engine.cuh>
#include <snicit/kernels/fused_dense.cuh>
#include <snicit/reference/reference.hpp>
#include <snicit/stream.hpp>

#include "device_helpers.hpp"
#include "oracle.hpp"

#include <algorithm>
#include <catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace {

using snicit::row_index;
using namespace snicit::test::gpu;
using snicit::spmm::Precision;

/// A layer n_in -> n_out, each weight present with probability `density`, value in [-0.25,
/// 0.3], one bias per output in [-0.1, 0.05].
snicit::SparseLayer<float> dense_ish_layer(std::int64_t n_in,
                                           std::int64_t n_out,
                                           double density,
                                           std::mt19937_64& rng) {
  return oracle::random_dense_layer(n_in, n_out, density, rng, -0.25f, 0.3f, -0.1f, 0.05f);
}

/// y = min(max(x W + b, 0), 1) in double.
std::vector<double> forward(snicit::SparseLayer<float> const& layer, std::vector<double> const& x) {
  auto const& w = layer.weights;
  std::vector<double> y(static_cast<std::size_t>(w.cols), 0.0);
  for (std::int64_t i = 0; i < w.rows; ++i) {
    for (auto k = w.row_offsets[static_cast<std::size_t>(i)];
         k < w.row_offsets[static_cast<std::size_t>(i) + 1];
         ++k) {
      y[static_cast<std::size_t>(w.col_indices[static_cast<std::size_t>(k)])] +=
          x[static_cast<std::size_t>(i)] * w.values[static_cast<std::size_t>(k)];
    }
  }
  for (std::int64_t j = 0; j < w.cols; ++j) {
    auto& v = y[static_cast<std::size_t>(j)];
    v = std::min(std::max(v + layer.bias_at(j), 0.0), 1.0);
  }
  return y;
}

template <Precision P>
void check_stack(double tol) {
  std::mt19937_64 rng(20261121);
  std::vector<std::int64_t> const widths{128, 100, 128, 37, 128, 128, 64};
  std::vector<snicit::SparseLayer<float>> layers;
  layers.push_back(dense_ish_layer(16, 16, 0.6, rng));  // layer 0: not part of the stack
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    layers.push_back(dense_ish_layer(widths[l], widths[l + 1], 0.6, rng));
  }
  auto const nl = static_cast<std::int64_t>(widths.size()) - 1;

  std::int64_t const total = 3000;
  auto const in = oracle::random_input(total, widths.front(), 0.3, 1.0f, false, 7);
  // Gather list: every row not divisible by 7, in reverse order; the count on the device is the
  // list's length, the host bound 50 more (their flags must come back 0).
  std::vector<row_index> list;
  for (std::int64_t r = total - 1; r >= 0; --r) {
    if (r % 7 != 0) {
      list.push_back(static_cast<row_index>(r));
    }
  }
  auto const count = static_cast<std::int64_t>(list.size());
  std::int64_t const bound = count + 50;

  snicit::Stream stream;
  snicit::kernels::FusedDenseStack<P, snicit::ReluClip, snicit::AsyncAllocator> stack(
      layers, 1, nl, snicit::AsyncAllocator{}, stream);
  CHECK(stack.first() == 1);
  CHECK(stack.size() == nl);
  auto d_in = to_device(in.data, stream);
  auto d_list = to_device(list, stream);
  auto d_count = to_device(std::vector<row_index>{static_cast<row_index>(count)}, stream);
  std::int64_t const n_out = widths.back();
  DeviceBuffer<float> d_out(static_cast<std::size_t>(bound * n_out), stream);
  DeviceBuffer<std::uint8_t> d_alive(static_cast<std::size_t>(bound), stream);
  SNICIT_CUDA_TRY(
      cudaMemsetAsync(d_alive.data(), 0xff, static_cast<std::size_t>(bound), stream.get()));
  auto d_counts = to_device(std::vector<row_index>(static_cast<std::size_t>(nl - 1), 0), stream);

  snicit::SpmmArgs<float> args;
  args.in = {d_in.data(), total, widths.front(), widths.front()};
  args.in_rows = d_list.data();
  args.out = {d_out.data(), bound, n_out, n_out};
  args.d_num_rows = d_count.data();
  args.num_rows_bound = bound;
  args.alive = d_alive.data();
  stack.launch(args, 1, nl, snicit::ReluClip(1.0f), d_counts.data(), stream);
  auto const out = to_host(d_out, static_cast<std::size_t>(count * n_out), stream);
  auto const alive = to_host(d_alive, static_cast<std::size_t>(bound), stream);
  auto const counts = to_host(d_counts, static_cast<std::size_t>(nl - 1), stream);

  // CPU: per listed row, every layer; alive counts and "tiny" rows (max entry within tol of 0).
  std::vector<std::int64_t> want_counts(static_cast<std::size_t>(nl - 1), 0);
  std::vector<std::int64_t> tiny_rows(static_cast<std::size_t>(nl), 0);
  double worst = 0.0;
  std::int64_t flips = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    auto const src = in.row(list[static_cast<std::size_t>(i)]);
    std::vector<double> x(src.begin(), src.end());
    for (std::int64_t l = 0; l < nl; ++l) {
      x = forward(layers[static_cast<std::size_t>(l + 1)], x);
      double const mx = *std::max_element(x.begin(), x.end());
      if (mx > 0.0 && mx <= tol) {
        ++tiny_rows[static_cast<std::size_t>(l)];
      }
      if (l + 1 < nl && mx > 0.0) {
        ++want_counts[static_cast<std::size_t>(l)];
      }
    }
    double mx = 0.0;
    for (std::int64_t j = 0; j < n_out; ++j) {
      double const d =
          std::fabs(out[static_cast<std::size_t>(i * n_out + j)] - x[static_cast<std::size_t>(j)]);
      worst = std::max(worst, d);
      mx = std::max(mx, x[static_cast<std::size_t>(j)]);
    }
    bool const want_alive = mx > 0.0;
    if ((alive[static_cast<std::size_t>(i)] != 0) != want_alive) {
      ++flips;
      CHECK(mx <= tol);  // a flag may flip only on a row that is zero within tolerance
    }
  }
  WARN("fused stack: worst |gpu - cpu| " << worst << ", alive-flag flips " << flips);
  CHECK(worst <= tol);
  for (std::int64_t i = count; i < bound; ++i) {
    CHECK(alive[static_cast<std::size_t>(i)] == 0);
  }
  for (std::int64_t l = 0; l + 1 < nl; ++l) {
    auto const d = std::llabs(static_cast<long long>(counts[static_cast<std::size_t>(l)]) -
                              static_cast<long long>(want_counts[static_cast<std::size_t>(l)]));
    CHECK(d <= tiny_rows[static_cast<std::size_t>(l)]);
  }
  CHECK(want_counts.front() > 0);  // the test exercises live rows
}

}  // namespace

TEST_CASE("FusedDenseStack fp16_split: a chain of mixed-width layers vs the CPU", "[gpu][fused]") {
  check_stack<Precision::fp16_split>(2e-4);
}

TEST_CASE("FusedDenseStack fp16: a chain of mixed-width layers vs the CPU", "[gpu][fused]") {
  check_stack<Precision::fp16>(3e-2);
}

TEST_CASE("FusedDenseStack rejects layers wider than 128 and broken chains", "[gpu][fused]") {
  std::mt19937_64 rng(3);
  std::vector<snicit::SparseLayer<float>> wide{dense_ish_layer(128, 129, 0.5, rng)};
  snicit::Stream stream;
  using Stack = snicit::kernels::
      FusedDenseStack<Precision::fp16_split, snicit::ReluClip, snicit::AsyncAllocator>;
  CHECK_THROWS_AS(Stack(wide, 0, 1, snicit::AsyncAllocator{}, stream), snicit::LogicError);
  std::vector<snicit::SparseLayer<float>> broken{dense_ish_layer(64, 32, 0.5, rng),
                                                 dense_ish_layer(64, 64, 0.5, rng)};
  CHECK_THROWS_AS(Stack(broken, 0, 2, snicit::AsyncAllocator{}, stream), snicit::LogicError);
  CHECK_THROWS_AS(Stack(broken, 1, 2, snicit::AsyncAllocator{}, stream), snicit::LogicError);
}

TEMPLATE_TEST_CASE("Engine<float, Auto<>>: fused pre-convergence runs equal layer-by-layer runs",
                   "[gpu][fused][engine]",
                   snicit::cluster::None,
                   snicit::cluster::CoarseSample<>) {
  // network A-like: 128 wide, ~60 % dense (77 inputs per output), cap 1; ~15 % of the rows
  // survive the 12 layers (the CPU oracle keeps 290 of 2000), so rows die along the way.
  std::int64_t const L = 12;
  auto const net = oracle::random_network(128, L, 77, -0.05f, 1.0f, 99, 0.0f, -0.09f, 0.12f);
  for (std::int64_t rows : {1, 500, 10000}) {
    auto const in = oracle::random_input(rows, 128, 0.4, 1.0f, false, 5);
    snicit::Stream stream;
    snicit::EngineOptions eo;
    eo.max_batch = rows;
    eo.snicit = snicit::SnicitOptions::beyond_defaults(L);
    eo.snicit.threshold_layer = 5;
    eo.snicit.samples = std::min<std::int64_t>(rows, 128);
    snicit::Engine<float, snicit::spmm::Auto<>, TestType> fused(net, eo, stream);
    auto no_fuse_opts = eo;
    no_fuse_opts.fuse_dense_layers = false;
    snicit::Engine<float, snicit::spmm::Auto<>, TestType> plain(net, no_fuse_opts, stream);
    auto const a = fused.run(in, stream);
    auto const b = plain.run(in, stream);
    INFO("rows " << rows);
    REQUIRE(a.categories == b.categories);
    if (rows >= 500) {
      CHECK_FALSE(a.categories.empty());  // live rows reach the end: the comparison has content
    }
    REQUIRE(a.activations.data == b.activations.data);  // same products, same order: bit-equal
    REQUIRE(a.stats.rounds.size() == b.stats.rounds.size());
    for (std::size_t r = 0; r < a.stats.rounds.size(); ++r) {
      CHECK(a.stats.rounds[r].alive_per_pre_layer == b.stats.rounds[r].alive_per_pre_layer);
      CHECK(a.stats.rounds[r].nonempty_per_post_layer == b.stats.rounds[r].nonempty_per_post_layer);
    }
    // And the CPU reference (exact or SNICIT): categories equal unless a row is within
    // tolerance of zero; activations within 1e-4.
    bool const snicit_mode = TestType::converts;
    auto const want = oracle::infer(net, in, snicit_mode, eo.snicit);
    std::int64_t mismatched = 0;
    double worst = 0.0;
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < want.rows.size() || j < a.categories.size()) {
      if (j == a.categories.size() || (i < want.rows.size() && want.rows[i] < a.categories[j])) {
        double const mx = *std::max_element(want.activations[i].begin(), want.activations[i].end());
        CHECK(mx <= 1e-4);
        ++mismatched;
        ++i;
      } else if (i == want.rows.size() || a.categories[j] < want.rows[i]) {
        auto const row = a.activations.row(static_cast<std::int64_t>(j));
        CHECK(*std::max_element(row.begin(), row.end()) <= 1e-4f);
        ++mismatched;
        ++j;
      } else {
        auto const row = a.activations.row(static_cast<std::int64_t>(j));
        for (std::size_t c = 0; c < row.size(); ++c) {
          worst = std::max(worst, std::fabs(double(row[c]) - double(want.activations[i][c])));
        }
        ++i;
        ++j;
      }
    }
    WARN("rows " << rows << ": " << a.categories.size() << " categories, " << mismatched
                 << " differ from the CPU (tiny rows), worst activation difference " << worst
                 << "; ms fused " << a.stats.ms.total_ms() << ", layer by layer "
                 << b.stats.ms.total_ms());
    CHECK(worst <= 1e-4);
    CHECK(mismatched <= static_cast<std::int64_t>(want.rows.size() / 100 + 1));
  }
}
