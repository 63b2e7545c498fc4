/* view.c — the live spectrum (view.h). */
#include "view.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bx/profile.h"

#ifdef _WIN32
#include <windows.h>
#ifndef ENABLE_VIRTUAL_TERMINAL_PROCESSING
#define ENABLE_VIRTUAL_TERMINAL_PROCESSING 0x0004
#endif
/* The console takes escape sequences (cursor up, clear to the end of the
 * line) once asked to (Windows 10 and later); its code page says UTF-8
 * (console_init sets it). 0 if stderr is no such console. */
static int terminal_setup(int *utf8)
{
    HANDLE h = GetStdHandle(STD_ERROR_HANDLE);
    DWORD mode;
    if (h == INVALID_HANDLE_VALUE || !GetConsoleMode(h, &mode))
        return 0;
    if (!(mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING) &&
        !SetConsoleMode(h, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING))
        return 0;
    *utf8 = GetConsoleOutputCP() == CP_UTF8;
    return 1;
}
#else
/* A terminal takes the escape sequences; the locale says whether it takes UTF-8. */
static int terminal_setup(int *utf8)
{
    *utf8 = 0;
    const char *vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (int i = 0; i < 3; i++) {
        const char *s = getenv(vars[i]);
        if (s && *s) {
            *utf8 =
                strstr(s, "UTF-8") || strstr(s, "utf-8") || strstr(s, "UTF8") || strstr(s, "utf8");
            break;
        }
    }
    return 1;
}
#endif

int view_init(view *v, double rate_hz, const bx_preset *p)
{
    memset(v, 0, sizeof *v);
    bx_error err;
    v->mic = bx_bands_create(rate_hz, VIEW_TAU_S, &err);
    v->out = bx_bands_create(rate_hz, VIEW_TAU_S, &err);
    if (!v->mic || !v->out) {
        view_free(v);
        return -1;
    }
    v->n = bx_bands_count(v->mic);
    bx_profile *prof = NULL;
    if (p && bx_profile_from_preset(p, "preset", &prof, &err) == BX_OK) {
        bx_bands_of_spectrum(v->mic, bx_profile_spectrum(prof), v->ref_db);
        v->have_ref = 1;
    }
    bx_profile_free(prof);
    v->can_draw = terminal_setup(&v->utf8);
    return 0;
}

void view_free(view *v)
{
    bx_bands_destroy(v->mic);
    bx_bands_destroy(v->out);
    v->mic = v->out = NULL;
}

static void drain(ring *r, bx_bands *b)
{
    float buf[4096];
    size_t got;
    while (r && (got = ring_read(r, buf, 4096)) > 0)
        bx_bands_add(b, buf, got);
}

void view_feed(view *v, ring *mic, ring *out)
{
    drain(mic, v->mic);
    drain(out, v->out);
}

/* The spectrum's own level: its mean over the bands from 100 Hz to 10 kHz. */
static double level_of(const view *v, const double *db)
{
    double s = 0;
    int n = 0;
    for (size_t k = 0; k < v->n; k++) {
        const double f = bx_bands_centre_hz(v->mic, k);
        if (f >= 99 && f <= 10100 && db[k] > -199)
            s += db[k], n++;
    }
    return n ? s / n : -200.0;
}

/* One spectrum as VIEW_ROWS rows of bars, two columns a band, after a label. */
static void bars(const view *v, FILE *f, const char *label, const double *db)
{
    /* U+2581..U+2588, the lower eighth to the full block, in UTF-8 */
    static const char *const blocks[9] = {" ",
                                          "\xe2\x96\x81",
                                          "\xe2\x96\x82",
                                          "\xe2\x96\x83",
                                          "\xe2\x96\x84",
                                          "\xe2\x96\x85",
                                          "\xe2\x96\x86",
                                          "\xe2\x96\x87",
                                          "\xe2\x96\x88"};
    static const char ascii[9] = {' ', '.', '.', ':', ':', '=', '=', '#', '#'};
    const double lvl = level_of(v, db);
    const double span = VIEW_BELOW_DB + VIEW_ABOVE_DB;
    for (int row = VIEW_ROWS - 1; row >= 0; row--) {
        fprintf(f, "%-6s", row == VIEW_ROWS - 1 ? label : "");
        for (size_t k = 0; k < v->n; k++) {
            /* 0..8 * VIEW_ROWS eighths of the bar's height, this row's share */
            double h = lvl > -199 && db[k] > -199 ? (db[k] - lvl + VIEW_BELOW_DB) / span : 0.0;
            int e = (int)lround(fmin(fmax(h, 0.0), 1.0) * 8 * VIEW_ROWS) - 8 * row;
            e = e < 0 ? 0 : e > 8 ? 8 : e;
            if (v->utf8)
                fprintf(f, "%s%s", blocks[e], blocks[e]);
            else
                fprintf(f, "%c%c", ascii[e], ascii[e]);
        }
        fprintf(f, "\033[K\n");
    }
}

void view_draw(view *v, FILE *f, const char *meter)
{
    if (v->drawn)
        fprintf(f, "\r\033[%dA", v->drawn);
    else
        fprintf(f, "\r");
    /* the axis: a label every third band (every octave) */
    fprintf(f, "%-6s", "Hz");
    for (size_t k = 0; k < v->n; k += 3) {
        const double fc = bx_bands_centre_hz(v->mic, k);
        char lab[24];
        if (fc < 1000)
            snprintf(lab, sizeof lab, "%.0f", fc < 100 ? round(fc) : round(fc / 10) * 10);
        else
            snprintf(lab, sizeof lab, "%.3gk", round(fc / 100) / 10);
        fprintf(f, "%-6s", lab);
    }
    fprintf(f, "\033[K\n");
    int lines = 1;
    double db[BX_BANDS_MAX];
    if (v->have_ref) {
        bars(v, f, "ref", v->ref_db);
        lines += VIEW_ROWS;
    }
    bx_bands_db(v->mic, db);
    bars(v, f, "mic", db);
    bx_bands_db(v->out, db);
    bars(v, f, "out", db);
    lines += 2 * VIEW_ROWS;
    fprintf(f, "%s\033[K", meter);
    fflush(f);
    v->drawn = lines;
}

static size_t json_array(char *buf, size_t size, size_t at, const char *key, const double *x,
                         size_t n, const char *fmt)
{
    at += (size_t)snprintf(buf + at, at < size ? size - at : 0, ",\"%s\":[", key);
    for (size_t k = 0; k < n; k++) {
        at += (size_t)snprintf(buf + at, at < size ? size - at : 0, k ? "," : "");
        at += (size_t)snprintf(buf + at, at < size ? size - at : 0, fmt, x[k]);
    }
    at += (size_t)snprintf(buf + at, at < size ? size - at : 0, "]");
    return at;
}

const char *view_json(const view *v, char *buf, size_t size)
{
    double db[BX_BANDS_MAX];
    bx_bands_db(v->mic, db);
    size_t at = json_array(buf, size, 0, "mic_db", db, v->n, "%.1f");
    bx_bands_db(v->out, db);
    json_array(buf, size, at, "out_db", db, v->n, "%.1f");
    return buf;
}
