#!/usr/bin/env bash
# Runs a program and checks its exit code and output; used by the ctest entries of
# tests/programs/CMakeLists.txt.
#   run_check.sh [--rc N] [--out REGEX]... [--not-out REGEX]... [--needs PATH]...
#                [--file PATH REGEX]... [--absent PATH]... -- command args...
# Exits 77 (ctest: skipped) with "skipped: data missing: PATH" when a --needs path is absent.
set -u
rc_expected=0
outs=()
not_outs=()
needs=()
files=()
absent=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rc) rc_expected=$2; shift 2 ;;
    --out) outs+=("$2"); shift 2 ;;
    --not-out) not_outs+=("$2"); shift 2 ;;
    --needs) needs+=("$2"); shift 2 ;;
    --file) files+=("$2" "$3"); shift 3 ;;
    --absent) absent+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "run_check.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for p in "${needs[@]+"${needs[@]}"}"; do
  if [ ! -e "$p" ]; then
    echo "skipped: data missing: $p (set SNICIT_DATA_DIR / -DSNICIT_DATA_DIR)"
    exit 77
  fi
done
for p in "${absent[@]+"${absent[@]}"}"; do rm -f "$p"; done
for ((i = 0; i < ${#files[@]}; i += 2)); do rm -f "${files[i]}"; done
log=$(mktemp)
"$@" >"$log" 2>&1
rc=$?
cat "$log"
fail=0
if [ "$rc" != "$rc_expected" ]; then
  echo "FAIL: exit code $rc, expected $rc_expected"
  fail=1
fi
for re in "${outs[@]+"${outs[@]}"}"; do
  grep -Eq -- "$re" "$log" || { echo "FAIL: output lacks /$re/"; fail=1; }
done
for re in "${not_outs[@]+"${not_outs[@]}"}"; do
  if grep -Eq -- "$re" "$log"; then echo "FAIL: output has /$re/"; fail=1; fi
done
for ((i = 0; i < ${#files[@]}; i += 2)); do
  f=${files[i]}
  re=${files[i + 1]}
  if [ ! -f "$f" ]; then
    echo "FAIL: $f was not written"
    fail=1
  elif ! grep -Eq -- "$re" "$f"; then
    echo "FAIL: $f lacks /$re/"
    fail=1
  fi
done
for p in "${absent[@]+"${absent[@]}"}"; do
  if [ -e "$p" ]; then echo "FAIL: $p exists (partial output left behind)"; fail=1; fi
done
rm -f "$log"
exit $fail
