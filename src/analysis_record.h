/* analysis_record.h — the preset's `analysis` record, as bx_analysis_run
 * writes it (see docs/analysis-record.md), and the file stem it names files by. */
#ifndef BX_ANALYSIS_RECORD_H
#define BX_ANALYSIS_RECORD_H

#include <stddef.h>

#include "bx/analysis.h"
#include "bx/profile.h"

/** The file name of path without folders and extension, made valid UTF-8 without
 * control characters ('?' for those bytes), in buf (n bytes); "stdin" for "-". */
const char *bx_analysis_stem(const char *path, char *buf, size_t n);

/** The stem of t's file (bx_analysis_stem of its path, or its path where that
 * is a stem already), in buf (n bytes). */
const char *bx_analysis_take_file(const bx_take *t, char *buf, size_t n);

/** Describe res (fitted from ref and, if not NULL, src: the take or DRY) in
 * res->preset.analysis_json, with ref's profile prof (NULL: none) as
 * reference.profile. mode: "reference", "source" or "paired". */
bx_status bx_analysis_record_write(bx_analysis_result *res, const bx_take *ref, const bx_take *src,
                                   const bx_profile *prof, const char *mode,
                                   const bx_analysis_opts *o, bx_error *err);

#endif
