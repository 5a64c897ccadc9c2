/*
 * Checks tolkd's TLS certificate and key before the server starts, so that a missing file, a
 * key that does not match, a key too weak, or an expired certificate is one clear line instead
 * of a libwebsockets failure. Too weak: under TOLKD_TLS_MIN_KEY_BITS bits of security (RSA
 * under 2048 bits, an elliptic curve under 224), whatever the system's OpenSSL configuration
 * would let through.
 */
#ifndef TOLK_TLSCHECK_H
#define TOLK_TLSCHECK_H

#include <stdbool.h>
#include <stddef.h>

#define TOLKD_TLS_MIN_KEY_BITS 112 /* NIST SP 800-57's floor: RSA 2048, EC P-224 */

struct tolkd_tls_info {
    bool development; /* issued by tools/dev-cert (organisation "Tolk development") */
    int days_left;    /* until the certificate expires */
};

/* Returns 0 and fills *info, or -1 with one line in err. */
int tolkd_tls_check(const char *cert_path, const char *key_path, struct tolkd_tls_info *info,
                    char *err, size_t errlen);

#endif
