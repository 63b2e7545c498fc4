/* test_chainfit — the waveform refinement finds a chain it is started near.
 *
 * y is bursty noise through a known chain (highpass, shelf, two bells,
 * compressor). Started from a perturbed copy (frequencies 10-15 % off, gains
 * 1-2 dB off, threshold 3 dB off, ratio 1.5x, attack/release 2x), the
 * refinement must reach >= 40 dB SNR against y and improve on the start by
 * >= 20 dB; started from the truth it must not get worse. Two Levenberg–
 * Marquardt steps alone (bx_chainfit_steps_ws) are two iterations of the
 * refinement bit for bit where no band goes wrong, and gain >= 3 dB; from a
 * start with a fault (two opposite bells 0.1 octave apart) the steps keep the
 * start (and its SNR) if they end on a fault, where the refinement repairs it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/chainfit.h"
#include "bx/eqfit.h"
#include "testutil.h"

static const double FS = 48000.0;

static void truth(bx_chain_params *p)
{
    bx_chain_params_default(p);
    p->n_bands = 4;
    p->bands[0] = (bx_band){BX_BIQUAD_HIGHPASS, 60, 0, 0.7071};
    p->bands[1] = (bx_band){BX_BIQUAD_LOW_SHELF, 150, 4, 0.7071};
    p->bands[2] = (bx_band){BX_BIQUAD_PEAK, 900, -5, 1.5};
    p->bands[3] = (bx_band){BX_BIQUAD_PEAK, 4000, 3, 2.0};
    p->has_comp = 1;
    p->comp = (bx_comp_params){-26, 3, 6, 5, 120, 0, BX_DETECTOR_PEAK, 0, 0};
}

int main(void)
{
    const size_t n = (size_t)(4.0 * FS), warm = (size_t)(0.5 * FS);
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    uint64_t seed = 77;
    for (size_t i = 0; i < n; i++) {
        const double env = (i / 4800) % 4 == 0 ? 0.8 : ((i / 4800) % 4 == 2 ? 0.2 : 0.03);
        x[i] = (float)(env * tu_noise(&seed));
    }
    bx_chain_params t;
    truth(&t);
    bx_error err;
    if (tu_run_chain(&t, FS, x, y, n))
        return tu_finish("test_chainfit", 1);

    int checks = 0;
    bx_chain_params p = t;
    p.bands[0].freq_hz *= 1.15;
    p.bands[1].gain_db += 2;
    p.bands[2].freq_hz *= 0.9;
    p.bands[2].gain_db -= 1;
    p.bands[3].q *= 1.3;
    p.comp.threshold_db += 3;
    p.comp.ratio *= 1.5;
    p.comp.attack_ms *= 2;
    p.comp.release_ms *= 2;
    double snr0, snr;
    bx_chain_params start = p;
    bx_chainfit_refine(x, y, n, warm, FS, 0, NULL, &start, &snr0,
                       &err); /* 0 iterations: the start's SNR */
    if (bx_chainfit_refine(x, y, n, warm, FS, 25, NULL, &p, &snr, &err)) {
        tu_fail("refine: %s", err.msg);
        return tu_finish("test_chainfit", 1);
    }
    checks += 2;
    if (snr < 40.0 || snr < snr0 + 20.0)
        tu_fail("from a perturbed start: SNR %.1f dB (start %.1f dB), want >= 40 and +20", snr,
                snr0);
    printf("from a perturbed start: SNR %.1f dB -> %.1f dB (limit >= 40 dB, +20 dB); found hp %.1f "
           "Hz, "
           "bell %.1f Hz %+.2f dB, threshold %.2f dB, ratio %.2f\n",
           snr0, snr, p.bands[0].freq_hz, p.bands[2].freq_hz, p.bands[2].gain_db,
           p.comp.threshold_db, p.comp.ratio);
    bx_chain_params q = t;
    double snr_t;
    bx_chainfit_refine(x, y, n, warm, FS, 5, NULL, &q, &snr_t, &err);
    checks++;
    if (snr_t < 100.0)
        tu_fail("started from the truth the refinement got worse: SNR %.1f dB", snr_t);
    printf("from the truth: SNR %.1f dB (limit >= 100 dB)\n", snr_t);

    /* steps only (the race's heats): from the perturbed start, 2 steps are
     * 2 iterations of the refinement, bit for bit, where no band goes wrong */
    bx_chainfit_ws *ws = bx_chainfit_ws_create();
    bx_chain_params a = start, b = start;
    double snr_a = 0, snr_b = 0;
    checks += 2;
    if (!ws || bx_chainfit_steps_ws(ws, x, y, n, warm, FS, 2, NULL, &a, &snr_a, &err) ||
        bx_chainfit_refine_ws(ws, x, y, n, warm, FS, 2, NULL, &b, &snr_b, &err)) {
        tu_fail("steps: %s", ws ? err.msg : "out of memory");
    } else {
        if (memcmp(&a, &b, sizeof a) != 0 || snr_a != snr_b)
            tu_fail("2 steps and a 2-iteration refinement differ (SNR %.3f / %.3f dB)", snr_a,
                    snr_b);
        if (!(snr_a > snr0 + 3.0))
            tu_fail("2 steps from the perturbed start: SNR %.1f dB (start %.1f), want +3 dB", snr_a,
                    snr0);
        printf("2 steps from the perturbed start: SNR %.1f dB -> %.1f dB, the same as 2 "
               "iterations of the refinement\n",
               snr0, snr_a);
    }
    /* a start with a fault (a +1 dB bell beside the -5 dB one): the steps
     * leave p as it was and give the start's SNR; the refinement repairs it */
    bx_chain_params f = t;
    f.bands[f.n_bands++] = (bx_band){BX_BIQUAD_PEAK, 960, 1, 1.5};
    bx_chain_params f0 = f, fs = f, fr = f;
    double snr_f0 = 0, snr_fs = 0, snr_fr = 0;
    checks += 3;
    if (bx_eqfit_fault_band(f.bands, f.n_bands, FS) < 0) {
        tu_fail("the faulty start has no fault");
    } else if (!ws || bx_chainfit_steps_ws(ws, x, y, n, warm, FS, 0, NULL, &f0, &snr_f0, &err) ||
               bx_chainfit_steps_ws(ws, x, y, n, warm, FS, 3, NULL, &fs, &snr_fs, &err) ||
               bx_chainfit_refine_ws(ws, x, y, n, warm, FS, 3, NULL, &fr, &snr_fr, &err)) {
        tu_fail("steps from a fault: %s", ws ? err.msg : "out of memory");
    } else {
        const int fault_left = bx_eqfit_fault_band(fs.bands, fs.n_bands, FS) >= 0;
        if (fault_left && (memcmp(&fs, &f, sizeof f) != 0 || snr_fs != snr_f0))
            tu_fail("steps that end on a fault changed p or its SNR (%.2f, start %.2f dB)", snr_fs,
                    snr_f0);
        if (!fault_left && !(snr_fs > snr_f0))
            tu_fail("steps that left the fault did not improve: %.2f dB (start %.2f)", snr_fs,
                    snr_f0);
        if (bx_eqfit_fault_band(fr.bands, fr.n_bands, FS) >= 0 || !(snr_fr > snr_f0))
            tu_fail("the refinement did not repair the fault (SNR %.2f dB, start %.2f)", snr_fr,
                    snr_f0);
        printf("from a start with a fault: steps %s (SNR %.1f dB, start %.1f), the refinement "
               "repairs it (%u bands, SNR %.1f dB)\n",
               fault_left ? "keep p as it was" : "left the fault", snr_fs, snr_f0, fr.n_bands,
               snr_fr);
    }
    bx_chainfit_ws_destroy(ws);
    free(x);
    free(y);
    return tu_finish("test_chainfit", checks);
}
