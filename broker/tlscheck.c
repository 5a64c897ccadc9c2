#include "tlscheck.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#define DEV_ORGANISATION "Tolk development"

static FILE *open_pem(const char *what, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        snprintf(err, errlen, "cannot read TLS %s %s: %s", what, path, strerror(errno));
    return f;
}

static bool is_development(X509 *cert)
{
    char org[128] = "";
    X509_NAME_get_text_by_NID(X509_get_issuer_name(cert), NID_organizationName, org, sizeof org);
    return strcmp(org, DEV_ORGANISATION) == 0;
}

static int check_pair(X509 *cert, EVP_PKEY *key, struct tolkd_tls_info *info, const char *cert_path,
                      char *err, size_t errlen)
{
    if (X509_check_private_key(cert, key) != 1) {
        snprintf(err, errlen, "TLS private key does not match the certificate %s", cert_path);
        return -1;
    }
    int strength = EVP_PKEY_get_security_bits(key);
    if (strength < TOLKD_TLS_MIN_KEY_BITS) {
        snprintf(err, errlen,
                 "TLS key of the certificate %s is too weak: %d-bit %s, %d bits of security "
                 "(at least %d: RSA 2048, EC P-256)",
                 cert_path, EVP_PKEY_get_bits(key), EVP_PKEY_get0_type_name(key), strength,
                 TOLKD_TLS_MIN_KEY_BITS);
        return -1;
    }
    int days = 0, secs = 0;
    if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)) != 1) {
        snprintf(err, errlen, "TLS certificate %s has an unreadable expiry date", cert_path);
        return -1;
    }
    if (days < 0 || (days == 0 && secs <= 0)) {
        snprintf(err, errlen, "TLS certificate %s has expired", cert_path);
        return -1;
    }
    info->days_left = days;
    info->development = is_development(cert);
    return 0;
}

int tolkd_tls_check(const char *cert_path, const char *key_path, struct tolkd_tls_info *info,
                    char *err, size_t errlen)
{
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    int rc = -1;
    FILE *f = open_pem("certificate", cert_path, err, errlen);
    if (!f)
        return -1;
    cert = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!cert) {
        snprintf(err, errlen, "TLS certificate %s is not a PEM certificate", cert_path);
        goto out;
    }
    f = open_pem("private key", key_path, err, errlen);
    if (!f)
        goto out;
    key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!key) {
        snprintf(err, errlen, "TLS private key %s is not an unencrypted PEM key", key_path);
        goto out;
    }
    rc = check_pair(cert, key, info, cert_path, err, errlen);
out:
    ERR_clear_error();
    EVP_PKEY_free(key);
    X509_free(cert);
    return rc;
}
