#!/usr/bin/env bash
# bench/run.sh — every benchmark in one go: builds bx (Release) and prints the
# machine and each benchmark's Markdown table on stdout.
#
#   bench/run.sh [--build DIR] [--quick]
#
# --build DIR  the build folder (default build-bench next to this folder);
#              configured and built here, with the tests' helper programs
# --quick      smaller runs (3 rounds, a 10-minute long input for memory):
#              a few minutes instead of about a quarter of an hour
#
# Nothing here fails on a slow result: the tables are measurements. Needs
# cmake and a C compiler; sox and ffmpeg (peers), python3 with numpy, scipy
# and soundfile (the numpy spectrum), and Matchering (a copy of its package on
# PYTHONPATH) are used when present and reported missing otherwise.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
quick=0
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    *) echo "usage: bench/run.sh [--build DIR] [--quick]" >&2; exit 2 ;;
  esac
done
py=$(command -v python3 || true)
[ -x /usr/bin/python3 ] && py=/usr/bin/python3  # the system's, with its numpy

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)" >/dev/null

echo "## Machine"
echo
if [ -r /proc/cpuinfo ]; then
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
else
  cpu=$(sysctl -n machdep.cpu.brand_string 2>/dev/null || uname -m)
fi
echo "- processor: $cpu, $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') available"
echo "- system: $(uname -sr); compiler: $(${CC:-cc} --version 2>/dev/null | head -1)"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo

if [ $quick = 1 ]; then
  "$build/bx_bench_dsp" --mega 10 --rounds 3
else
  "$build/bx_bench_dsp"
fi
if [ -z "$py" ]; then
  echo "(python3 not found: the render, analysis and memory benchmarks are skipped)"
  exit 0
fi
runs=5
[ $quick = 1 ] && runs=3
"$py" "$here/render.py" --build "$build" --runs $runs
"$py" "$here/analyze.py" --build "$build" --runs $runs
if [ $quick = 1 ]; then
  "$py" "$here/memory.py" --build "$build" --long-minutes 10
else
  "$py" "$here/memory.py" --build "$build"
fi
