/*
 * What remote.c lends the other modules of commands over the REST API (people.c,
 * appointments.c, request.c): one authenticated request, and the small output helpers every
 * command's text and --json output is made of. Each reports its own failure on stderr.
 */
#ifndef TOLKCTL_REMOTE_H
#define TOLKCTL_REMOTE_H

#include <jansson.h>
#include <stddef.h>

#include "tolkctl.h"

#define TOLKCTL_API "/api/v1"

/*
 * METHOD PATH (below the host, e.g. "/api/v1/clients?limit=5") with the optional JSON BODY
 * and the saved token. On a 2xx answer *OUT is its JSON object (NULL for a 204), which the
 * caller frees. Returns 0, or an exit status after reporting a network, TLS or API error
 * ("tolkctl: CODE: message").
 */
int tolkctl_api(const struct options *o, const char *method, const char *path, const char *body,
                json_t **out);

/* Prints J compactly on one line of stdout: what --json shows. */
int tolkctl_print_json(const json_t *j);

/* The string at KEY of OBJ, or "?" when there is none. */
const char *tolkctl_str(const json_t *obj, const char *key);

/* The integer at KEY of OBJ, or 0 when there is none. */
json_int_t tolkctl_num(const json_t *obj, const char *key);

/* Unix seconds T as "YYYY-MM-DD HH:MM:SS UTC" in BUF (CAP bytes); returns BUF. */
const char *tolkctl_utc(json_int_t t, char *buf, size_t cap);

/* "(more: --after N)" when the page J says there is a next one. */
void tolkctl_print_more(const json_t *j);

/* Zeroes the string value at KEY of OBJ (if any) in place, before OBJ is freed. */
void tolkctl_wipe_member(json_t *obj, const char *key);

/* Wipes and frees TEXT (may be NULL): a request body that carried a secret or contact details. */
void tolkctl_free_secret(char *text);

/* 0 if TEXT is a decimal number of at most 18 digits, else a usage error naming WHAT. */
int tolkctl_decimal(const char *text, const char *what);

#endif
