#!/usr/bin/python3
"""Build a second evaluation corpus whose chains are run by real plugins (LSP, ZAM, TAP).

Dry "beatbox-like" takes are sequenced from hydrogen drum kits (none of the public corpus' kits) with
espeak-ng (or festival, when it has a voice) syllables or speech, then processed offline through
ffmpeg's lv2 / ladspa filters.  Same layout as shared/eval/make_corpus.py: per case cNN_source.wav,
cNN_dry2.wav, cNN_reference.wav (dry2 through the chain), cNN_truth.wav (source through the chain),
xNN_* cross cases (reference from another kit and performer, no truth), and cases.json.  The true EQ
is the plugin's MEASURED magnitude response (an impulse through the EQ alone) fitted with RBJ-cookbook
biquads; the compressor's static curve is measured with a stepped tone and fitted with a soft knee.

usage: make_plugin_corpus.py OUTDIR [--seed N] [--jobs N] [--plugins main|check]   exit 77: a tool or plugin is missing
"""
import argparse, glob, json, math, os, random, shutil, subprocess, sys, tempfile, time
from functools import lru_cache
from multiprocessing import Pool

import numpy as np
import soundfile as sf
from scipy.optimize import least_squares
from scipy.signal import butter, lfilter, resample_poly

FS, SECONDS = 48000, 20
KITDIR = "/usr/share/hydrogen/data/drumkits"
LADSPA_DIRS = [d for d in os.environ.get("LADSPA_PATH", "").split(":") + ["/usr/lib/ladspa", "/usr/local/lib/ladspa"]
               if d]
LSP_EQ = "http://lsp-plug.in/plugins/lv2/para_equalizer_x16_mono"
LSP_COMP = "http://lsp-plug.in/plugins/lv2/compressor_mono"
LADSPA_LIBS = ("ZamEQ2-ladspa", "ZamComp-ladspa", "tap_eqbw", "tap_dynamics_m")
# the check set (--plugins check): processors kept apart from development, to check on
CALF_EQ = "http://calf.sourceforge.net/plugins/Equalizer5Band"
CALF_COMP = "http://calf.sourceforge.net/plugins/MonoCompressor"
X42_EQ = "http://gareus.org/oss/lv2/fil4#mono"
CHECK_LADSPA_LIBS = ("sc4m_1916",)
KITS = {  # kit: kick, snare, hat file globs ("|" separates alternatives)
    "BJA_Pacific": ("BD_0[1-6]*", "SN_0[1-6]*", "HH_0[1-6]*"),
    "ColomboAcousticDrumkit": ("bassdrum-*", "snare-opaque-*", "hihat-closed-*"),
    "HardElectro1": ("HardHse_K_*|PowR_BD_*", "PowR_SN_*|Clap_1*|Amp_Clap*", "CHH_1*|Hard_CHH_*|PowR_HH_*"),
    "Millo_MultiLayered3": ("bd_0*", "sd_0*", "hh_0*"),
    "The Black Pearl 1.0": ("PearlKick-*", "PearlSnare-*", "SabianHatClosed-*"),
    "circAfrique v4": ("Djembe? Bass*", "Djembe? Slap*", "Kenkeni1 Bell*|Djembe? Tone*"),
    "Gimme A Hand 1.0": ("CajonThumps-*", "CajonSlaps-*|HandClap-*", "Maraca-*|Tambourine-*"),
    "Millo_MultiLayered2": ("bd_0*", "jsnare_0*|rsnare_0*", "hhclosed_0*"),
}
GROOVES = {  # 16 steps per bar for kick, snare, hat: "x" hit, "g" ghost note played half the time
    "boombap": ("x.....x...x..g..", "....x..g....x...", "x.x.x.x.x.x.x.x."),
    "fourfloor": ("x...x...x...x...", "....x.......x...", "..x...x...x...x."),
    "halftime": ("x.......x.x....g", "........x.......", "x.x.x.x.x.x.x.x."),
    "break": ("x..x..x...x..g..", "....x..g.x..x..g", "xxxxxxxxxxxxxxxx"),
    "afro": ("x..x..x.x..x..x.", "..x...x...x...x.", "x.xx.x.xx.x.x.x."),
}
ESPEAK_VOICES = ["en-us", "en+f3", "en-gb-x-rp+m3", "en-029+f2", "en-gb-scotland+f4", "en-us+klatt2", "en+m7"]
SYLLABLES = ["kuh tss puh tss", "dun tak dun dun tak", "bmm ch ka ch", "pf tk pf tk", "ba dum tss",
             "doo ka tah ka", "gg tsh bm tsh", "tun ki tun ki tak"]
SPEECH = ["okay one more take from the top", "check check this is the second verse",
          "keep the groove steady and count it in", "we are rolling, give me four bars",
          "that was close, let us try it slower", "bring the snare up a little on the chorus"]
# peers per case (EQ + compressor); c01-c16 use two cases per kit, x17-x20 are cross cases
C_PLAN = ["lsp-peq", "lsp-comp", "zameq2+tap-dyn", "tap-eqbw+zamcomp", "zameq2", "zamcomp", "lsp-peq+lsp-comp",
          "tap-eqbw+tap-dyn", "tap-eqbw", "tap-dyn", "lsp-peq+zamcomp", "zameq2+lsp-comp", "lsp-peq", "lsp-comp",
          "zameq2+zamcomp", "tap-eqbw+lsp-comp"]
X_PLAN = ["lsp-peq+tap-dyn", "zameq2+lsp-comp", "tap-eqbw+zamcomp", "lsp-peq+lsp-comp"]
CHECK_C_PLAN = ["calf-eq5", "calf-comp", "x42-fil4+swh-sc4", "calf-eq5+calf-comp", "x42-fil4", "swh-sc4",
                "calf-eq5+swh-sc4", "x42-fil4+calf-comp", "calf-eq5", "calf-comp", "x42-fil4+swh-sc4",
                "calf-eq5+calf-comp", "x42-fil4", "swh-sc4", "calf-eq5+swh-sc4", "x42-fil4+calf-comp"]
CHECK_X_PLAN = ["calf-eq5+swh-sc4", "x42-fil4+calf-comp", "calf-eq5+calf-comp", "x42-fil4+swh-sc4"]
GRID12 = 20.0 * 2 ** (np.arange(120) / 12)  # 1/12 octave, 20 Hz .. 19.6 kHz


def db(x):
    return 20 * math.log10(x + 1e-20)


def db2(x):
    return 10 ** (x / 20)


def rms_db(x):
    return db(math.sqrt(float(np.mean(x ** 2))))


def env_db(x, win=0.010):
    n = int(win * FS)
    return 20 * np.log10(np.sqrt(np.mean(x[: len(x) // n * n].reshape(-1, n) ** 2, axis=1)) + 1e-12)


def spread(x):
    """Dynamics as score.py sees them: p95 - p10 of the 50 ms envelope (within 60 dB of its top)."""
    e = env_db(x, 0.050)
    return float(np.subtract(*np.percentile(e[e > np.max(e) - 60], [95, 10])))


def check_tools(check_set=False):
    """Exit 77 (skip) when ffmpeg's lv2/ladspa filters, a plugin, espeak-ng or a drum kit is missing."""
    run = lambda *c: subprocess.run(c, capture_output=True, text=True).stdout.split()
    missing = [f"{t} (program)" for t in ("ffmpeg", "espeak-ng", "lv2ls") if not shutil.which(t)]
    if not missing:
        flt = run("ffmpeg", "-hide_banner", "-filters")
        missing += [f"ffmpeg filter {f}" for f in ("lv2", "ladspa") if f not in flt]
        uris = (CALF_EQ, CALF_COMP, X42_EQ) if check_set else (LSP_EQ, LSP_COMP)
        missing += [f"LV2 {u} (calf-plugins / x42-plugins / lsp-plugins-lv2)" for u in uris if u not in run("lv2ls")]
    missing += [f"LADSPA {lib}.so (zam-plugins / tap-plugins / swh-plugins)"
                for lib in (CHECK_LADSPA_LIBS if check_set else LADSPA_LIBS)
                if not any(os.path.exists(os.path.join(d, lib + ".so")) for d in LADSPA_DIRS)]
    missing += [f"drum kit {k} (hydrogen-drumkits)" for k in KITS if not os.path.isdir(os.path.join(KITDIR, k))]
    if missing:
        print("SKIP: missing " + ", ".join(missing), file=sys.stderr)
        sys.exit(77)


def festival_ok():
    """festival is used for some voices only when text2wave really has a voice installed."""
    if not shutil.which("text2wave"):
        return False
    with tempfile.NamedTemporaryFile(suffix=".wav") as t:
        r = subprocess.run(["text2wave", "-o", t.name], input="test", capture_output=True, text=True)
        return r.returncode == 0 and open(t.name, "rb").read(4) == b"RIFF"


# ---------------------------------------------------------------- ffmpeg as the plugin host
@lru_cache(maxsize=None)
def lv2_ports(uri):
    out = subprocess.run(["lv2info", uri], capture_output=True, text=True).stdout.split()
    return {out[i + 1] for i, w in enumerate(out[:-1]) if w == "Symbol:"}


def lv2(uri, name, ctl, **info):
    """(ffmpeg filter, plugin record) for an LV2 plugin; controls by port symbol (ffmpeg silently
    ignores unknown symbols, so they are checked against lv2info here)."""
    if set(ctl) - lv2_ports(uri):
        raise RuntimeError(f"{uri} has no control port {sorted(set(ctl) - lv2_ports(uri))}")
    af = f"lv2=p='{uri.replace(':', chr(92) + ':')}':c=" + "|".join(f"{k}={v:.6g}" for k, v in ctl.items())
    return af, {"name": name, "uri": uri, "host": "ffmpeg lv2", "controls": ctl, **info, "filter": af}


def ladspa(lib, label, name, ctl, sidechain=False, **info):
    """(ffmpeg filter, plugin record) for a LADSPA plugin; controls in port order.  sidechain: the plugin
    has a second input; feed it the same signal, else ffmpeg's automatic mono->stereo upmix would
    attenuate the main input by 3 dB."""
    af = (("pan=stereo|c0=c0|c1=c0," if sidechain else "") + f"ladspa=f={lib}:p={label}:c="
          + "|".join(f"c{i}={v:.6g}" for i, v in enumerate(ctl.values())))
    return af, {"name": name, "library": lib + ".so", "label": label, "host": "ffmpeg ladspa", "controls": ctl,
                **info, "filter": af}


def ffmpeg(src, dst, af):
    r = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", src, "-af", af, "-ac", "1",
                        "-c:a", "pcm_f32le", dst], capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(dst):
        raise RuntimeError(f"ffmpeg failed for -af {af}:\n{r.stderr[-800:]}")


def through(x, af, tmp):
    """A float signal through an ffmpeg filter chain (mono, same length)."""
    a, b = os.path.join(tmp, "m_in.wav"), os.path.join(tmp, "m_out.wav")
    sf.write(a, x, FS, subtype="FLOAT")
    ffmpeg(a, b, af)
    return sf.read(b, dtype="float64")[0][: len(x)]


# ---------------------------------------------------------------- dry material
def read48(path):
    x, fs = sf.read(path, always_2d=True, dtype="float64")
    g = math.gcd(int(fs), FS)
    return x.mean(axis=1) if fs == FS else resample_poly(x.mean(axis=1), FS // g, int(fs) // g)


@lru_cache(maxsize=None)
def kit_hits(kit):
    out = {}
    for cat, pats in zip(("kick", "snare", "hat"), KITS[kit]):
        files = sorted({f for p in pats.split("|") for f in glob.glob(os.path.join(KITDIR, kit, p))})[:6]
        if not files:
            raise RuntimeError(f"kit {kit}: no {cat} samples match {pats}")
        out[cat] = [h * np.minimum(1, (len(h) - np.arange(len(h))) / (0.01 * FS))  # cut at 0.6 s, 10 ms fade
                    for h in (read48(f)[: int(0.6 * FS)] for f in files)]
    return out


def speak(text, voice, rng, tmp):
    """One phrase from espeak-ng (voice 'en-us', 'en+f3', ...) or festival (voice 'festival')."""
    w = os.path.join(tmp, "v.wav")
    if voice == "festival":
        subprocess.run(["text2wave", "-o", w], input=text, text=True, check=True, capture_output=True)
    else:
        subprocess.run(["espeak-ng", "-v", voice, "-w", w, "-s", str(rng.randint(120, 220)),
                        "-p", str(rng.randint(15, 80)), "-g", str(rng.randint(0, 8)), text], check=True)
    x = read48(w)
    return x / (np.max(np.abs(x)) + 1e-12)


def take(kit, seed, p, tmp):
    """One dry take at unit RMS: a humanised (maybe swung) groove on the kit plus the performer's voice."""
    rng = random.Random(seed)
    hits, step, n = kit_hits(kit), 60.0 / p["bpm"] / 4, SECONDS * FS
    x = np.zeros(n + FS)
    for s in range(int(SECONDS / step)):
        for k, (cat, lo, hi) in enumerate((("kick", 0.7, 1.0), ("snare", 0.6, 1.0), ("hat", 0.15, 0.5))):
            m = GROOVES[p["groove"]][k][s % 16]
            if m == "." or (m == "g" and rng.random() < 0.5):
                continue
            vel = rng.uniform(lo, hi) * (0.35 if m == "g" else 1.0) * (1.15 if s % 4 == 0 else 1.0)
            h = rng.choice(hits[cat])
            i = max(0, int((0.25 + s * step + (p["swing"] * step if s % 2 else 0) + rng.gauss(0, p["jitter"])) * FS))
            x[i: i + len(h)] += vel * h[: len(x) - i]
    x = x[:n] / np.sqrt(np.mean(x[:n] ** 2))
    if p["voice"]:
        parts, total = [], 0
        while total < n:
            txt = (rng.choice(SPEECH) if p["heavy"] and rng.random() < 0.7
                   else " ".join(rng.choice(SYLLABLES) for _ in range(2)))
            parts += [speak(txt, p["voice"], rng, tmp) * rng.uniform(0.5, 1.0),
                      np.zeros(int(rng.uniform(0.1, 0.8 if p["heavy"] else 0.4) * FS))]
            total += len(parts[-1]) + len(parts[-2])
        v = np.concatenate(parts)[:n]
        x = x * (0.35 if p["heavy"] else 1.0) + v / np.sqrt(np.mean(v ** 2)) * db2(p["voice_db"])
    return x / np.sqrt(np.mean(x ** 2))


def mic(x, seed, p):
    """Mic self-noise, mains hum and low-frequency handling rumble at absolute levels (dBFS)."""
    r, t = np.random.default_rng(seed), np.arange(len(x)) / FS
    hum = np.sin(2 * np.pi * p["hum_hz"] * t) + 0.3 * np.sin(4 * np.pi * p["hum_hz"] * t)
    lf = lfilter(*butter(2, 25 / (FS / 2)), r.standard_normal(len(x)))
    return (x + r.standard_normal(len(x)) * db2(p["noise_db"]) + hum * db2(p["hum_db"])
            + lf / np.std(lf) * db2(p["rumble_db"]))


def performer(rng, voices):
    """How one performer plays (groove, tempo, swing, timing, voice) and the mic/room noise."""
    v = rng.choice(voices) if rng.random() < 0.55 else None
    return {"groove": rng.choice(sorted(GROOVES)), "bpm": round(rng.uniform(70, 130), 1),
            "swing": round(rng.choice((0, 0, rng.uniform(0.08, 0.33))), 3), "jitter": rng.uniform(0.002, 0.008),
            "voice": v, "heavy": bool(v) and rng.random() < 0.45, "voice_db": round(rng.uniform(-8, 2), 1),
            "noise_db": round(rng.uniform(-84, -66), 1), "hum_db": round(rng.uniform(-80, -58), 1),
            "hum_hz": rng.choice((50, 60)), "rumble_db": round(rng.uniform(-72, -52), 1)}


# ---------------------------------------------------------------- RBJ cookbook model and fits
def biquad(band):
    """RBJ-cookbook coefficients (b, a), a[0] = 1, for highpass/lowpass/peak/low_shelf/high_shelf."""
    kind, A = band["type"], 10 ** (band.get("gain_db", 0.0) / 40)
    w = 2 * math.pi * band["freq_hz"] / FS
    c, al = math.cos(w), math.sin(w) / (2 * band.get("q", 0.707))
    if kind in ("highpass", "lowpass"):
        k, sg = (1 + c, -1) if kind == "highpass" else (1 - c, 1)
        b, a = [k / 2, sg * k, k / 2], [1 + al, -2 * c, 1 - al]
    elif kind == "peak":
        b, a = [1 + al * A, -2 * c, 1 - al * A], [1 + al / A, -2 * c, 1 - al / A]
    else:  # shelves; the high shelf mirrors the low one
        s, sq = (1 if kind == "low_shelf" else -1), 2 * math.sqrt(A) * al
        b = [A * ((A + 1) - s * (A - 1) * c + sq), 2 * s * A * ((A - 1) - s * (A + 1) * c),
             A * ((A + 1) - s * (A - 1) * c - sq)]
        a = [(A + 1) + s * (A - 1) * c + sq, -2 * s * ((A - 1) + s * (A + 1) * c), (A + 1) + s * (A - 1) * c - sq]
    return np.array(b) / a[0], np.array(a) / a[0]


def model_db(bands, f):
    """Magnitude (dB) of the cascade of RBJ biquads at frequencies f."""
    z = np.exp(-2j * np.pi * np.asarray(f, float) / FS)
    h = np.ones(len(z), complex)
    for bd in bands:
        b, a = biquad(bd)
        h *= (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)
    return 20 * np.log10(np.abs(h) + 1e-30)


def measure_eq(af, tmp):
    """Magnitude response (dB) of the EQ filters: an impulse after 0.5 s of settling silence."""
    n0, n = FS // 2, 1 << 17
    x = np.zeros(n0 + n)
    x[n0] = 0.5
    h = through(x, af, tmp)[n0:] / 0.5
    return np.fft.rfftfreq(n, 1 / FS)[1:], 20 * np.log10(np.abs(np.fft.rfft(h)) + 1e-12)[1:]


def fit_rbj(nominal, f, hdb):
    """Least-squares RBJ fit (log f, gain, log Q per band, from the nominal settings) to the measured
    response on a 240-point log grid 20 Hz-20 kHz; returns the bands and their RMS error (dB)."""
    grid = np.geomspace(20, 20000, 240)
    target, has_g = np.interp(np.log(grid), np.log(f), hdb), [b["type"] not in ("highpass", "lowpass") for b in nominal]

    def unpack(p):
        out, i = [], 0
        for b, g in zip(nominal, has_g):
            out.append({"type": b["type"], "freq_hz": float(np.exp(p[i])),
                        **({"gain_db": float(p[i + 1])} if g else {}), "q": float(np.exp(p[i + 1 + g]))})
            i += 2 + g
        return out
    p0 = np.concatenate([[math.log(b["freq_hz"])] + ([b["gain_db"]] if g else []) + [math.log(b.get("q", 0.707))]
                         for b, g in zip(nominal, has_g)])
    bands = unpack(least_squares(lambda p: model_db(unpack(p), grid) - target, p0, x_scale=0.5).x)
    err = float(np.sqrt(np.mean((model_db(bands, grid) - target) ** 2)))
    return [{k: round(v, 4) if isinstance(v, float) else v for k, v in b.items()} for b in bands], err


def check_eq(cid, nom, f, hdb):
    """Fail loudly when the EQ plugin ignored its settings (wrong port, bypassed, ...): a flat response,
    or one more than 1 dB away from what the settings should give (anywhere, bell centres included)."""
    hm = np.interp(np.log(GRID12), np.log(f), hdb)
    if np.max(np.abs(hm[(GRID12 > 30) & (GRID12 < 16000)])) < 1.0:
        raise RuntimeError(f"{cid}: the EQ plugin left the spectrum flat: settings ignored?")
    pts = np.concatenate([GRID12, [b["freq_hz"] for b in nom if b["type"] == "peak"]])
    meas, want = np.interp(np.log(pts), np.log(f), hdb), model_db(nom, pts)
    k = int(np.argmax(np.abs(meas - want)))
    if abs(meas[k] - want[k]) > 1.0:
        raise RuntimeError(f"{cid}: at {pts[k]:.0f} Hz the EQ measures {meas[k]:+.1f} dB, "
                           f"its settings say {want[k]:+.1f} dB")
    return hm


def static_curve(af, det, top, tmp):
    """Steady-state gain for a 1 kHz tone stepped -75..0 dBFS peak (0.5 s a step), its input level in
    the detector's units (peak, or RMS = peak - 3 dB), and a soft-knee threshold/ratio/knee/makeup fit
    over the levels the material reaches (up to its 10 ms RMS top + 6 dB)."""
    lv, seg, tail = np.arange(-75.0, 0.1, 3.0), FS // 2, int(0.15 * FS)
    y = through(np.concatenate([db2(v) * np.sin(2 * np.pi * 1000 * np.arange(seg) / FS) for v in lv]), af, tmp)
    gain = np.array([10 * np.log10(2 * np.mean(y[(i + 1) * seg - tail:(i + 1) * seg] ** 2) + 1e-20)
                     for i in range(len(lv))]) - lv
    xin = lv - (3.01 if det == "rms" else 0.0)
    use = xin <= top + 6

    def model(p):
        th, r, w, mk = p
        d = xin - th
        knee = (d + w / 2) ** 2 / (2 * w + 1e-9)
        return mk + (1 / r - 1) * np.where(2 * d <= -w, 0.0, np.where(2 * d >= w, d, knee))
    best = min((least_squares(lambda p: (model(p) - gain)[use], [th0, 3.0, 3.0, gain[0]],
                              bounds=([-90, 1, 0, -30], [0, 100, 30, 40])) for th0 in (-60, -40, -25, -10)),
               key=lambda r: r.cost)
    th, r, w, mk = best.x
    return {"in_db": [round(v, 2) for v in xin], "gain_db": [round(v, 2) for v in gain],
            "fit_top_db": round(top + 6, 1), "fit": {"threshold_db": round(th, 1), "ratio": round(r, 2),
                                                     "knee_db": round(w, 1), "makeup_db": round(mk, 1)},
            "fit_rms_db": round(float(np.sqrt(np.mean((model(best.x) - gain)[use] ** 2))), 2)}


# ---------------------------------------------------------------- plugin settings (typical DAW moves)
def gain(rng, lo, hi):
    return round(rng.choice((-1, 1)) * rng.uniform(lo, hi), 1)


def logf(rng, lo, hi):
    return round(10 ** rng.uniform(math.log10(lo), math.log10(hi)))


def shelves_and_peaks(rng, p_shelf, peak_lo, peak_hi=8000):
    """A low shelf (with probability p_shelf), 1-3 peaks in peak_lo..peak_hi Hz, a high shelf (p_shelf)."""
    nom = []
    if rng.random() < p_shelf:
        nom.append({"type": "low_shelf", "freq_hz": round(rng.uniform(60, 250)), "gain_db": gain(rng, 2, 9),
                    "q": 0.707})
    nom += [{"type": "peak", "freq_hz": logf(rng, peak_lo, peak_hi), "gain_db": gain(rng, 2, 9),
             "q": round(rng.uniform(0.5, 4), 2)} for _ in range(rng.randint(1, 3))]
    if rng.random() < p_shelf:
        nom.append({"type": "high_shelf", "freq_hz": round(rng.uniform(3000, 12000)), "gain_db": gain(rng, 2, 8),
                    "q": 0.707})
    return nom


def eq_lsp(rng):
    """LSP Parametric Equalizer x16 Mono, IIR, every filter in APO (DR) mode: the RBJ-cookbook one
    (it ignores the slope control: its hi-pass is always 12 dB/oct)."""
    nom = [{"type": "highpass", "freq_hz": round(rng.uniform(30, 120)), "q": 0.707}] if rng.random() < 0.5 else []
    nom += shelves_and_peaks(rng, 0.85, 200)
    ctl = {"mode": 0, "g_in": 1, "g_out": 1}
    for i, b in enumerate(nom):  # ft: 1 bell, 2 hi-pass, 3 hi-shelf, 5 lo-shelf; fm 6 = APO (DR)
        ctl.update({f"ft_{i}": {"peak": 1, "highpass": 2, "high_shelf": 3, "low_shelf": 5}[b["type"]], f"fm_{i}": 6,
                    f"s_{i}": 0, f"f_{i}": b["freq_hz"], f"g_{i}": db2(b.get("gain_db", 0)), f"q_{i}": b["q"]})
    return (nom, *lv2(LSP_EQ, "LSP Parametric Equalizer x16 Mono", ctl, filter_mode="APO (DR)"))


ZAM_BW_Q = ((1.5, 5.44), (2.0, 2.95), (2.5, 1.774), (3.0, 1.126), (3.5, 0.738), (4.0, 0.493), (4.5, 0.333))  # at 1 kHz


def eq_zam(rng):
    """ZamEQ2: two peaks (its 'Bandwidth' is not octaves: ZAM_BW_Q maps it to Q, measured at 1 kHz) and
    fixed-slope shelves."""
    pk = [(logf(rng, 200, 8000), gain(rng, 2, 9), round(rng.uniform(1.8, 4.0), 2)) for _ in range(2)]
    ls, hs = (round(rng.uniform(60, 250)), gain(rng, 2, 9)), (round(rng.uniform(3000, 12000)), gain(rng, 2, 8))
    ctl = {"Boost/Cut 1": pk[0][1], "Bandwidth 1": pk[0][2], "Frequency 1": pk[0][0], "Boost/Cut 2": pk[1][1],
           "Bandwidth 2": pk[1][2], "Frequency 2": pk[1][0], "Boost/Cut L": ls[1], "Frequency L": ls[0],
           "Boost/Cut H": hs[1], "Frequency H": hs[0], "Master Gain": 0.0, "Peaks ON": 0}
    sinc = lambda f: math.sin(2 * math.pi * f / FS) / (2 * math.pi * f / FS)  # its Q narrows with frequency
    q = lambda bw, f: math.exp(np.interp(bw, *zip(*[(a, math.log(b)) for a, b in ZAM_BW_Q]))) * sinc(f) / sinc(1000)
    nom = ([{"type": "low_shelf", "freq_hz": ls[0], "gain_db": ls[1], "q": 0.6}]
           + [{"type": "peak", "freq_hz": f, "gain_db": g, "q": q(bw, f)} for f, g, bw in pk]
           + [{"type": "high_shelf", "freq_hz": hs[0], "gain_db": hs[1], "q": 0.6}])
    return (nom, *ladspa("ZamEQ2-ladspa", "ZamEQ2", "ZamEQ2", ctl))


TAP_RANGES = ((40, 280), (100, 500), (200, 1000), (400, 2800), (1000, 5000), (3000, 9000), (6000, 12000))


def eq_tap(rng):
    """TAP Equalizer/BW: eight RBJ peaking bands (a frequency range each, bandwidth in octaves); 2-4 used."""
    used = sorted(rng.sample(range(7), rng.randint(2, 4)))
    gains, freqs, bws = [0.0] * 8, [100, 200, 400, 1000, 3000, 6000, 12000, 15000], [1.0] * 8
    for i in used:
        freqs[i], gains[i] = logf(rng, *TAP_RANGES[i]), gain(rng, 2, 9)
        bws[i] = round(rng.uniform(0.4, 2.5 if i in (0, 6) else 2.0), 2)
    ctl = {**{f"Band {i + 1} Gain [dB]": gains[i] for i in range(8)}, **{f"Band {i + 1} Freq [Hz]": freqs[i]
           for i in range(8)}, **{f"Band {i + 1} Bandwidth [octaves]": bws[i] for i in range(8)}}
    w = [2 * math.pi * f / FS for f in freqs]  # cookbook bandwidth -> Q, with its w0/sin(w0) warping term
    nom = [{"type": "peak", "freq_hz": freqs[i], "gain_db": gains[i],
            "q": 1 / (2 * math.sinh(math.log(2) / 2 * bws[i] * w[i] / math.sin(w[i])))} for i in used]
    return (nom, *ladspa("tap_eqbw", "tap_equalizer_bw", "TAP Equalizer/BW", ctl))


def eq_calf(rng):
    """Calf Equalizer 5 Band (stereo: fed the mono signal on both inputs, left output kept): RBJ shelves
    and peaks, levels as gains; a low shelf, 1-3 peaks and a high shelf, each shelf in most cases."""
    nom, ctl, pk = shelves_and_peaks(rng, 0.8, 150, 9000), {}, 0
    for b in nom:
        k = {"low_shelf": "ls", "high_shelf": "hs"}.get(b["type"])
        if not k:
            pk += 1
            k = f"p{pk}"
        ctl.update({f"{k}_active": 1, f"{k}_freq": b["freq_hz"], f"{k}_level": db2(b["gain_db"]), f"{k}_q": b["q"]})
    af, rec = lv2(CALF_EQ, "Calf Equalizer 5 Band", ctl)
    af = f"pan=stereo|c0=c0|c1=c0,{af},pan=mono|c0=c0"
    return nom, af, {**rec, "filter": af}


def eq_x42(rng):
    """x42-eq (fil4) mono: highpass, low shelf, four peaks, high shelf. Its peak 'q' is a bandwidth:
    RBJ Q = 0.448 / q (measured); shelves at its q 1 are RBJ shelves of Q 0.66."""
    nom, ctl = [], {"enable": 1, "gain": 0, "HighPass": 0, "LowPass": 0, "LSsec": 0, "HSsec": 0,
                    "sec1": 0, "sec2": 0, "sec3": 0, "sec4": 0}
    if rng.random() < 0.4:
        f = round(rng.uniform(30, 120))
        nom.append({"type": "highpass", "freq_hz": f, "q": 0.707})
        ctl.update({"HighPass": 1, "HPfreq": f, "HPQ": 0.7})
    if rng.random() < 0.8:
        f, g = round(rng.uniform(40, 300)), gain(rng, 2, 9)
        nom.append({"type": "low_shelf", "freq_hz": f, "gain_db": g, "q": 0.66})
        ctl.update({"LSsec": 1, "LSfreq": f, "LSq": 1, "LSgain": g})
    ranges = ((60, 1500), (150, 3000), (400, 8000), (1000, 12000))
    for i in sorted(rng.sample(range(4), rng.randint(1, 3))):
        f, g, bw = logf(rng, *ranges[i]), gain(rng, 2, 9), round(rng.uniform(0.15, 1.0), 2)
        nom.append({"type": "peak", "freq_hz": f, "gain_db": g, "q": 0.448 / bw})
        ctl.update({f"sec{i + 1}": 1, f"freq{i + 1}": f, f"q{i + 1}": bw, f"gain{i + 1}": g})
    if rng.random() < 0.8:
        f, g = round(rng.uniform(2500, 12000)), gain(rng, 2, 8)
        nom.append({"type": "high_shelf", "freq_hz": f, "gain_db": g, "q": 0.66})
        ctl.update({"HSsec": 1, "HSfreq": f, "HSq": 1, "HSgain": g})
    return (nom, *lv2(X42_EQ, "x42-eq fil4 mono", ctl))


def plausible(nom):
    """No engineer boosts and cuts within half an octave (a bell against a bell or a shelf's corner)."""
    g = [b for b in nom if b.get("gain_db")]
    return not any(a["gain_db"] * b["gain_db"] < 0 and abs(math.log2(a["freq_hz"] / b["freq_hz"])) < 0.5
                   for i, a in enumerate(g) for b in g[i + 1:])


def attack(rng, lo):
    """Mostly fast attacks that catch the transients; one in four slower ones that let them through."""
    return round(rng.uniform(lo, 3) if rng.random() < 0.75 else rng.uniform(3, 20), 1)


def comp_lsp(rng, loud, top):
    """LSP Compressor Mono, feed-forward, downward; peak or RMS sidechain; its knee 'kn' is a gain: the
    knee runs from kn dB below to kn dB above the threshold (2*|kn| dB wide); no lookahead, no latency."""
    det, knee = rng.choice(("peak", "rms")), rng.uniform(0, 9)
    thr = loud - (rng.uniform(4, 14) if det == "peak" else rng.uniform(8, 18))
    ctl = {"sct": 0, "scm": 0 if det == "peak" else 1, "sla": 0, "scr": round(rng.uniform(2, 10), 1), "scp": 1,
           "cm": 0, "al": db2(thr), "at": attack(rng, 0.1), "rrl": 0, "rt": round(rng.uniform(40, 400)),
           "cr": round(rng.uniform(1.5, 8), 1), "kn": db2(-knee), "mk": db2(rng.uniform(0, 10)), "cdr": 0, "cwt": 1}
    bx = {"threshold_db": round(thr, 1), "ratio": ctl["cr"], "attack_ms": ctl["at"], "release_ms": ctl["rt"],
          "makeup_db": round(db(ctl["mk"]), 1), "knee_db": round(2 * knee, 1), "detector": det}
    return lv2(LSP_COMP, "LSP Compressor Mono", ctl, detector=det + (" (window: scr ms)" if det == "rms" else ""),
               bx_nominal=bx)


def comp_zam(rng, loud, top):
    """ZamComp: hard knee only (its soft knee BOOSTS the signal below the threshold, up to +2 dB at
    knee 6); Slew 1 (above 1 the output depends on the host's block size: up to 5 dB on a 10 ms envelope)."""
    ctl = {"Attack": attack(rng, 0.1), "Release": round(rng.uniform(40, 400)), "Knee": 0.0,
           "Ratio": round(rng.uniform(2, 10), 1), "Threshold": round(loud - rng.uniform(4, 14), 1),
           "Makeup": round(rng.uniform(0, 10), 1), "Slew": 1.0, "Sidechain": 0}
    bx = {"threshold_db": ctl["Threshold"], "ratio": ctl["Ratio"], "attack_ms": ctl["Attack"],
          "release_ms": ctl["Release"], "makeup_db": ctl["Makeup"], "knee_db": 0.0, "detector": "peak"}
    return ladspa("ZamComp-ladspa", "ZamComp", "ZamComp", ctl, sidechain=True, detector="peak (log domain)",
                  bx_nominal=bx)


TAP_FN_THR = {0: -11, 1: -14, 2: -17, 3: -23, 4: -17, 5: -20, 6: -20}  # where each curve starts (RMS dBFS, measured)


def comp_tap(rng, loud, top):
    """TAP Dynamics (M): RMS detector; the curve is preset 'Function' 0-6 (compression only) moved by the
    offset gain to the wanted threshold, keeping the material's top + offset below +10 dB: the curves end
    near +13 dB and above that the gain jumps back to 0 dB."""
    thr, room = loud - rng.uniform(6, 16), min(20.0, 10 - top)
    fn = rng.choice([f for f, t in sorted(TAP_FN_THR.items()) if t - thr <= room] or [3])  # a curve that gets there
    ctl = {"Attack [ms]": round(rng.uniform(4, 10), 1), "Release [ms]": round(rng.uniform(40, 500)),
           "Offset Gain [dB]": round(min(room, max(-20.0, TAP_FN_THR[fn] - thr)), 1),
           "Makeup Gain [dB]": round(rng.uniform(-2, 8), 1), "Function": fn}
    return ladspa("tap_dynamics_m", "tap_dynamics_m", "TAP Dynamics (M)", ctl, detector="rms")


def comp_calf(rng, loud, top):
    """Calf Mono Compressor: RMS detector, soft knee (a gain: 2.83 = 9 dB), threshold and makeup as gains."""
    thr = loud - rng.uniform(6, 16)
    ctl = {"threshold": db2(thr), "ratio": round(rng.uniform(1.5, 8), 1), "attack": attack(rng, 0.1),
           "release": round(rng.uniform(40, 400)), "makeup": db2(rng.uniform(0, 10)),
           "knee": db2(rng.uniform(0, 12)), "mix": 1}
    return lv2(CALF_COMP, "Calf Mono Compressor", ctl, detector="rms")


def comp_sc4(rng, loud, top):
    """SWH SC4 mono: RMS/peak blend (0 RMS .. 1 peak), knee radius, threshold -30..0 dB. Below -30 dB
    the signal is driven into it by a gain before (and the same gain taken back after), as an engineer
    turns up the input of a compressor whose threshold does not go low enough."""
    blend, want = rng.choice((0.0, 0.0, 0.5, 1.0)), loud - rng.uniform(4, 14)
    drive = round(max(0.0, -30.0 - want), 1)
    ctl = {"RMS/peak": blend, "Attack time (ms)": round(rng.uniform(1.5, 20), 1),
           "Release time (ms)": round(rng.uniform(40, 400)), "Threshold level (dB)": round(want + drive, 1),
           "Ratio (1:n)": round(rng.uniform(1.5, 8), 1), "Knee radius (dB)": round(rng.uniform(1, 10), 1),
           "Makeup gain (dB)": round(rng.uniform(0, 10), 1)}
    af, rec = ladspa("sc4m_1916", "sc4m", "SWH SC4 mono", ctl, detector="peak" if blend >= 0.5 else "rms",
                     drive_db=drive)
    af = f"volume={drive}dB,{af},volume={-drive}dB" if drive > 0 else af
    return af, {**rec, "filter": af}


EQS = {"lsp-peq": eq_lsp, "zameq2": eq_zam, "tap-eqbw": eq_tap, "calf-eq5": eq_calf, "x42-fil4": eq_x42}
COMPS = {"lsp-comp": comp_lsp, "zamcomp": comp_zam, "tap-dyn": comp_tap, "calf-comp": comp_calf,
         "swh-sc4": comp_sc4}
TIMES = {"lsp-comp": ("at", "rt"), "zamcomp": ("Attack", "Release"), "tap-dyn": ("Attack [ms]", "Release [ms]"),
         "calf-comp": ("attack", "release"), "swh-sc4": ("Attack time (ms)", "Release time (ms)")}


# ---------------------------------------------------------------- cases
def takes(spec, rng, tmp):
    """Both dry takes at one mic gain (RMS -40..-18 dBFS), peaks kept below -1 dBFS, written as PCM_24."""
    n, cross = spec["n"], spec["kind"] == "cross"
    pa = performer(rng, spec["voices"])
    pb = performer(rng, spec["voices"]) if cross else pa
    g = db2(rng.uniform(-40, -18))
    d = [mic(take(kit, spec["seed"] * 7919 + 2 * n + i, p, tmp) * g, spec["seed"] + 2 * n + i, p)
         for i, (kit, p) in enumerate(((spec["kit_src"], pa), (spec["kit_ref"], pb)))]
    pk = max(np.max(np.abs(v)) for v in d)
    d = [v * db2(-1.05) / pk for v in d] if pk > db2(-1.0) else d
    for v, k in zip(d, ("source", "dry2")):
        sf.write(os.path.join(spec["out"], f"{spec['id']}_{k}.wav"), v, FS, subtype="PCM_24")
    return d, pb


def build_case(spec):
    """Both takes, the chain, its measurements and the processed files of one case."""
    with tempfile.TemporaryDirectory(prefix="bxpc_") as tmp:
        return build_case_in(spec, tmp)


def build_case_in(spec, tmp):
    cid, cross = spec["id"], spec["kind"] == "cross"
    rng = random.Random(spec["seed"] * 1009 + spec["n"])
    (d1, d2), pb = takes(spec, rng, tmp)
    P = lambda k: os.path.join(spec["out"], f"{cid}_{k}.wav")
    lv = {"source_rms_dbfs": round(rms_db(d1), 1), "source_peak_dbfs": round(db(np.max(np.abs(d1))), 1),
          "dry2_rms_dbfs": round(rms_db(d2), 1), "dry2_peak_dbfs": round(db(np.max(np.abs(d2))), 1),
          "mic_noise_dbfs": pb["noise_db"], "hum_dbfs": pb["hum_db"], "rumble_dbfs": pb["rumble_db"]}
    case = {"id": cid, "kit": f"{spec['kit_src']}->{spec['kit_ref']}" if cross else spec["kit_src"],
            "kind": spec["kind"], "peer": "+".join(p for p in (spec["eq"], spec["comp"]) if p),
            "voice": {"engine": "festival" if pb["voice"] == "festival" else "espeak-ng", "voice": pb["voice"],
                      "speech_heavy": pb["heavy"], "voice_db": pb["voice_db"]} if pb["voice"] else None,
            "performer": {k: pb[k] for k in ("groove", "bpm", "swing")}, "levels": lv,
            "chain": {"eq": [], "compressor": None}, "plugin": {}}
    filters, pre = [], d2
    if spec["eq"]:
        nom, af, rec = EQS[spec["eq"]](rng)
        while not plausible(nom):
            nom, af, rec = EQS[spec["eq"]](rng)
        f, hdb = measure_eq(af, tmp)
        hm = check_eq(cid, nom, f, hdb)
        fit, err = fit_rbj(nom, f, hdb)
        if err > 0.3:
            print(f"WARNING {cid}: the RBJ fit misses {rec['name']}'s measured response by {err:.2f} dB RMS",
                  flush=True)
        case["chain"]["eq"], case["plugin"]["eq"] = fit, rec
        case.update({"eq_nominal": nom, "eq_fit_rms_db": round(err, 4), "eq_measured": {
            "freq_hz": [round(v, 2) for v in GRID12], "db": [round(float(v), 3) for v in hm]}})
        filters.append(af)
        pre = through(d2, af, tmp)
    if spec["comp"]:  # threshold set below the loud parts: the 99th percentile of the EQ'd 10 ms envelope
        e = env_db(pre)
        af, rec = COMPS[spec["comp"]](rng, float(np.percentile(e, 99)), float(np.max(e)))
        det = "rms" if rec["detector"].startswith("rms") else "peak"
        st = static_curve(af, det, float(np.max(e)), tmp)
        if st["gain_db"][0] - min(st["gain_db"]) < 2.0:
            raise RuntimeError(f"{cid}: {rec['name']} never reduces the gain of a loud tone: settings ignored?")
        att, rel = (rec["controls"][k] for k in TIMES[spec["comp"]])
        case["chain"]["compressor"] = {**st["fit"], "attack_ms": att, "release_ms": rel, "detector": det}
        case["comp_static"], case["plugin"]["compressor"] = st, rec
        filters.append(af)
    render(case, spec, filters, P, tmp)
    return case


def render(case, spec, filters, P, tmp):
    """Reference (and truth) through the whole chain, after checking the chain adds no latency; then the
    checks that the plugins changed the audio, and what the compressor did to crest factor and spread."""
    af, lv, cid = ",".join(filters), case["levels"], spec["id"]
    click = np.zeros(FS)
    click[FS // 2] = 1e-3                                  # below any threshold: the chain is linear
    lag = int(np.argmax(np.abs(through(click, af, tmp)))) - FS // 2
    if lag != 0:
        raise RuntimeError(f"{cid}: the chain delays its output by {lag} samples (plugin latency)")
    for src, dst in [("dry2", "reference")] + ([] if spec["kind"] == "cross" else [("source", "truth")]):
        if spec.get("preroll"):  # a second of silence first, cut off after: controls that glide settle
            x = sf.read(P(src))[0]
            sf.write(P(dst), through(np.concatenate([np.zeros(FS), x]), af, tmp)[FS:], FS, subtype="FLOAT")
        else:
            ffmpeg(P(src), P(dst), af)
        x, y = sf.read(P(src))[0], sf.read(P(dst))[0]
        if len(y) != len(x) or np.max(np.abs(y - x)) < 1e-4 * np.max(np.abs(x)):
            raise RuntimeError(f"{cid}_{dst}: the plugin output equals its input or has the wrong length")
        lv.update({f"{dst}_rms_dbfs": round(rms_db(y), 1), f"{dst}_peak_dbfs": round(db(np.max(np.abs(y))), 1)})
        if spec["comp"]:  # the compressor alone (EQ'd input -> output): crest factor and envelope spread
            x = through(x, filters[0], tmp) if spec["eq"] else x
            lv[f"{dst}_crest_db"] = [round(db(np.max(np.abs(v))) - rms_db(v), 1) for v in (x, y)]
            lv[f"{dst}_env10ms_crest_db"] = [round(float(np.max(env_db(v))) - rms_db(v), 1) for v in (x, y)]
            lv[f"{dst}_spread_db"] = [round(spread(v), 1) for v in (x, y)]
            sp = lv[f"{dst}_spread_db"]
            if sp[1] > sp[0] - 1.0:
                print(f"WARNING {cid}_{dst}: the compressor hardly narrows the dynamics: spread {sp}", flush=True)


def plan(seed, out, voices, check_set=False):
    """c01-c16: two cases per kit, kinds eq/comp/full/full; x17-x20: source and reference from different kits."""
    kits, specs = list(KITS), []
    for n, peer in enumerate(CHECK_C_PLAN + CHECK_X_PLAN if check_set else C_PLAN + X_PLAN, 1):
        eq = next((p for p in peer.split("+") if p in EQS), None)
        comp = next((p for p in peer.split("+") if p in COMPS), None)
        a = kits[(n - 1) // 2] if n <= 16 else kits[(n - 17) * 2 % 8]
        specs.append({"id": f"{'x' if n > 16 else 'c'}{n:02d}", "n": n, "eq": eq, "comp": comp,
                      "kind": "cross" if n > 16 else "full" if eq and comp else "eq" if eq else "comp",
                      "kit_src": a, "kit_ref": a if n <= 16 else kits[((n - 17) * 2 + 3) % 8],
                      "seed": seed, "out": out, "voices": voices, "preroll": check_set})
    return specs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=7100)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--plugins", choices=("main", "check"), default="main",
                    help="main: LSP, ZAM, TAP; check: Calf, x42, SWH, kept apart to check on, not to tune on")
    a = ap.parse_args()
    check_tools(a.plugins == "check")
    t0, voices = time.time(), list(ESPEAK_VOICES)
    if festival_ok():
        voices += ["festival"] * 2
    else:
        print("note: festival has no voice installed; every voice comes from espeak-ng", flush=True)
    os.makedirs(a.outdir, exist_ok=True)
    cases = []
    with Pool(a.jobs) as pool:
        for c in pool.imap(build_case, plan(a.seed, os.path.abspath(a.outdir), voices, a.plugins == "check")):
            cases.append(c)
            cp, lv = c["chain"]["compressor"], c["levels"]
            print(f"{c['id']} {c['kind']:5s} {c['peer']:17s} {c['kit'][:28]:28s} rms {lv['source_rms_dbfs']:6.1f}"
                  + (f"  eq fit {c['eq_fit_rms_db']:.3f} dB" if "eq_fit_rms_db" in c else "")
                  + (f"  comp thr {cp['threshold_db']} r {cp['ratio']} {cp['detector']} crest "
                     f"{lv['reference_crest_db']} spread {lv['reference_spread_db']}" if cp else ""), flush=True)
    with open(os.path.join(a.outdir, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print(f"{len(cases)} cases in {a.outdir} ({time.time() - t0:.0f} s, seed {a.seed})")


if __name__ == "__main__":
    main()
