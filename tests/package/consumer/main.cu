// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// A downstream CUDA translation unit: the public entry header, a default-everything engine type,
// and the README's quick-start snippet (run at a small size where a GPU exists).
#include <snicit/data/data.hpp>
#include <snicit/engine.cuh>
#include <snicit/reference/reference.hpp>

#include <cstdio>
#include <type_traits>

int host_part();

namespace {
// README "As a library" snippet, at 2000 images instead of 60000.
bool readme_snippet() {
  auto net = snicit::data::generate_sdgc_network({.neurons = 1024, .layers = 120, .seed = 1});
  auto img = snicit::data::synthetic_sdgc_images(1024, 2000, /*seed=*/2);
  auto opt = snicit::SnicitOptions::sdgc_defaults(120);
  auto cpu = snicit::reference::infer_snicit(net, img, opt);

  snicit::Stream stream;
  snicit::Engine<> engine(net, {.max_batch = 2000, .snicit = opt}, stream);
  auto gpu = engine.run(img, stream);
  return gpu.categories == cpu.categories();
}
}  // namespace

int main() {
  static_assert(std::is_class_v<snicit::Engine<>>, "snicit::Engine<> must be usable with defaults");
  int const n = host_part();
  bool ok = n == 6;
  std::printf("snicit %s, %d layers generated\n", SNICIT_VERSION_STRING, n);
  int devices = 0;
  if (cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0) {
    bool const same = readme_snippet();
    std::printf("README snippet on the GPU: %s\n", same ? "categories match" : "MISMATCH");
    ok = ok && same;
  } else {
    std::printf("README snippet compiled; not run: no CUDA device\n");
  }
  std::printf(ok ? "consumer ok\n" : "consumer FAILED\n");
  return ok ? 0 : 1;
}
