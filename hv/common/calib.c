/*
 * Frequency estimation for clock calibration: a median to find the
 * undisturbed majority, then a ratio of sums over it (see oryx/calib.h).
 */
#include <oryx/calib.h>

/* a * b / c with a 128-bit product, saturating at UINT64_MAX. Long
 * division: the hypervisor has no libgcc for a 128-bit divide. */
static uint64_t muldiv(uint64_t a, uint64_t b, uint64_t c)
{
    unsigned __int128 n = (unsigned __int128)a * b, rem = 0, q = 0;

    for (int i = 127; i >= 0; i--) {
        rem = rem << 1 | ((n >> i) & 1);
        if (rem >= c) {
            rem -= c;
            q |= (unsigned __int128)1 << i;
        }
    }
    return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

static uint64_t sample_hz(const struct calib_sample *s, uint64_t ref_hz)
{
    return muldiv(s->count, ref_hz, s->ref);
}

static uint64_t dist(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

int64_t calib_ppm(uint64_t a, uint64_t b)
{
    uint64_t ppm = muldiv(dist(a, b), 1000000, b);

    if (ppm > INT64_MAX)
        ppm = INT64_MAX;
    return a >= b ? (int64_t)ppm : -(int64_t)ppm;
}

void calib_estimate(const struct calib_sample *s, unsigned int n, uint64_t ref_hz,
                    uint32_t keep_ppm, struct calib_result *r)
{
    uint64_t rate[CALIB_MAX_SAMPLES], count = 0, ref = 0, med, lim;
    unsigned int nv = 0;

    *r = (struct calib_result){ 0 };
    if (n > CALIB_MAX_SAMPLES)
        n = CALIB_MAX_SAMPLES;
    for (unsigned int i = 0; i < n; i++) {
        if (!s[i].valid || !s[i].ref || !s[i].count) {
            r->rejected++;
            continue;
        }
        /* Insertion sort: a few dozen samples at most. */
        uint64_t v = sample_hz(&s[i], ref_hz);
        unsigned int j = nv++;
        for (; j > 0 && rate[j - 1] > v; j--)
            rate[j] = rate[j - 1];
        rate[j] = v;
    }
    if (!nv)
        return;
    /* With an even number, the lower of the two middle ones. */
    med = rate[(nv - 1) / 2];
    r->median_hz = med;
    lim = muldiv(med, keep_ppm, 1000000);
    for (unsigned int i = 0; i < n; i++) {
        if (!s[i].valid || !s[i].ref || !s[i].count)
            continue;
        uint64_t d = dist(sample_hz(&s[i], ref_hz), med);
        if (d > lim) {
            r->rejected++;
            continue;
        }
        r->kept++;
        count += s[i].count;
        ref += s[i].ref;
        uint64_t ppm = muldiv(d, 1000000, med);
        if (ppm > r->spread_ppm)
            r->spread_ppm = (uint32_t)ppm;
    }
    r->hz = muldiv(count, ref_hz, ref);
}
