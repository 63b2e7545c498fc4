/* bx/clock.h — a monotonic clock, for timing work (only differences mean anything). */
#ifndef BX_CLOCK_H
#define BX_CLOCK_H

#ifdef __cplusplus
extern "C" {
#endif

/** Seconds on a monotonic clock: QueryPerformanceCounter on Windows,
 * CLOCK_MONOTONIC elsewhere. */
double bx_clock_s(void);

#ifdef __cplusplus
}
#endif
#endif /* BX_CLOCK_H */
