/* parallel.c — dispatch to a caller-supplied bx_parallel, or run in order. */
#include "bx/parallel.h"

unsigned bx_parallel_workers(const bx_parallel *par)
{
    return par && par->run && par->workers > 1 ? par->workers : 1u;
}

void bx_parallel_for(const bx_parallel *par, bx_task_fn fn, void *arg, size_t n)
{
    if (n > 1 && bx_parallel_workers(par) > 1) {
        par->run(par, fn, arg, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        fn(arg, 0, i);
}
