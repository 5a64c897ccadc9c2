/*
 * A fresh store in a temporary directory of its own, for the store-level unit tests: opened
 * by setup, closed and removed (database, -wal, -shm) by teardown.
 */
#ifndef TOLK_TEST_STORE_FIXTURE_H
#define TOLK_TEST_STORE_FIXTURE_H

#include "store.h"

#define STORE_FIXTURE_DIR_MAX  64
#define STORE_FIXTURE_PATH_MAX 128

/* Makes /tmp/tolk-NAME-XXXXXX in DIR, opens DIR/tolk.db (its name in PATH) into *ST.
 * Returns 0, or -1 (printing why) with nothing left behind. */
int store_fixture_open(const char *name, char dir[STORE_FIXTURE_DIR_MAX],
                       char path[STORE_FIXTURE_PATH_MAX], struct tolk_store **st);

/* Closes ST (NULL is fine) and removes DIR with the files in it. */
void store_fixture_close(struct tolk_store *st, const char *dir);

/* The state of a test that needs nothing but a fresh store. */
struct store_fixture {
    char dir[STORE_FIXTURE_DIR_MAX];
    char path[STORE_FIXTURE_PATH_MAX]; /* dir/tolk.db */
    struct tolk_store *st;
};

/* cmocka setup and teardown: a struct store_fixture in *STATE, opened and then removed. */
int store_fixture_setup(void **state);
int store_fixture_teardown(void **state);

#endif
