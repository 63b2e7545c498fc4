#!/usr/bin/python3
"""test_bad_audio — every program mode against a table of awkward and broken audio.

Each input in the INPUTS table is given to each of these command lines (CASE is
the input, TAKE a good 3 s dry take, WET that take through a full chain):

    render     bxlive FULL.json --render CASE out.wav
    ref        bxanalyze CASE -o out.json
    src_ref    bxanalyze CASE --source TAKE -o out.json
    src_take   bxanalyze WET --source CASE -o out.json
    pair_ref   bxanalyze CASE --paired TAKE -o out.json
    pair_dry   bxanalyze WET --paired CASE -o out.json
    batch      bxanalyze -o OUTDIR/ TAKE CASE

Promises, for every (input, mode) pair:
  - the exit status is the one the table pins: 0, or the documented code of
    the problem (2 usage, 4 input); never a crash, never 1 (internal);
  - an error prints exactly one line on stderr, which starts with "bxlive: "
    or "bxanalyze: " and names the file at fault, and creates no output;
  - a preset that is written parses as strict JSON (no NaN or Infinity), every
    number in it is finite, and bxlive accepts it (renders TAKE with it);
  - a render that is written has IN's rate, channel count and readable length,
    and every sample is finite and within the limiter's ceiling (-1 dBFS);
  - a batch writes TAKE's preset whatever CASE is; CASE's preset exactly when
    CASE can be analysed; exit 4 and a line naming CASE when it cannot;
  - no temporary file is left anywhere, and no input is modified (SHA-256 of
    every file before and after).
The inputs: a missing file, a folder, an empty file, a truncated header,
truncated data, random bytes named .wav, a header with zero frames, 10 ms,
digital silence, DC only, a full-scale square, float WAVs with NaN, +Inf,
-Inf, only NaN, and samples 80 dB above full scale, 8-bit unsigned, 16-, 24-
and 32-bit integer, float and double WAV, FLAC, AIFF, OGG (Vorbis and Opus) and MP3 (when
libsndfile has it), 8 kHz, 11.025 kHz
and 192 kHz, 1 to 8 channels, a path with spaces and non-ASCII letters, a float WAV at 1e19 (said to be
beyond full scale), one sample short of 1 s, 65 channels (refused by every
mode alike), and
FLAC files with a damaged frame at 10 % and at 95 % (decoding stops there:
fewer frames than the header promises is an error in every mode, never a
shorter render or analysis).

Then the outputs, with a good input: an output folder that is a file, a
folder that cannot be created in, an output path equal to the input (also
through a symbolic link): exit 5, one line naming the output, the input
untouched; an existing output is replaced by a complete new one (the
documented rule: outputs are replaced without asking, never partially).

Environment: BXLIVE, BXANALYZE, BXGEN (programs), BX_TEST_TMP (scratch).
Exit status: 0 all passed, 1 a check failed, 77 skipped (numpy or soundfile
missing).
"""

import concurrent.futures
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import bxtest

np = bxtest.need("numpy")
sf = bxtest.need("soundfile")
BXLIVE, BXANALYZE, BXGEN = bxtest.programs("BXLIVE", "BXANALYZE", "BXGEN")

OK, USAGE, INTERNAL, PRESET, INPUT, OUTPUT = 0, 2, 1, 3, 4, 5
CEILING = 10 ** (-1 / 20)           # FULL_PRESET's limiter
RATE = 48000
MODES = ("render", "ref", "src_ref", "src_take", "pair_ref", "pair_dry", "batch")
ANALYSIS_MODES = MODES[1:]

REP = bxtest.Report(bxtest.detail_on_failure)


def every(outcome, **per_mode):
    """The expected exit status per mode: `outcome` unless per_mode says otherwise."""
    e = {m: outcome for m in MODES}
    e.update(per_mode)
    return e


UNREADABLE = every(INPUT)
FINE = every(OK)
# an analysable file of unrelated audio: --paired refuses it (not the same performance)
UNRELATED = every(OK, pair_ref=INPUT, pair_dry=INPUT)
# renders, but there is nothing to analyse
NOTHING = every(INPUT, render=OK)
# another rate than TAKE/WET: --paired needs one rate for both files
OTHER_RATE = every(OK, pair_ref=INPUT, pair_dry=INPUT)


def make_inputs(d, x):
    """{name: (path, expected)}; x is the dry take (float32 mono at RATE)."""
    out = {}

    def add(name, expected, write=None):
        path = os.path.join(d, name)
        if write:
            write(path)
        out[name] = (path, expected)

    def wav(y, subtype="FLOAT", rate=RATE):
        return lambda p: sf.write(p, y, rate, subtype=subtype)

    def raw(data):
        def w(p):
            with open(p, "wb") as f:
                f.write(data)
        return w

    good = os.path.join(d, "take.wav")
    with open(good, "rb") as f:
        good_bytes = f.read()
    n = len(x)
    t = np.arange(n)
    add("missing.wav", UNREADABLE)
    # a folder is a batch of what it holds (here nothing); --paired takes one file
    add("folder.wav", every(INPUT, pair_ref=USAGE, batch=OK), os.makedirs)
    add("empty.wav", UNREADABLE, raw(b""))
    add("truncated-header.wav", UNREADABLE, raw(good_bytes[:30]))
    add("truncated-data.wav", FINE, raw(good_bytes[:len(good_bytes) // 2 + 2]))
    add("random-bytes.wav", UNREADABLE,
        raw(np.random.default_rng(5).integers(0, 256, 40000, dtype=np.uint8).tobytes()))
    add("zero-frames.wav", UNREADABLE, wav(np.zeros((0, 1), np.float32)))
    add("10ms.wav", every(INPUT, render=OK), wav(x[:RATE // 100]))
    add("silence.wav", NOTHING, wav(np.zeros(n, np.float32), "PCM_16"))
    add("dc.wav", UNRELATED, wav(np.full(n, 0.5, np.float32)))
    add("square-full-scale.wav", UNRELATED,
        wav(np.where((t // 240) % 2 == 0, 1.0, -1.0).astype(np.float32), "PCM_16"))
    for label, v in (("nan", np.nan), ("plus-inf", np.inf), ("minus-inf", -np.inf)):
        y = x.copy()
        y[997::4801] = v
        add(f"float-{label}.wav", FINE, wav(y))
    add("float-only-nan.wav", NOTHING, wav(np.full(n, np.nan, np.float32)))
    add("float-80dB-over.wav", FINE, wav(x * 1e4))
    # 1e19: frame levels beyond +300 dBFS, not audio (the message says so, not "no signal")
    add("float-1e19.wav", every(INPUT, render=OK), wav(x * np.float32(1e19)))
    add("one-sample-short-of-1s.wav", every(INPUT, render=OK), wav(x[:RATE - 1]))
    for subtype in ("PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"):
        add(f"wav-{subtype.lower()}.wav", FINE, wav(x, subtype))
    add("take.flac", FINE, lambda p: sf.write(p, x, RATE, format="FLAC", subtype="PCM_24"))

    def damaged_flac(at):
        def w(p):
            sf.write(p, x, RATE, format="FLAC", subtype="PCM_24")
            with open(p, "r+b") as f:
                data = bytearray(f.read())
                i = int(len(data) * at)
                data[i:i + 200] = bytes(b ^ 0x5A for b in data[i:i + 200])
                f.seek(0)
                f.write(data)
        return w
    # a damaged frame: the decoder stops there; less than the header promises is an error
    add("damaged-at-10pc.flac", UNREADABLE, damaged_flac(0.10))
    add("damaged-at-95pc.flac", UNREADABLE, damaged_flac(0.95))
    add("take.aiff", FINE, lambda p: sf.write(p, x, RATE, format="AIFF", subtype="PCM_16"))
    add("take.ogg", FINE, lambda p: sf.write(p, x, RATE, format="OGG", subtype="VORBIS"))
    add("take.opus", FINE, lambda p: sf.write(p, x, RATE, format="OGG", subtype="OPUS"))
    # libsndfile 1.1.0 on, built with LAME and mpg123: Python's, to write it, and bx's
    if "MP3" in sf.available_formats() and bxtest.bx_mp3(BXLIVE, d):
        add("take.mp3", FINE,
            lambda p: sf.write(p, x, RATE, format="MP3", subtype="MPEG_LAYER_III"))
    for rate in (8000, 11025, 192000):
        add(f"rate-{rate}.wav", OTHER_RATE,
            lambda p, rate=rate: subprocess.run(
                [BXGEN, "take", p, "--seconds", "3", "--rate", str(rate), "--seed", "1"],
                check=True))
    # more channels than --render takes: refused alike by every mode
    add("channels-65.wav", UNREADABLE,
        wav(np.tile(x[:RATE, None], (1, 65)).astype(np.float32)))
    for ch in range(1, 9):
        gains = 0.4 + 0.6 * np.arange(ch) / ch
        add(f"channels-{ch}.wav", FINE, wav((x[:, None] * gains[None, :]).astype(np.float32)))
    os.makedirs(os.path.join(d, "dir with spaces ü ✓"))
    add(os.path.join("dir with spaces ü ✓", "take 音 é.wav"), FINE, wav(x))
    return out


def digest(path):
    if os.path.isdir(path):
        return "folder"
    if not os.path.exists(path):
        return "missing"
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def strict_json(path):
    """The file parsed as strict JSON, or an error string."""
    def refuse(c):
        raise ValueError(f"non-standard literal {c}")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f, parse_constant=refuse)
    except (OSError, ValueError) as e:
        return f"{type(e).__name__}: {e}"


def nonfinite(obj, where="$"):
    """The path of the first non-finite number in a JSON value, or None."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return where
    if isinstance(obj, dict):
        for k, v in obj.items():
            bad = nonfinite(v, f"{where}.{k}")
            if bad:
                return bad
    if isinstance(obj, list):
        for i, v in enumerate(obj):
            bad = nonfinite(v, f"{where}[{i}]")
            if bad:
                return bad
    return None


def run(args, timeout=600):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr.splitlines()


def temp_files(folder):
    found = []
    for root, _, files in os.walk(folder):
        found += [os.path.join(root, f) for f in files if ".tmp" in f or f.startswith(".bx")]
    return found


class Env:
    def __init__(self, work):
        self.work = work
        self.inputs_dir = os.path.join(work, "in")
        os.makedirs(self.inputs_dir)
        self.take = os.path.join(self.inputs_dir, "take.wav")
        subprocess.run([BXGEN, "take", self.take, "--seconds", "3", "--rate", str(RATE),
                        "--seed", "1"], check=True)
        self.x = sf.read(self.take, dtype="float32")[0]
        self.preset = os.path.join(work, "full.json")
        with open(self.preset, "w") as f:
            json.dump(bxtest.FULL_PRESET, f)
        self.wet = os.path.join(work, "wet.wav")
        subprocess.run([BXLIVE, self.preset, "--render", self.take, self.wet, "-q"], check=True)


def check_preset(env, path):
    """'' when the preset at path is strict JSON, finite and accepted by bxlive."""
    p = strict_json(path)
    if isinstance(p, str):
        return p
    bad = nonfinite(p)
    if bad:
        return f"non-finite number at {bad}"
    out = path + ".render.wav"
    rc, _, err = run([BXLIVE, path, "--render", env.take, out, "-q"])
    if rc != 0:
        return f"bxlive refuses it: exit {rc}: {err[-1:]}"
    os.remove(out)
    return ""


def check_render(case, out):
    """'' when out is a finite, limited render with the input's shape."""
    try:
        y, rate = sf.read(out, dtype="float64", always_2d=True)
    except RuntimeError as e:
        return f"unreadable: {e}"
    try:
        x, in_rate = sf.read(case, dtype="float32", always_2d=True)
        shape = x.shape
    except RuntimeError:
        info = sf.info(case)
        shape, in_rate = (info.frames, info.channels), info.samplerate
    if rate != in_rate or y.shape != shape:
        return f"{y.shape} at {rate} Hz, input {shape} at {in_rate} Hz"
    if not np.all(np.isfinite(y)):
        return "non-finite samples"
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak > CEILING * (1 + 1e-6):
        return f"peak {20 * math.log10(peak):.4f} dBFS above the -1 dB ceiling"
    return ""


def command(env, mode, case, out):
    if mode == "render":
        return [BXLIVE, env.preset, "--render", case, out, "-q"]
    if mode == "ref":
        return [BXANALYZE, case, "-o", out, "-q"]
    if mode == "src_ref":
        return [BXANALYZE, case, "--source", env.take, "-o", out, "-q"]
    if mode == "src_take":
        return [BXANALYZE, env.wet, "--source", case, "-o", out, "-q"]
    if mode == "pair_ref":
        return [BXANALYZE, case, "--paired", env.take, "-o", out, "-q"]
    if mode == "pair_dry":
        return [BXANALYZE, env.wet, "--paired", case, "-o", out, "-q"]
    return [BXANALYZE, "-o", out + "/", env.take, case, "-q"]


def one_case(env, name, case, mode, expected, n):
    """Run one (input, mode) pair; returns (ok, promise, detail)."""
    d = os.path.join(env.work, "out", f"{n:03d}-{mode}")
    os.makedirs(d)
    out = os.path.join(d, "out.wav" if mode == "render" else "out" if mode == "batch"
                       else "out.json")
    rc, so, err = run(command(env, mode, case, out))
    promise = f"{mode:8s} {name}: " + ("exit 0, a valid result" if expected == OK
                                       else f"exit {expected}, one line naming it")
    problems = []
    if rc != expected:
        problems.append(f"exit {rc}, expected {expected}")
    if rc < 0 or rc == INTERNAL:
        problems.append("crashed or internal error")
    if mode == "batch":
        take_json = os.path.join(out, "take.json")
        stem = os.path.splitext(os.path.basename(case))[0]
        case_json = os.path.join(out, stem + ".json")
        if stem == "take":
            case_json = os.path.join(out, "take-2.json")
        if not os.path.exists(take_json):
            problems.append("no preset for the good file")
        else:
            why = check_preset(env, take_json)
            if why:
                problems.append(f"good file's preset: {why}")
        if expected == OK and os.path.isdir(case):
            if sorted(os.listdir(out)) != ["take.json"]:
                problems.append(f"outputs {sorted(os.listdir(out))} for an empty folder")
        elif expected == OK:
            why = check_preset(env, case_json) if os.path.exists(case_json) else "missing"
            if why:
                problems.append(f"{os.path.basename(case_json)}: {why}")
        else:
            if os.path.exists(case_json):
                problems.append(f"{os.path.basename(case_json)} written for a failed file")
            named = [l for l in err if case in l]
            if len(named) != 1 or not named[0].startswith("bxanalyze: "):
                problems.append(f"lines naming the input: {named or err}")
    elif expected == OK:
        if err:
            problems.append(f"stderr not empty with -q: {err[:2]}")
        if not os.path.exists(out):
            problems.append("no output")
        else:
            why = check_render(case, out) if mode == "render" else check_preset(env, out)
            if why:
                problems.append(why)
    else:
        prog = "bxlive: " if mode == "render" else "bxanalyze: "
        # a problem between two files (--paired) may start with the other one
        if len(err) != 1 or not err[0].startswith(prog) or case not in err[0]:
            problems.append(f"stderr {err[:3]}")
        if so:
            problems.append(f"stdout {so[:100]!r}")
        if os.path.exists(out):
            problems.append("an output was created")
    left = temp_files(d)
    if left:
        problems.append(f"temporary files left: {left}")
    return not problems, promise, "; ".join(problems) + (f" [{err[-1][:200]}]" if err else "")


def check_matrix(env):
    inputs = make_inputs(env.inputs_dir, env.x)
    before = {p: digest(p) for p, _ in inputs.values()}
    before.update({p: digest(p) for p in (env.take, env.wet, env.preset)})
    jobs = []
    for name, (path, expected) in inputs.items():
        for mode in MODES:
            jobs.append((name, path, mode, expected[mode], len(jobs)))
    workers = max(2, min(4, os.cpu_count() or 2))
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        results = list(ex.map(lambda j: one_case(env, *j), jobs))
    for ok, promise, detail in results:
        REP.check(ok, promise, detail)
    changed = [p for p, h in before.items() if digest(p) != h]
    REP.check(not changed, f"no input was modified ({len(before)} files, SHA-256)", str(changed))
    REP.check(not temp_files(env.inputs_dir), "no temporary file next to the inputs",
              str(temp_files(env.inputs_dir)))
    REP.note(f"{len(inputs)} inputs x {len(MODES)} modes = {len(jobs)} runs")


def check_outputs(env):
    d = os.path.join(env.work, "outputs")
    os.makedirs(d)
    src = os.path.join(d, "in.wav")
    shutil.copy(env.take, src)
    src_hash = digest(src)
    blocker = os.path.join(d, "a-file")
    with open(blocker, "w") as f:
        f.write("x")
    link = os.path.join(d, "link.wav")
    os.symlink(src, link)
    targets = [("an output folder that is a file", os.path.join(blocker, "out"), blocker)]
    if os.path.isdir("/proc/self"):
        # procfs takes no new files, not even from root
        targets.append(("an output folder nothing can be created in",
                        "/proc/self/bx-out", "/proc/self/bx-out"))
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        ro = os.path.join(d, "read-only")
        os.mkdir(ro)
        os.chmod(ro, 0o555)
        targets.append(("a read-only output folder", os.path.join(ro, "out"), ro))
    for label, base, named in targets:
        for prog, args, ext in (("bxlive", [BXLIVE, env.preset, "--render", src], ".wav"),
                                ("bxanalyze", [BXANALYZE, src, "-o"], ".json")):
            out = base + ext
            rc, so, err = run(args + [out, "-q"])
            REP.check(rc == OUTPUT and len(err) == 1 and err[0].startswith(prog + ": ")
                      and named in err[0] and not os.path.exists(out),
                      f"{prog}: {label}: exit 5, one line naming it, nothing written",
                      f"exit {rc}: {err[:3]}")
    for label, out in (("the input itself", src), ("a symbolic link to the input", link)):
        for prog, args in (("bxlive", [BXLIVE, env.preset, "--render", src, out, "-q"]),
                           ("bxanalyze", [BXANALYZE, src, "-o", out, "-q"])):
            rc, so, err = run(args)
            REP.check(rc == OUTPUT and len(err) == 1 and digest(src) == src_hash,
                      f"{prog}: output = {label}: exit 5, one line, the input untouched",
                      f"exit {rc}: {err[:3]}")
    for prog, args, out in (
            ("bxlive", [BXLIVE, env.preset, "--render", src], os.path.join(d, "old.wav")),
            ("bxanalyze", [BXANALYZE, src, "-o"], os.path.join(d, "old.json"))):
        with open(out, "w") as f:
            f.write("an older file\n")
        rc, so, err = run(args + [out, "-q"])
        valid = (check_render(src, out) if prog == "bxlive" else check_preset(env, out)) == ""
        REP.check(rc == OK and valid and not temp_files(d),
                  f"{prog}: an existing output is replaced by a complete new one",
                  f"exit {rc}: {err[:3]}")
    REP.check(digest(src) == src_hash, "the input of the output checks is unchanged")


def main():
    work = bxtest.scratch("bad-audio-")
    env = Env(work)
    REP.part(check_matrix, env)
    REP.part(check_outputs, env)
    REP.finish(work)


if __name__ == "__main__":
    main()
