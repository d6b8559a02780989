// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_compiled.cuh
 * @brief The compiled-weights spMM backend, `snicit::kernels::SpmmBackend<spmm::Compiled<...>>`
 * (opt-in: not included by engine.cuh; link CUDA::nvrtc, or the lead's `snicit::nvrtc` target).
 *
 * At prepare (engine construction) each layer with at most `MaxNnz` weights becomes generated
 * CUDA C++ with its weights as literals, compiled by NVRTC for the current device
 * (`--gpu-architecture=sm_XY`) and loaded with cudaLibraryLoadData / cudaLibraryGetKernel; a
 * launch is one cudaLaunchKernel (plus a memset of the alive flags), capture-safe. Identical
 * layers share one compiled module within the process. See docs/backends-block.md.
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/spmm_compiled.cuh>
#include <snicit/error.hpp>
#include <snicit/kernels/spmm.cuh>
#include <snicit/network.hpp>
#include <snicit/policy/activation.hpp>
#include <snicit/policy/spmm_compiled.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

template <std::int64_t MaxNnz, int BlockThreads, int SegmentNnz>
struct SpmmBackend<spmm::Compiled<MaxNnz, BlockThreads, SegmentNnz>> {
  using policy = spmm::Compiled<MaxNnz, BlockThreads, SegmentNnz>;

  /// The compiled kernel of one layer (shared with identical layers).
  template <class Value, class Allocator>
  struct layer_state {
    std::shared_ptr<detail::CompiledModule> module;
    unsigned segments = 0;  ///< grid y
    std::int64_t nnz = 0;   ///< weights baked into the kernel
  };

  /**
   * @throws snicit::LogicError when the layer has more than MaxNnz weights (naming both), or
   * with the NVRTC log when the generated code does not compile; snicit::CudaError
   */
  template <class Value, class Allocator>
  [[nodiscard]] static layer_state<Value, Allocator> prepare(SparseLayer<Value> const& layer,
                                                             std::int64_t max_rows,
                                                             Allocator const& alloc,
                                                             cuda::stream_ref stream) {
    (void)max_rows;
    (void)alloc;
    (void)stream;
    auto const nnz = layer.weights.nnz();
    SNICIT_EXPECTS(nnz <= MaxNnz,
                   "spmm::Compiled: the layer has nnz = " + std::to_string(nnz) +
                       " weights, above the limit MaxNnz = " + std::to_string(MaxNnz) +
                       " of this policy (use another backend or a larger MaxNnz)");
    auto const src =
        detail::compiled_layer_source(layer.weights, BlockThreads, std::int64_t{SegmentNnz});
    SNICIT_EXPECTS(src.segments <= 65535,
                   "spmm::Compiled: " + std::to_string(src.segments) +
                       " output segments exceed the grid limit 65535; raise SegmentNnz");
    layer_state<Value, Allocator> s;
    s.module = detail::compiled_module(src.code, detail::current_device_arch());
    s.segments = src.segments;
    s.nnz = nnz;
    return s;
  }

  template <class Value, class Allocator, class Act>
  static void launch(SpmmArgs<Value> const& args,
                     layer_state<Value, Allocator> const& state,
                     Act const& act,
                     cuda::stream_ref stream) {
    std::int64_t bound = args.num_rows_bound;
    if (bound == 0) {
      return;
    }
    if (args.alive != nullptr) {
      // Every segment block of a row may set its flag: clear all `bound` flags first.
      SNICIT_CUDA_TRY(
          cudaMemsetAsync(args.alive, 0, static_cast<std::size_t>(bound), stream.get()));
    }
    if (state.segments == 0) {
      return;  // a layer without outputs
    }
    Value const* in = args.in.data;
    long long in_ld = args.in.ld;
    row_index const* in_rows = args.in_rows;
    Value* out = args.out.data;
    long long out_ld = args.out.ld;
    row_index const* out_rows = args.out_rows;
    row_index const* d_num_rows = args.d_num_rows;
    long long bound_ll = bound;
    std::uint8_t* alive = args.alive;
    Value const* bias = args.bias;
    Value cap = activation_cap<Value>(act);
    void* params[] = {&in,
                      &in_ld,
                      &in_rows,
                      &out,
                      &out_ld,
                      &out_rows,
                      &d_num_rows,
                      &bound_ll,
                      &alive,
                      &bias,
                      &cap};
    dim3 const grid(static_cast<unsigned>((bound + BlockThreads - 1) / BlockThreads),
                    state.segments);
    SNICIT_CUDA_TRY(cudaLaunchKernel(reinterpret_cast<void const*>(state.module->kernel),
                                     grid,
                                     dim3(BlockThreads),
                                     params,
                                     0,
                                     stream.get()));
  }

 private:
  template <class>
  static constexpr bool unsupported_activation = false;

  /// The generated epilogue is clip(x, 0, cap): ReluClip's cap, or +inf for Relu.
  template <class Value, class Act>
  static Value activation_cap(Act const& act) {
    if constexpr (std::is_same_v<Act, ReluClip>) {
      return static_cast<Value>(act.cap);
    } else if constexpr (std::is_same_v<Act, Relu>) {
      (void)act;
      return std::numeric_limits<Value>::infinity();
    } else {
      static_assert(unsupported_activation<Act>,
                    "spmm::Compiled supports the activations snicit::ReluClip and snicit::Relu");
      return Value(0);
    }
  }
};

}  // namespace kernels
SNICIT_NAMESPACE_END
