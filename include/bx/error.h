/*
 * bx/error.h — status codes, error messages and the allocator hook of libbx.
 *
 * Every fallible libbx function returns a bx_status and, when given a non-NULL
 * bx_error, fills it with a one-line message that names the file, the field or
 * the value at fault (no trailing newline, no program name).
 */
#ifndef BX_ERROR_H
#define BX_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Status codes. BX_OK is zero; everything else is a failure. */
typedef enum bx_status {
    BX_OK = 0,
    BX_ERR_NOMEM,  /**< an allocation failed */
    BX_ERR_ARG,    /**< the caller passed an invalid argument */
    BX_ERR_IO,     /**< a file could not be opened, read, written or renamed */
    BX_ERR_PARSE,  /**< the text is not valid JSON (or is too large / nested) */
    BX_ERR_PRESET, /**< valid JSON, but not a valid bx preset */
    BX_ERR_RANGE,  /**< a value is outside what the sample rate allows */
    BX_ERR_AUDIO,  /**< an audio file is unreadable, unsupported or empty */
    BX_ERR_BUSY    /**< an earlier request is still pending: try again later */
} bx_status;

/** Longest message a bx_error holds, including the terminating NUL. */
#define BX_ERROR_MSG_MAX 512

/** A status plus a one-line, human-readable message. */
typedef struct bx_error {
    bx_status code;
    char msg[BX_ERROR_MSG_MAX];
} bx_error;

/** Short, static description of a status ("out of memory", ...). */
const char *bx_strerror(bx_status status);

/** Reset an error to BX_OK with an empty message. */
void bx_error_clear(bx_error *err);

/**
 * Set err (if not NULL) to code with a printf-style message; returns code so
 * callers can write `return bx_error_set(err, BX_ERR_IO, "%s: ...", path);`.
 */
bx_status bx_error_set(bx_error *err, bx_status code, const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 3, 4))) /* MinGW with __USE_MINGW_ANSI_STDIO */
#elif defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/**
 * Allocator hook. Every allocation libbx makes (and, through cJSON's hooks,
 * every allocation of the preset parser) goes through these functions. Pass
 * NULLs to restore malloc/free. Not thread-safe: call it before using libbx.
 * Used by the tests to count allocations and to make the Nth one fail.
 */
typedef void *(*bx_alloc_fn)(size_t size, void *user);
typedef void (*bx_free_fn)(void *ptr, void *user);
void bx_set_allocator(bx_alloc_fn alloc, bx_free_fn release, void *user);

/** Allocate / free through the hook (free(NULL) is a no-op). */
void *bx_malloc(size_t size);
void *bx_calloc(size_t count, size_t size);
void bx_free(void *ptr);
/** Duplicate a NUL-terminated string through the hook; NULL on failure. */
char *bx_strdup(const char *s);

#ifdef __cplusplus
}
#endif
#endif /* BX_ERROR_H */
