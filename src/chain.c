/* chain.c — parameter checking and the fixed stage set of one preset. */
#include "bx/chain.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct bx_chain {
    bx_chain_params p;
    double rate_hz;
    unsigned channels;
    double in_gain, out_gain; /* linear */
    bx_biquad_coefs coefs[BX_MAX_BANDS];
    bx_comp comp;
    bx_limiter lim;
    bx_biquad_state st[]; /* n_bands * channels, band-major */
};

void bx_chain_params_default(bx_chain_params *p)
{
    memset(p, 0, sizeof *p);
    p->comp.threshold_db = -20.0;
    p->comp.ratio = 4.0;
    p->comp.knee_db = 6.0;
    p->comp.attack_ms = 5.0;
    p->comp.release_ms = 100.0;
    p->comp.makeup_db = 0.0;
    p->comp.detector = BX_DETECTOR_PEAK;
    p->ceiling_db = -1.0;
}

static bx_status check(bx_error *err, const char *path, double v, double lo, double hi)
{
    if (!isfinite(v))
        return bx_error_set(err, BX_ERR_PRESET, "%s: %g is not a finite number", path, v);
    if (v < lo || v > hi)
        return bx_error_set(err, BX_ERR_PRESET, "%s: %g is outside %g..%g", path, v, lo, hi);
    return BX_OK;
}

#define CHECK(path, v, lo, hi)                                                                     \
    do {                                                                                           \
        bx_status s_ = check(err, path, v, lo, hi);                                                \
        if (s_)                                                                                    \
            return s_;                                                                             \
    } while (0)

bx_status bx_chain_params_check(const bx_chain_params *p, double rate_hz, bx_error *err)
{
    char path[64];
    CHECK("chain.input_gain_db", p->input_gain_db, BX_GAIN_STAGE_MIN_DB, BX_GAIN_STAGE_MAX_DB);
    CHECK("chain.output_gain_db", p->output_gain_db, BX_GAIN_STAGE_MIN_DB, BX_GAIN_STAGE_MAX_DB);
    if (p->n_bands > BX_MAX_BANDS)
        return bx_error_set(err, BX_ERR_PRESET, "chain.eq: %u bands, at most %d are allowed",
                            p->n_bands, BX_MAX_BANDS);
    for (unsigned i = 0; i < p->n_bands; i++) {
        const bx_band *b = &p->bands[i];
        if ((unsigned)b->type >= BX_BIQUAD_TYPE_COUNT)
            return bx_error_set(err, BX_ERR_PRESET, "chain.eq[%u].type: unknown type %d", i,
                                (int)b->type);
        snprintf(path, sizeof path, "chain.eq[%u].freq_hz", i);
        CHECK(path, b->freq_hz, BX_FREQ_MIN_HZ, BX_FREQ_MAX_HZ);
        if (rate_hz > 0 && b->freq_hz >= 0.5 * rate_hz)
            return bx_error_set(err, BX_ERR_RANGE,
                                "%s: %g Hz is at or above Nyquist (%g Hz at a %g Hz sample rate)",
                                path, b->freq_hz, 0.5 * rate_hz, rate_hz);
        snprintf(path, sizeof path, "chain.eq[%u].q", i);
        CHECK(path, b->q, BX_Q_MIN, BX_Q_MAX);
        if (bx_biquad_type_has_gain(b->type)) {
            snprintf(path, sizeof path, "chain.eq[%u].gain_db", i);
            CHECK(path, b->gain_db, BX_EQ_GAIN_MIN_DB, BX_EQ_GAIN_MAX_DB);
        }
    }
    if (p->has_comp) {
        const bx_comp_params *c = &p->comp;
        CHECK("chain.compressor.threshold_db", c->threshold_db, BX_THRESHOLD_MIN_DB,
              BX_THRESHOLD_MAX_DB);
        CHECK("chain.compressor.ratio", c->ratio, BX_RATIO_MIN, BX_RATIO_MAX);
        CHECK("chain.compressor.knee_db", c->knee_db, BX_KNEE_MIN_DB, BX_KNEE_MAX_DB);
        CHECK("chain.compressor.attack_ms", c->attack_ms, BX_ATTACK_MIN_MS, BX_ATTACK_MAX_MS);
        CHECK("chain.compressor.release_ms", c->release_ms, BX_RELEASE_MIN_MS, BX_RELEASE_MAX_MS);
        CHECK("chain.compressor.makeup_db", c->makeup_db, BX_MAKEUP_MIN_DB, BX_MAKEUP_MAX_DB);
        if (c->has_start_level)
            CHECK("chain.compressor.start_level_db", c->start_level_db, BX_START_LEVEL_MIN_DB,
                  BX_START_LEVEL_MAX_DB);
        if (!bx_detector_name(c->detector))
            return bx_error_set(err, BX_ERR_PRESET, "chain.compressor.detector: unknown value %d",
                                (int)c->detector);
        if (c->detector == BX_DETECTOR_RMS_LEVEL)
            CHECK("chain.compressor.rms_ms", bx_comp_rms_ms(c), BX_COMP_RMS_MIN_MS,
                  BX_COMP_RMS_MAX_MS);
        if (c->detector == BX_DETECTOR_MEAN_LEVEL)
            CHECK("chain.compressor.mean_ms", bx_comp_rms_ms(c), BX_COMP_RMS_MIN_MS,
                  BX_COMP_RMS_MAX_MS);
        if (c->hold && c->detector != BX_DETECTOR_POWER)
            return bx_error_set(err, BX_ERR_PRESET,
                                "chain.compressor.hold: only the \"power\" detector has one");
    }
    if (p->has_limiter)
        CHECK("chain.limiter.ceiling_db", p->ceiling_db, BX_CEILING_MIN_DB, BX_CEILING_MAX_DB);
    return BX_OK;
}

bx_chain *bx_chain_create(const bx_chain_params *p, double rate_hz, unsigned channels,
                          bx_error *err)
{
    if (channels < 1 || channels > BX_MAX_CHANNELS) {
        bx_error_set(err, BX_ERR_ARG, "%u channels: bx processes 1..%d", channels, BX_MAX_CHANNELS);
        return NULL;
    }
    if (!(rate_hz >= 1000.0 && rate_hz <= 1e6)) {
        bx_error_set(err, BX_ERR_ARG, "sample rate %g Hz is not supported", rate_hz);
        return NULL;
    }
    if (bx_chain_params_check(p, rate_hz, err))
        return NULL;
    const size_t n_state = (size_t)p->n_bands * channels;
    bx_chain *c = bx_calloc(1, sizeof *c + n_state * sizeof(bx_biquad_state));
    if (!c) {
        bx_error_set(err, BX_ERR_NOMEM, "out of memory creating the processing chain");
        return NULL;
    }
    c->p = *p;
    c->rate_hz = rate_hz;
    c->channels = channels;
    c->in_gain = pow(10.0, p->input_gain_db / 20.0);
    c->out_gain = pow(10.0, p->output_gain_db / 20.0);
    for (unsigned i = 0; i < p->n_bands; i++) {
        const bx_band *b = &p->bands[i];
        if (bx_biquad_design(b->type, b->freq_hz, b->gain_db, b->q, rate_hz, &c->coefs[i], err)) {
            bx_free(c);
            return NULL;
        }
    }
    if (p->has_comp)
        bx_comp_init(&c->comp, &p->comp, rate_hz);
    if (p->has_limiter)
        bx_limiter_init(&c->lim, p->ceiling_db, rate_hz);
    return c;
}

void bx_chain_destroy(bx_chain *c)
{
    bx_free(c);
}

void bx_chain_reset(bx_chain *c)
{
    memset(c->st, 0, (size_t)c->p.n_bands * c->channels * sizeof(bx_biquad_state));
    if (c->p.has_comp)
        bx_comp_reset(&c->comp);
    if (c->p.has_limiter)
        bx_limiter_reset(&c->lim);
}

const bx_chain_params *bx_chain_params_of(const bx_chain *c)
{
    return &c->p;
}

static void scale(double *x, size_t n, double g)
{
    if (g != 1.0)
        for (size_t i = 0; i < n; i++)
            x[i] *= g;
}

void bx_chain_process(bx_chain *c, double *x, size_t frames)
{
    bx_chain_process_stages(c, 0, BX_CHAIN_STAGES(c->p.n_bands), x, frames);
}

void bx_chain_process_stages(bx_chain *c, unsigned first, unsigned end, double *x, size_t frames)
{
    const unsigned nch = c->channels, nb = c->p.n_bands;
    if (end > BX_CHAIN_STAGES(nb))
        end = BX_CHAIN_STAGES(nb);
    if (first == 0 && end > 0)
        scale(x, frames * nch, c->in_gain);
    /* bands b0 .. b1 - 1: one cascade (each section's arithmetic is the
     * same alone or in a cascade) */
    const unsigned b0 = first > 1 ? first - 1 : 0, b1 = end > 1 ? (end - 1 < nb ? end - 1 : nb) : 0;
    if (b1 > b0)
        for (unsigned ch = 0; ch < nch; ch++)
            bx_biquad_cascade(c->coefs + b0, &c->st[(size_t)b0 * nch + ch], nch, b1 - b0, x + ch,
                              frames, nch);
    if (first <= nb + 1 && end > nb + 1 && c->p.has_comp)
        bx_comp_process(&c->comp, x, frames, nch);
    if (first <= nb + 2 && end > nb + 2) {
        scale(x, frames * nch, c->out_gain);
        if (c->p.has_limiter)
            bx_limiter_process(&c->lim, x, frames, nch);
    }
}

void bx_chain_process_prefixes(bx_chain *c, const double *x, double *const *out, size_t frames)
{
    const double g = c->in_gain;
    for (size_t i = 0; i < frames; i++)
        out[0][i] = x[i] * g;
    if (c->p.n_bands)
        bx_biquad_cascade_taps(c->coefs, c->st, 1, c->p.n_bands, out[0], out + 1, frames);
}

void bx_chain_take_gr(bx_chain *c, double *comp_db, double *lim_db)
{
    *comp_db = c->p.has_comp ? bx_comp_take_gr_peak_db(&c->comp) : 0.0;
    *lim_db = c->p.has_limiter ? bx_limiter_take_gr_peak_db(&c->lim) : 0.0;
}

void bx_chain_sanitize(bx_chain *c)
{
    const size_t n = (size_t)c->p.n_bands * c->channels;
    for (size_t i = 0; i < n; i++) {
        bx_biquad_state *s = &c->st[i];
        if (!isfinite(s->s1) || !isfinite(s->s2)) {
            /* one bad section poisons everything after it: restart the EQ */
            memset(c->st, 0, n * sizeof *s);
            break;
        }
        /* below 1e-30 (-600 dB) the state only matters as a denormal slowdown */
        if (fabs(s->s1) < 1e-30)
            s->s1 = 0.0;
        if (fabs(s->s2) < 1e-30)
            s->s2 = 0.0;
    }
    if (c->p.has_comp)
        bx_comp_sanitize(&c->comp);
}

void bx_chain_copy_state(bx_chain *dst, const bx_chain *src)
{
    if (dst->channels != src->channels)
        return;
    const unsigned nch = dst->channels;
    for (unsigned b = 0; b < dst->p.n_bands && b < src->p.n_bands; b++)
        if (dst->p.bands[b].type == src->p.bands[b].type)
            memcpy(&dst->st[b * nch], &src->st[b * nch], nch * sizeof(bx_biquad_state));
    if (dst->p.has_comp && src->p.has_comp) {
        dst->comp.y1 = src->comp.y1;
        dst->comp.yl = src->comp.yl;
        dst->comp.ms = src->comp.ms;
        dst->comp.env = src->comp.env;
        /* the held powers carry the threshold's: move them to dst's (from
         * another detector, its mean square, if it keeps one) */
        if (src->comp.p.detector == BX_DETECTOR_POWER) {
            const double dq = dst->comp.p_thr - src->comp.p_thr;
            dst->comp.qa = fmax(src->comp.qa + dq, dst->comp.p_thr);
            dst->comp.qr1 = fmax(src->comp.qr1 + dq, dst->comp.p_thr);
            dst->comp.qr2 = fmax(src->comp.qr2 + dq, dst->comp.p_thr);
        } else {
            dst->comp.qa = dst->comp.qr1 = dst->comp.qr2 = dst->comp.p_thr + src->comp.ms;
        }
    }
    if (dst->p.has_limiter && src->p.has_limiter)
        dst->lim.d = src->lim.d;
}

bx_status bx_chain_apply(const bx_chain_params *p, double rate_hz, const float *x, float *y,
                         size_t frames, bx_error *err)
{
    bx_error local;
    bx_error *e = err ? err : &local;
    bx_chain *c = bx_chain_create(p, rate_hz, 1, e);
    if (!c)
        return e->code;
    double buf[1024];
    for (size_t i = 0; i < frames; i += 1024) {
        const size_t m = frames - i < 1024 ? frames - i : 1024;
        for (size_t k = 0; k < m; k++)
            buf[k] = x[i + k];
        bx_chain_process(c, buf, m);
        for (size_t k = 0; k < m; k++)
            y[i + k] = (float)buf[k];
    }
    bx_chain_destroy(c);
    return BX_OK;
}

typedef struct apply_job {
    const bx_chain_params *p;
    double rate_hz;
    const float *x;
    float *y;
    size_t first[BX_CHAIN_PARTS + 1];  /* part i: frames first[i] .. first[i+1]-1 */
    const float *warm[BX_CHAIN_PARTS]; /* copies of the frames before each part */
    size_t n_warm[BX_CHAIN_PARTS];
    bx_status st[BX_CHAIN_PARTS];
    bx_error err[BX_CHAIN_PARTS];
} apply_job;

static void apply_task(void *arg, unsigned worker, size_t i)
{
    (void)worker;
    apply_job *j = arg;
    /* a part after the first is warmed up from silence: a compressor's
     * starting level belongs to the start of the signal only */
    bx_chain_params part = *j->p;
    if (i > 0)
        part.comp.has_start_level = 0;
    bx_chain *c = bx_chain_create(&part, j->rate_hz, 1, &j->err[i]);
    if (!c) {
        j->st[i] = j->err[i].code;
        return;
    }
    double buf[1024];
    for (size_t k = 0; k < j->n_warm[i]; k += 1024) {
        const size_t m = j->n_warm[i] - k < 1024 ? j->n_warm[i] - k : 1024;
        for (size_t q = 0; q < m; q++)
            buf[q] = j->warm[i][k + q];
        bx_chain_process(c, buf, m);
    }
    for (size_t k = j->first[i]; k < j->first[i + 1]; k += 1024) {
        const size_t m = j->first[i + 1] - k < 1024 ? j->first[i + 1] - k : 1024;
        for (size_t q = 0; q < m; q++)
            buf[q] = j->x[k + q];
        bx_chain_process(c, buf, m);
        for (size_t q = 0; q < m; q++)
            j->y[k + q] = (float)buf[q];
    }
    bx_chain_destroy(c);
}

bx_status bx_chain_apply_parallel(const bx_chain_params *p, double rate_hz, const float *x,
                                  float *y, size_t frames, double warm_s, const bx_parallel *par,
                                  bx_error *err)
{
    apply_job j;
    memset(&j, 0, sizeof j);
    j.p = p;
    j.rate_hz = rate_hz;
    j.x = x;
    j.y = y;
    const double w = warm_s > 0 && rate_hz > 0 ? warm_s * rate_hz : 0.0;
    const size_t warm = w < (double)frames ? (size_t)w : frames;
    float *copies = NULL;
    for (size_t i = 0; i <= BX_CHAIN_PARTS; i++)
        j.first[i] = frames / BX_CHAIN_PARTS * i;
    j.first[BX_CHAIN_PARTS] = frames;
    /* too short to gain; or a compressor that holds, whose state a warm-up
     * need not reach (its release stops while the signal stays under the
     * threshold) */
    if (warm == 0 || frames < 4 * BX_CHAIN_PARTS * (warm > 1024 ? warm : 1024) ||
        (p->has_comp && p->comp.hold))
        return bx_chain_apply(p, rate_hz, x, y, frames, err);
    /* the warm-up frames are copied first: y may be x, and part i-1 may
     * already be writing there */
    copies = bx_malloc((BX_CHAIN_PARTS - 1) * warm * sizeof *copies);
    if (!copies)
        return bx_error_set(err, BX_ERR_NOMEM, "chain: out of memory");
    for (size_t i = 1; i < BX_CHAIN_PARTS; i++) {
        float *c = copies + (i - 1) * warm;
        memcpy(c, x + j.first[i] - warm, warm * sizeof *c);
        j.warm[i] = c;
        j.n_warm[i] = warm;
    }
    bx_parallel_for(par, apply_task, &j, BX_CHAIN_PARTS);
    bx_free(copies);
    for (size_t i = 0; i < BX_CHAIN_PARTS; i++)
        if (j.st[i]) {
            if (err)
                *err = j.err[i];
            return j.st[i];
        }
    return BX_OK;
}
