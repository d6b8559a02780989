// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: snicit::io::read_categories (the SDGC golden file). Byte 0 bit 0 selects
// gzip; the rest is the file. A returned list must be ascending 0-based ids without repeats.
#include <snicit/io/sdgc.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  bool const gz = (data[0] & 1) != 0;
  std::string_view const body(reinterpret_cast<char const*>(data + 1), size - 1);
  auto const path = snicit_fuzz::put_file(gz ? "categories.tsv.gz" : "categories.tsv", body, gz);
  snicit_fuzz::expect_clean([&] {
    auto const c = snicit::io::read_categories(path);
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (c[i] < 0 || (i > 0 && c[i] <= c[i - 1])) {
        std::abort();
      }
    }
  });
  return 0;
}
