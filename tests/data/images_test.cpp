// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit::data images: the MNIST-derived inputs (exact fixture match, tiling, pixel counts) and
// the synthetic blobs (density, determinism, border, survival through a generated network).
#include <snicit/data/images.hpp>
#include <snicit/data/radixnet.hpp>
#include <snicit/io/mnist.hpp>
#include <snicit/io/sdgc.hpp>

#include "catch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <test_data.hpp>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using snicit::CsrMatrix;
namespace data = snicit::data;

using snicit::test::data_dir;

/// The MNIST t10k images, or nullopt after a warning when the shared data is absent.
std::optional<snicit::io::MnistImages> load_t10k() {
  auto const file = data_dir() / "mnist" / "t10k-images-idx3-ubyte.gz";
  if (!fs::exists(file)) {
    WARN("shared data not found: " << file.string()
                                   << " is missing; set SNICIT_DATA_DIR to the folder holding "
                                      "mnist/ (MNIST-derived images NOT checked)");
    return std::nullopt;
  }
  return snicit::io::read_mnist_images(file);
}

std::vector<std::int32_t> row_of(CsrMatrix<float> const& m, std::int64_t r) {
  auto const s = m.row_indices(r);
  return {s.begin(), s.end()};
}

/// A hand-made MNIST set: `count` images of rows x cols, every pixel = fill(image, r, c).
template <class Fill>
snicit::io::MnistImages make_mnist(std::int64_t count,
                                   std::int64_t rows,
                                   std::int64_t cols,
                                   Fill fill) {
  snicit::io::MnistImages m;
  m.count = count;
  m.rows = rows;
  m.cols = cols;
  for (std::int64_t i = 0; i < count; ++i) {
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::int64_t c = 0; c < cols; ++c) {
        m.pixels.push_back(static_cast<std::uint8_t>(fill(i, r, c)));
      }
    }
  }
  return m;
}

/**
 * Naive float32 SDGC inference Y <- min(max(Y*W + b, 0), cap): returns, per image, whether its
 * final row is non-zero. Rows that die stop; rows that saturate (all cap) stay saturated.
 */
std::vector<bool> survivors(snicit::SparseNetwork<float> const& net, CsrMatrix<float> const& in) {
  std::int64_t const n = net.input_size();
  std::vector<bool> alive(static_cast<std::size_t>(in.rows), false);
  std::vector<float> y(static_cast<std::size_t>(n));
  std::vector<float> z(static_cast<std::size_t>(n));
  for (std::int64_t r = 0; r < in.rows; ++r) {
    std::fill(y.begin(), y.end(), 0.0f);
    for (auto const c : in.row_indices(r)) {
      y[static_cast<std::size_t>(c)] = in.values[0];
    }
    bool live = true;
    for (auto const& layer : net.layers) {
      auto const& w = layer.weights;
      std::fill(z.begin(), z.end(), 0.0f);
      for (std::int64_t i = 0; i < n; ++i) {
        float const v = y[static_cast<std::size_t>(i)];
        if (v != 0.0f) {
          for (auto k = w.row_offsets[static_cast<std::size_t>(i)];
               k < w.row_offsets[static_cast<std::size_t>(i) + 1];
               ++k) {
            z[static_cast<std::size_t>(w.col_indices[static_cast<std::size_t>(k)])] +=
                v * w.values[static_cast<std::size_t>(k)];
          }
        }
      }
      bool any = false;
      bool saturated = true;
      for (std::int64_t j = 0; j < n; ++j) {
        float const v = std::min(std::max(z[static_cast<std::size_t>(j)] + layer.bias_at(j), 0.0f),
                                 net.activation_cap);
        y[static_cast<std::size_t>(j)] = v;
        any = any || v != 0.0f;
        saturated = saturated && v == net.activation_cap;
      }
      if (!any) {
        live = false;
        break;
      }
      if (saturated) {
        break;  // stays all-cap through any later RadiX-Net layer (32*32/16 + b > 32)
      }
    }
    alive[static_cast<std::size_t>(r)] = live;
  }
  return alive;
}

}  // namespace

// --- helpers ------------------------------------------------------------------------------------

TEST_CASE("images: grid side and tiling shifts", "[data][images]") {
  CHECK(data::image_side(1024) == 32);
  CHECK(data::image_side(4096) == 64);
  CHECK(data::image_side(65536) == 256);
  CHECK(data::image_side(4) == 2);
  for (std::int64_t const n : {1000, 2048, 1023, 0, -4, 2}) {
    SNICIT_REQUIRE_THROWS_WITH_SUBSTR(
        data::image_side(n), snicit::LogicError, "got " + std::to_string(n));
  }
  std::vector<data::TileShift> const first = {
      {0, 0}, {1, 0}, {0, 1}, {-1, 0}, {0, -1}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}, {2, 0}};
  for (std::size_t k = 0; k < first.size(); ++k) {
    INFO("copy " << k);
    CHECK(data::tile_shift(static_cast<std::int64_t>(k)) == first[k]);
  }
  std::set<std::pair<int, int>> seen;
  int ring = 0;
  for (std::int64_t k = 0; k < 1000; ++k) {
    auto const s = data::tile_shift(k);
    seen.insert({s.dx, s.dy});
    int const r = std::max(std::abs(s.dx), std::abs(s.dy));
    CHECK(r >= ring);  // rings never shrink
    ring = r;
  }
  CHECK(seen.size() == 1000);
  CHECK_THROWS_AS(data::tile_shift(-1), snicit::LogicError);
}

// --- MNIST-derived ------------------------------------------------------------------------------

TEST_CASE("images: resize of uniform and empty images, threshold", "[data][images]") {
  auto const m = make_mnist(4, 28, 28, [](std::int64_t i, std::int64_t, std::int64_t) {
    return i == 0 ? 255 : (i == 1 ? 0 : (i == 2 ? 192 : 191));  // 192/255 > 0.75 > 191/255
  });
  for (std::int64_t const n : {1024, 4096, 256, 784, 16}) {  // up, up, down (16 x 16), same, tiny
    INFO("N = " << n);
    auto const img = data::sdgc_images_from_mnist(m, {.neurons = n, .count = 4});
    REQUIRE_NOTHROW(img.validate());
    REQUIRE(img.rows == 4);
    REQUIRE(img.cols == n);
    CHECK(img.row_indices(0).size() == static_cast<std::size_t>(n));  // a flat image stays flat
    CHECK(img.row_indices(1).empty());
    CHECK(img.row_indices(2).size() == static_cast<std::size_t>(n));
    CHECK(img.row_indices(3).empty());
    CHECK(std::all_of(img.values.begin(), img.values.end(), [](float v) { return v == 1.0f; }));
  }
  auto const low =
      data::sdgc_images_from_mnist(m, {.neurons = 1024, .count = 4, .threshold = 0.5f});
  CHECK(low.row_indices(3).size() == 1024);
}

TEST_CASE("images: column-major pixel numbering", "[data][images]") {
  // One bright 4 x 2 bar, rows 4..7 and columns 20..21 of a 28 x 28 image; S = 28 keeps it.
  auto const m = make_mnist(1, 28, 28, [](std::int64_t, std::int64_t r, std::int64_t c) {
    return (r >= 4 && r < 8 && c >= 20 && c < 22) ? 255 : 0;
  });
  auto const img = data::sdgc_images_from_mnist(m, {.neurons = 784, .count = 1});
  std::vector<std::int32_t> expect;
  for (int c = 20; c < 22; ++c) {
    for (int r = 4; r < 8; ++r) {
      expect.push_back(r + 28 * c);
    }
  }
  CHECK(row_of(img, 0) == expect);
  // Tiling: copy 1 is shifted one column right, copy 2 one row down.
  auto const tiled = data::sdgc_images_from_mnist(m, {.neurons = 784, .count = 3});
  for (auto& p : expect) {
    p += 28;
  }
  CHECK(row_of(tiled, 1) == expect);
  for (auto& p : expect) {
    p += 1 - 28;
  }
  CHECK(row_of(tiled, 2) == expect);
}

TEST_CASE("images: option checks", "[data][images]") {
  auto const m = make_mnist(2, 28, 28, [](auto, auto, auto) { return 0; });
  SNICIT_REQUIRE_THROWS_WITH_SUBSTR(
      data::sdgc_images_from_mnist(m, {.neurons = 1000}), snicit::LogicError, "1000");
  CHECK_THROWS_AS(data::sdgc_images_from_mnist(m, {.neurons = 1024, .count = -2}),
                  snicit::LogicError);
  auto bad = m;
  bad.pixels.pop_back();
  CHECK_THROWS_AS(data::sdgc_images_from_mnist(bad, {.neurons = 1024, .count = 2}),
                  snicit::LogicError);
  snicit::io::MnistImages const empty{0, 28, 28, {}};
  CHECK_THROWS_AS(data::sdgc_images_from_mnist(empty, {.neurons = 1024, .count = 1}),
                  snicit::LogicError);
  CHECK(data::sdgc_images_from_mnist(empty, {.neurons = 1024, .count = 0}).rows == 0);
  CHECK(data::sdgc_images_from_mnist(m, {.neurons = 1024, .count = -1}).rows == 2);
}

TEST_CASE("images: MNIST t10k reproduces the 1024-pixel fixture exactly", "[data][images][real]") {
  auto const mnist = load_t10k();
  if (!mnist) {
    return;
  }
  auto const fixture_file = data_dir() / "sdgc" / "sparse-images-1024-t10k.tsv.gz";
  if (!fs::exists(fixture_file)) {
    WARN("shared data not found: " << fixture_file.string() << " (fixture NOT checked)");
    return;
  }
  auto const fixture = snicit::io::read_sdgc_images(fixture_file, 1024, 10000);
  REQUIRE(fixture.nnz() == 1029682);
  auto const img = data::sdgc_images_from_mnist(*mnist, {.neurons = 1024, .count = 10000});
  CHECK(img.nnz() == fixture.nnz());
  CHECK(img == fixture);
  auto const one_thread =
      data::sdgc_images_from_mnist(*mnist, {.neurons = 1024, .count = 10000, .threads = 1});
  CHECK(one_thread == img);
}

TEST_CASE("images: 60000 MNIST-derived images by tiling t10k", "[data][images][real]") {
  auto const mnist = load_t10k();
  if (!mnist) {
    return;
  }
  auto const img = data::sdgc_images_from_mnist(*mnist, {.neurons = 1024, .count = 60000});
  REQUIRE_NOTHROW(img.validate());
  REQUIRE(img.rows == 60000);
  // The official training-set images hold 6,374,505 pixels; t10k is a little thinner (-3.1%).
  double const ratio = double(img.nnz()) / 6374505.0;
  INFO("total pixels " << img.nnz() << " = " << ratio << " x official");
  CHECK(std::abs(ratio - 1.0) < 0.035);
  // Copy k of image i is image i shifted by tile_shift(k), pixels off the grid dropped.
  std::int64_t const s = 32;
  std::int64_t differing = 0;
  std::int64_t inked = 0;
  for (std::int64_t i = 0; i < 10000; ++i) {
    auto const base = row_of(img, i);
    inked += base.empty() ? 0 : 1;
    std::set<std::vector<std::int32_t>> copies;
    for (std::int64_t k = 0; k < 6; ++k) {
      auto const sh = data::tile_shift(k);
      std::vector<std::int32_t> expect;
      for (auto const p : base) {
        std::int64_t const r = p % s + sh.dy;
        std::int64_t const c = p / s + sh.dx;
        if (r >= 0 && r < s && c >= 0 && c < s) {
          expect.push_back(static_cast<std::int32_t>(r + s * c));
        }
      }
      auto const copy = row_of(img, i + 10000 * k);
      if (copy != expect) {
        FAIL("image " << i << " copy " << k << " is not the shifted source");
      }
      copies.insert(copy);
    }
    differing += copies.size() == 6 ? 1 : 0;
  }
  CHECK(differing == inked);  // the six copies of every non-empty image are distinct
}

// --- synthetic ----------------------------------------------------------------------------------

TEST_CASE("images: synthetic density, border, numbering, variety", "[data][images][synthetic]") {
  for (std::int64_t const n : {1024, 4096}) {
    for (std::uint64_t const seed : {1u, 2u, 99u}) {
      INFO("N = " << n << ", seed " << seed);
      std::int64_t const count = n == 1024 ? 2000 : 500;
      auto const img = data::synthetic_sdgc_images(n, count, seed);
      REQUIRE_NOTHROW(img.validate());
      REQUIRE(img.rows == count);
      REQUIRE(img.cols == n);
      double const density = double(img.nnz()) / double(count * n);
      INFO("density " << density);
      CHECK(density >= 0.08);
      CHECK(density <= 0.12);
      CHECK(std::all_of(img.values.begin(), img.values.end(), [](float v) { return v == 1.0f; }));
      std::int64_t const s = data::image_side(n);
      bool border = false;
      double sum_r = 0;
      double sum_c = 0;
      std::vector<double> counts;
      std::set<std::vector<std::int32_t>> distinct;
      for (std::int64_t i = 0; i < count; ++i) {
        for (auto const p : img.row_indices(i)) {
          std::int64_t const r = p % s;
          std::int64_t const c = p / s;
          border = border || r == 0 || c == 0 || r == s - 1 || c == s - 1;
          sum_r += double(r);
          sum_c += double(c);
        }
        counts.push_back(double(img.row_indices(i).size()));
        distinct.insert(row_of(img, i));
      }
      CHECK_FALSE(border);
      // A central blob: the mean pixel lies near the middle of the grid.
      CHECK(std::abs(sum_r / double(img.nnz()) - double(s - 1) / 2) < 0.05 * double(s));
      CHECK(std::abs(sum_c / double(img.nnz()) - double(s - 1) / 2) < 0.05 * double(s));
      // Variety like MNIST: pixel counts spread (coefficient of variation ~0.4), all distinct.
      double mean = 0;
      for (auto const c : counts) {
        mean += c / double(count);
      }
      double var = 0;
      for (auto const c : counts) {
        var += (c - mean) * (c - mean) / double(count);
      }
      CHECK(std::sqrt(var) / mean > 0.25);
      CHECK(std::sqrt(var) / mean < 0.6);
      CHECK(distinct.size() == static_cast<std::size_t>(count));
    }
  }
  auto const dense = data::synthetic_sdgc_images(1024, 500, 4, 0.2);
  CHECK(std::abs(double(dense.nnz()) / (500.0 * 1024.0) - 0.2) < 0.03);
}

TEST_CASE("images: synthetic determinism", "[data][images][synthetic]") {
  auto const a = data::synthetic_sdgc_images(1024, 300, 5, 0.10, 2);
  CHECK(data::synthetic_sdgc_images(1024, 300, 5, 0.10, 1) == a);  // threads do not matter
  CHECK_FALSE(data::synthetic_sdgc_images(1024, 300, 6) == a);
  // Image i depends on (seed, i) only: a shorter set is a prefix.
  auto const b = data::synthetic_sdgc_images(1024, 17, 5);
  CHECK(std::equal(b.row_offsets.begin(), b.row_offsets.end(), a.row_offsets.begin()));
  CHECK(std::equal(b.col_indices.begin(), b.col_indices.end(), a.col_indices.begin()));
  CHECK(data::synthetic_sdgc_images(1024, 0, 5).rows == 0);
}

TEST_CASE("images: synthetic shapes and option checks", "[data][images][synthetic]") {
  // Non-square N (16 * 2^K, K odd) use an H x W grid: 2048 = 32 x 64.
  auto const img = data::synthetic_sdgc_images(2048, 200, 1);
  REQUIRE_NOTHROW(img.validate());
  CHECK(std::abs(double(img.nnz()) / (200.0 * 2048.0) - 0.10) < 0.02);
  CHECK_NOTHROW(data::synthetic_sdgc_images(32, 10, 1));
  SNICIT_REQUIRE_THROWS_WITH_SUBSTR(
      data::synthetic_sdgc_images(1009, 1, 1), snicit::LogicError, "1009");  // prime
  CHECK_THROWS_AS(data::synthetic_sdgc_images(8, 1, 1), snicit::LogicError);
  CHECK_THROWS_AS(data::synthetic_sdgc_images(1024, -1, 1), snicit::LogicError);
  CHECK_THROWS_AS(data::synthetic_sdgc_images(1024, 1, 1, 0.0), snicit::LogicError);
  CHECK_THROWS_AS(data::synthetic_sdgc_images(1024, 1, 1, 0.5), snicit::LogicError);
}

TEST_CASE("images: synthetic inputs survive a generated 1024 x 120 network like SDGC inputs",
          "[data][images][synthetic][network]") {
  auto const net = data::generate_sdgc_network({.neurons = 1024, .layers = 120, .seed = 1});
  for (std::uint64_t const seed : {2u, 3u}) {
    auto const img = data::synthetic_sdgc_images(1024, 400, seed);
    auto const alive = survivors(net, img);
    auto const n = std::count(alive.begin(), alive.end(), true);
    double const fraction = double(n) / 400.0;
    INFO("seed " << seed << ": " << n << " of 400 images survive 120 layers");
    // The official inputs: ~3%; the synthetic ones land near 4-5% at N = 1024.
    CHECK(fraction >= 0.01);
    CHECK(fraction <= 0.10);
  }
}

TEST_CASE("images: MNIST-derived inputs survive a generated 1024 x 120 network",
          "[data][images][real][network]") {
  auto const mnist = load_t10k();
  if (!mnist) {
    return;
  }
  auto const net = data::generate_sdgc_network({.neurons = 1024, .layers = 120, .seed = 1});
  auto const img = data::sdgc_images_from_mnist(*mnist, {.neurons = 1024, .count = 2000});
  auto const alive = survivors(net, img);
  double const fraction = double(std::count(alive.begin(), alive.end(), true)) / 2000.0;
  INFO("survivor fraction " << fraction);
  CHECK(fraction >= 0.01);
  CHECK(fraction <= 0.06);
}
