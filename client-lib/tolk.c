#include "tolk.h"

#include "proto.h"

#define STR2(x) #x
#define STR(x)  STR2(x)

static const char *const messages[TOLK_ERROR_COUNT] = {
    "success",
    "invalid argument",
    "out of memory",
    "input/output error",
    "TLS failure: the broker's certificate is not trusted or the handshake failed",
    "protocol error: the peer sent something the Tolk protocol does not allow",
    "no protocol version in common with the broker",
    "refused by the broker: the token is unknown, expired or used, or not admitted",
    "the connection is closed",
    "timed out",
    "a media frame failed authentication or was replayed",
    "nothing available now; try again",
    "not allowed in the current state",
};

const char *tolk_strerror(int code)
{
    if (code > 0 || code <= -TOLK_ERROR_COUNT)
        return "unknown error";
    return messages[-code];
}

const char *tolk_version_string(void)
{
    return STR(TOLK_VERSION_MAJOR) "." STR(TOLK_VERSION_MINOR) "." STR(TOLK_VERSION_PATCH);
}

unsigned int tolk_protocol_version(void)
{
    return TOLK_PROTO_VERSION;
}
