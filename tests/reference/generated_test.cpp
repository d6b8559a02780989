// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit::reference on a generated SDGC network (RadiX-Net, 1024 neurons x 120 layers): exact and
// SNICIT inference must give identical categories, on synthetic and on MNIST-derived images.
// The 60000-image run is tagged [slow] (hidden from the default run); it prints its timings.

#include <snicit/data/data.hpp>
#include <snicit/io/io.hpp>
#include <snicit/options.hpp>
#include <snicit/reference/reference.hpp>

#include "catch.hpp"
#include "reference/helpers.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <vector>

using namespace snicit;

namespace {

SparseNetwork<float> const& network_1024_120() {
  static SparseNetwork<float> const net =
      data::generate_sdgc_network(data::RadixNetOptions{1024, 120, 1});
  return net;
}

/// MNIST-derived SDGC images (count of them), or nothing (with a WARN) when MNIST is missing.
std::optional<CsrMatrix<float>> mnist_images(std::int64_t count) {
  auto const file = snicit::test::data_dir() / "mnist" / "t10k-images-idx3-ubyte.gz";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    WARN("test data missing: " << file.string()
                               << " -- set SNICIT_DATA_DIR; MNIST-derived images NOT checked");
    return std::nullopt;
  }
  data::MnistResizeOptions o;
  o.neurons = 1024;
  o.count = count;
  return data::sdgc_images_from_mnist(io::read_mnist_images(file), o);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

/// Exact vs SNICIT with sdgc_defaults and with an early threshold (real residues), same
/// categories; activations equal up to float rounding of the residue path.
void check_exact_vs_snicit(SparseNetwork<float> const& net, CsrMatrix<float> const& images) {
  auto const exact = reference::infer_exact(net, images);
  REQUIRE(!exact.rows.empty());
  CHECK(exact.rows.size() < static_cast<std::size_t>(images.rows));

  auto const defaults = SnicitOptions::sdgc_defaults(120);
  REQUIRE(defaults.threshold_layer == 30);
  auto const s = reference::infer_snicit(net, images, defaults);
  CHECK(s.rows == exact.rows);
  CHECK(s.activations == exact.activations);  // converged: every live row equals its centroid
  CHECK(s.alive_per_layer == exact.alive_per_layer);
  CHECK(s.stats.centroids[0] >= 1);

  auto early = defaults;
  early.threshold_layer = 12;  // not converged yet: many centroids and residue rows
  early.rebuild_interval = 1;
  auto const e = reference::infer_snicit(net, images, early);
  INFO("t = 12: centroids " << e.stats.centroids[0] << ", non-empty "
                            << e.stats.nonempty_after_conversion[0] << " of "
                            << e.stats.rows_at_conversion[0]);
  CHECK(e.stats.centroids[0] > 1);
  CHECK(e.stats.nonempty_after_conversion[0] > e.stats.centroids[0]);
  CHECK(e.rows == exact.rows);
  CHECK(snicit::test::max_row_relative_error(exact.activations, e.activations) <= 1e-5);
}

}  // namespace

TEST_CASE("generated SDGC 1024 x 120: exact and SNICIT agree on synthetic images",
          "[reference][snicit][generated]") {
  auto const& net = network_1024_120();
  REQUIRE(net.num_layers() == 120);
  auto const images = data::synthetic_sdgc_images(1024, 2000, 7);
  check_exact_vs_snicit(net, images);
}

TEST_CASE("generated SDGC 1024 x 120: exact and SNICIT agree on MNIST-derived images",
          "[reference][snicit][generated][data]") {
  auto const images = mnist_images(3000);
  if (!images) {
    return;
  }
  check_exact_vs_snicit(network_1024_120(), *images);
}

TEST_CASE("generated SDGC 1024 x 120 on 60000 MNIST-derived images, 2 threads (timed)",
          "[.][slow][reference][generated][data]") {
  auto const images = mnist_images(60000);
  if (!images) {
    return;
  }
  REQUIRE(images->rows == 60000);
  auto const& net = network_1024_120();
  reference::ExactOptions opts;
  opts.threads = 2;
  auto t0 = std::chrono::steady_clock::now();
  auto const exact = reference::infer_exact(net, *images, opts);
  double const exact_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  auto const s = reference::infer_snicit(net, *images, SnicitOptions::sdgc_defaults(120), opts);
  double const snicit_ms = ms_since(t0);
  std::printf(
      "reference 1024 x 120, 60000 images, 2 threads: exact %.0f ms, snicit %.0f ms; "
      "%zu categories; %lld rows at conversion, %lld centroids, %lld non-empty\n",
      exact_ms,
      snicit_ms,
      exact.rows.size(),
      static_cast<long long>(s.stats.rows_at_conversion[0]),
      static_cast<long long>(s.stats.centroids[0]),
      static_cast<long long>(s.stats.nonempty_after_conversion[0]));
  CHECK(s.rows == exact.rows);
  CHECK(s.activations == exact.activations);
  CHECK(exact_ms + snicit_ms < 60000.0);
}
