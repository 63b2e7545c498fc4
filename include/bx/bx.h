/* bx/bx.h — everything libbx offers, in one include (every public header). */
#ifndef BX_BX_H
#define BX_BX_H

#include "bx/align.h"
#include "bx/analysis.h"
#include "bx/audiofile.h"
#include "bx/biquad.h"
#include "bx/chain.h"
#include "bx/chainfit.h"
#include "bx/clock.h"
#include "bx/comp.h"
#include "bx/compfit.h"
#include "bx/dynsig.h"
#include "bx/engine.h"
#include "bx/eqfit.h"
#include "bx/error.h"
#include "bx/export.h"
#include "bx/fsutil.h"
#include "bx/levels.h"
#include "bx/limiter.h"
#include "bx/ltas.h"
#include "bx/match.h"
#include "bx/meter.h"
#include "bx/parallel.h"
#include "bx/preset.h"
#include "bx/resample.h"
#include "bx/simd.h"
#include "bx/spectrum.h"
#include "bx/take.h"
#include "bx/transfer.h"
#include "bx/version.h"

#endif /* BX_BX_H */
