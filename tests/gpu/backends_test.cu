// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// Every spMM backend of snicit::test::all_backends against the CPU:
// - kernel level: fused pre-convergence product (gather list, packed output, alive flags, a
//   device count below the host bound) and plain post-convergence product (the same row list
//   with gaps for input and output) on SDGC-like and network-A-like layers, square and
//   rectangular, for 1, 31 and 2000 rows;
// - engine level: exact and SNICIT mode on a generated SDGC 1024x24 network (2000 images) against
//   snicit::reference, and network A's accuracy against the CPU (when the data is present).
//
// Tolerances for backends that are not bit-exact (backend_list.hpp): reordering a float sum of
// terms t_i changes it by at most ~n * eps * sum |t_i|, so an output may differ from the oracle
// by 1e-5 * max(|want|, sum_i |x_i w_ij| + |b_j|) (the clipped ReLU is 1-Lipschitz, so the same
// bound holds after it). An alive flag may differ only when every entry of the oracle's row is
// within that tolerance of 0. Bit-exact backends must equal the oracle exactly.
#include <snicit/data/data.hpp>
#include <snicit/detail/engine_support.cuh>
#include <snicit/engine.cuh>
#include <snicit/io/beyond.hpp>
#include <snicit/io/mnist.hpp>
#include <snicit/kernels/spmm.cuh>
#include <snicit/kernels/spmm_scatter.cuh>
#include <snicit/kernels/spmm_tiled.cuh>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/reference/reference.hpp>
#include <snicit/stream.hpp>

#include "backend_list.hpp"
#include "device_helpers.hpp"
#include "oracle.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <test_data.hpp>
#include <typeinfo>
#include <vector>

namespace {

using snicit::DeviceBuffer;
using snicit::row_index;
using namespace snicit::test::gpu;

template <class T>
std::string type_name() {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> p(
      abi::__cxa_demangle(typeid(T).name(), nullptr, nullptr, &status), std::free);
  return status == 0 && p ? std::string(p.get()) : std::string(typeid(T).name());
}

using InputRows = std::vector<std::vector<std::pair<std::int32_t, float>>>;

/// The layer whose input i has the (output, weight) entries rows[i] (sorted here), with one
/// random bias per output in [-0.3, 0.1] drawn from `rng`.
snicit::SparseLayer<float> layer_from_rows(InputRows rows,
                                           std::int64_t n_out,
                                           std::mt19937_64& rng) {
  snicit::SparseLayer<float> layer;
  auto const n_in = static_cast<std::int64_t>(rows.size());
  layer.weights = oracle::csr_from_rows(n_in, n_out, std::move(rows));
  std::uniform_real_distribution<float> bd(-0.3f, 0.1f);
  for (std::int64_t j = 0; j < n_out; ++j) {
    layer.bias.push_back(bd(rng));
  }
  return layer;
}

/// A rectangular random layer: each output has `fan_in` distinct random inputs, values in
/// [lo, hi] (or `uniform` when non-zero), one random bias per output in [-0.3, 0.1].
snicit::SparseLayer<float> random_layer(std::int64_t n_in,
                                        std::int64_t n_out,
                                        std::int64_t fan_in,
                                        float uniform,
                                        float lo,
                                        float hi,
                                        std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> wd(lo, hi);
  std::uniform_int_distribution<std::int64_t> id(0, n_in - 1);
  InputRows rows(static_cast<std::size_t>(n_in));
  for (std::int64_t j = 0; j < n_out; ++j) {
    std::vector<std::int64_t> picked;
    while (static_cast<std::int64_t>(picked.size()) < std::min(fan_in, n_in)) {
      auto const i = id(rng);
      if (std::find(picked.begin(), picked.end(), i) == picked.end()) {
        picked.push_back(i);
      }
    }
    for (auto i : picked) {
      rows[static_cast<std::size_t>(i)].push_back(
          {static_cast<std::int32_t>(j), uniform != 0.0f ? uniform : wd(rng)});
    }
  }
  return layer_from_rows(std::move(rows), n_out, rng);
}

/// A layer whose n_out outputs are `copies` copies each of `distinct` random columns (placed at
/// random output positions), with one random bias per output: what spmm::ColumnFolded folds.
snicit::SparseLayer<float> duplicated_layer(std::int64_t n_in,
                                            std::int64_t distinct,
                                            std::int64_t copies,
                                            std::int64_t fan_in,
                                            std::uint64_t seed) {
  auto const base = random_layer(n_in, distinct, fan_in, 0.0f, -0.2f, 0.5f, seed);
  std::int64_t const n_out = distinct * copies;
  std::vector<std::int64_t> of(static_cast<std::size_t>(n_out));
  std::iota(of.begin(), of.end(), std::int64_t{0});
  std::mt19937_64 rng(seed + 1);
  std::shuffle(of.begin(), of.end(), rng);
  std::vector<std::vector<std::int32_t>> outputs_of(static_cast<std::size_t>(distinct));
  for (std::int64_t j = 0; j < n_out; ++j) {
    outputs_of[static_cast<std::size_t>(of[static_cast<std::size_t>(j)] % distinct)].push_back(
        static_cast<std::int32_t>(j));
  }
  InputRows rows(static_cast<std::size_t>(n_in));
  for (std::int64_t i = 0; i < n_in; ++i) {
    for (auto k = base.weights.row_offsets[i]; k < base.weights.row_offsets[i + 1]; ++k) {
      for (auto j : outputs_of[static_cast<std::size_t>(base.weights.col_indices[k])]) {
        rows[static_cast<std::size_t>(i)].push_back(
            {j, base.weights.values[static_cast<std::size_t>(k)]});
      }
    }
  }
  return layer_from_rows(std::move(rows), n_out, rng);
}

struct Shape {
  snicit::SparseLayer<float> layer;
  float cap = 32.0f;  ///< activation cap (and input range)
  std::string name;
};

Shape make_shape(int id) {
  auto sdgc = [](std::int64_t n, std::int64_t l) {
    return Shape{{snicit::data::radixnet_layer(n, l, 1), {snicit::sdgc_bias(n)}},
                 32.0f,
                 "SDGC " + std::to_string(n)};
  };
  switch (id) {
    case 0:
      return sdgc(64, 1);
    case 1: {  // odd N, SDGC-like uniform 1/16 weights, fan-in 32
      auto l = random_layer(1000, 1000, 32, 0.0625f, 0.0f, 0.0f, 11);
      l.bias = {-0.3f};
      return {std::move(l), 32.0f, "uniform 1000"};
    }
    case 2:
      return sdgc(1024, 2);
    case 3:
      return sdgc(4096, 3);
    case 4:  // network A-like: 128 x 128, ~60 % dense, random values
      return {random_layer(128, 128, 77, 0.0f, -0.5f, 0.5f, 12), 1.0f, "dense-ish 128"};
    case 5:
      return {random_layer(300, 700, 20, 0.0f, -0.2f, 0.5f, 13), 2.0f, "rect 300x700"};
    case 6:  // more outputs than one shared-memory slab of RowScatter
      return {random_layer(200, 13000, 8, 0.0f, -0.2f, 0.5f, 14), 32.0f, "rect 200x13000"};
    case 7:  // 150 distinct columns, 4 copies each, different biases (ColumnFolded's groups)
      return {duplicated_layer(500, 150, 4, 24, 16), 4.0f, "duplicated 500x600"};
    default:  // more inputs than RegisterTiled stages
      return {random_layer(20000, 100, 64, 0.0f, -0.2f, 0.5f, 15), 8.0f, "rect 20000x100"};
  }
}
constexpr int num_shapes = 9;

/// Oracle per output: value and the magnitude of its sum (sum |x_i w_ij| + |bias|).
struct Expect {
  oracle::Row value;
  oracle::Row magnitude;
};
Expect expect(snicit::SparseLayer<float> const& layer,
              float cap,
              oracle::Row const& y,
              bool fused) {
  auto const& w = layer.weights;
  Expect e{fused ? oracle::forward(layer, cap, y) : oracle::product(w, y),
           oracle::Row(static_cast<std::size_t>(w.cols), 0.0f)};
  for (std::int64_t i = 0; i < w.rows; ++i) {
    float const v = std::fabs(y[static_cast<std::size_t>(i)]);
    for (auto k = w.row_offsets[i]; k < w.row_offsets[i + 1]; ++k) {
      e.magnitude[static_cast<std::size_t>(w.col_indices[k])] +=
          v * std::fabs(w.values[static_cast<std::size_t>(k)]);
    }
  }
  if (fused) {
    for (std::int64_t j = 0; j < w.cols; ++j) {
      e.magnitude[static_cast<std::size_t>(j)] += std::fabs(layer.bias_at(j));
    }
  }
  return e;
}

/// Checks one output row; returns true when every oracle entry is within tolerance of 0.
template <bool BitExact>
bool check_row(Expect const& e, float const* got, std::int64_t n, std::int64_t row) {
  bool tiny = true;
  for (std::int64_t j = 0; j < n; ++j) {
    float const want = e.value[static_cast<std::size_t>(j)];
    float const g = got[j];
    float const tol = 1e-5f * std::max(std::fabs(want), e.magnitude[static_cast<std::size_t>(j)]);
    tiny = tiny && std::fabs(want) <= tol;
    if constexpr (BitExact) {
      if (g != want) {
        FAIL_CHECK("row " << row << " col " << j << ": got " << g << ", want " << want);
        return tiny;
      }
    } else {
      if (!(std::fabs(g - want) <= tol)) {
        FAIL_CHECK("row " << row << " col " << j << ": got " << g << ", want " << want << ", tol "
                          << tol);
        return tiny;
      }
    }
  }
  return tiny;
}

/// Random activations: each row of `rows` has density in [0.1, 0.3] (one row in 10 all zero),
/// values in (0, vmax] or, with `signed_values` (post-phase residues), in [-vmax, vmax].
std::vector<float> random_rows(std::int64_t rows,
                               std::int64_t n,
                               std::int64_t ld,
                               float vmax,
                               bool signed_values,
                               std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<float> h(static_cast<std::size_t>(rows * ld), 0.0f);
  std::uniform_real_distribution<float> val(signed_values ? -vmax : 0.0f, vmax);
  for (std::int64_t r = 0; r < rows; ++r) {
    if (r % 10 == 3) {
      continue;
    }
    std::bernoulli_distribution on(std::uniform_real_distribution<double>(0.1, 0.3)(rng));
    for (std::int64_t c = 0; c < n; ++c) {
      if (on(rng)) {
        float v = val(rng);
        h[static_cast<std::size_t>(r * ld + c)] = v == 0.0f ? vmax : v;
      }
    }
    for (std::int64_t c = n; c < ld; ++c) {
      h[static_cast<std::size_t>(r * ld + c)] = 1e30f;  // padding: must never be read
    }
  }
  return h;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("spmm backends equal the CPU on both paths",
                        "[gpu][backends]",
                        snicit::test::all_backends) {
  using Policy = typename TestType::policy;
  constexpr bool bit_exact = TestType::bit_exact;
  INFO("backend " << type_name<Policy>() << (bit_exact ? " (bit-exact)" : " (tolerance)"));
  auto const shape_id = GENERATE(range(0, num_shapes));
  auto const count = GENERATE(std::int64_t{1}, std::int64_t{31}, std::int64_t{2000});
  bool const fused = GENERATE(true, false);
  auto const shape = make_shape(shape_id);
  auto const& layer = shape.layer;
  std::int64_t const n_in = layer.weights.rows;
  std::int64_t const n_out = layer.weights.cols;
  INFO("shape " << shape.name << ", rows " << count << (fused ? ", fused" : ", plain"));

  snicit::Stream stream;
  snicit::AsyncAllocator alloc;
  // Device weights in the policy's layout (the engine's own upload) and the backend's state.
  std::vector<std::int32_t> h_off;
  std::vector<std::int32_t> h_idx;
  std::vector<float> h_val;
  std::vector<float> h_bias;
  auto const dev_layer = snicit::detail::make_device_layer<float, snicit::AsyncAllocator>(
      layer, Policy::weight_layout, h_off, h_idx, h_val, h_bias, alloc, stream);
  std::int64_t const bound = count == 1 ? 1 : count + count / 10 + 3;  // device count < bound
  auto const state = snicit::kernels::prepare_spmm_layer<Policy, float, snicit::AsyncAllocator>(
      layer, bound, alloc, stream);
  SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));  // h_* staging may be reused after this

  std::int64_t const rows = 2 * count + 5;  // the list picks `count` of them, with gaps
  std::int64_t const ld = std::max(n_in, n_out) + 3;
  auto const h_in = random_rows(rows, n_in, ld, shape.cap, !fused, 100 + shape_id);
  std::vector<row_index> list(static_cast<std::size_t>(rows));
  std::iota(list.begin(), list.end(), 0);
  std::shuffle(list.begin(), list.end(), std::mt19937(static_cast<unsigned>(count)));
  list.resize(static_cast<std::size_t>(count));
  auto d_in = to_device(h_in, stream);
  auto d_list = to_device(list, stream);
  auto d_count = to_device(std::vector<row_index>{static_cast<row_index>(count)}, stream);
  std::vector<float> const sentinel(static_cast<std::size_t>(rows * ld), 7.0f);
  auto d_out = to_device(sentinel, stream);
  DeviceBuffer<std::uint8_t> d_alive(static_cast<std::size_t>(bound), stream);
  d_alive.memset_async(0xff, stream);

  snicit::SpmmArgs<float> args;
  args.weights = dev_layer.view;
  args.in = {d_in.data(), rows, n_in, ld};
  args.in_rows = d_list.data();
  args.out = {d_out.data(), rows, n_out, ld};
  args.num_rows_bound = bound;
  args.d_num_rows = count == 1 ? nullptr : d_count.data();  // null = the bound itself
  snicit::ReluClip const act{shape.cap};
  if (fused) {
    args.bias = dev_layer.bias.data();
    args.alive = d_alive.data();
    args.out_rows = nullptr;  // packed, as the engine's pre phase
  } else {
    args.out_rows = d_list.data();  // in place of the listed rows, as the post phase
  }
  snicit::kernels::spmm<Policy>(args, state, act, stream);
  auto const out = to_host(d_out, static_cast<std::size_t>(rows * ld), stream);
  auto const alive = to_host(d_alive, static_cast<std::size_t>(bound), stream);

  std::vector<bool> written(static_cast<std::size_t>(rows), false);
  for (std::int64_t i = 0; i < count; ++i) {
    auto const src = list[static_cast<std::size_t>(i)];
    oracle::Row const y(h_in.begin() + src * ld, h_in.begin() + src * ld + n_in);
    auto const e = expect(layer, shape.cap, y, fused);
    std::int64_t const dst = fused ? i : src;
    written[static_cast<std::size_t>(dst)] = true;
    bool const tiny = check_row<bit_exact>(e, out.data() + dst * ld, n_out, dst);
    if (fused) {
      int const want_alive = oracle::nonzero(e.value) ? 1 : 0;
      if (bit_exact || !tiny) {
        CHECK(int(alive[static_cast<std::size_t>(i)]) == want_alive);
      } else {
        CHECK(alive[static_cast<std::size_t>(i)] <= 1);
      }
    }
  }
  if (fused) {
    for (std::int64_t i = count; i < bound; ++i) {
      CHECK(int(alive[static_cast<std::size_t>(i)]) == 0);
    }
  }
  // Nothing else was written: unlisted rows and the columns past n_out keep the sentinel.
  std::int64_t stray = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < ld; ++c) {
      if ((c >= n_out || !written[static_cast<std::size_t>(r)]) &&
          out[static_cast<std::size_t>(r * ld + c)] != 7.0f) {
        ++stray;
      }
    }
  }
  CHECK(stray == 0);
}

namespace {

/// Max |activation| of each result row.
std::vector<float> row_max(snicit::DenseMatrix<float> const& a) {
  std::vector<float> m(static_cast<std::size_t>(a.rows), 0.0f);
  for (std::int64_t r = 0; r < a.rows; ++r) {
    for (auto v : a.row(r)) {
      m[static_cast<std::size_t>(r)] = std::max(m[static_cast<std::size_t>(r)], std::fabs(v));
    }
  }
  return m;
}

/// Engine result against the reference. Bit-exact backends: categories and activations
/// identical. Others: activations of common rows within 1e-4 * max(|want|, 1) (24 layers of
/// reordered sums); a category may be missing or extra only when the side that has it ends with
/// every activation below 1e-3 (a row dying or surviving on rounding at the ReLU boundary).
template <bool BitExact>
void compare(snicit::reference::InferenceResult const& want, snicit::RunResult<float> const& got) {
  REQUIRE_FALSE(want.rows.empty());
  if constexpr (BitExact) {
    REQUIRE(got.categories == want.rows);
    REQUIRE(got.activations == want.activations);
    return;
  }
  auto const want_max = row_max(want.activations);
  auto const got_max = row_max(got.activations);
  std::size_t a = 0;
  std::size_t b = 0;
  std::int64_t tiny_differences = 0;
  while (a < want.rows.size() || b < got.categories.size()) {
    bool const in_want = a < want.rows.size();
    bool const in_got = b < got.categories.size();
    if (in_want && in_got && want.rows[a] == got.categories[b]) {
      for (std::int64_t c = 0; c < want.activations.cols; ++c) {
        float const w = want.activations(static_cast<std::int64_t>(a), c);
        float const g = got.activations(static_cast<std::int64_t>(b), c);
        if (!(std::fabs(g - w) <= 1e-4f * std::max(std::fabs(w), 1.0f))) {
          FAIL_CHECK("row " << want.rows[a] << " col " << c << ": got " << g << ", want " << w);
          break;
        }
      }
      ++a;
      ++b;
    } else if (in_want && (!in_got || want.rows[a] < got.categories[b])) {
      INFO("row " << want.rows[a] << " missing on the GPU");
      CHECK(want_max[a] < 1e-3f);
      ++tiny_differences;
      ++a;
    } else {
      INFO("row " << got.categories[b] << " extra on the GPU");
      CHECK(got_max[b] < 1e-3f);
      ++tiny_differences;
      ++b;
    }
  }
  if (tiny_differences > 0) {
    WARN(tiny_differences << " categories differ at the ReLU boundary");
  }
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("every backend runs the Engine like snicit::reference on SDGC 1024x24",
                        "[gpu][backends][engine]",
                        snicit::test::all_backends) {
  using Policy = typename TestType::policy;
  constexpr bool bit_exact = TestType::bit_exact;
  INFO("backend " << type_name<Policy>());
  std::int64_t const L = 24;
  auto const net = snicit::data::generate_sdgc_network({1024, L, 1, 0});
  auto const in = snicit::data::synthetic_sdgc_images(1024, 2000, 7);
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = 2000;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(L);
  SECTION("exact") {
    snicit::Engine<float, Policy, snicit::cluster::None> engine(net, eo, stream);
    auto const got = engine.run(in, stream);
    compare<bit_exact>(snicit::reference::infer_exact(net, in), got);
  }
  SECTION("SNICIT") {
    snicit::Engine<float, Policy> engine(net, eo, stream);
    auto const got = engine.run(in, stream);
    auto const want = snicit::reference::infer_snicit(net, in, eo.snicit);
    compare<bit_exact>(want, got);
    if constexpr (bit_exact) {
      auto const& r = got.stats.rounds.at(0);
      REQUIRE(r.centroids == want.stats.centroids.at(0));
      REQUIRE(r.nonempty_after_conversion == want.stats.nonempty_after_conversion.at(0));
      REQUIRE(r.alive_per_pre_layer == want.stats.alive_per_pre_layer.at(0));
    }
  }
}

TEMPLATE_LIST_TEST_CASE("every backend classifies network A within 0.05 % of the CPU",
                        "[gpu][backends][engine][data]",
                        snicit::test::all_backends) {
  using Policy = typename TestType::policy;
  INFO("backend " << type_name<Policy>());
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
  double const exact = classify(exact_engine.run(first, stream));
  snicit::Engine<float, Policy> snicit_engine(net.hidden, eo, stream);
  double const snicit = classify(snicit_engine.run(first, stream));
  double const cpu_exact =
      snicit::reference::accuracy(snicit::reference::classify_exact(net, x).predicted, labels);
  double const cpu_snicit = snicit::reference::accuracy(
      snicit::reference::classify_snicit(net, x, eo.snicit).predicted, labels);
  INFO("exact " << exact << " (CPU " << cpu_exact << "), SNICIT " << snicit << " (CPU "
                << cpu_snicit << ")");
  CHECK(std::fabs(exact - cpu_exact) <= 0.0005);
  CHECK(std::fabs(snicit - cpu_snicit) <= 0.0005);
}

TEST_CASE(
    "spmm::Auto picks the dense path for dense-ish layers, ColumnFolded for repeated columns, "
    "RegisterTiled else",
    "[gpu][backends][auto]") {
  using Backend = snicit::kernels::SpmmBackend<snicit::spmm::Auto<>>;
  using snicit::kernels::AutoChoice;
  // network-A-like: 128 x 128 with 77 inputs per output (60 % dense)
  auto const dense = oracle::random_network(128, 1, 77, 0.0f, 1.0f, 5, 0.0f, -0.1f, 0.1f);
  CHECK(Backend::choose(dense.layers[0]) == AutoChoice::dense_tensor_core);
  // SDGC: 32 inputs per output, density 32 / N
  snicit::SparseLayer<float> sdgc{snicit::data::radixnet_layer(1024, 1, 1), {-0.3f}};
  CHECK(Backend::choose(sdgc) == AutoChoice::register_tiled);
  // too large to densify even when dense
  using Small = snicit::kernels::SpmmBackend<snicit::spmm::Auto<25, 100>>;
  CHECK(Small::choose(dense.layers[0]) == AutoChoice::register_tiled);
  // the prepared state holds exactly the chosen backend
  snicit::Stream stream;
  auto const s =
      snicit::kernels::prepare_spmm_layer<snicit::spmm::Auto<>, float, snicit::AsyncAllocator>(
          dense.layers[0], 64, snicit::AsyncAllocator{}, stream);
  CHECK(s.choice == AutoChoice::dense_tensor_core);
  CHECK(s.dense.has_value());
  CHECK_FALSE(s.tiled.has_value());
  auto const t =
      snicit::kernels::prepare_spmm_layer<snicit::spmm::Auto<>, float, snicit::AsyncAllocator>(
          sdgc, 64, snicit::AsyncAllocator{}, stream);
  CHECK(t.choice == AutoChoice::register_tiled);
  CHECK(t.folded.has_value());  // SDGC: 64 distinct columns of 1024
  CHECK_FALSE(t.folded_wide.has_value());
  // SDGC 4096: the wide folded variant (inputs through L1)
  snicit::SparseLayer<float> sdgc_wide{snicit::data::radixnet_layer(4096, 2, 1), {-0.35f}};
  auto const fw =
      snicit::kernels::prepare_spmm_layer<snicit::spmm::Auto<>, float, snicit::AsyncAllocator>(
          sdgc_wide, 64, snicit::AsyncAllocator{}, stream);
  CHECK(fw.folded_wide.has_value());
  CHECK_FALSE(fw.folded.has_value());
  CHECK_FALSE(fw.tiled_wide.has_value());
  CHECK_FALSE(t.tiled.has_value());
  CHECK_FALSE(t.tiled_wide.has_value());
  CHECK(t.few_rows.has_value());  // BlockDense for launches over <= 64 rows
  // no repeated columns: RegisterTiled
  auto const plain =
      snicit::kernels::prepare_spmm_layer<snicit::spmm::Auto<>, float, snicit::AsyncAllocator>(
          random_layer(1000, 1000, 32, 0.0625f, 0.0f, 0.0f, 11),
          64,
          snicit::AsyncAllocator{},
          stream);
  CHECK(plain.tiled.has_value());
  CHECK_FALSE(plain.folded.has_value());
  // layers with >= 4096 inputs: RegisterTiled with 512-thread blocks
  auto const wide = random_layer(4096, 2048, 32, 0.0625f, 0.0f, 0.0f, 12);
  auto const u =
      snicit::kernels::prepare_spmm_layer<snicit::spmm::Auto<>, float, snicit::AsyncAllocator>(
          wide, 64, snicit::AsyncAllocator{}, stream);
  CHECK(u.choice == AutoChoice::register_tiled);
  CHECK(u.tiled_wide.has_value());
  CHECK_FALSE(u.tiled.has_value());
  CHECK(u.few_rows.has_value());
}

TEST_CASE("spmm::Auto on 4096-wide layers equals RegisterTiled<> bit for bit (exact and SNICIT)",
          "[gpu][backends][auto]") {
  std::int64_t const layers = 6;
  auto const net = snicit::data::generate_sdgc_network({4096, layers, 1, 0});
  auto const in = snicit::data::synthetic_sdgc_images(4096, 700, 11);
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = 700;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(layers);
  eo.snicit.threshold_layer = 3;
  auto const want = snicit::reference::infer_exact(net, in);
  REQUIRE_FALSE(want.rows.empty());
  snicit::Engine<float, snicit::spmm::Auto<>, snicit::cluster::None> a(net, eo, stream);
  snicit::Engine<float, snicit::spmm::RegisterTiled<>, snicit::cluster::None> b(net, eo, stream);
  auto const ra = a.run(in, stream);
  auto const rb = b.run(in, stream);
  CHECK(ra.categories == want.rows);
  CHECK(ra.categories == rb.categories);
  CHECK(ra.activations.data == rb.activations.data);
  snicit::Engine<float, snicit::spmm::Auto<>> sa(net, eo, stream);
  snicit::Engine<float, snicit::spmm::RegisterTiled<>> sb(net, eo, stream);
  auto const qa = sa.run(in, stream);
  auto const qb = sb.run(in, stream);
  CHECK(qa.categories == qb.categories);
  CHECK(qa.activations.data == qb.activations.data);
}
