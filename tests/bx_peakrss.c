/*
 * bx_peakrss — run a program and write its peak resident size (test helper).
 *
 *     bx_peakrss REPORT PROG [ARGS...]
 *
 * Runs PROG with this process's standard streams, waits for it and writes
 * "<peak resident KiB> <exit status>" to the file REPORT; exits with PROG's
 * status (128 + N if signal N ended it). A small process forks PROG so that
 * the peak is PROG's own: a child forked from a large interpreter would count
 * the interpreter's pages too. POSIX only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
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
    FILE *f = fopen(argv[1], "w");
    if (!f || fprintf(f, "%ld %d\n", kib, code) < 0 || fclose(f) != 0) {
        fprintf(stderr, "bx_peakrss: cannot write %s\n", argv[1]);
        return 2;
    }
    return code;
}
