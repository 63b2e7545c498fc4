#!/usr/bin/python3
"""test_spectrum_numpy — bx's gated LTAS agrees with scipy.signal's Welch.

Promise: for the same audio file, bx's LTAS (bx/spectrum.h, printed by the
test helper bx_ltas_dump) equals the one computed here with scipy.signal
(Welch's method: periodic Hann, 50 % overlap, no detrending, scaling
"density" times the bin width, so that the bins sum to the mean square), to

    SNR = 10 log10( sum(ref^2) / sum((bx - ref)^2) ) >= 90 dB

and to 0.01 dB in every bin within 80 dB of the strongest; bx's gate, frame
count and frames used equal the ones derived here independently:

    frame level  = 10 log10( sum(w^2 x^2) / sum(w^2) )    (numpy, per frame)
    gate         = floor(max(-70, 10 log10(mean of frame mean squares >= -70 dBFS) - 20))
    LTAS         = mean over frames with level >= gate of scipy.signal.spectrogram's
                   frames (welch is their mean over all frames)

Cases:
  1. 48 kHz stereo float: low-passed noise bursts of various levels and
     lengths over a -85 dBFS floor, plus 5 s of a -45 dBFS tone (between the
     absolute and the relative gate) — the gate must drop the floor and the
     tone; mixed to mono as the mean of the channels;
  2. 44.1 kHz mono 16-bit steady noise: ungated, compared with scipy.signal.welch
     directly;
  3. case 1 with nfft 1920 (nfft/2 = 2^6 3 5: KissFFT's radix-3 and -5 paths).

Environment: BX_LTAS_DUMP (the helper program), BX_TEST_TMP (scratch folder).
Exit status: 0 all passed, 1 a check failed, 77 skipped (numpy, scipy or
soundfile missing).
"""

import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import bxtest

np = bxtest.need("numpy")
sf = bxtest.need("soundfile")
signal = bxtest.need("scipy.signal")
DUMP, = bxtest.programs("BX_LTAS_DUMP")

SNR_MIN_DB = 90.0
BIN_TOL_DB = 0.01
BIN_RANGE_DB = 80.0
SEED = 20240611


def bx_ltas(path, nfft=None):
    cmd = [DUMP, path] + ([str(nfft)] if nfft else [])
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"bx_ltas_dump failed (exit {p.returncode}): {p.stderr.strip()}")
    meta, rows = {}, []
    for line in p.stdout.splitlines():
        if line.startswith("#"):
            k, v = line[1:].split()
            meta[k] = float(v)
        else:
            rows.append([float(t) for t in line.split()])
    rows = np.array(rows)
    return meta, rows[:, 0], rows[:, 1]


def frames_of(x, nfft):
    hop = nfft // 2
    n = (len(x) - nfft) // hop + 1
    idx = np.arange(nfft)[None, :] + hop * np.arange(n)[:, None]
    return x[idx]


def reference(x, fs, nfft):
    """Gated LTAS by the definition, with scipy's Welch frames."""
    w = signal.get_window("hann", nfft)  # periodic, as scipy's welch uses it
    fr = frames_of(x, nfft)
    ms = np.sum((fr * w) ** 2, axis=1) / np.sum(w ** 2)
    with np.errstate(divide="ignore"):
        level = 10 * np.log10(ms)
    above = level >= -70.0
    gate = math.floor(max(-70.0, 10 * math.log10(ms[above].mean()) - 20.0))
    used = level >= gate
    f, _, s = signal.spectrogram(x, fs, window="hann", nperseg=nfft, noverlap=nfft // 2,
                                 detrend=False, scaling="density", mode="psd")
    assert s.shape[1] == len(ms)
    return f, s[:, used].mean(axis=1) * fs / nfft, gate, len(ms), int(used.sum())


def compare(rep, name, meta, f_bx, p_bx, f_ref, p_ref, gate=None, total=None, used=None):
    rep.check(len(p_bx) == len(p_ref) and np.allclose(f_bx, f_ref, rtol=0, atol=1e-9),
              f"{name}: same {len(p_ref)} bins at the same frequencies",
              f"bx {len(p_bx)} bins, bin_hz {meta.get('bin_hz', 0):.6g}")
    if len(p_bx) != len(p_ref):
        return
    snr = 10 * math.log10(np.sum(p_ref ** 2) / max(np.sum((p_bx - p_ref) ** 2), 1e-300))
    strong = p_ref >= p_ref.max() * 10 ** (-BIN_RANGE_DB / 10)
    dev = np.abs(10 * np.log10(p_bx[strong] / p_ref[strong]))
    k = int(np.argmax(dev))
    rep.check(snr >= SNR_MIN_DB, f"{name}: SNR(bx, scipy) >= {SNR_MIN_DB:g} dB", f"{snr:.1f} dB")
    rep.check(dev.max() <= BIN_TOL_DB,
              f"{name}: every bin within {BIN_RANGE_DB:g} dB of the strongest agrees to "
              f"{BIN_TOL_DB} dB", f"worst {dev.max():.2e} dB at {f_ref[strong][k]:.1f} Hz, "
              f"{strong.sum()} bins")
    tot_bx, tot_ref = p_bx.sum(), p_ref.sum()
    rep.check(abs(tot_bx / tot_ref - 1) < 1e-5, f"{name}: total power equal (1e-5)",
              f"bx {10 * math.log10(tot_bx):.4f} dB, scipy {10 * math.log10(tot_ref):.4f} dB")
    if gate is not None:
        got = (meta["gate_db"], int(meta["frames_total"]), int(meta["frames_used"]))
        rep.check(got == (gate, total, used), f"{name}: gate and frame counts equal",
                  f"bx gate {got[0]:g} dBFS, {got[2]} of {got[1]} frames; "
                  f"reference {gate:g} dBFS, {used} of {total}")


def bursts(fs, seconds, rng):
    n = int(fs * seconds)
    x = 10 ** (-85 / 20) * np.sqrt(3) * rng.uniform(-1, 1, (n, 2))
    b, a = signal.butter(2, 2000, fs=fs)
    t = 0.5
    while t < seconds - 7:
        length = rng.uniform(0.2, 1.0)
        level = rng.uniform(-24, -8)
        i0, i1 = int(t * fs), int((t + length) * fs)
        burst = signal.lfilter(b, a, rng.standard_normal((i1 - i0, 2)), axis=0)
        burst *= 10 ** (level / 20) / np.sqrt(np.mean(burst ** 2))
        env = np.minimum(1, np.arange(i1 - i0) / (0.002 * fs))[:, None]  # 2 ms fade-in
        x[i0:i1] += burst * env * np.exp(-np.arange(i1 - i0) / (0.3 * fs))[:, None]
        t += length + rng.uniform(0.1, 0.8)
    i0 = int((seconds - 6) * fs)  # a -45 dBFS tone: above -70, below the relative gate
    tt = np.arange(int(5 * fs)) / fs
    x[i0:i0 + len(tt)] += (10 ** (-45 / 20) * math.sqrt(2) * np.sin(2 * np.pi * 440 * tt))[:, None]
    return x.astype(np.float32)


def main():
    work = bxtest.scratch("spectrum_numpy-")
    rep = bxtest.Report()
    rng = np.random.default_rng(SEED)
    print(f"bx_ltas_dump {DUMP}\nwork {work}\nseed {SEED}")

    # 1 and 3: stereo bursts, gated
    fs = 48000
    x2 = bursts(fs, 40.0, rng)
    path = os.path.join(work, "bursts.wav")
    sf.write(path, x2, fs, subtype="FLOAT")
    x2 = sf.read(path, dtype="float32")[0]
    mono = ((x2[:, 0].astype(np.float64) + x2[:, 1]) / 2).astype(np.float32).astype(np.float64)
    for nfft in (None, 1920):
        n = nfft or 8192
        name = f"bursts 48 kHz stereo, nfft {n}"
        try:
            meta, f_bx, p_bx = bx_ltas(path, nfft)
        except RuntimeError as e:
            rep.check(False, f"{name}: bx_ltas_dump runs", str(e))
            continue
        f_ref, p_ref, gate, total, used = reference(mono, fs, n)
        compare(rep, name, meta, f_bx, p_bx, f_ref, p_ref, gate, total, used)
        ungated = frames_of(mono, n)
        w = signal.get_window("hann", n)
        ms_all = np.mean(np.sum((ungated * w) ** 2, axis=1) / np.sum(w ** 2))
        print(f"      ({name}: gated total {10 * math.log10(p_bx.sum()):.2f} dBFS, "
              f"ungated {10 * math.log10(ms_all):.2f} dBFS)")

    # 2: steady noise, 16-bit mono at 44.1 kHz, against welch itself
    fs = 44100
    y = signal.lfilter(*signal.butter(1, 500, fs=fs), rng.standard_normal(int(fs * 20)))
    y = 0.1 * y / np.sqrt(np.mean(y ** 2))
    path = os.path.join(work, "steady.wav")
    sf.write(path, y, fs, subtype="PCM_16")
    y = sf.read(path, dtype="float32")[0].astype(np.float64)
    try:
        meta, f_bx, p_bx = bx_ltas(path)
        f_ref, psd = signal.welch(y, fs, window="hann", nperseg=8192, noverlap=4096,
                                  detrend=False, scaling="density", average="mean")
        compare(rep, "steady noise 44.1 kHz 16-bit, ungated, vs scipy.signal.welch", meta,
                f_bx, p_bx, f_ref, psd * fs / 8192)
        total = (len(y) - 8192) // 4096 + 1
        rep.check(int(meta["frames_used"]) == total == int(meta["frames_total"]),
                  "steady noise: every frame used", f"{int(meta['frames_used'])} of {total}")
    except RuntimeError as e:
        rep.check(False, "steady noise: bx_ltas_dump runs", str(e))
    rep.finish()


if __name__ == "__main__":
    main()
