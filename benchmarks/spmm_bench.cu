// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
//
// snicit-spmm-bench: median time of ONE sparse layer for every spMM backend of the test list
// (tests/gpu/backend_list.hpp), on
//   - SDGC layers (data::radixnet_layer(N, 1, seed)), N = 1024, 4096, 16384, at 60000 rows and
//     at 2000 active rows (gathered from 60000 with a stride), fused pre path and plain post path;
//   - network A's 18 hidden layers (the real beyond/n128-l18 when present, else random 128x128
//     ~60 % dense layers) at 10000 rows, pre path, chained; reported per layer; plus the same
//     18 layers as ONE fused launch (kernels::FusedDenseStack, fp16_split and fp16), reported
//     per layer as well (the engine's pre phase with spmm::Auto, without compaction).
// Inputs: each row 10-30 % non-zero, values in (0, 32] (post path: [-32, 32]; network A: (0, 1]
// at 50 %), generated on the device. Two input buffers alternate between repetitions so that the
// L2 cache does not keep the whole input. Time: CUDA events around each repetition, median.
// GB/s counts activation traffic only: rows x (N_in + N_out) x 4 bytes per layer.
//
//   snicit-spmm-bench                         # everything, 20 repetitions
//   snicit-spmm-bench --reps 50 --backend Scatter --json spmm.json
//
// Without a CUDA device it prints "skipped: no CUDA device" and exits 0.

#include <snicit/data/data.hpp>
#include <snicit/detail/engine_support.cuh>
#include <snicit/engine.cuh>
#include <snicit/io/beyond.hpp>
#include <snicit/kernels/fused_dense.cuh>
#include <snicit/kernels/spmm.cuh>
#include <snicit/kernels/spmm_scatter.cuh>
#include <snicit/kernels/spmm_tiled.cuh>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/stream.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "../tests/gpu/backend_list.hpp"
#include "program.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <typeinfo>
#include <utility>
#include <vector>

namespace {

using snicit::row_index;

template <class T>
std::string backend_name() {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> p(
      abi::__cxa_demangle(typeid(T).name(), nullptr, nullptr, &status), std::free);
  std::string s = status == 0 && p ? std::string(p.get()) : std::string(typeid(T).name());
  for (std::string const prefix : {"snicit::spmm::", "snicit::v1::spmm::", "snicit::"}) {
    if (s.rfind(prefix, 0) == 0) {
      s.erase(0, prefix.size());
    }
  }
  return s;
}

__device__ inline std::uint32_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return static_cast<std::uint32_t>(x);
}

/// Row r: density in [lo, hi] (per row), values in (0, vmax] or [-vmax, vmax].
__global__ void fill_inputs(float* y,
                            std::int64_t rows,
                            std::int64_t n,
                            float lo,
                            float hi,
                            float vmax,
                            bool signed_values,
                            std::uint64_t seed) {
  std::int64_t const total = rows * n;
  for (std::int64_t e = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    std::int64_t const r = e / n;
    float const density = lo + (hi - lo) *
                                   (mix(seed * 7919u + static_cast<std::uint64_t>(r)) >> 8) *
                                   (1.0f / 16777216.0f);
    std::uint32_t const h = mix(seed ^ (static_cast<std::uint64_t>(e) * 0x9e3779b97f4a7c15ull));
    float const u = (h >> 8) * (1.0f / 16777216.0f);
    float v = 0.0f;
    if (u < density) {
      float const t = (mix(static_cast<std::uint64_t>(h) + seed) >> 8) * (1.0f / 16777216.0f);
      v = signed_values ? (2.0f * t - 1.0f) * vmax : (t > 0.0f ? t * vmax : vmax);
    }
    y[e] = v;
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto const n = v.size();
  return n == 0 ? 0.0 : (n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

/// `warmup` untimed calls of one_rep(r), then the median over `reps` CUDA-event-timed calls,
/// in microseconds per layer (one call runs `layers` layers).
template <class OneRep>
double median_us_per_layer(
    OneRep&& one_rep, int warmup, int reps, std::size_t layers, cuda::stream_ref stream) {
  for (int r = 0; r < warmup; ++r) {
    one_rep(r);
  }
  cudaEvent_t start = nullptr;
  cudaEvent_t stop = nullptr;
  SNICIT_CUDA_TRY(cudaEventCreate(&start));
  SNICIT_CUDA_TRY(cudaEventCreate(&stop));
  std::vector<double> us;
  for (int r = 0; r < reps; ++r) {
    SNICIT_CUDA_TRY(cudaEventRecord(start, stream.get()));
    one_rep(r);
    SNICIT_CUDA_TRY(cudaEventRecord(stop, stream.get()));
    SNICIT_CUDA_TRY(cudaEventSynchronize(stop));
    float ms = 0.0f;
    SNICIT_CUDA_TRY(cudaEventElapsedTime(&ms, start, stop));
    us.push_back(1000.0 * ms / static_cast<double>(layers));
  }
  (void)cudaEventDestroy(start);
  (void)cudaEventDestroy(stop);
  return median(us);
}

/// One benchmark case: a chain of layers (1 for SDGC, 18 for network A) over `rows` rows.
struct Case {
  std::string name;
  std::vector<snicit::SparseLayer<float>> layers;
  float cap = 32.0f;
  std::int64_t rows = 0;        ///< active rows
  std::int64_t total_rows = 0;  ///< rows of the buffers (gather stride = total / rows)
  bool fused = true;
  float density_lo = 0.1f;
  float density_hi = 0.3f;
};

struct Sample {
  std::string backend;
  std::string name;
  double median_us = 0.0;  ///< per layer
  double gbps = 0.0;
  std::string error;
};

/// Random 128 x 128 layers, each entry present with probability 0.6, values in [-0.3, 0.3].
std::vector<snicit::SparseLayer<float>> random_net_a(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution on(0.6);
  std::uniform_real_distribution<float> val(-0.3f, 0.3f);
  std::vector<snicit::SparseLayer<float>> layers(18);
  for (auto& l : layers) {
    auto& w = l.weights;
    w.rows = 128;
    w.cols = 128;
    w.row_offsets.push_back(0);
    for (int i = 0; i < 128; ++i) {
      for (int j = 0; j < 128; ++j) {
        if (on(rng)) {
          w.col_indices.push_back(j);
          w.values.push_back(val(rng));
        }
      }
      w.row_offsets.push_back(static_cast<std::int64_t>(w.col_indices.size()));
    }
    l.bias = {-0.05f};
  }
  return layers;
}

template <class Policy>
Sample run_case(Case const& c, int warmup, int reps, cuda::stream_ref stream) {
  Sample s{backend_name<Policy>(), c.name, 0.0, 0.0, {}};
  using Alloc = snicit::AsyncAllocator;
  Alloc alloc;
  std::int64_t width = 0;
  for (auto const& l : c.layers) {
    width = std::max({width, l.weights.rows, l.weights.cols});
  }
  // Layers in the policy's layout plus the backend's state (may refuse: reported, not fatal).
  std::vector<std::int32_t> h_off;
  std::vector<std::int32_t> h_idx;
  std::vector<float> h_val;
  std::vector<float> h_bias;
  std::vector<snicit::detail::DeviceLayer<float, Alloc>> dev;
  std::vector<snicit::kernels::spmm_layer_state_t<Policy, float, Alloc>> states;
  for (auto const& l : c.layers) {
    dev.push_back(snicit::detail::make_device_layer<float, Alloc>(
        l, Policy::weight_layout, h_off, h_idx, h_val, h_bias, alloc, stream));
    SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));  // staging vectors are reused
    states.push_back(
        snicit::kernels::prepare_spmm_layer<Policy, float, Alloc>(l, c.total_rows, alloc, stream));
  }
  auto const elems = static_cast<std::size_t>(c.total_rows * width);
  snicit::DeviceBuffer<float> in[2] = {snicit::DeviceBuffer<float>(elems, stream),
                                       snicit::DeviceBuffer<float>(elems, stream)};
  snicit::DeviceBuffer<float> out(elems, stream);
  snicit::DeviceBuffer<float> mid(c.layers.size() > 1 ? elems : 1, stream);
  for (int b = 0; b < 2; ++b) {
    fill_inputs<<<1024, 256, 0, stream.get()>>>(in[b].data(),
                                                c.total_rows,
                                                width,
                                                c.density_lo,
                                                c.density_hi,
                                                c.cap,
                                                !c.fused,
                                                static_cast<std::uint64_t>(b + 1));
    SNICIT_CHECK_LAUNCH();
  }
  // Gather list: `rows` rows spread over the buffer (identity when all rows are active).
  snicit::DeviceBuffer<row_index> list(static_cast<std::size_t>(c.rows), stream);
  snicit::DeviceBuffer<row_index> count(1, stream);
  std::vector<row_index> h_list(static_cast<std::size_t>(c.rows));
  std::int64_t const stride = c.total_rows / c.rows;
  for (std::int64_t i = 0; i < c.rows; ++i) {
    h_list[static_cast<std::size_t>(i)] = static_cast<row_index>(i * stride);
  }
  row_index const h_count = static_cast<row_index>(c.rows);
  SNICIT_CUDA_TRY(cudaMemcpyAsync(list.data(),
                                  h_list.data(),
                                  h_list.size() * sizeof(row_index),
                                  cudaMemcpyHostToDevice,
                                  stream.get()));
  SNICIT_CUDA_TRY(cudaMemcpyAsync(
      count.data(), &h_count, sizeof(row_index), cudaMemcpyHostToDevice, stream.get()));
  snicit::DeviceBuffer<std::uint8_t> alive(static_cast<std::size_t>(c.rows), stream);
  SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
  bool const gathered = c.rows != c.total_rows;

  snicit::ReluClip const act{c.cap};
  auto one_rep = [&](int rep) {
    float const* src = in[rep % 2].data();
    for (std::size_t l = 0; l < c.layers.size(); ++l) {
      auto const& w = c.layers[l].weights;
      // Chained layers alternate between `mid` and `out`, never writing their own source.
      float* const dst = (l % 2 == 0 && c.layers.size() > 1) ? mid.data() : out.data();
      snicit::SpmmArgs<float> args;
      args.weights = dev[l].view;
      args.in = {src, c.total_rows, w.rows, width};
      args.in_rows = (l == 0 && gathered) ? list.data() : nullptr;
      args.out = {dst, c.total_rows, w.cols, width};
      if (c.fused) {
        args.bias = dev[l].bias.data();
        args.alive = alive.data();  // packed output, as the engine's pre phase
      } else {
        args.out_rows = gathered ? list.data() : nullptr;  // in place of the listed rows
      }
      args.d_num_rows = count.data();
      args.num_rows_bound = c.rows;
      snicit::kernels::spmm<Policy>(args, states[l], act, stream);
      src = dst;
    }
  };
  s.median_us = median_us_per_layer(one_rep, warmup, reps, c.layers.size(), stream);
  double bytes = 0.0;
  for (auto const& l : c.layers) {
    bytes += static_cast<double>(c.rows) * static_cast<double>(l.weights.rows + l.weights.cols) *
             sizeof(float);
  }
  bytes /= static_cast<double>(c.layers.size());
  s.gbps = s.median_us > 0.0 ? bytes / (s.median_us * 1e3) : 0.0;
  return s;
}

/// The case's layers as one fused launch (kernels::FusedDenseStack<P>); per-layer time.
template <snicit::spmm::Precision P>
Sample run_fused(Case const& c, int warmup, int reps, cuda::stream_ref stream) {
  std::string const name = std::string("FusedDenseStack<") +
                           (P == snicit::spmm::Precision::fp16_split ? "fp16_split" : "fp16") + ">";
  Sample s{name, c.name, 0.0, 0.0, {}};
  using Alloc = snicit::AsyncAllocator;
  snicit::kernels::FusedDenseStack<P, snicit::ReluClip, Alloc> stack(
      c.layers, 0, static_cast<std::int64_t>(c.layers.size()), Alloc{}, stream);
  std::int64_t const n_in = c.layers.front().weights.rows;
  std::int64_t const n_out = c.layers.back().weights.cols;
  auto const rows = static_cast<std::size_t>(c.total_rows);
  snicit::DeviceBuffer<float> in[2] = {snicit::DeviceBuffer<float>(rows * n_in, stream),
                                       snicit::DeviceBuffer<float>(rows * n_in, stream)};
  snicit::DeviceBuffer<float> out(rows * n_out, stream);
  snicit::DeviceBuffer<std::uint8_t> alive(rows, stream);
  snicit::DeviceBuffer<row_index> count(1, stream);
  snicit::DeviceBuffer<row_index> counts(c.layers.size(), stream);
  row_index const h_count = static_cast<row_index>(c.rows);
  SNICIT_CUDA_TRY(cudaMemcpyAsync(
      count.data(), &h_count, sizeof(row_index), cudaMemcpyHostToDevice, stream.get()));
  for (int b = 0; b < 2; ++b) {
    fill_inputs<<<1024, 256, 0, stream.get()>>>(in[b].data(),
                                                c.total_rows,
                                                n_in,
                                                c.density_lo,
                                                c.density_hi,
                                                c.cap,
                                                false,
                                                static_cast<std::uint64_t>(b + 1));
    SNICIT_CHECK_LAUNCH();
  }
  snicit::ReluClip const act{c.cap};
  auto one_rep = [&](int rep) {
    snicit::SpmmArgs<float> args;
    args.in = {in[rep % 2].data(), c.total_rows, n_in, n_in};
    args.out = {out.data(), c.total_rows, n_out, n_out};
    args.d_num_rows = count.data();
    args.num_rows_bound = c.rows;
    args.alive = alive.data();
    SNICIT_CUDA_TRY(
        cudaMemsetAsync(counts.data(), 0, c.layers.size() * sizeof(row_index), stream.get()));
    stack.launch(args, 0, static_cast<std::int64_t>(c.layers.size()), act, counts.data(), stream);
  };
  s.median_us = median_us_per_layer(one_rep, warmup, reps, c.layers.size(), stream);
  double const bytes = static_cast<double>(c.rows) * static_cast<double>(n_in + n_out) *
                       sizeof(float) / static_cast<double>(c.layers.size());
  s.gbps = s.median_us > 0.0 ? bytes / (s.median_us * 1e3) : 0.0;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  return snicit::programs::guarded_main("snicit-spmm-bench", [&]() -> int {
    CLI::App app{"median time of one sparse layer per spMM backend", "snicit-spmm-bench"};
    int reps = 20;
    int warmup = 3;
    std::string json;
    std::string filter;
    std::vector<std::int64_t> sizes{1024, 4096, 16384};
    bool tuning = false;
    app.add_option("--reps", reps, "timed repetitions per case")->check(CLI::Range(1, 100000));
    app.add_option("--warmup", warmup, "untimed repetitions first")->check(CLI::Range(0, 1000));
    app.add_option("--sizes", sizes, "SDGC layer sizes (16 * 2^K)");
    app.add_option("--backend", filter, "only backends whose name contains this");
    app.add_option("--json", json, "also write the results as JSON ('-' = stdout)");
    app.add_flag("--tuning",
                 tuning,
                 "also time RegisterTiled and ColumnFolded with other BlockThreads / RowsPerThread "
                 "(tuning runs)");
    if (auto code = snicit::programs::parse_command_line(app, argc, argv)) {
      return *code;
    }
    std::string why;
    if (!snicit::programs::cuda_device_available(why)) {
      std::printf("skipped: no CUDA device\n");
      return 0;
    }

    std::vector<Case> cases;
    for (auto n : sizes) {
      snicit::SparseLayer<float> layer{snicit::data::radixnet_layer(n, 1, 1),
                                       {snicit::sdgc_bias(n)}};
      for (std::int64_t rows : {std::int64_t{60000}, std::int64_t{2000}}) {
        for (bool fused : {true, false}) {
          Case c;
          c.name =
              "SDGC " + std::to_string(n) + " " + std::to_string(rows) + (fused ? " pre" : " post");
          c.layers = {layer};
          c.rows = rows;
          c.total_rows = 60000;
          c.fused = fused;
          cases.push_back(std::move(c));
        }
      }
    }
    {
      Case c;
      auto const dir = snicit::programs::data_dir() / "beyond" / "n128-l18";
      if (std::filesystem::exists(dir)) {
        auto net = snicit::io::read_beyond_network(dir);
        c.layers = std::move(net.hidden.layers);
        c.cap = net.hidden.activation_cap;
        c.name = "network A 10000 pre";
      } else {
        c.layers = random_net_a(5);
        c.cap = 1.0f;
        c.name = "random A-like 10000 pre";
      }
      c.rows = 10000;
      c.total_rows = 10000;
      c.density_lo = 0.5f;
      c.density_hi = 0.5f;
      cases.push_back(std::move(c));
    }

    snicit::Stream stream;
    std::vector<Sample> samples;
    auto run_backend = [&]<class B>(B*) {
      using Policy = typename B::policy;
      if (!filter.empty() && backend_name<Policy>().find(filter) == std::string::npos) {
        return;
      }
      for (auto const& c : cases) {
        Sample s;
        try {
          s = run_case<Policy>(c, warmup, reps, stream);
        } catch (snicit::LogicError const& e) {  // a backend may refuse a layer (size limits)
          s = Sample{backend_name<Policy>(), c.name, 0.0, 0.0, e.what()};
        }
        if (s.error.empty()) {
          std::printf("%-36s %-28s %10.2f us %8.1f GB/s\n",
                      s.backend.c_str(),
                      s.name.c_str(),
                      s.median_us,
                      s.gbps);
        } else {
          std::printf(
              "%-36s %-28s refused: %s\n", s.backend.c_str(), s.name.c_str(), s.error.c_str());
        }
        samples.push_back(std::move(s));
      }
    };
    std::printf(
        "%-36s %-28s %13s %13s\n", "backend", "case (N rows path)", "median/layer", "act. traffic");
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (run_backend(static_cast<std::tuple_element_t<I, snicit::test::all_backends>*>(nullptr)),
       ...);
    }
    (std::make_index_sequence<std::tuple_size_v<snicit::test::all_backends>>{});
    if (tuning) {
      using variants =
          std::tuple<snicit::test::Backend<snicit::spmm::RegisterTiled<256, 8, 128>, true>,
                     snicit::test::Backend<snicit::spmm::RegisterTiled<256, 16, 200>, true>,
                     snicit::test::Backend<snicit::spmm::RegisterTiled<128, 8, 128>, true>,
                     snicit::test::Backend<snicit::spmm::RegisterTiled<512, 4, 96>, true>,
                     snicit::test::Backend<snicit::spmm::RegisterTiled<128, 4, 96>, true>,
                     snicit::test::Backend<snicit::spmm::ColumnFolded<256, 4, 32>, true>,
                     snicit::test::Backend<snicit::spmm::ColumnFolded<256, 2, 32>, true>,
                     snicit::test::Backend<snicit::spmm::ColumnFolded<256, 4, 0>, true>,
                     snicit::test::Backend<snicit::spmm::ColumnFolded<256, 2, 0>, true>,
                     snicit::test::Backend<snicit::spmm::ColumnFolded<512, 2, 64>, true>,
                     snicit::test::Backend<snicit::spmm::ColumnFolded<128, 4, 160>, true>>;
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        (run_backend(static_cast<std::tuple_element_t<I, variants>*>(nullptr)), ...);
      }
      (std::make_index_sequence<std::tuple_size_v<variants>>{});
    }
    // Chains of narrow layers also as one fused launch.
    for (auto const& c : cases) {
      bool const fits =
          c.layers.size() > 1 && std::all_of(c.layers.begin(), c.layers.end(), [](auto const& l) {
            return snicit::kernels::fused_dense_fits(l);
          });
      if (!fits ||
          (!filter.empty() && std::string("FusedDenseStack").find(filter) == std::string::npos)) {
        continue;
      }
      for (auto s : {run_fused<snicit::spmm::Precision::fp16_split>(c, warmup, reps, stream),
                     run_fused<snicit::spmm::Precision::fp16>(c, warmup, reps, stream)}) {
        std::printf("%-36s %-28s %10.2f us %8.1f GB/s\n",
                    s.backend.c_str(),
                    s.name.c_str(),
                    s.median_us,
                    s.gbps);
        samples.push_back(std::move(s));
      }
    }

    if (!json.empty()) {
      auto doc = snicit::programs::program_meta("snicit-spmm-bench", argc, argv);
      doc["reps"] = reps;
      doc["warmup"] = warmup;
      nlohmann::json rows = nlohmann::json::array();
      for (auto const& s : samples) {
        nlohmann::json r{{"backend", s.backend}, {"case", s.name}};
        if (s.error.empty()) {
          r["median_us_per_layer"] = s.median_us;
          r["activation_gbps"] = s.gbps;
        } else {
          r["refused"] = s.error;
        }
        rows.push_back(std::move(r));
      }
      doc["results"] = std::move(rows);
      snicit::programs::write_json(json, doc);
    }
    return 0;
  });
}
