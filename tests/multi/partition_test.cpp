// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// The data-parallel bookkeeping (include/snicit/detail/partition.hpp) against the CPU reference:
// inference of each part, gathered, must equal inference of the whole batch, bit for bit (exact
// mode: any split; SNICIT mode: splits aligned to the round size).

#include <snicit/data/data.hpp>
#include <snicit/detail/partition.hpp>
#include <snicit/options.hpp>
#include <snicit/reference/reference.hpp>

#include "catch.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

using namespace snicit;

namespace {

SparseNetwork<float> const& network() {
  static SparseNetwork<float> const net =
      data::generate_sdgc_network(data::RadixNetOptions{1024, 24, 7});
  return net;
}

/// 3000 synthetic images with every 7th row emptied, so live rows are unevenly spread.
CsrMatrix<float> const& images() {
  static CsrMatrix<float> const img = [] {
    auto m = data::synthetic_sdgc_images(1024, 3000, 3, 0.10, 2);
    CsrMatrix<float> out;
    out.rows = m.rows;
    out.cols = m.cols;
    out.row_offsets.push_back(0);
    for (std::int64_t r = 0; r < m.rows; ++r) {
      if (r % 7 != 3 && !(r > 1400 && r < 1900)) {
        auto const idx = m.row_indices(r);
        auto const val = m.row_values(r);
        out.col_indices.insert(out.col_indices.end(), idx.begin(), idx.end());
        out.values.insert(out.values.end(), val.begin(), val.end());
      }
      out.row_offsets.push_back(static_cast<std::int64_t>(out.col_indices.size()));
    }
    return out;
  }();
  return img;
}

void check_cover(std::vector<RowRange> const& parts, std::int64_t rows, int k) {
  REQUIRE(parts.size() == static_cast<std::size_t>(k));
  std::int64_t at = 0;
  for (auto const& p : parts) {
    CHECK(p.begin == at);
    CHECK(p.end >= p.begin);
    at = p.end;
  }
  CHECK(at == rows);
}

template <class Infer>
GatheredResult<float> run_parts(CsrMatrix<float> const& input,
                                std::vector<RowRange> const& ranges,
                                Infer&& infer) {
  std::vector<PartResult<float>> parts;
  for (auto const& r : ranges) {
    auto res = infer(slice_rows(input, r));
    parts.push_back({r, std::move(res.rows), std::move(res.activations)});
  }
  return gather_parts(parts, network().output_size(), true);
}

}  // namespace

TEST_CASE("partition_rows: equal rows cover the batch in order", "[multi][partition]") {
  for (std::int64_t rows : {0, 1, 5, 700, 1001}) {
    for (int k : {1, 2, 3, 4, 7}) {
      auto const parts = partition_rows(rows, k);
      check_cover(parts, rows, k);
      auto [lo, hi] = std::minmax_element(
          parts.begin(), parts.end(), [](auto a, auto b) { return a.size() < b.size(); });
      CHECK(hi->size() - lo->size() <= 1);
    }
  }
}

TEST_CASE("partition_rows: aligned boundaries fall on multiples of align", "[multi][partition]") {
  for (std::int64_t align : {1, 64, 100, 250}) {
    for (int k : {1, 2, 3, 5}) {
      auto const parts = partition_rows(1001, k, PartitionOptions{Split::rows, align});
      check_cover(parts, 1001, k);
      for (auto const& p : parts) {
        if (p.begin < 1001) {
          CHECK(p.begin % align == 0);
        }
      }
    }
  }
}

TEST_CASE("partition_rows: balanced splits equalise the weights", "[multi][partition]") {
  auto const& img = images();
  for (Split s : {Split::nonzeros, Split::live_rows}) {
    auto const w = row_weights(img, s);
    std::int64_t const total = std::accumulate(w.begin(), w.end(), std::int64_t{0});
    std::int64_t const heaviest = *std::max_element(w.begin(), w.end());
    for (int k : {2, 3, 4}) {
      auto const parts = partition_input(img, k, PartitionOptions{s, 0});
      check_cover(parts, img.rows, k);
      for (auto const& p : parts) {
        std::int64_t const pw = std::accumulate(w.begin() + p.begin, w.begin() + p.end, 0LL);
        // Each boundary is within half a row's weight of its target.
        CHECK(std::abs(static_cast<double>(pw) - static_cast<double>(total) / k) <= heaviest);
      }
    }
  }
  // The hole in rows 1401..1899 shifts the live-row split away from the equal-rows split.
  CHECK(partition_input(img, 2, PartitionOptions{Split::live_rows, 0}) != partition_rows(3000, 2));
  // Zero weights everywhere still give a cover.
  std::vector<std::int64_t> zeros(10, 0);
  check_cover(partition_rows(10, 3, zeros, PartitionOptions{Split::nonzeros, 0}), 10, 3);
}

TEST_CASE("partition_rows rejects bad arguments", "[multi][partition]") {
  CHECK_THROWS_AS(partition_rows(10, 0), LogicError);
  CHECK_THROWS_AS(partition_rows(-1, 2), LogicError);
  CHECK_THROWS_AS(partition_rows(10, 2, PartitionOptions{Split::rows, -3}), LogicError);
  CHECK_THROWS_AS(partition_rows(10, 2, PartitionOptions{Split::nonzeros, 0}), LogicError);
  std::vector<std::int64_t> w(9, 1);
  CHECK_THROWS_AS(partition_rows(10, 2, w, PartitionOptions{Split::nonzeros, 0}), LogicError);
}

TEST_CASE("slice_rows: the slices of a CSR and a dense input concatenate to the input",
          "[multi][partition]") {
  auto const& img = images();
  auto const parts = partition_rows(img.rows, 3);
  std::int64_t nnz = 0;
  for (auto const& p : parts) {
    auto const s = slice_rows(img, p);
    REQUIRE_NOTHROW(s.validate());
    CHECK(s.rows == p.size());
    for (std::int64_t r = 0; r < s.rows; ++r) {
      auto const a = s.row_indices(r);
      auto const b = img.row_indices(p.begin + r);
      CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));
    }
    nnz += s.nnz();
  }
  CHECK(nnz == img.nnz());
  DenseMatrix<float> d(3, 2);
  d.data = {1, 2, 3, 4, 5, 6};
  auto const s = slice_rows(d, RowRange{1, 3});
  CHECK(s.rows == 2);
  CHECK(s.data == std::vector<float>{3, 4, 5, 6});
  CHECK_THROWS_AS(slice_rows(img, RowRange{5, 3001}), LogicError);
}

TEST_CASE("exact reference: per-part inference gathered equals the whole batch",
          "[multi][partition][reference]") {
  auto const& net = network();
  auto const& img = images();
  reference::ExactOptions eo;
  eo.threads = 2;
  auto const whole = reference::infer_exact(net, img, eo);
  REQUIRE(whole.rows.size() > 50);  // a real workload: rows survive 24 layers
  for (Split s : {Split::rows, Split::nonzeros, Split::live_rows}) {
    for (int k : {1, 2, 3, 5}) {
      auto const ranges = partition_input(img, k, PartitionOptions{s, 0});
      auto const g = run_parts(img, ranges, [&](CsrMatrix<float> const& part) {
        return reference::infer_exact(net, part, eo);
      });
      CHECK(g.categories == whole.rows);
      CHECK(g.activations.rows == whole.activations.rows);
      CHECK(g.activations.data == whole.activations.data);
    }
  }
}

TEST_CASE("SNICIT reference: splits aligned to the round size reproduce the single run",
          "[multi][partition][reference]") {
  auto const& net = network();
  auto const& img = images();
  reference::ExactOptions eo;
  eo.threads = 2;
  auto so = SnicitOptions::sdgc_defaults(net.num_layers());
  so.batch_size = 500;
  auto const whole = reference::infer_snicit(net, img, so, eo);
  REQUIRE(whole.rows.size() > 50);  // a real workload: rows survive 24 layers
  for (Split s : {Split::rows, Split::live_rows}) {
    for (int k : {2, 3}) {
      auto const ranges = partition_input(img, k, PartitionOptions{s, so.batch_size});
      auto const g = run_parts(img, ranges, [&](CsrMatrix<float> const& part) {
        return reference::infer_snicit(net, part, so, eo);
      });
      CHECK(g.categories == whole.rows);
      CHECK(g.activations.data == whole.activations.data);
    }
  }
}

TEST_CASE("gather_parts rejects inconsistent parts", "[multi][partition]") {
  std::vector<PartResult<float>> parts(2);
  parts[0].range = {0, 4};
  parts[0].categories = {1, 3};
  parts[0].activations = DenseMatrix<float>(2, 1);
  parts[0].activations.data = {1.f, 2.f};
  parts[1].range = {4, 6};
  parts[1].categories = {0};
  parts[1].activations = DenseMatrix<float>(1, 1);
  parts[1].activations.data = {3.f};
  auto const g = gather_parts(parts, 1, true);
  CHECK(g.categories == std::vector<std::int64_t>{1, 3, 4});
  CHECK(g.activations.data == std::vector<float>{1.f, 2.f, 3.f});
  auto bad = parts;
  bad[1].categories = {2};  // outside the 2-row range
  CHECK_THROWS_AS(gather_parts(bad, 1, true), LogicError);
  bad = parts;
  bad[0].categories = {3, 1};  // not ascending
  CHECK_THROWS_AS(gather_parts(bad, 1, true), LogicError);
  bad = parts;
  bad[1].range = {2, 6};  // overlaps part 0
  CHECK_THROWS_AS(gather_parts(bad, 1, true), LogicError);
  bad = parts;
  bad[1].activations.rows = 0;
  bad[1].activations.data.clear();
  CHECK_THROWS_AS(gather_parts(bad, 1, true), LogicError);
  CHECK(gather_parts(bad, 1, false).categories == g.categories);
}
