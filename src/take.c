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

/* ---- the accumulator ------------------------------------------------------------ */

struct bx_take_acc {
    bx_take *t;
    bx_ltas *ltas;
    bx_levels *lev;
    float *chunk; /* READ_FRAMES samples being gathered: every caller's pieces are
                     measured in the same blocks, so the result does not depend on them */
    size_t fill;
    size_t keep_max, keep_cap;
    long long total;
    bx_status st; /* the first failure: later calls do nothing */
    bx_error err;
};

bx_take_acc *bx_take_acc_create(double rate_hz, unsigned channels, const char *name,
                                double keep_seconds, bx_error *err)
{
    bx_error e2;
    bx_take_acc *a = bx_calloc(1, sizeof *a);
    if (!a || !(a->t = bx_calloc(1, sizeof *a->t)) || !(a->t->path = bx_strdup(name)) ||
        !(a->chunk = bx_malloc(READ_FRAMES * sizeof(float)))) {
        bx_take_acc_destroy(a);
        bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", name);
        return NULL;
    }
    a->t->rate_hz = rate_hz;
    a->t->channels = channels;
    if (!(a->ltas = bx_ltas_create(rate_hz, 0, &e2)) ||
        !(a->lev = bx_levels_create(rate_hz, 1, &e2))) {
        bx_take_acc_destroy(a);
        bx_error_set(err, e2.code, "%s: %s", name, e2.msg);
        return NULL;
    }
    const size_t keep_max = (size_t)(keep_seconds * rate_hz);
    a->keep_max = keep_max > BX_TAKE_MAX_KEEP_SAMPLES ? BX_TAKE_MAX_KEEP_SAMPLES : keep_max;
    return a;
}

void bx_take_acc_destroy(bx_take_acc *a)
{
    if (!a)
        return;
    bx_take_free(a->t);
    bx_ltas_destroy(a->ltas);
    bx_levels_destroy(a->lev);
    bx_free(a->chunk);
    bx_free(a);
}

/* The gathered chunk into the spectrum, the statistics and the kept audio. */
static void acc_flush(bx_take_acc *a)
{
    const size_t got = a->fill;
    a->fill = 0;
    if (a->st || got == 0)
        return;
    bx_take *t = a->t;
    const char *name = t->path;
    bx_error e2;
    bx_ltas_add(a->ltas, a->chunk, got);
    bx_status st = bx_levels_add(a->lev, a->chunk, got, &e2);
    if (st) {
        a->st = bx_error_set(&a->err, st, "%s: %s", name, e2.msg);
        return;
    }
    if (t->n_mono < a->keep_max) {
        size_t n = got;
        if (n > a->keep_max - t->n_mono)
            n = a->keep_max - t->n_mono;
        if (t->n_mono + n > a->keep_cap) {
            size_t cap = a->keep_cap ? a->keep_cap * 2 : (size_t)(30.0 * t->rate_hz);
            if (cap > a->keep_max)
                cap = a->keep_max;
            if (cap < t->n_mono + n)
                cap = t->n_mono + n;
            float *nm = bx_malloc(cap * sizeof(float));
            if (!nm) {
                a->st = bx_error_set(&a->err, BX_ERR_NOMEM, "%s: out of memory", name);
                return;
            }
            if (t->n_mono)
                memcpy(nm, t->mono, t->n_mono * sizeof(float));
            bx_free(t->mono);
            t->mono = nm;
            a->keep_cap = cap;
        }
        memcpy(t->mono + t->n_mono, a->chunk, n * sizeof(float));
        t->n_mono += n;
    }
    a->total += (long long)got;
}

bx_status bx_take_acc_add(bx_take_acc *a, const float *mono, size_t n, bx_error *err)
{
    while (n > 0 && !a->st) {
        size_t k = READ_FRAMES - a->fill;
        if (k > n)
            k = n;
        /* non-finite samples count as silence */
        for (size_t i = 0; i < k; i++)
            a->chunk[a->fill + i] = isfinite(mono[i]) ? mono[i] : 0.0f;
        a->fill += k, mono += k, n -= k;
        if (a->fill == READ_FRAMES)
            acc_flush(a);
    }
    if (a->st)
        *err = a->err;
    return a->st;
}

bx_status bx_take_acc_finish(bx_take_acc *a, double min_seconds, bx_take **out, bx_error *err)
{
    *out = NULL;
    acc_flush(a);
    if (a->st) {
        *err = a->err;
        return a->st;
    }
    bx_take *t = a->t;
    t->seconds = (double)a->total / t->rate_hz;
    if (t->seconds < min_seconds)
        return bx_error_set(err, BX_ERR_AUDIO,
                            "%s: %.6g s of audio, the analysis needs at least %g s", t->path,
                            t->seconds, min_seconds);
    bx_error e2;
    bx_status st = bx_ltas_finish(a->ltas, &t->spec, &e2);
    if (!st)
        st = bx_levels_finish(a->lev, &t->stats, &e2);
    if (st)
        return bx_error_set(err, st, "%s: %s", t->path, e2.msg);
    a->t = NULL;
    *out = t;
    return BX_OK;
}

bx_status bx_take_read(bx_audio_reader *r, const bx_audio_info *info_in, const char *name,
                       double keep_seconds, double min_seconds, bx_take **out, bx_error *err)
{
    *out = NULL;
    const bx_audio_info info = *info_in;
    if (info.channels > BX_MAX_CHANNELS) /* what --render refuses, refused here too */
        return bx_error_set(err, BX_ERR_AUDIO, "%s: %u channels, bx processes at most %d", name,
                            info.channels, BX_MAX_CHANNELS);
    bx_take_acc *a = bx_take_acc_create(info.rate_hz, info.channels, name, keep_seconds, err);
    float *buf = bx_malloc((size_t)READ_FRAMES * info.channels * sizeof(float));
    float *mono = bx_malloc(READ_FRAMES * sizeof(float));
    bx_status st = a ? BX_OK : err->code;
    if (!st && (!buf || !mono))
        st = bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", name);
    while (!st) {
        const long long got = bx_audio_read(r, buf, READ_FRAMES, err);
        if (got < 0) {
            st = err->code;
            break;
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
        st = bx_take_acc_add(a, mono, (size_t)got, err);
    }
    if (!st)
        st = bx_take_acc_finish(a, min_seconds, out, err);
    bx_take_acc_destroy(a);
    bx_free(buf);
    bx_free(mono);
    return st;
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
