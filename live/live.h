/* live.h — `bxlive PRESET`: the preset on a live microphone through PortAudio. */
#ifndef BX_LIVE_LIVE_H
#define BX_LIVE_LIVE_H

#include <signal.h>

#define LIVE_MAX_OUT 64

typedef struct live_opts {
    const char *preset_path;
    const char *host;                    /* --host name, NULL: PortAudio's default host API */
    const char *input;                   /* --input: index or name substring, NULL: default */
    const char *output;                  /* --output */
    unsigned in_channel;                 /* --in-channel, 1-based (the mic) */
    unsigned out_channels[LIVE_MAX_OUT]; /* --out-channels, 1-based; n_out == 0: 1 and 2 */
    unsigned n_out;
    double rate_hz;         /* --rate, 0: the devices' default */
    unsigned buffer_frames; /* --buffer, 0: let the host choose */
    double duration_s;      /* --duration, 0: until stopped */
    const char *record;     /* --record FILE.wav (processed) */
    const char *record_dry; /* --record-dry FILE.wav */
    int status_json, quiet, bypass, exclusive;
    int split;             /* --duplex split: input and output as two streams and a ring */
    int measure_latency;   /* --measure-latency: loopback round-trip measurement */
    double learn_s;        /* --learn SEC: re-fit the EQ to the mic, 0: off */
    const char *save_path; /* --save PRESET: where --learn writes the result */
    int no_view;           /* --no-view: the meter line alone on a terminal */
    int yes;               /* --yes: --learn without count-in or question (scripts) */
    int status_spectrum;   /* --status-spectrum: the bands in --status-json */
} live_opts;

/* Set by SIGINT/SIGTERM (stop) and SIGHUP (reload). */
extern volatile sig_atomic_t live_stop, live_reload;

/** Run live until stopped; returns a BX_EXIT_* code. */
int live_run(const live_opts *o);

/** Print the devices (of one host API, or all); returns a BX_EXIT_* code. */
int live_list_devices(const char *host);

#endif
