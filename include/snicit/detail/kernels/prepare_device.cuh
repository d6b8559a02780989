// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file prepare_device.cuh
 * @brief Kernels that build backend layer state on the GPU from a layer's W^T CSR (rows =
 * outputs, inputs ascending): the RegisterTiled sliced ELL and the input-list hashing of the
 * BlockDense block discovery. Each produces exactly what the host builders produce
 * (kernels::SpmmBackend<...>::prepare); see docs/engine.md.
 */

#include <snicit/config.hpp>
#include <snicit/error.hpp>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/types.hpp>

#include <cub/block/block_scan.cuh>
#include <cub/device/device_radix_sort.cuh>
#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/// Bits of the flag word the preparation kernels set (atomicOr).
inline constexpr unsigned prepare_flag_unsorted = 1u;    ///< a row's inputs are not increasing
inline constexpr unsigned prepare_flag_nonuniform = 2u;  ///< a stored value differs from values[0]
inline constexpr unsigned prepare_flag_collision = 4u;   ///< equal hashes for different lists

/// One thread per output row: its length, and the unsorted / non-uniform flags.
template <class Value>
SNICIT_KERNEL void csr_row_scan_kernel(CsrView<Value> w, std::int32_t* lengths, unsigned* flags) {
  auto const j = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= w.rows) {
    return;
  }
  auto const b = w.row_offsets[j];
  auto const e = w.row_offsets[j + 1];
  lengths[j] = e - b;
  unsigned f = 0;
  for (auto k = b + 1; k < e; ++k) {
    if (!(w.col_indices[k - 1] < w.col_indices[k])) {
      f |= prepare_flag_unsorted;
      break;
    }
  }
  if (w.values != nullptr) {
    Value const v0 = w.values[0];
    for (auto k = b; k < e; ++k) {
      if (!(w.values[k] == v0)) {
        f |= prepare_flag_nonuniform;
        break;
      }
    }
  }
  if (f != 0) {
    atomicOr(flags, f);
  }
}

/**
 * One block: slice_offsets[s + 1] = slice_offsets[s] + 32 * max(lengths of slice s), from 0
 * (the sliced-ELL slice sizes, as the host builder computes them).
 */
template <int BlockThreads>
SNICIT_KERNEL void __launch_bounds__(BlockThreads) ell_slice_offsets_kernel(
    std::int32_t const* lengths, std::int64_t outputs, int slice, std::int64_t* slice_offsets) {
  using Scan = cub::BlockScan<std::int64_t, BlockThreads>;
  __shared__ typename Scan::TempStorage temp;
  std::int64_t const slices = (outputs + slice - 1) / slice;
  std::int64_t const per = (slices + BlockThreads - 1) / BlockThreads;
  std::int64_t const first = static_cast<std::int64_t>(threadIdx.x) * per;
  auto const size_of = [&](std::int64_t s) {
    std::int32_t widest = 0;
    std::int64_t const end = (s + 1) * slice < outputs ? (s + 1) * slice : outputs;
    for (std::int64_t j = s * slice; j < end; ++j) {
      widest = lengths[j] > widest ? lengths[j] : widest;
    }
    return static_cast<std::int64_t>(widest) * slice;
  };
  std::int64_t sum = 0;
  for (std::int64_t s = first; s < first + per && s < slices; ++s) {
    sum += size_of(s);
  }
  std::int64_t prefix = 0;
  Scan(temp).ExclusiveSum(sum, prefix);
  if (threadIdx.x == 0) {
    slice_offsets[0] = 0;
  }
  for (std::int64_t s = first; s < first + per && s < slices; ++s) {
    prefix += size_of(s);
    slice_offsets[s + 1] = prefix;
  }
}

/// One thread per output j: its inputs (and values) to the sliced-ELL positions.
template <class Value>
SNICIT_KERNEL void ell_fill_kernel(CsrView<Value> w,
                                   std::int64_t const* slice_offsets,
                                   int slice,
                                   std::int32_t* indices,
                                   Value* values) {
  auto const j = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= w.rows) {
    return;
  }
  std::int64_t const base = slice_offsets[j / slice] + j % slice;
  auto const b = w.row_offsets[j];
  auto const e = w.row_offsets[j + 1];
  for (auto k = b; k < e; ++k) {
    auto const at = base + static_cast<std::int64_t>(k - b) * slice;
    indices[at] = w.col_indices[k];
    if (values != nullptr) {
      values[at] = w.values != nullptr ? w.values[k] : w.uniform_value;
    }
  }
}

/**
 * One thread per output j: the hash of its input list (the host block discovery's: FNV-style
 * over the length and the ascending inputs), and j as the sort payload.
 */
template <class Value>
SNICIT_KERNEL void input_list_hash_kernel(CsrView<Value> w,
                                          std::uint64_t* hashes,
                                          std::int32_t* ids) {
  auto const j = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= w.rows) {
    return;
  }
  auto const b = w.row_offsets[j];
  auto const e = w.row_offsets[j + 1];
  std::uint64_t h = 0xcbf29ce484222325ull ^ static_cast<std::uint64_t>(e - b);
  for (auto k = b; k < e; ++k) {
    h = (h ^ static_cast<std::uint64_t>(static_cast<std::uint32_t>(w.col_indices[k]))) *
        0x100000001b3ull;
    h ^= h >> 29;
  }
  hashes[j] = h;
  ids[j] = static_cast<std::int32_t>(j);
}

/**
 * One thread per sorted position p: heads[p] = 1 where a new hash starts; sets the collision
 * flag when two neighbours share a hash but not their input list.
 */
template <class Value>
SNICIT_KERNEL void hash_run_heads_kernel(CsrView<Value> w,
                                         std::uint64_t const* hashes,
                                         std::int32_t const* order,
                                         std::uint8_t* heads,
                                         unsigned* flags) {
  auto const p = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (p >= w.rows) {
    return;
  }
  bool const head = p == 0 || hashes[p] != hashes[p - 1];
  heads[p] = head ? 1 : 0;
  if (head) {
    return;
  }
  auto const a = order[p - 1];
  auto const c = order[p];
  auto const ab = w.row_offsets[a];
  auto const cb = w.row_offsets[c];
  auto const len = w.row_offsets[a + 1] - ab;
  bool same = len == w.row_offsets[c + 1] - cb;
  for (std::int32_t k = 0; same && k < len; ++k) {
    same = w.col_indices[ab + k] == w.col_indices[cb + k];
  }
  if (!same) {
    atomicOr(flags, prepare_flag_collision);
  }
}

/**
 * One thread per list q: copies the inputs of output `sources[q]` to `dst + dst_offsets[q]`
 * (and, when `dst_values` is set, `value` for each of them).
 */
template <class Value, class Offset>
SNICIT_KERNEL void gather_input_lists_kernel(CsrView<Value> w,
                                             std::int32_t const* sources,
                                             Offset const* dst_offsets,
                                             std::int64_t count,
                                             std::int32_t* dst,
                                             Value* dst_values,
                                             Value value) {
  auto const q = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (q >= count) {
    return;
  }
  auto const j = sources[q];
  auto const b = w.row_offsets[j];
  auto const e = w.row_offsets[j + 1];
  auto const at = static_cast<std::int64_t>(dst_offsets[q]);
  for (auto k = b; k < e; ++k) {
    dst[at + (k - b)] = w.col_indices[k];
    if (dst_values != nullptr) {
      dst_values[at + (k - b)] = value;
    }
  }
}

/// Host copies of what sort_by_input_list computed on the device.
struct InputListOrder {
  std::vector<std::int32_t> order;        ///< outputs sorted by (hash of their input list, index)
  std::vector<std::uint8_t> heads;        ///< 1 where a run of equal hashes starts in `order`
  std::vector<std::int32_t> row_offsets;  ///< the CSR's row offsets (outputs + 1)
  unsigned flags = 0;                     ///< prepare_flag_* bits (unsorted, collision, ...)
};

/**
 * Groups the outputs of a W^T CSR by input list on the device: lengths and flags
 * (csr_row_scan_kernel), list hashes (input_list_hash_kernel), a CUB radix sort by (hash,
 * output), the run heads and the collision check (hash_run_heads_kernel); then copies the order,
 * the heads, the row offsets and the flags to the host. Synchronises `stream`. With no unsorted
 * or collision flag, each run of `order` is one set of outputs with identical input lists,
 * ascending by output. Used by the BlockDense block discovery and the ColumnFolded grouping.
 */
template <class Value, class Allocator>
[[nodiscard]] InputListOrder sort_by_input_list(CsrView<Value> const& w,
                                                Allocator const& alloc,
                                                cuda::stream_ref stream) {
  auto const n_out = static_cast<std::size_t>(w.rows);
  InputListOrder r;
  r.order.resize(n_out);
  r.heads.resize(n_out);
  r.row_offsets.resize(n_out + 1);
  constexpr int tb = 256;
  auto const grid = static_cast<unsigned>((n_out + tb - 1) / tb);
  DeviceBuffer<std::uint64_t, Allocator> keys(std::max<std::size_t>(n_out, 1), stream, alloc);
  DeviceBuffer<std::uint64_t, Allocator> keys_sorted(
      std::max<std::size_t>(n_out, 1), stream, alloc);
  DeviceBuffer<std::int32_t, Allocator> ids(std::max<std::size_t>(n_out, 1), stream, alloc);
  DeviceBuffer<std::int32_t, Allocator> order(std::max<std::size_t>(n_out, 1), stream, alloc);
  DeviceBuffer<std::uint8_t, Allocator> heads(std::max<std::size_t>(n_out, 1), stream, alloc);
  DeviceBuffer<std::int32_t, Allocator> lengths(std::max<std::size_t>(n_out, 1), stream, alloc);
  DeviceBuffer<unsigned, Allocator> flags(1, stream, alloc);
  SNICIT_CUDA_TRY(cudaMemsetAsync(flags.data(), 0, sizeof(unsigned), stream.get()));
  if (n_out > 0) {
    csr_row_scan_kernel<Value><<<grid, tb, 0, stream.get()>>>(w, lengths.data(), flags.data());
    SNICIT_CHECK_LAUNCH();
    input_list_hash_kernel<Value><<<grid, tb, 0, stream.get()>>>(w, keys.data(), ids.data());
    SNICIT_CHECK_LAUNCH();
    auto sort = [&](void* scratch, std::size_t& bytes) {
      SNICIT_CUDA_TRY(cub::DeviceRadixSort::SortPairs(scratch,
                                                      bytes,
                                                      keys.data(),
                                                      keys_sorted.data(),
                                                      ids.data(),
                                                      order.data(),
                                                      static_cast<int>(n_out),
                                                      0,
                                                      64,
                                                      stream.get()));
    };
    std::size_t scratch_bytes = 0;
    sort(nullptr, scratch_bytes);
    DeviceBuffer<std::byte, Allocator> scratch(
        std::max<std::size_t>(scratch_bytes, 1), stream, alloc);
    sort(scratch.data(), scratch_bytes);
    hash_run_heads_kernel<Value><<<grid, tb, 0, stream.get()>>>(
        w, keys_sorted.data(), order.data(), heads.data(), flags.data());
    SNICIT_CHECK_LAUNCH();
  }
  auto down = [&](auto* dst, auto const* src, std::size_t count) {
    if (count > 0) {
      SNICIT_CUDA_TRY(
          cudaMemcpyAsync(dst, src, count * sizeof(*dst), cudaMemcpyDeviceToHost, stream.get()));
    }
  };
  down(r.order.data(), order.data(), n_out);
  down(r.heads.data(), heads.data(), n_out);
  down(r.row_offsets.data(), w.row_offsets, n_out + 1);
  down(&r.flags, flags.data(), 1);
  SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
  return r;
}

}  // namespace detail
SNICIT_NAMESPACE_END
