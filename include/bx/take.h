/*
 * bx/take.h — an audio file read and measured for analysis: its long-term
 * spectrum and level statistics over the whole file (or an excerpt), and the
 * first seconds of its mono mixdown kept for the fits that need the audio.
 *
 * Reading streams: memory is bounded however long the file is. The analysis
 * hears the mono mixdown, with non-finite samples counted as silence.
 * A loaded take is read-only and may be shared by threads (a batch analyses
 * many references against one take).
 */
#ifndef BX_TAKE_H
#define BX_TAKE_H

#include <stddef.h>

#include "bx/audiofile.h"
#include "bx/error.h"
#include "bx/levels.h"
#include "bx/spectrum.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The part of a file to analyse, seconds: from start_s to end_s (end_s < 0:
 * to the end). {0, -1} is the whole file. */
typedef struct bx_take_range {
    double start_s, end_s;
} bx_take_range;

/** A take: opaque, made by bx_take_load or bx_take_read, freed by bx_take_free. */
typedef struct bx_take bx_take;

/* How much of the mono mixdown the analysis modes keep (keep_seconds), s */
#define BX_TAKE_KEEP_PAIRED_S 240.0 /* --paired: both files */
#define BX_TAKE_KEEP_FIT_S 90.0     /* --source: the take and the reference's dynamics */
#define BX_TAKE_MAX_KEEP_SAMPLES (600u * 48000u) /* at most this many samples: 110 MiB of float */
/* bx_take_load refuses shorter files (BX_ERR_AUDIO): a spectrum average and
 * level statistics over less than a second say nothing about a performance. */
#define BX_TAKE_MIN_SECONDS 1.0

/**
 * Read and measure the audio file at path: the whole file, or the part
 * `range` gives (NULL: the whole). keep_seconds: also keep the first
 * keep_seconds of the mono mixdown (at most BX_TAKE_MAX_KEEP_SAMPLES
 * samples); 0 keeps nothing. Files of more than BX_MAX_CHANNELS channels or
 * shorter than BX_TAKE_MIN_SECONDS are refused. Errors name the file
 * (BX_ERR_IO / BX_ERR_AUDIO / BX_ERR_NOMEM).
 */
bx_status bx_take_load(const char *path, double keep_seconds, const bx_take_range *range,
                       bx_take **out, bx_error *err);

/**
 * The same from a reader already open (and set to its excerpt; info as
 * bx_audio_open or bx_audio_set_excerpt gave it), read to its end; the
 * caller closes it. name names the input in errors and in the take. Takes
 * shorter than min_seconds are refused (bx_take_load: BX_TAKE_MIN_SECONDS).
 * A read error is an error: nothing read before it is kept.
 */
bx_status bx_take_read(bx_audio_reader *r, const bx_audio_info *info, const char *name,
                       double keep_seconds, double min_seconds, bx_take **out, bx_error *err);

void bx_take_free(bx_take *t);

/**
 * A take measured from mono samples as they come (bxlive --learn: the mic):
 * what bx_take_read makes of a file of the same samples, bit for bit,
 * however the samples are cut into calls. channels: what the take reports
 * (the samples are its mono mixdown).
 */
typedef struct bx_take_acc bx_take_acc;
bx_take_acc *bx_take_acc_create(double rate_hz, unsigned channels, const char *name,
                                double keep_seconds, bx_error *err);
/** Add n samples (non-finite ones count as silence). BX_ERR_NOMEM, BX_ERR_AUDIO;
 * after a failure every call fails the same way. */
bx_status bx_take_acc_add(bx_take_acc *a, const float *mono, size_t n, bx_error *err);
/** The take (*out, freed with bx_take_free); refused, as bx_take_read refuses, when
 * shorter than min_seconds or without a signal above the gate. a is still
 * destroyed by the caller. */
bx_status bx_take_acc_finish(bx_take_acc *a, double min_seconds, bx_take **out, bx_error *err);
void bx_take_acc_destroy(bx_take_acc *a);

/** The name it was loaded under (bx_take_load: the path). */
const char *bx_take_name(const bx_take *t);
/** Sample rate, Hz; channels of the file; seconds read. */
double bx_take_rate_hz(const bx_take *t);
unsigned bx_take_channels(const bx_take *t);
double bx_take_seconds(const bx_take *t);
/** Long-term spectrum of the mono mixdown (bx_ltas). */
const bx_spectrum *bx_take_spectrum(const bx_take *t);
/** Level statistics of the mono mixdown. */
const bx_level_stats *bx_take_stats(const bx_take *t);
/** The kept mono mixdown; *n receives its length (0 and NULL if none kept). */
const float *bx_take_mono(const bx_take *t, size_t *n);

#ifdef __cplusplus
}
#endif
#endif /* BX_TAKE_H */
