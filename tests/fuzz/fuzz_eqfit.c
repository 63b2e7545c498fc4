/* fuzz_eqfit — libFuzzer harness for the EQ fitter (bx_eqfit, bx_eqfit_polish,
 * bx_eqfit_confidence) on arbitrary targets.
 *
 * fuzz_audio reaches the fitter only through the long-term spectrum of a
 * decoded file, which is smooth and bounded; here the bytes are the fit's own
 * arguments, so every target shape, weight pattern and option the API takes
 * is tried directly. The input, read as a stream (missing bytes are 0):
 *   byte 0     sample rate (one of nine, 8 kHz .. 192 kHz)
 *   byte 1     max_bands 1..8 (the low 3 bits)
 *   byte 2     flags: quick, thorough, no highpass, no lowpass, noise_db 0,
 *              weights NULL, gain_penalty 0.01, min_gain_db 0.05
 *   byte 3     points, 4..67
 *   bytes 4-5  the first frequency, 10 Hz .. 20 kHz on a log scale
 *   then for each point: the step to the next frequency (0..0.5 octave: 0
 *   repeats the frequency, which is refused), the target (int16 / 256 dB;
 *   -32768 is NaN, refused), the weight (byte / 255).
 * What is checked (abort() on a broken promise):
 *  - arguments outside the documented domain are refused with BX_ERR_ARG and
 *    a one-line message, valid ones are fitted (or BX_ERR_NOMEM);
 *  - every band lies in bx_eqfit_band_limits, the set passes bx_eqfit_faults,
 *    the offset, error, effective points and confidences are finite and in
 *    range, the response is finite on the grid;
 *  - bx_eqfit_polish from the result and bx_eqfit_confidence of it succeed
 *    and keep those promises;
 *  - the same calls with one allocation through libbx's hook failing free
 *    everything and either fail with BX_ERR_NOMEM or give the same results,
 *    bit for bit.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/eqfit.h"

#define MAX_POINTS 67
#define MAX_FUZZ_BANDS 8

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_eqfit: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

#include "fuzz_alloc.h"

/* The bytes as a stream: 0 past the end. */
typedef struct reader {
    const uint8_t *d;
    size_t n, at;
} reader;

static unsigned byte(reader *r)
{
    return r->at < r->n ? r->d[r->at++] : 0u;
}

typedef struct problem {
    double f[MAX_POINTS], t[MAX_POINTS], w[MAX_POINTS];
    size_t n;
    int weights; /* 0: NULL weights */
    int valid;   /* within bx_eqfit's documented domain */
    bx_eqfit_opts o;
} problem;

static void decode(const uint8_t *data, size_t size, problem *p)
{
    static const double rates[] = {8000, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 192000};
    reader r = {data, size, 0};
    const double rate = rates[byte(&r) % (sizeof rates / sizeof rates[0])];
    const unsigned bands = 1 + byte(&r) % MAX_FUZZ_BANDS;
    const unsigned flags = byte(&r);
    bx_eqfit_opts_default(&p->o, rate, bands);
    p->o.quick = (flags & 1) != 0;
    p->o.thorough = (flags & 2) != 0;
    p->o.allow_highpass = (flags & 4) == 0;
    p->o.allow_lowpass = (flags & 8) == 0;
    if (flags & 16)
        p->o.noise_db = 0.0;
    p->weights = (flags & 32) == 0;
    if (flags & 64)
        p->o.gain_penalty = 0.01;
    if (flags & 128)
        p->o.min_gain_db = 0.05;
    p->n = 4 + byte(&r) % (MAX_POINTS - 3);
    const unsigned f0 = byte(&r) | byte(&r) << 8;
    double f = 10.0 * exp2(f0 / 65535.0 * log2(2000.0));
    p->valid = 1;
    for (size_t i = 0; i < p->n; i++) {
        const unsigned step = byte(&r);
        const int16_t t = (int16_t)(uint16_t)(byte(&r) | byte(&r) << 8);
        const unsigned w = byte(&r);
        p->f[i] = f;
        p->t[i] = t == INT16_MIN ? NAN : t / 256.0;
        p->w[i] = w / 255.0;
        if (f >= 0.5 * rate || !isfinite(p->t[i]) || (i && !(f > p->f[i - 1])))
            p->valid = 0;
        f *= exp2(step / 255.0 * 0.5);
    }
    double wsum = 0;
    for (size_t i = 0; i < p->n; i++)
        wsum += p->weights ? p->w[i] : 1.0;
    if (wsum == 0)
        p->valid = 0;
}

static void note(uint64_t *h, double v)
{
    *h = fnv1a(&v, sizeof v, *h);
}

static void finite(const char *what, double v, uint64_t *h)
{
    if (!isfinite(v)) {
        char d[64];
        snprintf(d, sizeof d, "%.17g", v);
        fail(what, d);
    }
    note(h, v);
}

static void check_refusal(const bx_error *err, bx_status st)
{
    if (st != BX_ERR_ARG && st != BX_ERR_NOMEM)
        fail("undocumented status", bx_strerror(st));
    if (err->code != st)
        fail("the error's code differs from the status returned", err->msg);
    if (!err->msg[0])
        fail("empty error message", NULL);
    for (const unsigned char *c = (const unsigned char *)err->msg; *c; c++)
        if (*c < 0x20 || *c == 0x7F)
            fail("control character in a message", err->msg);
}

static void check_conf(const bx_eqfit_band_conf *c, unsigned n, uint64_t *h)
{
    for (unsigned k = 0; k < n; k++) {
        finite("gain_sd_db", c[k].gain_sd_db, h);
        finite("freq_sd_oct", c[k].freq_sd_oct, h);
        finite("q_sd_oct", c[k].q_sd_oct, h);
        if (c[k].gain_sd_db < 0 || c[k].freq_sd_oct < 0 || c[k].q_sd_oct < 0)
            fail("negative standard deviation", NULL);
        if (!(c[k].confidence >= 0 && c[k].confidence <= 1))
            fail("band confidence outside 0..1", NULL);
        note(h, c[k].confidence);
    }
}

/* The promises of a successful fit of p. `sane`: the set must pass
 * bx_eqfit_faults (bx_eqfit keeps only sane sets; a polish refines given
 * bands, which may end on a limit). */
static void check_result(const problem *p, const bx_eqfit_result *res, unsigned max_bands, int sane,
                         uint64_t *h)
{
    const double rate = p->o.rate_hz;
    if (res->n_bands > max_bands)
        fail("more bands than allowed", NULL);
    finite("offset_db", res->offset_db, h);
    finite("rms_error_db", res->rms_error_db, h);
    finite("n_eff", res->n_eff, h);
    if (res->rms_error_db < 0 || res->n_eff < 0)
        fail("negative error or effective points", NULL);
    for (unsigned k = 0; k < res->n_bands; k++) {
        const bx_band *b = &res->bands[k];
        double flo, fhi, qlo, qhi, gmax;
        bx_eqfit_band_limits(b->type, rate, &flo, &fhi, &qlo, &qhi, &gmax);
        finite("band freq_hz", b->freq_hz, h);
        finite("band q", b->q, h);
        finite("band gain_db", b->gain_db, h);
        note(h, (double)b->type);
        const double tol = 1e-9;
        if (b->freq_hz < flo * (1 - tol) || b->freq_hz > fhi * (1 + tol) ||
            b->q < qlo * (1 - tol) || b->q > qhi * (1 + tol) ||
            fabs(b->gain_db) > fmin(gmax, p->o.max_gain_db) + tol) {
            char d[160];
            snprintf(d, sizeof d, "type %d, %.9g Hz, q %.9g, %.9g dB", (int)b->type, b->freq_hz,
                     b->q, b->gain_db);
            fail("fitted band outside bx_eqfit_band_limits", d);
        }
        if (!p->o.allow_highpass && b->type == BX_BIQUAD_HIGHPASS)
            fail("a highpass where none is allowed", NULL);
        if (!p->o.allow_lowpass && b->type == BX_BIQUAD_LOWPASS)
            fail("a lowpass where none is allowed", NULL);
    }
    char why[160];
    if (sane && bx_eqfit_faults(res->bands, res->n_bands, rate, why, sizeof why))
        fail("a fitted set bx_eqfit_faults refuses", why);
    check_conf(res->conf, res->n_bands, h);
    for (size_t i = 0; i < p->n; i++)
        finite("EQ response", bx_eq_response_db(res->bands, res->n_bands, rate, p->f[i]), h);
}

/* Fit, polish and confidence of p; their digest in *h. */
static bx_status run(const problem *p, uint64_t *h)
{
    const double *w = p->weights ? p->w : NULL;
    bx_eqfit_result res;
    bx_error err;
    *h = FNV1A_START;
    bx_status st = bx_eqfit(p->f, p->t, w, p->n, &p->o, &res, &err);
    if (st) {
        check_refusal(&err, st);
        if (st == BX_ERR_ARG && p->valid)
            fail("valid arguments refused", err.msg);
        return st;
    }
    if (!p->valid)
        fail("invalid arguments accepted", NULL);
    check_result(p, &res, p->o.max_bands, 1, h);
    if (res.n_bands == 0)
        return BX_OK;

    bx_eqfit_band_conf conf[BX_MAX_BANDS];
    st = bx_eqfit_confidence(p->f, p->t, w, p->n, &p->o, res.bands, res.n_bands, conf, &err);
    if (st) {
        check_refusal(&err, st);
        if (st != BX_ERR_NOMEM)
            fail("the confidence of a fit refused", err.msg);
        return st;
    }
    check_conf(conf, res.n_bands, h);

    bx_eqfit_result pol;
    st = bx_eqfit_polish(p->f, p->t, w, p->n, &p->o, res.bands, res.n_bands, &pol, &err);
    if (st) {
        check_refusal(&err, st);
        if (st != BX_ERR_NOMEM)
            fail("the polish of a fit refused", err.msg);
        return st;
    }
    if (pol.n_bands != res.n_bands)
        fail("the polish changed the band count", NULL);
    for (unsigned k = 0; k < pol.n_bands; k++)
        if (pol.bands[k].type != res.bands[k].type)
            fail("the polish changed a band's type", NULL);
    check_result(p, &pol, res.n_bands, 0, h);
    return BX_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    problem p;
    memset(&p, 0, sizeof p);
    decode(data, size, &p);
    bx_set_allocator(fuzz_alloc, fuzz_free, NULL);
    alloc_count = 0;
    alloc_fail_at = 0;
    uint64_t a, b;
    const bx_status st = run(&p, &a);
    if (st == BX_ERR_NOMEM)
        fail("out of memory with no allocation failing", NULL);
    /* again, with one of libbx's allocations failing */
    const unsigned long n_alloc = alloc_count;
    if (n_alloc > 0) {
        alloc_count = 0;
        alloc_fail_at = 1 + fnv1a(data, size, FNV1A_START) % n_alloc;
        const bx_status st2 = run(&p, &b);
        if (st2 == BX_OK && (st != BX_OK || a != b))
            fail("with an allocation failing, the fit succeeded differently", NULL);
        if (st2 && st2 != BX_ERR_NOMEM && st2 != st)
            fail("with an allocation failing, the fit failed otherwise", bx_strerror(st2));
    }
    bx_set_allocator(NULL, NULL, NULL);
    return 0;
}
