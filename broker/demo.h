/*
 * --demo-session: books demo appointments that start now, with a join token for the client,
 * the clinician, the interpreter, a relief interpreter (role interpreter) and a support person
 * of each, and writes them to a JSON file (mode 0600) once tolkd listens, so that the README's
 * run command can say how to join:
 *
 *   {"url": "wss://127.0.0.1:8443/ws", "ca": "tolk-data/tls/ca.pem",
 *    "tokens": {"client": "...", "clinician": "...", "interpreter": "...",
 *               "relief_interpreter": "...", "support": "..."},
 *    "sessions": [{"client": "...", "clinician": "...", ...}, ...]}
 *
 * "tokens" is the first session; "sessions" lists all of them (--demo-count, for benchmarks).
 */
#ifndef TOLK_DEMO_H
#define TOLK_DEMO_H

#include <stddef.h>

#include "api.h"
#include "store.h"

struct tolkd_demo;

/* Books COUNT appointments starting now (each in one transaction), with join tokens valid in
 * WINDOW around them. Returns 0, or -1 with a line in err. */
int tolkd_demo_create(struct tolk_store *st, unsigned count, const struct tolkd_join_window *window,
                      struct tolkd_demo **out, char *err, size_t errlen);

/* Writes the file. CA is the certificate a client must trust. Returns 0 or -1 with err. */
int tolkd_demo_write(const struct tolkd_demo *demo, const char *path, const char *host, int port,
                     const char *ca, char *err, size_t errlen);

/* Wipes the tokens and frees. NULL is a no-op. */
void tolkd_demo_free(struct tolkd_demo *demo);

#endif
