"""Three real libtolk participants (tolk-call) in one end-to-end-encrypted session through the
real tolkd over TLS: speech arrives bit-exact, the broker only ever relays ciphertext, safety
codes agree, a leave moves the others to a new epoch, and a dropped connection comes back.
The client joins in the waiting room; the clinician admits it as it arrives (--admit), and
everyone waits for all three in its room (--wait-for 3) before speaking."""

import json
import math
import os
import random
import shutil
import struct
import subprocess
import tempfile
import time
import unittest
import wave

import tolktest
from tolktest import Broker, metrics

BUILD = os.environ.get("TOLK_BUILD_DIR", "")
TOLK_CALL = os.path.join(BUILD, "client-lib", "tolk-call")
ROUNDTRIP = os.path.join(BUILD, "tests", "opus-roundtrip")
TOLKD_TEST = os.path.join(BUILD, "broker", "tolkd-test")
RATE = 48000


def speech_like(path, seconds, f0, seed):
    """Voiced syllables with a gliding pitch and formant-shaped harmonics, pauses and
    fricative noise bursts: close enough to speech to exercise Opus's SILK and CELT modes."""
    rnd = random.Random(seed)
    n = int(seconds * RATE)
    samples = []
    phase = 0.0
    for i in range(n):
        t = i / RATE
        syllable = (t * 4.0) % 1.0
        envelope = math.sin(math.pi * syllable) ** 2 if syllable < 0.7 else 0.0
        pitch = f0 * (1.0 + 0.15 * math.sin(2 * math.pi * 0.7 * t))
        phase += 2 * math.pi * pitch / RATE
        voiced = sum(math.sin(k * phase) / k * (1.6 if 3 <= k <= 5 else 1.0)
                     for k in range(1, 14))
        noise = rnd.uniform(-1, 1) * (0.6 if 0.72 < syllable < 0.8 else 0.01)
        samples.append(int(max(-1.0, min(1.0, 0.22 * envelope * voiced + 0.25 * noise)) * 32000))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack("<%dh" % n, *samples))


def read_wav(path):
    with wave.open(path, "rb") as w:
        data = w.readframes(w.getnframes())
    return struct.unpack("<%dh" % (len(data) // 2), data)


def read_packets(path):
    out = []
    with open(path, "rb") as f:
        data = f.read()
    at = 0
    while at < len(data):
        n = (data[at] << 8) | data[at + 1]
        out.append(data[at + 2:at + 2 + n])
        at += 2 + n
    return out


class CallBase(unittest.TestCase):
    SECONDS = 3.0
    BITRATE = 16000
    FRAME_MS = 20
    BROKER_ENV = {}

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tolk-call-")
        self.demo = os.path.join(self.dir, "demo.json")
        self.tap = os.path.join(self.dir, "tap.bin")
        self.start_broker(TOLKD_TEST_TAP=self.tap, **self.BROKER_ENV)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.demo):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        time.sleep(0.1)
        with open(self.demo) as f:
            self.info = json.load(f)
        self.roles = ("clinician", "interpreter", "client")
        for i, role in enumerate(self.roles):
            speech_like(self.path(role + ".wav"), self.SECONDS, 110 + 45 * i, i)

    def start_broker(self, **env):
        saved_env = dict(os.environ)
        os.environ.update(env)
        tolktest.TOLKD, saved = TOLKD_TEST, tolktest.TOLKD
        try:
            self.broker = Broker(args=("--demo-session", self.demo))
        finally:
            tolktest.TOLKD = saved
            os.environ.clear()
            os.environ.update(saved_env)

    def tearDown(self):
        self.broker.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def call(self, role, extra=(), seconds=None, url=None):
        if role == "clinician":  # the client joins in the waiting room: let it in, as it comes
            extra = ("--admit", *extra)
        out_dir = self.path("from-" + role)
        os.makedirs(out_dir, exist_ok=True)
        args = [TOLK_CALL, "--url", url or self.info["url"], "--token", self.info["tokens"][role],
                "--ca", self.info["ca"], "--in", self.path(role + ".wav"),
                "--out", self.path("heard-" + role + ".wav"), "--out-dir", out_dir,
                "--identity", self.path(role + ".key"), "--wait-for", "3",
                "--jitter-ms", "200", "--bitrate", str(self.BITRATE),
                "--frame-ms", str(self.FRAME_MS),
                "--seconds", str(seconds or self.SECONDS + 1.5), *extra]
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def run_three(self):
        procs = {role: self.call(role) for role in self.roles}
        results = {}
        for role, p in procs.items():
            out, err = p.communicate(timeout=120)
            results[role] = (p.returncode, out, err)
        return results

    @staticmethod
    def stats(out):
        line = [l for l in out.splitlines() if l.startswith("stats: ")][-1]
        return {k: int(v) for k, v in (f.split("=") for f in line.split()[1:])}


class CallTest(CallBase):
    def test_three_way_call_is_bit_exact_and_private(self):
        results = self.run_three()
        for role, (rc, out, err) in results.items():
            self.assertEqual(rc, 0, "%s: %s %s" % (role, out, err))
        codes = {role: [l for l in out.splitlines() if l.startswith("safety code: ")]
                 for role, (_, out, _) in results.items()}
        firsts = {role: lines[0] for role, lines in codes.items()}
        self.assertEqual(len(set(firsts.values())), 1, firsts)
        self.assertRegex(firsts["client"], r"^safety code: \d{4} \d{4} \d{4} \(\w+( \w+){5}\)$")

        indexes = {}
        for role, (_, out, _) in results.items():
            line = [l for l in out.splitlines() if l.startswith("joined as index ")][0]
            indexes[role] = int(line.split()[3])
        expected = {}
        for role in self.roles:
            ref, pkts = self.path("ref-" + role + ".wav"), self.path("pkts-" + role)
            subprocess.run([ROUNDTRIP, self.path(role + ".wav"), ref, pkts, str(self.BITRATE),
                            str(self.FRAME_MS), "3"], check=True)
            expected[role] = (read_wav(ref), read_packets(pkts))
        speech_len = int(self.SECONDS * RATE)
        for receiver in self.roles:
            for sender in self.roles:
                if sender == receiver:
                    continue
                got = read_wav(os.path.join(self.path("from-" + receiver),
                                            "from-%d.wav" % indexes[sender]))
                want = expected[sender][0]
                self.assertGreaterEqual(len(got), speech_len, (receiver, sender))
                self.assertEqual(got, want[:len(got)], "%s hearing %s" % (receiver, sender))

        with open(self.tap, "rb") as f:
            tap = f.read()
        self.assertGreater(len(tap), 3 * 2 * 100 * 40)  # the tap did see the relayed frames
        checked = 0
        for _, packets in expected.values():
            for pkt in packets:
                if len(pkt) >= 12:
                    self.assertNotIn(pkt[:12], tap)
                    checked += 1
        self.assertGreater(checked, 300)
        m = metrics(self.broker.port)
        self.assertEqual(m["tolk_dropped_forged_sender_total"], 0)

    def test_leave_moves_the_others_to_a_new_epoch(self):
        procs = {role: self.call(role, seconds=(1.5 if role == "client" else 4.0))
                 for role in self.roles}
        results = {role: p.communicate(timeout=120) for role, p in procs.items()}
        for role, p in procs.items():
            self.assertEqual(p.returncode, 0, results[role])
        client = int([l for l in results["client"][0].splitlines()
                      if l.startswith("joined as index ")][0].split()[3])
        after_leave = {}
        for role in ("clinician", "interpreter"):
            lines = results[role][0].splitlines()
            first = [l for l in lines if l.startswith("safety code: ")][0]
            gone = [i for i, l in enumerate(lines)
                    if l.startswith("participant %d left (left), epoch " % client)]
            self.assertEqual(len(gone), 1, lines)
            changed = [l for l in lines[gone[0]:] if l.startswith("safety code changed: ")]
            self.assertTrue(changed, lines)  # keys re-agreed in the new epoch
            after_leave[role] = changed[0].split(": ", 1)[1]
            self.assertNotEqual(after_leave[role], first.split(": ", 1)[1])
        self.assertEqual(after_leave["clinician"], after_leave["interpreter"])

    def test_bad_token_is_a_clear_error(self):
        p = subprocess.run([TOLK_CALL, "--url", self.info["url"], "--token", "A" * 43, "--ca",
                            self.info["ca"], "--in", self.path("client.wav"), "--out",
                            self.path("x.wav")], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("invalid_token", p.stderr)
        p = subprocess.run([TOLK_CALL, "--url", self.info["url"], "--token",
                            self.info["tokens"]["client"], "--in", self.path("client.wav"),
                            "--out", self.path("x.wav")], capture_output=True, text=True,
                           timeout=60)
        self.assertNotEqual(p.returncode, 0)  # no --ca: the dev certificate is not trusted
        self.assertIn("TLS", p.stderr)


class CompromisedBrokerTest(CallBase):
    """A broker that flips a bit in every 7th frame it relays and sends every 11th twice."""
    BROKER_ENV = {"TOLKD_TEST_TAMPER_EVERY": "7", "TOLKD_TEST_REPLAY_EVERY": "11"}

    def test_tampered_and_replayed_frames_are_rejected_and_the_call_goes_on(self):
        results = self.run_three()
        for role, (rc, out, err) in results.items():
            self.assertEqual(rc, 0, "%s: %s %s" % (role, out, err))
            st = self.stats(out)
            self.assertGreater(st["auth_failed"], 10, (role, st))
            self.assertGreater(st["replayed"], 5, (role, st))
            self.assertEqual(st["forged"], 0, (role, st))
            # the two others send ~2 x 225 frames; about 1/7 are tampered, 1/11 replayed
            self.assertGreater(st["decrypted"], 250, (role, st))
            self.assertGreater(st["played"], 250, (role, st))


class TcpProxy:
    """A plain TCP relay on 127.0.0.1 whose connections the test can cut, as a bad network
    would: TLS runs end to end through it."""

    def __init__(self, port):
        import socket
        import threading
        self.upstream = port
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.conns = []
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        import socket
        import threading
        while True:
            try:
                down, _ = self.listener.accept()
            except OSError:
                return
            up = socket.create_connection(("127.0.0.1", self.upstream))
            with self.lock:
                self.conns += [down, up]
            for a, b in ((down, up), (up, down)):
                threading.Thread(target=self.pump, args=(a, b), daemon=True).start()

    @staticmethod
    def pump(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.close()
            except OSError:
                pass

    def cut(self):
        import socket
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.conns = []

    def close(self):
        self.cut()
        self.listener.close()


class ReconnectTest(CallBase):
    SECONDS = 6.0

    def test_dropped_connection_rejoins_and_hears_again(self):
        proxy = TcpProxy(self.broker.port)
        self.addCleanup(proxy.close)
        via_proxy = "wss://127.0.0.1:%d/ws" % proxy.port
        procs = {role: self.call(role, url=via_proxy if role == "client" else None)
                 for role in self.roles}
        deadline = time.monotonic() + 30
        while metrics(self.broker.port)["tolk_media_frames_in_total"] < 300:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)
        proxy.cut()
        results = {role: p.communicate(timeout=120) for role, p in procs.items()}
        for role, p in procs.items():
            self.assertEqual(p.returncode, 0, results[role])
        out, err = results["client"]
        self.assertIn("connection lost", err)
        self.assertEqual(out.count("joined as index "), 2, out)
        st = self.stats(out)
        self.assertGreaterEqual(st["reconnects"], 1)
        client = int(out.split("joined as index ")[1].split()[0])
        for role in ("clinician", "interpreter"):
            lines = results[role][0]
            self.assertRegex(lines, r"participant %d left \((dropped|replaced)\)" % client)
            self.assertEqual(lines.count("participant %d joined" % client), 2, lines)
        # it hears again: more frames played than the ~2 x 75 before the cut
        self.assertGreater(st["played"], 300, st)


if __name__ == "__main__":
    tolktest.main()
