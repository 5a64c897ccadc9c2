#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>

struct metric_row {
    const char *name;
    const char *type;
    const char *help;
    size_t offset;
};

#define ROW(field, name, type, help)                                                               \
    {                                                                                              \
        name, type, help, offsetof(struct tolk_metrics, field)                                     \
    }

static const struct metric_row rows[] = {
    ROW(connections_open, "tolk_connections_open", "gauge", "Accepted sockets now open."),
    ROW(connections_accepted, "tolk_connections_accepted_total", "counter", "Sockets accepted."),
    ROW(connections_rejected, "tolk_connections_rejected_total", "counter",
        "Sockets refused because max_connections was reached."),
    ROW(http_requests, "tolk_http_requests_total", "counter", "HTTP requests answered."),
    ROW(ws_open, "tolk_websockets_open", "gauge", "WebSocket connections now open."),
    ROW(messages_in, "tolk_messages_in_total", "counter", "WebSocket messages received."),
    ROW(messages_out, "tolk_messages_out_total", "counter", "WebSocket messages sent."),
    ROW(bytes_in, "tolk_bytes_in_total", "counter", "WebSocket payload bytes received."),
    ROW(bytes_out, "tolk_bytes_out_total", "counter", "WebSocket payload bytes sent."),
    ROW(drops_oversize, "tolk_dropped_oversize_total", "counter",
        "Messages dropped for exceeding max_message_bytes."),
    ROW(drops_not_joined, "tolk_dropped_not_joined_total", "counter",
        "Media frames dropped because the sender had not joined a session."),
    ROW(drops_queue_full, "tolk_dropped_queue_full_total", "counter",
        "Queued messages dropped because a receiver fell behind."),
    ROW(protocol_errors, "tolk_protocol_errors_total", "counter",
        "Control messages answered with an error."),
    ROW(sessions_open, "tolk_sessions_open", "gauge", "Sessions with somebody connected."),
    ROW(participants, "tolk_participants", "gauge", "Joined participants."),
    ROW(joins_refused, "tolk_joins_refused_total", "counter",
        "Joins refused (token, time window, in use, full)."),
    ROW(joins_throttled, "tolk_joins_throttled_total", "counter",
        "Joins answered join_throttled: too many refused joins from the address."),
    ROW(media_in, "tolk_media_frames_in_total", "counter", "Media frames received."),
    ROW(media_out, "tolk_media_frames_out_total", "counter", "Media frames queued to receivers."),
    ROW(drops_malformed, "tolk_dropped_malformed_total", "counter",
        "Media frames dropped for a bad SFrame header."),
    ROW(drops_forged, "tolk_dropped_forged_sender_total", "counter",
        "Media frames dropped because the sender index was not the connection's."),
    ROW(drops_stale_epoch, "tolk_dropped_stale_epoch_total", "counter",
        "Media frames dropped for an epoch too old or not begun."),
    ROW(drops_too_old, "tolk_dropped_too_old_total", "counter",
        "Media frames dropped because they waited too long in a receiver's queue."),
    ROW(drops_not_routed, "tolk_dropped_not_routed_total", "counter",
        "Media frames dropped because the sender was waiting or paused."),
    ROW(refusals_unaudited, "tolk_refusals_unaudited_total", "counter",
        "Refused joins and controls not audited because the audit budget for refusals ran dry."),
};

static int append(size_t cap, size_t *used, int n)
{
    if (n < 0 || (size_t)n >= cap - *used)
        return -1;
    *used += (size_t)n;
    return 0;
}

size_t tolk_metrics_render(const struct tolk_metrics *m, uint64_t uptime_s, const char *version,
                           char *buf, size_t cap)
{
    size_t used = 0;
    if (cap == 0)
        return 0;
    if (append(cap, &used,
               snprintf(buf, cap,
                        "# HELP tolk_build_info Version of this tolkd.\n"
                        "# TYPE tolk_build_info gauge\n"
                        "tolk_build_info{version=\"%s\"} 1\n"
                        "# HELP tolk_uptime_seconds Seconds since tolkd started.\n"
                        "# TYPE tolk_uptime_seconds gauge\n"
                        "tolk_uptime_seconds %" PRIu64 "\n",
                        version, uptime_s)) != 0)
        return 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const uint64_t *v = (const uint64_t *)(const void *)((const char *)m + rows[i].offset);
        int n = snprintf(buf + used, cap - used, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n",
                         rows[i].name, rows[i].help, rows[i].name, rows[i].type, rows[i].name, *v);
        if (append(cap, &used, n) != 0)
            return 0;
    }
    return used;
}
