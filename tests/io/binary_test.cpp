// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit::io binary format: round trips of every kind, the uniform-value flag, binary_kind,
// and every error (magic, version, kind, truncation, checksum, inconsistent content), with files
// corrupted on purpose (and re-checksummed where the structural check is the point).

#include <snicit/io/binary.hpp>

#include <zlib.h>

#include "io_test_util.hpp"

#include <algorithm>
#include <catch.hpp>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace io = snicit::io;
using snicit::ClassifierNetwork;
using snicit::CsrMatrix;
using snicit::DenseLayer;
using snicit::DenseMatrix;
using snicit::SparseNetwork;
using snicit::test::read_file;
using snicit::test::require_io_error;
using snicit::test::TempDir;
using snicit::test::write_file;

namespace {

CsrMatrix<float> layer(std::int64_t n, std::int64_t per_row, float value, std::int64_t shift) {
  CsrMatrix<float> m;
  m.rows = m.cols = n;
  m.row_offsets.push_back(0);
  for (std::int64_t r = 0; r < n; ++r) {
    std::vector<std::int32_t> cols;
    for (std::int64_t k = 0; k < per_row; ++k) {
      cols.push_back(static_cast<std::int32_t>((r + k * shift) % n));
    }
    std::sort(cols.begin(), cols.end());
    cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
    for (auto c : cols) {
      m.col_indices.push_back(c);
      m.values.push_back(value);
    }
    m.row_offsets.push_back(static_cast<std::int64_t>(m.col_indices.size()));
  }
  return m;
}

SparseNetwork<float> sdgc_like(std::int64_t n, int layers) {
  SparseNetwork<float> net;
  for (int l = 0; l < layers; ++l) {
    net.layers.push_back({layer(n, 8, 0.0625f, 1 + 2 * l), {-0.3f}});
  }
  return net;
}

/// The 4x4 CSR whose byte layout the corruption tests below rely on.
CsrMatrix<float> small() {
  CsrMatrix<float> m;
  m.rows = 4;
  m.cols = 4;
  m.row_offsets = {0, 2, 3, 3, 5};
  m.col_indices = {0, 3, 1, 0, 2};
  m.values = {0.0625f, 0.5f, -2.0f, 0.0625f, 1.0f};
  return m;
}

/// Rewrites the trailer CRC so that only the structural checks can object.
void fix_crc(std::string& bytes) {
  auto const crc = static_cast<std::uint32_t>(
      crc32_z(0, reinterpret_cast<Bytef const*>(bytes.data()), bytes.size() - 8));
  std::memcpy(bytes.data() + bytes.size() - 8, &crc, 4);
}

template <class T>
void poke(std::string& bytes, std::size_t at, T v) {
  std::memcpy(bytes.data() + at, &v, sizeof(T));
}

}  // namespace

TEST_CASE("binary round trips of every kind", "[io][binary]") {
  TempDir tmp;
  SECTION("network, uniform and per-output bias") {
    auto net = sdgc_like(64, 3);
    net.layers[1].weights.values[5] = 0.5f;  // not uniform any more
    net.layers[2].bias.assign(64, 0.25f);
    net.activation_cap = 32.0f;
    io::save_network(tmp / "n.snb", net);
    CHECK(io::load_network(tmp / "n.snb") == net);
    CHECK(io::binary_kind(tmp / "n.snb") == io::BinaryKind::network);
    CHECK_FALSE(std::filesystem::exists(tmp / "n.snb.tmp"));
  }
  SECTION("classifier with and without a dense input layer") {
    ClassifierNetwork<float> c;
    c.input = DenseLayer<float>{DenseMatrix<float>(5, 16, 0.5f), std::vector<float>(16, 0.1f)};
    c.input->weights(4, 15) = -3.0f;
    c.hidden = sdgc_like(16, 2);
    c.hidden.activation_cap = 1.0f;
    c.output = DenseLayer<float>{DenseMatrix<float>(16, 3, 2.0f), {1, 2, 3}};
    io::save_classifier(tmp / "c.snb", c);
    CHECK(io::load_classifier(tmp / "c.snb") == c);
    CHECK(io::binary_kind(tmp / "c.snb") == io::BinaryKind::classifier);
    c.input.reset();
    io::save_classifier(tmp / "c2.snb", c);
    CHECK(io::load_classifier(tmp / "c2.snb") == c);
  }
  SECTION("csr, including an empty one") {
    io::save_matrix(tmp / "m.snb", small());
    CHECK(io::load_csr(tmp / "m.snb") == small());
    CHECK(io::binary_kind(tmp / "m.snb") == io::BinaryKind::csr);
    CsrMatrix<float> empty;
    empty.rows = 3;
    empty.cols = 7;
    empty.row_offsets.assign(4, 0);
    io::save_matrix(tmp / "e.snb", empty);
    CHECK(io::load_csr(tmp / "e.snb") == empty);
  }
  SECTION("dense") {
    DenseMatrix<float> d(3, 5, 0.0f);
    d(2, 4) = 7.5f;
    d(0, 1) = -1.0f;
    io::save_matrix(tmp / "d.snb", d);
    CHECK(io::load_dense(tmp / "d.snb") == d);
    CHECK(io::binary_kind(tmp / "d.snb") == io::BinaryKind::dense);
  }
  SECTION("large arrays (parallel checksum and validation)") {
    auto const m = layer(1 << 17, 32, 0.0625f, 4099);
    io::save_matrix(tmp / "big.snb", m);
    CHECK(io::load_csr(tmp / "big.snb") == m);
  }
}

TEST_CASE("uniform layers store one value", "[io][binary]") {
  TempDir tmp;
  auto net = sdgc_like(256, 4);
  io::save_network(tmp / "u.snb", net);
  for (auto& l : net.layers) {
    l.weights.values[0] = 0.125f;
  }
  io::save_network(tmp / "v.snb", net);
  auto const u = std::filesystem::file_size(tmp / "u.snb");
  auto const v = std::filesystem::file_size(tmp / "v.snb");
  auto const nnz = static_cast<std::uintmax_t>(net.total_nnz());
  CHECK(v - u == nnz * sizeof(float));
  CHECK(io::load_network(tmp / "v.snb") == net);
}

TEST_CASE("binary_kind says no to anything else", "[io][binary]") {
  TempDir tmp;
  CHECK_FALSE(io::binary_kind(write_file(tmp / "l.tsv", "1\t1\t1\n")).has_value());
  CHECK_FALSE(io::binary_kind(tmp.path()).has_value());
  CHECK_FALSE(io::binary_kind(tmp / "missing.snb").has_value());
  CHECK_FALSE(io::binary_kind(write_file(tmp / "short", "SNICIT")).has_value());
}

TEST_CASE("binary load errors name the file and the byte offset", "[io][binary][errors]") {
  TempDir tmp;
  auto const good = tmp / "m.snb";
  io::save_matrix(good, small());
  auto const bytes = read_file(good);
  // Layout of this file: header 0..63; CSR record: rows@64 cols@72 nnz@80 flags@88
  // index_bytes@92 uniform@96 reserved@100; row_offsets@104 (5 x 8); col_indices@144 (5 x 4,
  // padded to 168); values@168 (padded to 192); trailer@192.
  REQUIRE(bytes.size() == 200);
  auto const f = tmp / "bad.snb";
  auto load = [&] { (void)io::load_csr(f); };

  SECTION("not a snicit file") {
    write_file(f, "1\t1\t1\n2\t2\t1\n" + std::string(100, '\n'));
    require_io_error(load, f, 0, "byte 0: not a snicit binary file (bad magic)");
  }
  SECTION("wrong version") {
    auto b = bytes;
    poke<std::uint32_t>(b, 8, 2);
    fix_crc(b);
    write_file(f, b);
    require_io_error(load, f, 0, "byte 8: unsupported format version 2");
    CHECK_FALSE(io::binary_kind(f).has_value());
  }
  SECTION("wrong kind") {
    require_io_error([&] { (void)io::load_network(good); },
                     good,
                     0,
                     "byte 12: holds a csr (kind 3), expected a network");
    require_io_error([&] { (void)io::load_dense(good); }, good, 0, "expected a dense");
  }
  SECTION("truncated anywhere") {
    for (std::size_t cut : {std::size_t(0),
                            std::size_t(10),
                            std::size_t(63),
                            std::size_t(64),
                            std::size_t(100),
                            std::size_t(150),
                            std::size_t(199)}) {
      INFO("cut at " << cut);
      write_file(f, bytes.substr(0, cut));
      require_io_error(load, f, 0, cut == 0 ? "empty file" : "truncated");
    }
  }
  SECTION("extended file") {
    write_file(f, bytes + "extra");
    require_io_error(load, f, 0, "byte 24: the header promises 128 payload bytes");
  }
  SECTION("checksum mismatch") {
    auto b = bytes;
    b[170] = static_cast<char>(b[170] ^ 0x01);  // one bit of a value
    write_file(f, b);
    require_io_error(load, f, 0, "byte 192: checksum mismatch");
  }
  SECTION("column index >= cols") {
    auto b = bytes;
    poke<std::int32_t>(b, 148, 4);
    fix_crc(b);
    write_file(f, b);
    require_io_error(load, f, 0, "byte 148: matrix: column index 4 in row 0 is >= cols = 4");
  }
  SECTION("columns out of order") {
    auto b = bytes;
    poke<std::int32_t>(b, 148, 0);
    fix_crc(b);
    write_file(f, b);
    require_io_error(load, f, 0, "byte 148: matrix: column index 0 in row 0 is not above");
  }
  SECTION("row offsets not monotone") {
    auto b = bytes;
    poke<std::int64_t>(b, 120, 1);
    fix_crc(b);
    write_file(f, b);
    require_io_error(load, f, 0, "byte 120: matrix: row offsets not monotone");
  }
  SECTION("last offset is not nnz") {
    auto b = bytes;
    poke<std::int64_t>(b, 136, 4);
    fix_crc(b);
    write_file(f, b);
    require_io_error(load, f, 0, "byte 136: matrix: the last row offset 4 is not nnz = 5");
  }
  SECTION("a shape that cannot fit the file, with a hint that the checksum fails too") {
    auto b = bytes;
    poke<std::uint64_t>(b, 80, 1000000);
    write_file(f, b);
    require_io_error(load, f, 0, "the checksum does not match either");
  }
  SECTION("network layers that do not chain") {
    SparseNetwork<float> net;
    net.layers.push_back({small(), {0.0f}});
    net.layers.push_back({small(), {0.0f}});
    io::save_network(f, net);
    auto b = read_file(f);
    // Layer 1's cols field: header 64 + network fields (8 + 4 + 4) + rows (8).
    std::size_t const cols1 = 64 + 16 + 8;
    REQUIRE(b.substr(cols1, 8) == std::string("\x04\0\0\0\0\0\0\0", 8));
    poke<std::uint64_t>(b, cols1, 5);
    fix_crc(b);
    write_file(f, b);
    require_io_error([&] { (void)io::load_network(f); },
                     f,
                     0,
                     "byte 224: layer 2: 4 inputs do not match the previous layer's 5 outputs");
  }
}

TEST_CASE("binary writers never leave partial files", "[io][binary][write]") {
  TempDir tmp;
  require_io_error([&] { io::save_matrix(tmp / "no" / "m.snb", small()); },
                   tmp / "no" / "m.snb",
                   0,
                   "cannot create");
  auto bad = small();
  bad.row_offsets[2] = 9;
  CHECK_THROWS_AS(io::save_matrix(tmp / "m.snb", bad), snicit::LogicError);
  CHECK_FALSE(std::filesystem::exists(tmp / "m.snb"));
  CHECK_FALSE(std::filesystem::exists(tmp / "m.snb.tmp"));
  std::filesystem::create_directories(tmp / "dir.snb");
  require_io_error(
      [&] { io::save_matrix(tmp / "dir.snb", small()); }, tmp / "dir.snb", 0, "cannot rename");
  CHECK_FALSE(std::filesystem::exists(tmp / "dir.snb.tmp"));
}
