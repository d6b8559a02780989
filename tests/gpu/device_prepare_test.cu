// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// Device-side preparation of backend layer state (prepare_device of RegisterTiled, BlockDense
// and Auto) against the host builders (prepare): every array of the state, downloaded, must be
// identical, for random layers (uniform and non-uniform values, empty outputs, shared input
// lists, unsorted rows that take the host fallback) and for generated SDGC layers (N = 1024 and
// 4096, the latter on Auto's wide RegisterTiled path).
#include <snicit/data/data.hpp>
#include <snicit/data/radixnet_device.cuh>
#include <snicit/detail/engine_support.cuh>
#include <snicit/engine.cuh>
#include <snicit/kernels/spmm.cuh>
#include <snicit/kernels/spmm_auto.cuh>
#include <snicit/kernels/spmm_block.cuh>
#include <snicit/kernels/spmm_folded.cuh>
#include <snicit/kernels/spmm_tiled.cuh>
#include <snicit/stream.hpp>

#include "device_helpers.hpp"

#include <algorithm>
#include <catch.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <type_traits>
#include <vector>

namespace {

using snicit::DeviceBuffer;
using snicit::SparseLayer;
using snicit::WeightLayout;
namespace kernels = snicit::kernels;
using namespace snicit::test::gpu;

template <class T, class A>
std::vector<T> down(DeviceBuffer<T, A> const& d, std::size_t n, cuda::stream_ref s) {
  std::vector<T> h(n);
  if (n > 0) {
    SNICIT_CUDA_TRY(
        cudaMemcpyAsync(h.data(), d.data(), n * sizeof(T), cudaMemcpyDeviceToHost, s.get()));
  }
  SNICIT_CUDA_TRY(cudaStreamSynchronize(s.get()));
  return h;
}

/// A random layer: outputs in groups sharing one sorted input list (group sizes 1..group_max),
/// list lengths 0..max_k; values all 1/16 (uniform) or random.
SparseLayer<float> random_layer(std::int64_t n_in,
                                std::int64_t n_out,
                                int max_k,
                                int group_max,
                                bool uniform,
                                std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<std::int32_t>> lists(static_cast<std::size_t>(n_out));
  for (std::int64_t j = 0; j < n_out;) {
    auto const g = std::uniform_int_distribution<std::int64_t>(1, group_max)(rng);
    auto const k = std::uniform_int_distribution<int>(0, max_k)(rng);
    std::set<std::int32_t> in;
    while (static_cast<int>(in.size()) < std::min<std::int64_t>(k, n_in)) {
      in.insert(
          std::uniform_int_distribution<std::int32_t>(0, static_cast<std::int32_t>(n_in - 1))(rng));
    }
    for (std::int64_t c = 0; c < g && j < n_out; ++c, ++j) {
      lists[static_cast<std::size_t>(j)].assign(in.begin(), in.end());
    }
  }
  // Shuffle which output owns which list so groups are scattered.
  std::shuffle(lists.begin(), lists.end(), rng);
  SparseLayer<float> layer;
  auto& w = layer.weights;
  w.rows = n_in;
  w.cols = n_out;
  std::vector<std::vector<std::pair<std::int32_t, float>>> by_in(static_cast<std::size_t>(n_in));
  std::uniform_real_distribution<float> val(-1.0F, 1.0F);
  for (std::int64_t j = 0; j < n_out; ++j) {
    for (auto i : lists[static_cast<std::size_t>(j)]) {
      by_in[static_cast<std::size_t>(i)].push_back(
          {static_cast<std::int32_t>(j), uniform ? 0.0625F : val(rng)});
    }
  }
  w.row_offsets.push_back(0);
  for (auto const& r : by_in) {
    for (auto const& [j, v] : r) {  // outputs ascending: j was visited in order
      w.col_indices.push_back(j);
      w.values.push_back(v);
    }
    w.row_offsets.push_back(static_cast<std::int64_t>(w.col_indices.size()));
  }
  layer.bias = {-0.3F};
  return layer;
}

template <class Policy>
using State = kernels::spmm_layer_state_t<Policy, float, snicit::AsyncAllocator>;

template <class S>
void require_same_ell(S const& a, S const& b, cuda::stream_ref s) {
  REQUIRE(a.view.inputs == b.view.inputs);
  REQUIRE(a.view.outputs == b.view.outputs);
  auto const slices = static_cast<std::size_t>((a.view.outputs + 31) / 32);
  auto const off = down(a.slice_offsets, slices + 1, s);
  REQUIRE(off == down(b.slice_offsets, slices + 1, s));
  REQUIRE(a.slice_offsets.size() == b.slice_offsets.size());
  REQUIRE(a.lengths.size() == b.lengths.size());
  REQUIRE(down(a.lengths, a.lengths.size(), s) == down(b.lengths, b.lengths.size(), s));
  REQUIRE(a.indices.size() == b.indices.size());
  // Padding included (both zero it).
  REQUIRE(down(a.indices, a.indices.size(), s) == down(b.indices, b.indices.size(), s));
  REQUIRE((a.view.values == nullptr) == (b.view.values == nullptr));
  if (a.view.values != nullptr) {
    REQUIRE(a.values.size() == b.values.size());
    auto const va = down(a.values, a.values.size(), s);
    auto const vb = down(b.values, b.values.size(), s);
    REQUIRE(std::memcmp(va.data(), vb.data(), va.size() * sizeof(float)) == 0);
  } else {
    REQUIRE(std::memcmp(&a.view.uniform_value, &b.view.uniform_value, sizeof(float)) == 0);
  }
}

void require_same_block(State<snicit::spmm::BlockDense<>> const& a,
                        State<snicit::spmm::BlockDense<>> const& b,
                        cuda::stream_ref s) {
  auto const& x = a.stats;
  auto const& y = b.stats;
  REQUIRE(x.nnz == y.nnz);
  REQUIRE(x.nnz_in_blocks == y.nnz_in_blocks);
  REQUIRE(x.outputs == y.outputs);
  REQUIRE(x.outputs_in_blocks == y.outputs_in_blocks);
  REQUIRE(x.groups == y.groups);
  REQUIRE(x.tiles == y.tiles);
  REQUIRE(x.tiles_with_values == y.tiles_with_values);
  REQUIRE(x.stored_values == y.stored_values);
  REQUIRE(x.min_block_inputs == y.min_block_inputs);
  REQUIRE(x.max_block_inputs == y.max_block_inputs);
  REQUIRE(x.remainder_nnz == y.remainder_nnz);
  REQUIRE(a.view.num_tiles == b.view.num_tiles);
  REQUIRE(a.view.num_rem == b.view.num_rem);
  auto const nt = static_cast<std::size_t>(a.view.num_tiles);
  auto const ta = down(a.tiles, nt, s);
  auto const tb = down(b.tiles, nt, s);
  for (std::size_t t = 0; t < nt; ++t) {
    INFO("tile " << t);
    REQUIRE(ta[t].in_begin == tb[t].in_begin);
    REQUIRE(ta[t].val_begin == tb[t].val_begin);
    REQUIRE(ta[t].in_count == tb[t].in_count);
    REQUIRE(std::memcmp(&ta[t].uniform, &tb[t].uniform, sizeof(float)) == 0);
  }
  std::size_t inputs = 0;
  for (auto const& t : ta) {
    inputs = std::max(inputs, static_cast<std::size_t>(t.in_begin + t.in_count));
  }
  REQUIRE(down(a.inputs, inputs, s) == down(b.inputs, inputs, s));
  REQUIRE(down(a.outputs, nt * 16, s) == down(b.outputs, nt * 16, s));
  auto const sv = static_cast<std::size_t>(x.stored_values);
  auto const va = down(a.values, sv, s);
  auto const vb = down(b.values, sv, s);
  REQUIRE(std::memcmp(va.data(), vb.data(), sv * sizeof(float)) == 0);
  auto const nr = static_cast<std::size_t>(a.view.num_rem);
  REQUIRE(down(a.rem_offsets, nr + 1, s) == down(b.rem_offsets, nr + 1, s));
  REQUIRE(down(a.rem_outputs, nr, s) == down(b.rem_outputs, nr, s));
  auto const rn = static_cast<std::size_t>(x.remainder_nnz);
  REQUIRE(down(a.rem_inputs, rn, s) == down(b.rem_inputs, rn, s));
  auto const ra = down(a.rem_values, rn, s);
  auto const rb = down(b.rem_values, rn, s);
  REQUIRE(std::memcmp(ra.data(), rb.data(), rn * sizeof(float)) == 0);
}

template <class FoldedState>
void require_same_folded(FoldedState const& a, FoldedState const& b, cuda::stream_ref s) {
  REQUIRE(a.view.outputs == b.view.outputs);
  require_same_ell(a.distinct, b.distinct, s);
  REQUIRE(a.copy_offsets.size() == b.copy_offsets.size());
  REQUIRE(down(a.copy_offsets, a.copy_offsets.size(), s) ==
          down(b.copy_offsets, b.copy_offsets.size(), s));
  auto const n = static_cast<std::size_t>(a.view.outputs);
  REQUIRE(down(a.copy_cols, n, s) == down(b.copy_cols, n, s));
}

using AutoPolicy = snicit::spmm::Auto<>;
using AutoBackend = kernels::SpmmBackend<AutoPolicy>;

void require_same_auto(State<AutoPolicy> const& a, State<AutoPolicy> const& b, cuda::stream_ref s) {
  REQUIRE(a.choice == b.choice);
  REQUIRE(a.dense.has_value() == b.dense.has_value());
  REQUIRE(a.tiled.has_value() == b.tiled.has_value());
  REQUIRE(a.tiled_wide.has_value() == b.tiled_wide.has_value());
  REQUIRE(a.few_rows.has_value() == b.few_rows.has_value());
  REQUIRE(a.folded.has_value() == b.folded.has_value());
  if (a.folded) {
    require_same_folded(*a.folded, *b.folded, s);
  }
  REQUIRE(a.folded_wide.has_value() == b.folded_wide.has_value());
  if (a.folded_wide) {
    require_same_folded(*a.folded_wide, *b.folded_wide, s);
  }
  if (a.tiled) {
    require_same_ell(*a.tiled, *b.tiled, s);
  }
  if (a.tiled_wide) {
    require_same_ell(*a.tiled_wide, *b.tiled_wide, s);
  }
  if (a.few_rows) {
    require_same_block(*a.few_rows, *b.few_rows, s);
  }
}

/// Host-prepared and device-prepared state of `layer` for Policy, compared.
template <class Policy>
void check_layer(SparseLayer<float> const& layer,
                 snicit::detail::DeviceLayer<float, snicit::AsyncAllocator> const& d,
                 bool expect_device_host_copy,
                 cuda::stream_ref s) {
  snicit::AsyncAllocator alloc;
  auto const host = kernels::prepare_spmm_layer<Policy, float>(layer, 60000, alloc, s);
  int host_copies = 0;
  auto const dev = kernels::prepare_spmm_layer_device<Policy, float>(
      kernels::DeviceLayerRef<float>{d.view, d.inputs, d.outputs},
      [&] {
        ++host_copies;
        return layer;
      },
      60000,
      alloc,
      s);
  if constexpr (std::is_same_v<Policy, AutoPolicy>) {
    require_same_auto(host, dev, s);
  } else if constexpr (std::is_same_v<Policy, snicit::spmm::BlockDense<>>) {
    require_same_block(host, dev, s);
  } else if constexpr (std::is_same_v<Policy, snicit::spmm::ColumnFolded<>>) {
    require_same_folded(host, dev, s);
  } else {
    require_same_ell(host, dev, s);
  }
  if (!expect_device_host_copy) {
    REQUIRE(host_copies == 0);
  }
}

snicit::detail::DeviceLayer<float, snicit::AsyncAllocator> upload(SparseLayer<float> const& layer,
                                                                  cuda::stream_ref s) {
  std::vector<std::int32_t> off;
  std::vector<std::int32_t> idx;
  std::vector<float> val;
  std::vector<float> bias;
  auto d = snicit::detail::make_device_layer<float, snicit::AsyncAllocator>(
      layer, WeightLayout::by_output, off, idx, val, bias, snicit::AsyncAllocator{}, s);
  SNICIT_CUDA_TRY(cudaStreamSynchronize(s.get()));
  return d;
}

}  // namespace

static_assert(kernels::spmm_prepares_on_device_v<snicit::spmm::RegisterTiled<>,
                                                 float,
                                                 snicit::AsyncAllocator>);
static_assert(
    kernels::spmm_prepares_on_device_v<snicit::spmm::BlockDense<>, float, snicit::AsyncAllocator>);
static_assert(kernels::spmm_prepares_on_device_v<AutoPolicy, float, snicit::AsyncAllocator>);
static_assert(
    !kernels::spmm_prepares_on_device_v<snicit::spmm::RowGather<>, float, snicit::AsyncAllocator>);

TEST_CASE("prepare_device equals prepare on random layers", "[gpu][prepare]") {
  snicit::Stream stream;
  auto const s = stream.ref();
  struct Case {
    std::int64_t n_in, n_out;
    int max_k, group_max;
    bool uniform;
    std::uint64_t seed;
  };
  for (auto const c : {Case{300, 517, 40, 1, true, 1},
                       Case{300, 517, 40, 1, false, 2},
                       Case{1000, 2049, 48, 40, true, 3},
                       Case{1000, 2049, 48, 40, false, 4},
                       Case{64, 33, 70, 8, true, 5},  // lists longer than the inputs: capped
                       Case{5000, 4100, 20, 20, true, 6},
                       Case{17, 1, 5, 1, true, 7}}) {
    INFO("case seed " << c.seed);
    auto const layer = random_layer(c.n_in, c.n_out, c.max_k, c.group_max, c.uniform, c.seed);
    auto const d = upload(layer, s);
    check_layer<snicit::spmm::RegisterTiled<>>(layer, d, false, s);
    check_layer<snicit::spmm::RegisterTiled<512>>(layer, d, false, s);
    // BlockDense takes the device path only without a value array.
    check_layer<snicit::spmm::BlockDense<>>(layer, d, !c.uniform, s);
    // ColumnFolded groups on the device only without a value array.
    check_layer<snicit::spmm::ColumnFolded<>>(layer, d, !c.uniform, s);
    // Auto prepares the layers it runs densely from the host copy (no device path there).
    bool const dense = AutoBackend::choose(layer) == kernels::AutoChoice::dense_tensor_core;
    check_layer<AutoPolicy>(layer, d, !c.uniform || dense, s);
  }
}

TEST_CASE("prepare_device: uniform values stored in a value array, an empty layer",
          "[gpu][prepare]") {
  snicit::Stream stream;
  auto const s = stream.ref();
  auto layer = random_layer(200, 300, 30, 4, true, 11);
  auto d = upload(layer, s);
  // Store the (equal) values explicitly: RegisterTiled must still find the layer uniform.
  std::vector<float> vals(static_cast<std::size_t>(d.view.nnz), 0.0625F);
  auto dv = to_device(vals, s);
  d.view.values = dv.data();
  check_layer<snicit::spmm::RegisterTiled<>>(layer, d, false, s);
  check_layer<snicit::spmm::BlockDense<>>(layer, d, true, s);

  SparseLayer<float> empty;
  empty.weights.rows = 40;
  empty.weights.cols = 70;
  empty.weights.row_offsets.assign(41, 0);
  empty.bias = {0.0F};
  auto const de = upload(empty, s);
  check_layer<snicit::spmm::RegisterTiled<>>(empty, de, false, s);
  check_layer<snicit::spmm::BlockDense<>>(empty, de, false, s);
  check_layer<AutoPolicy>(empty, de, false, s);
}

TEST_CASE("prepare_device falls back to the host copy for unsorted rows", "[gpu][prepare]") {
  snicit::Stream stream;
  auto const s = stream.ref();
  auto const layer = random_layer(100, 64, 10, 4, true, 21);
  auto d = upload(layer, s);
  // Reverse the first non-trivial output row on the device: not a valid CsrView any more.
  auto off = down(d.offsets, d.offsets.size(), s);
  auto idx = down(d.indices, d.indices.size(), s);
  for (std::size_t j = 0; j + 1 < off.size(); ++j) {
    if (off[j + 1] - off[j] >= 2) {
      std::reverse(idx.begin() + off[j], idx.begin() + off[j + 1]);
      break;
    }
  }
  auto bad = to_device(idx, s);
  d.view.col_indices = bad.data();
  check_layer<snicit::spmm::RegisterTiled<>>(layer, d, true, s);
  check_layer<snicit::spmm::BlockDense<>>(layer, d, true, s);
}

TEST_CASE("prepare_device equals prepare on generated SDGC layers", "[gpu][prepare]") {
  snicit::Stream stream;
  auto const s = stream.ref();
  for (std::int64_t const n : {1024, 4096}) {
    snicit::data::RadixNetOptions o;
    o.neurons = n;
    o.layers = n == 1024 ? 12 : 4;
    o.seed = 5;
    auto const net =
        snicit::data::generate_sdgc_network_device<float>(o, WeightLayout::by_output, s);
    for (std::int64_t l = 0; l < net.num_layers(); ++l) {
      INFO("N " << n << " layer " << l + 1);
      auto const layer = net.layer_to_host(l, s);
      auto const& d = net.layers[static_cast<std::size_t>(l)];
      check_layer<snicit::spmm::RegisterTiled<>>(layer, d, false, s);
      check_layer<snicit::spmm::BlockDense<>>(layer, d, false, s);
      check_layer<AutoPolicy>(layer, d, false, s);
      // Every output of an SDGC layer is in a dense tile (16 outputs share 32 inputs).
      snicit::AsyncAllocator alloc;
      auto const st = kernels::prepare_spmm_layer_device<snicit::spmm::BlockDense<>, float>(
          kernels::DeviceLayerRef<float>{d.view, d.inputs, d.outputs},
          [&] { return layer; },
          64,
          alloc,
          s);
      REQUIRE(st.stats.outputs_in_blocks == n);
      REQUIRE(st.stats.remainder_nnz == 0);
    }
  }
}
