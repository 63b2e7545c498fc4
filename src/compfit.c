/* compfit.c — compressor identification on a block-rate model of bx_comp:
 * coarse grid, then Nelder–Mead, then a check with the real compressor. */
#include "bx/compfit.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const double bx_dynsig_percent[BX_DYNSIG_NQ] = {5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98, 99.5};

/* Longest excerpt the fits look at, seconds. */
#define MAX_FIT_SECONDS 90.0
#define PAIRED_FRAME_MS 1.0

/* Block summary of a mono signal: what the block-rate compressor model needs. */
typedef struct proxy {
    size_t nblk, blk;  /* number of blocks, samples per block */
    double rate_hz;
    double *pk;        /* max |x| per block */
    double *ms;        /* mean square per block */
    double *g;         /* scratch: linear gain per block */
    double *work;      /* scratch for quantiles */
} proxy;

static void proxy_free(proxy *p)
{
    bx_free(p->pk);
    memset(p, 0, sizeof *p);
}

static bx_status proxy_init(proxy *p, const float *x, size_t n, double rate_hz, bx_error *err)
{
    memset(p, 0, sizeof *p);
    const size_t cap = (size_t)(MAX_FIT_SECONDS * rate_hz);
    if (n > cap)
        n = cap;
    p->blk = (size_t)(BX_COMPFIT_BLOCK_MS * 1e-3 * rate_hz + 0.5);
    if (p->blk < 1)
        p->blk = 1;
    p->nblk = n / p->blk;
    p->rate_hz = rate_hz;
    if (p->nblk < 16)
        return bx_error_set(err, BX_ERR_AUDIO, "too short for a dynamics fit");
    p->pk = bx_malloc(4 * p->nblk * sizeof(double));
    if (!p->pk)
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory fitting the compressor");
    p->ms = p->pk + p->nblk;
    p->g = p->ms + p->nblk;
    p->work = p->g + p->nblk;
    for (size_t b = 0; b < p->nblk; b++) {
        double m = 0, s = 0;
        for (size_t k = 0; k < p->blk; k++) {
            const double v = x[b * p->blk + k];
            m = fmax(m, fabs(v));
            s += v * v;
        }
        p->pk[b] = m;
        p->ms[b] = s / (double)p->blk;
    }
    return BX_OK;
}

/* Linear gain per block of bx_comp with params c (makeup ignored), block rate. */
static void proxy_run(proxy *p, const bx_comp_params *c)
{
    const double B = (double)p->blk, fs = p->rate_hz;
    const double aa = exp(-B / (c->attack_ms * 1e-3 * fs));
    const double ar = exp(-B / (c->release_ms * 1e-3 * fs));
    const double arms = exp(-B / (BX_COMP_RMS_MS * 1e-3 * fs));
    const double lo = pow(10.0, (c->threshold_db - 0.5 * c->knee_db) / 20.0);
    const int rms = c->detector == BX_DETECTOR_RMS;
    double y1 = 0, yl = 0, ms = 0;
    for (size_t b = 0; b < p->nblk; b++) {
        double level;
        if (rms) {
            ms = arms * ms + (1.0 - arms) * p->ms[b];
            level = sqrt(ms);
        } else {
            level = p->pk[b];
        }
        double xl = 0.0;
        if (level > lo) {
            const double xg = 8.685889638065035 * log(level); /* 20 log10 */
            xl = xg - bx_comp_static_db(c, xg);
        }
        const double rel = ar * y1 + (1.0 - ar) * xl;
        y1 = xl > rel ? xl : rel;
        yl = aa * yl + (1.0 - aa) * y1;
        p->g[b] = yl > 1e-9 ? exp(-0.11512925464970229 * yl) : 1.0; /* 10^(-yl/20) */
    }
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy-style linear interpolation between order statistics of sorted v */
static double quantile(const double *v, size_t n, double pct)
{
    const double pos = pct / 100.0 * (double)(n - 1);
    const size_t i = (size_t)pos;
    if (i + 1 >= n)
        return v[n - 1];
    return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

/* k-th smallest of v[0..n) (v is reordered so that v[k] holds it, smaller
 * values before it and larger after): Hoare's selection, O(n) on average. */
static double select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        const double pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                const double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return v[k];
}

/* numpy-style percentile of unsorted v (reordered), without a full sort */
static double quantile_select(double *v, size_t n, double pct)
{
    const double pos = pct / 100.0 * (double)(n - 1);
    const size_t i = (size_t)pos;
    const double a = select_kth(v, n, i);
    if (i + 1 >= n)
        return a;
    double b = v[i + 1];
    for (size_t k = i + 1; k < n; k++)
        b = v[k] < b ? v[k] : b;
    return a + (pos - (double)i) * (b - a);
}

/* Quantiles of frame levels (frames of `fb` blocks) with per-block gains g. */
static void frame_quantiles(const proxy *p, size_t fb, double *q)
{
    const size_t nf = p->nblk / fb;
    double *lv = p->work, mx = -DBL_MAX;
    for (size_t f = 0; f < nf; f++) {
        double s = 0;
        for (size_t b = f * fb; b < (f + 1) * fb; b++)
            s += p->g[b] * p->g[b] * p->ms[b];
        lv[f] = 10.0 * log10(s / (double)fb + 1e-20);
        mx = fmax(mx, lv[f]);
    }
    size_t k = 0;
    for (size_t f = 0; f < nf; f++)
        if (lv[f] >= mx - 60.0)
            lv[k++] = lv[f];
    qsort(lv, k, sizeof *lv, cmp_double);
    for (int i = 0; i < BX_DYNSIG_NQ; i++)
        q[i] = quantile(lv, k, bx_dynsig_percent[i]);
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
    for (size_t b = 0; b < p->nblk; b++) {
        tot += p->g[b] * p->g[b] * p->ms[b];
        p->work[b] = p->g[b] * p->pk[b];
    }
    const double pk = quantile_select(p->work, p->nblk, 99.9);
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

/* ---- search ---------------------------------------------------------------- */

typedef struct objective {
    proxy *p;
    const bx_dynsig *target; /* stats fit */
    const double *meas_db;   /* paired fit: measured gain per frame, dB */
    const double *wf;        /* paired fit: frame weights */
    size_t nf, fb;           /* paired fit: frames and blocks per frame */
    bx_detector detector;    /* the detector being fitted */
    double last_offset;
} objective;

#define NP 5 /* threshold, log ratio, log attack, log release, knee */

static void params_from(const double *v, bx_detector det, bx_comp_params *c)
{
    c->threshold_db = fmin(fmax(v[0], -60.0), 0.0);
    c->ratio = fmin(fmax(exp(v[1]), 1.0), 30.0);
    c->knee_db = fmin(fmax(v[4], 0.0), 24.0);
    c->attack_ms = fmin(fmax(exp(v[2]), 0.1), 300.0);
    c->release_ms = fmin(fmax(exp(v[3]), 5.0), 3000.0);
    c->makeup_db = 0;
    c->detector = det;
}

static double evaluate(objective *o, const bx_comp_params *c)
{
    proxy_run(o->p, c);
    if (o->target) {
        bx_dynsig s;
        signature(o->p, &s);
        return bx_dynsig_distance(&s, o->target, &o->last_offset);
    }
    /* paired: weighted RMS of measured - simulated gain, offset removed */
    double sw = 0, sd = 0, sdd = 0;
    for (size_t f = 0; f < o->nf; f++) {
        if (o->wf[f] <= 0)
            continue;
        double num = 0, den = 0;
        for (size_t b = f * o->fb; b < (f + 1) * o->fb; b++) {
            num += o->p->g[b] * o->p->g[b] * o->p->ms[b];
            den += o->p->ms[b];
        }
        const double d = o->meas_db[f] - 10.0 * log10(num / den);
        sw += o->wf[f];
        sd += o->wf[f] * d;
        sdd += o->wf[f] * d * d;
    }
    const double mean = sd / sw;
    o->last_offset = mean;
    return sqrt(fmax(sdd / sw - mean * mean, 0.0));
}

static double eval_v(objective *o, const double *v)
{
    bx_comp_params c;
    params_from(v, o->detector, &c);
    /* outside the box: evaluate at the clamped point, plus a penalty */
    double pen = 0;
    pen += fmax(0, v[0]) + fmax(0, -60 - v[0]);
    pen += fmax(0, -v[1]) + fmax(0, v[1] - log(30.0));
    pen += fmax(0, log(0.1) - v[2]) + fmax(0, v[2] - log(300.0));
    pen += fmax(0, log(5.0) - v[3]) + fmax(0, v[3] - log(3000.0));
    pen += fmax(0, -v[4]) + fmax(0, v[4] - 24.0);
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

static void search(objective *o, bx_comp_params *out, double *err_out)
{
    static const double th[] = {-48, -40, -34, -28, -22, -16, -10, -5};
    static const double ra[] = {1.5, 2.5, 4, 8};
    static const double at[] = {1, 5, 20};
    static const double re[] = {40, 120, 400};
    enum { KEEP = 2 };
    double keep_v[KEEP][NP], keep_f[KEEP];
    for (int i = 0; i < KEEP; i++)
        keep_f[i] = INFINITY;
    for (size_t a = 0; a < sizeof th / sizeof *th; a++)
        for (size_t b = 0; b < sizeof ra / sizeof *ra; b++)
            for (size_t c = 0; c < sizeof at / sizeof *at; c++)
                for (size_t d = 0; d < sizeof re / sizeof *re; d++) {
                    const double v[NP] = {th[a], log(ra[b]), log(at[c]), log(re[d]),
                                          BX_COMPFIT_KNEE_DB};
                    const double fv = eval_v(o, v);
                    int pos = KEEP;
                    while (pos > 0 && keep_f[pos - 1] > fv)
                        pos--;
                    if (pos >= KEEP)
                        continue;
                    for (int k = KEEP - 1; k > pos; k--) {
                        keep_f[k] = keep_f[k - 1];
                        memcpy(keep_v[k], keep_v[k - 1], sizeof keep_v[k]);
                    }
                    keep_f[pos] = fv;
                    memcpy(keep_v[pos], v, sizeof v);
                }
    const double step[NP] = {4.0, 0.4, 0.8, 0.6, 3.0};
    double best_v[NP], best_f = INFINITY;
    for (int k = 0; k < KEEP; k++) {
        if (!isfinite(keep_f[k]))
            continue;
        double v[NP];
        memcpy(v, keep_v[k], sizeof v);
        const double fv = nelder_mead(o, v, step, 120);
        if (fv < best_f) {
            best_f = fv;
            memcpy(best_v, v, sizeof v);
        }
    }
    params_from(best_v, o->detector, out);
    *err_out = evaluate(o, out);
    out->makeup_db = o->last_offset;
}

/* Real bx_comp on x (first n samples), gains per block into p->g. */
static void real_gains(proxy *p, const float *x, const bx_comp_params *c)
{
    bx_comp comp;
    bx_comp_params cp = *c;
    cp.makeup_db = 0;
    bx_comp_init(&comp, &cp, p->rate_hz);
    double buf[64];
    for (size_t b = 0; b < p->nblk; b++) {
        double num = 0, den = 0;
        for (size_t k0 = 0; k0 < p->blk; k0 += 64) {
            const size_t m = p->blk - k0 < 64 ? p->blk - k0 : 64;
            for (size_t k = 0; k < m; k++)
                buf[k] = x[b * p->blk + k0 + k];
            for (size_t k = 0; k < m; k++)
                den += buf[k] * buf[k];
            bx_comp_process(&comp, buf, m, 1);
            for (size_t k = 0; k < m; k++)
                num += buf[k] * buf[k];
        }
        p->g[b] = den > 0 ? sqrt(num / den) : pow(10.0, -bx_comp_gain_reduction_db(&comp) / 20.0);
    }
}

bx_status bx_compfit_stats(const float *x, size_t n, double rate_hz, const bx_dynsig *target,
                           double min_gain_db, bx_compfit_result *res, bx_error *err)
{
    memset(res, 0, sizeof *res);
    proxy p;
    bx_status st = proxy_init(&p, x, n, rate_hz, err);
    if (st)
        return st;
    objective o = {&p, target, NULL, NULL, 0, 0, BX_DETECTOR_PEAK, 0};
    /* without a compressor */
    for (size_t b = 0; b < p.nblk; b++)
        p.g[b] = 1.0;
    bx_dynsig s;
    signature(&p, &s);
    double off0;
    res->error_off_db = bx_dynsig_distance(&s, target, &off0);

    double e;
    search(&o, &res->params, &e);
    /* the verdict uses the real compressor */
    real_gains(&p, x, &res->params);
    signature(&p, &s);
    double off;
    res->error_db = bx_dynsig_distance(&s, target, &off);
    res->params.makeup_db = off;
    res->use_comp = res->error_db <= res->error_off_db - min_gain_db;
    if (!res->use_comp)
        res->params.makeup_db = off0;
    proxy_free(&p);
    return BX_OK;
}

bx_status bx_compfit_paired(const float *x, const float *y, size_t n, double rate_hz,
                            double min_gain_db, bx_compfit_result *res, bx_error *err)
{
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
    double *meas = bx_malloc(2 * nf * sizeof(double));
    if (!meas) {
        proxy_free(&p);
        proxy_free(&py);
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory fitting the compressor");
    }
    double *wf = meas + nf, mx = 0;
    for (size_t f = 0; f < nf; f++) {
        double ex = 0, ey = 0;
        for (size_t b = f * fb; b < (f + 1) * fb; b++)
            ex += p.ms[b], ey += py.ms[b];
        meas[f] = 10.0 * log10((ey + 1e-30) / (ex + 1e-30));
        wf[f] = ex;
        mx = fmax(mx, ex);
    }
    /* frames within 40 dB of the loudest carry the gain; quieter ones are noise */
    for (size_t f = 0; f < nf; f++)
        wf[f] = wf[f] >= mx * 1e-4 ? 1.0 : 0.0;
    objective o = {&p, NULL, meas, wf, nf, fb, BX_DETECTOR_PEAK, 0};
    bx_comp_params none = {0, 1, 0, 10, 100, 0, BX_DETECTOR_PEAK};
    res->error_off_db = evaluate(&o, &none);
    const double off0 = o.last_offset;
    /* both detectors; keep the better */
    double e, e_rms;
    bx_comp_params rms_params;
    search(&o, &res->params, &e);
    o.detector = BX_DETECTOR_RMS;
    search(&o, &rms_params, &e_rms);
    if (e_rms < e)
        res->params = rms_params;
    real_gains(&p, x, &res->params);
    /* evaluate() would rerun the model: score the real gains directly */
    double sw = 0, sd = 0, sdd = 0;
    for (size_t f = 0; f < nf; f++) {
        if (wf[f] <= 0)
            continue;
        double num = 0, den = 0;
        for (size_t b = f * fb; b < (f + 1) * fb; b++)
            num += p.g[b] * p.g[b] * p.ms[b], den += p.ms[b];
        const double d = meas[f] - 10.0 * log10(num / den);
        sw += 1, sd += d, sdd += d * d;
    }
    res->params.makeup_db = sd / sw;
    res->error_db = sqrt(fmax(sdd / sw - (sd / sw) * (sd / sw), 0.0));
    res->use_comp = res->error_db <= res->error_off_db - min_gain_db;
    if (!res->use_comp)
        res->params.makeup_db = off0;
    bx_free(meas);
    proxy_free(&p);
    proxy_free(&py);
    return BX_OK;
}
