/* tolkctl's token file (see token.c). Each call reports its own failure on stderr. */
#ifndef TOLKCTL_TOKEN_H
#define TOLKCTL_TOKEN_H

#include <stddef.h>

#define TOLKCTL_TOKEN_CAP 128 /* bytes of a buffer for a token (tolkd's are 43 characters) */

/* The token file's path: OPTION (--token-file), $TOLKCTL_TOKEN_FILE or ~/.config/tolk/token. */
int tolkctl_token_path(const char *option, char *buf, size_t cap);

/* Replaces PATH with TOKEN (mode 0600). 0, or an exit status after reporting. */
int tolkctl_token_save(const char *path, const char *token);

/* Reads the token in PATH into BUF (CAP bytes, sodium_malloc'd by the caller). 0, or an exit
 * status after reporting a missing, unreadable, malformed or loosely protected file. */
int tolkctl_token_load(const char *path, char *buf, size_t cap);

#endif
