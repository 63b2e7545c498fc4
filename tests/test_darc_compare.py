#!/usr/bin/python3
"""test_darc_compare — the "power" detector agrees with a real plugin, x42-comp.

Promise: a preset whose compressor uses `"detector": "power"` (bxpreset 4,
no limiter), rendered by bxlive, matches x42-comp (x42-plugins' darc.lv2,
mono, run by ffmpeg's `lv2` filter) with the corresponding settings to an
SNR of at least SNR_MIN_DB, on 5 s of decaying noise bursts between -50 and
-13 dBFS (seeded; quieter than the other plugin tests: x42-comp adds its
gain at silence, up to +16 dB here, and bx's output stops at 0 dBFS), for
three settings from fast and hard to slow and gentle:

    SNR = 10 log10( sum(plugin^2) / sum((bx - plugin)^2) )

over the samples from SKIP_S on: the plugin glides its controls from their
defaults to the settings over its first 0.3 s.

Why they can agree: x42-comp averages the signal's square plus half the
threshold's power with a one-pole of weight 0.5 / (fs attack), holds its
peaks through two one-pole release stages of weight 3.5 / (fs release) in
series, and multiplies by (20 q)^(-ratio / 2) of the held power q: the
design bx/comp.h documents for "power". In bx's terms the threshold is the
plugin's less 3.01 dB (bx's mean square of a full-scale sine is 0.5), the
ratio 1 / (1 - ratio control), the attack and release time constants those
of the plugin's one-pole weights (about twice its attack, and its release
over 3.5), and the makeup the plugin's
built-in gain at silence, -(ratio control) (10 + threshold) dB. The plugin
runs in single precision, which bounds the agreement (measured 114-131 dB).

Control: the same settings on bx's "rms" detector with its nearest
quadratic knee (24 dB) stay below CONTROL_MAX_DB, so the test tells the
two designs apart.

Second promise: `bxanalyze REF --paired DRY` on 12 s of such bursts
through x42-comp (threshold -30 dBFS, ratio control 0.5, attack 5 ms,
release 150 ms; and ratio control 0.6, release 200 ms with hold) finds
the "power" detector with hold where the plugin holds and without it
where not, its ratio within 15 % and its threshold within 1.5 dB,
reproduces the plugin to at least 40 dB SNR (from SKIP_S on), and writes
"bxpreset": 4.

Environment: BXLIVE, BXANALYZE (programs), BX_TEST_TMP (scratch folder).
Exit status: 0 all passed, 1 a check failed, 77 skipped (ffmpeg, its lv2
filter, x42-comp (x42-plugins), numpy or soundfile missing).
"""

import json
import math
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
import bxtest

np = bxtest.need("numpy")
sf = bxtest.need("soundfile")
FFMPEG = shutil.which("ffmpeg") or bxtest.skip("ffmpeg not found on PATH")
BXLIVE, BXANALYZE = bxtest.programs("BXLIVE", "BXANALYZE")

URI = "http://gareus.org/oss/lv2/darc#mono"
SNR_MIN_DB = 90.0
SKIP_S = 0.5
LEVEL = 10 ** (-10 / 20)  # the bursts, 10 dB down
CONTROL_MAX_DB = 40.0
FS = 48000
# the plugin's threshold dBFS, ratio control (0..1), attack s, release s, hold
CASES = [(-30.0, 0.5, 0.005, 0.15, 0), (-30.0, 0.8, 0.001, 0.05, 0), (-20.0, 0.3, 0.02, 0.5, 0),
         (-30.0, 0.7, 0.002, 0.08, 1)]
# --paired's cases: the plugin without hold and with it
PAIRED_CASES = [(-30.0, 0.5, 0.005, 0.15, 0), (-30.0, 0.6, 0.005, 0.2, 1)]


def darc(src, dst, t, r, a, rel, hold=0):
    controls = f"threshold={t}|Ratio={r}|attack={a}|release={rel}|hold={hold}"
    uri = URI.replace(":", "\\\\:")
    bxtest.run_ok([FFMPEG, "-v", "error", "-y", "-i", src, "-af", f"lv2=p={uri}:c={controls}",
                   "-c:a", "pcm_f32le", dst], "ffmpeg x42-comp")


def bx_settings(t, r, a, rel, hold=0):
    """The plugin's controls as bx's compressor (see above); its hold is bx's."""
    def tau_ms(w):  # the time constant of the one-pole y += w (x - y), ms
        return -1000 / (FS * math.log(1 - w))
    return {"threshold_db": t + 10 * math.log10(0.5), "ratio": 1 / (1 - r),
            "attack_ms": tau_ms(0.5 / (FS * a)), "release_ms": tau_ms(3.5 / (FS * rel)),
            "makeup_db": -r * (10 + t), **({"hold": True} if hold else {})}


def snr(ref, got):
    k = int(SKIP_S * FS)
    return bxtest.snr_db(ref[k:], got[k:])


def preset(path, comp, detector):
    c = dict(comp, detector=detector)
    if detector != "power":
        c["knee_db"] = 24
        c.pop("hold", None)
    with open(path, "w") as f:
        json.dump({"bxpreset": 4, "name": f"{detector} detector",
                   "chain": {"eq": [], "compressor": c}}, f)


def main():
    work = bxtest.scratch("darc-")
    rep = bxtest.Report()
    src = os.path.join(work, "in.wav")
    sf.write(src, (LEVEL * bxtest.bursts(1, 5, FS)).astype(np.float32), FS, subtype="FLOAT")
    ref = os.path.join(work, "darc.wav")
    try:
        darc(src, ref, *CASES[0])
    except RuntimeError as e:
        bxtest.skip(f"ffmpeg cannot run x42-comp here (Debian: apt-get install x42-plugins): "
                    f"{str(e).splitlines()[-1]}")
    print(f"promise: SNR(bx power detector, x42-comp) >= {SNR_MIN_DB:g} dB; "
          f"the rms detector < {CONTROL_MAX_DB:g} dB")
    for case in CASES:
        t, r, a, rel, hold = case
        label = f"threshold {t} dBFS, ratio control {r}, attack {a * 1e3:g} ms, " \
                f"release {rel * 1e3:g} ms" + (", hold" if hold else "")
        darc(src, ref, *case)
        z, _ = sf.read(ref)
        got = {}
        for det in ("power", "rms") + (("power without hold",) if hold else ()):
            p, out = os.path.join(work, f"{det}.json"), os.path.join(work, f"{det}.wav")
            if det == "power without hold":
                preset(p, bx_settings(*case[:4]), "power")
            else:
                preset(p, bx_settings(*case), det)
            bxtest.run_ok([BXLIVE, p, "--render", src, out], "bxlive --render")
            got[det] = snr(z, sf.read(out)[0])
        rep.check(got["power"] >= SNR_MIN_DB, f"{label}: power detector SNR >= {SNR_MIN_DB:g} dB",
                  f"SNR {got['power']:.1f} dB")
        rep.check(got["rms"] < CONTROL_MAX_DB,
                  f"{label}: control, the rms detector stays under {CONTROL_MAX_DB:g} dB",
                  f"SNR {got['rms']:.1f} dB")
        if hold:
            rep.check(got["power without hold"] < CONTROL_MAX_DB,
                      f"{label}: control, the power detector without hold stays under "
                      f"{CONTROL_MAX_DB:g} dB", f"SNR {got['power without hold']:.1f} dB")

    # --paired identifies the plugin's design, and its hold
    dry = os.path.join(work, "dry12.wav")
    sf.write(dry, (LEVEL * bxtest.bursts(7, 12, FS)).astype(np.float32), FS, subtype="FLOAT")
    ref = os.path.join(work, "darc12.wav")
    for case in PAIRED_CASES:
        want = bx_settings(*case)
        hold = bool(case[4])
        darc(dry, ref, *case)
        doc, comp, s = bxtest.paired_fit(BXANALYZE, BXLIVE, ref, dry, work, snr)
        ok = (comp.get("detector") == "power" and bool(comp.get("hold", False)) == hold
              and abs(comp.get("threshold_db", 0) - want["threshold_db"]) <= 1.5
              and abs(comp.get("ratio", 0) / want["ratio"] - 1) <= 0.15 and s >= 40
              and doc["bxpreset"] == 4)
        rep.check(ok, f"--paired identifies x42-comp{' with hold' if hold else ''}: power "
                  f"detector{' with hold' if hold else ' without hold'}, threshold within 1.5 dB, "
                  "ratio within 15 %, SNR >= 40 dB, written as bxpreset 4",
                  f"fitted {json.dumps(comp)}; want {json.dumps(want)}; SNR {s:.1f} dB; "
                  f"bxpreset {doc['bxpreset']}")
    rep.finish(work)


if __name__ == "__main__":
    main()
