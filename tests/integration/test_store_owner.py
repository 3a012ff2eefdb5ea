"""Who may read and write the board's config store, the two cases of a packaged board.

On a board the store, /var/lib/pdbridge/config.bin, belongs to the service user
(`pdbridge`, the directory 0700). Two things must hold, each through the real
binary and the board's own default path, not a named one:
- root editing it (`sudo pdbridge config set ...`) leaves files owned by the
  directory's owner, so the service still reads them after a token rotation;
- another user, whose MCP client runs `pdbridge mcp` with the API key in the
  environment, is not stopped by a store it cannot read: it is skipped with
  one warning line. A store the caller named (PDBRIDGE_CONFIG, --config)
  stays an error, and so does editing one.
Each command runs in its own mount namespace with a scratch directory bound
over /var/lib, so the board's path is used without touching this machine's.
The service user is played by uid/gid 65534 (nobody/nogroup). Needs root.
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from simfixture import TOKEN, SimTest

SERVICE = 65534
STORE = "/var/lib/pdbridge/config.bin"
SERIAL = "10000000c0ffee42"
SECRET = "cfg-test-token-9d2e"  # scripts/test.sh greps every step log for it


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("unshare"),
                     "needs root and unshare(1) to act as two users on the board's path")
class StoreOwnerTest(SimTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The service user must read the simulator's CA like any CA bundle.
        for d in (cls.sim.tmp.name, cls.sim.certs):
            os.chmod(d, 0o755)
        os.chmod(cls.sim.ca, 0o644)

    def setUp(self):
        self.sim.reset()
        self.tmp = tempfile.mkdtemp(prefix="pdb-owner-")
        os.chmod(self.tmp, 0o755)
        self.varlib = os.path.join(self.tmp, "varlib")
        self.state = os.path.join(self.varlib, "pdbridge")
        os.makedirs(self.state)
        os.chmod(self.state, 0o700)
        self.id_file = os.path.join(self.tmp, "serial")
        with open(self.id_file, "w") as f:
            f.write(SERIAL + "\n")
        os.chmod(self.id_file, 0o644)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_as(self, uid, args, stdin=None, **extra):
        """pdbridge ARGS as @uid (0: root) with /var/lib replaced by the scratch one."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PAGERDUTY_", "PDBRIDGE_"))}
        env.update(PDBRIDGE_DEVICE_ID_FILE=self.id_file, HOME="/")
        env.update(extra)
        drop = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups"] if uid else []
        script = 'mount --bind "$0" /var/lib && exec "$@"'
        p = subprocess.run(["unshare", "-m", "sh", "-c", script, self.varlib, *drop,
                            self.bin, *args],
                           input=stdin, env=env, capture_output=True, text=True, timeout=60)
        self.assertNotIn(SECRET, p.stdout + p.stderr)
        return p

    def slots(self):
        return [os.path.join(self.state, "config.bin." + s) for s in "ab"]

    def test_root_editing_the_service_store_leaves_files_the_service_reads(self):
        os.chown(self.state, SERVICE, SERVICE)
        p = self.run_as(0, ["config", "set", "region", "eu"])
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.run_as(0, ["config", "set", "token", "-"], stdin=SECRET + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("stored sealed in " + STORE, p.stdout)
        for path in self.slots():
            st = os.stat(path)
            self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o777),
                             (SERVICE, SERVICE, 0o600), path)
        self.assertEqual(sorted(os.listdir(self.state)), ["config.bin.a", "config.bin.b"])
        # The service reads what root wrote, the sealed token included.
        p = self.run_as(SERVICE, ["config", "show", "--origin"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"(?m)^region +=  ?eu +\(flash\)$")
        self.assertRegex(p.stdout, r"(?m)^token +=  ?\[redacted\] +\(flash, sealed\)$")
        self.assertEqual(p.stderr, "")
        p = self.run_as(SERVICE, ["config", "verify"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("token: sealed, opens on this device", p.stdout)
        # A root-owned store stays root's: nothing is given away. (A new secret
        # rewrites both slots.)
        os.chown(self.state, 0, 0)
        p = self.run_as(0, ["config", "set", "token", "-"], stdin="rotated-key\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual({os.stat(f).st_uid for f in self.slots()}, {0})

    def test_a_store_the_caller_cannot_read_is_skipped_unless_named(self):
        p = self.run_as(0, ["config", "set", "region", "eu"])  # root's store, in a 0700 dir
        self.assertEqual(p.returncode, 0, p.stderr)
        env = dict(PAGERDUTY_USER_API_KEY=TOKEN, PAGERDUTY_API_HOST=self.sim.url,
                   PDBRIDGE_CA_FILE=self.sim.ca)
        p = self.run_as(SERVICE, ["status", "--json"], **env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("incidents", json.loads(p.stdout))
        warning = p.stderr.splitlines()
        self.assertEqual(len(warning), 1, p.stderr)
        self.assertIn("cannot open %s.a: Permission denied; skipping the board's config store"
                      % STORE, warning[0])
        self.assertNotIn(TOKEN, p.stderr)
        # What an MCP client spawns: initialize and a tool call.
        msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
                 "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                            "clientInfo": {"name": "t", "version": "1"}}},
                {"jsonrpc": "2.0", "method": "notifications/initialized"},
                {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                 "params": {"name": "get_user_data", "arguments": {}}}]
        p = self.run_as(SERVICE, ["mcp"], stdin="".join(json.dumps(m) + "\n" for m in msgs),
                        **env)
        self.assertEqual(p.returncode, 0, p.stderr)
        replies = {r.get("id"): r for r in map(json.loads, p.stdout.splitlines())}
        self.assertFalse(replies[2]["result"].get("isError"), replies[2])
        self.assertEqual(p.stderr.count("skipping the board's config store"), 1, p.stderr)
        # Named, the same store is an error; so is editing it.
        p = self.run_as(SERVICE, ["status"], PDBRIDGE_CONFIG=STORE, **env)
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot open %s.a: Permission denied" % STORE, p.stderr)
        self.assertNotIn("skipping", p.stderr)
        p = self.run_as(SERVICE, ["status", "--config", STORE], **env)
        self.assertEqual(p.returncode, 1)
        p = self.run_as(SERVICE, ["config", "set", "region", "us"])
        self.assertEqual(p.returncode, 1)
        self.assertIn("Permission denied", p.stderr)


if __name__ == "__main__":
    unittest.main()
