// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
//
// snicit-sdgc: Sparse DNN Graph Challenge inference. With no arguments it generates the
// 1024-neuron, 120-layer RadiX-Net network and 60000 synthetic images, runs SNICIT and checks
// the categories against exact inference by the CPU reference. See --help and docs/design.md.

#include <snicit/data/data.hpp>
#include <snicit/io/io.hpp>
#include <snicit/network.hpp>
#include <snicit/reference/reference.hpp>

#include "program.hpp"
#include "snicit_cli.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace snicit;
using namespace snicit::programs;
namespace fs = std::filesystem;

char const* const program = "snicit-sdgc";

struct Cli {
  std::int64_t neurons = 1024;
  std::int64_t layers = 120;
  std::string network;
  std::uint64_t seed = 1;
  std::string images;
  std::string mnist;
  std::int64_t count = 60000;
  std::uint64_t image_seed = 2;
  std::string golden;
  std::string categories_out;
  CommonCli common;
};

SparseNetwork<float> obtain_network(Cli const& cli, nlohmann::json& report) {
  if (cli.network.empty()) {
    data::RadixNetOptions g;
    g.neurons = cli.neurons;
    g.layers = cli.layers;
    g.seed = cli.seed;
    g.threads = cli.common.threads;
    data::validate(g);
    report["network"] = {{"source", "generated"}, {"seed", cli.seed}};
    return data::generate_sdgc_network(g);
  }
  fs::path const path = cli.network;
  SparseNetwork<float> net;
  if (!fs::exists(path)) {
    throw IoError(path.string(), 0, "--network: no such file or directory");
  }
  if (fs::is_directory(path)) {
    net = io::read_sdgc_network(path, cli.neurons, cli.layers, {cli.common.threads});
  } else if (io::binary_kind(path) == io::BinaryKind::network) {
    net = io::load_network(path);
    if (net.num_layers() < cli.layers) {
      throw IoError(path.string(),
                    0,
                    "holds " + std::to_string(net.num_layers()) + " layers, --layers asks for " +
                        std::to_string(cli.layers));
    }
    net.layers.resize(static_cast<std::size_t>(cli.layers));
    if (net.input_size() != cli.neurons) {
      throw IoError(path.string(),
                    0,
                    "holds a " + std::to_string(net.input_size()) +
                        "-neuron network, --neurons is " + std::to_string(cli.neurons));
    }
  } else {
    throw IoError(
        path.string(), 0, "--network must be a neuron<N> folder or a snicit binary network");
  }
  report["network"] = {{"source", path.string()}};
  return net;
}

CsrMatrix<float> obtain_images(Cli const& cli, nlohmann::json& report) {
  if (!cli.images.empty() && !cli.mnist.empty()) {
    throw LogicError("--images and --mnist are mutually exclusive");
  }
  if (!cli.images.empty()) {
    fs::path const path = cli.images;
    CsrMatrix<float> img;
    if (io::binary_kind(path) == io::BinaryKind::csr) {
      img = io::load_csr(path);
      if (img.cols != cli.neurons) {
        throw IoError(path.string(),
                      0,
                      "images have " + std::to_string(img.cols) + " columns, --neurons is " +
                          std::to_string(cli.neurons));
      }
    } else {
      img = io::read_sdgc_images(path, cli.neurons, -1, {cli.common.threads});
    }
    report["images"] = {{"source", path.string()}};
    return img;
  }
  if (!cli.mnist.empty()) {
    auto const mnist = io::read_mnist_images(cli.mnist);
    data::MnistResizeOptions o;
    o.neurons = cli.neurons;
    o.count = cli.count;
    o.threads = cli.common.threads;
    report["images"] = {{"source", "mnist"}, {"file", cli.mnist}};
    return data::sdgc_images_from_mnist(mnist, o);
  }
  report["images"] = {{"source", "synthetic"}, {"seed", cli.image_seed}};
  return data::synthetic_sdgc_images(
      cli.neurons, cli.count, cli.image_seed, 0.10, cli.common.threads);
}

int run(int argc, char** argv) {
  Cli cli;
  CLI::App app{"snicit-sdgc: Sparse DNN Graph Challenge inference with SNICIT", program};
  app.add_option("--neurons,-n", cli.neurons, "neurons per layer N (16*2^K)")
      ->check(CLI::PositiveNumber);
  app.add_option("--layers,-l", cli.layers, "number of layers L")->check(CLI::PositiveNumber);
  app.add_option("--network",
                 cli.network,
                 "official neuron<N> folder or snicit binary network (default: generated)");
  app.add_option("--seed", cli.seed, "seed of the generated network");
  app.add_option("--images", cli.images, "images: sparse-images TSV (.gz ok) or snicit binary");
  app.add_option("--mnist", cli.mnist, "derive the images from this MNIST idx file");
  app.add_option("--count", cli.count, "number of generated / MNIST-derived images")
      ->check(CLI::PositiveNumber);
  app.add_option("--image-seed", cli.image_seed, "seed of the synthetic images");
  app.add_option("--golden", cli.golden, "categories file to check against (1-based indices)");
  app.add_option(
      "--write-categories", cli.categories_out, "write the categories (1-based) to FILE");
  cli.common.add_to(app);
  if (auto rc = parse_command_line(app, argc, argv)) {
    return *rc;
  }

  nlohmann::json report = program_meta(program, argc, argv);
  Device const device = cli.common.resolve_device(program);
  SnicitOptions const options = cli.common.snicit_options(SnicitOptions::sdgc_defaults(cli.layers));
  if (cli.common.mode == Mode::snicit) {
    options.validate(cli.layers, cli.neurons);  // before any expensive loading
    if (cli.common.auto_threshold()) {
      options.adaptive.validate(cli.layers);
    }
  }

  auto t_load = std::chrono::steady_clock::now();
  auto const net = obtain_network(cli, report);
  auto const images = obtain_images(cli, report);
  std::vector<std::int64_t> golden;
  if (!cli.golden.empty()) {
    golden = io::read_categories(cli.golden);
    if (!golden.empty() && golden.back() >= images.rows) {
      throw IoError(cli.golden,
                    0,
                    "names image " + std::to_string(golden.back() + 1) + " but there are only " +
                        std::to_string(images.rows) + " images");
    }
  }
  double const load_ms = ms_since(t_load);

  std::int64_t const edges = net.total_nnz();
  report["network"]["neurons"] = cli.neurons;
  report["network"]["layers"] = net.num_layers();
  report["network"]["edges"] = edges;
  report["images"]["count"] = images.rows;
  report["images"]["nnz"] = images.nnz();
  report["device"] = device == Device::gpu ? "gpu" : "cpu";
  report["mode"] = cli.common.mode == Mode::snicit ? "snicit" : "exact";
  if (cli.common.mode == Mode::snicit) {
    report["options"] = to_json(options);
  }
  std::printf("%s: %lld neurons x %lld layers (%s), %lld images (%s), loaded in %.1f ms\n",
              program,
              static_cast<long long>(cli.neurons),
              static_cast<long long>(net.num_layers()),
              report["network"]["source"].get<std::string>().c_str(),
              static_cast<long long>(images.rows),
              report["images"]["source"].get<std::string>().c_str(),
              load_ms);

  // --- inference (timed: inference only, no I/O or upload) ---
  auto const exact_opts = cli.common.exact_options(program);
  std::vector<std::int64_t> categories;
  std::vector<std::int64_t> thresholds;  // t of each round
  bool const adaptive = cli.common.auto_threshold();
  double ms = 0;
  std::string device_name = "cpu (reference)";
  if (device == Device::gpu) {
    auto r = run_on_gpu(net, images, cli.common.gpu_options(options, program));
    categories = std::move(r.categories);
    thresholds = r.thresholds;
    ms = r.median_ms;
    device_name = "gpu (" + r.device + ", " + backend_name(cli.common.backend) + ")";
    report["gpu"] = {{"name", r.device},
                     {"backend", backend_name(cli.common.backend)},
                     {"rep_ms", r.rep_ms},
                     {"phases", r.phases},
                     {"rounds", r.stats},
                     {"weights_streamed", r.weights_streamed}};
    if (!r.per_gpu.empty()) {  // --gpus K: per-GPU shares (time = slowest engine)
      for (auto& g : r.per_gpu) {
        double const g_ms = g["ms"].get<double>();
        double const g_te =
            double(g["rows"].get<std::int64_t>()) * double(edges) / (g_ms * 1e-3) / 1e12;
        g["tera_edges_per_s"] = g_te;
        std::printf(
            "%s: gpu %d: rows [%lld, %lld): %.3f ms (wall %.3f ms), %.6f TeraEdges/s, "
            "%lld categories\n",
            program,
            g["device"].get<int>(),
            static_cast<long long>(g["first_row"].get<std::int64_t>()),
            static_cast<long long>(g["first_row"].get<std::int64_t>() +
                                   g["rows"].get<std::int64_t>()),
            g_ms,
            g["wall_ms"].get<double>(),
            g_te,
            static_cast<long long>(g["categories"].get<std::int64_t>()));
      }
      std::printf(
          "%s: %d GPUs: wall %.3f ms (split, runs, gather)\n", program, cli.common.gpus, r.wall_ms);
      report["gpu"]["gpus"] = cli.common.gpus;
      report["gpu"]["per_gpu"] = r.per_gpu;
      report["gpu"]["wall_ms"] = r.wall_ms;
    }
  } else {
    auto t0 = std::chrono::steady_clock::now();
    if (cli.common.mode == Mode::exact) {
      categories = reference::infer_exact(net, images, exact_opts).rows;
    } else {
      auto r = adaptive ? reference::infer_snicit_adaptive(net, images, options, exact_opts)
                        : reference::infer_snicit(net, images, options, exact_opts);
      categories = std::move(r.rows);
      thresholds = r.stats.threshold_layer;
      report["snicit_stats"] = to_json(r.stats);
    }
    ms = ms_since(t0);
  }
  double const tera_edges = double(images.rows) * double(edges) / (ms * 1e-3) / 1e12;
  std::printf("%s: device %s, mode %s: %.3f ms, %.6f TeraEdges/s, %zu categories\n",
              program,
              device_name.c_str(),
              cli.common.mode == Mode::snicit ? "snicit" : "exact",
              ms,
              tera_edges,
              categories.size());
  if (cli.common.mode == Mode::snicit) {
    report_threshold(program, adaptive, options, thresholds, report);
  }
  report["time_ms"] = ms;
  report["tera_edges_per_s"] = tera_edges;
  report["categories"] = {{"count", categories.size()}};

  // --- verification ---
  int rc = exit_ok;
  auto check = [&](std::vector<std::int64_t> const& expected, char const* against) {
    std::vector<std::int64_t> missing, extra;
    std::set_difference(expected.begin(),
                        expected.end(),
                        categories.begin(),
                        categories.end(),
                        std::back_inserter(missing));
    std::set_difference(categories.begin(),
                        categories.end(),
                        expected.begin(),
                        expected.end(),
                        std::back_inserter(extra));
    bool const match = missing.empty() && extra.empty();
    std::printf("%s: categories %s %s (%zu expected, %zu missing, %zu extra)\n",
                program,
                match ? "MATCH" : "MISMATCH",
                against,
                expected.size(),
                missing.size(),
                extra.size());
    report["categories"]["match"] = match;
    report["categories"]["checked_against"] = against;
    report["categories"]["missing"] = missing.size();
    report["categories"]["extra"] = extra.size();
    if (!match) {
      rc = exit_mismatch;
    }
  };
  if (!cli.golden.empty()) {
    check(golden, "the golden file");
  } else if (cli.common.no_verify) {
    std::printf("%s: verification skipped (--no-verify)\n", program);
  } else if (cli.common.mode == Mode::exact && device == Device::cpu) {
    std::printf("%s: verification skipped: this run is the CPU reference itself\n", program);
  } else {
    auto ref_opts = exact_opts;
    ref_opts.observer = nullptr;
    auto t_ref = std::chrono::steady_clock::now();
    auto const expected = reference::infer_exact(net, images, ref_opts).rows;
    report["reference_time_ms"] = ms_since(t_ref);
    check(expected, "the CPU exact reference");
  }
  if (!cli.categories_out.empty()) {
    io::write_categories(cli.categories_out, categories);
  }
  if (!cli.common.json.empty()) {
    write_json(cli.common.json, report);
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  return guarded_main(program, [&] { return run(argc, argv); });
}
