/*
 * Minimal host unit-test framework. A test binary calls TEST_RUN(fn) per
 * case; every failed CHECK prints the location. Output is one line per
 * case, "PASS: <suite>/<case>" or "FAIL: <suite>/<case> ...", which the
 * runner counts. The exit status is 1 when any case failed.
 */
#ifndef ORYX_UNIT_H
#define ORYX_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char *unit_suite;
extern int unit_case_failed;
extern int unit_failures;
extern int unit_cases;

#define CHECK(c) do { \
    if (!(c)) { \
        fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); \
        unit_case_failed = 1; \
    } \
} while (0)

#define CHECK_EQ(a, b) do { \
    long long _a = (long long)(a), _b = (long long)(b); \
    if (_a != _b) { \
        fprintf(stderr, "  %s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n", \
                __FILE__, __LINE__, #a, #b, _a, _b); \
        unit_case_failed = 1; \
    } \
} while (0)

#define TEST_RUN(fn) do { \
    unit_case_failed = 0; \
    unit_cases++; \
    fn(); \
    printf("%s: %s/%s\n", unit_case_failed ? "FAIL" : "PASS", unit_suite, #fn); \
    if (unit_case_failed) unit_failures++; \
} while (0)

#define UNIT_MAIN(suite) \
    const char *unit_suite = suite; \
    int unit_case_failed, unit_failures, unit_cases; \
    static void unit_all(void); \
    int main(void) { unit_all(); return unit_failures ? 1 : 0; } \
    static void unit_all(void)

#endif
