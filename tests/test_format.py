#!/usr/bin/python3
"""test_format — every C source and header is laid out as .clang-format says.

Runs `clang-format --dry-run --Werror` on every .c and .h file under include/,
src/, common/, analyze/, live/, tools/, bench/ and tests/ and names each file
that differs. clang-format's output changes between major versions, so the
check runs with the major version the tree is formatted with (FORMAT_MAJOR);
with another one, or without clang-format, it skips (exit 77).

Environment: BX_SOURCE_DIR (the source tree; default: this file's parent
folder), CLANG_FORMAT (the program; default: clang-format on PATH). Exit
status: 0 all formatted, 1 a file differs, 77 skipped.
"""

import os
import re
import shutil
import subprocess
import sys

FORMAT_MAJOR = 14
FOLDERS = ("include", "src", "common", "analyze", "live", "tools", "bench", "tests")

root = os.environ.get("BX_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
prog = os.environ.get("CLANG_FORMAT") or shutil.which("clang-format")
if not prog:
    print("SKIP test_format: clang-format not found (Debian: apt-get install clang-format)")
    sys.exit(77)
version = subprocess.run([prog, "--version"], capture_output=True, text=True).stdout
m = re.search(r"version (\d+)\.", version)
if not m or int(m.group(1)) != FORMAT_MAJOR:
    print(f"SKIP test_format: {version.strip() or prog} is not clang-format {FORMAT_MAJOR}, "
          "whose layout the tree follows")
    sys.exit(77)

files = []
for folder in FOLDERS:
    for dirpath, _, names in os.walk(os.path.join(root, folder)):
        files += [os.path.join(dirpath, n) for n in sorted(names) if n.endswith((".c", ".h"))]
if len(files) < 50:
    print(f"FAIL  only {len(files)} C files under {root}: wrong BX_SOURCE_DIR?")
    sys.exit(1)

# one run for all: each difference is reported as "FILE:LINE:COL: error: ..."
r = subprocess.run([prog, "--dry-run", "--Werror"] + files, capture_output=True, text=True)
bad = sorted({os.path.relpath(f, root) for f in files if f + ":" in r.stderr})
if r.returncode != 0 and not bad:
    print(f"FAIL  clang-format exited {r.returncode}: {r.stderr.strip()[:300]}")
    sys.exit(1)
for f in bad:
    print(f"FAIL  {f} differs from clang-format {FORMAT_MAJOR}'s layout (clang-format -i {f})")
print(f"{len(files) - len(bad)} of {len(files)} files formatted")
sys.exit(1 if bad else 0)
