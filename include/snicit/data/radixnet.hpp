// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file radixnet.hpp
 * @brief The RadiX-Net generator of the Sparse DNN Graph Challenge networks: any number of
 * layers of any N = 16 * 2^K, in memory or as official-format files, reproducible from a seed.
 *
 * The rule (docs/generator.md, ../shared/docs/sdgc.md): M = N / 16, K = log2(M). Base layer
 * k = 1..K with d = 2^(k-1) connects input i (0-based) to the 32 outputs
 * j = a*M + ((i - s) mod M), a = 0..15, s in {0, d}, all with weight 1/16. Layer l (1-based)
 * uses base layer k = ((l-1) mod K) + 1 of block b = (l-1) / K; in block b > 0 every input row
 * is permuted by the block's permutation P_b (row i of layer l = row P_b(i) of the base layer),
 * while block 0 is the base layers as they are, which reproduces the official files exactly.
 * Every layer has exactly 32 entries per row and per column.
 *
 * P_b depends on (seed, b) only: it is a Fisher–Yates shuffle driven by
 * snicit::detail::Rng(seed, b), so a network is identical on every platform and any single
 * layer can be generated on its own in O(N) time.
 */

#include <snicit/config.hpp>
#include <snicit/detail/parallel.hpp>
#include <snicit/detail/random.hpp>
#include <snicit/error.hpp>
#include <snicit/io/sdgc.hpp>
#include <snicit/matrix.hpp>
#include <snicit/network.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace data {

/** @brief What to generate: a RadiX-Net SDGC network of `layers` layers of N = `neurons`. */
struct RadixNetOptions {
  std::int64_t neurons = 1024;  ///< N = 16 * 2^K with K >= 1 (32, 64, ..., 1024, 4096, 65536)
  std::int64_t layers = 120;    ///< L >= 1 (the benchmarks use 120, 480 and 1920)
  std::uint64_t seed = 1;       ///< seed of the block permutations (block 0 never depends on it)
  int threads = 0;              ///< worker threads; 0 = all hardware threads (or $SNICIT_THREADS)
};

/// Entries per row and per column of every RadiX-Net SDGC layer (16 copies x 2 shifts).
inline constexpr std::int64_t radixnet_degree = 32;

/// The value of every RadiX-Net SDGC weight (1/16, exact in binary floating point).
inline constexpr float radixnet_weight = 0.0625f;

/**
 * @brief Layers per block, K = log2(N / 16) (6, 8, 10, 12 for N = 1024, 4096, 16384, 65536).
 * @param[in] neurons N
 * @return K >= 1
 * @throws snicit::LogicError if N is not 16 * 2^K with K >= 1, or exceeds 2^30
 */
[[nodiscard]] inline int radixnet_block_layers(std::int64_t neurons) {
  bool const ok = neurons >= 32 && neurons <= (std::int64_t(1) << 30) && neurons % 16 == 0 &&
                  ((neurons / 16) & (neurons / 16 - 1)) == 0;
  SNICIT_EXPECTS(ok,
                 "RadiX-Net: neurons must be 16 * 2^K with K >= 1 (32, 64, 128, ..., 1024, "
                 "4096, ..., at most 2^30), got " +
                     std::to_string(neurons));
  int k = 0;
  while ((std::int64_t(16) << k) < neurons) {
    ++k;
  }
  return k;
}

/**
 * @brief Checks generator options.
 * @param[in] options the options to check
 * @throws snicit::LogicError naming the offending value if N is not 16 * 2^K with K >= 1
 *         (N >= 32) or layers < 1
 */
inline void validate(RadixNetOptions const& options) {
  (void)radixnet_block_layers(options.neurons);
  SNICIT_EXPECTS(options.layers >= 1,
                 "RadiX-Net: layers must be >= 1, got " + std::to_string(options.layers));
}

/**
 * @brief The input permutation P_b of block b: row i of every layer of block b is row P_b(i) of
 * its base layer.
 * @param[in] neurons N >= 1 (any size; the networks use N = 16 * 2^K)
 * @param[in] block   b >= 0; block 0 gives the identity
 * @param[in] seed    generator seed
 * @return P_b as N distinct values in [0, N), a function of (N, seed, block) only: a Fisher–Yates
 *         shuffle of the identity (i = N-1 down to 1 swaps i with Rng::below(i+1)) driven by
 *         snicit::detail::Rng(seed, block)
 * @throws snicit::LogicError if N < 1, N > 2^31-1 or block < 0
 */
[[nodiscard]] inline std::vector<std::int32_t> block_permutation(std::int64_t neurons,
                                                                 std::int64_t block,
                                                                 std::uint64_t seed) {
  SNICIT_EXPECTS(neurons >= 1 && neurons <= std::numeric_limits<std::int32_t>::max(),
                 "block_permutation: neurons must be in 1..2^31-1, got " + std::to_string(neurons));
  SNICIT_EXPECTS(block >= 0, "block_permutation: block must be >= 0, got " + std::to_string(block));
  std::vector<std::int32_t> perm(static_cast<std::size_t>(neurons));
  for (std::int64_t i = 0; i < neurons; ++i) {
    perm[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i);
  }
  if (block == 0) {
    return perm;
  }
  ::snicit::detail::Rng rng(seed, static_cast<std::uint64_t>(block));
  for (std::int64_t i = neurons - 1; i > 0; --i) {
    auto const j = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(i) + 1));
    std::swap(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
  }
  return perm;
}

namespace detail {

/// Base layer k (1-based) with rows taken through `perm` (empty = identity); N valid.
[[nodiscard]] inline CsrMatrix<float> radixnet_permuted_base(std::int64_t neurons,
                                                             int k,
                                                             std::span<std::int32_t const> perm) {
  std::int64_t const m = neurons / 16;
  std::int64_t const d = std::int64_t(1) << (k - 1);
  CsrMatrix<float> w;
  w.rows = neurons;
  w.cols = neurons;
  auto const nnz = static_cast<std::size_t>(neurons * radixnet_degree);
  w.row_offsets.resize(static_cast<std::size_t>(neurons) + 1);
  w.col_indices.resize(nnz);
  w.values.assign(nnz, radixnet_weight);
  for (std::int64_t i = 0; i <= neurons; ++i) {
    w.row_offsets[static_cast<std::size_t>(i)] = i * radixnet_degree;
  }
  for (std::int64_t i = 0; i < neurons; ++i) {
    std::int64_t const p = perm.empty() ? i : std::int64_t(perm[static_cast<std::size_t>(i)]);
    // Base row p: residues (p - 0) mod M and (p - d) mod M in each of the 16 output groups.
    std::int64_t const c0 = p % m;
    std::int64_t const c1 = (c0 - d + m) % m;  // d < M, so c1 != c0
    std::int64_t const lo = c0 < c1 ? c0 : c1;
    std::int64_t const hi = c0 < c1 ? c1 : c0;
    auto* out = w.col_indices.data() + i * radixnet_degree;
    for (std::int64_t a = 0; a < 16; ++a) {
      out[2 * a] = static_cast<std::int32_t>(a * m + lo);
      out[2 * a + 1] = static_cast<std::int32_t>(a * m + hi);
    }
  }
  return w;
}

/// Permutations of blocks 0..blocks-1 (block 0 left empty = identity), computed in parallel.
[[nodiscard]] inline std::vector<std::vector<std::int32_t>> radixnet_permutations(
    std::int64_t neurons, std::int64_t blocks, std::uint64_t seed, int threads) {
  std::vector<std::vector<std::int32_t>> perms(static_cast<std::size_t>(blocks));
  ::snicit::detail::parallel_for(blocks, threads, [&](std::int64_t b) {
    if (b > 0) {
      perms[static_cast<std::size_t>(b)] = block_permutation(neurons, b, seed);
    }
  });
  return perms;
}

}  // namespace detail

/**
 * @brief One layer of the generated network, independent of the others (O(N) work).
 * @param[in] neurons N = 16 * 2^K, K >= 1
 * @param[in] layer   l >= 1 (1-based, as in the file names n<N>-l<l>.tsv)
 * @param[in] seed    generator seed (layers 1..K never depend on it)
 * @return the N x N layer as CSR: rows = inputs, cols = outputs, 32 sorted columns per row,
 *         every value 1/16; layer l of generate_sdgc_network() with the same seed
 * @throws snicit::LogicError on an invalid N or l < 1
 */
[[nodiscard]] inline CsrMatrix<float> radixnet_layer(std::int64_t neurons,
                                                     std::int64_t layer,
                                                     std::uint64_t seed) {
  int const kk = radixnet_block_layers(neurons);
  SNICIT_EXPECTS(layer >= 1, "radixnet_layer: layer must be >= 1, got " + std::to_string(layer));
  int const k = static_cast<int>((layer - 1) % kk) + 1;
  std::int64_t const block = (layer - 1) / kk;
  if (block == 0) {
    return detail::radixnet_permuted_base(neurons, k, {});
  }
  auto const perm = block_permutation(neurons, block, seed);
  return detail::radixnet_permuted_base(neurons, k, perm);
}

/**
 * @brief Generates a whole SDGC network in memory, all layers in parallel.
 * @param[in] options N, L, seed and threads (see RadixNetOptions)
 * @return L layers, layer l equal to radixnet_layer(N, l, seed), each with bias {sdgc_bias(N)}
 *         (one value for every output) and activation cap sdgc_activation_cap (32)
 * @throws snicit::LogicError if the options are invalid (see validate())
 * @note Memory: 32 * N * L entries of 8 bytes (index + value), e.g. 0.5 GB for 16384 x 120.
 */
[[nodiscard]] inline SparseNetwork<float> generate_sdgc_network(RadixNetOptions const& options) {
  validate(options);
  std::int64_t const n = options.neurons;
  std::int64_t const kk = radixnet_block_layers(n);
  std::int64_t const blocks = (options.layers + kk - 1) / kk;
  auto const perms = detail::radixnet_permutations(n, blocks, options.seed, options.threads);
  SparseNetwork<float> net;
  net.activation_cap = sdgc_activation_cap;
  net.layers.resize(static_cast<std::size_t>(options.layers));
  float const bias = sdgc_bias(n);
  ::snicit::detail::parallel_for(options.layers, options.threads, [&](std::int64_t l) {
    auto& layer = net.layers[static_cast<std::size_t>(l)];
    layer.weights = detail::radixnet_permuted_base(
        n, static_cast<int>(l % kk) + 1, perms[static_cast<std::size_t>(l / kk)]);
    layer.bias = {bias};
  });
  return net;
}

/**
 * @brief Writes the generated network as official-format files `dir/n<N>-l<k>.tsv` (or
 * `.tsv.gz`), k = 1..L, through io::write_sdgc_layer, several layers at a time.
 * @param[in] dir     output folder, created if missing; existing files of the same names are
 *                    replaced
 * @param[in] options N, L, seed and threads (see RadixNetOptions)
 * @param[in] gzip    write gzip files named `.tsv.gz`
 * @throws snicit::LogicError if the options are invalid
 * @throws snicit::IoError if the folder or a file cannot be written
 * @note Reading the files back with io::read_sdgc_network gives generate_sdgc_network(options).
 */
inline void write_sdgc_network(std::filesystem::path const& dir,
                               RadixNetOptions const& options,
                               bool gzip = false) {
  validate(options);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    throw IoError(dir.string(), 0, "cannot create the output folder: " + ec.message());
  }
  std::int64_t const n = options.neurons;
  std::int64_t const kk = radixnet_block_layers(n);
  std::int64_t const blocks = (options.layers + kk - 1) / kk;
  auto const perms = detail::radixnet_permutations(n, blocks, options.seed, options.threads);
  // Contiguous runs of layers per thread, so at most `threads` layers are held in memory at once.
  int const threads = ::snicit::detail::resolve_threads(options.threads);
  int const chunks = static_cast<int>(std::min<std::int64_t>(options.layers, threads));
  ::snicit::detail::parallel_chunks(
      options.layers, chunks, threads, [&](int, std::int64_t begin, std::int64_t end) {
        for (std::int64_t l = begin; l < end; ++l) {
          auto const w = detail::radixnet_permuted_base(
              n, static_cast<int>(l % kk) + 1, perms[static_cast<std::size_t>(l / kk)]);
          auto const name =
              "n" + std::to_string(n) + "-l" + std::to_string(l + 1) + (gzip ? ".tsv.gz" : ".tsv");
          io::write_sdgc_layer(dir / name, w);
        }
      });
}

}  // namespace data
SNICIT_NAMESPACE_END
