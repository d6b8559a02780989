// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: snicit::io::read_beyond_network on a fixed four-layer layout (l1-dense,
// l2-sparse, l3-sparse, l4-dense). Byte 0: bit k gzips file k (k = 0..3 weights, bits 4..7 the
// matching biases); the rest is split at '|' into the eight files weights/l1..l4 then
// biases/l1..l4 (missing parts: the file is absent). A returned classifier must be consistent.
#include <snicit/io/beyond.hpp>
#include <snicit/io/binary.hpp>

#include "fuzz_common.hpp"

#include <filesystem>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  namespace fs = std::filesystem;
  unsigned const gz = data[0];
  auto const parts =
      snicit_fuzz::split_parts({reinterpret_cast<char const*>(data + 1), size - 1}, 8);
  auto const root = snicit_fuzz::scratch() / "beyond";
  fs::remove_all(root);
  fs::create_directories(root / "weights");
  fs::create_directories(root / "biases");
  char const* const names[4] = {"l1-dense.tsv", "l2-sparse.tsv", "l3-sparse.tsv", "l4-dense.tsv"};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    bool const z = ((gz >> i) & 1u) != 0;
    std::string name = std::string(i < 4 ? "beyond/weights/" : "beyond/biases/") + names[i % 4];
    snicit_fuzz::put_file(z ? name + ".gz" : name, parts[i], z);
  }
  snicit_fuzz::expect_clean([&] {
    auto const net = snicit::io::read_beyond_network(root, {.threads = 1});
    snicit::io::detail::validate_classifier(net);  // throws LogicError (a finding) if inconsistent
  });
  return 0;
}
