/*
 * Time zones for interpreters' weekly availability: IANA zone names, UTC <-> local wall time.
 *
 * An interpreter says "Mondays 09:00-12:00" in their own zone; an appointment window is a UTC
 * range. This module converts between the two, DST change days included, by reading the
 * system's compiled IANA database (TZif files under TOLK_ZONEINFO_DIR, Debian's `tzdata`
 * package) itself, including the POSIX TZ rule at the end of each file for dates after its
 * last listed transition.
 *
 * Why not setenv("TZ") + tzset() + mktime(): that changes process-wide state (the environment
 * and libc's zone), so it is unsafe with any other thread, and re-reads a zone file whenever
 * the zone changes, which matching 200 interpreters across several zones would do hundreds of
 * times per query.
 *
 * Thread-safety and state: any thread may call these functions. Parsed zones are kept in a
 * small per-thread cache (TOLK_TZ_CACHE zones, about 2 KiB each, in thread-local storage);
 * that cache is the module's only mutable state and only changes speed, never results. The
 * only I/O is reading a zone file the first time a thread needs it (one small function in
 * tz.c); a call that has to load a zone uses about 20 KiB of stack. A tzdata upgrade is seen by
 * a thread once the zone has left its cache; restart tolkd after upgrading tzdata to be sure.
 *
 * Limits: zone data before 1970 is not kept (appointments are not in the past); times are
 * UTC seconds since 1970 (Unix time, no leap seconds) within +-2^40; years 1..9999. Zones
 * with leap-second data ("right/...") are refused.
 */
#ifndef TOLK_TZ_H
#define TOLK_TZ_H

#include <stdbool.h>
#include <stdint.h>

#ifndef TOLK_ZONEINFO_DIR
#define TOLK_ZONEINFO_DIR "/usr/share/zoneinfo"
#endif
#define TOLK_TZ_NAME_MAX 64 /* characters in a zone name, without the NUL */
#define TOLK_TZ_CACHE    16 /* zones each thread keeps parsed */

/* A local civil time, as tolk_tz_local() gives it. */
struct tolk_local_time {
    int year;           /* e.g. 2024 */
    int month;          /* 1..12 */
    int day;            /* 1..31 */
    int weekday;        /* 0 = Monday .. 6 = Sunday (ISO order, as availability slots use) */
    int minute;         /* minute of the day, 0..1439 */
    int second;         /* second within that minute, 0..59 */
    int32_t utc_offset; /* seconds east of UTC in effect at that instant (Berlin summer: 7200) */
    bool is_dst;        /* the zone's daylight-saving (or other non-standard) time is in effect */
};

/*
 * 1 if `iana_name` is a zone this module can use, 0 otherwise (also for NULL). The name must
 * be at most TOLK_TZ_NAME_MAX characters of [A-Za-z0-9_+-] in non-empty segments separated by
 * '/' (so no "..", no leading '/'), and TOLK_ZONEINFO_DIR/NAME must be a readable TZif file.
 * Reads that file unless this thread has it cached.
 */
int tolk_tz_valid(const char *iana_name);

/*
 * The local time in `zone` at UTC instant `utc`. Returns 0 and fills *out, or -1 (out
 * untouched) if the zone is not valid (tolk_tz_valid) or utc is out of range. zone and out
 * must not be NULL.
 */
int tolk_tz_local(const char *zone, int64_t utc, struct tolk_local_time *out);

/*
 * The UTC instant of local wall time y-m-d, `minute` minutes after local midnight, in `zone`.
 * minute may be 0..1440; 1440 means midnight at the end of that day (the start of the next
 * one), so that a slot can end at 24:00. Returns 0 and sets *utc, or -1 (utc untouched) for an
 * invalid zone or date.
 *
 * Wall times that a DST change makes special:
 *   - a time that does not exist (spring forward, Berlin 2024-03-31 02:30) gives the first
 *     valid instant after it, which is the moment of the change (03:00 CEST = 01:00 UTC);
 *   - a time that exists twice (fall back, Berlin 2024-10-27 02:30) gives the earlier
 *     instant (02:30 CEST = 00:30 UTC).
 * So a slot "01:00-04:00" always covers the whole of its wall-clock span that day: two real
 * hours on the spring day, four on the autumn day.
 */
int tolk_tz_to_utc(const char *zone, int y, int m, int d, int minute, int64_t *utc);

/*
 * Proleptic Gregorian calendar arithmetic, no zone involved: days since 1970-01-01 of a date,
 * and the date of such a day number. Pure; any thread. Valid for years 1..9999 (the first
 * does not check its arguments: pass a real date).
 */
int64_t tolk_tz_days_from_civil(int y, int m, int d);
void tolk_tz_civil_from_days(int64_t days, int *y, int *m, int *d);

#endif
