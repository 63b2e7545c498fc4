/* report.c — the --plot SVG: two frequency panels, the compressor's static
 * curve, the fitted settings and the level statistics, on one page. */
#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bx/biquad.h"
#include "bx/comp.h"
#include "bx/fsutil.h"
#include "bx/version.h"

#define PAGE_W 1000
#define PLOT_X 72
#define PLOT_W 884
#define FREQ_MIN_HZ 20.0
#define FREQ_MAX_HZ 20000.0
#define ROW_H 18
#define MINUS "\xe2\x88\x92" /* U+2212, the typographic minus */

/* ---- a growing text buffer ---------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int nomem;
} sbuf;

static void put(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        if (b->nomem)
            return;
        va_list ap;
        va_start(ap, fmt);
        const int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->nomem = 1;
            return;
        }
        if (b->s && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 16384;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *s = bx_malloc(cap);
        if (!s) {
            b->nomem = 1;
            return;
        }
        if (b->s)
            memcpy(s, b->s, b->len + 1);
        bx_free(b->s);
        b->s = s;
        b->cap = cap;
    }
}

/* Length of the UTF-8 sequence at u, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *u)
{
    size_t n = 0;
    if (*u < 0x80)
        return 1;
    if ((*u >> 5) == 6)
        n = 2;
    else if ((*u >> 4) == 14)
        n = 3;
    else if ((*u >> 3) == 30)
        n = 4;
    for (size_t k = 1; k < n; k++)
        if ((u[k] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Text for an XML text node or attribute, at most max_bytes long (longer: "…" + the end).
 * Bytes that are not UTF-8, and control characters, become '?'. */
static void put_text(sbuf *b, const char *s, size_t max_bytes)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s);
    if (len > max_bytes) {
        u += len - max_bytes;
        while ((*u & 0xC0) == 0x80)
            u++;
        put(b, "\xe2\x80\xa6");
    }
    while (*u) {
        const size_t n = utf8_len(u);
        if (n == 0 || (n == 1 && *u < 0x20))
            put(b, "?");
        else if (*u == '&')
            put(b, "&amp;");
        else if (*u == '<')
            put(b, "&lt;");
        else if (*u == '>')
            put(b, "&gt;");
        else if (*u == '"')
            put(b, "&quot;");
        else
            put(b, "%.*s", (int)n, (const char *)u);
        u += n ? n : 1;
    }
}

/* "+3.2" / "−3.2" / "0.0" with a real minus sign. */
static const char *fmt_signed(char *buf, size_t size, double v, int decimals)
{
    if (!isfinite(v))
        snprintf(buf, size, "n/a");
    else if (fabs(v) < 0.5 * pow(10, -decimals))
        snprintf(buf, size, "%.*f", decimals, 0.0);
    else
        snprintf(buf, size, "%s%.*f", v < 0 ? MINUS : "+", decimals, fabs(v));
    return buf;
}

/* Like fmt_signed, without the plus. */
static const char *fmt_num(char *buf, size_t size, double v, int decimals)
{
    fmt_signed(buf, size, v, decimals);
    if (buf[0] == '+')
        memmove(buf, buf + 1, strlen(buf));
    return buf;
}

/* "knee N dB" */
static const char *fmt_knee(char *buf, size_t size, double knee_db)
{
    snprintf(buf, size, "knee %.3g dB", knee_db);
    return buf;
}

/* " (RMS over N ms)", " (mean |x| over N ms)": an averaging detector's time */
static const char *fmt_rms(char *buf, size_t size, const bx_comp_params *c)
{
    snprintf(buf, size, " (%s over %.3g ms)",
             c->detector == BX_DETECTOR_MEAN_LEVEL ? "mean |x|" : "RMS", bx_comp_rms_ms(c));
    return buf;
}

static const char *fmt_hz(char *buf, size_t size, double hz)
{
    if (hz >= 1000)
        snprintf(buf, size, "%.*f kHz", hz < 9995 ? 2 : 1, hz / 1000);
    else
        snprintf(buf, size, "%.0f Hz", hz);
    return buf;
}

/* ---- plot frames ------------------------------------------------------------------ */

typedef struct frame {
    double x, y, w, h; /* plot area, px */
    double x_lo, x_hi; /* data range across (Hz on a log scale when logx) */
    double y_lo, y_hi; /* data range up, dB */
    int logx;
} frame;

static double fx(const frame *f, double v)
{
    const double t =
        f->logx ? log(v / f->x_lo) / log(f->x_hi / f->x_lo) : (v - f->x_lo) / (f->x_hi - f->x_lo);
    return f->x + t * f->w;
}

static double fy(const frame *f, double v)
{
    return f->y + f->h - (v - f->y_lo) / (f->y_hi - f->y_lo) * f->h;
}

static void frame_open(sbuf *b, const frame *f, const char *id)
{
    put(b,
        "<clipPath id=\"%s\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
        "height=\"%.1f\"/></clipPath>\n",
        id, f->x, f->y, f->w, f->h);
    put(b, "<rect class=\"area\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n", f->x,
        f->y, f->w, f->h);
}

static void frame_close(sbuf *b, const frame *f)
{
    put(b, "<rect class=\"edge\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n", f->x,
        f->y, f->w, f->h);
}

/* Log-frequency grid: a line at every 1..9 x 10^k, labels at 20, 50, 100, ... 20k. */
static void freq_grid(sbuf *b, const frame *f, int labels)
{
    for (double dec = 10; dec <= 10000; dec *= 10) {
        for (int k = 1; k <= 9; k++) {
            const double hz = k * dec;
            if (hz <= f->x_lo || hz >= f->x_hi)
                continue;
            put(b, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                k == 1 ? "major" : "minor", fx(f, hz), f->y, fx(f, hz), f->y + f->h);
        }
    }
    if (!labels)
        return;
    static const double at[] = {20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000};
    static const char *const text[] = {"20", "50", "100", "200", "500",
                                       "1k", "2k", "5k",  "10k", "20k"};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
        put(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
            fx(f, at[i]), f->y + f->h + 15, text[i]);
}

/* Horizontal dB grid every `step`, labelled at the left; `zero` emphasises 0 dB. */
static void db_grid(sbuf *b, const frame *f, double step, int zero, int plus)
{
    for (double v = ceil(f->y_lo / step - 1e-9) * step; v <= f->y_hi + 1e-9; v += step) {
        char t[32];
        const double y = fy(f, v);
        put(b, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
            zero && fabs(v) < 1e-9 ? "zero" : "minor", f->x, y, f->x + f->w, y);
        put(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
            f->x - 7, y + 4, plus ? fmt_signed(t, sizeof t, v, 0) : fmt_num(t, sizeof t, v, 0));
    }
}

/* A curve as one path; non-finite points lift the pen; far-out values are clamped
 * (the clip path hides them) so coordinates stay small. */
static void curve(sbuf *b, const frame *f, const char *clip, const char *cls, const double *x,
                  const double *y, size_t n, double offset)
{
    if (!x || !y || n == 0)
        return;
    const double span = f->y_hi - f->y_lo;
    int pen = 0;
    put(b, "<path class=\"%s\" clip-path=\"url(#%s)\" d=\"", cls, clip);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]) || x[i] <= 0) {
            pen = 0;
            continue;
        }
        const double v = fmin(fmax(y[i] + offset, f->y_lo - span), f->y_hi + span);
        put(b, "%s%.1f,%.1f", pen ? " L" : (i ? " M" : "M"), fx(f, x[i]), fy(f, v));
        pen = 1;
    }
    put(b, "\"/>\n");
}

static void legend(sbuf *b, double x, double y, const char *const *labels, const char *const *cls,
                   size_t n)
{
    double w = 0;
    for (size_t i = 0; i < n; i++)
        w = fmax(w, 7.0 * (double)strlen(labels[i]));
    put(b,
        "<rect class=\"legend\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"4\"/>\n",
        x - w - 48, y, w + 40, 10.0 + 18.0 * (double)n);
    for (size_t i = 0; i < n; i++) {
        const double ly = y + 14 + 18.0 * (double)i;
        put(b, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", cls[i],
            x - w - 38, ly, x - w - 16, ly);
        put(b, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\">%s</text>\n", x - w - 10, ly + 4,
            labels[i]);
    }
}

/* Smallest and largest finite value of y over the frequencies in [lo, hi]. */
static void range_of(const bx_analysis_curves *c, const double *y, double lo, double hi, double *mn,
                     double *mx)
{
    for (size_t i = 0; y && i < c->n; i++) {
        if (c->freq_hz[i] >= lo && c->freq_hz[i] <= hi && isfinite(y[i])) {
            *mn = fmin(*mn, y[i]);
            *mx = fmax(*mx, y[i]);
        }
    }
}

static double interp(const bx_analysis_curves *c, const double *y, double hz)
{
    if (!y || c->n == 0)
        return NAN;
    if (hz <= c->freq_hz[0])
        return y[0];
    for (size_t i = 1; i < c->n; i++) {
        if (hz <= c->freq_hz[i]) {
            const double t = log(hz / c->freq_hz[i - 1]) / log(c->freq_hz[i] / c->freq_hz[i - 1]);
            return y[i - 1] + t * (y[i] - y[i - 1]);
        }
    }
    return y[c->n - 1];
}

/* Mean of reference_db - source_db over 100 Hz - 10 kHz (0 if undefined). */
static double mean_difference(const bx_analysis_curves *c)
{
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; c->reference_db && c->source_db && i < c->n; i++) {
        const double d = c->reference_db[i] - c->source_db[i];
        if (c->freq_hz[i] >= 100 && c->freq_hz[i] <= 10000 && isfinite(d)) {
            sum += d;
            n++;
        }
    }
    return n ? sum / (double)n : 0;
}

/* ---- the panels ---------------------------------------------------------------------- */

static const char *mode_text(bx_analysis_mode m)
{
    return m == BX_ANALYSIS_SOURCE   ? "relative to your dry take (--source)"
           : m == BX_ANALYSIS_PAIRED ? "paired: reference = dry original through an unknown chain"
                                     : "reference only, against the neutral model";
}

static const char *source_label(bx_analysis_mode m)
{
    return m == BX_ANALYSIS_SOURCE   ? "your take"
           : m == BX_ANALYSIS_PAIRED ? "dry original"
                                     : "neutral model";
}

static void panel_spectrum(sbuf *b, const bx_analysis_result *r, double top)
{
    const bx_analysis_curves *c = &r->curves;
    frame f = {PLOT_X, top + 30, PLOT_W, 210, FREQ_MIN_HZ, FREQ_MAX_HZ, -90, -10, 1};
    /* the neutral model has a shape but no level: draw it at the reference's mean level */
    const double offset = r->mode == BX_ANALYSIS_REFERENCE ? mean_difference(c) : 0;
    double mn = INFINITY, mx = -INFINITY;
    range_of(c, c->reference_db, FREQ_MIN_HZ, FREQ_MAX_HZ, &mn, &mx);
    if (c->source_db) {
        double smn = INFINITY, smx = -INFINITY;
        range_of(c, c->source_db, FREQ_MIN_HZ, FREQ_MAX_HZ, &smn, &smx);
        mn = fmin(mn, smn + offset);
        mx = fmax(mx, smx + offset);
    }
    if (mx >= mn) {
        f.y_hi = ceil((mx + 3) / 10) * 10;
        f.y_lo = fmax(floor((mn - 3) / 10) * 10, f.y_hi - 100);
        if (f.y_hi - f.y_lo < 40)
            f.y_lo = f.y_hi - 40;
    }
    put(b, "<text class=\"h2\" x=\"%d\" y=\"%.1f\">Long-term average spectrum</text>\n", PLOT_X,
        top + 18);
    put(b,
        "<text class=\"note\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">level per frequency, "
        "dBFS, smoothed</text>\n",
        PLOT_X + PLOT_W, top + 18);
    frame_open(b, &f, "clip-spec");
    freq_grid(b, &f, 1);
    db_grid(b, &f, f.y_hi - f.y_lo > 60 ? 20 : 10, 0, 0);
    curve(b, &f, "clip-spec", "source", c->freq_hz, c->source_db, c->n, offset);
    curve(b, &f, "clip-spec", "reference", c->freq_hz, c->reference_db, c->n, 0);
    frame_close(b, &f);
    if (c->n == 0)
        put(b,
            "<text class=\"note\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no curve data"
            "</text>\n",
            f.x + f.w / 2, f.y + f.h / 2);
    char src[64];
    snprintf(src, sizeof src, "%s%s", source_label(r->mode),
             r->mode == BX_ANALYSIS_REFERENCE ? " (level-matched)" : "");
    const char *labels[] = {"reference", src};
    const char *cls[] = {"reference", "source"};
    legend(b, f.x + f.w - 8, f.y + 8, labels, cls, c->source_db ? 2 : 1);
}

static void panel_eq(sbuf *b, const bx_analysis_result *r, double top)
{
    const bx_analysis_curves *c = &r->curves;
    const bx_chain_params *ch = &r->preset.chain;
    frame f = {PLOT_X, top + 30, PLOT_W, 210, FREQ_MIN_HZ, FREQ_MAX_HZ, -6, 6, 1};
    double mn = 0, mx = 0;
    range_of(c, c->target_db, FREQ_MIN_HZ, FREQ_MAX_HZ, &mn, &mx);
    range_of(c, c->fit_db, FREQ_MIN_HZ, FREQ_MAX_HZ, &mn, &mx);
    f.y_lo = fmin(-6, floor((fmax(mn, -30) - 1) / 6) * 6);
    f.y_hi = fmax(6, ceil((fmin(mx, 30) + 1) / 6) * 6);
    put(b, "<text class=\"h2\" x=\"%d\" y=\"%.1f\">EQ: target and fit</text>\n", PLOT_X, top + 18);
    char e[32];
    put(b,
        "<text class=\"note\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">gain, dB; fit error "
        "%s dB RMS, %g Hz\xe2\x80\x93"
        "%.3g kHz</text>\n",
        PLOT_X + PLOT_W, top + 18, fmt_num(e, sizeof e, r->eq_error_db, 2), r->fit_lo_hz,
        r->fit_hi_hz / 1000.0);
    frame_open(b, &f, "clip-eq");
    freq_grid(b, &f, 1);
    db_grid(b, &f, f.y_hi - f.y_lo <= 24 ? 3 : 6, 1, 1);
    curve(b, &f, "clip-eq", "target", c->freq_hz, c->target_db, c->n, 0);
    curve(b, &f, "clip-eq", "fit", c->freq_hz, c->fit_db, c->n, 0);
    for (unsigned i = 0; i < ch->n_bands; i++) {
        const double hz = ch->bands[i].freq_hz;
        double v = interp(c, c->fit_db, hz);
        if (hz < f.x_lo || hz > f.x_hi || !isfinite(v))
            continue;
        v = fmin(fmax(v, f.y_lo), f.y_hi);
        const double x = fx(&f, hz), y = fy(&f, v);
        const double ly = v >= 0 ? y - 14 : y + 14; /* the number away from the zero line */
        put(b, "<circle class=\"band\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"/>\n", x, y);
        put(b, "<text class=\"bandno\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%u</text>\n", x,
            ly + 4, i + 1);
    }
    frame_close(b, &f);
    put(b,
        "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">Frequency (Hz)"
        "</text>\n",
        f.x + f.w / 2, f.y + f.h + 34);
    const char *labels[] = {"target", "fitted EQ"};
    const char *cls[] = {"target", "fit"};
    legend(b, f.x + f.w - 8, f.y + 8, labels, cls, 2);
}

static void panel_comp(sbuf *b, const bx_analysis_result *r, double top)
{
    const bx_chain_params *ch = &r->preset.chain;
    const bx_comp_params *cp = &ch->comp;
    frame f = {PLOT_X, top + 30, 250, 250, -60, 0, -60, 0, 0};
    if (ch->has_comp)
        f.y_hi = fmax(0, ceil((bx_comp_static_db(cp, 0) + cp->makeup_db) / 6) * 6);
    char t1[32], t2[32], t3[32], t4[40], t5[32];
    put(b, "<text class=\"h2\" x=\"%d\" y=\"%.1f\">Compressor</text>\n", PLOT_X, top + 18);
    frame_open(b, &f, "clip-comp");
    if (r->mode != BX_ANALYSIS_REFERENCE && r->source.p95_db > r->source.p10_db) {
        const double x0 = fx(&f, fmax(r->source.p10_db, f.x_lo));
        const double x1 = fx(&f, fmin(r->source.p95_db, f.x_hi));
        if (x1 > x0)
            put(b,
                "<rect class=\"levels\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n"
                "<text class=\"note\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s p10"
                "\xe2\x80\x93p95</text>\n",
                x0, f.y, x1 - x0, f.h, (x0 + x1) / 2, f.y + f.h - 8, source_label(r->mode));
    }
    for (double v = f.x_lo; v <= f.x_hi + 1e-9; v += 10) {
        put(b,
            "<line class=\"minor\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n"
            "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
            fx(&f, v), f.y, fx(&f, v), f.y + f.h, fx(&f, v), f.y + f.h + 15,
            fmt_num(t1, sizeof t1, v, 0));
    }
    db_grid(b, &f, f.y_hi - f.y_lo > 60 ? 12 : 10, 0, 0);
    put(b,
        "<line class=\"ident\" clip-path=\"url(#clip-comp)\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
        "y2=\"%.1f\"/>\n",
        fx(&f, -60), fy(&f, -60), fx(&f, 0), fy(&f, 0));
    if (ch->has_limiter && ch->ceiling_db > f.y_lo && ch->ceiling_db <= f.y_hi)
        put(b,
            "<line class=\"ceiling\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n"
            "<text class=\"note\" x=\"%.1f\" y=\"%.1f\">limiter %s</text>\n",
            f.x, fy(&f, ch->ceiling_db), f.x + f.w, fy(&f, ch->ceiling_db), f.x + 6,
            fy(&f, ch->ceiling_db) + 14, fmt_num(t1, sizeof t1, ch->ceiling_db, 1));
    if (ch->has_comp) {
        put(b, "<line class=\"thresh\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
            fx(&f, cp->threshold_db), f.y, fx(&f, cp->threshold_db), f.y + f.h);
        put(b, "<path class=\"comp\" clip-path=\"url(#clip-comp)\" d=\"");
        for (int i = 0; i <= 240; i++) {
            const double in = -60 + 0.25 * i;
            put(b, "%s%.1f,%.1f", i ? " L" : "M", fx(&f, in),
                fy(&f, bx_comp_static_db(cp, in) + cp->makeup_db));
        }
        put(b, "\"/>\n");
    } else {
        put(b,
            "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">compressor off"
            "</text>\n",
            f.x + f.w / 2, f.y + 40);
    }
    frame_close(b, &f);
    put(b,
        "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">input level (dBFS)"
        "</text>\n",
        f.x + f.w / 2, f.y + f.h + 34);
    put(b,
        "<text class=\"axis\" transform=\"translate(%.1f %.1f) rotate(-90)\" "
        "text-anchor=\"middle\">output level (dBFS)</text>\n",
        f.x - 40, f.y + f.h / 2);
    double y = f.y + f.h + 58;
    if (ch->has_comp) {
        put(b,
            "<text class=\"label\" x=\"%.1f\" y=\"%.1f\">threshold %s dBFS \xc2\xb7 ratio %.3g:1 "
            "\xc2\xb7 %s</text>\n",
            f.x, y, fmt_num(t1, sizeof t1, cp->threshold_db, 1), cp->ratio,
            cp->detector == BX_DETECTOR_POWER ? "power-sum knee"
                                              : fmt_knee(t5, sizeof t5, cp->knee_db));
        put(b,
            "<text class=\"label\" x=\"%.1f\" y=\"%.1f\">attack %.3g ms \xc2\xb7 release %.4g ms "
            "\xc2\xb7 makeup %s dB \xc2\xb7 %s%s</text>\n",
            f.x, y + ROW_H, cp->attack_ms, cp->release_ms,
            fmt_signed(t2, sizeof t2, cp->makeup_db, 1), bx_detector_name(cp->detector),
            bx_detector_averages(cp->detector)              ? fmt_rms(t4, sizeof t4, cp)
            : cp->detector == BX_DETECTOR_POWER && cp->hold ? " with hold"
                                                            : "");
        if (r->comp_fitted)
            put(b,
                "<text class=\"note\" x=\"%.1f\" y=\"%.1f\">static curve, makeup included "
                "\xc2\xb7 fit error %s dB</text>\n",
                f.x, y + 2 * ROW_H, fmt_num(t3, sizeof t3, r->comp_error_db, 2));
        else
            put(b,
                "<text class=\"note\" x=\"%.1f\" y=\"%.1f\">static curve, makeup "
                "included</text>\n",
                f.x, y + 2 * ROW_H);
        if (r->comp_fitted)
            put(b,
                "<text class=\"note\" x=\"%.1f\" y=\"%.1f\">confidence %.2f \xc2\xb7 %s dB "
                "closer than none (%s needed)</text>\n",
                f.x, y + 3 * ROW_H, r->comp_confidence,
                fmt_num(t1, sizeof t1, r->comp_margin_db, 2),
                fmt_num(t2, sizeof t2, r->comp_min_gain_db, 2));
    }
}

/* A warning's lines: at most WARN_WRAP bytes each (about the page's width
 * at the label's size), broken at spaces. */
#define WARN_WRAP 140

/* The length of the line that starts at s (its trailing space left out):
 * the whole rest if it fits, else up to its last space within WARN_WRAP
 * bytes (or WARN_WRAP bytes, on a UTF-8 boundary, if there is none). */
static size_t warn_line(const char *s)
{
    const size_t len = strlen(s);
    if (len <= WARN_WRAP)
        return len;
    size_t cut = WARN_WRAP;
    while (cut > 0 && s[cut] != ' ')
        cut--;
    if (cut == 0)
        for (cut = WARN_WRAP; cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80; cut--)
            ;
    return cut ? cut : WARN_WRAP;
}

static unsigned warn_lines(const char *s)
{
    unsigned n = 0;
    while (*s) {
        s += warn_line(s);
        while (*s == ' ')
            s++;
        n++;
    }
    return n;
}

/* The plain warnings about the evidence, each wrapped to the page. */
static void block_warnings(sbuf *b, const bx_analysis_result *r, double top)
{
    if (r->n_warnings == 0)
        return;
    put(b, "<text class=\"h2\" x=\"%d\" y=\"%.1f\">Warnings</text>\n", PLOT_X, top + 18);
    double y = top + 42;
    for (unsigned k = 0; k < r->n_warnings; k++) {
        const char *s = r->warnings[k].text;
        while (*s) {
            char line[WARN_WRAP + 1];
            const size_t n = warn_line(s);
            memcpy(line, s, n);
            line[n] = 0;
            put(b, "<text class=\"label\" x=\"%d\" y=\"%.1f\">",
                s == r->warnings[k].text ? PLOT_X : PLOT_X + 12, y); /* continuations indented */
            put_text(b, line, sizeof line);
            put(b, "</text>\n");
            s += n;
            while (*s == ' ')
                s++;
            y += ROW_H;
        }
    }
}

static const char *type_text(bx_biquad_type t)
{
    switch (t) {
    case BX_BIQUAD_PEAK:
        return "peak";
    case BX_BIQUAD_LOW_SHELF:
        return "low shelf";
    case BX_BIQUAD_HIGH_SHELF:
        return "high shelf";
    case BX_BIQUAD_HIGHPASS:
        return "high-pass";
    case BX_BIQUAD_LOWPASS:
        return "low-pass";
    }
    return "?";
}

static void table_bands(sbuf *b, const bx_analysis_result *r, double x, double top)
{
    const bx_chain_params *ch = &r->preset.chain;
    char t1[32], t2[32];
    put(b, "<text class=\"h2\" x=\"%.1f\" y=\"%.1f\">Fitted EQ</text>\n", x, top + 18);
    double y = top + 48;
    put(b,
        "<g class=\"th\"><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">#</text>"
        "<text x=\"%.1f\" y=\"%.1f\">type</text>"
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">frequency</text>"
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">gain</text>"
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">Q</text>"
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">conf.</text></g>\n",
        x + 12, y, x + 24, y, x + 140, y, x + 188, y, x + 222, y, x + 256, y);
    put(b, "<line class=\"rule\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, y + 6,
        x + 256, y + 6);
    for (unsigned i = 0; i < ch->n_bands; i++) {
        const bx_band *bd = &ch->bands[i];
        y += ROW_H;
        if (i % 2 == 0)
            put(b, "<rect class=\"stripe\" x=\"%.1f\" y=\"%.1f\" width=\"256\" height=\"%d\"/>\n",
                x, y - 13, ROW_H);
        put(b,
            "<g class=\"td\"><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%u</text>"
            "<text x=\"%.1f\" y=\"%.1f\">%s</text>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text></g>\n",
            x + 12, y, i + 1, x + 24, y, type_text(bd->type), x + 140, y,
            fmt_hz(t1, sizeof t1, bd->freq_hz), x + 188, y,
            bx_biquad_type_has_gain(bd->type) ? fmt_signed(t2, sizeof t2, bd->gain_db, 1)
                                              : "\xe2\x80\x94",
            x + 222, y, bd->q, x + 256, y, r->eq_conf[i].confidence);
    }
    if (ch->n_bands == 0)
        put(b, "<text class=\"note\" x=\"%.1f\" y=\"%.1f\">no bands: the EQ stays flat</text>\n",
            x + 24, y += ROW_H);
    y += ROW_H + 10;
    put(b,
        "<text class=\"label\" x=\"%.1f\" y=\"%.1f\">input gain %s dB \xc2\xb7 output gain %s dB"
        "</text>\n",
        x, y, fmt_signed(t1, sizeof t1, ch->input_gain_db, 1),
        fmt_signed(t2, sizeof t2, ch->output_gain_db, 1));
}

static void stat_row(sbuf *b, double x, double y, const char *label, double ref, double src,
                     int have_src, int decimals)
{
    char t1[32], t2[32];
    put(b,
        "<g class=\"td\"><text x=\"%.1f\" y=\"%.1f\">%s</text>"
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>"
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text></g>\n",
        x, y, label, x + 188, y, fmt_num(t1, sizeof t1, ref, decimals), x + 280, y,
        have_src ? fmt_num(t2, sizeof t2, src, decimals) : "\xe2\x80\x94");
}

static void table_stats(sbuf *b, const bx_analysis_result *r, double x, double top)
{
    const bx_level_stats *a = &r->reference, *s = &r->source;
    const int hs = r->mode != BX_ANALYSIS_REFERENCE;
    put(b, "<text class=\"h2\" x=\"%.1f\" y=\"%.1f\">Levels</text>\n", x, top + 18);
    double y = top + 48;
    put(b,
        "<g class=\"th\"><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">reference</text>"
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text></g>\n",
        x + 188, y, x + 280, y, hs ? source_label(r->mode) : "source");
    put(b, "<line class=\"rule\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, y + 6,
        x + 284, y + 6);
    struct {
        const char *label;
        double ref, src;
        int decimals;
    } rows[] = {
        {"loudness (LUFS)", a->loudness_lufs, s->loudness_lufs, 1},
        {"loudness range (LU)", a->lra_lu, s->lra_lu, 1},
        {"sample peak (dBFS)", a->sample_peak_db, s->sample_peak_db, 1},
        {"RMS (dBFS)", a->rms_db, s->rms_db, 1},
        {"crest factor (dB)", a->crest_db, s->crest_db, 1},
        {"spread p95" MINUS "p10 (dB)", a->spread_db, s->spread_db, 1},
        {"attack (ms)", a->attack_ms, s->attack_ms, 1},
        {"decay (ms)", a->decay_ms, s->decay_ms, 0},
        {"duration (s)", a->seconds, s->seconds, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        y += ROW_H;
        if (i % 2 == 0)
            put(b, "<rect class=\"stripe\" x=\"%.1f\" y=\"%.1f\" width=\"284\" height=\"%d\"/>\n",
                x, y - 13, ROW_H);
        stat_row(b, x, y, rows[i].label, rows[i].ref, rows[i].src, hs, rows[i].decimals);
    }
    y += ROW_H + 10;
    if (r->mode == BX_ANALYSIS_PAIRED) {
        char t[32];
        put(b,
            "<text class=\"label\" x=\"%.1f\" y=\"%.1f\">alignment of the dry original: %s ms"
            "</text>\n",
            x, y, fmt_signed(t, sizeof t, r->delay_ms, 2));
    }
}

static const char style[] =
    "<style>\n"
    "text{font-family:'Helvetica Neue',Helvetica,Arial,sans-serif;fill:#1f2937}\n"
    ".h1{font-size:22px;font-weight:700}\n"
    ".h2{font-size:15px;font-weight:700}\n"
    ".meta{font-size:12px;fill:#4b5563}\n"
    ".meta tspan.k{font-weight:700;fill:#111827}\n"
    ".tick{font-size:11px;fill:#6b7280}\n"
    ".axis{font-size:12px;fill:#374151}\n"
    ".label,.td text{font-size:12px}\n"
    ".th text{font-size:11px;font-weight:700;fill:#4b5563}\n"
    ".note{font-size:11px;fill:#6b7280}\n"
    ".bandno{font-size:10px;font-weight:700;fill:#b91c1c}\n"
    ".area{fill:#fcfcfd}\n"
    ".edge{fill:none;stroke:#9ca3af;stroke-width:1}\n"
    ".minor{stroke:#eceef1;stroke-width:1}\n"
    ".major{stroke:#d1d5db;stroke-width:1}\n"
    ".zero{stroke:#9ca3af;stroke-width:1.2}\n"
    ".rule{stroke:#9ca3af;stroke-width:1}\n"
    ".stripe{fill:#f3f4f6}\n"
    ".legend{fill:#ffffff;fill-opacity:0.92;stroke:#d1d5db}\n"
    "path,line.reference,line.source,line.target,line.fit,line.comp{fill:none;"
    "stroke-linejoin:round;stroke-linecap:round}\n"
    ".reference{stroke:#2563eb;stroke-width:2}\n"
    ".source{stroke:#6b7280;stroke-width:1.6;stroke-dasharray:6 4}\n"
    ".target{stroke:#f59e0b;stroke-width:4;stroke-opacity:0.55}\n"
    ".fit{stroke:#dc2626;stroke-width:2}\n"
    ".comp{stroke:#7c3aed;stroke-width:2.2}\n"
    ".ident{stroke:#9ca3af;stroke-width:1;stroke-dasharray:4 4}\n"
    ".ceiling{stroke:#dc2626;stroke-width:1;stroke-dasharray:2 3}\n"
    ".thresh{stroke:#7c3aed;stroke-width:1;stroke-dasharray:2 3;stroke-opacity:0.7}\n"
    ".levels{fill:#10b981;fill-opacity:0.12}\n"
    ".band{fill:#ffffff;stroke:#dc2626;stroke-width:1.6}\n"
    "</style>\n";

/* One "label value" pair of the header, the value cut to max_bytes. */
static void meta(sbuf *b, double x, double y, const char *label, const char *value,
                 size_t max_bytes)
{
    put(b,
        "<text class=\"meta\" x=\"%.1f\" y=\"%.1f\"><tspan class=\"k\">%s</tspan>"
        "<tspan x=\"%.1f\">",
        x, y, label, x + 84);
    put_text(b, value, max_bytes);
    put(b, "</tspan></text>\n");
}

static void header(sbuf *b, const bx_analysis_result *r, const report_info *info)
{
    put(b, "<text class=\"h1\" x=\"%d\" y=\"38\">bx analysis \xe2\x80\x94 ", PLOT_X);
    put_text(b, r->preset.name && r->preset.name[0] ? r->preset.name : "untitled", 80);
    put(b, "</text>\n");
    meta(b, PLOT_X, 62, "reference", info->reference_path ? info->reference_path : "?", 52);
    meta(b, PLOT_X, 80, "mode", mode_text(r->mode), 80);
    if (info->source_path)
        meta(b, 540, 62, source_label(r->mode), info->source_path, 50);
    if (info->preset_path)
        meta(b, 540, 80, "preset", info->preset_path, 50);
    put(b, "<line class=\"rule\" x1=\"%d\" y1=\"94\" x2=\"%d\" y2=\"94\"/>\n", PLOT_X,
        PLOT_X + PLOT_W);
}

char *report_svg(const bx_analysis_result *r, const report_info *info)
{
    sbuf b = {0};
    const double top_eq = 370, top_bottom = 672;
    const double bands_h = 48 + ROW_H * (double)(r->preset.chain.n_bands + 1) + 40;
    unsigned warn_n = 0;
    for (unsigned k = 0; k < r->n_warnings; k++)
        warn_n += warn_lines(r->warnings[k].text);
    const double warn_h = r->n_warnings ? 42 + ROW_H * (double)warn_n : 0;
    const double h = top_bottom + fmax(400, bands_h) + warn_h + 30;
    put(&b,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%.0f\" "
        "viewBox=\"0 0 %d %.0f\">\n<title>bx analysis: ",
        PAGE_W, h, PAGE_W, h);
    put_text(&b, r->preset.name ? r->preset.name : "", 200);
    put(&b, "</title>\n%s<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
        style, PAGE_W, h);
    header(&b, r, info);
    panel_spectrum(&b, r, 104);
    panel_eq(&b, r, top_eq);
    panel_comp(&b, r, top_bottom);
    table_bands(&b, r, 400, top_bottom);
    table_stats(&b, r, 672, top_bottom);
    block_warnings(&b, r, top_bottom + fmax(400, bands_h));
    put(&b,
        "<text class=\"note\" x=\"%d\" y=\"%.0f\">bxanalyze %s \xc2\xb7 analysed in %.2f s"
        "</text>\n</svg>\n",
        PLOT_X, h - 14, BX_VERSION_STRING, info->seconds);
    if (b.nomem) {
        bx_free(b.s);
        return NULL;
    }
    return b.s;
}

bx_status report_write_svg(const char *path, const bx_analysis_result *r, const report_info *info,
                           bx_error *err)
{
    char *svg = report_svg(r, info);
    if (!svg)
        return bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory writing the report", path);
    bx_status st = bx_file_write_atomic(path, svg, strlen(svg), err);
    bx_free(svg);
    return st;
}
