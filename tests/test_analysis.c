/* test_analysis — libbx's analysis API (bx/take.h, bx/analysis.h), the code
 * bxanalyze, bxlive --learn and the fuzz harness share. How well the
 * analysis fits is tested through the programs (test_analyze_accuracy);
 * here, the API's own promises:
 *  1. bx_take_load of a file and bx_take_read of the same bytes from memory
 *     measure the same, bit for bit; the accessors report the file (rate,
 *     channels, seconds) and keep_seconds of audio.
 *  2. A range reads its excerpt only; keep_seconds bounds what is kept.
 *  3. Refusals name the file: a missing file (BX_ERR_IO), less than
 *     BX_TAKE_MIN_SECONDS (BX_ERR_AUDIO), which bx_take_read accepts with a
 *     lower minimum.
 *  4. bx_analysis_run in each mode gives the same preset and record whatever
 *     order its parallel tasks run in (a bx_parallel that runs them
 *     backwards, on two worker numbers, against none).
 *  5. A file name that is not UTF-8 (Latin-1, an overlong sequence, a control
 *     character) names the preset with '?' for those bytes, and the preset
 *     written out parses again (POSIX: Windows file names are UTF-16).
 *  6. The record reads back: bx_analysis_reference_ltas gives REF's
 *     long-term spectrum at 1/6 octave as written (to its 0.01 dB rounding),
 *     bx_analysis_curve_db_at interpolates it linearly in log frequency, and
 *     records without it are refused with BX_ERR_PRESET and a message.
 *  7. Every mode's preset keeps REF's profile (bx/profile.h): read back from
 *     the preset as saved and loaded, bx_analysis_run_profile fits the take
 *     to the same preset and record, bit for bit, as bx_analysis_run from
 *     REF's audio; a profile written again from what was read is the same
 *     text. Presets without a record or a profile, of another profile
 *     version, or with a field out of shape are refused with BX_ERR_PRESET
 *     and a message naming the field.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/analysis.h"
#include "bx/audiofile.h"
#include "bx/profile.h"
#include "bx/take.h"
#include "testutil.h"

#define RATE 48000
#define SECONDS 6.0

static int checks;

static void check(int ok, const char *what)
{
    checks++;
    if (!ok)
        tu_fail("%s", what);
}

/* Hits: decaying noise bursts every 125 ms with a level that varies, mono. */
static float *groove(size_t n, uint64_t seed)
{
    float *x = malloc(n * sizeof *x);
    uint64_t s = seed;
    for (size_t i = 0; i < n && x; i++) {
        const size_t k = i / (RATE / 8), t = i % (RATE / 8);
        const double level = 0.15 + 0.1 * (double)(k % 3);
        x[i] = (float)(level * exp(-(double)t / (0.02 * RATE)) * tu_noise(&s));
    }
    return x;
}

static int write_wav(const char *path, const float *x, size_t n, unsigned channels)
{
    bx_audio_writer *w;
    bx_error err;
    if (bx_audio_writer_create(path, RATE, channels, BX_ENC_FLOAT, (long long)n, &w, &err) ||
        bx_audio_writer_write(w, x, n, &err) || bx_audio_writer_commit(w, &err)) {
        tu_fail("writing %s: %s", path, err.msg);
        return -1;
    }
    return 0;
}

static char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    const long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc(len > 0 ? (size_t)len : 1);
    *size = d && len > 0 ? fread(d, 1, (size_t)len, f) : 0;
    fclose(f);
    return d;
}

static int same_take(const bx_take *a, const bx_take *b)
{
    size_t na, nb;
    const float *ma = bx_take_mono(a, &na), *mb = bx_take_mono(b, &nb);
    const bx_spectrum *sa = bx_take_spectrum(a), *sb = bx_take_spectrum(b);
    return na == nb && (na == 0 || memcmp(ma, mb, na * sizeof *ma) == 0) &&
           bx_take_rate_hz(a) == bx_take_rate_hz(b) && bx_take_channels(a) == bx_take_channels(b) &&
           bx_take_seconds(a) == bx_take_seconds(b) &&
           memcmp(bx_take_stats(a), bx_take_stats(b), sizeof(bx_level_stats)) == 0 &&
           sa->n_bins == sb->n_bins && sa->frames_used == sb->frames_used &&
           memcmp(sa->power, sb->power, sa->n_bins * sizeof *sa->power) == 0;
}

static void test_takes(const char *dir, const char *ref_path)
{
    bx_error err;
    bx_take *t = NULL, *m = NULL;
    if (bx_take_load(ref_path, 2.0, NULL, &t, &err)) {
        tu_fail("bx_take_load %s: %s", ref_path, err.msg);
        return;
    }
    size_t n;
    bx_take_mono(t, &n);
    check(bx_take_rate_hz(t) == RATE && bx_take_channels(t) == 1, "rate and channels");
    check(fabs(bx_take_seconds(t) - SECONDS) < 1e-9, "seconds of the whole file");
    check(n == 2 * RATE, "keep_seconds 2 keeps 2 s");
    check(strcmp(bx_take_name(t), ref_path) == 0, "the take is named by its path");

    /* the same samples through the accumulator, in pieces of odd sizes */
    {
        bx_take *all = NULL, *acc_take = NULL;
        size_t na = 0;
        bx_take_acc *a = NULL;
        if (bx_take_load(ref_path, 100.0, NULL, &all, &err) == BX_OK &&
            (a = bx_take_acc_create(RATE, 1, ref_path, 2.0, &err)) != NULL) {
            const float *x = bx_take_mono(all, &na);
            bx_status st = BX_OK;
            for (size_t at = 0, step = 1; at < na && !st; at += step, step = step * 3 % 9973 + 1)
                st = bx_take_acc_add(a, x + at, at + step <= na ? step : na - at, &err);
            if (!st)
                st = bx_take_acc_finish(a, BX_TAKE_MIN_SECONDS, &acc_take, &err);
            check(st == BX_OK && same_take(t, acc_take),
                  "bx_take_acc fed in pieces measures what bx_take_load measures, bit for bit");
        } else {
            tu_fail("bx_take_acc: %s", err.msg);
        }
        bx_take_acc_destroy(a);
        bx_take_free(all);
        bx_take_free(acc_take);
        bx_take_acc *q = bx_take_acc_create(RATE, 1, "short", 2.0, &err);
        float zeros[4800] = {0};
        bx_take *none = NULL;
        check(q && bx_take_acc_add(q, zeros, 4800, &err) == BX_OK &&
                  bx_take_acc_finish(q, BX_TAKE_MIN_SECONDS, &none, &err) == BX_ERR_AUDIO &&
                  !none && strstr(err.msg, "short"),
              "bx_take_acc: 0.1 s refused, naming the take");
        bx_take_acc_destroy(q);
    }

    /* the same bytes from memory */
    size_t size = 0;
    char *bytes = slurp(ref_path, &size);
    bx_audio_reader *r = NULL;
    bx_audio_info info;
    if (bytes && bx_audio_open_memory(bytes, size, "mem.wav", &r, &info, &err) == BX_OK &&
        bx_take_read(r, &info, "mem.wav", 2.0, BX_TAKE_MIN_SECONDS, &m, &err) == BX_OK) {
        check(same_take(t, m), "bx_take_read from memory measures what bx_take_load does");
        check(strcmp(bx_take_name(m), "mem.wav") == 0, "bx_take_read names the take by name");
    } else {
        tu_fail("reading %s from memory: %s", ref_path, err.msg);
    }
    bx_audio_close(r);
    bx_take_free(m);
    bx_take_free(t);

    /* an excerpt, and keep_seconds 0 */
    const bx_take_range range = {1.5, 4.0};
    if (bx_take_load(ref_path, 0.0, &range, &t, &err) == BX_OK) {
        const float *mono = bx_take_mono(t, &n);
        check(fabs(bx_take_seconds(t) - 2.5) < 1e-9, "a range reads its excerpt");
        check(n == 0 && mono == NULL, "keep_seconds 0 keeps nothing");
        bx_take_free(t);
    } else {
        tu_fail("bx_take_load with a range: %s", err.msg);
    }

    /* refusals */
    char missing[1100], shortf[1100];
    snprintf(missing, sizeof missing, "%s/missing.wav", dir);
    check(bx_take_load(missing, 0, NULL, &t, &err) == BX_ERR_IO && t == NULL &&
              strstr(err.msg, "missing.wav") != NULL,
          "a missing file: BX_ERR_IO naming it");
    snprintf(shortf, sizeof shortf, "%s/short.wav", dir);
    float *half = groove(RATE / 2, 3);
    if (half && write_wav(shortf, half, RATE / 2, 1) == 0) {
        const bx_status st = bx_take_load(shortf, 0, NULL, &t, &err);
        check(st == BX_ERR_AUDIO && t == NULL && strstr(err.msg, "short.wav") &&
                  strstr(err.msg, "at least 1 s"),
              "0.5 s refused: BX_ERR_AUDIO naming the file and the minimum");
        if (bx_audio_open(shortf, &r, &info, &err) == BX_OK) {
            check(bx_take_read(r, &info, shortf, 1.0, 0.25, &t, &err) == BX_OK &&
                      fabs(bx_take_seconds(t) - 0.5) < 1e-9,
                  "bx_take_read with a lower minimum reads 0.5 s");
            bx_take_free(t);
            bx_audio_close(r);
        }
    }
    free(half);
    free(bytes);
}

/* A bx_parallel that runs the tasks backwards, as two workers would number them. */
static void backwards(const bx_parallel *self, bx_task_fn fn, void *arg, size_t n)
{
    (void)self;
    for (size_t i = n; i-- > 0;)
        fn(arg, (unsigned)(i % 2), i);
}

static void test_modes(const char *ref_path, const char *take_path, const char *dry_path)
{
    static const bx_analysis_mode modes[] = {BX_ANALYSIS_REFERENCE, BX_ANALYSIS_SOURCE,
                                             BX_ANALYSIS_PAIRED};
    static const char *const names[] = {"reference", "source", "paired"};
    const bx_parallel rev = {2, backwards, NULL};
    for (int k = 0; k < 3; k++) {
        bx_analysis_opts o;
        bx_analysis_opts_default(&o);
        bx_analysis_result a, b;
        bx_error err;
        const char *other = modes[k] == BX_ANALYSIS_PAIRED   ? dry_path
                            : modes[k] == BX_ANALYSIS_SOURCE ? take_path
                                                             : NULL;
        const char *ref = ref_path;
        if (bx_analysis_run(ref, modes[k], NULL, other, &o, &a, &err)) {
            tu_fail("%s: %s", names[k], err.msg);
            continue;
        }
        o.par = &rev;
        if (bx_analysis_run(ref, modes[k], NULL, other, &o, &b, &err)) {
            tu_fail("%s, tasks backwards: %s", names[k], err.msg);
            bx_analysis_result_free(&a);
            continue;
        }
        char what[160];
        snprintf(what, sizeof what, "%s: the same preset with the tasks run backwards", names[k]);
        check(memcmp(&a.preset.chain, &b.preset.chain, sizeof a.preset.chain) == 0 &&
                  a.preset.analysis_json && b.preset.analysis_json &&
                  strcmp(a.preset.analysis_json, b.preset.analysis_json) == 0,
              what);
        snprintf(what, sizeof what, "%s: the record says its mode", names[k]);
        char mode_field[64];
        snprintf(mode_field, sizeof mode_field, "\"mode\":\"%s\"", names[k]);
        check(a.preset.analysis_json && strstr(a.preset.analysis_json, mode_field), what);

        /* the record reads back: REF's spectrum at 1/6 octave, as written */
        bx_analysis_curve c;
        if (bx_analysis_reference_ltas(a.preset.analysis_json, &c, &err) == BX_OK) {
            bx_take *t = NULL;
            if (bx_take_load(ref, 0, NULL, &t, &err) == BX_OK) {
                double worst = 0;
                for (size_t i = 0; i < c.n; i++) {
                    const double want = fmax(
                        bx_spectrum_db_at(bx_take_spectrum(t), c.freq_hz[i], 1.0 / 6.0), -200.0);
                    /* frequencies rounded to 0.1 Hz, levels to 0.01 dB */
                    worst = fmax(worst, fabs(c.db[i] - want));
                }
                snprintf(what, sizeof what, "%s: the record's LTAS is REF's (worst %.4f dB)",
                         names[k], worst);
                check(c.n >= 40 && worst < 0.02, what);
                bx_take_free(t);
            }
        } else {
            tu_fail("%s: reading the record back: %s", names[k], err.msg);
        }
        bx_analysis_result_free(&a);
        bx_analysis_result_free(&b);
    }
}

static void test_odd_name(const char *dir, const char *ref_path)
{
#ifndef _WIN32
    char odd[1100];
    snprintf(odd, sizeof odd, "%s/caf\xE9 \xC0\xAF x\x01y.wav", dir);
    size_t size = 0;
    char *bytes = slurp(ref_path, &size);
    FILE *f = fopen(odd, "wb");
    if (!bytes || !f || fwrite(bytes, 1, size, f) != size) {
        tu_fail("cannot write %s", odd);
        if (f)
            fclose(f);
        free(bytes);
        return;
    }
    fclose(f);
    free(bytes);
    bx_analysis_opts o;
    bx_analysis_opts_default(&o);
    bx_analysis_result r;
    bx_error err;
    if (bx_analysis_run(odd, BX_ANALYSIS_REFERENCE, NULL, NULL, &o, &r, &err) == BX_OK) {
        check(strcmp(r.preset.name, "caf? ?? x?y") == 0, "bytes that are not UTF-8 become '?'");
        char *text = bx_preset_to_json(&r.preset, &err);
        bx_preset back;
        const int parsed = text && bx_preset_parse(text, strlen(text), "odd", &back, &err) == 0;
        check(parsed, "the preset of an odd file name parses again");
        if (parsed)
            bx_preset_free(&back);
        bx_free(text);
        bx_analysis_result_free(&r);
    } else {
        tu_fail("%s: %s", odd, err.msg);
    }
    remove(odd);
#else
    (void)dir;
    (void)ref_path;
#endif
}

static void test_record_reader(void)
{
    bx_analysis_curve c;
    bx_error err;
    static const char *const bad[] = {
        NULL,
        "not json",
        "{\"reference\":{}}",
        "{\"reference\":{\"ltas\":{\"freq_hz\":[100,200,400],\"db\":[0,1,2]}}}",
        "{\"reference\":{\"ltas\":{\"freq_hz\":[100,200,400,800],\"db\":[0,1,2]}}}",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char what[160];
        snprintf(what, sizeof what, "record %zu refused with BX_ERR_PRESET and a message", k);
        check(bx_analysis_reference_ltas(bad[k], &c, &err) == BX_ERR_PRESET && err.msg[0] &&
                  c.n == 0,
              what);
    }
    const char *good =
        "{\"reference\":{\"ltas\":{\"freq_hz\":[100,200,400,800],\"db\":[0,-6,-6,3]}}}";
    if (bx_analysis_reference_ltas(good, &c, &err) != BX_OK) {
        tu_fail("a good record refused: %s", err.msg);
        return;
    }
    check(c.n == 4, "four points read");
    /* closed form: linear in log2 f between the points, held beyond the ends */
    const double at150 = -6.0 * log2(150.0 / 100.0), at600 = -6.0 + 9.0 * log2(600.0 / 400.0);
    check(fabs(bx_analysis_curve_db_at(&c, 150.0) - at150) < 1e-12, "150 Hz interpolated");
    check(fabs(bx_analysis_curve_db_at(&c, 600.0) - at600) < 1e-12, "600 Hz interpolated");
    check(bx_analysis_curve_db_at(&c, 20.0) == 0.0 && bx_analysis_curve_db_at(&c, 9e3) == 3.0,
          "held beyond the ends");
}

/* s with the first occurrence of from replaced by to (malloc'd; NULL if absent). */
static char *replaced(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    if (!at)
        return NULL;
    const size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *r = malloc(n);
    if (r)
        snprintf(r, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
    return r;
}

/* A preset whose analysis record is json (NULL: none), through bx_profile_from_preset: its
 * status, and the message in err. */
static bx_status profile_of(const char *json, bx_error *err)
{
    bx_preset p;
    if (bx_preset_init(&p))
        return BX_ERR_NOMEM;
    if (json && !(p.analysis_json = bx_strdup(json))) {
        bx_preset_free(&p);
        return BX_ERR_NOMEM;
    }
    bx_profile *prof = NULL;
    const bx_status st = bx_profile_from_preset(&p, "p.json", &prof, err);
    bx_profile_free(prof);
    bx_preset_free(&p);
    return st;
}

static void test_profile(const char *dir, const char *ref_path, const char *take_path,
                         const char *dry_path)
{
    static const bx_analysis_mode modes[] = {BX_ANALYSIS_REFERENCE, BX_ANALYSIS_SOURCE,
                                             BX_ANALYSIS_PAIRED};
    static const char *const names[] = {"reference", "source", "paired"};
    bx_analysis_opts o;
    bx_analysis_opts_default(&o);
    bx_analysis_result direct;
    bx_error err;
    if (bx_analysis_run(ref_path, BX_ANALYSIS_SOURCE, NULL, take_path, &o, &direct, &err)) {
        tu_fail("source: %s", err.msg);
        return;
    }
    char saved[1100];
    snprintf(saved, sizeof saved, "%s/made.json", dir);
    for (int k = 0; k < 3; k++) {
        bx_analysis_result made, fit;
        const char *other = modes[k] == BX_ANALYSIS_PAIRED   ? dry_path
                            : modes[k] == BX_ANALYSIS_SOURCE ? take_path
                                                             : NULL;
        if (bx_analysis_run(ref_path, modes[k], NULL, other, &o, &made, &err)) {
            tu_fail("%s: %s", names[k], err.msg);
            continue;
        }
        /* through the file, as bxanalyze PRESET --source reads it */
        bx_preset back;
        bx_profile *prof = NULL;
        const int ok = bx_preset_save(saved, &made.preset, &err) == BX_OK &&
                       bx_preset_load(saved, &back, &err) == BX_OK;
        bx_analysis_result_free(&made);
        if (!ok) {
            tu_fail("%s: saving and loading the preset: %s", names[k], err.msg);
            continue;
        }
        const bx_status st = bx_profile_from_preset(&back, saved, &prof, &err);
        char what[800];
        snprintf(what, sizeof what, "%s: the preset keeps REF's profile (%s)", names[k],
                 st ? err.msg : "read");
        check(st == BX_OK, what);
        if (st) {
            bx_preset_free(&back);
            continue;
        }
        snprintf(what, sizeof what, "%s: the profile names REF's file and rate", names[k]);
        check(strcmp(bx_profile_file(prof), "ref") == 0 && bx_profile_rate_hz(prof) == RATE &&
                  bx_profile_spectrum(prof)->n_bins > 0 && bx_profile_stats(prof)->transients > 0,
              what);
        if (bx_analysis_run_profile(prof, NULL, take_path, &o, &fit, &err) == BX_OK) {
            snprintf(what, sizeof what,
                     "%s's profile: --source from it is --source from REF, bit for bit", names[k]);
            check(memcmp(&fit.preset.chain, &direct.preset.chain, sizeof fit.preset.chain) == 0 &&
                      strcmp(fit.preset.name, direct.preset.name) == 0 &&
                      strcmp(fit.preset.analysis_json, direct.preset.analysis_json) == 0,
                  what);
            bx_analysis_result_free(&fit);
        } else {
            tu_fail("%s's profile: %s", names[k], err.msg);
        }
        bx_profile_free(prof);
        bx_preset_free(&back);
    }
    remove(saved);

    /* refusals: each names what is wrong */
    const char *rec = direct.preset.analysis_json;
    struct {
        const char *from, *to, *needle;
    } bad[] = {
        {"\"profile\":", "\"profil\":", "no reference profile"},
        {"\"version\":1", "\"version\":2", "version 2"},
        {"\"nfft\":8192", "\"nfft\":8000", "ltas.nfft"},
        {"\"power_cdb\":[", "\"power_cdb\":[1,", "ltas.power_cdb"},
        {"\"onsets\":{\"bands\":", "\"onsets\":{\"bands\":1,\"x\":", "onsets.bands"},
        {"\"version\":1,\"rate_hz\":48000", "\"version\":1,\"rate_hz\":-1", "rate_hz"},
        {"\"q10_db\":[", "\"q10_db\":[\"a\",", "dynamics.q10_db"},
    };
    check(profile_of(NULL, &err) == BX_ERR_PRESET && strstr(err.msg, "no analysis record"),
          "a preset without a record: refused, and said");
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char *j = replaced(rec, bad[k].from, bad[k].to);
        char what[800];
        if (!j) {
            snprintf(what, sizeof what, "the record holds %s", bad[k].from);
            check(0, what);
            continue;
        }
        const bx_status st = profile_of(j, &err);
        snprintf(what, sizeof what, "%s -> %s: refused, naming %s (%s)", bad[k].from, bad[k].to,
                 bad[k].needle, st ? err.msg : "accepted");
        check(st == BX_ERR_PRESET && strstr(err.msg, bad[k].needle) && strstr(err.msg, "p.json"),
              what);
        free(j);
    }
    bx_analysis_result_free(&direct);

    /* a reference without onsets (a steady tone): a profile of no frames reads back */
    char tone[1100];
    snprintf(tone, sizeof tone, "%s/tone.wav", dir);
    const size_t n = 2 * RATE;
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; x && i < n; i++)
        x[i] = (float)(0.3 * sin(2.0 * 3.14159265358979 * 440.0 * (double)i / RATE));
    bx_analysis_result r, f;
    if (x && write_wav(tone, x, n, 1) == 0 &&
        bx_analysis_run(tone, BX_ANALYSIS_REFERENCE, NULL, NULL, &o, &r, &err) == BX_OK) {
        bx_profile *prof = NULL;
        const int ok = bx_profile_from_preset(&r.preset, "tone.json", &prof, &err) == BX_OK &&
                       strstr(r.preset.analysis_json, "\"frames_cdb\":[]") &&
                       bx_analysis_run_profile(prof, NULL, take_path, &o, &f, &err) == BX_OK;
        char what[800];
        snprintf(what, sizeof what,
                 "a tone's profile (no onset frames) reads back and a take fits to it (%s)",
                 ok ? "yes" : err.msg);
        check(ok, what);
        if (ok)
            bx_analysis_result_free(&f);
        bx_profile_free(prof);
        bx_analysis_result_free(&r);
    } else {
        tu_fail("the tone: %s", err.msg);
    }
    free(x);
    remove(tone);
}

int main(void)
{
    char dir[1024];
    if (!tu_temp_dir(dir, sizeof dir, "bx-test-analysis-")) {
        fprintf(stderr, "test_analysis: no temporary folder\n");
        return 1;
    }
    const size_t n = (size_t)(SECONDS * RATE);
    float *dry = groove(n, 1), *take = groove(n, 2), *ref = malloc(n * sizeof *ref);
    char ref_path[1100], take_path[1100], dry_path[1100];
    snprintf(ref_path, sizeof ref_path, "%s/ref.wav", dir);
    snprintf(take_path, sizeof take_path, "%s/take.wav", dir);
    snprintf(dry_path, sizeof dry_path, "%s/dry.wav", dir);
    /* REF: DRY through a highpass and a bell (the paired case's truth) */
    bx_chain_params p;
    bx_chain_params_default(&p);
    p.n_bands = 2;
    p.bands[0] = (bx_band){BX_BIQUAD_HIGHPASS, 90.0, 0.0, 0.707};
    p.bands[1] = (bx_band){BX_BIQUAD_PEAK, 2500.0, 5.0, 1.2};
    p.has_limiter = 0;
    if (!dry || !take || !ref || tu_run_chain(&p, RATE, dry, ref, n) ||
        write_wav(ref_path, ref, n, 1) || write_wav(dry_path, dry, n, 1) ||
        write_wav(take_path, take, n, 1)) /* the take: another performance (another seed) */
        return tu_finish("test_analysis", checks);
    test_takes(dir, ref_path);
    test_odd_name(dir, ref_path);
    test_record_reader();
    /* paired: REF with DRY; source: REF against the take; reference: REF */
    test_modes(ref_path, take_path, dry_path);
    test_profile(dir, ref_path, take_path, dry_path);
    free(dry);
    free(take);
    free(ref);
    remove(ref_path);
    remove(take_path);
    remove(dry_path);
    char shortf[1100];
    snprintf(shortf, sizeof shortf, "%s/short.wav", dir);
    remove(shortf);
    remove(dir);
    return tu_finish("test_analysis", checks);
}
