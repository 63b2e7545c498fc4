/* preset.c — preset v1 <-> JSON (cJSON), with strict validation and messages
 * that name the file and the field. */
#include "bx/preset.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/fsutil.h"

#define Q_PASS_DEFAULT 0.70710678118654752

bx_status bx_preset_init(bx_preset *p)
{
    memset(p, 0, sizeof *p);
    bx_chain_params_default(&p->chain);
    p->name = bx_strdup("");
    return p->name ? BX_OK : BX_ERR_NOMEM;
}

void bx_preset_free(bx_preset *p)
{
    bx_free(p->name);
    bx_free(p->description);
    bx_free(p->analysis_json);
    p->name = p->description = p->analysis_json = NULL;
}

bx_status bx_preset_set_name(bx_preset *p, const char *name)
{
    char *n = bx_strdup(name);
    if (!n)
        return BX_ERR_NOMEM;
    bx_free(p->name);
    p->name = n;
    return BX_OK;
}

/* ---- text-level checks, before cJSON sees the text ---------------------- */

static void line_col(const char *text, size_t off, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

/* Offset of the first byte that is not well-formed UTF-8, or len. */
static size_t utf8_bad_offset(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, min = 0x10000, c &= 0x07;
        } else {
            return i;
        }
        if (i + n >= len)
            return i; /* truncated sequence */
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * Lexical checks cJSON does not make, so that a preset is exactly JSON
 * (RFC 8259) and nothing more: no raw control characters or \u0000 inside
 * strings, numbers without leading zeros or bare dots, and bounded nesting.
 * Returns the offset of the first problem (and *why), or len.
 */
/* 1 and *v if s[i..i+3] are four hexadecimal digits. */
static int hex4(const char *s, size_t len, size_t i, unsigned *v)
{
    if (len < 4 || i > len - 4)
        return 0;
    *v = 0;
    for (size_t k = i; k < i + 4; k++) {
        const char c = s[k];
        const int d = (c >= '0' && c <= '9')   ? c - '0'
                      : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                      : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                               : -1;
        if (d < 0)
            return 0;
        *v = *v * 16 + (unsigned)d;
    }
    return 1;
}

static size_t lex_bad_offset(const char *s, size_t len, int max_depth, const char **why)
{
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        const char c = s[i];
        if (c == '"') {
            for (i++; i < len && s[i] != '"'; i++) {
                if ((unsigned char)s[i] < 0x20) {
                    *why = "control character inside a string (write it as an escape)";
                    return i;
                }
                if (s[i] == '\\') {
                    if (i + 1 < len && s[i + 1] == 'u') {
                        /* cJSON would read a malformed \u as a NUL and cut the string */
                        unsigned v = 0;
                        if (!hex4(s, len, i + 2, &v)) {
                            *why = "\\u must be followed by four hexadecimal digits";
                            return i;
                        }
                        if (v == 0) {
                            *why = "\\u0000 (a NUL character) inside a string";
                            return i;
                        }
                        unsigned lo = 0;
                        if ((v >= 0xDC00 && v <= 0xDFFF) ||
                            (v >= 0xD800 && v <= 0xDBFF &&
                             !(i + 7 < len && s[i + 6] == '\\' && s[i + 7] == 'u' &&
                               hex4(s, len, i + 8, &lo) && lo >= 0xDC00 && lo <= 0xDFFF))) {
                            *why = "a \\u escape of half a UTF-16 surrogate pair";
                            return i;
                        }
                        if (v >= 0xD800 && v <= 0xDBFF)
                            i += 6; /* on to the low half's escape */
                    }
                    i++; /* skip the escaped character */
                }
            }
            if (i >= len)
                return len; /* unterminated: cJSON reports it */
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) {
                *why = "nested too deeply";
                return i;
            }
        } else if (c == ']' || c == '}') {
            depth--;
        } else if (c == '-' || is_digit(c)) {
            size_t j = i + (c == '-');
            *why = "invalid number";
            if (j < len && s[j] == 'I')
                *why = "NaN and Infinity are not JSON numbers";
            if (j >= len || !is_digit(s[j]))
                return i;
            if (s[j] == '0' && j + 1 < len && is_digit(s[j + 1])) {
                *why = "number with a leading zero";
                return i;
            }
            while (j < len && is_digit(s[j]))
                j++;
            if (j < len && s[j] == '.') {
                if (++j >= len || !is_digit(s[j]))
                    return i;
                while (j < len && is_digit(s[j]))
                    j++;
            }
            if (j < len && (s[j] == 'e' || s[j] == 'E')) {
                j++;
                if (j < len && (s[j] == '+' || s[j] == '-'))
                    j++;
                if (j >= len || !is_digit(s[j]))
                    return i;
                while (j < len && is_digit(s[j]))
                    j++;
            }
            i = j - 1;
        }
    }
    return len;
}

/* Copy user text for a one-line message: control characters become \xNN,
 * and long text is cut (at a UTF-8 character boundary) with "...". */
static const char *printable(const char *in, char *out, size_t n)
{
    size_t o = 0;
    for (const unsigned char *c = (const unsigned char *)in; *c; c++) {
        if (o + 8 >= n) {
            while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
                o--; /* drop continuation bytes of a cut character */
            if (o > 0 && ((unsigned char)out[o - 1] & 0x80))
                o--;
            memcpy(out + o, "...", 4);
            return out;
        }
        if (*c < 0x20 || *c == 0x7F)
            o += (size_t)snprintf(out + o, n - o, "\\x%02X", *c);
        else
            out[o++] = (char)*c;
    }
    out[o] = '\0';
    return out;
}

/* ---- telling a syntax error from a lack of memory ------------------------ */

/* cJSON returns NULL for both. These functions check cJSON's grammar
 * without allocating: if the text is valid, cJSON ran out of memory. They
 * accept a subset of what cJSON accepts (strict numbers of at most 63
 * characters, escapes \uXXXX with four hex digits), so a text cJSON rejects
 * is never taken for valid. Whitespace is any byte up to 0x20, as in cJSON. */
#define JSON_DEPTH_MAX (CJSON_NESTING_LIMIT - 1)

static size_t json_skip_ws(const char *s, size_t len, size_t i)
{
    while (i < len && (unsigned char)s[i] <= 0x20)
        i++;
    return i;
}

/* End of the string starting at s[i] == '"', or 0 if it is invalid. */
static size_t json_string_end(const char *s, size_t len, size_t i)
{
    for (i++; i < len && s[i] != '"';) {
        if (s[i] != '\\') {
            i++;
            continue;
        }
        if (i + 1 >= len)
            return 0;
        if (memchr("bfnrt\"\\/", s[i + 1], 8)) {
            i += 2;
            continue;
        }
        unsigned hi, lo;
        if (s[i + 1] != 'u' || len - i < 6 || !hex4(s, len, i + 2, &hi) ||
            (hi >= 0xDC00 && hi <= 0xDFFF))
            return 0;
        i += 6;
        if (hi >= 0xD800 && hi <= 0xDBFF) { /* the low half must follow */
            if (len - i < 6 || s[i] != '\\' || s[i + 1] != 'u' || !hex4(s, len, i + 2, &lo) ||
                lo < 0xDC00 || lo > 0xDFFF)
                return 0;
            i += 6;
        }
    }
    return i < len ? i + 1 : 0;
}

/* End of the number starting at s[i], or 0 if it is invalid. */
static size_t json_number_end(const char *s, size_t len, size_t i)
{
    const size_t start = i;
    if (s[i] == '-')
        i++;
    if (i >= len || !is_digit(s[i]))
        return 0;
    if (s[i] == '0')
        i++;
    else
        while (i < len && is_digit(s[i]))
            i++;
    if (i < len && s[i] == '.') {
        if (++i >= len || !is_digit(s[i]))
            return 0;
        while (i < len && is_digit(s[i]))
            i++;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        if (++i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= len || !is_digit(s[i]))
            return 0;
        while (i < len && is_digit(s[i]))
            i++;
    }
    return i - start <= 63 ? i : 0; /* cJSON reads a number through a 64-byte buffer */
}

/* 1 if text starts with a JSON value (after a byte order mark and
 * whitespace) that cJSON parses when memory allows. */
static int json_syntax_ok(const char *s, size_t len)
{
    enum { VALUE, KEY, AFTER } want = VALUE;
    char close[JSON_DEPTH_MAX]; /* the bracket that ends each open container */
    int depth = 0;
    size_t i = len >= 5 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    for (;;) {
        if (want == AFTER && depth == 0)
            return 1;
        i = json_skip_ws(s, len, i);
        if (i >= len)
            return 0;
        const char c = s[i];
        if (want == KEY) {
            if (c != '"' || !(i = json_string_end(s, len, i)))
                return 0;
            i = json_skip_ws(s, len, i);
            if (i >= len || s[i] != ':')
                return 0;
            i++;
            want = VALUE;
        } else if (want == AFTER) {
            if (c == ',')
                want = close[depth - 1] == '}' ? KEY : VALUE;
            else if (c == close[depth - 1])
                depth--;
            else
                return 0;
            i++;
        } else if (c == '{' || c == '[') {
            if (depth == JSON_DEPTH_MAX)
                return 0;
            close[depth++] = c == '{' ? '}' : ']';
            i = json_skip_ws(s, len, i + 1);
            if (i < len && s[i] == close[depth - 1]) {
                depth--;
                i++;
                want = AFTER;
            } else {
                want = c == '{' ? KEY : VALUE;
            }
        } else {
            if (c == '"')
                i = json_string_end(s, len, i);
            else if (c == '-' || is_digit(c))
                i = json_number_end(s, len, i);
            else if (len - i >= 4 &&
                     (memcmp(s + i, "null", 4) == 0 || memcmp(s + i, "true", 4) == 0))
                i += 4;
            else if (len - i >= 5 && memcmp(s + i, "false", 5) == 0)
                i += 5;
            else
                return 0;
            if (!i)
                return 0;
            want = AFTER;
        }
    }
}

/* ---- tree-level checks --------------------------------------------------- */

static const char *kind(const cJSON *j)
{
    if (cJSON_IsNumber(j))
        return "a number";
    if (cJSON_IsString(j))
        return "a string";
    if (cJSON_IsObject(j))
        return "an object";
    if (cJSON_IsArray(j))
        return "an array";
    if (cJSON_IsBool(j))
        return "a boolean";
    if (cJSON_IsNull(j))
        return "null";
    return "an invalid value";
}

static int cmp_key(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

/* Walk the whole tree: every object must have distinct keys (JSON allows
 * duplicates, a preset does not: which one would win is a guess), and every
 * number must be finite (1e400 parses as infinity and could not be written back). */
static bx_status check_tree(const cJSON *j, const char *path, const char *origin, bx_error *err)
{
    char sub[256];
    if (cJSON_IsNumber(j) && !isfinite(j->valuedouble))
        return bx_error_set(err, BX_ERR_PRESET, "%s: %s: number too large", origin,
                            *path ? path : "(top level)");
    if (cJSON_IsObject(j) && j->child) {
        size_t n = 0;
        for (const cJSON *c = j->child; c; c = c->next)
            n++;
        const cJSON **keys = bx_malloc(n * sizeof *keys);
        if (!keys)
            return bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", origin);
        n = 0;
        for (const cJSON *c = j->child; c; c = c->next)
            keys[n++] = c;
        qsort(keys, n, sizeof *keys, cmp_key);
        for (size_t i = 1; i < n; i++)
            if (strcmp(keys[i - 1]->string, keys[i]->string) == 0) {
                char k[96];
                bx_status st =
                    bx_error_set(err, BX_ERR_PRESET, "%s: %s%s%s: duplicate key", origin, path,
                                 *path ? "." : "", printable(keys[i]->string, k, sizeof k));
                bx_free(keys);
                return st;
            }
        bx_free(keys);
    }
    int idx = 0;
    for (const cJSON *c = j->child; c; c = c->next, idx++) {
        if (cJSON_IsObject(j)) {
            char k[72];
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "",
                     printable(c->string, k, sizeof k));
        } else
            snprintf(sub, sizeof sub, "%s[%d]", path, idx);
        bx_status st = check_tree(c, sub, origin, err);
        if (st)
            return st;
    }
    return BX_OK;
}

/* Keys of obj must all be in the NULL-terminated list `allowed`. */
static bx_status check_keys(const cJSON *obj, const char *const *allowed, const char *path,
                            const char *origin, bx_error *err)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            ok |= strcmp(*a, c->string) == 0;
        if (!ok) {
            char list[256] = "";
            for (const char *const *a = allowed; *a; a++) {
                strncat(list, *a, sizeof list - strlen(list) - 1);
                if (a[1])
                    strncat(list, ", ", sizeof list - strlen(list) - 1);
            }
            char k[96];
            return bx_error_set(err, BX_ERR_PRESET, "%s: %s%s%s: unknown key (allowed: %s)", origin,
                                path, *path ? "." : "", printable(c->string, k, sizeof k), list);
        }
    }
    return BX_OK;
}

/* Optional or required finite number. */
static bx_status get_number(const cJSON *obj, const char *key, const char *path, int required,
                            double dflt, double *out, const char *origin, bx_error *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j) {
        if (required)
            return bx_error_set(err, BX_ERR_PRESET, "%s: %s.%s: missing (a number is required)",
                                origin, path, key);
        *out = dflt;
        return BX_OK;
    }
    if (!cJSON_IsNumber(j))
        return bx_error_set(err, BX_ERR_PRESET, "%s: %s.%s: expected a number, found %s", origin,
                            path, key, kind(j));
    if (!isfinite(j->valuedouble))
        return bx_error_set(err, BX_ERR_PRESET, "%s: %s.%s: number too large", origin, path, key);
    *out = j->valuedouble;
    return BX_OK;
}

static bx_status get_string(const cJSON *obj, const char *key, const char *path, size_t max_len,
                            char **out, const char *origin, bx_error *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!j)
        return BX_OK;
    if (!cJSON_IsString(j))
        return bx_error_set(err, BX_ERR_PRESET, "%s: %s%s%s: expected a string, found %s", origin,
                            path, *path ? "." : "", key, kind(j));
    if (strlen(j->valuestring) > max_len)
        return bx_error_set(err, BX_ERR_PRESET, "%s: %s%s%s: longer than %zu bytes", origin, path,
                            *path ? "." : "", key, max_len);
    *out = bx_strdup(j->valuestring);
    return *out ? BX_OK : bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", origin);
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        bx_status st_ = (expr);                                                                    \
        if (st_)                                                                                   \
            return st_;                                                                            \
    } while (0)

static bx_status parse_band(const cJSON *jb, unsigned i, bx_band *b, const char *origin,
                            bx_error *err)
{
    static const char *const keys[] = {"type", "freq_hz", "gain_db", "q", NULL};
    char path[48];
    snprintf(path, sizeof path, "chain.eq[%u]", i);
    if (!cJSON_IsObject(jb))
        return bx_error_set(err, BX_ERR_PRESET, "%s: %s: expected an object, found %s", origin,
                            path, kind(jb));
    TRY(check_keys(jb, keys, path, origin, err));
    const cJSON *jt = cJSON_GetObjectItemCaseSensitive(jb, "type");
    if (!jt)
        return bx_error_set(err, BX_ERR_PRESET, "%s: %s.type: missing", origin, path);
    if (!cJSON_IsString(jt))
        return bx_error_set(err, BX_ERR_PRESET, "%s: %s.type: expected a string, found %s", origin,
                            path, kind(jt));
    char tbuf[64];
    if (bx_biquad_type_parse(jt->valuestring, &b->type) != 0)
        return bx_error_set(err, BX_ERR_PRESET,
                            "%s: %s.type: unknown band type \"%s\" (allowed: peak, low_shelf, "
                            "high_shelf, highpass, lowpass)",
                            origin, path, printable(jt->valuestring, tbuf, sizeof tbuf));
    const int has_gain = bx_biquad_type_has_gain(b->type);
    TRY(get_number(jb, "freq_hz", path, 1, 0, &b->freq_hz, origin, err));
    TRY(get_number(jb, "q", path, 0, b->type == BX_BIQUAD_PEAK ? 1.0 : Q_PASS_DEFAULT, &b->q,
                   origin, err));
    if (has_gain)
        TRY(get_number(jb, "gain_db", path, 1, 0, &b->gain_db, origin, err));
    else if (cJSON_GetObjectItemCaseSensitive(jb, "gain_db"))
        return bx_error_set(err, BX_ERR_PRESET, "%s: %s.gain_db: a %s band has no gain", origin,
                            path, jt->valuestring);
    else
        b->gain_db = 0.0;
    return BX_OK;
}

static bx_status parse_chain(const cJSON *jc, int version, bx_chain_params *p, const char *origin,
                             bx_error *err)
{
    static const char *const keys[] = {"input_gain_db",  "eq",      "compressor",
                                       "output_gain_db", "limiter", NULL};
    static const char *const comp_keys[] = {"threshold_db", "ratio",          "knee_db",
                                            "attack_ms",    "release_ms",     "makeup_db",
                                            "detector",     "start_level_db", NULL};
    static const char *const lim_keys[] = {"ceiling_db", NULL};
    if (!cJSON_IsObject(jc))
        return bx_error_set(err, BX_ERR_PRESET, "%s: chain: expected an object, found %s", origin,
                            kind(jc));
    TRY(check_keys(jc, keys, "chain", origin, err));
    bx_chain_params_default(p);
    TRY(get_number(jc, "input_gain_db", "chain", 0, 0.0, &p->input_gain_db, origin, err));
    TRY(get_number(jc, "output_gain_db", "chain", 0, 0.0, &p->output_gain_db, origin, err));

    const cJSON *jeq = cJSON_GetObjectItemCaseSensitive(jc, "eq");
    if (jeq && !cJSON_IsArray(jeq))
        return bx_error_set(err, BX_ERR_PRESET, "%s: chain.eq: expected an array, found %s", origin,
                            kind(jeq));
    if (jeq) {
        const int n = cJSON_GetArraySize(jeq);
        if (n > BX_MAX_BANDS)
            return bx_error_set(err, BX_ERR_PRESET,
                                "%s: chain.eq: %d bands, at most %d are allowed", origin, n,
                                BX_MAX_BANDS);
        unsigned i = 0;
        for (const cJSON *jb = jeq->child; jb; jb = jb->next, i++)
            TRY(parse_band(jb, i, &p->bands[i], origin, err));
        p->n_bands = i;
    }

    const cJSON *jcomp = cJSON_GetObjectItemCaseSensitive(jc, "compressor");
    if (jcomp && !cJSON_IsNull(jcomp)) {
        if (!cJSON_IsObject(jcomp))
            return bx_error_set(err, BX_ERR_PRESET,
                                "%s: chain.compressor: expected an object or null, found %s",
                                origin, kind(jcomp));
        const char *path = "chain.compressor";
        bx_comp_params *c = &p->comp;
        TRY(check_keys(jcomp, comp_keys, path, origin, err));
        TRY(get_number(jcomp, "threshold_db", path, 1, 0, &c->threshold_db, origin, err));
        TRY(get_number(jcomp, "ratio", path, 1, 0, &c->ratio, origin, err));
        TRY(get_number(jcomp, "knee_db", path, 0, 6.0, &c->knee_db, origin, err));
        TRY(get_number(jcomp, "attack_ms", path, 0, 5.0, &c->attack_ms, origin, err));
        TRY(get_number(jcomp, "release_ms", path, 0, 100.0, &c->release_ms, origin, err));
        TRY(get_number(jcomp, "makeup_db", path, 0, 0.0, &c->makeup_db, origin, err));
        c->has_start_level = cJSON_GetObjectItemCaseSensitive(jcomp, "start_level_db") != NULL;
        TRY(get_number(jcomp, "start_level_db", path, 0, 0.0, &c->start_level_db, origin, err));
        const cJSON *jd = cJSON_GetObjectItemCaseSensitive(jcomp, "detector");
        c->detector = BX_DETECTOR_PEAK;
        if (jd) {
            char dbuf[64];
            if (!cJSON_IsString(jd))
                return bx_error_set(err, BX_ERR_PRESET,
                                    "%s: chain.compressor.detector: expected a string, found %s",
                                    origin, kind(jd));
            const int d = bx_detector_from_name(jd->valuestring);
            if (d < 0)
                return bx_error_set(err, BX_ERR_PRESET,
                                    "%s: chain.compressor.detector: unknown detector \"%s\" "
                                    "(allowed: peak, rms, level, branch)",
                                    origin, printable(jd->valuestring, dbuf, sizeof dbuf));
            c->detector = (bx_detector)d;
            if (c->detector == BX_DETECTOR_BRANCH && version < 2)
                return bx_error_set(err, BX_ERR_PRESET,
                                    "%s: chain.compressor.detector: \"branch\" needs "
                                    "\"bxpreset\": 2 (this file says %d)",
                                    origin, version);
        }
        p->has_comp = 1;
    }

    const cJSON *jlim = cJSON_GetObjectItemCaseSensitive(jc, "limiter");
    if (jlim && !cJSON_IsNull(jlim)) {
        if (!cJSON_IsObject(jlim))
            return bx_error_set(err, BX_ERR_PRESET,
                                "%s: chain.limiter: expected an object or null, found %s", origin,
                                kind(jlim));
        TRY(check_keys(jlim, lim_keys, "chain.limiter", origin, err));
        TRY(get_number(jlim, "ceiling_db", "chain.limiter", 0, -1.0, &p->ceiling_db, origin, err));
        p->has_limiter = 1;
    }

    bx_error e2;
    bx_status st = bx_chain_params_check(p, 0.0, &e2);
    if (st)
        return bx_error_set(err, st, "%s: %s", origin, e2.msg);
    return BX_OK;
}

static bx_status parse_tree(const cJSON *root, const char *origin, bx_preset *out, bx_error *err)
{
    static const char *const keys[] = {"bxpreset", "name",     "description",
                                       "chain",    "analysis", NULL};
    if (!cJSON_IsObject(root))
        return bx_error_set(err, BX_ERR_PRESET, "%s: the top level must be an object, found %s",
                            origin, kind(root));
    TRY(check_tree(root, "", origin, err));
    const cJSON *jv = cJSON_GetObjectItemCaseSensitive(root, "bxpreset");
    if (!jv)
        return bx_error_set(err, BX_ERR_PRESET,
                            "%s: bxpreset: missing (not a bx preset; expected \"bxpreset\": %d)",
                            origin, BX_PRESET_VERSION);
    if (!cJSON_IsNumber(jv) ||
        !(jv->valuedouble >= BX_PRESET_VERSION_MIN && jv->valuedouble <= BX_PRESET_VERSION &&
          jv->valuedouble == floor(jv->valuedouble))) {
        if (cJSON_IsNumber(jv))
            return bx_error_set(err, BX_ERR_PRESET,
                                "%s: bxpreset: version %g is not supported (this bx reads %d..%d)",
                                origin, jv->valuedouble, BX_PRESET_VERSION_MIN, BX_PRESET_VERSION);
        return bx_error_set(err, BX_ERR_PRESET,
                            "%s: bxpreset: expected the number %d or %d, found %s", origin,
                            BX_PRESET_VERSION_MIN, BX_PRESET_VERSION, kind(jv));
    }
    const int version = (int)jv->valuedouble;
    TRY(check_keys(root, keys, "", origin, err));

    char *name = NULL;
    TRY(get_string(root, "name", "", BX_PRESET_NAME_MAX, &name, origin, err));
    if (name) {
        bx_free(out->name);
        out->name = name;
    }
    TRY(get_string(root, "description", "", BX_PRESET_DESCRIPTION_MAX, &out->description, origin,
                   err));

    const cJSON *jc = cJSON_GetObjectItemCaseSensitive(root, "chain");
    if (!jc)
        return bx_error_set(err, BX_ERR_PRESET, "%s: chain: missing", origin);
    TRY(parse_chain(jc, version, &out->chain, origin, err));

    const cJSON *ja = cJSON_GetObjectItemCaseSensitive(root, "analysis");
    if (ja) {
        if (!cJSON_IsObject(ja))
            return bx_error_set(err, BX_ERR_PRESET, "%s: analysis: expected an object, found %s",
                                origin, kind(ja));
        out->analysis_json = cJSON_PrintUnformatted(ja);
        if (!out->analysis_json)
            return bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", origin);
    }
    return BX_OK;
}

bx_status bx_preset_parse(const char *text, size_t len, const char *origin, bx_preset *out,
                          bx_error *err)
{
    unsigned line, col;
    bx_status st = bx_preset_init(out);
    if (st) {
        bx_preset_free(out);
        return bx_error_set(err, st, "%s: out of memory", origin);
    }
    if (len > BX_PRESET_MAX_BYTES) {
        st = bx_error_set(err, BX_ERR_PARSE, "%s: %zu bytes, a preset is at most %u bytes", origin,
                          len, BX_PRESET_MAX_BYTES);
        goto out;
    }
    if (len >= 2 && (memcmp(text, "\xFF\xFE", 2) == 0 || memcmp(text, "\xFE\xFF", 2) == 0)) {
        /* a UTF-16 or UTF-32 byte order mark: say so rather than "NUL byte" */
        st = bx_error_set(err, BX_ERR_PARSE,
                          "%s: line 1, column 1: the text is UTF-16 or UTF-32, a preset is UTF-8",
                          origin);
        goto out;
    }
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        line_col(text, (size_t)(nul - text), &line, &col);
        st = bx_error_set(err, BX_ERR_PARSE, "%s: line %u, column %u: NUL byte in the text", origin,
                          line, col);
        goto out;
    }
    size_t bad = utf8_bad_offset((const unsigned char *)text, len);
    if (bad < len) {
        line_col(text, bad, &line, &col);
        st = bx_error_set(err, BX_ERR_PARSE, "%s: line %u, column %u: invalid UTF-8", origin, line,
                          col);
        goto out;
    }
    const char *why = "";
    bad = lex_bad_offset(text, len, BX_PRESET_MAX_DEPTH, &why);
    if (bad < len) {
        line_col(text, bad, &line, &col);
        if (strcmp(why, "nested too deeply") == 0)
            st = bx_error_set(err, BX_ERR_PARSE,
                              "%s: line %u, column %u: nested deeper than %d levels", origin, line,
                              col, BX_PRESET_MAX_DEPTH);
        else
            st = bx_error_set(err, BX_ERR_PARSE, "%s: line %u, column %u: %s", origin, line, col,
                              why);
        goto out;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        line_col(text, off, &line, &col);
        size_t first = 0;
        while (first < len && (text[first] == ' ' || text[first] == '\t' || text[first] == '\n' ||
                               text[first] == '\r'))
            first++;
        const char *at = text + off;
        if (json_syntax_ok(text, len))
            st = bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory reading the preset", origin);
        else if (first == len)
            st = bx_error_set(err, BX_ERR_PARSE, "%s: empty, not a preset", origin);
        else if ((len - off >= 3 && memcmp(at, "NaN", 3) == 0) ||
                 (len - off >= 8 && memcmp(at, "Infinity", 8) == 0))
            st = bx_error_set(err, BX_ERR_PARSE,
                              "%s: line %u, column %u: NaN and Infinity are not JSON numbers",
                              origin, line, col);
        else
            st = bx_error_set(err, BX_ERR_PARSE, "%s: line %u, column %u: not valid JSON", origin,
                              line, col);
        goto out;
    }
    size_t off = (size_t)(end - text);
    while (off < len &&
           (text[off] == ' ' || text[off] == '\t' || text[off] == '\n' || text[off] == '\r'))
        off++;
    if (off < len) {
        line_col(text, off, &line, &col);
        cJSON_Delete(root);
        st = bx_error_set(err, BX_ERR_PARSE,
                          "%s: line %u, column %u: unexpected text after the JSON value", origin,
                          line, col);
        goto out;
    }
    st = parse_tree(root, origin, out, err);
    cJSON_Delete(root);
out:
    if (st)
        bx_preset_free(out);
    return st;
}

bx_status bx_preset_load(const char *path, bx_preset *out, bx_error *err)
{
    char *text;
    size_t len;
    memset(out, 0, sizeof *out);
    bx_status st = bx_file_read_all(path, BX_PRESET_MAX_BYTES, &text, &len, err);
    if (st)
        return st;
    st = bx_preset_parse(text, len, strcmp(path, "-") == 0 ? "standard input" : path, out, err);
    bx_free(text);
    return st;
}

/* ---- writing --------------------------------------------------------------- */

/* Add v to obj as the shortest decimal that reads back as exactly v. cJSON's
 * own printing keeps 15 digits whenever they read back within a rounding
 * error of the number, which loses its last bit (0.30000000000000004 is
 * written as 0.3); a preset's numbers must survive a round trip exactly. */
static cJSON *add_exact(cJSON *obj, const char *key, double v)
{
    char buf[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    for (char *c = buf; *c; c++) /* a locale's decimal comma: JSON has a point */
        if (!is_digit(*c) && *c != '-' && *c != '+' && *c != 'e' && *c != 'E')
            *c = '.';
    return cJSON_AddRawToObject(obj, key, buf);
}

static cJSON *band_to_json(const bx_band *b)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    int ok = cJSON_AddStringToObject(j, "type", bx_biquad_type_name(b->type)) != NULL;
    ok &= add_exact(j, "freq_hz", b->freq_hz) != NULL;
    if (bx_biquad_type_has_gain(b->type))
        ok &= add_exact(j, "gain_db", b->gain_db) != NULL;
    ok &= add_exact(j, "q", b->q) != NULL;
    if (!ok) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

static cJSON *chain_to_json(const bx_chain_params *p)
{
    cJSON *j = cJSON_CreateObject(), *eq = cJSON_CreateArray();
    if (!j || !eq) {
        cJSON_Delete(j);
        cJSON_Delete(eq);
        return NULL;
    }
    int ok = add_exact(j, "input_gain_db", p->input_gain_db) != NULL;
    if (!cJSON_AddItemToObject(j, "eq", eq)) {
        cJSON_Delete(eq);
        ok = 0;
    }
    for (unsigned i = 0; ok && i < p->n_bands; i++) {
        cJSON *b = band_to_json(&p->bands[i]);
        if (!b || !cJSON_AddItemToArray(eq, b)) {
            cJSON_Delete(b);
            ok = 0;
        }
    }
    if (ok && p->has_comp) {
        const bx_comp_params *c = &p->comp;
        cJSON *jc = cJSON_AddObjectToObject(j, "compressor");
        ok &= jc != NULL;
        ok = ok && add_exact(jc, "threshold_db", c->threshold_db);
        ok = ok && add_exact(jc, "ratio", c->ratio);
        ok = ok && add_exact(jc, "knee_db", c->knee_db);
        ok = ok && add_exact(jc, "attack_ms", c->attack_ms);
        ok = ok && add_exact(jc, "release_ms", c->release_ms);
        ok = ok && add_exact(jc, "makeup_db", c->makeup_db);
        ok = ok && cJSON_AddStringToObject(jc, "detector", bx_detector_name(c->detector));
        if (c->has_start_level)
            ok = ok && add_exact(jc, "start_level_db", c->start_level_db);
    }
    ok = ok && add_exact(j, "output_gain_db", p->output_gain_db);
    if (ok && p->has_limiter) {
        cJSON *jl = cJSON_AddObjectToObject(j, "limiter");
        ok = jl && add_exact(jl, "ceiling_db", p->ceiling_db);
    }
    if (!ok) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

int bx_preset_version_for(const bx_chain_params *c)
{
    return c->has_comp && c->comp.detector == BX_DETECTOR_BRANCH ? 2 : 1;
}

char *bx_preset_to_json(const bx_preset *p, bx_error *err)
{
    bx_error e2;
    if (bx_chain_params_check(&p->chain, 0.0, &e2)) {
        bx_error_set(err, BX_ERR_PRESET, "refusing to write an invalid preset: %s", e2.msg);
        return NULL;
    }
    char *text = NULL;
    cJSON *root = cJSON_CreateObject();
    int ok = root && cJSON_AddNumberToObject(root, "bxpreset", bx_preset_version_for(&p->chain));
    ok = ok && cJSON_AddStringToObject(root, "name", p->name ? p->name : "");
    if (ok && p->description)
        ok = cJSON_AddStringToObject(root, "description", p->description) != NULL;
    cJSON *chain = ok ? chain_to_json(&p->chain) : NULL;
    ok = chain && cJSON_AddItemToObject(root, "chain", chain);
    if (!ok)
        cJSON_Delete(chain);
    if (ok && p->analysis_json) {
        cJSON *a = cJSON_Parse(p->analysis_json);
        if (!a && json_syntax_ok(p->analysis_json, strlen(p->analysis_json))) {
            cJSON_Delete(root);
            bx_error_set(err, BX_ERR_NOMEM, "out of memory writing the preset");
            return NULL;
        }
        if (!a || !cJSON_IsObject(a)) {
            cJSON_Delete(a);
            cJSON_Delete(root);
            bx_error_set(err, BX_ERR_PRESET,
                         "refusing to write a preset whose analysis is not a "
                         "JSON object");
            return NULL;
        }
        ok = cJSON_AddItemToObject(root, "analysis", a);
        if (!ok)
            cJSON_Delete(a);
    }
    if (ok)
        text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        bx_error_set(err, BX_ERR_NOMEM, "out of memory writing the preset");
    return text;
}

bx_status bx_preset_check_name(const char *name, bx_error *err)
{
    const size_t n = strlen(name);
    if (n > BX_PRESET_NAME_MAX)
        return bx_error_set(err, BX_ERR_ARG, "name: %zu bytes, a preset's name holds at most %d", n,
                            BX_PRESET_NAME_MAX);
    const size_t bad = utf8_bad_offset((const unsigned char *)name, n);
    if (bad < n)
        return bx_error_set(err, BX_ERR_ARG, "name: not valid UTF-8 (byte %zu)", bad + 1);
    return BX_OK;
}

bx_status bx_preset_save(const char *path, const bx_preset *p, bx_error *err)
{
    bx_error e2;
    char *text = bx_preset_to_json(p, &e2);
    if (!text)
        return bx_error_set(err, e2.code, "%s: %s", path, e2.msg);
    size_t len = strlen(text);
    /* what is written must load: read back with the loader's own code */
    bx_preset back;
    memset(&back, 0, sizeof back);
    bx_status chk = bx_preset_parse(text, len, path, &back, &e2);
    bx_preset_free(&back);
    if (chk) {
        bx_free(text);
        return chk == BX_ERR_NOMEM
                   ? bx_error_set(err, chk, "%s: out of memory", path)
                   : bx_error_set(err, BX_ERR_ARG,
                                  "refusing to write a preset bx would not load: %s", e2.msg);
    }
    /* cJSON_Print has no final newline; files read better with one */
    char *withnl = bx_malloc(len + 2);
    bx_status st;
    if (!withnl) {
        st = bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
    } else {
        memcpy(withnl, text, len);
        withnl[len] = '\n';
        withnl[len + 1] = '\0';
        st = bx_file_write_atomic(path, withnl, len + 1, err);
    }
    bx_free(withnl);
    bx_free(text);
    return st;
}
