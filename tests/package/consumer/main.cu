// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// A downstream CUDA translation unit: the public entry header and a default-everything engine type.
#include <snicit/engine.cuh>

#include <cstdio>
#include <type_traits>

int host_part();

int main() {
  static_assert(std::is_class_v<snicit::Engine<>>, "snicit::Engine<> must be usable with defaults");
  int const n = host_part();
  std::printf("snicit %s, %d layers generated\n", SNICIT_VERSION_STRING, n);
  std::printf(n == 6 ? "consumer ok\n" : "consumer FAILED\n");
  return n == 6 ? 0 : 1;
}
