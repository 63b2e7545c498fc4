/* test_biquad — every band type matches the RBJ cookbook's closed form.
 *
 * Reference: the cookbook's analog prototypes H(s), evaluated at the bilinear
 * transform's warped frequency s = j tan(w/2) / tan(w0/2). This is exact for
 * the cookbook designs, and shares no code with bx_biquad_design.
 *
 * Promises, at 44.1, 48 and 96 kHz, 60 log-spaced frequencies 20 Hz..20 kHz:
 *  - designed coefficients: magnitude within 0.01 dB, phase within 0.01 degree;
 *  - bx_biquad_process (TDF-II): the DFT of its impulse response matches the
 *    closed form within 0.01 dB / 0.01 degree;
 *  - a frequency at or above Nyquist is BX_ERR_RANGE;
 *  - bx_biquad_cascade of 1..5 sections, on one channel of a stereo buffer
 *    and in two calls, equals bx_biquad_process section after section bit
 *    for bit (output and state);
 *  - bx_biquad_cascade_taps of 1..14 sections, in two calls: each section's
 *    output equals bx_biquad_process section after section, bit for bit.
 */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/biquad.h"
#include "testutil.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct cs {
    bx_biquad_type type;
    double f0, gain_db, q;
} cs;

static double complex prototype(const cs *c, double complex s)
{
    const double A = pow(10.0, c->gain_db / 40.0), Q = c->q;
    const double complex s2 = s * s;
    switch (c->type) {
    case BX_BIQUAD_LOWPASS:
        return 1.0 / (s2 + s / Q + 1.0);
    case BX_BIQUAD_HIGHPASS:
        return s2 / (s2 + s / Q + 1.0);
    case BX_BIQUAD_PEAK:
        return (s2 + s * (A / Q) + 1.0) / (s2 + s / (A * Q) + 1.0);
    case BX_BIQUAD_LOW_SHELF:
        return A * (s2 + (sqrt(A) / Q) * s + A) / (A * s2 + (sqrt(A) / Q) * s + 1.0);
    case BX_BIQUAD_HIGH_SHELF:
        return A * (A * s2 + (sqrt(A) / Q) * s + 1.0) / (s2 + (sqrt(A) / Q) * s + A);
    }
    return 0;
}

static double complex closed_form(const cs *c, double f, double fs)
{
    const double w = 2.0 * M_PI * f / fs, w0 = 2.0 * M_PI * c->f0 / fs;
    return prototype(c, I * tan(w / 2.0) / tan(w0 / 2.0));
}

static double wrap_deg(double d)
{
    while (d > 180.0)
        d -= 360.0;
    while (d < -180.0)
        d += 360.0;
    return d;
}

int main(void)
{
    static const cs cases[] = {
        {BX_BIQUAD_PEAK, 1000, 6, 1},
        {BX_BIQUAD_PEAK, 2500, -3, 1.2},
        {BX_BIQUAD_PEAK, 35, 9, 2},
        {BX_BIQUAD_PEAK, 12000, -12, 4},
        {BX_BIQUAD_LOW_SHELF, 100, 6, 0.707},
        {BX_BIQUAD_LOW_SHELF, 30, -8, 0.5},
        {BX_BIQUAD_LOW_SHELF, 400, 3, 1.5},
        {BX_BIQUAD_HIGH_SHELF, 8000, 4, 0.707},
        {BX_BIQUAD_HIGH_SHELF, 3000, -6, 0.9},
        {BX_BIQUAD_HIGH_SHELF, 150, 5, 0.6},
        {BX_BIQUAD_HIGHPASS, 40, 0, 0.7071},
        {BX_BIQUAD_HIGHPASS, 25, 0, 2},
        {BX_BIQUAD_HIGHPASS, 300, 0, 0.5},
        {BX_BIQUAD_LOWPASS, 3500, 0, 0.7071},
        {BX_BIQUAD_LOWPASS, 15000, 0, 1.5},
        {BX_BIQUAD_LOWPASS, 60, 0, 0.8},
    };
    static const double rates[] = {44100, 48000, 96000};
    const int nf = 60;
    const size_t nimp = 1u << 19; /* long enough for 20 Hz, Q 2 at 96 kHz to decay below -300 dB */
    double *h = malloc(nimp * sizeof *h);
    int checks = 0;
    double worst_coef_db = 0, worst_coef_deg = 0, worst_proc_db = 0, worst_proc_deg = 0;
    double least_ref = INFINITY; /* the smallest |H| compared */
    if (!h)
        return 1;

    for (size_t r = 0; r < sizeof rates / sizeof *rates; r++) {
        const double fs = rates[r];
        for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
            const cs *c = &cases[k];
            bx_biquad_coefs co;
            bx_error err;
            if (bx_biquad_design(c->type, c->f0, c->gain_db, c->q, fs, &co, &err) != BX_OK) {
                tu_fail("design %s %g Hz at %g Hz: %s", bx_biquad_type_name(c->type), c->f0, fs,
                        err.msg);
                continue;
            }
            /* impulse response through the real processing path */
            for (size_t i = 0; i < nimp; i++)
                h[i] = i == 0 ? 1.0 : 0.0;
            bx_biquad_state st = {0, 0};
            bx_biquad_process(&co, &st, h, nimp, 1);
            if (fabs(h[nimp - 1]) > 1e-15)
                tu_fail("%s %g Hz at %g Hz: impulse response has not decayed (%g)",
                        bx_biquad_type_name(c->type), c->f0, fs, h[nimp - 1]);
            /* the DFTs below sum the response up to where the rest of it,
             * sum |h[n]|, is under 1e-15: at most that much off any value
             * (against the smallest response checked, below) */
            size_t len = nimp;
            for (double tail = 0; len > 0 && tail + fabs(h[len - 1]) < 1e-15; len--)
                tail += fabs(h[len - 1]);

            for (int i = 0; i < nf; i++) {
                const double f = 20.0 * pow(1000.0, (double)i / (nf - 1)); /* 20 Hz .. 20 kHz */
                const double complex ref = closed_form(c, f, fs);
                const double ref_db = 20.0 * log10(cabs(ref)), ref_deg = carg(ref) * 180.0 / M_PI;
                least_ref = fmin(least_ref, cabs(ref));
                double mag_db, ph;
                bx_biquad_response(&co, f, fs, &mag_db, &ph);
                const double e_db = fabs(mag_db - ref_db);
                const double e_deg = fabs(wrap_deg(ph * 180.0 / M_PI - ref_deg));
                /* DFT of the processed impulse response at f */
                double complex acc = 0;
                const double complex step = cexp(-I * 2.0 * M_PI * f / fs);
                double complex z = 1.0;
                for (size_t n = 0; n < len; n++) {
                    acc += h[n] * z;
                    z *= step;
                    if ((n & 4095) == 4095)
                        z /= cabs(z); /* keep |z| = 1 over half a million steps */
                }
                const double p_db = fabs(20.0 * log10(cabs(acc)) - ref_db);
                const double p_deg = fabs(wrap_deg(carg(acc) * 180.0 / M_PI - ref_deg));
                worst_coef_db = fmax(worst_coef_db, e_db);
                worst_coef_deg = fmax(worst_coef_deg, e_deg);
                worst_proc_db = fmax(worst_proc_db, p_db);
                worst_proc_deg = fmax(worst_proc_deg, p_deg);
                checks += 2;
                if (e_db > 0.01 || e_deg > 0.01)
                    tu_fail(
                        "%s f0=%g gain=%g q=%g fs=%g at %.1f Hz: coefficients %.6f dB %.6f deg, "
                        "closed form %.6f dB %.6f deg",
                        bx_biquad_type_name(c->type), c->f0, c->gain_db, c->q, fs, f, mag_db,
                        ph * 180 / M_PI, ref_db, ref_deg);
                if (p_db > 0.01 || p_deg > 0.01)
                    tu_fail("%s f0=%g gain=%g q=%g fs=%g at %.1f Hz: processed %.6f dB off, %.6f "
                            "deg off",
                            bx_biquad_type_name(c->type), c->f0, c->gain_db, c->q, fs, f, p_db,
                            p_deg);
            }
        }
    }
    printf("worst deviation from the cookbook closed form: coefficients %.2e dB / %.2e deg, "
           "processed impulse response %.2e dB / %.2e deg (limit 0.01 dB / 0.01 deg)\n",
           worst_coef_db, worst_coef_deg, worst_proc_db, worst_proc_deg);
    /* the impulse responses' tails left out of the DFTs: at most 1e-15 in
     * absolute value, a share of the smallest |H| that stays far under the
     * 0.01 dB compared (20 log10(1 + 1e-15 / |H|)) */
    checks++;
    if (!(1e-15 / least_ref < 1e-5))
        tu_fail("the DFTs' omitted tails (1e-15) are %.1e of the smallest |H| %.2e (limit 1e-5)",
                1e-15 / least_ref, least_ref);
    printf("smallest |H| compared %.2e: the omitted tails are at most %.1e of it (limit 1e-5)\n",
           least_ref, 1e-15 / least_ref);

    /* Nyquist is an error, never a clamp */
    static const double bad[][2] = {
        {24000, 48000}, {30000, 48000}, {22050, 44100}, {0, 48000}, {-5, 48000}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        bx_biquad_coefs co;
        bx_error err;
        checks++;
        if (bx_biquad_design(BX_BIQUAD_PEAK, bad[i][0], 3, 1, bad[i][1], &co, &err) != BX_ERR_RANGE)
            tu_fail("design at %g Hz with fs %g Hz should be BX_ERR_RANGE", bad[i][0], bad[i][1]);
        else
            printf("rejected %g Hz at %g Hz: %s\n", bad[i][0], bad[i][1], err.msg);
    }
    /* the cascade is the same arithmetic, section after section, bit for bit,
     * however the signal is cut into blocks: 1 to 14 sections (passes of six
     * with an odd one left over), blocks of 0 to 200 frames, including blocks
     * shorter than a pass (its filling and draining steps overlap) */
    {
        enum { N = 3001, CH = 2, MAXS = 14 };
        static double a[N * CH], b[N * CH];
        bx_biquad_coefs co[MAXS];
        static const bx_biquad_type ty[5] = {BX_BIQUAD_HIGHPASS, BX_BIQUAD_LOW_SHELF,
                                             BX_BIQUAD_PEAK, BX_BIQUAD_PEAK, BX_BIQUAD_HIGH_SHELF};
        for (int k = 0; k < MAXS; k++)
            bx_biquad_design(ty[k % 5], 40.0 * (k % 5 + 1) * (k % 5 + 1) * (1.0 + 0.07 * k),
                             4.0 - 2.0 * (k % 5), 0.7 + 0.3 * (k % 5), 48000, &co[k], NULL);
        uint64_t seed = 7;
        for (unsigned ns = 1; ns <= MAXS; ns++) {
            for (int cut = 0; cut < 3; cut++) {
                bx_biquad_state sa[MAXS * CH], sb[MAXS * CH];
                memset(sa, 0, sizeof sa);
                memset(sb, 0, sizeof sb);
                for (int i = 0; i < N * CH; i++)
                    a[i] = b[i] = tu_noise(&seed);
                for (unsigned k = 0; k < ns; k++)
                    bx_biquad_process(&co[k], &sa[k * CH + 1], a + 1, N, CH);
                size_t done = 0;
                while (done < N) {
                    /* cut 0: two blocks; 1: 0..7 frames; 2: 0..200 frames */
                    const double u = 0.5 + 0.5 * tu_noise(&seed);
                    size_t n =
                        cut == 0 ? (done ? N - done : 1000) : (size_t)(u * (cut == 1 ? 8 : 201));
                    if (n > N - done)
                        n = N - done;
                    bx_biquad_cascade(co, &sb[1], CH, ns, b + 1 + done * CH, n, CH);
                    done += n;
                }
                checks++;
                if (memcmp(a, b, sizeof a) != 0 || memcmp(sa, sb, sizeof sa) != 0)
                    tu_fail("bx_biquad_cascade of %u sections (cut %d) differs from "
                            "section-by-section processing",
                            ns, cut);
            }
        }
    }
    /* the cascade with taps: each section's output is bx_biquad_process's,
     * section after section, bit for bit (1 to 14 sections: passes of up to
     * four), the input left alone and the states the same, in two calls */
    {
        enum { N = 2001, MAXS = 14 };
        static double x[N], ref[MAXS][N], tap[MAXS][N];
        bx_biquad_coefs co[MAXS];
        for (int k = 0; k < MAXS; k++)
            bx_biquad_design(k % 2 ? BX_BIQUAD_PEAK : BX_BIQUAD_LOW_SHELF, 50.0 * (k + 1),
                             k % 3 - 1.5, 0.5 + 0.2 * k, 48000, &co[k], NULL);
        uint64_t seed = 11;
        for (unsigned ns = 1; ns <= MAXS; ns++) {
            bx_biquad_state sa[MAXS], sb[MAXS];
            memset(sa, 0, sizeof sa);
            memset(sb, 0, sizeof sb);
            for (int i = 0; i < N; i++)
                x[i] = tu_noise(&seed);
            for (unsigned k = 0; k < ns; k++) {
                memcpy(ref[k], k ? ref[k - 1] : x, sizeof x);
                bx_biquad_process(&co[k], &sa[k], ref[k], N, 1);
            }
            double *t0[MAXS], *t1[MAXS];
            for (unsigned k = 0; k < ns; k++)
                t0[k] = tap[k], t1[k] = tap[k] + 700;
            const double x700 = x[700];
            bx_biquad_cascade_taps(co, sb, 1, ns, x, t0, 700);
            bx_biquad_cascade_taps(co, sb, 1, ns, x + 700, t1, N - 700);
            checks++;
            int differ = x[700] != x700 || memcmp(sa, sb, ns * sizeof *sa) != 0;
            for (unsigned k = 0; k < ns; k++)
                differ |= memcmp(ref[k], tap[k], sizeof x) != 0;
            if (differ)
                tu_fail("bx_biquad_cascade_taps of %u sections differs from "
                        "section-by-section processing",
                        ns);
        }
    }
    free(h);
    return tu_finish("test_biquad", checks);
}
