// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file radixnet_device.cuh
 * @brief The RadiX-Net SDGC generator on the GPU: the network of data::generate_sdgc_network()
 * (same N, L and seed give the same layers, bit for bit) built straight into device memory, in
 * the weight layout an Engine wants, so that even 65536 x 1920 (4 * 10^9 weights) never passes
 * through host memory.
 *
 * The block permutations P_b are the same Fisher–Yates shuffles driven by
 * snicit::detail::Rng(seed, b): one GPU thread per block runs the shuffle (sequential by nature,
 * O(N) per block, all blocks in parallel); the layers are then written by one thread per row
 * (by_input) or per output residue (by_output, 16 output rows each). See docs/generator.md.
 */

#include <snicit/config.hpp>
#include <snicit/data/radixnet.hpp>
#include <snicit/detail/engine_support.cuh>
#include <snicit/detail/random.hpp>
#include <snicit/device_network.cuh>
#include <snicit/error.hpp>
#include <snicit/memory/allocator.hpp>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/network.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace data {
namespace detail {

/// perms[(b-1) * n + i] = P_b(i) for b = 1..blocks-1 (thread b-1 shuffles block b);
/// inverse (may be null) receives P_b^-1.
template <class Index>
SNICIT_KERNEL void radixnet_permutations_kernel(
    Index* perms, Index* inverse, std::int64_t n, std::int64_t blocks, std::uint64_t seed) {
  std::int64_t const b = 1 + static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (b >= blocks) {
    return;
  }
  std::int32_t* p = perms + (b - 1) * n;
  for (std::int64_t i = 0; i < n; ++i) {
    p[i] = static_cast<std::int32_t>(i);
  }
  ::snicit::detail::Rng rng(seed, static_cast<std::uint64_t>(b));
  for (std::int64_t i = n - 1; i > 0; --i) {
    auto const j = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(i) + 1));
    std::int32_t const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  if (inverse != nullptr) {
    std::int32_t* q = inverse + (b - 1) * n;
    for (std::int64_t i = 0; i < n; ++i) {
      q[p[i]] = static_cast<std::int32_t>(i);
    }
  }
}

/// by_input: row i (an input) of a layer with base layer distance d holds the 32 outputs of
/// base row P(i) (perm null = identity), sorted; offsets[i] = 32 i.
template <class Index>
SNICIT_KERNEL void radixnet_by_input_kernel(std::int32_t* offsets,
                                            std::int32_t* indices,
                                            std::int32_t const* perm,
                                            std::int64_t n,
                                            std::int64_t d) {
  std::int64_t const i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i > n) {
    return;
  }
  offsets[i] = static_cast<std::int32_t>(i * radixnet_degree);
  if (i == n) {
    return;
  }
  std::int64_t const m = n / 16;
  std::int64_t const p = perm == nullptr ? i : std::int64_t(perm[i]);
  std::int64_t const c0 = p % m;
  std::int64_t const c1 = (c0 - d + m) % m;
  std::int64_t const lo = c0 < c1 ? c0 : c1;
  std::int64_t const hi = c0 < c1 ? c1 : c0;
  std::int32_t* out = indices + i * radixnet_degree;
  for (std::int64_t a = 0; a < 16; ++a) {
    out[2 * a] = static_cast<std::int32_t>(a * m + lo);
    out[2 * a + 1] = static_cast<std::int32_t>(a * m + hi);
  }
}

/// by_output: outputs a*M + r (a = 0..15) all read the inputs i with P(i) in
/// {r + M t} u {(r + d) mod M + M t}, t = 0..15 (inverse null = identity); thread r writes the
/// 32 inputs, ascending, into its 16 output rows; offsets[j] = 32 j.
template <class Index>
SNICIT_KERNEL void radixnet_by_output_kernel(std::int32_t* offsets,
                                             std::int32_t* indices,
                                             std::int32_t const* inverse,
                                             std::int64_t n,
                                             std::int64_t d) {
  std::int64_t const m = n / 16;
  std::int64_t const r = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= m) {
    return;
  }
  std::int32_t in[radixnet_degree];
  std::int64_t const r1 = (r + d) % m;
  for (int t = 0; t < 16; ++t) {
    std::int64_t const p0 = r + m * t;
    std::int64_t const p1 = r1 + m * t;
    in[2 * t] = static_cast<std::int32_t>(inverse == nullptr ? p0 : inverse[p0]);
    in[2 * t + 1] = static_cast<std::int32_t>(inverse == nullptr ? p1 : inverse[p1]);
  }
  for (int k = 1; k < radixnet_degree; ++k) {  // insertion sort of 32 values
    std::int32_t const v = in[k];
    int q = k - 1;
    while (q >= 0 && in[q] > v) {
      in[q + 1] = in[q];
      --q;
    }
    in[q + 1] = v;
  }
  for (std::int64_t a = 0; a < 16; ++a) {
    std::int64_t const j = a * m + r;
    offsets[j] = static_cast<std::int32_t>(j * radixnet_degree);
    std::int32_t* out = indices + j * radixnet_degree;
    for (int k = 0; k < radixnet_degree; ++k) {
      out[k] = in[k];
    }
  }
  if (r == 0) {
    offsets[n] = static_cast<std::int32_t>(n * radixnet_degree);
  }
}

/// Fills `n` values with `v`.
template <class Value>
SNICIT_KERNEL void radixnet_fill_kernel(Value* p, std::int64_t n, Value v) {
  std::int64_t const i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) {
    p[i] = v;
  }
}

[[nodiscard]] inline unsigned radixnet_grid(std::int64_t threads, int block) {
  return static_cast<unsigned>((threads + block - 1) / block);
}

}  // namespace detail

/**
 * @brief Generates the RadiX-Net SDGC network on the GPU, straight into device memory.
 *
 * Layer l equals radixnet_layer(N, l, seed) (and generate_sdgc_network(options).layers[l-1]):
 * 32 entries of 1/16 per row and column, stored without values (uniform), bias sdgc_bias(N)
 * for every output, activation cap 32. `layout` is the engine's Spmm::weight_layout:
 * by_input stores W (rows = inputs, outputs ascending), by_output W^T (rows = outputs, inputs
 * ascending), as detail::make_device_layer would upload them.
 *
 * All work is queued on `stream`; the function synchronises it once at the end (so the
 * temporary permutations can be freed and errors surface here). Device memory: 4 bytes per
 * weight plus 8 bytes per neuron and layer (offsets and bias), 16.5 GB for 65536 x 1920, plus
 * 4-8 bytes per neuron and block for the permutations while generating.
 *
 * @param[in] options N, L and seed (threads is ignored)
 * @param[in] layout  the CSR orientation to produce
 * @param[in] stream  stream the generation is queued on
 * @param[in] alloc   allocator of the layers' buffers (the engine's)
 * @throws snicit::LogicError for invalid options (see validate()) or more than 2^31 - 1 weights
 *         per layer; snicit::CudaError
 */
template <class Value = float, class Allocator = AsyncAllocator>
[[nodiscard]] DeviceSparseNetwork<Value, Allocator> generate_sdgc_network_device(
    RadixNetOptions const& options,
    WeightLayout layout,
    cuda::stream_ref stream,
    Allocator const& alloc = {}) {
  validate(options);
  std::int64_t const n = options.neurons;
  std::int64_t const kk = radixnet_block_layers(n);
  std::int64_t const blocks = (options.layers + kk - 1) / kk;
  SNICIT_EXPECTS(n * radixnet_degree < std::numeric_limits<std::int32_t>::max(),
                 "generate_sdgc_network_device: N = " + std::to_string(n) +
                     " gives more than 2^31 - 1 weights per layer (32-bit device offsets)");
  bool const by_output = layout == WeightLayout::by_output;
  // Permutations of blocks 1..blocks-1 (and their inverses for by_output), freed on return.
  auto const perm_entries = static_cast<std::size_t>(std::max<std::int64_t>(blocks - 1, 0) * n);
  DeviceBuffer<std::int32_t, Allocator> perms(perm_entries, stream, alloc);
  DeviceBuffer<std::int32_t, Allocator> inverse(by_output ? perm_entries : 0, stream, alloc);
  if (blocks > 1) {
    int const tb = 32;
    detail::radixnet_permutations_kernel<std::int32_t>
        <<<detail::radixnet_grid(blocks - 1, tb), tb, 0, stream.get()>>>(
            perms.data(), by_output ? inverse.data() : nullptr, n, blocks, options.seed);
    SNICIT_CUDA_TRY(cudaGetLastError());
  }
  DeviceSparseNetwork<Value, Allocator> net;
  net.layout = layout;
  net.activation_cap = Value(sdgc_activation_cap);
  float const bias = sdgc_bias(n);
  net.layers.reserve(static_cast<std::size_t>(options.layers));
  net.bias.assign(static_cast<std::size_t>(options.layers), std::vector<Value>{Value(bias)});
  int const tb = 256;
  for (std::int64_t l = 0; l < options.layers; ++l) {
    std::int64_t const block = l / kk;
    std::int64_t const d = std::int64_t(1) << (l % kk);  // base layer k = l % K + 1
    ::snicit::detail::DeviceLayer<Value, Allocator> dl;
    dl.inputs = n;
    dl.outputs = n;
    dl.offsets =
        DeviceBuffer<std::int32_t, Allocator>(static_cast<std::size_t>(n + 1), stream, alloc);
    dl.indices = DeviceBuffer<std::int32_t, Allocator>(
        static_cast<std::size_t>(n * radixnet_degree), stream, alloc);
    dl.bias = DeviceBuffer<Value, Allocator>(static_cast<std::size_t>(n), stream, alloc);
    if (by_output) {
      std::int32_t const* inv = block == 0 ? nullptr : inverse.data() + (block - 1) * n;
      detail::radixnet_by_output_kernel<std::int32_t>
          <<<detail::radixnet_grid(n / 16, tb), tb, 0, stream.get()>>>(
              dl.offsets.data(), dl.indices.data(), inv, n, d);
    } else {
      std::int32_t const* perm = block == 0 ? nullptr : perms.data() + (block - 1) * n;
      detail::radixnet_by_input_kernel<std::int32_t>
          <<<detail::radixnet_grid(n + 1, tb), tb, 0, stream.get()>>>(
              dl.offsets.data(), dl.indices.data(), perm, n, d);
    }
    SNICIT_CUDA_TRY(cudaGetLastError());
    detail::radixnet_fill_kernel<Value>
        <<<detail::radixnet_grid(n, tb), tb, 0, stream.get()>>>(dl.bias.data(), n, Value(bias));
    SNICIT_CUDA_TRY(cudaGetLastError());
    dl.view.row_offsets = dl.offsets.data();
    dl.view.col_indices = dl.indices.data();
    dl.view.values = nullptr;
    dl.view.rows = n;
    dl.view.cols = n;
    dl.view.nnz = n * radixnet_degree;
    dl.view.uniform_value = Value(radixnet_weight);
    net.layers.push_back(std::move(dl));
  }
  SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
  return net;
}

}  // namespace data
SNICIT_NAMESPACE_END
