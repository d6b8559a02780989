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

#include <cstdint>

SNICIT_NAMESPACE_BEGIN
namespace detail {

/**
 * Geometry of the fused kernel (every layer of a run is padded to width x width). The 8 warps
 * form 2 row groups x 4 column groups: warp w owns output columns [32 (w % 4), 32 (w % 4) + 32)
 * of the row tiles i with i % 2 == w / 4, so a warp reuses each W fragment for up to 4 row tiles
 * and each x fragment for 4 column blocks of 8. Warps w and w + 4 share an SM sub-partition, so
 * an odd tile count still loads the four tensor-core units evenly.
 */
struct FusedDenseGeometry {
  static constexpr int width = 128;  ///< widest layer input / output
  static constexpr int warps = 8;
  static constexpr int row_groups = 2;
  static constexpr int col_groups = warps / row_groups;
  static constexpr int threads = warps * 32;
  static constexpr int max_tiles = 8;    ///< row tiles of 16 per block (<= 128 rows)
  static constexpr int ldw = width + 8;  ///< halves; 272-byte rows: conflict-free ldmatrix
  static constexpr int ldx = width + 8;

  /// Dynamic shared memory of a block with `rows` rows (a multiple of 16): W of two layers
  /// (double-buffered), x, the input / output row offsets and the row flags of two layers.
  static constexpr std::size_t smem_bytes(int rows, bool split) noexcept {
    std::size_t const parts = split ? 2 : 1;
    return 2 * parts * width * ldw * sizeof(__half)                         // W hi (+ lo), x 2
           + parts * static_cast<std::size_t>(rows) * ldx * sizeof(__half)  // x hi (+ lo)
           + 2 * static_cast<std::size_t>(rows) * sizeof(std::int64_t)      // row offsets
           + 2 * static_cast<std::size_t>(rows) * sizeof(int);              // row flags x 2
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

/// Shared-memory address of `p` for ldmatrix.
SNICIT_DEVICE inline unsigned fused_smem_addr(void const* p) {
  return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

/// Four 8 x 8 b16 matrices; lane l gives the address of row l % 8 of matrix l / 8.
SNICIT_DEVICE inline void fused_ldmatrix_x4(unsigned (&r)[4], unsigned addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr)
               : "memory");
}
/// The same, each matrix transposed (B fragments from a [k][n] row-major tile).
SNICIT_DEVICE inline void fused_ldmatrix_x4_trans(unsigned (&r)[4], unsigned addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr)
               : "memory");
}

/// d += a b for one m16n8k16 block (fp16 operands, fp32 accumulators): the tensor-core
/// instruction a 16 x 16 x 16 WMMA product issues once per half of its columns, so chains of
/// these round exactly like the WMMA path of DenseTensorCore.
SNICIT_DEVICE inline void fused_mma(float (&d)[4],
                                    unsigned const (&a)[4],
                                    unsigned b0,
                                    unsigned b1) {
  asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
      "{%8, %9}, {%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
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
 * once (fp32 -> fp16 hi/lo in shared memory), then for every layer l: wait for W(l) (queued with
 * cp.async one layer ahead into the other of two W buffers), queue W(l + 1), m16n8k16
 * tensor-core products (ldmatrix fragments, fp32 accumulators in registers; for fp16_split
 * hi*hi into one accumulator and hi*lo + lo*hi into a second one, combined as acc + acc_x /
 * 2^11 as the WMMA path does), a barrier (every warp is done reading x), then the epilogue
 * act(sum + bias) straight from the accumulators back into the fp16 operands (or, after the
 * last layer, fp32 into the packed output rows), with row flags via quad ballots + shared
 * atomicOr. Rows that die stay zero (the caller fuses only where zero stays zero or no
 * compaction happens), so the result equals layer-by-layer execution with compaction.
 *
 * `layer_counts[l]` (l < count_layers and l < num_layers - 1, may be null) is incremented by the
 * number of rows with a non-zero output after layer l of the run; `args.alive` gets the flag of
 * the last layer for every position in [0, num_rows_bound).
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
  using g = FusedDenseGeometry;
  constexpr bool split = P == spmm::Precision::fp16_split;
  static_assert(P == spmm::Precision::fp16 || split, "fused_dense_kernel: fp16 or fp16_split");
  constexpr int parts = split ? 2 : 1;
  constexpr int warp_tiles = g::max_tiles / g::row_groups;  // row tiles per warp, at most
  constexpr int warp_cols = g::width / g::col_groups;       // 32 columns per warp
  constexpr int nblocks = warp_cols / 8;                    // m16n8 blocks per row tile
  constexpr float lo_scale = 1.0f / dense_split_scale;

  extern __shared__ __align__(128) unsigned char fused_smem[];
  int const bm = tiles * 16;
  auto* w_buf = reinterpret_cast<__half*>(fused_smem);  // [2][parts][width][ldw]
  auto* x_hi = w_buf + 2 * parts * g::width * g::ldw;
  __half* x_lo = x_hi + bm * g::ldx;                                            // used when split
  auto* row_off = reinterpret_cast<std::int64_t*>(x_hi + parts * bm * g::ldx);  // in, out
  auto* row_nz = reinterpret_cast<int*>(row_off + 2 * bm);                      // [2][bm]
  auto w_hi = [&](int b) { return w_buf + b * parts * g::width * g::ldw; };
  auto w_lo = [&](int b) { return w_hi(b) + g::width * g::ldw; };

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

  fused_load_weights<split>(layers[0], w_hi(0), split ? w_lo(0) : nullptr, tid);
  for (int r = tid; r < bm; r += g::threads) {
    row_off[r] = r < nrows ? list_row(args.in_rows, m0 + r) * args.in.ld : -1;
    row_off[bm + r] = r < nrows ? list_row(args.out_rows, m0 + r) * args.out.ld : -1;
    row_nz[r] = 0;
    row_nz[bm + r] = 0;
  }
  __syncthreads();  // row offsets
  // Inputs: consecutive threads read consecutive features of a row (coalesced), a batch of
  // independent loads per thread in flight.
  {
    constexpr int batch = 8;
    int const n_in = layers[0].n_in;
    int const elems = bm * g::width;
    for (int e0 = tid; e0 < elems; e0 += batch * g::threads) {
      float v[batch];
#pragma unroll
      for (int u = 0; u < batch; ++u) {
        int const e = e0 + u * g::threads;
        int const r = e / g::width;
        int const k = e % g::width;
        v[u] = 0.0f;
        if (e < elems && k < n_in && row_off[r] >= 0) {
          v[u] = args.in.data[row_off[r] + k];
        }
      }
#pragma unroll
      for (int u = 0; u < batch; ++u) {
        int const e = e0 + u * g::threads;
        if (e < elems) {
          int const r = e / g::width;
          int const k = e % g::width;
          __half const hi = __float2half_rn(v[u]);
          x_hi[r * g::ldx + k] = hi;
          if constexpr (split) {
            x_lo[r * g::ldx + k] = dense_lo(v[u], hi);
          }
        }
      }
    }
  }

  int const warp = tid / 32;
  int const lane = tid % 32;
  int const rg = warp / g::col_groups;  // row tiles rg, rg + 2, ...
  int const n_base = (warp % g::col_groups) * warp_cols;
  int const my_tiles = (tiles - rg + 1) / g::row_groups;
  int const c_row = lane / 4;        // accumulator rows c_row, c_row + 8 of a tile
  int const c_col = 2 * (lane % 4);  // accumulator columns c_col, c_col + 1 of a block
  // ldmatrix: lane l addresses row l % 16 (A: of the tile; B: k of the step) at column 8 (l / 16).
  unsigned const x_hi_s = fused_smem_addr(x_hi + (lane % 16) * g::ldx + (lane / 16) * 8);
  unsigned const x_lo_s = fused_smem_addr(x_lo + (lane % 16) * g::ldx + (lane / 16) * 8);
  unsigned const w_off =
      static_cast<unsigned>(((lane % 16) * g::ldw + (lane / 16) * 8 + n_base) * sizeof(__half));

  for (int l = 0; l < num_layers; ++l) {
    FusedDenseLayer const layer = layers[l];
    bool const last = l + 1 == num_layers;
    int const buf = l % 2;
    fused_cp_async_wait_all();
    __syncthreads();  // W(l) and x(l) are visible; every warp is done with layer l - 1
    if (l > 0 && warp == 0) {
      // Flags of layer l - 1 (complete): count for layer_counts, reset for layer l + 1.
      int* const nz = row_nz + (1 - buf) * bm;
      int alive = 0;
      for (int r = lane; r < bm; r += 32) {
        alive += nz[r] != 0 ? 1 : 0;
        nz[r] = 0;
      }
      if (layer_counts != nullptr && l - 1 < count_layers) {
        for (int o = 16; o > 0; o /= 2) {
          alive += __shfl_down_sync(0xffffffffu, alive, o);
        }
        if (lane == 0 && alive != 0) {
          atomicAdd(layer_counts + (l - 1), static_cast<row_index>(alive));
        }
      }
    }
    if (!last) {
      // The other buffer was last read by layer l - 1's products (before the barrier above).
      fused_load_weights<split>(layers[l + 1], w_hi(1 - buf), split ? w_lo(1 - buf) : nullptr, tid);
    }
    float bias[nblocks][2];
#pragma unroll
    for (int j = 0; j < nblocks; ++j) {
      bias[j][0] = layer.bias[n_base + 8 * j + c_col];
      bias[j][1] = layer.bias[n_base + 8 * j + c_col + 1];
    }

    float acc[warp_tiles][nblocks][4];
    float acc_x[split ? warp_tiles : 1][nblocks][4];  // hi*lo + lo*hi, scaled by 2^11
#pragma unroll
    for (int t = 0; t < warp_tiles; ++t) {
#pragma unroll
      for (int j = 0; j < nblocks; ++j) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          acc[t][j][e] = 0.0f;
          if constexpr (split) {
            acc_x[t][j][e] = 0.0f;
          }
        }
      }
    }
    int const k_pad = (layer.n_in + 15) / 16 * 16;
    if (n_base < layer.n_out) {  // warp-uniform
      unsigned const wh_s = fused_smem_addr(w_hi(buf)) + w_off;
      unsigned const wl_s = split ? fused_smem_addr(w_lo(buf)) + w_off : 0u;
      for (int kk = 0; kk < k_pad; kk += 16) {
        // B fragments of the warp's 4 column blocks: matrices (k 0-7, n 0-7), (k 8-15, n 0-7),
        // (k 0-7, n 8-15), (k 8-15, n 8-15) of each 16 columns.
        unsigned bh[nblocks][2];
        unsigned bl[split ? nblocks : 1][2];
#pragma unroll
        for (int jj = 0; jj < nblocks / 2; ++jj) {
          unsigned r[4];
          unsigned const off = static_cast<unsigned>((kk * g::ldw + 16 * jj) * sizeof(__half));
          fused_ldmatrix_x4_trans(r, wh_s + off);
          bh[2 * jj][0] = r[0];
          bh[2 * jj][1] = r[1];
          bh[2 * jj + 1][0] = r[2];
          bh[2 * jj + 1][1] = r[3];
          if constexpr (split) {
            fused_ldmatrix_x4_trans(r, wl_s + off);
            bl[2 * jj][0] = r[0];
            bl[2 * jj][1] = r[1];
            bl[2 * jj + 1][0] = r[2];
            bl[2 * jj + 1][1] = r[3];
          }
        }
#pragma unroll
        for (int t = 0; t < warp_tiles; ++t) {
          if (t < my_tiles) {  // warp-uniform
            int const i = rg + g::row_groups * t;
            unsigned const off = static_cast<unsigned>((i * 16 * g::ldx + kk) * sizeof(__half));
            unsigned ah[4];
            fused_ldmatrix_x4(ah, x_hi_s + off);
            unsigned al[4];
            if constexpr (split) {
              fused_ldmatrix_x4(al, x_lo_s + off);
            }
#pragma unroll
            for (int j = 0; j < nblocks; ++j) {
              fused_mma(acc[t][j], ah, bh[j][0], bh[j][1]);
              if constexpr (split) {
                fused_mma(acc_x[t][j], ah, bl[j][0], bl[j][1]);
                fused_mma(acc_x[t][j], al, bh[j][0], bh[j][1]);
              }
            }
          }
        }
      }
    }
    __syncthreads();  // every warp is done reading x(l)
    // Epilogue from the accumulators: element e of block j of tile t is (row 16 i + c_row + 8
    // (e / 2), column n_base + 8 j + c_col + e % 2).
    int* const nz_flags = row_nz + buf * bm;
#pragma unroll
    for (int t = 0; t < warp_tiles; ++t) {
      if (t < my_tiles) {  // warp-uniform: every lane runs the ballots
        int const i = rg + g::row_groups * t;
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          int const r = i * 16 + c_row + 8 * h;
          bool const row_ok = r < nrows;
          bool nz = false;
#pragma unroll
          for (int j = 0; j < nblocks; ++j) {
            int const c = n_base + 8 * j + c_col;
            float y[2];
#pragma unroll
            for (int e = 0; e < 2; ++e) {
              float v = acc[t][j][2 * h + e];
              if constexpr (split) {
                v += acc_x[t][j][2 * h + e] * lo_scale;
              }
              y[e] = 0.0f;
              if (row_ok && c + e < layer.n_out) {
                y[e] = act(add_rn(v, bias[j][e]));
              }
              nz = nz || y[e] != 0.0f;
            }
            if (last) {
              if (row_ok) {
                float* const dst = args.out.data + row_off[bm + r];
                if (c < layer.n_out) {
                  dst[c] = y[0];
                }
                if (c + 1 < layer.n_out) {
                  dst[c + 1] = y[1];
                }
              }
            } else {
              __half2 const hi = __floats2half2_rn(y[0], y[1]);
              *reinterpret_cast<__half2*>(x_hi + r * g::ldx + c) = hi;
              if constexpr (split) {
                *reinterpret_cast<__half2*>(x_lo + r * g::ldx + c) =
                    __halves2half2(dense_lo(y[0], __low2half(hi)), dense_lo(y[1], __high2half(hi)));
              }
            }
          }
          // The quad (lanes 4 c_row .. 4 c_row + 3) holds the warp's 32 columns of row r.
          unsigned const any = __ballot_sync(0xffffffffu, nz);
          if (lane % 4 == 0 && ((any >> lane) & 0xfu) != 0u) {
            atomicOr(&nz_flags[r], 1);
          }
        }
      }
    }
  }
  __syncthreads();  // the last layer's row flags are complete
  if (args.alive != nullptr) {
    int const* const nz = row_nz + ((num_layers - 1) % 2) * bm;
    for (int r = tid; r < bm; r += g::threads) {
      if (m0 + r < args.num_rows_bound) {
        args.alive[m0 + r] = (r < nrows && nz[r] != 0) ? 1 : 0;
      }
    }
  }
}

}  // namespace detail
SNICIT_NAMESPACE_END
