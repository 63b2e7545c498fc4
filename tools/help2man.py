#!/usr/bin/env python3
"""help2man.py — a manual page (roff, man(7)) from a bx program's --help.

    help2man.py PROGRAM OUT.1

The help text is the one source: the first line gives the version, the
"usage:" block the synopsis, the paragraph after it the description, and
every later paragraph that starts at the left margin a section named by its
first words ("Live:", "Exit codes: ..."). Section bodies keep the help's
layout (no fill), so the columns of options stay as the program prints them.
What depends on the build machine ("2 here" after the processor count) is
left out. Exits 1 with a one-line message if PROGRAM fails.
"""

import re
import subprocess
import sys


def esc(line):
    """A line of text as roff prints it literally."""
    line = line.replace("\\", "\\e").replace("-", "\\-")
    if line.startswith((".", "'")):
        line = "\\&" + line
    return line


def section_name(first):
    """The section a paragraph's first line names, and what is left of it."""
    if first.lower().startswith("exit codes:"):
        return "EXIT STATUS", first.split(":", 1)[1].strip()
    m = re.match(r"([A-Za-z][A-Za-z -]*?)\s*(\(|:)(.*)$", first)
    if not m:
        return first.upper(), ""
    rest = (m.group(2) + m.group(3)) if m.group(2) == "(" else m.group(3)
    return m.group(1).upper(), rest.strip()


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: help2man.py PROGRAM OUT.1")
    prog, out = sys.argv[1], sys.argv[2]
    try:
        text = subprocess.run([prog, "--help"], capture_output=True, text=True,
                              check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"help2man.py: {prog} --help failed: {e}")
    text = re.sub(r",? \d+ here\)", ")", text)
    lines = text.rstrip("\n").split("\n")
    name, _, version = lines[0].partition(" ")
    paras, cur = [], []
    for ln in lines[1:]:
        if ln.strip():
            cur.append(ln)
        elif cur:
            paras.append(cur)
            cur = []
    if cur:
        paras.append(cur)
    usage, desc, rest = paras[0], paras[1], paras[2:]
    synopsis = []
    for ln in usage:
        ln = ln.replace("usage:", "", 1).strip()
        if ln.startswith(name + " ") or ln == name:
            synopsis.append(ln)
        else:
            synopsis[-1] += " " + ln
    summary = re.sub(r" \([^)]*\)", "", " ".join(desc)).split(". ")[0].rstrip(".")
    o = [f'.TH {name.upper()} 1 "" "bx {version}" "User Commands"',
         ".SH NAME", f"{name} \\- {esc(summary[0].lower() + summary[1:])}",
         ".SH SYNOPSIS"]
    o += [".nf"] + [esc(s) for s in synopsis] + [".fi"]
    o += [".SH DESCRIPTION", esc(" ".join(desc))]
    for p in rest:
        head, first_rest = section_name(p[0])
        body = ([first_rest] if first_rest else []) + p[1:]
        o += [f".SH {head}", ".nf"] + [esc(b) for b in body] + [".fi"]
    o += [".SH SEE ALSO",
          "bxanalyze(1), bxlive(1); the documentation in the source's docs/ folder."]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(o) + "\n")


if __name__ == "__main__":
    main()
