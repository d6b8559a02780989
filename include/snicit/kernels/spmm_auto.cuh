// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_auto.cuh
 * @brief The backend of `spmm::Auto`: a per-layer choice between DenseTensorCore and
 * RegisterTiled made once at engine construction, plus BlockDense for launches over few rows.
 */

#include <snicit/config.hpp>
#include <snicit/kernels/fused_dense.cuh>
#include <snicit/kernels/spmm.cuh>
#include <snicit/kernels/spmm_block.cuh>
#include <snicit/kernels/spmm_dense.cuh>
#include <snicit/kernels/spmm_folded.cuh>
#include <snicit/kernels/spmm_tiled.cuh>
#include <snicit/network.hpp>
#include <snicit/policy/spmm_auto.hpp>

#include <cuda/stream_ref>

#include <algorithm>
#include <cstdint>
#include <optional>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

/// Which backend spmm::Auto picked for a layer.
enum class AutoChoice { register_tiled, dense_tensor_core };

template <int DensePercent, std::int64_t DenseMaxElements, std::int64_t FewRows>
struct SpmmBackend<spmm::Auto<DensePercent, DenseMaxElements, FewRows>> {
  using policy = spmm::Auto<DensePercent, DenseMaxElements, FewRows>;
  using dense_policy = spmm::DenseTensorCore<spmm::Precision::fp16_split>;
  using tiled_policy = spmm::RegisterTiled<>;
  /// RegisterTiled with 512-thread blocks for layers with >= wide_inputs inputs: on an H200 one
  /// SDGC 4096 layer takes 2.41 ms at 60000 rows and 113 us at 2000 rows with it, against 3.96 ms
  /// and 180 us with 256 threads (1024: 256 threads stay faster, 0.56 vs 0.60 ms; 16384: equal).
  /// Same per-output summation order, so the same bits.
  using tiled_wide_policy = spmm::RegisterTiled<512>;
  static constexpr std::int64_t wide_inputs = 4096;
  using block_policy = spmm::BlockDense<>;
  /// ColumnFolded for layers whose outputs repeat columns: at most half as many distinct
  /// columns as outputs (SDGC: N / 16). Same summation order, so the same bits. Below
  /// wide_inputs inputs 2 rows per thread with a 32 KiB staged tile (one SDGC 1024 layer on an
  /// H200: 309 us at 60000 rows, 23 us at 2000, against 404 / 25 with ColumnFolded<> and 521 / 32
  /// with a 160 KiB tile); from wide_inputs on ColumnFolded<> reads the inputs through L1
  /// (SDGC 4096: 821 / 36 us against 1966 / 102 with the staged 64 KiB tile).
  using folded_policy = spmm::ColumnFolded<256, 2, 32>;
  using folded_wide_policy = spmm::ColumnFolded<>;

  /// True when folding the groups `g` of a layer with `outputs` outputs pays.
  [[nodiscard]] static bool folds(ColumnGroups const& g, std::int64_t outputs) noexcept {
    return outputs > 0 && 2 * g.distinct() <= outputs;
  }

  /// The chosen backend and its prepared state (only that one is set), plus BlockDense's state
  /// for few-row launches of a RegisterTiled layer (when FewRows > 0).
  template <class Value, class Allocator>
  struct layer_state {
    AutoChoice choice = AutoChoice::register_tiled;
    std::optional<spmm_layer_state_t<dense_policy, Value, Allocator>> dense;
    std::optional<spmm_layer_state_t<tiled_policy, Value, Allocator>> tiled;
    /// Instead of `tiled` for layers with at least wide_inputs inputs.
    std::optional<spmm_layer_state_t<tiled_wide_policy, Value, Allocator>> tiled_wide;
    std::optional<spmm_layer_state_t<block_policy, Value, Allocator>> few_rows;
    /// Instead of `tiled` / `tiled_wide` for layers with repeated columns (folds()).
    std::optional<spmm_layer_state_t<folded_policy, Value, Allocator>> folded;
    /// Instead of `folded` for layers with at least wide_inputs inputs.
    std::optional<spmm_layer_state_t<folded_wide_policy, Value, Allocator>> folded_wide;
  };

  /// The cost model's choice for a layer of `inputs` x `outputs` with `nnz` weights.
  [[nodiscard]] static AutoChoice choose(std::int64_t inputs,
                                         std::int64_t outputs,
                                         std::int64_t nnz) noexcept {
    std::int64_t const elements = inputs * outputs;
    if (elements <= 0 || elements > policy::dense_max_elements) {
      return AutoChoice::register_tiled;
    }
    // density >= DensePercent / 100, in integers
    return nnz * 100 >= std::int64_t{policy::dense_percent} * elements
               ? AutoChoice::dense_tensor_core
               : AutoChoice::register_tiled;
  }

  /// The cost model's choice for a layer (see spmm::Auto).
  template <class Value>
  [[nodiscard]] static AutoChoice choose(SparseLayer<Value> const& layer) noexcept {
    return choose(layer.weights.rows, layer.weights.cols, layer.weights.nnz());
  }

  template <class Value, class Allocator>
  static layer_state<Value, Allocator> prepare(SparseLayer<Value> const& layer,
                                               std::int64_t max_rows,
                                               Allocator const& alloc,
                                               cuda::stream_ref stream) {
    layer_state<Value, Allocator> s;
    s.choice = choose(layer);
    if (s.choice == AutoChoice::dense_tensor_core) {
      s.dense.emplace(
          prepare_spmm_layer<dense_policy, Value, Allocator>(layer, max_rows, alloc, stream));
    } else {
      auto const groups = group_equal_columns(layer.weights);
      if (folds(groups, layer.weights.cols) && layer.weights.rows >= wide_inputs) {
        s.folded_wide.emplace(
            SpmmBackend<folded_wide_policy>::template prepare_grouped<Value, Allocator>(
                layer, groups, max_rows, alloc, stream));
      } else if (folds(groups, layer.weights.cols)) {
        s.folded.emplace(SpmmBackend<folded_policy>::template prepare_grouped<Value, Allocator>(
            layer, groups, max_rows, alloc, stream));
      } else if (layer.weights.rows >= wide_inputs) {
        s.tiled_wide.emplace(prepare_spmm_layer<tiled_wide_policy, Value, Allocator>(
            layer, max_rows, alloc, stream));
      } else {
        s.tiled.emplace(
            prepare_spmm_layer<tiled_policy, Value, Allocator>(layer, max_rows, alloc, stream));
      }
      if constexpr (policy::few_rows > 0) {
        s.few_rows.emplace(prepare_spmm_layer<block_policy, Value, Allocator>(
            layer, std::min<std::int64_t>(max_rows, policy::few_rows), alloc, stream));
      }
    }
    return s;
  }

  /**
   * @brief As prepare, from a layer in device memory: ColumnFolded (grouped on the device for
   * uniform layers), RegisterTiled and BlockDense build their state on the GPU (their
   * prepare_device / prepare_grouped_device); a layer run densely is prepared from
   * `host_layer()` (DenseTensorCore has no device path; dense layers are small by the cost
   * model's DenseMaxElements).
   */
  template <class Value, class Allocator>
  static layer_state<Value, Allocator> prepare_device(DeviceLayerRef<Value> const& layer,
                                                      HostLayerFn<Value> const& host_layer,
                                                      std::int64_t max_rows,
                                                      Allocator const& alloc,
                                                      cuda::stream_ref stream) {
    layer_state<Value, Allocator> s;
    s.choice = choose(layer.inputs, layer.outputs, layer.weights.nnz);
    if (s.choice == AutoChoice::dense_tensor_core) {
      s.dense.emplace(prepare_spmm_layer<dense_policy, Value, Allocator>(
          host_layer(), max_rows, alloc, stream));
      return s;
    }
    // Column groups on the device for uniform layers, else from the host copy (the same
    // groups either way, so the same choice as prepare).
    auto groups = group_equal_columns_device(layer.weights, alloc, stream);
    std::optional<SparseLayer<Value>> host;
    if (!groups) {
      host.emplace(host_layer());
      groups.emplace(group_equal_columns(host->weights));
    }
    auto fold = [&]<class P>(auto& slot, P*) {
      if (host) {
        slot.emplace(SpmmBackend<P>::template prepare_grouped<Value, Allocator>(
            *host, *groups, max_rows, alloc, stream));
      } else {
        slot.emplace(SpmmBackend<P>::template prepare_grouped_device<Value, Allocator>(
            layer, *groups, host_layer, max_rows, alloc, stream));
      }
    };
    if (folds(*groups, layer.outputs) && layer.inputs >= wide_inputs) {
      fold(s.folded_wide, static_cast<folded_wide_policy*>(nullptr));
    } else if (folds(*groups, layer.outputs)) {
      fold(s.folded, static_cast<folded_policy*>(nullptr));
    } else if (layer.inputs >= wide_inputs) {
      s.tiled_wide.emplace(prepare_spmm_layer_device<tiled_wide_policy, Value, Allocator>(
          layer, host_layer, max_rows, alloc, stream));
    } else {
      s.tiled.emplace(prepare_spmm_layer_device<tiled_policy, Value, Allocator>(
          layer, host_layer, max_rows, alloc, stream));
    }
    if constexpr (policy::few_rows > 0) {
      s.few_rows.emplace(prepare_spmm_layer_device<block_policy, Value, Allocator>(
          layer, host_layer, std::min<std::int64_t>(max_rows, policy::few_rows), alloc, stream));
    }
    return s;
  }

  template <class Value, class Allocator, class Act>
  static void launch(SpmmArgs<Value> const& args,
                     layer_state<Value, Allocator> const& s,
                     Act const& act,
                     cuda::stream_ref stream) {
    if (s.choice == AutoChoice::dense_tensor_core) {
      spmm<dense_policy>(args, *s.dense, act, stream);
    } else if (s.few_rows && args.num_rows_bound <= policy::few_rows) {
      spmm<block_policy>(args, *s.few_rows, act, stream);
    } else if (s.folded) {
      spmm<folded_policy>(args, *s.folded, act, stream);
    } else if (s.folded_wide) {
      spmm<folded_wide_policy>(args, *s.folded_wide, act, stream);
    } else if (s.tiled_wide) {
      spmm<tiled_wide_policy>(args, *s.tiled_wide, act, stream);
    } else {
      spmm<tiled_policy>(args, *s.tiled, act, stream);
    }
  }

  /// Without a prepared state (a layer used outside an Engine): RegisterTiled's fallback.
  template <class Value, class Act>
  static void launch(SpmmArgs<Value> const& args, Act const& act, cuda::stream_ref stream) {
    spmm<tiled_policy>(args, act, stream);
  }
};

/// spmm::Auto fuses runs of the narrow layers it runs densely (same fp16_split products).
template <int DensePercent, std::int64_t DenseMaxElements, std::int64_t FewRows>
struct FusedDenseTraits<spmm::Auto<DensePercent, DenseMaxElements, FewRows>> {
  static constexpr bool enabled = true;
  static constexpr spmm::Precision precision =
      SpmmBackend<spmm::Auto<DensePercent, DenseMaxElements, FewRows>>::dense_policy::precision;
  template <class Value>
  static bool layer_ok(SparseLayer<Value> const& layer) noexcept {
    return SpmmBackend<spmm::Auto<DensePercent, DenseMaxElements, FewRows>>::choose(layer) ==
           AutoChoice::dense_tensor_core;
  }
};

}  // namespace kernels
SNICIT_NAMESPACE_END
