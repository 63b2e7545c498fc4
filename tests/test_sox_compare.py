#!/usr/bin/python3
"""test_sox_compare — `bxlive --render` agrees with SoX's RBJ cookbook filters.

Promise: for every band type (peak, low_shelf, high_shelf, highpass, lowpass),
at 20..40 Hz, in the mid range and at 8..15 kHz (and beyond at 96 kHz), with
boosts and cuts and q from 0.5 to 4, at 48 kHz and at 44.1 and 96 kHz, a
one-band preset rendered by bxlive matches SoX's filter of the same name with
the same parameters to an SNR of at least 100 dB over the whole file:

    SNR = 10 log10( sum(sox^2) / sum((bx - sox)^2) )

The input is white noise with peaks at -20 dBFS (2 channels, 32-bit float WAV,
from bxgen).

How the parameters map. In SoX 14.4.2 (src/biquads.c) a width written with
the suffix "q" is the cookbook's Q, alpha = sin(w0) / (2 Q), for all five
effects, and A = 10^(gain/40). The commands used are

    peak        equalizer F Qq G
    low_shelf   bass G F Qq
    high_shelf  treble G F Qq
    highpass    highpass F Qq     (two-pole, the default)
    lowpass     lowpass F Qq

which are the same designs bx's preset bands use, parameter for parameter.
The test does not take this on trust: for each case it asks SoX for its
normalised coefficients (`sox --plot data`) and checks them against the
cookbook formulas evaluated here, to 1e-12.

Why SoX is asked for 32-bit integer output. SoX filters in double, but moves
samples between effects as 32-bit integers (2^-31 of full scale, harmless
here). Its 32-bit *float* WAV writer, however, first rounds every sample to a
multiple of 2^-24 of full scale (sox.h, SOX_SAMPLE_TO_FLOAT_32BIT:
`((s + 64) & ~127) / 2^31`): a fixed-point grid, not float precision. That
rounding alone is noise at 2^-24 / sqrt(12), about -155 dBFS RMS, so
the float file can be no closer than (output RMS in dBFS + 155) dB to *any*
exact filter. A 20 Hz lowpass on -20 dBFS noise comes out near -56 dBFS RMS,
so its float output from SoX cannot reach 100 dB against anything (it measures
about 99 dB, while bx is within about 150 dB of an exact double-precision
cookbook filter). SoX's 32-bit integer output keeps its internal samples
unrounded, so the pass/fail comparison uses

    sox -V1 -D IN -e signed-integer -b 32 OUT.wav EFFECT

The command with the float writer,

    sox -V1 IN -e floating-point -b 32 OUT.wav EFFECT

is run as well: its SNR must be >= 100 dB whenever SoX's 2^-24 grid allows
that (the grid's own ceiling, computed from the reference's energy, is 103 dB
or more), and otherwise must be within 1 dB of that ceiling, i.e. every bit of
the deviation is explained by SoX's rounding.

If scipy is installed, the SNR of bx against a double-precision cookbook
filter (scipy.signal.lfilter) is printed too, for information.

Environment: BXLIVE, BXGEN (programs), BX_TEST_TMP (scratch folder).
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
try:
    from scipy.signal import lfilter
except ImportError:
    lfilter = None

SOX = shutil.which("sox") or bxtest.skip("sox not found on PATH")
BXLIVE, BXGEN = bxtest.programs("BXLIVE", "BXGEN")

SNR_MIN_DB = 100.0
GRID = 2.0 ** -24  # SoX 14.4.2's float writer rounds to multiples of this
COEF_TOL = 1e-12

# (type, freq_hz, gain_db, q, rate_hz); gain is ignored by highpass/lowpass
CASES = [
    ("peak", 20, 12, 0.5, 48000),
    ("peak", 35, -9, 4, 48000),
    ("peak", 1000, -6, 1.41, 48000),
    ("peak", 1000, 9, 0.707, 48000),
    ("peak", 12000, 6, 2, 48000),
    ("peak", 15000, -12, 0.5, 48000),
    ("low_shelf", 20, 12, 0.5, 48000),
    ("low_shelf", 40, -10, 1, 48000),
    ("low_shelf", 800, 6, 0.707, 48000),
    ("low_shelf", 8000, -6, 2, 48000),
    ("low_shelf", 15000, 3, 4, 48000),
    ("high_shelf", 25, -6, 0.707, 48000),
    ("high_shelf", 30, 9, 2, 48000),
    ("high_shelf", 3000, 6, 0.5, 48000),
    ("high_shelf", 10000, -12, 0.707, 48000),
    ("high_shelf", 15000, 6, 4, 48000),
    ("highpass", 20, 0, 0.5, 48000),
    ("highpass", 30, 0, 4, 48000),
    ("highpass", 1000, 0, 0.707, 48000),
    ("highpass", 8000, 0, 2, 48000),
    ("highpass", 15000, 0, 0.5, 48000),
    ("lowpass", 20, 0, 0.5, 48000),
    ("lowpass", 40, 0, 4, 48000),
    ("lowpass", 1000, 0, 0.707, 48000),
    ("lowpass", 8000, 0, 1, 48000),
    ("lowpass", 15000, 0, 4, 48000),
    ("peak", 16000, -6, 1, 44100),
    ("low_shelf", 30, 6, 1, 44100),
    ("lowpass", 20000, 0, 0.707, 44100),
    ("peak", 25, 10, 3, 96000),
    ("highpass", 20, 0, 0.707, 96000),
    ("high_shelf", 30000, -6, 0.7, 96000),
    ("lowpass", 40000, 0, 0.707, 96000),
]

HAS_GAIN = {"peak", "low_shelf", "high_shelf"}


def num(x):
    return f"{x:g}"


def sox_effect(t, f, g, q):
    if t == "peak":
        return ["equalizer", num(f), num(q) + "q", num(g)]
    if t == "low_shelf":
        return ["bass", num(g), num(f), num(q) + "q"]
    if t == "high_shelf":
        return ["treble", num(g), num(f), num(q) + "q"]
    return [t, num(f), num(q) + "q"]  # highpass, lowpass


def cookbook(t, f, g, q, fs):
    """Normalised RBJ cookbook coefficients (b0, b1, b2, 1, a1, a2)."""
    w0 = 2.0 * math.pi * f / fs
    cw, sw = math.cos(w0), math.sin(w0)
    alpha = sw / (2.0 * q)
    A = 10.0 ** (g / 40.0)
    s = 2.0 * math.sqrt(A) * alpha
    if t == "peak":
        b = [1 + alpha * A, -2 * cw, 1 - alpha * A]
        a = [1 + alpha / A, -2 * cw, 1 - alpha / A]
    elif t == "low_shelf":
        b = [A * ((A + 1) - (A - 1) * cw + s), 2 * A * ((A - 1) - (A + 1) * cw),
             A * ((A + 1) - (A - 1) * cw - s)]
        a = [(A + 1) + (A - 1) * cw + s, -2 * ((A - 1) + (A + 1) * cw),
             (A + 1) + (A - 1) * cw - s]
    elif t == "high_shelf":
        b = [A * ((A + 1) + (A - 1) * cw + s), -2 * A * ((A - 1) + (A + 1) * cw),
             A * ((A + 1) + (A - 1) * cw - s)]
        a = [(A + 1) - (A - 1) * cw + s, 2 * ((A - 1) - (A + 1) * cw),
             (A + 1) - (A - 1) * cw - s]
    elif t == "highpass":
        b = [(1 + cw) / 2, -(1 + cw), (1 + cw) / 2]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    else:
        b = [(1 - cw) / 2, 1 - cw, (1 - cw) / 2]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    return np.array(b) / a[0], np.array(a) / a[0]


def sox_coefs(src, effect):
    """SoX's own normalised coefficients, from `sox --plot data`."""
    p = subprocess.run([SOX, "--plot", "data", src, "-n"] + effect,
                       capture_output=True, text=True)
    vals = []
    for line in p.stdout.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            vals.append(float(line))
    if len(vals) != 6:
        return None, None
    return np.array(vals[:3]), np.array(vals[3:])


def run(cmd, what):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {p.returncode}): {' '.join(cmd)}\n"
                           f"{p.stderr.strip()}")
    return p


def snr_db(ref, y):
    err = np.sum((y - ref) ** 2)
    sig = np.sum(ref ** 2)
    return math.inf if err == 0 else 10.0 * math.log10(sig / err)


def main():
    work = bxtest.scratch("sox_compare-")
    rep = bxtest.Report()
    print(f"bxlive {BXLIVE}\nsox    {SOX}\nwork   {work}")
    print(f"promise: SNR(bx, SoX) >= {SNR_MIN_DB:g} dB for every case; SoX's "
          f"coefficients equal the cookbook's to {COEF_TOL:g}")
    worst = {}  # type -> (snr, case text)
    worst_f = {}  # type -> (snr, grid ceiling, case text), float-writer command
    noise = {}
    for i, (t, f, g, q, fs) in enumerate(CASES):
        gain = g if t in HAS_GAIN else 0.0
        label = f"{t} {num(f)} Hz" + (f" {num(gain):>3} dB" if t in HAS_GAIN else "") + \
            f" q {num(q)} @ {fs} Hz"
        try:
            src = noise.get(fs)
            if not src:
                src = os.path.join(work, f"noise{fs}.wav")
                run([BXGEN, "noise", src, "--seconds", "2", "--rate", str(fs), "--channels", "2",
                     "--level", "-20", "--seed", "11"], "bxgen")
                noise[fs] = src
            band = {"type": t, "freq_hz": f, "q": q}
            if t in HAS_GAIN:
                band["gain_db"] = g
            preset = os.path.join(work, f"case{i}.json")
            with open(preset, "w") as fh:
                json.dump({"bxpreset": 1, "name": label, "chain": {"eq": [band]}}, fh)
            out_bx = os.path.join(work, f"case{i}-bx.wav")
            out_si = os.path.join(work, f"case{i}-sox-i32.wav")
            out_sf = os.path.join(work, f"case{i}-sox-f32.wav")
            eff = sox_effect(t, f, gain, q)
            run([BXLIVE, preset, "--render", src, out_bx, "--quiet"], "bxlive")
            run([SOX, "-V1", "-D", src, "-e", "signed-integer", "-b", "32", out_si] + eff, "sox")
            run([SOX, "-V1", src, "-e", "floating-point", "-b", "32", out_sf] + eff, "sox")
        except RuntimeError as e:
            rep.check(False, f"{label}: bxlive and sox run", str(e))
            continue

        # the mapping: SoX's coefficients are the cookbook's for the same F, G, Q
        sb, sa = sox_coefs(src, eff)
        cb, ca = cookbook(t, f, gain, q, fs)
        if sb is None:
            rep.check(False, f"{label}: SoX coefficients are the cookbook's",
                      "could not read `sox --plot data`")
        else:
            dev = float(max(np.max(np.abs(sb - cb)), np.max(np.abs(sa - ca))))
            rep.check(dev <= COEF_TOL, f"{label}: SoX coefficients are the cookbook's",
                      f"max |diff| {dev:.2e}")

        x, _ = sf.read(src, dtype="float64", always_2d=True)
        bx, rbx = sf.read(out_bx, dtype="float64", always_2d=True)
        si, _ = sf.read(out_si, dtype="float64", always_2d=True)
        sfl, _ = sf.read(out_sf, dtype="float64", always_2d=True)
        if bx.shape != si.shape or bx.shape != x.shape or sfl.shape != si.shape or rbx != fs:
            rep.check(False, f"{label}: SNR >= {SNR_MIN_DB:g} dB",
                      f"shapes differ: in {x.shape}, bx {bx.shape}, sox {si.shape}/{sfl.shape}")
            continue
        out_rms = 10.0 * math.log10(np.mean(si ** 2))
        snr = snr_db(si, bx)
        info = f"SNR {snr:.1f} dB, SoX output {out_rms:.1f} dBFS RMS, peak " \
               f"{20 * math.log10(np.max(np.abs(si))):.1f} dBFS"
        if lfilter is not None:
            ref = lfilter(cb, ca, x, axis=0)
            info += f"; bx vs double cookbook {snr_db(ref, bx):.1f} dB"
        rep.check(snr >= SNR_MIN_DB and np.max(np.abs(si)) < 1.0,
                  f"{label}: SNR(bx, SoX) >= {SNR_MIN_DB:g} dB", info)
        if t not in worst or snr < worst[t][0]:
            worst[t] = (snr, label)

        # the float-writer command, with its own quantisation ceiling
        ceiling = 10.0 * math.log10(np.sum(sfl ** 2) / (sfl.size * GRID * GRID / 12.0))
        snr_f = snr_db(sfl, bx)
        if t not in worst_f or snr_f < worst_f[t][0]:
            worst_f[t] = (snr_f, ceiling, label)
        if ceiling >= SNR_MIN_DB + 3.0:
            rep.check(snr_f >= SNR_MIN_DB,
                      f"{label}: SNR(bx, SoX float WAV) >= {SNR_MIN_DB:g} dB",
                      f"SNR {snr_f:.1f} dB (SoX 2^-24 grid ceiling {ceiling:.1f} dB)")
        else:
            rep.check(snr_f >= ceiling - 1.0,
                      f"{label}: SNR(bx, SoX float WAV) within 1 dB of SoX's 2^-24 grid ceiling",
                      f"SNR {snr_f:.1f} dB, ceiling {ceiling:.1f} dB: 100 dB is out of reach "
                      f"for SoX's float writer here")

    print("worst SNR per type (bx vs SoX 32-bit integer output):")
    for t in ("peak", "low_shelf", "high_shelf", "highpass", "lowpass"):
        if t in worst:
            print(f"  {t:<10} {worst[t][0]:7.1f} dB  ({worst[t][1]})")
    print("worst SNR per type (bx vs SoX 32-bit float output, with SoX's grid ceiling):")
    for t in ("peak", "low_shelf", "high_shelf", "highpass", "lowpass"):
        if t in worst_f:
            s, c, lab = worst_f[t]
            print(f"  {t:<10} {s:7.1f} dB  (ceiling {c:.1f} dB; {lab})")
    rep.finish(work)


if __name__ == "__main__":
    main()
