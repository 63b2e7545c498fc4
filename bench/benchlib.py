"""bench/benchlib.py — what the benchmark scripts share: the reference chain
their material goes through, and running a program quietly."""

import os
import subprocess
import sys

# A reference's chain: what a producer might have put on the dry take
REF_PRESET = {
    "bxpreset": 1, "name": "bench-ref",
    "chain": {
        "eq": [{"type": "highpass", "freq_hz": 40, "q": 0.7071},
               {"type": "low_shelf", "freq_hz": 120, "gain_db": 4, "q": 0.7071},
               {"type": "peak", "freq_hz": 350, "gain_db": -3, "q": 1.2},
               {"type": "peak", "freq_hz": 2000, "gain_db": 2, "q": 1.0},
               {"type": "high_shelf", "freq_hz": 9000, "gain_db": 3, "q": 0.7071}],
        "compressor": {"threshold_db": -20, "ratio": 4, "knee_db": 6, "attack_ms": 5,
                       "release_ms": 100, "makeup_db": 3},
        "limiter": {"ceiling_db": -1}}}
# bench/render.py's chain: six biquads, a compressor and the limiter
RENDER_PRESET = {
    "bxpreset": 1, "name": "bench",
    "chain": {
        "eq": [{"type": "highpass", "freq_hz": 40, "q": 0.7071},
               {"type": "low_shelf", "freq_hz": 120, "gain_db": 4, "q": 0.7071},
               {"type": "peak", "freq_hz": 350, "gain_db": -3, "q": 1.2},
               {"type": "peak", "freq_hz": 2000, "gain_db": 2, "q": 1.0},
               {"type": "peak", "freq_hz": 5000, "gain_db": 3, "q": 2.0},
               {"type": "high_shelf", "freq_hz": 9000, "gain_db": 2, "q": 0.7071}],
        "compressor": {"threshold_db": -20, "ratio": 4, "knee_db": 6, "attack_ms": 5,
                       "release_ms": 100, "makeup_db": 3},
        "limiter": {"ceiling_db": -1}}}
FLAT = {"bxpreset": 1, "name": "flat", "chain": {}}  # a plain 24-bit conversion


def fail(msg):
    """Stop the benchmark with one line naming the script."""
    sys.exit(f"{os.path.basename(sys.argv[0])}: {msg}")


def run(cmd):
    """Run cmd quietly; stop the benchmark with its message if it fails."""
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       errors="replace")
    if r.returncode != 0:
        fail(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()[-500:]}")
