/*
 * Unit tests for the store's bookings (store.h, "Bookings") on the SQLite backend: overlapping
 * appointments of one clinician or one interpreter refused with the role named, touching ones
 * and cancelled ones allowed, reschedule under the same rule (its own old interval excluded),
 * cancel revoking the join tokens, tokens issued (replacing the old ones) and revoked by role,
 * lists by person and range, every interpreter's bookings at a time, all-or-nothing when the
 * audit entry fails, two racing bookings of which only one wins, and the migrations from
 * schema 6 and 8. A relief interpreter (schema 9) is booked, rescheduled, listed and found
 * through its join tokens; it needs an interpreter and is not that interpreter; an interpreter
 * booked elsewhere as interpreter or as relief is busy for either part.
 *
 * Each test gets a fresh directory under /tmp, removed afterwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store.h"
#include "store_fixture.h"
#include "store_sqlite_testing.h"

#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const uint8_t key[TOLK_AUDIT_KEY_BYTES] = {9, 8, 7, 6, 5, 4, 3, 2, 1};

struct fixture {
    char dir[64];
    char path[128];
    struct tolk_store *st;
    int64_t client, clinician, clinician2, interpreter, interpreter2, relief;
};

static int64_t account(struct tolk_store *st, const char *name, enum tolk_account_role role)
{
    struct tolk_account a = {0};

    snprintf(a.username, sizeof(a.username), "%s", name);
    snprintf(a.password_hash, sizeof(a.password_hash), "$argon2id$x");
    a.role = role;
    a.created_at = 1;
    assert_int_equal(tolk_store_account_create(st, &a, NULL), TOLK_STORE_OK);
    return a.id;
}

static int64_t client(struct tolk_store *st)
{
    struct tolk_client *c = calloc(1, sizeof(*c));
    int64_t id;

    assert_non_null(c);
    snprintf(c->alias, sizeof(c->alias), "Client A");
    snprintf(c->written_language, sizeof(c->written_language), "fa");
    snprintf(c->languages[0].tag, sizeof(c->languages[0].tag), "prs-AF");
    c->n_languages = 1;
    c->created_at = 1000;
    assert_int_equal(tolk_store_client_create(st, c, NULL), TOLK_STORE_OK);
    id = c->id;
    free(c);
    return id;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    if (store_fixture_open("appt", f->dir, f->path, &f->st) != 0) {
        free(f);
        return -1;
    }
    f->client = client(f->st);
    f->clinician = account(f->st, "clin.one", TOLK_ROLE_CLINICIAN);
    f->clinician2 = account(f->st, "clin.two", TOLK_ROLE_CLINICIAN);
    f->interpreter = account(f->st, "interp.one", TOLK_ROLE_INTERPRETER);
    f->interpreter2 = account(f->st, "interp.two", TOLK_ROLE_INTERPRETER);
    f->relief = account(f->st, "interp.relief", TOLK_ROLE_INTERPRETER);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    store_fixture_close(f->st, f->dir);
    free(f);
    return 0;
}

static struct tolk_audit_note note(const char *action)
{
    struct tolk_audit_note n = {key, "account:1", action, "", "", 5000};
    return n;
}

static int64_t audit_count(struct tolk_store *st)
{
    struct tolk_audit_entry page[64];
    size_t n = 0;

    assert_int_equal(tolk_store_audit_list(st, 0, page, 64, &n), TOLK_STORE_OK);
    return (int64_t)n;
}

static struct tolk_appointment make(const struct fixture *f, int64_t clinician, int64_t interpreter,
                                    int64_t starts_at, int64_t ends_at)
{
    static int serial;
    struct tolk_appointment a = {.starts_at = starts_at,
                                 .ends_at = ends_at,
                                 .client_id = f->client,
                                 .clinician_id = clinician,
                                 .interpreter_id = interpreter};

    snprintf(a.ref, sizeof(a.ref), "appt-%d", ++serial);
    snprintf(a.mode, sizeof(a.mode), "consecutive");
    return a;
}

static int book(struct tolk_store *st, struct tolk_appointment *a)
{
    struct tolk_audit_note n = note("appointment_booked");
    return tolk_store_appointment_book(st, a, &n);
}

static void test_book_and_get(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = make(f, f->clinician, f->interpreter, 1000, 2000), got;
    struct tolk_audit_entry page[8];
    size_t n = 0;

    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_true(a.id > 0);
    assert_int_equal(tolk_store_appointment_get(f->st, a.id, &got), TOLK_STORE_OK);
    assert_string_equal(got.ref, a.ref);
    assert_int_equal(got.starts_at, 1000);
    assert_int_equal(got.ends_at, 2000);
    assert_int_equal(got.status, TOLK_APPOINTMENT_BOOKED);
    assert_int_equal(got.client_id, f->client);
    assert_int_equal(got.clinician_id, f->clinician);
    assert_int_equal(got.interpreter_id, f->interpreter);
    assert_string_equal(got.mode, "consecutive");
    assert_int_equal(got.updated_at, 5000);
    assert_int_equal(tolk_store_audit_list(f->st, 0, page, 8, &n), TOLK_STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(page[0].action, "appointment_booked");
    char subject[64];
    snprintf(subject, sizeof(subject), "appointment:%lld", (long long)a.id);
    assert_string_equal(page[0].subject, subject);
    assert_int_equal(tolk_store_appointment_get(f->st, a.id + 100, &got), TOLK_STORE_ENOTFOUND);
}

static void test_book_rules(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = make(f, f->clinician, 0, 1000, 1000);

    assert_int_equal(book(f->st, &a), TOLK_STORE_EINVAL);
    a = make(f, 0, 0, 1000, 2000);
    assert_int_equal(book(f->st, &a), TOLK_STORE_EINVAL);
    a = make(f, f->clinician, 0, 1000, 2000);
    snprintf(a.mode, sizeof(a.mode), "whispered");
    assert_int_equal(book(f->st, &a), TOLK_STORE_EINVAL);
    a = make(f, f->clinician, 0, 1000, 2000);
    assert_int_equal(tolk_store_appointment_book(f->st, &a, NULL), TOLK_STORE_EINVAL);
    a.client_id = f->client + 100; /* no such client */
    assert_int_not_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(a.id, 0);
    assert_int_equal(audit_count(f->st), 0);
}

static void test_conflicts(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = make(f, f->clinician, f->interpreter, 1000, 2000);
    struct tolk_appointment b = make(f, f->clinician, f->interpreter2, 1500, 2500);

    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &b), TOLK_STORE_ECONSTRAINT);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "the clinician has an overlapping"));
    b = make(f, f->clinician2, f->interpreter, 500, 1001);
    assert_int_equal(book(f->st, &b), TOLK_STORE_ECONSTRAINT);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "the interpreter has an overlapping"));
    b = make(f, f->clinician2, f->interpreter, 1200, 1300); /* inside */
    assert_int_equal(book(f->st, &b), TOLK_STORE_ECONSTRAINT);
    /* Touching intervals do not overlap. */
    b = make(f, f->clinician, f->interpreter, 2000, 3000);
    assert_int_equal(book(f->st, &b), TOLK_STORE_OK);
    b = make(f, f->clinician, f->interpreter, 500, 1000);
    assert_int_equal(book(f->st, &b), TOLK_STORE_OK);
    /* Other people at the same time, and no interpreter at all. */
    b = make(f, f->clinician2, f->interpreter2, 1000, 2000);
    assert_int_equal(book(f->st, &b), TOLK_STORE_OK);
    b = make(f, f->clinician2, 0, 2000, 2500);
    assert_int_equal(book(f->st, &b), TOLK_STORE_OK);
    assert_int_equal(audit_count(f->st), 5);
}

static void test_cancelled_do_not_conflict(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = make(f, f->clinician, f->interpreter, 1000, 2000), got;
    struct tolk_appointment b = make(f, f->clinician, f->interpreter, 1000, 2000);
    struct tolk_audit_note cancelled = note("appointment_cancelled");

    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_cancel(f->st, a.id, &cancelled), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_cancel(f->st, a.id, &cancelled),
                     TOLK_STORE_ECONSTRAINT);
    assert_int_equal(tolk_store_appointment_cancel(f->st, a.id + 100, &cancelled),
                     TOLK_STORE_ENOTFOUND);
    assert_int_equal(tolk_store_appointment_get(f->st, a.id, &got), TOLK_STORE_OK);
    assert_int_equal(got.status, TOLK_APPOINTMENT_CANCELLED);
    assert_int_equal(book(f->st, &b), TOLK_STORE_OK);
    assert_int_equal(audit_count(f->st), 3);
}

static void test_reschedule(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = make(f, f->clinician, f->interpreter, 1000, 2000), got;
    struct tolk_appointment b = make(f, f->clinician2, f->interpreter2, 3000, 4000);
    struct tolk_audit_note moved = note("appointment_rescheduled");
    struct tolk_audit_note cancelled = note("appointment_cancelled");

    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &b), TOLK_STORE_OK);
    /* Overlapping its own old interval is fine. */
    assert_int_equal(
        tolk_store_appointment_reschedule(f->st, a.id, 1500, 2500, f->interpreter, 0, &moved),
        TOLK_STORE_OK);
    /* b's interpreter is busy from 3000. */
    assert_int_equal(
        tolk_store_appointment_reschedule(f->st, a.id, 2500, 3500, f->interpreter2, 0, &moved),
        TOLK_STORE_ECONSTRAINT);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "the interpreter has an overlapping"));
    assert_int_equal(tolk_store_appointment_get(f->st, a.id, &got), TOLK_STORE_OK);
    assert_int_equal(got.starts_at, 1500);
    assert_int_equal(got.interpreter_id, f->interpreter);
    /* Reassigned to the other interpreter, touching b; then without an interpreter. */
    assert_int_equal(
        tolk_store_appointment_reschedule(f->st, a.id, 2000, 3000, f->interpreter2, 0, &moved),
        TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_get(f->st, a.id, &got), TOLK_STORE_OK);
    assert_int_equal(got.interpreter_id, f->interpreter2);
    assert_int_equal(tolk_store_appointment_reschedule(f->st, a.id, 3000, 3600, 0, 0, &moved),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_get(f->st, a.id, &got), TOLK_STORE_OK);
    assert_int_equal(got.interpreter_id, 0);
    assert_int_equal(tolk_store_appointment_reschedule(f->st, a.id, 10, 5, 0, 0, &moved),
                     TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_appointment_cancel(f->st, a.id, &cancelled), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_reschedule(f->st, a.id, 100, 200, 0, 0, &moved),
                     TOLK_STORE_ECONSTRAINT);
    assert_int_equal(tolk_store_appointment_reschedule(f->st, a.id + 100, 100, 200, 0, 0, &moved),
                     TOLK_STORE_ENOTFOUND);
    assert_int_equal(audit_count(f->st), 6);
}

static void test_cancel_revokes_tokens(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = {
        .ref = "legacy", .starts_at = 1000, .ends_at = 2000, .status = TOLK_APPOINTMENT_BOOKED};
    struct tolk_join_token t[2] = {
        {.hash = {1}, .role = "client", .valid_from = 100, .valid_until = 3000},
        {.hash = {2}, .role = "clinician", .valid_from = 100, .valid_until = 3000}};
    struct tolk_audit_note cancelled = note("appointment_cancelled");
    struct tolk_token_grant g;

    assert_int_equal(tolk_store_appointment_create(f->st, &a, t, 2), TOLK_STORE_OK);
    assert_int_equal(tolk_store_token_find(f->st, t[0].hash, &g), TOLK_STORE_OK);
    assert_false(g.revoked);
    assert_int_equal(tolk_store_appointment_cancel(f->st, a.id, &cancelled), TOLK_STORE_OK);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(tolk_store_token_find(f->st, t[i].hash, &g), TOLK_STORE_OK);
        assert_true(g.revoked);
        assert_int_equal(g.appointment.status, TOLK_APPOINTMENT_CANCELLED);
    }
}

static struct tolk_join_token token(uint8_t first, const char *role)
{
    struct tolk_join_token t = {.hash = {first}, .valid_from = 100, .valid_until = 3000};

    snprintf(t.role, sizeof(t.role), "%s", role);
    return t;
}

static int revoked(struct tolk_store *st, uint8_t first)
{
    struct tolk_token_grant g;
    uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES] = {first};

    assert_int_equal(tolk_store_token_find(st, hash, &g), TOLK_STORE_OK);
    return g.revoked;
}

/* Issuing replaces every token; revoking by role; a failed issue leaves the old ones valid. */
static void test_tokens_issue_and_revoke(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = make(f, f->clinician, f->interpreter, 1000, 2000);
    struct tolk_join_token first[2] = {token(1, "client"), token(2, "clinician")};
    struct tolk_join_token second[3] = {token(3, "client"), token(4, "clinician"),
                                        token(5, "interpreter")};
    struct tolk_join_token clash[2] = {token(6, "client"), token(3, "clinician")};
    struct tolk_audit_note issued = note("token_issued"), gone = note("token_revoked");
    struct tolk_audit_note cancelled = note("appointment_cancelled");

    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_tokens_issue(f->st, a.id, first, 2, &issued),
                     TOLK_STORE_OK);
    assert_false(revoked(f->st, 1));
    assert_int_equal(tolk_store_appointment_tokens_issue(f->st, a.id, second, 3, &issued),
                     TOLK_STORE_OK);
    assert_true(revoked(f->st, 1) && revoked(f->st, 2));
    assert_false(revoked(f->st, 3));
    /* A hash that exists already: nothing changes, the second set stays valid. */
    assert_int_equal(tolk_store_appointment_tokens_issue(f->st, a.id, clash, 2, &issued),
                     TOLK_STORE_ECONSTRAINT);
    assert_false(revoked(f->st, 3) || revoked(f->st, 4) || revoked(f->st, 5));
    assert_int_equal(tolk_store_appointment_tokens_revoke(f->st, a.id, "client", &gone),
                     TOLK_STORE_OK);
    assert_true(revoked(f->st, 3));
    assert_false(revoked(f->st, 4) || revoked(f->st, 5));
    assert_int_equal(tolk_store_appointment_tokens_revoke(f->st, a.id, "boss", &gone),
                     TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_appointment_tokens_revoke(f->st, a.id + 9, "client", &gone),
                     TOLK_STORE_ENOTFOUND);
    assert_int_equal(tolk_store_appointment_cancel(f->st, a.id, &cancelled), TOLK_STORE_OK);
    assert_true(revoked(f->st, 4) && revoked(f->st, 5));
    assert_int_equal(tolk_store_appointment_tokens_issue(f->st, a.id, clash, 1, &issued),
                     TOLK_STORE_ECONSTRAINT);
    assert_int_equal(audit_count(f->st), 5);
}

static void test_last_interpreter(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = make(f, f->clinician, f->interpreter, 1000, 2000);
    struct tolk_appointment b = make(f, f->clinician, f->interpreter2, 3000, 4000);
    struct tolk_audit_note cancelled = note("appointment_cancelled");
    int64_t last = -1;

    assert_int_equal(tolk_store_appointment_last_interpreter(f->st, f->client, 9000, &last),
                     TOLK_STORE_OK);
    assert_int_equal(last, 0);
    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &b), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_last_interpreter(f->st, f->client, 9000, &last),
                     TOLK_STORE_OK);
    assert_int_equal(last, f->interpreter2);
    assert_int_equal(tolk_store_appointment_last_interpreter(f->st, f->client, 3000, &last),
                     TOLK_STORE_OK);
    assert_int_equal(last, f->interpreter);
    assert_int_equal(tolk_store_appointment_cancel(f->st, b.id, &cancelled), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_last_interpreter(f->st, f->client, 9000, &last),
                     TOLK_STORE_OK);
    assert_int_equal(last, f->interpreter);
}

static void test_list(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = make(f, f->clinician, f->interpreter, 1000, 2000);
    struct tolk_appointment b = make(f, f->clinician, 0, 90000, 91000);
    struct tolk_appointment c = make(f, f->clinician2, f->interpreter, 5000, 6000);
    struct tolk_appointment page[4];
    struct tolk_appointment_filter by_clinician = {.clinician_id = f->clinician};
    struct tolk_appointment_filter by_interpreter = {.interpreter_id = f->interpreter};
    struct tolk_appointment_filter day = {.clinician_id = f->clinician, .from = 0, .to = 86400};
    struct tolk_appointment_filter bad = {.from = 10, .to = 5};
    size_t n = 9;

    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &b), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &c), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_list(f->st, &by_clinician, 0, page, 4, &n),
                     TOLK_STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(page[0].id, a.id);
    assert_int_equal(page[1].id, b.id);
    assert_int_equal(tolk_store_appointment_list(f->st, &by_clinician, a.id, page, 4, &n),
                     TOLK_STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tolk_store_appointment_list(f->st, &by_clinician, 0, page, 1, &n),
                     TOLK_STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tolk_store_appointment_list(f->st, &by_interpreter, 0, page, 4, &n),
                     TOLK_STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(page[1].id, c.id);
    assert_int_equal(tolk_store_appointment_list(f->st, &day, 0, page, 4, &n), TOLK_STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(page[0].id, a.id);
    assert_int_equal(tolk_store_appointment_list(f->st, &bad, 0, page, 4, &n), TOLK_STORE_EINVAL);
}

/*
 * Every interpreter's booked appointments that overlap a window, in (interpreter, start)
 * order and page by page: cancelled ones, touching ones, those without an interpreter and the
 * one excepted are left out.
 */
static void test_interpreter_bookings(void **state)
{
    struct fixture *f = *state;
    int64_t clinician3 = account(f->st, "clin.three", TOLK_ROLE_CLINICIAN);
    int64_t interpreter3 = account(f->st, "interp.three", TOLK_ROLE_INTERPRETER);
    struct tolk_appointment a = make(f, f->clinician, f->interpreter2, 1000, 2000);
    struct tolk_appointment b = make(f, f->clinician2, f->interpreter, 1500, 2500);
    struct tolk_appointment e = make(f, f->clinician, f->interpreter2, 2000, 2900);
    struct tolk_appointment touch_end = make(f, f->clinician, f->interpreter, 3000, 4000);
    struct tolk_appointment touch_start = make(f, clinician3, interpreter3, 1000, 1800);
    struct tolk_appointment none = make(f, f->clinician2, 0, 2600, 2900);
    struct tolk_appointment gone = make(f, f->clinician2, f->interpreter, 2500, 2600);
    struct tolk_audit_note cancelled = note("appointment_cancelled");
    struct tolk_interpreter_booking page[4], after;
    int64_t want[3];
    size_t n = 9;

    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &b), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &e), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &touch_end), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &touch_start), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &none), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &gone), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_cancel(f->st, gone.id, &cancelled), TOLK_STORE_OK);
    want[0] = b.id;
    want[1] = a.id;
    want[2] = e.id;

    assert_int_equal(tolk_store_interpreter_bookings(f->st, 1800, 3000, 0, NULL, page, 4, &n),
                     TOLK_STORE_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(page[i].appointment_id, want[i]);
    assert_int_equal(page[0].interpreter_id, f->interpreter);
    assert_int_equal(page[0].starts_at, 1500);
    assert_int_equal(page[0].ends_at, 2500);
    assert_int_equal(page[2].interpreter_id, f->interpreter2);

    assert_int_equal(tolk_store_interpreter_bookings(f->st, 1800, 3000, a.id, NULL, page, 4, &n),
                     TOLK_STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(page[0].appointment_id, b.id);
    assert_int_equal(page[1].appointment_id, e.id);

    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(
            tolk_store_interpreter_bookings(f->st, 1800, 3000, 0, i ? &after : NULL, page, 1, &n),
            TOLK_STORE_OK);
        assert_int_equal(n, 1);
        assert_int_equal(page[0].appointment_id, want[i]);
        after = page[0];
    }
    assert_int_equal(tolk_store_interpreter_bookings(f->st, 1800, 3000, 0, &after, page, 1, &n),
                     TOLK_STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(tolk_store_interpreter_bookings(f->st, 3000, 3000, 0, NULL, page, 4, &n),
                     TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_interpreter_bookings(f->st, 0, 3000, 0, NULL, page, 0, &n),
                     TOLK_STORE_EINVAL);
}

/* A booking with a relief interpreter, read back whole, also through a join token's grant. */
static void test_relief_book_and_get(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = make(f, f->clinician, f->interpreter, 1000, 2000), got;
    struct tolk_join_token t[2] = {token(1, "interpreter"), token(2, "interpreter")};
    struct tolk_audit_note issued = note("token_issued");
    struct tolk_token_grant g;

    a.relief_interpreter_id = f->relief;
    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_get(f->st, a.id, &got), TOLK_STORE_OK);
    assert_int_equal(got.interpreter_id, f->interpreter);
    assert_int_equal(got.relief_interpreter_id, f->relief);
    assert_int_equal(tolk_store_appointment_tokens_issue(f->st, a.id, t, 2, &issued),
                     TOLK_STORE_OK);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(tolk_store_token_find(f->st, t[i].hash, &g), TOLK_STORE_OK);
        assert_string_equal(g.role, "interpreter");
        assert_int_equal(g.appointment.interpreter_id, f->interpreter);
        assert_int_equal(g.appointment.relief_interpreter_id, f->relief);
    }
    /* Without one, the field reads 0. */
    a = make(f, f->clinician2, f->interpreter2, 1000, 2000);
    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_get(f->st, a.id, &got), TOLK_STORE_OK);
    assert_int_equal(got.relief_interpreter_id, 0);
}

/* A relief needs an interpreter and is another account; refused before anything is written. */
static void test_relief_rules(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = make(f, f->clinician, f->interpreter, 1000, 2000);
    struct tolk_audit_note moved = note("appointment_rescheduled");

    a.relief_interpreter_id = f->interpreter;
    assert_int_equal(book(f->st, &a), TOLK_STORE_EINVAL);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "must not be the interpreter"));
    a = make(f, f->clinician, 0, 1000, 2000);
    a.relief_interpreter_id = f->relief;
    assert_int_equal(book(f->st, &a), TOLK_STORE_EINVAL);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "needs an interpreter"));
    a = make(f, f->clinician, f->interpreter, 1000, 2000);
    a.relief_interpreter_id = -1;
    assert_int_equal(book(f->st, &a), TOLK_STORE_EINVAL);
    assert_int_equal(a.id, 0);
    assert_int_equal(audit_count(f->st), 0);

    a.relief_interpreter_id = 0;
    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_reschedule(f->st, a.id, 1000, 2000, f->interpreter,
                                                       f->interpreter, &moved),
                     TOLK_STORE_EINVAL);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "must not be the interpreter"));
    assert_int_equal(
        tolk_store_appointment_reschedule(f->st, a.id, 1000, 2000, 0, f->relief, &moved),
        TOLK_STORE_EINVAL);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "needs an interpreter"));
    /* The schema holds the rule too, for any write that bypasses the store's checks. */
    assert_int_not_equal(
        tolk_store_sqlite_exec_testing(
            f->st, "UPDATE appointments SET relief_interpreter_id = interpreter_id"),
        TOLK_STORE_OK);
    assert_int_equal(audit_count(f->st), 1);
}

/*
 * An interpreter booked as relief is busy as interpreter elsewhere, and the other way round;
 * a relief booked twice at once is refused too. The messages name the part, not the person.
 */
static void test_relief_conflicts(void **state)
{
    struct fixture *f = *state;
    int64_t clinician3 = account(f->st, "clin.three", TOLK_ROLE_CLINICIAN);
    struct tolk_appointment a = make(f, f->clinician, f->interpreter, 1000, 2000);
    struct tolk_appointment b;
    struct tolk_audit_note cancelled = note("appointment_cancelled");

    a.relief_interpreter_id = f->relief;
    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    /* a's relief, booked as interpreter at the same time */
    b = make(f, f->clinician2, f->relief, 1500, 2500);
    assert_int_equal(book(f->st, &b), TOLK_STORE_ECONSTRAINT);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "the interpreter has an overlapping"));
    /* a's interpreter, booked as relief */
    b = make(f, f->clinician2, f->interpreter2, 1500, 2500);
    b.relief_interpreter_id = f->interpreter;
    assert_int_equal(book(f->st, &b), TOLK_STORE_ECONSTRAINT);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "the relief interpreter has an overlapping"));
    assert_null(strstr(tolk_store_errmsg(f->st), "the interpreter has"));
    /* a's relief, booked as relief */
    b.relief_interpreter_id = f->relief;
    assert_int_equal(book(f->st, &b), TOLK_STORE_ECONSTRAINT);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "the relief interpreter has an overlapping"));
    /* touching, and at another time */
    b = make(f, f->clinician2, f->relief, 2000, 3000);
    b.relief_interpreter_id = f->interpreter;
    assert_int_equal(book(f->st, &b), TOLK_STORE_OK);
    /* cancelled, a frees both its interpreters */
    assert_int_equal(tolk_store_appointment_cancel(f->st, a.id, &cancelled), TOLK_STORE_OK);
    b = make(f, clinician3, f->relief, 1000, 2000);
    b.relief_interpreter_id = f->interpreter;
    assert_int_equal(book(f->st, &b), TOLK_STORE_OK);
    assert_int_equal(audit_count(f->st), 4);
}

/* Reschedule sets, keeps, changes and clears the relief under the same rule. */
static void test_relief_reschedule(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = make(f, f->clinician, f->interpreter, 1000, 2000), got;
    struct tolk_appointment b = make(f, f->clinician2, f->interpreter2, 3000, 4000);
    struct tolk_audit_note moved = note("appointment_rescheduled");

    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &b), TOLK_STORE_OK);
    /* given a relief, over its own old interval */
    assert_int_equal(tolk_store_appointment_reschedule(f->st, a.id, 1500, 2500, f->interpreter,
                                                       f->relief, &moved),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_get(f->st, a.id, &got), TOLK_STORE_OK);
    assert_int_equal(got.relief_interpreter_id, f->relief);
    /* b's interpreter as relief at b's time: refused, nothing changes */
    assert_int_equal(tolk_store_appointment_reschedule(f->st, a.id, 3000, 4000, f->interpreter,
                                                       f->interpreter2, &moved),
                     TOLK_STORE_ECONSTRAINT);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "the relief interpreter has an overlapping"));
    /* a's relief as b's interpreter, and b's relief, while a holds it */
    assert_int_equal(
        tolk_store_appointment_reschedule(f->st, b.id, 2000, 3000, f->relief, 0, &moved),
        TOLK_STORE_ECONSTRAINT);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "the interpreter has an overlapping"));
    assert_int_equal(tolk_store_appointment_reschedule(f->st, b.id, 2000, 3000, f->interpreter2,
                                                       f->relief, &moved),
                     TOLK_STORE_ECONSTRAINT);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "the relief interpreter has an overlapping"));
    assert_int_equal(tolk_store_appointment_get(f->st, a.id, &got), TOLK_STORE_OK);
    assert_int_equal(got.starts_at, 1500);
    assert_int_equal(got.relief_interpreter_id, f->relief);
    /* moved past b with the relief kept; then the relief swapped in as interpreter; cleared */
    assert_int_equal(tolk_store_appointment_reschedule(f->st, a.id, 4000, 5000, f->interpreter,
                                                       f->relief, &moved),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_reschedule(f->st, a.id, 4000, 5000, f->relief,
                                                       f->interpreter, &moved),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_get(f->st, a.id, &got), TOLK_STORE_OK);
    assert_int_equal(got.interpreter_id, f->relief);
    assert_int_equal(got.relief_interpreter_id, f->interpreter);
    assert_int_equal(
        tolk_store_appointment_reschedule(f->st, a.id, 4000, 5000, f->relief, 0, &moved),
        TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_get(f->st, a.id, &got), TOLK_STORE_OK);
    assert_int_equal(got.relief_interpreter_id, 0);
    /* b's old slot, now free for a's old relief as b's relief */
    assert_int_equal(tolk_store_appointment_reschedule(f->st, b.id, 3000, 4000, f->interpreter2,
                                                       f->interpreter, &moved),
                     TOLK_STORE_OK);
    assert_int_equal(audit_count(f->st), 7);
}

/* Listing by interpreter finds the appointments they relieve too. */
static void test_relief_list(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = make(f, f->clinician, f->interpreter, 1000, 2000);
    struct tolk_appointment b = make(f, f->clinician2, f->relief, 3000, 4000);
    struct tolk_appointment c = make(f, f->clinician, f->interpreter2, 5000, 6000);
    struct tolk_appointment_filter by_relief = {.interpreter_id = f->relief};
    struct tolk_appointment_filter by_interpreter = {.interpreter_id = f->interpreter};
    struct tolk_appointment page[4];
    size_t n = 0;

    a.relief_interpreter_id = f->relief;
    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &b), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &c), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_list(f->st, &by_relief, 0, page, 4, &n), TOLK_STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(page[0].id, a.id);
    assert_int_equal(page[0].relief_interpreter_id, f->relief);
    assert_int_equal(page[1].id, b.id);
    assert_int_equal(tolk_store_appointment_list(f->st, &by_interpreter, 0, page, 4, &n),
                     TOLK_STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(page[0].id, a.id);
}

/*
 * Every interpreter's bookings include those as relief: one appointment is listed once for its
 * interpreter and once for its relief, in interpreter order, and pages run across both.
 */
static void test_relief_interpreter_bookings(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = make(f, f->clinician, f->interpreter2, 1000, 2000);
    struct tolk_appointment b = make(f, f->clinician2, f->interpreter, 1500, 2500);
    struct tolk_appointment gone = make(f, f->clinician, f->interpreter2, 2500, 3000);
    struct tolk_audit_note cancelled = note("appointment_cancelled");
    struct tolk_interpreter_booking page[8], after;
    int64_t who[3], what[3];
    size_t n = 0;

    a.relief_interpreter_id = f->relief;
    gone.relief_interpreter_id = f->interpreter;
    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &b), TOLK_STORE_OK);
    assert_int_equal(book(f->st, &gone), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_cancel(f->st, gone.id, &cancelled), TOLK_STORE_OK);
    /* ids grow in the order the fixture made the accounts: interpreter, interpreter2, relief */
    who[0] = f->interpreter, what[0] = b.id;
    who[1] = f->interpreter2, what[1] = a.id;
    who[2] = f->relief, what[2] = a.id;

    assert_int_equal(tolk_store_interpreter_bookings(f->st, 1200, 2800, 0, NULL, page, 8, &n),
                     TOLK_STORE_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(page[i].interpreter_id, who[i]);
        assert_int_equal(page[i].appointment_id, what[i]);
    }
    assert_int_equal(page[2].starts_at, 1000);
    assert_int_equal(page[2].ends_at, 2000);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(
            tolk_store_interpreter_bookings(f->st, 1200, 2800, 0, i ? &after : NULL, page, 1, &n),
            TOLK_STORE_OK);
        assert_int_equal(n, 1);
        assert_int_equal(page[0].interpreter_id, who[i]);
        assert_int_equal(page[0].appointment_id, what[i]);
        after = page[0];
    }
    assert_int_equal(tolk_store_interpreter_bookings(f->st, 1200, 2800, 0, &after, page, 1, &n),
                     TOLK_STORE_OK);
    assert_int_equal(n, 0);
    /* a excepted: listed for neither of its interpreters */
    assert_int_equal(tolk_store_interpreter_bookings(f->st, 1200, 2800, a.id, NULL, page, 8, &n),
                     TOLK_STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(page[0].appointment_id, b.id);
}

static void test_audit_failure_rolls_back(void **state)
{
    struct fixture *f = *state;
    struct tolk_appointment a = make(f, f->clinician, f->interpreter, 1000, 2000), got;
    struct tolk_appointment b = make(f, f->clinician2, 0, 1000, 2000);
    struct tolk_audit_note moved = note("appointment_rescheduled");
    struct tolk_audit_note cancelled = note("appointment_cancelled");
    struct tolk_appointment_filter all = {0};
    struct tolk_appointment page[4];
    size_t n = 0;

    assert_int_equal(book(f->st, &a), TOLK_STORE_OK);
    assert_int_equal(
        tolk_store_sqlite_exec_testing(f->st, "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log"
                                              " BEGIN SELECT RAISE(ABORT, 'audit refused'); END;"),
        TOLK_STORE_OK);
    assert_int_not_equal(book(f->st, &b), TOLK_STORE_OK);
    assert_int_equal(b.id, 0);
    assert_int_not_equal(tolk_store_appointment_reschedule(f->st, a.id, 5000, 6000, 0, 0, &moved),
                         TOLK_STORE_OK);
    assert_int_not_equal(tolk_store_appointment_cancel(f->st, a.id, &cancelled), TOLK_STORE_OK);
    assert_int_equal(tolk_store_sqlite_exec_testing(f->st, "DROP TRIGGER no_audit"), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_list(f->st, &all, 0, page, 4, &n), TOLK_STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tolk_store_appointment_get(f->st, a.id, &got), TOLK_STORE_OK);
    assert_int_equal(got.starts_at, 1000);
    assert_int_equal(got.interpreter_id, f->interpreter);
    assert_int_equal(got.status, TOLK_APPOINTMENT_BOOKED);
    assert_int_equal(audit_count(f->st), 1);
}

struct racer {
    const struct fixture *f;
    int index;
    int rc;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct tolk_store *st = NULL;
    char err[TOLK_STORE_ERR_MAX];
    struct tolk_appointment a = make(r->f, r->f->clinician, 0, 1000, 2000);

    snprintf(a.ref, sizeof(a.ref), "race-%d", r->index);
    r->rc = tolk_store_open(r->f->path, &st, err, sizeof(err));
    if (r->rc == TOLK_STORE_OK)
        r->rc = book(st, &a);
    tolk_store_close(st);
    return NULL;
}

/* Two handles booking the same clinician at once: the check and the insert share a lock. */
static void test_racing_bookings(void **state)
{
    struct fixture *f = *state;
    enum { RACERS = 4 };
    struct racer r[RACERS];
    pthread_t t[RACERS];
    int won = 0;

    for (int i = 0; i < RACERS; i++) {
        r[i] = (struct racer){f, i, -1};
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    for (int i = 0; i < RACERS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        if (r[i].rc == TOLK_STORE_OK)
            won++;
        else
            assert_int_equal(r[i].rc, TOLK_STORE_ECONSTRAINT);
    }
    assert_int_equal(won, 1);
}

/* A store at schema 6 keeps its appointments and gains the booking columns. */
static void test_migrate_from_v6(void **state)
{
    struct fixture *f = *state;
    char path[160], err[TOLK_STORE_ERR_MAX];
    struct tolk_store *st = NULL;
    struct tolk_appointment a = {.ref = "old",
                                 .starts_at = 1,
                                 .ends_at = 2,
                                 .status = TOLK_APPOINTMENT_BOOKED},
                            got;
    int version = 0;

    snprintf(path, sizeof(path), "%s/old.db", f->dir);
    assert_int_equal(tolk_store_sqlite_create_at_version(path, 6, err, sizeof(err)), TOLK_STORE_OK);
    assert_int_equal(tolk_store_open(path, &st, err, sizeof(err)), TOLK_STORE_OK);
    assert_int_equal(tolk_store_schema_version(st, &version), TOLK_STORE_OK);
    assert_int_equal(version, tolk_store_latest_schema_version());
    assert_int_equal(tolk_store_appointment_create(st, &a, NULL, 0), TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_get(st, a.id, &got), TOLK_STORE_OK);
    assert_int_equal(got.clinician_id, 0);
    assert_string_equal(got.mode, "");
    tolk_store_close(st);
}

/* Runs SQL on the file at PATH through a connection of the test's own, as an older tolkd would. */
static void exec_file(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        print_error("%s\n", msg ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/*
 * A store at schema 8 with a booking in it keeps the booking whole, without a relief, and
 * gains the relief column: the booking can be given one, and a new one booked with one.
 */
static void test_migrate_from_v8(void **state)
{
    struct fixture *f = *state;
    char path[160], err[TOLK_STORE_ERR_MAX];
    struct tolk_store *st = NULL;
    struct tolk_appointment got, b;
    struct tolk_audit_note moved = note("appointment_rescheduled");
    int version = 0;

    snprintf(path, sizeof(path), "%s/v8.db", f->dir);
    assert_int_equal(tolk_store_sqlite_create_at_version(path, 8, err, sizeof(err)), TOLK_STORE_OK);
    exec_file(path, "INSERT INTO accounts (id, username, role, password_hash, created_at) VALUES"
                    " (1, 'clin.old', 'clinician', 'x', 1), (2, 'int.old', 'interpreter', 'x', 1),"
                    " (3, 'int.new', 'interpreter', 'x', 1), (4, 'clin.new', 'clinician', 'x', 1);"
                    "INSERT INTO clients (id, alias, prefer_same_interpreter, created_at)"
                    " VALUES (1, 'Old', 0, 1);"
                    "INSERT INTO appointments (id, ref, starts_at, ends_at, status, client_id,"
                    " clinician_id, interpreter_id, mode, updated_at)"
                    " VALUES (7, 'old-7', 1000, 2000, 'booked', 1, 1, 2, 'simultaneous', 900);");
    assert_int_equal(tolk_store_open(path, &st, err, sizeof(err)), TOLK_STORE_OK);
    assert_int_equal(tolk_store_schema_version(st, &version), TOLK_STORE_OK);
    assert_int_equal(version, 9);
    assert_int_equal(tolk_store_appointment_get(st, 7, &got), TOLK_STORE_OK);
    assert_string_equal(got.ref, "old-7");
    assert_int_equal(got.starts_at, 1000);
    assert_int_equal(got.ends_at, 2000);
    assert_int_equal(got.status, TOLK_APPOINTMENT_BOOKED);
    assert_int_equal(got.client_id, 1);
    assert_int_equal(got.clinician_id, 1);
    assert_int_equal(got.interpreter_id, 2);
    assert_string_equal(got.mode, "simultaneous");
    assert_int_equal(got.updated_at, 900);
    assert_int_equal(got.relief_interpreter_id, 0);
    /* the old booking still counts: its interpreter is busy, for a relief part too */
    b = (struct tolk_appointment){.ref = "new-1",
                                  .starts_at = 1500,
                                  .ends_at = 2500,
                                  .client_id = 1,
                                  .clinician_id = 4,
                                  .interpreter_id = 3,
                                  .relief_interpreter_id = 2};
    snprintf(b.mode, sizeof(b.mode), "consecutive");
    assert_int_equal(book(st, &b), TOLK_STORE_ECONSTRAINT);
    assert_non_null(strstr(tolk_store_errmsg(st), "the relief interpreter has an overlapping"));
    assert_int_equal(tolk_store_appointment_reschedule(st, 7, 1000, 2000, 2, 3, &moved),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_appointment_get(st, 7, &got), TOLK_STORE_OK);
    assert_int_equal(got.relief_interpreter_id, 3);
    b.starts_at = 2000;
    b.ends_at = 3000;
    assert_int_equal(book(st, &b), TOLK_STORE_OK);
    tolk_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_book_and_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_book_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancelled_do_not_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reschedule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_revokes_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens_issue_and_revoke, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_interpreter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interpreter_bookings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_failure_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_racing_bookings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_from_v6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relief_book_and_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relief_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relief_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relief_reschedule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relief_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relief_interpreter_bookings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_from_v8, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
