#!/usr/bin/python3
"""bench/analyze.py — analysis speed: bxanalyze's modes, bx's spectrum against numpy,
Matchering, and a batch on one and two threads.

    bench/analyze.py [--build DIR] [--runs N] [--tracks N]

Material (48 kHz mono 24-bit WAV, made here with bxgen and bxlive):
  DRY     a 3-minute dry take (bxgen take, seed 1)
  REF     DRY rendered through an EQ + compressor + limiter preset
  TAKE    another 3-minute performance (seed 2), for --source
  TAKE20  a 20-s take (seed 2; the length of a typical --source take)

1. Single files, whole processes, interleaved round by round (N rounds,
   default 5), median wall time:
     bxanalyze REF -o P                 reference only
     bxanalyze REF --source TAKE -o P   and with TAKE20
     bxanalyze REF --paired DRY -o P
     bx_ltas_dump REF                   bx's gated long-term spectrum alone
     bench/ltas_numpy.py REF            the same spectrum in numpy/scipy
     python3 -c "import numpy, ..."     the interpreter start ltas_numpy pays
   The two spectra are compared (gate, frame counts, largest difference in
   dB over every bin), so that the timing compares equal work.
2. Matchering 2.x (when `import matchering` works): matchering.process of
   TAKE20 against REF, writing a 24-bit master, against bxanalyze --source
   on the same files (and with bxlive --render of TAKE20, which makes the same
   kind of output).
3. A batch: --tracks files (default 50) of 20 s each, every one a different
   performance (bxgen seeds) through one of several presets, analysed by one
   bxanalyze process at -j1 and -j2 (files at once), reference only and with
   --source TAKE20; median wall times and the speed-up.

Prints Markdown tables. bxanalyze runs with its default thread count for
single files (-j = the number of processors). bx_ltas_dump comes from a build
with tests (the default); numpy, scipy and soundfile, and matchering, are
optional: what is missing is reported and left out.
"""

import argparse
import importlib.util
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import FLAT, REF_PRESET as PRESET, fail, run

try:
    import resource  # CPU time of the children (POSIX)
except ImportError:
    resource = None

RATE = 48000
REF_SECONDS = 180
SHORT_SECONDS = 20
BATCH_SECONDS = 20
PY = sys.executable or "/usr/bin/python3"

# Run by a fresh interpreter, so Matchering is timed as a whole process too.
MATCHERING_CODE = """
import sys
import matchering as mg
mg.process(target=sys.argv[1], reference=sys.argv[2], results=[mg.pcm24(sys.argv[3])])
"""


def children_cpu():
    """User + system seconds of the finished child processes (NaN if unknown)."""
    if resource is None:
        return math.nan
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmds, runs):
    """Wall and CPU times of each command (a name -> argv, or a list of argvs
    run in sequence), interleaved: one of each per round. CPU time is the
    children's user + system time: CPU/wall shows the parallelism reached, and
    a shortfall the machine's other load."""
    wall = {k: [] for k in cmds}
    cpu = {k: [] for k in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            seq = cmd if isinstance(cmd[0], list) else [cmd]
            c0 = children_cpu()
            t0 = time.perf_counter()
            for c in seq:
                run(c)
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(children_cpu() - c0)
    return wall, cpu


def secs(t):
    return f"{t:.3f} s" if t < 10 else f"{t:.2f} s"


def table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()


class Material:
    """The test audio, made in `work` with bxgen and bxlive."""

    def __init__(self, work, bxgen, bxlive):
        self.work, self.bxgen, self.bxlive = work, bxgen, bxlive
        self.flat = self.preset_file("flat", FLAT)
        self.chain = self.preset_file("ref-chain", PRESET)

    def preset_file(self, name, preset):
        path = os.path.join(self.work, name + ".json")
        with open(path, "w") as f:
            json.dump(preset, f)
        return path

    def take(self, path, seconds, seed, preset=None):
        """A bxgen take as a 24-bit WAV, through `preset` (default: unchanged)."""
        raw = path + ".float.wav"
        run([self.bxgen, "take", raw, "--seconds", str(seconds), "--rate", str(RATE),
             "--seed", str(seed)])
        run([self.bxlive, preset or self.flat, "--render", raw, path, "--bits", "24", "-q"])
        os.remove(raw)
        return path

    def render(self, src, dst, preset):
        run([self.bxlive, preset, "--render", src, dst, "--bits", "24", "-q"])
        return dst


def read_dump(text):
    """(meta, frequencies, powers) of bx_ltas_dump's text format."""
    meta, freq, power = {}, [], []
    for line in text.splitlines():
        if line.startswith("#"):
            k, v = line[1:].split()
            meta[k] = float(v)
        else:
            f, p = line.split()
            freq.append(float(f))
            power.append(float(p))
    return meta, freq, power


def spectra_agree(dump, numpy_script, ref):
    """One line comparing bx_ltas_dump's and ltas_numpy.py's outputs for ref."""
    out = []
    for cmd in ([dump, ref], [PY, numpy_script, ref]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            return f"spectra not compared: {os.path.basename(cmd[-2])} failed: {r.stderr.strip()}"
        out.append(read_dump(r.stdout))
    (mb, fb, pb), (mn, fn, pn) = out
    if mb != mn or fb != fn:
        return (f"**spectra differ in their header or bins**: bx {mb}, numpy {mn}, "
                f"{len(fb)} / {len(fn)} bins")
    peak = max(pb)
    dev_all = dev_strong = 0.0
    for b, n in zip(pb, pn):
        d = abs(10 * math.log10(b / n)) if b > 0 and n > 0 else (0.0 if b == n else math.inf)
        dev_all = max(dev_all, d)
        if b >= peak * 1e-8:  # within 80 dB of the strongest bin
            dev_strong = max(dev_strong, d)
    return (f"Spectra agree: the same gate ({mb['gate_db']:g} dBFS), the same frames used "
            f"({int(mb['frames_used'])} of {int(mb['frames_total'])}), the same {len(fb)} "
            f"bins; largest difference {dev_all:.1e} dB over every bin "
            f"({dev_strong:.1e} dB within 80 dB of the strongest).")


def single_files(a, bx, m, work, here):
    dry = m.take(os.path.join(work, "dry.wav"), REF_SECONDS, 1)
    ref = m.render(dry, os.path.join(work, "ref.wav"), m.chain)
    take = m.take(os.path.join(work, "take.wav"), REF_SECONDS, 2)
    take20 = m.take(os.path.join(work, "take20.wav"), SHORT_SECONDS, 2)
    out = os.path.join(work, "out.json")
    cmds = {
        "ref": [bx["bxanalyze"], ref, "-o", out, "-q"],
        "source": [bx["bxanalyze"], ref, "--source", take, "-o", out, "-q"],
        "source20": [bx["bxanalyze"], ref, "--source", take20, "-o", out, "-q"],
        "paired": [bx["bxanalyze"], ref, "--paired", dry, "-o", out, "-q"],
    }
    labels = {
        "ref": "`bxanalyze REF` (reference only)",
        "source": "`bxanalyze REF --source TAKE` (3-min take)",
        "source20": "`bxanalyze REF --source TAKE20` (20-s take)",
        "paired": "`bxanalyze REF --paired DRY`",
        "dump": "`bx_ltas_dump REF` (bx's spectrum alone)",
        "numpy": "`bench/ltas_numpy.py REF` (numpy/scipy)",
        "pystart": "`python3` start + numpy, scipy.fft, soundfile imports",
    }
    notes = []
    numpy_script = os.path.join(here, "ltas_numpy.py")
    have_numpy = all(importlib.util.find_spec(n) for n in ("numpy", "soundfile"))
    if bx["bx_ltas_dump"]:
        cmds["dump"] = [bx["bx_ltas_dump"], ref]
    else:
        notes.append("skipped: bx_ltas_dump not built (configure with tests on)")
    if have_numpy:
        cmds["numpy"] = [PY, numpy_script, ref]
        cmds["pystart"] = [PY, "-c", "import numpy, soundfile\ntry:\n import scipy.fft\n"
                           "except ImportError:\n pass"]
    else:
        notes.append("skipped: ltas_numpy.py needs numpy and soundfile")
    # stdout of the spectrum printers goes to /dev/null in run(): both print ~4100 lines
    times, cpu = timed(cmds, a.runs)
    med = {k: statistics.median(v) for k, v in times.items()}

    def ratio(k):
        if k in ("source", "source20", "paired"):
            return f"{med[k] / med['ref']:.1f}× reference only"
        if k == "numpy" and "dump" in med:
            return f"numpy/bx {med['numpy'] / med['dump']:.2f}×"
        if k == "pystart" and "dump" in med:
            return (f"(numpy − start)/bx "
                    f"{(med['numpy'] - med['pystart']) / med['dump']:.2f}×")
        return ""

    print(f"### One file: a {REF_SECONDS // 60}-minute reference, 48 kHz mono 24-bit\n")
    print(f"{a.runs} interleaved rounds, whole processes, median wall time; bxanalyze "
          f"single-file `-j` default ({os.cpu_count()} processors).\n")
    table(["command", "median", "min", "max", "CPU time", "ratio"],
          [[labels[k], secs(med[k]), secs(min(times[k])), secs(max(times[k])),
            secs(statistics.median(cpu[k])), ratio(k)] for k in cmds])
    for n in notes:
        print(n)
    if "dump" in cmds and "numpy" in cmds:
        print(spectra_agree(bx["bx_ltas_dump"], numpy_script, ref))
    print()
    return ref, take20


def matchering(a, bx, work, ref, take20):
    print("### Matchering 2.x on a 20-s take\n")
    if importlib.util.find_spec("matchering") is None:
        print("skipped: matchering not on PYTHONPATH\n")
        return
    out = os.path.join(work, "out.json")
    master = os.path.join(work, "master.wav")
    render = os.path.join(work, "render.wav")
    cmds = {
        "mg": [PY, "-c", MATCHERING_CODE, take20, ref, master],
        "bx": [bx["bxanalyze"], ref, "--source", take20, "-o", out, "-q"],
        "bx+render": [[bx["bxanalyze"], ref, "--source", take20, "-o", out, "-q"],
                      [bx["bxlive"], out, "--render", take20, render, "--bits", "24", "-q"]],
    }
    labels = {
        "mg": "`matchering.process(TAKE20, REF, [pcm24])` (writes the master)",
        "bx": "`bxanalyze REF --source TAKE20` (writes the preset)",
        "bx+render": "the same, then `bxlive --render TAKE20` (preset and master)",
    }
    r = subprocess.run(cmds["mg"], capture_output=True, text=True, errors="replace")
    if r.returncode != 0 or not os.path.exists(master):
        why = (r.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"skipped: matchering is installed but failed: {why}\n")
        return
    times, _ = timed(cmds, a.runs)
    med = {k: statistics.median(v) for k, v in times.items()}
    table(["command", "median", "min", "max", "ratio"],
          [[labels[k], secs(med[k]), secs(min(times[k])), secs(max(times[k])),
            "" if k == "mg" else f"matchering/bx {med['mg'] / med[k]:.1f}×"] for k in cmds])


def batch(a, bx, m, work, here, take20):
    folder = os.path.join(work, "tracks")
    os.mkdir(folder)
    # several chains, so the references differ in tone and dynamics too
    shipped = os.path.join(here, "..", "presets")
    chains = [m.chain]
    if os.path.isdir(shipped):
        chains += sorted(os.path.join(shipped, n) for n in os.listdir(shipped)
                         if n.endswith(".json"))
    for i in range(a.tracks):
        m.take(os.path.join(folder, f"track{i:03d}.wav"), BATCH_SECONDS, 100 + i,
               chains[i % len(chains)])
    outdir = os.path.join(work, "presets") + os.sep
    modes = {"ref": [], "source": ["--source", take20]}
    cmds = {(mode, j): [bx["bxanalyze"], "-o", outdir, *extra, "-j", str(j), "-q", folder]
            for mode, extra in modes.items() for j in (1, 2)}
    times, cpu = timed(cmds, a.runs)
    med = {k: statistics.median(v) for k, v in times.items()}
    par = {k: statistics.median(c / w for c, w in zip(cpu[k], times[k])) for k in cmds}
    n_out = len(os.listdir(outdir))
    if n_out != a.tracks:
        fail(f"the batch wrote {n_out} presets for {a.tracks} tracks")
    cpus = os.cpu_count()
    print(f"### Batch: {a.tracks} tracks of {BATCH_SECONDS} s in one folder\n")
    print(f"{a.runs} interleaved rounds, one `bxanalyze -o OUT/ [--source TAKE20] -j N "
          f"FOLDER` process, median wall time; os.cpu_count() = {cpus}.\n")
    labels = {"ref": "reference only", "source": "`--source TAKE20`"}
    rows = []
    for mode in modes:
        t1, t2 = med[(mode, 1)], med[(mode, 2)]
        rows.append([labels[mode], secs(t1), secs(t2), f"{1000 * t2 / a.tracks:.0f} ms",
                     f"{par[(mode, 1)]:.2f} / {par[(mode, 2)]:.2f}",
                     f"{t1 / t2:.2f}×" + ("" if t1 / t2 >= 1.8 else " (target ≥ 1.8×)")])
    table(["batch", "-j1 median", "-j2 median", "per file at -j2", "CPU/wall -j1 / -j2",
           "speed-up -j1/-j2"], rows)
    if cpus is not None and cpus < 2:
        print("(one processor: -j2 cannot be faster here)\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(here, "..", "build"))
    ap.add_argument("--runs", type=int, default=5, help="interleaved rounds (default 5)")
    ap.add_argument("--tracks", type=int, default=50, help="files in the batch (default 50)")
    a = ap.parse_args()
    if a.runs < 1 or a.tracks < 1:
        ap.error("--runs and --tracks must be at least 1")
    bx = {n: os.path.join(a.build, n) for n in ("bxanalyze", "bxlive", "bxgen")}
    for p in bx.values():
        if not os.access(p, os.X_OK):
            fail(f"{p} not found: build bx first (cmake --build {a.build})")
    dump = os.path.join(a.build, "tests", "bx_ltas_dump")
    bx["bx_ltas_dump"] = dump if os.access(dump, os.X_OK) else None

    work = tempfile.mkdtemp(prefix="bx-bench-analyze-")
    try:
        m = Material(work, bx["bxgen"], bx["bxlive"])
        t0 = time.perf_counter()
        try:
            load = "; load average at the start " + " / ".join(
                f"{v:.2f}" for v in os.getloadavg())
        except (AttributeError, OSError):
            load = ""
        print(f"## bxanalyze speed ({a.runs} rounds{load})\n")
        ref, take20 = single_files(a, bx, m, work, here)
        matchering(a, bx, work, ref, take20)
        batch(a, bx, m, work, here, take20)
        print(f"(benchmark took {time.perf_counter() - t0:.0f} s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
