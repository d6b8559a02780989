// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm.cuh
 * @brief The sparse layer product building block, `snicit::kernels::spmm<Policy>`, and its
 * customisation point `snicit::kernels::SpmmBackend<Policy>`.
 *
 * @par A new backend
 * Define a policy type (see policy/spmm.hpp) and specialise
 * `snicit::kernels::SpmmBackend<MyPolicy>` with
 * `template <class Value, class Act> static void launch(SpmmArgs<Value> const&, Act, cuda::stream_ref)`
 * computing exactly what SpmmArgs documents; the Engine then accepts `MyPolicy`.
 *
 * @par Backends with per-layer state
 * A backend that prepares each layer once at engine construction (a permuted block layout,
 * library descriptors, compiled kernels, dense copies of the weights, scratch sized for the
 * batch) additionally declares
 * @code
 * template <class Value, class Allocator> struct layer_state;   // owning, movable
 * template <class Value, class Allocator>
 * static layer_state<Value, Allocator> prepare(SparseLayer<Value> const& layer,
 *                                              std::int64_t max_rows, Allocator const& alloc,
 *                                              cuda::stream_ref stream);
 * template <class Value, class Allocator, class Act>
 * static void launch(SpmmArgs<Value> const& args, layer_state<Value, Allocator> const& state,
 *                    Act const& act, cuda::stream_ref stream);
 * @endcode
 * `prepare` may allocate and synchronise (it runs in the Engine constructor); `launch` must only
 * queue work on `stream` (no allocation, no synchronisation, capture-safe). `args.weights` still
 * holds the engine's CSR upload in `Policy::weight_layout`, so a backend may fall back to it.
 *
 * `prepare` may take a fifth parameter, `std::shared_ptr<void>& shared`: one slot per Engine,
 * the same for every layer, for scratch that all layers can share because an engine runs its
 * layers one after another on one stream (e.g. cuSPARSE's gathered input and product buffers,
 * which would otherwise cost max_rows x (N_in + N_out) values per layer).
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/spmm.cuh>
#include <snicit/error.hpp>
#include <snicit/network.hpp>
#include <snicit/policy/concepts.hpp>
#include <snicit/policy/spmm.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

/// The launch behind a spMM policy; specialise it for new policies (primary template undefined).
template <class Policy>
struct SpmmBackend;

/// RowGather: `ceil(bound / RowsPerBlock)` blocks of BlockThreads threads.
template <int BlockThreads, int RowsPerBlock>
struct SpmmBackend<spmm::RowGather<BlockThreads, RowsPerBlock>> {
  using policy = spmm::RowGather<BlockThreads, RowsPerBlock>;

  template <class Value, class Act>
  static void launch(SpmmArgs<Value> const& args, Act const& act, cuda::stream_ref stream) {
    if (args.num_rows_bound == 0) {
      return;
    }
    auto const grid =
        static_cast<unsigned>((args.num_rows_bound + RowsPerBlock - 1) / RowsPerBlock);
    std::size_t const staged = static_cast<std::size_t>(RowsPerBlock) *
                               static_cast<std::size_t>(args.in.cols) * sizeof(Value);
    if (staged <= policy::max_shared_bytes) {
      detail::row_gather_kernel<BlockThreads, RowsPerBlock, true, Value, Act>
          <<<grid, BlockThreads, staged, stream.get()>>>(args, act);
    } else {
      detail::row_gather_kernel<BlockThreads, RowsPerBlock, false, Value, Act>
          <<<grid, BlockThreads, 0, stream.get()>>>(args, act);
    }
    SNICIT_CHECK_LAUNCH();
  }
};

/// True when SpmmBackend<Policy> is specialised (complete).
template <class Policy, class = void>
inline constexpr bool has_spmm_backend_v = false;
template <class Policy>
inline constexpr bool
    has_spmm_backend_v<Policy, std::void_t<decltype(sizeof(SpmmBackend<Policy>))>> = true;

/// The per-layer state of stateless backends.
struct NoLayerState {};

/// `SpmmBackend<Policy>::layer_state<Value, Allocator>` when the backend declares one, else
/// NoLayerState.
template <class Policy, class Value, class Allocator, class = void>
struct spmm_layer_state {
  using type = NoLayerState;
};
template <class Policy, class Value, class Allocator>
struct spmm_layer_state<
    Policy,
    Value,
    Allocator,
    std::void_t<typename SpmmBackend<Policy>::template layer_state<Value, Allocator>>> {
  using type = typename SpmmBackend<Policy>::template layer_state<Value, Allocator>;
};
template <class Policy, class Value, class Allocator>
using spmm_layer_state_t = typename spmm_layer_state<Policy, Value, Allocator>::type;

/// True when the backend of `Policy` prepares per-layer state.
template <class Policy, class Value, class Allocator>
inline constexpr bool spmm_has_layer_state_v =
    !std::is_same_v<spmm_layer_state_t<Policy, Value, Allocator>, NoLayerState>;

/**
 * @brief Prepares the per-layer state of `Policy`'s backend for `layer` (NoLayerState for
 * stateless backends). Called once per layer at engine construction; may allocate and
 * synchronise.
 * @param max_rows the most batch rows a launch will see
 */
template <class Policy, class Value, class Allocator>
[[nodiscard]] spmm_layer_state_t<Policy, Value, Allocator> prepare_spmm_layer(
    SparseLayer<Value> const& layer,
    std::int64_t max_rows,
    Allocator const& alloc,
    cuda::stream_ref stream,
    std::shared_ptr<void>& shared) {
  if constexpr (spmm_has_layer_state_v<Policy, Value, Allocator>) {
    using B = SpmmBackend<Policy>;
    if constexpr (requires {
                    B::template prepare<Value, Allocator>(layer, max_rows, alloc, stream, shared);
                  }) {
      return B::template prepare<Value, Allocator>(layer, max_rows, alloc, stream, shared);
    } else {
      return B::template prepare<Value, Allocator>(layer, max_rows, alloc, stream);
    }
  } else {
    (void)layer;
    (void)max_rows;
    (void)alloc;
    (void)stream;
    (void)shared;
    return NoLayerState{};
  }
}

/// As above, for a single layer outside an Engine (its own shared slot).
template <class Policy, class Value, class Allocator>
[[nodiscard]] spmm_layer_state_t<Policy, Value, Allocator> prepare_spmm_layer(
    SparseLayer<Value> const& layer,
    std::int64_t max_rows,
    Allocator const& alloc,
    cuda::stream_ref stream) {
  std::shared_ptr<void> shared;
  return prepare_spmm_layer<Policy, Value, Allocator>(layer, max_rows, alloc, stream, shared);
}

/**
 * @brief One layer of a network already in device memory, as a backend's `prepare_device`
 * sees it: the engine's CSR in the policy's weight_layout (by_output: W^T, rows = outputs,
 * inputs ascending) and the layer's shape. The buffers belong to the engine.
 */
template <class Value>
struct DeviceLayerRef {
  CsrView<Value> weights;
  std::int64_t inputs = 0;
  std::int64_t outputs = 0;
};

/// Makes a host copy of the layer on demand (for layers a backend cannot prepare on the device).
template <class Value>
using HostLayerFn = std::function<SparseLayer<Value>()>;

/// True when the backend of `Policy` can build its per-layer state on the device
/// (`SpmmBackend<Policy>::prepare_device`, see prepare_spmm_layer_device).
template <class Policy, class Value, class Allocator>
inline constexpr bool spmm_prepares_on_device_v =
    spmm_has_layer_state_v<Policy, Value, Allocator>&& requires(
        DeviceLayerRef<Value> const& layer,
        HostLayerFn<Value> const& host_layer,
        std::int64_t max_rows,
        Allocator const& alloc,
        cuda::stream_ref stream) {
  SpmmBackend<Policy>::template prepare_device<Value, Allocator>(
      layer, host_layer, max_rows, alloc, stream);
};

/**
 * @brief Prepares the per-layer state of `Policy`'s backend for a layer in device memory.
 *
 * A backend may declare
 * @code
 * template <class Value, class Allocator>
 * static layer_state<Value, Allocator> prepare_device(DeviceLayerRef<Value> const& layer,
 *     HostLayerFn<Value> const& host_layer, std::int64_t max_rows, Allocator const& alloc,
 *     cuda::stream_ref stream);
 * @endcode
 * which must give the same state as `prepare(host_layer(), ...)` without the host round trip
 * (it may still call `host_layer()` for layers it cannot handle on the device). Backends without
 * it are prepared from `host_layer()` (one host copy of the layer) through prepare_spmm_layer.
 */
template <class Policy, class Value, class Allocator>
[[nodiscard]] spmm_layer_state_t<Policy, Value, Allocator> prepare_spmm_layer_device(
    DeviceLayerRef<Value> const& layer,
    HostLayerFn<Value> const& host_layer,
    std::int64_t max_rows,
    Allocator const& alloc,
    cuda::stream_ref stream,
    std::shared_ptr<void>& shared) {
  if constexpr (spmm_prepares_on_device_v<Policy, Value, Allocator>) {
    return SpmmBackend<Policy>::template prepare_device<Value, Allocator>(
        layer, host_layer, max_rows, alloc, stream);
  } else if constexpr (spmm_has_layer_state_v<Policy, Value, Allocator>) {
    return prepare_spmm_layer<Policy, Value, Allocator>(
        host_layer(), max_rows, alloc, stream, shared);
  } else {
    return prepare_spmm_layer<Policy, Value, Allocator>(
        SparseLayer<Value>{}, max_rows, alloc, stream, shared);
  }
}

/// As above, for a single layer outside an Engine (its own shared slot).
template <class Policy, class Value, class Allocator>
[[nodiscard]] spmm_layer_state_t<Policy, Value, Allocator> prepare_spmm_layer_device(
    DeviceLayerRef<Value> const& layer,
    HostLayerFn<Value> const& host_layer,
    std::int64_t max_rows,
    Allocator const& alloc,
    cuda::stream_ref stream) {
  std::shared_ptr<void> shared;
  return prepare_spmm_layer_device<Policy, Value, Allocator>(
      layer, host_layer, max_rows, alloc, stream, shared);
}

/**
 * @brief One sparse layer over a list of batch rows:
 * `out.row(out_rows[i]) = f(in.row(in_rows[i]) * W)` for i < min(*d_num_rows, bound), with
 * f = act(. + bias) when args.bias is set (then args.alive, if set, receives one flag per row,
 * 0 past the count), else the plain product.
 *
 * @tparam Policy a spMM policy; args.weights must be in Policy::weight_layout
 * @param[in,out] args   views and row lists (see snicit::SpmmArgs)
 * @param[in]     act    the activation (applied only with a bias)
 * @param[in]     stream stream the work is queued on
 * @throws snicit::LogicError on inconsistent shapes; snicit::CudaError on launch failure
 * @note queues work only; no allocation, no synchronisation (except with SNICIT_DEBUG_SYNC).
 */
template <class Policy, class Value, class Act>
requires SpmmPolicy<Policy>
void spmm(SpmmArgs<Value> const& args, Act const& act, cuda::stream_ref stream) {
  static_assert(has_spmm_backend_v<Policy>,
                "snicit::kernels::spmm: no SpmmBackend<Policy> specialisation for this policy");
  static_assert(is_activation_v<Act, Value>, "snicit::kernels::spmm: Act must map Value to Value");
  auto const& w = args.weights;
  if constexpr (Policy::weight_layout == WeightLayout::by_output) {
    SNICIT_EXPECTS(w.rows == args.out.cols && w.cols == args.in.cols,
                   "spmm: W^T is " + std::to_string(w.rows) + "x" + std::to_string(w.cols) +
                       " but the layer maps " + std::to_string(args.in.cols) + " to " +
                       std::to_string(args.out.cols));
  } else {
    SNICIT_EXPECTS(w.rows == args.in.cols && w.cols == args.out.cols,
                   "spmm: W is " + std::to_string(w.rows) + "x" + std::to_string(w.cols) +
                       " but the layer maps " + std::to_string(args.in.cols) + " to " +
                       std::to_string(args.out.cols));
  }
  SNICIT_EXPECTS(args.num_rows_bound >= 0, "spmm: negative row bound");
  SNICIT_EXPECTS(args.in.ld >= args.in.cols && args.out.ld >= args.out.cols,
                 "spmm: leading dimension smaller than the row width");
  SpmmBackend<Policy>::launch(args, act, stream);
}

/**
 * @brief As spmm(args, act, stream), for backends with per-layer state: `state` comes from
 * prepare_spmm_layer<Policy>(...) for the same layer (a NoLayerState is accepted for stateless
 * backends, so callers can be generic).
 */
template <class Policy, class Value, class State, class Act>
requires SpmmPolicy<Policy>
void spmm(SpmmArgs<Value> const& args,
          State const& state,
          Act const& act,
          cuda::stream_ref stream) {
  if constexpr (std::is_same_v<State, NoLayerState>) {
    spmm<Policy>(args, act, stream);
  } else {
    static_assert(has_spmm_backend_v<Policy>,
                  "snicit::kernels::spmm: no SpmmBackend<Policy> specialisation for this policy");
    static_assert(is_activation_v<Act, Value>,
                  "snicit::kernels::spmm: Act must map Value to Value");
    SNICIT_EXPECTS(args.num_rows_bound >= 0, "spmm: negative row bound");
    SNICIT_EXPECTS(args.in.ld >= args.in.cols && args.out.ld >= args.out.cols,
                   "spmm: leading dimension smaller than the row width");
    SpmmBackend<Policy>::launch(args, state, act, stream);
  }
}

}  // namespace kernels
SNICIT_NAMESPACE_END
