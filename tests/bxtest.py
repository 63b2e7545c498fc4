"""bxtest — the harness the Python tests share.

A test script, run from anywhere, does

    sys.path.insert(0, os.path.dirname(__file__))
    import bxtest

    np = bxtest.need("numpy")                       # missing: "SKIP: ...", exit 77
    BXLIVE, BXGEN = bxtest.programs("BXLIVE", "BXGEN")
    REP = bxtest.Report()
    work = bxtest.scratch("name-")
    REP.check(ok, "the promise", "what was measured")
    REP.finish(work)                                # "N passed, N failed", then exits

Environment: the variables a test names in programs() (BXLIVE, BXGEN,
BXANALYZE, BX_LTAS_DUMP), BX_SOURCE_DIR (the repository; default: the folder
above this one) and BX_TEST_TMP (where scratch folders go; default: the
system's temporary folder).

Exit status of a test: 0 all passed, 1 a check failed or the environment is
wrong, 77 skipped (a needed module or tool is missing, or every check was
skipped).
"""

import importlib
import os
import shutil
import sys
import tempfile

SKIP = 77

# A preset that exercises every stage (and stays below 4 kHz for 8 kHz input).
# Tests that change it take a copy (json round trip).
FULL_PRESET = {
    "bxpreset": 1, "name": "full",
    "chain": {
        "input_gain_db": 3,
        "eq": [{"type": "highpass", "freq_hz": 40},
               {"type": "peak", "freq_hz": 300, "gain_db": -4, "q": 1.4},
               {"type": "high_shelf", "freq_hz": 2500, "gain_db": 5}],
        "compressor": {"threshold_db": -24, "ratio": 4, "knee_db": 6, "attack_ms": 2,
                       "release_ms": 80, "makeup_db": 6, "detector": "rms"},
        "output_gain_db": 2,
        "limiter": {"ceiling_db": -1}}}


def skip(why):
    """Skip the whole test: print why, exit 77."""
    print(f"SKIP: {why}")
    sys.exit(SKIP)


def need(module, hint=""):
    """The module, imported; if it is missing the test is skipped, naming its package."""
    try:
        return importlib.import_module(module)
    except ImportError:
        skip(f"{module.split('.')[0]} is not installed for this Python"
             + (f" ({hint})" if hint else ""))


def programs(*names):
    """Absolute paths of the programs the environment variables `names` give, in order.
    One unset or not executable: an ERROR line and exit 1."""
    paths = [os.environ.get(n) for n in names]
    if not all(paths):
        some = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        print(f"ERROR: set {some} to the path{'s' if len(names) > 1 else ''} of the "
              f"program{'s' if len(names) > 1 else ''}")
        sys.exit(1)
    for path in paths:
        if not os.access(path, os.X_OK):
            print(f"ERROR: {path} is not an executable program")
            sys.exit(1)
    return [os.path.abspath(p) for p in paths]


def source_dir():
    """The repository: BX_SOURCE_DIR, or the folder above tests/."""
    return os.environ.get("BX_SOURCE_DIR") or \
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def scratch(prefix):
    """A fresh folder in BX_TEST_TMP (made if missing) or the system's temporary folder."""
    base = os.environ.get("BX_TEST_TMP") or tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix=prefix, dir=base)


def bursts(seed=1, seconds=5, rate=48000):
    """Decaying noise bursts between -40 and -3 dBFS, 80-400 ms apart (seeded, numpy float64):
    the test signal of the compressor comparisons with SoX and plugins."""
    import numpy as np
    rng = np.random.default_rng(seed)
    n = seconds * rate
    x = np.zeros(n)
    t = 0
    while t < n - rate // 4:
        level = 10 ** (rng.uniform(-40, -3) / 20)
        length = int(rate * rng.uniform(0.05, 0.3))
        decay = rng.uniform(0.02, 0.15)
        k = np.arange(length)
        x[t:t + length] += level * np.exp(-k / (decay * rate)) * rng.uniform(-1, 1, length)
        t += int(rate * rng.uniform(0.08, 0.4))
    return x


def run_ok(cmd, what, env=None):
    """Run cmd; RuntimeError naming `what`, the command and the end of its stderr if it fails."""
    import subprocess
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {p.returncode}): {' '.join(cmd)}\n"
                           f"{p.stderr.strip()[-600:]}")


def snr_db(ref, got):
    """10 log10(sum ref^2 / sum (got - ref)^2) over their common length (inf if identical)."""
    import math
    import numpy as np
    n = min(len(ref), len(got))
    err = np.sum((got[:n] - ref[:n]) ** 2)
    return math.inf if err == 0 else 10 * math.log10(np.sum(ref[:n] ** 2) / err)


def paired_fit(bxanalyze, bxlive, ref, dry, work, score=snr_db):
    """`bxanalyze REF --paired DRY`, then DRY rendered through the preset by bxlive:
    (the preset's document, its compressor ({} without one), score(REF, the render))."""
    import json
    import soundfile as sf
    fit, out = os.path.join(work, "fit.json"), os.path.join(work, "fit.wav")
    run_ok([bxanalyze, ref, "--paired", dry, "-o", fit], "bxanalyze --paired")
    with open(fit) as f:
        doc = json.load(f)
    run_ok([bxlive, fit, "--render", dry, out], "bxlive --render")
    return doc, doc["chain"].get("compressor") or {}, score(sf.read(ref)[0], sf.read(out)[0])


def emulated(prog):
    """True if prog is the wrapper script a cross build runs its program through
    (Wine): what the host's libraries do (ALSA's messages) is not the program's."""
    try:
        with open(prog, "rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False


_mp3 = {}


def bx_mp3(bxlive, work):
    """True if bx's own libsndfile reads and writes MP3 (1.1.0 or newer with LAME and
    mpg123; a cross build's may have neither): bxlive renders a short file to .mp3."""
    if bxlive not in _mp3:
        import numpy as np
        import json
        import subprocess
        import wave
        d = tempfile.mkdtemp(prefix="mp3probe-", dir=work)
        src, preset = os.path.join(d, "p.wav"), os.path.join(d, "p.json")
        with wave.open(src, "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(44100)
            w.writeframes((np.sin(np.arange(4410) * 0.05) * 8000).astype("<i2").tobytes())
        with open(preset, "w") as f:
            json.dump({"bxpreset": 1, "chain": {}}, f)
        r = subprocess.run([bxlive, preset, "--render", src, os.path.join(d, "p.mp3"), "--quiet"],
                           capture_output=True, timeout=120)
        _mp3[bxlive] = r.returncode == 0
        shutil.rmtree(d, ignore_errors=True)
    return _mp3[bxlive]


def tell(r):
    """A finished subprocess.run(..., text=True) in a few words, for a check's detail."""
    return f"exit {r.returncode}, stderr {r.stderr.strip()[:300]!r}"


# How a check is printed: style(ok, promise, detail) -> the line(s).

def bracketed(ok, promise, detail):
    """PASS  promise  [detail]"""
    return f"{'PASS' if ok else 'FAIL'}  {promise}" + (f"  [{detail}]" if detail else "")


def colon(ok, promise, detail):
    """PASS  promise: detail"""
    return f"{'PASS' if ok else 'FAIL'}  {promise}" + (f": {detail}" if detail else "")


def detail_on_failure(ok, promise, detail):
    """PASS  promise, or FAIL  promise with the detail indented on the next line."""
    if ok:
        return f"PASS  {promise}"
    return f"FAIL  {promise}" + (f"\n      {detail}" if detail else "")


def indented(ok, promise, detail):
    """  ok   promise: detail"""
    return f"  {'ok  ' if ok else 'FAIL'} {promise}" + (f": {detail}" if detail else "")


class Report:
    """Counts the checks of one test and prints each as it is made, in `style`."""

    def __init__(self, style=bracketed):
        self.style = style
        self.passed = self.failed = self.skipped = 0

    def check(self, ok, promise, detail=""):
        """One promise kept (ok) or broken; returns ok, so a check can guard what follows."""
        print(self.style(ok, promise, detail), flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return ok

    def skip(self, promise, why):
        """A check that cannot be made here: counted apart, never as passed."""
        self.skipped += 1
        print(f"  SKIP {promise}: {why}", flush=True)

    def note(self, text):
        print(f"NOTE  {text}", flush=True)

    def part(self, fn, *args):
        """Run fn(*args), a group of checks named check_<what>, under a "-- <what>" heading;
        an exception out of it is a failed check, never a pass."""
        print(f"-- {fn.__name__[6:].replace('_', ' ')}", flush=True)
        try:
            fn(*args)
        except Exception as e:
            self.check(False, f"{fn.__name__} ran to the end", f"{type(e).__name__}: {e}")

    def finish(self, work=None):
        """Remove the scratch folder `work` if nothing failed (else say where it is), print
        "N passed, N failed" and exit: 1 if a check failed, 77 if every check was skipped,
        else 0."""
        if self.skipped:
            print(f"\n{self.skipped} checks skipped (not counted as passed)")
        if work is not None:
            if self.failed == 0:
                shutil.rmtree(work, ignore_errors=True)
            else:
                print(f"files kept in {work}")
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else SKIP if self.skipped and not self.passed else 0)
