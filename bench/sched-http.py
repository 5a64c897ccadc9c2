#!/usr/bin/env python3
"""Replays tolk-sched's plan (tolk-sched --plan FILE) against a running tolkd over HTTPS and
prints one JSON line: suggestion queries (GET /api/v1/appointments/{id}/suggestions) and booking
attempts (POST /api/v1/appointments) per second, with p50/p99/max latency and, with
--server-pid, tolkd's CPU time per request (cpu_ms_per_request); and this client's own CPU time
per request (client_cpu_ms_per_request: TLS, HTTP and, for suggestions, parsing the answer).

One keep-alive TLS connection, one request at a time (as a desk's browser would ask), Python's
standard library only. Latency is from sending the request to having read the whole body; the
JSON is not parsed inside the timed part. The first `warmup` suggestion queries of the plan are
not counted, as in tolk-sched. Any answer other than 200 (suggestions) or 201/409 (bookings)
stops the run.

    sched-http.py --port PORT --ca CA.pem --plan PLAN.json [--server-pid PID]
"""

import argparse
import http.client
import json
import os
import ssl
import sys
import time


def cpu_seconds(pid):
    """utime + stime of process PID, in seconds (None without a pid)."""
    if not pid:
        return None
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def latency(samples_ns):
    """count, p50, p99 and max in ms, nearest rank (as bench/hist.c, without its buckets)."""
    s = sorted(samples_ns)
    if not s:
        return {"count": 0, "p50_ms": 0, "p99_ms": 0, "max_ms": 0}

    def rank(p):
        return s[max(0, min(len(s) - 1, int(p / 100 * len(s) + 0.5) - 1))] / 1e6

    return {"count": len(s), "p50_ms": rank(50), "p99_ms": rank(99), "max_ms": s[-1] / 1e6}


class Api:
    def __init__(self, port, ca):
        ctx = ssl.create_default_context(cafile=ca)
        self.conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=60)
        self.headers = {"Content-Type": "application/json"}

    def call(self, method, path, body=None):
        """(status, body bytes, nanoseconds)."""
        data = json.dumps(body).encode() if body is not None else None
        t0 = time.perf_counter_ns()
        self.conn.request(method, "/api/v1" + path, body=data, headers=self.headers)
        resp = self.conn.getresponse()
        out = resp.read()
        return resp.status, out, time.perf_counter_ns() - t0

    def login(self, username, password):
        status, out, _ = self.call("POST", "/login", {"username": username, "password": password})
        if status != 200:
            sys.exit("sched-http: login failed with %d: %s" % (status, out[:200]))
        self.headers["Authorization"] = "Bearer " + json.loads(out)["token"]


def suggestions(api, plan, pid):
    samples, proposed, rejected, size = [], 0, 0, 0
    ids, warmup = plan["suggestions"], plan["warmup"]
    for i, appointment in enumerate(ids):
        if i == warmup:
            cpu0, t0, mine = cpu_seconds(pid), time.perf_counter(), time.process_time()
        status, out, ns = api.call("GET", "/appointments/%d/suggestions" % appointment)
        if status != 200:
            sys.exit("sched-http: suggestions for %d answered %d: %s" % (appointment, status,
                                                                         out[:200]))
        if i >= warmup:
            samples.append(ns)
            size += len(out)
            body = json.loads(out)
            proposed += len(body["suggestions"])
            rejected += len(body["rejected"])
    secs, n = time.perf_counter() - t0, len(samples)
    result = {"per_s": n / secs, "warmup": warmup, "latency": latency(samples),
              "client_cpu_ms_per_request": (time.process_time() - mine) * 1e3 / n,
              "mean_proposed": proposed / n, "mean_rejected": rejected / n,
              "mean_response_bytes": size / n}
    if pid:
        result["cpu_ms_per_request"] = (cpu_seconds(pid) - cpu0) * 1e3 / n
    return result


def bookings(api, plan, pid):
    every, accepted, refused = [], [], []
    cpu0, t0, mine = cpu_seconds(pid), time.perf_counter(), time.process_time()
    for b in plan["bookings"]:
        status, out, ns = api.call("POST", "/appointments", b)
        every.append(ns)
        if status == 201:
            accepted.append(ns)
        elif status == 409:
            refused.append(ns)
        else:
            sys.exit("sched-http: booking answered %d: %s" % (status, out[:200]))
    secs = time.perf_counter() - t0
    result = {"per_s": len(every) / secs, "attempts": len(every), "all": latency(every),
              "client_cpu_ms_per_request": (time.process_time() - mine) * 1e3 / len(every),
              "accepted": latency(accepted), "refused": latency(refused)}
    if pid:
        result["cpu_ms_per_request"] = (cpu_seconds(pid) - cpu0) * 1e3 / len(every)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--plan", required=True)
    ap.add_argument("--server-pid", type=int, default=0)
    args = ap.parse_args()
    with open(args.plan) as f:
        plan = json.load(f)
    api = Api(args.port, args.ca)
    api.login(plan["username"], plan["password"])
    out = {"suggest": suggestions(api, plan, args.server_pid),
           "book": bookings(api, plan, args.server_pid)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
