/* profile_impl.h — the inside of a bx_profile (bx/profile.h), for libbx's
 * analysis, and the long frames its low end is measured with. */
#ifndef BX_PROFILE_IMPL_H
#define BX_PROFILE_IMPL_H

#include <cjson/cJSON.h>

#include "bx/dynsig.h"
#include "bx/match.h"
#include "bx/profile.h"
#include "take_impl.h"

/* The low end of the --source target comes from frames of at least
 * LOW_FRAME_S (at most LOW_NFFT_MAX points), below LOW_XOVER_HZ, over a
 * smoothing of at most LOW_SMOOTH_MAX_OCT octaves (bxanalyze's --smoothing
 * range): the profile keeps the bins that reaches. */
#define LOW_XOVER_HZ 150.0
#define LOW_FRAME_S 0.6
#define LOW_NFFT_MAX 32768
#define LOW_SMOOTH_MAX_OCT 2.0

struct bx_profile {
    bx_take ref;     /* as a take without audio: path is the file's stem (named_by_stem),
                        mono NULL, n_mono the samples the parts below were measured on */
    bx_spectrum low; /* the long frames' power, the first low.n_bins bins of
                        bx_profile_low_nfft(rate); n_bins 0: too short for four frames */
    bx_match_frames onsets;
    int has_dyn; /* 0: too short or quiet for a dynamics signature */
    bx_dynsig dyn;
};

/** The long frames' FFT length at rate_hz. */
size_t bx_profile_low_nfft(double rate_hz);

/** The profile as its JSON object (analysis.reference.profile); NULL and *ok
 * cleared when out of memory. */
cJSON *bx_profile_json(const bx_profile *p, int *ok);

#endif
