/* align.c — delay estimation by FFT cross-correlation (KissFFT), coarse on a
 * decimated copy, then exact at full rate around the coarse peak. */
#include "bx/align.h"

#include <kiss_fftr.h>
#include <math.h>
#include <string.h>

#define DECIM 8

/* Correlation of y against x at lag d over their overlap, and the energies. */
static double corr_at(const float *x, size_t nx, const float *y, size_t ny, long d, size_t limit,
                      double *ex, double *ey)
{
    /* y[n] ~ x[n - d]  =>  sum over n of y[n] x[n - d] */
    long n0 = d > 0 ? d : 0;
    long n1 = (long)ny;
    if ((long)nx + d < n1)
        n1 = (long)nx + d;
    if (n1 - n0 > (long)limit)
        n1 = n0 + (long)limit;
    double s = 0, a = 0, b = 0;
    for (long n = n0; n < n1; n++) {
        const double xv = x[n - d], yv = y[n];
        s += xv * yv;
        a += xv * xv;
        b += yv * yv;
    }
    *ex = a;
    *ey = b;
    return s;
}

bx_status bx_align(const float *x, size_t nx, const float *y, size_t ny, double rate_hz,
                   size_t max_lag, long *delay, double *score, bx_error *err)
{
    *delay = 0;
    *score = 0;
    const size_t cap = (size_t)(BX_ALIGN_MAX_SECONDS * rate_hz);
    const size_t mx = (nx < cap ? nx : cap) / DECIM, my = (ny < cap ? ny : cap) / DECIM;
    if (mx < 16 || my < 16)
        return bx_error_set(err, BX_ERR_AUDIO, "too short to align (%zu and %zu samples)", nx, ny);
    const size_t lag_d = max_lag / DECIM + 1;
    /* zero-padded length: no circular wrap for lags up to the signal lengths */
    size_t nfft = (size_t)kiss_fftr_next_fast_size_real((int)(mx + my));
    bx_status st = BX_OK;
    size_t lenf = 0, leni = 0;
    kiss_fftr_alloc((int)nfft, 0, NULL, &lenf);
    kiss_fftr_alloc((int)nfft, 1, NULL, &leni);
    const size_t nb = nfft / 2 + 1;
    char *mem = bx_malloc(lenf + leni + 2 * nfft * sizeof(kiss_fft_scalar) +
                          2 * nb * sizeof(kiss_fft_cpx) + 64);
    if (!mem)
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory aligning the signals");
    kiss_fftr_cfg fwd = kiss_fftr_alloc((int)nfft, 0, mem, &lenf);
    kiss_fftr_cfg inv = kiss_fftr_alloc((int)nfft, 1, mem + lenf, &leni);
    kiss_fft_scalar *tx = (kiss_fft_scalar *)(void *)(mem + lenf + leni);
    kiss_fft_scalar *ty = tx + nfft;
    kiss_fft_cpx *fx = (kiss_fft_cpx *)(void *)(ty + nfft), *fy = fx + nb;
    memset(tx, 0, 2 * nfft * sizeof *tx);
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
    kiss_fftr(fwd, tx, fx);
    kiss_fftr(fwd, ty, fy);
    for (size_t k = 0; k < nb; k++) { /* Y * conj(X): peak at the lag of y behind x */
        const double re = (double)fy[k].r * fx[k].r + (double)fy[k].i * fx[k].i;
        const double im = (double)fy[k].i * fx[k].r - (double)fy[k].r * fx[k].i;
        fx[k].r = (kiss_fft_scalar)re;
        fx[k].i = (kiss_fft_scalar)im;
    }
    kiss_fftri(inv, fx, tx);
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
    /* refine at full rate around DECIM * best_d, on up to 30 s of overlap */
    const size_t limit = (size_t)(30.0 * rate_hz);
    long fine = best_d * DECIM;
    double fine_v = -INFINITY, fex = 0, fey = 0;
    for (long d = best_d * DECIM - 2 * DECIM; d <= best_d * DECIM + 2 * DECIM; d++) {
        if ((size_t)labs(d) > max_lag)
            continue;
        double a, b;
        const double c = corr_at(x, nx, y, ny, d, limit, &a, &b);
        const double v = c / sqrt(a * b + 1e-300);
        if (v > fine_v) {
            fine_v = v;
            fine = d;
            fex = a;
            fey = b;
        }
    }
    if (!(fex > 0 && fey > 0)) {
        st = bx_error_set(err, BX_ERR_AUDIO, "cannot align: no overlap with signal");
        goto out;
    }
    *delay = fine;
    *score = fine_v;
out:
    bx_free(mem);
    return st;
}
