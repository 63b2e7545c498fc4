/* inputs.c — expanding and naming a batch's input files (opendir on POSIX,
 * FindFirstFileW on Windows). */
#include "inputs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bx/audiofile.h"
#include "bx/fsutil.h"
#include "cli.h"
#include "exitcode.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <dirent.h>
#include <sys/stat.h>
#endif

static const char *const audio_exts[] = {"wav",  "wave", "w64",  "rf64", "aif",
                                         "aiff", "aifc", "flac", "ogg",  "oga",
                                         "opus", "caf",  "au",   "snd",  "mp3"};

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int strcmp_ci(const char *a, const char *b)
{
    while (*a && lower((unsigned char)*a) == lower((unsigned char)*b)) {
        a++;
        b++;
    }
    return lower((unsigned char)*a) - lower((unsigned char)*b);
}

static const char *base_name(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/'
#ifdef _WIN32
            || *p == '\\' || *p == ':'
#endif
        )
            b = p + 1;
    return b;
}

int inputs_is_audio_name(const char *path)
{
    const char *dot = strrchr(base_name(path), '.');
    if (!dot)
        return 0;
    if (bx_audio_name_needs_ffmpeg(path))
        return 1;
    for (size_t i = 0; i < sizeof audio_exts / sizeof audio_exts[0]; i++)
        if (strcmp_ci(dot + 1, audio_exts[i]) == 0)
            return 1;
    return 0;
}

char *inputs_stem(const char *path)
{
    if (strcmp(path, "-") == 0) /* standard input */
        return bx_strdup("stdin");
    char *s = bx_strdup(base_name(path));
    char *dot = s ? strrchr(s, '.') : NULL;
    if (dot && dot != s)
        *dot = '\0';
    return s;
}

static void note(const input_list *l, const char *path, const char *what)
{
    if (!l->quiet)
        fprintf(stderr, "bxanalyze: %s: %s\n", path, what);
}

static void fail(input_list *l, const char *path, const char *what)
{
    fprintf(stderr, "bxanalyze: %s: %s\n", path, what);
    l->failed++;
    l->exit_code = cli_worst_exit(l->exit_code, BX_EXIT_INPUT);
}

/* Takes ownership of path. */
static bx_status push(input_list *l, char *path, bx_error *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        input_file *f = bx_malloc(cap * sizeof *f);
        if (!f) {
            bx_free(path);
            return bx_error_set(err, BX_ERR_NOMEM, "out of memory listing the input files");
        }
        if (l->n)
            memcpy(f, l->files, l->n * sizeof *f);
        bx_free(l->files);
        l->files = f;
        l->cap = cap;
    }
    l->files[l->n].path = path;
    l->files[l->n].name = NULL;
    l->n++;
    return BX_OK;
}

/* ---- folder listing --------------------------------------------------------- */

typedef struct name_vec {
    char **v;
    size_t n, cap;
} name_vec;

static int name_vec_push(name_vec *nv, const char *name)
{
    if (nv->n == nv->cap) {
        size_t cap = nv->cap ? 2 * nv->cap : 32;
        char **v = bx_malloc(cap * sizeof *v);
        if (!v)
            return -1;
        if (nv->n)
            memcpy(v, nv->v, nv->n * sizeof *v);
        bx_free(nv->v);
        nv->v = v;
        nv->cap = cap;
    }
    if (!(nv->v[nv->n] = bx_strdup(name)))
        return -1;
    nv->n++;
    return 0;
}

static void name_vec_free(name_vec *nv)
{
    for (size_t i = 0; i < nv->n; i++)
        bx_free(nv->v[i]);
    bx_free(nv->v);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The visible entries of folder `dir`, unsorted. -1 with *why set if it cannot be read, -2 if
 * out of memory. */
static int list_dir(const char *dir, name_vec *out, const char **why)
{
#ifdef _WIN32
    int rc = 0;
    char *pattern = cli_join(dir, "*", "");
    if (!pattern)
        return -2;
    wchar_t wpat[BX_WPATH_MAX];
    const int named = bx_widen(pattern, wpat) != NULL;
    bx_free(pattern);
    if (!named) {
        *why = "cannot read the folder (its name is not UTF-8 or too long)";
        return -1;
    }
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(wpat, &fd);
    if (h == INVALID_HANDLE_VALUE) {
        if (GetLastError() == ERROR_FILE_NOT_FOUND)
            return 0; /* empty */
        *why = "cannot read the folder";
        return -1;
    }
    do {
        char name[MAX_PATH * 4];
        if (!WideCharToMultiByte(CP_UTF8, 0, fd.cFileName, -1, name, (int)sizeof name, NULL, NULL))
            continue;
        if (name[0] != '.' && name_vec_push(out, name) != 0) {
            rc = -2;
            break;
        }
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    return rc;
#else
    DIR *d = opendir(dir);
    if (!d) {
        *why = strerror(errno);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.' && name_vec_push(out, e->d_name) != 0) {
            rc = -2;
            break;
        }
    }
    closedir(d);
    return rc;
#endif
}

static bx_status add_path(input_list *l, const char *path, int depth, int explicit, bx_error *err)
{
    if (!bx_exists(path)) {
        if (!explicit)
            return BX_OK; /* vanished while scanning, or a dangling link */
        char *p = bx_strdup(path);
        return p ? push(l, p, err) : bx_error_set(err, BX_ERR_NOMEM, "out of memory");
    }
    if (!bx_is_dir(path)) {
        if (!explicit && !bx_is_regular(path)) {
            note(l, path, "skipped (not a regular file: a FIFO, device or socket)");
            l->skipped++;
            return BX_OK;
        }
        if (!inputs_is_audio_name(path)) {
            note(l, path, "skipped (not an audio file by its extension)");
            l->skipped++;
            return BX_OK;
        }
        char *p = bx_strdup(path);
        return p ? push(l, p, err) : bx_error_set(err, BX_ERR_NOMEM, "out of memory");
    }
    if (depth >= INPUTS_MAX_DEPTH) {
        fail(l, path, "folders nested too deeply (a symbolic link loop?); not scanned");
        return BX_OK;
    }
    bx_file_identity id;
    if (bx_file_identity_of(path, &id) == BX_OK) {
        for (size_t i = 0; i < l->n_dirs; i++)
            if (l->dirs[i].volume == id.volume && l->dirs[i].index == id.index) {
                note(l, path, "skipped (a folder already scanned, reached again through a link)");
                return BX_OK;
            }
        if (l->n_dirs == l->cap_dirs) {
            const size_t cap = l->cap_dirs ? 2 * l->cap_dirs : 16;
            bx_file_identity *d = bx_malloc(cap * sizeof *d);
            if (!d)
                return bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory", path);
            if (l->n_dirs)
                memcpy(d, l->dirs, l->n_dirs * sizeof *d);
            bx_free(l->dirs);
            l->dirs = d;
            l->cap_dirs = cap;
        }
        l->dirs[l->n_dirs++] = id;
    }
    name_vec names = {0};
    const char *why = NULL;
    bx_status st = BX_OK;
    int rc = list_dir(path, &names, &why);
    if (rc == -1) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot read the folder: %s", why);
        fail(l, path, msg);
    } else if (rc == -2) {
        st = bx_error_set(err, BX_ERR_NOMEM, "%s: out of memory listing the folder", path);
    } else {
        if (names.n > 1) /* an empty folder has no array: qsort(NULL, 0) is undefined */
            qsort(names.v, names.n, sizeof *names.v, cmp_names);
        for (size_t i = 0; i < names.n && !st; i++) {
            char *child = cli_join(path, names.v[i], "");
            st = child ? add_path(l, child, depth + 1, 0, err)
                       : bx_error_set(err, BX_ERR_NOMEM, "out of memory");
            bx_free(child);
        }
    }
    name_vec_free(&names);
    return st;
}

bx_status inputs_add(input_list *l, const char *path, bx_error *err)
{
    return add_path(l, path, 0, 1, err);
}

/* ---- output names -------------------------------------------------------------- */

/* Open-addressing set of names compared ignoring ASCII case; it points at strings it does not own.
 */
typedef struct name_set {
    const char **slot;
    size_t mask;
} name_set;

static uint64_t hash_ci(const char *s)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint64_t)lower((unsigned char)*s)) * 1099511628211ull;
    return h;
}

static int set_has(const name_set *set, const char *s)
{
    for (size_t i = (size_t)hash_ci(s) & set->mask; set->slot[i]; i = (i + 1) & set->mask)
        if (strcmp_ci(set->slot[i], s) == 0)
            return 1;
    return 0;
}

static void set_put(name_set *set, const char *s)
{
    size_t i = (size_t)hash_ci(s) & set->mask;
    while (set->slot[i])
        i = (i + 1) & set->mask;
    set->slot[i] = s;
}

bx_status inputs_name(input_list *l, bx_error *err)
{
    bx_status st = BX_OK;
    const size_t n = l->n;
    size_t cap = 16;
    while (cap < 2 * n + 16)
        cap *= 2;
    name_set set = {bx_calloc(cap, sizeof(const char *)), cap - 1};
    char **stems = bx_calloc(n + 1, sizeof *stems);
    if (!set.slot || !stems)
        goto nomem;
    for (size_t i = 0; i < n; i++)
        if (!(stems[i] = inputs_stem(l->files[i].path)))
            goto nomem;
    /* every plain stem is reserved by its first holder before any suffix is handed out */
    for (size_t i = 0; i < n; i++) {
        if (set_has(&set, stems[i]))
            continue;
        if (!(l->files[i].name = bx_strdup(stems[i])))
            goto nomem;
        set_put(&set, l->files[i].name);
    }
    for (size_t i = 0; i < n; i++) {
        if (l->files[i].name)
            continue;
        size_t holder = n; /* the first earlier file of the same stem */
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++) {
            if (!l->files[j].path || strcmp_ci(stems[j], stems[i]) != 0)
                continue;
            if (holder == n)
                holder = j;
            dup = strcmp(l->files[j].path, l->files[i].path) == 0 ||
                  bx_same_file(l->files[j].path, l->files[i].path);
        }
        if (dup) {
            note(l, l->files[i].path, "listed more than once; analysed once");
            bx_free(l->files[i].path);
            l->files[i].path = NULL;
            continue;
        }
        const size_t len = strlen(stems[i]) + 24;
        char *name = bx_malloc(len);
        if (!name)
            goto nomem;
        for (unsigned k = 2;; k++) {
            snprintf(name, len, "%s-%u", stems[i], k);
            if (!set_has(&set, name))
                break;
        }
        l->files[i].name = name;
        set_put(&set, name);
        if (!l->quiet)
            fprintf(stderr, "bxanalyze: %s: same name as %s; its outputs are named \"%s\"\n",
                    l->files[i].path, l->files[holder].path, name);
    }
    size_t w = 0; /* drop the duplicates */
    for (size_t i = 0; i < n; i++)
        if (l->files[i].path)
            l->files[w++] = l->files[i];
    l->n = w;
    goto out;
nomem:
    st = bx_error_set(err, BX_ERR_NOMEM, "out of memory naming the outputs");
out:
    if (stems)
        for (size_t i = 0; i < n; i++)
            bx_free(stems[i]);
    bx_free(stems);
    bx_free((void *)set.slot);
    return st;
}

void inputs_free(input_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        bx_free(l->files[i].path);
        bx_free(l->files[i].name);
    }
    bx_free(l->files);
    bx_free(l->dirs);
    memset(l, 0, sizeof *l);
}

/* ---- creating folders ------------------------------------------------------------ */

static int make_one_dir(const char *path)
{
#ifdef _WIN32
    wchar_t w[BX_WPATH_MAX];
    return bx_widen(path, w) && CreateDirectoryW(w, NULL) ? 0 : -1;
#else
    return mkdir(path, 0777);
#endif
}

bx_status inputs_make_dir(const char *path, bx_error *err)
{
    if (bx_is_dir(path))
        return BX_OK;
    char *p = bx_strdup(path);
    if (!p)
        return bx_error_set(err, BX_ERR_NOMEM, "out of memory");
    bx_status st = BX_OK;
    size_t len = strlen(p);
    /* create each prefix that ends before a separator, then the whole path */
    for (size_t i = 1; i <= len && !st; i++) {
        if (i < len && p[i] != '/'
#ifdef _WIN32
            && p[i] != '\\'
#endif
        )
            continue;
        const char c = p[i];
        p[i] = '\0';
        if (p[0] && !bx_is_dir(p) && make_one_dir(p) != 0 && !bx_is_dir(p)) {
            const char *why = strerror(errno);
            if (bx_exists(p))
                st = bx_error_set(err, BX_ERR_IO, "%s: cannot create the folder: %s is a file",
                                  path, p);
            else
                st = bx_error_set(err, BX_ERR_IO, "%s: cannot create the folder: %s", path, why);
        }
        p[i] = c;
    }
    bx_free(p);
    return st;
}
