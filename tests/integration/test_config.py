"""`pdbridge config` and the flash-stored settings, through the real binary.

Every test works on a store in its own temporary directory (PDBRIDGE_CONFIG)
with a device identity from a file (PDBRIDGE_DEVICE_ID_FILE), so "another
device" is just another identity file. What a user would notice is checked:
which layer wins (flag > environment > store > default), that `set token -`
reads the token from stdin, that the token never appears in `config show`,
`export`, `verify`, error messages or logs, that a token sealed on another
device fails with one clear line, that an import file is wiped, that the
store is private (0600 in a 0700 directory) and written only when something
changed, and that `pdbridge status` reads its settings the same way.
Run with PDB_BUILD=build-san to do all of it under ASan+UBSan.
"""

import json
import os
import shutil
import stat
import subprocess
import tempfile
import unittest

from simfixture import TOKEN, SimTest, build_dir

SECRET = "cfg-test-token-9d2e"  # scripts/test.sh greps every step log for it
SERIAL_A = "10000000a1b2c3d4"
SERIAL_B = "10000000e5f60718"


class ConfigTest(unittest.TestCase):
    outputs = []  # everything pdbridge printed, for the secret check at the end

    @classmethod
    def setUpClass(cls):
        cls.bin = os.path.join(build_dir(), "pdbridge")

    @classmethod
    def tearDownClass(cls):
        joined = "\n".join(cls.outputs)
        assert SECRET not in joined, "the token appeared in output that should redact it"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pdb-config-")
        self.store = os.path.join(self.tmp, "state", "config.bin")
        self.ids = {}
        for name, serial in (("a", SERIAL_A), ("b", SERIAL_B)):
            self.ids[name] = os.path.join(self.tmp, "serial-" + name)
            with open(self.ids[name], "w") as f:
                f.write(serial + "\n")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def env(self, device="a", **extra):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PAGERDUTY_", "PDBRIDGE_"))}
        env.update(PDBRIDGE_CONFIG=self.store, PDBRIDGE_DEVICE_ID_FILE=self.ids[device])
        env.update({k: v for k, v in extra.items() if v is not None})
        for k in [k for k, v in extra.items() if v is None]:
            env.pop(k, None)
        return env

    def run_cmd(self, *args, stdin=None, env=None, secret_ok=False, timeout=60):
        p = subprocess.run([self.bin, *args], input=stdin, env=env or self.env(),
                           capture_output=True, text=True, timeout=timeout)
        if not secret_ok:
            self.outputs.extend([p.stdout, p.stderr])
        return p

    def config(self, *args, **kw):
        return self.run_cmd("config", *args, **kw)

    def ok(self, *args, **kw):
        p = self.config(*args, **kw)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def slot_files(self):
        return [self.store + ".a", self.store + ".b"]

    # --- layers -------------------------------------------------------------------

    def test_region_comes_from_flag_then_env_then_store_then_default(self):
        self.assertEqual(self.ok("get", "region"), "us\n")
        self.ok("set", "region", "eu")
        self.assertEqual(self.ok("get", "region"), "eu\n")
        env = self.env(PDBRIDGE_REGION="us")
        self.assertEqual(self.ok("get", "region", env=env), "us\n")
        self.assertEqual(self.ok("get", "region", "--region", "eu", env=env), "eu\n")
        shown = self.ok("show", "--origin", "--region", "eu", env=env)
        self.assertRegex(shown, r"(?m)^region +=  ?eu +\(flag --region\)$")
        shown = self.ok("show", "--origin", env=env)
        self.assertRegex(shown, r"(?m)^region +=  ?us +\(env PDBRIDGE_REGION\)$")
        shown = self.ok("show", "--origin")
        self.assertRegex(shown, r"(?m)^region +=  ?eu +\(flash\)$")
        self.assertRegex(shown, r"(?m)^poll\.interval +=  ?30 +\(default\)$")
        self.ok("unset", "region")
        self.assertEqual(self.ok("get", "region"), "us\n")

    def test_every_key_has_its_pdbridge_variable(self):
        self.ok("set", "mqtt.url", "mqtt://stored.lan")
        env = self.env(PDBRIDGE_MQTT_URL="mqtts://from-env.lan:8883",
                       PDBRIDGE_WATCH_ESCALATION_POLICIES="PA1, PB2")
        shown = self.ok("show", "--origin", env=env)
        self.assertRegex(shown, r"(?m)^mqtt\.url += mqtts://from-env\.lan:8883 +"
                                r"\(env PDBRIDGE_MQTT_URL\)$")
        self.assertRegex(shown, r"(?m)^watch\.escalation_policies += PA1,PB2 ")

    def test_bad_values_are_refused_with_their_source(self):
        p = self.config("set", "region", "mars")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, "pdbridge config: region must be one of us|eu, not 'mars'\n")
        p = self.config("set", "poll.interval", "4")
        self.assertIn("between 5 and 3600", p.stderr)
        p = self.config("get", "region", env=self.env(PDBRIDGE_REGION="mars"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("PDBRIDGE_REGION: region must be one of us|eu", p.stderr)
        self.assertFalse(os.path.exists(self.store + ".a"), "a refused value was stored")
        for args, code in ((["get", "nope"], 2), (["frobnicate"], 2), (["set", "region"], 2),
                           (["show", "--include-secrets"], 2), (["get", "region", "x"], 2)):
            self.assertEqual(self.config(*args).returncode, code, args)

    # --- secrets ------------------------------------------------------------------

    def test_token_from_stdin_is_stored_sealed_and_never_shown(self):
        out = self.ok("set", "token", "-", stdin=SECRET + "\n")
        self.assertIn("token stored sealed", out)
        for files in self.slot_files():
            with open(files, "rb") as f:
                self.assertNotIn(SECRET.encode(), f.read(), "the token is stored in the clear")
        shown = self.ok("show")
        self.assertRegex(shown, r"(?m)^token += \[redacted\]$")
        self.assertEqual(self.ok("get", "token"), "[redacted]\n")
        exported = self.ok("export")
        self.assertIn("# token=[redacted] (add --include-secrets)", exported)
        verified = self.ok("verify")
        self.assertIn("token: sealed, opens on this device", verified)
        # Only when asked for, and then exactly.
        p = self.config("get", "token", "--include-secrets", secret_ok=True)
        self.assertEqual(p.stdout, SECRET + "\n")
        p = self.config("export", "--include-secrets", secret_ok=True)
        self.assertIn("token=%s\n" % SECRET, p.stdout)
        # A second set with the same value changes nothing.
        self.assertIn("token unchanged", self.ok("set", "token", "-", stdin=SECRET))

    def test_a_token_on_the_command_line_gets_a_warning(self):
        p = self.config("set", "mcp.auth_token", "on-the-command-line")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("lands in shell history", p.stderr)
        self.assertNotIn("on-the-command-line", p.stdout + p.stderr)

    def test_a_token_sealed_on_another_device_fails_clearly(self):
        self.ok("set", "region", "eu")
        self.ok("set", "token", "-", stdin=SECRET)
        # The card moves to another board: same files, another serial.
        other = os.path.join(self.tmp, "other", "config.bin")
        os.makedirs(os.path.dirname(other))
        for f in self.slot_files():
            shutil.copy2(f, other + f[-2:])
        env = self.env(device="b", PDBRIDGE_CONFIG=other)
        p = self.config("get", "token", "--include-secrets", env=env)
        self.assertEqual((p.returncode, p.stdout), (1, ""))
        self.assertEqual(p.stderr, "pdbridge config: token sealed for another device\n")
        p = self.config("export", "--include-secrets", env=env)
        self.assertEqual((p.returncode, p.stdout), (1, ""))
        self.assertEqual(p.stderr, "pdbridge config: token sealed for another device\n")
        p = self.run_cmd("status", env=env)
        self.assertEqual((p.returncode, p.stdout), (1, ""))
        self.assertEqual(p.stderr, "pdbridge status: token sealed for another device (config store "
                         "%s): set the key again on this board with `pdbridge config set token -`, "
                         "or give it in PAGERDUTY_USER_API_KEY\n" % other)
        # Everything else still reads, and verify says what is wrong.
        shown = self.ok("show", env=env)
        self.assertRegex(shown, r"(?m)^region += eu$")
        self.assertRegex(shown, r"(?m)^token += \[sealed for another device\]$")
        p = self.config("verify", env=env)
        self.assertEqual(p.returncode, 1)
        self.assertIn("token sealed for another device", p.stdout)
        # The environment still wins over a token nobody can open.
        p = self.config("get", "token", "--include-secrets", secret_ok=True,
                        env=dict(env, PAGERDUTY_USER_API_KEY="env-token"))
        self.assertEqual(p.stdout, "env-token\n")

    def test_unsealed_secrets_when_asked_and_still_private(self):
        self.ok("set", "secrets.seal", "false")
        out = self.ok("set", "mqtt.password", "-", stdin=SECRET)
        self.assertIn("(not sealed)", out)
        self.assertIn("mqtt.password: stored unsealed", self.ok("verify"))
        for f in self.slot_files():
            self.assertEqual(stat.S_IMODE(os.stat(f).st_mode), 0o600)

    def test_store_is_private_whatever_the_umask(self):
        p = subprocess.run([self.bin, "config", "set", "region", "eu"], env=self.env(),
                           capture_output=True, text=True, preexec_fn=lambda: os.umask(0))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.store)).st_mode), 0o700)
        for f in self.slot_files():
            self.assertEqual(stat.S_IMODE(os.stat(f).st_mode), 0o600)
        self.assertEqual(sorted(os.listdir(os.path.dirname(self.store))),
                         ["config.bin.a", "config.bin.b"])  # no temporary file left

    def test_a_slot_others_can_read_loads_with_a_warning_and_is_rewritten_private(self):
        self.ok("set", "region", "eu")
        for f in self.slot_files():
            os.chmod(f, 0o644)
        p = self.config("get", "region")
        self.assertEqual(p.stdout, "eu\n")
        self.assertIn("readable by others", p.stderr)
        self.ok("set", "token", "-", stdin=SECRET)  # a secret change rewrites both slots
        for f in self.slot_files():
            self.assertEqual(stat.S_IMODE(os.stat(f).st_mode), 0o600)

    def test_the_board_identity_is_used_without_the_test_hook(self):
        env = self.env(PDBRIDGE_DEVICE_ID_FILE=None)
        out = self.ok("verify", env=env)
        self.assertRegex(out, r"device key: (device-tree serial-number|/proc/cpuinfo Serial|"
                              r"/etc/machine-id|none \(no identity\))")

    # --- import, export -------------------------------------------------------------

    def test_import_stores_and_wipes_the_source(self):
        src = os.path.join(self.tmp, "pdbridge.conf")
        with open(src, "w") as f:
            f.write("# dropped on the boot partition\nregion = eu\ntoken=%s\n"
                    "watch.services=PSVC1,PSVC2\nmqtt.ha_discovery=yes\n" % SECRET)
        out = self.ok("import", src, "--remove-source")
        self.assertIn("4 settings changed", out)
        self.assertIn("wiped and removed", out)
        self.assertFalse(os.path.exists(src))
        self.assertEqual(self.ok("get", "watch.services"), "PSVC1,PSVC2\n")
        self.assertEqual(self.ok("get", "mqtt.ha_discovery"), "true\n")
        exported = self.ok("export")
        self.assertIn("region=eu\n", exported)
        self.assertIn("watch.services=PSVC1,PSVC2\n", exported)

    def test_a_bad_import_changes_nothing_and_keeps_the_file(self):
        self.ok("set", "region", "us")
        src = os.path.join(self.tmp, "bad.conf")
        with open(src, "w") as f:
            f.write("region=eu\ntoken=%s\x01\n" % SECRET)
        p = self.config("import", src, "--remove-source")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, "pdbridge config: %s: line 2: token contains a control "
                                   "character\n" % src)
        self.assertTrue(os.path.exists(src))
        self.assertEqual(self.ok("get", "region"), "us\n")
        with open(src, "w") as f:
            f.write("region=eu\nnot_a_key=1\n")
        p = self.config("import", src)
        self.assertIn("line 2: unknown key 'not_a_key'", p.stderr)

    def test_export_imports_back(self):
        self.ok("set", "region", "eu")
        self.ok("set", "tools.deny", "create_incident, delete_schedule")
        self.ok("set", "token", "-", stdin=SECRET)
        dump = os.path.join(self.tmp, "dump.conf")
        p = self.config("export", "--include-secrets", secret_ok=True)
        with open(dump, "w") as f:
            f.write(p.stdout)
        fresh = self.env(PDBRIDGE_CONFIG=os.path.join(self.tmp, "fresh", "config.bin"))
        self.ok("import", dump, env=fresh)
        for key in ("region", "tools.deny"):
            self.assertEqual(self.ok("get", key, env=fresh), self.ok("get", key))
        p = self.config("get", "token", "--include-secrets", env=fresh, secret_ok=True)
        self.assertEqual(p.stdout, SECRET + "\n")

    # --- the store --------------------------------------------------------------------

    def test_writes_only_when_something_changed(self):
        self.ok("set", "region", "eu")
        before = [os.stat(f) for f in self.slot_files()]
        self.assertIn("region unchanged", self.ok("set", "region", " eu "))
        self.ok("import", self.write("same.conf", "region=eu\n"))
        after = [os.stat(f) for f in self.slot_files()]
        self.assertEqual([(s.st_ino, s.st_mtime_ns) for s in before],
                         [(s.st_ino, s.st_mtime_ns) for s in after])
        self.ok("set", "region", "us")
        self.assertNotEqual([os.stat(f).st_ino for f in self.slot_files()],
                            [s.st_ino for s in before])

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_verify_reports_both_slots_and_a_damaged_one(self):
        self.assertIn("nothing stored", self.ok("verify"))
        self.ok("set", "region", "eu")
        self.ok("set", "poll.interval", "60")
        out = self.ok("verify")
        self.assertRegex(out, r"slot a: .*config\.bin\.a: valid, sequence 3, schema 2, "
                              r"\d+ bytes \(newest\)")
        self.assertRegex(out, r"slot b: .*config\.bin\.b: valid, sequence 2, schema 2")
        # Damage the newest slot: the older one is used, and verify says so.
        with open(self.store + ".a", "r+b") as f:
            f.seek(-3, 2)
            f.write(b"X")
        out = self.ok("verify")
        self.assertIn("slot a: %s.a: corrupt payload" % self.store, out)
        self.assertEqual(self.ok("get", "poll.interval"), "30\n")
        self.assertEqual(self.ok("get", "region"), "eu\n")
        # Both damaged: reported as such, by verify and by every reader.
        with open(self.store + ".b", "r+b") as f:
            f.truncate(10)
        p = self.config("verify")
        self.assertEqual(p.returncode, 1)
        self.assertIn("slot b: %s.b: wrong length" % self.store, p.stdout)
        p = self.run_cmd("status")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no valid config in %s: slot a corrupt payload, slot b wrong length"
                      % self.store, p.stderr)
        # A set starts again from empty, and says so.
        p = self.config("set", "region", "eu")
        self.assertEqual(p.returncode, 0)
        self.assertIn("starting from an empty config", p.stderr)
        self.assertIn("valid, sequence", self.ok("verify"))

    def test_schema_doc_is_the_reference_in_docs(self):
        table = self.ok("schema-doc")
        self.assertTrue(table.startswith("| key | type | default |"))
        self.assertEqual(table.count("\n"), 2 + 43)
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "docs",
                               "config.md")) as f:
            self.assertIn(table, f.read(), "docs/config.md is stale: scripts/gen-config-doc")


class StatusFromStoreTest(SimTest):
    """`pdbridge status` with its settings in the store instead of the environment."""

    def setUp(self):
        self.sim.reset()
        self.tmp = tempfile.mkdtemp(prefix="pdb-config-")
        self.id_file = os.path.join(self.tmp, "serial")
        with open(self.id_file, "w") as f:
            f.write(SERIAL_A)
        self.base = {k: v for k, v in os.environ.items()
                     if not k.startswith(("PAGERDUTY_", "PDBRIDGE_"))}
        self.base.update(PDBRIDGE_CONFIG=os.path.join(self.tmp, "config.bin"),
                         PDBRIDGE_DEVICE_ID_FILE=self.id_file)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_cmd(self, args, stdin=None, **extra):
        return subprocess.run([self.bin, *args], input=stdin, env=dict(self.base, **extra),
                              capture_output=True, text=True, timeout=60)

    def test_status_reads_token_host_and_watch_lists_from_the_store(self):
        imported = os.path.join(self.tmp, "setup.conf")
        services = [s["id"] for s in self.sim.api("/services")["services"][:2]]
        with open(imported, "w") as f:
            f.write("token=%s\napi.host=%s\nca_file=%s\nwatch.services=%s\n"
                    % (TOKEN, self.sim.url, self.sim.ca, ",".join(services)))
        p = self.run_cmd(["config", "import", imported, "--remove-source"])
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.run_cmd(["status", "--json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("incidents", json.loads(p.stdout))
        incidents = [r for r in self.sim.requests() if r["path"] == "/incidents"]
        self.assertTrue(incidents)
        self.assertEqual(incidents[-1]["query"]["service_ids[]"], services)
        # A flag still beats the store: one service only.
        p = self.run_cmd(["status", "--json", "--service", services[0]])
        self.assertEqual(p.returncode, 0, p.stderr)
        incidents = [r for r in self.sim.requests() if r["path"] == "/incidents"]
        self.assertEqual(incidents[-1]["query"]["service_ids[]"], services[:1])
        # Debug logging shows requests, never the stored token.
        p = self.run_cmd(["status"], PDBRIDGE_LOG_LEVEL="debug")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(TOKEN, p.stdout + p.stderr)
        # The environment beats the stored token.
        p = self.run_cmd(["status"], PAGERDUTY_USER_API_KEY="wrong-key")
        self.assertEqual(p.returncode, 1)
        self.assertIn("PagerDuty API error 401", p.stderr)
        self.assertNotIn(TOKEN, p.stdout + p.stderr)

    def test_mcp_takes_its_pagerduty_settings_from_the_store(self):
        imported = os.path.join(self.tmp, "setup.conf")
        with open(imported, "w") as f:
            f.write("token=%s\napi.host=%s\nca_file=%s\n" % (TOKEN, self.sim.url, self.sim.ca))
        self.assertEqual(self.run_cmd(["config", "import", imported]).returncode, 0)
        msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
                 "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                            "clientInfo": {"name": "t", "version": "1"}}},
                {"jsonrpc": "2.0", "method": "notifications/initialized"},
                {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                 "params": {"name": "get_user_data", "arguments": {}}}]
        p = self.run_cmd(["mcp"], stdin="".join(json.dumps(m) + "\n" for m in msgs))
        self.assertEqual(p.returncode, 0, p.stderr)
        replies = [json.loads(line) for line in p.stdout.splitlines()]
        result = [r for r in replies if r.get("id") == 2][0]["result"]
        self.assertFalse(result.get("isError"), result)
        self.assertNotIn(TOKEN, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
