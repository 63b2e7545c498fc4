/*
 * bigmem.h — bxanalyze's allocator for libbx: large blocks on huge pages.
 *
 * An analysis allocates tens of MB of buffers (whole takes, spectra,
 * renderings) and touches each page once. With 4 KB pages every first touch
 * is a page fault, and on a virtual machine a fault costs microseconds: a
 * 20 s --source analysis took ~5 300 of them, ~10 % of its time. On Linux
 * this allocator maps blocks of 1 MB and more on 2 MB boundaries and asks
 * for transparent huge pages (madvise; the system's policy decides), so a
 * few hundred faults do; smaller blocks come from malloc. Elsewhere, and
 * in builds with AddressSanitizer (which watches malloc's blocks),
 * bigmem_install does nothing and libbx uses malloc.
 */
#ifndef BX_ANALYZE_BIGMEM_H
#define BX_ANALYZE_BIGMEM_H

/** Route libbx's allocations through this allocator; call before any other libbx call. */
void bigmem_install(void);

#endif
