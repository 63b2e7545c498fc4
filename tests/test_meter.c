/* test_meter.c — bx_meter (BS.1770-4 integrated loudness, EBU Tech 3342
 * loudness range, sample peak) against libebur128 1.2, an independent
 * implementation of the same standard, and against closed forms:
 *  - integrated loudness within 0.001 LU, loudness range within 0.001 LU and
 *    sample peaks equal, on varied drum-like material (bursts with decays,
 *    noise, level steps of 20 dB so that both gates act) at 8, 11.025, 22.05,
 *    44.1, 48, 96 and 192 kHz, with 1, 2, 4, 5, 6 and 8 channels (libebur128's
 *    default channel map: surrounds weighted 1.41, LFE and channels past the
 *    sixth not counted);
 *  - a 997 Hz sine of peak A reads 20 log10(A) - 3.01 LUFS at every rate
 *    (BS.1770's calibration, within 0.05 LU: the K-weighting at 997 Hz is
 *    +0.0 dB to 0.05 at the low rates), and a loudness range of 0 (within
 *    0.001 LU: the filters start from rest); less than 400 ms and digital
 *    silence read -inf;
 *  - the energy measure (absolute gate only), on 10 s of that sine, 10 s
 *    40 dB lower and 5 s of silence: the mean power of the 400 ms blocks
 *    above -70 LUFS, counted in closed form (within 0.02 LU), where the
 *    integrated loudness gates the quiet part out (within 0.1 LU);
 *  - the result is bit-identical for any split of the audio into calls.
 * Without libebur128 at build time the comparisons are skipped (exit 77
 * after the closed-form checks pass). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/meter.h"
#include "testutil.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#ifdef BX_HAVE_EBUR128
#include <ebur128.h>
#endif

static int checks;

static float *material(size_t frames, unsigned ch, double rate, uint64_t seed)
{
    float *x = calloc(frames * ch, sizeof(float));
    uint64_t s = seed;
    for (unsigned c = 0; c < ch; c++) {
        double env = 0.0, lp = 0.0;
        const double decay = exp(-1.0 / (0.08 * rate)), gain = 0.3 + 0.1 * c;
        for (size_t i = 0; i < frames; i++) {
            /* a hit every ~230 ms, a level step every 10 s (0 / -20 / -8 dB) */
            if (i % (size_t)(0.23 * rate) == 0)
                env = 0.5 + 0.5 * fabs(tu_noise(&s));
            env *= decay;
            const double step = (i / (size_t)(10 * rate)) % 3;
            const double lvl = step == 0 ? 1.0 : step == 1 ? 0.1 : 0.4;
            lp = 0.7 * lp + 0.3 * tu_noise(&s);
            x[i * ch + c] = (float)(gain * lvl * (env * lp + 0.002 * tu_noise(&s)));
        }
    }
    return x;
}

static void check(const char *what, double got, double want, double tol)
{
    checks++;
    const int ok = (isinf(got) && isinf(want) && got == want) || fabs(got - want) <= tol;
    if (!ok)
        tu_fail("%s: %.6f, expected %.6f (tolerance %g)", what, got, want, tol);
}

static bx_meter *measure(const float *x, size_t frames, unsigned ch, double rate, size_t chunk)
{
    bx_error err;
    bx_meter *m = bx_meter_create(rate, ch, &err);
    if (!m) {
        tu_fail("bx_meter_create(%g, %u): %s", rate, ch, err.msg);
        return NULL;
    }
    for (size_t i = 0; i < frames; i += chunk) {
        const size_t n = frames - i < chunk ? frames - i : chunk;
        if (bx_meter_add(m, x + i * ch, n, &err))
            tu_fail("bx_meter_add: %s", err.msg);
    }
    return m;
}

static void calibration(void)
{
    static const double rates[] = {8000, 11025, 22050, 44100, 48000, 96000, 192000};
    for (size_t r = 0; r < sizeof rates / sizeof *rates; r++) {
        const double fs = rates[r];
        const size_t n = (size_t)(5 * fs);
        float *x = malloc(n * sizeof(float));
        for (size_t i = 0; i < n; i++)
            x[i] = (float)(0.25 * sin(2 * M_PI * 997.0 * (double)i / fs));
        bx_meter *m = measure(x, n, 1, fs, n);
        if (m) {
            char what[96];
            snprintf(what, sizeof what, "997 Hz sine, peak -12.04 dBFS, %g Hz, LUFS", fs);
            check(what, bx_meter_integrated(m), 20 * log10(0.25) - 3.01, 0.05);
            double lra;
            bx_meter_range(m, &lra, NULL);
            snprintf(what, sizeof what, "steady sine, %g Hz, LRA", fs);
            check(what, lra, 0.0, 0.001);
            bx_meter_destroy(m);
        }
        /* 0.39 s: no complete gating block */
        m = measure(x, (size_t)(0.39 * fs), 1, fs, 4096);
        if (m) {
            check("0.39 s of sine, LUFS", bx_meter_integrated(m), -HUGE_VAL, 0);
            bx_meter_destroy(m);
        }
        memset(x, 0, n * sizeof(float));
        m = measure(x, n, 1, fs, 1000);
        if (m) {
            check("digital silence, LUFS", bx_meter_integrated(m), -HUGE_VAL, 0);
            bx_meter_destroy(m);
        }
        free(x);
    }
    printf("calibration: a 997 Hz sine reads peak - 3.01 dB at 7 rates; short and silent "
           "inputs read -inf\n");
}

/* 997 Hz at peak 0.25 for 10 s, at 0.0025 for 10 s, then 5 s of silence:
 * 97 gating blocks (400 ms every 100 ms) lie in the loud part, 3 straddle
 * into the quiet one (loud power 3/4, 1/2, 1/4), 97 lie in the quiet part,
 * 3 straddle into the silence (quiet power 3/4, 1/2, 1/4: still above
 * -70 LUFS) and the rest are silent. The energy measure averages the 200
 * blocks above the absolute gate; the relative gate (-10 LU below their
 * mean) keeps only the loud 100. */
static void energy_gates(void)
{
    const double fs = 48000, a = 0.25, q = 1e-4; /* quiet power / loud power */
    const size_t part = (size_t)(10 * fs), n = part * 2 + (size_t)(5 * fs);
    float *x = calloc(n, sizeof(float));
    for (size_t i = 0; i < 2 * part; i++)
        x[i] = (float)((i < part ? a : a * 0.01) * sin(2 * M_PI * 997.0 * (double)i / fs));
    bx_meter *m = measure(x, n, 1, fs, 4096);
    if (m) {
        const double loud = 20 * log10(a) - 3.01; /* LUFS of the loud part alone */
        const double e_want = loud + 10 * log10((97 + 1.5 + (97 + 1.5 + 1.5) * q) / 200.0);
        const double i_want = loud + 10 * log10((97 + 1.5) / 100.0);
        check("energy (absolute gate only), LUFS", bx_meter_energy(m), e_want, 0.02);
        check("integrated (both gates), LUFS", bx_meter_integrated(m), i_want, 0.1);
        printf("energy: %.3f LUFS (closed form %.3f); integrated %.3f LUFS (%.3f)\n",
               bx_meter_energy(m), e_want, bx_meter_integrated(m), i_want);
        bx_meter_destroy(m);
    }
    m = measure(x + 2 * part, n - 2 * part, 1, fs, 4096);
    if (m) {
        check("energy of digital silence", bx_meter_energy(m), -HUGE_VAL, 0);
        bx_meter_destroy(m);
    }
    free(x);
}

static void chunking(void)
{
    const double fs = 44100;
    const size_t n = (size_t)(32 * fs);
    float *x = material(n, 2, fs, 99);
    static const size_t chunks[] = {1, 7, 4410, 65536};
    double ref_i = 0, ref_r = 0, ref_e = 0;
    for (size_t k = 0; k < sizeof chunks / sizeof *chunks; k++) {
        bx_meter *m = measure(x, n, 2, fs, chunks[k]);
        if (!m)
            continue;
        double lra;
        bx_meter_range(m, &lra, NULL);
        const double li = bx_meter_integrated(m), le = bx_meter_energy(m);
        if (k == 0)
            ref_i = li, ref_r = lra, ref_e = le;
        checks++;
        if (li != ref_i || lra != ref_r || le != ref_e)
            tu_fail("chunks of %zu frames: %.17g LUFS / %.17g LU, chunks of 1: %.17g / %.17g",
                    chunks[k], li, lra, ref_i, ref_r);
        bx_meter_destroy(m);
    }
    free(x);
    printf("chunking: calls of 1, 7, 4410 and 65536 frames give identical results\n");
}

#ifdef BX_HAVE_EBUR128
static void against_libebur128(void)
{
    static const double rates[] = {8000, 11025, 22050, 44100, 48000, 96000, 192000};
    static const unsigned chans[] = {1, 2, 4, 5, 6, 8};
    double worst_i = 0, worst_r = 0;
    for (size_t r = 0; r < sizeof rates / sizeof *rates; r++)
        for (size_t c = 0; c < sizeof chans / sizeof *chans; c++) {
            const double fs = rates[r];
            const unsigned ch = chans[c];
            const size_t n = (size_t)((fs >= 96000 ? 13.7 : 23.7) * fs);
            float *x = material(n, ch, fs, 1000 + r * 10 + c);
            bx_meter *m = measure(x, n, ch, fs, 3000);
            ebur128_state *e =
                ebur128_init(ch, (unsigned long)fs,
                             EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_SAMPLE_PEAK);
            if (!m || !e) {
                tu_fail("cannot create the meters");
                free(x);
                continue;
            }
            ebur128_add_frames_float(e, x, n);
            double li, lr, mine_r;
            ebur128_loudness_global(e, &li);
            ebur128_loudness_range(e, &lr);
            bx_meter_range(m, &mine_r, NULL);
            char what[96];
            snprintf(what, sizeof what, "%g Hz, %u channels: integrated loudness, LUFS", fs, ch);
            check(what, bx_meter_integrated(m), li, 0.001);
            snprintf(what, sizeof what, "%g Hz, %u channels: loudness range, LU", fs, ch);
            check(what, mine_r, lr, 0.001);
            worst_i = fmax(worst_i, fabs(bx_meter_integrated(m) - li));
            worst_r = fmax(worst_r, fabs(mine_r - lr));
            for (unsigned k = 0; k < ch; k++) {
                double pk;
                ebur128_sample_peak(e, k, &pk);
                snprintf(what, sizeof what, "%g Hz, channel %u of %u: sample peak", fs, k + 1, ch);
                check(what, bx_meter_sample_peak(m, k), pk, 0);
            }
            ebur128_destroy(&e);
            bx_meter_destroy(m);
            free(x);
        }
    printf("libebur128: 7 rates x 6 channel counts, worst difference %.2g LU integrated, %.2g LU "
           "range; sample peaks equal\n",
           worst_i, worst_r);
}
#endif

static void errors(void)
{
    bx_error err;
    checks += 3;
    if (bx_meter_create(999, 1, &err) || bx_meter_create(44100.5, 1, &err) ||
        bx_meter_create(48000, 0, &err))
        tu_fail("bad rates or channel counts accepted");
    else
        printf("errors: \"%s\"\n", err.msg);
}

int main(void)
{
    calibration();
    energy_gates();
    chunking();
    errors();
#ifdef BX_HAVE_EBUR128
    against_libebur128();
    return tu_finish("test_meter", checks);
#else
    const int rc = tu_finish("test_meter", checks);
    if (rc)
        return rc;
    printf("SKIP the comparison with libebur128: not found at build time\n");
    return 77;
#endif
}
