#!/usr/bin/python3
"""test_presets_shipped — the presets in presets/ work, sound different, and
the schema presets/schema/bxpreset.schema.json agrees with the parser in bxlive.

Promises, each printed with its measured numbers:

  1. every presets/*.json renders a 10 s `bxgen take` (48 kHz) with exit 0;
  2. every output has the input's length, only finite samples, and no sample
     above the preset's limiter ceiling (float32 rounding allowed: 1.2e-7
     relative); every shipped preset has a limiter;
  3. gain staging: the output peaks at -20 dBFS or above (not left quiet) and
     the limiter takes off more than 1 dB at most 10 % of the time (it is a
     safety net, not the sound). The limiter's gain is recomputed from a render
     with the limiter off, using its documented law (instant attack, 50 ms
     exponential release); that recomputation must match the real render
     within 1e-5, or the activity figure is not trusted;
  4. the shipped presets are clearly different from each other: for every
     pair, the long-term spectra in octave bands 31.5 Hz..16 kHz differ in
     shape by at least 6 dB (max minus min of the band-by-band difference).
     So whatever level match is applied, some octave band still differs by
     3 dB or more, a clearly audible change of tone. Spectral centroids are
     printed for information only: this take's energy sits below 250 Hz, so a
     power centroid barely moves under EQ and is no measure of difference;
  5. every shipped preset validates against the schema (needs python3-jsonschema);
  6. schema and parser agree: each deliberately invalid preset is rejected by
     bxlive (exit 3, message naming the field) and by the schema; each valid
     edge preset is accepted by both (bxlive renders it: exit 0). Text-level
     rules the schema cannot express (duplicate keys, UTF-8, NUL, nesting,
     file size, trailing text, byte-counted string limits, Nyquist) are
     checked against bxlive alone.

Checks that need a missing optional module (numpy/soundfile for audio,
jsonschema for the schema) are reported as SKIP and not counted as passed.
The script exits 0 if nothing failed, 1 if something failed, and 77 if every
check was skipped.

Environment: BXLIVE, BXGEN (programs), BX_SOURCE_DIR (source tree),
BX_TEST_TMP (scratch directory; a fresh subdirectory is used and removed
when everything passed).
"""
import copy
import glob
import itertools
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import bxtest

try:
    import numpy as np
    import soundfile as sf
    HAVE_AUDIO = True
except ImportError as e:  # pragma: no cover - depends on the machine
    HAVE_AUDIO = False
    AUDIO_WHY = str(e)

try:
    import jsonschema
    HAVE_SCHEMA = True
except ImportError:
    HAVE_SCHEMA = False

EXIT_PRESET = 3
CEILING_REL_TOL = 2.0 ** -23           # float32 rounding of a double ceiling
MIN_PEAK_DBFS = -20.0                  # gain staging: not left quiet
LIMITER_GR_DB = 1.0                    # "the limiter is acting" means more than this
MAX_LIMITER_TIME = 0.10                # ... for at most this fraction of the take
LIMITER_RELEASE_MS = 50.0              # include/bx/limiter.h
LIMITER_SIM_TOL = 1e-5
NOLIM_DROP_DB = 24.0                   # the limiter-off render's headroom (see section 3)
MIN_SHAPE_DIFF_DB = 6.0                # promise 4
OCTAVES_HZ = [31.25 * 2.0 ** k for k in range(10)]  # 31.25 Hz .. 16 kHz

REP = bxtest.Report(bxtest.indented)
check, skip = REP.check, REP.skip

BXLIVE, BXGEN = bxtest.programs("BXLIVE", "BXGEN")
PRESET_DIR = os.path.join(bxtest.source_dir(), "presets")
SCHEMA_PATH = os.path.join(PRESET_DIR, "schema", "bxpreset.schema.json")
TMP = bxtest.scratch("presets_shipped.")


def tmp(name):
    return os.path.join(TMP, name)


def run(args):
    return subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=300)


def render(preset_path, wav_in, wav_out):
    return run([BXLIVE, preset_path, "--render", wav_in, wav_out, "--quiet"])


def db(x):
    return 20.0 * math.log10(x) if x > 0 else -math.inf


# ---------------------------------------------------------------- audio helpers

def limiter_gain_db(u, ceiling_db, rate):
    """Gain reduction (dB >= 0) of the documented limiter driven by u (mono)."""
    c = 10.0 ** (ceiling_db / 20.0)
    ar = math.exp(-1.0 / (LIMITER_RELEASE_MS * 1e-3 * rate))
    g = 1.0
    a = np.abs(u).tolist()
    out = [0.0] * len(a)
    for i, v in enumerate(a):
        g = 1.0 - ar * (1.0 - g)
        if v * g > c:
            g = c / v
        out[i] = g
    return -20.0 * np.log10(np.array(out))


def octave_levels(x, rate):
    """Long-term power per octave band (dB, relative), Welch with 8192-point Hann frames."""
    n = 8192
    w = np.hanning(n)
    frames = [x[i:i + n] * w for i in range(0, len(x) - n + 1, n // 2)]
    psd = np.mean([np.abs(np.fft.rfft(f)) ** 2 for f in frames], axis=0)
    f = np.fft.rfftfreq(n, 1.0 / rate)
    total = psd.sum()
    lv = []
    for c in OCTAVES_HZ:
        m = (f >= c / math.sqrt(2.0)) & (f < c * math.sqrt(2.0))
        lv.append(10.0 * math.log10(max(psd[m].sum() / total, 1e-15)))
    cen = float((psd * f).sum() / total)
    return np.array(lv), cen


# ---------------------------------------------------------------- schema helpers

SCHEMA = None
VALIDATOR = None


def schema_errors(doc):
    """List of schema error messages (empty: valid)."""
    return [e.message for e in VALIDATOR.iter_errors(doc)]


# =============================================================================
print(f"test_presets_shipped: scratch directory {TMP}")
shipped = sorted(glob.glob(os.path.join(PRESET_DIR, "*.json")))
shipped = [p for p in shipped if not p.endswith(".schema.json")]
names = [os.path.basename(p)[:-5] for p in shipped]
print(f"shipped presets: {', '.join(names) if names else '(none)'}")
check(len(shipped) >= 3, "at least three presets are shipped", f"{len(shipped)} found")

if HAVE_SCHEMA:
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        SCHEMA = json.load(f)
    try:
        jsonschema.Draft202012Validator.check_schema(SCHEMA)
        VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
        try:
            from importlib.metadata import version
            jsver = version("jsonschema")
        except Exception:  # metadata missing: the version is only informative
            jsver = "?"
        check(True, "the schema is a valid draft 2020-12 schema", f"jsonschema {jsver}")
    except jsonschema.SchemaError as e:
        check(False, "the schema is a valid draft 2020-12 schema", e.message)
        HAVE_SCHEMA = False
        SCHEMA_WHY = "the schema itself is invalid (reported above)"
else:
    SCHEMA_WHY = "python3-jsonschema is not installed (Debian: apt-get install python3-jsonschema)"
    skip("the schema is a valid draft 2020-12 schema", SCHEMA_WHY)

# ---------------------------------------------------------------- 1-3: rendering
print("\n[1-3] each shipped preset renders a 10 s bxgen take: exit 0, finite, under its "
      f"ceiling; peak >= {MIN_PEAK_DBFS:g} dBFS; limiter > {LIMITER_GR_DB:g} dB at most "
      f"{100 * MAX_LIMITER_TIME:g} % of the time")
take = tmp("take.wav")
r = run([BXGEN, "take", take, "--seconds", "10"])
have_take = check(r.returncode == 0, "bxgen take --seconds 10", f"exit {r.returncode} {r.stderr.strip()}")
if HAVE_AUDIO and have_take:
    dry, RATE = sf.read(take, dtype="float64", always_2d=True)
    dry = dry[:, 0]
    print(f"  take: {len(dry)} frames at {RATE} Hz, peak {db(np.abs(dry).max()):.2f} dBFS, "
          f"rms {10 * math.log10(np.mean(dry ** 2)):.2f} dBFS")

spectra = {}
for path, name in zip(shipped, names):
    print(f" {name}:")
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        check(False, f"{name}: is readable JSON", str(e))
        continue
    if HAVE_SCHEMA:
        errs = schema_errors(doc)
        check(not errs, f"{name}: validates against the schema", "; ".join(errs[:3]))
    else:
        skip(f"{name}: validates against the schema", SCHEMA_WHY)
    chain = doc.get("chain") if isinstance(doc, dict) else None
    lim = chain.get("limiter") if isinstance(chain, dict) else None
    has_lim = isinstance(lim, dict) and isinstance(lim.get("ceiling_db", -1.0), (int, float))
    ceiling_db = lim.get("ceiling_db", -1.0) if has_lim else None
    check(has_lim and ceiling_db <= 0, f"{name}: has a safety limiter",
          f"ceiling {ceiling_db} dBFS" if has_lim else "limiter is off")
    has_desc = isinstance(doc.get("name"), str) and doc["name"] != "" and \
        isinstance(doc.get("description"), str) and doc["description"] != ""
    check(has_desc, f"{name}: has a name and a description")
    if not have_take:
        continue
    out = tmp(f"{name}.wav")
    r = render(path, take, out)
    if not check(r.returncode == 0, f"{name}: renders with exit 0",
                 f"exit {r.returncode} {r.stderr.strip()}"):
        continue
    if not HAVE_AUDIO:
        skip(f"{name}: output checks", f"numpy/soundfile missing ({AUDIO_WHY})")
        continue
    y, rate = sf.read(out, dtype="float64", always_2d=True)
    y = y[:, 0]
    finite = bool(np.all(np.isfinite(y)))
    peak = float(np.abs(y).max()) if finite else math.inf
    check(finite and len(y) == len(dry) and rate == RATE,
          f"{name}: output is finite and as long as the input", f"{len(y)} frames")
    if has_lim:
        lim_lin = 10.0 ** (ceiling_db / 20.0)
        check(peak <= lim_lin * (1.0 + CEILING_REL_TOL), f"{name}: never above the ceiling",
              f"peak {db(peak):.4f} dBFS, ceiling {ceiling_db:g} dBFS")
    if not finite:
        continue
    rms_db = 10.0 * math.log10(np.mean(y ** 2))
    # limiter activity from a render with the limiter off, NOLIM_DROP_DB lower
    # (the output gain is then the chain's last linear stage, and the render
    # stays under the engine's full-scale clamp) and brought back up here
    nolim_doc = copy.deepcopy(doc)
    nolim_doc["chain"]["limiter"] = None
    nolim_doc["chain"]["output_gain_db"] = nolim_doc["chain"].get("output_gain_db", 0) - NOLIM_DROP_DB
    nolim_path = tmp(f"{name}.nolimiter.json")
    with open(nolim_path, "w", encoding="utf-8") as f:
        json.dump(nolim_doc, f)
    r = render(nolim_path, take, tmp(f"{name}.nolimiter.wav"))
    if has_lim and r.returncode == 0:
        u, _ = sf.read(tmp(f"{name}.nolimiter.wav"), dtype="float64", always_2d=True)
        u = u[:, 0] * 10.0 ** (NOLIM_DROP_DB / 20.0)
        gr = limiter_gain_db(u, ceiling_db, rate)
        sim_err = float(np.abs(u * 10.0 ** (-gr / 20.0) - y).max())
        active = float(np.mean(gr > LIMITER_GR_DB))
        check(sim_err <= LIMITER_SIM_TOL, f"{name}: limiter follows its documented law",
              f"max |recomputed - rendered| {sim_err:.2e}")
        check(peak >= 10.0 ** (MIN_PEAK_DBFS / 20.0) and active <= MAX_LIMITER_TIME,
              f"{name}: gain staging",
              f"peak {db(peak):.2f} dBFS, rms {rms_db:.2f} dBFS, crest {db(peak) - rms_db:.1f} dB, "
              f"peak without limiter {db(float(np.abs(u).max())):+.2f} dBFS, limiter > "
              f"{LIMITER_GR_DB:g} dB {100 * active:.1f} % of the time (> 0.1 dB "
              f"{100 * float(np.mean(gr > 0.1)):.1f} %), at most {gr.max():.1f} dB")
    elif has_lim:
        check(False, f"{name}: renders with the limiter off", f"exit {r.returncode} {r.stderr.strip()}")
    spectra[name] = octave_levels(y, rate)

# ---------------------------------------------------------------- 4: distinct
print(f"\n[4] shipped presets differ pairwise: octave-band spectrum shape difference >= "
      f"{MIN_SHAPE_DIFF_DB:g} dB (31.5 Hz..16 kHz)")
if not HAVE_AUDIO:
    skip("pairwise spectral differences", f"numpy/soundfile missing ({AUDIO_WHY})")
else:
    if have_take:
        _, cen = octave_levels(dry, RATE)
        print(f"  (info) spectral centroid of the dry take: {cen:.0f} Hz")
    for name in spectra:
        lv, cen = spectra[name]
        print(f"  (info) {name}: centroid {cen:.0f} Hz; octave bands "
              + " ".join(f"{v:.1f}" for v in lv))
    for a, b in itertools.combinations(sorted(spectra), 2):
        d = spectra[a][0] - spectra[b][0]
        shape = float(d.max() - d.min())
        dm = d - np.median(d)
        k = int(np.argmax(np.abs(dm)))
        check(shape >= MIN_SHAPE_DIFF_DB, f"{a} vs {b}",
              f"shape difference {shape:.1f} dB; after a median level match the largest is "
              f"{dm[k]:+.1f} dB at {OCTAVES_HZ[k]:.0f} Hz; centroids "
              f"{spectra[a][1]:.0f} / {spectra[b][1]:.0f} Hz")

# ---------------------------------------------------------------- 6: schema == parser
print("\n[6] the schema and bxlive agree on what a preset is")

BASE = {
    "bxpreset": 1,
    "name": "edge",
    "description": "test",
    "chain": {
        "input_gain_db": 0,
        "eq": [
            {"type": "highpass", "freq_hz": 40, "q": 0.7071},
            {"type": "peak", "freq_hz": 1000, "gain_db": -3, "q": 1.0},
            {"type": "low_shelf", "freq_hz": 100, "gain_db": 2},
            {"type": "high_shelf", "freq_hz": 8000, "gain_db": 2},
            {"type": "lowpass", "freq_hz": 16000},
        ],
        "compressor": {"threshold_db": -20, "ratio": 4, "knee_db": 6, "attack_ms": 5,
                       "release_ms": 100, "makeup_db": 0, "detector": "peak"},
        "output_gain_db": 0,
        "limiter": {"ceiling_db": -1},
    },
    "analysis": {"anything": [1, "two", {"three": None}]},
}


def mod(fn):
    d = copy.deepcopy(BASE)
    fn(d)
    return d


def setp(path, value):
    """A modifier that sets (or, with value DEL, deletes) a nested member."""
    def f(d):
        o = d
        for k in path[:-1]:
            o = o[k]
        if value is DEL:
            del o[path[-1]]
        else:
            o[path[-1]] = value
    return f


DEL = object()
C, EQ, COMP, LIM = ("chain",), ("chain", "eq"), ("chain", "compressor"), ("chain", "limiter")


def v_comp(version, **comp):
    """The base document at format version `version` with compressor -20 dB 4:1 and comp's keys."""
    def f(d):
        d["bxpreset"] = version
        setp(COMP, {"threshold_db": -20, "ratio": 4, **comp})(d)
    return mod(f)

# (label, document, substring bxlive's message must contain)
INVALID = [
    ("top level is an array", [BASE], "top level"),
    ("bxpreset missing", mod(setp(("bxpreset",), DEL)), "bxpreset"),
    ("bxpreset 5", mod(setp(("bxpreset",), 5)), "bxpreset"),
    ("power detector in bxpreset 3", v_comp(3, detector="power"), "power"),
    ("power detector with a knee_db", v_comp(4, detector="power", knee_db=6), "knee_db"),
    ("mean_level detector in bxpreset 3", v_comp(3, detector="mean_level"), "mean_level"),
    ("mean_ms with the rms_level detector", v_comp(4, detector="rms_level", mean_ms=5), "mean_ms"),
    ("rms_ms with the mean_level detector", v_comp(4, detector="mean_level", rms_ms=5), "rms_ms"),
    ("mean_ms above 100", v_comp(4, detector="mean_level", mean_ms=101), "mean_ms"),
    ("hold with the rms detector", v_comp(4, detector="rms", hold=True), "hold"),
    ("hold is a number", v_comp(4, detector="power", hold=1), "hold"),
    ("branch detector in bxpreset 1", mod(setp(COMP, {"threshold_db": -20, "ratio": 4,
                                                      "detector": "branch"})), "branch"),
    ("rms_level detector in bxpreset 2", v_comp(2, detector="rms_level"), "rms_level"),
    ("rms_ms with the rms detector", v_comp(3, detector="rms", rms_ms=5), "rms_ms"),
    ("rms_ms without a detector (peak)", v_comp(3, rms_ms=5), "rms_ms"),
    ("rms_ms below 0.1", v_comp(3, detector="rms_level", rms_ms=0.05), "rms_ms"),
    ("rms_ms above 100", v_comp(3, detector="rms_level", rms_ms=101), "rms_ms"),
    ("bxpreset 0.5", mod(setp(("bxpreset",), 0.5)), "bxpreset"),
    ("bxpreset \"1\"", mod(setp(("bxpreset",), "1")), "bxpreset"),
    ("bxpreset true", mod(setp(("bxpreset",), True)), "bxpreset"),
    ("unknown top-level key", mod(setp(("version",), 1)), "version"),
    ("name is a number", mod(setp(("name",), 7)), "name"),
    ("name null", mod(setp(("name",), None)), "name"),
    ("name 257 bytes", mod(setp(("name",), "n" * 257)), "name"),
    ("description 4097 bytes", mod(setp(("description",), "d" * 4097)), "description"),
    ("description null", mod(setp(("description",), None)), "description"),
    ("chain missing", mod(setp(C, DEL)), "chain"),
    ("chain null", mod(setp(C, None)), "chain"),
    ("chain is an array", mod(setp(C, [])), "chain"),
    ("analysis is an array", mod(setp(("analysis",), [1])), "analysis"),
    ("analysis null", mod(setp(("analysis",), None)), "analysis"),
    ("analysis is a string", mod(setp(("analysis",), "x")), "analysis"),
    ("unknown chain key", mod(setp(C + ("gain_db",), 0)), "chain.gain_db"),
    ("input_gain_db 24.01", mod(setp(C + ("input_gain_db",), 24.01)), "chain.input_gain_db"),
    ("input_gain_db -60.01", mod(setp(C + ("input_gain_db",), -60.01)), "chain.input_gain_db"),
    ("input_gain_db \"0\"", mod(setp(C + ("input_gain_db",), "0")), "chain.input_gain_db"),
    ("input_gain_db null", mod(setp(C + ("input_gain_db",), None)), "chain.input_gain_db"),
    ("output_gain_db 25", mod(setp(C + ("output_gain_db",), 25)), "chain.output_gain_db"),
    ("output_gain_db -61", mod(setp(C + ("output_gain_db",), -61)), "chain.output_gain_db"),
    ("output_gain_db false", mod(setp(C + ("output_gain_db",), False)), "chain.output_gain_db"),
    ("eq is an object", mod(setp(EQ, {})), "chain.eq"),
    ("eq null", mod(setp(EQ, None)), "chain.eq"),
    ("eq has 33 bands", mod(setp(EQ, [{"type": "lowpass", "freq_hz": 20000}] * 33)), "chain.eq"),
    ("band is a number", mod(setp(EQ + (0,), 5)), "chain.eq[0]"),
    ("band type missing", mod(setp(EQ + (1, "type"), DEL)), "chain.eq[1].type"),
    ("band type unknown", mod(setp(EQ + (1, "type"), "bandpass")), "chain.eq[1].type"),
    ("band type wrong case", mod(setp(EQ + (1, "type"), "Peak")), "chain.eq[1].type"),
    ("band type is a number", mod(setp(EQ + (1, "type"), 0)), "chain.eq[1].type"),
    ("band unknown key", mod(setp(EQ + (1, "bandwidth"), 1)), "chain.eq[1].bandwidth"),
    ("freq_hz missing", mod(setp(EQ + (1, "freq_hz"), DEL)), "chain.eq[1].freq_hz"),
    ("freq_hz 9.99", mod(setp(EQ + (1, "freq_hz"), 9.99)), "chain.eq[1].freq_hz"),
    ("freq_hz 40000.5", mod(setp(EQ + (1, "freq_hz"), 40000.5)), "chain.eq[1].freq_hz"),
    ("freq_hz 0", mod(setp(EQ + (1, "freq_hz"), 0)), "chain.eq[1].freq_hz"),
    ("freq_hz 1e400 (infinite)", mod(setp(EQ + (1, "freq_hz"), math.inf)), "chain.eq[1].freq_hz"),
    ("freq_hz \"1k\"", mod(setp(EQ + (1, "freq_hz"), "1k")), "chain.eq[1].freq_hz"),
    ("q 0.0999", mod(setp(EQ + (1, "q"), 0.0999)), "chain.eq[1].q"),
    ("q 40.01", mod(setp(EQ + (1, "q"), 40.01)), "chain.eq[1].q"),
    ("q 0", mod(setp(EQ + (0, "q"), 0)), "chain.eq[0].q"),
    ("q null", mod(setp(EQ + (0, "q"), None)), "chain.eq[0].q"),
    ("peak without gain_db", mod(setp(EQ + (1, "gain_db"), DEL)), "chain.eq[1].gain_db"),
    ("low_shelf without gain_db", mod(setp(EQ + (2, "gain_db"), DEL)), "chain.eq[2].gain_db"),
    ("high_shelf without gain_db", mod(setp(EQ + (3, "gain_db"), DEL)), "chain.eq[3].gain_db"),
    ("highpass with gain_db 0", mod(setp(EQ + (0, "gain_db"), 0)), "chain.eq[0].gain_db"),
    ("lowpass with gain_db 3", mod(setp(EQ + (4, "gain_db"), 3)), "chain.eq[4].gain_db"),
    ("gain_db 30.01", mod(setp(EQ + (1, "gain_db"), 30.01)), "chain.eq[1].gain_db"),
    ("gain_db -30.01", mod(setp(EQ + (2, "gain_db"), -30.01)), "chain.eq[2].gain_db"),
    ("compressor is an array", mod(setp(COMP, [])), "chain.compressor"),
    ("compressor true", mod(setp(COMP, True)), "chain.compressor"),
    ("compressor {} (threshold missing)", mod(setp(COMP, {})), "chain.compressor.threshold_db"),
    ("compressor without ratio", mod(setp(COMP + ("ratio",), DEL)), "chain.compressor.ratio"),
    ("compressor unknown key", mod(setp(COMP + ("lookahead_ms",), 1)), "chain.compressor.lookahead_ms"),
    ("threshold_db 0.01", mod(setp(COMP + ("threshold_db",), 0.01)), "chain.compressor.threshold_db"),
    ("threshold_db -80.01", mod(setp(COMP + ("threshold_db",), -80.01)), "chain.compressor.threshold_db"),
    ("ratio 0.99", mod(setp(COMP + ("ratio",), 0.99)), "chain.compressor.ratio"),
    ("ratio 100.01", mod(setp(COMP + ("ratio",), 100.01)), "chain.compressor.ratio"),
    ("ratio true", mod(setp(COMP + ("ratio",), True)), "chain.compressor.ratio"),
    ("knee_db -0.01", mod(setp(COMP + ("knee_db",), -0.01)), "chain.compressor.knee_db"),
    ("knee_db 24.01", mod(setp(COMP + ("knee_db",), 24.01)), "chain.compressor.knee_db"),
    ("attack_ms 0.049", mod(setp(COMP + ("attack_ms",), 0.049)), "chain.compressor.attack_ms"),
    ("attack_ms 500.01", mod(setp(COMP + ("attack_ms",), 500.01)), "chain.compressor.attack_ms"),
    ("release_ms 0.99", mod(setp(COMP + ("release_ms",), 0.99)), "chain.compressor.release_ms"),
    ("release_ms 5000.01", mod(setp(COMP + ("release_ms",), 5000.01)), "chain.compressor.release_ms"),
    ("makeup_db -24.01", mod(setp(COMP + ("makeup_db",), -24.01)), "chain.compressor.makeup_db"),
    ("makeup_db 36.01", mod(setp(COMP + ("makeup_db",), 36.01)), "chain.compressor.makeup_db"),
    ("detector \"RMS\"", mod(setp(COMP + ("detector",), "RMS")), "chain.compressor.detector"),
    ("detector \"average\"", mod(setp(COMP + ("detector",), "average")), "chain.compressor.detector"),
    ("detector 1", mod(setp(COMP + ("detector",), 1)), "chain.compressor.detector"),
    ("detector null", mod(setp(COMP + ("detector",), None)), "chain.compressor.detector"),
    ("limiter is a number", mod(setp(LIM, -1)), "chain.limiter"),
    ("limiter false", mod(setp(LIM, False)), "chain.limiter"),
    ("limiter unknown key", mod(setp(LIM + ("release_ms",), 50)), "chain.limiter.release_ms"),
    ("ceiling_db 0.01", mod(setp(LIM + ("ceiling_db",), 0.01)), "chain.limiter.ceiling_db"),
    ("ceiling_db -30.01", mod(setp(LIM + ("ceiling_db",), -30.01)), "chain.limiter.ceiling_db"),
    ("ceiling_db null", mod(setp(LIM + ("ceiling_db",), None)), "chain.limiter.ceiling_db"),
]

max_doc = mod(lambda d: d["chain"].update({
    "input_gain_db": 24, "output_gain_db": 24,
    "eq": [{"type": "peak", "freq_hz": 40000, "gain_db": 30, "q": 40},
           {"type": "low_shelf", "freq_hz": 10, "gain_db": -30, "q": 0.1},
           {"type": "highpass", "freq_hz": 10, "q": 40},
           {"type": "lowpass", "freq_hz": 40000, "q": 0.1}],
    "compressor": {"threshold_db": 0, "ratio": 100, "knee_db": 24, "attack_ms": 500,
                   "release_ms": 5000, "makeup_db": 36, "detector": "rms"},
    "limiter": {"ceiling_db": 0}}))
min_doc = mod(lambda d: d["chain"].update({
    "input_gain_db": -60, "output_gain_db": -60,
    "compressor": {"threshold_db": -80, "ratio": 1, "knee_db": 0, "attack_ms": 0.05,
                   "release_ms": 1, "makeup_db": -24},
    "limiter": {"ceiling_db": -30}}))
VALID = [
    ("minimal: bxpreset and an empty chain", {"bxpreset": 1, "chain": {}}),
    ("bxpreset 1.0", {"bxpreset": 1.0, "chain": {}}),
    ("the base document", BASE),
    ("every value at its maximum", max_doc),
    ("every value at its minimum", min_doc),
    ("compressor and limiter null", mod(lambda d: d["chain"].update(compressor=None, limiter=None))),
    ("compressor with only threshold and ratio", mod(setp(COMP, {"threshold_db": -10, "ratio": 2}))),
    ("rms_level, rms_ms 0.1", v_comp(3, detector="rms_level", rms_ms=0.1)),
    ("rms_level, rms_ms 100", v_comp(3, detector="rms_level", rms_ms=100)),
    ("rms_level without rms_ms", v_comp(3, detector="rms_level")),
    ("power detector", v_comp(4, detector="power", attack_ms=10, release_ms=100)),
    ("mean_level, mean_ms 0.1", v_comp(4, detector="mean_level", mean_ms=0.1)),
    ("mean_level without mean_ms", v_comp(4, detector="mean_level")),
    ("power with hold", v_comp(4, detector="power", hold=True)),
    ("power with hold false", v_comp(4, detector="power", hold=False)),
    ("limiter {} (default ceiling)", mod(setp(LIM, {}))),
    ("eq []", mod(setp(EQ, []))),
    ("32 bands", mod(setp(EQ, [{"type": "peak", "freq_hz": 100 + 50 * i, "gain_db": 0.5}
                              for i in range(32)]))),
    ("bands without q", mod(setp(EQ, [{"type": t, "freq_hz": 1000, "gain_db": 1}
                                      for t in ("peak", "low_shelf", "high_shelf")]
                                     + [{"type": t, "freq_hz": 1000} for t in ("highpass", "lowpass")]))),
    ("name exactly 256 bytes (ASCII)", mod(setp(("name",), "n" * 256))),
    ("name exactly 256 bytes (128 x 2-byte UTF-8)", mod(setp(("name",), "\u00e9" * 128))),
    ("description exactly 4096 bytes", mod(setp(("description",), "d" * 4096))),
    ("non-ASCII text", mod(lambda d: d.update(name="B\u00e4sse \u4f4e\u97f3 \U0001f3a4",
                                               description="\u00a1Hola! [[{{ \" \\"))),
    ("no name, no description, no analysis",
     mod(lambda d: [d.pop(k) for k in ("name", "description", "analysis")])),
    ("analysis with arbitrary nested content",
     mod(setp(("analysis",), {"bxanalyze": {"version": 3, "curve": [[20, -1.5], [40, 0.25]],
                                            "flags": [True, False, None], "note": ""}}))),
    ("empty name", mod(setp(("name",), ""))),
]


def write_doc(label, doc, raw=None):
    path = tmp("case.json")
    with open(path, "wb") as f:
        if raw is None:
            # json.dumps spells an infinite float "Infinity", which is not JSON;
            # 1e400 is valid JSON text that overflows to infinity when read
            raw = json.dumps(doc, ensure_ascii=False).replace("Infinity", "1e400").encode("utf-8")
        f.write(raw)
    return path


short48, short96 = tmp("short48.wav"), tmp("short96.wav")
r48 = run([BXGEN, "take", short48, "--seconds", "0.25"])
r96 = run([BXGEN, "take", short96, "--seconds", "0.25", "--rate", "96000"])
check(r48.returncode == 0 and r96.returncode == 0, "bxgen writes short takes at 48 and 96 kHz",
      (r48.stderr + r96.stderr).strip())

print(f" invalid presets ({len(INVALID)}): bxlive exits {EXIT_PRESET} naming the field; the schema rejects")
for label, doc, field in INVALID:
    path = write_doc(label, doc)
    r = render(path, short96, tmp("case.wav"))
    msg = r.stderr.strip().splitlines()[0] if r.stderr.strip() else ""
    check(r.returncode == EXIT_PRESET and field in msg, f"bxlive rejects: {label}",
          f"exit {r.returncode}: {msg}")
    if HAVE_SCHEMA:
        errs = schema_errors(json.loads(json.dumps(doc)))
        check(bool(errs), f"schema rejects: {label}", errs[0] if errs else "accepted")
    else:
        skip(f"schema rejects: {label}", SCHEMA_WHY)

print(f" valid edge presets ({len(VALID)}): bxlive renders them (96 kHz, exit 0); the schema accepts")
for label, doc in VALID:
    path = write_doc(label, doc)
    r = render(path, short96, tmp("case.wav"))
    check(r.returncode == 0, f"bxlive accepts: {label}", f"exit {r.returncode} {r.stderr.strip()}")
    if HAVE_SCHEMA:
        errs = schema_errors(json.loads(json.dumps(doc)))
        check(not errs, f"schema accepts: {label}", "; ".join(errs[:3]))
    else:
        skip(f"schema accepts: {label}", SCHEMA_WHY)

# Text-level rules: the schema sees parsed JSON, so only bxlive can check these.
print(" text-level rules (not expressible in a schema; bxlive alone)")
OK_TEXT = b'{"bxpreset": 1, "chain": {}}'


def nested(depth_total):
    """A preset whose deepest nesting (objects and arrays) is depth_total levels."""
    k = depth_total - 2  # levels 1 and 2: the top-level object and "analysis"
    return b'{"bxpreset": 1, "chain": {}, "analysis": {"x": ' + b"[" * k + b"]" * k + b"}}"


def sized(n):
    """A valid preset of exactly n bytes (a long string in analysis)."""
    head, tail = b'{"bxpreset": 1, "chain": {}, "analysis": {"pad": "', b'"}}'
    return head + b"p" * (n - len(head) - len(tail)) + tail


MAX_BYTES = 4 * 1024 * 1024
TEXT_INVALID = [
    ("duplicate top-level key", b'{"bxpreset": 1, "chain": {}, "chain": {}}'),
    ("duplicate key in a band",
     b'{"bxpreset": 1, "chain": {"eq": [{"type": "peak", "freq_hz": 100, "gain_db": 1, "freq_hz": 200}]}}'),
    ("duplicate key inside analysis", b'{"bxpreset": 1, "chain": {}, "analysis": {"a": 1, "a": 1}}'),
    ("invalid UTF-8 byte", b'{"bxpreset": 1, "name": "\xff", "chain": {}}'),
    ("overlong UTF-8 encoding", b'{"bxpreset": 1, "name": "\xc0\xaf", "chain": {}}'),
    ("UTF-8-encoded surrogate", b'{"bxpreset": 1, "name": "\xed\xa0\x80", "chain": {}}'),
    ("truncated UTF-8 at the end", OK_TEXT + b"\xe2\x82"),
    ("NUL byte", b'{"bxpreset": 1, "chain": {}}\x00'),
    ("nested 65 levels", nested(65)),
    (f"{MAX_BYTES + 1} bytes (over 4 MiB)", sized(MAX_BYTES + 1)),
    ("text after the JSON value", OK_TEXT + b" {}"),
    ("trailing comma", b'{"bxpreset": 1, "chain": {},}'),
    ("NaN literal", b'{"bxpreset": 1, "chain": {"input_gain_db": NaN}}'),
    ("Infinity literal", b'{"bxpreset": 1, "chain": {"input_gain_db": Infinity}}'),
    ("number overflowing to infinity", b'{"bxpreset": 1, "chain": {"input_gain_db": 1e400}}'),
    ("comment", b'{"bxpreset": 1, // version\n "chain": {}}'),
    ("single quotes", b"{'bxpreset': 1, 'chain': {}}"),
    ("empty file", b""),
    ("name 258 bytes in 129 characters (limits count bytes)",
     json.dumps({"bxpreset": 1, "name": "\u00e9" * 129, "chain": {}}, ensure_ascii=False).encode()),
]
TEXT_VALID = [
    ("nested exactly 64 levels", nested(64)),
    (f"exactly {MAX_BYTES} bytes (4 MiB)", sized(MAX_BYTES)),
    ("brackets and escaped quotes inside strings do not count as nesting",
     b'{"bxpreset": 1, "description": "' + b'\\"[' * 100 + b'", "chain": {}}'),
    ("CRLF line ends and trailing whitespace", b'{\r\n "bxpreset": 1,\r\n "chain": {}\r\n}\r\n \t\n'),
]
for label, raw in TEXT_INVALID:
    path = write_doc(label, None, raw)
    r = render(path, short48, tmp("case.wav"))
    msg = r.stderr.strip().splitlines()[0] if r.stderr.strip() else ""
    check(r.returncode == EXIT_PRESET, f"bxlive rejects: {label}", f"exit {r.returncode}: {msg[:120]}")
for label, raw in TEXT_VALID:
    path = write_doc(label, None, raw)
    r = render(path, short48, tmp("case.wav"))
    check(r.returncode == 0, f"bxlive accepts: {label}", f"exit {r.returncode} {r.stderr.strip()[:120]}")

# Nyquist: valid by the schema, refused when used at a rate too low for it.
print(" band frequencies are checked against the audio's Nyquist frequency when the preset is used")
nyq = mod(setp(EQ + (1, "freq_hz"), 24000))
path = write_doc("nyquist", nyq)
r = render(path, short48, tmp("case.wav"))
check(r.returncode == EXIT_PRESET and "Nyquist" in r.stderr,
      "24000 Hz band on 48 kHz audio is refused", f"exit {r.returncode}: {r.stderr.strip()[:140]}")
r = render(path, short96, tmp("case.wav"))
check(r.returncode == 0, "the same preset on 96 kHz audio renders", f"exit {r.returncode}")
if HAVE_SCHEMA:
    check(not schema_errors(nyq), "schema accepts it (the rate is unknown to a preset)")
else:
    skip("schema accepts it (the rate is unknown to a preset)", SCHEMA_WHY)

# ---------------------------------------------------------------- summary
REP.finish(TMP)
