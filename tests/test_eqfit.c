/* test_eqfit — the EQ fit finds what is there, and no more.
 *
 *  - a target made by a known 5-band EQ (highpass, shelves, two peaks) plus a
 *    broadband offset is matched within 0.05 dB RMS with at most 6 bands, at
 *    44.1, 48 and 96 kHz, and the offset is recovered within 0.05 dB;
 *  - a single bell is fitted with exactly one band (fewer bands when fewer suffice);
 *  - a flat target gets no band at all;
 *  - allowing more bands (1, 2, 3, 5, 8) never makes the fit worse, on random smooth
 *    curves (seeded);
 *  - thorough: an EQ whose broad bump the greedy start takes for one wide
 *    bell (highpass 63 Hz, low shelf 194 Hz +4.2 dB Q 1, bells 865 Hz
 *    -2.7 dB Q 2.33 and 4461 Hz +3.9 dB Q 1.73, high shelf 9637 Hz -3.4 dB
 *    Q 1, from 12 Hz) is matched within 0.02 dB RMS, where the plain search
 *    stays above 0.1 dB;
 *  - the fit is bit for bit the same whatever bx_parallel runs its search:
 *    none, or one that runs the tasks backwards on 3 rotating workers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bx/eqfit.h"
#include "testutil.h"

#define NPTS 223 /* 1/24 octave, 30 Hz .. 16 kHz */

static double freq[NPTS], target[NPTS];
static int checks;

static void make_grid(void)
{
    for (int i = 0; i < NPTS; i++)
        freq[i] = 30.0 * pow(2.0, i / 24.0);
}

static void fill_from(const bx_band *b, unsigned nb, double rate, double offset)
{
    for (int i = 0; i < NPTS; i++)
        target[i] = offset + bx_eq_response_db(b, nb, rate, freq[i]);
}

static void known_eq(double rate)
{
    const bx_band truth[] = {{BX_BIQUAD_HIGHPASS, 50, 0, 0.7071},
                             {BX_BIQUAD_LOW_SHELF, 110, 4, 0.7071},
                             {BX_BIQUAD_PEAK, 420, -5, 1.5},
                             {BX_BIQUAD_PEAK, 3100, 3, 2.0},
                             {BX_BIQUAD_HIGH_SHELF, 8000, 5, 0.7071}};
    fill_from(truth, 5, rate, 2.3);
    bx_eqfit_opts o;
    bx_eqfit_opts_default(&o, rate, 6);
    bx_eqfit_result r;
    bx_error err;
    checks += 2;
    if (bx_eqfit(freq, target, NULL, NPTS, &o, &r, &err)) {
        tu_fail("fit: %s", err.msg);
        return;
    }
    if (r.rms_error_db > 0.05 || fabs(r.offset_db - 2.3) > 0.05)
        tu_fail("known 5-band EQ at %g Hz: error %.4f dB RMS with %u bands, offset %.3f (want 2.3)",
                rate, r.rms_error_db, r.n_bands, r.offset_db);
    printf("known 5-band EQ at %g Hz: %u bands, error %.4f dB RMS (limit 0.05), offset %.3f dB\n",
           rate, r.n_bands, r.rms_error_db, r.offset_db);
    for (unsigned k = 0; k < r.n_bands; k++)
        printf("    %-10s %8.1f Hz %+6.2f dB q %.3f\n", bx_biquad_type_name(r.bands[k].type),
               r.bands[k].freq_hz, r.bands[k].gain_db, r.bands[k].q);
}

static void parsimony(void)
{
    const bx_band bell = {BX_BIQUAD_PEAK, 1000, 6, 1.4};
    fill_from(&bell, 1, 48000, 0);
    bx_eqfit_opts o;
    bx_eqfit_opts_default(&o, 48000, 8);
    bx_eqfit_result r;
    checks++;
    if (bx_eqfit(freq, target, NULL, NPTS, &o, &r, NULL) || r.n_bands != 1 ||
        r.bands[0].type != BX_BIQUAD_PEAK || fabs(r.bands[0].freq_hz - 1000) > 1 ||
        fabs(r.bands[0].gain_db - 6) > 0.01)
        tu_fail("a single 1 kHz bell should be fitted with one peak band, got %u bands", r.n_bands);
    printf("single bell: %u band(s): %s %.2f Hz %+.3f dB q %.3f\n", r.n_bands,
           bx_biquad_type_name(r.bands[0].type), r.bands[0].freq_hz, r.bands[0].gain_db,
           r.bands[0].q);
    for (int i = 0; i < NPTS; i++)
        target[i] = -4.0;
    checks++;
    if (bx_eqfit(freq, target, NULL, NPTS, &o, &r, NULL) || r.n_bands != 0 ||
        fabs(r.offset_db + 4.0) > 1e-9)
        tu_fail("a flat target should give no bands and offset -4, got %u bands, offset %g",
                r.n_bands, r.offset_db);
    printf("flat target: %u bands, offset %.3f dB\n", r.n_bands, r.offset_db);
}

static void monotone(void)
{
    uint64_t seed = 2024;
    double worst = 0;
    for (int trial = 0; trial < 4; trial++) {
        /* smooth random curve: a few random cosines in log frequency */
        double a[5], ph[5];
        for (int k = 0; k < 5; k++)
            a[k] = 4.0 * tu_noise(&seed), ph[k] = 3.14159 * tu_noise(&seed);
        for (int i = 0; i < NPTS; i++) {
            const double x = log2(freq[i] / 30.0);
            target[i] = 0;
            for (int k = 0; k < 5; k++)
                target[i] += a[k] * cos((k + 1) * 0.35 * x + ph[k]);
        }
        double prev = INFINITY;
        static const unsigned counts[] = {1, 2, 3, 5, 8};
        for (int ci = 0; ci < 5; ci++) {
            const unsigned nb = counts[ci];
            bx_eqfit_opts o;
            bx_eqfit_opts_default(&o, 48000, nb);
            o.min_gain_db = 0;
            bx_eqfit_result r;
            bx_eqfit(freq, target, NULL, NPTS, &o, &r, NULL);
            checks++;
            if (r.rms_error_db > prev + 1e-6)
                tu_fail("seed 2024 trial %d: %u bands fit worse (%.4f) than fewer (%.4f)", trial,
                        nb, r.rms_error_db, prev);
            worst = fmax(worst, r.rms_error_db - prev);
            prev = r.rms_error_db;
        }
        printf("random curve %d: error with 8 bands %.3f dB RMS\n", trial, prev);
    }
}

static void thorough(void)
{
    const bx_band truth[] = {{BX_BIQUAD_HIGHPASS, 63, 0, 0.707},
                             {BX_BIQUAD_LOW_SHELF, 194, 4.2, 1.0},
                             {BX_BIQUAD_PEAK, 4461, 3.9, 1.73},
                             {BX_BIQUAD_PEAK, 865, -2.7, 2.33},
                             {BX_BIQUAD_HIGH_SHELF, 9637, -3.4, 1.0}};
    enum { N = 224 };
    double f[N], t[N];
    for (int i = 0; i < N; i++) {
        f[i] = 12.0 * pow(2.0, i / 24.0);
        t[i] = 2.0 + bx_eq_response_db(truth, 5, 48000, f[i]);
    }
    bx_eqfit_opts o;
    bx_eqfit_opts_default(&o, 48000, 6);
    bx_eqfit_result plain, deep;
    bx_eqfit(f, t, NULL, N, &o, &plain, NULL);
    o.thorough = 1;
    bx_eqfit(f, t, NULL, N, &o, &deep, NULL);
    checks += 2;
    if (!(deep.rms_error_db <= 0.02))
        tu_fail("thorough fit of a 5-band EQ: %.3f dB RMS (limit 0.02)", deep.rms_error_db);
    if (!(plain.rms_error_db > 0.1))
        tu_fail("the plain search matched it too (%.3f dB): this case no longer tests the "
                "thorough one",
                plain.rms_error_db);
    printf("thorough: a 5-band EQ from 12 Hz, %.4f dB RMS with %u bands (plain search %.3f dB)\n",
           deep.rms_error_db, deep.n_bands, plain.rms_error_db);
}

/* A bx_parallel that runs the tasks last to first, rotating through its
 * workers: what a fit must not depend on. */
static void backwards(const bx_parallel *self, bx_task_fn fn, void *arg, size_t n)
{
    for (size_t i = n; i-- > 0;)
        fn(arg, (unsigned)(i % self->workers), i);
}

static void order_free(void)
{
    const bx_parallel par = {3, backwards, NULL};
    uint64_t seed = 77;
    for (int trial = 0; trial < 4; trial++) {
        for (int i = 0; i < NPTS; i++)
            target[i] =
                3.0 * sin(log2(freq[i] / 30.0) * (1.1 + 0.3 * trial)) + tu_noise(&seed) * 0.2;
        bx_eqfit_opts o;
        bx_eqfit_opts_default(&o, 48000, 6);
        bx_eqfit_result a, b;
        o.thorough = trial % 2; /* both searches */
        bx_eqfit(freq, target, NULL, NPTS, &o, &a, NULL);
        o.par = &par;
        bx_eqfit(freq, target, NULL, NPTS, &o, &b, NULL);
        int same = a.n_bands == b.n_bands && a.offset_db == b.offset_db &&
                   a.rms_error_db == b.rms_error_db;
        for (unsigned k = 0; same && k < a.n_bands; k++)
            same = a.bands[k].type == b.bands[k].type && a.bands[k].freq_hz == b.bands[k].freq_hz &&
                   a.bands[k].gain_db == b.bands[k].gain_db && a.bands[k].q == b.bands[k].q;
        checks++;
        if (!same)
            tu_fail("trial %d: the fit depends on the order its search ran in", trial);
    }
    printf("order: 4 fits identical run in order and backwards on 3 workers\n");
}

int main(void)
{
    make_grid();
    known_eq(44100);
    known_eq(48000);
    known_eq(96000);
    parsimony();
    monotone();
    thorough();
    order_free();
    return tu_finish("test_eqfit", checks);
}
