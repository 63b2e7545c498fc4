/* devices.h — PortAudio's host APIs and devices as bxlive names them
 * (--host, --input, --output, --list-devices). */
#ifndef BX_LIVE_DEVICES_H
#define BX_LIVE_DEVICES_H

#include <portaudio.h>

/* Host API index for a --host name; -1 (message printed) if unknown or absent. */
PaHostApiIndex find_host(const char *name);

/* A device of host h by index or name substring, with input (want_in) or output. */
PaDeviceIndex find_device(PaHostApiIndex h, const char *spec, int want_in);

#endif
