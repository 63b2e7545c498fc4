/* levels.c — loudness (bx_meter: ITU-R BS.1770-4, EBU Tech 3342) plus
 * envelope statistics of the mono mixdown. The envelopes are kept as block
 * values (1 ms peaks, 10 ms mean squares) so that the percentiles and the
 * transient detector can run at the end with the whole signal in view. */
#include "bx/levels.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bx/meter.h"

#define ENV_BLOCKS 10    /* 1 ms blocks per RMS-envelope block */
#define INITIAL_CAP 4096 /* blocks: 4 s of peaks, 41 s of mean squares */
#define MS_FLOOR 1e-12   /* BX_LEVELS_FLOOR_DB as a mean square */

typedef struct growing {
    float *v;
    size_t n, cap;
} growing;

struct bx_levels {
    double rate_hz;
    unsigned channels;
    size_t blk; /* samples per 1 ms block */
    bx_meter *meter;
    uint64_t frames;
    double sum_sq;      /* of the mixdown */
    size_t pos1, pos10; /* samples in the current 1 ms / 10 ms block */
    double peak1, sq10; /* running peak / sum of squares of those blocks */
    growing peaks;      /* 1 ms block peaks of |m| */
    growing ms;         /* 10 ms block mean squares of m */
};

bx_levels *bx_levels_create(double rate_hz, unsigned channels, bx_error *err)
{
    if (!(rate_hz >= BX_LEVELS_RATE_MIN && rate_hz <= BX_LEVELS_RATE_MAX) ||
        rate_hz != floor(rate_hz)) {
        bx_error_set(err, BX_ERR_ARG, "levels: sample rate %g Hz is not a whole number in %g..%g",
                     rate_hz, BX_LEVELS_RATE_MIN, BX_LEVELS_RATE_MAX);
        return NULL;
    }
    if (channels < 1 || channels > BX_LEVELS_MAX_CHANNELS) {
        bx_error_set(err, BX_ERR_ARG, "levels: %u channels, expected 1..%d", channels,
                     BX_LEVELS_MAX_CHANNELS);
        return NULL;
    }
    bx_levels *l = bx_calloc(1, sizeof *l);
    if (!l) {
        bx_error_set(err, BX_ERR_NOMEM, "levels: out of memory");
        return NULL;
    }
    l->rate_hz = rate_hz;
    l->channels = channels;
    l->blk = (size_t)floor(rate_hz / 1000.0 + 0.5);
    l->meter = bx_meter_create(rate_hz, channels, err);
    if (!l->meter) {
        bx_levels_destroy(l);
        return NULL;
    }
    return l;
}

void bx_levels_destroy(bx_levels *l)
{
    if (!l)
        return;
    bx_meter_destroy(l->meter);
    bx_free(l->peaks.v);
    bx_free(l->ms.v);
    bx_free(l);
}

/* Make room for `more` values, doubling the capacity. */
static int reserve(growing *g, size_t more)
{
    if (more <= g->cap - g->n)
        return 1;
    if (more > SIZE_MAX / 2 / sizeof(float) - g->n)
        return 0;
    size_t cap = g->cap ? g->cap : INITIAL_CAP;
    while (cap - g->n < more)
        cap *= 2;
    float *v = bx_malloc(cap * sizeof *v);
    if (!v)
        return 0;
    if (g->n)
        memcpy(v, g->v, g->n * sizeof *v);
    bx_free(g->v);
    g->v = v;
    g->cap = cap;
    return 1;
}

/* BX_ERR_ARG for an absurd count, BX_ERR_AUDIO naming the first non-finite sample. */
static bx_status check_frames(const float *x, size_t frames, unsigned nch, bx_error *err)
{
    if (frames > SIZE_MAX / nch / 2)
        return bx_error_set(err, BX_ERR_ARG, "levels: %zu frames is too many at once", frames);
    for (size_t i = 0; i < frames * nch; i++)
        if (!isfinite(x[i]))
            return bx_error_set(err, BX_ERR_AUDIO, "sample %zu (channel %zu) is not finite",
                                i / nch, i % nch + 1);
    return BX_OK;
}

bx_status bx_levels_add(bx_levels *l, const float *x, size_t frames, bx_error *err)
{
    const unsigned nch = l->channels;
    bx_status st = check_frames(x, frames, nch, err);
    if (st)
        return st;
    if (!reserve(&l->peaks, (l->pos1 + frames) / l->blk) ||
        !reserve(&l->ms, (l->pos10 + frames) / (ENV_BLOCKS * l->blk)))
        return bx_error_set(err, BX_ERR_NOMEM, "levels: out of memory for the envelope");
    st = bx_meter_add(l->meter, x, frames, err);
    if (st)
        return st;

    const double inv = 1.0 / nch;
    const size_t blk = l->blk, blk10 = ENV_BLOCKS * l->blk;
    size_t pos1 = l->pos1, pos10 = l->pos10;
    double peak1 = l->peak1, sq10 = l->sq10, sum_sq = l->sum_sq; /* in order: chunking-proof */
    for (size_t i = 0; i < frames; i++) {
        const float *f = x + i * nch;
        double m = 0.0;
        for (unsigned c = 0; c < nch; c++)
            m += f[c];
        m *= inv;
        const double sq = m * m;
        sum_sq += sq;
        sq10 += sq;
        if (fabs(m) > peak1)
            peak1 = fabs(m);
        if (++pos1 == blk) {
            l->peaks.v[l->peaks.n++] = (float)peak1;
            pos1 = 0;
            peak1 = 0.0;
        }
        if (++pos10 == blk10) {
            /* float samples far beyond full scale square past the float
             * range: saturate, so that the percentiles stay finite */
            l->ms.v[l->ms.n++] = (float)fmin(sq10 / (double)blk10, FLT_MAX);
            pos10 = 0;
            sq10 = 0.0;
        }
    }
    l->pos1 = pos1;
    l->pos10 = pos10;
    l->peak1 = peak1;
    l->sq10 = sq10;
    l->sum_sq = sum_sq;
    l->frames += frames;
    return BX_OK;
}

static double ms_db(double ms)
{
    return ms > MS_FLOOR ? 10.0 * log10(ms) : BX_LEVELS_FLOOR_DB;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile of sorted v[0..n) as numpy.percentile's default ("linear"). */
static double percentile(const double *v, size_t n, double pct)
{
    const double pos = pct / 100.0 * (double)(n - 1);
    const size_t lo = (size_t)floor(pos);
    const size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (pos - (double)lo) * (v[hi] - v[lo]);
}

/* Median of v[0..n) (sorts it); 0 for n = 0. */
static double median(double *v, size_t n)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof *v, cmp_double);
    return 0.5 * (v[(n - 1) / 2] + v[n / 2]);
}

/* Percentiles of the 50 ms RMS envelope. */
static bx_status envelope_stats(const bx_levels *l, bx_level_stats *out)
{
    const size_t w = (size_t)(BX_LEVELS_ENV_MS / 10.0 + 0.5); /* 10 ms blocks per window */
    const size_t n = l->ms.n >= w ? l->ms.n - w + 1 : 1;
    double *env = bx_malloc(n * sizeof *env);
    if (!env)
        return BX_ERR_NOMEM;
    if (l->ms.n < w) {
        env[0] = ms_db(l->sum_sq / (double)l->frames);
    } else {
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t k = 0; k < w; k++)
                s += l->ms.v[j + k];
            env[j] = ms_db(s / (double)w);
        }
    }
    qsort(env, n, sizeof *env, cmp_double);
    size_t first = 0;
    while (env[first] < env[n - 1] - BX_LEVELS_ENV_RANGE_DB)
        first++;
    out->p10_db = percentile(env + first, n - first, 10.0);
    out->p50_db = percentile(env + first, n - first, 50.0);
    out->p95_db = percentile(env + first, n - first, 95.0);
    out->spread_db = out->p95_db - out->p10_db;
    bx_free(env);
    return BX_OK;
}

/* ---- transients ---------------------------------------------------------- */

typedef struct detector {
    const float *rise; /* hold-max envelope over the blocks ending at k */
    size_t n;
    size_t window, search; /* onset window and peak search, blocks */
    double rise_ratio;     /* BX_LEVELS_ONSET_RISE_DB as an amplitude ratio */
    double min_peak;       /* peaks below this are not transients */
} detector;

/* Find the next transient with its minimum (rise start) at or after `from`.
 * Returns 0 when there is none; else fills *kmin and *kpeak. */
static int next_transient(const detector *d, size_t from, size_t *kmin, size_t *kpeak)
{
    const float *r = d->rise;
    for (size_t k = from + 1; k < d->n; k++) {
        const size_t j0 = k > from + d->window ? k - d->window : from;
        size_t jm = j0;
        for (size_t j = j0 + 1; j < k; j++)
            if (r[j] <= r[jm])
                jm = j; /* the latest minimum: the rise starts there */
        if (!(r[k] > 0.0f) || (double)r[k] < d->rise_ratio * r[jm])
            continue;
        const size_t end = k + d->search < d->n ? k + d->search + 1 : d->n;
        size_t kp = k;
        for (size_t j = k + 1; j < end; j++)
            if (r[j] > r[kp])
                kp = j;
        if (r[kp] >= d->min_peak) {
            *kmin = jm;
            *kpeak = kp;
            return 1;
        }
        k = from = kp; /* too quiet: look for the next rise after its peak */
    }
    return 0;
}

/* First fractional block index after `from` where the envelope e crosses
 * `level` upwards (up = 1) or downwards (up = 0), up to `last`; -1 if never. */
static double crossing(const float *e, size_t from, size_t last, double level, int up)
{
    for (size_t j = from + 1; j <= last; j++) {
        const double a = e[j - 1], b = e[j];
        if (up ? b >= level : b <= level)
            return (double)(j - 1) + (a == b ? 1.0 : (level - a) / (b - a));
    }
    return -1.0;
}

static bx_status transient_stats(const bx_levels *l, bx_level_stats *out)
{
    const size_t n = l->peaks.n;
    const double block_ms = 1000.0 * (double)l->blk / l->rate_hz;
    const size_t hold = (size_t)fmax(1.0, floor(BX_LEVELS_HOLD_MS / block_ms + 0.5));
    const float *p = l->peaks.v;
    if (n < 2)
        return BX_OK;
    bx_status st = BX_ERR_NOMEM;
    size_t count = 0, *tk = NULL;
    double *attack = NULL, *decay = NULL;
    float *env = bx_malloc(2 * n * sizeof *env);
    if (!env)
        goto out;
    float *rise = env, *fall = env + n;
    float loudest = 0.0f;
    for (size_t k = 0; k < n; k++) {
        float a = 0.0f, b = 0.0f;
        for (size_t j = 0; j < hold; j++) {
            if (j <= k && p[k - j] > a)
                a = p[k - j];
            if (k + j < n && p[k + j] > b)
                b = p[k + j];
        }
        rise[k] = a;
        fall[k] = b;
        if (p[k] > loudest)
            loudest = p[k];
    }
    const detector d = {
        .rise = rise,
        .n = n,
        .window = (size_t)floor(BX_LEVELS_ONSET_WINDOW_MS / block_ms + 0.5),
        .search = (size_t)floor(BX_LEVELS_PEAK_SEARCH_MS / block_ms + 0.5),
        .rise_ratio = pow(10.0, BX_LEVELS_ONSET_RISE_DB / 20.0),
        .min_peak = loudest * pow(10.0, -BX_LEVELS_TRANSIENT_RANGE_DB / 20.0),
    };
    size_t kmin, kp;
    for (size_t from = 0; next_transient(&d, from, &kmin, &kp); from = kp)
        count++;
    if (count == 0) {
        st = BX_OK;
        goto out;
    }
    tk = bx_malloc(2 * count * sizeof *tk);
    attack = bx_malloc(2 * count * sizeof *attack);
    if (!tk || !attack)
        goto out;
    decay = attack + count;
    size_t i = 0;
    for (size_t from = 0; next_transient(&d, from, &kmin, &kp); from = kp, i++) {
        tk[2 * i] = kmin;
        tk[2 * i + 1] = kp;
    }
    const size_t decay_max = (size_t)floor(BX_LEVELS_DECAY_MAX_MS / block_ms + 0.5);
    const double fall_ratio = pow(10.0, -BX_LEVELS_DECAY_DB / 20.0);
    size_t n_decay = 0;
    for (i = 0; i < count; i++) {
        kmin = tk[2 * i];
        kp = tk[2 * i + 1];
        const double a0 = rise[kmin], ap = rise[kp];
        const double t10 = crossing(rise, kmin, kp, a0 + 0.1 * (ap - a0), 1);
        const double t90 = crossing(rise, kmin, kp, a0 + 0.9 * (ap - a0), 1);
        attack[i] = (t90 - t10) * block_ms;
        /* the fall envelope looks `hold` blocks ahead: stop before it sees the next rise */
        size_t last = kp + decay_max < n - 1 ? kp + decay_max : n - 1;
        if (i + 1 < count) {
            const size_t next = tk[2 * i + 2] + 1;
            last = next >= hold && next - hold < last ? next - hold : last;
        }
        if (last <= kp)
            continue;
        const double t = crossing(fall, kp, last, ap * fall_ratio, 0);
        if (t >= 0.0)
            decay[n_decay++] = (t - (double)kp) * block_ms;
    }
    out->transients = (unsigned)count;
    out->attack_ms = median(attack, count);
    out->decay_ms = median(decay, n_decay);
    st = BX_OK;
out:
    bx_free(env);
    bx_free(tk);
    bx_free(attack);
    return st;
}

bx_status bx_levels_finish(bx_levels *l, bx_level_stats *out, bx_error *err)
{
    memset(out, 0, sizeof *out);
    if (l->frames == 0)
        return bx_error_set(err, BX_ERR_AUDIO, "levels: no audio");
    out->seconds = (double)l->frames / l->rate_hz;

    double lra = 0.0, peak = 0.0;
    const double lufs = bx_meter_integrated(l->meter);
    bx_status st = bx_meter_range(l->meter, &lra, err);
    if (st)
        return st;
    for (unsigned c = 0; c < l->channels; c++)
        peak = fmax(peak, bx_meter_sample_peak(l->meter, c));
    out->loudness_lufs = lufs >= BX_LEVELS_SILENT_LUFS ? lufs : BX_LEVELS_SILENT_LUFS;
    const double energy = bx_meter_energy(l->meter);
    out->energy_lufs = energy >= BX_LEVELS_SILENT_LUFS ? energy : BX_LEVELS_SILENT_LUFS;
    out->lra_lu = isfinite(lra) && lra > 0.0 ? lra : 0.0;
    out->sample_peak_db = ms_db(peak * peak);
    out->rms_db = ms_db(l->sum_sq / (double)l->frames);
    out->crest_db = out->sample_peak_db - out->rms_db;

    if (envelope_stats(l, out) != BX_OK || transient_stats(l, out) != BX_OK) {
        memset(out, 0, sizeof *out);
        return bx_error_set(err, BX_ERR_NOMEM, "levels: out of memory");
    }
    return BX_OK;
}

static bx_status measure(const float *x, size_t frames, unsigned channels, double rate_hz,
                         int energy, double *lufs, bx_error *err)
{
    *lufs = BX_LEVELS_SILENT_LUFS;
    if (!(rate_hz >= BX_LEVELS_RATE_MIN && rate_hz <= BX_LEVELS_RATE_MAX) ||
        rate_hz != floor(rate_hz) || channels < 1 || channels > BX_LEVELS_MAX_CHANNELS)
        return bx_error_set(err, BX_ERR_ARG, "loudness: %g Hz, %u channels: not supported", rate_hz,
                            channels);
    bx_status st = check_frames(x, frames, channels, err);
    if (st)
        return st;
    bx_meter *m = bx_meter_create(rate_hz, channels, err);
    if (!m)
        return BX_ERR_NOMEM;
    st = bx_meter_add(m, x, frames, err);
    const double l = energy ? bx_meter_energy(m) : bx_meter_integrated(m);
    bx_meter_destroy(m);
    if (st)
        return st;
    *lufs = l >= BX_LEVELS_SILENT_LUFS ? l : BX_LEVELS_SILENT_LUFS;
    return BX_OK;
}

bx_status bx_loudness_lufs(const float *x, size_t frames, unsigned channels, double rate_hz,
                           double *lufs, bx_error *err)
{
    return measure(x, frames, channels, rate_hz, 0, lufs, err);
}

bx_status bx_energy_lufs(const float *x, size_t frames, unsigned channels, double rate_hz,
                         double *lufs, bx_error *err)
{
    return measure(x, frames, channels, rate_hz, 1, lufs, err);
}
