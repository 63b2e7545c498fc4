#!/usr/bin/python3
"""How far level statistics of another performance can take --source's compressor: an oracle.

For each case whose chain compresses, --source fits its compressor so that
the take, compressed, has the reference's dynamics signature (quantiles of
its 10 ms and 50 ms envelopes and its crest; bx/compfit.h). The reference is
another performance, though. This script puts the processor's own
compressor, as bx models it (fitted with --paired on the truth and the take:
an oracle no user has), into the --source preset in place of the one found,
and reports for both:
  - the scorer's spread, crest and envelope distances to the truth (the
    oracle render brought to the truth's loudness);
  - the signature distance to the reference that --source minimises (a port
    of bx_dynsig_distance).
When the oracle's signature distance is larger than the found compressor's,
the statistics of the other performance prefer the wrong compressor: no
search over them can find the right one.

usage: dynamics_bound.py EVAL_DIR CORPUS_DIR BUILD_DIR
"""
import json, os, statistics, subprocess, sys, tempfile

import numpy as np

sys.path.insert(0, sys.argv[1])
from score import compare, lufs, mono  # noqa: E402 (the evaluation kit's scorer)

FS = 48000
PCT = [5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98, 99.5]  # bx_dynsig_percent


def signature(x):
    """bx_dynsig_compute: 0.5 ms blocks, 10 and 50 ms frames within 60 dB of the loudest."""
    blk = FS // 2000
    nb = len(x) // blk
    ms = np.mean(x[: nb * blk].reshape(nb, blk) ** 2, axis=1)
    q = []
    for fb in (20, 100):
        nf = nb // fb
        lv = np.mean(ms[: nf * fb].reshape(nf, fb), axis=1) + 1e-20
        lv = lv[lv >= lv.max() * 1e-6]
        q.append(np.percentile(10 * np.log10(lv), PCT))
    pk = np.max(np.abs(x[: nb * blk].reshape(nb, blk)), axis=1)
    crest = 20 * np.log10(np.percentile(pk, 99.9) + 1e-12) - 10 * np.log10(np.mean(ms) + 1e-24)
    return np.concatenate(q), crest


def distance(a, b):
    """bx_dynsig_distance: RMS over the quantiles with the best offset, plus the crest."""
    d = b[0] - a[0]
    d = d - d.mean()
    return float(np.sqrt((np.sum(d * d) + (b[1] - a[1]) ** 2) / (len(d) + 1)))


def main():
    corpus, build = sys.argv[2], sys.argv[3]
    bxa, bxl = os.path.join(build, "bxanalyze"), os.path.join(build, "bxlive")
    cases = json.load(open(os.path.join(corpus, "cases.json")))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        T = lambda name: os.path.join(tmp, name)

        def render(preset, src, name):
            subprocess.run([bxl, preset, "--render", src, T(name), "-q"], check=True)
            return mono(T(name))

        for c in cases:
            cid = c["id"]
            P = lambda k: os.path.join(corpus, f"{cid}_{k}.wav")
            if c.get("kind") == "cross" or not (c.get("chain") or {}).get("compressor"):
                continue
            subprocess.run([bxa, P("truth"), "--paired", P("source"), "-o", T("p.json"), "-q"], check=True)
            subprocess.run([bxa, P("reference"), "--source", P("source"), "-o", T("s.json"), "-q"], check=True)
            paired, found = json.load(open(T("p.json"))), json.load(open(T("s.json")))
            if not paired["chain"].get("compressor"):
                print(f"{cid}: --paired keeps no compressor (the processor barely acts); skipped")
                continue
            oracle = json.loads(json.dumps(found))
            oracle["chain"]["compressor"] = paired["chain"]["compressor"]
            oracle["bxpreset"] = max(found["bxpreset"], paired["bxpreset"])
            json.dump(oracle, open(T("o.json"), "w"))
            truth, sig_ref = mono(P("truth")), signature(mono(P("reference")))
            y_found = render(T("s.json"), P("source"), "found.wav")
            y_oracle = render(T("o.json"), P("source"), "oracle.wav")
            y_oracle *= 10 ** ((lufs(truth) - lufs(y_oracle)) / 20)
            m_f, m_o = compare(y_found, truth, True), compare(y_oracle, truth, True)
            d_f, d_o = distance(signature(y_found), sig_ref), distance(signature(y_oracle), sig_ref)
            rows.append((m_f, m_o, d_f, d_o))
            print(f"{cid} found {'on ' if found['chain'].get('compressor') else 'off'}: "
                  f"spread {m_f['spread_db']:.2f} crest {m_f['crest_db']:.2f} env {m_f['env_db']:.2f} "
                  f"signature {d_f:.2f} | oracle: spread {m_o['spread_db']:.2f} crest {m_o['crest_db']:.2f} "
                  f"env {m_o['env_db']:.2f} signature {d_o:.2f}", flush=True)
    if rows:
        med = lambda i, k: statistics.median(r[i][k] for r in rows)
        print(f"median over {len(rows)} cases: found spread {med(0, 'spread_db'):.2f} crest "
              f"{med(0, 'crest_db'):.2f} env {med(0, 'env_db'):.2f}; oracle spread {med(1, 'spread_db'):.2f} "
              f"crest {med(1, 'crest_db'):.2f} env {med(1, 'env_db'):.2f}; the reference's statistics prefer "
              f"the found compressor in {sum(r[2] < r[3] for r in rows)} of {len(rows)}")


if __name__ == "__main__":
    main()
