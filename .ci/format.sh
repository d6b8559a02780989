#!/usr/bin/env bash
# Reformat every C++/CUDA source in place with clang-format 14 (the pinned version).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
cf=$(command -v clang-format-14 || command -v clang-format)
git ls-files -co --exclude-standard -- '*.hpp' '*.cuh' '*.inl' '*.cpp' '*.cu' | xargs -r "$cf" -i --style=file
