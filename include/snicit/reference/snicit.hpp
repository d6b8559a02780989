// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file snicit.hpp
 * @brief The CPU oracle for the whole SNICIT pipeline (pre-convergence, sampling, optional
 * sum-downsampling, sample pruning, conversion, post-convergence updates, recovery), with the
 * semantics the GPU engine must reproduce. docs/reference.md records every choice, in particular
 * where we deliberately differ from the authors' code.
 *
 * The phases are also public building blocks (sample_positions, downsample, prune_samples,
 * convert, post_layer, rebuild_list, recover) so kernel tests can check one phase at a time.
 *
 * Tolerances (eta, tau_conv, tau_post) are converted to float once and compared with float
 * differences; `eps * dim` is evaluated in double.
 */

#include <snicit/adaptive.hpp>
#include <snicit/config.hpp>
#include <snicit/error.hpp>
#include <snicit/matrix.hpp>
#include <snicit/network.hpp>
#include <snicit/options.hpp>
#include <snicit/reference/exact.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace reference {

/// SNICIT statistics, one entry per round (batch) of the input.
struct SnicitStats {
  /// Live rows A at layer t (the rows that enter the conversion).
  std::vector<std::int64_t> rows_at_conversion;
  /// k: the number of centroids (surviving samples).
  std::vector<std::int64_t> centroids;
  /// Size of the non-empty row list right after conversion (centroids included).
  std::vector<std::int64_t> nonempty_after_conversion;
  /// For each post-convergence layer t+1..L: the size of the non-empty list that layer used.
  std::vector<std::vector<std::int64_t>> nonempty_per_post_layer;
  /// Rows with a non-zero entry after each pre-convergence layer 1..t.
  std::vector<std::vector<std::int64_t>> alive_per_pre_layer;
  /// The threshold layer t of each round (fixed, or chosen by infer_snicit_adaptive).
  std::vector<std::int64_t> threshold_layer;
  /// infer_snicit_adaptive: the measured checks of each round, in layer order (empty otherwise,
  /// and in rounds that reuse round 0's t).
  std::vector<std::vector<ThresholdCheck>> threshold_checks;
};

/**
 * @brief The SNICIT outcome: the recovered rows that are non-zero after layer L (as in
 * InferenceResult) plus the per-round statistics.
 *
 * alive_per_layer / nnz_per_layer: exact counts for layers 1..t; for the compressed layers
 * t+1..L the counts of the representation as recovery would return it after that layer.
 */
struct SnicitResult : InferenceResult {
  SnicitStats stats;  ///< per-round centroid and non-empty counts
};

/**
 * @brief Positions (0-based, ascending) of the s' = min(s, A) sample rows among A live rows.
 * strided: floor(i * A / s'); first: i; for i = 0..s'-1. Empty when A == 0.
 */
[[nodiscard]] inline std::vector<std::int64_t> sample_positions(std::int64_t live,
                                                                std::int64_t samples,
                                                                Sampling sampling) {
  SNICIT_EXPECTS(live >= 0 && samples >= 1, "sample_positions: need A >= 0 and s >= 1");
  std::int64_t const s = std::min(samples, live);
  std::vector<std::int64_t> pos(static_cast<std::size_t>(s));
  for (std::int64_t i = 0; i < s; ++i) {
    pos[static_cast<std::size_t>(i)] = sampling == Sampling::strided ? (i * live) / s : i;
  }
  return pos;
}

/**
 * @brief Sum-downsampling: row i of the result holds n segment sums of row i of `rows`; segment
 * j covers columns [floor(j*N/n), floor((j+1)*N/n)) and is summed in float, ascending column.
 * @param segments n, 1 <= n <= N
 */
[[nodiscard]] inline DenseMatrix<float> downsample(DenseMatrix<float> const& rows,
                                                   std::int64_t segments) {
  std::int64_t const N = rows.cols;
  SNICIT_EXPECTS(segments >= 1 && segments <= N,
                 "downsample: segments n = " + std::to_string(segments) +
                     " must satisfy 1 <= n <= N = " + std::to_string(N));
  DenseMatrix<float> out(rows.rows, segments, 0.0f);
  for (std::int64_t i = 0; i < rows.rows; ++i) {
    for (std::int64_t j = 0; j < segments; ++j) {
      std::int64_t const b = (j * N) / segments;
      std::int64_t const e = ((j + 1) * N) / segments;
      float sum = 0.0f;
      for (std::int64_t c = b; c < e; ++c) {
        sum += rows(i, c);
      }
      out(i, j) = sum;
    }
  }
  return out;
}

/**
 * @brief Sample pruning (paper Alg. 1 with the authors' comparison): walk the samples in order;
 * each sample still alive becomes a base and prunes every later alive sample that has fewer than
 * `eps * dim` entries with |a - b| > eta (dim = features.cols).
 * @return indices (rows of `features`, ascending) of the survivors, i.e. the centroids
 */
[[nodiscard]] inline std::vector<std::int64_t> prune_samples(DenseMatrix<float> const& features,
                                                             double eps,
                                                             double eta) {
  SNICIT_EXPECTS(eps >= 0 && eta >= 0, "prune_samples: eps and eta must be non-negative");
  std::int64_t const s = features.rows;
  std::int64_t const dim = features.cols;
  float const eta_f = static_cast<float>(eta);
  double const limit = eps * static_cast<double>(dim);
  std::vector<bool> alive(static_cast<std::size_t>(s), true);
  std::vector<std::int64_t> survivors;
  for (std::int64_t i = 0; i < s; ++i) {
    if (!alive[static_cast<std::size_t>(i)]) {
      continue;
    }
    survivors.push_back(i);
    auto const base = features.row(i);
    for (std::int64_t j = i + 1; j < s; ++j) {
      if (!alive[static_cast<std::size_t>(j)]) {
        continue;
      }
      auto const other = features.row(j);
      std::int64_t differ = 0;
      for (std::int64_t c = 0; c < dim; ++c) {
        differ += std::fabs(other[static_cast<std::size_t>(c)] -
                            base[static_cast<std::size_t>(c)]) > eta_f
                      ? 1
                      : 0;
      }
      if (static_cast<double>(differ) < limit) {
        alive[static_cast<std::size_t>(j)] = false;
      }
    }
  }
  return survivors;
}

/**
 * @brief The compressed representation of one round (paper Eq. 4): centroid rows in full,
 * residue rows for the others, stored only for the rows of the non-empty list.
 *
 * Row positions are 0..rows-1 (positions among the A live rows of the round at layer t). A row
 * that is not in `list` has an all-zero residue.
 */
struct CompressedBatch {
  std::int64_t rows = 0;                ///< A: rows represented
  std::int64_t width = 0;               ///< current activation width N
  std::vector<std::int64_t> centroids;  ///< row positions of the k centroids (list order)
  std::vector<std::int64_t>
      assignment;  ///< per row: index into `centroids` (M(r)); own index for a centroid
  std::vector<std::uint8_t> is_centroid;  ///< per row: 1 for a centroid
  std::vector<std::int64_t>
      list;  ///< the non-empty list: ascending row positions (all centroids included)
  std::vector<std::uint8_t>
      nonempty;               ///< per list entry: 1 while its residue has a non-zero (centroids: 1)
  DenseMatrix<float> values;  ///< list.size() x width: centroid rows / residues
  std::vector<std::int64_t> centroid_slot;  ///< per centroid: its index in `list`

  /// Per row: its index in `list`, or -1.
  [[nodiscard]] std::vector<std::int64_t> slots() const {
    std::vector<std::int64_t> slot(static_cast<std::size_t>(rows), -1);
    for (std::size_t i = 0; i < list.size(); ++i) {
      slot[static_cast<std::size_t>(list[i])] = static_cast<std::int64_t>(i);
    }
    return slot;
  }
  /// Recomputes centroid_slot from `list`.
  void update_centroid_slots() {
    auto const slot = slots();
    centroid_slot.resize(centroids.size());
    for (std::size_t c = 0; c < centroids.size(); ++c) {
      centroid_slot[c] = slot[static_cast<std::size_t>(centroids[c])];
    }
  }
};

/**
 * @brief Conversion (paper Alg. 2 with the authors' tolerance): every non-centroid row r takes the
 * centroid with the fewest entries |y_r[j] - y_c[j]| > tau_conv (ties: the first in list order),
 * and its residue y_r - y_c with entries |residue| <= tau_conv set to 0. A row is non-empty when
 * any residue entry is non-zero (positive or negative). Centroids keep their full rows.
 *
 * @param y         A x N activations at layer t
 * @param centroids distinct row positions in [0, A), k >= 1 when A >= 1
 */
[[nodiscard]] inline CompressedBatch convert(DenseMatrix<float> const& y,
                                             std::vector<std::int64_t> centroids,
                                             double tau_conv,
                                             int threads = 0) {
  SNICIT_EXPECTS(tau_conv >= 0, "convert: tau_conv must be non-negative");
  std::int64_t const A = y.rows;
  std::int64_t const N = y.cols;
  SNICIT_EXPECTS(A == 0 || !centroids.empty(), "convert: at least one centroid is required");
  CompressedBatch cb;
  cb.rows = A;
  cb.width = N;
  cb.is_centroid.assign(static_cast<std::size_t>(A), 0);
  cb.assignment.assign(static_cast<std::size_t>(A), -1);
  for (std::size_t c = 0; c < centroids.size(); ++c) {
    auto const r = centroids[c];
    SNICIT_EXPECTS(r >= 0 && r < A, "convert: centroid row out of range");
    SNICIT_EXPECTS(cb.is_centroid[static_cast<std::size_t>(r)] == 0, "convert: duplicate centroid");
    cb.is_centroid[static_cast<std::size_t>(r)] = 1;
    cb.assignment[static_cast<std::size_t>(r)] = static_cast<std::int64_t>(c);
  }
  cb.centroids = std::move(centroids);
  float const tau = static_cast<float>(tau_conv);
  auto const k = static_cast<std::int64_t>(cb.centroids.size());

  // Pass 1: nearest centroid and emptiness. The residue has a non-zero entry exactly where
  // |y_r - y_c| > tau, so a row is non-empty iff its distance to M(r) is > 0.
  std::vector<std::uint8_t> row_nonempty(static_cast<std::size_t>(A), 0);
  detail::for_rows(A, threads, k * N, [&](std::int64_t r) {
    if (cb.is_centroid[static_cast<std::size_t>(r)] != 0) {
      row_nonempty[static_cast<std::size_t>(r)] = 1;
      return;
    }
    float const* yr = y.data.data() + r * N;
    std::int64_t best = -1;
    std::int64_t best_dist = 0;
    for (std::int64_t c = 0; c < k; ++c) {
      float const* yc = y.data.data() + cb.centroids[static_cast<std::size_t>(c)] * N;
      std::int64_t dist = 0;
      for (std::int64_t j = 0; j < N; ++j) {
        dist += std::fabs(yr[j] - yc[j]) > tau ? 1 : 0;
      }
      if (best < 0 || dist < best_dist) {
        best = c;
        best_dist = dist;
        if (dist == 0) {
          break;  // nothing can be strictly smaller
        }
      }
    }
    cb.assignment[static_cast<std::size_t>(r)] = best;
    row_nonempty[static_cast<std::size_t>(r)] = best_dist > 0 ? 1 : 0;
  });

  // Pass 2: the non-empty list and its rows.
  for (std::int64_t r = 0; r < A; ++r) {
    if (row_nonempty[static_cast<std::size_t>(r)] != 0) {
      cb.list.push_back(r);
    }
  }
  auto const m = static_cast<std::int64_t>(cb.list.size());
  cb.nonempty.assign(static_cast<std::size_t>(m), 1);
  cb.values = DenseMatrix<float>(m, N, 0.0f);
  detail::for_rows(m, threads, N, [&](std::int64_t i) {
    auto const r = cb.list[static_cast<std::size_t>(i)];
    float const* yr = y.data.data() + r * N;
    float* out = cb.values.data.data() + i * N;
    if (cb.is_centroid[static_cast<std::size_t>(r)] != 0) {
      std::memcpy(out, yr, sizeof(float) * static_cast<std::size_t>(N));
      return;
    }
    auto const c =
        cb.centroids[static_cast<std::size_t>(cb.assignment[static_cast<std::size_t>(r)])];
    float const* yc = y.data.data() + c * N;
    for (std::int64_t j = 0; j < N; ++j) {
      float const d = yr[j] - yc[j];
      out[j] = std::fabs(d) > tau ? d : 0.0f;
    }
  });
  cb.update_centroid_slots();
  return cb;
}

/**
 * @brief One post-convergence layer (paper Eq. 5 / Alg. 3) over the rows of the non-empty list.
 *
 * S = values * W (no bias, the oracle's summation order); centroid c: act(S_c + b); residue row
 * r of centroid c: v = act((S_c + S_r) + b) - act(S_c + b), entries with |v| <= tau_post set to
 * 0, and its non-empty flag = any(v != 0). The list itself is not changed (see rebuild_list).
 */
inline void post_layer(CompressedBatch& cb,
                       SparseLayer<float> const& layer,
                       float cap,
                       double tau_post,
                       int threads = 0) {
  SNICIT_EXPECTS(tau_post >= 0, "post_layer: tau_post must be non-negative");
  SNICIT_EXPECTS(layer.weights.rows == cb.width,
                 "post_layer: the layer's input size does not match the activation width");
  std::int64_t const m = static_cast<std::int64_t>(cb.list.size());
  std::int64_t const N = layer.weights.cols;
  std::vector<std::int64_t> slots(static_cast<std::size_t>(m));
  for (std::int64_t i = 0; i < m; ++i) {
    slots[static_cast<std::size_t>(i)] = i;
  }
  DenseMatrix<float> const S =
      detail::forward_rows(layer, cap, detail::DenseRows{&cb.values}, slots, false, threads);
  std::vector<float> bias(static_cast<std::size_t>(N));
  for (std::int64_t j = 0; j < N; ++j) {
    bias[static_cast<std::size_t>(j)] = layer.bias_at(j);
  }
  float const tau = static_cast<float>(tau_post);
  DenseMatrix<float> next(m, N, 0.0f);
  detail::for_rows(m, threads, N, [&](std::int64_t i) {
    auto const r = cb.list[static_cast<std::size_t>(i)];
    float const* si = S.data.data() + i * N;
    float* out = next.data.data() + i * N;
    if (cb.is_centroid[static_cast<std::size_t>(r)] != 0) {
      for (std::int64_t j = 0; j < N; ++j) {
        out[j] = clipped_relu(si[j] + bias[static_cast<std::size_t>(j)], cap);
      }
      cb.nonempty[static_cast<std::size_t>(i)] = 1;
      return;
    }
    auto const cslot =
        cb.centroid_slot[static_cast<std::size_t>(cb.assignment[static_cast<std::size_t>(r)])];
    float const* sc = S.data.data() + cslot * N;
    bool any = false;
    for (std::int64_t j = 0; j < N; ++j) {
      float const b = bias[static_cast<std::size_t>(j)];
      float const centroid = clipped_relu(sc[j] + b, cap);
      float const v = clipped_relu((sc[j] + si[j]) + b, cap) - centroid;
      float const kept = std::fabs(v) > tau ? v : 0.0f;
      out[j] = kept;
      any = any || kept != 0.0f;
    }
    cb.nonempty[static_cast<std::size_t>(i)] = any ? 1 : 0;
  });
  cb.values = std::move(next);
  cb.width = N;
}

/// @brief Removes from the non-empty list the rows whose flag is false (their residue is all
/// zero, so this changes no result, only the work of later layers).
inline void rebuild_list(CompressedBatch& cb) {
  std::int64_t const N = cb.width;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < cb.list.size(); ++i) {
    if (cb.nonempty[i] == 0) {
      continue;
    }
    if (kept != i) {
      cb.list[kept] = cb.list[i];
      cb.nonempty[kept] = cb.nonempty[i];
      std::memcpy(cb.values.data.data() + static_cast<std::int64_t>(kept) * N,
                  cb.values.data.data() + static_cast<std::int64_t>(i) * N,
                  sizeof(float) * static_cast<std::size_t>(N));
    }
    ++kept;
  }
  cb.list.resize(kept);
  cb.nonempty.resize(kept);
  cb.values.rows = static_cast<std::int64_t>(kept);
  cb.values.data.resize(kept * static_cast<std::size_t>(N));
  cb.update_centroid_slots();
}

/**
 * @brief Recovery (paper Eq. 6): Y_r = residue_r + Y_{M(r)} for non-centroid rows (a row outside
 * the list has residue 0 and gets the centroid's row unchanged); centroids as they are.
 * @return rows x width activations, row r = position r
 */
[[nodiscard]] inline DenseMatrix<float> recover(CompressedBatch const& cb, int threads = 0) {
  std::int64_t const N = cb.width;
  DenseMatrix<float> out(cb.rows, N, 0.0f);
  auto const slot = cb.slots();
  detail::for_rows(cb.rows, threads, N, [&](std::int64_t r) {
    auto const cslot =
        cb.centroid_slot[static_cast<std::size_t>(cb.assignment[static_cast<std::size_t>(r)])];
    float const* yc = cb.values.data.data() + cslot * N;
    float* y = out.data.data() + r * N;
    auto const s = slot[static_cast<std::size_t>(r)];
    if (cb.is_centroid[static_cast<std::size_t>(r)] != 0 || s < 0) {
      std::memcpy(y, yc, sizeof(float) * static_cast<std::size_t>(N));
      return;
    }
    float const* v = cb.values.data.data() + s * N;
    for (std::int64_t j = 0; j < N; ++j) {
      y[j] = v[j] + yc[j];
    }
  });
  return out;
}

/**
 * @brief The centroids the conversion picks among the A = y.rows live rows: min(samples, A)
 * samples (options.sampling), optionally sum-downsampled (options.downsample), pruned with
 * options.eps / eta. Returns their row positions in sample order.
 */
[[nodiscard]] inline std::vector<std::int64_t> pick_centroids(DenseMatrix<float> const& y,
                                                              std::int64_t samples,
                                                              SnicitOptions const& options) {
  auto const positions = sample_positions(y.rows, samples, options.sampling);
  DenseMatrix<float> picked(static_cast<std::int64_t>(positions.size()), y.cols, 0.0f);
  for (std::size_t i = 0; i < positions.size(); ++i) {
    auto const src = y.row(positions[i]);
    std::copy(src.begin(), src.end(), picked.row(static_cast<std::int64_t>(i)).begin());
  }
  auto const survivors =
      options.downsample > 0
          ? prune_samples(downsample(picked, options.downsample), options.eps, options.eta)
          : prune_samples(picked, options.eps, options.eta);
  std::vector<std::int64_t> centroids;
  centroids.reserve(survivors.size());
  for (auto const i : survivors) {
    centroids.push_back(positions[static_cast<std::size_t>(i)]);
  }
  return centroids;
}

/**
 * @brief One check of the automatic threshold detector (adaptive.hpp) on the live rows `y` after
 * layer `layer`: A = y.rows; k = pick_centroids(y, adaptive.samples or s).size(); P' = min(P, A)
 * probe rows at strided positions floor(i * A / P'), less those that are centroids (probes =
 * the rest); a probe is non-empty when every centroid differs from it in some entry
 * (|y_p - y_c| > float(tau_conv)), i.e. its residue against the nearest centroid would be
 * non-empty.
 * predicted_rows and converts are left for ThresholdDetector::observe.
 */
[[nodiscard]] inline ThresholdCheck threshold_check(DenseMatrix<float> const& y,
                                                    std::int64_t layer,
                                                    SnicitOptions const& options) {
  ThresholdCheck c;
  c.layer = layer;
  c.live = y.rows;
  if (y.rows == 0) {
    return c;
  }
  std::int64_t const s = options.adaptive.samples > 0 ? options.adaptive.samples : options.samples;
  auto const centroids = pick_centroids(y, s, options);
  c.centroids = static_cast<std::int64_t>(centroids.size());
  auto const probes = sample_positions(y.rows, options.adaptive.probes, Sampling::strided);
  float const tau = static_cast<float>(options.tau_conv);
  std::int64_t const N = y.cols;
  for (auto const p : probes) {
    if (std::find(centroids.begin(), centroids.end(), p) != centroids.end()) {
      continue;  // a centroid keeps its full row: it says nothing about residues
    }
    ++c.probes;
    float const* yp = y.data.data() + p * N;
    bool empty = false;
    for (std::size_t ci = 0; ci < centroids.size() && !empty; ++ci) {
      float const* yc = y.data.data() + centroids[ci] * N;
      bool differs = false;
      for (std::int64_t j = 0; j < N && !differs; ++j) {
        differs = std::fabs(yp[j] - yc[j]) > tau;
      }
      empty = !differs;
    }
    c.nonempty_probes += empty ? 0 : 1;
  }
  return c;
}

namespace detail {

/// Rows with a non-zero and non-zero entries of recover(cb), without materialising it.
inline std::pair<std::int64_t, std::int64_t> recovered_counts(CompressedBatch const& cb) {
  std::int64_t const N = cb.width;
  auto const slot = cb.slots();
  std::vector<std::int64_t> centroid_nnz(cb.centroids.size(), 0);
  for (std::size_t c = 0; c < cb.centroids.size(); ++c) {
    float const* yc = cb.values.data.data() + cb.centroid_slot[c] * N;
    for (std::int64_t j = 0; j < N; ++j) {
      centroid_nnz[c] += yc[j] != 0.0f ? 1 : 0;
    }
  }
  std::int64_t alive = 0;
  std::int64_t nnz = 0;
  for (std::int64_t r = 0; r < cb.rows; ++r) {
    auto const c = static_cast<std::size_t>(cb.assignment[static_cast<std::size_t>(r)]);
    auto const s = slot[static_cast<std::size_t>(r)];
    std::int64_t z = 0;
    if (cb.is_centroid[static_cast<std::size_t>(r)] != 0 || s < 0) {
      z = centroid_nnz[c];
    } else {
      float const* yc = cb.values.data.data() + cb.centroid_slot[c] * N;
      float const* v = cb.values.data.data() + s * N;
      for (std::int64_t j = 0; j < N; ++j) {
        z += (v[j] + yc[j]) != 0.0f ? 1 : 0;
      }
    }
    alive += z != 0 ? 1 : 0;
    nnz += z;
  }
  return {alive, nnz};
}

/// Activation width after layer l (l = 0: the input).
inline std::int64_t width_at(SparseNetwork<float> const& net, std::int64_t l) {
  return l == 0 ? net.input_size() : net.layers[static_cast<std::size_t>(l - 1)].weights.cols;
}

/// SnicitOptions::validate(L, N) with N = the activation width at layer t (0 if t is invalid).
inline void validate_options(SnicitOptions const& options, SparseNetwork<float> const& net) {
  std::int64_t const L = net.num_layers();
  std::int64_t const t = options.threshold_layer;
  std::int64_t width = 0;
  if (t >= 0 && t < L) {
    width = t == 0 ? net.input_size() : net.layers[static_cast<std::size_t>(t - 1)].weights.cols;
  }
  options.validate(L, width);
}

/// validate_options plus the adaptive knobs, and n <= N at every layer the detector may pick.
inline void validate_adaptive_options(SnicitOptions const& options,
                                      SparseNetwork<float> const& net) {
  validate_options(options, net);
  std::int64_t const L = net.num_layers();
  options.adaptive.validate(L);
  for (std::int64_t l = options.adaptive.min_layer; l <= options.adaptive.last_layer(L); ++l) {
    SNICIT_EXPECTS(options.downsample <= width_at(net, l),
                   "downsample segments n = " + std::to_string(options.downsample) +
                       " exceed the width " + std::to_string(width_at(net, l)) + " of layer " +
                       std::to_string(l) + " (a layer the adaptive threshold may choose)");
  }
}

/// Shared body of both infer_snicit overloads.
template <class Rows>
SnicitResult infer_snicit_impl(SparseNetwork<float> const& net,
                               Rows const& in,
                               std::int64_t total_rows,
                               SnicitOptions const& options,
                               ExactOptions const& opts,
                               bool adaptive,
                               std::vector<std::int64_t> const& fused_runs = {}) {
  std::int64_t const L = net.num_layers();
  if (adaptive) {
    validate_adaptive_options(options, net);
  } else {
    validate_options(options, net);
  }
  check_network_and_input(net, in.cols());
  auto const droppable = zero_stays_zero(net);
  float const cap = net.activation_cap;
  std::int64_t const batch = options.batch_size == 0 ? total_rows : options.batch_size;

  SnicitResult result;
  result.alive_per_layer.assign(static_cast<std::size_t>(L), 0);
  result.nnz_per_layer.assign(static_cast<std::size_t>(L), 0);
  std::vector<std::vector<float>> round_values;
  std::int64_t const N_out = net.output_size();

  std::int64_t round = 0;
  std::int64_t first_t = -1;  // adaptive: round 0's choice (reused unless every_round)
  for (std::int64_t begin = 0; begin < total_rows; begin += batch, ++round) {
    std::int64_t const end = std::min(total_rows, begin + batch);
    // Pre-convergence: layers 1..t exactly (adaptive: until the detector converts).
    ExactCounters counters;
    std::int64_t t = options.threshold_layer;
    std::vector<ThresholdCheck> checks;
    RowBlock block;
    if (adaptive && (round == 0 || options.adaptive.every_round)) {
      // One check late, as on the GPU: a check's counts are observed at the next check layer,
      // which then converts or measures its own check.
      ThresholdDetector detector(options.adaptive, L, fused_runs);
      t = detector.last_check();
      std::optional<ThresholdCheck> pending;
      block = run_exact_layers(
          net, in, begin, end, t, droppable, opts, round, counters, [&](auto l, auto const& b) {
            if (!detector.is_check_layer(l)) {
              return false;
            }
            if (pending) {
              detector.observe(*pending);
              checks.push_back(*pending);
              pending.reset();
            }
            if (detector.converts_at(l)) {
              t = l;
              return true;
            }
            pending = threshold_check(b.values, l, options);
            return false;
          });
      first_t = round == 0 ? t : first_t;
    } else if (adaptive) {
      t = first_t;  // later rounds of the run reuse round 0's t (no checks)
      block = run_exact_layers(net, in, begin, end, t, droppable, opts, round, counters);
    } else {
      block = run_exact_layers(net, in, begin, end, t, droppable, opts, round, counters);
    }
    result.stats.threshold_layer.push_back(t);
    result.stats.threshold_checks.push_back(std::move(checks));
    for (std::int64_t l = 0; l < t; ++l) {
      result.alive_per_layer[static_cast<std::size_t>(l)] +=
          counters.alive[static_cast<std::size_t>(l)];
      result.nnz_per_layer[static_cast<std::size_t>(l)] +=
          counters.nnz[static_cast<std::size_t>(l)];
    }
    result.stats.alive_per_pre_layer.push_back(counters.alive);
    auto const A = static_cast<std::int64_t>(block.ids.size());
    result.stats.rows_at_conversion.push_back(A);
    if (A == 0) {
      result.stats.centroids.push_back(0);
      result.stats.nonempty_after_conversion.push_back(0);
      result.stats.nonempty_per_post_layer.emplace_back(static_cast<std::size_t>(L - t), 0);
      continue;
    }

    // Conversion: sampling, optional downsampling, pruning, assignment + residues.
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::int64_t> centroids = pick_centroids(block.values, options.samples, options);
    CompressedBatch cb =
        convert(block.values, std::move(centroids), options.tau_conv, opts.threads);
    block.values = DenseMatrix<float>();  // no longer needed
    auto const k = static_cast<std::int64_t>(cb.centroids.size());
    result.stats.centroids.push_back(k);
    result.stats.nonempty_after_conversion.push_back(static_cast<std::int64_t>(cb.list.size()));
    if (opts.observer) {
      opts.observer(LayerReport{
          0, "conversion", A, k, static_cast<std::int64_t>(cb.list.size()), ms_since(t0), round});
    }

    // Post-convergence: layers t+1..L on the compressed representation.
    std::vector<std::int64_t> post_sizes;
    for (std::int64_t p = 1; p <= L - t; ++p) {
      std::int64_t const l = t + p;  // 1-based layer
      t0 = std::chrono::steady_clock::now();
      auto const used = static_cast<std::int64_t>(cb.list.size());
      post_sizes.push_back(used);
      post_layer(
          cb, net.layers[static_cast<std::size_t>(l - 1)], cap, options.tau_post, opts.threads);
      auto const [alive, nnz] = recovered_counts(cb);
      result.alive_per_layer[static_cast<std::size_t>(l - 1)] += alive;
      result.nnz_per_layer[static_cast<std::size_t>(l - 1)] += nnz;
      if (p % options.rebuild_interval == 0) {
        rebuild_list(cb);
      }
      if (opts.observer) {
        opts.observer(LayerReport{l, "post", A, k, used, ms_since(t0), round});
      }
    }
    result.stats.nonempty_per_post_layer.push_back(std::move(post_sizes));

    // Recovery, then keep the rows with a non-zero.
    t0 = std::chrono::steady_clock::now();
    DenseMatrix<float> const y = recover(cb, opts.threads);
    std::int64_t live = 0;
    std::vector<float> values;
    for (std::int64_t r = 0; r < A; ++r) {
      auto const row = y.row(r);
      bool const nonzero = std::any_of(row.begin(), row.end(), [](float v) { return v != 0.0f; });
      if (nonzero) {
        result.rows.push_back(block.ids[static_cast<std::size_t>(r)]);
        values.insert(values.end(), row.begin(), row.end());
        ++live;
      }
    }
    round_values.push_back(std::move(values));
    if (opts.observer) {
      opts.observer(LayerReport{0, "recovery", A, k, live, ms_since(t0), round});
    }
  }

  result.activations = DenseMatrix<float>(static_cast<std::int64_t>(result.rows.size()), N_out);
  std::size_t at = 0;
  for (auto const& v : round_values) {
    std::copy(
        v.begin(), v.end(), result.activations.data.begin() + static_cast<std::ptrdiff_t>(at));
    at += v.size();
  }
  return result;
}

}  // namespace detail

/**
 * @brief SNICIT inference of a sparse network on a sparse input (one sample per CSR row).
 *
 * The input is processed in rounds of options.batch_size rows (0 = one round); nothing carries
 * over between rounds. See the file comment and docs/reference.md for the exact semantics.
 *
 * @throws snicit::LogicError when the options are invalid for this network
 *         (SnicitOptions::validate(L, N at layer t)), or the network / input is malformed
 */
[[nodiscard]] inline SnicitResult infer_snicit(SparseNetwork<float> const& net,
                                               CsrMatrix<float> const& input,
                                               SnicitOptions const& options,
                                               ExactOptions const& opts = {}) {
  return detail::infer_snicit_impl(net, detail::CsrRows{&input}, input.rows, options, opts, false);
}

/// @brief SNICIT inference on a dense input (row-major, one sample per row); see the CSR overload.
[[nodiscard]] inline SnicitResult infer_snicit(SparseNetwork<float> const& net,
                                               DenseMatrix<float> const& input,
                                               SnicitOptions const& options,
                                               ExactOptions const& opts = {}) {
  return detail::infer_snicit_impl(
      net, detail::DenseRows{&input}, input.rows, options, opts, false);
}

/**
 * @brief SNICIT with the threshold layer chosen at run time by the convergence detector
 * (adaptive.hpp, docs/adaptive.md; knobs in options.adaptive, options.threshold_layer ignored):
 * round 0 decides, later rounds reuse its t unless options.adaptive.every_round. The reference
 * of cluster::Adaptive: stats.threshold_layer and stats.threshold_checks record each round's
 * choice and measured checks; the rest is infer_snicit with that t.
 *
 * @param fused_runs the engine's fused runs of exact layers (Engine::fused_runs(); empty = none):
 *                   no check inside one unless options.adaptive.check_fused, as on the GPU
 * @throws snicit::LogicError for invalid options (including AdaptiveOptions::validate and
 *         downsample wider than a layer the detector may choose), or a malformed network / input
 */
[[nodiscard]] inline SnicitResult infer_snicit_adaptive(
    SparseNetwork<float> const& net,
    CsrMatrix<float> const& input,
    SnicitOptions const& options,
    ExactOptions const& opts = {},
    std::vector<std::int64_t> const& fused_runs = {}) {
  return detail::infer_snicit_impl(
      net, detail::CsrRows{&input}, input.rows, options, opts, true, fused_runs);
}

/// @brief infer_snicit_adaptive on a dense input; see the CSR overload.
[[nodiscard]] inline SnicitResult infer_snicit_adaptive(
    SparseNetwork<float> const& net,
    DenseMatrix<float> const& input,
    SnicitOptions const& options,
    ExactOptions const& opts = {},
    std::vector<std::int64_t> const& fused_runs = {}) {
  return detail::infer_snicit_impl(
      net, detail::DenseRows{&input}, input.rows, options, opts, true, fused_runs);
}

}  // namespace reference
SNICIT_NAMESPACE_END
