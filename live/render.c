/* render.c — offline rendering through bx_engine_process, the function the
 * live callback runs, at the live block size. */
#include "render.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bx/chain.h"
#include "bx/exitcode.h"
#include "bx/fsutil.h"
#include "bx/preset.h"

volatile sig_atomic_t render_stop;

#define IO_FRAMES 8192

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
    float *buf = NULL;
    int rc = BX_EXIT_OK;
    bx_audio_info info;

    bx_status st = bx_preset_load(o->preset_path, &preset, &err);
    if (st) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        return exit_for_preset(st);
    }
    st = bx_audio_open(o->in_path, &in, &info, &err);
    if (st) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        rc = st == BX_ERR_NOMEM ? BX_EXIT_INTERNAL : BX_EXIT_INPUT;
        goto out;
    }
    if (strcmp(o->in_path, o->out_path) == 0 || bx_same_file(o->in_path, o->out_path)) {
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
        fprintf(stderr, "bxlive: %s: %s (%s is %d Hz)\n", o->preset_path, err.msg, o->in_path,
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

    buf = bx_malloc((size_t)IO_FRAMES * info.channels * sizeof(float));
    if (!buf) {
        fprintf(stderr, "bxlive: out of memory\n");
        rc = BX_EXIT_INTERNAL;
        goto out;
    }
    st = bx_audio_writer_create(o->out_path, info.rate_hz, info.channels, o->encoding, info.frames,
                                &out, &err);
    if (st) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        rc = st == BX_ERR_ARG ? BX_EXIT_USAGE : st == BX_ERR_NOMEM ? BX_EXIT_INTERNAL : BX_EXIT_OUTPUT;
        goto out;
    }

    double in_peak = 0, out_peak = 0, comp_gr = 0, lim_gr = 0;
    long long total = 0;
    for (;;) {
        if (render_stop) {
            fprintf(stderr, "bxlive: interrupted; %s was not written\n", o->out_path);
            rc = BX_EXIT_INTERRUPTED;
            goto out;
        }
        long long got = bx_audio_read(in, buf, IO_FRAMES, &err);
        if (got < 0) {
            fprintf(stderr, "bxlive: %s\n", err.msg);
            rc = BX_EXIT_INPUT;
            goto out;
        }
        if (got == 0)
            break;
        for (long long off = 0; off < got; off += o->block_frames) {
            size_t n = (size_t)(got - off < o->block_frames ? got - off : o->block_frames);
            float *p = buf + (size_t)off * info.channels;
            bx_block_stats bs;
            bx_engine_process(engine, p, p, n, &bs);
            in_peak = fmax(in_peak, bs.in_peak);
            out_peak = fmax(out_peak, bs.out_peak);
            comp_gr = fmax(comp_gr, bs.comp_gr_db);
            lim_gr = fmax(lim_gr, bs.lim_gr_db);
        }
        st = bx_audio_writer_write(out, buf, (size_t)got, &err);
        if (st) {
            fprintf(stderr, "bxlive: %s\n", err.msg);
            rc = BX_EXIT_OUTPUT;
            goto out;
        }
        total += got;
    }
    st = bx_audio_writer_commit(out, &err);
    out = NULL;
    if (st) {
        fprintf(stderr, "bxlive: %s\n", err.msg);
        rc = BX_EXIT_OUTPUT;
        goto out;
    }
    if (!o->quiet)
        fprintf(stderr,
                "bxlive: rendered %s -> %s: %.2f s, %d Hz, %u ch; peak in %.1f dBFS, out %.1f dBFS; "
                "max gain reduction %.1f dB (compressor), %.1f dB (limiter)\n",
                o->in_path, o->out_path, (double)total / info.rate_hz, info.rate_hz, info.channels,
                db(in_peak), db(out_peak), comp_gr, lim_gr);
out:
    bx_audio_writer_abort(out);
    bx_free(buf);
    bx_engine_destroy(engine);
    bx_chain_destroy(chain);
    bx_audio_close(in);
    bx_preset_free(&preset);
    return rc;
}
