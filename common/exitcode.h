/*
 * exitcode.h — exit statuses shared by bxanalyze, bxlive and bxgen (the README's
 * "Exit codes" table lists the same numbers).
 */
#ifndef BX_COMMON_EXITCODE_H
#define BX_COMMON_EXITCODE_H

enum {
    BX_EXIT_OK = 0,           /* success */
    BX_EXIT_INTERNAL = 1,     /* out of memory or an unexpected internal failure */
    BX_EXIT_USAGE = 2,        /* bad command line */
    BX_EXIT_PRESET = 3,       /* preset missing, unreadable or invalid (or unusable at this rate) */
    BX_EXIT_INPUT = 4,        /* input audio missing, unreadable or unsupported */
    BX_EXIT_OUTPUT = 5,       /* output cannot be written (or would overwrite the input) */
    BX_EXIT_DEVICE = 6,       /* audio device or stream failure (live) */
    BX_EXIT_INTERRUPTED = 130 /* stopped by SIGINT/SIGTERM before finishing an offline job */
};

#endif /* BX_COMMON_EXITCODE_H */
