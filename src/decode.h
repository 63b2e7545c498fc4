/*
 * decode.h — audio libsndfile does not read (MP4/M4A/AAC, WebM/Matroska,
 * video files, ...), decoded by an ffmpeg child process into a WAV image in
 * memory: PCM over a pipe, no temporary file. Internal to libbx (audiofile.c).
 */
#ifndef BX_DECODE_H
#define BX_DECODE_H

#include <stddef.h>

#include "bx/error.h"

/* 1 if a file whose name ends in `ext` (lower case, no dot) and whose first
 * n bytes are head is a container for ffmpeg: the extension is one of those
 * documented in bx/audiofile.h, or the file starts like an MP4 (ISO base
 * media "ftyp") or Matroska/WebM (EBML) file. */
int bx_decode_wants_ffmpeg(const char *ext, const unsigned char *head, size_t n);

/* The ffmpeg that would be run: $BX_FFMPEG if set, else "ffmpeg" (looked up in PATH). */
const char *bx_decode_ffmpeg_program(void);

/*
 * Decode the first audio stream of `path` through ffmpeg into a 32-bit float
 * WAV image (at most max_bytes): *data (release with bx_free) and *len, its
 * RIFF sizes set to what was read. Errors (BX_ERR_AUDIO) name the file:
 * ffmpeg not found (with the conversion command to run elsewhere), ffmpeg's
 * own first error line (no audio stream, damaged data), more than max_bytes.
 */
bx_status bx_decode_ffmpeg(const char *path, size_t max_bytes, char **data, size_t *len,
                           bx_error *err);

/* A WAV image streamed through a pipe (its writer could not go back to fill
 * in the sizes): set its RIFF and data chunk sizes to the n bytes it holds,
 * always, or (always == 0) only when the data chunk's size cannot be right
 * (0, 0xFFFFFFFF, or past the end). 0, or -1 if it is not a WAV image with
 * a data chunk. */
int bx_decode_fix_wav_sizes(void *data, size_t n, int always);

#endif
