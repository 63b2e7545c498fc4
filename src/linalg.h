/* linalg.h — small dense linear algebra shared by the fits (internal to libbx). */
#ifndef BX_LINALG_H
#define BX_LINALG_H

/**
 * Solve A x = b for x (m x m, row-major) by Gaussian elimination with partial
 * pivoting. A is destroyed, b receives x. Returns 0, or -1 if A is singular.
 */
int bx_linalg_solve(double *A, double *b, int m);

#endif
