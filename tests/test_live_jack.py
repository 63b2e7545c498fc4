#!/usr/bin/python3
"""test_live_jack — `bxlive PRESET --host jack` in a real JACK graph, sample for sample.

The test starts its own JACK server (dummy driver, so no sound card is needed;
the first of a few fixed names that no running server has) and drives bxlive
with jack_io, a small libjack client that plays a WAV file into the graph and
captures what comes back, and pa_passthrough, a bare PortAudio passthrough
that is the latency reference. The server is always stopped at the end.

Promises checked (each line of output names one, with the measured numbers):
  a. at a 1024-frame period, a full preset (EQ + compressor + limiter) fed a
     5 s bxgen take through the graph gives, once the graph's fixed delay is
     removed (found by cross-correlation, reported in frames and in periods),
     the output of `bxlive PRESET --render` of the same file within 1e-6
     (largest absolute difference; one more try if the server itself
     reported xruns during the run); PortAudio flags no xrun to bxlive when
     the server (counted by a second jack_io over bxlive's whole life) had
     none (bxlive's own count of late callbacks is reported); every
     --status-json line parses and has t, in_peak_db, out_peak_db, gr_db,
     cpu (0..1), xruns, bypass, reloads, ring_overflows, the first being the
     start event (host, devices, channels, rate, buffer, duplex, reported
     latencies); SIGTERM exits 0;
  b. zero added latency: the round trip through bxlive is exactly the round
     trip through pa_passthrough (which copies its input bit for bit),
     measured in the same run;
  c. at a 64-frame period, bxlive and pa_passthrough run together for 4 s
     and bxlive's xrun count (its status JSON) is reported next to the
     passthrough's and the server's (reported, not judged: this is the
     machine's noise); --duration exits 0;
  d. SIGTERM during --record exits 0 and leaves a float WAV that soundfile
     opens, as long as the stream ran, holding the processed audio up to the
     signal: equal to what the graph received (1e-6) and ending within two
     periods of the last frame bxlive sent;
  d2. every signal works every time: three SIGHUPs 1 s apart reload three
     times and leave bxlive running, and two SIGINTs 10 ms apart end it as
     one does (exit 0, the final status line, a finalized --record file);
  d3. recordings never replace or lose anything: --record onto an existing
     file records to "NAME-2.wav" (saying so) and leaves the file as it
     was; .flac records FLAC; .ogg, a name equal to the preset and
     --record equal to --record-dry are refused (exit 2) before the stream
     opens; a disk that fills mid-recording (the file size limit,
     RLIMIT_FSIZE, with SIGXFSZ ignored) is said at once on stderr and in
     the status JSON ("record_failed"), the run exits 5, and what was
     recorded before stays a valid WAV;
  e. hot reload, on two steady tones: rewriting the preset file with other
     gains switches the output to the new chain (it is the old preset's
     render up to the switch and the new preset's render once settled), the
     largest sample-to-sample step around the switch stays within what the
     20 ms crossfade allows given the two signals' own steps, and `reloads`
     counts 1; a preset made invalid afterwards is refused with a message
     naming the file and the field, `reloads` stays 1 and the output keeps
     flowing (still the new chain's);
  i. --duplex split (an input and an output stream joined by a ring): the
     live output at period 1024 equals `--render` of the take once the
     graph delay is removed (1e-6), the round trip is the full-duplex one
     plus at most one period (a run in which the server itself xrunned is
     tried once more, as in a), and the status JSON counts no bridge
     underruns or drops (when the server saw no xruns);
  l. a preset saved in place in two writes 0.6 s apart (the second keeping
     the first's modification time, as when both land within one tick of the
     file system's clock) is never applied half written: the output stays
     the old preset's render until the file is complete, then switches to
     the new one; a file left truncated afterwards keeps the new chain
     running; each incomplete file gets one stderr line naming it;
  h. --learn 4 --save --record-dry, fed a take: bxlive prints the fit
     (bands, compressor, levels, the spectrum distance to the reference
     before and after) and writes a preset whose chain is bit for bit, and
     whose record but for the take's name is, what `bxanalyze PRESET
     --source DRY` makes of the dry recording of the same samples (the fit
     against the reference's profile in the preset, no reference audio); the
     learned EQ brings the take's 1/3-octave spectrum at least 30 % closer
     to the reference's; with nothing connected, a connected input that
     plays digital silence, or a clipping input it exits 4, with a preset
     that has no reference profile 3, each with one line saying why and
     nothing written;
  m. --status-json --status-spectrum with a preset made from five steady
     tones, fed those tones: the start line gives the 1/3-octave centres
     (IEC base 10, 40 Hz - 16 kHz) and ref_db, the reference's bands from the
     preset's profile, equal within 0.1 dB in the tones' bands to a numpy
     third-octave analysis written here from bx/bands.h's definition; a
     status line 2-4 s in gives mic_db equal to that analysis of what was
     played within 0.2 dB in the tones' bands, and out_db that analysis of
     the preset's --render of the tones;
  n. --learn 3 --save on a pseudo-terminal: a count-in ("perform in 3"),
     the progress, the fit, then the result offered and playing (b shows
     BYPASS), and k saves a --source preset; a clipping input is said and
     listened to again after a count-in, and q before the end exits 130
     with nothing written;
  j. CPU load: with stress-ng on every core (the sub-check is skipped without
     it) and the server stopped twice for 0.4 s (SIGSTOP: the server starved
     of CPU, so that xruns happen for sure), bxlive keeps running and exits 0
     on SIGTERM; each stall is counted (a PortAudio xrun flag and a gap in
     the stream clock); the callbacks count the elapsed time less the stalls
     and no status second loses time without an xrun; --record and
     --record-dry hold every block processed (callbacks x period); the gaps
     found on the way in (dry recording against what was played) and on the
     way out (capture against the recording) are no more than the xruns;
  k. a recording disk slower than real time (the writer held to 4800 bytes/s
     by the test hook BX_TEST_RECORD_THROTTLE_BPS): `ring_overflows` and the
     final report count the dropped blocks, the live output still equals
     `--render` (1e-6) with no xrun, SIGTERM exits 0, and the recording is a
     valid WAV of whole processed blocks in order, recorded + dropped =
     blocks processed;
  f. killing the JACK server mid-stream makes bxlive exit with code 6 and a
     message within 5 s (and a --learn beside it exit 6 with nothing
     written), leaving its --record and --record-dry files finalized,
     readable and of one length: the dry one is what jack_io
     played up to the kill (ending within two periods of its last frame), the
     processed one what the graph received (but for the last two periods,
     which the kill may cut short; neither judged if the server skipped
     cycles).

Environment: BXLIVE, BXGEN (programs), BX_TEST_TMP (scratch folder). jack_io
and pa_passthrough are looked for next to BXLIVE (the build puts them there
when pkg-config finds jack), or given by BX_JACK_IO and BX_PA_PASSTHROUGH.
Exit status: 0 all passed, 1 a check failed, 77 skipped (numpy or soundfile
missing, the JACK helpers not built, or no JACK server can be started here).
A missing stress-ng skips only its sub-check of j (reported, not counted).
"""

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import bxtest  # noqa: E402

np = bxtest.need("numpy")
sf = bxtest.need("soundfile")
BXLIVE, BXGEN, BXANALYZE = bxtest.programs("BXLIVE", "BXGEN", "BXANALYZE")
SRC_DIR = bxtest.source_dir()
RATE = 48000


def helper(env_name, prog):
    path = os.environ.get(env_name) or os.path.join(os.path.dirname(BXLIVE), prog)
    if not os.access(path, os.X_OK):
        bxtest.skip(f"{prog} was not built (pkg-config did not find jack): {path}")
    return os.path.abspath(path)


JACK_IO = helper("BX_JACK_IO", "jack_io")
PA_PT = helper("BX_PA_PASSTHROUGH", "pa_passthrough")
JACKD = shutil.which("jackd") or \
    bxtest.skip("jackd is not installed (Debian: apt-get install jackd2)")

FULL = bxtest.FULL_PRESET

# the same stages with other gains: what the hot reload switches to
OTHER = json.loads(json.dumps(FULL))
OTHER["name"] = "other"
OTHER["chain"]["input_gain_db"] = -2
OTHER["chain"]["eq"][1]["gain_db"] = 6
OTHER["chain"]["eq"][2]["gain_db"] = -6
OTHER["chain"]["output_gain_db"] = -5

# then an invalid one: a compressor ratio below 1
BROKEN = json.loads(json.dumps(OTHER))
BROKEN["chain"]["compressor"]["ratio"] = 0.5

STATUS_FIELDS = ("t", "in_peak_db", "out_peak_db", "gr_db", "cpu", "xruns", "bypass",
                 "reloads", "ring_overflows")


REP = bxtest.Report()
CHILDREN = []  # every process started, killed at the end if still running


def spawn(args, env, **kw):
    p = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, preexec_fn=die_with_parent, **kw)
    CHILDREN.append(p)
    return p


def kill_children():
    for p in CHILDREN:
        if p.poll() is None:
            p.kill()
            p.wait()


def reap(p, timeout):
    """Wait for p; returns (rc, stdout, stderr), rc None if it had to be killed.
    (The programs print little, so their pipes cannot fill up; reading after the
    wait also keeps what wait_start_event has buffered.)"""
    try:
        rc = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = None
    out, err = p.stdout.read(), p.stderr.read()
    p.stdout.close()
    p.stderr.close()
    return rc, out, err


def own_lines(err):
    """stderr without the noise ALSA and JACK print while PortAudio probes them."""
    keep = []
    for line in (err or "").splitlines():
        if line.startswith(("ALSA lib", "Cannot connect to server", "jack server is not",
                            "JackShmReadWritePtr")) or not line.strip():
            continue
        keep.append(line)
    return keep


def die_with_parent():
    """In the child: get SIGTERM if the test itself dies (Linux), so that no server
    or client outlives it."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Jackd:
    """A private JACK server on the dummy driver; always stopped by stop().

    JACK keeps at most 8 servers in its registry, and the entry of a server that
    was killed (part f) is freed only when a server of the same name starts again.
    So the names come from a small fixed set (the first one not running now is
    taken), and a killed server is followed by a new one of the same name."""

    NAMES = [f"bxlivetest{i}" for i in range(6)]

    def __init__(self, period, prefer=None):
        self.period = period
        self.names = ([prefer] if prefer else []) + [n for n in Jackd.NAMES if n != prefer]
        self.name = None
        self.proc = None
        self.env = None
        self.log = ""
        self.logf = None
        self.killed = False

    def _env(self, name):
        env = dict(os.environ, JACK_DEFAULT_SERVER=name, JACK_NO_AUDIO_RESERVATION="1",
                   JACK_NO_START_SERVER="1")
        if "ASAN_OPTIONS" in env:  # sanitized build: ALSA plugins' own leaks are not bx's
            env["ASAN_OPTIONS"] += ":fast_unwind_on_malloc=0"
            supp = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lsan-alsa-plugins.supp")
            env["LSAN_OPTIONS"] = f"suppressions={supp}:print_suppressions=0"
        return env

    def _try(self, name, extra):
        env = self._env(name)
        self.logf = tempfile.TemporaryFile("w+")  # a pipe could fill up and stall the server
        self.proc = subprocess.Popen(
            [JACKD, *extra, "-n", name, "-d", "dummy", "-r", str(RATE), "-p", str(self.period)],
            env=env, stdout=self.logf, stderr=subprocess.STDOUT, text=True,
            preexec_fn=die_with_parent)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and self.proc.poll() is None:
            probe = subprocess.run([JACK_IO, "--name", "probe", "--seconds", "0", "--wait", "0",
                                    "--timeout", "1"], env=env, capture_output=True, text=True,
                                   timeout=20)
            if probe.returncode == 0:
                self.name, self.env = name, env
                return True
            time.sleep(0.2)
        self.stop()
        return False

    def start(self):
        for name in self.names:
            for extra in ([], ["--no-realtime"]):
                if self._try(name, extra):
                    return True
                if "Too many servers" in self.log:
                    return False
                if "already active" in self.log:
                    break  # a server of this name runs: take the next name
        return False

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.killed = True

    def sweep(self):
        """After a killed server's successor has stopped: remove the semaphores its
        clients left in /dev/shm (POSIX named semaphores, so unlinking is safe)."""
        shm = "/dev/shm"
        if not self.name or not os.path.isdir(shm):
            return
        for n in os.listdir(shm):
            if n.startswith("jack_sem.") and f"_{self.name}_" in n:
                try:
                    os.unlink(os.path.join(shm, n))
                except OSError:
                    pass

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.logf:
            self.logf.seek(0)
            self.log = self.logf.read()
            self.logf.close()
            self.logf = None


def missed_cycles(log):
    """{"client, state": count} of the server's "client = X was not finished, state = S"
    lines: the cycles in which a client did not finish in time, and where it was."""
    counts = {}
    for m in re.finditer(r"client = (\S+) was not finished, state = (\w+)", log or ""):
        key = f"{m.group(1)}, {m.group(2)}"
        counts[key] = counts.get(key, 0) + 1
    return counts


START_FIELDS = ("preset", "host", "input", "output", "in_channel", "out_channels", "rate",
                "buffer_frames", "duplex", "in_latency_ms", "out_latency_ms", "bypass")
STARTS = []  # the start events parse_status has seen, in order


def parse_status(out):
    """(objects, bad lines) of bxlive's --status-json stdout. The first line is
    the start event (appended to STARTS when it has every START_FIELDS; a start
    event anywhere else, or one missing a field, is a bad line)."""
    objs, bad = [], []
    for i, line in enumerate(ln for ln in out.splitlines() if ln.strip()):
        try:
            o = json.loads(line)
        except ValueError:
            bad.append(line)
            continue
        if isinstance(o, dict) and o.get("event") == "start":
            ok = i == 0 and all(k in o for k in START_FIELDS)
            (STARTS if ok else bad).append(o if ok else line)
            continue
        ok = isinstance(o, dict) and all(k in o for k in STATUS_FIELDS) and \
            isinstance(o["bypass"], bool) and \
            all(isinstance(o[k], (int, float)) and not isinstance(o[k], bool)
                for k in STATUS_FIELDS if k != "bypass") and 0.0 <= o["cpu"] <= 1.0
        (objs if ok else bad).append(o if ok else line)
    return objs, bad


def jio_events(out):
    ev = {}
    for line in out.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if isinstance(o, dict) and "event" in o:
            ev[o["event"]] = o
    return ev


def read_mono(path):
    x, fs = sf.read(path, dtype="float32", always_2d=True)
    return x[:, 0].astype(np.float64), fs


def lag_of(y, x):
    """The delay d >= 0 that best maps x onto y (y[n] ~ x[n - d]), by FFT cross-correlation."""
    n = 1 << int(math.ceil(math.log2(len(x) + len(y))))
    c = np.fft.irfft(np.fft.rfft(y, n) * np.conj(np.fft.rfft(x, n)), n)
    return int(np.argmax(c[:len(y)]))


def max_diff(a, b):
    m = min(len(a), len(b))
    return float(np.max(np.abs(a[:m] - b[:m]))) if m else float("inf")


def block_continuity(rec, source, period, merge=8):
    """How `rec`, cut into periods from its start (a callback's block each), follows
    `source`: every block that is not all zeros is looked up in `source`, bit for bit.
    Returns (found, gaps, garbled): blocks found; gaps, places where a block is not
    the one that follows the block before it (a period lost, repeated or garbled on
    the way; breaks less than `merge` blocks apart are one gap, as one xrun can
    repeat a period and lose the next); and blocks found nowhere in source."""
    src = np.ascontiguousarray(source, dtype=np.float32)
    bits = src.view(np.uint32).astype(np.uint64)
    keys = (bits[:-1] << np.uint64(32)) | bits[1:]  # two samples: a key nearly unique in noise
    where = dict(zip(keys.tolist(), range(len(keys))))
    blocks = np.ascontiguousarray(rec[:len(rec) // period * period], dtype=np.float32)
    found = gaps = garbled = 0
    expect = last_break = None
    for n, b in enumerate(blocks.reshape(-1, period)):
        if not np.any(b):
            continue
        i = int(np.argmax(np.abs(b[:-1])))  # a key of two samples, the first not zero
        pair = b[i:i + 2].view(np.uint32)
        at = where.get((int(pair[0]) << 32) | int(pair[1]), -1) - i
        ok = at >= 0 and np.array_equal(src[at:at + period], b[:len(src) - at])
        if ok:
            found += 1
        else:
            garbled += 1
        if ok and (expect is None or at == expect):
            expect = at + period
            continue
        if last_break is None or n - last_break >= merge:
            gaps += 1
        last_break = n
        if ok:
            expect = at + period
    return found, gaps, garbled


def write_preset(path, obj):
    """Replace the preset file in one step (a reader never sees half of it)."""
    tmp = path + ".new"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def render(preset, wav, out):
    r = subprocess.run([BXLIVE, preset, "--render", wav, out, "--quiet"],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"bxlive --render {wav}: {bxtest.tell(r)}")
    return read_mono(out)[0]


def start_bxlive(server, preset, *extra):
    return spawn([BXLIVE, preset, "--host", "jack", *extra], server.env)


def start_jack_io(server, play, cap, seconds, client="bxlive", wait=1.0, name="jio"):
    return spawn([JACK_IO, "--name", name, "--play", play, "--to", f"{client}:in_0",
                  "--from", f"{client}:out_0", "--capture", cap, "--seconds", str(seconds),
                  "--wait", str(wait), "--timeout", "15"], server.env)


def wait_start_event(p, timeout=20):
    """Read jack_io's stdout until its start line; returns the wall time it was seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            return None
        if '"start"' in line:
            return time.monotonic()
    return None


def finish_jack_io(p, timeout=30):
    rc, out, err = reap(p, timeout)
    return rc, jio_events(out), err


# ---------------------------------------------------------------------------

def start_monitor(srv, name):
    """A jack_io that only counts the server's xruns, registered before this returns."""
    mon = spawn([JACK_IO, "--name", name, "--seconds", "120", "--wait", "0"], srv.env)
    wait_start_event(mon)
    return mon


def stop_monitor(mon):
    mon.send_signal(signal.SIGTERM)
    rc, ev, _ = finish_jack_io(mon, 10)
    return ev.get("stop", {}).get("xruns")


def run_live(srv, tmp, take, full_json, tag, attempt, *args):
    """One live run of the take through bxlive (with args); returns what parts a
    and i judge."""
    cap = os.path.join(tmp, f"{tag}_cap{attempt}.wav")
    mon = start_monitor(srv, f"xmon_{tag}")  # the server's own xruns over bxlive's whole life
    bx = start_bxlive(srv, full_json, "--status-json", *args)
    jio = start_jack_io(srv, take, cap, 6.0)
    jrc, jev, jerr = finish_jack_io(jio)
    time.sleep(1.1)  # one more status line after the signal
    bx.send_signal(signal.SIGTERM)
    rc, out, err = reap(bx, 10)
    server_xruns = stop_monitor(mon)
    return cap, jrc, jev, jerr, rc, out, err, server_xruns


def live_runs(srv, tmp, take, full_json, ref, tag, *args):
    """run_live, and once more if its output missed `ref` (the render) while
    the server itself reported xruns (whole cycles of the graph lost,
    whatever the client does: the machine was too busy for the server).
    Returns the last run's results, then y, the lag and the largest
    difference of its capture against ref (None, 0, inf if jack_io failed)."""
    for attempt in (1, 2):
        run = run_live(srv, tmp, take, full_json, tag, attempt, *args)
        cap, jrc, jev, server_xruns = run[0], run[1], run[2], run[7]
        y, lag, d = None, 0, float("inf")
        if jrc != 0 or "stop" not in jev:
            break
        y = read_mono(cap)[0]
        lag = lag_of(y, ref)
        d = max_diff(y[lag:lag + len(ref)], ref)
        if d <= 1e-6 or not server_xruns:
            break
        REP.note(f"{tag}. attempt {attempt}: max abs diff {d:.3g} with {server_xruns} server "
                 "xrun(s) during the run; trying again")
    return run + (y, lag, d)


def check_render_and_latency(srv, tmp, take, full_json):
    """a (render equality, status JSON at 1024) and b (round trip = passthrough's);
    the graph delay found goes to STATE["delay"]."""
    ref = render(full_json, take, os.path.join(tmp, "a_ref.wav"))
    x = read_mono(take)[0]
    (cap, jrc, jev, jerr, rc, out, err, server_xruns, y, lag,
     d) = live_runs(srv, tmp, take, full_json, ref, "a")
    REP.check(jrc == 0 and "stop" in jev, "jack_io ran its 6 s through bxlive",
              f"exit {jrc}, {jev.get('stop')}, {' | '.join(own_lines(jerr))}")
    REP.check(rc == 0, "a. SIGTERM stops bxlive --host jack with exit 0",
              f"exit {rc}; stderr: {' | '.join(own_lines(err))[-300:]}")
    if jrc != 0 or "stop" not in jev:
        return
    st = jev["stop"]
    delay = lag + st["capture_start_frame"] - st["play_start_frame"]
    STATE["delay"] = delay
    pre = float(np.max(np.abs(y[:lag]))) if lag else 0.0
    REP.check(len(y) >= lag + len(ref) and d <= 1e-6,
              "a. live output at period 1024 equals `--render` of the same take "
              "once the graph delay is removed (max abs diff <= 1e-6)",
              f"delay {delay} frames = {delay / st['period']:g} period(s) of {st['period']}, "
              f"max abs diff {d:.3g} over {len(ref)} frames, output before the signal "
              f"peaks at {pre:.3g}, input peak {np.max(np.abs(x)):.3f}, "
              f"output peak {np.max(np.abs(ref)):.3f}, server xruns during the run "
              f"{server_xruns}")
    n_starts = len(STARTS)
    objs, bad = parse_status(out)
    REP.check(len(objs) >= 5 and not bad,
              "a. every --status-json line parses and has t, in_peak_db, out_peak_db, gr_db, "
              "cpu (0..1), xruns, bypass, reloads, ring_overflows",
              f"{len(objs)} good lines, {len(bad)} bad: {bad[:2]}")
    start = STARTS[-1] if len(STARTS) > n_starts else None
    REP.check(start is not None and "JACK" in start["host"] and start["rate"] == RATE
              and start["duplex"] == "joint" and start["out_channels"] == [1, 2]
              and start["in_latency_ms"] >= 0 and start["out_latency_ms"] > 0,
              "a. --status-json begins with the start event: host, devices, channels, rate, "
              "buffer, duplex and the reported latencies", f"{start}")
    if objs:
        last = objs[-1]
        parts = ", ".join(f"{k} {last[k]}" for k in ("flag_xruns", "late") if k in last)
        detail = (f"bxlive: xruns {last['xruns']}{' (' + parts + ')' if parts else ''} after "
                  f"{last['t']} s; the server's own count over bxlive's life: {server_xruns}")
        if server_xruns == 0:
            # PortAudio's flags must agree with the server. bxlive's own `late`
            # count (a gap in the stream clock) can also come from the scheduler
            # of a loaded or virtual machine while every sample is delivered
            # (the check above), so it is reported, not judged (as in k).
            REP.check(last.get("flag_xruns", last["xruns"]) == 0,
                      "a. at period 1024 PortAudio flags no xrun to bxlive (the server saw "
                      "none)", detail)
        else:
            REP.note(f"a. the machine made the server xrun, so bxlive's count is not judged: "
                     f"{detail}")
        REP.check(max(o["out_peak_db"] for o in objs) > -30 and
                  max(o["gr_db"] for o in objs) > 0,
                  "a. the status lines see the signal (output level and gain reduction)",
                  f"max out_peak_db {max(o['out_peak_db'] for o in objs):.1f}, "
                  f"max gr_db {max(o['gr_db'] for o in objs):.1f}")

    # b. the same round trip through a bare PortAudio passthrough
    short = os.path.join(tmp, "b_take.wav")
    sf.write(short, x[:RATE].astype(np.float32), RATE, subtype="FLOAT")
    cap_pt = os.path.join(tmp, "b_cap.wav")
    pt = spawn([PA_PT, "--name", "bxpt"], srv.env)
    jio = start_jack_io(srv, short, cap_pt, 2.0, client="bxpt", name="jiopt")
    jrc, jev2, jerr = finish_jack_io(jio)
    pt.send_signal(signal.SIGTERM)
    prc, pout, perr = reap(pt, 10)
    if not REP.check(jrc == 0 and "stop" in jev2 and prc == 0,
                     "b. pa_passthrough and jack_io ran", f"jack_io exit {jrc}, "
                     f"pa_passthrough exit {prc}: {' | '.join(own_lines(perr + jerr))[-300:]}"):
        return
    yp = read_mono(cap_pt)[0]
    st2 = jev2["stop"]
    lp = lag_of(yp, x[:RATE])
    dp = lp + st2["capture_start_frame"] - st2["play_start_frame"]
    exact = max_diff(yp[lp:lp + RATE], x[:RATE])
    REP.check(dp == delay and exact == 0.0,
              "b. zero added latency: the round trip through bxlive equals the round trip "
              "through a bare PortAudio passthrough",
              f"bxlive {delay} frames, pa_passthrough {dp} frames "
              f"({1000.0 * dp / RATE:.2f} ms, passthrough copies bit for bit: max diff {exact:g})")


def check_split_duplex(srv, tmp, take, full_json):
    """i. --duplex split: two streams and a ring, one period more at most."""
    ref = render(full_json, take, os.path.join(tmp, "i_ref.wav"))
    (cap, jrc, jev, jerr, rc, out, err, server_xruns, y, lag,
     d) = live_runs(srv, tmp, take, full_json, ref, "i", "--duplex", "split")
    if not REP.check(jrc == 0 and "stop" in jev and rc == 0,
                     "i. bxlive --duplex split ran under jack_io and stopped with exit 0",
                     f"jack_io exit {jrc}, bxlive exit {rc}: "
                     f"{' | '.join(own_lines(err + jerr))[-300:]}"):
        return
    st = jev["stop"]
    delay = lag + st["capture_start_frame"] - st["play_start_frame"]
    joint = STATE.get("delay")
    REP.check(len(y) >= lag + len(ref) and d <= 1e-6,
              "i. --duplex split: live output equals `--render` of the take once the graph "
              "delay is removed (max abs diff <= 1e-6)",
              f"max abs diff {d:.3g} over {len(ref)} frames, server xruns {server_xruns}")
    REP.check(joint is not None and joint <= delay <= joint + st["period"],
              "i. --duplex split adds at most one period to the full-duplex round trip",
              f"split {delay} frames, full duplex {joint} frames, period {st['period']}")
    objs, bad = parse_status(out)
    last = objs[-1] if objs else {}
    detail = ", ".join(f"{k} {last.get(k)}" for k in ("bridge_overflows", "bridge_underruns",
                                                       "bridge_drops", "xruns"))
    if server_xruns == 0:
        REP.check(not bad and "bridge_underruns" in last and last["bridge_underruns"] == 0 and
                  last["bridge_drops"] == 0 and last["bridge_overflows"] == 0,
                  "i. the status JSON counts no bridge overflow, underrun or drop", detail)
    else:
        REP.note(f"i. the server xrunned ({server_xruns}), bridge counts not judged: {detail}")


def check_xruns_at_period_64(tmp, full_json, name):
    """c. xruns at period 64: bxlive next to pa_passthrough and the server, same seconds."""
    srv = Jackd(64, name)
    if not srv.start():
        REP.check(False, "c. a JACK server at period 64 starts", srv.log[-300:])
        return
    STATE["second_server"] = srv.name
    try:
        mon = start_monitor(srv, "xmon")
        pt = spawn([PA_PT, "--name", "bxpt", "--seconds", "4"], srv.env)
        bx = start_bxlive(srv, full_json, "--status-json", "--duration", "4")
        prc, pout, perr = reap(pt, 15)
        rc, out, err = reap(bx, 15)
        server_xruns = stop_monitor(mon)
    finally:
        srv.stop()
    objs, bad = parse_status(out)
    REP.check(rc == 0 and bool(objs) and not bad,
              "c. at period 64, bxlive --duration 4 exits 0 and its status lines parse",
              f"exit {rc}, {len(objs)} lines, bad {bad[:2]}; "
              f"stderr: {' | '.join(own_lines(err))[-200:]}")
    pt_stop = jio_events(pout).get("stop", {})
    pt_x = pt_stop.get("xruns")
    REP.check(prc == 0 and isinstance(pt_x, int), "c. pa_passthrough ran and reports its xruns",
              f"exit {prc}, {pt_stop}")
    if objs:
        last = objs[-1]
        extra = ", ".join(f"{k} {last[k]}" for k in ("flag_xruns", "late", "callbacks")
                          if k in last)
        REP.note(f"c. xruns at period 64 (1.3 ms), both running together for ~4 s: bxlive "
                 f"{last['xruns']} by its last status line at t={last['t']} s"
                 f"{' (' + extra + ')' if extra else ''}; pa_passthrough {pt_x} callbacks "
                 f"flagged; the server notified {server_xruns} over the whole time; "
                 f"bxlive's largest cpu {max(o['cpu'] for o in objs):.3f}")


def recorded_session(srv, tmp, take, full_json, tag, *extra):
    """bxlive recording to TAG_rec.wav (and given `extra` options) while jack_io
    plays `take` into it for 5 s. Returns (rec, cap, t0, bxlive process, jack_io
    process, start time) or None (reported) if jack_io never started."""
    rec = os.path.join(tmp, f"{tag}_rec.wav")
    cap = os.path.join(tmp, f"{tag}_cap.wav")
    t0 = time.monotonic()
    bx = start_bxlive(srv, full_json, "--record", rec, "--quiet", *extra)
    jio = start_jack_io(srv, take, cap, 5.0, wait=0.5)
    ts = wait_start_event(jio)
    if ts is None:
        REP.check(False, f"{tag}. jack_io started playing into bxlive")
        return None
    return rec, cap, t0, bx, jio, ts


def check_record_sigterm(srv, tmp, take, full_json):
    """d. SIGTERM during --record."""
    session = recorded_session(srv, tmp, take, full_json, "d")
    if session is None:
        return
    rec, cap, t0, bx, jio, ts = session
    time.sleep(2.5)
    t_term = time.monotonic()
    bx.send_signal(signal.SIGTERM)
    rc, _, err = reap(bx, 10)
    t_exit = time.monotonic()
    jrc, jev, _ = finish_jack_io(jio)
    REP.check(rc == 0, "d. SIGTERM during --record exits 0",
              f"exit {rc} after {t_exit - t_term:.2f} s; {' | '.join(own_lines(err))[-200:]}")
    try:
        info = sf.info(rec)
        r, fs = read_mono(rec)
    except Exception as e:  # soundfile raises its own error types
        REP.check(False, "d. the --record file is a valid WAV that soundfile opens", str(e))
        return
    REP.check(info.subtype == "FLOAT" and fs == RATE and len(r) > 0,
              "d. the --record file is a valid float WAV that soundfile opens",
              f"{info.format}/{info.subtype}, {fs} Hz, {info.channels} ch, {len(r)} frames")
    # bxlive's ports appeared about `wait` seconds before jack_io started playing
    ran = t_term - (ts - 0.5)
    REP.check(abs(len(r) / RATE - ran) <= 0.3,
              "d. its length is the time the stream ran until SIGTERM (within 0.3 s)",
              f"{len(r) / RATE:.3f} s recorded, {ran:.3f} s from the stream's ports appearing to "
              f"SIGTERM ({t_term - t0:.3f} s from launch)")
    if jrc != 0:
        REP.check(False, "d. jack_io captured the graph", f"exit {jrc}")
        return
    y = read_mono(cap)[0]
    nz = np.nonzero(y)[0]
    if len(nz) == 0:
        REP.check(False, "d. bxlive's output reached the graph before SIGTERM")
        return
    cap_end = int(nz[-1]) + 1  # one past the last frame bxlive sent (in capture frames)
    k = lag_of(r, y[:cap_end])  # r[n] ~ y[n - k]
    seg = y[:cap_end]
    both = min(len(seg), len(r) - k)
    d = max_diff(r[k:k + both], seg[:both])
    rec_end = len(r) - k  # the recording's end in capture frames
    REP.check(d <= 1e-6 and both > RATE,
              "d. the recording holds the processed audio the graph received (max abs diff "
              "<= 1e-6)", f"max abs diff {d:.3g} over {both} frames")
    REP.check(abs(rec_end - cap_end) <= 2 * 1024,
              "d. the recording reaches the signal: it ends within two periods of the last "
              "frame bxlive sent", f"recording ends {rec_end - cap_end:+d} frames from it")


def check_repeated_signals(srv, tmp, full_json):
    """d2. every signal works every time: three SIGHUPs 1 s apart each reload, and two
    SIGINTs 10 ms apart end the monitor as one does (exit 0, the final status line, a
    finalized --record file)."""
    rec = os.path.join(tmp, "d2_rec.wav")
    bx = start_bxlive(srv, full_json, "--status-json", "--record", rec)
    time.sleep(2.0)
    for _ in range(3):
        if bx.poll() is not None:
            break
        bx.send_signal(signal.SIGHUP)
        time.sleep(1.0)
    alive = bx.poll() is None
    if alive:
        bx.send_signal(signal.SIGINT)
        time.sleep(0.01)
        bx.send_signal(signal.SIGINT)
    rc, out, err = reap(bx, 10)
    REP.check(alive, "d2. three SIGHUPs 1 s apart leave bxlive running",
              f"exit {rc}: {' | '.join(own_lines(err))[-200:]}")
    objs, _ = parse_status(out)
    reloads = objs[-1]["reloads"] if objs else None
    REP.check(reloads == 3, "d2. each SIGHUP reloaded the preset (reloads 3)",
              f"reloads {reloads}")
    REP.check(rc == 0 and bool(objs), "d2. two SIGINTs 10 ms apart: exit 0 with the final "
              "status line", f"exit {rc}, {len(objs)} status lines")
    try:
        info = sf.info(rec)
        ok = info.frames > RATE
        detail = f"{info.frames} frames"
    except Exception as e:  # soundfile raises its own error types
        ok, detail = False, str(e)
    REP.check(ok, "d2. the --record file is finalized and readable", detail)


def check_record_rules(srv, tmp, full_json):
    """d3. recordings never replace or lose anything."""
    old = os.path.join(tmp, "d3_take.wav")
    with open(old, "wb") as f:
        f.write(b"not to be replaced")
    flac = os.path.join(tmp, "d3_dry.flac")
    bx = start_bxlive(srv, full_json, "--duration", "1.5", "--record", old, "--record-dry", flac)
    rc, _, err = reap(bx, 30)
    numbered = os.path.join(tmp, "d3_take-2.wav")
    with open(old, "rb") as f:
        kept = f.read() == b"not to be replaced"
    try:
        ok = sf.info(numbered).frames > RATE and sf.info(flac).format == "FLAC"
    except Exception as e:  # soundfile raises its own error types
        ok = False
        err += str(e)
    REP.check(rc == 0 and kept and ok and "d3_take-2.wav" in err,
              "d3. --record onto an existing file records to NAME-2.wav and says so; the file "
              "stays as it was; .flac records FLAC", f"exit {rc}: {' | '.join(own_lines(err))[-300:]}")
    for label, extra in (("an .ogg recording", ["--record", os.path.join(tmp, "d3.ogg")]),
                         ("a recording named as the preset", ["--record", full_json]),
                         ("--record equal to --record-dry",
                          ["--record", os.path.join(tmp, "d3_same.wav"), "--record-dry",
                           os.path.join(tmp, "d3_same.wav")])):
        t0 = time.monotonic()
        bx = start_bxlive(srv, full_json, "--duration", "1", *extra)
        rc, _, err = reap(bx, 30)
        lines = own_lines(err)
        REP.check(rc == 2 and len(lines) == 1 and time.monotonic() - t0 < 5
                  and not os.path.exists(os.path.join(tmp, "d3_same.wav")),
                  f"d3. {label} is refused with one line, exit 2", f"exit {rc}: {lines}")

    import resource

    def small_disk():
        die_with_parent()
        resource.setrlimit(resource.RLIMIT_FSIZE, (100000, 100000))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    full = os.path.join(tmp, "d3_full.wav")
    bx = subprocess.Popen([BXLIVE, full_json, "--host", "jack", "--duration", "2", "--record",
                           full, "--status-json"], env=srv.env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, preexec_fn=small_disk)
    CHILDREN.append(bx)
    rc, out, err = reap(bx, 30)
    objs, _ = parse_status(out)
    said = [ln for ln in own_lines(err) if "recording failed" in ln]
    try:
        frames = sf.info(full).frames
        r, _ = read_mono(full)
        valid = len(r) == frames > RATE // 4
    except Exception as e:  # soundfile raises its own error types
        frames, valid = str(e), False
    REP.check(rc == 5 and len(said) == 1 and objs and objs[-1].get("record_failed") == full
              and valid,
              "d3. a disk full mid-recording: one stderr line, \"record_failed\" in the status "
              "JSON, exit 5, and what was recorded is a valid WAV",
              f"exit {rc}; {said}; last status {objs[-1] if objs else None}; frames {frames}")


def check_hot_reload(srv, tmp):
    """e. hot reload, then an invalid preset."""
    delay = STATE["delay"]
    # Two steady tones, so that the signal's own sample-to-sample steps are small
    # and a switch without a crossfade would stand out: 110 Hz (under the EQ's
    # 300 Hz bell) and 2.7 kHz (in its high shelf), 6 s.
    t = np.arange(6 * RATE) / RATE
    x = 0.25 * np.sin(2 * np.pi * 110 * t) + 0.08 * np.sin(2 * np.pi * 2700 * t)
    sig = os.path.join(tmp, "e_tones.wav")
    sf.write(sig, x.astype(np.float32), RATE, subtype="FLOAT")
    pj = os.path.join(tmp, "e_preset.json")
    write_preset(pj, FULL)
    r_old = render(pj, sig, os.path.join(tmp, "e_old.wav"))
    pn = os.path.join(tmp, "e_other.json")
    write_preset(pn, OTHER)
    r_new = render(pn, sig, os.path.join(tmp, "e_new.wav"))
    cap = os.path.join(tmp, "e_cap.wav")
    bx = start_bxlive(srv, pj, "--status-json")
    jio = start_jack_io(srv, sig, cap, 6.0, wait=0.5)
    ts = wait_start_event(jio)
    if ts is None:
        REP.check(False, "e. jack_io started playing into bxlive")
        return
    time.sleep(1.5)
    t_reload = time.monotonic()
    write_preset(pj, OTHER)
    time.sleep(2.5)
    t_bad = time.monotonic()
    write_preset(pj, BROKEN)
    jrc, jev, _ = finish_jack_io(jio)
    alive = bx.poll() is None
    time.sleep(0.3)
    bx.send_signal(signal.SIGTERM)
    rc, out, err = reap(bx, 10)
    if not REP.check(jrc == 0 and alive and rc == 0,
                     "e. bxlive keeps running through a reload and an invalid preset, "
                     "and stops with exit 0",
                     f"jack_io exit {jrc}, bxlive alive {alive}, exit {rc}"):
        return
    y = read_mono(cap)[0][delay:delay + len(r_old)]
    n = min(len(y), len(r_old))
    y, r_old, r_new = y[:n], r_old[:n], r_new[:n]
    dev = np.nonzero(np.abs(y - r_old) > 1e-6)[0]
    if not REP.check(len(dev) > 0, "e. the output leaves the old chain after the file changes"):
        return
    sw = int(dev[0])
    written = (t_reload - ts) * RATE - delay  # where the file was rewritten, in signal frames
    fade = int(round(0.020 * RATE))
    bad_at = int((t_bad - ts) * RATE) - delay
    settle = sw + RATE  # the new chain starts from the old one's state: let it settle 1 s
    e_new = max_diff(y[settle:bad_at], r_new[settle:bad_at])
    e_fade = max_diff(y[sw + fade:sw + fade + RATE // 10], r_new[sw + fade:sw + fade + RATE // 10])
    REP.check(sw > 0 and float(np.max(np.abs(y[:sw] - r_old[:sw]))) <= 1e-6 and e_new <= 1e-5,
              "e. the output is the old preset's render until the file changes, then the new "
              "preset's render (within 1e-5 once settled, 1 s after the switch)",
              f"switch {(sw - written) / RATE * 1000:+.0f} ms after the file was rewritten, "
              f"max diff to the new render {e_new:.3g} over {(bad_at - settle) / RATE:.2f} s "
              f"({e_fade:.3g} in the 100 ms right after the fade); old and new renders differ "
              f"by up to {max_diff(r_old[sw:], r_new[sw:]):.3f}")
    # steps: what a raised-cosine crossfade between the two signals allows there
    lo, hi = max(1, sw - RATE // 20), min(n, sw + fade + RATE // 20)
    step_live = float(np.max(np.abs(np.diff(y[lo - 1:hi]))))
    step_sig = max(float(np.max(np.abs(np.diff(r_old[lo - 1:hi])))),
                   float(np.max(np.abs(np.diff(r_new[lo - 1:hi])))))
    gap = float(np.max(np.abs(r_new[sw:sw + fade] - r_old[sw:sw + fade])))
    allowed = step_sig + math.pi / (2 * fade) * gap
    hard = float(np.max(np.abs(r_new[sw:sw + fade] - r_old[sw - 1:sw + fade - 1])))
    REP.check(step_live <= 1.1 * allowed,
              "e. no jump at the switch: the largest step within 50 ms of the 20 ms crossfade "
              "stays within the signals' own largest step plus the fade's slope (+10 %)",
              f"largest step {step_live:.5f}, the signals' own {step_sig:.5f}, allowed "
              f"{allowed:.5f}; switching without a fade would step by up to {hard:.4f}")
    objs, bad = parse_status(out)
    reloads = [o["reloads"] for o in objs]
    REP.check(bool(objs) and not bad and reloads[-1] == 1 and max(reloads) == 1,
              "e. `reloads` counts 1 for one valid change (and not the invalid one)",
              f"reloads per status line {reloads}")
    lines = own_lines(err)
    named = [ln for ln in lines if "ratio" in ln and os.path.basename(pj) in ln]
    REP.check(bool(named), "e. the invalid preset is refused with a message naming the file "
              "and the field", f"stderr: {' | '.join(lines)[-300:]}")
    tail_at = bad_at + int(0.3 * RATE)  # after bxlive has seen the file
    tail = y[tail_at:]
    e_tail = max_diff(tail, r_new[tail_at:])
    REP.check(len(tail) > RATE // 2 and float(np.max(np.abs(tail))) > 0.01 and e_tail <= 1e-5,
              "e. after the invalid preset the output keeps flowing through the new chain",
              f"{len(tail) / RATE:.2f} s checked after the invalid write, peak "
              f"{float(np.max(np.abs(tail))):.3f}, max diff to the new render {e_tail:.3g}")


def check_server_death(srv, tmp, take, full_json):
    """f. the JACK server dies under bxlive."""
    dry = os.path.join(tmp, "f_dry.wav")
    session = recorded_session(srv, tmp, take, full_json, "f", "--record-dry", dry)
    if session is None:
        return
    rec, cap, t0, bx, jio, ts = session
    # beside it, a --learn that the kill interrupts (the preset h made, with a profile)
    learn_preset, learn_save = os.path.join(tmp, "h_preset.json"), os.path.join(tmp, "f_learn.json")
    lbx = start_bxlive(srv, learn_preset, "--learn", "20", "--save", learn_save) \
        if os.path.exists(learn_preset) else None
    time.sleep(1.5)
    t_kill = time.monotonic()
    srv.kill9()
    if lbx:
        lrc, _, lerr = reap(lbx, 8)
        REP.check(lrc == 6 and not os.path.exists(learn_save),
                  "f. a --learn the kill interrupts exits 6 and writes nothing",
                  f"exit {lrc}; {' | '.join(own_lines(lerr))[-200:]}")
    rc, _, err = reap(bx, 8)
    t_exit = time.monotonic()
    jrc, jev, _ = finish_jack_io(jio)
    t_jio = time.monotonic()
    lines = own_lines(err)
    said = [ln for ln in lines if ln.startswith("bxlive:")]
    REP.check(rc == 6 and t_exit - t_kill <= 5.0 and bool(said),
              "f. killing the JACK server makes bxlive exit 6 with a message within 5 s",
              f"exit {rc} after {t_exit - t_kill:.2f} s; stderr: {' | '.join(lines)[-300:]}")
    try:
        r, fs = read_mono(rec)
        dr, dfs = read_mono(dry)
    except Exception as e:  # soundfile raises its own error types
        REP.check(False, "f. the --record and --record-dry files are finalized and readable",
                  str(e))
        return
    ran = t_kill - (ts - 0.5)
    REP.check(fs == RATE and dfs == RATE and abs(len(r) / RATE - ran) <= 0.3 and
              len(dr) == len(r),
              "f. the --record and --record-dry files are finalized and readable, of one "
              "length, as long as the stream ran (within 0.3 s)",
              f"{len(r) / RATE:.3f} s and {len(dr) / RATE:.3f} s recorded, {ran:.3f} s from "
              f"the stream's ports appearing to the kill ({t_kill - t0:.3f} s from launch)")
    stop = jev.get("stop", {})
    xr = stop.get("xruns") or 0
    seen = REP.check(jrc == 3 and "played_frames" in stop and os.path.exists(cap),
                     "f. jack_io saw the server go away and kept its capture",
                     f"jack_io exit {jrc} {t_jio - t_kill:.2f} s after the kill")
    if not seen or not len(r) or not len(dr):
        return
    # the dry recording against what jack_io played: the take from its start to
    # the kill (the kill can cut the last period short in either process)
    x = read_mono(take)[0]
    k = lag_of(dr, x)
    played = stop["played_frames"]
    both = min(len(dr) - k, played) - 2 * srv.period
    d = max_diff(dr[k:k + both], x[:both])
    end = len(dr) - k - played
    if (d > 1e-6 or abs(end) > 2 * srv.period) and xr:
        REP.note(f"f. the machine made the server xrun ({xr}), so the dry recording is not "
                 f"compared with what was played: max abs diff {d:.3g}, it ends {end:+d} "
                 "frames from the last frame played")
    else:
        REP.check(d <= 1e-6 and both > RATE // 2 and abs(end) <= 2 * srv.period,
                  "f. the --record-dry file holds what jack_io played into bxlive, to within "
                  "two periods of the last frame played before the kill",
                  f"max abs diff {d:.3g} over {both} frames; it ends {end:+d} frames from the "
                  f"last of {played} frames played")
    y = read_mono(cap)[0]
    nz = np.nonzero(y)[0]
    if not REP.check(len(nz) > 0, "f. bxlive's output reached the graph before the kill"):
        return
    seg = y[:int(nz[-1]) + 1]
    k = lag_of(r, seg)
    # the kill can cut the last period short in either process: the
    # last two periods are not compared
    both = min(len(seg), len(r) - k) - 2 * srv.period
    d = max_diff(r[k:k + both], seg[:both])
    if d > 1e-6 and xr:
        # a cycle the server skipped is audio the graph did not deliver
        REP.note(f"f. the machine made the server xrun ({xr}), so the recording is not "
                 f"compared with the capture: max abs diff {d:.3g} over {both} frames")
        return
    REP.check(d <= 1e-6 and both > RATE // 2,
              "f. what --record holds is the processed audio the graph received (all but the "
              "last two periods)", f"max abs diff {d:.3g} over {both} frames, {xr} xruns")


def noise_wav(tmp, name, seconds, seed):
    """Gaussian noise at -20 dBFS RMS (float WAV): every block of it is unique, so
    block_continuity can place any block of a recording."""
    x = np.clip(0.1 * np.random.default_rng(seed).standard_normal(int(seconds * RATE)), -0.5, 0.5)
    path = os.path.join(tmp, name)
    sf.write(path, x.astype(np.float32), RATE, subtype="FLOAT")
    return path, x.astype(np.float32).astype(np.float64)


def check_cpu_load(srv, tmp, full_json):
    """j. CPU load on every core and two stalls of the server, under --record."""
    period, stalls, stall_s, secs = srv.period, 2, 0.4, 8
    sig, x = noise_wav(tmp, "j_noise.wav", secs, 7)
    rec, dry, cap = (os.path.join(tmp, f"j_{n}.wav") for n in ("rec", "dry", "cap"))
    stress = shutil.which("stress-ng")
    if not stress:
        REP.skip("j. bxlive under stress-ng on every core",
                 "stress-ng is not installed (Debian: apt-get install stress-ng)")
    mon = start_monitor(srv, "xmon_j")
    bx = start_bxlive(srv, full_json, "--status-json", "--record", rec, "--record-dry", dry)
    jio = start_jack_io(srv, sig, cap, secs + 0.5, wait=0.5)
    if wait_start_event(jio) is None:
        REP.check(False, "j. jack_io started playing into bxlive")
        return
    cores = os.cpu_count() or 1
    load = spawn([stress, "--cpu", str(cores), "--timeout", f"{secs}s", "--quiet"],
                 srv.env) if stress else None
    stalled = 0.0
    try:
        for _ in range(stalls):  # the server starved of CPU: it misses its deadlines
            time.sleep(1.5)
            t = time.monotonic()
            srv.proc.send_signal(signal.SIGSTOP)
            time.sleep(stall_s)
            srv.proc.send_signal(signal.SIGCONT)
            stalled += time.monotonic() - t
    finally:
        srv.proc.send_signal(signal.SIGCONT)
    jrc, jev, jerr = finish_jack_io(jio)
    alive = bx.poll() is None
    t_term = time.monotonic()
    bx.send_signal(signal.SIGTERM)
    rc, out, err = reap(bx, 20)
    t_exit = time.monotonic()
    server_xruns = stop_monitor(mon)
    lrc = reap(load, 10)[0] if load else None
    under = f"stress-ng --cpu {cores} and " if load else ""
    if not REP.check(jrc == 0 and alive and rc == 0 and (lrc == 0 or not load),
                     f"j. bxlive keeps running under {under}{stalls} stalls of {stall_s} s of the "
                     "server, and SIGTERM stops it with exit 0",
                     f"jack_io exit {jrc}, bxlive alive {alive}, exit {rc} after "
                     f"{t_exit - t_term:.2f} s{f', stress-ng exit {lrc}' if load else ''}; "
                     f"{' | '.join(own_lines(err + jerr))[-300:]}"):
        return
    objs, bad = parse_status(out)
    if not REP.check(bool(objs) and not bad and "callbacks" in objs[-1],
                     "j. the status lines parse", f"{len(objs)} good, bad {bad[:2]}"):
        return
    last = objs[-1]
    seen = (f"bxlive xruns {last['xruns']} (flag_xruns {last['flag_xruns']}, late "
            f"{last['late']}); the server notified {server_xruns}, jack_io saw "
            f"{jev.get('stop', {}).get('xruns')}")
    REP.check(last["flag_xruns"] >= stalls and last["late"] >= stalls and
              (server_xruns is None or last["flag_xruns"] <= server_xruns),
              "j. each stall is counted: at least one xrun flag from PortAudio and one gap in "
              "the stream clock per stall, and no more flags than the server's notifications",
              seen)
    # time: the callbacks ran for the elapsed time less what the stalls took, and
    # no status interval lost time without an xrun counted in it or, for a stall
    # still going on when the line was printed, in the next one
    secs_run = [0.0] + [o["callbacks"] * period / RATE for o in objs]
    ts_ = [0.0] + [o["t"] for o in objs]
    xr_ = [0] + [o["xruns"] for o in objs]
    lost = ts_[-1] - secs_run[-1]
    silent = [(round(ts_[i], 2), round(ts_[i] - ts_[i - 1] - (secs_run[i] - secs_run[i - 1]), 3))
              for i in range(1, len(ts_))
              if ts_[i] - ts_[i - 1] - (secs_run[i] - secs_run[i - 1]) > 0.2 and
              xr_[min(i + 1, len(xr_) - 1)] == xr_[i - 1]]
    REP.check(lost >= 0.5 * stalled and not silent,
              "j. the callbacks count the elapsed time less the stalls, and every status "
              "second that lost more than 0.2 s counts an xrun (in it or the next)",
              f"{last['callbacks']} callbacks of {period} = {secs_run[-1]:.3f} s in "
              f"{last['t']:.3f} s: {lost:.3f} s lost, the server stalled {stalled:.3f} s; "
              f"seconds that lost time uncounted: {silent}")
    try:
        info, r, d = sf.info(rec), read_mono(rec)[0], read_mono(dry)[0]
    except Exception as e:  # soundfile raises its own error types
        REP.check(False, "j. the recordings are valid WAVs that soundfile opens", str(e))
        return
    blocks = len(r) // period
    REP.check(info.subtype == "FLOAT" and len(r) == len(d) and len(r) % period == 0 and
              0 <= blocks - last["callbacks"] <= 10,
              "j. --record and --record-dry are valid float WAVs holding every block bxlive "
              "processed (callbacks of the final status line, + the few run after it)",
              f"{info.subtype}, {len(r)} and {len(d)} frames = {blocks} blocks, "
              f"{last['callbacks']} callbacks")
    if jrc != 0:
        return
    y = read_mono(cap)[0]
    f_in, g_in, x_in = block_continuity(d, x, period)    # what bxlive got of what was played
    f_out, g_out, x_out = block_continuity(y, r, period)  # what the graph got of bxlive's output
    want = len(x) // period
    REP.check(f_in >= 0.9 * want and f_out >= 0.9 * want and
              g_in <= last["xruns"] and g_out <= last["xruns"],
              "j. every glitch in the audio is counted: the gaps found on the way in (the dry "
              "recording against what jack_io played) and on the way out (jack_io's capture "
              "against the recording) are no more than the xruns bxlive reports",
              f"in: {f_in} of {want} blocks placed, {g_in} gap(s), {x_in} garbled; out: "
              f"{f_out} placed, {g_out} gap(s), {x_out} garbled; {seen}")


def check_slow_disk(srv, tmp, full_json):
    """k. a recording disk slower than real time (the writer throttled by a test hook)."""
    period, secs, bps = srv.period, 8, 4800  # 1200 frames/s: 1/40 of real time
    sig, x = noise_wav(tmp, "k_noise.wav", secs, 8)
    ref = render(full_json, sig, os.path.join(tmp, "k_ref.wav"))
    rec, cap = os.path.join(tmp, "k_rec.wav"), os.path.join(tmp, "k_cap.wav")
    mon = start_monitor(srv, "xmon_k")
    bx = spawn([BXLIVE, full_json, "--host", "jack", "--status-json", "--record", rec],
               dict(srv.env, BX_TEST_RECORD_THROTTLE_BPS=str(bps)))
    jio = start_jack_io(srv, sig, cap, secs + 1.5, wait=0.5)
    ts = wait_start_event(jio)
    if ts is None:
        REP.check(False, "k. jack_io started playing into bxlive")
        return
    time.sleep(max(0.0, ts + secs + 0.5 - time.monotonic()))
    alive = bx.poll() is None
    t_term = time.monotonic()
    bx.send_signal(signal.SIGTERM)  # while jack_io still captures: the recording ends first
    rc, out, err = reap(bx, 20)
    t_exit = time.monotonic()
    jrc, jev, jerr = finish_jack_io(jio)
    server_xruns = stop_monitor(mon)
    lines = own_lines(err)
    if not REP.check(jrc == 0 and alive and rc == 0,
                     f"k. with the recording's writer held to {bps} bytes/s (1/40 of real time) "
                     "bxlive keeps running, and SIGTERM stops it with exit 0",
                     f"jack_io exit {jrc}, bxlive alive {alive}, exit {rc} after "
                     f"{t_exit - t_term:.2f} s; {' | '.join(lines)[-300:]}"):
        return
    objs, bad = parse_status(out)
    ovf = [o["ring_overflows"] for o in objs]
    said = [ln for ln in lines if "disk was too slow" in ln and os.path.basename(rec) in ln]
    m = re.search(r"(\d+) block\(s\) were dropped", said[0]) if said else None
    dropped = int(m.group(1)) if m else -1
    first = next((o["t"] for o in objs if o["ring_overflows"]), None)
    REP.check(bool(objs) and not bad and ovf[-1] > 0 and ovf == sorted(ovf) and
              dropped >= ovf[-1],
              "k. the ring's overflows are counted in `ring_overflows` and in the final "
              "report, which names the file",
              f"ring_overflows per status line {ovf}, the first at t={first} s; stderr: "
              f"{said[0] if said else None!r}")
    y = read_mono(cap)[0]
    lag = lag_of(y, ref)
    d = max_diff(y[lag:lag + len(ref)], ref)
    last = objs[-1] if objs else {"xruns": -1}
    played = (f"max abs diff {d:.3g} over {len(ref)} frames, bxlive xruns {last['xruns']}, "
              f"the server's {server_xruns}")
    if server_xruns != 0:
        # a cycle the server skipped is audio the graph did not deliver
        REP.note(f"k. the machine made the server xrun, so the output is not judged: {played}")
    else:
        # A callback that waited for the disk would miss its cycle: the server would
        # xrun and the output would lose blocks. bxlive's own `late` count (a gap in
        # the stream clock) can also come from the scheduler on a loaded machine,
        # with every sample delivered, so it is reported, not judged.
        REP.check(len(y) >= lag + len(ref) and d <= 1e-6 and last.get("flag_xruns", -1) == 0,
                  "k. the audio keeps playing: the live output equals `--render` of the input "
                  "once the graph delay is removed (max abs diff <= 1e-6), and PortAudio "
                  "flags no xrun (the callback never waits for the disk)",
                  played + f", late callbacks {last.get('late')}")
    try:
        info, r = sf.info(rec), read_mono(rec)[0]
    except Exception as e:  # soundfile raises its own error types
        REP.check(False, "k. the recording is a valid WAV that soundfile opens", str(e))
        return
    blocks = len(r) // period
    cb = last.get("callbacks", -1)
    REP.check(info.subtype == "FLOAT" and len(r) % period == 0 and
              0 <= blocks + dropped - cb <= 10,
              "k. the recording is a valid float WAV, and the blocks it holds plus those "
              "dropped are the blocks bxlive processed (the final status line's callbacks, "
              "+ the few run after it)",
              f"{blocks} blocks recorded + {dropped} dropped, {cb} callbacks")
    found, gaps, garbled = block_continuity(r, y, period, merge=1)  # each jump
    REP.check((garbled == 0 or server_xruns != 0) and gaps >= 1 and found > RATE * 4 // period,
              "k. what it holds is the processed output in whole blocks, in order, with "
              "gaps only where blocks were dropped",
              f"{found} blocks placed in the capture, {gaps} gap(s), {garbled} garbled")


def check_partial_preset(srv, tmp):
    """l. a preset saved in two steps, then one left truncated."""
    delay = STATE["delay"]
    t = np.arange(6 * RATE) / RATE
    x = 0.25 * np.sin(2 * np.pi * 110 * t) + 0.08 * np.sin(2 * np.pi * 2700 * t)
    sig = os.path.join(tmp, "l_tones.wav")
    sf.write(sig, x.astype(np.float32), RATE, subtype="FLOAT")
    pj = os.path.join(tmp, "l_preset.json")
    write_preset(pj, OTHER)
    r_new = render(pj, sig, os.path.join(tmp, "l_new.wav"))
    write_preset(pj, FULL)
    r_old = render(pj, sig, os.path.join(tmp, "l_old.wav"))
    cap = os.path.join(tmp, "l_cap.wav")
    mon = start_monitor(srv, "xmon_l")
    bx = start_bxlive(srv, pj, "--status-json")
    jio = start_jack_io(srv, sig, cap, 6.0, wait=0.5)
    ts = wait_start_event(jio)
    if ts is None:
        REP.check(False, "l. jack_io started playing into bxlive")
        return
    time.sleep(1.0)
    text = json.dumps(OTHER, indent=1).encode()
    with open(pj, "wb") as f:  # in place, in two writes: a reader can see the first half
        f.write(text[:len(text) // 2])
        f.flush()
        half_ns = os.stat(pj).st_mtime_ns
        t_half = time.monotonic()
        time.sleep(0.6)
        f.write(text[len(text) // 2:])
    # the second write keeps the first's modification time, as when both land
    # within one tick of the file system's clock
    os.utime(pj, ns=(os.stat(pj).st_atime_ns, half_ns))
    t_done = time.monotonic()
    time.sleep(2.0)
    t_cut = time.monotonic()
    cut = json.dumps(FULL).encode()
    with open(pj, "wb") as f:  # and stays so
        f.write(cut[:len(cut) * 3 // 5])
    jrc, jev, _ = finish_jack_io(jio)
    alive = bx.poll() is None
    bx.send_signal(signal.SIGTERM)
    rc, out, err = reap(bx, 10)
    server_xruns = stop_monitor(mon)
    if not REP.check(jrc == 0 and alive and rc == 0,
                     "l. bxlive keeps running through a preset saved in two steps and a "
                     "truncated one, and stops with exit 0",
                     f"jack_io exit {jrc}, bxlive alive {alive}, exit {rc}"):
        return

    def judge(ok, promise, detail):
        """A comparison with the renders: not judged if the server skipped cycles."""
        if ok or not server_xruns:
            return REP.check(ok, promise, detail)
        REP.note(f"the machine made the server xrun ({server_xruns}), so this is not judged: "
                 f"{promise}: {detail}")
        return False

    y = read_mono(cap)[0][delay:delay + len(r_old)]
    n = min(len(y), len(r_old))
    y, r_old, r_new = y[:n], r_old[:n], r_new[:n]
    at = {k: int((v - ts) * RATE) - delay for k, v in
          (("half", t_half), ("done", t_done), ("cut", t_cut))}
    dev = np.nonzero(np.abs(y - r_old) > 1e-6)[0]
    sw = int(dev[0]) if len(dev) else n
    judge(sw >= at["done"] - RATE // 10,
          "l. nothing is applied while the file is half written: the output is the old "
          "preset's render (1e-6) until the second half is written",
          f"the output leaves the old render {(sw - at['half']) / RATE * 1000:+.0f} ms after "
          f"the first half was written, {(sw - at['done']) / RATE * 1000:+.0f} ms after the "
          "second")
    objs, bad = parse_status(out)
    reloads = [o["reloads"] for o in objs]
    settle = sw + RATE
    e_new = max_diff(y[settle:], r_new[settle:])
    if REP.check(sw < n, "l. the output leaves the old preset's chain once the file is "
                 "complete", f"reloads per status line {reloads}"):
        # (a reader that caught the complete file before its time was set back
        # loads it once more after: `reloads` may count it twice)
        judge(sw <= at["done"] + RATE // 2 and e_new <= 1e-5 and n - settle > RATE and
              bool(reloads) and reloads[-1] in (1, 2),
              "l. once complete it is loaded (within 0.5 s, although its modification time "
              "is the half's) and counted in `reloads`, and the truncated file leaves it "
              "running: the new preset's render (1e-5) to the end",
              f"max diff to the new render {e_new:.3g} over {(n - settle) / RATE:.2f} s, "
              f"{(n - at['cut']) / RATE:.2f} s of it after the truncation; reloads {reloads}")
    lines = own_lines(err)
    refused = [ln for ln in lines if "reload refused" in ln]
    # (a reader can also catch the file emptied by the open, before the first write)
    counted = [ln for ln in refused if "empty, not a preset" not in ln]
    REP.check(len(counted) == 2 and all(pj in ln for ln in refused),
              "l. each of the two incomplete files is refused with one line naming the file",
              f"stderr: {' | '.join(refused)[-400:]}")


STATE = {}  # what one part tells the next: the graph delay, the second server's name


def check_measure_latency(srv, tmp):
    """g. --measure-latency through a loopback made in the graph."""
    bx = spawn([BXLIVE, os.path.join(SRC_DIR, "presets", "neutral.json"), "--host", "jack",
                "--measure-latency", "--duration", "3"], srv.env)
    deadline = time.monotonic() + 10
    linked = False
    while time.monotonic() < deadline and not linked:
        time.sleep(0.2)
        r = subprocess.run(["jack_connect", "bxlive:out_0", "bxlive:in_0"], env=srv.env,
                           capture_output=True, text=True)
        linked = r.returncode == 0
    rc, out, err = reap(bx, 20)
    m = re.search(r"measured round trip: (\d+) frames .* reports [0-9.]+ ms \((\d+) frames\)", out)
    REP.check(linked and rc == 0 and m is not None,
              "g. --measure-latency with the output wired to the input reports a round trip",
              f"exit {rc}; {out.strip()[-200:]} {' | '.join(own_lines(err))[-200:]}")
    if m:
        measured, reported = int(m.group(1)), int(m.group(2))
        REP.check(measured == reported and measured % srv.period == 0,
                  "g. the measured round trip equals what the driver reports (whole periods)",
                  f"measured {measured} frames, reported {reported}, period {srv.period}")


def ltas_third_octaves(x):
    """Level (dB) of 1/3-octave bands 50 Hz - 12.5 kHz of mono x at RATE."""
    n = 8192
    w = np.hanning(n)
    frames = [x[i:i + n] * w for i in range(0, len(x) - n, n // 2)]
    p = np.mean([np.abs(np.fft.rfft(f)) ** 2 for f in frames], axis=0)
    f = np.fft.rfftfreq(n, 1 / RATE)
    cs = [50 * 2 ** (k / 3) for k in range(0, 25)]
    return np.array([10 * np.log10(np.sum(p[(f >= c / 2 ** (1 / 6)) & (f < c * 2 ** (1 / 6))])
                                   + 1e-20) for c in cs])


def shape_error(a, b):
    d = a - b
    return float(np.mean(np.abs(d - np.mean(d))))


def learn_run(srv, preset, feed, seconds, *extra, tmp):
    """bxlive PRESET --learn SECONDS on the server, fed `feed` (None: nothing connected);
    returns (rc, stdout, stderr lines)."""
    bx = start_bxlive(srv, preset, "--learn", str(seconds), *extra)
    jio = None
    if feed:
        jio = start_jack_io(srv, feed, os.path.join(tmp, "h_cap.wav"), seconds + 1.0, wait=0.5)
    rc, out, err = reap(bx, 60)
    if jio:
        finish_jack_io(jio)
    return rc, out, own_lines(err)


def same_but_source_file(a, b):
    """Two presets equal in every value but the take's name (analysis.source.file: a file's
    stem, or "the microphone" for what --learn heard; and where a warning names it)."""
    a, b = json.loads(json.dumps(a)), json.loads(json.dumps(b))
    for p in (a, b):
        name = p.get("analysis", {}).get("source", {}).pop("file", None)
        for w in p.get("analysis", {}).get("confidence", {}).get("warnings", []):
            w["text"] = w.get("text", "").replace(name or "\0", "TAKE")
    return a == b


def check_learn(srv, tmp, take):
    """h. --learn SEC --save: the --source fit of the mic heard live, against the reference's
    profile in the preset: what bxanalyze PRESET --source gives for the same samples."""
    other = os.path.join(tmp, "h_other.wav")
    ref = os.path.join(tmp, "h_ref.wav")
    preset = os.path.join(tmp, "h_preset.json")
    learned = os.path.join(tmp, "h_learned.json")
    dry = os.path.join(tmp, "h_dry.wav")
    subprocess.run([BXGEN, "take", other, "--seconds", "5", "--rate", str(RATE), "--seed", "12"],
                   check=True, capture_output=True)
    render(os.path.join(SRC_DIR, "presets", "crisp.json"), other, ref)
    r = subprocess.run([BXANALYZE, ref, "-o", preset, "-q"], capture_output=True, text=True)
    if r.returncode != 0:
        REP.check(False, "h. bxanalyze made a preset with a reference profile", bxtest.tell(r))
        return
    rc, out, err = learn_run(srv, preset, take, 4, "--save", learned, "--record-dry", dry,
                             tmp=tmp)
    REP.check(rc == 0 and os.path.exists(learned) and out.startswith("learned")
              and "distance " in out and "eq " in out,
              "h. --learn 4 --save prints the fit (bands, compressor, levels, the distance "
              "before and after) and writes the preset",
              f"exit {rc}; {out.strip()[:200]!r} {' | '.join(err)[-200:]}")
    if not os.path.exists(learned):
        return
    # the same samples, recorded beside it, through bxanalyze PRESET --source
    fitted = os.path.join(tmp, "h_fitted.json")
    r = subprocess.run([BXANALYZE, preset, "--source", dry, "-o", fitted, "-q"],
                       capture_output=True, text=True)
    if REP.check(r.returncode == 0, "h. bxanalyze PRESET --source DRY (the recording of what "
                 "--learn heard) exits 0", bxtest.tell(r)):
        a, b = json.load(open(learned)), json.load(open(fitted))
        REP.check(a["chain"] == b["chain"] and same_but_source_file(a, b),
                  "h. --learn's preset is bxanalyze PRESET --source's on the same samples: the "
                  "chain bit for bit, the record but for the take's name",
                  f"learned {a['chain']}, fitted {b['chain']}")
    y = render(learned, take, os.path.join(tmp, "h_out.wav"))
    x = read_mono(take)[0]
    target = ltas_third_octaves(read_mono(ref)[0])
    before, after = shape_error(ltas_third_octaves(x), target), shape_error(ltas_third_octaves(y), target)
    REP.check(after < 0.7 * before,
              "h. the learned EQ brings the take's spectrum toward the reference's (shape error "
              "down by at least 30 %)", f"{before:.2f} dB -> {after:.2f} dB")

    # what --learn refuses, writing nothing: nothing connected, a clipping mic, a preset
    # without a profile
    loud = os.path.join(tmp, "h_loud.wav")
    xs, _ = read_mono(take)
    sf.write(loud, np.clip(xs * 40.0, -1.0, 1.0), RATE, subtype="FLOAT")
    old = os.path.join(tmp, "h_old.json")
    p = json.load(open(preset))
    del p["analysis"]["reference"]["profile"]
    json.dump(p, open(old, "w"))
    silent = os.path.join(tmp, "h_silent.wav")
    sf.write(silent, np.zeros(len(xs)), RATE, subtype="FLOAT")
    for label, pre, feed, code, words in (
            ("no input connected", preset, None, 4, "no signal"),
            ("a silent input (connected, digital silence)", preset, silent, 4, "no signal"),
            ("a clipping input", preset, loud, 4, "clipped"),
            ("a preset without a reference profile", old, take, 3, "no reference profile")):
        out_path = os.path.join(tmp, "h_refused.json")
        if os.path.exists(out_path):
            os.remove(out_path)
        rc, out, err = learn_run(srv, pre, feed, 3, "--save", out_path, tmp=tmp)
        said = [line for line in err if line.startswith("bxlive: ")]
        REP.check(rc == code and not os.path.exists(out_path)
                  and any(words in line for line in said),
                  f"h. --learn with {label}: exit {code}, one line saying so ({words!r}), "
                  "nothing written", f"exit {rc}; {said[-2:]}")


def guided_learn(srv, preset, feed, keys, tmp, save):
    """bxlive PRESET --learn 3 --save SAVE --no-view on a pseudo-terminal (stdin and stderr),
    fed `feed` while keys = [(after_s, key)] are typed; returns (rc, what the terminal showed,
    stdout)."""
    import pty
    import threading
    master, slave = pty.openpty()
    p = subprocess.Popen([BXLIVE, preset, "--host", "jack", "--learn", "3", "--save", save,
                          "--no-view"], env=dict(srv.env, LANG="C.UTF-8"), stdin=slave,
                         stderr=slave, stdout=subprocess.PIPE, text=True,
                         preexec_fn=die_with_parent)
    CHILDREN.append(p)
    os.close(slave)
    shown = []

    def reader():
        while True:
            try:
                b = os.read(master, 4096)
            except OSError:
                return
            if not b:
                return
            shown.append(b.decode("utf-8", "replace"))

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    jio = start_jack_io(srv, feed, os.path.join(tmp, "g_cap.wav"), 14.0, wait=0.5)
    t0 = time.monotonic()
    for after, key in keys:
        time.sleep(max(0.0, after - (time.monotonic() - t0)))
        os.write(master, key.encode())
    try:
        rc = p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = None
    out = p.stdout.read()
    finish_jack_io(jio)
    os.close(master)
    t.join(2)
    return rc, "".join(shown), out


def check_learn_guided(srv, tmp, take):
    """n. --learn on a terminal: count-in, level check, the result offered."""
    ref = os.path.join(tmp, "h_ref.wav")
    preset = os.path.join(tmp, "n_preset.json")
    r = subprocess.run([BXANALYZE, ref, "-o", preset, "-q"], capture_output=True, text=True)
    if not REP.check(r.returncode == 0, "n. bxanalyze made a preset", bxtest.tell(r)):
        return
    long_take = os.path.join(tmp, "n_take.wav")
    x, _ = read_mono(take)
    sf.write(long_take, np.concatenate([x, x, x]), RATE, subtype="FLOAT")
    save = os.path.join(tmp, "n_kept.json")
    # count-in 3 s + 3 s of listening + the fit: k at 9 s keeps it
    rc, shown, out = guided_learn(srv, preset, long_take, [(9.0, "b"), (9.5, "k")], tmp, save)
    kept = json.load(open(save)) if os.path.exists(save) else None
    REP.check(rc == 0 and "perform in 3" in shown and "learning" in shown
              and "k = keep and save" in shown and "BYPASS" in shown and "learned" in out
              and kept and kept["analysis"]["mode"] == "source",
              "n. on a terminal: a count-in, progress, the fit, the result offered (b A/B's it), "
              "k saves it",
              f"exit {rc}; saved {kept is not None}; terminal {shown[-300:]!r}")
    # a clipping mic: said, listened to again; q then ends it with nothing written
    loud = os.path.join(tmp, "n_loud.wav")
    sf.write(loud, np.clip(np.concatenate([x, x, x]) * 40.0, -1, 1), RATE, subtype="FLOAT")
    save2 = os.path.join(tmp, "n_none.json")
    rc, shown, out = guided_learn(srv, preset, loud, [(6.0, "q")], tmp, save2)
    REP.check(rc == 130 and "clips" in shown and "listening again" in shown
              and "nothing was written" in shown and not os.path.exists(save2),
              "n. a clipping mic is said and listened to again after a count-in; q before the "
              "end exits 130 and writes nothing", f"exit {rc}; terminal {shown[-300:]!r}")


def iec_third_octaves(x, rate):
    """bx/bands.h's 1/3-octave bands, written again here from its definition: IEC base-10
    centres 1000 * 10^(m/10) from 40 Hz to 16 kHz, edges 10^(+-1/20) around them, bins of
    8192-point periodic Hann frames every 4096 samples summed inside each band as mean-square
    powers (2 |X|^2 / (N sum w^2)), averaged over the frames. Returns (centres, dB)."""
    n = 8192
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
    frames = [x[i:i + n] * w for i in range(0, len(x) - n + 1, n // 2)]
    p = 2 * np.mean([np.abs(np.fft.rfft(f)) ** 2 for f in frames], axis=0) / (n * np.sum(w * w))
    f = np.arange(len(p)) * rate / n
    cs, out = [], []
    for m in range(-14, 13):
        fc = 1000 * 10 ** (m / 10)
        sel = (f >= fc * 10 ** -0.05) & (f < fc * 10 ** 0.05)
        if sel.any():
            cs.append(fc)
            out.append(10 * np.log10(np.sum(p[sel]) + 1e-30))
    return np.array(cs), np.array(out)


def check_spectrum(srv, tmp):
    """m. --status-spectrum: the bands of the start line and of the status lines."""
    tones = ((100.0, 0.2), (400.0, 0.05), (1000.0, 0.1), (4000.0, 0.02), (10000.0, 0.01))
    t = np.arange(int(6 * RATE)) / RATE
    x = sum(a * np.sin(2 * np.pi * f * t) for f, a in tones)
    steady = os.path.join(tmp, "m_tones.wav")
    sf.write(steady, x, RATE, subtype="FLOAT")
    preset = os.path.join(tmp, "m_preset.json")
    r = subprocess.run([BXANALYZE, steady, "-o", preset, "-q"], capture_output=True, text=True)
    if not REP.check(r.returncode == 0, "m. bxanalyze made a preset of the tones", bxtest.tell(r)):
        return
    bx = start_bxlive(srv, preset, "--status-json", "--status-spectrum", "--duration", "5")
    jio = start_jack_io(srv, steady, os.path.join(tmp, "m_cap.wav"), 4.5, wait=0.5)
    rc, out, err = reap(bx, 30)
    finish_jack_io(jio)
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    start = lines[0] if lines else {}
    cs, want = iec_third_octaves(x, RATE)
    hz = np.array(start.get("bands_hz", []))
    REP.check(rc == 0 and len(hz) == len(cs) and np.allclose(hz, cs, atol=0.06),
              "m. the start line names the 1/3-octave centres (IEC base 10, 40 Hz - 16 kHz)",
              f"exit {rc}; bands_hz {list(hz)[:6]}...")
    if len(hz) != len(cs):
        return
    tone_bands = [int(np.argmin(np.abs(np.log(cs / f)))) for f, _ in tones]
    ref = np.array(start.get("ref_db", []))
    d_ref = np.max(np.abs(ref[tone_bands] - want[tone_bands])) if len(ref) == len(cs) else 99
    REP.check(d_ref <= 0.1,
              "m. ref_db: the reference's bands from the preset's profile equal an offline "
              "third-octave analysis of the reference within 0.1 dB in the tones' bands",
              f"worst {d_ref:.3f} dB")
    # a status line while the tones played (at least 2 s in): the running bands
    during = [o for o in lines[1:] if "mic_db" in o and 2.0 <= o.get("t", 0) <= 4.0]
    if not REP.check(bool(during), "m. status lines carry mic_db and out_db while playing",
                     f"{len(lines)} lines"):
        return
    mic = np.array(during[-1]["mic_db"])
    d_mic = np.max(np.abs(mic[tone_bands] - want[tone_bands]))
    REP.check(d_mic <= 0.2,
              "m. mic_db equals the offline third-octave analysis of what was played within "
              "0.2 dB in the tones' bands", f"worst {d_mic:.3f} dB at t = {during[-1]['t']}")
    y = render(preset, steady, os.path.join(tmp, "m_rendered.wav"))
    _, want_out = iec_third_octaves(y, RATE)
    d_out = np.max(np.abs(np.array(during[-1]["out_db"])[tone_bands] - want_out[tone_bands]))
    REP.check(d_out <= 0.2,
              "m. out_db equals the offline third-octave analysis of the preset's --render of "
              "it within 0.2 dB in the tones' bands", f"worst {d_out:.3f} dB")


def main():
    srv = Jackd(1024)
    if not srv.start():
        bxtest.skip(f"jackd cannot start a dummy-driver server here: {srv.log.strip()[-300:]}")
    t_begin = time.monotonic()
    try:
        work = bxtest.scratch("live_jack-")
        take = os.path.join(work, "take.wav")
        subprocess.run([BXGEN, "take", take, "--seconds", "5", "--rate", str(RATE),
                        "--seed", "11"], check=True, capture_output=True)
        full_json = os.path.join(work, "full.json")
        write_preset(full_json, FULL)
        print(f"JACK server {srv.name}: dummy driver, {RATE} Hz, period {srv.period}", flush=True)
        REP.part(check_render_and_latency, srv, work, take, full_json)
        if "delay" in STATE:
            REP.part(check_record_sigterm, srv, work, take, full_json)
            REP.part(check_repeated_signals, srv, work, full_json)
            REP.part(check_record_rules, srv, work, full_json)
            REP.part(check_hot_reload, srv, work)
            REP.part(check_partial_preset, srv, work)
            REP.part(check_split_duplex, srv, work, take, full_json)
        else:
            REP.check(False, "the graph delay was measured (d, e and l need it)")
        REP.part(check_measure_latency, srv, work)
        REP.part(check_learn, srv, work, take)
        REP.part(check_spectrum, srv, work)
        REP.part(check_learn_guided, srv, work, take)
        REP.part(check_cpu_load, srv, work, full_json)
        REP.part(check_slow_disk, srv, work, full_json)
        REP.part(check_server_death, srv, work, take, full_json)
    finally:
        srv.stop()
        kill_children()
    missed = missed_cycles(srv.log)
    if missed:
        REP.note(f"the first server's log counts cycles that clients missed: {missed} "
                 "(\"Triggered\": the client had not begun its cycle when the next one came; "
                 "j's two stalls make a few, hundreds mean a process thread never woken)")
    # the same name as the first server: this frees the registry entry of the killed one
    REP.part(check_xruns_at_period_64, work, full_json, srv.name)
    kill_children()
    if srv.killed and STATE.get("second_server") == srv.name:
        srv.sweep()  # that name is ours until now: no other server uses these
    REP.note(f"the JACK part took {time.monotonic() - t_begin:.1f} s")
    REP.finish(work)


if __name__ == "__main__":
    main()
