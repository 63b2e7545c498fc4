#!/usr/bin/env python3
"""Write the seed corpora of the fuzz harnesses (tests/fuzz/corpus/).

    python3 tests/fuzz/make_corpus.py [audio] [preset] [eqfit]   (default: all)

The audio seeds are small files of every container bx reads (libsndfile,
through python3-soundfile), each holding a signal that reaches a different
part of the analysis: hits with transients (long enough for the dynamics
signature and the like-with-like pairing), a sine, silence, DC, float
samples beyond full scale, NaN and infinity, many channels, extreme rates,
and damaged headers. The preset seeds are the shipped presets and a table of
edge cases. The EQ-fit seeds are targets in fuzz_eqfit's byte layout: pass
filters, shelves, bells, a tilt, noise, a comb, flat, and refused ones. Run it again only to change the seeds (Ogg files differ from run
to run by their random stream serial numbers); the fuzzers' findings are
added next to them by hand.
"""
import io
import json
import os
import shutil
import struct
import sys

import numpy as np
import soundfile as sf

HERE = os.path.dirname(os.path.abspath(__file__))
AUDIO = os.path.join(HERE, "corpus", "audio")
PRESET = os.path.join(HERE, "corpus", "preset")
EQFIT = os.path.join(HERE, "corpus", "eqfit")
rng = np.random.default_rng(20240611)


def hits(rate, seconds, period_s=0.05, channels=1, level=0.5):
    """Decaying noise bursts every period_s: onsets, transients, dynamics."""
    n = int(rate * seconds)
    t = np.arange(n) / rate
    env = np.exp(-(t % period_s) / 0.008)
    x = level * env * rng.uniform(-1, 1, n)
    if channels > 1:
        x = np.stack([x * (1 - 0.1 * c) for c in range(channels)], axis=1)
    return x


def sine(rate, seconds, freq=1000.0, channels=1, level=0.5):
    n = int(rate * seconds)
    x = level * np.sin(2 * np.pi * freq * np.arange(n) / rate)
    if channels > 1:
        x = np.stack([x] * channels, axis=1)
    return x


def audio_bytes(x, rate, fmt, subtype, endian="FILE"):
    b = io.BytesIO()
    sf.write(b, x, rate, format=fmt, subtype=subtype, endian=endian)
    return b.getvalue()


def write(folder, name, data):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def audio_seeds():
    s = {}
    s["wav_pcm16_hits_8k.wav"] = audio_bytes(hits(8000, 0.6), 8000, "WAV", "PCM_16")
    s["wav_u8_hits_8k.wav"] = audio_bytes(hits(8000, 0.6), 8000, "WAV", "PCM_U8")
    s["wav_ulaw_hits_8k.wav"] = audio_bytes(hits(8000, 1.0), 8000, "WAV", "ULAW")
    s["wav_alaw_sine_8k.wav"] = audio_bytes(sine(8000, 0.2), 8000, "WAV", "ALAW")
    s["wav_ima_adpcm_hits_8k.wav"] = audio_bytes(hits(8000, 1.0), 8000, "WAV", "IMA_ADPCM")
    s["wav_ms_adpcm_stereo_8k.wav"] = audio_bytes(hits(8000, 0.3, channels=2), 8000, "WAV",
                                                  "MS_ADPCM")
    s["wav_gsm610_8k.wav"] = audio_bytes(hits(8000, 0.3), 8000, "WAV", "GSM610")
    s["wav_pcm16_stereo_sine_8k.wav"] = audio_bytes(sine(8000, 0.1, channels=2), 8000, "WAV",
                                                    "PCM_16")
    s["wav_pcm24_mono_44k.wav"] = audio_bytes(hits(44100, 0.02), 44100, "WAV", "PCM_24")
    s["wav_pcm32_mono_16k.wav"] = audio_bytes(sine(16000, 0.03, 440), 16000, "WAV", "PCM_32")
    s["wav_double_mono_8k.wav"] = audio_bytes(sine(8000, 0.05, 300), 8000, "WAV", "DOUBLE")
    s["wav_6ch_pcm16_48k.wav"] = audio_bytes(hits(48000, 0.005, channels=6), 48000, "WAV",
                                             "PCM_16")
    s["wav_100ch_pcm16_8k.wav"] = audio_bytes(sine(8000, 0.002, channels=100), 8000, "WAV",
                                              "PCM_16")
    s["wavex_4ch_pcm16_8k.wav"] = audio_bytes(sine(8000, 0.02, channels=4), 8000, "WAVEX",
                                              "PCM_16")
    s["wav_pcm16_192k.wav"] = audio_bytes(hits(192000, 0.004), 192000, "WAV", "PCM_16")
    s["wav_u8_silence_8k.wav"] = audio_bytes(np.zeros(4800), 8000, "WAV", "PCM_U8")
    s["wav_u8_dc_8k.wav"] = audio_bytes(np.full(4800, 0.5), 8000, "WAV", "PCM_U8")
    s["wav_pcm16_one_frame.wav"] = audio_bytes(np.array([0.25]), 22050, "WAV", "PCM_16")
    # float passes through unscaled: beyond full scale, denormals, NaN, infinity
    f = sine(48000, 0.01, channels=2).astype(np.float32)
    f[10, 0], f[20, 1], f[30, 0], f[40, 1] = 3e38, np.nan, np.inf, 1e-42
    f[100:200, :] *= 1000.0
    s["wav_float_stereo_nan_48k.wav"] = audio_bytes(f, 48000, "WAV", "FLOAT")
    s["flac_16_hits_8k.flac"] = audio_bytes(hits(8000, 1.0), 8000, "FLAC", "PCM_16")
    s["flac_24_stereo_44k.flac"] = audio_bytes(sine(44100, 0.03, channels=2), 44100, "FLAC",
                                               "PCM_24")
    s["aiff_pcm16_hits_8k.aiff"] = audio_bytes(hits(8000, 0.3), 8000, "AIFF", "PCM_16")
    s["aifc_float_stereo_8k.aiff"] = audio_bytes(sine(8000, 0.02, channels=2), 8000, "AIFF",
                                                 "FLOAT")
    s["au_pcm16_8k.au"] = audio_bytes(sine(8000, 0.1), 8000, "AU", "PCM_16")
    s["au_ulaw_8k.au"] = audio_bytes(hits(8000, 0.2), 8000, "AU", "ULAW")
    s["caf_pcm16_8k.caf"] = audio_bytes(hits(8000, 0.2), 8000, "CAF", "PCM_16")
    s["caf_alac16_8k.caf"] = audio_bytes(hits(8000, 0.3), 8000, "CAF", "ALAC_16")
    s["ogg_vorbis_hits_8k.ogg"] = audio_bytes(hits(8000, 1.0), 8000, "OGG", "VORBIS")
    s["ogg_opus_48k.opus"] = audio_bytes(hits(48000, 0.3), 48000, "OGG", "OPUS")
    s["w64_pcm16_8k.w64"] = audio_bytes(sine(8000, 0.05), 8000, "W64", "PCM_16")
    s["rf64_pcm16_8k.rf64"] = audio_bytes(sine(8000, 0.05), 8000, "RF64", "PCM_16")
    s["nist_pcm16_8k.nist"] = audio_bytes(sine(8000, 0.05), 8000, "NIST", "PCM_16")
    s["voc_u8_8k.voc"] = audio_bytes(sine(8000, 0.05), 8000, "VOC", "PCM_U8")
    s["ircam_pcm16_8k.sf"] = audio_bytes(sine(8000, 0.05), 8000, "IRCAM", "PCM_16")
    s["mat5_double_8k.mat"] = audio_bytes(sine(8000, 0.02), 8000, "MAT5", "DOUBLE")
    s["svx_pcm8_8k.8svx"] = audio_bytes(sine(8000, 0.1), 8000, "SVX", "PCM_S8")
    s["paf_pcm16_8k.paf"] = audio_bytes(sine(8000, 0.05), 8000, "PAF", "PCM_16")
    s["xi_dpcm16_8k.xi"] = audio_bytes(sine(8000, 0.05), 8000, "XI", "DPCM_16")
    # damaged headers
    w = bytearray(audio_bytes(sine(8000, 0.05), 8000, "WAV", "PCM_16"))
    r = bytearray(w)
    struct.pack_into("<I", r, 24, 7999)  # fmt sample rate below BX_AUDIO_RATE_MIN
    struct.pack_into("<I", r, 28, 7999 * 2)
    s["wav_rate_7999.wav"] = bytes(r)
    r = bytearray(w)
    struct.pack_into("<I", r, 40, 0xFFFFFFF0)  # data chunk far longer than the file
    s["wav_data_size_huge.wav"] = bytes(r)
    s["wav_truncated.wav"] = bytes(w[:60])
    s["wav_header_only.wav"] = audio_bytes(np.zeros(0), 8000, "WAV", "PCM_16")
    s["flac_truncated.flac"] = s["flac_16_hits_8k.flac"][:600]
    s["id3_not_audio.bin"] = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + bytes(20)
    return s


def preset_seeds():
    def P(chain, **top):
        obj = {"bxpreset": 1, "name": "t", "chain": chain}
        obj.update(top)
        return json.dumps(obj, indent=1).encode()

    all_bands = [
        {"type": "highpass", "freq_hz": 10, "q": 0.1},
        {"type": "low_shelf", "freq_hz": 95.5, "gain_db": -30, "q": 40},
        {"type": "peak", "freq_hz": 1000, "gain_db": 30, "q": 0.1},
        {"type": "high_shelf", "freq_hz": 12000, "gain_db": 1e-5},
        {"type": "lowpass", "freq_hz": 21000},
        {"type": "peak", "freq_hz": 40000, "gain_db": 3, "q": 1},
    ]
    comp = {"threshold_db": -80, "ratio": 100, "knee_db": 24, "attack_ms": 0.05,
            "release_ms": 5000, "makeup_db": 36, "detector": "level", "start_level_db": -120}
    s = {}
    s["all_stages.json"] = P({"input_gain_db": 24, "eq": all_bands, "compressor": comp,
                              "output_gain_db": 24, "limiter": {"ceiling_db": -30}},
                             description="every stage at its limits",
                             analysis={"a": [True, False, None, "x", -0.0, 1e-300, 1.7e308],
                                       "b": {}, "c": "\u00e9\u2603\U0001F600"})
    s["bands_32.json"] = P({"eq": [{"type": "peak", "freq_hz": 20 + 600 * i, "gain_db": -3 + i % 7,
                                    "q": 0.5 + i} for i in range(32)]})
    s["rms_detector.json"] = P({"compressor": {"threshold_db": -20, "ratio": 4,
                                               "detector": "rms"}, "limiter": None})
    s["minimal.json"] = b'{"bxpreset":1,"chain":{}}'
    s["exact_numbers.json"] = (b'{"bxpreset":1,"chain":{"input_gain_db":0.30000000000000004,'
                               b'"output_gain_db":-1.0000000000000002e-1,"eq":[{"type":"peak",'
                               b'"freq_hz":1234.5678901234567,"gain_db":1e-320,"q":0.1000000000000000055511151231257827}]}}')
    s["escapes.json"] = (b'{"bxpreset":1,"name":"\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/",'
                         b'"description":"\\u001b[2J","chain":{}}')
    s["nested_64.json"] = (b'{"bxpreset":1,"chain":{},"analysis":{"a":' + b"[" * 62 + b"]" * 62 +
                           b"}}")
    s["bad_trailing_comma.json"] = b'{"bxpreset":1,"chain":{},}'
    s["bad_nan.json"] = b'{"bxpreset":1,"chain":{"input_gain_db":NaN}}'
    s["bad_1e400.json"] = b'{"bxpreset":1,"chain":{"input_gain_db":1e400}}'
    s["bad_utf8.json"] = b'{"bxpreset":1,"name":"caf\xe9","chain":{}}'
    s["bad_nul.json"] = b'{"bxpreset":1,\x00"chain":{}}'
    s["bad_duplicate_key.json"] = b'{"bxpreset":1,"name":"a","name":"b","chain":{}}'
    s["bad_q_0.json"] = P({"eq": [{"type": "peak", "freq_hz": 1000, "gain_db": 3, "q": 0}]})
    s["bad_gain_on_highpass.json"] = P({"eq": [{"type": "highpass", "freq_hz": 80,
                                                "gain_db": 0}]})
    s["bad_version_5.json"] = b'{"bxpreset":5,"chain":{}}'
    s["bad_branch_in_version_1.json"] = P({"compressor": {"threshold_db": -20, "ratio": 4,
                                                          "detector": "branch"}})
    s["branch_detector.json"] = (b'{"bxpreset":2,"chain":{"compressor":{"threshold_db":-30,'
                                 b'"ratio":5,"attack_ms":2,"release_ms":150,"detector":"branch"}}}')
    s["power_detector.json"] = (b'{"bxpreset":4,"chain":{"compressor":{"threshold_db":-33,'
                                b'"ratio":2,"attack_ms":10,"release_ms":43,"makeup_db":10,'
                                b'"detector":"power","hold":true}}}')
    s["mean_level_detector.json"] = (b'{"bxpreset":4,"chain":{"compressor":{"threshold_db":-30,'
                                     b'"ratio":4,"knee_db":6,"attack_ms":4,"release_ms":80,'
                                     b'"detector":"mean_level","mean_ms":4}}}')
    s["bad_power_with_knee.json"] = (b'{"bxpreset":4,"chain":{"compressor":{"threshold_db":-33,'
                                     b'"ratio":2,"knee_db":6,"detector":"power"}}}')
    s["bad_unknown_key.json"] = P({"compressor": {"threshold_db": -20, "ratio": 4, "knees": 1}})
    return s


RATES = [8000, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 192000]


def eqfit_input(rate, bands, flags, f0_hz, step_oct, target_db, weight=None):
    """fuzz_eqfit's layout (see its header): a target on a log grid."""
    n = len(target_db)
    code = round(np.log2(f0_hz / 10.0) / np.log2(2000.0) * 65535)
    b = bytes([RATES.index(rate), bands - 1, flags, n - 4]) + struct.pack("<H", code)
    for i, t in enumerate(target_db):
        w = 255 if weight is None else weight[i]
        q = -32768 if np.isnan(t) else int(np.clip(round(t * 256), -32767, 32767))
        b += bytes([round(step_oct / 0.5 * 255)]) + struct.pack("<h", q) + bytes([w])
    return b


def eqfit_seeds():
    s = {}

    def grid(rate):
        """30 Hz up to 0.45 rate (at most 16 kHz), 4 points per octave, as log2 f."""
        f = 30.0 * 2.0 ** (np.arange(40) / 4.0)
        return np.log2(f[f < min(16000.0, 0.45 * rate)])

    lf = grid(48000)
    s["highpass_shelf.bin"] = eqfit_input(48000, 4, 1, 30.0, 0.25,
                                          np.minimum(0, 24 * (lf - np.log2(90))) +
                                          -4 / (1 + 2 ** (4 * (lf - np.log2(150)))))
    lf = grid(44100)
    s["bells.bin"] = eqfit_input(44100, 6, 0, 30.0, 0.25,
                                 5 * np.exp(-((lf - np.log2(2500)) / 0.4) ** 2) -
                                 3 * np.exp(-((lf - np.log2(400)) / 0.3) ** 2))
    lf = grid(96000)
    s["tilt_thorough.bin"] = eqfit_input(96000, 3, 2, 30.0, 0.25, 1.5 * (lf - np.log2(1000)))
    lf = grid(48000)
    s["noise_weighted.bin"] = eqfit_input(48000, 8, 1, 30.0, 0.25, rng.normal(0, 3, len(lf)),
                                          list(rng.integers(0, 256, len(lf))))
    lf = grid(32000)
    s["comb_no_pass.bin"] = eqfit_input(32000, 5, 4 | 8 | 64, 30.0, 0.25,
                                        8 * np.sign(np.sin(np.arange(len(lf)))))
    lf = grid(8000)
    s["flat_noise0_8k.bin"] = eqfit_input(8000, 2, 16 | 128, 30.0, 0.25, np.zeros(len(lf)))
    lf = grid(22050)
    s["lowpass_null_weights.bin"] = eqfit_input(
        22050, 3, 32, 30.0, 0.25, np.minimum(0, -24 * (lf - np.log2(6000))))
    s["bad_nan.bin"] = eqfit_input(48000, 3, 0, 100.0, 0.25, [0, 1, float("nan"), 2, 3])
    s["bad_repeat.bin"] = eqfit_input(48000, 3, 0, 100.0, 0.0, [0, 1, 2, 3])
    s["bad_zero_weights.bin"] = eqfit_input(48000, 3, 0, 100.0, 0.25, [0, 1, 2, 3], [0] * 4)
    s["bad_above_nyquist.bin"] = eqfit_input(8000, 3, 0, 2000.0, 0.5, [0, 1, 2, 3, 4])
    return s


def main():
    wanted = set(sys.argv[1:]) or {"audio", "preset", "eqfit"}
    for kind, folder, make in (("audio", AUDIO, audio_seeds), ("preset", PRESET, preset_seeds),
                               ("eqfit", EQFIT, eqfit_seeds)):
        if kind not in wanted:
            continue
        seeds = make()
        os.makedirs(folder, exist_ok=True)
        for name, data in sorted(seeds.items()):
            write(folder, name, data)
    for name in sorted(os.listdir(os.path.join(HERE, "..", "..", "presets"))):
        if name.endswith(".json") and "preset" in wanted:
            shutil.copy(os.path.join(HERE, "..", "..", "presets", name),
                        os.path.join(PRESET, "shipped_" + name))
    folders = (AUDIO, PRESET, EQFIT)
    total = sum(os.path.getsize(os.path.join(d, f)) for d in folders for f in os.listdir(d))
    print(f"make_corpus: {' and '.join(f'{len(os.listdir(d))} {os.path.basename(d)}' for d in folders)}"
          f" seeds, {total} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
