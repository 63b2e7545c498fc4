/* biquad.c — RBJ cookbook designs (R. Bristow-Johnson, "Cookbook formulae for
 * audio EQ biquad filter coefficients") and a TDF-II section in double. */
#include "bx/biquad.h"

#include <math.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static const char *const type_names[BX_BIQUAD_TYPE_COUNT] = {"peak", "low_shelf", "high_shelf",
                                                             "highpass", "lowpass"};

const char *bx_biquad_type_name(bx_biquad_type type)
{
    return (unsigned)type < BX_BIQUAD_TYPE_COUNT ? type_names[type] : "unknown";
}

bx_status bx_biquad_type_parse(const char *name, bx_biquad_type *type)
{
    for (int i = 0; i < BX_BIQUAD_TYPE_COUNT; i++) {
        if (strcmp(name, type_names[i]) == 0) {
            *type = (bx_biquad_type)i;
            return BX_OK;
        }
    }
    return BX_ERR_ARG;
}

int bx_biquad_type_has_gain(bx_biquad_type type)
{
    return type == BX_BIQUAD_PEAK || type == BX_BIQUAD_LOW_SHELF || type == BX_BIQUAD_HIGH_SHELF;
}

bx_status bx_biquad_design(bx_biquad_type type, double freq_hz, double gain_db, double q,
                           double rate_hz, bx_biquad_coefs *out, bx_error *err)
{
    if (!(rate_hz > 0) || !isfinite(rate_hz))
        return bx_error_set(err, BX_ERR_ARG, "sample rate %g Hz is not valid", rate_hz);
    if (!(freq_hz > 0) || !isfinite(freq_hz))
        return bx_error_set(err, BX_ERR_RANGE, "frequency %g Hz is not positive", freq_hz);
    if (freq_hz >= 0.5 * rate_hz)
        return bx_error_set(err, BX_ERR_RANGE,
                            "%g Hz is at or above Nyquist (%g Hz at %g Hz sample rate)", freq_hz,
                            0.5 * rate_hz, rate_hz);
    if (!(q > 0) || !isfinite(q))
        return bx_error_set(err, BX_ERR_RANGE, "q %g is not positive", q);
    if (!isfinite(gain_db))
        return bx_error_set(err, BX_ERR_RANGE, "gain %g dB is not finite", gain_db);

    const double w0 = 2.0 * M_PI * freq_hz / rate_hz;
    const double cw = cos(w0), sw = sin(w0);
    const double alpha = sw / (2.0 * q);
    const double A = pow(10.0, gain_db / 40.0);
    const double sA2a = 2.0 * sqrt(A) * alpha;
    double b0, b1, b2, a0, a1, a2;

    switch (type) {
    case BX_BIQUAD_PEAK:
        b0 = 1.0 + alpha * A;
        b1 = -2.0 * cw;
        b2 = 1.0 - alpha * A;
        a0 = 1.0 + alpha / A;
        a1 = -2.0 * cw;
        a2 = 1.0 - alpha / A;
        break;
    case BX_BIQUAD_LOW_SHELF:
        b0 = A * ((A + 1.0) - (A - 1.0) * cw + sA2a);
        b1 = 2.0 * A * ((A - 1.0) - (A + 1.0) * cw);
        b2 = A * ((A + 1.0) - (A - 1.0) * cw - sA2a);
        a0 = (A + 1.0) + (A - 1.0) * cw + sA2a;
        a1 = -2.0 * ((A - 1.0) + (A + 1.0) * cw);
        a2 = (A + 1.0) + (A - 1.0) * cw - sA2a;
        break;
    case BX_BIQUAD_HIGH_SHELF:
        b0 = A * ((A + 1.0) + (A - 1.0) * cw + sA2a);
        b1 = -2.0 * A * ((A - 1.0) + (A + 1.0) * cw);
        b2 = A * ((A + 1.0) + (A - 1.0) * cw - sA2a);
        a0 = (A + 1.0) - (A - 1.0) * cw + sA2a;
        a1 = 2.0 * ((A - 1.0) - (A + 1.0) * cw);
        a2 = (A + 1.0) - (A - 1.0) * cw - sA2a;
        break;
    case BX_BIQUAD_HIGHPASS:
        b0 = (1.0 + cw) * 0.5;
        b1 = -(1.0 + cw);
        b2 = (1.0 + cw) * 0.5;
        a0 = 1.0 + alpha;
        a1 = -2.0 * cw;
        a2 = 1.0 - alpha;
        break;
    case BX_BIQUAD_LOWPASS:
        b0 = (1.0 - cw) * 0.5;
        b1 = 1.0 - cw;
        b2 = (1.0 - cw) * 0.5;
        a0 = 1.0 + alpha;
        a1 = -2.0 * cw;
        a2 = 1.0 - alpha;
        break;
    default:
        return bx_error_set(err, BX_ERR_ARG, "unknown biquad type %d", (int)type);
    }
    out->b0 = b0 / a0;
    out->b1 = b1 / a0;
    out->b2 = b2 / a0;
    out->a1 = a1 / a0;
    out->a2 = a2 / a0;
    return BX_OK;
}

void bx_biquad_response(const bx_biquad_coefs *c, double freq_hz, double rate_hz, double *mag_db,
                        double *phase_rad)
{
    /* H(e^jw) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2) */
    const double w = 2.0 * M_PI * freq_hz / rate_hz;
    const double c1 = cos(w), s1 = sin(w), c2 = cos(2.0 * w), s2 = sin(2.0 * w);
    const double nr = c->b0 + c->b1 * c1 + c->b2 * c2, ni = -(c->b1 * s1 + c->b2 * s2);
    const double dr = 1.0 + c->a1 * c1 + c->a2 * c2, di = -(c->a1 * s1 + c->a2 * s2);
    if (mag_db)
        *mag_db = 10.0 * log10((nr * nr + ni * ni) / (dr * dr + di * di));
    if (phase_rad) {
        double p = atan2(ni, nr) - atan2(di, dr);
        while (p > M_PI)
            p -= 2.0 * M_PI;
        while (p < -M_PI)
            p += 2.0 * M_PI;
        *phase_rad = p;
    }
}

void bx_biquad_process(const bx_biquad_coefs *c, bx_biquad_state *st, double *x, size_t frames,
                       size_t stride)
{
    const double b0 = c->b0, b1 = c->b1, b2 = c->b2, a1 = c->a1, a2 = c->a2;
    double s1 = st->s1, s2 = st->s2;
    for (size_t i = 0; i < frames; i++) {
        const double in = x[i * stride];
        const double y = b0 * in + s1;
        s1 = (b1 * in + s2) - a1 * y; /* b1 * in + s2 waits on nothing: the loop is y, a1 * y, - */
        s2 = b2 * in - a2 * y;
        x[i * stride] = y;
    }
    st->s1 = s1;
    st->s2 = s2;
}

/* bx_biquad_cascade runs up to CASCADE_PASS_MAX sections per pass over the
 * block, sample by sample, so that their feedback loops (a multiply and two
 * adds each) overlap in the processor instead of waiting on each other. Every
 * section does exactly the arithmetic of bx_biquad_process, in the same order
 * and without fused operations, so the output is the same bit for bit
 * whichever way a signal is cut into blocks. */
#define CASCADE_PASS_MAX 6

#if !defined(BX_BIQUAD_PORTABLE) &&                                                                \
    (defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2))
#include <emmintrin.h>
#define HAVE_SSE2_CASCADE 1

/* Sections two by two in SSE2 registers, skewed: at step t section k works
 * on sample t - k, so every step's inputs are the outputs of the step before
 * and the pairs advance together. Vector v holds sections 2v (low lane) and
 * 2v + 1 (high). A pass of G sections takes frames + G - 1 steps; in the
 * first and last G - 1 some sections have no sample yet or any more, and
 * their states are put back after the step. */
typedef struct sse2_pass {
    __m128d b0[CASCADE_PASS_MAX / 2], b1[CASCADE_PASS_MAX / 2], b2[CASCADE_PASS_MAX / 2];
    __m128d a1[CASCADE_PASS_MAX / 2], a2[CASCADE_PASS_MAX / 2];
    __m128d s1[CASCADE_PASS_MAX / 2], s2[CASCADE_PASS_MAX / 2], out[CASCADE_PASS_MAX / 2];
} sse2_pass;

/* One step: sample `in0` into section 0, every other section takes the
 * output of the one before it from the previous step. */
static inline void sse2_step(sse2_pass *p, const unsigned nv, double in0)
{
    __m128d in[CASCADE_PASS_MAX / 2];
    in[0] = _mm_unpacklo_pd(_mm_set_sd(in0), p->out[0]);
    for (unsigned v = 1; v < nv; v++)
        in[v] = _mm_shuffle_pd(p->out[v - 1], p->out[v], 1);
    for (unsigned v = 0; v < nv; v++) {
        const __m128d y = _mm_add_pd(_mm_mul_pd(p->b0[v], in[v]), p->s1[v]);
        p->s1[v] =
            _mm_sub_pd(_mm_add_pd(_mm_mul_pd(p->b1[v], in[v]), p->s2[v]), _mm_mul_pd(p->a1[v], y));
        p->s2[v] = _mm_sub_pd(_mm_mul_pd(p->b2[v], in[v]), _mm_mul_pd(p->a2[v], y));
        p->out[v] = y;
    }
}

/* A step in the first or last g - 1, where section k is idle unless
 * k <= t < frames + k: the idle ones keep their states. */
static inline void sse2_edge_step(sse2_pass *p, const unsigned nv, double in0, size_t t,
                                  size_t frames)
{
    __m128d k1[CASCADE_PASS_MAX / 2], k2[CASCADE_PASS_MAX / 2];
    for (unsigned v = 0; v < nv; v++) {
        k1[v] = p->s1[v];
        k2[v] = p->s2[v];
    }
    sse2_step(p, nv, in0);
    for (unsigned v = 0; v < nv; v++) {
        const size_t lo = 2 * v, hi = 2 * v + 1;
        const long long idle_lo = t < lo || t >= frames + lo ? -1 : 0;
        const long long idle_hi = t < hi || t >= frames + hi ? -1 : 0;
        const __m128d m = _mm_castsi128_pd(_mm_set_epi64x(idle_hi, idle_lo));
        p->s1[v] = _mm_or_pd(_mm_and_pd(m, k1[v]), _mm_andnot_pd(m, p->s1[v]));
        p->s2[v] = _mm_or_pd(_mm_and_pd(m, k2[v]), _mm_andnot_pd(m, p->s2[v]));
    }
}

/* A pass of 2 * nv sections (nv a constant after inlining, so that the
 * vectors stay in registers). */
static inline void cascade_sse2(const bx_biquad_coefs *c, bx_biquad_state *st, size_t st_stride,
                                const unsigned nv, double *x, size_t frames, size_t stride)
{
    const size_t g = 2 * nv, steps = frames + g - 1;
    sse2_pass p;
    for (unsigned v = 0; v < nv; v++) {
        const bx_biquad_coefs *lo = &c[2 * v], *hi = &c[2 * v + 1];
        p.b0[v] = _mm_set_pd(hi->b0, lo->b0);
        p.b1[v] = _mm_set_pd(hi->b1, lo->b1);
        p.b2[v] = _mm_set_pd(hi->b2, lo->b2);
        p.a1[v] = _mm_set_pd(hi->a1, lo->a1);
        p.a2[v] = _mm_set_pd(hi->a2, lo->a2);
        p.s1[v] = _mm_set_pd(st[(2 * v + 1) * st_stride].s1, st[2 * v * st_stride].s1);
        p.s2[v] = _mm_set_pd(st[(2 * v + 1) * st_stride].s2, st[2 * v * st_stride].s2);
        p.out[v] = _mm_setzero_pd();
    }
    size_t t = 0;
    /* filling: until the last section has its first sample */
    for (; t + 1 < g && t < steps; t++) {
        sse2_edge_step(&p, nv, t < frames ? x[t * stride] : 0.0, t, frames);
        if (t + 1 >= g)
            _mm_storeh_pd(&x[(t + 1 - g) * stride], p.out[nv - 1]);
    }
    /* every section busy */
    for (; t < frames; t++) {
        sse2_step(&p, nv, x[t * stride]);
        _mm_storeh_pd(&x[(t + 1 - g) * stride], p.out[nv - 1]);
    }
    /* draining */
    for (; t < steps; t++) {
        sse2_edge_step(&p, nv, 0.0, t, frames);
        if (t + 1 >= g)
            _mm_storeh_pd(&x[(t + 1 - g) * stride], p.out[nv - 1]);
    }
    for (unsigned v = 0; v < nv; v++) {
        double l1[2], l2[2];
        _mm_storeu_pd(l1, p.s1[v]);
        _mm_storeu_pd(l2, p.s2[v]);
        st[2 * v * st_stride].s1 = l1[0];
        st[2 * v * st_stride].s2 = l2[0];
        st[(2 * v + 1) * st_stride].s1 = l1[1];
        st[(2 * v + 1) * st_stride].s2 = l2[1];
    }
}
#endif

/* The portable pass: G sections sample by sample, states in registers, the
 * coefficients read from memory (loads are cheaper than the spills that
 * keeping 30 of them in registers would cost). Frame i comes from
 * in[i * stride]; the last section's output goes to out[i * stride] and,
 * with taps, section k's to taps[k][i] too (G, out and taps are constants
 * where it is inlined). */
#define PASS_MAX 6
static inline void sections_pass(const bx_biquad_coefs *c, bx_biquad_state *st, size_t st_stride,
                                 const unsigned G, const double *in, double *out, size_t frames,
                                 size_t stride, double *const *taps)
{
    double s1[PASS_MAX], s2[PASS_MAX];
    for (unsigned k = 0; k < G; k++) {
        s1[k] = st[k * st_stride].s1;
        s2[k] = st[k * st_stride].s2;
    }
    for (size_t i = 0; i < frames; i++) {
        double v = in[i * stride];
        for (unsigned k = 0; k < G; k++) {
            const double y = c[k].b0 * v + s1[k];
            s1[k] = (c[k].b1 * v + s2[k]) - c[k].a1 * y;
            s2[k] = c[k].b2 * v - c[k].a2 * y;
            if (taps)
                taps[k][i] = y;
            v = y;
        }
        if (out)
            out[i * stride] = v;
    }
    for (unsigned k = 0; k < G; k++) {
        st[k * st_stride].s1 = s1[k];
        st[k * st_stride].s2 = s2[k];
    }
}

#define CASCADE_PASS(G)                                                                            \
    static void cascade_##G(const bx_biquad_coefs *c, bx_biquad_state *st, size_t st_stride,       \
                            double *x, size_t frames, size_t stride)                               \
    {                                                                                              \
        sections_pass(c, st, st_stride, G, x, x, frames, stride, NULL);                            \
    }

#ifndef HAVE_SSE2_CASCADE
CASCADE_PASS(2)
CASCADE_PASS(3)
CASCADE_PASS(4)
CASCADE_PASS(5)
CASCADE_PASS(6)
#endif

/* A pass of G sections over mono `in` keeping each one's output in taps
 * (bx_biquad_cascade_taps). */
#define TAPS_PASS(G)                                                                               \
    static void taps_##G(const bx_biquad_coefs *c, bx_biquad_state *st, size_t st_stride,          \
                         const double *in, double *const *taps, size_t frames)                     \
    {                                                                                              \
        sections_pass(c, st, st_stride, G, in, NULL, frames, 1, taps);                             \
    }

TAPS_PASS(1)
TAPS_PASS(2)
TAPS_PASS(3)
TAPS_PASS(4)

void bx_biquad_cascade_taps(const bx_biquad_coefs *c, bx_biquad_state *st, size_t st_stride,
                            unsigned n, const double *x, double *const *taps, size_t frames)
{
    const double *in = x;
    while (n > 0) {
        /* passes as even as possible, at most 4 sections each (their states
         * and the stores stay within the registers) */
        static void (*const pass[4])(const bx_biquad_coefs *, bx_biquad_state *, size_t,
                                     const double *, double *const *,
                                     size_t) = {taps_1, taps_2, taps_3, taps_4};
        const unsigned passes = (n + 3) / 4, g = (n + passes - 1) / passes;
        pass[g - 1](c, st, st_stride, in, taps, frames);
        in = taps[g - 1];
        c += g;
        st += g * st_stride;
        taps += g;
        n -= g;
    }
}

void bx_biquad_cascade(const bx_biquad_coefs *c, bx_biquad_state *st, size_t st_stride, unsigned n,
                       double *x, size_t frames, size_t stride)
{
    while (n > 0) {
#ifdef HAVE_SSE2_CASCADE
        /* pairs, up to CASCADE_PASS_MAX per pass; an odd last section alone */
        const unsigned g = n >= CASCADE_PASS_MAX ? CASCADE_PASS_MAX : n - n % 2;
        if (g == 6)
            cascade_sse2(c, st, st_stride, 3, x, frames, stride);
        else if (g == 4)
            cascade_sse2(c, st, st_stride, 2, x, frames, stride);
        else if (g == 2)
            cascade_sse2(c, st, st_stride, 1, x, frames, stride);
        else
            bx_biquad_process(c, st, x, frames, stride);
        const unsigned done = g ? g : 1;
#else
        /* passes as even as possible: 8 sections are 4 + 4, not 6 + 2 */
        const unsigned passes = (n + CASCADE_PASS_MAX - 1) / CASCADE_PASS_MAX;
        const unsigned done = (n + passes - 1) / passes;
        switch (done) {
        case 1:
            bx_biquad_process(c, st, x, frames, stride);
            break;
        case 2:
            cascade_2(c, st, st_stride, x, frames, stride);
            break;
        case 3:
            cascade_3(c, st, st_stride, x, frames, stride);
            break;
        case 4:
            cascade_4(c, st, st_stride, x, frames, stride);
            break;
        case 5:
            cascade_5(c, st, st_stride, x, frames, stride);
            break;
        default:
            cascade_6(c, st, st_stride, x, frames, stride);
            break;
        }
#endif
        c += done;
        st += done * st_stride;
        n -= done;
    }
}
