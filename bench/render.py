#!/usr/bin/python3
"""bench/render.py — render throughput: bxlive --render against SoX and ffmpeg.

    bench/render.py [--build DIR] [--runs N] [--minutes M]

Makes M minutes (default 10) of mono 48 kHz 24-bit WAV (a dry take from bxgen,
repeated), then times whole processes, interleaved run by run (N rounds,
default 5), each writing a 24-bit WAV:

  bx      bxlive PRESET --render IN OUT --bits 24   (highpass, low shelf,
          3 peaks, high shelf, compressor)
  sox     sox IN OUT highpass, bass, equalizer x3, treble, compand
  ffmpeg  ffmpeg -i IN -af highpass,bass,equalizer x3,treble,acompressor OUT
  floor   sox IN OUT (plain decode + encode: the I/O floor)

Every run starts after a sync (outside the timing). Prints the median wall
time of each, its CPU time (bx decodes and encodes on
a second thread beside the DSP, so its CPU time exceeds its wall time), and
the ratios peer/bx and bx/floor.
The effects are the same kinds with the same corners and gains; the peers'
compressors are not bx's (different detectors), so this measures speed, not
equivalence. Needs sox and ffmpeg on PATH (a missing one is left out).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import RENDER_PRESET as PRESET


def commands(bxlive, preset, src, out):
    eq = [("highpass", "40"), ("bass", "4", "120"), ("equalizer", "350", "1.2q", "-3"),
          ("equalizer", "2000", "1q", "2"), ("equalizer", "5000", "2q", "3"),
          ("treble", "2", "9000")]
    sox_fx = [w for e in eq for w in e] + ["compand", "0.005,0.1", "6:-20,-20,-5", "3"]
    ff = ("highpass=f=40,bass=g=4:f=120,equalizer=f=350:t=q:w=1.2:g=-3,"
          "equalizer=f=2000:t=q:w=1:g=2,equalizer=f=5000:t=q:w=2:g=3,"
          "treble=g=2:f=9000,acompressor=threshold=0.1:ratio=4:attack=5:release=100:"
          "knee=2:makeup=1.41")
    return {
        "bx": [bxlive, preset, "--render", src, out, "--bits", "24", "--quiet"],
        "sox": ["sox", "-V1", src, "-b", "24", out] + sox_fx,
        "ffmpeg": ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", src, "-af", ff,
                   "-c:a", "pcm_s24le", out],
        "floor": ["sox", "-V1", src, "-b", "24", out],
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(here, "..", "build"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--minutes", type=float, default=10)
    a = ap.parse_args()
    bxlive = os.path.join(a.build, "bxlive")
    bxgen = os.path.join(a.build, "bxgen")
    for p in (bxlive, bxgen):
        if not os.access(p, os.X_OK):
            sys.exit(f"render.py: {p} not found: build bx first (cmake --build {a.build})")
    work = tempfile.mkdtemp(prefix="bx-bench-")
    try:
        take = os.path.join(work, "take.wav")
        subprocess.run([bxgen, "take", take, "--seconds", "60", "--seed", "3"], check=True)
        src = os.path.join(work, "in.wav")
        if shutil.which("sox"):
            reps = max(1, round(a.minutes))
            subprocess.run(["sox", "-V1"] + [take] * reps + ["-b", "24", src], check=True)
        else:
            sys.exit("render.py: sox is needed to make the input and as a peer")
        preset = os.path.join(work, "bench.json")
        with open(preset, "w") as f:
            json.dump(PRESET, f)
        cmds = commands(bxlive, preset, src, os.path.join(work, "out.wav"))
        cmds = {k: v for k, v in cmds.items() if shutil.which(v[0]) or os.path.isabs(v[0])}
        times = {k: [] for k in cmds}
        cpu = {k: [] for k in cmds}
        for _ in range(a.runs):
            for name, cmd in cmds.items():   # interleaved: one of each per round
                # the previous run's output goes to disk now, outside the
                # timing: bx flushes its output before renaming it into
                # place, and the file system's journal would otherwise make
                # that flush write the other program's output too
                if hasattr(os, "sync"):
                    os.sync()
                t0 = time.perf_counter()
                proc = subprocess.Popen(cmd)
                _, status, ru = os.wait4(proc.pid, 0)
                times[name].append(time.perf_counter() - t0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                if proc.returncode != 0:
                    sys.exit(f"render.py: {name} failed ({proc.returncode}): {' '.join(cmd)}")
                cpu[name].append(ru.ru_utime + ru.ru_stime)
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"## Render throughput: {a.minutes:g} min mono 48 kHz 24-bit, "
              f"{a.runs} interleaved runs\n")
        print("| | median wall | min | max | median CPU (user + sys) | ratio |")
        print("|---|---|---|---|---|---|")
        for k in cmds:
            ratio = ("" if k == "bx" else
                     f"bx/floor {med['bx'] / med[k]:.2f}x" if k == "floor" else
                     f"{k}/bx {med[k] / med['bx']:.2f}x")
            print(f"| {k} | {med[k]:.3f} s | {min(times[k]):.3f} s | {max(times[k]):.3f} s "
                  f"| {statistics.median(cpu[k]):.3f} s | {ratio} |")
        print()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
