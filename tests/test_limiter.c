/* test_limiter — the safety limiter never lets a sample above the ceiling.
 *
 *  - full-scale and +12 dB squares (100 Hz, 1 kHz, 10 kHz), +20 dB noise and
 *    single-sample spikes up to 1e30, mono and stereo, ceilings 0, -0.1, -1, -6 dBFS:
 *    max |out| <= ceiling, no exceptions;
 *  - NaN and infinite samples come out as 0;
 *  - enormous samples (1e40, 1e300: a gain far under 2^-50) come out at the
 *    ceiling exactly, and the reported gain reduction stays finite;
 *  - transparent: a signal peaking 3 dB under the ceiling passes bit-exact;
 *  - recovery: after a spike the gain returns as 1 - (1 - g0) e^(-t / 50 ms), within 1e-9.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bx/limiter.h"
#include "testutil.h"

static const double FS = 48000.0;
static int checks;

static double run_max(bx_limiter *l, double *x, size_t frames, unsigned ch)
{
    bx_limiter_process(l, x, frames, ch);
    double m = 0;
    for (size_t i = 0; i < frames * ch; i++) {
        if (!isfinite(x[i]))
            return INFINITY;
        m = fmax(m, fabs(x[i]));
    }
    return m;
}

static void ceiling_holds(double ceiling_db)
{
    const double c = pow(10.0, ceiling_db / 20.0);
    const size_t n = (size_t)FS;
    double *x = malloc(2 * n * sizeof *x);
    uint64_t seed = 1234;
    double worst = 0; /* largest max|out| / ceiling seen */
    for (unsigned ch = 1; ch <= 2; ch++) {
        for (int sig = 0; sig < 8; sig++) {
            bx_limiter l;
            bx_limiter_init(&l, ceiling_db, FS);
            for (size_t i = 0; i < n * ch; i++) {
                const size_t k = i / ch;
                switch (sig) {
                case 0:
                    x[i] = (k / 240) % 2 ? 1.0 : -1.0;
                    break; /* 100 Hz full-scale square */
                case 1:
                    x[i] = (k / 24) % 2 ? 1.0 : -1.0;
                    break; /* 1 kHz */
                case 2:
                    x[i] = (k / 2) % 2 ? 4.0 : -4.0;
                    break; /* 12 kHz, +12 dB */
                case 3:
                    x[i] = 10.0 * tu_noise(&seed);
                    break; /* +20 dB noise */
                case 4:
                    x[i] = k % 4800 == 0 ? 1000.0 : 0.01 * tu_noise(&seed);
                    break;
                case 5:
                    x[i] = k % 9600 == 17 ? -1e30 : 0.5 * tu_noise(&seed);
                    break;
                case 6:
                    x[i] = (i % ch == 0) ? 3.0 * tu_noise(&seed) : 0.0;
                    break; /* one hot channel */
                default:
                    x[i] = c * (1.0 + 1e-9) * ((k % 2) ? 1 : -1);
                    break; /* a hair over */
                }
            }
            /* several block sizes, as a live callback would use */
            double m = 0;
            size_t done = 0, bs = 1;
            while (done < n) {
                size_t b = bs < n - done ? bs : n - done;
                m = fmax(m, run_max(&l, x + done * ch, b, ch));
                done += b;
                bs = bs * 3 % 997 + 1;
            }
            checks++;
            worst = fmax(worst, m / c);
            if (!(m <= c))
                tu_fail("ceiling %g dBFS, signal %d, %u ch: output peak %.17g above ceiling %.17g",
                        ceiling_db, sig, ch, m, c);
        }
    }
    printf("ceiling %g dBFS: largest output / ceiling over 16 hostile signals = %.17g (limit 1)\n",
           ceiling_db, worst);
    free(x);
}

static void non_finite(void)
{
    bx_limiter l;
    bx_limiter_init(&l, -1, FS);
    double x[6] = {NAN, INFINITY, -INFINITY, 0.5, NAN, 0.25};
    bx_limiter_process(&l, x, 3, 2);
    checks++;
    if (x[0] != 0 || x[1] != 0 || x[2] != 0 || x[4] != 0 || !isfinite(x[3]) || !isfinite(x[5]))
        tu_fail("non-finite samples should become 0: %g %g %g %g %g %g", x[0], x[1], x[2], x[3],
                x[4], x[5]);
}

static void enormous(void)
{
    bx_limiter l;
    bx_limiter_init(&l, -1, FS);
    double x[4] = {0.1, 1e40, -1e300, 0.1};
    bx_limiter_process(&l, x, 4, 1);
    const double gr = bx_limiter_take_gr_peak_db(&l);
    checks++;
    if (x[1] != l.ceiling_lin || x[2] != -l.ceiling_lin || !isfinite(gr) || !(gr > 290))
        tu_fail("1e40 and -1e300 should come out at +-%.9g: %.9g %.9g, gain reduction %g dB",
                l.ceiling_lin, x[1], x[2], gr);
}

static void transparent(void)
{
    bx_limiter l;
    bx_limiter_init(&l, -1, FS);
    const double a = pow(10.0, -4.0 / 20.0);
    uint64_t seed = 5;
    int same = 1;
    for (int k = 0; k < 48000; k++) {
        double v = a * tu_noise(&seed), in = v;
        bx_limiter_process(&l, &v, 1, 1);
        same &= v == in;
    }
    checks++;
    if (!same)
        tu_fail("a signal 3 dB under the ceiling was altered");
    printf("transparent below the ceiling: %s\n", same ? "bit-exact" : "ALTERED");
}

static void recovery(void)
{
    bx_limiter l;
    bx_limiter_init(&l, 0, FS);
    double v = 4.0; /* needs g0 = 0.25 */
    bx_limiter_process(&l, &v, 1, 1);
    const size_t n = (size_t)(0.05 * FS); /* 50 ms of tiny signal */
    double worst = 0;
    for (size_t k = 1; k <= n; k++) {
        double s = 1e-3;
        bx_limiter_process(&l, &s, 1, 1);
        const double g = s / 1e-3;
        const double want = 1.0 - 0.75 * exp(-(double)k / (0.05 * FS));
        worst = fmax(worst, fabs(g - want));
    }
    checks++;
    if (worst > 1e-9)
        tu_fail("limiter recovery deviates from 1-(1-g0)exp(-t/50ms) by %g", worst);
    printf("recovery after a +12 dB spike follows 1-(1-g0)e^(-t/50ms): worst deviation %.1e\n",
           worst);
}

int main(void)
{
    ceiling_holds(0.0);
    ceiling_holds(-0.1);
    ceiling_holds(-1.0);
    ceiling_holds(-6.0);
    non_finite();
    enormous();
    transparent();
    recovery();
    return tu_finish("test_limiter", checks);
}
