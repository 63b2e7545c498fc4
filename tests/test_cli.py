#!/usr/bin/python3
"""test_cli — the contract of `bxlive PRESET --render IN OUT`, as a user sees it.

Promises checked (each line of output names one):
  - OUT has IN's sample rate, channel count and length: mono, stereo and 6
    channels at 8000, 44100, 96000 and 192000 Hz;
  - OUT's format follows its extension: .wav is 32-bit float unless --bits says
    otherwise (16, 24, 32 give PCM_16/24/32), .flac is 24-bit (16 with --bits
    16), .aiff/.caf/.w64/.rf64/.au are float; the samples agree with the float
    render to within the integer format's rounding; .ogg (Vorbis), .opus and
    .mp3 are written and read back with their octave-band levels (125 Hz -
    8 kHz) within 3 dB of the float render (Vorbis on noise: 1.8 dB);
  - stdout stays empty and stderr holds exactly one line, "bxlive: rendered ...";
    --quiet leaves stderr empty;
  - --block 1, 17, 64, 4096 and 65536 give output bit-identical to the default;
  - --bypass gives output equal to the input, sample for sample (float WAV),
    whatever the preset does;
  - IN is never overwritten: OUT naming IN (same string, another spelling, a
    hard link, a symbolic link) exits 5 and leaves IN's bytes unchanged;
  - an output folder that cannot be written (missing, a file, read-only) or
    an OUT that is a folder exits 5 and creates nothing;
  - an existing OUT is replaced only by a finished render: a usage error, a bad
    or missing input, a bad preset, a band above Nyquist, an encoding the
    format cannot hold, or SIGINT in the middle of a render (exit 130) leave
    it byte-identical; a successful render replaces it;
  - a missing input, a folder, random bytes (also bytes that begin like an
    MPEG frame, which make libsndfile try its MP3 decoder), an empty or text
    file named .wav, a file with no frames, a rate outside 8000..192000 Hz or
    more than 64 channels exit 4 with one line naming the input, which does
    not claim that an existing file is missing;
  - an unknown option and other malformed command lines exit 2;
    --help and --version exit 0 and print to stdout only (the version is
    include/bx/version.h's);
  - a band at or above Nyquist of IN's rate exits 3 with a message that names
    the preset and the field; just below Nyquist renders;
  - a limiter keeps every output sample's magnitude <= its ceiling, for +12
    dBFS float noise pushed further by gain (ceilings -30, -6, -1, -0.1, 0 dB
    and the default);
  - NaN and +/-Inf samples in a float WAV give finite output, processed as if
    they were 0 (bit-identical to the render of the same file with zeros);
    huge finite samples pushed by +100 dB of gain still give finite output;
  - no "*.tmp" file is left in the output folder after any run;
  - "--opt=value" equals "--opt value" (bit-identical render); "=" on an
    option that takes no value exits 2;
  - --list-devices (also with --host jack and no server) prints no line of
    libasound's or libjack's on stderr (when the build links them).

Environment: BXLIVE, BXGEN (programs), BX_SOURCE_DIR (repository root),
BX_TEST_TMP (scratch folder).
Exit status: 0 all passed, 1 a check failed, 77 skipped (numpy or soundfile
missing).
"""

import hashlib
import json
import math
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import bxtest

np = bxtest.need("numpy")
sf = bxtest.need("soundfile")
BXLIVE, BXGEN = bxtest.programs("BXLIVE", "BXGEN")
SOURCE_DIR = bxtest.source_dir()

FULL = bxtest.FULL_PRESET

# Very large gains: the processed signal dwarfs the dry one.
HEAVY = {
    "bxpreset": 1, "name": "heavy",
    "chain": {
        "input_gain_db": 24,
        "eq": [{"type": "peak", "freq_hz": 1000, "gain_db": 30, "q": 0.3},
               {"type": "low_shelf", "freq_hz": 200, "gain_db": 30}],
        "compressor": {"threshold_db": -10, "ratio": 2, "makeup_db": 36},
        "output_gain_db": 24}}


REP = bxtest.Report()
RUNS = []  # (folder, description) of every bxlive run, for the leftover check
LEFTOVERS = []


def tmp_files(folder):
    try:
        return sorted(n for n in os.listdir(folder) if n.endswith(".tmp"))
    except OSError:
        return []


def bx(args, out_dir=None, what="", timeout=120):
    """Run bxlive; returns (rc, stdout, stderr lines). Records leftovers in out_dir."""
    p = subprocess.run([BXLIVE] + [str(a) for a in args], capture_output=True, timeout=timeout)
    stdout = p.stdout.decode("utf-8", "replace")
    lines = p.stderr.decode("utf-8", "replace").splitlines()
    if out_dir is not None:
        left = tmp_files(out_dir)
        RUNS.append(what)
        if left:
            LEFTOVERS.append(f"{what}: {', '.join(left)}")
    return p.returncode, stdout, lines


def gen(kind, path, *args):
    subprocess.run([BXGEN, kind, str(path)] + [str(a) for a in args], check=True,
                   capture_output=True)
    return path


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def one_line(stdout, lines, start="bxlive: "):
    """stdout empty and exactly one stderr line starting with `start`."""
    return stdout == "" and len(lines) == 1 and lines[0].startswith(start)


def show(lines):
    return " | ".join(lines)[:300] if lines else "(no stderr)"


def read(path):
    return sf.read(path, dtype="float64", always_2d=True)


# ---------------------------------------------------------------------------

def check_shapes(w):
    d = os.path.join(w, "shapes")
    os.makedirs(d)
    preset = write_json(os.path.join(d, "full.json"), FULL)
    worst = ""
    for rate in (8000, 44100, 96000, 192000):
        for ch in (1, 2, 6):
            src = gen("noise", os.path.join(d, f"in-{rate}-{ch}.wav"), "--seconds", "0.5",
                      "--rate", rate, "--channels", ch, "--level", "-12", "--seed", 5)
            out = os.path.join(d, f"out-{rate}-{ch}.wav")
            rc, so, se = bx([preset, "--render", src, out], d, f"render {rate} Hz {ch} ch")
            label = f"{ch} ch at {rate} Hz"
            if rc != 0 or not os.path.exists(out):
                REP.check(False, f"{label}: renders", f"exit {rc}: {show(se)}")
                continue
            ii, oi = sf.info(src), sf.info(out)
            same = (oi.samplerate, oi.channels, oi.frames) == (ii.samplerate, ii.channels,
                                                                ii.frames)
            REP.check(same and oi.subtype == "FLOAT",
                      f"{label}: OUT has IN's rate, channels and length, float WAV",
                      f"out {oi.samplerate} Hz, {oi.channels} ch, {oi.frames} frames, "
                      f"{oi.subtype}")
            REP.check(one_line(so, se, "bxlive: rendered "),
                      f"{label}: stdout empty, one stderr summary line", show(se))
            worst = show(se)
    print(f"      (last summary line: {worst})")


def check_formats(w):
    d = os.path.join(w, "formats")
    os.makedirs(d)
    preset = write_json(os.path.join(d, "full.json"), FULL)
    src = gen("noise", os.path.join(d, "in.wav"), "--seconds", "0.5", "--rate", 48000,
              "--channels", 2, "--level", "-6", "--seed", 9)
    ref_path = os.path.join(d, "ref.wav")
    rc, _, _ = bx([preset, "--render", src, ref_path], d, "format reference")
    if rc != 0:
        REP.check(False, "float reference render", f"exit {rc}")
        return
    ref, _ = read(ref_path)
    cases = [  # file name, extra args, (format, subtype), LSB of the encoding
        ("o.wav", [], ("WAV", "FLOAT"), 0),
        ("o_float.wav", ["--bits", "float"], ("WAV", "FLOAT"), 0),
        ("o16.wav", ["--bits", "16"], ("WAV", "PCM_16"), 2.0 ** -15),
        ("o24.wav", ["--bits", "24"], ("WAV", "PCM_24"), 2.0 ** -23),
        ("o32.wav", ["--bits", "32"], ("WAV", "PCM_32"), 2.0 ** -31),
        ("o.flac", [], ("FLAC", "PCM_24"), 2.0 ** -23),
        ("o16.flac", ["--bits", "16"], ("FLAC", "PCM_16"), 2.0 ** -15),
        ("o.aiff", [], ("AIFF", "FLOAT"), 0),
        ("o.caf", [], ("CAF", "FLOAT"), 0),
        ("o.w64", [], ("W64", "FLOAT"), 0),
        ("o.rf64", [], ("RF64", "FLOAT"), 0),
        ("o.au", [], ("AU", "FLOAT"), 0),
        ("UPPER.WAV", [], ("WAV", "FLOAT"), 0),
        # lossy: the octave-band levels instead of the samples (None)
        ("o.ogg", [], ("OGG", "VORBIS"), None),
        ("o.opus", [], ("OGG", "OPUS"), None),
        ("o.mp3", [], ("MP3", "MPEG_LAYER_III"), None),
    ]
    for name, extra, (fmt, sub), lsb in cases:
        if fmt == "MP3" and ("MP3" not in sf.available_formats() or not bxtest.bx_mp3(BXLIVE, d)):
            REP.note("this libsndfile (Python's or bx's) has no MP3: the .mp3 row is skipped")
            continue
        out = os.path.join(d, name)
        rc, so, se = bx([preset, "--render", src, out] + extra, d, f"format {name}")
        label = f"{name} {' '.join(extra)}".strip()
        if rc != 0 or not os.path.exists(out):
            REP.check(False, f"{label}: renders", f"exit {rc}: {show(se)}")
            continue
        i = sf.info(out)
        y, _ = read(out)
        if lsb is None:
            # a perceptual codec: its length (an MP3 may pad its last frame) and its
            # octave-band levels, 125 Hz - 8 kHz, within LOSSY_BAND_DB of the float render
            n = min(len(y), len(ref))
            lv = lambda v: octave_levels(v[:n])  # noqa: E731
            dev = float(np.max(np.abs(lv(y) - lv(ref))))
            REP.check((i.format, i.subtype) == (fmt, sub) and abs(len(y) - len(ref)) <= 2304
                      and dev <= LOSSY_BAND_DB,
                      f"{label}: written as {fmt} {sub}, read back with its octave bands within "
                      f"{LOSSY_BAND_DB} dB of the float render",
                      f"{i.format} {i.subtype}, {len(y)} frames (float {len(ref)}), largest band "
                      f"difference {dev:.2f} dB")
            continue
        dev = float(np.max(np.abs(y - ref))) if y.shape == ref.shape else math.inf
        # integer formats: rounding (half an LSB) plus libsndfile's 32767/32768 scaling
        tol = 2.0 * lsb
        REP.check((i.format, i.subtype) == (fmt, sub) and dev <= tol,
                  f"{label}: written as {fmt} {sub}, samples within 2 LSB of the float render",
                  f"{i.format} {i.subtype}, max |diff| {dev:.3g} (limit {tol:.3g})")


LOSSY_BAND_DB = 3.0  # a codec on 0.5 s of noise (Vorbis: 1.8 dB); gross faults are 10+ dB


def octave_levels(y):
    """Octave-band levels (dB) of a signal (channels averaged), 125 Hz .. 8 kHz."""
    m = y.mean(axis=1) if y.ndim > 1 else y
    p = np.abs(np.fft.rfft(m)) ** 2
    f = np.fft.rfftfreq(len(m), 1 / 48000)
    return np.array([10 * np.log10(np.sum(p[(f >= c / 2 ** 0.5) & (f < c * 2 ** 0.5)]) + 1e-30)
                     for c in (125, 250, 500, 1000, 2000, 4000, 8000)])


def check_quiet(w):
    d = os.path.join(w, "quiet")
    os.makedirs(d)
    preset = write_json(os.path.join(d, "full.json"), FULL)
    src = gen("take", os.path.join(d, "take.wav"), "--seconds", "1", "--rate", 48000)
    rc, so, se = bx([preset, "--render", src, os.path.join(d, "o.wav"), "--quiet"], d, "quiet")
    REP.check(rc == 0 and so == "" and se == [], "--quiet: exit 0, stdout and stderr empty",
              f"exit {rc}, {len(se)} stderr lines")


def check_blocks(w):
    d = os.path.join(w, "blocks")
    os.makedirs(d)
    preset = write_json(os.path.join(d, "full.json"), FULL)
    inputs = [gen("take", os.path.join(d, "take.wav"), "--seconds", "3", "--rate", 48000),
              gen("noise", os.path.join(d, "noise.wav"), "--seconds", "1", "--rate", 44100,
                  "--channels", 2, "--level", "-3", "--seed", 3)]
    for src in inputs:
        base = os.path.join(d, "default-" + os.path.basename(src))
        rc, so, se = bx([preset, "--render", src, base], d, "block default")
        if rc != 0:
            REP.check(False, f"{os.path.basename(src)}: default block renders", show(se))
            continue
        ref, _ = read(base)
        for blk in (1, 17, 64, 4096, 65536):
            out = os.path.join(d, f"b{blk}-" + os.path.basename(src))
            rc, so, se = bx([preset, "--render", src, out, "--block", blk], d, f"block {blk}")
            if rc != 0:
                REP.check(False, f"--block {blk}: renders", f"exit {rc}: {show(se)}")
                continue
            y, _ = read(out)
            dev = float(np.max(np.abs(y - ref))) if y.shape == ref.shape else math.inf
            REP.check(sha(out) == sha(base),
                      f"{os.path.basename(src)}: --block {blk} is bit-identical to the default "
                      f"(128)", f"max |diff| {dev:.3g}")


def check_bypass(w):
    d = os.path.join(w, "bypass")
    os.makedirs(d)
    inputs = [gen("take", os.path.join(d, "take.wav"), "--seconds", "3", "--rate", 48000),
              gen("noise", os.path.join(d, "noise.wav"), "--seconds", "1", "--rate", 48000,
                  "--channels", 2, "--level", "-40", "--seed", 4)]
    for pname, p in (("full", FULL), ("heavy", HEAVY)):
        preset = write_json(os.path.join(d, pname + ".json"), p)
        for src in inputs:
            out = os.path.join(d, f"{pname}-{os.path.basename(src)}")
            rc, so, se = bx([preset, "--render", src, out, "--bypass"], d, "bypass")
            if rc != 0:
                REP.check(False, f"--bypass ({pname}): renders", f"exit {rc}: {show(se)}")
                continue
            x, _ = sf.read(src, dtype="float32", always_2d=True)
            y, _ = sf.read(out, dtype="float32", always_2d=True)
            if x.shape != y.shape:
                REP.check(False, f"--bypass ({pname} preset, {os.path.basename(src)}): output "
                          f"equals input", f"shapes {x.shape} vs {y.shape}")
                continue
            diff = x != y
            dev = float(np.max(np.abs(x.astype(np.float64) - y))) if diff.any() else 0.0
            REP.check(not diff.any(),
                      f"--bypass ({pname} preset, {os.path.basename(src)}): output equals input "
                      f"exactly", f"{int(diff.sum())} of {diff.size} samples differ, max |diff| "
                      f"{dev:.3g}")


def check_in_is_out(w):
    d = os.path.join(w, "inout")
    sub = os.path.join(d, "sub")
    os.makedirs(sub)
    preset = write_json(os.path.join(d, "full.json"), FULL)
    src = gen("take", os.path.join(d, "in.wav"), "--seconds", "1", "--rate", 48000)
    h = sha(src)
    hard = os.path.join(d, "hard.wav")
    os.link(src, hard)
    soft = os.path.join(d, "soft.wav")
    os.symlink("in.wav", soft)
    spellings = [("the same path", src, src),
                 ("another spelling", src, os.path.join(sub, "..", "in.wav")),
                 ("a relative path", "in.wav", os.path.join(".", "in.wav")),
                 ("a hard link", src, hard),
                 ("a symbolic link", src, soft),
                 ("a symbolic link given as IN", soft, src)]
    for label, i, o in spellings:
        p = subprocess.run([BXLIVE, preset, "--render", i, o], capture_output=True, cwd=d)
        se = p.stderr.decode("utf-8", "replace").splitlines()
        left = tmp_files(d)
        RUNS.append(f"OUT is IN ({label})")
        if left:
            LEFTOVERS.append(f"OUT is IN ({label}): {', '.join(left)}")
        ok = p.returncode == 5 and sha(src) == h and os.path.islink(soft)
        ok = ok and one_line(p.stdout.decode(), se) and "overwrite" in se[0]
        REP.check(ok,
                  f"OUT names IN through {label}: exit 5, IN unchanged, one line",
                  f"exit {p.returncode}: {show(se)}")


def check_unwritable(w):
    d = os.path.join(w, "unwritable")
    os.makedirs(d)
    preset = write_json(os.path.join(d, "full.json"), FULL)
    src = gen("take", os.path.join(d, "in.wav"), "--seconds", "0.5", "--rate", 48000)
    afile = os.path.join(d, "plain.txt")
    with open(afile, "w") as f:
        f.write("not a folder\n")
    folder = os.path.join(d, "folder.wav")
    os.makedirs(folder)
    cases = [("a missing folder", os.path.join(d, "missing", "out.wav"), os.path.join(d, "missing")),
             ("a file used as a folder", os.path.join(afile, "out.wav"), d),
             ("OUT is an existing folder", folder, folder)]
    if os.geteuid() != 0:
        ro = os.path.join(d, "readonly")
        os.makedirs(ro)
        os.chmod(ro, 0o555)
        cases.append(("a read-only folder", os.path.join(ro, "out.wav"), ro))
    else:
        REP.note("running as root: the read-only folder case cannot be made unwritable, skipped")
    for label, out, look in cases:
        before = sorted(os.listdir(look)) if os.path.isdir(look) else None
        rc, so, se = bx([preset, "--render", src, out], look if os.path.isdir(look) else None,
                        f"unwritable: {label}")
        after = sorted(os.listdir(look)) if os.path.isdir(look) else None
        created = (not os.path.isdir(out) and os.path.exists(out)) or before != after
        REP.check(rc == 5 and not created and one_line(so, se) and out in se[0],
                  f"{label}: exit 5, nothing created, one line naming OUT",
                  f"exit {rc}: {show(se)}")
    if os.geteuid() != 0:
        os.chmod(os.path.join(d, "readonly"), 0o755)


def check_replace_only_when_finished(w):
    d = os.path.join(w, "replace")
    os.makedirs(d)
    preset = write_json(os.path.join(d, "full.json"), FULL)
    bad_preset = os.path.join(d, "bad.json")
    with open(bad_preset, "w") as f:
        f.write('{"bxpreset": 1, "chain": {"eq": [{"type": "peak"}]}}')
    nyq = write_json(os.path.join(d, "nyq.json"),
                     {"bxpreset": 1, "chain": {"eq": [{"type": "lowpass", "freq_hz": 30000}]}})
    src = gen("take", os.path.join(d, "in.wav"), "--seconds", "1", "--rate", 48000)
    junk = os.path.join(d, "junk.wav")
    with open(junk, "wb") as f:
        f.write(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    out = os.path.join(d, "out.wav")
    out_flac = os.path.join(d, "out.flac")
    old = b"RIFF this is the previous OUT, it must survive every failed render"
    cases = [
        ("an invalid --bits", [preset, "--render", src, out, "--bits", "12"], out, 2),
        ("an invalid --block", [preset, "--render", src, out, "--block", "0"], out, 2),
        ("a missing input", [preset, "--render", os.path.join(d, "nope.wav"), out], out, 4),
        ("random bytes as input", [preset, "--render", junk, out], out, 4),
        ("an invalid preset", [bad_preset, "--render", src, out], out, 3),
        ("a band above Nyquist", [nyq, "--render", src, out], out, 3),
        ("--bits float for FLAC", [preset, "--render", src, out_flac, "--bits", "float"],
         out_flac, 2),
    ]
    for label, args, target, code in cases:
        with open(target, "wb") as f:
            f.write(old)
        rc, so, se = bx(args, d, f"replace: {label}")
        with open(target, "rb") as f:
            kept = f.read() == old
        REP.check(rc == code and kept, f"{label}: exit {code}, existing OUT byte-identical",
                  f"exit {rc}: {show(se)}")
    # a finished render does replace it
    with open(out, "wb") as f:
        f.write(old)
    rc, so, se = bx([preset, "--render", src, out], d, "replace: success")
    ok = rc == 0
    if ok:
        try:
            ok = sf.info(out).frames == sf.info(src).frames
        except RuntimeError:
            ok = False
    REP.check(ok, "a finished render replaces an existing OUT", f"exit {rc}")

    # interrupted: SIGINT once the temporary file exists
    long_in = gen("noise", os.path.join(d, "long.wav"), "--seconds", 60, "--rate", 48000,
                  "--channels", 2, "--level", "-10", "--seed", 2)
    slow = write_json(os.path.join(d, "slow.json"), {
        "bxpreset": 1, "chain": {
            "eq": [{"type": "peak", "freq_hz": 100 + 150 * i, "gain_db": 1, "q": 2}
                   for i in range(32)],
            "compressor": {"threshold_db": -20, "ratio": 3}, "limiter": {}}})
    with open(out, "wb") as f:
        f.write(old)
    p = subprocess.Popen([BXLIVE, slow, "--render", long_in, out, "--block", "1"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t0 = time.monotonic()
    seen = False
    while p.poll() is None and time.monotonic() - t0 < 60:
        if tmp_files(d):
            seen = True
            p.send_signal(signal.SIGINT)
            break
        time.sleep(0.001)
    try:
        so, se = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        so, se = p.communicate()
    se = se.decode("utf-8", "replace").splitlines()
    left = tmp_files(d)
    RUNS.append("interrupted render")
    if left:
        LEFTOVERS.append(f"interrupted render: {', '.join(left)}")
    with open(out, "rb") as f:
        kept = f.read() == old
    if not seen:
        REP.check(False, "SIGINT during a render: exit 130, existing OUT byte-identical",
                  f"the render ended (exit {p.returncode}) before its temporary file was seen")
    else:
        REP.check(p.returncode == 130 and kept and one_line(so.decode(), se),
                  "SIGINT during a render: exit 130, existing OUT byte-identical, one line",
                  f"exit {p.returncode}: {show(se)}")


def check_bad_inputs(w):
    d = os.path.join(w, "inputs")
    os.makedirs(d)
    preset = write_json(os.path.join(d, "full.json"), FULL)
    junk = os.path.join(d, "random.wav")
    with open(junk, "wb") as f:
        f.write(np.random.default_rng(7).integers(0, 256, 65536, dtype=np.uint8).tobytes())
    sync = os.path.join(d, "mpeg-sync.wav")  # starts like an MPEG audio frame header
    with open(sync, "wb") as f:
        f.write(b"\xff\xe4" + bytes((i * 73 + 11) % 256 for i in range(998)))
    text = os.path.join(d, "text.wav")
    with open(text, "w") as f:
        f.write("this is not audio\n")
    empty = os.path.join(d, "empty.wav")
    open(empty, "wb").close()
    folder = os.path.join(d, "folder.wav")
    os.makedirs(folder)
    zero = os.path.join(d, "zero.wav")
    sf.write(zero, np.zeros((0, 2), np.float32), 48000, subtype="FLOAT")
    slow_rate = os.path.join(d, "rate4000.wav")
    sf.write(slow_rate, np.zeros((400, 1), np.float32), 4000, subtype="FLOAT")
    many = os.path.join(d, "ch65.wav")
    sf.write(many, np.zeros((100, 65), np.float32), 48000, subtype="FLOAT")
    cases = [("a missing input", os.path.join(d, "missing.wav")),
             ("a folder as input", folder),
             ("random bytes named .wav", junk),
             ("bytes that begin like an MPEG frame, named .wav", sync),
             ("a text file named .wav", text),
             ("an empty file named .wav", empty),
             ("a WAV with no frames", zero),
             ("a 4000 Hz WAV", slow_rate),
             ("a 65-channel WAV", many)]
    for label, src in cases:
        out = os.path.join(d, "out.wav")
        rc, so, se = bx([preset, "--render", src, out], d, f"input: {label}")
        # the file exists: a message saying otherwise would send the user the wrong way
        misleading = bool(se) and os.path.exists(src) and "does not exist" in se[-1]
        REP.check(rc == 4 and not os.path.exists(out) and one_line(so, se) and src in se[0]
                  and not misleading,
                  f"{label}: exit 4, no OUT, one line naming IN (and not calling it missing)",
                  f"exit {rc}: {show(se)}")


def check_unicode_paths(w):
    """Non-ASCII file names with spaces (on Windows they take the wide-character APIs)."""
    d = os.path.join(w, "ünï cödé ✓ 音")
    os.makedirs(d)
    preset = write_json(os.path.join(d, "préset ✓.json"), FULL)
    src = gen("noise", os.path.join(d, "tàke 音.wav"), "--seconds", "0.5", "--level", "-12",
              "--seed", 9)
    ascii_src = gen("noise", os.path.join(w, "unicode-ref.wav"), "--seconds", "0.5", "--level",
                    "-12", "--seed", 9)
    out = os.path.join(d, "öut ✓.flac")
    ref = os.path.join(w, "unicode-ref-out.flac")
    rc, so, se = bx([preset, "--render", src, out], d, "unicode render")
    rc2, _, se2 = bx([write_json(os.path.join(w, "unicode.json"), FULL), "--render", ascii_src,
                      ref], w, "unicode reference render")
    same = (rc == 0 and rc2 == 0 and os.path.exists(out) and
            np.array_equal(read(out)[0], read(ref)[0]))
    REP.check(same and one_line(so, se, "bxlive: rendered "),
              "a preset, IN and OUT named in UTF-8 with spaces (ü, ✓, 音): rendered, the same "
              "audio as with ASCII names", f"exit {rc} / {rc2}: {show(se + se2)}")
    missing = os.path.join(d, "fehlt — ñ.wav")
    rc, so, se = bx([preset, "--render", missing, out], d, "unicode missing")
    REP.check(rc == 4 and one_line(so, se) and missing in se[0],
              "a missing non-ASCII IN: exit 4, one line naming it as given (UTF-8)",
              f"exit {rc}: {show(se)}")


def check_usage(w):
    d = os.path.join(w, "usage")
    os.makedirs(d)
    preset = write_json(os.path.join(d, "full.json"), FULL)
    src = gen("take", os.path.join(d, "in.wav"), "--seconds", "0.5", "--rate", 48000)
    out = os.path.join(d, "out.wav")
    cases = [("no arguments", []),
             ("an unknown option", [preset, "--render", src, out, "--frobnicate"]),
             ("--render without OUT", [preset, "--render", src]),
             ("no preset", ["--render", src, out]),
             ("two presets", [preset, preset, "--render", src, out]),
             ("--bits 12", [preset, "--render", src, out, "--bits", "12"]),
             ("--bits without a value", [preset, "--render", src, out, "--bits"]),
             ("--block 0", [preset, "--render", src, out, "--block", "0"]),
             ("--block 65537", [preset, "--render", src, out, "--block", "65537"]),
             ("--block 12abc", [preset, "--render", src, out, "--block", "12abc"]),
             ("an unknown output extension", [preset, "--render", src,
                                              os.path.join(d, "out.xyz")])]
    for label, args in cases:
        rc, so, se = bx(args, d, f"usage: {label}")
        created = [n for n in os.listdir(d) if n.startswith("out")]
        REP.check(rc == 2 and so == "" and se and se[0].startswith("bxlive: ") and not created,
                  f"{label}: exit 2, stdout empty, stderr starts with 'bxlive: ', no OUT",
                  f"exit {rc}: {se[0] if se else '(no stderr)'}")

    version = None
    try:
        with open(os.path.join(SOURCE_DIR, "include", "bx", "version.h")) as f:
            m = re.search(r'#define\s+BX_VERSION_STRING\s+"([^"]+)"', f.read())
            version = m.group(1) if m else None
    except OSError:
        pass
    for args in (["--help"], ["-h"], ["--version"]):
        p = subprocess.run([BXLIVE] + args, capture_output=True, text=True)
        ok = p.returncode == 0 and p.stdout.strip() != "" and p.stderr == ""
        if args == ["--version"]:
            ok = ok and version is not None and p.stdout.strip() == f"bxlive {version}"
        elif ok:
            ok = "--render" in p.stdout
        REP.check(ok, f"{args[0]}: exit 0, prints to stdout only"
                  + (f" 'bxlive {version}'" if args == ["--version"] else ""),
                  f"exit {p.returncode}, stdout {p.stdout.strip().splitlines()[0] if p.stdout.strip() else '(empty)'!r}")


def check_nyquist(w):
    d = os.path.join(w, "nyquist")
    os.makedirs(d)
    src8 = gen("noise", os.path.join(d, "in8k.wav"), "--seconds", "0.5", "--rate", 8000,
               "--level", "-12", "--seed", 1)
    src44 = gen("noise", os.path.join(d, "in44k.wav"), "--seconds", "0.5", "--rate", 44100,
                "--level", "-12", "--seed", 1)
    cases = [  # label, bands, input, expected exit, field
        ("peak 5000 Hz at 8 kHz", [{"type": "peak", "freq_hz": 5000, "gain_db": 3}], src8, 3,
         "chain.eq[0].freq_hz"),
        ("lowpass exactly 4000 Hz at 8 kHz", [{"type": "lowpass", "freq_hz": 4000}], src8, 3,
         "chain.eq[0].freq_hz"),
        ("second band 22050 Hz at 44.1 kHz",
         [{"type": "highpass", "freq_hz": 30}, {"type": "high_shelf", "freq_hz": 22050,
                                                "gain_db": -3}], src44, 3, "chain.eq[1].freq_hz"),
        ("lowpass 3999 Hz at 8 kHz", [{"type": "lowpass", "freq_hz": 3999}], src8, 0, None),
        ("high_shelf 22000 Hz at 44.1 kHz", [{"type": "high_shelf", "freq_hz": 22000,
                                              "gain_db": -3}], src44, 0, None),
    ]
    for i, (label, bands, src, code, field) in enumerate(cases):
        preset = write_json(os.path.join(d, f"nyq{i}.json"),
                            {"bxpreset": 1, "chain": {"eq": bands}})
        out = os.path.join(d, f"out{i}.wav")
        rc, so, se = bx([preset, "--render", src, out], d, f"nyquist: {label}")
        if code == 0:
            REP.check(rc == 0 and os.path.exists(out), f"{label}: renders (below Nyquist)",
                      f"exit {rc}: {show(se)}")
        else:
            REP.check(rc == 3 and not os.path.exists(out) and one_line(so, se)
                      and se[0].startswith(f"bxlive: {preset}: ") and field in se[0],
                      f"{label}: exit 3, one line naming the preset and {field}",
                      f"exit {rc}: {show(se)}")


def check_limiter(w):
    d = os.path.join(w, "limiter")
    os.makedirs(d)
    rng = np.random.default_rng(12)
    hot = os.path.join(d, "hot.wav")
    x = rng.uniform(-1.0, 1.0, (96000, 2)) * 10 ** (12 / 20)
    x[1000:1010, 0] = 10 ** (12 / 20)  # a few full +12 dBFS samples
    sf.write(hot, x.astype(np.float32), 48000, subtype="FLOAT")
    worst = None
    for ceiling in (-30, -6, -1, -0.1, 0, None):
        lim = {} if ceiling is None else {"ceiling_db": ceiling}
        c_db = -1.0 if ceiling is None else float(ceiling)
        preset = write_json(os.path.join(d, f"lim{c_db:g}.json"), {
            "bxpreset": 1, "chain": {"input_gain_db": 6,
                                     "eq": [{"type": "peak", "freq_hz": 2000, "gain_db": 12,
                                             "q": 0.5}],
                                     "output_gain_db": 6, "limiter": lim}})
        out = os.path.join(d, f"out{c_db:g}.wav")
        rc, so, se = bx([preset, "--render", hot, out], d, f"limiter {c_db:g}")
        if rc != 0:
            REP.check(False, f"limiter {c_db:g} dB: renders", f"exit {rc}: {show(se)}")
            continue
        y, _ = read(out)
        c = 10.0 ** (c_db / 20.0)
        peak = float(np.max(np.abs(y)))
        over = int(np.sum(np.abs(y) > c))
        REP.check(peak <= c,
                  f"limiter ceiling {c_db:g} dB{' (default)' if ceiling is None else ''}: "
                  f"every |sample| <= {c:.10g}",
                  f"peak {peak:.10g} ({20 * math.log10(peak):.6f} dBFS), {over} samples above")
        margin = 20 * math.log10(peak) - c_db
        if worst is None or margin > worst:
            worst = margin
    if worst is not None:
        print(f"      (worst peak relative to its ceiling: {worst:+.3g} dB)")


def check_nonfinite(w):
    d = os.path.join(w, "nonfinite")
    os.makedirs(d)
    rng = np.random.default_rng(3)
    x = (rng.uniform(-1, 1, (48000, 2)) * 0.25).astype(np.float32)
    bad = x.copy()
    bad[100, 0] = np.nan
    bad[200, 1] = np.inf
    bad[300, 0] = -np.inf
    bad[5000:5100, :] = np.nan  # a burst on both channels
    bad[9000:9050, 1] = np.inf
    bad[20000:20003, 0] = [np.nan, np.inf, -np.inf]
    zeroed = np.where(np.isfinite(bad), bad, 0).astype(np.float32)
    p_bad = os.path.join(d, "nonfinite.wav")
    p_zero = os.path.join(d, "zeroed.wav")
    sf.write(p_bad, bad, 48000, subtype="FLOAT")
    sf.write(p_zero, zeroed, 48000, subtype="FLOAT")
    chk, _ = sf.read(p_bad, dtype="float32", always_2d=True)
    if np.isfinite(chk).all():
        REP.check(False, "non-finite input file written", "soundfile did not keep NaN/Inf")
        return
    no_lim = json.loads(json.dumps(FULL))
    del no_lim["chain"]["limiter"]
    for pname, p in (("full", FULL), ("no limiter", no_lim)):
        preset = write_json(os.path.join(d, pname.replace(" ", "_") + ".json"), p)
        o_bad = os.path.join(d, "o-bad.wav")
        o_zero = os.path.join(d, "o-zero.wav")
        rc1, _, se1 = bx([preset, "--render", p_bad, o_bad], d, "nonfinite")
        rc2, _, se2 = bx([preset, "--render", p_zero, o_zero], d, "nonfinite zeroed")
        if rc1 != 0 or rc2 != 0:
            REP.check(False, f"NaN/Inf input ({pname}): renders", f"exit {rc1}/{rc2}: "
                      f"{show(se1)}")
            continue
        yb, _ = read(o_bad)
        yz, _ = read(o_zero)
        REP.check(bool(np.isfinite(yb).all()), f"NaN/Inf input ({pname} preset): output finite",
                  f"{int(np.sum(~np.isfinite(yb)))} non-finite output samples")
        same = yb.shape == yz.shape and np.array_equal(yb, yz)
        REP.check(same, f"NaN/Inf input ({pname} preset): processed exactly as zeros",
                  "bit-identical" if same else
                  f"max |diff| {float(np.nanmax(np.abs(yb - yz))) if yb.shape == yz.shape else 'shape'}")
    # bypass: non-finite samples come out as 0, the rest unchanged
    preset = write_json(os.path.join(d, "full.json"), FULL)
    o_byp = os.path.join(d, "o-bypass.wav")
    rc, _, se = bx([preset, "--render", p_bad, o_byp, "--bypass"], d, "nonfinite bypass")
    yb = sf.read(o_byp, dtype="float32", always_2d=True)[0] if rc == 0 else None
    REP.check(rc == 0 and np.array_equal(yb, zeroed),
              "NaN/Inf input with --bypass: non-finite samples become 0, the rest pass unchanged",
              f"exit {rc}")
    # huge finite samples pushed by large gains, no limiter
    huge = x.copy()
    huge[1000:1100, :] = 3.0e38
    huge[2000:2100, :] = -3.0e38
    p_huge = os.path.join(d, "huge.wav")
    sf.write(p_huge, huge, 48000, subtype="FLOAT")
    boost = write_json(os.path.join(d, "boost.json"), {
        "bxpreset": 1, "chain": {"input_gain_db": 24,
                                 "eq": [{"type": "low_shelf", "freq_hz": 1000, "gain_db": 30}],
                                 "output_gain_db": 24}})
    o_huge = os.path.join(d, "o-huge.wav")
    rc, _, se = bx([boost, "--render", p_huge, o_huge], d, "huge")
    yh = read(o_huge)[0] if rc == 0 else None
    REP.check(rc == 0 and bool(np.isfinite(yh).all()),
              "samples of 3e38 with +78 dB of gain and no limiter: output finite",
              f"exit {rc}" + (f", {int(np.sum(~np.isfinite(yh)))} non-finite" if rc == 0 else ""))


def check_equals_forms(w):
    """--opt=value is --opt value; "=" on an option without a value is a usage error."""
    d = os.path.join(w, "equals")
    os.makedirs(d)
    preset = write_json(os.path.join(d, "full.json"), FULL)
    src = gen("take", os.path.join(d, "take.wav"), "--seconds", "1", "--rate", 48000)
    a, b = os.path.join(d, "a.wav"), os.path.join(d, "b.wav")
    r1 = bx([preset, "--render", src, a, "--bits", "16", "--block", "64"], d, "spaced")
    r2 = bx([preset, f"--render={src}", b, "--bits=16", "--block=64"], d, "joined")
    REP.check(r1[0] == 0 and r2[0] == 0 and os.path.exists(b) and sha(a) == sha(b),
              "--render=IN OUT --bits=16 --block=64 renders the bytes of the spaced form",
              f"exits {r1[0]}, {r2[0]}")
    rc, so, se = bx([preset, "--render", src, os.path.join(d, "c.wav"), "--quiet=1"], d, "bad =")
    REP.check(rc == 2 and any("--quiet=1" in ln for ln in se),
              "--quiet=1 (an option that takes no value) exits 2 naming it", show(se))


def check_quiet_audio_libs(w):
    """--list-devices and a --host that is missing: no line from libasound or
    libjack on stderr (bxlive routes them; BXLIVE_AUDIO_LOG=1 shows them)."""
    if bxtest.emulated(BXLIVE):
        REP.note("bxlive runs in an emulator (Wine), whose own ALSA use prints these; skipped")
        return
    if subprocess.run(["pkg-config", "--exists", "alsa", "jack"]).returncode != 0:
        REP.note("pkg-config finds no alsa/jack: this build cannot route their messages; skipped")
        return
    env = dict(os.environ)
    env.pop("BXLIVE_AUDIO_LOG", None)
    for args in (["--list-devices"], ["--list-devices", "--host", "jack"]):
        r = subprocess.run([BXLIVE, *args], capture_output=True, text=True, timeout=60, env=env)
        noise = [ln for ln in r.stderr.splitlines()
                 if ln.startswith(("ALSA lib", "Cannot connect", "jack server", "JackShm"))]
        REP.check(not noise, f"bxlive {' '.join(args)}: no libasound or libjack lines on stderr",
                  f"exit {r.returncode}; {len(noise)} such lines: {noise[:2]}")


def main():
    work = bxtest.scratch("cli-")
    print(f"bxlive {BXLIVE}\nwork   {work}")
    for part in (check_shapes, check_formats, check_quiet, check_blocks, check_bypass,
                 check_in_is_out, check_unwritable, check_replace_only_when_finished,
                 check_bad_inputs, check_unicode_paths, check_usage, check_nyquist, check_limiter,
                 check_nonfinite, check_quiet_audio_libs, check_equals_forms):
        REP.part(part, work)
    REP.check(not LEFTOVERS, f"no *.tmp file left in the output folder after any of "
              f"{len(RUNS)} runs", "; ".join(LEFTOVERS) if LEFTOVERS else "none found")
    REP.finish(work)


if __name__ == "__main__":
    main()
