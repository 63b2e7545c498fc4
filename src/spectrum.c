/* spectrum.c — level-gated Welch LTAS. Welch (1967) averaging of periodic-Hann
 * frames at 50 % overlap; the per-frame spectra are summed into 1 dB bins of
 * frame level so the gate (in the spirit of the BS.1770 two-stage gate) can
 * be chosen at the end without keeping the frames. */
#include "bx/spectrum.h"
#include "bx/ltas.h"

#include <math.h>
#include <string.h>

#include "fftlen.h"
#include <kiss_fftr.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Level bins [ABS + i, ABS + i + 1) dBFS, i = 0..NLEV-1; the last one,
 * from BX_LTAS_TOP_DB, is open above (NLEV = TOP - ABS + 1). */
#define NLEV 91
#define NFFT_MIN 16
#define NFFT_MAX ((size_t)1 << 20)
/* Mean squares from here up are treated as broken input: the float FFT
 * could overflow long before double arithmetic would. */
#define MS_ABSURD 1e30

struct bx_ltas {
    double rate_hz;
    size_t nfft, n_bins, hop;
    size_t fill;            /* samples in buf */
    double wpow;            /* sum of w[n]^2 */
    double *window;         /* nfft */
    float *buf;             /* nfft: the frame being filled */
    kiss_fft_scalar *tin;   /* nfft: windowed frame */
    kiss_fft_cpx *tout;     /* n_bins */
    double *frame_power;    /* n_bins: the last analysed frame's spectrum */
    double *acc;            /* NLEV rows of n_bins: summed spectra per level bin (a row
                               is written, not added to, by its first frame: rows that
                               no frame reaches are never touched) */
    double lev_ms[NLEV];    /* summed frame mean squares per level bin */
    size_t lev_count[NLEV]; /* frames per level bin */
    size_t frames_total;
    size_t absurd; /* frames at MS_ABSURD or above (not audio: a float file's scaling gone wrong) */
    kiss_fftr_cfg cfg; /* lives in fft_mem */
    void *fft_mem;
};

static int nfft_ok(size_t n)
{
    return n >= NFFT_MIN && n <= NFFT_MAX && bx_fftr_len_ok(n);
}

bx_ltas *bx_ltas_create(double rate_hz, size_t nfft, bx_error *err)
{
    if (!(rate_hz >= BX_LTAS_RATE_MIN && rate_hz <= BX_LTAS_RATE_MAX)) {
        bx_error_set(err, BX_ERR_ARG, "LTAS: sample rate %g Hz is outside %g..%g Hz", rate_hz,
                     BX_LTAS_RATE_MIN, BX_LTAS_RATE_MAX);
        return NULL;
    }
    if (nfft == 0) {
        nfft = NFFT_MIN;
        while ((double)nfft < 0.170 * rate_hz)
            nfft *= 2;
    }
    if (!nfft_ok(nfft)) {
        bx_error_set(err, BX_ERR_ARG,
                     "LTAS: FFT length %zu is not even, in %d..%zu, with nfft/2 made of 2, 3, 5",
                     nfft, NFFT_MIN, NFFT_MAX);
        return NULL;
    }
    bx_ltas *l = bx_calloc(1, sizeof *l);
    if (!l)
        goto nomem;
    l->rate_hz = rate_hz;
    l->nfft = nfft;
    l->n_bins = nfft / 2 + 1;
    l->hop = nfft / 2;
    size_t lenmem = 0;
    kiss_fftr_alloc((int)nfft, 0, NULL, &lenmem); /* asks for the size only */
    l->fft_mem = bx_malloc(lenmem);
    l->window = bx_malloc(nfft * sizeof *l->window);
    l->buf = bx_malloc(nfft * sizeof *l->buf);
    l->tin = bx_malloc(nfft * sizeof *l->tin);
    l->tout = bx_malloc(l->n_bins * sizeof *l->tout);
    l->frame_power = bx_malloc(l->n_bins * sizeof *l->frame_power);
    l->acc = bx_malloc((size_t)NLEV * l->n_bins * sizeof *l->acc);
    if (!l->fft_mem || !l->window || !l->buf || !l->tin || !l->tout || !l->frame_power || !l->acc)
        goto nomem;
    l->cfg = kiss_fftr_alloc((int)nfft, 0, l->fft_mem, &lenmem);
    if (!l->cfg)
        goto nomem;
    l->wpow = 0.0;
    for (size_t n = 0; n < nfft; n++) {
        const double w = 0.5 - 0.5 * cos(2.0 * M_PI * (double)n / (double)nfft);
        l->window[n] = w;
        l->wpow += w * w;
    }
    bx_ltas_reset(l);
    return l;
nomem:
    bx_ltas_destroy(l);
    bx_error_set(err, BX_ERR_NOMEM, "LTAS: out of memory (FFT length %zu)", nfft);
    return NULL;
}

void bx_ltas_destroy(bx_ltas *l)
{
    if (!l)
        return;
    bx_free(l->fft_mem);
    bx_free(l->window);
    bx_free(l->buf);
    bx_free(l->tin);
    bx_free(l->tout);
    bx_free(l->frame_power);
    bx_free(l->acc);
    bx_free(l);
}

size_t bx_ltas_nfft(const bx_ltas *l)
{
    return l->nfft;
}

void bx_ltas_reset(bx_ltas *l)
{
    l->fill = 0;
    l->frames_total = 0;
    l->absurd = 0;
    memset(l->lev_ms, 0, sizeof l->lev_ms);
    memset(l->lev_count, 0, sizeof l->lev_count);
}

/* Window the first n_valid samples of buf (zeros after them), transform, and
 * leave the one-sided power in frame_power. Returns the frame's mean square. */
static double analyse(bx_ltas *l, size_t n_valid)
{
    const size_t nfft = l->nfft;
    double e = 0.0;
    for (size_t n = 0; n < nfft; n++) {
        const double v = n < n_valid ? l->window[n] * (double)l->buf[n] : 0.0;
        e += v * v;
        l->tin[n] = (kiss_fft_scalar)v;
    }
    kiss_fftr(l->cfg, l->tin, l->tout);
    const double scale = 1.0 / ((double)nfft * l->wpow);
    for (size_t k = 0; k < l->n_bins; k++) {
        const double re = l->tout[k].r, im = l->tout[k].i;
        const double c = (k == 0 || k == l->n_bins - 1) ? scale : 2.0 * scale;
        l->frame_power[k] = c * (re * re + im * im);
    }
    return e / l->wpow;
}

/* Level bin of a frame mean square; -1 below the absolute gate or unusable. */
static int level_bin(double ms)
{
    if (!(ms > 0.0) || !(ms < MS_ABSURD))
        return -1;
    const double above = 10.0 * log10(ms) - BX_LTAS_ABS_GATE_DB;
    if (above < 0.0)
        return -1;
    return above >= NLEV - 1 ? NLEV - 1 : (int)above;
}

void bx_ltas_add(bx_ltas *l, const float *x, size_t frames)
{
    while (frames > 0) {
        size_t n = l->nfft - l->fill;
        if (n > frames)
            n = frames;
        memcpy(l->buf + l->fill, x, n * sizeof *x);
        l->fill += n;
        x += n;
        frames -= n;
        if (l->fill < l->nfft)
            break;
        const double ms = analyse(l, l->nfft);
        const int b = level_bin(ms);
        l->absurd += !(ms < MS_ABSURD);
        if (b >= 0) {
            double *row = l->acc + (size_t)b * l->n_bins;
            if (l->lev_count[b] == 0)
                memcpy(row, l->frame_power, l->n_bins * sizeof *row);
            else
                for (size_t k = 0; k < l->n_bins; k++)
                    row[k] += l->frame_power[k];
            l->lev_ms[b] += ms;
            l->lev_count[b]++;
        }
        l->frames_total++;
        memmove(l->buf, l->buf + l->hop, (l->nfft - l->hop) * sizeof *l->buf);
        l->fill = l->nfft - l->hop;
    }
}

/* Add src's frames (not its waiting samples) to dst: same rate and nfft. */
static void merge(bx_ltas *dst, const bx_ltas *src)
{
    for (int b = 0; b < NLEV; b++) {
        if (src->lev_count[b] == 0)
            continue;
        double *row = dst->acc + (size_t)b * dst->n_bins;
        const double *from = src->acc + (size_t)b * src->n_bins;
        if (dst->lev_count[b] == 0)
            memcpy(row, from, dst->n_bins * sizeof *row);
        else
            for (size_t k = 0; k < dst->n_bins; k++)
                row[k] += from[k];
        dst->lev_ms[b] += src->lev_ms[b];
        dst->lev_count[b] += src->lev_count[b];
    }
    dst->frames_total += src->frames_total;
    dst->absurd += src->absurd;
}

typedef struct ltas_job {
    bx_ltas *l;                   /* part 0 goes straight into it */
    bx_ltas *part[BX_LTAS_PARTS]; /* the other parts' accumulators */
    const float *x;
    size_t first[BX_LTAS_PARTS + 1]; /* part i analyses the frames first[i] .. first[i+1]-1 */
} ltas_job;

static void ltas_task(void *arg, unsigned worker, size_t i)
{
    (void)worker;
    ltas_job *j = arg;
    bx_ltas *l = i == 0 ? j->l : j->part[i];
    if (!l)
        return; /* its accumulator could not be had */
    const size_t start = j->first[i] * l->hop;
    const size_t end = (j->first[i + 1] - 1) * l->hop + l->nfft;
    bx_ltas_add(l, j->x + start, end - start);
}

bx_status bx_ltas_add_parallel(bx_ltas *l, const float *x, size_t frames, const bx_parallel *par,
                               bx_error *err)
{
    const size_t nf = frames >= l->nfft ? (frames - l->nfft) / l->hop + 1 : 0;
    if (l->fill != 0 || l->frames_total != 0 || nf < 2 * BX_LTAS_PARTS) {
        bx_ltas_add(l, x, frames);
        return BX_OK;
    }
    ltas_job j;
    memset(&j, 0, sizeof j);
    j.l = l;
    j.x = x;
    for (size_t i = 0; i <= BX_LTAS_PARTS; i++)
        j.first[i] = nf * i / BX_LTAS_PARTS;
    bx_status st = BX_OK;
    for (size_t i = 1; i < BX_LTAS_PARTS && !st; i++) {
        bx_error e2;
        j.part[i] = bx_ltas_create(l->rate_hz, l->nfft, &e2);
        if (!j.part[i])
            st = bx_error_set(err, BX_ERR_NOMEM, "LTAS: out of memory");
    }
    if (!st) {
        bx_parallel_for(par, ltas_task, &j, BX_LTAS_PARTS);
        for (size_t i = 1; i < BX_LTAS_PARTS; i++)
            merge(l, j.part[i]);
        /* waiting for the next frame: what bx_ltas_add would have kept */
        const size_t done = nf * l->hop;
        l->fill = frames - done;
        memcpy(l->buf, x + done, l->fill * sizeof *x);
    } else {
        bx_ltas_reset(l);
    }
    for (size_t i = 1; i < BX_LTAS_PARTS; i++)
        bx_ltas_destroy(j.part[i]);
    return st;
}

static bx_status no_signal(const bx_ltas *l, bx_error *err)
{
    if (l->absurd)
        return bx_error_set(err, BX_ERR_AUDIO,
                            "levels far beyond full scale (%zu frames above %+.0f dBFS): not "
                            "audio bx can analyse (a float file scaled wrongly?)",
                            l->absurd, 10.0 * log10(MS_ABSURD));
    return bx_error_set(err, BX_ERR_AUDIO, "no signal above %g dBFS", BX_LTAS_ABS_GATE_DB);
}

bx_status bx_ltas_finish(bx_ltas *l, bx_spectrum *out, bx_error *err)
{
    memset(out, 0, sizeof *out);
    const size_t nb = l->n_bins;
    double *power = bx_calloc(nb, sizeof *power);
    if (!power)
        return bx_error_set(err, BX_ERR_NOMEM, "LTAS: out of memory");
    size_t total = l->frames_total, used = 0;
    double gate;
    if (total == 0) {
        /* shorter than one frame: one zero-padded frame, alone above its own gate */
        const double ms = l->fill ? analyse(l, l->fill) : 0.0;
        if (level_bin(ms) < 0) {
            bx_free(power);
            return no_signal(l, err);
        }
        memcpy(power, l->frame_power, nb * sizeof *power);
        gate = floor(fmax(BX_LTAS_ABS_GATE_DB, 10.0 * log10(ms) + BX_LTAS_REL_GATE_DB));
        total = used = 1;
    } else {
        double sum_ms = 0.0;
        size_t count = 0;
        for (int b = 0; b < NLEV; b++) {
            sum_ms += l->lev_ms[b];
            count += l->lev_count[b];
        }
        if (count == 0) {
            bx_free(power);
            return no_signal(l, err);
        }
        gate =
            fmax(BX_LTAS_ABS_GATE_DB, 10.0 * log10(sum_ms / (double)count) + BX_LTAS_REL_GATE_DB);
        gate = fmin(floor(gate), BX_LTAS_ABS_GATE_DB + (NLEV - 1));
        /* the loudest frame is above the mean, so at least one bin is used */
        for (int b = (int)(gate - BX_LTAS_ABS_GATE_DB); b < NLEV; b++) {
            if (l->lev_count[b] == 0)
                continue; /* never written */
            const double *row = l->acc + (size_t)b * nb;
            for (size_t k = 0; k < nb; k++)
                power[k] += row[k];
            used += l->lev_count[b];
        }
        for (size_t k = 0; k < nb; k++)
            power[k] /= (double)used;
    }
    out->rate_hz = l->rate_hz;
    out->nfft = l->nfft;
    out->n_bins = nb;
    out->bin_hz = l->rate_hz / (double)l->nfft;
    out->power = power;
    out->gate_db = gate;
    out->frames_total = total;
    out->frames_used = used;
    return BX_OK;
}

void bx_spectrum_free(bx_spectrum *s)
{
    if (!s)
        return;
    bx_free(s->power);
    memset(s, 0, sizeof *s);
}

static double to_db(double p)
{
    return p > 0.0 ? fmax(10.0 * log10(p), BX_SPECTRUM_FLOOR_DB) : BX_SPECTRUM_FLOOR_DB;
}

double bx_spectrum_db_at(const bx_spectrum *s, double freq_hz, double smooth_oct)
{
    if (!s || !s->power || s->n_bins == 0 || !(s->bin_hz > 0.0) || isnan(freq_hz))
        return BX_SPECTRUM_FLOOR_DB;
    const size_t last = s->n_bins - 1;
    const double pos = fmin(fmax(freq_hz / s->bin_hz, 0.0), (double)last); /* in bins */
    if (smooth_oct > 0.0) {
        const double half = pow(2.0, 0.5 * smooth_oct);
        const double lo = pos / half, hi = pos * half;
        size_t k0 = (size_t)ceil(lo);
        const size_t k1 = hi >= (double)last ? last : (size_t)floor(hi);
        if (k0 <= k1) {
            double sum = 0.0;
            for (size_t k = k0; k <= k1; k++)
                sum += s->power[k];
            return to_db(sum / (double)(k1 - k0 + 1));
        }
        k0 = (size_t)floor(pos + 0.5); /* no bin inside the band: the nearest */
        return to_db(s->power[k0 > last ? last : k0]);
    }
    const size_t k = (size_t)floor(pos);
    if (k >= last)
        return to_db(s->power[last]);
    const double frac = pos - (double)k;
    return to_db((1.0 - frac) * s->power[k] + frac * s->power[k + 1]);
}

double bx_spectrum_band_db(const bx_spectrum *s, double lo_hz, double hi_hz)
{
    if (!s || !s->power || !(s->bin_hz > 0.0) || !(lo_hz < hi_hz))
        return BX_SPECTRUM_FLOOR_DB;
    double sum = 0.0;
    for (size_t k = 0; k < s->n_bins; k++) {
        const double f = (double)k * s->bin_hz;
        if (f >= hi_hz)
            break;
        if (f >= lo_hz)
            sum += s->power[k];
    }
    return to_db(sum);
}
