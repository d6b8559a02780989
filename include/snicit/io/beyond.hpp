// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file beyond.hpp
 * @brief Reader of the trained "beyond" networks of the SNICIT paper (Table 4; net A is
 * ../shared/data/beyond/n128-l18): `weights/` and `biases/` folders of TSV files.
 *
 * Layout (see docs/formats.md): `weights/l1-dense.tsv` (optional dense input layer, one value
 * per line, row-major [inputs][N]), `weights/l<k>-sparse.tsv` (0-based `row col value`,
 * row = input, col = output, N x N), `weights/l<last>-dense.tsv` (row-major [N][classes]), and
 * `biases/<same name>` with one value per output neuron. Files may also be gzip.
 */

#include <snicit/config.hpp>
#include <snicit/detail/parallel.hpp>
#include <snicit/error.hpp>
#include <snicit/io/detail/file.hpp>
#include <snicit/io/detail/text.hpp>
#include <snicit/io/read_options.hpp>
#include <snicit/matrix.hpp>
#include <snicit/network.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace io {

namespace detail {

/// A weights file of a beyond network: `l<index>-<dense|sparse>.tsv[.gz]`.
struct BeyondFile {
  int index = 0;
  bool dense = false;
  std::filesystem::path path;
};

/// Parses a beyond weight file name; false if the name does not follow the pattern.
[[nodiscard]] inline bool parse_beyond_name(std::string const& name, int& index, bool& dense) {
  if (name.size() < 2 || name[0] != 'l') {
    return false;
  }
  std::size_t i = 1;
  long long v = 0;
  while (i < name.size() && name[i] >= '0' && name[i] <= '9' && v < 1000000) {
    v = v * 10 + (name[i] - '0');
    ++i;
  }
  if (i == 1 || v < 1 || v >= 1000000) {
    return false;
  }
  std::string const rest = name.substr(i);
  if (rest == "-dense.tsv" || rest == "-dense.tsv.gz") {
    dense = true;
  } else if (rest == "-sparse.tsv" || rest == "-sparse.tsv.gz") {
    dense = false;
  } else {
    return false;
  }
  index = static_cast<int>(v);
  return true;
}

/// Throws unless `f` holds exactly `expected` values; `what` explains the expectation.
inline void expect_values(std::filesystem::path const& path,
                          ValueFile const& f,
                          std::size_t expected,
                          std::string const& what) {
  if (f.values.size() != expected) {
    fail(path,
         f.line_of(std::min(f.values.size(), expected)),
         "expected " + std::to_string(expected) + " values (" + what + "), found " +
             std::to_string(f.values.size()));
  }
}

}  // namespace detail

/**
 * @brief Reads a beyond classifier network from `dir` (with `weights/` and `biases/`).
 *
 * The layer count is discovered from the files `l<k>-{dense,sparse}.tsv` (1..M without gaps;
 * other names such as `l2-sparse-nontrans.tsv` are ignored). N is the length of the first
 * sparse layer's bias, the input size is (values of l1-dense) / N, the classes the length of the
 * last bias. Without `l1-dense` (the CIFAR variant) `input` stays empty.
 * @param[in] dir      the network folder
 * @param[in] options  threads (files are parsed concurrently)
 * @return the classifier; hidden activation cap 1 (clipped ReLU)
 * @throws snicit::IoError naming the file (and line) of a missing folder/file, a malformed
 *         line, an index outside 0..N-1, a wrong value count or mismatched layer sizes
 */
[[nodiscard]] inline ClassifierNetwork<float> read_beyond_network(std::filesystem::path const& dir,
                                                                  ReadOptions const& options = {}) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    detail::fail(dir, 0, "no such directory");
  }
  if (!fs::is_directory(dir, ec)) {
    detail::fail(dir, 0, "not a directory (expected a beyond network with weights/ and biases/)");
  }
  auto const wdir = dir / "weights";
  auto const bdir = dir / "biases";
  for (auto const& d : {wdir, bdir}) {
    if (!fs::is_directory(d, ec)) {
      detail::fail(d, 0, "missing folder (a beyond network has weights/ and biases/)");
    }
  }
  // Discover the layers.
  std::map<int, detail::BeyondFile> found;
  for (auto const& entry : fs::directory_iterator(wdir, ec)) {
    int index = 0;
    bool dense = false;
    if (!entry.is_regular_file(ec) ||
        !detail::parse_beyond_name(entry.path().filename().string(), index, dense)) {
      continue;
    }
    auto [it, fresh] = found.emplace(index, detail::BeyondFile{index, dense, entry.path()});
    if (!fresh) {
      auto const& a = std::min(it->second.path, entry.path());
      auto const& b = std::max(it->second.path, entry.path());
      detail::fail(b,
                   0,
                   "layer " + std::to_string(index) + " is given twice (also " +
                       a.filename().string() + ")");
    }
  }
  if (ec) {
    detail::fail(wdir, 0, "cannot list: " + ec.message());
  }
  if (found.empty()) {
    detail::fail(wdir, 0, "no weight files l<k>-dense.tsv / l<k>-sparse.tsv");
  }
  int const last = found.rbegin()->first;
  for (int k = 1; k <= last; ++k) {
    if (found.find(k) == found.end()) {
      detail::fail(wdir / ("l" + std::to_string(k) + "-sparse.tsv"),
                   0,
                   "missing layer file: layers are numbered 1.." + std::to_string(last) +
                       " without gaps (l" + std::to_string(k) + "-dense.tsv is missing too)");
    }
  }
  bool const has_input = found.at(1).dense;
  int const first_sparse = has_input ? 2 : 1;
  if (!found.at(last).dense) {
    detail::fail(found.at(last).path, 0, "the last layer must be dense (the output layer)");
  }
  if (last - first_sparse < 1) {
    detail::fail(wdir, 0, "no sparse hidden layers between the dense input and output layers");
  }
  for (int k = first_sparse; k < last; ++k) {
    if (found.at(k).dense) {
      detail::fail(found.at(k).path,
                   0,
                   "layer " + std::to_string(k) +
                       " must be sparse (only the first and the last layer may be dense)");
    }
  }
  std::vector<detail::BeyondFile> files;
  std::vector<fs::path> bias_paths;
  for (auto const& [k, f] : found) {
    files.push_back(f);
    auto bias = bdir / f.path.filename();
    if (!fs::is_regular_file(bias, ec)) {
      // Accept the other compression of the same name.
      auto const name = f.path.filename().string();
      auto const alt = detail::has_gz_suffix(f.path) ? bdir / name.substr(0, name.size() - 3)
                                                     : bdir / (name + ".gz");
      if (!fs::is_regular_file(alt, ec)) {
        detail::fail(bias, 0, "missing bias file for " + f.path.filename().string());
      }
      bias = alt;
    }
    bias_paths.push_back(std::move(bias));
  }
  int const t = std::max(1, snicit::detail::resolve_threads(options.threads));
  auto const n_files = static_cast<std::int64_t>(files.size());

  // Biases first: they give N and the classes.
  std::vector<detail::ValueFile> biases(files.size());
  detail::run_tasks(n_files, t, [&](std::int64_t i) {
    biases[static_cast<std::size_t>(i)] =
        detail::read_value_file(bias_paths[static_cast<std::size_t>(i)], 1);
  });
  auto const idx = [&](int k) { return static_cast<std::size_t>(k - 1); };
  std::int64_t const n = static_cast<std::int64_t>(biases[idx(first_sparse)].values.size());
  std::string const n_text = "N = " + std::to_string(n) + " from " +
                             bias_paths[idx(first_sparse)].filename().string() + "'s length";
  if (n > std::numeric_limits<std::int32_t>::max()) {
    detail::fail(bias_paths[idx(first_sparse)], 0, "hidden size too large");
  }
  for (int k = 1; k < last; ++k) {
    detail::expect_values(bias_paths[idx(k)],
                          biases[idx(k)],
                          static_cast<std::size_t>(n),
                          "one per hidden neuron, " + n_text);
  }
  auto const classes = static_cast<std::int64_t>(biases[idx(last)].values.size());

  // Weights.
  ClassifierNetwork<float> net;
  net.hidden.activation_cap = 1.0f;
  net.hidden.layers.resize(static_cast<std::size_t>(last - first_sparse));
  detail::TripletSpec spec;
  spec.one_based = false;
  spec.row_limit = n;
  spec.col_limit = n;
  spec.row_limit_text = n_text;
  spec.col_limit_text = n_text;
  detail::run_tasks(n_files, t, [&](std::int64_t i) {
    auto const& f = files[static_cast<std::size_t>(i)];
    auto& bias = biases[static_cast<std::size_t>(i)].values;
    if (!f.dense) {
      auto& layer = net.hidden.layers[static_cast<std::size_t>(f.index - first_sparse)];
      layer.weights = detail::read_triplet_file(f.path, spec, n, 1);
      layer.bias = std::move(bias);
      return;
    }
    auto values = detail::read_value_file(f.path, 1);
    DenseLayer<float> layer;
    if (f.index == last) {
      detail::expect_values(f.path,
                            values,
                            static_cast<std::size_t>(n * classes),
                            "N x classes = " + std::to_string(n) + " x " + std::to_string(classes) +
                                ", classes from " +
                                bias_paths[static_cast<std::size_t>(i)].filename().string() +
                                "'s length");
      layer.weights.rows = n;
      layer.weights.cols = classes;
    } else {
      auto const count = values.values.size();
      if (count % static_cast<std::size_t>(n) != 0) {
        detail::fail(f.path,
                     values.line_of(count - count % static_cast<std::size_t>(n)),
                     "found " + std::to_string(count) +
                         " values, not a multiple of the hidden size (inputs x " + n_text +
                         "): the last row is incomplete from this line on");
      }
      layer.weights.rows = static_cast<std::int64_t>(count) / n;
      layer.weights.cols = n;
    }
    layer.weights.data = std::move(values.values);
    layer.bias = std::move(bias);
    if (f.index == last) {
      net.output = std::move(layer);
    } else {
      net.input = std::move(layer);
    }
  });
  return net;
}

}  // namespace io
SNICIT_NAMESPACE_END
