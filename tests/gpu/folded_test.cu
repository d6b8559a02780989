// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// spmm::ColumnFolded: the grouping of equal weight columns against a brute-force pairwise
// comparison, its known structure on SDGC layers (N / 16 distinct columns, 16 copies each), and
// the Engine with ColumnFolded against RegisterTiled (bit for bit) and snicit::reference, in
// exact and SNICIT mode, staged and unstaged, with one and several row groups per block. The
// kernel-level checks (gather lists, alive flags, partial tiles, per-output biases on duplicated
// columns) are in backends_test.cu's sweep over every backend.
#include <snicit/data/data.hpp>
#include <snicit/engine.cuh>
#include <snicit/kernels/spmm_folded.cuh>
#include <snicit/reference/reference.hpp>
#include <snicit/stream.hpp>

#include "oracle.hpp"

#include <catch.hpp>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

/// Column j of w as (input, value bits) pairs in ascending input order.
std::vector<std::pair<std::int64_t, std::uint32_t>> column(snicit::CsrMatrix<float> const& w,
                                                           std::int64_t j) {
  std::vector<std::pair<std::int64_t, std::uint32_t>> c;
  for (std::int64_t i = 0; i < w.rows; ++i) {
    for (auto k = w.row_offsets[i]; k < w.row_offsets[i + 1]; ++k) {
      if (w.col_indices[static_cast<std::size_t>(k)] == j) {
        std::uint32_t bits = 0;
        std::memcpy(&bits, &w.values[static_cast<std::size_t>(k)], sizeof bits);
        c.push_back({i, bits});
      }
    }
  }
  return c;
}

/// Checks g against a pairwise comparison of every column with every group leader.
void check_groups(snicit::CsrMatrix<float> const& w, snicit::kernels::ColumnGroups const& g) {
  std::int64_t const n = w.cols;
  REQUIRE(g.copy_offsets.size() == g.leader.size() + 1);
  REQUIRE(g.copy_cols.size() == static_cast<std::size_t>(n));
  std::vector<int> seen(static_cast<std::size_t>(n), 0);
  std::vector<std::vector<std::pair<std::int64_t, std::uint32_t>>> cols;
  for (std::int64_t j = 0; j < n; ++j) {
    cols.push_back(column(w, j));
  }
  for (std::size_t u = 0; u < g.leader.size(); ++u) {
    auto const lead = g.leader[u];
    REQUIRE(g.copy_offsets[u] < g.copy_offsets[u + 1]);
    CHECK(g.copy_cols[static_cast<std::size_t>(g.copy_offsets[u])] == lead);  // first = leader
    for (auto c = g.copy_offsets[u]; c < g.copy_offsets[u + 1]; ++c) {
      auto const j = g.copy_cols[static_cast<std::size_t>(c)];
      ++seen[static_cast<std::size_t>(j)];
      CHECK(cols[static_cast<std::size_t>(j)] == cols[static_cast<std::size_t>(lead)]);
      if (c > g.copy_offsets[u]) {
        CHECK(j > g.copy_cols[static_cast<std::size_t>(c - 1)]);  // ascending
      }
    }
    if (u > 0) {
      CHECK(lead > g.leader[u - 1]);  // leaders in order of first appearance
      // Different groups hold different columns.
      CHECK(cols[static_cast<std::size_t>(lead)] !=
            cols[static_cast<std::size_t>(g.leader[u - 1])]);
    }
  }
  for (auto s : seen) {
    CHECK(s == 1);
  }
  // Maximal: no two leaders are equal.
  for (std::size_t a = 0; a < g.leader.size(); ++a) {
    for (std::size_t b = a + 1; b < g.leader.size(); ++b) {
      CHECK(cols[static_cast<std::size_t>(g.leader[a])] !=
            cols[static_cast<std::size_t>(g.leader[b])]);
    }
  }
}

template <class Spmm, class Cluster>
snicit::RunResult<float> run_engine(snicit::SparseNetwork<float> const& net,
                                    snicit::CsrMatrix<float> const& in,
                                    snicit::EngineOptions const& eo,
                                    snicit::Stream& stream) {
  snicit::Engine<float, Spmm, Cluster> e(net, eo, stream);
  return e.run(in, stream);
}

}  // namespace

TEST_CASE("ColumnFolded groups exactly the equal columns", "[gpu][folded]") {
  SECTION("SDGC layers: N / 16 distinct columns of 16 copies, j = a M + m") {
    for (std::int64_t const n : {64, 1024}) {
      for (std::int64_t const l : {1, 3, 7}) {
        auto const w = snicit::data::radixnet_layer(n, l, 5);
        auto const g = snicit::kernels::group_equal_columns(w);
        std::int64_t const m = n / 16;
        REQUIRE(g.distinct() == m);
        for (std::int64_t u = 0; u < m; ++u) {
          CHECK(g.leader[static_cast<std::size_t>(u)] == u);
          CHECK(g.copy_offsets[static_cast<std::size_t>(u) + 1] -
                    g.copy_offsets[static_cast<std::size_t>(u)] ==
                16);
          for (auto c = g.copy_offsets[static_cast<std::size_t>(u)];
               c < g.copy_offsets[static_cast<std::size_t>(u) + 1];
               ++c) {
            CHECK(g.copy_cols[static_cast<std::size_t>(c)] % m == u);
          }
        }
        if (n == 64) {
          check_groups(w, g);
        }
      }
    }
  }
  SECTION("random layers with and without planted copies, equal values with other bits") {
    auto net = oracle::random_network(120, 1, 6, 0.0f, 32.0f, 3);
    auto w = net.layers[0].weights;
    auto g = snicit::kernels::group_equal_columns(w);
    check_groups(w, g);
    // Plant copies: column j takes column j % 13's entries for every j; then one value of
    // column 50 changes. -0.0f and +0.0f must stay apart.
    snicit::CsrMatrix<float> d;
    d.rows = w.rows;
    d.cols = w.cols;
    d.row_offsets.push_back(0);
    for (std::int64_t i = 0; i < w.rows; ++i) {
      for (std::int64_t j = 0; j < w.cols; ++j) {
        for (auto k = w.row_offsets[i]; k < w.row_offsets[i + 1]; ++k) {
          if (w.col_indices[static_cast<std::size_t>(k)] == j % 13) {
            d.col_indices.push_back(static_cast<std::int32_t>(j));
            d.values.push_back(w.values[static_cast<std::size_t>(k)]);
          }
        }
      }
      d.row_offsets.push_back(static_cast<std::int64_t>(d.col_indices.size()));
    }
    for (std::size_t k = 0; k < d.col_indices.size(); ++k) {
      if (d.col_indices[k] == 50) {
        d.values[k] = 7.0f;  // column 50 now differs from column 50 % 13 in one value
        break;
      }
    }
    auto const gd = snicit::kernels::group_equal_columns(d);
    check_groups(d, gd);
    CHECK(gd.distinct() == 14);
    snicit::CsrMatrix<float> z;
    z.rows = 1;
    z.cols = 2;
    z.row_offsets = {0, 2};
    z.col_indices = {0, 1};
    z.values = {0.0f, -0.0f};
    CHECK(snicit::kernels::group_equal_columns(z).distinct() == 2);
  }
}

TEST_CASE("Engine<ColumnFolded> equals RegisterTiled and the CPU bit for bit", "[gpu][folded]") {
  std::int64_t const n = GENERATE(1024, 4096);
  std::int64_t const layers = 12;
  auto const net = snicit::data::generate_sdgc_network({n, layers, 1, 0});
  auto const in = snicit::data::synthetic_sdgc_images(n, 900, 19);
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = 400;  // three rounds, the last partial
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(layers);
  eo.snicit.batch_size = 400;
  eo.snicit.threshold_layer = 5;
  auto const want = snicit::reference::infer_exact(net, in);
  REQUIRE_FALSE(want.rows.empty());
  using Folded = snicit::spmm::ColumnFolded<>;
  using Unstaged = snicit::spmm::ColumnFolded<128, 3, 0>;
  using Tiled = snicit::spmm::RegisterTiled<>;
  using Exact = snicit::cluster::None;
  auto const rt = run_engine<Tiled, Exact>(net, in, eo, stream);
  auto const rf = run_engine<Folded, Exact>(net, in, eo, stream);
  auto const ru = run_engine<Unstaged, Exact>(net, in, eo, stream);
  CHECK(rf.categories == want.rows);
  CHECK(rf.activations.data == rt.activations.data);
  CHECK(ru.categories == want.rows);
  CHECK(ru.activations.data == rt.activations.data);
  // Exact mode equals the CPU's activations too.
  CHECK(rf.activations.data == want.activations.data);
  using Snicit = snicit::cluster::CoarseSample<>;
  auto const st = run_engine<Tiled, Snicit>(net, in, eo, stream);
  auto const sf = run_engine<Folded, Snicit>(net, in, eo, stream);
  CHECK(sf.categories == st.categories);
  CHECK(sf.activations.data == st.activations.data);
  auto const ref = snicit::reference::infer_snicit(net, in, eo.snicit);
  CHECK(sf.categories == ref.rows);
}
