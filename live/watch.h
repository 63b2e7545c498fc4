/* watch.h — what bxlive's preset watch compares to see that the preset
 * file changed. */
#ifndef BX_LIVE_WATCH_H
#define BX_LIVE_WATCH_H

/* What the preset watcher compares. The modification time alone misses a file
 * completed within one tick of the file system's clock (a jiffy on Linux)
 * after the watcher saw its first part, and a copy that keeps its source's
 * time: the size, the status-change time and the file's identity (a rename
 * over it makes a new one) are compared too. */
typedef struct file_stamp {
    long long mtime, ctime, size, id; /* ctime and id: 0 where there are none */
    int exists;
} file_stamp;

file_stamp stamp_of(const char *path);

int stamp_same(const file_stamp *a, const file_stamp *b);

#endif
