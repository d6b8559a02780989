// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file common.cuh
 * @brief Device helpers shared by the snicit kernels: correctly rounded arithmetic that the
 * compiler may not contract into FMAs (so GPU sums equal the CPU reference's bit for bit), and
 * grid-sizing helpers.
 */

#include <snicit/config.hpp>
#include <snicit/types.hpp>

#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/// a * b rounded to nearest, never fused with a following add.
SNICIT_DEVICE inline float mul_rn(float a, float b) {
  return __fmul_rn(a, b);
}
SNICIT_DEVICE inline double mul_rn(double a, double b) {
  return __dmul_rn(a, b);
}
/// a + b rounded to nearest, never fused with a preceding multiply.
SNICIT_DEVICE inline float add_rn(float a, float b) {
  return __fadd_rn(a, b);
}
SNICIT_DEVICE inline double add_rn(double a, double b) {
  return __dadd_rn(a, b);
}
/// a - b rounded to nearest.
SNICIT_DEVICE inline float sub_rn(float a, float b) {
  return __fsub_rn(a, b);
}
SNICIT_DEVICE inline double sub_rn(double a, double b) {
  return __dsub_rn(a, b);
}
/// |x|. Tolerances are converted to Value once on the host and compared in Value, as the CPU
/// reference does (`std::fabs(a - b) > static_cast<float>(eta)`).
SNICIT_DEVICE inline float abs_value(float x) {
  return fabsf(x);
}
SNICIT_DEVICE inline double abs_value(double x) {
  return fabs(x);
}

/// The number of rows to process: min(*d_count, bound), or bound when d_count is null.
SNICIT_DEVICE inline std::int64_t row_count(row_index const* d_count, std::int64_t bound) {
  if (d_count == nullptr) {
    return bound;
  }
  std::int64_t const c = *d_count;
  return c < bound ? c : bound;
}

/// Source row of list entry i: rows[i], or i when rows is null.
SNICIT_HOST_DEVICE inline std::int64_t list_row(row_index const* rows, std::int64_t i) {
  return rows != nullptr ? static_cast<std::int64_t>(rows[i]) : i;
}

/**
 * Epilogue of the row-tiled spMM kernels for output neuron j of the block's `nrows` rows: with a
 * bias, dst[r][j] = act(acc[r] + bias[j]), else the plain sum; nz[r] records a non-zero output.
 */
template <int Rows, class Value, class Act>
SNICIT_DEVICE inline void store_row_outputs(SpmmArgs<Value> const& args,
                                            std::int64_t j,
                                            Value const (&acc)[Rows],
                                            Value* const (&dst)[Rows],
                                            int nrows,
                                            Act const& act,
                                            bool (&nz)[Rows]) {
  if (args.bias != nullptr) {
    Value const b = args.bias[j];
#pragma unroll
    for (int r = 0; r < Rows; ++r) {
      if (r < nrows) {
        Value const y = act(add_rn(acc[r], b));
        dst[r][j] = y;
        nz[r] = nz[r] || (y != Value(0));
      }
    }
  } else {
#pragma unroll
    for (int r = 0; r < Rows; ++r) {
      if (r < nrows) {
        dst[r][j] = acc[r];
        nz[r] = nz[r] || (acc[r] != Value(0));
      }
    }
  }
}

/**
 * Writes the alive flags of the block's list entries first..first+Rows-1 (0 for padding rows)
 * from each thread's nz[]. Contains block barriers: every thread of the block must call it.
 */
template <int Rows, class Value>
SNICIT_DEVICE inline void write_row_alive_flags(SpmmArgs<Value> const& args,
                                                std::int64_t first,
                                                int nrows,
                                                bool const (&nz)[Rows]) {
  if (args.alive == nullptr) {
    return;  // uniform across the block: no thread reaches a barrier
  }
#pragma unroll
  for (int r = 0; r < Rows; ++r) {
    int const any = __syncthreads_or(nz[r] ? 1 : 0);
    if (threadIdx.x == 0 && first + r < args.num_rows_bound) {
      args.alive[first + r] = (r < nrows && any != 0) ? 1 : 0;
    }
  }
}

}  // namespace detail
SNICIT_NAMESPACE_END
