// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file rows.cuh
 * @brief Row-list building blocks: flagged-row selection (dead-row compaction and the
 * non-empty index rebuild, CUB DeviceSelect, two-phase with caller scratch), non-zero row flags,
 * identity lists, CSR input scatter and row gathers.
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/rows.cuh>
#include <snicit/error.hpp>
#include <snicit/types.hpp>

#include <cub/device/device_select.cuh>
#include <cuda/stream_ref>
#include <cuda_runtime.h>
#include <thrust/iterator/counting_iterator.h>

#include <cstddef>
#include <cstdint>
#include <limits>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

/// Threads per block of the row helper kernels.
inline constexpr int row_block_threads = 256;

/**
 * @brief Scratch bytes that select_rows needs for up to `max_items` flags (CUB's size query).
 * @throws snicit::CudaError
 */
[[nodiscard]] inline std::size_t select_rows_scratch_bytes(std::int64_t max_items) {
  SNICIT_EXPECTS(max_items >= 0 && max_items <= std::numeric_limits<int>::max(),
                 "select_rows: item count out of range");
  std::size_t a = 0;
  std::size_t b = 0;
  int const n = static_cast<int>(max_items);
  SNICIT_CUDA_TRY(cub::DeviceSelect::Flagged(nullptr,
                                             a,
                                             thrust::counting_iterator<row_index>(0),
                                             static_cast<std::uint8_t const*>(nullptr),
                                             static_cast<row_index*>(nullptr),
                                             static_cast<row_index*>(nullptr),
                                             n));
  SNICIT_CUDA_TRY(cub::DeviceSelect::Flagged(nullptr,
                                             b,
                                             static_cast<row_index const*>(nullptr),
                                             static_cast<std::uint8_t const*>(nullptr),
                                             static_cast<row_index*>(nullptr),
                                             static_cast<row_index*>(nullptr),
                                             n));
  return a > b ? a : b;
}

/**
 * @brief Selects the flagged entries of a list, order preserved: positions_out gets every i <
 * num_items with flags[i] != 0, ids_out (when ids_in is set) gets ids_in[i] for those i, and
 * *d_num_selected their number. Used for dead-row compaction and the non-empty index rebuild.
 *
 * @param[in]  flags          num_items flags
 * @param[in]  num_items      number of flags (host)
 * @param[in]  ids_in         optional ids aligned with the flags
 * @param[out] positions_out  num_items capacity
 * @param[out] ids_out        num_items capacity (ignored when ids_in is null)
 * @param[out] d_num_selected device counter
 * @param[in]  scratch        at least select_rows_scratch_bytes(num_items) bytes of device memory
 * @param[in]  scratch_bytes  its size
 * @param[in]  stream         stream the work is queued on
 * @throws snicit::LogicError when the scratch is too small; snicit::CudaError
 */
inline void select_rows(std::uint8_t const* flags,
                        std::int64_t num_items,
                        row_index const* ids_in,
                        row_index* positions_out,
                        row_index* ids_out,
                        row_index* d_num_selected,
                        void* scratch,
                        std::size_t scratch_bytes,
                        cuda::stream_ref stream) {
  SNICIT_EXPECTS(num_items >= 0 && num_items <= std::numeric_limits<int>::max(),
                 "select_rows: item count out of range");
  if (num_items == 0) {
    SNICIT_CUDA_TRY(cudaMemsetAsync(d_num_selected, 0, sizeof(row_index), stream.get()));
    return;
  }
  int const n = static_cast<int>(num_items);
  std::size_t need = 0;
  SNICIT_CUDA_TRY(cub::DeviceSelect::Flagged(nullptr,
                                             need,
                                             thrust::counting_iterator<row_index>(0),
                                             flags,
                                             positions_out,
                                             d_num_selected,
                                             n,
                                             stream.get()));
  SNICIT_EXPECTS(need <= scratch_bytes, "select_rows: scratch too small");
  SNICIT_CUDA_TRY(cub::DeviceSelect::Flagged(scratch,
                                             need,
                                             thrust::counting_iterator<row_index>(0),
                                             flags,
                                             positions_out,
                                             d_num_selected,
                                             n,
                                             stream.get()));
  SNICIT_CHECK_LAUNCH();
  if (ids_in != nullptr) {
    need = 0;
    SNICIT_CUDA_TRY(cub::DeviceSelect::Flagged(
        nullptr, need, ids_in, flags, ids_out, d_num_selected, n, stream.get()));
    SNICIT_EXPECTS(need <= scratch_bytes, "select_rows: scratch too small");
    SNICIT_CUDA_TRY(cub::DeviceSelect::Flagged(
        scratch, need, ids_in, flags, ids_out, d_num_selected, n, stream.get()));
    SNICIT_CHECK_LAUNCH();
  }
}

/**
 * @brief flags[i] = 1 when row rows[i] (i when rows is null) of y has a non-zero entry, for
 * i < min(*d_count, bound); flags[i] = 0 for the rest of [0, bound).
 */
template <class Value>
void flag_nonzero_rows(DenseView<Value const> y,
                       row_index const* rows,
                       row_index const* d_count,
                       std::int64_t bound,
                       std::uint8_t* flags,
                       cuda::stream_ref stream) {
  if (bound == 0) {
    return;
  }
  detail::nonzero_rows_kernel<row_block_threads, Value>
      <<<static_cast<unsigned>(bound), row_block_threads, 0, stream.get()>>>(
          y, rows, d_count, bound, flags);
  SNICIT_CHECK_LAUNCH();
}

/// out[i] = i for i < n, and *d_count = n when d_count is set.
inline void iota_rows(row_index* out, std::int64_t n, row_index* d_count, cuda::stream_ref stream) {
  std::int64_t const blocks = (n + row_block_threads - 1) / row_block_threads;
  detail::iota_kernel<<<static_cast<unsigned>(blocks > 0 ? blocks : 1),
                        row_block_threads,
                        0,
                        stream.get()>>>(out, n, d_count);
  SNICIT_CHECK_LAUNCH();
}

/**
 * @brief Densifies `out.rows` CSR rows into out: row r holds the entries
 * [offsets[r] - base, offsets[r+1] - base) of cols/vals (all device pointers).
 */
template <class Value>
void scatter_csr_rows(std::int64_t const* offsets,
                      std::int64_t base,
                      std::int32_t const* cols,
                      Value const* vals,
                      DenseView<Value> out,
                      cuda::stream_ref stream) {
  if (out.rows == 0) {
    return;
  }
  detail::scatter_csr_rows_kernel<row_block_threads, Value>
      <<<static_cast<unsigned>(out.rows), row_block_threads, 0, stream.get()>>>(
          offsets, base, cols, vals, out);
  SNICIT_CHECK_LAUNCH();
}

/// out.row(i) = in.row(rows[i]) for i < min(*d_count, bound) (rows null = identity).
template <class Value>
void gather_rows(DenseView<Value const> in,
                 row_index const* rows,
                 row_index const* d_count,
                 std::int64_t bound,
                 DenseView<Value> out,
                 cuda::stream_ref stream) {
  if (bound == 0) {
    return;
  }
  detail::gather_rows_kernel<row_block_threads, Value>
      <<<static_cast<unsigned>(bound), row_block_threads, 0, stream.get()>>>(
          in, rows, d_count, bound, out);
  SNICIT_CHECK_LAUNCH();
}

/**
 * @brief Copies listed rows between two views: `out.row(out_rows[i]) = in.row(in_rows[i])`
 * (`out.cols` values) for i < min(*d_count, bound); null lists mean the identity, a null d_count
 * means bound. The Engine's run_async uses it to scatter the final rows to the caller's output.
 *
 * @param[in]  in       source rows (in.cols >= out.cols)
 * @param[in]  in_rows  source row of entry i, or null
 * @param[in]  out_rows destination row of entry i (distinct entries), or null
 * @param[in]  d_count  device count (<= bound), or null
 * @param[in]  bound    host upper bound (grid size)
 * @param[out] out      destination rows
 * @param[in]  stream   stream the work is queued on
 * @throws snicit::LogicError when the widths do not fit; snicit::CudaError
 */
template <class Value>
void copy_rows(DenseView<Value const> in,
               row_index const* in_rows,
               row_index const* out_rows,
               row_index const* d_count,
               std::int64_t bound,
               DenseView<Value> out,
               cuda::stream_ref stream) {
  SNICIT_EXPECTS(bound >= 0 && bound <= std::numeric_limits<int>::max(),
                 "copy_rows: row bound out of range");
  SNICIT_EXPECTS(in.cols >= out.cols && out.ld >= out.cols, "copy_rows: row widths do not fit");
  if (bound == 0) {
    return;
  }
  detail::copy_rows_kernel<row_block_threads, Value>
      <<<static_cast<unsigned>(bound), row_block_threads, 0, stream.get()>>>(
          in, in_rows, out_rows, d_count, bound, out);
  SNICIT_CHECK_LAUNCH();
}

/// *dst = *src on the stream (device counters).
inline void copy_count(row_index const* src, row_index* dst, cuda::stream_ref stream) {
  detail::copy_count_kernel<<<1, 1, 0, stream.get()>>>(src, dst);
  SNICIT_CHECK_LAUNCH();
}

}  // namespace kernels
SNICIT_NAMESPACE_END
