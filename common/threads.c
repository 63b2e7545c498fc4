/* threads.c — threads.h on Win32 and on POSIX. */
#include "threads.h"

#include <stdatomic.h>

#include "bx/clock.h"

double thread_clock_s(void)
{
    return bx_clock_s();
}

/* ---- thread_parallel (the same on every platform) ---- */

typedef struct par_call {
    bx_task_fn fn;
    void *arg;
    size_t n;
    atomic_size_t next; /* the next task index to take */
} par_call;

typedef struct par_worker {
    par_call *call;
    unsigned id;
    thread_handle th;
} par_worker;

static void par_drain(par_call *c, unsigned worker)
{
    for (;;) {
        const size_t i = atomic_fetch_add(&c->next, 1);
        if (i >= c->n)
            return;
        c->fn(c->arg, worker, i);
    }
}

static void par_worker_main(void *arg)
{
    par_worker *w = arg;
    par_drain(w->call, w->id);
}

static void par_run(const bx_parallel *self, bx_task_fn fn, void *arg, size_t n)
{
    par_call c;
    c.fn = fn;
    c.arg = arg;
    c.n = n;
    atomic_init(&c.next, 0);
    unsigned want = self->workers < THREAD_PARALLEL_MAX ? self->workers : THREAD_PARALLEL_MAX;
    if ((size_t)want > n)
        want = (unsigned)n;
    par_worker w[THREAD_PARALLEL_MAX];
    unsigned started = 0; /* threads 1..started run */
    for (unsigned k = 1; k < want; k++) {
        w[k].call = &c;
        w[k].id = k;
        if (thread_start(&w[k].th, par_worker_main, &w[k]) != 0)
            break;
        started = k;
    }
    par_drain(&c, 0);
    for (unsigned k = 1; k <= started; k++)
        thread_join(&w[k].th);
}

void thread_parallel_init(bx_parallel *p, unsigned workers)
{
    p->workers = workers < 1 ? 1 : workers > THREAD_PARALLEL_MAX ? THREAD_PARALLEL_MAX : workers;
    p->run = par_run;
    p->ctx = NULL;
}

#ifdef _WIN32
#include <process.h>
#include <stdint.h>
#include <windows.h>

static unsigned __stdcall trampoline(void *p)
{
    thread_handle *t = p;
    fesetenv(&t->fenv);
    t->fn(t->arg);
    return 0;
}

int thread_start(thread_handle *t, thread_fn fn, void *arg)
{
    t->fn = fn;
    t->arg = arg;
    /* A new Windows thread starts with the system's default x87 control word
     * (53-bit precision) while MinGW's start-up code gives the main thread
     * 64-bit precision, and MinGW's libm (pow, exp) computes on the x87: the
     * same call would differ by thread and results by worker count. Hand the
     * starting thread's environment over, as POSIX threads inherit it. */
    fegetenv(&t->fenv);
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

void thread_yield(void)
{
    SwitchToThread();
}

unsigned thread_cpu_count(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors > 0 ? (unsigned)si.dwNumberOfProcessors : 1u;
}

#else
#include <sched.h>
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

void thread_yield(void)
{
    sched_yield();
}

unsigned thread_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}

#endif
