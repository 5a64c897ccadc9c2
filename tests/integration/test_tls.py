"""The TLS that tolkd offers, checked from outside with sslscan (Debian's package; its --xml
report is parsed): no SSL 2 or 3, TLS 1.0 or 1.1; TLS 1.2 and 1.3; only forward-secret AEAD
suites (no NULL, EXPORT, RC4, DES or 3DES, MD5, anonymous or CBC suites); key exchange groups of
at least 112 bits; no insecure renegotiation; not vulnerable to Heartbleed; a certificate whose
key is strong enough and whose signature uses no MD5 or SHA-1. With the test's ECDSA P-256
certificate and with an RSA 2048 one (the ECDHE-RSA suites). And tolkd refuses to start with a
key under 112 bits of security, in one clear line. docs/SECURITY.md, "TLS".

Environment (set by CTest): TOLKD, TOLK_TEST_CERTS.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

import tolktest
from tolktest import Broker

SSLSCAN = shutil.which("sslscan")
WEAK_NAME = re.compile(r"NULL|EXP|RC4|DES|MD5|ANON|ADH|AECDH|CBC|IDEA|SEED|PSK|SRP", re.I)
AEAD = re.compile(r"GCM|CHACHA20[-_]POLY1305|CCM")


def scan(port, workdir):
    out = os.path.join(workdir, "scan.xml")
    r = subprocess.run([SSLSCAN, "--no-colour", "--xml=" + out, "127.0.0.1:%d" % port],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError("sslscan failed: " + r.stdout + r.stderr)
    root = ET.parse(out).getroot()
    test = root.find("ssltest")
    if test is None:
        raise AssertionError("sslscan reported nothing: " + r.stdout)
    return test


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=120)


@unittest.skipUnless(SSLSCAN, "sslscan is not installed (tools/install-deps.sh installs it)")
class TlsScanTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tolk-tls-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def check(self, test, key_type, min_key_bits):
        protocols = {(p.get("type"), p.get("version")): p.get("enabled")
                     for p in test.findall("protocol")}
        self.assertEqual(protocols, {("ssl", "2"): "0", ("ssl", "3"): "0", ("tls", "1.0"): "0",
                                     ("tls", "1.1"): "0", ("tls", "1.2"): "1",
                                     ("tls", "1.3"): "1"})
        ciphers = test.findall("cipher")
        self.assertTrue(ciphers)
        versions = set()
        for c in ciphers:
            name, version = c.get("cipher"), c.get("sslversion")
            versions.add(version)
            self.assertIn(version, ("TLSv1.2", "TLSv1.3"), name)
            self.assertIsNone(WEAK_NAME.search(name), name)
            self.assertRegex(name, AEAD, name)
            self.assertGreaterEqual(int(c.get("bits")), 128, name)
            self.assertNotIn(c.get("strength"), ("null", "anonymous", "weak", "medium"), name)
            if version == "TLSv1.2":
                self.assertTrue(name.startswith("ECDHE-"), name)  # forward secret
                self.assertIn(key_type, name)  # the certificate's own kind of suite
        self.assertEqual(versions, {"TLSv1.2", "TLSv1.3"})
        for g in test.findall("group"):
            self.assertGreaterEqual(int(g.get("bits")), 112, g.get("name"))
        renegotiation = test.find("renegotiation")
        self.assertTrue(renegotiation.get("supported") == "0" or renegotiation.get("secure") == "1")
        for h in test.findall("heartbleed"):
            self.assertEqual(h.get("vulnerable"), "0", h.get("sslversion"))
        cert = test.find("certificates/certificate")
        self.assertNotRegex(cert.findtext("signature-algorithm"), re.compile(r"md5|sha1", re.I))
        pk = cert.find("pk")
        self.assertEqual(pk.get("error"), "false")
        self.assertGreaterEqual(int(pk.get("bits")), min_key_bits)
        self.assertEqual(cert.findtext("expired"), "false")
        return {(c.get("sslversion"), c.get("cipher")) for c in ciphers}

    def test_ecdsa_certificate(self):
        broker = Broker()
        self.addCleanup(broker.stop)
        test = scan(broker.port, self.dir)
        self.assertEqual(test.find("certificates/certificate/pk").get("type"), "EC")
        suites = self.check(test, "ECDSA", 128)  # EC: sslscan reports security bits
        self.assertIn(("TLSv1.3", "TLS_AES_128_GCM_SHA256"), suites)
        self.assertIn(("TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256"), suites)

    def test_rsa_certificate(self):
        key, cert = os.path.join(self.dir, "key.pem"), os.path.join(self.dir, "cert.pem")
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                "-days", "30", "-sha256", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1")
        broker = Broker(cert=cert, key=key)
        self.addCleanup(broker.stop)
        test = scan(broker.port, self.dir)
        self.assertEqual(test.find("certificates/certificate/pk").get("type"), "RSA")
        suites = self.check(test, "RSA", 2048)  # RSA: sslscan reports the modulus
        self.assertIn(("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"), suites)


class WeakKeyTest(unittest.TestCase):
    def test_weak_keys_are_refused_at_start(self):
        tmp = tempfile.mkdtemp(prefix="tolk-tls-")
        self.addCleanup(shutil.rmtree, tmp, True)
        for name, newkey in (("rsa1024", ["-newkey", "rsa:1024"]),
                             ("ec192", ["-newkey", "ec", "-pkeyopt",
                                        "ec_paramgen_curve:secp192k1"])):
            key, cert = os.path.join(tmp, name + ".key"), os.path.join(tmp, name + ".pem")
            openssl("req", "-x509", *newkey, "-nodes", "-keyout", key, "-out", cert, "-days",
                    "30", "-subj", "/CN=localhost")
            conf = os.path.join(tmp, name + ".conf")
            with open(conf, "w") as f:
                f.write("[tls]\ncertificate = %s\nprivate_key = %s\n[store]\ndatabase = %s\n"
                        "data_key_file = %s\n" % (cert, key, os.path.join(tmp, name + ".db"),
                                                  os.path.join(tmp, name + ".datakey")))
            r = tolktest.run_tolkd(["--config", conf, "--listen", "127.0.0.1:0"])
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertRegex(r.stderr, r"tolkd: TLS key of the certificate .* is too weak: "
                                       r"\d+-bit \w+, 80 bits of security \(at least 112")


if __name__ == "__main__":
    tolktest.main()
