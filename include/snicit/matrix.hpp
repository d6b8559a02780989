// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file matrix.hpp
 * @brief Owning host matrices: CSR (weights, sparse inputs) and row-major dense.
 *
 * These are the in-memory forms produced by snicit::io and snicit::data and consumed by
 * snicit::reference and (after upload) by the GPU engine. Host-only; no CUDA needed.
 */

#include <snicit/config.hpp>
#include <snicit/error.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

SNICIT_NAMESPACE_BEGIN

/**
 * @brief Compressed sparse rows. For a layer, row = input neuron, column = output neuron, so a
 * batch Y (one sample per row) goes forward as Y * W.
 *
 * Invariants checked by validate(): row_offsets has rows+1 non-decreasing entries starting at 0
 * and ending at nnz; column indices of each row are strictly increasing (sorted, no duplicates)
 * and lie in [0, cols); values has nnz entries.
 *
 * @tparam Value element type
 * @tparam Index column index type
 */
template <class Value = float, class Index = std::int32_t>
struct CsrMatrix {
  using value_type = Value;
  using index_type = Index;
  using offset_type = std::int64_t;

  std::int64_t rows = 0;                 ///< number of rows
  std::int64_t cols = 0;                 ///< number of columns
  std::vector<offset_type> row_offsets;  ///< rows + 1 entries
  std::vector<Index> col_indices;        ///< nnz entries
  std::vector<Value> values;             ///< nnz entries

  [[nodiscard]] std::int64_t nnz() const noexcept {
    return static_cast<std::int64_t>(col_indices.size());
  }
  [[nodiscard]] std::span<Index const> row_indices(std::int64_t r) const noexcept {
    return {col_indices.data() + row_offsets[r],
            static_cast<std::size_t>(row_offsets[r + 1] - row_offsets[r])};
  }
  [[nodiscard]] std::span<Value const> row_values(std::int64_t r) const noexcept {
    return {values.data() + row_offsets[r],
            static_cast<std::size_t>(row_offsets[r + 1] - row_offsets[r])};
  }
  /// True when every stored value equals the first (SDGC layers: all 1/16).
  [[nodiscard]] bool has_uniform_values() const noexcept {
    for (auto const& v : values) {
      if (!(v == values.front())) {
        return false;
      }
    }
    return true;
  }

  /// Throws snicit::LogicError naming `what` if an invariant of the type is broken.
  void validate(std::string const& what = "CSR matrix") const {
    SNICIT_EXPECTS(rows >= 0 && cols >= 0, what + ": negative shape");
    SNICIT_EXPECTS(row_offsets.size() == static_cast<std::size_t>(rows + 1),
                   what + ": row_offsets must have rows+1 entries");
    SNICIT_EXPECTS(row_offsets.front() == 0, what + ": row_offsets must start at 0");
    SNICIT_EXPECTS(row_offsets.back() == nnz(), what + ": row_offsets must end at nnz");
    SNICIT_EXPECTS(values.size() == col_indices.size(), what + ": values/indices size mismatch");
    for (std::int64_t r = 0; r < rows; ++r) {
      SNICIT_EXPECTS(row_offsets[r] <= row_offsets[r + 1],
                     what + ": row_offsets decrease at row " + std::to_string(r));
      Index prev = -1;
      for (auto c : row_indices(r)) {
        SNICIT_EXPECTS(c > prev && c < cols,
                       what + ": column index out of order or range in row " + std::to_string(r));
        prev = c;
      }
    }
  }

  friend bool operator==(CsrMatrix const&, CsrMatrix const&) = default;
};

/// Row-major dense matrix: element (r, c) at data[r * cols + c].
template <class Value = float>
struct DenseMatrix {
  using value_type = Value;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<Value> data;

  DenseMatrix() = default;
  DenseMatrix(std::int64_t r, std::int64_t c, Value fill = Value{})
      : rows(r), cols(c), data(static_cast<std::size_t>(r * c), fill) {}

  [[nodiscard]] Value& operator()(std::int64_t r, std::int64_t c) noexcept {
    return data[static_cast<std::size_t>(r * cols + c)];
  }
  [[nodiscard]] Value const& operator()(std::int64_t r, std::int64_t c) const noexcept {
    return data[static_cast<std::size_t>(r * cols + c)];
  }
  [[nodiscard]] std::span<Value> row(std::int64_t r) noexcept {
    return {data.data() + r * cols, static_cast<std::size_t>(cols)};
  }
  [[nodiscard]] std::span<Value const> row(std::int64_t r) const noexcept {
    return {data.data() + r * cols, static_cast<std::size_t>(cols)};
  }
  friend bool operator==(DenseMatrix const&, DenseMatrix const&) = default;
};

SNICIT_NAMESPACE_END
