// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: snicit::io::read_mnist_images / read_mnist_labels. Byte 0: bit 0 gzip,
// bit 1 labels instead of images; the rest is the file.
#include <snicit/io/mnist.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  bool const gz = (data[0] & 1) != 0;
  bool const labels = (data[0] & 2) != 0;
  std::string_view const body(reinterpret_cast<char const*>(data + 1), size - 1);
  auto const path = snicit_fuzz::put_file(gz ? "idx.gz" : "idx", body, gz);
  snicit_fuzz::expect_clean([&] {
    if (labels) {
      (void)snicit::io::read_mnist_labels(path);
    } else {
      auto const m = snicit::io::read_mnist_images(path);
      auto const d = snicit::io::mnist_to_dense(m);  // LogicError if the sizes disagree
      (void)d;
    }
  });
  return 0;
}
