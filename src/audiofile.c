/* audiofile.c — libsndfile wrappers with clear errors and atomic output. */
#ifdef __linux__
#define _GNU_SOURCE 1 /* sync_file_range */
#endif
#include "bx/audiofile.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#define ENABLE_SNDFILE_WINDOWS_PROTOTYPES 1
#endif
#include <sndfile.h>

#include "bx/fsutil.h"
#include "decode.h"

#ifndef _WIN32
#include <unistd.h>
#endif
#ifdef __linux__
#include <fcntl.h>
#include <unistd.h>
/* Written files are flushed to disk before they take their name (fsync).
 * On Linux the writer also asks the kernel to start writing back every
 * WRITEBACK_STEP bytes as they come, so that the final fsync finds little
 * left to do instead of the whole file. */
#define HAVE_WRITEBACK 1
#define WRITEBACK_STEP (8 << 20)
#endif

/* libsndfile's MPEG format values (SF_FORMAT_MPEG, SF_FORMAT_MPEG_LAYER_III
 * since 1.1.0), as numbers: they are enum constants, which the preprocessor
 * cannot test for, and this file must build with older headers too. */
#define SF_MPEG_MAJOR 0x230000
#define SF_MPEG_LAYER_III 0x0082

/* A file in memory for libsndfile's virtual I/O: read-only over the
 * caller's bytes, or (writable) a growing image a writer fills, rw == ro. */
typedef struct memfile {
    const unsigned char *ro;
    unsigned char *rw;
    sf_count_t size, cap, pos;
    int writable;
} memfile;

struct bx_audio_reader {
    SNDFILE *sf;
    unsigned channels;
    char *path;   /* the name errors give */
    memfile data; /* bx_audio_open_memory: the caller's bytes */
    char *owned;  /* data read from a FIFO or device, or decoded by ffmpeg; freed with the reader */
    /* frames the header promises (-1: unknown or inexact, as MPEG's) and
     * frames decoded so far: fewer at the end is damage, not the end */
    long long expected, decoded;
    /* bx_audio_set_excerpt: frames still to skip, frames still to give (-1: all) */
    long long skip, left;
    double start_s;
    int rate_hz;
    int seekable, mpeg;
};

struct bx_audio_writer {
    SNDFILE *sf;
    /* standard output or a pipe: libsndfile cannot stream WAV (its header
     * needs the length), so the file is made in memory and sent at commit,
     * to standard output (mem_fd -1) or to the descriptor mem_fd */
    int in_memory, mem_fd;
    memfile mem;
    char *path;   /* as the user gave it (for messages) */
    char *target; /* what is written: path with its links resolved */
    char *tmp;    /* the temporary sibling of target; NULL when written through */
#ifdef HAVE_WRITEBACK
    int fd;           /* the temporary file's descriptor (libsndfile does not close it) */
    long long hinted; /* bytes whose writeback has been started */
#endif
};

static SNDFILE *open_utf8(const char *path, int mode, SF_INFO *info)
{
#ifdef _WIN32
    wchar_t w[BX_WPATH_MAX];
    if (!bx_widen(path, w))
        return NULL;
    return sf_wchar_open(w, mode, info);
#else
    return sf_open(path, mode, info);
#endif
}

static void extension(const char *path, char *ext, size_t n);

/* n first bytes h of a file: the start of an MPEG audio frame (sync word) or an ID3 tag? */
static int mpeg_start(const unsigned char *h, size_t n)
{
    if (n >= 3 && memcmp(h, "ID3", 3) == 0)
        return 1;
    return n >= 2 && h[0] == 0xFF && (h[1] & 0xE0) == 0xE0;
}

/* libsndfile hands anything that looks like an MPEG frame to libmpg123,
 * which prints to stderr; only input named .mp3 gets that far. h: the first
 * n bytes of the input called `name`. */
static bx_status refuse_mpeg(const char *name, const unsigned char *h, size_t n, bx_error *err)
{
    char ext[16];
    extension(name, ext, sizeof ext);
    if (strcmp(ext, "mp3") != 0 && mpeg_start(h, n))
        return bx_error_set(err, BX_ERR_AUDIO,
                            "%s: not an audio file bx can read (MPEG data; name it .mp3 if it is)",
                            name);
    return BX_OK;
}

static void describe(const SF_INFO *si, char *out, size_t n)
{
    SF_FORMAT_INFO fi;
    const char *major = "audio", *sub = "";
    fi.format = si->format & SF_FORMAT_TYPEMASK;
    if (sf_command(NULL, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0)
        major = fi.name;
    fi.format = si->format & SF_FORMAT_SUBMASK;
    if (sf_command(NULL, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0)
        sub = fi.name;
    snprintf(out, n, "%s, %s", major, sub);
}

/* A reader whose errors name `name`, not open yet; NULL if out of memory. */
static bx_audio_reader *reader_new(const char *name)
{
    bx_audio_reader *r = bx_calloc(1, sizeof *r);
    if (r && !(r->path = bx_strdup(name))) {
        bx_free(r);
        r = NULL;
    }
    return r;
}

/* What every open checks once libsndfile has read the header into si
 * (r->sf is NULL if it could not): the one place that decides what bx
 * accepts. Closes r on failure. */
static bx_status reader_accept(bx_audio_reader *r, const SF_INFO *si, bx_audio_reader **out,
                               bx_audio_info *info, bx_error *err)
{
    const char *name = r->path;
    bx_status st = BX_OK;
    if (!r->sf)
        st = bx_error_set(err, BX_ERR_AUDIO,
                          "%s: not an audio file bx can read (unknown, damaged or empty)", name);
    else if (si->channels < 1)
        st = bx_error_set(err, BX_ERR_AUDIO, "%s: has no channels", name);
    else if (si->samplerate < BX_AUDIO_RATE_MIN || si->samplerate > BX_AUDIO_RATE_MAX)
        st = bx_error_set(err, BX_ERR_AUDIO, "%s: sample rate %d Hz is outside %d..%d Hz", name,
                          si->samplerate, BX_AUDIO_RATE_MIN, BX_AUDIO_RATE_MAX);
    else if (si->frames == 0)
        st = bx_error_set(err, BX_ERR_AUDIO, "%s: holds no audio (0 frames)", name);
    if (st) {
        bx_audio_close(r);
        return st;
    }
    r->channels = (unsigned)si->channels;
    r->rate_hz = si->samplerate;
    r->left = -1;
    r->seekable = si->seekable;
    r->mpeg = (si->format & SF_FORMAT_TYPEMASK) == SF_MPEG_MAJOR;
    /* MPEG counts frames by estimate */
    r->expected = si->frames == SF_COUNT_MAX || (si->format & SF_FORMAT_TYPEMASK) == SF_MPEG_MAJOR
                      ? -1
                      : (long long)si->frames;
    info->rate_hz = si->samplerate;
    info->channels = (unsigned)si->channels;
    info->frames = si->frames == SF_COUNT_MAX ? -1 : (long long)si->frames;
    describe(si, info->format, sizeof info->format);
    *out = r;
    return BX_OK;
}

int bx_audio_name_needs_ffmpeg(const char *path)
{
    char ext[16];
    extension(path, ext, sizeof ext);
    return bx_decode_wants_ffmpeg(ext, NULL, 0);
}

/* len bytes at data (bx_malloc'd) opened as the audio `name`: the reader
 * owns them (and they are freed if it cannot be opened). */
static bx_status open_owned(char *data, size_t len, const char *name, bx_audio_reader **out,
                            bx_audio_info *info, bx_error *err)
{
    bx_status st = bx_audio_open_memory(data, len, name, out, info, err);
    if (st)
        bx_free(data);
    else
        (*out)->owned = data;
    return st;
}

/* Standard input ("-"), a FIFO or a device: read once, to the end, and
 * decoded from memory (it cannot be sniffed and reopened); a FIFO without a
 * writer is empty at once instead of blocking, and a WAV written to a pipe
 * may carry placeholder sizes. */
static bx_status open_stream(const char *path, bx_audio_reader **out, bx_audio_info *info,
                             bx_error *err)
{
    const int from_stdin = strcmp(path, "-") == 0;
    const char *name = from_stdin ? "standard input" : path;
    char *data = NULL;
    size_t len = 0;
    bx_status st = bx_file_read_all(path, BX_AUDIO_STREAM_MAX_BYTES, &data, &len, err);
    if (st)
        return st;
    if (len == 0) {
        bx_free(data);
        return bx_error_set(err, BX_ERR_AUDIO, "%s: nothing to read%s", name,
                            from_stdin ? "" : " (a FIFO with no writer?)");
    }
    (void)bx_decode_fix_wav_sizes(data, len, 0);
    return open_owned(data, len, name, out, info, err);
}

/* A container libsndfile does not read (decode.h): ffmpeg's 32-bit float
 * WAV of it, decoded from memory. */
static bx_status open_through_ffmpeg(const char *path, bx_audio_reader **out, bx_audio_info *info,
                                     bx_error *err)
{
    char *data = NULL;
    size_t len = 0;
    bx_status st = bx_decode_ffmpeg(path, BX_AUDIO_STREAM_MAX_BYTES, &data, &len, err);
    if (st)
        return st;
    st = open_owned(data, len, path, out, info, err);
    if (st)
        return st;
    char ext[16];
    extension(path, ext, sizeof ext);
    snprintf(info->format, sizeof info->format, "%s, decoded by ffmpeg", ext[0] ? ext : "audio");
    return BX_OK;
}

bx_status bx_audio_open(const char *path, bx_audio_reader **out, bx_audio_info *info, bx_error *err)
{
    *out = NULL;
    if (strcmp(path, "-") == 0)
        return open_stream(path, out, info, err);
    if (!bx_exists(path))
        return bx_error_set(err, BX_ERR_IO, "%s: no such file", path);
    if (bx_is_dir(path))
        return bx_error_set(err, BX_ERR_IO, "%s: is a directory, not an audio file", path);
    if (!bx_is_regular(path))
        return open_stream(path, out, info, err);
    unsigned char h[12] = {0};
    size_t n = 0;
    FILE *f = bx_fopen(path, "rb");
    if (f) {
        n = fread(h, 1, sizeof h, f);
        fclose(f);
    }
    char ext[16];
    extension(path, ext, sizeof ext);
    if (bx_decode_wants_ffmpeg(ext, h, n))
        return open_through_ffmpeg(path, out, info, err);
    bx_status st = refuse_mpeg(path, h, n, err);
    if (st)
        return st;
    bx_audio_reader *r = reader_new(path);
    if (!r)
        return bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
    SF_INFO si;
    memset(&si, 0, sizeof si);
    r->sf = open_utf8(path, SFM_READ, &si);
    return reader_accept(r, &si, out, info, err);
}

/* libsndfile's virtual I/O over a memfile (user). */
static sf_count_t mem_length(void *user)
{
    return ((const memfile *)user)->size;
}

static sf_count_t mem_seek(sf_count_t offset, int whence, void *user)
{
    memfile *m = user;
    const sf_count_t base = whence == SEEK_SET   ? 0
                            : whence == SEEK_CUR ? m->pos
                            : whence == SEEK_END ? m->size
                                                 : -1;
    /* as lseek: any position from 0 on (reads past the end get nothing);
     * offsets from a damaged header must not overflow */
    if (base < 0 || offset < -base || (offset > 0 && offset > SF_COUNT_MAX / 2 - base))
        return -1;
    m->pos = base + offset;
    return m->pos;
}

static sf_count_t mem_read(void *ptr, sf_count_t count, void *user)
{
    memfile *m = user;
    if (count <= 0 || m->pos >= m->size)
        return 0;
    if (count > m->size - m->pos)
        count = m->size - m->pos;
    memcpy(ptr, m->ro + m->pos, (size_t)count);
    m->pos += count;
    return count;
}

/* Writes grow a writable image (a read-only one takes none: a short write). */
static sf_count_t mem_write(const void *ptr, sf_count_t count, void *user)
{
    memfile *m = user;
    if (count <= 0 || !m->writable)
        return 0;
    const sf_count_t end = m->pos + count;
    if (end > m->cap) {
        sf_count_t cap = m->cap ? m->cap : 1 << 20;
        while (cap < end)
            cap *= 2;
        unsigned char *p = (unsigned long long)cap <= SIZE_MAX ? bx_malloc((size_t)cap) : NULL;
        if (!p)
            return 0; /* a short write: libsndfile reports it */
        if (m->size)
            memcpy(p, m->rw, (size_t)m->size);
        bx_free(m->rw);
        m->ro = m->rw = p;
        m->cap = cap;
    }
    if (m->pos > m->size) /* a seek past the end leaves zeros, as a file's hole */
        memset(m->rw + m->size, 0, (size_t)(m->pos - m->size));
    memcpy(m->rw + m->pos, ptr, (size_t)count);
    m->pos = end;
    if (end > m->size)
        m->size = end;
    return count;
}

static sf_count_t mem_tell(void *user)
{
    return ((const memfile *)user)->pos;
}

static SF_VIRTUAL_IO mem_io = {mem_length, mem_seek, mem_read, mem_write, mem_tell};

bx_status bx_audio_open_memory(const void *data, size_t size, const char *name,
                               bx_audio_reader **out, bx_audio_info *info, bx_error *err)
{
    *out = NULL;
    if (!data && size > 0)
        return bx_error_set(err, BX_ERR_ARG, "%s: no data", name);
    if ((unsigned long long)size > (unsigned long long)SF_COUNT_MAX)
        return bx_error_set(err, BX_ERR_AUDIO, "%s: too large", name);
    bx_status st = refuse_mpeg(name, data, size, err);
    if (st)
        return st;
    bx_audio_reader *r = reader_new(name);
    if (!r)
        return bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", name);
    r->data.ro = data;
    r->data.size = (sf_count_t)size;
    SF_INFO si;
    memset(&si, 0, sizeof si);
    r->sf = sf_open_virtual(&mem_io, SFM_READ, &si, &r->data);
    return reader_accept(r, &si, out, info, err);
}

bx_status bx_audio_set_excerpt(bx_audio_reader *r, double start_s, double end_s,
                               bx_audio_info *info, bx_error *err)
{
    if (!(start_s >= 0.0 && start_s < 1e7) || (end_s >= 0.0 && !(end_s > start_s)))
        return bx_error_set(err, BX_ERR_RANGE, "%s: an excerpt from %g s to %g s is empty", r->path,
                            start_s, end_s);
    const long long first = (long long)(start_s * r->rate_hz + 0.5);
    const long long len = r->expected >= 0 ? r->expected : info ? info->frames : -1;
    if (len >= 0 && first >= len)
        return bx_error_set(err, BX_ERR_RANGE,
                            "%s: the excerpt starts at %.2f s, after its end "
                            "(%.2f s)",
                            r->path, start_s, (double)len / r->rate_hz);
    r->start_s = start_s;
    r->skip = first;
    r->left = end_s >= 0.0 ? (long long)(end_s * r->rate_hz + 0.5) - first : -1;
    /* exact formats jump there; MPEG's seeking is approximate, so it is decoded */
    if (first > 0 && r->seekable && !r->mpeg && sf_seek(r->sf, first, SEEK_SET) == first) {
        r->decoded = first;
        r->skip = 0;
    }
    if (info && info->frames >= 0) {
        long long n = info->frames - first;
        if (r->left >= 0 && r->left < n)
            n = r->left;
        info->frames = n;
    }
    return BX_OK;
}

long long bx_audio_read(bx_audio_reader *r, float *buf, size_t frames, bx_error *err)
{
    while (r->skip > 0 && frames > 0) { /* the part before an excerpt, decoded and dropped */
        const sf_count_t n = r->skip < (long long)frames ? r->skip : (sf_count_t)frames;
        const sf_count_t got = sf_readf_float(r->sf, buf, n);
        if (got < 0 || (got == 0 && sf_error(r->sf) != SF_ERR_NO_ERROR)) {
            bx_error_set(err, BX_ERR_AUDIO, "%s: read error: %s", r->path, sf_strerror(r->sf));
            return -1;
        }
        if (got == 0) {
            bx_error_set(err, BX_ERR_RANGE,
                         "%s: the excerpt starts at %.2f s, after its end "
                         "(%.2f s)",
                         r->path, r->start_s, (double)r->decoded / r->rate_hz);
            return -1;
        }
        r->decoded += (long long)got;
        r->skip -= (long long)got;
    }
    if (r->left == 0)
        return 0;
    if (r->left > 0 && (long long)frames > r->left)
        frames = (size_t)r->left;
    sf_count_t got = sf_readf_float(r->sf, buf, (sf_count_t)frames);
    if (got < 0 || (got == 0 && frames > 0 && sf_error(r->sf) != SF_ERR_NO_ERROR)) {
        bx_error_set(err, BX_ERR_AUDIO, "%s: read error: %s", r->path, sf_strerror(r->sf));
        return -1;
    }
    r->decoded += (long long)got;
    if (got == 0 && frames > 0 && r->expected > 0 && r->decoded < r->expected) {
        bx_error_set(err, BX_ERR_AUDIO,
                     "%s: damaged or cut short: only %.2f s of its %.2f s could be decoded",
                     r->path, (double)r->decoded / r->rate_hz, (double)r->expected / r->rate_hz);
        return -1;
    }
    if (r->left > 0)
        r->left -= (long long)got;
    return (long long)got;
}

void bx_audio_close(bx_audio_reader *r)
{
    if (!r)
        return;
    if (r->sf)
        sf_close(r->sf);
    bx_free(r->owned);
    bx_free(r->path);
    bx_free(r);
}

bx_status bx_audio_encoding_parse(const char *s, bx_audio_encoding *enc)
{
    if (strcmp(s, "16") == 0)
        *enc = BX_ENC_PCM16;
    else if (strcmp(s, "24") == 0)
        *enc = BX_ENC_PCM24;
    else if (strcmp(s, "32") == 0)
        *enc = BX_ENC_PCM32;
    else if (strcmp(s, "float") == 0 || strcmp(s, "32f") == 0)
        *enc = BX_ENC_FLOAT;
    else
        return BX_ERR_ARG;
    return BX_OK;
}

/* Lower-case extension of path (without the dot) into ext; "" if none. */
static void extension(const char *path, char *ext, size_t n)
{
    const char *dot = strrchr(path, '.');
    const char *sep = strrchr(path, '/');
#ifdef _WIN32
    const char *bs = strrchr(path, '\\');
    if (bs && (!sep || bs > sep))
        sep = bs;
#endif
    ext[0] = '\0';
    if (!dot || (sep && sep > dot) || strlen(dot + 1) >= n)
        return;
    size_t i = 0;
    for (const char *c = dot + 1; *c; c++)
        ext[i++] = (char)tolower((unsigned char)*c);
    ext[i] = '\0';
}

static int pcm_sub(bx_audio_encoding enc, int dflt)
{
    switch (enc) {
    case BX_ENC_PCM16:
        return SF_FORMAT_PCM_16;
    case BX_ENC_PCM24:
        return SF_FORMAT_PCM_24;
    case BX_ENC_PCM32:
        return SF_FORMAT_PCM_32;
    case BX_ENC_FLOAT:
        return SF_FORMAT_FLOAT;
    case BX_ENC_DEFAULT:
        break;
    }
    return dflt;
}

static bx_status choose_format(const char *path, int through, bx_audio_encoding enc,
                               long long frames, unsigned channels, int *format, bx_error *err)
{
    char ext[16];
    extension(path, ext, sizeof ext);
    if (through && !ext[0])
        strcpy(ext, "wav"); /* /dev/null, /dev/stdout: WAV */
    int major;
    int sub = pcm_sub(enc, SF_FORMAT_FLOAT);
    if (strcmp(ext, "wav") == 0 || strcmp(ext, "wave") == 0) {
        const int bytes = sub == SF_FORMAT_PCM_16 ? 2 : sub == SF_FORMAT_PCM_24 ? 3 : 4;
        major = (frames > 0 && (double)frames * channels * bytes > 4294967295.0 - 1024.0)
                    ? SF_FORMAT_RF64
                    : SF_FORMAT_WAV;
    } else if (strcmp(ext, "w64") == 0) {
        major = SF_FORMAT_W64;
    } else if (strcmp(ext, "rf64") == 0) {
        major = SF_FORMAT_RF64;
    } else if (strcmp(ext, "aif") == 0 || strcmp(ext, "aiff") == 0 || strcmp(ext, "aifc") == 0) {
        major = SF_FORMAT_AIFF;
    } else if (strcmp(ext, "caf") == 0) {
        major = SF_FORMAT_CAF;
    } else if (strcmp(ext, "au") == 0 || strcmp(ext, "snd") == 0) {
        major = SF_FORMAT_AU;
    } else if (strcmp(ext, "flac") == 0) {
        if (enc == BX_ENC_FLOAT || enc == BX_ENC_PCM32)
            return bx_error_set(err, BX_ERR_ARG, "%s: FLAC stores 16- or 24-bit integers only",
                                path);
        major = SF_FORMAT_FLAC;
        sub = pcm_sub(enc, SF_FORMAT_PCM_24);
    } else if (strcmp(ext, "ogg") == 0 || strcmp(ext, "oga") == 0) {
        major = SF_FORMAT_OGG;
        sub = SF_FORMAT_VORBIS;
    } else if (strcmp(ext, "opus") == 0) {
        major = SF_FORMAT_OGG;
        sub = SF_FORMAT_OPUS;
    } else if (strcmp(ext, "mp3") == 0) {
        /* libsndfile's values (1.1.0 on; enum constants, not macros: an
         * #ifdef cannot see them); an older libsndfile refuses them in
         * sf_format_check, which the caller reports */
        major = SF_MPEG_MAJOR;
        sub = SF_MPEG_LAYER_III;
    } else {
        return bx_error_set(err, BX_ERR_ARG,
                            "%s: unknown output format \"%s\" (use .wav, .flac, .aiff, .caf, .w64, "
                            ".rf64, .au, .ogg, .opus or .mp3)",
                            path, ext);
    }
    *format = major | sub;
    return BX_OK;
}

/* The finished memory image to where it goes. */
static bx_status send_memory(bx_audio_writer *w, bx_error *err)
{
    if (w->mem_fd < 0)
        return bx_write_stdout(w->mem.rw, (size_t)w->mem.size, err);
#ifdef _WIN32
    return bx_error_set(err, BX_ERR_IO, "%s: cannot write there", w->path);
#else
    const unsigned char *p = w->mem.rw;
    size_t left = (size_t)w->mem.size;
    while (left > 0) {
        const ssize_t n = write(w->mem_fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return bx_error_set(err, BX_ERR_IO, "%s: write failed: %s", w->path,
                                strerror(n < 0 ? errno : EIO));
        p += n;
        left -= (size_t)n;
    }
    const int fd = w->mem_fd;
    w->mem_fd = -1;
    if (close(fd) != 0)
        return bx_error_set(err, BX_ERR_IO, "%s: write failed: %s", w->path, strerror(errno));
    return BX_OK;
#endif
}

bx_status bx_audio_writer_create(const char *path, double rate_hz, unsigned channels,
                                 bx_audio_encoding enc, long long expected_frames,
                                 bx_audio_writer **out, bx_error *err)
{
    *out = NULL;
    if (!(rate_hz >= 1.0 && rate_hz <= 1e7) || rate_hz != floor(rate_hz))
        return bx_error_set(err, BX_ERR_ARG, "%s: a rate of %g Hz cannot be written (whole Hz)",
                            path, rate_hz);
    if (bx_is_dir(path))
        return bx_error_set(err, BX_ERR_IO, "%s: is a directory", path);
    SF_INFO si;
    memset(&si, 0, sizeof si);
    si.samplerate = (int)rate_hz;
    si.channels = (int)channels;
    bx_output_kind kind;
    char *target = NULL;
    bx_status st = bx_output_prepare(path, &target, &kind, err);
    if (!st)
        st = choose_format(path, kind == BX_OUTPUT_THROUGH, enc, expected_frames, channels,
                           &si.format, err);
    if (st) {
        bx_free(target);
        return st;
    }
    if (!sf_format_check(&si)) {
        bx_free(target);
        if ((si.format & SF_FORMAT_TYPEMASK) == SF_MPEG_MAJOR) {
            /* a libsndfile with MP3 takes mono or stereo at 8..48 kHz */
            SF_INFO probe = {.samplerate = 44100, .channels = 1, .format = si.format};
            if (!sf_format_check(&probe))
                return bx_error_set(err, BX_ERR_ARG,
                                    "%s: this libsndfile cannot write MP3 (1.1.0 or newer, built "
                                    "with LAME, can)",
                                    path);
        }
        return bx_error_set(err, BX_ERR_ARG,
                            "%s: this format cannot hold %u channel(s) at %g Hz with that encoding",
                            path, channels, rate_hz);
    }
    bx_audio_writer *w = bx_calloc(1, sizeof *w);
    if (w)
        w->mem_fd = -1;
#ifdef HAVE_WRITEBACK
    if (w)
        w->fd = -1;
#endif
    if (w)
        w->target = target;
    else
        bx_free(target);
    if (!w || !(w->path = bx_strdup(path)) ||
        (kind == BX_OUTPUT_REPLACE && !(w->tmp = bx_temp_sibling(w->target)))) {
        bx_audio_writer_abort(w);
        return bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
    }
    errno = 0;
    bx_temp_track(w->tmp); /* NULL (written through): nothing */
    int fd = -1;
    if (kind == BX_OUTPUT_THROUGH && strcmp(w->target, "-") != 0 &&
        (fd = bx_output_open_through(w->target, err)) < 0) {
        bx_audio_writer_abort(w);
        return err->code;
    }
#ifndef _WIN32
    if (fd >= 0 && lseek(fd, 0, SEEK_CUR) < 0) /* a pipe or socket: made in memory */
        w->mem_fd = fd, fd = -1, w->in_memory = 1;
#endif
    if (kind == BX_OUTPUT_THROUGH && strcmp(w->target, "-") == 0)
        w->in_memory = 1;
    if (w->in_memory) {
        w->mem.writable = 1;
        w->sf = sf_open_virtual(&mem_io, SFM_WRITE, &si, &w->mem);
        if (!w->sf) {
            st = bx_error_set(err, BX_ERR_IO, "%s: cannot write this format: %s", path,
                              sf_strerror(NULL));
            bx_audio_writer_abort(w);
            return st;
        }
    } else if (kind == BX_OUTPUT_THROUGH) { /* a device: written in place */
        w->sf = sf_open_fd(fd, SFM_WRITE, &si, SF_TRUE);
        if (!w->sf) {
            st = bx_error_set(err, BX_ERR_IO, "%s: cannot write this format there: %s", path,
                              sf_strerror(NULL));
#ifndef _WIN32
            close(fd);
#endif
            bx_audio_writer_abort(w);
            return st;
        }
    }
#ifdef HAVE_WRITEBACK
    else
        w->fd = open(w->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (w->fd >= 0) {
        w->sf = sf_open_fd(w->fd, SFM_WRITE, &si, SF_FALSE);
        if (!w->sf) {
            const int e = errno;
            close(w->fd);
            w->fd = -1;
            bx_file_remove(w->tmp);
            errno = e;
        }
    }
#else
    else
        w->sf = open_utf8(w->tmp, SFM_WRITE, &si);
#endif
    if (!w->sf) {
        const int e = errno;
        st = bx_error_set(err, BX_ERR_IO, "%s: cannot create the file: %s", path,
                          e ? strerror(e) : sf_strerror(NULL));
        /* libsndfile may have created the file before it refused the format
         * (sf_wchar_open on Windows does): abort removes it */
        bx_audio_writer_abort(w);
        return st;
    }
    sf_command(w->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    /* no PEAK chunk: it holds a time stamp, and the same render should give the same bytes */
    sf_command(w->sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
    *out = w;
    return BX_OK;
}

bx_status bx_audio_writer_write(bx_audio_writer *w, const float *buf, size_t frames, bx_error *err)
{
    sf_count_t put = sf_writef_float(w->sf, buf, (sf_count_t)frames);
    if (put != (sf_count_t)frames)
        return bx_error_set(err, BX_ERR_IO, "%s: write failed: %s", w->path, sf_strerror(w->sf));
#ifdef HAVE_WRITEBACK
    const off_t pos = lseek(w->fd, 0, SEEK_CUR);
    if (pos > 0 && (long long)pos - w->hinted >= WRITEBACK_STEP) {
        /* a hint: its failure changes nothing, the fsync at the end decides */
        (void)sync_file_range(w->fd, (off_t)w->hinted, pos - (off_t)w->hinted,
                              SYNC_FILE_RANGE_WRITE);
        w->hinted = (long long)pos;
    }
#endif
    return BX_OK;
}

bx_status bx_audio_writer_commit(bx_audio_writer *w, bx_error *err)
{
    sf_write_sync(w->sf);
    int rc = sf_close(w->sf);
    w->sf = NULL;
#ifdef HAVE_WRITEBACK
    if (w->fd >= 0 && close(w->fd) != 0 && rc == 0)
        rc = SF_ERR_SYSTEM;
    w->fd = -1;
#endif
    bx_status st = BX_OK;
    if (rc != 0)
        st = bx_error_set(err, BX_ERR_IO, "%s: could not finish the file: %s", w->path,
                          sf_error_number(rc));
    else if (w->in_memory)
        st = send_memory(w, err);
    else if (w->tmp) {
        st = bx_file_commit(w->tmp, w->target, err);
        if (!st)
            bx_temp_untrack(w->tmp);
    }
    if (st)
        bx_audio_writer_abort(w);
    else {
        bx_free(w->mem.rw);
        bx_free(w->path);
        bx_free(w->target);
        bx_free(w->tmp);
        bx_free(w);
    }
    return st;
}

void bx_audio_writer_abort(bx_audio_writer *w)
{
    if (!w)
        return;
    if (w->sf)
        sf_close(w->sf);
#ifdef HAVE_WRITEBACK
    if (w->fd >= 0)
        close(w->fd);
#endif
    if (w->tmp) {
        bx_file_remove(w->tmp);
        bx_temp_untrack(w->tmp);
    }
#ifndef _WIN32
    if (w->mem_fd >= 0)
        close(w->mem_fd);
#endif
    bx_free(w->mem.rw);
    bx_free(w->path);
    bx_free(w->target);
    bx_free(w->tmp);
    bx_free(w);
}
