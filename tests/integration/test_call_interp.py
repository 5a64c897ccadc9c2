"""The interpreter leg with real audio: real tolk-call participants in one end-to-end-encrypted
session through the real tolkd over TLS, each playing its own sine tone, and what each one
hears measured per tone in its decoded output.

Tones are multiples of 50 Hz, so that every 20 ms frame holds whole periods of each: a tone's
level in a frame is its projection on that frequency (a one-bin DFT), which other tones do not
leak into, and the projections of consecutive frames add up coherently (a tone a participant
should not hear at all is looked for over seconds, far under the codec's noise).

Each tolk-call prints its state changes on stderr with t=, the position in its own output file
at which the change arrived (docs: tolk-call --help); the windows measured are placed by those
positions, with margins for the playout delay, so that the assertions are on levels and counts
rather than on wall-clock timing:
  (a) simultaneous mode: the listener hears the interpreter at full level and the floor 15 dB
      (duck_floor_db) under it; the interpreter's output holds nothing of its own tone;
  (b) a waiting client's output is silence until it is admitted;
  (c) the pre-brief: clinician and interpreter hear each other, the waiting client nothing;
  (d) hand-over between two interpreters: the floor hears the interpretation without a gap,
      and the epoch moves on when the first interpreter leaves;
  (e) a mode switch is heard from the frame after the state that announces it;
  and a sidebar keeps the client out and lets it back in, a pause silences both ways, an
  interpreter's signal reaches the others, and a control the role may not send is refused.

Environment (set by CTest): TOLKD, TOLK_TEST_CERTS, TOLK_BUILD_DIR.
"""

import json
import math
import operator
import os
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import unittest
import wave

import tolktest
from tolktest import Broker

BUILD = os.environ.get("TOLK_BUILD_DIR", "")
TOLK_CALL = os.path.join(BUILD, "client-lib", "tolk-call")
RATE = 48000
FRAME = 960  # 20 ms
AMP = 6000.0  # each tone's amplitude: three at once stay far from clipping
DUCK_DB = -15.0  # tolkd's default duck_floor_db
TONES = {"clinician": 450.0, "client": 700.0, "interpreter": 1000.0,
         "relief_interpreter": 1300.0, "support": 1600.0}
STATE_RE = re.compile(r"^tolk-call: t=(?P<t>\d+\.\d+) state epoch=(?P<epoch>\d+) "
                      r"cause=(?P<cause>\S+)(?: by=(?P<by>\d+))? presence=(?P<presence>\w+) "
                      r"mode=(?P<mode>\w+) sidebar=(?P<sidebar>\w+) room=(?P<room>\S+)"
                      r"(?P<members>.*)$")


def write_tone(path, freq, seconds):
    n = int(seconds * RATE)
    w = 2 * math.pi * freq / RATE
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(struct.pack("<%dh" % n, *(int(AMP * math.sin(w * i)) for i in range(n))))


def read_wav(path):
    with wave.open(path, "rb") as f:
        data = f.readframes(f.getnframes())
    return struct.unpack("<%dh" % (len(data) // 2), data)


class Heard:
    """A decoded output file, as per-frame complex projections on each tone."""

    def __init__(self, path, freqs):
        self.samples = read_wav(path)
        self.frames = len(self.samples) // FRAME
        self.proj = {}
        for f in freqs:
            c = [math.cos(2 * math.pi * f * i / RATE) for i in range(FRAME)]
            s = [math.sin(2 * math.pi * f * i / RATE) for i in range(FRAME)]
            out = []
            for k in range(self.frames):
                x = self.samples[k * FRAME:(k + 1) * FRAME]
                out.append(complex(sum(map(operator.mul, x, c)), -sum(map(operator.mul, x, s))))
            self.proj[f] = out

    def frame_of(self, t):
        return int(round(t * RATE / FRAME))

    def amp(self, f, k):
        """The tone's amplitude in frame K."""
        return 2 * abs(self.proj[f][k]) / FRAME

    def level(self, f, t0, t1):
        """The tone's RMS amplitude over the frames in [t0, t1) (power averaged per frame)."""
        ks = range(max(0, self.frame_of(t0)), min(self.frames, self.frame_of(t1)))
        if not ks:
            raise AssertionError("empty window %.2f..%.2f of %d frames" % (t0, t1, self.frames))
        return math.sqrt(sum(self.amp(f, k) ** 2 for k in ks) / len(ks))

    def trace(self, f, t0, t1):
        """The tone's coherent amplitude over [t0, t1): what a steady leak of it would show,
        with the noise averaged down by the window's length."""
        ks = range(max(0, self.frame_of(t0)), min(self.frames, self.frame_of(t1)))
        return 2 * abs(sum(self.proj[f][k] for k in ks)) / (FRAME * max(1, len(ks)))

    def silent(self, t0, t1):
        return not any(self.samples[max(0, int(t0 * RATE)):int(t1 * RATE)])


def db(x, ref=AMP):
    return 20 * math.log10(max(x, 1e-9) / ref)


class Call:
    """One tolk-call process; its stdout and stderr are collected as they come."""

    def __init__(self, args):
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.out, self.err = [], []
        self.threads = [threading.Thread(target=self._read, args=(s, l), daemon=True)
                        for s, l in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for t in self.threads:
            t.start()

    @staticmethod
    def _read(stream, lines):
        for line in stream:
            lines.append(line.rstrip("\n"))

    def wait_for_line(self, prefix, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(l.startswith(prefix) for l in list(self.out)):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("no %r from tolk-call: %s %s" % (prefix, self.out, self.err))

    def finish(self, timeout=120):
        try:
            self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for t in self.threads:
                t.join(timeout=5)
        return self.proc.returncode

    def index(self):
        line = [l for l in self.out if l.startswith("joined as index ")][0]
        return int(line.split()[3])

    def states(self):
        return [m.groupdict() for m in map(STATE_RE.match, self.err) if m]

    def stats(self):
        line = [l for l in self.out if l.startswith("stats: ")][-1]
        return {k: int(v) for k, v in (f.split("=") for f in line.split()[1:])}


class InterpCallTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tolk-interp-")
        self.demo = os.path.join(self.dir, "demo.json")
        self.broker = Broker(args=("--demo-session", self.demo))
        deadline = time.monotonic() + 20
        while not os.path.exists(self.demo):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        with open(self.demo) as f:
            self.info = json.load(f)
        self.calls = []
        for role, freq in TONES.items():
            write_tone(self.path(role + ".wav"), freq, 30)

    def tearDown(self):
        for c in self.calls:
            if c.proc.poll() is None:
                c.proc.kill()
                c.proc.wait()
        self.broker.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def call(self, role, seconds, *extra, wait_for=1):
        args = [TOLK_CALL, "--url", self.info["url"], "--token", self.info["tokens"][role],
                "--ca", self.info["ca"], "--in", self.path(role + ".wav"),
                "--out", self.path("heard-" + role + ".wav"),
                "--identity", self.path(role + ".key"), "--wait-for", str(wait_for),
                "--jitter-ms", "60", "--bitrate", "32000", "--seconds", str(seconds), *extra]
        c = Call(args)
        self.calls.append(c)
        return c

    def finish(self, *calls):
        for c in calls:
            self.assertEqual(c.finish(), 0, "%s\n%s" % ("\n".join(c.out), "\n".join(c.err)))

    def heard(self, role):
        return Heard(self.path("heard-" + role + ".wav"), TONES.values())

    def assert_hears(self, heard, role, t0, t1, what):
        level = db(heard.level(TONES[role], t0, t1))
        self.assertGreater(level, -3.0, "%s: %s at %.1f dB in %.2f..%.2f" %
                           (what, role, level, t0, t1))
        self.assertLess(level, 1.5, "%s: %s at %.1f dB" % (what, role, level))
        return level

    def assert_not_hears(self, heard, role, t0, t1, what):
        level = db(heard.trace(TONES[role], t0, t1))
        self.assertLess(level, -60.0, "%s: %s at %.1f dB in %.2f..%.2f" %
                        (what, role, level, t0, t1))
        return level

    @staticmethod
    def first(states, **want):
        for s in states:
            if all(s[k] == v for k, v in want.items()):
                return s
        raise AssertionError("no state with %s in %s" % (want, states))

    # (b), (c)
    def test_waiting_room_and_prebrief(self):
        clin = self.call("clinician", 9, "--lang", "nl", "--admit-after", "5", wait_for=2)
        interp = self.call("interpreter", 9, wait_for=2)
        clin.wait_for_line("joined as index ")
        interp.wait_for_line("joined as index ")
        client = self.call("client", 3, "--lang", "ar", wait_for=3)
        self.finish(clin, interp, client)

        cs = client.states()
        self.assertEqual(cs[0]["presence"], "waiting", cs)
        self.assertEqual(cs[0]["room"], "-")
        admitted = float(self.first(cs, presence="admitted")["t"])
        self.assertGreater(admitted, 2.0)  # it waited while the clinician had not admitted
        heard = self.heard("client")
        self.assertTrue(heard.silent(0, admitted), "the waiting client heard something")
        self.assert_hears(heard, "clinician", admitted + 0.6, admitted + 2.5, "client")
        self.assert_hears(heard, "interpreter", admitted + 0.6, admitted + 2.5, "client")
        st = client.stats()
        self.assertEqual((st["auth_failed"], st["forged"]), (0, 0), st)

        # The pre-brief, as the clinician and the interpreter heard it: each other only.
        index = client.index()
        for who, other in ((clin, "interpreter"), (interp, "clinician")):
            states = who.states()
            together = float(next(s for s in states if len(s["room"].split(",")) == 2)["t"])
            came_in = float(next(s for s in states if str(index) in s["room"].split(","))["t"])
            self.assertGreater(came_in - together, 2.0, states)
            role = "interpreter" if other == "clinician" else "clinician"
            h = self.heard(role)
            self.assert_hears(h, other, together + 0.6, came_in, role + " in the pre-brief")
            self.assert_not_hears(h, "client", together + 0.6, came_in,
                                  role + " in the pre-brief")
            self.assert_hears(h, "client", came_in + 0.6, came_in + 2.5, role + " after")

    # (a), (e)
    def test_simultaneous_ducks_the_floor_from_the_next_frame(self):
        clin = self.call("clinician", 10, "--lang", "nl", "--admit", "--mode", "simultaneous",
                         "--mode-after", "6", wait_for=3)
        interp = self.call("interpreter", 10, "--channel", "ar", "--signal", "slow_down@3",
                           wait_for=3)
        client = self.call("client", 10, "--lang", "ar", wait_for=3)
        self.finish(clin, interp, client)
        for who in (clin, client):  # the others in the interpreter's room see its signal
            self.assertIn("signal slow_down from %d" % interp.index(),
                          " ".join(l.split(" ", 2)[2] for l in who.err if " signal " in l))

        switch = self.first(client.states(), mode="simultaneous")
        self.assertEqual(switch["cause"], "mode")
        t = float(switch["t"])
        heard = self.heard("client")
        full = self.assert_hears(heard, "clinician", t - 2.0, t - 0.1, "client, consecutive")
        ducked = db(heard.level(TONES["clinician"], t + 0.1, t + 2.5))
        self.assertAlmostEqual(ducked - full, DUCK_DB, delta=1.0)
        interp_before = self.assert_hears(heard, "interpreter", t - 2.0, t - 0.1, "client")
        interp_after = self.assert_hears(heard, "interpreter", t + 0.1, t + 2.5, "client")
        self.assertAlmostEqual(interp_before, interp_after, delta=1.0)
        print("duck: the floor %.2f dB under its consecutive level (duck_floor_db %d)"
              % (ducked - full, -DUCK_DB))

        # (e) The state arrived between frames k-1 and k: frame k ramps down, and from frame
        # k+1 on the floor is never louder than ducked; before k it was at full level. (A frame
        # lost to a late packet is only quieter, so these hold on a busy machine too.)
        k = heard.frame_of(t)
        self.assertAlmostEqual(t * RATE / FRAME, k, delta=1e-6)
        f = TONES["clinician"]
        before = sorted(db(heard.amp(f, j)) for j in range(k - 25, k))
        self.assertAlmostEqual(before[len(before) // 2], full, delta=1.5)
        self.assertAlmostEqual(before[-1], full, delta=1.5)
        after = [db(heard.amp(f, j)) for j in range(k + 1, k + 26)]
        self.assertLess(max(after), ducked + 2.0, after)
        self.assertLess(db(heard.amp(f, k)), full + 1.5)

        # The interpreter hears the floor at full level, and nothing of itself.
        h = self.heard("interpreter")
        ti = float(self.first(interp.states(), mode="simultaneous")["t"])
        self.assert_hears(h, "clinician", ti + 0.6, ti + 2.5, "interpreter")
        self.assert_hears(h, "client", ti + 0.6, ti + 2.5, "interpreter")
        own = self.assert_not_hears(h, "interpreter", 0.5, h.frames * FRAME / RATE - 0.5,
                                    "interpreter")
        self.assertLess(own, -50.0)
        # The clinician (nl) hears no Arabic channel once simultaneous.
        hc = self.heard("clinician")
        tc = float(self.first(clin.states(), mode="simultaneous")["t"])
        self.assert_hears(hc, "interpreter", tc - 2.0, tc - 0.1, "clinician, consecutive")
        self.assert_not_hears(hc, "interpreter", tc + 0.6, tc + 2.5, "clinician, simultaneous")
        self.assert_hears(hc, "client", tc + 0.6, tc + 2.5, "clinician, simultaneous")

    # (d)
    def test_handover_is_gapless_and_the_leaver_is_keyed_out(self):
        clin = self.call("clinician", 15, "--admit", wait_for=3)
        client = self.call("client", 15, "--lang", "ar", wait_for=3)
        first = self.call("interpreter", 9, "--handover", "request@7", wait_for=3)
        first.wait_for_line("safety code: ")
        relief = self.call("relief_interpreter", 12, "--handover", "accept", wait_for=4)
        self.finish(clin, client, first, relief)

        a, b = first.index(), relief.index()
        self.assertTrue(any(re.search(r"handover request from %d$" % a, l) for l in relief.err),
                        relief.err)
        states = clin.states()
        joined = next(s for s in states if "#%d interpreter" % b in s["members"])
        self.assertIn("#%d interpreter admitted passive" % b, joined["members"])
        swap = next(s for s in states if "#%d interpreter admitted active" % b in s["members"])
        self.assertEqual(swap["cause"], "handover", swap)
        self.assertEqual(swap["epoch"], joined["epoch"])  # routing only: no new keys
        self.assertIn("#%d interpreter admitted passive" % a, swap["members"])
        left = next(s for s in states[states.index(swap):] if "#%d " % a not in s["members"])
        self.assertEqual(int(left["epoch"]), int(swap["epoch"]) + 1)
        self.assertNotIn(str(a), left["room"].split(","))
        lines = clin.out
        gone = [i for i, l in enumerate(lines) if l.startswith("participant %d left" % a)]
        self.assertEqual(len(gone), 1, lines)
        self.assertTrue([l for l in lines[gone[0]:] if l.startswith("safety code changed: ")])

        # The floor hears the first interpreter, then the relief, and no frame without either.
        t = float(swap["t"])
        heard = self.heard("clinician")
        fa, fb = TONES["interpreter"], TONES["relief_interpreter"]
        self.assert_hears(heard, "interpreter", t - 2.0, t - 0.1, "clinician, before")
        self.assert_not_hears(heard, "relief_interpreter", t - 2.0, t - 0.1, "clinician, before")
        self.assert_hears(heard, "relief_interpreter", t + 0.8, t + 3.0, "clinician, after")
        self.assert_not_hears(heard, "interpreter", t + 0.8, t + 3.0, "clinician, after")
        # The gap at the switch: frames between the first interpreter's last one and the
        # relief's first one (none if they overlap). Underruns anywhere else are the network's.
        window = range(heard.frame_of(t - 1.0), heard.frame_of(t + 1.5))
        first_b = next(k for k in window if db(heard.amp(fb, k)) > -10)
        last_a = max(k for k in window if k < first_b and db(heard.amp(fa, k)) > -10)
        gap = first_b - last_a - 1
        lost = [k for k in window if db(heard.amp(fa, k)) < -10 and db(heard.amp(fb, k)) < -10]
        print("hand-over: %d frames lost at the switch (%d frames without an interpreter in "
              "the 2.5 s around it)" % (gap, len(lost)))
        self.assertLessEqual(gap, 2, (last_a, first_b, lost))
        # The first interpreter was never fed a frame it could not open: it had every key of
        # its time and none after (e2ee unit tests prove it cannot open later frames).
        st = first.stats()
        self.assertEqual((st["auth_failed"], st["forged"], st["replayed"]), (0, 0, 0), st)
        self.assertGreater(st["decrypted"], 300, st)

    def test_sidebar_keeps_the_client_out_and_lets_it_back(self):
        clin = self.call("clinician", 12, "--admit", "--sidebar", "5:8", wait_for=3)
        interp = self.call("interpreter", 12, wait_for=3)
        client = self.call("client", 12, "--lang", "ar", wait_for=3)
        self.finish(clin, interp, client)

        cs = client.states()
        opened = self.first(cs, sidebar="open")
        closed = next(s for s in cs[cs.index(opened):] if s["sidebar"] == "closed")
        self.assertEqual(opened["room"], str(client.index()))
        self.assertGreater(int(opened["epoch"]), int(cs[0]["epoch"]))
        t0, t1 = float(opened["t"]), float(closed["t"])
        heard = self.heard("client")
        for role in ("clinician", "interpreter"):
            self.assert_hears(heard, role, t0 - 2.0, t0 - 0.1, "client before the sidebar")
            self.assert_not_hears(heard, role, t0 + 0.6, t1, "client in the sidebar")
            self.assert_hears(heard, role, t1 + 0.8, t1 + 2.5, "client after the sidebar")
        hc = self.heard("clinician")
        s0 = float(self.first(clin.states(), sidebar="open")["t"])
        self.assert_hears(hc, "interpreter", s0 + 0.6, s0 + 2.0, "clinician in the sidebar")
        self.assert_not_hears(hc, "client", s0 + 0.6, s0 + 2.0, "clinician in the sidebar")
        st = client.stats()
        self.assertEqual((st["auth_failed"], st["forged"]), (0, 0), st)

    def test_pause_silences_both_ways(self):
        clin = self.call("clinician", 11, "--admit", wait_for=2)
        client = self.call("client", 11, "--lang", "ar", "--pause", "4:7", "--mode",
                           "simultaneous", "--mode-after", "2", wait_for=2)
        self.finish(clin, client)
        # a client may not switch modes: refused with the broker's stable code, nothing changed
        self.assertTrue(any(l.endswith("refused: not_allowed (1201)") for l in client.err),
                        client.err)
        self.assertFalse([s for s in client.states() if s["mode"] != "consecutive"])

        cs = client.states()
        paused = self.first(cs, presence="paused")
        resumed = next(s for s in cs[cs.index(paused):] if s["presence"] == "admitted")
        self.assertEqual(paused["epoch"], resumed["epoch"])  # no new keys for a pause
        heard = self.heard("client")
        p0, p1 = float(paused["t"]), float(resumed["t"])
        self.assertTrue(heard.silent(p0 + 0.02, p1), "a paused client played something")
        self.assert_hears(heard, "clinician", p1 + 0.8, p1 + 2.0, "client after the pause")
        hc = self.heard("clinician")
        states = clin.states()
        c0 = next(s for s in states if re.search(r"#%d client paused" % client.index(),
                                                  s["members"]))
        c1 = next(s for s in states[states.index(c0):]
                  if re.search(r"#%d client admitted" % client.index(), s["members"]))
        self.assert_not_hears(hc, "client", float(c0["t"]) + 0.6, float(c1["t"]),
                              "clinician while the client pauses")
        self.assert_hears(hc, "client", float(c1["t"]) + 0.8, float(c1["t"]) + 2.0,
                          "clinician after the pause")


if __name__ == "__main__":
    tolktest.main()
