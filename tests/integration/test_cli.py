"""tolkd's command line and start-up checks: every bad start is one clear line on stderr and a
non-zero exit, and nothing already stored is changed."""

import hashlib
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import tempfile
import unittest

import tolktest
from tolktest import CERTS, run_tolkd


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class CliTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tolk-cli-")

    def tearDown(self):
        for root, dirs, _ in os.walk(self.dir):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o700)
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_config(self, body="", **paths):
        defaults = {
            "certificate": os.path.join(CERTS, "cert.pem"),
            "private_key": os.path.join(CERTS, "key.pem"),
            "database": os.path.join(self.dir, "data", "tolk.db"),
            "data_key_file": os.path.join(self.dir, "data", "data.key"),
        }
        defaults.update(paths)
        path = os.path.join(self.dir, "tolkd.conf")
        with open(path, "w") as f:
            f.write("[tls]\ncertificate = %(certificate)s\nprivate_key = %(private_key)s\n"
                    "[store]\ndatabase = %(database)s\ndata_key_file = %(data_key_file)s\n"
                    % defaults)
            f.write(body)
        return path

    def assert_one_line_failure(self, result, *needles):
        self.assertNotEqual(result.returncode, 0, result.stderr)
        lines = [l for l in result.stderr.splitlines() if l.startswith("tolkd: ")]
        self.assertEqual(len(lines), 1, result.stderr)
        for needle in needles:
            self.assertIn(needle, lines[0])

    def test_version_and_help(self):
        result = run_tolkd(["--version"])
        self.assertEqual((result.returncode, result.stdout), (0, "tolkd 0.2.0\n"))
        result = run_tolkd(["--help"])
        self.assertEqual(result.returncode, 0)
        for flag in ("--config", "--listen", "--check-config", "--version", "--help"):
            self.assertIn(flag, result.stdout)

    def test_bad_flags(self):
        self.assert_one_line_failure(run_tolkd(["--bogus"]), "--bogus")
        self.assert_one_line_failure(run_tolkd(["--config"]), "--config")
        self.assert_one_line_failure(run_tolkd(["extra"]), "extra")
        self.assert_one_line_failure(run_tolkd(["--listen", "127.0.0.1:99999"]), "--listen")
        self.assert_one_line_failure(run_tolkd(["--listen", "nohost"]), "--listen")

    def test_check_config(self):
        good = self.write_config("[limits]\nmax_connections = 10\n")
        result = run_tolkd(["--config", good, "--check-config"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("ok", result.stdout)
        bad = self.write_config("\n[limits]\nmax_connections = lots\n")
        result = run_tolkd(["--config", bad, "--check-config"])
        self.assert_one_line_failure(result, "tolkd.conf:9", "max_connections", "lots")
        missing = run_tolkd(["--config", os.path.join(self.dir, "none.conf"), "--check-config"])
        self.assert_one_line_failure(missing, "none.conf")

    def test_shipped_config_is_valid(self):
        shipped = os.path.join(os.environ["TOLK_SOURCE_DIR"], "config", "tolkd.conf")
        result = run_tolkd(["--config", shipped, "--check-config"])
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_missing_certificate(self):
        conf = self.write_config(certificate=os.path.join(self.dir, "nope.pem"))
        self.assert_one_line_failure(run_tolkd(["--config", conf]), "nope.pem",
                                     "No such file")

    def test_key_that_does_not_match(self):
        other = os.path.join(self.dir, "other")
        subprocess.run([os.path.join(os.environ["TOLK_SOURCE_DIR"], "tools", "dev-cert.sh"),
                        other], check=True, capture_output=True)
        conf = self.write_config(private_key=os.path.join(other, "key.pem"))
        self.assert_one_line_failure(run_tolkd(["--config", conf]), "does not match")

    def test_unwritable_data_directory(self):
        data = os.path.join(self.dir, "data")
        if os.geteuid() == 0:
            # root ignores permissions: a regular file where the directory should be
            with open(os.path.join(self.dir, "file"), "w"):
                pass
            db = os.path.join(self.dir, "file", "sub", "tolk.db")
        else:
            os.mkdir(data, 0o500)
            db = os.path.join(data, "tolk.db")
        conf = self.write_config(database=db)
        self.assert_one_line_failure(run_tolkd(["--config", conf]))

    def test_corrupt_database_is_refused_and_left_unchanged(self):
        os.mkdir(os.path.join(self.dir, "data"), 0o700)
        db = os.path.join(self.dir, "data", "tolk.db")
        with open(db, "wb") as f:
            f.write(b"this is not a database at all" * 200)
        before = digest(db)
        conf = self.write_config()
        self.assert_one_line_failure(run_tolkd(["--config", conf]), "tolk.db")
        self.assertEqual(digest(db), before)
        self.assertFalse(os.path.exists(db + "-wal"))

    def test_newer_schema_is_refused_and_left_unchanged(self):
        os.mkdir(os.path.join(self.dir, "data"), 0o700)
        db = os.path.join(self.dir, "data", "tolk.db")
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE future(x)")
        con.execute("PRAGMA user_version = 999")
        con.commit()
        con.close()
        before = digest(db)
        self.assert_one_line_failure(run_tolkd(["--config", self.write_config()]), "999")
        self.assertEqual(digest(db), before)

    def test_data_key_is_created_private_and_then_required(self):
        conf = self.write_config()
        key = os.path.join(self.dir, "data", "data.key")
        db = os.path.join(self.dir, "data", "tolk.db")
        self.start_and_stop(conf)
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(db).st_mode), 0o600)
        self.assertEqual(os.path.getsize(key), 32)
        with open(key, "rb") as f:
            original = f.read()
        os.unlink(key)
        self.assert_one_line_failure(run_tolkd(["--config", conf]), "missing")
        with open(key, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(key, 0o600)
        self.assert_one_line_failure(run_tolkd(["--config", conf]), "does not match")
        with open(key, "wb") as f:
            f.write(original)
        os.chmod(key, 0o644)
        self.assert_one_line_failure(run_tolkd(["--config", conf]), "chmod 600")
        os.chmod(key, 0o600)
        self.start_and_stop(conf)

    def start_and_stop(self, conf):
        """Starts tolkd with CONF, waits until it listens, stops it with SIGTERM: exit 0."""
        proc = subprocess.Popen([tolktest.TOLKD, "--config", conf, "--listen", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = proc.stdout.readline()
            self.assertTrue(line.startswith("listening on "), "tolkd did not start")
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=20), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()


if __name__ == "__main__":
    tolktest.main()
