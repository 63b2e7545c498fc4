/* linalg.c — Gaussian elimination with partial pivoting, the damped solve
 * of a Levenberg–Marquardt step, and the projection of a symmetric matrix
 * onto the positive semi-definite ones. */
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

int bx_linalg_psd_project(double *S, int m)
{
    enum { MAXM = 8 };
    if (m < 1 || m > MAXM)
        return -1;
    double A[MAXM * MAXM], V[MAXM * MAXM];
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            A[i * m + j] = 0.5 * (S[i * m + j] + S[j * m + i]);
            V[i * m + j] = i == j;
        }
    /* cyclic Jacobi: rotate each off-diagonal element to zero until none is left */
    for (int sweep = 0; sweep < 60; sweep++) {
        double off = 0, all = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++) {
                all += A[i * m + j] * A[i * m + j];
                if (i != j)
                    off += A[i * m + j] * A[i * m + j];
            }
        if (off <= 1e-30 * all || off == 0)
            break;
        for (int p = 0; p < m; p++)
            for (int q = p + 1; q < m; q++) {
                const double apq = A[p * m + q];
                if (apq == 0)
                    continue;
                const double theta = (A[q * m + q] - A[p * m + p]) / (2.0 * apq);
                const double t =
                    (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                const double c = 1.0 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < m; k++) { /* A <- A J (columns p, q) */
                    const double akp = A[k * m + p], akq = A[k * m + q];
                    A[k * m + p] = c * akp - s * akq;
                    A[k * m + q] = s * akp + c * akq;
                }
                for (int k = 0; k < m; k++) { /* A <- J^T A (rows p, q) */
                    const double apk = A[p * m + k], aqk = A[q * m + k];
                    A[p * m + k] = c * apk - s * aqk;
                    A[q * m + k] = s * apk + c * aqk;
                }
                for (int k = 0; k < m; k++) { /* V <- V J */
                    const double vkp = V[k * m + p], vkq = V[k * m + q];
                    V[k * m + p] = c * vkp - s * vkq;
                    V[k * m + q] = s * vkp + c * vkq;
                }
            }
    }
    /* S = V max(D, 0) V^T */
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            double v = 0;
            for (int k = 0; k < m; k++)
                v += V[i * m + k] * fmax(A[k * m + k], 0.0) * V[j * m + k];
            S[i * m + j] = v;
        }
    return 0;
}
