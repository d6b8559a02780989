// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file exact.hpp
 * @brief The multithreaded CPU oracle for exact (uncompressed) sparse DNN inference.
 *
 * Every layer computes `Y <- min(max(Y * W + b, 0), cap)` in float32 with a fixed, documented
 * summation order (docs/reference.md, "Exact inference"):
 * - each output entry starts from +0.0f;
 * - the row's non-zero inputs i are visited in ascending order, and for each, the CSR row i of W
 *   (ascending output column) adds the rounded product `y[i] * w[i][j]` (no fused multiply-add);
 * - then the bias is added, then the clipped ReLU is applied.
 * Rows that are entirely zero ("dead") are dropped from the live-row list as soon as they appear,
 * provided every later layer maps a zero row to zero (true for SDGC, whose biases are negative);
 * otherwise they stay in the list and are computed like any other row.
 *
 * Host-only; compiles with g++ (C++20) and nvcc.
 */

#include <snicit/config.hpp>
#include <snicit/detail/parallel.hpp>
#include <snicit/error.hpp>
#include <snicit/matrix.hpp>
#include <snicit/network.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace reference {

/**
 * @brief What the observer learns after each layer or phase.
 *
 * Phases: "pre" (a layer computed exactly: every layer of infer_exact, layers 1..t of
 * infer_snicit), "conversion", "post" (a compressed layer t+1..L) and "recovery".
 */
struct LayerReport {
  std::int64_t layer = 0;        ///< 1-based layer; 0 for the conversion and recovery phases
  std::string_view phase;        ///< "pre", "conversion", "post" or "recovery"
  std::int64_t active_rows = 0;  ///< rows still represented (pre: live-row list; others: A)
  std::int64_t centroids = 0;    ///< k (0 in the "pre" phase)
  /// pre: rows with a non-zero entry; conversion/post: size of the non-empty row list used;
  /// recovery: rows with a non-zero entry after recovery
  std::int64_t nonempty_rows = 0;
  double ms = 0.0;         ///< wall time of this layer or phase on the host
  std::int64_t round = 0;  ///< 0-based round (batch) of infer_snicit; always 0 for infer_exact
};

/// Progress callback, called on the calling thread after each layer or phase (may be empty).
using Observer = std::function<void(LayerReport const&)>;

/// Options shared by the exact and the SNICIT oracle.
struct ExactOptions {
  int threads = 0;    ///< worker threads; 0 = SNICIT_THREADS or hardware_concurrency
  Observer observer;  ///< optional progress callback
};

/**
 * @brief The outcome of inference: the rows that are non-zero after the last layer and their
 * activations. Every row not listed is exactly zero.
 */
struct InferenceResult {
  /// Global input row ids (0-based, ascending) of the rows with a non-zero entry after layer L.
  std::vector<std::int64_t> rows;
  /// rows.size() x N_out: the final activations of those rows, in the order of `rows`.
  DenseMatrix<float> activations;
  /// Rows with a non-zero entry after each layer 1..L (index 0 = after layer 1).
  std::vector<std::int64_t> alive_per_layer;
  /// Non-zero entries of the activations after each layer 1..L (index 0 = after layer 1).
  std::vector<std::int64_t> nnz_per_layer;

  /// The SDGC categories: the 0-based ids of the rows with any non-zero after the last layer.
  [[nodiscard]] std::vector<std::int64_t> const& categories() const {
    return rows;
  }
};

/// The clipped ReLU `min(max(x, 0), cap)`; returns +0.0f for x <= 0 (and for NaN).
[[nodiscard]] inline float clipped_relu(float x, float cap) noexcept {
  return x > 0.0f ? (x < cap ? x : cap) : 0.0f;
}

namespace detail {

/// Milliseconds since `t0`.
[[nodiscard]] inline double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

/// Rows of a CSR matrix, visited through their stored non-zeros (ascending column).
struct CsrRows {
  CsrMatrix<float> const* m;
  [[nodiscard]] std::int64_t cols() const noexcept {
    return m->cols;
  }
  template <class Fn>
  void for_each_nonzero(std::int64_t r, Fn&& fn) const {
    auto const b = m->row_offsets[static_cast<std::size_t>(r)];
    auto const e = m->row_offsets[static_cast<std::size_t>(r) + 1];
    for (auto k = b; k < e; ++k) {
      float const v = m->values[static_cast<std::size_t>(k)];
      if (v != 0.0f) {
        fn(static_cast<std::int64_t>(m->col_indices[static_cast<std::size_t>(k)]), v);
      }
    }
  }
};

/// Rows of a dense row-major matrix, visited by scanning for non-zeros (ascending column).
struct DenseRows {
  DenseMatrix<float> const* m;
  [[nodiscard]] std::int64_t cols() const noexcept {
    return m->cols;
  }
  template <class Fn>
  void for_each_nonzero(std::int64_t r, Fn&& fn) const {
    float const* row = m->data.data() + r * m->cols;
    for (std::int64_t i = 0; i < m->cols; ++i) {
      if (row[i] != 0.0f) {
        fn(i, row[i]);
      }
    }
  }
};

/**
 * Adds `y * W` to `acc` (length W.cols) for one input row given as its non-zeros: the inputs in
 * ascending order, and for each the CSR row of W in stored (ascending column) order. Skipping zero
 * inputs changes nothing: adding a product +-0 to a sum that starts at +0 leaves it unchanged.
 */
template <class Rows>
void accumulate_product(Rows const& in, std::int64_t r, CsrMatrix<float> const& w, float* acc) {
  auto const* offsets = w.row_offsets.data();
  auto const* cols = w.col_indices.data();
  float const* vals = w.values.data();
  in.for_each_nonzero(r, [&](std::int64_t i, float y) {
    auto const e = offsets[i + 1];
    for (auto k = offsets[i]; k < e; ++k) {
      float const prod = y * vals[k];
      acc[cols[k]] += prod;
    }
  });
}

/// Threads worth using for `n` rows of `work_per_row` operations each (avoids spawning threads
/// for tiny problems).
[[nodiscard]] inline int useful_threads(int threads, std::int64_t n, std::int64_t work_per_row) {
  int const t = snicit::detail::resolve_threads(threads);
  std::int64_t const total = n * std::max<std::int64_t>(work_per_row, 1);
  if (total < (std::int64_t(1) << 16)) {
    return 1;
  }
  return static_cast<int>(std::min<std::int64_t>(t, std::max<std::int64_t>(n, 1)));
}

/// Calls fn(i) for i in [0, n) on up to `threads` threads, in contiguous chunks (several per
/// thread for load balance); `work_per_row` is a rough cost estimate used to stay serial on tiny
/// inputs.
template <class Fn>
void for_rows(std::int64_t n, int threads, std::int64_t work_per_row, Fn&& fn) {
  int const t = useful_threads(threads, n, work_per_row);
  int const chunks = static_cast<int>(std::min<std::int64_t>(std::max<std::int64_t>(n, 1), t * 16));
  snicit::detail::parallel_chunks(n, chunks, t, [&](int, std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) {
      fn(i);
    }
  });
}

/**
 * One sparse layer over a list of input rows: out(p, :) = act(in[rows[p]] * W + b) for every p,
 * with the summation order of the file comment. When `apply_bias_act` is false the plain product
 * `in[rows[p]] * W` is returned (the post-convergence product S). `nnz_out`, if given, receives
 * the non-zero count of each output row.
 */
template <class Rows>
DenseMatrix<float> forward_rows(SparseLayer<float> const& layer,
                                float cap,
                                Rows const& in,
                                std::vector<std::int64_t> const& rows,
                                bool apply_bias_act,
                                int threads,
                                std::vector<std::int64_t>* nnz_out = nullptr) {
  auto const& w = layer.weights;
  std::int64_t const n = static_cast<std::int64_t>(rows.size());
  DenseMatrix<float> out(n, w.cols, 0.0f);
  if (nnz_out != nullptr) {
    nnz_out->assign(static_cast<std::size_t>(n), 0);
  }
  std::vector<float> bias(static_cast<std::size_t>(w.cols));
  for (std::int64_t j = 0; j < w.cols; ++j) {
    bias[static_cast<std::size_t>(j)] = layer.bias_at(j);
  }
  std::int64_t const work =
      w.rows > 0 ? w.nnz() / w.rows * std::max<std::int64_t>(in.cols() / 4, 1) : 1;
  for_rows(n, threads, work + w.cols, [&](std::int64_t p) {
    float* acc = out.data.data() + p * w.cols;
    accumulate_product(in, rows[static_cast<std::size_t>(p)], w, acc);
    if (apply_bias_act) {
      std::int64_t nz = 0;
      for (std::int64_t j = 0; j < w.cols; ++j) {
        float const y = clipped_relu(acc[j] + bias[static_cast<std::size_t>(j)], cap);
        acc[j] = y;
        nz += y != 0.0f ? 1 : 0;
      }
      if (nnz_out != nullptr) {
        (*nnz_out)[static_cast<std::size_t>(p)] = nz;
      }
    } else if (nnz_out != nullptr) {
      std::int64_t nz = 0;
      for (std::int64_t j = 0; j < w.cols; ++j) {
        nz += acc[j] != 0.0f ? 1 : 0;
      }
      (*nnz_out)[static_cast<std::size_t>(p)] = nz;
    }
  });
  return out;
}

/**
 * zero_stays_zero(net)[l] (l = 0..L) is true when a row that is all zero after layer l (l = 0:
 * an input row) is still all zero after layer L, i.e. act(b) == 0 for every output of every
 * layer l+1..L. Only such rows may be dropped.
 */
[[nodiscard]] inline std::vector<bool> zero_stays_zero(SparseNetwork<float> const& net) {
  auto const L = static_cast<std::size_t>(net.num_layers());
  std::vector<bool> keep(L + 1, true);
  for (std::size_t l = L; l-- > 0;) {
    auto const& layer = net.layers[l];
    bool zero = true;
    for (std::int64_t j = 0; j < layer.weights.cols && zero; ++j) {
      zero = clipped_relu(0.0f + layer.bias_at(j), net.activation_cap) == 0.0f;
    }
    keep[l] = keep[l + 1] && zero;
  }
  return keep;
}

/// A block of live rows: their global ids (ascending) and their current activations.
struct RowBlock {
  std::vector<std::int64_t> ids;  ///< global input row ids
  DenseMatrix<float> values;      ///< ids.size() x width
};

/// Keeps the rows of `block` whose `nnz` is non-zero (in place, order preserved).
inline void drop_dead_rows(RowBlock& block, std::vector<std::int64_t> const& nnz) {
  std::int64_t const cols = block.values.cols;
  std::size_t kept = 0;
  for (std::size_t p = 0; p < block.ids.size(); ++p) {
    if (nnz[p] == 0) {
      continue;
    }
    if (kept != p) {
      block.ids[kept] = block.ids[p];
      std::memcpy(block.values.data.data() + static_cast<std::int64_t>(kept) * cols,
                  block.values.data.data() + static_cast<std::int64_t>(p) * cols,
                  sizeof(float) * static_cast<std::size_t>(cols));
    }
    ++kept;
  }
  block.ids.resize(kept);
  block.values.rows = static_cast<std::int64_t>(kept);
  block.values.data.resize(kept * static_cast<std::size_t>(cols));
}

/// Per-layer counters of the exact phase.
struct ExactCounters {
  std::vector<std::int64_t> alive;  ///< rows with a non-zero entry after each computed layer
  std::vector<std::int64_t> nnz;    ///< non-zero entries after each computed layer
};

/// Checks that `input_cols` matches the network and that the network is well-formed.
inline void check_network_and_input(SparseNetwork<float> const& net, std::int64_t input_cols) {
  SNICIT_EXPECTS(net.num_layers() >= 1, "the network has no layers");
  net.validate();
  SNICIT_EXPECTS(input_cols == net.input_size(),
                 "the input has " + std::to_string(input_cols) +
                     " columns but the network expects " + std::to_string(net.input_size()));
}

/**
 * Runs layers 1..last (last >= 0) exactly on the input rows [begin, end) of `in`; returns the
 * live rows after layer `last` (for last = 0: the input rows themselves, densified). Appends the
 * per-layer counts to `counters` and reports each layer as phase "pre". When `stop` is given it
 * is called after every layer l >= 1 with the live rows; returning true ends the loop at l (the
 * automatic threshold layer, reference::infer_snicit_adaptive).
 */
template <class Rows>
RowBlock run_exact_layers(SparseNetwork<float> const& net,
                          Rows const& in,
                          std::int64_t begin,
                          std::int64_t end,
                          std::int64_t last,
                          std::vector<bool> const& droppable,
                          ExactOptions const& opts,
                          std::int64_t round,
                          ExactCounters& counters,
                          std::function<bool(std::int64_t, RowBlock const&)> const& stop = {}) {
  float const cap = net.activation_cap;
  // Input rows: all of [begin, end), less all-zero rows when zero stays zero to the end.
  RowBlock block;
  block.ids.reserve(static_cast<std::size_t>(end - begin));
  for (std::int64_t r = begin; r < end; ++r) {
    bool nonzero = false;
    in.for_each_nonzero(r, [&](std::int64_t, float) { nonzero = true; });
    if (nonzero || !droppable[0]) {
      block.ids.push_back(r);
    }
  }
  if (last == 0) {
    block.values = DenseMatrix<float>(static_cast<std::int64_t>(block.ids.size()), in.cols(), 0.0f);
    for (std::size_t p = 0; p < block.ids.size(); ++p) {
      float* row = block.values.data.data() + static_cast<std::int64_t>(p) * in.cols();
      in.for_each_nonzero(block.ids[p], [&](std::int64_t i, float v) { row[i] = v; });
    }
    return block;
  }
  std::vector<std::int64_t> nnz;
  std::vector<std::int64_t> positions;
  for (std::int64_t l = 1; l <= last; ++l) {
    auto const t0 = std::chrono::steady_clock::now();
    auto const& layer = net.layers[static_cast<std::size_t>(l - 1)];
    if (l == 1) {
      block.values = forward_rows(layer, cap, in, block.ids, true, opts.threads, &nnz);
    } else {
      positions.resize(block.ids.size());
      for (std::size_t p = 0; p < positions.size(); ++p) {
        positions[p] = static_cast<std::int64_t>(p);
      }
      block.values =
          forward_rows(layer, cap, DenseRows{&block.values}, positions, true, opts.threads, &nnz);
    }
    std::int64_t alive = 0;
    std::int64_t total = 0;
    for (auto const z : nnz) {
      alive += z != 0 ? 1 : 0;
      total += z;
    }
    if (droppable[static_cast<std::size_t>(l)] &&
        alive != static_cast<std::int64_t>(block.ids.size())) {
      drop_dead_rows(block, nnz);
    }
    counters.alive.push_back(alive);
    counters.nnz.push_back(total);
    if (opts.observer) {
      opts.observer(LayerReport{
          l, "pre", static_cast<std::int64_t>(block.ids.size()), 0, alive, ms_since(t0), round});
    }
    if (stop && stop(l, block)) {
      break;
    }
  }
  return block;
}

/// Shared body of both infer_exact overloads.
template <class Rows>
InferenceResult infer_exact_impl(SparseNetwork<float> const& net,
                                 Rows const& in,
                                 std::int64_t rows,
                                 ExactOptions const& opts) {
  check_network_and_input(net, in.cols());
  auto const droppable = zero_stays_zero(net);
  ExactCounters counters;
  RowBlock block =
      run_exact_layers(net, in, 0, rows, net.num_layers(), droppable, opts, 0, counters);
  // Rows kept only because zero did not stay zero may still be zero at the end: drop them.
  std::vector<std::int64_t> nnz(block.ids.size(), 0);
  for (std::size_t p = 0; p < block.ids.size(); ++p) {
    for (auto const v : block.values.row(static_cast<std::int64_t>(p))) {
      nnz[p] += v != 0.0f ? 1 : 0;
    }
  }
  drop_dead_rows(block, nnz);
  InferenceResult result;
  result.rows = std::move(block.ids);
  result.activations = std::move(block.values);
  result.alive_per_layer = std::move(counters.alive);
  result.nnz_per_layer = std::move(counters.nnz);
  return result;
}

}  // namespace detail

/**
 * @brief Exact inference of a sparse network on a sparse input (one sample per CSR row).
 *
 * @param net   L >= 1 layers; validated (shapes chain, CSR invariants)
 * @param input rows = samples, cols = net.input_size()
 * @param opts  threads and optional observer
 * @return the rows alive after layer L with their activations, and per-layer counts
 * @throws snicit::LogicError on a malformed network or an input of the wrong width
 */
[[nodiscard]] inline InferenceResult infer_exact(SparseNetwork<float> const& net,
                                                 CsrMatrix<float> const& input,
                                                 ExactOptions const& opts = {}) {
  return detail::infer_exact_impl(net, detail::CsrRows{&input}, input.rows, opts);
}

/**
 * @brief Exact inference of a sparse network on a dense input (row-major, one sample per row).
 * Same semantics as the CSR overload; zero entries of the input are skipped.
 */
[[nodiscard]] inline InferenceResult infer_exact(SparseNetwork<float> const& net,
                                                 DenseMatrix<float> const& input,
                                                 ExactOptions const& opts = {}) {
  return detail::infer_exact_impl(net, detail::DenseRows{&input}, input.rows, opts);
}

/**
 * @brief One exact sparse layer on a dense block of rows: `act(in * W + b)` with the oracle's
 * summation order. A building block for kernel tests.
 */
[[nodiscard]] inline DenseMatrix<float> forward_layer(SparseLayer<float> const& layer,
                                                      float cap,
                                                      DenseMatrix<float> const& in,
                                                      int threads = 0) {
  SNICIT_EXPECTS(in.cols == layer.weights.rows,
                 "forward_layer: input width does not match the layer's rows");
  std::vector<std::int64_t> rows(static_cast<std::size_t>(in.rows));
  for (std::size_t p = 0; p < rows.size(); ++p) {
    rows[p] = static_cast<std::int64_t>(p);
  }
  return detail::forward_rows(layer, cap, detail::DenseRows{&in}, rows, true, threads);
}

}  // namespace reference
SNICIT_NAMESPACE_END
