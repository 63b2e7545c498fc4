/* test_engine — the block function behaves the same however it is called.
 *
 *  - block independence: a full chain (gains, 6 bands, compressor, limiter),
 *    mono and stereo, with a hot reload and a bypass on/off in the middle, gives
 *    bit-identical output for blocks of 1, 17, 64, 4096 frames and a random mix;
 *  - hot reload is click-free: during the crossfade the sample-to-sample step
 *    never exceeds 1.05 x the largest step of either chain alone, while an
 *    instant switch jumps far more; after it the new chain is heard alone;
 *  - bypass crossfades without a click and, once faded, passes the input bit-exact;
 *  - non-finite input is treated as silence; absurd input (1e30) never yields a
 *    non-finite output, and processing recovers afterwards;
 *  - bx_chain_apply_parallel: within -120 dB of bx_chain_apply's output (peak
 *    difference over peak level) on 20 s of gated noise bursts, warmed up for
 *    8 of the compressor's time constants; bit for bit the same with no
 *    bx_parallel, with one that runs its parts backwards on other workers,
 *    and in place; the same with a compressor that starts at 0 dBFS (the
 *    start belongs to the first part only); with a compressor that holds
 *    ("power" with hold, whose state no warm-up is sure to reach), one
 *    piece: bx_chain_apply's output bit for bit;
 *  - a hot reload to the same preset carries every detector's state over:
 *    with the "level" detector, the output is the unreloaded one within 1e-6;
 *  - full scale is a hard stop: a chain without a limiter and +24 dB of output
 *    gain never gives a sample beyond +-1 (also for 1e30 input), and every
 *    sample is the same chain's output at +0 dB times 10^(24/20), clamped to
 *    +-1 (within float rounding, 1e-6 relative);
 *  - bx_chain_process_stages: the first s stages by one chain, the rest by
 *    another made from the same params (in blocks of 4096), give
 *    bx_chain_process's output on the whole signal in one call bit for bit,
 *    for every s, mono and stereo (the limiter limits here: its state
 *    carries across block boundaries without rounding).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/chain.h"
#include "bx/engine.h"
#include "testutil.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static const double FS = 48000.0;
static int checks;

static void full_params(bx_chain_params *p)
{
    bx_chain_params_default(p);
    p->input_gain_db = 3;
    const bx_band b[] = {
        {BX_BIQUAD_HIGHPASS, 40, 0, 0.707},   {BX_BIQUAD_LOW_SHELF, 90, 5, 0.7},
        {BX_BIQUAD_PEAK, 350, -4, 1.4},       {BX_BIQUAD_PEAK, 3200, 3, 1.0},
        {BX_BIQUAD_HIGH_SHELF, 9000, 4, 0.7}, {BX_BIQUAD_LOWPASS, 18000, 0, 0.707}};
    p->n_bands = 6;
    memcpy(p->bands, b, sizeof b);
    p->has_comp = 1;
    p->comp = (bx_comp_params){-24, 4, 6, 3, 120, 6, BX_DETECTOR_PEAK, 0, 0, 0, 0};
    p->output_gain_db = -1;
    p->has_limiter = 1;
    p->ceiling_db = -1;
}

static void alt_params(bx_chain_params *p)
{
    bx_chain_params_default(p);
    p->n_bands = 2;
    p->bands[0] = (bx_band){BX_BIQUAD_HIGHPASS, 300, 0, 0.707};
    p->bands[1] = (bx_band){BX_BIQUAD_PEAK, 1500, 8, 2};
    p->has_comp = 1;
    p->comp = (bx_comp_params){-30, 8, 0, 1, 60, 8, BX_DETECTOR_RMS, 0, 0, 0, 0};
    p->has_limiter = 1;
    p->ceiling_db = -3;
}

static bx_engine *make_engine(void (*fill)(bx_chain_params *), unsigned ch)
{
    bx_chain_params p;
    bx_error err;
    fill(&p);
    bx_chain *c = bx_chain_create(&p, FS, ch, &err);
    if (!c) {
        fprintf(stderr, "chain: %s\n", err.msg);
        exit(1);
    }
    bx_engine *e = bx_engine_create(c, FS, ch, &err);
    if (!e) {
        fprintf(stderr, "engine: %s\n", err.msg);
        exit(1);
    }
    return e;
}

/* Bursty noise: loud and quiet passages so the compressor works. */
static float *test_signal(size_t n, unsigned ch, uint64_t seed)
{
    float *x = malloc(n * ch * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        const double env = (i / 6000) % 3 == 0 ? 0.9 : ((i / 6000) % 3 == 1 ? 0.05 : 0.3);
        for (unsigned c = 0; c < ch; c++)
            x[i * ch + c] = (float)(env * tu_noise(&seed));
    }
    return x;
}

/* Run the whole signal with a block-size pattern; events at fixed frames. */
static float *run(const float *in, size_t n, unsigned ch, size_t block, uint64_t mix_seed)
{
    bx_engine *e = make_engine(full_params, ch);
    float *out = malloc(n * ch * sizeof *out);
    const size_t ev_reload = 30001, ev_byp_on = 70003, ev_byp_off = 110007;
    size_t pos = 0;
    while (pos < n) {
        size_t b = block ? block : 1 + (size_t)((tu_noise(&mix_seed) + 1.0) * 300.0);
        /* stop at event frames so every run sees them at the same frame */
        const size_t evs[] = {ev_reload, ev_byp_on, ev_byp_off, n};
        for (int k = 0; k < 4; k++)
            if (pos < evs[k] && pos + b > evs[k])
                b = evs[k] - pos;
        bx_engine_process(e, in + pos * ch, out + pos * ch, b, NULL);
        pos += b;
        if (pos == ev_reload) {
            bx_chain_params p;
            alt_params(&p);
            bx_chain *c = bx_chain_create(&p, FS, ch, NULL);
            if (bx_engine_post_chain(e, c) != BX_OK)
                tu_fail("post_chain refused with an empty mailbox");
        }
        if (pos == ev_byp_on)
            bx_engine_set_bypass(e, 1);
        if (pos == ev_byp_off)
            bx_engine_set_bypass(e, 0);
        bx_chain_destroy(bx_engine_collect(e));
    }
    bx_engine_destroy(e);
    return out;
}

static void block_independence(unsigned ch)
{
    const size_t n = (size_t)(3.0 * FS);
    float *in = test_signal(n, ch, 42);
    float *ref = run(in, n, ch, 1, 0);
    const size_t blocks[] = {17, 64, 4096, 0};
    for (size_t k = 0; k < 4; k++) {
        float *o = run(in, n, ch, blocks[k], 99 + k);
        size_t first = n * ch;
        for (size_t i = 0; i < n * ch; i++)
            if (memcmp(&o[i], &ref[i], sizeof(float)) != 0) {
                first = i;
                break;
            }
        checks++;
        if (first < n * ch)
            tu_fail("%u ch, block %zu: differs from block 1 at sample %zu (%.9g vs %.9g)", ch,
                    blocks[k], first, o[first], ref[first]);
        else
            printf("%u ch: blocks of %s frames give output bit-identical to blocks of 1\n", ch,
                   blocks[k] == 17     ? "17"
                   : blocks[k] == 64   ? "64"
                   : blocks[k] == 4096 ? "4096"
                                       : "random 1..600");
        free(o);
    }
    free(in);
    free(ref);
}

static void stages_split(unsigned ch)
{
    const size_t n = (size_t)(1.0 * FS);
    float *in = test_signal(n, ch, 7);
    double *ref = malloc(n * ch * sizeof *ref), *buf = malloc(n * ch * sizeof *buf);
    bx_chain_params p;
    full_params(&p);
    bx_chain *whole = bx_chain_create(&p, FS, ch, NULL);
    for (size_t i = 0; i < n * ch; i++)
        ref[i] = in[i];
    bx_chain_process(whole, ref, n);
    double comp_db, lim_db;
    bx_chain_take_gr(whole, &comp_db, &lim_db);
    checks++;
    if (!(lim_db > 0.1))
        tu_fail("%u ch: the limiter should act on this signal (%.3f dB)", ch, lim_db);
    bx_chain_destroy(whole);
    const unsigned end = BX_CHAIN_STAGES(p.n_bands);
    for (unsigned s = 0; s <= end; s++) {
        bx_chain *a = bx_chain_create(&p, FS, ch, NULL), *b = bx_chain_create(&p, FS, ch, NULL);
        for (size_t i = 0; i < n * ch; i++)
            buf[i] = in[i];
        bx_chain_process_stages(a, 0, s, buf, n);
        for (size_t i = 0; i < n; i += 4096)
            bx_chain_process_stages(b, s, end, buf + i * ch, n - i < 4096 ? n - i : 4096);
        checks++;
        if (memcmp(buf, ref, n * ch * sizeof *buf) != 0)
            tu_fail("%u ch: stages 0..%u then %u..%u differ from the whole chain", ch, s, s, end);
        bx_chain_destroy(a);
        bx_chain_destroy(b);
    }
    printf("%u ch: the chain split after any of its %u stages gives its output bit for bit\n", ch,
           end);
    free(in);
    free(ref);
    free(buf);
}

static double max_step(const float *y, size_t from, size_t to)
{
    double m = 0;
    for (size_t i = from + 1; i < to; i++)
        m = fmax(m, fabs((double)y[i] - y[i - 1]));
    return m;
}

/* Run n frames of mono `in` through e, posting a chain made by `fill` at frame `at`. */
static void run_with_reload(bx_engine *e, void (*fill)(bx_chain_params *), const float *in,
                            float *out, size_t n, size_t at)
{
    bx_engine_process(e, in, out, at, NULL);
    bx_chain_params p;
    fill(&p);
    bx_engine_post_chain(e, bx_chain_create(&p, FS, 1, NULL));
    bx_engine_process(e, in + at, out + at, n - at, NULL);
}

/* Mono sine through: A alone, B alone, A reloaded to B, instant switch. */
static void reload_click_free(void)
{
    const size_t n = (size_t)FS, at = 24000;
    float *in = malloc(n * sizeof *in), *ya = malloc(n * sizeof *ya), *yb = malloc(n * sizeof *yb),
          *yx = malloc(n * sizeof *yx);
    for (size_t i = 0; i < n; i++)
        in[i] = (float)(0.5 * sin(2 * M_PI * 220.0 * i / FS));
    bx_engine *ea = make_engine(full_params, 1), *eb = make_engine(alt_params, 1),
              *ex = make_engine(full_params, 1);
    bx_engine_process(ea, in, ya, n, NULL);
    bx_engine_process(eb, in, yb, n, NULL);
    run_with_reload(ex, alt_params, in, yx, n, at);
    const size_t fade = (size_t)(BX_FADE_MS * 1e-3 * FS) + BX_ENGINE_GRID;
    const double step_x = max_step(yx, at - 10, at + fade + 10);
    const double step_ab =
        fmax(max_step(ya, at - 10, at + fade + 10), max_step(yb, at - 10, at + fade + 10));
    const double jump = fabs((double)yb[at] - ya[at - 1]);
    checks++;
    if (step_x > 1.05 * step_ab)
        tu_fail("reload: largest step %.5f during the fade, chains alone %.5f", step_x, step_ab);
    printf("hot reload: largest sample step during the crossfade %.5f, either chain alone %.5f "
           "(limit x1.05); an instant switch would jump %.5f\n",
           step_x, step_ab, jump);
    /* a second later only B is heard (its state started from A's, so compare after it settles) */
    double diff = 0;
    for (size_t i = n - 4800; i < n; i++)
        diff = fmax(diff, fabs((double)yx[i] - yb[i]));
    checks++;
    if (diff > 1e-5)
        tu_fail("after the reload the output differs from the new chain alone by %g", diff);
    printf("after the reload: output equals the new chain alone within %.1e (limit 1e-5)\n", diff);
    bx_chain *old = bx_engine_collect(ex);
    checks++;
    if (!old)
        tu_fail("the replaced chain was not handed back for destruction");
    bx_chain_destroy(old);
    bx_engine_destroy(ea);
    bx_engine_destroy(eb);
    bx_engine_destroy(ex);
    free(in);
    free(ya);
    free(yb);
    free(yx);
}

static void bypass(void)
{
    const size_t n = (size_t)FS, at = 12000;
    float *in = malloc(n * sizeof *in), *y = malloc(n * sizeof *y), *yp = malloc(n * sizeof *yp);
    for (size_t i = 0; i < n; i++)
        in[i] = (float)(0.5 * sin(2 * M_PI * 220.0 * i / FS));
    bx_engine *e = make_engine(full_params, 1), *ep = make_engine(full_params, 1);
    bx_engine_process(ep, in, yp, n, NULL);
    bx_engine_process(e, in, y, at, NULL);
    bx_engine_set_bypass(e, 1);
    bx_engine_process(e, in + at, y + at, n - at, NULL);
    const size_t fade = (size_t)(BX_FADE_MS * 1e-3 * FS) + BX_ENGINE_GRID;
    size_t exact_from = n;
    for (size_t i = n; i-- > at;)
        if (memcmp(&y[i], &in[i], sizeof(float)) != 0) {
            exact_from = i + 1;
            break;
        }
    checks++;
    if (exact_from > at + fade)
        tu_fail("bypass: output equals input only from frame %zu (bypass at %zu)", exact_from, at);
    const double step = max_step(y, at - 10, at + fade + 10);
    const double ref =
        fmax(max_step(yp, at - 10, at + fade + 10), max_step(in, at - 10, at + fade + 10));
    checks++;
    if (step > 1.05 * ref)
        tu_fail("bypass: step %.5f during the fade, signals alone %.5f", step, ref);
    printf("bypass: input passes bit-exact %.1f ms after the request; largest step during the fade "
           "%.5f vs %.5f alone\n",
           (exact_from - at) * 1000.0 / FS, step, ref);
    bx_engine_destroy(e);
    bx_engine_destroy(ep);
    free(in);
    free(y);
    free(yp);
}

static void hostile_input(void)
{
    const size_t n = (size_t)(4 * FS);
    float *in = test_signal(n, 2, 3), *clean = malloc(n * 2 * sizeof(float));
    float *y = malloc(n * 2 * sizeof(float)), *yc = malloc(n * 2 * sizeof(float));
    memcpy(clean, in, n * 2 * sizeof(float));
    for (size_t i = 1000; i < n * 2; i += 7919) {
        in[i] = (i / 7919) % 3 == 0 ? NAN : ((i / 7919) % 3 == 1 ? INFINITY : -INFINITY);
        clean[i] = 0.0f;
    }
    bx_engine *e = make_engine(full_params, 2), *ec = make_engine(full_params, 2);
    bx_engine_process(e, in, y, n, NULL);
    bx_engine_process(ec, clean, yc, n, NULL);
    checks++;
    if (memcmp(y, yc, n * 2 * sizeof(float)) != 0)
        tu_fail("NaN/Inf input samples are not treated exactly as silence");
    else
        printf("NaN/Inf input samples are treated exactly as silence\n");

    /* absurd levels: 1e30 for 10 ms, then the normal signal */
    for (size_t i = 0; i < 960; i++)
        in[i] = (i % 2) ? 1e30f : -1e30f;
    memcpy(in + 960 * 2, clean + 960 * 2, (n - 960) * 2 * sizeof(float));
    bx_engine_reset(e);
    bx_engine_process(e, in, y, n, NULL);
    int finite = 1;
    double peak = 0;
    for (size_t i = 0; i < n * 2; i++) {
        finite &= isfinite(y[i]);
        peak = fmax(peak, fabs(y[i]));
    }
    checks++;
    if (!finite || peak > pow(10, -1 / 20.0))
        tu_fail("1e30 input: output finite=%d, peak %g over the ceiling", finite, peak);
    else
        printf("1e30 input: output finite, peak %.4f under the -1 dBFS ceiling\n", peak);
    bx_engine_destroy(e);
    bx_engine_destroy(ec);
    free(in);
    free(clean);
    free(y);
    free(yc);
}

/* A bx_parallel that runs the tasks last to first on rotating workers. */
static void backwards(const bx_parallel *self, bx_task_fn fn, void *arg, size_t n)
{
    for (size_t i = n; i-- > 0;)
        fn(arg, (unsigned)(i % self->workers), i);
}

static void apply_parallel(int start_full_scale, int hold)
{
    const size_t n = 20 * (size_t)FS;
    float *x = malloc(n * sizeof *x), *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b),
          *c = malloc(n * sizeof *c), *d = malloc(n * sizeof *d);
    uint64_t seed = 99;
    for (size_t i = 0; i < n; i++) { /* a burst every 0.3 s, decaying over 50 ms, with a quiet
                                        gap over the second part's warm-up (9 s .. 10.5 s) */
        const double amp = i >= 9 * (size_t)FS && i < 21 * (size_t)FS / 2 ? 1e-3 : 0.5;
        x[i] = (float)(amp * exp(-(double)(i % 14400) / 2400.0) * tu_noise(&seed));
    }
    bx_chain_params p;
    full_params(&p);
    p.comp.has_start_level = start_full_scale;
    p.comp.start_level_db = 0.0;
    if (hold) { /* power with hold: its held release a warm-up need not reach */
        p.comp.detector = BX_DETECTOR_POWER;
        p.comp.knee_db = 0;
        p.comp.hold = 1;
    }
    const bx_parallel par = {3, backwards, NULL};
    const double warm = 8e-3 * (p.comp.attack_ms + p.comp.release_ms);
    bx_error err;
    memcpy(d, x, n * sizeof *d);
    if (bx_chain_apply(&p, FS, x, a, n, &err) ||
        bx_chain_apply_parallel(&p, FS, x, b, n, warm, NULL, &err) ||
        bx_chain_apply_parallel(&p, FS, x, c, n, warm, &par, &err) ||
        bx_chain_apply_parallel(&p, FS, d, d, n, warm, &par, &err)) {
        tu_fail("apply_parallel: %s", err.msg);
    } else {
        double diff = 0, peak = 0;
        for (size_t i = 0; i < n; i++) {
            diff = fmax(diff, fabs((double)b[i] - a[i]));
            peak = fmax(peak, fabs((double)a[i]));
        }
        const double db = 20 * log10(fmax(diff, 1e-30) / peak);
        checks++;
        printf("apply_parallel%s%s: %.1f dB from bx_chain_apply (promise %s)\n",
               start_full_scale ? " (compressor starting at 0 dBFS)" : "",
               hold ? " (power with hold: one piece)" : "", db,
               hold ? "the same bit for bit" : "<= -120");
        if (hold ? memcmp(a, b, n * sizeof *a) != 0 : !(db <= -120.0))
            tu_fail("apply_parallel%s: %.1f dB from bx_chain_apply", hold ? " with hold" : "", db);
        checks++;
        if (memcmp(b, c, n * sizeof *b) != 0 || memcmp(b, d, n * sizeof *b) != 0)
            tu_fail("apply_parallel: depends on the bx_parallel or on working in place");
    }
    free(x);
    free(a);
    free(b);
    free(c);
    free(d);
}

static void level_params(bx_chain_params *p)
{
    full_params(p);
    p->comp.detector = BX_DETECTOR_LEVEL;
}

static void reload_keeps_state(void)
{
    const size_t n = (size_t)FS, at = 24011;
    float *in = test_signal(n, 1, 5), *ya = malloc(n * sizeof *ya), *yx = malloc(n * sizeof *yx);
    bx_engine *ea = make_engine(level_params, 1), *ex = make_engine(level_params, 1);
    bx_engine_process(ea, in, ya, n, NULL);
    run_with_reload(ex, level_params, in, yx, n, at);
    double diff = 0;
    for (size_t i = 0; i < n; i++)
        diff = fmax(diff, fabs((double)yx[i] - ya[i]));
    checks++;
    if (!(diff <= 1e-6))
        tu_fail("reload to the same preset (level detector): output moved by %g", diff);
    printf("reload to the same preset (level detector): largest difference %.1e (limit 1e-6)\n",
           diff);
    bx_chain_destroy(bx_engine_collect(ex));
    bx_engine_destroy(ea);
    bx_engine_destroy(ex);
    free(in);
    free(ya);
    free(yx);
}

static void loud_params(bx_chain_params *p)
{
    full_params(p);
    p->has_limiter = 0;
    p->output_gain_db = 24;
}

static void quiet_params(bx_chain_params *p)
{
    full_params(p);
    p->has_limiter = 0;
    p->output_gain_db = 0;
}

static void full_scale(void)
{
    const size_t n = (size_t)(2 * FS);
    float *in = test_signal(n, 2, 11), *y = malloc(n * 2 * sizeof(float));
    float *q = malloc(n * 2 * sizeof(float));
    bx_engine *e = make_engine(loud_params, 2), *eq = make_engine(quiet_params, 2);
    bx_engine_process(e, in, y, n, NULL);
    bx_engine_process(eq, in, q, n, NULL);
    const double g = pow(10.0, 24.0 / 20.0);
    double peak = 0, worst = 0;
    size_t clamped = 0;
    for (size_t i = 0; i < n * 2; i++) {
        const double want = fmax(-1.0, fmin(1.0, g * (double)q[i]));
        peak = fmax(peak, fabs(y[i]));
        worst = fmax(worst, fabs(y[i] - want) / fmax(fabs(want), 1e-3));
        clamped += fabs(g * (double)q[i]) > 1.0;
    }
    checks++;
    if (peak > 1.0 || worst > 1e-6 || clamped == 0)
        tu_fail("no limiter, +24 dB: peak %.9g, worst relative error %.3g, %zu samples clamped",
                peak, worst, clamped);
    else
        printf("no limiter, +24 dB: peak %.6f, %zu samples clamped to full scale, the rest "
               "within %.2g of the chain's output\n",
               peak, clamped, worst);
    for (size_t i = 0; i < 960; i++)
        in[i] = (i % 2) ? 1e30f : -1e30f;
    bx_engine_reset(e);
    bx_engine_process(e, in, y, n, NULL);
    peak = 0;
    for (size_t i = 0; i < n * 2; i++)
        peak = fmax(peak, fabs(y[i]));
    checks++;
    if (!(peak <= 1.0))
        tu_fail("no limiter, 1e30 input: peak %g", peak);
    else
        printf("no limiter, 1e30 input: peak %.6f\n", peak);
    bx_engine_destroy(e);
    bx_engine_destroy(eq);
    free(in);
    free(y);
    free(q);
}

int main(void)
{
    block_independence(1);
    block_independence(2);
    reload_click_free();
    bypass();
    hostile_input();
    apply_parallel(0, 0);
    apply_parallel(1, 0);
    apply_parallel(0, 1);
    reload_keeps_state();
    full_scale();
    stages_split(1);
    stages_split(2);
    return tu_finish("test_engine", checks);
}
