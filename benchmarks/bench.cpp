// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
//
// snicit-bench: the SDGC benchmark suite (N 1024/4096/16384/65536 x L 120/480/1920, RadiX-Net
// networks generated on the GPU, synthetic images) and MNIST network A, for every chosen
// backend x mode, with warm-up, repetitions, CUDA-event phase times, TeraEdges/s, peak device
// memory and verification (docs/benchmarks.md). Exit codes: 0 all verified, 1 a verification
// failed, 2 bad usage or input, 3 runtime failure.

#include <snicit/data/data.hpp>
#include <snicit/io/io.hpp>
#include <snicit/network.hpp>
#include <snicit/reference/reference.hpp>

#include "bench_gpu.hpp"
#include "program.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#if !defined(SNICIT_GIT_COMMIT)
#define SNICIT_GIT_COMMIT "unknown"
#endif

namespace snicit::bench {

nlohmann::json gpu_metadata() {
  nlohmann::json m;
  int dev = 0;
  SNICIT_CUDA_TRY(cudaGetDevice(&dev));
  cudaDeviceProp prop{};
  SNICIT_CUDA_TRY(cudaGetDeviceProperties(&prop, dev));
  int driver = 0;
  int runtime = 0;
  SNICIT_CUDA_TRY(cudaDriverGetVersion(&driver));
  SNICIT_CUDA_TRY(cudaRuntimeGetVersion(&runtime));
  auto ver = [](int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); };
  m["gpu"] = prop.name;
  m["compute_capability"] = std::to_string(prop.major) + "." + std::to_string(prop.minor);
  m["sm_count"] = prop.multiProcessorCount;
  m["memory_bytes"] = prop.totalGlobalMem;
  m["driver_cuda_version"] = ver(driver);
  m["runtime_cuda_version"] = ver(runtime);
  return m;
}

}  // namespace snicit::bench

namespace {

using namespace snicit;
using namespace snicit::programs;
using bench::Backend;
namespace fs = std::filesystem;

char const* const program = "snicit-bench";

struct Benchmark {
  std::string name;  ///< "1024-120" or "mnist"
  std::int64_t neurons = 0;
  std::int64_t layers = 0;
};

/// "N-L" with positive integers, or nothing.
std::optional<Benchmark> parse_any(std::string const& item) {
  auto const dash = item.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == item.size() ||
      item.find_first_not_of("0123456789-") != std::string::npos ||
      item.find('-', dash + 1) != std::string::npos || item.size() > 18) {
    return std::nullopt;
  }
  std::int64_t const n = std::stoll(item.substr(0, dash));
  std::int64_t const l = std::stoll(item.substr(dash + 1));
  if (n <= 0 || l <= 0) {
    return std::nullopt;
  }
  return Benchmark{item, n, l};
}

/// The suite; with `files` (--network given) any N-L names the network's N and its first L
/// layers.
std::vector<Benchmark> parse_suite(std::string const& spec, bool files) {
  std::vector<Benchmark> all;
  for (std::int64_t n : {1024, 4096, 16384, 65536}) {
    for (std::int64_t l : {120, 480, 1920}) {
      all.push_back({std::to_string(n) + "-" + std::to_string(l), n, l});
    }
  }
  std::vector<Benchmark> out;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item == "all" || item == "sdgc") {
      out.insert(out.end(), all.begin(), all.end());
      if (item == "all") {
        out.push_back({"mnist", 0, 0});
      }
      continue;
    }
    if (item == "mnist") {
      out.push_back({"mnist", 0, 0});
      continue;
    }
    auto const it =
        std::find_if(all.begin(), all.end(), [&](auto const& b) { return b.name == item; });
    if (files && it == all.end() && parse_any(item)) {
      out.push_back(*parse_any(item));
      continue;
    }
    if (it == all.end()) {
      throw LogicError("--suite: unknown benchmark '" + item +
                       "' (N-L with N in 1024, 4096, 16384, 65536 and L in 120, 480, 1920; "
                       "mnist; sdgc; all)");
    }
    out.push_back(*it);
  }
  SNICIT_EXPECTS(!out.empty(), "--suite: no benchmark selected");
  return out;
}

std::vector<std::string> split(std::string const& s);

/// The --batch list: positive integers.
std::vector<std::int64_t> parse_batches(std::string const& spec) {
  std::vector<std::int64_t> out;
  for (auto const& item : split(spec)) {
    std::size_t used = 0;
    std::int64_t v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (std::exception const&) {
      used = 0;
    }
    if (used != item.size() || v <= 0) {
      throw LogicError("--batch: '" + item + "' is not a positive integer");
    }
    out.push_back(v);
  }
  SNICIT_EXPECTS(!out.empty(), "--batch: no batch size given");
  return out;
}

std::vector<std::string> split(std::string const& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) {
      out.push_back(item);
    }
  }
  return out;
}

Backend parse_backend(std::string const& s) {
  if (s == "auto") {
    return Backend::automatic;
  }
  if (s == "row-gather") {
    return Backend::row_gather;
  }
  if (s == "register-tiled") {
    return Backend::register_tiled;
  }
  if (s == "block-dense") {
    return Backend::block_dense;
  }
  throw LogicError("--backend: unknown backend '" + s +
                   "' (auto, row-gather, register-tiled, block-dense)");
}

struct Cli {
  std::string suite = "all";
  std::string backends = "auto";
  std::string modes = "exact,snicit";
  int warmup = 1;
  int reps = 5;
  std::string batch = "60000";
  std::string network;  ///< official neuron<N> folder or snicit binary network (else generated)
  std::string images;   ///< SDGC images TSV(.gz) or snicit binary CSR (else synthetic)
  std::string golden;   ///< golden categories file (1-based)
  std::uint64_t seed = 1;
  std::uint64_t image_seed = 2;
  std::int64_t threshold = -1;
  std::string json;
  std::string csv;
  bool progress = false;
  bool layer_times = false;
  bool no_verify = false;
  double cpu_verify_max_edges = 3.0e8;
  std::int64_t verify_rows = 2000;
  int threads = 0;
  std::string mnist_network;
  std::int64_t mnist_count = 0;
  double min_accuracy = 94.5;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

/// The first `rows` rows of a CSR matrix.
CsrMatrix<float> first_rows(CsrMatrix<float> const& m, std::int64_t rows) {
  rows = std::min(rows, m.rows);
  CsrMatrix<float> out;
  out.rows = rows;
  out.cols = m.cols;
  out.row_offsets.assign(m.row_offsets.begin(), m.row_offsets.begin() + rows + 1);
  auto const nnz = static_cast<std::size_t>(out.row_offsets.back());
  out.col_indices.assign(m.col_indices.begin(), m.col_indices.begin() + static_cast<long>(nnz));
  out.values.assign(m.values.begin(), m.values.begin() + static_cast<long>(nnz));
  return out;
}

nlohmann::json result_json(Benchmark const& b,
                           std::string const& backend,
                           std::string const& mode,
                           std::int64_t batch,
                           std::int64_t edges_per_row,
                           bench::TimedRun const& r) {
  double const med = median(r.rep_ms);
  double const mn = *std::min_element(r.rep_ms.begin(), r.rep_ms.end());
  double const mx = *std::max_element(r.rep_ms.begin(), r.rep_ms.end());
  double const edges = double(batch) * double(edges_per_row);
  return {{"benchmark", b.name},
          {"kind", b.name == "mnist" ? "mnist" : "sdgc"},
          {"neurons", b.neurons},
          {"layers", b.layers},
          {"batch", batch},
          {"backend", backend},
          {"mode", mode},
          {"rep_ms", r.rep_ms},
          {"median_ms", med},
          {"min_ms", mn},
          {"max_ms", mx},
          {"phases", r.phases},
          {"edges", edges},
          {"tera_edges_per_s", med > 0 ? edges / (med * 1e-3) / 1e12 : 0.0},
          {"generate_ms", r.generate_ms},
          {"construct_ms", r.construct_ms},
          {"network_bytes", r.network_bytes},
          {"peak_pool_bytes", r.peak_bytes},
          {"peak_used_bytes_meminfo", r.free_before - std::min(r.free_before, r.min_free)},
          {"categories", r.categories.size()},
          {"rounds", r.rounds},
          {"layer_stats", r.layers}};
}

void write_csv(std::string const& path, nlohmann::json const& results) {
  auto const tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) {
      throw IoError(path, 0, "cannot open for writing");
    }
    out << "benchmark,neurons,layers,batch,backend,mode,median_ms,min_ms,max_ms,pre_ms,"
           "conversion_ms,post_ms,recovery_ms,tera_edges_per_s,generate_ms,construct_ms,"
           "peak_pool_mib,categories,oracle,verified\n";
    for (auto const& r : results) {
      auto const& p = r["phases"];
      auto const& v = r["verification"];
      out << r["benchmark"].get<std::string>() << ',' << r["neurons"] << ',' << r["layers"] << ','
          << r["batch"] << ',' << r["backend"].get<std::string>() << ','
          << r["mode"].get<std::string>() << ',' << r["median_ms"] << ',' << r["min_ms"] << ','
          << r["max_ms"] << ',' << p["pre_ms"] << ',' << p["conversion_ms"] << ',' << p["post_ms"]
          << ',' << p["recovery_ms"] << ',' << r["tera_edges_per_s"] << ',' << r["generate_ms"]
          << ',' << r["construct_ms"] << ','
          << double(r["peak_pool_bytes"].get<std::size_t>()) / double(1 << 20) << ','
          << r["categories"] << ",\"" << v["oracle"].get<std::string>() << "\","
          << (v["passed"].is_null() ? "n/a" : (v["passed"].get<bool>() ? "yes" : "NO")) << '\n';
    }
    if (!out) {
      throw IoError(path, 0, "write failed");
    }
  }
  fs::rename(tmp, path);
}

/// --network: an official neuron<N> folder (its first L layers) or a snicit binary network.
SparseNetwork<float> load_sdgc_network(std::string const& spec,
                                       std::int64_t neurons,
                                       std::int64_t layers,
                                       int threads) {
  fs::path const path = spec;
  if (!fs::exists(path)) {
    throw IoError(spec, 0, "--network: no such file or directory");
  }
  if (fs::is_directory(path)) {
    return io::read_sdgc_network(path, neurons, layers, {threads});
  }
  if (io::binary_kind(path) != io::BinaryKind::network) {
    throw IoError(spec, 0, "--network must be a neuron<N> folder or a snicit binary network");
  }
  auto net = io::load_network(path);
  if (net.num_layers() < layers) {
    throw IoError(spec,
                  0,
                  "holds " + std::to_string(net.num_layers()) + " layers, the benchmark asks for " +
                      std::to_string(layers));
  }
  if (net.input_size() != neurons) {
    throw IoError(spec,
                  0,
                  "holds a " + std::to_string(net.input_size()) +
                      "-neuron network, the benchmark " +
                      "asks for N = " + std::to_string(neurons));
  }
  net.layers.resize(static_cast<std::size_t>(layers));
  return net;
}

/// --images: an SDGC images TSV (.gz ok) or a snicit binary CSR with N columns.
CsrMatrix<float> load_sdgc_images(std::string const& spec, std::int64_t neurons, int threads) {
  fs::path const path = spec;
  if (io::binary_kind(path) == io::BinaryKind::csr) {
    auto img = io::load_csr(path);
    if (img.cols != neurons) {
      throw IoError(spec,
                    0,
                    "images have " + std::to_string(img.cols) + " columns, the benchmark's N is " +
                        std::to_string(neurons));
    }
    return img;
  }
  return io::read_sdgc_images(path, neurons, -1, {threads});
}

int run(int argc, char** argv) {
  Cli cli;
  CLI::App app{"snicit-bench: SDGC and MNIST benchmarks of the snicit GPU engine", program};
  app.add_option("--suite",
                 cli.suite,
                 "comma-separated benchmarks: N-L (N 1024/4096/16384/65536, L 120/480/1920), "
                 "mnist, sdgc (the 12), all (the 12 + mnist)");
  app.add_option(
      "--backend", cli.backends, "comma-separated: auto, row-gather, register-tiled, block-dense");
  app.add_option("--mode", cli.modes, "comma-separated: exact, snicit");
  app.add_option("--warmup", cli.warmup, "untimed runs per configuration")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--reps", cli.reps, "timed runs per configuration")->check(CLI::PositiveNumber);
  auto* batch_opt = app.add_option(
      "--batch",
      cli.batch,
      "SDGC images per run (B); a comma-separated list runs every benchmark at each B "
      "(the first B images; default 60000, with --images all of the file's)");
  app.add_option("--network,--network-dir",
                 cli.network,
                 "official SDGC neuron<N> folder (n<N>-l<k>.tsv[.gz]) or snicit binary network; "
                 "--suite N-L then names N and the first L layers (default: generated)");
  app.add_option("--images",
                 cli.images,
                 "SDGC images: sparse-images TSV (.gz ok) or snicit binary CSR (default: "
                 "synthetic)");
  app.add_option("--golden",
                 cli.golden,
                 "golden categories file (1-based image indices) both modes are checked against");
  app.add_option("--seed", cli.seed, "RadiX-Net permutation seed");
  app.add_option("--image-seed", cli.image_seed, "synthetic image seed");
  app.add_option(
      "--threshold", cli.threshold, "SNICIT threshold layer t (default: SDGC/MNIST defaults)");
  app.add_option("--json", cli.json, "write the results as JSON (rewritten after each result)");
  app.add_option("--csv", cli.csv, "write one CSV line per result");
  app.add_flag("--progress", cli.progress, "per-layer lines of an extra observed run on stderr");
  app.add_flag("--layer-times",
               cli.layer_times,
               "record per-layer times and rows from one extra observed run");
  app.add_flag("--no-verify", cli.no_verify, "skip verification");
  app.add_option("--cpu-verify-max-edges",
                 cli.cpu_verify_max_edges,
                 "check exact mode against the CPU reference when the network has at most this "
                 "many weights (32 N L)");
  app.add_option("--verify-rows", cli.verify_rows, "rows the CPU reference checks (the first ones)")
      ->check(CLI::PositiveNumber);
  app.add_option("--threads", cli.threads, "host threads (0 = all)")->check(CLI::NonNegativeNumber);
  app.add_option("--mnist-network",
                 cli.mnist_network,
                 "beyond folder (default: network A, "
                 "$SNICIT_DATA_DIR/beyond/n128-l18)");
  app.add_option("--mnist-count", cli.mnist_count, "MNIST images (0 = all 10000)")
      ->check(CLI::NonNegativeNumber);
  app.add_option(
      "--min-accuracy", cli.min_accuracy, "MNIST SNICIT mode passes at this accuracy (%)");
  if (auto rc = parse_command_line(app, argc, argv)) {
    return *rc;
  }
  auto const suite = parse_suite(cli.suite, !cli.network.empty());
  auto const batches = parse_batches(cli.batch);
  bool const batch_given = batch_opt->count() > 0;
  std::optional<std::vector<std::int64_t>> golden;
  if (!cli.golden.empty()) {
    golden = io::read_categories(cli.golden);
  }
  std::vector<std::pair<std::string, Backend>> backends;
  for (auto const& s : split(cli.backends)) {
    backends.emplace_back(s, parse_backend(s));
  }
  SNICIT_EXPECTS(!backends.empty(), "--backend: no backend given");
  std::vector<std::string> modes = split(cli.modes);
  for (auto const& m : modes) {
    SNICIT_EXPECTS(m == "exact" || m == "snicit",
                   "--mode: unknown mode '" + m + "' (exact, snicit)");
  }
  SNICIT_EXPECTS(!modes.empty(), "--mode: no mode given");
  std::string why;
  if (!cuda_device_available(why)) {
    std::printf("%s: skipped: %s\n", program, why.c_str());
    return 77;
  }

  nlohmann::json doc;
  doc["metadata"] = program_meta(program, argc, argv);
  doc["metadata"]["git_commit"] = SNICIT_GIT_COMMIT;
  doc["metadata"]["device"] = bench::gpu_metadata();
  doc["metadata"]["options"] = {{"suite", cli.suite},
                                {"backends", cli.backends},
                                {"modes", cli.modes},
                                {"warmup", cli.warmup},
                                {"reps", cli.reps},
                                {"batch", cli.batch},
                                {"network", cli.network},
                                {"images", cli.images},
                                {"golden", cli.golden},
                                {"seed", cli.seed},
                                {"image_seed", cli.image_seed},
                                {"threshold", cli.threshold},
                                {"verify", !cli.no_verify},
                                {"cpu_verify_max_edges", cli.cpu_verify_max_edges},
                                {"verify_rows", cli.verify_rows}};
  doc["metadata"]["images"] =
      cli.images.empty() ? "data::synthetic_sdgc_images(N, batch, image_seed, 0.10)" : cli.images;
  doc["metadata"]["network"] =
      cli.network.empty() ? "data::generate_sdgc_network_device(N, L, seed)" : cli.network;
  doc["results"] = nlohmann::json::array();
  auto flush = [&] {
    if (!cli.json.empty()) {
      write_json(cli.json, doc);
    }
    if (!cli.csv.empty()) {
      write_csv(cli.csv, doc["results"]);
    }
  };
  std::printf("%s: %s, CUDA runtime %s, driver %s, commit %s\n",
              program,
              doc["metadata"]["device"]["gpu"].get<std::string>().c_str(),
              doc["metadata"]["device"]["runtime_cuda_version"].get<std::string>().c_str(),
              doc["metadata"]["device"]["driver_cuda_version"].get<std::string>().c_str(),
              SNICIT_GIT_COMMIT);
  bool all_ok = true;
  auto report = [&](nlohmann::json r, nlohmann::json verification) {
    r["verification"] = std::move(verification);
    auto const& v = r["verification"];
    bool const passed = v["passed"].is_null() || v["passed"].get<bool>();
    all_ok = all_ok && passed;
    std::printf(
        "%s: %-9s %-14s %-6s median %9.3f ms (min %.3f, max %.3f) %8.2f TE/s  pre %.3f "
        "conv %.3f post %.3f rec %.3f  gen %.0f ms, build %.0f ms, peak %.0f MiB, %lld "
        "categories, %s: %s\n",
        program,
        r["benchmark"].get<std::string>().c_str(),
        r["backend"].get<std::string>().c_str(),
        r["mode"].get<std::string>().c_str(),
        r["median_ms"].get<double>(),
        r["min_ms"].get<double>(),
        r["max_ms"].get<double>(),
        r["tera_edges_per_s"].get<double>(),
        r["phases"]["pre_ms"].get<double>(),
        r["phases"]["conversion_ms"].get<double>(),
        r["phases"]["post_ms"].get<double>(),
        r["phases"]["recovery_ms"].get<double>(),
        r["generate_ms"].get<double>(),
        r["construct_ms"].get<double>(),
        double(r["peak_pool_bytes"].get<std::size_t>()) / double(1 << 20),
        static_cast<long long>(r["categories"].get<std::size_t>()),
        v["oracle"].get<std::string>().c_str(),
        v["passed"].is_null() ? "not verified" : (v["passed"].get<bool>() ? "PASS" : "FAIL"));
    doc["results"].push_back(std::move(r));
    flush();
  };

  std::map<std::int64_t, CsrMatrix<float>> images;  // per N
  for (auto const& b : suite) {
    if (b.name == "mnist") {
      fs::path const net_path = cli.mnist_network.empty()
                                    ? require_data_file("beyond/n128-l18", "--mnist-network")
                                    : fs::path(cli.mnist_network);
      auto const net = io::read_beyond_network(net_path, {cli.threads});
      auto const mnist =
          io::read_mnist_images(require_data_file("mnist/t10k-images-idx3-ubyte.gz", "MNIST"));
      auto labels =
          io::read_mnist_labels(require_data_file("mnist/t10k-labels-idx1-ubyte.gz", "MNIST"));
      auto input = io::mnist_to_dense(mnist);
      if (cli.mnist_count > 0 && cli.mnist_count < input.rows) {
        input.rows = cli.mnist_count;
        input.data.resize(static_cast<std::size_t>(input.rows * input.cols));
        labels.resize(static_cast<std::size_t>(input.rows));
      }
      // The dense input layer runs on the host, untimed (as snicit-mnist and the paper do).
      auto const first = net.input ? reference::dense_layer(
                                         *net.input, input, net.hidden.activation_cap, cli.threads)
                                   : input;
      reference::ClassifyResult cpu;
      if (!cli.no_verify) {
        cpu = reference::classify_exact(net, input, {cli.threads, {}});
      }
      double const cpu_acc = cli.no_verify ? 0.0 : reference::accuracy(cpu.predicted, labels);
      Benchmark const mb{"mnist", net.hidden.input_size(), net.hidden.num_layers()};
      for (auto const& [bname, backend] : backends) {
        for (auto const& mode : modes) {
          bench::RunRequest rq;
          rq.exact = mode == "exact";
          rq.snicit = SnicitOptions::beyond_defaults(net.hidden.num_layers());
          if (cli.threshold >= 0) {
            rq.snicit.threshold_layer = cli.threshold;
          }
          rq.warmup = cli.warmup;
          rq.reps = cli.reps;
          rq.layer_times = cli.layer_times;
          rq.progress = cli.progress;
          rq.activations = true;
          auto r = bench::run_host(backend, net.hidden, first, rq);
          auto const logits =
              reference::output_logits(net, input.rows, r.categories, r.activations, cli.threads);
          auto const predicted = reference::argmax_rows(logits);
          double const acc = reference::accuracy(predicted, labels);
          nlohmann::json v;
          v["accuracy"] = acc;
          if (cli.no_verify) {
            v["oracle"] = "none (--no-verify)";
            v["passed"] = nullptr;
          } else {
            std::int64_t same = 0;
            for (std::size_t i = 0; i < predicted.size(); ++i) {
              same += predicted[i] == cpu.predicted[i] ? 1 : 0;
            }
            v["cpu_exact_accuracy"] = cpu_acc;
            v["agreeing_predictions"] = same;
            if (rq.exact) {
              v["oracle"] = "CPU exact reference (all predictions agree)";
              v["passed"] = same == input.rows;
            } else {
              v["oracle"] = "accuracy >= " + std::to_string(cli.min_accuracy) + " %";
              v["passed"] = 100.0 * acc >= cli.min_accuracy;
            }
          }
          std::printf("%s: mnist %s %s: accuracy %.2f %%\n",
                      program,
                      bname.c_str(),
                      mode.c_str(),
                      100.0 * acc);
          report(result_json(mb, bname, mode, input.rows, net.hidden.total_nnz(), r), v);
        }
      }
      continue;
    }

    // SDGC benchmark N-L: generated on the GPU, or read from --network.
    auto t0 = std::chrono::steady_clock::now();
    std::optional<SparseNetwork<float>> file_net;
    if (!cli.network.empty()) {
      file_net = load_sdgc_network(cli.network, b.neurons, b.layers, cli.threads);
      std::printf("%s: %s from %s: %lld layers, %lld weights (%.0f ms)\n",
                  program,
                  b.name.c_str(),
                  cli.network.c_str(),
                  static_cast<long long>(file_net->num_layers()),
                  static_cast<long long>(file_net->total_nnz()),
                  ms_since(t0));
    }
    std::int64_t const max_batch = *std::max_element(batches.begin(), batches.end());
    if (!images.contains(b.neurons)) {
      images.clear();  // one N at a time (65536 x 60000 is 3 GB)
      t0 = std::chrono::steady_clock::now();
      if (!cli.images.empty()) {
        images.emplace(b.neurons, load_sdgc_images(cli.images, b.neurons, cli.threads));
      } else {
        images.emplace(
            b.neurons,
            data::synthetic_sdgc_images(b.neurons, max_batch, cli.image_seed, 0.10, cli.threads));
      }
      std::printf("%s: %lld %s %lld-pixel images (%lld pixels) in %.0f ms\n",
                  program,
                  static_cast<long long>(images.at(b.neurons).rows),
                  cli.images.empty() ? "synthetic" : "file",
                  static_cast<long long>(b.neurons),
                  static_cast<long long>(images.at(b.neurons).nnz()),
                  ms_since(t0));
    }
    auto const& all_images = images.at(b.neurons);
    // The batch sizes of this benchmark: with --images and no --batch, all of the file's.
    std::vector<std::int64_t> sizes;
    if (!cli.images.empty() && !batch_given) {
      sizes.push_back(all_images.rows);
    } else {
      for (auto const bsz : batches) {
        SNICIT_EXPECTS(bsz <= all_images.rows,
                       "--batch " + std::to_string(bsz) + " exceeds the " +
                           std::to_string(all_images.rows) + " images of " + cli.images);
        sizes.push_back(bsz);
      }
    }
    bool const cpu_ok = !cli.no_verify && !golden &&
                        32.0 * double(b.neurons) * double(b.layers) <= cli.cpu_verify_max_edges;
    std::vector<std::int64_t> cpu_rows;  // CPU exact categories of the first verify_rows rows
    std::int64_t const vrows = std::min(cli.verify_rows, all_images.rows);
    if (cpu_ok) {
      t0 = std::chrono::steady_clock::now();
      std::optional<SparseNetwork<float>> generated;
      if (!file_net) {
        data::RadixNetOptions o;
        o.neurons = b.neurons;
        o.layers = b.layers;
        o.seed = cli.seed;
        o.threads = cli.threads;
        generated = data::generate_sdgc_network(o);
      }
      auto const& host_net = file_net ? *file_net : *generated;
      cpu_rows =
          reference::infer_exact(host_net, first_rows(all_images, vrows), {cli.threads, {}}).rows;
      std::printf("%s: %s CPU reference on the first %lld images: %zu categories (%.0f ms)\n",
                  program,
                  b.name.c_str(),
                  static_cast<long long>(vrows),
                  cpu_rows.size(),
                  ms_since(t0));
    }
    SnicitOptions so = SnicitOptions::sdgc_defaults(b.layers);
    if (cli.threshold >= 0) {
      so.threshold_layer = cli.threshold;
    }
    for (auto const bsz : sizes) {
      CsrMatrix<float> subset;
      if (bsz < all_images.rows) {
        subset = first_rows(all_images, bsz);
      }
      auto const& img = bsz < all_images.rows ? subset : all_images;
      auto const run_one = [&](Backend backend, bench::RunRequest const& rq) {
        return file_net ? bench::run_sdgc_host(backend, *file_net, img, rq)
                        : bench::run_sdgc(backend, b.neurons, b.layers, cli.seed, img, rq);
      };
      // The golden categories among the first bsz images.
      std::vector<std::int64_t> expected;
      if (golden) {
        for (auto c : *golden) {
          if (c < bsz) {
            expected.push_back(c);
          }
        }
      }
      for (auto const& [bname, backend] : backends) {
        std::optional<std::vector<std::int64_t>> exact_gpu;
        // Exact first: it is the oracle of the SNICIT mode.
        std::vector<std::string> order = modes;
        std::stable_sort(order.begin(), order.end(), [](auto const& a, auto const& c) {
          return a == "exact" && c != "exact";
        });
        for (auto const& mode : order) {
          bench::RunRequest rq;
          rq.exact = mode == "exact";
          rq.snicit = so;
          rq.warmup = cli.warmup;
          rq.reps = cli.reps;
          rq.layer_times = cli.layer_times;
          rq.progress = cli.progress;
          auto r = run_one(backend, rq);
          nlohmann::json v;
          if (cli.no_verify) {
            v["oracle"] = "none (--no-verify)";
            v["passed"] = nullptr;
          } else if (golden) {
            std::vector<std::int64_t> missing;
            std::vector<std::int64_t> extra;
            std::set_difference(expected.begin(),
                                expected.end(),
                                r.categories.begin(),
                                r.categories.end(),
                                std::back_inserter(missing));
            std::set_difference(r.categories.begin(),
                                r.categories.end(),
                                expected.begin(),
                                expected.end(),
                                std::back_inserter(extra));
            v["oracle"] = "golden file " + cli.golden;
            v["expected"] = expected.size();
            v["got"] = r.categories.size();
            v["missing"] = missing.size();
            v["extra"] = extra.size();
            v["passed"] = missing.empty() && extra.empty();
            std::printf("%s: %s %s %s: golden file: %zu expected, %zu missing, %zu extra\n",
                        program,
                        b.name.c_str(),
                        bname.c_str(),
                        mode.c_str(),
                        expected.size(),
                        missing.size(),
                        extra.size());
          } else if (rq.exact) {
            exact_gpu = r.categories;
            if (cpu_ok) {
              std::vector<std::int64_t> head;
              for (auto c : r.categories) {
                if (c < vrows) {
                  head.push_back(c);
                }
              }
              std::vector<std::int64_t> want;
              for (auto c : cpu_rows) {
                if (c < bsz) {
                  want.push_back(c);
                }
              }
              std::int64_t const checked = std::min(vrows, bsz);
              v["oracle"] = "CPU exact reference, first " + std::to_string(checked) + " images";
              v["expected"] = want.size();
              v["got"] = head.size();
              v["passed"] = head == want;
            } else {
              v["oracle"] = "none (CPU reference unaffordable: 32 N L > --cpu-verify-max-edges)";
              v["passed"] = nullptr;
            }
          } else {
            if (!exact_gpu) {
              bench::RunRequest ex = rq;
              ex.exact = true;
              ex.warmup = 0;
              ex.reps = 1;
              ex.layer_times = false;
              ex.progress = false;
              exact_gpu = run_one(backend, ex).categories;
            }
            v["oracle"] = "GPU exact mode (" + bname + "), all images";
            v["expected"] = exact_gpu->size();
            v["got"] = r.categories.size();
            v["passed"] = r.categories == *exact_gpu;
          }
          report(result_json(b, bname, mode, img.rows, 32 * b.neurons * b.layers, r), v);
        }
      }
    }
  }
  doc["all_verified"] = all_ok;
  flush();
  std::printf("%s: %s\n", program, all_ok ? "all verifications passed" : "VERIFICATION FAILED");
  return all_ok ? exit_ok : exit_mismatch;
}

}  // namespace

int main(int argc, char** argv) {
  return guarded_main(program, [&] { return run(argc, argv); });
}
