#!/usr/bin/python3
"""bench/ltas_numpy.py — bx's gated long-term average spectrum in numpy.

    bench/ltas_numpy.py FILE [NFFT]

The same computation as bx_ltas_dump (include/bx/spectrum.h, src/spectrum.c),
written as vectorised numpy, and printed in the same text format, so that the
two can be timed against each other and their outputs compared:

  - the file is read whole (soundfile) and mixed to mono as the mean of its
    channels, in float32 as bx hands it to its analysis;
  - N = NFFT, or by default the smallest power of two covering 170 ms (8192
    at 44.1/48 kHz); periodic Hann window, frames every N/2 samples from the
    first one, samples after the last whole frame left out;
  - frame mean square ms = sum(w^2 x^2) / sum(w^2); frames whose ms is zero,
    not finite or above 1e30 are never used;
  - gate = max(-70, 10 log10(mean ms of frames at or above -70 dBFS) - 20),
    rounded down to a whole dB (at most +20); frames whose level, in bx's
    1 dB level bins, is at or above the gate are averaged;
  - bin power c |X[k]|^2 / (N sum(w^2)), c = 1 at DC and Nyquist, else 2; the
    FFT is single precision, as KissFFT's float build that bx uses;
  - a file shorter than one frame is one zero-padded frame.

Frames are made with stride tricks (no copy). The frame levels come first
(one pass, a matrix-vector product per chunk of CHUNK frames), so the gate is
known before any FFT; then each chunk holding a frame the gate keeps is
windowed and transformed at once, and its power spectra summed with weight 1
for kept frames and 0 for the others. Without scipy, numpy's FFT is used (in
double precision: the results then differ from bx's by float rounding only).

Output: "# key value" lines (rate_hz nfft bin_hz gate_db frames_total
frames_used), then "frequency_hz power" per bin, numbers as C's %.17g.
Exit status 0, or 1 with a message on stderr (as bx_ltas_dump).
"""

import math
import sys

import numpy as np
import soundfile as sf

try:  # scipy.fft keeps float32 in single precision; numpy's rfft would promote it
    from scipy import fft as _fft

    def rfft32(v):
        return _fft.rfft(v, axis=1)
except ImportError:  # scipy is optional
    def rfft32(v):
        return np.fft.rfft(v, axis=1)

ABS_GATE_DB = -70.0    # BX_LTAS_ABS_GATE_DB
REL_GATE_DB = -20.0    # BX_LTAS_REL_GATE_DB
NLEV = 91              # 1 dB level bins from -70 dBFS; the last open above
MS_ABSURD = 1e30
NFFT_MIN, NFFT_MAX = 16, 1 << 20
RATE_MIN, RATE_MAX = 1000.0, 768000.0
CHUNK = 64             # frames per vectorised step


class LtasError(Exception):
    pass


def default_nfft(rate):
    n = NFFT_MIN
    while n < 0.170 * rate:
        n *= 2
    return n


def nfft_ok(n):
    """Even, NFFT_MIN..NFFT_MAX, with n/2 made of the factors 2, 3 and 5 only."""
    if n % 2 or not NFFT_MIN <= n <= NFFT_MAX:
        return False
    m = n // 2
    for p in (2, 3, 5):
        while m % p == 0:
            m //= p
    return m == 1


def level_bins(ms):
    """bx's level bin of each frame mean square (0..NLEV-1), -1 when not usable."""
    ok = (ms > 0.0) & (ms < MS_ABSURD)
    with np.errstate(divide="ignore", invalid="ignore"):
        above = 10.0 * np.log10(np.where(ok, ms, 1.0)) - ABS_GATE_DB
    ok &= above >= 0.0
    b = np.minimum(np.floor(np.where(ok, above, 0.0)), NLEV - 1).astype(np.int64)
    return np.where(ok, b, -1)


def read_mono(path):
    x, rate = sf.read(path, dtype="float32", always_2d=True)
    if x.shape[1] == 1:
        return np.ascontiguousarray(x[:, 0]), float(rate)
    return x.mean(axis=1, dtype=np.float64).astype(np.float32), float(rate)


def ltas(x, rate, nfft=0):
    """(power per bin, gate_db, frames_total, frames_used) of mono float32 x."""
    if not RATE_MIN <= rate <= RATE_MAX:
        raise LtasError(f"LTAS: sample rate {rate:g} Hz is outside {RATE_MIN:g}..{RATE_MAX:g} Hz")
    nfft = nfft or default_nfft(rate)
    if not nfft_ok(nfft):
        raise LtasError(f"LTAS: FFT length {nfft} is not even, in {NFFT_MIN}..{NFFT_MAX}, "
                        "with nfft/2 made of 2, 3, 5")
    hop = nfft // 2
    w = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(nfft) / nfft)
    w2 = w * w
    wpow = float(w2.sum())
    scale = np.full(nfft // 2 + 1, 2.0 / (nfft * wpow))
    scale[0] = scale[-1] = 1.0 / (nfft * wpow)
    no_signal = LtasError(f"no signal above {ABS_GATE_DB:g} dBFS")

    # work buffers, allocated once (fresh large arrays per chunk would cost a
    # page fault per 4 KB, more than the arithmetic)
    wide = np.empty((CHUNK, nfft))
    narrow = np.empty((CHUNK, nfft), np.float32)
    sq_re = np.empty((CHUNK, nfft // 2 + 1))
    sq_im = np.empty((CHUNK, nfft // 2 + 1))

    def power_of(frames32, weight):
        """sum_i weight[i] * power(frame i) over up to CHUNK float32 frames (rows)."""
        m = len(frames32)
        np.multiply(frames32, w, out=wide[:m])      # windowed in double,
        narrow[:m] = wide[:m]                       # transformed in float
        spec = rfft32(narrow[:m])
        p = np.square(spec.real, out=sq_re[:m], dtype=np.float64)
        p += np.square(spec.imag, out=sq_im[:m], dtype=np.float64)
        return (weight @ p) * scale

    if len(x) < nfft:  # one zero-padded frame, alone above its own gate
        frame = np.zeros((1, nfft), np.float32)
        frame[0, :len(x)] = x
        ms = float(np.sum((frame[0] * w) ** 2) / wpow)
        if level_bins(np.array([ms]))[0] < 0:
            raise no_signal
        gate = math.floor(max(ABS_GATE_DB, 10.0 * math.log10(ms) + REL_GATE_DB))
        return power_of(frame, np.ones(1)), float(gate), 1, 1

    n_frames = (len(x) - nfft) // hop + 1
    frames = np.lib.stride_tricks.sliding_window_view(x, nfft)[::hop][:n_frames]

    # pass 1: every frame's mean square, sum(w^2 x^2) / sum(w^2)
    ms = np.empty(n_frames)
    for i in range(0, n_frames, CHUNK):
        f = frames[i:i + CHUNK]
        sq64 = np.square(f, out=wide[:len(f)], dtype=np.float64)
        ms[i:i + CHUNK] = sq64 @ w2 / wpow
    lev = level_bins(ms)
    counted = lev >= 0
    if not counted.any():
        raise no_signal
    gate = max(ABS_GATE_DB, 10.0 * math.log10(ms[counted].mean()) + REL_GATE_DB)
    gate = min(math.floor(gate), ABS_GATE_DB + (NLEV - 1))
    used = (lev >= int(gate - ABS_GATE_DB)).astype(np.float64)  # 1 kept, 0 gated out

    # pass 2: the power spectra of the frames the gate keeps, chunk by chunk
    # (slices of the strided view: no copy; a chunk with none kept is skipped)
    acc = np.zeros(nfft // 2 + 1)
    for i in range(0, n_frames, CHUNK):
        keep = used[i:i + CHUNK]
        if keep.any():
            acc += power_of(frames[i:i + CHUNK], keep)
    n_used = int(used.sum())
    return acc / n_used, float(gate), n_frames, n_used


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write("usage: ltas_numpy.py FILE [NFFT]\n")
        return 1
    path = argv[1]
    try:
        nfft = int(argv[2]) if len(argv) == 3 else 0
    except ValueError:
        nfft = -1
    try:
        x, rate = read_mono(path)
        power, gate, total, used = ltas(x, rate, nfft)
    except (LtasError, RuntimeError, OSError) as e:  # soundfile raises RuntimeError
        sys.stderr.write(f"ltas_numpy.py: {path}: {e}\n")
        return 1
    nfft = 2 * (len(power) - 1)
    bin_hz = rate / nfft
    out = [f"# rate_hz {rate:.17g}\n# nfft {nfft}\n# bin_hz {bin_hz:.17g}\n"
           f"# gate_db {gate:.17g}\n# frames_total {total}\n# frames_used {used}\n"]
    out += [f"{k * bin_hz:.17g} {p:.17g}\n" for k, p in enumerate(power.tolist())]
    sys.stdout.write("".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
