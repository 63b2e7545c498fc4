/*
 * audiolog.h — the audio libraries' own messages. ALSA's libasound and
 * libjack print to stderr while PortAudio probes devices (some 60 "ALSA lib
 * ..." lines on a machine without a sound card, JACK's "Cannot connect to
 * server" when no server runs). bxlive says what matters itself, so they are
 * dropped, unless the environment variable BXLIVE_AUDIO_LOG is set (to
 * anything but "" or "0"): then they go to stderr, prefixed with their
 * library's name. Only builds that link libasound or libjack directly (found
 * by pkg-config) can route them; elsewhere this does nothing.
 */
#ifndef BX_LIVE_AUDIOLOG_H
#define BX_LIVE_AUDIOLOG_H

/* Install the handlers (before Pa_Initialize). Idempotent. */
void audiolog_install(void);

#endif
