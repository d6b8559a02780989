// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// The hand-made fixtures in tests/io/data (also used by the snicit-convert tests) read as
// intended.

#include <snicit/io/io.hpp>

#include "io_test_util.hpp"

#include <catch.hpp>
#include <cstdint>
#include <vector>

namespace io = snicit::io;
using snicit::test::fixture_dir;
using snicit::test::require_io_error;

TEST_CASE("tests/io/data fixtures", "[io][fixtures]") {
  auto const dir = fixture_dir();
  auto const net = io::read_sdgc_network(dir, 4, 2);
  CHECK(net.num_layers() == 2);
  CHECK(net.total_nnz() == 8);
  net.validate();

  auto const img = io::read_sdgc_images(dir / "images-n4.tsv", 4);
  CHECK(img.rows == 3);
  CHECK(img.nnz() == 5);
  require_io_error([&] { (void)io::read_sdgc_images(dir / "images-n4-bad.tsv", 4); },
                   dir / "images-n4-bad.tsv",
                   3,
                   "pixel index 9 out of range 1..4 (N = 4)");

  auto const b = io::read_beyond_network(dir / "beyond-tiny");
  REQUIRE(b.input.has_value());
  CHECK(b.input->weights.rows == 3);
  CHECK(b.input->weights.cols == 2);
  CHECK(b.hidden.num_layers() == 2);
  CHECK(b.output.weights.rows == 2);
  CHECK(b.output.weights.cols == 3);
  CHECK(b.output.bias == std::vector<float>{0.01f, 0.02f, 0.03f});
}
