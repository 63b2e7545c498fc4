/* learn.h — bxlive --learn: the EQ refitted to the microphone heard live. */
#ifndef BX_LIVE_LEARN_H
#define BX_LIVE_LEARN_H

#include "bx/preset.h"
#include "bx/spectrum.h"
#include "live.h"

/* --learn: fit the EQ of the running preset p so the mic's spectrum (spec)
 * becomes the reference's; p's bands are replaced, and p saved to --save. */
int learn_finish(const live_opts *o, bx_preset *p, const bx_spectrum *spec, double rate);

#endif
