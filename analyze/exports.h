/*
 * exports.h — bxanalyze's --export: a preset written in other tools' formats
 * (bx/export.h) next to the preset, or to a named file.
 */
#ifndef BX_ANALYZE_EXPORTS_H
#define BX_ANALYZE_EXPORTS_H

#include "bx/chain.h"
#include "bx/error.h"

/* Parse "apo,sox" into a mask of (1 << bx_export_format); 0 and *bad set to
 * the first unknown name's text (up to bad_len bytes) if there is one. */
unsigned exports_parse(const char *list, char *bad, size_t bad_len);

/* The formats a mask names, "apo, easyeffects, ..." for messages. */
const char *exports_all_names(void);

/* The path of export f of the preset at preset_path: preset_path without
 * its ".json" (any case) and with f's suffix. bx_free it; NULL if out of memory. */
char *exports_path(const char *preset_path, int f);

/* Check every export path of mask next to preset_path (or `single`) before
 * the work: returns BX_OK or the bx_output_prepare error. */
bx_status exports_prepare(unsigned mask, const char *preset_path, const char *single,
                          bx_error *err);

/*
 * Write preset p (named name) in every format of mask: to `single` when it is
 * not NULL (one format; "-" is standard output), else next to preset_path.
 * rate_hz: the ffmpeg export's rate. Each written path is printed on stdout
 * unless quiet; what a format approximates, when it cannot say so in the file
 * (EasyEffects' JSON), goes to stderr as notes unless quiet.
 */
bx_status exports_write(unsigned mask, const bx_chain_params *p, const char *name, double rate_hz,
                        const char *preset_path, const char *single, int quiet, bx_error *err);

#endif
