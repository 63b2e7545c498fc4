/* neutral.c — the reference-only mode's neutral spectrum (see neutral.h). */
#include "neutral.h"

#include <math.h>

#include "bx/biquad.h"

/* quarter-octave points from 30 Hz; the median of the measured curves,
 * lightly smoothed */
static const double table_db[] = {2.0,   4.0,   8.0,   11.0,  14.0,  15.0,  14.0, 13.0, 11.5, 10.5,
                                  11.0,  10.5,  8.0,   7.0,   6.0,   4.5,   3.5,  4.0,  3.5,  2.0,
                                  0.5,   -2.0,  -3.0,  -3.0,  -4.0,  -4.5,  -5.5, -7.0, -8.5, -9.5,
                                  -10.0, -10.5, -11.5, -13.0, -14.5, -16.0, -19.0};
/* interquartile range of the measured curves at the same points */
static const double iqr_db[] = {9.1,  14.7, 15.1, 15.3, 7.7, 10.5, 11.7, 10.0, 10.9, 9.3,
                                11.0, 6.5,  2.6,  2.4,  3.3, 4.4,  3.1,  4.4,  6.2,  6.4,
                                7.3,  4.5,  5.1,  3.4,  2.8, 2.9,  3.1,  4.1,  3.9,  5.3,
                                5.3,  6.1,  5.4,  7.3,  9.9, 11.6, 13.9};
#define N_POINTS (sizeof table_db / sizeof table_db[0])

static double interp(const double *t, double freq_hz)
{
    double pos = 4.0 * log2(freq_hz / 30.0);
    if (pos <= 0)
        return t[0];
    if (pos >= N_POINTS - 1)
        return t[N_POINTS - 1];
    const int i = (int)pos;
    return t[i] + (pos - i) * (t[i + 1] - t[i]);
}

double neutral_db(double freq_hz)
{
    return interp(table_db, freq_hz);
}

double neutral_sigma_db(double freq_hz)
{
    /* IQR of a normal distribution = 1.349 sigma; the tails are heavier */
    return NEUTRAL_TAIL_FACTOR * interp(iqr_db, freq_hz) / 1.349;
}

double neutral_kweight_db(double freq_hz)
{
    /* ITU-R BS.1770-4, table 1 (shelf) and table 2 (highpass), 48 kHz */
    static const bx_biquad_coefs shelf = {1.53512485958697, -2.69169618940638, 1.19839281085285,
                                          -1.69065929318241, 0.73248077421585};
    static const bx_biquad_coefs hp = {1.0, -2.0, 1.0, -1.99004745483398, 0.99007225036621};
    double a, b;
    bx_biquad_response(&shelf, freq_hz, 48000.0, &a, NULL);
    bx_biquad_response(&hp, freq_hz, 48000.0, &b, NULL);
    return a + b;
}
