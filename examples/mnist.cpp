// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
//
// snicit-mnist: classify MNIST with a trained sparse network ("beyond" layout, e.g. network A
// of the SNICIT paper) in SNICIT or exact mode, and report time and accuracy.
// With no arguments it uses $SNICIT_DATA_DIR (default ../shared/data): beyond/n128-l18 and the
// MNIST t10k images and labels.

#include <snicit/io/io.hpp>
#include <snicit/network.hpp>
#include <snicit/reference/reference.hpp>

#include "program.hpp"
#include "snicit_cli.hpp"

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace snicit;
using namespace snicit::programs;
namespace fs = std::filesystem;

char const* const program = "snicit-mnist";

struct Cli {
  std::string network;
  std::string images;
  std::string labels;
  std::int64_t count = 0;
  double min_accuracy = -1;
  CommonCli common;
};

int run(int argc, char** argv) {
  Cli cli;
  CLI::App app{"snicit-mnist: MNIST classification with a sparse network and SNICIT", program};
  app.add_option("--network",
                 cli.network,
                 "beyond-layout folder or snicit binary classifier (default: "
                 "$SNICIT_DATA_DIR/beyond/n128-l18)");
  app.add_option("--images", cli.images, "MNIST idx images, plain or .gz (default: t10k)");
  app.add_option("--labels", cli.labels, "MNIST idx labels, plain or .gz (default: t10k)");
  app.add_option("--count", cli.count, "use only the first COUNT images (0 = all)")
      ->check(CLI::NonNegativeNumber);
  app.add_option(
      "--min-accuracy", cli.min_accuracy, "exit 1 when the accuracy (in %) is below this");
  cli.common.add_to(app);
  if (auto rc = parse_command_line(app, argc, argv)) {
    return *rc;
  }
  nlohmann::json report = program_meta(program, argc, argv);
  Device const device = cli.common.resolve_device(program);

  auto t_load = std::chrono::steady_clock::now();
  fs::path const net_path = cli.network.empty() ? require_data_file("beyond/n128-l18", "--network")
                                                : fs::path(cli.network);
  fs::path const img_path = cli.images.empty()
                                ? require_data_file("mnist/t10k-images-idx3-ubyte.gz", "--images")
                                : fs::path(cli.images);
  fs::path const lbl_path = cli.labels.empty()
                                ? require_data_file("mnist/t10k-labels-idx1-ubyte.gz", "--labels")
                                : fs::path(cli.labels);
  ClassifierNetwork<float> net;
  if (!fs::exists(net_path)) {
    throw IoError(net_path.string(), 0, "--network: no such file or directory");
  }
  if (fs::is_directory(net_path)) {
    net = io::read_beyond_network(net_path, {cli.common.threads});
  } else if (io::binary_kind(net_path) == io::BinaryKind::classifier) {
    net = io::load_classifier(net_path);
  } else {
    throw IoError(
        net_path.string(), 0, "--network must be a beyond folder or a snicit binary classifier");
  }
  auto const mnist = io::read_mnist_images(img_path);
  auto labels = io::read_mnist_labels(lbl_path);
  auto input = io::mnist_to_dense(mnist);
  if (std::int64_t(labels.size()) != input.rows) {
    throw IoError(lbl_path.string(),
                  0,
                  "has " + std::to_string(labels.size()) + " labels for " +
                      std::to_string(input.rows) + " images");
  }
  std::int64_t const in_size = net.input ? net.input->weights.rows : net.hidden.input_size();
  if (input.cols != in_size) {
    throw IoError(img_path.string(),
                  0,
                  "images have " + std::to_string(input.cols) + " pixels, the network expects " +
                      std::to_string(in_size));
  }
  if (cli.count > 0 && cli.count < input.rows) {
    input.rows = cli.count;
    input.data.resize(static_cast<std::size_t>(cli.count * input.cols));
    labels.resize(static_cast<std::size_t>(cli.count));
  }
  SnicitOptions const options =
      cli.common.snicit_options(SnicitOptions::beyond_defaults(net.hidden.num_layers()));
  if (cli.common.mode == Mode::snicit) {
    options.validate(net.hidden.num_layers(), net.hidden.input_size());
    if (cli.common.auto_threshold()) {
      options.adaptive.validate(net.hidden.num_layers());
    }
  }
  double const load_ms = ms_since(t_load);
  std::printf(
      "%s: network %s (%lld sparse layers of %lld neurons), %lld images, loaded in %.1f ms\n",
      program,
      net_path.string().c_str(),
      static_cast<long long>(net.hidden.num_layers()),
      static_cast<long long>(net.hidden.input_size()),
      static_cast<long long>(input.rows),
      load_ms);

  auto const exact_opts = cli.common.exact_options(program);
  reference::ClassifyResult result;
  std::vector<std::int64_t> thresholds;  // t of each round
  bool const adaptive = cli.common.auto_threshold();
  double ms = 0;
  std::string device_name = "cpu (reference)";
  if (device == Device::gpu) {
    // The dense input and output layers run on the host (untimed, as in the paper's comparison);
    // the sparse hidden layers run on the GPU engine and are timed with CUDA events.
    auto const first = net.input
                           ? reference::dense_layer(
                                 *net.input, input, net.hidden.activation_cap, cli.common.threads)
                           : input;
    auto gopts = cli.common.gpu_options(options, program);
    gopts.activations = true;
    auto r = run_on_gpu(net.hidden, first, gopts);
    result.logits =
        reference::output_logits(net, input.rows, r.categories, r.activations, cli.common.threads);
    result.predicted = reference::argmax_rows(result.logits);
    ms = r.median_ms;
    thresholds = r.thresholds;
    device_name = "gpu (" + r.device + ", " + backend_name(cli.common.backend) + ")";
    report["gpu"] = {{"name", r.device},
                     {"backend", backend_name(cli.common.backend)},
                     {"rep_ms", r.rep_ms},
                     {"phases", r.phases},
                     {"rounds", r.stats}};
  } else {
    auto t0 = std::chrono::steady_clock::now();
    result = cli.common.mode == Mode::exact
                 ? reference::classify_exact(net, input, exact_opts)
                 : (adaptive ? reference::classify_snicit_adaptive(net, input, options, exact_opts)
                             : reference::classify_snicit(net, input, options, exact_opts));
    ms = ms_since(t0);
    if (result.stats) {
      thresholds = result.stats->threshold_layer;
    }
  }
  double const acc = reference::accuracy(result.predicted, labels);
  std::printf("%s: device %s, mode %s: %.3f ms, accuracy %.2f %% (%lld / %lld)\n",
              program,
              device_name.c_str(),
              cli.common.mode == Mode::snicit ? "snicit" : "exact",
              ms,
              100.0 * acc,
              static_cast<long long>(std::llround(acc * double(labels.size()))),
              static_cast<long long>(labels.size()));
  report["network"] = {{"source", net_path.string()},
                       {"layers", net.hidden.num_layers()},
                       {"neurons", net.hidden.input_size()}};
  report["images"] = {{"source", img_path.string()}, {"count", input.rows}};
  report["device"] = device == Device::gpu ? "gpu" : "cpu";
  report["mode"] = cli.common.mode == Mode::snicit ? "snicit" : "exact";
  if (cli.common.mode == Mode::snicit) {
    report["options"] = to_json(options);
    if (result.stats) {
      report["snicit_stats"] = to_json(*result.stats);
    }
  }
  if (cli.common.mode == Mode::snicit) {
    report_threshold(program, adaptive, options, thresholds, report);
  }
  report["time_ms"] = ms;
  report["accuracy"] = acc;

  int rc = exit_ok;
  if (!cli.common.no_verify && !(cli.common.mode == Mode::exact && device == Device::cpu)) {
    auto ref_opts = exact_opts;
    ref_opts.observer = nullptr;
    auto const ref = reference::classify_exact(net, input, ref_opts);
    double const ref_acc = reference::accuracy(ref.predicted, labels);
    std::int64_t same = 0;
    for (std::size_t i = 0; i < ref.predicted.size(); ++i) {
      same += ref.predicted[i] == result.predicted[i] ? 1 : 0;
    }
    std::printf("%s: CPU exact reference accuracy %.2f %%; %lld / %zu predictions agree\n",
                program,
                100.0 * ref_acc,
                static_cast<long long>(same),
                ref.predicted.size());
    report["reference"] = {{"accuracy", ref_acc}, {"agreeing_predictions", same}};
  }
  if (cli.min_accuracy >= 0 && 100.0 * acc < cli.min_accuracy) {
    std::printf("%s: accuracy below --min-accuracy %.2f %%\n", program, cli.min_accuracy);
    rc = exit_mismatch;
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
