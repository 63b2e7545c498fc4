/* bxlive — run a bx preset on a live microphone, or offline with --render. */
#if !defined(_WIN32) && !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 700 /* readlink */
#endif
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(_WIN32)
#include <windows.h>
#elif defined(__APPLE__)
#include <mach-o/dyld.h>
#else
#include <unistd.h>
#endif

#include "bx/chain.h"
#include "bx/engine.h"
#include "bx/fsutil.h"
#include "bx/version.h"
#include "console.h"
#include "exitcode.h"
#include "live.h"
#include "render.h"

static const char usage_text[] =
    "usage: bxlive PRESET [--host API] [--input DEV] [--output DEV] [--in-channel N]\n"
    "                     [--out-channels A,B,..] [--rate HZ] [--buffer FRAMES]\n"
    "                     [--duration SEC] [--record FILE.wav] [--record-dry FILE.wav]\n"
    "                     [--status-json [--status-spectrum]] [--bypass] [--exclusive]\n"
    "                     [--duplex MODE] [--no-view] [--quiet]\n"
    "       bxlive PRESET --measure-latency [device options]\n"
    "       bxlive PRESET --learn SEC [--save NEW.json] [--yes] [device options]\n"
    "       bxlive PRESET --render IN OUT [--bits 16|24|32|float] [--block FRAMES]\n"
    "                     [--start T] [--end T] [--bypass] [--quiet]\n"
    "       bxlive --list-devices [--host API]\n"
    "       bxlive --help | --version\n";

static const char help_text[] =
    "Run a bx preset (EQ, compressor, safety limiter) on a microphone, with zero\n"
    "added latency, or offline on a file through the same block function.\n"
    "\n"
    "Presets:\n"
    "  PRESET is a preset file, or the name of an installed one: NAME (or\n"
    "  NAME.json) is looked for in $XDG_DATA_HOME/bx/presets (by default\n"
    "  ~/.local/share/bx/presets; %APPDATA%\\bx\\presets on Windows), then in\n"
    "  share/bx/presets beside the installed program, then in the folder the\n"
    "  build was configured to install to. A name with a / or \\, or starting\n"
    "  with a dot, is a path. \"-\" reads the preset from standard input (once:\n"
    "  SIGHUP cannot reload it).\n"
    "\n"
    "Live:\n"
    "  --host API        asio, wasapi, wdmks, directsound, mme, coreaudio, alsa, jack\n"
    "                    (default: PortAudio's default host API).\n"
    "  --input DEV, --output DEV\n"
    "                    device index or part of its name (case-insensitive);\n"
    "                    default: the host API's default devices.\n"
    "  --in-channel N    the microphone's input channel, from 1 (default 1).\n"
    "  --out-channels L  output channels that get the processed mic, e.g. 1,2\n"
    "                    (default 1,2: mono mic to both headphone channels).\n"
    "  --rate HZ         sample rate (default: the input device's).\n"
    "  --buffer FRAMES   frames per callback (default: the host's choice). With JACK\n"
    "                    leave it unset: the server's period rules, and a different\n"
    "                    --buffer adds that many frames of latency.\n"
    "  --duration SEC    stop after SEC seconds.\n"
    "  --record F.wav    record the processed signal: .wav .w64 .rf64 .caf .aiff\n"
    "                    (32-bit float, valid at any moment) or .flac (24-bit,\n"
    "                    valid once closed: after Ctrl+C or SIGTERM too). An\n"
    "                    existing F.wav is kept: the take goes to F-2.wav, F-3.wav...\n"
    "  --record-dry F.wav  record the dry microphone too.\n"
    "  --status-json     JSON lines on stdout: first the stream (host, devices,\n"
    "                    rate, buffer, latencies), then one per second (levels,\n"
    "                    gain reduction, CPU load, xruns, reloads, recording\n"
    "                    overflows and failures), the last with \"final\": true.\n"
    "  --status-spectrum with --status-json: the start line gains bands_hz (the\n"
    "                    1/3-octave centres) and ref_db (the reference's bands, from\n"
    "                    the preset's profile), each status line mic_db and out_db\n"
    "                    (the dry mic's and the output's bands, 0.3 s average).\n"
    "  --no-view         on a terminal, the meter line alone (by default the\n"
    "                    1/3-octave spectrum of the reference, the mic and the output\n"
    "                    is drawn above it, 15 times a second).\n"
    "  --bypass          start bypassed (A/B); the 'b' key toggles, crossfaded.\n"
    "  --exclusive       WASAPI exclusive mode with pro-audio thread priority.\n"
    "  --duplex MODE     joint (default): one full-duplex stream, one callback.\n"
    "                    split: an input and an output stream joined by a lock-free\n"
    "                    ring, one period more latency. PortAudio runs WASAPI full\n"
    "                    duplex by polling; split streams are event-driven, which\n"
    "                    reaches lower buffers in exclusive mode. Not for ASIO.\n"
    "  Keys on a terminal: b = bypass on/off, r = reload, q = quit. The preset file\n"
    "  is watched and reloaded when it changes (also on SIGHUP); an invalid preset\n"
    "  keeps the running one. SIGINT/SIGTERM stop cleanly.\n"
    "  --list-devices    list the devices (of --host, or of every host API).\n"
    "  --measure-latency with the output wired to the input (a loopback cable), send\n"
    "                    a click twice a second for 5 s (or --duration) and report the\n"
    "                    measured round trip next to what the driver reports.\n"
    "  --learn SEC       listen to the dry mic for SEC seconds (perform as you will\n"
    "                    live), then fit EQ, compressor and level to it against the\n"
    "                    reference profile bxanalyze stored in PRESET, as bxanalyze\n"
    "                    PRESET --source TAKE does: prints the bands, the compressor,\n"
    "                    how sure it is, and the distance to the reference before and\n"
    "                    after. A silent (exit 4), too quiet or clipping (exit 4) mic,\n"
    "                    or a preset without a profile (exit 3) writes nothing.\n"
    "                    --save NEW.json writes the result (atomically). On a\n"
    "                    terminal it guides: a 3 s count-in, listening again when\n"
    "                    the mic clips or is silent or too quiet, then the result\n"
    "                    plays: b = A/B, k = keep (and save), d = discard, l = learn\n"
    "                    again. Not on a terminal, or with --yes: no count-in or\n"
    "                    question, the result saved at once. Stopped before the end\n"
    "                    (q, Ctrl+C, SIGTERM): nothing is written, exit 130.\n"
    "\n"
    "Offline:\n"
    "  --render IN OUT   process the audio file IN through PRESET into OUT. OUT has\n"
    "                    IN's rate and channels; its format follows the extension\n"
    "                    (.wav .flac .aiff .caf .w64 .rf64 .au .ogg .opus .mp3).\n"
    "                    OUT is written to a temporary file and renamed when complete,\n"
    "                    so it is replaced only by a finished render; IN is never\n"
    "                    overwritten. IN \"-\" is standard input, OUT \"-\" standard\n"
    "                    output (WAV, sent when complete).\n"
    "  --bits B          sample encoding of OUT: 16, 24, 32 (integer) or float.\n"
    "                    Default: float (24 for FLAC).\n"
    "  --block FRAMES    frames per engine call (default 128, like the live callback);\n"
    "                    the output is identical for every block size.\n"
    "  --start T, --end T\n"
    "                    render only IN from T to T (seconds, or minutes:seconds\n"
    "                    as 1:05.5); the processing starts fresh at T.\n"
    "  --quiet           no summary or status lines.\n"
    "\n"
    "Exit codes: 0 ok, 1 internal error, 2 usage, 3 preset, 4 input audio,\n"
    "5 output file (or a recording whose writes failed), 6 audio device,\n"
    "130 interrupted (offline, or --learn before its end).\n";

static void on_stop(int sig)
{
    (void)sig;
    render_stop = 1;
    live_stop = 1;
}

static void on_close(void)
{
    on_stop(SIGTERM);
}

#ifdef SIGHUP
static void on_hup(int sig)
{
    (void)sig;
    live_reload = 1;
}
#endif

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "bxlive: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage_text);
    return BX_EXIT_USAGE;
}

/* The folder of this program's executable file into buf (cap bytes), or -1. */
static int exe_dir(char *buf, size_t cap)
{
#if defined(_WIN32)
    wchar_t w[32768];
    const DWORD n = GetModuleFileNameW(NULL, w, (DWORD)(sizeof w / sizeof *w));
    if (n == 0 || n >= sizeof w / sizeof *w ||
        WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)cap, NULL, NULL) <= 0)
        return -1;
#elif defined(__APPLE__)
    uint32_t size = (uint32_t)cap;
    if (_NSGetExecutablePath(buf, &size) != 0)
        return -1;
#elif defined(__linux__)
    const ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n <= 0)
        return -1;
    buf[n] = 0;
#else
    (void)buf;
    (void)cap;
    return -1;
#endif
    char *slash = strrchr(buf, '/');
#ifdef _WIN32
    char *bs = strrchr(buf, '\\');
    if (bs && (!slash || bs > slash))
        slash = bs;
#endif
    if (!slash)
        return -1;
    *slash = 0;
    return 0;
}

/* The folders a preset given by name is looked for in, in order: the user's
 * ($XDG_DATA_HOME/bx/presets, by default ~/.local/share/bx/presets; on
 * Windows %APPDATA%\\bx\\presets), the installation's beside the program
 * (<bin>/../share/bx/presets: the install prefix, wherever it was moved),
 * then the one the build was configured for (BX_PRESET_DIR). Returns how
 * many (at most 3), each a string to free. */
static int preset_dirs(char *dir[3])
{
    int n = 0;
    char buf[4096], exe[4096];
#ifdef _WIN32
    const char *appdata = getenv("APPDATA");
    if (appdata && appdata[0] &&
        (size_t)snprintf(buf, sizeof buf, "%s\\bx\\presets", appdata) < sizeof buf)
        dir[n++] = bx_strdup(buf);
#else
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0] == '/') { /* a relative one is ignored, as the XDG spec says */
        if ((size_t)snprintf(buf, sizeof buf, "%s/bx/presets", xdg) < sizeof buf)
            dir[n++] = bx_strdup(buf);
    } else if (home && home[0]) {
        if ((size_t)snprintf(buf, sizeof buf, "%s/.local/share/bx/presets", home) < sizeof buf)
            dir[n++] = bx_strdup(buf);
    }
#endif
    if (exe_dir(exe, sizeof exe) == 0 &&
        (size_t)snprintf(buf, sizeof buf, "%s/../share/bx/presets", exe) < sizeof buf)
        dir[n++] = bx_strdup(buf);
#ifdef BX_PRESET_DIR
    dir[n++] = bx_strdup(BX_PRESET_DIR);
#endif
    for (int i = 0; i < n; i++)
        if (!dir[i]) { /* out of memory: what is left is looked in */
            for (int k = i; k + 1 < n; k++)
                dir[k] = dir[k + 1];
            n--, i--;
        }
    return n;
}

/* PRESET as given when it is a file, or a name: the first NAME.json (or
 * NAME, if it ends in .json) in preset_dirs. A string to free in *path;
 * BX_EXIT_OK, or an exit status after a one-line message. */
static int resolve_preset(const char *arg, char **path)
{
    *path = NULL;
    const int is_name =
        !strchr(arg, '/') && !strchr(arg, '\\') && arg[0] != '.' && strcmp(arg, "-") != 0;
    if (bx_exists(arg) || !is_name) {
        *path = bx_strdup(arg);
        goto done;
    }
    char *dir[3];
    const int nd = preset_dirs(dir);
    const size_t len = strlen(arg);
    const int has_ext = len > 5 && strcmp(arg + len - 5, ".json") == 0;
    char tried[3 * 4096 + 16] = "";
    for (int i = 0; i < nd; i++) {
        char buf[4096 + 512];
        if ((size_t)snprintf(buf, sizeof buf, "%s/%s%s", dir[i], arg, has_ext ? "" : ".json") <
                sizeof buf &&
            !*path && bx_is_regular(buf))
            *path = bx_strdup(buf);
        snprintf(tried + strlen(tried), sizeof tried - strlen(tried), "%s%s",
                 i == 0        ? ""
                 : i + 1 == nd ? " or "
                               : ", ",
                 dir[i]);
    }
    for (int i = 0; i < nd; i++)
        bx_free(dir[i]);
    if (!*path && nd > 0) {
        fprintf(stderr,
                "bxlive: %s: cannot open: No such file or directory, and no installed preset "
                "of that name in %s\n",
                arg, tried);
        return BX_EXIT_PRESET;
    }
    if (!*path && nd == 0)
        *path = bx_strdup(arg); /* nowhere to look: the file's own error follows */
done:
    if (!*path) {
        fprintf(stderr, "bxlive: out of memory\n");
        return BX_EXIT_INTERNAL;
    }
    return BX_EXIT_OK;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    const double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

static int parse_channels(const char *s, live_opts *lo)
{
    lo->n_out = 0;
    while (*s) {
        char *end;
        const long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > LIVE_MAX_OUT || lo->n_out >= LIVE_MAX_OUT)
            return -1;
        lo->out_channels[lo->n_out++] = (unsigned)v;
        s = end;
        if (*s == ',')
            s++;
        else if (*s)
            return -1;
    }
    return lo->n_out ? 0 : -1;
}

int main(int argc, char **argv)
{
    render_opts ro;
    live_opts lo;
    memset(&ro, 0, sizeof ro);
    ro.end_s = -1.0;
    memset(&lo, 0, sizeof lo);
    static const char *const with_value[] = {
        "--bits",         "--block",  "--buffer",     "--duplex", "--duration",
        "--end",          "--host",   "--in-channel", "--input",  "--learn",
        "--out-channels", "--output", "--rate",       "--record", "--record-dry",
        "--render",       "--save",   "--start",      NULL};
    const int started = console_start("bxlive", &argc, &argv, with_value);
    if (started != 0)
        return started;
    ro.block_frames = BX_DEFAULT_BLOCK;
    lo.in_channel = 1;
    int render = 0, list = 0, render_only = 0, live_only = 0;
    const char *preset = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        double d;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("bxlive %s\n\n%s\n%s", BX_VERSION_STRING, usage_text, help_text);
            return BX_EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            printf("bxlive %s\n", BX_VERSION_STRING);
            return BX_EXIT_OK;
        } else if (strcmp(a, "--render") == 0) {
            if (i + 2 >= argc)
                return usage_error("%s needs two files: IN OUT", a);
            render = 1;
            ro.in_path = argv[++i];
            ro.out_path = argv[++i];
        } else if (strcmp(a, "--bits") == 0) {
            if (!next)
                return usage_error("%s needs a value (16, 24, 32 or float)", a);
            if (bx_audio_encoding_parse(argv[++i], &ro.encoding) != BX_OK)
                return usage_error("--bits: \"%s\" is not 16, 24, 32 or float", argv[i]);
            render_only = 1;
        } else if (strcmp(a, "--block") == 0) {
            if (!next || parse_double(next, 1, 65536, &d) != 0 || d != (unsigned)d)
                return usage_error("--block: \"%s\" is not a frame count in 1..65536",
                                   next ? next : "");
            ro.block_frames = (unsigned)d;
            i++;
            render_only = 1;
        } else if (strcmp(a, "--start") == 0 || strcmp(a, "--end") == 0) {
            if (!next || console_parse_time(next, &d) != 0)
                return usage_error(strcmp(a, "--start") == 0
                                       ? "--start: \"%s\" is not a time (seconds, or "
                                         "minutes:seconds as 1:05.5)"
                                       : "--end: \"%s\" is not a time (seconds, or "
                                         "minutes:seconds as 1:05.5)",
                                   next ? next : "");
            if (strcmp(a, "--start") == 0)
                ro.start_s = d;
            else
                ro.end_s = d;
            i++;
            render_only = 1;
        } else if (strcmp(a, "--bypass") == 0) {
            ro.bypass = lo.bypass = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            ro.quiet = lo.quiet = 1;
        } else if (strcmp(a, "--list-devices") == 0) {
            list = 1;
        } else if (strcmp(a, "--status-json") == 0) {
            lo.status_json = 1;
            live_only = 1;
        } else if (strcmp(a, "--status-spectrum") == 0) {
            lo.status_spectrum = 1;
            live_only = 1;
        } else if (strcmp(a, "--yes") == 0 || strcmp(a, "-y") == 0) {
            lo.yes = 1;
            live_only = 1;
        } else if (strcmp(a, "--no-view") == 0) {
            lo.no_view = 1;
            live_only = 1;
        } else if (strcmp(a, "--measure-latency") == 0) {
            lo.measure_latency = 1;
            live_only = 1;
        } else if (strcmp(a, "--learn") == 0) {
            if (!next || parse_double(next, 1, 3600, &lo.learn_s) != 0)
                return usage_error("--learn: \"%s\" is not a number of seconds (1..3600)",
                                   next ? next : "");
            i++;
            live_only = 1;
        } else if (strcmp(a, "--save") == 0) {
            if (!next)
                return usage_error("%s needs a preset file", a);
            lo.save_path = argv[++i];
            live_only = 1;
        } else if (strcmp(a, "--exclusive") == 0) {
            lo.exclusive = 1;
            live_only = 1;
        } else if (strcmp(a, "--duplex") == 0) {
            if (!next || (strcmp(next, "joint") != 0 && strcmp(next, "split") != 0))
                return usage_error("--duplex: \"%s\" is not joint or split", next ? next : "");
            lo.split = strcmp(argv[++i], "split") == 0;
            live_only = 1;
        } else if (strcmp(a, "--host") == 0 || strcmp(a, "--input") == 0 ||
                   strcmp(a, "--output") == 0 || strcmp(a, "--record") == 0 ||
                   strcmp(a, "--record-dry") == 0) {
            if (!next)
                return usage_error("%s needs a value", a);
            const char **dst = strcmp(a, "--host") == 0     ? &lo.host
                               : strcmp(a, "--input") == 0  ? &lo.input
                               : strcmp(a, "--output") == 0 ? &lo.output
                               : strcmp(a, "--record") == 0 ? &lo.record
                                                            : &lo.record_dry;
            *dst = argv[++i];
            live_only |= strcmp(a, "--host") != 0;
        } else if (strcmp(a, "--in-channel") == 0) {
            if (!next || parse_double(next, 1, 256, &d) != 0 || d != (unsigned)d)
                return usage_error("--in-channel: \"%s\" is not a channel number from 1",
                                   next ? next : "");
            lo.in_channel = (unsigned)d;
            i++;
            live_only = 1;
        } else if (strcmp(a, "--out-channels") == 0) {
            if (!next || parse_channels(next, &lo) != 0)
                return usage_error("--out-channels: \"%s\" is not a list like 1,2",
                                   next ? next : "");
            i++;
            live_only = 1;
        } else if (strcmp(a, "--rate") == 0) {
            if (!next || parse_double(next, 8000, 384000, &lo.rate_hz) != 0)
                return usage_error("--rate: \"%s\" is not a rate in 8000..384000 Hz",
                                   next ? next : "");
            i++;
            live_only = 1;
        } else if (strcmp(a, "--buffer") == 0) {
            if (!next || parse_double(next, 1, 65536, &d) != 0 || d != (unsigned)d)
                return usage_error("--buffer: \"%s\" is not a frame count in 1..65536",
                                   next ? next : "");
            lo.buffer_frames = (unsigned)d;
            i++;
            live_only = 1;
        } else if (strcmp(a, "--duration") == 0) {
            if (!next || parse_double(next, 0.01, 1e7, &lo.duration_s) != 0)
                return usage_error("--duration: \"%s\" is not a number of seconds",
                                   next ? next : "");
            i++;
            live_only = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option %s", a);
        } else if (!preset) {
            preset = a;
        } else {
            return usage_error("unexpected argument \"%s\"", a);
        }
    }
    if (list)
        return live_list_devices(lo.host);
    if (!preset)
        return usage_error("%s", "no preset given");
    if (render && live_only)
        return usage_error("%s", "live options do not apply to --render");
    if (lo.save_path && lo.learn_s <= 0)
        return usage_error("%s", "--save goes with --learn");
    if (lo.yes && lo.learn_s <= 0)
        return usage_error("%s", "--yes goes with --learn");
    if (lo.status_spectrum && !lo.status_json)
        return usage_error("%s", "--status-spectrum goes with --status-json");
    if (!render && render_only)
        return usage_error("%s", "--bits, --block, --start and --end apply to --render only");
    if (render && strcmp(preset, "-") == 0 && strcmp(ro.in_path, "-") == 0)
        return usage_error("%s", "standard input (\"-\") can be read only once");
    if (ro.end_s >= 0.0 && !(ro.end_s > ro.start_s))
        return usage_error("%s", "--end must come after --start");

    /* every delivery, not just the first: a second SIGHUP reloads again, a
     * second Ctrl+C during shutdown changes nothing */
    console_on_signal(SIGINT, on_stop);
    console_on_signal(SIGTERM, on_stop);
#ifdef SIGBREAK
    console_on_signal(SIGBREAK, on_stop); /* Ctrl+Break on Windows */
#endif
#ifdef SIGHUP
    console_on_signal(SIGHUP, on_hup);
#endif
    console_on_close(on_close); /* Windows: closing the console finalises recordings */
    char *preset_file;
    int rc = resolve_preset(preset, &preset_file);
    if (rc != BX_EXIT_OK) {
        console_finished();
        return rc;
    }
    if (render) {
        ro.preset_path = preset_file;
        rc = render_run(&ro);
    } else {
        lo.preset_path = preset_file;
        rc = live_run(&lo);
    }
    bx_free(preset_file);
    console_finished();
    return rc;
}
