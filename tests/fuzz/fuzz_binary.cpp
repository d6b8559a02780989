// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the snicit binary format loaders. Byte 0: bits 0-1 pick the loader
// (network, classifier, csr, dense); bit 2 repairs the framing before loading (payload size
// in the header, the CRC-32 and the "SNBE" marker), so mutations reach the record parsing and
// the deferred CSR checks instead of stopping at the checksum. The rest is the file.
#include <snicit/io/binary.hpp>

#include <zlib.h>

#include "fuzz_common.hpp"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  std::string body(reinterpret_cast<char const*>(data + 1), size - 1);
  if ((data[0] & 4) != 0 && body.size() >= 72) {
    std::uint64_t const payload = body.size() - 72;
    std::memcpy(body.data() + 24, &payload, 8);
    auto const crc = static_cast<std::uint32_t>(
        crc32(0L, reinterpret_cast<Bytef const*>(body.data()), static_cast<uInt>(body.size() - 8)));
    std::memcpy(body.data() + body.size() - 8, &crc, 4);
    std::memcpy(body.data() + body.size() - 4, "SNBE", 4);
  }
  auto const path = snicit_fuzz::put_file("file.snb", body, false);
  (void)snicit::io::binary_kind(path);  // never throws
  snicit_fuzz::expect_clean([&] {
    switch (data[0] & 3) {
      case 0:
        snicit::io::load_network(path).validate();
        break;
      case 1:
        snicit::io::detail::validate_classifier(snicit::io::load_classifier(path));
        break;
      case 2:
        snicit::io::load_csr(path).validate();
        break;
      default: {
        auto const d = snicit::io::load_dense(path);
        if (d.data.size() != static_cast<std::size_t>(d.rows * d.cols)) {
          std::abort();
        }
      }
    }
  });
  return 0;
}
