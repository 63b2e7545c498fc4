#!/usr/bin/python3
"""Why the check set's SWH SC4 (mono) cases score what they do: a bound.

SC4 mono's peak follower takes each input sample as it is, without its
absolute value: it rises on positive samples only and releases toward the
signed signal (below zero there is no gain reduction). This script renders
the take through a model of that compressor, written here in numpy from
the plugin's published algorithm and the controls the corpus recorded
(the drive before and after it, the attack and release rounded to the
plugin's 1/256 s steps, a new gain every 4 samples): as the plugin does
it, with the absolute value (as every peak detector of bx does), and with
a half-wave rectifier (max(x, 0)); it prints each one's SNR against the
case's truth.

Only cases with SC4 alone and RMS/peak = 1 (its peak follower): the RMS
follower's window is not modelled here.

usage: sc4_bound.py CORPUS_DIR   (a check set: make_plugin_corpus.py --plugins check)
"""
import json
import math
import os
import sys

import numpy as np
import soundfile as sf


def coef(ms, fs):
    """The plugin's one-pole coefficient for a time in ms: time constants in 1/256 s steps."""
    i = int(round(ms * 0.001 * 255))
    return 1.0 if i == 0 else math.exp(-1.0 / (fs * i / 256.0))


def render(x, fs, c, drive_db, rectify):
    """x through the model of SC4 mono's peak mode with controls c; rectify: None (the
    plugin's own: the sample as it is), "full" (|x|) or "half" (max(x, 0))."""
    drive = 10 ** (drive_db / 20)
    att, rel = c["Attack time (ms)"], c["Release time (ms)"]
    thr, ratio, knee = c["Threshold level (dB)"], c["Ratio (1:n)"], c["Knee radius (dB)"]
    ga = 0.0 if att < 2 else coef(att, fs)
    gr = coef(rel, fs)
    rs = (ratio - 1) / ratio
    lo, hi = 10 ** ((thr - knee) / 20), 10 ** ((thr + knee) / 20)
    smooth = ga * 0.25
    env = gain = target = 0.0
    out = np.empty(len(x))
    for n, v in enumerate((x * drive).astype(np.float32).tolist()):
        lev = abs(v) if rectify == "full" else max(v, 0.0) if rectify == "half" else v
        env = env * ga + lev * (1 - ga) if lev > env else env * gr + lev * (1 - gr)
        if n % 4 == 3:
            if env <= lo:
                target = 1.0
            elif env < hi:
                k = (20 * math.log10(env) - (thr - knee)) / knee
                target = 10 ** (-knee * rs * k * k * 0.25 / 20)
            else:
                target = 10 ** ((thr - 20 * math.log10(env)) * rs / 20)
        gain = gain * smooth + target * (1 - smooth)
        out[n] = v * gain
    return out / drive * 10 ** (c["Makeup gain (dB)"] / 20)


def mono(path):
    x, fs = sf.read(path, always_2d=True)
    return x.mean(axis=1), fs


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    corpus = sys.argv[1]
    cases = json.load(open(os.path.join(corpus, "cases.json")))
    cases = cases["cases"] if isinstance(cases, dict) else cases
    for case in cases:
        comp = case.get("plugin", {}).get("compressor") or {}
        c = comp.get("controls", {})
        if case["peer"] != "swh-sc4" or c.get("RMS/peak") != 1.0:
            continue
        x, fs = mono(os.path.join(corpus, case["id"] + "_source.wav"))
        t, _ = mono(os.path.join(corpus, case["id"] + "_truth.wav"))
        row = []
        for label, rectify in (("as SC4 mono does it", None), ("with |x|", "full"),
                               ("with max(x, 0)", "half")):
            y = render(x, fs, c, comp.get("drive_db", 0.0), rectify)
            n = min(len(y), len(t))
            snr = 10 * np.log10(np.sum(t[:n] ** 2) / np.sum((t[:n] - y[:n]) ** 2))
            row.append(f"{label} {snr:.1f} dB")
        print(case["id"], "; ".join(row))


if __name__ == "__main__":
    main()
