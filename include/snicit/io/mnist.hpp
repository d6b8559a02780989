// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file mnist.hpp
 * @brief Readers of MNIST idx files (plain or gzip): images (idx3, magic 0x00000803) and labels
 * (idx1, magic 0x00000801), big-endian headers.
 */

#include <snicit/config.hpp>
#include <snicit/error.hpp>
#include <snicit/io/detail/file.hpp>
#include <snicit/matrix.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace io {

/** @brief MNIST images as stored: unsigned bytes, image-major, row-major within an image. */
struct MnistImages {
  std::int64_t count = 0;            ///< number of images
  std::int64_t rows = 0;             ///< rows per image (28)
  std::int64_t cols = 0;             ///< columns per image (28)
  std::vector<std::uint8_t> pixels;  ///< count * rows * cols bytes

  friend bool operator==(MnistImages const&, MnistImages const&) = default;
};

namespace detail {

[[nodiscard]] inline std::uint32_t load_be32(char const* p) noexcept {
  auto const* b = reinterpret_cast<unsigned char const*>(p);
  return (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) | (std::uint32_t(b[2]) << 8) |
         std::uint32_t(b[3]);
}

[[nodiscard]] inline std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", static_cast<unsigned>(v));
  return buf;
}

/// Reads an idx file, checks its magic and header, returns the payload offset and dimensions.
[[nodiscard]] inline Buffer read_idx(std::filesystem::path const& path,
                                     std::uint32_t magic,
                                     int dims,
                                     std::uint64_t (&dim)[3],
                                     std::uint64_t& payload) {
  auto buf = read_whole_file(path);
  if (buf.size == 0) {
    fail(path, 0, "empty file");
  }
  std::size_t const header = 4 + 4 * static_cast<std::size_t>(dims);
  if (buf.size < 4) {
    fail(path, 0, "byte 0: truncated idx header (" + std::to_string(buf.size) + " bytes)");
  }
  std::uint32_t const got = load_be32(buf.begin());
  if (got != magic) {
    std::string what =
        "byte 0: bad idx magic " + hex32(got) + ", expected " + hex32(magic) +
        (magic == 0x803 ? " (idx3 unsigned-byte images)" : " (idx1 unsigned-byte labels)");
    if (got == 0x801 || got == 0x803) {
      what += got == 0x801 ? "; this is a label file" : "; this is an image file";
    }
    fail(path, 0, what);
  }
  if (buf.size < header) {
    fail(path,
         0,
         "byte " + std::to_string(buf.size) + ": truncated idx header (" +
             std::to_string(buf.size) + " of " + std::to_string(header) + " bytes)");
  }
  payload = 1;
  for (int d = 0; d < dims; ++d) {
    dim[d] = load_be32(buf.begin() + 4 + 4 * d);
    // (2^32)^3 overflows 64 bits: a wrapped product could match a short file (fuzzer finding).
    if (dim[d] != 0 && payload > std::numeric_limits<std::uint64_t>::max() / dim[d]) {
      fail(path,
           0,
           "byte " + std::to_string(4 + 4 * d) + ": idx dimensions overflow 64 bits (dimension " +
               std::to_string(d) + " is " + std::to_string(dim[d]) + ")");
    }
    payload *= dim[d];
  }
  std::uint64_t const have = buf.size - header;
  if (have < payload) {
    fail(path,
         0,
         "byte " + std::to_string(buf.size) + ": truncated idx data: the header promises " +
             std::to_string(payload) + " bytes after byte " + std::to_string(header) +
             ", the file has " + std::to_string(have));
  }
  if (have > payload) {
    fail(path,
         0,
         "byte " + std::to_string(header + payload) + ": " + std::to_string(have - payload) +
             " unexpected bytes after the idx data");
  }
  return buf;
}

}  // namespace detail

/**
 * @brief Reads an MNIST idx3 image file (plain or gzip).
 * @throws snicit::IoError (with the byte offset) on a missing/empty file, a wrong magic, a
 *         truncated header or payload, or trailing bytes
 */
[[nodiscard]] inline MnistImages read_mnist_images(std::filesystem::path const& file) {
  std::uint64_t dim[3] = {0, 0, 0};
  std::uint64_t payload = 0;
  auto const buf = detail::read_idx(file, 0x00000803u, 3, dim, payload);
  if (dim[1] == 0 || dim[2] == 0) {
    detail::fail(file,
                 0,
                 "byte 8: image size " + std::to_string(dim[1]) + "x" + std::to_string(dim[2]) +
                     " is empty");
  }
  // Rows x cols becomes one row of floats (a network input size): at most 2^31 - 1. With 0
  // images the payload check above cannot bound it (fuzzer finding: 0 x 4177461230 x 4278190516).
  if (dim[1] * dim[2] > std::uint64_t(std::numeric_limits<std::int32_t>::max())) {
    detail::fail(file,
                 0,
                 "byte 8: image size " + std::to_string(dim[1]) + "x" + std::to_string(dim[2]) +
                     " exceeds 2^31 - 1 pixels");
  }
  MnistImages m;
  m.count = static_cast<std::int64_t>(dim[0]);
  m.rows = static_cast<std::int64_t>(dim[1]);
  m.cols = static_cast<std::int64_t>(dim[2]);
  auto const* p = reinterpret_cast<std::uint8_t const*>(buf.begin() + 16);
  m.pixels.assign(p, p + payload);
  return m;
}

/**
 * @brief Reads an MNIST idx1 label file (plain or gzip).
 * @throws snicit::IoError (with the byte offset) on a missing/empty file, a wrong magic, a
 *         truncated header or payload, or trailing bytes
 */
[[nodiscard]] inline std::vector<std::uint8_t> read_mnist_labels(
    std::filesystem::path const& file) {
  std::uint64_t dim[3] = {0, 0, 0};
  std::uint64_t payload = 0;
  auto const buf = detail::read_idx(file, 0x00000801u, 1, dim, payload);
  auto const* p = reinterpret_cast<std::uint8_t const*>(buf.begin() + 8);
  return std::vector<std::uint8_t>(p, p + payload);
}

/**
 * @brief Converts MNIST images to floats: pixel / 255, one image per row
 * (count x rows*cols), pixels row-major within the image (the beyond networks' input order).
 */
[[nodiscard]] inline DenseMatrix<float> mnist_to_dense(MnistImages const& images) {
  constexpr std::int64_t i32max = std::numeric_limits<std::int32_t>::max();
  SNICIT_EXPECTS(
      images.count >= 0 && images.rows >= 0 && images.cols >= 0 && images.rows <= i32max &&
          images.cols <= i32max && images.rows * images.cols <= i32max &&
          images.pixels.size() == static_cast<std::size_t>(images.count) *
                                      static_cast<std::size_t>(images.rows * images.cols),
      "mnist_to_dense: pixels.size() must be count * rows * cols");
  DenseMatrix<float> d(images.count, images.rows * images.cols);
  for (std::size_t i = 0; i < images.pixels.size(); ++i) {
    d.data[i] = static_cast<float>(images.pixels[i]) / 255.0f;
  }
  return d;
}

}  // namespace io
SNICIT_NAMESPACE_END
