"""Abuse of the real tolkd over TLS: a connection flood beyond [limits] max_connections, clients
that send their headers (or TLS handshake, or body) too slowly, oversized, fragmented and
malformed WebSocket messages, invalid UTF-8, login brute force and token guessing. Each must
cost the abuser, not the live sessions beside it. docs/SECURITY.md, "Abuse tests".

Environment (set by CTest): TOLKD, TOLKCTL, TOLK_TEST_CERTS, TOLK_SANITIZED.
"""

import base64
import os
import select
import socket
import ssl
import struct
import threading
import time
import unittest

import tolktest
from tolktest import WRAPPER, WebSocket, client_context, metrics
from test_api import ADMIN, ADMIN_PASSWORD, PASSWORD, ApiBroker, call
from test_faults import StoreBroker, rss_kb, wait_until
from test_interp import Peer

SANITIZED = os.environ.get("TOLK_SANITIZED") == "1"
HEADER_TIMEOUT_S = 10  # lws' timeout_secs in broker/server.c


def frame(opcode, payload, fin=True, mask=b"\x00\x00\x00\x00", rsv=0):
    """One client frame, as bytes (a zero mask by default: no per-byte work in Python)."""
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | rsv | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    if mask != b"\x00\x00\x00\x00":
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + payload


def fragments(opcode, payload, size):
    """PAYLOAD as one message in fragments of SIZE bytes, as one string of bytes."""
    parts = [payload[i:i + size] for i in range(0, len(payload), size)] or [b""]
    return b"".join(frame(opcode if i == 0 else 0, p, fin=i == len(parts) - 1)
                    for i, p in enumerate(parts))


def close_code(ws, timeout=20):
    """Reads until the server closes: its close code, 1006 if the connection just ended."""
    ws.sock.settimeout(timeout)
    try:
        while True:
            opcode, payload = ws.recv_frame()
            if opcode == 0x8:
                return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
    except (ConnectionError, ssl.SSLError, OSError):
        return 1006


def hello_works(ws):
    ws.send_json({"type": "hello", "versions": [1]})
    reply = ws.recv_json()
    return reply.get("name") == "duplicate_hello" or reply.get("type") == "hello"


class LiveSession:
    """A clinician and an interpreter of a demo session that can show, at any time, that media
    still flows between them both ways."""

    def __init__(self, port, tokens):
        self.clin = Peer(port, tokens["clinician"], "clinician")
        self.interp = Peer(port, tokens["interpreter"], "interpreter")
        for p in (self.clin, self.interp):
            assert p.join()["type"] == "joined"
        for p in (self.clin, self.interp, self.clin):
            p.sync()

    def flows(self, n=5):
        for _ in range(n):
            self.clin.send_frames()
            self.interp.send_frames()
        for p in (self.clin, self.interp, self.clin, self.interp):
            p.sync()
        ok = (self.clin.senders() == [self.interp.index]
              and self.interp.senders() == [self.clin.index])
        return ok

    def close(self):
        self.clin.close()
        self.interp.close()


class ConnectionFloodTest(unittest.TestCase):
    LIMIT = 16
    FLOOD = 200

    def test_flood_beyond_max_connections(self):
        broker = StoreBroker(os.path.join(self._dir(), "data"), demo_count=1,
                             config_extra="[limits]\nmax_connections = %d\n" % self.LIMIT)
        self.addCleanup(broker.stop)
        live = LiveSession(broker.port, broker.sessions[0])
        self.addCleanup(live.close)
        before = metrics(broker.port)["tolk_connections_rejected_total"]
        flood = []
        self.addCleanup(lambda: [s.close() for s in flood])
        for _ in range(self.FLOOD):  # TCP connections: the kernel accepts them, tolkd decides
            flood.append(socket.create_connection(("127.0.0.1", broker.port), timeout=10))
        # Media flows while the flood holds every slot it could get.
        self.assertTrue(live.flows())
        served = []  # kept open, so that each holds its slot
        self.addCleanup(lambda: [s.close() for s in served])
        ctx = client_context()
        for s in flood:
            try:
                tls = ctx.wrap_socket(s, server_hostname="127.0.0.1")
                tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                if tolktest.read_http_response(tls)[0] == 200:
                    served.append(tls)
            except (OSError, ssl.SSLError, ConnectionError):
                pass
        # At most the free slots were served (the live session holds two; the test's own
        # metrics connection came and went before the flood). Under a wrapper tolkd is so slow
        # that lws' idle timeouts free slots while the flood is still being answered.
        if not WRAPPER:
            self.assertLessEqual(len(served), self.LIMIT - 2)
        self.assertGreater(len(served), 0)
        self.assertTrue(live.flows())
        for s in flood + served:
            s.close()
        flood.clear()
        served.clear()
        values = wait_until("a free slot", lambda: self._metrics(broker.port), 30, 0.1)
        self.assertGreaterEqual(values["tolk_connections_rejected_total"] - before,
                                self.FLOOD - (self.LIMIT - 2))
        self.assertTrue(live.flows())

    def _dir(self):
        import shutil
        import tempfile
        d = tempfile.mkdtemp(prefix="tolk-flood-")
        self.addCleanup(shutil.rmtree, d, True)
        return d

    @staticmethod
    def _metrics(port):
        try:
            return metrics(port)
        except (OSError, ssl.SSLError, ConnectionError):
            return None


class SlowClientsTest(unittest.TestCase):
    """Each way of holding a connection without finishing a request is cut after lws'
    timeout_secs (10 s), however the bytes trickle in; all run at once. And a lone silent
    connection on a broker with nothing else to do is cut on time too: with the libev loop, lws
    4.1.6 let it wait for up to 30 s until tolkd kept its timer armed (tick_cb in server.c)."""

    def test_slow_clients_are_timed_out(self):
        broker = tolktest.Broker()
        self.addCleanup(broker.stop)
        lone = tolktest.Broker()
        self.addCleanup(lone.stop)
        port = broker.port

        def tcp():
            return socket.create_connection(("127.0.0.1", port), timeout=60)

        def tls():
            s = tolktest.tls_connect(port)
            s.settimeout(60)
            return s

        def silent_tcp():  # connects and says nothing: not even a TLS ClientHello
            return tcp()

        def half_client_hello():
            s = tcp()
            s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
            return s

        def half_request_line():
            s = tls()
            s.sendall(b"GET /healthz HT")
            return s

        def headers_without_end():
            s = tls()
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
            return s

        def body_never_sent():
            s = tls()
            s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100"
                      b"\r\n\r\n{\"user")
            return s

        def trickle():  # one byte every half second: the timeout is not pushed back by them
            s = tls()
            s.trickle = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Pad: " + b"a" * 200
            return s

        results = {}

        def run(fn):
            started = time.monotonic()
            s = fn()
            try:
                for b in getattr(s, "trickle", b""):
                    s.sendall(bytes([b]))
                    if select.select([s], [], [], 0.5)[0] and not s.recv(4096):
                        break
                while s.recv(4096):
                    pass
            except (OSError, ssl.SSLError):
                pass
            results[fn.__name__] = time.monotonic() - started
            s.close()

        def lone_silent_tcp():
            return socket.create_connection(("127.0.0.1", lone.port), timeout=60)

        cases = (silent_tcp, half_client_hello, half_request_line, headers_without_end,
                 body_never_sent, trickle, lone_silent_tcp)
        threads = [threading.Thread(target=run, args=(fn,)) for fn in cases]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=90)
        self.assertEqual(sorted(results), sorted(fn.__name__ for fn in cases))
        for name, took in results.items():
            self.assertGreater(took, HEADER_TIMEOUT_S - 2, name)  # not cut before the timeout
            self.assertLess(took, HEADER_TIMEOUT_S + 5, name)  # ... and not long after it
        status, _, _ = tolktest.https_request(port, "GET", "/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(metrics(port)["tolk_connections_open"], 1)  # only this one


class WebSocketAbuseTest(unittest.TestCase):
    """Oversized, fragmented and malformed WebSocket messages and invalid UTF-8, while a live
    session relays beside them: each is answered as PROTOCOL.md says, tolkd's memory stays
    bounded by max_message_bytes, and the live session never notices."""

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.tmp = tempfile.mkdtemp(prefix="tolk-wsabuse-")
        cls.broker = StoreBroker(os.path.join(cls.tmp, "data"), demo_count=1)
        cls.live = LiveSession(cls.broker.port, cls.broker.sessions[0])

    @classmethod
    def tearDownClass(cls):
        import shutil
        cls.live.close()
        cls.broker.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.ws = WebSocket(self.broker.port)
        self.addCleanup(self.ws.close)
        self.ws.hello()

    def tearDown(self):
        self.assertTrue(self.live.flows(), "the live session was disturbed")

    def dropped_oversize(self):
        return metrics(self.broker.port)["tolk_dropped_oversize_total"]

    def test_oversized_text_is_refused_and_the_connection_goes_on(self):
        self.ws.sock.sendall(frame(0x1, b" " * 70000))  # max_message_bytes is 65536
        reply = self.ws.recv_json()
        self.assertEqual((reply["code"], reply["name"]), (1005, "too_large"))
        self.assertTrue(hello_works(self.ws))

    def test_oversized_binary_is_dropped_and_counted(self):
        before = self.dropped_oversize()
        self.ws.sock.sendall(frame(0x2, os.urandom(100000)))
        self.assertTrue(hello_works(self.ws))
        self.assertEqual(self.dropped_oversize(), before + 1)

    def test_fragments_summing_past_the_limit(self):
        before = self.dropped_oversize()
        self.ws.sock.sendall(fragments(0x1, b" " * 100000, 1000))  # 100 fragments of 1000
        reply = self.ws.recv_json()
        self.assertEqual(reply["name"], "too_large")
        self.assertTrue(hello_works(self.ws))  # exactly one error: the rest was dropped
        self.assertEqual(self.dropped_oversize(), before + 1)

    def test_empty_messages_and_fragments(self):
        """Regression: an empty first fragment made tolkd call memcpy with a null pointer
        (undefined behaviour; UBSan stopped the sanitizer build)."""
        cases = [
            (frame(0x1, b""), "bad_json"),
            (frame(0x1, b"", fin=False) + frame(0x0, b"", fin=False) + frame(0x0, b""),
             "bad_json"),
            (frame(0x1, b"", fin=False) + frame(0x0, b'{"type":"hello","versions":[1]}'),
             "duplicate_hello"),
            (frame(0x2, b""), None),
            (frame(0x2, b"", fin=False) + frame(0x0, b""), None),
        ]
        for data, name in cases:
            self.ws.sock.sendall(data)
            if name:
                self.assertEqual(self.ws.recv_json()["name"], name)
            self.assertTrue(hello_works(self.ws))

    def test_fragment_flood(self):
        # 60,000 one-byte fragments of one message under the limit: reassembled exactly ...
        hello = b'{"type":"hello","versions":[1]}'
        self.ws.sock.sendall(fragments(0x1, hello + b" " * (60000 - len(hello)), 1))
        self.assertEqual(self.ws.recv_json()["name"], "duplicate_hello")
        # ... and 200,000 over it: one too_large, and the connection goes on.
        self.ws.sock.sendall(fragments(0x1, b" " * 200000, 1))
        self.assertEqual(self.ws.recv_json()["name"], "too_large")
        self.assertTrue(hello_works(self.ws))

    def test_memory_stays_bounded(self):
        """A message that never ends, 20 MiB of fragments and a frame that claims 2^62 bytes:
        tolkd keeps at most max_message_bytes of any of them."""
        pid = self.broker.proc.pid
        before = rss_kb(pid)
        huge = WebSocket(self.broker.port)
        self.addCleanup(huge.close)
        huge.sock.sendall(bytes([0x82, 0x80 | 127]) + struct.pack("!Q", 1 << 62) + b"\0" * 4)
        block = b"\x00" * (1 << 20)
        for _ in range(20):
            huge.sock.sendall(block)
        endless = WebSocket(self.broker.port)
        self.addCleanup(endless.close)
        endless.sock.sendall(frame(0x2, b"", fin=False))
        chunk = frame(0x0, b"\x00" * 4096, fin=False) * 16
        for _ in range(320):  # 20 MiB of continuation frames, never a final one
            endless.sock.sendall(chunk)
        endless.sock.sendall(frame(0x9, b"read?"))  # allowed between fragments
        self.assertEqual(endless.recv_frame(), (0xA, b"read?"))  # all of it has been read
        self.assertTrue(hello_works(self.ws))
        if not SANITIZED and not WRAPPER:
            self.assertLess(rss_kb(pid) - before, 8 * 1024)

    def test_invalid_utf8_closes_with_1007(self):
        bad = {
            "invalid byte": b"\xff",
            "overlong": b"\xc0\xaf",
            "surrogate": b"\xed\xa0\x80",
            "above U+10FFFF": b"\xf4\x90\x80\x80",
            "truncated": b"\xe2\x82",
        }
        for name, seq in bad.items():
            with self.subTest(name):
                ws = WebSocket(self.broker.port)
                self.addCleanup(ws.close)
                ws.send_text(b'{"type":"hello","versions":[1],"software":"' + seq + b'"}')
                self.assertEqual(close_code(ws), 1007)
        # split across fragments: the whole message is checked, not each fragment alone
        ws = WebSocket(self.broker.port)
        self.addCleanup(ws.close)
        ws.sock.sendall(frame(0x1, b'{"type":"hello","software":"\xe2\x82', fin=False)
                        + frame(0x0, b'("}'))
        self.assertEqual(close_code(ws), 1007)
        ws = WebSocket(self.broker.port)
        self.addCleanup(ws.close)
        ws.sock.sendall(frame(0x1, b'{"type":"hello","versions":[1]}', fin=False)
                        + frame(0x0, b"\xe2\x82"))
        self.assertEqual(close_code(ws), 1007)
        # valid UTF-8 split inside a character is fine
        euro = '{"type":"hello","versions":[1],"software":"\u20ac"}'.encode()
        cut = euro.index(b"\xe2") + 1
        self.ws.sock.sendall(frame(0x1, euro[:cut], fin=False) + frame(0x0, euro[cut:]))
        self.assertEqual(self.ws.recv_json()["name"], "duplicate_hello")

    def test_framing_violations_close_the_connection(self):
        cases = {
            "control frame over 125 bytes": frame(0x9, b"x" * 126),
            "fragmented control frame": frame(0x9, b"x", fin=False),
            "continuation without a start": frame(0x0, b"abc"),
            "new message inside a fragmented one": frame(0x1, b"{", fin=False) + frame(0x1, b"{}"),
            "reserved bit": frame(0x1, b"{}", rsv=0x40),
            "unknown opcode": frame(0x3, b"x"),
            "length with the top bit set": bytes([0x82, 0xFF]) + struct.pack("!Q", 1 << 63),
        }
        for name, data in cases.items():
            with self.subTest(name):
                ws = WebSocket(self.broker.port)
                self.addCleanup(ws.close)
                ws.sock.sendall(data)
                self.assertIn(close_code(ws), (1002, 1006))
        # a ping between the fragments of a message is allowed, and answered
        hello = b'{"type":"hello","versions":[1]}'
        self.ws.sock.sendall(frame(0x1, hello[:5], fin=False) + frame(0x9, b"p")
                             + frame(0x0, hello[5:]))
        opcode, payload = self.ws.recv_frame()
        self.assertEqual((opcode, payload), (0xA, b"p"))
        self.assertEqual(self.ws.recv_json()["name"], "duplicate_hello")


class LoginBruteForceTest(unittest.TestCase):
    """Guessing passwords: an account and an address each get 5 failures, then a wait that
    doubles (429 with Retry-After), also for the right password; every failure and throttled
    attempt is audited, by id only; spraying one password over accounts, or one account from
    many addresses, is stopped the same way."""

    @classmethod
    def setUpClass(cls):
        cls.broker = ApiBroker()
        status, _, body = call(cls.broker.port, "POST", "/api/v1/login",
                               body={"username": ADMIN, "password": ADMIN_PASSWORD})
        assert status == 200, body
        cls.admin = body["token"]
        cls.ids = {}
        for name in ("victim", "spray.a", "spray.b", "spray.c", "spray.d", "spray.e", "spray.f",
                     "many.victim"):
            status, _, body = call(cls.broker.port, "POST", "/api/v1/accounts", token=cls.admin,
                                   body={"username": name, "password": PASSWORD,
                                         "role": "staff"})
            assert status == 201, body
            cls.ids[name] = body["id"]

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def login(self, username, password, source):
        return call(self.broker.port, "POST", "/api/v1/login", source=source,
                    body={"username": username, "password": password})

    def audit(self):
        entries, after = [], 0
        while True:
            status, _, page = call(self.broker.port, "GET", "/api/v1/audit?after=%d&limit=100"
                                   % after, token=self.admin)
            assert status == 200, page
            entries += page["entries"]
            if page["next_after"] is None:
                return entries
            after = page["next_after"]

    def test_one_account_from_one_address(self):
        statuses = [self.login("victim", "guess number %d" % i, "127.0.0.31")[0]
                    for i in range(8)]
        self.assertEqual(statuses, [401] * 5 + [429] * 3)
        status, headers, body = self.login("victim", PASSWORD, "127.0.0.31")
        self.assertEqual(status, 429)  # the right password too, while the wait lasts
        self.assertEqual(body["error"]["code"], "rate_limited")
        self.assertGreaterEqual(int(headers["retry-after"]), 1)
        subject = "account:%d" % self.ids["victim"]
        mine = [e["action"] for e in self.audit() if e["subject"] == subject]
        self.assertEqual(mine.count("login_failed"), 5)
        self.assertEqual(mine.count("login_throttled"), 4)

    def test_spraying_accounts_from_one_address(self):
        names = ["spray.%s" % c for c in "abcdef"]
        statuses = [self.login(n, "Summer2024!", "127.0.0.32")[0] for n in names]
        self.assertEqual(statuses, [401] * 5 + [429])  # the address is throttled

    def test_one_account_from_many_addresses(self):
        statuses = [self.login("many.victim", "guess number %d" % i, "127.0.0.%d" % (40 + i))[0]
                    for i in range(6)]
        self.assertEqual(statuses, [401] * 5 + [429])  # the account is throttled
        status, _, report = call(self.broker.port, "GET", "/api/v1/audit/verify",
                                 token=self.admin)
        self.assertTrue(report["ok"], report)


class TokenGuessingTest(unittest.TestCase):
    """Random join tokens from one address: refused invalid_token and audited (by the token's
    hash, never the token) until the address has had TOLKD_JOINGUARD_BURST (10) refusals; then
    every join from it, a good token's too, is answered join_throttled without a look-up, one
    audit entry says so, and other addresses are not affected. One refusal is forgiven every
    6 s."""

    BURST = 10
    REFILL_S = 6

    def join_from(self, source, token):
        raw = socket.create_connection(("127.0.0.1", self.broker.port), timeout=30,
                                       source_address=(source, 0))
        ws = WebSocket(self.broker.port,
                       sock=client_context().wrap_socket(raw, server_hostname="127.0.0.1"))
        self.addCleanup(ws.close)
        ws.hello()
        return ws, self.join(ws, token)

    @staticmethod
    def join(ws, token):
        ws.send_json({"type": "join", "token": token,
                      "identity": base64.b64encode(os.urandom(32)).decode()})
        while True:
            msg = ws.recv_json()
            if msg["type"] in ("joined", "error"):
                return msg

    def audit(self, admin):
        entries, after = [], 0
        while True:
            status, _, page = call(self.broker.port, "GET", "/api/v1/audit?after=%d&limit=100"
                                   % after, token=admin)
            self.assertEqual(status, 200, page)
            entries += page["entries"]
            if page["next_after"] is None:
                return entries
            after = page["next_after"]

    def test_guessing_is_refused_audited_and_throttled(self):
        import shutil
        import tempfile
        tmp = tempfile.mkdtemp(prefix="tolk-guess-")
        self.addCleanup(shutil.rmtree, tmp, True)
        self.broker = StoreBroker(os.path.join(tmp, "data"), demo_count=2)
        self.addCleanup(self.broker.stop)
        guesser = "127.0.0.61"
        ws, first = self.join_from(guesser, base64.urlsafe_b64encode(os.urandom(32))
                                   .decode().rstrip("="))
        names = [first["name"]]
        for _ in range(29):
            guess = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
            reply = self.join(ws, guess)
            names.append(reply["name"])
        self.assertEqual(names, ["invalid_token"] * self.BURST + ["join_throttled"] * 20)
        self.assertEqual(reply["code"], 1109)
        self.assertRegex(reply["message"], r"try again in [1-6] s")
        # a good token from the guessing address waits too; from another address it joins
        tokens = self.broker.sessions[0]
        self.assertEqual(self.join(ws, tokens["clinician"])["name"], "join_throttled")
        other, joined = self.join_from("127.0.0.62", tokens["interpreter"])
        self.assertEqual(joined["type"], "joined")
        m = metrics(self.broker.port)
        self.assertEqual((m["tolk_joins_refused_total"], m["tolk_joins_throttled_total"]),
                         (self.BURST, 21))
        admin = self.broker.admin_token()
        entries = self.audit(admin)
        refused = [e for e in entries if e["action"] == "session_join_refused"]
        self.assertEqual(len(refused), self.BURST)
        for e in refused:
            self.assertEqual((e["subject"], e["detail"]), ("session:unknown", "code=invalid_token"))
            self.assertRegex(e["actor"], r"^token:[0-9a-f]{16}$")
        throttled = [e for e in entries if e["action"] == "session_join_throttled"]
        self.assertEqual([(e["actor"], e["subject"]) for e in throttled],
                         [("system", "session:unknown")])
        status, _, report = call(self.broker.port, "GET", "/api/v1/audit/verify", token=admin)
        self.assertTrue(report["ok"], report)
        log = self.broker.log()
        self.assertRegex(log, r"event=join_throttled addr=[0-9a-f]{8} refused=10")
        self.assertNotIn("127.0.0.6", log)
        # after one refill the good token from the guessing address is looked up, and joins
        time.sleep(self.REFILL_S + 0.5)
        self.assertEqual(self.join(ws, tokens["clinician"])["type"], "joined")


if __name__ == "__main__":
    tolktest.main()
