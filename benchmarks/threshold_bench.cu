// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit-threshold-bench: the automatic threshold layer (cluster::Adaptive) against the grid of
// fixed t, for time and accuracy / category match (docs/adaptive.md).
//
//   snicit-threshold-bench [--data DIR] [--reps N] [--json FILE] [--quick]
//                          [--auto-probes P] [--auto-window W] [--auto-every-round]
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
                int reps) {
  snicit::Stream stream;
  snicit::EngineOptions eo;
  eo.max_batch = o.batch_size > 0 ? o.batch_size : in.rows;
  eo.snicit = o;
  eo.return_activations = activations;
  snicit::Engine<float, snicit::spmm::Auto<>, Cluster> engine(net, eo, stream);
  (void)engine.run(in, stream);  // warm-up (and the post graph's capture)
  std::vector<double> ms;
  Measure m;
  for (int i = 0; i < reps; ++i) {
    auto r = engine.run(in, stream);
    ms.push_back(r.stats.ms.total_ms());
    if (i == 0) {
      m.categories = std::move(r.categories);
      m.activations = std::move(r.activations);
      for (auto const& rs : r.stats.rounds) {
        m.thresholds.push_back(rs.threshold_layer);
        m.checks += static_cast<std::int64_t>(rs.threshold_checks.size());
      }
    }
  }
  std::sort(ms.begin(), ms.end());
  m.ms = ms[ms.size() / 2];
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
};

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

}  // namespace

int main(int argc, char** argv) {
  fs::path data = std::getenv("SNICIT_DATA_DIR") ? std::getenv("SNICIT_DATA_DIR") : "";
  int reps = 5;
  std::string json_path;
  bool quick = false;
  snicit::AdaptiveOptions adaptive;  // defaults unless set below
  for (int i = 1; i < argc; ++i) {
    std::string const a = argv[i];
    if (a == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--json" && i + 1 < argc) {
      json_path = argv[++i];
    } else if (a == "--quick") {
      quick = true;
    } else if (a == "--auto-probes" && i + 1 < argc) {
      adaptive.probes = std::atoll(argv[++i]);
    } else if (a == "--auto-window" && i + 1 < argc) {
      adaptive.window = std::atoll(argv[++i]);
    } else if (a == "--auto-every-round") {
      adaptive.every_round = true;
    } else {
      std::fprintf(stderr,
                   "usage: snicit-threshold-bench [--data DIR] [--reps N] [--json FILE] "
                   "[--quick] [--auto-probes P] [--auto-window W] [--auto-every-round]\n");
      return 2;
    }
  }
  try {
    nlohmann::json out = nlohmann::json::array();

    // --- network A ---
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
      for (std::int64_t batch : {1000, 10000}) {
        std::printf("network A (n128-l18, 10000 MNIST images), batch %lld\n",
                    static_cast<long long>(batch));
        std::vector<Row> rows;
        auto o = SnicitOptions::beyond_defaults(L);
        o.batch_size = batch;
        o.adaptive = adaptive;
        for (std::int64_t t = 0; t < L; t += 2) {
          o.threshold_layer = t;
          auto const m = measure<snicit::cluster::CoarseSample<>>(net.hidden, first, o, true, reps);
          rows.push_back({"t=" + std::to_string(t), m.ms, accuracy(m), ""});
        }
        auto const m = measure<snicit::cluster::Adaptive<>>(net.hidden, first, o, true, reps);
        rows.push_back({"auto", m.ms, accuracy(m), rounds_text(m.thresholds), m.checks});
        out.push_back(report_workload("network A", batch, 8, rows, true));
      }
    } else {
      std::printf("network A skipped: data missing under %s\n", data.string().c_str());
    }

    // --- generated SDGC ---
    std::vector<std::pair<std::int64_t, std::int64_t>> sdgc{{1024, 120}, {1024, 480}};
    if (!quick) {
      sdgc.push_back({4096, 120});
    }
    for (auto const& [n, layers] : sdgc) {
      auto const net = snicit::data::generate_sdgc_network({n, layers, 1});
      auto const in = snicit::data::synthetic_sdgc_images(n, 60000, 1);
      std::vector<std::int64_t> exact;
      {
        snicit::Stream stream;
        snicit::EngineOptions eo;
        eo.max_batch = 60000;
        eo.return_activations = false;
        snicit::Engine<float, snicit::spmm::RowGather<>, snicit::cluster::None> e(net, eo, stream);
        exact = e.run(in, stream).categories;
      }
      std::string const name =
          "SDGC " + std::to_string(n) + "-" + std::to_string(layers) + " (60000 synthetic)";
      for (std::int64_t batch : {10000, 60000}) {
        std::printf("%s, batch %lld (%zu exact categories)\n",
                    name.c_str(),
                    static_cast<long long>(batch),
                    exact.size());
        std::vector<Row> rows;
        auto o = SnicitOptions::sdgc_defaults(layers);
        o.batch_size = batch;
        o.adaptive = adaptive;
        int const r = n > 1024 ? std::max(1, reps / 2) : reps;
        std::vector<std::int64_t> grid;
        for (std::int64_t t = quick ? 4 : 2; t <= 40; t += quick ? 4 : 2) {
          grid.push_back(t);
        }
        if (quick) {
          grid.push_back(30);  // the paper's default
        }
        for (auto const t : grid) {
          o.threshold_layer = t;
          auto const m = measure<snicit::cluster::CoarseSample<>>(net, in, o, false, r);
          rows.push_back({"t=" + std::to_string(t), m.ms, m.categories == exact ? 1.0 : 0.0, ""});
        }
        auto const m = measure<snicit::cluster::Adaptive<>>(net, in, o, false, r);
        rows.push_back(
            {"auto", m.ms, m.categories == exact ? 1.0 : 0.0, rounds_text(m.thresholds), m.checks});
        out.push_back(report_workload(name, batch, 30, rows, false));
      }
    }
    if (!json_path.empty()) {
      std::ofstream(json_path) << out.dump(2) << "\n";
    }
  } catch (std::exception const& e) {
    std::fprintf(stderr, "snicit-threshold-bench: %s\n", e.what());
    return 3;
  }
  return 0;
}
