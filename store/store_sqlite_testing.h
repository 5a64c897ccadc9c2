/*
 * Hooks into the SQLite backend for the store's own tests. Nothing in tolkd calls these; they
 * let a test build a database as an older tolkd left it, and reach the connection the store
 * itself uses (settings such as foreign_keys are per connection, so a second connection cannot
 * see them).
 */
#ifndef TOLK_STORE_SQLITE_TESTING_H
#define TOLK_STORE_SQLITE_TESTING_H

#include "store.h"

#include <stddef.h>

/*
 * Creates a new SQLite database at PATH (which must not exist) migrated only up to schema
 * VERSION (0 .. tolk_store_latest_schema_version()), then closes it. Returns a tolk_store_status;
 * on failure err holds one line.
 */
int tolk_store_sqlite_create_at_version(const char *path, int version, char *err, size_t errlen);

/*
 * Runs SQL (no rows returned to the caller) on the connection behind ST, which must be a SQLite
 * store. Returns a tolk_store_status; on failure tolk_store_errmsg(ST) says why.
 */
int tolk_store_sqlite_exec_testing(struct tolk_store *st, const char *sql);

#endif
