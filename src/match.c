/* match.c — like-with-like spectral difference of two performances: onset
 * frames of each, nearest-neighbour pairing by spectral shape, and a robust
 * (median) update of the curve from the closer half of the pairs. */
#include "bx/match.h"

#include <kiss_fftr.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bx/ltas.h"
#include "bx/spectrum.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define FIRST_EDGE_HZ 25.0
#define TOP_HZ 20000.0
#define MATCH_LO_HZ BX_MATCH_LO_HZ
#define MATCH_HI_HZ BX_MATCH_HI_HZ
#define MIN_GAP_HOPS 4
#define POWER_FLOOR 1e-20

/* The band layout shared by both signals. */
typedef struct bands {
    size_t n;                         /* bands used */
    double f_hz[BX_MATCH_MAX_BANDS];  /* centre */
    double lo_hz[BX_MATCH_MAX_BANDS]; /* edges */
    double hi_hz[BX_MATCH_MAX_BANDS];
    int in_match[BX_MATCH_MAX_BANDS]; /* inside MATCH_LO_HZ..MATCH_HI_HZ */
} bands;

/* A frame is BX_MATCH_FRAME_S long at any rate (so both sides see the same
 * part of each sound), zero-padded to the FFT length, a power of two. */
static size_t frame_samples(double rate_hz)
{
    return (size_t)lround(BX_MATCH_FRAME_S * rate_hz) & ~(size_t)15;
}

static size_t frame_length(double rate_hz)
{
    size_t nfft = 16;
    while (nfft < frame_samples(rate_hz))
        nfft *= 2;
    return nfft;
}

static void bands_init(bands *b, double rate_hz, size_t nfft)
{
    const double top = fmin(TOP_HZ, 0.45 * rate_hz), bin_hz = rate_hz / (double)nfft;
    b->n = 0;
    for (int k = 0; b->n < BX_MATCH_MAX_BANDS; k++) {
        const double lo = FIRST_EDGE_HZ * exp2(k / 6.0), hi = FIRST_EDGE_HZ * exp2((k + 1) / 6.0);
        if (hi > top)
            break;
        if (ceil(hi / bin_hz) <= ceil(lo / bin_hz))
            continue; /* no bin centre in [lo, hi) */
        b->f_hz[b->n] = sqrt(lo * hi);
        b->lo_hz[b->n] = lo;
        b->hi_hz[b->n] = hi;
        b->in_match[b->n] = lo >= MATCH_LO_HZ && hi <= MATCH_HI_HZ;
        b->n++;
    }
}

/* Hops of `hop` samples whose energy rises by BX_MATCH_RISE_DB over both
 * hops before, within BX_MATCH_RANGE_DB of the loudest, MIN_GAP_HOPS apart;
 * at most `cap` frame starts (one hop before the onset, whole frames only),
 * evenly chosen. e: scratch of n / hop doubles; starts: room for n / hop. */
static size_t onsets(const float *x, size_t n, size_t hop, size_t len, double *e, size_t *starts,
                     size_t cap)
{
    const size_t nh = n / hop;
    double mx = 0;
    for (size_t i = 0; i < nh; i++) {
        double s = 0;
        for (size_t k = 0; k < hop; k++) {
            const double v = isfinite(x[i * hop + k]) ? x[i * hop + k] : 0.0;
            s += v * v;
        }
        e[i] = s;
        mx = fmax(mx, s);
    }
    if (!(mx > 0) || !isfinite(mx))
        return 0;
    const double rise = pow(10.0, BX_MATCH_RISE_DB / 10.0);
    const double floor_e = mx * pow(10.0, -BX_MATCH_RANGE_DB / 10.0);
    size_t m = 0, last = 0;
    int have = 0;
    for (size_t i = 2; i < nh; i++) {
        if (e[i] < floor_e || e[i] < rise * fmax(e[i - 1], e[i - 2]))
            continue;
        if (have && i - last < MIN_GAP_HOPS)
            continue;
        have = 1;
        last = i;
        const size_t s = (i - 1) * hop;
        if (s + len <= n)
            starts[m++] = s;
    }
    if (m > cap) {
        for (size_t k = 0; k < cap; k++)
            starts[k] = starts[(size_t)((double)k * (double)m / (double)cap)];
        m = cap;
    }
    return m;
}

/* One signal's onset frames: band levels (dB) into db (at most cap x
 * b->n), the frame count into *count. Its own FFT plan, window and scratch;
 * only BX_ERR_NOMEM can fail. */
static bx_status analyse_side(const float *x, size_t n, double rate_hz, const bands *b, size_t cap,
                              double *db, size_t *count)
{
    const size_t nfft = frame_length(rate_hz), len = frame_samples(rate_hz), hop = len / 16;
    const size_t nb = nfft / 2 + 1;
    const double bin_hz = rate_hz / (double)nfft;
    const size_t nh = n / hop + 1;
    size_t lenf = 0;
    kiss_fftr_alloc((int)nfft, 0, NULL, &lenf);
    char *mem =
        bx_malloc(lenf + 16 + nfft * sizeof(double) + nh * sizeof(double) + nh * sizeof(size_t) +
                  nb * sizeof(kiss_fft_cpx) + nfft * sizeof(kiss_fft_scalar));
    *count = 0;
    if (!mem)
        return BX_ERR_NOMEM;
    kiss_fftr_cfg cfg = kiss_fftr_alloc((int)nfft, 0, mem, &lenf);
    char *p = mem + lenf;
    p += (size_t)(-(uintptr_t)p & 15); /* the buffers below want double alignment */
    double *win = (double *)(void *)p, *e = win + nfft;
    size_t *starts = (size_t *)(void *)(e + nh);
    kiss_fft_cpx *tout = (kiss_fft_cpx *)(void *)(starts + nh);
    kiss_fft_scalar *tin = (kiss_fft_scalar *)(void *)(tout + nb);
    for (size_t i = 0; i < nfft; i++)
        win[i] = i < len ? 0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)len) : 0.0;
    const size_t m = onsets(x, n, hop, len, e, starts, cap);
    for (size_t f = 0; f < m; f++) {
        const float *s = x + starts[f];
        for (size_t i = 0; i < nfft; i++)
            tin[i] = i < len ? (kiss_fft_scalar)((isfinite(s[i]) ? s[i] : 0.0f) * win[i]) : 0;
        kiss_fftr(cfg, tin, tout);
        for (size_t k = 0; k < b->n; k++) {
            double pw = 0;
            /* each bin stands for a cell one bin wide and counts by its
             * overlap with the band, so that a band's power does not jump
             * with the bins that happen to fall inside its edges */
            const double lo = b->lo_hz[k] / bin_hz, hi = b->hi_hz[k] / bin_hz;
            for (size_t j = (size_t)floor(lo + 0.5); j <= (size_t)floor(hi + 0.5) && j < nb; j++) {
                const double ov = fmin(hi, (double)j + 0.5) - fmax(lo, (double)j - 0.5);
                if (ov > 0)
                    pw += ov * ((double)tout[j].r * tout[j].r + (double)tout[j].i * tout[j].i);
            }
            db[f * b->n + k] = 10.0 * log10(pw + POWER_FLOOR);
        }
    }
    *count = m;
    bx_free(mem);
    return BX_OK;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct pair {
    double dist;
    size_t r, t;
    double mean; /* mean of d over the match bands */
} pair;

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    return (x->dist > y->dist) - (x->dist < y->dist);
}

/* The shape distance of d = a - t over the match bands, and d's mean there. */
static double shape_distance(const double *a, const double *t, const bands *b, double *mean_out)
{
    double mean = 0;
    size_t cnt = 0;
    for (size_t k = 0; k < b->n; k++)
        if (b->in_match[k])
            mean += a[k] - t[k], cnt++;
    mean /= (double)cnt;
    double dist = 0;
    for (size_t k = 0; k < b->n; k++)
        if (b->in_match[k])
            dist += fabs(a[k] - t[k] - mean);
    *mean_out = mean;
    return dist / (double)cnt;
}

size_t bx_match_band_count(double rate_hz)
{
    if (!(rate_hz >= BX_LTAS_RATE_MIN && rate_hz <= BX_LTAS_RATE_MAX))
        return 0;
    bands b;
    bands_init(&b, rate_hz, frame_length(rate_hz));
    return b.n;
}

void bx_match_frames_free(bx_match_frames *f)
{
    if (!f)
        return;
    bx_free(f->db);
    memset(f, 0, sizeof *f);
}

bx_status bx_match_frames_compute(const float *x, size_t n, double rate_hz, size_t max_frames,
                                  bx_match_frames *out, bx_error *err)
{
    if (!out || !x)
        return bx_error_set(err, BX_ERR_ARG, "bx_match_frames_compute: NULL argument");
    memset(out, 0, sizeof *out);
    if (!(rate_hz >= BX_LTAS_RATE_MIN && rate_hz <= BX_LTAS_RATE_MAX))
        return bx_error_set(err, BX_ERR_ARG, "sample rate %g Hz is out of range", rate_hz);
    if (max_frames == 0 || max_frames > BX_MATCH_MAX_FRAMES)
        max_frames = BX_MATCH_MAX_FRAMES;
    bands b;
    bands_init(&b, rate_hz, frame_length(rate_hz));
    double *db = bx_malloc((max_frames * b.n + 1) * sizeof(double));
    size_t m = 0;
    if (!db || analyse_side(x, n, rate_hz, &b, max_frames, db, &m) != BX_OK) {
        bx_free(db);
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory comparing the spectra");
    }
    out->rate_hz = rate_hz;
    out->n_bands = b.n;
    out->n_frames = m;
    out->db = db;
    return BX_OK;
}

/* The mean linear power of f's frames per band, dB. */
static void frames_mean_db(const bx_match_frames *f, double *mean_db)
{
    for (size_t k = 0; k < f->n_bands; k++) {
        double s = 0;
        for (size_t i = 0; i < f->n_frames; i++)
            s += pow(10.0, 0.1 * f->db[i * f->n_bands + k]);
        mean_db[k] = 10.0 * log10(s / (double)(f->n_frames ? f->n_frames : 1) + POWER_FLOOR);
    }
}

bx_status bx_match_curve_from_frames(const bx_match_frames *ref, const bx_match_frames *take,
                                     bx_match_curve *out, bx_error *err)
{
    if (!out || !ref || !take)
        return bx_error_set(err, BX_ERR_ARG, "bx_match_curve_from_frames: NULL argument");
    memset(out, 0, sizeof *out);
    const double rate_hz = ref->rate_hz;
    if (!(rate_hz >= BX_LTAS_RATE_MIN && rate_hz <= BX_LTAS_RATE_MAX) || take->rate_hz != rate_hz)
        return bx_error_set(err, BX_ERR_ARG, "onset frames at %g and %g Hz cannot be compared",
                            ref->rate_hz, take->rate_hz);
    bands b;
    bands_init(&b, rate_hz, frame_length(rate_hz));
    if (ref->n_bands != b.n || take->n_bands != b.n || ref->n_frames > BX_MATCH_MAX_FRAMES ||
        take->n_frames > BX_MATCH_MAX_FRAMES)
        return bx_error_set(err, BX_ERR_ARG, "onset frames of %zu and %zu bands, %zu expected",
                            ref->n_bands, take->n_bands, b.n);
    size_t n_match = 0;
    for (size_t k = 0; k < b.n; k++)
        n_match += (size_t)b.in_match[k];
    if (n_match < 4)
        return bx_error_set(err, BX_ERR_AUDIO, "too few frequency bands to compare at %g Hz",
                            rate_hz);
    const size_t nr = ref->n_frames, nt = take->n_frames;
    if (nr < BX_MATCH_MIN_FRAMES || nt < BX_MATCH_MIN_FRAMES)
        return bx_error_set(err, BX_ERR_AUDIO,
                            "too few distinct sounds to pair (%zu and %zu onsets)", nr, nt);
    const double *rdb = ref->db, *tdb = take->db;
    /* one block: the two means, the curve, a column and the pairs */
    double *rmean = bx_malloc(3 * b.n * sizeof(double) + nr * sizeof(double) + nr * sizeof(pair));
    if (!rmean)
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory comparing the spectra");
    double *tmean = rmean + b.n, *curve = tmean + b.n, *col = curve + b.n;
    pair *pr = (pair *)(void *)(col + nr);
    frames_mean_db(ref, rmean);
    frames_mean_db(take, tmean);
    for (size_t k = 0; k < b.n; k++)
        curve[k] = rmean[k] - tmean[k];

    double a[BX_MATCH_MAX_BANDS], se[BX_MATCH_MAX_BANDS] = {0};
    size_t keep = 0;
    for (int it = 0; it < BX_MATCH_ITERATIONS; it++) {
        for (size_t r = 0; r < nr; r++) {
            for (size_t k = 0; k < b.n; k++)
                a[k] = rdb[r * b.n + k] - curve[k];
            pr[r].dist = INFINITY;
            pr[r].r = r;
            for (size_t t = 0; t < nt; t++) {
                double mean;
                const double d = shape_distance(a, tdb + t * b.n, &b, &mean);
                if (d < pr[r].dist) {
                    pr[r].dist = d;
                    pr[r].t = t;
                    pr[r].mean = mean;
                }
            }
        }
        qsort(pr, nr, sizeof *pr, cmp_pair);
        keep = nr / 2 > 0 ? nr / 2 : 1;
        for (size_t k = 0; k < b.n; k++) {
            for (size_t i = 0; i < keep; i++) {
                const size_t r = pr[i].r, t = pr[i].t;
                col[i] = rdb[r * b.n + k] - curve[k] - tdb[t * b.n + k] - pr[i].mean;
            }
            qsort(col, keep, sizeof *col, cmp_double);
            const double med = keep % 2 ? col[keep / 2] : 0.5 * (col[keep / 2 - 1] + col[keep / 2]);
            a[k] = med;
            /* the median's standard error: 1.253 sigma / sqrt(pairs), sigma
             * from the median absolute deviation (1.4826 MAD) */
            for (size_t i = 0; i < keep; i++)
                col[i] = fabs(col[i] - med);
            qsort(col, keep, sizeof *col, cmp_double);
            const double mad = keep % 2 ? col[keep / 2] : 0.5 * (col[keep / 2 - 1] + col[keep / 2]);
            se[k] = 1.253 * 1.4826 * mad / sqrt((double)keep);
        }
        for (size_t k = 0; k < b.n; k++)
            curve[k] += a[k];
    }
    out->n = b.n;
    for (size_t k = 0; k < b.n; k++) {
        out->freq_hz[k] = b.f_hz[k];
        out->db[k] = curve[k];
        out->sd_db[k] = se[k];
    }
    out->ref_frames = nr;
    out->take_frames = nt;
    out->pairs = keep;
    out->distance_db = pr[keep / 2].dist;
    bx_free(rmean);
    return BX_OK;
}

bx_status bx_match_curve_estimate(const float *ref, size_t n_ref, const float *take, size_t n_take,
                                  double rate_hz, bx_match_curve *out, bx_error *err)
{
    if (!out || !ref || !take)
        return bx_error_set(err, BX_ERR_ARG, "bx_match_curve_estimate: NULL argument");
    memset(out, 0, sizeof *out);
    bx_match_frames fr, ft;
    bx_status st = bx_match_frames_compute(ref, n_ref, rate_hz, 0, &fr, err);
    if (st)
        return st;
    st = bx_match_frames_compute(take, n_take, rate_hz, 0, &ft, err);
    if (!st)
        st = bx_match_curve_from_frames(&fr, &ft, out, err);
    bx_match_frames_free(&fr);
    bx_match_frames_free(&ft);
    return st;
}

/* v (db or sd_db of c) at freq_hz: linear over log frequency between band
 * centres, constant beyond the ends. */
static double curve_at(const bx_match_curve *c, const double *v, double freq_hz)
{
    if (!c || c->n == 0)
        return 0.0;
    if (!(freq_hz > c->freq_hz[0]))
        return v[0];
    if (freq_hz >= c->freq_hz[c->n - 1])
        return v[c->n - 1];
    size_t k = 1;
    while (c->freq_hz[k] < freq_hz)
        k++;
    const double u = log(freq_hz / c->freq_hz[k - 1]) / log(c->freq_hz[k] / c->freq_hz[k - 1]);
    return v[k - 1] + u * (v[k] - v[k - 1]);
}

double bx_match_db_at(const bx_match_curve *c, double freq_hz)
{
    return c ? curve_at(c, c->db, freq_hz) : 0.0;
}

double bx_match_sd_at(const bx_match_curve *c, double freq_hz)
{
    return c ? curve_at(c, c->sd_db, freq_hz) : 0.0;
}
