#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

The seeds are small and made by hand: the examples of docs/PROTOCOL.md and docs/API.md (with
real base64 and hex where the docs abbreviate), RFC 9605's published SFrame frames, the shipped
config/tolkd.conf and variants of it, and a few WAV files of every shape the reader accepts.
They are committed; rerun this after changing it (it replaces the seeds it writes and leaves
other files, such as regression inputs, alone). Nothing here is random.
"""
import base64
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VECTORS = os.path.join(ROOT, "..", "shared", "vectors", "sframe-rfc9605-test-vectors.json")


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def j(obj):
    return json.dumps(obj, separators=(",", ":"))


def b64(n, fill):
    return base64.b64encode(bytes([fill]) * n).decode()


def b64url(n, fill):
    return base64.urlsafe_b64encode(bytes([fill]) * n).decode().rstrip("=")


def proto_seeds():
    ident, token, resume = b64(32, 7), b64url(32, 9), b64url(32, 11)
    session = "9f86d081884c7d659a2feaa0c55ad015"
    member = {"index": 0, "role": "clinician", "presence": "admitted", "lang": "nl",
              "recording": False}
    seeds = {
        "hello": {"type": "hello", "versions": [1], "software": "libtolk/0.1.0"},
        "hello-reply": {"type": "hello", "version": 1, "software": "tolkd/0.1.0",
                        "keepalive_s": 20},
        "error-version": {"type": "error", "code": 1004, "name": "unsupported_version",
                          "message": "no version in common", "supported": [1]},
        "error": {"type": "error", "code": 1201, "name": "not_allowed",
                  "message": "only the clinician may admit"},
        "join": {"type": "join", "token": token, "identity": ident},
        "join-resume-lang": {"type": "join", "token": token, "identity": ident,
                             "resume": resume, "lang": "prs-AF"},
        "joined": {"type": "joined", "session": session, "index": 2, "role": "interpreter",
                   "epoch": 5, "resume": resume,
                   "participants": [{"index": 0, "role": "clinician", "identity": ident},
                                    {"index": 1, "role": "client", "identity": ident}]},
        "participant-joined": {"type": "participant_joined", "index": 1, "role": "client",
                               "identity": ident, "epoch": 6},
        "participant-left": {"type": "participant_left", "index": 1, "reason": "left",
                             "epoch": 7},
        "key": {"type": "key", "to": 1, "epoch": 6, "sealed": b64(80, 3),
                "sig": b64(64, 5)},
        "key-from": {"type": "key", "from": 0, "to": 1, "epoch": 6, "sealed": b64(80, 3),
                     "sig": b64(64, 5)},
        "leave": {"type": "leave"},
        "state": {"type": "state", "epoch": 9, "mode": "simultaneous", "sidebar": False,
                  "recording_allowed": False, "duck_cb": -150,
                  "participants": [
                      member,
                      dict(member, index=1, role="client", lang="ar"),
                      dict(member, index=2, role="interpreter", interpreter="active",
                           channel="ar"),
                      dict(member, index=3, role="interpreter", interpreter="passive",
                           channel="ar")],
                  "room": [0, 1, 2, 3],
                  "gains": [{"from": 0, "gain_cb": -150}, {"from": 2, "gain_cb": 0}],
                  "cause": {"type": "mode", "by": 0}},
        "state-waiting": {"type": "state", "epoch": 0, "mode": "consecutive",
                          "sidebar": True, "recording_allowed": True, "duck_cb": 0,
                          "participants": [dict(member, presence="waiting", lang="")],
                          "room": [], "gains": []},
        "admit": {"type": "admit", "index": 1, "readmit": True},
        "hold": {"type": "hold", "index": 1},
        "remove": {"type": "remove", "index": 1, "session": session},
        "sidebar": {"type": "sidebar", "open": True},
        "mode": {"type": "mode", "mode": "simultaneous"},
        "channel": {"type": "channel", "channel": "nl"},
        "signal": {"type": "signal", "signal": "slow_down"},
        "signal-from": {"type": "signal", "signal": "repeat", "from": 2},
        "handover": {"type": "handover", "action": "request"},
        "handover-accepted": {"type": "handover", "action": "accepted", "from": 3},
        "pause": {"type": "pause", "paused": True},
        "recording": {"type": "recording", "on": True},
    }
    for name, obj in seeds.items():
        write("proto", name + ".json", j(obj))
    # Shapes the decoder must refuse.
    write("proto", "bad-json.json", '{"type":"hello",')
    write("proto", "duplicate-key.json", '{"type":"leave","type":"leave"}')
    write("proto", "nul-in-string.json", '{"type":"hello","version":1,"software":"a\\u0000b"}')


def sframe_seeds():
    with open(VECTORS) as f:
        vectors = json.load(f)
    for v in vectors["sframe"]:
        write("sframe", "rfc9605-suite%d.bin" % v["cipher_suite"], bytes.fromhex(v["ct"]))
    # A few of the header vectors, each followed by a 16-byte tag's worth of bytes.
    for v in vectors["header"][::24]:
        write("sframe", "header-kid%d-ctr%d.bin" % (v["kid"], v["ctr"]),
              bytes.fromhex(v["encoded"]) + bytes(range(16)))
    write("sframe", "empty.bin", b"")


def config_seeds():
    with open(os.path.join(ROOT, "config", "tolkd.conf"), "rb") as f:
        write("config", "tolkd.conf", f.read())
    write("config", "every-key.conf", """\
[server]
listen = [::1]:0
event_loop = poll
[tls]
certificate = /etc/tolk/cert.pem
private_key = /etc/tolk/key.pem
[store]
database = sqlite:/var/lib/tolk/tolk.db
data_key_file = /var/lib/tolk/data.key
retention_days = 3650
[log]
level = debug
[limits]
max_connections = 100000
max_message_bytes = 1048576
send_queue_depth = 4
[appointments]
join_early_minutes = 240
join_grace_minutes = 0
[session]
duck_floor_db = 60
allow_recording = yes
""")
    write("config", "bad-value.conf", "[limits]\nmax_connections = lots\n")
    write("config", "unknown-section.conf", "[sever]\nlisten = :8443\n")
    write("config", "key-after-section.conf", "[server] listen = 127.0.0.1:1\n")
    write("config", "twice.conf", "[log]\nlevel = info\nlevel = warn\n")
    write("config", "comments.conf", "; a comment\n# another\n\n[server]\n  listen = :1 ; x\n")
    write("config", "long-line.conf", "[tls]\ncertificate = " + "a" * 300 + "\n")


def wav(channels, rate, frames, ext=False, extra=b"", odd_chunk=False):
    data = b"".join(struct.pack("<h", (i * 997) % 65536 - 32768) for i in range(frames * channels))
    if ext:
        guid = struct.pack("<H", 1) + bytes.fromhex("000000001000800000aa00389b71")
        fmt = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * 2 * channels,
                          2 * channels, 16, 22, 16, 0) + guid
    else:
        fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * 2 * channels, 2 * channels, 16)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if odd_chunk:
        chunks += b"LIST" + struct.pack("<I", 3) + b"abc" + b"\0"
    chunks += extra
    chunks += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def wav_seeds():
    write("wav", "mono-48k.wav", wav(1, 48000, 64))
    write("wav", "stereo-16k.wav", wav(2, 16000, 32))
    write("wav", "mono-8k-extensible.wav", wav(1, 8000, 16, ext=True))
    write("wav", "odd-chunk.wav", wav(1, 44100, 20, odd_chunk=True))
    write("wav", "empty-data.wav", wav(1, 48000, 0))
    write("wav", "float.wav", wav(1, 48000, 4).replace(b"\x01\x00\x01\x00", b"\x03\x00\x01\x00", 1))
    write("wav", "truncated.wav", wav(1, 48000, 64)[:60])


def req(who, method, target, body=None):
    text = who + method + " " + target + "\n"
    if body is not None:
        text += body if isinstance(body, str) else j(body)
    return text


def api_seeds():
    # The request format of fuzz_api.c: "<who><METHOD> <path>[?query]", a newline, the body;
    # requests separated by a line "--". Who: a admin, s staff, c clinician, i/j interpreters.
    client = {"alias": "Client R", "languages": [{"tag": "prs-AF", "dialect_required": True},
                                                 {"tag": "fa"}],
              "written_language": "fa", "gender_preference": "f",
              "prefer_same_interpreter": True, "support_person_alias": "sister",
              "contact": "+31 6 1234 5678"}
    interpreter = {"account_id": 5, "code": "INT-0043", "gender": "m",
                   "time_zone": "Europe/Amsterdam", "language_pairs": [{"a": "prs-AF", "b": "nl"}],
                   "availability": [{"day": 0, "start_minute": 540, "end_minute": 1020}]}
    booking = {"client_id": 1, "clinician_id": 3, "interpreter_id": 4, "mode": "consecutive",
               "starts_at": "2100-01-02T10:00", "ends_at": "2100-01-02T11:00",
               "time_zone": "Europe/Amsterdam"}
    seeds = {
        "login": req("n", "POST", "/login", {"username": "desk-1",
                                              "password": "fuzzing password 1"}),
        "login-wrong": req("n", "POST", "/login", {"username": "desk-1", "password": "x" * 12}),
        "logout-me": req("s", "POST", "/logout") + "\n--\n" + req("s", "GET", "/me"),
        "me": req("c", "GET", "/me"),
        "account-create": req("a", "POST", "/accounts", {"username": "desk-2",
                                                         "password": "another good password",
                                                         "role": "staff"}),
        "account-create-abandoned": req("A", "POST", "/accounts",
                                        {"username": "desk-3", "password": "another password",
                                         "role": "clinician"}),
        "account-list": req("a", "GET", "/accounts?after=1&limit=2"),
        "account-disable": req("a", "PATCH", "/accounts/2", {"disabled": True}) + "\n--\n" +
                           req("s", "GET", "/me"),
        "audit": req("a", "GET", "/audit?after=0&limit=5"),
        "audit-verify": req("a", "GET", "/audit/verify"),
        "client-create": req("s", "POST", "/clients", client),
        "client-list": req("c", "GET", "/clients?q=Cli&limit=10"),
        "client-get": req("s", "GET", "/clients/1"),
        "client-patch": req("s", "PATCH", "/clients/1", {"languages": [{"tag": "ar"}],
                                                          "contact": None}),
        "client-exclude": req("c", "POST", "/clients/1/exclusions",
                              {"interpreter_id": 4, "reason": "never_again"}),
        "client-unknown-field": req("s", "POST", "/clients", dict(client, nationality="x")),
        "interpreter-create": req("s", "POST", "/interpreters", interpreter),
        "interpreter-list": req("s", "GET", "/interpreters?after=0&limit=100"),
        "interpreter-get-own": req("i", "GET", "/interpreters/4"),
        "interpreter-patch": req("s", "PATCH", "/interpreters/4",
                                 {"code": "INT-0044", "gender": None,
                                  "language_pairs": [{"a": "fa", "b": "nl"}]}),
        "interpreter-availability": req("s", "PUT", "/interpreters/4/availability",
                                        {"slots": [{"day": 6, "start_minute": 1320,
                                                    "end_minute": 1440}]}),
        "interpreter-exception": req("s", "POST", "/interpreters/4/exceptions",
                                     {"starts_at": "2100-01-01T00:00",
                                      "ends_at": "2100-01-02T00:00"}),
        "clinician-create": req("s", "POST", "/clinicians",
                                {"account_id": 3, "time_zone": "Europe/Berlin",
                                 "languages": ["de", "en-GB"],
                                 "working_hours": [{"day": 4, "start_minute": 480,
                                                    "end_minute": 960}]}),
        "clinician-list": req("s", "GET", "/clinicians"),
        "clinician-get": req("c", "GET", "/clinicians/3"),
        "clinician-patch": req("s", "PATCH", "/clinicians/3", {"time_zone": "UTC"}),
        "appointment-book": req("s", "POST", "/appointments", booking),
        "appointment-conflict": req("s", "POST", "/appointments",
                                    dict(booking, starts_at=4102444800, ends_at=4102448400)),
        "appointment-list": req("i", "GET", "/appointments?from=2100-01-01T00:00&to=0&tz=UTC"),
        "appointment-get": req("c", "GET", "/appointments/1?tz=Asia/Kabul"),
        "appointment-move": req("s", "PATCH", "/appointments/1",
                                {"starts_at": 4102448400, "ends_at": 4102452000,
                                 "interpreter_id": None}),
        "appointment-cancel": req("s", "POST", "/appointments/1/cancel"),
        "appointment-tokens": req("s", "POST", "/appointments/1/tokens",
                                  {"support_person": True}) + "\n--\n" +
                              req("s", "POST", "/appointments/1/tokens/revoke",
                                  {"role": "support"}),
        "appointment-suggest": req("s", "GET", "/appointments/1/suggestions"),
        "dst-gap": req("s", "POST", "/interpreters/4/exceptions",
                       {"starts_at": "2100-03-28T02:30", "ends_at": "2100-03-29T02:30",
                        "time_zone": "Europe/Amsterdam"}),
        "method-not-allowed": req("s", "DELETE", "/clients/1"),
        "not-found": req("s", "GET", "/nothing/here"),
        "bad-json": req("s", "POST", "/clients", '{"alias":'),
        "forbidden": req("i", "GET", "/accounts"),
        "unauthenticated": req("x", "GET", "/me"),
        # Regression: the store bound a gender from a returned stack frame (commit 2bb6e19).
        "regress-gender-bound-by-copy": "\n--\n".join([
            req("s", "POST", "/clients", dict(client, gender_preference="x")),
            req("s", "GET", "/clients/2"),
            req("s", "POST", "/interpreters", interpreter),
            req("s", "PATCH", "/interpreters/5", {"gender": "f"})]),
    }
    for name, text in seeds.items():
        write("api", name + ".txt", text)


def main():
    proto_seeds()
    sframe_seeds()
    config_seeds()
    wav_seeds()
    api_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
