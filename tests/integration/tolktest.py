"""Helpers for Tolk's integration tests: start the real tolkd on 127.0.0.1 with an ephemeral
port, a temporary data directory and the test certificate, and talk to it over TLS (HTTPS and
WebSocket) with nothing but Python's standard library.

Environment (set by CTest): TOLKD (path of the binary), TOLK_TEST_CERTS (a directory made by
tools/dev-cert.sh: ca.pem, cert.pem, key.pem). TOLKD_WRAPPER (optional, set by tools/valgrind.sh):
a command put in front of every tolkd the tests start, e.g. "valgrind --error-exitcode=99 ...";
it must exec tolkd in the same process. With a wrapper, stop() ends tolkd with SIGTERM (so that
the wrapper can report) and fails if it exits with WRAPPER_FAILED (99).
"""

import base64
import json
import os
import shlex
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import time
import unittest

TOLKD = os.environ.get("TOLKD", "tolkd")
CERTS = os.environ.get("TOLK_TEST_CERTS", "")
WRAPPER = shlex.split(os.environ.get("TOLKD_WRAPPER", ""))
WRAPPER_FAILED = 99  # the exit status tools/valgrind.sh gives valgrind for an error or a leak
START_TIMEOUT_S = 60 if WRAPPER else 30  # generous: sanitizers or valgrind on a busy machine


def tolkd_command(binary, *args):
    """The command line that starts BINARY (tolkd or tolkd-test) with ARGS, under the wrapper."""
    return [*WRAPPER, binary, *args]


class Broker:
    """One tolkd process with its own data directory; always stopped by stop() or on exit."""

    def __init__(self, config_extra="", event_loop="libev", args=(), cert=None, key=None):
        self.dir = tempfile.mkdtemp(prefix="tolk-it-")
        self.config = os.path.join(self.dir, "tolkd.conf")
        with open(self.config, "w") as f:
            f.write(
                "[server]\nevent_loop = %s\n[tls]\ncertificate = %s\nprivate_key = %s\n"
                "[store]\ndatabase = %s\ndata_key_file = %s\n[log]\nlevel = debug\n%s"
                % (event_loop, cert or os.path.join(CERTS, "cert.pem"),
                   key or os.path.join(CERTS, "key.pem"),
                   os.path.join(self.dir, "data", "tolk.db"),
                   os.path.join(self.dir, "data", "data.key"), config_extra))
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            tolkd_command(TOLKD, "--config", self.config, "--listen", "127.0.0.1:0", *args),
            stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        self.port = self._wait_listening()

    def _wait_listening(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith("listening on 127.0.0.1:"):
                return int(line.rsplit(":", 1)[1])
        self.stop()
        raise AssertionError("tolkd did not start: " + self.log())

    def log(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def terminate(self, sig=signal.SIGTERM, timeout=20):
        """Sends SIG and returns the exit status."""
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)

    def stop(self):
        if WRAPPER and self.proc.poll() is None:
            try:  # the wrapper reports errors and leaks only when tolkd exits by itself
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        if WRAPPER and self.proc.returncode == WRAPPER_FAILED:
            raise AssertionError("%s found errors in tolkd (pid %d): see its log"
                                 % (WRAPPER[0], self.proc.pid))


def client_context():
    ctx = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
    ctx.check_hostname = True
    return ctx


def tls_connect(port, ctx=None, host="127.0.0.1"):
    raw = socket.create_connection((host, port), timeout=10)
    return (ctx or client_context()).wrap_socket(raw, server_hostname=host)


def read_http_response(sock):
    """Reads one HTTP/1.1 response with a Content-Length; returns (status, headers, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed before the headers ended")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip()
               for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def https_request(port, method, path):
    with tls_connect(port) as s:
        s.sendall(("%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                   % (method, path)).encode())
        return read_http_response(s)


class WebSocket:
    """A minimal RFC 6455 client: enough to speak tolk.v1 over TLS in tests."""

    def __init__(self, port, path="/ws", protocol="tolk.v1", sock=None):
        self.sock = sock or tls_connect(port)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               % (path, key))
        if protocol:
            req += "Sec-WebSocket-Protocol: %s\r\n" % protocol
        self.sock.sendall((req + "\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the upgrade")
            data += chunk
        head, self.buf = data.split(b"\r\n\r\n", 1)
        self.status = int(head.split()[1])
        if self.status != 101:
            raise ConnectionRefusedError("upgrade refused with %d" % self.status)

    def send_frame(self, opcode, payload, fin=True):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([(0x80 if fin else 0) | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send_text(self, text):
        self.send_frame(0x1, text.encode() if isinstance(text, str) else text)

    def send_json(self, obj):
        self.send_text(json.dumps(obj))

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        """Returns (opcode, payload); answers pings on the way."""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            payload = self._read(n)
            opcode = b0 & 0x0F
            if opcode == 0x9:
                self.send_frame(0xA, payload)
                continue
            return opcode, payload

    def recv_json(self):
        opcode, payload = self.recv_frame()
        if opcode != 0x1:
            raise AssertionError("expected a text frame, got opcode %d %r" % (opcode, payload))
        return json.loads(payload)

    def hello(self, versions=(1,)):
        self.send_json({"type": "hello", "versions": list(versions), "software": "tolktest/1"})
        return self.recv_json()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def metrics(port):
    status, _, body = https_request(port, "GET", "/metrics")
    assert status == 200
    values = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def run_tolkd(args, timeout=30):
    """Runs tolkd to completion (for start-up failures); returns CompletedProcess."""
    return subprocess.run([TOLKD, *args], capture_output=True, text=True, timeout=timeout)


def main():
    # Sockets that a test leaves to the garbage collector are fine here; that warning is noise.
    unittest.main(verbosity=2, warnings="ignore")
