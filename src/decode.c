/* decode.c — audio decoded by an ffmpeg child process (decode.h). */
#ifdef __linux__
#define _GNU_SOURCE 1 /* pipe2 */
#endif
#include "decode.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
#endif

/* Containers libsndfile does not read and ffmpeg does (lower case). */
static const char *const ffmpeg_exts[] = {"m4a", "mp4", "m4b", "m4v", "aac", "mov", "3gp",  "webm",
                                          "mkv", "mka", "avi", "wmv", "wma", "flv", "ac3",  "eac3",
                                          "dts", "amr", "ape", "wv",  "mpc", "ts",  "m2ts", NULL};

int bx_decode_wants_ffmpeg(const char *ext, const unsigned char *head, size_t n)
{
    for (size_t i = 0; ffmpeg_exts[i]; i++)
        if (strcmp(ext, ffmpeg_exts[i]) == 0)
            return 1;
    static const unsigned char ebml[4] = {0x1A, 0x45, 0xDF, 0xA3};
    return (n >= 8 && memcmp(head + 4, "ftyp", 4) == 0) || (n >= 4 && memcmp(head, ebml, 4) == 0);
}

const char *bx_decode_ffmpeg_program(void)
{
    const char *p = getenv("BX_FFMPEG");
    return p && *p ? p : "ffmpeg";
}

/* ---- a growing byte buffer -------------------------------------------------------- */

typedef struct {
    char *p;
    size_t n, cap, max;
    int over; /* more than max was offered */
} buf;

/* Room for `want` more bytes (within max); 0 or -1 if out of memory. */
static int buf_reserve(buf *b, size_t want)
{
    if (b->n + want <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 1 << 20;
    while (cap < b->n + want)
        cap *= 2;
    if (cap > b->max)
        cap = b->max;
    char *p = bx_malloc(cap);
    if (!p)
        return -1;
    if (b->n)
        memcpy(p, b->p, b->n);
    bx_free(b->p);
    b->p = p;
    b->cap = cap;
    return 0;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (unsigned char)(v >> (8 * k));
}

int bx_decode_fix_wav_sizes(void *data, size_t n, int always)
{
    unsigned char *p = data;
    if (n < 12 || memcmp(p, "RIFF", 4) != 0 || memcmp(p + 8, "WAVE", 4) != 0)
        return -1;
    size_t off = 12;
    while (off + 8 <= n) {
        const uint32_t size = (uint32_t)p[off + 4] | (uint32_t)p[off + 5] << 8 |
                              (uint32_t)p[off + 6] << 16 | (uint32_t)p[off + 7] << 24;
        if (memcmp(p + off, "data", 4) == 0) {
            const size_t have = n - off - 8;
            if (!always && size != 0 && size != 0xFFFFFFFFu && size <= have)
                return 0; /* sizes that hold: a complete file */
            put_le32(p + off + 4, have > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)have);
            put_le32(p + 4, n - 8 > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)(n - 8));
            return 0;
        }
        off += 8 + (size_t)size + (size & 1);
    }
    return -1;
}

#ifndef _WIN32
/* A pipe whose ends another thread's child does not inherit (an ffmpeg
 * spawned meanwhile would hold the write end open, and the reader would wait
 * for that one to end too); dup2 in the child clears the flag where needed. */
static int cloexec_pipe(int fd[2])
{
#ifdef __linux__
    return pipe2(fd, O_CLOEXEC);
#else
    if (pipe(fd) != 0)
        return -1;
    (void)fcntl(fd[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fd[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

/* The first line of ffmpeg's messages, trimmed, for an error. */
static void first_line(const char *text, size_t n, char *out, size_t out_len)
{
    size_t a = 0;
    while (a < n && isspace((unsigned char)text[a]))
        a++;
    size_t e = a;
    while (e < n && text[e] != '\n' && text[e] != '\r')
        e++;
    /* "[mov,mp4,m4a @ 0x55d1] moov atom not found": the message without its source */
    if (a < e && text[a] == '[')
        for (size_t k = a; k + 1 < e; k++)
            if (text[k] == ']' && text[k + 1] == ' ') {
                a = k + 2;
                break;
            }
    snprintf(out, out_len, "%.*s", (int)(e - a > 200 ? 200 : e - a), text + a);
}

#endif

static bx_status not_found(const char *path, bx_error *err)
{
    return bx_error_set(err, BX_ERR_AUDIO,
                        "%s: bx reads this format through ffmpeg, which is not installed (or "
                        "set BX_FFMPEG to it); convert it elsewhere with: ffmpeg -i \"%s\" "
                        "-c:a pcm_f32le out.wav",
                        path, path);
}

#ifndef _WIN32

bx_status bx_decode_ffmpeg(const char *path, size_t max_bytes, char **data, size_t *len,
                           bx_error *err)
{
    *data = NULL;
    *len = 0;
    char *prog = bx_strdup(bx_decode_ffmpeg_program()); /* argv is not const */
    /* "file:" keeps a name like "http:x.m4a" or "concat:a|b" a plain file */
    const size_t in_len = strlen(path) + 6;
    char *in = bx_malloc(in_len);
    if (!in || !prog) {
        bx_free(in);
        bx_free(prog);
        return bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
    }
    snprintf(in, in_len, "file:%s", path);
    char *argv[] = {prog, "-nostdin", "-hide_banner", "-v",    "error",
                    "-i", in,         "-map",         "0:a:0", "-map_metadata",
                    "-1", "-fflags",  "+bitexact",    "-c:a",  "pcm_f32le",
                    "-f", "wav",      "pipe:1",       NULL};
    int out_fd[2] = {-1, -1}, err_fd[2] = {-1, -1};
    bx_status st = BX_OK;
    pid_t pid = -1;
    posix_spawn_file_actions_t fa;
    int fa_ok = 0;
    buf out = {NULL, 0, 0, max_bytes, 0}, msg = {NULL, 0, 0, 4096, 0};
    if (cloexec_pipe(out_fd) != 0 || cloexec_pipe(err_fd) != 0) {
        st = bx_error_set(err, BX_ERR_IO, "%s: cannot run ffmpeg: %s", path, strerror(errno));
        goto out;
    }
    fa_ok = posix_spawn_file_actions_init(&fa) == 0;
    int sr = fa_ok ? 0 : ENOMEM;
    if (!sr)
        sr = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (!sr)
        sr = posix_spawn_file_actions_adddup2(&fa, out_fd[1], 1);
    if (!sr)
        sr = posix_spawn_file_actions_adddup2(&fa, err_fd[1], 2);
    for (int k = 0; !sr && k < 2; k++) {
        sr = posix_spawn_file_actions_addclose(&fa, k ? err_fd[0] : out_fd[0]);
        if (!sr)
            sr = posix_spawn_file_actions_addclose(&fa, k ? err_fd[1] : out_fd[1]);
    }
    if (!sr)
        sr = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
    if (sr) {
        pid = -1;
        st = sr == ENOENT
                 ? not_found(path, err)
                 : bx_error_set(err, BX_ERR_IO, "%s: cannot run %s: %s", path, prog, strerror(sr));
        goto out;
    }
    close(out_fd[1]);
    close(err_fd[1]);
    out_fd[1] = err_fd[1] = -1;
    /* read both pipes as they fill (ffmpeg blocks on a full one) */
    struct pollfd pf[2] = {{out_fd[0], POLLIN, 0}, {err_fd[0], POLLIN, 0}};
    int *const read_end[2] = {&out_fd[0], &err_fd[0]};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            st = bx_error_set(err, BX_ERR_IO, "%s: reading ffmpeg: %s", path, strerror(errno));
            break;
        }
        for (int k = 0; k < 2; k++) {
            if (pf[k].fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            buf *b = k ? &msg : &out;
            char scratch[4096];
            const size_t room = b->max - b->n;
            const int drop = room == 0; /* full: keep reading, keep nothing */
            if (!drop && buf_reserve(b, room < 65536 ? room : 65536) != 0) {
                st = bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
                goto stop;
            }
            const size_t want = drop ? sizeof scratch : (b->cap - b->n);
            const ssize_t got = read(pf[k].fd, drop ? scratch : b->p + b->n, want);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                close(pf[k].fd);
                pf[k].fd = *read_end[k] = -1;
                open_fds--;
                continue;
            }
            if (drop)
                b->over = 1;
            else
                b->n += (size_t)got;
            if (k == 0 && out.over) /* more audio than bx takes: stop ffmpeg */
                goto stop;
        }
    }
stop:
    if (st || out.over)
        kill(pid, SIGTERM);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (st)
        goto out;
    if (out.over) {
        st = bx_error_set(err, BX_ERR_AUDIO,
                          "%s: decodes to more than %zu MB of audio, more than bx reads through "
                          "ffmpeg; convert an excerpt to WAV",
                          path, max_bytes >> 20);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && out.n == 0) {
        st = not_found(path, err); /* the shell-style "command not found" of some spawns */
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || out.n == 0) {
        char line[256];
        first_line(msg.p ? msg.p : "", msg.n, line, sizeof line);
        if (strstr(line, "matches no streams"))
            st = bx_error_set(err, BX_ERR_AUDIO, "%s: has no audio stream", path);
        else
            st = bx_error_set(err, BX_ERR_AUDIO, "%s: ffmpeg cannot decode it%s%s", path,
                              *line ? ": " : "", line);
    } else if (bx_decode_fix_wav_sizes(out.p, out.n, 1) != 0) {
        st = bx_error_set(err, BX_ERR_AUDIO, "%s: ffmpeg gave no WAV data", path);
    }
out:
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    for (int k = 0; k < 2; k++) {
        if (out_fd[k] >= 0)
            close(out_fd[k]);
        if (err_fd[k] >= 0)
            close(err_fd[k]);
    }
    bx_free(in);
    bx_free(prog);
    bx_free(msg.p);
    if (st) {
        bx_free(out.p);
        return st;
    }
    *data = out.p;
    *len = out.n;
    return BX_OK;
}

#else /* _WIN32 */

static SRWLOCK spawn_lock = SRWLOCK_INIT;

/* Append s to the command line at *w (room left *room), quoted as the C
 * runtime splits arguments: backslashes doubled before a quote. */
static int quote_arg(wchar_t **w, size_t *room, const wchar_t *s)
{
#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (*room < 2)                                                                             \
            return -1;                                                                             \
        *(*w)++ = (c);                                                                             \
        (*room)--;                                                                                 \
    } while (0)
    PUT(L'"');
    for (const wchar_t *c = s;; c++) {
        size_t slashes = 0;
        while (*c == L'\\')
            slashes++, c++;
        if (*c == L'\0') {
            for (size_t k = 0; k < 2 * slashes; k++)
                PUT(L'\\');
            break;
        }
        if (*c == L'"') {
            for (size_t k = 0; k < 2 * slashes + 1; k++)
                PUT(L'\\');
        } else {
            for (size_t k = 0; k < slashes; k++)
                PUT(L'\\');
        }
        PUT(*c);
    }
    PUT(L'"');
    PUT(L' ');
    **w = L'\0';
    return 0;
#undef PUT
}

bx_status bx_decode_ffmpeg(const char *path, size_t max_bytes, char **data, size_t *len,
                           bx_error *err)
{
    *data = NULL;
    *len = 0;
    enum { CMD_MAX = 32768 };
    wchar_t *cmd = bx_malloc(CMD_MAX * sizeof *cmd), *wpath = bx_malloc(CMD_MAX * sizeof *wpath);
    wchar_t prog[1024];
    buf out = {NULL, 0, 0, max_bytes, 0};
    bx_status st = BX_OK;
    HANDLE rd = NULL, wr = NULL, nul = INVALID_HANDLE_VALUE;
    PROCESS_INFORMATION pi = {0};
    if (!cmd || !wpath) {
        st = bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    wcscpy(wpath, L"file:");
    if (MultiByteToWideChar(CP_UTF8, 0, bx_decode_ffmpeg_program(), -1, prog, 1024) <= 0 ||
        MultiByteToWideChar(CP_UTF8, 0, path, -1, wpath + 5, CMD_MAX - 5) <= 0) {
        st = bx_error_set(err, BX_ERR_AUDIO, "%s: the name is too long to pass to ffmpeg", path);
        goto out;
    }
    static const wchar_t *const args[] = {
        L"-nostdin", L"-hide_banner",  L"-v",    L"quiet",   L"-i",        NULL,    L"-map",
        L"0:a:0",    L"-map_metadata", L"-1",    L"-fflags", L"+bitexact", L"-c:a", L"pcm_f32le",
        L"-f",       L"wav",           L"pipe:1"};
    wchar_t *w = cmd;
    size_t room = CMD_MAX;
    int bad = quote_arg(&w, &room, prog);
    for (size_t k = 0; !bad && k < sizeof args / sizeof *args; k++)
        bad = quote_arg(&w, &room, args[k] ? args[k] : wpath);
    if (bad) {
        st = bx_error_set(err, BX_ERR_AUDIO, "%s: the name is too long to pass to ffmpeg", path);
        goto out;
    }
    /* the child inherits every inheritable handle: while ours exist, no
     * other thread's ffmpeg may start (it would hold our pipe open) */
    AcquireSRWLockExclusive(&spawn_lock);
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    STARTUPINFOW si = {0};
    int started = 0;
    if (!CreatePipe(&rd, &wr, &sa, 0) || !SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0)) {
        st = bx_error_set(err, BX_ERR_IO, "%s: cannot run ffmpeg (no pipe)", path);
    } else {
        nul = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                          &sa, OPEN_EXISTING, 0, NULL);
        si.cb = sizeof si;
        si.dwFlags = STARTF_USESTDHANDLES;
        si.hStdInput = nul;
        si.hStdOutput = wr;
        si.hStdError = nul;
        started = CreateProcessW(NULL, cmd, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, NULL, &si,
                                 &pi) != 0;
        if (!started) {
            const DWORD e = GetLastError();
            st = e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND
                     ? not_found(path, err)
                     : bx_error_set(err, BX_ERR_IO, "%s: cannot run ffmpeg (error %lu)", path,
                                    (unsigned long)e);
        }
    }
    if (wr)
        CloseHandle(wr);
    wr = NULL;
    if (nul != INVALID_HANDLE_VALUE)
        CloseHandle(nul);
    nul = INVALID_HANDLE_VALUE;
    ReleaseSRWLockExclusive(&spawn_lock);
    if (!started)
        goto out;
    for (;;) {
        const size_t left = out.max - out.n;
        if (left == 0) {
            out.over = 1;
            TerminateProcess(pi.hProcess, 1);
            break;
        }
        if (buf_reserve(&out, left < 65536 ? left : 65536) != 0) {
            TerminateProcess(pi.hProcess, 1);
            st = bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
            break;
        }
        DWORD got = 0;
        const size_t want = out.cap - out.n;
        if (!ReadFile(rd, out.p + out.n, want > 0x40000000u ? 0x40000000u : (DWORD)want, &got,
                      NULL) ||
            got == 0)
            break; /* ERROR_BROKEN_PIPE: ffmpeg is done */
        out.n += got;
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 1;
    GetExitCodeProcess(pi.hProcess, &code);
    if (st)
        goto out;
    if (out.over)
        st = bx_error_set(err, BX_ERR_AUDIO,
                          "%s: decodes to more than %zu MB of audio, more than bx reads through "
                          "ffmpeg; convert an excerpt to WAV",
                          path, max_bytes >> 20);
    else if (code != 0 || out.n == 0)
        st = bx_error_set(err, BX_ERR_AUDIO, "%s: ffmpeg cannot decode it (exit status %lu)", path,
                          (unsigned long)code);
    else if (bx_decode_fix_wav_sizes(out.p, out.n, 1) != 0)
        st = bx_error_set(err, BX_ERR_AUDIO, "%s: ffmpeg gave no WAV data", path);
out:
    if (pi.hProcess)
        CloseHandle(pi.hProcess);
    if (pi.hThread)
        CloseHandle(pi.hThread);
    if (rd)
        CloseHandle(rd);
    if (wr)
        CloseHandle(wr);
    if (nul != INVALID_HANDLE_VALUE)
        CloseHandle(nul);
    bx_free(cmd);
    bx_free(wpath);
    if (st) {
        bx_free(out.p);
        return st;
    }
    *data = out.p;
    *len = out.n;
    return BX_OK;
}

#endif
