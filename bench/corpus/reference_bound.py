#!/usr/bin/python3
"""How far a reference alone can take the spectral shape: an oracle bound.

For each same-kit case (c*) of a corpus, REF's 1/3-octave spectrum minus
bx's neutral model (src/neutral.c, read from the source) is applied to
the take times a constant k, and the scorer's shape distance to the truth
is measured. The best k is then chosen per corpus afterwards, which no
analysis of one reference can do: the median at that k bounds what a
shrunk reference-minus-neutral correction can reach.

usage: reference_bound.py EVAL_DIR CORPUS_DIR
"""
import glob, os, re, sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, sys.argv[1])
from score import BANDS, bands_db, mono  # noqa: E402 (the evaluation kit's scorer)


def table(name):
    src = open(os.path.join(here, "..", "..", "src", "neutral.c")).read()
    body = re.search(name + r"\[\] = \{([^}]*)\}", src).group(1)
    return np.array([float(v) for v in body.replace("\n", " ").split(",") if v.strip()])


def main():
    t = table("table_db")
    f = np.array(BANDS)
    pos = np.clip(4 * np.log2(f / 30), 0, len(t) - 1)
    # the table is power per bin; a 1/3-octave band holds ~f worth of bins
    neutral = np.interp(pos, np.arange(len(t)), t) + 10 * np.log10(f)
    rows = []
    for s in sorted(glob.glob(os.path.join(sys.argv[2], "c*_source.wav"))):
        c = s[: -len("_source.wav")]
        src, truth, ref = (bands_db(mono(c + x)) for x in ("_source.wav", "_truth.wav", "_reference.wav"))
        dev = ref - neutral
        rows.append((src - truth, dev - dev.mean()))
    shape = lambda e: np.mean(np.abs(e - e.mean()))
    med = lambda k: float(np.median([shape(b + k * d) for b, d in rows]))
    best = min((med(k), k) for k in np.linspace(0, 1, 41))
    print(f"{len(rows)} cases: median shape {med(0):.2f} dB untouched, "
          f"{best[0]:.2f} dB at the best k = {best[1]:.3f}")


if __name__ == "__main__":
    main()
