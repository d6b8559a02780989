// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: snicit::io::read_sdgc_layer. Byte 0 selects gzip (bit 0) and N (bits 1-2:
// 1, 4, 8, 64); the rest is the file.
#include <snicit/io/sdgc.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  std::int64_t const sizes[4] = {1, 4, 8, 64};
  std::int64_t const n = sizes[(data[0] >> 1) & 3];
  bool const gz = (data[0] & 1) != 0;
  std::string_view const body(reinterpret_cast<char const*>(data + 1), size - 1);
  auto const path = snicit_fuzz::put_file(gz ? "n-l1.tsv.gz" : "n-l1.tsv", body, gz);
  snicit_fuzz::expect_clean([&] {
    auto const m = snicit::io::read_sdgc_layer(path, n, {.threads = 1});
    m.validate();  // whatever is returned is a well-formed CSR matrix
  });
  return 0;
}
