/* error.c — status strings, error messages and the allocator hook. */
#include "bx/error.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *bx_strerror(bx_status status)
{
    switch (status) {
    case BX_OK:
        return "success";
    case BX_ERR_NOMEM:
        return "out of memory";
    case BX_ERR_ARG:
        return "invalid argument";
    case BX_ERR_IO:
        return "file error";
    case BX_ERR_PARSE:
        return "invalid JSON";
    case BX_ERR_PRESET:
        return "invalid preset";
    case BX_ERR_RANGE:
        return "value out of range";
    case BX_ERR_AUDIO:
        return "audio file error";
    case BX_ERR_BUSY:
        return "busy";
    }
    return "unknown error";
}

void bx_error_clear(bx_error *err)
{
    if (err) {
        err->code = BX_OK;
        err->msg[0] = '\0';
    }
}

bx_status bx_error_set(bx_error *err, bx_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        /* one line: system texts (libsndfile's on Windows) may end in "\r\n" */
        size_t n = 0;
        for (char *c = err->msg; *c; c++, n++)
            if (*c == '\r' || *c == '\n')
                *c = ' ';
        while (n > 0 && err->msg[n - 1] == ' ')
            err->msg[--n] = '\0';
        err->code = code;
    }
    return code;
}

static bx_alloc_fn g_alloc;
static bx_free_fn g_free;
static void *g_user;

static void *cjson_alloc(size_t size)
{
    return bx_malloc(size);
}
static void cjson_free(void *ptr)
{
    bx_free(ptr);
}

void bx_set_allocator(bx_alloc_fn alloc, bx_free_fn release, void *user)
{
    g_alloc = (alloc && release) ? alloc : NULL;
    g_free = (alloc && release) ? release : NULL;
    g_user = user;
    cJSON_Hooks hooks = {cjson_alloc, cjson_free};
    cJSON_InitHooks(g_alloc ? &hooks : NULL);
}

void *bx_malloc(size_t size)
{
    if (size == 0)
        size = 1;
    return g_alloc ? g_alloc(size, g_user) : malloc(size);
}

void *bx_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    const size_t bytes = count * size;
    if (!g_alloc) /* the C library's calloc gets fresh pages zeroed for free */
        return calloc(bytes ? bytes : 1, 1);
    void *p = bx_malloc(bytes);
    if (p && bytes > 0)
        memset(p, 0, bytes);
    return p;
}

void bx_free(void *ptr)
{
    if (!ptr)
        return;
    if (g_free)
        g_free(ptr, g_user);
    else
        free(ptr);
}

char *bx_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = bx_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}
