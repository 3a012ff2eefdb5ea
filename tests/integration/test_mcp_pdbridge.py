"""`pdbridge mcp` and `pdbridge serve` against the PagerDuty simulator.

The real binary, two of its PagerDuty tools (get_user_data, list_oncalls) and
its command line: stdio exactly as MCP clients spawn it (stdout carries only
JSON-RPC lines), Streamable HTTP and TCP listeners, the official server's
flags (--transport, --host, --port, --enable-write-tools), and the rules for
tokens (from a file, mode 600, required off loopback, never printed).
"""

import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from mcpfixture import INIT, HttpClient, TcpClient, line
from simfixture import TOKEN, SimTest, build_dir


def call(i, name, args=None):
    return {"jsonrpc": "2.0", "id": i, "method": "tools/call",
            "params": {"name": name, "arguments": args or {}}}


class Serve:
    """`pdbridge serve ...` in the background; `urls` from its "listening on" log lines."""

    def __init__(self, args, env, n_urls):
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([os.path.join(build_dir(), "pdbridge"), "serve", *args],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.err, env=env)
        self.urls = {}
        deadline = time.monotonic() + 20
        while len(self.urls) < n_urls and time.monotonic() < deadline:
            self.err.seek(0)
            for m in re.finditer(r"listening on ((tcp|http)://\S+)", self.err.read().decode()):
                self.urls[m.group(2)] = m.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)

    @property
    def http_addr(self):
        hostport, path = self.urls["http"][len("http://"):].split("/", 1)
        host, port = hostport.rsplit(":", 1)
        return host, int(port), "/" + path

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(30)
        out = self.proc.stdout.read()
        self.proc.stdout.close()
        self.err.seek(0)
        err = self.err.read().decode()
        self.err.close()
        return rc, out, err


class PdbridgeMcpTest(SimTest):
    outputs = []

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        assert TOKEN not in "\n".join(cls.outputs), "the API key appeared in output"

    def setUp(self):
        self.sim.reset()

    def stdio(self, *msgs, args=(), env=None):
        data = b"".join(line(m) for m in msgs)
        p = subprocess.run([self.bin, "mcp", *args], input=data, capture_output=True,
                           env=env or self.sim.env(), timeout=60)
        self.outputs.extend([p.stdout.decode(errors="replace"),
                             p.stderr.decode(errors="replace")])
        self.assertEqual(p.returncode, 0, p.stderr.decode()[-2000:])
        out = [json.loads(ln) for ln in p.stdout.split(b"\n") if ln]  # JSON-RPC only
        return {m["id"]: m for m in out if "id" in m}, p.stderr.decode()

    def test_stdio_serves_the_tools(self):
        r, err = self.stdio(INIT, {"jsonrpc": "2.0", "method": "notifications/initialized"},
                            {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                            call(2, "get_user_data"), call(3, "list_oncalls"))
        self.assertEqual(r[0]["result"]["serverInfo"]["name"], "PagerDuty MCP Server")
        self.assertIn("Starting PagerDuty MCP Server", err)
        tools = r[1]["result"]["tools"]
        self.assertLessEqual({"get_user_data", "list_oncalls"}, {t["name"] for t in tools})
        for t in tools:
            self.assertTrue(t["annotations"]["readOnlyHint"])
        me = self.sim.api("/users/me")["user"]
        user = r[2]["result"]["structuredContent"]
        self.assertEqual(user["id"], me["id"])
        self.assertEqual(json.loads(r[2]["result"]["content"][0]["text"]), user)
        oncalls = r[3]["result"]["structuredContent"]
        self.assertTrue(oncalls["response"])
        self.assertIn("Returned %d record(s) of type 'Oncall'" % len(oncalls["response"]),
                      oncalls["response_summary"])
        reqs = [q for q in self.sim.requests() if q["path"] == "/oncalls"]
        self.assertTrue(reqs and "earliest=true" in reqs[0]["raw_query"])

    def test_pipelined_requests_to_a_reader_that_keeps_up_all_answered(self):
        """An agent that pipelines 600 tools/list and reads as fast as they come.

        stdout is a file here: every write takes all there is, the limit of a
        reader that keeps up. One read of requests makes more than half the
        write bound of replies, so reading pauses; a single write then drains
        them all. The pause must be lifted right there: before the fix no
        event was left to lift it and the session stalled for good, with no
        error and no timeout.
        """
        n = 600
        data = line(INIT) + b"".join(line({"jsonrpc": "2.0", "id": i, "method": "tools/list"})
                                     for i in range(1, n + 1))
        with tempfile.TemporaryFile() as out:
            p = subprocess.run([self.bin, "mcp"], input=data, stdout=out,
                               stderr=subprocess.PIPE, env=self.sim.env(), timeout=60)
            self.outputs.append(p.stderr.decode(errors="replace"))
            self.assertEqual(p.returncode, 0, p.stderr.decode()[-2000:])
            out.seek(0)
            msgs = [json.loads(ln) for ln in out.read().split(b"\n") if ln]
        self.assertEqual([m["id"] for m in msgs], list(range(0, n + 1)))
        self.assertTrue(all(m["result"]["tools"] for m in msgs[1:]))

    def test_list_oncalls_filters_and_resolves_services(self):
        svc = self.sim.api("/services")["services"][0]
        ep = svc["escalation_policy"]["id"]
        r, _ = self.stdio(INIT, call(1, "list_oncalls", {"service_ids": [svc["id"]],
                                                          "earliest": False, "limit": 3,
                                                          "since": "2026-11-27T10:00:00Z"}))
        res = r[1]["result"]
        self.assertNotIn("isError", res)
        self.assertLessEqual(len(res["structuredContent"]["response"]), 3)
        for o in res["structuredContent"]["response"]:
            self.assertEqual(o["escalation_policy"]["id"], ep)
        paths = [q["path"] for q in self.sim.requests()]
        self.assertIn("/services/" + svc["id"], paths)

    def test_bad_arguments_are_tool_errors(self):
        bad = [{"limit": 0}, {"limit": "five"}, {"user_ids": "PABC123"}, {"user_ids": [7]},
               {"since": "yesterday"}, {"earliest": "yes"}, {"nope": 1},
               {"user_ids": ["P%d" % i for i in range(101)]}]
        # a few per process: more than PDB_MCP_INFLIGHT_MAX (8) at once would be refused
        for start in range(0, len(bad), 4):
            r, _ = self.stdio(INIT, *[call(i + 1, "list_oncalls", bad[i])
                                      for i in range(start, min(start + 4, len(bad)))])
            for i in range(start, min(start + 4, len(bad))):
                self.assertTrue(r[i + 1]["result"]["isError"], bad[i])
        r, _ = self.stdio(INIT, call(50, "get_user_data", {"x": 1}), call(51, "no_such_tool"))
        self.assertTrue(r[50]["result"]["isError"])
        self.assertEqual(r[51]["error"]["code"], -32602)
        self.assertFalse([q for q in self.sim.requests() if q["path"] == "/oncalls"])

    def test_json_text_arguments_are_accepted(self):
        # clients that send non-string arguments as JSON text (official issue #54)
        r, _ = self.stdio(INIT, call(1, "list_oncalls", {"limit": "2", "earliest": "false",
                                                          "user_ids": '["%s"]' % "PXXXXXX"}))
        self.assertNotIn("isError", r[1]["result"])
        q = [x for x in self.sim.requests() if x["path"] == "/oncalls"][0]["query"]
        self.assertEqual((q["limit"], q["earliest"], q["user_ids[]"]),
                         (["2"], ["false"], ["PXXXXXX"]))

    def test_pagerduty_errors_are_tool_errors_without_the_key(self):
        env = self.sim.env(PAGERDUTY_USER_API_KEY="wrong-key")
        r, err = self.stdio(INIT, call(1, "get_user_data"), env=env)
        self.assertTrue(r[1]["result"]["isError"])
        self.assertIn("401", r[1]["result"]["content"][0]["text"])
        r, _ = self.stdio(INIT, call(1, "get_user_data"),
                          env=self.sim.env(PAGERDUTY_USER_API_KEY=None))
        # the official words first (agents match on them), then where pdbridge looked
        self.assertTrue(r[1]["result"]["content"][0]["text"].startswith(
            "An API key is required to call the PagerDuty API. pdbridge looked in "
            "PAGERDUTY_USER_API_KEY and PDBRIDGE_TOKEN"), r[1])

    def test_serve_http_and_tcp(self):
        s = Serve(["--listen", "http://127.0.0.1:0/mcp", "--listen", "tcp://127.0.0.1:0"],
                  self.sim.env(), 2)
        try:
            self.assertEqual(set(s.urls), {"http", "tcp"}, s.urls)
            c = HttpClient(s)
            status, msgs, _ = c.initialize()
            self.assertEqual(status, 200)
            status, r, msgs = c.post(call(1, "get_user_data"))
            self.assertEqual(msgs[-1]["result"]["structuredContent"]["id"],
                             self.sim.api("/users/me")["user"]["id"])
            c.close()
            host, port = s.urls["tcp"][len("tcp://"):].rsplit(":", 1)
            t = TcpClient((host, int(port)))
            self.assertIn("result", t.call(INIT))
            names = [x["name"] for x in t.call({"jsonrpc": "2.0", "id": 1,
                                                "method": "tools/list"})["result"]["tools"]]
            self.assertIn("get_user_data", names)
            t.close()
        finally:
            rc, out, err = s.stop()
        self.outputs.extend([out.decode(), err])
        self.assertEqual(rc, 0, err[-2000:])
        self.assertEqual(out, b"")

    def test_official_flags_transport_host_port(self):
        with socket.socket() as sk:
            sk.bind(("127.0.0.1", 0))
            port = sk.getsockname()[1]
        s = Serve(["--transport", "streamable-http", "--host", "127.0.0.1", "--port", str(port),
                   "--enable-write-tools"], self.sim.env(), 1)
        try:
            self.assertEqual(s.urls.get("http"), "http://127.0.0.1:%d/mcp" % port)
            c = HttpClient(s)
            self.assertEqual(c.initialize()[0], 200)
            c.close()
        finally:
            rc, _, err = s.stop()
        self.assertEqual(rc, 0, err)
        self.assertIn("Write tools are enabled", err)

    def test_refusals_on_the_command_line(self):
        tmp = tempfile.TemporaryDirectory()
        loose = os.path.join(tmp.name, "loose")
        with open(loose, "w") as f:
            f.write("secret-token-1\n")
        os.chmod(loose, 0o644)
        cases = [
            (["serve", "--listen", "tcp://0.0.0.0:0"], "auth token is required"),
            (["serve", "--listen", "http://0.0.0.0:0/mcp"], "auth token is required"),
            (["serve", "--port", "0"], "Port must be between 1 and 65535"),
            (["serve", "--port", "70000"], "Port must be between 1 and 65535"),
            (["serve", "--host", "127.0.0.1:80"], "Host must not include a port"),
            (["serve", "--host", "a b"], "Host must not contain whitespace"),
            (["serve", "--transport", "sse"], "--transport must be"),
            (["serve", "--listen", "ftp://127.0.0.1:1"], "--listen: mcp.listen must be a URL"),
            (["serve", "--listen", "tcp://example.com:1"], "host must be an IPv4"),
            (["serve", "--listen", "tcp://127.0.0.1:0", "--auth-token-file", loose],
             "readable by others"),
        ]
        for args, want in cases:
            p = subprocess.run([self.bin, *args], capture_output=True, text=True,
                               env=self.sim.env(), timeout=30)
            self.assertEqual(p.returncode, 1, args)
            self.assertEqual(p.stdout, "")
            self.assertIn(want, p.stderr, args)
            self.assertNotIn("secret-token-1", p.stderr)
        p = subprocess.run([self.bin, "mcp", "--bogus"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, "")
        tmp.cleanup()


class McpSettingsTest(SimTest):
    """`mcp` and `serve` take write_tools, tools.allow/deny, log.level, mcp.listen
    and mcp.auth_token from the layers every command uses: flag > environment >
    flash > default."""

    SECRET = "mcp-bearer-7c41e9"  # scripts/test.sh greps every step log for it

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="pdb-mcpcfg-")
        self.env = self.sim.env(PDBRIDGE_CONFIG=os.path.join(self.tmp.name, "config.bin"))
        ident = os.path.join(self.tmp.name, "serial")
        with open(ident, "w") as f:
            f.write("10000000a1b2c3d4\n")
        self.env["PDBRIDGE_DEVICE_ID_FILE"] = ident

    def tearDown(self):
        self.tmp.cleanup()

    def store(self, key, value):
        p = subprocess.run([self.bin, "config", "set", key, value], capture_output=True,
                           text=True, env=self.env, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)

    def tool_names(self, *args, **env):
        p = subprocess.run([self.bin, "mcp", *args],
                           input=line(INIT) + line({"jsonrpc": "2.0", "id": 1,
                                                    "method": "tools/list"}),
                           capture_output=True, env=dict(self.env, **env), timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        out = {m["id"]: m for m in map(json.loads, p.stdout.split(b"\n")[:-1])}
        return {t["name"] for t in out[1]["result"]["tools"]}, p.stderr.decode()

    def test_write_tools_and_tool_lists_come_from_every_layer(self):
        default, err = self.tool_names()
        self.assertNotIn("create_incident", default)
        self.assertIn("Starting PagerDuty MCP Server", err)
        self.store("write_tools", "true")
        self.store("log.level", "error")
        stored, err = self.tool_names()
        self.assertIn("create_incident", stored)
        self.assertGreater(len(stored), len(default))
        self.assertNotIn("Starting", err, "log.level=error from the store was not applied")
        self.store("tools.deny", "create_*")
        self.assertNotIn("create_incident", self.tool_names()[0])
        only, _ = self.tool_names(PDBRIDGE_TOOLS_ALLOW="get_user_data,list_incidents")
        self.assertEqual(only, {"get_user_data", "list_incidents"})
        flag, _ = self.tool_names("--tools", "get_user_data",
                                  PDBRIDGE_TOOLS_ALLOW="list_incidents")
        self.assertEqual(flag, {"get_user_data"})
        p = subprocess.run([self.bin, "mcp", "--tools", "a b"], capture_output=True, text=True,
                           env=self.env, stdin=subprocess.DEVNULL, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("--tools: tools.allow may hold only", p.stderr)

    def test_serve_listens_where_the_store_says_with_its_token(self):
        with socket.socket() as sk:
            sk.bind(("127.0.0.1", 0))
            port = sk.getsockname()[1]
        self.store("mcp.listen", "http://127.0.0.1:%d/mcp" % port)
        p = subprocess.run([self.bin, "config", "set", "mcp.auth_token", "-"],
                           input=self.SECRET + "\n", capture_output=True, text=True,
                           env=self.env, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        s = Serve([], self.env, 1)
        try:
            self.assertEqual(s.urls.get("http"), "http://127.0.0.1:%d/mcp" % port)
            self.assertEqual(HttpClient(s).initialize()[0], 401)
            c = HttpClient(s, token=self.SECRET)
            self.assertEqual(c.initialize()[0], 200)
            c.close()
        finally:
            rc, out, err = s.stop()
        self.assertEqual(rc, 0, err)
        self.assertIn("bearer token required", err)
        self.assertNotIn(self.SECRET, err)
        # `mcp` is what MCP clients spawn: a stored listener does not take stdio away.
        names, err = self.tool_names()
        self.assertIn("get_user_data", names)
        self.assertNotIn("listening on", err)


if __name__ == "__main__":
    unittest.main()
