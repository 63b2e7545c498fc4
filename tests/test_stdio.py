#!/usr/bin/python3
"""test_stdio — "-" is standard input or output, as sox and ffmpeg users expect.

Promises:
  - `bxlive P --render - OUT` (audio on standard input) writes the bytes the
    same render of the file writes; `--render IN -` writes those bytes to
    standard output, to a file and to a pipe alike (a WAV whose header holds
    its length: it is sent when complete);
  - `sox IN -t wav - | bxlive P --render - - | ...`: a WAV streamed with
    placeholder sizes is read whole, and the samples out equal the render
    of the file SoX writes from the same input;
  - a WAV streamed by ffmpeg (sizes 0xFFFFFFFF) gives every sample;
  - `bxlive - --render IN OUT` reads the preset from standard input (the
    same output as the file); an invalid one exits 3 naming "standard input";
  - `bxanalyze - -o -` analyses standard input and prints the preset (the
    chain of the file's analysis, named "stdin");
  - reading standard input twice (`bxanalyze - --source -`,
    `bxlive - --render - OUT`) is a usage error (exit 2).
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
work = bxtest.scratch("stdio-")
PRESET = os.path.join(bxtest.source_dir(), "presets", "crisp.json")


def path(name):
    return os.path.join(work, name)


def run(args, stdin=None):
    return subprocess.run(args, input=stdin, capture_output=True, timeout=300)


def tell(r):
    return f"exit {r.returncode}, stderr {r.stderr.decode(errors='replace').strip()[:300]!r}"


def read(name):
    with open(name, "rb") as f:
        return f.read()


def main():
    src = path("in.wav")
    sf.write(src, 0.4 * bxtest.bursts(seed=31, seconds=4), 48000, subtype="FLOAT")
    ref = path("ref.out.wav")
    r = run([BXLIVE, PRESET, "--render", src, ref, "--quiet"])
    if r.returncode != 0:
        print("ERROR: the file render failed: " + tell(r))
        sys.exit(1)
    want = read(ref)

    r = run([BXLIVE, PRESET, "--render", "-", path("a.wav"), "--quiet"], stdin=read(src))
    REP.check(r.returncode == 0 and read(path("a.wav")) == want,
              "--render - OUT: the bytes of the file render", tell(r))
    r = run([BXLIVE, PRESET, "--render", src, "-", "--quiet"])
    REP.check(r.returncode == 0 and r.stdout == want, "--render IN -: the same bytes on standard output",
              tell(r))
    with open(path("b.wav"), "wb") as f:
        r = subprocess.run([BXLIVE, PRESET, "--render", src, "-", "--quiet"], stdout=f,
                           stderr=subprocess.PIPE, timeout=300)
    REP.check(r.returncode == 0 and read(path("b.wav")) == want,
              "--render IN - redirected to a file: the same bytes", tell(r))
    if shutil.which("sox"):
        p1 = subprocess.Popen(["sox", src, "-t", "wav", "-"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
        p2 = subprocess.Popen([BXLIVE, PRESET, "--render", "-", "-", "--quiet"], stdin=p1.stdout,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p1.stdout.close()
        out, err = p2.communicate(timeout=300)
        p1.wait()
        with open(path("c.wav"), "wb") as f:
            f.write(out)
        # SoX passes samples through 32-bit integers: compare with its file's render
        subprocess.run(["sox", src, path("sox.wav")], capture_output=True)
        run([BXLIVE, PRESET, "--render", path("sox.wav"), path("sox.out.wav"), "--quiet"])
        ok = p2.returncode == 0 and np.array_equal(sf.read(path("c.wav"))[0],
                                                   sf.read(path("sox.out.wav"))[0])
        REP.check(ok, "sox ... - | bxlive --render - - : a streamed WAV in, the file render's samples out",
                  f"exit {p2.returncode}, stderr {err.decode(errors='replace')[:200]!r}")
    else:
        REP.skip("a WAV streamed by sox", "sox is not installed")

    if shutil.which("ffmpeg"):  # a pipe WAV with 0xFFFFFFFF for its sizes
        streamed = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", src, "-c:a", "pcm_f32le",
                                   "-f", "wav", "-"], capture_output=True).stdout
        r = run([BXLIVE, PRESET, "--render", "-", path("g.wav"), "--quiet"], stdin=streamed)
        REP.check(r.returncode == 0 and streamed[4:8] == b"\xff\xff\xff\xff" and
                  np.array_equal(sf.read(path("g.wav"))[0], sf.read(ref)[0]),
                  "ffmpeg ... -f wav - | bxlive --render - : placeholder sizes, every sample", tell(r))
    else:
        REP.skip("a WAV streamed by ffmpeg", "ffmpeg is not installed")

    r = run([BXLIVE, "-", "--render", src, path("d.wav"), "--quiet"], stdin=read(PRESET))
    REP.check(r.returncode == 0 and read(path("d.wav")) == want,
              "bxlive - : the preset from standard input", tell(r))
    r = run([BXLIVE, "-", "--render", src, path("e.wav")],
            stdin=b'{"bxpreset": 1, "chain": {"eq": [{"type": "peak"}]}}')
    err = r.stderr.decode(errors="replace").strip().splitlines()
    REP.check(r.returncode == 3 and len(err) == 1 and err[0].startswith("bxlive: standard input: chain.eq[0]"),
              "an invalid preset on standard input: exit 3, named \"standard input\"", tell(r))

    a = run([BXANALYZE, src, "--json"])
    b = run([BXANALYZE, "-", "-o", "-"], stdin=read(src))
    ok = a.returncode == 0 and b.returncode == 0
    ja, jb = (json.loads(a.stdout), json.loads(b.stdout)) if ok else ({}, {})
    REP.check(ok and ja["chain"] == jb["chain"] and jb["name"] == "stdin",
              "bxanalyze - -o -: the file's chain, named \"stdin\"", tell(b))
    for args, why in (([BXANALYZE, "-", "--source", "-", "--json"], "bxanalyze - --source -"),
                      ([BXLIVE, "-", "--render", "-", path("f.wav")], "bxlive - --render -")):
        r = run(args, stdin=b"")
        REP.check(r.returncode == 2 and b"only once" in r.stderr, f"{why}: usage error (exit 2)", tell(r))
    REP.finish(work)


main()
