// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file sdgc.hpp
 * @brief Readers and writers of the Sparse DNN Graph Challenge TSV files: weight layers
 * (`n<N>-l<k>.tsv`), sparse input images and the golden categories.
 *
 * Readers accept plain text or gzip (detected by the bytes 1f 8b, whatever the name), any line
 * order, any run of spaces/tabs between fields, CRLF line ends and blank lines. They parse in
 * parallel (ReadOptions::threads) and throw snicit::IoError `<path>:<line>: <reason>` on bad
 * input, returning nothing half-built. Writers write `<file>.tmp` and rename it, gzip when the
 * name ends in `.gz`. See docs/formats.md.
 */

#include <snicit/config.hpp>
#include <snicit/detail/parallel.hpp>
#include <snicit/error.hpp>
#include <snicit/io/detail/file.hpp>
#include <snicit/io/detail/format.hpp>
#include <snicit/io/detail/text.hpp>
#include <snicit/io/read_options.hpp>
#include <snicit/matrix.hpp>
#include <snicit/network.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace io {

/**
 * @brief Reads one SDGC weight layer: lines `row col value`, 1-based, row = input neuron,
 * col = output neuron.
 * @param[in] file     plain or gzip TSV
 * @param[in] neurons  N; the matrix is N x N and every index must lie in 1..N
 * @param[in] options  parser threads
 * @return the layer as CSR (columns sorted within each row)
 * @throws snicit::IoError on a missing/empty file, a malformed line, an index out of range, a
 *         non-finite value or a duplicate (row, col) (named at the line of its second entry)
 * @throws snicit::LogicError if neurons is not in 1..2^31-1
 */
[[nodiscard]] inline CsrMatrix<float> read_sdgc_layer(std::filesystem::path const& file,
                                                      std::int64_t neurons,
                                                      ReadOptions const& options = {}) {
  SNICIT_EXPECTS(neurons > 0 && neurons <= std::numeric_limits<std::int32_t>::max(),
                 "read_sdgc_layer: neurons must be in 1..2^31-1");
  detail::TripletSpec spec;
  spec.one_based = true;
  spec.row_limit = neurons;
  spec.col_limit = neurons;
  spec.row_name = "row";
  spec.col_name = "column";
  spec.row_limit_text = "N = " + std::to_string(neurons);
  spec.col_limit_text = spec.row_limit_text;
  return detail::read_triplet_file(file, spec, neurons, options.threads);
}

/** @brief The path of SDGC layer k (1-based) in `dir`: `n<N>-l<k>.tsv`, or `.tsv.gz` if only
 * that exists. Returns the `.tsv` name when neither exists. */
[[nodiscard]] inline std::filesystem::path sdgc_layer_path(std::filesystem::path const& dir,
                                                           std::int64_t neurons,
                                                           std::int64_t k) {
  std::string name = "n";  // appends, not "n" + ...: GCC 12 -Wrestrict false positive
  name += std::to_string(neurons);
  name += "-l";
  name += std::to_string(k);
  name += ".tsv";
  auto plain = dir / name;
  std::error_code ec;
  if (!std::filesystem::exists(plain, ec)) {
    auto gz = dir / (name + ".gz");
    if (std::filesystem::exists(gz, ec)) {
      return gz;
    }
  }
  return plain;
}

/**
 * @brief Reads the first `layers` SDGC layers `dir/n<N>-l<k>.tsv` (or `.tsv.gz`), k = 1..layers.
 * Small files are parsed concurrently, one per thread; large ones one after another with all
 * threads each.
 * @param[in] dir      the `neuron<N>` directory
 * @param[in] neurons  N
 * @param[in] layers   L >= 1
 * @param[in] options  parser threads
 * @return the network with bias {sdgc_bias(N)} per layer and activation cap 32
 * @throws snicit::IoError naming the first missing layer file before anything is parsed, or the
 *         first bad file and line
 * @throws snicit::LogicError on bad N or L
 */
[[nodiscard]] inline SparseNetwork<float> read_sdgc_network(std::filesystem::path const& dir,
                                                            std::int64_t neurons,
                                                            std::int64_t layers,
                                                            ReadOptions const& options = {}) {
  SNICIT_EXPECTS(layers >= 1, "read_sdgc_network: layers must be >= 1");
  SNICIT_EXPECTS(neurons > 0 && neurons <= std::numeric_limits<std::int32_t>::max(),
                 "read_sdgc_network: neurons must be in 1..2^31-1");
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    detail::fail(dir, 0, "no such directory");
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    detail::fail(dir, 0, "not a directory (expected the folder holding n<N>-l<k>.tsv)");
  }
  std::vector<std::filesystem::path> files;
  files.reserve(static_cast<std::size_t>(layers));
  std::uintmax_t total_bytes = 0;
  for (std::int64_t k = 1; k <= layers; ++k) {
    auto path = sdgc_layer_path(dir, neurons, k);
    if (!std::filesystem::is_regular_file(path, ec)) {
      detail::fail(path,
                   0,
                   "missing layer file " + std::to_string(k) + " of " + std::to_string(layers) +
                       " (looked for " + path.filename().string() + " and " +
                       path.filename().string() + ".gz)");
    }
    total_bytes += std::filesystem::file_size(path, ec);
    files.push_back(std::move(path));
  }
  int const t = std::max(1, snicit::detail::resolve_threads(options.threads));
  SparseNetwork<float> net;
  net.activation_cap = sdgc_activation_cap;
  net.layers.resize(static_cast<std::size_t>(layers));
  float const bias = sdgc_bias(neurons);
  // Many files: one file per thread (no per-file fork/join); few: all threads per file.
  bool const across =
      layers >= t && total_bytes / std::uintmax_t(layers) < (std::uintmax_t(256) << 20);
  detail::run_tasks(layers, across ? t : 1, [&](std::int64_t i) {
    auto& layer = net.layers[static_cast<std::size_t>(i)];
    layer.weights =
        read_sdgc_layer(files[static_cast<std::size_t>(i)], neurons, ReadOptions{across ? 1 : t});
    layer.bias = {bias};
  });
  return net;
}

/**
 * @brief Reads SDGC sparse input images: lines `image pixel value`, 1-based.
 * @param[in] file     plain or gzip TSV
 * @param[in] neurons  N (pixels per image); every pixel index must lie in 1..N
 * @param[in] count    number of images (rows); -1 = the largest image index in the file, which
 *                     must then be at most max(2^20, 64 x the entries) (a tiny file naming
 *                     image 10^9 is refused instead of allocating gigabytes)
 * @param[in] options  parser threads
 * @return count x N CSR, one image per row
 * @throws snicit::IoError on bad input, including an image index > count
 * @throws snicit::LogicError if neurons or count is invalid
 */
[[nodiscard]] inline CsrMatrix<float> read_sdgc_images(std::filesystem::path const& file,
                                                       std::int64_t neurons,
                                                       std::int64_t count = -1,
                                                       ReadOptions const& options = {}) {
  SNICIT_EXPECTS(neurons > 0 && neurons <= std::numeric_limits<std::int32_t>::max(),
                 "read_sdgc_images: neurons must be in 1..2^31-1");
  SNICIT_EXPECTS(count == -1 || (count > 0 && count <= std::numeric_limits<std::int32_t>::max()),
                 "read_sdgc_images: count must be -1 (from the file) or in 1..2^31-1");
  detail::TripletSpec spec;
  spec.one_based = true;
  spec.row_limit = count;
  spec.col_limit = neurons;
  spec.row_name = "image";
  spec.col_name = "pixel";
  spec.row_limit_text = "count = " + std::to_string(count);
  spec.col_limit_text = "N = " + std::to_string(neurons);
  return detail::read_triplet_file(file, spec, neurons, options.threads);
}

namespace detail {
/// One parsed chunk of a categories file.
struct CategoryChunk : ChunkStatus {
  std::vector<std::int64_t> ids;  // 0-based
};
}  // namespace detail

/**
 * @brief Reads a golden categories file: one 1-based image index per line.
 * @return the indices, 0-based, ascending
 * @throws snicit::IoError on a missing or empty file, a line that is not one positive integer,
 *         or a repeated index (named at the line of its second occurrence)
 */
[[nodiscard]] inline std::vector<std::int64_t> read_categories(std::filesystem::path const& file) {
  auto text = detail::parse_text<detail::CategoryChunk>(
      file, 1, [](char const* p, char const* e, detail::CategoryChunk& ch) {
        std::uint64_t line = 0;
        std::string why;
        while (p < e) {
          ++line;
          if (detail::skip_blank_line(p, e)) {
            ch.blanks.push_back(ch.ids.size());
            continue;
          }
          std::int64_t v = 0;
          if (!detail::parse_int_field(p, e, v, "category index", why) ||
              !detail::finish_line(p, e, why)) {
            ch.set_error(line, why + " (expected one image index per line)");
            break;
          }
          if (v < 1) {
            ch.set_error(
                line,
                "category index " + std::to_string(v) + " out of range (indices are 1-based)");
            break;
          }
          ch.ids.push_back(v - 1);
        }
        ch.lines = line;
      });
  std::vector<std::size_t> chunk_begin(text.chunks.size() + 1, 0);
  std::vector<std::pair<std::int64_t, std::size_t>> all;  // (id, entry number)
  for (std::size_t c = 0; c < text.chunks.size(); ++c) {
    chunk_begin[c + 1] = chunk_begin[c] + text.chunks[c].ids.size();
    for (auto const id : text.chunks[c].ids) {
      all.emplace_back(id, all.size());
    }
  }
  if (all.empty()) {
    detail::fail(file, 0, "no categories (the file holds only blank lines)");
  }
  std::sort(all.begin(), all.end());
  // Report the repeated index whose second occurrence comes first in the file.
  std::size_t worst = all.size();
  std::size_t first = 0;
  std::int64_t value = 0;
  for (std::size_t i = 1, run = 0; i < all.size(); ++i) {
    if (all[i].first != all[i - 1].first) {
      run = i;
    } else if (i == run + 1 && all[i].second < worst) {
      worst = all[i].second;
      first = all[run].second;
      value = all[i].first;
    }
  }
  if (worst < all.size()) {
    detail::fail(file,
                 detail::line_of_entry(text, chunk_begin, worst),
                 "duplicate category index " + std::to_string(value + 1) +
                     ", first given at line " +
                     std::to_string(detail::line_of_entry(text, chunk_begin, first)));
  }
  std::vector<std::int64_t> ids;
  ids.reserve(all.size());
  for (auto const& p : all) {
    ids.push_back(p.first);
  }
  return ids;
}

/**
 * @brief Writes one SDGC weight layer as `row<TAB>col<TAB>value`, 1-based, sorted by column then
 * row like the official files, values like "%e" ("6.250000e-02") or, when 7 significant digits
 * do not reproduce the float, its shortest exact scientific form. A `.gz` name writes gzip.
 * @throws snicit::LogicError if the matrix breaks a CSR invariant
 * @throws snicit::IoError if the file cannot be written (no partial file is left)
 */
inline void write_sdgc_layer(std::filesystem::path const& file, CsrMatrix<float> const& layer) {
  layer.validate("write_sdgc_layer");
  // Transpose to column order (counting sort keeps rows ascending within a column).
  auto const cols = static_cast<std::size_t>(layer.cols);
  std::vector<std::int64_t> col_offsets(cols + 1, 0);
  for (auto const c : layer.col_indices) {
    ++col_offsets[static_cast<std::size_t>(c) + 1];
  }
  for (std::size_t c = 0; c < cols; ++c) {
    col_offsets[c + 1] += col_offsets[c];
  }
  std::vector<std::int32_t> row_of(layer.col_indices.size());
  std::vector<float> val_of(layer.col_indices.size());
  {
    std::vector<std::int64_t> cursor(col_offsets.begin(), col_offsets.end() - 1);
    for (std::int64_t r = 0; r < layer.rows; ++r) {
      for (auto i = layer.row_offsets[static_cast<std::size_t>(r)];
           i < layer.row_offsets[static_cast<std::size_t>(r) + 1];
           ++i) {
        auto const c = static_cast<std::size_t>(layer.col_indices[static_cast<std::size_t>(i)]);
        auto const dst = static_cast<std::size_t>(cursor[c]++);
        row_of[dst] = static_cast<std::int32_t>(r);
        val_of[dst] = layer.values[static_cast<std::size_t>(i)];
      }
    }
  }
  auto const cuts = detail::split_by_entries(col_offsets, std::int64_t(1) << 21);
  detail::write_text(
      file, static_cast<std::int64_t>(cuts.size()) - 1, 0, [&](std::int64_t k, std::string& s) {
        auto const cb = cuts[static_cast<std::size_t>(k)];
        auto const ce = cuts[static_cast<std::size_t>(k) + 1];
        auto const eb = static_cast<std::size_t>(col_offsets[static_cast<std::size_t>(cb)]);
        auto const ee = static_cast<std::size_t>(col_offsets[static_cast<std::size_t>(ce)]);
        s.resize((ee - eb) * (3 * detail::max_number_chars + 3));
        char* p = s.data();
        detail::SciFormatter fmt;
        for (auto c = cb; c < ce; ++c) {
          for (auto i = static_cast<std::size_t>(col_offsets[static_cast<std::size_t>(c)]);
               i < static_cast<std::size_t>(col_offsets[static_cast<std::size_t>(c) + 1]);
               ++i) {
            p = detail::put_int(p, std::int64_t(row_of[i]) + 1);
            *p++ = '\t';
            p = detail::put_int(p, c + 1);
            *p++ = '\t';
            p = fmt.put(p, val_of[i]);
            *p++ = '\n';
          }
        }
        s.resize(static_cast<std::size_t>(p - s.data()));
      });
}

/**
 * @brief Writes SDGC sparse images as `image<TAB>pixel<TAB>value`, 1-based, sorted by image then
 * pixel; values in shortest exact form ("1"). A `.gz` name writes gzip.
 * @throws snicit::LogicError if the matrix breaks a CSR invariant
 * @throws snicit::IoError if the file cannot be written (no partial file is left)
 */
inline void write_sdgc_images(std::filesystem::path const& file, CsrMatrix<float> const& images) {
  images.validate("write_sdgc_images");
  auto const cuts = detail::split_by_entries(images.row_offsets, std::int64_t(1) << 21);
  detail::write_text(
      file, static_cast<std::int64_t>(cuts.size()) - 1, 0, [&](std::int64_t k, std::string& s) {
        auto const rb = cuts[static_cast<std::size_t>(k)];
        auto const re = cuts[static_cast<std::size_t>(k) + 1];
        auto const eb = static_cast<std::size_t>(images.row_offsets[static_cast<std::size_t>(rb)]);
        auto const ee = static_cast<std::size_t>(images.row_offsets[static_cast<std::size_t>(re)]);
        s.resize((ee - eb) * (3 * detail::max_number_chars + 3));
        char* p = s.data();
        for (auto r = rb; r < re; ++r) {
          for (auto i = static_cast<std::size_t>(images.row_offsets[static_cast<std::size_t>(r)]);
               i < static_cast<std::size_t>(images.row_offsets[static_cast<std::size_t>(r) + 1]);
               ++i) {
            p = detail::put_int(p, r + 1);
            *p++ = '\t';
            p = detail::put_int(p, std::int64_t(images.col_indices[i]) + 1);
            *p++ = '\t';
            p = detail::put_shortest(p, images.values[i]);
            *p++ = '\n';
          }
        }
        s.resize(static_cast<std::size_t>(p - s.data()));
      });
}

/**
 * @brief Writes golden categories: the given 0-based image indices as 1-based, one per line,
 * ascending. (An empty set writes an empty file, which read_categories rejects as empty.)
 * @throws snicit::LogicError on a negative or repeated index
 * @throws snicit::IoError if the file cannot be written (no partial file is left)
 */
inline void write_categories(std::filesystem::path const& file,
                             std::vector<std::int64_t> const& zero_based) {
  auto ids = zero_based;
  std::sort(ids.begin(), ids.end());
  SNICIT_EXPECTS(ids.empty() || ids.front() >= 0, "write_categories: negative image index");
  SNICIT_EXPECTS(std::adjacent_find(ids.begin(), ids.end()) == ids.end(),
                 "write_categories: repeated image index");
  detail::write_text(file, ids.empty() ? 0 : 1, 1, [&](std::int64_t, std::string& s) {
    s.resize(ids.size() * (detail::max_number_chars + 1));
    char* p = s.data();
    for (auto const id : ids) {
      p = detail::put_int(p, id + 1);
      *p++ = '\n';
    }
    s.resize(static_cast<std::size_t>(p - s.data()));
  });
}

}  // namespace io
SNICIT_NAMESPACE_END
