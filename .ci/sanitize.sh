#!/usr/bin/env bash
# compute-sanitizer over the GPU reliability subset (docs/reliability.md), on a GPU machine:
# memcheck (with leak checking), racecheck, initcheck and synccheck; any report fails the script.
#   .ci/sanitize.sh            configure + build the subset in $SANITIZE_BUILD, then run it
# Environment: OUT (logs, default /tmp/snicit-sanitize), SANITIZE_BUILD (build dir, default
# build-sanitize), SANITIZE_CMAKE_ARGS (extra configure arguments, e.g. the .deps prefix on the
# device machine), SANITIZE_TIMEOUT (seconds per tool and executable, default 240),
# SANITIZE_JOBS (runs sharing the GPU at a time, default 4), SANITIZE_PRINT_LIMIT (reports printed
# per run, default 200).
# The subset: tests/gpu/reliability_test.cu cases tagged [sanitize] (engine runs of every
# backend in exact and SNICIT mode, failed-run recovery; small sizes), gpu_smoke_test and
# gpu_kernels_test in full. GPU tests are built with -lineinfo (tests/CMakeLists.txt), so reports
# name source lines.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/snicit-sanitize}
build=${SANITIZE_BUILD:-build-sanitize}
limit=${SANITIZE_TIMEOUT:-240}
jobs=${SANITIZE_JOBS:-4}
mkdir -p "$out"
cs=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
if [ ! -x "$cs" ]; then
  echo "sanitize.sh: compute-sanitizer not found" >&2
  exit 2
fi
# shellcheck disable=SC2086
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSNICIT_BUILD_TESTS=ON \
  -DSNICIT_BUILD_EXAMPLES=OFF -DSNICIT_BUILD_BENCHMARKS=OFF ${SANITIZE_CMAKE_ARGS:-} \
  >"$out/sanitize-configure.log" 2>&1 || { tail -20 "$out/sanitize-configure.log"; exit 2; }
targets=(gpu_reliability_test gpu_smoke_test gpu_kernels_test)
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" >"$out/sanitize-build.log" 2>&1 ||
  { grep -E "error" -A3 "$out/sanitize-build.log" | head -40; exit 2; }

# "<executable> <Catch test spec>": the smoke test's deliberate cudaMalloc failure is left out
# (compute-sanitizer reports every failing API call).
runs=("gpu_reliability_test [sanitize]"
      "gpu_smoke_test ~a failing CUDA call raises snicit::CudaError naming the call"
      "gpu_kernels_test")
tools=(memcheck racecheck initcheck synccheck)
# One tool on one executable; writes <log> and <log>.rc ("exit-code seconds"; 124 = timed out).
run_one() {
  local tool=$1 r=$2
  local exe=${r%% *} args=() extra=()
  [ "$r" != "$exe" ] && args=("${r#* }")
  [ "$tool" = memcheck ] && extra=(--leak-check full)
  local log=$out/sanitize-$tool-$exe.log bin start
  bin=$(find "$build/tests" -name "$exe" -type f -perm -u+x | head -1)
  start=$(date +%s)
  timeout "$limit" "$cs" --tool "$tool" "${extra[@]+"${extra[@]}"}" --error-exitcode 99 \
    --print-limit "${SANITIZE_PRINT_LIMIT:-200}" "$bin" "${args[@]+"${args[@]}"}" >"$log" 2>&1
  echo "$? $(($(date +%s) - start))" >"$log.rc"
}
# The runs are independent processes: SANITIZE_JOBS of them share the GPU at a time.
for tool in "${tools[@]}"; do
  for r in "${runs[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
      wait -n
    done
    run_one "$tool" "$r" &
  done
done
wait

status=0
printf '%-10s %-22s %-4s %-5s %s\n' tool test rc secs summary | tee "$out/sanitize-summary.txt"
for tool in "${tools[@]}"; do
  for r in "${runs[@]}"; do
    exe=${r%% *}
    log=$out/sanitize-$tool-$exe.log
    read -r rc secs <"$log.rc"
    summary=$(grep -E "ERROR SUMMARY|RACECHECK SUMMARY|LEAK SUMMARY" "$log" | tr '\n' ' ')
    tests=$(grep -E "^(All tests passed|test cases:)" "$log" | tail -1)
    printf '%-10s %-22s %-4s %-5s %s | %s\n' "$tool" "$exe" "$rc" "$secs" \
      "${summary:-no summary}" "$tests" | tee -a "$out/sanitize-summary.txt"
    if [ "$rc" != 0 ]; then
      status=1
      grep -E "^========= (Invalid|Uninitialized|Race|Barrier|Leaked|Program hit|Error|Warning)" \
        "$log" | sort | uniq -c | sort -rn | head -8 | tee -a "$out/sanitize-summary.txt"
      # where: the reporting sites (kernel or API call and source line), most frequent first
      grep -E "^=========     (at|Host Frame:)" "$log" | grep -vE "libcuda|libcudart|Catch::|main" |
        sed -E 's/\+0x[0-9a-f]+//; s/ \[0x[0-9a-f]+\]//' | cut -c1-300 | sort | uniq -c |
        sort -rn | head -12 | tee -a "$out/sanitize-summary.txt"
    fi
  done
done
echo "sanitize.sh: $([ $status = 0 ] && echo clean || echo REPORTS FOUND) (logs in $out)"
exit $status
