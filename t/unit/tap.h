/* A few lines of TAP for the unit tests: one "ok"/"not ok" line a check,
 * the plan at the end, and the failure count for the exit status. */
#ifndef BBW_TAP_H
#define BBW_TAP_H

#include <stdio.h>
#include <string.h>

static int tests, failures;

static inline void check(int ok, const char *name)
{
    tests++;
    if (!ok)
        failures++;
    printf("%sok %d - %s\n", ok ? "" : "not ", tests, name);
}

static inline void check_str(const char *got, const char *want, const char *name)
{
    int ok = strcmp(got, want) == 0;
    check(ok, name);
    if (!ok)
        printf("# got:  %s\n# want: %s\n", got, want);
}

#endif
