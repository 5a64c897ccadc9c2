"""Appointments through the REST API of the real tolkd over TLS: a booking reads back whole;
an overlapping booking of the same clinician or interpreter is refused with 409 `conflict`
naming the participant by role (touching ones are allowed); reschedule and reassignment obey
the same rule with the appointment's own times excluded; a cancelled appointment frees its slot
(cancelling it again changes nothing); clinicians and interpreters see only their own appointments;
bad times and wrong participants are refused with nothing written; each change is audited.
Join tokens are shown once; a raw WebSocket join with one reaches its own appointment's session
only, and is refused once the token is revoked or the appointment cancelled. Suggestions rank
the interpreters who could take an appointment (continuity first) and say why the others could
not (gender, availability, exclusion, another booking).
A relief interpreter is booked, moved and cleared with the appointment, needs an interpreter and
is not that interpreter; an interpreter is double-booked as interpreter or as relief, either
way round (409 naming the part); the relief interpreter reads and lists the appointment, gets a
second interpreter token marked relief, and joins the session as the passive interpreter; a
revoke of role interpreter revokes both tokens.
(The authorisation rows are in test_api.py's matrix.)

Environment (set by CTest): TOLKD, TOLKCTL, TOLK_TEST_CERTS, TOLK_SOURCE_DIR.
"""

import time

import tolktest
from test_api import ADMIN, ADMIN_PASSWORD, PASSWORD, ApiBroker, ApiCase, call
from test_interp import Peer, member
from test_relay import Participant

T0 = 4102444800  # 2100-01-01, far from anything the other tests book
HOUR = 3600
EARLY, GRACE = 300, 60  # the join window this broker is configured with


class AppointmentsTest(ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = ApiBroker("[appointments]\njoin_early_minutes = %d\njoin_grace_minutes = %d\n"
                               % (EARLY // 60, GRACE // 60))
        cls.tokens = []
        status, _, body = call(cls.broker.port, "POST", "/api/v1/login",
                               body={"username": ADMIN, "password": ADMIN_PASSWORD})
        assert status == 200, body
        cls.admin = body["token"]
        cls.ids = {}
        for name, role in (("staff.one", "staff"), ("clin.one", "clinician"),
                           ("clin.two", "clinician"), ("clin.three", "clinician"),
                           ("clin.tz", "clinician"), ("int.tz", "interpreter"),
                           ("int.one", "interpreter"),
                           ("int.two", "interpreter"), ("clin.relief", "clinician"),
                           ("int.three", "interpreter"), ("int.relief", "interpreter")):
            status, _, body = call(cls.broker.port, "POST", "/api/v1/accounts", token=cls.admin,
                                   body={"username": name, "password": PASSWORD, "role": role})
            assert status == 201, body
            cls.ids[name] = body["id"]
        status, _, body = call(cls.broker.port, "POST", "/api/v1/clients", token=cls.admin,
                               body={"alias": "Client P", "languages": [{"tag": "ar"}]})
        assert status == 201, body
        cls.client = body["id"]

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def booking(self, day, start, end, clinician="clin.one", interpreter="int.one", relief=None):
        base = T0 + day * 86400
        body = {"client_id": self.client, "clinician_id": self.ids[clinician],
                "mode": "consecutive", "starts_at": base + start, "ends_at": base + end}
        if interpreter is not None:
            body["interpreter_id"] = self.ids[interpreter]
        if relief is not None:
            body["relief_interpreter_id"] = self.ids[relief]
        return body

    def book(self, body, token=None):
        status, _, reply = self.api("POST", "/appointments", body=body, token=token or self.admin)
        self.assertEqual(status, 201, reply)
        return reply

    def test_book_and_read_back(self):
        staff = self.token("staff.one")
        body = self.booking(0, 9 * HOUR, 10 * HOUR)
        appt = self.book(body, token=staff)
        status, _, rec = self.api("GET", "/appointments/%d" % appt["id"], token=staff)
        self.assertEqual(status, 200, rec)
        self.assertEqual(rec, appt)
        for key in body:
            self.assertEqual(rec[key], body[key])
        self.assertEqual(rec["status"], "booked")
        self.assertIsNone(rec["relief_interpreter_id"])
        actions = [e["action"] for e in self.audit_entries(self.admin)
                   if e["subject"] == "appointment:%d" % appt["id"]]
        self.assertEqual(actions, ["appointment_booked"])

    def test_conflicts(self):
        self.book(self.booking(1, 9 * HOUR, 10 * HOUR))
        response = self.api("POST", "/appointments", token=self.admin,
                            body=self.booking(1, 9 * HOUR + 1800, 11 * HOUR, interpreter="int.two"))
        self.assert_error(response, 409, "conflict", "clinician_id")
        self.assertIn("clinician", response[2]["error"]["message"])
        self.assertNotIn("clin.one", response[2]["error"]["message"])
        response = self.api("POST", "/appointments", token=self.admin,
                            body=self.booking(1, 8 * HOUR, 9 * HOUR + 1, clinician="clin.two"))
        self.assert_error(response, 409, "conflict", "interpreter_id")
        self.assertIn("interpreter", response[2]["error"]["message"])
        # touching intervals, and the other people at the same time
        self.book(self.booking(1, 10 * HOUR, 11 * HOUR))
        self.book(self.booking(1, 8 * HOUR, 9 * HOUR))
        self.book(self.booking(1, 9 * HOUR, 10 * HOUR, clinician="clin.two", interpreter="int.two"))

    def test_bad_input(self):
        cases = [
            (self.booking(2, 10 * HOUR, 10 * HOUR), "ends_at"),
            (self.booking(2, 10 * HOUR, 14 * HOUR + 1), "ends_at"),
            (dict(self.booking(2, 9 * HOUR, 10 * HOUR), mode="whispered"), "mode"),
            (dict(self.booking(2, 9 * HOUR, 10 * HOUR), client_id=999999), "client_id"),
            (dict(self.booking(2, 9 * HOUR, 10 * HOUR), clinician_id=self.ids["int.one"]),
             "clinician_id"),
            (dict(self.booking(2, 9 * HOUR, 10 * HOUR), interpreter_id=self.ids["clin.two"]),
             "interpreter_id"),
        ]
        for body, field in cases:
            with self.subTest(field=field):
                self.assert_error(self.api("POST", "/appointments", token=self.admin, body=body),
                                  400, "bad_field", field)
        status, _, page = self.api("GET", "/appointments?from=%d&to=%d"
                                   % (T0 + 2 * 86400, T0 + 3 * 86400), token=self.admin)
        self.assertEqual((status, page["appointments"]), (200, []))
        # exactly four hours is allowed
        self.book(self.booking(2, 10 * HOUR, 14 * HOUR, interpreter=None))

    def test_reschedule_and_cancel(self):
        a = self.book(self.booking(3, 9 * HOUR, 10 * HOUR))
        b = self.book(self.booking(3, 11 * HOUR, 12 * HOUR, clinician="clin.two",
                                   interpreter="int.two"))
        path = "/appointments/%d" % a["id"]
        base = T0 + 3 * 86400
        status, _, rec = self.api("PATCH", path, token=self.admin,
                                  body={"starts_at": base + 9 * HOUR + 1800,
                                        "ends_at": base + 10 * HOUR + 1800})
        self.assertEqual(status, 200, rec)
        self.assertEqual(rec["starts_at"], base + 9 * HOUR + 1800)
        response = self.api("PATCH", path, token=self.admin,
                            body={"starts_at": base + 11 * HOUR, "ends_at": base + 12 * HOUR,
                                  "interpreter_id": self.ids["int.two"]})
        self.assert_error(response, 409, "conflict", "interpreter_id")
        status, _, rec = self.api("PATCH", path, token=self.admin,
                                  body={"starts_at": base + 11 * HOUR, "ends_at": base + 12 * HOUR,
                                        "interpreter_id": None})
        self.assertEqual((status, rec["interpreter_id"]), (200, None), rec)
        status, _, rec = self.api("POST", "/appointments/%d/cancel" % b["id"], token=self.admin)
        self.assertEqual((status, rec["status"]), (200, "cancelled"), rec)
        status, _, again = self.api("POST", "/appointments/%d/cancel" % b["id"], token=self.admin)
        self.assertEqual((status, again), (200, rec))
        self.assert_error(self.api("PATCH", "/appointments/%d" % b["id"], token=self.admin,
                                   body={"ends_at": base + 11 * HOUR + 1800}), 409, "conflict")
        # the cancelled slot is free again
        status, _, rec = self.api("PATCH", path, token=self.admin,
                                  body={"interpreter_id": self.ids["int.two"]})
        self.assertEqual((status, rec["interpreter_id"]), (200, self.ids["int.two"]), rec)
        self.assert_error(self.api("GET", "/appointments/999999", token=self.admin), 404,
                          "not_found")
        actions = [e["action"] for e in self.audit_entries(self.admin)
                   if e["subject"] == "appointment:%d" % a["id"]]
        self.assertEqual(actions, ["appointment_booked"] + ["appointment_rescheduled"] * 3)
        actions = [e["action"] for e in self.audit_entries(self.admin)
                   if e["subject"] == "appointment:%d" % b["id"]]
        self.assertEqual(actions, ["appointment_booked", "appointment_cancelled"])

    def test_participants_see_their_own(self):
        mine = self.book(self.booking(4, 9 * HOUR, 10 * HOUR))
        other = self.book(self.booking(4, 9 * HOUR, 10 * HOUR, clinician="clin.two",
                                       interpreter="int.two"))
        clin, interp = self.token("clin.one"), self.token("int.one")
        day = "from=%d&to=%d" % (T0 + 4 * 86400, T0 + 5 * 86400)
        for token in (clin, interp):
            status, _, rec = self.api("GET", "/appointments/%d" % mine["id"], token=token)
            self.assertEqual(status, 200, rec)
            self.assert_error(self.api("GET", "/appointments/%d" % other["id"], token=token),
                              403, "forbidden")
            status, _, page = self.api("GET", "/appointments?" + day, token=token)
            self.assertEqual(status, 200, page)
            self.assertEqual([a["id"] for a in page["appointments"]], [mine["id"]])
        self.assert_error(self.api("GET", "/appointments?clinician_id=%d" % self.ids["clin.two"],
                                   token=clin), 403, "forbidden")
        status, _, page = self.api("GET", "/appointments?clinician_id=%d&%s"
                                   % (self.ids["clin.two"], day), token=self.admin)
        self.assertEqual([a["id"] for a in page["appointments"]], [other["id"]])
        status, _, page = self.api("GET", "/appointments?" + day, token=self.admin)
        self.assertEqual([a["id"] for a in page["appointments"]], [mine["id"], other["id"]])
        self.assert_error(self.api("GET", "/appointments?from=10&to=5", token=self.admin), 400,
                          "bad_field", "to")

    def issue(self, appt_id):
        status, _, reply = self.api("POST", "/appointments/%d/tokens" % appt_id, token=self.admin)
        self.assertEqual(status, 201, reply)
        self.assertEqual(reply["appointment_id"], appt_id)
        return {t["role"]: t for t in reply["tokens"]}

    def join(self, token, role):
        p = Participant(self.broker.port, token, role)
        reply = p.join()
        p.ws.close()
        return reply

    def test_join_tokens(self):
        now = int(time.time())
        a = self.book(dict(self.booking(0, 0, 0), starts_at=now - 60, ends_at=now + 3600))
        b = self.book(dict(self.booking(0, 0, 0, clinician="clin.two", interpreter=None),
                           starts_at=now - 60, ends_at=now + 3600))
        first = self.issue(a["id"])
        self.assertEqual(sorted(first), ["client", "clinician", "interpreter"])
        self.assertEqual(first["client"]["valid_from"], a["starts_at"] - EARLY)
        self.assertEqual(first["client"]["valid_until"], a["ends_at"] + GRACE)
        tokens = self.issue(a["id"])  # issuing again revokes the first ones
        self.assertNotEqual(tokens["client"]["token"], first["client"]["token"])
        self.assertEqual(self.join(first["client"]["token"], "client")["type"], "error")
        other = self.issue(b["id"])
        self.assertEqual(sorted(other), ["client", "clinician"])
        with open(self.broker.db, "rb") as f:
            self.assertNotIn(tokens["client"]["token"].encode(), f.read())
        # each token joins its own appointment's session
        clin = Participant(self.broker.port, tokens["clinician"]["token"], "clinician")
        self.assertEqual(clin.join()["type"], "joined")
        mine = self.join(tokens["client"]["token"], "client")
        self.assertEqual((mine["type"], [p["role"] for p in mine["participants"]]),
                         ("joined", ["clinician"]), mine)
        theirs = self.join(other["client"]["token"], "client")
        self.assertEqual((theirs["type"], theirs["participants"]), ("joined", []), theirs)
        self.assertNotEqual(theirs["session"], mine["session"])
        clin.ws.close()
        # revoked, then cancelled
        status, _, _ = self.api("POST", "/appointments/%d/tokens/revoke" % a["id"],
                                token=self.admin, body={"role": "client"})
        self.assertEqual(status, 204)
        self.assertEqual(self.join(tokens["client"]["token"], "client")["type"], "error")
        self.assertEqual(self.join(tokens["interpreter"]["token"], "interpreter")["type"],
                         "joined")
        self.assert_error(self.api("POST", "/appointments/%d/tokens/revoke" % a["id"],
                                   token=self.admin, body={"role": "nobody"}),
                          400, "bad_field", "role")
        status, _, _ = self.api("POST", "/appointments/%d/cancel" % b["id"], token=self.admin)
        self.assertEqual(status, 200)
        self.assertEqual(self.join(other["clinician"]["token"], "clinician")["type"], "error")
        self.assert_error(self.api("POST", "/appointments/%d/tokens" % b["id"], token=self.admin),
                          409, "conflict")
        # (the joins' own entries, session_*, are test_interp.py's)
        actions = [(e["action"], e["detail"]) for e in self.audit_entries(self.admin)
                   if e["subject"] == "appointment:%d" % a["id"]
                   and not e["action"].startswith("session_")]
        self.assertEqual(actions, [("appointment_booked", ""), ("token_issued", ""),
                                   ("token_issued", ""), ("token_revoked", "role=client")])

    # A relief interpreter

    def test_relief_book_and_change(self):
        body = self.booking(50, 9 * HOUR, 13 * HOUR, relief="int.two")
        appt = self.book(body, token=self.token("staff.one"))
        self.assertEqual((appt["interpreter_id"], appt["relief_interpreter_id"]),
                         (self.ids["int.one"], self.ids["int.two"]))
        path = "/appointments/%d" % appt["id"]
        status, _, rec = self.api("GET", path, token=self.admin)
        self.assertEqual((status, rec), (200, appt))
        # refused with nothing written: the same account twice, a relief without an interpreter,
        # an account that is no interpreter, a value that is no id
        before = self.audit_entries(self.admin)
        cases = [
            (self.booking(51, 9 * HOUR, 10 * HOUR, relief="int.one"), "relief_interpreter_id",
             "differ"),
            (self.booking(51, 9 * HOUR, 10 * HOUR, interpreter=None, relief="int.two"),
             "relief_interpreter_id", "needs an interpreter_id"),
            (dict(self.booking(51, 9 * HOUR, 10 * HOUR), interpreter_id=None,
                  relief_interpreter_id=self.ids["int.two"]), "relief_interpreter_id",
             "needs an interpreter_id"),
            (self.booking(51, 9 * HOUR, 10 * HOUR, relief="clin.two"), "relief_interpreter_id",
             "interpreter account"),
            (dict(self.booking(51, 9 * HOUR, 10 * HOUR), relief_interpreter_id=0),
             "relief_interpreter_id", None),
            (dict(self.booking(51, 9 * HOUR, 10 * HOUR), relief_interpreter_id="4"),
             "relief_interpreter_id", None),
        ]
        for body, field, why in cases:
            with self.subTest(body=body):
                reply = self.api("POST", "/appointments", token=self.admin, body=body)
                self.assert_error(reply, 400, "bad_field", field)
                if why:
                    self.assertIn(why, reply[2]["error"]["message"])
        self.assertEqual(self.audit_entries(self.admin), before)
        # null is none
        other = self.book(dict(self.booking(51, 9 * HOUR, 10 * HOUR), relief_interpreter_id=None))
        self.assertIsNone(other["relief_interpreter_id"])
        # PATCH: what is not given stays; the rule holds for the result
        status, _, rec = self.api("PATCH", path, token=self.admin,
                                  body={"ends_at": appt["ends_at"] - HOUR})
        self.assertEqual((status, rec["relief_interpreter_id"]), (200, self.ids["int.two"]), rec)
        self.assert_error(self.api("PATCH", path, token=self.admin,
                                   body={"interpreter_id": None}), 400, "bad_field",
                          "interpreter_id")
        self.assert_error(self.api("PATCH", path, token=self.admin,
                                   body={"interpreter_id": self.ids["int.two"]}), 400,
                          "bad_field", "interpreter_id")
        self.assert_error(self.api("PATCH", path, token=self.admin,
                                   body={"relief_interpreter_id": self.ids["int.one"]}), 400,
                          "bad_field", "relief_interpreter_id")
        self.assert_error(self.api("PATCH", path, token=self.admin,
                                   body={"relief_interpreter_id": self.ids["staff.one"]}), 400,
                          "bad_field", "relief_interpreter_id")
        # swapped in one request; then the relief changed; then cleared with the interpreter
        status, _, rec = self.api("PATCH", path, token=self.admin,
                                  body={"interpreter_id": self.ids["int.two"],
                                        "relief_interpreter_id": self.ids["int.one"]})
        self.assertEqual((status, rec["interpreter_id"], rec["relief_interpreter_id"]),
                         (200, self.ids["int.two"], self.ids["int.one"]), rec)
        status, _, rec = self.api("PATCH", path, token=self.admin,
                                  body={"relief_interpreter_id": self.ids["int.three"]})
        self.assertEqual((status, rec["relief_interpreter_id"]), (200, self.ids["int.three"]), rec)
        status, _, rec = self.api("PATCH", path, token=self.admin,
                                  body={"interpreter_id": None, "relief_interpreter_id": None})
        self.assertEqual((status, rec["interpreter_id"], rec["relief_interpreter_id"]),
                         (200, None, None), rec)
        actions = [e["action"] for e in self.audit_entries(self.admin)
                   if e["subject"] == "appointment:%d" % appt["id"]]
        self.assertEqual(actions, ["appointment_booked"] + ["appointment_rescheduled"] * 4)

    def test_relief_conflicts(self):
        """Double-booked as relief against a booking as interpreter, and the other way round;
        as relief against relief; by a move too. Touching is fine."""
        self.book(self.booking(52, 9 * HOUR, 11 * HOUR, relief="int.two"))
        # int.two relieves 9-11: not free to interpret at 10
        reply = self.api("POST", "/appointments", token=self.admin,
                         body=self.booking(52, 10 * HOUR, 12 * HOUR, clinician="clin.two",
                                           interpreter="int.two"))
        self.assert_error(reply, 409, "conflict", "interpreter_id")
        self.assertEqual(reply[2]["error"]["message"],
                         "the interpreter is double-booked at that time")
        # int.one interprets 9-11: not free to relieve at 10
        reply = self.api("POST", "/appointments", token=self.admin,
                         body=self.booking(52, 10 * HOUR, 12 * HOUR, clinician="clin.two",
                                           interpreter="int.three", relief="int.one"))
        self.assert_error(reply, 409, "conflict", "relief_interpreter_id")
        self.assertEqual(reply[2]["error"]["message"],
                         "the relief interpreter is double-booked at that time")
        self.assertNotIn("int.", reply[2]["error"]["message"])
        # int.two relieves 9-11: not free to relieve at 10 either
        self.assert_error(self.api("POST", "/appointments", token=self.admin,
                                   body=self.booking(52, 10 * HOUR, 12 * HOUR,
                                                     clinician="clin.two",
                                                     interpreter="int.three", relief="int.two")),
                          409, "conflict", "relief_interpreter_id")
        # from 11 both are free, in either part
        later = self.book(self.booking(52, 11 * HOUR, 12 * HOUR, clinician="clin.two",
                                       interpreter="int.two", relief="int.one"))
        # moved back to 10, it clashes again, for the part each holds
        self.assert_error(self.api("PATCH", "/appointments/%d" % later["id"], token=self.admin,
                                   body={"starts_at": later["starts_at"] - HOUR}),
                          409, "conflict", "interpreter_id")
        self.assert_error(self.api("PATCH", "/appointments/%d" % later["id"], token=self.admin,
                                   body={"starts_at": later["starts_at"] - HOUR,
                                         "interpreter_id": self.ids["int.three"]}),
                          409, "conflict", "relief_interpreter_id")

    def test_relief_reads_and_tokens(self):
        """The relief interpreter reads and lists the appointment; tokens: two of role
        interpreter, the relief's marked; both join the session, the relief as the passive
        interpreter; revoking role interpreter revokes both."""
        now = int(time.time())
        appt = self.book(dict(self.booking(0, 0, 0, clinician="clin.relief",
                                           interpreter="int.three", relief="int.relief"),
                              starts_at=now - 60, ends_at=now + 3600))
        relief_token = self.token("int.relief")
        status, _, rec = self.api("GET", "/appointments/%d" % appt["id"], token=relief_token)
        self.assertEqual((status, rec), (200, appt))
        status, _, page = self.api("GET", "/appointments?from=%d&to=%d"
                                   % (now - 60, now + 3600), token=relief_token)
        self.assertEqual((status, [a["id"] for a in page["appointments"]]), (200, [appt["id"]]))
        self.assert_error(self.api("GET", "/appointments/%d" % appt["id"],
                                   token=self.token("int.two")), 403, "forbidden")

        status, _, reply = self.api("POST", "/appointments/%d/tokens" % appt["id"],
                                    token=self.admin)
        self.assertEqual(status, 201, reply)
        tokens = reply["tokens"]
        self.assertEqual([(t["role"], t.get("relief")) for t in tokens],
                         [("client", None), ("clinician", None), ("interpreter", None),
                          ("interpreter", True)])
        interp_token, relief_token = tokens[2]["token"], tokens[3]["token"]
        self.assertEqual((tokens[3]["valid_from"], tokens[3]["valid_until"]),
                         (tokens[2]["valid_from"], tokens[2]["valid_until"]))

        clin = Peer(self.broker.port, tokens[1]["token"], "clinician")
        interp = Peer(self.broker.port, interp_token, "interpreter")
        relief = Peer(self.broker.port, relief_token, "interpreter")
        for p, role in ((clin, "clinician"), (interp, "interpreter"), (relief, "interpreter")):
            self.addCleanup(p.close)
            reply = p.join()
            self.assertEqual((reply["type"], reply["role"]), ("joined", role), reply)
        self.assertEqual(relief.session, clin.session)
        self.assertEqual(interp.session, clin.session)
        # the state message the relief gets on joining, and the one the others get
        self.assertEqual(member(relief.state, relief.index)["interpreter"], "passive")
        self.assertEqual(member(relief.state, interp.index)["interpreter"], "active")
        state = interp.until(lambda m: m["type"] == "state"
                             and any(x["index"] == relief.index for x in m["participants"]))
        self.assertEqual(member(state, relief.index)["interpreter"], "passive")
        self.assertEqual(member(state, interp.index)["interpreter"], "active")
        for p in (relief, interp, clin):
            p.close()

        status, _, _ = self.api("POST", "/appointments/%d/tokens/revoke" % appt["id"],
                                token=self.admin, body={"role": "interpreter"})
        self.assertEqual(status, 204)
        for token in (interp_token, relief_token):
            reply = self.join(token, "interpreter")
            self.assertEqual((reply["type"], reply.get("name")), ("error", "invalid_token"),
                             reply)
        self.api("POST", "/appointments/%d/cancel" % appt["id"], token=self.admin)

    def test_move_after_interpreter_disabled(self):
        """Moving an appointment does not re-check an interpreter the request does not name, so
        an account disabled since the booking does not block a new time; naming it does."""
        status, _, acct = self.api("POST", "/accounts", token=self.admin,
                                   body={"username": "int.gone", "password": PASSWORD,
                                         "role": "interpreter"})
        self.assertEqual(status, 201, acct)
        a = self.book(dict(self.booking(40, 0, HOUR, interpreter=None),
                           interpreter_id=acct["id"]))
        status, _, _ = self.api("PATCH", "/accounts/%d" % acct["id"], token=self.admin,
                                body={"disabled": True})
        self.assertEqual(status, 200)
        status, _, moved = self.api("PATCH", "/appointments/%d" % a["id"], token=self.admin,
                                    body={"starts_at": a["starts_at"] + HOUR,
                                          "ends_at": a["ends_at"] + HOUR})
        self.assertEqual((status, moved["interpreter_id"]), (200, acct["id"]), moved)
        self.assert_error(self.api("PATCH", "/appointments/%d" % a["id"], token=self.admin,
                                   body={"interpreter_id": acct["id"]}),
                          400, "bad_field", "interpreter_id")

    def test_support_person_token(self):
        """A support person's token is issued on request, joins as `support`, is revoked by
        role like any other; a bad support_person value writes nothing."""
        now = int(time.time())
        a = self.book(dict(self.booking(0, 0, 0, clinician="clin.three", interpreter=None),
                           starts_at=now + 7200, ends_at=now + 9000))
        status, _, reply = self.api("POST", "/appointments/%d/tokens" % a["id"], token=self.admin,
                                    body={"support_person": True})
        self.assertEqual(status, 201, reply)
        self.assertEqual([t["role"] for t in reply["tokens"]], ["client", "clinician", "support"])
        self.assert_error(self.api("POST", "/appointments/%d/tokens" % a["id"], token=self.admin,
                                   body={"support_person": "yes"}), 400, "bad_field",
                          "support_person")
        self.assert_error(self.api("POST", "/appointments/%d/tokens" % a["id"], token=self.admin,
                                   body={"relative": True}), 400, "unknown_field", "relative")
        status, _, _ = self.api("POST", "/appointments/%d/tokens/revoke" % a["id"],
                                token=self.admin, body={"role": "support"})
        self.assertEqual(status, 204)
        # (the joins' own entries, session_*, are test_interp.py's)
        actions = [(e["action"], e["detail"]) for e in self.audit_entries(self.admin)
                   if e["subject"] == "appointment:%d" % a["id"]
                   and not e["action"].startswith("session_")]
        self.assertEqual(actions, [("appointment_booked", ""), ("token_issued", ""),
                                   ("token_revoked", "role=support")])
        self.api("POST", "/appointments/%d/cancel" % a["id"], token=self.admin)

    def test_join_window(self):
        """The configured window: not before join_early_minutes ahead of the start, not after
        join_grace_minutes past the end; inside it, joined."""
        now = int(time.time())
        cases = (("too early", now + EARLY + 120, now + EARLY + 1800, "error"),
                 ("early enough", now + EARLY - 120, now + EARLY + 1800, "joined"),
                 ("in the grace period", now - 1800, now - GRACE + 40, "joined"),
                 ("after the grace period", now - 1800, now - GRACE - 40, "error"))
        for i, (what, start, end, expected) in enumerate(cases):
            a = self.book(dict(self.booking(0, 0, 0, clinician="clin.three", interpreter=None),
                               starts_at=start, ends_at=end))
            tokens = self.issue(a["id"])
            reply = self.join(tokens["client"]["token"], "client")
            self.assertEqual(reply["type"], expected, (what, reply))
            if expected == "error":
                self.assertEqual(reply["name"], "outside_window", reply)
            self.api("POST", "/appointments/%d/cancel" % a["id"], token=self.admin)

    def test_time_zones(self):
        """Local times in and out: read in the clinician's zone unless time_zone is given,
        RFC 3339 offsets honoured, DST gaps and folds refused with the reason, answers show
        the local time with its offset (?tz= to choose the zone), list bounds as local times."""
        status, _, body = self.api("POST", "/clinicians", token=self.admin,
                                   body={"account_id": self.ids["clin.tz"],
                                         "time_zone": "Europe/Amsterdam", "languages": ["nl"]})
        self.assertEqual(status, 201, body)
        base = {"client_id": self.client, "clinician_id": self.ids["clin.tz"],
                "mode": "consecutive"}
        # across the spring-forward change: 01:30 CET to 03:30 CEST is one real hour
        a = self.book(dict(base, starts_at="2100-03-28T01:30", ends_at="2100-03-28T03:30"))
        self.assertEqual((a["starts_at"], a["ends_at"] - a["starts_at"]), (4109877000, 3600))
        self.assertEqual((a["time_zone"], a["starts_at_local"], a["ends_at_local"]),
                         ("Europe/Amsterdam", "2100-03-28T01:30:00+01:00",
                          "2100-03-28T03:30:00+02:00"))
        self.assertEqual(self.api("GET", "/appointments/%d" % a["id"], token=self.admin)[2], a)
        status, _, tokyo = self.api("GET", "/appointments/%d?tz=Asia/Tokyo" % a["id"],
                                    token=self.admin)
        self.assertEqual((status, tokyo["time_zone"], tokyo["starts_at_local"]),
                         (200, "Asia/Tokyo", "2100-03-28T09:30:00+09:00"), tokyo)
        # wall times a DST change skips or repeats are refused, not guessed
        for start, why in (("2100-03-28T02:30", "does not exist"),
                           ("2100-10-31T02:30", "ambiguous")):
            before = self.audit_entries(self.admin)
            reply = self.api("POST", "/appointments", token=self.admin,
                             body=dict(base, starts_at=start, ends_at="2100-10-31T06:00"))
            self.assert_error(reply, 400, "bad_field", "starts_at")
            self.assertIn(why, reply[2]["error"]["message"])
            self.assertEqual(self.audit_entries(self.admin), before)  # nothing written
        # the first 02:30 of the fold, given with its offset; shown with it
        b = self.book(dict(base, starts_at="2100-10-31T02:30+02:00",
                           ends_at="2100-10-31T02:30+01:00"))
        self.assertEqual((b["ends_at"] - b["starts_at"], b["starts_at_local"],
                          b["ends_at_local"]),
                         (3600, "2100-10-31T02:30:00+02:00", "2100-10-31T02:30:00+01:00"))
        # an explicit zone reads the input and shows the answer; Unix seconds still work
        c = self.book(dict(base, starts_at="2100-06-01T09:00", ends_at=4115538000 + 1800,
                           time_zone="America/New_York"))
        self.assertEqual((c["starts_at"], c["time_zone"], c["starts_at_local"]),
                         (4115538000, "America/New_York", "2100-06-01T09:00:00-04:00"))
        status, _, moved = self.api("PATCH", "/appointments/%d" % c["id"], token=self.admin,
                                    body={"starts_at": "2100-06-01T16:00",
                                          "ends_at": "2100-06-01T17:00"})
        self.assertEqual((status, moved["starts_at_local"]),
                         (200, "2100-06-01T16:00:00+02:00"), moved)
        # bad zones and texts
        for field, value in (("time_zone", "Not/AZone"), ("time_zone", "../../etc/passwd")):
            self.assert_error(self.api("POST", "/appointments", token=self.admin,
                                       body=dict(base, starts_at=4115538000,
                                                 ends_at=4115541600, **{field: value})),
                              400, "bad_field", field)
        for value in ("tomorrow", "2100-02-30T10:00", "2100-06-01T10:00+2", -5, 1.5, True):
            self.assert_error(self.api("POST", "/appointments", token=self.admin,
                                       body=dict(base, starts_at=value, ends_at=4115541600)),
                              400, "bad_field", "starts_at")
        self.assert_error(self.api("GET", "/appointments/%d?tz=Mars/Base" % a["id"],
                                   token=self.admin), 400, "bad_field", "tz")
        # list bounds as local times in ?tz
        status, _, page = self.api(
            "GET", "/appointments?clinician_id=%d&from=2100-03-28T00:00&to=2100-03-29T00:00"
            "&tz=Europe/Amsterdam" % self.ids["clin.tz"], token=self.admin)
        self.assertEqual((status, [x["id"] for x in page["appointments"]]), (200, [a["id"]]))
        self.assertEqual(page["appointments"][0]["starts_at_local"],
                         "2100-03-28T01:30:00+01:00")
        self.assert_error(self.api("GET", "/appointments?from=2100-03-28T02:30&tz=Europe/Amsterdam",
                                   token=self.admin), 400, "bad_field", "from")
        # an interpreter's exception, read in and shown in the interpreter's zone
        status, _, body = self.api("POST", "/interpreters", token=self.admin,
                                   body={"account_id": self.ids["int.tz"], "code": "INT-TZ",
                                         "time_zone": "Asia/Kabul",
                                         "language_pairs": [{"a": "prs-AF", "b": "nl"}]})
        self.assertEqual(status, 201, body)
        status, _, ex = self.api("POST", "/interpreters/%d/exceptions" % self.ids["int.tz"],
                                 token=self.admin, body={"starts_at": "2100-06-01T08:00",
                                                         "ends_at": "2100-06-01T12:30"})
        self.assertEqual((status, ex["starts_at"], ex["starts_at_local"], ex["ends_at_local"]),
                         (201, 4115503800, "2100-06-01T08:00:00+04:30",
                          "2100-06-01T12:30:00+04:30"), ex)

    def interpreter(self, name, pair, gender="f", day=0):
        status, _, body = self.api("POST", "/accounts", token=self.admin,
                                   body={"username": name, "password": PASSWORD,
                                         "role": "interpreter"})
        self.assertEqual(status, 201, body)
        profile = {"account_id": body["id"], "code": name.upper(), "time_zone": "Europe/London",
                   "gender": gender, "language_pairs": [{"a": pair, "b": "nl"}],
                   "availability": [{"day": day, "start_minute": 540, "end_minute": 1020}]}
        status, _, rec = self.api("POST", "/interpreters", token=self.admin, body=profile)
        self.assertEqual(status, 201, rec)
        return body["id"]

    def test_suggestions(self):
        status, _, body = self.api("POST", "/clients", token=self.admin,
                                   body={"alias": "Client S", "gender_preference": "f",
                                         "prefer_same_interpreter": True,
                                         "languages": [{"tag": "ar-SY"}]})
        self.assertEqual(status, 201, body)
        client = body["id"]
        status, _, body = self.api("POST", "/clinicians", token=self.admin,
                                   body={"account_id": self.ids["clin.two"],
                                         "time_zone": "Europe/London", "languages": ["nl"]})
        self.assertEqual(status, 201, body)
        exact = self.interpreter("s-exact", "ar-SY")
        same = self.interpreter("s-same", "ar")
        male = self.interpreter("s-male", "ar-SY", gender="m")
        away = self.interpreter("s-away", "ar-SY", day=1)
        excluded = self.interpreter("s-excl", "ar-SY")
        busy = self.interpreter("s-busy", "ar-SY")
        status, _, body = self.api("POST", "/clients/%d/exclusions" % client, token=self.admin,
                                   body={"interpreter_id": excluded, "reason": "client"})
        self.assertEqual(status, 201, body)
        monday = T0 + 17 * 86400  # 2100-01-18, a Monday; London is on UTC in January
        self.book({"client_id": client, "clinician_id": self.ids["clin.two"],
                   "interpreter_id": same, "mode": "consecutive",
                   "starts_at": monday - 7 * 86400 + 10 * HOUR,
                   "ends_at": monday - 7 * 86400 + 11 * HOUR})
        self.book({"client_id": self.client, "clinician_id": self.ids["clin.one"],
                   "interpreter_id": busy, "mode": "consecutive",
                   "starts_at": monday + 10 * HOUR + 1800, "ends_at": monday + 12 * HOUR})
        appt = self.book({"client_id": client, "clinician_id": self.ids["clin.two"],
                          "mode": "simultaneous", "starts_at": monday + 10 * HOUR,
                          "ends_at": monday + 11 * HOUR})
        status, _, rec = self.api("GET", "/appointments/%d/suggestions" % appt["id"],
                                  token=self.token("staff.one"))
        self.assertEqual(status, 200, rec)
        self.assertEqual([(s["interpreter_id"], s["reason"]) for s in rec["suggestions"]],
                         [(same, "continuity"), (exact, "dialect")], rec)
        self.assertEqual(rec["suggestions"][1]["code"], "S-EXACT")
        self.assertGreater(rec["suggestions"][0]["score"], rec["suggestions"][1]["score"])
        self.assertEqual({r["interpreter_id"]: r["reason"] for r in rec["rejected"]},
                         {male: "gender", away: "not available", excluded: "excluded",
                          busy: "booked"}, rec)
        # the appointment's own relief is taken for it, not proposed as its interpreter
        status, _, body = self.api("PATCH", "/appointments/%d" % appt["id"], token=self.admin,
                                   body={"interpreter_id": same, "relief_interpreter_id": exact})
        self.assertEqual(status, 200, body)
        status, _, rec = self.api("GET", "/appointments/%d/suggestions" % appt["id"],
                                  token=self.admin)
        self.assertEqual([s["interpreter_id"] for s in rec["suggestions"]], [same], rec)
        self.assertEqual({r["interpreter_id"]: r["reason"] for r in rec["rejected"]}[exact],
                         "booked", rec)
        self.assert_error(self.api("GET", "/appointments/999999/suggestions", token=self.admin),
                          404, "not_found")


if __name__ == "__main__":
    tolktest.main()
