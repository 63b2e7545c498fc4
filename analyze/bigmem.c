/* bigmem.c — see bigmem.h. */
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, madvise */
#endif
#include "bigmem.h"

#include "bx/error.h"

/* Under AddressSanitizer the blocks stay with malloc, where it can watch them. */
#if defined(__SANITIZE_ADDRESS__)
#define BIGMEM_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BIGMEM_OFF 1
#endif
#endif

#if defined(__linux__) && !defined(BIGMEM_OFF)
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

/* Every block starts with this header, BIGMEM_HDR bytes before the pointer
 * handed out (keeping malloc's alignment): how many bytes were mapped for it,
 * 0 for a block from malloc. */
#define BIGMEM_HDR 64
#define BIGMEM_PAGE ((size_t)2 << 20) /* a transparent huge page on x86-64 and arm64 */
#define BIGMEM_MIN ((size_t)1 << 20)  /* smaller blocks come from malloc */

static void *big_alloc(size_t size, void *user)
{
    (void)user;
    if (size > SIZE_MAX - 2 * BIGMEM_PAGE - BIGMEM_HDR)
        return NULL;
    if (size + BIGMEM_HDR < BIGMEM_MIN) {
        unsigned char *p = malloc(size + BIGMEM_HDR);
        if (!p)
            return NULL;
        *(size_t *)p = 0;
        return p + BIGMEM_HDR;
    }
    /* map one page more than needed and trim it so the block starts on a
     * huge-page boundary, which is where the kernel can use huge pages */
    const size_t len = (size + BIGMEM_HDR + BIGMEM_PAGE - 1) / BIGMEM_PAGE * BIGMEM_PAGE;
    unsigned char *m =
        mmap(NULL, len + BIGMEM_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    const uintptr_t a = ((uintptr_t)m + BIGMEM_PAGE - 1) & ~(uintptr_t)(BIGMEM_PAGE - 1);
    unsigned char *p = (unsigned char *)a;
    if (p > m)
        munmap(m, (size_t)(p - m));
    if (m + len + BIGMEM_PAGE > p + len)
        munmap(p + len, (size_t)(m + len + BIGMEM_PAGE - (p + len)));
#ifdef MADV_HUGEPAGE
    madvise(p, len, MADV_HUGEPAGE); /* advice only: without it the block still works */
#endif
    *(size_t *)p = len;
    return p + BIGMEM_HDR;
}

static void big_free(void *ptr, void *user)
{
    (void)user;
    if (!ptr)
        return;
    unsigned char *p = (unsigned char *)ptr - BIGMEM_HDR;
    const size_t len = *(size_t *)p;
    if (len)
        munmap(p, len);
    else
        free(p);
}

void bigmem_install(void)
{
    bx_set_allocator(big_alloc, big_free, NULL);
}
#else
void bigmem_install(void)
{
}
#endif
