/* eqfit.c — greedy band selection + Levenberg–Marquardt refinement of a
 * parametric EQ against a dB target, on exact biquad responses. */
#include "bx/eqfit.h"

#include "bx/parallel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fastmath.h"
#include "linalg.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define MAX_PARAMS (1 + 3 * BX_MAX_BANDS)
/* Levenberg–Marquardt iterations: a candidate band refined alone, then the
 * best expansions refined jointly (the final fit gets 100); fewer with
 * opts->quick */
#define CAND_ITERS 25
#define JOINT_ITERS 40
#define CAND_ITERS_QUICK 12
#define JOINT_ITERS_QUICK 25

void bx_eqfit_opts_default(bx_eqfit_opts *o, double rate_hz, unsigned max_bands)
{
    o->rate_hz = rate_hz;
    o->max_bands = max_bands;
    o->max_gain_db = 15.0;
    o->min_gain_db = 0.05;
    o->allow_highpass = 1;
    o->allow_lowpass = 1;
    o->gain_penalty = 0.0;
    o->quick = 0;
    o->par = NULL;
    o->thorough = 0;
}

/* Precomputed grid: 4 sin^2(w/2) at every point. */
typedef struct grid {
    size_t n;
    const double *f, *t, *w;
    double wsum;
    double *phi;
    double rate;
} grid;

typedef struct fit {
    const grid *g;
    const bx_eqfit_opts *o;
    unsigned nb;
    bx_band b[BX_MAX_BANDS];
    double offset;
    double *resp;  /* nb * n: response of each band, dB */
    double *model; /* n: offset + sum of responses */
} fit;

static void band_response(const grid *g, const bx_band *b, double *out)
{
    bx_biquad_coefs c;
    if (bx_biquad_design(b->type, b->freq_hz, b->gain_db, b->q, g->rate, &c, NULL) != BX_OK) {
        for (size_t i = 0; i < g->n; i++)
            out[i] = 0.0;
        return;
    }
    /* |b0 + b1 z^-1 + b2 z^-2|^2 on the unit circle in terms of
     * phi = 4 sin^2(w/2), which keeps its precision at low frequencies where
     * cos w is nearly 1 (RBJ, "Audio EQ Cookbook"):
     * (b0 + b1 + b2)^2 - phi (b0 b1 + b1 b2 + 4 b0 b2) + phi^2 b0 b2;
     * likewise the denominator with a0 = 1 */
    const double n0 = (c.b0 + c.b1 + c.b2) * (c.b0 + c.b1 + c.b2);
    const double n1 = c.b0 * c.b1 + c.b1 * c.b2 + 4.0 * c.b0 * c.b2, n2 = c.b0 * c.b2;
    const double d0 = (1.0 + c.a1 + c.a2) * (1.0 + c.a1 + c.a2);
    const double d1 = c.a1 + c.a1 * c.a2 + 4.0 * c.a2, d2 = c.a2;
    for (size_t i = 0; i < g->n; i++) {
        const double ph = g->phi[i], ph2 = ph * ph;
        const double num = n0 - n1 * ph + n2 * ph2;
        const double den = d0 - d1 * ph + d2 * ph2;
        /* 10 log10(num / den) */
        /* both clamped to [1e-30, ...): the ratio is a positive normal number */
        out[i] = 4.342944819032518 *
                 bx_fast_ln_normal((num > 1e-30 ? num : 1e-30) / (den > 1e-30 ? den : 1e-30));
    }
}

double bx_eq_response_db(const bx_band *bands, unsigned n_bands, double rate_hz, double freq_hz)
{
    double db = 0.0;
    for (unsigned k = 0; k < n_bands; k++) {
        bx_biquad_coefs c;
        double m;
        if (bx_biquad_design(bands[k].type, bands[k].freq_hz, bands[k].gain_db, bands[k].q, rate_hz,
                             &c, NULL) == BX_OK) {
            bx_biquad_response(&c, freq_hz, rate_hz, &m, NULL);
            db += m;
        }
    }
    return db;
}

/* Weighted mean square of target - model. */
static double error_of(const grid *g, const double *model)
{
    double e = 0.0;
    for (size_t i = 0; i < g->n; i++) {
        const double d = g->t[i] - model[i];
        e += g->w[i] * d * d;
    }
    return e / g->wsum;
}

/* The ridge term: gain_penalty times the sum of squared band gains. */
static double penalty(const fit *F)
{
    double p = 0.0;
    for (unsigned k = 0; k < F->nb; k++)
        if (bx_biquad_type_has_gain(F->b[k].type))
            p += F->b[k].gain_db * F->b[k].gain_db;
    return F->o->gain_penalty * p;
}

static void rebuild_model(fit *F)
{
    for (size_t i = 0; i < F->g->n; i++) {
        double m = F->offset;
        for (unsigned k = 0; k < F->nb; k++)
            m += F->resp[k * F->g->n + i];
        F->model[i] = m;
    }
}

/* ---- parameter vector: [offset, per band: log2 f, (gain), log2 q] ---- */

static int n_band_params(const bx_band *b)
{
    return bx_biquad_type_has_gain(b->type) ? 3 : 2;
}

void bx_eqfit_band_limits(bx_biquad_type type, double rate_hz, double *flo, double *fhi,
                          double *qlo, double *qhi, double *gmax)
{
    *flo = BX_FREQ_MIN_HZ;
    *fhi = 0.45 * rate_hz;
    *gmax = 15.0;
    /* each type where it makes musical sense: a low shelf or highpass does not
     * belong at 6 kHz (a high shelf there, with a gain offset, says the same thing) */
    switch (type) {
    case BX_BIQUAD_PEAK:
        *qlo = 0.2, *qhi = 10.0;
        break;
    case BX_BIQUAD_LOW_SHELF:
        *qlo = 0.3, *qhi = 1.5;
        *fhi = fmin(*fhi, 2500.0);
        break;
    case BX_BIQUAD_HIGH_SHELF:
        *qlo = 0.3, *qhi = 1.5;
        *flo = 500.0;
        break;
    case BX_BIQUAD_HIGHPASS:
        *qlo = 0.5, *qhi = 2.0;
        *fhi = fmin(*fhi, 600.0);
        break;
    default: /* lowpass */
        *qlo = 0.5, *qhi = 2.0;
        *flo = 1000.0;
        break;
    }
    if (*flo > *fhi)
        *flo = *fhi;
}

/* bx_eqfit_band_limits, and no further than the grid reaches (half an
 * octave below it, 1.5 times above). */
static void limits(const fit *F, const bx_band *b, double *flo, double *fhi, double *qlo,
                   double *qhi)
{
    const grid *g = F->g;
    double gmax;
    bx_eqfit_band_limits(b->type, g->rate, flo, fhi, qlo, qhi, &gmax);
    *flo = fmax(*flo, g->f[0] * 0.5);
    *fhi = fmin(*fhi, g->f[g->n - 1] * 1.5);
    if (*flo > *fhi)
        *flo = *fhi;
}

static void clamp_band(const fit *F, bx_band *b)
{
    double flo, fhi, qlo, qhi;
    limits(F, b, &flo, &fhi, &qlo, &qhi);
    b->freq_hz = fmin(fmax(b->freq_hz, flo), fhi);
    b->q = fmin(fmax(b->q, qlo), qhi);
    const double gmax = F->o->max_gain_db;
    b->gain_db = fmin(fmax(b->gain_db, -gmax), gmax);
}

/* Read/write parameter j of band b. */
static double get_p(const bx_band *b, int j)
{
    if (j == 0)
        return log2(b->freq_hz);
    if (j == 1 && bx_biquad_type_has_gain(b->type))
        return b->gain_db;
    return log2(b->q);
}

static void set_p(bx_band *b, int j, double v)
{
    if (j == 0)
        b->freq_hz = exp2(v);
    else if (j == 1 && bx_biquad_type_has_gain(b->type))
        b->gain_db = v;
    else
        b->q = exp2(v);
}

static double step_p(const bx_band *b, int j)
{
    if (j == 1 && bx_biquad_type_has_gain(b->type))
        return 1e-4;
    return 1e-5;
}


/* Levenberg–Marquardt over the offset and the bands [first, nb). Scratch:
 * jac (MAX_PARAMS * n), tmp (n). Returns the final mean-square error. */
static double refine(fit *F, unsigned first, int iters, double *jac, double *tmp)
{
    const grid *g = F->g;
    const size_t n = g->n;
    int idx_band[MAX_PARAMS], idx_par[MAX_PARAMS];
    int m = 1; /* parameter 0: offset */
    for (unsigned k = first; k < F->nb; k++)
        for (int j = 0; j < n_band_params(&F->b[k]); j++) {
            idx_band[m] = (int)k;
            idx_par[m] = j;
            m++;
        }
    rebuild_model(F);
    double err = error_of(g, F->model) + penalty(F), lambda = 1e-3;
    const double ridge = F->o->gain_penalty * g->wsum;
    double A[MAX_PARAMS * MAX_PARAMS], y[MAX_PARAMS], A0[MAX_PARAMS * MAX_PARAMS];
    bx_band saved[BX_MAX_BANDS];

    for (int it = 0; it < iters; it++) {
        /* Jacobian of the model, column by column */
        for (size_t i = 0; i < n; i++)
            jac[i] = 1.0; /* d model / d offset */
        for (int p = 1; p < m; p++) {
            bx_band b = F->b[idx_band[p]];
            const double h = step_p(&b, idx_par[p]);
            set_p(&b, idx_par[p], get_p(&b, idx_par[p]) + h);
            band_response(g, &b, tmp);
            const double *r0 = &F->resp[(size_t)idx_band[p] * n];
            for (size_t i = 0; i < n; i++)
                jac[(size_t)p * n + i] = (tmp[i] - r0[i]) / h;
        }
        /* normal equations, weighted */
        for (int a = 0; a < m; a++) {
            double s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += g->w[i] * jac[(size_t)a * n + i] * (g->t[i] - F->model[i]);
            y[a] = s;
            for (int b2 = a; b2 < m; b2++) {
                double t = 0.0;
                for (size_t i = 0; i < n; i++)
                    t += g->w[i] * jac[(size_t)a * n + i] * jac[(size_t)b2 * n + i];
                A0[a * m + b2] = A0[b2 * m + a] = t;
            }
        }
        for (int p = 1; p < m && ridge > 0; p++) {
            const bx_band *b = &F->b[idx_band[p]];
            if (idx_par[p] == 1 && bx_biquad_type_has_gain(b->type)) {
                A0[p * m + p] += ridge;
                y[p] -= ridge * b->gain_db;
            }
        }
        double ysave[MAX_PARAMS];
        memcpy(ysave, y, sizeof(double) * (size_t)m);
        int improved = 0;
        while (lambda < 1e10) {
            memcpy(A, A0, sizeof(double) * (size_t)(m * m));
            memcpy(y, ysave, sizeof(double) * (size_t)m);
            for (int a = 0; a < m; a++)
                A[a * m + a] += lambda * A0[a * m + a] + 1e-12;
            if (bx_linalg_solve(A, y, m) != 0) {
                lambda *= 10.0;
                continue;
            }
            memcpy(saved, F->b, sizeof saved);
            const double off_saved = F->offset;
            F->offset += y[0];
            for (int p = 1; p < m; p++) {
                bx_band *b = &F->b[idx_band[p]];
                set_p(b, idx_par[p], get_p(b, idx_par[p]) + y[p]);
            }
            for (unsigned k = first; k < F->nb; k++) {
                clamp_band(F, &F->b[k]);
                band_response(g, &F->b[k], &F->resp[(size_t)k * n]);
            }
            rebuild_model(F);
            const double e2 = error_of(g, F->model) + penalty(F);
            if (e2 < err) {
                improved = err - e2 > 1e-7 * err + 1e-14;
                err = e2;
                lambda = fmax(lambda / 3.0, 1e-9);
                break;
            }
            memcpy(F->b, saved, sizeof saved);
            F->offset = off_saved;
            for (unsigned k = first; k < F->nb; k++)
                band_response(g, &F->b[k], &F->resp[(size_t)k * n]);
            rebuild_model(F);
            lambda *= 4.0;
        }
        if (!improved)
            break;
    }
    return err;
}

/* Candidate bands for the next greedy step, from the residual. */
static unsigned candidates(const fit *F, bx_band *out, unsigned cap)
{
    const grid *g = F->g;
    const size_t n = g->n;
    unsigned nc = 0;
    int has_type[BX_BIQUAD_TYPE_COUNT] = {0};
    for (unsigned k = 0; k < F->nb; k++)
        has_type[F->b[k].type] = 1;

    /* peaks at the three largest weighted residual extrema, half an octave apart */
    double used[3];
    int nused = 0;
    for (int pass = 0; pass < 3 && nc < cap; pass++) {
        size_t best = n;
        double bv = 0.0;
        for (size_t i = 0; i < n; i++) {
            const double r = (g->t[i] - F->model[i]) * (g->w[i] > 0 ? 1.0 : 0.0);
            int near = 0;
            for (int u = 0; u < nused; u++)
                near |= fabs(log2(g->f[i] / used[u])) < 0.5;
            if (!near && fabs(r) > bv) {
                bv = fabs(r);
                best = i;
            }
        }
        if (best == n)
            break;
        const double r0 = g->t[best] - F->model[best];
        /* width at half the dB excursion */
        size_t lo = best, hi = best;
        while (lo > 0 && (g->t[lo] - F->model[lo]) * r0 > 0.5 * r0 * r0)
            lo--;
        while (hi + 1 < n && (g->t[hi] - F->model[hi]) * r0 > 0.5 * r0 * r0)
            hi++;
        double bw = log2(g->f[hi] / g->f[lo]);
        if (bw < 0.1)
            bw = 0.1;
        const double p2 = exp2(bw);
        used[nused++] = g->f[best];
        out[nc++] = (bx_band){BX_BIQUAD_PEAK, g->f[best], r0, sqrt(p2) / (p2 - 1.0)};
    }

    /* shelves and pass filters at a few corner frequencies; gain from the
     * mean residual beyond the corner */
    static const double low_corners[] = {60, 120, 250}, high_corners[] = {2500, 5000, 9000};
    for (int s = 0; s < 3; s++) {
        double acc[2] = {0, 0}, wsum[2] = {0, 0};
        for (size_t i = 0; i < n; i++) {
            const double r = g->t[i] - F->model[i];
            if (g->f[i] < low_corners[s])
                acc[0] += g->w[i] * r, wsum[0] += g->w[i];
            if (g->f[i] > high_corners[s])
                acc[1] += g->w[i] * r, wsum[1] += g->w[i];
        }
        if (!has_type[BX_BIQUAD_LOW_SHELF] && wsum[0] > 0 && nc < cap)
            out[nc++] = (bx_band){BX_BIQUAD_LOW_SHELF, low_corners[s], acc[0] / wsum[0], 0.7071};
        if (!has_type[BX_BIQUAD_HIGH_SHELF] && wsum[1] > 0 && high_corners[s] < 0.45 * g->rate &&
            nc < cap)
            out[nc++] = (bx_band){BX_BIQUAD_HIGH_SHELF, high_corners[s], acc[1] / wsum[1], 0.7071};
    }
    static const double hp[] = {25, 45, 80, 140}, lp[] = {3500, 7000, 12000, 16000};
    for (int s = 0; s < 4; s++) {
        if (F->o->allow_highpass && !has_type[BX_BIQUAD_HIGHPASS] && nc < cap)
            out[nc++] = (bx_band){BX_BIQUAD_HIGHPASS, hp[s], 0.0, 0.7071};
        if (F->o->allow_lowpass && !has_type[BX_BIQUAD_LOWPASS] && lp[s] < 0.45 * g->rate &&
            nc < cap)
            out[nc++] = (bx_band){BX_BIQUAD_LOWPASS, lp[s], 0.0, 0.7071};
    }
    return nc;
}

/* Copy bands, offset and the response/model arrays of src into dst's own arrays. */
static void fit_copy(fit *dst, const fit *src)
{
    const size_t n = src->g->n;
    dst->nb = src->nb;
    memcpy(dst->b, src->b, sizeof dst->b);
    dst->offset = src->offset;
    memcpy(dst->resp, src->resp, (size_t)src->nb * n * sizeof(double));
    memcpy(dst->model, src->model, n * sizeof(double));
}

static int band_order(const void *a, const void *b)
{
    static const int rank[BX_BIQUAD_TYPE_COUNT] = {2, 1, 3, 0, 4}; /* hp, ls, peaks, hs, lp */
    const bx_band *x = a, *y = b;
    if (rank[x->type] != rank[y->type])
        return rank[x->type] - rank[y->type];
    return (x->freq_hz > y->freq_hz) - (x->freq_hz < y->freq_hz);
}

/* Checks the arguments and sets up the grid g over scratch of
 * (6 + MAX_PARAMS) * n doubles (weights, temp, the 4 sin^2(w/2) table, spare,
 * Jacobian). */
static bx_status grid_init(grid *g, const double *freq_hz, const double *target_db,
                           const double *weight, size_t n, const bx_eqfit_opts *o, double *mem,
                           bx_error *err)
{
    *g = (grid){n, freq_hz, target_db, NULL, 0.0, NULL, o->rate_hz};
    double *w = mem;
    g->phi = mem + 2 * n;
    for (size_t i = 0; i < n; i++) {
        w[i] = weight ? weight[i] : 1.0;
        g->wsum += w[i];
        const double om = 2.0 * M_PI * freq_hz[i] / o->rate_hz;
        const double sh = sin(0.5 * om);
        g->phi[i] = 4.0 * sh * sh;
    }
    if (!(g->wsum > 0))
        return bx_error_set(err, BX_ERR_ARG, "EQ fit: all weights are zero");
    g->w = w;
    return BX_OK;
}

static bx_status check_args(const double *freq_hz, const double *target_db, const double *weight,
                            size_t n, const bx_eqfit_opts *o, bx_error *err)
{
    if (n < 4 || !o || o->max_bands < 1 || o->max_bands > BX_MAX_BANDS || !(o->rate_hz > 0))
        return bx_error_set(err, BX_ERR_ARG, "EQ fit: invalid arguments");
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(freq_hz[i]) || !isfinite(target_db[i]) || freq_hz[i] <= 0 ||
            freq_hz[i] >= 0.5 * o->rate_hz || (i && freq_hz[i] <= freq_hz[i - 1]) ||
            (weight && !(weight[i] >= 0)))
            return bx_error_set(err, BX_ERR_ARG, "EQ fit: invalid target point %zu (%g Hz, %g dB)",
                                i, freq_hz[i], target_db[i]);
    }
    return BX_OK;
}

/* The final joint polish of F, and the result. */
static void finish(fit *F, double *jac, double *tmp, bx_eqfit_result *res)
{
    refine(F, 0, 100, jac, tmp);
    res->n_bands = F->nb;
    memcpy(res->bands, F->b, sizeof(bx_band) * F->nb);
    qsort(res->bands, res->n_bands, sizeof(bx_band), band_order);
    res->offset_db = F->offset;
    res->rms_error_db = sqrt(error_of(F->g, F->model)); /* the fit itself, without the ridge term */
}

/* Scratch of one worker: Jacobian, a temporary response, a trial fit. */
typedef struct eq_worker {
    double *jac, *tmp;
    fit trial;
} eq_worker;

/* One expansion of the beam: a survivor plus a candidate band, the band
 * refined alone. In: parent, band. Out: band, offset, err. */
typedef struct eq_cand {
    const fit *parent;
    bx_band band;
    double offset, err;
} eq_cand;

typedef struct eq_search {
    const bx_eqfit_opts *o;
    eq_worker *wk;
    eq_cand *cand; /* screening: one per expansion */
    fit *joint;    /* joint refinement: the expansions kept */
    double *joint_err;
} eq_search;

static void screen_task(void *arg, unsigned worker, size_t i)
{
    eq_search *S = arg;
    eq_worker *W = &S->wk[worker];
    eq_cand *c = &S->cand[i];
    fit *t = &W->trial;
    const size_t n = t->g->n;
    fit_copy(t, c->parent);
    t->b[t->nb] = c->band;
    clamp_band(t, &t->b[t->nb]);
    band_response(t->g, &t->b[t->nb], &t->resp[(size_t)t->nb * n]);
    t->nb++;
    c->err = refine(t, t->nb - 1, S->o->quick ? CAND_ITERS_QUICK : CAND_ITERS, W->jac, W->tmp);
    c->band = t->b[t->nb - 1];
    c->offset = t->offset;
}

static void joint_task(void *arg, unsigned worker, size_t k)
{
    eq_search *S = arg;
    S->joint_err[k] = refine(&S->joint[k], 0, S->o->quick ? JOINT_ITERS_QUICK : JOINT_ITERS,
                             S->wk[worker].jac, S->wk[worker].tmp);
}

/* dst = the state screen_task left its trial in for c: the parent, the
 * refined band and offset (responses and model recomputed the same way). */
static void expansion_of(fit *dst, const eq_cand *c)
{
    const size_t n = c->parent->g->n;
    fit_copy(dst, c->parent);
    dst->b[dst->nb] = c->band;
    band_response(dst->g, &dst->b[dst->nb], &dst->resp[(size_t)dst->nb * n]);
    dst->nb++;
    dst->offset = c->offset;
    rebuild_model(dst);
}

/* F without its band i (responses kept in step). */
static void drop_band(fit *F, unsigned i)
{
    const size_t n = F->g->n;
    for (unsigned k = i; k + 1 < F->nb; k++) {
        F->b[k] = F->b[k + 1];
        memcpy(&F->resp[(size_t)k * n], &F->resp[(size_t)(k + 1) * n], n * sizeof(double));
    }
    F->nb--;
    rebuild_model(F);
}

/* Swap search. The beam adds one band at a time and can settle on a set in
 * which one early band blocks the rest: a broad bell with the offset standing
 * in for two shelves, say. For every band of F: F without it (refined
 * jointly), every candidate for the gap (screened alone), the SWAP_TRY best
 * of all those refined jointly; the best swap is taken if it lowers the
 * error, and the search goes again, at most SWAP_ROUNDS times. Scratch:
 * minus (BX_MAX_BANDS fits), tries (SWAP_TRY fits), cand (BX_MAX_BANDS *
 * NCAND). Ranked in index order like the beam, so it does not depend on
 * the workers either. */
enum { SWAP_TRY = 4, SWAP_ROUNDS = 3, NCAND = 64 };

static void swap_search(fit *F, double *err_F, eq_search *S, fit *minus, double *minus_err,
                        fit *tries, double *try_err, eq_cand *ec, bx_band *cand)
{
    const bx_eqfit_opts *o = S->o;
    for (int round_ = 0; round_ < SWAP_ROUNDS && F->nb >= 2; round_++) {
        const unsigned k = F->nb;
        for (unsigned i = 0; i < k; i++) {
            fit_copy(&minus[i], F);
            drop_band(&minus[i], i);
        }
        S->joint = minus;
        S->joint_err = minus_err;
        bx_parallel_for(o->par, joint_task, S, k);
        size_t ntask = 0;
        for (unsigned i = 0; i < k; i++) {
            const unsigned nc = candidates(&minus[i], cand, NCAND);
            for (unsigned c = 0; c < nc; c++)
                ec[ntask++] = (eq_cand){&minus[i], cand[c], 0.0, 0.0};
        }
        S->cand = ec;
        bx_parallel_for(o->par, screen_task, S, ntask);
        /* the SWAP_TRY best screened swaps (first in index order on ties) */
        size_t pick[SWAP_TRY];
        int np = 0;
        for (size_t t = 0; t < ntask; t++) {
            int pos = np;
            while (pos > 0 && ec[pick[pos - 1]].err > ec[t].err)
                pos--;
            if (pos >= SWAP_TRY)
                continue;
            for (int j = (np < SWAP_TRY ? np : SWAP_TRY - 1); j > pos; j--)
                pick[j] = pick[j - 1];
            pick[pos] = t;
            if (np < SWAP_TRY)
                np++;
        }
        for (int j = 0; j < np; j++)
            expansion_of(&tries[j], &ec[pick[j]]);
        S->joint = tries;
        S->joint_err = try_err;
        bx_parallel_for(o->par, joint_task, S, (size_t)np);
        int best = -1;
        for (int j = 0; j < np; j++)
            if (try_err[j] < *err_F * (1.0 - 1e-3) && (best < 0 || try_err[j] < try_err[best]))
                best = j;
        if (best < 0)
            break;
        fit_copy(F, &tries[best]);
        *err_F = try_err[best];
    }
}

enum { BEAM = 3, EXPAND = 2 * BEAM };

/* Make room for a fit of error e among the *count (at most cap) of pool,
 * kept in ascending error, ties after the earlier: returns the slot (its
 * error already set; the caller fills the fit) or NULL if e does not make
 * it. The fits' memory moves with them; the one pushed out is reused. */
static fit *ranked_slot(fit *pool, double *errs, int *count, int cap, double e)
{
    int pos = *count < cap ? *count : cap;
    while (pos > 0 && errs[pos - 1] > e)
        pos--;
    if (pos >= cap)
        return NULL;
    const int last = *count < cap ? *count : cap - 1;
    const fit spare = pool[last];
    for (int k = last; k > pos; k--) {
        pool[k] = pool[k - 1];
        errs[k] = errs[k - 1];
    }
    pool[pos] = spare;
    errs[pos] = e;
    if (*count < cap)
        (*count)++;
    return &pool[pos];
}

/* The beam search's fits: survivors, their successors, expansions. */
typedef struct eq_beam {
    fit beam[BEAM], next[BEAM], exp_[EXPAND];
} eq_beam;

/* Beam search from `start` (its bands, refined): BEAM partial fits survive
 * each step; every survivor tries every candidate (new band refined alone),
 * the best EXPAND expansions are refined jointly, and the best BEAM of those
 * go on, until max_bands or until a band does not pay for itself. Returns
 * the best fit (one of B's) and its error in *err_out. The screening and
 * the joint refinements run through o->par; their results are ranked in a
 * fixed order, so the fit does not depend on the workers. */
static fit *beam_search(eq_search *S, eq_beam *B, const fit *start, double start_err, bx_band *cand,
                        double *err_out)
{
    const bx_eqfit_opts *o = S->o;
    fit *beam = B->beam, *nextbeam = B->next, *exp_ = B->exp_;
    double beam_err[BEAM], next_err[BEAM], exp_err[EXPAND];
    fit_copy(&beam[0], start);
    beam_err[0] = start_err;
    int nbeam = 1;
    fit *best = &beam[0];
    double best_err = beam_err[0];
    for (unsigned step = start->nb; step < o->max_bands; step++) {
        /* expansions: (survivor, candidate) scored with the new band refined alone */
        size_t ntask = 0;
        for (int bi = 0; bi < nbeam; bi++) {
            const unsigned nc = candidates(&beam[bi], cand, NCAND);
            for (unsigned c = 0; c < nc; c++)
                S->cand[ntask++] = (eq_cand){&beam[bi], cand[c], 0.0, 0.0};
        }
        bx_parallel_for(o->par, screen_task, S, ntask);
        /* keep the EXPAND best in exp_[] (insertion by error, in task order) */
        int nexp = 0;
        for (size_t i = 0; i < ntask; i++) {
            fit *slot = ranked_slot(exp_, exp_err, &nexp, EXPAND, S->cand[i].err);
            if (slot)
                expansion_of(slot, &S->cand[i]);
        }
        if (nexp == 0)
            break;
        /* joint refinement of the expansions; the best BEAM survive */
        S->joint = exp_;
        S->joint_err = exp_err;
        bx_parallel_for(o->par, joint_task, S, (size_t)nexp);
        int nnext = 0;
        for (int k = 0; k < nexp; k++) {
            fit *slot = ranked_slot(nextbeam, next_err, &nnext, BEAM, exp_err[k]);
            if (slot)
                fit_copy(slot, &exp_[k]);
        }
        if (sqrt(best_err) - sqrt(next_err[0]) < o->min_gain_db)
            break; /* one more band does not pay for itself */
        fit *t = beam;
        beam = nextbeam;
        nextbeam = t;
        memcpy(beam_err, next_err, sizeof beam_err);
        nbeam = nnext;
        best = &beam[0];
        best_err = beam_err[0];
    }
    *err_out = best_err;
    return best;
}

/* The tone-control start: a low and a high shelf on F (offset only),
 * their gains from the mean residual beyond 120 Hz and 5 kHz, refined
 * jointly. 0 if the grid has nothing beyond those corners. */
static int tone_control_start(fit *F, double *jac, double *tmp, double *err_out)
{
    const grid *g = F->g;
    double acc[2] = {0, 0}, wsum[2] = {0, 0};
    for (size_t i = 0; i < g->n; i++) {
        const double r = g->t[i] - F->model[i];
        if (g->f[i] < 120.0)
            acc[0] += g->w[i] * r, wsum[0] += g->w[i];
        if (g->f[i] > 5000.0)
            acc[1] += g->w[i] * r, wsum[1] += g->w[i];
    }
    if (!(wsum[0] > 0 && wsum[1] > 0) || 5000.0 >= 0.45 * g->rate)
        return 0;
    const bx_band seed[2] = {{BX_BIQUAD_LOW_SHELF, 120.0, acc[0] / wsum[0], 0.7071},
                             {BX_BIQUAD_HIGH_SHELF, 5000.0, acc[1] / wsum[1], 0.7071}};
    for (int k = 0; k < 2; k++) {
        F->b[k] = seed[k];
        clamp_band(F, &F->b[k]);
        band_response(g, &F->b[k], &F->resp[(size_t)k * g->n]);
    }
    F->nb = 2;
    *err_out = refine(F, 0, F->o->quick ? JOINT_ITERS_QUICK : JOINT_ITERS, jac, tmp);
    return 1;
}

bx_status bx_eqfit(const double *freq_hz, const double *target_db, const double *weight, size_t n,
                   const bx_eqfit_opts *o, bx_eqfit_result *res, bx_error *err)
{
    memset(res, 0, sizeof *res);
    bx_status st = check_args(freq_hz, target_db, weight, n, o, err);
    if (st)
        return st;
    /* Sets of responses + model: the beam's, the start, the best so far, the
     * swap search's; then each worker's Jacobian, temporary and trial. */
    enum { NBEAM = 2 * BEAM + EXPAND, NSWAP = BX_MAX_BANDS + SWAP_TRY };
    const unsigned nw = bx_parallel_workers(o->par);
    const size_t set = (size_t)(BX_MAX_BANDS + 1) * n;
    const size_t per_worker = (size_t)(MAX_PARAMS + 1) * n + set;
    const size_t nsets = NBEAM + 2 + NSWAP;
    double *mem =
        bx_calloc((size_t)(6 + MAX_PARAMS) * n + nsets * set + nw * per_worker, sizeof(double));
    bx_band *cand = bx_malloc(NCAND * sizeof(bx_band));
    eq_cand *ec = bx_malloc(BX_MAX_BANDS * NCAND * sizeof(eq_cand));
    eq_worker *wk = bx_malloc(nw * sizeof(eq_worker));
    eq_beam *B = bx_malloc(sizeof *B);
    fit *fits = bx_malloc(nsets * sizeof(fit));
    grid g;
    if (!mem || !cand || !ec || !wk || !B || !fits) {
        st = bx_error_set(err, BX_ERR_NOMEM, "EQ fit: out of memory");
        goto out;
    }
    if ((st = grid_init(&g, freq_hz, target_db, weight, n, o, mem, err)) != BX_OK)
        goto out;
    double *tmp = mem + n, *jac = mem + 6 * n;
    double *sets = jac + (size_t)MAX_PARAMS * n;
    for (size_t k = 0; k < nsets; k++)
        fits[k] =
            (fit){&g, o, 0, {{0}}, 0.0, sets + k * set, sets + k * set + (size_t)BX_MAX_BANDS * n};
    for (int k = 0; k < BEAM; k++) {
        B->beam[k] = fits[k];
        B->next[k] = fits[BEAM + k];
    }
    for (int k = 0; k < EXPAND; k++)
        B->exp_[k] = fits[2 * BEAM + k];
    fit *start = &fits[NBEAM], *keep = &fits[NBEAM + 1], *swap_fits = &fits[NBEAM + 2];
    double *wmem = sets + nsets * set;
    for (unsigned k = 0; k < nw; k++) {
        double *base = wmem + k * per_worker;
        wk[k].jac = base;
        wk[k].tmp = base + (size_t)MAX_PARAMS * n;
        double *ts = wk[k].tmp + n;
        wk[k].trial = (fit){&g, o, 0, {{0}}, 0.0, ts, ts + (size_t)BX_MAX_BANDS * n};
    }
    eq_search S = {o, wk, ec, NULL, NULL};

    /* from nothing (the offset only) */
    const double e0 = refine(start, 0, 5, jac, tmp);
    double e_best;
    fit *best = beam_search(&S, B, start, e0, cand, &e_best);
    if (!o->thorough) {
        finish(best, jac, tmp, res);
        goto out;
    }
    fit_copy(keep, best);
    e_best = refine(keep, 0, 100, jac, tmp);
    /* and from a low and a high shelf: the greedy start can settle on one
     * broad band where two shelves belong */
    double e_tc;
    start->nb = 0;
    rebuild_model(start);
    if (o->max_bands >= 2 && tone_control_start(start, jac, tmp, &e_tc)) {
        fit *alt = beam_search(&S, B, start, e_tc, cand, &e_tc);
        e_tc = refine(alt, 0, 100, jac, tmp);
        if (e_tc < e_best) {
            fit_copy(keep, alt);
            e_best = e_tc;
        }
    }
    double minus_err[BX_MAX_BANDS], try_err[SWAP_TRY];
    swap_search(keep, &e_best, &S, swap_fits, minus_err, swap_fits + BX_MAX_BANDS, try_err, ec,
                cand);
    finish(keep, jac, tmp, res);
out:
    bx_free(mem);
    bx_free(cand);
    bx_free(ec);
    bx_free(wk);
    bx_free(B);
    bx_free(fits);
    return st;
}

bx_status bx_eqfit_polish(const double *freq_hz, const double *target_db, const double *weight,
                          size_t n, const bx_eqfit_opts *o, const bx_band *start, unsigned n_start,
                          bx_eqfit_result *res, bx_error *err)
{
    memset(res, 0, sizeof *res);
    bx_status st = check_args(freq_hz, target_db, weight, n, o, err);
    if (st)
        return st;
    if (n_start > BX_MAX_BANDS || (n_start && !start))
        return bx_error_set(err, BX_ERR_ARG, "EQ fit: invalid start bands");
    const size_t set = (size_t)(BX_MAX_BANDS + 1) * n;
    double *mem = bx_calloc((size_t)(6 + MAX_PARAMS) * n + set, sizeof(double));
    grid g;
    if (!mem)
        return bx_error_set(err, BX_ERR_NOMEM, "EQ fit: out of memory");
    if ((st = grid_init(&g, freq_hz, target_db, weight, n, o, mem, err)) == BX_OK) {
        double *tmp = mem + n, *jac = mem + 6 * n, *sets = jac + (size_t)MAX_PARAMS * n;
        fit F = {&g, o, n_start, {{0}}, 0.0, sets, sets + (size_t)BX_MAX_BANDS * n};
        for (unsigned k = 0; k < n_start; k++) {
            F.b[k] = start[k];
            clamp_band(&F, &F.b[k]);
            band_response(&g, &F.b[k], &F.resp[(size_t)k * n]);
        }
        finish(&F, jac, tmp, res);
    }
    bx_free(mem);
    return st;
}
