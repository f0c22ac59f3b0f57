/*
 * Frequency estimation from timed samples, for calibrating one counter
 * (the TSC, the LAPIC timer) against another of known rate (the PIT, the
 * ACPI PM timer, the calibrated TSC). Pure arithmetic: the hardware side
 * (bracketed reads, rounds, the cross-check) is in arch/x86/time.c, and
 * tests/unit/test_calib.c runs this file on the host.
 */
#ifndef ORYX_CALIB_H
#define ORYX_CALIB_H

#include <oryx/types.h>

#define CALIB_MAX_SAMPLES 32u

/* One stretch between two end points, each read undisturbed or not. */
struct calib_sample {
    uint64_t count;     /* ticks of the counter being calibrated */
    uint64_t ref;       /* ticks of the reference over the same stretch */
    bool valid;         /* both end points were read undisturbed */
};

struct calib_result {
    uint64_t hz;            /* the counter's rate; 0 when no sample was kept */
    uint64_t median_hz;     /* the median sample's rate */
    unsigned int kept;      /* valid samples within keep_ppm of the median */
    unsigned int rejected;  /* invalid ones, and valid ones further out */
    uint32_t spread_ppm;    /* largest distance of a kept sample from the median */
};

/*
 * The counter's rate, given the reference's rate ref_hz: the median of
 * the valid samples' rates, then, over the samples within keep_ppm of
 * that median, total counter ticks over total reference ticks (one long
 * baseline made of the undisturbed stretches). At most CALIB_MAX_SAMPLES
 * samples are looked at.
 */
void calib_estimate(const struct calib_sample *s, unsigned int n, uint64_t ref_hz,
                    uint32_t keep_ppm, struct calib_result *r);

/* (a - b) / b in parts per million, rounded towards zero; b > 0. */
int64_t calib_ppm(uint64_t a, uint64_t b);

#endif
