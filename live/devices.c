/* devices.c — host APIs and devices (devices.h; live_list_devices in live.h). */
#include "devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audiolog.h"
#include "exitcode.h"
#include "live.h"

#ifdef __linux__
#include <pa_jack.h>
#endif
#if defined(_WIN32) && defined(__has_include)
#if __has_include(<pa_asio.h>)
#include <pa_asio.h>
#define HAVE_PA_ASIO 1
#endif
#endif

static const struct {
    const char *name;
    PaHostApiTypeId id;
} hosts[] = {{"asio", paASIO},   {"wasapi", paWASAPI},
             {"wdmks", paWDMKS}, {"directsound", paDirectSound},
             {"mme", paMME},     {"coreaudio", paCoreAudio},
             {"alsa", paALSA},   {"jack", paJACK},
             {"oss", paOSS}};

static void list_hosts(FILE *f)
{
    fprintf(f, "host APIs in this build:");
    for (PaHostApiIndex h = 0; h < Pa_GetHostApiCount(); h++) {
        const PaHostApiInfo *hi = Pa_GetHostApiInfo(h);
        const char *key = "?";
        for (size_t k = 0; k < sizeof hosts / sizeof *hosts; k++)
            if (hosts[k].id == hi->type)
                key = hosts[k].name;
        fprintf(f, " %s (%s, %d devices)", key, hi->name, hi->deviceCount);
    }
    fprintf(f, "\n");
}

/* Host API index for a --host name; -1 (message printed) if unknown or absent. */
PaHostApiIndex find_host(const char *name)
{
    if (!name)
        return Pa_GetDefaultHostApi();
    for (size_t k = 0; k < sizeof hosts / sizeof *hosts; k++) {
        if (strcmp(hosts[k].name, name) == 0) {
            PaHostApiIndex h = Pa_HostApiTypeIdToHostApiIndex(hosts[k].id);
            if (h >= 0)
                return h;
            break;
        }
    }
    fprintf(stderr, "bxlive: --host %s: not available%s; ", name,
            strcmp(name, "jack") == 0 ? " (is a JACK server running?)" : "");
    list_hosts(stderr);
    return -1;
}

static int contains_ci(const char *hay, const char *needle)
{
    const size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        size_t k = 0;
        while (k < n && p[k] &&
               (p[k] | 0x20) == (needle[k] | 0x20) /* ASCII case folding is enough here */)
            k++;
        if (k == n)
            return 1;
    }
    return n == 0;
}

/* A device of host h by index or name substring, with input (want_in) or output. */
PaDeviceIndex find_device(PaHostApiIndex h, const char *spec, int want_in)
{
    const PaHostApiInfo *hi = Pa_GetHostApiInfo(h);
    if (!spec)
        return want_in ? hi->defaultInputDevice : hi->defaultOutputDevice;
    char *end;
    long idx = strtol(spec, &end, 10);
    if (*end == '\0') {
        if (idx >= 0 && idx < Pa_GetDeviceCount())
            return (PaDeviceIndex)idx;
        return paNoDevice;
    }
    for (int i = 0; i < hi->deviceCount; i++) {
        PaDeviceIndex d = Pa_HostApiDeviceIndexToDeviceIndex(h, i);
        const PaDeviceInfo *di = Pa_GetDeviceInfo(d);
        if ((want_in ? di->maxInputChannels : di->maxOutputChannels) > 0 &&
            contains_ci(di->name, spec))
            return d;
    }
    return paNoDevice;
}

int live_list_devices(const char *host)
{
#ifdef __linux__
    PaJack_SetClientName("bxlive");
#endif
    audiolog_install();
    PaError e = Pa_Initialize();
    if (e != paNoError) {
        fprintf(stderr, "bxlive: PortAudio: %s\n", Pa_GetErrorText(e));
        return BX_EXIT_DEVICE;
    }
    int rc = BX_EXIT_OK;
    PaHostApiIndex only = -1;
    if (host && (only = find_host(host)) < 0) {
        rc = BX_EXIT_USAGE;
        goto out;
    }
    printf("%-5s %-12s %-40s %4s %4s %8s %14s\n", "index", "host", "name", "in", "out", "rate",
           "low latency ms");
    for (PaDeviceIndex d = 0; d < Pa_GetDeviceCount(); d++) {
        const PaDeviceInfo *di = Pa_GetDeviceInfo(d);
        if (only >= 0 && di->hostApi != only)
            continue;
        const PaHostApiInfo *hi = Pa_GetHostApiInfo(di->hostApi);
        const char *key = hi->name;
        for (size_t k = 0; k < sizeof hosts / sizeof *hosts; k++)
            if (hosts[k].id == hi->type)
                key = hosts[k].name;
        printf("%-5d %-12s %-40.40s %4d %4d %8.0f %6.1f/%-6.1f%s\n", d, key, di->name,
               di->maxInputChannels, di->maxOutputChannels, di->defaultSampleRate,
               1000.0 * di->defaultLowInputLatency, 1000.0 * di->defaultLowOutputLatency,
               (d == hi->defaultInputDevice || d == hi->defaultOutputDevice) ? "  (default)" : "");
#ifdef HAVE_PA_ASIO
        long mn, mx, pref, gran;
        if (hi->type == paASIO &&
            PaAsio_GetAvailableBufferSizes(d, &mn, &mx, &pref, &gran) == paNoError)
            printf("      ASIO buffer sizes: %ld..%ld frames, preferred %ld, granularity %ld\n", mn,
                   mx, pref, gran);
#endif
    }
out:
    Pa_Terminate();
    return rc;
}
