// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file engine.cuh
 * @brief The public entry header of snicit: `#include <snicit/engine.cuh>`.
 *
 * It brings in everything a downstream CUDA C++ program needs: the network and matrix types, the
 * SNICIT options, the error types, the GPU engine `snicit::Engine<...>`, its policies and the
 * `snicit::kernels` building blocks. The readers/writers (snicit::io, needs zlib), the generator
 * (snicit::data) and the CPU reference (snicit::reference) are separate headers because device
 * code does not need them.
 *
 * The engine's design, buffers and host synchronisations are described in docs/engine.md.
 */

#include <snicit/config.hpp>
#include <snicit/detail/engine_support.cuh>
#include <snicit/detail/weight_stream.cuh>
#include <snicit/device_network.cuh>
#include <snicit/error.hpp>
#include <snicit/kernels/adaptive.cuh>
#include <snicit/kernels/cluster.cuh>
#include <snicit/kernels/convert.cuh>
#include <snicit/kernels/fused_dense.cuh>
#include <snicit/kernels/post_update.cuh>
#include <snicit/kernels/recover.cuh>
#include <snicit/kernels/rows.cuh>
#include <snicit/kernels/spmm.cuh>
#include <snicit/kernels/spmm_auto.cuh>
#include <snicit/kernels/spmm_block.cuh>
#include <snicit/kernels/spmm_dense.cuh>
#include <snicit/kernels/spmm_folded.cuh>
#include <snicit/kernels/spmm_scatter.cuh>
#include <snicit/kernels/spmm_tiled.cuh>
#include <snicit/matrix.hpp>
#include <snicit/memory/allocator.hpp>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/memory/pinned_buffer.hpp>
#include <snicit/network.hpp>
#include <snicit/options.hpp>
#include <snicit/policy/activation.hpp>
#include <snicit/policy/cluster.hpp>
#include <snicit/policy/concepts.hpp>
#include <snicit/policy/spmm.hpp>
#include <snicit/stream.hpp>
#include <snicit/types.hpp>
#include <snicit/version.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

SNICIT_NAMESPACE_BEGIN

/// Construction-time options of snicit::Engine.
struct EngineOptions {
  /// Most rows processed at once (device buffers are sized for it); 1 <= max_batch < 2^31.
  std::int64_t max_batch = 60000;
  /// The SNICIT knobs (ignored by cluster::None except batch_size). Rounds have
  /// snicit.batch_size rows (0 = the whole input), which must not exceed max_batch in SNICIT mode.
  SnicitOptions snicit{};
  /// Return the final activations of the rows alive after the last layer.
  bool return_activations = true;
  /// Pre-convergence layers between host reads of the live-row count, which shrink the grids of
  /// later layers (one stream synchronisation each); 0 = never (fully stream-ordered pre phase).
  std::int64_t bound_refresh_interval = 16;
  /// run(): capture the post-convergence layers into a CUDA graph and replay it while the
  /// post-phase shape (live rows A, non-empty rows) repeats, so deep networks are not bound by
  /// launch latency. A new shape re-captures (updating the executable graph in place when the
  /// topology allows). Ignored while an observer is set (it needs per-layer events), by
  /// run_async (which a caller may itself be capturing) and in SNICIT_DEBUG_SYNC builds.
  bool post_graph = true;
  /// Run consecutive narrow dense layers (widths <= 128) of the pre-convergence phase as ONE
  /// fused kernel launch each (kernels::FusedDenseStack), when the spMM policy allows it
  /// (kernels::FusedDenseTraits: spmm::Auto on the layers it runs densely,
  /// spmm::DenseTensorCore<fp16 | fp16_split>); other policies ignore it. Same numerics class
  /// as the policy's own dense path. Off while an observer is set (per-layer events).
  bool fuse_dense_layers = true;
  /// Where the layer weights live: uploaded once (device); kept in pinned host memory and
  /// streamed to the device layer by layer, double-buffered with copy/compute overlap
  /// (host_streamed: networks larger than device memory; spMM backends with a launch on the
  /// engine's CSR weights only: RowGather, RowScatter, and RegisterTiled, BlockDense and Auto,
  /// which then skip their per-layer state and run their CSR kernel; no post-phase graph);
  /// or host_streamed only when the resident weights would not fit (automatic). Networks given
  /// in device memory are always resident. See docs/scale-out.md.
  WeightResidency weights = WeightResidency::device;
  /// Most device memory the engine may plan for, in bytes (0 = all free memory): construction
  /// fails (or, with weights = automatic, streams the weights) when its estimate exceeds
  /// min(free memory, device_memory_limit).
  std::size_t device_memory_limit = 0;
};

/**
 * @brief The outcome of Engine::run.
 * @tparam Value element type
 */
template <class Value>
struct RunResult {
  /// Global input row ids (0-based, ascending) with a non-zero entry after the last layer (the
  /// SDGC categories).
  std::vector<std::int64_t> categories;
  /// categories.size() x N_L final activations, in the order of `categories` (empty unless
  /// EngineOptions::return_activations).
  DenseMatrix<Value> activations;
  RunStats stats;  ///< per-phase times and per-round counts
};

/**
 * @brief The GPU SNICIT engine: owns the uploaded network and every device buffer, and runs
 * batches through pre-convergence layers, conversion, post-convergence layers and recovery
 * (exact mode with cluster::None).
 *
 * Construction uploads the weights once, sizes one scratch arena and allocates everything the
 * runs need; a run allocates no device memory (except a grow-only staging area for sparse host
 * inputs the first time a round has more non-zeros than any before). See docs/engine.md for the
 * buffers and the documented host synchronisations. An Engine is move-only and must not be used
 * from two host threads or on two streams at the same time.
 *
 * @tparam Value      element type (float)
 * @tparam Spmm       spMM policy (see policy/spmm.hpp, kernels::SpmmBackend)
 * @tparam Cluster    cluster::CoarseSample<> (SNICIT) or cluster::None (exact)
 * @tparam Activation bounded activation functor (ReluClip by default, built from the network cap)
 * @tparam Allocator  stream-ordered device allocator
 */
template <class Value = float,
          class Spmm = spmm::RowGather<>,
          class Cluster = cluster::CoarseSample<>,
          class Activation = ReluClip,
          class Allocator = AsyncAllocator>
class Engine {
  static_assert(std::is_floating_point_v<Value>, "snicit::Engine: Value must be float or double");
  static_assert(is_spmm_policy_v<Spmm>,
                "snicit::Engine: Spmm is not a spMM policy (needs policy_category = "
                "spmm::spmm_policy_tag, weight_layout and block_threads; trivially copyable)");
  static_assert(kernels::has_spmm_backend_v<Spmm>,
                "snicit::Engine: no kernels::SpmmBackend<Spmm> specialisation for this policy");
  static_assert(is_cluster_policy_v<Cluster>,
                "snicit::Engine: Cluster is not a cluster policy (needs policy_category = "
                "cluster::cluster_policy_tag, converts and block_threads; trivially copyable)");
  static_assert(is_activation_v<Activation, Value>,
                "snicit::Engine: Activation must be a trivially copyable functor Value -> Value");
  static_assert(DeviceAllocator<Allocator>,
                "snicit::Engine: Allocator needs allocate(bytes, stream) and "
                "deallocate(p, bytes, stream)");

 public:
  using value_type = Value;
  using spmm_policy = Spmm;
  using cluster_policy = Cluster;
  using activation_type = Activation;
  using allocator_type = Allocator;
  using result_type = RunResult<Value>;

  /**
   * @brief Uploads `net` and allocates every buffer for `opts.max_batch` rows on `stream`.
   *
   * The activation is `Activation{net.activation_cap}` when constructible so, else
   * `Activation{}`. Synchronises `stream` once at the end (the weights come from pageable host
   * memory), so the engine may then run on any stream.
   *
   * @throws snicit::LogicError for an invalid network or options, or when the buffers would not
   * fit in free device memory; snicit::CudaError
   */
  Engine(SparseNetwork<Value> const& net, EngineOptions const& opts, cuda::stream_ref stream)
      : Engine(net, opts, stream, default_activation(net)) {}

  /// As above with an explicit activation instance.
  Engine(SparseNetwork<Value> const& net,
         EngineOptions const& opts,
         cuda::stream_ref stream,
         Activation act,
         Allocator alloc = {})
      : opts_(opts), act_(act), alloc_(std::move(alloc)) {
    SNICIT_EXPECTS(net.num_layers() >= 1, "the network has no layers");
    net.validate();
    num_layers_ = net.num_layers();
    widths_.push_back(net.input_size());
    for (auto const& l : net.layers) {
      widths_.push_back(l.weights.cols);
    }
    detail::ArenaLayout const arena = setup_shapes();
    compute_droppable([&](std::size_t l, std::int64_t j) { return net.layers[l].bias_at(j); });
    if (stream_weights(net, arena.total())) {
      check_memory_bytes(detail::streamed_weight_bytes(net.layers, Spmm::weight_layout),
                         arena.total());
      streamer_ = std::make_unique<detail::WeightStreamer<Value, Allocator>>(
          net.layers, Spmm::weight_layout, alloc_, stream);
    } else {
      check_memory(net, arena.total());
    }

    // Weights (pageable host staging kept alive until the final synchronisation).
    std::vector<std::int32_t> h_off;
    std::vector<std::int32_t> h_idx;
    std::vector<Value> h_val;
    std::vector<Value> h_bias;
    layers_.reserve(static_cast<std::size_t>(num_layers_));
    for (auto const& l : net.layers) {
      if (streamer_) {  // streamed weights: only the bias is resident, no backend state
        layers_.push_back(detail::make_bias_layer<Value, Allocator>(l, h_bias, alloc_, stream));
        continue;
      }
      layers_.push_back(detail::make_device_layer<Value, Allocator>(
          l, Spmm::weight_layout, h_off, h_idx, h_val, h_bias, alloc_, stream));
      // Pageable copies are staged before cudaMemcpyAsync returns, so the vectors can be reused.
      spmm_states_.push_back(kernels::prepare_spmm_layer<Spmm, Value, Allocator>(
          l, opts.max_batch, alloc_, stream, spmm_shared_));
    }
    prepare_fusion(net.layers, stream);
    allocate_buffers(arena.total(), stream);
  }

  /**
   * @brief Takes over a network already in device memory (e.g. from
   * data::generate_sdgc_network_device) and allocates every buffer for `opts.max_batch` rows on
   * `stream`: the weights are not copied and never pass through host memory. Its layout must be
   * `Spmm::weight_layout`; the activation is built from `net.activation_cap` as above.
   *
   * Backends with per-layer state build it on the device where they declare `prepare_device`
   * (RegisterTiled, BlockDense for layers without a value array, Auto for its sparse layers;
   * kernels::prepare_spmm_layer_device); the others (DenseTensorCore, cuSPARSE, Compiled, ...)
   * get a host copy of each layer, one layer at a time (kernels::prepare_spmm_layer); stateless
   * backends (RowGather, RowScatter) need nothing. Synchronises `stream` at the end.
   *
   * @throws snicit::LogicError for an invalid network (shapes, bias sizes), a layout other than
   * Spmm::weight_layout, invalid options, or buffers that would not fit in free device memory;
   * snicit::CudaError
   */
  Engine(DeviceSparseNetwork<Value, Allocator>&& net,
         EngineOptions const& opts,
         cuda::stream_ref stream)
      : Engine(std::move(net), opts, stream, activation_from_cap(net.activation_cap)) {}

  /// As above with an explicit activation instance.
  Engine(DeviceSparseNetwork<Value, Allocator>&& net,
         EngineOptions const& opts,
         cuda::stream_ref stream,
         Activation act,
         Allocator alloc = {})
      : opts_(opts), act_(act), alloc_(std::move(alloc)) {
    net.validate();
    SNICIT_EXPECTS(net.layout == Spmm::weight_layout,
                   "the device network's weight layout does not match the spMM policy's "
                   "weight_layout");
    num_layers_ = net.num_layers();
    widths_.push_back(net.input_size());
    for (auto const& l : net.layers) {
      widths_.push_back(l.outputs);
    }
    detail::ArenaLayout const arena = setup_shapes();
    compute_droppable([&](std::size_t l, std::int64_t j) {
      auto const& b = net.bias[l];
      return b.size() == 1 ? b.front() : b[static_cast<std::size_t>(j)];
    });
    SNICIT_EXPECTS(opts_.weights != WeightResidency::host_streamed,
                   "EngineOptions::weights = host_streamed needs a host network: the weights of "
                   "a device network are already resident");
    check_memory_bytes(0, arena.total());
    for (std::int64_t l = 0; l < num_layers_; ++l) {
      auto const& d = net.layers[static_cast<std::size_t>(l)];
      // On the device where the backend can (prepare_device), else from one host copy of the
      // layer at a time (documented above).
      spmm_states_.push_back(kernels::prepare_spmm_layer_device<Spmm, Value, Allocator>(
          kernels::DeviceLayerRef<Value>{d.view, d.inputs, d.outputs},
          [&net, l, stream] { return net.layer_to_host(l, stream); },
          opts.max_batch,
          alloc_,
          stream,
          spmm_shared_));
    }
    layers_ = std::move(net.layers);
    allocate_buffers(arena.total(), stream);
  }

  Engine(Engine&&) noexcept = default;
  Engine& operator=(Engine&&) noexcept = default;
  Engine(Engine const&) = delete;
  Engine& operator=(Engine const&) = delete;
  ~Engine() = default;

  /// Number of sparse layers L.
  [[nodiscard]] std::int64_t num_layers() const noexcept {
    return num_layers_;
  }
  /// Input width N_0.
  [[nodiscard]] std::int64_t input_size() const noexcept {
    return widths_.front();
  }
  /// Output width N_L.
  [[nodiscard]] std::int64_t output_size() const noexcept {
    return widths_.back();
  }
  /// The options the engine was built with.
  [[nodiscard]] EngineOptions const& options() const noexcept {
    return opts_;
  }
  /// True when the weights are streamed from pinned host memory (EngineOptions::weights).
  [[nodiscard]] bool weights_streamed() const noexcept {
    return streamer_ != nullptr;
  }
  /// The activation instance.
  [[nodiscard]] Activation const& activation() const noexcept {
    return act_;
  }
  /// For layer l (1-based, L + 1 entries; empty when the engine fuses nothing): the last layer of
  /// the fused run of exact layers that contains l, 0 when none (EngineOptions::fuse_dense_layers).
  /// cluster::Adaptive does not check inside a run; pass this to
  /// reference::infer_snicit_adaptive so that the oracle follows the same check layers.
  [[nodiscard]] std::vector<std::int64_t> const& fused_runs() const noexcept {
    return fused_last_;
  }

  /**
   * @brief Sets (or clears, with an empty function) the observer. It is called on the calling
   * thread at the end of every round, once per layer and phase. While an observer is set, one
   * CUDA event is recorded after each layer so that per-layer times can be reported; the events
   * are created here, not during runs.
   */
  void set_observer(Observer observer) {
    observer_ = std::move(observer);
    if (observer_ && layer_events_.empty()) {
      layer_events_.resize(static_cast<std::size_t>(num_layers_ + 1));
    }
  }

  /**
   * @brief Runs a sparse host input (one sample per CSR row, cols = input_size()).
   * @throws snicit::LogicError on a shape mismatch or when a round exceeds max_batch (SNICIT
   * mode) before any work starts; snicit::CudaError
   */
  [[nodiscard]] RunResult<Value> run(CsrMatrix<Value> const& input, cuda::stream_ref stream) {
    SNICIT_EXPECTS(input.cols == input_size(),
                   "the input has " + std::to_string(input.cols) +
                       " columns but the network expects " + std::to_string(input_size()));
    input.validate("the input CSR");     // offsets, sizes, column range: nothing unchecked uploaded
    reserve_csr_staging(input, stream);  // before any work: the only allocation of a run
    return run_rounds(input.rows, stream, [&](std::int64_t r0, std::int64_t b) {
      std::int64_t const base = input.row_offsets[static_cast<std::size_t>(r0)];
      std::int64_t const nnz = input.row_offsets[static_cast<std::size_t>(r0 + b)] - base;
      detail::upload(in_offsets_.data(),
                     input.row_offsets.data() + r0,
                     static_cast<std::size_t>(b + 1),
                     stream);
      detail::upload(in_cols_.data(),
                     reinterpret_cast<std::int32_t const*>(input.col_indices.data()) + base,
                     static_cast<std::size_t>(nnz),
                     stream);
      detail::upload(
          in_vals_.data(), input.values.data() + base, static_cast<std::size_t>(nnz), stream);
      kernels::scatter_csr_rows<Value>(in_offsets_.data(),
                                       base,
                                       in_cols_.data(),
                                       in_vals_.data(),
                                       buffer_view(0, input_size()).with_rows(b),
                                       stream);
    });
  }

  /**
   * @brief Runs a dense host input (rows = samples, cols = input_size()).
   * @throws as the CSR overload
   */
  [[nodiscard]] RunResult<Value> run(DenseMatrix<Value> const& input, cuda::stream_ref stream) {
    SNICIT_EXPECTS(input.cols == input_size(),
                   "the input has " + std::to_string(input.cols) +
                       " columns but the network expects " + std::to_string(input_size()));
    return run_rounds(input.rows, stream, [&](std::int64_t r0, std::int64_t b) {
      copy_rows_in(
          input.data.data() + r0 * input.cols, input.cols, b, cudaMemcpyHostToDevice, stream);
    });
  }

  /**
   * @brief Runs a dense input already on the device (row-major, `input.ld` >= input_size()).
   * The input is copied into the engine's buffers round by round; it is not modified.
   */
  [[nodiscard]] RunResult<Value> run(DenseView<Value const> input, cuda::stream_ref stream) {
    SNICIT_EXPECTS(input.cols == input_size() && input.ld >= input.cols,
                   "the device input has " + std::to_string(input.cols) +
                       " columns but the network expects " + std::to_string(input_size()));
    return run_rounds(input.rows, stream, [&](std::int64_t r0, std::int64_t b) {
      copy_rows_in(input.data + r0 * input.ld, input.ld, b, cudaMemcpyDeviceToDevice, stream);
    });
  }

  /// A sparse input already on the device: CSR with 64-bit row offsets (rows + 1 entries, which
  /// may start at any value), 32-bit column indices and explicit values.
  using DeviceCsrInput = CsrView<Value, std::int32_t, std::int64_t>;

  /**
   * @brief Runs a sparse input already on the device (see DeviceCsrInput; cols = input_size()).
   * Each round is densified on the device from the caller's arrays: no staging, no allocation.
   * @throws as the CSR overload
   */
  [[nodiscard]] RunResult<Value> run(DeviceCsrInput input, cuda::stream_ref stream) {
    check_device_csr(input);
    return run_rounds(input.rows, stream, [&](std::int64_t r0, std::int64_t b) {
      load_device_csr(input, r0, b, stream);
    });
  }

  /**
   * @brief Stream-ordered inference of a dense device input into a dense device output.
   *
   * For every input row i, `output.row(i)` receives its final activations (N_L values); rows
   * that end all-zero (not SDGC categories) are written as zeros, so the categories are the
   * non-zero rows of `output` (kernels::flag_nonzero_rows + kernels::select_rows find them on
   * the device). Rounds, results and validation are those of run(); no statistics are produced
   * and the observer is not called.
   *
   * Host synchronisation: none when `options().bound_refresh_interval == 0`, in both modes: the
   * grids of every layer are then sized by the round's row count and the kernels read the live,
   * centroid and non-empty counts from device memory. With a positive interval the live count is
   * read every `bound_refresh_interval` pre-convergence layers and (SNICIT mode) the counts once
   * after the conversion, to shrink later grids, as run() does. With interval 0 the call queues
   * only kernels, CUB calls and async copies/memsets on `stream` (no allocation, no event), so it
   * may be captured into a CUDA graph; the graph reads `input` and writes `output` at the
   * addresses given here, and replays are valid while the engine lives and is not run elsewhere.
   *
   * @param[in]  input  device rows x input_size() (ld >= cols); not modified
   * @param[out] output device rows x output_size() (ld >= cols); must not overlap `input`
   * @param[in]  stream stream the work is queued on; the engine's buffers are reused, so work
   *                    queued by an earlier run on another stream must be ordered before it
   * @throws snicit::LogicError on a shape mismatch, a SNICIT round larger than max_batch, or a
   *         positive bound_refresh_interval while `stream` is being captured, before any work is
   *         queued; snicit::CudaError
   */
  void run_async(DenseView<Value const> input, DenseView<Value> output, cuda::stream_ref stream) {
    SNICIT_EXPECTS(input.cols == input_size() && input.ld >= input.cols,
                   "run_async: the device input has " + std::to_string(input.cols) +
                       " columns but the network expects " + std::to_string(input_size()));
    async_rounds(input.rows, output, stream, [&](std::int64_t r0, std::int64_t b) {
      copy_rows_in(input.data + r0 * input.ld, input.ld, b, cudaMemcpyDeviceToDevice, stream);
    });
  }

  /**
   * @brief run_async for a sparse input already on the device (see DeviceCsrInput); the same
   * output, synchronisation and capture rules as the dense overload.
   */
  void run_async(DeviceCsrInput input, DenseView<Value> output, cuda::stream_ref stream) {
    check_device_csr(input);
    async_rounds(input.rows, output, stream, [&](std::int64_t r0, std::int64_t b) {
      load_device_csr(input, r0, b, stream);
    });
  }

 private:
  void check_device_csr(DeviceCsrInput const& input) const {
    SNICIT_EXPECTS(input.cols == input_size(),
                   "the device CSR input has " + std::to_string(input.cols) +
                       " columns but the network expects " + std::to_string(input_size()));
    SNICIT_EXPECTS(input.rows >= 0, "the device CSR input has a negative row count");
    SNICIT_EXPECTS(input.rows == 0 || (input.row_offsets != nullptr &&
                                       (input.nnz == 0 ||
                                        (input.col_indices != nullptr && input.values != nullptr))),
                   "the device CSR input needs row offsets, column indices and values");
  }

  /// Densifies rows [r0, r0 + b) of a device CSR input into act_buf_[0].
  void load_device_csr(DeviceCsrInput const& input,
                       std::int64_t r0,
                       std::int64_t b,
                       cuda::stream_ref stream) {
    // Row r of the round holds entries [offsets[r0 + r], offsets[r0 + r + 1]) of the arrays.
    kernels::scatter_csr_rows<Value>(input.row_offsets + r0,
                                     0,
                                     input.col_indices,
                                     input.values,
                                     buffer_view(0, input_size()).with_rows(b),
                                     stream);
  }

  /// The rounds of run_async: validation before any work, then load, queue, scatter per round.
  template <class Load>
  void async_rounds(std::int64_t rows,
                    DenseView<Value> output,
                    cuda::stream_ref stream,
                    Load&& load) {
    SNICIT_EXPECTS(output.cols == output_size() && output.ld >= output.cols,
                   "run_async: the output has " + std::to_string(output.cols) +
                       " columns but the network produces " + std::to_string(output_size()));
    SNICIT_EXPECTS(output.rows == rows,
                   "run_async: the output has " + std::to_string(output.rows) +
                       " rows but the input " + std::to_string(rows));
    SNICIT_EXPECTS(rows >= 0, "run_async: negative row count");
    if (streamer_) {
      cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
      SNICIT_CUDA_TRY(cudaStreamIsCapturing(stream.get(), &capture));
      SNICIT_EXPECTS(capture == cudaStreamCaptureStatusNone,
                     "run_async: the stream is being captured but the weights are streamed from "
                     "host memory (EngineOptions::weights); use device-resident weights");
    }
    if (rows == 0) {
      return;
    }
    std::int64_t const round = round_rows(rows);
    if constexpr (adaptive_) {
      cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
      SNICIT_CUDA_TRY(cudaStreamIsCapturing(stream.get(), &capture));
      SNICIT_EXPECTS(capture == cudaStreamCaptureStatusNone,
                     "run_async: the stream is being captured but cluster::Adaptive reads the "
                     "detector's counts on the host at every check layer");
    }
    if (opts_.bound_refresh_interval > 0) {
      cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
      SNICIT_CUDA_TRY(cudaStreamIsCapturing(stream.get(), &capture));
      SNICIT_EXPECTS(capture == cudaStreamCaptureStatusNone,
                     "run_async: the stream is being captured but bound_refresh_interval > 0 "
                     "needs host reads; construct the engine with bound_refresh_interval = 0");
    }
    adaptive_reuse_t_ = -1;  // cluster::Adaptive: round 0 of this run decides
    for (std::int64_t r0 = 0; r0 < rows; r0 += round) {
      std::int64_t const b = std::min(round, rows - r0);
      load(r0, b);
      RoundPlan const plan = enqueue_round(b, stream, true);
      DenseView<Value> out{output.data + r0 * output.ld, b, output.cols, output.ld};
      SNICIT_CUDA_TRY(cudaMemset2DAsync(out.data,
                                        static_cast<std::size_t>(out.ld) * sizeof(Value),
                                        0,
                                        static_cast<std::size_t>(out.cols) * sizeof(Value),
                                        static_cast<std::size_t>(b),
                                        stream.get()));
      kernels::copy_rows<Value>(buffer_view(plan.final_buf, output_size()).as_const(),
                                plan.final_rows,
                                plan.final_ids,
                                counter(plan.final_slot),
                                plan.final_bound,
                                out,
                                stream);
    }
  }

  // Counter slots (row_index) in counters_ / h_counters_.
  [[nodiscard]] std::size_t slot_alive(std::int64_t l) const noexcept {  // l = 0 .. L
    return static_cast<std::size_t>(l);
  }
  [[nodiscard]] std::size_t slot_samples() const noexcept {
    return static_cast<std::size_t>(num_layers_ + 1);
  }
  [[nodiscard]] std::size_t slot_centroids() const noexcept {
    return static_cast<std::size_t>(num_layers_ + 2);
  }
  [[nodiscard]] std::size_t slot_nonempty0() const noexcept {
    return static_cast<std::size_t>(num_layers_ + 3);
  }
  [[nodiscard]] std::size_t slot_final() const noexcept {
    return static_cast<std::size_t>(num_layers_ + 4);
  }
  [[nodiscard]] std::size_t slot_list() const noexcept {
    return static_cast<std::size_t>(num_layers_ + 5);
  }
  [[nodiscard]] std::size_t slot_post(std::int64_t l) const noexcept {  // l = t+1 .. L
    return static_cast<std::size_t>(num_layers_ + 5 + l);
  }
  // cluster::Adaptive: a check's own counters, contiguous (copied to the host together) and
  // apart from the conversion's, so a check never touches what the layers or the conversion use.
  static constexpr std::size_t check_slots = 5;
  [[nodiscard]] std::size_t slot_check(std::size_t i) const noexcept {
    return static_cast<std::size_t>(2 * num_layers_ + 6) + i;
  }
  static constexpr std::size_t check_live = 0;       ///< A (copied by the snapshot)
  static constexpr std::size_t check_samples = 1;    ///< s'
  static constexpr std::size_t check_centroids = 2;  ///< k
  static constexpr std::size_t check_probe = 3;      ///< non-empty probes
  static constexpr std::size_t check_excluded = 4;   ///< probes that are centroids
  [[nodiscard]] row_index* counter(std::size_t slot) noexcept {
    return counters_.data() + slot;
  }

  /**
   * Grows the sparse-input staging to the largest round of `input` before any round runs, so a
   * run either fails here, with a clear message, or allocates nothing later.
   */
  void reserve_csr_staging(CsrMatrix<Value> const& input, cuda::stream_ref stream) {
    if (input.rows == 0) {
      return;
    }
    std::int64_t const round = round_rows(input.rows);
    std::int64_t max_nnz = 1;
    for (std::int64_t r0 = 0; r0 < input.rows; r0 += round) {
      std::int64_t const b = std::min(round, input.rows - r0);
      max_nnz = std::max(max_nnz,
                         input.row_offsets[static_cast<std::size_t>(r0 + b)] -
                             input.row_offsets[static_cast<std::size_t>(r0)]);
    }
    SNICIT_EXPECTS(max_nnz <= std::numeric_limits<std::int32_t>::max(),
                   "a round of the sparse input has " + std::to_string(max_nnz) +
                       " non-zeros (at most 2^31 - 1); set SnicitOptions::batch_size");
    auto const n_off = static_cast<std::size_t>(std::min(round, input.rows) + 1);
    auto const n_nz = static_cast<std::size_t>(max_nnz);
    std::size_t grow = 0;
    grow += n_off > in_offsets_.size() ? n_off * sizeof(std::int64_t) : 0;
    grow += n_nz > in_cols_.size() ? n_nz * sizeof(std::int32_t) : 0;
    grow += n_nz > in_vals_.size() ? n_nz * sizeof(Value) : 0;
    if (grow > 0) {
      std::size_t free_bytes = 0;
      std::size_t total_bytes = 0;
      SNICIT_CUDA_TRY(cudaMemGetInfo(&free_bytes, &total_bytes));
      SNICIT_EXPECTS(grow <= free_bytes,
                     "staging the sparse input needs " + std::to_string(grow >> 20) +
                         " MiB of device memory but only " + std::to_string(free_bytes >> 20) +
                         " MiB are free; set SnicitOptions::batch_size to smaller rounds");
      in_offsets_.reserve(n_off, stream);
      in_cols_.reserve(n_nz, stream);
      in_vals_.reserve(n_nz, stream);
    }
  }

  static Activation default_activation(SparseNetwork<Value> const& net) {
    return activation_from_cap(net.activation_cap);
  }
  static Activation activation_from_cap(Value cap) {
    if constexpr (std::is_constructible_v<Activation, float>) {
      return Activation(static_cast<float>(cap));
    } else {
      return Activation{};
    }
  }

  /// droppable_[l]: a row that is all zero after layer l stays zero through layer L.
  /// `bias_at(l, j)`: bias of output j of layer l (0-based); widths_ must be set.
  template <class BiasAt>
  void compute_droppable(BiasAt&& bias_at) {
    auto const L = static_cast<std::size_t>(num_layers_);
    droppable_.assign(L + 1, true);
    for (std::size_t l = L; l-- > 0;) {
      bool zero = true;
      for (std::int64_t j = 0; j < widths_[l + 1] && zero; ++j) {
        zero = act_(Value(0) + bias_at(l, j)) == Value(0);
      }
      droppable_[l] = droppable_[l + 1] && zero;
    }
  }

  /// Validates the options against widths_ (set by the caller), sets ld_, the sample shape and
  /// the scratch arena's pieces; returns the arena's layout.
  detail::ArenaLayout setup_shapes() {
    EngineOptions const& opts = opts_;
    SNICIT_EXPECTS(opts.max_batch >= 1 && opts.max_batch < std::numeric_limits<row_index>::max(),
                   "max_batch must be in [1, 2^31 - 1)");
    SNICIT_EXPECTS(opts.bound_refresh_interval >= 0, "bound_refresh_interval must be >= 0");
    ld_ = *std::max_element(widths_.begin(), widths_.end());
    SNICIT_EXPECTS(ld_ >= 1, "the network has zero-width layers");
    auto const& so = opts_.snicit;
    if constexpr (Cluster::converts) {
      so.validate(num_layers_, widths_[static_cast<std::size_t>(so.threshold_layer)]);
      SNICIT_EXPECTS(so.batch_size <= opts.max_batch,
                     "batch size " + std::to_string(so.batch_size) + " exceeds max_batch " +
                         std::to_string(opts.max_batch));
    } else {
      SNICIT_EXPECTS(so.batch_size >= 0, "batch size must be >= 0 (0 = whole input)");
    }
    if constexpr (adaptive_) {
      // The detector may convert after any layer in [min_layer, last]: n must fit each.
      so.adaptive.validate(num_layers_);
      for (std::int64_t l = so.adaptive.min_layer; l <= so.adaptive.last_layer(num_layers_); ++l) {
        SNICIT_EXPECTS(so.downsample <= widths_[static_cast<std::size_t>(l)],
                       "downsample segments n = " + std::to_string(so.downsample) +
                           " exceed the width of layer " + std::to_string(l) +
                           " (a layer the adaptive threshold may choose)");
      }
    }

    std::int64_t const mb = opts.max_batch;
    samples_ = Cluster::converts ? std::min(so.samples, mb) : 1;
    sample_dim_ =
        Cluster::converts && so.downsample > 0
            ? so.downsample
            : (adaptive_
                   ? ld_
                   : widths_[static_cast<std::size_t>(Cluster::converts ? so.threshold_layer : 0)]);
    det_samples_ =
        adaptive_ ? std::min(so.adaptive.samples > 0 ? so.adaptive.samples : so.samples, mb) : 0;
    std::size_t const cub_bytes = kernels::select_rows_scratch_bytes(mb);
    detail::ArenaLayout arena;
    off_cub_ = arena.add(cub_bytes);
    cub_bytes_ = cub_bytes;
    conv_scratch_ =
        add_centroid_scratch(arena, samples_, sample_dim_, slot_samples(), slot_centroids());
    if constexpr (adaptive_) {
      // A check's own scratch, and the snapshot of the rows it reads (samples + probes rows of
      // the widest layer) with the live-entry -> snapshot-row map.
      check_scratch_ = add_centroid_scratch(
          arena, det_samples_, sample_dim_, slot_check(check_samples), slot_check(check_centroids));
      det_probes_ = std::min(so.adaptive.probes, mb);
      off_snap_ =
          arena.add(static_cast<std::size_t>((det_samples_ + det_probes_) * ld_) * sizeof(Value));
      off_snap_map_ = arena.add(static_cast<std::size_t>(mb) * sizeof(row_index));
    }
    return arena;
  }

  /// Allocates the activation, row-list, flag and counter buffers and the arena; synchronises.
  void allocate_buffers(std::size_t arena_bytes, cuda::stream_ref stream) {
    auto const rows = static_cast<std::size_t>(opts_.max_batch);
    for (auto& a : act_buf_) {
      a = DeviceBuffer<Value, Allocator>(rows * static_cast<std::size_t>(ld_), stream, alloc_);
    }
    for (auto& b : ids_) {
      b = DeviceBuffer<row_index, Allocator>(rows, stream, alloc_);
      // Selections read ids_in up to a host bound >= the live count (flags 0 past it): defined
      // values there keep compute-sanitizer initcheck clean (docs/reliability.md). Once, here.
      b.memset_async(0, stream);
    }
    for (auto& b : pos_) {
      b = DeviceBuffer<row_index, Allocator>(rows, stream, alloc_);
    }
    flags_ = DeviceBuffer<std::uint8_t, Allocator>(rows, stream, alloc_);
    if constexpr (Cluster::converts) {
      centroid_of_ = DeviceBuffer<row_index, Allocator>(rows, stream, alloc_);
      nonempty_ = DeviceBuffer<std::uint8_t, Allocator>(rows, stream, alloc_);
      list_ = DeviceBuffer<row_index, Allocator>(rows, stream, alloc_);
    }
    arena_ = DeviceBuffer<std::byte, Allocator>(arena_bytes, stream, alloc_);
    num_slots_ = static_cast<std::size_t>(2 * num_layers_ + 6) + check_slots;
    counters_ = DeviceBuffer<row_index, Allocator>(num_slots_, stream, alloc_);
    counters_.memset_async(0, stream);  // copied to the host whole, unused slots included
    h_counters_ = PinnedBuffer<row_index>(num_slots_);
    h_ids_ = PinnedBuffer<row_index>(rows);
    if constexpr (adaptive_) {
      h_check_ = PinnedBuffer<row_index>(check_slots);
      check_event_.emplace(cudaEventDisableTiming);  // ordering only: no timestamps needed
      fork_event_.emplace(cudaEventDisableTiming);
      snap_event_.emplace(cudaEventDisableTiming);
      check_stream_.emplace(Stream::highest_priority());
    }
    SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));  // documented: once, at construction
  }

  static std::size_t resident_weight_bytes(SparseNetwork<Value> const& net) {
    std::size_t weight_bytes = 0;
    for (auto const& l : net.layers) {
      weight_bytes +=
          static_cast<std::size_t>(l.weights.nnz()) * (sizeof(std::int32_t) + sizeof(Value)) +
          static_cast<std::size_t>(l.weights.rows + l.weights.cols + 1) * 8;
    }
    return weight_bytes;
  }

  void check_memory(SparseNetwork<Value> const& net, std::size_t arena_bytes) const {
    check_memory_bytes(resident_weight_bytes(net), arena_bytes);
  }

  /// Device bytes of the arena and the batch buffers.
  [[nodiscard]] std::size_t batch_bytes(std::size_t arena_bytes) const {
    auto const rows = static_cast<std::size_t>(opts_.max_batch);
    return arena_bytes + 2 * rows * static_cast<std::size_t>(ld_) * sizeof(Value) +
           rows * (4 * sizeof(row_index) + 2 + sizeof(row_index) * 2);
  }

  /// min(free device memory, EngineOptions::device_memory_limit when set).
  [[nodiscard]] std::size_t memory_available() const {
    std::size_t free_bytes = 0;
    std::size_t total_bytes = 0;
    SNICIT_CUDA_TRY(cudaMemGetInfo(&free_bytes, &total_bytes));
    return opts_.device_memory_limit > 0 ? std::min(free_bytes, opts_.device_memory_limit)
                                         : free_bytes;
  }

  /// Throws unless the weights still to upload, the arena and the batch buffers fit.
  void check_memory_bytes(std::size_t weight_bytes, std::size_t arena_bytes) const {
    std::size_t const need = batch_bytes(arena_bytes) + weight_bytes;
    std::size_t const avail = memory_available();
    SNICIT_EXPECTS(need <= avail,
                   "the engine needs about " + std::to_string(need >> 20) + " MiB of device " +
                       "memory for max_batch = " + std::to_string(opts_.max_batch) + " but only " +
                       std::to_string(avail >> 20) +
                       (opts_.device_memory_limit > 0 ? " MiB are allowed (free, capped by "
                                                        "EngineOptions::device_memory_limit)"
                                                      : " MiB are free") +
                       "; lower max_batch" +
                       (streamer_ || opts_.weights != WeightResidency::device
                            ? ""
                            : " or stream the weights (EngineOptions::weights)"));
  }

  /// Whether the weights are streamed from host memory (EngineOptions::weights).
  [[nodiscard]] bool stream_weights(SparseNetwork<Value> const& net,
                                    std::size_t arena_bytes) const {
    if (opts_.weights == WeightResidency::device) {
      return false;
    }
    if constexpr (!streamable_) {
      SNICIT_EXPECTS(opts_.weights == WeightResidency::automatic,
                     "EngineOptions::weights = host_streamed needs a spMM backend with a launch on "
                     "the engine's CSR weights (RowGather, RowScatter, RegisterTiled, BlockDense, "
                     "Auto); this policy only runs on its per-layer device state");
      return false;
    } else {
      return opts_.weights == WeightResidency::host_streamed ||
             batch_bytes(arena_bytes) + resident_weight_bytes(net) > memory_available();
    }
  }

  /// Launches layer l (1-based) with its weights: resident (with the backend's layer state) or
  /// streamed (the backend's stateless launch on the slot the layer was copied to).
  void launch_layer(std::int64_t l, SpmmArgs<Value> args, cuda::stream_ref stream) {
    auto const i = static_cast<std::size_t>(l - 1);
    if constexpr (streamable_) {
      if (streamer_) {
        args.weights = streamer_->acquire(i, stream);
        kernels::spmm<Spmm>(args, act_, stream);
        streamer_->release(i, stream);
        return;
      }
    }
    kernels::spmm<Spmm>(args, spmm_states_[i], act_, stream);
  }

  /// Activation buffer `i` as rows of width `cols` (leading dimension ld_).
  struct BufferView : DenseView<Value> {
    [[nodiscard]] DenseView<Value> with_rows(std::int64_t r) const noexcept {
      return {this->data, r, this->cols, this->ld};
    }
  };
  [[nodiscard]] BufferView buffer_view(int i, std::int64_t cols) noexcept {
    BufferView v;
    v.data = act_buf_[static_cast<std::size_t>(i)].data();
    v.rows = opts_.max_batch;
    v.cols = cols;
    v.ld = ld_;
    return v;
  }

  void copy_rows_in(Value const* src,
                    std::int64_t src_ld,
                    std::int64_t b,
                    cudaMemcpyKind kind,
                    cuda::stream_ref stream) {
    SNICIT_CUDA_TRY(cudaMemcpy2DAsync(act_buf_[0].data(),
                                      static_cast<std::size_t>(ld_) * sizeof(Value),
                                      src,
                                      static_cast<std::size_t>(src_ld) * sizeof(Value),
                                      static_cast<std::size_t>(input_size()) * sizeof(Value),
                                      static_cast<std::size_t>(b),
                                      kind,
                                      stream.get()));
  }

  void select(std::uint8_t const* flags,
              std::int64_t n,
              row_index const* ids_in,
              row_index* pos_out,
              row_index* ids_out,
              row_index* d_count,
              cuda::stream_ref stream) {
    kernels::select_rows(
        flags, n, ids_in, pos_out, ids_out, d_count, arena_.data() + off_cub_, cub_bytes_, stream);
  }

  /// Finds the runs of >= 2 consecutive layers the policy may fuse and uploads each as a
  /// kernels::FusedDenseStack (host network constructor only; nothing when not fusable).
  void prepare_fusion(std::vector<SparseLayer<Value>> const& layers, cuda::stream_ref stream) {
    auto const L = static_cast<std::size_t>(num_layers_);
    fused_last_.assign(L + 1, 0);
    fused_stack_of_.assign(L + 1, -1);
    if constexpr (fusable_) {
      if (!opts_.fuse_dense_layers) {
        return;
      }
      auto ok = [&](std::size_t i) {  // 0-based layer index
        return kernels::fused_dense_fits(layers[i]) &&
               kernels::FusedDenseTraits<Spmm>::layer_ok(layers[i]);
      };
      for (std::size_t i = 0; i < L;) {
        std::size_t j = i;
        while (j < L && ok(j)) {
          ++j;
        }
        if (j - i >= 2) {
          fused_stacks_.emplace_back(layers,
                                     static_cast<std::int64_t>(i),
                                     static_cast<std::int64_t>(j - i),
                                     alloc_,
                                     stream);
          for (std::size_t l = i + 1; l <= j; ++l) {
            fused_last_[l] = static_cast<std::int64_t>(j);
            fused_stack_of_[l] = static_cast<std::int64_t>(fused_stacks_.size()) - 1;
          }
        }
        i = j > i ? j : i + 1;
      }
    } else {
      (void)layers;
      (void)stream;
    }
  }

  /// Last layer of the fused launch that starts at layer l and stops at `last_allowed` (l when
  /// layer l runs on its own).
  [[nodiscard]] std::int64_t fused_end(std::int64_t l, std::int64_t last_allowed) const noexcept {
    if constexpr (fusable_) {
      if (observer_ || fused_last_.empty()) {
        return l;
      }
      return std::max(l, std::min(fused_last_[static_cast<std::size_t>(l)], last_allowed));
    } else {
      (void)last_allowed;
      return l;
    }
  }

  /// Queues layers first..last (1-based) as one fused launch; per-layer alive counts go to the
  /// counter slots of layers first..last-1, the last layer's flags to args.alive.
  void launch_fused(SpmmArgs<Value> const& args,
                    std::int64_t first,
                    std::int64_t last,
                    cuda::stream_ref stream) {
    if constexpr (fusable_) {
      auto const& stack =
          fused_stacks_[static_cast<std::size_t>(fused_stack_of_[static_cast<std::size_t>(first)])];
      stack.launch(args, first - 1, last - first + 1, act_, counter(slot_alive(first)), stream);
    } else {
      (void)args;
      (void)first;
      (void)last;
      (void)stream;
      SNICIT_FAIL("launch_fused: the spMM policy does not fuse layers");
    }
  }

  void record_layer_event(std::int64_t l, cuda::stream_ref stream) {
    if (observer_) {
      layer_events_[static_cast<std::size_t>(l)].record(stream);
    }
  }

  /**
   * Rows per round for an input of `rows` rows; rejects (before any work) a SNICIT round larger
   * than max_batch, and splits exact-mode inputs into rounds of at most max_batch rows.
   */
  [[nodiscard]] std::int64_t round_rows(std::int64_t rows) const {
    std::int64_t round = opts_.snicit.batch_size > 0 ? opts_.snicit.batch_size : rows;
    if constexpr (Cluster::converts) {
      SNICIT_EXPECTS(round <= opts_.max_batch,
                     "a round of " + std::to_string(round) + " rows exceeds max_batch " +
                         std::to_string(opts_.max_batch) +
                         "; set SnicitOptions::batch_size (SNICIT results depend on the rounds)");
    } else {
      round = std::min(round, opts_.max_batch);  // exact results do not depend on rounds
    }
    return std::max<std::int64_t>(round, 1);
  }

  /// Splits `rows` into rounds, uploads each with `load(first_row, rows)` and runs it.
  template <class Load>
  RunResult<Value> run_rounds(std::int64_t rows, cuda::stream_ref stream, Load&& load) {
    RunResult<Value> result;
    result.activations.cols = output_size();
    if (rows == 0) {
      return result;
    }
    std::int64_t const round = round_rows(rows);
    std::int64_t index = 0;
    adaptive_reuse_t_ = -1;  // cluster::Adaptive: round 0 of this run decides
    for (std::int64_t r0 = 0; r0 < rows; r0 += round, ++index) {
      std::int64_t const b = std::min(round, rows - r0);
      load(r0, b);
      RoundPlan const plan = enqueue_round(b, stream, false);
      read_back(plan, r0, b, index, stream, result);
    }
    return result;
  }

  /// The cached executable graph of the post-convergence layers (EngineOptions::post_graph).
  struct PostGraph {
    cudaGraphExec_t exec = nullptr;
    std::int64_t post_bound = -1;  ///< the shape it was captured for
    std::int64_t live = -1;
    int p_buf = -1;
    std::int64_t t = -1;  ///< threshold layer (cluster::Adaptive chooses it per round)

    PostGraph() = default;
    PostGraph(PostGraph const&) = delete;
    PostGraph& operator=(PostGraph const&) = delete;
    PostGraph(PostGraph&& o) noexcept
        : exec(std::exchange(o.exec, nullptr)),
          post_bound(o.post_bound),
          live(o.live),
          p_buf(o.p_buf),
          t(o.t) {}
    PostGraph& operator=(PostGraph&& o) noexcept {
      if (this != &o) {
        reset();
        exec = std::exchange(o.exec, nullptr);
        post_bound = o.post_bound;
        live = o.live;
        p_buf = o.p_buf;
        t = o.t;
      }
      return *this;
    }
    ~PostGraph() {
      reset();
    }
    void reset() noexcept {
      if (exec != nullptr) {
        SNICIT_CUDA_TRY_NO_THROW(cudaGraphExecDestroy(exec));
        exec = nullptr;
      }
    }
    [[nodiscard]] bool matches(std::int64_t bound,
                               std::int64_t a,
                               int buf,
                               std::int64_t threshold) const noexcept {
      return exec != nullptr && post_bound == bound && live == a && p_buf == buf && t == threshold;
    }
  };

  /**
   * Queues the post-convergence layers T+1..L: directly, or (run, EngineOptions::post_graph, no
   * observer) as a cached CUDA graph captured from the same launches. Every launch reads engine
   * buffers and device counters, so the graph depends only on (post_bound, a, p_buf, t).
   */
  template <class EnqueueLayers>
  void enqueue_post(bool use_graph,
                    std::int64_t post_bound,
                    std::int64_t a,
                    int p_buf,
                    std::int64_t t,
                    cuda::stream_ref stream,
                    EnqueueLayers&& enqueue_layers) {
    if (!use_graph) {
      enqueue_layers();
      return;
    }
    if (!post_graph_.matches(post_bound, a, p_buf, t)) {
      // Relaxed: backends may make non-stream calls such as cudaFuncSetAttribute while captured.
      SNICIT_CUDA_TRY(cudaStreamBeginCapture(stream.get(), cudaStreamCaptureModeRelaxed));
      cudaGraph_t graph = nullptr;
      try {
        enqueue_layers();
      } catch (...) {
        (void)cudaStreamEndCapture(stream.get(), &graph);
        if (graph != nullptr) {
          (void)cudaGraphDestroy(graph);
        }
        (void)cudaGetLastError();
        throw;
      }
      SNICIT_CUDA_TRY(cudaStreamEndCapture(stream.get(), &graph));
      bool updated = false;
      if (post_graph_.exec != nullptr) {
        cudaGraphExecUpdateResultInfo info{};
        updated = cudaGraphExecUpdate(post_graph_.exec, graph, &info) == cudaSuccess;
        (void)cudaGetLastError();
      }
      if (!updated) {
        post_graph_.reset();
        cudaError_t const err = cudaGraphInstantiate(&post_graph_.exec, graph, 0);
        (void)cudaGraphDestroy(graph);
        SNICIT_CUDA_TRY(err);
      } else {
        SNICIT_CUDA_TRY(cudaGraphDestroy(graph));
      }
      post_graph_.post_bound = post_bound;
      post_graph_.live = a;
      post_graph_.p_buf = p_buf;
      post_graph_.t = t;
    }
    SNICIT_CUDA_TRY(cudaGraphLaunch(post_graph_.exec, stream.get()));
  }

  /// Where a queued round left its result, and the counts read on the host (run only).
  struct RoundPlan {
    int final_buf = 0;                           ///< activation buffer holding the final rows
    row_index const* final_rows = nullptr;       ///< their positions in it (null = identity)
    row_index const* final_ids = nullptr;        ///< their round-local ids
    std::size_t final_slot = 0;                  ///< counter slot of their number
    std::int64_t final_bound = 0;                ///< host upper bound of that number
    std::int64_t live_at_conversion = 0;         ///< A (host copy; 0 when not read)
    std::int64_t centroids = 0;                  ///< k (host copy; 0 when not read)
    std::int64_t nonempty_after_conversion = 0;  ///< (host copy; 0 when not read)
    std::int64_t threshold = 0;                  ///< t of this round (L in exact mode)
    std::vector<ThresholdCheck> checks;          ///< cluster::Adaptive: the round's checks
  };

  /**
   * Queues one round on the rows already in act_buf_[0]: the whole algorithm, up to the final
   * live list. `async` (run_async): no timing events, no observer events, and the counts after
   * the conversion are read on the host only when bound_refresh_interval > 0; otherwise every
   * grid is sized by the host bound of the pre phase and the kernels read the device counts.
   */
  RoundPlan enqueue_round(std::int64_t b, cuda::stream_ref stream, bool async) {
    auto const& so = opts_.snicit;
    std::int64_t const L = num_layers_;
    std::int64_t T = Cluster::converts ? so.threshold_layer : L;
    bool const timed = !async;
    // cluster::Adaptive: T starts at the last check layer and drops to the check layer that
    // converts; a fused run of layers never crosses a check layer. Later rounds of a run reuse
    // round 0's t (no detector) unless AdaptiveOptions::every_round.
    std::optional<ThresholdDetector> detector;
    std::vector<ThresholdCheck> checks;
    PendingCheck pending;  // a queued check whose counts the host has not read (layer 0: none)
    if constexpr (adaptive_) {
      if (adaptive_reuse_t_ >= 0 && !so.adaptive.every_round) {
        T = adaptive_reuse_t_;
      } else {
        detector.emplace(so.adaptive, L, fused_last_);
        T = detector->last_check();
      }
    }
    auto const fuse_limit = [&](std::int64_t l) {
      if constexpr (adaptive_) {
        for (std::int64_t m = l; detector && m < T; ++m) {
          if (detector->is_check_layer(m)) {
            return m;
          }
        }
      }
      (void)l;
      return T;
    };
    SNICIT_CUDA_TRY(
        cudaMemsetAsync(counters_.data(), 0, num_slots_ * sizeof(row_index), stream.get()));
    if (streamer_) {
      streamer_->begin(stream);  // queue the copies of layers 1 and 2
    }
    if (timed) {
      phase_events_[0].record(stream);
    }

    // Live list: gather (positions in act_buf_[cur], null = identity), ids, device count.
    int cur = 0;
    int ids_buf = 0;
    kernels::iota_rows(ids_[0].data(), b, counter(slot_alive(0)), stream);
    row_index const* gather = nullptr;
    std::size_t live_slot = slot_alive(0);
    std::int64_t bound = b;
    if (droppable_[0]) {
      kernels::flag_nonzero_rows<Value>(
          buffer_view(0, input_size()).as_const(), nullptr, nullptr, b, flags_.data(), stream);
      select(flags_.data(),
             b,
             ids_[0].data(),
             pos_[0].data(),
             ids_[1].data(),
             counter(slot_alive(0)),
             stream);
      gather = pos_[0].data();
      ids_buf = 1;
    }

    // Pre-convergence layers 1..T: fused bias + activation + alive flag, then compaction.
    // A run of narrow dense layers l..e (EngineOptions::fuse_dense_layers) is one fused launch
    // with no compaction inside; its per-layer alive counts come from the kernel.
    std::int64_t next_refresh = opts_.bound_refresh_interval;
    for (std::int64_t l = 1; l <= T; ++l) {
      std::int64_t const l_first = l;
      auto const& layer = layers_[static_cast<std::size_t>(l - 1)];
      SpmmArgs<Value> args;
      args.weights = layer.view;
      args.bias = layer.bias.data();
      args.in = buffer_view(cur, widths_[static_cast<std::size_t>(l - 1)]).as_const();
      args.in_rows = gather;
      args.d_num_rows = counter(live_slot);
      args.num_rows_bound = bound;
      args.alive = flags_.data();
      std::int64_t const e = fused_end(l, fuse_limit(l));
      if (e > l) {
        join_check(stream);  // a fused run may write both activation buffers
        args.out = buffer_view(cur ^ 1, widths_[static_cast<std::size_t>(e)]);
        launch_fused(args, l, e, stream);
        l = e;
      } else {
        args.out = buffer_view(cur ^ 1, widths_[static_cast<std::size_t>(l)]);
        launch_layer(l, args, stream);
      }
      // cluster::Adaptive: the snapshot of a check queued after the previous layer ran beside
      // this layer's spMM (which only reads what it reads); the compaction below overwrites the
      // live positions it reads, and the next layer its activations. The rest of the check
      // reads only the snapshot and runs on.
      join_check(stream);
      cur ^= 1;
      if (droppable_[static_cast<std::size_t>(l)]) {
        select(flags_.data(),
               bound,
               ids_[ids_buf].data(),
               pos_[0].data(),
               ids_[ids_buf ^ 1].data(),
               counter(slot_alive(l)),
               stream);
        ids_buf ^= 1;
        gather = pos_[0].data();
        live_slot = slot_alive(l);
        if (opts_.bound_refresh_interval > 0 && l >= next_refresh && l < T) {
          // Documented synchronisation: read the live count to shrink later grids.
          bound = read_count(live_slot, stream);
          next_refresh = (l / opts_.bound_refresh_interval + 1) * opts_.bound_refresh_interval;
        }
      } else {
        // Zero rows do not stay zero (act(bias) != 0 later): keep every row, count the alive.
        select(
            flags_.data(), bound, nullptr, pos_[1].data(), nullptr, counter(slot_alive(l)), stream);
        gather = nullptr;
      }
      if constexpr (adaptive_) {
        // One check late: the previous check's counts (queued with an event, the layers since
        // then still run) decide; then convert here or queue this layer's check.
        if (detector && detector->is_check_layer(l)) {
          if (pending.layer > 0) {
            ThresholdCheck c = read_check(pending);
            if (droppable_[static_cast<std::size_t>(c.layer)]) {
              bound = std::min(bound, c.live);  // rows only die from there on
            }
            detector->observe(c);
            checks.push_back(c);
            pending = PendingCheck{};
          }
          if (detector->converts_at(l)) {
            T = l;
          } else {
            pending = queue_check(l, cur, gather, live_slot, stream);
          }
        }
      }
      if (timed) {
        for (std::int64_t f = l_first; f <= l; ++f) {
          record_layer_event(f, stream);
        }
      }
    }
    join_check(stream);  // no snapshot is left in flight: a check layer is never the last
    if (timed) {
      phase_events_[1].record(stream);
    }

    RoundPlan plan;
    plan.final_buf = cur;
    plan.final_rows = gather;
    plan.final_ids = ids_[ids_buf].data();
    plan.final_slot = live_slot;
    plan.final_bound = bound;
    plan.threshold = T;
    plan.checks = std::move(checks);
    if constexpr (adaptive_) {
      if (detector) {
        adaptive_reuse_t_ = T;
      }
    }

    if constexpr (Cluster::converts) {
      std::int64_t const nt = widths_[static_cast<std::size_t>(T)];
      auto const y = buffer_view(cur, nt).as_const();
      auto const yhat = buffer_view(cur ^ 1, nt);
      auto* cents = centroids_of(conv_scratch_);
      pick_centroids(y, gather, counter(live_slot), samples_, conv_scratch_, stream);
      kernels::convert_to_residues<Cluster::block_threads, Value>(y,
                                                                  gather,
                                                                  counter(live_slot),
                                                                  bound,
                                                                  cents,
                                                                  counter(slot_centroids()),
                                                                  so.tau_conv,
                                                                  yhat,
                                                                  centroid_of_.data(),
                                                                  nonempty_.data(),
                                                                  stream);
      select(nonempty_.data(),
             bound,
             nullptr,
             list_.data(),
             nullptr,
             counter(slot_nonempty0()),
             stream);
      kernels::copy_count(counter(slot_nonempty0()), counter(slot_list()), stream);
      if (timed) {
        phase_events_[2].record(stream);
      }
      // Bounds of the post phase and the recovery: the live count A (recovery, list rebuilds)
      // and the non-empty count (post grids; the list only shrinks). Without a host read they
      // stay at the pre-phase bound: the kernels read the device counts and blocks past them
      // exit early (flags past the counts are zero, see convert_to_residues).
      std::int64_t a = bound;
      std::int64_t post_bound = bound;
      if (!async || opts_.bound_refresh_interval > 0) {
        // Documented synchronisation: A, k and the non-empty count size the post-phase grids.
        SNICIT_CUDA_TRY(cudaMemcpyAsync(h_counters_.data(),
                                        counters_.data(),
                                        num_slots_ * sizeof(row_index),
                                        cudaMemcpyDeviceToHost,
                                        stream.get()));
        SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
        a = h_counters_[live_slot];
        post_bound = h_counters_[slot_nonempty0()];
        plan.live_at_conversion = a;
        plan.centroids = h_counters_[slot_centroids()];
        plan.nonempty_after_conversion = post_bound;
      }

      int const p_buf = cur ^ 1;  // Yhat lives here for the whole post phase
      int const s_buf = cur;      // S = Yhat * W
#if defined(SNICIT_DEBUG_SYNC)
      bool const use_graph = false;  // its per-launch cudaDeviceSynchronize cannot be captured
#else
      bool const use_graph = timed && opts_.post_graph && !observer_ && !streamer_;
#endif
      enqueue_post(use_graph, post_bound, a, p_buf, T, stream, [&] {
        for (std::int64_t l = T + 1; l <= L; ++l) {
          auto const& layer = layers_[static_cast<std::size_t>(l - 1)];
          std::int64_t const n_in = widths_[static_cast<std::size_t>(l - 1)];
          std::int64_t const n_out = widths_[static_cast<std::size_t>(l)];
          SpmmArgs<Value> args;
          args.weights = layer.view;
          args.bias = nullptr;
          args.in = buffer_view(p_buf, n_in).as_const();
          args.in_rows = list_.data();
          args.out = buffer_view(s_buf, n_out);
          args.out_rows = list_.data();
          args.d_num_rows = counter(slot_list());
          args.num_rows_bound = post_bound;
          args.alive = nullptr;
          launch_layer(l, args, stream);
          kernels::post_update<Cluster::block_threads, Value, Activation>(
              buffer_view(s_buf, n_out).as_const(),
              buffer_view(p_buf, n_out),
              layer.bias.data(),
              list_.data(),
              counter(slot_list()),
              post_bound,
              centroid_of_.data(),
              so.tau_post,
              act_,
              nonempty_.data(),
              counter(slot_post(l)),
              stream);
          std::int64_t const p = l - T;
          if (p % so.rebuild_interval == 0 && l < L) {
            // Non-empty index rebuild on the device (no host loop, no synchronisation).
            select(
                nonempty_.data(), a, nullptr, list_.data(), nullptr, counter(slot_list()), stream);
          }
          if (timed) {
            record_layer_event(l, stream);
          }
        }
      });
      if (timed) {
        phase_events_[3].record(stream);
      }
      auto const out = buffer_view(p_buf, output_size());
      kernels::recover_rows<Cluster::block_threads, Value>(
          out, centroid_of_.data(), nonempty_.data(), counter(live_slot), a, stream);
      kernels::flag_nonzero_rows<Value>(
          out.as_const(), nullptr, counter(live_slot), a, flags_.data(), stream);
      select(flags_.data(),
             a,
             ids_[ids_buf].data(),
             pos_[0].data(),
             ids_[ids_buf ^ 1].data(),
             counter(slot_final()),
             stream);
      plan.final_buf = p_buf;
      plan.final_rows = pos_[0].data();
      plan.final_ids = ids_[ids_buf ^ 1].data();
      plan.final_slot = slot_final();
      plan.final_bound = a;
      if (timed) {
        phase_events_[4].record(stream);
      }
    } else if (timed) {
      phase_events_[2].record(stream);
      phase_events_[3].record(stream);
      phase_events_[4].record(stream);
    }
    return plan;
  }

  /// Where a centroid choice keeps its samples, positions, centroids and counts.
  struct CentroidScratch {
    std::size_t off_f = 0;           ///< samples (x dim values)
    std::size_t off_pos = 0;         ///< their live positions
    std::size_t off_centroids = 0;   ///< the centroids' live positions
    std::size_t off_keep = 0;        ///< prune flags
    std::size_t slot_samples = 0;    ///< counter: s'
    std::size_t slot_centroids = 0;  ///< counter: k
  };
  static CentroidScratch add_centroid_scratch(detail::ArenaLayout& arena,
                                              std::int64_t samples,
                                              std::int64_t dim,
                                              std::size_t slot_samples,
                                              std::size_t slot_centroids) {
    CentroidScratch c;
    c.off_f = arena.add(static_cast<std::size_t>(samples * dim) * sizeof(Value));
    c.off_pos = arena.add(static_cast<std::size_t>(samples) * sizeof(row_index));
    c.off_centroids = arena.add(static_cast<std::size_t>(samples) * sizeof(row_index));
    c.off_keep = arena.add(static_cast<std::size_t>(samples));
    c.slot_samples = slot_samples;
    c.slot_centroids = slot_centroids;
    return c;
  }
  [[nodiscard]] row_index* centroids_of(CentroidScratch const& c) noexcept {
    return reinterpret_cast<row_index*>(arena_.data() + c.off_centroids);
  }

  /**
   * The conversion's centroid choice on the live rows `y` (through `gather`, count A in
   * `d_live`): `samples` rows sampled and downsampled (kernels::sample_rows), then pruned
   * (kernels::prune_samples), in scratch `c`: the centroids' positions go to its centroid list,
   * their number to its slot_centroids. Used by the conversion (conv_scratch_) and by
   * cluster::Adaptive's checks (check_scratch_, with their own candidate count).
   */
  void pick_centroids(DenseView<Value const> y,
                      row_index const* gather,
                      row_index const* d_live,
                      std::int64_t samples,
                      CentroidScratch const& c,
                      cuda::stream_ref stream) {
    auto const& so = opts_.snicit;
    std::int64_t const dim = so.downsample > 0 ? so.downsample : y.cols;
    DenseView<Value> f{reinterpret_cast<Value*>(arena_.data() + c.off_f), samples, dim, dim};
    auto* sample_pos = reinterpret_cast<row_index*>(arena_.data() + c.off_pos);
    auto* keep = reinterpret_cast<std::uint8_t*>(arena_.data() + c.off_keep);
    kernels::sample_rows<Value>(y,
                                gather,
                                d_live,
                                samples,
                                so.sampling,
                                so.downsample,
                                f,
                                sample_pos,
                                counter(c.slot_samples),
                                stream);
    kernels::prune_samples<Cluster::prune_threads, Value>(f.as_const(),
                                                          counter(c.slot_samples),
                                                          so.eps,
                                                          so.eta,
                                                          keep,
                                                          sample_pos,
                                                          centroids_of(c),
                                                          counter(c.slot_centroids),
                                                          stream);
  }

  /// cluster::Adaptive: a check queued at `layer` whose counts are read later.
  struct PendingCheck {
    std::int64_t layer = 0;  ///< its layer; 0 = no check queued
  };

  /**
   * cluster::Adaptive: queues one detector check on the live rows after layer l (the GPU side of
   * reference::threshold_check) on the high-priority check stream, forked after layer l:
   * a snapshot of the rows it reads (kernels::snapshot_check_rows; the layer stream waits for
   * that much only, before the next compaction, see join_check), then on the snapshot the
   * conversion's sampling and pruning with det_samples_ candidates, the probe residues, an
   * asynchronous copy of the check's counters into pinned memory and an event. The rest of the
   * check runs beside the next layers; read_check() reads it at the next check layer.
   */
  PendingCheck queue_check(std::int64_t l,
                           int cur,
                           row_index const* gather,
                           std::size_t live_slot,
                           cuda::stream_ref layer_stream) {
    auto const& so = opts_.snicit;
    std::int64_t const n = widths_[static_cast<std::size_t>(l)];
    fork_event_->record(layer_stream);
    SNICIT_CUDA_TRY(cudaStreamWaitEvent(check_stream_->get(), fork_event_->get(), 0));
    cuda::stream_ref const stream = *check_stream_;
    DenseView<Value> snap{
        reinterpret_cast<Value*>(arena_.data() + off_snap_), det_samples_ + det_probes_, n, ld_};
    auto* map = reinterpret_cast<row_index*>(arena_.data() + off_snap_map_);
    row_index* d_live = counter(slot_check(check_live));
    kernels::snapshot_check_rows<Value>(buffer_view(cur, n).as_const(),
                                        gather,
                                        counter(live_slot),
                                        det_samples_,
                                        so.sampling,
                                        det_probes_,
                                        snap,
                                        map,
                                        d_live,
                                        stream);
    snap_event_->record(stream);
    check_in_flight_ = true;
    pick_centroids(snap.as_const(), map, d_live, det_samples_, check_scratch_, stream);
    kernels::probe_residues<Cluster::probe_warps, Value>(snap.as_const(),
                                                         map,
                                                         d_live,
                                                         so.adaptive.probes,
                                                         centroids_of(check_scratch_),
                                                         counter(slot_check(check_centroids)),
                                                         so.tau_conv,
                                                         counter(slot_check(check_probe)),
                                                         counter(slot_check(check_excluded)),
                                                         stream);
    SNICIT_CUDA_TRY(cudaMemcpyAsync(h_check_.data(),
                                    counter(slot_check(0)),
                                    check_slots * sizeof(row_index),
                                    cudaMemcpyDeviceToHost,
                                    stream.get()));
    check_event_->record(stream);
    return {l};
  }

  /// cluster::Adaptive: the layer stream waits for the queued check's snapshot (no host wait).
  void join_check(cuda::stream_ref layer_stream) {
    if constexpr (adaptive_) {
      if (check_in_flight_) {
        SNICIT_CUDA_TRY(cudaStreamWaitEvent(layer_stream.get(), snap_event_->get(), 0));
        check_in_flight_ = false;
      }
    } else {
      (void)layer_stream;
    }
  }

  /// Documented synchronisation: waits for the queued check's event (not for the stream: the
  /// layers queued after the check keep running) and returns its counts.
  ThresholdCheck read_check(PendingCheck const& p) {
    SNICIT_CUDA_TRY(cudaEventSynchronize(check_event_->get()));
    auto const& so = opts_.snicit;
    ThresholdCheck c;
    c.layer = p.layer;
    c.live = h_check_[check_live];
    c.centroids = c.live > 0 ? h_check_[check_centroids] : 0;
    c.probes = c.live > 0
                   ? std::min<std::int64_t>(so.adaptive.probes, c.live) - h_check_[check_excluded]
                   : 0;
    c.nonempty_probes = c.live > 0 ? h_check_[check_probe] : 0;
    return c;
  }

  /// Documented synchronisation: copies one counter to the host and waits for it.
  std::int64_t read_count(std::size_t slot, cuda::stream_ref stream) {
    SNICIT_CUDA_TRY(cudaMemcpyAsync(h_counters_.data() + slot,
                                    counter(slot),
                                    sizeof(row_index),
                                    cudaMemcpyDeviceToHost,
                                    stream.get()));
    SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
    return h_counters_[slot];
  }

  /// run: copies the queued round's counters, ids and activations back and appends its stats.
  void read_back(RoundPlan const& plan,
                 std::int64_t first_row,
                 std::int64_t b,
                 std::int64_t round_index,
                 cuda::stream_ref stream,
                 RunResult<Value>& result) {
    std::int64_t const L = num_layers_;
    std::int64_t const T = Cluster::converts ? plan.threshold : L;
    int const final_buf = plan.final_buf;
    std::size_t const final_slot = plan.final_slot;
    std::int64_t const final_bound = plan.final_bound;
    std::int64_t const live_at_conversion = plan.live_at_conversion;
    std::int64_t const centroids = plan.centroids;
    std::int64_t const nonempty0 = plan.nonempty_after_conversion;

    // Read-back: gather the final rows (bound-sized grid, device count), then copy counters and
    // ids; one synchronisation, plus one for the activations of the now-known row count.
    bool const want_act = opts_.return_activations;
    if (want_act) {
      kernels::gather_rows<Value>(buffer_view(final_buf, output_size()).as_const(),
                                  plan.final_rows,
                                  counter(final_slot),
                                  final_bound,
                                  buffer_view(final_buf ^ 1, output_size()),
                                  stream);
    }
    SNICIT_CUDA_TRY(cudaMemcpyAsync(h_counters_.data(),
                                    counters_.data(),
                                    num_slots_ * sizeof(row_index),
                                    cudaMemcpyDeviceToHost,
                                    stream.get()));
    if (final_bound > 0) {
      SNICIT_CUDA_TRY(cudaMemcpyAsync(h_ids_.data(),
                                      plan.final_ids,
                                      static_cast<std::size_t>(final_bound) * sizeof(row_index),
                                      cudaMemcpyDeviceToHost,
                                      stream.get()));
    }
    SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
    std::int64_t const n_final = final_bound > 0 ? h_counters_[final_slot] : 0;
    for (std::int64_t i = 0; i < n_final; ++i) {
      result.categories.push_back(first_row + h_ids_[static_cast<std::size_t>(i)]);
    }
    if (want_act && n_final > 0) {
      auto& m = result.activations;
      std::int64_t const old_rows = m.rows;
      m.rows += n_final;
      m.data.resize(static_cast<std::size_t>(m.rows * m.cols));
      SNICIT_CUDA_TRY(cudaMemcpy2DAsync(m.data.data() + old_rows * m.cols,
                                        static_cast<std::size_t>(m.cols) * sizeof(Value),
                                        act_buf_[static_cast<std::size_t>(final_buf ^ 1)].data(),
                                        static_cast<std::size_t>(ld_) * sizeof(Value),
                                        static_cast<std::size_t>(m.cols) * sizeof(Value),
                                        static_cast<std::size_t>(n_final),
                                        cudaMemcpyDeviceToHost,
                                        stream.get()));
      SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
    }

    RoundStats rs;
    rs.first_row = first_row;
    rs.rows = b;
    rs.live_inputs = h_counters_[slot_alive(0)];
    for (std::int64_t l = 1; l <= T; ++l) {
      rs.alive_per_pre_layer.push_back(h_counters_[slot_alive(l)]);
    }
    rs.threshold_layer = T;
    rs.threshold_checks = plan.checks;
    rs.live_at_conversion = live_at_conversion;
    rs.centroids = centroids;
    rs.nonempty_after_conversion = nonempty0;
    if constexpr (Cluster::converts) {
      for (std::int64_t l = T + 1; l <= L; ++l) {
        rs.nonempty_per_post_layer.push_back(h_counters_[slot_post(l)]);
      }
    }
    rs.final_rows = n_final;
    rs.ms.pre_ms = phase_events_[1].ms_since(phase_events_[0]);
    rs.ms.conversion_ms = phase_events_[2].ms_since(phase_events_[1]);
    rs.ms.post_ms = phase_events_[3].ms_since(phase_events_[2]);
    rs.ms.recovery_ms = phase_events_[4].ms_since(phase_events_[3]);
    result.stats.ms += rs.ms;
    if (observer_) {
      report(rs, round_index, T);
    }
    result.stats.rounds.push_back(std::move(rs));
  }

  void report(RoundStats const& rs, std::int64_t round_index, std::int64_t t) const {
    std::int64_t const L = num_layers_;
    auto layer_ms = [&](std::int64_t l) {
      detail::EventHandle const& start =
          l == 1 ? phase_events_[0]
                 : (l == t + 1 ? phase_events_[2] : layer_events_[static_cast<std::size_t>(l - 1)]);
      return layer_events_[static_cast<std::size_t>(l)].ms_since(start);
    };
    for (std::int64_t l = 1; l <= t; ++l) {
      observer_(LayerReport{round_index,
                            l,
                            Phase::pre_convergence,
                            rs.alive_per_pre_layer[static_cast<std::size_t>(l - 1)],
                            0,
                            rs.alive_per_pre_layer[static_cast<std::size_t>(l - 1)],
                            layer_ms(l)});
    }
    if constexpr (Cluster::converts) {
      observer_(LayerReport{round_index,
                            0,
                            Phase::conversion,
                            rs.live_at_conversion,
                            rs.centroids,
                            rs.nonempty_after_conversion,
                            rs.ms.conversion_ms});
      for (std::int64_t l = t + 1; l <= L; ++l) {
        observer_(LayerReport{round_index,
                              l,
                              Phase::post_convergence,
                              rs.live_at_conversion,
                              rs.centroids,
                              rs.nonempty_per_post_layer[static_cast<std::size_t>(l - t - 1)],
                              layer_ms(l)});
      }
      observer_(LayerReport{round_index,
                            0,
                            Phase::recovery,
                            rs.live_at_conversion,
                            rs.centroids,
                            rs.final_rows,
                            rs.ms.recovery_ms});
    }
  }

  EngineOptions opts_;
  Activation act_;
  Allocator alloc_;
  std::int64_t num_layers_ = 0;
  std::vector<std::int64_t> widths_;  ///< N_0 .. N_L
  std::int64_t ld_ = 0;               ///< max width: leading dimension of every activation row
  std::vector<bool> droppable_;       ///< [l]: zero rows after layer l stay zero
  std::vector<detail::DeviceLayer<Value, Allocator>> layers_;
  /// Per-layer state of the spMM backend (NoLayerState entries for stateless backends).
  std::vector<kernels::spmm_layer_state_t<Spmm, Value, Allocator>> spmm_states_;
  /// Scratch the spMM backend shares across layers (see kernels::SpmmBackend); may be empty.
  std::shared_ptr<void> spmm_shared_;
  /// Streamed weights (EngineOptions::weights); null when resident.
  std::unique_ptr<detail::WeightStreamer<Value, Allocator>> streamer_;
  /// The backend has a stateless launch on the CSR weights, so they can be streamed.
  static constexpr bool streamable_ =
      requires(SpmmArgs<Value> const& a, Activation const& f, cuda::stream_ref s) {
    kernels::SpmmBackend<Spmm>::launch(a, f, s);
  };
  DeviceBuffer<Value, Allocator> act_buf_[2];       ///< ping-pong activations, max_batch x ld_
  DeviceBuffer<row_index, Allocator> ids_[2];       ///< row ids of the live list (ping-pong)
  DeviceBuffer<row_index, Allocator> pos_[2];       ///< gather positions of the live list / scratch
  DeviceBuffer<std::uint8_t, Allocator> flags_;     ///< alive / non-zero flags
  DeviceBuffer<row_index, Allocator> centroid_of_;  ///< M: live position of the centroid, -1
  DeviceBuffer<std::uint8_t, Allocator> nonempty_;  ///< ne_rec
  DeviceBuffer<row_index, Allocator> list_;         ///< ne_idx
  DeviceBuffer<std::byte, Allocator> arena_;        ///< CUB scratch + samples + centroids
  DeviceBuffer<row_index, Allocator> counters_;     ///< device counters (slots above)
  DeviceBuffer<std::int64_t, Allocator> in_offsets_;  ///< grow-only sparse input staging
  DeviceBuffer<std::int32_t, Allocator> in_cols_;
  DeviceBuffer<Value, Allocator> in_vals_;
  PinnedBuffer<row_index> h_counters_;
  PinnedBuffer<row_index> h_ids_;
  PinnedBuffer<row_index> h_check_;                 ///< cluster::Adaptive: a check's counters
  std::optional<detail::EventHandle> check_event_;  ///< cluster::Adaptive: its copy is done
  std::optional<detail::EventHandle> fork_event_;   ///< cluster::Adaptive: layer l is done
  std::optional<detail::EventHandle> snap_event_;   ///< cluster::Adaptive: the snapshot is done
  std::optional<Stream> check_stream_;              ///< cluster::Adaptive: runs the checks
  bool check_in_flight_ = false;        ///< cluster::Adaptive: the layer stream has not joined it
  std::int64_t adaptive_reuse_t_ = -1;  ///< cluster::Adaptive: round 0's t within a run
  std::size_t num_slots_ = 0;
  std::size_t off_cub_ = 0;
  std::size_t cub_bytes_ = 0;
  CentroidScratch conv_scratch_;   ///< the conversion's centroid choice
  CentroidScratch check_scratch_;  ///< cluster::Adaptive: a check's centroid choice
  std::size_t off_snap_ = 0;       ///< cluster::Adaptive: snapshot rows of a check
  std::size_t off_snap_map_ = 0;   ///< cluster::Adaptive: live entry -> snapshot row
  std::int64_t det_probes_ = 0;    ///< cluster::Adaptive: min(probes, max_batch)
  std::int64_t samples_ = 1;
  std::int64_t sample_dim_ = 1;
  std::int64_t det_samples_ = 0;  ///< cluster::Adaptive: centroid candidates of a check
  static constexpr bool adaptive_ = cluster::is_adaptive_v<Cluster>;
  detail::EventHandle phase_events_[5];
  std::vector<detail::EventHandle> layer_events_;
  Observer observer_;
  PostGraph post_graph_;  ///< cached post-phase graph (EngineOptions::post_graph)

  // Fused runs of narrow dense layers (EngineOptions::fuse_dense_layers).
  static constexpr bool fusable_ =
      kernels::FusedDenseTraits<Spmm>::enabled && std::is_same_v<Value, float>;
  using fused_stack_type =
      kernels::FusedDenseStack<kernels::FusedDenseTraits<Spmm>::precision, Activation, Allocator>;
  std::vector<fused_stack_type> fused_stacks_;
  /// For layer l (1-based): the last layer of its fusable run, 0 when l is not in one.
  std::vector<std::int64_t> fused_last_;
  /// For layer l: index of its run in fused_stacks_ (-1 when none).
  std::vector<std::int64_t> fused_stack_of_;
};

SNICIT_NAMESPACE_END
