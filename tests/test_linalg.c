/* test_linalg — the small dense linear algebra of the fits (src/linalg.h)
 * against closed forms:
 *
 *  - bx_linalg_psd_project on S = Q diag(l) Q^T, Q a known rotation (a
 *    2 x 2 one and a product of three plane rotations in 5 dimensions) and
 *    some l negative, gives Q diag(max(l, 0)) Q^T within 1e-12 of its
 *    largest element; a positive definite S comes back unchanged (1e-12);
 *    an asymmetric S is taken by its symmetric part;
 *  - bx_linalg_solve solves a known 3 x 3 system (1e-12) and refuses a
 *    singular one.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../src/linalg.h"
#include "testutil.h"

/* Q = the product of plane rotations (p[k], q[k], angle a[k]) on the identity */
static void rotation(int m, const int *p, const int *q, const double *a, int n, double *Q)
{
    for (int i = 0; i < m * m; i++)
        Q[i] = (i / m) == (i % m);
    for (int r = 0; r < n; r++) {
        const double c = cos(a[r]), s = sin(a[r]);
        for (int k = 0; k < m; k++) {
            const double x = Q[k * m + p[r]], y = Q[k * m + q[r]];
            Q[k * m + p[r]] = c * x - s * y;
            Q[k * m + q[r]] = s * x + c * y;
        }
    }
}

static void compose(int m, const double *Q, const double *l, double *S)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            double v = 0;
            for (int k = 0; k < m; k++)
                v += Q[i * m + k] * l[k] * Q[j * m + k];
            S[i * m + j] = v;
        }
}

static double max_diff(int m, const double *a, const double *b, double *scale)
{
    double d = 0, s = 0;
    for (int i = 0; i < m * m; i++)
        d = fmax(d, fabs(a[i] - b[i])), s = fmax(s, fabs(b[i]));
    *scale = s;
    return d;
}

static int check_projection(const char *what, int m, const double *Q, const double *l)
{
    double S[64], want[64], lp[8], scale;
    compose(m, Q, l, S);
    for (int k = 0; k < m; k++)
        lp[k] = fmax(l[k], 0.0);
    compose(m, Q, lp, want);
    if (bx_linalg_psd_project(S, m) != 0) {
        tu_fail("%s: refused", what);
        return 1;
    }
    const double d = max_diff(m, S, want, &scale);
    printf("%s: largest difference %.2e of %.3g (limit 1e-12 of it)\n", what, d, scale);
    if (!(d <= 1e-12 * scale))
        tu_fail("%s: projection %.3e from Q max(l, 0) Q^T (limit %.3e)", what, d, 1e-12 * scale);
    return 1;
}

int main(void)
{
    int checks = 0;
    /* 2 x 2: [[1, 2], [2, 1]] has eigenvalues 3 and -1 on (1, 1) and (1, -1) */
    {
        const int p[] = {0}, q[] = {1};
        const double a[] = {atan(1.0)};
        double Q[4];
        rotation(2, p, q, a, 1, Q);
        const double l[] = {-1.0, 3.0};
        checks += check_projection("2 x 2, eigenvalues 3 and -1", 2, Q, l);
    }
    /* 5 x 5: a valley (one eigenvalue slightly negative) as a numerical
     * Hessian can give, and one with two clearly negative */
    const int p[] = {0, 2, 1}, q[] = {2, 3, 4};
    const double a[] = {0.7, -1.1, 0.4};
    double Q[25];
    rotation(5, p, q, a, 3, Q);
    const double valley[] = {3.4, -0.0096, 2.9, 2.1, 0.5};
    checks += check_projection("5 x 5, one eigenvalue -0.0096", 5, Q, valley);
    const double two[] = {-4.0, 1.0, 6.0, -0.5, 2.0};
    checks += check_projection("5 x 5, two negative eigenvalues", 5, Q, two);
    const double pd[] = {1.0, 2.0, 3.0, 4.0, 5.0};
    checks += check_projection("5 x 5, positive definite (unchanged)", 5, Q, pd);
    {
        /* an asymmetric matrix: its symmetric part, [[2, 0], [0, 2]] */
        double S[4] = {2.0, 1.0, -1.0, 2.0};
        const double want[4] = {2.0, 0.0, 0.0, 2.0};
        double scale;
        bx_linalg_psd_project(S, 2);
        checks++;
        if (!(max_diff(2, S, want, &scale) <= 1e-12 * scale))
            tu_fail("asymmetric: not its symmetric part");
    }
    /* bx_linalg_solve: [[2, 1, 0], [1, 3, 1], [0, 1, 4]] x = (3, 5, 5): x = (1, 1, 1) */
    {
        double A[9] = {2, 1, 0, 1, 3, 1, 0, 1, 4}, b[3] = {3, 5, 5};
        checks++;
        if (bx_linalg_solve(A, b, 3) != 0 || fabs(b[0] - 1) > 1e-12 || fabs(b[1] - 1) > 1e-12 ||
            fabs(b[2] - 1) > 1e-12)
            tu_fail("solve: (%g, %g, %g), not (1, 1, 1)", b[0], b[1], b[2]);
        double Z[4] = {1, 2, 2, 4}, z[2] = {1, 1};
        checks++;
        if (bx_linalg_solve(Z, z, 2) == 0)
            tu_fail("solve: a singular matrix was solved");
    }
    return tu_finish("test_linalg", checks);
}
