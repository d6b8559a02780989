// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// The programs' bridge to the GPU engine: host-compiled declarations, implemented in
// gpu_runner.cu (compiled by nvcc), so the CLI code itself stays plain C++.

#include <snicit/matrix.hpp>
#include <snicit/network.hpp>
#include <snicit/options.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace snicit::programs {

/// The spMM backends the programs can select (--backend).
enum class Backend { automatic, row_gather, register_tiled, block_dense };

/// The --backend spelling of a backend.
inline char const* backend_name(Backend b) {
  switch (b) {
    case Backend::row_gather:
      return "row-gather";
    case Backend::register_tiled:
      return "register-tiled";
    case Backend::block_dense:
      return "block-dense";
    case Backend::automatic:
      break;
  }
  return "auto";
}

/// Where the engine keeps the weights (--weights; EngineOptions::weights).
enum class Weights { device, host, automatic };

struct GpuRunOptions {
  Backend backend = Backend::automatic;  ///< spmm::Auto by default
  bool exact = false;                    ///< cluster::None instead of SNICIT
  bool adaptive = false;                 ///< cluster::Adaptive (--threshold auto)
  SnicitOptions snicit{};                ///< SNICIT knobs (batch_size also applies in exact mode)
  bool activations = false;              ///< return the final activations of the live rows
  bool progress = false;                 ///< print per-layer lines to stderr
  int warmup = 1;                        ///< untimed runs first
  int reps = 3;                          ///< timed runs; the median is reported
  std::size_t device_memory_limit = 0;   ///< EngineOptions::device_memory_limit (0 = no cap)
  int gpus = 0;                          ///< > 0: MultiEngine on devices 0..gpus-1 (--gpus)
  Weights weights = Weights::device;     ///< EngineOptions::weights (--weights)
  char const* program = "";              ///< prefix of progress lines
};

struct GpuRunResult {
  std::vector<std::int64_t> categories;  ///< live rows after the last layer (0-based, ascending)
  DenseMatrix<float> activations;        ///< their activations (when asked for)
  double median_ms = 0;                  ///< median over reps of the summed phase times
  std::vector<double> rep_ms;            ///< every timed repetition
  nlohmann::json phases;                 ///< per-phase ms of the median repetition
  nlohmann::json stats;                  ///< per-round counts (centroids, non-empty rows, ...)
  std::string device;                    ///< GPU name
  std::vector<std::int64_t> thresholds;  ///< t of each round of the median repetition
  /// --gpus: per device of the median repetition {device, first_row, rows, ms, wall_ms,
  /// categories}; median_ms is then the slowest device's engine time
  nlohmann::json per_gpu = nlohmann::json::array();
  double wall_ms = 0;  ///< --gpus: host wall time of the median repetition (split, runs, gather)
  bool weights_streamed = false;  ///< the weights were streamed from host memory
};

/// Runs `net` on `input` with the GPU engine (see GpuRunOptions). Throws snicit::CudaError /
/// snicit::LogicError.
GpuRunResult run_on_gpu(SparseNetwork<float> const& net,
                        CsrMatrix<float> const& input,
                        GpuRunOptions const& opts);
GpuRunResult run_on_gpu(SparseNetwork<float> const& net,
                        DenseMatrix<float> const& input,
                        GpuRunOptions const& opts);

}  // namespace snicit::programs
