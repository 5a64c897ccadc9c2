/*
 * Unit tests for the store's clients, interpreter and clinician profiles (store.h, "Clients",
 * "Interpreters", "Clinicians") on the SQLite backend: create, read (a client's always audited),
 * update, list (a client's alias and id only), exclusions that never weaken, weekly slots replaced
 * whole, exceptions, whole profiles a page at a time, the checks the store makes itself, and
 * all-or-nothing when a step or the audit entry fails.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const uint8_t key[TOLK_AUDIT_KEY_BYTES] = {9, 8, 7, 6, 5, 4, 3, 2, 1};

/*
 * In the sanitizer build, AddressSanitizer also catches reads of a stack frame that has
 * returned: the store once bound a gender held in a local of the binding function without
 * copying it, and SQLite read it after that function returned (found by fuzz/fuzz_api.c;
 * test_gender_bound_by_copy below). Unused in other builds.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_stack_use_after_return=1";
}

static struct tolk_audit_note note(const char *action)
{
    struct tolk_audit_note n = {key, "account:1", action, "", "", 1000};
    return n;
}

static struct tolk_client *make_client(const char *alias)
{
    struct tolk_client *c = calloc(1, sizeof(*c));

    assert_non_null(c);
    snprintf(c->alias, sizeof(c->alias), "%s", alias);
    snprintf(c->written_language, sizeof(c->written_language), "fa");
    c->n_languages = 2;
    snprintf(c->languages[0].tag, sizeof(c->languages[0].tag), "prs-AF");
    c->languages[0].dialect_required = 1;
    snprintf(c->languages[1].tag, sizeof(c->languages[1].tag), "fa");
    c->gender_preference = 'f';
    c->prefer_same_interpreter = 1;
    snprintf(c->support_person_alias, sizeof(c->support_person_alias), "sister");
    memcpy(c->contact_sealed, "\x01\x02\x03sealed", 9);
    c->contact_sealed_len = 9;
    c->created_at = 1000;
    return c;
}

static int64_t audit_count(struct tolk_store *st)
{
    struct tolk_audit_entry page[64];
    size_t n = 0;

    assert_int_equal(tolk_store_audit_list(st, 0, page, 64, &n), TOLK_STORE_OK);
    return (int64_t)n;
}

/* Makes an account of ROLE and returns its id. */
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

static void test_create_get_update(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_client *c = make_client("Client A"), *got = calloc(1, sizeof(*got));
    struct tolk_audit_note created = note("client_created"), read = note("client_read");
    struct tolk_audit_note updated = note("client_updated");
    struct tolk_audit_entry page[8];
    size_t n = 0;

    assert_int_equal(tolk_store_client_create(f->st, c, &created), TOLK_STORE_OK);
    assert_true(c->id > 0);
    assert_int_equal(tolk_store_client_get(f->st, c->id, got, &read), TOLK_STORE_OK);
    assert_string_equal(got->alias, "Client A");
    assert_int_equal(got->n_languages, 2);
    assert_string_equal(got->languages[0].tag, "prs-AF");
    assert_int_equal(got->languages[0].dialect_required, 1);
    assert_string_equal(got->languages[1].tag, "fa");
    assert_int_equal(got->gender_preference, 'f');
    assert_string_equal(got->support_person_alias, "sister");
    assert_int_equal(got->contact_sealed_len, 9);
    assert_memory_equal(got->contact_sealed, "\x01\x02\x03sealed", 9);
    got->n_languages = 1;
    got->gender_preference = 0;
    got->support_person_alias[0] = '\0';
    got->contact_sealed_len = 0;
    assert_int_equal(tolk_store_client_update(f->st, got, &updated), TOLK_STORE_OK);
    assert_int_equal(tolk_store_client_get(f->st, c->id, got, &read), TOLK_STORE_OK);
    assert_int_equal(got->n_languages, 1);
    assert_int_equal(got->gender_preference, 0);
    assert_string_equal(got->support_person_alias, "");
    assert_int_equal(got->contact_sealed_len, 0);
    assert_int_equal(tolk_store_audit_list(f->st, 0, page, 8, &n), TOLK_STORE_OK);
    assert_int_equal(n, 4);
    assert_string_equal(page[1].action, "client_read");
    assert_string_equal(page[1].subject, "client:1");
    assert_int_equal(tolk_store_client_get(f->st, 99, got, &read), TOLK_STORE_ENOTFOUND);
    c->id = 99;
    assert_int_equal(tolk_store_client_update(f->st, c, &updated), TOLK_STORE_ENOTFOUND);
    assert_int_equal(audit_count(f->st), 4);
    free(c);
    free(got);
}

static void test_field_rules(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_client *c = make_client("Client B");
    struct tolk_audit_note created = note("client_created");

    c->alias[0] = '\0';
    assert_int_equal(tolk_store_client_create(f->st, c, &created), TOLK_STORE_EINVAL);
    memset(c->alias, 'a', sizeof(c->alias));
    assert_int_equal(tolk_store_client_create(f->st, c, &created), TOLK_STORE_EINVAL);
    snprintf(c->alias, sizeof(c->alias), "ok");
    c->n_languages = 0;
    assert_int_equal(tolk_store_client_create(f->st, c, &created), TOLK_STORE_EINVAL);
    c->n_languages = 1;
    snprintf(c->languages[0].tag, sizeof(c->languages[0].tag), "en GB");
    assert_int_equal(tolk_store_client_create(f->st, c, &created), TOLK_STORE_EINVAL);
    snprintf(c->languages[0].tag, sizeof(c->languages[0].tag), "en-GB");
    c->gender_preference = 'q';
    assert_int_equal(tolk_store_client_create(f->st, c, &created), TOLK_STORE_EINVAL);
    c->gender_preference = 0;
    c->contact_sealed_len = TOLK_CLIENT_SEALED_MAX + 1;
    assert_int_equal(tolk_store_client_create(f->st, c, &created), TOLK_STORE_EINVAL);
    c->contact_sealed_len = 0;
    assert_int_equal(tolk_store_client_get(f->st, 1, c, NULL), TOLK_STORE_EINVAL);
    assert_int_equal(audit_count(f->st), 0);
    assert_int_equal(tolk_store_client_create(f->st, c, &created), TOLK_STORE_OK);
    free(c);
}

static void test_list_alias_prefix(void **state)
{
    struct store_fixture *f = *state;
    const char *aliases[] = {"Amira", "amal", "Bashir", "Amin"};
    struct tolk_client_summary page[8];
    size_t n = 0;

    for (size_t i = 0; i < 4; i++) {
        struct tolk_client *c = make_client(aliases[i]);
        assert_int_equal(tolk_store_client_create(f->st, c, NULL), TOLK_STORE_OK);
        free(c);
    }
    assert_int_equal(tolk_store_client_list(f->st, "am", 0, page, 8, &n), TOLK_STORE_OK);
    assert_int_equal(n, 3);
    assert_string_equal(page[0].alias, "Amira");
    assert_string_equal(page[2].alias, "Amin");
    assert_int_equal(tolk_store_client_list(f->st, "AM", page[0].id, page, 1, &n), TOLK_STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(page[0].alias, "amal");
    assert_int_equal(tolk_store_client_list(f->st, "", 0, page, 8, &n), TOLK_STORE_OK);
    assert_int_equal(n, 4);
    assert_int_equal(tolk_store_client_list(f->st, "zz", 0, page, 8, &n), TOLK_STORE_OK);
    assert_int_equal(n, 0);
}

static void test_exclusions(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_client *c = make_client("Client C");
    int64_t interp = account(f->st, "int.one", TOLK_ROLE_INTERPRETER);
    int64_t clin = account(f->st, "clin.one", TOLK_ROLE_CLINICIAN);
    struct tolk_client_exclusion never = {interp, TOLK_EXCLUDE_NEVER_AGAIN, clin, 2000};
    struct tolk_client_exclusion weaker = {interp, TOLK_EXCLUDE_CLIENT, clin, 3000};
    struct tolk_client_exclusion not_interp = {clin, TOLK_EXCLUDE_CLIENT, clin, 3000};
    struct tolk_audit_note added = note("client_exclusion_added"), read = note("client_read");

    assert_int_equal(tolk_store_client_create(f->st, c, NULL), TOLK_STORE_OK);
    assert_int_equal(tolk_store_client_exclusion_add(f->st, c->id, &never, &added), TOLK_STORE_OK);
    assert_int_equal(tolk_store_client_exclusion_add(f->st, c->id, &weaker, &added), TOLK_STORE_OK);
    assert_int_equal(tolk_store_client_exclusion_add(f->st, c->id, &not_interp, &added),
                     TOLK_STORE_ENOTFOUND);
    assert_int_equal(tolk_store_client_exclusion_add(f->st, 77, &never, &added),
                     TOLK_STORE_ENOTFOUND);
    assert_int_equal(tolk_store_client_get(f->st, c->id, c, &read), TOLK_STORE_OK);
    assert_int_equal(c->n_exclusions, 1);
    assert_int_equal(c->exclusions[0].interpreter_id, interp);
    assert_int_equal(c->exclusions[0].reason, TOLK_EXCLUDE_NEVER_AGAIN);
    assert_int_equal(c->exclusions[0].recorded_by, clin);
    /* Exclusions are never removed, not even by hand. */
    assert_int_not_equal(tolk_store_sqlite_exec_testing(f->st, "DELETE FROM client_exclusions"),
                         TOLK_STORE_OK);
    assert_int_equal(audit_count(f->st), 3);
    free(c);
}

static void test_audit_failure_rolls_back(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_client *c = make_client("Client D"), *got = calloc(1, sizeof(*got));
    struct tolk_audit_note created = note("client_created"), read = note("client_read");
    struct tolk_audit_note updated = note("client_updated");
    struct tolk_client_summary page[4];
    size_t n = 9;

    assert_int_equal(tolk_store_client_create(f->st, c, &created), TOLK_STORE_OK);
    assert_int_equal(
        tolk_store_sqlite_exec_testing(f->st, "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log"
                                              " BEGIN SELECT RAISE(ABORT, 'audit refused'); END;"),
        TOLK_STORE_OK);
    /* No entry, no read. */
    assert_int_not_equal(tolk_store_client_get(f->st, c->id, got, &read), TOLK_STORE_OK);
    assert_string_equal(got->alias, "");
    c->n_languages = 1;
    snprintf(c->alias, sizeof(c->alias), "Changed");
    assert_int_not_equal(tolk_store_client_update(f->st, c, &updated), TOLK_STORE_OK);
    c->id = 0;
    assert_int_not_equal(tolk_store_client_create(f->st, c, &created), TOLK_STORE_OK);
    assert_int_equal(tolk_store_sqlite_exec_testing(f->st, "DROP TRIGGER no_audit"), TOLK_STORE_OK);
    assert_int_equal(tolk_store_client_list(f->st, "", 0, page, 4, &n), TOLK_STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tolk_store_client_get(f->st, page[0].id, got, &read), TOLK_STORE_OK);
    assert_string_equal(got->alias, "Client D");
    assert_int_equal(got->n_languages, 2);
    free(c);
    free(got);
}

static struct tolk_interpreter_profile *make_profile(int64_t id, const char *code)
{
    struct tolk_interpreter_profile *p = calloc(1, sizeof(*p));

    assert_non_null(p);
    p->id = id;
    snprintf(p->code, sizeof(p->code), "%s", code);
    p->gender = 'm';
    snprintf(p->zone, sizeof(p->zone), "Europe/Amsterdam");
    p->n_pairs = 2;
    snprintf(p->pairs[0].a, sizeof(p->pairs[0].a), "prs-AF");
    snprintf(p->pairs[0].b, sizeof(p->pairs[0].b), "nl");
    snprintf(p->pairs[1].a, sizeof(p->pairs[1].a), "fa");
    snprintf(p->pairs[1].b, sizeof(p->pairs[1].b), "nl");
    p->n_slots = 2;
    p->slots[0] = (struct tolk_store_slot){0, 540, 1020};
    p->slots[1] = (struct tolk_store_slot){6, 1320, 1440};
    p->created_at = 1000;
    return p;
}

/*
 * Every gender a client may prefer and an interpreter may have, created and then changed,
 * reads back as written. The store binds it from a local copy; SQLite must copy it in turn.
 */
static void test_gender_bound_by_copy(void **state)
{
    struct store_fixture *f = *state;
    static const char genders[] = {'f', 'm', 'x'};
    struct tolk_audit_note created = note("client_created"), read = note("client_read");
    struct tolk_audit_note updated = note("client_updated");
    struct tolk_client *got = calloc(1, sizeof(*got));
    struct tolk_interpreter_profile *pgot = calloc(1, sizeof(*pgot));

    assert_non_null(got);
    assert_non_null(pgot);
    for (size_t i = 0; i < sizeof(genders); i++) {
        char name[32];
        struct tolk_client *c = make_client("Client G");
        snprintf(name, sizeof(name), "int.g%zu", i);
        snprintf(c->alias, sizeof(c->alias), "Client G%zu", i);
        struct tolk_interpreter_profile *p =
            make_profile(account(f->st, name, TOLK_ROLE_INTERPRETER), "INT-0000");
        p->code[7] = (char)('0' + i);

        c->gender_preference = genders[i];
        p->gender = genders[i];
        assert_int_equal(tolk_store_client_create(f->st, c, &created), TOLK_STORE_OK);
        assert_int_equal(tolk_store_interpreter_create(f->st, p, &created), TOLK_STORE_OK);
        assert_int_equal(tolk_store_client_get(f->st, c->id, got, &read), TOLK_STORE_OK);
        assert_int_equal(got->gender_preference, genders[i]);
        assert_int_equal(tolk_store_interpreter_get(f->st, p->id, pgot), TOLK_STORE_OK);
        assert_int_equal(pgot->gender, genders[i]);

        c->gender_preference = genders[(i + 1) % sizeof(genders)];
        p->gender = genders[(i + 2) % sizeof(genders)];
        assert_int_equal(tolk_store_client_update(f->st, c, &updated), TOLK_STORE_OK);
        assert_int_equal(tolk_store_interpreter_update(f->st, p, &updated), TOLK_STORE_OK);
        assert_int_equal(tolk_store_client_get(f->st, c->id, got, &read), TOLK_STORE_OK);
        assert_int_equal(got->gender_preference, genders[(i + 1) % sizeof(genders)]);
        assert_int_equal(tolk_store_interpreter_get(f->st, p->id, pgot), TOLK_STORE_OK);
        assert_int_equal(pgot->gender, genders[(i + 2) % sizeof(genders)]);
        free(c);
        free(p);
    }
    free(got);
    free(pgot);
}

static void test_interpreter_profile(void **state)
{
    struct store_fixture *f = *state;
    int64_t id = account(f->st, "int.one", TOLK_ROLE_INTERPRETER);
    int64_t staff = account(f->st, "staff.one", TOLK_ROLE_STAFF);
    struct tolk_interpreter_profile *p = make_profile(id, "INT-0042");
    struct tolk_interpreter_profile *got = calloc(1, sizeof(*got));
    struct tolk_audit_note created = note("interpreter_created");
    struct tolk_interpreter_summary page[4];
    size_t n = 0;

    assert_int_equal(tolk_store_interpreter_create(f->st, p, &created), TOLK_STORE_OK);
    assert_int_equal(tolk_store_interpreter_get(f->st, id, got), TOLK_STORE_OK);
    assert_string_equal(got->code, "INT-0042");
    assert_int_equal(got->gender, 'm');
    assert_string_equal(got->zone, "Europe/Amsterdam");
    assert_int_equal(got->n_pairs, 2);
    assert_string_equal(got->pairs[0].a, "prs-AF");
    assert_int_equal(got->n_slots, 2);
    assert_int_equal(got->slots[1].end_minute, 1440);
    /* A second profile, one for a staff account, or a taken code: refused. */
    assert_int_equal(tolk_store_interpreter_create(f->st, p, &created), TOLK_STORE_ECONSTRAINT);
    p->id = staff;
    snprintf(p->code, sizeof(p->code), "INT-0043");
    assert_int_equal(tolk_store_interpreter_create(f->st, p, &created), TOLK_STORE_ENOTFOUND);
    got->n_pairs = 1;
    got->gender = 0;
    assert_int_equal(tolk_store_interpreter_update(f->st, got, &created), TOLK_STORE_OK);
    assert_int_equal(tolk_store_interpreter_get(f->st, id, got), TOLK_STORE_OK);
    assert_int_equal(got->n_pairs, 1);
    assert_int_equal(got->gender, 0);
    assert_int_equal(got->n_slots, 2);
    assert_int_equal(tolk_store_interpreter_list(f->st, 0, page, 4, &n), TOLK_STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(page[0].code, "INT-0042");
    assert_int_equal(tolk_store_interpreter_get(f->st, staff, got), TOLK_STORE_ENOTFOUND);
    assert_int_equal(audit_count(f->st), 2);
    free(p);
    free(got);
}

static void test_interpreter_rules(void **state)
{
    struct store_fixture *f = *state;
    int64_t id = account(f->st, "int.two", TOLK_ROLE_INTERPRETER);
    struct tolk_interpreter_profile *p = make_profile(id, "int-1");
    struct tolk_store_slot bad[1] = {{7, 0, 60}};

    assert_int_equal(tolk_store_interpreter_create(f->st, p, NULL), TOLK_STORE_EINVAL);
    snprintf(p->code, sizeof(p->code), "INT-1");
    p->n_pairs = 0;
    assert_int_equal(tolk_store_interpreter_create(f->st, p, NULL), TOLK_STORE_EINVAL);
    p->n_pairs = 1;
    p->slots[0].end_minute = p->slots[0].start_minute;
    assert_int_equal(tolk_store_interpreter_create(f->st, p, NULL), TOLK_STORE_EINVAL);
    p->slots[0].end_minute = 1441;
    assert_int_equal(tolk_store_interpreter_create(f->st, p, NULL), TOLK_STORE_EINVAL);
    p->slots[0].end_minute = 600;
    p->gender = 'q';
    assert_int_equal(tolk_store_interpreter_create(f->st, p, NULL), TOLK_STORE_EINVAL);
    p->gender = 'f';
    assert_int_equal(tolk_store_interpreter_create(f->st, p, NULL), TOLK_STORE_OK);
    assert_int_equal(tolk_store_interpreter_set_slots(f->st, id, bad, 1, NULL), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_interpreter_set_slots(f->st, id + 100, p->slots, 1, NULL),
                     TOLK_STORE_ENOTFOUND);
    free(p);
}

static void test_interpreter_slots_and_exceptions(void **state)
{
    struct store_fixture *f = *state;
    int64_t id = account(f->st, "int.three", TOLK_ROLE_INTERPRETER);
    struct tolk_interpreter_profile *p = make_profile(id, "INT-3");
    struct tolk_store_slot week[3] = {{1, 0, 60}, {2, 60, 120}, {3, 120, 180}};
    struct tolk_store_exception e = {0, 5000, 9000}, old = {0, 100, 200}, wrong = {0, 10, 10};
    struct tolk_audit_note set = note("interpreter_availability_set");

    assert_int_equal(tolk_store_interpreter_create(f->st, p, NULL), TOLK_STORE_OK);
    assert_int_equal(tolk_store_interpreter_set_slots(f->st, id, week, 3, &set), TOLK_STORE_OK);
    assert_int_equal(tolk_store_interpreter_exception_add(f->st, id, &old, 50, NULL),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_interpreter_exception_add(f->st, id, &e, 300, &set), TOLK_STORE_OK);
    assert_true(e.id > 0);
    assert_int_equal(tolk_store_interpreter_exception_add(f->st, id, &wrong, 300, NULL),
                     TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_interpreter_get(f->st, id, p), TOLK_STORE_OK);
    assert_int_equal(p->n_slots, 3);
    assert_int_equal(p->slots[2].day, 3);
    assert_int_equal(p->n_exceptions, 1); /* the one that ended by 300 was forgotten */
    assert_int_equal(p->exceptions[0].starts_at, 5000);
    /* The audit entry fails: the slots stay as they were. */
    assert_int_equal(
        tolk_store_sqlite_exec_testing(f->st, "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log"
                                              " BEGIN SELECT RAISE(ABORT, 'audit refused'); END;"),
        TOLK_STORE_OK);
    assert_int_not_equal(tolk_store_interpreter_set_slots(f->st, id, week, 1, &set), TOLK_STORE_OK);
    assert_int_equal(tolk_store_sqlite_exec_testing(f->st, "DROP TRIGGER no_audit"), TOLK_STORE_OK);
    assert_int_equal(tolk_store_interpreter_get(f->st, id, p), TOLK_STORE_OK);
    assert_int_equal(p->n_slots, 3);
    assert_int_equal(tolk_store_interpreter_set_slots(f->st, id, NULL, 0, &set), TOLK_STORE_OK);
    assert_int_equal(tolk_store_interpreter_get(f->st, id, p), TOLK_STORE_OK);
    assert_int_equal(p->n_slots, 0);
    free(p);
}

/* Pages of whole profiles read as interpreter_get reads each; accounts without one skipped. */
static void test_interpreter_profiles(void **state)
{
    struct store_fixture *f = *state;
    int64_t ids[3];
    struct tolk_interpreter_profile *p, *page = calloc(4, sizeof(*page));
    struct tolk_interpreter_profile *got = calloc(1, sizeof(*got));
    struct tolk_store_exception later = {0, 9000, 9500}, sooner = {0, 5000, 6000};
    char code[16];
    size_t n = 9;

    assert_non_null(page);
    assert_non_null(got);
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof(name), "int.%d", i);
        ids[i] = account(f->st, name, TOLK_ROLE_INTERPRETER);
        account(f->st, i == 0 ? "int.without" : (i == 1 ? "staff.x" : "clin.x"),
                i == 0 ? TOLK_ROLE_INTERPRETER : (i == 1 ? TOLK_ROLE_STAFF : TOLK_ROLE_CLINICIAN));
        snprintf(code, sizeof(code), "INT-%d", i);
        p = make_profile(ids[i], code);
        if (i == 1) {
            p->n_pairs = 1;
            p->n_slots = 0;
        }
        assert_int_equal(tolk_store_interpreter_create(f->st, p, NULL), TOLK_STORE_OK);
        free(p);
    }
    assert_int_equal(tolk_store_interpreter_exception_add(f->st, ids[0], &later, 1, NULL),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_interpreter_exception_add(f->st, ids[0], &sooner, 1, NULL),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_interpreter_exception_add(f->st, ids[2], &later, 1, NULL),
                     TOLK_STORE_OK);

    assert_int_equal(tolk_store_interpreter_profiles(f->st, 0, page, 2, &n), TOLK_STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(tolk_store_interpreter_profiles(f->st, ids[1], page + 2, 2, &n),
                     TOLK_STORE_OK);
    assert_int_equal(n, 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tolk_store_interpreter_get(f->st, ids[i], got), TOLK_STORE_OK);
        assert_memory_equal(&page[i], got, sizeof(*got));
    }
    assert_int_equal(page[0].n_exceptions, 2);
    assert_int_equal(page[0].exceptions[0].starts_at, 5000);
    assert_int_equal(page[1].n_pairs, 1);
    assert_int_equal(page[1].n_slots, 0);
    assert_int_equal(page[2].n_exceptions, 1);
    assert_int_equal(tolk_store_interpreter_profiles(f->st, ids[2], page, 4, &n), TOLK_STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(tolk_store_interpreter_profiles(f->st, 0, page, 0, &n), TOLK_STORE_EINVAL);
    free(page);
    free(got);
}

static void test_clinician_profile(void **state)
{
    struct store_fixture *f = *state;
    int64_t id = account(f->st, "clin.one", TOLK_ROLE_CLINICIAN);
    int64_t other = account(f->st, "int.one", TOLK_ROLE_INTERPRETER);
    struct tolk_clinician_profile p = {0}, got;
    struct tolk_audit_note created = note("clinician_created");
    int64_t ids[4];
    size_t n = 0;

    p.id = id;
    snprintf(p.zone, sizeof(p.zone), "Europe/Berlin");
    p.n_languages = 2;
    snprintf(p.languages[0], sizeof(p.languages[0]), "de");
    snprintf(p.languages[1], sizeof(p.languages[1]), "en-GB");
    p.n_hours = 1;
    p.hours[0] = (struct tolk_store_slot){4, 480, 960};
    p.created_at = 1000;
    assert_int_equal(tolk_store_clinician_create(f->st, &p, &created), TOLK_STORE_OK);
    assert_int_equal(tolk_store_clinician_create(f->st, &p, &created), TOLK_STORE_ECONSTRAINT);
    p.id = other;
    assert_int_equal(tolk_store_clinician_create(f->st, &p, &created), TOLK_STORE_ENOTFOUND);
    assert_int_equal(tolk_store_clinician_get(f->st, id, &got), TOLK_STORE_OK);
    assert_string_equal(got.zone, "Europe/Berlin");
    assert_int_equal(got.n_languages, 2);
    assert_string_equal(got.languages[1], "en-GB");
    assert_int_equal(got.n_hours, 1);
    assert_int_equal(got.hours[0].end_minute, 960);
    got.n_hours = 0;
    got.n_languages = 1;
    assert_int_equal(tolk_store_clinician_update(f->st, &got, &created), TOLK_STORE_OK);
    assert_int_equal(tolk_store_clinician_get(f->st, id, &got), TOLK_STORE_OK);
    assert_int_equal(got.n_hours, 0);
    assert_int_equal(got.n_languages, 1);
    got.n_languages = 0;
    assert_int_equal(tolk_store_clinician_update(f->st, &got, &created), TOLK_STORE_EINVAL);
    got.n_languages = 1;
    got.id = other;
    assert_int_equal(tolk_store_clinician_update(f->st, &got, &created), TOLK_STORE_ENOTFOUND);
    assert_int_equal(tolk_store_clinician_list(f->st, 0, ids, 4, &n), TOLK_STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], id);
    assert_int_equal(audit_count(f->st), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_get_update, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_field_rules, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_list_alias_prefix, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_exclusions, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_audit_failure_rolls_back, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_interpreter_profile, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_interpreter_rules, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_interpreter_slots_and_exceptions, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_interpreter_profiles, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_clinician_profile, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_gender_bound_by_copy, store_fixture_setup,
                                        store_fixture_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
