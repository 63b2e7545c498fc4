/*
 * inputs.h — the file list of a bxanalyze batch: command-line paths expanded
 * (folders scanned recursively), non-audio files skipped, and every file given
 * the name its outputs take in the output folder.
 *
 * Order is deterministic: command-line order, and inside a folder its entries
 * sorted by name (byte order), depth-first. Entries whose name starts with '.'
 * are ignored in folders (hidden files, temporaries of interrupted writes).
 */
#ifndef BX_ANALYZE_INPUTS_H
#define BX_ANALYZE_INPUTS_H

#include <stddef.h>

#include "bx/error.h"

/* Deepest folder nesting scanned. Links that lead back to a folder already
 * scanned are not followed again (device and inode); this is a second guard. */
#define INPUTS_MAX_DEPTH 64

typedef struct input_file {
    char *path; /* as given, or as found while scanning */
    char *name; /* output base name (no extension): the stem, or "stem-N" */
} input_file;

typedef struct input_list {
    input_file *files;
    size_t n, cap;
    size_t skipped;                /* files skipped because they are not audio by extension */
    size_t failed;                 /* folders that could not be read */
    int exit_code;                 /* BX_EXIT_* for those failures, BX_EXIT_OK if none */
    int quiet;                     /* no notes on stderr (errors are always printed) */
    struct bx_file_identity *dirs; /* the folders scanned so far (each is scanned once) */
    size_t n_dirs, cap_dirs;
} input_list;

/* 1 if the file name ends in an audio extension bx reads (wav wave w64 rf64 aif aiff aifc flac
 * ogg oga opus caf au snd mp3; any letter case). */
int inputs_is_audio_name(const char *path);

/* The file name without its folder and last extension ("a/b/take.1.wav" -> "take.1"); a name
 * whose only dot is its first character is kept whole. bx_free the result; NULL if out of memory.
 */
char *inputs_stem(const char *path);

/*
 * Add one command-line path: a folder is scanned recursively (audio files
 * added, others skipped with a note on stderr; a folder reached a second
 * time, through a link, is skipped with a note; inside folders only regular
 * files are taken: a FIFO, device or socket named *.wav is skipped with a
 * note); a file given by name is added if its extension is audio, else
 * skipped with a note; a path that does not exist is
 * added, so that it fails, named, when analysed. An unreadable folder is
 * reported on stderr and counted in failed. Returns BX_OK or BX_ERR_NOMEM.
 */
bx_status inputs_add(input_list *l, const char *path, bx_error *err);

/*
 * Give every file its output name. The first file (in list order) with a
 * given stem keeps it; a later file with the same stem (compared ignoring
 * ASCII case, as case-insensitive file systems do) gets "stem-2", "stem-3",
 * ... (the first not taken by any file), with a note. The same file listed
 * twice is analysed once. Returns BX_OK or BX_ERR_NOMEM.
 */
bx_status inputs_name(input_list *l, bx_error *err);

void inputs_free(input_list *l);

/* Create a folder and any missing parents (like mkdir -p). BX_ERR_IO names it on failure. */
bx_status inputs_make_dir(const char *path, bx_error *err);

#endif
