"""The staff web page's files as the real tolkd serves them over TLS (broker/web.c): the page and
its headers (CSP, HSTS, nosniff, frame and referrer policy, no-cache), HEAD, content types, and
what is never served (paths that climb out of the root, encoded slashes, hidden files, unknown
types, symbolic links that leave the root); and the cross-site check on state-changing API
requests (a foreign Origin or Sec-Fetch-Site is refused with 403 before anything is read).

Environment (set by CTest): TOLKD, TOLK_TEST_CERTS, TOLK_SOURCE_DIR.
"""

import json
import os
import shutil
import tempfile
import unittest

import tolktest
from tolktest import Broker, tls_connect

SOURCE_DIR = os.environ.get("TOLK_SOURCE_DIR", "")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECRET = b"outside the web root"


def raw_request(port, method, path, headers=(), body=b""):
    """One request on its own connection, the path sent exactly as given. Returns (status,
    [(name, value), ...] in order with names lowercased, body); status 0 when tolkd closed
    the connection without answering."""
    with tls_connect(port) as s:
        head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n" % (
            method, path, port)
        for name, value in headers:
            head += "%s: %s\r\n" % (name, value)
        if body or method in ("POST", "PATCH", "PUT"):
            head += "Content-Length: %d\r\n" % len(body)
        s.sendall(head.encode() + b"\r\n" + body)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    if not data:
        return 0, [], b""  # lws closed the connection without an answer
    head, _, payload = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    fields = [(k.strip().lower(), v.strip())
              for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)]
    return int(lines[0].split()[1]), fields, payload


def values(fields, name):
    return [v for k, v in fields if k == name]


class WebRootTest(unittest.TestCase):
    """A root of our own making, with traps around it."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tolk-web-")
        root = os.path.join(cls.tmp, "web")
        os.makedirs(os.path.join(root, "js"))
        os.makedirs(os.path.join(cls.tmp, "outside"))
        files = {"index.html": b"<!doctype html><title>t</title>",
                 "js/app.js": b"export const x = 1;\n",
                 "style.css": b"body{}", "i18n.json": b"{}", "notes.md": b"# not served",
                 ".hidden.json": b"{\"hidden\":true}"}
        for name, text in files.items():
            with open(os.path.join(root, name), "wb") as f:
                f.write(text)
        with open(os.path.join(cls.tmp, "outside", "secret.json"), "wb") as f:
            f.write(SECRET)
        os.symlink("../outside/secret.json", os.path.join(root, "leak.json"))
        cls.files = files
        cls.broker = Broker(config_extra="[web]\nroot = %s\n" % root)
        cls.port = cls.broker.port

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_page_and_its_headers(self):
        for path in ("/", "/index.html"):
            status, fields, body = raw_request(self.port, "GET", path)
            self.assertEqual(status, 200)
            self.assertEqual(body, self.files["index.html"])
            self.assertEqual(values(fields, "content-type"), ["text/html; charset=utf-8"])
            # ours, and lws' own from the vhost's best-practice headers: both are enforced
            self.assertIn(CSP, values(fields, "content-security-policy"))
            self.assertEqual(values(fields, "strict-transport-security"), ["max-age=31536000"])
            self.assertEqual(values(fields, "x-content-type-options"), ["nosniff"])
            self.assertEqual([v.lower() for v in values(fields, "x-frame-options")], ["deny"])
            self.assertEqual(values(fields, "referrer-policy"), ["no-referrer"])
            self.assertEqual(values(fields, "cache-control"), ["no-cache"])
            self.assertEqual(values(fields, "content-length"), [str(len(body))])

    def test_content_types(self):
        for path, want in (("/js/app.js", "text/javascript; charset=utf-8"),
                           ("/style.css", "text/css; charset=utf-8"),
                           ("/i18n.json", "application/json")):
            status, fields, body = raw_request(self.port, "GET", path)
            self.assertEqual(status, 200, path)
            self.assertEqual(values(fields, "content-type"), [want])
            self.assertEqual(body, self.files[path[1:]])
            self.assertIn(CSP, values(fields, "content-security-policy"))

    def test_head(self):
        status, fields, body = raw_request(self.port, "HEAD", "/")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")
        self.assertEqual(values(fields, "content-length"), [str(len(self.files["index.html"]))])

    def test_never_served(self):
        for path in ("/../outside/secret.json", "/js/../../outside/secret.json",
                     "/%2e%2e/outside/secret.json", "/js%2f..%2f..%2foutside%2fsecret.json",
                     "/..%2foutside%2fsecret.json", "/leak.json", "/.hidden.json", "/notes.md",
                     "/index.html%00.js", "/js/", "/js", "//etc/passwd", "/missing.js",
                     "/js\\app.js"):
            status, _, body = raw_request(self.port, "GET", path)
            self.assertTrue(status == 0 or status >= 400, (path, status))
            self.assertNotIn(SECRET, body, path)
            self.assertNotIn(b"hidden", body, path)

    def test_other_methods_and_routes(self):
        status, _, body = raw_request(self.port, "POST", "/", body=b"x")
        self.assertEqual(status, 404)
        self.assertNotIn(b"doctype", body)
        status, _, body = raw_request(self.port, "GET", "/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["status"], "ok")


class AutoRootTest(unittest.TestCase):
    """[web] root = auto (the default): a tolkd in the build tree serves the source's web/."""

    def test_serves_source_page(self):
        broker = Broker()
        try:
            status, fields, body = raw_request(broker.port, "GET", "/")
            self.assertEqual(status, 200)
            with open(os.path.join(SOURCE_DIR, "web", "index.html"), "rb") as f:
                self.assertEqual(body, f.read())
            self.assertIn(CSP, values(fields, "content-security-policy"))
        finally:
            broker.stop()

    def test_missing_root_is_404_not_a_crash(self):
        broker = Broker(config_extra="[web]\nroot = /nonexistent/tolk-web\n")
        try:
            status, _, _ = raw_request(broker.port, "GET", "/")
            self.assertEqual(status, 404)
            status, _, _ = raw_request(broker.port, "GET", "/healthz")
            self.assertEqual(status, 200)
        finally:
            broker.stop()


class CrossSiteTest(unittest.TestCase):
    """State-changing API requests from another site's page are refused before the API sees
    them; the page's own requests, and those of tolkctl or curl (no Origin), are not."""

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker()
        cls.port = cls.broker.port
        cls.own = "https://127.0.0.1:%d" % cls.port

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def login(self, headers, username):
        body = json.dumps({"username": username, "password": "not the password"}).encode()
        return raw_request(self.port, "POST", "/api/v1/login", headers, body)

    def assert_refused(self, response):
        status, fields, body = response
        self.assertEqual(status, 403, body)
        self.assertEqual(values(fields, "content-type"), ["application/json"])
        self.assertEqual(values(fields, "cache-control"), ["no-store"])
        error = json.loads(body)["error"]
        self.assertEqual(error["code"], "forbidden")
        self.assertEqual(error["message"], "cross-site requests are refused")

    def test_refused(self):
        for headers in ([("Origin", "https://evil.example")],
                        [("Origin", "null")],
                        [("Origin", "http://127.0.0.1:%d" % self.port)],
                        [("Origin", "https://127.0.0.1:%d" % (self.port + 1))],
                        [("Sec-Fetch-Site", "cross-site")],
                        [("Sec-Fetch-Site", "same-site")],
                        [("Origin", self.own), ("Sec-Fetch-Site", "cross-site")]):
            self.assert_refused(self.login(headers, "web.cross"))
        body = json.dumps({"alias": "x"}).encode()
        for method, path in (("POST", "/api/v1/clients"), ("PATCH", "/api/v1/clients/1"),
                             ("PUT", "/api/v1/interpreters/1/availability"),
                             ("POST", "/api/v1/logout")):
            self.assert_refused(raw_request(self.port, method, path,
                                            [("Origin", "https://evil.example"),
                                             ("Authorization", "Bearer " + "A" * 43)], body))

    def test_allowed(self):
        # the page's own requests, and clients that send neither header, reach the API (and
        # fail there: the password is wrong)
        for i, headers in enumerate(([("Origin", self.own), ("Sec-Fetch-Site", "same-origin")],
                                     [("Origin", self.own.upper().replace("HTTPS", "https"))],
                                     [])):
            status, _, body = self.login(headers, "web.own%d" % i)
            self.assertEqual(status, 401, body)
            self.assertEqual(json.loads(body)["error"]["code"], "unauthenticated")
        # reading is not refused for its Origin: CORS keeps another site from reading answers
        status, _, body = raw_request(self.port, "GET", "/api/v1/me",
                                      [("Origin", "https://evil.example"),
                                       ("Sec-Fetch-Site", "cross-site")])
        self.assertEqual(status, 401, body)


if __name__ == "__main__":
    tolktest.main()
