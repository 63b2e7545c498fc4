#!/usr/bin/python3
"""test_ffmpeg_input — formats libsndfile does not read come in through ffmpeg.

Promises:
  - lossless: 32-bit float PCM in a Matroska file (.mkv) gives exactly the
    preset of the same samples in a WAV file, and `bxlive --render` of it the
    same output, bit for bit;
  - the usual rips are read: AAC in .m4a, AAC beside a video stream in .mp4,
    Opus in .webm (with video): `bxlive --render` with a flat preset gives
    bit for bit the samples ffmpeg itself decodes to a float WAV (the
    independent reference), within 50 ms of the source's length, and
    `bxanalyze`, `--source` and `--paired` read them;
  - an MP4 with no extension is recognised by its content; a name that looks
    like an ffmpeg protocol ("http:...m4a") is still read as the file;
  - refusals are one line naming the file, exit 4: no audio stream (a video
    alone), damaged data (with ffmpeg's reason), and no ffmpeg (BX_FFMPEG
    naming a program that does not exist; the message gives the command that
    converts the file);
  - a batch takes .m4a files as audio; without ffmpeg they fail, named, and
    the WAV files beside them are still analysed (exit 4).
Skipped (77) without ffmpeg, except the no-ffmpeg check, which needs none.
"""

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import bxtest

np = bxtest.need("numpy")
sf = bxtest.need("soundfile", "Debian: python3-soundfile")
BXLIVE, BXANALYZE = bxtest.programs("BXLIVE", "BXANALYZE")
REP = bxtest.Report()
work = bxtest.scratch("ffmpeg-in-")
RATE = 48000
FFMPEG = shutil.which("ffmpeg")
PRESET = os.path.join(bxtest.source_dir(), "presets", "crisp.json")


def run(args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(args, capture_output=True, text=True, timeout=300, env=e)


def path(name):
    return os.path.join(work, name)


def encode(src, dst, *codec, video=False):
    args = [FFMPEG, "-v", "error", "-nostdin", "-y", "-i", src]
    if video:
        args += ["-f", "lavfi", "-i", "color=c=black:s=64x64:r=10", "-shortest",
                 "-map", "0:a", "-map", "1:v"]
    r = subprocess.run(args + list(codec) + [dst], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"ffmpeg could not make {dst}: {r.stderr[-300:]}")
    return dst


def one_line_error(r, code, *words):
    lines = r.stderr.strip().splitlines()
    return (r.returncode == code and len(lines) == 1 and lines[0].startswith("bxanalyze: ")
            and all(w in lines[0] for w in words))


def chain_of(r):
    return json.loads(r.stdout)["chain"] if r.returncode == 0 else None


def check_no_ffmpeg(wav):
    m4a = path("any.m4a")
    with open(m4a, "wb") as f:  # never decoded: the program is missing first
        f.write(b"\0\0\0\x20ftypM4A " + bytes(100))
    r = run([BXANALYZE, m4a, "--json"], env={"BX_FFMPEG": path("no-such-ffmpeg")})
    REP.check(one_line_error(r, 4, "any.m4a", "ffmpeg", "not installed", "pcm_f32le"),
              "no ffmpeg: one line naming the file, the converting command, exit 4",
              bxtest.tell(r))
    folder = path("batch-noff")
    os.makedirs(folder)
    shutil.copy(wav, os.path.join(folder, "a.wav"))
    shutil.copy(m4a, os.path.join(folder, "b.m4a"))
    out = path("batch-noff-out") + os.sep
    r = run([BXANALYZE, folder, "-o", out, "-q"], env={"BX_FFMPEG": path("no-such-ffmpeg")})
    made = sorted(os.listdir(out)) if os.path.isdir(out) else []
    REP.check(r.returncode == 4 and made == ["a.json"] and "b.m4a" in r.stderr,
              "batch without ffmpeg: the .m4a fails, named; the WAV is analysed", f"{bxtest.tell(r)}; {made}")


def check_lossless(wav):
    mkv = encode(wav, path("same.mkv"), "-c:a", "pcm_f32le")
    a = run([BXANALYZE, wav, "--json", "--name", "x"])
    b = run([BXANALYZE, mkv, "--json", "--name", "x"])
    REP.check(a.returncode == 0 and chain_of(a) == chain_of(b),
              "float PCM in .mkv: the same preset as the WAV, bit for bit", bxtest.tell(b))
    ra, rb = path("ra.wav"), path("rb.wav")
    run([BXLIVE, PRESET, "--render", wav, ra, "--quiet"])
    r = run([BXLIVE, PRESET, "--render", mkv, rb, "--quiet"])
    same = r.returncode == 0 and np.array_equal(sf.read(ra)[0], sf.read(rb)[0])
    REP.check(same, "bxlive --render of the .mkv = of the WAV, bit for bit", bxtest.tell(r))


def check_rips(wav, take):
    x = sf.read(wav)[0]
    rips = {"AAC in .m4a": encode(wav, path("rip.m4a"), "-c:a", "aac", "-b:a", "192k"),
            "AAC and video in .mp4": encode(wav, path("rip.mp4"), "-c:a", "aac", "-c:v", "libx264",
                                            video=True),
            "Opus and video in .webm": encode(wav, path("rip.webm"), "-c:a", "libopus", "-c:v",
                                              "libvpx", video=True)}
    for what, f in rips.items():
        out = path(os.path.basename(f) + ".render.wav")
        flat = path("flat.json")
        with open(flat, "w") as fp:
            json.dump({"bxpreset": 1, "chain": {}}, fp)
        r = run([BXLIVE, flat, "--render", f, out, "--quiet"])
        if not REP.check(r.returncode == 0, f"{what}: bxlive --render reads it", bxtest.tell(r)):
            continue
        y, rate = sf.read(out)
        ref = path(os.path.basename(f) + ".ffmpeg.wav")
        subprocess.run([FFMPEG, "-v", "error", "-nostdin", "-y", "-i", f, "-map", "0:a:0",
                        "-c:a", "pcm_f32le", ref], capture_output=True)
        z = sf.read(ref)[0]
        REP.check(rate == RATE and y.shape == z.shape and np.array_equal(y, z),
                  f"{what}: the samples ffmpeg decodes itself, bit for bit",
                  f"{rate} Hz, {y.shape} vs {z.shape}")
        dlen = abs(len(y) / rate - len(x) / RATE)
        REP.check(dlen <= 0.05, f"{what}: the source's length within 50 ms", f"{dlen * 1000:.1f} ms")
        for mode in ([], ["--source", take], ["--paired", wav]):
            r = run([BXANALYZE, f, "--json"] + mode)
            REP.check(r.returncode == 0 and chain_of(r) is not None,
                      f"{what}: bxanalyze {' '.join(m if m.startswith('-') else 'FILE' for m in mode) or 'REF'}",
                      bxtest.tell(r))
    # the same file by content, and a protocol-like name
    noext = path("ripnoext")
    shutil.copy(rips["AAC in .m4a"], noext)
    r = run([BXANALYZE, noext, "--json"])
    REP.check(r.returncode == 0, "an MP4 without an extension is recognised by its content", bxtest.tell(r))
    odd = path("http:odd name.m4a")
    shutil.copy(rips["AAC in .m4a"], odd)
    r = run([BXANALYZE, odd, "--json"])
    REP.check(r.returncode == 0, "a name like an ffmpeg protocol is read as the file", bxtest.tell(r))
    folder = path("batch")
    os.makedirs(folder)
    shutil.copy(rips["AAC in .m4a"], os.path.join(folder, "a.m4a"))
    shutil.copy(rips["Opus and video in .webm"], os.path.join(folder, "c.webm"))
    shutil.copy(wav, os.path.join(folder, "b.wav"))
    out = path("batch-out") + os.sep
    r = run([BXANALYZE, folder, "-o", out, "-q", "-j", "2"])
    made = sorted(os.listdir(out)) if os.path.isdir(out) else []
    REP.check(r.returncode == 0 and made == ["a.json", "b.json", "c.json"],
              "a batch takes .m4a and .webm files as audio, two ffmpeg decodes at once (-j 2)",
              f"{bxtest.tell(r)}; {made}")


def check_refusals(wav):
    video = path("video.mp4")
    r = subprocess.run([FFMPEG, "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                        "color=c=black:s=64x64:d=1", "-c:v", "libx264", video], capture_output=True)
    r = run([BXANALYZE, video, "--json"])
    REP.check(one_line_error(r, 4, "video.mp4", "no audio stream"), "a video alone: no audio stream, exit 4",
              bxtest.tell(r))
    junk = path("junk.m4a")
    with open(junk, "wb") as f:
        f.write(np.random.default_rng(3).bytes(5000))
    r = run([BXANALYZE, junk, "--json"])
    REP.check(one_line_error(r, 4, "junk.m4a", "ffmpeg cannot decode it") and " @ 0x" not in r.stderr,
              "damaged data: ffmpeg's reason, one line, exit 4", bxtest.tell(r))


def main():
    wav = path("ref.wav")
    x = 0.5 * bxtest.bursts(seed=11, seconds=6, rate=RATE)
    sf.write(wav, x, RATE, subtype="FLOAT")
    take = path("take.wav")
    sf.write(take, 0.5 * bxtest.bursts(seed=12, seconds=6, rate=RATE), RATE, subtype="FLOAT")
    REP.part(check_no_ffmpeg, wav)
    if not FFMPEG:
        REP.skip("decoding through ffmpeg", "ffmpeg is not installed")
        REP.finish(work)
    if bxtest.emulated(BXANALYZE):
        REP.skip("decoding through ffmpeg", "bx runs in an emulator (Wine), which has no ffmpeg.exe")
        REP.finish(work)
    REP.part(check_lossless, wav)
    REP.part(check_rips, wav, take)
    REP.part(check_refusals, wav)
    REP.finish(work)


main()
