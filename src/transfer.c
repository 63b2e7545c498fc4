/* transfer.c — H1 transfer-function estimate with Welch framing (KissFFT). */
#include "bx/transfer.h"

#include "fftlen.h"
#include <kiss_fftr.h>
#include <math.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static size_t default_nfft(double rate_hz)
{
    size_t n = 256;
    while (n < 0.17 * rate_hz * 0.7071)
        n *= 2;
    return n;
}

static int nfft_ok(size_t n)
{
    return n >= 16 && bx_fftr_len_ok(n);
}

bx_status bx_transfer_estimate(const float *x, const float *y, const double *gain, size_t n,
                               double rate_hz, size_t nfft, bx_transfer *out, bx_error *err)
{
    memset(out, 0, sizeof *out);
    if (nfft == 0)
        nfft = default_nfft(rate_hz);
    if (!nfft_ok(nfft))
        return bx_error_set(err, BX_ERR_ARG,
                            "transfer: FFT length %zu is not even, at least 16, with nfft/2 made "
                            "of 2, 3, 5",
                            nfft);
    if (n < nfft)
        return bx_error_set(err, BX_ERR_AUDIO,
                            "too short to measure a transfer function "
                            "(%zu samples, need %zu)",
                            n, nfft);
    const size_t nb = nfft / 2 + 1;
    size_t lenf = 0;
    kiss_fftr_alloc((int)nfft, 0, NULL, &lenf);
    char *mem =
        bx_malloc(lenf + 3 * nfft * sizeof(kiss_fft_scalar) + 2 * nb * sizeof(kiss_fft_cpx) +
                  4 * nb * sizeof(double) + nfft * sizeof(double) + 64);
    if (!mem)
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory estimating the transfer function");
    kiss_fftr_cfg cfg = kiss_fftr_alloc((int)nfft, 0, mem, &lenf);
    double *acc = (double *)(void *)(mem + ((lenf + 7) & ~(size_t)7));
    double *win = acc + 4 * nb;
    kiss_fft_scalar *tx = (kiss_fft_scalar *)(void *)(win + nfft), *ty = tx + nfft;
    kiss_fft_cpx *fx = (kiss_fft_cpx *)(void *)(ty + nfft), *fy = fx + nb;
    memset(acc, 0, 4 * nb * sizeof(double));
    size_t frames = 0;
    for (size_t i = 0; i < nfft; i++)
        win[i] = 0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)nfft);
    for (size_t start = 0; start + nfft <= n; start += nfft / 2) {
        for (size_t i = 0; i < nfft; i++) {
            double yv = y[start + i];
            if (gain && gain[start + i] > 0)
                yv /= gain[start + i];
            tx[i] = (kiss_fft_scalar)(win[i] * x[start + i]);
            ty[i] = (kiss_fft_scalar)(win[i] * yv);
        }
        kiss_fftr(cfg, tx, fx);
        kiss_fftr(cfg, ty, fy);
        for (size_t k = 0; k < nb; k++) {
            const double xr = fx[k].r, xi = fx[k].i, yr = fy[k].r, yi = fy[k].i;
            acc[k] += xr * xr + xi * xi;
            acc[nb + k] += xr * yr + xi * yi;     /* Re(X* Y) */
            acc[2 * nb + k] += xr * yi - xi * yr; /* Im(X* Y) */
            acc[3 * nb + k] += yr * yr + yi * yi;
        }
        frames++;
    }
    double *keep = bx_malloc(4 * nb * sizeof(double));
    if (!keep) {
        bx_free(mem);
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory estimating the transfer function");
    }
    memcpy(keep, acc, 4 * nb * sizeof(double));
    bx_free(mem);
    out->rate_hz = rate_hz;
    out->nfft = nfft;
    out->n_bins = nb;
    out->bin_hz = rate_hz / (double)nfft;
    out->sxx = keep;
    out->sxy_re = keep + nb;
    out->sxy_im = keep + 2 * nb;
    out->syy = keep + 3 * nb;
    out->n_frames = frames;
    return BX_OK;
}

void bx_transfer_free(bx_transfer *t)
{
    bx_free(t->sxx);
    memset(t, 0, sizeof *t);
}

/* The bins [*lo, *hi] of a band smooth_oct wide around freq_hz. */
static void band_bins(const bx_transfer *t, double freq_hz, double smooth_oct, long *plo, long *phi)
{
    const double half = smooth_oct > 0 ? exp2(0.5 * smooth_oct) : 1.0;
    long lo = (long)ceil(freq_hz / half / t->bin_hz), hi = (long)floor(freq_hz * half / t->bin_hz);
    if (lo < 0)
        lo = 0;
    if (hi > (long)t->n_bins - 1)
        hi = (long)t->n_bins - 1;
    if (hi < lo) { /* band narrower than a bin: nearest bin */
        lo = hi = (long)floor(freq_hz / t->bin_hz + 0.5);
        if (lo > (long)t->n_bins - 1)
            lo = hi = (long)t->n_bins - 1;
    }
    *plo = lo;
    *phi = hi;
}

double bx_transfer_db_at(const bx_transfer *t, double freq_hz, double smooth_oct)
{
    long lo, hi;
    band_bins(t, freq_hz, smooth_oct, &lo, &hi);
    double sxx = 0, re = 0, im = 0;
    for (long k = lo; k <= hi; k++) {
        sxx += t->sxx[k];
        re += t->sxy_re[k];
        im += t->sxy_im[k];
    }
    if (!(sxx > 0))
        return -300.0;
    const double m2 = (re * re + im * im) / (sxx * sxx);
    return m2 > 0 ? 10.0 * log10(m2) : -300.0;
}

double bx_transfer_sd_db_at(const bx_transfer *t, double freq_hz, double smooth_oct)
{
    long lo, hi;
    band_bins(t, freq_hz, smooth_oct, &lo, &hi);
    double sxx = 0, syy = 0, re = 0, im = 0;
    for (long k = lo; k <= hi; k++) {
        sxx += t->sxx[k];
        syy += t->syy[k];
        re += t->sxy_re[k];
        im += t->sxy_im[k];
    }
    if (!(sxx > 0 && syy > 0))
        return HUGE_VAL;
    const double coh = fmin((re * re + im * im) / (sxx * syy), 1.0);
    if (!(coh > 0))
        return HUGE_VAL;
    /* Bendat & Piersol, Random Data, eq. 9.73: the normalised random error
     * of |H| is sqrt(1 - coh) / (|coh|^1/2 sqrt(2 n_d)); n_d independent
     * averages: half the frames (50 % overlapping Hann windows) times half
     * the bins summed (a Hann window's neighbouring bins are correlated) */
    const double nd = fmax(1.0, 0.25 * (double)t->n_frames * (double)(hi - lo + 1));
    const double eps = sqrt((1.0 - coh) / (coh * 2.0 * nd));
    return 8.685889638065035 * eps; /* 20 log10(1 + eps), to first order */
}
