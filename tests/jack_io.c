/* jack_io — a libjack test client for test_live_jack: it plays a WAV file into
 * the JACK graph and captures what comes back, sample for sample, so that a
 * program under test can be compared with its offline render and the graph's
 * delay can be measured.
 *
 *   jack_io [--name CLIENT] [--play IN.wav --to PORT] [--capture OUT.wav --from PORT]
 *           [--seconds S] [--wait S] [--timeout S]
 *
 * CLIENT:out (one output port) is connected to the input port PORT of --to,
 * and the output port PORT of --from to CLIENT:in (one input port). Anything
 * else feeding either of those two input ports is disconnected, at once and
 * for as long as jack_io runs (an application that auto-connects later is
 * undone within a few milliseconds). CLIENT:out is connected before CLIENT:in,
 * so when the two ports lead to and from one other client, JACK runs jack_io
 * first in every period and the round trip is a whole number of periods.
 *
 * --wait S     start playing and capturing at the first period that begins at
 *              least S seconds (default 1) after the connections were made.
 * --seconds S  run for S seconds from that moment (default: the length of IN):
 *              IN is played once (silence after its end), CLIENT:in is
 *              captured into OUT (mono, 32-bit float, the server's rate).
 * --timeout S  how long to wait for the named ports to appear (default 10).
 * Without --play and --capture, jack_io only counts xruns for --seconds.
 *
 * Playing and capturing start in the same period, whose frame time (JACK's
 * frame counter at its first frame) is reported: a sample played at index i
 * that comes back at index j of OUT went through a graph delay of j - i frames.
 *
 * stdout: {"event":"start",...} when the first period runs, then one summary
 * object (rate, period, start frame times, frames played and captured, xruns,
 * stray connections removed, whether the server went away). The peer client
 * may disappear at any time: jack_io then captures silence. If the server
 * itself goes away, OUT still receives everything captured until then.
 *
 * Exit status: 0 done (also when stopped early by SIGINT/SIGTERM), 1 no JACK
 * server / port not found / rate mismatch, 2 usage, 3 the server went away
 * (OUT written), 4 file error.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tooltime.h"

#include <jack/jack.h>
#include <sndfile.h>

enum { ST_IDLE, ST_ARMED, ST_RUNNING, ST_DONE };

typedef struct jio {
    jack_client_t *client;
    jack_port_t *out_port, *in_port;
    const float *play; /* play_len frames, mono */
    size_t play_len;
    float *cap; /* run_len frames when capturing, else NULL */
    size_t run_len;
    jack_nframes_t start_at;    /* first frame time allowed to start */
    jack_nframes_t start_frame; /* written by the process thread before ST_RUNNING */
    atomic_int state;
    atomic_size_t pos; /* frames run since the start */
    atomic_uint xruns;
    atomic_int server_lost;
} jio;

/* The real-time part: no allocation, locks or I/O. */
static int process(jack_nframes_t n, void *arg)
{
    jio *s = arg;
    float *out = jack_port_get_buffer(s->out_port, n);
    const float *in = jack_port_get_buffer(s->in_port, n);
    int st = atomic_load_explicit(&s->state, memory_order_acquire);
    if (st == ST_ARMED) {
        const jack_nframes_t now = jack_last_frame_time(s->client);
        if ((int32_t)(now - s->start_at) >= 0) {
            s->start_frame = now;
            st = ST_RUNNING;
            atomic_store_explicit(&s->state, st, memory_order_release);
        }
    }
    if (st != ST_RUNNING) {
        memset(out, 0, n * sizeof *out);
        return 0;
    }
    size_t pos = atomic_load_explicit(&s->pos, memory_order_relaxed);
    for (jack_nframes_t i = 0; i < n; i++, pos++) {
        out[i] = pos < s->play_len && pos < s->run_len ? s->play[pos] : 0.0f;
        if (s->cap && pos < s->run_len)
            s->cap[pos] = in[i];
    }
    atomic_store_explicit(&s->pos, pos, memory_order_release);
    if (pos >= s->run_len)
        atomic_store_explicit(&s->state, ST_DONE, memory_order_release);
    return 0;
}

static int on_xrun(void *arg)
{
    jio *s = arg;
    atomic_fetch_add(&s->xruns, 1);
    return 0;
}

static void on_shutdown(jack_status_t code, const char *reason, void *arg)
{
    jio *s = arg;
    (void)code;
    (void)reason;
    atomic_store(&s->server_lost, 1);
}

/* Make `src` the only port feeding input port `dst` (both full names).
 * Returns how many other connections were removed. */
static unsigned keep_only_source(jack_client_t *c, const char *dst, const char *src)
{
    jack_port_t *p = jack_port_by_name(c, dst);
    if (!p)
        return 0;
    unsigned removed = 0;
    int have = 0;
    const char **conns = jack_port_get_all_connections(c, p);
    for (size_t i = 0; conns && conns[i]; i++) {
        if (!strcmp(conns[i], src))
            have = 1;
        else if (jack_disconnect(c, conns[i], dst) == 0)
            removed++;
    }
    if (conns)
        jack_free(conns);
    if (!have && jack_port_by_name(c, src)) {
        const int r = jack_connect(c, src, dst);
        if (r != 0 && r != EEXIST)
            fprintf(stderr, "jack_io: cannot connect %s to %s\n", src, dst);
    }
    return removed;
}

static float *read_mono(const char *path, unsigned *rate, size_t *frames)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f) {
        fprintf(stderr, "jack_io: cannot read %s: %s\n", path, sf_strerror(NULL));
        return NULL;
    }
    const size_t n = (size_t)info.frames, ch = (size_t)info.channels;
    float *all = malloc((n ? n : 1) * ch * sizeof *all);
    float *mono = malloc((n ? n : 1) * sizeof *mono);
    if (!all || !mono || sf_readf_float(f, all, (sf_count_t)n) != (sf_count_t)n) {
        fprintf(stderr, "jack_io: cannot read the samples of %s\n", path);
        free(all);
        free(mono);
        sf_close(f);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        mono[i] = all[i * ch]; /* channel 1 */
    free(all);
    sf_close(f);
    *rate = (unsigned)info.samplerate;
    *frames = n;
    return mono;
}

static int write_mono(const char *path, const float *x, size_t frames, unsigned rate)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = (int)rate;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE *f = sf_open(path, SFM_WRITE, &info);
    if (!f) {
        fprintf(stderr, "jack_io: cannot write %s: %s\n", path, sf_strerror(NULL));
        return -1;
    }
    const int ok = sf_writef_float(f, x, (sf_count_t)frames) == (sf_count_t)frames;
    if (sf_close(f) != 0 || !ok) {
        fprintf(stderr, "jack_io: error writing %s\n", path);
        return -1;
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: jack_io [--name CLIENT] [--play IN.wav --to PORT] "
               "[--capture OUT.wav --from PORT]\n"
               "               [--seconds S] [--wait S] [--timeout S]\n");
}

int main(int argc, char **argv)
{
    const char *name = "jack_io", *play_path = NULL, *cap_path = NULL, *to = NULL, *from = NULL;
    double seconds = -1.0, wait_s = 1.0, timeout_s = 10.0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            usage(stderr);
            return 2;
        }
        const char *v = argv[++i];
        char *end = NULL;
        if (!strcmp(a, "--name"))
            name = v;
        else if (!strcmp(a, "--play"))
            play_path = v;
        else if (!strcmp(a, "--capture"))
            cap_path = v;
        else if (!strcmp(a, "--to"))
            to = v;
        else if (!strcmp(a, "--from"))
            from = v;
        else if (!strcmp(a, "--seconds") || !strcmp(a, "--wait") || !strcmp(a, "--timeout")) {
            const double x = strtod(v, &end);
            if (*end || !(x >= 0) || x > 3600) {
                fprintf(stderr, "jack_io: bad value for %s: %s\n", a, v);
                return 2;
            }
            if (!strcmp(a, "--seconds"))
                seconds = x;
            else if (!strcmp(a, "--wait"))
                wait_s = x;
            else
                timeout_s = x;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!play_path != !to || !cap_path != !from || (!play_path && seconds < 0)) {
        fprintf(stderr, "jack_io: --play needs --to, --capture needs --from, "
                        "and without --play give --seconds\n");
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    jio s;
    memset(&s, 0, sizeof s);
    atomic_init(&s.state, ST_IDLE);
    atomic_init(&s.pos, 0);
    atomic_init(&s.xruns, 0);
    atomic_init(&s.server_lost, 0);
    float *play = NULL;
    unsigned file_rate = 0;
    int status = 1, active = 0;
    unsigned stray = 0;

    if (play_path && !(play = read_mono(play_path, &file_rate, &s.play_len))) {
        status = 4;
        goto out;
    }
    s.play = play;

    jack_status_t jst;
    s.client = jack_client_open(name, JackNoStartServer | JackUseExactName, &jst);
    if (!s.client) {
        fprintf(stderr,
                "jack_io: cannot open JACK client '%s' (status 0x%x): "
                "is the server running?\n",
                name, (unsigned)jst);
        goto out;
    }
    const unsigned rate = jack_get_sample_rate(s.client);
    const unsigned period = jack_get_buffer_size(s.client);
    if (play && file_rate != rate) {
        fprintf(stderr, "jack_io: %s is at %u Hz, the JACK server at %u Hz\n", play_path, file_rate,
                rate);
        goto out;
    }
    s.run_len = seconds >= 0 ? (size_t)(seconds * rate + 0.5) : s.play_len;
    if (cap_path && !(s.cap = calloc(s.run_len ? s.run_len : 1, sizeof *s.cap))) {
        fprintf(stderr, "jack_io: out of memory\n");
        goto out;
    }
    s.out_port = jack_port_register(s.client, "out", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
    s.in_port = jack_port_register(s.client, "in", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    if (!s.out_port || !s.in_port) {
        fprintf(stderr, "jack_io: cannot register ports\n");
        goto out;
    }
    jack_set_process_callback(s.client, process, &s);
    jack_set_xrun_callback(s.client, on_xrun, &s);
    jack_on_info_shutdown(s.client, on_shutdown, &s);
    if (jack_activate(s.client) != 0) {
        fprintf(stderr, "jack_io: cannot activate the client\n");
        goto out;
    }
    active = 1;

    const char *our_out = jack_port_name(s.out_port), *our_in = jack_port_name(s.in_port);
    const double t_wait = now_s();
    for (;;) {
        const int have_to = !to || jack_port_by_name(s.client, to);
        const int have_from = !from || jack_port_by_name(s.client, from);
        if (have_to && have_from)
            break;
        if (atomic_load(&stop_requested) || atomic_load(&s.server_lost) ||
            now_s() - t_wait > timeout_s) {
            fprintf(stderr, "jack_io: port %s did not appear within %.1f s\n", have_to ? from : to,
                    timeout_s);
            goto out;
        }
        sleep_ms(10);
    }
    /* order matters: see the comment at the top */
    if (to)
        keep_only_source(s.client, to, our_out);
    if (from)
        keep_only_source(s.client, our_in, from);

    s.start_at = jack_frame_time(s.client) + (jack_nframes_t)(wait_s * rate + 0.5);
    atomic_store_explicit(&s.state, ST_ARMED, memory_order_release);

    int announced = 0;
    for (;;) {
        if (atomic_load(&s.server_lost))
            break;
        const int st = atomic_load_explicit(&s.state, memory_order_acquire);
        if (st >= ST_RUNNING && !announced) {
            printf("{\"event\":\"start\",\"frame\":%u}\n", (unsigned)s.start_frame);
            fflush(stdout);
            announced = 1;
        }
        if (st == ST_DONE || atomic_load(&stop_requested))
            break;
        const unsigned removed = (to ? keep_only_source(s.client, to, our_out) : 0) +
                                 (from ? keep_only_source(s.client, our_in, from) : 0);
        if (st >= ST_RUNNING)
            stray += removed;
        sleep_ms(5);
    }
    const int lost = atomic_load(&s.server_lost);
    if (!lost) {
        jack_deactivate(s.client); /* the process thread has stopped after this */
        active = 0;
    }
    const int started = atomic_load_explicit(&s.state, memory_order_acquire) >= ST_RUNNING;
    size_t ran = atomic_load_explicit(&s.pos, memory_order_acquire);
    if (ran > s.run_len)
        ran = s.run_len;
    status = lost ? 3 : 0;
    if (lost)
        fprintf(stderr, "jack_io: the JACK server went away after %zu frames\n", ran);
    if (cap_path && write_mono(cap_path, s.cap, ran, rate) != 0)
        status = 4;
    printf("{\"event\":\"stop\",\"rate\":%u,\"period\":%u,\"started\":%s,"
           "\"play_start_frame\":%u,\"capture_start_frame\":%u,\"played_frames\":%zu,"
           "\"captured_frames\":%zu,\"xruns\":%u,\"stray_disconnects\":%u,"
           "\"server_lost\":%s,\"interrupted\":%s}\n",
           rate, period, started ? "true" : "false", (unsigned)s.start_frame,
           (unsigned)s.start_frame, play ? (ran < s.play_len ? ran : s.play_len) : 0,
           cap_path ? ran : 0, atomic_load(&s.xruns), stray, lost ? "true" : "false",
           atomic_load(&stop_requested) ? "true" : "false");
    fflush(stdout);

out:
    if (s.client && !atomic_load(&s.server_lost)) {
        if (active)
            jack_deactivate(s.client);
        jack_client_close(s.client);
    }
    free(s.cap);
    free(play);
    return status;
}
