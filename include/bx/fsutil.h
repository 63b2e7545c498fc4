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

#ifdef _WIN32
#include <wchar.h>
/** The longest path the wide-char file APIs take, UTF-16 units (with the
 * \\?\ prefix; plain paths stop far shorter). */
#define BX_WPATH_MAX 32768
/**
 * UTF-8 s as UTF-16 in w (BX_WPATH_MAX units) for the wide-char file APIs;
 * NULL if s is not UTF-8 or longer than any path (GetLastError says which).
 * Keep w on the stack, not in an allocator: converting a name is no memory
 * a caller's allocator should be able to refuse (a refusal would read as a
 * file error, "cannot create a file there").
 */
wchar_t *bx_widen(const char *s, wchar_t *w);
#endif

/**
 * Read a whole file (at most max_bytes; larger is BX_ERR_IO naming the size).
 * *data gets a NUL-terminated copy to release with bx_free; *len its length.
 * "-" reads standard input to its end (errors call it "standard input").
 */
bx_status bx_file_read_all(const char *path, size_t max_bytes, char **data, size_t *len,
                           bx_error *err);

/**
 * A fresh temporary path next to `path` (same folder, so a rename is atomic),
 * e.g. "out/.take.wav.bx-1234-1.tmp"; a long file name is shortened (at a
 * UTF-8 character boundary) so that the temporary name fits in 255 bytes.
 * Release with bx_free. NULL if out of memory.
 */
char *bx_temp_sibling(const char *path);

/**
 * Temporary files in progress. Every temporary file libbx writes (atomic
 * replacement of presets, reports, renders) is listed here from its creation
 * until it is renamed or removed. bx_temp_remove_all() unlinks them and is
 * async-signal-safe: a program's SIGINT/SIGTERM handler calls it before
 * ending, so an interrupted write leaves nothing behind. (SIGKILL cannot be
 * caught: a hidden ".NAME.bx-PID-N.tmp" may then remain.) At most
 * BX_TEMP_TRACKED files at once are listed; more are written but not listed.
 */
#define BX_TEMP_TRACKED 16
void bx_temp_track(const char *tmp);
void bx_temp_untrack(const char *tmp);
void bx_temp_remove_all(void);

/** Atomically move tmp over path (replacing it). BX_ERR_IO names both on failure. */
bx_status bx_file_commit(const char *tmp, const char *path, bx_error *err);

/** Remove a file; ignores errors (used to drop temporaries). */
void bx_file_remove(const char *path);

/** How an output path is written. */
typedef enum bx_output_kind {
    BX_OUTPUT_REPLACE = 0, /**< a regular file or a new name: replaced atomically */
    BX_OUTPUT_THROUGH = 1  /**< a character device, FIFO or socket (/dev/null, a pipe), or
                                any name under /dev or /proc (/dev/stdout redirected to a
                                file): written in place, never replaced */
} bx_output_kind;

/**
 * Check an output path before any work is done, and say how to write it.
 * Symbolic links are followed: *target (release with bx_free) is what gets
 * written, so replacing a linked file keeps the link (a dangling link names
 * the file to create). Errors (BX_ERR_IO, naming the path): an empty name,
 * a folder, a block device, a folder to write into that does not exist, a
 * link chain that loops. On Windows links are not resolved (*target is a
 * copy of path) and only character devices and pipes are written through.
 * "-" is standard output: BX_OUTPUT_THROUGH, *target "-".
 */
bx_status bx_output_prepare(const char *path, char **target, bx_output_kind *kind, bx_error *err);

/** 1 if path is a valid output of kind BX_OUTPUT_THROUGH (a device, a FIFO,
 * a /dev or /proc name): written in place, so two outputs may share it. */
int bx_output_is_through(const char *path);

/**
 * Open an output of kind BX_OUTPUT_THROUGH for writing (no create, no
 * truncation); a FIFO with no reader is an error, not a wait. Returns a file
 * descriptor (POSIX) or -1 with err set.
 */
int bx_output_open_through(const char *target, bx_error *err);

/** Write data to standard output (binary on Windows) and flush it; BX_ERR_IO
 * if that fails (a closed pipe, a full disk). */
bx_status bx_write_stdout(const void *data, size_t len, bx_error *err);

/** Write data to path: atomically (temp sibling, flush to disk, rename) for
 * BX_OUTPUT_REPLACE, in place for BX_OUTPUT_THROUGH (bx_output_prepare). */
bx_status bx_file_write_atomic(const char *path, const void *data, size_t len, bx_error *err);

/** 1 if a and b name the same existing file, 0 otherwise. */
int bx_same_file(const char *a, const char *b);

/** Which file a path names (links followed): equal identities, the same file. */
typedef struct bx_file_identity {
    unsigned long long volume; /**< device (POSIX st_dev) or volume serial number */
    unsigned long long index;  /**< inode (POSIX st_ino) or file index */
} bx_file_identity;

/** The identity of the file at path: BX_OK, or BX_ERR_IO if it cannot be had. */
bx_status bx_file_identity_of(const char *path, bx_file_identity *id);

/** 1 if path exists and is a regular file (links followed): not a folder, device, FIFO or
 * socket. */
int bx_is_regular(const char *path);

/** 1 if path exists and is a directory. */
int bx_is_dir(const char *path);

/** 1 if path exists (any type). */
int bx_exists(const char *path);

#ifdef __cplusplus
}
#endif
#endif /* BX_FSUTIL_H */
