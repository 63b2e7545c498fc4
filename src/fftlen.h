/*
 * fftlen.h (internal) — which real-FFT lengths KissFFT runs without allocating.
 *
 * kiss_fftr runs a complex FFT of nfft/2 points; radices other than 2, 3, 4
 * and 5 take scratch memory from malloc on every transform, which libbx's
 * analysis must not do (its memory goes through bx_malloc and can fail
 * cleanly).
 */
#ifndef BX_FFTLEN_H
#define BX_FFTLEN_H

#include <stddef.h>

/** 1 if nfft is even and nfft/2 has no prime factor other than 2, 3 and 5. */
static inline int bx_fftr_len_ok(size_t nfft)
{
    if (nfft < 2 || nfft % 2)
        return 0;
    size_t n = nfft / 2;
    while (n % 2 == 0)
        n /= 2;
    while (n % 3 == 0)
        n /= 3;
    while (n % 5 == 0)
        n /= 5;
    return n == 1;
}

#endif
