/*
 * bx_peakrss — run a program and write its peak resident size (test helper).
 *
 *     bx_peakrss REPORT PROG [ARGS...]
 *
 * Runs PROG with this process's standard streams, waits for it and writes
 * "<peak resident KiB> <exit status>" to the file REPORT; exits with PROG's
 * status (128 + N if signal N ended it). A small process forks PROG so that
 * the peak is PROG's own: a child forked from a large interpreter would count
 * the interpreter's pages too. On Windows the peak is the child's peak
 * working set (GetProcessMemoryInfo), and its exit code is the status.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int report(const char *path, long kib, int code)
{
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%ld %d\n", kib, code) < 0 || fclose(f) != 0) {
        fprintf(stderr, "bx_peakrss: cannot write %s\n", path);
        return 2;
    }
    return code;
}

#ifdef _WIN32
#include <stdlib.h>
#include <wchar.h>
#include <windows.h>
/* after windows.h */
#include <psapi.h>

/* Append arg to the command line at cl (cap units), quoted so that
 * CommandLineToArgvW (and the C runtimes) give it back unchanged. */
static int append_arg(wchar_t *cl, size_t cap, const wchar_t *arg)
{
    size_t n = wcslen(cl);
#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (n + 1 >= cap)                                                                          \
            return -1;                                                                             \
        cl[n++] = (c);                                                                             \
    } while (0)
    if (n)
        PUT(L' ');
    PUT(L'"');
    for (const wchar_t *p = arg;; p++) {
        size_t bs = 0;
        while (*p == L'\\')
            p++, bs++;
        if (!*p) { /* backslashes before the closing quote: doubled */
            for (size_t k = 0; k < 2 * bs; k++)
                PUT(L'\\');
            break;
        }
        if (*p == L'"') { /* backslashes before a quote doubled, the quote escaped */
            for (size_t k = 0; k < 2 * bs + 1; k++)
                PUT(L'\\');
        } else {
            for (size_t k = 0; k < bs; k++)
                PUT(L'\\');
        }
        PUT(*p);
    }
    PUT(L'"');
    cl[n] = 0;
    return 0;
#undef PUT
}

/* the entry point (-municode), declared for -Wmissing-prototypes */
int wmain(int argc, wchar_t **argv);

int wmain(int argc, wchar_t **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bx_peakrss REPORT PROG [ARGS...]\n");
        return 2;
    }
    enum { CAP = 32768 };
    static wchar_t cl[CAP];
    for (int i = 2; i < argc; i++)
        if (append_arg(cl, CAP, argv[i]) != 0) {
            fprintf(stderr, "bx_peakrss: the command line is too long\n");
            return 2;
        }
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessW(NULL, cl, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
        fprintf(stderr, "bx_peakrss: cannot start %ls (Windows error %lu)\n", argv[2],
                (unsigned long)GetLastError());
        return 127;
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 0;
    PROCESS_MEMORY_COUNTERS pmc;
    memset(&pmc, 0, sizeof pmc);
    const BOOL got = GetExitCodeProcess(pi.hProcess, &code) &&
                     GetProcessMemoryInfo(pi.hProcess, &pmc, sizeof pmc);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    if (!got) {
        fprintf(stderr,
                "bx_peakrss: cannot read the child's status or memory (Windows error %lu)\n",
                (unsigned long)GetLastError());
        return 2;
    }
    char path[4 * MAX_PATH];
    if (WideCharToMultiByte(CP_UTF8, 0, argv[1], -1, path, (int)sizeof path, NULL, NULL) <= 0) {
        fprintf(stderr, "bx_peakrss: the report's name is too long\n");
        return 2;
    }
    return report(path, (long)(pmc.PeakWorkingSetSize / 1024), (int)code);
}
#else
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bx_peakrss REPORT PROG [ARGS...]\n");
        return 2;
    }
    const pid_t pid = fork();
    if (pid < 0) {
        perror("bx_peakrss: fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        fprintf(stderr, "bx_peakrss: %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("bx_peakrss: wait4");
        return 2;
    }
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    long kib = ru.ru_maxrss;
#ifdef __APPLE__
    kib /= 1024; /* bytes there */
#endif
    return report(argv[1], kib, code);
}
#endif
