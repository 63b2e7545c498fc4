#!/usr/bin/python3
"""test_analyze_cli — bxanalyze keeps its command-line contract.

This tests the program's behaviour as a user and a script see it, not the
quality of the analysis:

  - each form (REF alone, --source, --paired, a folder of files) exits 0 and
    writes a valid preset where -o says; PRESET.json --source MYTAKE writes
    the bytes REF --source MYTAKE writes (a preset without a profile exits 3,
    one with --paired or alone 2, each with a line saying why);
  - --json prints valid JSON on stdout; --plot writes an SVG that parses and
    refers to nothing outside itself;
  - bad command lines exit 2, a missing or unreadable REF exits 4, an output
    that cannot be written exits 5, and none of them leaves an output file (a
    failed run leaves an existing preset untouched);
  - a batch over a folder tree skips non-audio files with a note, names a
    corrupt .wav as failed, analyses everything else and exits non-zero; files
    with the same stem get distinct outputs; -j1 and -j2 give the same presets
    (and for one file, -j1 and -j3: the threads of its fits);
    progress on a non-terminal is plain lines (no carriage returns);
  - SIGINT during a batch starts no new file, leaves no partial output and
    exits 130 after the summary;
  - special outputs (POSIX): -o and --plot onto /dev/null write through and
    leave it a character device; /dev/stdout redirected to a file gets the
    preset; a symbolic link keeps pointing at its file, which is replaced
    (a dangling link creates its file); a FIFO with a reader gets the preset,
    one with none fails at once (exit 5) instead of waiting; an empty -o, a
    missing folder and a link loop exit 5 naming the problem, before any
    analysis; a 250-byte file name works (the temporary name is shortened);
    bxlive --render does the same for /dev/null, /dev/stdout and links;
  - "--opt=value" works for every option that takes a value (the same
    preset as "--opt value"); "=" on one that takes none is a usage error;
  - special inputs (POSIX): a batch folder holding two links to itself and
    a link to its parent is scanned once (each folder once, with a note), a
    FIFO named *.wav in it is skipped with a note; a FIFO given as REF is read
    when something writes to it and fails at once (exit 4) when nothing
    does; the same for bxlive's preset (exit 3) and --render's input.

Audio comes from bxgen. Environment: BXANALYZE, BXGEN (programs), BX_TEST_TMP
(scratch folder). Exit status: 0 all passed, 1 a check failed, 77 skipped (a
needed Python module is missing).
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import bxtest
from bxtest import tell

ET = bxtest.need("xml.etree.ElementTree")
BXANALYZE, BXGEN, BXLIVE = bxtest.programs("BXANALYZE", "BXGEN", "BXLIVE")
SRC_DIR = bxtest.source_dir()

EXIT_USAGE, EXIT_INPUT, EXIT_OUTPUT, EXIT_INTERRUPTED = 2, 4, 5, 130
TIMEOUT = 300
REP = bxtest.Report(bxtest.detail_on_failure)
check = REP.check


def run(*args, **kw):
    return subprocess.run([BXANALYZE, *args], capture_output=True, text=True, errors="replace",
                          timeout=TIMEOUT, **kw)


def gen(kind, path, *args):
    subprocess.run([BXGEN, kind, path, *args], check=True, timeout=TIMEOUT)


def load_preset(path):
    """The preset at path if it is a bx preset (a format version bx writes: 1 to 4), else None."""
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        return d if d.get("bxpreset") in (1, 2, 3, 4) and isinstance(d.get("chain"), dict) else None
    except (OSError, ValueError):
        return None


def leftovers(folder):
    """Temporary files of interrupted or failed writes in folder."""
    return [n for n in os.listdir(folder) if n.endswith(".tmp")]


REPORT_LINE_CHARS = 140  # at 12 px a line of the report's warnings fills its 1000 px page


def report_warnings(path):
    """The report's warning lines after the "Warnings" heading, joined by spaces, and those
    longer than REPORT_LINE_CHARS."""
    root = ET.parse(path).getroot()
    lines, on = [], False
    for el in root.iter("{http://www.w3.org/2000/svg}text"):
        if el.get("class") == "h2":
            on = (el.text or "") == "Warnings"
        elif on and el.get("class") == "label":
            lines.append(el.text or "")
    return " ".join(lines), [ln for ln in lines if len(ln) > REPORT_LINE_CHARS]


def svg_ok(path):
    """(True, "") if path is a well-formed, self-contained SVG, else (False, why)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        return False, str(e)
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        return False, f"root element is {root.tag}"
    if not root.findall(".//{http://www.w3.org/2000/svg}path"):
        return False, "no curves (path elements)"
    for el in root.iter():
        if el.tag.endswith("}image") or el.tag.endswith("}script"):
            return False, f"has a <{el.tag}> element"
        for k, v in el.attrib.items():
            if k.endswith("href") and not v.startswith("#"):
                return False, f"refers to {v}"
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if "url(http" in text or "@import" in text:
        return False, "refers to something outside the file"
    return True, ""


def main():
    tmp = bxtest.scratch("analyze_cli-")
    try:
        tests(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    REP.finish()


def tests(tmp):
    j = lambda *p: os.path.join(tmp, *p)  # noqa: E731
    ref, mine, dry = j("ref.wav"), j("mine.wav"), j("dry.wav")
    gen("take", dry, "--seconds", "3", "--rate", "48000", "--seed", "1")
    gen("take", mine, "--seconds", "3", "--rate", "44100", "--seed", "2")
    # REF is DRY through a shipped preset, so --paired has a real pair to identify
    subprocess.run([BXLIVE, os.path.join(SRC_DIR, "presets", "crisp.json"), "--render", dry, ref,
                    "--quiet"], check=True)
    print(f"audio: bxgen take --seconds 3, seeds 1 (DRY; REF = DRY through presets/crisp.json), "
          f"2 (MYTAKE, 44.1 kHz)")

    # ---- the three single-file forms -------------------------------------------------
    for label, extra in (("REF -o PRESET.json", []),
                         ("REF --source MYTAKE -o PRESET.json", ["--source", mine]),
                         ("REF --paired DRY -o PRESET.json", ["--paired", dry])):
        out = j("single-" + str(len(extra)) + ("p" if "--paired" in extra else "") + ".json")
        r = run(ref, *extra, "-o", out)
        p = load_preset(out)
        check(r.returncode == 0 and p, f"`bxanalyze {label}` exits 0 and writes a bx preset",
              tell(r))
        check(all(w in r.stdout for w in ("mode", "eq", "LUFS")),
              f"`bxanalyze {label}` prints a summary naming the mode, bands and reference level",
              r.stdout[:300])
        if p:
            check(p.get("name") == "ref", f"`bxanalyze {label}` names the preset after REF's stem",
                  f"name = {p.get('name')!r}")

    # ---- a preset as the reference: PRESET.json --source MYTAKE --------------------------
    made = j("made.json")
    r = run(ref, "-o", made, "--name", "Made", "-q")
    from_ref, from_preset = j("from-ref.json"), j("from-preset.json")
    r1 = run(ref, "--source", mine, "-o", from_ref, "--name", "Made", "-q")
    r2 = run(made, "--source", mine, "-o", from_preset)
    same = (r1.returncode == 0 and r2.returncode == 0 and os.path.exists(from_ref)
            and os.path.exists(from_preset)
            and open(from_ref, "rb").read() == open(from_preset, "rb").read())
    check(same, "`bxanalyze PRESET.json --source MYTAKE` writes, byte for byte, the preset "
          "`bxanalyze REF --source MYTAKE` writes (named after PRESET)", tell(r1) + tell(r2))
    check("profile of the reference" in r2.stdout,
          "its summary says the reference is PRESET's profile", r2.stdout[:200])
    old = j("old.json")
    p = load_preset(made) or {"analysis": {"reference": {}}}
    p["analysis"]["reference"].pop("profile", None)
    json.dump(p, open(old, "w"))
    for label, args, code, words in (
            ("a preset without a profile", [old, "--source", mine, "-o", j("no.json")], 3,
             "no reference profile"),
            ("a preset with --paired", [made, "--paired", dry, "-o", j("no.json")], EXIT_USAGE,
             "--paired needs the reference recording"),
            ("a preset alone", [made, "-o", j("no.json")], EXIT_USAGE, "--source TAKE")):
        r = run(*args)
        lines = r.stderr.strip().splitlines()
        check(r.returncode == code and lines and words in lines[0]
              and not os.path.exists(j("no.json")),
              f"{label}: exit {code}, a line saying so ({words!r}), nothing written", tell(r))

    # one file: -j N only sets the threads its fits use, never the result
    for label, extra in (("--source", ["--source", mine]), ("--paired", ["--paired", dry])):
        chains = []
        for jobs in ("1", "3"):
            out = j(f"threads-{label[2:]}-{jobs}.json")
            r = run(ref, *extra, "-o", out, "-j", jobs, "-q")
            p = load_preset(out)
            chains.append(p["chain"] if p else None)
        check(chains[0] is not None and chains[0] == chains[1],
              f"`bxanalyze REF {label} ... -j1` and `-j3` write the same chain, bit for bit",
              str(chains)[:300])

    out = j("opts.json")
    r = run(ref, "-o", out, "--bands", "2", "--amount", "50", "--smoothing", "0.5",
            "--no-compressor", "--name", "My sound", "-q")
    p = load_preset(out)
    check(r.returncode == 0 and p and len(p["chain"]["eq"]) <= 2
          and not p["chain"].get("compressor") and p["name"] == "My sound" and r.stdout == "",
          "--bands 2 --no-compressor --name: at most 2 bands, no compressor, the name given; -q "
          "prints nothing", tell(r) + (f"; preset chain {p['chain']}" if p else ""))

    # ---- --json --------------------------------------------------------------------------
    r = run(ref, "--json")
    try:
        d = json.loads(r.stdout)
    except ValueError:
        d = None
    check(r.returncode == 0 and d is not None and d.get("bxpreset") == 1,
          "`bxanalyze REF --json` prints one valid preset JSON on stdout and nothing else",
          tell(r))
    out = j("json.json")
    r = run(ref, "--json", "-o", out)
    try:
        same = json.loads(r.stdout) == load_preset(out)
    except ValueError:
        same = False
    check(r.returncode == 0 and same, "--json with -o prints the same preset it writes", tell(r))

    # ---- --plot ---------------------------------------------------------------------------
    for label, extra in (("REF", []), ("--source", ["--source", mine]), ("--paired", ["--paired", dry])):
        svg = j(f"plot{len(extra)}{label[2:3]}.svg")
        r = run(ref, *extra, "-o", j("plot.json"), "--plot", svg, "-q")
        ok, why = svg_ok(svg) if r.returncode == 0 else (False, tell(r))
        check(ok, f"--plot ({label}) writes a well-formed, self-contained SVG", why)
        if ok:
            warned = [w["text"] for w in load_preset(j("plot.json"))["analysis"]["confidence"]
                      .get("warnings", [])]
            got, long_lines = report_warnings(svg)
            check(all(" ".join(w.split()) in got for w in warned) and not long_lines,
                  f"--plot ({label}) shows every warning whole, in lines of at most "
                  f"{REPORT_LINE_CHARS} characters (the page's width)",
                  f"warnings {warned}; report {got!r}; too long: {long_lines}")

    # ---- usage errors -----------------------------------------------------------------------
    out = j("usage.json")
    usage = [
        ("no arguments", []),
        ("an unknown option", [ref, "-o", out, "--frobnicate"]),
        ("-o without a value", [ref, "-o"]),
        ("--bands 0", [ref, "-o", out, "--bands", "0"]),
        ("--bands 33", [ref, "-o", out, "--bands", "33"]),
        ("--bands 2.5", [ref, "-o", out, "--bands", "2.5"]),
        ("--amount 250", [ref, "-o", out, "--amount", "250"]),
        ("--amount -1", [ref, "-o", out, "--amount", "-1"]),
        ("--smoothing 3", [ref, "-o", out, "--smoothing", "3"]),
        ("--smoothing abc", [ref, "-o", out, "--smoothing", "abc"]),
        ("-j 0", [ref, "-o", out, "-j", "0"]),
        ("--source with --paired", [ref, "--source", mine, "--paired", dry, "-o", out]),
        ("neither -o nor --json", [ref]),
        ("several inputs without -o", [ref, dry]),
        ("--paired in a batch", [ref, mine, "--paired", dry, "-o", j("usage-dir") + "/"]),
        ("--name in a batch", [ref, mine, "--name", "x", "-o", j("usage-dir") + "/"]),
        ("a batch whose -o is an existing file", [ref, mine, "-o", ref]),
        ("-o and --plot naming the same file", [ref, "-o", out, "--plot", out]),
        # what bxlive would refuse to load is refused here, before the analysis
        ("--name of 300 bytes", [ref, "-o", out, "--name", "n" * 300]),
    ]
    if not bxtest.emulated(BXANALYZE):  # a Windows command line is UTF-16: no such bytes there
        usage.append(("--name that is not UTF-8",
                      [ref, "-o", out, "--name", b"a\xff\xfeb".decode("utf-8", "surrogateescape")]))
    for label, args in usage:
        r = run(*args)
        one_line = r.stderr.startswith("bxanalyze: ") and "usage:" in r.stderr
        check(r.returncode == EXIT_USAGE and one_line and not os.path.exists(out)
              and not os.path.exists(j("usage-dir")),
              f"usage error ({label}) exits 2 with a message and the usage, writes nothing",
              tell(r))
    r = run("--help")
    check(r.returncode == 0 and "Exit codes" in r.stdout and "130" in r.stdout,
          "--help exits 0 and documents the exit codes", tell(r))
    r = run("--version")
    check(r.returncode == 0 and r.stdout.startswith("bxanalyze "),
          "--version exits 0 and prints the version", tell(r))

    # ---- input and output errors ------------------------------------------------------------
    out = j("missing.json")
    r = run(j("no-such-file.wav"), "-o", out)
    lines = r.stderr.strip().splitlines()
    check(r.returncode == EXIT_INPUT and len(lines) == 1 and lines[0].startswith("bxanalyze: ")
          and "no-such-file.wav" in lines[0] and not os.path.exists(out),
          "a missing REF exits 4 with one error line naming it, and writes nothing", tell(r))
    r = run(ref, "--source", j("no-such-take.wav"), "-o", out)
    check(r.returncode == EXIT_INPUT and "no-such-take.wav" in r.stderr
          and not os.path.exists(out), "a missing --source exits 4 naming it", tell(r))
    corrupt = j("corrupt.wav")
    with open(corrupt, "wb") as f:
        f.write(b"RIFF\x10\x00\x00\x00WAVEjunk" + bytes(range(256)) * 4)
    keep = j("keep.json")
    with open(keep, "w") as f:
        f.write("old\n")
    r = run(corrupt, "-o", keep)
    with open(keep) as f:
        kept = f.read() == "old\n"
    check(r.returncode == EXIT_INPUT and "corrupt.wav" in r.stderr and kept
          and not leftovers(tmp),
          "an unreadable REF exits 4, naming it, and leaves the existing -o file untouched",
          tell(r))

    blocker = j("a-file")
    with open(blocker, "w") as f:
        f.write("x")
    bad_out = os.path.join(blocker, "preset.json")
    r = run(ref, "-o", bad_out)
    check(r.returncode == EXIT_OUTPUT and bad_out in r.stderr,
          "an -o that cannot be created (its folder is a file) exits 5 naming it", tell(r))
    if os.geteuid() != 0:
        ro = j("read-only")
        os.mkdir(ro)
        os.chmod(ro, 0o555)
        r = run(ref, "-o", os.path.join(ro, "preset.json"))
        check(r.returncode == EXIT_OUTPUT and os.listdir(ro) == [],
              "an -o in a read-only folder exits 5 and leaves no file there", tell(r))
        os.chmod(ro, 0o755)
    else:
        REP.note("running as root: the read-only-folder case cannot be staged, skipped")
    before = os.path.getsize(ref)
    r = run(ref, "-o", ref)
    check(r.returncode == EXIT_OUTPUT and os.path.getsize(ref) == before,
          "-o naming REF itself exits 5 and leaves REF intact", tell(r))

    out = j("again.json")
    run(ref, "-o", out, "--name", "first", "-q")
    r = run(ref, "-o", out, "--name", "second", "-q")
    p = load_preset(out)
    check(r.returncode == 0 and p and p["name"] == "second" and not leftovers(tmp),
          "an existing preset is replaced by a new complete one (no --force needed)", tell(r))

    # ---- batch ---------------------------------------------------------------------------------
    tree = j("tree")
    os.makedirs(os.path.join(tree, "a"))
    os.makedirs(os.path.join(tree, "b", "deep"))
    shutil.copy(ref, os.path.join(tree, "a", "kick.wav"))
    shutil.copy(dry, os.path.join(tree, "b", "kick.wav"))   # same stem as a/kick.wav
    shutil.copy(dry, os.path.join(tree, "b", "deep", "snare.WAV"))
    gen("noise", os.path.join(tree, "b", "hum.flac"), "--seconds", "2", "--rate", "48000",
        "--level", "-12")
    shutil.copy(corrupt, os.path.join(tree, "b", "broken.wav"))
    for name in ("notes.txt", "cover.png", os.path.join("a", "README")):
        with open(os.path.join(tree, name), "w") as f:
            f.write("not audio\n")
    shutil.copy(ref, os.path.join(tree, ".hidden.wav"))
    expect = {"kick.json", "kick-2.json", "snare.json", "hum.json"}

    outs = {}
    for jobs in ("1", "2"):
        od = j(f"batch-j{jobs}")
        r = run("-o", od + "/", tree, "-j", jobs)
        outs[jobs] = od
        got = set(os.listdir(od)) if os.path.isdir(od) else set()
        check(got == expect and all(load_preset(os.path.join(od, n)) for n in got),
              f"batch -j{jobs} over a folder tree writes one preset per readable audio file "
              f"({', '.join(sorted(expect))})", f"{tell(r)}; got {sorted(got)}")
        check(r.returncode == EXIT_INPUT and "broken.wav" in r.stderr,
              f"batch -j{jobs}: a corrupt .wav fails, is named, the batch goes on, exit 4",
              tell(r))
        check(all(f"{n}: skipped" in r.stderr for n in ("notes.txt", "cover.png", "README")),
              f"batch -j{jobs}: non-audio files are skipped with a note naming each",
              r.stderr[:500])
        check(".hidden" not in r.stderr + r.stdout and "4 ok, 1 failed, 3 skipped" in r.stdout,
              f"batch -j{jobs}: the hidden file is ignored and the summary counts 4 ok, "
              "1 failed, 3 skipped", r.stdout)
        progress = [l for l in r.stderr.splitlines() if l.startswith("[")]
        check("\r" not in r.stderr and len(progress) == 4
              and all(l.startswith(("[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]")) for l in progress),
              f"batch -j{jobs}: progress off a terminal is one plain line per analysed file",
              r.stderr[:600])
    a = {n: load_preset(os.path.join(outs["1"], n)) for n in expect}
    b = {n: load_preset(os.path.join(outs["2"], n)) for n in expect}
    check(all(a[n] and b[n] and a[n]["chain"] == b[n]["chain"] and a[n]["name"] == b[n]["name"]
              for n in expect),
          "-j1 and -j2 produce the same presets (same files, same chains and names)")
    names = {n: (load_preset(os.path.join(outs["1"], n)) or {}).get("name") for n in expect}
    check(names.get("kick.json") == "kick" and names.get("kick-2.json") == "kick",
          "same-stem files: the first in order (a/kick.wav) keeps kick.json, the second gets "
          "kick-2.json; both presets are named \"kick\"", str(names))

    od = j("batch-json")
    r = run("-o", od, "--json", "--source", mine, "--plot", j("batch-plots"),
            os.path.join(tree, "a"), os.path.join(tree, "b", "deep", "snare.WAV"))
    try:
        d = json.loads(r.stdout)
        statuses = sorted(f["status"] for f in d["files"])
    except (ValueError, KeyError, TypeError):
        d, statuses = None, None
    check(r.returncode == 0 and statuses == ["ok", "ok"] and d["ok"] == 2,
          "batch --source --json: exit 0, valid JSON on stdout listing every file as ok", tell(r))
    svgs = sorted(os.listdir(j("batch-plots"))) if os.path.isdir(j("batch-plots")) else []
    check(svgs == ["kick.svg", "snare.svg"]
          and all(svg_ok(os.path.join(j("batch-plots"), s))[0] for s in svgs),
          "batch --plot FOLDER writes FOLDER/<stem>.svg per file, each well-formed", str(svgs))

    r = run("-o", j("batch-none") + "/", os.path.join(tree, "notes.txt"), os.path.join(tree, "cover.png"))
    check(r.returncode == EXIT_INPUT, "a batch with no audio file at all exits 4", tell(r))

    # ---- non-ASCII paths (on Windows: the wide-character APIs) -------------------------------
    ud = j("ünï cödé ✓ 音")
    os.makedirs(os.path.join(ud, "in"))
    uref, umine = os.path.join(ud, "in", "réf ✓.wav"), os.path.join(ud, "mïne 音.wav")
    shutil.copy(ref, uref)
    shutil.copy(mine, umine)
    uout = os.path.join(ud, "préset ✓.json")
    r = run(uref, "--source", umine, "-o", uout, "--plot", os.path.join(ud, "répört.svg"))
    r_ascii = run(ref, "--source", mine, "-o", j("ascii-twin.json"))
    pu, pa = load_preset(uout), load_preset(j("ascii-twin.json"))
    check(r.returncode == 0 and pu and pa and pu["chain"] == pa["chain"] and
          os.path.exists(os.path.join(ud, "répört.svg")) and pu.get("name") == "réf ✓",
          "REF, --source, -o and --plot named in UTF-8 with spaces: the same chain as with ASCII "
          "names, the SVG written, the preset named after REF's stem as written",
          f"{tell(r)}; name {pu.get('name') if pu else None!r}")
    r = run("-o", os.path.join(ud, "out") + "/", os.path.join(ud, "in"))
    uo = os.path.join(ud, "out")
    got = sorted(os.listdir(uo)) if os.path.isdir(uo) else []
    check(r.returncode == 0 and got == ["réf ✓.json"],
          "a batch over a non-ASCII folder names each preset after its file's stem as written",
          f"{tell(r)}; got {got}")
    gone = os.path.join(ud, "fehlt — ñ.wav")
    r = run(gone, "-o", uout)
    check(r.returncode == EXIT_INPUT and gone in r.stderr and len(r.stderr.splitlines()) == 1,
          "a missing non-ASCII REF: exit 4 and one line naming it as given (UTF-8)", tell(r))

    # ---- SIGINT ----------------------------------------------------------------------------------
    many = j("many")
    os.mkdir(many)
    for i in range(8):
        gen("take", os.path.join(many, f"t{i}.wav"), "--seconds", "30", "--rate", "48000",
            "--seed", str(10 + i))
    od = j("batch-int")
    proc = subprocess.Popen([BXANALYZE, "-o", od + "/", "-j", "1", "--source", mine, many],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while time.monotonic() - t0 < TIMEOUT and proc.poll() is None:
        if os.path.isdir(od) and any(n.endswith(".json") for n in os.listdir(od)):
            break
        time.sleep(0.02)
    finished_early = proc.poll() is not None
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    written = [n for n in os.listdir(od)] if os.path.isdir(od) else []
    if finished_early:
        REP.note("SIGINT: the batch finished before the signal could be sent; inconclusive")
    else:
        check(proc.returncode == EXIT_INTERRUPTED
              and "not started" in out and 0 < len(written) < 8 and not leftovers(od)
              and all(load_preset(os.path.join(od, n)) for n in written),
              "SIGINT during a batch: exit 130, summary printed, files not started are not "
              "written, no partial or temporary file",
              f"exit {proc.returncode}; written {written}; stdout {out[:300]!r}; stderr {err[:300]!r}")

    special_outputs(tmp, ref)
    special_inputs(tmp, ref)

    # "--opt=value" is the same as "--opt value"; an option without a value refuses "="
    a, b = j("eq-spaced.json"), j("eq-joined.json")
    r1 = run(ref, "--source", mine, "-o", a, "--bands", "3", "--name", "same", "-q")
    r2 = run(ref, f"--source={mine}", f"--output={b}", "--bands=3", "--name=same", "-q")
    pa, pb = load_preset(a), load_preset(b)
    check(r1.returncode == 0 and r2.returncode == 0 and pa and pb and pa["chain"] == pb["chain"]
          and pb["name"] == "same",
          "--output=P --source=T --bands=3 --name=N gives the preset of the spaced form",
          f"{tell(r1)} {tell(r2)}")
    r = run(ref, "-o", j("eq-bad.json"), "--quiet=yes")
    check(r.returncode == EXIT_USAGE and "--quiet=yes" in r.stderr
          and not os.path.exists(j("eq-bad.json")),
          "--quiet=yes (an option that takes no value) exits 2 naming it", tell(r))


def special_inputs(tmp, ref):
    if os.name != "posix" or bxtest.emulated(BXANALYZE):
        REP.note("special inputs: POSIX programs only (devices, links, FIFOs), skipped")
        return
    j = lambda *p: os.path.join(tmp, "special-in", *p)  # noqa: E731
    os.makedirs(j("scan", "sub"))
    shutil.copy(ref, j("scan", "a.wav"))
    shutil.copy(ref, j("scan", "sub", "b.wav"))
    os.symlink(".", j("scan", "self-1"))
    os.symlink(".", j("scan", "self-2"))
    os.symlink("..", j("scan", "sub", "up"))
    os.mkfifo(j("scan", "pipe.wav"))
    r = run("-o", j("out") + "/", j("scan"))
    got = sorted(os.listdir(j("out"))) if os.path.isdir(j("out")) else []
    notes = [ln for ln in r.stderr.splitlines() if "already scanned" in ln]
    check(r.returncode == 0 and got == ["a.json", "b.json"] and len(notes) == 3
          and "pipe.wav: skipped (not a regular file" in r.stderr,
          "a batch folder with links back to itself is scanned once; a FIFO *.wav in it is skipped",
          f"exit {r.returncode}; outputs {got}; stderr {r.stderr[-600:]!r}")

    fifo = j("live.wav")
    os.mkfifo(fifo)
    t0 = time.monotonic()
    r = run(fifo, "-o", j("fifo.json"), "-q")
    check(r.returncode == EXIT_INPUT and "live.wav" in r.stderr and time.monotonic() - t0 < 10,
          "a FIFO as REF with nothing writing to it fails at once with exit 4", tell(r))
    with open(ref, "rb") as f:
        audio = f.read()
    # the writer is there before bxanalyze looks (opening a FIFO for reading
    # and writing does not wait for a reader); a thread feeds it, then closes
    # it: bxanalyze reads to the end. (A writer started as a process could
    # still be starting when bxanalyze opens the FIFO, which then reads as
    # empty: the case above.)
    wfd = os.open(fifo, os.O_RDWR)

    def feed():
        with os.fdopen(wfd, "wb") as w:
            w.write(audio)

    feeder = threading.Thread(target=feed)
    feeder.start()
    r = run(fifo, "-o", j("fifo.json"), "-q")
    feeder.join(60)
    check(r.returncode == 0 and load_preset(j("fifo.json")) is not None and len(audio) > 65536,
          "a FIFO as REF with a writer is read and analysed", tell(r))

    crisp = os.path.join(SRC_DIR, "presets", "crisp.json")
    pfifo = j("preset.json")
    os.mkfifo(pfifo)
    t0 = time.monotonic()
    r = subprocess.run([BXLIVE, pfifo, "--render", ref, j("r.wav"), "--quiet"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 3 and time.monotonic() - t0 < 10,
          "bxlive: a FIFO as the preset with nothing writing to it fails at once (exit 3)", tell(r))
    with open(crisp, "rb") as f:
        with fed_fifo(pfifo, f.read()):
            r1 = subprocess.run([BXLIVE, pfifo, "--render", ref, j("r1.wav"), "--quiet"],
                                capture_output=True, text=True, timeout=60)
    with fed_fifo(fifo, audio):
        r2 = subprocess.run([BXLIVE, crisp, "--render", fifo, j("r2.wav"), "--quiet"],
                            capture_output=True, text=True, timeout=60)
    r3 = subprocess.run([BXLIVE, crisp, "--render", ref, j("r3.wav"), "--quiet"],
                        capture_output=True, text=True, timeout=60)
    same = all(os.path.exists(j(n)) for n in ("r1.wav", "r2.wav", "r3.wav"))
    if same:
        with open(j("r1.wav"), "rb") as a, open(j("r2.wav"), "rb") as b, open(j("r3.wav"), "rb") as c:
            x = a.read()
            same = x == b.read() == c.read()
    check(r1.returncode == 0 and r2.returncode == 0 and r3.returncode == 0 and same,
          "bxlive: a preset and an input read from FIFOs render the same bytes as from files",
          f"{tell(r1)} {tell(r2)} {tell(r3)}")


@contextlib.contextmanager
def fed_fifo(path, data):
    """The FIFO path with a writer already there, fed data by a thread that
    closes it at the end: a reader opening it inside the block reads data
    whole, then the end, whether it opens before or after the writes (a
    writer started as a process could still be starting when the reader
    opens, which then reads as empty). A reader end held open meanwhile
    keeps what is buffered; it never reads."""
    keep = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    wfd = os.open(path, os.O_WRONLY)  # does not wait: `keep` is a reader

    def feed():
        try:
            with os.fdopen(wfd, "wb") as w:
                w.write(data)
        except BrokenPipeError:
            pass  # the reader left early; the check after the block tells

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        yield
    finally:
        os.close(keep)  # the reader has finished: a write still waiting fails
        feeder.join(60)


def special_outputs(tmp, ref):
    if os.name != "posix" or bxtest.emulated(BXANALYZE):
        REP.note("special outputs: POSIX programs only (devices, links, FIFOs), skipped")
        return
    import stat
    j = lambda *p: os.path.join(tmp, "special", *p)  # noqa: E731
    os.mkdir(j())
    crisp = os.path.join(SRC_DIR, "presets", "crisp.json")

    r = run(ref, "-o", "/dev/null", "--plot", "/dev/null", "-q")
    check(r.returncode == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode),
          "-o /dev/null --plot /dev/null: exit 0, /dev/null is still a character device", tell(r))
    with open(j("redirected.json"), "w") as f:
        r = subprocess.run([BXANALYZE, ref, "-o", "/dev/stdout", "-q"], stdout=f,
                           stderr=subprocess.PIPE, text=True, timeout=TIMEOUT)
    check(r.returncode == 0 and load_preset(j("redirected.json")) is not None,
          "-o /dev/stdout redirected to a file writes the preset into it", tell(r))

    os.symlink("target.json", j("link.json"))
    r1 = run(ref, "-o", j("link.json"), "-q")
    created = os.path.islink(j("link.json")) and load_preset(j("target.json")) is not None
    r2 = run(ref, "-o", j("link.json"), "--name", "again", "-q")
    p = load_preset(j("target.json"))
    check(r1.returncode == 0 and created and r2.returncode == 0
          and os.path.islink(j("link.json")) and p and p["name"] == "again"
          and sorted(os.listdir(j())) == ["link.json", "redirected.json", "target.json"],
          "-o onto a symbolic link: the link stays, its file is created, then replaced; "
          "no temporary file is left", f"{tell(r1)} {tell(r2)} {os.listdir(j())}")

    fifo = j("pipe.json")
    os.mkfifo(fifo)
    t0 = time.monotonic()
    r = run(ref, "-o", fifo, "-q")
    check(r.returncode == EXIT_OUTPUT and "pipe.json" in r.stderr and "reader" in r.stderr
          and time.monotonic() - t0 < 60,
          "-o onto a FIFO nobody reads exits 5 at once, naming it", tell(r))
    reader = subprocess.Popen(["cat", fifo], stdout=subprocess.PIPE)
    r = run(ref, "-o", fifo, "-q")
    got = reader.communicate(timeout=TIMEOUT)[0]
    try:
        ok = json.loads(got).get("bxpreset") == 1
    except ValueError:
        ok = False
    check(r.returncode == 0 and ok and stat.S_ISFIFO(os.stat(fifo).st_mode),
          "-o onto a FIFO with a reader: the reader gets the preset, the FIFO stays", tell(r))
    os.remove(fifo)

    os.symlink("loop-b", j("loop-a"))
    os.symlink("loop-a", j("loop-b"))
    for label, out, word in (("an empty -o", "", "empty"),
                             ("an -o in a missing folder", j("no", "such", "p.json"), "folder"),
                             ("an -o that is a link loop", j("loop-a"), "links")):
        t0 = time.monotonic()
        r = run(ref, "--paired", ref, "-o", out, "-q")
        lines = r.stderr.strip().splitlines()
        check(r.returncode == EXIT_OUTPUT and len(lines) == 1 and word in lines[0]
              and time.monotonic() - t0 < 2.0,
              f"{label} exits 5 with one line, before the analysis", tell(r))
    os.remove(j("loop-a"))
    os.remove(j("loop-b"))

    long_name = j("n" * 245 + ".json")
    r = run(ref, "-o", long_name, "-q")
    check(r.returncode == 0 and load_preset(long_name) is not None,
          "a 250-byte file name works (the temporary name is shortened to fit)", tell(r))

    r = subprocess.run([BXLIVE, crisp, "--render", ref, "/dev/null", "--quiet"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    check(r.returncode == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode),
          "bxlive --render onto /dev/null: exit 0, /dev/null is still a character device", tell(r))
    with open(j("redirected.wav"), "wb") as f:
        r = subprocess.run([BXLIVE, crisp, "--render", ref, "/dev/stdout", "--quiet"], stdout=f,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
    with open(j("redirected.wav"), "rb") as f:
        head = f.read(12)
    check(r.returncode == 0 and head[:4] == b"RIFF" and head[8:12] == b"WAVE"
          and os.path.getsize(j("redirected.wav")) > 1000,
          "bxlive --render to /dev/stdout redirected to a file writes a WAV into it",
          f"exit {r.returncode} {r.stderr!r} {head!r}")
    os.symlink("rendered.wav", j("render-link.wav"))
    r = subprocess.run([BXLIVE, crisp, "--render", ref, j("render-link.wav"), "--quiet"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    check(r.returncode == 0 and os.path.islink(j("render-link.wav"))
          and os.path.getsize(j("rendered.wav")) > 1000,
          "bxlive --render onto a symbolic link writes its file and keeps the link", tell(r))


if __name__ == "__main__":
    main()
