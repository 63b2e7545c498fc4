/* test_bridge — `bxlive --duplex split`'s bridge between two independently
 * clocked callbacks, simulated event by event (no audio device).
 *
 * The input side pushes blocks of a ramp (frame k carries k + 1; silence is
 * 0), the output side pulls blocks; callbacks happen at their streams' block
 * times, the output's offset by a phase. Promises:
 *  - same clock, equal or different periods (256/256, 480/441, 64/1024,
 *    1024/64, 128/96, several phases): after the start no underrun, drop or
 *    refused block in 60 s; the output is the ramp without a gap; the newest
 *    frame read is younger than T + 2 Pi - Po frames (bridge.h), and than one
 *    period when the periods are equal (what the bridge adds to the round
 *    trip);
 *  - input clock 1000 ppm fast: backlogs are dropped (counted), the frames
 *    skipped add up to the drift (48 frames/s) within two targets, the ring
 *    never holds more than 2 targets before a read, and between drops the
 *    ramp has no gap;
 *  - input clock 1000 ppm slow: the ring runs dry (counted) and restarts;
 *    the silence inserted adds up to the drift within two target periods;
 *  - a full ring refuses a whole input block and counts it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "testutil.h"

static int checks;

typedef struct outcome {
    unsigned long underruns, drops, overflows;
    double skipped;  /* input frames never played (jumps in the ramp) */
    double silence;  /* silent frames played after the start */
    size_t max_fill; /* ring fill before a read, frames, after the start */
    double max_age;  /* input frames captured since the newest frame read, at a read */
    size_t target;   /* the bridge's target at the end */
    int backwards;   /* the ramp went back or repeated */
} outcome;

static void simulate(double f_in, double f_out, unsigned p_in, unsigned p_out, double phase_s,
                     double seconds, outcome *o)
{
    bridge b;
    memset(o, 0, sizeof *o);
    if (bridge_init(&b, 16384) != 0) {
        tu_fail("bridge_init: out of memory");
        return;
    }
    float *blk = malloc(sizeof(float) * (p_in > p_out ? p_in : p_out));
    double n_in = 0, last = 0;
    unsigned long k_in = 0, k_out = 0;
    int started = 0;
    for (;;) {
        const double t_in = (double)(k_in + 1) * p_in / f_in; /* block k_in complete */
        const double t_out = phase_s + (double)k_out * p_out / f_out;
        if (t_in > seconds && t_out > seconds)
            break;
        if (t_in <= t_out) {
            for (unsigned i = 0; i < p_in; i++)
                blk[i] = (float)(n_in + i + 1);
            bridge_input_block(&b, p_in);
            bridge_push(&b, blk, p_in);
            n_in += p_in;
            k_in++;
        } else {
            bridge_output_block(&b, p_out);
            const size_t fill = ring_available(b.r);
            bridge_pull(&b, blk, p_out);
            for (unsigned i = 0; i < p_out; i++) {
                const double v = blk[i];
                if (v == 0) {
                    if (started)
                        o->silence += 1;
                    continue;
                }
                if (started) {
                    if (v <= last)
                        o->backwards = 1;
                    o->skipped += v - last - 1;
                } else {
                    started = 1;
                }
                last = v;
            }
            if (started && t_out > 1.0) {
                if (fill > o->max_fill)
                    o->max_fill = fill;
                if (t_out * f_in - last > o->max_age)
                    o->max_age = t_out * f_in - last;
            }
            if (t_out <= 1.0) { /* settle: count from 1 s on */
                atomic_store(&b.underruns, 0);
                atomic_store(&b.drops, 0);
                atomic_store(&b.r->overflows, 0);
            }
            k_out++;
        }
    }
    o->underruns = atomic_load(&b.underruns);
    o->drops = atomic_load(&b.drops);
    o->overflows = atomic_load(&b.r->overflows);
    o->target = b.target;
    free(blk);
    bridge_free(&b);
}

static void same_clock(unsigned p_in, unsigned p_out, double phase_s)
{
    outcome o;
    simulate(48000.0, 48000.0, p_in, p_out, phase_s, 60.0, &o);
    const double age_limit = (double)o.target + 2.0 * p_in - p_out;
    const double period_limit = p_in == p_out ? p_in : age_limit;
    checks++;
    if (o.underruns || o.drops || o.overflows || o.skipped != 0 || o.silence != 0 || o.backwards ||
        o.max_age >= age_limit || o.max_age >= period_limit)
        tu_fail("same clock, periods in %u / out %u, phase %.4f s: underruns %lu, drops %lu, "
                "refused %lu, skipped %.0f, silence %.0f, newest frame read up to %.1f frames "
                "old (limit %.0f)%s",
                p_in, p_out, phase_s, o.underruns, o.drops, o.overflows, o.skipped, o.silence,
                o.max_age, age_limit < period_limit ? age_limit : period_limit,
                o.backwards ? ", ramp went back" : "");
    else
        printf("ok   same clock, in %4u / out %4u, phase %.4f s: no glitch in 60 s, target %zu, "
               "newest frame read up to %.1f frames old (limit %.0f)\n",
               p_in, p_out, phase_s, o.target, o.max_age,
               age_limit < period_limit ? age_limit : period_limit);
}

static void drift(double ppm, unsigned p_in, unsigned p_out)
{
    outcome o;
    const double seconds = 60.0;
    simulate(48000.0 * (1 + ppm * 1e-6), 48000.0, p_in, p_out, 0.0013, seconds, &o);
    const double drift_frames = fabs(ppm) * 1e-6 * 48000.0 * (seconds - 1.0);
    const double got = ppm > 0 ? o.skipped : o.silence;
    const double tol = 2.0 * (double)o.target;
    const size_t limit = 2 * o.target;
    checks++;
    const int counted = ppm > 0 ? o.drops > 0 && o.underruns == 0 : o.underruns > 0 && o.drops == 0;
    if (!counted || fabs(got - drift_frames) > tol || o.backwards || o.max_fill > limit ||
        o.overflows)
        tu_fail("input clock %+.0f ppm, periods %u / %u: drops %lu, underruns %lu, refused %lu, "
                "%s %.0f frames vs drift %.0f (tolerance %.0f), max fill %zu (limit %zu)%s",
                ppm, p_in, p_out, o.drops, o.underruns, o.overflows,
                ppm > 0 ? "skipped" : "silence", got, drift_frames, tol, o.max_fill, limit,
                o.backwards ? ", ramp went back" : "");
    else
        printf("ok   input clock %+.0f ppm, in %u / out %u: %lu %s, %s %.0f frames vs drift %.0f "
               "(tolerance %.0f), ring <= %zu frames\n",
               ppm, p_in, p_out, ppm > 0 ? o.drops : o.underruns, ppm > 0 ? "drops" : "underruns",
               ppm > 0 ? "skipped" : "silence", got, drift_frames, tol, o.max_fill);
}

static void full_ring(void)
{
    bridge b;
    if (bridge_init(&b, 1024) != 0) {
        tu_fail("bridge_init: out of memory");
        return;
    }
    float x[700] = {0};
    bridge_input_block(&b, 700);
    bridge_push(&b, x, 700);
    bridge_push(&b, x, 700); /* 1400 > 1024: refused whole */
    checks++;
    if (ring_available(b.r) != 700 || atomic_load(&b.r->overflows) != 1 || bridge_glitches(&b) != 1)
        tu_fail("a block that does not fit: %zu frames held, %zu refused (want 700, 1)",
                ring_available(b.r), atomic_load(&b.r->overflows));
    else
        printf("ok   a block that does not fit is refused whole and counted\n");
    bridge_free(&b);
}

int main(void)
{
    const unsigned pairs[][2] = {{256, 256}, {480, 441}, {441, 480},
                                 {64, 1024}, {1024, 64}, {128, 96}};
    const double phases[] = {0.0, 0.0013, 0.00531};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        for (size_t k = 0; k < sizeof phases / sizeof phases[0]; k++)
            same_clock(pairs[i][0], pairs[i][1], phases[k]);
    drift(1000, 256, 256);
    drift(1000, 480, 441);
    drift(-1000, 256, 256);
    drift(-1000, 64, 1024);
    full_ring();
    return tu_finish("test_bridge", checks);
}
