/* fsutil.c — portable file helpers (POSIX and Windows wide-char paths). */
#include "bx/fsutil.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef _WIN32
#include <io.h>
#include <process.h>
#include <windows.h>
#define bx_getpid() ((long)_getpid())
#else
#include <fcntl.h>
#include <unistd.h>
#define bx_getpid() ((long)getpid())
#endif

#ifdef _WIN32
/* UTF-8 -> UTF-16 for the wide-char file APIs; bx_free the result. */
static wchar_t *widen(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    wchar_t *w = bx_malloc((size_t)n * sizeof(wchar_t));
    if (w)
        MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}
#endif

FILE *bx_fopen(const char *path, const char *mode)
{
#ifdef _WIN32
    wchar_t *wp = widen(path), *wm = widen(mode);
    FILE *f = (wp && wm) ? _wfopen(wp, wm) : NULL;
    bx_free(wp);
    bx_free(wm);
    return f;
#else
    return fopen(path, mode);
#endif
}

bx_status bx_file_read_all(const char *path, size_t max_bytes, char **data, size_t *len,
                           bx_error *err)
{
    *data = NULL;
    *len = 0;
    if (bx_is_dir(path))
        return bx_error_set(err, BX_ERR_IO, "%s: is a directory, not a file", path);
    FILE *f = bx_fopen(path, "rb");
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
    const size_t n = strlen(path) + 64;
    char *t = bx_malloc(n);
    if (t)
        snprintf(t, n, "%.*s.%s.bx-%ld-%u.tmp", (int)dirlen, path, base, bx_getpid(), k);
    return t;
}

bx_status bx_file_commit(const char *tmp, const char *path, bx_error *err)
{
#ifdef _WIN32
    wchar_t *wt = widen(tmp), *wp = widen(path);
    BOOL ok = wt && wp && MoveFileExW(wt, wp, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
    bx_free(wt);
    bx_free(wp);
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
    wchar_t *w = widen(path);
    if (w)
        _wremove(w);
    bx_free(w);
#else
    remove(path);
#endif
}

bx_status bx_file_write_atomic(const char *path, const void *data, size_t len, bx_error *err)
{
    if (bx_is_dir(path))
        return bx_error_set(err, BX_ERR_IO, "%s: is a directory", path);
    char *tmp = bx_temp_sibling(path);
    if (!tmp)
        return bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
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
    bx_free(tmp);
    return st;
}

#ifdef _WIN32
static int file_id(const char *path, BY_HANDLE_FILE_INFORMATION *info)
{
    wchar_t *w = widen(path);
    if (!w)
        return -1;
    HANDLE h = CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    bx_free(w);
    if (h == INVALID_HANDLE_VALUE)
        return -1;
    BOOL ok = GetFileInformationByHandle(h, info);
    CloseHandle(h);
    return ok ? 0 : -1;
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
    wchar_t *w = widen(path);
    DWORD attr = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    bx_free(w);
    return attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY);
}

int bx_exists(const char *path)
{
    wchar_t *w = widen(path);
    DWORD attr = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    bx_free(w);
    return attr != INVALID_FILE_ATTRIBUTES;
}
#else
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
