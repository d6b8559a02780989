// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_dense.cuh
 * @brief The dense tensor-core layer kernel (see snicit::spmm::DenseTensorCore): WMMA tiles over
 * gathered fp32 rows converted on load, fused epilogue.
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/common.cuh>
#include <snicit/policy/spmm_dense.hpp>
#include <snicit/types.hpp>

#include <cuda_runtime.h>

#include <cuda_fp16.h>
#include <mma.h>

#include <cstdint>
#include <type_traits>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/// Scale of the low fp16 parts of the split precision (keeps them in the normal fp16 range).
inline constexpr float dense_split_scale = 2048.0f;

/// Per-precision WMMA shapes and shared-memory element types.
template <spmm::Precision P>
struct DenseTcTraits {
  // fp16 and fp16_split: m16n16k16 on __half operands.
  using smem_type = __half;
  using frag_type = __half;
  static constexpr int wmma_k = 16;
  static constexpr int pad = 8;  // keeps every fragment pointer 32-byte aligned, ldm % 8 == 0
};
template <>
struct DenseTcTraits<spmm::Precision::tf32> {
  using smem_type = float;
  using frag_type = nvcuda::wmma::precision::tf32;
  static constexpr int wmma_k = 8;
  static constexpr int pad = 4;  // ldm % 4 == 0, fragment pointers 32-byte aligned
};

/// fp32 -> operand element stored in shared memory (hi part for the split precision).
template <spmm::Precision P>
SNICIT_DEVICE inline typename DenseTcTraits<P>::smem_type dense_hi(float x) {
  if constexpr (P == spmm::Precision::tf32) {
    return x;  // rounded to tf32 in the fragment
  } else {
    return __float2half_rn(x);
  }
}
/// The scaled low part of the split precision: fp16((x - hi) * 2^11).
SNICIT_DEVICE inline __half dense_lo(float x, __half hi) {
  return __float2half_rn((x - __half2float(hi)) * dense_split_scale);
}

/**
 * One block per `BlockRows` consecutive list entries; (BlockRows / 16) x 2 warps, warp (wm, wn)
 * owns rows [16 wm, 16 wm + 16) and columns [32 wn, 32 wn + 32) of each 64-column output tile.
 * For every output tile the block walks K in stages of 32: the gathered input rows (fp32,
 * converted on load; rows past the count and inputs past N_in are zeros) and the matching slice
 * of the dense, zero-padded W (k_pad x n_pad, row-major, already in operand precision) are staged
 * in shared memory, then multiplied with WMMA into fp32 accumulators. The accumulators go
 * through shared memory to the epilogue, which applies bias + activation (or stores the plain
 * product), scatters to out_rows and ORs "output != 0" per row (warp ballot + shared atomicOr).
 * A block walks all output tiles, so the alive flag of its rows is complete when it ends.
 *
 * Blocks past the device count only clear their alive flags, so every flag in [0, bound) is
 * written.
 */
template <spmm::Precision P, int BlockRows, class Act>
SNICIT_KERNEL void __launch_bounds__(spmm::DenseTensorCore<P, BlockRows>::block_threads)
    dense_tc_kernel(SpmmArgs<float> const args,
                    typename DenseTcTraits<P>::smem_type const* __restrict__ w_hi,
                    __half const* __restrict__ w_lo,
                    std::int64_t const k_pad,
                    std::int64_t const n_pad,
                    Act const act) {
  namespace wmma = nvcuda::wmma;
  using policy = spmm::DenseTensorCore<P, BlockRows>;
  using traits = DenseTcTraits<P>;
  using smem_t = typename traits::smem_type;
  constexpr bool split = P == spmm::Precision::fp16_split;
  constexpr int bm = BlockRows;
  constexpr int bn = policy::tile_cols;
  constexpr int bk = policy::tile_k;
  constexpr int threads = policy::block_threads;
  constexpr int wk = traits::wmma_k;
  constexpr int lda = bk + traits::pad;
  constexpr int ldb = bn + traits::pad;
  constexpr int ldc = bn + 4;
  static_assert(bn == 64 && bk % wk == 0, "dense_tc_kernel: tile shape");
  static_assert((bm * bn) % threads == 0 && bn % 32 == 0,
                "dense_tc_kernel: a warp's 32 epilogue elements must lie in one row");

  __shared__ __align__(128) smem_t a_hi[bm * lda];
  __shared__ __align__(128) __half a_lo[split ? bm * lda : 1];
  __shared__ __align__(128) smem_t b_hi[bk * ldb];
  __shared__ __align__(128) __half b_lo[split ? bk * ldb : 1];
  __shared__ __align__(128) float c_tile[bm * ldc];
  __shared__ std::int64_t in_off[bm];   // element offset of the input row, -1 past the count
  __shared__ std::int64_t out_off[bm];  // element offset of the output row
  __shared__ int row_nz[bm];

  std::int64_t const count = row_count(args.d_num_rows, args.num_rows_bound);
  std::int64_t const m0 = static_cast<std::int64_t>(blockIdx.x) * bm;
  int const tid = static_cast<int>(threadIdx.x);
  if (m0 >= count) {
    // Block-uniform exit before any barrier.
    if (args.alive != nullptr) {
      for (int r = tid; r < bm; r += threads) {
        if (m0 + r < args.num_rows_bound) {
          args.alive[m0 + r] = 0;
        }
      }
    }
    return;
  }
  int const nrows = static_cast<int>(count - m0 < bm ? count - m0 : bm);
  std::int64_t const n_in = args.in.cols;
  std::int64_t const n_out = args.out.cols;
  for (int r = tid; r < bm; r += threads) {
    in_off[r] = r < nrows ? list_row(args.in_rows, m0 + r) * args.in.ld : -1;
    out_off[r] = r < nrows ? list_row(args.out_rows, m0 + r) * args.out.ld : -1;
    row_nz[r] = 0;
  }
  __syncthreads();  // row offsets and flags are read by every thread

  int const warp = tid / 32;
  int const lane = tid % 32;
  int const wm = warp / 2;
  int const wn = warp % 2;

  using frag_a =
      wmma::fragment<wmma::matrix_a, 16, 16, wk, typename traits::frag_type, wmma::row_major>;
  using frag_b =
      wmma::fragment<wmma::matrix_b, 16, 16, wk, typename traits::frag_type, wmma::row_major>;
  using frag_c = wmma::fragment<wmma::accumulator, 16, 16, wk, float>;

  for (std::int64_t n0 = 0; n0 < n_pad; n0 += bn) {
    frag_c acc[2];
    frag_c acc_x[split ? 2 : 1];  // hi*lo + lo*hi, scaled by 2^11
#pragma unroll
    for (int f = 0; f < 2; ++f) {
      wmma::fill_fragment(acc[f], 0.0f);
    }
    if constexpr (split) {
#pragma unroll
      for (int f = 0; f < 2; ++f) {
        wmma::fill_fragment(acc_x[f], 0.0f);
      }
    }
    for (std::int64_t k0 = 0; k0 < k_pad; k0 += bk) {
      __syncthreads();  // every warp is done with the previous stage's a/b tiles
      // Inputs: consecutive threads read consecutive inputs of a row (coalesced).
      for (int e = tid; e < bm * bk; e += threads) {
        int const r = e / bk;
        int const k = e % bk;
        float x = 0.0f;
        if (in_off[r] >= 0 && k0 + k < n_in) {
          x = args.in.data[in_off[r] + k0 + k];
        }
        smem_t const hi = dense_hi<P>(x);
        a_hi[r * lda + k] = hi;
        if constexpr (split) {
          a_lo[r * lda + k] = dense_lo(x, hi);
        }
      }
      // Weights: 16-byte vector copies (n_pad % 64 == 0 and ldb rows are 16-byte multiples).
      constexpr int vec = 16 / static_cast<int>(sizeof(smem_t));
      for (int e = tid; e < bk * (bn / vec); e += threads) {
        int const r = e / (bn / vec);
        int const c = (e % (bn / vec)) * vec;
        std::int64_t const g = (k0 + r) * n_pad + n0 + c;
        *reinterpret_cast<uint4*>(&b_hi[r * ldb + c]) = *reinterpret_cast<uint4 const*>(&w_hi[g]);
        if constexpr (split) {
          *reinterpret_cast<uint4*>(&b_lo[r * ldb + c]) = *reinterpret_cast<uint4 const*>(&w_lo[g]);
        }
      }
      __syncthreads();  // the staged tiles are read by every warp
#pragma unroll
      for (int kk = 0; kk < bk; kk += wk) {
        frag_a a;
        wmma::load_matrix_sync(a, a_hi + wm * 16 * lda + kk, lda);
        if constexpr (P == spmm::Precision::tf32) {
#pragma unroll
          for (int t = 0; t < a.num_elements; ++t) {
            a.x[t] = wmma::__float_to_tf32(a.x[t]);
          }
        }
        frag_a a_l;
        if constexpr (split) {
          wmma::load_matrix_sync(a_l, a_lo + wm * 16 * lda + kk, lda);
        }
#pragma unroll
        for (int f = 0; f < 2; ++f) {
          frag_b b;
          wmma::load_matrix_sync(b, b_hi + kk * ldb + wn * 32 + f * 16, ldb);
          if constexpr (P == spmm::Precision::tf32) {
#pragma unroll
            for (int t = 0; t < b.num_elements; ++t) {
              b.x[t] = wmma::__float_to_tf32(b.x[t]);
            }
          }
          wmma::mma_sync(acc[f], a, b, acc[f]);
          if constexpr (split) {
            frag_b b_l;
            wmma::load_matrix_sync(b_l, b_lo + kk * ldb + wn * 32 + f * 16, ldb);
            wmma::mma_sync(acc_x[f], a, b_l, acc_x[f]);
            wmma::mma_sync(acc_x[f], a_l, b, acc_x[f]);
          }
        }
      }
    }
    // Accumulators -> shared (each warp its own 16 x 32 region; the previous tile's epilogue
    // ended with a barrier).
#pragma unroll
    for (int f = 0; f < 2; ++f) {
      if constexpr (split) {
        // Same fragment type, so element t of both accumulators is the same (row, col).
#pragma unroll
        for (int t = 0; t < acc[f].num_elements; ++t) {
          acc[f].x[t] += acc_x[f].x[t] * (1.0f / dense_split_scale);
        }
      }
      wmma::store_matrix_sync(
          c_tile + wm * 16 * ldc + wn * 32 + f * 16, acc[f], ldc, wmma::mem_row_major);
    }
    __syncthreads();  // the whole output tile is read by every thread below
    // Epilogue: a warp's 32 consecutive elements lie in one row (bn % 32 == 0, threads % 32 ==
    // 0), so one ballot decides the row's flag for them. Every lane runs every ballot.
    for (int e = tid; e < bm * bn; e += threads) {
      int const r = e / bn;
      int const c = e % bn;
      std::int64_t const j = n0 + c;
      bool nz = false;
      if (r < nrows && j < n_out) {
        float const v = c_tile[r * ldc + c];
        float const y = args.bias != nullptr ? act(add_rn(v, args.bias[j])) : v;
        args.out.data[out_off[r] + j] = y;
        nz = y != 0.0f;
      }
      unsigned const any = __ballot_sync(0xffffffffu, nz);
      if (lane == 0 && any != 0u) {
        atomicOr(&row_nz[r], 1);
      }
    }
    __syncthreads();  // c_tile and row_nz are complete before reuse / the flags below
  }
  if (args.alive != nullptr) {
    for (int r = tid; r < bm; r += threads) {
      if (m0 + r < args.num_rows_bound) {
        args.alive[m0 + r] = (r < nrows && row_nz[r] != 0) ? 1 : 0;
      }
    }
  }
}

}  // namespace detail
SNICIT_NAMESPACE_END
