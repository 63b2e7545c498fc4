#!/usr/bin/env bash
# The demo: installs missing dependencies, builds bx, makes a dry beatbox take
# (generated, deterministic) and renders it through every shipped preset.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs" >/dev/null

out=demo-out
mkdir -p "$out"
build/bxgen take "$out/take.wav" --seconds 12
echo "dry take:  $out/take.wav"
for preset in presets/*.json; do
  name=$(basename "$preset" .json)
  build/bxlive "$preset" --render "$out/take.wav" "$out/take-$name.wav"
done
echo
echo "Listen to $out/take.wav (dry) and $out/take-<preset>.wav (processed)."
