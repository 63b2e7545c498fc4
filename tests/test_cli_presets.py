#!/usr/bin/python3
"""test_cli_presets — bxlive refuses malformed presets with one clear line, and
renders valid edge cases.

Promises:
  - every preset in the MALFORMED table, run as
        bxlive BAD.json --render take.wav out.wav
    exits 3 within 5 seconds (30 in an emulator) and 300 MB of peak memory (measured when the
    bx_peakrss helper is there: BX_PEAKRSS), prints nothing on stdout and
    exactly one line on stderr, which
    starts with "bxlive: BAD.json: " (the path as given) and contains the
    expected text: the field at fault (e.g. "chain.eq[2].q: 0 is outside
    0.1..40") or, for text that is not JSON, the line and column; out.wav is
    not created and no temporary file is left behind. Keys and strings that
    contain control characters (newline, escape) still give one line;
  - a preset at the size limit whose "analysis" holds very many keys is
    accepted or refused within 10 seconds (loading must not take time
    quadratic in the number of keys);
  - every preset in the VALID table renders (exit 0, out.wav with take.wav's
    length, one summary line);
  - documented defaults are what an omitted field means: a render with the
    field left out is bit-identical to one with the default written out (q 1
    for peak, q 0.7071 for the other bands; knee 6 dB, attack 5 ms, release
    100 ms, makeup 0 dB, detector peak; ceiling -1 dB; "compressor": null and
    "limiter": null mean none; an empty eq means none), and a chain with no
    stages passes the input through bit for bit.

The expected messages come from src/preset.c and src/chain.c.

Environment: BXLIVE, BXGEN (programs), BX_TEST_TMP (scratch folder).
Exit status: 0 all passed, 1 a check failed, 77 skipped (numpy or soundfile
missing).
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import bxtest

np = bxtest.need("numpy")
sf = bxtest.need("soundfile")
BXLIVE, BXGEN = bxtest.programs("BXLIVE", "BXGEN")
PEAKRSS = os.environ.get("BX_PEAKRSS")  # runs a program and reports its peak resident size
# what refusing any malformed preset may cost (a sanitized build included; in an
# emulator, Wine's start-up alone takes seconds on a busy machine)
COST_SECONDS, COST_MB = (30.0 if bxtest.emulated(BXLIVE) else 5.0), 300.0

MISSING = object()  # the preset file is not created
FOLDER = object()   # the preset path is a folder


def P(chain, **top):
    """A preset's text: bxpreset 1, a name, the chain, and any other top-level keys."""
    obj = {"bxpreset": 1, "name": "t", "chain": chain}
    obj.update(top)
    return json.dumps(obj).encode()


def raw(text):
    return text.encode() if isinstance(text, str) else text


PEAK = {"type": "peak", "freq_hz": 1000, "gain_db": 3, "q": 1}
COMP = {"threshold_db": -20, "ratio": 4}


def comp(**kw):
    c = dict(COMP)
    c.update(kw)
    return {"compressor": c}


def band(**kw):
    b = dict(PEAK)
    b.update(kw)
    return b


def nested(depth):
    return "[" * depth + "]" * depth


# name, text (bytes, MISSING or FOLDER), expected substrings (after "bxlive: FILE: ");
# a tuple in the list means "any one of these". Text that is not JSON is pinned
# by its line and column, not by the wording of the complaint.
MALFORMED = [
    # the file itself
    ("missing", MISSING, ["cannot open"]),
    ("folder", FOLDER, ["is a directory"]),
    ("empty", b"", ["empty, not a preset"]),
    ("huge_name_50MB", P({}, name="n" * (50 * 1024 * 1024)), ["larger than 4194304 bytes"]),
    ("utf16_with_bom", b"\xff\xfe" + '{"bxpreset":1,"chain":{}}'.encode("utf-16-le"),
     ["line 1, column 1: the text is UTF-16 or UTF-32, a preset is UTF-8"]),
    ("huge_name_5MB", P({}, name="n" * (5 * 1024 * 1024)), ["larger than 4194304 bytes"]),
    # text that is not JSON, or not only JSON
    ("not_json", raw("bxpreset = 1\n"), ["line 1, column 1"]),
    ("whitespace_only", raw("  \n  \n"), [("line 2", "empty")]),
    ("trailing_garbage", P({}) + b"\n}x", ["line 2, column 1", "unexpected text after the JSON value"]),
    ("two_objects", raw('{"bxpreset":1,"chain":{}}{}'), ["unexpected text after the JSON value"]),
    ("trailing_comma", raw('{"bxpreset":1,"chain":{},}'), ["line 1, column 26"]),
    ("comment", raw('{"bxpreset":1, // version\n"chain":{}}'), ["line 1, column "]),
    ("single_quotes", raw("{'bxpreset':1,'chain':{}}"), ["line 1, column "]),
    ("nan_literal", raw('{"bxpreset":1,"chain":{"input_gain_db":NaN}}'),
     ["line 1, column 40"]),
    ("infinity_literal", raw('{"bxpreset":1,\n"chain":{"output_gain_db":-Infinity}}'),
     ["line 2, column 27"]),
    ("invalid_utf8_name", b'{"bxpreset":1,"name":"caf\xe9","chain":{}}',
     ["line 1, column 26", "invalid UTF-8"]),
    ("overlong_utf8", b'{"bxpreset":1,"name":"\xc0\xaf","chain":{}}', ["invalid UTF-8"]),
    ("utf8_surrogate", b'{"bxpreset":1,"name":"\xed\xa0\x80","chain":{}}', ["invalid UTF-8"]),
    ("truncated_utf8", b'{"bxpreset":1,"chain":{}}\xe2\x82', ["invalid UTF-8"]),
    ("nul_byte", b'{"bxpreset":1,\x00"chain":{}}', ["line 1, column 15", "NUL byte"]),
    ("escaped_nul_in_key", raw('{"bxpreset":1,"chain":{"eq\\u0000x":[{"type":"peak",'
                               '"freq_hz":1000,"gain_db":6}]}}'), ["NUL"]),
    ("deep_nesting_100000", raw('{"bxpreset":1,"chain":{},"analysis":{"a":'
                                + nested(100000) + "}}"), ["nested deeper than 64 levels"]),
    ("deep_nesting_200000", raw('{"bxpreset":1,"chain":{"eq":' + nested(200000) + "}}"),
     ["nested deeper than 64 levels"]),
    ("deep_objects_200000", raw('{"bxpreset":1,"chain":{},"analysis":' + '{"a":' * 200000
                                + "0" + "}" * 200000 + "}"), ["nested deeper than 64 levels"]),
    ("deep_nesting_65", raw('{"bxpreset":1,"chain":{},"analysis":{"a":' + nested(63) + "}}"),
     ["nested deeper than 64 levels"]),
    # top level
    ("array_root", raw("[1, 2]"), ["the top level must be an object, found an array"]),
    ("string_root", raw('"preset"'), ["the top level must be an object, found a string"]),
    ("missing_bxpreset", raw('{"name":"t","chain":{}}'), ["bxpreset: missing"]),
    ("bxpreset_5", raw('{"bxpreset":5,"chain":{}}'),
     ["bxpreset: version 5 is not supported (this bx reads 1..4)"]),
    ("bxpreset_0", raw('{"bxpreset":0,"chain":{}}'), ["bxpreset: version 0 is not supported"]),
    ("branch_in_version_1", P(comp(detector="branch")),
     ['chain.compressor.detector: "branch" needs "bxpreset": 2 (this file says 1)']),
    ("rms_level_in_version_2", P(comp(detector="rms_level"), bxpreset=2),
     ['chain.compressor.detector: "rms_level" needs "bxpreset": 3 (this file says 2)']),
    ("power_in_version_3", P(comp(detector="power"), bxpreset=3),
     ['chain.compressor.detector: "power" needs "bxpreset": 4 (this file says 3)']),
    ("mean_level_in_version_3", P(comp(detector="mean_level"), bxpreset=3),
     ['chain.compressor.detector: "mean_level" needs "bxpreset": 4 (this file says 3)']),
    ("mean_ms_with_rms_level", P(comp(detector="rms_level", mean_ms=5), bxpreset=4),
     ['chain.compressor.mean_ms: only the "mean_level" detector has one (this one is '
      '"rms_level")']),
    ("mean_ms_out_of_range", P(comp(detector="mean_level", mean_ms=200), bxpreset=4),
     ["chain.compressor.mean_ms: 200 is outside 0.1..100"]),
    ("hold_with_peak", P(comp(detector="peak", hold=True), bxpreset=4),
     ['chain.compressor.hold: only the "power" detector has one (this one is "peak")']),
    ("hold_not_bool", P(comp(detector="power", hold="yes"), bxpreset=4),
     ["chain.compressor.hold: expected true or false, found a string"]),
    ("power_with_knee", P(comp(detector="power", knee_db=6), bxpreset=4),
     ['chain.compressor.knee_db: the "power" detector\'s knee is the power sum\'s own']),
    ("rms_ms_with_rms", P(comp(detector="rms", rms_ms=5), bxpreset=3),
     ['chain.compressor.rms_ms: only the "rms_level" detector has one (this one is "rms")']),
    ("rms_ms_out_of_range", P(comp(detector="rms_level", rms_ms=0.01), bxpreset=3),
     ["chain.compressor.rms_ms: 0.01 is outside 0.1..100"]),
    ("bxpreset_1.5", raw('{"bxpreset":1.5,"chain":{}}'), ["bxpreset: version 1.5"]),
    ("bxpreset_string", raw('{"bxpreset":"1","chain":{}}'),
     ["bxpreset: expected a number from 1 to 4, found a string"]),
    ("bxpreset_true", raw('{"bxpreset":true,"chain":{}}'), ["bxpreset", "found a boolean"]),
    ("unknown_top_key", P({}, chian={}), ["chian: unknown key", "allowed:"]),
    ("duplicate_top_key", raw('{"bxpreset":1,"name":"a","name":"b","chain":{}}'),
     ["name", "duplicate key"]),
    ("name_number", P({}, name=7), ["name: expected a string, found a number"]),
    ("name_257_bytes", P({}, name="n" * 257), ["name: longer than 256 bytes"]),
    ("name_3MB", P({}, name="n" * (3 * 1024 * 1024)), ["name: longer than 256 bytes"]),
    ("description_5000_bytes", P({}, description="d" * 5000),
     ["description: longer than 4096 bytes"]),
    ("analysis_array", P({}, analysis=[1]), ["analysis: expected an object, found an array"]),
    # chain
    ("missing_chain", raw('{"bxpreset":1,"name":"t"}'), ["chain: missing"]),
    ("chain_array", raw('{"bxpreset":1,"chain":[]}'), ["chain: expected an object, found an array"]),
    ("chain_null", raw('{"bxpreset":1,"chain":null}'), ["chain: expected an object, found null"]),
    ("unknown_chain_key", P({"gain_db": 3}), ["chain.gain_db: unknown key", "allowed:"]),
    ("input_gain_25", P({"input_gain_db": 25}), ["chain.input_gain_db: 25 is outside -60..24"]),
    ("output_gain_-61", P({"output_gain_db": -61}),
     ["chain.output_gain_db: -61 is outside -60..24"]),
    ("number_1e400", P({}).replace(b'"chain": {}', b'"chain": {"input_gain_db": 1e400}'),
     ["chain.input_gain_db", "number too large"]),
    ("number_-1e400", P({}).replace(
        b'"chain": {}', b'"chain": {"eq": [{"type": "lowpass", "freq_hz": -1e400}]}'),
     ["chain.eq[0].freq_hz", "number too large"]),
    ("number_5000_digits", P({}).replace(b'"chain": {}',
                                         b'"chain": {"input_gain_db": 1' + b"0" * 5000 + b"}"),
     ["chain.input_gain_db", "number too large"]),
    ("lone_surrogate_escape", raw('{"bxpreset":1,"name":"a\\ud800b","chain":{}}'),
     ["line 1, column 24: a \\u escape of half a UTF-16 surrogate pair"]),
    ("low_surrogate_first", raw('{"bxpreset":1,"name":"\\udc00\\ud800","chain":{}}'),
     ["line 1, column 23: a \\u escape of half a UTF-16 surrogate pair"]),
    ("bad_u_escape", raw('{"bxpreset":1,"name":"ab\\uZZZZcd","chain":{}}'),
     ["line 1, column 25: \\u must be followed by four hexadecimal digits"]),
    ("short_u_escape_at_end", raw('{"bxpreset":1,"chain":{},"name":"\\u12'),
     ["line 1, column 34: \\u must be followed by four hexadecimal digits"]),
    # eq
    ("eq_object", P({"eq": {"type": "peak"}}), ["chain.eq: expected an array, found an object"]),
    ("band_number", P({"eq": [band(), 5]}), ["chain.eq[1]: expected an object, found a number"]),
    ("band_unknown_type", P({"eq": [band(type="bell")]}),
     ['chain.eq[0].type: unknown band type "bell"', "allowed:"]),
    ("band_type_missing", P({"eq": [{"freq_hz": 100, "gain_db": 1}]}), ["chain.eq[0].type: missing"]),
    ("band_type_number", P({"eq": [band(type=1)]}),
     ["chain.eq[0].type: expected a string, found a number"]),
    ("band_unknown_key", P({"eq": [band(slope=2)]}), ["chain.eq[0].slope: unknown key"]),
    ("missing_freq", P({"eq": [{"type": "peak", "gain_db": 3}]}),
     ["chain.eq[0].freq_hz: missing"]),
    ("freq_string", P({"eq": [band(freq_hz="1000")]}),
     ["chain.eq[0].freq_hz: expected a number, found a string"]),
    ("gain_boolean", P({"eq": [band(gain_db=True)]}),
     ["chain.eq[0].gain_db: expected a number, found a boolean"]),
    ("gain_null", P({"eq": [band(gain_db=None)]}),
     ["chain.eq[0].gain_db: expected a number, found null"]),
    ("peak_without_gain", P({"eq": [{"type": "peak", "freq_hz": 1000}]}),
     ["chain.eq[0].gain_db: missing"]),
    ("q_0", P({"eq": [band(), band(), band(q=0)]}), ["chain.eq[2].q: 0 is outside 0.1..40"]),
    ("q_41", P({"eq": [band(q=41)]}), ["chain.eq[0].q: 41 is outside 0.1..40"]),
    ("q_negative", P({"eq": [band(q=-1)]}), ["chain.eq[0].q: -1 is outside 0.1..40"]),
    ("freq_5", P({"eq": [band(freq_hz=5)]}), ["chain.eq[0].freq_hz: 5 is outside 10..40000"]),
    ("freq_50000", P({"eq": [band(freq_hz=50000)]}),
     ["chain.eq[0].freq_hz: 50000 is outside 10..40000"]),
    ("gain_31", P({"eq": [band(gain_db=31)]}), ["chain.eq[0].gain_db: 31 is outside -30..30"]),
    ("gain_on_highpass", P({"eq": [{"type": "highpass", "freq_hz": 80, "gain_db": 0}]}),
     ["chain.eq[0].gain_db: a highpass band has no gain"]),
    ("gain_on_lowpass", P({"eq": [band(), {"type": "lowpass", "freq_hz": 8000, "gain_db": -3}]}),
     ["chain.eq[1].gain_db: a lowpass band has no gain"]),
    ("duplicate_band_key", raw('{"bxpreset":1,"chain":{"eq":[{"type":"peak","freq_hz":100,'
                               '"gain_db":1,"gain_db":2}]}}'),
     ["chain.eq[0]", "gain_db", "duplicate key"]),
    ("bands_10000", P({"eq": [band(freq_hz=100 + i % 5000) for i in range(10000)]}),
     ["chain.eq: 10000 bands, at most 32 are allowed"]),
    ("eq_string", P({"eq": "peak"}), ["chain.eq: expected an array, found a string"]),
    ("band_nested_arrays", P({"eq": [[[[band()]]]]}),
     ["chain.eq[0]: expected an object, found an array"]),
    ("ratio_1e308", P(comp(ratio=1e308)), ["chain.compressor.ratio: 1e+308 is outside 1..100"]),
    ("bands_33", P({"eq": [band(freq_hz=100 + 10 * i) for i in range(33)]}),
     ["chain.eq: 33 bands, at most 32 are allowed"]),
    ("newline_in_key", raw('{"bxpreset":1,"chain":{"eq\\nx":[]}}'), ["unknown key"]),
    ("escape_in_band_type", raw('{"bxpreset":1,"chain":{"eq":[{"type":"peak\\u001b[2J\\n",'
                                '"freq_hz":100,"gain_db":1}]}}'),
     ["chain.eq[0].type: unknown band type"]),
    # compressor
    ("compressor_array", P({"compressor": [1, 2]}),
     ["chain.compressor: expected an object or null, found an array"]),
    ("compressor_true", P({"compressor": True}),
     ["chain.compressor: expected an object or null, found a boolean"]),
    ("compressor_unknown_key", P(comp(lookahead_ms=5)),
     ["chain.compressor.lookahead_ms: unknown key"]),
    ("missing_threshold", P({"compressor": {"ratio": 4}}),
     ["chain.compressor.threshold_db: missing"]),
    ("missing_ratio", P({"compressor": {"threshold_db": -20}}),
     ["chain.compressor.ratio: missing"]),
    ("ratio_0.5", P(comp(ratio=0.5)), ["chain.compressor.ratio: 0.5 is outside 1..100"]),
    ("ratio_string", P(comp(ratio="4:1")),
     ["chain.compressor.ratio: expected a number, found a string"]),
    ("attack_0", P(comp(attack_ms=0)), ["chain.compressor.attack_ms: 0 is outside 0.05..500"]),
    ("release_0.5", P(comp(release_ms=0.5)),
     ["chain.compressor.release_ms: 0.5 is outside 1..5000"]),
    ("knee_-1", P(comp(knee_db=-1)), ["chain.compressor.knee_db: -1 is outside 0..24"]),
    ("makeup_40", P(comp(makeup_db=40)), ["chain.compressor.makeup_db: 40 is outside -24..36"]),
    ("threshold_+1", P(comp(threshold_db=1)),
     ["chain.compressor.threshold_db: 1 is outside -80..0"]),
    ("unknown_detector", P(comp(detector="avg")),
     ['chain.compressor.detector: unknown detector "avg"', "allowed: peak, rms, level, branch"]),
    ("start_level_+1", P(comp(start_level_db=1)),
     ["chain.compressor.start_level_db: 1 is outside -120..0"]),
    ("start_level_-121", P(comp(start_level_db=-121)),
     ["chain.compressor.start_level_db: -121 is outside -120..0"]),
    ("start_level_null", P(comp(start_level_db=None)),
     ["chain.compressor.start_level_db: expected a number, found null"]),
    ("detector_number", P(comp(detector=1)),
     ["chain.compressor.detector: expected a string, found a number"]),
    # limiter
    ("ceiling_+3", P({"limiter": {"ceiling_db": 3}}), ["chain.limiter.ceiling_db: 3 is outside -30..0"]),
    ("ceiling_-31", P({"limiter": {"ceiling_db": -31}}),
     ["chain.limiter.ceiling_db: -31 is outside -30..0"]),
    ("limiter_number", P({"limiter": -1}),
     ["chain.limiter: expected an object or null, found a number"]),
    ("limiter_unknown_key", P({"limiter": {"ceiling": -1}}), ["chain.limiter.ceiling: unknown key"]),
]

ALL_BOUNDS = {
    "input_gain_db": -60, "output_gain_db": 24,
    "eq": [{"type": "peak", "freq_hz": 10, "gain_db": -30, "q": 0.1},
           {"type": "peak", "freq_hz": 20000, "gain_db": 30, "q": 40},
           {"type": "low_shelf", "freq_hz": 100, "gain_db": 30, "q": 0.1},
           {"type": "high_shelf", "freq_hz": 10000, "gain_db": -30, "q": 40},
           {"type": "highpass", "freq_hz": 10, "q": 0.1},
           {"type": "lowpass", "freq_hz": 23999, "q": 40}],
    "compressor": {"threshold_db": -80, "ratio": 100, "knee_db": 24, "attack_ms": 0.05,
                   "release_ms": 5000, "makeup_db": 36, "detector": "rms"},
    "limiter": {"ceiling_db": -30}}
ALL_BOUNDS_2 = {
    "input_gain_db": 24, "output_gain_db": -60, "eq": [],
    "compressor": {"threshold_db": 0, "ratio": 1, "knee_db": 0, "attack_ms": 500,
                   "release_ms": 1, "makeup_db": -24, "detector": "peak"},
    "limiter": {"ceiling_db": 0}}

NAME_256 = "Stra\u00dfe \U0001F3A4 "
NAME_256 += "x" * (256 - len(NAME_256.encode()))  # exactly the 256-byte limit

VALID = [
    ("eq_empty", P({"eq": []})),
    ("chain_empty", P({})),
    ("no_compressor_no_limiter", P({"eq": [band()]})),
    ("compressor_null_limiter_null", P({"eq": [band()], "compressor": None, "limiter": None})),
    ("defaults_q_knee_attack", P({"eq": [{"type": "peak", "freq_hz": 500, "gain_db": 2},
                                         {"type": "highpass", "freq_hz": 30}],
                                  "compressor": {"threshold_db": -18, "ratio": 3},
                                  "limiter": {}})),
    ("analysis_nested", P({}, analysis={"source": "take.wav", "ok": True, "none": None,
                                        "bands": [{"f": 100, "g": [1, 2.5, {"x": None}]}],
                                        "notes": {"a": {"b": {"c": ["d", []]}}}})),
    ("analysis_64_levels", raw('{"bxpreset":1,"chain":{},"analysis":{"a":' + nested(62) + "}}")),
    ("bxpreset_1.0", raw('{"bxpreset":1.0,"chain":{}}')),
    ("bxpreset_2", raw('{"bxpreset":2,"chain":{}}')),
    ("bxpreset_2_branch", raw('{"bxpreset":2,"chain":{"compressor":{"threshold_db":-30,"ratio":4,'
                              '"detector":"branch"}}}')),
    ("name_unicode_and_256_bytes", P({}, name=NAME_256, description="a take, \u00e9t\u00e9")),
    ("utf8_bom", b"\xef\xbb\xbf" + P({})),
    ("surrogate_pair_escape", raw('{"bxpreset":1,"name":"mic \\ud83c\\udfa4","chain":{}}')),
    ("bands_32", P({"eq": [band(freq_hz=100 + 100 * i, gain_db=0.5) for i in range(32)]})),
    ("every_bound_low", P(ALL_BOUNDS)),
    ("every_bound_high", P(ALL_BOUNDS_2)),
    ("crlf_and_tabs", P({"eq": [band()]}).replace(b", ", b",\r\n\t")),
]

SQRT_HALF = 0.7071067811865476
# (label, preset with the field omitted, preset with the default written out)
DEFAULTS = [
    ("peak q defaults to 1",
     {"eq": [{"type": "peak", "freq_hz": 700, "gain_db": 6}]},
     {"eq": [{"type": "peak", "freq_hz": 700, "gain_db": 6, "q": 1}]}),
    ("highpass/lowpass q default to 0.7071",
     {"eq": [{"type": "highpass", "freq_hz": 60}, {"type": "lowpass", "freq_hz": 9000}]},
     {"eq": [{"type": "highpass", "freq_hz": 60, "q": SQRT_HALF},
             {"type": "lowpass", "freq_hz": 9000, "q": SQRT_HALF}]}),
    ("shelf q defaults to 0.7071",
     {"eq": [{"type": "low_shelf", "freq_hz": 120, "gain_db": 4},
             {"type": "high_shelf", "freq_hz": 6000, "gain_db": -4}]},
     {"eq": [{"type": "low_shelf", "freq_hz": 120, "gain_db": 4, "q": SQRT_HALF},
             {"type": "high_shelf", "freq_hz": 6000, "gain_db": -4, "q": SQRT_HALF}]}),
    ("compressor knee 6, attack 5, release 100, makeup 0, detector peak",
     {"compressor": {"threshold_db": -30, "ratio": 5}},
     {"compressor": {"threshold_db": -30, "ratio": 5, "knee_db": 6, "attack_ms": 5,
                     "release_ms": 100, "makeup_db": 0, "detector": "peak"}}),
    ("limiter ceiling defaults to -1 dB",
     {"input_gain_db": 12, "limiter": {}},
     {"input_gain_db": 12, "limiter": {"ceiling_db": -1}}),
    ('"compressor": null and "limiter": null mean none',
     {"eq": [band()], "compressor": None, "limiter": None},
     {"eq": [band()]}),
    ("input/output gain default to 0 dB",
     {"eq": [band()]},
     {"eq": [band()], "input_gain_db": 0, "output_gain_db": 0}),
]


REP = bxtest.Report()


def run(work, preset, out="out.wav", extra=(), timeout=120, cost=None):
    """bxlive PRESET --render take.wav OUT; (exit, stdout, stderr lines). With a dict
    `cost` and bx_peakrss at hand, also cost["s"] (seconds) and cost["mb"] (peak MB)."""
    cmd = [BXLIVE, preset, "--render", "take.wav", out] + list(extra)
    report = os.path.join(work, "peak.txt")
    if cost is not None and PEAKRSS:
        cmd = [PEAKRSS, report] + cmd
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=work, capture_output=True, timeout=timeout)
    if cost is not None:
        cost["s"] = time.monotonic() - t0
        if PEAKRSS:
            with open(report) as f:
                cost["mb"] = int(f.read().split()[0]) / 1024
            os.remove(report)
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace").splitlines()


def shorten(s, n=220):
    s = s.replace("\x1b", "\\x1b")
    return s if len(s) <= n else s[:n] + f"... ({len(s)} chars)"


def tmp_left(work):
    return [n for n in os.listdir(work) if n.endswith(".tmp")]


def check_malformed(work):
    worst = None
    slowest, biggest = ("", 0.0), ("", 0.0)
    for name, text, want in MALFORMED:
        fname = f"bad_{name}.json"
        path = os.path.join(work, fname)
        if text is FOLDER:
            os.makedirs(path)
        elif text is not MISSING:
            with open(path, "wb") as f:
                f.write(text)
        out = os.path.join(work, "out.wav")
        if os.path.exists(out):
            os.remove(out)
        cost = {}
        rc, so, se = run(work, fname, cost=cost)
        prefix = f"bxlive: {fname}: "
        problems = []
        if cost["s"] > COST_SECONDS or cost.get("mb", 0) > COST_MB:
            problems.append(f"took {cost['s']:.2f} s and {cost.get('mb', 0):.0f} MB")
        if cost["s"] > slowest[1]:
            slowest = (name, cost["s"])
        if cost.get("mb", 0) > biggest[1]:
            biggest = (name, cost["mb"])
        if rc != 3:
            problems.append(f"exit {rc}, expected 3")
        if so:
            problems.append("stdout not empty")
        if len(se) != 1:
            problems.append(f"{len(se)} stderr lines, expected 1")
        first = se[0] if se else ""
        if not first.startswith(prefix):
            problems.append(f"does not start with {prefix!r}")
        text_all = "\n".join(se)
        missing = [w for w in want
                   if not any(alt in text_all for alt in (w if isinstance(w, tuple) else (w,)))]
        if missing:
            problems.append(f"lacks {missing!r}")
        if os.path.exists(out):
            problems.append("out.wav was created")
        left = tmp_left(work)
        if left:
            problems.append(f"left {left}")
        msg = shorten(" | ".join(se)) if se else "(no stderr)"
        REP.check(not problems, f"{name}: exit 3, one line naming {fname} and "
                  f"{want[0]!r}", msg + ("" if not problems else " -- " + "; ".join(problems)))
        if problems and worst is None:
            worst = name
        if text is FOLDER:
            os.rmdir(path)
        elif text is not MISSING:
            os.remove(path)
    print(f"      ({len(MALFORMED)} malformed presets; first failure: {worst or 'none'})")
    REP.check(len(MALFORMED) >= 40, f"at least 40 malformed presets are tried ({len(MALFORMED)})")
    print(f"      slowest: {slowest[0]} {slowest[1]:.2f} s; largest: "
          + (f"{biggest[0]} {biggest[1]:.1f} MB" if PEAKRSS else "not measured (no bx_peakrss)"))


def check_many_keys(work):
    # about 3.5 MB, under the 4 MiB limit: ~320 000 distinct keys in "analysis"
    n = 320000
    body = ",".join(f'"k{i}":0' for i in range(n))
    text = '{"bxpreset":1,"chain":{},"analysis":{' + body + "}}"
    fname = "many_keys.json"
    with open(os.path.join(work, fname), "w") as f:
        f.write(text)
    out = os.path.join(work, "out.wav")
    if os.path.exists(out):
        os.remove(out)
    limit = 10.0
    t0 = time.monotonic()
    try:
        rc, so, se = run(work, fname, timeout=limit)
        took = time.monotonic() - t0
        ok = took <= limit and rc in (0, 3) and len(se) == 1 and not so
        detail = f"exit {rc} after {took:.2f} s: {shorten(' | '.join(se))}"
    except subprocess.TimeoutExpired:
        ok = False
        detail = f"still running after {limit:g} s, stopped"
    REP.check(ok, f"a {len(text) / 1e6:.1f} MB preset with {n} keys in analysis is decided "
              f"within {limit:g} s", detail)
    os.remove(os.path.join(work, fname))
    if os.path.exists(out):
        os.remove(out)


def check_valid(work, frames):
    for name, text in VALID:
        fname = f"ok_{name}.json"
        with open(os.path.join(work, fname), "wb") as f:
            f.write(text)
        out = os.path.join(work, "out.wav")
        if os.path.exists(out):
            os.remove(out)
        rc, so, se = run(work, fname)
        ok = rc == 0 and os.path.exists(out) and not so and len(se) == 1 \
            and se[0].startswith("bxlive: rendered ")
        if ok:
            ok = sf.info(out).frames == frames
        REP.check(ok and not tmp_left(work), f"valid {name}: renders",
                  f"exit {rc}: {shorten(' | '.join(se))}")
        os.remove(os.path.join(work, fname))


def check_defaults(work):
    x, _ = sf.read(os.path.join(work, "take.wav"), dtype="float32", always_2d=True)
    for i, (label, omitted, explicit) in enumerate(DEFAULTS):
        outs = []
        for kind, chain in (("omitted", omitted), ("explicit", explicit)):
            fname = f"def{i}_{kind}.json"
            with open(os.path.join(work, fname), "wb") as f:
                f.write(P(chain))
            out = f"def{i}_{kind}.wav"
            rc, so, se = run(work, fname, out=out, extra=["--quiet"])
            outs.append((rc, os.path.join(work, out), se))
        if any(rc != 0 for rc, _, _ in outs):
            REP.check(False, f"default: {label}",
                      "; ".join(f"exit {rc}: {' | '.join(se)}" for rc, _, se in outs))
            continue
        a, _ = sf.read(outs[0][1], dtype="float32", always_2d=True)
        b, _ = sf.read(outs[1][1], dtype="float32", always_2d=True)
        same = a.shape == b.shape and np.array_equal(a, b)
        dev = 0.0 if same else float(np.max(np.abs(a.astype(np.float64) - b))) \
            if a.shape == b.shape else float("inf")
        changed = not np.array_equal(a, x)  # the stage does something at all
        REP.check(same and changed, f"default: {label} (bit-identical render)",
                  f"max |diff| {dev:.3g}" + ("" if changed else "; output equals input?"))
    # a chain with no stages is the identity
    with open(os.path.join(work, "identity.json"), "wb") as f:
        f.write(P({}))
    rc, so, se = run(work, "identity.json", out="identity.wav", extra=["--quiet"])
    y = sf.read(os.path.join(work, "identity.wav"), dtype="float32", always_2d=True)[0] \
        if rc == 0 else None
    REP.check(rc == 0 and y.shape == x.shape and np.array_equal(x, y),
              "an empty chain passes the input through bit for bit", f"exit {rc}")


def main():
    work = bxtest.scratch("cli_presets-")
    print(f"bxlive {BXLIVE}\nwork   {work}")
    subprocess.run([BXGEN, "take", os.path.join(work, "take.wav"), "--seconds", "1", "--rate",
                    "48000"], check=True)
    frames = sf.info(os.path.join(work, "take.wav")).frames
    REP.part(check_malformed, work)
    REP.part(check_many_keys, work)
    REP.part(check_valid, work, frames)
    REP.part(check_defaults, work)
    REP.finish(work)


if __name__ == "__main__":
    main()
