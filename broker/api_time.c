/*
 * Times in the REST API: RFC 3339 and local wall times in, local texts with offsets out
 * (api_time.h). The zone arithmetic is interp/tz.c's; this file only reads and writes text and
 * refuses the wall times a DST change makes meaningless.
 */
#include "api_time.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tz.h"

#define DAY 86400

/* Reads exactly N decimal digits at *P into *OUT and advances *P; -1 if they are not there. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        char ch = (*p)[i];
        if (ch < '0' || ch > '9')
            return -1;
        v = v * 10 + (ch - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

struct wall {
    int y, mo, d, h, mi, s;
    bool has_offset;
    int offset; /* seconds east of UTC */
};

/* "YYYY-MM-DD(T| )HH:MM[:SS][Z|+HH:MM|-HH:MM]"; 0, or -1 with *why. */
static int read_wall(const char *text, struct wall *w, const char **why)
{
    const char *p = text;
    int oh, om;

    memset(w, 0, sizeof(*w));
    *why = "must be Unix seconds or a date and time such as 2027-03-28T10:00 or "
           "2027-03-28T10:00:00+02:00";
    if (digits(&p, 4, &w->y) || *p++ != '-' || digits(&p, 2, &w->mo) || *p++ != '-' ||
        digits(&p, 2, &w->d))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (digits(&p, 2, &w->h) || *p++ != ':' || digits(&p, 2, &w->mi))
        return -1;
    if (*p == ':' && (++p, digits(&p, 2, &w->s)))
        return -1;
    if (*p == 'Z' || *p == 'z') {
        w->has_offset = true;
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
            return -1;
        w->has_offset = true;
        w->offset = sign * (oh * 3600 + om * 60);
    }
    if (*p != '\0')
        return -1;
    if (w->y < 1970 || w->y > 9999 || w->mo < 1 || w->mo > 12 || w->d < 1 ||
        w->d > days_in_month(w->y, w->mo) || w->h > 23 || w->mi > 59 || w->s > 59) {
        *why = "is not a real date and time";
        return -1;
    }
    return 0;
}

/* Whether instant U shows wall time W in ZONE. */
static bool shows(const char *zone, int64_t u, const struct wall *w)
{
    struct tolk_local_time lt;

    if (tolk_tz_local(zone, u, &lt) != 0)
        return false;
    return lt.year == w->y && lt.month == w->mo && lt.day == w->d &&
           lt.minute == w->h * 60 + w->mi && lt.second == w->s;
}

int tolkd_time_parse(const char *text, const char *zone, int64_t *t, const char **why)
{
    struct wall w;

    if (read_wall(text, &w, why) != 0)
        return -1;
    int64_t naive = tolk_tz_days_from_civil(w.y, w.mo, w.d) * DAY + w.h * 3600 + w.mi * 60 + w.s;
    if (w.has_offset) {
        *t = naive - w.offset;
        return 0;
    }
    if (zone[0] == '\0') {
        *why = "a time without an offset needs a time_zone";
        return -1;
    }
    int64_t u;
    if (tolk_tz_to_utc(zone, w.y, w.mo, w.d, w.h * 60 + w.mi, &u) != 0) {
        *why = "is not a time in that time zone";
        return -1;
    }
    u += w.s;
    if (!shows(zone, u, &w)) {
        *why = "does not exist in that time zone (the clocks go forward then): give an offset";
        return -1;
    }
    /* tz_to_utc gave the earlier of two instants if there are two; look for a later one with
     * any offset the zone uses within a day of it. */
    for (int64_t probe = u - DAY; probe <= u + DAY; probe += DAY / 4) {
        struct tolk_local_time lt;
        if (tolk_tz_local(zone, probe, &lt) != 0)
            continue;
        int64_t other = naive - lt.utc_offset;
        if (other != u && shows(zone, other, &w)) {
            *why = "is ambiguous in that time zone (the clocks go back then): give an offset";
            return -1;
        }
    }
    *t = u;
    return 0;
}

int tolkd_time_format(int64_t t, const char *zone, char out[TOLKD_TIME_TEXT_MAX])
{
    struct tolk_local_time lt;

    out[0] = '\0';
    if (tolk_tz_local(zone, t, &lt) != 0 || lt.year < 0 || lt.year > 9999)
        return -1;
    int32_t off = lt.utc_offset < 0 ? -lt.utc_offset : lt.utc_offset;
    snprintf(out, TOLKD_TIME_TEXT_MAX, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", lt.year,
             lt.month, lt.day, lt.minute / 60, lt.minute % 60, lt.second,
             lt.utc_offset < 0 ? '-' : '+', (int)(off / 3600), (int)(off % 3600 / 60));
    return 0;
}
