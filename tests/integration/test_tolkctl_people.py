"""tolkctl's commands for records over the REST API, against the real tolkd over TLS (with an
admin made by `tolkctl bootstrap`): client add/list/show/edit/exclude, interpreter
add/list/show/edit/availability/exception, clinician add/list/show/edit, and appointment
book/list/show/move/cancel/suggest/tokens/revoke (with a relief interpreter too). Every value given by a flag is read back as
tolkd stored it; text output shows what matters and never contact details outside "client
show"; --json prints the API's answer; API errors are "tolkctl: CODE: message" with exit 1;
bad command lines are exit 2 with one clear line and nothing sent.

Times are Unix seconds here (the API's text times are another change's to test).

Environment (set by CTest): TOLKD, TOLKCTL, TOLK_TEST_CERTS, TOLK_SOURCE_DIR.
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import tolktest
from test_tolkctl import ADMIN, ADMIN_PASSWORD, PASSWORD, TOLKCTL, CtlBroker
from tolktest import CERTS

T0 = 4102444800  # 2100-01-01 00:00 UTC, a Friday: far from anything else
DAY = 86400
HOUR = 3600
CONTACT = "+31 6 1234 5678"


class TolkctlRecordsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = CtlBroker()
        cls.home = tempfile.mkdtemp(prefix="tolkctl-home-")
        cls.url = "https://127.0.0.1:%d" % cls.broker.port
        cls.ca = os.path.join(CERTS, "ca.pem")
        r = cls.run_ctl(["login", "--username", ADMIN], stdin=ADMIN_PASSWORD + "\n")
        assert r.returncode == 0, r.stderr
        cls.ids = {}
        for name, role in (("desk.one", "staff"), ("clin.a", "clinician"),
                           ("clin.b", "clinician"), ("clin.c", "clinician"),
                           ("int.a", "interpreter"), ("int.b", "interpreter"),
                           ("int.c", "interpreter"), ("int.d", "interpreter"),
                           ("clin.r", "clinician"), ("clin.r2", "clinician"),
                           ("int.r1", "interpreter"), ("int.r2", "interpreter")):
            r = cls.run_ctl(["--json", "account", "add", "--username", name, "--role", role],
                            stdin=PASSWORD + "\n")
            assert r.returncode == 0, r.stderr
            cls.ids[name] = json.loads(r.stdout)["id"]

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()
        shutil.rmtree(cls.home, ignore_errors=True)

    @classmethod
    def run_ctl(cls, args, stdin="", token="token"):
        env = dict(os.environ, HOME=cls.home,
                   TOLKCTL_TOKEN_FILE=os.path.join(cls.home, token))
        return subprocess.run([TOLKCTL, "--url", cls.url, "--ca", cls.ca] + list(args),
                              input=stdin, capture_output=True, text=True, timeout=60, env=env)

    def ctl(self, *args, stdin="", token="token"):
        return self.run_ctl(args, stdin=stdin, token=token)

    def ok(self, *args, **kw):
        r = self.ctl(*args, **kw)
        self.assertEqual(r.returncode, 0, (args, r.stderr))
        self.assertEqual(r.stderr, "")
        return r.stdout

    def json(self, *args, **kw):
        out = self.ok("--json", *args, **kw)
        self.assertEqual(out.count("\n"), 1, out)
        return json.loads(out)

    def refused(self, code, *args, **kw):
        """Exit 1 with the API's error CODE as one line on stderr; returns that line."""
        r = self.ctl(*args, **kw)
        self.assertEqual(r.returncode, 1, (args, r.stdout, r.stderr))
        self.assertTrue(r.stderr.startswith("tolkctl: %s: " % code), r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        self.assertEqual(r.stdout, "")
        return r.stderr

    def usage(self, expect, *args, stdin=""):
        """Exit 2 with one line on stderr that says EXPECT, and nothing on stdout."""
        r = self.ctl(*args, stdin=stdin)
        self.assertEqual(r.returncode, 2, (args, r.stderr))
        self.assertTrue(r.stderr.startswith("tolkctl: "), r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        self.assertIn(expect, r.stderr)
        self.assertEqual(r.stdout, "")

    def audit_actions(self, subject):
        entries = self.json("audit", "list", "--limit", "200")["entries"]
        after = entries[-1]["seq"] if entries else 0
        while len(entries) % 200 == 0 and entries:
            page = self.json("audit", "list", "--after", str(after), "--limit", "200")["entries"]
            if not page:
                break
            entries += page
            after = page[-1]["seq"]
        return [e["action"] for e in entries if e["subject"] == subject]

    def add_client(self, alias, *flags):
        return self.json("client", "add", "--alias", alias, *flags)["id"]

    # Clients

    def test_client_round_trip(self):
        out = self.ok("client", "add", "--alias", "Client R", "--language", "prs-af!",
                      "--language", "fa", "--written-language", "fa", "--gender-preference", "f",
                      "--same-interpreter", "yes", "--support-person", "sister", "--contact", "-",
                      stdin=CONTACT + "\n")
        self.assertRegex(out, r"^created client \d+ \(Client R\)\n$")
        cid = int(out.split()[2])
        rec = self.json("client", "show", str(cid))
        self.assertEqual(rec["alias"], "Client R")
        self.assertEqual(rec["languages"], [{"tag": "prs-AF", "dialect_required": True},
                                            {"tag": "fa", "dialect_required": False}])
        self.assertEqual((rec["written_language"], rec["gender_preference"],
                          rec["prefer_same_interpreter"], rec["support_person_alias"],
                          rec["contact"]), ("fa", "f", True, "sister", CONTACT))
        text = self.ok("client", "show", str(cid))
        for part in ("client %d: Client R" % cid, "prs-AF (dialect required), fa", "sister",
                     CONTACT, "yes, when possible"):
            self.assertIn(part, text)
        self.assertIn("client_read", self.audit_actions("client:%d" % cid))

        # edit: what the flags give changes, nothing else; contact details are never printed
        out = self.ok("client", "edit", str(cid), "--support-person", "brother")
        self.assertIn("updated client %d: Client R" % cid, out)
        self.assertIn("brother", out)
        self.assertIn("on file", out)
        self.assertNotIn(CONTACT, out)
        rec = self.json("client", "edit", str(cid), "--gender-preference", "none",
                        "--language", "ar", "--same-interpreter", "no")
        self.assertNotIn("contact", rec)
        self.assertEqual((rec["gender_preference"], rec["prefer_same_interpreter"],
                          rec["languages"], rec["support_person_alias"], rec["written_language"]),
                         (None, False, [{"tag": "ar", "dialect_required": False}], "brother",
                          "fa"))
        self.assertEqual(self.json("client", "show", str(cid))["contact"], CONTACT)
        out = self.ok("client", "edit", str(cid), "--contact", "none")
        self.assertIn("none", out)
        self.assertIsNone(self.json("client", "show", str(cid))["contact"])
        self.assertIn("client_updated", self.audit_actions("client:%d" % cid))

    def test_client_list_and_search(self):
        ids = [self.add_client(alias, "--language", "ar")
               for alias in ("Zebra One", "Zebra Two", "Zulu & Co")]
        page = self.json("client", "list", "--search", "zebra")
        self.assertEqual([c["id"] for c in page["clients"]], ids[:2])
        self.assertEqual(set(page["clients"][0]), {"id", "alias"})
        out = self.ok("client", "list", "--search", "Zebra", "--limit", "1")
        self.assertIn("ALIAS", out)
        self.assertIn("Zebra One", out)
        self.assertNotIn("Zebra Two", out)
        self.assertIn("(more: --after %d)" % ids[0], out)
        page = self.json("client", "list", "--search", "zebra", "--after", str(ids[0]))
        self.assertEqual([c["alias"] for c in page["clients"]], ["Zebra Two"])
        # a space in the prefix travels percent-encoded
        page = self.json("client", "list", "--search", "zebra t")
        self.assertEqual([c["id"] for c in page["clients"]], ids[1:2])

    def test_client_body_and_exclusion(self):
        body = {"alias": "From Body", "languages": [{"tag": "ar"}], "written_language": "ar"}
        cid = self.json("client", "add", "--body", "-", "--alias", "Flag Wins",
                        stdin=json.dumps(body))["id"]
        rec = self.json("client", "show", str(cid))
        self.assertEqual((rec["alias"], rec["written_language"]), ("Flag Wins", "ar"))
        interp = self.ids["int.d"]
        out = self.ok("client", "exclude", str(cid), "--interpreter", str(interp), "--reason",
                      "never_again")
        self.assertIn("interpreter %d" % interp, out)
        self.assertIn("never_again", out)
        rec = self.json("client", "show", str(cid))
        self.assertEqual([(e["interpreter_id"], e["reason"]) for e in rec["exclusions"]],
                         [(interp, "never_again")])
        self.assertIn("interpreter %d (never_again" % interp, self.ok("client", "show", str(cid)))
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"interpreter_id": interp, "reason": "client"}, f)
        try:
            reply = self.json("client", "exclude", str(cid), "--body", f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(reply["client_id"], cid)

    # Interpreters and clinicians

    def test_interpreter_profile(self):
        iid = self.ids["int.a"]
        prof = self.json("interpreter", "add", "--account", str(iid), "--code", "INT-0001",
                         "--gender", "f", "--tz", "Europe/Amsterdam", "--pair", "prs-af:nl",
                         "--pair", "ar:NL", "--slot", "mon-fri:09:00-17:00",
                         "--slot", "sat:10:00-24:00")
        self.assertEqual((prof["id"], prof["code"], prof["gender"], prof["time_zone"]),
                         (iid, "INT-0001", "f", "Europe/Amsterdam"))
        self.assertEqual(prof["language_pairs"], [{"a": "prs-AF", "b": "nl"},
                                                  {"a": "ar", "b": "nl"}])
        self.assertEqual(prof["availability"],
                         [{"day": d, "start_minute": 540, "end_minute": 1020} for d in range(5)]
                         + [{"day": 5, "start_minute": 600, "end_minute": 1440}])
        text = self.ok("interpreter", "show", str(iid))
        for part in ("interpreter %d: INT-0001" % iid, "prs-AF:nl, ar:nl", "Europe/Amsterdam",
                     "mon-fri 09:00-17:00, sat 10:00-24:00\n"):
            self.assertIn(part, text)

        prof = self.json("interpreter", "edit", str(iid), "--code", "INT-0002", "--gender",
                         "none")
        self.assertEqual((prof["code"], prof["gender"], len(prof["availability"])),
                         ("INT-0002", None, 6))
        out = self.ok("interpreter", "availability", str(iid), "--slot", "sun:08:30-12:15")
        self.assertIn("updated interpreter %d: INT-0002" % iid, out)
        self.assertIn("sun 08:30-12:15", out)
        prof = self.json("interpreter", "show", str(iid))
        self.assertEqual(prof["availability"], [{"day": 6, "start_minute": 510,
                                                 "end_minute": 735}])
        prof = self.json("interpreter", "availability", str(iid), "--no-slots")
        self.assertEqual(prof["availability"], [])

        exc = self.json("interpreter", "exception", str(iid), "--start", str(T0),
                        "--end", str(T0 + DAY))
        self.assertEqual((exc["starts_at"], exc["ends_at"]), (T0, T0 + DAY))
        out = self.ok("interpreter", "exception", str(iid), "--start", str(T0 + 2 * DAY),
                      "--end", str(T0 + 2 * DAY + HOUR))
        self.assertIn("2100-01-03 00:00 UTC to 2100-01-03 01:00 UTC", out)
        prof = self.json("interpreter", "show", str(iid))
        self.assertEqual([(e["starts_at"], e["ends_at"]) for e in prof["exceptions"]],
                         [(T0, T0 + DAY), (T0 + 2 * DAY, T0 + 2 * DAY + HOUR)])
        # shown in the interpreter's own zone, as tolkd gives them
        self.assertIn("1: 2100-01-01T01:00:00+01:00 to 2100-01-02T01:00:00+01:00\n",
                      self.ok("interpreter", "show", str(iid)))

        listing = self.json("interpreter", "list")
        self.assertIn({"id": iid, "code": "INT-0002"}, listing["interpreters"])
        self.assertIn("INT-0002", self.ok("interpreter", "list"))
        self.assertEqual(self.audit_actions("interpreter:%d" % iid),
                         ["interpreter_created", "interpreter_updated",
                          "interpreter_availability_set", "interpreter_availability_set",
                          "interpreter_exception_added", "interpreter_exception_added"])
        # a taken code and a bad zone are tolkd's to refuse
        self.refused("conflict", "interpreter", "add", "--account", str(iid), "--code", "INT-9",
                     "--tz", "Europe/Amsterdam", "--pair", "ar:nl")
        err = self.refused("bad_field", "interpreter", "edit", str(iid), "--tz", "Mars/Olympus")
        self.assertIn("(field time_zone)", err)
        self.refused("not_found", "interpreter", "show", "999999")

    def test_clinician_profile(self):
        cid = self.ids["clin.a"]
        out = self.ok("clinician", "add", "--account", str(cid), "--tz", "Europe/Berlin",
                      "--language", "de", "--language", "en-gb", "--slot", "thu:08:00-16:00")
        self.assertIn("created clinician %d" % cid, out)
        self.assertIn("de, en-GB", out)
        self.assertIn("thu 08:00-16:00\n", out)
        prof = self.json("clinician", "show", str(cid))
        self.assertEqual((prof["time_zone"], prof["languages"], prof["working_hours"]),
                         ("Europe/Berlin", ["de", "en-GB"],
                          [{"day": 3, "start_minute": 480, "end_minute": 960}]))
        out = self.ok("clinician", "edit", str(cid), "--slot", "mon:08:00-12:00", "--slot",
                      "tue-wed:08:00-12:00", "--slot", "fri:08:00-12:00")
        self.assertIn("mon-wed 08:00-12:00, fri 08:00-12:00\n", out)
        prof = self.json("clinician", "edit", str(cid), "--no-slots", "--language", "nl")
        self.assertEqual((prof["languages"], prof["working_hours"], prof["time_zone"]),
                         (["nl"], [], "Europe/Berlin"))
        self.assertIn({"id": cid}, self.json("clinician", "list")["clinicians"])
        self.assertIn(str(cid), self.ok("clinician", "list").split())
        self.refused("conflict", "clinician", "add", "--account", str(cid), "--tz", "UTC",
                     "--language", "nl")
        err = self.refused("bad_field", "clinician", "add", "--account", str(self.ids["int.b"]),
                           "--tz", "UTC", "--language", "nl")
        self.assertIn("(field account_id)", err)

    # Appointments

    def test_appointments(self):
        clin, other = self.ids["clin.b"], self.ids["clin.c"]
        near, far = self.ids["int.b"], self.ids["int.c"]
        for iid, code, gender in ((near, "INT-0100", "m"), (far, "INT-0101", "f")):
            self.ok("interpreter", "add", "--account", str(iid), "--code", code, "--gender",
                    gender, "--tz", "UTC", "--pair", "ar:nl", "--slot", "mon-sun:00:00-24:00")
        for cid in (clin, other):
            self.ok("clinician", "add", "--account", str(cid), "--tz", "UTC", "--language", "nl")
        client = self.add_client("Client A", "--language", "ar")
        start = T0 + 10 * DAY + 9 * HOUR

        out = self.ok("appointment", "book", "--client", str(client), "--clinician", str(clin),
                      "--interpreter", str(near), "--mode", "consecutive", "--start", str(start),
                      "--end", str(start + HOUR))
        self.assertRegex(out, r"^booked appointment \d+\n")
        for part in ("booked", "consecutive", "2100-01-11 09:00-10:00 UTC"):
            self.assertIn(part, out)
        aid = int(out.split()[2])
        appt = self.json("appointment", "show", str(aid))
        self.assertEqual((appt["client_id"], appt["clinician_id"], appt["interpreter_id"],
                          appt["mode"], appt["starts_at"], appt["ends_at"], appt["status"]),
                         (client, clin, near, "consecutive", start, start + HOUR, "booked"))

        # the same clinician half an hour later: refused, naming the role
        err = self.refused("conflict", "appointment", "book", "--client", str(client),
                           "--clinician", str(clin), "--mode", "simultaneous", "--start",
                           str(start + 1800), "--end", str(start + 2 * HOUR))
        self.assertIn("clinician", err)
        self.assertIn("(field clinician_id)", err)
        # another clinician without an interpreter is fine, and shows "none"
        two = self.json("appointment", "book", "--client", str(client), "--clinician", str(other),
                        "--mode", "simultaneous", "--start", str(start + 1800),
                        "--end", str(start + 2 * HOUR))
        self.assertIsNone(two["interpreter_id"])
        self.assertIn("interpreter  none", self.ok("appointment", "show", str(two["id"])))

        window = ("--from", str(T0 + 10 * DAY), "--to", str(T0 + 11 * DAY))
        page = self.json("appointment", "list", *window)
        self.assertEqual([a["id"] for a in page["appointments"]], [aid, two["id"]])
        page = self.json("appointment", "list", "--clinician", str(clin), *window)
        self.assertEqual(page["appointments"], [appt])
        text = self.ok("appointment", "list", "--clinician", str(clin), *window)
        self.assertIn("CLINICIAN", text)
        self.assertIn("2100-01-11 09:00-10:00 UTC", text)
        self.assertEqual(len(text.splitlines()), 2)

        # suggestions: the interpreter booked in the first appointment cannot take the second
        sug = self.json("appointment", "suggest", str(two["id"]))
        self.assertEqual([(s["interpreter_id"], s["code"]) for s in sug["suggestions"]],
                         [(far, "INT-0101")])
        self.assertEqual([(s["interpreter_id"], s["reason"]) for s in sug["rejected"]],
                         [(near, "booked")])
        text = self.ok("appointment", "suggest", str(two["id"]))
        self.assertRegex(text, r"best first:\n.*\n  1 +%d +INT-0101 " % far)
        self.assertRegex(text, r"cannot take it:\n.*\n  %d +INT-0100 +booked\n" % near)

        # join tokens: shown once, with the warning
        text = self.ok("appointment", "tokens", str(aid))
        for role in ("client", "clinician", "interpreter"):
            self.assertRegex(text, r"\n  %s +[A-Za-z0-9_-]{43}  valid " % role)
        self.assertIn("shown only this once", text)
        issued = self.json("appointment", "tokens", str(aid), "--support")
        self.assertEqual(issued["appointment_id"], aid)
        self.assertEqual(sorted(t["role"] for t in issued["tokens"]),
                         ["client", "clinician", "interpreter", "support"])
        self.assertNotIn(issued["tokens"][0]["token"], text)
        out = self.ok("appointment", "revoke", str(aid), "--role", "client")
        self.assertIn("revoked the client's join tokens of appointment %d" % aid, out)
        self.assertEqual(self.json("appointment", "revoke", str(aid), "--role", "interpreter"),
                         {"appointment_id": aid, "role": "interpreter", "revoked": True})
        out = self.ok("appointment", "revoke", str(aid), "--role", "support")
        self.assertIn("revoked the support person's join tokens", out)
        self.refused("bad_field", "appointment", "revoke", str(aid), "--role", "visitor")

        # move: new times, then no interpreter
        moved = self.json("appointment", "move", str(aid), "--start", str(start + 3 * HOUR),
                          "--end", str(start + 4 * HOUR))
        self.assertEqual((moved["starts_at"], moved["ends_at"], moved["interpreter_id"]),
                         (start + 3 * HOUR, start + 4 * HOUR, near))
        out = self.ok("appointment", "move", str(aid), "--interpreter", "none")
        self.assertIn("moved appointment %d" % aid, out)
        self.assertIn("interpreter  none", out)
        self.json("appointment", "move", str(aid), "--interpreter", str(far))
        err = self.refused("conflict", "appointment", "move", str(two["id"]), "--interpreter",
                           str(far), "--start", str(start + 3 * HOUR),
                           "--end", str(start + 4 * HOUR))
        self.assertIn("(field interpreter_id)", err)

        # cancel (twice: the same answer), after which no tokens are issued
        out = self.ok("appointment", "cancel", str(aid))
        self.assertIn("cancelled appointment %d" % aid, out)
        self.assertIn("status       cancelled", out)
        self.assertEqual(self.json("appointment", "cancel", str(aid))["status"], "cancelled")
        self.refused("conflict", "appointment", "tokens", str(aid))
        self.refused("not_found", "appointment", "show", "999999")
        self.assertEqual(self.audit_actions("appointment:%d" % aid),
                         ["appointment_booked", "token_issued", "token_issued"]
                         + ["token_revoked"] * 3 + ["appointment_rescheduled"] * 3
                         + ["appointment_cancelled"])

    def test_appointment_relief(self):
        """--relief on book and move (none clears it), shown by show, list and tokens; the API's
        refusals come back with the field named."""
        clin, clin2 = self.ids["clin.r"], self.ids["clin.r2"]
        first, second = self.ids["int.r1"], self.ids["int.r2"]
        client = self.add_client("Client Relief", "--language", "ar")
        start = T0 + 20 * DAY + 9 * HOUR
        times = ("--start", str(start), "--end", str(start + 3 * HOUR))

        out = self.ok("appointment", "book", "--client", str(client), "--clinician", str(clin),
                      "--interpreter", str(first), "--relief", str(second), "--mode",
                      "consecutive", *times)
        self.assertRegex(out, r"^booked appointment \d+\n")
        self.assertIn("\n  interpreter  %d\n  relief       %d\n" % (first, second), out)
        aid = int(out.split()[2])
        self.assertEqual(self.json("appointment", "show", str(aid))["relief_interpreter_id"],
                         second)
        err = self.refused("bad_field", "appointment", "book", "--client", str(client),
                           "--clinician", str(clin2), "--relief", str(second), "--mode",
                           "consecutive", *times)
        self.assertIn("(field relief_interpreter_id)", err)
        # the relief is busy as interpreter; the interpreter is busy as relief
        err = self.refused("conflict", "appointment", "book", "--client", str(client),
                           "--clinician", str(clin2), "--interpreter", str(second), "--mode",
                           "consecutive", *times)
        self.assertIn("(field interpreter_id)", err)
        err = self.refused("conflict", "appointment", "book", "--client", str(client),
                           "--clinician", str(clin2), "--interpreter", str(self.ids["int.a"]),
                           "--relief", str(first), "--mode", "consecutive", *times)
        self.assertIn("relief interpreter", err)
        self.assertIn("(field relief_interpreter_id)", err)

        text = self.ok("appointment", "list", "--clinician", str(clin))
        self.assertIn("RELIEF", text.splitlines()[0])
        self.assertRegex(text, r"\n%d +booked .* %d +%d +2100-01-21T09:00" % (aid, first, second))
        text = self.ok("appointment", "tokens", str(aid))
        lines = [line for line in text.splitlines() if line.startswith("  interpreter ")]
        self.assertEqual(len(lines), 2, text)
        self.assertFalse(lines[0].endswith("(relief)"))
        self.assertTrue(lines[1].endswith("  (relief)"), lines[1])

        out = self.ok("appointment", "move", str(aid), "--relief", "none")
        self.assertIn("moved appointment %d" % aid, out)
        self.assertIn("  relief       none\n", out)
        self.refused("bad_field", "appointment", "move", str(aid), "--relief", str(first))
        moved = self.json("appointment", "move", str(aid), "--interpreter", str(second),
                          "--relief", str(first))
        self.assertEqual((moved["interpreter_id"], moved["relief_interpreter_id"]),
                         (second, first))
        self.ok("appointment", "cancel", str(aid))

    def test_roles(self):
        """A clinician lists their own appointments only and may not create clients; staff
        may."""
        self.ok("login", "--username", "clin.a", stdin=PASSWORD + "\n", token="clin")
        self.ok("login", "--username", "desk.one", stdin=PASSWORD + "\n", token="desk")
        client = self.json("client", "add", "--alias", "Desk Client", "--language", "ar",
                           token="desk")["id"]
        self.assertEqual(self.json("appointment", "list", "--clinician", str(self.ids["clin.a"]),
                                   token="clin")["appointments"], [])
        self.refused("forbidden", "appointment", "list", "--clinician", str(self.ids["clin.b"]),
                     token="clin")
        self.refused("forbidden", "client", "add", "--alias", "X", "--language", "ar",
                     token="clin")
        self.assertEqual(self.json("client", "show", str(client), token="clin")["alias"],
                         "Desk Client")

    # The command line

    def test_usage_errors(self):
        u = self.usage
        u("client add needs --alias", "client", "add", "--language", "ar")
        u("client add needs --language", "client", "add", "--alias", "A")
        u("the ID must be a whole number from 1", "client", "show", "x1")
        u("the ID must be a whole number from 1", "appointment", "cancel", "0")
        u("client show needs one ID", "client", "show")
        u("appointment cancel needs one ID", "appointment", "cancel", "1", "2")
        u("client list takes no further words", "client", "list", "extra")
        u("--client must be a whole number from 1, not \"abc\"", "appointment", "book",
          "--client", "abc", "--clinician", "3", "--mode", "consecutive", "--start", "1",
          "--end", "2")
        u("appointment book needs --start", "appointment", "book", "--client", "1",
          "--clinician", "3", "--mode", "consecutive", "--end", "2")
        u("--mode does not belong to \"client add\"", "client", "add", "--alias", "A",
          "--language", "ar", "--mode", "consecutive")
        u("--limit does not belong to \"appointment list\"", "appointment", "list", "--limit",
          "5")
        u("--role does not belong to \"client list\"", "client", "list", "--role", "client")
        u("--alias is given more than once", "client", "add", "--alias", "A", "--alias", "B",
          "--language", "ar")
        u("--same-interpreter takes yes or no", "client", "add", "--alias", "A", "--language",
          "ar", "--same-interpreter", "maybe")
        u("--slot takes DAY[-DAY]:HH:MM-HH:MM", "interpreter", "availability", "4", "--slot",
          "mon:9-17")
        for slot in ("mon:17:00-09:00", "fri-mon:09:00-10:00", "xyz:09:00-10:00",
                     "mon:09:00-24:01", "mon:09:60-10:00", "mon09:00-10:00"):
            u("--slot takes", "interpreter", "availability", "4", "--slot", slot)
        u("interpreter availability needs --slot", "interpreter", "availability", "4")
        u("--slot and --no-slots do not mix", "interpreter", "availability", "4", "--slot",
          "mon:09:00-10:00", "--no-slots")
        u("--pair takes two language tags as A:B", "interpreter", "add", "--account", "4",
          "--code", "C", "--tz", "UTC", "--pair", "prs-AF")
        u("for clients only", "clinician", "add", "--account", "3", "--tz", "UTC",
          "--language", "de!")
        u("client edit: nothing to change", "client", "edit", "5")
        u("appointment move: nothing to change", "appointment", "move", "5")
        u("cannot both read standard input", "client", "add", "--body", "-", "--contact", "-")
        u("--body -: not JSON", "client", "add", "--body", "-", stdin="{\"alias\": ")
        u("--body - must hold one JSON object", "client", "add", "--body", "-", stdin="[1]")
        u("--start: too many digits", "interpreter", "exception", "4", "--start",
          "1234567890123456789", "--end", "2")
        u("the appointment commands are book, list", "appointment", "frobnicate")
        u("the client commands are add, list", "client")
        u("--alias does not belong to \"account\"", "account", "list", "--alias", "A")
        u("--contact -: no line on standard input", "client", "add", "--alias", "A",
          "--language", "ar", "--contact", "-")
        r = subprocess.run([TOLKCTL, "client", "list"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("works over the API", r.stderr)
        r = subprocess.run([TOLKCTL, "--db", "x.db", "--data-key", "k", "audit", "verify",
                            "--alias", "A"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("need --url", r.stderr)

    def test_api_errors(self):
        err = self.refused("bad_field", "client", "add", "--alias", "Bad Tag", "--language",
                           "not a tag")
        self.assertIn("(field languages)", err)
        err = self.refused("bad_field", "appointment", "book", "--client", "999999",
                           "--clinician", str(self.ids["clin.a"]), "--mode", "consecutive",
                           "--start", str(T0), "--end", str(T0 + HOUR))
        self.assertIn("(field client_id)", err)
        self.refused("not_found", "client", "show", "999999")
        self.refused("not_found", "client", "edit", "999999", "--alias", "Nobody")

    def test_help_lists_every_command(self):
        r = subprocess.run([TOLKCTL, "--help"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0)
        for word in ("client add", "client list", "client show", "client edit", "client exclude",
                     "interpreter add", "interpreter list", "interpreter show",
                     "interpreter edit", "interpreter availability", "interpreter exception",
                     "clinician add", "clinician list", "clinician show", "clinician edit",
                     "appointment book", "appointment list", "appointment show",
                     "appointment move", "appointment cancel", "appointment suggest",
                     "appointment tokens", "appointment revoke", "--body", "--tz", "--slot",
                     "--pair", "--no-slots", "--relief"):
            self.assertIn(word, r.stdout)
        self.assertNotIn("come in a later version", r.stdout)


if __name__ == "__main__":
    tolktest.main()
