/* json.c — strict JSON on top of cJSON (json.h). */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text-level checks, before cJSON sees the text ---------------------- */

void bx_json_line_col(const char *text, size_t off, unsigned *line, unsigned *col)
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
size_t bx_json_utf8_bad_offset(const unsigned char *s, size_t len)
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

/*
 * Lexical checks cJSON does not make, so that a preset is exactly JSON
 * (RFC 8259) and nothing more: no raw control characters or \u0000 inside
 * strings, numbers without leading zeros or bare dots, and bounded nesting.
 * Returns the offset of the first problem (and *why), or len.
 */
size_t bx_json_lex_bad_offset(const char *s, size_t len, int max_depth, const char **why)
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
const char *bx_json_printable(const char *in, char *out, size_t n)
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
int bx_json_syntax_ok(const char *s, size_t len)
{
    enum { VALUE, KEY, AFTER } want = VALUE;
    char close[BX_JSON_DEPTH_MAX]; /* the bracket that ends each open container */
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
            if (depth == BX_JSON_DEPTH_MAX)
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

const char *bx_json_kind(const cJSON *j)
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
bx_status bx_json_check_tree(const cJSON *j, const char *path, const char *origin, bx_error *err)
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
                                 *path ? "." : "", bx_json_printable(keys[i]->string, k, sizeof k));
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
                     bx_json_printable(c->string, k, sizeof k));
        } else
            snprintf(sub, sizeof sub, "%s[%d]", path, idx);
        bx_status st = bx_json_check_tree(c, sub, origin, err);
        if (st)
            return st;
    }
    return BX_OK;
}

/* ---- building JSON -------------------------------------------------------------
 * Built with cJSON, whose calls fail silently when memory runs out: every
 * one goes through these, which clear *ok on a failure (and free what could
 * not be added), so that a record is complete or not written at all. */

void bx_jw_num(cJSON *o, const char *key, double v, int *ok)
{
    if (!o || !cJSON_AddNumberToObject(o, key, v))
        *ok = 0;
}

void bx_jw_str(cJSON *o, const char *key, const char *v, int *ok)
{
    if (!o || !cJSON_AddStringToObject(o, key, v))
        *ok = 0;
}

void bx_jw_flag(cJSON *o, const char *key, int v, int *ok)
{
    if (!o || !cJSON_AddBoolToObject(o, key, v))
        *ok = 0;
}

cJSON *bx_jw_obj(cJSON *o, const char *key, int *ok)
{
    cJSON *c = o ? cJSON_AddObjectToObject(o, key) : NULL;
    if (!c)
        *ok = 0;
    return c;
}

cJSON *bx_jw_arr(cJSON *o, const char *key, int *ok)
{
    cJSON *c = o ? cJSON_AddArrayToObject(o, key) : NULL;
    if (!c)
        *ok = 0;
    return c;
}

/* Add item (owned) to o under key; 1, or 0 with item freed. */
int bx_jw_put(cJSON *o, const char *key, cJSON *item, int *ok)
{
    if (o && item && cJSON_AddItemToObject(o, key, item))
        return 1;
    cJSON_Delete(item);
    *ok = 0;
    return 0;
}

/* Append item (owned) to array a; 1, or 0 with item freed. */
int bx_jw_push(cJSON *a, cJSON *item, int *ok)
{
    if (a && item && cJSON_AddItemToArray(a, item))
        return 1;
    cJSON_Delete(item);
    *ok = 0;
    return 0;
}
