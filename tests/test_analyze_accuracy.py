#!/usr/bin/python3
"""test_analyze_accuracy — bxanalyze fits presets that sound like the reference.

test_analyze_cli checks the command-line contract; this test checks what the
fitted presets do to audio. All material is generated: dry takes come from
`bxgen take` (12 s, deterministic seeds) and every "reference" is a take
rendered by bxlive through a chain this test writes, so the truth is exact.

The known chains (TRUE_EQ below): highpass 45 Hz, low shelf +4 dB at 150 Hz,
bell -5 dB at 500 Hz, bell +6 dB at 3 kHz, high shelf -4 dB at 9 kHz; the
"compressor" chain adds 3:1 at -26 dBFS (6 dB knee, 5 ms / 120 ms, +6 dB
makeup) and a limiter at 0 dBFS that never acts on these takes.

Measures (all computed here with numpy, nothing from bx):
  SNR      10 log10(sum ref^2 / sum (ref - out)^2), the two aligned sample by
           sample with the known true offset;
  LTAS     long-term power in 1/3-octave bands 40 Hz - 16 kHz (Welch, Hann);
           "LTAS |d|" is the mean over bands of |out - ref| in dB, "shape" the
           same after removing the mean difference, "level" the mean difference;
  LU       integrated loudness, ITU-R BS.1770 (K-weighting designed at the
           file's rate, 400 ms blocks with 75 % overlap, -70 LUFS absolute and
           -10 LU relative gates), implemented in this file.

Promises (thresholds in the THRESHOLDS block; the values measured when they
were set are in the comments next to them, so each has a stated margin):

  a. --paired DRY: for REF = DRY through the EQ chain, and through the
     compressor chain, and for each also REF with 0.3 s cut from its start
     and REF with 0.2 s of silence put in front:
       - analysis.fit.delay_ms is the true offset within 1 sample;
       - DRY rendered through the fitted preset matches REF: SNR and LTAS |d|
         within the thresholds (EQ-only chain tighter than with the
         compressor). The SNR is the strict one: it needs the right phase,
         so an EQ that matches the magnitude with other band types (a bell
         near 30 Hz instead of the highpass) fails it while its LTAS looks
         even better;
       - every bell or shelf of less than 1 dB in the preset is worth
         0.05 dB of SNR (rendered without it, the match is worse by that);
         control: a -0.1 dB bell at 64 Hz added to the fit is not.
  b. --source MYTAKE: REF = take B through the chain, MYTAKE = take A. Take A
     rendered through the fitted preset is close to take A through the true
     chain: LTAS shape, LTAS level and loudness within the thresholds, and
     for the EQ chain the fitted EQ rises at most 1 dB above the true one at
     20-60 Hz (impulse responses through bxlive). With
     take B itself as MYTAKE (no take-to-take difference), take B through the
     fitted preset is within 0.3 LU of REF's loudness. Take A's top octave
     (16-20 kHz) through the fit is within 1.5 dB of the true chain's, the
     LTAS level removed, also for a chain with a +8 dB shelf at 14 kHz
     (fitted only up to 16 kHz, that read -3.1 dB), and with REF cut off at
     16 kHz as a lossy codec cuts (the limit is found and recorded in
     analysis.fit.reference_band_limit_hz; without holding the EQ flat above
     it, -36.6 dB). The
     same holds with REF at 44.1 kHz and MYTAKE at 48 kHz and the other way
     round, where the sounds are still paired like with like
     (analysis.fit.like_with_like: at least 8 pairs, weight > 0, compared at
     44.1 kHz).
  c. reference only: REF = take B through the chain. The preset is valid
     (bxlive renders with it), every number in it is finite, every EQ gain
     and the EQ's net response (an impulse rendered through the EQ bands
     alone, 30 Hz - 16 kHz) are moderate; a take at the input level the
     neutral model assumes comes out within a few LU of REF's loudness.
  d. robustness: digital silence as REF (all three modes) exits non-zero with
     one error line naming the file and writes nothing; a DC-only REF and a
     10 ms REF give either a valid, finite preset or one error line naming
     the file (and no preset); stereo files and 44.1 kHz / 96 kHz files
     work in every mode (6 s takes; paired fits of the EQ chain at those
     rates meet the paired SNR, LTAS and delay promises); an unrelated DRY
     for --paired exits 4 with one line saying it does not match.

Every criterion is shown to be able to fail: deliberately wrong presets are
measured with the same code and must fail the same threshold — the "near
miss" (the true chain with the highpass at 60 Hz instead of 45 and the 3 kHz
bell at +3 dB instead of +6), the dry take at matched loudness, the fit 6 dB
too loud or too quiet, a +20 dB bell.

Environment: BXANALYZE, BXLIVE, BXGEN (programs), BX_TEST_TMP (scratch; a
fresh subfolder, removed when everything passed). Output: one line per
promise with the measured numbers, then `N passed, N failed`. Exit status: 0
all passed, 1 a check failed, 77 skipped (numpy or soundfile missing).
"""

import copy
import json
import math
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import bxtest
from bxtest import tell

DEBIAN = "Debian: apt-get install python3-numpy python3-soundfile"
np = bxtest.need("numpy", DEBIAN)
sf = bxtest.need("soundfile", DEBIAN)

EXIT_INPUT = 4
TIMEOUT = 300
RATE = 48000
SECONDS = 12
SEED_A, SEED_B = 11, 12

# ---- the known chains ---------------------------------------------------------------
TRUE_EQ = [
    {"type": "highpass", "freq_hz": 45, "q": 0.7071},
    {"type": "low_shelf", "freq_hz": 150, "gain_db": 4},
    {"type": "peak", "freq_hz": 500, "gain_db": -5, "q": 1.4},
    {"type": "peak", "freq_hz": 3000, "gain_db": 6, "q": 1.0},
    {"type": "high_shelf", "freq_hz": 9000, "gain_db": -4},
]
TRUE_COMP = {"threshold_db": -26, "ratio": 3, "knee_db": 6, "attack_ms": 5, "release_ms": 120,
             "makeup_db": 6, "detector": "peak"}
CHAINS = {
    "EQ": {"eq": TRUE_EQ},
    "EQ+compressor": {"eq": TRUE_EQ, "compressor": TRUE_COMP, "limiter": {"ceiling_db": 0}},
}


def near_miss(chain):
    """The deliberately wrong preset: the true chain with the highpass at 60 Hz
    instead of 45 and the 3 kHz bell at +3 dB instead of +6."""
    c = copy.deepcopy(chain)
    c["eq"][0]["freq_hz"] = 60
    c["eq"][3]["gain_db"] = 3
    return c


# ---- THRESHOLDS ---------------------------------------------------------------------
# Set from measurements at 48 kHz, 12 s takes: seeds 11/12 (the ones used here)
# and, to see the spread, the seed pairs 21/22, 31/32, 5/6 and 1/2.
PAIRED = {
    # chain: (min SNR dB, max LTAS |d| dB)
    # EQ: SNR 26.4 / 27.2 / 26.4 dB (plain / cut / padded), 24.6-29.2 over the other seeds
    # when the fit has a highpass; 5.2 dB when it has none (seed 1). LTAS 0.12-0.18 dB.
    # Near miss: SNR 10.1 dB, LTAS 0.81 dB.
    "EQ": (20.0, 0.35),
    # EQ+compressor: SNR 36.9 / 33.2 / 36.9 dB (plain / cut / padded); 36.8-37.5 dB over
    # the seeds 21, 31, 5, 1 and 7, where 2^-24 of noise on DRY moves it by under 1 dB
    # (with one start for the rounds it ranged from 3.4 to 36 dB). LTAS 0.24-0.36 dB.
    # Near miss: SNR 10.3 dB, LTAS 0.63 dB; dry take: SNR 2.3 dB.
    "EQ+compressor": (20.0, 0.50),
}
DELAY_TOL_SAMPLES = 1.0
# --paired: a bell or shelf of gain g under SMALL_BAND_DB must be worth EARN_MIN_DB of SNR at
# SMALL_BAND_DB, more as g shrinks (EARN_MIN_DB * SMALL_BAND_DB / g, at most EARN_MAX_DB): half
# what bxanalyze asks (the whole file's match 0.1 dB better with it at 1 dB, 0.1 dB^2 / g below,
# at most 2 dB; measured before the final level match)
SMALL_BAND_DB = 1.0
EARN_MIN_DB = 0.05
EARN_MAX_DB = 1.0
SOURCE = {
    # chain: (max shape dB, max |level| dB, max |loudness| LU)
    # shape 0.18-0.30 (EQ), 0.18-0.34 (EQ+compressor) dB; level within ±0.52 dB;
    # loudness within ±0.49 LU (that is the two takes' own difference: the fit
    # matches REF's loudness to 0.02 LU). Near miss: shape 0.76 / 0.71 dB; dry
    # take: 2.4 / 2.0 dB.
    "EQ": (0.6, 1.0, 1.0),
    "EQ+compressor": (0.6, 1.0, 1.0),
}
# --source, EQ chain: the fitted EQ above the true one at 20-60 Hz, dB (about their median
# difference over 100 Hz - 8 kHz). -0.64..+0.32 dB over the seed pairs 11/12, 21/22,
# 31/32, 5/6 and 1/2; with the target below 150 Hz read from 170 ms frames, as before
# long frames, 1.38-1.94 dB. The true chain with its highpass at 30 Hz: +6.4 dB.
LOW_EXCESS_MAX_DB = 1.0
# --source: take A through the fit vs through the true chain, 16-20 kHz, the
# LTAS level difference removed, dB
TOP_MAX_DB = 1.5
# --source with REF's own dry take as MYTAKE: rendered loudness vs REF's, LU (the fit
# matches K-weighted energy, not the gated loudness, so a little may be left)
OWN_MAX_LU = 0.3
REF_MAX_BAND_GAIN_DB = 12.0         # every fitted EQ band, reference-only mode (the truth: ±6)
REF_MAX_NET_EQ_DB = 12.0            # net EQ response, 30 Hz - 16 kHz, about its median: ±2.0-2.4
REF_NEUTRAL_LU = 1.0                # reference only: out vs in, LU
ASSUMED_INPUT_RMS_DB = -28.0        # the live input level the neutral model assumes (neutral.h)
ASSUMED_INPUT_LUFS = ASSUMED_INPUT_RMS_DB + 2.0  # as loudness: K-weighting adds ~2 dB (src/analysis.c)

REP = bxtest.Report(bxtest.colon)
check = REP.check

BXANALYZE, BXLIVE, BXGEN = bxtest.programs("BXANALYZE", "BXLIVE", "BXGEN")
TMP = bxtest.scratch("analyze_accuracy.")


def tmp(name):
    return os.path.join(TMP, name)


# ---- running the programs ---------------------------------------------------------------

def run(args):
    return subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=TIMEOUT)


def gen_take(path, seed, rate=RATE, seconds=SECONDS):
    r = run([BXGEN, "take", path, "--seconds", str(seconds), "--rate", str(rate),
             "--seed", str(seed)])
    if r.returncode != 0:
        raise RuntimeError(f"bxgen failed: {r.stderr.strip()}")
    return path


def write_preset(path, chain, name="test"):
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"bxpreset": 1, "name": name, "chain": chain}, f, indent=1)
    return path


def render(preset, wav_in, wav_out):
    r = run([BXLIVE, preset, "--render", wav_in, wav_out, "--quiet"])
    if r.returncode != 0:
        raise RuntimeError(f"bxlive {preset} --render {wav_in}: exit {r.returncode}: "
                           f"{r.stderr.strip()}")
    return wav_out


def render_chain(chain, wav_in, wav_out):
    return render(write_preset(wav_out + ".json", chain), wav_in, wav_out)


def analyze(ref, out, *extra):
    """Run bxanalyze; (result, preset dict or None)."""
    if os.path.exists(out):
        os.remove(out)
    r = run([BXANALYZE, ref, *extra, "-o", out, "-q"])
    p = None
    if r.returncode == 0:
        try:
            with open(out, encoding="utf-8") as f:
                p = json.load(f)
        except (OSError, ValueError):
            p = None
    return r, p


# ---- audio ------------------------------------------------------------------------------

def read_mono(path):
    x, fs = sf.read(path, dtype="float64", always_2d=True)
    return x.mean(axis=1), fs


def write_wav(path, x, fs):
    sf.write(path, np.asarray(x, dtype=np.float32), fs, subtype="FLOAT")
    return path


def snr_db(ref, out):
    n = min(len(ref), len(out))
    ref, out = ref[:n], out[:n]
    e = np.sum((ref - out) ** 2)
    return 10.0 * math.log10(np.sum(ref ** 2) / e) if e > 0 else math.inf


def align(ref, out, offset):
    """ref[n] ~ out[n - offset]: the overlapping parts, sample by sample."""
    if offset > 0:
        ref = ref[offset:]
    elif offset < 0:
        out = out[-offset:]
    n = min(len(ref), len(out))
    return ref[:n], out[:n]


THIRDS_HZ = [1000.0 * 2.0 ** (k / 3.0) for k in range(-15, 13)]
THIRDS_HZ = [c for c in THIRDS_HZ if 40.0 <= c <= 16500.0]  # 40 Hz .. 16 kHz, 27 bands


def psd(x, fs):
    """Welch: periodic Hann frames of 2^k >= fs/6 samples (bins of 6 Hz or less),
    50 % overlap, mean power per bin (relative scale)."""
    n = int(2 ** math.ceil(math.log2(fs / 6.0)))
    if len(x) < n:
        x = np.concatenate([x, np.zeros(n - len(x))])
    w = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)
    hop = n // 2
    p = np.zeros(n // 2 + 1)
    starts = range(0, len(x) - n + 1, hop)
    for i in starts:
        p += np.abs(np.fft.rfft(x[i:i + n] * w)) ** 2
    return np.fft.rfftfreq(n, 1.0 / fs), p / len(starts)


def thirds_db(x, fs):
    f, p = psd(x, fs)
    out = []
    for c in THIRDS_HZ:
        m = (f >= c * 2 ** (-1 / 6)) & (f < c * 2 ** (1 / 6))
        out.append(10.0 * math.log10(max(float(np.sum(p[m])), 1e-30)))
    return np.array(out)


def top_octave_db(x, fs):
    """Power between 16 and 20 kHz, dB."""
    f, p = psd(x, fs)
    return 10.0 * math.log10(max(float(np.sum(p[(f >= 16000) & (f < 20000)])), 1e-30))


def ltas_diff(out, ref, fs):
    """(mean |d|, shape = mean |d - mean d|, level = mean d, max |d - mean d|), dB."""
    d = thirds_db(out, fs) - thirds_db(ref, fs)
    m = float(np.mean(d))
    return float(np.mean(np.abs(d))), float(np.mean(np.abs(d - m))), m, float(np.max(np.abs(d - m)))


def kweighting(fs):
    """BS.1770 pre-filter (high shelf) and RLB highpass, designed at fs by the
    bilinear transform of their analog prototypes (exact ITU coefficients at 48 kHz)."""
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / fs)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh ** 0.4996667741545416
    a0 = 1.0 + k / q + k * k
    b1 = [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    a1 = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / fs)
    a0 = 1.0 + k / q + k * k
    b2 = [1.0, -2.0, 1.0]
    a2 = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    return b1, a1, b2, a2


def iir_filter(x, sections, fs):
    """x through the cascade of biquads [(b, a), ...]: the filters' frequency
    response applied to the FFT of x padded with 1 s of zeros (their impulse
    responses have died out long before, so this equals direct filtering)."""
    n = len(x) + int(fs)
    n = 1 << (n - 1).bit_length()
    z = np.exp(-1j * np.pi * np.arange(n // 2 + 1) / (n // 2))  # z^-1 on the rfft bins
    h = np.ones(n // 2 + 1, dtype=complex)
    for b, a in sections:
        h *= (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)
    return np.fft.irfft(np.fft.rfft(x, n) * h, n)[:len(x)]


def loudness_lufs(x, fs):
    """Integrated loudness of a mono signal, LUFS (-inf when everything is gated)."""
    b1, a1, b2, a2 = kweighting(fs)
    y = iir_filter(np.asarray(x, dtype=np.float64), [(b1, a1), (b2, a2)], fs)
    blk, hop = int(round(0.4 * fs)), int(round(0.1 * fs))
    if len(y) < blk:
        return -math.inf
    c = np.concatenate([[0.0], np.cumsum(y * y)])
    starts = np.arange(0, len(y) - blk + 1, hop)
    z = (c[starts + blk] - c[starts]) / blk
    lk = -0.691 + 10.0 * np.log10(np.maximum(z, 1e-30))
    z, lk = z[lk > -70.0], lk[lk > -70.0]
    if len(z) == 0:
        return -math.inf
    rel = -0.691 + 10.0 * math.log10(float(np.mean(z))) - 10.0
    z = z[lk > rel]
    return -0.691 + 10.0 * math.log10(float(np.mean(z)))


def finite_numbers(node, where="preset"):
    """Paths of every number in a JSON document that is not finite (or not a number)."""
    bad = []
    if isinstance(node, dict):
        for k, v in node.items():
            bad += finite_numbers(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            bad += finite_numbers(v, f"{where}[{i}]")
    elif isinstance(node, bool) or node is None or isinstance(node, str):
        pass
    elif isinstance(node, (int, float)):
        if not math.isfinite(node):
            bad.append(where)
    else:
        bad.append(where)
    return bad


def net_eq_db(chain, name):
    """The EQ bands of chain alone, measured (eq_response_db) at the 1/3-octave
    centres 31.5 Hz..16 kHz."""
    cs = [c for c in [1000.0 * 2.0 ** (k / 3.0) for k in range(-15, 13)] if 30 <= c <= 16500]
    return eq_response_db(chain, name, np.array(cs))


def eq_response_db(chain, name, freqs):
    """The EQ bands of chain alone at freqs, measured: an impulse rendered by
    bxlive at 48 kHz, 1 s long (every band's impulse response has died out), at
    -40 dBFS (the output's safety stage would clip a boosted full-scale one)."""
    x = np.zeros(RATE)
    x[0] = 0.01
    imp = write_wav(tmp(f"{name}-impulse.wav"), x, RATE)
    y, _ = read_mono(render_chain({"eq": chain.get("eq", [])}, imp,
                                  tmp(f"{name}-impulse-eq.wav")))
    h = np.abs(np.fft.rfft(y)) / 0.01
    f = np.fft.rfftfreq(RATE, 1.0 / RATE)
    return 20.0 * np.log10(np.maximum(np.interp(freqs, f, h), 1e-12))


def low_excess_db(fit, truth, name):
    """How far the fitted EQ rises above the true one at 20-60 Hz (1/12-octave
    points), dB, both about their median difference over 100 Hz - 8 kHz."""
    f = 20.0 * 2.0 ** (np.arange(0, 12 * 9) / 12.0)
    d = eq_response_db(fit, f"{name}-fit", f) - eq_response_db(truth, f"{name}-true", f)
    d -= np.median(d[(f >= 100) & (f <= 8000)])
    return float(np.max(d[f <= 60]))


def moderate(chain, name):
    """(ok, detail): every band gain and the net EQ response within the limits."""
    gains = [b.get("gain_db", 0.0) for b in chain.get("eq", [])]
    gmax = max((abs(g) for g in gains), default=0.0)
    r = net_eq_db(chain, name)
    span = float(np.max(np.abs(r - np.median(r)))) if len(r) else 0.0
    ok = gmax <= REF_MAX_BAND_GAIN_DB and span <= REF_MAX_NET_EQ_DB
    return ok, (f"largest band gain {gmax:.1f} dB (limit {REF_MAX_BAND_GAIN_DB:g}), net EQ "
                f"response within ±{span:.1f} dB of its median (limit {REF_MAX_NET_EQ_DB:g}); "
                f"gains {[round(g, 1) for g in gains]}")


def one_error_line(r, path):
    """(ok, detail): stderr is exactly one line and names the file (its base name)."""
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    ok = len(lines) == 1 and os.path.basename(path) in lines[0]
    return ok, f"exit {r.returncode}, {len(lines)} stderr line(s): {r.stderr.strip()[:200]!r}"


# ---- a. --paired ---------------------------------------------------------------------------

def small(band):
    return "gain_db" in band and abs(band["gain_db"]) < SMALL_BAND_DB


def earn_min_db(band):
    """The SNR a small band must be worth (see EARN_MIN_DB)."""
    return min(EARN_MIN_DB * SMALL_BAND_DB / max(abs(band["gain_db"]), 1e-9), EARN_MAX_DB)


def unearned(preset, take, ref, snr_with, stem):
    """The bells and shelves under SMALL_BAND_DB of a --paired preset whose removal costs less
    than earn_min_db of SNR against REF (rendered through bxlive without each in turn)."""
    out = []
    eq = preset["chain"].get("eq", [])
    for k, band in enumerate(eq):
        if not small(band):
            continue
        c = copy.deepcopy(preset["chain"])
        del c["eq"][k]
        y, _ = read_mono(render(write_preset(f"{stem}-without{k}.json", c), take,
                                f"{stem}-without{k}.wav"))
        loss = snr_db(ref, y) - snr_with
        if -loss < earn_min_db(band):
            out.append(f"{band['type']} {band['freq_hz']:.0f} Hz {band['gain_db']:+.2f} dB: "
                       f"without it SNR {-loss:+.3f} dB")
    return out


def case_paired(take_a):
    print("\na. --paired DRY: REF is DRY (take A) through a known chain")
    dry, fs = read_mono(take_a)
    cut, pad = int(round(0.3 * fs)), int(round(0.2 * fs))
    for cname, chain in CHAINS.items():
        min_snr, max_ltas = PAIRED[cname]
        full = render_chain(chain, take_a, tmp(f"paired-{cname}-ref.wav"))
        ref_full, _ = read_mono(full)
        variants = [
            ("REF as rendered", full, 0),
            ("REF with 0.3 s cut from its start", write_wav(
                tmp(f"paired-{cname}-cut.wav"), ref_full[cut:], fs), -cut),
            ("REF after 0.2 s of silence", write_wav(
                tmp(f"paired-{cname}-pad.wav"), np.concatenate([np.zeros(pad), ref_full]), fs),
             pad),
        ]
        for vname, ref_path, offset in variants:
            label = f"[{cname} chain, {vname}]"
            out_json = ref_path[:-4] + "-fit.json"
            t0 = time.time()
            r, p = analyze(ref_path, out_json, "--paired", take_a)
            secs = time.time() - t0
            if not check(p is not None, f"{label} bxanalyze --paired exits 0 with a preset",
                         tell(r)):
                continue
            fit = p.get("analysis", {}).get("fit", {})
            delay = fit.get("delay_ms")
            got = delay * fs / 1000.0 if isinstance(delay, (int, float)) else math.nan
            check(abs(got - offset) <= DELAY_TOL_SAMPLES,
                  f"{label} delay_ms is the true offset within {DELAY_TOL_SAMPLES:g} sample",
                  f"delay_ms {delay} = {got:.2f} samples, true {offset} "
                  f"({1000.0 * offset / fs:g} ms); alignment score {fit.get('alignment_score')}; "
                  f"analysis {secs:.1f} s")
            out, _ = read_mono(render(out_json, take_a, ref_path[:-4] + "-out.wav"))
            ref, _ = read_mono(ref_path)
            ra, oa = align(ref, out, offset)
            s = snr_db(ra, oa)
            ld = ltas_diff(oa, ra, fs)
            check(s >= min_snr, f"{label} DRY through the fit matches REF: SNR >= {min_snr:g} dB",
                  f"SNR {s:.2f} dB")
            check(ld[0] <= max_ltas,
                  f"{label} DRY through the fit matches REF: LTAS |d| <= {max_ltas:g} dB",
                  f"LTAS |d| {ld[0]:.3f} dB (largest band {ld[3]:.2f} dB after the mean)")
            if offset == 0:
                idle = unearned(p, take_a, ref, s, out_json[:-5])
                check(not idle, f"{label} every bell or shelf of g < {SMALL_BAND_DB:g} dB earns "
                      f"{EARN_MIN_DB:g} dB of SNR x {SMALL_BAND_DB:g} dB / g", "; ".join(idle) or
                      f"{sum(small(b) for b in p['chain'].get('eq', []))} such bands")
                if cname == "EQ":  # the control: a band the data do not ask for is seen
                    q = copy.deepcopy(p)
                    q["chain"]["eq"].append({"type": "peak", "freq_hz": 64, "gain_db": -0.1, "q": 4.3})
                    wp = write_preset(out_json[:-5] + "-idle.json", q["chain"])
                    s2 = snr_db(ref, read_mono(render(wp, take_a, wp[:-5] + ".wav"))[0])
                    check(unearned(q, take_a, ref, s2, wp[:-5]) != [],
                          f"{label} control: a -0.1 dB bell at 64 Hz added to the fit is seen as "
                          "not earning its place", f"SNR with it {s2:.3f} dB")
        # the deliberately wrong preset fails the same criteria
        ref, _ = read_mono(full)
        wrong, _ = read_mono(render_chain(near_miss(chain), take_a,
                                          tmp(f"paired-{cname}-wrong.wav")))
        s = snr_db(ref, wrong)
        ld = ltas_diff(wrong, ref, fs)
        check(ld[0] > max_ltas,
              f"[{cname} chain] control: a near miss (highpass 60 Hz, 3 kHz bell +3 dB) fails "
              f"the LTAS criterion", f"LTAS |d| {ld[0]:.3f} dB > {max_ltas:g}")
        if cname == "EQ":
            check(s < min_snr, f"[{cname} chain] control: the near miss fails the SNR criterion",
                  f"SNR {s:.2f} dB < {min_snr:g}")
        else:
            x = dry * 10.0 ** ((loudness_lufs(ref, fs) - loudness_lufs(dry, fs)) / 20.0)
            s0 = snr_db(ref, x)
            check(s0 < min_snr,
                  f"[{cname} chain] control: the dry take at matched loudness fails the SNR "
                  f"criterion (the near miss scores {s:.1f} dB)", f"SNR {s0:.2f} dB < {min_snr:g}")


# ---- b. --source ---------------------------------------------------------------------------

def case_source(take_a, take_b):
    print("\nb. --source MYTAKE: REF is take B through a known chain, MYTAKE is take A")
    dry, fs = read_mono(take_a)
    for cname, chain in CHAINS.items():
        max_shape, max_level, max_lu = SOURCE[cname]
        label = f"[{cname} chain]"
        ref_path = render_chain(chain, take_b, tmp(f"source-{cname}-ref.wav"))
        truth, _ = read_mono(render_chain(chain, take_a, tmp(f"source-{cname}-truth.wav")))
        out_json = tmp(f"source-{cname}-fit.json")
        t0 = time.time()
        r, p = analyze(ref_path, out_json, "--source", take_a)
        secs = time.time() - t0
        if not check(p is not None, f"{label} bxanalyze --source exits 0 with a preset", tell(r)):
            continue
        out, _ = read_mono(render(out_json, take_a, tmp(f"source-{cname}-out.wav")))
        _, shape, level, worst = ltas_diff(out, truth, fs)
        lu = loudness_lufs(out, fs) - loudness_lufs(truth, fs)
        check(shape <= max_shape,
              f"{label} take A through the fit vs through the true chain: LTAS shape <= "
              f"{max_shape:g} dB",
              f"shape {shape:.3f} dB (largest band {worst:.2f} dB); analysis {secs:.1f} s")
        check(abs(level) <= max_level, f"{label} ... LTAS level |mean d| <= {max_level:g} dB",
              f"level {level:+.3f} dB")
        top = top_octave_db(out, fs) - top_octave_db(truth, fs) - level
        check(abs(top) <= TOP_MAX_DB, f"{label} ... 16-20 kHz within {TOP_MAX_DB:g} dB of the "
              f"rest", f"{top:+.2f} dB")
        check(abs(lu) <= max_lu, f"{label} ... loudness within {max_lu:g} LU", f"{lu:+.3f} LU")
        if "compressor" not in chain:
            # the low end: a highpass read as shallower than it is lets rumble through
            excess = low_excess_db(p["chain"], chain, f"source-{cname}")
            check(excess <= LOW_EXCESS_MAX_DB,
                  f"{label} ... the fitted EQ rises at most {LOW_EXCESS_MAX_DB:g} dB above the "
                  f"true one at 20-60 Hz", f"{excess:+.2f} dB")
            wide = copy.deepcopy(chain)
            wide["eq"][0]["freq_hz"] = 30
            excess = low_excess_db(wide, chain, f"source-{cname}-hp30")
            check(excess > LOW_EXCESS_MAX_DB,
                  f"{label} control: the true chain with its highpass at 30 Hz fails that",
                  f"{excess:+.2f} dB")
        # the same performance as MYTAKE (REF is take B through the chain, MYTAKE take B):
        # no take-to-take difference, so the loudness must come out right
        own_json = tmp(f"source-{cname}-own.json")
        r, p = analyze(ref_path, own_json, "--source", take_b)
        if check(p is not None, f"{label} bxanalyze REF --source (REF's own dry take) exits 0",
                 tell(r)):
            own, _ = read_mono(render(own_json, take_b, tmp(f"source-{cname}-own.wav")))
            ref_sig, _ = read_mono(ref_path)
            lu_own = loudness_lufs(own, fs) - loudness_lufs(ref_sig, fs)
            check(abs(lu_own) <= OWN_MAX_LU,
                  f"{label} REF's own dry take through the fit: loudness within {OWN_MAX_LU:g} LU "
                  f"of REF", f"{lu_own:+.3f} LU")
        # controls: the dry take at matched loudness; the near miss; the fit 6 dB too loud
        x = dry * 10.0 ** ((loudness_lufs(truth, fs) - loudness_lufs(dry, fs)) / 20.0)
        shape0 = ltas_diff(x, truth, fs)[1]
        wrong, _ = read_mono(render_chain(near_miss(chain), take_a,
                                          tmp(f"source-{cname}-wrong.wav")))
        shape1 = ltas_diff(wrong, truth, fs)[1]
        check(shape0 > max_shape and shape1 > max_shape,
              f"{label} control: the dry take (matched loudness) and the near miss fail the "
              f"shape criterion", f"shape {shape0:.3f} and {shape1:.3f} dB > {max_shape:g}")
        loud = out * 10.0 ** (6.0 / 20.0)
        lu6 = loudness_lufs(loud, fs) - loudness_lufs(truth, fs)
        lev6 = ltas_diff(loud, truth, fs)[2]
        check(abs(lev6) > max_level and abs(lu6) > max_lu,
              f"{label} control: the fit 6 dB too loud fails the level and loudness criteria",
              f"level {lev6:+.2f} dB, {lu6:+.2f} LU")


    # REF and MYTAKE at different rates: the sounds are still compared like with like
    max_shape, max_level, max_lu = SOURCE["EQ"]
    for ref_rate, take_rate in ((44100, 48000), (48000, 44100)):
        label = f"[EQ chain, REF {ref_rate / 1000:g} kHz, MYTAKE {take_rate / 1000:g} kHz]"
        tb = gen_take(tmp(f"mixed-b-{ref_rate}.wav"), SEED_B, rate=ref_rate)
        ta = gen_take(tmp(f"mixed-a-{take_rate}.wav"), SEED_A, rate=take_rate)
        ref_path = render_chain(CHAINS["EQ"], tb, tmp(f"mixed-ref-{ref_rate}.wav"))
        truth, fs2 = read_mono(render_chain(CHAINS["EQ"], ta, tmp(f"mixed-truth-{take_rate}.wav")))
        out_json = tmp(f"mixed-{ref_rate}-{take_rate}.json")
        r, p = analyze(ref_path, out_json, "--source", ta)
        if not check(p is not None, f"{label} bxanalyze --source exits 0 with a preset", tell(r)):
            continue
        lwl = p["analysis"]["fit"].get("like_with_like") or {}
        check(lwl.get("pairs", 0) >= 8 and lwl.get("weight", 0) > 0
              and lwl.get("rate_hz") == ref_rate,
              f"{label} the sounds were paired like with like, at REF's rate (its profile's)",
              f"analysis.fit.like_with_like {lwl}")
        out, _ = read_mono(render(out_json, ta, tmp(f"mixed-out-{ref_rate}.wav")))
        _, shape, level, worst = ltas_diff(out, truth, fs2)
        lu = loudness_lufs(out, fs2) - loudness_lufs(truth, fs2)
        check(shape <= max_shape and abs(level) <= max_level and abs(lu) <= max_lu,
              f"{label} LTAS shape <= {max_shape:g} dB, |level| <= {max_level:g} dB, "
              f"loudness within {max_lu:g} LU",
              f"shape {shape:.3f} dB (largest band {worst:.2f} dB), level {level:+.3f} dB, "
              f"{lu:+.3f} LU")


def fit_and_check_top(label, name, ref_path, truth, take_a, fs):
    """bxanalyze REF --source MYTAKE, then take A through the fit vs through the true chain
    over 16-20 kHz, the LTAS level difference removed; the preset dict or None."""
    r, p = analyze(ref_path, tmp(f"source-{name}-fit.json"), "--source", take_a)
    if not check(p is not None, f"{label} bxanalyze --source exits 0 with a preset", tell(r)):
        return None
    out, _ = read_mono(render(tmp(f"source-{name}-fit.json"), take_a,
                              tmp(f"source-{name}-out.wav")))
    level = ltas_diff(out, truth, fs)[2]
    top = top_octave_db(out, fs) - top_octave_db(truth, fs) - level
    check(abs(top) <= TOP_MAX_DB, f"{label} take A through the fit vs the true chain: 16-20 kHz "
          f"within {TOP_MAX_DB:g} dB of the rest", f"{top:+.2f} dB")
    return p


def case_source_codec(take_a, take_b):
    """REF cut off at 16 kHz as a lossy codec cuts (every bin above zeroed): the fit keeps
    take A's top octave where the true chain puts it and records the limit."""
    label = "[EQ chain, REF cut off at 16 kHz]"
    full, fs = read_mono(render_chain(CHAINS["EQ"], take_b, tmp("source-codec-full.wav")))
    spec = np.fft.rfft(full)
    spec[np.fft.rfftfreq(len(full), 1.0 / fs) > 16000] = 0
    ref_path = tmp("source-codec-ref.wav")
    write_wav(ref_path, np.fft.irfft(spec, len(full)), fs)
    truth, _ = read_mono(render_chain(CHAINS["EQ"], take_a, tmp("source-codec-truth.wav")))
    p = fit_and_check_top(label, "codec", ref_path, truth, take_a, fs)
    if p is not None:
        limit = p.get("analysis", {}).get("fit", {}).get("reference_band_limit_hz")
        check(limit is not None and 15500 <= limit <= 17000,
              f"{label} the limit is found (15.5-17 kHz) and recorded",
              f"analysis.fit.reference_band_limit_hz = {limit}")


# ---- c. reference only ---------------------------------------------------------------------

def case_source_top(take_a, take_b):
    """A chain whose treble shelf sits high (+8 dB at 14 kHz): the fit follows it above 16 kHz."""
    chain = {"eq": TRUE_EQ[:-1] + [{"type": "high_shelf", "freq_hz": 14000, "gain_db": 8}]}
    ref_path = render_chain(chain, take_b, tmp("source-top-ref.wav"))
    truth, fs = read_mono(render_chain(chain, take_a, tmp("source-top-truth.wav")))
    fit_and_check_top("[EQ chain, +8 dB shelf at 14 kHz]", "top", ref_path, truth, take_a, fs)


def case_reference(take_a, take_b):
    print("\nc. reference only: REF is take B through a known chain")
    dry, fs = read_mono(take_a)
    g = ASSUMED_INPUT_LUFS - loudness_lufs(dry, fs)
    x = dry * 10.0 ** (g / 20.0)
    at_level = write_wav(tmp("take-a-at-assumed-level.wav"), x, fs)
    rms = 20.0 * math.log10(float(np.sqrt(np.mean(x ** 2))))
    print(f"  take A scaled to {ASSUMED_INPUT_LUFS:g} LUFS (RMS {rms:.1f} dBFS), "
          f"the input the neutral model assumes")
    for cname, chain in CHAINS.items():
        label = f"[{cname} chain]"
        ref_path = render_chain(chain, take_b, tmp(f"reference-{cname}-ref.wav"))
        out_json = tmp(f"reference-{cname}-fit.json")
        r, p = analyze(ref_path, out_json)
        if not check(p is not None, f"{label} bxanalyze REF exits 0 with a preset", tell(r)):
            continue
        bad = finite_numbers(p)
        check(not bad, f"{label} every number in the preset is finite", ", ".join(bad[:5]))
        try:
            out, _ = read_mono(render(out_json, at_level, tmp(f"reference-{cname}-out.wav")))
            check(True, f"{label} bxlive renders with the preset")
        except RuntimeError as e:
            check(False, f"{label} bxlive renders with the preset", str(e))
            continue
        ok, detail = moderate(p["chain"], f"reference-{cname}")
        check(ok, f"{label} the EQ is moderate", detail)
        # the input's level is unknown without a take: the preset keeps its loudness
        lin = loudness_lufs(x, fs)
        lu = loudness_lufs(out, fs) - lin
        check(abs(lu) <= REF_NEUTRAL_LU,
              f"{label} a take at the assumed level comes out as loud as it went in, within "
              f"{REF_NEUTRAL_LU:g} LU", f"{lu:+.2f} LU (in {lin:.1f} LUFS)")
        # and 12 dB quieter (no compressor to speak of there)
        q = dry * 10.0 ** ((g - 12.0) / 20.0)
        out_q, _ = read_mono(render(out_json, write_wav(tmp("take-a-quiet.wav"), q, fs),
                                    tmp(f"reference-{cname}-out-quiet.wav")))
        lq = loudness_lufs(out_q, fs) - loudness_lufs(q, fs)
        check(abs(lq) <= REF_NEUTRAL_LU,
              f"{label} the take 12 dB quieter comes out as loud as it went in, within "
              f"{REF_NEUTRAL_LU:g} LU", f"{lq:+.2f} LU")
        # control: the same preset 3 dB further off in the direction it already errs
        step = -3.0 if lu <= 0 else 3.0
        off = copy.deepcopy(p["chain"])
        off["output_gain_db"] = off.get("output_gain_db", 0) + step
        off["limiter"] = None
        o2, _ = read_mono(render_chain(off, at_level, tmp(f"reference-{cname}-off.wav")))
        lu2 = loudness_lufs(o2, fs) - lin
        check(abs(lu2) > REF_NEUTRAL_LU,
              f"{label} control: the preset with {step:+g} dB output gain fails the loudness "
              f"criterion", f"{lu2:+.2f} LU")
    wild = {"eq": [{"type": "peak", "freq_hz": 1000, "gain_db": 20, "q": 1.0}]}
    ok, detail = moderate(wild, "control-wild")
    check(not ok, "control: a +20 dB bell is not moderate", detail)


# ---- d. robustness -------------------------------------------------------------------------

def case_robustness(take_a):
    print("\nd. robustness")
    fs = RATE
    n3 = 3 * fs
    silence = write_wav(tmp("silence.wav"), np.zeros(n3), fs)
    dc = write_wav(tmp("dc.wav"), np.full(n3, 0.25), fs)
    t = np.arange(int(0.010 * fs)) / fs
    short = write_wav(tmp("ten-ms.wav"), 0.3 * np.sin(2 * np.pi * 1000 * t), fs)
    short_a = tmp("take-a-3s.wav")
    gen_take(short_a, SEED_A, seconds=3)
    modes = (("REF alone", []), ("--source", ["--source", short_a]),
             ("--paired", ["--paired", short_a]))
    for mname, extra in modes:
        out = tmp("robust.json")
        r, p = analyze(silence, out, *extra)
        ok1, detail = one_error_line(r, silence)
        check(r.returncode != 0 and ok1 and not os.path.exists(out),
              f"digital silence as REF ({mname}): non-zero exit, one error line naming the file, "
              f"no preset", detail)
    for what, path in (("DC-only", dc), ("10 ms", short)):
        for mname, extra in modes:
            out = tmp("robust.json")
            r, p = analyze(path, out, *extra)
            if r.returncode == 0 and p is not None:
                bad = finite_numbers(p)
                rr = run([BXLIVE, out, "--render", short_a, tmp("robust.wav"), "--quiet"])
                check(not bad and rr.returncode == 0,
                      f"{what} REF ({mname}): a valid preset, every number finite",
                      f"exit 0; non-finite: {bad[:3]}; bxlive render exit {rr.returncode}")
            else:
                ok1, detail = one_error_line(r, path)
                check(r.returncode != 0 and ok1 and not os.path.exists(out),
                      f"{what} REF ({mname}): one error line naming the file, no preset", detail)

    # stereo, 44.1 kHz and 96 kHz, in every mode
    for rate in (44100, 96000, 48000):
        dry_path = gen_take(tmp(f"dry-{rate}.wav"), SEED_A, rate=rate, seconds=6)
        other = gen_take(tmp(f"other-{rate}.wav"), SEED_B, rate=rate, seconds=6)
        x, _ = read_mono(dry_path)
        forms = [("mono", dry_path)]
        if rate == 48000:  # stereo: left the take, right the take at -3 dB and delayed 1 ms
            st = np.stack([x, 0.7 * np.concatenate([np.zeros(48), x[:-48]])], axis=1)
            forms = [("stereo", write_wav(tmp("dry-stereo.wav"), st, rate))]
        for form, dpath in forms:
            label = f"[{rate / 1000:g} kHz {form}]"
            ref_path = render_chain(CHAINS["EQ"], dpath, dpath[:-4] + "-ref.wav")
            src_ref = render_chain(CHAINS["EQ"], other, other[:-4] + "-ref.wav")
            for mname, args in (("REF alone", [src_ref]),
                                ("--source", [src_ref, "--source", dpath]),
                                ("--paired", [ref_path, "--paired", dpath])):
                out = tmp(f"rate-{rate}-{form}-{mname.strip('-').replace(' ', '')}.json")
                r, p = analyze(args[0], out, *args[1:])
                ok = p is not None and not finite_numbers(p)
                detail = tell(r)
                if ok:
                    try:
                        o, fs2 = read_mono(render(out, dpath, out[:-5] + "-out.wav"))
                        detail = "exit 0, finite preset, renders"
                    except RuntimeError as e:
                        ok, detail = False, str(e)
                if ok and mname == "--paired":
                    ref, _ = read_mono(ref_path)
                    delay = p["analysis"]["fit"].get("delay_ms")
                    ld = ltas_diff(o, ref, fs2)[0]
                    s = snr_db(ref, o)
                    min_snr, max_ltas = PAIRED["EQ"]
                    ok = delay == 0 and ld <= max_ltas and s >= min_snr
                    detail = (f"delay_ms {delay}, SNR {s:.2f} dB (limit {min_snr:g}), "
                              f"LTAS |d| {ld:.3f} dB (limit {max_ltas:g})")
                check(ok, f"{label} {mname} works" + (" and meets the paired promises (EQ chain)"
                                                      if mname == "--paired" else ""), detail)

    # an unrelated DRY
    other = tmp("other-48000.wav")
    ref_path = render_chain(CHAINS["EQ"], other, tmp("unrelated-ref.wav"))
    out = tmp("unrelated.json")
    r, p = analyze(ref_path, out, "--paired", tmp("dry-48000.wav"))
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    check(r.returncode == EXIT_INPUT and len(lines) == 1
          and "not match" in lines[0] and not os.path.exists(out),
          "--paired with an unrelated DRY exits 4 with one line saying it does not match, "
          "no preset", tell(r))


def main():
    t0 = time.time()
    print(f"test_analyze_accuracy: scratch folder {TMP}")
    take_a = gen_take(tmp("take-a.wav"), SEED_A)
    take_b = gen_take(tmp("take-b.wav"), SEED_B)
    print(f"takes: bxgen take --seconds {SECONDS} --rate {RATE}, seed {SEED_A} (A), {SEED_B} (B)")
    try:
        case_paired(take_a)
        case_source(take_a, take_b)
        case_source_top(take_a, take_b)
        case_source_codec(take_a, take_b)
        case_reference(take_a, take_b)
        case_robustness(take_a)
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        check(False, "the test ran to the end", str(e))
    print(f"\ntime {time.time() - t0:.1f} s")
    REP.finish(TMP)


if __name__ == "__main__":
    main()
