/* A field of /proc/self/status in KiB (VmRSS, VmHWM), for the race
 * detector's memory tests; -1 if it cannot be read. */
#ifndef RACE_TESTS_PROC_STATUS_H
#define RACE_TESTS_PROC_STATUS_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline long proc_status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t n = strlen(field);
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':')
            kib = strtol(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}
#endif
