/* watch.c — file stamps for the preset watch (watch.h). */
#include "watch.h"

#include <sys/stat.h>

#ifdef _WIN32
#include <windows.h>

#include "bx/fsutil.h"
#endif

file_stamp stamp_of(const char *path)
{
    file_stamp f = {0, 0, 0, 0, 0};
#if defined(_WIN32)
    /* the path is UTF-8: ask through its wide-character form (100 ns ticks) */
    wchar_t w[BX_WPATH_MAX];
    WIN32_FILE_ATTRIBUTE_DATA fa;
    if (!bx_widen(path, w) || !GetFileAttributesExW(w, GetFileExInfoStandard, &fa))
        return f;
    const unsigned long long t = ((unsigned long long)fa.ftLastWriteTime.dwHighDateTime << 32) |
                                 fa.ftLastWriteTime.dwLowDateTime;
    f.mtime = (long long)(t & 0x7fffffffffffffffULL);
    f.size = (long long)(((unsigned long long)fa.nFileSizeHigh << 32) | fa.nFileSizeLow);
#else
    struct stat st;
    if (stat(path, &st) != 0)
        return f;
#if defined(__APPLE__)
    f.mtime = (long long)st.st_mtimespec.tv_sec * 1000000000LL + st.st_mtimespec.tv_nsec;
    f.ctime = (long long)st.st_ctimespec.tv_sec * 1000000000LL + st.st_ctimespec.tv_nsec;
#else
    f.mtime = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    f.ctime = (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
#endif
    f.size = (long long)st.st_size;
    f.id = (long long)st.st_ino;
#endif
    f.exists = 1;
    return f;
}

int stamp_same(const file_stamp *a, const file_stamp *b)
{
    return a->exists == b->exists && a->mtime == b->mtime && a->ctime == b->ctime &&
           a->size == b->size && a->id == b->id;
}
