/* bx_ltas_dump — test helper: print the gated LTAS of an audio file as text,
 * so that scripts can compare it with other implementations.
 *
 *   bx_ltas_dump FILE [NFFT]
 *
 * The file is mixed to mono (mean of the channels). Output: comment lines
 * "# key value" (rate_hz nfft bin_hz gate_db frames_total frames_used), then
 * one line per bin: "frequency_hz power" (power as in bx/spectrum.h).
 * Exit status 0, or 1 with a message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bx/audiofile.h"
#include "bx/ltas.h"
#include "bx/spectrum.h"

#define BLOCK 4096

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bx_ltas_dump FILE [NFFT]\n");
        return 1;
    }
    const size_t nfft = argc == 3 ? (size_t)strtoul(argv[2], NULL, 10) : 0;
    bx_error err = {BX_OK, ""};
    bx_audio_reader *r = NULL;
    bx_audio_info info;
    bx_ltas *l = NULL;
    bx_spectrum s = {0};
    float *buf = NULL, *mono = NULL;
    int status = 1;
    if (bx_audio_open(argv[1], &r, &info, &err) != BX_OK)
        goto out;
    l = bx_ltas_create(info.rate_hz, nfft, &err);
    buf = malloc((size_t)BLOCK * info.channels * sizeof *buf);
    mono = malloc(BLOCK * sizeof *mono);
    if (!l || !buf || !mono)
        goto out;
    long long got;
    while ((got = bx_audio_read(r, buf, BLOCK, &err)) > 0) {
        for (long long i = 0; i < got; i++) {
            double m = 0;
            for (unsigned c = 0; c < info.channels; c++)
                m += buf[i * info.channels + c];
            mono[i] = (float)(m / info.channels);
        }
        bx_ltas_add(l, mono, (size_t)got);
    }
    if (got < 0 || bx_ltas_finish(l, &s, &err) != BX_OK)
        goto out;
    printf("# rate_hz %.17g\n# nfft %zu\n# bin_hz %.17g\n# gate_db %.17g\n", s.rate_hz, s.nfft,
           s.bin_hz, s.gate_db);
    printf("# frames_total %zu\n# frames_used %zu\n", s.frames_total, s.frames_used);
    for (size_t k = 0; k < s.n_bins; k++)
        printf("%.17g %.17g\n", (double)k * s.bin_hz, s.power[k]);
    status = 0;
out:
    if (status)
        fprintf(stderr, "bx_ltas_dump: %s: %s\n", argv[1], err.msg[0] ? err.msg : "out of memory");
    bx_spectrum_free(&s);
    bx_ltas_destroy(l);
    bx_audio_close(r);
    free(buf);
    free(mono);
    return status;
}
