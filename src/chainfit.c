/* chainfit.c — Levenberg–Marquardt on the waveform error of a whole chain. */
#include "bx/chainfit.h"

#include "bx/eqfit.h"

#include <math.h>
#include <string.h>

#include "lanes.h"
#include "linalg.h"

#define MAXP (3 * BX_MAX_BANDS + 7)

/* Levenberg-Marquardt stops when a step lowers the squared error by less
 * than this share (0.004 dB of SNR) */
#define LM_RTOL 1e-3

/* parameter vector <-> chain params */
typedef struct layout {
    int np;
    int band[MAXP], what[MAXP]; /* band index or -1; what: 0 freq, 1 gain, 2 q / comp field */
} layout;

static void make_layout(const bx_chain_params *p, layout *L)
{
    L->np = 0;
    for (unsigned b = 0; b < p->n_bands; b++) {
        L->band[L->np] = (int)b, L->what[L->np++] = 0;
        if (bx_biquad_type_has_gain(p->bands[b].type))
            L->band[L->np] = (int)b, L->what[L->np++] = 1;
        L->band[L->np] = (int)b, L->what[L->np++] = 2;
    }
    if (p->has_comp) {
        /* threshold, ratio, attack, release, knee (not power's: its knee is
         * its own); rms_level's averaging time */
        const bx_detector d = p->comp.detector;
        const int nc = bx_detector_averages(d) ? 6 : d == BX_DETECTOR_POWER ? 4 : 5;
        for (int k = 0; k < nc; k++)
            L->band[L->np] = -1, L->what[L->np++] = k;
    }
    L->band[L->np] = -2, L->what[L->np++] = 0; /* output gain */
}

static double get(const bx_chain_params *p, const layout *L, int i)
{
    if (L->band[i] >= 0) {
        const bx_band *b = &p->bands[L->band[i]];
        return L->what[i] == 0 ? log2(b->freq_hz) : L->what[i] == 1 ? b->gain_db : log2(b->q);
    }
    if (L->band[i] == -1) {
        const bx_comp_params *c = &p->comp;
        return L->what[i] == 0   ? c->threshold_db
               : L->what[i] == 1 ? log(c->ratio)
               : L->what[i] == 2 ? log(c->attack_ms)
               : L->what[i] == 3 ? log(c->release_ms)
               : L->what[i] == 4 ? c->knee_db
                                 : log(bx_comp_rms_ms(c));
    }
    return p->output_gain_db;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void set(bx_chain_params *p, const layout *L, int i, double v, double rate)
{
    if (L->band[i] >= 0) {
        bx_band *b = &p->bands[L->band[i]];
        if (L->what[i] == 0)
            b->freq_hz = exp2(v);
        else if (L->what[i] == 1)
            b->gain_db = v;
        else
            b->q = exp2(v);
        bx_eqfit_clamp_band(b, rate); /* where bx_eqfit would put it */
        return;
    }
    if (L->band[i] == -1) {
        bx_comp_params *c = &p->comp;
        if (L->what[i] == 0)
            c->threshold_db = clampd(v, BX_THRESHOLD_MIN_DB, BX_THRESHOLD_MAX_DB);
        else if (L->what[i] == 1)
            c->ratio = clampd(exp(v), BX_RATIO_MIN, BX_RATIO_MAX);
        else if (L->what[i] == 2)
            c->attack_ms = clampd(exp(v), BX_ATTACK_MIN_MS, BX_ATTACK_MAX_MS);
        else if (L->what[i] == 3)
            c->release_ms = clampd(exp(v), BX_RELEASE_MIN_MS, BX_RELEASE_MAX_MS);
        else if (L->what[i] == 4)
            c->knee_db = clampd(v, BX_KNEE_MIN_DB, BX_KNEE_MAX_DB);
        else
            c->rms_ms = clampd(exp(v), BX_COMP_RMS_MIN_MS, BX_COMP_RMS_MAX_MS);
        return;
    }
    p->output_gain_db = clampd(v, BX_GAIN_STAGE_MIN_DB, BX_GAIN_STAGE_MAX_DB);
}

/* Render x through p into out (n samples). */
static bx_status render(const bx_chain_params *p, double rate, const float *x, double *out,
                        size_t n, bx_error *err)
{
    bx_error local;
    bx_error *e = err ? err : &local;
    bx_chain *c = bx_chain_create(p, rate, 1, e);
    if (!c)
        return e->code;
    for (size_t i = 0; i < n; i++)
        out[i] = x[i];
    for (size_t i = 0; i < n; i += 4096)
        bx_chain_process(c, out + i, n - i < 4096 ? n - i : 4096);
    bx_chain_destroy(c);
    return BX_OK;
}

/* pre[k] (k = 0 .. n_bands, each n samples): x after stages 0 .. k of p
 * (the input gain and the first k bands). */
static bx_status prefixes(const bx_chain_params *p, double rate, const float *x, double *pre,
                          size_t n)
{
    bx_error e;
    bx_chain *c = bx_chain_create(p, rate, 1, &e);
    if (!c)
        return e.code;
    double *out[BX_MAX_BANDS + 1];
    for (unsigned k = 0; k <= p->n_bands; k++)
        out[k] = pre + (size_t)k * n;
    for (size_t i = 0; i < n; i++)
        pre[i] = x[i];
    bx_chain_process_prefixes(c, pre, out, n);
    bx_chain_destroy(c);
    return BX_OK;
}

static double sse(const float *y, const double *o, size_t from, size_t n)
{
    double s = 0;
    for (size_t i = from; i < n; i++) {
        const double d = y[i] - o[i];
        s += d * d;
    }
    return s;
}

/* samples per piece of a group's render */
#define GROUP_BLOCK 1024

/* One group of columns: its lanes, the column each lane renders (-1: none)
 * and 1 / the parameter's step. */
typedef struct lane_group {
    bx_lanes lanes;
    int col[BX_LANES];
    double inv[BX_LANES];
} lane_group;

/* The normal equations are formed a block of NORMAL_CHUNK * JAC_CHUNKS
 * samples at a time: the Jacobian is kept for one block only. */
#define NORMAL_CHUNK 2048
#define JAC_CHUNKS 16
#define JAC_BLOCK (NORMAL_CHUNK * JAC_CHUNKS)

/* The Jacobian and the normal equations, spread over workers. The columns
 * are rendered BX_LANES at a time (lanes.h), each group from the signal
 * saved before the earliest stage its parameters change (a lane whose own
 * stage comes later runs the stages before it unchanged), a block of
 * JAC_BLOCK samples at a time: each block's columns, then its chunks of
 * J^T J and J^T r (one task each), so that only one block of the Jacobian
 * is ever kept. The groups and chunks are fixed by the layout and the
 * length, so every value is computed the same way whatever runs it. */
typedef struct jac_job {
    const bx_chain_params *cur;
    const layout *L;
    const float *x, *y;
    size_t n, warmup;
    double rate;
    const double *out; /* the current render */
    const double *pre; /* the current chain's prefixes (see prefixes) */
    double *jac;       /* m columns of the block: sample t at jac[k * JAC_BLOCK + t - from] */
    size_t from, to;   /* the block rendered now: samples [from, to) */
    size_t chunk0;     /* its first chunk of the normal equations */
    int init;          /* 1: the first block; the groups set up their lanes */
    lane_group *grp;   /* per group: its lanes, kept from block to block */
    bx_status *st;     /* per group */
    const int *order;  /* the columns to render, latest stage first */
    int n_render;      /* how many */
    size_t n_groups;   /* groups of BX_LANES lanes that render them */
    int m;
    double *A0, *g; /* normal equations */
    double *part;   /* per chunk: m x m (upper triangle) then m partial sums */
    double *resid;  /* y - out */
} jac_job;

/* the stage parameter k changes: its band's, or the compressor's */
static unsigned param_stage(const layout *L, const bx_chain_params *p, int k)
{
    return L->band[k] >= 0 ? 1u + (unsigned)L->band[k] : 1u + p->n_bands;
}

static void group_task(void *arg, unsigned worker, size_t gi)
{
    (void)worker;
    jac_job *J = arg;
    const layout *L = J->L;
    lane_group *G = &J->grp[gi];
    if (J->init) {
        bx_chain_params q[BX_LANES];
        const bx_chain_params *qp[BX_LANES];
        unsigned first = 0;
        for (int l = 0; l < BX_LANES; l++) {
            /* the lanes left over go to the first group, whose columns
             * start latest (the compressor's): every other group is full */
            const int spare = (int)J->n_groups * BX_LANES - J->n_render;
            const int at = (int)gi * BX_LANES + l - spare;
            q[l] = *J->cur;
            qp[l] = &q[l];
            G->col[l] = at >= 0 ? J->order[at] : -1;
            G->inv[l] = 0;
            if (G->col[l] < 0)
                continue;
            const int k = G->col[l];
            const double h = L->band[k] >= 0 && L->what[k] == 1                         ? 0.01
                             : L->band[k] == -1 && (L->what[k] == 0 || L->what[k] == 4) ? 0.05
                                                                                        : 0.002;
            /* a forward difference; on the top of its range (where the
             * clamp would leave no step, and the parameter would never move
             * again) a backward one */
            set(&q[l], L, k, get(J->cur, L, k) + h, J->rate);
            double hh = get(&q[l], L, k) - get(J->cur, L, k);
            if (hh < 0.5 * h) {
                q[l] = *J->cur;
                set(&q[l], L, k, get(J->cur, L, k) - h, J->rate);
                hh = get(&q[l], L, k) - get(J->cur, L, k);
            }
            G->inv[l] = hh != 0 ? 1.0 / hh : 0.0;
            const unsigned s = param_stage(L, J->cur, k);
            first = first == 0 || s < first ? s : first;
        }
        bx_error e;
        J->st[gi] = bx_lanes_init(&G->lanes, qp, first, J->rate, &e);
    }
    if (J->st[gi])
        return;
    /* the block a piece at a time (the lanes keep their state between
     * calls: the same values as one call), each piece's columns written as
     * it comes; before the warm-up's end, the render only */
    double blk[BX_LANES * GROUP_BLOCK];
    const double *in = J->pre + (size_t)(G->lanes.first - 1) * J->n;
    for (size_t t0 = J->from; t0 < J->to; t0 += GROUP_BLOCK) {
        const size_t len = J->to - t0 < GROUP_BLOCK ? J->to - t0 : GROUP_BLOCK;
        bx_lanes_process(&G->lanes, in + t0, blk, len);
        const size_t from = J->warmup > t0 ? J->warmup : t0;
        for (int l = 0; l < BX_LANES; l++) {
            if (G->col[l] < 0)
                continue;
            double *c = J->jac + (size_t)G->col[l] * JAC_BLOCK - J->from;
            for (size_t t = from; t < t0 + len; t++)
                c[t] = (blk[(t - t0) * BX_LANES + l] - J->out[t]) * G->inv[l];
        }
    }
}

/* J^T J and J^T r over one chunk of NORMAL_CHUNK samples, into the chunk's
 * own partial sums (the caller adds them in chunk order, so the result does
 * not depend on how the chunks were spread): every column's chunk stays in
 * cache while all pairs are formed. */
static void normal_chunk_task(void *arg, unsigned worker, size_t c)
{
    jac_job *J = arg;
    (void)worker;
    const int m = J->m;
    c += J->chunk0;
    const size_t t0 = J->warmup + c * NORMAL_CHUNK;
    const size_t len = J->n - t0 < NORMAL_CHUNK ? J->n - t0 : NORMAL_CHUNK;
    double *part = J->part + c * (size_t)(m * m + m), *r = J->resid + t0;
    for (size_t k = 0; k < len; k++)
        r[k] = J->y[t0 + k] - J->out[t0 + k];
    const double *jac = J->jac + (t0 - J->from);
    /* column b against columns a <= b (and r against every column), four
     * at a time: the column or r read once for the four */
    for (int b = 0; b <= m; b++) {
        const double *jb = b < m ? jac + (size_t)b * JAC_BLOCK : r;
        double *dst = b < m ? part + b : part + m * m; /* (a, b) at dst[a * m] or dst[a] */
        const size_t stride = b < m ? (size_t)m : 1;
        const int top = b < m ? b : m - 1;
        int a = 0;
        for (; a + 3 <= top; a += 4) {
            const double *ja[4] = {jac + (size_t)a * JAC_BLOCK, jac + (size_t)(a + 1) * JAC_BLOCK,
                                   jac + (size_t)(a + 2) * JAC_BLOCK,
                                   jac + (size_t)(a + 3) * JAC_BLOCK};
            double d[4];
            bx_lanes_dot4(ja, jb, len, d);
            for (int i = 0; i < 4; i++)
                dst[(size_t)(a + i) * stride] = d[i];
        }
        for (; a <= top; a++)
            dst[(size_t)a * stride] = bx_lanes_dot(jac + (size_t)a * JAC_BLOCK, jb, len);
    }
}

/* What levenberg works in, kept from one call to the next (the renders are
 * large: fresh pages for each call cost more than the arithmetic). */
struct bx_chainfit_ws {
    double *mem;
    size_t cap;         /* doubles at mem */
    bx_status st[MAXP]; /* per group of columns */
    lane_group grp[(MAXP + BX_LANES - 1) / BX_LANES];
};

bx_chainfit_ws *bx_chainfit_ws_create(void)
{
    return bx_calloc(1, sizeof(bx_chainfit_ws));
}

void bx_chainfit_ws_destroy(bx_chainfit_ws *ws)
{
    if (!ws)
        return;
    bx_free(ws->mem);
    bx_free(ws);
}

typedef bx_chainfit_ws lm_ws;

/* Levenberg–Marquardt on *p (its limiter off) from its start; *e_start and
 * *e_end: the sum of squared errors before and after. */
static bx_status levenberg(lm_ws *ws, const float *x, const float *y, size_t n, size_t warmup,
                           double rate_hz, int iterations, const bx_parallel *par,
                           bx_chain_params *p, double *e_start_out, double *e_end, bx_error *err)
{
    bx_chain_params cur = *p;
    layout L;
    make_layout(&cur, &L);
    const int m = L.np;
    const size_t cnt = n - warmup;
    const size_t n_chunks = (n - warmup + NORMAL_CHUNK - 1) / NORMAL_CHUNK;
    const size_t n_pre = (size_t)cur.n_bands + 1;
    const size_t need = (3 + n_pre) * n + (size_t)m * JAC_BLOCK + n_chunks * (size_t)(m * m + m);
    if (need > ws->cap) {
        bx_free(ws->mem);
        ws->cap = 0;
        ws->mem = bx_malloc(need * sizeof(double));
        if (!ws->mem)
            return bx_error_set(err, BX_ERR_NOMEM, "out of memory refining the chain");
        ws->cap = need;
    }
    double *mem = ws->mem;
    bx_status *col_st = ws->st; /* n_groups <= MAXP */
    double *out = mem, *trial = out + n, *resid = trial + n, *pre = resid + n;
    double *jac = pre + n_pre * n, *part = jac + (size_t)m * JAC_BLOCK;
    /* the columns to render, the compressor's first, then the bands' from
     * the last (a group of lanes starts at its earliest stage); the output
     * gain's is exact */
    int order[MAXP], n_render = 0, gain_col = -1;
    for (int k = m - 1; k >= 0; k--)
        if (L.band[k] == -2)
            gain_col = k;
        else
            order[n_render++] = k;
    const size_t n_groups = ((size_t)n_render + BX_LANES - 1) / BX_LANES;
    double A[MAXP * MAXP], A0[MAXP * MAXP], g[MAXP], step[MAXP];
    bx_status st = render(&cur, rate_hz, x, out, n, err);
    const double e_start = st ? INFINITY : sse(y, out, warmup, n);
    if (!st) {
        /* the output gain in closed form first (the least-squares scale of
         * the render): the steps then go to the shape, not the level */
        double oy = 0, oo = 0;
        for (size_t t = warmup; t < n; t++)
            oy += out[t] * (double)y[t], oo += out[t] * out[t];
        const double g0 = cur.output_gain_db;
        if (oy > 0 && oo > 0)
            cur.output_gain_db =
                clampd(g0 + 20.0 * log10(oy / oo), BX_GAIN_STAGE_MIN_DB, BX_GAIN_STAGE_MAX_DB);
        const double a = pow(10.0, (cur.output_gain_db - g0) / 20.0);
        for (size_t t = 0; t < n; t++)
            out[t] *= a;
    }
    double e = st ? INFINITY : sse(y, out, warmup, n), lambda = 1e-2;
    for (int it = 0; it < iterations && !st; it++) {
        if ((st = prefixes(&cur, rate_hz, x, pre, n))) {
            st = bx_error_set(err, st, "%s",
                              st == BX_ERR_NOMEM ? "out of memory refining the chain"
                                                 : "chain refinement: the chain is unusable");
            break;
        }
        jac_job J = {&cur,  &L,       x,        y,      n,  warmup, rate_hz, out,
                     pre,   jac,      0,        warmup, 0,  1,      ws->grp, col_st,
                     order, n_render, n_groups, m,      A0, g,      part,    resid};
        /* the warm-up: the groups' lanes set up and run to its end */
        bx_parallel_for(par, group_task, &J, n_groups);
        for (size_t i = 0; i < n_groups && !st; i++)
            if (col_st[i])
                st = bx_error_set(err, col_st[i], "%s",
                                  col_st[i] == BX_ERR_NOMEM
                                      ? "out of memory refining the chain"
                                      : "chain refinement: a trial chain is unusable");
        if (st)
            break;
        J.init = 0;
        /* then block by block: the columns, then the block's chunks of the
         * normal equations */
        for (size_t c0 = 0; c0 < n_chunks; c0 += JAC_CHUNKS) {
            const size_t c1 = c0 + JAC_CHUNKS < n_chunks ? c0 + JAC_CHUNKS : n_chunks;
            J.from = warmup + c0 * NORMAL_CHUNK;
            J.to = warmup + c1 * NORMAL_CHUNK < n ? warmup + c1 * NORMAL_CHUNK : n;
            J.chunk0 = c0;
            bx_parallel_for(par, group_task, &J, n_groups);
            if (gain_col >= 0) { /* the output gain, last in the chain (its limiter off) */
                double *c = jac + (size_t)gain_col * JAC_BLOCK - J.from;
                const double d = log(10.0) / 20.0;
                for (size_t t = J.from; t < J.to; t++)
                    c[t] = out[t] * d;
            }
            bx_parallel_for(par, normal_chunk_task, &J, c1 - c0);
        }
        for (int a = 0; a < m; a++) {
            g[a] = 0;
            for (int b = a; b < m; b++)
                A0[a * m + b] = 0;
        }
        for (size_t c = 0; c < n_chunks; c++) {
            const double *pc = part + c * (size_t)(m * m + m);
            for (int a = 0; a < m; a++) {
                g[a] += pc[m * m + a];
                for (int b = a; b < m; b++)
                    A0[a * m + b] += pc[a * m + b];
            }
        }
        for (int a = 0; a < m; a++)
            for (int b = a + 1; b < m; b++)
                A0[b * m + a] = A0[a * m + b];
        int improved = 0;
        while (lambda < 1e8) {
            if (bx_linalg_lm_step(A0, g, lambda, m, A, step) != 0) {
                lambda *= 10;
                continue;
            }
            bx_chain_params q = cur;
            for (int i = 0; i < m; i++)
                set(&q, &L, i, get(&cur, &L, i) + step[i], rate_hz);
            if ((st = render(&q, rate_hz, x, trial, n, err)))
                break;
            const double e2 = sse(y, trial, warmup, n);
            if (e2 < e) {
                improved = e - e2 > LM_RTOL * e;
                cur = q;
                e = e2;
                memcpy(out, trial, n * sizeof(double));
                lambda = fmax(lambda / 3, 1e-7);
                break;
            }
            lambda *= 4;
        }
        if (!improved)
            break;
    }
    (void)cnt;
    *p = cur;
    *e_start_out = e_start;
    *e_end = e;
    return st;
}

/* Bands the waveform drove onto a limit of their domain, or beside another
 * peak, are not what bx_eqfit would keep: at most this many are replaced by
 * the type that continues them (bx_eqfit_extend) or else dropped, the set
 * refined again each time. */
#define MAX_DROPS 3

bx_status bx_chainfit_refine(const float *x, const float *y, size_t n, size_t warmup,
                             double rate_hz, int iterations, const bx_parallel *par,
                             bx_chain_params *p, double *snr_db, bx_error *err)
{
    bx_chainfit_ws *ws = bx_chainfit_ws_create();
    if (!ws)
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory refining the chain");
    const bx_status st =
        bx_chainfit_refine_ws(ws, x, y, n, warmup, rate_hz, iterations, par, p, snr_db, err);
    bx_chainfit_ws_destroy(ws);
    return st;
}

bx_status bx_chainfit_refine_ws(bx_chainfit_ws *ws, const float *x, const float *y, size_t n,
                                size_t warmup, double rate_hz, int iterations,
                                const bx_parallel *par, bx_chain_params *p, double *snr_db,
                                bx_error *err)
{
    if (warmup >= n)
        return bx_error_set(err, BX_ERR_ARG, "chain refinement: nothing to fit");
    bx_chain_params cur = *p;
    cur.has_limiter = 0;
    double e_start, e, e0;
    bx_status st =
        levenberg(ws, x, y, n, warmup, rate_hz, iterations, par, &cur, &e_start, &e, err);
    for (int drop = 0; !st && drop < MAX_DROPS; drop++) {
        const int bad = bx_eqfit_fault_band(cur.bands, cur.n_bands, rate_hz);
        if (bad < 0)
            break;
        bx_band ext;
        if (bx_eqfit_extend(&cur.bands[bad], rate_hz, &ext)) {
            cur.bands[bad] = ext; /* the type that goes on where it stopped */
        } else {
            for (unsigned k = (unsigned)bad; k + 1 < cur.n_bands; k++)
                cur.bands[k] = cur.bands[k + 1];
            cur.n_bands--;
        }
        st = levenberg(ws, x, y, n, warmup, rate_hz, iterations, par, &cur, &e0, &e, err);
    }
    const int sane = !st && bx_eqfit_fault_band(cur.bands, cur.n_bands, rate_hz) < 0;
    if (sane && e < e_start) {
        const int lim = p->has_limiter;
        const double ceil_db = p->ceiling_db;
        *p = cur;
        p->has_limiter = lim;
        p->ceiling_db = ceil_db;
    }
    if (!st && snr_db) {
        double sy = 0;
        for (size_t k = warmup; k < n; k++)
            sy += (double)y[k] * y[k];
        *snr_db = 10.0 * log10(sy / fmax(sane ? fmin(e, e_start) : e_start, 1e-30));
    }
    return st;
}
