// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// The cuSPARSE baseline (spmm::Cusparse) and the dense tensor-core backend
// (spmm::DenseTensorCore, fp16 / tf32 / fp16_split) against the CPU:
// - kernel level: fused pre-convergence product (gather list, packed output, alive flags) and
//   plain post-convergence product (the list for input and output, other rows untouched) on
//   64x64 and 128x128 random ~60 %-dense layers (network A-like), a 1000x1000 layer (odd
//   widths), an SDGC 1024 RadixNet layer (1/16 weights, 32 per output) and a rectangular
//   784 -> 128 layer, for 1, 31 and 2000 rows and a device count below the host bound;
// - engine level: network A (MNIST) accuracy per precision in exact and SNICIT mode against the
//   CPU, and Engine<float, Cusparse<>> on a generated SDGC 1024x24 network (2000 images).
//
// Tolerances: an output may differ from the oracle by rel * max(|want|, sum_i |x_i w_ij| + |b_j|)
// (the clipped ReLU is 1-Lipschitz, so the bound holds after it):
// - Cusparse: rel = 1e-5 (fp32 products, another summation order: <= ~n eps sum |t_i| in the
//   worst case, ~sqrt(n) eps in practice; n <= 1000 terms);
// - fp16_split: rel = 1e-5 (operands carry ~2^-22 relative error, every partial product is exact
//   in fp32, the dropped lo*lo term is <= 2^-22 |x w|; accumulation in fp32 over <= 64 MMA
//   steps of k = 16 adds <= 64 * 2^-23 sum |t_i| ~ 7.6e-6 even if the tensor core truncates);
// - fp16 and tf32: rel = 2e-3 (both operands rounded to an 11-bit significand, <= 2^-11 relative
//   each: ~1e-3 per product, plus accumulation).
// An alive flag may differ only when every entry of the oracle's and the GPU's row is within that
// tolerance of 0; flags past the device count must be 0.
#include <snicit/data/data.hpp>
#include <snicit/engine.cuh>
#include <snicit/io/beyond.hpp>
#include <snicit/io/mnist.hpp>
#include <snicit/kernels/spmm.cuh>
#include <snicit/kernels/spmm_cusparse.cuh>
#include <snicit/kernels/spmm_dense.cuh>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/reference/reference.hpp>
#include <snicit/stream.hpp>

#include "device_helpers.hpp"
#include "oracle.hpp"
#include "test_data.hpp"

#include <algorithm>
#include <catch.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

using snicit::DeviceBuffer;
using snicit::row_index;
using namespace snicit::test::gpu;
using snicit::spmm::Cusparse;
using snicit::spmm::DenseTensorCore;
using snicit::spmm::Precision;

/// Relative tolerance per backend (see the file comment).
template <class Policy>
constexpr float rel_tol() {
  return 1e-5f;
}
template <>
constexpr float rel_tol<DenseTensorCore<Precision::fp16, 16>>() {
  return 2e-3f;
}
template <>
constexpr float rel_tol<DenseTensorCore<Precision::tf32, 64>>() {
  return 2e-3f;
}

/// A random n_in x n_out layer, each weight present with probability `density`.
snicit::SparseLayer<float> random_layer(std::int64_t n_in,
                                        std::int64_t n_out,
                                        double density,
                                        std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  return oracle::random_dense_layer(n_in, n_out, density, rng, -0.3f, 0.35f, -0.2f, 0.05f);
}

struct Shape {
  std::string name;
  snicit::SparseLayer<float> layer;
  float cap = 1.0f;
  float input_max = 1.0f;
};

Shape make_shape(int id) {
  switch (id) {
    case 0:
      return {"64x64 60% dense", random_layer(64, 64, 0.6, 11), 1.0f, 1.0f};
    case 1:
      return {"128x128 60% dense", random_layer(128, 128, 0.6, 12), 1.0f, 1.0f};
    case 2:
      return {"1000x1000 10% dense", random_layer(1000, 1000, 0.1, 13), 4.0f, 1.0f};
    case 3: {
      snicit::SparseLayer<float> l{snicit::data::radixnet_layer(1024, 1, 7),
                                   {snicit::sdgc_bias(1024)}};
      return {"SDGC 1024 RadixNet", std::move(l), 32.0f, 32.0f};
    }
    default:
      return {"784x128 60% dense", random_layer(784, 128, 0.6, 14), 1.0f, 1.0f};
  }
}

/// sum_i |x_i w_ij| + |b_j| per output j (the scale of the rounding error).
std::vector<float> magnitudes(snicit::SparseLayer<float> const& layer,
                              oracle::Row const& y,
                              bool with_bias) {
  auto const& w = layer.weights;
  std::vector<float> m(static_cast<std::size_t>(w.cols), 0.0f);
  for (std::int64_t i = 0; i < w.rows; ++i) {
    for (auto k = w.row_offsets[i]; k < w.row_offsets[i + 1]; ++k) {
      m[static_cast<std::size_t>(w.col_indices[static_cast<std::size_t>(k)])] +=
          std::fabs(y[static_cast<std::size_t>(i)] * w.values[static_cast<std::size_t>(k)]);
    }
  }
  if (with_bias) {
    for (std::int64_t j = 0; j < w.cols; ++j) {
      m[static_cast<std::size_t>(j)] += std::fabs(layer.bias_at(j));
    }
  }
  return m;
}

/// Compares one row; returns true when both the oracle's and the GPU's rows are within
/// tolerance of 0 (then their alive flags may differ).
bool check_row(float const* got,
               oracle::Row const& want,
               std::vector<float> const& mag,
               float rel,
               std::int64_t row) {
  bool tiny = true;
  for (std::size_t j = 0; j < want.size(); ++j) {
    float const tol = rel * std::max(std::fabs(want[j]), mag[j]) + 1e-30f;
    tiny = tiny && std::fabs(want[j]) <= tol && std::fabs(got[j]) <= tol;
    if (!(std::fabs(got[j] - want[j]) <= tol)) {
      FAIL_CHECK("row " << row << " col " << j << ": got " << got[j] << ", want " << want[j]
                        << ", tol " << tol);
      return tiny;
    }
  }
  return tiny;
}

template <class Policy>
void kernel_case(Shape const& shape, std::int64_t count, std::int64_t bound) {
  INFO(shape.name << ", count " << count << ", bound " << bound);
  snicit::Stream stream;
  snicit::AsyncAllocator alloc;
  float const rel = rel_tol<Policy>();
  auto const& layer = shape.layer;
  std::int64_t const n_in = layer.weights.rows;
  std::int64_t const n_out = layer.weights.cols;
  std::int64_t const rows = 2 * bound + 3;  // the list takes every other row, reversed
  std::int64_t const ld = std::max(n_in, n_out) + 5;
  auto const in = oracle::random_input(rows, n_in, 0.5, shape.input_max, false, 4 + count);
  std::vector<float> h_in(static_cast<std::size_t>(rows * ld), 9.0f);
  for (std::int64_t r = 0; r < rows; ++r) {
    std::copy(in.row(r).begin(), in.row(r).end(), h_in.begin() + r * ld);
  }
  std::vector<row_index> list;
  for (std::int64_t i = 0; i < bound; ++i) {
    list.push_back(static_cast<row_index>(rows - 1 - 2 * i));
  }
  std::vector<float> bias(static_cast<std::size_t>(n_out));
  for (std::int64_t j = 0; j < n_out; ++j) {
    bias[static_cast<std::size_t>(j)] = layer.bias_at(j);
  }
  auto d_in = to_device(h_in, stream);
  auto d_list = to_device(list, stream);
  auto d_count = to_device(std::vector<row_index>{static_cast<row_index>(count)}, stream);
  auto d_bias = to_device(bias, stream);
  std::vector<float> sentinel(static_cast<std::size_t>(rows * ld), -5.0f);
  auto d_out = to_device(sentinel, stream);
  DeviceBuffer<std::uint8_t> d_alive(static_cast<std::size_t>(bound), stream);
  d_alive.memset_async(0xff, stream);
  // args.weights stays empty: both backends use only their layer state.
  auto const state =
      snicit::kernels::prepare_spmm_layer<Policy, float>(layer, bound, alloc, stream);

  snicit::SpmmArgs<float> args;
  args.bias = d_bias.data();
  args.in = {d_in.data(), rows, n_in, ld};
  args.in_rows = d_list.data();
  args.out = {d_out.data(), rows, n_out, ld};
  args.d_num_rows = d_count.data();
  args.num_rows_bound = bound;
  args.alive = d_alive.data();
  snicit::ReluClip const act{shape.cap};
  snicit::kernels::spmm<Policy>(args, state, act, stream);
  auto const out = to_host(d_out, static_cast<std::size_t>(rows * ld), stream);
  auto const alive = to_host(d_alive, static_cast<std::size_t>(bound), stream);
  std::int64_t flips = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    auto const src = in.row(list[static_cast<std::size_t>(i)]);
    oracle::Row const y(src.begin(), src.end());
    auto const want = oracle::forward(layer, shape.cap, y);
    auto const mag = magnitudes(layer, y, true);
    bool const tiny = check_row(out.data() + i * ld, want, mag, rel, i);
    int const want_alive = oracle::nonzero(want) ? 1 : 0;
    if (alive[static_cast<std::size_t>(i)] != want_alive) {
      ++flips;
      CHECK(tiny);  // a flag may flip only on a row that is zero within tolerance
    }
  }
  for (std::int64_t i = count; i < bound; ++i) {
    REQUIRE(alive[static_cast<std::size_t>(i)] == 0);
  }
  if (flips > 0) {
    WARN(flips << " alive flags differ on rows that are zero within tolerance");
  }

  // Plain product over the same list for input and output; unlisted rows stay untouched.
  auto d_out2 = to_device(sentinel, stream);
  args.bias = nullptr;
  args.alive = nullptr;
  args.out = {d_out2.data(), rows, n_out, ld};
  args.out_rows = d_list.data();
  snicit::kernels::spmm<Policy>(args, state, act, stream);
  auto const prod = to_host(d_out2, static_cast<std::size_t>(rows * ld), stream);
  std::vector<char> listed(static_cast<std::size_t>(rows), 0);
  for (std::int64_t i = 0; i < count; ++i) {
    auto const r = list[static_cast<std::size_t>(i)];
    listed[static_cast<std::size_t>(r)] = 1;
    auto const src = in.row(r);
    oracle::Row const y(src.begin(), src.end());
    (void)check_row(prod.data() + static_cast<std::int64_t>(r) * ld,
                    oracle::product(layer.weights, y),
                    magnitudes(layer, y, false),
                    rel,
                    r);
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    if (listed[static_cast<std::size_t>(r)] == 0) {
      for (std::int64_t j = 0; j < n_out; ++j) {
        REQUIRE(prod[static_cast<std::size_t>(r * ld + j)] == -5.0f);
      }
    }
  }
}

}  // namespace

TEMPLATE_TEST_CASE("dense and cuSPARSE backends: fused epilogue and plain product vs the CPU",
                   "[gpu][kernels][backends]",
                   Cusparse<>,
                   (DenseTensorCore<Precision::fp16_split, 32>),
                   (DenseTensorCore<Precision::fp16, 16>),
                   (DenseTensorCore<Precision::tf32, 64>)) {
  int const shape_id = GENERATE(0, 1, 2, 3, 4);
  auto const rows = GENERATE(std::pair<std::int64_t, std::int64_t>{1, 1},
                             std::pair<std::int64_t, std::int64_t>{31, 31},
                             std::pair<std::int64_t, std::int64_t>{2000, 2000},
                             std::pair<std::int64_t, std::int64_t>{1000, 1100});
  kernel_case<TestType>(make_shape(shape_id), rows.first, rows.second);
}

namespace {

/// Network A on the MNIST t10k images: exact and SNICIT accuracy of the GPU hidden stack with
/// `Policy`, against the CPU's; `tol` is the allowed accuracy difference.
template <class Policy>
void network_a_accuracy(double tol, char const* name) {
  auto const dir = snicit::test::data_dir();
  auto const net_dir = dir / "beyond" / "n128-l18";
  auto const images_file = dir / "mnist" / "t10k-images-idx3-ubyte.gz";
  auto const labels_file = dir / "mnist" / "t10k-labels-idx1-ubyte.gz";
  if (!std::filesystem::exists(net_dir) || !std::filesystem::exists(images_file) ||
      !std::filesystem::exists(labels_file)) {
    WARN("data missing: " << net_dir.string() << " / " << images_file.string());
    return;
  }
  auto const net = snicit::io::read_beyond_network(net_dir);
  auto const x = snicit::io::mnist_to_dense(snicit::io::read_mnist_images(images_file));
  auto const labels = snicit::io::read_mnist_labels(labels_file);
  REQUIRE(net.input.has_value());
  std::int64_t const L = net.hidden.num_layers();

  // Dense input layer on the CPU, the hidden stack on the GPU, the output layer + argmax on the
  // CPU (as examples/mnist.cpp).
  auto const first = snicit::reference::dense_layer(*net.input, x, net.hidden.activation_cap);
  auto classify = [&](snicit::RunResult<float> const& r) {
    auto const logits = snicit::reference::output_logits(net, x.rows, r.categories, r.activations);
    return snicit::reference::accuracy(snicit::reference::argmax_rows(logits), labels);
  };

  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = x.rows;
  eo.snicit = snicit::SnicitOptions::beyond_defaults(L);
  snicit::Engine<float, Policy, snicit::cluster::None> exact_engine(net.hidden, eo, stream);
  auto const e = exact_engine.run(first, stream);
  double const exact = classify(e);
  snicit::Engine<float, Policy> snicit_engine(net.hidden, eo, stream);
  auto const s = snicit_engine.run(first, stream);
  double const snicit_acc = classify(s);
  double const cpu_exact =
      snicit::reference::accuracy(snicit::reference::classify_exact(net, x).predicted, labels);
  double const cpu_snicit = snicit::reference::accuracy(
      snicit::reference::classify_snicit(net, x, eo.snicit).predicted, labels);
  WARN("network A, " << name << ": exact " << exact << " (CPU " << cpu_exact << ", diff "
                     << exact - cpu_exact << "), SNICIT " << snicit_acc << " (CPU " << cpu_snicit
                     << ", diff " << snicit_acc - cpu_snicit << "); GPU ms exact "
                     << e.stats.ms.total_ms() << " (pre " << e.stats.ms.pre_ms << "), SNICIT "
                     << s.stats.ms.total_ms());
  CHECK(std::fabs(exact - cpu_exact) <= tol);
  CHECK(std::fabs(snicit_acc - cpu_snicit) <= tol);
}

}  // namespace

TEST_CASE("DenseTensorCore fp16_split on network A: accuracy within 0.05 % of the CPU",
          "[gpu][engine][data]") {
  network_a_accuracy<DenseTensorCore<Precision::fp16_split>>(0.0005, "fp16_split");
}

TEST_CASE("DenseTensorCore fp16 on network A: accuracy within 0.3 % of the CPU",
          "[gpu][engine][data]") {
  network_a_accuracy<DenseTensorCore<Precision::fp16>>(0.003, "fp16");
}

TEST_CASE("DenseTensorCore tf32 on network A: accuracy within 0.3 % of the CPU",
          "[gpu][engine][data]") {
  network_a_accuracy<DenseTensorCore<Precision::tf32>>(0.003, "tf32");
}

TEST_CASE("Engine<float, Cusparse<>> on SDGC 1024x24: categories equal the exact reference",
          "[gpu][engine]") {
  std::int64_t const n = 1024;
  std::int64_t const layers = 24;
  auto const net = snicit::data::generate_sdgc_network({n, layers, 1, 0});
  auto const in = snicit::data::synthetic_sdgc_images(n, 2000, 2026);
  auto const want = snicit::reference::infer_exact(net, in);
  REQUIRE_FALSE(want.rows.empty());

  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = 2000;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(layers);
  snicit::Engine<float, Cusparse<>, snicit::cluster::None> exact_engine(net, eo, stream);
  auto const exact = exact_engine.run(in, stream);
  REQUIRE(exact.categories == want.rows);
  snicit::Engine<float, Cusparse<>> snicit_engine(net, eo, stream);
  auto const got = snicit_engine.run(in, stream);
  REQUIRE(got.categories == want.rows);
  // Activations within fp32 reordering error of the oracle (24 layers, values <= 32).
  REQUIRE(exact.activations.rows == want.activations.rows);
  float worst = 0.0f;
  for (std::int64_t r = 0; r < want.activations.rows; ++r) {
    auto const a = exact.activations.row(r);
    auto const b = want.activations.row(r);
    for (std::size_t j = 0; j < b.size(); ++j) {
      worst = std::max(worst, std::fabs(a[j] - b[j]) / std::max(std::fabs(b[j]), 1.0f));
    }
  }
  WARN("Cusparse SDGC 1024x24: " << want.rows.size() << " categories, worst relative activation "
                                 << "difference " << worst << ", ms exact "
                                 << exact.stats.ms.total_ms() << ", SNICIT "
                                 << got.stats.ms.total_ms());
  CHECK(worst <= 1e-4f);
}
