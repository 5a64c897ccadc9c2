#!/usr/bin/env python3
"""Logins against a running tolkd, for bench/login-storm.sh: CLIENTS threads, each from a
loopback address of its own (127.0.0.2, .3, ...: so that no address counter is shared), each
logging in PER_CLIENT times one after the other on a fresh TLS connection. Prints one JSON
line: how many logins got which status, and their latencies (send to answer) in ms.

    bench/logins.py --port PORT --ca CA.pem --username U --password-file F
                    [--clients 4] [--per-client 5]
"""

import argparse
import json
import socket
import ssl
import threading
import time


def login(port, ctx, source, body):
    raw = socket.create_connection(("127.0.0.1", port), timeout=60, source_address=(source, 0))
    with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
        started = time.monotonic()
        s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return int(data.split(b" ", 2)[1]), (time.monotonic() - started) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--username", required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--per-client", type=int, default=5)
    o = ap.parse_args()
    with open(o.password_file) as f:
        password = f.read().rstrip("\n")
    body = json.dumps({"username": o.username, "password": password}).encode()
    ctx = ssl.create_default_context(cafile=o.ca)
    results, lock = [], threading.Lock()

    def client(i):
        for _ in range(o.per_client):
            r = login(o.port, ctx, "127.0.0.%d" % (2 + i), body)
            with lock:
                results.append(r)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(o.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ms = sorted(r[1] for r in results)
    statuses = {}
    for status, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    print(json.dumps({"logins": len(results), "statuses": statuses,
                      "wall_ms": round((time.monotonic() - started) * 1000),
                      "p50_ms": round(ms[len(ms) // 2], 1), "max_ms": round(ms[-1], 1)}))


if __name__ == "__main__":
    main()
