/*
 * Times in the REST API (docs/API.md, "Times"): what a request may give and how answers show
 * them. Stored times are Unix seconds (UTC); a request may give a time as
 *   - a JSON integer: Unix seconds;
 *   - an RFC 3339 text with an offset: "2027-03-28T10:00:00+02:00", "2027-03-28T08:00Z";
 *   - a local wall time without an offset, "2027-03-28T10:00" (seconds optional), read in an
 *     IANA time zone. A wall time that a DST change skips ("does not exist") or repeats
 *     ("ambiguous") is refused with the reason, never guessed: the caller adds an offset.
 * Answers show each time twice: Unix seconds and the local text with its offset in a zone.
 *
 * Pure (apart from interp/tz.c reading zone files): no JSON, no store; any thread.
 */
#ifndef TOLKD_API_TIME_H
#define TOLKD_API_TIME_H

#include <stdint.h>

#define TOLKD_TIME_TEXT_MAX 40 /* bytes of a time text, NUL included */

/*
 * Parses TEXT (RFC 3339 with an offset, or a local wall time read in ZONE; ZONE may be "" when
 * no zone is known) into *T. Returns 0, or -1 with *WHY set to a short fixed English reason
 * ("does not exist in that time zone: the clocks go forward then", ...).
 */
int tolkd_time_parse(const char *text, const char *zone, int64_t *t, const char **why);

/*
 * Writes T as local time in ZONE with its offset, "2027-03-28T10:00:00+02:00", into OUT.
 * Returns 0, or -1 (OUT "") when the zone is not valid or T is out of range.
 */
int tolkd_time_format(int64_t t, const char *zone, char out[TOLKD_TIME_TEXT_MAX]);

#endif
