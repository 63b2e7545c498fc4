/* summary.h — the part of an analysis' summary bxanalyze and bxlive --learn
 * both print: the EQ, the compressor, the levels and the warnings. */
#ifndef BX_COMMON_SUMMARY_H
#define BX_COMMON_SUMMARY_H

#include "bx/analysis.h"

/** Print r's fit on stdout, a line per item, labels in the first 11 columns. */
void summary_fit(const bx_analysis_result *r);

/** One line of level statistics: label (11 columns), who (10), then s. */
void summary_levels(const char *label, const char *who, const bx_level_stats *s);

#endif
