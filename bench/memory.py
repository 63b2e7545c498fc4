#!/usr/bin/python3
"""bench/memory.py — peak memory of bx's programs on a 3-minute and a long input.

    bench/memory.py [--build DIR] [--long-minutes M]

Makes a 3-minute dry take (bxgen, 48 kHz mono 24-bit WAV) and an M-minute one
(default 60: the 3-minute take, then repetitions of it at other gains), renders
each through an EQ + compressor + limiter preset (that render is the first
measurement, and its output is the reference REF of that length), and runs
each program below on both lengths under bx_peakrss, which reports the peak
resident size of the program itself (from wait4):

  bxlive --render               bxlive PRESET --render IN REF --bits 24
  bxanalyze, reference only     bxanalyze REF -o P
  bxanalyze --source (REF)      bxanalyze REF --source TAKE20 -o P   (a 20 s take)
  bxanalyze --source (take)     bxanalyze REF20 --source IN -o P     (a 20 s reference)
  bxanalyze --paired            bxanalyze REF --paired IN -o P
  bx_ltas_dump                  bx_ltas_dump REF   (bx's long-term spectrum alone)

Prints a Markdown table: peak resident MB at each length, the growth, and the
wall time of each run (one run each: memory does not drift as time does).
Needs bx_peakrss and bx_ltas_dump from a build with tests (POSIX); the long
file is written with numpy and soundfile, or SoX without them. The M-minute
files take about 2 x 8.6 MB per minute in the temporary folder (TMPDIR);
everything is deleted at the end.
"""

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
import time

from benchlib import FLAT, REF_PRESET as PRESET, fail, run

RATE = 48000
SHORT_MINUTES = 3
TAKE_SECONDS = 20


def measured(peakrss, cmd, work):
    """Run cmd under bx_peakrss: (peak resident MB, seconds, '' or why it failed)."""
    report = os.path.join(work, "peak.txt")
    t0 = time.perf_counter()
    r = subprocess.run([peakrss, report] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, errors="replace")
    seconds = time.perf_counter() - t0
    try:
        with open(report) as f:
            kib, status = (int(v) for v in f.read().split())
        os.remove(report)
    except (OSError, ValueError):
        return None, seconds, f"bx_peakrss: exit {r.returncode} {r.stderr.strip()[-200:]}"
    why = "" if status == 0 else f"exit {status}: {r.stderr.strip()[-200:]}"
    return kib / 1024, seconds, why


def write_long(src, dst, minutes):
    """src, then src repeated at random gains (-9..0 dB) up to `minutes`, 24-bit.
    The first minutes are src itself, so what the analysis keeps of the
    beginning (all of it with --paired, up to 240 s) matches the short run."""
    frames = int(minutes * 60 * RATE)
    if all(importlib.util.find_spec(n) for n in ("numpy", "soundfile")):
        import numpy as np
        import soundfile as sf
        x = sf.read(src, dtype="float32")[0]
        rng = np.random.default_rng(11)
        gain = np.float32(1)
        with sf.SoundFile(dst, "w", RATE, 1, subtype="PCM_24") as f:
            while frames > 0:
                n = min(frames, len(x))
                f.write(x[:n] * gain)
                frames -= n
                gain = np.float32(10 ** (rng.uniform(-9, 0) / 20))
    elif shutil.which("sox"):  # plain repetition
        reps = -(-frames // (SHORT_MINUTES * 60 * RATE))
        run(["sox", "-V1"] + [src] * reps + ["-b", "24", dst, "trim", "0", f"{frames}s"])
    else:
        return False
    return True


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(here, "..", "build"))
    ap.add_argument("--long-minutes", type=float, default=60,
                    help="length of the long input, minutes (default 60)")
    a = ap.parse_args()
    if a.long_minutes <= 0:
        ap.error("--long-minutes must be positive")
    prog = {n: os.path.join(a.build, n) for n in ("bxanalyze", "bxlive", "bxgen")}
    prog["peakrss"] = os.path.join(a.build, "tests", "bx_peakrss")
    prog["dump"] = os.path.join(a.build, "tests", "bx_ltas_dump")
    for k in ("bxanalyze", "bxlive", "bxgen"):
        if not os.access(prog[k], os.X_OK):
            fail(f"{prog[k]} not found: build bx first (cmake --build {a.build})")
    if os.name != "posix" or not os.access(prog["peakrss"], os.X_OK):
        print(f"skipped: {prog['peakrss']} not found (built with the tests, POSIX only)")
        return
    have_dump = os.access(prog["dump"], os.X_OK)

    work = tempfile.mkdtemp(prefix="bx-bench-memory-")
    t_start = time.perf_counter()
    try:
        j = lambda *p: os.path.join(work, *p)  # noqa: E731
        for name, preset in (("flat", FLAT), ("chain", PRESET)):
            with open(j(name + ".json"), "w") as f:
                json.dump(preset, f)

        def take(path, seconds, seed, preset="flat"):
            run([prog["bxgen"], "take", path + ".f.wav", "--seconds", str(seconds),
                 "--rate", str(RATE), "--seed", str(seed)])
            run([prog["bxlive"], j(preset + ".json"), "--render", path + ".f.wav", path,
                 "--bits", "24", "-q"])
            os.remove(path + ".f.wav")
            return path

        short = take(j("in-short.wav"), SHORT_MINUTES * 60, 1)
        take20 = take(j("take20.wav"), TAKE_SECONDS, 2)
        ref20 = take(j("ref20.wav"), TAKE_SECONDS, 3, "chain")

        lengths = [("short", f"{SHORT_MINUTES} min")]
        long_label = (f"{a.long_minutes / 60:g} h" if a.long_minutes % 60 == 0
                      else f"{a.long_minutes:g} min")
        if write_long(short, j("in-long.wav"), a.long_minutes):
            lengths.append(("long", long_label))
        else:
            print(f"skipped: the {long_label} input needs numpy and soundfile, or sox")

        modes = [("`bxlive --render`", "render"),
                 ("`bxanalyze REF` (reference only)", "ref"),
                 ("`bxanalyze REF --source TAKE20` (REF this long)", "source_ref"),
                 ("`bxanalyze REF20 --source TAKE` (take this long)", "source_take"),
                 ("`bxanalyze REF --paired DRY`", "paired"),
                 ("`bx_ltas_dump REF`", "dump")]
        if not have_dump:
            modes.pop()
            print(f"skipped: {prog['dump']} not found (built with the tests)")
        res = {}
        for key, _ in lengths:
            src, ref, out = j(f"in-{key}.wav"), j(f"ref-{key}.wav"), j("out.json")
            cmds = {
                "render": [prog["bxlive"], j("chain.json"), "--render", src, ref,
                           "--bits", "24", "-q"],
                "ref": [prog["bxanalyze"], ref, "-o", out, "-q"],
                "source_ref": [prog["bxanalyze"], ref, "--source", take20, "-o", out, "-q"],
                "source_take": [prog["bxanalyze"], ref20, "--source", src, "-o", out, "-q"],
                "paired": [prog["bxanalyze"], ref, "--paired", src, "-o", out, "-q"],
                "dump": [prog["dump"], ref],
            }
            for _, mode in modes:  # the render first: it makes REF
                res[(mode, key)] = measured(prog["peakrss"], cmds[mode], work)
                if mode == "render" and res[(mode, key)][2]:
                    fail(f"the render of the {key} input failed: {res[(mode, key)][2]}")
            os.remove(src)
            os.remove(ref)

        labels = [lab for _, lab in lengths]
        print("## Peak memory (48 kHz mono 24-bit WAV; peak resident size from wait4)\n")
        head = [f"{lab} MB" for lab in labels]
        if len(lengths) == 2:
            head.append("growth")
        head += [f"{lab} time" for lab in labels]
        print("| program / mode | " + " | ".join(head) + " |")
        print("|---|" + "---|" * len(head))
        failures = []
        for label, mode in modes:
            cells, mbs = [], []
            for key, lab in lengths:
                mb, s, why = res[(mode, key)]
                if why:
                    failures.append(f"{label}, {lab}: {why}")
                    cells.append("failed")
                else:
                    cells.append(f"{mb:.1f}")
                    mbs.append(mb)
            if len(lengths) == 2:
                cells.append(f"{round(mbs[1] - mbs[0], 1) + 0.0:+.1f}" if len(mbs) == 2 else "")
            cells += [f"{res[(mode, key)][1]:.2f} s" for key, _ in lengths]
            print(f"| {label} | " + " | ".join(cells) + " |")
        print()
        for f in failures:
            print(f"failed: {f}")
        print(f"(benchmark took {time.perf_counter() - t_start:.0f} s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
