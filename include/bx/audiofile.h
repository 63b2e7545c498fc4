/*
 * bx/audiofile.h — reading and writing audio files (libsndfile), streaming in
 * blocks so memory stays bounded however long the file is.
 *
 * Samples are interleaved float: integer formats are scaled to -1..1, float
 * formats are passed through unscaled (they may hold values beyond full scale).
 * Writers write to a temporary sibling and only replace the destination on
 * bx_audio_writer_commit, so a failed or interrupted write never leaves a
 * partial file under the destination's name.
 */
#ifndef BX_AUDIOFILE_H
#define BX_AUDIOFILE_H

#include <stddef.h>

#include "bx/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Sample rates accepted for input, Hz. */
#define BX_AUDIO_RATE_MIN 8000
#define BX_AUDIO_RATE_MAX 192000

typedef struct bx_audio_info {
    double rate_hz; /**< a whole number of Hz, BX_AUDIO_RATE_MIN..MAX */
    unsigned channels;
    long long frames; /**< frame count as the header says (-1 if unknown) */
    char format[64];  /**< e.g. "WAV float", "FLAC 24-bit" */
} bx_audio_info;

typedef struct bx_audio_reader bx_audio_reader;

/**
 * Open an audio file for reading. Errors (BX_ERR_IO / BX_ERR_AUDIO) name the
 * file: missing, a directory, not audio, unsupported rate (outside
 * BX_AUDIO_RATE_MIN..MAX), no channels, no frames. A FIFO or a device is read
 * to its end first (at most BX_AUDIO_STREAM_MAX_BYTES) and decoded from
 * memory; one that gives nothing (a FIFO nobody writes to) is an error at
 * once, not a wait.
 *
 * Containers libsndfile does not read are decoded by an ffmpeg child process
 * (PCM over a pipe into memory, no temporary file; at most
 * BX_AUDIO_STREAM_MAX_BYTES of 32-bit float): names ending in .m4a .mp4 .m4b
 * .m4v .aac .mov .3gp .webm .mkv .mka .avi .wmv .wma .flv .ac3 .eac3 .dts
 * .amr .ape .wv .mpc .ts .m2ts (any case), and files that start like MP4 or
 * Matroska/WebM whatever their name. The ffmpeg run is $BX_FFMPEG if set,
 * else "ffmpeg" from PATH; without it the error says so and gives the
 * command that converts the file. info->format then ends in ", decoded by
 * ffmpeg".
 */
#define BX_AUDIO_STREAM_MAX_BYTES ((size_t)1 << 31)

bx_status bx_audio_open(const char *path, bx_audio_reader **out, bx_audio_info *info,
                        bx_error *err);

/** 1 if bx_audio_open reads a file of this name through ffmpeg (by its extension). */
int bx_audio_name_needs_ffmpeg(const char *path);

/**
 * Open audio held in memory: the `size` bytes at `data` as a file's content,
 * read through libsndfile's virtual I/O. `name` stands for the file in error
 * messages (and, as for bx_audio_open, only a name ending in .mp3 lets MPEG
 * data through). Accepts and refuses exactly what bx_audio_open does with
 * the same checks and messages (BX_ERR_AUDIO; BX_ERR_ARG for NULL data with a
 * non-zero size), except that headerless formats, which libsndfile recognises
 * only by a file's extension, are not recognised. The bytes are not copied:
 * they must stay unchanged until bx_audio_close.
 */
bx_status bx_audio_open_memory(const void *data, size_t size, const char *name,
                               bx_audio_reader **out, bx_audio_info *info, bx_error *err);

/**
 * Read only the excerpt from start_s to end_s (seconds; end_s < 0: to the
 * end) as if the file held nothing else; call it before the first read. An
 * end past the file's end reads to its end. If info is given and its frames
 * are known, they become the excerpt's. Errors (BX_ERR_RANGE, naming the
 * file): an empty excerpt, or one that starts after the end (found here when
 * the length is known, else by the first read).
 */
bx_status bx_audio_set_excerpt(bx_audio_reader *r, double start_s, double end_s,
                               bx_audio_info *info, bx_error *err);

/**
 * Read up to `frames` frames into buf (frames * channels floats). Returns the
 * number read (0 at the end), or -1 with err set on a read error.
 */
long long bx_audio_read(bx_audio_reader *r, float *buf, size_t frames, bx_error *err);

void bx_audio_close(bx_audio_reader *r);

/** Sample encodings a writer can be asked for. */
typedef enum bx_audio_encoding {
    BX_ENC_DEFAULT = 0, /**< float where the container has it, else 24-bit PCM */
    BX_ENC_PCM16,
    BX_ENC_PCM24,
    BX_ENC_PCM32,
    BX_ENC_FLOAT
} bx_audio_encoding;

/** Parse "16", "24", "32", "float" (as given to --bits) into *enc: BX_OK, or BX_ERR_ARG. */
bx_status bx_audio_encoding_parse(const char *s, bx_audio_encoding *enc);

typedef struct bx_audio_writer bx_audio_writer;

/**
 * Create a writer for `path`; the container comes from the extension (.wav
 * .w64 .rf64 .aif/.aiff .caf .au .flac .ogg/.oga .opus .mp3). expected_frames
 * (or -1) lets a .wav that would pass 4 GiB become RF64 automatically. PCM
 * output clips at full scale instead of wrapping.
 */
bx_status bx_audio_writer_create(const char *path, double rate_hz, unsigned channels,
                                 bx_audio_encoding enc, long long expected_frames,
                                 bx_audio_writer **out, bx_error *err);

/** Append frames (interleaved float). */
bx_status bx_audio_writer_write(bx_audio_writer *w, const float *buf, size_t frames, bx_error *err);

/** Finish the file and move it over the destination. Frees w either way. */
bx_status bx_audio_writer_commit(bx_audio_writer *w, bx_error *err);

/** Drop the temporary file; the destination is untouched. Frees w. NULL is fine. */
void bx_audio_writer_abort(bx_audio_writer *w);

#ifdef __cplusplus
}
#endif
#endif /* BX_AUDIOFILE_H */
