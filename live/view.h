/* view.h — bxlive's live spectrum: the mic and the processed output in
 * 1/3-octave bands (bx/bands.h) beside the reference's, drawn on the
 * terminal about 15 times a second and, with --status-spectrum, in the
 * --status-json lines. Everything here runs on the control thread, from
 * rings the callback fills; nothing touches the audio thread. */
#ifndef BX_LIVE_VIEW_H
#define BX_LIVE_VIEW_H

#include <stdio.h>

#include "bx/bands.h"
#include "bx/preset.h"
#include "ring.h"

/* How fast the view follows the sound, s (bx_bands' time constant). */
#define VIEW_TAU_S 0.3
/* The dB span a bar covers, below and above the spectrum's own level. */
#define VIEW_BELOW_DB 24.0
#define VIEW_ABOVE_DB 12.0
/* Rows per spectrum. */
#define VIEW_ROWS 2

typedef struct view {
    bx_bands *mic, *out;
    size_t n;
    double ref_db[BX_BANDS_MAX];
    int have_ref; /* the preset keeps a reference profile */
    int utf8;     /* the terminal takes block characters */
    int can_draw; /* and the escape sequences that redraw the view */
    int drawn;    /* lines drawn last time (the cursor goes back up over them) */
} view;

/* Accumulators at rate_hz; the reference's bands from p's profile, if it has one.
 * Returns 0, or -1 when out of memory. */
int view_init(view *v, double rate_hz, const bx_preset *p);
void view_free(view *v);

/* What the callback put in the rings since the last call, into the bands. */
void view_feed(view *v, ring *mic, ring *out);

/* The view and then the meter line on f, over what the last call drew. */
void view_draw(view *v, FILE *f, const char *meter);

/* ,"mic_db":[...],"out_db":[...] for a status line (0.1 dB), in buf. */
const char *view_json(const view *v, char *buf, size_t size);

#endif
