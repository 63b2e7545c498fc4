/* tooltime.h — what the POSIX-only JACK test tools (jack_io, pa_passthrough)
 * share: a stop flag set from SIGINT/SIGTERM, a sleep and a monotonic clock. */
#ifndef BX_TOOLTIME_H
#define BX_TOOLTIME_H

#include <stdatomic.h>
#include <time.h>

static atomic_int stop_requested; /* lock-free, so safe to set from a handler */

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&stop_requested, 1);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Seconds on a monotonic clock. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

#endif
