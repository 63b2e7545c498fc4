/* compfit.c — compressor identification on a block-rate model of bx_comp:
 * coarse grid, then Nelder–Mead, then a check with the real compressor. */
#include "bx/compfit.h"
#include "bx/dynsig.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compfit_impl.h"
#include "fastmath.h"
#include "linalg.h"
#include "simd_internal.h"

/* most workers a search uses */
#define THREAD_WORKERS_MAX 16

const double bx_dynsig_percent[BX_DYNSIG_NQ] = {5,  10, 20, 30, 40, 50,  60,
                                                70, 80, 90, 95, 98, 99.5};

/* Longest excerpt the fits look at, seconds. */
#define MAX_FIT_SECONDS 90.0
#define PAIRED_FRAME_MS 1.0
/* the stats fit searches (grid, then Nelder–Mead from the best grid points,
 * at most NM_EVALS evaluations each) on blocks this many times longer: 2 ms
 * blocks still resolve its 10 ms envelope frames, and on the evaluation
 * corpus (README, "Accuracy") the fits are as good as on 0.5 ms blocks, in
 * a third of the time;
 * the paired fit uses the full block rate */
#define GRID_COARSEN 4
/* shortest release the paired fit considers, ms */
#define RELEASE_MIN_MS 5.0
/* the paired fit's box: wide, the gain trace tells */
#define RELEASE_MAX_MS 3000.0
#define RATIO_MAX 30.0
#define NM_EVALS 60
/* the paired fit's Nelder–Mead runs on the grid's blocks first, then this
 * many evaluations on the fine blocks, from a simplex this much smaller */
#define NM_FINE_EVALS 40
#define NM_FINE_SCALE 0.5

static void proxy_free(proxy *p)
{
    bx_free(p->pk);
    bx_free(p->order);
    bx_free(p->key);
    memset(p, 0, sizeof *p);
}

/* A proxy sharing src's signal summary (read only) with scratch of its own,
 * so that two threads can evaluate candidates at once. Free with
 * proxy_clone_free. */
static int proxy_clone(const proxy *src, proxy *p)
{
    *p = *src;
    const size_t n = src->nblk;
    p->g = bx_malloc(4 * n * sizeof(double));
    p->key = bx_malloc(n * sizeof(uint16_t));
    if (!p->g || !p->key) {
        bx_free(p->g);
        bx_free(p->key);
        return -1;
    }
    p->work = p->g + n;
    p->work2 = p->work + n;
    p->e = p->work2 + n;
    return 0;
}

static void proxy_clone_free(proxy *p)
{
    bx_free(p->g);
    bx_free(p->key);
}

typedef struct peak_index {
    double pk;
    uint32_t b;
} peak_index;

static int cmp_peak_desc(const void *a, const void *b)
{
    const double x = ((const peak_index *)a)->pk, y = ((const peak_index *)b)->pk;
    return (x < y) - (x > y);
}

/* Room for nblk blocks (all arrays). */
static bx_status proxy_alloc(proxy *p, size_t nblk, size_t blk, double rate_hz, bx_error *err)
{
    memset(p, 0, sizeof *p);
    p->nblk = nblk;
    p->blk = blk;
    p->rate_hz = rate_hz;
    if (nblk < 16)
        return bx_error_set(err, BX_ERR_AUDIO, "too short for a dynamics fit");
    p->pk = bx_malloc((8 + BX_LEVEL_PARTS) * nblk * sizeof(double));
    p->order = bx_malloc(nblk * sizeof(uint32_t));
    p->key = bx_malloc(nblk * sizeof(uint16_t));
    if (!p->pk || !p->order || !p->key) {
        proxy_free(p);
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory fitting the compressor");
    }
    p->ms = p->pk + nblk;
    p->pk_db = p->ms + nblk;
    p->rms_db = p->pk_db + nblk;
    p->g = p->rms_db + nblk;
    p->work = p->g + nblk;
    p->work2 = p->work + nblk;
    p->e = p->work2 + nblk;
    p->lq = p->e + nblk;
    return BX_OK;
}

/* Histogram bin of a positive value: the top 12 bits of its float
 * representation (sign, exponent, 3 mantissa bits: 1/8-octave bins, in the
 * values' own order). */
#define HIST_BINS 2048
static unsigned hist_key(double v)
{
    const float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u >> 20;
}

/* From pk and ms: the detector levels, and the loudest blocks in order of
 * peak. Only the top of the order is ever read far (crest_peak stops once
 * peaks fall below the running 99.9th percentile), so only the blocks in the
 * top 1/8-octave peak bins holding at least 1/32 of all blocks are sorted. */
static bx_status proxy_finish(proxy *p, bx_error *err)
{
    /* the RMS detector's smoothing is fixed (BX_COMP_RMS_MS): run it once, at block rate */
    const double arms = exp(-(double)p->blk / (BX_COMP_RMS_MS * 1e-3 * p->rate_hz));
    double sm = 0;
    uint32_t count[HIST_BINS];
    memset(count, 0, sizeof count);
    for (size_t b = 0; b < p->nblk; b++) {
        sm = arms * sm + (1.0 - arms) * p->ms[b];
        p->pk_db[b] = p->pk[b] > 0 ? 20.0 * log10(p->pk[b]) : -1000.0;
        p->rms_db[b] = sm > 0 ? 10.0 * log10(sm) : -1000.0;
        p->key[b] = (uint16_t)hist_key(p->pk[b] > 1e-30 ? p->pk[b] : 1e-30);
        count[p->key[b]]++;
    }
    const size_t want = p->nblk / 32 > 64 ? p->nblk / 32 : 64;
    unsigned cut = HIST_BINS; /* blocks with key >= cut are sorted */
    size_t above = 0;
    while (cut > 0 && above < want)
        above += count[--cut];
    peak_index *pi = bx_malloc((above ? above : 1) * sizeof *pi);
    if (!pi) {
        proxy_free(p);
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory fitting the compressor");
    }
    size_t top = 0, rest = above;
    for (size_t b = 0; b < p->nblk; b++) {
        if (p->key[b] >= cut)
            pi[top].pk = p->pk[b], pi[top++].b = (uint32_t)b;
        else
            p->order[rest++] = (uint32_t)b;
    }
    qsort(pi, top, sizeof *pi, cmp_peak_desc);
    for (size_t j = 0; j < top; j++)
        p->order[j] = pi[j].b;
    p->n_sorted = top;
    bx_free(pi);
    return BX_OK;
}

/* Sorts v[0..n) ascending (n small: a block's samples). Up to
 * SORT_RANK_MAX values, each goes straight to its rank (how many come
 * before it: smaller, or equal and earlier), counted without branches (the
 * comparisons vectorise; an insertion sort's mispredicted branches cost
 * about 1.5 times as much on 24 values); the same order as any sort gives. A
 * value that is not a number has no rank: then, and for more values, an
 * insertion sort. */
#define SORT_RANK_MAX 128
static void sort_small(double *v, size_t n)
{
    int nan = 0;
    for (size_t i = 0; i < n; i++)
        nan |= v[i] != v[i];
    if (n <= SORT_RANK_MAX && !nan) {
        double out[SORT_RANK_MAX];
        for (size_t i = 0; i < n; i++) {
            const double a = v[i];
            double r = 0.0; /* (a count in a double: the loops vectorise on SSE2) */
            for (size_t j = 0; j < i; j++)
                r += v[j] <= a ? 1.0 : 0.0;
            for (size_t j = i + 1; j < n; j++)
                r += v[j] < a ? 1.0 : 0.0;
            out[(size_t)r] = a;
        }
        memcpy(v, out, n * sizeof *v);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        const double a = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > a; j--)
            v[j] = v[j - 1];
        v[j] = a;
    }
}

/* The means of v[0..n) (ascending) over BX_LEVEL_PARTS equal parts, into q:
 * where n does not divide evenly, a part takes a fraction of the value on
 * its edge. */
static void part_means(const double *v, size_t n, double *q)
{
    const double h = (double)n / BX_LEVEL_PARTS;
    double prev = 0, at = 0; /* the sum of v up to position at */
    size_t i = 0;
    double sum = 0; /* of v[0..i) */
    for (int g = 0; g < BX_LEVEL_PARTS; g++) {
        const double end = g + 1 == BX_LEVEL_PARTS ? (double)n : h * (g + 1);
        while ((double)(i + 1) <= end)
            sum += v[i++];
        const double upto = sum + (i < n ? (end - (double)i) * v[i] : 0.0);
        q[g] = (upto - prev) / (end - at);
        prev = upto, at = end;
    }
}

static bx_status proxy_init(proxy *p, const float *x, size_t n, double rate_hz, bx_error *err)
{
    const size_t cap = (size_t)(MAX_FIT_SECONDS * rate_hz);
    if (n > cap)
        n = cap;
    size_t blk = (size_t)(BX_COMPFIT_BLOCK_MS * 1e-3 * rate_hz + 0.5);
    if (blk < 1)
        blk = 1;
    bx_status st = proxy_alloc(p, n / blk, blk, rate_hz, err);
    if (st)
        return st;
    double *v = bx_malloc(blk * sizeof(double));
    if (!v) {
        proxy_free(p);
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory fitting the compressor");
    }
    for (size_t b = 0; b < p->nblk; b++) {
        double m = 0, s = 0;
        for (size_t k = 0; k < blk; k++) {
            const double a = x[b * blk + k];
            m = fmax(m, fabs(a));
            s += a * a;
            v[k] = fabs(a);
        }
        p->pk[b] = m;
        p->ms[b] = s / (double)blk;
        sort_small(v, blk);
        part_means(v, blk, p->lq + b * BX_LEVEL_PARTS);
    }
    bx_free(v);
    return proxy_finish(p, err);
}

/* A proxy of the same signal with blocks `factor` times longer (cheaper to
 * run; the coarse grid search uses it). A long block's parts come from its
 * short blocks' parts, sorted. */
static bx_status proxy_coarsen(const proxy *fine, size_t factor, proxy *p, bx_error *err)
{
    bx_status st = proxy_alloc(p, fine->nblk / factor, fine->blk * factor, fine->rate_hz, err);
    if (st)
        return st;
    const size_t nv = factor * BX_LEVEL_PARTS;
    double *v = bx_malloc(nv * sizeof(double));
    if (!v) {
        proxy_free(p);
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory fitting the compressor");
    }
    for (size_t b = 0; b < p->nblk; b++) {
        double m = 0, s = 0;
        for (size_t k = b * factor; k < (b + 1) * factor; k++) {
            m = fmax(m, fine->pk[k]);
            s += fine->ms[k];
        }
        p->pk[b] = m;
        p->ms[b] = s / (double)factor;
        memcpy(v, fine->lq + b * nv, nv * sizeof(double));
        sort_small(v, nv);
        part_means(v, nv, p->lq + b * BX_LEVEL_PARTS);
    }
    bx_free(v);
    return proxy_finish(p, err);
}

/* numpy-style percentiles (linear interpolation between order statistics,
 * taken in dB) of the powers v[0..n) (all in [1e-30, 1e30]), into q_db.
 * A partial counting sort: values are binned by hist_key, and only the bins
 * that hold a wanted rank are filled in (into out[0..n)) and sorted. Exact,
 * O(n), and free of the unpredictable branches of a selection. */
static void percentiles_db(const double *v, size_t n, const double *pct, int np, double *q_db,
                           double *out, uint16_t *key)
{
    uint32_t count[HIST_BINS], start[HIST_BINS], fill[HIST_BINS];
    unsigned char want[HIST_BINS];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++) {
        key[i] = (uint16_t)hist_key(v[i]);
        count[key[i]]++;
    }
    uint32_t acc = 0;
    for (unsigned k = 0; k < HIST_BINS; k++) {
        start[k] = acc;
        acc += count[k];
    }
    memset(want, 0, sizeof want);
    for (int i = 0; i < np; i++) {
        const size_t r = (size_t)(pct[i] / 100.0 * (double)(n - 1));
        for (size_t j = r; j <= r + 1 && j < n; j++) {
            unsigned lo = 0, hi = HIST_BINS - 1; /* the last bin starting at or before j */
            while (lo < hi) {
                const unsigned mid = (lo + hi + 1) / 2;
                if (start[mid] <= j)
                    lo = mid;
                else
                    hi = mid - 1;
            }
            while (count[lo] == 0) /* empty bins share their start with the next */
                lo--;
            want[lo] = 1;
        }
    }
    memset(fill, 0, sizeof fill);
    for (size_t i = 0; i < n; i++)
        if (want[key[i]])
            out[start[key[i]] + fill[key[i]]++] = v[i];
    for (unsigned k = 0; k < HIST_BINS; k++) {
        if (!want[k])
            continue;
        double *a = out + start[k];
        for (uint32_t i = 1; i < count[k]; i++) { /* insertion sort: bins are small */
            const double x = a[i];
            uint32_t j = i;
            while (j > 0 && a[j - 1] > x) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
    }
    for (int i = 0; i < np; i++) {
        const double pos = pct[i] / 100.0 * (double)(n - 1);
        const size_t k = (size_t)pos;
        const double a = 10.0 * log10(out[k]);
        q_db[i] = k + 1 >= n ? a : a + (pos - (double)k) * (10.0 * log10(out[k + 1]) - a);
    }
}

/* Quantiles of frame levels (frames of `fb` blocks) with per-block gains g:
 * frames within 60 dB of the loudest. */
static void frame_quantiles(const proxy *p, size_t fb, double *q)
{
    const size_t nf = p->nblk / fb;
    double *lv = p->work, mx = 0;
    for (size_t f = 0; f < nf; f++) {
        double s = 0;
        for (size_t b = f * fb; b < (f + 1) * fb; b++)
            s += p->e[b];
        lv[f] = s / (double)fb + 1e-20;
        mx = lv[f] > mx ? lv[f] : mx;
    }
    size_t k = 0;
    for (size_t f = 0; f < nf; f++)
        if (lv[f] >= mx * 1e-6)
            lv[k++] = lv[f];
    percentiles_db(lv, k, bx_dynsig_percent, BX_DYNSIG_NQ, q, p->work2, p->key);
}

/* 99.9th percentile of g * pk over all blocks. g <= 1, so scanning blocks by
 * descending pk can stop once pk falls below the smallest of the running top
 * set: only the loudest few hundred blocks are looked at. */
static double crest_peak(proxy *p)
{
    const size_t n = p->nblk;
    const double pos = 0.999 * (double)(n - 1);
    const size_t i = (size_t)pos, K = n - i; /* need the K-th and (K-1)-th largest */
    double *h = p->work;                     /* min-heap of the K largest so far */
    size_t hn = 0;
    for (size_t j = 0; j < n; j++) {
        const uint32_t b = p->order[j];
        if (hn == K && p->pk[b] <= h[0]) {
            if (j < p->n_sorted)
                break; /* every later block peaks lower still */
            continue;
        }
        const double v = p->g[b] * p->pk[b];
        size_t at;
        if (hn < K) {
            at = hn++;
            while (at > 0 && h[(at - 1) / 2] > v) { /* sift up */
                h[at] = h[(at - 1) / 2];
                at = (at - 1) / 2;
            }
            h[at] = v;
        } else if (v > h[0]) {
            at = 0;
            for (;;) { /* sift down from the root */
                size_t c = 2 * at + 1;
                if (c >= K)
                    break;
                if (c + 1 < K && h[c + 1] < h[c])
                    c++;
                if (h[c] >= v)
                    break;
                h[at] = h[c];
                at = c;
            }
            h[at] = v;
        }
    }
    const double a = h[0];
    if (K < 2)
        return a;
    const double b = K == 2 ? h[1] : fmin(h[1], h[2]);
    return a + (pos - (double)i) * (b - a);
}

static void signature(proxy *p, bx_dynsig *s)
{
    const double bms = (double)p->blk * 1000.0 / p->rate_hz;
    size_t f10 = (size_t)(10.0 / bms + 0.5), f50 = (size_t)(50.0 / bms + 0.5);
    if (f10 < 1)
        f10 = 1;
    if (f50 < 1)
        f50 = 1;
    frame_quantiles(p, f10, s->q10);
    frame_quantiles(p, f50, s->q50);
    double tot = 0;
    for (size_t b = 0; b < p->nblk; b++)
        tot += p->e[b];
    const double pk = crest_peak(p);
    s->crest_db = 20.0 * log10(pk + 1e-12) - 10.0 * log10(tot / (double)p->nblk + 1e-24);
}

bx_status bx_dynsig_compute(const float *x, size_t n, double rate_hz, bx_dynsig *out, bx_error *err)
{
    if ((double)n < 0.5 * rate_hz)
        return bx_error_set(err, BX_ERR_AUDIO, "shorter than 0.5 s: no dynamics to measure");
    proxy p;
    bx_status st = proxy_init(&p, x, n, rate_hz, err);
    if (st)
        return st;
    double e = 0;
    for (size_t b = 0; b < p.nblk; b++) {
        p.g[b] = 1.0;
        p.e[b] = p.ms[b];
        e += p.ms[b];
    }
    if (!(e > 0)) {
        proxy_free(&p);
        return bx_error_set(err, BX_ERR_AUDIO, "silent: no dynamics to measure");
    }
    signature(&p, out);
    proxy_free(&p);
    return BX_OK;
}

double bx_dynsig_distance(const bx_dynsig *a, const bx_dynsig *b, double *offset_db)
{
    double off = 0;
    for (int i = 0; i < BX_DYNSIG_NQ; i++)
        off += (b->q10[i] - a->q10[i]) + (b->q50[i] - a->q50[i]);
    off /= 2.0 * BX_DYNSIG_NQ;
    double s = 0;
    for (int i = 0; i < BX_DYNSIG_NQ; i++) {
        const double d1 = b->q10[i] - a->q10[i] - off, d2 = b->q50[i] - a->q50[i] - off;
        s += d1 * d1 + d2 * d2;
    }
    const double dc = b->crest_db - a->crest_db;
    s += dc * dc;
    if (offset_db)
        *offset_db = off;
    return sqrt(s / (2.0 * BX_DYNSIG_NQ + 1.0));
}

/* the kernels for the baseline instruction set (compfit_kernel.h) */
#define COMPFIT_RUN bx_compfit_proxy_run_baseline
#define COMPFIT_GAIN_ERROR bx_compfit_gain_error_baseline
#define COMPFIT_RUN8 bx_compfit_proxy_run8_baseline
void bx_compfit_proxy_run8_baseline(const proxy *p, const bx_comp_params *c, double *g, double *e,
                                    double *scratch);
void bx_compfit_proxy_run_baseline(proxy *p, const bx_comp_params *c);
double bx_compfit_gain_error_baseline(proxy *p, const double *meas, const uint32_t *used,
                                      size_t n_used, size_t fb, double *mean);
#include "compfit_kernel.h"

void bx_compfit_proxy_run(bx_simd s, proxy *p, const bx_comp_params *c)
{
#if BX_HAVE_AVX2_KERNELS
    if (s == BX_SIMD_AVX2_FMA) {
        bx_compfit_proxy_run_avx2(p, c);
        return;
    }
#else
    (void)s;
#endif
    bx_compfit_proxy_run_baseline(p, c);
}

double bx_compfit_gain_error(bx_simd s, proxy *p, const double *meas, const uint32_t *used,
                             size_t n_used, size_t fb, double *mean)
{
#if BX_HAVE_AVX2_KERNELS
    if (s == BX_SIMD_AVX2_FMA)
        return bx_compfit_gain_error_avx2(p, meas, used, n_used, fb, mean);
#else
    (void)s;
#endif
    return bx_compfit_gain_error_baseline(p, meas, used, n_used, fb, mean);
}

void bx_compfit_proxy_run8(bx_simd s, const proxy *p, const bx_comp_params *c, double *g, double *e,
                           double *scratch)
{
#if BX_HAVE_AVX2_KERNELS
    if (s == BX_SIMD_AVX2_FMA) {
        bx_compfit_proxy_run8_avx2(p, c, g, e, scratch);
        return;
    }
#else
    (void)s;
#endif
    bx_compfit_proxy_run8_baseline(p, c, g, e, scratch);
}

static void proxy_run(proxy *p, const bx_comp_params *c)
{
    bx_compfit_proxy_run(bx_simd_detect(), p, c);
}

static double gain_error(proxy *p, const double *meas, const uint32_t *used, size_t n_used,
                         size_t fb, double *mean)
{
    return bx_compfit_gain_error(bx_simd_detect(), p, meas, used, n_used, fb, mean);
}

/* ---- search ---------------------------------------------------------------- */

typedef struct objective {
    proxy *p;
    proxy *coarse;           /* stats fit: the search runs on this, if not NULL */
    struct objective *grid;  /* paired fit: the grid runs on this one, if not NULL */
    const bx_dynsig *target; /* stats fit */
    const double *meas_db;   /* paired fit: measured gain per frame, dB */
    const uint32_t *used;    /* paired fit: the frames compared, ascending */
    size_t n_used;           /* how many */
    size_t fb;               /* paired fit: blocks per frame */
    bx_detector detector;    /* the detector being fitted */
    double rms_ms;           /* "rms_level", "mean_level": the averaging time, ms */
    int hold;                /* "power": with hold */
    double release_min_ms;   /* shortest release considered */
    double release_max_ms;   /* longest release considered */
    double ratio_max;        /* highest ratio considered */
    double threshold_min_db; /* lowest threshold considered */
    double last_offset;
} objective;

#define NP 5 /* threshold, log ratio, log attack, log release, knee */

static void params_from(const double *v, const objective *o, bx_comp_params *c)
{
    c->threshold_db = fmin(fmax(v[0], o->threshold_min_db), 0.0);
    c->ratio = fmin(fmax(exp(v[1]), 1.0), o->ratio_max);
    /* the power detector's knee is its own: v[4] does nothing there */
    c->knee_db = o->detector == BX_DETECTOR_POWER ? 0.0 : fmin(fmax(v[4], 0.0), 24.0);
    c->attack_ms = fmin(fmax(exp(v[2]), 0.1), 300.0);
    c->release_ms = fmin(fmax(exp(v[3]), o->release_min_ms), o->release_max_ms);
    c->makeup_db = 0;
    c->detector = o->detector;
    c->has_start_level = 0;
    c->start_level_db = 0.0;
    c->rms_ms = bx_detector_averages(o->detector) ? o->rms_ms : 0.0;
    c->hold = o->detector == BX_DETECTOR_POWER && o->hold;
}

/* The objective for the gains now in o->p (g and e). */
static double objective_value(objective *o)
{
    if (o->target) {
        bx_dynsig s;
        signature(o->p, &s);
        return bx_dynsig_distance(&s, o->target, &o->last_offset);
    }
    /* paired: RMS of measured - simulated gain, offset removed */
    return gain_error(o->p, o->meas_db, o->used, o->n_used, o->fb, &o->last_offset);
}

static double evaluate(objective *o, const bx_comp_params *c)
{
    proxy_run(o->p, c);
    return objective_value(o);
}

/* The compressor at search point v (clamped into the box) into *c, and the
 * penalty for how far outside the box v lies. */
static double box_penalty(const objective *o, const double *v, bx_comp_params *c)
{
    params_from(v, o, c);
    double pen = 0;
    pen += fmax(0, v[0]) + fmax(0, o->threshold_min_db - v[0]);
    pen += fmax(0, -v[1]) + fmax(0, v[1] - log(o->ratio_max));
    pen += fmax(0, log(0.1) - v[2]) + fmax(0, v[2] - log(300.0));
    pen += fmax(0, log(o->release_min_ms) - v[3]) + fmax(0, v[3] - log(o->release_max_ms));
    pen += fmax(0, -v[4]) + fmax(0, v[4] - 24.0);
    return pen;
}

static double eval_v(objective *o, const double *v)
{
    bx_comp_params c;
    /* outside the box: evaluate at the clamped point, plus a penalty */
    const double pen = box_penalty(o, v, &c);
    return evaluate(o, &c) + 10.0 * pen;
}

/* Nelder–Mead from v (in place), step sizes st, at most iters evaluations. */
static double nelder_mead(objective *o, double *v, const double *st, int iters)
{
    double s[NP + 1][NP], f[NP + 1];
    for (int i = 0; i <= NP; i++) {
        memcpy(s[i], v, sizeof s[i]);
        if (i)
            s[i][i - 1] += st[i - 1];
        f[i] = eval_v(o, s[i]);
    }
    int evals = NP + 1;
    while (evals < iters) {
        /* order */
        for (int i = 0; i <= NP; i++)
            for (int j = i + 1; j <= NP; j++)
                if (f[j] < f[i]) {
                    double t = f[i];
                    f[i] = f[j];
                    f[j] = t;
                    double tv[NP];
                    memcpy(tv, s[i], sizeof tv);
                    memcpy(s[i], s[j], sizeof tv);
                    memcpy(s[j], tv, sizeof tv);
                }
        if (f[NP] - f[0] < 1e-5)
            break;
        double c[NP] = {0}, r[NP], e[NP], k[NP];
        for (int i = 0; i < NP; i++)
            for (int j = 0; j < NP; j++)
                c[j] += s[i][j] / NP;
        for (int j = 0; j < NP; j++)
            r[j] = c[j] + (c[j] - s[NP][j]);
        const double fr = eval_v(o, r);
        evals++;
        if (fr < f[0]) {
            for (int j = 0; j < NP; j++)
                e[j] = c[j] + 2.0 * (c[j] - s[NP][j]);
            const double fe = eval_v(o, e);
            evals++;
            if (fe < fr)
                memcpy(s[NP], e, sizeof e), f[NP] = fe;
            else
                memcpy(s[NP], r, sizeof r), f[NP] = fr;
        } else if (fr < f[NP - 1]) {
            memcpy(s[NP], r, sizeof r), f[NP] = fr;
        } else {
            const int outside = fr < f[NP];
            for (int j = 0; j < NP; j++)
                k[j] = outside ? c[j] + 0.5 * (r[j] - c[j]) : c[j] + 0.5 * (s[NP][j] - c[j]);
            const double fk = eval_v(o, k);
            evals++;
            if (fk < (outside ? fr : f[NP])) {
                memcpy(s[NP], k, sizeof k), f[NP] = fk;
            } else { /* shrink toward the best */
                for (int i = 1; i <= NP; i++) {
                    for (int j = 0; j < NP; j++)
                        s[i][j] = s[0][j] + 0.5 * (s[i][j] - s[0][j]);
                    f[i] = eval_v(o, s[i]);
                    evals++;
                }
            }
        }
    }
    int best = 0;
    for (int i = 1; i <= NP; i++)
        if (f[i] < f[best])
            best = i;
    memcpy(v, s[best], sizeof s[best]);
    return f[best];
}

/* Insert (v, fv) into the k best so far (ascending f), if it belongs there. */
static void keep_best(double (*kv)[NP], double *kf, int k, const double *v, double fv)
{
    int pos = k;
    while (pos > 0 && kf[pos - 1] > fv)
        pos--;
    if (pos >= k)
        return;
    for (int j = k - 1; j > pos; j--) {
        kf[j] = kf[j - 1];
        memcpy(kv[j], kv[j - 1], sizeof kv[j]);
    }
    kf[pos] = fv;
    memcpy(kv[pos], v, sizeof kv[pos]);
}

/* The search's evaluations, spread over workers: worker 0 uses the caller's
 * objective, the others copies of it with proxies of their own (wo for
 * Nelder–Mead, wg for the grid: the same unless the objective has a grid
 * of its own). */
typedef struct search_pool {
    objective *o;
    proxy *fine; /* o's own proxy, put back when the pool closes */
    objective wo[THREAD_WORKERS_MAX], wg[THREAD_WORKERS_MAX];
    proxy wp[THREAD_WORKERS_MAX], wgp[THREAD_WORKERS_MAX];
    unsigned nw, made, made_g;
    const double (*pt)[NP];
    size_t n_pt;
    double *f;                         /* grid: value at each point */
    double *lanes[THREAD_WORKERS_MAX]; /* grid: eight points' gains at once, per worker */
    double (*nm_v)[NP];                /* Nelder–Mead: start in, result out */
    double *nm_f;
    const bx_detector *nm_det; /* Nelder–Mead: each start's detector */
    const double *nm_rms;      /* and its rms_ms (NULL: none has one) */
    const int *nm_hold;        /* and whether it holds (NULL: none does) */
    int grid_hold;             /* grid: "power" with hold */
    const double *nm_step;
    int nm_evals;  /* Nelder–Mead: evaluations per start */
    int nm_coarse; /* Nelder–Mead on the grid's (coarser) objective */
} search_pool;

/* Grid points 8 gi .. 8 gi + 7 at once (one detector): the same values as
 * eval_v's, lane by lane. */
static void grid8_task(void *arg, unsigned worker, size_t gi)
{
    search_pool *S = arg;
    objective *o = &S->wg[worker];
    proxy *p = o->p;
    const size_t i0 = 8 * gi, nb = p->nblk;
    bx_comp_params c[8];
    double pen[8];
    for (size_t l = 0; l < 8; l++) /* past the end: the last point again, not kept */
        pen[l] = box_penalty(o, S->pt[i0 + l < S->n_pt ? i0 + l : S->n_pt - 1], &c[l]);
    double *g8 = S->lanes[worker], *e8 = g8 + 8 * nb, *scratch = e8 + 8 * nb;
    bx_compfit_proxy_run8(bx_simd_detect(), p, c, g8, e8, scratch);
    double *g = p->g, *e = p->e;
    for (size_t l = 0; l < 8 && i0 + l < S->n_pt; l++) {
        p->g = g8 + l * nb;
        p->e = e8 + l * nb;
        S->f[i0 + l] = objective_value(o) + 10.0 * pen[l];
    }
    p->g = g;
    p->e = e;
}

static void nm_task(void *arg, unsigned worker, size_t i)
{
    search_pool *S = arg;
    /* its proxy is the worker's; the detector the start's */
    objective w = S->nm_coarse ? S->wg[worker] : S->wo[worker];
    w.detector = S->nm_det[i];
    w.rms_ms = S->nm_rms ? S->nm_rms[i] : 0.0;
    w.hold = S->nm_hold ? S->nm_hold[i] : 0;
    S->nm_f[i] = nelder_mead(&w, S->nm_v[i], S->nm_step, S->nm_evals);
}

static void pool_close(search_pool *S)
{
    S->o->p = S->fine;
    for (unsigned k = 0; k < THREAD_WORKERS_MAX; k++)
        bx_free(S->lanes[k]);
    for (unsigned k = 1; k < S->made; k++)
        proxy_clone_free(&S->wp[k]);
    for (unsigned k = 1; S->o->grid && k < S->made_g; k++)
        proxy_clone_free(&S->wgp[k]);
}

/* Workers' objectives for o (the stats fit's on its coarse proxy).
 * BX_ERR_NOMEM if a worker's scratch cannot be had (nothing else fails). */
static bx_status pool_open(search_pool *S, objective *o, const bx_parallel *par)
{
    memset(S, 0, sizeof *S);
    S->o = o;
    S->fine = o->p;
    if (o->coarse)
        o->p = o->coarse;
    unsigned nw = bx_parallel_workers(par);
    S->nw = nw > THREAD_WORKERS_MAX ? THREAD_WORKERS_MAX : nw;
    objective *go = o->grid ? o->grid : o;
    S->wo[0] = *o;
    S->wg[0] = *go;
    for (S->made = 1; S->made < S->nw; S->made++) {
        if (proxy_clone(o->p, &S->wp[S->made]) != 0)
            break;
        S->wo[S->made] = *o;
        S->wo[S->made].p = &S->wp[S->made];
    }
    for (S->made_g = 1; o->grid && S->made_g < S->nw; S->made_g++) {
        if (proxy_clone(go->p, &S->wgp[S->made_g]) != 0)
            break;
        S->wg[S->made_g] = *go;
        S->wg[S->made_g].p = &S->wgp[S->made_g];
    }
    if (S->made < S->nw || (o->grid && S->made_g < S->nw)) {
        pool_close(S);
        return BX_ERR_NOMEM;
    }
    if (!o->grid)
        for (unsigned k = 1; k < S->nw; k++)
            S->wg[k] = S->wo[k];
    for (unsigned k = 0; k < S->nw; k++)
        if (!(S->lanes[k] = bx_malloc(24 * S->wg[k].p->nblk * sizeof(double)))) {
            pool_close(S);
            return BX_ERR_NOMEM;
        }
    return BX_OK;
}

/* Values of the n points pt through S (f[i] for pt[i]) for detector d. */
static void eval_points(search_pool *S, const bx_parallel *par, bx_detector d, double rms_ms,
                        const double (*pt)[NP], size_t n, double *f)
{
    for (unsigned k = 0; k < S->nw; k++)
        S->wg[k].detector = d, S->wg[k].rms_ms = rms_ms, S->wg[k].hold = S->grid_hold;
    S->pt = pt;
    S->n_pt = n;
    S->f = f;
    bx_parallel_for(par, grid8_task, S, (n + 7) / 8);
}

enum { SEARCH_MAX_POINTS = 288, SEARCH_KEEP = 3 };

/* The grid for detector d: its SEARCH_KEEP best points into keep_v (ascending
 * value in keep_f; INFINITY where fewer). The stats fit takes it in two
 * stages, threshold x ratio at a middling attack and release, then attack x
 * release around the best STAGE1 of those (68 evaluations instead of 288; as
 * good there). The paired fit takes every point: its error surface has
 * narrow basins (one case of the evaluation corpus loses 5 dB of SNR with
 * two stages). */
static void search_grid(search_pool *S, const bx_parallel *par, bx_detector d, double rms_ms,
                        double (*keep_v)[NP], double *keep_f)
{
    static const double th[] = {-48, -40, -34, -28, -22, -16, -10, -5};
    static const double ra[] = {1.5, 2.5, 4, 8};
    static const double at[] = {1, 5, 20};
    static const double re[] = {40, 120, 400};
    enum { KEEP = SEARCH_KEEP, STAGE1 = 4, NTH = 8, NRA = 4, NAT = 3, NRE = 3, AT0 = 1, RE0 = 1 };
    for (int i = 0; i < KEEP; i++)
        keep_f[i] = INFINITY;
    double pts[SEARCH_MAX_POINTS][NP], fv[SEARCH_MAX_POINTS];
    size_t np = 0;
    if (S->o->target) {
        double s1_v[STAGE1][NP], s1_f[STAGE1];
        for (int i = 0; i < STAGE1; i++)
            s1_f[i] = INFINITY;
        for (int a = 0; a < NTH; a++)
            for (int b = 0; b < NRA; b++) {
                const double v[NP] = {th[a], log(ra[b]), log(at[AT0]), log(re[RE0]),
                                      BX_COMPFIT_KNEE_DB};
                memcpy(pts[np++], v, sizeof v);
            }
        eval_points(S, par, d, rms_ms, (const double(*)[NP])pts, np, fv);
        for (size_t i = 0; i < np; i++)
            keep_best(s1_v, s1_f, STAGE1, pts[i], fv[i]);
        /* attack x release around each: the middle point again too (the
         * same value as in stage 1; one loop is simpler than skipping it) */
        np = 0;
        for (int k = 0; k < STAGE1; k++) {
            if (!isfinite(s1_f[k]))
                continue;
            for (int c = 0; c < NAT; c++)
                for (int e = 0; e < NRE; e++) {
                    memcpy(pts[np], s1_v[k], sizeof pts[np]);
                    pts[np][2] = log(at[c]);
                    pts[np][3] = log(re[e]);
                    np++;
                }
        }
    } else {
        for (int a = 0; a < NTH; a++)
            for (int b = 0; b < NRA; b++)
                for (int c = 0; c < NAT; c++)
                    for (int e = 0; e < NRE; e++) {
                        const double v[NP] = {th[a], log(ra[b]), log(at[c]), log(re[e]),
                                              BX_COMPFIT_KNEE_DB};
                        memcpy(pts[np++], v, sizeof v);
                    }
    }
    eval_points(S, par, d, rms_ms, (const double(*)[NP])pts, np, fv);
    for (size_t i = 0; i < np; i++)
        keep_best(keep_v, keep_f, KEEP, pts[i], fv[i]);
}

/* Nelder–Mead from the n starts v (det[i]: each one's detector, rms[i] and
 * hold[i] its averaging time and hold, either NULL for none; results in
 * place, values in f), all at once through S's workers: `evals` evaluations
 * each, with the initial simplex `scale` times the usual one, on the grid's
 * objective if `coarse`. */
static void search_polish(search_pool *S, const bx_parallel *par, double (*v)[NP],
                          const bx_detector *det, const double *rms, const int *hold, size_t n,
                          double *f, int evals, double scale, int coarse)
{
    static const double step0[NP] = {4.0, 0.4, 0.8, 0.6, 3.0};
    double step[NP];
    for (int j = 0; j < NP; j++)
        step[j] = scale * step0[j];
    S->nm_v = v;
    S->nm_f = f;
    S->nm_det = det;
    S->nm_rms = rms;
    S->nm_hold = hold;
    S->nm_step = step;
    S->nm_evals = evals;
    S->nm_coarse = coarse;
    bx_parallel_for(par, nm_task, S, n);
}

/* Grid, then Nelder–Mead from the SEARCH_KEEP best points, for o's
 * detector. Every evaluation is independent of the order they are made in,
 * and the results are ranked in a fixed order, so the outcome does not
 * depend on par. BX_ERR_NOMEM if a worker's scratch cannot be had (nothing
 * else fails). */
static bx_status search(objective *o, const bx_parallel *par, bx_comp_params *out, double *err_out)
{
    search_pool S;
    if (pool_open(&S, o, par) != BX_OK)
        return BX_ERR_NOMEM;
    double keep_v[SEARCH_KEEP][NP], keep_f[SEARCH_KEEP], nm_v[SEARCH_KEEP][NP], nm_f[SEARCH_KEEP];
    bx_detector det[SEARCH_KEEP];
    search_grid(&S, par, o->detector, o->rms_ms, keep_v, keep_f);
    size_t nk = 0;
    for (int k = 0; k < SEARCH_KEEP; k++)
        if (isfinite(keep_f[k])) {
            det[nk] = o->detector;
            memcpy(nm_v[nk++], keep_v[k], sizeof nm_v[0]);
        }
    search_polish(&S, par, nm_v, det, NULL, NULL, nk, nm_f, NM_EVALS, 1.0, 0);
    double best_v[NP], best_f = INFINITY;
    for (size_t k = 0; k < nk; k++)
        if (nm_f[k] < best_f) {
            best_f = nm_f[k];
            memcpy(best_v, nm_v[k], sizeof best_v);
        }
    pool_close(&S);
    params_from(best_v, o, out);
    *err_out = evaluate(o, out);
    out->makeup_db = o->last_offset;
    return BX_OK;
}

/* eval_v at v with the averaging time exp(lr) ("rms_level", "mean_level"; ignored by the
 * other detectors) */
static double eval_rms(objective *o, const double *v, double lr)
{
    o->rms_ms = exp(lr);
    return eval_v(o, v);
}

/* How much the data constrained each of c's threshold, ratio, attack and
 * release (and an averaging detector's averaging time): the objective's curvature there (a
 * numerical Hessian of (E^2 - E0^2) / (2 noise_db^2) on the block model, in the search's
 * coordinates: dB and log units), inverted as a Laplace approximation,
 * against a uniform prior over the search box; res->constrained receives
 * each parameter's share of prior variance removed, res->confidence their
 * least. */
static void confidence(objective *o, const bx_comp_params *c, double noise_db,
                       bx_compfit_result *res)
{
    enum { MX = 5 };
    /* threshold, ratio, attack, release; an averaging detector's time, in the
     * same log units, against a uniform prior over its whole range */
    const int M = bx_detector_averages(c->detector) ? 5 : 4;
    double v0[NP] = {c->threshold_db, log(c->ratio), log(c->attack_ms), log(c->release_ms),
                     c->knee_db};
    const bx_detector d_saved = o->detector;
    const double rms_saved = o->rms_ms;
    const int hold_saved = o->hold;
    o->detector = c->detector;
    o->hold = c->hold;
    const double lo[MX] = {o->threshold_min_db, 0.0, log(0.1), log(o->release_min_ms),
                           log(BX_COMP_RMS_MIN_MS)};
    const double hi[MX] = {0.0, log(o->ratio_max), log(300.0), log(o->release_max_ms),
                           log(BX_COMP_RMS_MAX_MS)};
    const double h[MX] = {1.0, 0.1, 0.15, 0.15, 0.15};
    double prior[MX], r0 = log(bx_comp_rms_ms(c));
    for (int i = 0; i < M; i++) {
        prior[i] = (hi[i] - lo[i]) * (hi[i] - lo[i]) / 12.0;
        /* differences stay inside the box */
        if (i < 4)
            v0[i] = fmin(fmax(v0[i], lo[i] + h[i]), hi[i] - h[i]);
        else
            r0 = fmin(fmax(r0, lo[i] + h[i]), hi[i] - h[i]);
    }
    const double s2 = 2.0 * noise_db * noise_db;
    double f0;
    {
        const double e = eval_rms(o, v0, r0);
        f0 = e * e / s2;
    }
    double fp[MX], fm[MX], H[MX * MX], A[MX * MX], x[MX];
    for (int i = 0; i < M; i++) {
        double v[NP], r = r0;
        memcpy(v, v0, sizeof v);
        if (i < 4)
            v[i] = v0[i] + h[i];
        else
            r = r0 + h[i];
        const double ep = eval_rms(o, v, r);
        if (i < 4)
            v[i] = v0[i] - h[i];
        else
            r = r0 - h[i];
        const double em = eval_rms(o, v, r);
        fp[i] = ep * ep / s2;
        fm[i] = em * em / s2;
        H[i * M + i] = (fp[i] - 2.0 * f0 + fm[i]) / (h[i] * h[i]);
    }
    for (int i = 0; i < M; i++)
        for (int j = i + 1; j < M; j++) {
            double v[NP], r = r0;
            memcpy(v, v0, sizeof v);
            v[i] += h[i]; /* i < 4 */
            if (j < 4)
                v[j] += h[j];
            else
                r += h[j];
            const double e = eval_rms(o, v, r);
            /* f(+i,+j) - f(+i) - f(+j) + f0 */
            H[i * M + j] = H[j * M + i] = (e * e / s2 - fp[i] - fp[j] + f0) / (h[i] * h[j]);
        }
    /* a direction the error does not curve up in says nothing (at the
     * bottom of a narrow valley, as between a level follower's threshold and
     * attack, the differences can make H slightly indefinite: projected onto
     * the semi-definite matrices); the prior keeps it solvable */
    bx_linalg_psd_project(H, M);
    for (int i = 0; i < M; i++)
        H[i * M + i] += 1.0 / prior[i];
    res->confidence = 1.0;
    res->n_constrained = M;
    for (int i = 0; i < MX; i++)
        res->constrained[i] = 0.0;
    for (int i = 0; i < M; i++) {
        memcpy(A, H, sizeof(double) * (size_t)(M * M));
        for (int j = 0; j < M; j++)
            x[j] = j == i;
        const double var =
            bx_linalg_solve(A, x, M) == 0 && x[i] > 0 ? fmin(x[i], prior[i]) : prior[i];
        res->constrained[i] = 1.0 - var / prior[i];
        if (i < 4) /* the averaging time is reported apart: the gain trace's 1 ms
                    * frames hardly tell a few ms of it (the waveform does) */
            res->confidence = fmin(res->confidence, res->constrained[i]);
    }
    o->detector = d_saved;
    o->rms_ms = rms_saved;
    o->hold = hold_saved;
}

/* Real bx_comp on x, gains per block into p->g for blocks b0 .. b1-1, the
 * compressor starting fresh `warm` blocks before b0 (those only warm it up). */
static void real_gains_range(proxy *p, const float *x, const bx_comp_params *c, size_t warm,
                             size_t b0, size_t b1)
{
    bx_comp comp;
    bx_comp_params cp = *c;
    cp.makeup_db = 0;
    bx_comp_init(&comp, &cp, p->rate_hz);
    enum { SPAN = 4096 };
    double buf[SPAN], in[SPAN];
    for (size_t k0 = (b0 - warm) * p->blk; k0 < b0 * p->blk; k0 += SPAN) {
        const size_t m = b0 * p->blk - k0 < SPAN ? b0 * p->blk - k0 : SPAN;
        for (size_t k = 0; k < m; k++)
            buf[k] = x[k0 + k];
        bx_comp_process(&comp, buf, m, 1);
    }
    /* whole blocks a span at a time (bx_comp_process gives the same values
     * however a signal is cut into calls), each block's gain from its mean
     * squares after and before; a span ends after a block of silence, which
     * takes the reduction the compressor reached by its end */
    const size_t bpc = p->blk <= SPAN ? SPAN / p->blk : 1;
    for (size_t s0 = b0; s0 < b1;) {
        size_t s1 = s0;
        while (s1 < b1 && s1 - s0 < bpc && p->ms[s1++] != 0.0)
            ;
        if (p->blk > SPAN) { /* (blocks longer than a span: one, piece by piece) */
            double num = 0, den = 0;
            for (size_t k0 = 0; k0 < p->blk; k0 += SPAN) {
                const size_t m = p->blk - k0 < SPAN ? p->blk - k0 : SPAN;
                for (size_t k = 0; k < m; k++)
                    buf[k] = x[s0 * p->blk + k0 + k], den += buf[k] * buf[k];
                bx_comp_process(&comp, buf, m, 1);
                for (size_t k = 0; k < m; k++)
                    num += buf[k] * buf[k];
            }
            p->g[s0] =
                den > 0 ? sqrt(num / den) : pow(10.0, -bx_comp_gain_reduction_db(&comp) / 20.0);
            p->e[s0] = p->g[s0] * p->g[s0] * p->ms[s0];
            s0++;
            continue;
        }
        const size_t m = (s1 - s0) * p->blk;
        for (size_t k = 0; k < m; k++)
            in[k] = buf[k] = x[s0 * p->blk + k];
        bx_comp_process(&comp, buf, m, 1);
        for (size_t b = s0; b < s1; b++) {
            const double *u = in + (b - s0) * p->blk, *v = buf + (b - s0) * p->blk;
            double num = 0, den = 0;
            for (size_t k = 0; k < p->blk; k++)
                den += u[k] * u[k], num += v[k] * v[k];
            /* (only the span's last block can be silent) */
            p->g[b] =
                den > 0 ? sqrt(num / den) : pow(10.0, -bx_comp_gain_reduction_db(&comp) / 20.0);
            p->e[b] = p->g[b] * p->g[b] * p->ms[b];
        }
        s0 = s1;
    }
}

/* Real bx_comp on x (first n samples), gains per block into p->g. */
static void real_gains(proxy *p, const float *x, const bx_comp_params *c)
{
    real_gains_range(p, x, c, 0, 0, p->nblk);
}

/* real_gains in two halves that par may run at once, the second warmed up
 * for 8 of the compressor's time constants (at least 0.5 s): the gains
 * differ from real_gains' by what is left of another start after that
 * (e^-8 of it); the same whatever par offers. */
typedef struct gains_job {
    proxy *p;
    const float *x;
    const bx_comp_params *c;
    size_t warm, mid;
} gains_job;

static void gains_task(void *arg, unsigned worker, size_t i)
{
    (void)worker;
    gains_job *j = arg;
    if (i == 0)
        real_gains_range(j->p, j->x, j->c, 0, 0, j->mid);
    else
        real_gains_range(j->p, j->x, j->c, j->warm, j->mid, j->p->nblk);
}

static void real_gains_par(proxy *p, const float *x, const bx_comp_params *c,
                           const bx_parallel *par)
{
    const double warm_s = fmax(0.5, 8e-3 * (c->attack_ms + c->release_ms));
    const size_t warm = (size_t)ceil(warm_s * p->rate_hz / (double)p->blk);
    gains_job j = {p, x, c, warm, p->nblk / 2};
    if (warm >= j.mid / 2 || c->hold) {
        real_gains(p, x, c); /* too short to gain; or a hold no warm-up is sure to reach */
        return;
    }
    bx_parallel_for(par, gains_task, &j, 2);
}

/* The stats fit's detectors, each searched: "peak" (the gain reduction
 * smoothed in dB) and "level" (the level followed in amplitude, the gain
 * computer acting on it: analog-style). The same signature can come from
 * either design at quite other settings; the one that matches REF's more
 * closely stays. Whether a compressor is kept at all is "peak"'s test. */
static const bx_detector STATS_DETECTORS[] = {BX_DETECTOR_PEAK, BX_DETECTOR_LEVEL};

bx_status bx_compfit_stats(const float *x, size_t n, double rate_hz, const bx_dynsig *target,
                           double min_gain_db, const bx_parallel *par, bx_compfit_result *res,
                           bx_error *err)
{
    memset(res, 0, sizeof *res);
    proxy p;
    bx_status st = proxy_init(&p, x, n, rate_hz, err);
    if (st)
        return st;
    proxy coarse;
    st = proxy_coarsen(&p, GRID_COARSEN, &coarse, err);
    if (st) {
        proxy_free(&p);
        return st;
    }
    objective o = {.p = &p,
                   .coarse = &coarse,
                   .target = target,
                   .detector = BX_DETECTOR_PEAK,
                   .release_min_ms = BX_COMPFIT_STATS_RELEASE_MIN_MS,
                   .release_max_ms = BX_COMPFIT_STATS_RELEASE_MAX_MS,
                   .ratio_max = BX_COMPFIT_STATS_RATIO_MAX,
                   .threshold_min_db = -60.0};
    double ms = 0;
    for (size_t b = 0; b < p.nblk; b++)
        ms += p.ms[b];
    o.threshold_min_db = fmax(o.threshold_min_db, 10.0 * log10(ms / (double)p.nblk + 1e-30) -
                                                      BX_COMPFIT_STATS_BELOW_RMS_DB);
    /* without a compressor */
    for (size_t b = 0; b < p.nblk; b++) {
        p.g[b] = 1.0;
        p.e[b] = p.ms[b];
    }
    bx_dynsig s;
    signature(&p, &s);
    double off0;
    res->error_off_db = bx_dynsig_distance(&s, target, &off0);

    /* each detector's search, the verdict with the real compressor; the
     * closest signature stays (the first on a tie) */
    res->error_db = INFINITY;
    for (size_t k = 0; k < sizeof STATS_DETECTORS / sizeof *STATS_DETECTORS; k++) {
        const bx_detector d = STATS_DETECTORS[k];
        bx_comp_params c;
        double e;
        o.detector = d;
        if (search(&o, par, &c, &e) != BX_OK) {
            proxy_free(&coarse);
            proxy_free(&p);
            return bx_error_set(err, BX_ERR_NOMEM, "out of memory fitting the compressor");
        }
        real_gains_par(&p, x, &c, par);
        signature(&p, &s);
        double off_d;
        const double e_real = bx_dynsig_distance(&s, target, &off_d);
        c.makeup_db = off_d;
        res->by_detector[d] = c;
        res->by_detector_error_db[d] = e_real;
        if (e_real < res->error_db) {
            res->error_db = e_real;
            res->params = c;
        }
    }
    /* whether to keep one is the first design's test alone (the closer of
     * two searches passes the margin by chance more often); failed, that
     * design's fit is the one reported */
    const bx_detector first = STATS_DETECTORS[0];
    res->evidence_db = res->error_off_db - res->by_detector_error_db[first];
    res->use_comp = res->by_detector_error_db[first] <= res->error_off_db - min_gain_db;
    if (!res->use_comp) {
        res->params = res->by_detector[first];
        res->error_db = res->by_detector_error_db[first];
    }
    confidence(&o, &res->params, min_gain_db, res);
    if (!res->use_comp)
        res->params.makeup_db = off0;
    proxy_free(&coarse);
    proxy_free(&p);
    return BX_OK;
}

/* The paired fit's grid for "rms_level" and "mean_level" runs at each of these averaging
 * times, and its Nelder-Mead from the best grid points of them all, each at
 * its own (the time is not one of the searched parameters: the waveform
 * refinement moves it from the start this gives) */
static const double RMS_LEVEL_MS[] = {1.5, 5.0};

/* The grid of detector d (each averaging time in turn, for the averaging
 * detectors): its SEARCH_KEEP best points into v (values f, the averaging
 * times rms; INFINITY where fewer). */
static void detector_grid(search_pool *S, const bx_parallel *par, bx_detector d, double (*v)[NP],
                          double *f, double *rms)
{
    const int nw = bx_detector_averages(d) ? (int)(sizeof RMS_LEVEL_MS / sizeof *RMS_LEVEL_MS) : 1;
    for (int j = 0; j < SEARCH_KEEP; j++)
        f[j] = INFINITY, rms[j] = 0.0;
    for (int w = 0; w < nw; w++) {
        const double ms = bx_detector_averages(d) ? RMS_LEVEL_MS[w] : 0.0;
        double kv[SEARCH_KEEP][NP], kf[SEARCH_KEEP];
        search_grid(S, par, d, ms, kv, kf);
        for (int i = 0; i < SEARCH_KEEP; i++) { /* merged in order of value, earlier on ties */
            int pos = SEARCH_KEEP;
            while (pos > 0 && f[pos - 1] > kf[i])
                pos--;
            if (pos >= SEARCH_KEEP)
                continue;
            for (int j = SEARCH_KEEP - 1; j > pos; j--) {
                f[j] = f[j - 1], rms[j] = rms[j - 1];
                memcpy(v[j], v[j - 1], sizeof v[j]);
            }
            f[pos] = kf[i], rms[pos] = ms;
            memcpy(v[pos], kv[i], sizeof v[pos]);
        }
    }
}

static bx_status paired_fit(const float *x, const float *y, size_t n, size_t skip, double rate_hz,
                            double min_gain_db, const bx_compfit_result *prev,
                            const bx_parallel *par, bx_compfit_result *res, bx_error *err)
{
    if (skip >= n)
        return bx_error_set(err, BX_ERR_ARG, "compressor fit: nothing to compare");
    memset(res, 0, sizeof *res);
    proxy p, py;
    bx_status st = proxy_init(&p, x, n, rate_hz, err);
    if (st)
        return st;
    st = proxy_init(&py, y, n, rate_hz, err);
    if (st) {
        proxy_free(&p);
        return st;
    }
    const double bms = (double)p.blk * 1000.0 / rate_hz;
    size_t fb = (size_t)(PAIRED_FRAME_MS / bms + 0.5);
    if (fb < 1)
        fb = 1;
    const size_t nf = p.nblk / fb;
    /* per frame: the measured gain, its mean square before (scratch), and
     * the list of frames compared */
    double *meas = bx_malloc(2 * nf * sizeof(double) + nf * sizeof(uint32_t));
    if (!meas) {
        proxy_free(&p);
        proxy_free(&py);
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory fitting the compressor");
    }
    double *ex_f = meas + nf, mx = 0;
    for (size_t f = 0; f < nf; f++) {
        double ex = 0, ey = 0;
        for (size_t b = f * fb; b < (f + 1) * fb; b++)
            ex += p.ms[b], ey += py.ms[b];
        meas[f] = 10.0 * log10((ey + 1e-30) / (ex + 1e-30));
        ex_f[f] = ex;
        mx = fmax(mx, ex);
    }
    /* frames within 40 dB of the loudest carry the gain; quieter ones are
     * noise; those in the first `skip` samples do not count */
    size_t f_skip = (size_t)ceil((double)skip / (double)(fb * p.blk)), n_used = 0;
    for (size_t f = f_skip; f < nf; f++)
        n_used += ex_f[f] >= mx * 1e-4;
    if (n_used == 0)
        f_skip = 0; /* nothing loud after it: compare all */
    uint32_t *used = (uint32_t *)(meas + 2 * nf);
    n_used = 0;
    for (size_t f = f_skip; f < nf; f++)
        if (ex_f[f] >= mx * 1e-4)
            used[n_used++] = (uint32_t)f;
    objective o = {.p = &p,
                   .meas_db = meas,
                   .used = used,
                   .n_used = n_used,
                   .fb = fb,
                   .detector = BX_DETECTOR_PEAK,
                   .release_min_ms = RELEASE_MIN_MS,
                   .release_max_ms = RELEASE_MAX_MS,
                   .ratio_max = RATIO_MAX,
                   .threshold_min_db = -60.0};
    /* the grid on blocks GRID_COARSEN times longer, frames of one block */
    proxy pc, pyc;
    double *meas_c = NULL;
    objective oc;
    if ((st = proxy_coarsen(&p, GRID_COARSEN, &pc, err)) == BX_OK) {
        if ((st = proxy_coarsen(&py, GRID_COARSEN, &pyc, err)) == BX_OK) {
            meas_c = bx_malloc(pc.nblk * (sizeof(double) + sizeof(uint32_t)));
            if (meas_c) {
                double mxc = 0;
                for (size_t b = 0; b < pc.nblk; b++) {
                    meas_c[b] = 10.0 * log10((pyc.ms[b] + 1e-30) / (pc.ms[b] + 1e-30));
                    mxc = fmax(mxc, pc.ms[b]);
                }
                const size_t b_skip = (f_skip * fb + GRID_COARSEN - 1) / GRID_COARSEN;
                uint32_t *used_c = (uint32_t *)(meas_c + pc.nblk);
                size_t n_c = 0;
                for (size_t b = b_skip; b < pc.nblk; b++)
                    if (pc.ms[b] >= mxc * 1e-4)
                        used_c[n_c++] = (uint32_t)b;
                oc = o;
                pc.gr_db = 1; /* frames of one block: the error in dB needs no gains */
                oc.p = &pc;
                oc.meas_db = meas_c;
                oc.used = used_c;
                oc.n_used = n_c;
                oc.fb = 1;
                o.grid = &oc;
            } else {
                st = bx_error_set(err, BX_ERR_NOMEM, "out of memory fitting the compressor");
            }
            proxy_free(&pyc);
        }
        if (st)
            proxy_free(&pc);
    }
    if (st) {
        bx_free(meas);
        proxy_free(&p);
        proxy_free(&py);
        return st;
    }
    bx_comp_params none = {0, 1, 0, 10, 100, 0, BX_DETECTOR_PEAK, 0, 0, 0, 0};
    res->error_off_db = evaluate(&o, &none);
    const double off0 = o.last_offset;
    /* every detector: the grids one by one, then Nelder–Mead from all their
     * starts at once; the real compressor decides between them */
    double best_real = INFINITY;
    search_pool S;
    if (pool_open(&S, &o, par) != BX_OK) {
        st = bx_error_set(err, BX_ERR_NOMEM, "out of memory fitting the compressor");
    } else {
        /* the variants searched: every detector, and "power" again with hold */
        enum { N_VARIANTS = BX_DETECTOR_COUNT + 1, N_STARTS = SEARCH_KEEP * N_VARIANTS };
        int kept[BX_DETECTOR_COUNT] = {0};
        double nm_v[N_STARTS][NP], nm_f[N_STARTS], rms[N_STARTS];
        int hold[N_STARTS] = {0};
        bx_detector det[N_STARTS];
        size_t nk = 0;
        for (int vi = 0; vi < N_VARIANTS; vi++) {
            const bx_detector d = vi < BX_DETECTOR_COUNT ? (bx_detector)vi : BX_DETECTOR_POWER;
            const int hv = vi == BX_DETECTOR_COUNT;
            if (prev) { /* its best of this detector, if it had one (holding or not) */
                const bx_comp_params *c = &prev->by_detector[d];
                if (hv || !(c->ratio >= 1.0 && c->attack_ms > 0 && c->release_ms > 0))
                    continue;
                if (d != BX_DETECTOR_PEAK && !bx_compfit_within_reach(prev, d)) {
                    kept[d] = 1; /* out of reach: measured again where it was */
                    continue;
                }
                det[nk] = d;
                rms[nk] = c->rms_ms;
                hold[nk] = c->hold;
                const double v[NP] = {c->threshold_db, log(c->ratio), log(c->attack_ms),
                                      log(c->release_ms), c->knee_db};
                memcpy(nm_v[nk++], v, sizeof v);
                continue;
            }
            double keep_v[SEARCH_KEEP][NP], keep_f[SEARCH_KEEP], keep_rms[SEARCH_KEEP];
            S.grid_hold = hv;
            detector_grid(&S, par, d, keep_v, keep_f, keep_rms);
            for (int k = 0; k < SEARCH_KEEP; k++)
                if (isfinite(keep_f[k])) {
                    det[nk] = d;
                    hold[nk] = hv;
                    rms[nk] = keep_rms[k];
                    memcpy(nm_v[nk++], keep_v[k], sizeof nm_v[0]);
                }
        }
        S.grid_hold = 0;
        if (prev) { /* near its best: on the fine blocks only */
            search_polish(&S, par, nm_v, det, rms, hold, nk, nm_f, NM_EVALS, 1.0, 0);
        } else {
            /* Nelder–Mead on the grid's blocks from every start, then on the
             * fine blocks from the best of each variant */
            search_polish(&S, par, nm_v, det, rms, hold, nk, nm_f, NM_EVALS, 1.0, 1);
            size_t nb = 0;
            for (int vi = 0; vi < N_VARIANTS; vi++) {
                const bx_detector d = vi < BX_DETECTOR_COUNT ? (bx_detector)vi : BX_DETECTOR_POWER;
                const int hv = vi == BX_DETECTOR_COUNT;
                size_t best = nk;
                for (size_t k = 0; k < nk; k++)
                    if (det[k] == d && hold[k] == hv && (best == nk || nm_f[k] < nm_f[best]))
                        best = k;
                if (best == nk)
                    continue;
                memmove(nm_v[nb], nm_v[best], sizeof nm_v[0]);
                rms[nb] = rms[best];
                hold[nb] = hold[best];
                det[nb++] = d;
            }
            nk = nb;
            search_polish(&S, par, nm_v, det, rms, hold, nk, nm_f, NM_FINE_EVALS, NM_FINE_SCALE, 0);
        }
        pool_close(&S);
        /* each detector's best on the real compressor (one start of each
         * variant is left; "power" has two, with hold and without) */
        for (int d = BX_DETECTOR_PEAK; d < BX_DETECTOR_COUNT; d++) {
            res->by_detector_error_db[d] = INFINITY;
            for (size_t k = 0; k <= nk; k++) {
                if (k < nk ? det[k] != (bx_detector)d : !kept[d])
                    continue;
                bx_comp_params cand = k == nk ? prev->by_detector[d] : (bx_comp_params){0};
                if (k < nk) {
                    o.detector = (bx_detector)d;
                    o.rms_ms = rms[k];
                    o.hold = hold[k];
                    params_from(nm_v[k], &o, &cand);
                }
                real_gains(&p, x, &cand);
                double mk;
                const double er = gain_error(&p, meas, used, n_used, fb, &mk);
                if (!(er < res->by_detector_error_db[d]))
                    continue;
                res->by_detector[d] = cand;
                res->by_detector[d].makeup_db = mk;
                res->by_detector_error_db[d] = er;
                if (er < best_real) {
                    best_real = er;
                    res->params = cand;
                }
            }
            if (!isfinite(res->by_detector_error_db[d]))
                res->by_detector_error_db[d] = 0.0; /* none: as before, zeroed */
        }
    }
    proxy_free(&pc);
    bx_free(meas_c);
    o.grid = NULL;
    o.hold = 0;
    if (st) {
        bx_free(meas);
        proxy_free(&p);
        proxy_free(&py);
        return st;
    }
    real_gains(&p, x, &res->params);
    double mean;
    res->error_db = gain_error(&p, meas, used, n_used, fb, &mean);
    res->params.makeup_db = mean;
    res->evidence_db = res->error_off_db - res->error_db;
    res->use_comp = res->error_db <= res->error_off_db - min_gain_db;
    confidence(&o, &res->params, min_gain_db, res);
    if (!res->use_comp)
        res->params.makeup_db = off0;
    bx_free(meas);
    proxy_free(&p);
    proxy_free(&py);
    return BX_OK;
}

int bx_compfit_within_reach(const bx_compfit_result *r, bx_detector d)
{
    if (!(d >= 0 && d < BX_DETECTOR_COUNT && r->by_detector[d].ratio >= 1.0))
        return 0;
    return r->by_detector_error_db[d] <= BX_COMPFIT_REACH_RATIO * r->error_db ||
           ((d == BX_DETECTOR_LEVEL || bx_detector_averages(d)) &&
            bx_detector_averages(r->params.detector));
}

bx_status bx_compfit_paired(const float *x, const float *y, size_t n, size_t skip, double rate_hz,
                            double min_gain_db, const bx_parallel *par, bx_compfit_result *res,
                            bx_error *err)
{
    return paired_fit(x, y, n, skip, rate_hz, min_gain_db, NULL, par, res, err);
}

bx_status bx_compfit_paired_near(const float *x, const float *y, size_t n, size_t skip,
                                 double rate_hz, double min_gain_db, const bx_compfit_result *prev,
                                 const bx_parallel *par, bx_compfit_result *res, bx_error *err)
{
    int fitted = 0;
    for (int d = 0; prev && d < BX_DETECTOR_COUNT; d++)
        fitted |= prev->by_detector[d].ratio >= 1.0;
    const bx_compfit_result from = fitted ? *prev : (bx_compfit_result){0}; /* res may be prev */
    return paired_fit(x, y, n, skip, rate_hz, min_gain_db, fitted ? &from : NULL, par, res, err);
}
