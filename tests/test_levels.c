/* test_levels — level statistics keep the promises of bx/levels.h.
 *
 *  - loudness: a 997 Hz sine of peak A in one channel reads
 *    -0.691 + 10 log10(A^2/2 |K(997 Hz)|^2) LUFS, with the K-weighting
 *    evaluated here from the 48 kHz biquads of ITU-R BS.1770-4 (tables 1, 2):
 *    -3.01 LUFS at full scale, -23.01 LUFS at -20 dBFS; in both channels of
 *    a stereo file 3.01 LU more; within 0.01 LU; the same from
 *    bx_loudness_lufs, which measures loudness alone;
 *  - loudness range: a steady sine reads 0 LU; 20 s at -20 dBFS then 20 s
 *    at -30 dBFS reads 10 LU (within 0.05 LU);
 *  - sample peak equals max |sample| (1e-9 dB); RMS of a sine is its peak
 *    - 3.0103 dB and the crest factor 3.0103 dB (within 0.001 dB); stereo
 *    RMS is that of the mixdown;
 *  - percentiles of the 50 ms envelope of a stepped 1 kHz sine (10 s of
 *    digital silence and 5 s at -75 dBFS, both ignored as more than 60 dB
 *    below the loudest; then 5 s at -40, 30 s at -30, 40 s at -20, 25 s at
 *    -10 dBFS RMS): p10 = -30, p50 = -20, p95 = -10 dBFS within 0.01 dB;
 *  - transients: 20 bursts (1 kHz sine, linear 5 ms attack, exponential
 *    decay reaching -20 dB after 80 ms) give 20 transients, attack
 *    0.8 x 5 = 4 ms within 1 ms, decay 80 ms within 2 ms; the same at
 *    44.1 kHz; with a 20 ms attack and 150 ms decay, 16 ms within 1 ms and
 *    150 ms within 3 ms; noise bursts (2 ms attack, 150 ms decay) within
 *    1 ms and 15 ms;
 *    60 Hz bursts (kick-like) are each counted once, decay within 10 ms; a
 *    steady sine has none;
 *  - digital silence gives finite floors (-120 dBFS, -70 LUFS), never NaN;
 *    float samples far beyond full scale (1e20, 1e30: mean squares beyond
 *    the float range) give finite statistics too;
 *  - feeding 1, 7, 4096 or all frames at a time gives identical statistics;
 *  - bad arguments and non-finite samples are refused; a failed allocation
 *    in add gives BX_ERR_NOMEM and adds nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/levels.h"
#include "testutil.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static int checks;

static void check_near(const char *what, double got, double want, double tol)
{
    checks++;
    printf("  %-58s %10.4f  (expected %10.4f, off %.2g)\n", what, got, want, fabs(got - want));
    if (!(fabs(got - want) <= tol))
        tu_fail("%s: %.6f, expected %.6f within %g", what, got, want, tol);
}

static bx_status analyse(const float *x, size_t frames, unsigned ch, double rate, size_t chunk,
                         bx_level_stats *st, bx_error *err)
{
    bx_levels *l = bx_levels_create(rate, ch, err);
    if (!l)
        return err->code;
    bx_status s = BX_OK;
    for (size_t i = 0; i < frames && !s; i += chunk)
        s = bx_levels_add(l, x + i * ch, frames - i < chunk ? frames - i : chunk, err);
    if (!s)
        s = bx_levels_finish(l, st, err);
    bx_levels_destroy(l);
    return s;
}

/* |H(e^jw)|^2 of a biquad b0..b2, a1..a2 (a0 = 1). */
static double biquad_power(const double b[3], const double a[2], double w)
{
    const double c1 = cos(w), s1 = sin(w), c2 = cos(2 * w), s2 = sin(2 * w);
    const double nr = b[0] + b[1] * c1 + b[2] * c2, ni = -b[1] * s1 - b[2] * s2;
    const double dr = 1 + a[0] * c1 + a[1] * c2, di = -a[0] * s1 - a[1] * s2;
    return (nr * nr + ni * ni) / (dr * dr + di * di);
}

/* K-weighting power gain at f, 48 kHz, ITU-R BS.1770-4 tables 1 and 2. */
static double k_weight_power(double f)
{
    static const double sb[3] = {1.53512485958697, -2.69169618940638, 1.19839281085285};
    static const double sa[2] = {-1.69065929318241, 0.73248077421585};
    static const double hb[3] = {1.0, -2.0, 1.0};
    static const double ha[2] = {-1.99004745483398, 0.99007225036621};
    const double w = 2 * M_PI * f / 48000.0;
    return biquad_power(sb, sa, w) * biquad_power(hb, ha, w);
}

static float *sine(size_t frames, unsigned ch, double rate, double f, double peak)
{
    float *x = malloc(frames * ch * sizeof *x);
    for (size_t i = 0; i < frames; i++)
        for (unsigned c = 0; c < ch; c++)
            x[i * ch + c] = (float)(peak * sin(2 * M_PI * f * (double)i / rate));
    return x;
}

static void loudness_and_levels(void)
{
    const double fs = 48000, peak_db = -20, a = pow(10, peak_db / 20);
    const size_t n = 20 * (size_t)fs;
    const double g = k_weight_power(997);
    const double want = -0.691 + 10 * log10(a * a / 2 * g);
    printf("997 Hz sine: K-weighting %+.4f dB (BS.1770-4 48 kHz biquads); full scale reads "
           "%.4f LUFS\n",
           10 * log10(g), -0.691 + 10 * log10(0.5 * g));
    bx_error err;
    bx_level_stats st;
    float *x = sine(n, 1, fs, 997, a);
    if (analyse(x, n, 1, fs, 4096, &st, &err)) {
        tu_fail("mono sine: %s", err.msg);
    } else {
        float mx = 0;
        for (size_t i = 0; i < n; i++)
            mx = fmaxf(mx, fabsf(x[i]));
        printf("mono 997 Hz sine, peak %.0f dBFS, 20 s:\n", peak_db);
        check_near("integrated loudness, LUFS", st.loudness_lufs, want, 0.01);
        double alone = 0;
        if (bx_loudness_lufs(x, n, 1, fs, &alone, &err))
            tu_fail("bx_loudness_lufs: %s", err.msg);
        else
            check_near("bx_loudness_lufs alone, LUFS", alone, want, 0.01);
        check_near("loudness range, LU", st.lra_lu, 0, 0.05);
        check_near("sample peak = max |sample|, dBFS", st.sample_peak_db, tu_db(mx), 1e-9);
        check_near("sample peak vs the sine's peak, dBFS", st.sample_peak_db, peak_db, 0.001);
        check_near("RMS, dBFS", st.rms_db, peak_db - 10 * log10(2.0), 0.001);
        check_near("crest factor, dB", st.crest_db, 10 * log10(2.0), 0.001);
        check_near("p50 of the 50 ms envelope = RMS, dBFS", st.p50_db, peak_db - 10 * log10(2.0),
                   0.001);
        check_near("transients in a steady sine", st.transients, 0, 0);
    }
    free(x);

    x = sine(n, 2, fs, 997, a);
    if (analyse(x, n, 2, fs, 4096, &st, &err)) {
        tu_fail("stereo sine: %s", err.msg);
    } else {
        printf("the same sine in both channels:\n");
        check_near("integrated loudness (+3.01 LU), LUFS", st.loudness_lufs, want + 10 * log10(2.0),
                   0.01);
        check_near("RMS of the mixdown, dBFS", st.rms_db, peak_db - 10 * log10(2.0), 0.001);
    }
    /* opposite polarity: the mixdown cancels, loudness does not */
    for (size_t i = 0; i < n; i++)
        x[2 * i + 1] = -x[2 * i];
    if (analyse(x, n, 2, fs, 4096, &st, &err)) {
        tu_fail("stereo anti-phase sine: %s", err.msg);
    } else {
        printf("the same sine, right channel inverted:\n");
        check_near("integrated loudness (unchanged), LUFS", st.loudness_lufs,
                   want + 10 * log10(2.0), 0.01);
        check_near("RMS of the mixdown (silent), dBFS", st.rms_db, BX_LEVELS_FLOOR_DB, 0);
        check_near("sample peak (over the channels), dBFS", st.sample_peak_db, peak_db, 0.001);
    }
    free(x);

    /* loudness range of a 10 dB step */
    x = sine(2 * n, 1, fs, 997, a);
    for (size_t i = n; i < 2 * n; i++)
        x[i] *= (float)pow(10, -10 / 20.0);
    if (analyse(x, 2 * n, 1, fs, 4096, &st, &err)) {
        tu_fail("stepped sine: %s", err.msg);
    } else {
        printf("20 s at -20 dBFS then 20 s at -30 dBFS:\n");
        check_near("loudness range, LU", st.lra_lu, 10, 0.05);
    }
    free(x);
}

static void percentiles(void)
{
    static const struct {
        double seconds, rms_db;
    } seg[] = {{10, -400}, {5, -75}, {5, -40}, {30, -30}, {40, -20}, {25, -10}};
    const double fs = 48000;
    size_t n = 0;
    for (size_t s = 0; s < 6; s++)
        n += (size_t)(seg[s].seconds * fs);
    float *x = malloc(n * sizeof *x);
    size_t i = 0;
    for (size_t s = 0; s < 6; s++) {
        const double a = seg[s].rms_db < -300 ? 0 : pow(10, seg[s].rms_db / 20) * sqrt(2.0);
        for (size_t k = 0; k < (size_t)(seg[s].seconds * fs); k++, i++)
            x[i] = (float)(a * sin(2 * M_PI * 1000 * (double)i / fs));
    }
    bx_error err;
    bx_level_stats st;
    if (analyse(x, n, 1, fs, 4096, &st, &err)) {
        tu_fail("stepped levels: %s", err.msg);
    } else {
        printf("stepped 1 kHz sine (silence, -75, -40, -30, -20, -10 dBFS RMS):\n");
        check_near("p10, dBFS", st.p10_db, -30, 0.01);
        check_near("p50, dBFS", st.p50_db, -20, 0.01);
        check_near("p95, dBFS", st.p95_db, -10, 0.01);
        check_near("spread, dB", st.spread_db, 20, 0.02);
    }
    free(x);
}

typedef enum carrier { SINE_1K, NOISE, SINE_60 } carrier;

/* Bursts every 400 ms (start jittered by up to 1 ms): the envelope rises
 * linearly from 0 to amp in attack_ms, then decays exponentially, reaching
 * -20 dB decay_ms after the peak. Under a -80 dBFS noise floor. */
static float *bursts(size_t *frames, double fs, unsigned count, carrier c, double attack_ms,
                     double decay_ms, uint64_t *seed)
{
    const double period = 0.4, amp = 0.5, tau = decay_ms / 1000 / log(10.0);
    const size_t n = (size_t)((count * period + 0.5) * fs);
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(1e-4 * tu_noise(seed));
    for (unsigned b = 0; b < count; b++) {
        const double t0 = 0.2 + b * period + 0.001 * (0.5 + 0.5 * tu_noise(seed));
        const double phase = M_PI * tu_noise(seed);
        const double f = c == SINE_60 ? 60 : 1000;
        for (size_t i = (size_t)ceil(t0 * fs); i < n && (double)i < (t0 + period - 0.01) * fs;
             i++) {
            const double t = (double)i / fs - t0, ta = attack_ms / 1000;
            const double env = t < ta ? t / ta : exp(-(t - ta) / tau);
            const double car =
                c == NOISE ? sqrt(3.0) * tu_noise(seed) : sin(2 * M_PI * f * t + phase);
            x[i] += (float)(amp * env * car);
        }
    }
    *frames = n;
    return x;
}

static void transients(void)
{
    static const struct {
        const char *name;
        carrier c;
        double fs, attack_ms, decay_ms, tol_attack_ms, tol_decay_ms;
    } cases[] = {
        {"1 kHz bursts, 48 kHz", SINE_1K, 48000, 5, 80, 1, 2},
        {"1 kHz bursts, 44.1 kHz", SINE_1K, 44100, 5, 80, 1, 2},
        {"1 kHz bursts, slower", SINE_1K, 48000, 20, 150, 1, 3},
        {"noise bursts", NOISE, 48000, 2, 150, 1, 15},
        {"60 Hz bursts", SINE_60, 48000, 1, 120, 9, 10},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        uint64_t seed = 0x7a11 + k;
        size_t n;
        float *x =
            bursts(&n, cases[k].fs, 20, cases[k].c, cases[k].attack_ms, cases[k].decay_ms, &seed);
        bx_error err;
        bx_level_stats st;
        if (analyse(x, n, 1, cases[k].fs, 4096, &st, &err)) {
            tu_fail("%s: %s", cases[k].name, err.msg);
        } else {
            printf("%s (linear %.0f ms attack, -20 dB after %.0f ms; seed 0x%llx):\n",
                   cases[k].name, cases[k].attack_ms, cases[k].decay_ms,
                   (unsigned long long)(0x7a11 + k));
            check_near("transients", st.transients, 20, 0);
            if (cases[k].c != SINE_60)
                check_near("attack (10 % -> 90 %), ms", st.attack_ms, 0.8 * cases[k].attack_ms,
                           cases[k].tol_attack_ms);
            check_near("decay (peak -> -20 dB), ms", st.decay_ms, cases[k].decay_ms,
                       cases[k].tol_decay_ms);
        }
        free(x);
    }
}

static int finite_stats(const bx_level_stats *s)
{
    const double v[] = {s->seconds, s->loudness_lufs, s->lra_lu,    s->sample_peak_db,
                        s->rms_db,  s->crest_db,      s->p10_db,    s->p50_db,
                        s->p95_db,  s->spread_db,     s->attack_ms, s->decay_ms};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

static void silence(void)
{
    const size_t lens[] = {10 * 48000, 1000, 1};
    for (size_t k = 0; k < 3; k++) {
        float *x = calloc(2 * lens[k], sizeof *x);
        bx_error err;
        bx_level_stats st;
        checks++;
        if (analyse(x, lens[k], 2, 48000, 4096, &st, &err)) {
            tu_fail("silence: %s", err.msg);
        } else {
            printf("digital silence, %zu frames: loudness %g LUFS, LRA %g, peak %g, RMS %g, crest "
                   "%g, p10/p50/p95 %g/%g/%g, transients %u\n",
                   lens[k], st.loudness_lufs, st.lra_lu, st.sample_peak_db, st.rms_db, st.crest_db,
                   st.p10_db, st.p50_db, st.p95_db, st.transients);
            if (!finite_stats(&st) || st.loudness_lufs != -70 || st.sample_peak_db != -120 ||
                st.rms_db != -120 || st.crest_db != 0 || st.p10_db != -120 || st.p95_db != -120 ||
                st.lra_lu != 0 || st.transients != 0)
                tu_fail("silence (%zu frames) does not give the documented floors", lens[k]);
        }
        free(x);
    }
}

/* Found by tests/fuzz/fuzz_audio (corpus/audio/regress_levels_float_overflow.wav):
 * the envelope's 10 ms mean squares overflowed to infinity in float, and the
 * percentiles came out NaN. */
static void beyond_full_scale(void)
{
    const double peaks[] = {1e20, 1e30};
    for (size_t k = 0; k < 2; k++) {
        float *x = sine(2 * 48000, 1, 48000, 1000, peaks[k]);
        bx_error err;
        bx_level_stats st;
        checks++;
        if (analyse(x, 2 * 48000, 1, 48000, 4096, &st, &err)) {
            tu_fail("sine of peak %g: %s", peaks[k], err.msg);
        } else {
            printf("sine of peak %g: peak %g dBFS, RMS %g, p10/p50/p95 %g/%g/%g\n", peaks[k],
                   st.sample_peak_db, st.rms_db, st.p10_db, st.p50_db, st.p95_db);
            if (!finite_stats(&st))
                tu_fail("sine of peak %g: statistics are not finite", peaks[k]);
        }
        free(x);
    }
}

static int same_stats(const bx_level_stats *a, const bx_level_stats *b)
{
    return a->seconds == b->seconds && a->loudness_lufs == b->loudness_lufs &&
           a->lra_lu == b->lra_lu && a->sample_peak_db == b->sample_peak_db &&
           a->rms_db == b->rms_db && a->crest_db == b->crest_db && a->p10_db == b->p10_db &&
           a->p50_db == b->p50_db && a->p95_db == b->p95_db && a->attack_ms == b->attack_ms &&
           a->decay_ms == b->decay_ms && a->transients == b->transients;
}

static void chunking(void)
{
    uint64_t seed = 0xc4c4;
    size_t n;
    float *x = bursts(&n, 48000, 12, NOISE, 3, 100, &seed);
    const size_t chunks[] = {1, 7, 4096, n};
    bx_level_stats st[4];
    bx_error err;
    int same = 1;
    for (int i = 0; i < 4; i++) {
        if (analyse(x, n, 1, 48000, chunks[i], &st[i], &err)) {
            tu_fail("chunking: %s", err.msg);
            same = 0;
        } else if (i && !same_stats(&st[0], &st[i])) {
            same = 0;
        }
    }
    checks++;
    printf("chunking: chunks of 1, 7, 4096 and %zu frames give %s statistics\n", n,
           same ? "identical" : "DIFFERENT");
    if (!same)
        tu_fail("chunking: the statistics depend on the chunk size");
    free(x);
}

static long alloc_calls, fail_at = -1;

static void *hook_alloc(size_t n, void *user)
{
    (void)user;
    return alloc_calls++ == fail_at ? NULL : malloc(n);
}

static void hook_free(void *p, void *user)
{
    (void)user;
    free(p);
}

static void errors(void)
{
    bx_error err;
    const double bad_rate[] = {44100.5, 0, 999, 1e6, NAN};
    for (size_t i = 0; i < sizeof bad_rate / sizeof *bad_rate; i++) {
        bx_levels *l = bx_levels_create(bad_rate[i], 1, &err);
        checks++;
        if (l || err.code != BX_ERR_ARG)
            tu_fail("rate %g accepted", bad_rate[i]);
        bx_levels_destroy(l);
    }
    bx_levels *l = bx_levels_create(48000, 0, &err);
    checks++;
    if (l || err.code != BX_ERR_ARG)
        tu_fail("0 channels accepted");
    bx_levels_destroy(l);

    l = bx_levels_create(48000, 2, &err);
    bx_level_stats st;
    checks += 2;
    if (!l || bx_levels_finish(l, &st, &err) != BX_ERR_AUDIO)
        tu_fail("finish with nothing added: expected BX_ERR_AUDIO");
    float bad[8] = {0, 0, 0.5f, NAN, 0, 0, 0, 0};
    if (!l || bx_levels_add(l, bad, 4, &err) != BX_ERR_AUDIO)
        tu_fail("a NaN sample was accepted");
    else
        printf("errors: NaN sample refused: \"%s\"\n", err.msg);
    bx_levels_destroy(l);

    /* a failing allocation in add adds nothing: retrying gives the clean result */
    uint64_t seed = 0xfa11;
    size_t n;
    float *x = bursts(&n, 48000, 30, SINE_1K, 5, 80, &seed);
    bx_level_stats clean, retried;
    analyse(x, n, 1, 48000, 48000, &clean, &err);
    bx_set_allocator(hook_alloc, hook_free, NULL);
    l = bx_levels_create(48000, 1, &err);
    int nomem = 0;
    for (size_t i = 0; l && i < n; i += 48000) {
        const size_t m = n - i < 48000 ? n - i : 48000;
        alloc_calls = 0;
        fail_at = 0; /* fails whenever the envelope has to grow */
        if (bx_levels_add(l, x + i, m, &err) == BX_ERR_NOMEM) {
            nomem++;
            fail_at = -1;
            bx_levels_add(l, x + i, m, &err);
        }
    }
    fail_at = -1;
    checks++;
    if (!l || bx_levels_finish(l, &retried, &err) || !nomem || !same_stats(&clean, &retried))
        tu_fail("after %d failed allocations and retries the statistics differ", nomem);
    else
        printf("errors: %d failed allocations in add, retried: statistics identical\n", nomem);
    bx_levels_destroy(l);
    bx_set_allocator(NULL, NULL, NULL);
    free(x);
}

int main(void)
{
    loudness_and_levels();
    percentiles();
    transients();
    silence();
    beyond_full_scale();
    chunking();
    errors();
    return tu_finish("test_levels", checks);
}
