#!/usr/bin/env bash
# Build + full test suite + GPU program runs on a GPU machine (the H200 device of our workplace).
# Usage (from the repo root, with .deps from ../shared/tools/device-deps.sh and the data copied to
# .devdata):  .ci/device-check.sh [catch2-v3]
# With "catch2-v3" the system Catch2 v3 is used instead of the carried Debian v2.
set -uo pipefail
out=${OUT:-/tmp/snicit-device}
mkdir -p "$out"
export SNICIT_DATA_DIR=$PWD/.devdata
extra=()
if [ "${1:-}" = catch2-v3 ]; then
  rm -rf .deps/usr/lib/cmake/Catch2 .deps/usr/include/catch2 .deps/usr/share/Catch2
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DCMAKE_PREFIX_PATH="$PWD/.deps/usr" -DSNICIT_DATA_DIR="$SNICIT_DATA_DIR" "${extra[@]+"${extra[@]}"}" \
  >"$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
grep -E "Catch2" "$out/configure.log"
cmake --build build -j 16 >"$out/build.log" 2>&1 || { grep -E "error|Error" -A3 "$out/build.log" | head -60; exit 1; }
echo "build ok"
ctest --test-dir build --output-on-failure -j 8 >"$out/ctest.log" 2>&1
echo "ctest rc=$?"
grep -E "tests passed|Passed|Failed|Skipped|Not Run|\*\*\*" "$out/ctest.log" | tail -60
