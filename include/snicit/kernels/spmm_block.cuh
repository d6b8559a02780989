// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_block.cuh
 * @brief The block-dense spMM backend: `snicit::kernels::SpmmBackend<spmm::BlockDense<...>>`,
 * the host-side block discovery `snicit::kernels::plan_block_dense<Policy>` and its statistics
 * `snicit::kernels::block_dense_stats<Policy>` (see docs/backends-block.md).
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/prepare_device.cuh>
#include <snicit/detail/kernels/spmm_block.cuh>
#include <snicit/error.hpp>
#include <snicit/kernels/spmm.cuh>
#include <snicit/matrix.hpp>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/network.hpp>
#include <snicit/policy/spmm_block.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace kernels {

/// What the block discovery of spmm::BlockDense found in one layer.
struct BlockDenseStats {
  std::int64_t nnz = 0;                ///< stored weights of the layer
  std::int64_t nnz_in_blocks = 0;      ///< weights inside dense tiles
  std::int64_t outputs = 0;            ///< output neurons of the layer
  std::int64_t outputs_in_blocks = 0;  ///< outputs computed by dense tiles
  std::int64_t groups = 0;             ///< groups of outputs with one input set made into tiles
  std::int64_t tiles = 0;              ///< dense tiles
  std::int64_t tiles_with_values = 0;  ///< tiles storing a value array (the others: one scalar)
  std::int64_t stored_values = 0;      ///< values stored for tiles, padding included
  std::int64_t min_block_inputs = 0;   ///< smallest K of a tile (0 without tiles)
  std::int64_t max_block_inputs = 0;   ///< largest K of a tile (0 without tiles)
  std::int64_t remainder_nnz = 0;      ///< weights left to the CSR remainder

  /// Fraction of the weights inside dense tiles (1 for an empty layer).
  [[nodiscard]] double block_fraction() const noexcept {
    return nnz == 0 ? 1.0 : static_cast<double>(nnz_in_blocks) / static_cast<double>(nnz);
  }
};

/**
 * @brief The host form of a prepared block-dense layer (what BlockDense uploads).
 * Layout as snicit::detail::BlockDenseView: tile t owns outputs[t * BlockCols ...] (-1 padding),
 * its K inputs at inputs[tiles[t].in_begin ...], and values[tiles[t].val_begin ...] (K x
 * BlockCols, input-major) unless all its weights are equal.
 */
template <class Value>
struct BlockDensePlan {
  std::vector<detail::BlockTile<Value>> tiles;
  std::vector<std::int32_t> inputs;
  std::vector<std::int32_t> outputs;
  std::vector<Value> values;
  std::vector<std::int32_t> rem_offsets{0};
  std::vector<std::int32_t> rem_inputs;
  std::vector<Value> rem_values;
  std::vector<std::int32_t> rem_outputs;
  BlockDenseStats stats;
};

/**
 * @brief Block discovery of spmm::BlockDense for the weights `w` (rows = inputs, cols =
 * outputs): no assumption on sizes, strides or structure.
 *
 * 1. Transpose: the input list of every output, ascending.
 * 2. Group outputs with identical input lists: sort the outputs by (hash of the list, the list,
 *    output index) and take runs of equal lists. A run of >= MinGroupCols outputs with K >= 1
 *    inputs is a dense K x C block of W after permuting rows and columns.
 * 3. Cut each group into tiles of BlockCols outputs (the last one padded with -1); the group's
 *    input list is stored once and shared by its tiles. A tile whose weights are all equal
 *    stores no values, only the scalar; else K x BlockCols values (0 in padding).
 * 4. Every other output goes to a CSR remainder (its inputs ascending, with values).
 *
 * @return the plan with its statistics; deterministic for a given `w`
 * @throws snicit::LogicError when an index does not fit in 32 bits
 */
template <class Policy, class Value>
[[nodiscard]] BlockDensePlan<Value> plan_block_dense(CsrMatrix<Value> const& w) {
  constexpr int block_cols = Policy::block_cols;
  constexpr std::int64_t min_group = Policy::min_group_cols;
  constexpr std::int64_t int_max = std::numeric_limits<std::int32_t>::max();
  SNICIT_EXPECTS(w.rows <= int_max && w.cols <= int_max && w.nnz() <= int_max,
                 "BlockDense: layer with more than 2^31 - 1 rows, columns or weights");
  auto const n_in = w.rows;
  auto const n_out = static_cast<std::size_t>(w.cols);

  // 1. W^T: inputs of each output, ascending (the rows of W are visited in order).
  std::vector<std::int64_t> off(n_out + 1, 0);
  for (auto const c : w.col_indices) {
    ++off[static_cast<std::size_t>(c) + 1];
  }
  std::partial_sum(off.begin(), off.end(), off.begin());
  std::vector<std::int32_t> idx(static_cast<std::size_t>(w.nnz()));
  std::vector<Value> val(static_cast<std::size_t>(w.nnz()));
  {
    std::vector<std::int64_t> pos(off.begin(), off.end() - 1);
    for (std::int64_t i = 0; i < n_in; ++i) {
      for (auto k = w.row_offsets[i]; k < w.row_offsets[i + 1]; ++k) {
        auto const c = static_cast<std::size_t>(w.col_indices[static_cast<std::size_t>(k)]);
        auto const p = static_cast<std::size_t>(pos[c]++);
        idx[p] = static_cast<std::int32_t>(i);
        val[p] = w.values[static_cast<std::size_t>(k)];
      }
    }
  }
  auto const list = [&](std::size_t j) {
    return std::span<std::int32_t const>(idx.data() + off[j],
                                         static_cast<std::size_t>(off[j + 1] - off[j]));
  };

  // 2. Sort outputs by (hash, list, index): equal input lists become adjacent runs.
  std::vector<std::uint64_t> hash(n_out);
  for (std::size_t j = 0; j < n_out; ++j) {
    std::uint64_t h = 0xcbf29ce484222325ull ^ static_cast<std::uint64_t>(off[j + 1] - off[j]);
    for (auto const i : list(j)) {
      h = (h ^ static_cast<std::uint64_t>(static_cast<std::uint32_t>(i))) * 0x100000001b3ull;
      h ^= h >> 29;
    }
    hash[j] = h;
  }
  std::vector<std::int32_t> order(n_out);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
    auto const ua = static_cast<std::size_t>(a);
    auto const ub = static_cast<std::size_t>(b);
    if (hash[ua] != hash[ub]) {
      return hash[ua] < hash[ub];
    }
    auto const la = list(ua);
    auto const lb = list(ub);
    if (la.size() != lb.size()) {
      return la.size() < lb.size();
    }
    int const cmp = la.empty() ? 0 : std::memcmp(la.data(), lb.data(), la.size_bytes());
    if (cmp != 0) {
      return std::lexicographical_compare(la.begin(), la.end(), lb.begin(), lb.end());
    }
    return a < b;
  });
  auto const same = [&](std::size_t a, std::size_t b) {
    auto const la = list(a);
    auto const lb = list(b);
    return hash[a] == hash[b] && std::equal(la.begin(), la.end(), lb.begin(), lb.end());
  };

  // 3. Tiles of the groups; 4. the remainder.
  BlockDensePlan<Value> plan;
  auto& st = plan.stats;
  st.nnz = w.nnz();
  st.outputs = w.cols;
  std::vector<char> in_block(n_out, 0);
  for (std::size_t g = 0; g < n_out;) {
    std::size_t e = g + 1;
    while (e < n_out &&
           same(static_cast<std::size_t>(order[g]), static_cast<std::size_t>(order[e]))) {
      ++e;
    }
    auto const first = static_cast<std::size_t>(order[g]);
    auto const k_count = static_cast<std::int64_t>(list(first).size());
    if (static_cast<std::int64_t>(e - g) >= min_group && k_count >= 1) {
      auto const in_begin = static_cast<std::int64_t>(plan.inputs.size());
      plan.inputs.insert(plan.inputs.end(), list(first).begin(), list(first).end());
      ++st.groups;
      for (std::size_t t = g; t < e; t += block_cols) {
        std::size_t const te = std::min(e, t + block_cols);
        detail::BlockTile<Value> tile;
        tile.in_begin = in_begin;
        tile.in_count = static_cast<std::int32_t>(k_count);
        Value const v0 = val[static_cast<std::size_t>(off[static_cast<std::size_t>(order[t])])];
        bool uniform = true;
        for (std::size_t c = t; c < te && uniform; ++c) {
          auto const j = static_cast<std::size_t>(order[c]);
          for (auto k = off[j]; k < off[j + 1]; ++k) {
            if (!(val[static_cast<std::size_t>(k)] == v0)) {
              uniform = false;
              break;
            }
          }
        }
        if (uniform) {
          tile.val_begin = -1;
          tile.uniform = v0;
        } else {
          tile.val_begin = static_cast<std::int64_t>(plan.values.size());
          plan.values.resize(plan.values.size() + static_cast<std::size_t>(k_count) * block_cols,
                             Value(0));
          for (std::size_t c = t; c < te; ++c) {
            auto const j = static_cast<std::size_t>(order[c]);
            for (std::int64_t k = 0; k < k_count; ++k) {
              plan.values[static_cast<std::size_t>(tile.val_begin + k * block_cols) + (c - t)] =
                  val[static_cast<std::size_t>(off[j] + k)];
            }
          }
          ++st.tiles_with_values;
        }
        for (std::size_t c = t; c < t + block_cols; ++c) {
          plan.outputs.push_back(c < te ? order[c] : -1);
          if (c < te) {
            in_block[static_cast<std::size_t>(order[c])] = 1;
          }
        }
        plan.tiles.push_back(tile);
        st.min_block_inputs = st.tiles == 0 ? k_count : std::min(st.min_block_inputs, k_count);
        st.max_block_inputs = std::max(st.max_block_inputs, k_count);
        ++st.tiles;
      }
      st.outputs_in_blocks += static_cast<std::int64_t>(e - g);
      st.nnz_in_blocks += static_cast<std::int64_t>(e - g) * k_count;
    }
    g = e;
  }
  st.stored_values = static_cast<std::int64_t>(plan.values.size());
  for (std::size_t j = 0; j < n_out; ++j) {
    if (in_block[j] != 0) {
      continue;
    }
    plan.rem_outputs.push_back(static_cast<std::int32_t>(j));
    for (auto k = off[j]; k < off[j + 1]; ++k) {
      plan.rem_inputs.push_back(idx[static_cast<std::size_t>(k)]);
      plan.rem_values.push_back(val[static_cast<std::size_t>(k)]);
    }
    plan.rem_offsets.push_back(static_cast<std::int32_t>(plan.rem_inputs.size()));
  }
  st.remainder_nnz = static_cast<std::int64_t>(plan.rem_inputs.size());
  return plan;
}

/**
 * @brief The block statistics spmm::BlockDense would find in `w` (a host-only query; the
 * prepared layer state reports the same through `block_stats()`).
 */
template <class Policy, class Value>
[[nodiscard]] BlockDenseStats block_dense_stats(CsrMatrix<Value> const& w) {
  return plan_block_dense<Policy>(w).stats;
}

/**
 * @brief spmm::BlockDense: dense tiles found at engine construction (prepare) plus a CSR
 * remainder. A launch clears the alive flags (when requested), then queues the tile kernel
 * (grid: tiles x row tiles) and the remainder kernel (grid: remainder outputs x row groups).
 * Without a prepared state (the stateless spmm overload) every output is run by the remainder
 * kernel straight from the engine's W^T upload.
 */
template <int BlockRows,
          int BlockCols,
          int ThreadRows,
          int ThreadCols,
          int ChunkInputs,
          int MinGroupCols>
struct SpmmBackend<
    spmm::BlockDense<BlockRows, BlockCols, ThreadRows, ThreadCols, ChunkInputs, MinGroupCols>> {
  using policy =
      spmm::BlockDense<BlockRows, BlockCols, ThreadRows, ThreadCols, ChunkInputs, MinGroupCols>;

  /// The prepared layer: device copies of a BlockDensePlan and its statistics.
  template <class Value, class Allocator>
  struct layer_state {
    DeviceBuffer<detail::BlockTile<Value>, Allocator> tiles;
    DeviceBuffer<std::int32_t, Allocator> inputs;
    DeviceBuffer<std::int32_t, Allocator> outputs;
    DeviceBuffer<Value, Allocator> values;
    DeviceBuffer<std::int32_t, Allocator> rem_offsets;
    DeviceBuffer<std::int32_t, Allocator> rem_inputs;
    DeviceBuffer<Value, Allocator> rem_values;
    DeviceBuffer<std::int32_t, Allocator> rem_outputs;
    detail::BlockDenseView<Value> view{};
    BlockDenseStats stats{};

    /// What the block discovery found in this layer.
    [[nodiscard]] BlockDenseStats const& block_stats() const noexcept {
      return stats;
    }
  };

  template <class Value, class Allocator>
  [[nodiscard]] static layer_state<Value, Allocator> prepare(SparseLayer<Value> const& layer,
                                                             std::int64_t max_rows,
                                                             Allocator const& alloc,
                                                             cuda::stream_ref stream) {
    (void)max_rows;
    auto const plan = plan_block_dense<policy>(layer.weights);
    layer_state<Value, Allocator> s;
    s.tiles = upload(plan.tiles, alloc, stream);
    s.inputs = upload(plan.inputs, alloc, stream);
    s.outputs = upload(plan.outputs, alloc, stream);
    s.values = upload(plan.values, alloc, stream);
    s.rem_offsets = upload(plan.rem_offsets, alloc, stream);
    s.rem_inputs = upload(plan.rem_inputs, alloc, stream);
    s.rem_values = upload(plan.rem_values, alloc, stream);
    s.rem_outputs = upload(plan.rem_outputs, alloc, stream);
    // The plan's host vectors die here: finish the (pageable) copies first.
    SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
    s.view.tiles = s.tiles.data();
    s.view.num_tiles = static_cast<std::int64_t>(plan.tiles.size());
    s.view.inputs = s.inputs.data();
    s.view.outputs = s.outputs.data();
    s.view.values = s.values.data();
    s.view.rem_offsets = s.rem_offsets.data();
    s.view.rem_inputs = s.rem_inputs.data();
    s.view.rem_values = s.rem_values.data();
    s.view.rem_outputs = s.rem_outputs.data();
    s.view.num_rem = static_cast<std::int64_t>(plan.rem_outputs.size());
    s.stats = plan.stats;
    return s;
  }

  /**
   * @brief The same state as `prepare` (same tiles, order, remainder and statistics), built
   * from the layer's W^T CSR in device memory: the input lists are hashed and the outputs sorted
   * by (hash, index) on the GPU (CUB radix sort, stable), so only the sorted order, the run
   * heads and the row offsets (9 bytes per output) come to the host, which lays out the tiles
   * and the remainder; the input lists are then gathered on the GPU. Synchronises `stream`
   * twice. Layers it cannot handle this way are prepared from `host_layer()`: stored values
   * (only layers without a value array, as the SDGC generator makes them, take the device path),
   * inputs not strictly increasing within an output, or two different input lists with the same
   * hash (the host sort then orders them by content).
   * @throws snicit::LogicError as prepare; snicit::CudaError
   */
  template <class Value, class Allocator>
  [[nodiscard]] static layer_state<Value, Allocator> prepare_device(
      DeviceLayerRef<Value> const& layer,
      HostLayerFn<Value> const& host_layer,
      std::int64_t max_rows,
      Allocator const& alloc,
      cuda::stream_ref stream) {
    static_assert(policy::weight_layout == WeightLayout::by_output);
    constexpr int block_cols = policy::block_cols;
    constexpr std::int64_t min_group = policy::min_group_cols;
    constexpr std::int64_t int_max = std::numeric_limits<std::int32_t>::max();
    auto const& w = layer.weights;
    SNICIT_EXPECTS(w.rows == layer.outputs && w.cols == layer.inputs,
                   "BlockDense: the device layer's CSR is not W^T of its shape");
    SNICIT_EXPECTS(layer.inputs <= int_max && layer.outputs <= int_max && w.nnz <= int_max,
                   "BlockDense: layer with more than 2^31 - 1 rows, columns or weights");
    if (w.values != nullptr || layer.outputs == 0) {
      return prepare<Value, Allocator>(host_layer(), max_rows, alloc, stream);
    }
    auto const n_out = static_cast<std::size_t>(layer.outputs);
    // Hash, sort by (hash, index), mark the runs, check for collisions (device).
    auto const sorted = detail::sort_by_input_list(w, alloc, stream);
    auto const& h_order = sorted.order;
    auto const& h_heads = sorted.heads;
    auto const& h_off = sorted.row_offsets;
    unsigned const h_flags = sorted.flags;
    if ((h_flags & (detail::prepare_flag_unsorted | detail::prepare_flag_collision)) != 0) {
      return prepare<Value, Allocator>(host_layer(), max_rows, alloc, stream);
    }

    // The host plan's steps 3 and 4 on the run structure (uniform weights: no value arrays).
    Value const v0 = w.uniform_value;
    auto const len = [&](std::size_t j) {
      return static_cast<std::int64_t>(h_off[j + 1] - h_off[j]);
    };
    std::vector<detail::BlockTile<Value>> tiles;
    std::vector<std::int32_t> outputs;
    std::vector<std::int32_t> group_first;     // the output whose list a group copies
    std::vector<std::int64_t> group_in_begin;  // where it goes in `inputs`
    std::int64_t inputs_size = 0;
    BlockDenseStats st;
    st.nnz = w.nnz;
    st.outputs = layer.outputs;
    std::vector<char> in_block(n_out, 0);
    for (std::size_t g = 0; g < n_out;) {
      std::size_t e = g + 1;
      while (e < n_out && h_heads[e] == 0) {
        ++e;
      }
      auto const first = static_cast<std::size_t>(h_order[g]);
      auto const k_count = len(first);
      if (static_cast<std::int64_t>(e - g) >= min_group && k_count >= 1) {
        group_first.push_back(static_cast<std::int32_t>(first));
        group_in_begin.push_back(inputs_size);
        auto const in_begin = inputs_size;
        inputs_size += k_count;
        ++st.groups;
        for (std::size_t t = g; t < e; t += block_cols) {
          std::size_t const te = std::min(e, t + block_cols);
          detail::BlockTile<Value> tile;
          tile.in_begin = in_begin;
          tile.in_count = static_cast<std::int32_t>(k_count);
          tile.val_begin = -1;
          tile.uniform = v0;
          for (std::size_t c = t; c < t + block_cols; ++c) {
            outputs.push_back(c < te ? h_order[c] : -1);
            if (c < te) {
              in_block[static_cast<std::size_t>(h_order[c])] = 1;
            }
          }
          tiles.push_back(tile);
          st.min_block_inputs = st.tiles == 0 ? k_count : std::min(st.min_block_inputs, k_count);
          st.max_block_inputs = std::max(st.max_block_inputs, k_count);
          ++st.tiles;
        }
        st.outputs_in_blocks += static_cast<std::int64_t>(e - g);
        st.nnz_in_blocks += static_cast<std::int64_t>(e - g) * k_count;
      }
      g = e;
    }
    std::vector<std::int32_t> rem_outputs;
    std::vector<std::int32_t> rem_offsets{0};
    for (std::size_t j = 0; j < n_out; ++j) {
      if (in_block[j] != 0) {
        continue;
      }
      rem_outputs.push_back(static_cast<std::int32_t>(j));
      rem_offsets.push_back(static_cast<std::int32_t>(rem_offsets.back() + len(j)));
    }
    st.remainder_nnz = rem_offsets.back();

    layer_state<Value, Allocator> s;
    s.tiles = upload(tiles, alloc, stream);
    s.inputs = DeviceBuffer<std::int32_t, Allocator>(
        static_cast<std::size_t>(std::max<std::int64_t>(inputs_size, 1)), stream, alloc);
    s.outputs = upload(outputs, alloc, stream);
    s.values = DeviceBuffer<Value, Allocator>(1, stream, alloc);
    s.rem_offsets = upload(rem_offsets, alloc, stream);
    s.rem_inputs = DeviceBuffer<std::int32_t, Allocator>(
        static_cast<std::size_t>(std::max<std::int64_t>(st.remainder_nnz, 1)), stream, alloc);
    s.rem_values = DeviceBuffer<Value, Allocator>(
        static_cast<std::size_t>(std::max<std::int64_t>(st.remainder_nnz, 1)), stream, alloc);
    s.rem_outputs = upload(rem_outputs, alloc, stream);
    auto const d_first = upload(group_first, alloc, stream);
    auto const d_in_begin = upload(group_in_begin, alloc, stream);
    auto const gather = [&](std::int32_t const* sources,
                            auto const* dst_offsets,
                            std::size_t count,
                            std::int32_t* dst,
                            Value* dst_values) {
      if (count == 0) {
        return;
      }
      constexpr int tb = 256;
      detail::gather_input_lists_kernel<<<static_cast<unsigned>((count + tb - 1) / tb),
                                          tb,
                                          0,
                                          stream.get()>>>(
          w, sources, dst_offsets, static_cast<std::int64_t>(count), dst, dst_values, v0);
      SNICIT_CHECK_LAUNCH();
    };
    gather(d_first.data(), d_in_begin.data(), group_first.size(), s.inputs.data(), nullptr);
    gather(s.rem_outputs.data(),
           s.rem_offsets.data(),
           rem_outputs.size(),
           s.rem_inputs.data(),
           s.rem_values.data());
    // The host vectors die here: finish the (pageable) copies first.
    SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
    s.view.tiles = s.tiles.data();
    s.view.num_tiles = static_cast<std::int64_t>(tiles.size());
    s.view.inputs = s.inputs.data();
    s.view.outputs = s.outputs.data();
    s.view.values = s.values.data();
    s.view.rem_offsets = s.rem_offsets.data();
    s.view.rem_inputs = s.rem_inputs.data();
    s.view.rem_values = s.rem_values.data();
    s.view.rem_outputs = s.rem_outputs.data();
    s.view.num_rem = static_cast<std::int64_t>(rem_outputs.size());
    s.stats = st;
    return s;
  }

  template <class Value, class Allocator, class Act>
  static void launch(SpmmArgs<Value> const& args,
                     layer_state<Value, Allocator> const& state,
                     Act const& act,
                     cuda::stream_ref stream) {
    run(args, state.view, act, stream);
  }

  template <class Value, class Act>
  static void launch(SpmmArgs<Value> const& args, Act const& act, cuda::stream_ref stream) {
    detail::BlockDenseView<Value> v{};
    v.rem_offsets = args.weights.row_offsets;
    v.rem_inputs = args.weights.col_indices;
    v.rem_values = args.weights.values;
    v.rem_uniform = args.weights.uniform_value;
    v.num_rem = args.weights.rows;  // W^T: one row per output
    run(args, v, act, stream);
  }

 private:
  static constexpr std::int64_t max_grid_y = 65535;

  template <class T, class Allocator>
  static DeviceBuffer<T, Allocator> upload(std::vector<T> const& h,
                                           Allocator const& alloc,
                                           cuda::stream_ref stream) {
    DeviceBuffer<T, Allocator> d(std::max<std::size_t>(h.size(), 1), stream, alloc);
    if (!h.empty()) {
      SNICIT_CUDA_TRY(cudaMemcpyAsync(
          d.data(), h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice, stream.get()));
    }
    return d;
  }

  template <class Value, class Act>
  static void run(SpmmArgs<Value> const& args,
                  detail::BlockDenseView<Value> const& view,
                  Act const& act,
                  cuda::stream_ref stream) {
    auto const bound = args.num_rows_bound;
    if (bound == 0) {
      return;
    }
    if (args.alive != nullptr) {
      // Several blocks contribute to one row's flag: clear all `bound` flags, kernels set 1s.
      SNICIT_CUDA_TRY(cudaMemsetAsync(
          args.alive, 0, static_cast<std::size_t>(bound) * sizeof(std::uint8_t), stream.get()));
    }
    if (view.num_tiles > 0) {
      auto const row_tiles = (bound + BlockRows - 1) / BlockRows;
      dim3 const grid(static_cast<unsigned>(view.num_tiles),
                      static_cast<unsigned>(std::min(row_tiles, max_grid_y)));
      detail::block_dense_tile_kernel<policy, Value, Act>
          <<<grid, policy::block_threads, 0, stream.get()>>>(args, view, act);
      SNICIT_CHECK_LAUNCH();
    }
    if (view.num_rem > 0) {
      auto const row_groups = (bound + ThreadRows - 1) / ThreadRows;
      auto const col_blocks =
          (view.num_rem + policy::remainder_threads - 1) / policy::remainder_threads;
      dim3 const grid(static_cast<unsigned>(col_blocks),
                      static_cast<unsigned>(std::min(row_groups, max_grid_y)));
      detail::block_dense_remainder_kernel<policy, Value, Act>
          <<<grid, policy::remainder_threads, 0, stream.get()>>>(args, view, act);
      SNICIT_CHECK_LAUNCH();
    }
  }
};

}  // namespace kernels
SNICIT_NAMESPACE_END
