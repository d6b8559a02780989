// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// snicit-bench's GPU runs: device-generated SDGC networks (data::generate_sdgc_network_device +
// the Engine's device-network constructor) or host networks, warm-up, timed repetitions with the
// engine's CUDA-event phase times, an optional observed run for per-layer times, and the device
// memory pool's high-water mark.

#include <snicit/data/radixnet_device.cuh>
#include <snicit/engine.cuh>

#include "bench_gpu.hpp"
#include "program.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace snicit::bench {
namespace detail {

inline double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

/// The default pool of the current device (cudaMallocAsync's, which AsyncAllocator uses).
inline cudaMemPool_t default_pool() {
  int dev = 0;
  SNICIT_CUDA_TRY(cudaGetDevice(&dev));
  cudaMemPool_t pool = nullptr;
  SNICIT_CUDA_TRY(cudaDeviceGetDefaultMemPool(&pool, dev));
  return pool;
}

/// Releases the pool's cached memory and resets its high-water mark.
inline void reset_pool_peak() {
  SNICIT_CUDA_TRY(cudaDeviceSynchronize());
  cudaMemPool_t pool = default_pool();
  SNICIT_CUDA_TRY(cudaMemPoolTrimTo(pool, 0));
  std::uint64_t zero = 0;
  SNICIT_CUDA_TRY(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrUsedMemHigh, &zero));
}

inline std::size_t pool_peak() {
  std::uint64_t v = 0;
  SNICIT_CUDA_TRY(cudaMemPoolGetAttribute(default_pool(), cudaMemPoolAttrUsedMemHigh, &v));
  return static_cast<std::size_t>(v);
}

inline std::size_t free_bytes() {
  std::size_t f = 0;
  std::size_t t = 0;
  SNICIT_CUDA_TRY(cudaMemGetInfo(&f, &t));
  return f;
}

/// Warm-up, timed repetitions, an optional observed run; `run()` returns a RunResult.
template <class Engine, class Run>
void time_engine(Engine& engine, RunRequest const& rq, TimedRun& out, Run&& run) {
  for (int i = 0; i < rq.warmup; ++i) {
    (void)run();
  }
  std::vector<RunResult<float>> results;
  int const reps = std::max(1, rq.reps);
  for (int i = 0; i < reps; ++i) {
    results.push_back(run());
    out.rep_ms.push_back(results.back().stats.ms.total_ms());
    out.min_free = std::min(out.min_free, free_bytes());
  }
  std::vector<std::size_t> order(results.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
    SNICIT_EXPECTS(results[i].categories == results[0].categories,
                   "GPU repetitions disagree on the categories");
  }
  std::sort(
      order.begin(), order.end(), [&](auto a, auto b) { return out.rep_ms[a] < out.rep_ms[b]; });
  auto& med = results[order[order.size() / 2]];
  out.phases = {{"pre_ms", med.stats.ms.pre_ms},
                {"conversion_ms", med.stats.ms.conversion_ms},
                {"post_ms", med.stats.ms.post_ms},
                {"recovery_ms", med.stats.ms.recovery_ms}};
  out.rounds = programs::rounds_json(med.stats);
  out.categories = std::move(med.categories);
  out.activations = std::move(med.activations);
  if (rq.layer_times || rq.progress) {
    // One more run with per-layer events (the post-phase graph is off while observed).
    nlohmann::json layers = nlohmann::json::array();
    engine.set_observer([&](LayerReport const& r) {
      if (rq.progress) {
        std::fprintf(stderr,
                     "snicit-bench: [%s] round %lld layer %lld: %lld active, %lld centroids, "
                     "%lld non-empty, %.4f ms\n",
                     std::string(phase_name(r.phase)).c_str(),
                     static_cast<long long>(r.round),
                     static_cast<long long>(r.layer),
                     static_cast<long long>(r.active_rows),
                     static_cast<long long>(r.centroids),
                     static_cast<long long>(r.nonempty_rows),
                     r.ms);
      }
      if (rq.layer_times) {
        layers.push_back({{"round", r.round},
                          {"layer", r.layer},
                          {"phase", std::string(phase_name(r.phase))},
                          {"active_rows", r.active_rows},
                          {"centroids", r.centroids},
                          {"nonempty_rows", r.nonempty_rows},
                          {"ms", r.ms}});
      }
    });
    (void)run();
    engine.set_observer({});
    out.layers = std::move(layers);
  }
}

inline EngineOptions engine_options(RunRequest const& rq, std::int64_t rows) {
  EngineOptions eo;
  eo.snicit = rq.snicit;
  std::int64_t const round = rq.snicit.batch_size > 0 ? rq.snicit.batch_size : rows;
  eo.max_batch = std::max<std::int64_t>(1, std::min(round, rows));
  eo.return_activations = rq.activations;
  return eo;
}

/// Uploads `images`, builds the engine with `make_engine(stream, options, out)` (which records
/// generation / construction times) and times it on the device CSR input.
template <class Spmm, class Cluster, class MakeEngine>
TimedRun sdgc_run_with(CsrMatrix<float> const& images, RunRequest const& rq, MakeEngine&& make) {
  TimedRun out;
  reset_pool_peak();
  out.free_before = free_bytes();
  out.min_free = out.free_before;
  Stream stream;
  // The images on the device once (the timed phases exclude input loading anyway).
  DeviceBuffer<std::int64_t> offsets(images.row_offsets.size(), stream.ref());
  DeviceBuffer<std::int32_t> cols(std::max<std::size_t>(images.col_indices.size(), 1),
                                  stream.ref());
  DeviceBuffer<float> vals(std::max<std::size_t>(images.values.size(), 1), stream.ref());
  snicit::detail::upload(
      offsets.data(), images.row_offsets.data(), images.row_offsets.size(), stream.ref());
  snicit::detail::upload(cols.data(),
                         reinterpret_cast<std::int32_t const*>(images.col_indices.data()),
                         images.col_indices.size(),
                         stream.ref());
  snicit::detail::upload(vals.data(), images.values.data(), images.values.size(), stream.ref());
  SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.ref().get()));

  Engine<float, Spmm, Cluster> engine = make(stream.ref(), engine_options(rq, images.rows), out);
  out.min_free = std::min(out.min_free, free_bytes());

  typename Engine<float, Spmm, Cluster>::DeviceCsrInput in;
  in.row_offsets = offsets.data();
  in.col_indices = cols.data();
  in.values = vals.data();
  in.rows = images.rows;
  in.cols = images.cols;
  in.nnz = images.nnz();
  time_engine(engine, rq, out, [&] { return engine.run(in, stream.ref()); });
  SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.ref().get()));
  out.peak_bytes = pool_peak();
  return out;
}

template <class Spmm, class Cluster>
TimedRun sdgc_run(std::int64_t neurons,
                  std::int64_t layers,
                  std::uint64_t seed,
                  CsrMatrix<float> const& images,
                  RunRequest const& rq) {
  return sdgc_run_with<Spmm, Cluster>(
      images, rq, [&](cuda::stream_ref stream, EngineOptions const& eo, TimedRun& out) {
        auto t0 = std::chrono::steady_clock::now();
        data::RadixNetOptions o;
        o.neurons = neurons;
        o.layers = layers;
        o.seed = seed;
        auto net = data::generate_sdgc_network_device<float>(o, Spmm::weight_layout, stream);
        out.generate_ms = ms_since(t0);
        out.network_bytes = net.device_bytes();
        out.min_free = std::min(out.min_free, free_bytes());
        t0 = std::chrono::steady_clock::now();
        Engine<float, Spmm, Cluster> engine(std::move(net), eo, stream);
        out.construct_ms = ms_since(t0);
        return engine;
      });
}

template <class Spmm, class Cluster>
TimedRun sdgc_host_run(SparseNetwork<float> const& net,
                       CsrMatrix<float> const& images,
                       RunRequest const& rq) {
  return sdgc_run_with<Spmm, Cluster>(
      images, rq, [&](cuda::stream_ref stream, EngineOptions const& eo, TimedRun& out) {
        auto const t0 = std::chrono::steady_clock::now();
        Engine<float, Spmm, Cluster> engine(net, eo, stream);
        out.construct_ms = ms_since(t0);
        return engine;
      });
}

template <class Spmm, class Cluster>
TimedRun host_run(SparseNetwork<float> const& net,
                  DenseMatrix<float> const& input,
                  RunRequest const& rq) {
  TimedRun out;
  reset_pool_peak();
  out.free_before = free_bytes();
  out.min_free = out.free_before;
  Stream stream;
  DeviceBuffer<float> d_in(std::max<std::size_t>(input.data.size(), 1), stream.ref());
  snicit::detail::upload(d_in.data(), input.data.data(), input.data.size(), stream.ref());
  auto t0 = std::chrono::steady_clock::now();
  Engine<float, Spmm, Cluster> engine(net, engine_options(rq, input.rows), stream.ref());
  out.construct_ms = ms_since(t0);
  out.min_free = std::min(out.min_free, free_bytes());
  DenseView<float const> in{d_in.data(), input.rows, input.cols, input.cols};
  time_engine(engine, rq, out, [&] { return engine.run(in, stream.ref()); });
  SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.ref().get()));
  out.peak_bytes = pool_peak();
  return out;
}

}  // namespace detail

template <class Spmm>
TimedRun sdgc_with(std::int64_t neurons,
                   std::int64_t layers,
                   std::uint64_t seed,
                   CsrMatrix<float> const& images,
                   RunRequest const& rq) {
  if (rq.exact) {
    return detail::sdgc_run<Spmm, cluster::None>(neurons, layers, seed, images, rq);
  }
  return detail::sdgc_run<Spmm, cluster::CoarseSample<>>(neurons, layers, seed, images, rq);
}

template <class Spmm>
TimedRun sdgc_host_with(SparseNetwork<float> const& net,
                        CsrMatrix<float> const& images,
                        RunRequest const& rq) {
  if (rq.exact) {
    return detail::sdgc_host_run<Spmm, cluster::None>(net, images, rq);
  }
  return detail::sdgc_host_run<Spmm, cluster::CoarseSample<>>(net, images, rq);
}

template <class Spmm>
TimedRun host_with(SparseNetwork<float> const& net,
                   DenseMatrix<float> const& input,
                   RunRequest const& rq) {
  if (rq.exact) {
    return detail::host_run<Spmm, cluster::None>(net, input, rq);
  }
  return detail::host_run<Spmm, cluster::CoarseSample<>>(net, input, rq);
}

}  // namespace snicit::bench
