// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file multi_gpu.cuh
 * @brief Data-parallel inference on several GPUs of one process: `snicit::MultiEngine<EngineT>`.
 *
 * The weights are replicated: one `EngineT` (a snicit::Engine specialisation) per listed device,
 * each with its own stream, driven by its own host thread. A run partitions the input batch
 * statically into contiguous row ranges (equal rows, or balanced by non-zeros / non-empty rows;
 * see snicit::Split), runs every range on its engine in parallel and gathers one result: global
 * 0-based categories in ascending order, activations in the same order, per-device statistics.
 *
 * In SNICIT mode the result depends on the rounds (SnicitOptions::batch_size). With a positive
 * batch size the range boundaries are aligned to it by default, so every device sees exactly the
 * rounds one engine would see and the result is that of a single engine, for any device count.
 * Without one, each device runs its range as one round (the range must fit in max_batch).
 *
 * See docs/scale-out.md.
 */

#include <snicit/config.hpp>
#include <snicit/detail/partition.hpp>
#include <snicit/engine.cuh>
#include <snicit/error.hpp>
#include <snicit/matrix.hpp>
#include <snicit/network.hpp>
#include <snicit/stream.hpp>

#include <cuda_runtime_api.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

SNICIT_NAMESPACE_BEGIN

/// Construction options of snicit::MultiEngine.
struct MultiEngineOptions {
  /// CUDA device ids, one engine each (an id may repeat: several engines on one device); empty
  /// = every visible device.
  std::vector<int> devices;
  /// How the batch is split. align = 0 means: SnicitOptions::batch_size in SNICIT mode (results
  /// independent of the device count), anywhere in exact mode.
  PartitionOptions partition{};
};

/// One device's share of a MultiEngine run.
template <class Value>
struct DeviceRun {
  int device = 0;      ///< CUDA device id
  RowRange rows;       ///< the input rows it ran
  RunStats stats;      ///< its engine's statistics (CUDA-event phase times, rounds)
  double wall_ms = 0;  ///< host wall time of its Engine::run (upload + compute + read-back)
  std::int64_t final_rows = 0;  ///< categories it found
};

/// The outcome of MultiEngine::run.
template <class Value>
struct MultiRunResult {
  /// Global input row ids (0-based, ascending) with a non-zero entry after the last layer.
  std::vector<std::int64_t> categories;
  /// categories.size() x N_L final activations in the order of `categories` (empty unless
  /// EngineOptions::return_activations).
  DenseMatrix<Value> activations;
  std::vector<DeviceRun<Value>> per_device;  ///< one entry per engine, in range order
  double wall_ms = 0;  ///< host wall time of the whole run (partition, parallel runs, gather)
  /// The slowest device's engine time (sum of its phase times): the data-parallel critical path.
  [[nodiscard]] double max_device_ms() const noexcept {
    double m = 0;
    for (auto const& d : per_device) {
      m = d.stats.ms.total_ms() > m ? d.stats.ms.total_ms() : m;
    }
    return m;
  }
};

namespace detail {

/// Runs fn(i) for i < n on n host threads; after all joined, rethrows the first failure (lowest
/// i), so no thread outlives the call and no device is left mid-run.
template <class Fn>
void for_each_worker(std::size_t n, Fn&& fn) {
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (auto& e : errors) {
    if (e) {
      std::rethrow_exception(e);
    }
  }
}

}  // namespace detail

/**
 * @brief One snicit::Engine per device, run data-parallel over a partitioned batch.
 *
 * Not thread-safe: one run at a time. Every run spawns one host thread per engine, which sets
 * its device, slices its rows of the host input and calls Engine::run on its own stream.
 *
 * @tparam EngineT a snicit::Engine specialisation (its policies apply on every device)
 */
template <class EngineT>
class MultiEngine {
 public:
  using engine_type = EngineT;
  using value_type = typename EngineT::value_type;
  using result_type = MultiRunResult<value_type>;

  /**
   * @brief Builds one engine per device (in parallel, one host thread each).
   * @throws snicit::LogicError for an unknown device id or no device; whatever an Engine
   * constructor throws (the first failure, after every construction ended)
   */
  MultiEngine(SparseNetwork<value_type> const& net,
              EngineOptions const& opts,
              MultiEngineOptions mopts = {})
      : opts_(opts), mopts_(std::move(mopts)) {
    int count = 0;
    SNICIT_CUDA_TRY(cudaGetDeviceCount(&count));
    SNICIT_EXPECTS(count >= 1, "MultiEngine: no CUDA device");
    if (mopts_.devices.empty()) {
      for (int d = 0; d < count; ++d) {
        mopts_.devices.push_back(d);
      }
    }
    for (int d : mopts_.devices) {
      SNICIT_EXPECTS(d >= 0 && d < count,
                     "MultiEngine: device " + std::to_string(d) + " does not exist (" +
                         std::to_string(count) + " visible)");
    }
    if (mopts_.partition.align == 0 && EngineT::cluster_policy::converts) {
      mopts_.partition.align = opts_.snicit.batch_size;
    }
    std::size_t const n = mopts_.devices.size();
    workers_.resize(n);
    try {
      detail::for_each_worker(n, [&](std::size_t i) {
        int const dev = mopts_.devices[i];
        SNICIT_CUDA_TRY(cudaSetDevice(dev));
        auto w = std::make_unique<Worker>();
        w->device = dev;
        w->engine = std::make_unique<EngineT>(net, opts_, w->stream.ref());
        workers_[i] = std::move(w);
      });
    } catch (...) {
      release();
      throw;
    }
  }

  MultiEngine(MultiEngine const&) = delete;
  MultiEngine& operator=(MultiEngine const&) = delete;
  MultiEngine(MultiEngine&&) noexcept = default;
  MultiEngine& operator=(MultiEngine&&) noexcept = default;
  ~MultiEngine() {
    release();
  }

  /// Number of engines.
  [[nodiscard]] std::size_t size() const noexcept {
    return workers_.size();
  }
  /// The device ids, one per engine.
  [[nodiscard]] std::vector<int> const& devices() const noexcept {
    return mopts_.devices;
  }
  /// Engine `i` (e.g. to set an observer; it is called on that engine's worker thread).
  [[nodiscard]] EngineT& engine(std::size_t i) {
    return *workers_.at(i)->engine;
  }
  /// The partition options in effect (align resolved).
  [[nodiscard]] PartitionOptions const& partition_options() const noexcept {
    return mopts_.partition;
  }

  /// The row ranges a run of `input` gives each engine.
  template <class Matrix>
  [[nodiscard]] std::vector<RowRange> plan(Matrix const& input) const {
    return partition_input(input, static_cast<int>(workers_.size()), mopts_.partition);
  }

  /**
   * @brief Runs a host input (CsrMatrix or DenseMatrix, cols = input_size()) on every engine.
   * @throws snicit::LogicError before any work when a SNICIT range exceeds max_batch (without a
   * batch size) or on a shape mismatch; the first failure of any device after all joined
   */
  template <class Matrix>
  [[nodiscard]] result_type run(Matrix const& input) {
    auto const t0 = std::chrono::steady_clock::now();
    SNICIT_EXPECTS(!workers_.empty(), "MultiEngine: moved-from");
    EngineT const& first = *workers_.front()->engine;
    SNICIT_EXPECTS(input.cols == first.input_size(),
                   "MultiEngine: the input has " + std::to_string(input.cols) +
                       " columns but the network expects " + std::to_string(first.input_size()));
    auto const ranges = plan(input);
    if constexpr (EngineT::cluster_policy::converts) {
      if (opts_.snicit.batch_size == 0) {
        for (auto const& r : ranges) {
          SNICIT_EXPECTS(r.size() <= opts_.max_batch,
                         "MultiEngine: a device's range of " + std::to_string(r.size()) +
                             " rows exceeds max_batch " + std::to_string(opts_.max_batch) +
                             "; raise max_batch or set SnicitOptions::batch_size");
        }
      }
    }
    std::size_t const n = workers_.size();
    std::vector<PartResult<value_type>> parts(n);
    result_type result;
    result.per_device.resize(n);
    detail::for_each_worker(n, [&](std::size_t i) {
      Worker& w = *workers_[i];
      SNICIT_CUDA_TRY(cudaSetDevice(w.device));
      auto& dr = result.per_device[i];
      dr.device = w.device;
      dr.rows = ranges[i];
      parts[i].range = ranges[i];
      if (ranges[i].size() == 0) {
        return;
      }
      auto const slice = slice_rows(input, ranges[i]);
      auto const s0 = std::chrono::steady_clock::now();
      auto r = w.engine->run(slice, w.stream.ref());
      dr.wall_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count();
      dr.final_rows = static_cast<std::int64_t>(r.categories.size());
      dr.stats = std::move(r.stats);
      parts[i].categories = std::move(r.categories);
      parts[i].activations = std::move(r.activations);
    });
    auto g = gather_parts(parts, first.output_size(), opts_.return_activations);
    result.categories = std::move(g.categories);
    result.activations = std::move(g.activations);
    result.wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return result;
  }

 private:
  struct Worker {
    int device = 0;
    Stream stream;                    // declared first: the engine's buffers free on it
    std::unique_ptr<EngineT> engine;  // destroyed before the stream
  };

  /// Destroys each engine and stream with its device current.
  void release() noexcept {
    for (auto& w : workers_) {
      if (w) {
        int prev = 0;
        bool const ok = cudaGetDevice(&prev) == cudaSuccess;
        SNICIT_CUDA_TRY_NO_THROW(cudaSetDevice(w->device));
        w.reset();
        if (ok) {
          SNICIT_CUDA_TRY_NO_THROW(cudaSetDevice(prev));
        }
      }
    }
    workers_.clear();
  }

  EngineOptions opts_;
  MultiEngineOptions mopts_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

SNICIT_NAMESPACE_END
