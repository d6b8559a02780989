// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// fuzz_replay: runs every libFuzzer target of tests/fuzz on its seed corpus (corpus/<target>/)
// and its regression inputs (regressions/<target>/) with the normal compiler, so every ctest run
// (and the ASan preset) re-checks the fuzzers' findings. A target that crashes, trips a
// sanitizer or lets anything but snicit::IoError escape fails the test.
//   fuzz_replay <tests/fuzz folder>
#include "fuzz_common.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#define SNICIT_FUZZ_TARGET(name) \
  extern "C" int snicit_fuzz_##name(std::uint8_t const* data, std::size_t size);
SNICIT_FUZZ_TARGET(sdgc_layer)
SNICIT_FUZZ_TARGET(sdgc_images)
SNICIT_FUZZ_TARGET(categories)
SNICIT_FUZZ_TARGET(beyond)
SNICIT_FUZZ_TARGET(mnist)
SNICIT_FUZZ_TARGET(binary)

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_replay <tests/fuzz folder>\n");
    return 2;
  }
  struct Target {
    char const* name;
    int (*fn)(std::uint8_t const*, std::size_t);
  };
  Target const targets[] = {{"sdgc_layer", snicit_fuzz_sdgc_layer},
                            {"sdgc_images", snicit_fuzz_sdgc_images},
                            {"categories", snicit_fuzz_categories},
                            {"beyond", snicit_fuzz_beyond},
                            {"mnist", snicit_fuzz_mnist},
                            {"binary", snicit_fuzz_binary}};
  int failed = 0;
  for (auto const& t : targets) {
    std::vector<fs::path> inputs;
    for (char const* kind : {"corpus", "regressions"}) {
      auto const dir = fs::path(argv[1]) / kind / t.name;
      if (fs::is_directory(dir)) {
        for (auto const& e : fs::directory_iterator(dir)) {
          inputs.push_back(e.path());
        }
      }
    }
    std::sort(inputs.begin(), inputs.end());
    for (auto const& p : inputs) {
      std::ifstream in(p, std::ios::binary);
      std::string const bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      try {
        t.fn(reinterpret_cast<std::uint8_t const*>(bytes.data()), bytes.size());
      } catch (std::exception const& e) {
        std::printf("FAIL %s %s: escaped: %s\n", t.name, p.c_str(), e.what());
        ++failed;
        continue;
      }
    }
    std::printf("%s: %zu inputs replayed\n", t.name, inputs.size());
    if (inputs.empty()) {
      std::printf("FAIL %s: no inputs\n", t.name);
      ++failed;
    }
  }
  std::error_code ec;
  fs::remove_all(snicit_fuzz::scratch(), ec);
  return failed == 0 ? 0 : 1;
}
