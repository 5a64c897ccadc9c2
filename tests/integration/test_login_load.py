"""Logins under load, against the real tolkd over TLS: the Argon2id hash of a login runs on a
worker thread (docs/API.md, "Performance note"), so that the service thread, which also relays
live audio, keeps answering while logins are checked; at most 8 hashes are under way and more
are refused at once with 503 and Retry-After; a client that closes its connection before the
answer is still counted as a failed login; and tolkd stops cleanly with logins in flight.

Environment (set by CTest): TOLKD, TOLKCTL, TOLK_TEST_CERTS, TOLK_SOURCE_DIR.
"""

import json
import statistics
import threading
import time
import unittest

import tolktest
from test_api import ADMIN, ADMIN_PASSWORD, PASSWORD, ApiBroker, call, connect, fresh_source, send

JOBS_MAX = 8  # TOLKD_API_HASH_JOBS_MAX in broker/api.h
WAIT_S = 30  # for what the broker does in the background (the sanitizer build is slow)


def login_body(username, password):
    return json.dumps({"username": username, "password": password}).encode()


class Burst:
    """Logins sent at the same moment, each on a TLS connection of its own that was set up
    beforehand (so the handshakes are not part of the burst). Each result is (status, headers,
    body, seconds from send to answer, monotonic time of the answer)."""

    def __init__(self, port, creds):
        self.socks = [connect(port, fresh_source()) for _ in creds]
        self.results = [None] * len(creds)
        self.barrier = threading.Barrier(len(creds) + 1)
        self.threads = [threading.Thread(target=self._one, args=(i, u, p))
                        for i, (u, p) in enumerate(creds)]
        for t in self.threads:
            t.start()

    def _one(self, i, username, password):
        sock = self.socks[i]
        try:
            self.barrier.wait()
            started = time.monotonic()
            status, headers, body = send(sock, "POST", "/api/v1/login",
                                         raw=login_body(username, password))
            done = time.monotonic()
            self.results[i] = (status, headers, body, done - started, done)
        except OSError as e:  # the broker went away (the shutdown test); checked by join()
            self.results[i] = (None, {}, repr(e), 0, time.monotonic())
        finally:
            sock.close()

    def go(self):
        self.barrier.wait()

    def running(self):
        return any(t.is_alive() for t in self.threads)

    def join(self):
        for t in self.threads:
            t.join(WAIT_S)
        self.assert_done()
        return self.results

    def assert_done(self):
        assert not self.running(), "logins did not finish"
        assert None not in self.results, self.results


class LoginLoadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = ApiBroker()
        status, _, body = call(cls.broker.port, "POST", "/api/v1/login",
                               body={"username": ADMIN, "password": ADMIN_PASSWORD})
        assert status == 200, body
        cls.admin = body["token"]
        cls.counter = iter(range(1000))

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def api(self, method, path, **kw):
        return call(self.broker.port, method, "/api/v1" + path, **kw)

    def create(self, prefix):
        username = "%s.%d" % (prefix, next(self.counter))
        status, _, body = self.api("POST", "/accounts", token=self.admin,
                                   body={"username": username, "password": PASSWORD,
                                         "role": "staff"})
        self.assertEqual(status, 201, body)
        return username, body["id"]

    def audit_after(self, seq):
        """Audit entries after SEQ, oldest first."""
        entries = []
        while True:
            status, _, page = self.api("GET", "/audit?after=%d&limit=100" % seq, token=self.admin)
            self.assertEqual(status, 200, page)
            entries += page["entries"]
            if page["next_after"] is None:
                return entries
            seq = page["next_after"]

    def audit_head(self):
        entries = self.audit_after(0)
        return entries[-1]["seq"] if entries else 0

    def test_service_thread_answers_while_logins_hash(self):
        """While 6 logins with correct passwords are being checked, GET /healthz on a
        keep-alive connection (every 5 ms) answers in far less than one login takes: its median is under a
        third of the median time of a login made alone, measured here first. With the hash on
        the service thread, a health check waits for the hash under way (half a hash on
        average, and more when several logins queue)."""
        alone = []
        for _ in range(3):
            username, _ = self.create("alone")
            with connect(self.broker.port, fresh_source()) as s:
                started = time.monotonic()
                status, _, body = send(s, "POST", "/api/v1/login",
                                       raw=login_body(username, PASSWORD))
                alone.append(time.monotonic() - started)
            self.assertEqual(status, 200, body)
        one_login = statistics.median(alone)

        creds = [(self.create("busy")[0], PASSWORD) for _ in range(6)]
        health = connect(self.broker.port)
        self.assertEqual(send(health, "GET", "/healthz")[0], 200)
        burst = Burst(self.broker.port, creds)
        samples = []
        try:
            burst.go()
            time.sleep(0.02)  # the logins are at the broker and hashing
            while burst.running():
                started = time.monotonic()
                status, _, _ = send(health, "GET", "/healthz")
                done = time.monotonic()
                self.assertEqual(status, 200)
                samples.append((done - started, done))
                time.sleep(0.005)  # a probe, not a load: the workers need the CPU too
        finally:
            results = burst.join()
            health.close()
        for status, _, body, _, _ in results:
            self.assertEqual(status, 200, body)
        last_login = max(r[4] for r in results)
        first_login = min(r[4] for r in results)
        # the health checks sent while logins were still being checked
        during = [seconds for seconds, done in samples if done - seconds < last_login]
        self.assertTrue(during, "no health check was sent while the logins ran")
        p50 = statistics.median(during)
        login_p50 = statistics.median(r[3] for r in results)
        report = ("healthz p50 %.1f ms max %.1f ms over %d; one login alone %.1f ms; "
                  "logins in the burst p50 %.1f ms" % (p50 * 1e3, max(during) * 1e3, len(during),
                                                       one_login * 1e3, login_p50 * 1e3))
        print(report)
        self.assertLess(p50, one_login / 3, report)
        self.assertLess(samples[0][1], first_login, "the first health check waited for a login: "
                        + report)

    def test_more_logins_than_the_bound(self):
        """16 logins at once: the first 8 are taken (and succeed), and some beyond the bound
        are refused at once with 503 unavailable and Retry-After: 1, without being counted as
        failures; after a second they succeed, and tolkd carries on."""
        accounts = [self.create("bound") for _ in range(2 * JOBS_MAX)]
        head = self.audit_head()
        burst = Burst(self.broker.port, [(u, PASSWORD) for u, _ in accounts])
        burst.go()
        results = burst.join()
        statuses = [r[0] for r in results]
        self.assertLessEqual(set(statuses), {200, 503}, results)
        self.assertGreaterEqual(statuses.count(200), JOBS_MAX, statuses)
        self.assertGreaterEqual(statuses.count(503), 1, statuses)
        for status, headers, body, seconds, _ in results:
            if status == 503:
                self.assertEqual(body["error"]["code"], "unavailable", body)
                self.assertEqual(headers.get("retry-after"), "1", headers)
        refused = [accounts[i] for i, s in enumerate(statuses) if s == 503]
        subjects = {"account:%d" % uid for _, uid in refused}
        entries = self.audit_after(head)
        self.assertFalse([e for e in entries if e["subject"] in subjects], entries)
        time.sleep(1)
        for username, _ in refused:
            status, _, body = self.api("POST", "/login", source=fresh_source(),
                                       body={"username": username, "password": PASSWORD})
            self.assertEqual(status, 200, body)
        self.assertEqual(tolktest.https_request(self.broker.port, "GET", "/healthz")[0], 200)
        self.assertEqual(self.api("GET", "/me", token=self.admin)[0], 200)

    def test_deferred_answers_keep_the_connection(self):
        """A deferred answer (login, account creation) leaves the connection usable for the
        next request, as an immediate one does."""
        username, _ = self.create("keep")
        with connect(self.broker.port, fresh_source()) as s:
            status, _, body = send(s, "POST", "/api/v1/login", raw=login_body(username, PASSWORD))
            self.assertEqual(status, 200, body)
            token = body["token"]
            self.assertEqual(send(s, "GET", "/api/v1/me", token=token)[2]["username"], username)
            self.assertEqual(send(s, "POST", "/api/v1/login",
                                  raw=login_body(username, "wrong password!"))[0], 401)
            status, _, body = send(s, "POST", "/api/v1/accounts", token=self.admin,
                                   body={"username": username + "-2", "password": PASSWORD,
                                         "role": "clinician"})
            self.assertEqual((status, body["role"]), (201, "clinician"), body)
            self.assertEqual(send(s, "GET", "/healthz")[0], 200)

    def test_attempts_on_one_account_beyond_the_free_failures_wait(self):
        """Attempts in flight count as the failures they may turn out to be: with 5 on one
        account under way, more at the same moment are not checked (503, Retry-After: 1), so
        parallel checks let no more guesses through than one at a time. (8 at once, from 8
        addresses: at least the first 5 are checked; the bound of the pool is not reached.)"""
        username, _ = self.create("same")
        burst = Burst(self.broker.port, [(username, PASSWORD)] * JOBS_MAX)
        burst.go()
        results = burst.join()
        statuses = [r[0] for r in results]
        self.assertLessEqual(set(statuses), {200, 503}, statuses)
        self.assertGreaterEqual(statuses.count(200), 5, statuses)
        self.assertGreaterEqual(statuses.count(503), 1, statuses)
        for status, headers, body, _, _ in results:
            if status == 503:
                self.assertEqual((body["error"]["code"], headers.get("retry-after")),
                                 ("unavailable", "1"), body)

    def closed_attempt(self, username, password):
        """Sends a login and closes the connection at once, without reading an answer."""
        s = connect(self.broker.port, fresh_source())
        s.sendall(("POST /api/v1/login HTTP/1.1\r\nHost: localhost\r\n"
                   "Content-Length: %d\r\n\r\n" % len(login_body(username, password))).encode()
                  + login_body(username, password))
        s.close()

    def wait_for_failures(self, head, subject, n):
        """The login_failed entries for SUBJECT after HEAD, once there are N of them."""
        deadline = time.monotonic() + WAIT_S
        while True:
            found = [e for e in self.audit_after(head)
                     if e["subject"] == subject and e["action"] == "login_failed"]
            if len(found) >= n or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def test_closing_the_connection_still_counts(self):
        """A login whose client closes the connection before the answer is still checked and
        counted: a wrong password as bad_password, a right one as abandoned (no token is
        issued for nobody). After 5 such attempts the account is throttled."""
        username, uid = self.create("closer")
        subject = "account:%d" % uid
        head = self.audit_head()
        self.closed_attempt(username, PASSWORD)
        found = self.wait_for_failures(head, subject, 1)
        self.assertEqual([e["detail"] for e in found], ["reason=abandoned"])
        for n in range(2, 6):
            self.closed_attempt(username, "not the password")
            found = self.wait_for_failures(head, subject, n)
            self.assertEqual(len(found), n, found)
        self.assertEqual([e["detail"] for e in found],
                         ["reason=abandoned"] + ["reason=bad_password"] * 4)
        self.assertFalse([e for e in self.audit_after(head)
                          if e["subject"] == subject and e["action"] == "login_succeeded"])
        status, headers, body = self.api("POST", "/login", source=fresh_source(),
                                         body={"username": username, "password": PASSWORD})
        self.assertEqual(status, 429, body)
        self.assertEqual(body["error"]["code"], "rate_limited")
        self.assertIn("retry-after", headers)

    def test_z_stops_cleanly_with_logins_in_flight(self):
        """Runs last (by name): SIGTERM while 8 logins are being checked. tolkd drops the
        hashes not started, waits for the running ones, and exits 0 (in the sanitizer build:
        without a leak or any other report), and no password reached its log."""
        creds = [(self.create("late")[0], PASSWORD) for _ in range(JOBS_MAX)]
        burst = Burst(self.broker.port, creds)
        burst.go()
        time.sleep(0.02)
        started = time.monotonic()
        self.assertEqual(self.broker.terminate(timeout=WAIT_S), 0)
        self.assertLess(time.monotonic() - started, 10)
        for t in burst.threads:
            t.join(WAIT_S)
        log = self.broker.log()
        self.assertNotIn("Sanitizer", log)
        self.assertNotIn("runtime error", log)
        self.assertNotIn("LeakSanitizer", log)
        for secret in (PASSWORD, ADMIN_PASSWORD, self.admin, "127.0.0."):
            self.assertNotIn(secret, log)


if __name__ == "__main__":
    tolktest.main()
