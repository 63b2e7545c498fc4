/* clock.c — bx/clock.h on Win32 and on POSIX. */
#include "bx/clock.h"

#ifdef _WIN32
#include <windows.h>

double bx_clock_s(void)
{
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
}

#else
#include <time.h>

double bx_clock_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
#endif
