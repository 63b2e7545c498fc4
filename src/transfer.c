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

/* bx_transfer_common_gain's frames: about 21 ms (a compressor's gain moves
 * little within one), a quarter apart. Its bands: a bin or CG_BAND_OCT,
 * whichever is wider (the frames' own H is a nuisance parameter). The gain
 * is read from the bands from CG_MIN_CYCLES cycles per frame up: below, an
 * EQ's impulse response (a highpass's, a low shelf's) outlasts the frame,
 * and the frame's y is no longer H times its x (on an EQ alone, reading
 * every band gave a gain that swung by 2.6 dB with the kick drum). */
#define CG_FRAME_S 0.0213
#define CG_BAND_OCT (1.0 / 6.0)
#define CG_MIN_CYCLES 8
#define CG_MAX_BANDS 512
#define CG_ITERATIONS 8
/* H is read from at most this many seconds of frames (memory stays bounded) */
#define CG_FIT_S 90.0
/* frames quieter than this, relative to the loudest, carry no gain of
 * their own: they take their loud neighbours' */
#define CG_QUIET 1e-6
#define CG_GAIN_FLOOR 1e-3

/* Per frame: the loud frames' gain is found, the quiet ones' filled in. */
static int cg_loud(const double *ef, size_t f, double e_max)
{
    return ef[f] > CG_QUIET * e_max;
}

/* The gains per frame gf (nf values; ef: each frame's energy) scaled to an
 * energy-weighted mean log of 0, the quiet frames' interpolated between
 * their loud neighbours (held at the ends; 1 if no frame is loud). */
static void cg_normalise(double *gf, const double *ef, size_t nf, double e_max)
{
    double sl = 0, sw = 0;
    for (size_t f = 0; f < nf; f++)
        if (cg_loud(ef, f, e_max))
            sl += ef[f] * log(gf[f]), sw += ef[f];
    const double scale = sw > 0 ? exp(-sl / sw) : 1.0;
    size_t last = nf; /* the last loud frame seen; nf: none yet */
    for (size_t f = 0; f < nf; f++) {
        if (!cg_loud(ef, f, e_max))
            continue;
        gf[f] *= scale;
        for (size_t q = last == nf ? 0 : last + 1; q < f; q++)
            gf[q] = last == nf
                        ? gf[f]
                        : gf[last] + (gf[f] - gf[last]) * (double)(q - last) / (double)(f - last);
        last = f;
    }
    for (size_t q = last == nf ? 0 : last + 1; q < nf; q++)
        gf[q] = last == nf ? 1.0 : gf[last];
}

/* Frame f of x and y through the window into the FFT, summed per band into
 * re, im (X* Y) and px (|X|^2); returns the frame's energy over the bands. */
static double cg_frame(kiss_fftr_cfg cfg, const double *win, size_t nfft, const float *x,
                       const float *y, kiss_fft_scalar *tx, kiss_fft_scalar *ty, kiss_fft_cpx *fx,
                       kiss_fft_cpx *fy, const size_t *edge, size_t n_bands, float *re, float *im,
                       float *px)
{
    for (size_t i = 0; i < nfft; i++) {
        tx[i] = (kiss_fft_scalar)(win[i] * x[i]);
        ty[i] = (kiss_fft_scalar)(win[i] * y[i]);
    }
    kiss_fftr(cfg, tx, fx);
    kiss_fftr(cfg, ty, fy);
    double e = 0;
    for (size_t j = 0; j < n_bands; j++) {
        double r = 0, m = 0, p = 0;
        for (size_t k = edge[j]; k < edge[j + 1]; k++) {
            const double xr = fx[k].r, xi = fx[k].i, yr = fy[k].r, yi = fy[k].i;
            r += xr * yr + xi * yi;
            m += xr * yi - xi * yr;
            p += xr * xr + xi * xi;
        }
        re[j] = (float)r, im[j] = (float)m, px[j] = (float)p;
        e += p;
    }
    return e;
}

/* The gain of a frame (its band sums re, im, px) given H: least squares. */
static double cg_gain(const double *h_re, const double *h_im, size_t n_bands, const float *re,
                      const float *im, const float *px)
{
    double num = 0, den = 0;
    for (size_t j = 0; j < n_bands; j++) {
        num += h_re[j] * re[j] + h_im[j] * im[j];
        den += (h_re[j] * h_re[j] + h_im[j] * h_im[j]) * px[j];
    }
    return den > 0 ? fmax(num / den, CG_GAIN_FLOOR) : 1.0;
}

bx_status bx_transfer_common_gain(const float *x, const float *y, size_t n, double rate_hz,
                                  double *g, bx_error *err)
{
    if (!(rate_hz > 0 && rate_hz < 1e7))
        return bx_error_set(err, BX_ERR_ARG, "cannot measure a gain over time at %g Hz", rate_hz);
    size_t nfft = 64;
    while ((double)nfft < CG_FRAME_S * rate_hz * 0.7071)
        nfft *= 2;
    const size_t hop = nfft / 4, nb = nfft / 2 + 1;
    if (n < nfft)
        return bx_error_set(err, BX_ERR_AUDIO,
                            "too short to measure a gain over time (%zu samples, need %zu)", n,
                            nfft);
    /* band j holds the bins [edge[j], edge[j + 1]) */
    size_t edge[CG_MAX_BANDS + 1], n_bands = 0;
    for (size_t k = CG_MIN_CYCLES; k < nb && n_bands < CG_MAX_BANDS;) {
        edge[n_bands++] = k;
        size_t e = k + 1;
        while (e < nb && (double)e < (double)k * exp2(CG_BAND_OCT))
            e++;
        k = e;
    }
    edge[n_bands] = nb;
    /* H is read from at most CG_FIT_S of frames, evenly spread (every
     * stride-th); every frame's gain then from that H */
    const size_t nf = (n - nfft) / hop + 1;
    const size_t most = (size_t)(CG_FIT_S * rate_hz / (double)hop) + 1;
    const size_t stride = (nf + most - 1) / most, ns = (nf + stride - 1) / stride;
    const size_t cells = (ns + 1) * n_bands; /* the last row: pass 2's scratch */
    size_t lenf = 0;
    kiss_fftr_alloc((int)nfft, 0, NULL, &lenf);
    /* FFT state, window, per frame gain and energy, per band H (re, im) and
     * weight; per stored frame and band X* Y (re, im) and |X|^2, in single
     * precision (12 bytes a cell: 1.5 MB for 12 s at 48 kHz, at most 11 MB) */
    const size_t head = (lenf + 15) & ~(size_t)15;
    char *mem = bx_malloc(head + (nfft + 2 * nf + 3 * n_bands) * sizeof(double) +
                          2 * nb * sizeof(kiss_fft_cpx) + 2 * nfft * sizeof(kiss_fft_scalar) +
                          3 * cells * sizeof(float));
    if (!mem)
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory measuring a gain over time");
    kiss_fftr_cfg cfg = kiss_fftr_alloc((int)nfft, 0, mem, &lenf);
    double *win = (double *)(void *)(mem + head);
    double *gf = win + nfft, *ef = gf + nf;
    double *h_re = ef + nf, *h_im = h_re + n_bands, *h_w = h_im + n_bands;
    kiss_fft_cpx *fx = (kiss_fft_cpx *)(void *)(h_w + n_bands), *fy = fx + nb;
    kiss_fft_scalar *tx = (kiss_fft_scalar *)(void *)(fy + nb), *ty = tx + nfft;
    float *c_re = (float *)(void *)(ty + nfft), *c_im = c_re + cells, *p_x = c_im + cells;
    for (size_t i = 0; i < nfft; i++) { /* 4-term Blackman-Harris: sidelobes 92 dB down */
        const double a = 2.0 * M_PI * (double)i / (double)nfft;
        win[i] = 0.35875 - 0.48829 * cos(a) + 0.14128 * cos(2 * a) - 0.01168 * cos(3 * a);
    }
    double e_max = 0;
    for (size_t r = 0; r < ns; r++) {
        const size_t f = r * stride, c = r * n_bands;
        ef[f] = cg_frame(cfg, win, nfft, x + f * hop, y + f * hop, tx, ty, fx, fy, edge, n_bands,
                         c_re + c, c_im + c, p_x + c);
        gf[f] = 1.0;
        e_max = fmax(e_max, ef[f]);
    }
    /* alternating least squares for y_f(j) = g_f H(j) x_f(j): H given the
     * gains, then each loud frame's gain given H */
    for (int it = 0; it < CG_ITERATIONS; it++) {
        memset(h_re, 0, 3 * n_bands * sizeof(double));
        for (size_t r = 0; r < ns; r++) {
            const size_t f = r * stride;
            if (!cg_loud(ef, f, e_max))
                continue;
            for (size_t j = 0; j < n_bands; j++) {
                const size_t c = r * n_bands + j;
                h_re[j] += gf[f] * c_re[c];
                h_im[j] += gf[f] * c_im[c];
                h_w[j] += gf[f] * gf[f] * p_x[c];
            }
        }
        for (size_t j = 0; j < n_bands; j++) {
            const double d = h_w[j] > 0 ? h_w[j] : 1.0;
            h_re[j] /= d;
            h_im[j] /= d;
        }
        for (size_t r = 0; r < ns; r++) {
            const size_t f = r * stride, c = r * n_bands;
            if (cg_loud(ef, f, e_max))
                gf[f] = cg_gain(h_re, h_im, n_bands, c_re + c, c_im + c, p_x + c);
        }
    }
    if (stride > 1) { /* every frame's gain from H */
        const size_t c = ns * n_bands;
        for (size_t f = 0; f < nf; f++) {
            ef[f] = cg_frame(cfg, win, nfft, x + f * hop, y + f * hop, tx, ty, fx, fy, edge,
                             n_bands, c_re + c, c_im + c, p_x + c);
            gf[f] = cg_gain(h_re, h_im, n_bands, c_re + c, c_im + c, p_x + c);
            e_max = fmax(e_max, ef[f]);
        }
    }
    cg_normalise(gf, ef, nf, e_max);
    /* per sample: linear between the frames' centres, held beyond them */
    const double c0 = 0.5 * (double)nfft;
    for (size_t i = 0; i < n; i++) {
        const double pos = ((double)i - c0) / (double)hop;
        if (pos <= 0) {
            g[i] = gf[0];
        } else if (pos >= (double)(nf - 1)) {
            g[i] = gf[nf - 1];
        } else {
            const size_t a = (size_t)pos;
            g[i] = gf[a] + (gf[a + 1] - gf[a]) * (pos - (double)a);
        }
    }
    bx_free(mem);
    return BX_OK;
}
