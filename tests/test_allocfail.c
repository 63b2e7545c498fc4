/* test_allocfail — any allocation libbx makes may fail: the call then reports
 * BX_ERR_NOMEM, and nothing leaks or crashes.
 *
 * The allocator hook (bx_set_allocator; it carries cJSON's allocations too)
 * is a failure injector here. Each scenario below is run once with every
 * allocation granted, which counts its allocations K and records a digest of
 * its results; then K more times, run N refusing the Nth allocation (every
 * N = 1..K, so every allocation site on the scenario's path fails once).
 * Every run must
 *  - fail with BX_ERR_NOMEM, returned and in err.code, with a message, or
 *  - succeed (the refused block had a fallback) with results identical, bit
 *    for bit, to the first run's;
 *  - and free every block it was given (the hook counts the live ones; the
 *    sanitizer build adds AddressSanitizer and LeakSanitizer, which also
 *    watch what libsndfile and the C library allocate).
 * The scenarios cover every public function that allocates: presets (parse,
 * JSON text, save and load), chain and engine with a hot reload, spectrum,
 * levels, loudness meter, EQ, compressor and chain fits, match, align,
 * resample, transfer function, the parallel entry points (through a
 * bx_parallel with three workers), audio files (read, write), a take read
 * for analysis, a whole --source analysis, and a preset's record read back
 * (its spectrum, its reference profile) with a take fitted to the profile.
 *
 * `test_allocfail NAME [N]` runs one scenario, and only failure point N.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _WIN32
#include <direct.h>
#define rmdir _rmdir
#else
#include <unistd.h>
#endif

#include "bx/align.h"
#include "bx/analysis.h"
#include "bx/audiofile.h"
#include "bx/chainfit.h"
#include "bx/compfit.h"
#include "bx/engine.h"
#include "bx/eqfit.h"
#include "bx/fsutil.h"
#include "bx/levels.h"
#include "bx/ltas.h"
#include "bx/match.h"
#include "bx/meter.h"
#include "bx/preset.h"
#include "bx/profile.h"
#include "bx/resample.h"
#include "bx/spectrum.h"
#include "bx/transfer.h"
#include "testutil.h"

/* ---- the failure injector -------------------------------------------------- */

static long alloc_calls; /* allocations asked for since alloc_fail_at */
static long fail_n = -1; /* the one refused (1-based), -1: none */
static long refused;     /* allocations refused since alloc_fail_at */
static long live;        /* blocks handed out and not yet freed */

static void *inj_alloc(size_t size, void *user)
{
    (void)user;
    if (++alloc_calls == fail_n) {
        refused++;
        return NULL;
    }
    void *p = malloc(size);
    live += p != NULL;
    return p;
}

static void inj_free(void *p, void *user)
{
    (void)user;
    live -= p != NULL;
    free(p);
}

/* Refuse the nth allocation from now on (-1: none); restart the count. */
static void alloc_fail_at(long n)
{
    alloc_calls = 0;
    refused = 0;
    fail_n = n;
}

/* ---- shared inputs ----------------------------------------------------------- */

#define FS 16000.0
#define N_MONO ((size_t)(3 * FS))   /* 3 s of hits */
#define N_STEREO ((size_t)(8 * FS)) /* 8 s: the loudness meter's history grows */
#define DELAY 37                    /* samples y lags x by, for bx_align */

static float *xs, *ys, *ydel, *st2; /* dry, processed, processed and delayed, stereo */
static size_t n_ydel;
static bx_chain_params truth;     /* the chain that made ys */
static double eq_f[48], eq_t[48]; /* an EQ fit's target */
static char dir[512], wav_in[600], wav_out[600], json_path[600];

static const char *const full_preset =
    "{ \"bxpreset\": 1, \"name\": \"T\\u00ebst \\\"\xe2\x98\x83\\\"\", \"description\": \"line 1\\n"
    "line 2 \\ud83c\\udfb8\\/\",\n"
    "  \"chain\": { \"input_gain_db\": 0.1,\n"
    "    \"eq\": [ {\"type\": \"highpass\", \"freq_hz\": 40, \"q\": 0.707},\n"
    "            {\"type\": \"low_shelf\", \"freq_hz\": 95.5, \"gain_db\": 0.3333333333333333},\n"
    "            {\"type\": \"peak\", \"freq_hz\": 2500, \"gain_db\": -3, \"q\": 1.2},\n"
    "            {\"type\": \"high_shelf\", \"freq_hz\": 5000, \"gain_db\": 1e-5, \"q\": 0.7},\n"
    "            {\"type\": \"lowpass\", \"freq_hz\": 7000} ],\n"
    "    \"compressor\": {\"threshold_db\": -20, \"ratio\": 4, \"knee_db\": 6, \"attack_ms\": 5,\n"
    "                   \"release_ms\": 100, \"makeup_db\": 3, \"detector\": \"rms\",\n"
    "                   \"start_level_db\": -6.5},\n"
    "    \"output_gain_db\": -0.5, \"limiter\": {\"ceiling_db\": -1} },\n"
    "  \"analysis\": { \"ltas\": {\"freq_hz\": [31.5, 63, 125], \"db\": [-30.25, -20, -18.125]},\n"
    "                \"nested\": {\"a\": [true, false, null, \"x\"], \"b\": {}, \"c\": []} } }\n";

/* Runs tasks in order on this thread, as worker i mod 3: the per-worker
 * scratch of the fits is allocated as with three threads. */
static void run_in_order(const bx_parallel *self, bx_task_fn fn, void *arg, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fn(arg, (unsigned)(i % self->workers), i);
}
static const bx_parallel three = {3, run_in_order, NULL};

/* Decaying noise hits every 150 ms, of varying strength. */
static void hits(float *x, size_t n, unsigned channels, uint64_t seed)
{
    const size_t period = (size_t)(0.15 * FS);
    double amp = 0.5;
    for (size_t i = 0; i < n; i++) {
        if (i % period == 0)
            amp = 0.15 + 0.7 * fabs(tu_noise(&seed));
        const double env = amp * exp(-(double)(i % period) / (0.03 * FS)) + 0.002;
        for (unsigned c = 0; c < channels; c++)
            x[i * channels + c] = (float)(env * tu_noise(&seed));
    }
}

/* ---- digests: results must not depend on where an allocation failed -------- */

typedef struct digest {
    uint64_t h;
} digest;

static void dg_bytes(digest *d, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ b[i]) * 1099511628211ULL; /* FNV-1a */
}

static void dg_double(digest *d, double v)
{
    dg_bytes(d, &v, sizeof v);
}

static void dg_str(digest *d, const char *s)
{
    if (s)
        dg_bytes(d, s, strlen(s) + 1);
    else
        dg_double(d, -1.0);
}

/* Structures field by field: their padding bytes hold anything. */
static void dg_bands(digest *d, const bx_band *b, unsigned n)
{
    dg_double(d, n);
    for (unsigned i = 0; i < n; i++) {
        const double v[] = {b[i].type, b[i].freq_hz, b[i].gain_db, b[i].q};
        dg_bytes(d, v, sizeof v);
    }
}

static void dg_comp(digest *d, const bx_comp_params *c)
{
    const double v[] = {c->threshold_db, c->ratio,           c->knee_db,
                        c->attack_ms,    c->release_ms,      c->makeup_db,
                        c->detector,     c->has_start_level, c->start_level_db};
    dg_bytes(d, v, sizeof v);
}

static void dg_params(digest *d, const bx_chain_params *p)
{
    dg_double(d, p->input_gain_db);
    dg_double(d, p->output_gain_db);
    dg_bands(d, p->bands, p->n_bands);
    dg_double(d, p->has_comp);
    if (p->has_comp)
        dg_comp(d, &p->comp);
    dg_double(d, p->has_limiter);
    if (p->has_limiter)
        dg_double(d, p->ceiling_db);
}

static void dg_conf(digest *d, const bx_eqfit_band_conf *c, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        dg_double(d, c[k].gain_sd_db);
        dg_double(d, c[k].freq_sd_oct);
        dg_double(d, c[k].q_sd_oct);
        dg_double(d, c[k].confidence);
    }
}

static void dg_eqfit(digest *d, const bx_eqfit_result *r)
{
    dg_bands(d, r->bands, r->n_bands);
    dg_conf(d, r->conf, r->n_bands);
    dg_double(d, r->offset_db);
    dg_double(d, r->rms_error_db);
}

static void dg_compfit(digest *d, const bx_compfit_result *r)
{
    dg_double(d, r->use_comp);
    dg_comp(d, &r->params);
    dg_double(d, r->error_db);
    dg_double(d, r->error_off_db);
}

/* ---- scenarios: each runs a sequence of calls and releases everything ----- */

static bx_status sc_preset_parse(digest *d, bx_error *err)
{
    bx_preset p;
    bx_status st = bx_preset_parse(full_preset, strlen(full_preset), "full.json", &p, err);
    if (st)
        return st;
    dg_str(d, p.name);
    dg_str(d, p.description);
    dg_str(d, p.analysis_json);
    dg_params(d, &p.chain);
    bx_preset_free(&p);
    return BX_OK;
}

static bx_status sc_preset_json(digest *d, bx_error *err)
{
    bx_preset p;
    bx_status st = bx_preset_init(&p);
    if (st) {
        bx_preset_free(&p);
        return bx_error_set(err, st, "bx_preset_init: out of memory");
    }
    if ((st = bx_preset_set_name(&p, "Tëst \"☃\"")) != BX_OK) {
        bx_preset_free(&p);
        return bx_error_set(err, st, "bx_preset_set_name: out of memory");
    }
    p.chain = truth;
    p.analysis_json = NULL;
    char *text = bx_preset_to_json(&p, err);
    if (text) {
        dg_str(d, text);
        bx_free(text);
    }
    bx_preset_free(&p);
    return text ? BX_OK : err->code;
}

static bx_status sc_preset_files(digest *d, bx_error *err)
{
    bx_preset p, q;
    bx_status st = bx_preset_parse(full_preset, strlen(full_preset), "full.json", &p, err);
    if (st)
        return st;
    st = bx_preset_save(json_path, &p, err);
    bx_preset_free(&p);
    if (st)
        return st;
    if ((st = bx_preset_load(json_path, &q, err)) != BX_OK)
        return st;
    dg_str(d, q.name);
    dg_str(d, q.analysis_json);
    dg_params(d, &q.chain);
    bx_preset_free(&q);
    return BX_OK;
}

static bx_status sc_chain_engine(digest *d, bx_error *err)
{
    enum { CH = 2, BLOCK = 128 };
    float buf[BLOCK * CH];
    bx_chain *c = bx_chain_create(&truth, FS, CH, err);
    if (!c)
        return err->code;
    bx_engine *e = bx_engine_create(c, FS, CH, err);
    if (!e) {
        bx_chain_destroy(c);
        return err->code;
    }
    bx_status st = BX_OK;
    bx_chain_params q = truth;
    q.bands[2].gain_db += 4.0;
    for (size_t k = 0; k < 64; k++) {
        memcpy(buf, st2 + k * BLOCK * CH, sizeof buf);
        bx_engine_process(e, buf, buf, BLOCK, NULL);
        dg_bytes(d, buf, sizeof buf);
        if (k == 8) { /* a hot reload */
            bx_chain *next = bx_chain_create(&q, FS, CH, err);
            if (!next) {
                st = err->code;
                break;
            }
            if (bx_engine_post_chain(e, next) != BX_OK) {
                bx_chain_destroy(next);
                st = bx_error_set(err, BX_ERR_ARG, "post refused");
                break;
            }
        }
        if (k == 40)
            bx_engine_set_bypass(e, 1);
        bx_chain_destroy(bx_engine_collect(e));
    }
    bx_engine_destroy(e);
    if (st)
        return st;
    /* and the offline convenience */
    float *y = malloc(N_MONO * sizeof *y);
    st = bx_chain_apply(&truth, FS, xs, y, N_MONO, err);
    if (!st)
        dg_bytes(d, y, N_MONO * sizeof *y);
    free(y);
    return st;
}

static bx_status sc_spectrum(digest *d, bx_error *err)
{
    bx_spectrum s;
    bx_ltas *l = bx_ltas_create(FS, 0, err);
    if (!l)
        return err->code;
    bx_ltas_add(l, xs, N_MONO);
    bx_status st = bx_ltas_finish(l, &s, err);
    if (!st) {
        dg_bytes(d, s.power, s.n_bins * sizeof *s.power);
        dg_double(d, s.gate_db);
        dg_double(d, (double)s.frames_used);
        bx_spectrum_free(&s);
    }
    bx_ltas_destroy(l);
    return st;
}

static bx_status sc_levels(digest *d, bx_error *err)
{
    bx_level_stats s;
    bx_levels *l = bx_levels_create(FS, 2, err);
    if (!l)
        return err->code;
    bx_status st = BX_OK;
    const size_t chunk = (size_t)FS / 2;
    for (size_t i = 0; i < N_STEREO && !st; i += chunk)
        st = bx_levels_add(l, st2 + 2 * i, N_STEREO - i < chunk ? N_STEREO - i : chunk, err);
    if (!st)
        st = bx_levels_finish(l, &s, err);
    bx_levels_destroy(l);
    if (st)
        return st;
    const double v[] = {s.seconds,   s.loudness_lufs, s.energy_lufs, s.lra_lu,    s.sample_peak_db,
                        s.rms_db,    s.crest_db,      s.p10_db,      s.p50_db,    s.p95_db,
                        s.spread_db, s.attack_ms,     s.decay_ms,    s.transients};
    dg_bytes(d, v, sizeof v);
    double lufs, energy;
    if ((st = bx_loudness_lufs(st2, N_STEREO, 2, FS, &lufs, err)) != BX_OK ||
        (st = bx_energy_lufs(st2, N_STEREO, 2, FS, &energy, err)) != BX_OK)
        return st;
    dg_double(d, lufs);
    dg_double(d, energy);
    return BX_OK;
}

static bx_status sc_meter(digest *d, bx_error *err)
{
    bx_meter *m = bx_meter_create(FS, 2, err);
    if (!m)
        return err->code;
    bx_status st = BX_OK;
    const size_t chunk = 4000;
    for (size_t i = 0; i < N_STEREO && !st; i += chunk)
        st = bx_meter_add(m, st2 + 2 * i, N_STEREO - i < chunk ? N_STEREO - i : chunk, err);
    double lra = 0;
    if (!st)
        st = bx_meter_range(m, &lra, err);
    if (!st) {
        dg_double(d, bx_meter_integrated(m));
        dg_double(d, bx_meter_energy(m));
        dg_double(d, lra);
        dg_double(d, bx_meter_sample_peak(m, 1));
    }
    bx_meter_destroy(m);
    return st;
}

static bx_status eqfit_with(digest *d, const bx_parallel *par, bx_error *err)
{
    bx_eqfit_opts o;
    bx_eqfit_opts_default(&o, FS, 3);
    o.quick = 1;
    o.par = par;
    bx_eqfit_result r;
    bx_status st = bx_eqfit(eq_f, eq_t, NULL, 48, &o, &r, err);
    if (st)
        return st;
    dg_eqfit(d, &r);
    st = bx_eqfit_polish(eq_f, eq_t, NULL, 48, &o, r.bands, r.n_bands, &r, err);
    if (!st)
        dg_eqfit(d, &r);
    bx_eqfit_band_conf conf[BX_MAX_BANDS];
    if (!st)
        st = bx_eqfit_confidence(eq_f, eq_t, NULL, 48, &o, r.bands, r.n_bands, conf, err);
    if (!st)
        dg_conf(d, conf, r.n_bands);
    return st;
}

static bx_status sc_eqfit(digest *d, bx_error *err)
{
    return eqfit_with(d, NULL, err);
}

static bx_status compfit_with(digest *d, const bx_parallel *par, bx_error *err)
{
    bx_dynsig sig;
    bx_compfit_result r;
    bx_status st = bx_dynsig_compute(ys, N_MONO, FS, &sig, err);
    if (st)
        return st;
    dg_bytes(d, &sig, sizeof sig);
    if ((st = bx_compfit_stats(xs, N_MONO, FS, &sig, 0.1, par, &r, err)) != BX_OK)
        return st;
    dg_compfit(d, &r);
    const size_t n = N_MONO / 2;
    if ((st = bx_compfit_paired(xs, ys, n, n / 8, FS, 0.1, par, &r, err)) != BX_OK)
        return st;
    dg_compfit(d, &r);
    return BX_OK;
}

static bx_status sc_compfit(digest *d, bx_error *err)
{
    return compfit_with(d, NULL, err);
}

static bx_status chainfit_with(digest *d, const bx_parallel *par, bx_error *err)
{
    bx_chain_params p = truth;
    p.n_bands = 2;
    p.bands[0].freq_hz *= 1.1;
    p.comp.threshold_db += 2.0;
    double snr = 0;
    const size_t n = (size_t)FS;
    bx_status st = bx_chainfit_refine(xs, ys, n, n / 4, FS, 2, par, &p, &snr, err);
    if (!st) {
        dg_params(d, &p);
        dg_double(d, snr);
    }
    return st;
}

static bx_status sc_chainfit(digest *d, bx_error *err)
{
    return chainfit_with(d, NULL, err);
}

static bx_status sc_match(digest *d, bx_error *err)
{
    bx_match_curve c;
    bx_status st = bx_match_curve_estimate(ys, N_MONO, xs, N_MONO, FS, &c, err);
    if (!st) {
        dg_bytes(d, c.freq_hz, c.n * sizeof *c.freq_hz);
        dg_bytes(d, c.db, c.n * sizeof *c.db);
        const double v[] = {(double)c.ref_frames, (double)c.take_frames, (double)c.pairs,
                            c.distance_db};
        dg_bytes(d, v, sizeof v);
    }
    return st;
}

static bx_status sc_align(digest *d, bx_error *err)
{
    long delay = 0;
    double score = 0;
    bx_status st = bx_align(xs, N_MONO, ydel, n_ydel, FS, 800, &delay, &score, err);
    if (!st) {
        dg_double(d, (double)delay);
        dg_double(d, score);
    }
    return st;
}

static bx_status sc_resample(digest *d, bx_error *err)
{
    const size_t n = (size_t)FS / 2, m = bx_resample_length(n, FS, 44100.0);
    float *y = malloc(m * sizeof *y);
    bx_status st = bx_resample(xs, n, FS, y, 44100.0, err);
    if (!st)
        dg_bytes(d, y, m * sizeof *y);
    free(y);
    return st;
}

static bx_status sc_transfer(digest *d, bx_error *err)
{
    bx_transfer t;
    bx_status st = bx_transfer_estimate(xs, ys, NULL, N_MONO, FS, 0, &t, err);
    if (st)
        return st;
    dg_bytes(d, t.sxx, 3 * t.n_bins * sizeof *t.sxx);
    dg_double(d, bx_transfer_db_at(&t, 1000.0, 0.33));
    bx_transfer_free(&t);
    return BX_OK;
}

static bx_status sc_common_gain(digest *d, bx_error *err)
{
    double *g = malloc(N_MONO * sizeof *g);
    if (!g)
        return bx_error_set(err, BX_ERR_NOMEM, "test: out of memory");
    bx_status st = bx_transfer_common_gain(xs, ys, N_MONO, FS, g, err);
    if (!st)
        dg_bytes(d, g, N_MONO * sizeof *g);
    free(g);
    return st;
}

static bx_status sc_parallel_apply(digest *d, bx_error *err)
{
    float *y = malloc(N_MONO * sizeof *y);
    bx_status st = bx_chain_apply_parallel(&truth, FS, xs, y, N_MONO, 0.2, &three, err);
    if (!st)
        dg_bytes(d, y, N_MONO * sizeof *y);
    free(y);
    if (st)
        return st;
    bx_ltas *l = bx_ltas_create(FS, 1024, err);
    if (!l)
        return err->code;
    bx_spectrum s;
    if ((st = bx_ltas_add_parallel(l, xs, N_MONO, &three, err)) == BX_OK &&
        (st = bx_ltas_finish(l, &s, err)) == BX_OK) {
        dg_bytes(d, s.power, s.n_bins * sizeof *s.power);
        bx_spectrum_free(&s);
    }
    bx_ltas_destroy(l);
    return st;
}

static bx_status sc_parallel_eqfit(digest *d, bx_error *err)
{
    return eqfit_with(d, &three, err);
}

static bx_status sc_parallel_compfit(digest *d, bx_error *err)
{
    return compfit_with(d, &three, err);
}

static bx_status sc_parallel_chainfit(digest *d, bx_error *err)
{
    return chainfit_with(d, &three, err);
}

static bx_status sc_audio_read(digest *d, bx_error *err)
{
    bx_audio_reader *r;
    bx_audio_info info;
    bx_status st = bx_audio_open(wav_in, &r, &info, err);
    if (st)
        return st;
    float buf[2 * 1000];
    long long got;
    while ((got = bx_audio_read(r, buf, 1000, err)) > 0)
        dg_bytes(d, buf, (size_t)got * 2 * sizeof *buf);
    bx_audio_close(r);
    if (got < 0)
        return err->code;
    dg_double(d, info.rate_hz);
    dg_double(d, (double)info.frames);
    dg_str(d, info.format);
    return BX_OK;
}

static bx_status sc_audio_write(digest *d, bx_error *err)
{
    bx_audio_writer *w;
    bx_status st =
        bx_audio_writer_create(wav_out, (int)FS, 2, BX_ENC_PCM24, (long long)FS, &w, err);
    if (st)
        return st;
    for (size_t i = 0; i < (size_t)FS && !st; i += 1000)
        st = bx_audio_writer_write(w, st2 + 2 * i, 1000, err);
    if (st) {
        bx_audio_writer_abort(w);
        return st;
    }
    if ((st = bx_audio_writer_commit(w, err)) != BX_OK)
        return st;
    dg_double(d, bx_exists(wav_out));
    return BX_OK;
}

static bx_status sc_take(digest *d, bx_error *err)
{
    bx_take *t;
    bx_status st = bx_take_load(wav_in, 0.5, NULL, &t, err);
    if (st)
        return st;
    size_t n;
    const float *m = bx_take_mono(t, &n);
    dg_bytes(d, m, n * sizeof *m);
    const bx_spectrum *sp = bx_take_spectrum(t);
    dg_bytes(d, sp->power, sp->n_bins * sizeof *sp->power);
    dg_bytes(d, bx_take_stats(t), sizeof(bx_level_stats));
    bx_take_free(t);
    return BX_OK;
}

/* the whole analysis of a reference (both files read "at once" through three) */
static bx_status sc_analysis(digest *d, bx_error *err)
{
    bx_analysis_opts o;
    bx_analysis_opts_default(&o);
    o.par = &three;
    bx_analysis_result r;
    bx_status st = bx_analysis_run(wav_in, BX_ANALYSIS_SOURCE, NULL, wav_in, &o, &r, err);
    if (st)
        return st;
    dg_params(d, &r.preset.chain);
    dg_str(d, r.preset.analysis_json);
    bx_analysis_result_free(&r);
    return st;
}

/* a preset's reference profile read back, and a take fitted to it (the
 * preset's record made in setup, before allocations are counted) */
static char *profile_record;

static bx_status sc_profile(digest *d, bx_error *err)
{
    bx_analysis_opts o;
    bx_analysis_opts_default(&o);
    o.par = &three;
    o.no_compressor = 1; /* the compressor's search is "analysis"'s; here the profile's paths */
    /* the record's spectrum, as older tools read it (cheap: its parse fails early) */
    bx_analysis_curve c;
    bx_status st = bx_analysis_reference_ltas(profile_record, &c, err);
    if (st)
        return st;
    dg_bytes(d, c.freq_hz, c.n * sizeof *c.freq_hz);
    dg_bytes(d, c.db, c.n * sizeof *c.db);
    bx_preset p;
    if (bx_preset_init(&p))
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory");
    if (!(p.analysis_json = bx_strdup(profile_record))) {
        bx_preset_free(&p);
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory");
    }
    bx_profile *prof = NULL;
    st = bx_profile_from_preset(&p, "p.json", &prof, err);
    bx_preset_free(&p);
    if (st)
        return st;
    bx_analysis_result f;
    st = bx_analysis_run_profile(prof, NULL, wav_in, &o, &f, err);
    bx_profile_free(prof);
    if (st)
        return st;
    dg_params(d, &f.preset.chain);
    dg_str(d, f.preset.analysis_json);
    bx_analysis_result_free(&f);
    return BX_OK;
}

typedef struct scenario {
    const char *name;
    bx_status (*run)(digest *d, bx_error *err);
} scenario;

static const scenario scenarios[] = {
    {"preset_parse", sc_preset_parse},
    {"preset_json", sc_preset_json},
    {"preset_files", sc_preset_files},
    {"chain_engine", sc_chain_engine},
    {"spectrum", sc_spectrum},
    {"levels", sc_levels},
    {"meter", sc_meter},
    {"eqfit", sc_eqfit},
    {"compfit", sc_compfit},
    {"chainfit", sc_chainfit},
    {"match", sc_match},
    {"align", sc_align},
    {"resample", sc_resample},
    {"transfer", sc_transfer},
    {"common gain", sc_common_gain},
    {"par_apply", sc_parallel_apply},
    {"par_eqfit", sc_parallel_eqfit},
    {"par_compfit", sc_parallel_compfit},
    {"par_chainfit", sc_parallel_chainfit},
    {"audio_read", sc_audio_read},
    {"audio_write", sc_audio_write},
    {"take", sc_take},
    {"analysis", sc_analysis},
    {"profile", sc_profile},
};

/* ---- what must not be taken for a lack of memory --------------------------- */

static int checks;

/* With memory to spare, text cJSON cannot parse is a syntax error, never
 * BX_ERR_NOMEM (bx_preset_parse tells the two apart when cJSON fails). */
static void syntax_errors(void)
{
    static const char *const bad[] = {
        "[1,]",           "{\"a\" 1}",
        "{\"a\":1,}",     "[1 2]",
        "{\"a\":[1}]",    "{1:2}",
        "{\"a\":1}}",     "[\"\\uDC00\"]",
        "[\"\\uD800x\"]", "[\"\\uD800\\u0041\"]",
        "[\"\\x\"]",      "[nul]",
        "[tru]",          "[",
        "{\"a\":",        "{\"a\":\"b}",
        "[1-2]",          "[1.5.3]",
        "\"\\u12\"",
    };
    /* cJSON 1.7.15 reads a number through a 64-byte buffer and fails on
     * this one; later versions take it, and the array is then no preset */
    static const char *const long_number =
        "[1234567890123456789012345678901234567890123456789012345678901234567890]";
    bx_preset p;
    bx_error err;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const bx_status st = bx_preset_parse(bad[i], strlen(bad[i]), "bad.json", &p, &err);
        checks++;
        if (st != BX_ERR_PARSE)
            tu_fail("%s: %s (%s), expected invalid JSON", bad[i], bx_strerror(st), err.msg);
    }
    const bx_status st = bx_preset_parse(long_number, strlen(long_number), "long.json", &p, &err);
    checks++;
    if (st != BX_ERR_PARSE && st != BX_ERR_PRESET)
        tu_fail("a 70-digit number: %s (%s), expected invalid JSON or preset", bx_strerror(st),
                err.msg);
    /* an analysis that is not JSON is refused, not taken for a lack of memory */
    if (bx_preset_init(&p) == BX_OK) {
        static const char broken[] = "{\"a\":}";
        if ((p.analysis_json = bx_malloc(sizeof broken)) != NULL)
            memcpy(p.analysis_json, broken, sizeof broken);
        char *text = bx_preset_to_json(&p, &err);
        checks++;
        if (text || err.code != BX_ERR_PRESET)
            tu_fail("an analysis that is not JSON: %s (%s)", bx_strerror(err.code), err.msg);
        bx_free(text);
        bx_preset_free(&p);
    }
    /* an FFT length KissFFT would take scratch memory for is refused */
    bx_transfer t;
    checks++;
    if (bx_transfer_estimate(xs, ys, NULL, N_MONO, FS, 2 * 7 * 64, &t, &err) != BX_ERR_ARG)
        tu_fail("transfer function with an FFT of 896 points: %s (%s), expected invalid argument",
                bx_strerror(err.code), err.msg);
    printf("not out of memory: %zu texts cJSON rejects, a broken analysis, an FFT that would "
           "allocate\n",
           sizeof bad / sizeof *bad + 1);
}

/* ---- the sweep --------------------------------------------------------------- */

typedef struct outcome {
    bx_status st;
    bx_error err;
    uint64_t digest;
    long calls, refused, leaked;
} outcome;

static void run_once(const scenario *s, long n, outcome *o)
{
    digest d = {14695981039346656037ULL};
    const long live0 = live;
    bx_error_clear(&o->err);
    alloc_fail_at(n);
    o->st = s->run(&d, &o->err);
    o->calls = alloc_calls;
    o->refused = refused;
    alloc_fail_at(-1);
    o->leaked = live - live0;
    o->digest = d.h;
}

/* Run s clean, then with each allocation 1..K refused (only `only` if > 0). */
static void sweep(const scenario *s, long only)
{
    outcome ref, o;
    const clock_t t0 = clock();
    run_once(s, -1, &ref);
    checks++;
    if (ref.st || ref.leaked) {
        tu_fail("%s: fails with every allocation granted: %s (%s), %ld blocks left", s->name,
                bx_strerror(ref.st), ref.err.msg, ref.leaked);
        return;
    }
    const long k = ref.calls;
    long runs = 0, nomem = 0, recovered = 0;
    for (long n = only > 0 ? only : 1; n <= (only > 0 ? only : k); n++) {
        run_once(s, n, &o);
        runs++;
        checks++;
        if (o.refused != 1) {
            tu_fail("%s, allocation %ld of %ld refused: the run made only %ld allocations", s->name,
                    n, k, o.calls);
        } else if (o.st == BX_OK) {
            recovered++;
            if (o.digest != ref.digest)
                tu_fail("%s, allocation %ld of %ld refused: succeeded with different results",
                        s->name, n, k);
        } else {
            nomem++;
            if (o.st != BX_ERR_NOMEM || o.err.code != o.st || !o.err.msg[0])
                tu_fail("%s, allocation %ld of %ld refused: status %s, err.code %s, message "
                        "\"%s\" (expected out of memory, with a message)",
                        s->name, n, k, bx_strerror(o.st), bx_strerror(o.err.code), o.err.msg);
        }
        if (o.leaked)
            tu_fail("%s, allocation %ld of %ld refused: %ld blocks not freed", s->name, n, k,
                    o.leaked);
    }
    printf("%-13s K = %4ld allocations, %4ld runs with one refused: %4ld out of memory, %3ld "
           "recovered (%.2f s)\n",
           s->name, k, runs, nomem, recovered, (double)(clock() - t0) / CLOCKS_PER_SEC);
    fflush(stdout);
}

static int setup(void)
{
    bx_error err;
    xs = malloc(N_MONO * sizeof *xs);
    ys = malloc(N_MONO * sizeof *ys);
    ydel = malloc((N_MONO + DELAY) * sizeof *ydel);
    st2 = malloc(2 * N_STEREO * sizeof *st2);
    if (!xs || !ys || !ydel || !st2)
        return -1;
    hits(xs, N_MONO, 1, 11);
    hits(st2, N_STEREO, 2, 12);

    bx_chain_params_default(&truth);
    truth.n_bands = 3;
    truth.bands[0] = (bx_band){BX_BIQUAD_HIGHPASS, 60, 0, 0.7071};
    truth.bands[1] = (bx_band){BX_BIQUAD_LOW_SHELF, 200, 4, 0.7071};
    truth.bands[2] = (bx_band){BX_BIQUAD_PEAK, 1500, -5, 1.5};
    truth.has_comp = 1;
    truth.comp = (bx_comp_params){-24, 4, 6, 5, 120, 2, BX_DETECTOR_PEAK, 0, 0, 0, 0};
    truth.has_limiter = 1;
    truth.ceiling_db = -1;
    if (tu_run_chain(&truth, FS, xs, ys, N_MONO))
        return -1;
    n_ydel = N_MONO + DELAY;
    memset(ydel, 0, DELAY * sizeof *ydel);
    memcpy(ydel + DELAY, ys, N_MONO * sizeof *ys);

    for (int i = 0; i < 48; i++) {
        eq_f[i] = 30.0 * pow(7000.0 / 30.0, i / 47.0);
        eq_t[i] = bx_eq_response_db(truth.bands + 1, 2, FS, eq_f[i]);
    }

    if (!tu_temp_dir(dir, sizeof dir, "bx-test-allocfail-")) {
        tu_fail("cannot make a temporary folder");
        return -1;
    }
    snprintf(wav_in, sizeof wav_in, "%s/in.wav", dir);
    snprintf(wav_out, sizeof wav_out, "%s/out.wav", dir);
    snprintf(json_path, sizeof json_path, "%s/preset.json", dir);
    bx_audio_writer *w;
    if (bx_audio_writer_create(wav_in, (int)FS, 2, BX_ENC_FLOAT, -1, &w, &err) ||
        bx_audio_writer_write(w, st2, (size_t)FS, &err) || bx_audio_writer_commit(w, &err)) {
        tu_fail("cannot write %s: %s", wav_in, err.msg);
        return -1;
    }
    bx_analysis_opts o;
    bx_analysis_opts_default(&o);
    bx_analysis_result r;
    if (bx_analysis_run(wav_in, BX_ANALYSIS_REFERENCE, NULL, NULL, &o, &r, &err)) {
        tu_fail("cannot analyse %s: %s", wav_in, err.msg);
        return -1;
    }
    profile_record = strdup(r.preset.analysis_json);
    bx_analysis_result_free(&r);
    return profile_record ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    const long only_n = argc > 2 ? atol(argv[2]) : 0;
    if (setup() != 0) {
        tu_fail("setup failed");
        return tu_finish("test_allocfail", 1);
    }
    bx_set_allocator(inj_alloc, inj_free, NULL);
    if (!only)
        syntax_errors();
    const clock_t t0 = clock();
    int found = 0;
    for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++) {
        if (only && strcmp(only, scenarios[i].name) != 0)
            continue;
        found = 1;
        sweep(&scenarios[i], only_n);
    }
    bx_set_allocator(NULL, NULL, NULL);
    if (!found)
        tu_fail("no scenario named \"%s\"", only);
    printf("all sweeps: %.1f s of processor time\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
    if (live)
        tu_fail("%ld blocks from the hook still live at the end", live);
    remove(wav_in);
    free(profile_record);
    remove(wav_out);
    remove(json_path);
    rmdir(dir);
    free(xs);
    free(ys);
    free(ydel);
    free(st2);
    return tu_finish("test_allocfail", checks);
}
