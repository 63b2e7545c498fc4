/* threads.c — threads.h on Win32 and on POSIX. */
#include "threads.h"

#ifdef _WIN32
#include <process.h>
#include <stdint.h>
#include <windows.h>

static unsigned __stdcall trampoline(void *p)
{
    thread_handle *t = p;
    t->fn(t->arg);
    return 0;
}

int thread_start(thread_handle *t, thread_fn fn, void *arg)
{
    t->fn = fn;
    t->arg = arg;
    uintptr_t h = _beginthreadex(NULL, THREAD_STACK_BYTES, trampoline, t, 0, NULL);
    t->handle = (void *)h;
    return h ? 0 : -1;
}

void thread_join(thread_handle *t)
{
    WaitForSingleObject((HANDLE)t->handle, INFINITE);
    CloseHandle((HANDLE)t->handle);
    t->handle = NULL;
}

void thread_sleep_ms(unsigned ms)
{
    Sleep(ms);
}

unsigned thread_cpu_count(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors > 0 ? (unsigned)si.dwNumberOfProcessors : 1u;
}

double thread_clock_s(void)
{
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
}

#else
#include <time.h>
#include <unistd.h>

static void *trampoline(void *p)
{
    thread_handle *t = p;
    t->fn(t->arg);
    return NULL;
}

int thread_start(thread_handle *t, thread_fn fn, void *arg)
{
    t->fn = fn;
    t->arg = arg;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return -1;
    pthread_attr_setstacksize(&attr, THREAD_STACK_BYTES); /* keep the default if refused */
    int rc = pthread_create(&t->id, &attr, trampoline, t);
    pthread_attr_destroy(&attr);
    return rc == 0 ? 0 : -1;
}

void thread_join(thread_handle *t)
{
    pthread_join(t->id, NULL);
}

void thread_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    nanosleep(&ts, NULL);
}

unsigned thread_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}

double thread_clock_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
#endif
