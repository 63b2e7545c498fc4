/* bx_bench_dsp — the DSP core's cost per sample and the live callback's time
 * per block, in process.
 *
 *   bx_bench_dsp [--mega N] [--rounds R] [--blocks M]
 *
 * Part 1, cost per sample: each kernel runs over N million frames (default
 * 16) of a beatbox-like test signal (decaying noise bursts and a decaying
 * 60 Hz thump four times a second over a -50 dBFS floor), in 64-frame
 * calls as in the live engine, mono and stereo, R rounds (default 5)
 * interleaved kernel by kernel; the table gives the median nanoseconds per
 * frame and per sample. The kernels:
 *
 *   eq6          bx_biquad_cascade, the six bands of bench/render.py
 *   comp         bx_comp_process (peak detector, soft knee)
 *   comp (libm)  the same compressor written plainly with libm's log10 and
 *                pow per sample: the reference the fast one is measured against
 *   limiter      bx_limiter_process (ceiling -6 dBFS, which the bursts reach)
 *   chain        bx_chain_process: gains, eq6, comp, limiter
 *   engine       bx_engine_process: the whole callback chain, float in and out
 *
 * Part 2, the callback: M blocks (default 1 048 576) each of 32 and 64 frames
 * through what bxlive's callback does per block (take the mic channel of a
 * stereo interface, write the dry and the processed block to the recording
 * rings, bx_engine_process, fan out to two outputs, meters), with a thread
 * draining the rings as the recorder does. Every block is timed on the
 * monotonic clock; the table gives the median, 99th, 99.9th percentile and
 * the worst block against the real-time budget of a block at 48 kHz.
 *
 * Exit status 0, or 1 with a message.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/chain.h"
#include "bx/comp.h"
#include "bx/engine.h"
#include "bx/limiter.h"
#include "bx/simd.h"
#include "ring.h"
#include "threads.h"

#if defined(__SSE__) || defined(_M_X64) || defined(_M_IX86_FP)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#endif
#ifndef _WIN32
#include <pthread.h>
#include <sched.h>
#endif

/* Part 2 runs as an audio callback does: at real-time priority, where the
 * system allows it (its memory is all touched before the clock starts).
 * Returns a description. */
static const char *realtime_begin(void)
{
#ifndef _WIN32
    struct sched_param sp;
    memset(&sp, 0, sizeof sp);
    sp.sched_priority = 70;
    return pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0
               ? "SCHED_FIFO 70"
               : "normal priority (real-time scheduling not permitted)";
#else
    return "normal priority";
#endif
}

#define RATE 48000.0
#define CALL 64 /* frames per kernel call, the engine's grid */

static const bx_band bands[6] = {
    {BX_BIQUAD_HIGHPASS, 40, 0, 0.7071}, {BX_BIQUAD_LOW_SHELF, 120, 4, 0.7071},
    {BX_BIQUAD_PEAK, 350, -3, 1.2},      {BX_BIQUAD_PEAK, 2000, 2, 1.0},
    {BX_BIQUAD_PEAK, 5000, 3, 2.0},      {BX_BIQUAD_HIGH_SHELF, 9000, 2, 0.7071},
};

static void chain_params(bx_chain_params *p)
{
    bx_chain_params_default(p);
    p->n_bands = 6;
    memcpy(p->bands, bands, sizeof bands);
    p->has_comp = 1;
    p->comp.threshold_db = -20;
    p->comp.ratio = 4;
    p->comp.knee_db = 6;
    p->comp.attack_ms = 5;
    p->comp.release_ms = 100;
    p->comp.makeup_db = 3;
    p->comp.detector = BX_DETECTOR_PEAK;
    p->has_limiter = 1;
    p->ceiling_db = -1;
}

/* ---- test signal ----------------------------------------------------------- */

static unsigned long long rng_state = 0x9E3779B97F4A7C15ULL;

static double uniform(void) /* [-1, 1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

/* frames * channels samples: the same signal on every channel, with a little
 * independent noise each so that the channels differ */
static float *make_signal(size_t frames, unsigned channels)
{
    float *x = malloc(frames * channels * sizeof *x);
    if (!x)
        return NULL;
    const size_t period = (size_t)(RATE / 4);
    for (size_t i = 0; i < frames; i++) {
        const double t = (double)(i % period) / RATE;
        const double burst = 0.8 * exp(-t / 0.03) * uniform();
        const double thump = 0.6 * exp(-t / 0.08) * sin(2.0 * 3.141592653589793 * 60.0 * t);
        for (unsigned ch = 0; ch < channels; ch++)
            x[i * channels + ch] = (float)(burst + thump + 0.003 * uniform());
    }
    return x;
}

/* ---- the plain compressor: libm per sample ---------------------------------- */

typedef struct plain_comp {
    bx_comp_params p;
    double aa, ar, y1, yl;
} plain_comp;

static void plain_init(plain_comp *c, const bx_comp_params *p)
{
    c->p = *p;
    c->aa = exp(-1.0 / (p->attack_ms * 1e-3 * RATE));
    c->ar = exp(-1.0 / (p->release_ms * 1e-3 * RATE));
    c->y1 = c->yl = 0.0;
}

static void plain_process(plain_comp *c, double *x, size_t frames, unsigned channels)
{
    for (size_t i = 0; i < frames; i++) {
        double level = 0.0;
        for (unsigned ch = 0; ch < channels; ch++)
            level = fmax(level, fabs(x[i * channels + ch]));
        const double xg = level > 1e-30 ? 20.0 * log10(level) : -600.0;
        const double xl = xg - bx_comp_static_db(&c->p, xg);
        const double rel = c->ar * c->y1 + (1.0 - c->ar) * xl;
        c->y1 = xl > rel ? xl : rel;
        c->yl = c->aa * c->yl + (1.0 - c->aa) * c->y1;
        const double g = pow(10.0, (c->p.makeup_db - c->yl) / 20.0);
        for (unsigned ch = 0; ch < channels; ch++)
            x[i * channels + ch] *= g;
    }
}

/* ---- part 1 ------------------------------------------------------------------- */

enum { K_EQ, K_COMP, K_PLAIN, K_LIMIT, K_CHAIN, K_ENGINE, K_COUNT };
static const char *const kernel_names[K_COUNT] = {"eq6",     "comp",  "comp (libm)",
                                                  "limiter", "chain", "engine"};

typedef struct kernel_run {
    bx_chain_params cp;
    bx_biquad_coefs coefs[6];
    bx_biquad_state st[6 * 2];
    bx_comp comp;
    plain_comp plain;
    bx_limiter lim;
    bx_chain *chain;
    bx_engine *engine;
} kernel_run;

static volatile double sink;

/* Seconds for one pass of kernel k over frames frames of sig (channels interleaved). */
static double run_kernel(int k, kernel_run *r, const float *sig, size_t frames, unsigned channels,
                         double *work, float *out)
{
    memset(r->st, 0, sizeof r->st);
    bx_comp_reset(&r->comp);
    bx_limiter_reset(&r->lim);
    plain_init(&r->plain, &r->cp.comp);
    bx_chain_reset(r->chain);
    bx_engine_reset(r->engine);
    const double t0 = thread_clock_s();
    double acc = 0.0;
    for (size_t i = 0; i < frames; i += CALL) {
        const size_t n = frames - i < CALL ? frames - i : CALL;
        const float *in = sig + i * channels;
        if (k == K_ENGINE) {
            bx_engine_process(r->engine, in, out, n, NULL);
            acc += out[0];
            continue;
        }
        for (size_t j = 0; j < n * channels; j++)
            work[j] = in[j];
        switch (k) {
        case K_EQ:
            for (unsigned ch = 0; ch < channels; ch++)
                bx_biquad_cascade(r->coefs, &r->st[ch], channels, 6, work + ch, n, channels);
            break;
        case K_COMP:
            bx_comp_process(&r->comp, work, n, channels);
            break;
        case K_PLAIN:
            plain_process(&r->plain, work, n, channels);
            break;
        case K_LIMIT:
            bx_limiter_process(&r->lim, work, n, channels);
            break;
        default:
            bx_chain_process(r->chain, work, n);
            break;
        }
        acc += work[0];
    }
    const double dt = thread_clock_s() - t0;
    sink = acc;
    return dt;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int part1(size_t frames, unsigned rounds)
{
    printf("## DSP core: nanoseconds per frame (median of %u interleaved rounds, %.0f M frames "
           "each, %d-frame calls, 48 kHz; compressor kernel %s)\n\n",
           rounds, (double)frames / 1e6, CALL, bx_simd_name(bx_simd_detect()));
    printf("| kernel | mono ns/frame | stereo ns/frame | stereo ns/sample |\n|---|---|---|---|\n");
    double res[K_COUNT][2];
    for (unsigned c = 0; c < 2; c++) {
        const unsigned channels = c + 1;
        kernel_run r;
        bx_error err;
        chain_params(&r.cp);
        for (unsigned b = 0; b < 6; b++)
            if (bx_biquad_design(bands[b].type, bands[b].freq_hz, bands[b].gain_db, bands[b].q,
                                 RATE, &r.coefs[b], &err)) {
                fprintf(stderr, "bx_bench_dsp: %s\n", err.msg);
                return 1;
            }
        bx_comp_init(&r.comp, &r.cp.comp, RATE);
        bx_limiter_init(&r.lim, -6.0, RATE); /* -6 dB: the test signal's bursts reach it */
        r.chain = bx_chain_create(&r.cp, RATE, channels, &err);
        bx_chain *ec = bx_chain_create(&r.cp, RATE, channels, &err);
        r.engine = ec ? bx_engine_create(ec, RATE, channels, &err) : NULL;
        float *sig = make_signal(frames, channels);
        float *out = malloc(CALL * channels * sizeof *out);
        double *work = malloc(CALL * channels * sizeof *work);
        double *t = malloc(rounds * K_COUNT * sizeof *t);
        if (!r.chain || !r.engine || !sig || !out || !work || !t) {
            fprintf(stderr, "bx_bench_dsp: out of memory\n");
            return 1;
        }
        for (unsigned i = 0; i < rounds; i++)
            for (int k = 0; k < K_COUNT; k++)
                t[k * rounds + i] = run_kernel(k, &r, sig, frames, channels, work, out);
        for (int k = 0; k < K_COUNT; k++)
            res[k][c] = median(&t[k * rounds], rounds) / (double)frames * 1e9;
        free(t);
        free(work);
        free(out);
        free(sig);
        bx_engine_destroy(r.engine);
        bx_chain_destroy(r.chain);
    }
    for (int k = 0; k < K_COUNT; k++)
        printf("| %s | %.2f | %.2f | %.2f |\n", kernel_names[k], res[k][0], res[k][1],
               res[k][1] / 2);
    printf("\neq6 + comp, mono: %.2f ns per sample (target 10); the libm compressor costs %.1fx "
           "bx's\n\n",
           res[K_EQ][0] + res[K_COMP][0], res[K_PLAIN][0] / res[K_COMP][0]);
    return 0;
}

/* ---- part 2 ------------------------------------------------------------------- */

typedef struct drain {
    ring *r[2];
    atomic_int stop;
    double taken;
} drain;

static void drain_main(void *arg)
{
    drain *d = arg;
    float buf[4096];
    for (;;) {
        const int stopping = atomic_load(&d->stop);
        size_t got = 0;
        for (int i = 0; i < 2; i++) {
            const size_t n = ring_read(d->r[i], buf, sizeof buf / sizeof *buf);
            d->taken += n ? buf[0] : 0.0f;
            got += n;
        }
        if (!got) {
            if (stopping)
                break;
            thread_sleep_ms(2); /* the recorder's pace: it wakes, writes, sleeps */
        }
    }
}

static int part2(size_t blocks)
{
    const char *sched = realtime_begin();
    printf("## Callback: time per block over %zu blocks (mono mic of a stereo interface, "
           "recording both rings, 48 kHz; %s)\n\n",
           blocks, sched);
    printf("| block | budget | median | p99 | p99.9 | worst | worst / budget |\n"
           "|---|---|---|---|---|---|---|\n");
    const unsigned sizes[2] = {32, 64};
    for (int s = 0; s < 2; s++) {
        const unsigned fpb = sizes[s];
        bx_chain_params cp;
        bx_error err;
        chain_params(&cp);
        bx_chain *chain = bx_chain_create(&cp, RATE, 1, &err);
        bx_engine *e = chain ? bx_engine_create(chain, RATE, 1, &err) : NULL;
        const size_t sig_frames = (size_t)RATE * 8; /* eight seconds, looped */
        float *sig = make_signal(sig_frames, 2);
        float *out = malloc(2 * fpb * sizeof *out);
        float mono[64];
        double *t = malloc(blocks * sizeof *t);
        drain d = {{ring_create((size_t)RATE * 4), ring_create((size_t)RATE * 4)}, 0, 0.0};
        thread_handle th;
        if (!e || !sig || !out || !t || !d.r[0] || !d.r[1] || thread_start(&th, drain_main, &d)) {
            fprintf(stderr, "bx_bench_dsp: out of memory\n");
            return 1;
        }
        _Atomic float meter = 0.0f;
        size_t pos = 0;
        for (size_t b = 0; b < blocks; b++) {
            const float *in = sig + pos * 2;
            const double t0 = thread_clock_s();
            for (unsigned i = 0; i < fpb; i++)
                mono[i] = in[i * 2];
            ring_write(d.r[0], mono, fpb);
            bx_block_stats st;
            bx_engine_process(e, mono, mono, fpb, &st);
            ring_write(d.r[1], mono, fpb);
            for (unsigned i = 0; i < fpb; i++)
                out[2 * i] = out[2 * i + 1] = mono[i];
            if (st.out_peak > atomic_load_explicit(&meter, memory_order_relaxed))
                atomic_store_explicit(&meter, st.out_peak, memory_order_relaxed);
            t[b] = thread_clock_s() - t0;
            if (b % 4096 == 4095)
                thread_sleep_ms(2); /* a callback idles most of the time; without these
                                       pauses Linux would throttle a real-time thread
                                       that ran flat out for a second (sched_rt_runtime_us) */
            pos += fpb;
            if (pos + fpb > sig_frames)
                pos = 0;
        }
        atomic_store(&d.stop, 1);
        thread_join(&th);
        qsort(t, blocks, sizeof *t, cmp_double);
        const double budget = fpb / RATE * 1e6;
        const double med = t[blocks / 2] * 1e6, p99 = t[(size_t)(blocks * 0.99)] * 1e6;
        const double p999 = t[(size_t)(blocks * 0.999)] * 1e6, worst = t[blocks - 1] * 1e6;
        printf("| %u frames | %.0f us | %.2f us | %.2f us | %.2f us | %.1f us | %.3f |\n", fpb,
               budget, med, p99, p999, worst, worst / budget);
        ring_destroy(d.r[0]);
        ring_destroy(d.r[1]);
        free(t);
        free(out);
        free(sig);
        bx_engine_destroy(e);
    }
    printf("\n");
    return 0;
}

int main(int argc, char **argv)
{
    double mega = 16;
    unsigned rounds = 5;
    size_t blocks = 1u << 20;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 < argc && strcmp(a, "--mega") == 0)
            mega = atof(argv[++i]);
        else if (i + 1 < argc && strcmp(a, "--rounds") == 0)
            rounds = (unsigned)atoi(argv[++i]);
        else if (i + 1 < argc && strcmp(a, "--blocks") == 0)
            blocks = (size_t)atof(argv[++i]);
        else {
            fprintf(stderr, "usage: bx_bench_dsp [--mega N] [--rounds R] [--blocks M]\n");
            return 1;
        }
    }
    if (!(mega > 0) || mega > 1000 || rounds < 1 || rounds > 100 || blocks < 1000) {
        fprintf(stderr, "bx_bench_dsp: --mega in (0, 1000], --rounds 1..100, --blocks >= 1000\n");
        return 1;
    }
#ifdef HAVE_MXCSR
    _mm_setcsr(_mm_getcsr() | 0x8040); /* flush denormals, as bxlive's callback does */
#endif
    if (part1((size_t)(mega * 1e6), rounds))
        return 1;
    return part2(blocks);
}
