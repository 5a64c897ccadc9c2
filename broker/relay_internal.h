/*
 * Internal to the relay: what relay.c (joins, leaves, keys, media) and relay_control.c (the
 * interpreter leg's controls and the audit entries) share.
 */
#ifndef TOLK_RELAY_INTERNAL_H
#define TOLK_RELAY_INTERNAL_H

#include "relay.h"

/* A milliseconds clock (monotonic) for rate limits. */
uint64_t relay_now_ms(void);

/* Queues TEXT (LEN bytes; nothing when 0) on CONN. */
void relay_send(void *conn, const char *text, size_t len);

/* Sends TEXT to every present participant of SESS but EXCEPT (-1: nobody excepted). */
void relay_broadcast(struct tolk_sess *sess, int except, const char *text, size_t len);

/* Sends every present participant of SESS its own state message, with CAUSE and CAUSE_BY. */
void relay_send_states(struct tolk_sess *sess, const char *cause, int cause_by);

/*
 * Participant INDEX of SESS is gone (the session has done its part and SESS still exists):
 * records the leave, audits it with REASON ("left", "dropped", "removed") and tells the others:
 * participant_left, then their states with CAUSE by CAUSE_BY.
 */
void relay_announce_leave(struct tolkd_relay *r, struct tolk_sess *sess, unsigned index,
                          const char *reason, const char *cause, unsigned cause_by);

/*
 * Appends an audit entry ACTION about appointment APPOINTMENT_ID by its participant BY with
 * DETAIL (the store's code characters only). A failure is logged, never fatal.
 */
void relay_audit(struct tolkd_relay *r, int64_t appointment_id, unsigned by, const char *action,
                 const char *detail);

/* Whether a refusal may be audited now (the refusal budget); counts it when not. */
bool relay_refusal_budget(struct tolkd_relay *r);

/* Handles one of the interpreter leg's controls (TOLK_MSG_ADMIT .. TOLK_MSG_RECORDING). */
void relay_control(struct tolkd_relay *r, struct tolkd_peer *p, const struct tolk_msg *m);

#endif
