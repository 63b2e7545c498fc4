/* fsutil.c — portable file helpers (POSIX and Windows wide-char paths). */
#if !defined(_WIN32) && !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 700 /* realpath */
#endif
#include "bx/fsutil.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <process.h>
#include <windows.h>
#define bx_getpid() ((long)_getpid())
#else
#include <fcntl.h>
#include <unistd.h>
#define bx_getpid() ((long)getpid())
#endif

/* The longest file name (one path component) most file systems take, bytes. */
#define NAME_LEN_MAX 255
/* A temporary name's bytes besides the file's own: "." ".bx-" 9 digits "-"
 * 9 digits ".tmp" */
#define TEMP_EXTRA_MAX 28
/* Symbolic links followed before a chain counts as a loop (Linux's limit). */
#define LINKS_MAX 40

#ifdef _WIN32
wchar_t *bx_widen(const char *s, wchar_t *w)
{
    return MultiByteToWideChar(CP_UTF8, 0, s, -1, w, BX_WPATH_MAX) > 0 ? w : NULL;
}
#endif

FILE *bx_fopen(const char *path, const char *mode)
{
#ifdef _WIN32
    wchar_t bp[BX_WPATH_MAX], bm[16];
    const wchar_t *wp = bx_widen(path, bp);
    const int mode_ok = MultiByteToWideChar(CP_UTF8, 0, mode, -1, bm, 16) > 0;
    return wp && mode_ok ? _wfopen(wp, bm) : NULL;
#else
    return fopen(path, mode);
#endif
}

bx_status bx_file_read_all(const char *path, size_t max_bytes, char **data, size_t *len,
                           bx_error *err)
{
    *data = NULL;
    *len = 0;
    const int from_stdin = strcmp(path, "-") == 0;
    if (from_stdin)
        path = "standard input";
    else if (bx_is_dir(path))
        return bx_error_set(err, BX_ERR_IO, "%s: is a directory, not a file", path);
    FILE *f = NULL;
    if (from_stdin) {
#ifdef _WIN32
        (void)_setmode(_fileno(stdin), _O_BINARY);
#endif
        f = stdin;
    }
#ifdef _WIN32
    else
        f = bx_fopen(path, "rb");
#else
    /* a FIFO without a writer must not block the open: non-blocking to
     * open, blocking to read (then no writer reads as the end) */
    const int fd = from_stdin ? -1 : open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
        const int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
            (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        if (!(f = fdopen(fd, "rb")))
            close(fd);
    }
#endif
    if (!f)
        return bx_error_set(err, BX_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    bx_status st = BX_OK;
    size_t cap = 4096, n = 0;
    char *buf = bx_malloc(cap + 1);
    if (!buf) {
        st = bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory reading the file", path);
        goto out;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= max_bytes) {
                if (fgetc(f) == EOF)
                    break; /* exactly max_bytes */
                st = bx_error_set(err, BX_ERR_IO, "%s: larger than %zu bytes, refusing to read it",
                                  path, max_bytes);
                goto out;
            }
            size_t ncap = cap * 2 > max_bytes ? max_bytes : cap * 2;
            char *nb = bx_malloc(ncap + 1);
            if (!nb) {
                st = bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory reading the file", path);
                goto out;
            }
            memcpy(nb, buf, n);
            bx_free(buf);
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                st = bx_error_set(err, BX_ERR_IO, "%s: read error: %s", path, strerror(errno));
            break;
        }
    }
out:
    if (!from_stdin)
        fclose(f);
    if (st) {
        bx_free(buf);
        return st;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return BX_OK;
}

/* The registry: a slot is claimed by a compare-and-swap on its state
 * (0 free, 1 being filled or emptied, 2 listed); the signal handler only
 * reads slots in state 2, whose path is complete. */
#define TEMP_PATH_MAX 4096
static char temp_paths[BX_TEMP_TRACKED][TEMP_PATH_MAX];
static atomic_int temp_state[BX_TEMP_TRACKED];

void bx_temp_track(const char *tmp)
{
    if (!tmp || strlen(tmp) >= TEMP_PATH_MAX)
        return;
    for (int i = 0; i < BX_TEMP_TRACKED; i++) {
        int expect = 0;
        if (atomic_compare_exchange_strong(&temp_state[i], &expect, 1)) {
            memcpy(temp_paths[i], tmp, strlen(tmp) + 1);
            atomic_store(&temp_state[i], 2);
            return;
        }
    }
}

void bx_temp_untrack(const char *tmp)
{
    if (!tmp)
        return;
    for (int i = 0; i < BX_TEMP_TRACKED; i++) {
        int expect = 2;
        if (atomic_load(&temp_state[i]) == 2 && strcmp(temp_paths[i], tmp) == 0 &&
            atomic_compare_exchange_strong(&temp_state[i], &expect, 1)) {
            atomic_store(&temp_state[i], 0);
            return;
        }
    }
}

void bx_temp_remove_all(void)
{
    for (int i = 0; i < BX_TEMP_TRACKED; i++)
        if (atomic_load(&temp_state[i]) == 2) {
#ifdef _WIN32
            remove(temp_paths[i]); /* a UTF-8 name beyond ASCII may not be found here */
#else
            unlink(temp_paths[i]); /* async-signal-safe */
#endif
        }
}

char *bx_temp_sibling(const char *path)
{
    static atomic_uint counter;
    const unsigned k = atomic_fetch_add(&counter, 1u) + 1u;
    const char *slash = strrchr(path, '/');
#ifdef _WIN32
    const char *bs = strrchr(path, '\\');
    if (bs && (!slash || bs > slash))
        slash = bs;
#endif
    const size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dirlen;
    /* "." base ".bx-" pid "-" k ".tmp" within NAME_LEN_MAX bytes */
    size_t keep = strlen(base);
    if (keep > NAME_LEN_MAX - TEMP_EXTRA_MAX) {
        keep = NAME_LEN_MAX - TEMP_EXTRA_MAX;
        while (keep > 0 && ((unsigned char)base[keep] & 0xC0u) == 0x80u)
            keep--; /* not inside a UTF-8 sequence */
    }
    const size_t n = dirlen + keep + TEMP_EXTRA_MAX + 1;
    char *t = bx_malloc(n);
    if (t)
        snprintf(t, n, "%.*s.%.*s.bx-%ld-%u.tmp", (int)dirlen, path, (int)keep, base,
                 bx_getpid() % 1000000000L, k % 1000000000u);
    return t;
}

bx_status bx_file_commit(const char *tmp, const char *path, bx_error *err)
{
#ifdef _WIN32
    wchar_t bt[BX_WPATH_MAX], bp[BX_WPATH_MAX];
    const wchar_t *wt = bx_widen(tmp, bt), *wp = bx_widen(path, bp);
    BOOL ok = wt && wp && MoveFileExW(wt, wp, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
    if (!ok)
        return bx_error_set(err, BX_ERR_IO, "%s: cannot replace the file (Windows error %lu)", path,
                            (unsigned long)GetLastError());
#else
    if (rename(tmp, path) != 0)
        return bx_error_set(err, BX_ERR_IO, "%s: cannot move the finished file into place: %s",
                            path, strerror(errno));
#endif
    return BX_OK;
}

void bx_file_remove(const char *path)
{
#ifdef _WIN32
    wchar_t b[BX_WPATH_MAX];
    const wchar_t *w = bx_widen(path, b);
    if (w)
        _wremove(w);
#else
    remove(path);
#endif
}

static bx_status replace_file(const char *path, const void *data, size_t len, bx_error *err);

#ifndef _WIN32
/* The folder part of path ("." if none), in a new buffer; NULL if out of memory. */
static char *parent_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return bx_strdup(".");
    const size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = bx_malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

/* A dangling chain of links from path: the name it ends on (to create), in a
 * new buffer; NULL with err set if the chain loops or cannot be read. */
static char *link_end(const char *path, bx_error *err)
{
    char *cur = bx_strdup(path);
    for (int hop = 0; cur && hop <= LINKS_MAX; hop++) {
        struct stat ls;
        if (lstat(cur, &ls) != 0 || !S_ISLNK(ls.st_mode))
            return cur;
        char buf[4096];
        const ssize_t n = readlink(cur, buf, sizeof buf - 1);
        if (n < 0) {
            bx_error_set(err, BX_ERR_IO, "%s: cannot read the link: %s", path, strerror(errno));
            bx_free(cur);
            return NULL;
        }
        buf[n] = '\0';
        char *next;
        if (buf[0] == '/') {
            next = bx_strdup(buf);
        } else { /* relative to the link's folder */
            char *dir = parent_of(cur);
            const size_t m = (dir ? strlen(dir) : 0) + (size_t)n + 2;
            next = dir ? bx_malloc(m) : NULL;
            if (next)
                snprintf(next, m, "%s/%s", dir, buf);
            bx_free(dir);
        }
        bx_free(cur);
        cur = next;
    }
    if (cur)
        bx_error_set(err, BX_ERR_IO, "%s: too many levels of symbolic links", path);
    else
        bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
    bx_free(cur);
    return NULL;
}
#endif

bx_status bx_output_prepare(const char *path, char **target, bx_output_kind *kind, bx_error *err)
{
    *target = NULL;
    *kind = BX_OUTPUT_REPLACE;
    if (!path || !path[0])
        return bx_error_set(err, BX_ERR_IO, "an output file name is empty");
    if (strcmp(path, "-") == 0) { /* standard output */
        *kind = BX_OUTPUT_THROUGH;
        *target = bx_strdup(path);
        return *target ? BX_OK : bx_error_set(err, BX_ERR_NOMEM, "out of memory");
    }
#ifdef _WIN32
    wchar_t b[BX_WPATH_MAX];
    const wchar_t *w = bx_widen(path, b);
    if (!w)
        return bx_error_set(err, BX_ERR_IO, "%s: not a file name Windows takes (Windows error %lu)",
                            path, (unsigned long)GetLastError());
    const DWORD attr = GetFileAttributesW(w);
    if (attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY))
        return bx_error_set(err, BX_ERR_IO, "%s: is a folder, not a file", path);
    HANDLE h = CreateFileW(w, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           OPEN_EXISTING, 0, NULL);
    if (h != INVALID_HANDLE_VALUE) {
        const DWORD type = GetFileType(h);
        CloseHandle(h);
        if (type == FILE_TYPE_CHAR || type == FILE_TYPE_PIPE)
            *kind = BX_OUTPUT_THROUGH;
    }
    *target = bx_strdup(path);
    return *target ? BX_OK : bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
#else
    struct stat s;
    if (stat(path, &s) == 0) {
        if (S_ISDIR(s.st_mode))
            return bx_error_set(err, BX_ERR_IO, "%s: is a folder, not a file", path);
        if (S_ISBLK(s.st_mode))
            return bx_error_set(err, BX_ERR_IO, "%s: is a block device; refusing to write to it",
                                path);
        /* under /dev or /proc (/dev/stdout redirected to a file): the
         * file is someone's open descriptor, never replaced */
        const int special = !strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6);
        if (!S_ISREG(s.st_mode) || special) {
            /* /dev/null, a FIFO, /dev/stdout (a link to /proc/self/fd/1,
             * which names no file: open() follows it, nothing else can) */
            *kind = BX_OUTPUT_THROUGH;
            *target = bx_strdup(path);
            return *target ? BX_OK : bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
        }
        char *real = realpath(path, NULL); /* the linked file, replaced in its folder */
        if (real) {
            *target = bx_strdup(real);
            free(real);
        } else {
            *target = bx_strdup(path);
        }
        return *target ? BX_OK : bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
    }
    if (errno == ELOOP)
        return bx_error_set(err, BX_ERR_IO, "%s: too many levels of symbolic links", path);
    if (errno != ENOENT)
        return bx_error_set(err, BX_ERR_IO, "%s: %s", path, strerror(errno));
    char *end = link_end(path, err); /* a new name, or the end of a dangling link */
    if (!end)
        return err->code;
    /* its folder must exist (on the stack: the same allocations whether or
     * not the file exists yet) */
    char dir[4096];
    const char *slash = strrchr(end, '/');
    const size_t dn = !slash ? 1 : slash == end ? 1 : (size_t)(slash - end);
    if (dn < sizeof dir) {
        memcpy(dir, slash ? end : ".", dn);
        dir[dn] = '\0';
        if (!bx_is_dir(dir)) {
            bx_error_set(err, BX_ERR_IO, "%s: the folder %s does not exist", path, dir);
            bx_free(end);
            return BX_ERR_IO;
        }
    } /* longer: creating the file will say what is wrong */
    *target = end;
    return BX_OK;
#endif
}

int bx_output_is_through(const char *path)
{
    char *target = NULL;
    bx_output_kind kind;
    bx_error e;
    const int through =
        bx_output_prepare(path, &target, &kind, &e) == BX_OK && kind == BX_OUTPUT_THROUGH;
    bx_free(target);
    return through;
}

bx_status bx_write_stdout(const void *data, size_t len, bx_error *err)
{
#ifdef _WIN32
    fflush(stdout);
    (void)_setmode(_fileno(stdout), _O_BINARY);
#endif
    if ((len && fwrite(data, 1, len, stdout) != len) || fflush(stdout) != 0)
        return bx_error_set(err, BX_ERR_IO, "standard output: write failed: %s", strerror(errno));
    return BX_OK;
}

int bx_output_open_through(const char *target, bx_error *err)
{
#ifdef _WIN32
    (void)target;
    bx_error_set(err, BX_ERR_IO, "%s: writing through is not supported here", target);
    return -1;
#else
    const int fd = open(target, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENXIO)
            bx_error_set(err, BX_ERR_IO, "%s: a FIFO that nobody reads; not waiting for a reader",
                         target);
        else
            bx_error_set(err, BX_ERR_IO, "%s: cannot open for writing: %s", target,
                         strerror(errno));
        return -1;
    }
    const int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK); /* opened: now write as usual */
    return fd;
#endif
}

#ifndef _WIN32
static bx_status write_through(const char *target, const void *data, size_t len, bx_error *err)
{
    const int fd = bx_output_open_through(target, err);
    if (fd < 0)
        return err->code;
    const char *p = data;
    while (len > 0) {
        const ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int e = n < 0 ? errno : EIO;
            close(fd);
            return bx_error_set(err, BX_ERR_IO, "%s: write failed: %s", target, strerror(e));
        }
        p += n;
        len -= (size_t)n;
    }
    if (close(fd) != 0)
        return bx_error_set(err, BX_ERR_IO, "%s: write failed: %s", target, strerror(errno));
    return BX_OK;
}
#endif

bx_status bx_file_write_atomic(const char *path, const void *data, size_t len, bx_error *err)
{
    if (strcmp(path, "-") == 0)
        return bx_write_stdout(data, len, err);
    char *target = NULL;
    bx_output_kind kind;
    bx_status st = bx_output_prepare(path, &target, &kind, err);
    if (st)
        return st;
#ifndef _WIN32
    if (kind == BX_OUTPUT_THROUGH) {
        st = write_through(target, data, len, err);
        bx_free(target);
        return st;
    }
#endif
    st = replace_file(target, data, len, err);
    bx_free(target);
    return st;
}

static bx_status replace_file(const char *path, const void *data, size_t len, bx_error *err)
{
    char *tmp = bx_temp_sibling(path);
    if (!tmp)
        return bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
    bx_temp_track(tmp); /* before it exists: a signal from now on removes it */
    bx_status st = BX_OK;
    FILE *f = bx_fopen(tmp, "wb");
    if (!f) {
        st = bx_error_set(err, BX_ERR_IO, "%s: cannot create a file there: %s", path,
                          strerror(errno));
        goto out;
    }
    int bad = fwrite(data, 1, len, f) != len;
    bad |= fflush(f) != 0;
#ifndef _WIN32
    bad |= fsync(fileno(f)) != 0;
#endif
    bad |= fclose(f) != 0;
    if (bad) {
        st = bx_error_set(err, BX_ERR_IO, "%s: write failed: %s", path, strerror(errno));
        bx_file_remove(tmp);
        goto out;
    }
    st = bx_file_commit(tmp, path, err);
    if (st)
        bx_file_remove(tmp);
out:
    bx_temp_untrack(tmp);
    bx_free(tmp);
    return st;
}

#ifdef _WIN32
static int file_id(const char *path, BY_HANDLE_FILE_INFORMATION *info)
{
    wchar_t b[BX_WPATH_MAX];
    const wchar_t *w = bx_widen(path, b);
    if (!w)
        return -1;
    HANDLE h = CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return -1;
    BOOL ok = GetFileInformationByHandle(h, info);
    CloseHandle(h);
    return ok ? 0 : -1;
}

bx_status bx_file_identity_of(const char *path, bx_file_identity *id)
{
    BY_HANDLE_FILE_INFORMATION info;
    if (file_id(path, &info))
        return BX_ERR_IO;
    id->volume = info.dwVolumeSerialNumber;
    id->index = ((unsigned long long)info.nFileIndexHigh << 32) | info.nFileIndexLow;
    return BX_OK;
}

int bx_is_regular(const char *path)
{
    wchar_t b[BX_WPATH_MAX];
    const wchar_t *w = bx_widen(path, b);
    const DWORD attr = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    return attr != INVALID_FILE_ATTRIBUTES &&
           !(attr & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_DEVICE));
}

int bx_same_file(const char *a, const char *b)
{
    BY_HANDLE_FILE_INFORMATION ia, ib;
    if (file_id(a, &ia) || file_id(b, &ib))
        return 0;
    return ia.dwVolumeSerialNumber == ib.dwVolumeSerialNumber &&
           ia.nFileIndexHigh == ib.nFileIndexHigh && ia.nFileIndexLow == ib.nFileIndexLow;
}

int bx_is_dir(const char *path)
{
    wchar_t b[BX_WPATH_MAX];
    const wchar_t *w = bx_widen(path, b);
    const DWORD attr = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    return attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY);
}

int bx_exists(const char *path)
{
    wchar_t b[BX_WPATH_MAX];
    const wchar_t *w = bx_widen(path, b);
    const DWORD attr = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    return attr != INVALID_FILE_ATTRIBUTES;
}
#else
bx_status bx_file_identity_of(const char *path, bx_file_identity *id)
{
    struct stat s;
    if (stat(path, &s) != 0)
        return BX_ERR_IO;
    id->volume = (unsigned long long)s.st_dev;
    id->index = (unsigned long long)s.st_ino;
    return BX_OK;
}

int bx_is_regular(const char *path)
{
    struct stat s;
    return stat(path, &s) == 0 && S_ISREG(s.st_mode);
}

int bx_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int bx_is_dir(const char *path)
{
    struct stat s;
    return stat(path, &s) == 0 && S_ISDIR(s.st_mode);
}

int bx_exists(const char *path)
{
    struct stat s;
    return stat(path, &s) == 0;
}
#endif
