// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit::io on the shared real data ($SNICIT_DATA_DIR, default ../shared/data): official SDGC
// layers, the t10k sparse images and categories, network A, MNIST t10k, and round trips through
// the binary format and the TSV writers. Each test warns and skips when its data is absent.

#include <snicit/io/io.hpp>

#include "io_test_util.hpp"

#include <algorithm>
#include <catch.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace io = snicit::io;
using snicit::test::data_dir;
using snicit::test::read_file;
using snicit::test::require_io_error;
using snicit::test::TempDir;

TEST_CASE("official SDGC layers 1-6 (N = 1024)", "[io][data]") {
  auto const dir = data_dir() / "sdgc" / "neuron1024";
  SNICIT_REQUIRE_DATA(dir / "n1024-l6.tsv");
  auto const net = io::read_sdgc_network(dir, 1024, 6);
  REQUIRE(net.num_layers() == 6);
  net.validate();
  for (auto const& layer : net.layers) {
    auto const& w = layer.weights;
    CHECK(w.rows == 1024);
    CHECK(w.cols == 1024);
    CHECK(w.nnz() == 32 * 1024);
    std::vector<int> per_col(1024, 0);
    bool rows_ok = true;
    for (std::int64_t r = 0; r < w.rows; ++r) {
      rows_ok = rows_ok && w.row_indices(r).size() == 32;
      for (auto c : w.row_indices(r)) {
        ++per_col[static_cast<std::size_t>(c)];
      }
    }
    CHECK(rows_ok);
    CHECK(std::all_of(per_col.begin(), per_col.end(), [](int n) { return n == 32; }));
    CHECK(w.has_uniform_values());
    CHECK(w.values.front() == 0.0625f);
    CHECK(layer.bias == std::vector<float>{-0.3f});
  }
  CHECK(net.activation_cap == 32.0f);

  TempDir tmp;
  SECTION("binary round trip") {
    io::save_network(tmp / "net.snb", net);
    CHECK(io::load_network(tmp / "net.snb") == net);
    // One value per uniform layer: the file is about the size of the indices and offsets.
    CHECK(std::filesystem::file_size(tmp / "net.snb") < 6 * (32 * 1024 * 4 + 1025 * 8 + 256));
  }
  SECTION("write_sdgc_layer reproduces the official file byte for byte") {
    io::write_sdgc_layer(tmp / "l1.tsv", net.layers[0].weights);
    CHECK(io::read_sdgc_layer(tmp / "l1.tsv", 1024) == net.layers[0].weights);
    CHECK(read_file(tmp / "l1.tsv") == read_file(dir / "n1024-l1.tsv"));
    io::write_sdgc_layer(tmp / "l2.tsv.gz", net.layers[1].weights);
    CHECK(io::read_sdgc_layer(tmp / "l2.tsv.gz", 1024) == net.layers[1].weights);
  }
  SECTION("a seventh layer is missing") {
    require_io_error([&] { (void)io::read_sdgc_network(dir, 1024, 7); },
                     dir / "n1024-l7.tsv",
                     0,
                     "missing layer file 7 of 7");
  }
  SECTION("thread counts agree") {
    CHECK(io::read_sdgc_layer(dir / "n1024-l3.tsv", 1024, {1}) == net.layers[2].weights);
    CHECK(io::read_sdgc_layer(dir / "n1024-l3.tsv", 1024, {2}) == net.layers[2].weights);
  }
}

TEST_CASE("t10k sparse images and categories (N = 1024)", "[io][data]") {
  auto const images = data_dir() / "sdgc" / "sparse-images-1024-t10k.tsv.gz";
  auto const cats = data_dir() / "sdgc" / "neuron1024-l6-t10k-categories.tsv";
  SNICIT_REQUIRE_DATA(images);
  SNICIT_REQUIRE_DATA(cats);
  auto const img = io::read_sdgc_images(images, 1024);
  CHECK(img.rows == 10000);
  CHECK(img.cols == 1024);
  CHECK(img.nnz() == 1029682);
  CHECK(img.has_uniform_values());
  CHECK(img.values.front() == 1.0f);
  img.validate();
  CHECK(io::read_sdgc_images(images, 1024, 10000, {1}) == img);

  auto const c = io::read_categories(cats);
  CHECK(c.size() == 651);
  CHECK(std::is_sorted(c.begin(), c.end()));
  CHECK(c.front() == 25);  // the file's first line is 26

  TempDir tmp;
  io::save_matrix(tmp / "img.snb", img);
  CHECK(io::load_csr(tmp / "img.snb") == img);
  io::write_sdgc_images(tmp / "img.tsv.gz", img);
  CHECK(io::read_sdgc_images(tmp / "img.tsv.gz", 1024) == img);
  io::write_categories(tmp / "cat.tsv", c);
  CHECK(read_file(tmp / "cat.tsv") == read_file(cats));
}

TEST_CASE("network A (beyond n128-l18)", "[io][data]") {
  auto const dir = data_dir() / "beyond" / "n128-l18";
  SNICIT_REQUIRE_DATA(dir / "weights" / "l20-dense.tsv");
  auto const net = io::read_beyond_network(dir);
  REQUIRE(net.input.has_value());
  CHECK(net.input->weights.rows == 784);
  CHECK(net.input->weights.cols == 128);
  CHECK(net.input->bias.size() == 128);
  REQUIRE(net.hidden.num_layers() == 18);
  for (auto const& l : net.hidden.layers) {
    CHECK(l.weights.rows == 128);
    CHECK(l.weights.cols == 128);
    CHECK(l.weights.nnz() == 9830);
    CHECK(l.bias.size() == 128);
  }
  net.hidden.validate();
  CHECK(net.hidden.activation_cap == 1.0f);
  CHECK(net.output.weights.rows == 128);
  CHECK(net.output.weights.cols == 10);
  CHECK(net.output.bias.size() == 10);
  // The first lines of l1-dense.tsv and l2-sparse.tsv.
  CHECK(net.input->weights(0, 0) == 0.00042561732698231936f);
  CHECK(net.hidden.layers[0].weights.col_indices[0] == 1);
  CHECK(net.hidden.layers[0].weights.values[0] == -0.06525804847478867f);

  TempDir tmp;
  io::save_classifier(tmp / "a.snb", net);
  CHECK(io::load_classifier(tmp / "a.snb") == net);
  CHECK(io::read_beyond_network(dir, {1}) == net);
}

TEST_CASE("MNIST t10k", "[io][data]") {
  auto const images = data_dir() / "mnist" / "t10k-images-idx3-ubyte.gz";
  auto const labels = data_dir() / "mnist" / "t10k-labels-idx1-ubyte.gz";
  SNICIT_REQUIRE_DATA(images);
  SNICIT_REQUIRE_DATA(labels);
  auto const m = io::read_mnist_images(images);
  CHECK(m.count == 10000);
  CHECK(m.rows == 28);
  CHECK(m.cols == 28);
  CHECK(m.pixels.size() == 7840000);
  auto const l = io::read_mnist_labels(labels);
  REQUIRE(l.size() == 10000);
  CHECK(l[0] == 7);
  CHECK(std::all_of(l.begin(), l.end(), [](std::uint8_t v) { return v < 10; }));
  auto const d = io::mnist_to_dense(m);
  CHECK(d.rows == 10000);
  CHECK(d.cols == 784);
  TempDir tmp;
  io::save_matrix(tmp / "mnist.snb", d);
  CHECK(io::load_dense(tmp / "mnist.snb") == d);
}
