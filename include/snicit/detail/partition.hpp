// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file partition.hpp
 * @brief Host-only data-parallel bookkeeping shared by snicit::MultiEngine (several GPUs of one
 * process) and snicit::mpi (several processes): the static split of an input batch into
 * contiguous row ranges, the slicing of a host input to one range and the gathering of the
 * per-range results into one result in global row order. No CUDA, no MPI: it is tested against
 * the CPU reference (tests/multi).
 */

#include <snicit/config.hpp>
#include <snicit/error.hpp>
#include <snicit/matrix.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

SNICIT_NAMESPACE_BEGIN

/// How an input batch is split across workers (GPUs or MPI ranks).
enum class Split {
  rows,       ///< equal numbers of rows (contiguous)
  nonzeros,   ///< contiguous ranges with about equal numbers of input non-zeros
  live_rows,  ///< contiguous ranges with about equal numbers of non-empty input rows
};

/// The rows [begin, end) of the input given to one worker.
struct RowRange {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  [[nodiscard]] std::int64_t size() const noexcept {
    return end - begin;
  }
  friend bool operator==(RowRange const&, RowRange const&) = default;
};

/// Options of partition_rows.
struct PartitionOptions {
  Split split = Split::rows;
  /// Boundaries fall on multiples of `align` rows (0 or 1 = anywhere). With align = the SNICIT
  /// round size (SnicitOptions::batch_size), every worker sees exactly the rounds a single engine
  /// would see, so SNICIT results do not depend on the number of workers.
  std::int64_t align = 0;
};

/**
 * @brief Splits rows [0, rows) into `parts` contiguous ranges, in order, covering every row once
 * (some may be empty when there are fewer units than parts).
 * @param weights per-row cost for the balanced splits (rows entries); ignored for Split::rows
 * @throws snicit::LogicError for parts < 1, rows < 0, align < 0 or a weights size mismatch
 */
[[nodiscard]] inline std::vector<RowRange> partition_rows(std::int64_t rows,
                                                          int parts,
                                                          std::span<std::int64_t const> weights,
                                                          PartitionOptions const& opts = {}) {
  SNICIT_EXPECTS(parts >= 1, "partition: the number of parts must be >= 1");
  SNICIT_EXPECTS(rows >= 0, "partition: negative row count");
  SNICIT_EXPECTS(opts.align >= 0, "partition: align must be >= 0");
  bool const weighted = opts.split != Split::rows;
  SNICIT_EXPECTS(!weighted || weights.size() == static_cast<std::size_t>(rows),
                 "partition: " + std::to_string(weights.size()) + " row weights for " +
                     std::to_string(rows) + " rows");
  std::int64_t const unit = std::max<std::int64_t>(opts.align, 1);
  std::int64_t const units = (rows + unit - 1) / unit;
  // Prefix cost over units (a unit is `align` rows; the last one may be shorter).
  std::vector<double> prefix(static_cast<std::size_t>(units + 1), 0.0);
  for (std::int64_t u = 0; u < units; ++u) {
    double w = 0;
    if (weighted) {
      for (std::int64_t r = u * unit; r < std::min(rows, (u + 1) * unit); ++r) {
        w += static_cast<double>(weights[static_cast<std::size_t>(r)]);
      }
    } else {
      w = static_cast<double>(std::min(rows, (u + 1) * unit) - u * unit);
    }
    prefix[static_cast<std::size_t>(u + 1)] = prefix[static_cast<std::size_t>(u)] + w;
  }
  double const total = prefix.back();
  std::vector<RowRange> out(static_cast<std::size_t>(parts));
  std::int64_t prev = 0;  // unit boundary
  for (int p = 0; p < parts; ++p) {
    std::int64_t next = units;
    if (p + 1 < parts) {
      if (total > 0) {
        // The unit boundary whose prefix cost is closest to the target (p + 1) / parts.
        double const target = total * static_cast<double>(p + 1) / static_cast<double>(parts);
        auto const it = std::lower_bound(prefix.begin(), prefix.end(), target);
        next = static_cast<std::int64_t>(it - prefix.begin());
        if (next > 0 && target - prefix[static_cast<std::size_t>(next - 1)] <=
                            prefix[static_cast<std::size_t>(next)] - target) {
          --next;
        }
      } else {
        next = units * (p + 1) / parts;  // no cost anywhere: split units evenly
      }
      next = std::clamp(next, prev, units);
    }
    out[static_cast<std::size_t>(p)] = {std::min(rows, prev * unit), std::min(rows, next * unit)};
    prev = next;
  }
  return out;
}

/// partition_rows for an unweighted split (Split::rows); `opts.split` must be Split::rows.
[[nodiscard]] inline std::vector<RowRange> partition_rows(std::int64_t rows,
                                                          int parts,
                                                          PartitionOptions const& opts = {}) {
  SNICIT_EXPECTS(opts.split == Split::rows,
                 "partition: a balanced split needs the per-row weights (use row_weights)");
  return partition_rows(rows, parts, std::span<std::int64_t const>{}, opts);
}

/// Per-row weights of a CSR input for `split`: non-zeros per row, or 1 per non-empty row.
template <class Value, class Index>
[[nodiscard]] std::vector<std::int64_t> row_weights(CsrMatrix<Value, Index> const& input,
                                                    Split split) {
  std::vector<std::int64_t> w(static_cast<std::size_t>(input.rows), 1);
  for (std::int64_t r = 0; r < input.rows; ++r) {
    std::int64_t const nnz = input.row_offsets[static_cast<std::size_t>(r + 1)] -
                             input.row_offsets[static_cast<std::size_t>(r)];
    w[static_cast<std::size_t>(r)] = split == Split::live_rows ? (nnz > 0 ? 1 : 0) : nnz;
  }
  return w;
}

/// Per-row weights of a dense input for `split` (non-zeros counted per row).
template <class Value>
[[nodiscard]] std::vector<std::int64_t> row_weights(DenseMatrix<Value> const& input, Split split) {
  std::vector<std::int64_t> w(static_cast<std::size_t>(input.rows), 1);
  for (std::int64_t r = 0; r < input.rows; ++r) {
    std::int64_t nnz = 0;
    for (std::int64_t c = 0; c < input.cols; ++c) {
      nnz += input.data[static_cast<std::size_t>(r * input.cols + c)] != Value(0) ? 1 : 0;
    }
    w[static_cast<std::size_t>(r)] = split == Split::live_rows ? (nnz > 0 ? 1 : 0) : nnz;
  }
  return w;
}

/// partition_rows of a host input, computing the weights the split needs.
template <class Matrix>
[[nodiscard]] std::vector<RowRange> partition_input(Matrix const& input,
                                                    int parts,
                                                    PartitionOptions const& opts = {}) {
  if (opts.split == Split::rows) {
    return partition_rows(input.rows, parts, opts);
  }
  auto const w = row_weights(input, opts.split);
  return partition_rows(input.rows, parts, w, opts);
}

/// Rows `range` of a CSR input as a CSR matrix of its own (row offsets start at 0).
template <class Value, class Index>
[[nodiscard]] CsrMatrix<Value, Index> slice_rows(CsrMatrix<Value, Index> const& input,
                                                 RowRange range) {
  SNICIT_EXPECTS(0 <= range.begin && range.begin <= range.end && range.end <= input.rows,
                 "slice_rows: range [" + std::to_string(range.begin) + ", " +
                     std::to_string(range.end) + ") outside the " + std::to_string(input.rows) +
                     " input rows");
  CsrMatrix<Value, Index> s;
  s.rows = range.size();
  s.cols = input.cols;
  auto const b = static_cast<std::size_t>(input.row_offsets[static_cast<std::size_t>(range.begin)]);
  auto const e = static_cast<std::size_t>(input.row_offsets[static_cast<std::size_t>(range.end)]);
  s.row_offsets.resize(static_cast<std::size_t>(s.rows + 1));
  for (std::int64_t r = 0; r <= s.rows; ++r) {
    s.row_offsets[static_cast<std::size_t>(r)] =
        input.row_offsets[static_cast<std::size_t>(range.begin + r)] - static_cast<std::int64_t>(b);
  }
  s.col_indices.assign(input.col_indices.begin() + static_cast<std::ptrdiff_t>(b),
                       input.col_indices.begin() + static_cast<std::ptrdiff_t>(e));
  s.values.assign(input.values.begin() + static_cast<std::ptrdiff_t>(b),
                  input.values.begin() + static_cast<std::ptrdiff_t>(e));
  return s;
}

/// Rows `range` of a dense input as a dense matrix of its own.
template <class Value>
[[nodiscard]] DenseMatrix<Value> slice_rows(DenseMatrix<Value> const& input, RowRange range) {
  SNICIT_EXPECTS(0 <= range.begin && range.begin <= range.end && range.end <= input.rows,
                 "slice_rows: range [" + std::to_string(range.begin) + ", " +
                     std::to_string(range.end) + ") outside the " + std::to_string(input.rows) +
                     " input rows");
  DenseMatrix<Value> s;
  s.rows = range.size();
  s.cols = input.cols;
  s.data.assign(input.data.begin() + static_cast<std::ptrdiff_t>(range.begin * input.cols),
                input.data.begin() + static_cast<std::ptrdiff_t>(range.end * input.cols));
  return s;
}

/// One worker's outcome on its range: categories local to the range (0-based, ascending) and
/// their activations (categories.size() rows, or empty when not returned).
template <class Value>
struct PartResult {
  RowRange range;
  std::vector<std::int64_t> categories;
  DenseMatrix<Value> activations;
};

/// The gathered outcome: global categories (0-based, ascending) and activations in that order.
template <class Value>
struct GatheredResult {
  std::vector<std::int64_t> categories;
  DenseMatrix<Value> activations;
};

/**
 * @brief Gathers per-range results (ranges in ascending, non-overlapping order) into global
 * categories and activations.
 * @param output_cols N_L, the width of the activations
 * @param with_activations whether every part carries its activations
 * @throws snicit::LogicError when a part's categories are not ascending and inside its range,
 * when the ranges are out of order, or when the activations do not match the categories
 */
template <class Value>
[[nodiscard]] GatheredResult<Value> gather_parts(std::vector<PartResult<Value>> const& parts,
                                                 std::int64_t output_cols,
                                                 bool with_activations) {
  GatheredResult<Value> g;
  g.activations.cols = output_cols;
  std::int64_t prev_end = 0;
  std::size_t total = 0;
  for (auto const& p : parts) {
    total += p.categories.size();
  }
  g.categories.reserve(total);
  if (with_activations) {
    g.activations.data.reserve(total * static_cast<std::size_t>(output_cols));
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto const& p = parts[i];
    std::string const who = "gather: part " + std::to_string(i);
    SNICIT_EXPECTS(p.range.begin >= prev_end && p.range.end >= p.range.begin,
                   who + ": ranges must be ascending and disjoint");
    prev_end = p.range.end;
    std::int64_t last = -1;
    for (auto c : p.categories) {
      SNICIT_EXPECTS(c > last && c < p.range.size(),
                     who + ": category " + std::to_string(c) +
                         " is out of order or outside its range of " +
                         std::to_string(p.range.size()) + " rows");
      last = c;
      g.categories.push_back(p.range.begin + c);
    }
    if (with_activations) {
      SNICIT_EXPECTS(p.activations.rows == static_cast<std::int64_t>(p.categories.size()) &&
                         (p.activations.rows == 0 || p.activations.cols == output_cols) &&
                         p.activations.data.size() ==
                             static_cast<std::size_t>(p.activations.rows * p.activations.cols),
                     who + ": " + std::to_string(p.activations.rows) + " activation rows for " +
                         std::to_string(p.categories.size()) + " categories");
      g.activations.data.insert(
          g.activations.data.end(), p.activations.data.begin(), p.activations.data.end());
      g.activations.rows += p.activations.rows;
    }
  }
  return g;
}

SNICIT_NAMESPACE_END
