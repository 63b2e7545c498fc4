/*
 * batch.h — bxanalyze over many files: o->threads workers take files in turn
 * (an atomic index), each writes OUT/<name>.json (and PLOT/<name>.svg) when
 * its analysis succeeds; the calling thread shows progress on stderr (a
 * redrawn bar on a terminal, one line per file otherwise), then a summary on
 * stdout (or the results as JSON with --json).
 *
 * When cli_stop becomes non-zero no further file is started; files already
 * running finish and are written.
 */
#ifndef BX_ANALYZE_BATCH_H
#define BX_ANALYZE_BATCH_H

#include "cli.h"
#include "inputs.h"

/*
 * Analyse every file of `in` (already named with inputs_name). o->out_path
 * and o->plot_path (if set) are existing folders. source: the shared --source
 * take, or NULL. t0: thread_clock_s() when the program started. Returns the
 * exit code: BX_EXIT_OK, the worst failure's code (also counting in->exit_code),
 * or BX_EXIT_INTERRUPTED.
 */
int batch_run(const cli_opts *o, const input_list *in, const bx_take *source, double t0);

#endif
