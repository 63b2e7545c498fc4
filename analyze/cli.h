/*
 * cli.h — what bxanalyze's command line asked for, and the helpers its
 * runners share (cli.c): the single-file runner (bxanalyze.c), the batch
 * runner (batch.c) and the input scan (inputs.c). bxanalyze.c calls them;
 * none of them calls back into it.
 */
#ifndef BX_ANALYZE_CLI_H
#define BX_ANALYZE_CLI_H

#include <stdatomic.h>

#include "bx/analysis.h"
#include "bx/error.h"

typedef struct cli_opts {
    bx_analysis_opts job;
    bx_analysis_mode mode;
    const char *source_path; /* --source: the user's dry take */
    const char *paired_path; /* --paired: the dry original of the reference */
    const char *out_path;    /* -o: a preset file, or a folder */
    const char *plot_path;   /* --plot: an SVG file, or a folder */
    unsigned threads;        /* -j: batch workers */
    unsigned exports;        /* --export: formats, 1 << bx_export_format */
    double export_rate_hz;   /* --export-rate */
    int json;                /* --json */
    int quiet;               /* -q */
    int verbose;             /* -v: time of each stage */
} cli_opts;

/* Set (to the signal number) by SIGINT/SIGTERM during a batch. */
extern atomic_int cli_stop;

/* The exit code for a failed analysis of an input file. */
int cli_exit_for_input(bx_status st);

/* The exit code for a failed write of an output file. */
int cli_exit_for_output(bx_status st);

/* Of two exit codes, the one that says more is wrong (internal > output > input > ok). */
int cli_worst_exit(int a, int b);

/* 1 if path ends in a path separator ('/', and '\' on Windows). */
int cli_ends_with_sep(const char *path);

/* "DIR/NAME.EXT" (one separator between them); bx_free the result. NULL if out of memory. */
char *cli_join(const char *dir, const char *name, const char *ext);

#endif
