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

int bx_biquad_type_parse(const char *name, bx_biquad_type *type)
{
    for (int i = 0; i < BX_BIQUAD_TYPE_COUNT; i++) {
        if (strcmp(name, type_names[i]) == 0) {
            *type = (bx_biquad_type)i;
            return 0;
        }
    }
    return -1;
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
        s1 = b1 * in - a1 * y + s2;
        s2 = b2 * in - a2 * y;
        x[i * stride] = y;
    }
    st->s1 = s1;
    st->s2 = s2;
}

void bx_biquad_cascade(const bx_biquad_coefs *c, bx_biquad_state *st, size_t st_stride, unsigned n,
                       double *x, size_t frames, size_t stride)
{
    unsigned k = 0;
    for (; k + 1 < n; k += 2) {
        const bx_biquad_coefs *p = &c[k], *q = &c[k + 1];
        bx_biquad_state *sp = &st[k * st_stride], *sq = &st[(k + 1) * st_stride];
        const double pb0 = p->b0, pb1 = p->b1, pb2 = p->b2, pa1 = p->a1, pa2 = p->a2;
        const double qb0 = q->b0, qb1 = q->b1, qb2 = q->b2, qa1 = q->a1, qa2 = q->a2;
        double p1 = sp->s1, p2 = sp->s2, q1 = sq->s1, q2 = sq->s2;
        for (size_t i = 0; i < frames; i++) {
            const double in = x[i * stride];
            const double u = pb0 * in + p1;
            p1 = pb1 * in - pa1 * u + p2;
            p2 = pb2 * in - pa2 * u;
            const double y = qb0 * u + q1;
            q1 = qb1 * u - qa1 * y + q2;
            q2 = qb2 * u - qa2 * y;
            x[i * stride] = y;
        }
        sp->s1 = p1, sp->s2 = p2, sq->s1 = q1, sq->s2 = q2;
    }
    if (k < n)
        bx_biquad_process(&c[k], &st[k * st_stride], x, frames, stride);
}
