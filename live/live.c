/* live.c — the live monitor: device selection, the PortAudio full-duplex
 * callback (bx_engine_process and nothing that can block), meters through
 * atomics, recording through SPSC rings to a writer thread, hot reload. */
#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <portaudio.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef _WIN32
#define ENABLE_SNDFILE_WINDOWS_PROTOTYPES 1 /* sf_wchar_open */
#include <windows.h>
#endif
#include <sndfile.h>

#include <cjson/cJSON.h>
#include <limits.h>

#include "audiolog.h"
#include "bridge.h"
#include "bx/analysis.h"
#include "bx/chain.h"
#include "bx/engine.h"
#include "bx/eqfit.h"
#include "bx/fsutil.h"
#include "bx/preset.h"
#include "bx/spectrum.h"
#include "exitcode.h"
#include "ring.h"
#include "threads.h"

#if defined(__SSE__) || defined(_M_X64) || defined(_M_IX86_FP)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#endif
#ifdef __linux__
#include <pa_jack.h>
#endif
#ifdef _WIN32
#include <conio.h>
#include <io.h>
#include <pa_win_wasapi.h>
#include <windows.h>
#if defined(__has_include)
#if __has_include(<pa_asio.h>)
#include <pa_asio.h> /* only in PortAudio builds with ASIO (vcpkg: portaudio[asio]) */
#define HAVE_PA_ASIO 1
#endif
#endif
#define isatty _isatty
#define fileno _fileno
#else
#include <termios.h>
#include <unistd.h>
#endif

volatile sig_atomic_t live_stop, live_reload;

#define MONO_MAX 4096    /* frames processed per engine call inside the callback */
#define RING_SECONDS 4.0 /* recording slack before a slow disk overflows the ring */

/* Everything the callback touches: allocated before the stream starts. */
typedef struct cb_state {
    bx_engine *engine;
    unsigned in_ch, out_ch, mic;
    unsigned char out_mask[LIVE_MAX_OUT];
    float mono[MONO_MAX];
    ring *rec, *rec_dry;
    double rate; /* stream rate, Hz */
    double last_time;
    int ftz_done;
    /* --measure-latency: clicks out, onsets in (frames counted by the callback) */
    int measuring;
    unsigned long long frame;    /* frames since the stream started */
    unsigned long long click_at; /* frame of the last click, 0: none pending */
    unsigned long click_every;   /* frames between clicks */
    float threshold;             /* input level that counts as the click arriving */
    atomic_ullong lat_sum, lat_count, lat_min, lat_max;
    ring *learn; /* --learn: the dry mic, to the main thread */
    /* --duplex split: input and output streams joined by an SPSC ring */
    int split;
    bridge br;
    float in_mono[MONO_MAX];  /* the input callback's */
    float out_mono[MONO_MAX]; /* the output callback's */
    /* meters, read and reset by the main thread */
    _Atomic float in_peak, out_peak, comp_gr, lim_gr;
    atomic_ulong callbacks, xruns, late;
} cb_state;

static void peak_max(_Atomic float *m, float v)
{
    if (v > atomic_load_explicit(m, memory_order_relaxed))
        atomic_store_explicit(m, v, memory_order_relaxed);
}

/* Once per callback thread: flush denormals to zero, treat denormal inputs as zero. */
static void ftz_once(int *done)
{
#ifdef HAVE_MXCSR
    if (!*done) {
        _mm_setcsr(_mm_getcsr() | 0x8040);
        *done = 1;
    }
#else
    (void)done;
#endif
}

/* PortAudio's WASAPI backend never sets the xrun flags: watch the stream clock too. */
static void watch_clock(cb_state *s, double *last, unsigned long frames,
                        const PaStreamCallbackTimeInfo *time)
{
    if (time && time->currentTime > 0) {
        const double period = (double)frames / s->rate;
        /* a missed callback leaves a gap of two periods; jitter stays well under that */
        if (*last > 0 && time->currentTime - *last > 1.9 * period)
            atomic_fetch_add_explicit(&s->late, 1, memory_order_relaxed);
        *last = time->currentTime;
    }
}

/* The chain on one block: in has in_ch interleaved channels with the mic at
 * index mic (NULL: silence); out gets s->out_ch interleaved channels. */
static void run_block(cb_state *s, const float *in, unsigned in_ch, unsigned mic, float *out,
                      unsigned long frames)
{
    if (s->measuring) {
        /* a click every click_every frames; the first input sample above the
         * threshold after it is its arrival. The chain is not run. */
        for (unsigned long i = 0; i < frames; i++, s->frame++) {
            const float x = in ? in[i * in_ch + mic] : 0.0f;
            float y = 0.0f;
            if (s->click_at && fabsf(x) > s->threshold) {
                const unsigned long long d = s->frame - s->click_at;
                atomic_fetch_add(&s->lat_sum, d);
                atomic_fetch_add(&s->lat_count, 1);
                if (d < atomic_load(&s->lat_min))
                    atomic_store(&s->lat_min, d);
                if (d > atomic_load(&s->lat_max))
                    atomic_store(&s->lat_max, d);
                s->click_at = 0;
            }
            if (s->frame % s->click_every == s->click_every / 2) {
                y = 0.5f;
                s->click_at = s->frame;
            }
            for (unsigned c = 0; c < s->out_ch; c++)
                out[i * s->out_ch + c] = s->out_mask[c] ? y : 0.0f;
        }
        return;
    }
    unsigned long done = 0;
    while (done < frames) {
        const size_t n = frames - done < MONO_MAX ? frames - done : MONO_MAX;
        for (size_t i = 0; i < n; i++)
            s->mono[i] = in ? in[(done + i) * in_ch + mic] : 0.0f;
        if (s->rec_dry)
            ring_write(s->rec_dry, s->mono, n);
        if (s->learn)
            ring_write(s->learn, s->mono, n);
        bx_block_stats st;
        bx_engine_process(s->engine, s->mono, s->mono, n, &st);
        if (s->rec)
            ring_write(s->rec, s->mono, n);
        for (size_t i = 0; i < n; i++)
            for (unsigned c = 0; c < s->out_ch; c++)
                out[(done + i) * s->out_ch + c] = s->out_mask[c] ? s->mono[i] : 0.0f;
        peak_max(&s->in_peak, st.in_peak);
        peak_max(&s->out_peak, st.out_peak);
        peak_max(&s->comp_gr, st.comp_gr_db);
        peak_max(&s->lim_gr, st.lim_gr_db);
        done += n;
    }
}

/* Full duplex: one stream, one callback, input and output of the same period. */
static int callback(const void *input, void *output, unsigned long frames,
                    const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags flags, void *user)
{
    cb_state *s = user;
    ftz_once(&s->ftz_done);
    if (flags & (paInputUnderflow | paInputOverflow | paOutputUnderflow | paOutputOverflow))
        atomic_fetch_add_explicit(&s->xruns, 1, memory_order_relaxed);
    watch_clock(s, &s->last_time, frames, time);
    run_block(s, input, s->in_ch, s->mic, output, frames);
    atomic_fetch_add_explicit(&s->callbacks, 1, memory_order_relaxed);
    return paContinue;
}

/* --duplex split, input side: the mic channel into the bridge, nothing else. */
static int in_callback(const void *input, void *output, unsigned long frames,
                       const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags flags,
                       void *user)
{
    cb_state *s = user;
    const float *in = input;
    (void)output;
    (void)time;
    if (flags & (paInputUnderflow | paInputOverflow))
        atomic_fetch_add_explicit(&s->xruns, 1, memory_order_relaxed);
    bridge_input_block(&s->br, frames);
    unsigned long done = 0;
    while (done < frames) {
        const size_t n = frames - done < MONO_MAX ? frames - done : MONO_MAX;
        for (size_t i = 0; i < n; i++)
            s->in_mono[i] = in ? in[(done + i) * s->in_ch + s->mic] : 0.0f;
        bridge_push(&s->br, s->in_mono, n);
        done += n;
    }
    return paContinue;
}

/* --duplex split, output side: the bridge through the chain to the outputs. */
static int out_callback(const void *input, void *output, unsigned long frames,
                        const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags flags,
                        void *user)
{
    cb_state *s = user;
    float *out = output;
    (void)input;
    ftz_once(&s->ftz_done);
    if (flags & (paOutputUnderflow | paOutputOverflow))
        atomic_fetch_add_explicit(&s->xruns, 1, memory_order_relaxed);
    watch_clock(s, &s->last_time, frames, time);
    bridge_output_block(&s->br, frames);
    unsigned long done = 0;
    while (done < frames) {
        const size_t n = frames - done < MONO_MAX ? frames - done : MONO_MAX;
        bridge_pull(&s->br, s->out_mono, n);
        run_block(s, s->out_mono, 1, 0, out + done * s->out_ch, n);
        done += n;
    }
    atomic_fetch_add_explicit(&s->callbacks, 1, memory_order_relaxed);
    return paContinue;
}

/* ---- recording: the writer thread drains the rings ------------------------ */

typedef struct recorder {
    ring *r;
    SNDFILE *sf;
    char path[4096]; /* the file being written (numbered if the name was taken) */
    atomic_int stop;
    atomic_int failed; /* set by the writer thread: a write came up short */
    char why[160];     /* what failed (written before failed is set) */
    int reported;      /* the main loop has said so */
    thread_handle th;
    int running;
    double throttle_bps; /* > 0: the test hook below */
} recorder;

/* Test hook: BX_TEST_RECORD_THROTTLE_BPS=N holds the writer to N bytes of
 * samples per second while the stream runs, a disk slower than real time, so
 * that the ring's overflow handling can be tested end to end. Only this
 * thread waits; once stopping, it drains the ring at full speed. */
#define RECORD_THROTTLE_ENV "BX_TEST_RECORD_THROTTLE_BPS"
#define RECORD_CHUNK 8192      /* floats the writer takes from the ring at a time */
#define RECORD_NUMBER_MAX 9999 /* take.wav, take-2.wav, ... take-9999.wav */

/* How many floats the writer may take now: all it can hold, or under the
 * throttle what keeps it at throttle_bps since t0 (written so far: written). */
static size_t recorder_budget(const recorder *rc, int stopping, double t0, double written)
{
    if (rc->throttle_bps <= 0 || stopping)
        return RECORD_CHUNK;
    const double allowed = rc->throttle_bps * (thread_clock_s() - t0) / sizeof(float) - written;
    return allowed <= 0 ? 0 : allowed >= RECORD_CHUNK ? RECORD_CHUNK : (size_t)allowed;
}

static void recorder_main(void *arg)
{
    recorder *rc = arg;
    float buf[RECORD_CHUNK];
    const double t0 = thread_clock_s();
    double written = 0; /* floats */
    for (;;) {
        const int stopping = atomic_load(&rc->stop);
        size_t n;
        while ((n = ring_read(rc->r, buf, recorder_budget(rc, stopping, t0, written))) > 0) {
            /* after a failed write the ring is still drained (the callback
             * must not see it full), but nothing more is written */
            if (!atomic_load(&rc->failed) &&
                sf_write_float(rc->sf, buf, (sf_count_t)n) != (sf_count_t)n) {
                snprintf(rc->why, sizeof rc->why, "%s", sf_strerror(rc->sf));
                atomic_store(&rc->failed, 1);
            }
            written += (double)n;
        }
        if (stopping)
            break;
        thread_sleep_ms(10);
    }
}

/* The libsndfile format of a recording named path, by its extension; 0 if
 * recordings cannot have it. */
static int record_format(const char *path)
{
    static const struct {
        const char *ext;
        int format;
    } table[] = {
        {"wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT},   {"wave", SF_FORMAT_WAV | SF_FORMAT_FLOAT},
        {"w64", SF_FORMAT_W64 | SF_FORMAT_FLOAT},   {"rf64", SF_FORMAT_RF64 | SF_FORMAT_FLOAT},
        {"caf", SF_FORMAT_CAF | SF_FORMAT_FLOAT},   {"aif", SF_FORMAT_AIFF | SF_FORMAT_FLOAT},
        {"aiff", SF_FORMAT_AIFF | SF_FORMAT_FLOAT}, {"flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24}};
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
#ifdef _WIN32
    const char *bs = strrchr(path, '\\');
    if (bs && (!slash || bs > slash))
        slash = bs;
#endif
    if (!dot || (slash && dot < slash))
        return 0;
    char ext[8];
    size_t n = 0;
    for (const char *c = dot + 1; *c && n + 1 < sizeof ext; c++)
        ext[n++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    ext[n] = '\0';
    if (strlen(dot + 1) != n)
        return 0;
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(ext, table[i].ext) == 0)
            return table[i].format;
    return 0;
}

/* Create the file for a recording that must not replace anything: path
 * itself, else "stem-2.ext", "stem-3.ext", ... (the first name that is free,
 * taken with O_EXCL so no other writer can slip in between). A device or
 * FIFO is written through. The name used goes to out. -1 (err set) if none
 * could be created. */
static int record_open(const char *path, char *out, size_t out_n, bx_error *err)
{
    char *target = NULL;
    bx_output_kind kind;
    if (bx_output_prepare(path, &target, &kind, err) != BX_OK)
        return -1;
    if (kind == BX_OUTPUT_THROUGH) {
        snprintf(out, out_n, "%s", path);
        const int fd = bx_output_open_through(target, err);
        bx_free(target);
        return fd;
    }
    const char *dot = strrchr(target, '.');
    const size_t stem = dot ? (size_t)(dot - target) : strlen(target);
    int fd = -1;
    for (int k = 1; k <= RECORD_NUMBER_MAX && fd < 0; k++) {
        if (k == 1)
            snprintf(out, out_n, "%s", target);
        else
            snprintf(out, out_n, "%.*s-%d%s", (int)stem, target, k, dot ? dot : "");
#ifdef _WIN32
        wchar_t w[MAX_PATH * 4];
        fd = MultiByteToWideChar(CP_UTF8, 0, out, -1, w, (int)(sizeof w / sizeof *w)) > 0
                 ? _wopen(w, _O_RDWR | _O_CREAT | _O_EXCL | _O_BINARY, _S_IREAD | _S_IWRITE)
                 : -1;
#else
        fd = open(out, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
#endif
        if (fd < 0 && errno != EEXIST) {
            bx_error_set(err, BX_ERR_IO, "%s: cannot create the recording: %s", out,
                         strerror(errno));
            bx_free(target);
            return -1;
        }
    }
    if (fd < 0)
        bx_error_set(err, BX_ERR_IO, "%s: %d numbered names are taken already", path,
                     RECORD_NUMBER_MAX);
    bx_free(target);
    return fd;
}

static int recorder_start(recorder *rc, const char *path, double rate, ring *r, int quiet)
{
    SF_INFO si = {0};
    si.samplerate = (int)rate;
    si.channels = 1;
    si.format = record_format(path);
    if (!si.format)
        si.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT; /* a device or FIFO (checked before) */
    rc->sf = NULL;
    bx_error e;
    const int fd = record_open(path, rc->path, sizeof rc->path, &e);
    if (fd < 0) {
        fprintf(stderr, "bxlive: %s\n", e.msg);
        return -1;
    }
    rc->sf = sf_open_fd(fd, SFM_WRITE, &si, SF_TRUE);
    if (!rc->sf) {
        bx_error_set(&e, BX_ERR_IO, "%s: cannot create the recording: %s", rc->path,
                     sf_strerror(NULL));
        fprintf(stderr, "bxlive: %s\n", e.msg);
#ifdef _WIN32
        _close(fd);
#else
        close(fd);
#endif
        return -1;
    }
    if (!quiet && strcmp(rc->path, path) != 0 && !bx_same_file(rc->path, path))
        fprintf(stderr, "bxlive: %s exists: recording to %s\n", path, rc->path);
    /* the header is rewritten after every write: the file is valid however we stop */
    sf_command(rc->sf, SFC_SET_UPDATE_HEADER_AUTO, NULL, SF_TRUE);
    sf_command(rc->sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
    rc->r = r;
    atomic_init(&rc->stop, 0);
    atomic_init(&rc->failed, 0);
    const char *throttle = getenv(RECORD_THROTTLE_ENV);
    rc->throttle_bps = throttle ? strtod(throttle, NULL) : 0.0;
    if (thread_start(&rc->th, recorder_main, rc) != 0) {
        sf_close(rc->sf);
        rc->sf = NULL;
        fprintf(stderr, "bxlive: %s: cannot start the recording thread\n", rc->path);
        return -1;
    }
    rc->running = 1;
    return 0;
}

/* After the recording: say how much a disk slower than real time made the callback drop. */
static void report_overflows(const char *path, ring *r)
{
    const size_t n = r ? atomic_load(&r->overflows) : 0;
    if (n)
        fprintf(stderr, "bxlive: %s: the disk was too slow; %zu block(s) were dropped\n", path, n);
}

/* A recording whose writes failed: say so once (on its own line under a
 * meter line), and give the flag for the meter line and the JSON. */
static int recorder_check(recorder *rc, int tty)
{
    if (!atomic_load(&rc->failed))
        return 0;
    if (!rc->reported) {
        fprintf(stderr, "%sbxlive: %s: recording failed (%s); what was recorded before is kept\n",
                tty ? "\n" : "", rc->path, rc->why);
        rc->reported = 1;
    }
    return 1;
}

/* the JSON string value of what failed ("null" if nothing) */
static const char *recorder_json(const recorder *a, const recorder *b, char *buf, size_t n)
{
    const recorder *f = a->reported ? a : b->reported ? b : NULL;
    if (!f)
        return "null";
    size_t k = 0;
    buf[k++] = '"';
    for (const char *c = f->path; *c && k + 8 < n; c++) {
        if (*c == '"' || *c == '\\')
            buf[k++] = '\\';
        if ((unsigned char)*c >= 0x20)
            buf[k++] = *c;
    }
    buf[k++] = '"';
    buf[k] = '\0';
    return buf;
}

static void recorder_finish(recorder *rc)
{
    if (rc->running) {
        atomic_store(&rc->stop, 1);
        thread_join(&rc->th);
        rc->running = 0;
    }
    if (rc->sf) {
        sf_write_sync(rc->sf);
        const int e = sf_close(rc->sf);
        rc->sf = NULL;
        if (e != 0 && !atomic_load(&rc->failed)) {
            snprintf(rc->why, sizeof rc->why, "could not finish the file: %s", sf_error_number(e));
            atomic_store(&rc->failed, 1);
        }
    }
}

/* ---- devices ---------------------------------------------------------------- */

static const struct {
    const char *name;
    PaHostApiTypeId id;
} hosts[] = {{"asio", paASIO},   {"wasapi", paWASAPI},
             {"wdmks", paWDMKS}, {"directsound", paDirectSound},
             {"mme", paMME},     {"coreaudio", paCoreAudio},
             {"alsa", paALSA},   {"jack", paJACK},
             {"oss", paOSS}};

static void list_hosts(FILE *f)
{
    fprintf(f, "host APIs in this build:");
    for (PaHostApiIndex h = 0; h < Pa_GetHostApiCount(); h++) {
        const PaHostApiInfo *hi = Pa_GetHostApiInfo(h);
        const char *key = "?";
        for (size_t k = 0; k < sizeof hosts / sizeof *hosts; k++)
            if (hosts[k].id == hi->type)
                key = hosts[k].name;
        fprintf(f, " %s (%s, %d devices)", key, hi->name, hi->deviceCount);
    }
    fprintf(f, "\n");
}

/* Host API index for a --host name; -1 (message printed) if unknown or absent. */
static PaHostApiIndex find_host(const char *name)
{
    if (!name)
        return Pa_GetDefaultHostApi();
    for (size_t k = 0; k < sizeof hosts / sizeof *hosts; k++) {
        if (strcmp(hosts[k].name, name) == 0) {
            PaHostApiIndex h = Pa_HostApiTypeIdToHostApiIndex(hosts[k].id);
            if (h >= 0)
                return h;
            break;
        }
    }
    fprintf(stderr, "bxlive: --host %s: not available%s; ", name,
            strcmp(name, "jack") == 0 ? " (is a JACK server running?)" : "");
    list_hosts(stderr);
    return -1;
}

static int contains_ci(const char *hay, const char *needle)
{
    const size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        size_t k = 0;
        while (k < n && p[k] &&
               (p[k] | 0x20) == (needle[k] | 0x20) /* ASCII case folding is enough here */)
            k++;
        if (k == n)
            return 1;
    }
    return n == 0;
}

/* A device of host h by index or name substring, with input (want_in) or output. */
static PaDeviceIndex find_device(PaHostApiIndex h, const char *spec, int want_in)
{
    const PaHostApiInfo *hi = Pa_GetHostApiInfo(h);
    if (!spec)
        return want_in ? hi->defaultInputDevice : hi->defaultOutputDevice;
    char *end;
    long idx = strtol(spec, &end, 10);
    if (*end == '\0') {
        if (idx >= 0 && idx < Pa_GetDeviceCount())
            return (PaDeviceIndex)idx;
        return paNoDevice;
    }
    for (int i = 0; i < hi->deviceCount; i++) {
        PaDeviceIndex d = Pa_HostApiDeviceIndexToDeviceIndex(h, i);
        const PaDeviceInfo *di = Pa_GetDeviceInfo(d);
        if ((want_in ? di->maxInputChannels : di->maxOutputChannels) > 0 &&
            contains_ci(di->name, spec))
            return d;
    }
    return paNoDevice;
}

int live_list_devices(const char *host)
{
#ifdef __linux__
    PaJack_SetClientName("bxlive");
#endif
    audiolog_install();
    PaError e = Pa_Initialize();
    if (e != paNoError) {
        fprintf(stderr, "bxlive: PortAudio: %s\n", Pa_GetErrorText(e));
        return BX_EXIT_DEVICE;
    }
    int rc = BX_EXIT_OK;
    PaHostApiIndex only = -1;
    if (host && (only = find_host(host)) < 0) {
        rc = BX_EXIT_USAGE;
        goto out;
    }
    printf("%-5s %-12s %-40s %4s %4s %8s %14s\n", "index", "host", "name", "in", "out", "rate",
           "low latency ms");
    for (PaDeviceIndex d = 0; d < Pa_GetDeviceCount(); d++) {
        const PaDeviceInfo *di = Pa_GetDeviceInfo(d);
        if (only >= 0 && di->hostApi != only)
            continue;
        const PaHostApiInfo *hi = Pa_GetHostApiInfo(di->hostApi);
        const char *key = hi->name;
        for (size_t k = 0; k < sizeof hosts / sizeof *hosts; k++)
            if (hosts[k].id == hi->type)
                key = hosts[k].name;
        printf("%-5d %-12s %-40.40s %4d %4d %8.0f %6.1f/%-6.1f%s\n", d, key, di->name,
               di->maxInputChannels, di->maxOutputChannels, di->defaultSampleRate,
               1000.0 * di->defaultLowInputLatency, 1000.0 * di->defaultLowOutputLatency,
               (d == hi->defaultInputDevice || d == hi->defaultOutputDevice) ? "  (default)" : "");
#ifdef HAVE_PA_ASIO
        long mn, mx, pref, gran;
        if (hi->type == paASIO &&
            PaAsio_GetAvailableBufferSizes(d, &mn, &mx, &pref, &gran) == paNoError)
            printf("      ASIO buffer sizes: %ld..%ld frames, preferred %ld, granularity %ld\n", mn,
                   mx, pref, gran);
#endif
    }
out:
    Pa_Terminate();
    return rc;
}

/* ---- the session ------------------------------------------------------------ */

static double db(double lin)
{
    return lin > 1e-10 ? 20.0 * log10(lin) : -200.0;
}

/* What the preset watcher compares. The modification time alone misses a file
 * completed within one tick of the file system's clock (a jiffy on Linux)
 * after the watcher saw its first part, and a copy that keeps its source's
 * time: the size, the status-change time and the file's identity (a rename
 * over it makes a new one) are compared too. */
typedef struct file_stamp {
    long long mtime, ctime, size, id; /* ctime and id: 0 where there are none */
    int exists;
} file_stamp;

static file_stamp stamp_of(const char *path)
{
    file_stamp f = {0, 0, 0, 0, 0};
#if defined(_WIN32)
    /* the path is UTF-8: ask through its wide-character form (100 ns ticks) */
    wchar_t w[MAX_PATH * 4];
    WIN32_FILE_ATTRIBUTE_DATA fa;
    if (MultiByteToWideChar(CP_UTF8, 0, path, -1, w, (int)(sizeof w / sizeof *w)) <= 0 ||
        !GetFileAttributesExW(w, GetFileExInfoStandard, &fa))
        return f;
    const unsigned long long t = ((unsigned long long)fa.ftLastWriteTime.dwHighDateTime << 32) |
                                 fa.ftLastWriteTime.dwLowDateTime;
    f.mtime = (long long)(t & 0x7fffffffffffffffULL);
    f.size = (long long)(((unsigned long long)fa.nFileSizeHigh << 32) | fa.nFileSizeLow);
#else
    struct stat st;
    if (stat(path, &st) != 0)
        return f;
#if defined(__APPLE__)
    f.mtime = (long long)st.st_mtimespec.tv_sec * 1000000000LL + st.st_mtimespec.tv_nsec;
    f.ctime = (long long)st.st_ctimespec.tv_sec * 1000000000LL + st.st_ctimespec.tv_nsec;
#else
    f.mtime = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    f.ctime = (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
#endif
    f.size = (long long)st.st_size;
    f.id = (long long)st.st_ino;
#endif
    f.exists = 1;
    return f;
}

static int stamp_same(const file_stamp *a, const file_stamp *b)
{
    return a->exists == b->exists && a->mtime == b->mtime && a->ctime == b->ctime &&
           a->size == b->size && a->id == b->id;
}

/* Load, validate and design a chain for the stream, off the audio thread. */
static bx_chain *load_chain(const char *path, double rate, bx_error *err)
{
    bx_preset p;
    if (bx_preset_load(path, &p, err))
        return NULL;
    bx_error e2;
    bx_chain *c = bx_chain_create(&p.chain, rate, 1, &e2);
    if (!c)
        bx_error_set(err, e2.code, "%s: %s (the stream runs at %g Hz)", path, e2.msg, rate);
    bx_preset_free(&p);
    return c;
}

#ifndef _WIN32
static struct termios saved_tty;
static int tty_raw;

static void keys_begin(void)
{
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) != 0)
        return;
    struct termios t = saved_tty;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
        tty_raw = 1;
}

static int key_poll(void)
{
    unsigned char c;
    if (tty_raw && read(STDIN_FILENO, &c, 1) == 1)
        return c;
    return -1;
}

static void keys_end(void)
{
    if (tty_raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
    tty_raw = 0;
}
#else
static void keys_begin(void)
{
}
static int key_poll(void)
{
    return _isatty(_fileno(stdin)) && _kbhit() ? _getch() : -1;
}
static void keys_end(void)
{
}
#endif

/* --learn: fit the EQ so the mic's spectrum (spec) becomes the reference's. */
static int learn_finish(const live_opts *o, const bx_spectrum *spec, double rate)
{
    bx_preset p;
    bx_error err;
    if (bx_preset_load(o->preset_path, &p, &err)) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        return BX_EXIT_PRESET;
    }
    bx_analysis_curve rc;
    int rcode = BX_EXIT_OK;
    if (bx_analysis_reference_ltas(p.analysis_json, &rc, &err) != BX_OK) {
        fprintf(stderr,
                "bxlive: %s: has no reference spectrum (analysis.reference.ltas); make it "
                "with bxanalyze\n",
                o->preset_path);
        bx_preset_free(&p);
        return BX_EXIT_PRESET;
    }
    enum { N = 200 };
    double f[N], t[N];
    const double hi = fmin(16000.0, 0.45 * rate);
    for (int i = 0; i < N; i++) {
        f[i] = 30.0 * pow(hi / 30.0, (double)i / (N - 1));
        t[i] = bx_analysis_curve_db_at(&rc, f[i]) - bx_spectrum_db_at(spec, f[i], 1.0 / 3.0);
    }
    bx_eqfit_opts eo;
    bx_eqfit_opts_default(&eo, rate, p.chain.n_bands > 0 ? p.chain.n_bands : 6);
    bx_eqfit_result r;
    if (bx_eqfit(f, t, NULL, N, &eo, &r, &err)) {
        fprintf(stderr, "bxlive: --learn: %s\n", err.msg);
        bx_preset_free(&p);
        return BX_EXIT_INTERNAL;
    }
    p.chain.n_bands = 0;
    for (unsigned k = 0; k < r.n_bands; k++) {
        bx_band b = r.bands[k];
        b.gain_db = fmin(fmax(b.gain_db, BX_EQ_GAIN_MIN_DB), BX_EQ_GAIN_MAX_DB);
        b.q = fmin(fmax(b.q, BX_Q_MIN), BX_Q_MAX);
        p.chain.bands[p.chain.n_bands++] = b;
    }
    printf("learned EQ (%u bands, fit error %.2f dB RMS, level offset %+.1f dB):\n", r.n_bands,
           r.rms_error_db, r.offset_db);
    for (unsigned k = 0; k < p.chain.n_bands; k++) {
        const bx_band *b = &p.chain.bands[k];
        if (bx_biquad_type_has_gain(b->type))
            printf("  %-10s %8.1f Hz %+6.1f dB  Q %.2f\n", bx_biquad_type_name(b->type), b->freq_hz,
                   b->gain_db, b->q);
        else
            printf("  %-10s %8.1f Hz           Q %.2f\n", bx_biquad_type_name(b->type), b->freq_hz,
                   b->q);
    }
    if (o->save_path) {
        if (bx_preset_save(o->save_path, &p, &err)) {
            fprintf(stderr, "bxlive: %s\n", err.msg);
            rcode = BX_EXIT_OUTPUT;
        } else {
            printf("saved %s\n", o->save_path);
        }
    }
    bx_preset_free(&p);
    return rcode;
}

/* --duplex split: audible glitches of the bridge (input blocks refused, the
 * output running dry, a backlog dropped). */
static unsigned long split_glitches(cb_state *s)
{
    return s->split ? bridge_glitches(&s->br) : 0;
}

/* --duplex split: the bridge's counters as extra --status-json fields ("" without). */
static const char *bridge_json(cb_state *s)
{
    static char buf[160];
    if (!s->split)
        return "";
    snprintf(
        buf, sizeof buf, ",\"bridge_overflows\":%zu,\"bridge_underruns\":%lu,\"bridge_drops\":%lu",
        atomic_load(&s->br.r->overflows), atomic_load(&s->br.underruns), atomic_load(&s->br.drops));
    return buf;
}

int live_run(const live_opts *o)
{
    bx_error err;
    int rc = BX_EXIT_OK;
    PaStream *stream = NULL;    /* full duplex, or the output stream with --duplex split */
    PaStream *stream_in = NULL; /* --duplex split: the input stream */
    cb_state *s = NULL;
    recorder rec = {0}, rec_dry = {0};
    bx_ltas *learn = NULL;
    int pa_up = 0, started = 0;
    int dead = 0; /* the stream died under us: PortAudio's stop/close/terminate may then never
                     return (seen with a JACK server that was killed), so do not call them */

    /* the recordings' names, before anything starts */
    const char *recs[2] = {o->record, o->record_dry};
    for (int i = 0; i < 2; i++) {
        const char *r = recs[i], *opt = i ? "--record-dry" : "--record";
        if (!r)
            continue;
        if (strcmp(r, o->preset_path) == 0 || bx_same_file(r, o->preset_path)) {
            fprintf(stderr, "bxlive: %s %s: that is the preset; refusing to record over it\n", opt,
                    r);
            return BX_EXIT_USAGE;
        }
        if (!record_format(r) && !bx_output_is_through(r)) {
            fprintf(stderr,
                    "bxlive: %s %s: a recording is .wav, .w64, .rf64, .caf, .aiff or .flac\n", opt,
                    r);
            return BX_EXIT_USAGE;
        }
    }
    if (recs[0] && recs[1] && !bx_output_is_through(recs[0]) &&
        (strcmp(recs[0], recs[1]) == 0 || bx_same_file(recs[0], recs[1]))) {
        fprintf(stderr, "bxlive: --record and --record-dry both name %s\n", recs[0]);
        return BX_EXIT_USAGE;
    }

    /* validate the preset before touching any device */
    bx_preset probe;
    if (bx_preset_load(o->preset_path, &probe, &err)) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        return err.code == BX_ERR_NOMEM ? BX_EXIT_INTERNAL : BX_EXIT_PRESET;
    }
    if (o->learn_s > 0) {
        bx_analysis_curve rcv;
        if (bx_analysis_reference_ltas(probe.analysis_json, &rcv, &err) != BX_OK) {
            fprintf(stderr,
                    "bxlive: %s: has no reference spectrum (analysis.reference.ltas) to "
                    "learn towards; make the preset with bxanalyze\n",
                    o->preset_path);
            bx_preset_free(&probe);
            return BX_EXIT_PRESET;
        }
    }
    bx_preset_free(&probe);

#ifdef __linux__
    PaJack_SetClientName("bxlive"); /* read when PortAudio opens its JACK client */
#endif
    audiolog_install();
    PaError pe = Pa_Initialize();
    if (pe != paNoError) {
        fprintf(stderr, "bxlive: PortAudio: %s\n", Pa_GetErrorText(pe));
        return BX_EXIT_DEVICE;
    }
    pa_up = 1;
    const PaHostApiIndex h = find_host(o->host);
    if (h < 0) {
        rc = BX_EXIT_USAGE;
        goto out;
    }
    const PaHostApiInfo *hi = Pa_GetHostApiInfo(h);
    const PaDeviceIndex din = find_device(h, o->input, 1), dout = find_device(h, o->output, 0);
    if (din == paNoDevice || dout == paNoDevice) {
        fprintf(stderr, "bxlive: %s: no such %s device on %s (see bxlive --list-devices)\n",
                din == paNoDevice ? (o->input ? o->input : "default")
                                  : (o->output ? o->output : "default"),
                din == paNoDevice ? "input" : "output", hi->name);
        rc = BX_EXIT_DEVICE;
        goto out;
    }
    const PaDeviceInfo *ii = Pa_GetDeviceInfo(din), *oi = Pa_GetDeviceInfo(dout);
    const unsigned mic = o->in_channel ? o->in_channel : 1;
    if ((int)mic > ii->maxInputChannels) {
        fprintf(stderr, "bxlive: --in-channel %u: %s has %d input channel(s)\n", mic, ii->name,
                ii->maxInputChannels);
        rc = BX_EXIT_DEVICE;
        goto out;
    }
    unsigned outs[LIVE_MAX_OUT], n_out = o->n_out;
    if (n_out) {
        memcpy(outs, o->out_channels, n_out * sizeof *outs);
    } else {
        outs[0] = 1;
        outs[1] = 2;
        n_out = oi->maxOutputChannels >= 2 ? 2 : 1;
    }
    unsigned out_ch = 0;
    for (unsigned k = 0; k < n_out; k++) {
        if ((int)outs[k] > oi->maxOutputChannels || outs[k] < 1) {
            fprintf(stderr, "bxlive: --out-channels: %s has %d output channel(s), not %u\n",
                    oi->name, oi->maxOutputChannels, outs[k]);
            rc = BX_EXIT_DEVICE;
            goto out;
        }
        out_ch = outs[k] > out_ch ? outs[k] : out_ch;
    }
    const double rate = o->rate_hz > 0 ? o->rate_hz : ii->defaultSampleRate;

    s = bx_calloc(1, sizeof *s);
    if (!s) {
        rc = BX_EXIT_INTERNAL;
        goto out;
    }
    bx_chain *chain = load_chain(o->preset_path, rate, &err);
    if (!chain) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        rc = BX_EXIT_PRESET;
        goto out;
    }
    s->engine = bx_engine_create(chain, rate, 1, &err);
    if (!s->engine) {
        bx_chain_destroy(chain);
        fprintf(stderr, "bxlive: %s\n", err.msg);
        rc = BX_EXIT_INTERNAL;
        goto out;
    }
    bx_engine_set_bypass(s->engine, o->bypass);
    bx_engine_reset(s->engine);
    s->in_ch = mic;
    s->mic = mic - 1;
    s->out_ch = out_ch;
    for (unsigned k = 0; k < n_out; k++)
        s->out_mask[outs[k] - 1] = 1;
    if (o->record && !(s->rec = ring_create((size_t)(RING_SECONDS * rate)))) {
        rc = BX_EXIT_INTERNAL;
        goto out;
    }
    if (o->record_dry && !(s->rec_dry = ring_create((size_t)(RING_SECONDS * rate)))) {
        rc = BX_EXIT_INTERNAL;
        goto out;
    }

    if (o->split) {
        if (bridge_init(&s->br, 8 * MONO_MAX) != 0) {
            rc = BX_EXIT_INTERNAL;
            goto out;
        }
        s->split = 1;
    }
    if (o->learn_s > 0) {
        if (!(s->learn = ring_create((size_t)(RING_SECONDS * rate))) ||
            !(learn = bx_ltas_create(rate, 0, &err))) {
            rc = BX_EXIT_INTERNAL;
            goto out;
        }
    }
    s->measuring = o->measure_latency;
    s->click_every = (unsigned long)(0.5 * rate);
    s->threshold = 0.05f;
    atomic_init(&s->lat_min, ULLONG_MAX);

    PaStreamParameters ip = {din, (int)s->in_ch, paFloat32, ii->defaultLowInputLatency, NULL};
    PaStreamParameters op = {dout, (int)s->out_ch, paFloat32, oi->defaultLowOutputLatency, NULL};
#ifdef HAVE_PA_ASIO
    /* ASIO: open just the mic and the chosen outputs through channel selectors */
    int asio_in_sel[1], asio_out_sel[LIVE_MAX_OUT];
    PaAsioStreamInfo asio_in, asio_out;
    if (hi->type == paASIO) {
        asio_in_sel[0] = (int)mic - 1;
        for (unsigned k = 0; k < n_out; k++)
            asio_out_sel[k] = (int)outs[k] - 1;
        memset(&asio_in, 0, sizeof asio_in);
        asio_in.size = sizeof(PaAsioStreamInfo);
        asio_in.hostApiType = paASIO;
        asio_in.version = 1;
        asio_in.flags = paAsioUseChannelSelectors;
        asio_out = asio_in;
        asio_in.channelSelectors = asio_in_sel;
        asio_out.channelSelectors = asio_out_sel;
        s->in_ch = 1;
        s->mic = 0;
        s->out_ch = n_out;
        memset(s->out_mask, 1, n_out);
        ip.channelCount = 1;
        op.channelCount = (int)n_out;
        ip.hostApiSpecificStreamInfo = &asio_in;
        op.hostApiSpecificStreamInfo = &asio_out;
    }
#endif
#ifdef _WIN32
    PaWasapiStreamInfo wasapi_in, wasapi_out;
    if (o->exclusive && hi->type == paWASAPI) {
        memset(&wasapi_in, 0, sizeof wasapi_in);
        wasapi_in.size = sizeof(PaWasapiStreamInfo);
        wasapi_in.hostApiType = paWASAPI;
        wasapi_in.version = 1;
        wasapi_in.flags = paWinWasapiExclusive | paWinWasapiThreadPriority;
        wasapi_in.threadPriority = eThreadPriorityProAudio;
        wasapi_out = wasapi_in;
        ip.hostApiSpecificStreamInfo = &wasapi_in;
        op.hostApiSpecificStreamInfo = &wasapi_out;
    }
#endif
    const unsigned long fpb = o->buffer_frames ? o->buffer_frames : paFramesPerBufferUnspecified;
    if (o->split) {
        pe = Pa_OpenStream(&stream_in, &ip, NULL, rate, fpb, paClipOff | paDitherOff, in_callback,
                           s);
        if (pe != paNoError)
            stream_in = NULL;
        else
            pe = Pa_OpenStream(&stream, NULL, &op, rate, fpb, paClipOff | paDitherOff, out_callback,
                               s);
    } else {
        pe = Pa_OpenStream(&stream, &ip, &op, rate, fpb, paClipOff | paDitherOff, callback, s);
    }
    if (pe != paNoError) {
        fprintf(stderr, "bxlive: cannot open %s -> %s at %g Hz, %lu frames: %s\n", ii->name,
                oi->name, rate, o->buffer_frames ? fpb : 0UL, Pa_GetErrorText(pe));
        stream = NULL;
        rc = BX_EXIT_DEVICE;
        goto out;
    }
    const PaStreamInfo *si = Pa_GetStreamInfo(stream);
    s->rate = si->sampleRate;
    const double in_latency = Pa_GetStreamInfo(stream_in ? stream_in : stream)->inputLatency;
    if (o->record && recorder_start(&rec, o->record, rate, s->rec, o->quiet) != 0) {
        rc = BX_EXIT_OUTPUT;
        goto out;
    }
    if (o->record_dry && recorder_start(&rec_dry, o->record_dry, rate, s->rec_dry, o->quiet) != 0) {
        rc = BX_EXIT_OUTPUT;
        goto out;
    }
    if (!o->quiet) {
        char chans[LIVE_MAX_OUT * 4] = "", frames[32];
        for (unsigned k = 0; k < n_out; k++)
            snprintf(chans + strlen(chans), sizeof chans - strlen(chans), "%s%u", k ? "," : "",
                     outs[k]);
        if (o->buffer_frames)
            snprintf(frames, sizeof frames, "%u frames", o->buffer_frames);
        else
            snprintf(frames, sizeof frames, "host-chosen buffer");
        fprintf(
            stderr,
            "bxlive: %s | in \"%s\" ch %u -> out \"%s\" ch %s | %.0f Hz | %s | "
            "latency in %.1f ms + out %.1f ms = %.1f ms%s\n",
            hi->name, ii->name, mic, oi->name, chans, si->sampleRate, frames, 1000.0 * in_latency,
            1000.0 * si->outputLatency, 1000.0 * (in_latency + si->outputLatency),
            o->split               ? " + up to one period (split duplex)"
            : hi->type == paWASAPI ? " (WASAPI full duplex polls: --duplex split or ASIO for less)"
                                   : "");
    }
    if (o->status_json) { /* the first line: what the stream is */
        cJSON *ev = cJSON_CreateObject(), *ch = cJSON_CreateArray();
        for (unsigned k = 0; ch && k < n_out; k++)
            cJSON_AddItemToArray(ch, cJSON_CreateNumber(outs[k]));
        if (ev && ch) {
            cJSON_AddStringToObject(ev, "event", "start");
            cJSON_AddStringToObject(ev, "preset", o->preset_path);
            cJSON_AddStringToObject(ev, "host", hi->name);
            cJSON_AddStringToObject(ev, "input", ii->name);
            cJSON_AddStringToObject(ev, "output", oi->name);
            cJSON_AddNumberToObject(ev, "in_channel", mic);
            cJSON_AddItemToObject(ev, "out_channels", ch);
            ch = NULL;
            cJSON_AddNumberToObject(ev, "rate", si->sampleRate);
            if (o->buffer_frames)
                cJSON_AddNumberToObject(ev, "buffer_frames", o->buffer_frames);
            else
                cJSON_AddNullToObject(ev, "buffer_frames");
            cJSON_AddStringToObject(ev, "duplex", o->split ? "split" : "joint");
            cJSON_AddNumberToObject(ev, "in_latency_ms", 1000.0 * in_latency);
            cJSON_AddNumberToObject(ev, "out_latency_ms", 1000.0 * si->outputLatency);
            if (o->record)
                cJSON_AddStringToObject(ev, "record", rec.path);
            if (o->record_dry)
                cJSON_AddStringToObject(ev, "record_dry", rec_dry.path);
            cJSON_AddBoolToObject(ev, "bypass", o->bypass);
        }
        char *line = ev ? cJSON_PrintUnformatted(ev) : NULL;
        if (line) {
            printf("%s\n", line);
            fflush(stdout);
            cJSON_free(line);
        }
        cJSON_Delete(ch);
        cJSON_Delete(ev);
    }
    /* split: the output first; it plays silence until the input has filled one period */
    pe = Pa_StartStream(stream);
    if (pe == paNoError && stream_in)
        pe = Pa_StartStream(stream_in);
    if (pe != paNoError) {
        fprintf(stderr, "bxlive: cannot start the stream: %s\n", Pa_GetErrorText(pe));
        rc = BX_EXIT_DEVICE;
        goto out;
    }
    started = 1;

    /* ---- the control loop: meters, keys, reload, status ---- */
    const int tty = isatty(fileno(stderr)) && !o->quiet && !o->status_json;
    keys_begin();
    /* seen: the preset file as last loaded (or refused); pending: as found by
     * the last turn of the loop while it differed from seen */
    file_stamp seen = stamp_of(o->preset_path), pending = seen;
    const double t0 = thread_clock_s();
    double next_status = t0 + 1.0;
    unsigned long reloads = 0;
    float st_in = 0, st_out = 0, st_gr = 0, st_lim = 0; /* peaks since the last status line */
    while (!live_stop) {
        thread_sleep_ms(66);
        const double now = thread_clock_s();
        if (o->duration_s > 0 && now - t0 >= o->duration_s)
            break;
        if (o->measure_latency && o->duration_s <= 0 && now - t0 >= 5.0)
            break;
        if (learn) {
            float buf[4096];
            size_t got;
            while ((got = ring_read(s->learn, buf, 4096)) > 0)
                bx_ltas_add(learn, buf, got);
            if (now - t0 >= o->learn_s)
                break;
        }
        if (Pa_IsStreamActive(stream) != 1 || (stream_in && Pa_IsStreamActive(stream_in) != 1)) {
            fprintf(stderr, "%sbxlive: the audio stream stopped (device lost or server gone)\n",
                    tty ? "\n" : "");
            rc = BX_EXIT_DEVICE;
            dead = 1;
            break;
        }
        const int key = key_poll();
        if (key == 'q' || key == 'Q')
            break;
        if (key == 'b' || key == 'B' || key == 'a' || key == 'A')
            bx_engine_set_bypass(s->engine, !bx_engine_get_bypass(s->engine));
        /* a changed file is read once it has stayed the same for one turn of
         * this loop (66 ms), so that a save written in parts is read whole */
        const file_stamp cur = stamp_of(o->preset_path);
        int settled = 0;
        if (cur.exists && !stamp_same(&cur, &seen)) {
            settled = stamp_same(&cur, &pending);
            pending = cur;
        }
        if (live_reload || key == 'r' || key == 'R' || settled) {
            live_reload = 0;
            bx_chain *next = load_chain(o->preset_path, si->sampleRate, &err);
            const file_stamp after = stamp_of(o->preset_path);
            if (!stamp_same(&after, &cur)) {
                /* written to while it was read: read it again once it has settled */
                bx_chain_destroy(next);
                pending = after;
            } else if (!next) {
                seen = pending = cur;
                fprintf(stderr, "%sbxlive: reload refused, keeping the running preset: %s\n",
                        tty ? "\n" : "", err.msg);
            } else {
                seen = pending = cur;
                int posted = bx_engine_post_chain(s->engine, next) == 0;
                while (!posted && !live_stop) {
                    bx_chain_destroy(bx_engine_collect(s->engine));
                    thread_sleep_ms(5);
                    posted = bx_engine_post_chain(s->engine, next) == 0;
                }
                if (posted) {
                    reloads++;
                    if (!o->quiet && !o->status_json)
                        fprintf(stderr, "%sbxlive: reloaded %s\n", tty ? "\n" : "", o->preset_path);
                } else {
                    bx_chain_destroy(next); /* stopping before the audio thread took it */
                }
            }
        }
        bx_chain_destroy(bx_engine_collect(s->engine));
        const float in_pk = atomic_exchange(&s->in_peak, 0.0f);
        const float out_pk = atomic_exchange(&s->out_peak, 0.0f);
        const float gr = atomic_exchange(&s->comp_gr, 0.0f);
        const float lim = atomic_exchange(&s->lim_gr, 0.0f);
        st_in = fmaxf(st_in, in_pk), st_out = fmaxf(st_out, out_pk);
        st_gr = fmaxf(st_gr, gr), st_lim = fmaxf(st_lim, lim);
        const unsigned long xr = atomic_load(&s->xruns) + atomic_load(&s->late) + split_glitches(s);
        const double cpu =
            Pa_GetStreamCpuLoad(stream) + (stream_in ? Pa_GetStreamCpuLoad(stream_in) : 0);
        const size_t ovf = (s->rec ? atomic_load(&s->rec->overflows) : 0) +
                           (s->rec_dry ? atomic_load(&s->rec_dry->overflows) : 0);
        const int rec_bad = recorder_check(&rec, tty) | recorder_check(&rec_dry, tty);
        if (tty) {
            /* the flags in a field of fixed width: one that goes away is wiped */
            char flags[64];
            snprintf(flags, sizeof flags, "%s%s",
                     bx_engine_get_bypass(s->engine) ? " | BYPASS" : "",
                     rec_bad ? " | REC FAILED"
                     : ovf   ? " | REC OVERFLOW"
                             : "");
            fprintf(stderr,
                    "\r in %6.1f dB | GR %5.1f dB | out %6.1f dB | cpu %3.0f%% | xruns %lu%-27s",
                    db(in_pk), gr, db(out_pk), 100.0 * cpu, xr, flags);
        }
        if (o->status_json && now >= next_status) {
            char rj[4200];
            printf("{\"t\":%.2f,\"in_peak_db\":%.1f,\"out_peak_db\":%.1f,\"gr_db\":%.1f,"
                   "\"lim_db\":%.1f,\"cpu\":%.3f,\"xruns\":%lu,\"flag_xruns\":%lu,\"late\":%lu,"
                   "\"callbacks\":%lu,\"bypass\":%s,\"reloads\":%lu,\"ring_overflows\":%zu,"
                   "\"record_failed\":%s%s}\n",
                   now - t0, db(st_in), db(st_out), st_gr, st_lim, cpu, xr, atomic_load(&s->xruns),
                   atomic_load(&s->late), atomic_load(&s->callbacks),
                   bx_engine_get_bypass(s->engine) ? "true" : "false", reloads, ovf,
                   recorder_json(&rec, &rec_dry, rj, sizeof rj), bridge_json(s));
            fflush(stdout);
            st_in = st_out = st_gr = st_lim = 0;
            next_status += 1.0;
        }
    }
    keys_end();
    if (tty)
        fprintf(stderr, "\n");
    if (o->status_json && started) { /* the last, partial second */
        const size_t ovf = (s->rec ? atomic_load(&s->rec->overflows) : 0) +
                           (s->rec_dry ? atomic_load(&s->rec_dry->overflows) : 0);
        char rj[4200];
        recorder_check(&rec, 0);
        recorder_check(&rec_dry, 0);
        st_in = fmaxf(st_in, atomic_exchange(&s->in_peak, 0.0f));
        st_out = fmaxf(st_out, atomic_exchange(&s->out_peak, 0.0f));
        printf("{\"t\":%.2f,\"in_peak_db\":%.1f,\"out_peak_db\":%.1f,\"gr_db\":%.1f,"
               "\"lim_db\":%.1f,\"cpu\":%.3f,\"xruns\":%lu,\"flag_xruns\":%lu,\"late\":%lu,"
               "\"callbacks\":%lu,\"bypass\":%s,\"reloads\":%lu,\"ring_overflows\":%zu,"
               "\"record_failed\":%s%s,\"final\":true}\n",
               thread_clock_s() - t0, db(st_in), db(st_out), st_gr, st_lim,
               dead ? 0.0 : Pa_GetStreamCpuLoad(stream),
               atomic_load(&s->xruns) + atomic_load(&s->late) + split_glitches(s),
               atomic_load(&s->xruns), atomic_load(&s->late), atomic_load(&s->callbacks),
               bx_engine_get_bypass(s->engine) ? "true" : "false", reloads, ovf,
               recorder_json(&rec, &rec_dry, rj, sizeof rj), bridge_json(s));
        fflush(stdout);
    }
    if (o->measure_latency && rc == BX_EXIT_OK) {
        const unsigned long long cnt = atomic_load(&s->lat_count);
        const double sr = si->sampleRate;
        if (cnt == 0) {
            fprintf(stderr, "bxlive: no click came back: connect the output to the input (a "
                            "loopback cable) and raise the input gain\n");
            rc = BX_EXIT_DEVICE;
        } else {
            const double mean = (double)atomic_load(&s->lat_sum) / (double)cnt;
            printf("measured round trip: %.0f frames = %.2f ms (min %llu, max %llu frames, %llu "
                   "clicks); the driver reports %.2f ms (%.0f frames)\n",
                   mean, 1000.0 * mean / sr, atomic_load(&s->lat_min), atomic_load(&s->lat_max),
                   cnt, 1000.0 * (in_latency + si->outputLatency),
                   (in_latency + si->outputLatency) * sr);
        }
    }
    if (learn && rc == BX_EXIT_OK) {
        Pa_StopStream(stream);
        if (stream_in)
            Pa_StopStream(stream_in);
        started = 0;
        float buf[4096];
        size_t got;
        while ((got = ring_read(s->learn, buf, 4096)) > 0)
            bx_ltas_add(learn, buf, got);
        bx_spectrum spec;
        if (bx_ltas_finish(learn, &spec, &err)) {
            fprintf(stderr, "bxlive: --learn: %s (was the microphone silent?)\n", err.msg);
            rc = BX_EXIT_DEVICE;
        } else {
            rc = learn_finish(o, &spec, si->sampleRate);
            bx_spectrum_free(&spec);
        }
    }
out:
    if (!dead) {
        if (stream) {
            if (started)
                Pa_StopStream(stream);
            Pa_CloseStream(stream);
        }
        if (stream_in) {
            if (started)
                Pa_StopStream(stream_in);
            Pa_CloseStream(stream_in);
        }
    }
    recorder_finish(&rec);
    recorder_finish(&rec_dry);
    /* a write that failed late (or while the stream stopped) is reported too */
    if (recorder_check(&rec, 0) | recorder_check(&rec_dry, 0))
        if (rc == BX_EXIT_OK)
            rc = BX_EXIT_OUTPUT;
    bx_ltas_destroy(learn);
    if (s && !o->quiet) {
        report_overflows(rec.path, s->rec);
        report_overflows(rec_dry.path, s->rec_dry);
    }
    if (s && dead) {
        /* a callback thread may be stuck inside PortAudio: leave its state alone */
        s = NULL;
    }
    if (s) {
        bx_engine_destroy(s->engine);
        ring_destroy(s->rec);
        ring_destroy(s->rec_dry);
        ring_destroy(s->learn);
        if (s->split)
            bridge_free(&s->br);
        bx_free(s);
    }
    if (pa_up && !dead)
        Pa_Terminate();
    return rc;
}
