"""The PagerDuty simulator as a test fixture: certificates, process, control API.

Starts tests/pdsim over HTTPS on a free loopback port with a pinned clock,
waits for it, and stops it. Every integration test that needs PagerDuty uses
this, so all of them talk to 127.0.0.1 only. Binaries under test come from
the build directory named by PDB_BUILD (default: build/).
"""

import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOKEN = "pdsim-test-token"
CLOCK = "2026-11-27T10:00:00Z"


def build_dir():
    return os.path.join(TOP, os.environ.get("PDB_BUILD", "build"))


def limit(name):
    """A bound of include/pdbridge/limits.h (its default), for tests that count requests."""
    with open(os.path.join(TOP, "include", "pdbridge", "limits.h")) as f:
        return int(re.search(r"#define %s (\d+)" % name, f.read()).group(1))


class Sim:
    """One simulator process over HTTPS; `sim.url` is https://127.0.0.1:PORT."""

    def __init__(self, cert="server", args=()):
        self.tmp = tempfile.TemporaryDirectory(prefix="pdsim-")
        self.certs = os.path.join(self.tmp.name, "certs")
        subprocess.run(["sh", os.path.join(TOP, "tests/pdsim/mkcerts.sh"), self.certs],
                       check=True, stdout=subprocess.DEVNULL)
        port_file = os.path.join(self.tmp.name, "port")
        self.proc = subprocess.Popen(
            ["python3", os.path.join(TOP, "tests/pdsim/pdsim.py"), "--port", "0",
             "--port-file", port_file, "--clock", CLOCK, "--token", TOKEN,
             "--tls-cert", os.path.join(self.certs, cert + ".pem"),
             "--tls-key", os.path.join(self.certs, cert + ".key"), *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("simulator did not start: %s" % self.proc.stderr.read())
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read())
        self.ca = os.path.join(self.certs, "ca.pem")
        self.wrong_ca = os.path.join(self.certs, "wrong-ca.pem")
        self.url = "https://127.0.0.1:%d" % self.port
        self._from = None  # write()'s From, asked of the simulator once

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.proc.stderr.close()
        self.tmp.cleanup()

    def control(self, method, path, body=None):
        """Call the /_sim/ control API (plain JSON, no auth) over the same TLS port."""
        import ssl
        ctx = ssl.create_default_context(cafile=self.ca)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return json.loads(r.read() or b"null")

    def api(self, path):
        """GET from the simulated PagerDuty API with the valid key."""
        import ssl
        ctx = ssl.create_default_context(cafile=self.ca)
        req = urllib.request.Request(self.url + path, headers={
            "Authorization": "Token token=" + TOKEN,
            "Accept": "application/vnd.pagerduty+json;version=2"})
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return json.loads(r.read())

    def write(self, method, path, body=None, timeout=10):
        """A write to the simulated API with the valid key and, as PagerDuty wants, the From of a
        user of the account (the current user's)."""
        import ssl
        if self._from is None:
            self._from = self.api("/users/me")["user"]["email"]
        ctx = ssl.create_default_context(cafile=self.ca)
        req = urllib.request.Request(self.url + path, method=method, data=(
            json.dumps(body).encode() if body is not None else None), headers={
            "Authorization": "Token token=" + TOKEN,
            "Accept": "application/vnd.pagerduty+json;version=2",
            "Content-Type": "application/json", "From": self._from})
        with urllib.request.urlopen(req, context=ctx, timeout=timeout) as r:
            return json.loads(r.read() or b"null")

    def count(self, path):
        """PagerDuty's own total for a list query."""
        sep = "&" if "?" in path else "?"
        return self.api(path + sep + "total=true&limit=1")["total"]

    def requests(self):
        return self.control("GET", "/_sim/requests")["requests"]

    def reset(self):
        self.control("DELETE", "/_sim/faults")
        self.control("DELETE", "/_sim/requests")
        self.control("DELETE", "/_sim/stats")
        self.control("POST", "/_sim/reset")

    def env(self, **extra):
        """Environment for a client pointed at this simulator."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PAGERDUTY_", "PDBRIDGE_"))}
        env.update(PAGERDUTY_USER_API_KEY=TOKEN, PAGERDUTY_API_HOST=self.url,
                   PDBRIDGE_CA_FILE=self.ca)
        env.update({k: v for k, v in extra.items() if v is not None})
        for k in [k for k, v in extra.items() if v is None]:
            env.pop(k, None)
        return env


class SimTest(unittest.TestCase):
    """Tests of the real binary (`cls.bin`) sharing one simulator (`cls.sim`)."""

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim()
        cls.bin = os.path.join(build_dir(), "pdbridge")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
