/* keys.c — keys.h on POSIX terminals and the Windows console. */
#include "keys.h"

#ifdef _WIN32
#include <conio.h>
#include <io.h>
#include <stdio.h>
#else
#include <termios.h>
#include <unistd.h>
#endif

#ifndef _WIN32
static struct termios saved_tty;
static int tty_raw;

void keys_begin(void)
{
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) != 0)
        return;
    struct termios t = saved_tty;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
        tty_raw = 1;
}

int key_poll(void)
{
    unsigned char c;
    if (tty_raw && read(STDIN_FILENO, &c, 1) == 1)
        return c;
    return -1;
}

int keys_interactive(void)
{
    return isatty(STDIN_FILENO);
}

void keys_end(void)
{
    if (tty_raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
    tty_raw = 0;
}
#else
void keys_begin(void)
{
}
int key_poll(void)
{
    return _isatty(_fileno(stdin)) && _kbhit() ? _getch() : -1;
}
int keys_interactive(void)
{
    return _isatty(_fileno(stdin));
}
void keys_end(void)
{
}
#endif
