/*
 * Field checks that several REST handlers share: BCP 47 language tags (stored in canonical
 * case) and IANA time zones. Each answers 400 bad_field naming the field when it refuses.
 */
#include <stdio.h>

#include "api_internal.h"
#include "match.h"
#include "tz.h"

int api_put_tag(struct api_call *c, const char *tag, char *out, size_t cap, const char *field)
{
    char why[128];
    enum tolk_lang_status st = tag != NULL ? tolk_lang_check(tag) : TOLK_LANG_OK;

    if (tag != NULL && st == TOLK_LANG_OK && tolk_lang_canonical(tag, out, cap) == 0)
        return 0;
    snprintf(why, sizeof(why), "must be a BCP 47 language tag: %s",
             tag == NULL ? "not a string" : tolk_lang_status_str(st));
    api_fail(c, TOLKD_API_BAD_FIELD, why, field);
    return -1;
}

int api_check_zone(struct api_call *c, const char *zone, const char *field)
{
    if (zone == NULL || tolk_tz_valid(zone))
        return 0;
    api_fail(c, TOLKD_API_BAD_FIELD, "must be an IANA time zone such as Europe/Amsterdam", field);
    return -1;
}
