/* console.c — UTF-8 arguments and console output, console-close handling on
 * Windows, signal handlers that stay installed, and the parsing of times. */
#include "console.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"

/* console_split_long_options' array, which the program's arguments point
 * into: kept for the life of the program, where leak checkers see it (not
 * static, so the store is not optimised away) */
char **console_split_args;

/* 1 if a is "--name=..." (0 for "--" and "--=..."); *len: the name's length. */
static int has_value(const char *a, size_t *len)
{
    const char *eq = strchr(a, '=');
    if (a[0] != '-' || a[1] != '-' || a[2] == '=' || !eq)
        return 0;
    *len = (size_t)(eq - a);
    return 1;
}

static int takes_value(const char *a, size_t len, const char *const *with_value)
{
    for (const char *const *w = with_value; *w; w++)
        if (strlen(*w) == len && strncmp(*w, a, len) == 0)
            return 1;
    return 0;
}

int console_split_long_options(int *argc, char ***argv, const char *const *with_value,
                               const char **bad)
{
    int n = *argc, extra = 0;
    size_t len;
    for (int i = 1; i < n; i++) {
        const char *a = (*argv)[i];
        if (strcmp(a, "--") == 0)
            break;
        if (has_value(a, &len)) {
            if (!takes_value(a, len, with_value)) {
                *bad = a;
                return -2;
            }
            extra++;
        }
    }
    if (extra == 0)
        return 0;
    /* the new array and the option names (the values stay where they are) */
    size_t names = 0;
    for (int i = 1; i < n; i++)
        names += strlen((*argv)[i]) + 1;
    char **out = malloc(((size_t)n + (size_t)extra + 1) * sizeof *out + names);
    if (!out)
        return -1;
    char *text = (char *)(out + n + extra + 1);
    int k = 0, opts = 1;
    out[k++] = (*argv)[0];
    for (int i = 1; i < n; i++) {
        char *a = (*argv)[i];
        if (opts && strcmp(a, "--") == 0)
            opts = 0;
        if (opts && has_value(a, &len)) {
            memcpy(text, a, len);
            text[len] = '\0';
            out[k++] = text;
            text += len + 1;
            out[k++] = a + len + 1;
        } else {
            out[k++] = a;
        }
    }
    out[k] = NULL;
    *argc = k;
    *argv = out;
    console_split_args = out;
    return 0;
}

#ifdef _WIN32
/* The C runtime resets a handler to SIG_DFL before it calls it: the
 * trampoline installs itself again first. */
#define MAX_SIG 32
static void (*handlers[MAX_SIG])(int);

static void trampoline(int sig)
{
    if (sig >= 0 && sig < MAX_SIG && handlers[sig]) {
        signal(sig, trampoline);
        handlers[sig](sig);
    }
}

int console_on_signal(int sig, void (*handler)(int))
{
    if (sig < 0 || sig >= MAX_SIG)
        return -1;
    handlers[sig] = handler;
    return signal(sig, trampoline) == SIG_ERR ? -1 : 0;
}
#else
int console_on_signal(int sig, void (*handler)(int))
{
    struct sigaction sa;
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESETHAND: every delivery; no SA_RESTART: waits end early */
    return sigaction(sig, &sa, NULL);
}
#endif

#ifdef _WIN32
#include <stdatomic.h>
#include <stdlib.h>
#include <windows.h>

#include <shellapi.h>

static UINT saved_output_cp;
static void (*close_stop)(void);
static atomic_int finished;

static void restore_output_cp(void)
{
    SetConsoleOutputCP(saved_output_cp);
}

int console_init(int *argc, char ***argv)
{
    const UINT cp = GetConsoleOutputCP(); /* 0 when there is no console */
    if (cp != 0 && cp != CP_UTF8 && SetConsoleOutputCP(CP_UTF8)) {
        saved_output_cp = cp;
        atexit(restore_output_cp);
    }
    int n = 0;
    LPWSTR *w = CommandLineToArgvW(GetCommandLineW(), &n);
    if (!w)
        return -1;
    size_t bytes = 0;
    for (int i = 0; i < n; i++) {
        const int k = WideCharToMultiByte(CP_UTF8, 0, w[i], -1, NULL, 0, NULL, NULL);
        if (k <= 0) {
            LocalFree(w);
            return -1;
        }
        bytes += (size_t)k;
    }
    /* one block: the pointer table, then the strings; never freed (program lifetime) */
    char **a = malloc((size_t)(n + 1) * sizeof(char *) + bytes);
    if (!a) {
        LocalFree(w);
        return -1;
    }
    char *p = (char *)(a + n + 1);
    for (int i = 0; i < n; i++) {
        const int k = WideCharToMultiByte(CP_UTF8, 0, w[i], -1, p, (int)bytes, NULL, NULL);
        a[i] = p;
        p += k;
        bytes -= (size_t)k;
    }
    a[n] = NULL;
    LocalFree(w);
    *argc = n;
    *argv = a;
    return 0;
}

static BOOL WINAPI on_console_event(DWORD type)
{
    if (type != CTRL_CLOSE_EVENT && type != CTRL_LOGOFF_EVENT && type != CTRL_SHUTDOWN_EVENT)
        return FALSE; /* Ctrl+C, Ctrl+Break: the C runtime raises SIGINT / SIGBREAK */
    if (close_stop)
        close_stop();
    for (unsigned t = 0; t < CONSOLE_CLOSE_WAIT_MS && !atomic_load(&finished); t += 10)
        Sleep(10);
    return TRUE;
}

void console_on_close(void (*stop)(void))
{
    close_stop = stop;
    SetConsoleCtrlHandler(on_console_event, TRUE);
}

void console_finished(void)
{
    atomic_store(&finished, 1);
}

#else

int console_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

void console_on_close(void (*stop)(void))
{
    (void)stop;
}

void console_finished(void)
{
}

#endif

int console_parse_time(const char *s, double *seconds)
{
    double total = 0.0;
    int fields = 0;
    const char *p = s;
    for (;;) {
        /* one field: digits, and a fraction in the last one */
        const char *start = p;
        double v = 0.0;
        while (*p >= '0' && *p <= '9')
            v = v * 10.0 + (*p++ - '0');
        if (p == start)
            return -1;
        if (*p == '.') {
            double scale = 0.1;
            for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10.0)
                v += (*p - '0') * scale;
            if (*p != '\0')
                return -1;
        }
        if (fields > 0 && v >= 60.0)
            return -1;
        total = total * 60.0 + v;
        if (++fields > 3)
            return -1;
        if (*p == '\0')
            break;
        if (*p++ != ':')
            return -1;
    }
    *seconds = total;
    return 0;
}

int console_start(const char *prog, int *argc, char ***argv, const char *const *with_value)
{
    const char *bad = NULL;
    const int split = console_init(argc, argv) == 0
                          ? console_split_long_options(argc, argv, with_value, &bad)
                          : -1;
    if (split == -2) {
        fprintf(stderr, "%s: %s: this option takes no value\n", prog, bad);
        return BX_EXIT_USAGE;
    }
    if (split != 0) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return BX_EXIT_INTERNAL;
    }
    return 0;
}
