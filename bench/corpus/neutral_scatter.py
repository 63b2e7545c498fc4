#!/usr/bin/python3
"""How dry takes scatter around bx's neutral model: the figures reference
only rests on (src/neutral.h, run_reference in src/analysis.c).

Every dry take of the corpora given (c*_source.wav and c*_dry2.wav) is
measured at the neutral table's quarter-octave points (Welch, 8192-point
frames; mean power within +-1/8 octave), minus the table, its mean over
100 Hz - 10 kHz removed, and divided by the scatter the table's
interquartile ranges imply (IQR / 1.349). Over 60 Hz - 12 kHz it prints:

  - the standard deviation of those z-scores (NEUTRAL_TAIL_FACTOR: 1 for a
    normal distribution; the tails are heavier);
  - the 95th and 99th percentiles and the largest |z| once scaled by that
    factor (what REF_SCATTER_SDS is set against).

usage: neutral_scatter.py CORPUS_DIR...
"""
import glob
import os
import re
import sys

import numpy as np
import soundfile as sf
from scipy.signal import welch

here = os.path.dirname(os.path.abspath(__file__))


def table(name):
    src = open(os.path.join(here, "..", "..", "src", "neutral.c")).read()
    body = re.search(name + r"\[\] = \{([^}]*)\}", src).group(1)
    return np.array([float(v) for v in body.replace("\n", " ").split(",") if v.strip()])


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    t, iqr = table("table_db"), table("iqr_db")
    fc = 30.0 * 2.0 ** (np.arange(len(t)) / 4.0)
    z = []
    for corpus in sys.argv[1:]:
        takes = sorted(glob.glob(os.path.join(corpus, "c*_source.wav")) +
                       glob.glob(os.path.join(corpus, "c*_dry2.wav")))
        for path in takes:
            x, fs = sf.read(path, always_2d=True)
            f, p = welch(x.mean(axis=1), fs, nperseg=8192)
            lv = np.array([10 * np.log10(np.mean(p[(f >= c * 2 ** -0.125) & (f < c * 2 ** 0.125)])
                                         + 1e-30) for c in fc])
            d = lv - t
            d -= d[(fc >= 100) & (fc <= 10000)].mean()
            z.append(d / (iqr / 1.349))
    z = np.array(z)[:, (fc >= 60) & (fc <= 12000)]
    tail = z.std()
    a = np.abs(z).ravel() / tail
    print(f"{len(z)} dry takes; sd of z: {tail:.2f}")
    print("scaled |z|: p95 %.2f, p99 %.2f, largest %.2f" % tuple(np.quantile(a, [0.95, 0.99, 1.0])))


if __name__ == "__main__":
    main()
