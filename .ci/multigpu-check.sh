#!/usr/bin/env bash
# Scale-out check on a multi-GPU H200 machine (issue 7, docs/scale-out.md): builds only what it
# needs, runs the MultiEngine / streamed-weights GPU tests with 2 and 4 GPUs, measures SDGC
# 16384-1920 and 65536-1920 on 1, 2 and 4 GPUs (parallel efficiency) and the out-of-core slowdown
# of 65536-1920 under a 16 GiB device-memory cap. Logs and summary.json go to $OUT.
# Usage (repo root, with .deps carried): .ci/multigpu-check.sh   (SNICIT_SKIP_OOC=1: scaling only;
# the out-of-core part needs one GPU and can run on a single-GPU machine)
# Budget: about 8 minutes on nvidia-h200-x4 (each step has its own timeout; a step that runs out
# is reported as such and the next one still runs).
set -uo pipefail
out=${OUT:-/tmp/snicit-multigpu}
mkdir -p "$out"
B=build-dev-h7
t0=$(date +%s)
stamp() { echo "[$(( $(date +%s) - t0 )) s] $*" | tee -a "$out/steps.log"; }
ngpu=$(nvidia-smi -L | wc -l)
nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader | tee "$out/gpus.txt"
stamp "visible GPUs: $ngpu; host cores: $(nproc); host memory: $(free -g | awk '/Mem/{print $2}') GiB"

cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DCMAKE_PREFIX_PATH="$PWD/.deps/usr" -DSNICIT_DATA_DIR="$PWD/.devdata" \
  -DSNICIT_BUILD_TESTS=ON -DSNICIT_BUILD_EXAMPLES=ON -DSNICIT_BUILD_BENCHMARKS=OFF \
  >"$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
cmake --build $B -j 64 --target multi_partition_test multi_engine_test multi_streamed_weights_test \
  snicit-sdgc >"$out/build.log" 2>&1 || { grep -E "error" -A3 "$out/build.log" | head -40; exit 1; }
stamp "build ok"

# --- GPU tests -------------------------------------------------------------------------------
$B/tests/multi/multi_partition_test >"$out/test-partition.log" 2>&1
stamp "multi_partition_test rc=$? $(tail -1 "$out/test-partition.log")"
for k in 2 4; do
  if [ "$k" -le "$ngpu" ]; then
    SNICIT_TEST_GPUS=$k timeout 120 $B/tests/multi/multi_engine_test >"$out/test-multi-g$k.log" 2>&1
    stamp "multi_engine_test with $k GPUs rc=$? $(tail -1 "$out/test-multi-g$k.log")"
  else
    stamp "multi_engine_test with $k GPUs: NOT RUN (only $ngpu GPUs)"
  fi
done
timeout 120 $B/tests/multi/multi_streamed_weights_test >"$out/test-streamed.log" 2>&1
stamp "multi_streamed_weights_test rc=$? $(tail -1 "$out/test-streamed.log")"

# --- SDGC scaling ----------------------------------------------------------------------------
# SNICIT with the SDGC defaults, 60000 synthetic images, generated RadiX-Net network, no CPU
# verification (too slow at this size): the categories of every K are compared with K = 1.
sdgc() {  # name timeout args...
  local name=$1 limit=$2
  shift 2
  timeout "$limit" $B/examples/snicit-sdgc "$@" --no-verify --json "$out/$name.json" \
    --write-categories "$out/$name.cat" >"$out/$name.log" 2>&1
  local rc=$?
  stamp "$name rc=$rc: $(grep -E 'TeraEdges|wall' "$out/$name.log" | tr '\n' ' ')"
}
# Backend: row-gather (no per-layer state to prepare on the host, which takes minutes for
# 65536-wide layers with the tiled backends; the scaling question does not depend on it).
for n in 16384 65536; do
  for k in 1 2 4; do
    [ "$k" -le "$ngpu" ] || { stamp "sdgc-$n-g$k: NOT RUN (only $ngpu GPUs)"; continue; }
    if [ $n -eq 65536 ]; then reps="--reps 2 --warmup 1"; else reps="--reps 3 --warmup 1"; fi
    sdgc "sdgc-$n-g$k" 170 -n $n -l 1920 --gpus $k --backend row-gather $reps
    if [ "$k" -gt 1 ] && [ -f "$out/sdgc-$n-g1.cat" ] && [ -f "$out/sdgc-$n-g$k.cat" ]; then
      cmp -s "$out/sdgc-$n-g1.cat" "$out/sdgc-$n-g$k.cat" && stamp "sdgc-$n-g$k: categories == 1 GPU" \
        || stamp "sdgc-$n-g$k: CATEGORIES DIFFER from 1 GPU"
    fi
  done
done

# --- out-of-core -----------------------------------------------------------------------------
# 65536-1920 (16.6 GB of weights) in rounds of 15000 rows on one GPU: resident vs a 16 GiB cap
# (weights = auto streams them). Same backend (row-gather: a backend both modes run identically).
if [ "${SNICIT_SKIP_OOC:-0}" != 1 ]; then
sdgc ooc-65536-resident 150 -n 65536 -l 1920 --batch 15000 --backend row-gather --weights device \
  --reps 2 --warmup 1
sdgc ooc-65536-cap16g 150 -n 65536 -l 1920 --batch 15000 --backend row-gather --weights auto \
  --device-memory-limit 16GiB --reps 2 --warmup 1
if [ -f "$out/ooc-65536-resident.cat" ] && [ -f "$out/ooc-65536-cap16g.cat" ]; then
  cmp -s "$out/ooc-65536-resident.cat" "$out/ooc-65536-cap16g.cat" \
    && stamp "out-of-core: categories == resident" || stamp "out-of-core: CATEGORIES DIFFER"
fi
fi  # SNICIT_SKIP_OOC

python3 - "$out" <<'PY' | tee "$out/summary.txt"
import json, os, sys
out = sys.argv[1]
def load(name):
    p = os.path.join(out, name + ".json")
    return json.load(open(p)) if os.path.exists(p) else None
summary = {"scaling": {}, "out_of_core": {}}
for n in (16384, 65536):
    base = load(f"sdgc-{n}-g1")
    for k in (1, 2, 4):
        r = load(f"sdgc-{n}-g{k}")
        if r is None:
            continue
        e = {"ms": r["time_ms"], "tera_edges_per_s": r["tera_edges_per_s"],
             "wall_ms": r["gpu"].get("wall_ms"), "per_gpu": r["gpu"].get("per_gpu"),
             "categories": r["categories"]["count"]}
        if base:
            e["speedup"] = base["time_ms"] / r["time_ms"]
            e["parallel_efficiency"] = e["speedup"] / k
            if e["wall_ms"] and base["gpu"].get("wall_ms"):
                e["wall_efficiency"] = base["gpu"]["wall_ms"] / e["wall_ms"] / k
        summary["scaling"][f"{n}-1920 x{k}"] = e
        print(f"{n}-1920 on {k} GPU(s): {e['ms']:.1f} ms, {e['tera_edges_per_s']:.2f} TE/s, "
              f"efficiency {e.get('parallel_efficiency', float('nan')):.3f}, "
              f"wall {e['wall_ms']:.1f} ms, wall efficiency {e.get('wall_efficiency', float('nan')):.3f}")
res, cap = load("ooc-65536-resident"), load("ooc-65536-cap16g")
if res and cap:
    summary["out_of_core"] = {"resident_ms": res["time_ms"], "capped_ms": cap["time_ms"],
                              "streamed": cap["gpu"].get("weights_streamed"),
                              "slowdown": cap["time_ms"] / res["time_ms"]}
    print(f"65536-1920 out-of-core (16 GiB cap, streamed={cap['gpu'].get('weights_streamed')}): "
          f"{cap['time_ms']:.1f} ms vs resident {res['time_ms']:.1f} ms: "
          f"slowdown x{summary['out_of_core']['slowdown']:.3f}")
json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=1)
PY
rm -f "$out"/*.cat
stamp "done"
