/*
 * libtolk: join a Tolk session from any application.
 *
 * This header is the library's whole public interface. Conventions, in the libsodium and
 * libuv manner:
 *   - every function that can fail returns 0 or a negative TOLK_E* code; tolk_strerror() turns
 *     a code into a sentence; there is no global errno;
 *   - objects are opaque, created by tolk_<object>_new() and released by tolk_<object>_free(),
 *     and _free(NULL) does nothing;
 *   - above each declaration: who allocates, who frees, and which thread may call it.
 *
 * The calling surface grows with the session features (connect, join, audio, keys); what is
 * declared here is implemented and tested.
 */
#ifndef TOLK_H
#define TOLK_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TOLK_API __attribute__((visibility("default")))
#else
#define TOLK_API
#endif

#define TOLK_VERSION_MAJOR 0
#define TOLK_VERSION_MINOR 1
#define TOLK_VERSION_PATCH 0

/* Error codes. Stable: values are never reused or renumbered. */
#define TOLK_OK          0
#define TOLK_EINVAL      -1  /* an argument is outside its contract */
#define TOLK_ENOMEM      -2  /* out of memory */
#define TOLK_EIO         -3  /* a file or socket operation failed */
#define TOLK_ETLS        -4  /* TLS failed: the certificate was not trusted, or the handshake */
#define TOLK_EPROTO      -5  /* the peer broke the wire protocol */
#define TOLK_EVERSION    -6  /* no protocol version in common with the broker */
#define TOLK_EDENIED     -7  /* the broker refused: bad, expired or used token, not admitted */
#define TOLK_ECLOSED     -8  /* the connection is closed */
#define TOLK_ETIMEDOUT   -9  /* no answer in time */
#define TOLK_EDECRYPT    -10 /* a media frame failed authentication or was replayed */
#define TOLK_EAGAIN      -11 /* nothing available now; try again later */
#define TOLK_ESTATE      -12 /* the call is not allowed in the object's current state */
#define TOLK_ERROR_COUNT 13  /* one past the most negative code's magnitude */

/*
 * A static, human-readable sentence for CODE ("unknown error" for a code not listed above).
 * Any thread. Never NULL; the caller must not free it.
 */
TOLK_API const char *tolk_strerror(int code);

/*
 * The library's version, "MAJOR.MINOR.PATCH", and the newest wire-protocol version it speaks.
 * Any thread. Static strings.
 */
TOLK_API const char *tolk_version_string(void);
TOLK_API unsigned int tolk_protocol_version(void);

#ifdef __cplusplus
}
#endif

#endif
