// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
//
// snicit-io-bench: TSV parse speed of snicit::io (MB/s, 1 thread and all threads) and the load
// time of the same content from the snicit binary format (speed-up factor). Medians over --reps.
//
//   snicit-io-bench                                  # generates a ~220 MB SDGC-like layer TSV
//   snicit-io-bench --file n1024-l1.tsv --neurons 1024 --reps 9
//   snicit-io-bench --file sparse-images-1024.tsv.gz --kind images --neurons 1024 --json io.json

#include <snicit/io/io.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "program.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace {

namespace io = snicit::io;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto const n = v.size();
  return n == 0 ? 0.0 : (n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

/// Writes an SDGC-like layer: N x N, 32 random distinct rows per column, value 1/16, lines
/// sorted by column then row like the official files. Independent of snicit::data.
void generate_layer(fs::path const& file, std::int64_t n, std::uint64_t seed) {
  std::ofstream out(file, std::ios::binary);
  if (!out) {
    throw snicit::IoError(file.string(), 0, "cannot create the generated benchmark file");
  }
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> pick(0, n - 1);
  std::string buf;
  buf.reserve(std::size_t(8) << 20);
  std::vector<std::int64_t> rows;
  int const per_col = static_cast<int>(std::min<std::int64_t>(32, n));
  for (std::int64_t c = 0; c < n; ++c) {
    rows.clear();
    while (static_cast<int>(rows.size()) < per_col) {
      auto const r = pick(rng);
      if (std::find(rows.begin(), rows.end(), r) == rows.end()) {
        rows.push_back(r);
      }
    }
    std::sort(rows.begin(), rows.end());
    for (auto const r : rows) {
      char line[64];
      char* p = std::to_chars(line, line + 24, r + 1).ptr;
      *p++ = '\t';
      p = std::to_chars(p, p + 24, c + 1).ptr;
      static constexpr char value[] = "\t6.250000e-02\n";
      std::copy(value, value + sizeof(value) - 1, p);
      p += sizeof(value) - 1;
      buf.append(line, p);
    }
    if (buf.size() > (std::size_t(7) << 20)) {
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
  }
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  if (!out.flush()) {
    throw snicit::IoError(file.string(), 0, "write failed (disk full?)");
  }
}

/// Removes a file on scope exit.
struct Cleanup {
  fs::path path;
  ~Cleanup() {
    if (!path.empty()) {
      std::error_code ec;
      fs::remove(path, ec);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"snicit::io benchmark: TSV parse speed and binary load speed-up", "snicit-io-bench"};
  std::string file;
  std::string kind = "auto";
  std::int64_t neurons = 0;
  int threads = 0;
  int reps = 3;
  std::string json;
  std::string tmp_dir = fs::temp_directory_path().string();
  app.add_option("--file", file, "TSV to parse (default: generate a ~220 MB SDGC-like layer)");
  app.add_option("--kind", kind, "layer | images | auto (images if the name has 'images')")
      ->check(CLI::IsMember({"auto", "layer", "images"}));
  app.add_option("--neurons", neurons, "N (default: 262144 when generating, else required)");
  app.add_option("--threads", threads, "threads of the parallel run (0 = all hardware threads)");
  app.add_option("--reps", reps, "repetitions per measurement (median reported)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--json", json, "also write the results as JSON to this file ('-' = stdout)");
  app.add_option("--tmp-dir", tmp_dir, "where to put the generated TSV and the binary file");
  if (auto const rc = snicit::programs::parse_command_line(app, argc, argv)) {
    return *rc;
  }
  return snicit::programs::guarded_main("snicit-io-bench", [&]() -> int {
    Cleanup generated;
    Cleanup binary;
    auto const tag = std::to_string(::getpid());
    if (file.empty()) {
      if (neurons <= 0) {
        neurons = 262144;
      }
      kind = "layer";
      generated.path = fs::path(tmp_dir) / ("snicit-io-bench-" + tag + ".tsv");
      std::printf("generating %s (SDGC-like layer, N = %lld, 32 entries per column) ...\n",
                  generated.path.c_str(),
                  static_cast<long long>(neurons));
      std::fflush(stdout);
      auto const t0 = Clock::now();
      generate_layer(generated.path, neurons, 42);
      std::printf("  %.1f MB in %.2f s\n",
                  static_cast<double>(fs::file_size(generated.path)) / 1e6,
                  seconds_since(t0));
      file = generated.path.string();
    } else if (neurons <= 0) {
      throw snicit::LogicError("--neurons is required with --file");
    }
    if (kind == "auto") {
      kind = fs::path(file).filename().string().find("images") != std::string::npos ? "images"
                                                                                    : "layer";
    }
    int const all = snicit::detail::resolve_threads(threads);
    // MB/s are of text: for a gzip file, of the decompressed bytes.
    double const file_mb = static_cast<double>(fs::file_size(file)) / 1e6;
    double mb = file_mb;
    bool gzip = false;
    {
      io::detail::LineBlockReader reader(file, std::size_t(64) << 20);
      io::detail::Buffer block;
      std::uint64_t text = 0;
      while (reader.next(block)) {
        text += block.size;
      }
      mb = static_cast<double>(text) / 1e6;
      gzip = mb != file_mb;
    }
    auto parse = [&](int t) {
      return kind == "images" ? io::read_sdgc_images(file, neurons, -1, {t})
                              : io::read_sdgc_layer(file, neurons, {t});
    };

    auto time_parse = [&](int t, snicit::CsrMatrix<float>* keep) {
      std::vector<double> s;
      for (int r = 0; r < reps; ++r) {
        auto const t0 = Clock::now();
        auto m = parse(t);
        s.push_back(seconds_since(t0));
        if (keep != nullptr && r == 0) {
          *keep = std::move(m);
        }
      }
      return median(s);
    };
    std::printf(
        "file %s: %.1f MB of text%s, %s, N = %lld; %d hardware threads, median of %d\n",
        file.c_str(),
        mb,
        gzip ? (" (gzip, " + std::to_string(file_mb).substr(0, 5) + " MB on disk)").c_str() : "",
        kind.c_str(),
        static_cast<long long>(neurons),
        static_cast<int>(std::thread::hardware_concurrency()),
        reps);
    snicit::CsrMatrix<float> parsed;
    double const t1 = time_parse(1, &parsed);
    std::printf("  TSV parse, 1 thread : %8.3f s  %8.1f MB/s\n", t1, mb / t1);
    double const tn = all > 1 ? time_parse(all, nullptr) : t1;
    std::printf("  TSV parse, %d threads: %8.3f s  %8.1f MB/s  (%.1f MB/s per thread, %.2fx)\n",
                all,
                tn,
                mb / tn,
                mb / tn / all,
                t1 / tn);

    binary.path = fs::path(tmp_dir) / ("snicit-io-bench-" + tag + ".snb");
    auto const ts = Clock::now();
    io::save_matrix(binary.path, parsed);
    double const save_s = seconds_since(ts);
    double const bin_mb = static_cast<double>(fs::file_size(binary.path)) / 1e6;
    std::vector<double> loads;
    bool same = true;
    for (int r = 0; r < reps; ++r) {
      auto const t0 = Clock::now();
      auto const m = io::load_csr(binary.path);
      loads.push_back(seconds_since(t0));
      same = same && (m == parsed);
    }
    double const load_s = median(loads);
    std::printf("  binary save        : %8.3f s  (%.1f MB, nnz %lld%s)\n",
                save_s,
                bin_mb,
                static_cast<long long>(parsed.nnz()),
                parsed.has_uniform_values() ? ", uniform values stored once" : "");
    std::printf(
        "  binary load        : %8.3f s  %8.1f MB/s of TSV equivalent\n", load_s, mb / load_s);
    std::printf("  speed-up of binary load: %.1fx vs %d-thread parse, %.1fx vs 1-thread parse%s\n",
                tn / load_s,
                all,
                t1 / load_s,
                same ? "" : "  (MISMATCH: loaded matrix differs!)");

    if (!json.empty()) {
      nlohmann::json doc = snicit::programs::program_meta("snicit-io-bench", argc, argv);
      doc["file"] = file;
      doc["generated"] = !generated.path.empty();
      doc["kind"] = kind;
      doc["neurons"] = neurons;
      doc["tsv_mb"] = mb;
      doc["file_mb"] = file_mb;
      doc["gzip"] = gzip;
      doc["nnz"] = parsed.nnz();
      doc["reps"] = reps;
      doc["hardware_threads"] = std::thread::hardware_concurrency();
      doc["parse_1_thread"] = {{"seconds", t1}, {"mb_per_s", mb / t1}};
      doc["parse_all_threads"] = {{"threads", all},
                                  {"seconds", tn},
                                  {"mb_per_s", mb / tn},
                                  {"mb_per_s_per_thread", mb / tn / all}};
      doc["binary"] = {{"mb", bin_mb},
                       {"save_seconds", save_s},
                       {"load_seconds", load_s},
                       {"speedup_vs_parallel_parse", tn / load_s},
                       {"speedup_vs_1_thread_parse", t1 / load_s},
                       {"round_trip_equal", same}};
      snicit::programs::write_json(json, doc);
    }
    return same ? snicit::programs::exit_ok : snicit::programs::exit_mismatch;
  });
}
