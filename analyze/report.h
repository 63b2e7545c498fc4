/*
 * report.h — `bxanalyze --plot`: one analysis as a self-contained SVG page
 * (no scripts, fonts or images from elsewhere):
 *
 *   - long-term spectra of the reference and of the source (or the neutral
 *     model), log frequency 20 Hz - 20 kHz, dBFS;
 *   - the EQ target and the fitted EQ's response, dB, with the bands marked;
 *   - the compressor's static curve (input level vs output level, dBFS,
 *     makeup included), with the limiter ceiling;
 *   - the fitted bands and compressor settings, and a table of statistics
 *     (loudness, peak, crest, spread) of reference and source.
 */
#ifndef BX_ANALYZE_REPORT_H
#define BX_ANALYZE_REPORT_H

#include "bx/analysis.h"
#include "bx/error.h"

/** What the report says about where things came from and went. */
typedef struct report_info {
    const char *reference_path;
    const char *source_path; /**< the --source or --paired file; NULL in reference mode */
    const char *preset_path; /**< where the preset was written; NULL if it was not */
    double seconds;          /**< wall time of the analysis as the caller measured it */
} report_info;

/** The SVG text (NUL-terminated, bx_free it), or NULL if out of memory. */
char *report_svg(const bx_analysis_result *r, const report_info *info);

/** Write the SVG to path atomically. BX_ERR_NOMEM or BX_ERR_IO (naming path). */
bx_status report_write_svg(const char *path, const bx_analysis_result *r, const report_info *info,
                           bx_error *err);

#endif
