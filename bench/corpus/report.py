#!/usr/bin/python3
"""Markdown tables from bench/corpus/evaluate.sh's scores (medians over the cases).

usage: report.py SCORES_DIR
"""
import json
import os
import sys

METRICS = [("ltas_db", "LTAS, dB"), ("shape_db", "shape, dB"), ("loud_lu", "loudness, LU"),
           ("sce_hz", "centroid, Hz"), ("spread_db", "spread, dB"), ("crest_db", "crest, dB"),
           ("env_db", "envelope, dB"), ("mrstft", "MRSTFT"), ("snr_db", "SNR, dB")]


def load(d, name):
    p = os.path.join(d, name)
    return json.load(open(p)) if os.path.exists(p) else None


def main():
    d = sys.argv[1]
    bx, rule, mg, san = (load(d, n) for n in ("bx.json", "rule.json", "matchering.json", "sanity.json"))
    s = bx["summary"]
    cols = [("bx `--source`", s.get("source", {}))]
    if mg:
        cols.append(("Matchering 2.0", mg["summary"]["source"]))
    if rule:
        cols.append(("rule-based peer", rule["summary"]["source"]))
    cols.append(("unprocessed", {k: s["source"].get("base_" + k) for k, _ in METRICS}))
    print("| metric | " + " | ".join(c for c, _ in cols) + " |")
    print("|---|" + "---|" * len(cols))
    for k, label in METRICS[:-1]:
        print(f"| {label} | " + " | ".join(str(v.get(k, "–")) for _, v in cols) + " |")
    print()
    for mode in ("paired", "reference"):
        if mode not in s:
            continue
        keys = METRICS if mode == "paired" else METRICS[:-1]
        print(f"| metric | bx {'--paired' if mode == 'paired' else 'reference only'} | unprocessed |")
        print("|---|---|---|")
        for k, label in keys:
            if k in s[mode]:
                print(f"| {label} | {s[mode][k]} | {s[mode].get('base_' + k, '–')} |")
        print()
    times = {m: sorted(r["analyze_s"] for r in bx["rows"] if r["mode"] == m and "analyze_s" in r)
             for m in ("paired", "source", "reference")}
    print("| analysis time, s (median) | " + " | ".join(
        f"{m} {t[len(t) // 2]:.2f}" for m, t in times.items() if t) + " |")
    print()
    if san:
        print("| sanity | presets | not signable | EQ error, dB RMS (median) | largest boost beyond the truth, dB |")
        print("|---|---|---|---|---|")
        for m, v in san["summary"].items():
            print(f"| {m} | {v['presets']} | {v['insane']} | {v['eq_err_db'] if v['eq_err_db'] is not None else '–'} "
                  f"| {v['boost_db_max'] if v['boost_db_max'] is not None else '–'} |")


if __name__ == "__main__":
    main()
