/*
 * bx/parallel.h — how libbx's fits use more than one processor without
 * libbx itself starting threads.
 *
 * The searches in bx_eqfit and bx_compfit evaluate many independent
 * candidates. They hand those to a bx_parallel supplied by the caller, which
 * may run them on several threads; libbx then combines the results in index
 * order, so a fit's result is the same, bit for bit, whatever the number of
 * workers. A NULL bx_parallel (or one with one worker) runs everything in
 * order on the calling thread.
 */
#ifndef BX_PARALLEL_H
#define BX_PARALLEL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One task: index in [0, n), worker in [0, workers) — tasks that run at the
 * same time have different workers, so per-worker scratch needs no lock. */
typedef void (*bx_task_fn)(void *arg, unsigned worker, size_t index);

typedef struct bx_parallel {
    unsigned workers; /**< tasks that may run at once (>= 1) */
    /** Run fn(arg, worker, i) once for every i in [0, n) and return when all
     * have returned. Must give concurrent tasks different worker numbers. */
    void (*run)(const struct bx_parallel *self, bx_task_fn fn, void *arg, size_t n);
    void *ctx; /**< the implementation's own */
} bx_parallel;

/** Workers par offers: 1 if par is NULL. */
unsigned bx_parallel_workers(const bx_parallel *par);

/** Run fn for every index in [0, n): through par, or in order on this thread
 * (worker 0) if par is NULL, has one worker, or n < 2. */
void bx_parallel_for(const bx_parallel *par, bx_task_fn fn, void *arg, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* BX_PARALLEL_H */
