/* meter.c — BS.1770 / EBU Tech 3342 loudness meter (see bx/meter.h). The
 * audio is reduced to one channel-weighted sum of K-weighted squares per
 * 100 ms sub-block; the gating blocks (4 sub-blocks) and the loudness-range
 * blocks (30 sub-blocks) are sums of those at the end. */
#include "bx/meter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* K-weighting, analog prototypes (BS.1770-4 Annex 1, re-expressed as
 * centre frequency, gain and Q so that they can be designed at any rate) */
#define SHELF_F0 1681.974450955533
#define SHELF_GAIN_DB 3.999843853973347
#define SHELF_Q 0.7071752369554196
#define SHELF_VB_EXP 0.4996667741545416 /* band gain = high gain ^ this */
#define HP_F0 38.13547087602444
#define HP_Q 0.5003270373238773

#define ABS_GATE_LUFS (-70.0)
#define REL_GATE_LU (-10.0)
#define LRA_REL_GATE_LU (-20.0)
#define LUFS_OFFSET (-0.691)
#define SURROUND_WEIGHT 1.41
#define DENORMAL 1e-30

typedef struct kstate {
    double s1, s2, t1, t2; /* pre-filter, RLB highpass (transposed direct form II) */
    double acc;            /* sum of squares in the current sub-block */
} kstate;

struct bx_meter {
    double rate_hz;
    unsigned channels;
    size_t sub_len;                 /* samples per 100 ms sub-block */
    size_t sub_fill;                /* samples in the current sub-block */
    double pb0, pb1, pb2, pa1, pa2; /* pre-filter */
    double ha1, ha2;                /* highpass: b = 1, -2, 1 */
    double *weight;                 /* per channel */
    kstate *st;                     /* per channel */
    double *peak;                   /* per channel */
    double *sub;                    /* weighted sums of finished sub-blocks */
    size_t n_sub, cap_sub;
};

static double channel_weight(unsigned channels, unsigned c)
{
    if (channels == 4)
        return c < 2 ? 1.0 : SURROUND_WEIGHT;
    if (channels == 5)
        return c < 3 ? 1.0 : SURROUND_WEIGHT;
    switch (c) {
    case 0:
    case 1:
    case 2:
        return 1.0;
    case 4:
    case 5:
        return SURROUND_WEIGHT;
    default:
        return 0.0; /* LFE, and channels without a BS.1770 weight */
    }
}

bx_meter *bx_meter_create(double rate_hz, unsigned channels, bx_error *err)
{
    if (!(rate_hz >= BX_METER_RATE_MIN && rate_hz <= BX_METER_RATE_MAX) ||
        rate_hz != floor(rate_hz)) {
        bx_error_set(err, BX_ERR_ARG, "loudness: sample rate %g Hz is not a whole number in %g..%g",
                     rate_hz, BX_METER_RATE_MIN, BX_METER_RATE_MAX);
        return NULL;
    }
    if (channels < 1 || channels > BX_METER_MAX_CHANNELS) {
        bx_error_set(err, BX_ERR_ARG, "loudness: %u channels, expected 1..%d", channels,
                     BX_METER_MAX_CHANNELS);
        return NULL;
    }
    bx_meter *m = bx_calloc(1, sizeof *m);
    if (!m)
        goto nomem;
    m->rate_hz = rate_hz;
    m->channels = channels;
    m->sub_len = ((size_t)rate_hz + 5) / 10;
    m->weight = bx_malloc(2 * channels * sizeof(double));
    m->st = bx_malloc(channels * sizeof(kstate));
    m->cap_sub = 64;
    m->sub = bx_malloc(m->cap_sub * sizeof(double));
    if (!m->weight || !m->st || !m->sub)
        goto nomem;
    m->peak = m->weight + channels;
    for (unsigned c = 0; c < channels; c++)
        m->weight[c] = channel_weight(channels, c);

    /* pre-filter: a high shelf by the bilinear transform, K = tan(pi f0 / fs) */
    double K = tan(M_PI * SHELF_F0 / rate_hz);
    const double vh = pow(10.0, SHELF_GAIN_DB / 20.0), vb = pow(vh, SHELF_VB_EXP);
    double a0 = 1.0 + K / SHELF_Q + K * K;
    m->pb0 = (vh + vb * K / SHELF_Q + K * K) / a0;
    m->pb1 = 2.0 * (K * K - vh) / a0;
    m->pb2 = (vh - vb * K / SHELF_Q + K * K) / a0;
    m->pa1 = 2.0 * (K * K - 1.0) / a0;
    m->pa2 = (1.0 - K / SHELF_Q + K * K) / a0;
    /* RLB: a second-order highpass with numerator 1 - 2 z^-1 + z^-2 */
    K = tan(M_PI * HP_F0 / rate_hz);
    a0 = 1.0 + K / HP_Q + K * K;
    m->ha1 = 2.0 * (K * K - 1.0) / a0;
    m->ha2 = (1.0 - K / HP_Q + K * K) / a0;
    bx_meter_reset(m);
    return m;
nomem:
    bx_meter_destroy(m);
    bx_error_set(err, BX_ERR_NOMEM, "loudness: out of memory");
    return NULL;
}

void bx_meter_destroy(bx_meter *m)
{
    if (!m)
        return;
    bx_free(m->weight);
    bx_free(m->st);
    bx_free(m->sub);
    bx_free(m);
}

void bx_meter_reset(bx_meter *m)
{
    memset(m->st, 0, m->channels * sizeof(kstate));
    for (unsigned c = 0; c < m->channels; c++)
        m->peak[c] = 0.0;
    m->sub_fill = 0;
    m->n_sub = 0;
}

/* K-weighting of n frames of channel c (stride channels), their squares
 * added to the channel's sub-block sum in sample order (so the sums do not
 * depend on how the audio was split into calls). */
static void kweigh(bx_meter *m, const float *x, size_t n, unsigned c)
{
    const unsigned stride = m->channels;
    double pk = m->peak[c];
    if (m->weight[c] == 0.0) { /* not part of the loudness: only the peak */
        for (size_t i = 0; i < n; i++) {
            const double av = fabs((double)x[i * stride + c]);
            pk = av > pk ? av : pk;
        }
        m->peak[c] = pk;
        return;
    }
    const double b0 = m->pb0, b1 = m->pb1, b2 = m->pb2, a1 = m->pa1, a2 = m->pa2;
    const double h1 = m->ha1, h2 = m->ha2;
    kstate k = m->st[c];
    for (size_t i = 0; i < n; i++) {
        const double v = x[i * stride + c];
        const double av = fabs(v);
        pk = av > pk ? av : pk;
        const double y = b0 * v + k.s1;
        k.s1 = b1 * v - a1 * y + k.s2;
        k.s2 = b2 * v - a2 * y;
        const double z = y + k.t1;
        k.t1 = -2.0 * y - h1 * z + k.t2;
        k.t2 = y - h2 * z;
        k.acc += z * z;
    }
    m->st[c] = k;
    m->peak[c] = pk;
}

/* End of a sub-block: its weighted sum; filter states that would decay into
 * subnormals in silence are flushed (at a point that does not depend on the
 * calls either). */
static void close_sub_block(bx_meter *m)
{
    double e = 0.0;
    for (unsigned c = 0; c < m->channels; c++) {
        kstate *k = &m->st[c];
        e += m->weight[c] * k->acc;
        k->acc = 0.0;
        if (fabs(k->s1) < DENORMAL && fabs(k->s2) < DENORMAL)
            k->s1 = k->s2 = 0.0;
        if (fabs(k->t1) < DENORMAL && fabs(k->t2) < DENORMAL)
            k->t1 = k->t2 = 0.0;
    }
    m->sub[m->n_sub++] = e;
    m->sub_fill = 0;
}

bx_status bx_meter_add(bx_meter *m, const float *x, size_t frames, bx_error *err)
{
    /* room for every sub-block this call can finish, before touching state */
    const size_t need = m->n_sub + (m->sub_fill + frames) / m->sub_len;
    if (need > m->cap_sub) {
        size_t cap = m->cap_sub;
        while (cap < need)
            cap *= 2;
        double *s = bx_malloc(cap * sizeof(double));
        if (!s)
            return bx_error_set(err, BX_ERR_NOMEM, "loudness: out of memory");
        memcpy(s, m->sub, m->n_sub * sizeof(double));
        bx_free(m->sub);
        m->sub = s;
        m->cap_sub = cap;
    }
    while (frames > 0) {
        size_t n = m->sub_len - m->sub_fill;
        if (n > frames)
            n = frames;
        for (unsigned c = 0; c < m->channels; c++)
            kweigh(m, x, n, c);
        m->sub_fill += n;
        x += n * m->channels;
        frames -= n;
        if (m->sub_fill == m->sub_len)
            close_sub_block(m);
    }
    return BX_OK;
}

static double to_lufs(double ms)
{
    return LUFS_OFFSET + 10.0 * log10(ms);
}

static double from_lufs(double lufs)
{
    return pow(10.0, (lufs - LUFS_OFFSET) / 10.0);
}

/* Mean square of the block of `len` sub-blocks starting at sub-block i. */
static double block_ms(const bx_meter *m, size_t i, size_t len)
{
    double s = 0.0;
    for (size_t k = i; k < i + len; k++)
        s += m->sub[k];
    return s / (double)(len * m->sub_len);
}

/* Mean square of the 400 ms gating blocks at or above `gate` (a mean
 * square); *count: how many there were. */
static double gated_mean(const bx_meter *m, double gate, size_t *count)
{
    const size_t nb = m->n_sub - 3;
    double sum = 0.0;
    size_t c = 0;
    for (size_t i = 0; i < nb; i++) {
        const double z = block_ms(m, i, 4);
        if (z >= gate)
            sum += z, c++;
    }
    *count = c;
    return c ? sum / (double)c : 0.0;
}

double bx_meter_integrated(const bx_meter *m)
{
    if (m->n_sub < 4)
        return -HUGE_VAL;
    const double abs_gate = from_lufs(ABS_GATE_LUFS);
    size_t count;
    const double mean = gated_mean(m, abs_gate, &count);
    if (count == 0)
        return -HUGE_VAL;
    const double rel_gate = mean * pow(10.0, REL_GATE_LU / 10.0);
    const double z = gated_mean(m, fmax(abs_gate, rel_gate), &count);
    return count ? to_lufs(z) : -HUGE_VAL;
}

double bx_meter_energy(const bx_meter *m)
{
    if (m->n_sub < 4)
        return -HUGE_VAL;
    size_t count;
    const double z = gated_mean(m, from_lufs(ABS_GATE_LUFS), &count);
    return count ? to_lufs(z) : -HUGE_VAL;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

bx_status bx_meter_range(const bx_meter *m, double *lu, bx_error *err)
{
    *lu = 0.0;
    if (m->n_sub < 30)
        return BX_OK;
    const size_t nb = (m->n_sub - 30) / 10 + 1; /* blocks end at 3 s, 4 s, ... */
    double *z = bx_malloc(nb * sizeof(double));
    if (!z)
        return bx_error_set(err, BX_ERR_NOMEM, "loudness range: out of memory");
    const double abs_gate = from_lufs(ABS_GATE_LUFS);
    size_t n = 0;
    for (size_t j = 0; j < nb; j++) {
        const double v = block_ms(m, 10 * j, 30);
        if (v >= abs_gate)
            z[n++] = v;
    }
    if (n > 0) {
        qsort(z, n, sizeof *z, cmp_double);
        double mean = 0.0;
        for (size_t i = 0; i < n; i++)
            mean += z[i];
        const double rel_gate = mean / (double)n * pow(10.0, LRA_REL_GATE_LU / 10.0);
        size_t first = 0;
        while (first < n && z[first] < rel_gate)
            first++;
        const size_t k = n - first;
        if (k > 0) {
            const double hi = z[first + (size_t)((double)(k - 1) * 0.95 + 0.5)];
            const double lo = z[first + (size_t)((double)(k - 1) * 0.10 + 0.5)];
            *lu = to_lufs(hi) - to_lufs(lo);
        }
    }
    bx_free(z);
    return BX_OK;
}

double bx_meter_sample_peak(const bx_meter *m, unsigned channel)
{
    return channel < m->channels ? m->peak[channel] : 0.0;
}
