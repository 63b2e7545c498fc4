/* pa_passthrough — the latency reference for test_live_jack: a bare PortAudio
 * full-duplex stream on the JACK host API that copies input channel 1 to
 * output channel 1 and does nothing else. bxlive's round trip through the
 * JACK graph must equal this one: whatever this program measures is the cost
 * of PortAudio and JACK, everything beyond it would be bxlive's.
 *
 *   pa_passthrough [--name CLIENT] [--seconds S] [--buffer FRAMES]
 *
 * --name     JACK client name (default bxpt); its ports are CLIENT:in_1 and
 *            CLIENT:out_1, auto-connected by PortAudio to the system ports.
 * --seconds  run time; 0 (the default) runs until SIGINT or SIGTERM.
 * --buffer   frames per callback; 0 (the default) lets JACK decide
 *            (paFramesPerBufferUnspecified, one callback per JACK period).
 *
 * stdout: {"event":"start",...} once the stream runs, then one summary object
 * with the xrun count (callbacks flagged input overflow or output underflow).
 * Exit status: 0 stopped as asked, 2 usage, 6 no JACK host API / stream
 * failure / the stream died (e.g. the JACK server went away).
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tooltime.h"

#include <pa_jack.h>
#include <portaudio.h>

typedef struct pt_state {
    atomic_ulong xruns; /* callbacks with an overflow/underflow flag */
    atomic_ulong callbacks;
    atomic_ullong frames;
} pt_state;

static int passthrough(const void *input, void *output, unsigned long frames,
                       const PaStreamCallbackTimeInfo *time_info, PaStreamCallbackFlags flags,
                       void *user)
{
    pt_state *s = user;
    (void)time_info;
    if (input)
        memcpy(output, input, frames * sizeof(float));
    else
        memset(output, 0, frames * sizeof(float));
    if (flags & (paInputOverflow | paOutputUnderflow))
        atomic_fetch_add_explicit(&s->xruns, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->callbacks, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->frames, frames, memory_order_relaxed);
    return paContinue;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: pa_passthrough [--name CLIENT] [--seconds S] [--buffer FRAMES]\n");
}

int main(int argc, char **argv)
{
    const char *name = "bxpt";
    double seconds = 0.0;
    long buffer = 0;
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
        char *end = NULL;
        if (!strcmp(a, "--name")) {
            name = argv[++i];
        } else if (!strcmp(a, "--seconds")) {
            seconds = strtod(argv[++i], &end);
            if (*end || !(seconds >= 0)) {
                fprintf(stderr, "pa_passthrough: bad --seconds\n");
                return 2;
            }
        } else if (!strcmp(a, "--buffer")) {
            buffer = strtol(argv[++i], &end, 10);
            if (*end || buffer < 0) {
                fprintf(stderr, "pa_passthrough: bad --buffer\n");
                return 2;
            }
        } else {
            usage(stderr);
            return 2;
        }
    }

    pt_state st;
    atomic_init(&st.xruns, 0);
    atomic_init(&st.callbacks, 0);
    atomic_init(&st.frames, 0);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int status = 6, initialized = 0, died = 0;
    PaStream *stream = NULL;
    PaError err = PaJack_SetClientName(name);
    if (err != paNoError)
        goto pa_fail;
    err = Pa_Initialize();
    if (err != paNoError)
        goto pa_fail;
    initialized = 1;

    const PaHostApiIndex api = Pa_HostApiTypeIdToHostApiIndex(paJACK);
    if (api < 0) {
        fprintf(stderr, "pa_passthrough: PortAudio has no JACK host API here "
                        "(is a JACK server running?)\n");
        goto out;
    }
    const PaHostApiInfo *info = Pa_GetHostApiInfo(api);
    if (!info || info->defaultInputDevice < 0 || info->defaultOutputDevice < 0) {
        fprintf(stderr, "pa_passthrough: the JACK host API has no default input/output device\n");
        goto out;
    }
    const PaDeviceInfo *din = Pa_GetDeviceInfo(info->defaultInputDevice);
    PaStreamParameters in = {info->defaultInputDevice, 1, paFloat32, din->defaultLowInputLatency,
                             NULL};
    PaStreamParameters outp = {info->defaultOutputDevice, 1, paFloat32,
                               Pa_GetDeviceInfo(info->defaultOutputDevice)->defaultLowOutputLatency,
                               NULL};
    const double rate = din->defaultSampleRate;
    err = Pa_OpenStream(&stream, &in, &outp, rate,
                        buffer ? (unsigned long)buffer : paFramesPerBufferUnspecified,
                        paClipOff | paDitherOff, passthrough, &st);
    if (err != paNoError)
        goto pa_fail;
    err = Pa_StartStream(stream);
    if (err != paNoError)
        goto pa_fail;
    const PaStreamInfo *si = Pa_GetStreamInfo(stream);
    printf("{\"event\":\"start\",\"client\":\"%s\",\"rate\":%.0f,\"input_latency_s\":%.6f,"
           "\"output_latency_s\":%.6f}\n",
           name, rate, si ? si->inputLatency : -1.0, si ? si->outputLatency : -1.0);
    fflush(stdout);

    const double t0 = now_s();
    while (!atomic_load(&stop_requested) && (seconds <= 0 || now_s() - t0 < seconds)) {
        if (Pa_IsStreamActive(stream) != 1) {
            died = 1;
            break;
        }
        sleep_ms(10);
    }
    const double ran = now_s() - t0;
    if (died) {
        fprintf(stderr,
                "pa_passthrough: the stream stopped by itself after %.2f s "
                "(JACK server gone?)\n",
                ran);
    } else {
        err = Pa_StopStream(stream);
        if (err != paNoError)
            goto pa_fail;
    }
    printf("{\"event\":\"stop\",\"seconds\":%.3f,\"xruns\":%lu,\"callbacks\":%lu,"
           "\"frames\":%llu,\"died\":%s}\n",
           ran, atomic_load(&st.xruns), atomic_load(&st.callbacks), atomic_load(&st.frames),
           died ? "true" : "false");
    fflush(stdout);
    status = died ? 6 : 0;
    goto out;

pa_fail:
    fprintf(stderr, "pa_passthrough: PortAudio: %s\n", Pa_GetErrorText(err));
out:
    if (stream && !died)
        Pa_CloseStream(stream);
    if (initialized && !died)
        Pa_Terminate();
    return status;
}
