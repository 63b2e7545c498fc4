#!/usr/bin/python3
"""test_long_input — a one-hour file through every mode, with bounded memory.

A one-hour mono 48 kHz 16-bit WAV (345 MB; a 60 s dry take repeated with a
different gain each minute) and a one-minute one are generated on the fly (in
a sanitized build, which runs about five times slower, ten minutes stand in
for the hour). For both lengths:

    render     bxlive FULL.json --render LONG LONG-wet.wav --bits 16
    ref        bxanalyze LONG -o out.json
    src_ref    bxanalyze LONG --source TAKE -o out.json
    src_take   bxanalyze TAKE-wet --source LONG -o out.json
    paired     bxanalyze LONG-wet --paired LONG -o out.json

Promises:
  - every run exits 0; every preset is strict JSON with finite numbers; the
    render has the input's length, and every sample is finite and within the
    limiter's ceiling (checked block by block);
  - memory is bounded: the peak resident size of each run with the one-hour
    file stays under 512 MB (1 GB in a sanitized build, whose allocator keeps
    freed memory in quarantine; there its quarantine is cut to 64 MB, so the
    growth below measures bx, not the sanitizer), and exceeds the same run's peak with the
    one-minute file by at most 160 MB, less than half the hour's own size:
    nothing holds the whole file.
The peak resident size (the child's, from wait4 or GetProcessMemoryInfo) and
the time of each run are printed as a table.

Environment: BXLIVE, BXANALYZE, BXGEN, BX_PEAKRSS (programs; bx_peakrss runs a
program and reports its peak resident size), BX_TEST_TMP (scratch),
BX_SANITIZED=1 in a sanitized build.
Exit status: 0 all passed, 1 a check failed, 77 skipped (numpy or soundfile
missing, or no bx_peakrss). On Windows the peak is the peak working set
(GetProcessMemoryInfo).
"""

import json
import math
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import bxtest

np = bxtest.need("numpy")
sf = bxtest.need("soundfile")
BXLIVE, BXANALYZE, BXGEN = bxtest.programs("BXLIVE", "BXANALYZE", "BXGEN")
if not os.environ.get("BX_PEAKRSS"):
    bxtest.skip("the peak resident size is measured by bx_peakrss, which this build lacks")
PEAKRSS = os.environ["BX_PEAKRSS"]

RATE = 48000
SANITIZED = os.environ.get("BX_SANITIZED") == "1"
# a sanitized build runs about five times slower: ten minutes there
LONG_S = 600 if SANITIZED else 3600
SHORT_S = 60
CEILING = 10 ** (-1 / 20)
PEAK_LIMIT_MB = 1024 if SANITIZED else 512
GROWTH_LIMIT_MB = 160

REP = bxtest.Report()


def measured(args, work):
    """Run args through bx_peakrss; (exit status, stderr, peak resident MB, seconds)."""
    report = os.path.join(work, "peak.txt")
    t0 = time.monotonic()
    env = None
    if SANITIZED:
        # AddressSanitizer keeps up to 256 MB of freed blocks in quarantine
        # by default, so the resident size would follow how many large
        # buffers a run happens to free, not what bx holds: 64 MB here
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = ":".join(v for v in (env.get("ASAN_OPTIONS"), "quarantine_size_mb=64")
                                       if v)
    r = subprocess.run([PEAKRSS, report] + args, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, errors="replace", env=env)
    secs = time.monotonic() - t0
    with open(report) as f:
        kib, status = (int(v) for v in f.read().split())
    return status, r.stderr.strip(), kib / 1024, secs


def write_long(path, take, seconds):
    """take (60 s) repeated for `seconds`, a gain from -9 to 0 dB per minute, 16-bit."""
    rng = np.random.default_rng(11)
    with sf.SoundFile(path, "w", RATE, 1, subtype="PCM_16") as f:
        left = seconds * RATE
        while left > 0:
            n = min(left, len(take))
            f.write(take[:n] * 10 ** (rng.uniform(-9, 0) / 20))
            left -= n


def strict_finite(path):
    def refuse(c):
        raise ValueError(c)
    try:
        with open(path) as f:
            p = json.load(f, parse_constant=refuse)
    except (OSError, ValueError) as e:
        return f"{type(e).__name__}: {e}"
    stack = [p]
    while stack:
        v = stack.pop()
        if isinstance(v, float) and not math.isfinite(v):
            return "non-finite number"
        if isinstance(v, dict):
            stack += list(v.values())
        elif isinstance(v, list):
            stack += v
    return ""


def render_ok(src, out):
    """'' when out has src's length and is finite and limited, read block by block."""
    n = 0
    peak = 0.0
    for block in sf.blocks(out, blocksize=1 << 20, dtype="float32"):
        if not np.all(np.isfinite(block)):
            return "non-finite samples"
        peak = max(peak, float(np.max(np.abs(block))))
        n += len(block)
    frames = sf.info(src).frames
    if n != frames:
        return f"{n} frames, input {frames}"
    if peak > CEILING * (1 + 1e-4):  # 16-bit: half an LSB of rounding
        return f"peak {20 * math.log10(peak):.3f} dBFS"
    return ""


def main():
    work = bxtest.scratch("long-input-")
    take = os.path.join(work, "take.wav")
    subprocess.run([BXGEN, "take", take, "--seconds", "60", "--rate", str(RATE), "--seed", "4"],
                   check=True)
    x = sf.read(take, dtype="float32")[0]
    preset = os.path.join(work, "full.json")
    with open(preset, "w") as f:
        json.dump(bxtest.FULL_PRESET, f)
    take_wet = os.path.join(work, "take-wet.wav")
    subprocess.run([BXLIVE, preset, "--render", take, take_wet, "-q"], check=True)

    peaks = {}
    rows = []
    for label, seconds in ((f"{SHORT_S // 60} min", SHORT_S), (f"{LONG_S // 60} min", LONG_S)):
        src = os.path.join(work, f"long-{seconds}.wav")
        write_long(src, x, seconds)
        wet = os.path.join(work, f"long-{seconds}-wet.wav")
        runs = [("render", [BXLIVE, preset, "--render", src, wet, "--bits", "16", "-q"], wet),
                ("ref", [BXANALYZE, src, "-q", "-o"], None),
                ("src_ref", [BXANALYZE, src, "--source", take, "-q", "-o"], None),
                ("src_take", [BXANALYZE, take_wet, "--source", src, "-q", "-o"], None),
                ("paired", [BXANALYZE, wet, "--paired", src, "-q", "-o"], None)]
        for mode, args, out in runs:
            if out is None:
                out = os.path.join(work, f"{mode}-{seconds}.json")
                args = args + [out]
            rc, err, mb, secs = measured(args, work)
            why = "" if rc != 0 else render_ok(src, out) if mode == "render" else strict_finite(out)
            REP.check(rc == 0 and not why, f"{label} {mode}: exit 0 and a valid result",
                      f"exit {rc} {err[:200]} {why}")
            peaks[(mode, seconds)] = mb
            rows.append(f"  {label:7s} {mode:9s} {mb:8.1f} MB {secs:8.2f} s")
            if mode != "render":
                os.remove(out)
        os.remove(src)
        os.remove(wet)
    print("peak resident size and time per run:\n" + "\n".join(rows))
    for mode in ("render", "ref", "src_ref", "src_take", "paired"):
        hour, short = peaks[(mode, LONG_S)], peaks[(mode, SHORT_S)]
        REP.check(hour <= PEAK_LIMIT_MB,
                  f"{mode}: {LONG_S // 60} min peak under {PEAK_LIMIT_MB} MB", f"{hour:.1f} MB")
        REP.check(hour - short <= GROWTH_LIMIT_MB,
                  f"{mode}: {LONG_S // 60} min take at most {GROWTH_LIMIT_MB} MB more than "
                  f"{SHORT_S // 60} min",
                  f"{short:.1f} -> {hour:.1f} MB")
    REP.finish(work)


if __name__ == "__main__":
    main()
