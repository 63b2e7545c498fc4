#!/usr/bin/python3
"""Why the check set's SWH SC4 (mono) cases score what they do: a bound.

SC4 mono's peak follower takes each input sample as it is, without its
absolute value: it rises on positive samples only and releases toward the
signed signal (below zero there is no gain reduction). Its RMS follower
follows, with the same attack and release, the RMS of the last 256 samples
(64 means of 4 squared samples), read every 4 samples. This script renders
the take through a model of that compressor, written here in numpy from
the plugin's published algorithm and the controls the corpus recorded
(the drive before and after it, the attack and release rounded to the
plugin's 1/256 s steps, a new gain every 4 samples, the RMS/peak control
mixing the two followers): as the plugin does it and, where its peak
follower counts, with the absolute value (as every peak detector of bx
does) and with a half-wave rectifier (max(x, 0)); it prints each one's SNR
against the case's truth. With BUILD (a bx build folder) it also renders
the take with bxlive through the chain the corpus recorded (bx's
parameters for the plugin's settings), once with each of bx's detectors
("rms_level" averaging over 0.7 of the plugin's window).

Only cases with SC4 alone.

usage: sc4_bound.py CORPUS_DIR [BUILD]   (a check set: make_plugin_corpus.py --plugins check)
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf

DETECTORS = ("peak", "rms", "level", "branch", "rms_level")
WINDOW = 256  # samples in SC4's RMS window
WINDOW_TO_TAU = 0.7  # a one-pole mean square over 0.7 of a sliding window's length


def coef(ms, fs):
    """The plugin's one-pole coefficient for a time in ms: time constants in 1/256 s steps."""
    i = int(round(ms * 0.001 * 255))
    return 1.0 if i == 0 else math.exp(-1.0 / (fs * i / 256.0))


def render(x, fs, c, drive_db, rectify):
    """x through the model of SC4 mono with controls c; rectify: None (the plugin's own
    peak follower: the sample as it is), "full" (|x|) or "half" (max(x, 0))."""
    drive = 10 ** (drive_db / 20)
    att, rel = c["Attack time (ms)"], c["Release time (ms)"]
    thr, ratio, knee = c["Threshold level (dB)"], c["Ratio (1:n)"], c["Knee radius (dB)"]
    mix = c["RMS/peak"]
    ga = 0.0 if att < 2 else coef(att, fs)
    gr = coef(rel, fs)
    rs = (ratio - 1) / ratio
    lo, hi = 10 ** ((thr - knee) / 20), 10 ** ((thr + knee) / 20)
    smooth = ga * 0.25
    env_pk = env_rms = amp = acc = 0.0
    gain = target = 0.0
    ring = [0.0] * 64  # the RMS window: 64 means of 4 squared samples
    ring_sum, ring_pos = 0.0, 0
    out = np.empty(len(x))
    for n, v in enumerate((x * drive).astype(np.float32).tolist()):
        acc += v * v
        if amp > env_rms:
            env_rms = env_rms * ga + amp * (1 - ga)
        else:
            env_rms = env_rms * gr + amp * (1 - gr)
        lev = abs(v) if rectify == "full" else max(v, 0.0) if rectify == "half" else v
        env_pk = env_pk * ga + lev * (1 - ga) if lev > env_pk else env_pk * gr + lev * (1 - gr)
        if n % 4 == 3:
            ring_sum += acc * 0.25 - ring[ring_pos]
            ring[ring_pos] = acc * 0.25
            ring_pos = (ring_pos + 1) % 64
            amp = math.sqrt(max(ring_sum, 0.0) / 64)
            acc = 0.0
            env = env_rms + mix * (env_pk - env_rms)
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


def render_bx(build, src, fs, chain, detector, tmp):
    """src through bxlive --render with the corpus's chain, its detector replaced ("rms_level"
    averaging over 0.7 of SC4's window)."""
    comp = dict(chain["compressor"], detector=detector)
    if detector == "rms_level":
        comp["rms_ms"] = WINDOW_TO_TAU * WINDOW / fs * 1000
    preset = {"bxpreset": 3, "name": "sc4 bound", "chain": {"eq": chain.get("eq", []), "compressor": comp}}
    path, out = os.path.join(tmp, "p.json"), os.path.join(tmp, "out.wav")
    with open(path, "w") as f:
        json.dump(preset, f)
    subprocess.run([os.path.join(build, "bxlive"), path, "--render", src, out, "-q"], check=True)
    return mono(out)[0]


def snr_db(t, y):
    n = min(len(y), len(t))
    return 10 * np.log10(np.sum(t[:n] ** 2) / np.sum((t[:n] - y[:n]) ** 2))


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    corpus = sys.argv[1]
    build = sys.argv[2] if len(sys.argv) == 3 else None
    cases = json.load(open(os.path.join(corpus, "cases.json")))
    cases = cases["cases"] if isinstance(cases, dict) else cases
    for case in cases:
        comp = case.get("plugin", {}).get("compressor") or {}
        c = comp.get("controls", {})
        if case["peer"] != "swh-sc4":
            continue
        src = os.path.join(corpus, case["id"] + "_source.wav")
        x, fs = mono(src)
        t, _ = mono(os.path.join(corpus, case["id"] + "_truth.wav"))
        variants = [("as SC4 mono does it", None)]
        if c["RMS/peak"] > 0:
            variants += [("with |x|", "full"), ("with max(x, 0)", "half")]
        row = []
        for label, rectify in variants:
            y = render(x, fs, c, comp.get("drive_db", 0.0), rectify)
            row.append(f"{label} {snr_db(t, y):.1f} dB")
        if build:
            with tempfile.TemporaryDirectory() as tmp:
                for det in DETECTORS:
                    y = render_bx(build, src, fs, case["chain"], det, tmp)
                    row.append(f"bx {det} {snr_db(t, y):.1f} dB")
        mode = {0.0: "RMS", 1.0: "peak"}.get(c["RMS/peak"], "mixed")
        print(case["id"], f"({mode})", "; ".join(row))


if __name__ == "__main__":
    main()
