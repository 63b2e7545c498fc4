/* fuzz_audio — libFuzzer harness for reading audio (bx_audio_open_memory:
 * libsndfile's virtual I/O) and for the analysis bxanalyze runs on what it
 * reads.
 *
 * Every input is an audio file's content. Up to FUZZ_MAX_S seconds (and at
 * most FUZZ_MAX_SAMPLES samples) are read and measured by bx_take_read, as
 * bxanalyze reads every file (with no minimum length): the mono mixdown
 * (non-finite samples as silence) into the long-term spectrum and the level
 * statistics. The interleaved channels go into level statistics of their
 * own (which refuse non-finite samples). Then the
 * spectrum on the EQ fit's grid, the dynamics signature, the like-with-like
 * curve of the first half against the second, and a sample rate conversion.
 * The EQ fit has a harness of its own, fuzz_eqfit, which gives it arbitrary
 * targets: here it would cost two thirds of each input's time on the smooth
 * curves a spectrum makes. What is checked (abort() on a broken promise):
 *  - nothing crashes, leaks, hangs or reads out of bounds, whatever the bytes;
 *  - a refusal has a documented status and a one-line message that names
 *    the input;
 *  - every result the headers promise finite is finite, and within its
 *    documented range (levels, spectrum, curves);
 *  - the same analysis with one allocation through libbx's hook failing
 *    (which one depends on the input) frees everything and either fails
 *    with BX_ERR_NOMEM or gives the same results, bit for bit.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/audiofile.h"
#include "bx/dynsig.h"
#include "bx/levels.h"
#include "bx/match.h"
#include "bx/resample.h"
#include "bx/spectrum.h"
#include "bx/take.h"

#define NAME "fuzz-input"
#define FUZZ_MAX_S 4.0
#define FUZZ_MAX_SAMPLES (1u << 20)
#define READ_FRAMES 4096
#define RESAMPLE_MAX_S 0.25

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_audio: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void fail_value(const char *what, double v)
{
    char d[64];
    snprintf(d, sizeof d, "%.17g", v);
    fail(what, d);
}

#include "fuzz_alloc.h"

/* ---- checks ---------------------------------------------------------------- */

/* What one analysis found: a digest of every result, to compare two runs. */
typedef struct outcome {
    uint64_t digest;
} outcome;

static void note(outcome *o, double v)
{
    o->digest = fnv1a(&v, sizeof v, o->digest);
}

static void finite(const char *what, double v, outcome *o)
{
    if (!isfinite(v))
        fail_value(what, v);
    note(o, v);
}

/* err holds a refusal with status st from a function documented to return one of `allowed`. */
static void check_refusal(const bx_error *err, bx_status st, const bx_status *allowed, size_t n,
                          int named)
{
    size_t i = 0;
    while (i < n && allowed[i] != st)
        i++;
    if (i == n && st != BX_ERR_NOMEM) {
        char d[BX_ERROR_MSG_MAX + 64];
        snprintf(d, sizeof d, "%s (%s)", bx_strerror(st), err->msg);
        fail("undocumented status", d);
    }
    if (err->code != st)
        fail("the error's code differs from the status returned", err->msg);
    if (!err->msg[0] || (named && strncmp(err->msg, NAME ": ", strlen(NAME ": ")) != 0))
        fail("message does not name the input", err->msg);
    for (const unsigned char *c = (const unsigned char *)err->msg; *c; c++)
        if (*c < 0x20 || *c == 0x7F)
            fail("control character in a message", err->msg);
}

static void check_stats(const bx_level_stats *s, outcome *o)
{
    finite("seconds", s->seconds, o);
    finite("loudness_lufs", s->loudness_lufs, o);
    finite("energy_lufs", s->energy_lufs, o);
    finite("lra_lu", s->lra_lu, o);
    finite("sample_peak_db", s->sample_peak_db, o);
    finite("rms_db", s->rms_db, o);
    finite("crest_db", s->crest_db, o);
    finite("p10_db", s->p10_db, o);
    finite("p50_db", s->p50_db, o);
    finite("p95_db", s->p95_db, o);
    finite("spread_db", s->spread_db, o);
    finite("attack_ms", s->attack_ms, o);
    finite("decay_ms", s->decay_ms, o);
    note(o, s->transients);
    if (s->loudness_lufs < BX_LEVELS_SILENT_LUFS || s->energy_lufs < BX_LEVELS_SILENT_LUFS)
        fail_value("loudness below the silent floor", fmin(s->loudness_lufs, s->energy_lufs));
    if (s->sample_peak_db < BX_LEVELS_FLOOR_DB || s->rms_db < BX_LEVELS_FLOOR_DB)
        fail_value("level below the floor", fmin(s->sample_peak_db, s->rms_db));
    if (s->lra_lu < 0 || s->attack_ms < 0 || s->decay_ms < 0 || s->seconds <= 0)
        fail("negative range, time or duration", NULL);
    if (!(s->p10_db <= s->p50_db && s->p50_db <= s->p95_db))
        fail("percentiles out of order", NULL);
}

/* ---- the analysis ---------------------------------------------------------- */

typedef struct take {
    bx_take *take; /* what bxanalyze reads (bx_take_read) */
    double rate_hz;
    const float *mono; /* the kept mixdown, non-finite samples as 0 */
    size_t n;
    const bx_spectrum *spec;
} take;

/* Frames to read from a file of this rate and channel count. */
static double max_seconds(const bx_audio_info *info)
{
    return fmin(FUZZ_MAX_S, (double)(FUZZ_MAX_SAMPLES / info->channels) / info->rate_hz);
}

/* Open the bytes; the refusal, if any, checked. */
static bx_status open_input(const uint8_t *data, size_t size, bx_audio_reader **r,
                            bx_audio_info *info, outcome *o)
{
    bx_error err;
    *r = NULL;
    bx_status st = bx_audio_open_memory(data, size, NAME, r, info, &err);
    if (st) {
        static const bx_status allowed[] = {BX_ERR_AUDIO};
        check_refusal(&err, st, allowed, 1, 1);
        return st;
    }
    if (info->rate_hz < BX_AUDIO_RATE_MIN || info->rate_hz > BX_AUDIO_RATE_MAX ||
        info->channels < 1 || info->frames == 0 || info->frames < -1)
        fail("bx_audio_open_memory accepted what bx_audio_open refuses", NULL);
    if (!memchr(info->format, '\0', sizeof info->format))
        fail("format description not terminated", NULL);
    note(o, info->rate_hz);
    note(o, info->channels);
    st = bx_audio_set_excerpt(*r, 0.0, max_seconds(info), info, &err);
    if (st) {
        static const bx_status allowed[] = {BX_ERR_AUDIO};
        check_refusal(&err, st, allowed, 1, 1);
        bx_audio_close(*r);
        *r = NULL;
    }
    return st;
}

/* Read and measure as bxanalyze does (bx_take_read), with no minimum length. */
static bx_status read_take(const uint8_t *data, size_t size, take *t, outcome *o)
{
    bx_audio_reader *r = NULL;
    bx_audio_info info;
    bx_error err;
    bx_status st = open_input(data, size, &r, &info, o);
    if (st)
        return st;
    st = bx_take_read(r, &info, NAME, FUZZ_MAX_S, 0.0, &t->take, &err);
    bx_audio_close(r);
    if (st) {
        /* a damaged file, no frames, nothing above the spectrum's gate, too many channels */
        static const bx_status allowed[] = {BX_ERR_AUDIO};
        check_refusal(&err, st, allowed, 1, 1);
        return st;
    }
    t->rate_hz = bx_take_rate_hz(t->take);
    t->mono = bx_take_mono(t->take, &t->n);
    t->spec = bx_take_spectrum(t->take);
    if (bx_take_channels(t->take) != info.channels || t->rate_hz != info.rate_hz)
        fail("the take's format differs from the file's", NULL);
    note(o, (double)t->n);
    note(o, bx_take_seconds(t->take));
    if ((double)t->n > FUZZ_MAX_S * t->rate_hz + 1)
        fail("more audio kept than asked for", NULL);
    check_stats(bx_take_stats(t->take), o);
    const bx_spectrum *sp = t->spec;
    if (sp->n_bins != sp->nfft / 2 + 1 || sp->frames_used > sp->frames_total ||
        sp->frames_used == 0)
        fail("inconsistent spectrum", NULL);
    finite("gate_db", sp->gate_db, o);
    for (size_t k = 0; k < sp->n_bins; k++) {
        finite("spectrum power", sp->power[k], o);
        if (sp->power[k] < 0)
            fail_value("negative power", sp->power[k]);
    }
    return BX_OK;
}

/* Level statistics of the interleaved channels, which refuse non-finite
 * samples (bx_take_read measures the mono mixdown). */
static bx_status channel_levels(const uint8_t *data, size_t size, outcome *o)
{
    bx_audio_reader *r = NULL;
    bx_audio_info info;
    bx_error err;
    const bx_status opened = open_input(data, size, &r, &info, o);
    if (opened || info.channels > BX_LEVELS_MAX_CHANNELS) {
        bx_audio_close(r);
        /* refused, or too many channels for bx_levels: as documented */
        return opened == BX_ERR_NOMEM ? opened : BX_OK;
    }
    bx_levels *lev = bx_levels_create(info.rate_hz, info.channels, &err);
    float *buf = bx_malloc((size_t)READ_FRAMES * info.channels * sizeof(float));
    bx_status st = lev && buf ? BX_OK : BX_ERR_NOMEM;
    size_t n = 0;
    while (!st) {
        const long long got = bx_audio_read(r, buf, READ_FRAMES, &err);
        if (got <= 0)
            break; /* the end, or damage (bx_take_read has checked its refusal) */
        if ((size_t)got > READ_FRAMES)
            fail("bx_audio_read returned more frames than asked for", NULL);
        st = bx_levels_add(lev, buf, (size_t)got, &err);
        n += (size_t)got;
    }
    if (st == BX_ERR_AUDIO) {
        st = BX_OK; /* a NaN or infinity: refused, as documented */
    } else if (!st && n > 0) {
        bx_level_stats s;
        st = bx_levels_finish(lev, &s, &err);
        if (!st)
            check_stats(&s, o);
    }
    if (st && st != BX_ERR_NOMEM) {
        static const bx_status allowed[] = {BX_ERR_NOMEM};
        check_refusal(&err, st, allowed, 1, 0);
    }
    bx_audio_close(r);
    bx_levels_destroy(lev);
    bx_free(buf);
    return st;
}

/* The spectrum on the log grid bxanalyze fits its EQ to: 1/3-octave levels
 * and band levels, all promised finite and above the floor. The fit itself
 * is fuzzed on arbitrary targets by fuzz_eqfit. */
static void spectrum_grid(const take *t, outcome *o)
{
    const double lo = 30.0, hi = fmin(16000.0, 0.45 * t->rate_hz);
    for (double fr = lo; fr <= hi; fr *= exp2(1.0 / 4.0)) {
        const double level = bx_spectrum_db_at(t->spec, fr, 1.0 / 3.0);
        if (!(level >= BX_SPECTRUM_FLOOR_DB) || !isfinite(level))
            fail_value("spectrum level below the floor or not finite", level);
        note(o, level);
        const double band = bx_spectrum_band_db(t->spec, fr / 1.09, fr * 1.09);
        if (!(band >= BX_SPECTRUM_FLOOR_DB) || !isfinite(band))
            fail_value("band level below the floor or not finite", band);
        note(o, band);
    }
}

static bx_status dynamics(const take *t, outcome *o)
{
    bx_dynsig sig;
    bx_error err;
    const bx_status st = bx_dynsig_compute(t->mono, t->n, t->rate_hz, &sig, &err);
    if (st) {
        static const bx_status allowed[] = {BX_ERR_AUDIO};
        check_refusal(&err, st, allowed, 1, 0);
        return st == BX_ERR_AUDIO ? BX_OK : st;
    }
    for (int i = 0; i < BX_DYNSIG_NQ; i++) {
        finite("dynsig q10", sig.q10[i], o);
        finite("dynsig q50", sig.q50[i], o);
    }
    finite("dynsig crest_db", sig.crest_db, o);
    finite("dynsig distance", bx_dynsig_distance(&sig, &sig, NULL), o);
    return BX_OK;
}

static bx_status match(const take *t, outcome *o)
{
    bx_match_curve mc;
    bx_error err;
    const size_t half = t->n / 2;
    const bx_status st =
        bx_match_curve_estimate(t->mono, half, t->mono + half, t->n - half, t->rate_hz, &mc, &err);
    if (st) {
        static const bx_status allowed[] = {BX_ERR_AUDIO};
        check_refusal(&err, st, allowed, 1, 0);
        return st == BX_ERR_NOMEM ? st : BX_OK;
    }
    if (mc.n > BX_MATCH_MAX_BANDS)
        fail("too many match bands", NULL);
    for (size_t k = 0; k < mc.n; k++) {
        finite("match freq_hz", mc.freq_hz[k], o);
        finite("match db", mc.db[k], o);
        if (k > 0 && !(mc.freq_hz[k] > mc.freq_hz[k - 1]))
            fail("match bands not ascending", NULL);
    }
    finite("match distance_db", mc.distance_db, o);
    finite("match curve", bx_match_db_at(&mc, 1000.0), o);
    return BX_OK;
}

static bx_status resample(const take *t, outcome *o)
{
    const size_t n = (size_t)fmin((double)t->n, RESAMPLE_MAX_S * t->rate_hz);
    const double to = t->rate_hz == 48000.0 ? 44100.0 : 48000.0;
    const size_t m = bx_resample_length(n, t->rate_hz, to);
    float *y = bx_malloc((m ? m : 1) * sizeof(float));
    if (!y)
        return BX_ERR_NOMEM;
    bx_error err;
    const bx_status st = bx_resample(t->mono, n, t->rate_hz, y, to, &err);
    if (st) {
        bx_free(y);
        static const bx_status allowed[] = {BX_ERR_NOMEM};
        check_refusal(&err, st, allowed, 1, 0);
        return st;
    }
    double in_peak = 0;
    for (size_t i = 0; i < n; i++)
        in_peak = fmax(in_peak, fabs(t->mono[i]));
    for (size_t i = 0; i < m; i++) {
        /* a kernel sums |taps| to a few units: no overflow below 1e30 */
        if (in_peak < 1e30 && !isfinite(y[i]))
            fail("non-finite resampled sample", NULL);
        note(o, y[i]);
    }
    bx_free(y);
    return BX_OK;
}

static bx_status analyse(const uint8_t *data, size_t size, outcome *o)
{
    take t;
    memset(&t, 0, sizeof t);
    o->digest = FNV1A_START;
    bx_status st = read_take(data, size, &t, o);
    if (!st)
        spectrum_grid(&t, o);
    if (!st && t.n > 0)
        st = dynamics(&t, o);
    if (!st && t.n > 0)
        st = match(&t, o);
    if (!st && t.n > 0)
        st = resample(&t, o);
    bx_take_free(t.take);
    if (!st || st == BX_ERR_AUDIO) {
        const bx_status st2 = channel_levels(data, size, o);
        if (st2 == BX_ERR_NOMEM)
            st = st2;
    }
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bx_set_allocator(fuzz_alloc, fuzz_free, NULL);
    alloc_count = 0;
    alloc_fail_at = 0;
    outcome a, b;
    const bx_status st = analyse(data, size, &a);
    if (st && st != BX_ERR_AUDIO)
        fail("analysis failed", bx_strerror(st));
    /* again, with one of libbx's allocations failing */
    const unsigned long n_alloc = alloc_count;
    if (n_alloc > 0) {
        alloc_count = 0;
        alloc_fail_at = 1 + fnv1a(data, size, FNV1A_START) % n_alloc;
        const bx_status st2 = analyse(data, size, &b);
        if (st2 == BX_OK && (st != BX_OK || a.digest != b.digest))
            fail("with an allocation failing, the analysis succeeded differently", NULL);
        if (st2 && st2 != BX_ERR_NOMEM && st2 != st)
            fail("with an allocation failing, the analysis failed otherwise", bx_strerror(st2));
    }
    bx_set_allocator(NULL, NULL, NULL);
    return 0;
}
