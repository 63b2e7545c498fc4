/* eqfit_domain.h — the domain of fitted bands, for bx_eqfit and its
 * neighbours (internal to libbx; the public side is in bx/eqfit.h). */
#ifndef BX_EQFIT_DOMAIN_H
#define BX_EQFIT_DOMAIN_H

#include <stddef.h>

#include "bx/eqfit.h"

/** bx_eqfit_band_limits for b where it is (narrow peaks only above
 * BX_EQFIT_NARROW_HZ), and no further than a grid [glo, ghi] reaches (half an
 * octave below it, 1.5 times above; 0 and HUGE_VAL: no grid). */
void bx_eqfit_domain(const bx_band *b, double rate, double glo, double ghi, double *flo,
                     double *fhi, double *qlo, double *qhi, double *gmax);

/** Clamp b into bx_eqfit_domain, gains within gmax_opt and the low-boost bound. */
void bx_eqfit_clamp_within(bx_band *b, double rate, double glo, double ghi, double gmax_opt);

/** bx_eqfit_faults within a grid [glo, ghi] and the gain limit gmax_opt; *first
 * (may be NULL) gets the band of the first fault, or -1. */
unsigned bx_eqfit_faults_within(const bx_band *bands, unsigned n, double rate, double glo,
                                double ghi, double gmax_opt, char *why, size_t why_len, int *first);

#endif /* BX_EQFIT_DOMAIN_H */
