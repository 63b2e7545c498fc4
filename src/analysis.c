/* analysis.c — one analysis (bx/analysis.h): read the files, measure, fit
 * the EQ and the compressor, match the loudness, and describe it all in the
 * preset's analysis record. */
#include "bx/analysis.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "analysis_record.h"
#include "bx/align.h"
#include "bx/audiofile.h"
#include "bx/chain.h"
#include "bx/chainfit.h"
#include "bx/clock.h"
#include "bx/compfit.h"
#include "bx/dynsig.h"
#include "bx/eqfit.h"
#include "bx/ltas.h"
#include "bx/match.h"
#include "bx/meter.h"
#include "bx/resample.h"
#include "bx/spectrum.h"
#include "bx/transfer.h"
#include "neutral.h"
#include "profile_impl.h"
#include "take_impl.h"

#define FIT_LO_HZ 30.0
/* --source: down to 20 Hz, so that the EQ also follows the chain where a
 * kick has its weight and its peaks (a highpass in the chain shows there) */
#define FIT_LO_SOURCE_HZ 20.0
#define FIT_LO_PAIRED_HZ 12.0
/* --source, like with like (bx/match.h): trust of the paired sounds by their
 * shape distance, dB; the crossover to the long-term spectra, Hz */
#define MATCH_TRUST_DB 3.0
#define MATCH_DISTRUST_DB 5.0
#define MATCH_XOVER_HZ 70.0
/* --source: below LOW_XOVER_HZ the target comes from long frames
 * (low_end_target; profile_impl.h) */
/* --source with a compressor the data clearly show: the EQ is refitted once
 * to at least this share of what the whole chain still misses in the
 * long-term spectrum, however much the paired sounds are trusted (they see
 * the compressor's tilt only in part). Measured on the evaluation corpus
 * (README, "Accuracy"): LTAS error 0.61 -> 0.59 dB, centroid 115 -> 84 Hz
 * (medians; a share of 0.5 or 1.0 measured about the same, a second pass no
 * better, and keeping the compressor's input level through the refit
 * worse). A compressor kept on less evidence gets less (close_the_loop). */
#define LOOP_SHARE_MIN 0.7
/* paired: the waveform refinement's excerpt and settling time, s */
#define REFINE_S 5.0
#define REFINE_WARMUP_S 0.5
#define REFINE_ITERATIONS 20
/* the detectors' race before it (race_detectors): iterations per heat, and
 * the candidates that run the second heat. Measured on both evaluation
 * corpora against one heat of 4 iterations for all (docs/evaluation.md):
 * the same --paired medians, B c04 59 -> 86 dB and c12 26.5 -> 32 dB, and
 * the refinement 10-65 % faster where a compressor races */
#define RACE_ITERATIONS 2
#define RACE_FINALISTS 3
/* The first heat runs on the loudest RACE_HEAT_S of the excerpt (after the
 * same settling time): it only ranks, and the finalists' heat and the
 * refinement run on the whole excerpt. Measured on corpora A, B, B7 and K
 * against the whole excerpt: the same --paired medians but B's (63.4 ->
 * 66.1 dB), no case more than 2.1 dB worse, the first heat half as long;
 * on 1.5 s, B c15 fell from 90.9 to 42.1 dB */
#define RACE_HEAT_S 2.5
/* starts of the race: the rounds' ends (run_paired) */
#define RACE_STARTS_MAX 2
/* --paired: the first seconds of REF are not compared for the dynamics (the
 * processor that made it may have started in any state: SoX's compand starts
 * its detector at full scale), when REF is at least 3 times as long */
#define PAIRED_SETTLE_S 2.0
/* --paired: transfer-function frames, seconds (see transfer_nfft) */
#define PAIRED_FRAME_S 0.6
/* --paired: the second start (y over its common gain) on overlaps up to
 * this long; longer ones take the first start alone (the second's scratch
 * raised the peak memory of an hour's take by 73 MB) */
#define PAIRED_COMMON_GAIN_MAX_S 90.0
#define FIT_HI_HZ 16000.0
/* --source and --paired: up to 20 kHz (at most 0.45 of the rate). A take's
 * top octave is mostly noise, but the chain shaped the reference's the same
 * way, and left unconstrained the bands ran off there (one preset cut
 * 16-20 kHz by 11-19 dB, where a third of a spectrogram's bins lie).
 * Reference only stops at 16 kHz: the neutral model ends there. */
#define FIT_HI_TAKE_HZ 20000.0
#define GRID_PER_OCT 24
/* a compressor must improve its fit by this much to be kept, dB: against another
 * performance (--source) a small gain is within take-to-take noise */
#define COMP_MIN_GAIN_SOURCE_DB 0.5
/* --source: when the take's dynamics signature stays further than this from
 * the reference's with the best compressor and without one, no compressor
 * explains the difference (another kind of material, a take that is not a
 * performance): none is set, and the user is told, dB */
#define COMP_MISFIT_DB 3.0
/* Fewer hits than this in a file: its level statistics and onsets are thin evidence. */
#define FEW_HITS 12
#define COMP_MIN_GAIN_PAIRED_DB 0.25
/* --paired: a compressor below that gain is kept if the waveform refinement
 * with it beats the best without it by this much, dB of SNR */
#define FAINT_COMP_MIN_DB 1.0
/* reference only: REF's deviation from the neutral model beyond this many of
 * the dry takes' standard deviations is the chain's (run_reference) */
#define REF_SCATTER_SDS 3.0
/* reference only: cost of band gain in the EQ fit, per dB^2 (see bx_eqfit_opts) */
#define REF_GAIN_PENALTY 0.002
/* The EQ target's standard deviation at weight 1 (bx_eqfit_opts.noise_db), dB:
 * what decides whether a band pays for itself, and how far the priors pull
 * toward flat. --paired: a measured transfer function, whose own error comes
 * on top from its coherence (paired_target); --source: what two
 * performances' like-with-like spectra still differ by beyond what the data
 * itself says (like_with_like's standard error); reference only: what is
 * left of REF's deviation from the neutral model beyond the dry takes'
 * scatter (run_reference). */
#define EQ_NOISE_PAIRED_DB 0.1
/* --paired while a compressor may still be in the transfer function (the
 * rounds before the waveform refinement): what it does to the spectrum (it
 * turns loud, bass-heavy hits down more) has no place in the noise model, so
 * the information criterion is off (0) and a band is added when it lowers
 * the RMS error by EQ_MIN_GAIN_DB; the waveform refinement has the last word */
#define EQ_NOISE_PAIRED_COMP_DB 0.0
#define EQ_MIN_GAIN_DB 0.05
#define EQ_NOISE_SOURCE_DB 0.25
/* --source without a like-with-like curve: the long-term difference's standard
 * error, dB */
#define LTAS_SD_DB 0.5
#define EQ_NOISE_REFERENCE_DB 1.0

void bx_analysis_opts_default(bx_analysis_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_bands = 6;
    o->amount = 1.0;
    o->smoothing_oct = -1.0;
    o->ref_range.end_s = o->take_range.end_s = -1.0;
}

double bx_analysis_default_smoothing(bx_analysis_mode mode)
{
    return mode == BX_ANALYSIS_PAIRED ? 1.0 / 12.0 : mode == BX_ANALYSIS_SOURCE ? 2.0 / 3.0 : 1.0;
}

/* ---- helpers --------------------------------------------------------------- */

const char *const bx_analysis_stage_names[BX_ANALYSIS_STAGE_COUNT] = {
    "load", "align", "eq", "compressor", "refinement", "loudness", "record"};

/* The time since the last lap counts for stage s. */
static void lap(bx_analysis_result *res, bx_analysis_stage s)
{
    const double t = bx_clock_s();
    res->stage_s[s] += t - res->lap_t;
    res->lap_t = t;
}

static bx_status oom(bx_error *err, const char *path)
{
    return bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
}

/* Run the chain p over mono x into y (n samples) at rate_hz; errors name `path`. */
static bx_status apply_chain(const bx_chain_params *p, double rate_hz, const float *x, float *y,
                             size_t n, const char *path, bx_error *err)
{
    bx_error e2;
    const bx_status st = bx_chain_apply(p, rate_hz, x, y, n, &e2);
    return st ? bx_error_set(err, st, "%s: %s", path, e2.msg) : BX_OK;
}

/* x through p's EQ alone (no gains, compressor or limiter) into y. */
static bx_status apply_eq(const bx_chain_params *p, double rate_hz, const float *x, float *y,
                          size_t n, const char *path, bx_error *err)
{
    bx_chain_params eq_only = *p;
    eq_only.has_comp = eq_only.has_limiter = 0;
    eq_only.output_gain_db = eq_only.input_gain_db = 0;
    return apply_chain(&eq_only, rate_hz, x, y, n, path, err);
}

/* apply_chain for measurements, in parts on par's workers: each part warms
 * up for 8 of the compressor's time constants (at least 0.5 s), so the
 * output differs from apply_chain's by less than e^-8 of a start-up. */
static bx_status apply_chain_par(const bx_chain_params *p, double rate_hz, const float *x, float *y,
                                 size_t n, const bx_parallel *par, const char *path, bx_error *err)
{
    bx_error e2;
    const double warm_s =
        fmax(0.5, p->has_comp ? 8e-3 * (p->comp.attack_ms + p->comp.release_ms) : 0.0);
    const bx_status st = bx_chain_apply_parallel(p, rate_hz, x, y, n, warm_s, par, &e2);
    return st ? bx_error_set(err, st, "%s: %s", path, e2.msg) : BX_OK;
}

/* What a loudness match compares: BS.1770 integrated loudness, or the
 * K-weighted energy with the absolute gate only (bx_meter_energy). */
typedef enum { LOUD_INTEGRATED, LOUD_ENERGY } loud_measure;

/* Integrated loudness (BS.1770, mono) of n samples; errors name `path`. */
static bx_status loudness(const float *x, size_t n, double rate_hz, double *lufs, const char *path,
                          bx_error *err)
{
    bx_error e2;
    const bx_status st = bx_loudness_lufs(x, n, 1, rate_hz, lufs, &e2);
    return st ? bx_error_set(err, st, "%s: %s", path, e2.msg) : BX_OK;
}

/* The measure `how` of n samples (mono), LUFS; errors name `path`. */
static bx_status measure_loudness(const float *x, size_t n, double rate_hz, loud_measure how,
                                  double *lufs, const char *path, bx_error *err)
{
    if (how == LOUD_INTEGRATED)
        return loudness(x, n, rate_hz, lufs, path, err);
    bx_error e2;
    const bx_status st = bx_energy_lufs(x, n, 1, rate_hz, lufs, &e2);
    return st ? bx_error_set(err, st, "%s: %s", path, e2.msg) : BX_OK;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* ---- the EQ ------------------------------------------------------------------ */

/* Fit the EQ to cv->target_db into p's bands (scaled by --amount). raw, if not
 * NULL, receives the unscaled fit; if it already holds bands, they are only
 * polished (bx_eqfit_polish) instead of searched for anew. */
/* A bell or shelf of less gain than this does nothing a listener hears: it
 * is left out of a preset. */
#define IDLE_BAND_DB 0.05

/* Leave out of p the bells and shelves that do nothing (IDLE_BAND_DB): a
 * refinement on the waveform can take a band's gain there. */
static void drop_idle_bands(bx_chain_params *p)
{
    unsigned kept = 0;
    for (unsigned k = 0; k < p->n_bands; k++)
        if (!bx_biquad_type_has_gain(p->bands[k].type) || fabs(p->bands[k].gain_db) >= IDLE_BAND_DB)
            p->bands[kept++] = p->bands[k];
    p->n_bands = kept;
}

/* A band, or two together, whose response stays within FLAT_SET_DB of a
 * constant over 20 Hz - min(20 kHz, 0.45 rate) only changes the level (a low
 * and a high shelf at one frequency with one gain, which a refinement on the
 * waveform can leave behind): such bands are left out and their level moved
 * into the input gain, where it acts as they did (before the compressor). */
#define FLAT_SET_DB 0.01
#define FLAT_GRID 96

/* The constant the response of bands a and b (b < 0: a alone) stays within
 * FLAT_SET_DB of, in *level_db; 1 if it does. */
static int flat_set(const bx_chain_params *p, int a, int b, double rate_hz, double *level_db)
{
    bx_band two[2] = {p->bands[a], p->bands[b >= 0 ? b : a]};
    const unsigned n = b >= 0 ? 2 : 1;
    const double top = fmin(20000.0, 0.45 * rate_hz);
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < FLAT_GRID; i++) {
        const double f = 20.0 * pow(top / 20.0, (double)i / (FLAT_GRID - 1));
        const double r = bx_eq_response_db(two, n, rate_hz, f);
        lo = fmin(lo, r), hi = fmax(hi, r);
    }
    *level_db = 0.5 * (lo + hi);
    return hi - lo <= 2.0 * FLAT_SET_DB;
}

static void drop_flat_sets(bx_chain_params *p, double rate_hz)
{
    for (int a = 0; a < (int)p->n_bands; a++) {
        if (!bx_biquad_type_has_gain(p->bands[a].type))
            continue;
        int partner = -2; /* -1: a alone */
        double level = 0;
        for (int b = -1; b < (int)p->n_bands && partner == -2; b++)
            if (b != a && (b < 0 || bx_biquad_type_has_gain(p->bands[b].type)) &&
                flat_set(p, a, b, rate_hz, &level))
                partner = b;
        if (partner == -2)
            continue;
        p->input_gain_db += level;
        unsigned kept = 0;
        for (int k = 0; k < (int)p->n_bands; k++)
            if (k != a && k != partner)
                p->bands[kept++] = p->bands[k];
        p->n_bands = kept;
        a = -1; /* from the start: the indices moved */
    }
}

/* How far fit_eq searches (bx_eqfit_opts): the plain beam search, that and
 * one from a low and a high shelf, or the thorough search. */
enum { FIT_PLAIN = 0, FIT_THOROUGH = 1, FIT_SHELF_START = 2 };

static bx_status fit_eq(bx_analysis_curves *cv, const double *w, double rate_hz,
                        const bx_analysis_opts *o, double gain_penalty, double noise_db, int search,
                        bx_chain_params *p, double *err_db, bx_eqfit_result *raw, bx_error *err)
{
    bx_eqfit_opts eo;
    bx_eqfit_opts_default(&eo, rate_hz, o->max_bands);
    eo.gain_penalty = gain_penalty;
    eo.noise_db = noise_db;
    eo.resolution_oct = o->smoothing_oct;
    if (noise_db == 0)
        eo.min_gain_db = EQ_MIN_GAIN_DB;
    eo.par = o->par;
    eo.thorough = search == FIT_THOROUGH;
    eo.shelf_start = search == FIT_SHELF_START;
    eo.quick =
        o->smoothing_oct >= 1.0 / 3.0; /* a smooth target: the quick search finds the same bands */
    bx_eqfit_result r;
    bx_status st = raw && raw->n_bands
                       ? bx_eqfit_polish(cv->freq_hz, cv->target_db, w, cv->n, &eo, raw->bands,
                                         raw->n_bands, &r, err)
                       : bx_eqfit(cv->freq_hz, cv->target_db, w, cv->n, &eo, &r, err);
    if (st)
        return st;
    if (raw)
        *raw = r;
    /* the report shows the target without its broadband part */
    for (size_t i = 0; i < cv->n; i++) {
        cv->target_db[i] -= r.offset_db;
        cv->fit_db[i] = bx_eq_response_db(r.bands, r.n_bands, rate_hz, cv->freq_hz[i]);
    }
    p->n_bands = 0;
    for (unsigned k = 0; k < r.n_bands; k++) {
        bx_band b = r.bands[k];
        if (bx_biquad_type_has_gain(b.type)) {
            b.gain_db = clampd(b.gain_db * o->amount, BX_EQ_GAIN_MIN_DB, BX_EQ_GAIN_MAX_DB);
            if (fabs(b.gain_db) < IDLE_BAND_DB)
                continue; /* a band that does nothing */
        } else if (o->amount <= 0) {
            continue;
        }
        b.q = clampd(b.q, BX_Q_MIN, BX_Q_MAX);
        p->bands[p->n_bands++] = b;
    }
    *err_db = r.rms_error_db;
    return BX_OK;
}

/* Weight of a grid point from a spectrum's level: 0 at 70 dB below its
 * maximum (noise floor), 1 from 50 dB below. */
static void floor_weights(const double *db, size_t n, double *w)
{
    double mx = -1e300;
    for (size_t i = 0; i < n; i++)
        mx = fmax(mx, db[i]);
    for (size_t i = 0; i < n; i++)
        w[i] = fmin(w[i], clampd((db[i] - (mx - 70.0)) / 20.0, 0.0, 1.0));
}

/* A reference cut off like a lossy codec cuts (MP3, AAC: a wall at
 * 15-20 kHz, tens of dB within a few hundred Hz) says nothing about the
 * chain up there, and no EQ band can follow such a wall: the fit would
 * spend its bands on a cut of the user's top octave. Found on the unsmoothed
 * spectra: the lowest grid point f >= CUTOFF_MIN_HZ from which the reference
 * minus the other file stays CUTOFF_DROP_DB below its value 1/6 octave
 * lower (a biquad lowpass needs 1.7 octaves for that), up to the top of the
 * grid. 0: none. */
#define CUTOFF_MIN_HZ 10000.0
#define CUTOFF_DROP_DB 20.0
#define CUTOFF_HOLD_WEIGHT 0.25

static double band_limit_hz(const bx_analysis_curves *cv, const bx_spectrum *ref,
                            const bx_spectrum *other /* NULL: REF alone */)
{
    const size_t k = GRID_PER_OCT / 6; /* 1/6 octave in grid points */
    size_t lo = 0;
    while (lo < cv->n && cv->freq_hz[lo] < CUTOFF_MIN_HZ)
        lo++;
    if (lo < k || lo >= cv->n)
        return 0.0;
    double d[512];
    const size_t m = cv->n - (lo - k) < 512 ? cv->n - (lo - k) : 512;
    for (size_t j = 0; j < m; j++) {
        const double f = cv->freq_hz[lo - k + j];
        d[j] = bx_spectrum_db_at(ref, f, 0.0) - (other ? bx_spectrum_db_at(other, f, 0.0) : 0.0);
    }
    for (size_t i = k; i < m; i++) {
        const double before = d[i - k];
        size_t j = i;
        while (j < m && d[j] < before - CUTOFF_DROP_DB)
            j++;
        if (j == m)
            return cv->freq_hz[lo - k + i];
    }
    return 0.0;
}

/* Above a band limit (band_limit_hz: the first grid point past the wall)
 * the target is held at its value half the smoothing width below it (where
 * the smoothed curves no longer see the wall), with a light weight that keeps
 * the bands from running off there. */
static void hold_above(bx_analysis_curves *cv, double *w, double cutoff_hz, double smooth_oct)
{
    if (cutoff_hz <= 0)
        return;
    const double from = cutoff_hz * exp2(-0.5 * fmax(smooth_oct, 1.0 / 6.0));
    size_t i0 = 0;
    while (i0 + 1 < cv->n && cv->freq_hz[i0 + 1] <= from)
        i0++;
    for (size_t i = i0 + 1; i < cv->n; i++) {
        cv->target_db[i] = cv->target_db[i0];
        w[i] = CUTOFF_HOLD_WEIGHT;
    }
}

static bx_status curves_alloc(bx_analysis_curves *cv, double lo, double top, double rate_hz,
                              const char *path, bx_error *err)
{
    const double hi = fmin(top, 0.45 * rate_hz);
    const size_t n = (size_t)floor(GRID_PER_OCT * log2(hi / lo)) + 1;
    double *m = bx_calloc(7 * n, sizeof(double));
    if (!m)
        return oom(err, path);
    cv->n = n;
    cv->freq_hz = m;
    cv->reference_db = m + n;
    cv->source_db = m + 2 * n;
    cv->target_db = m + 3 * n;
    cv->fit_db = m + 4 * n;
    cv->sd_db = m + 6 * n;
    for (size_t i = 0; i < n; i++)
        cv->freq_hz[i] = lo * exp2((double)i / GRID_PER_OCT);
    return BX_OK;
}

/* ---- the modes ------------------------------------------------------------- */

/* Add d dB of gain before the limiter: to the compressor's makeup if there is
 * one, what its range cannot take to the output gain. Returns the gain added. */
static double add_gain(bx_chain_params *p, double d)
{
    double left = d;
    if (p->has_comp) {
        const double m = clampd(p->comp.makeup_db + left, BX_MAKEUP_MIN_DB, BX_MAKEUP_MAX_DB);
        left -= m - p->comp.makeup_db;
        p->comp.makeup_db = m;
    }
    const double g = clampd(p->output_gain_db + left, BX_GAIN_STAGE_MIN_DB, BX_GAIN_STAGE_MAX_DB);
    left -= g - p->output_gain_db;
    p->output_gain_db = g;
    return d - left;
}

/* The measure `how` (mono, LUFS) of u scaled by gain_db and limited at ceiling_db:
 * what the chain's last two stages make of u, its signal before them. */
static bx_status limited_loudness(const float *u, size_t n, size_t from, double rate_hz,
                                  double gain_db, double ceiling_db, loud_measure how, double *lufs,
                                  const char *path, bx_error *err)
{
    enum { BLOCK = 1024 };
    bx_error e2;
    bx_meter *m = bx_meter_create(rate_hz, 1, &e2);
    if (!m)
        return bx_error_set(err, e2.code, "%s: %s", path, e2.msg);
    bx_limiter lim;
    bx_limiter_init(&lim, ceiling_db, rate_hz);
    const double g = pow(10.0, gain_db / 20.0);
    double d[BLOCK];
    float f[BLOCK];
    bx_status st = BX_OK;
    for (size_t i = 0; i < n && !st; i += BLOCK) {
        const size_t k = n - i < BLOCK ? n - i : BLOCK;
        for (size_t j = 0; j < k; j++)
            d[j] = g * u[i + j];
        bx_limiter_process(&lim, d, k, 1);
        const size_t j0 = i < from ? (from - i < k ? from - i : k) : 0; /* measured from `from` */
        for (size_t j = j0; j < k; j++)
            f[j - j0] = (float)d[j];
        if (k > j0)
            st = bx_meter_add(m, f, k - j0, &e2);
    }
    const double l = how == LOUD_ENERGY ? bx_meter_energy(m) : bx_meter_integrated(m);
    bx_meter_destroy(m);
    if (st)
        return bx_error_set(err, st, "%s: %s", path, e2.msg);
    *lufs = l > -70.0 ? l : -70.0;
    return BX_OK;
}

/* Set the gain (add_gain) so that x through the chain has the target
 * loudness (the measure `how`) from sample `from` on (the chain runs from the
 * start). Everything before the limiter scales with that gain, so one
 * rendering without the limiter gives the exact correction whenever the peak
 * stays under the ceiling. Otherwise the limiter's share is measured, up to
 * three times, on that rendering scaled and limited (the chain's last two
 * stages; the EQ and compressor need not run again), each correction divided
 * by how much the loudness moved per dB of gain between the last two. */
static bx_status match_loudness(bx_chain_params *p, double rate_hz, const float *x, size_t n,
                                size_t from, loud_measure how, double target_lufs, float *scratch,
                                const bx_parallel *par, const char *path, bx_error *err)
{
    /* scratch: n floats the caller lends (fresh memory costs page faults), or NULL */
    float *y = scratch ? scratch : bx_malloc(n * sizeof(float));
    if (!y)
        return oom(err, path);
    bx_chain_params q = *p;
    q.has_limiter = 0;
    double l = -70.0;
    bx_status st = apply_chain_par(&q, rate_hz, x, y, n, par, path, err);
    if (!st)
        st = measure_loudness(y + from, n - from, rate_hz, how, &l, path, err);
    if (!st && l > -69.9) {
        double peak = 0;
        for (size_t i = 0; i < n; i++)
            peak = fabs(y[i]) > peak ? fabs(y[i]) : peak;
        double g = add_gain(p, target_lufs - l); /* dB added to q's gains */
        const int exact = !p->has_limiter ||
                          peak * pow(10.0, g / 20.0) <= pow(10.0, p->ceiling_db / 20.0) * 0.999;
        double g_prev = 0, l_prev = 0;
        for (int pass = 0; pass < 3 && !exact && !st; pass++) {
            st = limited_loudness(y, n, from, rate_hz, g, p->ceiling_db, how, &l, path, err);
            if (st || l <= -69.9 || fabs(target_lufs - l) < 0.02)
                break;
            double slope = 1.0;
            if (pass > 0 && fabs(g - g_prev) > 1e-6)
                slope = clampd((l - l_prev) / (g - g_prev), 0.1, 1.0);
            g_prev = g;
            l_prev = l;
            g += add_gain(p, (target_lufs - l) / slope);
        }
    }
    if (!scratch)
        bx_free(y);
    return st;
}

static void set_limiter(bx_chain_params *p, const bx_take *ref)
{
    p->has_limiter = 1;
    p->ceiling_db = ref->stats.sample_peak_db > -1.0 ? -0.1 : -1.0;
}

static void scale_comp(bx_comp_params *c, double amount)
{
    c->ratio = clampd(1.0 + (c->ratio - 1.0) * amount, BX_RATIO_MIN, BX_RATIO_MAX);
}

static void clamp_comp(bx_comp_params *c)
{
    c->threshold_db = clampd(c->threshold_db, BX_THRESHOLD_MIN_DB, BX_THRESHOLD_MAX_DB);
    c->ratio = clampd(c->ratio, BX_RATIO_MIN, BX_RATIO_MAX);
    c->knee_db = clampd(c->knee_db, BX_KNEE_MIN_DB, BX_KNEE_MAX_DB);
    c->attack_ms = clampd(c->attack_ms, BX_ATTACK_MIN_MS, BX_ATTACK_MAX_MS);
    c->release_ms = clampd(c->release_ms, BX_RELEASE_MIN_MS, BX_RELEASE_MAX_MS);
    c->makeup_db = clampd(c->makeup_db, BX_MAKEUP_MIN_DB, BX_MAKEUP_MAX_DB);
    if (bx_detector_averages(c->detector))
        c->rms_ms = clampd(bx_comp_rms_ms(c), BX_COMP_RMS_MIN_MS, BX_COMP_RMS_MAX_MS);
}

/* REF and the take at one sample rate, for comparing them: REF's (its
 * profile was measured there), the take resampled to it if it differs, with
 * both long-term spectra on the same FFT bins. Fine-grained spectra on
 * different bins do not subtract cleanly: at 30 Hz a 1/3-octave band holds
 * one or two bins, and where they fall differs from rate to rate. */
typedef struct common_rate {
    const bx_profile *ref;
    const float *take;
    size_t n_take;
    double rate_hz; /* 0: no common rate (a conversion that cannot be made) */
    const bx_spectrum *ref_spec, *take_spec;
    float *conv;      /* the resampled take (owned), or NULL */
    bx_spectrum spec; /* its spectrum (owned) */
} common_rate;

static void common_rate_free(common_rate *c)
{
    bx_free(c->conv);
    bx_spectrum_free(&c->spec);
}

/* x (n samples at from_hz) resampled to to_hz, in a new buffer of *m
 * samples; NULL with *st set (BX_ERR_NOMEM, or BX_ERR_ARG for a rate it
 * cannot convert). */
static float *resampled(const float *x, size_t n, double from_hz, double to_hz, size_t *m,
                        bx_status *st)
{
    bx_error e2;
    *m = bx_resample_length(n, from_hz, to_hz);
    float *y = bx_malloc((*m ? *m : 1) * sizeof(float));
    *st = y ? bx_resample(x, n, from_hz, y, to_hz, &e2) : BX_ERR_NOMEM;
    if (*st) {
        bx_free(y);
        return NULL;
    }
    return y;
}

/* Errors: BX_ERR_NOMEM only; a conversion that cannot be made leaves the
 * take as it is (rates differ: like_with_like then keeps the long-term
 * spectra). */
static bx_status common_rate_init(common_rate *c, const bx_profile *ref, const bx_take *src)
{
    memset(c, 0, sizeof *c);
    c->ref = ref;
    c->ref_spec = &ref->ref.spec;
    c->take = src->mono, c->n_take = src->n_mono, c->take_spec = &src->spec;
    c->rate_hz = src->rate_hz;
    if (ref->ref.rate_hz == src->rate_hz)
        return BX_OK;
    size_t m;
    bx_error e2;
    bx_status st;
    c->conv = resampled(src->mono, src->n_mono, src->rate_hz, ref->ref.rate_hz, &m, &st);
    bx_ltas *l = NULL;
    if (!st) {
        l = bx_ltas_create(ref->ref.rate_hz, ref->ref.spec.nfft, &e2);
        st = l ? BX_OK : e2.code;
    }
    if (!st) {
        bx_ltas_add(l, c->conv, m);
        st = bx_ltas_finish(l, &c->spec, &e2);
    }
    bx_ltas_destroy(l);
    if (st) {
        common_rate_free(c);
        memset(c, 0, sizeof *c);
        c->ref = ref;
        c->ref_spec = &ref->ref.spec;
        c->take = src->mono, c->n_take = src->n_mono, c->take_spec = &src->spec;
        c->rate_hz = 0; /* no common rate */
        return st == BX_ERR_NOMEM ? st : BX_OK;
    }
    c->rate_hz = ref->ref.rate_hz;
    c->take = c->conv, c->n_take = m, c->take_spec = &c->spec;
    return BX_OK;
}

/* The sounds of the reference compared with the most similar sounds of the
 * take (bx/match.h): a curve that follows the chain rather than what was
 * played. It replaces the long-term difference in cv->target_db, weighted by
 * how alike the paired sounds are: fully when they agree within
 * MATCH_TRUST_DB, not at all from MATCH_DISTRUST_DB on (another instrument,
 * another voice: then the long-term spectra are the only common ground).
 * Below MATCH_XOVER_HZ, where 80 ms frames cannot resolve the spectrum, the
 * long-term difference continues the curve. Only BX_ERR_NOMEM is an error. */
static bx_status like_with_like(bx_analysis_result *res, const common_rate *cr,
                                const bx_analysis_opts *o)
{
    bx_analysis_curves *cv = &res->curves;
    bx_match_curve mc;
    bx_error e2;
    res->match_weight = 0.0;
    /* without the curve the long-term difference is the target itself (the
     * sound of another kit or voice is what the user asked for) */
    for (size_t i = 0; i < cv->n; i++)
        cv->sd_db[i] = LTAS_SD_DB;
    if (cr->rate_hz <= 0)
        return BX_OK; /* no common rate: long-term spectra */
    bx_match_frames tf;
    bx_status st = bx_match_frames_compute(cr->take, cr->n_take, cr->rate_hz, 0, &tf, &e2);
    if (!st)
        st = bx_match_curve_from_frames(&cr->ref->onsets, &tf, &mc, &e2);
    bx_match_frames_free(&tf);
    if (st)
        return st == BX_ERR_NOMEM ? st : BX_OK; /* nothing to pair: long-term spectra */
    res->match_pairs = mc.pairs;
    res->match_distance_db = mc.distance_db;
    res->match_rate_hz = cr->rate_hz;
    res->match_resampled = cr->conv != NULL;
    const double wm = clampd(
        (MATCH_DISTRUST_DB - mc.distance_db) / (MATCH_DISTRUST_DB - MATCH_TRUST_DB), 0.0, 1.0);
    res->match_weight = wm;
    if (wm <= 0)
        return BX_OK;
    /* the curve on the grid, smoothed half as wide as the spectra (a running
     * mean): it is made of 1/6-octave bands and is already steadier */
    const int hw = (int)(0.25 * o->smoothing_oct * GRID_PER_OCT);
    size_t ix = 0;
    while (ix + 1 < cv->n && cv->freq_hz[ix] < MATCH_XOVER_HZ)
        ix++;
    for (size_t i = ix; i < cv->n; i++) {
        double sum = 0;
        for (int j = -hw; j <= hw; j++)
            sum += bx_match_db_at(&mc, cv->freq_hz[i] * exp2((double)j / GRID_PER_OCT));
        cv->fit_db[i] = sum / (2 * hw + 1); /* scratch until the fit */
    }
    for (size_t i = 0; i < ix; i++)
        cv->fit_db[i] = cv->target_db[i] - cv->target_db[ix] + cv->fit_db[ix];
    /* above the paired bands' range, likewise (steady noise is compared best
     * over the whole take) */
    size_t iy = cv->n - 1;
    while (iy > ix && cv->freq_hz[iy] > BX_MATCH_HI_HZ)
        iy--;
    for (size_t i = iy + 1; i < cv->n; i++)
        cv->fit_db[i] = cv->target_db[i] - cv->target_db[iy] + cv->fit_db[iy];
    /* blend with the long-term difference, both levelled over 100 Hz - 10 kHz
     * (the curve's constant is arbitrary) */
    double ml = 0, mm = 0, cnt = 0;
    for (size_t i = 0; i < cv->n; i++)
        if (cv->freq_hz[i] >= 100 && cv->freq_hz[i] <= 10000)
            ml += cv->target_db[i], mm += cv->fit_db[i], cnt++;
    if (cnt > 0)
        ml /= cnt, mm /= cnt;
    /* The target's standard error. Where the curve was measured: its own
     * (a 1/6-octave band is 4 grid points; the running mean averages them).
     * Elsewhere, and for the long-term difference's share: how far that
     * difference strays from the curve where both exist. */
    double dev = 0, nd = 0;
    for (size_t i = ix; i <= iy; i++) {
        const double d = (cv->target_db[i] - ml) - (cv->fit_db[i] - mm);
        dev += d * d, nd++;
    }
    const double sd_ltas = fmax(nd > 0 ? sqrt(dev / nd) : 0.0, EQ_NOISE_SOURCE_DB);
    const double bands_averaged = fmax(1.0, (2.0 * hw + 1.0) / 4.0);
    for (size_t i = 0; i < cv->n; i++) {
        const double se = bx_match_sd_at(&mc, cv->freq_hz[i]) / sqrt(bands_averaged);
        const double sm = i >= ix && i <= iy ? se : sd_ltas;
        cv->sd_db[i] = sqrt(wm * wm * sm * sm + (1.0 - wm) * (1.0 - wm) * sd_ltas * sd_ltas);
    }
    for (size_t i = 0; i < cv->n; i++) {
        cv->target_db[i] = wm * (cv->fit_db[i] - mm) + (1.0 - wm) * (cv->target_db[i] - ml);
        cv->fit_db[i] = 0;
    }
    return BX_OK;
}

/* The target below LOW_XOVER_HZ, from long frames. The long-term spectra's
 * 170 ms Hann frames blur a steep slope: their main lobe spans +-12 Hz, so
 * at 20-40 Hz a reference cut by a highpass reads the energy just above the
 * cut. And the ratio of two spectra each averaged over the smoothing width
 * is the chain's response weighted by the take's own spectrum, which rises
 * steeply there (a kick's fundamental): both read the cut as shallower than
 * it is. Here: spectra of frames of at least LOW_FRAME_S (1.5 Hz bins at
 * 48 kHz), and over the smoothing width the ratio of REF's power to the
 * take's with every bin divided by the take's mean over 1/3 octave around
 * it (sum R/T3 over sum T/T3): the take's slope no longer weighs the bins,
 * and a bin the take leaves empty (a click train is a comb of lines) counts
 * as little as in a plain power ratio. Joined to the target at
 * LOW_XOVER_HZ; the two spectra (their plain mean over the same width, on
 * the long-term spectra's scale) replace theirs there too, so that the
 * weights and the report read the same frames as the target. Files too
 * short for four frames keep the target as it is. Only BX_ERR_NOMEM is an
 * error. */
static bx_status low_end_target(bx_analysis_curves *cv, const common_rate *cr,
                                const bx_analysis_opts *o)
{
    const bx_spectrum *ref_low = &cr->ref->low;
    if (cr->rate_hz <= 0 || ref_low->n_bins == 0)
        return BX_OK;
    const size_t nfft = ref_low->nfft;
    if (cr->n_take < 4 * nfft)
        return BX_OK;
    size_t ix = 0;
    while (ix + 1 < cv->n && cv->freq_hz[ix + 1] <= LOW_XOVER_HZ)
        ix++;
    const double half = exp2(0.5 * fmax(o->smoothing_oct, 1.0 / 6.0)), third = exp2(1.0 / 6.0);
    const double bin_hz = cr->rate_hz / (double)nfft;
    /* the bins the windows reach, and the take's running sum over them */
    const size_t top = (size_t)ceil(cv->freq_hz[ix] * half * third / bin_hz) + 2;
    if (top >= nfft / 2 || top >= ref_low->n_bins)
        return BX_OK;
    double *cum = bx_malloc((top + 2 + 2 * (ix + 1)) * sizeof(double));
    if (!cum)
        return BX_ERR_NOMEM;
    bx_spectrum take_low;
    memset(&take_low, 0, sizeof take_low);
    bx_error e2;
    bx_ltas *l = bx_ltas_create(cr->rate_hz, nfft, &e2);
    bx_status st = l ? bx_ltas_add_parallel(l, cr->take, cr->n_take, o->par, &e2) : e2.code;
    if (!st)
        st = bx_ltas_finish(l, &take_low, &e2);
    bx_ltas_destroy(l);
    if (!st) {
        const double *R = ref_low->power, *T = take_low.power;
        cum[0] = 0;
        for (size_t k = 0; k <= top; k++)
            cum[k + 1] = cum[k] + T[k];
        const double eps = 1e-12 * (cum[top + 1] / (double)(top + 1)) + 1e-300;
        double *low = cv->fit_db; /* scratch until the fit */
        double *lr = cum + top + 2, *lt = lr + ix + 1;
        for (size_t i = 0; i <= ix; i++) {
            size_t k0 = (size_t)ceil(cv->freq_hz[i] / half / bin_hz),
                   k1 = (size_t)floor(cv->freq_hz[i] * half / bin_hz);
            if (k0 < 1)
                k0 = 1;
            if (k1 < k0)
                k0 = k1 = (size_t)floor(cv->freq_hz[i] / bin_hz + 0.5);
            double num = 0, den = 0, pr = 0, pt = 0;
            for (size_t k = k0; k <= k1; k++) {
                pr += R[k], pt += T[k];
                const size_t a = (size_t)floor((double)k / third),
                             b = (size_t)ceil((double)k * third);
                const double t3 = (cum[b + 1] - cum[a]) / (double)(b - a + 1) + eps;
                num += R[k] / t3, den += T[k] / t3;
            }
            low[i] = 10.0 * log10((num + 1e-300) / (den + 1e-300));
            /* the spectra too: where the take is below its floor, the
             * weights (floor_weights) must see it */
            lr[i] = 10.0 * log10(pr / (double)(k1 - k0 + 1) + 1e-300);
            lt[i] = 10.0 * log10(pt / (double)(k1 - k0 + 1) + 1e-300);
        }
        /* the spectra on the long-term spectra's scale: power per bin goes
         * with the bin's width */
        const double join = cv->target_db[ix] - low[ix];
        const double jr = 10.0 * log10((double)nfft / (double)cr->ref_spec->nfft),
                     jt = 10.0 * log10((double)nfft / (double)cr->take_spec->nfft);
        for (size_t i = 0; i <= ix; i++) {
            cv->target_db[i] = low[i] + join;
            cv->reference_db[i] = lr[i] + jr;
            cv->source_db[i] = lt[i] + jt;
            cv->fit_db[i] = 0;
        }
    }
    bx_spectrum_free(&take_low);
    bx_free(cum);
    /* anything else (silence in one file) leaves the target as it is */
    return st == BX_ERR_NOMEM ? st : BX_OK;
}

/* A compressor tilts the spectrum too (it turns the loud, bass-heavy hits
 * down more than the rest). Run the EQ'd take through the compressor, compare
 * its spectrum with the reference's (at the common rate, on the same bins),
 * and refit the EQ to its own response plus a share of that residual (a
 * polish of the bands found: same types, new parameters).
 *
 * The residual holds what the compressor found does to the spectrum that
 * the processor's did not, and also how the two performances differ (more
 * or louder kicks in one), which the like-with-like curve kept out of the
 * target. The long-term difference's part of the target (1 - match_weight)
 * takes the residual as the first fit took it; the paired curve's part
 * takes LOOP_SHARE_MIN of it where the data clearly show a compressor (its
 * margin twice the minimum, as the summary's "indistinct" band ends), none
 * where they barely do (the minimum), linearly between. A compressor kept
 * on little evidence is as likely the performances' difference in dynamics
 * as a processor; the EQ it would pull along with the reference's spectrum
 * then stays where the paired sounds put it (on an EQ-only chain of the
 * corpus made like B with --seed 7, a compressor kept on 0.70 dB of 0.50
 * had the refit follow that reference's 4.6 dB more bass: +3.6 dB at 80 Hz
 * beyond the true EQ; now +1.6 dB). xe: the take through the EQ alone
 * (src->n_mono samples; what the compressor was fitted on), left through
 * the compressor too; raw: the unscaled fit. */
static bx_status close_the_loop(bx_analysis_result *res, const bx_take *src,
                                const common_rate *rates, const bx_analysis_opts *o, double *w,
                                float *xe, bx_eqfit_result *raw, bx_error *err)
{
    bx_analysis_curves *cv = &res->curves;
    bx_chain_params *p = &res->preset.chain;
    bx_chain_params q;
    bx_chain_params_default(&q); /* the compressor alone */
    q.has_comp = 1;
    q.comp = p->comp;
    bx_status st = apply_chain_par(&q, src->rate_hz, xe, xe, src->n_mono, o->par, src->path, err);
    if (st)
        return st;
    const float *ty = xe;
    size_t tn = src->n_mono;
    float *conv = NULL;
    bx_error e2;
    if (rates->take != src->mono) { /* the take was resampled for the comparison */
        conv = resampled(xe, src->n_mono, src->rate_hz, rates->rate_hz, &tn, &st);
        if (!conv)
            return st == BX_ERR_NOMEM ? oom(err, src->path) : BX_OK;
        ty = conv;
    }
    /* no common rate (a conversion that failed): the take's own rate and bins */
    bx_ltas *l = rates->rate_hz > 0 ? bx_ltas_create(rates->rate_hz, rates->take_spec->nfft, &e2)
                                    : bx_ltas_create(src->rate_hz, 0, &e2);
    st = l ? bx_ltas_add_parallel(l, ty, tn, o->par, &e2) : BX_ERR_NOMEM;
    bx_free(conv);
    bx_spectrum out;
    if (!st)
        st = bx_ltas_finish(l, &out, &e2);
    bx_ltas_destroy(l);
    if (st == BX_ERR_NOMEM)
        return oom(err, src->path);
    if (st)
        return BX_OK; /* nothing above the gate: keep the first fit */
    const double need = res->comp_min_gain_db;
    /* how clearly the data show a compressor: the keep test's evidence */
    const double distinct =
        need > 0 ? clampd((res->comp_evidence_db - need) / need, 0.0, 1.0) : 1.0;
    const double share = fmax(1.0 - res->match_weight, LOOP_SHARE_MIN * distinct);
    for (size_t i = 0; i < cv->n; i++) {
        const double got = bx_spectrum_db_at(&out, cv->freq_hz[i], o->smoothing_oct);
        cv->target_db[i] = cv->fit_db[i] + share * (cv->reference_db[i] - got);
    }
    bx_spectrum_free(&out);
    hold_above(cv, w, res->band_limit_hz, o->smoothing_oct);
    bx_chain_params eqp = *p;
    st = fit_eq(cv, w, src->rate_hz, o, 0.0, EQ_NOISE_SOURCE_DB, FIT_PLAIN, &eqp, &res->eq_error_db,
                raw, err);
    if (st)
        return st;
    p->n_bands = eqp.n_bands;
    memcpy(p->bands, eqp.bands, sizeof eqp.bands);
    return BX_OK;
}

/* What the compressor fit says about its own evidence, for the report. */
static void note_comp(bx_analysis_result *res, const bx_compfit_result *cr, double min_gain_db)
{
    res->comp_fitted = 1;
    res->comp_kept = cr->use_comp;
    res->comp_margin_db = cr->error_off_db - cr->error_db;
    res->comp_evidence_db = cr->evidence_db;
    res->comp_min_gain_db = min_gain_db;
    memcpy(res->comp_constrained, cr->constrained, sizeof res->comp_constrained);
    res->comp_n_constrained = cr->n_constrained;
    res->comp_confidence = cr->confidence;
}

/* --source's EQ: the target from the long-term spectra, the low end and the
 * like-with-like curve, then the fit. */
typedef struct source_eq {
    bx_analysis_result *res;
    const bx_profile *ref;
    const bx_take *src;
    const bx_analysis_opts *o;
    double *w;
    bx_error *err;
    common_rate rates;
    bx_eqfit_result raw;
    bx_status st;
    int early; /* st came before the fit: the target could not be made */
} source_eq;

static void source_eq_run(source_eq *e)
{
    bx_analysis_result *res = e->res;
    bx_analysis_curves *cv = &res->curves;
    const bx_analysis_opts *o = e->o;
    double *w = e->w;
    bx_status st = common_rate_init(&e->rates, e->ref, e->src);
    if (!st) {
        for (size_t i = 0; i < cv->n; i++) {
            cv->reference_db[i] =
                bx_spectrum_db_at(e->rates.ref_spec, cv->freq_hz[i], o->smoothing_oct);
            cv->source_db[i] =
                bx_spectrum_db_at(e->rates.take_spec, cv->freq_hz[i], o->smoothing_oct);
            cv->target_db[i] = cv->reference_db[i] - cv->source_db[i];
        }
        st = low_end_target(cv, &e->rates, o);
        if (!st)
            st = like_with_like(res, &e->rates, o);
    }
    if (st) {
        e->st = st;
        e->early = 1;
        return;
    }
    floor_weights(cv->reference_db, cv->n, w);
    floor_weights(cv->source_db, cv->n, w);
    /* the target's own error adds to the model's: w = noise^2 / (noise^2 + sd^2) */
    for (size_t i = 0; i < cv->n; i++) {
        const double r = cv->sd_db[i] / EQ_NOISE_SOURCE_DB;
        w[i] = fmin(w[i], 1.0 / (1.0 + r * r));
    }
    res->band_limit_hz = band_limit_hz(cv, e->rates.ref_spec, e->rates.take_spec);
    hold_above(cv, w, res->band_limit_hz, o->smoothing_oct);
    e->st = fit_eq(cv, w, e->src->rate_hz, o, 0.0, EQ_NOISE_SOURCE_DB, FIT_PLAIN,
                   &res->preset.chain, &res->eq_error_db, &e->raw, e->err);
    lap(res, BX_ANALYSIS_STAGE_EQ);
}

/* --source against REF's profile (the reference's audio is not needed). */
static bx_status run_source(bx_analysis_result *res, const bx_profile *ref, const bx_take *src,
                            const bx_analysis_opts *o, double *w, bx_error *err)
{
    bx_chain_params *p = &res->preset.chain;
    const int want_comp = !o->no_compressor && o->amount > 0;
    source_eq eq = {.res = res, .ref = ref, .src = src, .o = o, .w = w, .err = err};
    source_eq_run(&eq);
    common_rate *rates = &eq.rates; /* its spectra may point into it: not copied */
    bx_eqfit_result *raw = &eq.raw;
    bx_status st = eq.st;
    if (st && eq.early) {
        common_rate_free(rates);
        return bx_error_set(err, st, "%s: out of memory", src->path);
    }
    const size_t n = src->n_mono;
    float *xe = st ? NULL : bx_malloc(n * sizeof(float));
    if (!st && !xe)
        st = oom(err, src->path);
    if (st) {
        common_rate_free(rates);
        return st;
    }
    st = apply_eq(p, src->rate_hz, src->mono, xe, n, src->path, err);
    if (!st && want_comp) {
        bx_compfit_result cr;
        memset(&cr, 0, sizeof cr);
        bx_error e2;
        st = ref->has_dyn ? BX_OK : BX_ERR_AUDIO; /* REF too short or quiet for dynamics */
        if (!st)
            st = bx_compfit_stats(xe, n, src->rate_hz, &ref->dyn, COMP_MIN_GAIN_SOURCE_DB, o->par,
                                  &cr, &e2);
        if (st == BX_ERR_NOMEM) {
            bx_error_set(err, st, "%s: %s", src->path, e2.msg);
        } else if (st) {
            st = BX_OK; /* too short or too quiet for dynamics: no compressor */
            cr.use_comp = 0;
        }
        if (!st && fmin(cr.error_db, cr.error_off_db) > COMP_MISFIT_DB) {
            /* neither the best compressor nor none comes close to REF's
             * dynamics: a compressor would only fit their mismatch */
            cr.use_comp = 0;
            res->comp_misfit = 1;
        }
        if (!st && cr.use_comp) {
            p->has_comp = 1;
            p->comp = cr.params;
            scale_comp(&p->comp, o->amount);
            clamp_comp(&p->comp);
        }
        if (!st)
            res->comp_error_db = cr.use_comp ? cr.error_db : cr.error_off_db;
        if (!st && (cr.use_comp || cr.error_off_db > 0))
            note_comp(res, &cr, COMP_MIN_GAIN_SOURCE_DB);
    }
    lap(res, BX_ANALYSIS_STAGE_COMP);
    if (!st && p->has_comp)
        st = close_the_loop(res, src, rates, o, w, xe, raw, err);
    lap(res, BX_ANALYSIS_STAGE_REFINE);
    common_rate_free(rates);
    if (!st) {
        set_limiter(p, &ref->ref);
        st = match_loudness(p, src->rate_hz, src->mono, n, 0, LOUD_ENERGY,
                            ref->ref.stats.energy_lufs, xe, o->par, src->path, err);
    }
    bx_free(xe);
    lap(res, BX_ANALYSIS_STAGE_LOUDNESS);
    return st;
}

static bx_status run_reference(bx_analysis_result *res, const bx_take *ref,
                               const bx_analysis_opts *o, double *w, bx_error *err)
{
    bx_analysis_curves *cv = &res->curves;
    bx_chain_params *p = &res->preset.chain;
    /* The reference's deviation from the neutral spectrum is partly the chain
     * and partly the performance (other voices, kits and mics), and dry
     * takes scatter with heavy tails: 99 % of their points lie within 2.9
     * standard deviations of neutral_db (3.1 on corpora not used for the
     * model; bench/corpus/neutral_scatter.py). Only what lies beyond
     * REF_SCATTER_SDS of them is taken as the chain's (soft thresholding): a
     * take's own timbre gives no EQ, a deep, wide colouring (a -24 dB dip two
     * octaves wide) still does. A share of the whole deviation instead (a
     * Gaussian prior on the chain) gave EQs to kits that sound that way dry,
     * and moved the take away from REF. */
    double mean = 0, cnt = 0;
    for (size_t i = 0; i < cv->n; i++) {
        cv->reference_db[i] = bx_spectrum_db_at(&ref->spec, cv->freq_hz[i], o->smoothing_oct);
        cv->source_db[i] = neutral_db(cv->freq_hz[i]);
        if (cv->freq_hz[i] >= 100 && cv->freq_hz[i] <= 10000)
            mean += cv->reference_db[i] - cv->source_db[i], cnt++;
    }
    mean = cnt > 0 ? mean / cnt : 0;
    for (size_t i = 0; i < cv->n; i++) {
        const double d = cv->reference_db[i] - cv->source_db[i] - mean;
        const double th = REF_SCATTER_SDS * neutral_sigma_db(cv->freq_hz[i]);
        cv->target_db[i] = d > th ? d - th : d < -th ? d + th : 0.0;
    }
    floor_weights(cv->reference_db, cv->n, w);
    res->band_limit_hz = band_limit_hz(cv, &ref->spec, NULL);
    hold_above(cv, w, res->band_limit_hz, o->smoothing_oct);
    /* a cautious fit: a pair of big bells that nearly cancel is not believable */
    bx_status st = fit_eq(cv, w, ref->rate_hz, o, REF_GAIN_PENALTY, EQ_NOISE_REFERENCE_DB,
                          FIT_PLAIN, p, &res->eq_error_db, NULL, err);
    lap(res, BX_ANALYSIS_STAGE_EQ);
    if (st)
        return st;
    /* Dynamics from the statistics: a compressor lowers both the crest
     * factor and the envelope spread of what it processes. Each, compared
     * with a dry take's, is a z-score against how much dry takes scatter;
     * the two are nearly independent in dry takes (correlation -0.25), so
     * their sum over sqrt(2) (Stouffer's method) is the evidence that REF
     * went through one (a one-sided test at 5 %; only for a groove: the
     * crest of a sustained sound says nothing about compression). That
     * evidence is reported, but no compressor is set from it: its threshold
     * acts on the input's absolute level, which REF alone does not give (a
     * mic preamp moves it by tens of dB). Set at an assumed level, it made
     * every one of the scorer's spectral and level metrics worse than no
     * processing on both corpora where it fired (docs/evaluation.md); the
     * warning points to --source, which measures that level. */
    const bx_level_stats *s = &ref->stats;
    res->comp_from_stats = !o->no_compressor && o->amount > 0 && s->transients >= FEW_HITS;
    res->comp_evidence_z = ((NEUTRAL_CREST_DB - s->crest_db) / NEUTRAL_CREST_SIGMA_DB +
                            (NEUTRAL_SPREAD_DB - s->spread_db) / NEUTRAL_SPREAD_SIGMA_DB) /
                           sqrt(2.0);
    /* Level: without a take, the input's level is unknown (a mic preamp
     * moves it by tens of dB), so REF's loudness says nothing about the gain
     * the chain applied to it. The preset leaves the loudness of its input
     * alone: the gain undoes what the EQ and the compressor change on REF
     * itself brought to the assumed input level (the closest thing to the
     * performance bx has; the compressor's reduction depends on that level). */
    bx_status st2 = BX_OK;
    if (ref->mono && ref->n_mono > 0) {
        float *x = bx_malloc(ref->n_mono * sizeof(float));
        if (!x)
            return oom(err, ref->path);
        double e = 0;
        for (size_t i = 0; i < ref->n_mono; i++)
            e += (double)ref->mono[i] * ref->mono[i];
        const double rms_db = 10.0 * log10(e / (double)ref->n_mono + 1e-30);
        const float k = (float)pow(10.0, (NEUTRAL_INPUT_RMS_DB - rms_db) / 20.0);
        for (size_t i = 0; i < ref->n_mono; i++)
            x[i] = ref->mono[i] * k;
        double in_lufs = -70.0;
        st2 = measure_loudness(x, ref->n_mono, ref->rate_hz, LOUD_INTEGRATED, &in_lufs, ref->path,
                               err);
        if (!st2 && in_lufs > -69.9)
            st2 = match_loudness(p, ref->rate_hz, x, ref->n_mono, 0, LOUD_INTEGRATED, in_lufs, NULL,
                                 o->par, ref->path, err);
        bx_free(x);
    }
    set_limiter(p, ref);
    res->comp_error_db = 0.0;
    return st2;
}

/* Where the loudest len samples of x[lo, hi) start, tried every hop
 * samples (the earliest on ties); hi - lo >= len. */
static size_t loudest_window(const float *x, size_t lo, size_t hi, size_t len, size_t hop)
{
    size_t at = lo;
    double best = -1;
    for (size_t a = lo; a + len <= hi; a += hop) {
        double e = 0;
        for (size_t k = a; k < a + len; k += 4)
            e += (double)x[k] * x[k];
        if (e > best)
            best = e, at = a;
    }
    return at;
}

/* FFT length of the transfer estimate of an EQ alone: frames of about
 * PAIRED_FRAME_S, for resolution where the chain's response is steep (a
 * highpass, a low shelf) and the take's spectrum falls fast (below 60 Hz,
 * 170 ms Hann frames read a 63 Hz highpass 1.6-2.3 dB high at 12-30 Hz;
 * 680 ms frames, 0.2-0.4 dB); shorter for a short file (at least 4 frames).
 * With a compressor in the chain the default frames do better (its gain
 * varies within a long frame: on a chain of bx's own, 37 dB of SNR instead
 * of 21). */
static size_t transfer_nfft(double fs, size_t n)
{
    size_t nfft = 256;
    while ((double)nfft < PAIRED_FRAME_S * fs && 4 * nfft <= n)
        nfft *= 2;
    return nfft;
}

/* bx_chainfit_refine of p on the excerpt x, y (win samples, the first
 * REFINE_WARMUP_S to settle) in workspace ws; its SNR there in *snr.
 * Errors name `path`. */
static bx_status refine_chain(bx_chain_params *p, const float *x, const float *y, size_t win,
                              size_t warm, double fs, const bx_parallel *par, bx_chainfit_ws *ws,
                              double *snr, const char *path, bx_error *err)
{
    bx_error e3;
    const bx_status st =
        bx_chainfit_refine_ws(ws, x, y, win, warm, fs, REFINE_ITERATIONS, par, p, snr, &e3);
    return st == BX_ERR_NOMEM ? bx_error_set(err, st, "%s: %s", path, e3.msg) : BX_OK;
}

/* The excerpt refinements run on, and their workspaces (one per worker). */
typedef struct excerpt {
    const float *x, *y;
    size_t win, warm;
    double fs;
    const char *path;
    bx_chainfit_ws *const *ws;
} excerpt;

/* Refinements that do not depend on each other, spread over par's workers,
 * each on its own thread (the same results as one after the other with
 * par): run_refine_jobs, or beside a race's first heat (race_detectors). */
typedef struct refine_job {
    bx_chain_params *p;
    double *snr;
    bx_status st;
    bx_error err;
} refine_job;

/* One heat of the race: RACE_ITERATIONS of refinement for each candidate
 * (with its repair of bands driven onto a fault: without it, a candidate
 * that steps onto a fault is ranked by its start, and on an evaluation
 * corpus bx was not developed on five cases lost 0.1-3 dB of SNR). The
 * candidates are spread over par's workers, each on its own thread (the
 * processors stay busy where a refinement's own tasks are too few to share
 * out); those left over when they do not divide evenly run one at a time,
 * each with all of par. The same results either way. */
typedef struct race_heat {
    bx_chain_params *cand;
    double *snr;
    excerpt ex;
    refine_job *side; /* refinements run beside the heat (first, one task each) */
    int n_side;
    excerpt side_ex; /* the sides' excerpt */
    bx_status st[RACE_STARTS_MAX * (BX_DETECTOR_COUNT + 3)];
    bx_error err[RACE_STARTS_MAX * (BX_DETECTOR_COUNT + 3)];
} race_heat;

static void heat_one(race_heat *h, size_t k, const bx_parallel *par, bx_chainfit_ws *ws)
{
    const excerpt *e = &h->ex;
    bx_error e3;
    h->snr[k] = -INFINITY;
    h->st[k] = bx_chainfit_refine_ws(ws, e->x, e->y, e->win, e->warm, e->fs, RACE_ITERATIONS, par,
                                     &h->cand[k], &h->snr[k], &e3);
    if (h->st[k] == BX_ERR_NOMEM)
        bx_error_set(&h->err[k], h->st[k], "%s: %s", e->path, e3.msg);
    else
        h->st[k] = BX_OK;
}

static void heat_task(void *arg, unsigned worker, size_t k)
{
    race_heat *h = arg;
    const excerpt *e = &h->side_ex;
    if (k < (size_t)h->n_side) {
        refine_job *j = &h->side[k];
        j->st = refine_chain(j->p, e->x, e->y, e->win, e->warm, e->fs, NULL, e->ws[worker], j->snr,
                             e->path, &j->err);
        return;
    }
    heat_one(h, k - (size_t)h->n_side, NULL, e->ws[worker]);
}

/* A heat of nc candidates, and h's side refinements with it: with side
 * refinements, every task on a worker of its own (the sides, longer, taken
 * first: the workers finish close together) */
static bx_status run_heat(race_heat *h, int nc, const bx_parallel *par, bx_error *err)
{
    const size_t nw = bx_parallel_workers(par), ns = (size_t)h->n_side;
    const size_t spread = ns ? (size_t)nc : (size_t)nc - (size_t)nc % nw;
    bx_parallel_for(par, heat_task, h, ns + spread);
    for (size_t k = spread; k < (size_t)nc; k++)
        heat_one(h, k, par, h->ex.ws[0]);
    for (size_t k = 0; k < ns; k++)
        if (h->side[k].st) {
            *err = h->side[k].err;
            return h->side[k].st;
        }
    for (int k = 0; k < nc; k++)
        if (h->st[k]) {
            *err = h->err[k];
            return h->st[k];
        }
    return BX_OK;
}

/* The compressor's detector, decided on the waveform: the gain trace picked
 * p's, but an EQ fitted beside a compressor takes part of its work and
 * misleads that trace, and the block-rate model the trace is fitted with
 * follows the "branch" detector poorly on noisy sounds (its release acts
 * between the waveform's peaks, within a block). The race: p's own
 * compressor, every detector whose best compressor is within reach of it
 * (bx_compfit_within_reach: a gain-trace error close to the chosen one's,
 * or another envelope follower where p's averages), "power" with its hold
 * the other way (on or off) where "power" is within reach, and the
 * "branch" detector with the "peak" detector's settings (the two share the
 * level and differ only in how attack and release combine) each get
 * RACE_ITERATIONS of the whole chain's refinement from the same start, on
 * the loudest RACE_HEAT_S of the excerpt; the RACE_FINALISTS best there
 * get RACE_ITERATIONS more on the whole excerpt (successive halving: the
 * early steps sort out the hopeless ones), and the best of them goes on to
 * the full refinement. */
static bx_status race_detectors(bx_chain_params *p, const bx_chain_params *starts,
                                const bx_compfit_result *crs, int n_starts, const float *x,
                                const float *y, size_t win, size_t warm, double fs,
                                const bx_parallel *par, bx_chainfit_ws *const *ws, refine_job *side,
                                int n_side, int *winner, const char *path, bx_error *err)
{
    bx_chain_params cand[RACE_STARTS_MAX * (BX_DETECTOR_COUNT + 3)];
    double snr[RACE_STARTS_MAX * (BX_DETECTOR_COUNT + 3)];
    int from[RACE_STARTS_MAX * (BX_DETECTOR_COUNT + 3)]; /* each candidate's start */
    int nc = 0;
    for (int s = 0; s < n_starts && s < RACE_STARTS_MAX; s++) {
        const bx_chain_params *p0 = &starts[s];
        const bx_compfit_result *cr = &crs[s];
        from[nc] = s;
        cand[nc++] = *p0;
        for (int d = 0; d <= BX_DETECTOR_COUNT + 1; d++) {
            bx_chain_params q = *p0;
            if (d == BX_DETECTOR_COUNT + 1) { /* power, its hold the other way, where power races */
                const int own = p0->comp.detector == BX_DETECTOR_POWER;
                if (!own && !bx_compfit_within_reach(cr, BX_DETECTOR_POWER))
                    continue;
                q.comp = own ? p0->comp : cr->by_detector[BX_DETECTOR_POWER];
                q.comp.hold = !q.comp.hold;
            } else if (d == BX_DETECTOR_COUNT) { /* branch, from the peak detector's settings */
                if (p0->comp.detector == BX_DETECTOR_BRANCH || !(cr->error_db > 0))
                    continue;
                q.comp = cr->by_detector[BX_DETECTOR_PEAK];
                q.comp.detector = BX_DETECTOR_BRANCH;
            } else if (d == (int)p0->comp.detector ||
                       !bx_compfit_within_reach(cr, (bx_detector)d)) {
                continue;
            } else {
                q.comp = cr->by_detector[d];
            }
            clamp_comp(&q.comp);
            from[nc] = s;
            cand[nc++] = q;
        }
    }
    const excerpt whole = {x, y, win, warm, fs, path, ws};
    race_heat h = {cand, snr, whole, side, n_side, whole, {BX_OK}, {{0}}};
    const size_t heat = (size_t)(RACE_HEAT_S * fs);
    if (warm + heat < win) { /* the first heat's: its loudest part, warmed up alike */
        const size_t a = loudest_window(x, warm, win, heat, (size_t)(0.05 * fs)) - warm;
        h.ex.x = x + a;
        h.ex.y = y + a;
        h.ex.win = warm + heat;
    }
    bx_status st = run_heat(&h, nc, par, err);
    h.n_side = 0;
    h.ex = whole;
    if (st)
        return st;
    if (nc > RACE_FINALISTS) {
        /* the finalists first, in order of SNR (the earlier on ties) */
        for (int i = 0; i < RACE_FINALISTS; i++)
            for (int k = i + 1; k < nc; k++)
                if (snr[k] > snr[i]) {
                    const bx_chain_params tp = cand[i];
                    const double ts = snr[i];
                    const int tf = from[i];
                    cand[i] = cand[k], snr[i] = snr[k], from[i] = from[k];
                    cand[k] = tp, snr[k] = ts, from[k] = tf;
                }
        nc = RACE_FINALISTS;
    }
    if (nc > 1)
        st = run_heat(&h, nc, par, err);
    if (st)
        return st;
    int best = 0;
    for (int k = 1; k < nc; k++)
        if (snr[k] > snr[best])
            best = k;
    *p = cand[best];
    *winner = from[best];
    return BX_OK;
}

typedef struct refine_jobs {
    refine_job *job;
    excerpt ex;
} refine_jobs;

static void refine_job_task(void *arg, unsigned worker, size_t k)
{
    const refine_jobs *J = arg;
    const excerpt *e = &J->ex;
    refine_job *j = &J->job[k];
    j->st = refine_chain(j->p, e->x, e->y, e->win, e->warm, e->fs, NULL, e->ws[worker], j->snr,
                         e->path, &j->err);
}

static bx_status run_refine_jobs(refine_jobs *J, int n, const bx_parallel *par, bx_error *err)
{
    bx_parallel_for(par, refine_job_task, J, (size_t)n);
    for (int k = 0; k < n; k++)
        if (J->job[k].st) {
            *err = J->job[k].err;
            return J->job[k].st;
        }
    return BX_OK;
}

/* The paired fit's curves: the spectra, and as target the transfer function
 * from x to y (y divided by g first, if not NULL) with nfft-point frames (0:
 * bx_transfer's default); weights from w0 and the floor of the dry spectrum,
 * and with `precise` (a target free of a compressor) from the estimate's own
 * standard error. While a compressor may be in it, its gain modulation lowers
 * the coherence everywhere and biases the estimate unevenly: the estimate's
 * precision is not what limits the fit then. */
static bx_status paired_target(bx_analysis_curves *cv, double *band_limit, const bx_take *ref,
                               const bx_take *dry, const float *x, const float *y, const double *g,
                               size_t n, size_t nfft, int precise, const bx_analysis_opts *o,
                               const double *w0, double *w, bx_error *err)
{
    bx_transfer tf;
    bx_error e2;
    const bx_status st = bx_transfer_estimate(x, y, g, n, ref->rate_hz, nfft, &tf, &e2);
    if (st)
        return bx_error_set(err, st, "%s: %s", ref->path, e2.msg);
    memcpy(w, w0, cv->n * sizeof(double));
    for (size_t i = 0; i < cv->n; i++) {
        cv->reference_db[i] = bx_spectrum_db_at(&ref->spec, cv->freq_hz[i], o->smoothing_oct);
        cv->source_db[i] = bx_spectrum_db_at(&dry->spec, cv->freq_hz[i], o->smoothing_oct);
        cv->target_db[i] = fmax(bx_transfer_db_at(&tf, cv->freq_hz[i], o->smoothing_oct), -120.0);
        if (!precise)
            continue;
        /* the estimate's own error adds to the model's: w = noise^2 / (noise^2 + sd^2) */
        const double sd =
            bx_transfer_sd_db_at(&tf, cv->freq_hz[i], o->smoothing_oct) / EQ_NOISE_PAIRED_DB;
        w[i] = fmin(w[i], sd < 1e150 ? 1.0 / (1.0 + sd * sd) : 0.0);
        /* within two bins of 0 Hz a Hann window's main lobe mixes the
         * estimate with what lies above: no weight there, full from 4 bins */
        w[i] *= clampd((cv->freq_hz[i] / tf.bin_hz - 2.0) / 2.0, 0.0, 1.0);
    }
    bx_transfer_free(&tf);
    floor_weights(cv->source_db, cv->n, w);
    *band_limit = band_limit_hz(cv, &ref->spec, &dry->spec);
    hold_above(cv, w, *band_limit, o->smoothing_oct);
    return BX_OK;
}

/* --paired: the compressor's starting level. The processor that made REF
 * may have started with its detector anywhere (SoX's compand starts at full
 * scale and lets go over its release time); a render from silence then
 * misses REF's first second or two. Compared on the start of the overlap
 * (START_FIT_S, or 10 release times if longer): starting from silence, and
 * from levels 0 .. START_LEVEL_LOW_DB dBFS (a START_GRID_DB grid, then a
 * golden-section search around the best). A level is kept only when it
 * brings the error there down by START_MIN_GAIN (a factor). */
#define START_FIT_S 3.0
#define START_LEVEL_LOW_DB -60.0
#define START_GRID_DB 4.0
#define START_MIN_GAIN 0.8
#define START_GRID_N 16 /* 0, -4, .. -60 dB */
/* chains compared at once (chain_errors) */
#define MAX_ERRORS (BX_MAX_BANDS + 1 > START_GRID_N + 1 ? BX_MAX_BANDS + 1 : START_GRID_N + 1)
/* How much worse (SNR, dB) the first START_FIT_S seconds must be than the
 * rest before a compressor is refitted there. */
#define START_GAP_DB 3.0

/* The squared error against y of the chain q over the first m samples of
 * x, rendered block by block as bx_chain_apply renders (the same value bit
 * for bit, without a buffer for the render). With u instead of x: x through
 * q's input gain and bands already (m doubles), for chains that share
 * them; only the later stages run (the same value: every stage works the
 * same however the signal is cut into blocks). */
static bx_status chain_error(const bx_chain_params *q, double fs, const float *x, const double *u,
                             const float *y, size_t m, double *e, const char *path, bx_error *err)
{
    enum { BLOCK = 1024 };
    bx_error e2;
    bx_chain *c = bx_chain_create(q, fs, 1, &e2);
    if (!c)
        return bx_error_set(err, e2.code, "%s: %s", path, e2.msg);
    const unsigned first = u ? q->n_bands + 1 : 0, end = BX_CHAIN_STAGES(q->n_bands);
    double buf[BLOCK], s = 0.0;
    for (size_t i = 0; i < m; i += BLOCK) {
        const size_t k = m - i < BLOCK ? m - i : BLOCK;
        if (u)
            memcpy(buf, u + i, k * sizeof *buf);
        else
            for (size_t j = 0; j < k; j++)
                buf[j] = x[i + j];
        bx_chain_process_stages(c, first, end, buf, k);
        for (size_t j = 0; j < k; j++) {
            const double d = (double)(float)buf[j] - y[i + j];
            s += d * d;
        }
    }
    bx_chain_destroy(c);
    *e = s;
    return BX_OK;
}

/* chain_error of chains q[0 .. nq) over the first m samples into e[],
 * spread over par's workers: the same values as one after the other. */
typedef struct errors_job {
    const bx_chain_params *q;
    double fs;
    const float *x, *y;
    size_t m;
    const double *u; /* NULL, or x through the input gain and bands the chains share */
    double *e;
    const char *path;
    bx_status st[MAX_ERRORS];
    bx_error err[MAX_ERRORS];
} errors_job;

static void errors_task(void *arg, unsigned worker, size_t i)
{
    (void)worker;
    errors_job *j = arg;
    j->e[i] = INFINITY;
    j->st[i] = chain_error(&j->q[i], j->fs, j->x, j->u, j->y, j->m, &j->e[i], j->path, &j->err[i]);
}

static bx_status chain_errors(const bx_chain_params *q, size_t nq, double fs, const float *x,
                              const double *u, const float *y, size_t m, const bx_parallel *par,
                              double *e, const char *path, bx_error *err)
{
    errors_job j = {q, fs, x, y, m, u, e, path, {BX_OK}, {{0}}};
    bx_parallel_for(par, errors_task, &j, nq);
    for (size_t i = 0; i < nq; i++)
        if (j.st[i]) {
            *err = j.err[i];
            return j.st[i];
        }
    return BX_OK;
}

static bx_status fit_start_level(bx_chain_params *p, double fs, const float *x, const float *y,
                                 size_t n, const bx_parallel *par, const char *path, bx_error *err)
{
    if (!p->has_comp)
        return BX_OK;
    double span = fmax(START_FIT_S, 10e-3 * p->comp.release_ms) * fs;
    const size_t m = span < (double)n ? (size_t)span : n;
    /* the trials differ only in the compressor: x through the input gain
     * and the bands once */
    double *u = bx_malloc(m * sizeof *u);
    if (!u)
        return oom(err, path);
    bx_error ec;
    bx_chain *c = bx_chain_create(p, fs, 1, &ec);
    if (!c) {
        bx_free(u);
        return bx_error_set(err, ec.code, "%s: %s", path, ec.msg);
    }
    for (size_t i = 0; i < m; i += 1024) {
        const size_t k = m - i < 1024 ? m - i : 1024;
        for (size_t j = 0; j < k; j++)
            u[i + j] = x[i + j];
        bx_chain_process_stages(c, 0, p->n_bands + 1, u + i, k);
    }
    bx_chain_destroy(c);
    /* from silence, and the grid (each on its own worker) */
    bx_chain_params q[START_GRID_N + 1];
    double eg[START_GRID_N + 1];
    q[0] = *p;
    q[0].comp.has_start_level = 0;
    for (int k = 0; k < START_GRID_N; k++) {
        q[k + 1] = q[0];
        q[k + 1].comp.has_start_level = 1;
        q[k + 1].comp.start_level_db = -START_GRID_DB * k;
    }
    bx_status st = chain_errors(q, START_GRID_N + 1, fs, x, u, y, m, par, eg, path, err);
    const double e_silent = eg[0];
    double best = INFINITY, best_db = 0.0;
    for (int k = 0; k < START_GRID_N; k++)
        if (eg[k + 1] < best)
            best = eg[k + 1], best_db = q[k + 1].comp.start_level_db;
    /* golden section on [best - grid, best + grid] within the range */
    double a = fmax(best_db - START_GRID_DB, BX_START_LEVEL_MIN_DB);
    double b = fmin(best_db + START_GRID_DB, BX_START_LEVEL_MAX_DB);
    const double gr = 0.6180339887498949;
    double c1 = b - gr * (b - a), c2 = a + gr * (b - a), e1 = 0, e2 = 0;
    q[1].comp.start_level_db = c1;
    q[2].comp.start_level_db = c2;
    if (!st)
        st = chain_errors(q + 1, 2, fs, x, u, y, m, par, eg, path, err);
    e1 = eg[0], e2 = eg[1];
    for (int it = 0; !st && it < 10; it++) {
        if (e1 < e2) {
            b = c2, c2 = c1, e2 = e1;
            c1 = b - gr * (b - a);
            q[1].comp.start_level_db = c1;
            st = chain_error(&q[1], fs, x, u, y, m, &e1, path, err);
        } else {
            a = c1, c1 = c2, e1 = e2;
            c2 = a + gr * (b - a);
            q[1].comp.start_level_db = c2;
            st = chain_error(&q[1], fs, x, u, y, m, &e2, path, err);
        }
    }
    bx_free(u);
    if (st)
        return st;
    if (e1 < best)
        best = e1, best_db = c1;
    if (e2 < best)
        best = e2, best_db = c2;
    if (best < START_MIN_GAIN * e_silent) {
        p->comp.has_start_level = 1;
        p->comp.start_level_db = round(best_db * 10.0) / 10.0 + 0.0; /* never -0 */
    } else {
        p->comp.has_start_level = 0;
    }
    return BX_OK;
}

/* --paired: a bell or shelf of less gain than SMALL_BAND_DB stays only if
 * the whole file's match without it is worse by unearned_db of SNR (at
 * SMALL_BAND_DB, UNEARNED_SNR_DB: the residual's energy up by 2.3 %, the
 * other bands as they are): the
 * waveform refinement can leave a band that holds a tenth of a dB of what the
 * chain's model does not explain (on processors bx was not developed
 * against: -0.1 dB at 64 Hz, Q 4.3), which the data do not ask for and no
 * engineer would dial. On a closely matched chain the same small band is
 * worth far more than that and stays. */
#define SMALL_BAND_DB 1.0
#define UNEARNED_SNR_DB 0.1

/* The SNR a small band must earn: UNEARNED_SNR_DB at SMALL_BAND_DB, more
 * as its gain shrinks (earned SNR times gain at least 0.1 dB^2: a 0.1 dB
 * bell must earn 1 dB), at most UNEARNED_SNR_MAX_DB */
#define UNEARNED_SNR_MAX_DB 2.0
static double unearned_db(const bx_band *b)
{
    const double g = fabs(b->gain_db);
    return g * UNEARNED_SNR_MAX_DB > UNEARNED_SNR_DB * SMALL_BAND_DB
               ? UNEARNED_SNR_DB * SMALL_BAND_DB / g
               : UNEARNED_SNR_MAX_DB;
}

static bx_status drop_unearned_bands(bx_chain_params *p, double fs, const float *x, const float *y,
                                     size_t n, const bx_parallel *par, const char *path,
                                     bx_error *err)
{
    int any = 0;
    for (unsigned k = 0; k < p->n_bands; k++)
        any |=
            bx_biquad_type_has_gain(p->bands[k].type) && fabs(p->bands[k].gain_db) < SMALL_BAND_DB;
    if (!any)
        return BX_OK;
    /* the chain, and without each small band from `from` on (all on par's
     * workers); the first whose loss is small enough goes, and the search
     * goes on from the band that moved to its place: the same choices as
     * trying the bands one after the other */
    double e_with = -1;
    bx_status st = BX_OK;
    for (unsigned from = 0; !st;) {
        bx_chain_params q[BX_MAX_BANDS + 1];
        unsigned dropped[BX_MAX_BANDS + 1];
        size_t nq = 0;
        if (e_with < 0)
            dropped[nq] = UINT_MAX, q[nq++] = *p;
        for (unsigned k = from; k < p->n_bands; k++) {
            if (!bx_biquad_type_has_gain(p->bands[k].type) ||
                fabs(p->bands[k].gain_db) >= SMALL_BAND_DB)
                continue;
            q[nq] = *p;
            for (unsigned j = k; j + 1 < q[nq].n_bands; j++)
                q[nq].bands[j] = q[nq].bands[j + 1];
            q[nq].n_bands--;
            dropped[nq++] = k;
        }
        double e[BX_MAX_BANDS + 1];
        st = chain_errors(q, nq, fs, x, NULL, y, n, par, e, path, err);
        size_t i = 0;
        if (!st && e_with < 0)
            e_with = e[i++];
        for (; i < nq && !(e[i] < e_with * pow(10.0, unearned_db(&p->bands[dropped[i]]) / 10.0));
             i++)
            ;
        if (st || i == nq)
            break;
        *p = q[i];
        e_with = e[i] < e_with ? e[i] : e_with; /* the bands dropped cost 0.1 dB in all, at most */
        from = dropped[i];                      /* the next band moved there */
    }
    return st;
}

/* The samples of a --paired overlap of n left out of the dynamics fits and
 * the level (PAIRED_SETTLE_S, when the overlap is at least 3 times as long) */
static size_t paired_settle(size_t n, double fs)
{
    return (double)n >= 3.0 * PAIRED_SETTLE_S * fs ? (size_t)(PAIRED_SETTLE_S * fs) : 0;
}

/* The last steps of a paired chain: the amount, the limiter, the loudness of
 * y, and the compressor's starting level (which moves the loudness a little). */
static bx_status paired_finish(bx_chain_params *p, const bx_take *ref, double fs, const float *x,
                               const float *y, size_t n, const bx_analysis_opts *o, bx_error *err)
{
    const char *path = ref->path;
    drop_idle_bands(p);
    drop_flat_sets(p, fs);
    if (o->amount == 1.0) {
        const bx_status st0 = drop_unearned_bands(p, fs, x, y, n, o->par, path, err);
        if (st0)
            return st0;
    }
    if (p->has_comp) {
        scale_comp(&p->comp, o->amount);
        clamp_comp(&p->comp);
    }
    set_limiter(p, ref);
    /* the loudness of REF after the settling time (the processor's state
     * before it is unknown: as for the dynamics fits, run_paired) */
    const size_t settle = paired_settle(n, fs);
    double target = -70.0;
    bx_status st = loudness(y + settle, n - settle, fs, &target, path, err);
    if (!st)
        st = match_loudness(p, fs, x, n, settle, LOUD_INTEGRATED, target, NULL, o->par, path, err);
    if (!st && o->amount == 1.0)
        st = fit_start_level(p, fs, x, y, n, o->par, path, err);
    if (!st && p->has_comp && p->comp.has_start_level)
        st = match_loudness(p, fs, x, n, settle, LOUD_INTEGRATED, target, NULL, o->par, path, err);
    return st;
}

/* paired_finish for each of the chains alt[0 .. n_alt) (n_alt <= 2), and
 * each one's squared error over the whole file into e[]: side by side, one
 * per worker. The same values as one after the other: nothing in them
 * depends on par. */
typedef struct alts_job {
    bx_chain_params *alt;
    const bx_take *ref;
    double fs;
    const float *x, *y;
    size_t n;
    bx_analysis_opts o1;
    double *e;
    bx_status st[2];
    bx_error err[2];
} alts_job;

static void alt_task(void *arg, unsigned worker, size_t k)
{
    (void)worker;
    alts_job *j = arg;
    j->e[k] = INFINITY;
    j->st[k] = paired_finish(&j->alt[k], j->ref, j->fs, j->x, j->y, j->n, &j->o1, &j->err[k]);
    if (!j->st[k])
        j->st[k] = chain_error(&j->alt[k], j->fs, j->x, NULL, j->y, j->n, &j->e[k], j->ref->path,
                               &j->err[k]);
}

static bx_status finish_alts(bx_chain_params *alt, int n_alt, const bx_take *ref, double fs,
                             const float *x, const float *y, size_t n, const bx_analysis_opts *o,
                             double *e, bx_error *err)
{
    alts_job j = {alt, ref, fs, x, y, n, *o, e, {BX_OK, BX_OK}, {{0}}};
    if (n_alt < 2) { /* one: with all of par */
        alt_task(&j, 0, 0);
    } else {
        j.o1.par = NULL;
        bx_parallel_for(o->par, alt_task, &j, 2);
    }
    for (int k = 0; k < n_alt; k++)
        if (j.st[k]) {
            *err = j.err[k];
            return j.st[k];
        }
    return BX_OK;
}

/* What one start's rounds (paired_rounds) work with. */
typedef struct paired_in {
    bx_analysis_result *res; /* its preset's chain starts them; laps if `lap` */
    const bx_take *ref, *dry;
    const float *x, *y;
    size_t n, settle;
    double fs;
    const bx_analysis_opts *o;
    const double *w0;
    bx_analysis_curves *cv; /* this start's curves (freq_hz shared) */
    double *band_limit;     /* this start's band limit */
    double *w;              /* scratch: weights */
    float *xe;              /* scratch: x through the EQ */
    double *g;              /* scratch: the compressor's gain (may hold the first round's g0) */
    int lap;                /* 1: time the stages into res (only one start at a time) */
} paired_in;

/* Where the rounds from one start end. */
typedef struct paired_path {
    bx_chain_params chain; /* the EQ, and the compressor if kept */
    bx_compfit_result cr;  /* the last round's compressor fit (if comp_fitted) */
    int comp_fitted;       /* 1: a compressor was fitted */
    int eq_only;           /* 1: no compressor kept */
    double eq_error_db;    /* the last EQ fit's RMS error */
    double trace_db;       /* the gain trace's error with the compressor (or none) */
} paired_path;

/* Two rounds from one start: the EQ from the transfer function of x to y
 * (y over g0 if not NULL), the compressor from the gain trace of x through
 * that EQ to y; then the EQ again with that compressor's gain taken out of
 * y, and the compressor again. Stops with eq_only set where no compressor is
 * kept (or wanted). The curves hold the last round's target and fit. */
static bx_status paired_rounds(const paired_in *in, const double *g0, paired_path *out,
                               bx_error *err)
{
    bx_analysis_result *res = in->lap ? in->res : NULL;
    const bx_analysis_opts *o = in->o;
    const double fs = in->fs;
    const size_t n = in->n;
    memset(out, 0, sizeof *out);
    out->chain = in->res->preset.chain;
    /* the first round's result, and its curves, while the second runs */
    paired_path first;
    double band_first = 0;
    double *curves_first = bx_malloc(2 * in->cv->n * sizeof(double));
    if (!curves_first)
        return oom(err, in->ref->path);
    bx_status st = BX_OK;
    for (int round_ = 0; round_ < 2 && !st; round_++) {
        if (round_) {
            first = *out;
            band_first = *in->band_limit;
            memcpy(curves_first, in->cv->target_db, in->cv->n * sizeof(double));
            memcpy(curves_first + in->cv->n, in->cv->fit_db, in->cv->n * sizeof(double));
        }
        st = paired_target(in->cv, in->band_limit, in->ref, in->dry, in->x, in->y,
                           round_ ? in->g : g0, n, 0, 0, o, in->w0, in->w, err);
        /* the plain search: with a compressor in the chain, a closer fit
         * takes part of what the compressor does into the EQ (on a chain of
         * bx's own, the thorough search here costs 3-16 dB of SNR). The
         * second round, on y with the compressor's gain taken out, also
         * starts from a low and a high shelf (FIT_SHELF_START): from nothing,
         * a 16 dB rise from bass to treble takes one shelf on its gain limit
         * first and no sane set follows (corpus B's c12: 28.9 -> 38.7 dB of
         * SNR; from both shelves in the first round too, the check set's c04
         * fell from 108.8 to 47.9 dB) */
        if (!st)
            st = fit_eq(in->cv, in->w, fs, o, 0.0, EQ_NOISE_PAIRED_COMP_DB,
                        round_ ? FIT_SHELF_START : FIT_PLAIN, &out->chain, &out->eq_error_db, NULL,
                        err);
        if (res)
            lap(res, BX_ANALYSIS_STAGE_EQ);
        if (!st)
            st = apply_eq(&out->chain, fs, in->x, in->xe, n, in->ref->path, err);
        if (st)
            break;
        if (o->no_compressor || o->amount <= 0) {
            out->eq_only = 1;
            break;
        }
        bx_error e2;
        /* the second round from the first's compressors: the EQ moved little */
        st = round_
                 ? bx_compfit_paired_near(in->xe, in->y, n, in->settle, fs, COMP_MIN_GAIN_PAIRED_DB,
                                          &out->cr, o->par, &out->cr, &e2)
                 : bx_compfit_paired(in->xe, in->y, n, in->settle, fs, COMP_MIN_GAIN_PAIRED_DB,
                                     o->par, &out->cr, &e2);
        if (st) {
            st = bx_error_set(err, st, "%s: %s", in->ref->path, e2.msg);
            break;
        }
        out->comp_fitted = 1;
        out->trace_db = out->cr.use_comp ? out->cr.error_db : out->cr.error_off_db;
        out->chain.has_comp = out->cr.use_comp;
        if (res)
            lap(res, BX_ANALYSIS_STAGE_COMP);
        if (!out->cr.use_comp) {
            out->eq_only = 1;
            break;
        }
        out->chain.comp = out->cr.params;
        clamp_comp(&out->chain.comp);
        if (round_ && out->trace_db > first.trace_db) {
            /* the second round explains y's gain over time less well than
             * the first (its EQ took a worse shape: both compare the same
             * y with x through their own EQ): the first stands */
            *out = first;
            *in->band_limit = band_first;
            memcpy(in->cv->target_db, curves_first, in->cv->n * sizeof(double));
            memcpy(in->cv->fit_db, curves_first + in->cv->n, in->cv->n * sizeof(double));
            break;
        }
        /* the compressor's gain over time, to take out of y next round */
        bx_comp comp;
        bx_comp_params cp = out->chain.comp;
        cp.makeup_db = 0;
        bx_comp_init(&comp, &cp, fs);
        double v[1024]; /* the detector must hear the signal; read the gain it applies */
        for (size_t i = 0; i < n; i += 1024) {
            const size_t m = n - i < 1024 ? n - i : 1024;
            for (size_t k = 0; k < m; k++)
                v[k] = in->xe[i + k];
            bx_comp_process_gr(&comp, v, m, 1, in->g + i);
        }
        for (size_t i = 0; i < n; i++)
            in->g[i] = pow(10.0, -in->g[i] / 20.0);
    }
    bx_free(curves_first);
    return st;
}

/* Both starts' rounds at once (run_paired): start k from g0[k]. */
typedef struct start_job {
    const paired_in *in;
    paired_path *path;
    double *g0[2];
    bx_status st[2];
    bx_error err[2];
    bx_status gain_st; /* the second start's common gain: BX_OK, or why it was not read */
    bx_error gain_err;
} start_job;

static void start_task(void *arg, unsigned worker, size_t k)
{
    (void)worker;
    start_job *J = arg;
    J->st[k] = BX_OK;
    if (k == 1) { /* the second start reads its gain first (the first start takes longer) */
        const paired_in *in = &J->in[1];
        J->gain_st = bx_transfer_common_gain(in->x, in->y, in->n, in->fs, J->g0[1], &J->gain_err);
        if (J->gain_st)
            return;
    }
    J->st[k] = paired_rounds(&J->in[k], J->g0[k], &J->path[k], &J->err[k]);
}

/* The report and the summary take path pp's fit: its curves (target,
 * then fit, at curves), EQ error and compressor notes. */
static void adopt_path(bx_analysis_result *res, const paired_path *pp, const double *curves)
{
    bx_analysis_curves *cv = &res->curves;
    memcpy(cv->target_db, curves, cv->n * sizeof(double));
    memcpy(cv->fit_db, curves + cv->n, cv->n * sizeof(double));
    res->eq_error_db = pp->eq_error_db;
    if (pp->comp_fitted) {
        res->comp_error_db = pp->trace_db;
        note_comp(res, &pp->cr, COMP_MIN_GAIN_PAIRED_DB);
    }
}

static const char *comp_at_limit(const bx_chain_params *p);
static void warn(bx_analysis_result *res, const char *code, const char *fmt, ...);

static void free_workspaces(bx_chainfit_ws **ws, unsigned n)
{
    for (unsigned k = 0; ws && k < n; k++)
        bx_chainfit_ws_destroy(ws[k]);
    bx_free(ws);
}

static bx_status run_paired(bx_analysis_result *res, const bx_take *ref, const bx_take *dry,
                            const bx_analysis_opts *o, double *w, bx_error *err)
{
    bx_analysis_curves *cv = &res->curves;
    bx_chain_params *p = &res->preset.chain;
    bx_status st;
    if (ref->rate_hz != dry->rate_hz)
        return bx_error_set(err, BX_ERR_AUDIO,
                            "%s: %g Hz but the dry file %s is %g Hz; --paired needs the same rate",
                            ref->path, ref->rate_hz, dry->path, dry->rate_hz);
    const double fs = ref->rate_hz;
    long d;
    double score;
    bx_error e2;
    const size_t max_lag = (size_t)(10.0 * fs);
    st = bx_align_parallel(dry->mono, dry->n_mono, ref->mono, ref->n_mono, fs, max_lag, o->par, &d,
                           &score, &e2);
    if (st)
        return bx_error_set(err, st, "%s: %s", ref->path, e2.msg);
    if (score < 0.2)
        return bx_error_set(err, BX_ERR_AUDIO,
                            "%s: does not match the dry file %s (correlation %.2f); --paired needs "
                            "the same performance",
                            ref->path, dry->path, score);
    lap(res, BX_ANALYSIS_STAGE_ALIGN);
    res->delay_ms = 1000.0 * (double)d / fs;
    res->align_score = score;
    /* overlap: ref[n] ~ chain(dry)[n - d] */
    const size_t r0 = d > 0 ? (size_t)d : 0, x0 = d > 0 ? 0 : (size_t)(-d);
    size_t n = ref->n_mono - r0;
    if (dry->n_mono - x0 < n)
        n = dry->n_mono - x0;
    const float *x = dry->mono + x0, *y = ref->mono + r0;
    const size_t settle = paired_settle(n, fs);

    float *xe = bx_malloc(n * sizeof(float));
    double *g = bx_malloc(n * sizeof(double)); /* compressor gain, for the second round */
    if (!xe || !g) {
        bx_free(xe);
        bx_free(g);
        return oom(err, ref->path);
    }
    double *w0 = bx_malloc(cv->n * sizeof(double));
    if (!w0) {
        bx_free(xe);
        bx_free(g);
        return oom(err, ref->path);
    }
    memcpy(w0, w, cv->n * sizeof(double));
    /* the refinements' workspaces, one per worker (kept from one refinement
     * to the next) */
    const unsigned n_ws = bx_parallel_workers(o->par);
    bx_chainfit_ws **ws = bx_calloc(n_ws, sizeof *ws);
    for (unsigned k = 0; ws && k < n_ws; k++)
        if (!(ws[k] = bx_chainfit_ws_create())) {
            free_workspaces(ws, n_ws);
            ws = NULL;
        }
    if (!ws) {
        bx_free(xe);
        bx_free(g);
        bx_free(w0);
        return oom(err, ref->path);
    }
    int eq_only_chain = 0; /* no compressor: the first round's target is the EQ's alone */
    bx_comp_params faint;  /* a compressor that helped the gain trace too little to keep */
    int has_faint = 0;
    double faint_gain_db = 0; /* kept after all: the SNR it gained on the excerpt */
    bx_chain_params alt[2];   /* other chains for the whole file to judge */
    int n_alt = 0;
    bx_compfit_result last_cr; /* the last round's compressor fit */
    memset(&last_cr, 0, sizeof last_cr);
    bx_chain_params s_base; /* the EQ a compressor refitted on the first seconds would get */
    int has_s_base = 0;
    /* the waveform refinement's excerpt: the loudest REFINE_S seconds after
     * the settling time (after REFINE_WARMUP_S more for the chain to settle) */
    const size_t win = (size_t)((REFINE_S + REFINE_WARMUP_S) * fs), hop = (size_t)(0.25 * fs);
    const size_t warm = (size_t)(REFINE_WARMUP_S * fs);
    const int can_refine = o->amount == 1.0 && n > win;
    const size_t at = can_refine && settle + win <= n ? loudest_window(x, settle, n, win, hop) : 0;
    /* The rounds (paired_rounds) from two starts: the transfer function of
     * x to y as it is, where a compressor's gain weighs on the loud, often
     * bass-heavy hits and bends the estimate, and of x to y over the gain
     * over time read without a model (bx_transfer_common_gain: right where
     * a compressor acts, a little noise where none does). Where both end
     * with a compressor, both race on the waveform (race_detectors, below);
     * else the one whose compressor (or none) explains y's gain trace
     * better goes on. On test takes of bx's own with a compressor, the first
     * start alone ended anywhere from 3 to 36 dB of SNR; the two, at 37. */
    paired_in in[2] = {
        {res, ref, dry, x, y, n, settle, fs, o, w0, cv, &res->band_limit_hz, w, xe, g, 1}};
    paired_path path[2];
    memset(path, 0, sizeof path);
    int n_paths = 0;
    double *saved = bx_malloc(4 * cv->n * sizeof(double)); /* each path's curves */
    int two = !(o->no_compressor || o->amount <= 0) && (double)n <= PAIRED_COMMON_GAIN_MAX_S * fs;
    /* the second start's own scratch: the gain, x through its EQ, its curves */
    double *g1 = two ? bx_malloc(n * sizeof(double)) : NULL;
    float *xe1 = two ? bx_malloc(n * sizeof(float)) : NULL;
    double *c1 = two ? bx_malloc(5 * cv->n * sizeof(double)) : NULL;
    st = saved && (!two || (g1 && xe1 && c1)) ? BX_OK : oom(err, ref->path);
    if (!st && !two) {
        st = paired_rounds(&in[0], NULL, &path[0], err);
        n_paths = 1;
    } else if (!st) {
        /* both starts at once, each on its own worker (the same result as
         * one after the other: nothing in them depends on par); timed
         * together as the compressor stage */
        bx_analysis_opts o1 = *o;
        o1.par = NULL;
        bx_analysis_curves cv1 = *cv;
        cv1.reference_db = c1;
        cv1.source_db = c1 + cv->n;
        cv1.target_db = c1 + 2 * cv->n;
        cv1.fit_db = c1 + 3 * cv->n;
        double band1 = 0;
        in[0].o = &o1;
        in[0].lap = 0;
        in[1] = (paired_in){
            res, ref, dry, x, y, n, settle, fs, &o1, w0, &cv1, &band1, c1 + 4 * cv->n, xe1, g1, 0};
        start_job J = {in, path, {NULL, g1}, {BX_OK, BX_OK}, {{0}}, BX_OK, {0}};
        bx_parallel_for(o->par, start_task, &J, 2);
        for (int k = 0; k < 2 && !st; k++)
            if (J.st[k])
                *err = J.err[k], st = J.st[k];
        in[0].o = o;
        n_paths = 2;
        if (!st && J.gain_st == BX_ERR_NOMEM)
            st = bx_error_set(err, J.gain_st, "%s: %s", ref->path, J.gain_err.msg);
        else if (!st && J.gain_st)
            n_paths = 1; /* too short to read: y as it is, the first start alone */
        if (!st && n_paths == 2) {
            memcpy(saved + 2 * cv->n, cv1.target_db, cv->n * sizeof(double));
            memcpy(saved + 3 * cv->n, cv1.fit_db, cv->n * sizeof(double));
        }
    }
    if (!st) {
        memcpy(saved, cv->target_db, cv->n * sizeof(double));
        memcpy(saved + cv->n, cv->fit_db, cv->n * sizeof(double));
    }
    bx_free(g1);
    bx_free(xe1);
    bx_free(c1);
    int chosen = 0, race_both = 0;
    if (!st && n_paths == 2) {
        race_both = !path[0].eq_only && !path[1].eq_only && can_refine;
        chosen = !race_both && path[1].trace_db < path[0].trace_db;
    }
    if (!st) {
        adopt_path(res, &path[chosen], saved + 2 * (size_t)chosen * cv->n);
        *p = path[chosen].chain;
        eq_only_chain = path[chosen].eq_only;
        last_cr = path[chosen].cr;
        if (path[chosen].comp_fitted && !path[chosen].cr.use_comp &&
            path[chosen].cr.error_db < path[chosen].cr.error_off_db) {
            faint = path[chosen].cr.params; /* too little gain to trust on its own */
            has_faint = 1;
        }
    }
    lap(res, BX_ANALYSIS_STAGE_COMP);
    bx_free(g); /* from here on xe is the renderings' scratch */
    g = NULL;
    int refined = 0;
    if (!st && eq_only_chain) {
        /* no compressor: the target is the EQ's own response; measure it
         * with finer frames and search it thoroughly. A compressor the fit
         * missed can make the closer curve the worse EQ, so both are refined
         * on the waveform and the better one stays. */
        bx_chain_params q = *p;
        const double err_first = res->eq_error_db;
        st = paired_target(cv, &res->band_limit_hz, ref, dry, x, y, NULL, n, transfer_nfft(fs, n),
                           1, o, w0, w, err);
        if (!st)
            st = fit_eq(cv, w, fs, o, 0.0, EQ_NOISE_PAIRED_DB, FIT_THOROUGH, &q, &res->eq_error_db,
                        NULL, err);
        lap(res, BX_ANALYSIS_STAGE_EQ);
        if (!st && can_refine) {
            /* and a compressor that changed the gain trace too little to
             * pass on its own (one that seldom acts) gets the same test */
            double snr_first = -INFINITY, snr_q = -INFINITY, snr_c = -INFINITY;
            bx_chain_params c = *p;
            if (has_faint) {
                c.has_comp = 1;
                c.comp = faint;
                c.comp.makeup_db = 0;
                clamp_comp(&c.comp);
            }
            /* the three refinements are independent; the two EQs' run
             * beside the faint compressor's race, one task each with its
             * first heat's candidates (the race takes longer than both:
             * run apart, one worker waited on the other for up to a second),
             * then the compressor's own refinement with all of par */
            refine_job jobs[2] = {{p, &snr_first, BX_OK, {0}}, {&q, &snr_q, BX_OK, {0}}};
            if (has_faint) {
                int won = 0;
                st = race_detectors(&c, &c, &last_cr, 1, x + at, y + at, win, warm, fs, o->par, ws,
                                    jobs, 2, &won, ref->path, err);
                if (!st)
                    st = refine_chain(&c, x + at, y + at, win, warm, fs, o->par, ws[0], &snr_c,
                                      ref->path, err);
            } else {
                refine_jobs J = {jobs, {x + at, y + at, win, warm, fs, ref->path, ws}};
                st = run_refine_jobs(&J, 2, o->par, err);
            }
            /* a compressor that only wins with a setting on the end of its
             * range is not one the data identified (a release pinned at its
             * shortest turns it into a distortion of the peaks) */
            const int faint_wins =
                !st && snr_c > snr_q && snr_c > snr_first + FAINT_COMP_MIN_DB && !comp_at_limit(&c);
            if (!st && has_faint) {
                /* for the whole file to judge (below): the chain this choice
                 * left out, and the faint compressor refitted on the file's
                 * first seconds, where a processor that starts squeezed
                 * (SoX's compand) may be all the compressor there is */
                const bx_chain_params *eq_best = snr_q > snr_first ? &q : p;
                alt[n_alt++] = faint_wins ? *eq_best : c;
                s_base = *eq_best;
                has_s_base = 1;
            }
            if (faint_wins) {
                *p = c;
                faint_gain_db = snr_c - fmax(snr_first, snr_q);
            }
            if (!faint_wins && !st && snr_q > snr_first) {
                *p = q;
            } else { /* the first EQ stays: the report shows it */
                res->eq_error_db = err_first;
                for (size_t i = 0; i < cv->n; i++)
                    cv->fit_db[i] = bx_eq_response_db(p->bands, p->n_bands, fs, cv->freq_hz[i]);
            }
            refined = 1;
            lap(res, BX_ANALYSIS_STAGE_REFINE);
        } else if (!st) {
            p->n_bands = q.n_bands;
            memcpy(p->bands, q.bands, sizeof q.bands);
        }
    }
    if (!st && can_refine && !refined) {
        /* finally the whole chain at once, on the waveform */
        double snr;
        if (p->has_comp) {
            /* where the rounds from both starts kept a compressor, all their
             * candidates race (and the winner's fit is what the report shows) */
            const bx_chain_params starts[2] = {path[0].chain, path[1].chain};
            const bx_compfit_result crs[2] = {path[0].cr, path[1].cr};
            int won = 0;
            st = race_detectors(p, race_both ? starts : p, race_both ? crs : &last_cr,
                                race_both ? 2 : 1, x + at, y + at, win, warm, fs, o->par, ws, NULL,
                                0, &won, ref->path, err);
            if (!st && race_both) {
                adopt_path(res, &path[won], saved + 2 * (size_t)won * cv->n);
                last_cr = path[won].cr;
            }
        }
        if (!st)
            st =
                refine_chain(p, x + at, y + at, win, warm, fs, o->par, ws[0], &snr, ref->path, err);
        lap(res, BX_ANALYSIS_STAGE_REFINE);
    }
    if (!st)
        st = paired_finish(p, ref, fs, x, y, n, o, err);
    lap(res, BX_ANALYSIS_STAGE_LOUDNESS);
    double e_p = 0; /* p's squared error over the whole file */
    if (!st && has_s_base) {
        /* when the file's first seconds are far worse than the rest, the
         * faint compressor refitted there, from a squeezed start */
        const size_t head = (size_t)fmin((double)win, START_FIT_S * fs);
        double e_head = 0, e_tail = 0, s_head = 0, s_tail = 0;
        st = apply_chain(p, fs, x, xe, n, ref->path, err);
        for (size_t i = 0; !st && i < n; i++) {
            const double dv = (double)xe[i] - y[i], v = (double)y[i] * y[i];
            if (i < head)
                e_head += dv * dv, s_head += v;
            else
                e_tail += dv * dv, s_tail += v;
        }
        e_p = e_head + e_tail;
        const double gap_db =
            10.0 * log10((s_tail / (e_tail + 1e-30)) / (s_head / (e_head + 1e-30)));
        if (!st && gap_db > START_GAP_DB) {
            bx_chain_params s0 = s_base;
            s0.has_comp = 1;
            s0.comp = faint;
            s0.comp.makeup_db = 0;
            s0.comp.has_start_level = 1;
            s0.comp.start_level_db = 0.0;
            clamp_comp(&s0.comp);
            /* where to start: a coarse grid of ratio x release (the gain
             * trace after the settling time says little about either) */
            double e_best = INFINITY;
            bx_comp_params c_best = s0.comp;
            static const double ratios[] = {2.0, 4.0, 8.0}, releases[] = {50.0, 200.0, 800.0};
            for (int a = 0; a < 3 && !st; a++)
                for (int b = 0; b < 3 && !st; b++) {
                    bx_chain_params t = s0;
                    t.comp.ratio = ratios[a];
                    t.comp.release_ms = releases[b];
                    double e = INFINITY;
                    st = chain_error(&t, fs, x, NULL, y, win, &e, ref->path, err);
                    if (e < e_best)
                        e_best = e, c_best = t.comp;
                }
            s0.comp = c_best;
            double snr_s; /* from the very start: no warm-up */
            if (!st)
                st = refine_chain(&s0, x, y, win, 0, fs, o->par, ws[0], &snr_s, ref->path, err);
            if (!st)
                alt[n_alt++] = s0;
            lap(res, BX_ANALYSIS_STAGE_REFINE);
        }
    }
    if (!st && n_alt) {
        /* the window after the settling time chose between a chain with a
         * faint compressor and one without; over the whole file, each with
         * its own starting level, another may be the better (SoX's compand
         * squeezes its first second, and a compressor that seldom acts
         * later can still be what made it) */
        int pick = -1;
        double e_pick = e_p * pow(10.0, -FAINT_COMP_MIN_DB / 10.0), e_alt[2];
        st = finish_alts(alt, n_alt, ref, fs, x, y, n, o, e_alt, err);
        for (int k = 0; k < n_alt && !st; k++)
            if (e_alt[k] < e_pick)
                e_pick = e_alt[k], pick = k;
        if (!st && pick >= 0) {
            *p = alt[pick]; /* the report shows its EQ */
            if (!p->has_comp)
                faint_gain_db = 0;
            for (size_t i = 0; i < cv->n; i++)
                cv->fit_db[i] = bx_eq_response_db(p->bands, p->n_bands, fs, cv->freq_hz[i]);
        }
        lap(res, BX_ANALYSIS_STAGE_LOUDNESS);
    }
    if (!st && res->comp_fitted)
        res->comp_kept = p->has_comp; /* the waveform's choice, where it overrode the trace */
    if (!st && faint_gain_db > 0 && p->has_comp)
        warn(res, "compressor_faint",
             "a compressor that seldom acts: it changes REF's gain over time too little to show "
             "there (%.2f dB, %.2f dB needed), but brings the waveform %.1f dB closer; its "
             "settings are loosely determined",
             last_cr.error_off_db - last_cr.error_db, COMP_MIN_GAIN_PAIRED_DB, faint_gain_db);
    if (!st) { /* how close the whole chain comes, for the summary and the preset */
        st = apply_chain(p, fs, x, xe, n, ref->path, err);
        double e = 0, sy = 0;
        for (size_t i = 0; !st && i < n; i++) {
            const double dv = (double)xe[i] - y[i];
            e += dv * dv, sy += (double)y[i] * y[i];
        }
        res->match_snr_db = 10.0 * log10((sy + 1e-30) / (e + 1e-30));
    }
    bx_free(saved);
    bx_free(w0);
    bx_free(xe);
    bx_free(g);
    free_workspaces(ws, n_ws);
    return st;
}

/* One file to read: REF, and alongside it through o->par the take or DRY. */
typedef struct file_load {
    const char *path;
    double keep_s;
    const bx_take_range *range;
    bx_take *take;
    bx_error err;
    bx_status st;
} file_load;

static void file_load_task(void *arg, unsigned worker, size_t index)
{
    (void)worker;
    file_load *l = (file_load *)arg + index;
    l->st = bx_take_load(l->path, l->keep_s, l->range, &l->take, &l->err);
}

/* ---- how sure the fit is ------------------------------------------------------ */

/* A band whose least-constrained parameter kept more than half its prior
 * variance is reported as weakly determined. */
#define WEAK_BAND_CONFIDENCE 0.5
/* An EQ fit error above this many times the target's noise: beyond what the EQ can do. */
#define MISFIT_NOISE_FACTOR 3.0
/* A level change this large (dB) is unlikely to be what a take of the same
 * kind of performance needs. */
#define LEVEL_JUMP_DB 18.0
/* --paired: below this SNR the chain does not reproduce REF. */
#define PAIRED_LOW_SNR_DB 20.0

static void warn(bx_analysis_result *res, const char *code, const char *fmt, ...)
{
    if (res->n_warnings >= BX_ANALYSIS_MAX_WARNINGS)
        return;
    bx_analysis_warning *w = &res->warnings[res->n_warnings++];
    w->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->text, sizeof w->text, fmt, ap);
    va_end(ap);
}

/* The first of p's compressor settings that sits on the end of its range
 * (within 1 %), or NULL. */
static const char *comp_at_limit(const bx_chain_params *p)
{
    if (!p->has_comp)
        return NULL;
    const bx_comp_params *c = &p->comp;
    struct {
        const char *name;
        double v, lo, hi;
        int log_scale;
    } k[] = {{"attack", c->attack_ms, BX_ATTACK_MIN_MS, BX_ATTACK_MAX_MS, 1},
             {"release", c->release_ms, BX_RELEASE_MIN_MS, BX_RELEASE_MAX_MS, 1},
             {"ratio", c->ratio, BX_RATIO_MIN, BX_RATIO_MAX, 1},
             {"knee", c->knee_db, BX_KNEE_MIN_DB, BX_KNEE_MAX_DB, 0},
             {"threshold", c->threshold_db, BX_THRESHOLD_MIN_DB, BX_THRESHOLD_MAX_DB, 0}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        /* distance to each end: octave-like on a log scale, else a share of the range */
        const double span = k[i].hi - k[i].lo;
        const double to_hi =
            k[i].log_scale ? fabs(log(k[i].v / k[i].hi)) : fabs(k[i].v - k[i].hi) / span;
        const double to_lo =
            k[i].log_scale ? fabs(log(k[i].v / k[i].lo)) : fabs(k[i].v - k[i].lo) / span;
        /* a knee of 0 (hard) and a ratio of 1 are settings, not limits */
        const int lo_is_limit = strcmp(k[i].name, "knee") != 0 && strcmp(k[i].name, "ratio") != 0;
        if (to_hi < 0.01 || (lo_is_limit && to_lo < 0.01))
            return k[i].name;
    }
    return NULL;
}

static double mode_noise_db(bx_analysis_mode m)
{
    return m == BX_ANALYSIS_PAIRED   ? EQ_NOISE_PAIRED_DB
           : m == BX_ANALYSIS_SOURCE ? EQ_NOISE_SOURCE_DB
                                     : EQ_NOISE_REFERENCE_DB;
}

/* The preset's bands judged against the final target (bx_eqfit_confidence,
 * with --amount undone), and the plain warnings. */
static bx_status assess(bx_analysis_result *res, const bx_take *ref, const bx_take *other,
                        const bx_analysis_opts *o, const double *w, double rate, bx_error *err)
{
    const bx_chain_params *p = &res->preset.chain;
    const bx_analysis_curves *cv = &res->curves;
    bx_eqfit_opts eo;
    bx_eqfit_opts_default(&eo, rate, o->max_bands);
    eo.noise_db = res->eq_noise_db = mode_noise_db(res->mode);
    eo.resolution_oct = o->smoothing_oct;
    bx_band b[BX_MAX_BANDS];
    for (unsigned k = 0; k < p->n_bands; k++) {
        b[k] = p->bands[k];
        if (o->amount > 0)
            b[k].gain_db /= o->amount;
    }
    double wsum = 0, used = 0;
    for (size_t i = 0; i < cv->n; i++)
        wsum += w[i], used += w[i] > 0;
    if (wsum > 0) {
        bx_error e2;
        const bx_status st = bx_eqfit_confidence(cv->freq_hz, cv->target_db, w, cv->n, &eo, b,
                                                 p->n_bands, res->eq_conf, &e2);
        if (st == BX_ERR_NOMEM)
            return oom(err, ref->path);
        const double step = log2(cv->freq_hz[cv->n - 1] / cv->freq_hz[0]) / (double)(cv->n - 1);
        res->eq_n_eff = fmax(4.0, used * step / fmax(step, o->smoothing_oct)); /* as bx_eqfit */
    }

    if (res->mode == BX_ANALYSIS_REFERENCE)
        warn(res, "reference_only",
             "reference only: REF is compared with a model of a dry take, not with your voice "
             "and mic%s; record a take (bxlive --record-dry take.wav) and use --source take.wav",
             res->preset.chain.n_bands
                 ? ""
                 : " (no EQ is set from it: its spectrum lies within, or too little beyond, "
                   "what dry takes of other voices, kits and mics show)");
    const bx_take *files[2] = {ref, other};
    for (int k = 0; k < 2; k++)
        if (files[k] && files[k]->stats.transients < FEW_HITS) {
            char stem[256];
            warn(res, "few_hits",
                 "%s has %u hit%s (%d or more make a groove): its dynamics and sounds are thin "
                 "evidence",
                 bx_analysis_take_file(files[k], stem, sizeof stem), files[k]->stats.transients,
                 files[k]->stats.transients == 1 ? "" : "s", FEW_HITS);
        }
    if (res->mode == BX_ANALYSIS_SOURCE && res->match_pairs > 0 && res->match_weight < 0.5)
        warn(res, "take_unlike_reference",
             "your take and REF do not sound alike (their closest sounds differ by %.1f dB in "
             "shape): the EQ follows their long-term spectra, which also differ by what was "
             "played",
             res->match_distance_db);
    /* (--paired: the waveform's SNR says it, below) */
    if (res->mode != BX_ANALYSIS_PAIRED &&
        res->eq_error_db > MISFIT_NOISE_FACTOR * res->eq_noise_db)
        warn(res, "eq_misfit",
             "the EQ leaves %.2f dB RMS of its target unexplained (more than %u bands can "
             "follow): REF may differ by more than an EQ",
             res->eq_error_db, o->max_bands);
    for (unsigned k = 0; k < p->n_bands; k++)
        if (res->eq_conf[k].confidence < WEAK_BAND_CONFIDENCE) {
            warn(res, "weak_band",
                 "band %u (%s at %.0f Hz) is weakly determined by the data (confidence %.2f)",
                 k + 1, bx_biquad_type_name(p->bands[k].type), p->bands[k].freq_hz,
                 res->eq_conf[k].confidence);
        }
    /* within a factor 2 of the margin either way: neither clearly a
     * compressor nor clearly none */
    int faint = 0; /* --paired kept one on the waveform's word: said already */
    for (unsigned k = 0; k < res->n_warnings; k++)
        faint |= strcmp(res->warnings[k].code, "compressor_faint") == 0;
    if (res->comp_fitted && !faint && res->comp_margin_db > 0.5 * res->comp_min_gain_db &&
        res->comp_margin_db < 2.0 * res->comp_min_gain_db)
        warn(res, "compressor_indistinct",
             "the data can hardly tell a compressor from none (it improves the fit by %.2f dB, "
             "%.2f dB needed): %s",
             res->comp_margin_db, res->comp_min_gain_db,
             p->has_comp ? "kept, at low confidence" : "left off");
    if (res->comp_from_stats && res->comp_evidence_z > BX_ANALYSIS_COMP_EVIDENCE_Z)
        warn(res, "reference_compressed",
             "REF sounds compressed (its crest and spread lie below a dry take's: z %.2f, %.2f "
             "needed), but a compressor's threshold needs your input's level, which REF alone "
             "does not give: none is set; record a take (bxlive --record-dry take.wav) and use "
             "--source take.wav",
             res->comp_evidence_z, BX_ANALYSIS_COMP_EVIDENCE_Z);
    const char *limit = comp_at_limit(p);
    if (limit)
        warn(res, "compressor_at_limit",
             "the compressor's %s ended on the end of bx's range: REF's compressor works in a "
             "way bx's does not quite model (its detector, knee or timing)",
             limit);
    if (res->comp_misfit)
        warn(res, "compressor_misfit",
             "no compressor explains the difference in dynamics (the closest stays %.1f dB "
             "away): left off",
             fmin(res->comp_error_db, res->comp_error_db - res->comp_margin_db));
    const double level_db =
        p->input_gain_db + p->output_gain_db + (p->has_comp ? p->comp.makeup_db : 0);
    if (res->mode == BX_ANALYSIS_SOURCE && fabs(level_db) > LEVEL_JUMP_DB)
        warn(res, "level_jump",
             "the level match changes the level by %+.0f dB: your take is far %s than REF "
             "(the mic gain, or not the same kind of performance?)",
             level_db, level_db > 0 ? "quieter" : "louder");
    if (res->mode == BX_ANALYSIS_PAIRED && res->match_snr_db < PAIRED_LOW_SNR_DB)
        warn(res, "paired_low_snr",
             "the chain reproduces REF to only %.1f dB SNR: REF holds processing bx does not "
             "model (saturation, reverb, modulation) or the files differ",
             res->match_snr_db);
    return BX_OK;
}

/* The analysis once its inputs are read: ref (NULL with --source from a
 * profile alone), REF's profile prof (always), the take or DRY. */
static bx_status analyse(bx_analysis_result *res, bx_analysis_mode mode, const bx_take *ref,
                         const bx_profile *prof, const bx_take *other, const char *name,
                         const bx_analysis_opts *o, bx_error *err)
{
    /* --source hears REF only through its profile, whether it was measured
     * here or read from a preset: the two give the same preset */
    const bx_take *rt = mode == BX_ANALYSIS_SOURCE ? &prof->ref : ref;
    const double rate = other ? other->rate_hz : rt->rate_hz;
    /* paired: fit down to 12 Hz — a highpass's phase in the kick's range depends
     * on what it does below 30 Hz, and identification is judged sample by sample */
    res->fit_lo_hz = mode == BX_ANALYSIS_PAIRED   ? FIT_LO_PAIRED_HZ
                     : mode == BX_ANALYSIS_SOURCE ? FIT_LO_SOURCE_HZ
                                                  : FIT_LO_HZ;
    res->fit_hi_hz = fmin(mode == BX_ANALYSIS_REFERENCE ? FIT_HI_HZ : FIT_HI_TAKE_HZ, 0.45 * rate);
    bx_status st = curves_alloc(&res->curves, res->fit_lo_hz, res->fit_hi_hz, rate, rt->path, err);
    if (st)
        return st;
    double *w = bx_malloc(res->curves.n * sizeof(double));
    if (!w)
        return oom(err, rt->path);
    for (size_t i = 0; i < res->curves.n; i++)
        w[i] = 1.0;

    bx_analysis_opts eff = *o;
    if (eff.smoothing_oct < 0)
        eff.smoothing_oct = bx_analysis_default_smoothing(mode);
    o = &eff;
    if (mode == BX_ANALYSIS_SOURCE)
        st = run_source(res, prof, other, o, w, err);
    else if (mode == BX_ANALYSIS_PAIRED)
        st = run_paired(res, ref, other, o, w, err);
    else
        st = run_reference(res, ref, o, w, err);
    if (!st && mode != BX_ANALYSIS_PAIRED) /* (paired: before its waveform is judged) */
        drop_flat_sets(&res->preset.chain, rate);
    if (!st && bx_preset_set_name(&res->preset, o->name ? o->name : name))
        st = oom(err, rt->path);
    if (!st) {
        res->reference = rt->stats;
        if (other)
            res->source = other->stats;
        /* the preset must be valid for the rate it was fitted at */
        bx_error e2;
        if (bx_chain_params_check(&res->preset.chain, rate, &e2))
            st = bx_error_set(err, BX_ERR_RANGE, "%s: fitted an unusable chain: %s", rt->path,
                              e2.msg);
    }
    if (!st)
        st = assess(res, rt, other, o, w, rate, err);
    static const char *const names[] = {"reference", "source", "paired"};
    if (!st)
        st = bx_analysis_record_write(res, rt, other, prof, names[mode], o, err);
    lap(res, BX_ANALYSIS_STAGE_RECORD);
    bx_free(w);
    return st;
}

/* res emptied for an analysis in mode starting now; the start time. */
static double result_begin(bx_analysis_result *res, bx_analysis_mode mode)
{
    memset(res, 0, sizeof *res);
    res->mode = mode;
    return res->lap_t = bx_clock_s();
}

bx_status bx_analysis_run(const char *ref_path, bx_analysis_mode mode, const bx_take *source,
                          const char *other_path, const bx_analysis_opts *o,
                          bx_analysis_result *res, bx_error *err)
{
    const double t0 = result_begin(res, mode);
    bx_take *ref = NULL, *dry = NULL, *own_source = NULL;
    bx_profile *prof = NULL;
    bx_status st = bx_preset_init(&res->preset);
    if (st)
        return oom(err, ref_path);
    if (mode == BX_ANALYSIS_SOURCE && !source && !other_path)
        return bx_error_set(err, BX_ERR_ARG, "%s: source mode needs a source take", ref_path);
    if (mode == BX_ANALYSIS_PAIRED && !other_path)
        return bx_error_set(err, BX_ERR_ARG, "%s: paired mode needs the dry file", ref_path);
    const double keep = mode == BX_ANALYSIS_PAIRED ? BX_TAKE_KEEP_PAIRED_S : BX_TAKE_KEEP_FIT_S;
    /* the other file (take or dry original) is read alongside the reference */
    /* DRY is the same performance as REF: the same excerpt of its timeline */
    file_load load[2] = {{ref_path, keep, &o->ref_range, NULL, {0}, BX_OK},
                         {other_path,
                          keep,
                          mode == BX_ANALYSIS_PAIRED ? &o->ref_range : &o->take_range,
                          NULL,
                          {0},
                          BX_OK}};
    const int side = mode == BX_ANALYSIS_PAIRED || (mode == BX_ANALYSIS_SOURCE && !source);
    bx_parallel_for(o->par, file_load_task, load, side ? 2 : 1);
    ref = load[0].take;
    st = load[0].st;
    if (st)
        *err = load[0].err;
    else if (side && load[1].st) {
        *err = load[1].err;
        st = load[1].st;
    }
    if (mode == BX_ANALYSIS_PAIRED)
        dry = load[1].take;
    else if (mode == BX_ANALYSIS_SOURCE && !source)
        source = own_source = load[1].take;
    /* every preset carries REF's profile, for a --source fit without REF */
    if (!st)
        st = bx_profile_measure(ref, o->par, &prof, err);
    lap(res, BX_ANALYSIS_STAGE_LOAD);
    if (!st) {
        char stem[256];
        st = analyse(res, mode, ref, prof, mode == BX_ANALYSIS_SOURCE ? source : dry,
                     bx_analysis_stem(ref_path, stem, sizeof stem), o, err);
    }
    res->seconds = bx_clock_s() - t0;
    bx_take_free(ref);
    bx_take_free(dry);
    bx_take_free(own_source);
    bx_profile_free(prof);
    if (st)
        bx_analysis_result_free(res);
    return st;
}

bx_status bx_analysis_run_profile(const bx_profile *ref, const bx_take *source,
                                  const char *take_path, const bx_analysis_opts *o,
                                  bx_analysis_result *res, bx_error *err)
{
    const double t0 = result_begin(res, BX_ANALYSIS_SOURCE);
    bx_take *own = NULL;
    if (!source && !take_path)
        return bx_error_set(err, BX_ERR_ARG, "%s: a --source fit needs a take", ref->ref.path);
    bx_status st = bx_preset_init(&res->preset);
    if (st)
        return oom(err, ref->ref.path);
    if (!source) {
        st = bx_take_load(take_path, BX_TAKE_KEEP_FIT_S, &o->take_range, &own, err);
        source = own;
    }
    lap(res, BX_ANALYSIS_STAGE_LOAD);
    if (!st)
        st = analyse(res, BX_ANALYSIS_SOURCE, NULL, ref, source, ref->ref.path, o, err);
    res->seconds = bx_clock_s() - t0;
    bx_take_free(own);
    if (st)
        bx_analysis_result_free(res);
    return st;
}

void bx_analysis_result_free(bx_analysis_result *r)
{
    bx_preset_free(&r->preset);
    bx_free(r->curves.freq_hz);
    memset(&r->curves, 0, sizeof r->curves);
}
