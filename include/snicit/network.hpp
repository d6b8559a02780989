// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file network.hpp
 * @brief In-memory networks: the sparse layer stack SNICIT runs on, and a classifier that wraps
 * it with optional dense input/output layers (the "beyond" trained MNIST networks).
 */

#include <snicit/config.hpp>
#include <snicit/error.hpp>
#include <snicit/matrix.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

SNICIT_NAMESPACE_BEGIN

/// One sparse layer: y_out = act(y_in * weights + bias).
template <class Value = float>
struct SparseLayer {
  CsrMatrix<Value> weights;  ///< rows = inputs, cols = outputs
  /// Either weights.cols entries (one per output neuron) or exactly one entry applied to every
  /// output neuron (SDGC networks use one constant bias per N).
  std::vector<Value> bias;

  [[nodiscard]] Value bias_at(std::int64_t out) const noexcept {
    return bias.size() == 1 ? bias.front() : bias[static_cast<std::size_t>(out)];
  }
  friend bool operator==(SparseLayer const&, SparseLayer const&) = default;
};

/**
 * @brief The stack of sparse layers with a clipped-ReLU activation y = min(max(x, 0), cap).
 * Layer l maps layers[l].weights.rows inputs to layers[l].weights.cols outputs.
 */
template <class Value = float>
struct SparseNetwork {
  std::vector<SparseLayer<Value>> layers;
  Value activation_cap = Value(32);  ///< 32 for SDGC, 1 for the trained MNIST networks

  [[nodiscard]] std::int64_t num_layers() const noexcept {
    return static_cast<std::int64_t>(layers.size());
  }
  [[nodiscard]] std::int64_t input_size() const noexcept {
    return layers.empty() ? 0 : layers.front().weights.rows;
  }
  [[nodiscard]] std::int64_t output_size() const noexcept {
    return layers.empty() ? 0 : layers.back().weights.cols;
  }
  [[nodiscard]] std::int64_t total_nnz() const noexcept {
    std::int64_t n = 0;
    for (auto const& l : layers) {
      n += l.weights.nnz();
    }
    return n;
  }
  /// Checks shapes chain, bias sizes and every CSR invariant; throws snicit::LogicError.
  void validate() const {
    for (std::size_t l = 0; l < layers.size(); ++l) {
      auto const& w = layers[l].weights;
      auto const name = "layer " + std::to_string(l + 1);
      w.validate(name);
      SNICIT_EXPECTS(layers[l].bias.size() == 1 || layers[l].bias.size() == std::size_t(w.cols),
                     name + ": bias must have 1 or cols entries");
      if (l > 0) {
        SNICIT_EXPECTS(layers[l - 1].weights.cols == w.rows,
                       name + ": input size does not match the previous layer's output size");
      }
    }
  }
  friend bool operator==(SparseNetwork const&, SparseNetwork const&) = default;
};

/// A dense layer y = x * weights + bias, weights row-major [inputs x outputs].
template <class Value = float>
struct DenseLayer {
  DenseMatrix<Value> weights;
  std::vector<Value> bias;  ///< weights.cols entries
  friend bool operator==(DenseLayer const&, DenseLayer const&) = default;
};

/**
 * @brief A classifier: optional dense input layer (clipped ReLU), the sparse hidden stack that
 * SNICIT accelerates, and a linear dense output layer whose argmax is the class.
 */
template <class Value = float>
struct ClassifierNetwork {
  std::optional<DenseLayer<Value>> input;  ///< e.g. 784 -> 128, activation as the hidden stack
  SparseNetwork<Value> hidden;             ///< the sparse layers, t counts from the first of these
  DenseLayer<Value> output;                ///< e.g. 128 -> 10, linear (logits)
  friend bool operator==(ClassifierNetwork const&, ClassifierNetwork const&) = default;
};

/// The SDGC bias for N neurons: -0.30, -0.35, -0.40, -0.45 for 1024, 4096, 16384, 65536.
/// Other N = 16 * 2^K follow no official rule; we extend by -0.05 per factor 4, clamped to [-0.3,
/// -0.45] at the ends, and document it in docs/formats.md.
[[nodiscard]] inline float sdgc_bias(std::int64_t neurons) {
  if (neurons <= 1024) {
    return -0.30f;
  }
  if (neurons <= 4096) {
    return -0.35f;
  }
  if (neurons <= 16384) {
    return -0.40f;
  }
  return -0.45f;
}

/// The SDGC activation cap (clipped ReLU at 32).
inline constexpr float sdgc_activation_cap = 32.0f;

SNICIT_NAMESPACE_END
