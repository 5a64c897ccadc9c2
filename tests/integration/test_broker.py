"""The real tolkd over TLS on 127.0.0.1: health, metrics, WebSocket hello, TLS policy, limits
and graceful shutdown. Run once per event loop (TOLK_EVENT_LOOP=libev|poll)."""

import os
import signal
import socket
import ssl
import struct
import time
import unittest

import tolktest
from tolktest import Broker, WebSocket, https_request, metrics

LOOP = os.environ.get("TOLK_EVENT_LOOP", "libev")


class BrokerTest(unittest.TestCase):
    def setUp(self):
        self.broker = Broker(event_loop=LOOP)

    def tearDown(self):
        self.broker.stop()

    def test_healthz(self):
        status, headers, body = https_request(self.broker.port, "GET", "/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        import json
        doc = json.loads(body)
        self.assertEqual(doc["status"], "ok")
        self.assertEqual(doc["version"], "0.2.0")
        self.assertIsInstance(doc["uptime_s"], int)

    def test_metrics_exposition(self):
        status, headers, body = https_request(self.broker.port, "GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain"))
        text = body.decode()
        for name in ("tolk_connections_open", "tolk_connections_accepted_total",
                     "tolk_connections_rejected_total", "tolk_messages_in_total",
                     "tolk_messages_out_total", "tolk_bytes_in_total", "tolk_bytes_out_total"):
            self.assertIn("\n# TYPE %s " % name, text)
            self.assertRegex(text, r"\n%s \d+\n" % name)

    def test_unknown_path_and_method(self):
        status, _, body = https_request(self.broker.port, "GET", "/nope")
        self.assertEqual((status, body), (404, b'{"error":"not_found"}\n'))
        status, headers, _ = https_request(self.broker.port, "POST", "/healthz")
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "GET")

    def test_websocket_hello(self):
        before = metrics(self.broker.port)
        ws = WebSocket(self.broker.port)
        reply = ws.hello()
        self.assertEqual(reply["type"], "hello")
        self.assertEqual(reply["version"], 1)
        self.assertEqual(reply["software"], "tolkd/0.2.0")
        self.assertLess(reply["keepalive_s"], 25)
        after = metrics(self.broker.port)
        self.assertEqual(after["tolk_messages_in_total"] - before["tolk_messages_in_total"], 1)
        self.assertEqual(after["tolk_messages_out_total"] - before["tolk_messages_out_total"], 1)
        self.assertGreater(after["tolk_bytes_out_total"], before["tolk_bytes_out_total"])
        self.assertEqual(after["tolk_websockets_open"], 1)
        ws.close()

    def test_hello_negotiates_highest_common_version(self):
        ws = WebSocket(self.broker.port)
        self.assertEqual(ws.hello(versions=(7, 1, 3))["version"], 1)
        again = ws.hello()
        self.assertEqual((again["type"], again["name"]), ("error", "duplicate_hello"))
        ws.close()

    def test_unknown_version_is_a_clear_error(self):
        ws = WebSocket(self.broker.port)
        reply = ws.hello(versions=(2, 9))
        self.assertEqual(reply["type"], "error")
        self.assertEqual((reply["code"], reply["name"]), (1004, "unsupported_version"))
        self.assertEqual(reply["supported"], [1])
        self.assertEqual(ws.hello()["version"], 1)  # the connection still works
        ws.close()

    def test_bad_control_messages(self):
        ws = WebSocket(self.broker.port)
        cases = [
            (b"{not json", 1001),
            (b"[1,2]", 1001),
            (b'{"versions":[1]}', 1002),
            (b'{"type":7}', 1002),
            (b'{"type":"hello","versions":"1"}', 1002),
            (b'{"type":"hello","versions":[-1]}', 1002),
            (b'{"type":"hello","versions":[]}', 1002),
            (b'{"type":"hello","type":"hello","versions":[1]}', 1001),
            (b'{"type":"explode"}', 1003),
        ]
        for payload, code in cases:
            ws.send_text(payload)
            reply = ws.recv_json()
            self.assertEqual((reply["type"], reply["code"]), ("error", code), payload)
        self.assertEqual(ws.hello()["version"], 1)
        ws.close()

    def test_fragmented_and_oversized_messages(self):
        ws = WebSocket(self.broker.port)
        text = b'{"type":"hello","versions":[1],"software":"fragments"}'
        ws.send_frame(0x1, text[:10], fin=False)
        ws.send_frame(0x0, text[10:30], fin=False)
        ws.send_frame(0x0, text[30:], fin=True)
        self.assertEqual(ws.recv_json()["type"], "hello")
        before = metrics(self.broker.port)["tolk_dropped_oversize_total"]
        ws.send_text(b" " * 70000)  # the default limit is 65536
        reply = ws.recv_json()
        self.assertEqual((reply["code"], reply["name"]), (1005, "too_large"))
        self.assertEqual(metrics(self.broker.port)["tolk_dropped_oversize_total"], before + 1)
        ws.send_frame(0x2, b"\x00" * 40)  # media before joining: dropped and counted
        time.sleep(0.2)
        self.assertEqual(metrics(self.broker.port)["tolk_dropped_not_joined_total"], 1)
        ws.close()

    def test_invalid_utf8_closes_with_1007(self):
        ws = WebSocket(self.broker.port)
        ws.send_text(b'{"type":"hello","software":"\xff\xfe"}')
        opcode, payload = ws.recv_frame()
        self.assertEqual(opcode, 0x8)
        self.assertEqual(struct.unpack("!H", payload[:2])[0], 1007)
        ws.close()

    def test_upgrade_needs_path_and_subprotocol(self):
        with self.assertRaises((ConnectionRefusedError, ConnectionError)):
            WebSocket(self.broker.port, protocol=None)
        with self.assertRaises((ConnectionRefusedError, ConnectionError)):
            WebSocket(self.broker.port, protocol="chat")
        with self.assertRaises((ConnectionRefusedError, ConnectionError)):
            WebSocket(self.broker.port, path="/other")
        self.assertEqual(https_request(self.broker.port, "GET", "/ws")[0], 400)

    def test_tls_1_1_is_refused_and_1_2_accepted(self):
        def attempt(version):
            ctx = tolktest.client_context()
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # so the client itself would allow 1.1
            ctx.minimum_version = version
            ctx.maximum_version = version
            with tolktest.tls_connect(self.broker.port, ctx) as s:
                return s.version()

        with self.assertRaises(ssl.SSLError) as refused:
            attempt(ssl.TLSVersion.TLSv1_1)
        self.assertIn("PROTOCOL_VERSION", str(refused.exception).upper())
        self.assertEqual(attempt(ssl.TLSVersion.TLSv1_2), "TLSv1.2")
        self.assertEqual(tolktest.tls_connect(self.broker.port).version(), "TLSv1.3")

    def test_plain_http_is_refused(self):
        with socket.create_connection(("127.0.0.1", self.broker.port), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            try:
                data = s.recv(4096)
            except ConnectionResetError:
                data = b""
            self.assertNotIn(b"200 OK", data)
            self.assertNotIn(b'"status"', data)

    def test_sigterm_closes_websockets_with_going_away_and_exits_0(self):
        ws = WebSocket(self.broker.port)
        ws.hello()
        self.broker.proc.send_signal(signal.SIGTERM)
        opcode, payload = ws.recv_frame()
        self.assertEqual(opcode, 0x8)
        self.assertEqual(struct.unpack("!H", payload[:2])[0], 1001)
        ws.close()
        self.assertEqual(self.broker.proc.wait(timeout=20), 0)
        log = self.broker.log()
        self.assertIn("event=stopping", log)
        self.assertIn("event=stopped", log)

    def test_sigint_exits_0(self):
        self.assertEqual(self.broker.terminate(signal.SIGINT), 0)


class LimitsTest(unittest.TestCase):
    def test_connections_over_the_limit_are_refused_and_others_keep_working(self):
        broker = Broker(config_extra="[limits]\nmax_connections = 2\n", event_loop=LOOP)
        try:
            first = WebSocket(broker.port)
            second = WebSocket(broker.port)
            with self.assertRaises((OSError, ssl.SSLError, ConnectionError)):
                third = WebSocket(broker.port)
                third.hello()
            self.assertEqual(first.hello()["version"], 1)
            self.assertEqual(second.hello()["version"], 1)
            first.close()
            second.close()
            deadline = time.monotonic() + 10
            while True:  # the freed slots are usable again
                try:
                    values = metrics(broker.port)
                    break
                except (OSError, ssl.SSLError, ConnectionError):
                    self.assertLess(time.monotonic(), deadline)
                    time.sleep(0.1)
            self.assertGreaterEqual(values["tolk_connections_rejected_total"], 1)
        finally:
            broker.stop()

    def test_log_holds_no_addresses(self):
        broker = Broker(event_loop=LOOP)
        try:
            ws = WebSocket(broker.port)
            ws.hello()
            ws.close()
            https_request(broker.port, "GET", "/healthz")
            self.assertEqual(broker.terminate(), 0)
            self.assertNotIn("127.0.0.1", broker.log())
        finally:
            broker.stop()


if __name__ == "__main__":
    tolktest.main()
