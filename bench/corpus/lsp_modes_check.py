#!/usr/bin/python3
"""LSP Compressor Mono's Low-Pass and Uniform sidechain modes, measured.

Besides Peak and RMS (the modes the plugin corpus uses), LSP's compressor
has two more sidechains: Low-Pass, |x| through a one-pole of the
"reactivity" time, and Uniform, the mean of |x| over a sliding window of
that length; both feed its envelope follower. Low-Pass is the design of
bx's "mean_level" detector; Uniform has no exact counterpart (a sliding
window, where bx averages with a one-pole). This script renders dry takes
through the plugin (ffmpeg's lv2 filter) in both modes at two settings,
fits each with `bxanalyze --paired` and prints the chain's SNR, the
detector and compressor found, and the preset's warnings.

usage: lsp_modes_check.py BXANALYZE DRY.wav [DRY.wav ...]
Exit 77 if ffmpeg or the plugin (lsp-plugins-lv2) is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

URI = "http://lsp-plug.in/plugins/lv2/compressor_mono"
MODES = {"Low-Pass": 2, "Uniform": 3}
SETTINGS = (  # threshold dBFS, ratio, attack ms, release ms, knee dB (each side), reactivity ms
    (-30.0, 4.0, 5.0, 150.0, 3.0, 10.0),
    (-36.0, 8.0, 1.0, 80.0, 0.0, 10.0),
)


def plugin(dry, out, mode, s):
    thr, ratio, att, rel, knee, react = s
    ctl = {"sct": 0, "scm": MODES[mode], "sla": 0, "scr": react, "scp": 1, "cm": 0,
           "al": 10 ** (thr / 20), "at": att, "rrl": 0, "rt": rel, "cr": ratio,
           "kn": 10 ** (-knee / 20), "mk": 10 ** (3 / 20), "cdr": 0, "cwt": 1}
    af = f"lv2=p='{URI.replace(':', chr(92) + ':')}':c=" + "|".join(
        f"{k}={v:.6g}" for k, v in ctl.items())
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", dry,
                    "-af", af, "-ac", "1", "-c:a", "pcm_f32le", out], check=True)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    bxa, drys = sys.argv[1], sys.argv[2:]
    if not shutil.which("ffmpeg"):
        print("skip: ffmpeg missing")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="lspmodes.")
    ref, pj = os.path.join(tmp, "ref.wav"), os.path.join(tmp, "p.json")
    try:
        plugin(drys[0], ref, "Low-Pass", SETTINGS[0])
    except subprocess.CalledProcessError:
        print("skip: ffmpeg cannot run LSP Compressor Mono (lsp-plugins-lv2)")
        sys.exit(77)
    print("mode | setting (threshold, ratio, attack, release, knee, reactivity) | take | "
          "bx --paired SNR | detector: threshold, ratio, attack, release, averaging | warnings")
    for mode in MODES:
        for s in SETTINGS:
            for dry in drys:
                plugin(dry, ref, mode, s)
                r = subprocess.run([bxa, ref, "--paired", dry, "-o", pj, "-q"],
                                   capture_output=True, text=True)
                if r.returncode != 0:
                    print(f"{mode} | {s} | {os.path.basename(dry)} | bxanalyze failed: "
                          f"{r.stderr.strip()}")
                    continue
                doc = json.load(open(pj))
                a, c = doc["analysis"], doc["chain"].get("compressor") or {}
                warns = ",".join(w["code"] for w in a["confidence"].get("warnings", []))
                avg = c.get("mean_ms", c.get("rms_ms"))
                comp = (f"{c.get('detector', 'none')}: {c.get('threshold_db', 0):.1f} dB, "
                        f"{c.get('ratio', 1):.2f}:1, {c.get('attack_ms', 0):.2f} ms, "
                        f"{c.get('release_ms', 0):.0f} ms" +
                        (f", {avg:.2f} ms" if avg is not None else ""))
                print(f"{mode} | {s} | {os.path.basename(dry)} | {a['fit']['snr_db']:.1f} dB | "
                      f"{comp} | {warns or '-'}")
    shutil.rmtree(tmp)


main()
