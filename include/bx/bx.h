/* bx/bx.h — everything libbx offers, in one include. */
#ifndef BX_BX_H
#define BX_BX_H

#include "bx/audiofile.h"
#include "bx/biquad.h"
#include "bx/chain.h"
#include "bx/comp.h"
#include "bx/error.h"
#include "bx/export.h"
#include "bx/fsutil.h"
#include "bx/levels.h"
#include "bx/limiter.h"
#include "bx/preset.h"
#include "bx/simd.h"
#include "bx/spectrum.h"
#include "bx/version.h"

#endif /* BX_BX_H */
