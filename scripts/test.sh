#!/usr/bin/env bash
# The whole test suite: installs missing dependencies, builds bx twice (plain
# Release, and RelWithDebInfo with AddressSanitizer + UndefinedBehaviorSanitizer:
# optimised, so the analysis tests stay within minutes, with debug info) and
# runs every test in both, then, where clang can link libFuzzer, runs each
# fuzz harness of tests/fuzz for about a minute. Exit status 0 only if
# everything passed.
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
  run_suite "sanitized (ASan+UBSan)" build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBX_SANITIZE=ON

# The fuzz smoke needs a clang that links -fsanitize=fuzzer: Debian's clang,
# or on macOS Homebrew's llvm (Apple's clang has no libFuzzer). BX_FUZZ_CC
# picks another.
fuzz_cc=""
brew_clang=""
if command -v brew >/dev/null; then brew_clang="$(brew --prefix llvm 2>/dev/null)/bin/clang"; fi
for cc in "${BX_FUZZ_CC:-}" clang "$brew_clang"; do
  [[ -n $cc ]] && command -v "$cc" >/dev/null || continue
  if printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' |
    "$cc" -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
    fuzz_cc=$cc
    break
  fi
done
if [[ -z $fuzz_cc ]]; then
  echo "== fuzz smoke skipped: no clang with libFuzzer (Debian: apt-get install clang; macOS: brew install llvm) =="
  echo "== all tests passed (plain and sanitized) =="
  exit 0
fi
echo "== fuzz build ($fuzz_cc) =="
CC=$fuzz_cc cmake -S . -B build-fuzz -DBX_WERROR=ON -DBX_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-fuzz -j "$jobs" --target fuzz_preset fuzz_audio fuzz_eqfit >/dev/null
echo "== fuzz smoke (about a minute per harness) =="
(cd build-fuzz && ctest -R '^fuzz_' --output-on-failure -j "$jobs")
echo "== all tests passed (plain, sanitized and fuzz smoke) =="
