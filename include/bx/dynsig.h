/*
 * bx/dynsig.h — a dynamics signature: what the level statistics of a
 * performance say about how it was compressed. The --source compressor fit
 * (bx/compfit.h) makes the take's signature, through the compressor, match
 * the reference's.
 */
#ifndef BX_DYNSIG_H
#define BX_DYNSIG_H

#include <stddef.h>

#include "bx/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Quantiles (percent) of the envelope levels that make up a dynamics signature. */
#define BX_DYNSIG_NQ 13
extern const double bx_dynsig_percent[BX_DYNSIG_NQ];

/** Dynamics signature: envelope-level quantiles (dBFS) at 10 ms and 50 ms, and crest. */
typedef struct bx_dynsig {
    double q10[BX_DYNSIG_NQ]; /**< quantiles of the 10 ms RMS envelope, frames within 60 dB of the
                                 loudest */
    double q50[BX_DYNSIG_NQ]; /**< same for 50 ms frames */
    double crest_db; /**< 99.9th percentile of the peaks of 0.5 ms blocks (BX_COMPFIT_BLOCK_MS)
                          over the RMS, dB */
} bx_dynsig;

/** Signature of mono x (n samples at rate_hz). BX_ERR_AUDIO if silent or shorter than 0.5 s. */
bx_status bx_dynsig_compute(const float *x, size_t n, double rate_hz, bx_dynsig *out,
                            bx_error *err);

/**
 * Distance between signatures, dB: RMS over all quantiles of (a - b - offset),
 * with the offset that minimises it (returned in *offset_db if not NULL),
 * plus the crest difference as one more term.
 */
double bx_dynsig_distance(const bx_dynsig *a, const bx_dynsig *b, double *offset_db);

#ifdef __cplusplus
}
#endif
#endif /* BX_DYNSIG_H */
