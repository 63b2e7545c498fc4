#!/usr/bin/env bash
# Valgrind memcheck over libbx's unit tests and the programs' main paths:
#   scripts/memcheck.sh [BUILD_DIR]      (default: build, a Release build)
# Runs every C unit test, then bxanalyze in its three modes and a batch, and
# bxlive --render, each under memcheck with full leak checking; any error or
# leak makes that run fail; tests/valgrind-codecs.supp lists the one leak
# that is not bx's (libvorbis, on a damaged Ogg file). Exit status: 0 no
# finding, 1 findings, 2 usage or a missing tool. Takes several minutes (memcheck runs code ~30x slower).
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
command -v valgrind >/dev/null || { echo "memcheck: valgrind is not installed" >&2; exit 2; }
[ -x "$build/bxlive" ] || { echo "memcheck: no bxlive in $build (build first)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --track-origins=yes
    --suppressions=tests/valgrind-codecs.supp)
failed=0 runs=0
check() { # label, expected exit status, command...
  local label=$1 want=$2 rc; shift 2
  runs=$((runs + 1))
  "${vg[@]}" --log-file="$tmp/vg.log" "$@" >"$tmp/out.log" 2>&1
  rc=$?
  if [ "$rc" -eq "$want" ] && [ ! -s "$tmp/vg.log" ]; then
    echo "ok    $label"
  else
    echo "FAIL  $label (exit $rc, expected $want)"; cat "$tmp/vg.log"; tail -5 "$tmp/out.log"
    failed=$((failed + 1))
  fi
}
for t in "$build"/tests/test_*; do
  [ -x "$t" ] && [ -f "$t" ] || continue
  name=$(basename "$t")
  case $name in test_allocfail) continue ;; esac   # its own sweep; slow under memcheck
  check "$name" 0 "$t"
done
"$build/bxgen" take "$tmp/dry.wav" --seconds 6 --seed 1
"$build/bxgen" take "$tmp/mine.wav" --seconds 6 --seed 2
check "bxlive --render" 0 "$build/bxlive" presets/deep-kick.json --render "$tmp/dry.wav" "$tmp/wet.wav" -q
check "bxanalyze (reference only)" 0 "$build/bxanalyze" "$tmp/wet.wav" -o "$tmp/a.json" -q
check "bxanalyze --source" 0 "$build/bxanalyze" "$tmp/wet.wav" --source "$tmp/mine.wav" -o "$tmp/b.json" -q
check "bxanalyze --paired" 0 "$build/bxanalyze" "$tmp/wet.wav" --paired "$tmp/dry.wav" -o "$tmp/c.json" -q -j 2
mkdir -p "$tmp/batch" && cp "$tmp/wet.wav" "$tmp/mine.wav" "$tmp/batch/" && printf 'x' > "$tmp/batch/bad.wav"
check "bxanalyze batch (one bad file)" 4 "$build/bxanalyze" -o "$tmp/out/" "$tmp/batch" -q -j 2
check "bxlive --render, bad preset" 3 "$build/bxlive" "$tmp/batch/bad.wav" --render "$tmp/dry.wav" "$tmp/x.wav" -q
echo "memcheck: $runs runs, $failed with findings"
[ "$failed" -eq 0 ]
