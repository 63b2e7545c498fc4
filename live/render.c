/* render.c — offline rendering through bx_engine_process, the function the
 * live callback runs, at the live block size.
 *
 * Decoding and encoding run on a second thread, beside the DSP: a ring of
 * RING_SLOTS buffers goes round (read by the I/O thread, processed in order
 * by the main thread, written by the I/O thread). The DSP sees the same
 * samples in the same order in the same blocks as without the thread, so the
 * output is the same bit for bit; the file work just stops adding to the
 * time. Counters are C11 atomics; a side with nothing to do yields the
 * processor for a while (a buffer takes well under a millisecond), then
 * naps. */
#include "render.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bx/chain.h"
#include "bx/engine.h"
#include "bx/fsutil.h"
#include "bx/preset.h"
#include "exitcode.h"
#include "threads.h"

volatile sig_atomic_t render_stop;

#define IO_FRAMES 16384 /* frames per buffer */
#define RING_SLOTS 8    /* buffers in flight */

/* The buffers and who has them: slot k % RING_SLOTS holds buffer number k.
 * Buffer k is the I/O thread's to fill while k >= filled, the DSP's while
 * processed <= k < filled, and the I/O thread's to write while
 * written <= k < processed. */
typedef struct pipeline {
    bx_audio_reader *in;
    bx_audio_writer *out;
    unsigned channels;
    float *buf[RING_SLOTS];
    long long frames[RING_SLOTS]; /* frames in each slot */
    atomic_llong filled, processed, written;
    atomic_int eof;       /* the reader has put its last buffer in */
    atomic_int dsp_done;  /* the DSP has processed all it will */
    atomic_int io_failed; /* 1: reading failed, 2: writing failed (message in err) */
    atomic_int stop;      /* the DSP side gave up: the I/O thread leaves */
    bx_error err;
} pipeline;

/* Nothing to do: yield for the first SPIN_YIELDS times in a row, then sleep. */
#define SPIN_YIELDS 20000

static void idle(unsigned *spins)
{
    if (++*spins < SPIN_YIELDS)
        thread_yield();
    else
        thread_sleep_ms(1);
}

static void io_main(void *arg)
{
    pipeline *p = arg;
    long long filled = 0, written = 0;
    int eof = 0;
    unsigned spins = 0;
    for (;;) {
        if (atomic_load_explicit(&p->stop, memory_order_acquire))
            return;
        int busy = 0;
        /* write what the DSP has finished, in order */
        const long long processed = atomic_load_explicit(&p->processed, memory_order_acquire);
        while (written < processed) {
            const int k = (int)(written % RING_SLOTS);
            if (bx_audio_writer_write(p->out, p->buf[k], (size_t)p->frames[k], &p->err)) {
                atomic_store_explicit(&p->io_failed, 2, memory_order_release);
                return;
            }
            written++;
            atomic_store_explicit(&p->written, written, memory_order_release);
            busy = 1;
        }
        if (eof && atomic_load_explicit(&p->dsp_done, memory_order_acquire) &&
            written == atomic_load_explicit(&p->processed, memory_order_acquire))
            return;
        /* read ahead into the free slots */
        if (!eof && filled - written < RING_SLOTS) {
            const int k = (int)(filled % RING_SLOTS);
            const long long got = bx_audio_read(p->in, p->buf[k], IO_FRAMES, &p->err);
            if (got < 0) {
                atomic_store_explicit(&p->io_failed, 1, memory_order_release);
                return;
            }
            if (got == 0) {
                eof = 1;
                atomic_store_explicit(&p->eof, 1, memory_order_release);
            } else {
                p->frames[k] = got;
                filled++;
                atomic_store_explicit(&p->filled, filled, memory_order_release);
            }
            busy = 1;
        }
        if (busy)
            spins = 0;
        else
            idle(&spins);
    }
}

static double db(double lin)
{
    return lin > 0 ? 20.0 * log10(lin) : -INFINITY;
}

static int exit_for_preset(bx_status st)
{
    return st == BX_ERR_NOMEM ? BX_EXIT_INTERNAL : BX_EXIT_PRESET;
}

int render_run(const render_opts *o)
{
    bx_error err;
    bx_preset preset;
    bx_audio_reader *in = NULL;
    bx_audio_writer *out = NULL;
    bx_engine *engine = NULL;
    bx_chain *chain = NULL;
    pipeline *pl = NULL;
    thread_handle io;
    int io_running = 0;
    int rc = BX_EXIT_OK;
    bx_audio_info info;

    bx_status st = bx_preset_load(o->preset_path, &preset, &err);
    if (st) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        return exit_for_preset(st);
    }
    st = bx_audio_open(o->in_path, &in, &info, &err);
    if (!st && (o->start_s > 0.0 || o->end_s >= 0.0))
        st = bx_audio_set_excerpt(in, o->start_s, o->end_s, &info, &err);
    if (st) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        rc = st == BX_ERR_NOMEM ? BX_EXIT_INTERNAL : BX_EXIT_INPUT;
        goto out;
    }
    /* "-" in and "-" out are two streams, standard input and output */
    if (strcmp(o->in_path, "-") != 0 &&
        (strcmp(o->in_path, o->out_path) == 0 || bx_same_file(o->in_path, o->out_path))) {
        fprintf(stderr, "bxlive: %s: refusing to overwrite the input file\n", o->out_path);
        rc = BX_EXIT_OUTPUT;
        goto out;
    }
    if (info.channels > BX_MAX_CHANNELS) {
        fprintf(stderr, "bxlive: %s: %u channels, bx processes at most %d\n", o->in_path,
                info.channels, BX_MAX_CHANNELS);
        rc = BX_EXIT_INPUT;
        goto out;
    }
    chain = bx_chain_create(&preset.chain, info.rate_hz, info.channels, &err);
    if (!chain) {
        fprintf(stderr, "bxlive: %s: %s (%s is %g Hz)\n", o->preset_path, err.msg, o->in_path,
                info.rate_hz);
        rc = err.code == BX_ERR_NOMEM ? BX_EXIT_INTERNAL : BX_EXIT_PRESET;
        goto out;
    }
    engine = bx_engine_create(chain, info.rate_hz, info.channels, &err);
    if (!engine) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        rc = BX_EXIT_INTERNAL;
        goto out;
    }
    chain = NULL; /* the engine owns it */
    bx_engine_set_bypass(engine, o->bypass);
    bx_engine_reset(engine);

    pl = bx_calloc(1, sizeof *pl);
    for (int k = 0; pl && k < RING_SLOTS; k++)
        if (!(pl->buf[k] = bx_malloc((size_t)IO_FRAMES * info.channels * sizeof(float))))
            break;
    if (!pl || !pl->buf[RING_SLOTS - 1]) {
        fprintf(stderr, "bxlive: out of memory\n");
        rc = BX_EXIT_INTERNAL;
        goto out;
    }
    st = bx_audio_writer_create(o->out_path, info.rate_hz, info.channels, o->encoding, info.frames,
                                &out, &err);
    if (st) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        rc = st == BX_ERR_ARG     ? BX_EXIT_USAGE
             : st == BX_ERR_NOMEM ? BX_EXIT_INTERNAL
                                  : BX_EXIT_OUTPUT;
        goto out;
    }
    pl->in = in;
    pl->out = out;
    pl->channels = info.channels;
    if (thread_start(&io, io_main, pl) != 0) {
        fprintf(stderr, "bxlive: cannot start a thread\n");
        rc = BX_EXIT_INTERNAL;
        goto out;
    }
    io_running = 1;

    double in_peak = 0, out_peak = 0, comp_gr = 0, lim_gr = 0;
    long long total = 0, processed = 0;
    unsigned spins = 0;
    for (;;) {
        if (render_stop) {
            fprintf(stderr, "bxlive: interrupted; %s was not written\n", o->out_path);
            rc = BX_EXIT_INTERRUPTED;
            goto out;
        }
        const int failed = atomic_load_explicit(&pl->io_failed, memory_order_acquire);
        if (failed) {
            fprintf(stderr, "bxlive: %s\n", pl->err.msg);
            rc = failed == 1 ? BX_EXIT_INPUT : BX_EXIT_OUTPUT;
            goto out;
        }
        if (processed == atomic_load_explicit(&pl->filled, memory_order_acquire)) {
            if (atomic_load_explicit(&pl->eof, memory_order_acquire) &&
                processed == atomic_load_explicit(&pl->filled, memory_order_acquire))
                break;
            idle(&spins);
            continue;
        }
        spins = 0;
        const int k = (int)(processed % RING_SLOTS);
        const long long got = pl->frames[k];
        for (long long off = 0; off < got; off += o->block_frames) {
            size_t n = (size_t)(got - off < o->block_frames ? got - off : o->block_frames);
            float *p = pl->buf[k] + (size_t)off * info.channels;
            bx_block_stats bs;
            bx_engine_process(engine, p, p, n, &bs);
            in_peak = fmax(in_peak, bs.in_peak);
            out_peak = fmax(out_peak, bs.out_peak);
            comp_gr = fmax(comp_gr, bs.comp_gr_db);
            lim_gr = fmax(lim_gr, bs.lim_gr_db);
        }
        total += got;
        processed++;
        atomic_store_explicit(&pl->processed, processed, memory_order_release);
    }
    atomic_store_explicit(&pl->dsp_done, 1, memory_order_release);
    thread_join(&io);
    io_running = 0;
    {
        const int failed = atomic_load_explicit(&pl->io_failed, memory_order_acquire);
        if (failed) {
            fprintf(stderr, "bxlive: %s\n", pl->err.msg);
            rc = failed == 1 ? BX_EXIT_INPUT : BX_EXIT_OUTPUT;
            goto out;
        }
    }
    st = bx_audio_writer_commit(out, &err);
    out = NULL;
    if (st) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        rc = BX_EXIT_OUTPUT;
        goto out;
    }
    if (!o->quiet)
        fprintf(
            stderr,
            "bxlive: rendered %s -> %s: %.2f s, %g Hz, %u ch; peak in %.1f dBFS, out %.1f dBFS; "
            "max gain reduction %.1f dB (compressor), %.1f dB (limiter)\n",
            o->in_path, o->out_path, (double)total / info.rate_hz, info.rate_hz, info.channels,
            db(in_peak), db(out_peak), comp_gr, lim_gr);
out:
    if (io_running) {
        atomic_store_explicit(&pl->stop, 1, memory_order_release);
        thread_join(&io);
    }
    bx_audio_writer_abort(out);
    for (int k = 0; pl && k < RING_SLOTS; k++)
        bx_free(pl->buf[k]);
    bx_free(pl);
    bx_engine_destroy(engine);
    bx_chain_destroy(chain);
    bx_audio_close(in);
    bx_preset_free(&preset);
    return rc;
}
