#!/usr/bin/python3
"""test_analyze_evidence — presets a sound engineer would sign, and the fit says how sure it is.

  - degenerate inputs get a sane preset and the warning that fits them
    (analysis.confidence.warnings, and the same lines in the summary):
      clicks as the take      -> the take does not resemble REF or the EQ cannot follow,
                                 no compressor fitted to the mismatch (compressor_misfit)
      a sine / noise as take  -> few_hits, no compressor
      speech as the take      -> the take does not resemble REF
      a sine / noise as REF   -> reference_only, few_hits, no compressor
      a groove as REF alone   -> reference_only
    and a take of the same kind as REF gets none of those;
  - reference only: no REF gets a compressor (its threshold needs the input's
    level, which REF does not give); the same groove through ffmpeg's limiter
    gets the "reference_compressed" warning (the evidence test), the dry
    groove none; the preset keeps the input's loudness within 1 LU at the
    assumed level, 12 dB under and 6 dB over it;
  - reference only: an EQ only for what lies beyond how dry takes differ
    (3 of their standard deviations): none for the dry groove (the warning
    says why) nor for it through a dip as deep as dry takes reach; a cut
    for it through a -24 dB, two-octave dip at 2 kHz, which brings the
    groove closer to REF's spectral shape;
  - property: random chains of bx's own (highpass, shelves, 1-2 bells, a
    compressor with any of bx's seven detectors, or none) over generated
    takes, fitted with --paired and with --source: every preset passes the
    sanity rules (checked here independently of the fitter: every band in
    20 Hz .. min(20 kHz, 0.45 fs), no Q on the preset's limits 0.1 / 40, no
    bell narrower than Q 8 under 100 Hz, no two bells within 1/6 octave with
    opposite gains, no boost over +6 dB by a band centred under 60 Hz, no low
    and high shelf at one frequency with one gain and Q: a level change),
    and on the EQ-only chains a --source EQ boosts at most 3 dB beyond the
    true EQ anywhere from 20 Hz to 20 kHz (RBJ responses computed here);
  - analysis.confidence has a confidence in 0..1 for every band and, when a
    compressor was fitted, for it and each of its four time/level parameters;
  - --paired with a compressor that seldom acts (ffmpeg's acompressor a few
    dB under the groove's peaks, after an EQ): a sane preset, no compressor
    setting on the end of its range, and a compressor kept with less
    evidence in the gain trace than it needs says so (compressor_faint).

Audio from bxgen and numpy (seeded; the seed is printed); speech from
espeak-ng (that case is skipped without it). Exit status: 0 all passed,
1 a check failed, 77 skipped.
"""

import json
import math
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import bxtest

np = bxtest.need("numpy")
sf = bxtest.need("soundfile")
BXANALYZE, BXGEN, BXLIVE = bxtest.programs("BXANALYZE", "BXGEN", "BXLIVE")
REP = bxtest.Report()
work = bxtest.scratch("analyze_evidence.")
FS = 48000
SEED = 2026


def path(name):
    return os.path.join(work, name)


def gen(*args):
    subprocess.run([BXGEN, *args], check=True, capture_output=True)


def analyze(ref, out, *extra):
    r = subprocess.run([BXANALYZE, ref, "-o", out, *extra], capture_output=True, text=True,
                       timeout=300)
    preset = json.load(open(out)) if r.returncode == 0 and os.path.exists(out) else None
    return r, preset


def insane(preset, fs):
    """The sanity rules, independently of the fitter: the faults found."""
    why = []
    eq = preset["chain"].get("eq", [])
    hi = min(20000.0, 0.45 * fs)
    for i, b in enumerate(eq):
        f, q, g = float(b["freq_hz"]), float(b.get("q", 0.7071)), float(b.get("gain_db", 0))
        if f < 20 or f > hi:
            why.append(f"band {i} at {f:.1f} Hz")
        if q <= 0.1001 or q >= 39.9:
            why.append(f"band {i} Q {q:g} on a preset limit")
        if b["type"] == "peak" and f < 100 and q > 8:
            why.append(f"bell {i} Q {q:.1f} at {f:.0f} Hz")
        if b["type"] in ("peak", "low_shelf") and f < 60 and g > 6.0 + 1e-6:
            why.append(f"band {i} boosts {g:+.1f} dB at {f:.0f} Hz")
    # a low and a high shelf at one frequency with one gain and Q are only a level change
    shelves = [b for b in eq if b["type"] in ("low_shelf", "high_shelf")]
    for i in range(len(shelves)):
        for j in range(i + 1, len(shelves)):
            a, c = shelves[i], shelves[j]
            if (a["type"] != c["type"] and abs(math.log(a["freq_hz"] / c["freq_hz"])) < 0.01
                    and abs(a["gain_db"] - c["gain_db"]) < 0.01 * max(abs(a["gain_db"]), 0.1)
                    and abs(math.log(a.get("q", 0.7071) / c.get("q", 0.7071))) < 0.01):
                why.append(f"shelves at {a['freq_hz']:.0f} Hz only change the level")
    peaks = [b for b in eq if b["type"] == "peak"]
    for i in range(len(peaks)):
        for j in range(i + 1, len(peaks)):
            a, c = peaks[i], peaks[j]
            if abs(math.log2(a["freq_hz"] / c["freq_hz"])) < 1 / 6 and a["gain_db"] * c["gain_db"] < 0:
                why.append(f"bells at {a['freq_hz']:.0f}/{c['freq_hz']:.0f} Hz cancel")
    return why


def eq_db(bands, freqs, fs):
    """Magnitude response (dB) of RBJ cookbook bands at freqs, computed here."""
    z = np.exp(-2j * np.pi * np.asarray(freqs) / fs)
    h = np.ones(len(z), dtype=complex)
    for b in bands:
        t, f0, q = b["type"], float(b["freq_hz"]), float(b.get("q", 0.7071))
        A = 10 ** (float(b.get("gain_db", 0)) / 40)
        w = 2 * math.pi * f0 / fs
        cw, al = math.cos(w), math.sin(w) / (2 * q)
        s = 2 * math.sqrt(A) * al
        if t == "peak":
            bb, aa = [1 + al * A, -2 * cw, 1 - al * A], [1 + al / A, -2 * cw, 1 - al / A]
        elif t == "low_shelf":
            bb = [A * ((A + 1) - (A - 1) * cw + s), 2 * A * ((A - 1) - (A + 1) * cw),
                  A * ((A + 1) - (A - 1) * cw - s)]
            aa = [(A + 1) + (A - 1) * cw + s, -2 * ((A - 1) + (A + 1) * cw), (A + 1) + (A - 1) * cw - s]
        elif t == "high_shelf":
            bb = [A * ((A + 1) + (A - 1) * cw + s), -2 * A * ((A - 1) + (A + 1) * cw),
                  A * ((A + 1) + (A - 1) * cw - s)]
            aa = [(A + 1) - (A - 1) * cw + s, 2 * ((A - 1) - (A + 1) * cw), (A + 1) - (A - 1) * cw - s]
        elif t == "highpass":
            bb, aa = [(1 + cw) / 2, -(1 + cw), (1 + cw) / 2], [1 + al, -2 * cw, 1 - al]
        elif t == "lowpass":
            bb, aa = [(1 - cw) / 2, 1 - cw, (1 - cw) / 2], [1 + al, -2 * cw, 1 - al]
        else:
            raise ValueError(t)
        h *= (bb[0] + bb[1] * z + bb[2] * z * z) / (aa[0] + aa[1] * z + aa[2] * z * z)
    return 20 * np.log10(np.abs(h) + 1e-30)


def boost_beyond(fit, truth, fs):
    """The largest boost of the fitted EQ over the true one, 20 Hz - 20 kHz, dB,
    the two levelled by their median difference over 100 Hz - 8 kHz (the
    make-up gain may carry the level): (dB, Hz)."""
    f = np.geomspace(20, 20000, 121)
    d = eq_db(fit, f, fs) - eq_db(truth, f, fs)
    d -= np.median(d[(f >= 100) & (f <= 8000)])
    return float(d.max()), float(f[int(d.argmax())])


def confidence_ok(preset):
    """analysis.confidence is complete and in range: a list of what is wrong."""
    a = json.loads(json.dumps(preset.get("analysis", {})))
    c = a.get("confidence")
    if not isinstance(c, dict):
        return ["no analysis.confidence"]
    bad = []
    bands = c.get("eq", {}).get("bands", [])
    if len(bands) != len(preset["chain"].get("eq", [])):
        bad.append(f"{len(bands)} band confidences for {len(preset['chain'].get('eq', []))} bands")
    for k, b in enumerate(bands):
        if not 0 <= b.get("confidence", -1) <= 1:
            bad.append(f"band {k} confidence {b.get('confidence')}")
    comp = c.get("compressor")
    if comp is not None and "evidence_z" in comp:  # reference only: weighed, not fitted
        if not isinstance(comp.get("kept"), bool) or not comp.get("evidence_needed_z", 0) > 0:
            bad.append(f"compressor evidence {comp}")
        elif comp["kept"] != (comp["evidence_z"] > comp["evidence_needed_z"]):
            bad.append(f"compressor kept={comp['kept']} at z {comp['evidence_z']}")
        elif comp["kept"] != ("compressor" in preset["chain"]):
            bad.append("compressor kept but not in the chain, or the other way")
    elif comp is not None:
        cons = comp.get("constrained", {})
        if sorted(cons) not in (["attack", "ratio", "release", "threshold"],
                                ["attack", "ratio", "release", "rms_ms", "threshold"]):
            bad.append(f"compressor parameters {sorted(cons)}")
        for k, v in list(cons.items()) + [("confidence", comp.get("confidence", -1))]:
            if not 0 <= v <= 1:
                bad.append(f"compressor {k} {v}")
    if not isinstance(c.get("warnings"), list):
        bad.append("no warnings list")
    return bad


def warnings_of(preset):
    return preset.get("analysis", {}).get("confidence", {}).get("warnings", [])


def codes(preset):
    return {w.get("code") for w in warnings_of(preset)}


def degenerate():
    print("\ndegenerate inputs: a sane preset and the right warning")
    gen("take", path("groove.wav"), "--seconds", "20", "--seed", "3")
    gen("take", path("groove2.wav"), "--seconds", "20", "--seed", "4")
    gen("noise", path("noise.wav"), "--seconds", "10", "--level", "-20", "--seed", "5")
    gen("sine", path("sine.wav"), "--freq", "440", "--seconds", "10", "--level", "-12")
    x = np.zeros(FS * 10)
    n = np.arange(200)
    for i in range(0, len(x), FS // 2):  # a metronome: 2 clicks a second
        x[i:i + 200] += 0.5 * np.sin(2 * np.pi * 2000 * n / FS) * np.exp(-n / 30)
    sf.write(path("clicks.wav"), x, FS, subtype="PCM_24")
    have_speech = shutil.which("espeak-ng") is not None
    if have_speech:
        subprocess.run(["espeak-ng", "-w", path("speech.wav"),
                        "This is plain speech, with no percussion at all, spoken slowly so that "
                        "the analysis hears a voice and nothing else."], check=True)

    # (label, REF, --source take or None, warnings expected: all of / one of, no compressor)
    cases = [
        ("clicks as the take", "groove.wav", "clicks.wav", [], ["take_unlike_reference", "eq_misfit"],
         True),
        ("clicks as the take", "groove.wav", "clicks.wav", ["compressor_misfit"], [], True),
        ("a sine as the take", "groove.wav", "sine.wav", ["few_hits"], [], True),
        ("noise as the take", "groove.wav", "noise.wav", ["few_hits"], [], True),
        ("speech as the take", "groove.wav", "speech.wav", ["take_unlike_reference"], [], False),
        ("a sine as REF", "sine.wav", None, ["reference_only", "few_hits"], [], True),
        ("noise as REF", "noise.wav", None, ["reference_only", "few_hits"], [], True),
        ("a groove as REF alone", "groove.wav", None, ["reference_only"], [], False),
    ]
    for label, ref, take, all_of, one_of, no_comp in cases:
        if "speech" in label and not have_speech:
            REP.skip(f"[{label}] preset is sane, warns", "espeak-ng is not installed")
            continue
        out = path(f"deg-{len(os.listdir(work))}.json")
        extra = ["--source", path(take)] if take else []
        r, p = analyze(path(ref), out, *extra)
        if not REP.check(p is not None, f"[{label}] bxanalyze exits 0 with a preset",
                         f"exit {r.returncode}: {r.stderr.strip()[-200:]}"):
            continue
        why = insane(p, FS)
        REP.check(not why, f"[{label}] every band is one an engineer would sign", "; ".join(why))
        got = codes(p)
        for code in all_of:
            REP.check(code in got, f"[{label}] warns {code}", f"warnings: {sorted(got)}")
        if one_of:
            REP.check(bool(got & set(one_of)), f"[{label}] warns one of {one_of}",
                      f"warnings: {sorted(got)}")
        if no_comp:
            REP.check(p["chain"].get("compressor") is None, f"[{label}] no compressor",
                      f"compressor {p['chain'].get('compressor')}")
        texts = [w.get("text") for w in warnings_of(p)]
        REP.check(all(t and t in r.stdout for t in texts),
                  f"[{label}] the summary prints every warning", r.stdout[-400:])
        bad = confidence_ok(p)
        REP.check(not bad, f"[{label}] analysis.confidence is complete and in range", "; ".join(bad))

    out = path("same-kind.json")
    r, p = analyze(path("groove.wav"), out, "--source", path("groove2.wav"))
    if REP.check(p is not None, "[a take like REF] bxanalyze exits 0", r.stderr[-200:]):
        unwanted = codes(p) & {"few_hits", "take_unlike_reference", "compressor_misfit",
                               "level_jump", "reference_only"}
        REP.check(not unwanted, "[a take like REF] none of the degenerate-input warnings",
                  f"warnings: {sorted(unwanted)}")


def random_chain(rng):
    eq = []
    if rng.random() < 0.6:
        eq.append({"type": "highpass", "freq_hz": round(rng.uniform(30, 110)), "q": 0.7071})
    eq.append({"type": "low_shelf", "freq_hz": round(rng.uniform(70, 250)),
               "gain_db": round(rng.uniform(-8, 8), 1), "q": 0.7071})
    for _ in range(rng.randint(1, 2)):
        eq.append({"type": "peak", "freq_hz": round(10 ** rng.uniform(math.log10(200), math.log10(7000))),
                   "gain_db": round(rng.uniform(-9, 9), 1), "q": round(rng.uniform(0.6, 4.0), 2)})
    eq.append({"type": "high_shelf", "freq_hz": round(rng.uniform(3000, 11000)),
               "gain_db": round(rng.uniform(-7, 7), 1), "q": 0.7071})
    comp = None
    if rng.random() < 0.75:
        comp = {"threshold_db": round(rng.uniform(-34, -14), 1), "ratio": round(rng.uniform(1.5, 8), 1),
                "knee_db": round(rng.uniform(0, 12), 1), "attack_ms": round(rng.uniform(0.5, 30), 1),
                "release_ms": round(rng.uniform(30, 400)), "makeup_db": round(rng.uniform(0, 8), 1),
                "detector": rng.choice(["peak", "rms", "level", "branch", "rms_level", "power",
                                        "mean_level"])}
        if comp["detector"] == "rms_level":
            comp["rms_ms"] = round(rng.uniform(1, 12), 1)
        if comp["detector"] == "mean_level":
            comp["mean_ms"] = round(rng.uniform(1, 12), 1)
        if comp["detector"] == "power":  # its knee is its own
            del comp["knee_db"]
    chain = {"eq": eq, "limiter": {"ceiling_db": 0}}
    if comp:
        chain["compressor"] = comp
    return {"bxpreset": 4, "name": "random", "chain": chain}


# --source on an EQ-only chain: the largest boost beyond the true EQ the fit may make, dB
# (the target of the evaluation's sanity check; the seed's EQ-only chain measured +0.2 dB)
BOOST_MAX_DB = 3.0


def property_random_chains(n=6):
    print(f"\nproperty: random chains, --paired and --source presets are sane (seed {SEED})")
    rng = random.Random(SEED)
    for k in range(n):
        chain = random_chain(rng)
        a, b = path(f"prop-{k}-a.wav"), path(f"prop-{k}-b.wav")
        gen("take", a, "--seconds", "12", "--seed", str(100 + 2 * k))
        gen("take", b, "--seconds", "12", "--seed", str(101 + 2 * k))
        pj = path(f"prop-{k}.json")
        json.dump(chain, open(pj, "w"))
        ref_a, ref_b = path(f"prop-{k}-a-ref.wav"), path(f"prop-{k}-b-ref.wav")
        for src, dst in ((a, ref_a), (b, ref_b)):
            subprocess.run([BXLIVE, pj, "--render", src, dst], check=True, capture_output=True)
        desc = ", ".join(f"{e['type']} {e['freq_hz']}" for e in chain["chain"]["eq"])
        comp = chain["chain"].get("compressor")
        desc += f"; {comp['detector']} compressor" if comp else "; no compressor"
        for mode, args in (("paired", [ref_a, "--paired", a]), ("source", [ref_b, "--source", a])):
            r, p = analyze(args[0], path(f"prop-{k}-{mode}.json"), *args[1:])
            if not REP.check(p is not None, f"[chain {k}, --{mode}] exits 0", r.stderr[-200:]):
                continue
            why = insane(p, FS)
            REP.check(not why, f"[chain {k}, --{mode}] every band is sane ({desc})", "; ".join(why))
            if mode == "source" and not comp:
                # nothing but the EQ shapes the spectrum: no boost the chain does not make
                db, at = boost_beyond(p["chain"].get("eq", []), chain["chain"]["eq"], FS)
                REP.check(db <= BOOST_MAX_DB,
                          f"[chain {k}, --source] at most {BOOST_MAX_DB:g} dB of boost beyond the "
                          "true EQ", f"{db:+.1f} dB at {at:.0f} Hz")
            bad = confidence_ok(p)
            REP.check(not bad, f"[chain {k}, --{mode}] analysis.confidence complete", "; ".join(bad))


def loudness_lufs(x):
    """BS.1770 integrated loudness of a 48 kHz mono signal (K-weighting, 400 ms blocks,
    absolute and relative gates), for the level checks; independent of bx."""
    from scipy.signal import lfilter
    b1, a1 = [1.53512485958697, -2.69169618940638, 1.19839281085285], [1.0, -1.69065929318241,
                                                                        0.73248077421585]
    b2, a2 = [1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621]
    y = lfilter(b2, a2, lfilter(b1, a1, x))
    blk, hop = int(0.4 * FS), int(0.1 * FS)
    z = np.array([np.mean(y[i:i + blk] ** 2) for i in range(0, len(y) - blk + 1, hop)])
    z = z[-0.691 + 10 * np.log10(z + 1e-20) > -70]
    rel = -0.691 + 10 * np.log10(np.mean(z)) - 10
    z = z[-0.691 + 10 * np.log10(z) > rel]
    return -0.691 + 10 * np.log10(np.mean(z))


def reference_only():
    """REF alone: never a compressor (its threshold would need the input's level, which REF
    does not give), but the evidence of one reported; the input's loudness kept (within
    LEVEL_LU) at any level."""
    LEVEL_LU = 1.0
    ASSUMED_RMS_DB = -28.0  # the live input level reference only assumes (src/neutral.h)
    print("\nreference only: no compressor, its evidence reported, the level left alone")
    if not os.path.exists(path("groove.wav")):
        gen("take", path("groove.wav"), "--seconds", "20", "--seed", "3")
    refs = [("the dry groove", path("groove.wav"), False)]
    if shutil.which("ffmpeg"):
        # ffmpeg's look-ahead limiter, 24 dB into it: the groove's crest falls ~10 dB
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", path("groove.wav"), "-af",
                        "alimiter=level_in=16:limit=0.5:attack=1:release=50",
                        path("limited.wav")], check=True)
        refs.append(("the groove through a limiter", path("limited.wav"), True))
    else:
        REP.skip("[a limited groove as REF] the evidence of a compressor is reported",
                 "ffmpeg is not installed")
    dry, _ = sf.read(path("groove.wav"), dtype="float64")
    dry *= 10 ** ((ASSUMED_RMS_DB - 10 * np.log10(np.mean(dry ** 2))) / 20)
    for label, ref, want in refs:
        out = path(f"ref-only-{len(os.listdir(work))}.json")
        r, p = analyze(ref, out)
        if not REP.check(p is not None, f"[{label} as REF] bxanalyze exits 0", r.stderr[-200:]):
            continue
        c = p.get("analysis", {}).get("confidence", {}).get("compressor") or {}
        warned = "reference_compressed" in codes(p)
        REP.check("compressor" not in p["chain"] and c.get("kept") is False and warned == want,
                  f"[{label} as REF] no compressor; "
                  + ("the evidence of one is reported, pointing to --source" if want
                     else "no sign of one reported"),
                  f"evidence {c}, warnings {sorted(codes(p))}")
        for gain in (0.0, -12.0, +6.0):
            x = dry * 10 ** (gain / 20)
            sf.write(path("in.wav"), x, FS, subtype="FLOAT")
            rr = subprocess.run([BXLIVE, out, "--render", path("in.wav"), path("out.wav")],
                                capture_output=True, text=True, timeout=120)
            if not REP.check(rr.returncode == 0, f"[{label} as REF] bxlive renders", rr.stderr):
                break
            y, _ = sf.read(path("out.wav"), dtype="float64")
            d = loudness_lufs(y) - loudness_lufs(x)
            REP.check(abs(d) <= LEVEL_LU,
                      f"[{label} as REF] the take at {gain:+g} dB from the assumed level "
                      f"comes out as loud as it went in (within {LEVEL_LU:g} LU)", f"{d:+.2f} LU")


def third_octave_db(x):
    """Mean power in third-octave bands, 100 Hz - 10 kHz (numpy's FFT over 8192-sample frames)."""
    n = 8192
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[::n // 2] * np.hanning(n)
    p = np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0)
    f = np.fft.rfftfreq(n, 1.0 / FS)
    centres = 100.0 * 2.0 ** (np.arange(21) / 3.0)
    return np.array([10 * np.log10(np.mean(p[(f >= c * 2 ** (-1 / 6)) & (f < c * 2 ** (1 / 6))])
                                   + 1e-30) for c in centres])


def shape_db(a, b):
    """The mean |difference| of two third-octave spectra once their mean difference is removed."""
    d = third_octave_db(a) - third_octave_db(b)
    return float(np.mean(np.abs(d - np.mean(d))))


def reference_only_eq():
    """REF alone: an EQ only for what lies beyond how dry takes differ. The dry groove gets none
    (and says so), nor does it with a dip as deep as dry takes show at their extremes; the
    groove through a deep, wide cut (ffmpeg's equalizer, -24 dB two octaves wide at 2 kHz: far
    beyond any dry take) gets a cut there, and the groove through that preset is closer to REF
    in spectral shape than the groove itself."""
    print("\nreference only: an EQ only for what dry takes do not show")
    if not os.path.exists(path("groove.wav")):
        gen("take", path("groove.wav"), "--seconds", "20", "--seed", "3")
    r, p = analyze(path("groove.wav"), path("ref-dry.json"))
    if REP.check(p is not None, "[the dry groove as REF] bxanalyze exits 0", r.stderr[-200:]):
        said = [w["text"] for w in warnings_of(p) if w["code"] == "reference_only"]
        REP.check(not p["chain"].get("eq") and any("no EQ is set" in m for m in said),
                  "[the dry groove as REF] no EQ, and the warning says why",
                  f"eq {p['chain'].get('eq')}, reference_only: {said}")
    if not shutil.which("ffmpeg"):
        REP.skip("[a deep cut as REF] an EQ that brings the take closer", "ffmpeg is not installed")
        return
    # a dip as deep as dry takes reach at the edge of their scatter (-13 dB, 1.5 octaves wide
    # at 2 kHz: about 4 of their standard deviations there; the Gaussian shrinkage bx used
    # before set a -5.1 dB bell for it)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", path("groove.wav"), "-af",
                    "equalizer=f=2000:t=o:w=1.5:g=-13", path("edge.wav")], check=True)
    r, p = analyze(path("edge.wav"), path("ref-edge.json"))
    if REP.check(p is not None, "[a dry take's deepest timbre as REF] bxanalyze exits 0",
                 r.stderr[-200:]):
        REP.check(not p["chain"].get("eq"), "[a dry take's deepest timbre as REF] no EQ",
                  f"eq {p['chain'].get('eq')}")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", path("groove.wav"), "-af",
                    "equalizer=f=2000:t=o:w=2:g=-24", path("cut.wav")], check=True)
    r, p = analyze(path("cut.wav"), path("ref-cut.json"))
    if not REP.check(p is not None, "[a deep cut as REF] bxanalyze exits 0", r.stderr[-200:]):
        return
    eq = p["chain"].get("eq", [])
    REP.check(any(b.get("gain_db", 0) <= -3 and 1000 <= b["freq_hz"] <= 4000 for b in eq),
              "[a deep cut as REF] a cut of 3 dB or more between 1 and 4 kHz", f"eq {eq}")
    rr = subprocess.run([BXLIVE, path("ref-cut.json"), "--render", path("groove.wav"),
                         path("cut-out.wav")], capture_output=True, text=True, timeout=120)
    if not REP.check(rr.returncode == 0, "[a deep cut as REF] bxlive renders", rr.stderr):
        return
    x, _ = sf.read(path("groove.wav"), dtype="float64")
    y, _ = sf.read(path("cut-out.wav"), dtype="float64")
    ref, _ = sf.read(path("cut.wav"), dtype="float64")
    before, after = shape_db(x, ref), shape_db(y, ref)
    REP.check(after < before - 0.5,
              "[a deep cut as REF] the groove through the preset is closer to REF's spectral "
              "shape by 0.5 dB or more", f"{before:.2f} -> {after:.2f} dB")


def faint_compressor():
    print("\n--paired: a compressor that seldom acts")
    if not shutil.which("ffmpeg"):
        REP.skip("[a faint compressor] --paired says how sure it is", "ffmpeg is not installed")
        return
    if not os.path.exists(path("groove.wav")):
        gen("take", path("groove.wav"), "--seconds", "20", "--seed", "3")
    # the groove peaks at -6 dBFS; the EQ lifts them a little, the compressor catches the top
    for threshold in (0.3, 0.25):
        label = f"[acompressor threshold {threshold} after an EQ, --paired]"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", path("groove.wav"), "-af",
                        "lowshelf=f=120:g=-4,equalizer=f=3500:t=q:w=1.5:g=5,"
                        f"acompressor=threshold={threshold}:ratio=4:attack=5:release=120",
                        path("faint.wav")], check=True)
        r, p = analyze(path("faint.wav"), path("faint.json"), "--paired", path("groove.wav"))
        if not REP.check(p is not None, f"{label} bxanalyze exits 0", r.stderr[-200:]):
            continue
        REP.check(not insane(p, FS), f"{label} the preset is sane", "; ".join(insane(p, FS)))
        comp = p.get("analysis", {}).get("confidence", {}).get("compressor") or {}
        short = comp.get("improvement_db", 0) < comp.get("improvement_needed_db", 0)
        REP.check("compressor_at_limit" not in codes(p)
                  and (not ("compressor" in p["chain"] and short) or "compressor_faint" in codes(p)),
                  f"{label} no compressor setting on its limit; one kept on thin evidence "
                  "says so (compressor_faint)",
                  f"compressor {p['chain'].get('compressor')}, evidence {comp}, "
                  f"warnings {sorted(codes(p))}")


degenerate()
reference_only()
reference_only_eq()
faint_compressor()
property_random_chains()
REP.finish(work)
