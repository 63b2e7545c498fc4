#!/usr/bin/python3
"""test_excerpt — --start/--end analyse and render only part of a file.

Promises (the reference: the same samples cut out with numpy and written to a
file of their own):
  - `bxlive --render --start A --end B` gives bit for bit the render of the
    cut file, from WAV, FLAC (which bx seeks in) and MP3 (which bx decodes
    up to A);
  - `bxanalyze REF --start A --end B` gives the preset of the cut REF, bit
    for bit; with --source, --source-start/--source-end cut the take the same
    way; with --paired, DRY is cut at the same times as REF;
  - times are seconds or minutes:seconds: 5.5, 0:05.5 and 0:00:05.5 are the
    same excerpt; an end past the file's end reads to its end;
  - refusals: a start after the end of the file (exit 4, one line naming the
    file and both times); a malformed time ("1:75", "abc", "-3",
    "1:2:3:4"), an end before the start, --source-start without --source,
    and bxlive's --start without --render are usage errors (exit 2).
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import bxtest

np = bxtest.need("numpy")
sf = bxtest.need("soundfile", "Debian: python3-soundfile")
BXLIVE, BXANALYZE = bxtest.programs("BXLIVE", "BXANALYZE")
REP = bxtest.Report()
work = bxtest.scratch("excerpt-")
RATE = 48000
PRESET = os.path.join(bxtest.source_dir(), "presets", "crisp.json")
A, B = 2.5, 7.25  # seconds


def path(name):
    return os.path.join(work, name)


def run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def cut(x, rate, a, b):
    return x[int(round(a * rate)):int(round(b * rate))]


def render(src, out, *extra):
    r = run([BXLIVE, PRESET, "--render", src, out, "--quiet"] + list(extra))
    return sf.read(out)[0] if r.returncode == 0 else None, r


def check_render(wav):
    x = sf.read(wav)[0]
    sources = {"WAV": wav}
    flac = path("ref.flac")
    sf.write(flac, x, RATE, subtype="PCM_24")
    sources["FLAC"] = flac
    if "MP3" in sf.available_formats() and bxtest.bx_mp3(BXLIVE, work):
        mp3 = path("ref.mp3")
        sf.write(mp3, x, RATE, format="MP3")
        sources["MP3"] = mp3
    else:
        REP.skip("MP3 excerpt", "this libsndfile (Python's or bx's) has no MP3")
    for what, src in sources.items():
        whole = sf.read(src, dtype="float32")[0]  # as libsndfile decodes it
        part = path(f"part-{what}.wav")
        sf.write(part, cut(whole, RATE, A, B), RATE, subtype="FLOAT")
        want, _ = render(part, path(f"want-{what}.wav"))
        got, r = render(src, path(f"got-{what}.wav"), "--start", str(A), "--end", str(B))
        REP.check(got is not None and want is not None and got.shape == want.shape and
                  np.array_equal(got, want),
                  f"{what}: --render --start {A} --end {B} = the render of the cut file", bxtest.tell(r))
    a, r1 = render(wav, path("t1.wav"), "--start", "5.5")
    b, r2 = render(wav, path("t2.wav"), "--start", "0:05.5")
    c, r3 = render(wav, path("t3.wav"), "--start", "0:00:05.5", "--end", "9:00")
    REP.check(a is not None and b is not None and c is not None and np.array_equal(a, b) and
              np.array_equal(a, c) and len(a) == len(x) - int(5.5 * RATE),
              "5.5, 0:05.5 and 0:00:05.5 are the same start; an end past the file's reads to its end",
              f"{bxtest.tell(r1)}; {bxtest.tell(r3)}")


def chain(args):
    r = run([BXANALYZE] + args + ["--json", "--name", "x"])
    return (json.loads(r.stdout)["chain"] if r.returncode == 0 else None), r


def check_analyze(wav, take, dry):
    cuts = {}
    for name, f in (("ref", wav), ("take", take), ("dry", dry)):
        cuts[name] = path(f"cut-{name}.wav")
        sf.write(cuts[name], cut(sf.read(f, dtype="float32")[0], RATE, A, B), RATE, subtype="FLOAT")
    span = ["--start", str(A), "--end", str(B)]
    got, r = chain([wav] + span)
    want, _ = chain([cuts["ref"]])
    REP.check(got is not None and got == want, "reference only: --start/--end = the cut REF, bit for bit",
              bxtest.tell(r))
    got, r = chain([wav, "--source", take] + span + ["--source-start", str(A), "--source-end", str(B)])
    want, _ = chain([cuts["ref"], "--source", cuts["take"]])
    REP.check(got is not None and got == want,
              "--source: --source-start/--source-end cut the take the same way", bxtest.tell(r))
    got, r = chain([wav, "--paired", dry] + span)
    want, _ = chain([cuts["ref"], "--paired", cuts["dry"]])
    REP.check(got is not None and got == want, "--paired: DRY is cut at REF's times", bxtest.tell(r))


def check_refusals(wav):
    r = run([BXANALYZE, wav, "--start", "1:00", "--json"])
    lines = r.stderr.strip().splitlines()
    REP.check(r.returncode == 4 and len(lines) == 1 and "ref.wav" in lines[0] and "60.00 s" in lines[0],
              "a start after the end: exit 4, one line naming the file and the times", bxtest.tell(r))
    r = run([BXLIVE, PRESET, "--render", wav, path("x.wav"), "--start", "100"])
    REP.check(r.returncode == 4 and "after its end" in r.stderr, "bxlive: the same, exit 4", bxtest.tell(r))
    for bad in ("1:75", "abc", "-3", "1:2:3:4", "1.5:20"):
        r = run([BXANALYZE, wav, "--start", bad, "--json"])
        REP.check(r.returncode == 2 and "is not a time" in r.stderr, f"--start {bad}: usage error",
                  bxtest.tell(r))
    for args, why in (([wav, "--start", "5", "--end", "4", "--json"], "--end before --start"),
                      ([wav, "--source-start", "2", "--json"], "--source-start without --source")):
        r = run([BXANALYZE] + args)
        REP.check(r.returncode == 2, f"{why}: usage error (exit 2)", bxtest.tell(r))
    r = run([BXLIVE, PRESET, "--start", "3"])
    REP.check(r.returncode == 2 and "--render" in r.stderr, "bxlive --start without --render: usage error",
              bxtest.tell(r))


def main():
    wav, take, dry = path("ref.wav"), path("take.wav"), path("dry.wav")
    x = 0.4 * bxtest.bursts(seed=21, seconds=12, rate=RATE)
    sf.write(dry, x, RATE, subtype="FLOAT")
    # REF: DRY through a bx preset (a chain to identify)
    r = run([BXLIVE, PRESET, "--render", dry, wav, "--quiet"])
    if r.returncode != 0:
        print("ERROR: cannot make the reference: " + bxtest.tell(r))
        sys.exit(1)
    sf.write(take, 0.4 * bxtest.bursts(seed=22, seconds=12, rate=RATE), RATE, subtype="FLOAT")
    REP.part(check_render, wav)
    REP.part(check_analyze, wav, take, dry)
    REP.part(check_refusals, wav)
    REP.finish(work)


main()
