// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file types.hpp
 * @brief Non-owning, trivially copyable views of device (or host) memory that the
 * `snicit::kernels` building blocks take, the weight layouts a spMM backend may ask for, and
 * the statistics types the GPU engine reports.
 *
 * Host-compilable (no CUDA compiler needed).
 */

#include <snicit/adaptive.hpp>
#include <snicit/config.hpp>

#include <cstdint>
#include <functional>
#include <string_view>
#include <type_traits>
#include <vector>

SNICIT_NAMESPACE_BEGIN

/// Row/sample position inside a batch (device side). A batch never exceeds 2^31 - 1 rows.
using row_index = std::int32_t;

/**
 * @brief A row-major dense matrix view: element (r, c) at `data[r * ld + c]`.
 *
 * @tparam Value element type; `Value const` for read-only views
 */
template <class Value>
struct DenseView {
  Value* data = nullptr;  ///< first element
  std::int64_t rows = 0;  ///< rows (samples)
  std::int64_t cols = 0;  ///< columns (neurons)
  std::int64_t ld = 0;    ///< distance between consecutive rows, in elements (>= cols)

  /// Pointer to row `r`.
  [[nodiscard]] SNICIT_HOST_DEVICE Value* row(std::int64_t r) const noexcept {
    return data + r * ld;
  }
  /// The same view, read-only.
  [[nodiscard]] SNICIT_HOST_DEVICE DenseView<Value const> as_const() const noexcept {
    return {data, rows, cols, ld};
  }
  /// A view of the same rows with `c` columns (c <= ld), e.g. a layer of another width.
  [[nodiscard]] SNICIT_HOST_DEVICE DenseView with_cols(std::int64_t c) const noexcept {
    return {data, rows, c, ld};
  }
};

/**
 * @brief A CSR matrix view with 32-bit offsets and indices (the device form of the weights).
 *
 * `row_offsets` has rows + 1 entries; the column indices of each row are strictly increasing.
 * `values` may be null, in which case every stored value equals `uniform_value`.
 */
template <class Value, class Index = std::int32_t, class Offset = std::int32_t>
struct CsrView {
  Offset const* row_offsets = nullptr;  ///< rows + 1 entries
  Index const* col_indices = nullptr;   ///< nnz entries
  Value const* values = nullptr;        ///< nnz entries, or null for uniform_value
  std::int64_t rows = 0;                ///< rows
  std::int64_t cols = 0;                ///< columns
  std::int64_t nnz = 0;                 ///< stored entries
  Value uniform_value = Value(0);       ///< every value when `values` is null

  /// Value of the k-th stored entry.
  [[nodiscard]] SNICIT_HOST_DEVICE Value value(Offset k) const noexcept {
    return values != nullptr ? values[k] : uniform_value;
  }
};

static_assert(std::is_trivially_copyable_v<DenseView<float>>);
static_assert(std::is_trivially_copyable_v<CsrView<float>>);

/**
 * @brief How a spMM backend wants the layer weights W (rows = inputs, cols = outputs) on the
 * device.
 */
enum class WeightLayout {
  by_input,  ///< CSR of W: one row per input neuron (scatter-style kernels)
  by_output  ///< CSR of W^T: one row per output neuron, inputs ascending (gather-style kernels)
};

/**
 * @brief The arguments of one sparse layer product over a list of batch rows (see
 * snicit::kernels::spmm): for i < count, `out.row(out_rows[i]) = f(in.row(in_rows[i]) * W)` with
 * f = act(. + bias) when `bias` is set (pre-convergence), else the identity (post-convergence).
 */
template <class Value>
struct SpmmArgs {
  CsrView<Value> weights;              ///< W in the policy's WeightLayout
  Value const* bias = nullptr;         ///< one entry per output neuron, or null for a plain product
  DenseView<Value const> in;           ///< input rows; in.cols = inputs of the layer
  row_index const* in_rows = nullptr;  ///< row i reads in.row(in_rows[i]); null = identity
  DenseView<Value> out;                ///< output rows; out.cols = outputs of the layer
  row_index const* out_rows = nullptr;    ///< row i writes out.row(out_rows[i]); null = identity
  row_index const* d_num_rows = nullptr;  ///< device count (<= bound); null = num_rows_bound
  std::int64_t num_rows_bound = 0;        ///< host upper bound on the count (sizes the grid)
  /// Optional, num_rows_bound entries: 1 when output row i has a non-zero entry, 0 otherwise and
  /// for every i >= count.
  std::uint8_t* alive = nullptr;
};

static_assert(std::is_trivially_copyable_v<SpmmArgs<float>>);

/// The phases of one SNICIT round.
enum class Phase {
  pre_convergence,   ///< exactly computed layers 1..t (all layers in exact mode)
  conversion,        ///< sampling, pruning and the conversion to centroids + residues
  post_convergence,  ///< compressed layers t+1..L
  recovery           ///< Eq. 6 and the final live-row selection
};

/// Lower-case name of a phase ("pre", "conversion", "post", "recovery").
[[nodiscard]] constexpr std::string_view phase_name(Phase p) noexcept {
  switch (p) {
    case Phase::pre_convergence:
      return "pre";
    case Phase::conversion:
      return "conversion";
    case Phase::post_convergence:
      return "post";
    case Phase::recovery:
      return "recovery";
  }
  return "?";
}

/// Milliseconds spent per phase (CUDA events on the run stream), summed over rounds.
struct PhaseTimes {
  double pre_ms = 0.0;         ///< pre-convergence layers (input upload excluded)
  double conversion_ms = 0.0;  ///< sampling + pruning + conversion + first non-empty list
  double post_ms = 0.0;        ///< post-convergence layers
  double recovery_ms = 0.0;    ///< recovery + final live-row selection

  [[nodiscard]] double total_ms() const noexcept {
    return pre_ms + conversion_ms + post_ms + recovery_ms;
  }
  PhaseTimes& operator+=(PhaseTimes const& o) noexcept {
    pre_ms += o.pre_ms;
    conversion_ms += o.conversion_ms;
    post_ms += o.post_ms;
    recovery_ms += o.recovery_ms;
    return *this;
  }
};

/// Statistics of one round (one batch of at most `max_batch` rows).
struct RoundStats {
  std::int64_t first_row = 0;    ///< global id of the round's first input row
  std::int64_t rows = 0;         ///< input rows in the round
  std::int64_t live_inputs = 0;  ///< input rows kept before layer 1 (all-zero rows dropped)
  /// Rows with a non-zero entry after each pre-convergence layer (index 0 = layer 1).
  std::vector<std::int64_t> alive_per_pre_layer;
  std::int64_t threshold_layer = 0;  ///< t used by this round (chosen per round by Adaptive)
  /// cluster::Adaptive: every check of the round, in layer order (the last one converts).
  std::vector<ThresholdCheck> threshold_checks;
  std::int64_t live_at_conversion = 0;         ///< A: live rows entering the conversion
  std::int64_t centroids = 0;                  ///< k
  std::int64_t nonempty_after_conversion = 0;  ///< non-empty rows (centroids included)
  /// Size of the non-empty row list used by each post-convergence layer (index 0 = layer t+1).
  std::vector<std::int64_t> nonempty_per_post_layer;
  std::int64_t final_rows = 0;  ///< rows with a non-zero entry after layer L
  PhaseTimes ms;                ///< per-phase time of this round
};

/// Statistics of a whole run: per-phase time summed over rounds, and each round's details.
struct RunStats {
  PhaseTimes ms;                   ///< summed over rounds
  std::vector<RoundStats> rounds;  ///< one entry per round, in input order
};

/// What an Engine observer learns after each layer or phase (reported at the end of a round).
struct LayerReport {
  std::int64_t round = 0;                ///< 0-based round
  std::int64_t layer = 0;                ///< 1-based layer; 0 for conversion and recovery
  Phase phase = Phase::pre_convergence;  ///< phase
  std::int64_t active_rows = 0;          ///< pre: rows alive after the layer; others: A
  std::int64_t centroids = 0;            ///< k (0 in the pre phase)
  std::int64_t nonempty_rows = 0;        ///< conversion/post: size of the non-empty list used
  double ms = -1.0;                      ///< GPU time of this layer/phase, or -1 when not measured
};

/// Progress callback of the Engine; called on the calling thread after each round's sync.
using Observer = std::function<void(LayerReport const&)>;

SNICIT_NAMESPACE_END
