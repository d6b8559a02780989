#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (-fsanitize=fuzzer,address,undefined)
# and runs each for a bounded time on a copy of its seed corpus (tests/fuzz/corpus/<target>).
#   tests/fuzz/run.sh [seconds per target (default 60)] [target...]
# Environment: CXX (default clang++-14), FUZZ_WORK (default build-fuzz), FUZZ_MAX_LEN (input
# bytes, default 10000: text readers use 4096-byte blocks here, so inputs span several).
# Prints one line per target: executions, coverage, corpus size, findings. A crash, sanitizer
# report, leak, uncaught exception (anything but snicit::IoError), timeout (> 10 s for one
# input) or allocation over 2 GiB is a finding: its input is kept under $FUZZ_WORK/<target>/
# and the script exits 1. Turn each into a regression test under tests/ (docs/reliability.md).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(sdgc_layer sdgc_images categories beyond mnist binary)
cxx=${CXX:-clang++-14}
work=${FUZZ_WORK:-$root/build-fuzz}
mkdir -p "$work"
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=all -DSNICIT_IO_TEXT_BLOCK_BYTES=4096 -I"$root/include"
       -I"$root/tests/fuzz")
status=0
for t in "${targets[@]}"; do
  exe=$work/fuzz_$t
  src=$root/tests/fuzz/fuzz_$t.cpp
  "$cxx" "${flags[@]}" "$src" -o "$exe" -lz || { echo "$t: build failed"; status=1; continue; }
  corpus=$work/$t/corpus
  rm -rf "$work/$t" && mkdir -p "$corpus" "$work/$t/findings"
  cp "$root/tests/fuzz/corpus/$t/"* "$corpus/" 2>/dev/null || true
  if [ "$t" = binary ]; then
    seeds=$work/make_binary_seeds
    "$cxx" -std=c++20 -O1 -I"$root/include" "$root/tests/fuzz/make_binary_seeds.cpp" -o "$seeds" -lz &&
      "$seeds" "$corpus" || { echo "binary: seed maker failed"; status=1; }
  fi
  seeds_n=$(ls "$corpus" | wc -l)
  log=$work/$t/fuzz.log
  export SNICIT_FUZZ_TMP=$work/$t/tmp
  mkdir -p "$SNICIT_FUZZ_TMP"
  (cd "$work/$t/findings" &&
    "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -malloc_limit_mb=2048 \
      -max_len=${FUZZ_MAX_LEN:-10000} -print_final_stats=1 \
      "$corpus" >"$log" 2>&1)
  rc=$?
  execs=$(grep -h "stat::number_of_executed_units" "$log" | awk '{s += $2} END {print s + 0}')
  cov=$(grep -Eo "cov: [0-9]+" "$log" | tail -1)
  found=$(ls "$work/$t/findings" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | wc -l)
  echo "$t: ${secs} s, $execs executions, $cov, seeds $seeds_n, corpus $(ls "$corpus" | wc -l), findings $found (rc $rc)"
  rm -rf "$SNICIT_FUZZ_TMP"
  if [ "$rc" != 0 ] || [ "$found" != 0 ]; then
    status=1
    grep -E "ERROR|SUMMARY|terminate|what\(\)" "$log" | head -5
  fi
done
exit $status
