// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit-threshold-bench: the automatic threshold layer (cluster::Adaptive) against the grid of
// fixed t, for time and accuracy / category match (docs/adaptive.md).
//
//   snicit-threshold-bench [--data DIR] [--reps N] [--json FILE] [--quick] [--workloads LIST]
//                          [--batches LIST] [--auto-probes P] [--auto-window W]
//                          [--auto-every-round] [--layer-times]
//
// Workloads: network A (beyond/n128-l18 on the 10000 MNIST t10k images; skipped without the
// data) at batch 1000 and 10000, fixed t = 0, 2, ..., 16 (paper default 8); generated SDGC
// 1024 x 120 and 1024 x 480 (and 4096 x 120 unless --quick) on 60000 synthetic images at batch
// 10000 and 60000, fixed t = 2, 4, ..., 40 (paper default 30). Time = median over N runs of the
// engine's GPU phase time (CUDA events from the first pre layer to the end of recovery, so the
// detector's checks and the host reads they wait for are included); spMM backend spmm::Auto<>.
// SDGC categories are compared with the exact engine (cluster::None, RowGather: bit-identical
// to the CPU reference), network A accuracy with the labels.
#include <snicit/data/images.hpp>
#include <snicit/data/radixnet.hpp>
#include <snicit/engine.cuh>
#include <snicit/io/beyond.hpp>
#include <snicit/io/mnist.hpp>
#include <snicit/reference/reference.hpp>

#include <nlohmann/json.hpp>

#include "program.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using snicit::SnicitOptions;

struct Measure {
  double ms = 0;
  snicit::PhaseTimes phases;     // of the median run, all rounds
  std::vector<double> layer_ms;  // --layer-times: round 0's layers 1..t of one more run
  std::vector<std::int64_t> categories;
  snicit::DenseMatrix<float> activations;
  std::vector<std::int64_t> thresholds;
  std::int64_t checks = 0;  // measured detector checks, all rounds
};

template <class Cluster, class Input>
Measure measure(snicit::SparseNetwork<float> const& net,
                Input const& in,
                SnicitOptions const& o,
                bool activations,
                int reps,
                bool layer_times = false) {
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = o.batch_size > 0 ? o.batch_size : in.rows;
  eo.snicit = o;
  eo.return_activations = activations;
  snicit::Engine<float, snicit::spmm::Auto<>, Cluster> engine(net, eo, stream);
  (void)engine.run(in, stream);  // warm-up (and the post graph's capture)
  std::vector<snicit::PhaseTimes> ms;
  Measure m;
  for (int i = 0; i < reps; ++i) {
    auto r = engine.run(in, stream);
    ms.push_back(r.stats.ms);
    if (i == 0) {
      m.categories = std::move(r.categories);
      m.activations = std::move(r.activations);
      for (auto const& rs : r.stats.rounds) {
        m.thresholds.push_back(rs.threshold_layer);
        m.checks += static_cast<std::int64_t>(rs.threshold_checks.size());
      }
    }
  }
  std::sort(ms.begin(), ms.end(), [](auto const& a, auto const& b) {
    return a.total_ms() < b.total_ms();
  });
  m.phases = ms[ms.size() / 2];
  m.ms = m.phases.total_ms();
  if (layer_times) {  // an observer disables the post graph: a separate, untimed-total run
    engine.set_observer([&](snicit::LayerReport const& r) {
      if (r.round == 0 && r.phase == snicit::Phase::pre_convergence) {
        m.layer_ms.push_back(r.ms);
      }
    });
    (void)engine.run(in, stream);
  }
  return m;
}

std::string rounds_text(std::vector<std::int64_t> const& t) {
  std::vector<std::int64_t> u = t;
  std::sort(u.begin(), u.end());
  u.erase(std::unique(u.begin(), u.end()), u.end());
  std::string s;
  for (auto v : u) {
    if (!s.empty()) {
      s += '/';
    }
    s += std::to_string(v);
  }
  return s;
}

struct Row {
  std::string label;  // "t=8" or "auto"
  double ms = 0;
  double quality = 0;  // accuracy (network A) or 1/0 category match (SDGC)
  std::string chosen;
  std::int64_t checks = 0;
  snicit::PhaseTimes phases;
  std::vector<double> layer_ms;
};

/// A grid row ("t=N") or the adaptive row ("auto": its t per round and its checks) of `m`.
Row make_row(std::string label, double quality, Measure const& m) {
  bool const automatic = label == "auto";
  return {std::move(label),
          m.ms,
          quality,
          automatic ? rounds_text(m.thresholds) : std::string(),
          automatic ? m.checks : 0,
          m.phases,
          m.layer_ms};
}

nlohmann::json report_workload(std::string const& name,
                               std::int64_t batch,
                               std::int64_t paper_t,
                               std::vector<Row> const& rows,
                               bool accuracy) {
  Row const* best = nullptr;
  Row const* paper = nullptr;
  Row const* automatic = nullptr;
  for (auto const& r : rows) {
    if (r.label == "auto") {
      automatic = &r;
    } else {
      if (best == nullptr || r.ms < best->ms) {
        best = &r;
      }
      if (r.label == "t=" + std::to_string(paper_t)) {
        paper = &r;
      }
    }
  }
  nlohmann::json j;
  j["workload"] = name;
  j["batch"] = batch;
  nlohmann::json grid = nlohmann::json::array();
  for (auto const& r : rows) {
    grid.push_back({{"t", r.label}, {"ms", r.ms}, {accuracy ? "accuracy" : "match", r.quality}});
    std::printf("  %-7s %9.3f ms  %s %s%s\n",
                r.label.c_str(),
                r.ms,
                accuracy ? (std::to_string(100.0 * r.quality).substr(0, 6) + " %").c_str()
                         : (r.quality > 0.5 ? "categories MATCH" : "categories MISMATCH"),
                r.chosen.c_str(),
                r.label == "auto" ? (" (" + std::to_string(r.checks) + " checks)").c_str() : "");
  }
  j["grid"] = grid;
  if (best && paper && automatic) {
    j["best_fixed"] = {{"t", best->label}, {"ms", best->ms}, {"quality", best->quality}};
    j["paper_default"] = {{"t", paper->label}, {"ms", paper->ms}, {"quality", paper->quality}};
    j["auto"] = {{"t", automatic->chosen},
                 {"ms", automatic->ms},
                 {"quality", automatic->quality},
                 {"checks", automatic->checks}};
    // The fixed run at the t adaptive chose (when all rounds chose one t): the difference is
    // what the checks cost.
    for (auto const& r : rows) {
      if (r.label == "t=" + automatic->chosen) {
        auto const& a = automatic->phases;
        auto const& f = r.phases;
        j["fixed_at_auto_t_ms"] = r.ms;
        j["auto_minus_fixed_ms"] = {{"pre", a.pre_ms - f.pre_ms},
                                    {"conversion", a.conversion_ms - f.conversion_ms},
                                    {"post", a.post_ms - f.post_ms},
                                    {"recovery", a.recovery_ms - f.recovery_ms}};
        if (automatic->checks > 0) {
          j["ms_per_check"] = (automatic->ms - r.ms) / static_cast<double>(automatic->checks);
        }
        std::printf(
            "  auto against fixed t=%s: %+.3f ms over %lld checks (pre %+.3f, conversion "
            "%+.3f, post %+.3f, recovery %+.3f)\n",
            automatic->chosen.c_str(),
            automatic->ms - r.ms,
            static_cast<long long>(automatic->checks),
            a.pre_ms - f.pre_ms,
            a.conversion_ms - f.conversion_ms,
            a.post_ms - f.post_ms,
            a.recovery_ms - f.recovery_ms);
        if (!automatic->layer_ms.empty() && !r.layer_ms.empty()) {
          std::printf("  round 0 pre layers, ms (auto / fixed):");
          for (std::size_t l = 0; l < automatic->layer_ms.size() && l < r.layer_ms.size(); ++l) {
            std::printf(" %zu:%.3f/%.3f", l + 1, automatic->layer_ms[l], r.layer_ms[l]);
          }
          std::printf("\n");
        }
      }
    }
    double const ratio = automatic->ms / best->ms;
    bool const quality_ok =
        accuracy ? automatic->quality >= paper->quality - 1e-12 : automatic->quality > 0.5;
    j["auto_over_best"] = ratio;
    j["within_10pct"] = ratio <= 1.10;
    j["quality_ok"] = quality_ok;
    std::printf(
        "SUMMARY %s batch %lld: auto t=%s %.3f ms | best fixed %s %.3f ms (x%.3f) | "
        "paper %s %.3f ms | quality auto %.4f paper %.4f best %.4f | %s %s\n",
        name.c_str(),
        static_cast<long long>(batch),
        automatic->chosen.c_str(),
        automatic->ms,
        best->label.c_str(),
        best->ms,
        ratio,
        paper->label.c_str(),
        paper->ms,
        automatic->quality,
        paper->quality,
        best->quality,
        ratio <= 1.10 ? "TIME-OK" : "TIME-MISS",
        quality_ok ? "QUALITY-OK" : "QUALITY-MISS");
  }
  std::fflush(stdout);
  return j;
}

struct Cli {
  std::string data;
  int reps = 5;
  std::string json_path;
  bool quick = false;
  std::vector<std::string> workloads;
  std::vector<std::int64_t> batches;
  bool layer_times = false;
  snicit::AdaptiveOptions adaptive;  // defaults unless set below
};

/// A generated SDGC workload "N-L"; throws snicit::LogicError naming the option otherwise.
std::pair<std::int64_t, std::int64_t> parse_sdgc_workload(std::string const& w) {
  auto const dash = w.find('-');
  std::int64_t n = 0;
  std::int64_t l = 0;
  try {
    std::size_t used = 0;
    if (dash != std::string::npos) {
      n = std::stoll(w.substr(0, dash), &used);
      if (used == dash) {
        l = std::stoll(w.substr(dash + 1), &used);
      }
    }
    if (dash == std::string::npos || used != w.size() - dash - 1) {
      n = 0;
    }
  } catch (std::exception const&) {
    n = 0;
  }
  SNICIT_EXPECTS((n == 1024 || n == 4096 || n == 16384 || n == 65536) && l >= 3 && l <= 1920,
                 "--workloads: '" + w +
                     "' is neither A nor N-L with N in {1024, 4096, 16384, 65536}, 3 <= L <= 1920");
  return {n, l};
}

int run(int argc, char** argv) {
  Cli cli;
  cli.data = snicit::programs::data_dir().string();
  CLI::App app{"snicit-threshold-bench: cluster::Adaptive against the grid of fixed t",
               "snicit-threshold-bench"};
  app.add_option("--data", cli.data, "data directory (network A and MNIST)")->capture_default_str();
  app.add_option("--reps", cli.reps, "timed runs per configuration (median)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--json", cli.json_path, "write the results as JSON");
  app.add_flag("--quick", cli.quick, "grid step 4 (plus the paper default), no 4096-120");
  app.add_option("--workloads",
                 cli.workloads,
                 "comma-separated: A (network A on MNIST), N-L (generated SDGC, e.g. 1024-120); "
                 "default A,1024-120,1024-480,4096-120")
      ->delimiter(',');
  app.add_option("--batches",
                 cli.batches,
                 "comma-separated batch sizes for every workload (default: network A 1000,10000; "
                 "SDGC 10000,60000)")
      ->delimiter(',')
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{60000}));
  app.add_option("--auto-probes", cli.adaptive.probes, "adaptive: probe rows per check")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30));
  app.add_option("--auto-window", cli.adaptive.window, "adaptive: consecutive passing checks")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000}));
  app.add_flag("--auto-every-round", cli.adaptive.every_round, "adaptive: a detector per round");
  app.add_flag("--layer-times",
               cli.layer_times,
               "one more run per configuration with layer events: round 0's pre-layer times of "
               "adaptive and of the fixed t it chose");
  if (auto const rc = snicit::programs::parse_command_line(app, argc, argv)) {
    return *rc;
  }
  if (cli.workloads.empty()) {
    cli.workloads = {"A", "1024-120", "1024-480"};
    if (!cli.quick) {
      cli.workloads.emplace_back("4096-120");
    }
  }
  bool want_a = false;
  std::vector<std::pair<std::int64_t, std::int64_t>> sdgc;
  for (auto const& w : cli.workloads) {
    if (w == "A" || w == "a") {
      want_a = true;
    } else {
      sdgc.push_back(parse_sdgc_workload(w));
    }
  }
  for (auto const v : cli.batches) {
    SNICIT_EXPECTS(!want_a || v <= 10000,
                   "--batches: " + std::to_string(v) + " exceeds network A's 10000 images");
  }
  auto const batches_or = [&](std::vector<std::int64_t> def) {
    return cli.batches.empty() ? def : cli.batches;
  };
  std::string why;
  if (!snicit::programs::cuda_device_available(why)) {
    std::printf("snicit-threshold-bench: skipped: %s\n", why.c_str());
    return 77;
  }
  int const reps = cli.reps;
  fs::path const data = cli.data;
  nlohmann::json out = nlohmann::json::array();

  // --- network A ---
  if (want_a) {
    fs::path const net_dir = data / "beyond" / "n128-l18";
    fs::path const img = data / "mnist" / "t10k-images-idx3-ubyte.gz";
    fs::path const lbl = data / "mnist" / "t10k-labels-idx1-ubyte.gz";
    if (fs::exists(net_dir) && fs::exists(img) && fs::exists(lbl)) {
      auto const net = snicit::io::read_beyond_network(net_dir);
      auto const x = snicit::io::mnist_to_dense(snicit::io::read_mnist_images(img));
      auto const labels = snicit::io::read_mnist_labels(lbl);
      auto const first = snicit::reference::dense_layer(*net.input, x, net.hidden.activation_cap);
      std::int64_t const L = net.hidden.num_layers();
      auto accuracy = [&](Measure const& m) {
        auto const logits =
            snicit::reference::output_logits(net, x.rows, m.categories, m.activations);
        return snicit::reference::accuracy(snicit::reference::argmax_rows(logits), labels);
      };
      for (std::int64_t batch : batches_or({1000, 10000})) {
        std::printf("network A (n128-l18, 10000 MNIST images), batch %lld\n",
                    static_cast<long long>(batch));
        std::vector<Row> rows;
        auto o = SnicitOptions::beyond_defaults(L);
        o.batch_size = batch;
        o.adaptive = cli.adaptive;
        for (std::int64_t t = 0; t < L; t += 2) {
          o.threshold_layer = t;
          auto const m = measure<snicit::cluster::CoarseSample<>>(
              net.hidden, first, o, true, reps, cli.layer_times);
          rows.push_back(make_row("t=" + std::to_string(t), accuracy(m), m));
        }
        auto const m =
            measure<snicit::cluster::Adaptive<>>(net.hidden, first, o, true, reps, cli.layer_times);
        rows.push_back(make_row("auto", accuracy(m), m));
        out.push_back(report_workload("network A", batch, 8, rows, true));
      }
    } else {
      std::printf(
          "network A skipped: data missing under %s (needs beyond/n128-l18 and the MNIST "
          "t10k files; --data or SNICIT_DATA_DIR)\n",
          data.string().c_str());
    }
  }

  // --- generated SDGC ---
  std::int64_t const images = 60000;
  for (auto const& [n, layers] : sdgc) {
    auto const net = snicit::data::generate_sdgc_network({n, layers, 1});
    auto const in = snicit::data::synthetic_sdgc_images(n, images, 1);
    std::vector<std::int64_t> exact;
    {
      snicit::Stream stream;
      snicit::EngineOptions eo;
      eo.max_batch = images;
      eo.return_activations = false;
      snicit::Engine<float, snicit::spmm::Auto<>, snicit::cluster::None> e(net, eo, stream);
      exact = e.run(in, stream).categories;
    }
    std::string const name =
        "SDGC " + std::to_string(n) + "-" + std::to_string(layers) + " (60000 synthetic)";
    std::int64_t const paper_t = SnicitOptions::sdgc_defaults(layers).threshold_layer;
    for (std::int64_t batch : batches_or({10000, 60000})) {
      std::printf("%s, batch %lld (%zu exact categories)\n",
                  name.c_str(),
                  static_cast<long long>(batch),
                  exact.size());
      std::vector<Row> rows;
      auto o = SnicitOptions::sdgc_defaults(layers);
      o.batch_size = batch;
      o.adaptive = cli.adaptive;
      std::vector<std::int64_t> grid;
      std::int64_t const t_max = std::min<std::int64_t>(40, layers - 1);
      for (std::int64_t t = cli.quick ? 4 : 2; t <= t_max; t += cli.quick ? 4 : 2) {
        grid.push_back(t);
      }
      if (std::find(grid.begin(), grid.end(), paper_t) == grid.end()) {
        grid.push_back(paper_t);  // the paper's default
      }
      for (auto const t : grid) {
        o.threshold_layer = t;
        auto const m =
            measure<snicit::cluster::CoarseSample<>>(net, in, o, false, reps, cli.layer_times);
        rows.push_back(make_row("t=" + std::to_string(t), m.categories == exact ? 1.0 : 0.0, m));
      }
      auto const m = measure<snicit::cluster::Adaptive<>>(net, in, o, false, reps, cli.layer_times);
      rows.push_back(make_row("auto", m.categories == exact ? 1.0 : 0.0, m));
      out.push_back(report_workload(name, batch, paper_t, rows, false));
    }
  }
  if (!cli.json_path.empty()) {
    snicit::programs::write_json(cli.json_path, out);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return snicit::programs::guarded_main("snicit-threshold-bench", [&] { return run(argc, argv); });
}
