#!/usr/bin/env bash
# Install what bx needs to build and test, if it is missing.
#   Debian/Ubuntu: apt-get (as root, or through sudo)
#   macOS:         Homebrew
# Windows users: see docs/windows.md (vcpkg).
set -euo pipefail

build_debs=(build-essential cmake pkg-config portaudio19-dev libsndfile1-dev libkissfft-dev
            libcjson-dev libebur128-dev)
# clang: the libFuzzer harnesses of tests/fuzz (scripts/test.sh skips them without it);
# ffmpeg and zam-plugins: the real plugin and limiter test_zamcomp_compare and
# test_analyze_evidence compare with (they skip those parts without them); lsp-plugins-lv2:
# the equalizer test_export runs the EasyEffects export on; x42-plugins: x42-comp, the
# compressor test_darc_compare compares the power detector with; clang-format: test_format
test_debs=(clang clang-format sox python3 python3-numpy python3-scipy python3-soundfile python3-jsonschema jackd2
           libjack-jackd2-dev stress-ng ffmpeg zam-plugins lsp-plugins-lv2 x42-plugins)
brews=(cmake pkg-config portaudio libsndfile kissfft cjson libebur128 sox)

if [[ "$(uname -s)" == "Darwin" ]]; then
  command -v brew >/dev/null || { echo "install-deps: Homebrew is required on macOS (https://brew.sh)" >&2; exit 1; }
  missing=()
  for f in "${brews[@]}"; do brew list --formula "$f" >/dev/null 2>&1 || missing+=("$f"); done
  if ((${#missing[@]})); then brew install "${missing[@]}"; fi
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "install-deps: no apt-get here; install these yourself: ${build_debs[*]} ${test_debs[*]}" >&2
  exit 1
fi

missing=()
for p in "${build_debs[@]}" "${test_debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# jackd2 asks about real-time scheduling while installing: answer "no" ahead of time
echo "jackd2 jackd/tweak_rt_limits boolean false" | "${sudo[@]}" debconf-set-selections 2>/dev/null || true
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
