/* recorder.c — bxlive's recordings (recorder.h). */
#include "recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef _WIN32
#include <io.h>
#include <windows.h>
#else
#include <unistd.h>
#endif

#include "bx/error.h"
#include "bx/fsutil.h"

/* Test hook: BX_TEST_RECORD_THROTTLE_BPS=N holds the writer to N bytes of
 * samples per second while the stream runs, a disk slower than real time, so
 * that the ring's overflow handling can be tested end to end. Only this
 * thread waits; once stopping, it drains the ring at full speed. */
#define RECORD_THROTTLE_ENV "BX_TEST_RECORD_THROTTLE_BPS"
#define RECORD_CHUNK 8192      /* floats the writer takes from the ring at a time */
#define RECORD_NUMBER_MAX 9999 /* take.wav, take-2.wav, ... take-9999.wav */

/* How many floats the writer may take now: all it can hold, or under the
 * throttle what keeps it at throttle_bps since t0 (written so far: written). */
static size_t recorder_budget(const recorder *rc, int stopping, double t0, double written)
{
    if (rc->throttle_bps <= 0 || stopping)
        return RECORD_CHUNK;
    const double allowed = rc->throttle_bps * (thread_clock_s() - t0) / sizeof(float) - written;
    return allowed <= 0 ? 0 : allowed >= RECORD_CHUNK ? RECORD_CHUNK : (size_t)allowed;
}

static void recorder_main(void *arg)
{
    recorder *rc = arg;
    float buf[RECORD_CHUNK];
    const double t0 = thread_clock_s();
    double written = 0; /* floats */
    for (;;) {
        const int stopping = atomic_load(&rc->stop);
        size_t n;
        while ((n = ring_read(rc->r, buf, recorder_budget(rc, stopping, t0, written))) > 0) {
            /* after a failed write the ring is still drained (the callback
             * must not see it full), but nothing more is written */
            if (!atomic_load(&rc->failed) &&
                sf_write_float(rc->sf, buf, (sf_count_t)n) != (sf_count_t)n) {
                snprintf(rc->why, sizeof rc->why, "%s", sf_strerror(rc->sf));
                atomic_store(&rc->failed, 1);
            }
            written += (double)n;
        }
        if (stopping)
            break;
        thread_sleep_ms(10);
    }
}

/* The libsndfile format of a recording named path, by its extension; 0 if
 * recordings cannot have it. */
int record_format(const char *path)
{
    static const struct {
        const char *ext;
        int format;
    } table[] = {
        {"wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT},   {"wave", SF_FORMAT_WAV | SF_FORMAT_FLOAT},
        {"w64", SF_FORMAT_W64 | SF_FORMAT_FLOAT},   {"rf64", SF_FORMAT_RF64 | SF_FORMAT_FLOAT},
        {"caf", SF_FORMAT_CAF | SF_FORMAT_FLOAT},   {"aif", SF_FORMAT_AIFF | SF_FORMAT_FLOAT},
        {"aiff", SF_FORMAT_AIFF | SF_FORMAT_FLOAT}, {"flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24}};
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
#ifdef _WIN32
    const char *bs = strrchr(path, '\\');
    if (bs && (!slash || bs > slash))
        slash = bs;
#endif
    if (!dot || (slash && dot < slash))
        return 0;
    char ext[8];
    size_t n = 0;
    for (const char *c = dot + 1; *c && n + 1 < sizeof ext; c++)
        ext[n++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    ext[n] = '\0';
    if (strlen(dot + 1) != n)
        return 0;
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(ext, table[i].ext) == 0)
            return table[i].format;
    return 0;
}

/* Create the file for a recording that must not replace anything: path
 * itself, else "stem-2.ext", "stem-3.ext", ... (the first name that is free,
 * taken with O_EXCL so no other writer can slip in between). A device or
 * FIFO is written through. The name used goes to out. -1 (err set) if none
 * could be created. */
static int record_open(const char *path, char *out, size_t out_n, bx_error *err)
{
    char *target = NULL;
    bx_output_kind kind;
    if (bx_output_prepare(path, &target, &kind, err) != BX_OK)
        return -1;
    if (kind == BX_OUTPUT_THROUGH) {
        snprintf(out, out_n, "%s", path);
        const int fd = bx_output_open_through(target, err);
        bx_free(target);
        return fd;
    }
    const char *dot = strrchr(target, '.');
    const size_t stem = dot ? (size_t)(dot - target) : strlen(target);
    int fd = -1;
    for (int k = 1; k <= RECORD_NUMBER_MAX && fd < 0; k++) {
        if (k == 1)
            snprintf(out, out_n, "%s", target);
        else
            snprintf(out, out_n, "%.*s-%d%s", (int)stem, target, k, dot ? dot : "");
#ifdef _WIN32
        wchar_t w[BX_WPATH_MAX];
        fd = bx_widen(out, w)
                 ? _wopen(w, _O_RDWR | _O_CREAT | _O_EXCL | _O_BINARY, _S_IREAD | _S_IWRITE)
                 : -1;
#else
        fd = open(out, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
#endif
        if (fd < 0 && errno != EEXIST) {
            bx_error_set(err, BX_ERR_IO, "%s: cannot create the recording: %s", out,
                         strerror(errno));
            bx_free(target);
            return -1;
        }
    }
    if (fd < 0)
        bx_error_set(err, BX_ERR_IO, "%s: %d numbered names are taken already", path,
                     RECORD_NUMBER_MAX);
    bx_free(target);
    return fd;
}

int recorder_start(recorder *rc, const char *path, double rate, ring *r, int quiet)
{
    SF_INFO si = {0};
    si.samplerate = (int)rate;
    si.channels = 1;
    si.format = record_format(path);
    if (!si.format)
        si.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT; /* a device or FIFO (checked before) */
    rc->sf = NULL;
    bx_error e;
    const int fd = record_open(path, rc->path, sizeof rc->path, &e);
    if (fd < 0) {
        fprintf(stderr, "bxlive: %s\n", e.msg);
        return -1;
    }
    rc->sf = sf_open_fd(fd, SFM_WRITE, &si, SF_TRUE);
    if (!rc->sf) {
        bx_error_set(&e, BX_ERR_IO, "%s: cannot create the recording: %s", rc->path,
                     sf_strerror(NULL));
        fprintf(stderr, "bxlive: %s\n", e.msg);
#ifdef _WIN32
        _close(fd);
#else
        close(fd);
#endif
        return -1;
    }
    if (!quiet && strcmp(rc->path, path) != 0 && !bx_same_file(rc->path, path))
        fprintf(stderr, "bxlive: %s exists: recording to %s\n", path, rc->path);
    /* the header is rewritten after every write: the file is valid however we stop */
    sf_command(rc->sf, SFC_SET_UPDATE_HEADER_AUTO, NULL, SF_TRUE);
    sf_command(rc->sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
    rc->r = r;
    atomic_init(&rc->stop, 0);
    atomic_init(&rc->failed, 0);
    const char *throttle = getenv(RECORD_THROTTLE_ENV);
    rc->throttle_bps = throttle ? strtod(throttle, NULL) : 0.0;
    if (thread_start(&rc->th, recorder_main, rc) != 0) {
        sf_close(rc->sf);
        rc->sf = NULL;
        fprintf(stderr, "bxlive: %s: cannot start the recording thread\n", rc->path);
        return -1;
    }
    rc->running = 1;
    return 0;
}

/* After the recording: say how much a disk slower than real time made the callback drop. */
void report_overflows(const char *path, ring *r)
{
    const size_t n = r ? atomic_load(&r->overflows) : 0;
    if (n)
        fprintf(stderr, "bxlive: %s: the disk was too slow; %zu block(s) were dropped\n", path, n);
}

/* A recording whose writes failed: say so once (on its own line under a
 * meter line), and give the flag for the meter line and the JSON. */
int recorder_check(recorder *rc, int tty)
{
    if (!atomic_load(&rc->failed))
        return 0;
    if (!rc->reported) {
        fprintf(stderr, "%sbxlive: %s: recording failed (%s); what was recorded before is kept\n",
                tty ? "\n" : "", rc->path, rc->why);
        rc->reported = 1;
    }
    return 1;
}

/* the JSON string value of what failed ("null" if nothing) */
const char *recorder_json(const recorder *a, const recorder *b, char *buf, size_t n)
{
    const recorder *f = a->reported ? a : b->reported ? b : NULL;
    if (!f)
        return "null";
    size_t k = 0;
    buf[k++] = '"';
    for (const char *c = f->path; *c && k + 8 < n; c++) {
        if (*c == '"' || *c == '\\')
            buf[k++] = '\\';
        if ((unsigned char)*c >= 0x20)
            buf[k++] = *c;
    }
    buf[k++] = '"';
    buf[k] = '\0';
    return buf;
}

void recorder_finish(recorder *rc)
{
    if (rc->running) {
        atomic_store(&rc->stop, 1);
        thread_join(&rc->th);
        rc->running = 0;
    }
    if (rc->sf) {
        sf_write_sync(rc->sf);
        const int e = sf_close(rc->sf);
        rc->sf = NULL;
        if (e != 0 && !atomic_load(&rc->failed)) {
            snprintf(rc->why, sizeof rc->why, "could not finish the file: %s", sf_error_number(e));
            atomic_store(&rc->failed, 1);
        }
    }
}
