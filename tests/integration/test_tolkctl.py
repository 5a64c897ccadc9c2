"""tolkctl's commands over the REST API (--url), against the real tolkd over TLS with an admin
made by `tolkctl bootstrap` before it starts: login (token file of mode 0600, or the token as
JSON), whoami, account add/list/disable/enable, audit list/verify, logout; their --json
output; API errors as "tolkctl: CODE: message" with exit 1; usage errors with exit 2; an
untrusted certificate, an unreachable port and a silent server as clear network errors.

Environment (set by CTest): TOLKD, TOLKCTL, TOLK_TEST_CERTS, TOLK_SOURCE_DIR.
"""

import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import unittest

import tolktest
from tolktest import CERTS, TOLKD, Broker

TOLKCTL = os.environ.get("TOLKCTL", "tolkctl")
ADMIN = "root.admin"
ADMIN_PASSWORD = "correct horse battery staple"
PASSWORD = "a long enough passphrase"


class CtlBroker(Broker):
    """tolktest.Broker with an admin made by the local `tolkctl bootstrap` before tolkd starts,
    on the database and data key its config names."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="tolk-it-")
        db = os.path.join(self.dir, "data", "tolk.db")
        key = os.path.join(self.dir, "data", "data.key")
        boot = subprocess.run([TOLKCTL, "--db", db, "--data-key", key, "bootstrap", "--username",
                               ADMIN], input=ADMIN_PASSWORD + "\n", capture_output=True,
                              text=True, timeout=60)
        if boot.returncode != 0:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise AssertionError("tolkctl bootstrap failed: " + boot.stderr)
        self.config = os.path.join(self.dir, "tolkd.conf")
        with open(self.config, "w") as f:
            f.write("[server]\nevent_loop = libev\n[tls]\ncertificate = %s\nprivate_key = %s\n"
                    "[store]\ndatabase = %s\ndata_key_file = %s\n[log]\nlevel = debug\n"
                    % (os.path.join(CERTS, "cert.pem"), os.path.join(CERTS, "key.pem"), db, key))
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([TOLKD, "--config", self.config, "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        self.port = self._wait_listening()


class TolkctlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = CtlBroker()
        cls.home = tempfile.mkdtemp(prefix="tolkctl-home-")
        cls.url = "https://127.0.0.1:%d" % cls.broker.port
        cls.ca = os.path.join(CERTS, "ca.pem")

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()
        shutil.rmtree(cls.home, ignore_errors=True)

    def ctl(self, *args, stdin="", token_file=None, ca=True, env_token=True):
        """Runs tolkctl --url ... ARGS with HOME in a temporary directory."""
        env = dict(os.environ, HOME=self.home)
        env.pop("TOLKCTL_TOKEN_FILE", None)
        if env_token:
            env["TOLKCTL_TOKEN_FILE"] = os.path.join(self.home, "token")
        cmd = [TOLKCTL, "--url", self.url]
        if ca:
            cmd += ["--ca", self.ca]
        if token_file:
            cmd += ["--token-file", token_file]
        return subprocess.run(cmd + list(args), input=stdin, capture_output=True, text=True,
                              timeout=60, env=env)

    def ok(self, *args, **kw):
        r = self.ctl(*args, **kw)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        return r.stdout

    def json(self, *args, **kw):
        out = self.ok("--json", *args, **kw)
        self.assertEqual(out.count("\n"), 1, out)
        return json.loads(out)

    def login(self, **kw):
        return self.ok("login", "--username", ADMIN, stdin=ADMIN_PASSWORD + "\n", **kw)

    def test_a_full_session(self):
        out = self.login()
        path = os.path.join(self.home, "token")
        self.assertIn(path, out)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path) as f:
            self.assertRegex(f.read(), r"^[A-Za-z0-9_-]{43}\n$")

        self.assertIn(ADMIN, self.ok("whoami"))
        me = self.json("whoami")
        self.assertEqual((me["username"], me["role"]), (ADMIN, "admin"))

        out = self.ok("account", "add", "--username", "desk-1", "--role", "staff",
                      stdin=PASSWORD + "\n")
        self.assertIn("desk-1", out)
        created = self.json("account", "add", "--username", "desk-2", "--role", "clinician",
                            stdin=PASSWORD + "\n")
        self.assertEqual(created["role"], "clinician")
        ident = created["id"]

        listing = self.json("account", "list")
        self.assertIn("desk-2", [a["username"] for a in listing["accounts"]])
        self.assertIn("desk-1", self.ok("account", "list"))
        page = self.json("account", "list", "--limit", "1")
        self.assertEqual(len(page["accounts"]), 1)
        self.assertIn("--after", self.ok("account", "list", "--limit", "1"))

        self.assertIn("disabled", self.ok("account", "disable", str(ident)))
        self.assertTrue(self.json("account", "enable", str(ident))["disabled"] is False)
        self.assertTrue(self.json("account", "disable", str(ident))["disabled"])
        self.assertIn("enabled", self.ok("account", "enable", str(ident)))

        entries = self.json("audit", "list", "--limit", "200")["entries"]
        actions = [e["action"] for e in entries]
        for action in ("account_created", "login_succeeded", "account_disabled",
                       "account_enabled"):
            self.assertIn(action, actions)
        self.assertEqual(len(self.json("audit", "list", "--after", "1", "--limit", "2")
                             ["entries"]), 2)
        self.assertIn("account_disabled", self.ok("audit", "list", "--limit", "200"))
        report = self.json("audit", "verify")
        self.assertTrue(report["ok"])
        self.assertIn("audit log intact", self.ok("audit", "verify"))

        self.assertIn("logged out", self.ok("logout"))
        self.assertFalse(os.path.exists(path))
        r = self.ctl("whoami")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not logged in", r.stderr)

    def test_revoked_token_is_refused(self):
        """A token that logout revoked is refused by tolkd itself: 401 unauthenticated."""
        token_file = os.path.join(self.home, "revoked")
        self.login(token_file=token_file)
        with open(token_file) as f:
            saved = f.read()
        self.ok("logout", token_file=token_file)
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, saved.encode())
        os.close(fd)
        r = self.ctl("whoami", token_file=token_file)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith("tolkctl: unauthenticated: "), r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1)
        self.assertEqual(r.stdout, "")

    def test_login_json_prints_the_token_and_saves_nothing(self):
        token_file = os.path.join(self.home, "never")
        body = self.json("login", "--username", ADMIN, stdin=ADMIN_PASSWORD + "\n",
                         token_file=token_file)
        self.assertRegex(body["token"], r"^[A-Za-z0-9_-]{43}$")
        self.assertEqual(body["role"], "admin")
        self.assertFalse(os.path.exists(token_file))

    def test_wrong_password(self):
        r = self.ctl("login", "--username", "no.such.user", stdin="not the password at all\n")
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith("tolkctl: unauthenticated: "), r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1)

    def test_api_errors(self):
        token_file = os.path.join(self.home, "errors")
        self.login(token_file=token_file)
        r = self.ctl("account", "disable", "999999", token_file=token_file)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith("tolkctl: not_found: "), r.stderr)
        r = self.ctl("account", "add", "--username", ADMIN, "--role", "staff",
                     stdin=PASSWORD + "\n", token_file=token_file)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith("tolkctl: conflict: "), r.stderr)
        r = self.ctl("account", "add", "--username", "desk-9", "--role", "king",
                     stdin=PASSWORD + "\n", token_file=token_file)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith("tolkctl: bad_field: "), r.stderr)

    def test_untrusted_certificate(self):
        r = self.ctl("login", "--username", ADMIN, stdin=ADMIN_PASSWORD + "\n", ca=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("TLS", r.stderr)
        self.assertIn("--ca", r.stderr)
        r = self.ctl("--ca", os.path.join(CERTS, "cert.pem"), "login", "--username", ADMIN,
                     stdin=ADMIN_PASSWORD + "\n", ca=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("TLS", r.stderr)

    def test_unreachable(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        r = subprocess.run([TOLKCTL, "--url", "https://127.0.0.1:%d" % port, "--ca", self.ca,
                            "--json", "login", "--username", ADMIN], input=ADMIN_PASSWORD + "\n",
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot connect to 127.0.0.1:%d" % port, r.stderr)

    def test_timeout(self):
        """A server that never answers the TLS handshake: a clear error after 10 s."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            start = time.monotonic()
            r = subprocess.run([TOLKCTL, "--url", "https://127.0.0.1:%d" % s.getsockname()[1],
                                "--ca", self.ca, "--json", "login", "--username", ADMIN],
                               input=ADMIN_PASSWORD + "\n", capture_output=True, text=True,
                               timeout=60)
            elapsed = time.monotonic() - start
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("no answer from 127.0.0.1", r.stderr)
        self.assertIn("10 seconds", r.stderr)
        self.assertLess(elapsed, 20)

    def test_loose_token_file_is_refused(self):
        token_file = os.path.join(self.home, "loose")
        self.login(token_file=token_file)
        os.chmod(token_file, 0o644)
        r = self.ctl("whoami", token_file=token_file)
        self.assertEqual(r.returncode, 1)
        self.assertIn("chmod 600", r.stderr)

    def test_default_token_file(self):
        self.login(env_token=False)
        path = os.path.join(self.home, ".config", "tolk", "token")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode), 0o700)
        self.assertIn(ADMIN, self.ok("whoami", env_token=False))

    def test_usage_errors(self):
        for args in (["account"], ["account", "disable", "x1"], ["frobnicate"],
                     ["audit", "list", "--limit", "-3"], ["login"],
                     ["account", "add", "--username", "desk-5"], ["whoami", "extra"]):
            r = self.ctl(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertTrue(r.stderr.startswith("tolkctl: "), r.stderr)
        r = subprocess.run([TOLKCTL, "whoami"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--url", r.stderr)
        r = subprocess.run([TOLKCTL, "--url", "http://127.0.0.1:1", "whoami"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)

    def test_help_lists_every_command(self):
        r = subprocess.run([TOLKCTL, "--help"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0)
        for word in ("login", "logout", "whoami", "account add", "account list",
                     "account disable", "account enable", "audit list", "audit verify",
                     "bootstrap", "--url", "--db", "--ca", "--token-file"):
            self.assertIn(word, r.stdout)


if __name__ == "__main__":
    tolktest.main()
