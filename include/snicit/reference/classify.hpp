// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file classify.hpp
 * @brief The CPU oracle for classifiers (the trained "beyond" MNIST networks): optional dense input
 * layer with the clipped ReLU of the hidden stack, the sparse hidden stack (exact or SNICIT), a
 * linear dense output layer, and the argmax (the first maximum wins on ties).
 *
 * Dense layers sum in the same order as the sparse ones: each output starts at +0.0f, the
 * non-zero inputs i are added in ascending order as rounded products x[i] * W[i][j], then the
 * bias is added (then the activation, for the input layer).
 */

#include <snicit/config.hpp>
#include <snicit/error.hpp>
#include <snicit/matrix.hpp>
#include <snicit/network.hpp>
#include <snicit/options.hpp>
#include <snicit/reference/exact.hpp>
#include <snicit/reference/snicit.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace reference {

/// The outcome of classification.
struct ClassifyResult {
  std::vector<std::int32_t> predicted;  ///< per input row: argmax of its logits (first max wins)
  DenseMatrix<float> logits;            ///< input rows x classes
  std::optional<SnicitStats> stats;     ///< set by classify_snicit
};

/**
 * @brief A dense layer on a block of rows: `x * W + b`, followed by the clipped ReLU at `cap` when
 * one is given (linear otherwise). Summation order as in the file comment.
 */
[[nodiscard]] inline DenseMatrix<float> dense_layer(DenseLayer<float> const& layer,
                                                    DenseMatrix<float> const& in,
                                                    std::optional<float> cap,
                                                    int threads = 0) {
  auto const& w = layer.weights;
  SNICIT_EXPECTS(in.cols == w.rows,
                 "dense layer: input width " + std::to_string(in.cols) + " does not match the " +
                     std::to_string(w.rows) + " weight rows");
  SNICIT_EXPECTS(layer.bias.size() == static_cast<std::size_t>(w.cols),
                 "dense layer: bias must have one entry per output");
  std::int64_t const N = w.cols;
  DenseMatrix<float> out(in.rows, N, 0.0f);
  detail::for_rows(in.rows, threads, w.rows * N, [&](std::int64_t p) {
    float* acc = out.data.data() + p * N;
    float const* x = in.data.data() + p * in.cols;
    for (std::int64_t i = 0; i < w.rows; ++i) {
      float const xi = x[i];
      if (xi == 0.0f) {
        continue;
      }
      float const* wi = w.data.data() + i * N;
      for (std::int64_t j = 0; j < N; ++j) {
        float const prod = xi * wi[j];
        acc[j] += prod;
      }
    }
    for (std::int64_t j = 0; j < N; ++j) {
      float const z = acc[j] + layer.bias[static_cast<std::size_t>(j)];
      acc[j] = cap ? clipped_relu(z, *cap) : z;
    }
  });
  return out;
}

/// @brief Per row: the index of the largest entry, the first one on ties (strict '>').
[[nodiscard]] inline std::vector<std::int32_t> argmax_rows(DenseMatrix<float> const& m) {
  SNICIT_EXPECTS(m.cols >= 1 || m.rows == 0, "argmax of rows with no columns");
  std::vector<std::int32_t> out(static_cast<std::size_t>(m.rows), 0);
  for (std::int64_t r = 0; r < m.rows; ++r) {
    auto const row = m.row(r);
    std::size_t best = 0;
    for (std::size_t j = 1; j < row.size(); ++j) {
      if (row[j] > row[best]) {
        best = j;
      }
    }
    out[static_cast<std::size_t>(r)] = static_cast<std::int32_t>(best);
  }
  return out;
}

/**
 * @brief The output layer's logits for hidden activations given as live rows: `rows` (input ids,
 * ascending) with one row of `activations` each; every other of the `total` inputs has an
 * all-zero hidden row (dead rows). This is how a GPU engine's RunResult (categories +
 * activations) is classified, and how the CPU pipeline classifies its InferenceResult.
 */
[[nodiscard]] inline DenseMatrix<float> output_logits(ClassifierNetwork<float> const& net,
                                                      std::int64_t total,
                                                      std::vector<std::int64_t> const& rows,
                                                      DenseMatrix<float> const& activations,
                                                      int threads = 0) {
  SNICIT_EXPECTS(activations.rows == static_cast<std::int64_t>(rows.size()),
                 "output_logits: one activation row per live row");
  DenseMatrix<float> h(total, net.hidden.output_size(), 0.0f);
  for (std::size_t p = 0; p < rows.size(); ++p) {
    auto const src = activations.row(static_cast<std::int64_t>(p));
    std::copy(src.begin(), src.end(), h.row(rows[p]).begin());
  }
  return dense_layer(net.output, h, std::nullopt, threads);
}

/**
 * @brief Fraction of predictions equal to the labels, in [0, 1] (0 for no inputs).
 * @throws snicit::LogicError when the sizes differ
 */
[[nodiscard]] inline double accuracy(std::vector<std::int32_t> const& predicted,
                                     std::vector<std::uint8_t> const& labels) {
  SNICIT_EXPECTS(predicted.size() == labels.size(),
                 "accuracy: " + std::to_string(predicted.size()) + " predictions but " +
                     std::to_string(labels.size()) + " labels");
  if (predicted.empty()) {
    return 0.0;
  }
  std::size_t hits = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    hits += predicted[i] == static_cast<std::int32_t>(labels[i]) ? 1 : 0;
  }
  return static_cast<double>(hits) / static_cast<double>(predicted.size());
}

namespace detail {

/// Checks the classifier's shapes against each other and the input width.
inline void check_classifier(ClassifierNetwork<float> const& net, std::int64_t input_cols) {
  SNICIT_EXPECTS(net.hidden.num_layers() >= 1, "classifier: the hidden stack has no layers");
  if (net.input) {
    SNICIT_EXPECTS(input_cols == net.input->weights.rows,
                   "classifier: input width " + std::to_string(input_cols) +
                       " does not match the input layer (" +
                       std::to_string(net.input->weights.rows) + ")");
    SNICIT_EXPECTS(net.input->weights.cols == net.hidden.input_size(),
                   "classifier: the input layer's outputs do not match the hidden stack");
  } else {
    SNICIT_EXPECTS(input_cols == net.hidden.input_size(),
                   "classifier: input width does not match the hidden stack");
  }
  SNICIT_EXPECTS(net.output.weights.rows == net.hidden.output_size(),
                 "classifier: the output layer's inputs do not match the hidden stack");
  SNICIT_EXPECTS(net.output.weights.cols >= 1, "classifier: the output layer has no classes");
}

/// Input layer (if any) -> hidden (by `hidden_fn`) -> output layer -> argmax.
template <class HiddenFn>
ClassifyResult classify_impl(ClassifierNetwork<float> const& net,
                             DenseMatrix<float> const& input,
                             int threads,
                             HiddenFn&& hidden_fn) {
  check_classifier(net, input.cols);
  ClassifyResult out;
  InferenceResult hidden;
  if (net.input) {
    auto const first = dense_layer(*net.input, input, net.hidden.activation_cap, threads);
    hidden = hidden_fn(first, out);
  } else {
    hidden = hidden_fn(input, out);
  }
  out.logits = output_logits(net, input.rows, hidden.rows, hidden.activations, threads);
  out.predicted = argmax_rows(out.logits);
  return out;
}

}  // namespace detail

/**
 * @brief Classifies `input` (rows = samples, e.g. MNIST pixels / 255) with exact inference of the
 * hidden stack.
 * @throws snicit::LogicError on inconsistent shapes
 */
[[nodiscard]] inline ClassifyResult classify_exact(ClassifierNetwork<float> const& net,
                                                   DenseMatrix<float> const& input,
                                                   ExactOptions const& opts = {}) {
  return detail::classify_impl(
      net, input, opts.threads, [&](DenseMatrix<float> const& x, ClassifyResult&) {
        return infer_exact(net.hidden, x, opts);
      });
}

/**
 * @brief Classifies `input` with SNICIT inference of the hidden stack (t counts from the first
 * sparse hidden layer); the statistics are returned in ClassifyResult::stats.
 * @throws snicit::LogicError on invalid options or inconsistent shapes
 */
[[nodiscard]] inline ClassifyResult classify_snicit(ClassifierNetwork<float> const& net,
                                                    DenseMatrix<float> const& input,
                                                    SnicitOptions const& options,
                                                    ExactOptions const& opts = {}) {
  // Fail on bad options before spending time on the input layer.
  detail::validate_options(options, net.hidden);
  return detail::classify_impl(
      net, input, opts.threads, [&](DenseMatrix<float> const& x, ClassifyResult& out) {
        SnicitResult r = infer_snicit(net.hidden, x, options, opts);
        out.stats = std::move(r.stats);
        return static_cast<InferenceResult>(std::move(r));
      });
}

/// classify_snicit with the threshold layer chosen per round (reference::infer_snicit_adaptive).
[[nodiscard]] inline ClassifyResult classify_snicit_adaptive(ClassifierNetwork<float> const& net,
                                                             DenseMatrix<float> const& input,
                                                             SnicitOptions const& options,
                                                             ExactOptions const& opts = {}) {
  detail::validate_adaptive_options(options, net.hidden);
  return detail::classify_impl(
      net, input, opts.threads, [&](DenseMatrix<float> const& x, ClassifyResult& out) {
        SnicitResult r = infer_snicit_adaptive(net.hidden, x, options, opts);
        out.stats = std::move(r.stats);
        return static_cast<InferenceResult>(std::move(r));
      });
}

}  // namespace reference
SNICIT_NAMESPACE_END
