/* take.c — an audio file read and measured for analysis (bx/take.h). */
#include "bx/take.h"

#include <math.h>
#include <string.h>

#include "bx/chain.h"
#include "bx/ltas.h"
#include "take_impl.h"

#define READ_FRAMES 8192

void bx_take_free(bx_take *t)
{
    if (!t)
        return;
    bx_free(t->path);
    bx_spectrum_free(&t->spec);
    bx_free(t->mono);
    bx_free(t);
}

bx_status bx_take_read(bx_audio_reader *r, const bx_audio_info *info_in, const char *name,
                       double keep_seconds, double min_seconds, bx_take **out, bx_error *err)
{
    *out = NULL;
    const bx_audio_info info = *info_in;
    bx_ltas *ltas = NULL;
    bx_levels *lev = NULL;
    float *buf = NULL, *mono = NULL;
    bx_error e2;
    bx_take *t = bx_calloc(1, sizeof *t);
    bx_status st = t ? BX_OK : bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", name);
    if (st)
        return st;
    if (info.channels > BX_MAX_CHANNELS) { /* what --render refuses, refused here too */
        st = bx_error_set(err, BX_ERR_AUDIO, "%s: %u channels, bx processes at most %d", name,
                          info.channels, BX_MAX_CHANNELS);
        goto out;
    }
    t->path = bx_strdup(name);
    t->rate_hz = info.rate_hz;
    t->channels = info.channels;
    buf = bx_malloc((size_t)READ_FRAMES * info.channels * sizeof(float));
    mono = bx_malloc(READ_FRAMES * sizeof(float));
    ltas = bx_ltas_create(info.rate_hz, 0, &e2);
    lev = bx_levels_create(info.rate_hz, 1, &e2);
    if (!t->path || !buf || !mono || !ltas || !lev) {
        st = bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", name);
        goto out;
    }
    size_t keep_max = (size_t)(keep_seconds * info.rate_hz);
    if (keep_max > BX_TAKE_MAX_KEEP_SAMPLES)
        keep_max = BX_TAKE_MAX_KEEP_SAMPLES;
    size_t keep_cap = 0;
    long long total = 0;
    for (;;) {
        const long long got = bx_audio_read(r, buf, READ_FRAMES, err);
        if (got < 0) {
            st = err->code;
            goto out;
        }
        if (got == 0)
            break;
        /* the analysis hears the mono mixdown; non-finite samples count as silence */
        for (long long i = 0; i < got; i++) {
            double s = 0;
            for (unsigned c = 0; c < info.channels; c++) {
                const float v = buf[i * info.channels + c];
                s += isfinite(v) ? v : 0.0f;
            }
            mono[i] = (float)(s / info.channels);
        }
        bx_ltas_add(ltas, mono, (size_t)got);
        st = bx_levels_add(lev, mono, (size_t)got, &e2);
        if (st) {
            bx_error_set(err, st, "%s: %s", name, e2.msg);
            goto out;
        }
        if (t->n_mono < keep_max) {
            size_t n = (size_t)got;
            if (n > keep_max - t->n_mono)
                n = keep_max - t->n_mono;
            if (t->n_mono + n > keep_cap) {
                size_t cap = keep_cap ? keep_cap * 2 : (size_t)(30.0 * info.rate_hz);
                if (cap > keep_max)
                    cap = keep_max;
                if (cap < t->n_mono + n)
                    cap = t->n_mono + n;
                float *nm = bx_malloc(cap * sizeof(float));
                if (!nm) {
                    st = bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", name);
                    goto out;
                }
                if (t->n_mono)
                    memcpy(nm, t->mono, t->n_mono * sizeof(float));
                bx_free(t->mono);
                t->mono = nm;
                keep_cap = cap;
            }
            memcpy(t->mono + t->n_mono, mono, n * sizeof(float));
            t->n_mono += n;
        }
        total += got;
    }
    t->seconds = (double)total / info.rate_hz;
    if (t->seconds < min_seconds) {
        st =
            bx_error_set(err, BX_ERR_AUDIO, "%s: %.6g s of audio, the analysis needs at least %g s",
                         name, t->seconds, min_seconds);
        goto out;
    }
    st = bx_ltas_finish(ltas, &t->spec, &e2);
    if (!st)
        st = bx_levels_finish(lev, &t->stats, &e2);
    if (st) {
        bx_error_set(err, st, "%s: %s", name, e2.msg);
        goto out;
    }
out:
    bx_ltas_destroy(ltas);
    bx_levels_destroy(lev);
    bx_free(buf);
    bx_free(mono);
    if (st) {
        bx_take_free(t);
        return st;
    }
    *out = t;
    return BX_OK;
}

bx_status bx_take_load(const char *path, double keep_seconds, const bx_take_range *range,
                       bx_take **out, bx_error *err)
{
    *out = NULL;
    bx_audio_reader *r = NULL;
    bx_audio_info info;
    bx_status st = bx_audio_open(path, &r, &info, err);
    if (st)
        return st;
    if (range && (range->start_s > 0.0 || range->end_s >= 0.0))
        st = bx_audio_set_excerpt(r, range->start_s, range->end_s, &info, err);
    if (!st)
        st = bx_take_read(r, &info, path, keep_seconds, BX_TAKE_MIN_SECONDS, out, err);
    bx_audio_close(r);
    return st;
}

const char *bx_take_name(const bx_take *t)
{
    return t->path;
}

double bx_take_rate_hz(const bx_take *t)
{
    return t->rate_hz;
}

unsigned bx_take_channels(const bx_take *t)
{
    return t->channels;
}

double bx_take_seconds(const bx_take *t)
{
    return t->seconds;
}

const bx_spectrum *bx_take_spectrum(const bx_take *t)
{
    return &t->spec;
}

const bx_level_stats *bx_take_stats(const bx_take *t)
{
    return &t->stats;
}

const float *bx_take_mono(const bx_take *t, size_t *n)
{
    *n = t->n_mono;
    return t->mono;
}
