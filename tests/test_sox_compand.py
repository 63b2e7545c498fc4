#!/usr/bin/python3
"""test_sox_compand — the compressor's "level" detector agrees with SoX's compand.

Promise: a preset whose compressor uses `"detector": "level"` (hard knee, no
makeup, no limiter), rendered by bxlive, matches SoX's `compand` with the same
attack, release, threshold and ratio to an SNR of at least 90 dB, on 5 s of
decaying noise bursts between -40 and -3 dBFS (seeded), for three settings
from fast and hard to slow and gentle:

    SNR = 10 log10( sum(sox^2) / sum((bx - sox)^2) )

Why they can agree. SoX's compand (src/compand.c) follows the rectified
input with a one-pole that rises with coefficient 1 - exp(-1/(rate attack))
and falls with 1 - exp(-1/(rate decay)), and applies its transfer function to
that level at once: the design bx/comp.h documents for "level". The transfer
function given to SoX is the same static curve,

    compand A,R 0.01:-120,-120,T,T,0,T+(0-T)/RATIO 0 -120 0

(identity up to T dBFS, slope 1/RATIO above; a 0.01 dB soft knee, SoX's
smallest; gain 0; initial level -120 dB, as bx starts from silence; no delay).
SoX is asked for 32-bit integer output (see test_sox_compare for why).

Second promise: with `"start_level_db": 0`, the same preset matches compand
as SoX runs it by default, its detector starting at full scale (initial
level 0 dB: the first second is compressed hard, then let go over the
release time), to the same 90 dB SNR (first setting).

Third promise: `bxanalyze REF --paired DRY` identifies compand as SoX runs
it by default: for 12 s of the same kind of bursts through compand
(threshold -30 dBFS, ratio 4, 5 ms / 200 ms, hard knee), the fitted
compressor has the "level" detector, a threshold within 1.5 dB, a ratio
within 15 %, a starting level within 1 dB of 0 dBFS, and the render matches
SoX to at least 30 dB SNR over the whole file. (Fitted without a starting
level the render misses the first 2 s: 14 dB SNR over the whole file.)
bxanalyze leaves REF's first 2 s out of the compressor's own fit and fits
the starting level afterwards, on the first 3 s.

Fourth promise: a compand that seldom acts after its start (threshold
-8 dBFS, just under the loudest bursts, ratio 6, 18 ms / 250 ms, SoX's
6 dB soft knee, default start at full scale) is found too: `--paired`
reaches at least 40 dB SNR over the whole file. After the first 2 s the
chain is an EQ alone to 130 dB, so what the compressor did is only in the
squeezed start; before bx let the whole file choose between chains with and
without a compressor refitted there, this case reached 23.8 dB. The SNR
bxanalyze reports in the preset (analysis.fit.snr_db) is the one measured
here on `bxlive --render`'s output, within 0.05 dB.

Environment: BXLIVE, BXANALYZE (programs), BX_TEST_TMP (scratch folder).
Exit status: 0 all passed, 1 a check failed, 77 skipped (sox, numpy or
soundfile missing).
"""

import json
import math
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import bxtest

np = bxtest.need("numpy")
sf = bxtest.need("soundfile")
SOX = shutil.which("sox") or bxtest.skip("sox not found on PATH")
BXLIVE, BXANALYZE = bxtest.programs("BXLIVE", "BXANALYZE")

SNR_MIN_DB = 90.0
FS = 48000
# threshold_db, ratio, attack_ms, release_ms
CASES = [(-30, 4, 5, 100), (-20, 8, 1, 50), (-40, 2, 20, 300)]


def bursts(seed=1, seconds=5):
    return bxtest.bursts(seed, seconds, FS)


def run(cmd, what):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {p.returncode}): {' '.join(cmd)}\n"
                           f"{p.stderr.strip()}")


def main():
    work = bxtest.scratch("sox_compand-")
    rep = bxtest.Report()
    src = os.path.join(work, "in.wav")
    sf.write(src, bursts().astype(np.float32), FS, subtype="FLOAT")
    print(f"promise: SNR(bx level detector, SoX compand) >= {SNR_MIN_DB:g} dB")
    for t, r, a, rel in CASES:
        label = f"threshold {t} dBFS, ratio {r}:1, attack {a} ms, release {rel} ms"
        preset = os.path.join(work, "p.json")
        with open(preset, "w") as f:
            json.dump({"bxpreset": 1, "name": "level detector",
                       "chain": {"eq": [], "compressor": {
                           "threshold_db": t, "ratio": r, "knee_db": 0, "attack_ms": a,
                           "release_ms": rel, "makeup_db": 0, "detector": "level"}}}, f)
        bx_out, sox_out = os.path.join(work, "bx.wav"), os.path.join(work, "sox.wav")
        run([BXLIVE, preset, "--render", src, bx_out], "bxlive --render")
        top = t + (0 - t) / r
        run([SOX, "-V1", "-D", src, "-e", "signed-integer", "-b", "32", sox_out, "compand",
             f"{a / 1000:g},{rel / 1000:g}", f"0.01:-120,-120,{t},{t},0,{top:g}", "0", "-120", "0"],
            "sox compand")
        b, _ = sf.read(bx_out)
        s, _ = sf.read(sox_out)
        err = np.sum((b - s) ** 2)
        snr = math.inf if err == 0 else 10 * math.log10(np.sum(s ** 2) / err)
        # the compressor must have been working: the energy drops by more than 3 dB
        x = bursts()[:len(s)]
        squeeze = 10 * math.log10(np.sum(x ** 2) / np.sum(s ** 2))
        rep.check(snr >= SNR_MIN_DB and squeeze > 3, f"{label}: SNR >= {SNR_MIN_DB:g} dB",
                  f"SNR {snr:.1f} dB, energy reduced by {squeeze:.1f} dB")

    # the starting level: compand with its default initial level (0 dB)
    t, r, a, rel = CASES[0]
    preset = os.path.join(work, "p0.json")
    with open(preset, "w") as f:
        json.dump({"bxpreset": 1, "name": "level detector from full scale",
                   "chain": {"eq": [], "compressor": {
                       "threshold_db": t, "ratio": r, "knee_db": 0, "attack_ms": a,
                       "release_ms": rel, "makeup_db": 0, "detector": "level",
                       "start_level_db": 0}}}, f)
    bx_out, sox_out = os.path.join(work, "bx0.wav"), os.path.join(work, "sox0.wav")
    run([BXLIVE, preset, "--render", src, bx_out], "bxlive --render")
    run([SOX, "-V1", "-D", src, "-e", "signed-integer", "-b", "32", sox_out, "compand",
         f"{a / 1000:g},{rel / 1000:g}", f"0.01:-120,-120,{t},{t},0,{t + (0 - t) / r:g}", "0"],
        "sox compand (default initial level)")
    b, _ = sf.read(bx_out)
    s, _ = sf.read(sox_out)
    err = np.sum((b - s) ** 2)
    snr = math.inf if err == 0 else 10 * math.log10(np.sum(s ** 2) / err)
    rep.check(snr >= SNR_MIN_DB, f"start_level_db 0 = compand's default initial level: SNR >= "
              f"{SNR_MIN_DB:g} dB", f"SNR {snr:.1f} dB")

    # --paired against compand as SoX runs it by default (detector from full scale)
    t, r, a, rel = -30.0, 4.0, 5.0, 200.0
    dry = os.path.join(work, "dry12.wav")
    sf.write(dry, bursts(seed=7, seconds=12).astype(np.float32), FS, subtype="FLOAT")
    ref = os.path.join(work, "sox12.wav")
    run([SOX, "-V1", "-D", dry, "-e", "floating-point", "-b", "32", ref, "compand",
         f"{a / 1000:g},{rel / 1000:g}", f"0.01:-120,-120,{t},{t},0,{t + (0 - t) / r:g}", "0"],
        "sox compand (default initial level)")
    fit = os.path.join(work, "fit.json")
    run([BXANALYZE, ref, "--paired", dry, "-o", fit, "--bands", "1"], "bxanalyze --paired")
    with open(fit) as f:
        comp = json.load(f)["chain"].get("compressor") or {}
    out = os.path.join(work, "fit.wav")
    run([BXLIVE, fit, "--render", dry, out], "bxlive --render")
    b, _ = sf.read(out)
    s, _ = sf.read(ref)
    snr_all = 10 * math.log10(np.sum(s ** 2) / max(np.sum((b - s) ** 2), 1e-30))
    start = comp.get("start_level_db")
    ok = (comp.get("detector") == "level" and abs(comp.get("threshold_db", 0) - t) <= 1.5
          and abs(comp.get("ratio", 0) / r - 1) <= 0.15 and start is not None
          and abs(start) <= 1.0 and snr_all >= 30)
    rep.check(ok, "--paired identifies compand started at full scale: level detector, "
              "threshold within 1.5 dB, ratio within 15 %, start within 1 dB of 0 dBFS, "
              "SNR >= 30 dB over the whole file",
              f"fitted {json.dumps(comp)}; SNR {snr_all:.1f} dB")

    # a compand that seldom acts after its squeezed start
    t, r, a, rel = -8.0, 6.0, 18.0, 250.0
    ref = os.path.join(work, "sox12b.wav")
    run([SOX, "-V1", "-D", dry, "-e", "floating-point", "-b", "32", ref, "compand",
         f"{a / 1000:g},{rel / 1000:g}", f"6:-120,-120,{t},{t},0,{t + (0 - t) / r:g}", "0"],
        "sox compand (soft knee, default initial level)")
    run([BXANALYZE, ref, "--paired", dry, "-o", fit, "--bands", "1"], "bxanalyze --paired")
    run([BXLIVE, fit, "--render", dry, out], "bxlive --render")
    b, _ = sf.read(out)
    s, _ = sf.read(ref)
    snr_all = 10 * math.log10(np.sum(s ** 2) / max(np.sum((b - s) ** 2), 1e-30))
    with open(fit) as f:
        fitted = json.load(f)
    comp = fitted["chain"].get("compressor")
    rep.check(snr_all >= 40, "--paired finds a compand that acts mostly in its squeezed start: "
              "SNR >= 40 dB over the whole file", f"fitted {json.dumps(comp)}; SNR {snr_all:.1f} dB")
    reported = fitted["analysis"]["fit"].get("snr_db")
    rep.check(reported is not None and abs(reported - snr_all) <= 0.05,
              "the preset's analysis.fit.snr_db is the render's SNR against REF (within 0.05 dB)",
              f"reported {reported}, measured {snr_all:.3f} dB")
    rep.finish(work)


if __name__ == "__main__":
    main()
