/* render.h — `bxlive PRESET --render IN OUT`: the live DSP path, offline. */
#ifndef BX_LIVE_RENDER_H
#define BX_LIVE_RENDER_H

#include <signal.h>

#include "bx/audiofile.h"

typedef struct render_opts {
    const char *preset_path;
    const char *in_path;
    const char *out_path;
    bx_audio_encoding encoding;
    unsigned block_frames; /* frames per engine call, like the live callback */
    double start_s, end_s; /* --start/--end: the part of IN to render (end_s < 0: to its end) */
    int bypass;
    int quiet;
} render_opts;

/* Set from a signal handler to stop a render early (output is discarded). */
extern volatile sig_atomic_t render_stop;

/* Run a render; prints one summary line (or one error line) on stderr.
 * Returns a BX_EXIT_* code. */
int render_run(const render_opts *o);

#endif
