// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file fused_dense.cuh
 * @brief `snicit::kernels::FusedDenseStack`: runs of narrow dense-ish layers (every width
 * <= 128, e.g. the trained MNIST networks' 128 x 128 hidden layers) executed by ONE kernel launch
 * per run, with the rows kept in shared memory between layers.
 *
 * A 128-wide layer over 10000 rows is ~3 us of tensor-core work but costs a launch, a gather and
 * a compaction when run layer by layer; fusing the run removes all three. The Engine uses it in
 * the pre-convergence phase when the spMM policy allows reduced-precision dense products
 * (`spmm::Auto` on dense layers, `spmm::DenseTensorCore<fp16 | fp16_split>`, see
 * `fusable_precision`) and `EngineOptions::fuse_dense_layers` is set; usable on its own too.
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/fused_dense.cuh>
#include <snicit/error.hpp>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/network.hpp>
#include <snicit/policy/spmm_dense.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <cuda_fp16.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

/**
 * @brief Whether, and in which precision, the Engine may fuse runs of narrow layers for an spMM
 * policy. The primary template says no (the policy's own numerics are kept layer by layer);
 * `spmm::Auto` (on the layers it runs densely) and `spmm::DenseTensorCore<fp16 | fp16_split>`
 * specialise it: they already use the same reduced-precision tensor-core products.
 *
 * A specialisation provides `static constexpr bool enabled`, `static constexpr spmm::Precision
 * precision` and `template <class Value> static bool layer_ok(SparseLayer<Value> const&)`.
 */
template <class Policy>
struct FusedDenseTraits {
  static constexpr bool enabled = false;
  static constexpr spmm::Precision precision = spmm::Precision::fp16_split;
  template <class Value>
  static bool layer_ok(SparseLayer<Value> const&) noexcept {
    return false;
  }
};

template <spmm::Precision P, int BlockRows>
struct FusedDenseTraits<spmm::DenseTensorCore<P, BlockRows>> {
  static constexpr bool enabled = P != spmm::Precision::tf32;
  static constexpr spmm::Precision precision =
      P == spmm::Precision::tf32 ? spmm::Precision::fp16_split : P;
  template <class Value>
  static bool layer_ok(SparseLayer<Value> const&) noexcept {
    return true;
  }
};

/// Widest layer (inputs and outputs) a fused run can hold.
inline constexpr std::int64_t fused_dense_max_width = detail::FusedDenseGeometry::width;

/// Whether `layer` fits a fused run (both widths in [1, 128]).
template <class Value>
[[nodiscard]] bool fused_dense_fits(SparseLayer<Value> const& layer) noexcept {
  auto const& w = layer.weights;
  return w.rows >= 1 && w.cols >= 1 && w.rows <= fused_dense_max_width &&
         w.cols <= fused_dense_max_width;
}

/**
 * @brief Device copies of a stack of narrow layers in the fused kernel's operand layout
 * (each layer densified to 128 x 128 fp16 hi (+ lo x 2^11 for fp16_split), bias expanded to 128
 * floats), plus their descriptors; owning and movable.
 *
 * @tparam P         operand precision: Precision::fp16 (one product, ~1e-3 relative error) or
 *                   Precision::fp16_split (three products, ~2^-22 operand error; what spmm::Auto
 *                   uses for dense layers)
 * @tparam Act       the activation functor the kernel applies (a trivially copyable Value ->
 *                   Value functor, e.g. snicit::ReluClip)
 * @tparam Allocator stream-ordered device allocator
 */
template <spmm::Precision P, class Act, class Allocator>
class FusedDenseStack {
  static_assert(P == spmm::Precision::fp16 || P == spmm::Precision::fp16_split,
                "kernels::FusedDenseStack: precision must be fp16 or fp16_split");
  static constexpr bool split = P == spmm::Precision::fp16_split;
  using geometry = detail::FusedDenseGeometry;

 public:
  FusedDenseStack() = default;

  /**
   * @brief Densifies and uploads `layers[first .. first + count)`; synchronises `stream` (the
   * host staging is local).
   * @throws snicit::LogicError when a layer does not fit (fused_dense_fits) or consecutive widths
   * do not chain; snicit::CudaError
   */
  FusedDenseStack(std::vector<SparseLayer<float>> const& layers,
                  std::int64_t first,
                  std::int64_t count,
                  Allocator const& alloc,
                  cuda::stream_ref stream)
      : first_(first), count_(count) {
    SNICIT_EXPECTS(
        first >= 0 && count >= 1 && first + count <= static_cast<std::int64_t>(layers.size()),
        "FusedDenseStack: layer range [" + std::to_string(first) + ", " +
            std::to_string(first + count) + ") is outside the network");
    constexpr std::size_t w = geometry::width;
    std::size_t const per_layer = w * w;
    auto const n = static_cast<std::size_t>(count);
    std::vector<std::uint16_t> hi(n * per_layer, 0);
    std::vector<std::uint16_t> lo(split ? n * per_layer : 0, 0);
    std::vector<float> bias(n * w, 0.0f);
    auto bits = [](__half h) {
      std::uint16_t b = 0;
      std::memcpy(&b, &h, sizeof(b));
      return b;
    };
    for (std::size_t i = 0; i < n; ++i) {
      auto const& layer = layers[static_cast<std::size_t>(first) + i];
      SNICIT_EXPECTS(fused_dense_fits(layer),
                     "FusedDenseStack: layer " + std::to_string(first + 1 + std::int64_t(i)) +
                         " is " + std::to_string(layer.weights.rows) + " x " +
                         std::to_string(layer.weights.cols) + ", wider than " +
                         std::to_string(fused_dense_max_width));
      SNICIT_EXPECTS(layer.weights.values.size() == static_cast<std::size_t>(layer.weights.nnz()),
                     "FusedDenseStack: the layer needs one value per weight");
      if (i > 0) {
        SNICIT_EXPECTS(
            layer.weights.rows == layers[static_cast<std::size_t>(first) + i - 1].weights.cols,
            "FusedDenseStack: layer widths do not chain");
      }
      auto const& m = layer.weights;
      for (std::int64_t r = 0; r < m.rows; ++r) {
        for (auto k = m.row_offsets[static_cast<std::size_t>(r)];
             k < m.row_offsets[static_cast<std::size_t>(r) + 1];
             ++k) {
          float const v = m.values[static_cast<std::size_t>(k)];
          std::size_t const e =
              i * per_layer + static_cast<std::size_t>(r) * w +
              static_cast<std::size_t>(m.col_indices[static_cast<std::size_t>(k)]);
          __half const h = __float2half_rn(v);
          hi[e] = bits(h);
          if constexpr (split) {
            lo[e] = bits(__float2half_rn((v - __half2float(h)) * detail::dense_split_scale));
          }
        }
      }
      for (std::int64_t c = 0; c < m.cols; ++c) {
        bias[i * w + static_cast<std::size_t>(c)] = layer.bias_at(c);
      }
      n_in_.push_back(m.rows);
      n_out_.push_back(m.cols);
    }
    w_hi_ = DeviceBuffer<std::uint16_t, Allocator>(hi.size(), stream, alloc);
    upload(w_hi_.data(), hi.data(), hi.size() * sizeof(std::uint16_t), stream);
    if constexpr (split) {
      w_lo_ = DeviceBuffer<std::uint16_t, Allocator>(lo.size(), stream, alloc);
      upload(w_lo_.data(), lo.data(), lo.size() * sizeof(std::uint16_t), stream);
    }
    bias_ = DeviceBuffer<float, Allocator>(bias.size(), stream, alloc);
    upload(bias_.data(), bias.data(), bias.size() * sizeof(float), stream);
    std::vector<detail::FusedDenseLayer> desc(n);
    for (std::size_t i = 0; i < n; ++i) {
      desc[i].w_hi = reinterpret_cast<__half const*>(w_hi_.data()) + i * per_layer;
      desc[i].w_lo =
          split ? reinterpret_cast<__half const*>(w_lo_.data()) + i * per_layer : nullptr;
      desc[i].bias = bias_.data() + i * w;
      desc[i].n_in = static_cast<int>(n_in_[i]);
      desc[i].n_out = static_cast<int>(n_out_[i]);
    }
    desc_ = DeviceBuffer<detail::FusedDenseLayer, Allocator>(n, stream, alloc);
    upload(desc_.data(), desc.data(), n * sizeof(detail::FusedDenseLayer), stream);
    int device = 0;
    SNICIT_CUDA_TRY(cudaGetDevice(&device));
    SNICIT_CUDA_TRY(cudaDeviceGetAttribute(&sms_, cudaDevAttrMultiProcessorCount, device));
    int max_smem = 0;
    SNICIT_CUDA_TRY(
        cudaDeviceGetAttribute(&max_smem, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
    max_tiles_ = geometry::max_tiles;
    while (max_tiles_ > 1 &&
           geometry::smem_bytes(max_tiles_ * 16, split) > static_cast<std::size_t>(max_smem)) {
      --max_tiles_;
    }
    SNICIT_EXPECTS(
        geometry::smem_bytes(max_tiles_ * 16, split) <= static_cast<std::size_t>(max_smem),
        "FusedDenseStack: the device has too little shared memory per block (" +
            std::to_string(max_smem) + " bytes)");
    SNICIT_CUDA_TRY(
        cudaFuncSetAttribute(detail::fused_dense_kernel<P, Act>,
                             cudaFuncAttributeMaxDynamicSharedMemorySize,
                             static_cast<int>(geometry::smem_bytes(max_tiles_ * 16, split))));
    SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
  }

  /// First layer (0-based index into the network) and number of layers held.
  [[nodiscard]] std::int64_t first() const noexcept {
    return first_;
  }
  [[nodiscard]] std::int64_t size() const noexcept {
    return count_;
  }

  /**
   * @brief Queues layers [from, from + n) of the stack (0-based network indices) over the rows
   * of `args` (in, in_rows, d_num_rows, num_rows_bound, out, out_rows, alive; weights and bias
   * are taken from the stack): one launch, no allocation, no synchronisation.
   *
   * `layer_counts` (may be null) receives, for l < n - 1, the number of rows alive after layer
   * from + l added to layer_counts[l]; the flags of the last layer go to args.alive.
   * @throws snicit::LogicError when the range or the widths do not match
   */
  void launch(SpmmArgs<float> const& args,
              std::int64_t from,
              std::int64_t n,
              Act const& act,
              row_index* layer_counts,
              cuda::stream_ref stream) const {
    SNICIT_EXPECTS(from >= first_ && n >= 1 && from + n <= first_ + count_,
                   "FusedDenseStack::launch: layers [" + std::to_string(from) + ", " +
                       std::to_string(from + n) + ") are not in the stack");
    auto const i0 = static_cast<std::size_t>(from - first_);
    SNICIT_EXPECTS(
        args.in.cols == n_in_[i0] && args.out.cols == n_out_[i0 + static_cast<std::size_t>(n) - 1],
        "FusedDenseStack::launch: input/output widths do not match the layers");
    if (args.num_rows_bound == 0) {
      return;
    }
    // About one block per SM: R = 16 x tiles rows per block, tiles in [1, max_tiles].
    std::int64_t const per_sm = (args.num_rows_bound + sms_ - 1) / sms_;
    int const tiles = static_cast<int>(
        std::clamp<std::int64_t>((per_sm + 15) / 16, 1, static_cast<std::int64_t>(max_tiles_)));
    std::int64_t const rows = std::int64_t{tiles} * 16;
    auto const grid = static_cast<unsigned>((args.num_rows_bound + rows - 1) / rows);
    std::size_t const smem = geometry::smem_bytes(tiles * 16, split);
    detail::fused_dense_kernel<P, Act>
        <<<grid, geometry::threads, smem, stream.get()>>>(args,
                                                          desc_.data() + i0,
                                                          static_cast<int>(n),
                                                          tiles,
                                                          layer_counts,
                                                          static_cast<int>(n - 1),
                                                          act);
    SNICIT_CHECK_LAUNCH();
  }

 private:
  static void upload(void* dst, void const* src, std::size_t bytes, cuda::stream_ref stream) {
    SNICIT_CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream.get()));
  }
  std::int64_t first_ = 0;
  std::int64_t count_ = 0;
  std::vector<std::int64_t> n_in_;
  std::vector<std::int64_t> n_out_;
  DeviceBuffer<std::uint16_t, Allocator> w_hi_;
  DeviceBuffer<std::uint16_t, Allocator> w_lo_;
  DeviceBuffer<float, Allocator> bias_;
  DeviceBuffer<detail::FusedDenseLayer, Allocator> desc_;
  int sms_ = 1;
  int max_tiles_ = 1;
};

}  // namespace kernels
SNICIT_NAMESPACE_END
