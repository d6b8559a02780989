// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file fused_dense.cuh
 * @brief The fused multi-layer kernel for narrow dense-ish layers (see
 * snicit::kernels::FusedDenseStack): a block keeps its rows in shared memory for a whole run of
 * layers, streaming each layer's tensor-core operands in.
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/common.cuh>
#include <snicit/detail/kernels/spmm_dense.cuh>
#include <snicit/policy/spmm_dense.hpp>
#include <snicit/types.hpp>

#include <cuda_runtime.h>

#include <cuda_fp16.h>
#include <mma.h>

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/// Geometry of the fused kernel (every layer of a run is padded to fused_width x fused_width).
struct FusedDenseGeometry {
  static constexpr int width = 128;  ///< widest layer input / output
  static constexpr int warps = 8;    ///< warp w owns output columns [16 w, 16 w + 16)
  static constexpr int threads = warps * 32;
  static constexpr int max_tiles = 8;    ///< row tiles of 16 per block (<= 128 rows)
  static constexpr int ldw = width + 8;  ///< halves; 272-byte rows keep fragments 32-byte aligned
  static constexpr int ldx = width + 8;
  static constexpr int ldc = width + 4;  ///< floats

  /// Dynamic shared memory of a block with `rows` rows (a multiple of 16).
  static constexpr std::size_t smem_bytes(int rows, bool split) noexcept {
    std::size_t const parts = split ? 2 : 1;
    return parts * width * ldw * sizeof(__half)                             // W hi (+ lo)
           + parts * static_cast<std::size_t>(rows) * ldx * sizeof(__half)  // x hi (+ lo)
           + static_cast<std::size_t>(rows) * ldc * sizeof(float)           // accumulators
           + static_cast<std::size_t>(rows) * sizeof(int);                  // row flags
  }
};

/// One layer of a fused run, as the kernel reads it (device memory).
struct FusedDenseLayer {
  __half const* w_hi;  ///< width x width, row-major [input][output], zero-padded
  __half const* w_lo;  ///< same, scaled low parts (fp16_split), else null
  float const* bias;   ///< width entries (zero past n_out)
  int n_in;
  int n_out;
};

/// 16-byte global -> shared copy that bypasses L1 (Ampere+ cp.async).
SNICIT_DEVICE inline void fused_cp_async16(void* smem, void const* gmem) {
  auto const s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(gmem) : "memory");
}
SNICIT_DEVICE inline void fused_cp_async_commit() {
  asm volatile("cp.async.commit_group;\n" ::: "memory");
}
SNICIT_DEVICE inline void fused_cp_async_wait_all() {
  asm volatile("cp.async.wait_all;\n" ::: "memory");
}

/// Queues the copy of one layer's W (hi, and lo when split) into shared memory.
template <bool Split>
SNICIT_DEVICE inline void fused_load_weights(FusedDenseLayer const& layer,
                                             __half* w_hi,
                                             __half* w_lo,
                                             int tid) {
  using g = FusedDenseGeometry;
  constexpr int chunks_per_row = g::width / 8;  // 8 halves = 16 bytes
  for (int e = tid; e < g::width * chunks_per_row; e += g::threads) {
    int const r = e / chunks_per_row;
    int const c = (e % chunks_per_row) * 8;
    fused_cp_async16(w_hi + r * g::ldw + c, layer.w_hi + r * g::width + c);
    if constexpr (Split) {
      fused_cp_async16(w_lo + r * g::ldw + c, layer.w_lo + r * g::width + c);
    }
  }
  fused_cp_async_commit();
}

/**
 * The fused run of `num_layers` layers. Block b owns list entries [b R, b R + R) (R = 16 x
 * `tiles`, chosen by the host so that the grid is about one block per SM). Its rows are gathered
 * once (fp32 -> fp16 hi/lo in shared memory), then for every layer: wait for W (queued with
 * cp.async during the previous layer's epilogue), WMMA products with fp32 accumulators (warp w:
 * output columns [16 w, 16 w + 16) of every row tile), accumulators -> shared, queue the next W,
 * epilogue act(sum + bias) back into the fp16 operands (or, after the last layer, fp32 into the
 * packed output rows). Rows that die stay zero (the caller fuses only where zero stays zero or
 * no compaction happens), so the result equals layer-by-layer execution with compaction.
 *
 * `layer_counts[l]` (l < count_layers, may be null) is incremented by the number of rows with a
 * non-zero output after layer l of the run; `args.alive` gets the flag of the last layer for
 * every position in [0, num_rows_bound).
 */
template <spmm::Precision P, class Act>
SNICIT_KERNEL void __launch_bounds__(FusedDenseGeometry::threads, 1)
    fused_dense_kernel(SpmmArgs<float> const args,
                       FusedDenseLayer const* __restrict__ layers,
                       int const num_layers,
                       int const tiles,
                       row_index* __restrict__ layer_counts,
                       int const count_layers,
                       Act const act) {
  namespace wmma = nvcuda::wmma;
  using g = FusedDenseGeometry;
  constexpr bool split = P == spmm::Precision::fp16_split;
  static_assert(P == spmm::Precision::fp16 || split, "fused_dense_kernel: fp16 or fp16_split");

  extern __shared__ __align__(128) unsigned char fused_smem[];
  int const bm = tiles * 16;
  auto* w_hi = reinterpret_cast<__half*>(fused_smem);
  __half* w_lo = split ? w_hi + g::width * g::ldw : nullptr;
  auto* x_hi = w_hi + (split ? 2 : 1) * g::width * g::ldw;
  __half* x_lo = split ? x_hi + bm * g::ldx : nullptr;
  auto* c_tile = reinterpret_cast<float*>(x_hi + (split ? 2 : 1) * bm * g::ldx);
  auto* row_nz = reinterpret_cast<int*>(c_tile + bm * g::ldc);

  std::int64_t const count = row_count(args.d_num_rows, args.num_rows_bound);
  std::int64_t const m0 = static_cast<std::int64_t>(blockIdx.x) * bm;
  int const tid = static_cast<int>(threadIdx.x);
  if (m0 >= count) {
    // Block-uniform exit before any barrier.
    if (args.alive != nullptr) {
      for (int r = tid; r < bm; r += g::threads) {
        if (m0 + r < args.num_rows_bound) {
          args.alive[m0 + r] = 0;
        }
      }
    }
    return;
  }
  int const nrows = static_cast<int>(count - m0 < bm ? count - m0 : bm);

  fused_load_weights<split>(layers[0], w_hi, w_lo, tid);
  // Inputs: consecutive threads read consecutive features of a row (coalesced).
  {
    int const n_in = layers[0].n_in;
    for (int e = tid; e < bm * g::width; e += g::threads) {
      int const r = e / g::width;
      int const k = e % g::width;
      float x = 0.0f;
      if (r < nrows && k < n_in) {
        x = args.in.data[list_row(args.in_rows, m0 + r) * args.in.ld + k];
      }
      __half const hi = __float2half_rn(x);
      x_hi[r * g::ldx + k] = hi;
      if constexpr (split) {
        x_lo[r * g::ldx + k] = dense_lo(x, hi);
      }
    }
    for (int r = tid; r < bm; r += g::threads) {
      row_nz[r] = 0;
    }
  }

  int const warp = tid / 32;
  int const lane = tid % 32;
  using frag_a = wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major>;
  using frag_b = wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major>;
  using frag_c = wmma::fragment<wmma::accumulator, 16, 16, 16, float>;

  for (int l = 0; l < num_layers; ++l) {
    FusedDenseLayer const layer = layers[l];
    fused_cp_async_wait_all();
    __syncthreads();  // W(l) and the layer's inputs are visible to every warp

    int const k_pad = (layer.n_in + 15) / 16 * 16;
    bool const active = warp * 16 < layer.n_out;  // warp-uniform
    frag_c acc[g::max_tiles];
    frag_c acc_x[split ? g::max_tiles : 1];  // hi*lo + lo*hi, scaled by 2^11
#pragma unroll
    for (int i = 0; i < g::max_tiles; ++i) {
      wmma::fill_fragment(acc[i], 0.0f);
      if constexpr (split) {
        wmma::fill_fragment(acc_x[i], 0.0f);
      }
    }
    if (active) {
      for (int kk = 0; kk < k_pad; kk += 16) {
        frag_b b;
        wmma::load_matrix_sync(b, w_hi + kk * g::ldw + warp * 16, g::ldw);
        frag_b b_l;
        if constexpr (split) {
          wmma::load_matrix_sync(b_l, w_lo + kk * g::ldw + warp * 16, g::ldw);
        }
#pragma unroll
        for (int i = 0; i < g::max_tiles; ++i) {
          if (i < tiles) {  // block-uniform
            frag_a a;
            wmma::load_matrix_sync(a, x_hi + i * 16 * g::ldx + kk, g::ldx);
            wmma::mma_sync(acc[i], a, b, acc[i]);
            if constexpr (split) {
              frag_a a_l;
              wmma::load_matrix_sync(a_l, x_lo + i * 16 * g::ldx + kk, g::ldx);
              wmma::mma_sync(acc_x[i], a, b_l, acc_x[i]);
              wmma::mma_sync(acc_x[i], a_l, b, acc_x[i]);
            }
          }
        }
      }
    }
#pragma unroll
    for (int i = 0; i < g::max_tiles; ++i) {
      if (i < tiles) {
        if constexpr (split) {
#pragma unroll
          for (int t = 0; t < acc[i].num_elements; ++t) {
            acc[i].x[t] += acc_x[i].x[t] * (1.0f / dense_split_scale);
          }
        }
        wmma::store_matrix_sync(
            c_tile + i * 16 * g::ldc + warp * 16, acc[i], g::ldc, wmma::mem_row_major);
      }
    }
    __syncthreads();  // every warp is done with W(l) and x; the accumulators are complete
    bool const last = l + 1 == num_layers;
    if (!last) {
      fused_load_weights<split>(layers[l + 1], w_hi, w_lo, tid);  // overlaps the epilogue
    }
    // Epilogue: a warp's 32 consecutive elements lie in one row (width % 32 == 0), so one ballot
    // decides the row's flag for them. Every lane runs every ballot.
    for (int e = tid; e < bm * g::width; e += g::threads) {
      int const r = e / g::width;
      int const c = e % g::width;
      float y = 0.0f;
      if (r < nrows && c < layer.n_out) {
        y = act(add_rn(c_tile[r * g::ldc + c], layer.bias[c]));
      }
      if (last) {
        if (r < nrows && c < layer.n_out) {
          args.out.data[list_row(args.out_rows, m0 + r) * args.out.ld + c] = y;
        }
      } else {
        __half const hi = __float2half_rn(y);
        x_hi[r * g::ldx + c] = hi;
        if constexpr (split) {
          x_lo[r * g::ldx + c] = dense_lo(y, hi);
        }
      }
      unsigned const any = __ballot_sync(0xffffffffu, y != 0.0f);
      if (lane == 0 && any != 0u) {
        atomicOr(&row_nz[r], 1);
      }
    }
    __syncthreads();  // row flags complete
    if (last) {
      if (args.alive != nullptr) {
        for (int r = tid; r < bm; r += g::threads) {
          if (m0 + r < args.num_rows_bound) {
            args.alive[m0 + r] = (r < nrows && row_nz[r] != 0) ? 1 : 0;
          }
        }
      }
    } else {
      if (layer_counts != nullptr && l < count_layers) {
        // Warp-reduced count of this block's alive rows after layer l.
        int alive = 0;
        for (int r = tid; r < bm; r += g::threads) {
          alive += row_nz[r] != 0 ? 1 : 0;
        }
        for (int o = 16; o > 0; o /= 2) {
          alive += __shfl_down_sync(0xffffffffu, alive, o);
        }
        if (lane == 0 && alive != 0) {
          atomicAdd(layer_counts + l, static_cast<row_index>(alive));
        }
      }
      __syncthreads();  // the counts have read row_nz
      for (int r = tid; r < bm; r += g::threads) {
        row_nz[r] = 0;
      }
      // The next layer's first barrier orders this reset before its epilogue.
    }
  }
}

}  // namespace detail
SNICIT_NAMESPACE_END
