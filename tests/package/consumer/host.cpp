// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// A downstream host-only translation unit using the generator and the binary format.
#include <snicit/data/data.hpp>
#include <snicit/io/io.hpp>

#include <filesystem>

int host_part() {
  auto const net = snicit::data::generate_sdgc_network({.neurons = 64, .layers = 6, .seed = 3});
  auto const path = std::filesystem::temp_directory_path() / "snicit-consumer.snb";
  snicit::io::save_network(path, net);
  auto const back = snicit::io::load_network(path);
  std::filesystem::remove(path);
  return back == net ? static_cast<int>(back.num_layers()) : -1;
}
