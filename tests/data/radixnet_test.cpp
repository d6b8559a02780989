// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit::data RadiX-Net generator: the official block-0 files, structure (32 per row and
// column), seeds, permutations, files round trip, option checks and speed.
#include <snicit/data/radixnet.hpp>
#include <snicit/io/sdgc.hpp>

#include "catch.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <string>
#include <system_error>
#include <test_data.hpp>
#include <vector>

namespace {

namespace fs = std::filesystem;
using snicit::CsrMatrix;
namespace data = snicit::data;

using snicit::test::data_dir;

/// A fresh folder under the temp dir, removed with its content on destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("snicit-data-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  TempDir(TempDir const&) = delete;
  TempDir& operator=(TempDir const&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] fs::path const& path() const noexcept {
    return path_;
  }

 private:
  fs::path path_;
};

/// Every row and every column holds exactly 32 entries of 1/16; CSR invariants hold.
void check_radixnet_structure(CsrMatrix<float> const& w, std::int64_t n) {
  REQUIRE(w.rows == n);
  REQUIRE(w.cols == n);
  REQUIRE_NOTHROW(w.validate());
  REQUIRE(w.nnz() == 32 * n);
  std::vector<std::int64_t> col_count(static_cast<std::size_t>(n), 0);
  bool rows_ok = true;
  for (std::int64_t r = 0; r < n; ++r) {
    rows_ok = rows_ok && w.row_indices(r).size() == 32;
    for (auto const c : w.row_indices(r)) {
      ++col_count[static_cast<std::size_t>(c)];
    }
  }
  CHECK(rows_ok);
  CHECK(std::all_of(col_count.begin(), col_count.end(), [](std::int64_t c) { return c == 32; }));
  CHECK(std::all_of(w.values.begin(), w.values.end(), [](float v) { return v == 0.0625f; }));
}

}  // namespace

TEST_CASE("radixnet: block 0 reproduces the official N=1024 layers 1..6",
          "[data][radixnet][real]") {
  auto const dir = data_dir() / "sdgc" / "neuron1024";
  if (!fs::exists(dir / "n1024-l1.tsv")) {
    WARN("shared data not found: " << dir.string()
                                   << " is missing; set SNICIT_DATA_DIR to the folder holding "
                                      "sdgc/neuron1024 (official layers NOT checked)");
    return;
  }
  auto const net = data::generate_sdgc_network({.neurons = 1024, .layers = 6, .seed = 1});
  REQUIRE(net.num_layers() == 6);
  for (std::int64_t k = 1; k <= 6; ++k) {
    INFO("layer " << k);
    auto const official =
        snicit::io::read_sdgc_layer(dir / ("n1024-l" + std::to_string(k) + ".tsv"), 1024);
    CHECK(data::radixnet_layer(1024, k, 1) == official);
    CHECK(data::radixnet_layer(1024, k, 987654321) == official);  // block 0 ignores the seed
    CHECK(net.layers[static_cast<std::size_t>(k - 1)].weights == official);
  }
}

TEST_CASE("radixnet: base layer rule on a small N", "[data][radixnet]") {
  // N = 64: M = 4, K = 2. Layer 2 (d = 2): input i -> a*4 + (i mod 4) and a*4 + ((i - 2) mod 4).
  auto const w = data::radixnet_layer(64, 2, 1);
  check_radixnet_structure(w, 64);
  for (std::int64_t i = 0; i < 64; ++i) {
    std::vector<std::int32_t> expect;
    for (std::int64_t a = 0; a < 16; ++a) {
      expect.push_back(static_cast<std::int32_t>(a * 4 + i % 4));
      expect.push_back(static_cast<std::int32_t>(a * 4 + (i - 2 + 4) % 4));
    }
    std::sort(expect.begin(), expect.end());
    auto const got = w.row_indices(i);
    CHECK(std::vector<std::int32_t>(got.begin(), got.end()) == expect);
  }
}

TEST_CASE("radixnet: 32 entries per row and per column in every layer and block",
          "[data][radixnet]") {
  struct Case {
    std::int64_t n;
    std::vector<std::int64_t> layers;
  };
  // K = 1, 2, 6, 8: first and last layer of several blocks.
  std::vector<Case> const cases = {{32, {1, 2, 3, 4, 5, 17}},
                                   {64, {1, 2, 3, 4, 5, 6, 40}},
                                   {1024, {1, 6, 7, 12, 13, 60, 120, 1920}},
                                   {4096, {1, 8, 9, 16, 17, 480}}};
  for (auto const& c : cases) {
    for (auto const l : c.layers) {
      INFO("N = " << c.n << ", layer " << l);
      check_radixnet_structure(data::radixnet_layer(c.n, l, 7), c.n);
    }
  }
}

TEST_CASE("radixnet: later blocks permute the input rows of the base layers", "[data][radixnet]") {
  std::int64_t const n = 1024;  // K = 6
  for (std::int64_t const block : {1, 2, 19}) {
    auto const perm = data::block_permutation(n, block, 5);
    for (std::int64_t k = 1; k <= 6; ++k) {
      INFO("block " << block << ", base layer " << k);
      auto const base = data::radixnet_layer(n, k, 5);
      auto const layer = data::radixnet_layer(n, block * 6 + k, 5);
      bool same = true;
      for (std::int64_t i = 0; i < n; ++i) {
        auto const a = layer.row_indices(i);
        auto const b = base.row_indices(perm[static_cast<std::size_t>(i)]);
        same = same && std::equal(a.begin(), a.end(), b.begin(), b.end());
      }
      CHECK(same);
      CHECK_FALSE(layer == base);
    }
  }
}

TEST_CASE("radixnet: block permutations", "[data][radixnet]") {
  for (std::int64_t const n : {1, 2, 32, 1000, 4096}) {
    std::vector<std::int32_t> identity(static_cast<std::size_t>(n));
    std::iota(identity.begin(), identity.end(), 0);
    CHECK(data::block_permutation(n, 0, 3) == identity);
    for (std::int64_t const b : {1, 2, 3, 100}) {
      INFO("N = " << n << ", block " << b);
      auto const p = data::block_permutation(n, b, 3);
      auto sorted = p;
      std::sort(sorted.begin(), sorted.end());
      CHECK(sorted == identity);
      CHECK(data::block_permutation(n, b, 3) == p);
      if (n >= 32) {
        CHECK(p != identity);
        CHECK(data::block_permutation(n, b, 4) != p);
        CHECK(data::block_permutation(n, b + 1, 3) != p);
      }
    }
  }
  CHECK_THROWS_AS(data::block_permutation(0, 1, 1), snicit::LogicError);
  CHECK_THROWS_AS(data::block_permutation(32, -1, 1), snicit::LogicError);
}

TEST_CASE("radixnet: seeds and threads", "[data][radixnet]") {
  data::RadixNetOptions o{.neurons = 256, .layers = 40, .seed = 11, .threads = 2};  // K = 4
  auto const a = data::generate_sdgc_network(o);
  REQUIRE_NOTHROW(a.validate());
  REQUIRE(a.num_layers() == 40);
  CHECK(a.activation_cap == snicit::sdgc_activation_cap);
  for (auto const& l : a.layers) {
    REQUIRE(l.bias.size() == 1);
    CHECK(l.bias[0] == snicit::sdgc_bias(256));
  }
  o.threads = 1;
  CHECK(data::generate_sdgc_network(o) == a);  // same seed -> identical, whatever the threads
  for (std::int64_t l = 1; l <= 40; l += 13) {
    CHECK(data::radixnet_layer(256, l, 11) == a.layers[static_cast<std::size_t>(l - 1)].weights);
  }
  o.seed = 12;
  auto const b = data::generate_sdgc_network(o);
  for (std::size_t l = 0; l < 40; ++l) {
    INFO("layer " << l + 1);
    if (l < 4) {
      CHECK(a.layers[l] == b.layers[l]);  // block 0 never depends on the seed
    } else {
      CHECK_FALSE(a.layers[l] == b.layers[l]);
    }
  }
  // A shorter network is a prefix of a longer one.
  o.layers = 7;
  auto const c = data::generate_sdgc_network(o);
  CHECK(std::equal(c.layers.begin(), c.layers.end(), b.layers.begin()));
}

TEST_CASE("radixnet: files written and read back equal the network", "[data][radixnet][io]") {
  TempDir tmp;
  for (bool const gz : {false, true}) {
    INFO("gzip " << gz);
    data::RadixNetOptions const o{.neurons = 64, .layers = 13, .seed = 3, .threads = 2};
    auto const dir = tmp.path() / (gz ? "gz" : "plain");
    data::write_sdgc_network(dir, o, gz);
    for (std::int64_t k = 1; k <= o.layers; ++k) {
      auto const name = "n64-l" + std::to_string(k) + (gz ? ".tsv.gz" : ".tsv");
      CHECK(fs::is_regular_file(dir / name));
    }
    CHECK_FALSE(fs::exists(dir / (gz ? "n64-l14.tsv.gz" : "n64-l14.tsv")));
    auto const back = snicit::io::read_sdgc_network(dir, o.neurons, o.layers);
    CHECK(back == data::generate_sdgc_network(o));
  }
  // N = 1024, two blocks, in the official text form.
  data::RadixNetOptions const o{.neurons = 1024, .layers = 8, .seed = 9};
  data::write_sdgc_network(tmp.path() / "n1024", o);
  CHECK(snicit::io::read_sdgc_network(tmp.path() / "n1024", 1024, 8) ==
        data::generate_sdgc_network(o));
}

TEST_CASE("radixnet: invalid options are rejected with the value named", "[data][radixnet]") {
  for (std::int64_t const n : {1000, 16, 0, -32, 48, 96, 8}) {
    INFO("N = " << n);
    SNICIT_REQUIRE_THROWS_WITH_SUBSTR(
        data::validate({.neurons = n}), snicit::LogicError, "got " + std::to_string(n));
    CHECK_THROWS_AS(data::radixnet_layer(n, 1, 1), snicit::LogicError);
    CHECK_THROWS_AS((void)data::generate_sdgc_network({.neurons = n, .layers = 1}),
                    snicit::LogicError);
  }
  SNICIT_REQUIRE_THROWS_WITH_SUBSTR(
      data::validate({.neurons = 1024, .layers = 0}), snicit::LogicError, "got 0");
  CHECK_THROWS_AS(data::radixnet_layer(1024, 0, 1), snicit::LogicError);
  CHECK_NOTHROW(data::validate({.neurons = 32, .layers = 1}));
  CHECK_NOTHROW(data::validate({.neurons = 65536, .layers = 1920}));
  CHECK(data::radixnet_block_layers(1024) == 6);
  CHECK(data::radixnet_block_layers(65536) == 12);
  TempDir tmp;
  CHECK_THROWS_AS(data::write_sdgc_network(tmp.path(), {.neurons = 1000}), snicit::LogicError);
}

TEST_CASE("radixnet: 1024 x 120 generates well under a second", "[data][radixnet][perf]") {
  auto const t0 = std::chrono::steady_clock::now();
  auto const net = data::generate_sdgc_network({.neurons = 1024, .layers = 120});
  double const s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO("generate 1024 x 120: " << s << " s");
  CHECK(net.total_nnz() == 32 * 1024 * 120);
#if defined(NDEBUG)
  CHECK(s < 1.0);
#else
  WARN("debug build: generate 1024 x 120 took " << s << " s (limit not checked)");
#endif
}
