/* test_comp — the compressor keeps the promises of Giannoulis, Massberg &
 * Reiss (JAES 2012) that bx documents.
 *
 *  - static curve: steady DC levels below, at the edges of, inside and above
 *    the knee come out at the closed-form soft-knee curve + makeup, within 0.001 dB;
 *  - attack: after a step up, gain reduction reaches 1 - 1/e of its final value
 *    after attack_ms (within 2 %);
 *  - release: after a step down, it falls to 1/e of its start after release_ms
 *    (within 2 %; attack 0.5 ms, whose cascade adds about 0.5 %);
 *  - rms detector: a sine is compressed by its RMS level (peak - 3.01 dB);
 *  - makeup: below the knee the gain is exactly the makeup gain;
 *  - channel link: every channel gets the same gain, that of the loudest;
 *  - fast math: bx_comp's own log and exp move the output of a reference
 *    written with libm's log10 and pow by less than -120 dB (error energy
 *    over output energy), and no sample by more than 1e-6 -- for each kernel
 *    this processor runs (bx/simd.h: the baseline one, and AVX2 + FMA where
 *    present), which therefore also agree with each other to that bound;
 *  - bx_comp_process_gr: in blocks of 1000 frames, the same output and, per
 *    frame, the reduction bx_comp_gain_reduction_db gives after processing
 *    frame by frame, bit for bit, for every detector (power with and
 *    without hold) and kernel: however a signal is cut into calls, the same
 *    values (the compressor fit relies on it).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bx/comp.h"
#include "testutil.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static const double FS = 48000.0;
static int checks;

/* Closed form, written out independently of bx_comp_static_db. */
static double ref_curve(double x, double t, double r, double w)
{
    if (2 * (x - t) < -w)
        return x;
    if (2 * fabs(x - t) <= w && w > 0)
        return x + (1 / r - 1) * (x - t + w / 2) * (x - t + w / 2) / (2 * w);
    return t + (x - t) / r;
}

static void static_curve(double t, double r, double w, double makeup)
{
    bx_comp_params p = {t, r, w, 5.0, 100.0, makeup, BX_DETECTOR_PEAK, 0, 0, 0, 0};
    const double levels[] = {-60,       -40,       t - w / 2 - 1, t - w / 2, t - w / 4, t,
                             t + w / 4, t + w / 2, t + w / 2 + 1, -6,        -1,        0};
    double worst = 0;
    for (size_t i = 0; i < sizeof levels / sizeof *levels; i++) {
        bx_comp c;
        bx_comp_init(&c, &p, FS);
        const size_t n = (size_t)FS; /* 1 s of DC: 200 attack constants */
        double *x = malloc(n * sizeof *x);
        const double a = pow(10.0, levels[i] / 20.0);
        for (size_t k = 0; k < n; k++)
            x[k] = a;
        bx_comp_process(&c, x, n, 1);
        const double out_db = tu_db(x[n - 1]);
        const double want = ref_curve(levels[i], t, r, w) + makeup;
        const double e = fabs(out_db - want);
        worst = fmax(worst, e);
        checks++;
        if (e > 0.001)
            tu_fail("static curve T=%g R=%g W=%g: %g dB in -> %.4f dB out, closed form %.4f dB", t,
                    r, w, levels[i], out_db, want);
        free(x);
    }
    printf("static curve T=%g R=%g knee=%g makeup=%g: worst deviation %.2e dB (limit 0.001)\n", t,
           r, w, makeup, worst);
}

/* Gain reduction trace (dB) for a DC step from lvl0 to lvl1 at t = 0.5 s. */
static double *step_trace(const bx_comp_params *p, double lvl0, double lvl1, size_t n, size_t at)
{
    bx_comp c;
    bx_comp_init(&c, p, FS);
    double *x = malloc(n * sizeof *x), *gr = malloc(n * sizeof *gr);
    for (size_t k = 0; k < n; k++)
        x[k] = pow(10.0, (k < at ? lvl0 : lvl1) / 20.0);
    for (size_t k = 0; k < n; k++) {
        const double in = x[k];
        bx_comp_process(&c, &x[k], 1, 1);
        gr[k] = tu_db(in) - tu_db(x[k]) + p->makeup_db;
    }
    free(x);
    return gr;
}

static void attack_release(double attack_ms, double release_ms)
{
    const bx_comp_params p = {-30, 4, 0, attack_ms, release_ms, 0, BX_DETECTOR_PEAK, 0, 0, 0, 0};
    const size_t at = (size_t)(0.5 * FS), n = (size_t)(2.5 * FS);
    /* attack: -60 dBFS (no reduction) -> 0 dBFS (22.5 dB of reduction) */
    double *gr = step_trace(&p, -60, 0, n, at);
    const double final = gr[n - 1], target = (1 - exp(-1)) * final;
    size_t k = at;
    while (k < n && gr[k] < target)
        k++;
    const double t_ms = (k - at + 1) * 1000.0 / FS; /* output k has seen k-at+1 loud samples */
    checks++;
    if (fabs(final - 22.5) > 1e-6 || fabs(t_ms - attack_ms) > 0.02 * attack_ms)
        tu_fail("attack %g ms: reached 1-1/e of %.4f dB after %.3f ms", attack_ms, final, t_ms);
    printf("attack_ms=%g: 1-1/e of the %.3f dB step reached after %.3f ms (limit +-2%%)\n",
           attack_ms, final, t_ms);
    free(gr);

    /* release: 0 dBFS -> -60 dBFS, reduction falls from 22.5 dB to 0 */
    const bx_comp_params pr = {-30, 4, 0, 0.5, release_ms, 0, BX_DETECTOR_PEAK, 0, 0, 0, 0};
    gr = step_trace(&pr, 0, -60, n, at);
    const double start = gr[at - 1], rtarget = exp(-1) * start;
    k = at;
    while (k < n && gr[k] > rtarget)
        k++;
    const double r_ms = (k - at + 1) * 1000.0 / FS;
    checks++;
    if (fabs(r_ms - release_ms) > 0.02 * release_ms)
        tu_fail("release %g ms: fell to 1/e of %.4f dB after %.3f ms", release_ms, start, r_ms);
    printf("release_ms=%g: 1/e of the %.3f dB reduction reached after %.3f ms (limit +-2%%)\n",
           release_ms, start, r_ms);
    free(gr);
}

/* A steady 1 kHz sine: an RMS detector's level is its RMS, amplitude / sqrt 2
 * ("rms": the gain reduction smoothed; "rms_level": the RMS followed in
 * amplitude, the gain acting on it at once; rms_ms: its averaging time);
 * "mean_level"'s is its mean |x|, amplitude 2 / pi */
static void rms_detector(bx_detector det, double rms_ms)
{
    const bx_comp_params p = {-20, 4, 0, 5, 100, 0, det, 0, 0, rms_ms, 0};
    bx_comp c;
    bx_comp_init(&c, &p, FS);
    const size_t n = (size_t)FS;
    const double amp = pow(10.0, -6.0 / 20.0);
    double sum = 0;
    int cnt = 0;
    for (size_t k = 0; k < n; k++) {
        double v = amp * sin(2 * M_PI * 1000.0 * k / FS);
        const double in = v;
        bx_comp_process(&c, &v, 1, 1);
        if (k > n / 2 && fabs(in) > 0.05) {
            sum += tu_db(fabs(in)) - tu_db(fabs(v));
            cnt++;
        }
    }
    const double gr = sum / cnt;
    const double mean = det == BX_DETECTOR_MEAN_LEVEL;
    const double want =
        (-6.0 + (mean ? 20 * log10(2 / M_PI) : -10 * log10(2.0)) + 20.0) * (1 - 1.0 / 4);
    checks++;
    if (fabs(gr - want) > 0.05)
        tu_fail("%s detector (%g ms): 1 kHz sine at -6 dBFS peak reduced by %.4f dB, expected "
                "%.4f dB",
                bx_detector_name(det), bx_comp_rms_ms(&p), gr, want);
    printf("%s detector (%s over %g ms): 1 kHz sine at -6 dBFS peak reduced by %.4f dB; closed "
           "form for its level %.4f dB (limit 0.05)\n",
           bx_detector_name(det), mean ? "mean |x|" : "RMS", bx_comp_rms_ms(&p), gr, want);
}

static void makeup_below_knee(void)
{
    const bx_comp_params p = {-10, 4, 6, 5, 100, 4.5, BX_DETECTOR_PEAK, 0, 0, 0, 0};
    bx_comp c;
    bx_comp_init(&c, &p, FS);
    uint64_t seed = 7;
    double worst = 0;
    const double g = pow(10.0, 4.5 / 20.0);
    for (int k = 0; k < 48000; k++) {
        double v = 0.1 * tu_noise(&seed); /* peaks at -20 dBFS: below the knee at -13 */
        const double in = v;
        bx_comp_process(&c, &v, 1, 1);
        worst = fmax(worst, fabs(v - in * g));
    }
    checks++;
    if (worst > 1e-12)
        tu_fail("makeup below the knee: deviation %g from input x makeup", worst);
    printf("makeup 4.5 dB below the knee: worst deviation %.1e (limit 1e-12)\n", worst);
}

static void channel_link(bx_detector det)
{
    const bx_comp_params p = {-24, 6, 6, 2, 80, 2, det, 0, 0, 0, 0};
    bx_comp st, mono;
    bx_comp_init(&st, &p, FS);
    bx_comp_init(&mono, &p, FS);
    uint64_t seed = 11;
    double worst_link = 0, worst_mono = 0;
    for (int k = 0; k < 96000; k++) {
        const double l = 0.9 * tu_noise(&seed) * (k % 24000 < 12000 ? 1.0 : 0.05);
        /* peak: R is quieter, so the loudest channel is L; rms: R equals L, so the
         * mean square over channels equals L's */
        const double r = det == BX_DETECTOR_PEAK ? 0.3 * l : l;
        double f[2] = {l, r}, m = l;
        bx_comp_process(&st, f, 1, 2);
        bx_comp_process(&mono, &m, 1, 1);
        if (fabs(l) > 1e-3) {
            worst_link = fmax(worst_link, fabs(f[0] / l - f[1] / r));
            worst_mono = fmax(worst_mono, fabs(f[0] - m));
        }
    }
    checks += 2;
    if (worst_link > 1e-12 || worst_mono > 1e-12)
        tu_fail("channel link (%s): gains differ by %g between channels, %g from mono",
                det == BX_DETECTOR_PEAK ? "peak" : "rms", worst_link, worst_mono);
    printf("channel link (%s detector): gain difference between channels %.1e, vs loudest-channel "
           "mono %.1e (limit 1e-12)\n",
           det == BX_DETECTOR_PEAK ? "peak" : "rms", worst_link, worst_mono);
}

/* The same compressor, sample by sample, with libm's log10 and pow. */
static void ref_comp(const bx_comp_params *p, const double *x, double *y, size_t n)
{
    const double aa = exp(-1.0 / (p->attack_ms * 1e-3 * FS));
    const double ar = exp(-1.0 / (p->release_ms * 1e-3 * FS));
    const int mean = p->detector == BX_DETECTOR_MEAN_LEVEL;
    const double rms_ms = (p->detector == BX_DETECTOR_RMS_LEVEL || mean) && p->rms_ms > 0
                              ? p->rms_ms
                              : BX_COMP_RMS_MS;
    const double am = exp(-1.0 / (rms_ms * 1e-3 * FS));
    const int rms = p->detector == BX_DETECTOR_RMS || p->detector == BX_DETECTOR_RMS_LEVEL;
    const int follow =
        p->detector == BX_DETECTOR_LEVEL || p->detector == BX_DETECTOR_RMS_LEVEL || mean;
    double y1 = 0, yl = 0, ms = 0, env = 0;
    const double pt = pow(10.0, p->threshold_db / 10.0); /* "power": the threshold's power */
    double qa = pt, q1 = pt, q2 = pt;
    for (size_t i = 0; i < n; i++) {
        if (p->detector == BX_DETECTOR_POWER) { /* bx/comp.h's description, in libm */
            qa = aa * qa + (1 - aa) * (pt + x[i] * x[i]);
            const int held = p->hold && qa < 2 * pt; /* the signal under the threshold */
            q1 = q1 < qa ? qa : held ? q1 : ar * q1;
            q2 = q2 < qa ? qa : held ? q2 : ar * q2 + (1 - ar) * q1;
            yl = fmax((1 - 1 / p->ratio) * 10 * log10(q2 / pt), 0.0);
            yl = yl < 1e-12 ? 0.0 : yl;
            y[i] = x[i] * pow(10.0, (p->makeup_db - yl) / 20.0);
            continue;
        }
        ms = am * ms + (1 - am) * (mean ? fabs(x[i]) : x[i] * x[i]);
        double level = mean ? ms : rms ? sqrt(ms) : fabs(x[i]);
        if (follow) /* the envelope follower in amplitude */
            level = env = level > env ? aa * env + (1 - aa) * level : ar * env + (1 - ar) * level;
        const double xg = level > 0 ? 20 * log10(level) : -1000;
        const double xl = xg - ref_curve(xg, p->threshold_db, p->ratio, p->knee_db);
        if (follow) { /* the gain acts on it at once */
            yl = xl;
        } else if (p->detector == BX_DETECTOR_BRANCH) { /* Giannoulis et al. eq. 16 */
            yl = xl > yl ? aa * yl + (1 - aa) * xl : ar * yl + (1 - ar) * xl;
        } else { /* eq. 17 */
            const double rel = ar * y1 + (1 - ar) * xl;
            y1 = xl > rel ? xl : rel;
            yl = aa * yl + (1 - aa) * y1;
        }
        y[i] = x[i] * pow(10.0, (p->makeup_db - yl) / 20.0);
    }
}

static void fast_math(bx_detector det, bx_simd simd, int hold)
{
    const bx_comp_params p = {-30, 4, 6, 3, 120, 8, det, 0, 0, 3.0, hold};
    const char *label = hold ? "power+hold" : bx_detector_name(det);
    enum { N = 5 * 48000 };
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *r = malloc(N * sizeof *r);
    if (!x || !y || !r) {
        tu_fail("fast math: out of memory");
        return;
    }
    uint64_t seed = 5;
    for (size_t i = 0; i < N; i++) { /* decaying noise bursts, 4 per second, -60..0 dBFS */
        const double t = (double)(i % 12000) / FS;
        const double lvl = pow(10.0, -3.0 * (double)((i / 12000) % 7) / 7.0);
        x[i] = lvl * exp(-t / 0.04) * tu_noise(&seed) + 1e-4 * tu_noise(&seed);
        y[i] = x[i];
    }
    bx_comp c;
    bx_comp_init(&c, &p, FS);
    c.simd = simd;
    for (size_t i = 0; i < N; i += 64)
        bx_comp_process(&c, y + i, N - i < 64 ? N - i : 64, 1);
    ref_comp(&p, x, r, N);
    double e = 0, s = 0, worst = 0;
    for (size_t i = 0; i < N; i++) {
        e += (y[i] - r[i]) * (y[i] - r[i]);
        s += r[i] * r[i];
        worst = fmax(worst, fabs(y[i] - r[i]));
    }
    const double db = 10 * log10(e / s + 1e-300);
    checks++;
    if (!(db < -120) || !(worst < 1e-6))
        tu_fail(
            "fast math (%s, %s kernel): output moved by %.1f dB (limit -120), worst sample %.2e "
            "(limit 1e-6)",
            label, bx_simd_name(simd), db, worst);
    printf("fast math (%s detector, %s kernel): bx_comp vs libm reference %.1f dB (limit -120 "
           "dB), worst sample %.2e (limit 1e-6)\n",
           label, bx_simd_name(simd), db, worst);
    free(x);
    free(y);
    free(r);
}

/* A compressor told to start at level L behaves as one that has heard a
 * steady signal at L for a long time (here 20 s of a +-L square wave: all
 * three detectors settle on L), sample for sample afterwards. And it matters:
 * started at 0 dBFS, the first 50 ms are turned down by the static curve's
 * reduction at 0 dBFS, within 1 dB, where a compressor started from silence
 * lets bursts below the threshold through untouched. */
static void start_level(bx_detector det, double level_db)
{
    bx_comp_params p = {-30, 4, 6, 3, 80, 2, det, 1, level_db, 0, 0};
    enum { N = 2 * 48000, WARM = 20 * 48000 };
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b), *x = malloc(N * sizeof *x);
    if (!a || !b || !x) {
        tu_fail("start level: out of memory");
        return;
    }
    uint64_t seed = 17;
    for (size_t i = 0; i < N; i++) { /* quiet noise (-46 dBFS peaks), then bursts */
        const double amp = i < 4800 ? 5e-3 : 0.3 * exp(-(double)(i % 12000) / (0.04 * FS));
        x[i] = a[i] = b[i] = amp * tu_noise(&seed);
    }
    bx_comp started, warmed;
    bx_comp_init(&started, &p, FS);
    p.has_start_level = 0;
    bx_comp_init(&warmed, &p, FS);
    const double lin = pow(10.0, level_db / 20.0);
    for (size_t i = 0; i < WARM; i++) {
        double v = i % 2 ? lin : -lin;
        bx_comp_process(&warmed, &v, 1, 1);
    }
    bx_comp_process(&started, a, N, 1);
    bx_comp_process(&warmed, b, N, 1);
    double e = 0, s = 0;
    for (size_t i = 0; i < N; i++) {
        e += (a[i] - b[i]) * (a[i] - b[i]);
        s += b[i] * b[i];
    }
    const double db = 10 * log10(e / s + 1e-300);
    /* "power": where the steady average wobbles by its last bit, a held
     * stage lets go for one sample by a release step (its design), so the
     * warmed-up compressor differs from the started one near -100 dB */
    const double limit = det == BX_DETECTOR_POWER ? -90.0 : -120.0;
    checks++;
    if (!(db < limit))
        tu_fail("start level %g dBFS (%s): %.1f dB from the warmed-up compressor (limit %g)",
                level_db, bx_detector_name(det), db, limit);
    printf("start level %g dBFS (%s detector): vs 20 s warmed up at that level %.1f dB (limit "
           "%g dB)\n",
           level_db, bx_detector_name(det), db, limit);
    if (level_db == 0.0) {
        /* the first sample's gain: the static curve's reduction at 0 dBFS */
        const double want = 0.0 - bx_comp_static_db(&p, 0.0) - p.makeup_db;
        const double got = 20 * log10(fabs(x[0] / a[0]));
        checks++;
        if (!(fabs(got - want) < 1.0))
            tu_fail("start at 0 dBFS (%s): first gain reduction %.2f dB, want %.2f +- 1",
                    bx_detector_name(det), got, want);
        printf("  first sample turned down %.2f dB (static curve at 0 dBFS: %.2f dB)\n", got, want);
    }
    free(a);
    free(b);
    free(x);
}

/* The "power" detector's steady state: under a +-A square wave (a steady
 * mean square A^2, level L = 20 log10 A) the reduction settles on the power
 * sum's closed form (1 - 1/R) 10 log10(1 + 10^((L - T) / 10)), which
 * bx_comp_static_db gives too; and BX_COMP_POWER_KNEE_DB of quadratic knee
 * stays within 0.34 dB of that curve at every level (what exports use). */
static void power_static(double t, double r)
{
    const bx_comp_params p = {t, r, 0, 2, 50, 0, BX_DETECTOR_POWER, 0, 0, 0, 0};
    double worst = 0, worst_curve = 0, worst_knee = 0;
    bx_comp_params q = p;
    q.detector = BX_DETECTOR_PEAK, q.knee_db = BX_COMP_POWER_KNEE_DB;
    for (double lvl = t - 30; lvl <= 0.0; lvl += 2.5) {
        bx_comp c;
        bx_comp_init(&c, &p, FS);
        const double a = pow(10.0, lvl / 20.0);
        for (int i = 0; i < 48000; i++) {
            double v = i % 2 ? a : -a;
            bx_comp_process(&c, &v, 1, 1);
        }
        const double want = (1 - 1 / r) * 10 * log10(1 + pow(10.0, (lvl - t) / 10));
        worst = fmax(worst, fabs(bx_comp_gain_reduction_db(&c) - want));
        worst_curve = fmax(worst_curve, fabs(lvl - bx_comp_static_db(&p, lvl) - want));
    }
    for (double lvl = t - 60; lvl <= t + 60; lvl += 0.05)
        worst_knee =
            fmax(worst_knee, fabs(bx_comp_static_db(&q, lvl) - bx_comp_static_db(&p, lvl)));
    checks += 3;
    if (!(worst < 1e-6) || !(worst_curve < 1e-9))
        tu_fail("power detector T=%g R=%g: steady reduction %.2e dB, static curve %.2e dB from "
                "the closed form (limits 1e-6, 1e-9)",
                t, r, worst, worst_curve);
    if (!(worst_knee < 0.34))
        tu_fail("power detector T=%g R=%g: a %g dB quadratic knee is %.3f dB from its curve "
                "(limit 0.34)",
                t, r, BX_COMP_POWER_KNEE_DB, worst_knee);
    printf("power detector T=%g R=%g: steady reduction %.1e dB, static curve %.1e dB from the "
           "closed form (limits 1e-6, 1e-9); %g dB quadratic knee within %.3f dB (limit 0.34)\n",
           t, r, worst, worst_curve, BX_COMP_POWER_KNEE_DB, worst_knee);
}

static void per_frame_gr(bx_detector d, bx_simd simd, int hold)
{
    const size_t n = 24000;
    bx_comp_params p = {-30, 4, 6, 2, 80, 3, d, 0, 0, 0, hold};
    bx_comp a, b;
    bx_comp_init(&a, &p, FS);
    bx_comp_init(&b, &p, FS);
    a.simd = b.simd = simd;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *gr = malloc(n * sizeof *gr);
    uint64_t seed = 5;
    for (size_t i = 0; i < n; i++) /* bursts 0.1 s long, every 0.25 s */
        x[i] = y[i] = (i % 12000 < 4800 ? 0.8 : 0.02) * tu_noise(&seed);
    for (size_t i = 0; i < n; i += 1000)
        bx_comp_process_gr(&a, y + i, n - i < 1000 ? n - i : 1000, 1, gr + i);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        bx_comp_process(&b, &x[i], 1, 1);
        bad += x[i] != y[i] || bx_comp_gain_reduction_db(&b) != gr[i];
    }
    checks++;
    if (bad)
        tu_fail("per-frame reduction, detector %d%s, kernel %d: %zu frames differ", (int)d,
                hold ? " with hold" : "", (int)simd, bad);
    else
        printf("per-frame reduction, detector %d%s, kernel %d: bit for bit\n", (int)d,
               hold ? " with hold" : "", (int)simd);
    free(x);
    free(y);
    free(gr);
}

int main(void)
{
    static_curve(-20, 4, 6, 3);
    static_curve(-30, 2, 0, 0);
    static_curve(-12, 100, 12, -2);
    static_curve(-40, 1.5, 24, 10);
    attack_release(10, 200);
    attack_release(1, 50);
    attack_release(30, 1000);
    rms_detector(BX_DETECTOR_RMS, 0);
    rms_detector(BX_DETECTOR_RMS_LEVEL, 5);
    rms_detector(BX_DETECTOR_RMS_LEVEL, 20);
    rms_detector(BX_DETECTOR_MEAN_LEVEL, 5);
    rms_detector(BX_DETECTOR_MEAN_LEVEL, 20);
    power_static(-30, 4);
    power_static(-45, 100);
    power_static(-12, 1.5);
    makeup_below_knee();
    channel_link(BX_DETECTOR_PEAK);
    channel_link(BX_DETECTOR_RMS);
    for (int d = 0; d < BX_DETECTOR_COUNT; d++)
        fast_math((bx_detector)d, BX_SIMD_BASELINE, 0);
    fast_math(BX_DETECTOR_POWER, BX_SIMD_BASELINE, 1);
    if (bx_simd_detect() != BX_SIMD_BASELINE) {
        for (int d = 0; d < BX_DETECTOR_COUNT; d++)
            fast_math((bx_detector)d, bx_simd_detect(), 0);
        fast_math(BX_DETECTOR_POWER, bx_simd_detect(), 1);
    } else {
        printf("fast math: this processor runs only the baseline kernel\n");
    }
    for (int d = 0; d <= BX_DETECTOR_COUNT; d++) { /* the last: power with hold */
        const bx_detector det = d < BX_DETECTOR_COUNT ? (bx_detector)d : BX_DETECTOR_POWER;
        per_frame_gr(det, BX_SIMD_BASELINE, d == BX_DETECTOR_COUNT);
        if (bx_simd_detect() != BX_SIMD_BASELINE)
            per_frame_gr(det, bx_simd_detect(), d == BX_DETECTOR_COUNT);
    }
    for (int d = 0; d < BX_DETECTOR_COUNT; d++) {
        start_level((bx_detector)d, 0.0);
        start_level((bx_detector)d, -24.0);
    }
    return tu_finish("test_comp", checks);
}
