/* eqfit.c — greedy band selection + Levenberg–Marquardt refinement of a
 * parametric EQ against a dB target, on exact biquad responses. */
#include "bx/eqfit.h"

#include "bx/parallel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eqfit_domain.h"
#include "fastmath.h"
#include "linalg.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define MAX_PARAMS (1 + 3 * BX_MAX_BANDS)
#define HESS_SCRATCH (2 * MAX_PARAMS * MAX_PARAMS)
/* The ranking key of a fit that is not sane: its error plus FAULT_KEY, so it
 * ranks after every sane one. */
#define FAULT_KEY 1e9

static double true_err(double key)
{
    return key >= FAULT_KEY ? key - FAULT_KEY : key;
}
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
    o->min_gain_db = 0.0;
    o->allow_highpass = 1;
    o->allow_lowpass = 1;
    o->gain_penalty = 0.0;
    o->quick = 0;
    o->par = NULL;
    o->thorough = 0;
    o->shelf_start = 0;
    o->noise_db = 0.5;
    o->resolution_oct = 1.0 / 24.0;
    o->prior_gain_db = 6.0;
    o->prior_q_oct = 1.25;
}

/* Precomputed grid: 4 sin^2(w/2) at every point. */
typedef struct grid {
    size_t n;
    const double *f, *t, *w;
    double wsum;
    double *phi;
    double rate;
    double n_eff;    /* independent points */
    double s2n;      /* one unit of chi^2 in weighted mean-square dB; 0: no priors */
    double s2n_post; /* the same for the posterior, which needs one (0.5 dB if noise_db is 0) */
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

/* The Gaussian prior on parameter j of band b (see get_p), in units of the
 * weighted mean square for one unit of chi^2 s2n: precision *prec around
 * *centre (0: flat prior). */
static void prior_of(const fit *F, const bx_band *b, int j, double s2n, double *prec,
                     double *centre)
{
    *prec = *centre = 0.0;
    if (j == 1 && bx_biquad_type_has_gain(b->type)) {
        *prec = F->o->gain_penalty + s2n / (F->o->prior_gain_db * F->o->prior_gain_db);
    } else if (j > 0) {
        const int peak = b->type == BX_BIQUAD_PEAK;
        const double sd = peak ? F->o->prior_q_oct : 0.5;
        *prec = s2n / (sd * sd);
        *centre = peak ? 0.0 : -0.5; /* log2 Q: Q 1, Q 0.707 */
    }
}

static int n_band_params(const bx_band *b);
static double get_p(const bx_band *b, int j);

/* The priors' cost: sum of precision * (parameter - centre)^2. */
static double penalty(const fit *F)
{
    double p = 0.0;
    for (unsigned k = 0; k < F->nb; k++)
        for (int j = 1; j < n_band_params(&F->b[k]); j++) {
            double prec, c;
            prior_of(F, &F->b[k], j, F->g->s2n, &prec, &c);
            const double d = get_p(&F->b[k], j) - c;
            p += prec * d * d;
        }
    return p;
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

static void clamp_band(const fit *F, bx_band *b)
{
    const grid *g = F->g;
    bx_eqfit_clamp_within(b, g->rate, g->f[0], g->f[g->n - 1], F->o->max_gain_db);
}

static unsigned fit_faults(const fit *F)
{
    const grid *g = F->g;
    return bx_eqfit_faults_within(F->b, F->nb, g->rate, g->f[0], g->f[g->n - 1], F->o->max_gain_db,
                                  NULL, 0, NULL);
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

/* The parameters of the offset (index 0) and the bands [first, nb): their
 * band and get_p index. Returns how many. */
static int param_layout(const fit *F, unsigned first, int *idx_band, int *idx_par)
{
    int m = 1;
    idx_band[0] = idx_par[0] = -1;
    for (unsigned k = first; k < F->nb; k++)
        for (int j = 0; j < n_band_params(&F->b[k]); j++) {
            idx_band[m] = (int)k;
            idx_par[m] = j;
            m++;
        }
    return m;
}

/* Jacobian of the model (m columns of n, by forward differences); tmp: n. */
static void jacobian(const fit *F, int m, const int *idx_band, const int *idx_par, double *jac,
                     double *tmp)
{
    const grid *g = F->g;
    const size_t n = g->n;
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
}

/* Levenberg–Marquardt over the offset and the bands [first, nb). Scratch:
 * jac (MAX_PARAMS * n), tmp (n). Returns the final objective: mean-square
 * error plus the priors' cost. */
static double refine(fit *F, unsigned first, int iters, double *jac, double *tmp)
{
    const grid *g = F->g;
    const size_t n = g->n;
    int idx_band[MAX_PARAMS], idx_par[MAX_PARAMS];
    const int m = param_layout(F, first, idx_band, idx_par);
    rebuild_model(F);
    double err = error_of(g, F->model) + penalty(F), lambda = 1e-3;
    double A[MAX_PARAMS * MAX_PARAMS], y[MAX_PARAMS], step[MAX_PARAMS], A0[MAX_PARAMS * MAX_PARAMS];
    bx_band saved[BX_MAX_BANDS];

    for (int it = 0; it < iters; it++) {
        jacobian(F, m, idx_band, idx_par, jac, tmp);
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
        for (int p = 1; p < m; p++) { /* the priors */
            const bx_band *b = &F->b[idx_band[p]];
            double prec, c;
            prior_of(F, b, idx_par[p], g->s2n, &prec, &c);
            A0[p * m + p] += prec * g->wsum;
            y[p] -= prec * g->wsum * (get_p(b, idx_par[p]) - c);
        }
        /* the bands' responses, to put back after a step that fails (the
         * Jacobian is not needed again this iteration: its memory holds them) */
        double *resp_saved = jac;
        memcpy(resp_saved, &F->resp[(size_t)first * n], (F->nb - first) * n * sizeof(double));
        int improved = 0;
        while (lambda < 1e10) {
            if (bx_linalg_lm_step(A0, y, lambda, m, A, step) != 0) {
                lambda *= 10.0;
                continue;
            }
            memcpy(saved, F->b, sizeof saved);
            const double off_saved = F->offset;
            F->offset += step[0];
            for (int p = 1; p < m; p++) {
                bx_band *b = &F->b[idx_band[p]];
                set_p(b, idx_par[p], get_p(b, idx_par[p]) + step[p]);
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
            memcpy(&F->resp[(size_t)first * n], resp_saved, (F->nb - first) * n * sizeof(double));
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

    /* peaks at the three largest weighted residual extrema, half an octave
     * apart, in the audible domain and not beside a peak already there */
    double used[3];
    int nused = 0;
    const double f_hi = fmin(BX_EQFIT_HI_HZ, 0.45 * g->rate);
    for (int pass = 0; pass < 3 && nc < cap; pass++) {
        size_t best = n;
        double bv = 0.0;
        for (size_t i = 0; i < n; i++) {
            const double r = (g->t[i] - F->model[i]) * (g->w[i] > 0 ? 1.0 : 0.0);
            int near = g->f[i] < BX_EQFIT_LO_HZ || g->f[i] > f_hi;
            for (int u = 0; u < nused; u++)
                near |= fabs(log2(g->f[i] / used[u])) < 0.5;
            for (unsigned k = 0; k < F->nb; k++)
                near |= F->b[k].type == BX_BIQUAD_PEAK &&
                        fabs(log2(g->f[i] / F->b[k].freq_hz)) < BX_EQFIT_PEAK_SPACING_OCT;
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
    *g = (grid){n, freq_hz, target_db, NULL, 0.0, NULL, o->rate_hz, 0.0, 0.0, 0.0};
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
    /* Independent points: those with weight, thinned by how many grid steps
     * one independent value spans. The weights are precisions relative to
     * noise_db, so chi^2 = sum w r^2 / noise^2 * thin = E * wsum * thin / noise^2
     * for E the weighted mean square. */
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        used += w[i] > 0;
    const double step = log2(freq_hz[n - 1] / freq_hz[0]) / (double)(n - 1);
    const double thin = step / (o->resolution_oct > step ? o->resolution_oct : step);
    g->n_eff = fmax(4.0, (double)used * thin);
    g->s2n = o->noise_db > 0 ? o->noise_db * o->noise_db / (g->wsum * thin) : 0.0;
    g->s2n_post = (o->noise_db > 0 ? o->noise_db * o->noise_db : 0.25) / (g->wsum * thin);
    return BX_OK;
}

static bx_status check_args(const double *freq_hz, const double *target_db, const double *weight,
                            size_t n, const bx_eqfit_opts *o, bx_error *err)
{
    if (n < 4 || !o || o->max_bands < 1 || o->max_bands > BX_MAX_BANDS || !(o->rate_hz > 0) ||
        !(o->noise_db >= 0) || !(o->resolution_oct >= 0) || !(o->prior_gain_db > 0) ||
        !(o->prior_q_oct > 0) || !(o->gain_penalty >= 0))
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

/* Posterior uncertainty of F's bands (Laplace approximation): the inverse of
 * the Gauss–Newton Hessian of chi^2 / 2, compared with each prior's variance
 * (a uniform prior over the domain for the frequency). Scratch: jac, tmp,
 * hs (HESS_SCRATCH doubles). */
static void posterior(const fit *F, double *jac, double *tmp, double *hs, bx_eqfit_band_conf *conf)
{
    const grid *g = F->g;
    const size_t n = g->n;
    int idx_band[MAX_PARAMS], idx_par[MAX_PARAMS];
    const int m = param_layout(F, 0, idx_band, idx_par);
    /* chi^2 units (see grid_init), with 0.5 dB where noise_db is 0 */
    const double s2n = g->s2n_post;
    double *H = hs, *A = hs + MAX_PARAMS * MAX_PARAMS, x[MAX_PARAMS], var[MAX_PARAMS];
    jacobian(F, m, idx_band, idx_par, jac, tmp);
    for (int a = 0; a < m; a++)
        for (int b = a; b < m; b++) {
            double t = 0.0;
            for (size_t i = 0; i < n; i++)
                t += g->w[i] * jac[(size_t)a * n + i] * jac[(size_t)b * n + i];
            H[a * m + b] = H[b * m + a] = t / g->wsum / s2n;
        }
    for (int p = 1; p < m; p++) {
        double prec, c;
        prior_of(F, &F->b[idx_band[p]], idx_par[p], s2n, &prec, &c);
        H[p * m + p] += prec / s2n + 1e-12;
    }
    for (int p = 0; p < m; p++) {
        memcpy(A, H, sizeof(double) * (size_t)(m * m));
        for (int a = 0; a < m; a++)
            x[a] = a == p;
        var[p] = bx_linalg_solve(A, x, m) == 0 && x[p] > 0 ? x[p] : HUGE_VAL;
    }
    for (int p = 1; p < m; p++) {
        const bx_band *b = &F->b[idx_band[p]];
        bx_eqfit_band_conf *c = &conf[idx_band[p]];
        double prec, centre, flo, fhi, qlo, qhi, gmax, prior_var;
        prior_of(F, b, idx_par[p], s2n, &prec, &centre);
        bx_eqfit_domain(b, g->rate, 0.0, HUGE_VAL, &flo, &fhi, &qlo, &qhi, &gmax);
        if (idx_par[p] == 0) {
            const double w = log2(fhi / flo);
            prior_var = w * w / 12.0;
        } else {
            prior_var = prec > 0 ? s2n / prec : HUGE_VAL;
        }
        const double v = fmin(var[p], prior_var);
        const double share = prior_var < HUGE_VAL ? 1.0 - v / prior_var : 0.0;
        if (idx_par[p] == 0)
            c->freq_sd_oct = sqrt(v);
        else if (idx_par[p] == 1 && bx_biquad_type_has_gain(b->type))
            c->gain_sd_db = sqrt(v);
        else
            c->q_sd_oct = sqrt(v);
        if (idx_par[p] == 0 || share < c->confidence)
            c->confidence = share;
    }
}

/* A long joint refinement of F, kept only if it stays sane (else F is
 * left as it was). Returns F's objective. */
static double polish(fit *F, double *jac, double *tmp)
{
    bx_band before[BX_MAX_BANDS];
    memcpy(before, F->b, sizeof before);
    const double off_before = F->offset;
    const double e = refine(F, 0, 100, jac, tmp);
    if (!fit_faults(F))
        return e;
    memcpy(F->b, before, sizeof before);
    F->offset = off_before;
    for (unsigned k = 0; k < F->nb; k++)
        band_response(F->g, &F->b[k], &F->resp[(size_t)k * F->g->n]);
    rebuild_model(F);
    return error_of(F->g, F->model) + penalty(F);
}

/* The final polish of F, its posterior, and the result. */
static void finish(fit *F, double *jac, double *tmp, double *hs, bx_eqfit_result *res)
{
    polish(F, jac, tmp);
    bx_eqfit_band_conf conf[BX_MAX_BANDS];
    memset(conf, 0, sizeof conf);
    posterior(F, jac, tmp, hs, conf);
    /* sort bands and their confidence together */
    unsigned order[BX_MAX_BANDS];
    for (unsigned k = 0; k < F->nb; k++)
        order[k] = k;
    for (unsigned a = 1; a < F->nb; a++)
        for (unsigned b = a; b > 0 && band_order(&F->b[order[b - 1]], &F->b[order[b]]) > 0; b--) {
            const unsigned t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    res->n_bands = F->nb;
    for (unsigned k = 0; k < F->nb; k++) {
        res->bands[k] = F->b[order[k]];
        res->conf[k] = conf[order[k]];
    }
    res->offset_db = F->offset;
    res->rms_error_db = sqrt(error_of(F->g, F->model)); /* the fit itself, without the priors */
    res->n_eff = F->g->n_eff;
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
    unsigned n_rejected; /* band sets dropped as not sane */
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

/* A refined set whose band `at` ended on a limit of its domain, given the
 * type that goes on where it stopped, in place: a low shelf pushed to its
 * highest frequency is a high shelf of the opposite gain there, and a high
 * shelf pushed to its lowest a low shelf (the same response exactly, the
 * gain moved into the offset: RBJ shelves mirror, LS(g) = g + HS(-g)); the
 * other cases as bx_eqfit_extend (a pass filter only where the options allow
 * one). The set is refined again. 1 if a type was found. */
static int extend_fault(fit *F, int at, int iters, double *jac, double *tmp, double *err)
{
    const grid *g = F->g;
    bx_band *b = &F->b[at], nb = *b;
    double flo, fhi, qlo, qhi, gmax;
    bx_eqfit_domain(b, g->rate, g->f[0], g->f[g->n - 1], &flo, &fhi, &qlo, &qhi, &gmax);
    const int at_top = fabs(log(b->freq_hz / fhi)) < 0.01,
              at_bottom = fabs(log(b->freq_hz / flo)) < 0.01;
    if ((b->type == BX_BIQUAD_LOW_SHELF && at_top) ||
        (b->type == BX_BIQUAD_HIGH_SHELF && at_bottom)) {
        nb.type = b->type == BX_BIQUAD_LOW_SHELF ? BX_BIQUAD_HIGH_SHELF : BX_BIQUAD_LOW_SHELF;
        nb.gain_db = -b->gain_db;
        F->offset += b->gain_db;
    } else if (!bx_eqfit_extend(b, g->rate, &nb) ||
               (nb.type == BX_BIQUAD_HIGHPASS && !F->o->allow_highpass) ||
               (nb.type == BX_BIQUAD_LOWPASS && !F->o->allow_lowpass)) {
        return 0; /* no way on, or only through a type the options rule out */
    }
    *b = nb;
    clamp_band(F, b);
    band_response(g, b, &F->resp[(size_t)at * g->n]);
    *err = refine(F, 0, iters, jac, tmp);
    return 1;
}

/* A joint refinement; a set that ends with a band on a limit of its domain
 * gets that band's continuing type (extend_fault, at most twice): if that
 * makes it sane, the search goes on from a sane set of as many bands instead
 * of a dead end; if not, the set stays as it was, ranked as not sane (the
 * way on from it may still lead to a sane one). */
static void joint_task(void *arg, unsigned worker, size_t k)
{
    eq_search *S = arg;
    fit *F = &S->joint[k];
    const int iters = S->o->quick ? JOINT_ITERS_QUICK : JOINT_ITERS;
    double *jac = S->wk[worker].jac, *tmp = S->wk[worker].tmp;
    S->joint_err[k] = refine(F, 0, iters, jac, tmp);
    if (!fit_faults(F))
        return;
    /* the set as refined, kept (in the worker's trial fit, free after the
     * screening) in case the new types do not make it sane */
    fit *before = &S->wk[worker].trial;
    const double e_before = S->joint_err[k];
    fit_copy(before, F);
    for (int tries = 0; tries < 2; tries++) {
        int at;
        const grid *g = F->g;
        if (!bx_eqfit_faults_within(F->b, F->nb, g->rate, g->f[0], g->f[g->n - 1],
                                    F->o->max_gain_db, NULL, 0, &at) ||
            at < 0 || !extend_fault(F, at, iters, jac, tmp, &S->joint_err[k]))
            break;
    }
    if (fit_faults(F)) {
        fit_copy(F, before);
        S->joint_err[k] = e_before + FAULT_KEY;
    }
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

/* minus[i] = F without its band i, refined jointly (error in minus_err[i]),
 * for every band of F. */
static void without_each(const fit *F, eq_search *S, fit *minus, double *minus_err)
{
    for (unsigned i = 0; i < F->nb; i++) {
        fit_copy(&minus[i], F);
        drop_band(&minus[i], i);
    }
    S->joint = minus;
    S->joint_err = minus_err;
    bx_parallel_for(S->o->par, joint_task, S, F->nb);
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
                        fit *tries, double *try_err, fit *cur, eq_cand *ec, bx_band *cand)
{
    const bx_eqfit_opts *o = S->o;
    /* the search walks from set to set, sane or not (a set with a band on a
     * limit can be the way to a sane one); F keeps the best sane set seen */
    fit_copy(cur, F);
    double cur_err = *err_F;
    for (int round_ = 0; round_ < SWAP_ROUNDS && cur->nb >= 2; round_++) {
        const unsigned k = cur->nb;
        without_each(cur, S, minus, minus_err);
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
            if (true_err(try_err[j]) < cur_err * (1.0 - 1e-3) &&
                (best < 0 || true_err(try_err[j]) < true_err(try_err[best])))
                best = j;
        if (best < 0)
            break;
        fit_copy(cur, &tries[best]);
        cur_err = true_err(try_err[best]);
        if (try_err[best] < FAULT_KEY && cur_err < *err_F) {
            fit_copy(F, cur);
            *err_F = cur_err;
        }
    }
}

/* P(chi^2_k > x): the regularised upper incomplete gamma Q(k/2, x/2), for
 * integer k >= 1 (Abramowitz & Stegun 26.4.4-5: the finite sums for
 * integer degrees of freedom). */
static double chi2_survival(int k, double x)
{
    const double h = 0.5 * x;
    double sum, term;
    if (k % 2 == 0) {
        sum = term = 1.0;
        for (int j = 1; j < k / 2; j++)
            sum += term *= h / j;
        return exp(-h) * sum;
    }
    sum = 0.0;
    term = sqrt(h) / 0.886226925452758; /* h^(1/2) / Gamma(3/2) */
    for (int j = 0; j < (k - 1) / 2; j++) {
        sum += term;
        term *= h / (j + 1.5);
    }
    return erfc(sqrt(h)) + exp(-h) * sum;
}

/* Family-wise false-alarm rate of adding a band, and the widths a band can
 * take at one place (narrow, middling, broad) in the count of its tries. */
#define ADD_ALPHA 0.05
#define WIDTHS_PER_PLACE 4.0

/* The chi^2 drop that k new parameters in `bands` new bands must bring: a
 * likelihood-ratio test at ADD_ALPHA, Bonferroni-corrected for the
 * n_eff * WIDTHS_PER_PLACE places and widths each band could have taken
 * (the search looks for the best, so a plain test would accept noise). */
static double add_threshold(int k, int bands, double n_eff)
{
    const double p = ADD_ALPHA / pow(n_eff * WIDTHS_PER_PLACE, bands);
    double lo = 0.0, hi = 400.0;
    for (int it = 0; it < 60; it++) { /* bisection: the survival falls with x */
        const double mid = 0.5 * (lo + hi);
        if (chi2_survival(k, mid) > p)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* Model selection: F, with bands added to `before` (objective e_before), is
 * worth it if its objective e_after is lower by add_threshold's chi^2 for
 * the parameters and bands added, and the RMS by min_gain_db. */
static int pays_for_itself(const fit *F, const fit *before, double e_before, double e_after)
{
    const grid *g = F->g;
    int k = 0;
    for (unsigned b = 0; b < F->nb; b++)
        k += n_band_params(&F->b[b]);
    for (unsigned b = 0; b < before->nb; b++)
        k -= n_band_params(&before->b[b]);
    const int bands = (int)F->nb - (int)before->nb;
    if (g->s2n > 0 && k > 0 && (e_before - e_after) / g->s2n < add_threshold(k, bands, g->n_eff))
        return 0;
    return sqrt(e_before) - sqrt(e_after) >= F->o->min_gain_db;
}

/* Model selection backwards: while some band of F is not worth its price
 * (pays_for_itself of F against F without it, refined jointly), the one
 * whose removal costs least goes, if what is left is sane. Scratch: minus
 * (BX_MAX_BANDS fits). */
static void prune(fit *F, double *err_F, eq_search *S, fit *minus, double *minus_err)
{
    while (F->nb > 0) {
        const unsigned k = F->nb;
        without_each(F, S, minus, minus_err);
        int best = -1;
        for (unsigned i = 0; i < k; i++)
            if (minus_err[i] < FAULT_KEY && (best < 0 || minus_err[i] < minus_err[best]))
                best = (int)i;
        if (best < 0 || pays_for_itself(F, &minus[best], minus_err[best], *err_F))
            return;
        fit_copy(F, &minus[best]);
        *err_F = minus_err[best];
    }
}

enum { BEAM = 3, EXPAND = 2 * BEAM };

/* Two sets whose models differ by less than SAME_RESPONSE_DB anywhere on
 * the grid: different expansions that the joint refinement (and the change
 * of a band's type, extend_fault) led to the same curve. Keeping both would
 * leave the beam one way to go on instead of BEAM. */
#define SAME_RESPONSE_DB 1e-3

static int same_response(const fit *a, const fit *b)
{
    if (a->nb != b->nb)
        return 0;
    for (size_t i = 0; i < a->g->n; i++)
        if (fabs(a->model[i] - b->model[i]) >= SAME_RESPONSE_DB)
            return 0;
    return 1;
}

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
    fit *sane; /* the best sane fit found */
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
    fit *beam = B->beam, *nextbeam = B->next, *exp_ = B->exp_, *sane = B->sane;
    double beam_err[BEAM], next_err[BEAM], exp_err[EXPAND];
    fit_copy(&beam[0], start);
    beam_err[0] = start_err;
    int nbeam = 1;
    fit_copy(sane, start);
    /* a start that is not sane (a seeded one) is no result */
    double sane_err = fit_faults(start) ? HUGE_VAL : start_err, best_err = start_err;
    int prev = 0; /* the beam's fit of error best_err */
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
        /* joint refinement of the expansions; the best BEAM survive, sane
         * ones first (one that is not may still lead to one that is) */
        S->joint = exp_;
        S->joint_err = exp_err;
        bx_parallel_for(o->par, joint_task, S, (size_t)nexp);
        int nnext = 0;
        for (int k = 0; k < nexp; k++) {
            S->n_rejected += exp_err[k] >= FAULT_KEY;
            int dup = 0; /* the same curve as an earlier expansion: it adds nothing */
            for (int j = 0; j < k && !dup; j++)
                dup = same_response(&exp_[j], &exp_[k]);
            if (dup)
                continue;
            fit *slot = ranked_slot(nextbeam, next_err, &nnext, BEAM, exp_err[k]);
            if (slot)
                fit_copy(slot, &exp_[k]);
        }
        for (int k = 0; k < nnext; k++)
            if (next_err[k] < FAULT_KEY) {
                if (!(sane_err < HUGE_VAL) ||
                    pays_for_itself(&nextbeam[k], sane, sane_err, next_err[k])) {
                    fit_copy(sane, &nextbeam[k]);
                    sane_err = next_err[k];
                }
                break;
            }
        int lead = 0; /* the lowest error, sane or not */
        for (int k = 1; k < nnext; k++)
            if (true_err(next_err[k]) < true_err(next_err[lead]))
                lead = k;
        if (!pays_for_itself(&nextbeam[lead], &beam[prev], best_err, true_err(next_err[lead])))
            break; /* one more band does not pay for itself */
        fit *t = beam;
        beam = nextbeam;
        nextbeam = t;
        memcpy(beam_err, next_err, sizeof beam_err);
        nbeam = nnext;
        best_err = true_err(beam_err[lead]);
        prev = lead;
    }
    *err_out = sane_err;
    return sane;
}

/* A bell that reaches past an end of the audible range (its half-gain
 * point beyond 20 Hz or min(20 kHz, 0.45 rate)) acts there as a shelf: an
 * engineer shapes an end of the spectrum with a shelf. Each such bell is
 * replaced by a shelf on its side (corner at the bell's inner half-gain
 * point, the bell's gain), the set refined jointly, and the shelf kept
 * unless the bell fits clearly better: by more than SHELF_CHI2 (chi^2 of one
 * degree of freedom at 5 %) where the fit has a noise level, else by more
 * than min_gain_db of RMS. Scratch: trial (a fit of F's grid). */
#define SHELF_CHI2 3.84

static void prefer_shelves(fit *F, double *err_F, fit *trial, double *jac, double *tmp)
{
    const grid *g = F->g;
    const double top = fmin(BX_EQFIT_HI_HZ, 0.45 * g->rate);
    for (unsigned k = 0; k < F->nb; k++) {
        const bx_band *b = &F->b[k];
        if (b->type != BX_BIQUAD_PEAK)
            continue;
        /* RBJ: 1/Q = 2 sinh(ln 2 / 2 * bw), bw in octaves */
        const double half = asinh(0.5 / b->q) / log(2.0); /* bw / 2 */
        const double lo = b->freq_hz * exp2(-half), hi = b->freq_hz * exp2(half);
        const int high = hi >= top, low = lo <= BX_EQFIT_LO_HZ;
        if (high == low) /* neither end, or a bell over the whole range */
            continue;
        int other = 0; /* a shelf of that side already there */
        for (unsigned j = 0; j < F->nb; j++)
            other |= F->b[j].type == (high ? BX_BIQUAD_HIGH_SHELF : BX_BIQUAD_LOW_SHELF);
        if (other)
            continue;
        fit_copy(trial, F);
        trial->b[k] = (bx_band){high ? BX_BIQUAD_HIGH_SHELF : BX_BIQUAD_LOW_SHELF, high ? lo : hi,
                                b->gain_db, 0.7071};
        clamp_band(trial, &trial->b[k]);
        band_response(g, &trial->b[k], &trial->resp[(size_t)k * g->n]);
        const double e = refine(trial, 0, 100, jac, tmp);
        if (fit_faults(trial))
            continue;
        const int bell_better = g->s2n > 0 ? (e - *err_F) / g->s2n > SHELF_CHI2
                                           : sqrt(e) - sqrt(*err_F) > F->o->min_gain_db;
        if (!bell_better) {
            fit_copy(F, trial);
            *err_F = e;
        }
    }
}

/* The tone-control start: a low and a high shelf on F (offset only),
 * their gains from the mean residual beyond the corners, refined jointly:
 * with `best_of_all` 0 the corners 120 Hz and 5 kHz; else the pair that
 * ends closest among every pair of candidates()'s corners (60, 120, 250 Hz
 * x 2.5, 5, 9 kHz). One pair alone can run off: on a plugin's low shelf at
 * 75 Hz and high shelf at 3.5 kHz, from (120 Hz, 5 kHz) the high shelf
 * went to 262 Hz as a broad tilt and the search from there never found
 * the two. trial, best: scratch fits of F's grid. Returns 0 if the grid has
 * nothing beyond the corners, 2 if the best pair is (120 Hz, 5 kHz), else 1. */
static int tone_control_start(fit *F, int best_of_all, fit *trial, fit *best, double *jac,
                              double *tmp, double *err_out)
{
    static const double lows[] = {60.0, 120.0, 250.0}, highs[] = {2500.0, 5000.0, 9000.0};
    const grid *g = F->g;
    int found = 0, classic = 0;
    for (int a = 0; a < 3; a++)
        for (int c = 0; c < 3; c++) {
            if (!best_of_all && (a != 1 || c != 1))
                continue;
            double acc[2] = {0, 0}, wsum[2] = {0, 0};
            for (size_t i = 0; i < g->n; i++) {
                const double r = g->t[i] - F->model[i];
                if (g->f[i] < lows[a])
                    acc[0] += g->w[i] * r, wsum[0] += g->w[i];
                if (g->f[i] > highs[c])
                    acc[1] += g->w[i] * r, wsum[1] += g->w[i];
            }
            if (!(wsum[0] > 0 && wsum[1] > 0) || highs[c] >= 0.45 * g->rate)
                continue;
            fit_copy(trial, F);
            const bx_band seed[2] = {{BX_BIQUAD_LOW_SHELF, lows[a], acc[0] / wsum[0], 0.7071},
                                     {BX_BIQUAD_HIGH_SHELF, highs[c], acc[1] / wsum[1], 0.7071}};
            for (int k = 0; k < 2; k++) {
                trial->b[k] = seed[k];
                clamp_band(trial, &trial->b[k]);
                band_response(g, &trial->b[k], &trial->resp[(size_t)k * g->n]);
            }
            trial->nb = 2;
            const double e =
                refine(trial, 0, F->o->quick ? JOINT_ITERS_QUICK : JOINT_ITERS, jac, tmp);
            if (!found || e < *err_out) {
                *err_out = e;
                fit_copy(best, trial);
                found = 1;
                classic = a == 1 && c == 1;
            }
        }
    if (found)
        fit_copy(F, best);
    return found ? 1 + classic : 0;
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
    enum { NBEAM = 2 * BEAM + EXPAND + 1 };
    /* no set holds more than max_bands bands (a band is added only below
     * it), so the scratch is sized by it, not by BX_MAX_BANDS */
    const size_t mb = o->max_bands, np = 1 + 3 * mb, nswap = mb + SWAP_TRY + 1;
    const unsigned nw = bx_parallel_workers(o->par);
    const size_t set = (mb + 1) * n;
    const size_t per_worker = (np + 1) * n + set;
    const size_t nsets = NBEAM + 2 + nswap;
    double *mem =
        bx_calloc((6 + np) * n + nsets * set + nw * per_worker + HESS_SCRATCH, sizeof(double));
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
    double *sets = jac + np * n;
    for (size_t k = 0; k < nsets; k++)
        fits[k] = (fit){&g, o, 0, {{0}}, 0.0, sets + k * set, sets + k * set + mb * n};
    for (int k = 0; k < BEAM; k++) {
        B->beam[k] = fits[k];
        B->next[k] = fits[BEAM + k];
    }
    for (int k = 0; k < EXPAND; k++)
        B->exp_[k] = fits[2 * BEAM + k];
    B->sane = &fits[2 * BEAM + EXPAND];
    fit *start = &fits[NBEAM], *keep = &fits[NBEAM + 1], *swap_fits = &fits[NBEAM + 2];
    double *wmem = sets + nsets * set;
    for (unsigned k = 0; k < nw; k++) {
        double *base = wmem + k * per_worker;
        wk[k].jac = base;
        wk[k].tmp = base + np * n;
        double *ts = wk[k].tmp + n;
        wk[k].trial = (fit){&g, o, 0, {{0}}, 0.0, ts, ts + mb * n};
    }
    eq_search S = {o, wk, ec, NULL, NULL, 0};
    double *hs = wmem + nw * per_worker;

    /* from nothing (the offset only) */
    const double e0 = refine(start, 0, 5, jac, tmp);
    double e_best;
    fit *best = beam_search(&S, B, start, e0, cand, &e_best);
    double minus_err[BX_MAX_BANDS], try_err[SWAP_TRY];
    if (!o->thorough && o->shelf_start && o->max_bands >= 2) {
        /* and from the classic low and high shelf (see below) */
        fit_copy(keep, best);
        double e_tc;
        start->nb = 0;
        start->offset = 0.0;
        refine(start, 0, 5, jac, tmp);
        if (tone_control_start(start, 0, swap_fits, swap_fits + 1, jac, tmp, &e_tc)) {
            fit *alt = beam_search(&S, B, start, e_tc, cand, &e_tc);
            if (e_tc < e_best) {
                fit_copy(keep, alt);
                e_best = e_tc;
            }
        }
        best = keep;
    }
    if (!o->thorough) {
        prune(best, &e_best, &S, swap_fits, minus_err);
        prefer_shelves(best, &e_best, swap_fits, jac, tmp);
        finish(best, jac, tmp, hs, res);
        res->n_rejected = S.n_rejected;
        goto out;
    }
    fit_copy(keep, best);
    e_best = polish(keep, jac, tmp);
    /* and from a low and a high shelf: the greedy start can settle on one
     * broad band where two shelves belong; from the classic pair, and from
     * the best of all pairs where that is another */
    for (int all = 0; all < 2 && o->max_bands >= 2; all++) {
        double e_tc;
        start->nb = 0;
        start->offset = 0.0;
        refine(start, 0, 5, jac, tmp);
        const int got = tone_control_start(start, all, swap_fits, swap_fits + 1, jac, tmp, &e_tc);
        if (!got || (all && got == 2))
            continue;
        fit *alt = beam_search(&S, B, start, e_tc, cand, &e_tc);
        if (e_tc < HUGE_VAL)
            e_tc = polish(alt, jac, tmp);
        if (e_tc < e_best) {
            fit_copy(keep, alt);
            e_best = e_tc;
        }
    }
    swap_search(keep, &e_best, &S, swap_fits, minus_err, swap_fits + mb, try_err,
                swap_fits + mb + SWAP_TRY, ec, cand);
    prune(keep, &e_best, &S, swap_fits, minus_err);
    prefer_shelves(keep, &e_best, swap_fits, jac, tmp);
    finish(keep, jac, tmp, hs, res);
    res->n_rejected = S.n_rejected;
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
    double *mem = bx_calloc((size_t)(6 + MAX_PARAMS) * n + set + HESS_SCRATCH, sizeof(double));
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
        finish(&F, jac, tmp, sets + set, res);
    }
    bx_free(mem);
    return st;
}

bx_status bx_eqfit_confidence(const double *freq_hz, const double *target_db, const double *weight,
                              size_t n, const bx_eqfit_opts *o, const bx_band *bands,
                              unsigned n_bands, bx_eqfit_band_conf *conf, bx_error *err)
{
    bx_status st = check_args(freq_hz, target_db, weight, n, o, err);
    if (st)
        return st;
    if (n_bands > BX_MAX_BANDS || (n_bands && (!bands || !conf)))
        return bx_error_set(err, BX_ERR_ARG, "EQ fit: invalid bands");
    const size_t set = (size_t)(BX_MAX_BANDS + 1) * n;
    double *mem = bx_calloc((size_t)(6 + MAX_PARAMS) * n + set + HESS_SCRATCH, sizeof(double));
    if (!mem)
        return bx_error_set(err, BX_ERR_NOMEM, "EQ fit: out of memory");
    grid g;
    if ((st = grid_init(&g, freq_hz, target_db, weight, n, o, mem, err)) == BX_OK) {
        double *tmp = mem + n, *jac = mem + 6 * n, *sets = jac + (size_t)MAX_PARAMS * n;
        fit F = {&g, o, n_bands, {{0}}, 0.0, sets, sets + (size_t)BX_MAX_BANDS * n};
        for (unsigned k = 0; k < n_bands; k++) {
            F.b[k] = bands[k];
            band_response(&g, &F.b[k], &F.resp[(size_t)k * n]);
        }
        /* the offset that fits best: the weighted mean of what the bands leave */
        rebuild_model(&F);
        double acc = 0.0;
        for (size_t i = 0; i < n; i++)
            acc += g.w[i] * (g.t[i] - F.model[i]);
        F.offset = acc / g.wsum;
        rebuild_model(&F);
        memset(conf, 0, n_bands * sizeof *conf);
        posterior(&F, jac, tmp, sets + set, conf);
    }
    bx_free(mem);
    return st;
}
