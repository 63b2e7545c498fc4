/* console.c — UTF-8 arguments and console output, console-close handling on
 * Windows, and signal handlers that stay installed. */
#include "console.h"

#include <signal.h>
#include <stddef.h>

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
