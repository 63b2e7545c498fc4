/* audiolog.c — routing libasound's and libjack's messages (audiolog.h). */
#include "audiolog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef BX_HAVE_ALSA_LOG
#include <alsa/asoundlib.h>
#endif
#ifdef BX_HAVE_JACK_LOG
#include <jack/jack.h>
#endif

#if defined(BX_HAVE_ALSA_LOG) || defined(BX_HAVE_JACK_LOG)
static int shown(void)
{
    const char *v = getenv("BXLIVE_AUDIO_LOG");
    return v && v[0] && strcmp(v, "0") != 0;
}
#endif

#ifdef BX_HAVE_ALSA_LOG
static void alsa_log(const char *file, int line, const char *function, int err, const char *fmt,
                     ...)
{
    (void)file, (void)line, (void)function, (void)err;
    if (!shown())
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("ALSA: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
#endif

#ifdef BX_HAVE_JACK_LOG
static void jack_log(const char *msg)
{
    if (shown())
        fprintf(stderr, "JACK: %s\n", msg);
}
#endif

void audiolog_install(void)
{
#ifdef BX_HAVE_ALSA_LOG
    snd_lib_error_set_handler(alsa_log);
#endif
#ifdef BX_HAVE_JACK_LOG
    jack_set_error_function(jack_log);
    jack_set_info_function(jack_log);
#endif
}
