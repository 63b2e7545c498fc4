#include "testutil.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef _WIN32
#include <direct.h>
#include <io.h>
#include <windows.h>
#endif

int tu_failures;

double tu_noise(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (double)((x * 2685821657736338717ULL) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

double tu_db(double lin)
{
    return lin > 0 ? 20.0 * log10(lin) : -400.0;
}

void tu_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    tu_failures++;
}

int tu_finish(const char *suite, int checks)
{
    printf("%s: %d checks, %d failed\n", suite, checks, tu_failures);
    return tu_failures ? 1 : 0;
}

int tu_run_chain(const bx_chain_params *p, double rate_hz, const float *x, float *y, size_t n)
{
    bx_error err;
    if (bx_chain_apply(p, rate_hz, x, y, n, &err) == BX_OK)
        return 0;
    tu_fail("bx_chain_apply: %s", err.msg);
    return -1;
}

char *tu_temp_dir(char *buf, size_t size, const char *prefix)
{
#ifdef _WIN32
    char base[MAX_PATH + 1];
    DWORD n = GetTempPathA(sizeof base, base); /* ends in a backslash */
    if (n == 0 || n >= sizeof base) {
        errno = ENOENT;
        return NULL;
    }
    const char *sep = "";
#else
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    const char *sep = "/";
#endif
    int len = snprintf(buf, size, "%s%s%sXXXXXX", base, sep, prefix);
    if (len < 0 || (size_t)len >= size) {
        errno = ENAMETOOLONG;
        return NULL;
    }
#ifdef _WIN32
    /* no mkdtemp: a unique name, then a folder that must be new */
    return _mktemp_s(buf, (size_t)len + 1) == 0 && _mkdir(buf) == 0 ? buf : NULL;
#else
    return mkdtemp(buf);
#endif
}
