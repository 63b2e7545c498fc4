/* bxanalyze — fit a bx preset (EQ, compressor) that makes a beatbox take sound
 * like a reference recording; one file, or a batch of them. */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "bigmem.h"
#include "bx/analysis.h"
#include "bx/export.h"
#include "bx/fsutil.h"
#include "bx/preset.h"
#include "bx/version.h"
#include "cli.h"
#include "console.h"
#include "exitcode.h"
#include "exports.h"
#include "inputs.h"
#include "report.h"
#include "summary.h"
#include "threads.h"

static const char usage_text[] =
    "usage: bxanalyze REF -o PRESET.json [options]\n"
    "       bxanalyze REF --source MYTAKE -o PRESET.json [options]\n"
    "       bxanalyze REF --paired DRY -o PRESET.json [options]\n"
    "       bxanalyze PRESET.json --source MYTAKE -o NEW.json [options]\n"
    "       bxanalyze -o OUTDIR/ [--source MYTAKE] [options] FILE|FOLDER...\n"
    "       bxanalyze PRESET.json --export FMT[,FMT...] [-o FILE]\n"
    "       bxanalyze --help | --version\n";

static const char help_text[] =
    "Fit a bx preset (EQ bands, compressor, safety limiter) that makes your beatbox\n"
    "sound like the reference recording REF.\n"
    "\n"
    "Modes:\n"
    "  REF alone         REF is compared with a neutral model of a dry take.\n"
    "  --source MYTAKE   REF is compared with your own dry take MYTAKE (any audio\n"
    "                    file); the preset turns MYTAKE's sound into REF's.\n"
    "  --paired DRY      REF is DRY processed by an unknown chain; the preset\n"
    "                    reproduces that chain. One REF only.\n"
    "  PRESET.json --source MYTAKE\n"
    "                    a preset made by bxanalyze keeps a profile of its\n"
    "                    reference: MYTAKE is fitted to that, as to REF itself\n"
    "                    (the same preset; the name is PRESET's unless --name).\n"
    "\n"
    "Output:\n"
    "  -o, --output P    the preset file to write. If P is an existing folder or ends\n"
    "                    with '/', the preset is written as P/<stem>.json, <stem>\n"
    "                    being REF's file name without its extension.\n"
    "  --json            print the preset JSON on stdout instead of the summary (also\n"
    "                    written to -o when given; -o is then optional). -o - is the\n"
    "                    same. REF, MYTAKE or DRY \"-\" is read from standard input.\n"
    "  --plot SVG        also write a report: spectra, EQ target and fit, compressor\n"
    "                    curve, levels. A folder (existing, or ending in '/') gets\n"
    "                    <stem>.svg. In batch mode SVG is always a folder.\n"
    "  --name NAME       the preset's name (default: REF's stem). Not in batch mode.\n"
    "  --export FMT[,FMT...]\n"
    "                    also write the preset for other tools, next to the preset\n"
    "                    file (PRESET.json -> PRESET<suffix>): apo (.apo.txt,\n"
    "                    Equalizer APO / AutoEq EQ text), easyeffects\n"
    "                    (.easyeffects.json, an input preset), sox (.sox.sh) and\n"
    "                    ffmpeg (.ffmpeg.sh, shell scripts: sh FILE IN OUT),\n"
    "                    pedalboard (.pedalboard.py). Each file says what it\n"
    "                    approximates. In batch mode, next to every preset.\n"
    "  --export-rate HZ  the rate the ffmpeg export's biquads are designed for\n"
    "                    (default 48000); other rates are resampled to it.\n"
    "  -q, --quiet       no summary, progress or notes; errors are still printed.\n"
    "  -v, --verbose     the summary also gives the time each stage took.\n"
    "  Outputs are replaced if they exist, but only by a complete file (written to a\n"
    "  temporary file and renamed): a failed analysis leaves no partial preset or\n"
    "  report. An input file is never overwritten.\n"
    "\n"
    "Excerpts (seconds, or minutes:seconds as 1:05.5):\n"
    "  --start T, --end T\n"
    "                    analyse only REF from T to T (and, with --paired, DRY\n"
    "                    cut at the same times: the same performance; an offset\n"
    "                    of a few seconds is aligned). Default: all of it.\n"
    "  --source-start T, --source-end T\n"
    "                    the same for MYTAKE.\n"
    "\n"
    "Fitting:\n"
    "  --bands N         at most N EQ bands, 1..32 (default 6).\n"
    "  --amount PCT      how much of the difference to apply, 0..200 %% (default 100):\n"
    "                    scales the EQ gains and the compression.\n"
    "  --smoothing OCT   smoothing of the target in octaves, 0..2 (default: 1 with\n"
    "                    a reference only, 0.667 with --source, 0.083 with --paired).\n"
    "  --no-compressor   fit the EQ only.\n"
    "\n"
    "Batch mode (several inputs, or a folder among them; -o names a folder,\n"
    "created if missing):\n"
    "  Each audio file becomes OUTDIR/<stem>.json (and <stem>.svg with --plot).\n"
    "  Folders are scanned recursively in name order; hidden entries (\".name\")\n"
    "  are ignored. Files whose extension is not audio (wav wave w64 rf64 aif aiff\n"
    "  aifc flac ogg oga opus caf au snd mp3, and through ffmpeg m4a mp4 aac webm\n"
    "  mkv mov and others: docs/usage.md; any case) are skipped with a note; an\n"
    "  audio file that cannot be analysed fails, is named, and the batch goes on.\n"
    "  When two files have the same stem (ignoring case), the first in order keeps\n"
    "  it and later ones are written as <stem>-2, <stem>-3, ... with a note; the\n"
    "  same file given twice is analysed once. --source applies to every file.\n"
    "  -j, --jobs N      analyse N files at a time (default: the number of\n"
    "                    processors, %u here). Outside batch mode, the\n"
    "                    threads one file's fits use (the result is the same).\n"
    "  Progress goes to stderr: a bar on a terminal, else one line per file. At\n"
    "  the end, stdout gets a summary (with --json: a JSON object listing every\n"
    "  file's result). Ctrl-C stops starting new files, lets running ones finish\n"
    "  and prints the summary (exit 130); a second Ctrl-C abandons the running\n"
    "  ones without writing them.\n"
    "\n"
    "Converting a preset: bxanalyze PRESET.json --export FMT writes the exports next\n"
    "  to PRESET.json, or to -o FILE (one format; '-' is standard output).\n"
    "\n"
    "Exit codes: 0 ok, 1 internal error (out of memory), 2 usage, 3 preset to\n"
    "convert or fit to missing, unreadable, invalid or without a profile, 4 input audio\n"
    "missing, unreadable or unsupported, 5 output cannot be written (or would\n"
    "overwrite an input), 130 interrupted. A batch in which files failed exits with\n"
    "the most serious of their codes (1 over 5 over 4).\n";

static void on_signal(int sig)
{
    atomic_store(&cli_stop, sig);
    signal(sig, SIG_DFL); /* a second interrupt ends the program at once */
}

/* One file: an interrupt ends the program at once, but first removes the
 * temporary file of a preset or report being written (the output itself is
 * untouched: it is only ever replaced whole). */
static void on_signal_single(int sig)
{
    bx_temp_remove_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "bxanalyze: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage_text);
    return BX_EXIT_USAGE;
}

/* A finite number in lo..hi, the whole argument; 0 or -1. */
static int parse_number(const char *s, double lo, double hi, double *out)
{
    char *end;
    const double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

static int same_file(const char *a, const char *b)
{
    return a && b && (strcmp(a, b) == 0 || bx_same_file(a, b));
}

/* ---- one file ----------------------------------------------------------------- */

/* 1 if path names a preset (ends in ".json", any case) rather than audio. */
static int is_preset_path(const char *path)
{
    const size_t n = strlen(path);
    static const char ext[] = ".json";
    if (n < sizeof ext)
        return 0;
    for (size_t i = 0; i < sizeof ext - 1; i++)
        if ((path[n - 5 + i] | 0x20) != ext[i])
            return 0;
    return 1;
}

/* The export lines of the summary: each file, and what it approximates
 * where the file itself cannot say it (EasyEffects' JSON). */
static void print_exports(const cli_opts *o, const char *out, const bx_chain_params *c)
{
    for (int f = 0; out && f < BX_EXPORT_FORMAT_COUNT; f++) {
        if (!(o->exports & (1u << f)))
            continue;
        char *path = exports_path(out, f);
        printf("%-11s%s\n", "export", path ? path : "(out of memory)");
        bx_free(path);
        char *notes = f == BX_EXPORT_EASYEFFECTS
                          ? bx_export_notes((bx_export_format)f, c, o->export_rate_hz)
                          : NULL;
        for (char *line = notes; line && *line;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            printf("%-11s%s\n", "", line);
            line = nl ? nl + 1 : line + strlen(line);
        }
        bx_free(notes);
    }
}

/* " (1:05.0 - 2:10.0)" after a file name, if only that part was analysed; then the newline. */
static void print_range(const bx_take_range *r)
{
    if (r->start_s > 0.0 || r->end_s >= 0.0) {
        printf(" (%d:%04.1f - ", (int)(r->start_s / 60.0),
               r->start_s - 60.0 * (int)(r->start_s / 60.0));
        if (r->end_s >= 0.0)
            printf("%d:%04.1f)", (int)(r->end_s / 60.0), r->end_s - 60.0 * (int)(r->end_s / 60.0));
        else
            printf("end)");
    }
    printf("\n");
}

static void print_result(const cli_opts *o, const char *ref, const char *out, const char *plot,
                         const bx_analysis_result *r, double seconds)
{
    static const char *const mode[] = {"reference only (against the neutral model)",
                                       "relative to your take (--source)",
                                       "paired with the dry original (--paired)"};
    printf("mode       %s\n", mode[r->mode]);
    printf("reference  %s", strcmp(ref, "-") == 0 ? "(standard input)" : ref);
    if (is_preset_path(ref)) /* --source against the profile a preset keeps */
        printf(" (its profile of the reference)\n");
    else
        print_range(&o->job.ref_range);
    if (r->mode == BX_ANALYSIS_SOURCE) {
        printf("source     %s",
               strcmp(o->source_path, "-") == 0 ? "(standard input)" : o->source_path);
        print_range(&o->job.take_range);
    }
    if (r->mode == BX_ANALYSIS_PAIRED)
        printf("dry        %s (%saligned by %+.2f ms)\n", o->paired_path,
               o->job.ref_range.start_s > 0.0 || o->job.ref_range.end_s >= 0.0 ? "the same part, "
                                                                               : "",
               r->delay_ms);
    printf("preset     %s \"%s\"\n", out ? out : "(not written)", r->preset.name);
    summary_fit(r);
    if (plot)
        printf("report     %s\n", plot);
    print_exports(o, out, &r->preset.chain);
    printf("time       %.2f s\n", seconds);
    if (o->verbose) {
        printf("stages    ");
        const char *sep = " ";
        for (int s = 0; s < BX_ANALYSIS_STAGE_COUNT; s++)
            if (r->stage_s[s] >= 0.0005) {
                printf("%s%s %.3f s", sep, bx_analysis_stage_names[s], r->stage_s[s]);
                sep = ", ";
            }
        printf("\n");
    }
}

/* Check outputs against inputs before the work starts. */
static int check_outputs(const cli_opts *o, const char *ref, const char *out, const char *plot)
{
    const char *inputs[] = {ref, o->source_path, o->paired_path};
    for (size_t i = 0; i < 3; i++) {
        const char *dst = same_file(out, inputs[i])    ? out
                          : same_file(plot, inputs[i]) ? plot
                                                       : NULL;
        if (dst) {
            fprintf(stderr, "bxanalyze: %s: refusing to overwrite an input file\n", dst);
            return BX_EXIT_OUTPUT;
        }
    }
    if (same_file(out, plot) && !bx_output_is_through(out))
        return usage_error("-o and --plot both name %s", out);
    return BX_EXIT_OK;
}

/* dir/<stem of ref>.ext if path is a folder (existing, or ending in a separator), else a copy. */
static char *output_path(const char *path, const char *ref, const char *ext, bx_error *err)
{
    if (!bx_is_dir(path) && !cli_ends_with_sep(path)) {
        char *p = bx_strdup(path);
        if (!p)
            bx_error_set(err, BX_ERR_NOMEM, "out of memory");
        return p;
    }
    if (inputs_make_dir(path, err))
        return NULL;
    char *stem = inputs_stem(ref);
    char *p = stem ? cli_join(path, stem, ext) : NULL;
    bx_free(stem);
    if (!p)
        bx_error_set(err, BX_ERR_NOMEM, "out of memory");
    return p;
}

static int run_single(const cli_opts *o, const char *ref)
{
    const double t0 = thread_clock_s();
    bx_error err;
    bx_status st;
    bx_analysis_result res;
    int have_res = 0, rc = BX_EXIT_OK;
    char *out = NULL, *plot = NULL, *json = NULL;

    if ((o->out_path && !(out = output_path(o->out_path, ref, ".json", &err))) ||
        (o->plot_path && !(plot = output_path(o->plot_path, ref, ".svg", &err)))) {
        fprintf(stderr, "bxanalyze: %s\n", err.msg);
        rc = cli_exit_for_output(err.code);
        goto out;
    }
    if ((rc = check_outputs(o, ref, out, plot)) != BX_EXIT_OK)
        goto out;
    /* an output that cannot be written fails now, not after the analysis */
    for (int i = 0; i < 2; i++) {
        const char *p = i ? plot : out;
        char *target = NULL;
        bx_output_kind kind;
        if (p && (st = bx_output_prepare(p, &target, &kind, &err)) != BX_OK) {
            fprintf(stderr, "bxanalyze: %s\n", err.msg);
            rc = cli_exit_for_output(st);
            goto out;
        }
        bx_free(target);
    }
    if (o->exports && (st = exports_prepare(o->exports, out, NULL, &err)) != BX_OK) {
        fprintf(stderr, "bxanalyze: %s\n", err.msg);
        rc = cli_exit_for_output(st);
        goto out;
    }
    /* one file: its fits may use every processor (or -j N of them) */
    bx_parallel par;
    thread_parallel_init(&par, o->threads ? o->threads : thread_cpu_count());
    bx_analysis_opts jo = o->job;
    jo.par = &par;
    if (is_preset_path(ref)) {
        /* PRESET --source TAKE: the reference is the profile PRESET keeps */
        bx_preset in;
        bx_profile *prof = NULL;
        if ((st = bx_preset_load(ref, &in, &err)) != BX_OK) {
            fprintf(stderr, "bxanalyze: %s\n", err.msg);
            rc = st == BX_ERR_NOMEM ? BX_EXIT_INTERNAL : BX_EXIT_PRESET;
            goto out;
        }
        st = bx_profile_from_preset(&in, ref, &prof, &err);
        char *name = NULL;
        if (!st && !jo.name && !(jo.name = name = bx_strdup(in.name)))
            st = bx_error_set(&err, BX_ERR_NOMEM, "out of memory");
        bx_preset_free(&in);
        if (st) {
            fprintf(stderr, "bxanalyze: %s\n", err.msg);
            rc = st == BX_ERR_NOMEM ? BX_EXIT_INTERNAL : BX_EXIT_PRESET;
            bx_free(name);
            goto out;
        }
        st = bx_analysis_run_profile(prof, NULL, o->source_path, &jo, &res, &err);
        bx_profile_free(prof);
        bx_free(name);
    } else {
        /* the take or the dry original is read by bx_analysis_run, alongside REF */
        st = bx_analysis_run(ref, o->mode, NULL,
                             o->mode == BX_ANALYSIS_SOURCE ? o->source_path : o->paired_path, &jo,
                             &res, &err);
    }
    if (st != BX_OK) {
        fprintf(stderr, "bxanalyze: %s\n", err.msg);
        rc = cli_exit_for_input(st);
        goto out;
    }
    have_res = 1;
    if (o->json && !(json = bx_preset_to_json(&res.preset, &err))) {
        fprintf(stderr, "bxanalyze: %s: %s\n", ref, err.msg);
        rc = BX_EXIT_INTERNAL;
        goto out;
    }
    if (out && (st = bx_preset_save(out, &res.preset, &err)) != BX_OK) {
        fprintf(stderr, "bxanalyze: %s\n", err.msg);
        rc = cli_exit_for_output(st);
        goto out;
    }
    if (plot) {
        const report_info info = {ref,
                                  o->mode == BX_ANALYSIS_SOURCE ? o->source_path : o->paired_path,
                                  out, thread_clock_s() - t0};
        if ((st = report_write_svg(plot, &res, &info, &err)) != BX_OK) {
            fprintf(stderr, "bxanalyze: %s\n", err.msg);
            rc = cli_exit_for_output(st);
            goto out;
        }
    }
    if (o->exports && (st = exports_write(o->exports, &res.preset.chain, res.preset.name,
                                          o->export_rate_hz, out, NULL, 1, &err)) != BX_OK) {
        fprintf(stderr, "bxanalyze: %s\n", err.msg);
        rc = cli_exit_for_output(st);
        goto out;
    }
    if (json)
        printf("%s\n", json);
    else if (!o->quiet)
        print_result(o, ref, out, plot, &res, thread_clock_s() - t0);
out:
    if (have_res)
        bx_analysis_result_free(&res);
    bx_free(json);
    bx_free(out);
    bx_free(plot);
    return rc;
}

/* ---- a preset to convert ---------------------------------------------------------- */

/* bxanalyze PRESET.json --export FMT [-o FILE]: no analysis, only the exports. */
static int run_convert(const cli_opts *o, const char *preset_path)
{
    bx_error err;
    bx_status st;
    bx_preset p;
    if (o->paired_path)
        return usage_error("%s: --paired needs the reference recording itself (a preset "
                           "keeps its profile, not its audio)",
                           preset_path);
    if (o->plot_path || o->json || o->job.name)
        return usage_error("%s: a preset to convert takes --export and -o only (--source "
                           "TAKE fits a take to it)",
                           preset_path);
    if (!o->exports)
        return usage_error("%s is a preset, not audio: give --export FMT to convert it, "
                           "--source TAKE to fit your take to its reference, or a reference "
                           "recording to analyse",
                           preset_path);
    const int several = (o->exports & (o->exports - 1)) != 0;
    if (o->out_path && several)
        return usage_error("-o %s: names one file, and --export gives several formats",
                           o->out_path);
    if (o->out_path && bx_same_file(o->out_path, preset_path)) {
        fprintf(stderr, "bxanalyze: %s: refusing to overwrite an input file\n", o->out_path);
        return BX_EXIT_OUTPUT;
    }
    if ((st = bx_preset_load(preset_path, &p, &err)) != BX_OK) {
        fprintf(stderr, "bxanalyze: %s\n", err.msg);
        return st == BX_ERR_NOMEM ? BX_EXIT_INTERNAL : BX_EXIT_PRESET;
    }
    int rc = BX_EXIT_OK;
    if ((st = exports_prepare(o->exports, preset_path, o->out_path, &err)) != BX_OK ||
        (st = exports_write(o->exports, &p.chain, p.name, o->export_rate_hz, preset_path,
                            o->out_path, o->quiet, &err)) != BX_OK) {
        fprintf(stderr, "bxanalyze: %s\n", err.msg);
        rc = st == BX_ERR_RANGE ? BX_EXIT_PRESET : cli_exit_for_output(st);
    }
    bx_preset_free(&p);
    return rc;
}

/* ---- many files ------------------------------------------------------------------- */

/* A folder argument of batch mode: created if missing; an existing file is a usage error. */
static int prepare_folder(const char *opt, const char *path)
{
    bx_error err;
    if (bx_exists(path) && !bx_is_dir(path)) {
        fprintf(stderr,
                "bxanalyze: %s %s: batch mode writes one file per input into a folder, "
                "and this is a file\n%s",
                opt, path, usage_text);
        return BX_EXIT_USAGE;
    }
    if (inputs_make_dir(path, &err)) {
        fprintf(stderr, "bxanalyze: %s\n", err.msg);
        return cli_exit_for_output(err.code);
    }
    return BX_EXIT_OK;
}

static int run_batch(const cli_opts *o, char **paths, int n_paths, double t0)
{
    bx_error err;
    bx_status st;
    input_list in = {.quiet = o->quiet};
    bx_take *take = NULL;
    int rc = BX_EXIT_OK;

    for (int i = 0; i < n_paths; i++) {
        if ((st = inputs_add(&in, paths[i], &err)) != BX_OK) {
            fprintf(stderr, "bxanalyze: %s\n", err.msg);
            rc = BX_EXIT_INTERNAL;
            goto out;
        }
    }
    if ((st = inputs_name(&in, &err)) != BX_OK) {
        fprintf(stderr, "bxanalyze: %s\n", err.msg);
        rc = BX_EXIT_INTERNAL;
        goto out;
    }
    if (in.n == 0) {
        if (n_paths == 1)
            fprintf(stderr, "bxanalyze: %s: no audio files in this folder\n", paths[0]);
        else
            fprintf(stderr, "bxanalyze: no audio files to analyse among the %d inputs\n", n_paths);
        rc = cli_worst_exit(in.exit_code, BX_EXIT_INPUT);
        goto out;
    }
    if ((rc = prepare_folder("-o", o->out_path)) != BX_EXIT_OK ||
        (o->plot_path && (rc = prepare_folder("--plot", o->plot_path)) != BX_EXIT_OK))
        goto out;
    if (o->mode == BX_ANALYSIS_SOURCE &&
        (st = bx_take_load(o->source_path, BX_TAKE_KEEP_FIT_S, &o->job.take_range, &take, &err)) !=
            BX_OK) {
        fprintf(stderr, "bxanalyze: %s\n", err.msg);
        rc = cli_exit_for_input(st);
        goto out;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    rc = batch_run(o, &in, take, t0);
out:
    bx_take_free(take);
    inputs_free(&in);
    return rc;
}

/* ---- the command line ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
    const double t0 = thread_clock_s();
    bigmem_install();
    static const char *const with_value[] = {
        "--amount",     "--bands",        "--end",    "--export", "--export-rate", "--jobs",
        "--name",       "--output",       "--paired", "--plot",   "--smoothing",   "--source",
        "--source-end", "--source-start", "--start",  NULL};
    const int started = console_start("bxanalyze", &argc, &argv, with_value);
    if (started != 0)
        return started;
    cli_opts o;
    memset(&o, 0, sizeof o);
    bx_analysis_opts_default(&o.job);
    o.export_rate_hz = BX_EXPORT_DEFAULT_RATE_HZ;
    char **paths = calloc((size_t)argc + 1, sizeof *paths);
    int n_paths = 0, rc, only_files = 0;
    if (!paths) {
        fprintf(stderr, "bxanalyze: out of memory\n");
        return BX_EXIT_INTERNAL;
    }

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double v;
#define NEED_VALUE(what)                                                                           \
    do {                                                                                           \
        if (i + 1 >= argc) {                                                                       \
            rc = usage_error("%s needs " what, a);                                                 \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)
        if (only_files || a[0] != '-' || a[1] == '\0') {
            paths[n_paths++] = argv[i];
        } else if (strcmp(a, "--") == 0) {
            only_files = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("bxanalyze %s\n\n%s\n", BX_VERSION_STRING, usage_text);
            printf(help_text, thread_cpu_count());
            rc = BX_EXIT_OK;
            goto out;
        } else if (strcmp(a, "--version") == 0) {
            printf("bxanalyze %s\n", BX_VERSION_STRING);
            rc = BX_EXIT_OK;
            goto out;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            NEED_VALUE("a preset file or a folder");
            o.out_path = argv[++i];
        } else if (strcmp(a, "--source") == 0) {
            NEED_VALUE("your dry take (an audio file)");
            o.source_path = argv[++i];
        } else if (strcmp(a, "--paired") == 0) {
            NEED_VALUE("the dry original of the reference (an audio file)");
            o.paired_path = argv[++i];
        } else if (strcmp(a, "--plot") == 0) {
            NEED_VALUE("an SVG file (or a folder)");
            o.plot_path = argv[++i];
        } else if (strcmp(a, "--name") == 0) {
            NEED_VALUE("a preset name");
            o.job.name = argv[++i];
            bx_error ne;
            if (bx_preset_check_name(o.job.name, &ne) != BX_OK) {
                rc = usage_error("--%s", ne.msg);
                goto out;
            }
        } else if (strcmp(a, "--bands") == 0) {
            NEED_VALUE("a band count");
            if (parse_number(argv[++i], 1, BX_MAX_BANDS, &v) != 0 || v != (unsigned)v) {
                rc = usage_error("--bands: \"%s\" is not a whole number in 1..32", argv[i]);
                goto out;
            }
            o.job.max_bands = (unsigned)v;
        } else if (strcmp(a, "--amount") == 0) {
            NEED_VALUE("a percentage");
            if (parse_number(argv[++i], 0, 200, &v) != 0) {
                rc = usage_error("--amount: \"%s\" is not a percentage in 0..200", argv[i]);
                goto out;
            }
            o.job.amount = v / 100.0;
        } else if (strcmp(a, "--smoothing") == 0) {
            NEED_VALUE("a width in octaves");
            if (parse_number(argv[++i], 0, 2, &v) != 0) {
                rc = usage_error("--smoothing: \"%s\" is not a width in 0..2 octaves", argv[i]);
                goto out;
            }
            o.job.smoothing_oct = v;
        } else if (strcmp(a, "--export") == 0) {
            NEED_VALUE("formats: apo, easyeffects, sox, ffmpeg or pedalboard (a list: apo,sox)");
            char badname[80];
            const unsigned m = exports_parse(argv[++i], badname, sizeof badname);
            if (!m) {
                fprintf(stderr, "bxanalyze: --export: \"%s\" is not a format (%s)\n%s", badname,
                        exports_all_names(), usage_text);
                rc = BX_EXIT_USAGE;
                goto out;
            }
            o.exports |= m;
        } else if (strcmp(a, "--export-rate") == 0) {
            NEED_VALUE("a rate in Hz");
            if (parse_number(argv[++i], 8000, 768000, &v) != 0) {
                rc = usage_error("--export-rate: \"%s\" is not a rate in 8000..768000 Hz", argv[i]);
                goto out;
            }
            o.export_rate_hz = v;
        } else if (strcmp(a, "--start") == 0 || strcmp(a, "--end") == 0 ||
                   strcmp(a, "--source-start") == 0 || strcmp(a, "--source-end") == 0) {
            NEED_VALUE("a time: seconds (75.5) or minutes:seconds (1:15.5)");
            bx_take_range *range =
                strncmp(a, "--source", 8) == 0 ? &o.job.take_range : &o.job.ref_range;
            if (console_parse_time(argv[++i], &v) != 0) {
                fprintf(stderr,
                        "bxanalyze: %s: \"%s\" is not a time (seconds, or minutes:seconds "
                        "as 1:15.5)\n%s",
                        a, argv[i], usage_text);
                rc = BX_EXIT_USAGE;
                goto out;
            }
            if (strstr(a, "start"))
                range->start_s = v;
            else
                range->end_s = v;
        } else if (strcmp(a, "--no-compressor") == 0) {
            o.job.no_compressor = 1;
        } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0 || strncmp(a, "-j", 2) == 0) {
            const char *s = a[2] && a[1] == 'j' ? a + 2 : NULL;
            if (!s) {
                NEED_VALUE("a thread count");
                s = argv[++i];
            }
            if (parse_number(s, 1, 256, &v) != 0 || v != (unsigned)v) {
                rc = usage_error("-j: \"%s\" is not a thread count in 1..256", s);
                goto out;
            }
            o.threads = (unsigned)v;
        } else if (strcmp(a, "--json") == 0) {
            o.json = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = 1;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            o.verbose = 1;
        } else {
            rc = usage_error("unknown option %s", a);
            goto out;
        }
#undef NEED_VALUE
    }

    if (n_paths == 0) {
        rc = usage_error("%s", "no reference file given");
        goto out;
    }
    if (o.source_path && o.paired_path) {
        rc = usage_error("%s", "--source and --paired exclude each other");
        goto out;
    }
    o.mode = o.source_path   ? BX_ANALYSIS_SOURCE
             : o.paired_path ? BX_ANALYSIS_PAIRED
                             : BX_ANALYSIS_REFERENCE;
    if (o.job.ref_range.end_s >= 0.0 && !(o.job.ref_range.end_s > o.job.ref_range.start_s)) {
        rc = usage_error("%s", "--end must come after --start");
        goto out;
    }
    if (o.job.take_range.end_s >= 0.0 && !(o.job.take_range.end_s > o.job.take_range.start_s)) {
        rc = usage_error("%s", "--source-end must come after --source-start");
        goto out;
    }
    if (!o.source_path && (o.job.take_range.start_s > 0.0 || o.job.take_range.end_s >= 0.0)) {
        rc = usage_error("%s", "--source-start and --source-end need --source");
        goto out;
    }
    if (n_paths == 1 && is_preset_path(paths[0]) && !bx_is_dir(paths[0]) && !o.source_path) {
        rc = run_convert(&o, paths[0]);
        goto out;
    }
    if ((strcmp(paths[0], "-") == 0) + (o.source_path && strcmp(o.source_path, "-") == 0) +
            (o.paired_path && strcmp(o.paired_path, "-") == 0) >
        1) {
        rc = usage_error("%s", "standard input (\"-\") can be read only once");
        goto out;
    }
    if (o.out_path && strcmp(o.out_path, "-") == 0) {
        /* the preset on standard output: what --json does */
        if (n_paths > 1 || bx_is_dir(paths[0])) {
            rc = usage_error("%s", "-o - is standard output; a batch writes into a folder");
            goto out;
        }
        o.out_path = NULL;
        o.json = 1;
    }
    if (n_paths > 1 || bx_is_dir(paths[0])) {
        if (o.paired_path && n_paths == 1) {
            fprintf(stderr, "bxanalyze: %s: is a folder; --paired takes one REF file\n", paths[0]);
            rc = BX_EXIT_USAGE;
        } else if (o.paired_path)
            rc = usage_error("%s", "--paired takes one REF (its dry original cannot be shared)");
        else if (o.job.name)
            rc = usage_error("%s",
                             "--name takes one REF; batch presets are named after their files");
        else if (!o.out_path)
            rc = usage_error("%s", "several inputs need -o OUTDIR/");
        else
            rc = run_batch(&o, paths, n_paths, t0);
    } else if (!o.out_path && !o.json) {
        rc = usage_error("%s", "nothing would be written: give -o PRESET.json or --json");
    } else if (o.exports && !o.out_path) {
        rc = usage_error("%s", "--export writes next to the preset: give -o PRESET.json");
    } else {
        signal(SIGINT, on_signal_single);
        signal(SIGTERM, on_signal_single);
#ifdef SIGHUP
        signal(SIGHUP, on_signal_single);
#endif
        rc = run_single(&o, paths[0]);
    }
out:
    free(paths);
    if (fflush(stdout) != 0 && rc == BX_EXIT_OK) {
        fprintf(stderr, "bxanalyze: cannot write to standard output\n");
        rc = BX_EXIT_OUTPUT;
    }
    return rc;
}
