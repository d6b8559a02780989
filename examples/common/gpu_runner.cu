// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// The programs' GPU path: builds an Engine (SNICIT or exact), warms up, times repetitions with
// the engine's CUDA-event phase times, and returns categories, activations and statistics.

#include <snicit/engine.cuh>
#include <snicit/multi_gpu.cuh>

#include "gpu_runner.hpp"
#include "program.hpp"

#include <algorithm>
#include <cstdio>

namespace snicit::programs {
namespace {

WeightResidency residency(Weights w) {
  return w == Weights::host        ? WeightResidency::host_streamed
         : w == Weights::automatic ? WeightResidency::automatic
                                   : WeightResidency::device;
}

/// --gpus K: one engine per device 0..K-1 (snicit::MultiEngine), rows split evenly (aligned to
/// the rounds, so the categories do not depend on K). The reported time of a repetition is the
/// slowest device's engine time; the host wall time is reported too.
template <class Spmm, class Cluster, class Input>
GpuRunResult run_multi(SparseNetwork<float> const& net,
                       Input const& input,
                       GpuRunOptions const& o) {
  using E = Engine<float, Spmm, Cluster>;
  int count = 0;
  SNICIT_CUDA_TRY(cudaGetDeviceCount(&count));
  if (o.gpus > count) {
    throw LogicError("--gpus " + std::to_string(o.gpus) + ": only " + std::to_string(count) +
                     " CUDA devices are visible");
  }
  EngineOptions eo;
  eo.snicit = o.snicit;
  std::int64_t const share = (input.rows + o.gpus - 1) / o.gpus;
  std::int64_t const round = o.snicit.batch_size > 0 ? o.snicit.batch_size : share;
  eo.max_batch = std::max<std::int64_t>(1, std::min<std::int64_t>(round, share));
  eo.return_activations = o.activations;
  eo.device_memory_limit = o.device_memory_limit;
  eo.weights = residency(o.weights);
  MultiEngineOptions mo;
  for (int d = 0; d < o.gpus; ++d) {
    mo.devices.push_back(d);
  }
  MultiEngine<E> multi(net, eo, mo);
  GpuRunResult out;
  cudaDeviceProp prop{};
  SNICIT_CUDA_TRY(cudaGetDeviceProperties(&prop, 0));
  out.device = std::string(prop.name) + " x" + std::to_string(o.gpus);
  out.weights_streamed = multi.engine(0).weights_streamed();
  for (int i = 0; i < o.warmup; ++i) {
    (void)multi.run(input);
  }
  std::vector<MultiRunResult<float>> results;
  int const reps = std::max(1, o.reps);
  for (int i = 0; i < reps; ++i) {
    results.push_back(multi.run(input));
    out.rep_ms.push_back(results.back().max_device_ms());
    SNICIT_EXPECTS(results.back().categories == results.front().categories,
                   "GPU repetitions disagree on the categories");
  }
  std::vector<std::size_t> order(results.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::sort(
      order.begin(), order.end(), [&](auto a, auto b) { return out.rep_ms[a] < out.rep_ms[b]; });
  auto& med = results[order[order.size() / 2]];
  out.median_ms = med.max_device_ms();
  out.wall_ms = med.wall_ms;
  PhaseTimes slowest;
  for (auto const& d : med.per_device) {
    if (d.stats.ms.total_ms() >= slowest.total_ms()) {
      slowest = d.stats.ms;
    }
    out.per_gpu.push_back({{"device", d.device},
                           {"first_row", d.rows.begin},
                           {"rows", d.rows.size()},
                           {"ms", d.stats.ms.total_ms()},
                           {"wall_ms", d.wall_ms},
                           {"categories", d.final_rows}});
  }
  out.phases = {{"pre_ms", slowest.pre_ms},
                {"conversion_ms", slowest.conversion_ms},
                {"post_ms", slowest.post_ms},
                {"recovery_ms", slowest.recovery_ms}};
  out.stats = nlohmann::json::array();
  out.categories = std::move(med.categories);
  out.activations = std::move(med.activations);
  return out;
}

template <class Spmm, class Cluster, class Input>
GpuRunResult run_with(SparseNetwork<float> const& net, Input const& input, GpuRunOptions const& o) {
  if (o.gpus > 0) {
    return run_multi<Spmm, Cluster>(net, input, o);
  }
  Stream stream;
  EngineOptions eo;
  eo.snicit = o.snicit;
  std::int64_t const round = o.snicit.batch_size > 0 ? o.snicit.batch_size : input.rows;
  eo.max_batch = std::max<std::int64_t>(1, std::min<std::int64_t>(round, input.rows));
  eo.return_activations = o.activations;
  eo.device_memory_limit = o.device_memory_limit;
  eo.weights = residency(o.weights);
  Engine<float, Spmm, Cluster> engine(net, eo, stream.ref());

  GpuRunResult out;
  cudaDeviceProp prop{};
  int dev = 0;
  SNICIT_CUDA_TRY(cudaGetDevice(&dev));
  SNICIT_CUDA_TRY(cudaGetDeviceProperties(&prop, dev));
  out.device = prop.name;
  out.weights_streamed = engine.weights_streamed();

  for (int i = 0; i < o.warmup; ++i) {
    (void)engine.run(input, stream.ref());
  }
  std::vector<RunResult<float>> results;
  int const reps = std::max(1, o.reps);
  for (int i = 0; i < reps; ++i) {
    if (o.progress && i == reps - 1) {
      engine.set_observer([prog = o.program](LayerReport const& r) {
        std::fprintf(stderr,
                     "%s: [%s] round %lld layer %lld: %lld active rows, %lld centroids, %lld "
                     "non-empty, %.3f ms\n",
                     prog,
                     std::string(phase_name(r.phase)).c_str(),
                     static_cast<long long>(r.round),
                     static_cast<long long>(r.layer),
                     static_cast<long long>(r.active_rows),
                     static_cast<long long>(r.centroids),
                     static_cast<long long>(r.nonempty_rows),
                     r.ms);
      });
    }
    results.push_back(engine.run(input, stream.ref()));
    out.rep_ms.push_back(results.back().stats.ms.total_ms());
  }
  // The median repetition (by time) supplies the phases; every repetition must agree on the
  // categories (the engine is deterministic), which is checked here.
  std::vector<std::size_t> order(results.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
    SNICIT_EXPECTS(results[i].categories == results[0].categories,
                   "GPU repetitions disagree on the categories");
  }
  std::sort(
      order.begin(), order.end(), [&](auto a, auto b) { return out.rep_ms[a] < out.rep_ms[b]; });
  auto& med = results[order[order.size() / 2]];
  out.median_ms = med.stats.ms.total_ms();
  out.phases = {{"pre_ms", med.stats.ms.pre_ms},
                {"conversion_ms", med.stats.ms.conversion_ms},
                {"post_ms", med.stats.ms.post_ms},
                {"recovery_ms", med.stats.ms.recovery_ms}};
  out.stats = rounds_json(med.stats);
  for (auto const& r : med.stats.rounds) {
    out.thresholds.push_back(r.threshold_layer);
  }
  out.categories = std::move(med.categories);
  out.activations = std::move(med.activations);
  return out;
}

template <class Spmm, class Input>
GpuRunResult with_cluster(SparseNetwork<float> const& net,
                          Input const& input,
                          GpuRunOptions const& o) {
  if (o.exact) {
    return run_with<Spmm, cluster::None>(net, input, o);
  }
  if (o.adaptive) {
    return run_with<Spmm, cluster::Adaptive<>>(net, input, o);
  }
  return run_with<Spmm, cluster::CoarseSample<>>(net, input, o);
}

template <class Input>
GpuRunResult dispatch(SparseNetwork<float> const& net, Input const& input, GpuRunOptions const& o) {
  // The CLI's runtime choice resolved to policy types at the edge (style guide 3.5).
  switch (o.backend) {
    case Backend::row_gather:
      return with_cluster<spmm::RowGather<>>(net, input, o);
    case Backend::register_tiled:
      return with_cluster<spmm::RegisterTiled<>>(net, input, o);
    case Backend::block_dense:
      return with_cluster<spmm::BlockDense<>>(net, input, o);
    case Backend::automatic:
      break;
  }
  return with_cluster<spmm::Auto<>>(net, input, o);
}

}  // namespace

GpuRunResult run_on_gpu(SparseNetwork<float> const& net,
                        CsrMatrix<float> const& input,
                        GpuRunOptions const& opts) {
  return dispatch(net, input, opts);
}

GpuRunResult run_on_gpu(SparseNetwork<float> const& net,
                        DenseMatrix<float> const& input,
                        GpuRunOptions const& opts) {
  return dispatch(net, input, opts);
}

}  // namespace snicit::programs
