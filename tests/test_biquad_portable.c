/* test_biquad_portable — test_biquad against the portable cascade, the code
 * every non-x86 build runs: libbx's biquad.c compiled into this test without
 * its SSE2 passes (its definitions take the place of libbx's). */
#define BX_BIQUAD_PORTABLE 1
#include "../src/biquad.c"

#include "test_biquad.c"
