// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Command-line options shared by snicit-sdgc and snicit-mnist: device, mode, the SNICIT knobs
// (each overrides the workload's defaults only when given), threads, --json and --progress.

#include <snicit/options.hpp>
#include <snicit/reference/reference.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "gpu_runner.hpp"
#include "program.hpp"

#include <cstdio>
#include <exception>
#include <map>
#include <string>

namespace snicit::programs {

enum class Device { automatic, gpu, cpu };
enum class Mode { snicit, exact };

struct CommonCli {
  Device device = Device::automatic;
  Mode mode = Mode::snicit;
  int threads = 0;
  std::string json;
  bool progress = false;
  bool no_verify = false;
  int warmup = 1;
  int reps = 3;
  Backend backend = Backend::automatic;
  std::uint64_t device_memory_limit = 0;  // bytes, 0 = no cap
  int gpus = 0;                           // --gpus K (0 = one engine, current device)
  Weights weights = Weights::device;

  // SNICIT knobs as given on the command line (applied over the workload defaults)
  std::string threshold;  // a layer number or "auto" (cluster::Adaptive)
  AdaptiveOptions adaptive{};
  std::int64_t samples = 0;
  std::int64_t downsample = 0;
  double eps = 0, eta = 0, tau_conv = 0, tau_post = 0;
  std::int64_t rebuild_interval = 0;
  std::int64_t batch = 0;
  Sampling sampling = Sampling::strided;

  CLI::Option* o_threshold = nullptr;
  CLI::Option* o_samples = nullptr;
  CLI::Option* o_downsample = nullptr;
  CLI::Option* o_eps = nullptr;
  CLI::Option* o_eta = nullptr;
  CLI::Option* o_tau_conv = nullptr;
  CLI::Option* o_tau_post = nullptr;
  CLI::Option* o_rebuild = nullptr;
  CLI::Option* o_batch = nullptr;
  CLI::Option* o_sampling = nullptr;

  void add_to(CLI::App& app) {
    std::map<std::string, Device> const devices{
        {"auto", Device::automatic}, {"gpu", Device::gpu}, {"cpu", Device::cpu}};
    app.add_option("--device", device, "gpu | cpu | auto (gpu when a CUDA device is present)")
        ->transform(CLI::CheckedTransformer(devices, CLI::ignore_case));
    std::map<std::string, Mode> const modes{{"snicit", Mode::snicit}, {"exact", Mode::exact}};
    app.add_option("--mode", mode, "snicit (compressed at inference time) | exact")
        ->transform(CLI::CheckedTransformer(modes, CLI::ignore_case));
    app.add_option("--threads", threads, "CPU threads (0 = all cores)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--json", json, "write a JSON report to FILE (- = stdout)");
    app.add_flag("--progress", progress, "print one line per layer/phase to stderr");
    app.add_flag("--no-verify", no_verify, "skip the check against the CPU reference");
    app.add_option("--warmup", warmup, "GPU: untimed runs before timing")
        ->check(CLI::NonNegativeNumber);
    std::map<std::string, Backend> const backends{{"auto", Backend::automatic},
                                                  {"row-gather", Backend::row_gather},
                                                  {"register-tiled", Backend::register_tiled},
                                                  {"block-dense", Backend::block_dense}};
    app.add_option("--backend",
                   backend,
                   "GPU spMM backend: auto | row-gather | register-tiled | block-dense")
        ->transform(CLI::CheckedTransformer(backends, CLI::ignore_case));
    app.add_option("--reps", reps, "GPU: timed runs (the median is reported)")
        ->check(CLI::PositiveNumber);
    app.add_option("--device-memory-limit",
                   device_memory_limit,
                   "GPU: most device memory the engine may plan for (bytes, or 512MiB, 2GiB; "
                   "0 = all free memory); a run that needs more is refused before it starts")
        ->transform(CLI::AsSizeValue(false));
    app.add_option("--gpus",
                   gpus,
                   "GPU: data-parallel over devices 0..K-1, one engine each (snicit::MultiEngine); "
                   "reports per-GPU and total time")
        ->check(CLI::PositiveNumber);
    std::map<std::string, Weights> const weight_modes{
        {"device", Weights::device}, {"host", Weights::host}, {"auto", Weights::automatic}};
    app.add_option("--weights",
                   weights,
                   "GPU: device (resident) | host (streamed from pinned host memory, out-of-core) "
                   "| auto (host when the network does not fit)")
        ->transform(CLI::CheckedTransformer(weight_modes, CLI::ignore_case));

    auto* g = app.add_option_group("SNICIT", "SNICIT parameters (defaults depend on the workload)");
    o_threshold = g->add_option(
        "--threshold,-t",
        threshold,
        "threshold layer t (0 <= t < L), or auto: chosen per round by the convergence "
        "detector (docs/adaptive.md)");
    auto* a = app.add_option_group("Adaptive threshold", "knobs of --threshold auto");
    a->add_option("--auto-interval", adaptive.interval, "layers between checks (>= 1)")
        ->check(CLI::PositiveNumber);
    a->add_option("--auto-min", adaptive.min_layer, "first check layer = smallest t (>= 1)")
        ->check(CLI::PositiveNumber);
    a->add_option("--auto-max", adaptive.max_layer, "largest t (0 = L - 1)")
        ->check(CLI::NonNegativeNumber);
    a->add_option("--auto-probes", adaptive.probes, "probe rows per check (>= 1)")
        ->check(CLI::PositiveNumber);
    a->add_option("--auto-samples", adaptive.samples, "centroid candidates per check (0 = s)")
        ->check(CLI::NonNegativeNumber);
    a->add_option("--auto-window", adaptive.window, "consecutive passing checks (>= 1)")
        ->check(CLI::PositiveNumber);
    a->add_option("--auto-max-work",
                  adaptive.max_work,
                  "convert only when predicted post rows <= this fraction of the live rows")
        ->check(CLI::Range(0.0, 1.0));
    a->add_flag("--auto-every-round",
                adaptive.every_round,
                "every round runs the detector (default: round 0 decides, later rounds reuse t)");
    a->add_flag("--auto-check-fused",
                adaptive.check_fused,
                "also check inside fused runs of dense layers (splits the fused launches)");
    o_samples = g->add_option("--samples,-s", samples, "sample rows s (centroid candidates)");
    o_downsample =
        g->add_option("--downsample", downsample, "sum-downsampling segments n (0 = off)");
    o_eps = g->add_option("--eps", eps, "prune a sample when < eps*dim entries differ");
    o_eta = g->add_option("--eta", eta, "entries differ in pruning when |a-b| > eta");
    o_tau_conv = g->add_option("--tau-conv", tau_conv, "conversion tolerance");
    o_tau_post = g->add_option("--tau-post", tau_post, "post-convergence pruning tolerance");
    o_rebuild = g->add_option(
        "--rebuild-interval", rebuild_interval, "rebuild the non-empty list every k layers");
    o_batch = g->add_option("--batch", batch, "rows per round (0 = all at once)");
    std::map<std::string, Sampling> const samplings{{"strided", Sampling::strided},
                                                    {"first", Sampling::first}};
    o_sampling = g->add_option("--sampling", sampling, "strided | first")
                     ->transform(CLI::CheckedTransformer(samplings, CLI::ignore_case));
  }

  /// The workload defaults with every option the user gave applied on top.
  [[nodiscard]] SnicitOptions snicit_options(SnicitOptions o) const {
    if (o_threshold->count() > 0 && !auto_threshold()) {
      std::size_t used = 0;
      long long t = -1;
      try {
        t = std::stoll(threshold, &used);
      } catch (std::exception const&) {
        used = 0;
      }
      if (used == 0 || used != threshold.size()) {
        throw LogicError("--threshold: expected a layer number or 'auto', got '" + threshold + "'");
      }
      o.threshold_layer = t;
    }
    o.adaptive = adaptive;
    if (o_samples->count() > 0)
      o.samples = samples;
    if (o_downsample->count() > 0)
      o.downsample = downsample;
    if (o_eps->count() > 0)
      o.eps = eps;
    if (o_eta->count() > 0)
      o.eta = eta;
    if (o_tau_conv->count() > 0)
      o.tau_conv = tau_conv;
    if (o_tau_post->count() > 0)
      o.tau_post = tau_post;
    if (o_rebuild->count() > 0)
      o.rebuild_interval = rebuild_interval;
    if (o_batch->count() > 0)
      o.batch_size = batch;
    if (o_sampling->count() > 0)
      o.sampling = sampling;
    return o;
  }

  /// --threshold auto: the threshold layer is chosen per round (cluster::Adaptive).
  [[nodiscard]] bool auto_threshold() const {
    return o_threshold->count() > 0 && (threshold == "auto" || threshold == "AUTO");
  }

  /// Resolves --device: auto = gpu when a CUDA device is usable, else the CPU reference with a
  /// one-line notice; gpu without a device is a usage error (exit 2).
  [[nodiscard]] Device resolve_device(char const* program) const {
    if (device == Device::cpu) {
      return Device::cpu;
    }
    std::string why;
    bool const have_gpu = cuda_device_available(why);
    if (have_gpu) {
      return Device::gpu;
    }
    if (device == Device::gpu) {
      throw LogicError("--device gpu: " + why);
    }
    std::fprintf(stderr, "%s: %s; running on the CPU reference\n", program, why.c_str());
    return Device::cpu;
  }

  /// The GPU runner's options from the command line.
  [[nodiscard]] GpuRunOptions gpu_options(SnicitOptions const& o, char const* program) const {
    GpuRunOptions g;
    g.backend = backend;
    g.exact = mode == Mode::exact;
    g.adaptive = auto_threshold();
    g.snicit = o;
    g.progress = progress;
    g.warmup = warmup;
    g.reps = reps;
    g.device_memory_limit = static_cast<std::size_t>(device_memory_limit);
    g.gpus = gpus;
    g.weights = weights;
    g.program = program;
    return g;
  }

  [[nodiscard]] reference::ExactOptions exact_options(char const* program) const {
    reference::ExactOptions o;
    o.threads = threads;
    if (progress) {
      o.observer = [program](reference::LayerReport const& r) {
        std::fprintf(
            stderr,
            "%s: [%s] layer %lld: %lld active rows, %lld centroids, %lld non-empty, %.3f ms\n",
            program,
            std::string(r.phase).c_str(),
            static_cast<long long>(r.layer),
            static_cast<long long>(r.active_rows),
            static_cast<long long>(r.centroids),
            static_cast<long long>(r.nonempty_rows),
            r.ms);
      };
    }
    return o;
  }
};

inline nlohmann::json to_json(SnicitOptions const& o) {
  return {{"threshold_layer", o.threshold_layer},
          {"samples", o.samples},
          {"downsample", o.downsample},
          {"eps", o.eps},
          {"eta", o.eta},
          {"tau_conv", o.tau_conv},
          {"tau_post", o.tau_post},
          {"rebuild_interval", o.rebuild_interval},
          {"batch_size", o.batch_size},
          {"sampling", o.sampling == Sampling::strided ? "strided" : "first"}};
}

inline nlohmann::json to_json(ThresholdCheck const& c) {
  return {{"layer", c.layer},
          {"live", c.live},
          {"centroids", c.centroids},
          {"probes", c.probes},
          {"nonempty_probes", c.nonempty_probes},
          {"predicted_rows", c.predicted_rows},
          {"converts", c.converts}};
}

inline nlohmann::json to_json(std::vector<ThresholdCheck> const& checks) {
  nlohmann::json out = nlohmann::json::array();
  for (auto const& c : checks) {
    out.push_back(to_json(c));
  }
  return out;
}

inline nlohmann::json to_json(AdaptiveOptions const& a) {
  return {{"interval", a.interval},
          {"min_layer", a.min_layer},
          {"max_layer", a.max_layer},
          {"probes", a.probes},
          {"samples", a.samples},
          {"window", a.window},
          {"max_work", a.max_work},
          {"every_round", a.every_round},
          {"check_fused", a.check_fused}};
}

/// "t = 8" for a fixed threshold, "auto: t = 8 (per round: 8 10 ...)" for the adaptive one.
inline std::string threshold_text(bool adaptive,
                                  std::int64_t fixed,
                                  std::vector<std::int64_t> const& chosen) {
  if (!adaptive) {
    return "t = " + std::to_string(fixed);
  }
  std::string s = "auto";
  if (!chosen.empty()) {
    s += ": t = " + std::to_string(chosen.front());
    if (chosen.size() > 1) {
      s += " (per round:";
      for (auto const t : chosen) {
        s += " " + std::to_string(t);
      }
      s += ")";
    }
  }
  return s;
}

/// Prints "<program>: threshold <threshold_text>" and records the threshold (and, when adaptive,
/// the detector's knobs under report["options"]["adaptive"]) in the JSON report.
inline void report_threshold(char const* program,
                             bool adaptive,
                             SnicitOptions const& options,
                             std::vector<std::int64_t> const& thresholds,
                             nlohmann::json& report) {
  std::printf("%s: threshold %s\n",
              program,
              threshold_text(adaptive, options.threshold_layer, thresholds).c_str());
  report["threshold"] = {{"mode", adaptive ? "auto" : "fixed"}, {"per_round", thresholds}};
  if (adaptive) {
    report["options"]["adaptive"] = to_json(options.adaptive);
  }
}

inline nlohmann::json to_json(reference::SnicitStats const& s) {
  nlohmann::json checks = nlohmann::json::array();
  for (auto const& round : s.threshold_checks) {
    checks.push_back(to_json(round));
  }
  return {{"threshold_layer", s.threshold_layer},
          {"threshold_checks", checks},
          {"centroids", s.centroids},
          {"nonempty_after_conversion", s.nonempty_after_conversion},
          {"nonempty_per_post_layer", s.nonempty_per_post_layer},
          {"alive_per_pre_layer", s.alive_per_pre_layer}};
}

}  // namespace snicit::programs
