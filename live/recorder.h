/* recorder.h — bxlive's recordings (--record, --record-dry): a writer thread
 * drains an SPSC ring the callback fills into a sound file, so that the
 * audio thread never touches the disk. */
#ifndef BX_LIVE_RECORDER_H
#define BX_LIVE_RECORDER_H

#include <stdatomic.h>
#include <stddef.h>
#ifdef _WIN32
#define ENABLE_SNDFILE_WINDOWS_PROTOTYPES 1 /* sf_wchar_open */
#include <windows.h>
#endif
#include <sndfile.h>

#include "ring.h"
#include "threads.h"

typedef struct recorder {
    ring *r;
    SNDFILE *sf;
    char path[4096]; /* the file being written (numbered if the name was taken) */
    atomic_int stop;
    atomic_int failed; /* set by the writer thread: a write came up short */
    char why[160];     /* what failed (written before failed is set) */
    int reported;      /* the main loop has said so */
    thread_handle th;
    int running;
    double throttle_bps; /* > 0: the test hook BX_TEST_RECORD_THROTTLE_BPS (recorder.c) */
} recorder;

/* The libsndfile format of a recording named path, by its extension; 0 if
 * recordings cannot have it. */
int record_format(const char *path);

/* Create the recording at path (or a numbered name if path is taken: the
 * name used is rc->path) as a float file at rate, mono, and start the thread
 * that drains ring r into it. 0, or -1 with the reason printed. */
int recorder_start(recorder *rc, const char *path, double rate, ring *r, int quiet);

/* After the recording: say how much a disk slower than real time made the callback drop. */
void report_overflows(const char *path, ring *r);

/* A recording whose writes failed: say so once (on its own line under a
 * meter line), and give the flag for the meter line and the JSON. */
int recorder_check(recorder *rc, int tty);

/* the JSON string value of what failed ("null" if nothing) */
const char *recorder_json(const recorder *a, const recorder *b, char *buf, size_t n);

/* Stop the thread once it has drained the ring, and close the file (a valid
 * file holding what was recorded, also after a failed write). */
void recorder_finish(recorder *rc);

#endif
