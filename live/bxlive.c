/* bxlive — run a bx preset on a live microphone, or offline with --render. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/chain.h"
#include "bx/exitcode.h"
#include "bx/version.h"
#include "render.h"

static const char usage_text[] =
    "usage: bxlive PRESET --render IN OUT [--bits 16|24|32|float] [--block FRAMES]\n"
    "                                     [--bypass] [--quiet]\n"
    "       bxlive --help | --version\n";

static const char help_text[] =
    "Run a bx preset (EQ, compressor, safety limiter) on audio.\n"
    "\n"
    "  --render IN OUT   process the audio file IN through PRESET into OUT, offline,\n"
    "                    with the same block function the live monitor uses. OUT has\n"
    "                    IN's rate and channels; its format follows the extension\n"
    "                    (.wav .flac .aiff .caf .w64 .rf64 .au .ogg .opus .mp3).\n"
    "                    OUT is written to a temporary file and renamed when complete,\n"
    "                    so it is replaced only by a finished render; IN is never\n"
    "                    overwritten.\n"
    "  --bits B          sample encoding of OUT: 16, 24, 32 (integer) or float.\n"
    "                    Default: float (24 for FLAC).\n"
    "  --block FRAMES    frames per engine call (default 128, like the live callback);\n"
    "                    the output is identical for every block size.\n"
    "  --bypass          start bypassed (the input passes unchanged).\n"
    "  --quiet           no summary line.\n"
    "  --help, --version\n"
    "\n"
    "Live monitoring (PortAudio) is not in this build yet: only --render runs.\n"
    "\n"
    "Exit codes: 0 ok, 1 internal error, 2 usage, 3 preset, 4 input audio,\n"
    "5 output file, 6 audio device, 130 interrupted.\n";

static void on_signal(int sig)
{
    (void)sig;
    render_stop = 1;
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "bxlive: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage_text);
    return BX_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    render_opts o;
    memset(&o, 0, sizeof o);
    o.block_frames = BX_DEFAULT_BLOCK;
    int render = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("bxlive %s\n\n%s\n%s", BX_VERSION_STRING, usage_text, help_text);
            return BX_EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            printf("bxlive %s\n", BX_VERSION_STRING);
            return BX_EXIT_OK;
        } else if (strcmp(a, "--render") == 0) {
            if (i + 2 >= argc)
                return usage_error("%s needs two files: IN OUT", a);
            render = 1;
            o.in_path = argv[++i];
            o.out_path = argv[++i];
        } else if (strcmp(a, "--bits") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value (16, 24, 32 or float)", a);
            if (bx_audio_encoding_parse(argv[++i], &o.encoding) != 0)
                return usage_error("--bits: \"%s\" is not 16, 24, 32 or float", argv[i]);
        } else if (strcmp(a, "--block") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a frame count", a);
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 65536)
                return usage_error("--block: \"%s\" is not a frame count in 1..65536", argv[i]);
            o.block_frames = (unsigned)v;
        } else if (strcmp(a, "--bypass") == 0) {
            o.bypass = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option %s", a);
        } else if (!o.preset_path) {
            o.preset_path = a;
        } else {
            return usage_error("unexpected argument \"%s\"", a);
        }
    }
    if (!o.preset_path)
        return usage_error("%s", "no preset given");
    if (!render)
        return usage_error("%s", "live monitoring is not in this build yet; use --render IN OUT");

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    return render_run(&o);
}
