/* bands.c — a running 1/3-octave spectrum (bx/bands.h). */
#include "bx/bands.h"

#include <kiss_fftr.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "bx/ltas.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

struct bx_bands {
    double rate_hz;
    size_t nfft, hop, n;
    double lo_hz[BX_BANDS_MAX], hi_hz[BX_BANDS_MAX], fc_hz[BX_BANDS_MAX];
    size_t k0[BX_BANDS_MAX], k1[BX_BANDS_MAX]; /* bins k0 <= k < k1 */
    double v[BX_BANDS_MAX];                    /* running band powers */
    int have;                                  /* a frame has been seen */
    double a;                                  /* the average's memory per frame */
    double scale;                              /* 1 / (N sum w^2) */
    kiss_fftr_cfg cfg;
    double *win;
    float *buf; /* the last nfft samples */
    size_t fill;
    kiss_fft_scalar *tin;
    kiss_fft_cpx *tout;
    void *mem;
};

static size_t frame_length(double rate_hz)
{
    size_t n = 256;
    while ((double)n * 1.5 < BX_BANDS_FRAME_S * rate_hz)
        n *= 2;
    return n;
}

bx_bands *bx_bands_create(double rate_hz, double tau_s, bx_error *err)
{
    if (!(rate_hz >= BX_LTAS_RATE_MIN && rate_hz <= BX_LTAS_RATE_MAX) || !(tau_s > 0)) {
        bx_error_set(err, BX_ERR_ARG, "bands: rate %g Hz or time constant %g s out of range",
                     rate_hz, tau_s);
        return NULL;
    }
    bx_bands *b = bx_calloc(1, sizeof *b);
    if (!b) {
        bx_error_set(err, BX_ERR_NOMEM, "out of memory");
        return NULL;
    }
    const size_t nfft = frame_length(rate_hz);
    b->rate_hz = rate_hz;
    b->nfft = nfft;
    b->hop = nfft / 2;
    b->a = exp(-(double)b->hop / (tau_s * rate_hz));
    size_t lenf = 0;
    kiss_fftr_alloc((int)nfft, 0, NULL, &lenf);
    b->mem =
        bx_malloc(lenf + 16 + nfft * (sizeof(double) + sizeof(float) + sizeof(kiss_fft_scalar)) +
                  (nfft / 2 + 1) * sizeof(kiss_fft_cpx));
    if (!b->mem) {
        bx_free(b);
        bx_error_set(err, BX_ERR_NOMEM, "out of memory");
        return NULL;
    }
    b->cfg = kiss_fftr_alloc((int)nfft, 0, b->mem, &lenf);
    char *p = (char *)b->mem + lenf;
    p += (size_t)(-(uintptr_t)p & 15);
    b->win = (double *)(void *)p;
    b->tout = (kiss_fft_cpx *)(void *)(b->win + nfft);
    b->tin = (kiss_fft_scalar *)(void *)(b->tout + nfft / 2 + 1);
    b->buf = (float *)(void *)(b->tin + nfft);
    double wp = 0;
    for (size_t i = 0; i < nfft; i++) {
        b->win[i] = 0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)nfft);
        wp += b->win[i] * b->win[i];
    }
    b->scale = 1.0 / ((double)nfft * wp);
    const double bin_hz = rate_hz / (double)nfft, top = fmin(BX_BANDS_HI_HZ, 0.45 * rate_hz);
    for (int m = -14; b->n < BX_BANDS_MAX; m++) { /* 1000 * 10^(-14/10) = 39.8 Hz */
        const double fc = 1000.0 * pow(10.0, m / 10.0);
        if (fc > top * 1.001)
            break;
        const double lo = fc * pow(10.0, -0.05), hi = fc * pow(10.0, 0.05);
        const size_t k0 = (size_t)ceil(lo / bin_hz), k1 = (size_t)ceil(hi / bin_hz);
        if (k1 <= k0 || k1 > nfft / 2)
            continue;
        b->fc_hz[b->n] = fc, b->lo_hz[b->n] = lo, b->hi_hz[b->n] = hi;
        b->k0[b->n] = k0, b->k1[b->n] = k1;
        b->n++;
    }
    return b;
}

void bx_bands_destroy(bx_bands *b)
{
    if (!b)
        return;
    bx_free(b->mem);
    bx_free(b);
}

size_t bx_bands_count(const bx_bands *b)
{
    return b->n;
}

double bx_bands_centre_hz(const bx_bands *b, size_t k)
{
    return k < b->n ? b->fc_hz[k] : 0.0;
}

void bx_bands_reset(bx_bands *b)
{
    b->fill = 0;
    b->have = 0;
    for (size_t k = 0; k < b->n; k++)
        b->v[k] = 0;
}

/* One whole frame in buf: its band powers into the average. */
static void frame(bx_bands *b)
{
    for (size_t i = 0; i < b->nfft; i++)
        b->tin[i] = (kiss_fft_scalar)(b->win[i] * (double)b->buf[i]);
    kiss_fftr(b->cfg, b->tin, b->tout);
    for (size_t k = 0; k < b->n; k++) {
        double p = 0;
        for (size_t j = b->k0[k]; j < b->k1[k]; j++) {
            const double c = j == b->nfft / 2 ? 1.0 : 2.0; /* no band holds DC */
            p += c * ((double)b->tout[j].r * b->tout[j].r + (double)b->tout[j].i * b->tout[j].i);
        }
        p *= b->scale;
        b->v[k] = b->have ? b->a * b->v[k] + (1.0 - b->a) * p : p;
    }
    b->have = 1;
}

void bx_bands_add(bx_bands *b, const float *x, size_t n)
{
    while (n > 0) {
        size_t k = b->nfft - b->fill;
        if (k > n)
            k = n;
        for (size_t i = 0; i < k; i++)
            b->buf[b->fill + i] = isfinite(x[i]) ? x[i] : 0.0f;
        b->fill += k, x += k, n -= k;
        if (b->fill == b->nfft) {
            frame(b);
            memmove(b->buf, b->buf + b->hop, (b->nfft - b->hop) * sizeof *b->buf);
            b->fill = b->nfft - b->hop;
        }
    }
}

void bx_bands_db(const bx_bands *b, double *db)
{
    for (size_t k = 0; k < b->n; k++)
        db[k] = b->have && b->v[k] > 1e-20 ? 10.0 * log10(b->v[k]) : -200.0;
}

void bx_bands_of_spectrum(const bx_bands *b, const bx_spectrum *s, double *db)
{
    for (size_t k = 0; k < b->n; k++) {
        double p = 0;
        for (size_t j = (size_t)ceil(b->lo_hz[k] / s->bin_hz);
             j < s->n_bins && (double)j * s->bin_hz < b->hi_hz[k]; j++)
            p += s->power[j];
        db[k] = p > 1e-20 ? 10.0 * log10(p) : -200.0;
    }
}
