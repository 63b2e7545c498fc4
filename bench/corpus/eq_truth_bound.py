#!/usr/bin/python3
"""How close a perfect --paired EQ can come to a corpus's stated truth: an oracle bound.

sanity.py scores a fitted EQ against the chain written in cases.json, drawn
with RBJ's cookbook formulas. The audio, though, was made by the program that
ran the chain (ffmpeg or SoX), and a program's shelf at "Q 0.707" need not be
RBJ's. This script sends an impulse through the EQ part of each case's chain,
run by that program exactly as the corpus maker runs it, and scores the
program's own response with sanity.py's metrics (RMS of the difference over
40 Hz - 16 kHz after removing its median over 100 Hz - 8 kHz; the largest
boost beyond the stated EQ, 20 Hz - 20 kHz). An analysis
that recovered the processor exactly would score this, not 0.

usage: eq_truth_bound.py EVAL_DIR CORPUS_DIR
  (a corpus from EVAL_DIR/make_corpus.py; corpus B's truth is a fit of the
   measured plugin responses, bench/corpus/make_plugin_corpus.py)
"""
import json, os, statistics, subprocess, sys, tempfile

import numpy as np
import soundfile as sf

sys.path.insert(0, sys.argv[1])
import make_corpus  # noqa: E402 (the evaluation kit's corpus maker: its process())

# the kit's RBJ model of the truth (sanity.py runs its main on import: take
# the definitions before it)
_kit = {}
exec(open(os.path.join(sys.argv[1], "sanity.py")).read().split("\ndef main")[0], _kit)
resp_db = _kit["resp_db"]

FS = 48000
N = 1 << 17


def measured_db(peer, eq, f, tmp):
    x = np.zeros(N)
    x[0] = 0.25
    src, dst = os.path.join(tmp, "imp.wav"), os.path.join(tmp, "out.wav")
    sf.write(src, x, FS, subtype="FLOAT")
    make_corpus.process(peer, {"eq": eq, "compressor": None}, src, dst)
    y, _ = sf.read(dst)
    y = y.mean(axis=1) if y.ndim > 1 else y
    h = np.abs(np.fft.rfft(y[:N], N)) / 0.25
    return 20 * np.log10(np.interp(f, np.fft.rfftfreq(N, 1 / FS), h) + 1e-30)


def main():
    cases = json.load(open(os.path.join(sys.argv[2], "cases.json")))
    f = np.geomspace(20, 20000, 121)  # sanity.py's grid and bands
    band, mid = (f >= 40) & (f <= 16000), (f >= 100) & (f <= 8000)
    errs = []
    with tempfile.TemporaryDirectory() as tmp:
        for c in cases:
            eq = (c.get("chain") or {}).get("eq") or []
            if not eq or c.get("kind") == "cross" or c.get("peer") not in ("ffmpeg", "sox"):
                continue
            d = measured_db(c["peer"], eq, f, tmp) - resp_db(eq, FS, f)
            d -= np.median(d[mid])
            e = float(np.sqrt(np.mean(d[band] ** 2)))
            errs.append(e)
            print(f"{c['id']} {c['peer']:6s} program vs stated EQ: {e:.2f} dB RMS, "
                  f"largest {np.max(np.abs(d[band])):.2f} dB, boost beyond it {np.max(d):.2f} dB "
                  f"at {f[np.argmax(d)]:.0f} Hz")
    if errs:
        print(f"median {statistics.median(errs):.2f} dB RMS over {len(errs)} cases")


if __name__ == "__main__":
    main()
