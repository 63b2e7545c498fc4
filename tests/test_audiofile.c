/* test_audiofile — audio held in memory reads exactly as the same bytes in a file.
 *
 * For every file of the fuzz seed corpus (tests/fuzz/corpus/audio: every
 * container bx reads, odd signals, damaged headers, the fuzzers' findings),
 * bx_audio_open_memory on the file's bytes and bx_audio_open on the file:
 *  - accept or refuse alike, with the same status and the same message
 *    (both are given the path as the name);
 *  - report the same rate, channels, frame count and format;
 *  - read the same frames, bit for bit, in 1000-frame calls.
 * And bx_audio_open_memory refuses MPEG data unless the name ends in .mp3,
 * NULL data with a size, and empty input. (POSIX) A writer's temporary file
 * is removed by bx_temp_remove_all() from a SIGTERM handler: a child process
 * that is writing a render raises SIGTERM and leaves nothing in the folder;
 * a finished render is no longer listed (its handler removes nothing).
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/audiofile.h"
#include "bx/fsutil.h"
#include "testutil.h"

static int checks;

#ifndef _WIN32
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void remove_and_exit(int sig)
{
    (void)sig;
    bx_temp_remove_all();
    _exit(0);
}

/* Entries of dir (but . and ..). */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

/* A child writes out.wav (finished first when `finish`) and raises SIGTERM;
 * returns the entries left in dir. */
static int signalled_writer(const char *dir, int finish)
{
    const pid_t pid = fork();
    if (pid == 0) {
        signal(SIGTERM, remove_and_exit);
        char out[1024];
        snprintf(out, sizeof out, "%s/out.wav", dir);
        bx_audio_writer *w;
        bx_error err;
        static float buf[48000];
        if (bx_audio_writer_create(out, 48000, 1, BX_ENC_FLOAT, -1, &w, &err) ||
            bx_audio_writer_write(w, buf, 48000, &err))
            _exit(3);
        if (finish && bx_audio_writer_commit(w, &err))
            _exit(4);
        raise(SIGTERM);
        _exit(5); /* not reached */
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? entries(dir) : -1;
}

static void temp_cleanup(void)
{
    char dir[] = "/tmp/bx-test-temps-XXXXXX";
    if (!mkdtemp(dir)) {
        tu_fail("mkdtemp failed");
        return;
    }
    checks += 2;
    const int left = signalled_writer(dir, 0);
    if (left != 0)
        tu_fail("SIGTERM during a render: %d entries left in the folder (want 0)", left);
    else
        printf("SIGTERM during a render: the temporary file is removed, nothing is left\n");
    const int kept = signalled_writer(dir, 1);
    if (kept != 1)
        tu_fail("SIGTERM after a finished render: %d entries (want the render alone)", kept);
    else
        printf("SIGTERM after a finished render: the render stays\n");
    char out[1100];
    snprintf(out, sizeof out, "%s/out.wav", dir);
    remove(out);
    rmdir(dir);
}
#endif

#define CHUNK 1000

/* Read everything from r into a new buffer of *n floats (NULL, *n = 0 if nothing). */
static float *read_all(bx_audio_reader *r, unsigned channels, size_t *n, bx_error *err)
{
    size_t cap = 0;
    float *all = NULL;
    *n = 0;
    for (;;) {
        if (cap - *n < (size_t)CHUNK * channels) {
            cap = cap ? 2 * cap : (size_t)CHUNK * channels * 4;
            float *m = realloc(all, cap * sizeof *m);
            if (!m)
                break;
            all = m;
        }
        const long long got = bx_audio_read(r, all + *n, CHUNK, err);
        if (got <= 0)
            break;
        *n += (size_t)got * channels;
    }
    return all;
}

static void compare(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    bx_error err;
    if (bx_file_read_all(path, 1 << 24, &data, &len, &err)) {
        tu_fail("%s", err.msg);
        return;
    }
    bx_audio_reader *rf = NULL, *rm = NULL;
    bx_audio_info fi, mi;
    bx_error ef, em;
    memset(&fi, 0, sizeof fi);
    memset(&mi, 0, sizeof mi);
    bx_error_clear(&ef);
    bx_error_clear(&em);
    const bx_status sf = bx_audio_open(path, &rf, &fi, &ef);
    const bx_status sm = bx_audio_open_memory(data, len, path, &rm, &mi, &em);
    checks++;
    if (sf != sm || strcmp(ef.msg, em.msg) != 0) {
        tu_fail("%s: file: %s \"%s\", memory: %s \"%s\"", path, bx_strerror(sf), ef.msg,
                bx_strerror(sm), em.msg);
    } else if (sf) {
        printf("  refused alike: %s\n", ef.msg);
    } else {
        checks += 2;
        if (fi.rate_hz != mi.rate_hz || fi.channels != mi.channels || fi.frames != mi.frames ||
            strcmp(fi.format, mi.format) != 0)
            tu_fail("%s: file %g Hz %u ch %lld frames (%s), memory %g Hz %u ch %lld frames (%s)",
                    path, fi.rate_hz, fi.channels, fi.frames, fi.format, mi.rate_hz, mi.channels,
                    mi.frames, mi.format);
        size_t nf, nm;
        float *af = read_all(rf, fi.channels, &nf, &ef);
        float *am = read_all(rm, mi.channels, &nm, &em);
        if (nf != nm || (nf && memcmp(af, am, nf * sizeof *af) != 0))
            tu_fail("%s: file and memory read different samples (%zu and %zu)", path, nf, nm);
        else
            printf("  read alike: %g Hz, %u ch, %zu frames, %s\n", fi.rate_hz, fi.channels,
                   nf / fi.channels, fi.format);
        free(af);
        free(am);
    }
    bx_audio_close(rf);
    bx_audio_close(rm);
    bx_free(data);
}

int main(void)
{
    const char *dir = BX_AUDIO_CORPUS;
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return 1;
    }
    struct dirent *e;
    char path[1024];
    int files = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        printf("%s\n", e->d_name);
        compare(path);
        files++;
    }
    closedir(d);
    checks++;
    if (files < 10)
        tu_fail("%s: only %d files", dir, files);

    /* refusals of the memory variant alone */
    static const unsigned char mpeg[] = {0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0};
    bx_audio_reader *r = NULL;
    bx_audio_info info;
    bx_error err;
    checks += 4;
    if (bx_audio_open_memory(mpeg, sizeof mpeg, "take.wav", &r, &info, &err) != BX_ERR_AUDIO ||
        !strstr(err.msg, "MPEG data"))
        tu_fail("MPEG data named .wav was not refused as such: %s", err.msg);
    else
        printf("MPEG data named .wav: %s\n", err.msg);
    if (bx_audio_open_memory(NULL, 10, "null", &r, &info, &err) != BX_ERR_ARG)
        tu_fail("NULL data with a size was not refused with BX_ERR_ARG");
    if (bx_audio_open_memory(NULL, 0, "empty", &r, &info, &err) != BX_ERR_AUDIO || r)
        tu_fail("empty input was not refused with BX_ERR_AUDIO");
    else
        printf("empty input: %s\n", err.msg);
    if (bx_audio_open_memory("RIFF", 4, "short.wav", &r, &info, &err) != BX_ERR_AUDIO || r)
        tu_fail("4 bytes of RIFF were not refused with BX_ERR_AUDIO");
#ifndef _WIN32
    temp_cleanup();
#endif
    return tu_finish("test_audiofile", checks);
}
