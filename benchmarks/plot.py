#!/usr/bin/python3
# SPDX-FileCopyrightText: 2026 The snicit authors
# SPDX-License-Identifier: Apache-2.0
"""Turns snicit-bench JSON files into PNG charts (docs/benchmarks.md).

    python3 benchmarks/plot.py OUT_DIR FILE.json [FILE.json ...]

Writes OUT_DIR/bench-time.png (median time per benchmark, backend and mode, with the issue's
targets), OUT_DIR/bench-speedup.png (speed-up over the authors' SNICIT, XY-2021 and PyTorch on
the 1024-neuron benchmarks) and OUT_DIR/bench-layers-<benchmark>.png (per-layer time and active /
non-empty rows) for every result that has per-layer data (--layer-times). From the full suite
at B = 60000 also OUT_DIR/bench-growth.png (time against L for each N and against N for each L);
from results at several batch sizes (--batch 1000,2000,...) OUT_DIR/bench-batch.png (time
against B). Needs matplotlib (Debian: python3-matplotlib); not used by CI.
"""
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Targets of issue 5 (ms, one H200, inference only) and the authors'/baseline figures measured on
# the same H200 for N = 1024 (quoted in the issue).
TARGETS = {"1024-120": 1.0, "1024-480": 1.5, "1024-1920": 3, "4096-120": 4, "4096-480": 5,
           "4096-1920": 8, "16384-120": 15, "16384-480": 17, "16384-1920": 22, "65536-120": 60,
           "65536-480": 65, "65536-1920": 75, "mnist": 0.05}
BASELINES = {"authors' SNICIT": {"1024-120": 10.4, "1024-480": 24.4, "1024-1920": 80.1},
             "XY-2021": {"1024-120": 13.3, "1024-480": 45.0, "1024-1920": 178},
             "PyTorch dense TF32": {"1024-120": 18.9, "1024-480": 71.9, "1024-1920": 272}}


def load(files):
    results = []
    for f in files:
        results.extend(json.loads(Path(f).read_text())["results"])
    for r in results:  # per-layer arrays from snicit-bench's layer_stats records
        if r.get("layer_stats") and not r.get("layer_ms"):
            stats = r["layer_stats"]
            r["layer_ms"] = [x["ms"] for x in stats]
            r["layer_rows"] = [x["active_rows"] if x["phase"] == "pre" else x["nonempty_rows"]
                               for x in stats]
    return results


def full_batch(results):
    """The results at B = 60000 (SDGC) and MNIST's."""
    return [r for r in results if r["benchmark"] == "mnist" or r["batch"] == 60000]


def order_key(name):
    if name == "mnist":
        return (1 << 40, 0)
    n, l = name.split("-")
    return (int(n), int(l))


def plot_times(results, out):
    names = sorted({r["benchmark"] for r in results}, key=order_key)
    configs = sorted({(r["backend"], r["mode"]) for r in results})
    fig, ax = plt.subplots(figsize=(10, 4.2), dpi=90)
    width = 0.8 / (len(configs) + 1)
    for k, (backend, mode) in enumerate(configs):
        xs, ys = [], []
        for i, name in enumerate(names):
            for r in results:
                if r["benchmark"] == name and r["backend"] == backend and r["mode"] == mode:
                    xs.append(i + k * width)
                    ys.append(r["median_ms"])
        ax.bar(xs, ys, width, label=f"{backend} {mode}")
    ax.bar([i + len(configs) * width for i in range(len(names))],
           [TARGETS.get(n, 0) for n in names], width, color="black", label="target (issue 5)")
    ax.set_xticks([i + 0.4 for i in range(len(names))])
    ax.set_xticklabels(names, rotation=45, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel("median ms (B = 60000; MNIST 10000)")
    ax.set_title("snicit-bench on one H200")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "bench-time.png")
    plt.close(fig)


def plot_speedup(results, out):
    names = [n for n in ("1024-120", "1024-480", "1024-1920")
             if any(r["benchmark"] == n and r["mode"] == "snicit" for r in results)]
    if not names:
        return
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=90)
    width = 0.8 / len(BASELINES)
    for k, (label, base) in enumerate(BASELINES.items()):
        ys = []
        for n in names:
            ours = min(r["median_ms"] for r in results if r["benchmark"] == n and r["mode"] == "snicit")
            ys.append(base[n] / ours)
        ax.bar([i + k * width for i in range(len(names))], ys, width, label=label)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(names))])
    ax.set_xticklabels(names)
    ax.set_ylabel("speed-up of snicit (SNICIT mode)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "bench-speedup.png")
    plt.close(fig)


def plot_layers(results, out, wanted):
    for r in results:
        if r["benchmark"] not in wanted or r["mode"] != "snicit" or not r.get("layer_ms"):
            continue
        fig, ax = plt.subplots(figsize=(7, 3.4), dpi=90)
        xs = range(1, len(r["layer_ms"]) + 1)
        ax.plot(xs, r["layer_ms"], color="tab:blue", linewidth=0.8)
        ax.set_xlabel("layer")
        ax.set_ylabel("ms per layer", color="tab:blue")
        ax.set_yscale("log")
        ax2 = ax.twinx()
        ax2.plot(xs, r["layer_rows"], color="tab:red", linewidth=0.8)
        ax2.set_ylabel("active (pre) / non-empty (post) rows", color="tab:red")
        ax2.set_yscale("log")
        ax.set_title(f"{r['benchmark']} {r['backend']} SNICIT: per-layer time and rows")
        fig.tight_layout()
        fig.savefig(out / f"bench-layers-{r['benchmark']}.png")
        plt.close(fig)


def plot_growth(results, out):
    sdgc = [r for r in results if r["benchmark"] != "mnist"]
    ns = sorted({r["neurons"] for r in sdgc})
    ls = sorted({r["layers"] for r in sdgc})
    if len(ls) < 2 and len(ns) < 2:
        return
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4), dpi=90)
    for mode, style in (("exact", "--"), ("snicit", "-")):
        for n in ns:
            pts = sorted((r["layers"], r["median_ms"]) for r in sdgc
                         if r["neurons"] == n and r["mode"] == mode)
            if pts:
                a.plot(*zip(*pts), style, marker="o", label=f"N={n} {mode}")
        for l in ls:
            pts = sorted((r["neurons"], r["median_ms"]) for r in sdgc
                         if r["layers"] == l and r["mode"] == mode)
            if pts:
                b.plot(*zip(*pts), style, marker="o", label=f"L={l} {mode}")
    a.set_xlabel("layers L")
    b.set_xlabel("neurons N")
    b.set_xscale("log", base=2)
    for ax in (a, b):
        ax.set_yscale("log")
        ax.set_ylabel("median ms (B = 60000)")
        ax.legend(fontsize=7)
        ax.grid(True, which="both", linewidth=0.3)
    a.set_title("time against L")
    b.set_title("time against N")
    fig.tight_layout()
    fig.savefig(out / "bench-growth.png")
    plt.close(fig)


def plot_batch(results, out):
    sdgc = [r for r in results if r["benchmark"] != "mnist"]
    names = sorted({r["benchmark"] for r in sdgc
                    if len({x["batch"] for x in sdgc if x["benchmark"] == r["benchmark"]}) > 1},
                   key=order_key)
    if not names:
        return
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=90)
    for name in names:
        for mode, style in (("exact", "--"), ("snicit", "-")):
            pts = sorted((r["batch"], r["median_ms"]) for r in sdgc
                         if r["benchmark"] == name and r["mode"] == mode)
            if pts:
                ax.plot(*zip(*pts), style, marker="o", label=f"{name} {mode}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("batch size B (images)")
    ax.set_ylabel("median ms")
    ax.set_title("snicit-bench: time against B (auto, one H200)")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", linewidth=0.3)
    fig.tight_layout()
    fig.savefig(out / "bench-batch.png")
    plt.close(fig)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    results = load(sys.argv[2:])
    plot_batch(results, out)
    results = full_batch(results)
    plot_times(results, out)
    plot_speedup(results, out)
    plot_growth(results, out)
    plot_layers(results, out, {"1024-1920", "65536-1920"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
