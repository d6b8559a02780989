#!/usr/bin/env bash
# Malformed-input corpus for the programs (docs/reliability.md): every class of bad file must
# give exit code 2, a one-line "<program>: error: <file>[:<line>]: <reason>" naming the culprit,
# and leave no output file (JSON report, categories, binary) behind, not even a .tmp.
#   corpus_test.sh <snicit-sdgc> <snicit-mnist> <snicit-convert> <work dir> <case>
#   corpus_test.sh --list        (prints the case names)
# The bad files are written by this script from a tiny valid set (N = 4, 2 layers; a 3-pixel
# MNIST network), one defect each, so each case tests exactly one class of error.
set -u
cases=(valid_sdgc valid_mnist valid_convert layer_truncated layer_garbage layer_out_of_range layer_nan layer_inf layer_duplicate
       layer_count images_wrong_n images_truncated_gz images_nan images_duplicate images_empty
       images_is_directory images_unreadable golden_duplicate golden_out_of_range
       binary_bad_magic binary_corrupt binary_truncated binary_wrong_n binary_layer_count
       mnist_bad_magic mnist_truncated mnist_trailing mnist_label_count mnist_wrong_n
       beyond_bias_count beyond_missing_layer beyond_nan beyond_out_of_range
       convert_duplicate convert_nan convert_beyond)
if [ "${1:-}" = --list ]; then
  printf '%s\n' "${cases[@]}"
  exit 0
fi
sdgc=$1 mnist=$2 convert=$3 work=$4 case=$5
d=$work/$case
rm -rf "$d" && mkdir -p "$d/net" "$d/out"
out=$d/out

# --- the valid set --------------------------------------------------------------------------
layer1=$'1\t2\t6.250000e-02\n3\t2\t6.250000e-02\n2\t3\t6.250000e-02\n4\t4\t6.250000e-02\n'
layer2=$'1\t1\t0.5\n2\t2\t0.5\n3\t4\t0.5\n4\t1\t0.5\n'
images=$'1\t1\t1\n1\t4\t1\n2\t2\t1\n3\t3\t1\n3\t4\t1\n'
printf '%s' "$layer1" >"$d/net/n4-l1.tsv"
printf '%s' "$layer2" >"$d/net/n4-l2.tsv"
printf '%s' "$images" >"$d/images.tsv"
printf '1\n3\n' >"$d/golden.tsv"
mkdir -p "$d/beyond/weights" "$d/beyond/biases"
printf '0.5\n-1\n0.25\n1\n0\n0.5\n' >"$d/beyond/weights/l1-dense.tsv"  # 3 inputs x N = 2
printf '0\t1\t0.5\n1\t0\t-1\n' >"$d/beyond/weights/l2-sparse.tsv"
printf '0\t0\t1\n1\t1\t2\n' >"$d/beyond/weights/l3-sparse.tsv"
printf '1\n0\n0\n1\n' >"$d/beyond/weights/l4-dense.tsv"  # N x 2 classes
printf '0\n0.1\n' >"$d/beyond/biases/l1-dense.tsv"
printf '0.2\n-0.1\n' >"$d/beyond/biases/l2-sparse.tsv"
printf '0\n0\n' >"$d/beyond/biases/l3-sparse.tsv"
printf '0.5\n-0.5\n' >"$d/beyond/biases/l4-dense.tsv"
# idx3: 2 images of 1 x 3 pixels; idx1: 2 labels
idx_images() { printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x03\x10\x20\x30\xff\x00\x80'; }
idx_labels() { printf '\x00\x00\x08\x01\x00\x00\x00\x02\x01\x00'; }
idx_images >"$d/images.idx"
idx_labels >"$d/labels.idx"

# sdgc_cmd / mnist_cmd: the program on the (possibly edited) inputs named by these variables.
neurons=4 layers=2 network=$d/net sdgc_images=$d/images.tsv golden=
mnist_images=$d/images.idx
sdgc_cmd() {
  cmd=("$sdgc" --device cpu --mode exact --neurons "$neurons" --layers "$layers"
       --network "$network" --images "$sdgc_images" ${golden:+--golden "$golden"}
       --json "$out/report.json" --write-categories "$out/categories.tsv")
}
mnist_cmd() {
  cmd=("$mnist" --device cpu --network "$d/beyond" --images "$mnist_images"
       --labels "$d/labels.idx" --json "$out/report.json")
}
to_snb() { "$convert" --sdgc-network "$d/net" --neurons 4 --layers 2 -o "$1" >/dev/null; }

# --- one defect per case: the command and the expected message -------------------------------
want_rc=2
case $case in
  valid_sdgc)  # the untouched set runs: the bad cases fail for their one defect only
    sdgc_cmd; want_rc=0 ;;
  valid_mnist)
    mnist_cmd; want_rc=0 ;;
  valid_convert)
    cmd=("$convert" --beyond "$d/beyond" -o "$out/classifier.snb"); want_rc=0 ;;
  layer_truncated)  # the file ends inside a line
    printf '1\t1\t0.5\n2\t2\t0.5\n3\t' >"$d/net/n4-l2.tsv"
    sdgc_cmd; re='n4-l2\.tsv:3: ' ;;
  layer_garbage)
    printf '1\t1\t0.5\nrow\tcol\tvalue\n' >"$d/net/n4-l2.tsv"
    sdgc_cmd; re='n4-l2\.tsv:2: ' ;;
  layer_out_of_range)
    printf '%s5\t1\t0.5\n' "$layer2" >"$d/net/n4-l2.tsv"
    sdgc_cmd; re='n4-l2\.tsv:5: row index 5 .*N = 4' ;;
  layer_nan)
    printf '%s1\t3\tnan\n' "$layer2" >"$d/net/n4-l2.tsv"
    sdgc_cmd; re='n4-l2\.tsv:5: .*(finite|NaN|nan)' ;;
  layer_inf)
    printf '1\t3\t1e39\n%s' "$layer2" >"$d/net/n4-l1.tsv"
    sdgc_cmd; re='n4-l1\.tsv:1: ' ;;
  layer_duplicate)
    printf '%s2\t2\t0.25\n' "$layer2" >"$d/net/n4-l2.tsv"
    sdgc_cmd; re='n4-l2\.tsv:5: duplicate' ;;
  layer_count)  # --layers 3, only two layer files
    layers=3; sdgc_cmd; re='n4-l3\.tsv: missing layer file 3 of 3' ;;
  images_wrong_n)  # an 8-pixel image file read with N = 4
    printf '1\t8\t1\n' >>"$d/images.tsv"
    sdgc_cmd; re='images\.tsv:6: pixel index 8 .*N = 4' ;;
  images_truncated_gz)
    gzip -c "$d/images.tsv" | head -c 20 >"$d/images.tsv.gz"
    sdgc_images="$d/images.tsv.gz"; sdgc_cmd; re='images\.tsv\.gz: .*(truncated|corrupt) gzip' ;;
  images_nan)
    printf '2\t3\tNaN\n' >>"$d/images.tsv"
    sdgc_cmd; re='images\.tsv:6: ' ;;
  images_duplicate)
    printf '3\t3\t1\n' >>"$d/images.tsv"
    sdgc_cmd; re='images\.tsv:6: duplicate' ;;
  images_empty)
    : >"$d/images.tsv"
    sdgc_cmd; re='images\.tsv: empty file' ;;
  images_is_directory)
    sdgc_images="$d/net"; sdgc_cmd; re='net: is a directory' ;;
  images_unreadable)  # permission bits do not stop root; a dangling link is unreadable for all
    ln -s "$d/does-not-exist.tsv" "$d/link.tsv"
    sdgc_images="$d/link.tsv"; sdgc_cmd; re='link\.tsv: no such file' ;;
  golden_duplicate)
    printf '1\n3\n1\n' >"$d/golden.tsv"
    golden="$d/golden.tsv"; sdgc_cmd; re='golden\.tsv:3: duplicate category index 1' ;;
  golden_out_of_range)
    printf '1\n0\n' >"$d/golden.tsv"
    golden="$d/golden.tsv"; sdgc_cmd; re='golden\.tsv:2: category index 0 out of range' ;;
  binary_bad_magic)
    to_snb "$d/net.snb" && printf 'X' | dd of="$d/net.snb" bs=1 seek=0 conv=notrunc status=none
    network="$d/net.snb"; sdgc_cmd; re='net\.snb: --network must be a neuron<N> folder or a snicit binary network' ;;
  binary_corrupt)  # a value byte (bias of the last layer) changed: only the CRC-32 can tell
    to_snb "$d/net.snb" && sz=$(stat -c %s "$d/net.snb") &&
      printf '\x7f' | dd of="$d/net.snb" bs=1 seek=$((sz - 14)) conv=notrunc status=none
    network="$d/net.snb"; sdgc_cmd; re='net\.snb: byte [0-9]+: checksum mismatch' ;;
  binary_truncated)
    to_snb "$d/full.snb" && head -c 150 "$d/full.snb" >"$d/net.snb"
    network="$d/net.snb"; sdgc_cmd; re='net\.snb: byte 24: the header promises [0-9]+ payload bytes' ;;
  binary_wrong_n)  # a 4-neuron network given --neurons 8
    to_snb "$d/net.snb"
    network="$d/net.snb" neurons=8; sdgc_cmd; re='net\.snb: holds a 4-neuron network, --neurons is 8' ;;
  binary_layer_count)
    to_snb "$d/net.snb"
    network="$d/net.snb" layers=3; sdgc_cmd; re='net\.snb: holds 2 layers, --layers asks for 3' ;;
  mnist_bad_magic)  # a label file given as images
    mnist_images="$d/labels.idx"; mnist_cmd; re='labels\.idx: byte 0: bad idx magic 0x00000801.*this is a label file' ;;
  mnist_truncated)
    idx_images | head -c 20 >"$d/images.idx"
    mnist_cmd; re='images\.idx: byte 20: truncated idx data' ;;
  mnist_trailing)
    { idx_images; printf 'xyz'; } >"$d/images.idx"
    mnist_cmd; re='images\.idx: byte 22: 3 unexpected bytes' ;;
  mnist_label_count)  # 2 images, 3 labels
    printf '\x00\x00\x08\x01\x00\x00\x00\x03\x01\x00\x01' >"$d/labels.idx"
    mnist_cmd; re='labels\.idx: has 3 labels for 2' ;;
  mnist_wrong_n)  # 2 x 2 pixels for a 3-input network
    printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x02\x01\x02\x03\x04\x05\x06\x07\x08' >"$d/images.idx"
    mnist_cmd; re='images\.idx: .*4.*3' ;;
  beyond_bias_count)
    printf '0.2\n-0.1\n0.3\n' >"$d/beyond/biases/l3-sparse.tsv"
    mnist_cmd; re='l3-sparse\.tsv:3: expected 2 values' ;;
  beyond_missing_layer)  # layer 3 of 4 missing: mismatched layer count
    rm "$d/beyond/weights/l3-sparse.tsv"
    mnist_cmd; re='l3-sparse\.tsv: missing layer file' ;;
  beyond_nan)
    printf '1\nnan\n0\n1\n' >"$d/beyond/weights/l4-dense.tsv"
    mnist_cmd; re='l4-dense\.tsv:2: ' ;;
  beyond_out_of_range)  # 0-based indices, N = 2
    printf '0\t2\t0.5\n' >"$d/beyond/weights/l2-sparse.tsv"
    mnist_cmd; re='l2-sparse\.tsv:1: column index 2 .*N = 2' ;;
  convert_duplicate)
    printf '%s4\t1\t1\n' "$layer2" >"$d/net/n4-l2.tsv"
    cmd=("$convert" --sdgc-network "$d/net" --neurons 4 --layers 2 -o "$out/net.snb"); re='n4-l2\.tsv:5: duplicate' ;;
  convert_nan)
    printf '1\t1\tnan\n' >"$d/images.tsv"
    cmd=("$convert" --images "$d/images.tsv" --neurons 4 -o "$out/images.snb"); re='images\.tsv:1: ' ;;
  convert_beyond)
    printf '0.5\n-1\n0.25\n1\n0\n' >"$d/beyond/weights/l1-dense.tsv"  # 5 values, N = 2
    cmd=("$convert" --beyond "$d/beyond" -o "$out/classifier.snb"); re='l1-dense\.tsv:5: found 5 values, not a multiple' ;;
  *) echo "corpus_test.sh: unknown case $case" >&2; exit 2 ;;
esac

# --- run and check --------------------------------------------------------------------------
"${cmd[@]}" >"$d/stdout" 2>"$d/stderr"
rc=$?
fail=0
echo "case $case: exit $rc; stderr:"
cat "$d/stderr"
if [ "$rc" != "$want_rc" ]; then
  echo "FAIL: exit code $rc, expected $want_rc"
  cat "$d/stdout"
  fail=1
fi
left=$(ls -A "$out")
if [ "$want_rc" = 0 ]; then
  if [ -z "$left" ] || [ -n "$(ls -A "$out" | grep '\.tmp$')" ]; then
    echo "FAIL: expected output files, found: ${left:-nothing}"
    fail=1
  fi
  exit $fail
fi
prog=$(basename "${cmd[0]}")
if ! grep -Eq -- "^$prog: error: .*$re" "$d/stderr"; then
  echo "FAIL: stderr lacks /^$prog: error: .*$re/"
  fail=1
fi
if [ "$(grep -c . "$d/stderr")" -gt 2 ]; then
  echo "FAIL: more than a short reason on stderr"
  fail=1
fi
if [ -n "$left" ]; then
  echo "FAIL: output left behind: $left"
  fail=1
fi
exit $fail
