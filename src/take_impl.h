/* take_impl.h — the inside of a bx_take (bx/take.h), for libbx's analysis. */
#ifndef BX_TAKE_IMPL_H
#define BX_TAKE_IMPL_H

#include "bx/take.h"

struct bx_take {
    char *path; /* the name it was loaded under */
    double rate_hz;
    unsigned channels;
    double seconds;
    bx_spectrum spec;
    bx_level_stats stats;
    float *mono;       /* kept audio (mono mixdown), NULL if not kept */
    size_t n_mono;     /* samples kept */
    int named_by_stem; /* path is already the file's stem (a profile's reference) */
};

#endif
