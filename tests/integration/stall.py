"""Receivers that stop reading: for test_faults.py and bench/stalled.sh.

Each stalled session is a demo session of tolkd (--demo-session) whose clinician sends one
media frame every 20 ms and never reads again once the session is set up, and whose four other
participants (interpreter, relief interpreter, and the client and support person, admitted by
the clinician) join with a 4 KiB receive buffer and then never read at all. So tolkd has four
receivers per session whose TCP windows close within a second and whose send queues fill and
stay full: what a phone that went into a tunnel, or a hostile client, looks like to it.

As a program (for bench/stalled.sh), it sets up the stalled sessions, prints "ready N" (N
receivers), keeps sending until it reads a line or EOF on standard input, and exits:

    stall.py --port PORT --ca CA.pem --demo FILE --first K --sessions S [--payload BYTES]
"""

import argparse
import base64
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time

from tolktest import WebSocket
from test_relay import sframe_header

STALLED_ROLES = ("interpreter", "relief_interpreter", "client", "support")
RCVBUF = 4096
FRAME_S = 0.020


def connect(port, ctx, rcvbuf=None):
    """A TLS socket to tolkd; RCVBUF is set before the handshake, so the window stays small."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.settimeout(30)
    raw.connect(("127.0.0.1", port))
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def client_frame(payload):
    """A masked binary WebSocket frame; the mask is zero (allowed, and no per-byte work)."""
    n = len(payload)
    head = b"\x82" + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n))
    return head + b"\x00\x00\x00\x00" + payload


class Joined:
    """One participant: a WebSocket that said hello and joined."""

    def __init__(self, port, ctx, token, rcvbuf=None):
        self.ws = WebSocket(port, sock=connect(port, ctx, rcvbuf))
        self.epoch = 0
        self.ws.hello()
        self.ws.send_json({"type": "join", "token": token,
                           "identity": base64.b64encode(os.urandom(32)).decode()})
        reply = self.until(lambda m: m["type"] in ("joined", "error"))
        if reply["type"] != "joined":
            raise AssertionError("join refused: %r" % reply)
        self.index, self.epoch = reply["index"], reply["epoch"]

    def until(self, pred):
        while True:
            opcode, payload = self.ws.recv_frame()
            if opcode == 0x8:
                raise ConnectionError("closed: %r" % payload)
            if opcode == 0x1:
                msg = json.loads(payload)
                if "epoch" in msg and msg["type"] != "key":
                    self.epoch = max(self.epoch, msg["epoch"])
                if pred(msg):
                    return msg

    def close(self):
        self.ws.close()


class StalledSession:
    def __init__(self, port, ctx, tokens):
        self.sender = Joined(port, ctx, tokens["clinician"])
        self.receivers = [Joined(port, ctx, tokens[r], RCVBUF) for r in STALLED_ROLES]
        for r in self.receivers[2:]:  # the client and the support person wait to be admitted
            self.sender.ws.send_json({"type": "admit", "index": r.index})
            self.sender.until(lambda m, i=r.index: m["type"] == "state" and any(
                p["index"] == i and p["presence"] == "admitted" for p in m["participants"]))
        self.ctr = 0

    def frame(self, body):
        self.ctr += 1
        kid = (self.sender.epoch << 4) | self.sender.index
        return client_frame(sframe_header(kid, self.ctr) + body)

    def close(self):
        for p in [self.sender, *self.receivers]:
            p.close()


class Stall:
    """SESSIONS (lists of demo tokens) set up as stalled sessions, and a thread that sends one
    frame of PAYLOAD bytes (ciphertext and tag) per session every 20 ms until stop()."""

    def __init__(self, port, ctx, sessions, payload=1000):
        self.sessions = []
        try:
            for tokens in sessions:
                self.sessions.append(StalledSession(port, ctx, tokens))
        except BaseException:
            self.stop()
            raise
        self.body = os.urandom(payload)
        self.sent = 0
        self.failed = None
        self.running = True
        self.thread = threading.Thread(target=self._send, daemon=True)
        self.thread.start()

    @property
    def receivers(self):
        return sum(len(s.receivers) for s in self.sessions)

    def _send(self):
        next_at = time.monotonic()
        try:
            while self.running:
                for s in self.sessions:
                    s.sender.ws.sock.sendall(s.frame(self.body))
                    self.sent += 1
                next_at += FRAME_S
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                else:
                    next_at = time.monotonic()  # late: do not try to catch up in a burst
        except OSError as e:
            self.failed = e

    def stop(self):
        self.running = False
        if getattr(self, "thread", None):
            self.thread.join(timeout=10)
        for s in self.sessions:
            s.close()
        self.sessions = []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--demo", required=True)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--payload", type=int, default=1000)
    o = ap.parse_args()
    with open(o.demo) as f:
        sessions = json.load(f)["sessions"][o.first:o.first + o.sessions]
    if len(sessions) < o.sessions:
        sys.exit("stall.py: the demo file has too few sessions")
    ctx = ssl.create_default_context(cafile=o.ca)
    stall = Stall(o.port, ctx, sessions, o.payload)
    print("ready %d" % stall.receivers, flush=True)
    sys.stdin.readline()
    stall.stop()
    print("sent %d%s" % (stall.sent, " failed: %s" % stall.failed if stall.failed else ""),
          flush=True)


if __name__ == "__main__":
    main()
