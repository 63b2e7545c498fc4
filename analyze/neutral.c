/* neutral.c — the reference-only mode's neutral spectrum (see neutral.h). */
#include "neutral.h"

#include <math.h>

/* quarter-octave points from 30 Hz; the median of the measured curves,
 * lightly smoothed */
static const double table_db[] = {2.0,  4.0,  8.0,  11.0,  14.0,  15.0,  14.0,  13.0,  11.5, 10.5,
                                  11.0, 10.5, 8.0,  7.0,   6.0,   4.5,   3.5,   4.0,   3.5,  2.0,
                                  0.5,  -2.0, -3.0, -3.0,  -4.0,  -4.5,  -5.5,  -7.0,  -8.5, -9.5,
                                  -10.0, -10.5, -11.5, -13.0, -14.5, -16.0, -19.0};
#define N_POINTS (sizeof table_db / sizeof table_db[0])

double neutral_db(double freq_hz)
{
    double pos = 4.0 * log2(freq_hz / 30.0);
    if (pos <= 0)
        return table_db[0];
    if (pos >= N_POINTS - 1)
        return table_db[N_POINTS - 1];
    const int i = (int)pos;
    return table_db[i] + (pos - i) * (table_db[i + 1] - table_db[i]);
}
