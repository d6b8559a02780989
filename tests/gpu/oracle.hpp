// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once
// A small serial CPU oracle for the GPU tests: the SNICIT semantics of docs/engine.md (the same
// as snicit::reference, tolerances compared in float), written for clarity, plus seeded generators of small networks/inputs.

#include <snicit/matrix.hpp>
#include <snicit/network.hpp>
#include <snicit/options.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
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

inline std::vector<bool> droppable(snicit::SparseNetwork<float> const& net) {
  auto const L = static_cast<std::size_t>(net.num_layers());
  std::vector<bool> d(L + 1, true);
  for (std::size_t l = L; l-- > 0;) {
    bool zero = true;
    for (std::int64_t j = 0; j < net.layers[l].weights.cols; ++j) {
      zero = zero && relu_clip(0.0f + net.layers[l].bias_at(j), net.activation_cap) == 0.0f;
    }
    d[l] = d[l + 1] && zero;
  }
  return d;
}

struct Result {
  std::vector<std::int64_t> rows;
  std::vector<Row> activations;
  // statistics of the last round
  std::vector<std::int64_t> alive_per_pre_layer;
  std::int64_t live_at_conversion = 0;
  std::int64_t centroids = 0;
  std::int64_t nonempty_after_conversion = 0;
};

/// Runs one round (rows ids[.] with values ys[.]); exact when `snicit` is false.
inline void run_round(snicit::SparseNetwork<float> const& net,
                      std::vector<std::int64_t> ids,
                      std::vector<Row> ys,
                      bool snicit_mode,
                      snicit::SnicitOptions const& o,
                      Result& res) {
  float const cap = net.activation_cap;
  auto const drop = droppable(net);
  std::int64_t const L = net.num_layers();
  std::int64_t const T = snicit_mode ? o.threshold_layer : L;
  auto drop_dead = [&](bool really) {
    std::vector<std::int64_t> ni;
    std::vector<Row> ny;
    std::int64_t alive = 0;
    for (std::size_t p = 0; p < ids.size(); ++p) {
      bool const nz = nonzero(ys[p]);
      alive += nz ? 1 : 0;
      if (nz || !really) {
        ni.push_back(ids[p]);
        ny.push_back(std::move(ys[p]));
      }
    }
    ids = std::move(ni);
    ys = std::move(ny);
    return alive;
  };
  drop_dead(drop[0]);
  res.alive_per_pre_layer.clear();
  for (std::int64_t l = 1; l <= T; ++l) {
    for (auto& y : ys) {
      y = forward(net.layers[static_cast<std::size_t>(l - 1)], cap, y);
    }
    res.alive_per_pre_layer.push_back(drop_dead(drop[static_cast<std::size_t>(l)]));
  }
  if (snicit_mode) {
    auto const A = static_cast<std::int64_t>(ys.size());
    res.live_at_conversion = A;
    std::int64_t const s = std::min(o.samples, A);
    std::int64_t const n = ys.empty() ? 0 : static_cast<std::int64_t>(ys[0].size());
    std::vector<std::int64_t> pos;
    std::vector<Row> f;
    for (std::int64_t i = 0; i < s; ++i) {
      std::int64_t const k = o.sampling == snicit::Sampling::strided ? i * A / s : i;
      pos.push_back(k);
      Row const& y = ys[static_cast<std::size_t>(k)];
      if (o.downsample == 0) {
        f.push_back(y);
      } else {
        Row seg(static_cast<std::size_t>(o.downsample), 0.0f);
        for (std::int64_t j = 0; j < o.downsample; ++j) {
          float sum = 0.0f;
          for (std::int64_t d = j * n / o.downsample; d < (j + 1) * n / o.downsample; ++d) {
            sum += y[static_cast<std::size_t>(d)];
          }
          seg[static_cast<std::size_t>(j)] = sum;
        }
        f.push_back(seg);
      }
    }
    std::vector<bool> keep(static_cast<std::size_t>(s), true);
    for (std::int64_t b = 0; b < s; ++b) {
      if (!keep[static_cast<std::size_t>(b)]) {
        continue;
      }
      for (std::int64_t j = b + 1; j < s; ++j) {
        if (!keep[static_cast<std::size_t>(j)]) {
          continue;
        }
        auto const& x = f[static_cast<std::size_t>(j)];
        auto const& c = f[static_cast<std::size_t>(b)];
        std::int64_t cnt = 0;
        for (std::size_t d = 0; d < x.size(); ++d) {
          cnt += std::fabs(x[d] - c[d]) > static_cast<float>(o.eta) ? 1 : 0;
        }
        if (static_cast<double>(cnt) < o.eps * static_cast<double>(x.size())) {
          keep[static_cast<std::size_t>(j)] = false;
        }
      }
    }
    std::vector<std::int64_t> cents;
    for (std::int64_t j = 0; j < s; ++j) {
      if (keep[static_cast<std::size_t>(j)]) {
        cents.push_back(pos[static_cast<std::size_t>(j)]);
      }
    }
    res.centroids = static_cast<std::int64_t>(cents.size());
    std::vector<std::int64_t> m(static_cast<std::size_t>(A), -1);
    std::vector<bool> ne(static_cast<std::size_t>(A), true);
    std::vector<Row> yh(ys.size());
    for (std::int64_t k = 0; k < A; ++k) {
      auto const& y = ys[static_cast<std::size_t>(k)];
      if (std::find(cents.begin(), cents.end(), k) != cents.end()) {
        yh[static_cast<std::size_t>(k)] = y;
        continue;
      }
      std::int64_t best = 0;
      std::int64_t best_d = -1;
      for (std::size_t c = 0; c < cents.size(); ++c) {
        auto const& yc = ys[static_cast<std::size_t>(cents[c])];
        std::int64_t d = 0;
        for (std::size_t j = 0; j < y.size(); ++j) {
          d += std::fabs(y[j] - yc[j]) > static_cast<float>(o.tau_conv) ? 1 : 0;
        }
        if (best_d < 0 || d < best_d) {
          best_d = d;
          best = cents[c];
        }
      }
      auto const& yc = ys[static_cast<std::size_t>(best)];
      Row r(y.size());
      for (std::size_t j = 0; j < y.size(); ++j) {
        float v = y[j] - yc[j];
        r[j] = std::fabs(v) <= static_cast<float>(o.tau_conv) ? 0.0f : v;
      }
      m[static_cast<std::size_t>(k)] = best;
      ne[static_cast<std::size_t>(k)] = nonzero(r);
      yh[static_cast<std::size_t>(k)] = std::move(r);
    }
    res.nonempty_after_conversion = std::count(ne.begin(), ne.end(), true);
    std::vector<std::int64_t> list;
    auto rebuild = [&] {
      list.clear();
      for (std::int64_t k = 0; k < A; ++k) {
        if (ne[static_cast<std::size_t>(k)]) {
          list.push_back(k);
        }
      }
    };
    rebuild();
    for (std::int64_t l = T + 1; l <= L; ++l) {
      auto const& layer = net.layers[static_cast<std::size_t>(l - 1)];
      std::vector<Row> sp(ys.size());
      for (auto r : list) {
        sp[static_cast<std::size_t>(r)] = product(layer.weights, yh[static_cast<std::size_t>(r)]);
      }
      for (auto r : list) {
        auto const c = m[static_cast<std::size_t>(r)];
        auto const& sr = sp[static_cast<std::size_t>(r)];
        Row out(sr.size());
        if (c < 0) {
          for (std::size_t j = 0; j < sr.size(); ++j) {
            out[j] = relu_clip(sr[j] + layer.bias_at(static_cast<std::int64_t>(j)), cap);
          }
        } else {
          auto const& sc = sp[static_cast<std::size_t>(c)];
          for (std::size_t j = 0; j < sr.size(); ++j) {
            float const b = layer.bias_at(static_cast<std::int64_t>(j));
            float v = relu_clip(sc[j] + sr[j] + b, cap) - relu_clip(sc[j] + b, cap);
            out[j] = std::fabs(v) <= static_cast<float>(o.tau_post) ? 0.0f : v;
          }
          ne[static_cast<std::size_t>(r)] = nonzero(out);
        }
        yh[static_cast<std::size_t>(r)] = std::move(out);
      }
      // residue rows not in the list stay zero; give them the new width
      for (std::int64_t k = 0; k < A; ++k) {
        if (!ne[static_cast<std::size_t>(k)] && m[static_cast<std::size_t>(k)] >= 0) {
          yh[static_cast<std::size_t>(k)].assign(static_cast<std::size_t>(layer.weights.cols),
                                                 0.0f);
        }
      }
      if ((l - T) % o.rebuild_interval == 0) {
        rebuild();
      }
    }
    for (std::int64_t k = 0; k < A; ++k) {
      auto const c = m[static_cast<std::size_t>(k)];
      if (c >= 0) {
        auto& r = yh[static_cast<std::size_t>(k)];
        auto const& yc = yh[static_cast<std::size_t>(c)];
        for (std::size_t j = 0; j < r.size(); ++j) {
          r[j] = r[j] + yc[j];
        }
      }
    }
    ys = std::move(yh);
  }
  for (std::size_t p = 0; p < ids.size(); ++p) {
    if (nonzero(ys[p])) {
      res.rows.push_back(ids[p]);
      res.activations.push_back(ys[p]);
    }
  }
}

/// Whole input in rounds of batch (0 = all), exact or SNICIT.
inline Result infer(snicit::SparseNetwork<float> const& net,
                    snicit::DenseMatrix<float> const& in,
                    bool snicit_mode,
                    snicit::SnicitOptions const& o) {
  Result res;
  std::int64_t const round = o.batch_size > 0 ? o.batch_size : std::max<std::int64_t>(in.rows, 1);
  for (std::int64_t r0 = 0; r0 < in.rows; r0 += round) {
    std::int64_t const b = std::min(round, in.rows - r0);
    std::vector<std::int64_t> ids;
    std::vector<Row> ys;
    for (std::int64_t r = r0; r < r0 + b; ++r) {
      ids.push_back(r);
      ys.emplace_back(in.row(r).begin(), in.row(r).end());
    }
    run_round(net, ids, ys, snicit_mode, o, res);
  }
  return res;
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
    auto& w = layer.weights;
    w.rows = n;
    w.cols = n;
    w.row_offsets.push_back(0);
    for (auto& r : rows) {
      std::sort(r.begin(), r.end());
      for (auto [c, v] : r) {
        w.col_indices.push_back(c);
        w.values.push_back(v);
      }
      w.row_offsets.push_back(static_cast<std::int64_t>(w.col_indices.size()));
    }
    layer.bias = {bias};
    net.layers.push_back(std::move(layer));
  }
  return net;
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
