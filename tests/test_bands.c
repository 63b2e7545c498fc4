/* test_bands — the running 1/3-octave spectrum keeps the promises of bx/bands.h.
 *
 *  - layout: at 48 kHz, 27 bands, centres 1000 * 10^(m/10) from 39.8 Hz to
 *    15.8 kHz; at 8 kHz they stop under 0.45 of the rate;
 *  - a steady 1 kHz sine of amplitude 0.5 reads its mean square
 *    (10 log10(0.125) = -9.03 dB) in the 1 kHz band within 0.05 dB, and the
 *    bands an octave away read at least 60 dB less;
 *  - white noise of variance s^2 reads, in each band from 100 Hz up, its
 *    bins' share 2 s^2 (k1 - k0) / N within 0.5 dB (20 s, tau 5 s);
 *  - a step: after tau the average has moved 1 - 1/e of the way (within the
 *    frame's granularity: the frames are counted here);
 *  - bx_bands_of_spectrum of the long-term spectrum (bx_ltas) of a steady
 *    three-tone signal equals the running bands of it within 0.05 dB;
 *  - feeding 1, 7, 4096 or all samples at a time gives identical values;
 *  - silence reads -200 dB; bad arguments are refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/bands.h"
#include "bx/ltas.h"
#include "testutil.h"

#define RATE 48000.0
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static int checks;

static void check(int ok, const char *what)
{
    checks++;
    if (!ok)
        tu_fail("%s", what);
}

static size_t band_at(const bx_bands *b, double f)
{
    size_t best = 0;
    for (size_t k = 1; k < bx_bands_count(b); k++)
        if (fabs(log(bx_bands_centre_hz(b, k) / f)) < fabs(log(bx_bands_centre_hz(b, best) / f)))
            best = k;
    return best;
}

int main(void)
{
    bx_error err;
    char what[300];
    bx_bands *b = bx_bands_create(RATE, 0.5, &err);
    if (!b) {
        tu_fail("bx_bands_create: %s", err.msg);
        return tu_finish("test_bands", checks);
    }
    const size_t nb = bx_bands_count(b);
    snprintf(what, sizeof what, "27 bands at 48 kHz, 39.8 Hz .. 15.8 kHz (%zu, %.1f .. %.1f)", nb,
             bx_bands_centre_hz(b, 0), bx_bands_centre_hz(b, nb - 1));
    check(nb == 27 && fabs(bx_bands_centre_hz(b, 0) - 39.81) < 0.01 &&
              fabs(bx_bands_centre_hz(b, nb - 1) - 15848.9) < 0.1,
          what);
    bx_bands *low = bx_bands_create(8000.0, 0.5, &err);
    check(low && bx_bands_centre_hz(low, bx_bands_count(low) - 1) <= 0.45 * 8000.0 * 1.001,
          "at 8 kHz the bands stop under 0.45 of the rate");
    bx_bands_destroy(low);

    double db[BX_BANDS_MAX], ref[BX_BANDS_MAX];
    bx_bands_db(b, db);
    check(db[0] == -200.0, "before the first frame: -200 dB");

    /* a steady sine */
    const size_t n = (size_t)(4 * RATE);
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.5 * sin(2.0 * M_PI * 1000.0 * (double)i / RATE));
    bx_bands_add(b, x, n);
    bx_bands_db(b, db);
    const size_t k1k = band_at(b, 1000.0), k500 = band_at(b, 500.0), k2k = band_at(b, 2000.0);
    snprintf(what, sizeof what,
             "a 1 kHz sine of amplitude 0.5 reads -9.03 dB in its band (%.3f), 60 dB more than "
             "an octave away (%.1f, %.1f)",
             db[k1k], db[k500], db[k2k]);
    check(fabs(db[k1k] - 10.0 * log10(0.125)) < 0.05 && db[k500] < db[k1k] - 60 &&
              db[k2k] < db[k1k] - 60,
          what);

    /* chunking: 1, 7, 4096 or all at once */
    static const size_t steps[] = {1, 7, 4096, 0};
    double first[BX_BANDS_MAX];
    int same = 1;
    for (int s = 0; s < 4; s++) {
        bx_bands_reset(b);
        const size_t step = steps[s] ? steps[s] : n;
        for (size_t at = 0; at < n; at += step)
            bx_bands_add(b, x + at, at + step <= n ? step : n - at);
        bx_bands_db(b, db);
        if (s == 0)
            memcpy(first, db, sizeof db);
        else
            same &= memcmp(first, db, nb * sizeof *db) == 0;
    }
    check(same, "feeding 1, 7, 4096 or all samples at a time gives identical values");

    /* a step from silence to the sine: after tau, 1 - 1/e of the way (in power) */
    bx_bands_reset(b);
    const size_t hop = 4096; /* N / 2 at 48 kHz */
    float *z = calloc(n, sizeof *z);
    bx_bands_add(b, z, 8192); /* one frame of silence */
    const size_t frames = (size_t)ceil(0.5 * RATE / (double)hop);
    bx_bands_add(b, x, frames * hop);
    bx_bands_db(b, db);
    /* the frames after the step: the first straddles it (about a quarter of its power) */
    const double a = exp(-(double)hop / (0.5 * RATE));
    const double got = pow(10.0, db[k1k] / 10.0) / 0.125;
    snprintf(what, sizeof what,
             "a step: after %zu frames (tau) the average holds %.3f of the new power, between "
             "1 - a^%zu = %.3f and 1 - a^%zu = %.3f",
             frames, got, frames - 1, 1 - pow(a, (double)(frames - 1)), frames,
             1 - pow(a, (double)frames));
    check(got > 1 - pow(a, (double)(frames - 1)) && got < 1 - pow(a, (double)frames) + 0.01, what);

    /* white noise, long average */
    bx_bands *w = bx_bands_create(RATE, 5.0, &err);
    uint64_t seed = 7;
    const size_t nn = (size_t)(20 * RATE);
    float *y = malloc(nn * sizeof *y);
    const double sd = 0.1;
    double var = 0;
    for (size_t i = 0; i < nn; i++) {
        y[i] = (float)(sd * tu_noise(&seed));
        var += (double)y[i] * y[i];
    }
    var /= (double)nn;
    bx_bands_add(w, y, nn);
    bx_bands_db(w, db);
    double worst = 0;
    for (size_t k = 0; k < nb; k++) {
        const double fc = bx_bands_centre_hz(w, k);
        if (fc < 100)
            continue;
        const double lo = fc * pow(10.0, -0.05), hi = fc * pow(10.0, 0.05), bin = RATE / 8192.0;
        const double bins = ceil(hi / bin) - ceil(lo / bin);
        worst = fmax(worst, fabs(db[k] - 10.0 * log10(2.0 * var * bins / 8192.0)));
    }
    snprintf(what, sizeof what,
             "white noise reads its bins' share in every band from 100 Hz up (worst %.2f dB)",
             worst);
    check(worst < 0.5, what);
    bx_bands_destroy(w);

    /* against the long-term spectrum of the same steady signal */
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.3 * sin(2.0 * M_PI * 125.0 * (double)i / RATE) +
                       0.1 * sin(2.0 * M_PI * 2000.0 * (double)i / RATE) +
                       0.05 * sin(2.0 * M_PI * 8000.0 * (double)i / RATE));
    bx_bands_reset(b);
    bx_bands_add(b, x, n);
    bx_bands_db(b, db);
    bx_ltas *l = bx_ltas_create(RATE, 8192, &err);
    bx_spectrum sp;
    if (l) {
        bx_ltas_add(l, x, n);
        if (bx_ltas_finish(l, &sp, &err) == BX_OK) {
            bx_bands_of_spectrum(b, &sp, ref);
            double dev = 0;
            static const double tones[] = {125.0, 2000.0, 8000.0};
            for (int t = 0; t < 3; t++) {
                const size_t k = band_at(b, tones[t]);
                dev = fmax(dev, fabs(db[k] - ref[k]));
            }
            snprintf(what, sizeof what,
                     "the long-term spectrum's bands equal the running ones in the tones' bands "
                     "(worst %.3f dB)",
                     dev);
            check(dev < 0.05, what);
            bx_spectrum_free(&sp);
        } else {
            tu_fail("bx_ltas_finish: %s", err.msg);
        }
        bx_ltas_destroy(l);
    }

    bx_bands_reset(b);
    bx_bands_add(b, z, n);
    bx_bands_db(b, db);
    check(db[k1k] == -200.0, "silence reads -200 dB");
    check(!bx_bands_create(10.0, 0.5, &err) && err.code == BX_ERR_ARG &&
              !bx_bands_create(RATE, 0.0, &err) && err.code == BX_ERR_ARG,
          "a rate out of range or a time constant of 0 are refused");
    free(x);
    free(y);
    free(z);
    bx_bands_destroy(b);
    return tu_finish("test_bands", checks);
}
