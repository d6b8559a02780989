// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit::io MNIST idx readers on tiny hand-made files (plain and gzip) and their errors.

#include <snicit/io/mnist.hpp>

#include "io_test_util.hpp"

#include <catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace io = snicit::io;
using snicit::test::require_io_error;
using snicit::test::TempDir;
using snicit::test::write_file;
using snicit::test::write_gz;

namespace {

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24),
          static_cast<char>((v >> 16) & 0xff),
          static_cast<char>((v >> 8) & 0xff),
          static_cast<char>(v & 0xff)};
}

/// Two 2x3 images with pixels 0..11 (times 20).
std::string images_idx() {
  std::string s = be32(0x803) + be32(2) + be32(2) + be32(3);
  for (int i = 0; i < 12; ++i) {
    s += static_cast<char>(i * 20);
  }
  return s;
}

std::string labels_idx() {
  return be32(0x801) + be32(3) + std::string("\x07\x02\x01", 3);
}

}  // namespace

TEST_CASE("read_mnist_images and labels, plain and gzip", "[io][mnist]") {
  TempDir tmp;
  for (bool gz : {false, true}) {
    auto const img =
        gz ? write_gz(tmp / "img.gz", images_idx()) : write_file(tmp / "img", images_idx());
    auto const lbl =
        gz ? write_gz(tmp / "lbl.gz", labels_idx()) : write_file(tmp / "lbl", labels_idx());
    auto const m = io::read_mnist_images(img);
    CHECK(m.count == 2);
    CHECK(m.rows == 2);
    CHECK(m.cols == 3);
    REQUIRE(m.pixels.size() == 12);
    CHECK(m.pixels[11] == 220);
    CHECK(io::read_mnist_labels(lbl) == std::vector<std::uint8_t>{7, 2, 1});
    auto const d = io::mnist_to_dense(m);
    CHECK(d.rows == 2);
    CHECK(d.cols == 6);
    CHECK(d(1, 5) == 220.0f / 255.0f);
    CHECK(d(0, 0) == 0.0f);
  }
}

TEST_CASE("MNIST reader errors name the file and the byte", "[io][mnist][errors]") {
  TempDir tmp;
  auto const f = tmp / "bad-idx";
  SECTION("a label file read as images") {
    write_file(f, labels_idx());
    require_io_error([&] { (void)io::read_mnist_images(f); },
                     f,
                     0,
                     "byte 0: bad idx magic 0x00000801, expected 0x00000803");
  }
  SECTION("an image file read as labels") {
    write_file(f, images_idx());
    require_io_error([&] { (void)io::read_mnist_labels(f); }, f, 0, "this is an image file");
  }
  SECTION("text") {
    write_file(f, "1\t2\t3\n");
    require_io_error([&] { (void)io::read_mnist_images(f); }, f, 0, "bad idx magic");
  }
  SECTION("truncated pixel data") {
    auto const s = images_idx();
    write_file(f, s.substr(0, s.size() - 1));
    require_io_error([&] { (void)io::read_mnist_images(f); }, f, 0, "byte 27: truncated idx data");
  }
  SECTION("truncated header") {
    write_file(f, images_idx().substr(0, 10));
    require_io_error([&] { (void)io::read_mnist_images(f); }, f, 0, "truncated idx header");
  }
  SECTION("trailing bytes") {
    write_file(f, labels_idx() + "xx");
    require_io_error([&] { (void)io::read_mnist_labels(f); }, f, 0, "byte 11: 2 unexpected bytes");
  }
  SECTION("truncated gzip") {
    auto const gz = snicit::io::detail::gzip_member(images_idx().data(), images_idx().size());
    write_file(f, gz.substr(0, gz.size() / 2));
    require_io_error([&] { (void)io::read_mnist_images(f); }, f, 0, "truncated gzip data");
  }
  SECTION("empty and missing") {
    write_file(f, "");
    require_io_error([&] { (void)io::read_mnist_images(f); }, f, 0, "empty file");
    require_io_error(
        [&] { (void)io::read_mnist_labels(tmp / "none"); }, tmp / "none", 0, "no such file");
  }
}

// Regressions of tests/fuzz (docs/reliability.md): the fuzz_mnist input
// tests/fuzz/regressions/mnist/zero-images-huge-size (0 images of 4177461230 x 4278190516 pixels,
// gzip) overflowed rows * cols in mnist_to_dense; dimensions whose product wraps 64 bits could
// match a short file.
TEST_CASE("idx headers with absurd dimensions are rejected", "[io][mnist][errors][fuzz]") {
  TempDir tmp;
  auto const f = tmp / "bad-idx";
  SECTION("zero images of a huge size (the fuzzer's input)") {
    write_gz(f, be32(0x803) + be32(0) + be32(0xf8feffee) + be32(0xff0001b4));
    require_io_error([&] { (void)io::read_mnist_images(f); },
                     f,
                     0,
                     "byte 8: image size 4177461230x4278190516 exceeds 2^31 - 1 pixels");
  }
  SECTION("a product that wraps 64 bits to a small size") {
    // 2^22 * 2^21 * 2^21 = 2^64 = 0 (mod 2^64): the 16-byte header alone would "match".
    write_file(f, be32(0x803) + be32(1u << 22) + be32(1u << 21) + be32(1u << 21));
    require_io_error(
        [&] { (void)io::read_mnist_images(f); }, f, 0, "byte 12: idx dimensions overflow 64 bits");
  }
  SECTION("the replayed fuzzer file") {
    auto const crash = std::filesystem::path(SNICIT_TEST_SOURCE_DIR) / "fuzz" / "regressions" /
                       "mnist" / "zero-images-huge-size";
    REQUIRE(std::filesystem::exists(crash));
    // The fuzz input is a selector byte (1 = gzip images) then the file.
    std::ifstream in(crash, std::ios::binary);
    std::string const bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(bytes.size() > 1);
    REQUIRE(bytes[0] == 1);
    write_gz(f, bytes.substr(1));
    require_io_error([&] { (void)io::read_mnist_images(f); }, f, 0, "exceeds 2^31 - 1 pixels");
  }
}
