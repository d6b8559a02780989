// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Plumbing shared by the example programs (not part of the library): the exit-code contract,
// error reporting, device detection, data-directory lookup, JSON output and progress lines.
//
// Exit codes (docs/design.md): 0 = ran (and matched, when a check was asked for),
// 1 = ran but the result did not match, 2 = bad input or usage (one-line reason on stderr),
// 3 = a runtime failure outside the user's control (CUDA error, out of memory).

#include <snicit/error.hpp>
#include <snicit/types.hpp>
#include <snicit/version.hpp>

#include <cuda_runtime_api.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

namespace snicit::programs {

inline constexpr int exit_ok = 0;
inline constexpr int exit_mismatch = 1;
inline constexpr int exit_bad_input = 2;
inline constexpr int exit_runtime = 3;

/// Runs `body` and maps every exception to the exit-code contract, printing one line.
template <class Body>
int guarded_main(char const* program, Body&& body) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // keep stdout lines ordered with stderr progress
  try {
    return body();
  } catch (snicit::IoError const& e) {
    std::fprintf(stderr, "%s: error: %s\n", program, e.what());
    return exit_bad_input;
  } catch (snicit::LogicError const& e) {
    std::fprintf(stderr, "%s: error: %s\n", program, e.what());
    return exit_bad_input;
  } catch (snicit::CudaError const& e) {
    std::fprintf(stderr, "%s: CUDA failure: %s\n", program, e.what());
    return exit_runtime;
  } catch (std::bad_alloc const&) {
    std::fprintf(stderr, "%s: out of host memory\n", program);
    return exit_runtime;
  } catch (std::exception const& e) {
    std::fprintf(stderr, "%s: error: %s\n", program, e.what());
    return exit_runtime;
  }
}

/// Parses the command line; returns an exit code to stop with (help: 0, bad usage: 2).
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (CLI::CallForHelp const& e) {
    return app.exit(e);
  } catch (CLI::CallForAllHelp const& e) {
    return app.exit(e);
  } catch (CLI::CallForVersion const& e) {
    return app.exit(e);
  } catch (CLI::ParseError const& e) {
    std::fprintf(stderr, "%s: error: %s (see --help)\n", app.get_name().c_str(), e.what());
    return exit_bad_input;
  }
  return std::nullopt;
}

/// True when a CUDA device can be used; otherwise `why` says why not.
inline bool cuda_device_available(std::string& why) {
  int count = 0;
  cudaError_t const err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    why = std::string("no CUDA device (") + cudaGetErrorString(err) + ")";
    return false;
  }
  if (count == 0) {
    why = "no CUDA device";
    return false;
  }
  return true;
}

/// The shared data directory: $SNICIT_DATA_DIR, else the configure-time default.
inline std::filesystem::path data_dir() {
  if (char const* env = std::getenv("SNICIT_DATA_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
#if defined(SNICIT_DEFAULT_DATA_DIR)
  return SNICIT_DEFAULT_DATA_DIR;
#else
  return "../shared/data";
#endif
}

/// Resolves a default data file; throws snicit::IoError naming the path if it is missing.
inline std::filesystem::path require_data_file(std::filesystem::path const& relative,
                                               std::string const& option) {
  auto const path = data_dir() / relative;
  if (!std::filesystem::exists(path)) {
    throw snicit::IoError(path.string(),
                          0,
                          "default data for " + option + " is missing; pass " + option +
                              " or set SNICIT_DATA_DIR to the shared data folder");
  }
  return path;
}

/// Writes `doc` to `path` ("-" = stdout) through a temporary file, so no partial file is left.
inline void write_json(std::string const& path, nlohmann::json const& doc) {
  if (path == "-") {
    std::cout << doc.dump(2) << '\n';
    return;
  }
  auto const tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) {
      throw snicit::IoError(path, 0, "cannot open for writing");
    }
    out << doc.dump(2) << '\n';
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw snicit::IoError(path, 0, "write failed");
    }
  }
  std::filesystem::rename(tmp, path);
}

/// Milliseconds since `start`.
inline double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

/// The part of every JSON report that says what produced it.
inline nlohmann::json program_meta(std::string const& program, int argc, char** argv) {
  nlohmann::json cmd = nlohmann::json::array();
  for (int i = 0; i < argc; ++i) {
    cmd.push_back(argv[i]);
  }
  return {{"program", program}, {"snicit_version", SNICIT_VERSION_STRING}, {"command_line", cmd}};
}

/// JSON of the adaptive-threshold checks of a round (cluster::Adaptive; empty otherwise).
inline nlohmann::json checks_json(std::vector<ThresholdCheck> const& checks) {
  nlohmann::json out = nlohmann::json::array();
  for (auto const& c : checks) {
    out.push_back({{"layer", c.layer},
                   {"live", c.live},
                   {"centroids", c.centroids},
                   {"probes", c.probes},
                   {"nonempty_probes", c.nonempty_probes},
                   {"predicted_rows", c.predicted_rows},
                   {"converts", c.converts}});
  }
  return out;
}

/// JSON of a run's per-round counts (the programs' and snicit-bench's "rounds").
inline nlohmann::json rounds_json(RunStats const& s) {
  nlohmann::json rounds = nlohmann::json::array();
  for (auto const& r : s.rounds) {
    rounds.push_back({{"first_row", r.first_row},
                      {"rows", r.rows},
                      {"live_inputs", r.live_inputs},
                      {"threshold_layer", r.threshold_layer},
                      {"threshold_checks", checks_json(r.threshold_checks)},
                      {"alive_per_pre_layer", r.alive_per_pre_layer},
                      {"live_at_conversion", r.live_at_conversion},
                      {"centroids", r.centroids},
                      {"nonempty_after_conversion", r.nonempty_after_conversion},
                      {"nonempty_per_post_layer", r.nonempty_per_post_layer},
                      {"final_rows", r.final_rows}});
  }
  return rounds;
}

}  // namespace snicit::programs
