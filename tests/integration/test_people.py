"""Clients through the REST API of the real tolkd over TLS: a record with languages,
preferences, a support person and contact details reads back whole; the contact text is not in
the database file or its WAL in clear; lists show alias and id only; every read is audited;
unknown and forbidden fields and invalid BCP 47 tags are refused with a 4xx and nothing is
written; exclusions never weaken. Interpreter profiles with language pairs, weekly
availability (replaced whole) and exceptions; clinician profiles with languages and working
hours; interpreters and clinicians read their own profile only.
(The authorisation rows are in test_api.py's matrix.)

Environment (set by CTest): TOLKD, TOLKCTL, TOLK_TEST_CERTS, TOLK_SOURCE_DIR.
"""

import glob
import urllib.parse

import tolktest
from test_api import ADMIN, ADMIN_PASSWORD, PASSWORD, ApiBroker, ApiCase, call

CONTACT = "phone +31 6 9876 5432, ask for Zahra-unique-marker"
CLIENT = {
    "alias": "Client R",
    "languages": [{"tag": "prs-af", "dialect_required": True}, {"tag": "fa"}],
    "written_language": "fa",
    "gender_preference": "f",
    "prefer_same_interpreter": True,
    "support_person_alias": "sister",
    "contact": CONTACT,
}


class PeopleTest(ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = ApiBroker()
        cls.tokens = []
        status, _, body = call(cls.broker.port, "POST", "/api/v1/login",
                               body={"username": ADMIN, "password": ADMIN_PASSWORD})
        assert status == 200, body
        cls.admin = body["token"]
        cls.ids = {"admin": body["account_id"]}
        for role in ("staff", "clinician", "interpreter"):
            status, _, body = call(cls.broker.port, "POST", "/api/v1/accounts", token=cls.admin,
                                   body={"username": role + ".one", "password": PASSWORD,
                                         "role": role})
            assert status == 201, body
            cls.ids[role] = body["id"]

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def create(self, body, token=None):
        status, _, reply = self.api("POST", "/clients", body=body, token=token or self.admin)
        self.assertEqual(status, 201, reply)
        return reply["id"]

    def clients(self):
        status, _, page = self.api("GET", "/clients?limit=50", token=self.admin)
        self.assertEqual(status, 200, page)
        return page["clients"]

    def test_create_and_read_back(self):
        staff = self.token("staff.one")
        cid = self.create(CLIENT, token=staff)
        status, _, rec = self.api("GET", "/clients/%d" % cid, token=staff)
        self.assertEqual(status, 200, rec)
        self.assertEqual(rec["alias"], "Client R")
        self.assertEqual(rec["languages"], [{"tag": "prs-AF", "dialect_required": True},
                                            {"tag": "fa", "dialect_required": False}])
        self.assertEqual((rec["written_language"], rec["gender_preference"]), ("fa", "f"))
        self.assertTrue(rec["prefer_same_interpreter"])
        self.assertEqual(rec["support_person_alias"], "sister")
        self.assertEqual(rec["contact"], CONTACT)
        self.assertEqual(rec["exclusions"], [])
        status, _, rec = self.api("PATCH", "/clients/%d" % cid, token=staff,
                                  body={"contact": None, "gender_preference": None,
                                        "languages": [{"tag": "ar-SY"}]})
        self.assertEqual(status, 200, rec)
        self.assertIsNone(rec["contact"])
        self.assertIsNone(rec["gender_preference"])
        self.assertEqual(rec["languages"], [{"tag": "ar-SY", "dialect_required": False}])
        self.assertEqual(rec["alias"], "Client R")

    def test_contact_not_in_clear_on_disk(self):
        cid = self.create(dict(CLIENT, alias="Disk check"))
        status, _, rec = self.api("GET", "/clients/%d" % cid, token=self.admin)
        self.assertEqual((status, rec["contact"]), (200, CONTACT))
        needles = [CONTACT.encode(), b"Zahra-unique-marker", b"9876 5432"]
        files = glob.glob(self.broker.db + "*")
        self.assertIn(self.broker.db, files)
        for path in files:
            with open(path, "rb") as f:
                data = f.read()
            for needle in needles:
                self.assertNotIn(needle, data, path)
        self.assertNotIn("Zahra-unique-marker", self.broker.log())

    def test_list_shows_alias_and_id_only(self):
        self.create(dict(CLIENT, alias="Listed Amal"))
        self.create(dict(CLIENT, alias="listed Bashir"))
        clin = self.token("clinician.one")
        status, _, page = self.api("GET", "/clients?q=" + urllib.parse.quote("LISTED a"),
                                   token=clin)
        self.assertEqual(status, 200, page)
        self.assertEqual([c["alias"] for c in page["clients"]], ["Listed Amal"])
        for c in self.clients():
            self.assertEqual(sorted(c), ["alias", "id"])
        # an '&' or a '%' in a search stays in the search (it is percent-encoded in the URL)
        self.create(dict(CLIENT, alias="Listed & Co 50%"))
        for q in ("Listed &", "listed & co 50%"):
            status, _, page = self.api("GET", "/clients?q=" + urllib.parse.quote(q, safe=""),
                                       token=clin)
            self.assertEqual((status, [c["alias"] for c in page["clients"]]),
                             (200, ["Listed & Co 50%"]), (q, page))
        self.assert_error(self.api("GET", "/clients?limit=51", token=self.admin), 400,
                          "bad_field", "limit")
        self.assert_error(self.api("GET", "/clients?q=%01", token=self.admin), 400,
                          "bad_field", "q")
        self.assert_error(self.api("GET", "/clients?export=all", token=self.admin), 400,
                          "unknown_field")

    def test_reads_are_audited(self):
        cid = self.create(dict(CLIENT, alias="Audited"))
        clin = self.token("clinician.one")
        for _ in range(2):
            self.assertEqual(self.api("GET", "/clients/%d" % cid, token=clin)[0], 200)
        reads = [e for e in self.audit_entries(self.admin)
                 if e["action"] == "client_read" and e["subject"] == "client:%d" % cid]
        self.assertEqual(len(reads), 2)
        self.assertEqual({e["actor"] for e in reads}, {"account:%d" % self.ids["clinician"]})
        status, _, report = self.api("GET", "/audit/verify", token=self.admin)
        self.assertTrue(report["ok"], report)

    def test_bad_input_refused_and_nothing_written(self):
        before = len(self.clients())
        cases = [
            (dict(CLIENT, nationality="x"), "unknown_field", "nationality"),
            (dict(CLIENT, immigration_status="x"), "unknown_field", "immigration_status"),
            (dict(CLIENT, address="x"), "unknown_field", "address"),
            (dict(CLIENT, languages=[{"tag": "fa", "region": "x"}]), "unknown_field", "region"),
            (dict(CLIENT, languages=[{"tag": "en--GB"}]), "bad_field", "languages"),
            (dict(CLIENT, languages=[{"tag": "x-private"}]), "bad_field", "languages"),
            (dict(CLIENT, languages=[{"tag": "a" * 40}]), "bad_field", "languages"),
            (dict(CLIENT, languages=[]), "bad_field", "languages"),
            (dict(CLIENT, languages="fa"), "bad_field", "languages"),
            (dict(CLIENT, languages=[{"tag": "fa"}] * 5), "bad_field", "languages"),
            (dict(CLIENT, written_language="en_GB"), "bad_field", "written_language"),
            (dict(CLIENT, gender_preference="q"), "bad_field", "gender_preference"),
            (dict(CLIENT, alias="a" * 65), "bad_field", "alias"),
            (dict(CLIENT, alias=""), "bad_field", "alias"),
            (dict(CLIENT, alias=7), "bad_field", "alias"),
            (dict(CLIENT, contact="c" * 513), "bad_field", "contact"),
            (dict(CLIENT, prefer_same_interpreter="yes"), "bad_field", "prefer_same_interpreter"),
            ({"languages": [{"tag": "fa"}]}, "missing_field", "alias"),
        ]
        for body, code, field in cases:
            with self.subTest(field=field, code=code):
                self.assert_error(self.api("POST", "/clients", body=body, token=self.admin), 400,
                                  code, field)
        self.assert_error(self.api("POST", "/clients", raw=b"{\"alias\":", token=self.admin),
                          400, "bad_json")
        self.assertEqual(len(self.clients()), before)
        cid = self.create(dict(CLIENT, alias="Unchanged"))
        self.assert_error(self.api("PATCH", "/clients/%d" % cid, token=self.admin,
                                   body={"alias": "Changed", "languages": [{"tag": "1"}]}),
                          400, "bad_field", "languages")
        status, _, rec = self.api("GET", "/clients/%d" % cid, token=self.admin)
        self.assertEqual(rec["alias"], "Unchanged")
        self.assert_error(self.api("GET", "/clients/99999", token=self.admin), 404, "not_found")

    def test_exclusions_hold(self):
        cid = self.create(dict(CLIENT, alias="Excluding"))
        clin = self.token("clinician.one")
        interp = self.ids["interpreter"]
        path = "/clients/%d/exclusions" % cid
        status, _, reply = self.api("POST", path, token=clin,
                                    body={"interpreter_id": interp, "reason": "never_again"})
        self.assertEqual(status, 201, reply)
        status, _, reply = self.api("POST", path, token=self.admin,
                                    body={"interpreter_id": interp, "reason": "client"})
        self.assertEqual(status, 201, reply)
        status, _, rec = self.api("GET", "/clients/%d" % cid, token=self.admin)
        self.assertEqual(rec["exclusions"], [{"interpreter_id": interp, "reason": "never_again",
                                              "recorded_by": self.ids["clinician"],
                                              "at": rec["exclusions"][0]["at"]}])
        self.assert_error(self.api("POST", path, token=clin,
                                   body={"interpreter_id": self.ids["staff"],
                                         "reason": "client"}), 404, "not_found")
        self.assert_error(self.api("POST", path, token=clin,
                                   body={"interpreter_id": interp, "reason": "dislike"}), 400,
                          "bad_field", "reason")
        self.assert_error(self.api("POST", path, token=clin,
                                   body={"interpreter_id": "4", "reason": "client"}), 400,
                          "bad_field", "interpreter_id")
        added = [e for e in self.audit_entries(self.admin)
                 if e["action"] == "client_exclusion_added" and e["subject"] == "client:%d" % cid]
        self.assertEqual(added[0]["detail"], "interpreter=%d,reason=never_again" % interp)

    def test_interpreter_profile(self):
        status, _, body = self.api("POST", "/accounts", token=self.admin,
                                   body={"username": "int.two", "password": PASSWORD,
                                         "role": "interpreter"})
        self.assertEqual(status, 201, body)
        mine, other = self.ids["interpreter"], body["id"]
        staff = self.token("staff.one")
        profile = {"account_id": mine, "code": "INT-0042", "gender": "m",
                   "time_zone": "Europe/Amsterdam",
                   "language_pairs": [{"a": "prs-af", "b": "nl"}, {"a": "fa", "b": "nl"}],
                   "availability": [{"day": 0, "start_minute": 540, "end_minute": 1020},
                                    {"day": 6, "start_minute": 1320, "end_minute": 1440}]}
        status, _, rec = self.api("POST", "/interpreters", token=staff, body=profile)
        self.assertEqual(status, 201, rec)
        self.assertEqual(rec["language_pairs"][0], {"a": "prs-AF", "b": "nl"})
        self.assertEqual(len(rec["availability"]), 2)
        self.assert_error(self.api("POST", "/interpreters", token=staff, body=profile), 409,
                          "conflict")
        self.assert_error(self.api("POST", "/interpreters", token=staff,
                                   body=dict(profile, account_id=self.ids["staff"],
                                             code="INT-9")), 400, "bad_field", "account_id")
        bad = [
            (dict(profile, account_id=other, time_zone="Mars/Olympus"), "bad_field", "time_zone"),
            (dict(profile, account_id=other, code="int 1"), "bad_field", "code"),
            (dict(profile, account_id=other, language_pairs=[{"a": "nl", "b": "x--y"}]),
             "bad_field", "language_pairs"),
            (dict(profile, account_id=other, language_pairs=[{"a": "nl", "b": "fa", "c": "x"}]),
             "unknown_field", "c"),
            (dict(profile, account_id=other,
                  availability=[{"day": 7, "start_minute": 0, "end_minute": 60}]),
             "bad_field", "availability"),
            (dict(profile, account_id=other, name="Real Name"), "unknown_field", "name"),
        ]
        for body, code, field in bad:
            with self.subTest(field=field):
                self.assert_error(self.api("POST", "/interpreters", token=staff, body=body), 400,
                                  code, field)
        self.assert_error(self.api("GET", "/interpreters/%d" % other, token=self.admin), 404,
                          "not_found")
        path = "/interpreters/%d" % mine
        status, _, rec = self.api("PUT", path + "/availability", token=staff,
                                  body={"slots": [{"day": 2, "start_minute": 0,
                                                   "end_minute": 60}]})
        self.assertEqual((status, rec["availability"]),
                         (200, [{"day": 2, "start_minute": 0, "end_minute": 60}]), rec)
        self.assert_error(self.api("PUT", path + "/availability", token=staff,
                                   body={"slots": [{"day": 1, "start_minute": 60,
                                                    "end_minute": 60}]}),
                          400, "bad_field", "slots")
        future = 4102444800
        status, _, exc = self.api("POST", path + "/exceptions", token=staff,
                                  body={"starts_at": future, "ends_at": future + 86400})
        self.assertEqual(status, 201, exc)
        self.assert_error(self.api("POST", path + "/exceptions", token=staff,
                                   body={"starts_at": future, "ends_at": future}),
                          400, "bad_field", "ends_at")
        own = self.token("interpreter.one")
        status, _, rec = self.api("GET", path, token=own)
        self.assertEqual(status, 200, rec)
        self.assertEqual(rec["availability"], [{"day": 2, "start_minute": 0, "end_minute": 60}])
        self.assertEqual(rec["exceptions"], [dict(exc)])
        self.assert_error(self.api("GET", "/interpreters/%d" % other, token=own), 403,
                          "forbidden")
        status, _, rec = self.api("PATCH", path, token=staff, body={"gender": None})
        self.assertEqual((status, rec["gender"], rec["code"]), (200, None, "INT-0042"))
        actions = [e["action"] for e in self.audit_entries(self.admin)
                   if e["subject"] == "interpreter:%d" % mine]
        self.assertEqual(actions, ["interpreter_created", "interpreter_availability_set",
                                   "interpreter_exception_added", "interpreter_updated"])

    def test_clinician_profile(self):
        status, _, body = self.api("POST", "/accounts", token=self.admin,
                                   body={"username": "clin.two", "password": PASSWORD,
                                         "role": "clinician"})
        self.assertEqual(status, 201, body)
        mine, other = self.ids["clinician"], body["id"]
        profile = {"account_id": mine, "time_zone": "Europe/Berlin", "languages": ["de", "en-gb"],
                   "working_hours": [{"day": 4, "start_minute": 480, "end_minute": 960}]}
        status, _, rec = self.api("POST", "/clinicians", token=self.admin, body=profile)
        self.assertEqual(status, 201, rec)
        self.assertEqual(rec["languages"], ["de", "en-GB"])
        self.assertEqual(rec["working_hours"], profile["working_hours"])
        self.assert_error(self.api("POST", "/clinicians", token=self.admin, body=profile), 409,
                          "conflict")
        bad = [
            (dict(profile, account_id=self.ids["interpreter"]), "bad_field", "account_id"),
            (dict(profile, account_id=other, languages=["de", "en_GB"]), "bad_field",
             "languages"),
            (dict(profile, account_id=other, languages=[]), "bad_field", "languages"),
            (dict(profile, account_id=other, time_zone="Europe/Nowhere"), "bad_field",
             "time_zone"),
            (dict(profile, account_id=other,
                  working_hours=[{"day": 1, "start_minute": 600, "end_minute": 500}]),
             "bad_field", "working_hours"),
            (dict(profile, account_id=other, full_name="Dr X"), "unknown_field", "full_name"),
        ]
        for body, code, field in bad:
            with self.subTest(field=field):
                self.assert_error(self.api("POST", "/clinicians", token=self.admin, body=body),
                                  400, code, field)
        self.assert_error(self.api("GET", "/clinicians/%d" % other, token=self.admin), 404,
                          "not_found")
        own = self.token("clinician.one")
        status, _, rec = self.api("GET", "/clinicians/%d" % mine, token=own)
        self.assertEqual((status, rec["time_zone"]), (200, "Europe/Berlin"), rec)
        self.assert_error(self.api("GET", "/clinicians/%d" % other, token=own), 403, "forbidden")
        status, _, rec = self.api("PATCH", "/clinicians/%d" % mine, token=self.admin,
                                  body={"working_hours": []})
        self.assertEqual((status, rec["working_hours"], rec["languages"]),
                         (200, [], ["de", "en-GB"]), rec)


if __name__ == "__main__":
    tolktest.main()
