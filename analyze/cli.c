/* cli.c — what bxanalyze's runners share (cli.h): exit codes, paths, the stop flag. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "exitcode.h"

atomic_int cli_stop;

int cli_exit_for_input(bx_status st)
{
    return st == BX_ERR_IO || st == BX_ERR_AUDIO || st == BX_ERR_RANGE ? BX_EXIT_INPUT
                                                                       : BX_EXIT_INTERNAL;
}

int cli_exit_for_output(bx_status st)
{
    return st == BX_ERR_IO ? BX_EXIT_OUTPUT : BX_EXIT_INTERNAL;
}

static int severity(int code)
{
    return code == BX_EXIT_OK ? 0 : code == BX_EXIT_INPUT ? 1 : code == BX_EXIT_OUTPUT ? 2 : 3;
}

int cli_worst_exit(int a, int b)
{
    return severity(b) > severity(a) ? b : a;
}

int cli_ends_with_sep(const char *path)
{
    const size_t n = strlen(path);
#ifdef _WIN32
    return n > 0 && (path[n - 1] == '/' || path[n - 1] == '\\');
#else
    return n > 0 && path[n - 1] == '/';
#endif
}

char *cli_join(const char *dir, const char *name, const char *ext)
{
    const size_t n = strlen(dir) + strlen(name) + strlen(ext) + 2;
    char *s = bx_malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s%s", dir, cli_ends_with_sep(dir) ? "" : "/", name, ext);
    return s;
}
