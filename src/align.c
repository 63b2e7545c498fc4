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
 * alike. Bins with no energy stay small. Returns what the inverse transform
 * gives where every phase agrees: the sum of the weights over the whole
 * (two-sided) spectrum. */
static double phat(kiss_fft_cpx *fx, const kiss_fft_cpx *fy, size_t nb)
{
    double mx = 0;
    for (size_t k = 0; k < nb; k++) {
        const double re = (double)fy[k].r * fx[k].r + (double)fy[k].i * fx[k].i;
        const double im = (double)fy[k].i * fx[k].r - (double)fy[k].r * fx[k].i;
        mx = fmax(mx, sqrt(re * re + im * im));
    }
    double wsum = 0;
    for (size_t k = 0; k < nb; k++) {
        const double re = (double)fy[k].r * fx[k].r + (double)fy[k].i * fx[k].i;
        const double im = (double)fy[k].i * fx[k].r - (double)fy[k].r * fx[k].i;
        const double a = sqrt(re * re + im * im), m = a + 1e-6 * mx;
        fx[k].r = (kiss_fft_scalar)(re / m);
        fx[k].i = (kiss_fft_scalar)(im / m);
        wsum += (k == 0 || k == nb - 1 ? 1.0 : 2.0) * (a / m); /* DC, Nyquist: once */
    }
    return wsum;
}

/* The phase of the minimum-phase filter with y's spectrum over x's (the
 * lowest group delay any causal filter with that response has), on the
 * bins of fx and fy (nb), into ph.
 *
 * An EQ bends the phase: the phase-only cross-correlation of x with y peaks
 * where the EQ's phase-only response does, which a low shelf, a high shelf
 * and a broad bell together can move a sample or more after the signal's
 * true start (a plugin EQ seen on an evaluation corpus: a sample late, and
 * a paired fit of 22 dB SNR instead of 39). bx's chain is minimum phase: its
 * delay is what remains of y's phase once the minimum phase of its
 * magnitude is taken out. The magnitude, |Y|^2 / |X|^2 averaged over m
 * groups of bins, gives the minimum phase by the folded real cepstrum
 * (Oppenheim & Schafer, "Discrete-Time Signal Processing", ch. 13); each bin
 * takes it interpolated between its group's centre and the next. Returns 0
 * without memory. */
static int min_phase(const kiss_fft_cpx *fx, const kiss_fft_cpx *fy, size_t nb, size_t m,
                     double *ph)
{
    size_t lenf = 0, leni = 0;
    kiss_fftr_alloc((int)(2 * m), 0, NULL, &lenf);
    kiss_fftr_alloc((int)(2 * m), 1, NULL, &leni);
    char *mem = bx_malloc(lenf + leni + 2 * m * sizeof(kiss_fft_scalar) +
                          (m + 1) * sizeof(kiss_fft_cpx) + 2 * m * sizeof(double) + 64);
    if (!mem)
        return 0;
    kiss_fftr_cfg fwd = kiss_fftr_alloc((int)(2 * m), 0, mem, &lenf);
    kiss_fftr_cfg inv = kiss_fftr_alloc((int)(2 * m), 1, mem + lenf, &leni);
    kiss_fft_scalar *c = (kiss_fft_scalar *)(void *)(mem + lenf + leni);
    kiss_fft_cpx *sp = (kiss_fft_cpx *)(void *)(c + 2 * m);
    double *sx = (double *)(void *)(sp + m + 1), *sy = sx + m;
    const size_t g = nb / m; /* bins per group */
    double top = 0;
    for (size_t k = 0; k < m; k++) {
        double a = 0, b = 0;
        for (size_t i = k * g; i < (k + 1) * g; i++) {
            a += (double)fx[i].r * fx[i].r + (double)fx[i].i * fx[i].i;
            b += (double)fy[i].r * fy[i].r + (double)fy[i].i * fy[i].i;
        }
        sx[k] = a, sy[k] = b;
        top = fmax(top, a);
    }
    /* where x is more than 60 dB under its loudest group, the ratio is
     * noise: it holds the last value read below (above the first one read,
     * below it). Pulled toward 0 dB instead, a take resampled from 48 to
     * 192 kHz put a step at 24 kHz whose minimum phase moved the peak two
     * samples. */
    const double floor_ = 1e-9 * top + 1e-300;
    size_t first = 0;
    while (first < m && !(sx[first] > 1e-6 * top))
        first++;
    /* x silent (first == m): 0 dB throughout, no phase to take out */
    double held = first < m ? 0.5 * log((sy[first] + floor_) / (sx[first] + floor_)) : 0.0;
    for (size_t k = 0; k < m; k++) {
        if (k > first && sx[k] > 1e-6 * top)
            held = 0.5 * log((sy[k] + floor_) / (sx[k] + floor_));
        sp[k].r = (kiss_fft_scalar)held;
        sp[k].i = 0;
    }
    sp[m] = sp[m - 1];
    kiss_fftri(inv, sp, c); /* the real cepstrum of the magnitude, times 2m */
    const double sc = 1.0 / (double)(2 * m);
    c[0] *= sc;
    for (size_t i = 1; i < m; i++)
        c[i] *= 2.0 * sc; /* folded: the causal cepstrum of the minimum phase */
    c[m] *= sc;
    for (size_t i = m + 1; i < 2 * m; i++)
        c[i] = 0;
    kiss_fftr(fwd, c, sp); /* log |H| + j phase, on m + 1 points */
    for (size_t i = 0; i < nb; i++) {
        const double t = (double)i / (double)g - 0.5; /* position among the group centres */
        if (t <= 0) {
            ph[i] = sp[0].i;
        } else if (t >= (double)(m - 1)) {
            ph[i] = sp[m - 1].i;
        } else {
            const size_t k = (size_t)t;
            const double f = t - (double)k;
            ph[i] = (1.0 - f) * sp[k].i + f * sp[k + 1].i;
        }
    }
    bx_free(mem);
    return 1;
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

/* Groups of bins the minimum phase is read over (min_phase), at most. */
#define MIN_PHASE_GROUPS 4096

/* tx <- the phase-only cross-correlation of what tx and ty hold (the two
 * forward transforms on par's workers); with `minimum`, less the minimum
 * phase of y's spectrum over x's (min_phase). Returns 0 without memory. */
static int xcorr_phat(xcorr *c, const bx_parallel *par, int minimum, double *wsum)
{
    bx_parallel_for(par, fwd_task, c, 2);
    size_t m = MIN_PHASE_GROUPS;
    while (m > 16 && 4 * m > c->nb)
        m /= 2;
    minimum = minimum && 4 * m <= c->nb;
    double *ph = minimum ? bx_malloc(c->nb * sizeof(double)) : NULL;
    if (minimum && (!ph || !min_phase(c->fx, c->fy, c->nb, m, ph))) {
        bx_free(ph);
        return 0;
    }
    *wsum = phat(c->fx, c->fy, c->nb); /* Y * conj(X), phase only: peak at the lag of y behind x */
    for (size_t k = 0; ph && k < c->nb; k++) { /* times e^(-j ph) */
        const double cr = cos(ph[k]), ci = -sin(ph[k]);
        const double re = (double)c->fx[k].r * cr - (double)c->fx[k].i * ci;
        const double im = (double)c->fx[k].r * ci + (double)c->fx[k].i * cr;
        c->fx[k].r = (kiss_fft_scalar)re;
        c->fx[k].i = (kiss_fft_scalar)im;
    }
    bx_free(ph);
    kiss_fftri(c->inv, c->fx, c->tx);
    return 1;
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
    double wsum = 0;
    if (!xcorr_phat(&c, par, 1, &wsum)) {
        bx_free(c.mem);
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory aligning the signals");
    }
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
    /* the inverse is unnormalised: wsum where every phase agrees (nfft
     * were every bin as loud; the bins without energy, such as those above
     * a take recorded at 48 kHz and stored at 192 kHz, do not count) */
    *peak = wsum > 0 ? bv / wsum : 0.0;
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
    double wsum_c;
    xcorr_phat(&c, par, 0, &wsum_c); /* without the minimum phase: no memory to fail */
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
     * (a highpass delays the lows by milliseconds) does not pull the peak,
     * and less the minimum phase of the magnitude (min_phase), which moves
     * it by a sample or more */
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
