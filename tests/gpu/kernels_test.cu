// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// Each snicit::kernels building block against a small CPU computation in the test.
#include <snicit/engine.cuh>
#include <snicit/kernels/adaptive.cuh>
#include <snicit/kernels/cluster.cuh>
#include <snicit/kernels/convert.cuh>
#include <snicit/kernels/post_update.cuh>
#include <snicit/kernels/recover.cuh>
#include <snicit/kernels/rows.cuh>
#include <snicit/kernels/spmm.cuh>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/reference/snicit.hpp>
#include <snicit/stream.hpp>

#include "device_helpers.hpp"
#include "oracle.hpp"

#include <algorithm>
#include <catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace {

using snicit::DeviceBuffer;
using snicit::row_index;
using namespace snicit::test::gpu;

}  // namespace

TEST_CASE("spmm RowGather: fused epilogue and plain product equal the CPU bit for bit",
          "[gpu][kernels]") {
  snicit::Stream stream;
  auto const n_in = GENERATE(std::int64_t{300}, std::int64_t{5000});  // staged / not staged
  std::int64_t const n_out = 700;
  auto net = oracle::random_network(std::max(n_in, n_out), 1, 20, -0.1f, 2.0f, 5);
  // Cut the square layer to n_in x n_out.
  auto const& full = net.layers[0].weights;
  snicit::CsrMatrix<float> w;
  w.rows = n_in;
  w.cols = n_out;
  w.row_offsets.push_back(0);
  for (std::int64_t i = 0; i < n_in; ++i) {
    for (auto k = full.row_offsets[i]; k < full.row_offsets[i + 1]; ++k) {
      if (full.col_indices[k] < n_out) {
        w.col_indices.push_back(full.col_indices[k]);
        w.values.push_back(full.values[k]);
      }
    }
    w.row_offsets.push_back(static_cast<std::int64_t>(w.col_indices.size()));
  }
  snicit::SparseLayer<float> layer{w, std::vector<float>(static_cast<std::size_t>(n_out))};
  std::mt19937 rng(3);
  for (auto& b : layer.bias) {
    b = std::uniform_real_distribution<float>(-0.3f, 0.1f)(rng);
  }
  std::int64_t const rows = 45;
  std::int64_t const ld = std::max(n_in, n_out) + 3;
  auto const in = oracle::random_input(rows, n_in, 0.3, 1.0f, false, 4);
  std::vector<float> h_in(static_cast<std::size_t>(rows * ld), 7.0f);
  for (std::int64_t r = 0; r < rows; ++r) {
    std::copy(in.row(r).begin(), in.row(r).end(), h_in.begin() + r * ld);
  }
  std::vector<row_index> list;  // a gather list: every other row, reversed
  for (std::int64_t r = rows - 1; r >= 0; r -= 2) {
    list.push_back(static_cast<row_index>(r));
  }
  auto const count = static_cast<std::int64_t>(list.size());
  auto d_in = to_device(h_in, stream);
  auto d_list = to_device(list, stream);
  auto d_count = to_device(std::vector<row_index>{static_cast<row_index>(count)}, stream);
  auto d_bias = to_device(layer.bias, stream);
  auto weights = upload_transposed(w, stream);
  DeviceBuffer<float> d_out(static_cast<std::size_t>(rows * ld), stream);
  d_out.memset_async(0xff, stream);  // NaN: the whole buffer is copied back (initcheck-clean)
  std::int64_t const bound = count + 5;
  DeviceBuffer<std::uint8_t> d_alive(static_cast<std::size_t>(bound), stream);
  d_alive.memset_async(0xff, stream);

  snicit::SpmmArgs<float> args;
  args.weights = weights.view;
  args.bias = d_bias.data();
  args.in = {d_in.data(), rows, n_in, ld};
  args.in_rows = d_list.data();
  args.out = {d_out.data(), rows, n_out, ld};
  args.d_num_rows = d_count.data();
  args.num_rows_bound = bound;
  args.alive = d_alive.data();
  snicit::kernels::spmm<snicit::spmm::RowGather<128, 4>>(args, snicit::ReluClip{2.0f}, stream);
  auto const out = to_host(d_out, static_cast<std::size_t>(rows * ld), stream);
  auto const alive = to_host(d_alive, static_cast<std::size_t>(bound), stream);
  for (std::int64_t i = 0; i < count; ++i) {
    oracle::Row y(in.row(list[static_cast<std::size_t>(i)]).begin(),
                  in.row(list[static_cast<std::size_t>(i)]).end());
    auto const want = oracle::forward(layer, 2.0f, y);
    for (std::int64_t j = 0; j < n_out; ++j) {
      REQUIRE(out[static_cast<std::size_t>(i * ld + j)] == want[static_cast<std::size_t>(j)]);
    }
    REQUIRE(alive[static_cast<std::size_t>(i)] == (oracle::nonzero(want) ? 1 : 0));
  }
  for (std::int64_t i = count; i < bound; ++i) {
    REQUIRE(alive[static_cast<std::size_t>(i)] == 0);
  }

  // Plain product scattered to the list positions.
  args.bias = nullptr;
  args.alive = nullptr;
  args.out_rows = d_list.data();
  args.num_rows_bound = count;
  snicit::kernels::spmm<snicit::spmm::RowGather<>>(args, snicit::ReluClip{2.0f}, stream);
  auto const prod = to_host(d_out, static_cast<std::size_t>(rows * ld), stream);
  for (auto r : list) {
    oracle::Row y(in.row(r).begin(), in.row(r).end());
    auto const want = oracle::product(w, y);
    for (std::int64_t j = 0; j < n_out; ++j) {
      REQUIRE(prod[static_cast<std::size_t>(r * ld + j)] == want[static_cast<std::size_t>(j)]);
    }
  }
}

TEST_CASE("select_rows compacts flagged rows and their ids in order", "[gpu][kernels]") {
  snicit::Stream stream;
  auto const n = GENERATE(std::int64_t{1}, std::int64_t{37}, std::int64_t{100000});
  std::mt19937 rng(static_cast<unsigned>(n));
  std::vector<std::uint8_t> flags(static_cast<std::size_t>(n));
  std::vector<row_index> ids(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    flags[static_cast<std::size_t>(i)] = rng() % 3 == 0 ? 1 : 0;
    ids[static_cast<std::size_t>(i)] = static_cast<row_index>(5 * i + 1);
  }
  auto d_flags = to_device(flags, stream);
  auto d_ids = to_device(ids, stream);
  DeviceBuffer<row_index> pos(static_cast<std::size_t>(n), stream);
  DeviceBuffer<row_index> out_ids(static_cast<std::size_t>(n), stream);
  DeviceBuffer<row_index> count(1, stream);
  auto const bytes = snicit::kernels::select_rows_scratch_bytes(n);
  DeviceBuffer<std::byte> scratch(std::max<std::size_t>(bytes, 1), stream);
  snicit::kernels::select_rows(d_flags.data(),
                               n,
                               d_ids.data(),
                               pos.data(),
                               out_ids.data(),
                               count.data(),
                               scratch.data(),
                               bytes,
                               stream);
  auto const c = to_host(count, 1, stream)[0];
  auto const p = to_host(pos, static_cast<std::size_t>(c), stream);
  auto const q = to_host(out_ids, static_cast<std::size_t>(c), stream);
  std::vector<row_index> wp, wq;
  for (std::int64_t i = 0; i < n; ++i) {
    if (flags[static_cast<std::size_t>(i)] != 0) {
      wp.push_back(static_cast<row_index>(i));
      wq.push_back(ids[static_cast<std::size_t>(i)]);
    }
  }
  REQUIRE(p == wp);
  REQUIRE(q == wq);
}

TEST_CASE("copy_rows copies listed rows between lists, up to the device count", "[gpu][kernels]") {
  snicit::Stream stream;
  std::int64_t const rows = 50;
  std::int64_t const cols = 9;
  std::vector<float> in(static_cast<std::size_t>(rows * (cols + 2)));
  for (std::size_t i = 0; i < in.size(); ++i) {
    in[i] = static_cast<float>(i) + 0.5f;
  }
  // Entry i copies input row 3i+1 to output row 49-2i; the device count (10) is below the
  // bound (16), so entries 10..15 must not be copied.
  std::vector<row_index> src, dst;
  for (int i = 0; i < 16; ++i) {
    src.push_back(static_cast<row_index>(3 * i + 1));
    dst.push_back(static_cast<row_index>(49 - 2 * i));
  }
  auto d_in = to_device(in, stream);
  auto d_src = to_device(src, stream);
  auto d_dst = to_device(dst, stream);
  auto d_count = to_device(std::vector<row_index>{10}, stream);
  std::vector<float> out(static_cast<std::size_t>(rows * cols), -1.0f);
  auto d_out = to_device(out, stream);
  snicit::DenseView<float const> vin{d_in.data(), rows, cols + 2, cols + 2};
  snicit::DenseView<float> vout{d_out.data(), rows, cols, cols};
  snicit::kernels::copy_rows<float>(
      vin, d_src.data(), d_dst.data(), d_count.data(), 16, vout, stream);
  auto const got = to_host(d_out, out.size(), stream);
  for (int i = 0; i < 10; ++i) {
    for (std::int64_t j = 0; j < cols; ++j) {
      out[static_cast<std::size_t>(dst[i] * cols + j)] =
          in[static_cast<std::size_t>(src[i] * (cols + 2) + j)];
    }
  }
  REQUIRE(got == out);
  REQUIRE_THROWS_AS(snicit::kernels::copy_rows<float>(
                        vin.with_cols(cols - 1), nullptr, nullptr, nullptr, 1, vout, stream),
                    snicit::LogicError);
}

TEST_CASE("prune_samples: the tiled and the sequential walk keep the CPU's survivors",
          "[gpu][kernels]") {
  snicit::Stream stream;
  // (s, dim): one tile with a thread per pair; several tiles with a warp per pair; many tiles;
  // above prune_tiled_max_samples (the sequential walk).
  auto const shape = GENERATE(
      std::pair<std::int64_t, std::int64_t>{12, 8},
      std::pair<std::int64_t, std::int64_t>{100, 200},
      std::pair<std::int64_t, std::int64_t>{1000, 70},
      std::pair<std::int64_t, std::int64_t>{snicit::kernels::prune_tiled_max_samples + 40, 16});
  auto const [s, dim] = shape;
  CAPTURE(s, dim);
  // Samples = one of 30 prototypes with 0-3 entries moved by more than eta (or by less): chains
  // where a pruned sample would have pruned others exercise the "only kept samples prune" rule.
  std::mt19937 rng(static_cast<unsigned>(s + dim));
  std::int64_t const protos = 30;
  std::vector<float> proto(static_cast<std::size_t>(protos * dim));
  for (auto& v : proto) {
    v = std::uniform_real_distribution<float>(0.0f, 1.0f)(rng);
  }
  snicit::DenseMatrix<float> fh(s, dim);
  for (std::int64_t i = 0; i < s; ++i) {
    std::int64_t const p = static_cast<std::int64_t>(rng() % protos);
    auto row = fh.row(i);
    std::copy_n(proto.begin() + p * dim, dim, row.begin());
    for (std::uint32_t m = rng() % 4; m > 0; --m) {
      row[rng() % static_cast<std::uint32_t>(dim)] += rng() % 3 == 0 ? 0.01f : 0.5f;
    }
  }
  double const eta = 0.05;
  double const eps = 2.5 / static_cast<double>(dim);  // prune when at most 2 entries differ
  auto const want = snicit::reference::prune_samples(fh, eps, eta);
  REQUIRE(want.size() > 1);
  REQUIRE(static_cast<std::int64_t>(want.size()) < s);

  // f has 5 spare rows beyond s' (capacity > count); sample_pos[i] = 3 i + 1.
  std::vector<float> hf(static_cast<std::size_t>((s + 5) * dim), -7.0f);
  std::copy_n(fh.data.begin(), s * dim, hf.begin());
  std::vector<row_index> pos(static_cast<std::size_t>(s + 5));
  for (std::int64_t i = 0; i < s + 5; ++i) {
    pos[static_cast<std::size_t>(i)] = static_cast<row_index>(3 * i + 1);
  }
  auto d_f = to_device(hf, stream);
  auto d_pos = to_device(pos, stream);
  auto d_count = to_device(std::vector<row_index>{static_cast<row_index>(s), -1}, stream);
  DeviceBuffer<std::uint8_t> keep(static_cast<std::size_t>(s + 5), stream);
  DeviceBuffer<row_index> cents(static_cast<std::size_t>(s + 5), stream);
  snicit::kernels::prune_samples<1024, float>(
      snicit::DenseView<float const>{d_f.data(), s + 5, dim, dim},
      d_count.data(),
      eps,
      eta,
      keep.data(),
      d_pos.data(),
      cents.data(),
      d_count.data() + 1,
      stream);
  auto const k = to_host(d_count, 2, stream)[1];
  REQUIRE(k == static_cast<row_index>(want.size()));
  auto const got = to_host(cents, static_cast<std::size_t>(k), stream);
  for (std::size_t c = 0; c < want.size(); ++c) {
    REQUIRE(got[c] == static_cast<row_index>(3 * want[c] + 1));
  }
}

TEST_CASE("snapshot_check_rows: sampling and probes on the snapshot equal them on the live rows",
          "[gpu][kernels]") {
  snicit::Stream stream;
  std::int64_t const n = 300;
  std::int64_t const rows = 700;
  // a = live rows: fewer than the samples, fewer than the probes, more than both.
  auto const a = GENERATE(std::int64_t{5}, std::int64_t{40}, std::int64_t{600});
  auto const sampling = GENERATE(snicit::Sampling::strided, snicit::Sampling::first);
  CAPTURE(a, sampling == snicit::Sampling::strided);
  std::int64_t const samples = 12;
  std::int64_t const probes = 64;
  std::mt19937 rng(static_cast<unsigned>(a));
  // Rows from 4 prototypes (so probes can be empty) plus a shuffled live list.
  std::vector<float> h_y(static_cast<std::size_t>(rows * n));
  for (std::int64_t r = 0; r < rows; ++r) {
    std::mt19937 proto(static_cast<unsigned>(r % 4));
    for (std::int64_t j = 0; j < n; ++j) {
      h_y[static_cast<std::size_t>(r * n + j)] =
          proto() % 3 == 0 ? std::uniform_real_distribution<float>(0.0f, 1.0f)(proto) : 0.0f;
    }
    if (r % 7 == 0) {
      h_y[static_cast<std::size_t>(r * n + rng() % n)] += 0.5f;
    }
  }
  std::vector<row_index> live(static_cast<std::size_t>(rows));
  for (std::int64_t r = 0; r < rows; ++r) {
    live[static_cast<std::size_t>(r)] = static_cast<row_index>(r);
  }
  std::shuffle(live.begin(), live.end(), rng);
  live.resize(static_cast<std::size_t>(a));
  auto d_y = to_device(h_y, stream);
  auto d_live = to_device(live, stream);
  auto d_a = to_device(std::vector<row_index>{static_cast<row_index>(a)}, stream);
  snicit::DenseView<float const> yv{d_y.data(), rows, n, n};
  DeviceBuffer<float> snap_buf(static_cast<std::size_t>((samples + probes) * n), stream);
  // NaN everywhere first: rows beyond s' + P' stay unwritten, and the buffer is read back whole.
  snap_buf.memset_async(0xff, stream);
  snicit::DenseView<float> snap{snap_buf.data(), samples + probes, n, n};
  DeviceBuffer<row_index> map(static_cast<std::size_t>(a), stream);
  map.memset_async(0xff, stream);  // -1: an entry the snapshot did not map
  DeviceBuffer<row_index> counters(8, stream);
  counters.memset_async(0, stream);
  snicit::kernels::snapshot_check_rows<float>(yv,
                                              d_live.data(),
                                              d_a.data(),
                                              samples,
                                              sampling,
                                              probes,
                                              snap,
                                              map.data(),
                                              counters.data(),
                                              stream);
  REQUIRE(to_host(counters, 1, stream)[0] == static_cast<row_index>(a));
  // Every sampled and probed entry maps to a snapshot row holding its live row.
  auto const h_snap = to_host(snap_buf, static_cast<std::size_t>((samples + probes) * n), stream);
  auto const h_map = to_host(map, static_cast<std::size_t>(a), stream);
  std::int64_t const s1 = std::min(samples, a);
  std::int64_t const p1 = std::min(probes, a);
  std::vector<std::int64_t> entries;
  for (std::int64_t i = 0; i < s1; ++i) {
    entries.push_back(sampling == snicit::Sampling::strided ? i * a / s1 : i);
  }
  for (std::int64_t i = 0; i < p1; ++i) {
    entries.push_back(i * a / p1);
  }
  for (auto const e : entries) {
    auto const r = h_map[static_cast<std::size_t>(e)];
    REQUIRE(r >= 0);
    REQUIRE(r < samples + probes);
    auto const src = live[static_cast<std::size_t>(e)];
    for (std::int64_t j = 0; j < n; ++j) {
      REQUIRE(h_snap[static_cast<std::size_t>(r * n + j)] ==
              h_y[static_cast<std::size_t>(src * n + j)]);
    }
  }
  // sample_rows + prune_samples + probe_residues on the snapshot (map as the live list) give
  // what they give on the live rows.
  auto run_check =
      [&](snicit::DenseView<float const> y, row_index const* rows_of, row_index const* d_count) {
        std::int64_t const dim = 30;
        DeviceBuffer<float> f(static_cast<std::size_t>(samples * dim), stream);
        DeviceBuffer<row_index> spos(static_cast<std::size_t>(samples), stream);
        DeviceBuffer<std::uint8_t> keep(static_cast<std::size_t>(samples), stream);
        DeviceBuffer<row_index> cents(static_cast<std::size_t>(samples), stream);
        DeviceBuffer<row_index> c(4, stream);  // s', k, non-empty, excluded
        snicit::kernels::sample_rows<float>(y,
                                            rows_of,
                                            d_count,
                                            samples,
                                            sampling,
                                            dim,
                                            snicit::DenseView<float>{f.data(), samples, dim, dim},
                                            spos.data(),
                                            c.data(),
                                            stream);
        snicit::kernels::prune_samples<1024, float>(
            snicit::DenseView<float const>{f.data(), samples, dim, dim},
            c.data(),
            0.1,
            0.01,
            keep.data(),
            spos.data(),
            cents.data(),
            c.data() + 1,
            stream);
        snicit::kernels::probe_residues<8, float>(y,
                                                  rows_of,
                                                  d_count,
                                                  probes,
                                                  cents.data(),
                                                  c.data() + 1,
                                                  0.0,
                                                  c.data() + 2,
                                                  c.data() + 3,
                                                  stream);
        auto counts = to_host(c, 4, stream);
        auto centroids = to_host(cents, static_cast<std::size_t>(counts[1]), stream);
        return std::make_pair(counts, centroids);
      };
  auto const want = run_check(yv, d_live.data(), d_a.data());
  auto const got = run_check(snap.as_const(), map.data(), counters.data());
  CHECK(got.first == want.first);
  CHECK(got.second == want.second);
  REQUIRE(want.first[0] == s1);
  REQUIRE(want.first[1] >= 1);
}

TEST_CASE("sampling, pruning, conversion, post update and recovery match the CPU",
          "[gpu][kernels]") {
  snicit::Stream stream;
  // 5000 columns: the sampling stages the row in three chunks, and segments cross the chunk
  // boundaries; the pruning compares 5000-wide rows with a warp per pair. 96: one chunk, a
  // thread per pair (with 8 segments).
  auto const n = GENERATE(std::int64_t{96}, std::int64_t{5000});
  std::int64_t const rows = 40;
  // Rows drawn from 3 prototypes with small perturbations, plus a live-row list.
  std::mt19937 rng(9);
  std::vector<oracle::Row> protos(3, oracle::Row(static_cast<std::size_t>(n)));
  for (auto& p : protos) {
    for (auto& v : p) {
      v = rng() % 2 ? std::uniform_real_distribution<float>(0.0f, 1.0f)(rng) : 0.0f;
    }
  }
  std::vector<oracle::Row> y(static_cast<std::size_t>(rows));
  std::vector<float> h_y(static_cast<std::size_t>(rows * n));
  for (std::int64_t r = 0; r < rows; ++r) {
    y[static_cast<std::size_t>(r)] = protos[static_cast<std::size_t>((r * 7) % 3)];
    for (int e = 0; e < 3; ++e) {
      y[static_cast<std::size_t>(r)][rng() % n] +=
          std::uniform_real_distribution<float>(-0.1f, 0.1f)(rng);
    }
    std::copy(y[static_cast<std::size_t>(r)].begin(),
              y[static_cast<std::size_t>(r)].end(),
              h_y.begin() + r * n);
  }
  std::vector<row_index> live;
  for (std::int64_t r = 1; r < rows; r += 1) {
    if (r % 5 != 0) {
      live.push_back(static_cast<row_index>(r));
    }
  }
  auto const a = static_cast<std::int64_t>(live.size());
  auto d_y = to_device(h_y, stream);
  auto d_live = to_device(live, stream);
  auto d_a = to_device(std::vector<row_index>{static_cast<row_index>(a)}, stream);
  snicit::DenseView<float const> yv{d_y.data(), rows, n, n};

  auto const seg = GENERATE(std::int64_t{0}, std::int64_t{8});
  auto const sampling = GENERATE(snicit::Sampling::strided, snicit::Sampling::first);
  CAPTURE(n, seg, sampling == snicit::Sampling::strided);
  std::int64_t const s = 12;
  std::int64_t const dim = seg > 0 ? seg : n;
  DeviceBuffer<float> f(static_cast<std::size_t>(s * dim), stream);
  DeviceBuffer<row_index> spos(static_cast<std::size_t>(s), stream);
  DeviceBuffer<row_index> counters(3, stream);
  snicit::kernels::sample_rows<float>(yv,
                                      d_live.data(),
                                      d_a.data(),
                                      s,
                                      sampling,
                                      seg,
                                      snicit::DenseView<float>{f.data(), s, dim, dim},
                                      spos.data(),
                                      counters.data(),
                                      stream);
  // CPU sampling
  std::vector<std::int64_t> pos;
  std::vector<oracle::Row> fh;
  for (std::int64_t i = 0; i < s; ++i) {
    std::int64_t const k = sampling == snicit::Sampling::strided ? i * a / s : i;
    pos.push_back(k);
    auto const& row = y[static_cast<std::size_t>(live[static_cast<std::size_t>(k)])];
    if (seg == 0) {
      fh.push_back(row);
    } else {
      oracle::Row sums(static_cast<std::size_t>(seg), 0.0f);
      for (std::int64_t j = 0; j < seg; ++j) {
        for (std::int64_t d = j * n / seg; d < (j + 1) * n / seg; ++d) {
          sums[static_cast<std::size_t>(j)] += row[static_cast<std::size_t>(d)];
        }
      }
      fh.push_back(sums);
    }
  }
  auto const f_dev = to_host(f, static_cast<std::size_t>(s * dim), stream);
  for (std::int64_t i = 0; i < s; ++i) {
    for (std::int64_t d = 0; d < dim; ++d) {
      REQUIRE(f_dev[static_cast<std::size_t>(i * dim + d)] ==
              fh[static_cast<std::size_t>(i)][static_cast<std::size_t>(d)]);
    }
  }
  REQUIRE(to_host(counters, 1, stream)[0] == s);

  // Pruning (Alg. 1)
  double const eps = 0.1;
  float const eta = 0.05f;
  DeviceBuffer<std::uint8_t> keep(static_cast<std::size_t>(s), stream);
  DeviceBuffer<row_index> cents(static_cast<std::size_t>(s), stream);
  snicit::kernels::prune_samples<256, float>(snicit::DenseView<float const>{f.data(), s, dim, dim},
                                             counters.data(),
                                             eps,
                                             eta,
                                             keep.data(),
                                             spos.data(),
                                             cents.data(),
                                             counters.data() + 1,
                                             stream);
  std::vector<bool> kh(static_cast<std::size_t>(s), true);
  for (std::int64_t b = 0; b < s; ++b) {
    if (!kh[static_cast<std::size_t>(b)]) {
      continue;
    }
    for (std::int64_t j = b + 1; j < s; ++j) {
      if (!kh[static_cast<std::size_t>(j)]) {
        continue;
      }
      std::int64_t cnt = 0;
      for (std::int64_t d = 0; d < dim; ++d) {
        cnt += std::fabs(fh[static_cast<std::size_t>(j)][static_cast<std::size_t>(d)] -
                         fh[static_cast<std::size_t>(b)][static_cast<std::size_t>(d)]) > eta;
      }
      if (static_cast<double>(cnt) < eps * static_cast<double>(dim)) {
        kh[static_cast<std::size_t>(j)] = false;
      }
    }
  }
  std::vector<row_index> want_c;
  for (std::int64_t j = 0; j < s; ++j) {
    if (kh[static_cast<std::size_t>(j)]) {
      want_c.push_back(static_cast<row_index>(pos[static_cast<std::size_t>(j)]));
    }
  }
  auto const kc = to_host(counters, 2, stream)[1];
  REQUIRE(to_host(cents, static_cast<std::size_t>(kc), stream) == want_c);
  REQUIRE(kc >= 1);

  // Conversion (Alg. 2)
  float const tau = 0.04f;
  std::int64_t const bound = a + 3;
  DeviceBuffer<float> yhat(static_cast<std::size_t>(bound * n), stream);
  DeviceBuffer<row_index> m(static_cast<std::size_t>(bound), stream);
  DeviceBuffer<std::uint8_t> ne(static_cast<std::size_t>(bound), stream);
  snicit::kernels::convert_to_residues<128, float>(
      yv,
      d_live.data(),
      d_a.data(),
      bound,
      cents.data(),
      counters.data() + 1,
      tau,
      snicit::DenseView<float>{yhat.data(), bound, n, n},
      m.data(),
      ne.data(),
      stream);
  auto const yh = to_host(yhat, static_cast<std::size_t>(a * n), stream);
  auto const mh = to_host(m, static_cast<std::size_t>(bound), stream);
  auto const neh = to_host(ne, static_cast<std::size_t>(bound), stream);
  std::vector<oracle::Row> yhat_cpu(static_cast<std::size_t>(a));
  std::vector<std::int64_t> m_cpu(static_cast<std::size_t>(a), -1);
  std::vector<int> ne_cpu(static_cast<std::size_t>(a), 1);
  for (std::int64_t k = 0; k < a; ++k) {
    auto const& row = y[static_cast<std::size_t>(live[static_cast<std::size_t>(k)])];
    if (std::find(want_c.begin(), want_c.end(), k) != want_c.end()) {
      yhat_cpu[static_cast<std::size_t>(k)] = row;
      continue;
    }
    std::int64_t best = -1, best_d = -1;
    for (auto c : want_c) {
      auto const& yc = y[static_cast<std::size_t>(live[static_cast<std::size_t>(c)])];
      std::int64_t d = 0;
      for (std::int64_t j = 0; j < n; ++j) {
        d += std::fabs(row[static_cast<std::size_t>(j)] - yc[static_cast<std::size_t>(j)]) > tau;
      }
      if (best_d < 0 || d < best_d) {
        best_d = d;
        best = c;
      }
    }
    auto const& yc = y[static_cast<std::size_t>(live[static_cast<std::size_t>(best)])];
    oracle::Row r(static_cast<std::size_t>(n));
    for (std::int64_t j = 0; j < n; ++j) {
      float const v = row[static_cast<std::size_t>(j)] - yc[static_cast<std::size_t>(j)];
      r[static_cast<std::size_t>(j)] = std::fabs(v) <= tau ? 0.0f : v;
    }
    m_cpu[static_cast<std::size_t>(k)] = best;
    ne_cpu[static_cast<std::size_t>(k)] = oracle::nonzero(r) ? 1 : 0;
    yhat_cpu[static_cast<std::size_t>(k)] = r;
  }
  for (std::int64_t k = 0; k < a; ++k) {
    REQUIRE(mh[static_cast<std::size_t>(k)] == m_cpu[static_cast<std::size_t>(k)]);
    REQUIRE(int(neh[static_cast<std::size_t>(k)]) == ne_cpu[static_cast<std::size_t>(k)]);
    for (std::int64_t j = 0; j < n; ++j) {
      REQUIRE(yh[static_cast<std::size_t>(k * n + j)] ==
              yhat_cpu[static_cast<std::size_t>(k)][static_cast<std::size_t>(j)]);
    }
  }
  for (std::int64_t k = a; k < bound; ++k) {
    REQUIRE(neh[static_cast<std::size_t>(k)] == 0);
  }

  // Post update (Eq. 5) with a fake product S over all rows, list = every row.
  std::vector<float> h_s(static_cast<std::size_t>(a * n));
  for (auto& v : h_s) {
    v = std::uniform_real_distribution<float>(-1.0f, 1.5f)(rng);
  }
  std::vector<float> bias(static_cast<std::size_t>(n));
  for (auto& v : bias) {
    v = std::uniform_real_distribution<float>(-0.3f, 0.3f)(rng);
  }
  std::vector<row_index> all(static_cast<std::size_t>(a));
  for (std::int64_t k = 0; k < a; ++k) {
    all[static_cast<std::size_t>(k)] = static_cast<row_index>(k);
  }
  auto d_s = to_device(h_s, stream);
  auto d_bias = to_device(bias, stream);
  auto d_all = to_device(all, stream);
  float const tau_post = 0.05f;
  snicit::ReluClip const act{1.0f};
  snicit::kernels::post_update<128, float>(snicit::DenseView<float const>{d_s.data(), a, n, n},
                                           snicit::DenseView<float>{yhat.data(), a, n, n},
                                           d_bias.data(),
                                           d_all.data(),
                                           d_a.data(),
                                           a,
                                           m.data(),
                                           tau_post,
                                           act,
                                           ne.data(),
                                           counters.data() + 2,
                                           stream);
  auto const up = to_host(yhat, static_cast<std::size_t>(a * n), stream);
  auto const ne2 = to_host(ne, static_cast<std::size_t>(a), stream);
  for (std::int64_t k = 0; k < a; ++k) {
    auto const c = m_cpu[static_cast<std::size_t>(k)];
    bool nz = false;
    for (std::int64_t j = 0; j < n; ++j) {
      float const sr = h_s[static_cast<std::size_t>(k * n + j)];
      float const b = bias[static_cast<std::size_t>(j)];
      float want;
      if (c < 0) {
        want = act(sr + b);
      } else {
        float const sc = h_s[static_cast<std::size_t>(c * n + j)];
        float const v = act(sc + sr + b) - act(sc + b);
        want = std::fabs(v) <= tau_post ? 0.0f : v;
        nz = nz || want != 0.0f;
      }
      REQUIRE(up[static_cast<std::size_t>(k * n + j)] == want);
    }
    REQUIRE(int(ne2[static_cast<std::size_t>(k)]) == (c < 0 ? 1 : int(nz)));
  }
  REQUIRE(to_host(counters, 3, stream)[2] == a);

  // Recovery (Eq. 6)
  snicit::kernels::recover_rows<128, float>(
      snicit::DenseView<float>{yhat.data(), a, n, n}, m.data(), ne.data(), d_a.data(), a, stream);
  auto const rec = to_host(yhat, static_cast<std::size_t>(a * n), stream);
  for (std::int64_t k = 0; k < a; ++k) {
    auto const c = m_cpu[static_cast<std::size_t>(k)];
    for (std::int64_t j = 0; j < n; ++j) {
      float const self = up[static_cast<std::size_t>(k * n + j)];
      float const want = c < 0 ? self
                               : (ne2[static_cast<std::size_t>(k)] ? self : 0.0f) +
                                     up[static_cast<std::size_t>(c * n + j)];
      REQUIRE(rec[static_cast<std::size_t>(k * n + j)] == want);
    }
  }
}

TEST_CASE("policy traits accept the shipped policies and reject others", "[gpu][policy]") {
  STATIC_REQUIRE(snicit::is_spmm_policy_v<snicit::spmm::RowGather<64, 2>>);
  STATIC_REQUIRE(snicit::kernels::has_spmm_backend_v<snicit::spmm::RowGather<64, 2>>);
  STATIC_REQUIRE_FALSE(snicit::kernels::has_spmm_backend_v<int>);
  STATIC_REQUIRE(snicit::is_cluster_policy_v<snicit::cluster::None>);
  STATIC_REQUIRE_FALSE(snicit::is_cluster_policy_v<snicit::spmm::RowGather<>>);
  STATIC_REQUIRE(snicit::is_activation_v<snicit::ReluClip, float>);
  STATIC_REQUIRE_FALSE(snicit::is_activation_v<int, float>);
}
