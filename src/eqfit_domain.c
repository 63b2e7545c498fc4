/* eqfit_domain.c — where fitted EQ bands may lie, and the faults a sound
 * engineer would not sign (bx/eqfit.h, eqfit_domain.h). */
#include "eqfit_domain.h"

#include <math.h>
#include <stdio.h>

void bx_eqfit_band_limits(bx_biquad_type type, double rate_hz, double *flo, double *fhi,
                          double *qlo, double *qhi, double *gmax)
{
    *flo = BX_EQFIT_LO_HZ;
    *fhi = fmin(BX_EQFIT_HI_HZ, 0.45 * rate_hz);
    *gmax = 15.0;
    /* each type where it makes musical sense: a low shelf or highpass does not
     * belong at 6 kHz (a high shelf there, with a gain offset, says the same thing) */
    switch (type) {
    case BX_BIQUAD_PEAK:
        *qlo = 0.25, *qhi = 12.0;
        break;
    case BX_BIQUAD_LOW_SHELF: /* up to a tilt around the middle */
        *qlo = 0.25, *qhi = 2.0;
        *fhi = fmin(*fhi, 5000.0);
        break;
    case BX_BIQUAD_HIGH_SHELF:
        *qlo = 0.25, *qhi = 2.0;
        *flo = 200.0;
        break;
    case BX_BIQUAD_HIGHPASS:
        *qlo = 0.3, *qhi = 2.5;
        *fhi = fmin(*fhi, 1000.0);
        break;
    default: /* lowpass */
        *qlo = 0.3, *qhi = 2.5;
        *flo = 1000.0;
        break;
    }
    if (*flo > *fhi)
        *flo = *fhi;
}

void bx_eqfit_domain(const bx_band *b, double rate, double glo, double ghi, double *flo,
                     double *fhi, double *qlo, double *qhi, double *gmax)
{
    bx_eqfit_band_limits(b->type, rate, flo, fhi, qlo, qhi, gmax);
    *flo = fmax(*flo, glo * 0.5);
    *fhi = fmin(*fhi, ghi * 1.5);
    if (*flo > *fhi)
        *flo = *fhi;
    if (b->type == BX_BIQUAD_PEAK && b->freq_hz < BX_EQFIT_NARROW_HZ)
        *qhi = fmin(*qhi, BX_EQFIT_NARROW_Q);
}

/* A boost the bands may not exceed where they sit (BX_EQFIT_LOW_BOOST_HZ). */
static double boost_max(const bx_band *b, double gmax)
{
    if ((b->type == BX_BIQUAD_PEAK || b->type == BX_BIQUAD_LOW_SHELF) &&
        b->freq_hz < BX_EQFIT_LOW_BOOST_HZ)
        return fmin(gmax, BX_EQFIT_LOW_BOOST_MAX_DB);
    return gmax;
}

void bx_eqfit_clamp_within(bx_band *b, double rate, double glo, double ghi, double gmax_opt)
{
    double flo, fhi, qlo, qhi, gmax;
    bx_eqfit_domain(b, rate, glo, ghi, &flo, &fhi, &qlo, &qhi, &gmax);
    b->freq_hz = fmin(fmax(b->freq_hz, flo), fhi);
    bx_eqfit_domain(b, rate, glo, ghi, &flo, &fhi, &qlo, &qhi, &gmax); /* Q limit where it landed */
    b->q = fmin(fmax(b->q, qlo), qhi);
    gmax = fmin(gmax, gmax_opt);
    b->gain_db = fmin(fmax(b->gain_db, -gmax), boost_max(b, gmax));
}

void bx_eqfit_clamp_band(bx_band *b, double rate_hz)
{
    bx_eqfit_clamp_within(b, rate_hz, 0.0, HUGE_VAL, HUGE_VAL);
}

/* 1 if v is within 1 % of lo or hi (a parameter that ended on its limit) */
static int on_limit(double v, double lo, double hi)
{
    return fabs(log(v / lo)) < 0.01 || fabs(log(v / hi)) < 0.01;
}

/* 1 if b boosts where pass p cuts: a bell or low shelf with gain centred
 * below a highpass's corner, a bell or high shelf above a lowpass's. */
static int boost_beyond_pass(const bx_band *b, const bx_band *p)
{
    if (!(b->gain_db > 0.0))
        return 0;
    if (p->type == BX_BIQUAD_HIGHPASS)
        return (b->type == BX_BIQUAD_PEAK || b->type == BX_BIQUAD_LOW_SHELF) &&
               b->freq_hz < p->freq_hz;
    if (p->type == BX_BIQUAD_LOWPASS)
        return (b->type == BX_BIQUAD_PEAK || b->type == BX_BIQUAD_HIGH_SHELF) &&
               b->freq_hz > p->freq_hz;
    return 0;
}

/* The peak, dB, of a second-order pass filter's resonance at quality q (0
 * when q <= 1/sqrt(2): no overshoot). */
static double resonance_db(double q)
{
    return q > 0.70710678118654752 ? 20.0 * log10(q / sqrt(1.0 - 1.0 / (4.0 * q * q))) : 0.0;
}

/* 1 if bell b cuts where pass p's resonance boosts (within
 * BX_EQFIT_OPPOSITE_SPACING_OCT of its corner, a resonance of 1 dB or more):
 * the pair cancels, where a pass of lower Q says it. */
static int cut_in_resonance(const bx_band *b, const bx_band *p)
{
    return b->type == BX_BIQUAD_PEAK && b->gain_db < 0.0 &&
           (p->type == BX_BIQUAD_HIGHPASS || p->type == BX_BIQUAD_LOWPASS) &&
           resonance_db(p->q) >= 1.0 &&
           fabs(log2(b->freq_hz / p->freq_hz)) < BX_EQFIT_OPPOSITE_SPACING_OCT;
}

unsigned bx_eqfit_faults_within(const bx_band *bands, unsigned n, double rate, double glo,
                                double ghi, double gmax_opt, char *why, size_t why_len, int *first)
{
    unsigned nf = 0;
    int at = -1; /* the band of the first fault */
#define FAULT(band, ...)                                                                           \
    do {                                                                                           \
        if (nf++ == 0) {                                                                           \
            at = (int)(band);                                                                      \
            if (why && why_len)                                                                    \
                snprintf(why, why_len, __VA_ARGS__);                                               \
        }                                                                                          \
    } while (0)
    for (unsigned k = 0; k < n; k++) {
        const bx_band *b = &bands[k];
        double flo, fhi, qlo, qhi, gmax;
        bx_eqfit_domain(b, rate, glo, ghi, &flo, &fhi, &qlo, &qhi, &gmax);
        gmax = fmin(gmax, gmax_opt);
        const char *t = bx_biquad_type_name(b->type);
        if (!(b->freq_hz >= flo * 0.99999 && b->freq_hz <= fhi * 1.00001))
            FAULT(k, "%s at %.1f Hz is outside %.0f..%.0f Hz", t, b->freq_hz, flo, fhi);
        else if (on_limit(b->freq_hz, flo, fhi))
            FAULT(k, "%s at %.1f Hz ends on its frequency limit", t, b->freq_hz);
        if (!(b->q >= qlo * 0.99999 && b->q <= qhi * 1.00001))
            FAULT(k, "%s at %.0f Hz has Q %.2f outside %.2f..%.2f", t, b->freq_hz, b->q, qlo, qhi);
        else if (on_limit(b->q, qlo, qhi))
            FAULT(k, "%s at %.0f Hz has its Q on a limit (%.2f)", t, b->freq_hz, b->q);
        if (bx_biquad_type_has_gain(b->type) && fabs(b->gain_db) >= gmax * 0.999)
            FAULT(k, "%s at %.0f Hz has its gain on a limit (%.1f dB)", t, b->freq_hz, b->gain_db);
        for (unsigned j = 0; j < n; j++) {
            /* a boost on the far side of a pass band's corner: the pair
             * cancels, where the pass's Q (or a shelf beside it) says it */
            if (j != k && boost_beyond_pass(b, &bands[j]))
                FAULT(k, "%s at %.0f Hz boosts %+.1f dB beyond the %s at %.0f Hz", t, b->freq_hz,
                      b->gain_db, bx_biquad_type_name(bands[j].type), bands[j].freq_hz);
            if (j != k && cut_in_resonance(b, &bands[j]))
                FAULT(k,
                      "%s at %.0f Hz cuts %+.1f dB in the resonance of the %s at %.0f Hz (Q %.2f)",
                      t, b->freq_hz, b->gain_db, bx_biquad_type_name(bands[j].type),
                      bands[j].freq_hz, bands[j].q);
        }
        for (unsigned j = k + 1; j < n; j++) {
            if (b->type != BX_BIQUAD_PEAK || bands[j].type != BX_BIQUAD_PEAK)
                continue;
            const double apart = fabs(log2(b->freq_hz / bands[j].freq_hz));
            if (apart < BX_EQFIT_PEAK_SPACING_OCT ||
                (apart < BX_EQFIT_OPPOSITE_SPACING_OCT && b->gain_db * bands[j].gain_db < 0))
                FAULT(fabs(b->gain_db) < fabs(bands[j].gain_db) ? k : j,
                      "peaks at %.0f and %.0f Hz (%+.1f and %+.1f dB) are %.2f octave apart",
                      b->freq_hz, bands[j].freq_hz, b->gain_db, bands[j].gain_db, apart);
        }
    }
#undef FAULT
    if (first)
        *first = at;
    return nf;
}

unsigned bx_eqfit_faults(const bx_band *bands, unsigned n, double rate_hz, char *why,
                         size_t why_len)
{
    if (why && why_len)
        why[0] = '\0';
    return bx_eqfit_faults_within(bands, n, rate_hz, 0.0, HUGE_VAL, HUGE_VAL, why, why_len, NULL);
}

int bx_eqfit_extend(const bx_band *b, double rate_hz, bx_band *out)
{
    double flo, fhi, qlo, qhi, gmax;
    bx_eqfit_domain(b, rate_hz, 0.0, HUGE_VAL, &flo, &fhi, &qlo, &qhi, &gmax);
    const int cut_at_limit = bx_biquad_type_has_gain(b->type) && b->gain_db <= -gmax * 0.999;
    const int low_edge = on_limit(b->freq_hz, flo, flo * 1e9);
    *out = *b;
    out->gain_db = 0.0;
    out->q = 0.7071;
    if ((b->type == BX_BIQUAD_LOW_SHELF && cut_at_limit) ||
        (b->type == BX_BIQUAD_PEAK && low_edge && b->gain_db < 0)) {
        out->type = BX_BIQUAD_HIGHPASS; /* a cut that wants to go on down */
    } else if (b->type == BX_BIQUAD_HIGH_SHELF && cut_at_limit) {
        out->type = BX_BIQUAD_LOWPASS;
    } else if (b->type == BX_BIQUAD_PEAK && on_limit(b->q, qlo, qlo * 1e9)) {
        /* wider than a bell: a shelf on the side it leans to */
        out->type = b->freq_hz < 1000.0 ? BX_BIQUAD_LOW_SHELF : BX_BIQUAD_HIGH_SHELF;
        out->gain_db = b->gain_db;
    } else {
        return 0;
    }
    bx_eqfit_clamp_band(out, rate_hz);
    return 1;
}

int bx_eqfit_fault_band(const bx_band *bands, unsigned n, double rate_hz)
{
    int at;
    bx_eqfit_faults_within(bands, n, rate_hz, 0.0, HUGE_VAL, HUGE_VAL, NULL, 0, &at);
    return at;
}
