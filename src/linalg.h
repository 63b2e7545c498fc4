/* linalg.h — small dense linear algebra shared by the fits (internal to libbx). */
#ifndef BX_LINALG_H
#define BX_LINALG_H

/**
 * Solve A x = b for x (m x m, row-major) by Gaussian elimination with partial
 * pivoting. A is destroyed, b receives x. Returns 0, or -1 if A is singular.
 */
int bx_linalg_solve(double *A, double *b, int m);

/**
 * One Levenberg–Marquardt step: solve (A0 + lambda diag(A0) + 1e-12 I) step
 * = g for step (m unknowns; A0 m x m row-major, the Gauss–Newton normal
 * matrix, and g its right-hand side are kept). A is m x m scratch. Returns 0,
 * or -1 if the damped matrix is singular (the caller raises lambda).
 */
int bx_linalg_lm_step(const double *A0, const double *g, double lambda, int m, double *A,
                      double *step);

/**
 * The nearest positive semi-definite matrix to the symmetric part of S (m x m,
 * row-major, m <= 8; replaced in place): its eigenvalues below 0 set to 0
 * (Jacobi rotations). A numerical Hessian read at the bottom of a narrow
 * valley can come out slightly indefinite; projected, a direction it does
 * not curve up says nothing instead of turning every variance negative.
 * Returns 0, or -1 for m out of range.
 */
int bx_linalg_psd_project(double *S, int m);

#endif
