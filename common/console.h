/*
 * console.h — what bxanalyze and bxlive need from a terminal, the same on
 * every platform: command-line arguments in UTF-8, UTF-8 text on the console,
 * and a last chance to finish cleanly when the console goes away.
 *
 * Elsewhere than Windows all three are already so, and these functions do
 * nothing. On Windows main() receives its arguments in the ANSI code page,
 * which cannot hold most file names, and the console shows text in its OEM
 * code page; closing the console window ends the process a few seconds later
 * without a signal. bx prints no ANSI escape sequences (progress and meters
 * redraw with a carriage return), so any console shows them as they are.
 */
#ifndef BX_COMMON_CONSOLE_H
#define BX_COMMON_CONSOLE_H

/** How long the close handler waits for console_finished(), ms (Windows ends
 * the process about 5 s after the console closes). */
#define CONSOLE_CLOSE_WAIT_MS 4500u

/**
 * Windows: replace *argc / *argv with the UTF-8 form of the wide-character
 * command line (kept for the life of the program), and switch the console's
 * output code page to UTF-8 until exit. Returns 0, or -1 if out of memory
 * (the arguments are then left as they were). Elsewhere: returns 0.
 */
int console_init(int *argc, char ***argv);

/**
 * GNU-style "--name=value": each such argument (before a lone "--") whose
 * name is one of `with_value` (a NULL-terminated list of the long options
 * that take a value) becomes the two arguments "--name" "value", so those
 * options take their value either way. *argv is replaced by a new array,
 * kept for the life of the program. Returns 0; -1 if out of memory; -2 with
 * *bad set to the argument when an option not in the list is given "=..."
 * (it takes no value). On an error the arguments are left as they were.
 */
int console_split_long_options(int *argc, char ***argv, const char *const *with_value,
                               const char **bad);
extern char **console_split_args; /* the array it made (NULL if none) */

/**
 * The start of a program's main(): console_init, then
 * console_split_long_options. On a failure prints one line, "PROG: ..."
 * (an option given "=value" that takes none, or out of memory), and returns
 * the exit status (BX_EXIT_USAGE, BX_EXIT_INTERNAL); else returns 0.
 */
int console_start(const char *prog, int *argc, char ***argv, const char *const *with_value);

/**
 * Windows: when the console window is closed, or the user logs off or the
 * system shuts down, call stop() (from another thread; it must only set
 * flags) and hold the process for up to CONSOLE_CLOSE_WAIT_MS until the
 * program calls console_finished(), so a recording is finalised. Ctrl+C and
 * Ctrl+Break stay with signal() (SIGINT, SIGBREAK). Elsewhere: nothing.
 */
void console_on_close(void (*stop)(void));

/** The program has finished its files: a pending close may proceed. */
void console_finished(void);

/**
 * Call handler(sig) on every delivery of signal sig, not only the first:
 * sigaction without SA_RESETHAND where there is one (signal() there may
 * reset the handler after one delivery, System V style), and on Windows a
 * handler that re-installs itself before it calls `handler`. The handler
 * must only set flags. Returns 0, or -1 if sig cannot be handled.
 */
int console_on_signal(int sig, void (*handler)(int));

/**
 * A time as users write it: seconds ("75", "75.5") or minutes and seconds
 * ("1:15", "1:15.5"), or hours too ("1:02:03"); minutes and seconds after a
 * ':' are below 60. Sets *seconds (>= 0) and returns 0, or -1 if s is none
 * of these.
 */
int console_parse_time(const char *s, double *seconds);

#endif
