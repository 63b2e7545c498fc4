/*
 * bx/chainfit.h — refine a whole chain against a recording of its output.
 *
 * Given the dry signal x and the processed signal y (aligned, mono), adjust
 * every EQ band (frequency, gain, Q; kept where bx_eqfit would put it and
 * never onto a set bx_eqfit_faults finds fault with), the compressor (threshold, ratio,
 * attack, release, knee) and the output level together so that the chain's output
 * matches y sample by sample: Levenberg–Marquardt on the waveform error, with
 * the Jacobian from finite differences of real bx_chain renders. Used by
 * `bxanalyze --paired` after the spectral and gain-trace fits, which give
 * the starting point.
 */
#ifndef BX_CHAINFIT_H
#define BX_CHAINFIT_H

#include <stddef.h>

#include "bx/chain.h"
#include "bx/error.h"
#include "bx/parallel.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Refine p in place. The error counts samples [warmup, n) (the first warmup
 * samples let filters and detector settle). The limiter is ignored. p is
 * changed only if the refined chain fits better; *snr_db (may be NULL) gets the
 * final 10 log10(sum y^2 / sum (y - out)^2) over the counted samples. par
 * (NULL: this thread only) renders the Jacobian's columns and forms the
 * normal equations on several threads; the result does not depend on it.
 */
bx_status bx_chainfit_refine(const float *x, const float *y, size_t n, size_t warmup,
                             double rate_hz, int iterations, const bx_parallel *par,
                             bx_chain_params *p, double *snr_db, bx_error *err);

/**
 * Scratch for refinements, kept from one to the next: a refinement's renders
 * take tens of MB, and fresh memory for each costs more than the arithmetic
 * where many short refinements run (bxanalyze --paired's detector race).
 * One workspace serves one refinement at a time. create: NULL if out of
 * memory; destroy(NULL) does nothing.
 */
typedef struct bx_chainfit_ws bx_chainfit_ws;
bx_chainfit_ws *bx_chainfit_ws_create(void);
void bx_chainfit_ws_destroy(bx_chainfit_ws *ws);

/** bx_chainfit_refine in the workspace ws (grown as needed, kept). */
bx_status bx_chainfit_refine_ws(bx_chainfit_ws *ws, const float *x, const float *y, size_t n,
                                size_t warmup, double rate_hz, int iterations,
                                const bx_parallel *par, bx_chain_params *p, double *snr_db,
                                bx_error *err);

#ifdef __cplusplus
}
#endif
#endif /* BX_CHAINFIT_H */
