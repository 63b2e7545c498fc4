/* keys.h — single keys from the terminal while bxlive runs (q, b/a, r),
 * without echo or Enter; nothing when stdin is not a terminal. */
#ifndef BX_LIVE_KEYS_H
#define BX_LIVE_KEYS_H

/** Put the terminal in single-key mode (restored by keys_end). */
void keys_begin(void);

/** The key pressed since the last call, or -1. Never blocks. */
int key_poll(void);

/** 1 if keys can be read: stdin is a terminal. */
int keys_interactive(void);

/** Restore the terminal as keys_begin found it. */
void keys_end(void);

#endif
