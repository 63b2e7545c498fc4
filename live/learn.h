/* learn.h — bxlive --learn: the --source fit of the dry mic against the
 * reference profile the preset keeps. */
#ifndef BX_LIVE_LEARN_H
#define BX_LIVE_LEARN_H

#include "bx/preset.h"
#include "bx/profile.h"
#include "bx/take.h"
#include "live.h"

/* The take's level checks: a peak under this is too quiet (the mic gain),
 * and this many runs of LEARN_CLIP_RUN samples at |x| >= LEARN_CLIP_LEVEL
 * are clipping. */
#define LEARN_QUIET_PEAK_DB (-40.0)
#define LEARN_CLIP_LEVEL 0.999f
#define LEARN_CLIP_RUN 3
#define LEARN_CLIP_RUNS 3

/* Clipping runs counted over a stream of samples, cut anywhere. */
typedef struct learn_clip {
    unsigned long runs; /* runs of LEARN_CLIP_RUN or more clipped samples */
    unsigned run;       /* length of the current run */
} learn_clip;

void learn_clip_add(learn_clip *c, const float *x, size_t n);

/* The take's level, checked: BX_EXIT_OK, or BX_EXIT_INPUT with the reason
 * printed (too quiet, clipped), ending in `then` ("nothing was written",
 * "listening again"). */
int learn_check_levels(const bx_take *take, const learn_clip *clip, const char *then);

/* take (the dry mic) fitted to the reference profile ref as bxanalyze PRESET
 * --source does, named as p; the fit printed with its before/after. *out
 * receives the result (bx_preset_free it). Returns a BX_EXIT_* code. */
int learn_fit(const live_opts *o, const bx_preset *p, const bx_profile *ref, const bx_take *take,
              bx_preset *out);

/* --save: p written atomically (a message either way). Returns a BX_EXIT_* code. */
int learn_save(const live_opts *o, const bx_preset *p);

#endif
