/* test_compfit — the stats fit (bxanalyze --source) on synthetic performances.
 *
 * A "performance" is decaying noise bursts (hits) at a jittered 16th-note
 * rate with random velocities over a -70 dB noise floor. Promises:
 *  1. Same performance, known compressor: the fit compresses, and its
 *     compressor applied to the dry take follows the true one's 10 ms
 *     envelope within 0.5 dB on average (frames within 45 dB of the
 *     loudest; the mean offset removed: the makeup is set by loudness later).
 *     With a "level" follower as the true detector, the fit keeps the
 *     detector whose signature is closer, "level", and follows the
 *     envelope within the same 0.5 dB; its evidence (what decides whether
 *     to keep one) is "peak"'s improvement over none.
 *  2. Same performance, no compressor: the fit leaves the compressor off,
 *     and reports the "peak" design's fit, the one whose test decides
 *     (the closer of two designs would pass the margin by chance more
 *     often).
 *  3. Another performance whose hits are denser and its quiet passages far
 *     louder relative to its peaks (a difference between performances, not a
 *     compressor): whatever the fit decides stays inside its box — ratio
 *     <= 10:1, release <= 1 s, threshold >= the take's RMS - 10 dB (1e-9
 *     slack). Without the box this target draws 16:1 at 24 dB under the
 *     take's RMS.
 *  4. Paired, known compressor (RMS detector): the fit's gain trace is
 *     within 0.3 dB RMS of the truth. bx_compfit_paired_near from that fit
 *     on the same take played 2 dB louder (what a refitted EQ before the
 *     compressor changes) ends within 0.05 dB of a full search there; from
 *     a result without a fit it is the full search, to the bit.
 *  5. Paired, an RMS window feeding an envelope follower (rms_level): that
 *     detector, at the window searched nearest the truth.
 *  6. Paired, the "level" follower with a fast attack, 7.8:1 and a 5.6 dB
 *     knee: its best fit lies in the truth's basin (threshold within 1 dB,
 *     ratio 20 %, knee 3 dB, attack a factor of 2; gain trace under
 *     0.15 dB).
 *  7. Paired, the "power" detector with hold: found with hold (threshold
 *     within 1 dB, ratio 10 %, release a factor of 1.23; gain trace under
 *     0.05 dB, half of any other detector's).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/compfit.h"
#include "testutil.h"

static const double FS = 48000.0;

/* hits every `step_s` (jittered by 4 ms), velocities in [vmin, 1], decay tau */
static void performance(float *x, size_t n, uint64_t seed, double step_s, double vmin, double tau_s)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(pow(10.0, -70.0 / 20.0) * tu_noise(&s));
    for (double t = 0.05; t < (double)n / FS; t += step_s) {
        const double at = t + 0.004 * tu_noise(&s);
        const double vel = vmin + (1.0 - vmin) * 0.5 * (1.0 + tu_noise(&s));
        const size_t i0 = (size_t)(fmax(at, 0.0) * FS);
        for (size_t k = 0; i0 + k < n && k < (size_t)(6.0 * tau_s * FS); k++)
            x[i0 + k] += (float)(0.25 * vel * exp(-(double)k / (tau_s * FS)) * tu_noise(&s));
    }
}

static double env_error_db(const float *a, const float *b, size_t n)
{
    const size_t w = (size_t)(0.010 * FS), m = n / w;
    double *ea = malloc(m * sizeof *ea), *eb = malloc(m * sizeof *eb), top = -400, sum = 0, off = 0;
    size_t cnt = 0;
    for (size_t f = 0; f < m; f++) {
        double sa = 0, sb = 0;
        for (size_t k = f * w; k < (f + 1) * w; k++)
            sa += (double)a[k] * a[k], sb += (double)b[k] * b[k];
        ea[f] = 10.0 * log10(sa / (double)w + 1e-30);
        eb[f] = 10.0 * log10(sb / (double)w + 1e-30);
        top = fmax(top, eb[f]);
    }
    for (size_t f = 0; f < m; f++)
        if (eb[f] > top - 45.0)
            off += ea[f] - eb[f], cnt++;
    off = cnt ? off / (double)cnt : 0.0;
    for (size_t f = 0; f < m; f++)
        if (eb[f] > top - 45.0)
            sum += fabs(ea[f] - eb[f] - off);
    free(ea);
    free(eb);
    return cnt ? sum / (double)cnt : 400.0;
}

/* x through chain t with compressor c in place of t's (its makeup 0) into z:
 * its envelope error against y */
static double fitted_env_error_db(const bx_chain_params *t, const bx_comp_params *c, const float *x,
                                  const float *y, float *z, size_t n)
{
    bx_chain_params f = *t;
    f.comp = *c;
    f.comp.makeup_db = 0;
    tu_run_chain(&f, FS, x, z, n);
    return env_error_db(z, y, n);
}

/* a and b hold the same settings, field by field (memcmp would compare the
 * struct's padding too) */
static int same_params(const bx_comp_params *a, const bx_comp_params *b)
{
    return a->threshold_db == b->threshold_db && a->ratio == b->ratio && a->knee_db == b->knee_db &&
           a->attack_ms == b->attack_ms && a->release_ms == b->release_ms &&
           a->makeup_db == b->makeup_db && a->detector == b->detector &&
           a->has_start_level == b->has_start_level && a->start_level_db == b->start_level_db &&
           a->rms_ms == b->rms_ms && a->hold == b->hold;
}

int main(void)
{
    const size_t n = (size_t)(12.0 * FS);
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    int checks = 0;
    bx_error err;
    bx_dynsig sig;
    bx_compfit_result r;
    performance(x, n, 11, 0.15, 0.3, 0.06);

    /* 1. a known compressor */
    bx_chain_params t;
    bx_chain_params_default(&t);
    t.has_limiter = 0;
    t.has_comp = 1;
    t.comp = (bx_comp_params){-24, 4, 6, 5, 150, 0, BX_DETECTOR_PEAK, 0, 0, 0, 0};
    if (tu_run_chain(&t, FS, x, y, n) || bx_dynsig_compute(y, n, FS, &sig, &err) ||
        bx_compfit_stats(x, n, FS, &sig, 0.1, NULL, &r, &err)) {
        tu_fail("known compressor: %s", err.msg);
        return tu_finish("test_compfit", 1);
    }
    checks += 2;
    double e = 400;
    if (!r.use_comp) {
        tu_fail("known compressor: the fit left the compressor off (error %.2f dB, off %.2f dB)",
                r.error_db, r.error_off_db);
    } else {
        e = fitted_env_error_db(&t, &r.params, x, y, z, n);
        if (e > 0.5)
            tu_fail("known compressor: fitted envelope %.2f dB from the true one (limit 0.5)", e);
    }
    printf("known compressor (-24 dB, 4:1, 5/150 ms): fit %.1f dB %.2f:1 %.1f/%.0f ms, envelope "
           "%.2f dB from the truth (limit 0.5); signature error %.2f dB (off: %.2f)\n",
           r.params.threshold_db, r.params.ratio, r.params.attack_ms, r.params.release_ms, e,
           r.error_db, r.error_off_db);

    /* 1b. a known compressor with the "level" follower (SoX's compand is one):
     * the stats fit searches it beside "peak" and keeps the closer */
    t.comp = (bx_comp_params){-26, 5, 6, 3, 120, 0, BX_DETECTOR_LEVEL, 0, 0, 0, 0};
    if (tu_run_chain(&t, FS, x, y, n) || bx_dynsig_compute(y, n, FS, &sig, &err) ||
        bx_compfit_stats(x, n, FS, &sig, 0.1, NULL, &r, &err)) {
        tu_fail("known level compressor: %s", err.msg);
        return tu_finish("test_compfit", checks + 1);
    }
    checks += 3;
    double e_level = 400, e_peak = 400;
    const double d_peak = r.by_detector_error_db[BX_DETECTOR_PEAK],
                 d_level = r.by_detector_error_db[BX_DETECTOR_LEVEL];
    if (!r.use_comp) {
        tu_fail("known level compressor: the fit left the compressor off (error %.2f dB, off "
                "%.2f dB)",
                r.error_db, r.error_off_db);
    } else {
        e_level = fitted_env_error_db(&t, &r.params, x, y, z, n);
        if (e_level > 0.5)
            tu_fail("known level compressor: fitted envelope %.2f dB from the true one (limit "
                    "0.5)",
                    e_level);
        e_peak = fitted_env_error_db(&t, &r.by_detector[BX_DETECTOR_PEAK], x, y, z, n);
    }
    if (!(r.error_db == fmin(d_peak, d_level)) || r.params.detector != BX_DETECTOR_LEVEL ||
        r.evidence_db != r.error_off_db - d_peak)
        tu_fail("known level compressor: kept %s at %.3f dB, searched peak %.3f level %.3f dB "
                "(the closer, level, should stay), evidence %.3f dB (peak's, %.3f, decides)",
                bx_detector_name(r.params.detector), r.error_db, d_peak, d_level, r.evidence_db,
                r.error_off_db - d_peak);
    printf("known level compressor (-26 dB, 5:1, 3/120 ms): fit %s %.1f dB %.2f:1 %.1f/%.0f ms, "
           "envelope %.2f dB from the truth (limit 0.5; the best peak detector's %.2f); "
           "signature error level %.2f, peak %.2f dB\n",
           bx_detector_name(r.params.detector), r.params.threshold_db, r.params.ratio,
           r.params.attack_ms, r.params.release_ms, e_level, e_peak, d_level, d_peak);

    /* 2. none */
    if (bx_dynsig_compute(x, n, FS, &sig, &err) ||
        bx_compfit_stats(x, n, FS, &sig, 0.1, NULL, &r, &err)) {
        tu_fail("no compressor: %s", err.msg);
        return tu_finish("test_compfit", checks + 1);
    }
    checks++;
    if (r.use_comp)
        tu_fail("no compressor: the fit added one (%.1f dB, %.2f:1)", r.params.threshold_db,
                r.params.ratio);
    checks++;
    if (!r.use_comp && (r.params.detector != BX_DETECTOR_PEAK ||
                        r.error_db != r.by_detector_error_db[BX_DETECTOR_PEAK]))
        tu_fail("no compressor: the fit reported is %s at %.3f dB, not the peak design's that "
                "was tested (%.3f dB)",
                bx_detector_name(r.params.detector), r.error_db,
                r.by_detector_error_db[BX_DETECTOR_PEAK]);
    printf("no compressor: %s\n", r.use_comp ? "one added" : "left off");

    /* 3. another performance that looks squeezed: the box holds */
    performance(y, n, 12, 0.07, 0.8, 0.12);
    double ms = 0;
    for (size_t i = 0; i < n; i++)
        ms += (double)x[i] * x[i];
    const double floor_db = 10.0 * log10(ms / (double)n) - 10.0;
    if (bx_dynsig_compute(y, n, FS, &sig, &err) ||
        bx_compfit_stats(x, n, FS, &sig, 0.1, NULL, &r, &err)) {
        tu_fail("another performance: %s", err.msg);
        return tu_finish("test_compfit", checks + 1);
    }
    checks += 3;
    if (r.use_comp && r.params.ratio > 10.0 + 1e-9)
        tu_fail("another performance: ratio %.2f above the box's 10", r.params.ratio);
    if (r.use_comp && r.params.release_ms > 1000.0 + 1e-9)
        tu_fail("another performance: release %.0f ms above the box's 1000", r.params.release_ms);
    if (r.use_comp && r.params.threshold_db < floor_db - 1e-9)
        tu_fail("another performance: threshold %.1f dB under the box's %.1f",
                r.params.threshold_db, floor_db);
    printf("another performance: %s %.1f dB (floor %.1f) %.2f:1 release %.0f ms\n",
           r.use_comp ? "compressor" : "none", r.params.threshold_db, floor_db, r.params.ratio,
           r.params.release_ms);

    /* 4. paired, and its search from an earlier fit */
    performance(x, n, 13, 0.12, 0.3, 0.08);
    t.comp = (bx_comp_params){-26, 3, 4, 3, 120, 0, BX_DETECTOR_RMS, 0, 0, 0, 0};
    bx_compfit_result full, near, plain;
    const size_t skip = n / 8;
    if (tu_run_chain(&t, FS, x, y, n) ||
        bx_compfit_paired(x, y, n, skip, FS, 0.1, NULL, &r, &err)) {
        tu_fail("paired: %s", err.msg);
        return tu_finish("test_compfit", checks + 1);
    }
    checks += 4;
    if (!r.use_comp || r.error_db > 0.3)
        tu_fail("paired: %s, gain-trace error %.3f dB (limit 0.3)", r.use_comp ? "kept" : "off",
                r.error_db);
    const float louder = (float)pow(10.0, 2.0 / 20.0);
    for (size_t i = 0; i < n; i++)
        z[i] = x[i] * louder;
    bx_compfit_result none;
    memset(&none, 0, sizeof none);
    if (bx_compfit_paired(z, y, n, skip, FS, 0.1, NULL, &full, &err) ||
        bx_compfit_paired_near(z, y, n, skip, FS, 0.1, &r, NULL, &near, &err) ||
        bx_compfit_paired_near(z, y, n, skip, FS, 0.1, &none, NULL, &plain, &err)) {
        tu_fail("paired, 2 dB louder: %s", err.msg);
        return tu_finish("test_compfit", checks);
    }
    if (!(near.error_db <= full.error_db + 0.05))
        tu_fail("paired, 2 dB louder: from the earlier fit %.3f dB, full search %.3f dB (limit "
                "+0.05)",
                near.error_db, full.error_db);
    if (!same_params(&plain.params, &full.params) || plain.error_db != full.error_db)
        tu_fail("paired: bx_compfit_paired_near without an earlier fit differs from the full "
                "search");
    printf("paired (-26 dB, 3:1, rms): fit %.1f dB %.2f:1 %.1f/%.0f ms, gain trace %.3f dB "
           "(limit 0.3); 2 dB louder: threshold %.1f dB, trace %.3f dB from the earlier fit, "
           "%.3f dB searched in full\n",
           r.params.threshold_db, r.params.ratio, r.params.attack_ms, r.params.release_ms,
           r.error_db, near.params.threshold_db, near.error_db, full.error_db);

    /* 5. paired, an RMS window feeding an envelope follower: its detector is
     * the one found, at the window it was searched with nearest the truth */
    t.comp = (bx_comp_params){-28, 4, 6, 5, 100, 0, BX_DETECTOR_RMS_LEVEL, 0, 0, 4.0, 0};
    if (tu_run_chain(&t, FS, x, y, n) ||
        bx_compfit_paired(x, y, n, skip, FS, 0.1, NULL, &r, &err)) {
        tu_fail("paired rms_level: %s", err.msg);
        return tu_finish("test_compfit", checks + 1);
    }
    checks += 2;
    if (!r.use_comp || r.params.detector != BX_DETECTOR_RMS_LEVEL || r.params.rms_ms != 5.0 ||
        fabs(r.params.threshold_db + 28) > 1.5 || fabs(r.params.ratio / 4 - 1) > 0.2)
        tu_fail("paired rms_level (-28 dB, 4:1, 4 ms): found %s %s %.1f dB %.2f:1 over %.3g ms",
                r.use_comp ? "kept" : "off", bx_detector_name(r.params.detector),
                r.params.threshold_db, r.params.ratio, r.params.rms_ms);
    checks++;
    if (r.n_constrained != 5 || !(r.constrained[4] >= 0 && r.constrained[4] <= 1) ||
        !(r.confidence <= r.constrained[0]))
        tu_fail("paired rms_level: %d constrained parameters (want 5, the fifth rms_ms), rms_ms "
                "%.3f, confidence %.3f",
                r.n_constrained, r.constrained[4], r.confidence);
    if (!(r.error_db < 0.5 * r.by_detector_error_db[BX_DETECTOR_LEVEL]))
        tu_fail("paired rms_level: gain trace %.3f dB, the level detector's %.3f dB (must be "
                "twice as far)",
                r.error_db, r.by_detector_error_db[BX_DETECTOR_LEVEL]);
    printf("paired (-28 dB, 4:1, rms_level 4 ms): %s %.1f dB %.2f:1 over %.3g ms, gain trace "
           "%.3f dB; level detector %.3f dB\n",
           bx_detector_name(r.params.detector), r.params.threshold_db, r.params.ratio,
           r.params.rms_ms, r.error_db, r.by_detector_error_db[BX_DETECTOR_LEVEL]);

    /* 6. paired, an envelope follower on |x| with a fast attack, a high
     * ratio and a narrow knee (LSP Compressor's peak mode): its |x| moves
     * within a block, which the block model must follow (fed each block's
     * mean |x|, it found -35.8 dB, 5.9 ms, a gain trace of 0.23 dB: another
     * basin, which the waveform's refinement did not leave) */
    t.comp = (bx_comp_params){-30, 7.8, 5.6, 1.5, 290, 0, BX_DETECTOR_LEVEL, 0, 0, 0, 0};
    if (tu_run_chain(&t, FS, x, y, n) ||
        bx_compfit_paired(x, y, n, skip, FS, 0.1, NULL, &r, &err)) {
        tu_fail("paired level: %s", err.msg);
        return tu_finish("test_compfit", checks + 1);
    }
    checks++;
    const bx_comp_params *lv = &r.by_detector[BX_DETECTOR_LEVEL];
    if (!r.use_comp || fabs(lv->threshold_db + 30) > 1.0 || fabs(lv->knee_db - 5.6) > 3.0 ||
        fabs(lv->ratio / 7.8 - 1) > 0.2 || fabs(log2(lv->attack_ms / 1.5)) > 1.0 ||
        !(r.by_detector_error_db[BX_DETECTOR_LEVEL] < 0.15))
        tu_fail("paired level (-30 dB, 7.8:1, knee 5.6 dB, 1.5/290 ms): %s, its level detector "
                "%.1f dB %.2f:1 knee %.1f dB %.2f/%.0f ms, gain trace %.3f dB (limits 1 dB, 20 %%, "
                "3 dB, a factor of 2; 0.15 dB)",
                r.use_comp ? "kept" : "off", lv->threshold_db, lv->ratio, lv->knee_db,
                lv->attack_ms, lv->release_ms, r.by_detector_error_db[BX_DETECTOR_LEVEL]);
    printf("paired (-30 dB, 7.8:1, knee 5.6 dB, level 1.5/290 ms): %.1f dB %.2f:1 knee %.1f dB "
           "%.2f/%.0f ms, gain trace %.3f dB\n",
           lv->threshold_db, lv->ratio, lv->knee_db, lv->attack_ms, lv->release_ms,
           r.by_detector_error_db[BX_DETECTOR_LEVEL]);

    /* 7. paired, the power detector with hold (x42-comp's option: the
     * release stops while the signal stays under the threshold), on sparse
     * hits: found with hold, near its settings, and closer than any other
     * detector comes */
    t.comp = (bx_comp_params){-33, 2.5, 0, 10, 60, 0, BX_DETECTOR_POWER, 0, 0, 0, 1};
    performance(x, n, 12, 0.5, 0.1, 0.05); /* sparse hits: the hold shows between them */
    if (tu_run_chain(&t, FS, x, y, n) ||
        bx_compfit_paired(x, y, n, skip, FS, 0.1, NULL, &r, &err)) {
        tu_fail("paired power with hold: %s", err.msg);
        return tu_finish("test_compfit", checks + 1);
    }
    checks++;
    const bx_comp_params *pw = &r.by_detector[BX_DETECTOR_POWER];
    if (!r.use_comp || r.params.detector != BX_DETECTOR_POWER || !pw->hold ||
        fabs(pw->threshold_db + 33) > 1.0 || fabs(pw->ratio / 2.5 - 1) > 0.1 ||
        fabs(log2(pw->release_ms / 60)) > 0.3 || !(r.error_db < 0.05))
        tu_fail("paired power with hold (-33 dB, 2.5:1, 10/60 ms): %s %s%s, its power detector "
                "%.1f dB %.2f:1 %.2f/%.0f ms%s, gain trace %.3f dB (limits 1 dB, 10 %%, a factor "
                "of 1.23 in release; 0.05 dB)",
                r.use_comp ? "kept" : "off", bx_detector_name(r.params.detector),
                r.params.hold ? " with hold" : "", pw->threshold_db, pw->ratio, pw->attack_ms,
                pw->release_ms, pw->hold ? " with hold" : " without hold", r.error_db);
    checks++;
    double others = INFINITY; /* the best of the other detectors */
    for (int d = 0; d < BX_DETECTOR_COUNT; d++)
        if (d != BX_DETECTOR_POWER && r.by_detector[d].ratio >= 1.0)
            others = fmin(others, r.by_detector_error_db[d]);
    if (!(r.error_db < 0.5 * others))
        tu_fail("paired power with hold: gain trace %.3f dB, the best other detector's %.3f dB "
                "(must be twice as far)",
                r.error_db, others);
    printf("paired (-33 dB, 2.5:1, power with hold, 10/60 ms): %s%s %.1f dB %.2f:1 %.2f/%.0f ms, "
           "gain trace %.3f dB; the best other detector %.3f dB\n",
           bx_detector_name(r.params.detector), r.params.hold ? " with hold" : "",
           r.params.threshold_db, r.params.ratio, r.params.attack_ms, r.params.release_ms,
           r.error_db, others);
    free(x);
    free(y);
    free(z);
    return tu_finish("test_compfit", checks);
}
