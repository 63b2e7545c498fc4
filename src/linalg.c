/* linalg.c — Gaussian elimination with partial pivoting, and the damped
 * solve of a Levenberg–Marquardt step. */
#include "linalg.h"

#include <math.h>
#include <string.h>

int bx_linalg_solve(double *A, double *b, int m)
{
    for (int c = 0; c < m; c++) {
        int piv = c;
        for (int r = c + 1; r < m; r++)
            if (fabs(A[r * m + c]) > fabs(A[piv * m + c]))
                piv = r;
        if (fabs(A[piv * m + c]) < 1e-300)
            return -1;
        if (piv != c) {
            for (int k = 0; k < m; k++) {
                const double t = A[c * m + k];
                A[c * m + k] = A[piv * m + k];
                A[piv * m + k] = t;
            }
            const double t = b[c];
            b[c] = b[piv];
            b[piv] = t;
        }
        for (int r = c + 1; r < m; r++) {
            const double f = A[r * m + c] / A[c * m + c];
            for (int k = c; k < m; k++)
                A[r * m + k] -= f * A[c * m + k];
            b[r] -= f * b[c];
        }
    }
    for (int c = m - 1; c >= 0; c--) {
        double s = b[c];
        for (int k = c + 1; k < m; k++)
            s -= A[c * m + k] * b[k];
        b[c] = s / A[c * m + c];
    }
    return 0;
}

int bx_linalg_lm_step(const double *A0, const double *g, double lambda, int m, double *A,
                      double *step)
{
    memcpy(A, A0, sizeof(double) * (size_t)(m * m));
    memcpy(step, g, sizeof(double) * (size_t)m);
    for (int a = 0; a < m; a++)
        A[a * m + a] += lambda * A0[a * m + a] + 1e-12;
    return bx_linalg_solve(A, step, m);
}
