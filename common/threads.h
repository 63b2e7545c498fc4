/*
 * threads.h — what the programs need from the operating system to run
 * jobs in parallel: start and join a thread (pthreads on POSIX, Win32 threads
 * on Windows), sleep, count processors, read a monotonic clock. Threads
 * communicate through C11 atomics; there are no locks.
 */
#ifndef BX_COMMON_THREADS_H
#define BX_COMMON_THREADS_H

#ifdef _WIN32
#include <fenv.h>
#else
#include <pthread.h>
#endif

#include "bx/parallel.h"

/** Stack size given to every thread, bytes (the platforms' defaults differ, 512 KiB to 8 MiB). */
#define THREAD_STACK_BYTES (8u * 1024u * 1024u)

typedef void (*thread_fn)(void *arg);

/** One thread. Owned by the caller; must stay in place until thread_join. */
typedef struct thread_handle {
#ifdef _WIN32
    void *handle; /* HANDLE */
    fenv_t fenv;  /* the starting thread's floating-point environment (see thread_start) */
#else
    pthread_t id;
#endif
    thread_fn fn;
    void *arg;
} thread_handle;

/** Start fn(arg) on a new thread. Returns 0, or -1 if the system refused. */
int thread_start(thread_handle *t, thread_fn fn, void *arg);

/** Wait for a started thread to return, and release it. */
void thread_join(thread_handle *t);

/** Sleep for about ms milliseconds (a signal may end it early). */
void thread_sleep_ms(unsigned ms);

/** Let another runnable thread have this processor, if one is waiting. */
void thread_yield(void);

/** Processors available to this process (at least 1). */
unsigned thread_cpu_count(void);

/** Seconds on a monotonic clock (only differences mean anything). */
double thread_clock_s(void);

/** Most workers a thread_parallel runs at once. */
#define THREAD_PARALLEL_MAX 16

/**
 * A bx_parallel for libbx's fits: each call starts up to workers - 1 threads
 * (capped at THREAD_PARALLEL_MAX), which take task indices from an atomic
 * counter alongside the calling thread, and joins them before returning. A
 * thread the system refuses is simply not used. workers <= 1: in order on
 * the calling thread.
 */
void thread_parallel_init(bx_parallel *p, unsigned workers);

#endif
