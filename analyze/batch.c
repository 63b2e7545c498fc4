/* batch.c — worker threads, progress and summary of a bxanalyze batch. */
#include "batch.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bx/preset.h"
#include "exitcode.h"
#include "exports.h"
#include "report.h"
#include "threads.h"

#ifdef _WIN32
#include <io.h>
#define stderr_is_tty() _isatty(_fileno(stderr))
#else
#include <unistd.h>
#define stderr_is_tty() isatty(fileno(stderr))
#endif

#define MAX_WORKERS 256
#define POLL_MS 5      /* the main thread looks for finished files this often */
#define BAR_EVERY 20   /* and redraws the progress line every BAR_EVERY looks */
#define BAR_COLUMNS 79 /* the progress line never wraps on an 80-column terminal */

typedef enum item_state { ITEM_NOT_STARTED = 0, ITEM_OK, ITEM_FAILED } item_state;

typedef struct item {
    const input_file *in;
    char *out_path, *plot_path;
    item_state state;
    int exit_code;
    char *msg;  /* why it failed ("FILE: problem"); NULL if out of memory */
    char *json; /* the preset as JSON, with --json */
    double seconds, eq_error_db;
} item;

typedef struct batch {
    const cli_opts *o;
    const bx_take *source;
    item *items;
    size_t n;
    atomic_size_t next;     /* index of the next file to take */
    atomic_size_t finished; /* slots of `order` claimed */
    atomic_long *order;     /* item indices in the order they finished; -1: not yet */
    atomic_uint running;
    atomic_uint alive; /* workers that have not returned */
} batch;

static void fail_item(item *it, int code, const bx_error *err)
{
    const char *path = it->in->path;
    const size_t len = strlen(path) + strlen(err->msg) + 3;
    it->state = ITEM_FAILED;
    it->exit_code = cli_worst_exit(it->exit_code, code);
    bx_free(it->msg);
    if ((it->msg = bx_malloc(len)) != NULL) {
        /* every message names a file; if it does not name the input, say which input it was */
        if (strstr(err->msg, path) || strstr(err->msg, it->out_path) ||
            (it->plot_path && strstr(err->msg, it->plot_path)))
            snprintf(it->msg, len, "%s", err->msg);
        else
            snprintf(it->msg, len, "%s: %s", path, err->msg);
    }
}

static void run_item(batch *b, item *it)
{
    const cli_opts *o = b->o;
    bx_analysis_result res;
    bx_error err;
    bx_error_clear(&err);
    const double t = thread_clock_s();
    bx_status st = bx_analysis_run(it->in->path, o->mode, b->source, NULL, &o->job, &res, &err);
    if (st) {
        fail_item(it, cli_exit_for_input(st), &err);
        goto out;
    }
    if (o->json && !(it->json = bx_preset_to_json(&res.preset, &err))) {
        fail_item(it, BX_EXIT_INTERNAL, &err);
    } else if ((st = bx_preset_save(it->out_path, &res.preset, &err)) != BX_OK) {
        fail_item(it, cli_exit_for_output(st), &err);
    } else if (it->plot_path &&
               (st = report_write_svg(it->plot_path, &res,
                                      &(report_info){it->in->path, o->source_path, it->out_path,
                                                     thread_clock_s() - t},
                                      &err)) != BX_OK) {
        fail_item(it, cli_exit_for_output(st), &err);
    } else if (o->exports &&
               (st = exports_write(o->exports, &res.preset.chain, res.preset.name,
                                   o->export_rate_hz, it->out_path, NULL, 1, &err)) != BX_OK) {
        fail_item(it, cli_exit_for_output(st), &err);
    }
    if (it->state != ITEM_FAILED) {
        it->state = ITEM_OK;
        it->eq_error_db = res.eq_error_db;
    }
    bx_analysis_result_free(&res);
out:
    it->seconds = thread_clock_s() - t;
}

static void worker(void *arg)
{
    batch *b = arg;
    while (!atomic_load(&cli_stop)) {
        const size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->n)
            break;
        atomic_fetch_add(&b->running, 1u);
        run_item(b, &b->items[i]);
        const size_t k = atomic_fetch_add(&b->finished, 1);
        atomic_store_explicit(&b->order[k], (long)i, memory_order_release);
        atomic_fetch_sub(&b->running, 1u);
    }
    atomic_fetch_sub_explicit(&b->alive, 1u, memory_order_release);
}

/* ---- progress ------------------------------------------------------------------ */

typedef struct progress {
    int tty, quiet;
    size_t total, done, failed;
    int bar_len;   /* characters of the bar line on screen (0: none) */
    char bar[256]; /* what it shows */
    double t0;
} progress;

static void fmt_duration(char *buf, size_t size, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

static void bar_clear(progress *p)
{
    if (p->bar_len > 0)
        fprintf(stderr, "\r%*s\r", p->bar_len, "");
    p->bar_len = 0;
}

static void bar_draw(progress *p, unsigned running, int stopping)
{
    if (!p->tty || p->quiet)
        return;
    enum { WIDTH = 20 };
    char bar[WIDTH + 1], elapsed[32], eta[32], line[256];
    const double now = thread_clock_s() - p->t0;
    const size_t fill = p->total ? p->done * WIDTH / p->total : WIDTH;
    for (size_t i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '-';
    bar[WIDTH] = '\0';
    fmt_duration(elapsed, sizeof elapsed, now);
    if (stopping)
        snprintf(eta, sizeof eta, "stopping");
    else if (p->done > 0 && p->done < p->total) {
        char t[24];
        fmt_duration(t, sizeof t, now / p->done * (p->total - p->done));
        snprintf(eta, sizeof eta, "ETA %s", t);
    } else
        snprintf(eta, sizeof eta, "ETA --:--");
    int len = snprintf(line, sizeof line, "[%s] %zu/%zu  %zu failed  %u running  %s  %s", bar,
                       p->done, p->total, p->failed, running, elapsed, eta);
    if (len > BAR_COLUMNS)
        len = BAR_COLUMNS;
    line[len] = '\0';
    if (p->bar_len == len && strcmp(p->bar, line) == 0)
        return;
    snprintf(p->bar, sizeof p->bar, "%s", line);
    fprintf(stderr, "\r%.*s%*s", len, line, p->bar_len > len ? p->bar_len - len : 0, "");
    fflush(stderr);
    p->bar_len = len;
}

static void report_item(progress *p, const item *it)
{
    p->done++;
    if (it->state == ITEM_FAILED) {
        p->failed++;
        bar_clear(p);
        fprintf(stderr, "bxanalyze: %s\n", it->msg ? it->msg : "out of memory");
    } else if (!p->tty && !p->quiet) {
        fprintf(stderr, "[%zu/%zu] %s -> %s (%.2f s)\n", p->done, p->total, it->in->path,
                it->out_path, it->seconds);
    }
}

/* ---- results --------------------------------------------------------------------- */

/* A JSON string; bytes that are not UTF-8 become U+FFFD. */
static void json_string(FILE *f, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    fputc('"', f);
    while (*u) {
        size_t n = *u < 0x80         ? 1
                   : (*u >> 5) == 6  ? 2
                   : (*u >> 4) == 14 ? 3
                   : (*u >> 3) == 30 ? 4
                                     : 0;
        for (size_t k = 1; k < n; k++) /* stops at the NUL: it is no continuation byte */
            if ((u[k] & 0xC0) != 0x80)
                n = 0;
        if (n == 0) {
            fputs("\\ufffd", f);
            u++;
        } else if (n > 1) {
            fwrite(u, 1, n, f);
            u += n;
        } else {
            if (*u == '"' || *u == '\\')
                fprintf(f, "\\%c", *u);
            else if (*u < 0x20)
                fprintf(f, "\\u%04x", *u);
            else
                fputc(*u, f);
            u++;
        }
    }
    fputc('"', f);
}

static void print_json(const batch *b, const input_list *in, size_t ok, size_t failed,
                       size_t not_started, double seconds, int interrupted)
{
    printf("{\n  \"files\": [");
    for (size_t i = 0; i < b->n; i++) {
        const item *it = &b->items[i];
        printf("%s\n    {\"input\": ", i ? "," : "");
        json_string(stdout, it->in->path);
        printf(", \"output\": ");
        json_string(stdout, it->out_path);
        if (it->plot_path) {
            printf(", \"plot\": ");
            json_string(stdout, it->plot_path);
        }
        if (it->state == ITEM_OK) {
            printf(
                ", \"status\": \"ok\", \"seconds\": %.3f, \"eq_error_db\": %.3f, \"preset\": %s}",
                it->seconds, it->eq_error_db, it->json);
        } else if (it->state == ITEM_FAILED) {
            printf(", \"status\": \"failed\", \"exit_code\": %d, \"error\": ", it->exit_code);
            json_string(stdout, it->msg ? it->msg : "out of memory");
            printf("}");
        } else {
            printf(", \"status\": \"not started\"}");
        }
    }
    printf("%s],\n  \"ok\": %zu, \"failed\": %zu, \"skipped\": %zu, \"not_started\": %zu,\n"
           "  \"seconds\": %.3f, \"interrupted\": %s\n}\n",
           b->n ? "\n  " : "", ok, failed, in->skipped, not_started, seconds,
           interrupted ? "true" : "false");
}

static void print_summary(const batch *b, const cli_opts *o, const input_list *in, size_t ok,
                          size_t failed, size_t not_started, double seconds, unsigned workers)
{
    printf("files      %zu ok, %zu failed, %zu skipped (not audio)", ok, failed, in->skipped);
    if (not_started)
        printf(", %zu not started (interrupted)", not_started);
    printf("\noutput     %s", o->out_path);
    if (o->plot_path)
        printf(" (presets), %s (SVG reports)", o->plot_path);
    printf("\n");
    const char *label = "failed     ";
    for (size_t i = 0; i < b->n; i++) {
        if (b->items[i].state == ITEM_FAILED) {
            printf("%s%s\n", label, b->items[i].in->path);
            label = "           ";
        }
    }
    printf("time       %.2f s wall, %u thread%s\n", seconds, workers, workers == 1 ? "" : "s");
}

/* ---- the run ----------------------------------------------------------------------- */

int batch_run(const cli_opts *o, const input_list *in, const bx_take *source, double t0)
{
    int rc = in->exit_code;
    batch b = {.o = o, .source = source, .n = in->n};
    thread_handle *threads = NULL;
    unsigned workers = 0;
    progress p = {.tty = stderr_is_tty(), .quiet = o->quiet, .total = in->n, .t0 = t0};

    void *order_mem = bx_malloc((in->n + 1) * sizeof *b.order); /* freed as plain memory */
    b.order = order_mem;
    b.items = bx_calloc(in->n + 1, sizeof *b.items);
    if (!b.items || !order_mem)
        goto nomem;
    for (size_t i = 0; i < in->n; i++) {
        item *it = &b.items[i];
        it->in = &in->files[i];
        it->out_path = cli_join(o->out_path, it->in->name, ".json");
        it->plot_path = o->plot_path ? cli_join(o->plot_path, it->in->name, ".svg") : NULL;
        if (!it->out_path || (o->plot_path && !it->plot_path))
            goto nomem;
        atomic_init(&b.order[i], -1L);
    }
    unsigned want = o->threads ? o->threads : thread_cpu_count();
    if (want > MAX_WORKERS)
        want = MAX_WORKERS;
    if (want > in->n)
        want = in->n ? (unsigned)in->n : 1u;
    if (!(threads = bx_calloc(want, sizeof *threads)))
        goto nomem;
    atomic_init(&b.alive, want);
    for (; workers < want; workers++) {
        if (thread_start(&threads[workers], worker, &b) != 0)
            break;
    }
    atomic_fetch_sub(&b.alive, want - workers);
    if (workers == 0) {
        fprintf(stderr, "bxanalyze: cannot start a worker thread\n");
        rc = BX_EXIT_INTERNAL;
        goto out;
    }

    size_t shown = 0;
    int told_stop = 0;
    unsigned looks = 0;
    for (;;) {
        const int all_done = atomic_load_explicit(&b.alive, memory_order_acquire) == 0;
        long idx;
        while (shown < b.n &&
               (idx = atomic_load_explicit(&b.order[shown], memory_order_acquire)) >= 0) {
            report_item(&p, &b.items[idx]);
            shown++;
        }
        if (atomic_load(&cli_stop) && !told_stop) {
            const unsigned running = atomic_load(&b.running);
            told_stop = 1;
            bar_clear(&p);
            fprintf(stderr,
                    "bxanalyze: interrupted; starting no more files, finishing the %u in progress "
                    "(interrupt again to abandon them unwritten)\n",
                    running);
        }
        if (all_done)
            break;
        if (looks++ % BAR_EVERY == 0)
            bar_draw(&p, atomic_load(&b.running), told_stop);
        thread_sleep_ms(POLL_MS);
    }
    bar_clear(&p);
    for (unsigned i = 0; i < workers; i++)
        thread_join(&threads[i]);

    size_t ok = 0, failed = in->failed, not_started = 0;
    for (size_t i = 0; i < b.n; i++) {
        const item *it = &b.items[i];
        if (it->state == ITEM_OK)
            ok++;
        else if (it->state == ITEM_FAILED)
            failed++, rc = cli_worst_exit(rc, it->exit_code);
        else
            not_started++;
    }
    const double seconds = thread_clock_s() - t0;
    const int interrupted = atomic_load(&cli_stop) != 0;
    if (o->json)
        print_json(&b, in, ok, failed, not_started, seconds, interrupted);
    else if (!o->quiet)
        print_summary(&b, o, in, ok, failed, not_started, seconds, workers);
    if (interrupted)
        rc = BX_EXIT_INTERRUPTED;
    goto out;
nomem:
    fprintf(stderr, "bxanalyze: out of memory\n");
    rc = BX_EXIT_INTERNAL;
out:
    for (size_t i = 0; b.items && i < b.n; i++) {
        bx_free(b.items[i].out_path);
        bx_free(b.items[i].plot_path);
        bx_free(b.items[i].msg);
        bx_free(b.items[i].json);
    }
    bx_free(b.items);
    bx_free(order_mem);
    bx_free(threads);
    return rc;
}
