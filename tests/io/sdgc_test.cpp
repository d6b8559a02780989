// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit::io SDGC TSV readers and writers on small hand-written files: accepted variants, every
// error case (file and line in the message), writers' exact output, atomic writes.

#include <snicit/io/sdgc.hpp>

#include "io_test_util.hpp"

#include <algorithm>
#include <catch.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace io = snicit::io;
using snicit::CsrMatrix;
using snicit::IoError;
using snicit::test::read_file;
using snicit::test::require_io_error;
using snicit::test::TempDir;
using snicit::test::write_file;
using snicit::test::write_gz;

namespace {

/// The 4x4 layer used below: (row, col, value) 0-based.
CsrMatrix<float> small_layer() {
  CsrMatrix<float> m;
  m.rows = 4;
  m.cols = 4;
  m.row_offsets = {0, 2, 3, 3, 5};
  m.col_indices = {0, 3, 1, 0, 2};
  m.values = {0.0625f, 0.5f, -2.0f, 0.0625f, 1.0f};
  return m;
}

std::string const small_layer_text =
    "4\t3\t1\n"  // unordered lines, various spellings of the numbers
    "1\t1\t6.250000e-02\n"
    "2\t2\t-2\n"
    "1 4    0.5\n"
    "4\t1\t0.0625\n";

}  // namespace

TEST_CASE("read_sdgc_layer reads any line order and separator", "[io][sdgc]") {
  TempDir tmp;
  auto const f = write_file(tmp / "l.tsv", small_layer_text);
  auto const m = io::read_sdgc_layer(f, 4);
  CHECK(m == small_layer());
  m.validate();
  for (int threads : {1, 2, 3}) {
    CHECK(io::read_sdgc_layer(f, 4, {threads}) == small_layer());
  }
}

TEST_CASE("read_sdgc_layer accepts CRLF, blank and trailing lines, no final newline",
          "[io][sdgc]") {
  TempDir tmp;
  SECTION("CRLF") {
    auto const f = write_file(
        tmp / "l.tsv", "4\t3\t1\r\n1\t1\t0.0625\r\n2\t2\t-2\r\n1\t4\t0.5\r\n4\t1\t0.0625\r\n");
    CHECK(io::read_sdgc_layer(f, 4) == small_layer());
  }
  SECTION("blank lines and spaces") {
    auto const f =
        write_file(tmp / "l.tsv",
                   "  4\t3\t1  \n\n1\t1\t0.0625\n \t \n2\t2\t-2\n1\t4\t0.5\n4\t1\t0.0625\n\n\n");
    CHECK(io::read_sdgc_layer(f, 4) == small_layer());
  }
  SECTION("no newline at the end") {
    auto const f =
        write_file(tmp / "l.tsv", small_layer_text.substr(0, small_layer_text.size() - 1));
    CHECK(io::read_sdgc_layer(f, 4) == small_layer());
  }
}

TEST_CASE("read_sdgc_layer detects gzip by content", "[io][sdgc]") {
  TempDir tmp;
  CHECK(io::read_sdgc_layer(write_gz(tmp / "l.tsv.gz", small_layer_text), 4) == small_layer());
  CHECK(io::read_sdgc_layer(write_gz(tmp / "named-plain.tsv", small_layer_text), 4) ==
        small_layer());
  SECTION("multi-member gzip (as written by our parallel writer or cat a.gz b.gz)") {
    auto const half = small_layer_text.size() / 2;
    auto const a = io::detail::gzip_member(small_layer_text.data(), half);
    auto const b =
        io::detail::gzip_member(small_layer_text.data() + half, small_layer_text.size() - half);
    CHECK(io::read_sdgc_layer(write_file(tmp / "m.tsv.gz", a + b), 4) == small_layer());
  }
}

TEST_CASE("read_sdgc_layer errors name the file and the line", "[io][sdgc][errors]") {
  TempDir tmp;
  auto const f = tmp / "bad.tsv";
  auto read = [&] { (void)io::read_sdgc_layer(f, 4); };
  SECTION("missing file") {
    require_io_error(read, f, 0, "no such file");
  }
  SECTION("a directory") {
    std::filesystem::create_directories(f);
    require_io_error(read, f, 0, "is a directory");
  }
  SECTION("empty file") {
    write_file(f, "");
    require_io_error(read, f, 0, "empty file");
  }
  SECTION("only blank lines") {
    write_file(f, "\n\n  \n");
    require_io_error(read, f, 0, "no entries");
  }
  SECTION("missing field") {
    write_file(f, "1\t1\t1\n2\t2\n");
    require_io_error(read, f, 2, "missing value");
  }
  SECTION("missing column") {
    write_file(f, "1\t1\t1\n3\n");
    require_io_error(read, f, 2, "missing column index");
  }
  SECTION("not a number") {
    write_file(f, "1\t1\t1\n1\tx\t1\n");
    require_io_error(read, f, 2, "column index is not an integer: 'x'");
  }
  SECTION("bad value") {
    write_file(f, "1\t1\t1\n\n1\t2\tabc\n");
    require_io_error(read, f, 3, "value is not a number: 'abc'");
  }
  SECTION("fractional index") {
    write_file(f, "1.5\t1\t1\n");
    require_io_error(read, f, 1, "row index is not an integer: '1.5'");
  }
  SECTION("trailing garbage") {
    write_file(f, "1\t1\t1\n2\t2\t1 extra\n");
    require_io_error(read, f, 2, "unexpected text at the end of the line: 'extra'");
  }
  SECTION("trailing garbage glued to the value") {
    write_file(f, "1\t1\t1x\n");
    require_io_error(read, f, 1, "value is not a number: '1x'");
  }
  SECTION("truncated last line") {
    write_file(f, "1\t1\t1\n2\t2\t1\n3\t4");
    require_io_error(read, f, 3, "missing value");
  }
  SECTION("index 0 in a 1-based file") {
    write_file(f, "1\t1\t1\n0\t2\t1\n");
    require_io_error(read, f, 2, "row index 0 out of range 1..4 (N = 4)");
  }
  SECTION("row index above N") {
    write_file(f, "5\t2\t1\n");
    require_io_error(read, f, 1, "row index 5 out of range 1..4");
  }
  SECTION("column index above N") {
    write_file(f, "1\t1\t1\n1\t2\t1\n2\t5\t1\n");
    require_io_error(read, f, 3, "column index 5 out of range 1..4");
  }
  SECTION("negative index") {
    write_file(f, "-1\t2\t1\n");
    require_io_error(read, f, 1, "row index -1 out of range");
  }
  SECTION("huge index") {
    write_file(f, "1\t99999999999999999999999\t1\n");
    require_io_error(read, f, 1, "column index out of range");
  }
  SECTION("NaN") {
    write_file(f, "1\t1\tnan\n");
    require_io_error(read, f, 1, "value is not finite");
  }
  SECTION("infinity") {
    write_file(f, "1\t1\t1\n1\t2\t-inf\n");
    require_io_error(read, f, 2, "value is not finite");
  }
  SECTION("value out of float range") {
    write_file(f, "1\t1\t1e60\n");
    require_io_error(read, f, 1, "value out of float range");
  }
  SECTION("duplicate entry: the line of the second occurrence") {
    write_file(f, "1\t1\t1\n2\t3\t1\n\n4\t4\t1\n2\t3\t0.5\n");
    require_io_error(read, f, 5, "duplicate entry (row 2, column 3), first given at line 2");
  }
  SECTION("stray carriage return") {
    write_file(f, "1\t1\t1\r2\t2\t1\n");
    require_io_error(read, f, 1, "unexpected text at the end of the line");
  }
  SECTION("truncated gzip") {
    std::string text;
    for (int r = 1; r <= 4; ++r) {
      for (int c = 1; c <= 4; ++c) {
        text += std::to_string(r) + "\t" + std::to_string(c) + "\t0.0625\n";
      }
    }
    auto const gz = io::detail::gzip_member(text.data(), text.size());
    write_file(f, gz.substr(0, gz.size() - 10));
    require_io_error(read, f, 0, "truncated gzip data");
  }
  SECTION("corrupt gzip") {
    std::string const text(2000, '\n');
    auto gz = io::detail::gzip_member(text.data(), text.size());
    gz[gz.size() - 6] = static_cast<char>(gz[gz.size() - 6] ^ 0x55);  // CRC/size trailer
    write_file(f, gz);
    require_io_error(read, f, 0, "corrupt gzip data");
  }
  SECTION("garbage after the gzip stream") {
    write_file(f, io::detail::gzip_member("1\t1\t1\n", 6) + "junk");
    require_io_error(read, f, 0, "trailing garbage");
  }
  SECTION("bad arguments are logic errors") {
    write_file(f, "1\t1\t1\n");
    CHECK_THROWS_AS(io::read_sdgc_layer(f, 0), snicit::LogicError);
  }
}

TEST_CASE("line numbers stay right across blocks and threads", "[io][sdgc][errors]") {
  TempDir tmp;
  auto const f = tmp / "big.tsv";
  std::int64_t const n = 512;
  std::string text;
  std::uint64_t lines = 0;
  for (std::int64_t c = 1; c <= n; ++c) {
    for (std::int64_t k = 0; k < 8; ++k) {
      std::int64_t const r = (c * 37 + k * 61) % n + 1;
      text += std::to_string(r) + "\t" + std::to_string(c) + "\t6.250000e-02\n";
      ++lines;
      if ((c + k) % 97 == 0) {
        text += "\n";  // blank lines shift line numbers against entry numbers
        ++lines;
      }
    }
  }
  write_file(f, text);
  io::detail::TripletSpec spec;
  spec.row_limit = n;
  spec.col_limit = n;
  spec.row_limit_text = spec.col_limit_text = "N";
  auto const reference = io::detail::read_triplet_file(f, spec, n, 1);
  REQUIRE(reference.nnz() == n * 8);
  for (int threads : {1, 2, 3, 5}) {
    for (std::size_t block : {std::size_t(4096), std::size_t(10000), std::size_t(1) << 20}) {
      INFO("threads " << threads << " block " << block);
      CHECK(io::detail::read_triplet_file(f, spec, n, threads, block) == reference);
    }
  }
  SECTION("gzip, read in many blocks") {
    auto const g = write_gz(tmp / "big.tsv.gz", text);
    for (int threads : {1, 3}) {
      CHECK(io::detail::read_triplet_file(g, spec, n, threads, 4096) == reference);
    }
  }
  SECTION("an error near the end") {
    write_file(f, text + "1\t1\t1\n2\t2\t2\nbroken line\n");
    for (int threads : {1, 3}) {
      require_io_error([&] { (void)io::detail::read_triplet_file(f, spec, n, threads, 4096); },
                       f,
                       lines + 3,
                       "row index is not an integer");
    }
  }
  SECTION("a duplicate far from its first occurrence") {
    auto const first_line = text.substr(0, text.find('\n') + 1);
    write_file(f, text + "\n" + first_line);
    for (int threads : {1, 3}) {
      require_io_error([&] { (void)io::detail::read_triplet_file(f, spec, n, threads, 4096); },
                       f,
                       lines + 2,
                       "first given at line 1");
    }
  }
}

TEST_CASE("read_sdgc_network reads n<N>-l<k>.tsv[.gz] files", "[io][sdgc]") {
  TempDir tmp;
  write_file(tmp / "n4-l1.tsv", small_layer_text);
  write_gz(tmp / "n4-l2.tsv.gz", "1\t2\t0.0625\n2\t1\t0.0625\n");
  write_file(tmp / "n4-l3.tsv", "3\t3\t0.0625\n");
  for (int threads : {1, 2, 4}) {
    auto const net = io::read_sdgc_network(tmp.path(), 4, 3, {threads});
    REQUIRE(net.num_layers() == 3);
    CHECK(net.layers[0].weights == small_layer());
    CHECK(net.layers[1].weights.nnz() == 2);
    CHECK(net.layers[2].weights.row_indices(2).size() == 1);
    CHECK(net.activation_cap == 32.0f);
    for (auto const& l : net.layers) {
      CHECK(l.bias == std::vector<float>{snicit::sdgc_bias(4)});
    }
    net.validate();
  }
  SECTION("fewer layers than files") {
    CHECK(io::read_sdgc_network(tmp.path(), 4, 2).num_layers() == 2);
  }
  SECTION("a missing layer file is named before anything is parsed") {
    write_file(tmp / "n4-l2.tsv", "garbage\n");  // would fail, but the missing file comes first
    require_io_error([&] { (void)io::read_sdgc_network(tmp.path(), 4, 5); },
                     tmp / "n4-l4.tsv",
                     0,
                     "missing layer file 4 of 5");
  }
  SECTION("the first bad layer is reported with its line") {
    write_file(tmp / "n4-l3.tsv", "1\t1\t1\n1\t9\t1\n");
    write_file(tmp / "n4-l1.tsv", "1\t1\t1\n1\t1\t1\n");
    for (int threads : {1, 2, 3}) {
      require_io_error([&] { (void)io::read_sdgc_network(tmp.path(), 4, 3, {threads}); },
                       tmp / "n4-l1.tsv",
                       2,
                       "duplicate entry");
    }
  }
  SECTION("missing directory") {
    require_io_error([&] { (void)io::read_sdgc_network(tmp / "nope", 4, 1); },
                     tmp / "nope",
                     0,
                     "no such directory");
  }
}

TEST_CASE("read_sdgc_images sizes rows from count or the largest index", "[io][sdgc]") {
  TempDir tmp;
  auto const f = write_file(tmp / "img.tsv", "1\t3\t1\n3\t1\t1\n1\t2\t1\n3\t4\t1\n");
  auto const a = io::read_sdgc_images(f, 4);
  CHECK(a.rows == 3);
  CHECK(a.cols == 4);
  CHECK(a.nnz() == 4);
  CHECK(a.row_offsets == std::vector<std::int64_t>{0, 2, 2, 4});
  CHECK(a.col_indices == std::vector<std::int32_t>{1, 2, 0, 3});
  auto const b = io::read_sdgc_images(f, 4, 10);
  CHECK(b.rows == 10);
  CHECK(b.nnz() == 4);
  require_io_error([&] { (void)io::read_sdgc_images(f, 4, 2); },
                   f,
                   2,
                   "image index 3 out of range 1..2 (count = 2)");
  require_io_error(
      [&] { (void)io::read_sdgc_images(f, 3); }, f, 4, "pixel index 4 out of range 1..3");
  CHECK_THROWS_AS(io::read_sdgc_images(f, 4, 0), snicit::LogicError);
}

// Regression of tests/fuzz (docs/reliability.md): the fuzz_sdgc_images input
// tests/fuzz/regressions/sdgc_images/huge-image-index (one entry for image 976615488) made the
// reader allocate 7.8 GB of row offsets when the count comes from the file.
TEST_CASE("read_sdgc_images refuses an implausible count taken from the file",
          "[io][sdgc][errors][fuzz]") {
  TempDir tmp;
  auto const f = write_gz(tmp / "img.tsv.gz", "\t\n0000000000000000976615488\t1\t6\n");
  require_io_error([&] { (void)io::read_sdgc_images(f, 1); },
                   f,
                   0,
                   "largest image index 976615488 makes 976615488 rows for 1 entries");
  // Up to 2^20 rows, or 64 rows per entry, are fine; an explicit count is the caller's choice.
  auto const ok = write_file(tmp / "ok.tsv", "1048576\t1\t1\n");
  CHECK(io::read_sdgc_images(ok, 1).rows == 1048576);
  auto const big = write_file(tmp / "big.tsv", "1048577\t1\t1\n");
  CHECK_THROWS_AS(io::read_sdgc_images(big, 1), IoError);
  CHECK(io::read_sdgc_images(big, 1, 1048577).rows == 1048577);
}

TEST_CASE("read_categories returns sorted 0-based indices", "[io][sdgc]") {
  TempDir tmp;
  auto const f = tmp / "cat.tsv";
  write_file(f, "26\n49\r\n\n80\n3\n");
  CHECK(io::read_categories(f) == std::vector<std::int64_t>{2, 25, 48, 79});
  SECTION("errors") {
    write_file(f, "26\n49\n26\n");
    require_io_error([&] { (void)io::read_categories(f); },
                     f,
                     3,
                     "duplicate category index 26, first given at line 1");
    write_file(f, "26\n0\n");
    require_io_error([&] { (void)io::read_categories(f); }, f, 2, "category index 0 out of range");
    write_file(f, "26\n27 28\n");
    require_io_error([&] { (void)io::read_categories(f); }, f, 2, "unexpected text");
    write_file(f, "26\nabc\n");
    require_io_error([&] { (void)io::read_categories(f); }, f, 2, "not an integer");
    write_file(f, "");
    require_io_error([&] { (void)io::read_categories(f); }, f, 0, "empty file");
    require_io_error(
        [&] { (void)io::read_categories(tmp / "none.tsv"); }, tmp / "none.tsv", 0, "no such file");
  }
}

TEST_CASE("write_sdgc_layer writes the official layout", "[io][sdgc][write]") {
  TempDir tmp;
  auto const f = tmp / "out.tsv";
  io::write_sdgc_layer(f, small_layer());
  // Sorted by column, then row; 1-based; "%e" spelling.
  CHECK(read_file(f) ==
        "1\t1\t6.250000e-02\n"
        "4\t1\t6.250000e-02\n"
        "2\t2\t-2.000000e+00\n"
        "4\t3\t1.000000e+00\n"
        "1\t4\t5.000000e-01\n");
  CHECK(io::read_sdgc_layer(f, 4) == small_layer());
  CHECK_FALSE(std::filesystem::exists(tmp / "out.tsv.tmp"));
  SECTION("values that need more than 7 digits stay exact") {
    auto m = small_layer();
    m.values = {0.1f, 0.123456789f, 1e-30f, 3.4e38f, -7.0e-45f};
    io::write_sdgc_layer(f, m);
    CHECK(io::read_sdgc_layer(f, 4) == m);
  }
  SECTION(".gz writes gzip that reads back") {
    auto const g = tmp / "out.tsv.gz";
    io::write_sdgc_layer(g, small_layer());
    auto const bytes = read_file(g);
    REQUIRE(bytes.size() > 2);
    CHECK(static_cast<unsigned char>(bytes[0]) == 0x1f);
    CHECK(static_cast<unsigned char>(bytes[1]) == 0x8b);
    CHECK(io::read_sdgc_layer(g, 4) == small_layer());
  }
  SECTION("a layer large enough for several parallel chunks") {
    CsrMatrix<float> m;
    m.rows = m.cols = 65536;
    m.row_offsets.push_back(0);
    for (std::int64_t r = 0; r < m.rows; ++r) {
      for (std::int32_t k = 0; k < 40; ++k) {
        m.col_indices.push_back(static_cast<std::int32_t>((r * 7 + k * 1601) % m.cols));
        m.values.push_back(0.0625f);
      }
      std::sort(m.col_indices.end() - 40, m.col_indices.end());
      m.row_offsets.push_back(static_cast<std::int64_t>(m.col_indices.size()));
    }
    m.validate();
    io::write_sdgc_layer(tmp / "big.tsv.gz", m);
    CHECK(io::read_sdgc_layer(tmp / "big.tsv.gz", m.rows) == m);
  }
  SECTION("an invalid matrix is a logic error and writes nothing") {
    auto m = small_layer();
    m.col_indices[0] = 9;
    CHECK_THROWS_AS(io::write_sdgc_layer(tmp / "x.tsv", m), snicit::LogicError);
    CHECK_FALSE(std::filesystem::exists(tmp / "x.tsv"));
  }
  SECTION("an unwritable path leaves nothing behind") {
    require_io_error([&] { io::write_sdgc_layer(tmp / "no" / "dir.tsv", small_layer()); },
                     tmp / "no" / "dir.tsv",
                     0,
                     "cannot create");
    std::filesystem::create_directories(tmp / "taken.tsv");  // rename onto a folder fails
    require_io_error([&] { io::write_sdgc_layer(tmp / "taken.tsv", small_layer()); },
                     tmp / "taken.tsv",
                     0,
                     "cannot rename");
    CHECK_FALSE(std::filesystem::exists(tmp / "taken.tsv.tmp"));
  }
}

TEST_CASE("write_sdgc_images and write_categories", "[io][sdgc][write]") {
  TempDir tmp;
  CsrMatrix<float> img;
  img.rows = 3;
  img.cols = 5;
  img.row_offsets = {0, 2, 2, 3};
  img.col_indices = {0, 4, 2};
  img.values = {1.0f, 1.0f, 0.5f};
  io::write_sdgc_images(tmp / "img.tsv", img);
  CHECK(read_file(tmp / "img.tsv") == "1\t1\t1\n1\t5\t1\n3\t3\t0.5\n");
  CHECK(io::read_sdgc_images(tmp / "img.tsv", 5, 3) == img);
  io::write_sdgc_images(tmp / "img.tsv.gz", img);
  CHECK(io::read_sdgc_images(tmp / "img.tsv.gz", 5, 3) == img);

  io::write_categories(tmp / "cat.tsv", {79, 2, 25});
  CHECK(read_file(tmp / "cat.tsv") == "3\n26\n80\n");
  CHECK(io::read_categories(tmp / "cat.tsv") == std::vector<std::int64_t>{2, 25, 79});
  CHECK_THROWS_AS(io::write_categories(tmp / "c2.tsv", {1, 1}), snicit::LogicError);
  CHECK_THROWS_AS(io::write_categories(tmp / "c2.tsv", {-1}), snicit::LogicError);
  CHECK_FALSE(std::filesystem::exists(tmp / "c2.tsv"));
}
