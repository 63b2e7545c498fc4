#!/usr/bin/env bash
# The whole test suite: installs missing dependencies, builds bx twice (plain
# Release, and Debug with AddressSanitizer + UndefinedBehaviorSanitizer) and
# runs every test in both. Exit status 0 only if everything passed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)

run_suite() { # name, build dir, cmake args...
  local name=$1 dir=$2
  shift 2
  echo "== $name build =="
  cmake -S . -B "$dir" -DBX_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs" >/dev/null
  echo "== $name tests =="
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
}

run_suite "plain" build -DCMAKE_BUILD_TYPE=Release
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite "sanitized (ASan+UBSan)" build-asan -DCMAKE_BUILD_TYPE=Debug -DBX_SANITIZE=ON
echo "== all tests passed (plain and sanitized) =="
