"""The REST API (/api/v1/) of the real tolkd over TLS: logins and their rate limits, bearer
tokens, the authorisation of every endpoint for every role, refusal of bad input without a
5xx and without a half-written change, disabling accounts, the audit log and its
verification (also after tampering, through the API and through tolkctl), and tolkctl's
bootstrap, which makes the first admin before tolkd ever starts.

Environment (set by CTest): TOLKD, TOLKCTL, TOLK_TEST_CERTS, TOLK_SOURCE_DIR.
"""

import base64
import hashlib
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import unittest

import tolktest
from tolktest import CERTS, TOLKD, Broker, client_context, read_http_response

TOLKCTL = os.environ.get("TOLKCTL", "tolkctl")
SOURCE_DIR = os.environ.get("TOLK_SOURCE_DIR", "")

ADMIN = "root.admin"
ADMIN_PASSWORD = "correct horse battery staple"
PASSWORD = "a long enough passphrase"
ROLES = ("admin", "staff", "clinician", "interpreter")
REF = re.compile(r"^(system|account:([0-9]+|unknown))$")


def run_tolkctl(db, key, *args, stdin=""):
    return subprocess.run([TOLKCTL, "--db", db, "--data-key", key, *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


class ApiBroker(Broker):
    """tolktest.Broker with an admin account made by `tolkctl bootstrap` before tolkd starts,
    on the database and data key the broker's config names (as Broker writes it)."""

    def __init__(self, config_extra=""):
        self.dir = tempfile.mkdtemp(prefix="tolk-it-")
        self.db = os.path.join(self.dir, "data", "tolk.db")
        self.key = os.path.join(self.dir, "data", "data.key")
        boot = run_tolkctl(self.db, self.key, "bootstrap", "--username", ADMIN,
                           stdin=ADMIN_PASSWORD + "\n")
        if boot.returncode != 0:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise AssertionError("tolkctl bootstrap failed: " + boot.stderr)
        self.config = os.path.join(self.dir, "tolkd.conf")
        with open(self.config, "w") as f:
            f.write("[server]\nevent_loop = libev\n[tls]\ncertificate = %s\nprivate_key = %s\n"
                    "[store]\ndatabase = %s\ndata_key_file = %s\n[log]\nlevel = debug\n%s"
                    % (os.path.join(CERTS, "cert.pem"), os.path.join(CERTS, "key.pem"),
                       self.db, self.key, config_extra))
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(tolktest.tolkd_command(TOLKD, "--config", self.config,
                                                             "--listen", "127.0.0.1:0"),
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        self.port = self._wait_listening()


def connect(port, source="127.0.0.1"):
    raw = socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(source, 0))
    return client_context().wrap_socket(raw, server_hostname="127.0.0.1")


def send(sock, method, path, body=None, token=None, raw=None, length=True, headers=()):
    """Writes one request on SOCK and reads its response: (status, headers, JSON or None)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    head = "%s %s HTTP/1.1\r\nHost: localhost\r\n" % (method, path)
    if token is not None:
        head += "Authorization: Bearer %s\r\n" % token
    for name, value in headers:
        head += "%s: %s\r\n" % (name, value)
    if length and (data or method in ("POST", "PATCH", "PUT")):
        head += "Content-Length: %d\r\n" % len(data)
    sock.sendall(head.encode() + b"\r\n" + data)
    status, hdrs, payload = read_http_response(sock)
    return status, hdrs, json.loads(payload) if payload else None


def call(port, method, path, source="127.0.0.1", **kw):
    """One request on a connection of its own, from the loopback address SOURCE."""
    with connect(port, source) as s:
        return send(s, method, path, **kw)


_sources = iter(range(20, 250))


def fresh_source():
    """A loopback address no earlier request came from, so no address counter is shared."""
    return "127.0.0.%d" % next(_sources)


def token_hash(token):
    return hashlib.blake2b(base64.urlsafe_b64decode(token + "="), digest_size=32).digest()


class ApiCase(unittest.TestCase):
    broker = None

    def api(self, method, path, **kw):
        return call(self.broker.port, method, "/api/v1" + path, **kw)

    def login(self, username, password, source="127.0.0.1"):
        return self.api("POST", "/login", body={"username": username, "password": password},
                        source=source)

    def token(self, username, password=PASSWORD):
        status, _, body = self.login(username, password)
        self.assertEqual(status, 200, body)
        self.tokens.append(body["token"])
        return body["token"]

    def assert_error(self, response, status, code, field=None):
        got, headers, body = response
        self.assertEqual(got, status, body)
        self.assertEqual(headers.get("content-type"), "application/json")
        self.assertEqual(headers.get("cache-control"), "no-store")
        self.assertEqual(list(body), ["error"], body)
        self.assertEqual(body["error"]["code"], code, body)
        self.assertIsInstance(body["error"]["message"], str)
        if field is not None:
            self.assertEqual(body["error"].get("field"), field, body)
        if status == 401:
            self.assertTrue(headers.get("www-authenticate", "").startswith("Bearer"))

    def audit_entries(self, token):
        entries, after = [], 0
        while True:
            status, _, page = self.api("GET", "/audit?after=%d&limit=50" % after, token=token)
            self.assertEqual(status, 200, page)
            entries += page["entries"]
            if page["next_after"] is None:
                return entries
            after = page["next_after"]


class ApiTest(ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = ApiBroker()
        cls.tokens = []
        cls.ids = {}
        status, _, body = call(cls.broker.port, "POST", "/api/v1/login",
                               body={"username": ADMIN, "password": ADMIN_PASSWORD})
        assert status == 200, body
        cls.admin = body["token"]
        cls.ids["admin"] = body["account_id"]
        cls.tokens.append(cls.admin)
        for role in ROLES[1:]:
            status, _, body = call(cls.broker.port, "POST", "/api/v1/accounts", token=cls.admin,
                                   body={"username": role + ".one", "password": PASSWORD,
                                         "role": role})
            assert status == 201, body
            cls.ids[role] = body["id"]
        cls.role_tokens = {"admin": cls.admin}
        for role in ROLES[1:]:
            status, _, body = call(cls.broker.port, "POST", "/api/v1/login",
                                   body={"username": role + ".one", "password": PASSWORD})
            assert status == 200, body
            cls.role_tokens[role] = body["token"]
            cls.tokens.append(body["token"])

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def create(self, username, role="staff"):
        status, _, body = self.api("POST", "/accounts", token=self.admin,
                                   body={"username": username, "password": PASSWORD,
                                         "role": role})
        self.assertEqual(status, 201, body)
        return body["id"]

    def test_login(self):
        before = int(time.time())
        status, headers, body = self.login(ADMIN, ADMIN_PASSWORD)
        self.assertEqual(status, 200, body)
        self.tokens.append(body["token"])
        self.assertEqual(sorted(body), ["account_id", "expires_at", "role", "token", "token_type"])
        self.assertRegex(body["token"], r"^[A-Za-z0-9_-]{43}$")
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual((body["role"], body["account_id"]), ("admin", self.ids["admin"]))
        self.assertAlmostEqual(body["expires_at"], before + 12 * 3600, delta=120)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(headers["cache-control"], "no-store")
        status, _, me = self.api("GET", "/me", token=body["token"])
        self.assertEqual((status, me["username"], me["role"]), (200, ADMIN, "admin"))
        self.assertEqual(me["token_expires_at"], body["expires_at"])
        self.assertNotIn("password_hash", me)

    def test_failed_logins_look_alike(self):
        """A wrong password, an unknown username and a malformed one get the same answer, in
        about the same time (the unknown name is checked against a dummy hash)."""
        def attempt(username, password):
            started = time.monotonic()
            response = self.login(username, password, source=fresh_source())
            return response, time.monotonic() - started

        known = [attempt(ADMIN, "wrong password here") for _ in range(3)]
        unknown = [attempt("no.such.user", "wrong password here") for _ in range(3)]
        malformed = attempt("Not A Login!", "wrong password here")
        for (status, headers, body), _ in known + unknown + [malformed]:
            self.assert_error((status, headers, body), 401, "unauthenticated")
            self.assertEqual(body, known[0][0][2])
        # The fastest of each kind (noise on a busy machine only ever adds time). Without the
        # dummy hash an unknown name would answer in about 1% of a known one's time, so a
        # quarter leaves room for a loaded machine and still catches a missing hash.
        t_known = min(t for _, t in known)
        t_unknown = min(t for _, t in unknown)
        self.assertGreater(t_unknown, 0.25 * t_known, (t_known, t_unknown))

    def test_throttling(self):
        """After 5 failures an account and an address must each wait 2^(failures-5) s."""
        self.create("thr.victim")
        self.create("thr.bystander")
        attacker = fresh_source()
        for _ in range(5):
            self.assert_error(self.login("thr.victim", "wrong password!", attacker), 401,
                              "unauthenticated")
        # The account is throttled from anywhere, even with the right password ...
        response = self.login("thr.victim", PASSWORD, fresh_source())
        self.assert_error(response, 429, "rate_limited")
        wait = response[2]["error"]["retry_after_s"]
        self.assertIn(wait, (1, 2))
        self.assertEqual(response[1]["retry-after"], str(wait))
        # ... and the address is throttled for every account.
        self.assert_error(self.login("thr.bystander", PASSWORD, attacker), 429, "rate_limited")
        status, _, body = self.login("thr.bystander", PASSWORD, fresh_source())
        self.assertEqual(status, 200, body)
        self.tokens.append(body["token"])
        # The wait grows: one more failure (after waiting) means 2 s more.
        time.sleep(wait + 0.2)
        self.assert_error(self.login("thr.victim", "wrong again!!", fresh_source()), 401,
                          "unauthenticated")
        response = self.login("thr.victim", PASSWORD, fresh_source())
        self.assert_error(response, 429, "rate_limited")
        wait = response[2]["error"]["retry_after_s"]
        self.assertIn(wait, (2, 3))
        # A success after the wait resets the account's count: one failure is not throttled.
        time.sleep(wait + 0.2)
        status, _, body = self.login("thr.victim", PASSWORD, fresh_source())
        self.assertEqual(status, 200, body)
        self.tokens.append(body["token"])
        self.assert_error(self.login("thr.victim", "wrong password!", fresh_source()), 401,
                          "unauthenticated")
        status, _, body = self.login("thr.victim", PASSWORD, fresh_source())
        self.assertEqual(status, 200, body)
        self.tokens.append(body["token"])

    def test_logout_revokes(self):
        self.create("logout.user")
        token = self.token("logout.user")
        self.assertEqual(self.api("GET", "/me", token=token)[0], 200)
        status, headers, body = self.api("POST", "/logout", token=token)
        self.assertEqual((status, body), (204, None))
        self.assertNotIn("content-length", headers)
        self.assert_error(self.api("GET", "/me", token=token), 401, "unauthenticated")
        self.assert_error(self.api("POST", "/logout", token=token), 401, "unauthenticated")

    def test_bad_bearer(self):
        self.create("expiring.user")
        expiring = self.token("expiring.user")
        with sqlite3.connect(self.broker.db, timeout=10) as db:
            db.execute("UPDATE auth_tokens SET expires_at = ? WHERE token_hash = ?",
                       (int(time.time()) - 1, token_hash(expiring)))
        db.close()
        unknown = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
        cases = [
            ("missing", ()),
            ("expired", (("Authorization", "Bearer " + expiring),)),
            ("unknown", (("Authorization", "Bearer " + unknown),)),
            ("garbage", (("Authorization", "Bearer garbage"),)),
            ("not base64url", (("Authorization", "Bearer " + "!" * 43),)),
            ("too long", (("Authorization", "Bearer " + self.admin + "A"),)),
            ("too short", (("Authorization", "Bearer " + self.admin[:-1]),)),
            ("other scheme", (("Authorization", "Basic " + self.admin),)),
            ("huge", (("Authorization", "Bearer " + "A" * 3000),)),
        ]
        for name, headers in cases:
            with self.subTest(name):
                self.assert_error(self.api("GET", "/me", headers=headers), 401, "unauthenticated")
        lower = (("Authorization", "bearer " + self.admin),)
        self.assertEqual(self.api("GET", "/me", headers=lower)[0], 200)

    def matrix(self):
        """Every endpoint for every role: (method, path, body, {role: status})."""
        staff_only = dict(admin=403, staff=403, clinician=403, interpreter=403)
        admin_only = dict(staff_only, admin=200, anonymous=401)
        counter = iter(range(1000))
        status, _, body = self.api("POST", "/clients", token=self.admin,
                                   body={"alias": "Matrix", "languages": [{"tag": "ar"}]})
        self.assertEqual(status, 201, body)
        client = body["id"]
        interp = self.ids["interpreter"]
        profile = {"code": "INT-M", "time_zone": "Europe/Amsterdam",
                   "language_pairs": [{"a": "ar", "b": "nl"}]}
        status, _, body = self.api("POST", "/interpreters", token=self.admin,
                                   body=dict(profile, account_id=interp))
        self.assertEqual(status, 201, body)

        clin = self.ids["clinician"]
        hours = {"time_zone": "Europe/Amsterdam", "languages": ["nl", "en"]}
        status, _, body = self.api("POST", "/clinicians", token=self.admin,
                                   body=dict(hours, account_id=clin))
        self.assertEqual(status, 201, body)

        def new_clinician():
            account = self.create("matrix-clin-%d" % next(counter), role="clinician")
            return dict(hours, account_id=account)

        def new_profile():
            n = next(counter)
            account = self.create("matrix-int-%d" % n, role="interpreter")
            return dict(profile, account_id=account, code="INT-M%d" % n)

        def new_booking():
            start = 4200000000 + 3600 * next(counter)
            return {"client_id": client, "clinician_id": clin, "interpreter_id": interp,
                    "mode": "consecutive", "starts_at": start, "ends_at": start + 1800}

        status, _, body = self.api("POST", "/appointments", token=self.admin,
                                   body=dict(new_booking(), starts_at=4102444800,
                                             ends_at=4102446000))
        self.assertEqual(status, 201, body)
        appt = body["id"]
        # another clinician's, which the matrix interpreter relieves: theirs to read too
        status, _, body = self.api("POST", "/appointments", token=self.admin,
                                   body=dict(new_booking(), starts_at=4102450000,
                                             ends_at=4102451000,
                                             clinician_id=self.create("matrix-relief-clin",
                                                                      role="clinician"),
                                             interpreter_id=self.create("matrix-relief-int",
                                                                        role="interpreter"),
                                             relief_interpreter_id=interp))
        self.assertEqual(status, 201, body)
        relieved = body["id"]

        return [
            ("POST", "/login", None, dict(admin=200, staff=200, clinician=200, interpreter=200,
                                          anonymous=401)),
            ("POST", "/logout", None, dict(admin=204, staff=204, clinician=204,
                                           interpreter=204, anonymous=401)),
            ("GET", "/me", None, dict(admin=200, staff=200, clinician=200, interpreter=200,
                                      anonymous=401)),
            ("POST", "/accounts",
             lambda: {"username": "matrix-%d" % next(counter), "password": PASSWORD,
                      "role": "interpreter"},
             dict(admin_only, admin=201)),
            ("GET", "/accounts", None, admin_only),
            ("PATCH", "/accounts/%d" % self.ids["interpreter"], {"disabled": False}, admin_only),
            ("GET", "/audit", None, admin_only),
            ("GET", "/audit/verify", None, admin_only),
            ("POST", "/clients", {"alias": "Matrix", "languages": [{"tag": "ar"}]},
             dict(staff_only, admin=201, staff=201, anonymous=401)),
            ("GET", "/clients", None, dict(staff_only, admin=200, staff=200, clinician=200,
                                           anonymous=401)),
            ("GET", "/clients/%d" % client, None,
             dict(staff_only, admin=200, staff=200, clinician=200, anonymous=401)),
            ("PATCH", "/clients/%d" % client, {"prefer_same_interpreter": True},
             dict(staff_only, admin=200, staff=200, anonymous=401)),
            ("POST", "/clients/%d/exclusions" % client,
             {"interpreter_id": self.ids["interpreter"], "reason": "client"},
             dict(staff_only, admin=201, staff=201, clinician=201, anonymous=401)),
            ("POST", "/interpreters", new_profile, dict(staff_only, admin=201, staff=201,
                                                        anonymous=401)),
            ("GET", "/interpreters", None, dict(staff_only, admin=200, staff=200, anonymous=401)),
            ("GET", "/interpreters/%d" % interp, None,
             dict(staff_only, admin=200, staff=200, interpreter=200, anonymous=401)),
            ("PATCH", "/interpreters/%d" % interp, {"gender": "f"},
             dict(staff_only, admin=200, staff=200, anonymous=401)),
            ("PUT", "/interpreters/%d/availability" % interp,
             {"slots": [{"day": 0, "start_minute": 540, "end_minute": 1020}]},
             dict(staff_only, admin=200, staff=200, anonymous=401)),
            ("POST", "/interpreters/%d/exceptions" % interp,
             {"starts_at": 4102444800, "ends_at": 4102448400},
             dict(staff_only, admin=201, staff=201, anonymous=401)),
            ("POST", "/clinicians", new_clinician, dict(staff_only, admin=201, staff=201,
                                                        anonymous=401)),
            ("GET", "/clinicians", None, dict(staff_only, admin=200, staff=200, anonymous=401)),
            ("GET", "/clinicians/%d" % clin, None,
             dict(staff_only, admin=200, staff=200, clinician=200, anonymous=401)),
            ("PATCH", "/clinicians/%d" % clin, {"languages": ["nl"]},
             dict(staff_only, admin=200, staff=200, anonymous=401)),
            ("POST", "/appointments", new_booking,
             dict(staff_only, admin=201, staff=201, anonymous=401)),
            ("GET", "/appointments", None,
             dict(admin=200, staff=200, clinician=200, interpreter=200, anonymous=401)),
            ("GET", "/appointments/%d" % appt, None,
             dict(admin=200, staff=200, clinician=200, interpreter=200, anonymous=401)),
            ("GET", "/appointments/%d" % relieved, None,
             dict(admin=200, staff=200, clinician=403, interpreter=200, anonymous=401)),
            ("PATCH", "/appointments/%d" % appt, {"ends_at": 4102447000},
             dict(staff_only, admin=200, staff=200, anonymous=401)),
            ("POST", "/appointments/%d/tokens" % appt, None,
             dict(staff_only, admin=201, staff=201, anonymous=401)),
            ("POST", "/appointments/%d/tokens/revoke" % appt, {"role": "client"},
             dict(staff_only, admin=204, staff=204, anonymous=401)),
            ("GET", "/appointments/%d/suggestions" % appt, None,
             dict(staff_only, admin=200, staff=200, anonymous=401)),
            ("POST", "/appointments/%d/cancel" % appt, None,
             dict(staff_only, admin=200, staff=200, anonymous=401)),
        ]

    def matrix_request(self, method, path, body, role):
        if path == "/login":
            if role == "anonymous":
                body = {"username": "nobody.here", "password": "not a password"}
            elif role == "admin":
                body = {"username": ADMIN, "password": ADMIN_PASSWORD}
            else:
                body = {"username": role + ".one", "password": PASSWORD}
            response = self.api(method, path, body=body, source=fresh_source())
            if response[0] == 200:
                self.tokens.append(response[2]["token"])
            return response
        token = None
        if role != "anonymous":
            # logout spends its token: use one of its own
            token = self.token(ADMIN, ADMIN_PASSWORD) if path == "/logout" and role == "admin" \
                else self.token(role + ".one") if path == "/logout" else self.role_tokens[role]
        return self.api(method, path, body=body() if callable(body) else body, token=token)

    def test_authorisation_matrix(self):
        rows = self.matrix()
        documented = self.documented_endpoints()
        self.assertEqual({(m, re.sub(r"/\d+(?=/|$)", "/{id}", p)) for m, p, _, _ in rows},
                         documented)
        for method, path, body, expected in rows:
            self.assertEqual(set(expected), set(ROLES) | {"anonymous"})
            for role, want in expected.items():
                with self.subTest(endpoint="%s %s" % (method, path), role=role):
                    status, _, reply = self.matrix_request(method, path, body, role)
                    self.assertEqual(status, want, reply)
                    if status >= 400:
                        code = {401: "unauthenticated", 403: "forbidden"}[status]
                        self.assertEqual(reply["error"]["code"], code)

    def documented_endpoints(self):
        """The endpoints docs/API.md has a section for: the matrix must cover exactly these."""
        with open(os.path.join(SOURCE_DIR, "docs", "API.md")) as f:
            return set(re.findall(r"^### (GET|POST|PATCH|PUT|DELETE) /api/v1(\S+)$", f.read(),
                                  re.MULTILINE))

    def test_unknown_paths_and_methods(self):
        for token in (None, self.admin, self.role_tokens["staff"]):
            self.assert_error(self.api("GET", "/nothing", token=token), 404, "not_found")
            self.assert_error(self.api("GET", "/accounts/", token=token), 404, "not_found")
            self.assert_error(self.api("GET", "", token=token), 404, "not_found")
            response = self.api("DELETE", "/accounts/1", token=token)
            self.assert_error(response, 405, "method_not_allowed")
            self.assertEqual(response[1]["allow"], "PATCH")
            response = self.api("PUT", "/accounts", token=token, body={})
            self.assert_error(response, 405, "method_not_allowed")
            self.assertEqual(response[1]["allow"], "GET, POST")

    def bad_inputs(self):
        """(name, method, path, raw body, as admin?, status, code, field)."""
        taken = {"username": "staff.one", "password": PASSWORD, "role": "staff"}
        padded = json.dumps(taken).encode()
        padded = padded[:-1] + b" " * (65536 - len(padded)) + b"}"
        creds = {"username": "someone", "password": "some password"}

        def j(obj, **extra):
            return json.dumps(dict(obj, **extra)).encode()

        new = {"username": "fresh.user", "password": PASSWORD, "role": "staff"}
        victim = "/accounts/%d" % self.ids["clinician"]
        return [
            ("invalid JSON", "POST", "/login", b'{"username": ', False, 400, "bad_json", None),
            ("array body", "POST", "/login", b"[]", False, 400, "bad_json", None),
            ("string body", "POST", "/accounts", b'"x"', True, 400, "bad_json", None),
            ("trailing garbage", "POST", "/login", j(creds) + b" x", False, 400, "bad_json",
             None),
            ("duplicate key", "POST", "/login",
             b'{"username":"a","username":"b","password":"p"}', False, 400, "bad_json", None),
            ("invalid UTF-8", "POST", "/login", b'{"username":"\xff","password":"x"}', False,
             400, "bad_json", None),
            ("NUL in a string", "POST", "/accounts", j(new, username="a\u0000b"), True, 400,
             "bad_json", None),
            ("number for a string", "POST", "/login", j(creds, username=5), False, 400,
             "bad_field", "username"),
            ("null password", "POST", "/login", j(creds, password=None), False, 400,
             "bad_field", "password"),
            ("unknown field", "POST", "/login", j(creds, extra=1), False, 400, "unknown_field",
             "extra"),
            ("unknown field, long", "POST", "/accounts", j(new, **{"x" * 300: 1}), True, 400,
             "unknown_field", "x" * 64),
            ("missing field", "POST", "/login", j({"username": "someone"}), False, 400,
             "missing_field", "password"),
            ("empty body", "POST", "/login", b"", False, 400, "missing_field", "username"),
            ("overlong username", "POST", "/accounts", j(new, username="a" * 65), True, 400,
             "bad_field", "username"),
            ("overlong login", "POST", "/login", j(creds, username="a" * 65), False, 400,
             "bad_field", "username"),
            ("capitals", "POST", "/accounts", j(new, username="Fresh.User"), True, 400,
             "bad_field", "username"),
            ("a name with a space", "POST", "/accounts", j(new, username="Jane Doe"), True,
             400, "bad_field", "username"),
            ("an e-mail address", "POST", "/accounts", j(new, username="jane@example.org"),
             True, 400, "bad_field", "username"),
            ("short password", "POST", "/accounts", j(new, password="x" * 11), True, 400,
             "bad_field", "password"),
            ("overlong password", "POST", "/accounts", j(new, password="x" * 1025), True, 400,
             "bad_field", "password"),
            ("unknown role", "POST", "/accounts", j(new, role="client"), True, 400,
             "bad_field", "role"),
            ("role of wrong type", "POST", "/accounts", j(new, role=["admin"]), True, 400,
             "bad_field", "role"),
            ("taken username", "POST", "/accounts", j(taken), True, 409, "conflict",
             "username"),
            ("taken, 64 KiB exactly", "POST", "/accounts", padded, True, 409, "conflict",
             "username"),
            ("body over 64 KiB", "POST", "/accounts", padded + b" ", True, 413, "too_large",
             None),
            ("body over 64 KiB, no token", "POST", "/login", b" " * 200000, False, 413,
             "too_large", None),
            ("unknown id", "PATCH", "/accounts/999999", j({"disabled": True}), True, 404,
             "not_found", None),
            ("id not a number", "PATCH", "/accounts/abc", j({"disabled": True}), True, 404,
             "not_found", None),
            ("id zero", "PATCH", "/accounts/0", j({"disabled": True}), True, 404, "not_found",
             None),
            ("id with a leading zero", "PATCH", "/accounts/0%d" % self.ids["clinician"],
             j({"disabled": True}), True, 404, "not_found", None),
            ("id too big", "PATCH", "/accounts/99999999999999999999", j({"disabled": True}),
             True, 404, "not_found", None),
            ("string for a bool", "PATCH", victim, j({"disabled": "yes"}), True, 400,
             "bad_field", "disabled"),
            ("number for a bool", "PATCH", victim, j({"disabled": 1}), True, 400, "bad_field",
             "disabled"),
            ("no fields", "PATCH", victim, b"{}", True, 400, "missing_field", "disabled"),
            ("a field too many", "PATCH", victim, j({"disabled": True, "role": "admin"}), True,
             400, "unknown_field", "role"),
            ("limit 0", "GET", "/accounts?limit=0", b"", True, 400, "bad_field", "limit"),
            ("limit 101", "GET", "/accounts?limit=101", b"", True, 400, "bad_field", "limit"),
            ("limit text", "GET", "/accounts?limit=ten", b"", True, 400, "bad_field", "limit"),
            ("limit twice", "GET", "/accounts?limit=1&limit=2", b"", True, 400, "bad_field",
             "limit"),
            ("negative after", "GET", "/audit?after=-1", b"", True, 400, "bad_field", "after"),
            ("unknown parameter", "GET", "/audit?bogus=1", b"", True, 400, "unknown_field",
             "bogus"),
            ("parameter where none are", "GET", "/me?x=1", b"", True, 400, "unknown_field",
             "x"),
            ("body where none is", "GET", "/me", b'{"a":1}', True, 400, "unknown_field", "a"),
        ]

    def snapshot(self):
        status, _, accounts = self.api("GET", "/accounts?limit=100", token=self.admin)
        self.assertEqual(status, 200)
        return accounts["accounts"], len(self.audit_entries(self.admin))

    def test_bad_input(self):
        """Every bad request is a 4xx with the error body, never a 5xx, and writes nothing."""
        before = self.snapshot()
        for name, method, path, raw, as_admin, status, code, field in self.bad_inputs():
            with self.subTest(name):
                response = self.api(method, path, raw=raw, token=self.admin if as_admin else None,
                                    source=fresh_source())
                self.assert_error(response, status, code, field)
        with connect(self.broker.port) as s:
            response = send(s, "POST", "/api/v1/accounts", token=self.admin, length=False,
                            raw=b"", headers=(("Transfer-Encoding", "chunked"),))
            self.assert_error(response, 411, "length_required")
        self.assertEqual(self.snapshot(), before)

    def test_keep_alive(self):
        """Several requests, good and bad, share one connection; a refused body closes it."""
        with connect(self.broker.port) as s:
            self.assertEqual(send(s, "GET", "/api/v1/me", token=self.admin)[0], 200)
            self.assert_error(send(s, "POST", "/api/v1/login", raw=b"{"), 400, "bad_json")
            self.assert_error(send(s, "GET", "/api/v1/nothing"), 404, "not_found")
            status, headers, _ = send(s, "POST", "/api/v1/logout", token=self.token(ADMIN,
                                                                                   ADMIN_PASSWORD))
            self.assertEqual(status, 204)
            self.assertEqual(send(s, "GET", "/healthz")[0], 200)
            response = send(s, "POST", "/api/v1/login", raw=b" " * 70000)
            self.assert_error(response, 413, "too_large")
            self.assertEqual(response[1].get("connection"), "close")

    def test_no_content_length(self):
        """A POST without Content-Length has no body (RFC 9112): it is answered, then closed."""
        token = self.token(ADMIN, ADMIN_PASSWORD)
        with connect(self.broker.port) as s:
            status, headers, _ = send(s, "POST", "/api/v1/logout", token=token, length=False)
            self.assertEqual(status, 204)
        self.assert_error(self.api("GET", "/me", token=token), 401, "unauthenticated")

    def test_disable_locks_out(self):
        uid = self.create("disable.me", "clinician")
        token = self.token("disable.me")
        status, _, body = self.api("PATCH", "/accounts/%d" % uid, token=self.admin,
                                   body={"disabled": True})
        self.assertEqual((status, body["disabled"], body["id"]), (200, True, uid))
        self.assert_error(self.api("GET", "/me", token=token), 401, "unauthenticated")
        refused = self.login("disable.me", PASSWORD, fresh_source())
        wrong = self.login("disable.me", "not the password", fresh_source())
        self.assert_error(refused, 401, "unauthenticated")
        self.assertEqual(refused[2], wrong[2])
        status, _, body = self.api("PATCH", "/accounts/%d" % uid, token=self.admin,
                                   body={"disabled": False})
        self.assertEqual((status, body["disabled"]), (200, False))
        self.assert_error(self.api("GET", "/me", token=token), 401, "unauthenticated")
        self.assertEqual(self.api("GET", "/me", token=self.token("disable.me"))[0], 200)
        self.assert_error(self.api("PATCH", "/accounts/%d" % self.ids["admin"], token=self.admin,
                                   body={"disabled": True}), 409, "conflict", "disabled")

    def test_list_accounts(self):
        status, _, page = self.api("GET", "/accounts?limit=2", token=self.admin)
        self.assertEqual(status, 200)
        self.assertEqual([a["id"] for a in page["accounts"]], [1, 2])
        self.assertEqual(page["accounts"][0]["username"], ADMIN)
        self.assertEqual(page["next_after"], 2)
        for account in page["accounts"]:
            self.assertEqual(sorted(account),
                             ["created_at", "disabled", "id", "role", "username"])
        status, _, rest = self.api("GET", "/accounts?after=2&limit=100", token=self.admin)
        self.assertEqual(status, 200)
        self.assertEqual(rest["accounts"][0]["id"], 3)
        self.assertIsNone(rest["next_after"])

    def test_store_failure_is_503(self):
        """A store that cannot be written (here: locked past the busy timeout by another
        process) answers 503 unavailable, writes nothing, and tolkd carries on."""
        db = sqlite3.connect(self.broker.db, timeout=10, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            self.assertEqual(self.api("GET", "/me", token=self.admin)[0], 200)  # reads go on
            response = self.api("POST", "/accounts", token=self.admin,
                                body={"username": "while.locked", "password": PASSWORD,
                                      "role": "staff"})
            self.assert_error(response, 503, "unavailable")
        finally:
            db.execute("ROLLBACK")
            db.close()
        status, _, accounts = self.api("GET", "/accounts?limit=100", token=self.admin)
        self.assertNotIn("while.locked", [a["username"] for a in accounts["accounts"]])
        self.create("while.locked")

    def test_audit(self):
        """The expected actions are logged by id (never by name), and the chain verifies."""
        uid = self.create("audit.subject", "interpreter")
        token = self.token("audit.subject")
        self.assertEqual(self.api("POST", "/logout", token=token)[0], 204)
        for disabled in (True, False):
            self.assertEqual(self.api("PATCH", "/accounts/%d" % uid, token=self.admin,
                                      body={"disabled": disabled})[0], 200)
        self.assertEqual(self.login("no.such.user", "wrong password!", fresh_source())[0], 401)
        source = fresh_source()
        for _ in range(5):
            self.login("audit.subject", "wrong password!", source)
        self.assertEqual(self.login("audit.subject", PASSWORD, source)[0], 429)
        entries = self.audit_entries(self.admin)
        self.assertEqual([e["seq"] for e in entries], list(range(1, len(entries) + 1)))
        self.assertEqual((entries[0]["actor"], entries[0]["action"], entries[0]["subject"],
                          entries[0]["detail"]), ("system", "account_created", "account:1",
                                                  "role=admin"))
        subject = "account:%d" % uid
        mine = {(e["actor"], e["action"]) for e in entries if e["subject"] == subject}
        admin = "account:%d" % self.ids["admin"]
        for expected in ((admin, "account_created"), (subject, "login_succeeded"),
                         (subject, "logout"), (admin, "account_disabled"),
                         (admin, "account_enabled"), ("system", "login_failed"),
                         ("system", "login_throttled")):
            self.assertIn(expected, mine)
        self.assertIn(("system", "login_failed", "account:unknown"),
                      {(e["actor"], e["action"], e["subject"]) for e in entries})
        text = json.dumps(entries)
        for name in (ADMIN, "audit.subject", "staff.one", "no.such.user", "127.0.0"):
            self.assertNotIn(name, text)
        for e in entries:
            self.assertRegex(e["actor"], REF)
            self.assertRegex(e["subject"], REF)
        status, _, report = self.api("GET", "/audit/verify", token=self.admin)
        self.assertEqual(status, 200)
        self.assertEqual((report["ok"], report["reason"], report["bad_seq"]), (True, "ok", None))
        self.assertGreaterEqual(report["count"], len(entries))
        self.assertGreaterEqual(report["head_seq"], entries[-1]["seq"])
        result = run_tolkctl(self.broker.db, self.broker.key, "audit", "verify")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, r"^audit log intact: \d+ entries, head \d+")

    def test_z_logs_hold_no_secrets(self):
        """Runs last (by name): tolkd stops cleanly (with no sanitizer report in the ASan
        build), and nothing any test sent or got is in its log."""
        self.assertEqual(self.broker.terminate(), 0)
        log = self.broker.log()
        self.assertNotIn("Sanitizer", log)
        self.assertNotIn("runtime error", log)
        self.assertIn("event=api_request", log)
        secrets = [ADMIN_PASSWORD, PASSWORD, ADMIN, "staff.one", "thr.victim", "127.0.0."]
        for secret in secrets + self.tokens:
            self.assertNotIn(secret, log)


class TamperTest(ApiCase):
    """Someone with the database file but not the data key edits an audit entry."""

    def setUp(self):
        self.broker = ApiBroker()
        self.tokens = []
        self.admin = self.token(ADMIN, ADMIN_PASSWORD)
        self.assertEqual(self.api("POST", "/accounts", token=self.admin,
                                  body={"username": "tamper.me", "password": PASSWORD,
                                        "role": "staff"})[0], 201)

    def tearDown(self):
        try:
            self.assertEqual(self.broker.terminate(), 0)
            self.assertNotIn("Sanitizer", self.broker.log())
        finally:
            self.broker.stop()

    def test_tampering_is_reported(self):
        status, _, report = self.api("GET", "/audit/verify", token=self.admin)
        self.assertEqual((status, report["ok"], report["count"]), (200, True, 3))
        db = sqlite3.connect(self.broker.db, timeout=10)
        db.execute("DROP TRIGGER audit_log_no_update")
        db.execute("UPDATE audit_log SET detail = 'role=admin' WHERE seq = 3")
        db.commit()
        db.close()
        status, _, report = self.api("GET", "/audit/verify", token=self.admin)
        self.assertEqual(status, 200)
        self.assertEqual((report["ok"], report["reason"], report["bad_seq"], report["count"]),
                         (False, "bad_hash", 3, 2))
        result = run_tolkctl(self.broker.db, self.broker.key, "audit", "verify")
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("BROKEN at seq 3", result.stdout)
        self.assertIn("bad_hash", result.stdout)
        result = run_tolkctl(self.broker.db, self.broker.key, "audit", "verify", "--json")
        self.assertEqual(result.returncode, 1, result.stderr)
        report = json.loads(result.stdout)
        self.assertEqual((report["ok"], report["reason"], report["bad_seq"]),
                         (False, "bad_hash", 3))


class TolkctlTest(unittest.TestCase):
    """tolkctl's local commands, without a running tolkd."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tolk-ctl-")
        self.db = os.path.join(self.dir, "data", "tolk.db")
        self.key = os.path.join(self.dir, "data", "data.key")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def bootstrap(self, username=ADMIN, password=ADMIN_PASSWORD, *extra):
        return run_tolkctl(self.db, self.key, "bootstrap", "--username", username, *extra,
                           stdin=password + "\n")

    def assert_failure(self, result, status, *needles):
        self.assertEqual(result.returncode, status, result.stdout + result.stderr)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("tolkctl: "), lines[0])
        for needle in needles:
            self.assertIn(needle, lines[0])

    def test_help(self):
        result = subprocess.run([TOLKCTL, "--help"], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0)
        for text in ("bootstrap", "audit verify", "--json", "appointment book"):
            self.assertIn(text, result.stdout)

    def test_usage_errors(self):
        def run(*args):
            return subprocess.run([TOLKCTL, *args], capture_output=True, text=True, timeout=30)

        self.assert_failure(run(), 2, "no command")
        self.assert_failure(run("bootstrap", "--username", ADMIN), 2, "--db")
        self.assert_failure(run("--bogus"), 2, "--bogus")
        self.assert_failure(run_tolkctl(self.db, self.key, "frobnicate"), 2, "unknown command")
        self.assert_failure(run_tolkctl(self.db, self.key, "audit", "purge"), 2, "audit verify")
        self.assert_failure(self.bootstrap("Jane Doe"), 2, "--username")
        self.assertFalse(os.path.exists(self.db))

    def test_bootstrap(self):
        self.assert_failure(self.bootstrap(password="too short"), 1, "12 to 1024")
        self.assert_failure(self.bootstrap(password="x" * 1025), 1, "12 to 1024")
        self.assertFalse(os.path.exists(self.db))
        result = self.bootstrap(ADMIN, ADMIN_PASSWORD, "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout),
                         {"account_id": 1, "username": ADMIN, "role": "admin"})
        self.assertNotIn(ADMIN_PASSWORD, result.stdout + result.stderr)
        self.assertEqual(os.stat(self.key).st_mode & 0o777, 0o600)
        self.assert_failure(self.bootstrap("second.admin"), 1, "exists already")
        with sqlite3.connect(self.db) as db:
            rows = db.execute("SELECT username, role, password_hash FROM accounts").fetchall()
        db.close()
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][:2], (ADMIN, "admin"))
        self.assertTrue(rows[0][2].startswith("$argon2id$v=19$"), rows[0][2])
        self.assertNotIn(ADMIN_PASSWORD, rows[0][2])

    def test_audit_verify(self):
        self.assert_failure(run_tolkctl(self.db, self.key, "audit", "verify"), 1, "no database")
        self.assertEqual(self.bootstrap().returncode, 0)
        result = run_tolkctl(self.db, self.key, "audit", "verify")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.startswith("audit log intact: 1 entries, head 1"),
                        result.stdout)
        result = run_tolkctl(self.db, self.key, "audit", "verify", "--json")
        report = json.loads(result.stdout)
        self.assertEqual((report["ok"], report["count"], report["head_seq"], report["reason"]),
                         (True, 1, 1, "ok"))
        other = os.path.join(self.dir, "other.key")
        with open(other, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(other, 0o600)
        self.assert_failure(run_tolkctl(self.db, other, "audit", "verify"), 1, "does not match")


if __name__ == "__main__":
    tolktest.main()
