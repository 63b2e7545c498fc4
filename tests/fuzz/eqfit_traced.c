/* eqfit_traced.c — src/eqfit.c compiled into fuzz_eqfit with libFuzzer's
 * coverage instrumentation, which tests/fuzz/coverage-ignore.txt leaves out
 * of libbx (there its paths follow no input byte; here they are what is
 * fuzzed). The linker takes these definitions and leaves libbx's copy out. */
#include "../../src/eqfit.c"
