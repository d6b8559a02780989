// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file device_network.cuh
 * @brief A sparse network whose weights already live in device memory, in one WeightLayout:
 * what data::generate_sdgc_network_device() produces and what snicit::Engine's device-network
 * constructor takes over without a host round trip (docs/engine.md, docs/benchmarks.md).
 */

#include <snicit/config.hpp>
#include <snicit/detail/engine_support.cuh>
#include <snicit/error.hpp>
#include <snicit/matrix.hpp>
#include <snicit/memory/allocator.hpp>
#include <snicit/network.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

SNICIT_NAMESPACE_BEGIN

/**
 * @brief L sparse layers in device memory (CSR with 32-bit offsets and indices, values dropped
 * when uniform, one bias per output), all in `layout`, plus the host copy of every bias (small;
 * the engine derives which zero rows stay zero from it).
 * @tparam Value     element type
 * @tparam Allocator the device allocator that owns the buffers (the engine's Allocator)
 */
template <class Value = float, class Allocator = AsyncAllocator>
struct DeviceSparseNetwork {
  WeightLayout layout = WeightLayout::by_output;  ///< how every layer's CSR is stored
  /// Layer l: `view` is W (by_input: rows = inputs) or W^T (by_output: rows = outputs).
  std::vector<detail::DeviceLayer<Value, Allocator>> layers;
  /// Host copy of each layer's bias (1 or outputs entries, as SparseLayer::bias).
  std::vector<std::vector<Value>> bias;
  Value activation_cap = Value(32);  ///< clipped-ReLU cap

  [[nodiscard]] std::int64_t num_layers() const noexcept {
    return static_cast<std::int64_t>(layers.size());
  }
  [[nodiscard]] std::int64_t input_size() const noexcept {
    return layers.empty() ? 0 : layers.front().inputs;
  }
  [[nodiscard]] std::int64_t output_size() const noexcept {
    return layers.empty() ? 0 : layers.back().outputs;
  }
  [[nodiscard]] std::int64_t total_nnz() const noexcept {
    std::int64_t n = 0;
    for (auto const& l : layers) {
      n += l.view.nnz;
    }
    return n;
  }
  /// Device bytes held by the layers (offsets, indices, values, bias).
  [[nodiscard]] std::size_t device_bytes() const noexcept {
    std::size_t n = 0;
    for (auto const& l : layers) {
      n += l.offsets.size() * sizeof(std::int32_t) + l.indices.size() * sizeof(std::int32_t) +
           l.values.size() * sizeof(Value) + l.bias.size() * sizeof(Value);
    }
    return n;
  }

  /// Checks the shapes chain and the bias sizes (not the device contents); throws LogicError.
  void validate() const {
    SNICIT_EXPECTS(!layers.empty(), "the device network has no layers");
    SNICIT_EXPECTS(bias.size() == layers.size(),
                   "the device network has " + std::to_string(bias.size()) + " bias vectors for " +
                       std::to_string(layers.size()) + " layers");
    for (std::size_t l = 0; l < layers.size(); ++l) {
      auto const& d = layers[l];
      auto const name = "device layer " + std::to_string(l + 1);
      std::int64_t const major = layout == WeightLayout::by_output ? d.outputs : d.inputs;
      std::int64_t const minor = layout == WeightLayout::by_output ? d.inputs : d.outputs;
      SNICIT_EXPECTS(d.inputs >= 1 && d.outputs >= 1 && d.view.rows == major &&
                         d.view.cols == minor && d.view.row_offsets != nullptr &&
                         (d.view.nnz == 0 || d.view.col_indices != nullptr),
                     name + ": the CSR view does not match the layer's shape and layout");
      SNICIT_EXPECTS(d.bias.size() == static_cast<std::size_t>(d.outputs) &&
                         (bias[l].size() == 1 || bias[l].size() == std::size_t(d.outputs)),
                     name + ": bias must have 1 or outputs entries (device: outputs)");
      if (l > 0) {
        SNICIT_EXPECTS(layers[l - 1].outputs == d.inputs,
                       name + ": input size does not match the previous layer's output size");
      }
    }
  }

  /**
   * @brief Copies layer `l` (0-based) back as a host SparseLayer (rows = inputs, sorted
   * columns), whatever the device layout; synchronises `stream`. Used by tests and by the
   * engine to prepare backends whose per-layer state is built on the host.
   */
  [[nodiscard]] SparseLayer<Value> layer_to_host(std::int64_t l, cuda::stream_ref stream) const {
    auto const& d = layers[static_cast<std::size_t>(l)];
    std::vector<std::int32_t> off(static_cast<std::size_t>(d.view.rows + 1));
    std::vector<std::int32_t> idx(static_cast<std::size_t>(d.view.nnz));
    std::vector<Value> val(d.view.values != nullptr ? idx.size() : 0);
    auto down = [&](auto* dst, auto const* src, std::size_t n) {
      if (n > 0) {
        SNICIT_CUDA_TRY(
            cudaMemcpyAsync(dst, src, n * sizeof(*dst), cudaMemcpyDeviceToHost, stream.get()));
      }
    };
    down(off.data(), d.view.row_offsets, off.size());
    down(idx.data(), d.view.col_indices, idx.size());
    down(val.data(), d.view.values, val.size());
    SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
    auto value = [&](std::size_t k) { return val.empty() ? d.view.uniform_value : val[k]; };
    SparseLayer<Value> out;
    auto& w = out.weights;
    w.rows = d.inputs;
    w.cols = d.outputs;
    w.row_offsets.assign(static_cast<std::size_t>(d.inputs + 1), 0);
    w.col_indices.resize(idx.size());
    w.values.resize(idx.size());
    if (layout == WeightLayout::by_input) {
      for (std::size_t i = 0; i < off.size(); ++i) {
        w.row_offsets[i] = off[i];
      }
      for (std::size_t k = 0; k < idx.size(); ++k) {
        w.col_indices[k] = idx[k];
        w.values[k] = value(k);
      }
    } else {  // transpose W^T (rows = outputs) back to W; outputs ascending within each input
      for (auto i : idx) {
        ++w.row_offsets[static_cast<std::size_t>(i) + 1];
      }
      for (std::size_t i = 0; i + 1 < w.row_offsets.size(); ++i) {
        w.row_offsets[i + 1] += w.row_offsets[i];
      }
      std::vector<std::int64_t> fill(w.row_offsets.begin(), w.row_offsets.end() - 1);
      for (std::int64_t j = 0; j < d.outputs; ++j) {
        for (auto k = off[static_cast<std::size_t>(j)]; k < off[static_cast<std::size_t>(j) + 1];
             ++k) {
          auto const at = static_cast<std::size_t>(fill[static_cast<std::size_t>(idx[k])]++);
          w.col_indices[at] = j;
          w.values[at] = value(static_cast<std::size_t>(k));
        }
      }
    }
    out.bias = bias[static_cast<std::size_t>(l)];
    return out;
  }

  /// The whole network on the host (every layer through layer_to_host); for tests.
  [[nodiscard]] SparseNetwork<Value> to_host(cuda::stream_ref stream) const {
    SparseNetwork<Value> net;
    net.activation_cap = activation_cap;
    for (std::int64_t l = 0; l < num_layers(); ++l) {
      net.layers.push_back(layer_to_host(l, stream));
    }
    return net;
  }
};

SNICIT_NAMESPACE_END
