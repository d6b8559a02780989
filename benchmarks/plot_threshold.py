#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The snicit authors
# SPDX-License-Identifier: Apache-2.0
"""Plot snicit-threshold-bench JSON: time vs fixed t per workload, adaptive t as a marker.

usage: plot_threshold.py threshold.json out.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

data = json.load(open(sys.argv[1]))
n = len(data)
cols = 4
rows = (n + cols - 1) // cols
fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
for ax, w in zip(axes.flat, data):
    fixed = [g for g in w["grid"] if g["t"] != "auto"]
    ts = [int(g["t"][2:]) for g in fixed]
    ms = [g["ms"] for g in fixed]
    ax.plot(ts, ms, "o-", ms=3, label="fixed t")
    a = w["auto"]
    chosen = [int(x) for x in str(a["t"]).split("/")]
    ax.plot([sum(chosen) / len(chosen)], [a["ms"]], "r*", ms=12, label="adaptive")
    ax.axhline(1.1 * w["best_fixed"]["ms"], color="gray", ls=":", lw=1, label="1.1 x best")
    ax.set_yscale("log")
    ax.set_title("%s, B=%d" % (w["workload"].replace(" (60000 synthetic)", ""), w["batch"]),
                 fontsize=9)
    ax.set_xlabel("t")
    ax.set_ylabel("ms")
    ax.legend(fontsize=7)
for ax in list(axes.flat)[n:]:
    ax.axis("off")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=90)
