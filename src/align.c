/* align.c — delay estimation by FFT cross-correlation (KissFFT), coarse on a
 * decimated copy, then exact at full rate around the coarse peak. */
#include "bx/align.h"

#include <kiss_fftr.h>
#include <math.h>
#include <string.h>

#define DECIM 8

/* fx <- Y conj(X) / |Y conj(X)|: the generalised cross-correlation with the
 * phase transform (Knapp & Carter 1976) weighs every frequency equally, so
 * the strong, periodic low end of a groove does not make several lags look
 * alike. Bins with no energy stay small. */
static void phat(kiss_fft_cpx *fx, const kiss_fft_cpx *fy, size_t nb)
{
    double mx = 0;
    for (size_t k = 0; k < nb; k++) {
        const double re = (double)fy[k].r * fx[k].r + (double)fy[k].i * fx[k].i;
        const double im = (double)fy[k].i * fx[k].r - (double)fy[k].r * fx[k].i;
        mx = fmax(mx, sqrt(re * re + im * im));
    }
    for (size_t k = 0; k < nb; k++) {
        const double re = (double)fy[k].r * fx[k].r + (double)fy[k].i * fx[k].i;
        const double im = (double)fy[k].i * fx[k].r - (double)fy[k].r * fx[k].i;
        const double m = sqrt(re * re + im * im) + 1e-6 * mx;
        fx[k].r = (kiss_fft_scalar)(re / m);
        fx[k].i = (kiss_fft_scalar)(im / m);
    }
}

/* One cross-correlation's memory: two forward plans and an inverse, two
 * zeroed real buffers of nfft and two spectra, in one block (free `mem`). */
typedef struct xcorr {
    char *mem;
    size_t nfft, nb;
    kiss_fftr_cfg fwd, fwd2, inv; /* fwd2: y's, so that both can run at once */
    kiss_fft_scalar *tx, *ty;
    kiss_fft_cpx *fx, *fy;
} xcorr;

static bx_status xcorr_alloc(xcorr *c, size_t nfft, bx_error *err)
{
    size_t lenf = 0, leni = 0;
    kiss_fftr_alloc((int)nfft, 0, NULL, &lenf);
    kiss_fftr_alloc((int)nfft, 1, NULL, &leni);
    c->nfft = nfft;
    c->nb = nfft / 2 + 1;
    c->mem = bx_malloc(2 * lenf + leni + 2 * nfft * sizeof(kiss_fft_scalar) +
                       2 * c->nb * sizeof(kiss_fft_cpx) + 64);
    if (!c->mem)
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory aligning the signals");
    c->fwd = kiss_fftr_alloc((int)nfft, 0, c->mem, &lenf);
    c->fwd2 = kiss_fftr_alloc((int)nfft, 0, c->mem + lenf, &lenf);
    c->inv = kiss_fftr_alloc((int)nfft, 1, c->mem + 2 * lenf, &leni);
    c->tx = (kiss_fft_scalar *)(void *)(c->mem + 2 * lenf + leni);
    c->ty = c->tx + nfft;
    c->fx = (kiss_fft_cpx *)(void *)(c->ty + nfft);
    c->fy = c->fx + c->nb;
    memset(c->tx, 0, 2 * nfft * sizeof *c->tx);
    return BX_OK;
}

static void fwd_task(void *arg, unsigned worker, size_t i)
{
    (void)worker;
    xcorr *c = arg;
    if (i == 0)
        kiss_fftr(c->fwd, c->tx, c->fx);
    else
        kiss_fftr(c->fwd2, c->ty, c->fy);
}

/* tx <- the phase-only cross-correlation of what tx and ty hold (the two
 * forward transforms on par's workers). */
static void xcorr_phat(xcorr *c, const bx_parallel *par)
{
    bx_parallel_for(par, fwd_task, c, 2);
    phat(c->fx, c->fy, c->nb); /* Y * conj(X), phase only: peak at the lag of y behind x */
    kiss_fftri(c->inv, c->fx, c->tx);
}

/* GCC-PHAT on up to 2^19 samples of overlap at lag `coarse`; the best lag
 * within +-win of it goes to *out. */
static bx_status phat_refine(const float *x, size_t nx, const float *y, size_t ny, long coarse,
                             long win, const bx_parallel *par, long *out, double *peak,
                             bx_error *err)
{
    /* y[n] ~ x[n - d]: segment y[s0 .. s0+L) against x[s0-coarse ..) */
    long s0 = coarse > 0 ? coarse : 0;
    long end = (long)ny;
    if ((long)nx + coarse < end)
        end = (long)nx + coarse;
    long L = end - s0;
    if (L > (1L << 19))
        L = 1L << 19;
    if (L < 64) {
        *out = coarse;
        *peak = 0;
        return BX_OK;
    }
    /* zero-padded by win + 1: the lags within +-win do not wrap around */
    xcorr c;
    const bx_status st =
        xcorr_alloc(&c, (size_t)kiss_fftr_next_fast_size_real((int)(L + win + 1)), err);
    if (st)
        return st;
    const size_t nfft = c.nfft;
    kiss_fft_scalar *tx = c.tx;
    for (long i = 0; i < L; i++) {
        tx[i] = x[s0 - coarse + i];
        c.ty[i] = y[s0 + i];
    }
    xcorr_phat(&c, par);
    long best = 0;
    double bv = -INFINITY;
    for (long e = -win; e <= win; e++) {
        const size_t k = e >= 0 ? (size_t)e : nfft - (size_t)(-e);
        if (tx[k] > bv) {
            bv = tx[k];
            best = e;
        }
    }
    bx_free(c.mem);
    *out = coarse + best;
    *peak = bv / (double)nfft; /* the inverse is unnormalised: nfft when all phases agree */
    return BX_OK;
}

bx_status bx_align(const float *x, size_t nx, const float *y, size_t ny, double rate_hz,
                   size_t max_lag, long *delay, double *score, bx_error *err)
{
    return bx_align_parallel(x, nx, y, ny, rate_hz, max_lag, NULL, delay, score, err);
}

bx_status bx_align_parallel(const float *x, size_t nx, const float *y, size_t ny, double rate_hz,
                            size_t max_lag, const bx_parallel *par, long *delay, double *score,
                            bx_error *err)
{
    *delay = 0;
    *score = 0;
    const size_t cap = (size_t)(BX_ALIGN_MAX_SECONDS * rate_hz);
    const size_t mx = (nx < cap ? nx : cap) / DECIM, my = (ny < cap ? ny : cap) / DECIM;
    if (mx < 16 || my < 16)
        return bx_error_set(err, BX_ERR_AUDIO, "too short to align (%zu and %zu samples)", nx, ny);
    const size_t lag_d = max_lag / DECIM + 1;
    /* zero-padded length: no circular wrap for lags up to the signal lengths */
    xcorr c;
    bx_status st = xcorr_alloc(&c, (size_t)kiss_fftr_next_fast_size_real((int)(mx + my)), err);
    if (st)
        return st;
    const size_t nfft = c.nfft;
    kiss_fft_scalar *tx = c.tx, *ty = c.ty;
    double ex = 0, ey = 0;
    for (size_t i = 0; i < mx; i++) {
        double s = 0;
        for (int k = 0; k < DECIM; k++)
            s += x[i * DECIM + k];
        tx[i] = (kiss_fft_scalar)(s / DECIM);
        ex += s * s;
    }
    for (size_t i = 0; i < my; i++) {
        double s = 0;
        for (int k = 0; k < DECIM; k++)
            s += y[i * DECIM + k];
        ty[i] = (kiss_fft_scalar)(s / DECIM);
        ey += s * s;
    }
    if (!(ex > 0) || !(ey > 0)) {
        st = bx_error_set(err, BX_ERR_AUDIO, "cannot align: a signal is silent");
        goto out;
    }
    xcorr_phat(&c, par);
    long best_d = 0;
    double best_v = -INFINITY;
    for (size_t k = 0; k < nfft; k++) {
        const long d = k < nfft / 2 ? (long)k : (long)k - (long)nfft;
        if ((size_t)labs(d) > lag_d)
            continue;
        if (tx[k] > best_v) {
            best_v = tx[k];
            best_d = d;
        }
    }
    bx_free(c.mem);
    c.mem = NULL;
    /* refine at full rate with GCC-PHAT (phase-only cross-spectrum) around
     * DECIM * best_d: equal weight to every frequency, so the phase of an EQ
     * (a highpass delays the lows by milliseconds) does not pull the peak */
    const long coarse = best_d * DECIM;
    const long win = 4 * DECIM + (long)(0.005 * rate_hz);
    long fine = coarse;
    double peak = 0;
    st = phat_refine(x, nx, y, ny, coarse, win, par, &fine, &peak, err);
    if (st)
        goto out;
    *delay = fine;
    *score = peak;
out:
    bx_free(c.mem);
    return st;
}
