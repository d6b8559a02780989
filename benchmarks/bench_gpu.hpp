// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// snicit-bench's GPU side (implemented in bench_gpu.cuh, instantiated in bench_gpu.cu); the
// declarations are plain C++.

#include <snicit/matrix.hpp>
#include <snicit/network.hpp>
#include <snicit/options.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace snicit::bench {

/// The backends snicit-bench can select (the names of the programs' --backend).
enum class Backend { automatic, row_gather, register_tiled, block_dense };

/// What to run and how to time it.
struct RunRequest {
  bool exact = false;        ///< cluster::None instead of SNICIT
  SnicitOptions snicit{};    ///< SNICIT knobs (batch_size also splits exact-mode rounds)
  int warmup = 1;            ///< untimed runs first
  int reps = 5;              ///< timed runs
  bool layer_times = false;  ///< one extra run with the per-layer observer (events per layer)
  bool activations = false;  ///< return the final activations (MNIST: logits on the host)
  bool progress = false;     ///< print per-layer lines of the last timed run to stderr
};

/// One timed configuration.
struct TimedRun {
  std::vector<double> rep_ms;            ///< summed phase times of every timed run
  nlohmann::json phases;                 ///< per-phase ms of the median run
  nlohmann::json rounds;                 ///< per-round counts of the median run
  nlohmann::json layers;                 ///< per-layer ms and rows (layer_times only)
  std::vector<std::int64_t> categories;  ///< rows alive after the last layer
  DenseMatrix<float> activations;        ///< their activations (when asked for)
  double generate_ms = 0;                ///< GPU network generation (device networks)
  double construct_ms = 0;               ///< Engine construction (upload / prepare)
  std::size_t network_bytes = 0;         ///< device bytes of the network's CSR (device networks)
  std::size_t peak_bytes = 0;            ///< high-water mark of the device memory pool
  std::size_t free_before = 0;           ///< cudaMemGetInfo free bytes before anything
  std::size_t min_free = 0;              ///< smallest free bytes seen (after construction/runs)
};

/// An SDGC benchmark: RadiX-Net N x L (seed) generated on the GPU, run on `images`.
TimedRun run_sdgc(Backend backend,
                  std::int64_t neurons,
                  std::int64_t layers,
                  std::uint64_t seed,
                  CsrMatrix<float> const& images,
                  RunRequest const& request);

/// An SDGC network from the host (official files or a snicit binary), run on sparse `images`
/// uploaded to the device once (as run_sdgc); the engine uploads and prepares the network.
TimedRun run_sdgc_host(Backend backend,
                       SparseNetwork<float> const& net,
                       CsrMatrix<float> const& images,
                       RunRequest const& request);

/// A host network (e.g. MNIST's hidden layers) on a dense host input.
TimedRun run_host(Backend backend,
                  SparseNetwork<float> const& net,
                  DenseMatrix<float> const& input,
                  RunRequest const& request);

/// The backend-specific entry points (bench_gpu.cu).
TimedRun run_sdgc_auto(
    std::int64_t, std::int64_t, std::uint64_t, CsrMatrix<float> const&, RunRequest const&);
TimedRun run_sdgc_row_gather(
    std::int64_t, std::int64_t, std::uint64_t, CsrMatrix<float> const&, RunRequest const&);
TimedRun run_sdgc_register_tiled(
    std::int64_t, std::int64_t, std::uint64_t, CsrMatrix<float> const&, RunRequest const&);
TimedRun run_sdgc_block_dense(
    std::int64_t, std::int64_t, std::uint64_t, CsrMatrix<float> const&, RunRequest const&);
TimedRun run_sdgc_host_auto(SparseNetwork<float> const&,
                            CsrMatrix<float> const&,
                            RunRequest const&);
TimedRun run_sdgc_host_row_gather(SparseNetwork<float> const&,
                                  CsrMatrix<float> const&,
                                  RunRequest const&);
TimedRun run_sdgc_host_register_tiled(SparseNetwork<float> const&,
                                      CsrMatrix<float> const&,
                                      RunRequest const&);
TimedRun run_sdgc_host_block_dense(SparseNetwork<float> const&,
                                   CsrMatrix<float> const&,
                                   RunRequest const&);
TimedRun run_host_auto(SparseNetwork<float> const&, DenseMatrix<float> const&, RunRequest const&);
TimedRun run_host_row_gather(SparseNetwork<float> const&,
                             DenseMatrix<float> const&,
                             RunRequest const&);
TimedRun run_host_register_tiled(SparseNetwork<float> const&,
                                 DenseMatrix<float> const&,
                                 RunRequest const&);
TimedRun run_host_block_dense(SparseNetwork<float> const&,
                              DenseMatrix<float> const&,
                              RunRequest const&);

inline TimedRun run_sdgc(Backend backend,
                         std::int64_t neurons,
                         std::int64_t layers,
                         std::uint64_t seed,
                         CsrMatrix<float> const& images,
                         RunRequest const& request) {
  switch (backend) {
    case Backend::row_gather:
      return run_sdgc_row_gather(neurons, layers, seed, images, request);
    case Backend::register_tiled:
      return run_sdgc_register_tiled(neurons, layers, seed, images, request);
    case Backend::block_dense:
      return run_sdgc_block_dense(neurons, layers, seed, images, request);
    case Backend::automatic:
      break;
  }
  return run_sdgc_auto(neurons, layers, seed, images, request);
}

inline TimedRun run_sdgc_host(Backend backend,
                              SparseNetwork<float> const& net,
                              CsrMatrix<float> const& images,
                              RunRequest const& request) {
  switch (backend) {
    case Backend::row_gather:
      return run_sdgc_host_row_gather(net, images, request);
    case Backend::register_tiled:
      return run_sdgc_host_register_tiled(net, images, request);
    case Backend::block_dense:
      return run_sdgc_host_block_dense(net, images, request);
    case Backend::automatic:
      break;
  }
  return run_sdgc_host_auto(net, images, request);
}

inline TimedRun run_host(Backend backend,
                         SparseNetwork<float> const& net,
                         DenseMatrix<float> const& input,
                         RunRequest const& request) {
  switch (backend) {
    case Backend::row_gather:
      return run_host_row_gather(net, input, request);
    case Backend::register_tiled:
      return run_host_register_tiled(net, input, request);
    case Backend::block_dense:
      return run_host_block_dense(net, input, request);
    case Backend::automatic:
      break;
  }
  return run_host_auto(net, input, request);
}

/// GPU name, driver and runtime versions, memory.
nlohmann::json gpu_metadata();

}  // namespace snicit::bench
