/* engine.c — the one block function: current chain, hot-reload crossfade,
 * bypass crossfade, meters. Real-time safe: no allocation, locks or I/O after
 * bx_engine_create; the other thread talks to it through two atomic mailboxes. */
#include "bx/engine.h"
#include "bx/chain.h"

#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

struct bx_engine {
    double rate_hz;
    unsigned channels;
    bx_chain *cur;                /* chain being heard */
    bx_chain *old;                /* chain fading out, NULL when no reload fade runs */
    bx_chain *to_retire;          /* finished chain waiting for the retired mailbox */
    _Atomic(bx_chain *) incoming; /* posted by the control thread */
    _Atomic(bx_chain *) retired;  /* handed back to the control thread */
    atomic_int bypass_req;
    unsigned fade_len, fade_pos;
    double byp;                  /* bypass mix position 0 (processed) .. 1 (dry) */
    double byp_step;             /* per-sample change of byp while moving */
    unsigned long long pos;      /* absolute frame counter (grid alignment) */
    double *dry, *wet, *wet_old; /* BX_ENGINE_GRID * channels each */
};

bx_engine *bx_engine_create(bx_chain *chain, double rate_hz, unsigned channels, bx_error *err)
{
    if (!chain || channels < 1 || channels > BX_MAX_CHANNELS || !(rate_hz > 0)) {
        bx_error_set(err, BX_ERR_ARG, "bx_engine_create: invalid chain, rate or channel count");
        return NULL;
    }
    const size_t nbuf = (size_t)BX_ENGINE_GRID * channels;
    bx_engine *e = bx_calloc(1, sizeof *e + 3 * nbuf * sizeof(double));
    if (!e) {
        bx_error_set(err, BX_ERR_NOMEM, "out of memory creating the audio engine");
        return NULL;
    }
    double *buf = (double *)(e + 1);
    e->dry = buf;
    e->wet = buf + nbuf;
    e->wet_old = buf + 2 * nbuf;
    e->rate_hz = rate_hz;
    e->channels = channels;
    e->cur = chain;
    atomic_init(&e->incoming, NULL);
    atomic_init(&e->retired, NULL);
    atomic_init(&e->bypass_req, 0);
    e->fade_len = (unsigned)(BX_FADE_MS * 1e-3 * rate_hz + 0.5);
    if (e->fade_len < 1)
        e->fade_len = 1;
    e->byp_step = 1.0 / e->fade_len;
    return e;
}

void bx_engine_destroy(bx_engine *e)
{
    if (!e)
        return;
    bx_chain_destroy(e->cur);
    bx_chain_destroy(e->old);
    bx_chain_destroy(e->to_retire);
    bx_chain_destroy(atomic_exchange(&e->incoming, NULL));
    bx_chain_destroy(atomic_exchange(&e->retired, NULL));
    bx_free(e);
}

bx_status bx_engine_post_chain(bx_engine *e, bx_chain *next)
{
    bx_chain *expected = NULL;
    return atomic_compare_exchange_strong(&e->incoming, &expected, next) ? BX_OK : BX_ERR_BUSY;
}

bx_chain *bx_engine_collect(bx_engine *e)
{
    return atomic_exchange(&e->retired, NULL);
}

void bx_engine_set_bypass(bx_engine *e, int on)
{
    atomic_store(&e->bypass_req, on != 0);
}

int bx_engine_get_bypass(bx_engine *e)
{
    return atomic_load(&e->bypass_req);
}

void bx_engine_reset(bx_engine *e)
{
    bx_chain_reset(e->cur);
    if (e->old && !e->to_retire) {
        e->to_retire = e->old; /* drop the fade: a new signal starts */
        e->old = NULL;
    } else if (e->old) {
        bx_chain_reset(e->old);
    }
    e->byp = atomic_load(&e->bypass_req) ? 1.0 : 0.0;
    e->pos = 0;
}

static void try_retire(bx_engine *e)
{
    if (!e->to_retire)
        return;
    bx_chain *expected = NULL;
    if (atomic_compare_exchange_strong(&e->retired, &expected, e->to_retire))
        e->to_retire = NULL;
}

/* Runs at every grid boundary of the absolute timeline, so what happens here
 * does not depend on how the caller cuts its blocks. */
static void housekeeping(bx_engine *e)
{
    bx_chain_sanitize(e->cur);
    if (e->old)
        bx_chain_sanitize(e->old);
    try_retire(e);
    if (!e->old && !e->to_retire && atomic_load_explicit(&e->incoming, memory_order_relaxed)) {
        bx_chain *next = atomic_exchange(&e->incoming, NULL);
        bx_chain_copy_state(next, e->cur);
        e->old = e->cur;
        e->cur = next;
        e->fade_pos = 0;
    }
}

/* raised-cosine crossfade weight of the new signal at position i of n */
static double fade_weight(unsigned i, unsigned n)
{
    return 0.5 - 0.5 * cos(M_PI * (double)i / (double)n);
}

/* The block in and out, with the meters' peaks. Non-finite input samples
 * become silence; output is clamped to the float range, NaN as silence.
 * Peaks are kept as float magnitude bits (for finite floats their order is
 * the values'). SSE2 where there is, the same in plain C elsewhere. */
#if defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#include <emmintrin.h>
#define HAVE_SSE2_CONVERT 1

/* The largest of peak and the four lanes of pk (float magnitudes as bits). */
static uint32_t lanes_max(__m128 pk, uint32_t peak)
{
    uint32_t lanes[4];
    _mm_storeu_si128((__m128i *)(void *)lanes, _mm_castps_si128(pk));
    for (int k = 0; k < 4; k++)
        peak = lanes[k] > peak ? lanes[k] : peak;
    return peak;
}
#endif

static inline uint32_t in_sample(const float *x, double *dry, double *wet, uint32_t peak)
{
    uint32_t b;
    memcpy(&b, x, sizeof b);
    const uint32_t mag = b & 0x7fffffffu;
    const int finite = mag < 0x7f800000u;
    float v;
    b = finite ? b : 0u;
    memcpy(&v, &b, sizeof v);
    *dry = *wet = v;
    return finite && mag > peak ? mag : peak;
}

static void convert_in(const float *in, double *dry, double *wet, size_t n, uint32_t *peak_bits)
{
    uint32_t peak = *peak_bits;
    size_t i = 0;
#ifdef HAVE_SSE2_CONVERT
    const __m128i absmask = _mm_set1_epi32(0x7fffffff), inf = _mm_set1_epi32(0x7f800000);
    __m128 pk = _mm_setzero_ps();
    for (; i + 4 <= n; i += 4) {
        const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(in + i));
        const __m128i mag = _mm_and_si128(b, absmask);
        const __m128i finite = _mm_cmplt_epi32(mag, inf);
        const __m128 v = _mm_castsi128_ps(_mm_and_si128(b, finite));
        /* finite magnitudes as floats: no NaN, so maxps is exact */
        pk = _mm_max_ps(pk, _mm_castsi128_ps(_mm_and_si128(mag, finite)));
        const __m128d lo = _mm_cvtps_pd(v), hi = _mm_cvtps_pd(_mm_movehl_ps(v, v));
        _mm_storeu_pd(dry + i, lo);
        _mm_storeu_pd(dry + i + 2, hi);
        _mm_storeu_pd(wet + i, lo);
        _mm_storeu_pd(wet + i + 2, hi);
    }
    peak = lanes_max(pk, peak);
#endif
    for (; i < n; i++)
        peak = in_sample(in + i, dry + i, wet + i, peak);
    *peak_bits = peak;
}

static inline uint32_t out_sample(double v, float *y, uint32_t peak)
{
    v = v > BX_ENGINE_FULL_SCALE ? BX_ENGINE_FULL_SCALE : v;
    v = v < -BX_ENGINE_FULL_SCALE ? -BX_ENGINE_FULL_SCALE : v;
    v = v == v ? v : 0.0;
    const float f = (float)v;
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    b &= 0x7fffffffu;
    *y = f;
    return b > peak ? b : peak;
}

static void convert_out(const double *wet, float *out, size_t n, uint32_t *peak_bits)
{
    uint32_t peak = *peak_bits;
    size_t i = 0;
#ifdef HAVE_SSE2_CONVERT
    const __m128d hi_lim = _mm_set1_pd(BX_ENGINE_FULL_SCALE),
                  lo_lim = _mm_set1_pd(-BX_ENGINE_FULL_SCALE);
    const __m128 absmask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
    __m128 pk = _mm_setzero_ps();
    for (; i + 4 <= n; i += 4) {
        __m128d a = _mm_loadu_pd(wet + i), b = _mm_loadu_pd(wet + i + 2);
        a = _mm_and_pd(a, _mm_cmpeq_pd(a, a)); /* NaN: 0 */
        b = _mm_and_pd(b, _mm_cmpeq_pd(b, b));
        a = _mm_max_pd(_mm_min_pd(a, hi_lim), lo_lim);
        b = _mm_max_pd(_mm_min_pd(b, hi_lim), lo_lim);
        const __m128 f = _mm_movelh_ps(_mm_cvtpd_ps(a), _mm_cvtpd_ps(b));
        pk = _mm_max_ps(pk, _mm_and_ps(f, absmask));
        _mm_storeu_ps(out + i, f);
    }
    peak = lanes_max(pk, peak);
#endif
    for (; i < n; i++)
        peak = out_sample(wet[i], out + i, peak);
    *peak_bits = peak;
}

void bx_engine_process(bx_engine *e, const float *in, float *out, size_t frames,
                       bx_block_stats *stats)
{
    const unsigned nch = e->channels;
    uint32_t in_peak_bits = 0, out_peak_bits = 0; /* largest magnitudes, as float bits */
    double comp_gr = 0.0, lim_gr = 0.0;
    int fading = 0;

    while (frames > 0) {
        const unsigned phase = (unsigned)(e->pos % BX_ENGINE_GRID);
        if (phase == 0)
            housekeeping(e);
        size_t n = BX_ENGINE_GRID - phase;
        if (n > frames)
            n = frames;
        const size_t ns = n * nch;

        convert_in(in, e->dry, e->wet, ns, &in_peak_bits);
        bx_chain_process(e->cur, e->wet, n);

        if (e->old) {
            fading = 1;
            memcpy(e->wet_old, e->dry, ns * sizeof(double));
            bx_chain_process(e->old, e->wet_old, n);
            for (size_t f = 0; f < n; f++) {
                const unsigned fp = e->fade_pos + (unsigned)f;
                const double w = fp >= e->fade_len ? 1.0 : fade_weight(fp, e->fade_len);
                for (unsigned ch = 0; ch < nch; ch++) {
                    const size_t k = f * nch + ch;
                    e->wet[k] = e->wet_old[k] + w * (e->wet[k] - e->wet_old[k]);
                }
            }
            e->fade_pos += (unsigned)n;
            if (e->fade_pos >= e->fade_len) {
                double c, l;
                bx_chain_take_gr(e->old, &c, &l);
                e->to_retire = e->old;
                e->old = NULL;
            }
        }

        const double target =
            atomic_load_explicit(&e->bypass_req, memory_order_relaxed) ? 1.0 : 0.0;
        double byp = e->byp;
        if (byp != target || byp != 0.0) {
            if (byp != target)
                fading = 1;
            for (size_t f = 0; f < n; f++) {
                if (byp < target)
                    byp = fmin(target, byp + e->byp_step);
                else if (byp > target)
                    byp = fmax(target, byp - e->byp_step);
                const double w = byp >= 1.0 ? 1.0 : 0.5 - 0.5 * cos(M_PI * byp);
                for (unsigned ch = 0; ch < nch; ch++) {
                    const size_t k = f * nch + ch;
                    /* fully bypassed is the input itself, bit for bit */
                    e->wet[k] = w == 1.0 ? e->dry[k] : e->wet[k] + w * (e->dry[k] - e->wet[k]);
                }
            }
            e->byp = byp;
        }

        convert_out(e->wet, out, ns, &out_peak_bits);
        double c, l;
        bx_chain_take_gr(e->cur, &c, &l);
        if (c > comp_gr)
            comp_gr = c;
        if (l > lim_gr)
            lim_gr = l;

        in += ns;
        out += ns;
        frames -= n;
        e->pos += n;
    }
    if (stats) {
        memcpy(&stats->in_peak, &in_peak_bits, sizeof stats->in_peak);
        memcpy(&stats->out_peak, &out_peak_bits, sizeof stats->out_peak);
        stats->comp_gr_db = (float)comp_gr;
        stats->lim_gr_db = (float)lim_gr;
        stats->fading = fading;
    }
}
