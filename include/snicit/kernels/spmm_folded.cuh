// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_folded.cuh
 * @brief `snicit::kernels::SpmmBackend<spmm::ColumnFolded<...>>`: the column-folded spMM
 * backend. Its per-layer state is the layer's distinct weight columns as RegisterTiled's sliced
 * ELL plus the output neurons of each (built on the host and uploaded once by `prepare`); the
 * stateless `launch` falls back to the RowGather kernel on the engine's CSR upload (W^T). Include
 * it (or <snicit/engine.cuh>, which includes it) before naming an Engine with this policy.
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/prepare_device.cuh>
#include <snicit/detail/kernels/spmm_folded.cuh>
#include <snicit/error.hpp>
#include <snicit/kernels/spmm.cuh>
#include <snicit/kernels/spmm_tiled.cuh>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/network.hpp>
#include <snicit/policy/spmm_folded.hpp>
#include <snicit/policy/spmm_tiled.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

/**
 * @brief The distinct columns of a layer's weights W (rows = inputs, cols = outputs): two
 * columns are the same when they have the same inputs with bit-identical values.
 */
struct ColumnGroups {
  std::vector<std::int32_t> leader;         ///< per distinct column u: its first output neuron
  std::vector<std::int32_t> copy_offsets;   ///< U + 1 entries
  std::vector<std::int32_t> copy_cols;      ///< every output once, grouped by u, ascending
  std::vector<std::int64_t> leader_inputs;  ///< per distinct column: its number of inputs
  [[nodiscard]] std::int64_t distinct() const noexcept {
    return static_cast<std::int64_t>(leader.size());
  }
  /// Sets copy_offsets / copy_cols from each output's group (outputs ascending in a group).
  void fill_copies(std::vector<std::int32_t> const& group_of) {
    copy_offsets.assign(leader.size() + 1, 0);
    for (auto u : group_of) {
      ++copy_offsets[static_cast<std::size_t>(u) + 1];
    }
    for (std::size_t u = 0; u < leader.size(); ++u) {
      copy_offsets[u + 1] += copy_offsets[u];
    }
    copy_cols.assign(group_of.size(), 0);
    std::vector<std::int32_t> next(copy_offsets.begin(), copy_offsets.end() - 1);
    for (std::size_t j = 0; j < group_of.size(); ++j) {
      copy_cols[static_cast<std::size_t>(next[static_cast<std::size_t>(group_of[j])]++)] =
          static_cast<std::int32_t>(j);
    }
  }
};

/// Groups the equal columns of `w` (exact comparison; a hash only narrows the candidates).
template <class Value>
[[nodiscard]] ColumnGroups group_equal_columns(CsrMatrix<Value> const& w) {
  auto const n_out = static_cast<std::size_t>(w.cols);
  // The columns as lists of (input, value) in ascending input order (a CSC of W).
  std::vector<std::int64_t> col_off(n_out + 1, 0);
  for (auto c : w.col_indices) {
    ++col_off[static_cast<std::size_t>(c) + 1];
  }
  for (std::size_t j = 0; j < n_out; ++j) {
    col_off[j + 1] += col_off[j];
  }
  std::vector<std::int64_t> fill(col_off.begin(), col_off.end() - 1);
  std::vector<std::int64_t> in(static_cast<std::size_t>(w.nnz()));
  std::vector<Value> val(static_cast<std::size_t>(w.nnz()));
  for (std::int64_t i = 0; i < w.rows; ++i) {
    for (auto k = w.row_offsets[static_cast<std::size_t>(i)];
         k < w.row_offsets[static_cast<std::size_t>(i) + 1];
         ++k) {
      auto const at = static_cast<std::size_t>(
          fill[static_cast<std::size_t>(w.col_indices[static_cast<std::size_t>(k)])]++);
      in[at] = i;
      val[at] = w.values[static_cast<std::size_t>(k)];
    }
  }
  auto same = [&](std::size_t a, std::size_t b) {
    auto const la = col_off[a + 1] - col_off[a];
    if (la != col_off[b + 1] - col_off[b]) {
      return false;
    }
    for (std::int64_t e = 0; e < la; ++e) {
      auto const ea = static_cast<std::size_t>(col_off[a] + e);
      auto const eb = static_cast<std::size_t>(col_off[b] + e);
      if (in[ea] != in[eb] || std::memcmp(&val[ea], &val[eb], sizeof(Value)) != 0) {
        return false;
      }
    }
    return true;
  };
  auto hash = [&](std::size_t j) {
    std::uint64_t h =
        0x9e3779b97f4a7c15ull ^ static_cast<std::uint64_t>(col_off[j + 1] - col_off[j]);
    for (auto e = static_cast<std::size_t>(col_off[j]);
         e < static_cast<std::size_t>(col_off[j + 1]);
         ++e) {
      std::uint64_t bits = 0;
      std::memcpy(&bits, &val[e], sizeof(Value) < sizeof(bits) ? sizeof(Value) : sizeof(bits));
      h = (h ^ static_cast<std::uint64_t>(in[e])) * 0x100000001b3ull;
      h = (h ^ bits) * 0xff51afd7ed558ccdull;
      h ^= h >> 29;
    }
    return h;
  };
  ColumnGroups g;
  std::vector<std::int32_t> group_of(n_out, 0);
  std::unordered_map<std::uint64_t, std::vector<std::int32_t>> buckets;  // hash -> groups
  buckets.reserve(n_out);
  for (std::size_t j = 0; j < n_out; ++j) {
    auto& bucket = buckets[hash(j)];
    std::int32_t found = -1;
    for (auto u : bucket) {
      if (same(static_cast<std::size_t>(g.leader[static_cast<std::size_t>(u)]), j)) {
        found = u;
        break;
      }
    }
    if (found < 0) {
      found = static_cast<std::int32_t>(g.leader.size());
      g.leader.push_back(static_cast<std::int32_t>(j));
      g.leader_inputs.push_back(col_off[j + 1] - col_off[j]);
      bucket.push_back(found);
    }
    group_of[j] = found;
  }
  g.fill_copies(group_of);
  return g;
}

/**
 * @brief group_equal_columns for a uniform-valued layer already on the device (`w` = W^T, one
 * row per output, inputs ascending, `values` null): sorts the outputs by input list on the GPU
 * (detail::sort_by_input_list) and groups the runs on the host from the sorted order
 * (outputs-sized copies, no weights). Synchronises `stream`.
 * @return the groups, or nothing when the layer stores values, a row is not ascending or two
 * different input lists share a hash (the caller then groups a host copy)
 */
template <class Value, class Allocator>
[[nodiscard]] std::optional<ColumnGroups> group_equal_columns_device(CsrView<Value> const& w,
                                                                     Allocator const& alloc,
                                                                     cuda::stream_ref stream) {
  SNICIT_EXPECTS(w.rows < std::numeric_limits<std::int32_t>::max(),
                 "spmm ColumnFolded: more than 2^31 - 1 outputs");
  if (w.values != nullptr) {
    return std::nullopt;
  }
  auto const n_out = static_cast<std::size_t>(w.rows);
  ColumnGroups g;
  g.copy_offsets.assign(1, 0);
  if (n_out == 0) {
    return g;
  }
  auto const sorted = detail::sort_by_input_list(w, alloc, stream);
  if ((sorted.flags & (detail::prepare_flag_unsorted | detail::prepare_flag_collision)) != 0) {
    return std::nullopt;
  }
  auto const& h_order = sorted.order;
  auto const& h_heads = sorted.heads;
  // Runs of the (hash, output) order are the groups (no collision: equal hash = equal list),
  // each ascending by output; number them by their first output, as the host grouping does.
  std::vector<std::int32_t> group_of(n_out, 0);
  std::vector<std::int32_t> run_of_leader(n_out, -1);
  std::int32_t runs = 0;
  for (std::size_t p = 0; p < n_out; ++p) {
    if (h_heads[p] != 0) {
      run_of_leader[static_cast<std::size_t>(h_order[p])] = runs++;
    }
  }
  std::vector<std::int32_t> u_of_run(static_cast<std::size_t>(runs), 0);
  for (std::size_t j = 0; j < n_out; ++j) {
    if (run_of_leader[j] >= 0) {
      u_of_run[static_cast<std::size_t>(run_of_leader[j])] =
          static_cast<std::int32_t>(g.leader.size());
      g.leader.push_back(static_cast<std::int32_t>(j));
      g.leader_inputs.push_back(sorted.row_offsets[j + 1] - sorted.row_offsets[j]);
    }
  }
  std::int32_t run = -1;
  for (std::size_t p = 0; p < n_out; ++p) {
    run += h_heads[p] != 0 ? 1 : 0;
    group_of[static_cast<std::size_t>(h_order[p])] = u_of_run[static_cast<std::size_t>(run)];
  }
  g.fill_copies(group_of);
  return g;
}

/// ColumnFolded: `ceil(bound / (groups * RowsPerThread))` blocks of BlockThreads threads.
template <int BlockThreads, int RowsPerThread, int MaxSharedKiB>
struct SpmmBackend<spmm::ColumnFolded<BlockThreads, RowsPerThread, MaxSharedKiB>> {
  using policy = spmm::ColumnFolded<BlockThreads, RowsPerThread, MaxSharedKiB>;
  /// The distinct columns are kept in RegisterTiled's sliced ELL.
  using tiled_policy = spmm::RegisterTiled<BlockThreads, RowsPerThread, MaxSharedKiB>;
  static constexpr int rows = RowsPerThread;

  /// One layer's folded weights on the device (owning, movable).
  template <class Value, class Allocator>
  struct layer_state {
    typename SpmmBackend<tiled_policy>::template layer_state<Value, Allocator> distinct;
    DeviceBuffer<std::int32_t, Allocator> copy_offsets;
    DeviceBuffer<std::int32_t, Allocator> copy_cols;
    detail::FoldedView<Value> view;  ///< what the kernel reads
  };

  /**
   * @brief Groups the equal columns of `layer` on the host (group_equal_columns) and uploads the
   * distinct ones (as RegisterTiled's sliced ELL) and the copy lists on `stream`; synchronises
   * `stream` before returning.
   */
  template <class Value, class Allocator>
  static layer_state<Value, Allocator> prepare(SparseLayer<Value> const& layer,
                                               std::int64_t max_rows,
                                               Allocator const& alloc,
                                               cuda::stream_ref stream) {
    SNICIT_EXPECTS(layer.weights.cols < std::numeric_limits<std::int32_t>::max(),
                   "spmm ColumnFolded: more than 2^31 - 1 outputs");
    return prepare_grouped<Value, Allocator>(
        layer, group_equal_columns(layer.weights), max_rows, alloc, stream);
  }

  /// As prepare, with the groups of `layer`'s columns already known.
  template <class Value, class Allocator>
  static layer_state<Value, Allocator> prepare_grouped(SparseLayer<Value> const& layer,
                                                       ColumnGroups const& g,
                                                       std::int64_t max_rows,
                                                       Allocator const& alloc,
                                                       cuda::stream_ref stream) {
    layer_state<Value, Allocator> st;
    st.distinct = SpmmBackend<tiled_policy>::template prepare<Value, Allocator>(
        distinct_columns(layer, g), max_rows, alloc, stream);
    finish(st, g, layer.weights.cols, alloc, stream);
    return st;
  }

  /**
   * @brief As prepare, from a layer in device memory: uniform-valued layers (SDGC) are grouped
   * (group_equal_columns_device) and their distinct columns gathered on the GPU, then laid out
   * by RegisterTiled's prepare_device; other layers are prepared from `host_layer()`.
   */
  template <class Value, class Allocator>
  static layer_state<Value, Allocator> prepare_device(DeviceLayerRef<Value> const& layer,
                                                      HostLayerFn<Value> const& host_layer,
                                                      std::int64_t max_rows,
                                                      Allocator const& alloc,
                                                      cuda::stream_ref stream) {
    auto g = group_equal_columns_device(layer.weights, alloc, stream);
    if (!g) {
      return prepare<Value, Allocator>(host_layer(), max_rows, alloc, stream);
    }
    return prepare_grouped_device<Value, Allocator>(layer, *g, host_layer, max_rows, alloc, stream);
  }

  /// As prepare_device, with the groups known; `layer` must be uniform-valued (values null).
  template <class Value, class Allocator>
  static layer_state<Value, Allocator> prepare_grouped_device(DeviceLayerRef<Value> const& layer,
                                                              ColumnGroups const& g,
                                                              HostLayerFn<Value> const& host_layer,
                                                              std::int64_t max_rows,
                                                              Allocator const& alloc,
                                                              cuda::stream_ref stream) {
    auto const& w = layer.weights;
    SNICIT_EXPECTS(w.rows == layer.outputs && w.cols == layer.inputs && w.values == nullptr,
                   "spmm ColumnFolded: the device layer's CSR is not a uniform W^T of its shape");
    auto const u_count = static_cast<std::size_t>(g.distinct());
    // W^T restricted to the leaders: row offsets from the leaders' input counts (host), inputs
    // gathered on the device.
    std::vector<std::int32_t> r_off(u_count + 1, 0);
    for (std::size_t u = 0; u < u_count; ++u) {
      r_off[u + 1] = r_off[u] + static_cast<std::int32_t>(g.leader_inputs[u]);
    }
    DeviceBuffer<std::int32_t, Allocator> d_off(u_count + 1, stream, alloc);
    DeviceBuffer<std::int32_t, Allocator> d_leader(
        std::max<std::size_t>(u_count, 1), stream, alloc);
    DeviceBuffer<std::int32_t, Allocator> d_idx(
        std::max<std::size_t>(static_cast<std::size_t>(r_off.back()), 1), stream, alloc);
    SNICIT_CUDA_TRY(cudaMemcpyAsync(d_off.data(),
                                    r_off.data(),
                                    r_off.size() * sizeof(std::int32_t),
                                    cudaMemcpyHostToDevice,
                                    stream.get()));
    if (u_count > 0) {
      SNICIT_CUDA_TRY(cudaMemcpyAsync(d_leader.data(),
                                      g.leader.data(),
                                      u_count * sizeof(std::int32_t),
                                      cudaMemcpyHostToDevice,
                                      stream.get()));
      constexpr int tb = 256;
      detail::gather_input_lists_kernel<Value, std::int32_t>
          <<<static_cast<unsigned>((u_count + tb - 1) / tb), tb, 0, stream.get()>>>(
              w,
              d_leader.data(),
              d_off.data(),
              static_cast<std::int64_t>(u_count),
              d_idx.data(),
              static_cast<Value*>(nullptr),
              Value(0));
      SNICIT_CHECK_LAUNCH();
    }
    CsrView<Value> rv;
    rv.row_offsets = d_off.data();
    rv.col_indices = d_idx.data();
    rv.values = nullptr;
    rv.uniform_value = w.uniform_value;
    rv.rows = static_cast<std::int64_t>(u_count);
    rv.cols = layer.inputs;
    rv.nnz = r_off.back();
    layer_state<Value, Allocator> st;
    st.distinct = SpmmBackend<tiled_policy>::template prepare_device<Value, Allocator>(
        DeviceLayerRef<Value>{rv, layer.inputs, static_cast<std::int64_t>(u_count)},
        [&] { return distinct_columns(host_layer(), g); },
        max_rows,
        alloc,
        stream);
    finish(st, g, layer.outputs, alloc, stream);  // synchronises: d_off etc. may go
    return st;
  }

  /// `layer` restricted to the first column of every group of `g`, as a layer of U outputs.
  template <class Value>
  [[nodiscard]] static SparseLayer<Value> distinct_columns(SparseLayer<Value> const& layer,
                                                           ColumnGroups const& g) {
    auto const& w = layer.weights;
    std::vector<std::int32_t> distinct_of(static_cast<std::size_t>(w.cols), -1);
    for (std::size_t u = 0; u < g.leader.size(); ++u) {
      distinct_of[static_cast<std::size_t>(g.leader[u])] = static_cast<std::int32_t>(u);
    }
    SparseLayer<Value> reduced;
    reduced.weights.rows = w.rows;
    reduced.weights.cols = g.distinct();
    reduced.weights.row_offsets.assign(static_cast<std::size_t>(w.rows) + 1, 0);
    for (std::int64_t i = 0; i < w.rows; ++i) {
      for (auto k = w.row_offsets[static_cast<std::size_t>(i)];
           k < w.row_offsets[static_cast<std::size_t>(i) + 1];
           ++k) {
        auto const u =
            distinct_of[static_cast<std::size_t>(w.col_indices[static_cast<std::size_t>(k)])];
        if (u >= 0) {
          reduced.weights.col_indices.push_back(u);
          reduced.weights.values.push_back(w.values[static_cast<std::size_t>(k)]);
        }
      }
      reduced.weights.row_offsets[static_cast<std::size_t>(i) + 1] =
          static_cast<std::int64_t>(reduced.weights.col_indices.size());
    }
    return reduced;
  }

  /// Uploads the copy lists and sets the view; synchronises `stream`.
  template <class Value, class Allocator>
  static void finish(layer_state<Value, Allocator>& st,
                     ColumnGroups const& g,
                     std::int64_t outputs,
                     Allocator const& alloc,
                     cuda::stream_ref stream) {
    st.copy_offsets = DeviceBuffer<std::int32_t, Allocator>(g.copy_offsets.size(), stream, alloc);
    st.copy_cols = DeviceBuffer<std::int32_t, Allocator>(
        std::max<std::size_t>(g.copy_cols.size(), 1), stream, alloc);
    SNICIT_CUDA_TRY(cudaMemcpyAsync(st.copy_offsets.data(),
                                    g.copy_offsets.data(),
                                    g.copy_offsets.size() * sizeof(std::int32_t),
                                    cudaMemcpyHostToDevice,
                                    stream.get()));
    if (!g.copy_cols.empty()) {
      SNICIT_CUDA_TRY(cudaMemcpyAsync(st.copy_cols.data(),
                                      g.copy_cols.data(),
                                      g.copy_cols.size() * sizeof(std::int32_t),
                                      cudaMemcpyHostToDevice,
                                      stream.get()));
    }
    SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));  // the host vectors die on return
    st.view.ell = st.distinct.view;
    st.view.copy_offsets = st.copy_offsets.data();
    st.view.copy_cols = st.copy_cols.data();
    st.view.outputs = outputs;
  }

  /// Row groups per block for `distinct` columns (a power of two dividing BlockThreads / 32).
  [[nodiscard]] static int groups_for(std::int64_t distinct) noexcept {
    int g = 1;
    std::int64_t const warps = (distinct + 31) / 32;
    while (g * 2 <= BlockThreads / 32 && warps * 32 * (g * 2) <= BlockThreads) {
      g *= 2;
    }
    return g;
  }

  /// The folded kernel (the Engine's path).
  template <class Value, class Allocator, class Act>
  static void launch(SpmmArgs<Value> const& args,
                     layer_state<Value, Allocator> const& state,
                     Act const& act,
                     cuda::stream_ref stream) {
    SNICIT_EXPECTS(state.view.ell.inputs == args.in.cols && state.view.outputs == args.out.cols,
                   "spmm ColumnFolded: the layer state maps " +
                       std::to_string(state.view.ell.inputs) + " to " +
                       std::to_string(state.view.outputs) + " but the arguments " +
                       std::to_string(args.in.cols) + " to " + std::to_string(args.out.cols));
    if (args.num_rows_bound == 0) {
      return;
    }
    int groups = groups_for(state.view.ell.outputs);
    auto staged = [&] {
      return static_cast<std::size_t>(groups) * static_cast<std::size_t>(rows) *
             static_cast<std::size_t>(args.in.cols) * sizeof(Value);
    };
    while (groups > 1 && staged() > policy::max_shared_bytes) {
      groups /= 2;
    }
    std::int64_t const tile = static_cast<std::int64_t>(groups) * rows;
    auto const grid = static_cast<unsigned>((args.num_rows_bound + tile - 1) / tile);
    constexpr int max_tile = policy::max_tile_rows;
    if (staged() > 0 && staged() <= policy::max_shared_bytes) {
      auto* const kernel =
          detail::column_folded_kernel<BlockThreads, rows, max_tile, true, Value, Act>;
      if (staged() > 48 * 1024) {
        // Opt-in above the 48 KiB default (a host-side function attribute, no stream work).
        SNICIT_CUDA_TRY(cudaFuncSetAttribute(
            kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(staged())));
      }
      kernel<<<grid, BlockThreads, staged(), stream.get()>>>(args, state.view, groups, act);
    } else {
      detail::column_folded_kernel<BlockThreads, rows, max_tile, false, Value, Act>
          <<<grid, BlockThreads, 0, stream.get()>>>(args, state.view, groups, act);
    }
    SNICIT_CHECK_LAUNCH();
  }

  /// Without per-layer state: RegisterTiled's fallback (the RowGather kernel), bit-identical.
  template <class Value, class Act>
  static void launch(SpmmArgs<Value> const& args, Act const& act, cuda::stream_ref stream) {
    SpmmBackend<tiled_policy>::launch(args, act, stream);
  }
};

}  // namespace kernels
SNICIT_NAMESPACE_END
