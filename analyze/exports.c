/* exports.c — bxanalyze's --export (exports.h). */
#include "exports.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "bx/export.h"
#include "bx/fsutil.h"

unsigned exports_parse(const char *list, char *bad, size_t bad_len)
{
    unsigned mask = 0;
    const char *s = list;
    for (;;) {
        const char *e = strchr(s, ',');
        const size_t n = e ? (size_t)(e - s) : strlen(s);
        char name[32];
        bx_export_format f = BX_EXPORT_FORMAT_COUNT;
        int known = 0;
        if (n < sizeof name) {
            memcpy(name, s, n);
            name[n] = '\0';
            known = bx_export_format_parse(name, &f) == BX_OK;
        }
        if (!known) {
            snprintf(bad, bad_len, "%.*s", (int)(n < 64 ? n : 64), s);
            return 0;
        }
        mask |= 1u << f;
        if (!e)
            return mask;
        s = e + 1;
    }
}

const char *exports_all_names(void)
{
    return "apo, easyeffects, sox, ffmpeg, pedalboard";
}

char *exports_path(const char *preset_path, int f)
{
    const char *suffix = bx_export_suffix((bx_export_format)f);
    size_t n = strlen(preset_path);
    if (n > 5) {
        const char *e = preset_path + n - 5;
        if (e[0] == '.' && tolower((unsigned char)e[1]) == 'j' &&
            tolower((unsigned char)e[2]) == 's' && tolower((unsigned char)e[3]) == 'o' &&
            tolower((unsigned char)e[4]) == 'n')
            n -= 5;
    }
    char *p = bx_malloc(n + strlen(suffix) + 1);
    if (p) {
        memcpy(p, preset_path, n);
        strcpy(p + n, suffix);
    }
    return p;
}

bx_status exports_prepare(unsigned mask, const char *preset_path, const char *single, bx_error *err)
{
    for (int f = 0; f < BX_EXPORT_FORMAT_COUNT; f++) {
        if (!(mask & (1u << f)))
            continue;
        if (single && strcmp(single, "-") == 0)
            return BX_OK;
        char *path = single ? bx_strdup(single) : exports_path(preset_path, f);
        char *target = NULL;
        bx_output_kind kind;
        if (!path)
            return bx_error_set(err, BX_ERR_NOMEM, "out of memory");
        bx_status st = bx_output_prepare(path, &target, &kind, err);
        bx_free(target);
        bx_free(path);
        if (st)
            return st;
    }
    return BX_OK;
}

bx_status exports_write(unsigned mask, const bx_chain_params *p, const char *name, double rate_hz,
                        const char *preset_path, const char *single, int quiet, bx_error *err)
{
    for (int f = 0; f < BX_EXPORT_FORMAT_COUNT; f++) {
        if (!(mask & (1u << f)))
            continue;
        bx_error e2;
        char *text = bx_export((bx_export_format)f, p, name, rate_hz, &e2);
        if (!text) /* the preset the export is of, named */
            return bx_error_set(err, e2.code, "%s: %s", preset_path ? preset_path : "preset",
                                e2.msg);
        bx_status st = BX_OK;
        if (single && strcmp(single, "-") == 0) {
            if (fputs(text, stdout) == EOF || fflush(stdout) != 0)
                st = bx_error_set(err, BX_ERR_IO, "cannot write to standard output");
        } else {
            char *path = single ? bx_strdup(single) : exports_path(preset_path, f);
            st = path ? bx_file_write_atomic(path, text, strlen(text), err)
                      : bx_error_set(err, BX_ERR_NOMEM, "out of memory");
            if (!st && !quiet)
                printf("export     %s (%s)\n", path, bx_export_format_name((bx_export_format)f));
            bx_free(path);
        }
        bx_free(text);
        if (st)
            return st;
        if (!quiet && f == BX_EXPORT_EASYEFFECTS) {
            /* JSON has no comments: say here what the file approximates */
            char *notes = bx_export_notes((bx_export_format)f, p, rate_hz);
            for (char *line = notes; line && *line;) {
                char *nl = strchr(line, '\n');
                fprintf(stderr, "bxanalyze: note: easyeffects: %.*s\n",
                        (int)(nl ? nl - line : (long)strlen(line)), line);
                line = nl ? nl + 1 : line + strlen(line);
            }
            bx_free(notes);
        }
    }
    return BX_OK;
}
