// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// Engine::run_async: equals run() in exact and SNICIT mode (one round and several), runs on a
// non-default stream while another stream is busy, and is captured into a CUDA graph and
// replayed on new inputs.
//
// This file is compiled without SNICIT_DEBUG_SYNC (the other GPU tests define it): its
// cudaDeviceSynchronize after every launch would wait for the busy stream below and is illegal
// while a stream is being captured. The macro only affects this translation unit.
#undef SNICIT_DEBUG_SYNC

#include <snicit/data/data.hpp>
#include <snicit/engine.cuh>
#include <snicit/reference/reference.hpp>

#include <cuda_runtime.h>

#include "oracle.hpp"

#include <algorithm>
#include <catch.hpp>
#include <chrono>
#include <cstdint>
#include <vector>

namespace {

using ExactEngine = snicit::Engine<float, snicit::spmm::RowGather<>, snicit::cluster::None>;
using SnicitEngine = snicit::Engine<>;

snicit::SparseNetwork<float> sdgc_like(std::int64_t n, std::int64_t layers, std::uint64_t seed) {
  return oracle::random_network(n, layers, 32, -0.3f, 32.0f, seed, 0.0625f);
}

/// Device copies of a dense input and an output of `out_cols` columns (pitched, ld > cols, to
/// exercise the leading dimensions).
struct DeviceIo {
  snicit::DeviceBuffer<float> in;
  snicit::DeviceBuffer<float> out;
  std::int64_t rows = 0;
  std::int64_t in_cols = 0;
  std::int64_t out_cols = 0;
  std::int64_t in_ld = 0;
  std::int64_t out_ld = 0;

  DeviceIo(std::int64_t r, std::int64_t ic, std::int64_t oc, cuda::stream_ref s)
      : in(static_cast<std::size_t>(r * (ic + 3) + 1), s),
        out(static_cast<std::size_t>(r * (oc + 5) + 1), s),
        rows(r),
        in_cols(ic),
        out_cols(oc),
        in_ld(ic + 3),
        out_ld(oc + 5) {}

  void upload(snicit::DenseMatrix<float> const& m, cuda::stream_ref s) {
    SNICIT_CUDA_TRY(cudaMemcpy2DAsync(in.data(),
                                      static_cast<std::size_t>(in_ld) * sizeof(float),
                                      m.data.data(),
                                      static_cast<std::size_t>(m.cols) * sizeof(float),
                                      static_cast<std::size_t>(m.cols) * sizeof(float),
                                      static_cast<std::size_t>(m.rows),
                                      cudaMemcpyHostToDevice,
                                      s.get()));
  }
  /// Fills the output with NaN-free garbage, so stale rows would be noticed.
  void poison(cuda::stream_ref s) {
    SNICIT_CUDA_TRY(cudaMemsetAsync(out.data(), 0x7f, out.size() * sizeof(float), s.get()));
  }
  [[nodiscard]] snicit::DenseView<float const> in_view() {
    return {in.data(), rows, in_cols, in_ld};
  }
  [[nodiscard]] snicit::DenseView<float> out_view() {
    return {out.data(), rows, out_cols, out_ld};
  }
  [[nodiscard]] snicit::DenseMatrix<float> download(cuda::stream_ref s) {
    snicit::DenseMatrix<float> m(rows, out_cols);
    SNICIT_CUDA_TRY(cudaMemcpy2DAsync(m.data.data(),
                                      static_cast<std::size_t>(out_cols) * sizeof(float),
                                      out.data(),
                                      static_cast<std::size_t>(out_ld) * sizeof(float),
                                      static_cast<std::size_t>(out_cols) * sizeof(float),
                                      static_cast<std::size_t>(rows),
                                      cudaMemcpyDeviceToHost,
                                      s.get()));
    SNICIT_CUDA_TRY(cudaStreamSynchronize(s.get()));
    return m;
  }
};

/// The dense output of run_async must hold run()'s activations in the category rows and zeros
/// everywhere else.
void require_dense_equals(snicit::DenseMatrix<float> const& got,
                          snicit::RunResult<float> const& want) {
  REQUIRE_FALSE(want.categories.empty());
  std::vector<std::int64_t> cats;
  std::int64_t wrong = 0;
  std::size_t k = 0;
  for (std::int64_t r = 0; r < got.rows; ++r) {
    bool nz = false;
    bool const listed = k < want.categories.size() && want.categories[k] == r;
    for (std::int64_t j = 0; j < got.cols; ++j) {
      float const v = got(r, j);
      nz = nz || v != 0.0f;
      float const w = listed ? want.activations(static_cast<std::int64_t>(k), j) : 0.0f;
      wrong += v == w ? 0 : 1;
    }
    if (nz) {
      cats.push_back(r);
    }
    k += listed ? 1 : 0;
  }
  REQUIRE(wrong == 0);
  REQUIRE(cats == want.categories);
}

/// Spins until *flag != 0 (host-mapped memory) or about `max_cycles` clock cycles have passed.
__global__ void spin_until(int const volatile* flag, long long max_cycles, int* timed_out) {
  long long const t0 = clock64();
  while (*flag == 0) {
    if (clock64() - t0 > max_cycles) {
      *timed_out = 1;
      return;
    }
  }
}

template <class Engine>
void check_async_equals_run(snicit::SparseNetwork<float> const& net,
                            snicit::DenseMatrix<float> const& in,
                            snicit::EngineOptions const& eo) {
  snicit::Stream build;
  Engine engine(net, eo, build);
  snicit::Stream s;  // not the construction stream
  auto const want = engine.run(in, s);
  DeviceIo io(in.rows, in.cols, engine.output_size(), s);
  io.upload(in, s);
  io.poison(s);
  engine.run_async(io.in_view(), io.out_view(), s);
  require_dense_equals(io.download(s), want);
}

}  // namespace

TEST_CASE("run_async equals run", "[gpu][engine][async]") {
  std::int64_t const L = 8;
  auto const net = sdgc_like(256, L, 101);
  auto const in = oracle::random_input(1000, 256, 0.35, 1.0f, true, 102);
  auto const refresh = GENERATE(std::int64_t{0}, std::int64_t{3});
  auto const batch = GENERATE(std::int64_t{0}, std::int64_t{300});
  CAPTURE(refresh, batch);
  snicit::EngineOptions eo;
  eo.max_batch = batch == 0 ? in.rows : batch;
  eo.bound_refresh_interval = refresh;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(L);
  eo.snicit.batch_size = batch;
  eo.snicit.threshold_layer = 4;
  SECTION("exact") {
    check_async_equals_run<ExactEngine>(net, in, eo);
  }
  SECTION("snicit") {
    check_async_equals_run<SnicitEngine>(net, in, eo);
  }
  SECTION("MNIST-like tolerances (cap 1), zero rows that stay zero and that do not") {
    // bias -0.02: all-zero rows are dropped; bias +0.02: act(bias) > 0, so no row is dropped
    // and the live list stays the identity (the engine's gather-free path).
    auto const bias = GENERATE(-0.02f, 0.02f);
    CAPTURE(bias);
    auto const mnet = oracle::random_network(128, 10, 40, bias, 1.0f, 103, 0.0f, -0.1f, 0.2f);
    auto const min = oracle::random_input(500, 128, 0.3, 1.0f, false, 104, 0);
    auto o = eo;
    o.max_batch = batch == 0 ? 500 : batch;
    o.snicit = snicit::SnicitOptions::beyond_defaults(10);
    o.snicit.batch_size = batch;
    check_async_equals_run<SnicitEngine>(mnet, min, o);
    check_async_equals_run<ExactEngine>(mnet, min, o);
  }
}

TEST_CASE("run_async rejects bad shapes before any work", "[gpu][engine][async]") {
  auto const net = sdgc_like(64, 4, 111);
  snicit::Stream s;
  snicit::EngineOptions eo;
  eo.max_batch = 10;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(4);
  eo.snicit.samples = 4;
  SnicitEngine engine(net, eo, s);
  DeviceIo io(20, 64, 64, s);
  REQUIRE_THROWS_AS(engine.run_async(io.in_view(), io.out_view(), s),
                    snicit::LogicError);  // a round of 20 > max_batch
  auto bad = io.out_view();
  bad.cols = 63;
  REQUIRE_THROWS_AS(engine.run_async(io.in_view(), bad, s), snicit::LogicError);
  bad = io.out_view();
  bad.rows = 19;
  REQUIRE_THROWS_AS(engine.run_async(io.in_view(), bad, s), snicit::LogicError);
}

TEST_CASE("run_async on a non-default stream while another stream is busy",
          "[gpu][engine][async][stream]") {
  std::int64_t const L = 12;
  auto const net = sdgc_like(512, L, 121);
  auto const in = oracle::random_input(2000, 512, 0.3, 1.0f, true, 122);
  snicit::Stream build;
  snicit::EngineOptions eo;
  eo.max_batch = 2000;
  eo.bound_refresh_interval = 0;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(L);
  SnicitEngine engine(net, eo, build);
  snicit::Stream s;
  auto const want = engine.run(in, s);
  DeviceIo io(in.rows, in.cols, engine.output_size(), s);
  io.upload(in, s);
  io.poison(s);
  s.synchronize();

  // The busy stream: one thread spinning on a host-mapped flag.
  int* h_flag = nullptr;
  SNICIT_CUDA_TRY(cudaHostAlloc(&h_flag, 2 * sizeof(int), cudaHostAllocMapped));
  h_flag[0] = 0;
  h_flag[1] = 0;
  int* d_flag = nullptr;
  SNICIT_CUDA_TRY(cudaHostGetDevicePointer(reinterpret_cast<void**>(&d_flag), h_flag, 0));
  snicit::Stream busy;
  spin_until<<<1, 1, 0, busy.get()>>>(d_flag, 20'000'000'000LL, d_flag + 1);
  SNICIT_CUDA_TRY(cudaGetLastError());

  engine.run_async(io.in_view(), io.out_view(), s);
  s.synchronize();
  // run_async finished while the busy stream still spins: it did not wait for other streams.
  bool const still_busy = cudaStreamQuery(busy.get()) == cudaErrorNotReady;
  (void)cudaGetLastError();  // a query's "not ready" must not reach a later launch check
  reinterpret_cast<int volatile*>(h_flag)[0] = 1;
  busy.synchronize();
  int const timed_out = h_flag[1];
  SNICIT_CUDA_TRY(cudaFreeHost(h_flag));
  CHECK(still_busy);
  CHECK(timed_out == 0);
  require_dense_equals(io.download(s), want);
}

TEST_CASE("run_async is captured into a CUDA graph and replayed on new inputs",
          "[gpu][engine][async][graph]") {
  std::int64_t const L = 10;
  auto const net = sdgc_like(256, L, 131);
  auto const in1 = oracle::random_input(600, 256, 0.35, 1.0f, true, 132);
  auto const in2 = oracle::random_input(600, 256, 0.3, 1.0f, true, 133);
  auto const batch = GENERATE(std::int64_t{0}, std::int64_t{250});
  CAPTURE(batch);
  snicit::EngineOptions eo;
  eo.max_batch = batch == 0 ? 600 : batch;
  eo.bound_refresh_interval = 0;  // no host reads: capturable
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(L);
  eo.snicit.batch_size = batch;

  auto capture_and_replay = [&](auto& engine) {
    snicit::Stream s;
    auto const want1 = engine.run(in1, s);
    auto const want2 = engine.run(in2, s);
    DeviceIo io(600, 256, engine.output_size(), s);
    s.synchronize();

    cudaGraph_t graph = nullptr;
    SNICIT_CUDA_TRY(cudaStreamBeginCapture(s.get(), cudaStreamCaptureModeGlobal));
    engine.run_async(io.in_view(), io.out_view(), s);
    SNICIT_CUDA_TRY(cudaStreamEndCapture(s.get(), &graph));
    cudaGraphExec_t exec = nullptr;
    SNICIT_CUDA_TRY(cudaGraphInstantiate(&exec, graph, 0));

    io.upload(in1, s);
    io.poison(s);
    SNICIT_CUDA_TRY(cudaGraphLaunch(exec, s.get()));
    require_dense_equals(io.download(s), want1);
    io.upload(in2, s);
    io.poison(s);
    SNICIT_CUDA_TRY(cudaGraphLaunch(exec, s.get()));
    require_dense_equals(io.download(s), want2);
    // The engine still runs normally after the graph (and the graph after the engine).
    auto const again = engine.run(in1, s);
    REQUIRE(again.categories == want1.categories);
    SNICIT_CUDA_TRY(cudaGraphLaunch(exec, s.get()));
    require_dense_equals(io.download(s), want2);

    SNICIT_CUDA_TRY(cudaGraphExecDestroy(exec));
    SNICIT_CUDA_TRY(cudaGraphDestroy(graph));
  };
  snicit::Stream build;
  SECTION("snicit") {
    SnicitEngine engine(net, eo, build);
    capture_and_replay(engine);
  }
  SECTION("exact") {
    ExactEngine engine(net, eo, build);
    capture_and_replay(engine);
  }
}

TEST_CASE("run_async refuses to be captured when it would read counts on the host",
          "[gpu][engine][async][graph]") {
  auto const net = sdgc_like(128, 6, 141);
  snicit::Stream s;
  snicit::EngineOptions eo;
  eo.max_batch = 100;
  eo.bound_refresh_interval = 2;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(6);
  SnicitEngine engine(net, eo, s);
  DeviceIo io(100, 128, 128, s);
  s.synchronize();
  cudaGraph_t graph = nullptr;
  SNICIT_CUDA_TRY(cudaStreamBeginCapture(s.get(), cudaStreamCaptureModeGlobal));
  bool threw = false;
  try {
    engine.run_async(io.in_view(), io.out_view(), s);
  } catch (snicit::LogicError const&) {
    threw = true;
  }
  // Nothing was queued: the capture is still valid and ends with an empty graph.
  SNICIT_CUDA_TRY(cudaStreamEndCapture(s.get(), &graph));
  std::size_t nodes = 1;
  SNICIT_CUDA_TRY(cudaGraphGetNodes(graph, nullptr, &nodes));
  SNICIT_CUDA_TRY(cudaGraphDestroy(graph));
  REQUIRE(threw);
  REQUIRE(nodes == 0);
}

TEST_CASE("a sparse device input: run and run_async equal the host CSR run",
          "[gpu][engine][async]") {
  std::int64_t const L = 8;
  auto const net = sdgc_like(256, L, 151);
  auto const dense = oracle::random_input(700, 256, 0.35, 1.0f, true, 152);
  auto const csr = oracle::to_csr(dense);
  snicit::Stream s;
  snicit::EngineOptions eo;
  eo.max_batch = 300;
  eo.bound_refresh_interval = 0;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(L);
  eo.snicit.batch_size = 300;  // three rounds: the device offsets of later rounds do not start at 0
  SnicitEngine engine(net, eo, s);
  auto const want = engine.run(csr, s);

  std::vector<std::int64_t> off(csr.row_offsets.begin(), csr.row_offsets.end());
  std::vector<std::int32_t> idx(csr.col_indices.begin(), csr.col_indices.end());
  snicit::DeviceBuffer<std::int64_t> d_off(off.size(), s);
  snicit::DeviceBuffer<std::int32_t> d_idx(idx.size(), s);
  snicit::DeviceBuffer<float> d_val(csr.values.size(), s);
  SNICIT_CUDA_TRY(cudaMemcpyAsync(
      d_off.data(), off.data(), off.size() * sizeof(off[0]), cudaMemcpyHostToDevice, s.get()));
  SNICIT_CUDA_TRY(cudaMemcpyAsync(
      d_idx.data(), idx.data(), idx.size() * sizeof(idx[0]), cudaMemcpyHostToDevice, s.get()));
  SNICIT_CUDA_TRY(cudaMemcpyAsync(d_val.data(),
                                  csr.values.data(),
                                  csr.values.size() * sizeof(float),
                                  cudaMemcpyHostToDevice,
                                  s.get()));
  SnicitEngine::DeviceCsrInput in;
  in.row_offsets = d_off.data();
  in.col_indices = d_idx.data();
  in.values = d_val.data();
  in.rows = csr.rows;
  in.cols = csr.cols;
  in.nnz = csr.nnz();
  auto const got = engine.run(in, s);
  REQUIRE(got.categories == want.categories);
  REQUIRE(got.activations == want.activations);

  DeviceIo io(csr.rows, csr.cols, engine.output_size(), s);
  io.poison(s);
  engine.run_async(in, io.out_view(), s);
  require_dense_equals(io.download(s), want);
}

TEST_CASE("timing: run versus run_async and a graph replay on SDGC 1024-120, 60000 images",
          "[.][perf]") {
  std::int64_t const L = 120;
  auto const net = snicit::data::generate_sdgc_network({1024, L, 1, 0});
  auto const csr = snicit::data::synthetic_sdgc_images(1024, 60000, 5);
  snicit::DenseMatrix<float> in(csr.rows, csr.cols, 0.0f);
  for (std::int64_t r = 0; r < csr.rows; ++r) {
    for (auto k = csr.row_offsets[r]; k < csr.row_offsets[r + 1]; ++k) {
      in(r, csr.col_indices[static_cast<std::size_t>(k)]) = csr.values[static_cast<std::size_t>(k)];
    }
  }
  snicit::Stream s;
  snicit::EngineOptions eo;
  eo.max_batch = 60000;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(L);
  SnicitEngine synced(net, eo, s);
  eo.bound_refresh_interval = 0;
  SnicitEngine async(net, eo, s);
  DeviceIo io(in.rows, in.cols, 1024, s);
  io.upload(in, s);
  cudaEvent_t e0 = nullptr;
  cudaEvent_t e1 = nullptr;
  SNICIT_CUDA_TRY(cudaEventCreate(&e0));
  SNICIT_CUDA_TRY(cudaEventCreate(&e1));
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::vector<double> run_ms, run_wall_ms, async_ms, graph_ms;
  snicit::RunResult<float> want;
  for (int i = 0; i < 7; ++i) {
    auto const t0 = std::chrono::steady_clock::now();
    want = synced.run(io.in_view(), s);
    run_wall_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    run_ms.push_back(want.stats.ms.total_ms());
    SNICIT_CUDA_TRY(cudaEventRecord(e0, s.get()));
    async.run_async(io.in_view(), io.out_view(), s);
    SNICIT_CUDA_TRY(cudaEventRecord(e1, s.get()));
    SNICIT_CUDA_TRY(cudaEventSynchronize(e1));
    float ms = 0.0f;
    SNICIT_CUDA_TRY(cudaEventElapsedTime(&ms, e0, e1));
    async_ms.push_back(ms);
  }
  require_dense_equals(io.download(s), want);
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  SNICIT_CUDA_TRY(cudaStreamBeginCapture(s.get(), cudaStreamCaptureModeGlobal));
  async.run_async(io.in_view(), io.out_view(), s);
  SNICIT_CUDA_TRY(cudaStreamEndCapture(s.get(), &graph));
  SNICIT_CUDA_TRY(cudaGraphInstantiate(&exec, graph, 0));
  for (int i = 0; i < 7; ++i) {
    SNICIT_CUDA_TRY(cudaEventRecord(e0, s.get()));
    SNICIT_CUDA_TRY(cudaGraphLaunch(exec, s.get()));
    SNICIT_CUDA_TRY(cudaEventRecord(e1, s.get()));
    SNICIT_CUDA_TRY(cudaEventSynchronize(e1));
    float ms = 0.0f;
    SNICIT_CUDA_TRY(cudaEventElapsedTime(&ms, e0, e1));
    graph_ms.push_back(ms);
  }
  require_dense_equals(io.download(s), want);
  WARN("SDGC 1024-120, 60000 images, "
       << want.categories.size() << " categories; median ms: run " << median(run_ms)
       << " (events, 4 phases), " << median(run_wall_ms) << " (host wall, with read-back); "
       << "run_async " << median(async_ms) << " (input copy included); graph replay "
       << median(graph_ms));
  SNICIT_CUDA_TRY(cudaGraphExecDestroy(exec));
  SNICIT_CUDA_TRY(cudaGraphDestroy(graph));
  SNICIT_CUDA_TRY(cudaEventDestroy(e0));
  SNICIT_CUDA_TRY(cudaEventDestroy(e1));
}

TEST_CASE("run's cached post-phase CUDA graph gives the results of direct launches",
          "[gpu][engine][graph]") {
  // This file builds without SNICIT_DEBUG_SYNC, so run() captures the post layers.
  std::int64_t const L = 24;
  auto const net = snicit::data::generate_sdgc_network({1024, L, 1, 0});
  auto const in = snicit::data::synthetic_sdgc_images(1024, 3000, 7);
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = 1000;  // three rounds: the graph is re-captured when a round's shape changes
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(L);
  eo.snicit.batch_size = 1000;
  eo.snicit.threshold_layer = 12;
  eo.post_graph = false;
  SnicitEngine direct(net, eo, stream);
  auto const d = direct.run(in, stream);
  eo.post_graph = true;
  snicit::Engine<float, snicit::spmm::Auto<>> graphed(net, eo, stream);
  auto const g1 = graphed.run(in, stream);  // captures
  auto const g2 = graphed.run(in, stream);  // replays (and re-captures per round shape)
  auto o = eo.snicit;
  auto const ref = snicit::reference::infer_snicit(net, in, o);
  REQUIRE(d.categories == ref.rows);
  REQUIRE(g1.categories == ref.rows);
  REQUIRE(g2.categories == ref.rows);
  REQUIRE(g1.activations == d.activations);
  REQUIRE(g2.activations == d.activations);
  for (std::size_t r = 0; r < d.stats.rounds.size(); ++r) {
    REQUIRE(g2.stats.rounds[r].nonempty_per_post_layer ==
            d.stats.rounds[r].nonempty_per_post_layer);
  }
}
