#!/usr/bin/python3
"""test_export — `bxanalyze --export` writes presets other tools run as bx does.

Promises (EQ-only presets of every band type, with input and output gain, at
48 kHz, noise and decaying bursts at about -20 dBFS, 32-bit float files):
  - the SoX script (`sh P.sox.sh IN OUT`) run by the real SoX matches
    `bxlive P --render IN OUT` to >= 100 dB SNR;
  - the ffmpeg script run by the real ffmpeg (`-c:a pcm_f32le`) matches it to
    >= 100 dB SNR, and a take at 44.1 kHz comes out at the export's rate;
  - the Equalizer APO text, re-read by a small parser here, gives the preset's
    bands (frequency within 0.005 Hz, gain 0.005 dB, Q 0.00005) and Preamp
    the sum of the gains;
  - the EasyEffects preset holds the same bands in the LSP equalizer's RBJ
    ("APO (DR)") mode, and that LSP equalizer (lsp-plugins-lv2 through
    ffmpeg's lv2 filter, set from the file's band names as EasyEffects sets
    it) matches bxlive to >= 60 dB SNR (LSP filters in single precision);
  - the Pedalboard script, run against a stand-in `pedalboard` module that
    records what it is given, builds the preset's peaks and shelves with the
    same values, each pass filter as two first-order ones, and the gains;
  - a preset with a compressor and limiter says in each file (or, for
    EasyEffects, on the summary) what is approximated or left out;
  - LSP's sidechain (EasyEffects) is RMS for the RMS detectors, its
    reactivity (a sliding window) rms_ms / 0.7 for `rms_level`, as the
    summary says, and 10 ms for the others;
  - the command line: `bxanalyze P.json --export FMT` writes next to the
    preset, `-o FILE` and `-o -` (standard output) for one format; an unknown
    format, a preset with analysis options, -o with several formats and an
    export with no -o are usage errors (exit 2); an invalid preset exits 3;
    an analysis (`REF -o P.json --export apo,sox`) and a batch write the
    exports next to each preset.

Tools missing (sox, ffmpeg, the LSP plugin): that part is skipped.
Exit status: 0 all passed, 1 a check failed, 77 skipped.
"""

import json
import math
import os
import re
import shutil
import subprocess
import sys
import types

sys.path.insert(0, os.path.dirname(__file__))
import bxtest

np = bxtest.need("numpy")
sf = bxtest.need("soundfile", "Debian: python3-soundfile")
BXLIVE, BXANALYZE = bxtest.programs("BXLIVE", "BXANALYZE")
REP = bxtest.Report()
work = bxtest.scratch("export-")
RATE = 48000
LSP_EQ = "http://lsp-plug.in/plugins/lv2/para_equalizer_x16_mono"

PRESETS = {
    "every-type": {
        "input_gain_db": -3.0, "output_gain_db": 1.5,
        "eq": [{"type": "highpass", "freq_hz": 63.0, "q": 0.9},
               {"type": "low_shelf", "freq_hz": 180.0, "gain_db": 4.5, "q": 0.6},
               {"type": "peak", "freq_hz": 700.0, "gain_db": -5.25, "q": 2.2},
               {"type": "peak", "freq_hz": 3100.0, "gain_db": 3.0, "q": 0.8},
               {"type": "high_shelf", "freq_hz": 8000.0, "gain_db": -4.0, "q": 0.7071},
               {"type": "lowpass", "freq_hz": 15000.0, "q": 0.6}]},
    "bass": {
        "eq": [{"type": "low_shelf", "freq_hz": 95.0, "gain_db": 6.0, "q": 1.1},
               {"type": "peak", "freq_hz": 240.0, "gain_db": -2.5, "q": 5.0}]},
    "flat": {"output_gain_db": -2.0},
}


def preset_file(name, chain, version=1):
    path = os.path.join(work, name + ".json")
    with open(path, "w") as f:
        json.dump({"bxpreset": version, "name": name, "chain": chain}, f)
    return path


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)


def snr_db(ref, y):
    n = min(len(ref), len(y))
    e = np.sum((ref[:n] - y[:n]) ** 2)
    return 10 * np.log10(np.sum(ref[:n] ** 2) / max(e, 1e-300)) if n else -np.inf


def take(path, rate=RATE, seconds=3):
    x = 0.3 * bxtest.bursts(seed=5, seconds=seconds, rate=rate)
    x += 0.03 * np.random.default_rng(6).standard_normal(len(x))  # broadband, every band hears it
    sf.write(path, x, rate, subtype="FLOAT")
    return path


def render_bx(preset, src):
    out = os.path.join(work, os.path.basename(preset) + ".bx.wav")
    r = run([BXLIVE, preset, "--render", src, out, "--quiet"])
    if r.returncode != 0:
        raise RuntimeError("bxlive --render: " + bxtest.tell(r))
    return sf.read(out)[0]


def export(preset, fmt):
    r = run([BXANALYZE, preset, "--export", fmt, "-q"])
    if r.returncode != 0:
        raise RuntimeError(f"--export {fmt}: " + bxtest.tell(r))
    return preset[:-5] + {"apo": ".apo.txt", "easyeffects": ".easyeffects.json", "sox": ".sox.sh",
                          "ffmpeg": ".ffmpeg.sh", "pedalboard": ".pedalboard.py"}[fmt]


def check_script(presets, src, fmt, program, out_options):
    """The fmt export of every preset, run by the real program, against bxlive --render."""
    if not shutil.which(program):
        REP.skip(f"{program} script matches bxlive", f"{program} is not installed")
        return False
    for name, p in presets.items():
        out = os.path.join(work, f"{name}.{fmt}.wav")
        r = run(["sh", export(p, fmt), src, out] + out_options)
        if not REP.check(r.returncode == 0, f"{name}: the {program} script runs", bxtest.tell(r)):
            continue
        s = snr_db(render_bx(p, src), sf.read(out)[0])
        REP.check(s >= 100, f"{name}: {program} output = bxlive --render (>= 100 dB SNR)",
                  f"{s:.1f} dB")
    return True


def check_sox(presets, src):
    check_script(presets, src, "sox", "sox", [])


def check_ffmpeg(presets, src):
    if not check_script(presets, src, "ffmpeg", "ffmpeg", ["-c:a", "pcm_f32le", "-y", "-v", "error"]):
        return
    # another rate is resampled to the export's
    src44 = take(os.path.join(work, "take44.wav"), rate=44100, seconds=1)
    out = os.path.join(work, "rate.ffmpeg.wav")
    r = run(["sh", export(presets["bass"], "ffmpeg"), src44, out, "-c:a", "pcm_f32le", "-y",
             "-v", "error"])
    REP.check(r.returncode == 0 and sf.info(out).samplerate == RATE,
              "a 44.1 kHz take comes out at the export's 48 kHz",
              f"{bxtest.tell(r)}, rate {sf.info(out).samplerate if os.path.exists(out) else None}")


APO_LINE = re.compile(r"Filter (\d+): ON (PK|LSC|HSC|HPQ|LPQ) Fc ([-\d.]+) Hz"
                      r"(?: Gain ([-\d.]+) dB)? Q ([-\d.]+)$")
APO_TYPES = {"PK": "peak", "LSC": "low_shelf", "HSC": "high_shelf", "HPQ": "highpass",
             "LPQ": "lowpass"}


def parse_apo(text):
    """Preamp and bands of an Equalizer APO text: (preamp_db, [band dicts])."""
    preamp, bands = 0.0, []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r"Preamp: ([-\d.]+) dB$", line)
        if m:
            preamp = float(m.group(1))
            continue
        m = APO_LINE.match(line)
        if not m:
            raise ValueError(f"not an Equalizer APO line: {line!r}")
        b = {"type": APO_TYPES[m.group(2)], "freq_hz": float(m.group(3)), "q": float(m.group(5))}
        if m.group(4) is not None:
            b["gain_db"] = float(m.group(4))
        bands.append(b)
    return preamp, bands


def same_bands(got, want):
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if g["type"] != w["type"] or abs(g["freq_hz"] - w["freq_hz"]) > 0.005 or \
                abs(g["q"] - w.get("q", 0.7071)) > 5e-5 or \
                abs(g.get("gain_db", 0.0) - w.get("gain_db", 0.0)) > 0.005:
            return False
    return True


def check_apo(presets, chains):
    for name, p in presets.items():
        with open(export(p, "apo")) as f:
            preamp, bands = parse_apo(f.read())
        c = chains[name]
        REP.check(same_bands(bands, c.get("eq", [])), f"{name}: the APO text re-read gives the bands",
                  f"{bands}")
        want = c.get("input_gain_db", 0.0) + c.get("output_gain_db", 0.0)
        REP.check(abs(preamp - want) <= 0.005, f"{name}: Preamp is the sum of the gains",
                  f"{preamp} vs {want}")


EE_TYPES = {"Bell": "peak", "Lo-shelf": "low_shelf", "Hi-shelf": "high_shelf", "Hi-pass": "highpass",
            "Lo-pass": "lowpass"}
# the LSP equalizer's enumerations, as lv2info lists them (EasyEffects sets the same)
LSP_TYPE = {"Bell": 1, "Hi-pass": 2, "Hi-shelf": 3, "Lo-pass": 4, "Lo-shelf": 5}
LSP_MODE = {"APO (DR)": 6}


def lsp_available():
    if not shutil.which("ffmpeg") or "lv2" not in run(["ffmpeg", "-hide_banner", "-filters"]).stdout:
        return False
    dirs = (os.environ.get("LV2_PATH", "") + ":/usr/lib/lv2:/usr/local/lib/lv2:"
            "/usr/lib/x86_64-linux-gnu/lv2").split(":")
    return any(d and os.path.isdir(os.path.join(d, "lsp-plugins.lv2")) for d in dirs)


def check_easyeffects(presets, chains, src):
    lsp = lsp_available()
    for name, p in presets.items():
        with open(export(p, "easyeffects")) as f:
            ee = json.load(f)["input"]
        eq = ee["equalizer#0"]
        c = chains[name]
        left = [eq["left"][f"band{k}"] for k in range(int(eq["num-bands"]))]
        bands = [{"type": EE_TYPES[b["type"]], "freq_hz": b["frequency"], "q": b["q"],
                  "gain_db": b["gain"]} for b in left if not b["mute"]]
        REP.check(same_bands(bands, c.get("eq", [])) and eq["right"] == eq["left"] and
                  all(b["mode"] == "APO (DR)" for b in left) and ee["plugins_order"] == ["equalizer#0"],
                  f"{name}: the EasyEffects preset holds the bands, RBJ mode, both channels", "")
        if not lsp:
            REP.skip(f"{name}: LSP's equalizer set from the file = bxlive", "ffmpeg's lv2 filter "
                     "or lsp-plugins-lv2 is missing")
            continue
        ctl = {"mode": 0, "g_in": 10 ** (eq["input-gain"] / 20), "g_out": 10 ** (eq["output-gain"] / 20)}
        for k, b in enumerate(left):
            ctl.update({f"ft_{k}": 0 if b["mute"] else LSP_TYPE[b["type"]], f"fm_{k}": LSP_MODE[b["mode"]],
                        f"s_{k}": 0, f"f_{k}": b["frequency"], f"g_{k}": 10 ** (b["gain"] / 20),
                        f"q_{k}": b["q"]})
        af = f"lv2=p='{LSP_EQ.replace(':', chr(92) + ':')}':c=" + "|".join(
            f"{k}={v:.10g}" for k, v in ctl.items())
        out = os.path.join(work, name + ".lsp.wav")
        r = run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", src, "-af", af, "-c:a", "pcm_f32le", out])
        if not REP.check(r.returncode == 0, f"{name}: ffmpeg runs the LSP equalizer", bxtest.tell(r)):
            continue
        s = snr_db(render_bx(p, src), sf.read(out)[0])
        REP.check(s >= 60, f"{name}: LSP's equalizer set from the file = bxlive (>= 60 dB SNR)",
                  f"{s:.1f} dB")


def check_sidechain():
    """LSP's RMS sidechain averages over a sliding window of `reactivity` ms;
    bx's rms_level over a one-pole time 0.7 of such a window (the relation
    test_lsp_rms_compare measures): the export sets the window from rms_ms
    and the summary says so; mean_level's one-pole on |x| is LSP's Low-Pass
    sidechain, whose reactivity is the time to 1 - 1/sqrt(2) of a step
    (1.228 time constants), as are LSP's attack and release; the other
    detectors keep LSP's 10 ms."""
    base = bxtest.FULL_PRESET["chain"]
    lsp_time = -math.log(1 - 1 / math.sqrt(2))
    cases = (("rms", None, 1, "RMS", 10.0), ("peak", None, 1, "Peak", 10.0),
             ("rms_level", 3.5, 3, "RMS", 5.0), ("rms_level", 100.0, 3, "RMS", 100.0 / 0.7),
             ("mean_level", 4.0, 4, "Low-Pass", 4.0 * lsp_time))
    for det, rms_ms, version, mode, want in cases:
        comp = dict(base["compressor"], detector=det)
        if rms_ms is not None:
            comp["mean_ms" if det == "mean_level" else "rms_ms"] = rms_ms
        p = preset_file(f"sc-{det}-{rms_ms}", dict(base, compressor=comp), version)
        r = run([BXANALYZE, p, "--export", "easyeffects"])
        if not REP.check(r.returncode == 0, f"{det} {rms_ms}: exported", bxtest.tell(r)):
            continue
        with open(export(p, "easyeffects")) as f:
            lc = json.load(f)["input"]["compressor#0"]
        sc = lc["sidechain"]
        said = rms_ms is None or (f"sliding window of {want:.3g} ms" in r.stderr
                                  or f"reactivity {want:.3g} ms" in r.stderr)
        times = (abs(lc["attack"] - comp["attack_ms"] * lsp_time) < 1e-9
                 and abs(lc["release"] - comp["release_ms"] * lsp_time) < 1e-9)
        REP.check(sc["mode"] == mode and abs(sc["reactivity"] - want) < 1e-9 and said and times,
                  f"{det}, averaging {rms_ms} ms: LSP's sidechain {mode}, reactivity {want:g} ms, "
                  f"attack and release 1.228 x bx's time constants",
                  f"{sc['mode']}, {sc['reactivity']} ms, attack {lc['attack']}, release "
                  f"{lc['release']}; {r.stderr.strip()[:300]}")


class Recorder:
    """A stand-in for a pedalboard plugin class: records its keyword arguments."""
    made = []

    def __init__(self, cls):
        self.cls = cls

    def __call__(self, **kw):
        Recorder.made.append((self.cls, kw))
        return (self.cls, kw)


def check_pedalboard(presets, chains):
    fake = types.ModuleType("pedalboard")
    for cls in ("Compressor", "Gain", "HighpassFilter", "HighShelfFilter", "Limiter", "LowpassFilter",
                "LowShelfFilter", "PeakFilter"):
        setattr(fake, cls, Recorder(cls))
    fake.Pedalboard = lambda plugins: list(plugins)
    sys.modules["pedalboard"] = fake
    names = {"peak": "PeakFilter", "low_shelf": "LowShelfFilter", "high_shelf": "HighShelfFilter",
             "highpass": "HighpassFilter", "lowpass": "LowpassFilter"}
    for name, p in presets.items():
        Recorder.made = []
        with open(export(p, "pedalboard")) as f:
            code = f.read()
        exec(compile(code, p, "exec"), {"__name__": "bx_export_test"})
        c = chains[name]
        want = []
        if c.get("input_gain_db"):
            want.append(("Gain", {"gain_db": c["input_gain_db"]}))
        for b in c.get("eq", []):
            if "gain_db" in b:
                want.append((names[b["type"]], {"cutoff_frequency_hz": b["freq_hz"], "gain_db": b["gain_db"],
                                                "q": b.get("q", 0.7071)}))
            else:
                want += [(names[b["type"]], {"cutoff_frequency_hz": b["freq_hz"]})] * 2
        if c.get("output_gain_db"):
            want.append(("Gain", {"gain_db": c["output_gain_db"]}))
        REP.check(Recorder.made == want, f"{name}: the Pedalboard script builds the chain",
                  f"{Recorder.made}")
    del sys.modules["pedalboard"]


def check_notes():
    p = preset_file("dyn", bxtest.FULL_PRESET["chain"])
    expect = {"apo": ("Left out: the compressor", "Left out: the safety limiter"),
              "sox": ("Approximate: compand", "Left out: the safety limiter"),
              "ffmpeg": ("Approximate: acompressor", "Left out: the safety limiter"),
              "pedalboard": ("Approximate: Compressor", "Approximate: Limiter")}
    for fmt, words in expect.items():
        with open(export(p, fmt)) as f:
            text = " ".join(l[2:] for l in f.read().splitlines() if l.startswith("# "))
        REP.check(all(w in text for w in words), f"{fmt}: the file says what it leaves out",
                  f"wanted {words}")
    r = run([BXANALYZE, p, "--export", "easyeffects"])
    REP.check(r.returncode == 0 and "Approximate: the compressor is LSP's" in r.stdout + r.stderr,
              "easyeffects: the summary says what the preset approximates", bxtest.tell(r))
    src = take(os.path.join(work, "short.wav"), seconds=1)
    for program, effect, extra in (("sox", "compand", []), ("ffmpeg", "acompressor", ["-y", "-v", "error"])):
        if not shutil.which(program):
            REP.skip(f"the {program} script with {effect} runs", f"{program} is not installed")
            continue
        r = run(["sh", export(p, program), src, os.path.join(work, f"dyn.{program}.wav")] + extra)
        REP.check(r.returncode == 0, f"the {program} script with {effect} runs", bxtest.tell(r))


def check_command_line(presets, src):
    p = presets["bass"]
    one = os.path.join(work, "named.txt")
    r = run([BXANALYZE, p, "--export", "apo", "-o", one, "-q"])
    REP.check(r.returncode == 0 and open(one).read().startswith("# bx preset"),
              "-o FILE names the export of one format", bxtest.tell(r))
    r = run([BXANALYZE, p, "--export=APO", "-o", "-"])
    REP.check(r.returncode == 0 and "Filter 1: ON LSC" in r.stdout, "-o - writes it on standard output",
              bxtest.tell(r))
    for args, why in (([p, "--export", "apo,wav"], "an unknown format"),
                      ([p], "a preset with no --export"),
                      ([p, "--export", "apo", "--source", src], "a preset with --source"),
                      ([p, "--export", "apo,sox", "-o", one], "-o with several formats"),
                      ([src, "--export", "apo", "--json"], "an analysis export with no -o")):
        r = run([BXANALYZE] + args)
        lines = r.stderr.strip().splitlines()
        REP.check(r.returncode == 2 and lines and lines[0].startswith("bxanalyze: "),
                  f"{why}: usage error (exit 2)", bxtest.tell(r))
    bad = os.path.join(work, "bad.json")
    with open(bad, "w") as f:
        f.write('{"bxpreset": 1, "chain": {"eq": [{"type": "peak", "freq_hz": 0, "gain_db": 1}]}}')
    r = run([BXANALYZE, bad, "--export", "apo"])
    REP.check(r.returncode == 3 and "bad.json" in r.stderr and "freq_hz" in r.stderr,
              "an invalid preset: exit 3, naming the file and the field", bxtest.tell(r))
    # at analysis time, and in a batch
    out = os.path.join(work, "fitted.json")
    r = run([BXANALYZE, src, "-o", out, "--export", "apo,sox"])
    made = [os.path.exists(os.path.join(work, "fitted" + s)) for s in (".apo.txt", ".sox.sh")]
    REP.check(r.returncode == 0 and all(made) and "fitted.apo.txt" in r.stdout,
              "an analysis writes the exports next to the preset and lists them", bxtest.tell(r))
    folder = os.path.join(work, "batch-in")
    os.makedirs(folder, exist_ok=True)
    for k in range(2):
        take(os.path.join(folder, f"t{k}.wav"), seconds=2)
    dst = os.path.join(work, "batch-out") + os.sep
    r = run([BXANALYZE, folder, "-o", dst, "--export", "ffmpeg", "-q"])
    made = sorted(f for f in os.listdir(dst)) if os.path.isdir(dst) else []
    REP.check(r.returncode == 0 and made == ["t0.ffmpeg.sh", "t0.json", "t1.ffmpeg.sh", "t1.json"],
              "a batch writes the exports next to every preset", f"{bxtest.tell(r)}; {made}")


def main():
    src = take(os.path.join(work, "take.wav"))
    presets = {n: preset_file(n, c) for n, c in PRESETS.items()}
    REP.part(check_sox, presets, src)
    REP.part(check_ffmpeg, presets, src)
    REP.part(check_apo, presets, PRESETS)
    REP.part(check_easyeffects, presets, PRESETS, src)
    REP.part(check_pedalboard, presets, PRESETS)
    REP.part(check_notes)
    REP.part(check_sidechain)
    REP.part(check_command_line, presets, src)
    REP.finish(work)


main()
