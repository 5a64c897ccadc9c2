/*
 * IANA time zones from the system's TZif files (RFC 8536), without touching TZ or libc's zone
 * state. See tz.h for the contract; this file holds the reader, a per-thread cache of parsed
 * zones, the POSIX TZ rule evaluator for dates after a file's last transition, and the
 * local <-> UTC conversions.
 */
#include "tz.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TZ_MAX_TRANS 320    /* transitions since 1970 (Asia/Hebron has 275 up to 2037) */
#define TZ_MAX_TYPES 32     /* local time types (Europe/Vilnius has 18) */
#define TZ_FILE_MAX  16384  /* bytes; the largest Debian 12 zone file has 3,872 */
#define TZ_MAX_COUNT 65536u /* any header count above this is a broken file */
#define TZ_T_LIMIT   (INT64_C(1) << 40)
#define TZ_OFF_LIMIT (26 * 3600) /* |UTC offset| in seconds */
#define DAY          INT64_C(86400)

struct tz_type {
    int32_t utoff; /* seconds east of UTC */
    bool isdst;
};

/* One end of a POSIX TZ rule: "Jn" (1..365, no Feb 29), "n" (0..365), or "Mm.w.d". */
struct tz_rdate {
    char kind;    /* 'J', 'N' or 'M' */
    int day;      /* J and N */
    int month;    /* M: 1..12 */
    int week;     /* M: 1..5, 5 = the last such weekday of the month */
    int wday;     /* M: 0 = Sunday .. 6 */
    int32_t time; /* seconds after local midnight, -167 h .. 167 h */
};

struct tz_rule {
    struct tz_type std, dst;
    bool has_dst;
    struct tz_rdate start, end; /* start is in standard time, end in DST, as POSIX says */
};

struct tz_zone {
    char name[TOLK_TZ_NAME_MAX + 1]; /* "" = free entry */
    int ntrans;
    int ntypes;
    int init_type; /* in effect before the first kept transition */
    bool has_rule; /* the footer rule applies after the last transition */
    struct tz_rule rule;
    uint32_t when[TZ_MAX_TRANS]; /* UTC seconds since 1970; 32 bits reach 2106 */
    uint8_t type[TZ_MAX_TRANS];
    struct tz_type types[TZ_MAX_TYPES];
};

/* The module's only mutable state: see "Thread-safety and state" in tz.h. */
static _Thread_local struct {
    struct tz_zone zone[TOLK_TZ_CACHE];
    int used; /* entries ever filled */
    int next; /* the entry to replace next once all are used (round robin) */
    int last; /* the entry found last, tried first */
} tz_cache;

/* ---- calendar ---------------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_len(int64_t y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return len[m - 1] + (m == 2 && is_leap(y));
}

/* Howard Hinnant's days_from_civil: exact for the whole proleptic Gregorian calendar. */
int64_t tolk_tz_days_from_civil(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = floor_div(yy, 400);
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void tolk_tz_civil_from_days(int64_t days, int *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)mm;
    *y = (int)(yoe + era * 400 + (mm <= 2));
}

/* ---- POSIX TZ rule (the TZif footer) ----------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A zone abbreviation: three or more letters, or <...> of letters, digits, '+' and '-'. */
static const char *rule_name(const char *s)
{
    size_t n = 0;
    if (*s == '<') {
        for (s++; *s != '>'; s++, n++)
            if (!is_alpha(*s) && !is_digit(*s) && *s != '+' && *s != '-')
                return NULL;
        return n >= 3 ? s + 1 : NULL;
    }
    for (; is_alpha(*s); s++)
        n++;
    return n >= 3 ? s : NULL;
}

static const char *rule_number(const char *s, int max, int *out)
{
    int v = 0, digits = 0;
    for (; is_digit(*s) && digits < 3; s++, digits++)
        v = v * 10 + (*s - '0');
    if (digits == 0 || v > max)
        return NULL;
    *out = v;
    return s;
}

/* [+-]h[hh][:mm[:ss]] with hours up to max_h, as seconds. */
static const char *rule_hms(const char *s, int max_h, int32_t *out)
{
    int sign = 1, h = 0, mi = 0, se = 0;
    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    s = rule_number(s, max_h, &h);
    if (s && *s == ':')
        s = rule_number(s + 1, 59, &mi);
    if (s && *s == ':')
        s = rule_number(s + 1, 59, &se);
    if (s)
        *out = (int32_t)(sign * (h * 3600 + mi * 60 + se));
    return s;
}

static const char *rule_date(const char *s, struct tz_rdate *d)
{
    memset(d, 0, sizeof *d);
    d->time = 7200;
    if (*s == 'M') {
        d->kind = 'M';
        s = rule_number(s + 1, 12, &d->month);
        if (s && *s == '.')
            s = rule_number(s + 1, 5, &d->week);
        else
            s = NULL;
        if (s && *s == '.')
            s = rule_number(s + 1, 6, &d->wday);
        else
            s = NULL;
        if (s && (d->month < 1 || d->week < 1))
            s = NULL;
    } else {
        d->kind = *s == 'J' ? 'J' : 'N';
        s = rule_number(s + (*s == 'J'), 365, &d->day);
        if (s && d->kind == 'J' && d->day < 1)
            s = NULL;
    }
    if (s && *s == '/')
        s = rule_hms(s + 1, 167, &d->time);
    return s;
}

/* Parses a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3". 0 or -1. */
static int rule_parse(const char *s, struct tz_rule *r)
{
    int32_t off = 0;
    memset(r, 0, sizeof *r);
    s = rule_name(s);
    s = s ? rule_hms(s, 24, &off) : NULL;
    if (!s)
        return -1;
    r->std.utoff = -off;
    if (*s == '\0')
        return 0;
    r->has_dst = true;
    r->dst.isdst = true;
    r->dst.utoff = r->std.utoff + 3600;
    s = rule_name(s);
    if (s && *s != '\0' && *s != ',') {
        s = rule_hms(s, 24, &off);
        r->dst.utoff = -off;
    }
    if (s && *s == '\0')
        s = ",M3.2.0,M11.1.0"; /* POSIX leaves the default to us; tzcode uses US rules */
    s = s && *s == ',' ? rule_date(s + 1, &r->start) : NULL;
    s = s && *s == ',' ? rule_date(s + 1, &r->end) : NULL;
    return s && *s == '\0' ? 0 : -1;
}

/* The UTC instant at which rule date `d` happens in `year`, given the offset before it. */
static int64_t rule_instant(const struct tz_rdate *d, int year, int32_t utoff)
{
    int64_t day;
    if (d->kind == 'J') {
        day = tolk_tz_days_from_civil(year, 1, 1) + d->day - 1;
        day += is_leap(year) && d->day >= 60;
    } else if (d->kind == 'N') {
        day = tolk_tz_days_from_civil(year, 1, 1) + d->day;
    } else {
        int64_t first = tolk_tz_days_from_civil(year, d->month, 1);
        int64_t wd_first = floor_mod(first + 4, 7); /* 0 = Sunday; 1970-01-01 was a Thursday */
        day = first + (d->wday - wd_first + 7) % 7 + (d->week - 1) * 7;
        while (day >= first + month_len(year, d->month))
            day -= 7;
    }
    return day * DAY + d->time - utoff;
}

static struct tz_type rule_at(const struct tz_rule *r, int64_t t)
{
    int y, m, d;
    if (!r->has_dst)
        return r->std;
    tolk_tz_civil_from_days(floor_div(t, DAY), &y, &m, &d);
    int64_t start = rule_instant(&r->start, y, r->std.utoff);
    int64_t end = rule_instant(&r->end, y, r->dst.utoff);
    bool in_dst = start < end ? (start <= t && t < end) : !(end <= t && t < start);
    return in_dst ? r->dst : r->std;
}

/* ---- TZif reader ------------------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be32s(const unsigned char *p)
{
    uint32_t v = be32(p);
    return v >= 0x80000000u ? (int64_t)v - INT64_C(0x100000000) : (int64_t)v;
}

static int64_t be64s(const unsigned char *p)
{
    uint64_t v = (uint64_t)be32(p) << 32 | be32(p + 4);
    return v >= UINT64_C(0x8000000000000000) ? -(int64_t)(~v) - 1 : (int64_t)v;
}

struct tzif_header {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
    char version;
};

static int tzif_header(const unsigned char *p, size_t len, struct tzif_header *h)
{
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    h->version = (char)p[4];
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    if (h->isutcnt > TZ_MAX_COUNT || h->isstdcnt > TZ_MAX_COUNT || h->leapcnt > TZ_MAX_COUNT ||
        h->timecnt > TZ_MAX_COUNT || h->typecnt > TZ_MAX_COUNT || h->charcnt > TZ_MAX_COUNT)
        return -1;
    return 0;
}

/* Bytes of the data block after a header, with `ts`-byte times (4 in v1, 8 after). */
static size_t tzif_block_size(const struct tzif_header *h, size_t ts)
{
    return h->timecnt * ts + h->timecnt + h->typecnt * 6 + h->charcnt + h->leapcnt * (ts + 4) +
           h->isstdcnt + h->isutcnt;
}

static int tzif_types(const unsigned char *p, const struct tzif_header *h, struct tz_zone *z)
{
    if (h->typecnt < 1 || h->typecnt > TZ_MAX_TYPES || h->leapcnt != 0)
        return -1;
    z->ntypes = (int)h->typecnt;
    for (int i = 0; i < z->ntypes; i++, p += 6) {
        int64_t off = be32s(p);
        if (off < -TZ_OFF_LIMIT || off > TZ_OFF_LIMIT || p[4] > 1)
            return -1;
        z->types[i].utoff = (int32_t)off;
        z->types[i].isdst = p[4] == 1;
    }
    return 0;
}

/* The transitions of a data block (`ts`-byte times), dropping those before 1970 and after
 * 2106 (the footer rule, which must agree with them, covers those). */
static int tzif_transitions(const unsigned char *p, const struct tzif_header *h, size_t ts,
                            struct tz_zone *z)
{
    const unsigned char *idx = p + h->timecnt * ts;
    int64_t prev = INT64_MIN;
    z->ntrans = 0;
    z->init_type = 0;
    for (uint32_t i = 0; i < h->timecnt; i++) {
        int64_t t = ts == 8 ? be64s(p + i * 8) : be32s(p + i * 4);
        if (t <= prev || idx[i] >= h->typecnt)
            return -1;
        prev = t;
        if (t < 0) {
            z->init_type = idx[i];
            continue;
        }
        if (t > (int64_t)UINT32_MAX)
            break;
        if (z->ntrans == TZ_MAX_TRANS)
            return -1;
        z->when[z->ntrans] = (uint32_t)t;
        z->type[z->ntrans++] = idx[i];
    }
    return 0;
}

/* Fills *z from a whole TZif file: the 64-bit block and footer when present (v2+). */
static int tzif_parse(const unsigned char *p, size_t len, struct tz_zone *z)
{
    struct tzif_header h;
    size_t ts = 4, off = 44;
    if (tzif_header(p, len, &h) != 0)
        return -1;
    if (h.version >= '2') {
        off += tzif_block_size(&h, 4);
        if (off > len || tzif_header(p + off, len - off, &h) != 0)
            return -1;
        off += 44;
        ts = 8;
    }
    size_t block = tzif_block_size(&h, ts);
    if (block > len - off)
        return -1;
    const unsigned char *types = p + off + h.timecnt * (ts + 1);
    if (tzif_types(types, &h, z) != 0 || tzif_transitions(p + off, &h, ts, z) != 0)
        return -1;
    z->has_rule = false;
    off += block;
    if (ts == 4 || off == len)
        return 0;
    char footer[128];
    const unsigned char *nl = memchr(p + off + 1, '\n', len - off - 1);
    size_t flen = nl ? (size_t)(nl - (p + off + 1)) : sizeof footer;
    if (p[off] != '\n' || flen >= sizeof footer)
        return -1;
    memcpy(footer, p + off + 1, flen);
    footer[flen] = '\0';
    if (flen == 0)
        return 0;
    z->has_rule = true;
    return rule_parse(footer, &z->rule);
}

/*
 * The module's only I/O: reads TOLK_ZONEINFO_DIR/name (already checked by zone_name_ok) into
 * buf. 0 with *len set, or -1 if it cannot be read or is larger than cap - 1 bytes.
 */
static int zone_file_read(const char *name, unsigned char *buf, size_t cap, size_t *len)
{
    char path[sizeof TOLK_ZONEINFO_DIR + 1 + TOLK_TZ_NAME_MAX + 1];
    snprintf(path, sizeof path, "%s/%s", TOLK_ZONEINFO_DIR, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    int rc = 0;
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? -1 : 0;
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    if (rc != 0 || n == cap)
        return -1;
    *len = n;
    return 0;
}

/* ---- cache ------------------------------------------------------------------------------- */

static bool zone_name_ok(const char *s)
{
    size_t n = 0;
    bool empty_segment = true;
    if (!s || strcmp(s, "localtime") == 0 || strcmp(s, "posixrules") == 0)
        return false;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (n >= TOLK_TZ_NAME_MAX)
            return false;
        if (c == '/') {
            if (empty_segment)
                return false;
            empty_segment = true;
        } else if (is_alpha(c) || is_digit(c) || c == '_' || c == '+' || c == '-') {
            empty_segment = false;
        } else {
            return false;
        }
    }
    return !empty_segment && strstr(s, "..") == NULL;
}

/* The parsed zone `name` from this thread's cache, loading it on a miss; NULL if invalid. */
static const struct tz_zone *zone_get(const char *name)
{
    if (!zone_name_ok(name))
        return NULL;
    if (strcmp(tz_cache.zone[tz_cache.last].name, name) == 0)
        return &tz_cache.zone[tz_cache.last];
    for (int i = 0; i < tz_cache.used; i++) {
        if (strcmp(tz_cache.zone[i].name, name) == 0) {
            tz_cache.last = i;
            return &tz_cache.zone[i];
        }
    }
    int victim = tz_cache.used < TOLK_TZ_CACHE ? tz_cache.used++ : tz_cache.next;
    tz_cache.next = (victim + 1) % TOLK_TZ_CACHE;
    struct tz_zone *z = &tz_cache.zone[victim];
    unsigned char buf[TZ_FILE_MAX];
    size_t len = 0;
    z->name[0] = '\0';
    if (zone_file_read(name, buf, sizeof buf, &len) != 0 || tzif_parse(buf, len, z) != 0)
        return NULL;
    memcpy(z->name, name, strlen(name) + 1);
    tz_cache.last = victim;
    return z;
}

/* The local time type in effect at UTC instant t. */
static struct tz_type zone_at(const struct tz_zone *z, int64_t t)
{
    if (z->ntrans == 0)
        return z->has_rule ? rule_at(&z->rule, t) : z->types[z->init_type];
    if (t < z->when[0])
        return z->types[z->init_type];
    if (t >= z->when[z->ntrans - 1] && z->has_rule)
        return rule_at(&z->rule, t);
    int lo = 0, hi = z->ntrans - 1; /* when[lo] <= t; find the last such */
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (z->when[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return z->types[z->type[lo]];
}

/* ---- public ------------------------------------------------------------------------------ */

int tolk_tz_valid(const char *iana_name)
{
    return zone_get(iana_name) != NULL;
}

int tolk_tz_local(const char *zone, int64_t utc, struct tolk_local_time *out)
{
    assert(out != NULL);
    if (utc < -TZ_T_LIMIT || utc > TZ_T_LIMIT)
        return -1;
    const struct tz_zone *z = zone_get(zone);
    if (!z)
        return -1;
    struct tz_type ty = zone_at(z, utc);
    int64_t local = utc + ty.utoff;
    int64_t days = floor_div(local, DAY);
    int64_t secs = local - days * DAY;
    tolk_tz_civil_from_days(days, &out->year, &out->month, &out->day);
    out->weekday = (int)floor_mod(days + 3, 7); /* Monday = 0; 1970-01-01 was a Thursday */
    out->minute = (int)(secs / 60);
    out->second = (int)(secs % 60);
    out->utc_offset = ty.utoff;
    out->is_dst = ty.isdst;
    return 0;
}

/*
 * A wall time in a spring-forward gap: the instant of the change, found by bisection between
 * the two readings of the wall time (lo with the new offset, hi with the old), where the
 * offset steps from the one at lo to another.
 */
static int64_t gap_end(const struct tz_zone *z, int64_t lo, int64_t hi)
{
    int32_t before = zone_at(z, lo).utoff;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (zone_at(z, mid).utoff == before)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

int tolk_tz_to_utc(const char *zone, int y, int m, int d, int minute, int64_t *utc)
{
    assert(utc != NULL);
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > month_len(y, m) || minute < 0 ||
        minute > 1440)
        return -1;
    const struct tz_zone *z = zone_get(zone);
    if (!z)
        return -1;
    /* The wall time read as UTC; the real instant is wall - offset, for an offset in effect a
     * day either side (zones do not change twice within a day). */
    int64_t wall = tolk_tz_days_from_civil(y, m, d) * DAY + (int64_t)minute * 60;
    int32_t off_a = zone_at(z, wall - DAY).utoff;
    int32_t off_b = zone_at(z, wall + DAY).utoff;
    int64_t ta = wall - off_a, tb = wall - off_b;
    bool a_ok = zone_at(z, ta).utoff == off_a;
    bool b_ok = zone_at(z, tb).utoff == off_b;
    if (a_ok && b_ok)
        *utc = ta < tb ? ta : tb; /* fall back: the earlier of the two */
    else if (a_ok)
        *utc = ta;
    else if (b_ok)
        *utc = tb;
    else
        *utc = gap_end(z, ta < tb ? ta : tb, ta < tb ? tb : ta);
    return 0;
}
