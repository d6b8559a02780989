// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once
// CPU oracles for the GPU tests: per-row layer helpers for the kernel tests, snicit::reference in
// the shape the engine tests use, and seeded generators of small networks and inputs.

#include <snicit/matrix.hpp>
#include <snicit/network.hpp>
#include <snicit/options.hpp>
#include <snicit/reference/reference.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace oracle {

using Row = std::vector<float>;

inline float relu_clip(float x, float cap) {
  return x > 0.0f ? (x < cap ? x : cap) : 0.0f;
}

/// y * W in the reference order (inputs ascending, CSR row order, rounded products, from +0).
inline Row product(snicit::CsrMatrix<float> const& w, Row const& y) {
  Row acc(static_cast<std::size_t>(w.cols), 0.0f);
  for (std::int64_t i = 0; i < w.rows; ++i) {
    float const v = y[static_cast<std::size_t>(i)];
    if (v == 0.0f) {
      continue;
    }
    for (auto k = w.row_offsets[i]; k < w.row_offsets[i + 1]; ++k) {
      float const p = v * w.values[static_cast<std::size_t>(k)];
      acc[static_cast<std::size_t>(w.col_indices[static_cast<std::size_t>(k)])] += p;
    }
  }
  return acc;
}

inline Row forward(snicit::SparseLayer<float> const& layer, float cap, Row const& y) {
  Row out = product(layer.weights, y);
  for (std::size_t j = 0; j < out.size(); ++j) {
    out[j] = relu_clip(out[j] + layer.bias_at(static_cast<std::int64_t>(j)), cap);
  }
  return out;
}

inline bool nonzero(Row const& r) {
  return std::any_of(r.begin(), r.end(), [](float v) { return v != 0.0f; });
}

/// What the engine tests compare with: snicit::reference (the project's CPU oracle) in the shape
/// the tests use. Statistics are those of the last round.
struct Result {
  std::vector<std::int64_t> rows;
  std::vector<Row> activations;
  std::vector<std::int64_t> alive_per_pre_layer;
  std::int64_t live_at_conversion = 0;
  std::int64_t centroids = 0;
  std::int64_t nonempty_after_conversion = 0;
};

/// Whole input in rounds of o.batch_size (0 = all), exact or SNICIT, by snicit::reference.
inline Result infer(snicit::SparseNetwork<float> const& net,
                    snicit::DenseMatrix<float> const& in,
                    bool snicit_mode,
                    snicit::SnicitOptions const& o) {
  Result res;
  snicit::reference::InferenceResult base;
  if (snicit_mode) {
    auto r = snicit::reference::infer_snicit(net, in, o);
    if (!r.stats.centroids.empty()) {
      res.alive_per_pre_layer = r.stats.alive_per_pre_layer.back();
      res.live_at_conversion = r.stats.rows_at_conversion.back();
      res.centroids = r.stats.centroids.back();
      res.nonempty_after_conversion = r.stats.nonempty_after_conversion.back();
    }
    base = std::move(r);
  } else {
    base = snicit::reference::infer_exact(net, in);
    res.alive_per_pre_layer = base.alive_per_layer;
  }
  res.rows = base.rows;
  for (std::size_t p = 0; p < base.rows.size(); ++p) {
    auto const row = base.activations.row(static_cast<std::int64_t>(p));
    res.activations.emplace_back(row.begin(), row.end());
  }
  return res;
}

/// CSR weights n_in x n_out from per-input lists of (output, value); each list is sorted here.
inline snicit::CsrMatrix<float> csr_from_rows(
    std::int64_t n_in,
    std::int64_t n_out,
    std::vector<std::vector<std::pair<std::int32_t, float>>> rows) {
  snicit::CsrMatrix<float> w;
  w.rows = n_in;
  w.cols = n_out;
  w.row_offsets.push_back(0);
  for (auto& r : rows) {
    std::sort(r.begin(), r.end());
    for (auto [c, v] : r) {
      w.col_indices.push_back(c);
      w.values.push_back(v);
    }
    w.row_offsets.push_back(static_cast<std::int64_t>(w.col_indices.size()));
  }
  return w;
}

/// A random sparse network: each output has `fan_in` random inputs with values in
/// [wlo, whi] (or `uniform` when non-zero), bias `bias`, cap `cap`.
inline snicit::SparseNetwork<float> random_network(std::int64_t n,
                                                   std::int64_t layers,
                                                   std::int64_t fan_in,
                                                   float bias,
                                                   float cap,
                                                   std::uint64_t seed,
                                                   float uniform = 0.0f,
                                                   float wlo = -0.2f,
                                                   float whi = 0.5f) {
  std::mt19937_64 rng(seed);
  snicit::SparseNetwork<float> net;
  net.activation_cap = cap;
  std::uniform_real_distribution<float> wd(wlo, whi);
  std::uniform_int_distribution<std::int64_t> id(0, n - 1);
  for (std::int64_t l = 0; l < layers; ++l) {
    std::vector<std::vector<std::pair<std::int32_t, float>>> rows(static_cast<std::size_t>(n));
    for (std::int64_t j = 0; j < n; ++j) {
      std::vector<std::int64_t> picked;
      while (static_cast<std::int64_t>(picked.size()) < std::min(fan_in, n)) {
        auto const i = id(rng);
        if (std::find(picked.begin(), picked.end(), i) == picked.end()) {
          picked.push_back(i);
        }
      }
      for (auto i : picked) {
        rows[static_cast<std::size_t>(i)].push_back(
            {static_cast<std::int32_t>(j), uniform != 0.0f ? uniform : wd(rng)});
      }
    }
    snicit::SparseLayer<float> layer;
    layer.weights = csr_from_rows(n, n, std::move(rows));
    layer.bias = {bias};
    net.layers.push_back(std::move(layer));
  }
  return net;
}

/// A random n_in x n_out layer drawn from `rng`: each weight present with probability
/// `density`, value uniform in [wlo, whi]; one bias per output, uniform in [blo, bhi].
inline snicit::SparseLayer<float> random_dense_layer(std::int64_t n_in,
                                                     std::int64_t n_out,
                                                     double density,
                                                     std::mt19937_64& rng,
                                                     float wlo,
                                                     float whi,
                                                     float blo,
                                                     float bhi) {
  std::bernoulli_distribution on(density);
  std::uniform_real_distribution<float> wv(wlo, whi);
  std::uniform_real_distribution<float> bv(blo, bhi);
  snicit::SparseLayer<float> layer;
  auto& w = layer.weights;
  w.rows = n_in;
  w.cols = n_out;
  w.row_offsets.push_back(0);
  for (std::int64_t i = 0; i < n_in; ++i) {
    for (std::int64_t j = 0; j < n_out; ++j) {
      if (on(rng)) {
        w.col_indices.push_back(static_cast<std::int32_t>(j));
        w.values.push_back(wv(rng));
      }
    }
    w.row_offsets.push_back(static_cast<std::int64_t>(w.col_indices.size()));
  }
  for (std::int64_t j = 0; j < n_out; ++j) {
    layer.bias.push_back(bv(rng));
  }
  return layer;
}

/// Random inputs: each entry non-zero with probability `density`, value in (0, vmax] or exactly
/// `vmax` when `binary`; `zero_rows` of every 10 rows are all zero.
inline snicit::DenseMatrix<float> random_input(std::int64_t rows,
                                               std::int64_t n,
                                               double density,
                                               float vmax,
                                               bool binary,
                                               std::uint64_t seed,
                                               int zero_rows_per_10 = 1) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution on(density);
  std::uniform_real_distribution<float> val(0.0f, vmax);
  snicit::DenseMatrix<float> m(rows, n, 0.0f);
  for (std::int64_t r = 0; r < rows; ++r) {
    if (r % 10 < zero_rows_per_10) {
      continue;
    }
    for (std::int64_t c = 0; c < n; ++c) {
      if (on(rng)) {
        m(r, c) = binary ? vmax : val(rng);
      }
    }
  }
  return m;
}

/// SDGC-style binary images: each image turns pixels on with its own probability drawn from
/// [0.1, 0.3]; on RadiX-Net 1024 about 6 % of them stay alive and converge, as SDGC images do.
inline snicit::CsrMatrix<float> images(std::int64_t count, std::int64_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  snicit::CsrMatrix<float> m;
  m.rows = count;
  m.cols = n;
  m.row_offsets.push_back(0);
  for (std::int64_t r = 0; r < count; ++r) {
    std::bernoulli_distribution on(std::uniform_real_distribution<double>(0.1, 0.3)(rng));
    for (std::int64_t c = 0; c < n; ++c) {
      if (on(rng)) {
        m.col_indices.push_back(static_cast<std::int32_t>(c));
        m.values.push_back(1.0f);
      }
    }
    m.row_offsets.push_back(static_cast<std::int64_t>(m.col_indices.size()));
  }
  return m;
}

inline snicit::CsrMatrix<float> to_csr(snicit::DenseMatrix<float> const& d) {
  snicit::CsrMatrix<float> c;
  c.rows = d.rows;
  c.cols = d.cols;
  c.row_offsets.push_back(0);
  for (std::int64_t r = 0; r < d.rows; ++r) {
    for (std::int64_t j = 0; j < d.cols; ++j) {
      if (d(r, j) != 0.0f) {
        c.col_indices.push_back(static_cast<std::int32_t>(j));
        c.values.push_back(d(r, j));
      }
    }
    c.row_offsets.push_back(static_cast<std::int64_t>(c.col_indices.size()));
  }
  return c;
}

}  // namespace oracle
