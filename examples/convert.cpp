// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
//
// snicit-convert: turns the text inputs of snicit (SDGC networks and images, beyond networks,
// MNIST idx images) into the snicit binary format, which loads 10-100x faster.
//
//   snicit-convert --sdgc-network DIR --neurons 1024 --layers 120 -o net.snb
//   snicit-convert --beyond ../shared/data/beyond/n128-l18 -o a.snb
//   snicit-convert --images sparse-images-1024.tsv.gz --neurons 1024 -o img.snb
//   snicit-convert --mnist t10k-images-idx3-ubyte.gz -o mnist.snb
//   snicit-convert --info net.snb
//
// Exit codes: 0 done, 2 bad input or usage (one line on stderr: "snicit-convert: error: ...").

#include <snicit/io/io.hpp>

#include <CLI/CLI.hpp>

#include "program.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace {

namespace io = snicit::io;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string csr_shape(snicit::CsrMatrix<float> const& m) {
  return std::to_string(m.rows) + " x " + std::to_string(m.cols) + ", nnz " +
         std::to_string(m.nnz()) +
         (m.nnz() > 0 && m.has_uniform_values() ? " (uniform values)" : "");
}

std::string network_shape(snicit::SparseNetwork<float> const& net) {
  int uniform = 0;
  for (auto const& l : net.layers) {
    uniform += l.weights.nnz() > 0 && l.weights.has_uniform_values() ? 1 : 0;
  }
  return std::to_string(net.num_layers()) + " sparse layers " + std::to_string(net.input_size()) +
         " -> " + std::to_string(net.output_size()) + ", nnz " + std::to_string(net.total_nnz()) +
         ", " + std::to_string(uniform) + " with uniform values, activation cap " +
         std::to_string(net.activation_cap).substr(0, 4);
}

std::string classifier_shape(snicit::ClassifierNetwork<float> const& net) {
  std::string s = "classifier: ";
  if (net.input) {
    s += "dense " + std::to_string(net.input->weights.rows) + " -> " +
         std::to_string(net.input->weights.cols) + ", ";
  } else {
    s += "no dense input layer, ";
  }
  return s + network_shape(net.hidden) + ", dense " + std::to_string(net.output.weights.rows) +
         " -> " + std::to_string(net.output.weights.cols);
}

/// Describes a snicit binary file (for --info).
std::string describe(std::filesystem::path const& file) {
  auto const kind = io::binary_kind(file);
  if (!kind) {
    throw snicit::IoError(file.string(), 0, "not a snicit binary file");
  }
  switch (*kind) {
    case io::BinaryKind::network:
      return "network: " + network_shape(io::load_network(file));
    case io::BinaryKind::classifier:
      return classifier_shape(io::load_classifier(file));
    case io::BinaryKind::csr:
      return "csr: " + csr_shape(io::load_csr(file));
    case io::BinaryKind::dense: {
      auto const d = io::load_dense(file);
      return "dense: " + std::to_string(d.rows) + " x " + std::to_string(d.cols);
    }
  }
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Converts SDGC / beyond / MNIST inputs into the snicit binary format",
               "snicit-convert"};
  std::string sdgc_network;
  std::string sdgc_layer;
  std::string beyond;
  std::string images;
  std::string mnist;
  std::string info;
  std::string output;
  std::int64_t neurons = 0;
  std::int64_t layers = 0;
  std::int64_t count = -1;
  int threads = 0;
  app.add_option("--sdgc-network",
                 sdgc_network,
                 "SDGC folder with n<N>-l<k>.tsv[.gz] (needs --neurons, --layers)");
  app.add_option("--sdgc-layer", sdgc_layer, "one SDGC layer TSV (needs --neurons) -> csr");
  app.add_option("--beyond", beyond, "beyond network folder with weights/ and biases/");
  app.add_option("--images", images, "SDGC sparse images TSV[.gz] (needs --neurons) -> csr");
  app.add_option("--mnist", mnist, "MNIST idx3 image file[.gz] -> dense (pixel / 255)");
  app.add_option("--info", info, "print what a snicit binary file holds, and check it");
  app.add_option("-o,--output", output, "the binary file to write");
  app.add_option("--neurons", neurons, "N, neurons per layer / pixels per image");
  app.add_option("--layers", layers, "L, number of SDGC layers to read");
  app.add_option("--count", count, "number of images (default: the largest image index)");
  app.add_option("--threads", threads, "parser threads (0 = all)");
  if (auto const rc = snicit::programs::parse_command_line(app, argc, argv)) {
    return *rc;
  }
  return snicit::programs::guarded_main("snicit-convert", [&]() -> int {
    int const given = !sdgc_network.empty() + !sdgc_layer.empty() + !beyond.empty() +
                      !images.empty() + !mnist.empty() + !info.empty();
    if (given != 1) {
      throw snicit::LogicError(
          "give exactly one of --sdgc-network, --sdgc-layer, --beyond, --images, --mnist, --info "
          "(see --help)");
    }
    if (!info.empty()) {
      auto const t0 = Clock::now();
      auto const what = describe(info);
      std::printf("%s: %s; %ju bytes, checksum ok, loaded in %.3f s\n",
                  info.c_str(),
                  what.c_str(),
                  static_cast<std::uintmax_t>(std::filesystem::file_size(info)),
                  seconds_since(t0));
      return snicit::programs::exit_ok;
    }
    if (output.empty()) {
      throw snicit::LogicError("-o/--output is required");
    }
    bool const needs_n = !sdgc_network.empty() || !sdgc_layer.empty() || !images.empty();
    if (needs_n && neurons <= 0) {
      throw snicit::LogicError("--neurons N (> 0) is required with this input");
    }
    if (!sdgc_network.empty() && layers <= 0) {
      throw snicit::LogicError("--layers L (> 0) is required with --sdgc-network");
    }
    io::ReadOptions const opt{threads};
    auto const t0 = Clock::now();
    std::string what;
    double read_s = 0;
    if (!sdgc_network.empty()) {
      auto const net = io::read_sdgc_network(sdgc_network, neurons, layers, opt);
      read_s = seconds_since(t0);
      what = "network: " + network_shape(net);
      io::save_network(output, net);
    } else if (!sdgc_layer.empty()) {
      auto const m = io::read_sdgc_layer(sdgc_layer, neurons, opt);
      read_s = seconds_since(t0);
      what = "csr: " + csr_shape(m);
      io::save_matrix(output, m);
    } else if (!beyond.empty()) {
      auto const net = io::read_beyond_network(beyond, opt);
      read_s = seconds_since(t0);
      what = classifier_shape(net);
      io::save_classifier(output, net);
    } else if (!images.empty()) {
      auto const m = io::read_sdgc_images(images, neurons, count, opt);
      read_s = seconds_since(t0);
      what = "csr: " + csr_shape(m);
      io::save_matrix(output, m);
    } else {
      auto const d = io::mnist_to_dense(io::read_mnist_images(mnist));
      read_s = seconds_since(t0);
      what = "dense: " + std::to_string(d.rows) + " x " + std::to_string(d.cols);
      io::save_matrix(output, d);
    }
    double const total_s = seconds_since(t0);
    std::printf("wrote %s: %s; %ju bytes; read %.3f s, write %.3f s\n",
                output.c_str(),
                what.c_str(),
                static_cast<std::uintmax_t>(std::filesystem::file_size(output)),
                read_s,
                total_s - read_s);
    return snicit::programs::exit_ok;
  });
}
