#!/usr/bin/python3
"""x42-comp (darc.lv2), the design of bx's "power" detector, measured.

x42-comp follows the signal's power, not its amplitude: the mean square
plus the threshold's power is smoothed with the attack time, a release
stage of two one-pole filters in series holds its peaks, and the gain is
that power raised to a power: in dB a knee of the shape
10 log10(1 + 10^((L - T)/10)). bx's "power" detector (bxpreset 4) is that
design, and its "hold" the plugin's hold option (the release stops while
the signal stays under the threshold). This script renders dry takes
through the plugin (ffmpeg's lv2 filter) at three settings, the last with
hold, and through a model of the plugin written here in numpy from its
published source (the model's SNR against the plugin, start-up included:
the plugin glides its controls over its first 0.3 s), then fits each with
`bxanalyze --paired` and prints REF's peak (bx's output stops at 0 dBFS,
the plugin's does not), the chain's SNR, the detector and the preset's
warnings.

usage: darc_check.py BXANALYZE DRY.wav [DRY.wav ...]
Exit 77 if ffmpeg or the plugin (x42-plugins) is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf
from scipy.signal import lfilter

URI = "http://gareus.org/oss/lv2/darc#mono"
SETTINGS = (  # threshold dBFS, ratio control (0..1: 1 = infinite), attack s, release s, hold
    (-40.0, 0.6, 0.005, 0.15, 0),
    (-30.0, 0.3, 0.010, 0.30, 0),
    (-35.0, 1.0, 0.002, 0.08, 1),
)


def plugin(dry, out, s):
    thr, ratio, att, rel, hold = s
    ctl = f"threshold={thr}|Ratio={ratio}|attack={att}|release={rel}|hold={hold}"
    uri = URI.replace(":", "\\\\:")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", dry, "-af",
                    f"lv2=p={uri}:c={ctl}", "-c:a", "pcm_f32le", out], check=True)


def model(x, fs, s):
    """x42-comp's per-sample loop (input gain 0 dB, settings held constant)."""
    thr, ratio, att, rel, hold = s
    p_thr = 0.5 * 10 ** (0.1 * thr)
    w_att, w_rel = 0.5 / (fs * att), 3.5 / (fs * rel)
    r = 0.5 * ratio
    v = x.astype(np.float64) ** 2
    za1 = lfilter([w_att], [1, -(1 - w_att)], p_thr + v)  # za += w (p_thr + v - za)
    p_hold = 2 * p_thr if hold else 0.0
    zr1 = zr2 = 0.0
    zr = np.empty_like(za1)
    for j, a in enumerate(za1):
        h = a < p_hold
        if zr1 < a:
            zr1 = a
        elif not h:
            zr1 -= w_rel * zr1
        if zr2 < a:
            zr2 = a
        elif not h:
            zr2 += w_rel * (zr1 - zr2)
        zr[j] = zr2
    return x * np.exp(-r * np.log(20.0 * zr))


def snr(ref, got):
    n = min(len(ref), len(got))
    e = ref[:n] - got[:n]
    return 10 * np.log10(np.sum(ref[:n] ** 2) / max(np.sum(e ** 2), 1e-30))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    bxa, drys = sys.argv[1], sys.argv[2:]
    if not shutil.which("ffmpeg") or not shutil.which("lv2ls") or URI not in subprocess.run(
            ["lv2ls"], capture_output=True, text=True).stdout:
        print("skip: ffmpeg, lv2ls or x42-comp (x42-plugins) missing")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="darc.")
    print("setting (threshold, ratio control, attack, release, hold) | take | model vs plugin | "
          "REF peak | bx --paired SNR | detector | warnings")
    for s in SETTINGS:
        for dry in drys:
            ref = os.path.join(tmp, "ref.wav")
            plugin(dry, ref, s)
            x, fs = sf.read(dry, dtype="float32", always_2d=True)
            y, _ = sf.read(ref, dtype="float32", always_2d=True)
            m = model(x.mean(axis=1), fs, s)
            pj = os.path.join(tmp, "p.json")
            r = subprocess.run([bxa, ref, "--paired", dry, "-o", pj, "-q"], capture_output=True,
                               text=True)
            if r.returncode != 0:
                print(f"{s} | {os.path.basename(dry)} | bxanalyze failed: {r.stderr.strip()}")
                continue
            doc = json.load(open(pj))
            a = doc["analysis"]
            det = (doc["chain"].get("compressor") or {}).get("detector", "none")
            warns = ",".join(w["code"] for w in a["confidence"].get("warnings", []))
            peak = 20 * np.log10(np.max(np.abs(y)) + 1e-30)
            print(f"{s} | {os.path.basename(dry)} | {snr(y[:, 0], m):.1f} dB | {peak:+.1f} dBFS | "
                  f"{a['fit']['snr_db']:.1f} dB | {det} | {warns or '-'}")
    shutil.rmtree(tmp)


main()
