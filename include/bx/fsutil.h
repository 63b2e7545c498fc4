/*
 * bx/fsutil.h — small, portable file helpers: whole-file reads with a size
 * cap, atomic replacement (temp file in the same folder + rename), identity
 * checks. Paths are UTF-8 on every platform (wide-char APIs on Windows).
 */
#ifndef BX_FSUTIL_H
#define BX_FSUTIL_H

#include <stddef.h>
#include <stdio.h>

#include "bx/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** fopen with a UTF-8 path. */
FILE *bx_fopen(const char *path, const char *mode);

/**
 * Read a whole file (at most max_bytes; larger is BX_ERR_IO naming the size).
 * *data gets a NUL-terminated copy to release with bx_free; *len its length.
 */
bx_status bx_file_read_all(const char *path, size_t max_bytes, char **data, size_t *len,
                           bx_error *err);

/**
 * A fresh temporary path next to `path` (same folder, so a rename is atomic),
 * e.g. "out/.take.wav.bx-1234-1.tmp". Release with bx_free. NULL if out of memory.
 */
char *bx_temp_sibling(const char *path);

/** Atomically move tmp over path (replacing it). BX_ERR_IO names both on failure. */
bx_status bx_file_commit(const char *tmp, const char *path, bx_error *err);

/** Remove a file; ignores errors (used to drop temporaries). */
void bx_file_remove(const char *path);

/** Write data to path atomically: temp sibling, flush to disk, rename. */
bx_status bx_file_write_atomic(const char *path, const void *data, size_t len, bx_error *err);

/** 1 if a and b name the same existing file, 0 otherwise. */
int bx_same_file(const char *a, const char *b);

/** 1 if path exists and is a directory. */
int bx_is_dir(const char *path);

/** 1 if path exists (any type). */
int bx_exists(const char *path);

#ifdef __cplusplus
}
#endif
#endif /* BX_FSUTIL_H */
