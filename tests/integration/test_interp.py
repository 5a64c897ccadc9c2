"""The interpreter leg in the real tolkd over TLS (docs/INTERPRETING.md), at the wire level with
raw WebSocket clients and raw SFrame frames (nothing is decrypted: the broker only routes).

A waiting client receives no media and none of its frames are relayed until the clinician admits
it; the pre-brief and the debrief are clinician and interpreter alone; a sidebar keeps the client
out of the clinician's and interpreter's audio (and keys) and its state says so; simultaneous
mode routes each sender's frames to exactly the receivers its gains name, and a frame sent after
the clinician holds the state that acknowledges a mode switch is routed by the new table; the
epoch moves on presence and room changes only; a hand-over swaps the active interpreter in one
step; remove closes with 4001; readmit survives a dropped connection; signals reach the room and
are rate-limited; bad controls get their stable error codes and are audited by ids only;
recording is refused unless the configuration allows it.

Environment (set by CTest): TOLKD, TOLKCTL, TOLK_TEST_CERTS, TOLK_SOURCE_DIR.
"""

import base64
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import time
import unittest

import tolktest
from tolktest import CERTS, TOLKD, Broker, WebSocket, metrics
from test_api import ADMIN, ADMIN_PASSWORD, PASSWORD, call, run_tolkctl
from test_relay import frame

ROLES = ("client", "clinician", "interpreter", "relief_interpreter", "support")


def sender_of(data):
    """The sender index in an SFrame header's KID (KID = epoch << 4 | index)."""
    cfg = data[0]
    if cfg & 0x80:
        n = ((cfg >> 4) & 7) + 1
        kid = int.from_bytes(data[1:1 + n], "big")
    else:
        kid = (cfg >> 4) & 7
    return kid & 0xF


class Peer:
    """A raw tolk.v1 participant that keeps what it receives: control messages in order, media
    frames by sender. sync() reads up to the answer of a probe, so that everything the broker
    queued for it before that point has arrived."""

    def __init__(self, port, token, role):
        self.ws = WebSocket(port)
        self.ws.hello()
        self.token, self.role = token, role
        self.identity = os.urandom(32)
        self.index = self.epoch = None
        self.msgs, self.media = [], []
        self.state = None
        self.ctr = 0
        self.closed = None

    def join(self, lang=None, resume=None):
        msg = {"type": "join", "token": self.token,
               "identity": base64.b64encode(self.identity).decode()}
        if lang:
            msg["lang"] = lang
        if resume:
            msg["resume"] = resume
        self.ws.send_json(msg)
        reply = self.until(lambda m: m["type"] in ("joined", "error"))
        if reply["type"] == "joined":
            self.index, self.resume, self.session = reply["index"], reply["resume"], reply["session"]
            self.state = self.until(lambda m: m["type"] == "state")  # right after joined
        return reply

    def _take(self, opcode, payload):
        if opcode == 0x2:
            self.media.append(payload)
            return None
        if opcode == 0x8:
            self.closed = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            raise ConnectionError("closed with %d" % self.closed)
        msg = json.loads(payload)
        self.msgs.append(msg)
        if "epoch" in msg and msg["type"] != "key":
            self.epoch = msg["epoch"]
        if msg["type"] == "state":
            self.state = msg
        return msg

    def until(self, pred):
        """Reads until a control message satisfying PRED arrives, and returns it."""
        while True:
            msg = self._take(*self.ws.recv_frame())
            if msg is not None and pred(msg):
                return msg

    def expect(self, mtype, **fields):
        return self.until(lambda m: m["type"] == mtype
                          and all(m.get(k) == v for k, v in fields.items()))

    def expect_state(self, cause):
        return self.until(lambda m: m["type"] == "state" and m.get("cause", {}).get("type") == cause)

    def sync(self):
        self.ws.send_json({"type": "hello", "versions": [1]})
        self.expect("error", name="duplicate_hello")

    def send(self, mtype, **fields):
        self.ws.send_json(dict(fields, type=mtype))

    def error_of(self, mtype, **fields):
        """Sends a control and returns the name of the error it got."""
        self.send(mtype, **fields)
        return self.expect("error")["name"]

    def send_frames(self, n=1):
        for _ in range(n):
            self.ws.send_frame(0x2, frame(self.epoch, self.index, self.ctr, bytes([self.index]) * 40))
            self.ctr += 1

    def senders(self):
        """The senders of the frames received since the last call."""
        got = sorted(set(sender_of(f) for f in self.media))
        self.media = []
        return got

    def close(self):
        self.ws.close()


def gains(state):
    return {g["from"]: g["gain_cb"] for g in state["gains"]}


def member(state, index):
    return [p for p in state["participants"] if p["index"] == index][0]


class DemoBroker(Broker):
    """tolktest.Broker with demo sessions (five tokens each) and, optionally, an admin made by
    `tolkctl bootstrap` before it starts (as test_api.ApiBroker), for the audit log."""

    def __init__(self, count, config_extra="", admin=False):
        self.demo = os.path.join(tempfile.gettempdir(), "tolk-interp-%d-%d.json"
                                 % (os.getpid(), time.monotonic_ns()))
        if not admin:
            super().__init__(config_extra=config_extra,
                             args=("--demo-session", self.demo, "--demo-count", str(count)))
        else:
            self._start_with_admin(count, config_extra)
        self.db = os.path.join(self.dir, "data", "tolk.db")
        deadline = time.monotonic() + 20
        while not os.path.exists(self.demo):
            assert time.monotonic() < deadline, "no demo session file"
            time.sleep(0.05)
        with open(self.demo) as f:
            self.sessions = json.load(f)["sessions"]
        os.unlink(self.demo)

    def _start_with_admin(self, count, config_extra):
        self.dir = tempfile.mkdtemp(prefix="tolk-it-")
        db = os.path.join(self.dir, "data", "tolk.db")
        key = os.path.join(self.dir, "data", "data.key")
        boot = run_tolkctl(db, key, "bootstrap", "--username", ADMIN, stdin=ADMIN_PASSWORD + "\n")
        if boot.returncode != 0:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise AssertionError("tolkctl bootstrap failed: " + boot.stderr)
        self.config = os.path.join(self.dir, "tolkd.conf")
        with open(self.config, "w") as f:
            f.write("[server]\nevent_loop = libev\n[tls]\ncertificate = %s\nprivate_key = %s\n"
                    "[store]\ndatabase = %s\ndata_key_file = %s\n[log]\nlevel = debug\n%s"
                    % (os.path.join(CERTS, "cert.pem"), os.path.join(CERTS, "key.pem"), db, key,
                       config_extra))
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            tolktest.tolkd_command(TOLKD, "--config", self.config, "--listen", "127.0.0.1:0",
                                   "--demo-session", self.demo, "--demo-count", str(count)),
            stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        self.port = self._wait_listening()

    def appointment_id(self, session_hex):
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute("SELECT id FROM appointments WHERE ref = ?",
                               (session_hex,)).fetchone()[0]
        finally:
            con.close()


class InterpCase(unittest.TestCase):
    broker = None
    next_session = 0

    def peers(self, *roles, langs=None):
        """Joins the given roles of a demo session of this test's own, in order; returns them."""
        cls = type(self)
        tokens = self.broker.sessions[cls.next_session]
        cls.next_session += 1
        out = []
        for role in roles:
            p = Peer(self.broker.port, tokens[role], role)
            self.addCleanup(p.close)
            reply = p.join(lang=(langs or {}).get(role))
            self.assertEqual(reply["type"], "joined", reply)
            out.append(p)
        self.tokens = tokens
        return out

    def settle(self, *people):
        """Waits until everyone holds the state of the newest epoch any of them has seen."""
        for p in people:
            p.sync()
        epoch = max(p.epoch for p in people)
        for p in people:
            while p.epoch < epoch:
                p.until(lambda m: m["type"] == "state")

    def admit(self, clinician, target, **extra):
        clinician.send("admit", index=target.index, **extra)
        state = clinician.expect_state("admit")
        target.expect_state("admit")
        return state

    def exchange(self, people, senders=None):
        """Every sender sends one frame; returns {receiver index: [sender indexes]}."""
        for p in senders or people:
            p.send_frames()
            p.sync()  # the broker has relayed it before it answers the probe
        for p in people:
            p.sync()
        return {p.index: p.senders() for p in people}


class WaitingRoomTest(InterpCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = DemoBroker(12)

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def test_waiting_client_hears_nothing_until_admitted(self):
        clin, interp = self.peers("clinician", "interpreter")
        client, = self.peers_continue("client")
        self.assertEqual(client.state["room"], [])
        self.assertEqual(client.state["gains"], [])
        self.assertEqual(member(client.state, client.index)["presence"], "waiting")
        self.settle(clin, interp, client)
        self.assertEqual(member(clin.state, client.index)["presence"], "waiting")
        before = metrics(self.broker.port)["tolk_dropped_not_routed_total"]
        # the pre-brief: clinician and interpreter hear each other, the client nothing
        heard = self.exchange([clin, interp, client])
        self.assertEqual(heard, {clin.index: [interp.index], interp.index: [clin.index],
                                 client.index: []})
        self.assertEqual(metrics(self.broker.port)["tolk_dropped_not_routed_total"], before + 1)
        # waiting: in no room, so no keys; no controls either, only leave
        key = {"to": clin.index, "epoch": client.epoch,
               "sealed": base64.b64encode(os.urandom(100)).decode(),
               "sig": base64.b64encode(os.urandom(64)).decode()}
        self.assertEqual(client.error_of("key", **key), "bad_recipient")
        self.assertEqual(client.error_of("pause", paused=True), "waiting")
        self.assertEqual(clin.error_of("key", **dict(key, to=client.index)), "bad_recipient")
        # admitted: both directions flow
        epoch = clin.epoch
        state = self.admit(clin, client)
        self.assertEqual(state["epoch"], epoch + 1)
        self.assertEqual(sorted(client.state["room"]), sorted([clin.index, interp.index,
                                                               client.index]))
        self.settle(clin, interp, client)
        heard = self.exchange([clin, interp, client])
        self.assertEqual(heard, {clin.index: sorted([interp.index, client.index]),
                                 interp.index: sorted([clin.index, client.index]),
                                 client.index: sorted([clin.index, interp.index])})
        # the debrief: the client has left; clinician and interpreter go on alone
        client.send("leave")
        left = clin.expect("participant_left", index=client.index)
        self.assertEqual(clin.expect_state("leave")["epoch"], left["epoch"])
        self.settle(clin, interp)
        self.assertEqual(self.exchange([clin, interp]),
                         {clin.index: [interp.index], interp.index: [clin.index]})

    def peers_continue(self, *roles):
        """Joins more roles of the session the last peers() call used."""
        out = []
        for role in roles:
            p = Peer(self.broker.port, self.tokens[role], role)
            self.addCleanup(p.close)
            self.assertEqual(p.join()["type"], "joined")
            out.append(p)
        return out

    def test_sidebar(self):
        clin, interp, client = self.peers("clinician", "interpreter", "client")
        self.admit(clin, client)
        self.settle(clin, interp, client)
        epoch = clin.epoch
        clin.send("sidebar", open=True)
        state = clin.expect_state("sidebar")
        self.assertEqual(state["epoch"], epoch + 1)
        self.assertTrue(state["sidebar"])
        self.assertEqual(sorted(state["room"]), sorted([clin.index, interp.index]))
        cstate = client.expect_state("sidebar")
        self.assertTrue(cstate["sidebar"])
        self.assertEqual(cstate["room"], [client.index])
        self.assertEqual(cstate["gains"], [])
        self.settle(clin, interp, client)
        heard = self.exchange([clin, interp, client])
        self.assertEqual(heard, {clin.index: [interp.index], interp.index: [clin.index],
                                 client.index: []})
        key = {"to": client.index, "epoch": clin.epoch,
               "sealed": base64.b64encode(os.urandom(100)).decode(),
               "sig": base64.b64encode(os.urandom(64)).decode()}
        self.assertEqual(clin.error_of("key", **key), "bad_recipient")
        clin.send("sidebar", open=False)
        self.assertEqual(clin.expect_state("sidebar")["epoch"], epoch + 2)
        self.settle(clin, interp, client)
        self.assertEqual(self.exchange([clin, client]),
                         {clin.index: [client.index], client.index: [clin.index]})

    def test_readmit_and_remove(self):
        clin, client = self.peers("clinician", "client")
        self.admit(clin, client, readmit=True)
        client.close()  # dropped
        clin.expect("participant_left", index=client.index, reason="dropped")
        again = Peer(self.broker.port, self.tokens["client"], "client")
        self.addCleanup(again.close)
        self.assertEqual(again.join()["index"], client.index)
        self.assertEqual(member(again.state, again.index)["presence"], "admitted")
        # removed: closed with 4001, announced as such, and back to the waiting room next time
        clin.send("remove", index=again.index)
        left = clin.expect("participant_left", index=again.index)
        self.assertEqual(left["reason"], "removed")
        with self.assertRaises(ConnectionError):
            again.until(lambda m: False)
        self.assertEqual(again.closed, 4001)
        third = Peer(self.broker.port, self.tokens["client"], "client")
        self.addCleanup(third.close)
        third.join()
        self.assertEqual(member(third.state, third.index)["presence"], "waiting")
        # hold: back to waiting, nothing relayed either way
        self.admit(clin, third)
        clin.send("hold", index=third.index)
        self.assertEqual(member(clin.expect_state("hold"), third.index)["presence"], "waiting")
        self.settle(clin, third)
        self.assertEqual(self.exchange([clin, third]), {clin.index: [], third.index: []})

    def test_epoch_moves_on_presence_and_rooms_only(self):
        clin, interp, relief, client = self.peers("clinician", "interpreter",
                                                  "relief_interpreter", "client")
        self.settle(clin, interp, relief, client)
        e = clin.epoch
        self.admit(clin, client)
        self.assertEqual(clin.epoch, e + 1)
        for control, fields, by in (("mode", {"mode": "simultaneous"}, clin),
                                    ("channel", {"channel": "ar"}, interp),
                                    ("pause", {"paused": True}, client),
                                    ("pause", {"paused": False}, client)):
            by.send(control, **fields)
            self.assertEqual(by.expect_state(control)["epoch"], e + 1, control)
        relief.send("handover", action="request")
        interp.expect("handover", action="request", **{"from": relief.index})
        interp.send("handover", action="accept")
        self.assertEqual(interp.expect_state("handover")["epoch"], e + 1)
        self.assertEqual(client.error_of("recording", on=True), "recording_not_allowed")
        clin.send("sidebar", open=True)
        self.assertEqual(clin.expect_state("sidebar")["epoch"], e + 2)
        clin.send("sidebar", open=False)
        self.assertEqual(clin.expect_state("sidebar")["epoch"], e + 3)
        clin.send("hold", index=client.index)
        self.assertEqual(clin.expect_state("hold")["epoch"], e + 4)
        self.admit(clin, client)
        self.assertEqual(clin.epoch, e + 5)
        interp.send("leave")
        self.assertEqual(clin.expect("participant_left", index=interp.index)["epoch"], e + 6)
        self.assertEqual(clin.expect_state("leave")["epoch"], e + 6)


class RoutingTest(InterpCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = DemoBroker(6)

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def test_simultaneous_routing_and_gains(self):
        langs = {"clinician": "nl", "client": "ar-SY", "support": "ar"}
        clin, interp, relief, client, support = self.peers(
            "clinician", "interpreter", "relief_interpreter", "client", "support", langs=langs)
        self.admit(clin, client)
        self.admit(clin, support)
        clin.send("mode", mode="simultaneous")
        clin.expect_state("mode")
        people = [clin, interp, relief, client, support]
        self.settle(*people)
        c, i, r, k, s = (p.index for p in people)
        state = {p.index: p.state for p in people}
        self.assertEqual(state[k]["mode"], "simultaneous")
        self.assertEqual(member(state[c], i)["interpreter"], "active")
        self.assertEqual(member(state[c], i)["channel"], "ar-SY")
        self.assertEqual(member(state[c], r)["interpreter"], "passive")
        want = {
            c: {k: 0, s: 0},                      # no interpretation into nl: the floor at 0
            i: {c: 0, r: 0, k: 0, s: 0},          # an interpreter hears everyone
            r: {c: 0, i: 0, k: 0, s: 0},
            k: {c: -150, i: 0, s: -150},          # the ar channel, the floor ducked under it
            s: {c: -150, i: 0, k: -150},
        }
        for p in people:
            self.assertEqual(gains(p.state), want[p.index], p.role)
        heard = self.exchange(people)
        for p in people:
            self.assertEqual(heard[p.index], sorted(want[p.index]), p.role)
        # back to consecutive: the first frame after the clinician's acknowledgement is routed
        # by the new table (the clinician hears the interpreter again)
        clin.send("mode", mode="consecutive")
        clin.expect_state("mode")
        interp.send_frames()
        interp.sync()
        clin.sync()
        self.assertIn(i, clin.senders())

    def test_mode_switch_routes_the_next_frame(self):
        clin, interp, client = self.peers("clinician", "interpreter", "client",
                                          langs={"clinician": "nl", "client": "fa"})
        self.admit(clin, client)
        self.settle(clin, interp, client)
        interp.send_frames()
        interp.sync()
        clin.sync()
        self.assertEqual(clin.senders(), [interp.index])  # consecutive: heard
        clin.send("mode", mode="simultaneous")
        clin.expect_state("mode")
        interp.send_frames()  # sent after the acknowledgement
        interp.sync()
        clin.sync()
        client.sync()
        self.assertEqual(clin.senders(), [])
        self.assertEqual(client.senders(), [interp.index])

    def test_handover(self):
        clin, interp, relief, client = self.peers("clinician", "interpreter",
                                                  "relief_interpreter", "client",
                                                  langs={"client": "ar"})
        self.admit(clin, client)
        people = [clin, interp, relief, client]
        self.settle(*people)
        self.assertEqual(member(relief.state, relief.index)["interpreter"], "passive")
        self.assertEqual(self.exchange(people, [relief]),
                         {clin.index: [], interp.index: [relief.index], relief.index: [],
                          client.index: []})
        # nothing to answer; declined; then accepted
        self.assertEqual(interp.error_of("handover", action="accept"), "no_handover")
        self.assertEqual(clin.error_of("handover", action="request"), "not_allowed")
        relief.send("handover", action="request")
        interp.expect("handover", action="request", **{"from": relief.index})
        interp.send("handover", action="decline")
        relief.expect("handover", action="declined", **{"from": interp.index})
        interp.send("handover", action="request")
        relief.expect("handover", action="request", **{"from": interp.index})
        epoch = relief.epoch
        relief.send("handover", action="accept")
        interp.expect("handover", action="accepted", **{"from": relief.index})
        state = clin.expect_state("handover")
        self.assertEqual(state["epoch"], epoch)
        self.assertEqual(member(state, relief.index)["interpreter"], "active")
        self.assertEqual(member(state, interp.index)["interpreter"], "passive")
        self.settle(*people)
        heard = self.exchange(people, [interp, relief])
        self.assertEqual(heard[clin.index], [relief.index])
        self.assertEqual(heard[client.index], [relief.index])
        self.assertEqual(heard[relief.index], [interp.index])
        # the old interpreter leaves: a new epoch, the new one stays active
        interp.send("leave")
        left = clin.expect("participant_left", index=interp.index)
        self.assertEqual(left["epoch"], epoch + 1)
        state = clin.expect_state("leave")
        self.assertEqual(member(state, relief.index)["interpreter"], "active")

    def test_signals_and_pause(self):
        clin, interp, client, support = self.peers("clinician", "interpreter", "client",
                                                   "support")
        self.admit(clin, client)
        for _ in range(4):  # at most four a second
            interp.send("signal", signal="slow_down")
        self.assertEqual(interp.error_of("signal", signal="repeat"), "rate_limited")
        for p in (clin, client):
            got = p.expect("signal")
            self.assertEqual((got["signal"], got["from"]), ("slow_down", interp.index))
        support.sync()
        self.assertEqual([m for m in support.msgs if m["type"] == "signal"], [])  # waiting
        self.assertEqual(client.error_of("signal", signal="moment"), "not_allowed")
        # pause: nothing to or from the paused one, and it stays in its room
        client.send("pause", paused=True)
        state = clin.expect_state("pause")
        self.assertEqual(member(state, client.index)["presence"], "paused")
        self.assertIn(client.index, state["room"])
        self.settle(clin, interp, client)
        self.assertEqual(self.exchange([clin, interp, client]),
                         {clin.index: [interp.index], interp.index: [clin.index],
                          client.index: []})


class AuditTest(InterpCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = DemoBroker(4, admin=True)
        status, _, body = call(cls.broker.port, "POST", "/api/v1/login",
                               body={"username": ADMIN, "password": ADMIN_PASSWORD})
        assert status == 200, body
        cls.admin = body["token"]

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def audit(self):
        entries, after = [], 0
        while True:
            status, _, page = call(self.broker.port, "GET", "/api/v1/audit?after=%d&limit=50"
                                   % after, token=self.admin)
            self.assertEqual(status, 200, page)
            entries += page["entries"]
            if page["next_after"] is None:
                return entries
            after = page["next_after"]

    def test_bad_controls_are_refused_and_audited(self):
        clin, interp, client, support = self.peers("clinician", "interpreter", "client",
                                                   "support")
        self.admit(clin, client)
        appt = self.broker.appointment_id(clin.session)
        cases = [
            (client, "admit", {"index": support.index}, "not_allowed"),
            (client, "sidebar", {"open": True}, "not_allowed"),
            (client, "mode", {"mode": "simultaneous"}, "not_allowed"),
            (interp, "admit", {"index": support.index}, "not_allowed"),
            (clin, "admit", {"index": support.index, "session": "ab" * 16}, "wrong_session"),
            (clin, "admit", {"index": 9}, "bad_target"),
            (clin, "hold", {"index": interp.index}, "bad_target"),
            (support, "pause", {"paused": True}, "waiting"),
            (interp, "channel", {"channel": "nl", "session": clin.session}, None),
        ]
        for by, control, fields, code in cases:
            with self.subTest(role=by.role, control=control):
                if code is None:
                    by.send(control, **fields)
                    by.expect_state(control)
                else:
                    got = by.error_of(control, **fields)
                    self.assertEqual(got, code)
        clin.send("remove", index=client.index)
        clin.expect("participant_left", index=client.index)
        bad = Peer(self.broker.port, "A" * 43, "client")
        self.addCleanup(bad.close)
        self.assertEqual(bad.join()["name"], "invalid_token")
        entries = self.audit()
        mine = [(e["actor"], e["action"], e["detail"]) for e in entries
                if e["subject"] == "appointment:%d" % appt]
        refused = [(a, d) for a, act, d in mine if act == "session_control_refused"]
        want = [("participant:%d" % by.index,
                 "role=%s,control=%s,code=%s" % (by.role, control, code))
                for by, control, _, code in cases if code]
        self.assertEqual(refused, want)
        joins = [(a, d) for a, act, d in mine if act == "session_join"]
        self.assertEqual(joins, [("participant:%d" % p.index, "role=%s" % p.role)
                                 for p in (clin, interp, client, support)])
        self.assertIn(("participant:%d" % clin.index, "session_admit",
                       "target=participant:%d,role=client,readmit=no" % client.index), mine)
        self.assertIn(("participant:%d" % clin.index, "session_remove",
                       "target=participant:%d,role=client" % client.index), mine)
        self.assertIn(("participant:%d" % client.index, "session_leave",
                       "role=client,reason=removed"), mine)
        unknown = [e for e in entries if e["action"] == "session_join_refused"
                   and e["subject"] == "session:unknown"]
        self.assertEqual([(e["subject"], e["detail"]) for e in unknown],
                         [("session:unknown", "code=invalid_token")])
        self.assertRegex(unknown[0]["actor"], r"^token:[0-9a-f]{16}$")
        text = json.dumps(entries)
        for token in self.tokens.values():
            self.assertNotIn(token, text)
        status, _, report = call(self.broker.port, "GET", "/api/v1/audit/verify",
                                 token=self.admin)
        self.assertEqual(status, 200, report)
        self.assertTrue(report["ok"], report)

    def test_refused_join_of_a_known_token(self):
        clin, = self.peers("clinician")
        appt = self.broker.appointment_id(clin.session)
        thief = Peer(self.broker.port, self.tokens["clinician"], "clinician")
        self.addCleanup(thief.close)
        self.assertEqual(thief.join()["name"], "token_in_use")
        entries = [e for e in self.audit() if e["action"] == "session_join_refused"
                   and e["subject"] == "appointment:%d" % appt]
        self.assertEqual([e["detail"] for e in entries], ["role=clinician,code=token_in_use"])


    def test_mode_is_the_appointments(self):
        """A session starts in the mode its appointment was booked with."""
        ids = {}
        for name, role in (("clin.mode", "clinician"), ("int.mode", "interpreter")):
            status, _, body = call(self.broker.port, "POST", "/api/v1/accounts", token=self.admin,
                                   body={"username": name, "password": PASSWORD, "role": role})
            self.assertEqual(status, 201, body)
            ids[role] = body["id"]
        status, _, body = call(self.broker.port, "POST", "/api/v1/clients", token=self.admin,
                               body={"alias": "Client M", "languages": [{"tag": "ti"}]})
        self.assertEqual(status, 201, body)
        now = int(time.time())
        status, _, appt = call(self.broker.port, "POST", "/api/v1/appointments", token=self.admin,
                               body={"client_id": body["id"], "clinician_id": ids["clinician"],
                                     "interpreter_id": ids["interpreter"],
                                     "mode": "simultaneous", "starts_at": now - 60,
                                     "ends_at": now + 3600})
        self.assertEqual(status, 201, appt)
        status, _, issued = call(self.broker.port, "POST",
                                 "/api/v1/appointments/%d/tokens" % appt["id"], token=self.admin)
        self.assertEqual(status, 201, issued)
        tokens = {t["role"]: t["token"] for t in issued["tokens"]}
        clin = Peer(self.broker.port, tokens["clinician"], "clinician")
        self.addCleanup(clin.close)
        self.assertEqual(clin.join(lang="nl")["type"], "joined")
        self.assertEqual(clin.state["mode"], "simultaneous")


class RecordingTest(unittest.TestCase):
    def run_recording(self, config_extra):
        broker = DemoBroker(1, config_extra=config_extra)
        self.addCleanup(broker.stop)
        tokens = broker.sessions[0]
        clin = Peer(broker.port, tokens["clinician"], "clinician")
        self.addCleanup(clin.close)
        clin.join()
        client = Peer(broker.port, tokens["client"], "client")
        self.addCleanup(client.close)
        client.join()
        clin.send("admit", index=client.index)
        client.expect_state("admit")
        return clin, client

    def test_refused_by_default(self):
        clin, client = self.run_recording("")
        self.assertFalse(client.state["recording_allowed"])
        self.assertEqual(client.error_of("recording", on=True), "recording_not_allowed")
        self.assertFalse(member(client.state, client.index)["recording"])

    def test_allowed_by_configuration(self):
        clin, client = self.run_recording("[session]\nallow_recording = yes\n")
        self.assertTrue(client.state["recording_allowed"])
        client.send("recording", on=True)
        state = clin.expect_state("recording")
        self.assertTrue(member(state, client.index)["recording"])
        self.assertEqual(state["cause"]["by"], client.index)


if __name__ == "__main__":
    tolktest.main()
