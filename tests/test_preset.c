/* test_preset — presets survive a round trip exactly and are written atomically.
 *
 *  - parse -> write -> parse gives identical chain parameters (every double
 *    bit-exact, including 1/3 and 0.1) and an identical "analysis" object;
 *  - bx_preset_save replaces a file atomically: no temporary is left behind, a
 *    failed save (missing folder) creates nothing and leaves the old file as it was;
 *  - an invalid chain is never written, nor a preset the loader would refuse
 *    (a name of 300 bytes, or not UTF-8);
 *  - the status codes separate "not JSON" (BX_ERR_PARSE) from "not a valid
 *    preset" (BX_ERR_PRESET) and "unreadable" (BX_ERR_IO).
 * (The command-line table of malformed presets is tests/test_cli_presets.py.)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bx/fsutil.h"
#include "bx/preset.h"
#include "testutil.h"

static int checks;

static const char *const full =
    "{ \"bxpreset\": 1, \"name\": \"Tëst ☃\", \"description\": \"round trip\",\n"
    "  \"chain\": { \"input_gain_db\": 0.1,\n"
    "    \"eq\": [ {\"type\": \"highpass\", \"freq_hz\": 40, \"q\": 0.707},\n"
    "            {\"type\": \"low_shelf\", \"freq_hz\": 95.5, \"gain_db\": 0.3333333333333333, "
    "\"q\": 0.7},\n"
    "            {\"type\": \"peak\", \"freq_hz\": 2500, \"gain_db\": -3, \"q\": 1.2},\n"
    "            {\"type\": \"high_shelf\", \"freq_hz\": 9000, \"gain_db\": 1e-5},\n"
    "            {\"type\": \"lowpass\", \"freq_hz\": 16000} ],\n"
    "    \"compressor\": {\"threshold_db\": -20, \"ratio\": 4, \"knee_db\": 6, \"attack_ms\": 5,\n"
    "                   \"release_ms\": 100, \"makeup_db\": 3, \"detector\": \"rms\",\n"
    "                   \"start_level_db\": -6.5},\n"
    "    \"output_gain_db\": -0.5, \"limiter\": {\"ceiling_db\": -1} },\n"
    "  \"analysis\": { \"ltas\": {\"freq_hz\": [31.5, 63, 125], \"db\": [-30.25, -20, -18.125]},\n"
    "                \"nested\": {\"a\": [true, false, null, \"x\"], \"b\": {}} } }\n";

static int same_params(const bx_chain_params *a, const bx_chain_params *b)
{
    if (a->n_bands != b->n_bands || a->has_comp != b->has_comp || a->has_limiter != b->has_limiter)
        return 0;
    if (a->input_gain_db != b->input_gain_db || a->output_gain_db != b->output_gain_db)
        return 0;
    for (unsigned i = 0; i < a->n_bands; i++) {
        const bx_band *x = &a->bands[i], *y = &b->bands[i];
        if (x->type != y->type || x->freq_hz != y->freq_hz || x->gain_db != y->gain_db ||
            x->q != y->q)
            return 0;
    }
    if (a->has_comp && memcmp(&a->comp, &b->comp, sizeof a->comp) != 0)
        return 0;
    if (a->has_limiter && a->ceiling_db != b->ceiling_db)
        return 0;
    return 1;
}

static int count_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".tmp") != NULL;
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    bx_preset a, b;
    bx_error err;
    checks++;
    if (bx_preset_parse(full, strlen(full), "full.json", &a, &err)) {
        tu_fail("a valid preset was rejected: %s", err.msg);
        return tu_finish("test_preset", checks);
    }
    char *text = bx_preset_to_json(&a, &err);
    checks++;
    if (!text || bx_preset_parse(text, strlen(text), "rewritten", &b, &err)) {
        tu_fail("the written preset does not parse: %s", err.msg);
        return tu_finish("test_preset", checks);
    }
    checks += 3;
    if (!same_params(&a.chain, &b.chain))
        tu_fail("chain parameters changed in the round trip");
    if (strcmp(a.name, b.name) != 0 || strcmp(a.description, b.description) != 0)
        tu_fail("name/description changed: \"%s\" -> \"%s\"", a.name, b.name);
    if (!a.analysis_json || !b.analysis_json || strcmp(a.analysis_json, b.analysis_json) != 0)
        tu_fail("analysis not preserved: %s -> %s", a.analysis_json, b.analysis_json);
    printf("round trip: %u bands, compressor, limiter, name, description and analysis identical\n",
           a.chain.n_bands);
    printf("analysis kept as %s\n", b.analysis_json);
    bx_preset_free(&b);
    bx_free(text);

    /* atomic save */
    char dir[200];
    if (!tu_temp_dir(dir, sizeof dir, "bx-test-preset-")) {
        perror("temporary folder");
        return 1;
    }
    char path[256], missing[256];
    snprintf(path, sizeof path, "%s/p.json", dir);
    snprintf(missing, sizeof missing, "%s/no/such/folder/p.json", dir);
    checks += 4;
    if (bx_preset_save(path, &a, &err))
        tu_fail("save: %s", err.msg);
    if (bx_preset_save(path, &a, &err)) /* replace an existing file */
        tu_fail("save over an existing file: %s", err.msg);
    if (count_tmp(dir) != 0)
        tu_fail("temporary files left behind after saving");
    if (bx_preset_load(path, &b, &err) || !same_params(&a.chain, &b.chain))
        tu_fail("saved preset does not load back identically: %s", err.msg);
    else
        bx_preset_free(&b);
    checks++;
    if (bx_preset_save(missing, &a, &err) != BX_ERR_IO || bx_exists(missing))
        tu_fail("saving into a missing folder should fail with BX_ERR_IO and create nothing");
    else
        printf("save into a missing folder: %s\n", err.msg);

    /* an invalid chain is never written */
    char *before;
    size_t before_len;
    bx_file_read_all(path, 1 << 20, &before, &before_len, &err);
    a.chain.bands[1].q = 0;
    checks += 2;
    if (bx_preset_save(path, &a, &err) != BX_ERR_PRESET)
        tu_fail("an invalid chain was written");
    else
        printf("invalid chain refused: %s\n", err.msg);
    char *after;
    size_t after_len;
    bx_file_read_all(path, 1 << 20, &after, &after_len, &err);
    if (before_len != after_len || memcmp(before, after, before_len) != 0)
        tu_fail("a refused save changed the existing file");
    bx_free(after);
    /* what the loader would refuse is never written: a name of 300 bytes, and
     * one that is not UTF-8 (bx_preset_check_name says so first) */
    a.chain.bands[1].q = 0.7;
    static const char *const bad_names[] = {"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
                                            "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
                                            "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
                                            "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
                                            "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
                                            "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
                                            "a\xff\xfe"};
    for (size_t i = 0; i < 2; i++) {
        bx_error e1;
        checks += 2;
        if (bx_preset_check_name(bad_names[i], &e1) != BX_ERR_ARG)
            tu_fail("bx_preset_check_name accepted bad name %zu", i);
        bx_preset_set_name(&a, bad_names[i]);
        if (bx_preset_save(path, &a, &err) != BX_ERR_ARG)
            tu_fail("a preset with bad name %zu was written", i);
        else
            printf("unloadable preset refused: %s\n", err.msg);
    }
    bx_file_read_all(path, 1 << 20, &after, &after_len, &err);
    checks++;
    if (before_len != after_len || memcmp(before, after, before_len) != 0)
        tu_fail("a refused save changed the existing file");
    bx_free(after);
    bx_free(before);
    bx_preset_free(&a);

    /* status codes */
    struct {
        const char *text;
        bx_status want;
    } codes[] = {{"{", BX_ERR_PARSE},
                 {"[1,2]", BX_ERR_PRESET},
                 {"{\"bxpreset\": 1}", BX_ERR_PRESET},
                 {"{\"bxpreset\": 1, \"chain\": {}} x", BX_ERR_PARSE},
                 {"{\"bxpreset\": 1, \"chain\": {}}", BX_OK}};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        bx_status st = bx_preset_parse(codes[i].text, strlen(codes[i].text), "t.json", &b, &err);
        checks++;
        if (st != codes[i].want)
            tu_fail("%s: status %s, expected %s", codes[i].text, bx_strerror(st),
                    bx_strerror(codes[i].want));
        if (st == BX_OK)
            bx_preset_free(&b);
    }
    checks++;
    if (bx_preset_load(dir, &b, &err) != BX_ERR_IO)
        tu_fail("loading a directory should be BX_ERR_IO");

    /* numbers within a rounding error of their 15-digit form (cJSON alone
     * writes 0.30000000000000004 as 0.3) come back bit for bit (found by
     * tests/fuzz/fuzz_preset, corpus/preset/exact_numbers.json) */
    static const char *const close =
        "{\"bxpreset\":1,\"chain\":{\"input_gain_db\":0.30000000000000004,"
        "\"output_gain_db\":-0.10000000000000002,\"eq\":[{\"type\":\"peak\","
        "\"freq_hz\":1000.0000000000001,\"gain_db\":1e-320,\"q\":0.70710678118654757}],"
        "\"compressor\":{\"threshold_db\":-20.000000000000004,\"ratio\":4.0000000000000009}}}";
    checks++;
    if (bx_preset_parse(close, strlen(close), "close.json", &a, &err) != BX_OK) {
        tu_fail("close.json: %s", err.msg);
    } else {
        text = bx_preset_to_json(&a, &err);
        if (!text || bx_preset_parse(text, strlen(text), "rewritten", &b, &err) != BX_OK) {
            tu_fail("close.json does not survive a write: %s", err.msg);
        } else {
            if (!same_params(&a.chain, &b.chain))
                tu_fail("close.json: numbers changed in the round trip (written as %s)", text);
            else
                printf("numbers one rounding error from 15 digits: exact round trip\n");
            bx_preset_free(&b);
        }
        bx_free(text);
        bx_preset_free(&a);
    }
    /* versions: a preset is written with the lowest version that holds it */
    static const char *const v2 = "{\"bxpreset\":2,\"chain\":{\"compressor\":{\"threshold_db\""
                                  ":-30,\"ratio\":4,\"detector\":\"branch\"}}}";
    for (int k = 0; k < 2; k++) {
        checks++;
        if (bx_preset_parse(v2, strlen(v2), "v2.json", &a, &err) != BX_OK) {
            tu_fail("v2.json: %s", err.msg);
            break;
        }
        if (k == 1)
            a.chain.comp.detector = BX_DETECTOR_PEAK;
        text = bx_preset_to_json(&a, &err);
        const char *want = k == 0 ? "\"bxpreset\":\t2" : "\"bxpreset\":\t1";
        if (!text || !strstr(text, want))
            tu_fail("a preset with the %s detector is not written with %s: %s",
                    k == 0 ? "branch" : "peak", want, text ? text : err.msg);
        else if (bx_preset_parse(text, strlen(text), "rewritten", &b, &err) != BX_OK)
            tu_fail("the rewritten v2.json does not parse: %s", err.msg);
        else {
            if (!same_params(&a.chain, &b.chain))
                tu_fail("v2.json: parameters changed in the round trip");
            bx_preset_free(&b);
        }
        bx_free(text);
        bx_preset_free(&a);
    }
    printf("versions: the branch detector is written as bxpreset 2, the peak detector as 1\n");
    remove(path);
    rmdir(dir);
    return tu_finish("test_preset", checks);
}
