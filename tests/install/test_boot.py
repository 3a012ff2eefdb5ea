"""The amd64 package on a booted Debian 12 system: first boot to MQTT, under systemd.

`systemd-analyze verify` and `security` read the units; only systemd running
them shows that the sandbox, the system-call filters and the pdbridge user
let the program work. So the package is installed into a copy of the cached
Debian root (tests/install/rootfs.sh), a first-boot pdbridge.conf pointing at
the PagerDuty simulator and a mosquitto broker on 127.0.0.1 is put on its
boot partition, and systemd boots it as PID 1 in namespaces of its own
(tests/install/boot.sh). Then what a user checks: the file is imported and
gone, the store is pdbridge's, the daemon runs as pdbridge with no
capabilities and a seccomp filter, retained status arrives on MQTT
(`mosquitto_sub -v -t 'pdbridge/#'`), root's `config set` plus `systemctl
reload` changes what it publishes, and the token is in no journal line.
Package: $PDB_DEB, else dist/pdbridge_<version>_amd64.deb. Needs root.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from mqfixture import Broker, Subscriber  # noqa: E402
from simfixture import TOKEN, TOP, Sim  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NODE = "boottest"


def package():
    named = os.environ.get("PDB_DEB")
    if named:
        return named
    found = sorted(glob.glob(os.path.join(TOP, "dist", "pdbridge_*_amd64.deb")),
                   key=os.path.getmtime)
    if not found:
        raise unittest.SkipTest("no dist/pdbridge_*_amd64.deb: run scripts/release.sh")
    return found[-1]


def wait(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError("timed out after %d s waiting for %s" % (timeout, what))


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("unshare"), "needs root and unshare(1)")
class BootTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.deb = package()
        cls.sim = cls.broker = cls.sub = cls.boot = cls.pid1 = cls.cgroup = None
        cls.tmp = tempfile.mkdtemp(prefix="pdb-boot-", dir=os.environ.get("TMPDIR", "/var/tmp"))
        try:
            cls.boot_it()
        except BaseException:
            cls.tearDownClass()  # unittest does not when setUpClass fails
            raise

    @classmethod
    def boot_it(cls):
        cls.sim = Sim()
        cls.broker = Broker()
        cls.root = os.path.join(cls.tmp, "root")
        base = subprocess.run([os.path.join(HERE, "rootfs.sh")], check=True, text=True,
                              capture_output=True, timeout=1200).stdout.split()[-1]
        subprocess.run(["cp", "-a", base, cls.root], check=True, timeout=300)
        shutil.copy(cls.deb, os.path.join(cls.root, "tmp", "pdbridge.deb"))
        subprocess.run(["unshare", "-m", "sh", "-ec",
                        'mount -t proc proc "$0/proc"; chroot "$0" dpkg -i /tmp/pdbridge.deb',
                        cls.root], check=True, capture_output=True, timeout=300)
        shutil.copy(cls.sim.ca, os.path.join(cls.root, "etc", "sim-ca.pem"))
        os.chmod(os.path.join(cls.root, "etc", "sim-ca.pem"), 0o644)
        os.makedirs(os.path.join(cls.root, "boot", "firmware"))
        cls.firstboot = os.path.join(cls.root, "boot", "firmware", "pdbridge.conf")
        with open(cls.firstboot, "w") as f:
            f.write("# written by test_boot.py\ntoken=%s\napi.host=%s\nca_file=/etc/sim-ca.pem\n"
                    "mqtt.url=%s\nmqtt.node_id=%s\npoll.interval=5\n"
                    % (TOKEN, cls.sim.url, cls.broker.url, NODE))
        cls.sub = Subscriber(cls.broker, "#")
        cls.started = time.monotonic()
        cls.boot = subprocess.Popen([os.path.join(HERE, "boot.sh"), cls.root],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = cls.boot.stdout.readline()
        m = re.match(r"cgroup (\S+)", line)
        if not m:
            raise RuntimeError("boot.sh did not start: %s%s" % (line, cls.boot.stdout.read()))
        cls.cgroup = m.group(1)
        cls.pid1 = wait(cls.find_pid1, 30, "systemd as PID 1 of the booted root")

    @classmethod
    def find_pid1(cls):
        """The PID (here) of the booted systemd: the child boot.sh's last unshare forked."""
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open("/proc/%s/stat" % pid) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    cmd = f.read().split(b"\0")
            except (OSError, IndexError, ValueError):
                continue
            if ppid == cls.boot.pid and cmd[:2] == [b"/lib/systemd/systemd", b"--system"]:
                return int(pid)
        return None

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.pid1:
                os.kill(cls.pid1, 9)  # the PID namespace, and every mount with it, goes
            if cls.boot:
                try:
                    cls.boot.wait(20)
                except subprocess.TimeoutExpired:
                    cls.boot.kill()
                    cls.boot.wait()
                cls.boot.stdout.close()
            if cls.cgroup:
                mounts = subprocess.run(["findmnt", "-rn", "-o", "TARGET", "-t", "cgroup,cgroup2"],
                                        capture_output=True, text=True, timeout=30).stdout
                for h in mounts.split():
                    top = os.path.join(h, cls.cgroup)
                    for d, _, _ in sorted(os.walk(top), key=lambda w: -w[0].count("/")):
                        try:
                            os.rmdir(d)
                        except OSError:
                            pass
        finally:
            for fixture in (cls.sub, cls.broker, cls.sim):
                if fixture:
                    fixture.stop()
            subprocess.run(["rm", "-rf", "--one-file-system", cls.tmp])

    def inside(self, *args, check=True):
        """ARGS run in the booted system (as root there)."""
        p = subprocess.run(["nsenter", "-t", str(self.pid1), "-m", "-u", "-i", "-p", "-C", "-r",
                            "-w", *args], capture_output=True, text=True, timeout=60)
        if check:
            self.assertEqual(p.returncode, 0, "%s: %s%s" % (args, p.stdout, p.stderr))
        return p.stdout

    def active(self, unit):
        return self.inside("systemctl", "is-active", unit, check=False).strip()

    def test_first_boot_to_mqtt_as_the_pdbridge_user(self):
        # The first-boot unit ran and the daemon came up (or the journal says why not).
        try:
            wait(lambda: self.active("pdbridge.service") == "active", 60, "pdbridge.service")
        except AssertionError:
            self.fail(self.inside("journalctl", "--no-pager", "-n", "60", check=False))
        print("booted to an active pdbridge.service in %.1f s" % (time.monotonic() - self.started))
        self.assertFalse(os.path.exists(self.firstboot), "the first-boot file is still there")
        self.assertEqual(self.inside("systemctl", "show", "-p", "Result", "--value",
                                     "pdbridge-firstboot.service").strip(), "success")
        for slot in "ab":
            self.assertEqual(self.inside("stat", "-c", "%U %a",
                                         "/var/lib/pdbridge/config.bin." + slot).strip(),
                             "pdbridge 600")

        # Running as pdbridge, no capabilities, a seccomp filter, no new privileges.
        pid = self.inside("systemctl", "show", "-p", "MainPID", "--value", "pdbridge").strip()
        status = self.inside("cat", "/proc/%s/status" % pid)
        uid = self.inside("id", "-u", "pdbridge").strip()
        self.assertRegex(status, r"(?m)^Uid:\s+%s\s+%s\s+%s\s+%s$" % ((uid,) * 4))
        self.assertRegex(status, r"(?m)^CapEff:\s+0+$")
        self.assertRegex(status, r"(?m)^NoNewPrivs:\s+1$")
        self.assertRegex(status, r"(?m)^Seccomp:\s+2$")

        # What `mosquitto_sub -v -t 'pdbridge/#'` shows: online, and the simulator's state.
        topic = "pdbridge/%s/" % NODE
        self.assertTrue(self.sub.wait_for(lambda m: m[0] == topic + "status" and m[1] == "online",
                                          30), self.sub.messages())
        state = self.sub.wait_for(lambda m: m[0] == topic + "state" and
                                  json.loads(m[1])["level"] == "triggered", 30)
        self.assertIsNotNone(state, self.sub.messages())

        # Root changes a setting; a reload publishes it (the store stays pdbridge's).
        seen = len(self.sub.messages())
        self.inside("pdbridge", "config", "set", "mqtt.ha_discovery", "true")
        self.inside("systemctl", "reload", "pdbridge")
        self.assertTrue(self.sub.wait_for(lambda m: m[0].startswith("homeassistant/") and
                                          ("/%s/" % NODE) in m[0], 30, seen),
                        self.sub.messages()[seen:])
        self.assertEqual(self.active("pdbridge.service"), "active")
        for slot in "ab":
            self.assertEqual(self.inside("stat", "-c", "%U", "/var/lib/pdbridge/config.bin." + slot)
                             .strip(), "pdbridge")

        # The daemon logs the reload after it republished, and the journal may take a moment.
        def reloaded():
            j = self.inside("journalctl", "--no-pager", "-o", "cat")
            return j if "settings reloaded" in j else None

        journal = wait(reloaded, 10, "'settings reloaded' in the journal")
        self.assertNotIn(TOKEN, journal)


if __name__ == "__main__":
    unittest.main()
