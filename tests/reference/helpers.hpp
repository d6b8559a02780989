// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <test_data.hpp>

// Helpers for the snicit::reference tests: hand-built layers, seeded random networks and inputs,
// a naive dense implementation of exact inference (written independently of the oracle, with the
// same summation order so results must agree bit for bit), and the data directory.

#include <snicit/detail/random.hpp>
#include <snicit/matrix.hpp>
#include <snicit/network.hpp>
#include <snicit/reference/reference.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

namespace snicit::test {

/// A CSR matrix from (row, col, value) triplets (any order, no duplicates).
inline CsrMatrix<float> csr_from_triplets(std::int64_t rows,
                                          std::int64_t cols,
                                          std::vector<std::tuple<int, int, float>> t) {
  std::sort(t.begin(), t.end(), [](auto const& a, auto const& b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
  });
  CsrMatrix<float> m;
  m.rows = rows;
  m.cols = cols;
  m.row_offsets.assign(static_cast<std::size_t>(rows + 1), 0);
  for (auto const& [r, c, v] : t) {
    m.row_offsets[static_cast<std::size_t>(r) + 1]++;
    m.col_indices.push_back(c);
    m.values.push_back(v);
  }
  for (std::size_t r = 0; r < static_cast<std::size_t>(rows); ++r) {
    m.row_offsets[r + 1] += m.row_offsets[r];
  }
  m.validate();
  return m;
}

/// A CSR matrix holding the non-zeros of a dense matrix.
inline CsrMatrix<float> csr_from_dense(DenseMatrix<float> const& d) {
  CsrMatrix<float> m;
  m.rows = d.rows;
  m.cols = d.cols;
  m.row_offsets.push_back(0);
  for (std::int64_t r = 0; r < d.rows; ++r) {
    for (std::int64_t c = 0; c < d.cols; ++c) {
      if (d(r, c) != 0.0f) {
        m.col_indices.push_back(static_cast<std::int32_t>(c));
        m.values.push_back(d(r, c));
      }
    }
    m.row_offsets.push_back(static_cast<std::int64_t>(m.col_indices.size()));
  }
  return m;
}

/// A dense matrix from nested rows.
inline DenseMatrix<float> dense(std::vector<std::vector<float>> const& rows) {
  DenseMatrix<float> m(static_cast<std::int64_t>(rows.size()),
                       rows.empty() ? 0 : static_cast<std::int64_t>(rows.front().size()));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::copy(rows[r].begin(), rows[r].end(), m.row(static_cast<std::int64_t>(r)).begin());
  }
  return m;
}

/// Shape of a random test network.
struct RandomNetSpec {
  std::int64_t neurons = 24;
  std::int64_t layers = 6;
  double density = 0.3;
  float cap = 1.0f;
  float bias_lo = -0.3f;  ///< biases uniform in [bias_lo, bias_hi)
  float bias_hi = 0.0f;
  float weight_scale = 1.0f;
  double weight_shift = 0.9;  ///< weights uniform in [-shift, 2 - shift) * amplitude
};

/// A seeded random sparse network (weights uniform in +-scale*2/sqrt(density*N), per-output bias).
inline SparseNetwork<float> random_network(RandomNetSpec const& spec, std::uint64_t seed) {
  detail::Rng rng(seed, 1);
  SparseNetwork<float> net;
  net.activation_cap = spec.cap;
  auto const N = spec.neurons;
  float const amp = spec.weight_scale * 2.0f /
                    static_cast<float>(std::sqrt(spec.density * static_cast<double>(N)));
  for (std::int64_t l = 0; l < spec.layers; ++l) {
    std::vector<std::tuple<int, int, float>> t;
    for (int i = 0; i < N; ++i) {
      for (int j = 0; j < N; ++j) {
        if (rng.uniform() < spec.density) {
          float const v = static_cast<float>((rng.uniform() * 2.0 - spec.weight_shift) * amp);
          if (v != 0.0f) {
            t.emplace_back(i, j, v);
          }
        }
      }
    }
    SparseLayer<float> layer;
    layer.weights = csr_from_triplets(N, N, std::move(t));
    for (std::int64_t j = 0; j < N; ++j) {
      layer.bias.push_back(
          static_cast<float>(spec.bias_lo + (spec.bias_hi - spec.bias_lo) * rng.uniform()));
    }
    net.layers.push_back(std::move(layer));
  }
  return net;
}

/// Random dense input in [0, 1) with a fraction `zeros` of zero entries and some all-zero rows.
inline DenseMatrix<float> random_input(std::int64_t rows,
                                       std::int64_t cols,
                                       std::uint64_t seed,
                                       double zeros = 0.5) {
  detail::Rng rng(seed, 2);
  DenseMatrix<float> m(rows, cols, 0.0f);
  for (std::int64_t r = 0; r < rows; ++r) {
    if (r % 17 == 5) {
      continue;  // an all-zero input row
    }
    for (std::int64_t c = 0; c < cols; ++c) {
      if (rng.uniform() >= zeros) {
        m(r, c) = static_cast<float>(rng.uniform());
      }
    }
  }
  return m;
}

/**
 * Naive dense exact inference, written independently of the oracle: every row of the full input
 * through every layer (no dropping), each output summed over inputs i ascending, skipping zero
 * products' inputs, then + bias, then clamp. Returns all rows (dead ones zero).
 */
inline DenseMatrix<float> naive_dense_inference(SparseNetwork<float> const& net,
                                                DenseMatrix<float> y) {
  for (auto const& layer : net.layers) {
    auto const& w = layer.weights;
    // Densify W.
    std::vector<float> wd(static_cast<std::size_t>(w.rows * w.cols), 0.0f);
    std::vector<bool> present(wd.size(), false);
    for (std::int64_t i = 0; i < w.rows; ++i) {
      for (auto k = w.row_offsets[static_cast<std::size_t>(i)];
           k < w.row_offsets[static_cast<std::size_t>(i) + 1];
           ++k) {
        auto const idx =
            static_cast<std::size_t>(i * w.cols + w.col_indices[static_cast<std::size_t>(k)]);
        wd[idx] = w.values[static_cast<std::size_t>(k)];
        present[idx] = true;
      }
    }
    DenseMatrix<float> out(y.rows, w.cols, 0.0f);
    for (std::int64_t r = 0; r < y.rows; ++r) {
      for (std::int64_t j = 0; j < w.cols; ++j) {
        float acc = 0.0f;
        for (std::int64_t i = 0; i < w.rows; ++i) {
          auto const idx = static_cast<std::size_t>(i * w.cols + j);
          if (y(r, i) != 0.0f && present[idx]) {
            float const prod = y(r, i) * wd[idx];
            acc += prod;
          }
        }
        float const z = acc + layer.bias_at(j);
        out(r, j) = z > 0.0f ? std::min(z, net.activation_cap) : 0.0f;
      }
    }
    y = std::move(out);
  }
  return y;
}

/// Ids of the rows of `m` with a non-zero entry.
inline std::vector<std::int64_t> nonzero_rows(DenseMatrix<float> const& m) {
  std::vector<std::int64_t> ids;
  for (std::int64_t r = 0; r < m.rows; ++r) {
    auto const row = m.row(r);
    if (std::any_of(row.begin(), row.end(), [](float v) { return v != 0.0f; })) {
      ids.push_back(r);
    }
  }
  return ids;
}

/// The full (all input rows) activations of a result; rows not listed are zero.
inline DenseMatrix<float> full_activations(reference::InferenceResult const& r,
                                           std::int64_t rows,
                                           std::int64_t cols) {
  DenseMatrix<float> m(rows, cols, 0.0f);
  for (std::size_t p = 0; p < r.rows.size(); ++p) {
    auto const src = r.activations.row(static_cast<std::int64_t>(p));
    std::copy(src.begin(), src.end(), m.row(r.rows[p]).begin());
  }
  return m;
}

/// Largest |a - b| / max(1, max|row of a|) over all entries (row-relative error).
inline double max_row_relative_error(DenseMatrix<float> const& a, DenseMatrix<float> const& b) {
  double worst = 0.0;
  for (std::int64_t r = 0; r < a.rows; ++r) {
    double scale = 1.0;
    for (std::int64_t c = 0; c < a.cols; ++c) {
      scale = std::max(scale, static_cast<double>(std::fabs(a(r, c))));
    }
    for (std::int64_t c = 0; c < a.cols; ++c) {
      worst = std::max(worst, std::fabs(static_cast<double>(a(r, c)) - b(r, c)) / scale);
    }
  }
  return worst;
}

}  // namespace snicit::test
