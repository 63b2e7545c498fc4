#!/usr/bin/python3
"""test_install — `cmake --install` gives a working tool: programs, presets found
by name, manual pages that match --help, shell completion.

The build (BX_BUILD_DIR) is installed into a scratch prefix with BX_CMAKE
(cmake --install --prefix). Promises:
  - the programs, the shipped presets, both manual pages and the bash and zsh
    completion files are installed (no manual pages when cross-compiling or
    on Windows, where the programs cannot make them at build time);
  - each manual page carries the program's version and every long option its
    --help lists; groff formats it without a warning (when groff is there);
  - `bxlive NAME` finds an installed preset: the user's folder
    ($XDG_DATA_HOME/bx/presets) first, then the installation's beside the
    program; a name found nowhere exits 3 with one line naming the folders
    looked in; a path (./NAME) is never looked up;
  - bash completion offers every long option of --help after "-", the
    options of the word's prefix, and installed presets' names for PRESET;
    the zsh file is valid zsh (when zsh is there).

Environment: BX_BUILD_DIR, BX_CMAKE, BX_TEST_TMP (scratch). Exit status: 0 all
passed, 1 a check failed, 77 skipped (not a POSIX shell environment).
"""

import os
import random
import re
import shutil
import struct
import subprocess
import sys
import wave

sys.path.insert(0, os.path.dirname(__file__))
import bxtest

if os.name != "posix":
    bxtest.skip("the installed layout checked here is the POSIX one")
BUILD = os.environ.get("BX_BUILD_DIR")
CMAKE = os.environ.get("BX_CMAKE")
if not BUILD or not CMAKE:
    print("ERROR: set BX_BUILD_DIR and BX_CMAKE")
    sys.exit(1)

if os.path.exists(os.path.join(BUILD, "bxlive.exe")):
    bxtest.skip("a Windows build: the installed layout checked here is the POSIX one")

REP = bxtest.Report()
work = bxtest.scratch("install-")
prefix = os.path.join(work, "prefix")


def run(args, env=None, **kw):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(args, capture_output=True, text=True, env=e, timeout=300, **kw)


def long_options(prog):
    text = run([prog, "--help"]).stdout
    return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]+)", text)))


r = run([CMAKE, "--install", BUILD, "--prefix", prefix])
if not REP.check(r.returncode == 0, "cmake --install into a scratch prefix exits 0",
                 r.stderr.strip()[-300:]):
    REP.finish(work)
P = lambda *a: os.path.join(prefix, *a)  # noqa: E731
BXLIVE, BXANALYZE = P("bin", "bxlive"), P("bin", "bxanalyze")
files = ["bin/bxlive", "bin/bxanalyze", "share/bx/presets/crisp.json",
         "share/bx/presets/neutral.json", "share/bash-completion/completions/bxanalyze",
         "share/bash-completion/completions/bxlive", "share/zsh/site-functions/_bx",
         "share/man/man1/bxanalyze.1", "share/man/man1/bxlive.1"]
missing = [f for f in files if not os.path.isfile(P(f))]
REP.check(not missing, "the programs, presets, manual pages and completion are installed",
          "missing: " + ", ".join(missing) if missing else "")


def check_manual_pages():
    for prog in ("bxanalyze", "bxlive"):
        page = P("share", "man", "man1", prog + ".1")
        if not os.path.isfile(page):
            continue
        text = open(page, encoding="utf-8").read()
        version = run([P("bin", prog), "--version"]).stdout.split()[-1]
        REP.check(f'"bx {version}"' in text.split("\n")[0], f"{prog}.1 names version {version}",
                  text.split("\n")[0])
        opts = long_options(P("bin", prog))
        lost = [o for o in opts if o.replace("-", "\\-") not in text]
        REP.check(opts and not lost, f"{prog}.1 has every long option of --help ({len(opts)})",
                  "missing: " + " ".join(lost) if lost else "")
        if shutil.which("groff"):
            g = run(["groff", "-man", "-Tutf8", "-ww", "-z", page])
            REP.check(g.returncode == 0 and not g.stderr.strip(),
                      f"groff formats {prog}.1 without a warning", g.stderr.strip()[:300])
        else:
            REP.skip(f"groff formats {prog}.1", "groff is not installed")


def write_wav(path, seconds=0.5, rate=48000):
    rnd = random.Random(7)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(rnd.gauss(0, 3000)))
                               for _ in range(int(seconds * rate))))


def check_presets_by_name():
    take = os.path.join(work, "take.wav")
    write_wav(take)
    home = os.path.join(work, "home")
    os.makedirs(home, exist_ok=True)
    env = {"HOME": home, "XDG_DATA_HOME": ""}
    out = lambda n: os.path.join(work, n)  # noqa: E731

    def renders_as(name, preset_file, env_name, tag):
        """bxlive NAME and bxlive PRESET_FILE render the take bit for bit alike."""
        r = run([BXLIVE, name, "--render", take, out(tag + "-name.wav"), "--quiet"], env_name)
        r2 = run([BXLIVE, preset_file, "--render", take, out(tag + "-file.wav"), "--quiet"], env)
        return (r.returncode == 0 and r2.returncode == 0 and
                open(out(tag + "-name.wav"), "rb").read() ==
                open(out(tag + "-file.wav"), "rb").read()), r.stderr.strip()

    ok, why = renders_as("crisp", P("share", "bx", "presets", "crisp.json"), env, "installed")
    REP.check(ok, "bxlive crisp renders with the installed crisp.json (found beside the program)",
              why)
    user = os.path.join(work, "xdg", "bx", "presets")
    os.makedirs(user, exist_ok=True)
    shutil.copy(P("share", "bx", "presets", "neutral.json"), os.path.join(user, "crisp.json"))
    ok, why = renders_as("crisp", P("share", "bx", "presets", "neutral.json"),
                         {"HOME": home, "XDG_DATA_HOME": os.path.join(work, "xdg")}, "user")
    REP.check(ok, "the user's preset folder ($XDG_DATA_HOME/bx/presets) comes first", why)
    r = run([BXLIVE, "no-such-preset", "--render", take, out("x.wav")], env)
    lines = r.stderr.strip().split("\n")
    REP.check(r.returncode == 3 and len(lines) == 1 and "no-such-preset" in lines[0]
              and P("bin", "..", "share", "bx", "presets") in lines[0]
              and os.path.join(home, ".local", "share", "bx", "presets") in lines[0],
              "a name found nowhere: exit 3, one line naming the folders looked in",
              f"exit {r.returncode}: {r.stderr.strip()}")
    r = run([BXLIVE, "./crisp", "--render", take, out("x.wav")], env, cwd=work)
    REP.check(r.returncode == 3 and "cannot open" in r.stderr,
              "a path (./crisp) is not looked up by name", f"exit {r.returncode}: {r.stderr.strip()}")


def complete(prog, words):
    """What bash completion offers for the last of `words` (the command line so far)."""
    script = ("shopt -s extglob; source \"$1\"; shift; COMP_WORDS=(\"$@\"); "
              "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _" + prog + " 2>/dev/null; "
              "printf '%s\\n' \"${COMPREPLY[@]}\"")
    r = run(["bash", "-c", script, "bash", P("share", "bash-completion", "completions", prog),
             prog] + words, {"PATH": P("bin") + os.pathsep + os.environ.get("PATH", ""),
                             "HOME": os.path.join(work, "home"), "XDG_DATA_HOME": ""},
            cwd=work)
    return set(x for x in r.stdout.split("\n") if x)


def check_completion():
    if not shutil.which("bash"):
        REP.skip("bash completion", "bash is not installed")
        return
    for prog in ("bxanalyze", "bxlive"):
        opts = set(long_options(P("bin", prog)))
        got = complete(prog, ["--"])
        REP.check(opts and opts <= got, f"{prog} --<TAB> offers every long option of --help",
                  "missing: " + " ".join(sorted(opts - got)) if opts - got else "")
    got = complete("bxlive", ["--ren"])
    REP.check(got == {"--render"}, "bxlive --ren<TAB> gives --render", str(sorted(got)))
    got = complete("bxanalyze", ["ref.wav", "--pa"])
    REP.check(got == {"--paired"}, "bxanalyze ref.wav --pa<TAB> gives --paired", str(sorted(got)))
    got = complete("bxlive", ["cr"])
    REP.check("crisp" in got, "bxlive cr<TAB> offers the installed preset crisp", str(sorted(got)))
    got = complete("bxlive", ["--host", "ja"])
    REP.check(got == {"jack"}, "bxlive --host ja<TAB> gives jack", str(sorted(got)))
    if shutil.which("zsh"):
        z = run(["zsh", "-n", P("share", "zsh", "site-functions", "_bx")])
        REP.check(z.returncode == 0, "the zsh completion file is valid zsh", z.stderr.strip())
    else:
        REP.skip("the zsh completion file is valid zsh", "zsh is not installed")


REP.part(check_manual_pages)
REP.part(check_presets_by_name)
REP.part(check_completion)
REP.finish(work)
