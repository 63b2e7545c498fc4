/* testutil.h — tiny helpers shared by the C tests: deterministic noise,
 * failure reporting, dB conversions. */
#ifndef BX_TESTUTIL_H
#define BX_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "bx/chain.h"

/** Seeded xorshift64*; uniform in [-1, 1). */
double tu_noise(uint64_t *state);

/** 20 log10(x), with a floor of -400 dB for 0. */
double tu_db(double lin);

/** Count of failed checks so far (tu_check increments it). */
extern int tu_failures;

/** Record a failed promise with a printf-style description (printed to stderr). */
void tu_fail(const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 1, 2))) /* MinGW with __USE_MINGW_ANSI_STDIO */
#elif defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/**
 * Run mono x (n samples) through a fresh chain made from p at rate_hz into y
 * (y may be x). Returns 0, or -1 (reported with tu_fail) if the chain cannot
 * be made.
 */
int tu_run_chain(const bx_chain_params *p, double rate_hz, const float *x, float *y, size_t n);

/**
 * Make a fresh, empty folder "<system temp folder>/<prefix>XXXXXX" (TMPDIR or
 * /tmp; on Windows GetTempPath) and write its path into buf. Returns buf, or
 * NULL (errno set) if it cannot be made or does not fit in size bytes.
 */
char *tu_temp_dir(char *buf, size_t size, const char *prefix);

/** Print a summary line and return the process exit status (0 if all passed). */
int tu_finish(const char *suite, int checks);

#endif
