/* profile.c — a reference's profile (bx/profile.h): measured from its audio,
 * written as analysis.reference.profile, read back from a preset. */
#include "bx/profile.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis_record.h"
#include "bx/ltas.h"
#include "json.h"
#include "profile_impl.h"

/* what a profile's numbers are rounded to as they are measured (and
 * stored): powers and band levels in hundredths of a dB, statistics in
 * thousandths */
#define POWER_FLOOR_CDB (-30000) /* -300 dB: an empty bin */
#define CDB_MAX 30000
#define STAT_ABS_MAX 1000.0

static long power_cdb(double p)
{
    const double db = 10.0 * log10(fmax(p, 1e-30));
    const long v = lround(100.0 * db);
    return v < POWER_FLOOR_CDB ? POWER_FLOOR_CDB : v > CDB_MAX ? CDB_MAX : v;
}

static double cdb_power(long v)
{
    return pow(10.0, (double)v / 1000.0);
}

static double q_db(double db)
{
    const double v = round(100.0 * fmin(fmax(db, POWER_FLOOR_CDB / 100.0), CDB_MAX / 100.0));
    return v / 100.0;
}

static double q3(double v)
{
    if (!isfinite(v))
        v = v > 0 ? STAT_ABS_MAX : -STAT_ABS_MAX;
    return round(fmin(fmax(v, -STAT_ABS_MAX), STAT_ABS_MAX) * 1000.0) / 1000.0;
}

static void q_stats(bx_level_stats *s)
{
    double *v[] = {&s->seconds,        &s->loudness_lufs, &s->energy_lufs, &s->lra_lu,
                   &s->sample_peak_db, &s->rms_db,        &s->crest_db,    &s->p10_db,
                   &s->p50_db,         &s->p95_db,        &s->spread_db,   &s->attack_ms,
                   &s->decay_ms};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
        *v[k] = q3(*v[k]);
}

size_t bx_profile_low_nfft(double rate_hz)
{
    size_t nfft = 256;
    while ((double)nfft < LOW_FRAME_S * rate_hz && nfft < LOW_NFFT_MAX)
        nfft *= 2;
    return nfft;
}

/* The long frames' bins the low-end target can reach: up to LOW_XOVER_HZ,
 * widened by half the widest smoothing and by a third of an octave. */
static size_t low_bins(double rate_hz, size_t nfft)
{
    const double bin_hz = rate_hz / (double)nfft;
    const size_t top =
        (size_t)ceil(LOW_XOVER_HZ * exp2(0.5 * LOW_SMOOTH_MAX_OCT + 1.0 / 6.0) / bin_hz) + 3;
    return top < nfft / 2 ? top + 1 : nfft / 2 + 1;
}

void bx_profile_free(bx_profile *p)
{
    if (!p)
        return;
    bx_free(p->ref.path);
    bx_spectrum_free(&p->ref.spec);
    bx_spectrum_free(&p->low);
    bx_match_frames_free(&p->onsets);
    bx_free(p);
}

const char *bx_profile_file(const bx_profile *p)
{
    return p->ref.path;
}

double bx_profile_rate_hz(const bx_profile *p)
{
    return p->ref.rate_hz;
}

const bx_level_stats *bx_profile_stats(const bx_profile *p)
{
    return &p->ref.stats;
}

const bx_spectrum *bx_profile_spectrum(const bx_profile *p)
{
    return &p->ref.spec;
}

/* ---- measuring ----------------------------------------------------------------- */

typedef struct measure {
    const float *x;
    size_t n;
    double rate_hz;
    const bx_parallel *par;
    bx_profile *p;
    bx_status st[3];
} measure;

static void measure_task(void *arg, unsigned worker, size_t index)
{
    (void)worker;
    measure *m = arg;
    bx_profile *p = m->p;
    bx_error e2;
    if (index == 0) { /* the low end, in long frames */
        const size_t nfft = bx_profile_low_nfft(m->rate_hz);
        if (m->n < 4 * nfft)
            return; /* too short: the target keeps the long-term spectra there */
        bx_ltas *l = bx_ltas_create(m->rate_hz, nfft, &e2);
        bx_status st = l ? bx_ltas_add_parallel(l, m->x, m->n, m->par, &e2) : e2.code;
        bx_spectrum full;
        memset(&full, 0, sizeof full);
        if (!st)
            st = bx_ltas_finish(l, &full, &e2);
        bx_ltas_destroy(l);
        if (st) {
            m->st[0] = st == BX_ERR_NOMEM ? st : BX_OK; /* silence: no low end */
            return;
        }
        const size_t nb = low_bins(m->rate_hz, nfft);
        p->low = full;
        p->low.n_bins = nb;
        for (size_t k = 0; k < nb; k++)
            p->low.power[k] = cdb_power(power_cdb(full.power[k]));
    } else if (index == 1) { /* the onset frames */
        bx_status st =
            bx_match_frames_compute(m->x, m->n, m->rate_hz, BX_PROFILE_MAX_FRAMES, &p->onsets, &e2);
        if (!st)
            for (size_t k = 0; k < p->onsets.n_frames * p->onsets.n_bands; k++)
                p->onsets.db[k] = q_db(p->onsets.db[k]);
        m->st[1] = st;
    } else { /* the dynamics signature */
        const bx_status st = bx_dynsig_compute(m->x, m->n, m->rate_hz, &p->dyn, &e2);
        if (st == BX_ERR_NOMEM) {
            m->st[2] = st;
            return;
        }
        p->has_dyn = st == BX_OK;
        if (p->has_dyn) {
            for (int k = 0; k < BX_DYNSIG_NQ; k++)
                p->dyn.q10[k] = q3(p->dyn.q10[k]), p->dyn.q50[k] = q3(p->dyn.q50[k]);
            p->dyn.crest_db = q3(p->dyn.crest_db);
        }
    }
}

bx_status bx_profile_measure(const bx_take *ref, const bx_parallel *par, bx_profile **out,
                             bx_error *err)
{
    *out = NULL;
    if (!ref->mono || ref->n_mono == 0)
        return bx_error_set(err, BX_ERR_ARG, "%s: no audio kept to profile", ref->path);
    bx_profile *p = bx_calloc(1, sizeof *p);
    char stem[256];
    if (p)
        p->ref.path = bx_strdup(bx_analysis_take_file(ref, stem, sizeof stem));
    const size_t nb = ref->spec.n_bins;
    if (p)
        p->ref.spec.power = bx_malloc((nb ? nb : 1) * sizeof(double));
    if (!p || !p->ref.path || !p->ref.spec.power) {
        bx_profile_free(p);
        return bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", ref->path);
    }
    p->ref.named_by_stem = 1;
    p->ref.rate_hz = ref->rate_hz;
    p->ref.channels = ref->channels;
    p->ref.seconds = q3(ref->seconds);
    p->ref.stats = ref->stats;
    q_stats(&p->ref.stats);
    double *pw = p->ref.spec.power;
    p->ref.spec = ref->spec;
    p->ref.spec.power = pw;
    for (size_t k = 0; k < nb; k++)
        pw[k] = cdb_power(power_cdb(ref->spec.power[k]));
    const double cap = BX_PROFILE_SECONDS * ref->rate_hz;
    p->ref.n_mono = (double)ref->n_mono > cap ? (size_t)cap : ref->n_mono;
    measure m = {ref->mono, p->ref.n_mono, ref->rate_hz, par, p, {BX_OK, BX_OK, BX_OK}};
    bx_parallel_for(par, measure_task, &m, 3);
    for (int k = 0; k < 3; k++)
        if (m.st[k]) {
            bx_profile_free(p);
            return m.st[k] == BX_ERR_NOMEM
                       ? bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", ref->path)
                       : bx_error_set(err, m.st[k], "%s: cannot profile it", ref->path);
        }
    *out = p;
    return BX_OK;
}

/* ---- writing ------------------------------------------------------------------- */

/* The profile's arrays run to thousands of whole numbers: each is written as
 * one raw item (a node per number would be thousands of allocations). */
typedef long (*int_at_fn)(const double *v, size_t k);

static long power_at(const double *v, size_t k)
{
    return power_cdb(v[k]);
}

static long cdb_at(const double *v, size_t k)
{
    return lround(100.0 * v[k]);
}

/* "[a,b,...]" of at(v, k) for k < n at text + *at (room for 8 characters a
 * number and 2 more). */
static void put_ints(char *text, size_t *at, int_at_fn fn, const double *v, size_t n)
{
    text[(*at)++] = '[';
    for (size_t k = 0; k < n; k++)
        *at += (size_t)snprintf(text + *at, 9, k ? ",%ld" : "%ld", fn(v, k));
    text[(*at)++] = ']';
}

/* rows arrays of n numbers each, nested in one more array (or, with !nested,
 * one array alone: rows is 1), as one raw item. */
static cJSON *raw_ints(int_at_fn fn, const double *v, size_t rows, size_t n, int nested, int *ok)
{
    char *text = bx_malloc(rows * (n * 8 + 3) + 3);
    cJSON *a = NULL;
    if (text) {
        size_t at = 0;
        if (nested)
            text[at++] = '[';
        for (size_t r = 0; r < rows; r++) {
            if (r)
                text[at++] = ',';
            put_ints(text, &at, fn, v + r * n, n);
        }
        if (nested)
            text[at++] = ']';
        text[at] = '\0';
        a = cJSON_CreateRaw(text);
        bx_free(text);
    }
    if (!a)
        *ok = 0;
    return a;
}

static cJSON *stats_json(const bx_level_stats *s, int *ok)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        *ok = 0;
        return NULL;
    }
    bx_jw_num(o, "seconds", s->seconds, ok);
    bx_jw_num(o, "loudness_lufs", s->loudness_lufs, ok);
    bx_jw_num(o, "energy_lufs", s->energy_lufs, ok);
    bx_jw_num(o, "loudness_range_lu", s->lra_lu, ok);
    bx_jw_num(o, "sample_peak_db", s->sample_peak_db, ok);
    bx_jw_num(o, "rms_db", s->rms_db, ok);
    bx_jw_num(o, "crest_db", s->crest_db, ok);
    bx_jw_num(o, "level_p10_db", s->p10_db, ok);
    bx_jw_num(o, "level_p50_db", s->p50_db, ok);
    bx_jw_num(o, "level_p95_db", s->p95_db, ok);
    bx_jw_num(o, "level_spread_db", s->spread_db, ok);
    bx_jw_num(o, "attack_ms", s->attack_ms, ok);
    bx_jw_num(o, "decay_ms", s->decay_ms, ok);
    bx_jw_num(o, "transients", s->transients, ok);
    return o;
}

static cJSON *db_array(const double *v, size_t n, int *ok)
{
    cJSON *a = cJSON_CreateArray();
    if (!a)
        *ok = 0;
    for (size_t k = 0; a && k < n; k++)
        if (!bx_jw_push(a, cJSON_CreateNumber(v[k]), ok))
            break;
    return a;
}

cJSON *bx_profile_json(const bx_profile *p, int *ok)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        *ok = 0;
        return NULL;
    }
    bx_jw_num(o, "version", BX_PROFILE_VERSION, ok);
    bx_jw_num(o, "rate_hz", p->ref.rate_hz, ok);
    bx_jw_num(o, "channels", p->ref.channels, ok);
    bx_jw_num(o, "seconds", p->ref.seconds, ok);
    bx_jw_num(o, "samples", (double)p->ref.n_mono, ok);
    bx_jw_put(o, "levels", stats_json(&p->ref.stats, ok), ok);
    cJSON *l = bx_jw_obj(o, "ltas", ok);
    if (l) {
        bx_jw_num(l, "nfft", (double)p->ref.spec.nfft, ok);
        bx_jw_num(l, "gate_db", p->ref.spec.gate_db, ok);
        bx_jw_num(l, "frames_total", (double)p->ref.spec.frames_total, ok);
        bx_jw_num(l, "frames_used", (double)p->ref.spec.frames_used, ok);
        bx_jw_put(l, "power_cdb",
                  raw_ints(power_at, p->ref.spec.power, 1, p->ref.spec.n_bins, 0, ok), ok);
    }
    if (p->low.n_bins) {
        cJSON *lo = bx_jw_obj(o, "low", ok);
        bx_jw_num(lo, "nfft", (double)p->low.nfft, ok);
        bx_jw_put(lo, "power_cdb", raw_ints(power_at, p->low.power, 1, p->low.n_bins, 0, ok), ok);
    }
    cJSON *on = bx_jw_obj(o, "onsets", ok);
    if (on) {
        bx_jw_num(on, "bands", (double)p->onsets.n_bands, ok);
        bx_jw_put(on, "frames_cdb",
                  raw_ints(cdb_at, p->onsets.db, p->onsets.n_frames, p->onsets.n_bands, 1, ok), ok);
    }
    if (p->has_dyn) {
        cJSON *d = bx_jw_obj(o, "dynamics", ok);
        bx_jw_put(d, "q10_db", db_array(p->dyn.q10, BX_DYNSIG_NQ, ok), ok);
        bx_jw_put(d, "q50_db", db_array(p->dyn.q50, BX_DYNSIG_NQ, ok), ok);
        bx_jw_num(d, "crest_db", p->dyn.crest_db, ok);
    }
    return o;
}

/* ---- reading ------------------------------------------------------------------- */

typedef struct reader {
    const char *origin;
    bx_error *err;
    bx_status st;
} reader;

static int fail(reader *r, const char *field, const char *what)
{
    if (!r->st)
        r->st = bx_error_set(r->err, BX_ERR_PRESET, "%s: analysis.reference.profile%s%s: %s",
                             r->origin, *field ? "." : "", field, what);
    return 0;
}

/* The number at key of o within lo..hi, or fail. */
static double get_num(reader *r, const cJSON *o, const char *key, double lo, double hi)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(j)) {
        fail(r, key, j ? "not a number" : "missing");
        return lo;
    }
    if (!(j->valuedouble >= lo && j->valuedouble <= hi)) {
        char why[96];
        snprintf(why, sizeof why, "%g is out of range (%g..%g)", j->valuedouble, lo, hi);
        fail(r, key, why);
        return lo;
    }
    return j->valuedouble;
}

/* n numbers of array a, each within lo..hi, into v (through conv if not NULL). */
static int get_array(reader *r, const cJSON *a, const char *field, size_t n, double lo, double hi,
                     double *v, double (*conv)(long))
{
    if (!cJSON_IsArray(a))
        return fail(r, field, a ? "not an array" : "missing");
    if ((size_t)cJSON_GetArraySize(a) != n) {
        char why[96];
        snprintf(why, sizeof why, "%d values, %zu expected", cJSON_GetArraySize(a), n);
        return fail(r, field, why);
    }
    size_t k = 0;
    for (const cJSON *x = a->child; x; x = x->next, k++) {
        if (!cJSON_IsNumber(x) || !(x->valuedouble >= lo && x->valuedouble <= hi))
            return fail(r, field, "holds a value out of range");
        v[k] = conv ? conv((long)x->valuedouble) : x->valuedouble;
    }
    return 1;
}

static void read_stats(reader *r, const cJSON *o, bx_level_stats *s)
{
    if (!cJSON_IsObject(o)) {
        fail(r, "levels", o ? "not an object" : "missing");
        return;
    }
    const double M = STAT_ABS_MAX;
    s->seconds = get_num(r, o, "seconds", 0, 1e9);
    s->loudness_lufs = get_num(r, o, "loudness_lufs", -M, M);
    s->energy_lufs = get_num(r, o, "energy_lufs", -M, M);
    s->lra_lu = get_num(r, o, "loudness_range_lu", -M, M);
    s->sample_peak_db = get_num(r, o, "sample_peak_db", -M, M);
    s->rms_db = get_num(r, o, "rms_db", -M, M);
    s->crest_db = get_num(r, o, "crest_db", -M, M);
    s->p10_db = get_num(r, o, "level_p10_db", -M, M);
    s->p50_db = get_num(r, o, "level_p50_db", -M, M);
    s->p95_db = get_num(r, o, "level_p95_db", -M, M);
    s->spread_db = get_num(r, o, "level_spread_db", -M, M);
    s->attack_ms = get_num(r, o, "attack_ms", -M, 1e9);
    s->decay_ms = get_num(r, o, "decay_ms", -M, 1e9);
    s->transients = (unsigned)get_num(r, o, "transients", 0, 4e9);
}

static int is_pow2(size_t n)
{
    return n && !(n & (n - 1));
}

static void read_profile(reader *r, const cJSON *j, bx_profile *p)
{
    const double rate = get_num(r, j, "rate_hz", BX_LTAS_RATE_MIN, BX_LTAS_RATE_MAX);
    if (r->st)
        return;
    if (rate != floor(rate)) {
        fail(r, "rate_hz", "not a whole number");
        return;
    }
    p->ref.rate_hz = rate;
    p->ref.channels = (unsigned)get_num(r, j, "channels", 1, 64);
    p->ref.seconds = get_num(r, j, "seconds", 0, 1e9);
    p->ref.n_mono = (size_t)get_num(r, j, "samples", 1, BX_PROFILE_SECONDS * rate);
    read_stats(r, cJSON_GetObjectItemCaseSensitive(j, "levels"), &p->ref.stats);
    /* the long-term spectrum */
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(j, "ltas");
    if (!cJSON_IsObject(l)) {
        fail(r, "ltas", l ? "not an object" : "missing");
        return;
    }
    bx_spectrum *s = &p->ref.spec;
    s->rate_hz = rate;
    s->nfft = (size_t)get_num(r, l, "nfft", 256, 65536);
    s->gate_db = get_num(r, l, "gate_db", -200, 0);
    s->frames_total = (size_t)get_num(r, l, "frames_total", 1, 1e12);
    s->frames_used = (size_t)get_num(r, l, "frames_used", 1, (double)s->frames_total);
    if (r->st)
        return;
    if (!is_pow2(s->nfft)) {
        fail(r, "ltas.nfft", "not a power of two");
        return;
    }
    s->n_bins = s->nfft / 2 + 1;
    s->bin_hz = rate / (double)s->nfft;
    s->power = bx_malloc(s->n_bins * sizeof(double));
    if (!s->power) {
        r->st = bx_error_set(r->err, BX_ERR_NOMEM, "%s: out of memory", r->origin);
        return;
    }
    if (!get_array(r, cJSON_GetObjectItemCaseSensitive(l, "power_cdb"), "ltas.power_cdb", s->n_bins,
                   POWER_FLOOR_CDB, CDB_MAX, s->power, cdb_power))
        return;
    /* the low end: absent when the reference was too short for it */
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(j, "low");
    if (lo) {
        const size_t nfft = bx_profile_low_nfft(rate);
        if (get_num(r, lo, "nfft", 256, 65536) != (double)nfft && !r->st) {
            char why[96];
            snprintf(why, sizeof why, "%zu expected at %g Hz", nfft, rate);
            fail(r, "low.nfft", why);
        }
        if (r->st)
            return;
        p->low.rate_hz = rate;
        p->low.nfft = nfft;
        p->low.bin_hz = rate / (double)nfft;
        p->low.n_bins = low_bins(rate, nfft);
        p->low.power = bx_malloc(p->low.n_bins * sizeof(double));
        if (!p->low.power) {
            r->st = bx_error_set(r->err, BX_ERR_NOMEM, "%s: out of memory", r->origin);
            return;
        }
        if (!get_array(r, cJSON_GetObjectItemCaseSensitive(lo, "power_cdb"), "low.power_cdb",
                       p->low.n_bins, POWER_FLOOR_CDB, CDB_MAX, p->low.power, cdb_power))
            return;
    }
    /* the onset frames */
    const cJSON *on = cJSON_GetObjectItemCaseSensitive(j, "onsets");
    if (!cJSON_IsObject(on)) {
        fail(r, "onsets", on ? "not an object" : "missing");
        return;
    }
    const size_t nb = bx_match_band_count(rate);
    if (get_num(r, on, "bands", 0, BX_MATCH_MAX_BANDS) != (double)nb && !r->st) {
        char why[96];
        snprintf(why, sizeof why, "%zu expected at %g Hz", nb, rate);
        fail(r, "onsets.bands", why);
    }
    const cJSON *fr = cJSON_GetObjectItemCaseSensitive(on, "frames_cdb");
    if (!r->st && !cJSON_IsArray(fr))
        fail(r, "onsets.frames_cdb", fr ? "not an array" : "missing");
    if (!r->st && (size_t)cJSON_GetArraySize(fr) > BX_PROFILE_MAX_FRAMES)
        fail(r, "onsets.frames_cdb", "more frames than a profile keeps");
    if (r->st)
        return;
    bx_match_frames *mf = &p->onsets;
    mf->rate_hz = rate;
    mf->n_bands = nb;
    mf->n_frames = (size_t)cJSON_GetArraySize(fr);
    mf->db = bx_malloc((mf->n_frames * nb + 1) * sizeof(double));
    if (!mf->db) {
        r->st = bx_error_set(r->err, BX_ERR_NOMEM, "%s: out of memory", r->origin);
        return;
    }
    size_t f = 0;
    for (const cJSON *a = fr->child; a && !r->st; a = a->next, f++) {
        if (!get_array(r, a, "onsets.frames_cdb", nb, POWER_FLOOR_CDB, CDB_MAX, mf->db + f * nb,
                       NULL))
            return;
        for (size_t k = 0; k < nb; k++)
            mf->db[f * nb + k] /= 100.0;
    }
    /* the dynamics signature: absent when the reference had none */
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "dynamics");
    if (d) {
        if (!get_array(r, cJSON_GetObjectItemCaseSensitive(d, "q10_db"), "dynamics.q10_db",
                       BX_DYNSIG_NQ, -STAT_ABS_MAX, STAT_ABS_MAX, p->dyn.q10, NULL) ||
            !get_array(r, cJSON_GetObjectItemCaseSensitive(d, "q50_db"), "dynamics.q50_db",
                       BX_DYNSIG_NQ, -STAT_ABS_MAX, STAT_ABS_MAX, p->dyn.q50, NULL))
            return;
        p->dyn.crest_db = get_num(r, d, "crest_db", -STAT_ABS_MAX, STAT_ABS_MAX);
        p->has_dyn = !r->st;
    }
}

bx_status bx_profile_from_preset(const bx_preset *pr, const char *origin, bx_profile **out,
                                 bx_error *err)
{
    *out = NULL;
    if (!pr->analysis_json)
        return bx_error_set(err, BX_ERR_PRESET,
                            "%s: has no analysis record; make the preset from the reference "
                            "with bxanalyze REF -o PRESET",
                            origin);
    cJSON *a = cJSON_Parse(pr->analysis_json);
    if (!a)
        return bx_json_syntax_ok(pr->analysis_json, strlen(pr->analysis_json))
                   ? bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", origin)
                   : bx_error_set(err, BX_ERR_PRESET, "%s: the analysis record is not JSON",
                                  origin);
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(a, "reference");
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(ref, "profile");
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(ref, "file");
    bx_status st = BX_OK;
    if (!cJSON_IsObject(j)) {
        st = bx_error_set(err, BX_ERR_PRESET,
                          "%s: its analysis record has no reference profile "
                          "(analysis.reference.profile; older bxanalyze versions did not write "
                          "it): analyse the reference again with bxanalyze REF -o PRESET",
                          origin);
    } else {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "version");
        if (!cJSON_IsNumber(v))
            st = bx_error_set(err, BX_ERR_PRESET,
                              "%s: analysis.reference.profile.version: missing or not a number",
                              origin);
        else if (v->valuedouble != BX_PROFILE_VERSION)
            st = bx_error_set(err, BX_ERR_PRESET,
                              "%s: analysis.reference.profile is version %g; this bx reads "
                              "version %d (analyse the reference again with this bxanalyze)",
                              origin, v->valuedouble, BX_PROFILE_VERSION);
    }
    bx_profile *p = st ? NULL : bx_calloc(1, sizeof *p);
    if (!st && !p)
        st = bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", origin);
    if (!st) {
        p->ref.named_by_stem = 1;
        p->ref.path = bx_strdup(cJSON_IsString(file) && file->valuestring[0] ? file->valuestring
                                                                             : "reference");
        if (!p->ref.path)
            st = bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", origin);
    }
    if (!st) {
        reader r = {origin, err, BX_OK};
        read_profile(&r, j, p);
        st = r.st;
    }
    cJSON_Delete(a);
    if (st) {
        bx_profile_free(p);
        return st;
    }
    *out = p;
    return BX_OK;
}
