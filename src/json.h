/* json.h — strict JSON on top of cJSON, for what libbx reads (presets and
 * their analysis records): the checks cJSON does not make, before it sees
 * the text (well-formed UTF-8, RFC 8259 numbers and strings, bounded
 * nesting) and after (distinct keys, finite numbers); telling cJSON's
 * syntax errors from its lack of memory; and one-line messages that show
 * user text safely. */
#ifndef BX_JSON_H
#define BX_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "bx/error.h"

/* the deepest nesting bx_json_syntax_ok follows (cJSON's own limit) */
#define BX_JSON_DEPTH_MAX (CJSON_NESTING_LIMIT - 1)

/** Line and column (1-based, in UTF-8 characters) of byte offset off of text. */
void bx_json_line_col(const char *text, size_t off, unsigned *line, unsigned *col);

/** Offset of the first byte of s that is not well-formed UTF-8, or len. */
size_t bx_json_utf8_bad_offset(const unsigned char *s, size_t len);

/** Offset of the first lexical problem cJSON lets through (a raw control
 * character or \u0000 in a string, a leading zero, a bare dot, nesting
 * deeper than max_depth), with *why describing it; len if none. */
size_t bx_json_lex_bad_offset(const char *s, size_t len, int max_depth, const char **why);

/** in as one printable line in out (n bytes): control characters as \xNN,
 * long text cut at a character boundary with "...". Returns out. */
const char *bx_json_printable(const char *in, char *out, size_t n);

/** 1 if s starts with a JSON value cJSON parses when memory allows: when
 * cJSON_Parse fails on such a text, it ran out of memory. Allocates nothing. */
int bx_json_syntax_ok(const char *s, size_t len);

/** "a number", "a string", "an object", ... for messages. */
const char *bx_json_kind(const cJSON *j);

/** Walk the tree: every object's keys distinct and every number finite, or
 * BX_ERR_PRESET naming origin and the path (BX_ERR_NOMEM if out of memory). */
bx_status bx_json_check_tree(const cJSON *j, const char *path, const char *origin, bx_error *err);

/* Building JSON with cJSON, whose calls fail silently when memory runs out:
 * each of these clears *ok on a failure (and frees what it could not add), so
 * that a document is complete or not written at all. A NULL parent is a
 * failure already made: they do nothing then but clear *ok. */
void bx_jw_num(cJSON *o, const char *key, double v, int *ok);
void bx_jw_str(cJSON *o, const char *key, const char *v, int *ok);
void bx_jw_flag(cJSON *o, const char *key, int v, int *ok);
/** A new object (array) under key in o; NULL on failure. */
cJSON *bx_jw_obj(cJSON *o, const char *key, int *ok);
cJSON *bx_jw_arr(cJSON *o, const char *key, int *ok);
/** Add item (owned) to o under key / append it to array a: 1, or 0 with item freed. */
int bx_jw_put(cJSON *o, const char *key, cJSON *item, int *ok);
int bx_jw_push(cJSON *a, cJSON *item, int *ok);

#endif
