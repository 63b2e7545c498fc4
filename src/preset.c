/* preset.c — preset v1 <-> JSON (cJSON), with strict validation and messages
 * that name the file and the field. */
#include "bx/preset.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/fsutil.h"
#include "json.h"

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
                                path, *path ? "." : "", bx_json_printable(c->string, k, sizeof k),
                                list);
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
                            path, key, bx_json_kind(j));
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
                            path, *path ? "." : "", key, bx_json_kind(j));
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
                            path, bx_json_kind(jb));
    TRY(check_keys(jb, keys, path, origin, err));
    const cJSON *jt = cJSON_GetObjectItemCaseSensitive(jb, "type");
    if (!jt)
        return bx_error_set(err, BX_ERR_PRESET, "%s: %s.type: missing", origin, path);
    if (!cJSON_IsString(jt))
        return bx_error_set(err, BX_ERR_PRESET, "%s: %s.type: expected a string, found %s", origin,
                            path, bx_json_kind(jt));
    char tbuf[64];
    if (bx_biquad_type_parse(jt->valuestring, &b->type) != BX_OK)
        return bx_error_set(err, BX_ERR_PRESET,
                            "%s: %s.type: unknown band type \"%s\" (allowed: peak, low_shelf, "
                            "high_shelf, highpass, lowpass)",
                            origin, path, bx_json_printable(jt->valuestring, tbuf, sizeof tbuf));
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
    static const char *const comp_keys[] = {
        "threshold_db", "ratio",          "knee_db", "attack_ms", "release_ms", "makeup_db",
        "detector",     "start_level_db", "rms_ms",  "mean_ms",   "hold",       NULL};
    static const char *const lim_keys[] = {"ceiling_db", NULL};
    if (!cJSON_IsObject(jc))
        return bx_error_set(err, BX_ERR_PRESET, "%s: chain: expected an object, found %s", origin,
                            bx_json_kind(jc));
    TRY(check_keys(jc, keys, "chain", origin, err));
    bx_chain_params_default(p);
    TRY(get_number(jc, "input_gain_db", "chain", 0, 0.0, &p->input_gain_db, origin, err));
    TRY(get_number(jc, "output_gain_db", "chain", 0, 0.0, &p->output_gain_db, origin, err));

    const cJSON *jeq = cJSON_GetObjectItemCaseSensitive(jc, "eq");
    if (jeq && !cJSON_IsArray(jeq))
        return bx_error_set(err, BX_ERR_PRESET, "%s: chain.eq: expected an array, found %s", origin,
                            bx_json_kind(jeq));
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
                                origin, bx_json_kind(jcomp));
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
                                    origin, bx_json_kind(jd));
            if (bx_detector_parse(jd->valuestring, &c->detector) != BX_OK)
                return bx_error_set(err, BX_ERR_PRESET,
                                    "%s: chain.compressor.detector: unknown detector \"%s\" "
                                    "(allowed: peak, rms, level, branch, rms_level, power, "
                                    "mean_level)",
                                    origin, bx_json_printable(jd->valuestring, dbuf, sizeof dbuf));
            if (c->detector == BX_DETECTOR_BRANCH && version < 2)
                return bx_error_set(err, BX_ERR_PRESET,
                                    "%s: chain.compressor.detector: \"branch\" needs "
                                    "\"bxpreset\": 2 (this file says %d)",
                                    origin, version);
            if (c->detector == BX_DETECTOR_RMS_LEVEL && version < 3)
                return bx_error_set(err, BX_ERR_PRESET,
                                    "%s: chain.compressor.detector: \"rms_level\" needs "
                                    "\"bxpreset\": 3 (this file says %d)",
                                    origin, version);
            if ((c->detector == BX_DETECTOR_POWER || c->detector == BX_DETECTOR_MEAN_LEVEL) &&
                version < 4)
                return bx_error_set(err, BX_ERR_PRESET,
                                    "%s: chain.compressor.detector: \"%s\" needs "
                                    "\"bxpreset\": 4 (this file says %d)",
                                    origin, bx_detector_name(c->detector), version);
        }
        if (c->detector == BX_DETECTOR_POWER) {
            if (cJSON_GetObjectItemCaseSensitive(jcomp, "knee_db"))
                return bx_error_set(err, BX_ERR_PRESET,
                                    "%s: chain.compressor.knee_db: the \"power\" detector's knee "
                                    "is the power sum's own (leave knee_db out)",
                                    origin);
            c->knee_db = 0.0;
        }
        const cJSON *jh = cJSON_GetObjectItemCaseSensitive(jcomp, "hold");
        c->hold = 0;
        if (jh) {
            if (!cJSON_IsBool(jh))
                return bx_error_set(err, BX_ERR_PRESET,
                                    "%s: chain.compressor.hold: expected true or false, found %s",
                                    origin, bx_json_kind(jh));
            if (c->detector != BX_DETECTOR_POWER)
                return bx_error_set(err, BX_ERR_PRESET,
                                    "%s: chain.compressor.hold: only the \"power\" detector has "
                                    "one (this one is \"%s\")",
                                    origin, bx_detector_name(c->detector));
            c->hold = cJSON_IsTrue(jh);
        }
        const int has_rms_ms = cJSON_GetObjectItemCaseSensitive(jcomp, "rms_ms") != NULL;
        if (has_rms_ms && c->detector != BX_DETECTOR_RMS_LEVEL)
            return bx_error_set(err, BX_ERR_PRESET,
                                "%s: chain.compressor.rms_ms: only the \"rms_level\" detector has "
                                "one (this one is \"%s\")",
                                origin, bx_detector_name(c->detector));
        const int has_mean_ms = cJSON_GetObjectItemCaseSensitive(jcomp, "mean_ms") != NULL;
        if (has_mean_ms && c->detector != BX_DETECTOR_MEAN_LEVEL)
            return bx_error_set(err, BX_ERR_PRESET,
                                "%s: chain.compressor.mean_ms: only the \"mean_level\" detector "
                                "has one (this one is \"%s\")",
                                origin, bx_detector_name(c->detector));
        /* one field holds either averaging time (bx_comp_params.rms_ms) */
        TRY(get_number(jcomp, has_mean_ms ? "mean_ms" : "rms_ms", path, 0, BX_COMP_RMS_MS,
                       &c->rms_ms, origin, err));
        p->has_comp = 1;
    }

    const cJSON *jlim = cJSON_GetObjectItemCaseSensitive(jc, "limiter");
    if (jlim && !cJSON_IsNull(jlim)) {
        if (!cJSON_IsObject(jlim))
            return bx_error_set(err, BX_ERR_PRESET,
                                "%s: chain.limiter: expected an object or null, found %s", origin,
                                bx_json_kind(jlim));
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
                            origin, bx_json_kind(root));
    TRY(bx_json_check_tree(root, "", origin, err));
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
                            "%s: bxpreset: expected a number from %d to %d, found %s", origin,
                            BX_PRESET_VERSION_MIN, BX_PRESET_VERSION, bx_json_kind(jv));
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
                                origin, bx_json_kind(ja));
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
        bx_json_line_col(text, (size_t)(nul - text), &line, &col);
        st = bx_error_set(err, BX_ERR_PARSE, "%s: line %u, column %u: NUL byte in the text", origin,
                          line, col);
        goto out;
    }
    size_t bad = bx_json_utf8_bad_offset((const unsigned char *)text, len);
    if (bad < len) {
        bx_json_line_col(text, bad, &line, &col);
        st = bx_error_set(err, BX_ERR_PARSE, "%s: line %u, column %u: invalid UTF-8", origin, line,
                          col);
        goto out;
    }
    const char *why = "";
    bad = bx_json_lex_bad_offset(text, len, BX_PRESET_MAX_DEPTH, &why);
    if (bad < len) {
        bx_json_line_col(text, bad, &line, &col);
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
        bx_json_line_col(text, off, &line, &col);
        size_t first = 0;
        while (first < len && (text[first] == ' ' || text[first] == '\t' || text[first] == '\n' ||
                               text[first] == '\r'))
            first++;
        const char *at = text + off;
        if (bx_json_syntax_ok(text, len))
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
        bx_json_line_col(text, off, &line, &col);
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
        if (!(*c >= '0' && *c <= '9') && *c != '-' && *c != '+' && *c != 'e' && *c != 'E')
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
        if (c->detector != BX_DETECTOR_POWER)
            ok = ok && add_exact(jc, "knee_db", c->knee_db);
        ok = ok && add_exact(jc, "attack_ms", c->attack_ms);
        ok = ok && add_exact(jc, "release_ms", c->release_ms);
        ok = ok && add_exact(jc, "makeup_db", c->makeup_db);
        ok = ok && cJSON_AddStringToObject(jc, "detector", bx_detector_name(c->detector));
        if (c->detector == BX_DETECTOR_RMS_LEVEL)
            ok = ok && add_exact(jc, "rms_ms", bx_comp_rms_ms(c));
        if (c->detector == BX_DETECTOR_MEAN_LEVEL)
            ok = ok && add_exact(jc, "mean_ms", bx_comp_rms_ms(c));
        if (c->detector == BX_DETECTOR_POWER && c->hold)
            ok = ok && cJSON_AddBoolToObject(jc, "hold", 1);
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
    if (!c->has_comp)
        return 1;
    return c->comp.detector == BX_DETECTOR_POWER || c->comp.detector == BX_DETECTOR_MEAN_LEVEL ? 4
           : c->comp.detector == BX_DETECTOR_RMS_LEVEL                                         ? 3
           : c->comp.detector == BX_DETECTOR_BRANCH                                            ? 2
                                                                                               : 1;
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
        if (!a && bx_json_syntax_ok(p->analysis_json, strlen(p->analysis_json))) {
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
    const size_t bad = bx_json_utf8_bad_offset((const unsigned char *)name, n);
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
