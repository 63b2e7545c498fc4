/* live.c — the live monitor: the PortAudio callbacks (bx_engine_process and
 * nothing that can block; meters through atomics, recordings and --learn
 * through SPSC rings) and the session around them: set-up, the control loop
 * (keys, preset watch, meters and status), the end. The other rooms:
 * devices.c (host APIs and devices), recorder.c (the writer threads),
 * watch.c (file stamps), keys.c (the terminal), learn.c (--learn's fit). */
#include "live.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <portaudio.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audiolog.h"
#include "bridge.h"
#include "bx/analysis.h"
#include "bx/chain.h"
#include "bx/engine.h"
#include "bx/fsutil.h"
#include "bx/ltas.h"
#include "bx/preset.h"
#include "bx/spectrum.h"
#include "devices.h"
#include "exitcode.h"
#include "keys.h"
#include "learn.h"
#include "recorder.h"
#include "ring.h"
#include "threads.h"
#include "view.h"
#include "watch.h"

#if defined(__SSE__) || defined(_M_X64) || defined(_M_IX86_FP)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#endif
#ifdef __linux__
#include <pa_jack.h>
#endif
#ifdef _WIN32
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
    ring *learn;              /* --learn: the dry mic, to the main thread */
    atomic_int learning;      /* and whether it is being fed (not during a count-in) */
    ring *view_in, *view_out; /* the live view: the dry mic and the output, to the main thread */
    /* --duplex split: input and output streams joined by an SPSC ring */
    int split;
    bridge br;
    float in_mono[MONO_MAX];  /* the input callback's */
    float out_mono[MONO_MAX]; /* the output callback's */
    /* meters, read and reset by the main thread */
    _Atomic float in_peak, out_peak, comp_gr, lim_gr;
    atomic_ulong callbacks, xruns, late;
} cb_state;

/* --learn's phases: counting in (guided only), listening, the result offered (guided
 * only: keep or discard), done. */
typedef enum learn_phase { LEARN_COUNTIN, LEARN_LISTEN, LEARN_OFFER, LEARN_DONE } learn_phase;
#define LEARN_COUNTIN_S 3.0

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
        if (s->learn && atomic_load_explicit(&s->learning, memory_order_relaxed))
            ring_write(s->learn, s->mono, n);
        if (s->view_in)
            ring_write(s->view_in, s->mono, n);
        bx_block_stats st;
        bx_engine_process(s->engine, s->mono, s->mono, n, &st);
        if (s->rec)
            ring_write(s->rec, s->mono, n);
        if (s->view_out)
            ring_write(s->view_out, s->mono, n);
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

/* ---- the session ------------------------------------------------------------ */

static double db(double lin)
{
    return lin > 1e-10 ? 20.0 * log10(lin) : -200.0;
}

/* A chain for the stream from preset p (read from path), off the audio thread. */
static bx_chain *chain_for(const bx_preset *p, const char *path, double rate, bx_error *err)
{
    bx_error e2;
    bx_chain *c = bx_chain_create(&p->chain, rate, 1, &e2);
    if (!c)
        bx_error_set(err, e2.code, "%s: %s (the stream runs at %g Hz)", path, e2.msg, rate);
    return c;
}

/* Load and validate the preset at path into *p (the caller's to free) and
 * design its chain; NULL, with nothing in *p, if either fails. */
static bx_chain *load_chain(const char *path, double rate, bx_preset *p, bx_error *err)
{
    if (bx_preset_load(path, p, err))
        return NULL;
    bx_chain *c = chain_for(p, path, rate, err);
    if (!c)
        bx_preset_free(p);
    return c;
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

/* ---- one session: set-up, the control loop, the end ---------------------------- */

/* Everything live_run holds, so that its steps can be functions of their own. */
typedef struct session {
    const live_opts *o;
    int rc;
    /* devices */
    const PaHostApiInfo *hi;
    PaDeviceIndex din, dout;
    const PaDeviceInfo *ii, *oi;
    unsigned mic, outs[LIVE_MAX_OUT], n_out, out_ch;
    double rate;
    /* the stream and what the callbacks share */
    PaStream *stream;    /* full duplex, or the output stream with --duplex split */
    PaStream *stream_in; /* --duplex split: the input stream */
    const PaStreamInfo *si;
    double in_latency; /* s */
    cb_state *s;
    int pa_up, started;
    int dead; /* the stream died under us: PortAudio's stop/close/terminate may then never
                 return (seen with a JACK server that was killed), so do not call them */
    /* what the control loop keeps */
    bx_preset preset; /* the running preset: as read before the devices were touched, or
                         at the last reload */
    recorder rec, rec_dry;
    bx_take_acc *learn;  /* --learn: the dry mic, measured as it comes */
    learn_clip clip;     /* and its clipping */
    bx_profile *profile; /* --learn: the reference's, from the preset */
    int guided;          /* --learn on a terminal: count-in, level checks, keep or discard */
    learn_phase phase;
    double phase_t0;   /* when the phase began */
    bx_preset learned; /* the result, while it is offered (phase LEARN_OFFER) */
    view view;         /* the live spectrum (view_on: on a terminal or --status-spectrum) */
    int view_on;
    int tty;
    double t0;
    unsigned long reloads;
    float st_in, st_out, st_gr, st_lim; /* peaks since the last status line */
    /* seen: the preset file as last loaded (or refused); pending: as found by
     * the last turn of the loop while it differed from seen */
    file_stamp seen, pending;
} session;

/* The recordings' names, before anything starts. */
static int check_recordings(const live_opts *o)
{
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
    return BX_EXIT_OK;
}

/* The preset, read and validated before any device is touched (kept in ss). */
static int load_preset(session *ss)
{
    const live_opts *o = ss->o;
    bx_error err;
    if (bx_preset_load(o->preset_path, &ss->preset, &err)) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        return err.code == BX_ERR_NOMEM ? BX_EXIT_INTERNAL : BX_EXIT_PRESET;
    }
    if (o->learn_s > 0 &&
        bx_profile_from_preset(&ss->preset, o->preset_path, &ss->profile, &err) != BX_OK) {
        fprintf(stderr, "bxlive: --learn: %s\n", err.msg);
        return err.code == BX_ERR_NOMEM ? BX_EXIT_INTERNAL : BX_EXIT_PRESET;
    }
    return BX_EXIT_OK;
}

/* The host, the devices, the channels and the rate. */
static int choose_devices(session *ss)
{
    const live_opts *o = ss->o;
    const PaHostApiIndex h = find_host(o->host);
    if (h < 0)
        return BX_EXIT_USAGE;
    ss->hi = Pa_GetHostApiInfo(h);
    ss->din = find_device(h, o->input, 1);
    ss->dout = find_device(h, o->output, 0);
    if (ss->din == paNoDevice || ss->dout == paNoDevice) {
        fprintf(stderr, "bxlive: %s: no such %s device on %s (see bxlive --list-devices)\n",
                ss->din == paNoDevice ? (o->input ? o->input : "default")
                                      : (o->output ? o->output : "default"),
                ss->din == paNoDevice ? "input" : "output", ss->hi->name);
        return BX_EXIT_DEVICE;
    }
    ss->ii = Pa_GetDeviceInfo(ss->din);
    ss->oi = Pa_GetDeviceInfo(ss->dout);
    ss->mic = o->in_channel ? o->in_channel : 1;
    if ((int)ss->mic > ss->ii->maxInputChannels) {
        fprintf(stderr, "bxlive: --in-channel %u: %s has %d input channel(s)\n", ss->mic,
                ss->ii->name, ss->ii->maxInputChannels);
        return BX_EXIT_DEVICE;
    }
    ss->n_out = o->n_out;
    if (ss->n_out) {
        memcpy(ss->outs, o->out_channels, ss->n_out * sizeof *ss->outs);
    } else {
        ss->outs[0] = 1;
        ss->outs[1] = 2;
        ss->n_out = ss->oi->maxOutputChannels >= 2 ? 2 : 1;
    }
    ss->out_ch = 0;
    for (unsigned k = 0; k < ss->n_out; k++) {
        if ((int)ss->outs[k] > ss->oi->maxOutputChannels || ss->outs[k] < 1) {
            fprintf(stderr, "bxlive: --out-channels: %s has %d output channel(s), not %u\n",
                    ss->oi->name, ss->oi->maxOutputChannels, ss->outs[k]);
            return BX_EXIT_DEVICE;
        }
        ss->out_ch = ss->outs[k] > ss->out_ch ? ss->outs[k] : ss->out_ch;
    }
    ss->rate = o->rate_hz > 0 ? o->rate_hz : ss->ii->defaultSampleRate;
    return BX_EXIT_OK;
}

/* A failed allocation before the stream starts: said, and exit 1. */
static int out_of_memory(void)
{
    fprintf(stderr, "bxlive: out of memory\n");
    return BX_EXIT_INTERNAL;
}

/* What the callbacks share: the engine with the preset's chain, the rings,
 * the split-duplex bridge, the latency clicker. */
static int make_state(session *ss)
{
    const live_opts *o = ss->o;
    const double rate = ss->rate;
    bx_error err;
    cb_state *s = ss->s = bx_calloc(1, sizeof *s);
    if (!s)
        return out_of_memory();
    bx_chain *chain = chain_for(&ss->preset, o->preset_path, rate, &err);
    if (!chain) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        return BX_EXIT_PRESET;
    }
    s->engine = bx_engine_create(chain, rate, 1, &err);
    if (!s->engine) {
        bx_chain_destroy(chain);
        fprintf(stderr, "bxlive: %s\n", err.msg);
        return BX_EXIT_INTERNAL;
    }
    bx_engine_set_bypass(s->engine, o->bypass);
    bx_engine_reset(s->engine);
    s->in_ch = ss->mic;
    s->mic = ss->mic - 1;
    s->out_ch = ss->out_ch;
    for (unsigned k = 0; k < ss->n_out; k++)
        s->out_mask[ss->outs[k] - 1] = 1;
    if (o->record && !(s->rec = ring_create((size_t)(RING_SECONDS * rate))))
        return out_of_memory();
    if (o->record_dry && !(s->rec_dry = ring_create((size_t)(RING_SECONDS * rate))))
        return out_of_memory();
    if (o->split) {
        if (bridge_init(&s->br, 8 * MONO_MAX) != 0)
            return out_of_memory();
        s->split = 1;
    }
    ss->tty = isatty(fileno(stderr)) && !o->quiet && !o->status_json;
    ss->guided = o->learn_s > 0 && ss->tty && !o->yes && keys_interactive();
    ss->phase = ss->guided ? LEARN_COUNTIN : LEARN_LISTEN;
    atomic_init(&s->learning, !ss->guided);
    if (o->learn_s > 0 &&
        (!(s->learn = ring_create((size_t)(RING_SECONDS * rate))) ||
         !(ss->learn = bx_take_acc_create(rate, 1, "the microphone", BX_TAKE_KEEP_FIT_S, &err))))
        return out_of_memory();
    if (((ss->tty && !o->no_view) || o->status_spectrum) && !o->measure_latency) {
        if (!(s->view_in = ring_create((size_t)rate)) ||
            !(s->view_out = ring_create((size_t)rate)) ||
            view_init(&ss->view, rate, &ss->preset) != 0)
            return out_of_memory();
        ss->view_on = 1;
    }
    s->measuring = o->measure_latency;
    s->click_every = (unsigned long)(0.5 * rate);
    s->threshold = 0.05f;
    atomic_init(&s->lat_min, ULLONG_MAX);
    return BX_EXIT_OK;
}

/* Open the stream (or the two of --duplex split) with the host's options. */
static int open_stream(session *ss)
{
    const live_opts *o = ss->o;
    cb_state *s = ss->s;
    const PaHostApiInfo *hi = ss->hi;
    PaStreamParameters ip = {ss->din, (int)s->in_ch, paFloat32, ss->ii->defaultLowInputLatency,
                             NULL};
    PaStreamParameters op = {ss->dout, (int)s->out_ch, paFloat32, ss->oi->defaultLowOutputLatency,
                             NULL};
#ifdef HAVE_PA_ASIO
    /* ASIO: open just the mic and the chosen outputs through channel selectors */
    int asio_in_sel[1], asio_out_sel[LIVE_MAX_OUT];
    PaAsioStreamInfo asio_in, asio_out;
    if (hi->type == paASIO) {
        asio_in_sel[0] = (int)ss->mic - 1;
        for (unsigned k = 0; k < ss->n_out; k++)
            asio_out_sel[k] = (int)ss->outs[k] - 1;
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
        s->out_ch = ss->n_out;
        memset(s->out_mask, 1, ss->n_out);
        ip.channelCount = 1;
        op.channelCount = (int)ss->n_out;
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
    (void)hi;
    const unsigned long fpb = o->buffer_frames ? o->buffer_frames : paFramesPerBufferUnspecified;
    PaError pe;
    if (o->split) {
        pe = Pa_OpenStream(&ss->stream_in, &ip, NULL, ss->rate, fpb, paClipOff | paDitherOff,
                           in_callback, s);
        if (pe != paNoError)
            ss->stream_in = NULL;
        else
            pe = Pa_OpenStream(&ss->stream, NULL, &op, ss->rate, fpb, paClipOff | paDitherOff,
                               out_callback, s);
    } else {
        pe = Pa_OpenStream(&ss->stream, &ip, &op, ss->rate, fpb, paClipOff | paDitherOff, callback,
                           s);
    }
    if (pe != paNoError) {
        fprintf(stderr, "bxlive: cannot open %s -> %s at %g Hz, %lu frames: %s\n", ss->ii->name,
                ss->oi->name, ss->rate, o->buffer_frames ? fpb : 0UL, Pa_GetErrorText(pe));
        ss->stream = NULL;
        return BX_EXIT_DEVICE;
    }
    ss->si = Pa_GetStreamInfo(ss->stream);
    s->rate = ss->si->sampleRate;
    ss->in_latency = Pa_GetStreamInfo(ss->stream_in ? ss->stream_in : ss->stream)->inputLatency;
    return BX_EXIT_OK;
}

/* The line that says what runs (stderr), and --status-json's first line. */
static void announce(const session *ss)
{
    const live_opts *o = ss->o;
    const PaStreamInfo *si = ss->si;
    if (!o->quiet) {
        char chans[LIVE_MAX_OUT * 4] = "", frames[32];
        for (unsigned k = 0; k < ss->n_out; k++)
            snprintf(chans + strlen(chans), sizeof chans - strlen(chans), "%s%u", k ? "," : "",
                     ss->outs[k]);
        if (o->buffer_frames)
            snprintf(frames, sizeof frames, "%u frames", o->buffer_frames);
        else
            snprintf(frames, sizeof frames, "host-chosen buffer");
        fprintf(stderr,
                "bxlive: %s | in \"%s\" ch %u -> out \"%s\" ch %s | %.0f Hz | %s | "
                "latency in %.1f ms + out %.1f ms = %.1f ms%s\n",
                ss->hi->name, ss->ii->name, ss->mic, ss->oi->name, chans, si->sampleRate, frames,
                1000.0 * ss->in_latency, 1000.0 * si->outputLatency,
                1000.0 * (ss->in_latency + si->outputLatency),
                o->split ? " + up to one period (split duplex)"
                : ss->hi->type == paWASAPI
                    ? " (WASAPI full duplex polls: --duplex split or ASIO for less)"
                    : "");
    }
    if (!o->status_json)
        return;
    cJSON *ev = cJSON_CreateObject(), *ch = cJSON_CreateArray();
    for (unsigned k = 0; ch && k < ss->n_out; k++)
        cJSON_AddItemToArray(ch, cJSON_CreateNumber(ss->outs[k]));
    if (ev && ch) {
        cJSON_AddStringToObject(ev, "event", "start");
        cJSON_AddStringToObject(ev, "preset", o->preset_path);
        cJSON_AddStringToObject(ev, "host", ss->hi->name);
        cJSON_AddStringToObject(ev, "input", ss->ii->name);
        cJSON_AddStringToObject(ev, "output", ss->oi->name);
        cJSON_AddNumberToObject(ev, "in_channel", ss->mic);
        cJSON_AddItemToObject(ev, "out_channels", ch);
        ch = NULL;
        cJSON_AddNumberToObject(ev, "rate", si->sampleRate);
        if (o->buffer_frames)
            cJSON_AddNumberToObject(ev, "buffer_frames", o->buffer_frames);
        else
            cJSON_AddNullToObject(ev, "buffer_frames");
        cJSON_AddStringToObject(ev, "duplex", o->split ? "split" : "joint");
        cJSON_AddNumberToObject(ev, "in_latency_ms", 1000.0 * ss->in_latency);
        cJSON_AddNumberToObject(ev, "out_latency_ms", 1000.0 * si->outputLatency);
        if (o->record)
            cJSON_AddStringToObject(ev, "record", ss->rec.path);
        if (o->record_dry)
            cJSON_AddStringToObject(ev, "record_dry", ss->rec_dry.path);
        cJSON_AddBoolToObject(ev, "bypass", o->bypass);
        if (o->status_spectrum && ss->view_on) {
            double hz[BX_BANDS_MAX];
            for (size_t k = 0; k < ss->view.n; k++)
                hz[k] = round(10.0 * bx_bands_centre_hz(ss->view.mic, k)) / 10.0;
            cJSON_AddItemToObject(ev, "bands_hz", cJSON_CreateDoubleArray(hz, (int)ss->view.n));
            if (ss->view.have_ref) {
                double r[BX_BANDS_MAX];
                for (size_t k = 0; k < ss->view.n; k++)
                    r[k] = round(10.0 * ss->view.ref_db[k]) / 10.0;
                cJSON_AddItemToObject(ev, "ref_db", cJSON_CreateDoubleArray(r, (int)ss->view.n));
            }
        }
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

/* Bytes the recording rings dropped because the disk was slow. */
static size_t ring_overflows(const cb_state *s)
{
    return (s->rec ? atomic_load(&s->rec->overflows) : 0) +
           (s->rec_dry ? atomic_load(&s->rec_dry->overflows) : 0);
}

/* One --status-json line: the peaks since the last (ss->st_*), the counters,
 * the recordings; `final` marks the last. */
static void print_status(session *ss, double t, double cpu, int final)
{
    cb_state *s = ss->s;
    char rj[4200], vj[1024] = "";
    if (ss->o->status_spectrum && ss->view_on)
        view_json(&ss->view, vj, sizeof vj);
    printf("{\"t\":%.2f,\"in_peak_db\":%.1f,\"out_peak_db\":%.1f,\"gr_db\":%.1f,"
           "\"lim_db\":%.1f,\"cpu\":%.3f,\"xruns\":%lu,\"flag_xruns\":%lu,\"late\":%lu,"
           "\"callbacks\":%lu,\"bypass\":%s,\"reloads\":%lu,\"ring_overflows\":%zu,"
           "\"record_failed\":%s%s%s%s}\n",
           t, db(ss->st_in), db(ss->st_out), ss->st_gr, ss->st_lim, cpu,
           atomic_load(&s->xruns) + atomic_load(&s->late) + split_glitches(s),
           atomic_load(&s->xruns), atomic_load(&s->late), atomic_load(&s->callbacks),
           bx_engine_get_bypass(s->engine) ? "true" : "false", ss->reloads, ring_overflows(s),
           recorder_json(&ss->rec, &ss->rec_dry, rj, sizeof rj), bridge_json(s), vj,
           final ? ",\"final\":true" : "");
    fflush(stdout);
}

/* The preset watch: on SIGHUP, the R key, or a change that has settled, load
 * the preset again and hand its chain to the audio thread. A changed file is
 * read once it has stayed the same for one turn of the loop (66 ms), so that
 * a save written in parts is read whole. */
static void watch_preset(session *ss, int key)
{
    const live_opts *o = ss->o;
    cb_state *s = ss->s;
    const file_stamp cur = stamp_of(o->preset_path);
    int settled = 0;
    if (cur.exists && !stamp_same(&cur, &ss->seen)) {
        settled = stamp_same(&cur, &ss->pending);
        ss->pending = cur;
    }
    if (!(live_reload || key == 'r' || key == 'R' || settled))
        return;
    live_reload = 0;
    bx_error err;
    bx_preset q;
    bx_chain *next = load_chain(o->preset_path, ss->si->sampleRate, &q, &err);
    const file_stamp after = stamp_of(o->preset_path);
    if (!stamp_same(&after, &cur)) {
        /* written to while it was read: read it again once it has settled */
        if (next) {
            bx_chain_destroy(next);
            bx_preset_free(&q);
        }
        ss->pending = after;
        return;
    }
    ss->seen = ss->pending = cur;
    if (!next) {
        fprintf(stderr, "%sbxlive: reload refused, keeping the running preset: %s\n",
                ss->tty ? "\n" : "", err.msg);
        return;
    }
    int posted = bx_engine_post_chain(s->engine, next) == BX_OK;
    while (!posted && !live_stop) {
        bx_chain_destroy(bx_engine_collect(s->engine));
        thread_sleep_ms(5);
        posted = bx_engine_post_chain(s->engine, next) == BX_OK;
    }
    if (posted) {
        bx_preset_free(&ss->preset);
        ss->preset = q; /* what runs now */
        ss->reloads++;
        if (!o->quiet && !o->status_json)
            fprintf(stderr, "%sbxlive: reloaded %s\n", ss->tty ? "\n" : "", o->preset_path);
    } else {
        bx_chain_destroy(next); /* stopping before the audio thread took it */
        bx_preset_free(&q);
    }
}

/* The meters: the tty line every turn, a --status-json line every second. */
static void show_meters(session *ss, double now, double *next_status)
{
    const live_opts *o = ss->o;
    cb_state *s = ss->s;
    const float in_pk = atomic_exchange(&s->in_peak, 0.0f);
    const float out_pk = atomic_exchange(&s->out_peak, 0.0f);
    const float gr = atomic_exchange(&s->comp_gr, 0.0f);
    const float lim = atomic_exchange(&s->lim_gr, 0.0f);
    ss->st_in = fmaxf(ss->st_in, in_pk), ss->st_out = fmaxf(ss->st_out, out_pk);
    ss->st_gr = fmaxf(ss->st_gr, gr), ss->st_lim = fmaxf(ss->st_lim, lim);
    const unsigned long xr = atomic_load(&s->xruns) + atomic_load(&s->late) + split_glitches(s);
    const double cpu =
        Pa_GetStreamCpuLoad(ss->stream) + (ss->stream_in ? Pa_GetStreamCpuLoad(ss->stream_in) : 0);
    const size_t ovf = ring_overflows(s);
    const int rec_bad = recorder_check(&ss->rec, ss->tty) | recorder_check(&ss->rec_dry, ss->tty);
    if (ss->view_on)
        view_feed(&ss->view, s->view_in, s->view_out);
    if (ss->tty) {
        /* the flags in a field of fixed width: one that goes away is wiped */
        char flags[96];
        snprintf(flags, sizeof flags, "%s%s", bx_engine_get_bypass(s->engine) ? " | BYPASS" : "",
                 rec_bad ? " | REC FAILED"
                 : ovf   ? " | REC OVERFLOW"
                         : "");
        const size_t at = strlen(flags);
        if (ss->learn && ss->phase == LEARN_COUNTIN)
            snprintf(flags + at, sizeof flags - at, " | perform in %.0f",
                     ceil(LEARN_COUNTIN_S - (now - ss->phase_t0)));
        else if (ss->learn && ss->phase == LEARN_LISTEN)
            snprintf(flags + at, sizeof flags - at, " | learning %.0f of %g s", now - ss->phase_t0,
                     o->learn_s);
        else if (ss->learn && ss->phase == LEARN_OFFER)
            snprintf(flags + at, sizeof flags - at, " | LEARNED: k keep, d discard, l again");
        char line[256];
        snprintf(line, sizeof line,
                 " in %6.1f dB | GR %5.1f dB | out %6.1f dB | cpu %3.0f%% | xruns %lu%-27s",
                 db(in_pk), gr, db(out_pk), 100.0 * cpu, xr, flags);
        if (ss->view_on && !o->no_view && ss->view.can_draw)
            view_draw(&ss->view, stderr, line);
        else
            fprintf(stderr, "\r%s", line);
    }
    if (o->status_json && now >= *next_status) {
        print_status(ss, now - ss->t0, cpu, 0);
        ss->st_in = ss->st_out = ss->st_gr = ss->st_lim = 0;
        *next_status += 1.0;
    }
}

/* --learn: what the callback has put in the ring, into the take. */
static void learn_drain(session *ss)
{
    float buf[4096];
    size_t got;
    bx_error err;
    while ((got = ring_read(ss->s->learn, buf, 4096)) > 0) {
        learn_clip_add(&ss->clip, buf, got);
        bx_take_acc_add(ss->learn, buf, got, &err); /* a failure is reported at the end */
    }
}

/* --learn: the take so far, measured, checked and fitted; what is wrong said,
 * ending in `then`. BX_EXIT_OK with ss->learned filled, or an exit status. */
static int learn_take(session *ss, const char *then)
{
    learn_drain(ss);
    bx_take *take = NULL;
    bx_error err;
    int rc;
    const bx_status st = bx_take_acc_finish(ss->learn, BX_TAKE_MIN_SECONDS, &take, &err);
    if (st == BX_ERR_AUDIO) {
        fprintf(stderr,
                "bxlive: --learn: %s (is the input connected, on the right channel "
                "--in-channel, its gain up?); %s\n",
                err.msg, then);
        rc = BX_EXIT_INPUT;
    } else if (st) {
        fprintf(stderr, "bxlive: --learn: %s\n", err.msg);
        rc = BX_EXIT_INTERNAL;
    } else if ((rc = learn_check_levels(take, &ss->clip, then)) == BX_EXIT_OK) {
        rc = learn_fit(ss->o, &ss->preset, ss->profile, take, &ss->learned);
    }
    bx_take_free(take);
    return rc;
}

/* Listening again from a count-in: the take so far forgotten. */
static void learn_restart(session *ss, double now)
{
    bx_error err;
    atomic_store(&ss->s->learning, 0);
    learn_drain(ss);
    bx_take_acc_destroy(ss->learn);
    ss->learn =
        bx_take_acc_create(ss->si->sampleRate, 1, "the microphone", BX_TAKE_KEEP_FIT_S, &err);
    memset(&ss->clip, 0, sizeof ss->clip);
    ss->phase = LEARN_COUNTIN;
    ss->phase_t0 = now;
    if (!ss->learn) {
        fprintf(stderr, "bxlive: --learn: %s\n", err.msg);
        ss->rc = BX_EXIT_INTERNAL;
        ss->phase = LEARN_DONE;
    }
}

/* Print on the terminal below the live view (which starts again under it). */
static void learn_say_begin(session *ss)
{
    if (ss->tty)
        fprintf(stderr, "\n");
    if (ss->view_on)
        ss->view.drawn = 0;
}

/* One turn of --learn: 1 when the session ends. Unguided: listen for SEC,
 * then fit and save. Guided: count in, listen (clipping starts it again),
 * fit (a take too quiet or silent starts it again), offer the result. */
static int learn_step(session *ss, double now)
{
    const live_opts *o = ss->o;
    if (ss->phase == LEARN_COUNTIN && now - ss->phase_t0 >= LEARN_COUNTIN_S) {
        ss->phase = LEARN_LISTEN;
        ss->phase_t0 = now;
        atomic_store(&ss->s->learning, 1);
    }
    if (ss->phase != LEARN_LISTEN)
        return ss->phase == LEARN_DONE;
    learn_drain(ss);
    if (ss->guided && ss->clip.runs >= LEARN_CLIP_RUNS) {
        learn_say_begin(ss);
        fprintf(stderr, "bxlive: --learn: the microphone clips: lower the input gain; listening "
                        "again after a count-in\n");
        learn_restart(ss, now);
        return ss->phase == LEARN_DONE;
    }
    if (now - ss->phase_t0 < o->learn_s)
        return 0;
    atomic_store(&ss->s->learning, 0);
    if (!ss->guided) {
        /* the stream stops first: nothing more reaches the ring */
        Pa_StopStream(ss->stream);
        if (ss->stream_in)
            Pa_StopStream(ss->stream_in);
        ss->started = 0;
        int rc = learn_take(ss, "nothing was written");
        if (rc == BX_EXIT_OK && o->save_path)
            rc = learn_save(o, &ss->learned);
        ss->rc = rc;
        ss->phase = LEARN_DONE;
        return 1;
    }
    learn_say_begin(ss);
    const int rc = learn_take(ss, "listening again after a count-in");
    if (rc == BX_EXIT_INPUT) {
        learn_restart(ss, now);
        return ss->phase == LEARN_DONE;
    }
    if (rc != BX_EXIT_OK) {
        ss->rc = rc;
        ss->phase = LEARN_DONE;
        return 1;
    }
    /* the result plays from here on: A/B it with b */
    bx_error err;
    bx_chain *c = bx_chain_create(&ss->learned.chain, ss->si->sampleRate, 1, &err);
    if (c && bx_engine_post_chain(ss->s->engine, c) != BX_OK) {
        bx_chain_destroy(bx_engine_collect(ss->s->engine));
        if (bx_engine_post_chain(ss->s->engine, c) != BX_OK)
            bx_chain_destroy(c);
    }
    fprintf(stderr,
            "bxlive: you hear the result: b = bypass (A/B), k = keep%s%s, d = discard, l = learn "
            "again\n",
            o->save_path ? " and save to " : " (running; give --save FILE to write it)",
            o->save_path ? o->save_path : "");
    ss->phase = LEARN_OFFER;
    ss->phase_t0 = now;
    return 0;
}

/* A key while the result is offered: 1 when the session ends. */
static int learn_key(session *ss, int key, double now)
{
    const live_opts *o = ss->o;
    if (key == 'k' || key == 'K') {
        learn_say_begin(ss);
        ss->rc = o->save_path ? learn_save(o, &ss->learned) : BX_EXIT_OK;
        ss->phase = LEARN_DONE;
        return 1;
    }
    if (key == 'd' || key == 'D' || key == 'q' || key == 'Q') {
        learn_say_begin(ss);
        fprintf(stderr, "bxlive: --learn: discarded; nothing was written\n");
        ss->phase = LEARN_DONE;
        return 1;
    }
    if (key == 'l' || key == 'L') {
        learn_say_begin(ss);
        bx_preset_free(&ss->learned);
        fprintf(stderr, "bxlive: --learn: listening again after a count-in\n");
        learn_restart(ss, now);
    }
    return 0;
}

/* Until q, Ctrl+C, SIGTERM, --duration, the end of --learn or of the latency
 * measurement, or the loss of the stream: keys, preset watch, meters. */
static void control_loop(session *ss)
{
    const live_opts *o = ss->o;
    cb_state *s = ss->s;
    keys_begin();
    ss->seen = ss->pending = stamp_of(o->preset_path);
    ss->t0 = ss->phase_t0 = thread_clock_s();
    double next_status = ss->t0 + 1.0;
    while (!live_stop) {
        thread_sleep_ms(66);
        const double now = thread_clock_s();
        if (o->duration_s > 0 && now - ss->t0 >= o->duration_s)
            break;
        if (o->measure_latency && o->duration_s <= 0 && now - ss->t0 >= 5.0)
            break;
        if (ss->learn && learn_step(ss, now))
            break;
        if (Pa_IsStreamActive(ss->stream) != 1 ||
            (ss->stream_in && Pa_IsStreamActive(ss->stream_in) != 1)) {
            fprintf(stderr, "%sbxlive: the audio stream stopped (device lost or server gone)\n",
                    ss->tty ? "\n" : "");
            ss->rc = BX_EXIT_DEVICE;
            ss->dead = 1;
            break;
        }
        const int key = key_poll();
        if (ss->phase == LEARN_OFFER && learn_key(ss, key, now))
            break;
        if (key == 'q' || key == 'Q')
            break;
        if (key == 'b' || key == 'B' || key == 'a' || key == 'A')
            bx_engine_set_bypass(s->engine, !bx_engine_get_bypass(s->engine));
        watch_preset(ss, key);
        bx_chain_destroy(bx_engine_collect(s->engine));
        show_meters(ss, now, &next_status);
    }
    keys_end();
    if (ss->tty)
        fprintf(stderr, "\n");
    if (o->status_json) { /* the last, partial second */
        recorder_check(&ss->rec, 0);
        recorder_check(&ss->rec_dry, 0);
        ss->st_in = fmaxf(ss->st_in, atomic_exchange(&s->in_peak, 0.0f));
        ss->st_out = fmaxf(ss->st_out, atomic_exchange(&s->out_peak, 0.0f));
        print_status(ss, thread_clock_s() - ss->t0,
                     ss->dead ? 0.0 : Pa_GetStreamCpuLoad(ss->stream), 1);
    }
}

/* --measure-latency: the round trip the clicks took. */
static void report_latency(session *ss)
{
    const cb_state *s = ss->s;
    const unsigned long long cnt = atomic_load(&s->lat_count);
    const double sr = ss->si->sampleRate, driver = ss->in_latency + ss->si->outputLatency;
    if (cnt == 0) {
        fprintf(stderr, "bxlive: no click came back: connect the output to the input (a "
                        "loopback cable) and raise the input gain\n");
        ss->rc = BX_EXIT_DEVICE;
        return;
    }
    const double mean = (double)atomic_load(&s->lat_sum) / (double)cnt;
    printf("measured round trip: %.0f frames = %.2f ms (min %llu, max %llu frames, %llu "
           "clicks); the driver reports %.2f ms (%.0f frames)\n",
           mean, 1000.0 * mean / sr, atomic_load(&s->lat_min), atomic_load(&s->lat_max), cnt,
           1000.0 * driver, driver * sr);
}

/* Stop and close what was opened, finalize the recordings, free the state. */
static void session_close(session *ss)
{
    const live_opts *o = ss->o;
    if (!ss->dead) {
        if (ss->stream) {
            if (ss->started)
                Pa_StopStream(ss->stream);
            Pa_CloseStream(ss->stream);
        }
        if (ss->stream_in) {
            if (ss->started)
                Pa_StopStream(ss->stream_in);
            Pa_CloseStream(ss->stream_in);
        }
    }
    recorder_finish(&ss->rec);
    recorder_finish(&ss->rec_dry);
    /* a write that failed late (or while the stream stopped) is reported too */
    if (recorder_check(&ss->rec, 0) | recorder_check(&ss->rec_dry, 0))
        if (ss->rc == BX_EXIT_OK)
            ss->rc = BX_EXIT_OUTPUT;
    bx_take_acc_destroy(ss->learn);
    bx_profile_free(ss->profile);
    bx_preset_free(&ss->learned);
    view_free(&ss->view);
    cb_state *s = ss->s;
    if (s && !o->quiet) {
        report_overflows(ss->rec.path, s->rec);
        report_overflows(ss->rec_dry.path, s->rec_dry);
    }
    if (s && ss->dead) {
        /* a callback thread may be stuck inside PortAudio: leave its state alone */
        s = NULL;
    }
    if (s) {
        bx_engine_destroy(s->engine);
        ring_destroy(s->rec);
        ring_destroy(s->rec_dry);
        ring_destroy(s->learn);
        ring_destroy(s->view_in);
        ring_destroy(s->view_out);
        if (s->split)
            bridge_free(&s->br);
        bx_free(s);
    }
    bx_preset_free(&ss->preset);
    if (ss->pa_up && !ss->dead)
        Pa_Terminate();
}

/* Open the devices, start the stream, run the control loop, and end. */
static int session_run(session *ss)
{
    const live_opts *o = ss->o;
    int rc;
#ifdef __linux__
    PaJack_SetClientName("bxlive"); /* read when PortAudio opens its JACK client */
#endif
    audiolog_install();
    const PaError pe = Pa_Initialize();
    if (pe != paNoError) {
        fprintf(stderr, "bxlive: PortAudio: %s\n", Pa_GetErrorText(pe));
        return BX_EXIT_DEVICE;
    }
    ss->pa_up = 1;
    if ((rc = choose_devices(ss)) != BX_EXIT_OK || (rc = make_state(ss)) != BX_EXIT_OK ||
        (rc = open_stream(ss)) != BX_EXIT_OK)
        return rc;
    if (o->record && recorder_start(&ss->rec, o->record, ss->rate, ss->s->rec, o->quiet) != 0)
        return BX_EXIT_OUTPUT;
    if (o->record_dry &&
        recorder_start(&ss->rec_dry, o->record_dry, ss->rate, ss->s->rec_dry, o->quiet) != 0)
        return BX_EXIT_OUTPUT;
    announce(ss);
    /* split: the output first; it plays silence until the input has filled one period */
    PaError st = Pa_StartStream(ss->stream);
    if (st == paNoError && ss->stream_in)
        st = Pa_StartStream(ss->stream_in);
    if (st != paNoError) {
        fprintf(stderr, "bxlive: cannot start the stream: %s\n", Pa_GetErrorText(st));
        return BX_EXIT_DEVICE;
    }
    ss->started = 1;
    control_loop(ss);
    if (ss->learn && ss->rc == BX_EXIT_OK && ss->phase == LEARN_OFFER)
        fprintf(stderr, "bxlive: --learn: stopped without k: the result was not kept\n");
    if (ss->learn && ss->rc == BX_EXIT_OK &&
        (ss->phase == LEARN_COUNTIN || ss->phase == LEARN_LISTEN)) {
        fprintf(stderr,
                "bxlive: --learn: stopped before the end of its %g s; nothing was "
                "written\n",
                o->learn_s);
        ss->rc = BX_EXIT_INTERRUPTED;
    }
    if (o->measure_latency && ss->rc == BX_EXIT_OK)
        report_latency(ss);
    return ss->rc;
}

int live_run(const live_opts *o)
{
    int rc = check_recordings(o);
    if (rc != BX_EXIT_OK)
        return rc;
    session ss;
    memset(&ss, 0, sizeof ss);
    ss.o = o;
    rc = load_preset(&ss);
    if (rc == BX_EXIT_OK) {
        ss.rc = BX_EXIT_OK;
        ss.rc = session_run(&ss);
    }
    if (rc == BX_EXIT_OK) {
        session_close(&ss);
        rc = ss.rc;
    } else {
        bx_preset_free(&ss.preset);
    }
    return rc;
}
