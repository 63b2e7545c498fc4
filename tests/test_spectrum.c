/* test_spectrum — the gated Welch LTAS keeps the promises of bx/spectrum.h.
 *
 *  - a bin-centred sine of amplitude A puts A^2/3 in its bin and A^2/12 in
 *    each neighbour (periodic Hann, closed form), within 1e-5 relative;
 *    every other bin stays 120 dB below;
 *  - a 997 Hz sine (between bins): the bins sum to A^2/2 within 1e-5
 *    relative, 99.9 % of it within 8 bins of 997 Hz;
 *  - white noise of variance s^2 reads 2 s^2/N per bin (mean over bins
 *    within 1 %; every 1/3-octave band from 100 Hz to 20 kHz within 0.5 dB),
 *    and octave bands rise by 3.01 dB per octave (within 0.15 dB);
 *  - the bins sum to the mean window-compensated mean square of the frames
 *    used, as computed by a naive direct reference, within 1e-5 relative;
 *  - gate: a 2 s noise burst at -12 dBFS followed by 20 s of a -50 dBFS tone
 *    and 38 s at -90 dBFS reads the burst, not diluted (within 0.5 dB: the
 *    two frames straddling the burst's end pass the gate and pull it down by
 *    about 0.2 dB; ungated it would read 15 dB low); gate, frames used and
 *    total power equal the naive reference's (1e-5 relative);
 *  - feeding 1, 7, 4096 or all samples at a time gives identical spectra (bit
 *    for bit);
 *  - bx_ltas_add_parallel: the same gate and frames as bx_ltas_add and every
 *    bin within 1e-12 relative; bit for bit the same with no bx_parallel and
 *    with one that runs its parts backwards on other workers; samples added
 *    after it continue the frames as bx_ltas_add's would; on an accumulator
 *    that is not empty it is bx_ltas_add (bit for bit);
 *  - silence, a -90 dBFS signal or no signal at all: BX_ERR_AUDIO;
 *  - a signal shorter than one frame is one zero-padded frame;
 *  - bx_ltas_add never allocates; a failing allocation in create or finish
 *    returns BX_ERR_NOMEM (and leaks nothing, under ASan);
 *  - default FFT lengths and argument checks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/ltas.h"
#include "bx/spectrum.h"
#include "testutil.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static const double FS = 48000.0;
static int checks;

/* ---- allocator hook: counts calls, can fail the n-th ---------------------- */
static long alloc_calls;
static long fail_at = -1; /* fail the allocation with this index (0-based); -1: never */

static void *hook_alloc(size_t n, void *user)
{
    (void)user;
    const long i = alloc_calls++;
    return i == fail_at ? NULL : malloc(n);
}

static void hook_free(void *p, void *user)
{
    (void)user;
    if (p)
        alloc_calls++;
    free(p);
}

/* ---- naive reference: frame mean squares by the definition ---------------- */
static double ref_frame_ms(const float *x, size_t n_valid, size_t nfft)
{
    double e = 0, wp = 0;
    for (size_t n = 0; n < nfft; n++) {
        const double w = 0.5 - 0.5 * cos(2 * M_PI * (double)n / (double)nfft);
        const double v = n < n_valid ? w * x[n] : 0.0;
        e += v * v;
        wp += w * w;
    }
    return e / wp;
}

typedef struct ref_gate {
    double gate_db, mean_ms; /* gate and mean square of the frames at or above it */
    double mean_all;         /* mean square of all frames (no gate) */
    size_t total, used;
} ref_gate;

static ref_gate ref_gated(const float *x, size_t len, size_t nfft)
{
    ref_gate r = {0, 0, 0, 0, 0};
    const size_t hop = nfft / 2;
    double sum = 0;
    size_t cnt = 0;
    double *ms = malloc((len / hop + 1) * sizeof *ms);
    for (size_t s = 0; s + nfft <= len; s += hop) {
        ms[r.total] = ref_frame_ms(x + s, nfft, nfft);
        r.mean_all += ms[r.total];
        if (10 * log10(ms[r.total]) >= -70.0) {
            sum += ms[r.total];
            cnt++;
        }
        r.total++;
    }
    r.gate_db = floor(fmax(-70.0, 10 * log10(sum / (double)cnt) - 20.0));
    double used_sum = 0;
    for (size_t i = 0; i < r.total; i++)
        if (ms[i] > 0 && 10 * log10(ms[i]) >= r.gate_db) {
            used_sum += ms[i];
            r.used++;
        }
    r.mean_ms = used_sum / (double)r.used;
    r.mean_all /= (double)r.total;
    free(ms);
    return r;
}

static bx_status run(const float *x, size_t len, size_t chunk, size_t nfft, bx_spectrum *s,
                     bx_error *err)
{
    bx_ltas *l = bx_ltas_create(FS, nfft, err);
    if (!l)
        return err->code;
    for (size_t i = 0; i < len; i += chunk)
        bx_ltas_add(l, x + i, len - i < chunk ? len - i : chunk);
    const bx_status st = bx_ltas_finish(l, s, err);
    bx_ltas_destroy(l);
    return st;
}

static double sum_bins(const bx_spectrum *s, size_t k0, size_t k1)
{
    double t = 0;
    for (size_t k = k0; k <= k1 && k < s->n_bins; k++)
        t += s->power[k];
    return t;
}

static void bin_centred_sine(void)
{
    const size_t nfft = 8192, k0 = 100, len = 10 * (size_t)FS;
    const double a = 0.5;
    float *x = malloc(len * sizeof *x);
    for (size_t n = 0; n < len; n++)
        x[n] = (float)(a * sin(2 * M_PI * (double)(k0 * n % nfft) / (double)nfft + 0.3));
    bx_spectrum s;
    bx_error err;
    checks++;
    if (run(x, len, len, nfft, &s, &err) != BX_OK) {
        tu_fail("bin-centred sine: %s", err.msg);
        free(x);
        return;
    }
    const double want[3] = {a * a / 12, a * a / 3, a * a / 12};
    double worst = 0, leak = 0;
    for (size_t k = 0; k < s.n_bins; k++) {
        if (k + 1 >= k0 && k <= k0 + 1)
            worst = fmax(worst, fabs(s.power[k] / want[k + 1 - k0] - 1));
        else
            leak = fmax(leak, s.power[k]);
    }
    const double leak_db = 10 * log10(fmax(leak, 1e-300) / (a * a / 2));
    printf("bin-centred sine A=%.2f at bin %zu: worst relative error %.2e of A^2/3, A^2/12; "
           "largest other bin %.1f dB\n",
           a, k0, worst, leak_db);
    if (worst > 1e-5)
        tu_fail("bin-centred sine: relative error %.2e > 1e-5", worst);
    checks++;
    if (leak_db > -120)
        tu_fail("bin-centred sine: a bin away from the sine holds %.1f dB > -120 dB", leak_db);
    bx_spectrum_free(&s);
    free(x);
}

static void off_bin_sine(void)
{
    const size_t len = 10 * (size_t)FS;
    const double a = 0.25, f = 997.0;
    float *x = malloc(len * sizeof *x);
    for (size_t n = 0; n < len; n++)
        x[n] = (float)(a * sin(2 * M_PI * f * (double)n / FS));
    bx_spectrum s;
    bx_error err;
    checks += 2;
    if (run(x, len, 4096, 0, &s, &err) != BX_OK) {
        tu_fail("997 Hz sine: %s", err.msg);
        free(x);
        return;
    }
    const double total = sum_bins(&s, 0, s.n_bins - 1);
    const size_t kc = (size_t)floor(f / s.bin_hz + 0.5);
    const double near = sum_bins(&s, kc - 8, kc + 8);
    const double e = fabs(total / (a * a / 2) - 1);
    printf("997 Hz sine A=%.2f: bins sum to A^2/2 within %.2e; %.5f %% within 8 bins\n", a, e,
           100 * near / total);
    if (e > 1e-5)
        tu_fail("997 Hz sine: total %.8g vs A^2/2 = %.8g", total, a * a / 2);
    if (near / total < 0.999)
        tu_fail("997 Hz sine: only %.4f %% of the power within 8 bins", 100 * near / total);
    bx_spectrum_free(&s);
    free(x);
}

static void white_noise(void)
{
    const size_t len = 60 * (size_t)FS;
    const double amp = 0.5, var = amp * amp / 3; /* uniform in [-amp, amp) */
    uint64_t seed = 0x5eed0001;
    printf("white noise: seed 0x%llx\n", (unsigned long long)seed);
    float *x = malloc(len * sizeof *x);
    for (size_t n = 0; n < len; n++)
        x[n] = (float)(amp * tu_noise(&seed));
    bx_spectrum s;
    bx_error err;
    checks++;
    if (run(x, len, 1000, 0, &s, &err) != BX_OK) {
        tu_fail("white noise: %s", err.msg);
        free(x);
        return;
    }
    const double per_bin = 2 * var / (double)s.nfft;
    const double mean = sum_bins(&s, 1, s.n_bins - 2) / (double)(s.n_bins - 2);
    const double e_mean = fabs(mean / per_bin - 1);
    printf("white noise: mean bin %.6g vs 2 s^2/N = %.6g (%.3f %%)\n", mean, per_bin, 100 * e_mean);
    if (e_mean > 0.01)
        tu_fail("white noise: mean bin off by %.3f %%", 100 * e_mean);
    double worst = 0, worst_f = 0;
    for (double f = 100; f <= 20000; f *= pow(2, 1.0 / 3)) {
        const double d = fabs(bx_spectrum_db_at(&s, f, 1.0 / 3) - 10 * log10(per_bin));
        if (d > worst) {
            worst = d;
            worst_f = f;
        }
    }
    checks++;
    printf("white noise: 1/3-octave levels 100 Hz..20 kHz flat within %.3f dB (worst at %.0f Hz)\n",
           worst, worst_f);
    if (worst > 0.5)
        tu_fail("white noise: 1/3-octave level at %.0f Hz off by %.3f dB", worst_f, worst);
    double worst_oct = 0;
    for (double f = 250; f <= 5000; f *= 2) { /* up to 10..20 kHz */
        const double step =
            bx_spectrum_band_db(&s, 2 * f, 4 * f) - bx_spectrum_band_db(&s, f, 2 * f);
        worst_oct = fmax(worst_oct, fabs(step - 10 * log10(2.0)));
    }
    checks++;
    printf("white noise: octave bands rise 3.01 dB/octave within %.3f dB\n", worst_oct);
    if (worst_oct > 0.15)
        tu_fail("white noise: octave-band step off by %.3f dB", worst_oct);
    const ref_gate r = ref_gated(x, len, s.nfft);
    const double e_tot = fabs(sum_bins(&s, 0, s.n_bins - 1) / r.mean_ms - 1);
    checks += 2;
    printf(
        "white noise: bins sum to the frames' mean square within %.2e (%zu of %zu frames used)\n",
        e_tot, s.frames_used, s.frames_total);
    if (e_tot > 1e-5)
        tu_fail("white noise: total power off the naive reference by %.2e", e_tot);
    if (s.frames_total != r.total || s.frames_used != r.used)
        tu_fail("white noise: frames %zu/%zu, reference %zu/%zu", s.frames_used, s.frames_total,
                r.used, r.total);
    /* interpolation between bins at smooth_oct = 0 */
    const size_t k = 300;
    const double mid = bx_spectrum_db_at(&s, (k + 0.25) * s.bin_hz, 0);
    const double want = 10 * log10(0.75 * s.power[k] + 0.25 * s.power[k + 1]);
    checks++;
    if (fabs(mid - want) > 1e-9 ||
        fabs(bx_spectrum_db_at(&s, k * s.bin_hz, 0) - 10 * log10(s.power[k])) > 1e-9)
        tu_fail("db_at(smooth 0) does not interpolate the bins linearly: %.9f vs %.9f", mid, want);
    bx_spectrum_free(&s);
    free(x);
}

/* 2 s of noise at -12 dBFS RMS, 20 s of a -50 dBFS 300 Hz tone, 38 s at -90 dBFS RMS. */
static float *gate_signal(size_t *len, uint64_t *seed)
{
    const size_t n1 = 2 * (size_t)FS, n2 = 20 * (size_t)FS, n = 60 * (size_t)FS;
    float *x = malloc(n * sizeof *x);
    const double loud = pow(10, -12 / 20.0) * sqrt(3.0), quiet = pow(10, -90 / 20.0) * sqrt(3.0);
    for (size_t i = 0; i < n; i++) {
        if (i < n1)
            x[i] = (float)(loud * tu_noise(seed));
        else if (i < n1 + n2)
            x[i] = (float)(pow(10, -50 / 20.0) * sin(2 * M_PI * 300 * (double)i / FS));
        else
            x[i] = (float)(quiet * tu_noise(seed));
    }
    *len = n;
    return x;
}

static void gate(void)
{
    uint64_t seed = 0x5eed0002;
    printf("gate: seed 0x%llx\n", (unsigned long long)seed);
    size_t len;
    float *x = gate_signal(&len, &seed);
    double burst = 0;
    for (size_t i = 0; i < 2 * (size_t)FS; i++)
        burst += (double)x[i] * x[i];
    burst /= 2 * FS;
    bx_spectrum s;
    bx_error err;
    checks += 3;
    if (run(x, len, 4096, 0, &s, &err) != BX_OK) {
        tu_fail("gate: %s", err.msg);
        free(x);
        return;
    }
    const ref_gate r = ref_gated(x, len, s.nfft);
    const double total = sum_bins(&s, 0, s.n_bins - 1);
    const double dil = 10 * log10(total / burst);
    printf("gate: gate %.0f dBFS (reference %.0f), %zu of %zu frames used (reference %zu of %zu); "
           "total %.3f dB vs burst %.3f dBFS (%+.3f dB; ungated %+.1f dB), vs reference %.2e\n",
           s.gate_db, r.gate_db, s.frames_used, s.frames_total, r.used, r.total, 10 * log10(total),
           10 * log10(burst), dil, 10 * log10(r.mean_all / burst), fabs(total / r.mean_ms - 1));
    if (s.gate_db != r.gate_db || s.frames_used != r.used || s.frames_total != r.total)
        tu_fail("gate: gate/frames differ from the naive reference");
    if (fabs(dil) > 0.5)
        tu_fail("gate: the burst reads %+.3f dB off its own level (diluted?)", dil);
    if (fabs(total / r.mean_ms - 1) > 1e-5)
        tu_fail("gate: total %.8g vs reference %.8g", total, r.mean_ms);
    bx_spectrum_free(&s);
    free(x);
}

static void chunking(void)
{
    uint64_t seed = 0x5eed0003;
    size_t len;
    float *x = gate_signal(&len, &seed);
    len = 10 * (size_t)FS;
    const size_t chunks[] = {1, 7, 4096, len};
    bx_spectrum s[4];
    bx_error err;
    int same = 1;
    for (int i = 0; i < 4; i++) {
        if (run(x, len, chunks[i], 0, &s[i], &err) != BX_OK) {
            tu_fail("chunking: %s", err.msg);
            same = 0;
            continue;
        }
        if (i && (s[i].n_bins != s[0].n_bins || s[i].gate_db != s[0].gate_db ||
                  s[i].frames_used != s[0].frames_used ||
                  memcmp(s[i].power, s[0].power, s[0].n_bins * sizeof *s[0].power) != 0))
            same = 0;
    }
    checks++;
    printf("chunking: chunks of 1, 7, 4096 and %zu samples give %s spectra\n", len,
           same ? "identical" : "DIFFERENT");
    if (!same)
        tu_fail("chunking: the spectrum depends on the chunk size");
    for (int i = 0; i < 4; i++)
        bx_spectrum_free(&s[i]);
    free(x);
}

/* A bx_parallel that runs the tasks last to first on rotating workers. */
static void backwards(const bx_parallel *self, bx_task_fn fn, void *arg, size_t n)
{
    for (size_t i = n; i-- > 0;)
        fn(arg, (unsigned)(i % self->workers), i);
}

/* Spectrum of x[0..len) added by bx_ltas_add_parallel (through par), then
 * x[len..len+more) by bx_ltas_add; pre samples added first if pre > 0. */
static bx_status run_parallel(const float *x, size_t pre, size_t len, size_t more,
                              const bx_parallel *par, bx_spectrum *s, bx_error *err)
{
    bx_ltas *l = bx_ltas_create(FS, 0, err);
    if (!l)
        return err->code;
    bx_ltas_add(l, x, pre);
    bx_status st = bx_ltas_add_parallel(l, x + pre, len - pre, par, err);
    if (!st) {
        bx_ltas_add(l, x + len, more);
        st = bx_ltas_finish(l, s, err);
    }
    bx_ltas_destroy(l);
    return st;
}

static void parallel(void)
{
    /* noise alternating between -12 and -30 dBFS every half second: frames
     * above the gate in every part */
    uint64_t seed = 0x5eed0004;
    const size_t n = 10 * (size_t)FS + 1234, more = 3 * (size_t)FS + 77;
    float *x = malloc((n + more) * sizeof *x);
    for (size_t i = 0; i < n + more; i++)
        x[i] = (float)(tu_noise(&seed) * sqrt(3.0) *
                       pow(10, ((i / (size_t)(FS / 2)) % 2 ? -30 : -12) / 20.0));
    const bx_parallel par = {3, backwards, NULL};
    bx_spectrum a, b, c, d, e;
    bx_error err;
    if (run(x, n + more, n + more, 0, &a, &err) || run_parallel(x, 0, n, more, NULL, &b, &err) ||
        run_parallel(x, 0, n, more, &par, &c, &err) ||
        run_parallel(x, 4096, n, more, &par, &d, &err) || run(x, n + more, 4096, 0, &e, &err)) {
        tu_fail("parallel: %s", err.msg);
        free(x);
        return;
    }
    double worst = 0;
    for (size_t k = 0; k < a.n_bins; k++)
        worst = fmax(worst, fabs(b.power[k] - a.power[k]) / fmax(a.power[k], 1e-300));
    checks++;
    printf("parallel: %zu of %zu frames used, gate %.0f dB; worst bin %.2e relative to "
           "bx_ltas_add's\n",
           b.frames_used, b.frames_total, b.gate_db, worst);
    if (b.frames_total != a.frames_total || b.frames_used != a.frames_used ||
        b.gate_db != a.gate_db || !(worst <= 1e-12))
        tu_fail("parallel: differs from bx_ltas_add (frames %zu/%zu, used %zu/%zu, %.2e)",
                b.frames_total, a.frames_total, b.frames_used, a.frames_used, worst);
    checks++;
    if (memcmp(b.power, c.power, b.n_bins * sizeof *b.power) != 0)
        tu_fail("parallel: the result depends on the bx_parallel");
    checks++;
    if (memcmp(d.power, e.power, d.n_bins * sizeof *d.power) != 0 ||
        d.frames_total != e.frames_total)
        tu_fail("parallel: on an accumulator that is not empty it is not bx_ltas_add");
    bx_spectrum_free(&a);
    bx_spectrum_free(&b);
    bx_spectrum_free(&c);
    bx_spectrum_free(&d);
    bx_spectrum_free(&e);
    free(x);
}

static void silence(void)
{
    const size_t len = 10 * (size_t)FS;
    float *x = calloc(len, sizeof *x);
    bx_spectrum s;
    bx_error err;
    bx_status st = run(x, len, 4096, 0, &s, &err);
    checks++;
    printf("silence: %s \"%s\"\n", bx_strerror(st), err.msg);
    if (st != BX_ERR_AUDIO || s.power)
        tu_fail("silence: status %d, expected BX_ERR_AUDIO and no spectrum", (int)st);
    uint64_t seed = 0x5eed0004;
    for (size_t i = 0; i < len; i++)
        x[i] = (float)(pow(10, -90 / 20.0) * tu_noise(&seed));
    st = run(x, len, 4096, 0, &s, &err);
    checks++;
    if (st != BX_ERR_AUDIO)
        tu_fail("-90 dBFS noise: status %d, expected BX_ERR_AUDIO", (int)st);
    st = run(x, 0, 1, 0, &s, &err);
    checks++;
    if (st != BX_ERR_AUDIO)
        tu_fail("no samples: status %d, expected BX_ERR_AUDIO", (int)st);
    free(x);
}

static void short_signal(void)
{
    const size_t len = 1000;
    float x[1000];
    for (size_t n = 0; n < len; n++)
        x[n] = (float)(0.5 * sin(2 * M_PI * 1000 * (double)n / FS));
    bx_spectrum s;
    bx_error err;
    checks++;
    if (run(x, len, 100, 0, &s, &err) != BX_OK) {
        tu_fail("short signal: %s", err.msg);
        return;
    }
    const double want = ref_frame_ms(x, len, s.nfft);
    const double e = fabs(sum_bins(&s, 0, s.n_bins - 1) / want - 1);
    printf("short signal (1000 samples): %zu frame, total within %.2e of the zero-padded frame\n",
           s.frames_total, e);
    if (s.frames_total != 1 || s.frames_used != 1 || e > 1e-5)
        tu_fail("short signal: %zu/%zu frames, total off by %.2e", s.frames_used, s.frames_total,
                e);
    bx_spectrum_free(&s);
}

static void allocation(void)
{
    uint64_t seed = 0x5eed0005;
    size_t len;
    float *x = gate_signal(&len, &seed);
    bx_error err;
    bx_set_allocator(hook_alloc, hook_free, NULL);
    bx_ltas *l = bx_ltas_create(FS, 0, &err);
    alloc_calls = 0;
    for (size_t i = 0; l && i < len; i += 333)
        bx_ltas_add(l, x + i, len - i < 333 ? len - i : 333);
    const long during_add = alloc_calls;
    checks++;
    printf("allocation: %ld allocator calls during %zu samples of bx_ltas_add\n", during_add, len);
    if (!l || during_add)
        tu_fail("bx_ltas_add allocated (%ld calls)", during_add);
    bx_spectrum s;
    /* every allocation of create and finish can fail cleanly */
    int clean = 1;
    long n_fail;
    for (n_fail = 0; n_fail < 50; n_fail++) {
        alloc_calls = 0;
        fail_at = n_fail;
        bx_ltas *m = bx_ltas_create(FS, 0, &err);
        if (!m) {
            clean &= err.code == BX_ERR_NOMEM;
            continue;
        }
        fail_at = -1;
        bx_ltas_add(m, x, 3 * (size_t)FS);
        fail_at = 0;
        alloc_calls = 0;
        clean &= bx_ltas_finish(m, &s, &err) == BX_ERR_NOMEM && !s.power;
        bx_ltas_destroy(m);
        break;
    }
    fail_at = -1;
    checks++;
    printf("allocation: failing each of the %ld allocations of create, and finish's: %s\n", n_fail,
           clean ? "BX_ERR_NOMEM each time" : "WRONG STATUS");
    if (!clean)
        tu_fail("a failed allocation did not give BX_ERR_NOMEM");
    bx_ltas_destroy(l);
    bx_set_allocator(NULL, NULL, NULL);
    free(x);
}

static void arguments(void)
{
    static const struct {
        double rate;
        size_t nfft;
    } defaults[] = {{8000, 2048}, {11025, 2048}, {44100, 8192}, {48000, 8192}, {96000, 16384}};
    bx_error err;
    for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++) {
        bx_ltas *l = bx_ltas_create(defaults[i].rate, 0, &err);
        checks++;
        if (!l || bx_ltas_nfft(l) != defaults[i].nfft)
            tu_fail("default FFT length at %g Hz: %zu, expected %zu", defaults[i].rate,
                    l ? bx_ltas_nfft(l) : 0, defaults[i].nfft);
        bx_ltas_destroy(l);
    }
    const size_t bad[] = {14, 8191, 896, (size_t)1 << 21};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        bx_ltas *l = bx_ltas_create(FS, bad[i], &err);
        checks++;
        if (l || err.code != BX_ERR_ARG)
            tu_fail("nfft %zu was accepted", bad[i]);
        bx_ltas_destroy(l);
    }
    const double bad_rate[] = {0, -48000, NAN, 1e7};
    for (size_t i = 0; i < sizeof bad_rate / sizeof *bad_rate; i++) {
        bx_ltas *l = bx_ltas_create(bad_rate[i], 0, &err);
        checks++;
        if (l || err.code != BX_ERR_ARG)
            tu_fail("rate %g was accepted", bad_rate[i]);
        bx_ltas_destroy(l);
    }
    bx_ltas *l = bx_ltas_create(FS, 1920, &err); /* 960 = 2^6 * 3 * 5 */
    checks++;
    if (!l)
        tu_fail("nfft 1920 (nfft/2 = 2^6 3 5) rejected: %s", err.msg);
    bx_ltas_destroy(l);
    printf("arguments: default FFT lengths, bad lengths and rates rejected with BX_ERR_ARG\n");
}

int main(void)
{
    bin_centred_sine();
    off_bin_sine();
    white_noise();
    gate();
    chunking();
    parallel();
    silence();
    short_signal();
    allocation();
    arguments();
    return tu_finish("test_spectrum", checks);
}
