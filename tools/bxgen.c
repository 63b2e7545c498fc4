/* bxgen — deterministic test and demo signals, so bx ships no recorded audio.
 *
 *   bxgen take OUT [--seconds S] [--rate HZ] [--seed N]
 *       a dry beatbox-like take: kick, snare, hi-hat and a hummed bass line
 *   bxgen noise OUT [--seconds S] [--rate HZ] [--channels C] [--level DBFS] [--seed N]
 *       white noise, uniform, peak at --level
 *   bxgen sine OUT --freq HZ [--seconds S] [--rate HZ] [--channels C] [--level DBFS]
 *
 * Same arguments, same file, bit for bit, on every platform.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/audiofile.h"
#include "bx/error.h"
#include "console.h"
#include "exitcode.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct gen_opts {
    const char *kind, *out;
    double seconds, rate, level_db, freq;
    unsigned channels;
    uint64_t seed;
} gen_opts;

static uint64_t rng_state;

/* xorshift64* — small, fast, identical everywhere */
static double rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

static double rnd_pm(void)
{
    return 2.0 * rnd() - 1.0;
}

/* One drum hit added into x[0..n) starting at `at`. */
static void add_kick(float *x, size_t n, size_t at, double fs, double amp)
{
    double ph = 0.0;
    for (size_t i = 0; at + i < n && i < (size_t)(0.35 * fs); i++) {
        const double t = i / fs;
        const double f = 48.0 + 110.0 * exp(-t / 0.03);
        ph += 2.0 * M_PI * f / fs;
        const double env = exp(-t / 0.11) * (1.0 - exp(-t / 0.0015));
        const double click = exp(-t / 0.002) * rnd_pm() * 0.3;
        x[at + i] += (float)(amp * (env * sin(ph) + click));
    }
}

static void add_snare(float *x, size_t n, size_t at, double fs, double amp)
{
    double lp = 0.0;
    for (size_t i = 0; at + i < n && i < (size_t)(0.25 * fs); i++) {
        const double t = i / fs;
        const double noise = rnd_pm();
        lp += 0.35 * (noise - lp);
        const double tone = sin(2.0 * M_PI * 185.0 * t) * exp(-t / 0.04);
        const double env = exp(-t / 0.06) * (1.0 - exp(-t / 0.001));
        x[at + i] += (float)(amp * (0.55 * tone + env * (1.2 * lp + 0.25 * noise)));
    }
}

static void add_hat(float *x, size_t n, size_t at, double fs, double amp, double decay)
{
    double prev = 0.0;
    for (size_t i = 0; at + i < n && i < (size_t)(6 * decay * fs); i++) {
        const double t = i / fs;
        const double noise = rnd_pm();
        const double hp = noise - prev; /* first difference: bright */
        prev = noise;
        x[at + i] += (float)(amp * 0.3 * hp * exp(-t / decay));
    }
}

/* A hummed note: a buzzy harmonic tone through a normalised vocal-tract-like
 * resonance near 700 Hz, plus some of the dry tone. */
static void add_hum(float *x, size_t n, size_t at, size_t len, double fs, double f0, double amp)
{
    double ph = 0.0, y1 = 0.0, y2 = 0.0;
    const double fr = 700.0, r = exp(-M_PI * 120.0 / fs), w = 2.0 * M_PI * fr / fs;
    const double a1 = -2.0 * r * cos(w), a2 = r * r;
    const double norm = (1.0 - r) * sqrt(1.0 - 2.0 * r * cos(2.0 * w) + r * r); /* unity at fr */
    for (size_t i = 0; at + i < n && i < len; i++) {
        const double t = i / fs;
        ph += 2.0 * M_PI * f0 * (1.0 + 0.01 * sin(2.0 * M_PI * 5.0 * t)) / fs;
        double src = 0.0;
        for (int h = 1; h <= 24 && h * f0 < 0.45 * fs; h++)
            src += sin(h * ph) / h;
        const double y = norm * src - a1 * y1 - a2 * y2;
        y2 = y1;
        y1 = y;
        const double env = fmin(1.0, t / 0.02) * fmin(1.0, (len - i) / fs / 0.05);
        x[at + i] += (float)(amp * env * (0.3 * src + 2.0 * y));
    }
}

static void make_take(float *x, size_t n, double fs)
{
    const double bpm = 96.0, step = 60.0 / bpm / 4.0; /* 16th notes */
    /* 16-step patterns: K = kick, S = snare, h = closed hat, o = open hat */
    static const char *const bars[] = {"K.h.S.hKK.h.S.ho", "K.h.S.h.K.hKS.h.", "K.hKS.h.K.h.S.hh",
                                       "K.h.S.hKK.hoS.SS"};
    static const double hum_notes[] = {55.0, 55.0, 65.4, 49.0};
    const size_t steps = (size_t)(n / fs / step) + 1;
    for (size_t s = 0; s < steps; s++) {
        const size_t bar = s / 16, pos = s % 16;
        const char c = bars[bar % 4][pos];
        const double jitter = 0.004 * rnd_pm();
        double t = s * step + jitter;
        if (t < 0)
            t = 0;
        const size_t at = (size_t)(t * fs);
        const double vel = 0.75 + 0.25 * rnd();
        if (c == 'K')
            add_kick(x, n, at, fs, 0.55 * vel);
        else if (c == 'S')
            add_snare(x, n, at, fs, 0.35 * vel);
        else if (c == 'h')
            add_hat(x, n, at, fs, 0.12 * vel, 0.012);
        else if (c == 'o')
            add_hat(x, n, at, fs, 0.12 * vel, 0.06);
        if (pos == 0 && bar % 2 == 1)
            add_hum(x, n, at, (size_t)(8 * step * fs), fs, hum_notes[(bar / 2) % 4], 0.12);
    }
    /* peak at -6 dBFS, like a dry take recorded with headroom */
    double peak = 0.0;
    for (size_t i = 0; i < n; i++)
        peak = fmax(peak, fabs(x[i]));
    const double g = peak > 0 ? pow(10.0, -6.0 / 20.0) / peak : 1.0;
    /* plus a little room noise, as a real microphone has (about -66 dBFS) */
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(g * x[i] + 0.0005 * rnd_pm());
}

static int usage(void)
{
    fprintf(stderr,
            "usage: bxgen take OUT [--seconds S] [--rate HZ] [--seed N]\n"
            "       bxgen noise OUT [--seconds S] [--rate HZ] [--channels C] [--level DBFS] "
            "[--seed N]\n"
            "       bxgen sine OUT --freq HZ [--seconds S] [--rate HZ] [--channels C] "
            "[--level DBFS]\n");
    return BX_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    gen_opts o = {NULL, NULL, 10.0, 48000.0, -6.0, 1000.0, 1, 1};
    if (console_init(&argc, &argv) != 0)
        return 1;
    if (argc < 3)
        return usage();
    o.kind = argv[1];
    o.out = argv[2];
    for (int i = 3; i < argc; i++) {
        if (i + 1 >= argc)
            return usage();
        const char *k = argv[i], *v = argv[++i];
        char *end;
        const double d = strtod(v, &end);
        if (*end)
            return usage();
        if (strcmp(k, "--seconds") == 0 && d > 0 && d <= 7200)
            o.seconds = d;
        else if (strcmp(k, "--rate") == 0 && d >= 8000 && d <= 192000)
            o.rate = d;
        else if (strcmp(k, "--level") == 0 && d <= 0)
            o.level_db = d;
        else if (strcmp(k, "--freq") == 0 && d > 0)
            o.freq = d;
        else if (strcmp(k, "--channels") == 0 && d >= 1 && d <= 64)
            o.channels = (unsigned)d;
        else if (strcmp(k, "--seed") == 0 && d >= 0)
            o.seed = (uint64_t)d;
        else
            return usage();
    }
    rng_state = 0x9E3779B97F4A7C15ULL ^ (o.seed * 0xD1B54A32D192ED03ULL);
    if (!rng_state)
        rng_state = 1;
    const size_t n = (size_t)(o.seconds * o.rate + 0.5);
    const unsigned nch = strcmp(o.kind, "take") == 0 ? 1 : o.channels;
    float *x = calloc(n * nch, sizeof(float));
    if (!x) {
        fprintf(stderr, "bxgen: out of memory\n");
        return BX_EXIT_INTERNAL;
    }
    const double amp = pow(10.0, o.level_db / 20.0);
    if (strcmp(o.kind, "take") == 0) {
        make_take(x, n, o.rate);
    } else if (strcmp(o.kind, "noise") == 0) {
        for (size_t i = 0; i < n * nch; i++)
            x[i] = (float)(amp * rnd_pm());
    } else if (strcmp(o.kind, "sine") == 0) {
        for (size_t i = 0; i < n; i++)
            for (unsigned c = 0; c < nch; c++)
                x[i * nch + c] = (float)(amp * sin(2.0 * M_PI * o.freq * (double)i / o.rate));
    } else {
        free(x);
        return usage();
    }
    bx_error err;
    bx_audio_writer *w;
    bx_status st =
        bx_audio_writer_create(o.out, (int)o.rate, nch, BX_ENC_DEFAULT, (long long)n, &w, &err);
    if (!st)
        st = bx_audio_writer_write(w, x, n, &err);
    if (!st)
        st = bx_audio_writer_commit(w, &err);
    else
        bx_audio_writer_abort(w);
    free(x);
    if (st) {
        fprintf(stderr, "bxgen: %s\n", err.msg);
        return BX_EXIT_OUTPUT;
    }
    return BX_EXIT_OK;
}
