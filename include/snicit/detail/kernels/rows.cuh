// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file rows.cuh
 * @brief Row-level helper kernels: identity lists, non-zero row flags, CSR-to-dense input
 * scatter, row gathers and the recovery of Eq. 6.
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/common.cuh>
#include <snicit/types.hpp>

#include <cuda_runtime.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/// out[i] = i for i < n; thread 0 also stores n into *d_count (when not null).
/// (A template, like every kernel of this header-only library: a non-template kernel defined in
/// a header would be defined again in every translation unit that includes it.)
template <class Index>
SNICIT_KERNEL void iota_kernel(Index* out, std::int64_t n, Index* d_count) {
  std::int64_t const i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) {
    out[i] = static_cast<Index>(i);
  }
  if (i == 0 && d_count != nullptr) {
    *d_count = static_cast<Index>(n);
  }
}

/**
 * One block per list entry i < bound: flags[i] = 1 when y.row(rows[i]) has a non-zero entry in
 * its first y.cols columns, 0 otherwise and for i >= count.
 */
template <int BlockThreads, class Value>
SNICIT_KERNEL void __launch_bounds__(BlockThreads) nonzero_rows_kernel(DenseView<Value const> y,
                                                                       row_index const* rows,
                                                                       row_index const* d_count,
                                                                       std::int64_t bound,
                                                                       std::uint8_t* flags) {
  std::int64_t const i = blockIdx.x;
  if (i >= row_count(d_count, bound)) {
    if (threadIdx.x == 0) {
      flags[i] = 0;
    }
    return;
  }
  Value const* row = y.row(list_row(rows, i));
  int nz = 0;
  for (std::int64_t j = threadIdx.x; j < y.cols; j += BlockThreads) {
    nz |= row[j] != Value(0) ? 1 : 0;
  }
  int const any = __syncthreads_or(nz);
  if (threadIdx.x == 0) {
    flags[i] = any != 0 ? 1 : 0;
  }
}

/**
 * One block per output row r < rows: out.row(r) = dense form of CSR row r, where the CSR row
 * occupies entries [offsets[r] - base, offsets[r + 1] - base) of cols/vals.
 */
template <int BlockThreads, class Value>
SNICIT_KERNEL void __launch_bounds__(BlockThreads)
    scatter_csr_rows_kernel(std::int64_t const* offsets,
                            std::int64_t base,
                            std::int32_t const* cols,
                            Value const* vals,
                            DenseView<Value> out) {
  std::int64_t const r = blockIdx.x;
  Value* row = out.row(r);
  for (std::int64_t j = threadIdx.x; j < out.cols; j += BlockThreads) {
    row[j] = Value(0);
  }
  __syncthreads();  // the zeroing must land before the scatter below overwrites entries
  std::int64_t const b = offsets[r] - base;
  std::int64_t const e = offsets[r + 1] - base;
  for (std::int64_t k = b + threadIdx.x; k < e; k += BlockThreads) {
    row[cols[k]] = vals[k];
  }
}

/// One block per list entry i < count: out.row(i) = in.row(rows[i]) (first in.cols entries).
template <int BlockThreads, class Value>
SNICIT_KERNEL void __launch_bounds__(BlockThreads) gather_rows_kernel(DenseView<Value const> in,
                                                                      row_index const* rows,
                                                                      row_index const* d_count,
                                                                      std::int64_t bound,
                                                                      DenseView<Value> out) {
  std::int64_t const i = blockIdx.x;
  if (i >= row_count(d_count, bound)) {
    return;
  }
  Value const* src = in.row(list_row(rows, i));
  Value* dst = out.row(i);
  for (std::int64_t j = threadIdx.x; j < in.cols; j += BlockThreads) {
    dst[j] = src[j];
  }
}

/// One block per list entry i < count: out.row(out_rows[i]) = in.row(in_rows[i]) (null lists =
/// identity). The output rows of a list are distinct, so blocks never write the same row.
template <int BlockThreads, class Value>
SNICIT_KERNEL void __launch_bounds__(BlockThreads) copy_rows_kernel(DenseView<Value const> in,
                                                                    row_index const* in_rows,
                                                                    row_index const* out_rows,
                                                                    row_index const* d_count,
                                                                    std::int64_t bound,
                                                                    DenseView<Value> out) {
  std::int64_t const i = blockIdx.x;
  if (i >= row_count(d_count, bound)) {
    return;
  }
  Value const* src = in.row(list_row(in_rows, i));
  Value* dst = out.row(list_row(out_rows, i));
  for (std::int64_t j = threadIdx.x; j < out.cols; j += BlockThreads) {
    dst[j] = src[j];
  }
}

/**
 * Recovery (Eq. 6), in place, one block per row r < count: a residue row r with centroid
 * c = centroid_of[r] >= 0 becomes yhat_r + yhat_c when nonempty[r], else a copy of yhat_c (its
 * residue is all zero; its stored row may hold a zero row of an older width, so it is not read).
 * Centroid rows (centroid_of < 0) are only read, so blocks never race.
 */
template <int BlockThreads, class Value>
SNICIT_KERNEL void __launch_bounds__(BlockThreads) recover_kernel(DenseView<Value> yhat,
                                                                  row_index const* centroid_of,
                                                                  std::uint8_t const* nonempty,
                                                                  row_index const* d_count,
                                                                  std::int64_t bound) {
  std::int64_t const r = blockIdx.x;
  if (r >= row_count(d_count, bound)) {
    return;
  }
  row_index const c = centroid_of[r];
  if (c < 0) {
    return;
  }
  Value* row = yhat.row(r);
  Value const* cen = yhat.row(c);
  if (nonempty[r] != 0) {
    for (std::int64_t j = threadIdx.x; j < yhat.cols; j += BlockThreads) {
      row[j] = add_rn(row[j], cen[j]);
    }
  } else {
    for (std::int64_t j = threadIdx.x; j < yhat.cols; j += BlockThreads) {
      row[j] = cen[j];
    }
  }
}

/// *dst = *src (a device counter copied inside the stream, e.g. into a statistics slot).
template <class Index>
SNICIT_KERNEL void copy_count_kernel(Index const* src, Index* dst) {
  *dst = *src;
}

}  // namespace detail
SNICIT_NAMESPACE_END
