// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file images.hpp
 * @brief SDGC-style sparse input images: from any MNIST idx file (bicubic resize, threshold,
 * tiling with small shifts) or fully synthetic (seeded central blobs).
 *
 * Both produce a count x N CSR matrix with values 1, one image per row, pixel (r, c) of the
 * S x S grid (S = sqrt(N)) at column p = r + S*c (column-major, 0-based; the SDGC files add 1).
 * docs/generator.md describes the kernel and the blob model in full.
 */

#include <snicit/config.hpp>
#include <snicit/detail/parallel.hpp>
#include <snicit/detail/random.hpp>
#include <snicit/error.hpp>
#include <snicit/io/mnist.hpp>
#include <snicit/matrix.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace data {

/** @brief How to turn MNIST images into SDGC inputs. */
struct MnistResizeOptions {
  std::int64_t neurons = 1024;  ///< N, a perfect square S*S (1024, 4096, 16384, 65536, ...)
  std::int64_t count = 60000;   ///< images to produce; -1 = as many as the source holds
  float threshold = 0.75f;      ///< keep a resized pixel when value / 255 > threshold
  int threads = 0;              ///< worker threads; 0 = all hardware threads (or $SNICIT_THREADS)
};

/** @brief A shift of a whole image on the S x S grid: column += dx, row += dy. */
struct TileShift {
  int dx = 0;  ///< columns to the right (negative: to the left)
  int dy = 0;  ///< rows down (negative: up)
  friend bool operator==(TileShift const&, TileShift const&) = default;
};

/**
 * @brief The side S of the square pixel grid of N-neuron images.
 * @param[in] neurons N
 * @return S with S*S == N
 * @throws snicit::LogicError if N is not a perfect square >= 4
 */
[[nodiscard]] inline std::int64_t image_side(std::int64_t neurons) {
  std::int64_t s = neurons > 0 ? static_cast<std::int64_t>(std::sqrt(double(neurons))) : 0;
  while (s > 0 && s * s > neurons) {
    --s;
  }
  while ((s + 1) * (s + 1) <= neurons) {
    ++s;
  }
  SNICIT_EXPECTS(neurons >= 4 && s * s == neurons,
                 "SDGC images: neurons must be a perfect square S*S >= 4 (1024, 4096, 16384, "
                 "65536, ...), got " +
                     std::to_string(neurons));
  return s;
}

/**
 * @brief The shift of tiling copy k: copy k of the source set is shifted by tile_shift(k).
 *
 * Copy 0 is unshifted; then come rings of growing Chebyshev radius r = 1, 2, ...: within a ring,
 * for t = 0..r, the points (r,t), (t,r), (-r,t), (t,-r), (r,-t), (-t,r), (-r,-t), (-t,-r) with
 * repeats dropped. So: (0,0), (1,0), (0,1), (-1,0), (0,-1), (1,1), (-1,1), (1,-1), (-1,-1),
 * (2,0), ... All shifts are distinct.
 * @param[in] copy k >= 0
 * @return the shift
 * @throws snicit::LogicError if k < 0
 */
[[nodiscard]] inline TileShift tile_shift(std::int64_t copy) {
  SNICIT_EXPECTS(copy >= 0, "tile_shift: copy must be >= 0, got " + std::to_string(copy));
  if (copy == 0) {
    return {};
  }
  std::int64_t left = copy - 1;
  for (int r = 1;; ++r) {
    // Ring r holds 8r points; skip whole rings first.
    if (left >= 8 * std::int64_t(r)) {
      left -= 8 * std::int64_t(r);
      continue;
    }
    std::vector<TileShift> ring;
    ring.reserve(static_cast<std::size_t>(8 * r));
    for (int t = 0; t <= r; ++t) {
      TileShift const cand[8] = {
          {r, t}, {t, r}, {-r, t}, {t, -r}, {r, -t}, {-t, r}, {-r, -t}, {-t, -r}};
      for (auto const& c : cand) {
        if (std::find(ring.begin(), ring.end(), c) == ring.end()) {
          ring.push_back(c);
        }
      }
    }
    return ring[static_cast<std::size_t>(left)];
  }
}

namespace detail {

/// Keys cubic convolution kernel with a = -0.5 (Catmull–Rom), support [-2, 2].
[[nodiscard]] inline double keys_cubic(double x) noexcept {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) {
    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  }
  if (x < 2.0) {
    return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
  }
  return 0.0;
}

/// Fixed-point fraction bits of the resize weights (accumulated in 64 bits).
inline constexpr int resize_bits = 22;

/// Taps of one output position of a 1-D resize: source indices first..first+size-1.
struct ResizeTaps {
  std::int64_t first = 0;
  std::vector<std::int32_t> weights;  ///< fixed point, resize_bits fraction bits
};

/**
 * Bicubic taps for resizing `in` samples to `out`: output o is centred on source coordinate
 * (o + 0.5) * in/out - 0.5; the kernel is widened by in/out when shrinking (antialias);
 * taps outside the source are dropped and the rest renormalised to sum 1, then rounded to
 * fixed point (half away from zero).
 */
[[nodiscard]] inline std::vector<ResizeTaps> bicubic_taps(std::int64_t in, std::int64_t out) {
  std::vector<ResizeTaps> taps(static_cast<std::size_t>(out));
  double const scale = double(in) / double(out);
  double const filter_scale = scale > 1.0 ? scale : 1.0;
  double const support = 2.0 * filter_scale;
  for (std::int64_t o = 0; o < out; ++o) {
    double const center = (double(o) + 0.5) * scale;
    auto lo = static_cast<std::int64_t>(std::floor(center - support + 0.5));
    auto hi = static_cast<std::int64_t>(std::floor(center + support + 0.5));
    lo = std::max<std::int64_t>(lo, 0);
    hi = std::min<std::int64_t>(hi, in);
    std::vector<double> w(static_cast<std::size_t>(std::max<std::int64_t>(hi - lo, 0)));
    double sum = 0.0;
    for (std::int64_t x = lo; x < hi; ++x) {
      double const v = keys_cubic((double(x) - center + 0.5) / filter_scale);
      w[static_cast<std::size_t>(x - lo)] = v;
      sum += v;
    }
    auto& t = taps[static_cast<std::size_t>(o)];
    t.first = lo;
    t.weights.resize(w.size());
    for (std::size_t x = 0; x < w.size(); ++x) {
      double const v = (sum != 0.0 ? w[x] / sum : w[x]) * double(1 << resize_bits);
      t.weights[x] = static_cast<std::int32_t>(v < 0.0 ? v - 0.5 : v + 0.5);
    }
  }
  return taps;
}

/// Rounds a fixed-point accumulator (already offset by one half) to a byte, saturating.
[[nodiscard]] inline std::uint8_t resize_to_byte(std::int64_t acc) noexcept {
  acc >>= resize_bits;
  return static_cast<std::uint8_t>(acc < 0 ? 0 : (acc > 255 ? 255 : acc));
}

/**
 * Bicubic resize of one rows x cols byte image to S x S: horizontal pass first, rounded to bytes,
 * then the vertical pass, rounded to bytes. `tmp` is scratch (rows * S bytes); `out` gets S*S
 * bytes, row-major.
 */
inline void bicubic_resize(std::uint8_t const* in,
                           std::int64_t rows,
                           std::int64_t cols,
                           std::int64_t s,
                           std::vector<ResizeTaps> const& htaps,
                           std::vector<ResizeTaps> const& vtaps,
                           std::vector<std::uint8_t>& tmp,
                           std::vector<std::uint8_t>& out) {
  tmp.resize(static_cast<std::size_t>(rows * s));
  out.resize(static_cast<std::size_t>(s * s));
  std::int64_t const half = std::int64_t(1) << (resize_bits - 1);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < s; ++c) {
      auto const& t = htaps[static_cast<std::size_t>(c)];
      std::int64_t acc = half;
      for (std::size_t k = 0; k < t.weights.size(); ++k) {
        acc += std::int64_t(in[r * cols + t.first + std::int64_t(k)]) * t.weights[k];
      }
      tmp[static_cast<std::size_t>(r * s + c)] = resize_to_byte(acc);
    }
  }
  for (std::int64_t r = 0; r < s; ++r) {
    auto const& t = vtaps[static_cast<std::size_t>(r)];
    for (std::int64_t c = 0; c < s; ++c) {
      std::int64_t acc = half;
      for (std::size_t k = 0; k < t.weights.size(); ++k) {
        acc += std::int64_t(tmp[static_cast<std::size_t>((t.first + std::int64_t(k)) * s + c)]) *
               t.weights[k];
      }
      out[static_cast<std::size_t>(r * s + c)] = resize_to_byte(acc);
    }
  }
}

/// Builds the CSR rows of `count` images whose pixels (column-major indices, sorted) are given
/// by pixels(i, std::vector<int32_t>&), called once per image. Chunks of images are made in
/// parallel into their own buffers, then copied into place.
template <class Pixels>
[[nodiscard]] CsrMatrix<float> images_to_csr(std::int64_t count,
                                             std::int64_t neurons,
                                             int threads,
                                             Pixels&& pixels) {
  CsrMatrix<float> m;
  m.rows = count;
  m.cols = neurons;
  m.row_offsets.assign(static_cast<std::size_t>(count) + 1, 0);
  int const t = ::snicit::detail::resolve_threads(threads);
  int const chunks = static_cast<int>(std::min<std::int64_t>(count, std::int64_t(t) * 8));
  std::vector<std::vector<std::int32_t>> bufs(static_cast<std::size_t>(std::max(chunks, 0)));
  std::vector<std::int64_t> first(bufs.size(), 0);
  ::snicit::detail::parallel_chunks(count, chunks, t, [&](int k, std::int64_t b, std::int64_t e) {
    auto& buf = bufs[static_cast<std::size_t>(k)];
    first[static_cast<std::size_t>(k)] = b;
    std::vector<std::int32_t> px;
    for (std::int64_t i = b; i < e; ++i) {
      pixels(i, px);
      m.row_offsets[static_cast<std::size_t>(i) + 1] = static_cast<std::int64_t>(px.size());
      buf.insert(buf.end(), px.begin(), px.end());
    }
  });
  for (std::int64_t i = 0; i < count; ++i) {
    m.row_offsets[static_cast<std::size_t>(i) + 1] += m.row_offsets[static_cast<std::size_t>(i)];
  }
  auto const nnz = static_cast<std::size_t>(m.row_offsets.back());
  m.col_indices.resize(nnz);
  m.values.assign(nnz, 1.0f);
  ::snicit::detail::parallel_for(chunks, t, [&](std::int64_t k) {
    auto& buf = bufs[static_cast<std::size_t>(k)];
    auto const at = m.row_offsets[static_cast<std::size_t>(first[static_cast<std::size_t>(k)])];
    std::copy(buf.begin(), buf.end(), m.col_indices.begin() + at);
    std::vector<std::int32_t>().swap(buf);
  });
  return m;
}

}  // namespace detail

/**
 * @brief SDGC inputs from MNIST images: bicubic resize 28 x 28 -> S x S (S = sqrt(N)), keep
 * pixels with value / 255 > threshold, numbered column-major (p = r + S*c).
 *
 * The resize (docs/generator.md) is separable Keys cubic convolution with a = -0.5, pixel
 * centres aligned (source x = (dst + 0.5) * 28/S - 0.5), taps outside the image dropped and the
 * rest renormalised, horizontal pass first, each pass rounded to 8 bits in 22-bit fixed point
 * (widened by 28/S when S < 28). With the MNIST t10k set and N = 1024 this reproduces
 * ../shared/data/sdgc/sparse-images-1024-t10k.tsv.gz exactly.
 *
 * When `count` exceeds the source images, the source set is tiled: image i is source image
 * i mod n shifted by tile_shift(i / n) (copy 0 unshifted; then (1,0), (0,1), (-1,0), (0,-1),
 * (1,1), ...), pixels shifted off the grid dropped.
 *
 * @param[in] mnist   source images (any size; MNIST is 28 x 28)
 * @param[in] options N, count, threshold and threads
 * @return count x N CSR, values 1, sorted columns
 * @throws snicit::LogicError if N is not a perfect square, count < -1, the source is empty while
 *         count > 0, or mnist.pixels does not hold count * rows * cols bytes
 */
[[nodiscard]] inline CsrMatrix<float> sdgc_images_from_mnist(io::MnistImages const& mnist,
                                                             MnistResizeOptions const& options) {
  std::int64_t const s = image_side(options.neurons);
  SNICIT_EXPECTS(options.count >= -1,
                 "sdgc_images_from_mnist: count must be >= 0 (or -1 = all), got " +
                     std::to_string(options.count));
  SNICIT_EXPECTS(
      mnist.count >= 0 && mnist.rows >= 1 && mnist.cols >= 1 &&
          mnist.pixels.size() == static_cast<std::size_t>(mnist.count * mnist.rows * mnist.cols),
      "sdgc_images_from_mnist: the MNIST images are malformed (" + std::to_string(mnist.count) +
          " x " + std::to_string(mnist.rows) + " x " + std::to_string(mnist.cols) + ", " +
          std::to_string(mnist.pixels.size()) + " bytes)");
  std::int64_t const count = options.count < 0 ? mnist.count : options.count;
  SNICIT_EXPECTS(
      count == 0 || mnist.count > 0,
      "sdgc_images_from_mnist: no source images to make " + std::to_string(count) + " images from");
  std::array<bool, 256> keep{};
  for (int v = 0; v < 256; ++v) {
    keep[static_cast<std::size_t>(v)] = double(v) / 255.0 > double(options.threshold);
  }
  // Resize every source image that is used once and keep its pixel indices r + s*c (ascending).
  std::int64_t const used = std::min(count, mnist.count);
  auto const htaps = detail::bicubic_taps(mnist.cols, s);
  auto const vtaps = detail::bicubic_taps(mnist.rows, s);
  std::vector<std::vector<std::int32_t>> kept(static_cast<std::size_t>(used));  // r + s*c
  ::snicit::detail::parallel_chunks(used,
                                    static_cast<int>(std::min<std::int64_t>(used, 64)),
                                    options.threads,
                                    [&](int, std::int64_t b, std::int64_t e) {
                                      std::vector<std::uint8_t> tmp;
                                      std::vector<std::uint8_t> out;
                                      for (std::int64_t i = b; i < e; ++i) {
                                        detail::bicubic_resize(
                                            mnist.pixels.data() + i * mnist.rows * mnist.cols,
                                            mnist.rows,
                                            mnist.cols,
                                            s,
                                            htaps,
                                            vtaps,
                                            tmp,
                                            out);
                                        auto& px = kept[static_cast<std::size_t>(i)];
                                        for (std::int64_t c = 0; c < s; ++c) {
                                          for (std::int64_t r = 0; r < s; ++r) {
                                            if (keep[out[static_cast<std::size_t>(r * s + c)]]) {
                                              px.push_back(static_cast<std::int32_t>(r + s * c));
                                            }
                                          }
                                        }
                                      }
                                    });
  std::int64_t const copies = used > 0 ? (count + used - 1) / used : 0;
  std::vector<TileShift> shifts;
  for (std::int64_t k = 0; k < copies; ++k) {
    shifts.push_back(tile_shift(k));
  }
  return detail::images_to_csr(
      count, options.neurons, options.threads, [&](std::int64_t i, std::vector<std::int32_t>& px) {
        auto const& src = kept[static_cast<std::size_t>(i % used)];
        auto const sh = shifts[static_cast<std::size_t>(i / used)];
        px.clear();
        for (auto const p : src) {
          std::int64_t const r = p % s + sh.dy;
          std::int64_t const c = p / s + sh.dx;
          if (r >= 0 && r < s && c >= 0 && c < s) {
            px.push_back(static_cast<std::int32_t>(r + s * c));
          }
        }
      });
}

namespace detail {

/// The H x W grid of synthetic N-pixel images: H = the largest divisor of N with H*H <= N.
struct ImageGrid {
  std::int64_t rows = 0;  ///< H
  std::int64_t cols = 0;  ///< W = N / H >= H
};

[[nodiscard]] inline ImageGrid synthetic_grid(std::int64_t neurons) {
  SNICIT_EXPECTS(neurons >= 16,
                 "synthetic_sdgc_images: neurons must be >= 16, got " + std::to_string(neurons));
  std::int64_t h = static_cast<std::int64_t>(std::sqrt(double(neurons)));
  while (h * h > neurons) {
    --h;
  }
  while ((h + 1) * (h + 1) <= neurons) {
    ++h;
  }
  while (neurons % h != 0) {
    --h;
  }
  SNICIT_EXPECTS(h >= 4,
                 "synthetic_sdgc_images: neurons must factor as H x W with 4 <= H <= W (a square "
                 "S*S or 16 * 2^K), got " +
                     std::to_string(neurons));
  return {h, neurons / h};
}

/// Key of the synthetic-image random streams: a function of the seed, distinct from the raw
/// seed the RadiX-Net permutations use, so one seed can drive both without shared streams.
[[nodiscard]] inline std::uint64_t synthetic_image_key(std::uint64_t seed) noexcept {
  std::uint64_t state = seed ^ 0x53594E5448494D47ull;  // "SYNTHIMG"
  return ::snicit::detail::splitmix64(state);
}

/**
 * The pixels of synthetic image `index` (column-major indices r + H*c, ascending). The model
 * (docs/generator.md): ink n = x * density * N with x = (1 + 0.2 g)^2 / 1.04 and g a sum of 12
 * uniforms minus 6 (≈ N(0,1)), which gives MNIST's spread of pixel counts; an ellipse centred
 * within 5% of the grid middle, aspect (1+0.17t)/(1-0.17t), area 2n / (pi * fill), fill in
 * [0.6, 0.95]; each pixel inside at least max(1, H/16) rows and W/16 columns from the border is
 * set with probability fill * (1 - rho^2), rho the elliptical radius.
 */
inline void synthetic_image(std::int64_t index,
                            ImageGrid grid,
                            std::uint64_t key,
                            double density,
                            std::vector<std::int32_t>& px) {
  ::snicit::detail::Rng rng(key, static_cast<std::uint64_t>(index));
  px.clear();
  double g = -6.0;
  for (int k = 0; k < 12; ++k) {
    g += rng.uniform();
  }
  double const x = (1.0 + 0.2 * g) * (1.0 + 0.2 * g) / 1.04;
  double const ink = x * density * double(grid.rows * grid.cols);
  double const fill = 0.6 + 0.35 * rng.uniform();
  double const t = 2.0 * rng.uniform() - 1.0;
  // rows : cols of the ellipse, relative to the grid's own shape
  double const aspect = (1.0 + 0.17 * t) / (1.0 - 0.17 * t) * double(grid.rows) / double(grid.cols);
  double const area = 2.0 * ink / (fill * std::numbers::pi);
  double const ar = std::sqrt(area * aspect);
  double const ac = std::sqrt(area / aspect);
  double const cr =
      double(grid.rows - 1) / 2.0 + 0.05 * double(grid.rows) * (2.0 * rng.uniform() - 1.0);
  double const cc =
      double(grid.cols - 1) / 2.0 + 0.05 * double(grid.cols) * (2.0 * rng.uniform() - 1.0);
  std::int64_t const mr = std::max<std::int64_t>(1, grid.rows / 16);
  std::int64_t const mc = std::max<std::int64_t>(1, grid.cols / 16);
  // Only pixels with rho^2 < 1 draw a random number; the loops visit the ellipse's bounding
  // box widened by a pixel, which holds every such pixel (the result equals a full-grid scan).
  std::int64_t const c_lo = std::max(mc, static_cast<std::int64_t>(std::floor(cc - ac)) - 1);
  std::int64_t const c_hi =
      std::min(grid.cols - mc, static_cast<std::int64_t>(std::ceil(cc + ac)) + 2);
  for (std::int64_t c = c_lo; c < c_hi; ++c) {
    double const dc = (double(c) - cc) / ac;
    if (dc * dc >= 1.0) {
      continue;
    }
    double const half = ar * std::sqrt(1.0 - dc * dc);
    std::int64_t const r_lo = std::max(mr, static_cast<std::int64_t>(std::floor(cr - half)) - 1);
    std::int64_t const r_hi =
        std::min(grid.rows - mr, static_cast<std::int64_t>(std::ceil(cr + half)) + 2);
    // Branch-free keep/drop: the coin flips are unpredictable, the ellipse test is not.
    std::size_t n = px.size();
    px.resize(n + static_cast<std::size_t>(std::max<std::int64_t>(r_hi - r_lo, 0)));
    for (std::int64_t r = r_lo; r < r_hi; ++r) {
      double const dr = (double(r) - cr) / ar;
      double const rho2 = dr * dr + dc * dc;
      if (rho2 < 1.0) {
        bool const keep = rng.uniform() < fill * (1.0 - rho2);
        px[n] = static_cast<std::int32_t>(r + grid.rows * c);
        n += keep ? 1 : 0;
      }
    }
    px.resize(n);
  }
}

}  // namespace detail

/**
 * @brief Synthetic SDGC inputs without MNIST: one seeded random blob per image.
 *
 * Each image is a filled ellipse of random size, aspect, fill and position near the middle of
 * the S x S grid (S = sqrt(N)), set pixels thinning out towards its rim and never touching the
 * border (a margin of max(1, S/16) pixels). Pixel counts vary from image to image like MNIST's
 * (5% / 50% / 95% quantiles about 0.43 / 0.96 / 1.7 times the mean), which is what decides
 * whether an image survives an SDGC network: on generated 120-layer networks about 4% (N = 1024)
 * and 2% (N = 4096) of the images survive, like the ~3% of the official inputs. Indices are
 * column-major (p = r + S*c) as in the SDGC files. When N is not a perfect square (e.g.
 * 16 * 2^K with K odd) the grid is H x W with H the largest divisor of N not above sqrt(N).
 *
 * Image i depends only on (seed, i, N, density): snicit::detail::Rng streams keyed by the seed,
 * one stream per image, so any subset can be regenerated and the result does not depend on
 * `threads`.
 *
 * @param[in] neurons N >= 16 (factoring as H x W with 4 <= H <= W; every square and every
 *                    16 * 2^K qualifies)
 * @param[in] count   number of images >= 0
 * @param[in] seed    random seed
 * @param[in] density expected fraction of set pixels, in (0, 0.25]
 * @param[in] threads worker threads; 0 = all hardware threads (or $SNICIT_THREADS)
 * @return count x N CSR, values 1, sorted columns
 * @throws snicit::LogicError on a bad N, count < 0 or density outside (0, 0.25]
 */
[[nodiscard]] inline CsrMatrix<float> synthetic_sdgc_images(std::int64_t neurons,
                                                            std::int64_t count,
                                                            std::uint64_t seed,
                                                            double density = 0.10,
                                                            int threads = 0) {
  auto const grid = detail::synthetic_grid(neurons);
  SNICIT_EXPECTS(count >= 0,
                 "synthetic_sdgc_images: count must be >= 0, got " + std::to_string(count));
  SNICIT_EXPECTS(
      density > 0.0 && density <= 0.25,
      "synthetic_sdgc_images: density must be in (0, 0.25], got " + std::to_string(density));
  std::uint64_t const key = detail::synthetic_image_key(seed);
  return detail::images_to_csr(
      count, neurons, threads, [&](std::int64_t i, std::vector<std::int32_t>& px) {
        detail::synthetic_image(i, grid, key, density, px);
      });
}

}  // namespace data
SNICIT_NAMESPACE_END
