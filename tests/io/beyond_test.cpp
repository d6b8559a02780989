// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit::io beyond network reader on tiny hand-made networks: layout discovery, the CIFAR
// variant without dense input layer, and every error case.

#include <snicit/io/beyond.hpp>

#include "io_test_util.hpp"

#include <catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

namespace io = snicit::io;
using snicit::test::require_io_error;
using snicit::test::TempDir;
using snicit::test::write_file;
using snicit::test::write_gz;

namespace {

std::string lines(std::vector<float> const& v) {
  std::string s;
  for (float x : v) {
    s += std::to_string(x) + "\n";
  }
  return s;
}

/// 3 inputs -> 4 hidden (2 sparse layers) -> 2 classes; `with_input` false gives the CIFAR
/// layout (l1-sparse, l2-sparse, l3-dense).
std::filesystem::path make_net(TempDir const& tmp, bool with_input) {
  auto const dir = tmp / (with_input ? "net" : "cifar");
  auto const w = dir / "weights";
  auto const b = dir / "biases";
  int k = 1;
  if (with_input) {
    std::vector<float> in(12);
    for (int i = 0; i < 12; ++i) {
      in[static_cast<std::size_t>(i)] = 0.25f * static_cast<float>(i);
    }
    write_file(w / "l1-dense.tsv", lines(in));
    write_file(b / "l1-dense.tsv", lines({0.5f, -0.5f, 0.25f, 0.0f}));
    k = 2;
  }
  write_file(w / ("l" + std::to_string(k) + "-sparse.tsv"),
             "0\t1\t0.5\n0\t3\t-0.25\n1\t0\t1.5\n3\t3\t2\n");
  write_file(b / ("l" + std::to_string(k) + "-sparse.tsv"), lines({0.1f, 0.2f, 0.3f, 0.4f}));
  write_gz(w / ("l" + std::to_string(k + 1) + "-sparse.tsv.gz"), "2 2 1\n1 0 -1\n");
  write_file(b / ("l" + std::to_string(k + 1) + "-sparse.tsv"), lines({0, 0, 0, 0}));
  write_file(w / ("l" + std::to_string(k + 2) + "-dense.tsv"), lines({1, 2, 3, 4, 5, 6, 7, 8}));
  write_file(b / ("l" + std::to_string(k + 2) + "-dense.tsv"), lines({-1, 1}));
  write_file(w / "l2-sparse-nontrans.tsv", "not read\n");  // ignored like the reference does
  return dir;
}

}  // namespace

TEST_CASE("read_beyond_network reads the MNIST layout", "[io][beyond]") {
  TempDir tmp;
  auto const dir = make_net(tmp, true);
  for (int threads : {1, 3}) {
    auto const net = io::read_beyond_network(dir, {threads});
    REQUIRE(net.input.has_value());
    CHECK(net.input->weights.rows == 3);
    CHECK(net.input->weights.cols == 4);
    CHECK(net.input->weights(2, 1) == 0.25f * 9);
    CHECK(net.input->bias == std::vector<float>{0.5f, -0.5f, 0.25f, 0.0f});
    REQUIRE(net.hidden.num_layers() == 2);
    CHECK(net.hidden.activation_cap == 1.0f);
    auto const& w0 = net.hidden.layers[0].weights;
    CHECK(w0.rows == 4);
    CHECK(w0.cols == 4);
    CHECK(w0.row_offsets == std::vector<std::int64_t>{0, 2, 3, 3, 4});
    CHECK(w0.col_indices == std::vector<std::int32_t>{1, 3, 0, 3});
    CHECK(w0.values == std::vector<float>{0.5f, -0.25f, 1.5f, 2.0f});
    CHECK(net.hidden.layers[0].bias.size() == 4);
    CHECK(net.hidden.layers[1].weights.nnz() == 2);
    CHECK(net.output.weights.rows == 4);
    CHECK(net.output.weights.cols == 2);
    CHECK(net.output.weights(3, 1) == 8.0f);
    CHECK(net.output.bias == std::vector<float>{-1, 1});
    net.hidden.validate();
  }
}

TEST_CASE("read_beyond_network reads the CIFAR layout without dense input", "[io][beyond]") {
  TempDir tmp;
  auto const net = io::read_beyond_network(make_net(tmp, false));
  CHECK_FALSE(net.input.has_value());
  CHECK(net.hidden.num_layers() == 2);
  CHECK(net.hidden.input_size() == 4);
  CHECK(net.output.weights.cols == 2);
}

TEST_CASE("read_beyond_network errors name the file and line", "[io][beyond][errors]") {
  TempDir tmp;
  auto const dir = make_net(tmp, true);
  auto const w = dir / "weights";
  auto const b = dir / "biases";
  auto read = [&] { (void)io::read_beyond_network(dir); };
  SECTION("missing directory") {
    require_io_error(
        [&] { (void)io::read_beyond_network(tmp / "nope"); }, tmp / "nope", 0, "no such directory");
  }
  SECTION("missing biases folder") {
    std::filesystem::remove_all(b);
    require_io_error(read, b, 0, "missing folder");
  }
  SECTION("missing bias file") {
    std::filesystem::remove(b / "l3-sparse.tsv");
    require_io_error(read, b / "l3-sparse.tsv.gz", 0, "missing bias file for l3-sparse.tsv.gz");
  }
  SECTION("a gap in the layer numbers") {
    std::filesystem::remove(w / "l3-sparse.tsv.gz");
    require_io_error(read, w / "l3-sparse.tsv", 0, "missing layer file");
  }
  SECTION("the last layer is not dense") {
    write_file(w / "l5-sparse.tsv", "0 0 1\n");
    write_file(b / "l5-sparse.tsv", "1\n");
    require_io_error(read, w / "l5-sparse.tsv", 0, "the last layer must be dense");
  }
  SECTION("a layer given twice") {
    write_file(w / "l2-dense.tsv", "1\n");
    require_io_error(read, w / "l2-sparse.tsv", 0, "layer 2 is given twice");
  }
  SECTION("dense input count not a multiple of N") {
    write_file(w / "l1-dense.tsv", lines({1, 2, 3, 4, 5, 6}));
    require_io_error(
        read, w / "l1-dense.tsv", 5, "found 6 values, not a multiple of the hidden size");
  }
  SECTION("dense output with too many values") {
    write_file(w / "l4-dense.tsv", lines({1, 2, 3, 4, 5, 6, 7, 8, 9}));
    require_io_error(read, w / "l4-dense.tsv", 9, "expected 8 values (N x classes = 4 x 2");
  }
  SECTION("dense output with too few values") {
    write_file(w / "l4-dense.tsv", lines({1, 2, 3, 4, 5, 6, 7}));
    require_io_error(read, w / "l4-dense.tsv", 8, "expected 8 values");
  }
  SECTION("hidden bias with the wrong length") {
    write_file(b / "l3-sparse.tsv", lines({0, 0, 0}));
    require_io_error(read, b / "l3-sparse.tsv", 4, "expected 4 values (one per hidden neuron");
  }
  SECTION("input bias with the wrong length") {
    write_file(b / "l1-dense.tsv", lines({0, 0, 0, 0, 0}));
    require_io_error(read, b / "l1-dense.tsv", 5, "expected 4 values");
  }
  SECTION("sparse index >= N") {
    write_file(w / "l2-sparse.tsv", "0\t1\t0.5\n0\t4\t1\n");
    require_io_error(read, w / "l2-sparse.tsv", 2, "column index 4 out of range 0..3");
  }
  SECTION("negative sparse index") {
    write_file(w / "l2-sparse.tsv", "0\t1\t0.5\n\n-1\t2\t1\n");
    require_io_error(read, w / "l2-sparse.tsv", 3, "row index -1 out of range 0..3");
  }
  SECTION("duplicate sparse entry") {
    write_file(w / "l2-sparse.tsv", "0\t1\t0.5\n0\t1\t1\n");
    require_io_error(read, w / "l2-sparse.tsv", 2, "duplicate entry (row 0, column 1)");
  }
  SECTION("malformed dense value") {
    write_file(w / "l4-dense.tsv", "1\n2\n3\nfour\n");
    require_io_error(read, w / "l4-dense.tsv", 4, "value is not a number: 'four'");
  }
  SECTION("NaN in a bias") {
    write_file(b / "l4-dense.tsv", "1\nnan\n");
    require_io_error(read, b / "l4-dense.tsv", 2, "value is not finite");
  }
  SECTION("empty weight file") {
    write_file(w / "l2-sparse.tsv", "");
    require_io_error(read, w / "l2-sparse.tsv", 0, "empty file");
  }
}
