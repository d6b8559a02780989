// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Synthetic networks with a known convergence layer, for the automatic threshold detector
// (tests/reference/adaptive_test.cpp, tests/gpu/adaptive_test.cu).
//
// N = 8 * groups neurons, cap 1, bias 0. Every layer is the identity except layer `collapse`
// (1-based; 0 = none), which maps input i of group g = i / 8 with weight 4 onto the 8 outputs of
// group g. An input row has values in [0.3, 0.9) on the 8 inputs of one group only, so it stays
// distinct (and below the cap) through the identity layers, and layer `collapse` saturates it
// to the 0/1 pattern of its group: from that layer on the batch holds exactly `groups` distinct
// rows, before it every row differs from every other one.

#include <snicit/matrix.hpp>
#include <snicit/network.hpp>

#include <cstdint>
#include <random>
#include <vector>

namespace snicit::test {

inline SparseNetwork<float> collapse_network(std::int64_t layers,
                                             std::int64_t collapse,
                                             std::int64_t groups = 8) {
  std::int64_t const n = 8 * groups;
  SparseNetwork<float> net;
  net.activation_cap = 1.0f;
  for (std::int64_t l = 1; l <= layers; ++l) {
    SparseLayer<float> layer;
    auto& w = layer.weights;
    w.rows = n;
    w.cols = n;
    w.row_offsets.push_back(0);
    for (std::int64_t i = 0; i < n; ++i) {
      if (l == collapse) {
        std::int64_t const g = i / 8;
        for (std::int64_t j = 8 * g; j < 8 * g + 8; ++j) {
          w.col_indices.push_back(static_cast<std::int32_t>(j));
          w.values.push_back(4.0f);
        }
      } else {
        w.col_indices.push_back(static_cast<std::int32_t>(i));
        w.values.push_back(1.0f);
      }
      w.row_offsets.push_back(static_cast<std::int64_t>(w.col_indices.size()));
    }
    layer.bias = {0.0f};
    net.layers.push_back(std::move(layer));
  }
  return net;
}

/// `rows` inputs for collapse_network: row r lives on the 8 inputs of group r % groups.
inline DenseMatrix<float> collapse_inputs(std::int64_t rows,
                                          std::int64_t groups = 8,
                                          unsigned seed = 7) {
  std::int64_t const n = 8 * groups;
  DenseMatrix<float> in(rows, n, 0.0f);
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> value(0.3f, 0.9f);
  for (std::int64_t r = 0; r < rows; ++r) {
    std::int64_t const g = r % groups;
    for (std::int64_t j = 8 * g; j < 8 * g + 8; ++j) {
      in.data[static_cast<std::size_t>(r * n + j)] = value(gen);
    }
  }
  return in;
}

}  // namespace snicit::test
