#!/usr/bin/env bash
# The demo: installs missing dependencies, builds bx, makes a dry beatbox take
# (generated, deterministic) and renders it through every shipped preset. Then
# it matches a reference: a second take (another performance) rendered through
# presets/crisp.json stands in for a record you want to sound like; bxanalyze
# fits a preset from it relative to the first take (--source), and the take is
# rendered through that preset. Everything goes to demo-out/; the only output
# is the listing at the end (and the installer's, if it has to install).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs" >/dev/null

out=demo-out
mkdir -p "$out"

# the dry take, through every shipped preset
build/bxgen take "$out/take.wav" --seconds 12 --seed 1
renders=()
for preset in presets/*.json; do
  name=$(basename "$preset" .json)
  build/bxlive "$preset" --render "$out/take.wav" "$out/take-$name.wav" --quiet
  renders+=("$out/take-$name.wav")
done

# the bundled reference: another take through crisp.json
build/bxgen take "$out/reference-dry.wav" --seconds 12 --seed 2
build/bxlive presets/crisp.json --render "$out/reference-dry.wav" "$out/reference.wav" --quiet
rm -f "$out/reference-dry.wav"

# match it: a preset that turns the dry take's sound into the reference's
build/bxanalyze "$out/reference.wav" --source "$out/take.wav" -o "$out/matched.json" \
  --plot "$out/matched.svg" --quiet
build/bxlive "$out/matched.json" --render "$out/take.wav" "$out/take-matched.wav" --quiet

cat <<EOF
bx demo: everything is in $out/
  dry take                    $out/take.wav
  reference (take 2 + crisp)  $out/reference.wav
  matched preset              $out/matched.json
  analysis report             $out/matched.svg
  take through matched.json   $out/take-matched.wav
  take through each shipped preset:
EOF
for f in "${renders[@]}"; do
  printf '    %s\n' "$f"
done
echo "take-matched.wav should sound like take-crisp.wav (the take through the reference's chain)."
