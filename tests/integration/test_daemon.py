"""`pdbridge run` against the PagerDuty simulator and a real mosquitto.

What a status display would notice: retained `status` and `state` after the
start, an incident triggered in PagerDuty showing up within one poll and
going away when resolved, `cmd/ack` acknowledging only in write mode,
`offline` after the daemon is killed, the full retained state back after the
broker restarts, `stale=true`/`level=unknown` while PagerDuty fails and the
truth after it recovers, Home Assistant discovery with the keys Home
Assistant documents (also after a SIGHUP reload turned it on), and never the
token on any topic. Everything talks to 127.0.0.1 only.
Run with PDB_BUILD=build-san to do all of it under ASan+UBSan.
"""

import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest

from mcpfixture import INIT, TcpClient
from mqfixture import Broker, Subscriber, publish
from simfixture import TOKEN, Sim, build_dir, limit

NODE = "testboard"
BASE = "pdbridge/" + NODE
POLL_S = 5
STALE_AFTER = 2

# Keys Home Assistant documents for MQTT discovery of a sensor / binary_sensor
# (https://www.home-assistant.io/integrations/sensor.mqtt/ and
# /binary_sensor.mqtt/, "availability" and "device" sections).
HA_REQUIRED = ("name", "unique_id", "state_topic", "availability_topic", "payload_available",
               "payload_not_available", "device")
HA_KNOWN = set(HA_REQUIRED) | {
    "object_id", "default_entity_id", "value_template", "json_attributes_topic",
    "json_attributes_template", "icon", "unit_of_measurement", "state_class", "device_class",
    "payload_on", "payload_off", "entity_category", "qos", "expire_after", "force_update",
    "enabled_by_default", "origin", "availability_mode", "platform"}
HA_DEVICE_KNOWN = {"identifiers", "name", "manufacturer", "model", "sw_version", "hw_version",
                   "configuration_url", "connections", "suggested_area", "via_device",
                   "serial_number", "model_id"}


class Daemon:
    """`pdbridge run` in the background, stderr in a temp file."""

    def __init__(self, env, args=()):
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([os.path.join(build_dir(), "pdbridge"), "run", *args],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.err, env=env)

    def stderr(self):
        self.err.seek(0)
        return self.err.read().decode(errors="replace")

    def send(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM):
        """Signal, wait; returns (exit status, stdout, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        out = self.proc.stdout.read()
        self.proc.stdout.close()
        err = self.stderr()
        self.err.close()
        return rc, out, err


def payload_json(msg):
    return json.loads(msg[1]) if msg and msg[1] else None


class DaemonTest(unittest.TestCase):
    subscribers = []  # every subscriber of the run: the token must be on none of them
    outputs = []

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim()
        cls.broker = Broker()

    @classmethod
    def tearDownClass(cls):
        seen = []
        for s in cls.subscribers:
            seen += s.messages()
            s.stop()
        cls.broker.stop()
        cls.sim.stop()
        assert seen, "no MQTT message was seen at all"
        for topic, payload, _ in seen:
            assert TOKEN not in topic and TOKEN not in payload, "the token was published"
        assert TOKEN not in "\n".join(cls.outputs), "the token appeared in the daemon's output"

    def setUp(self):
        self.sim.reset()
        self.tmp = tempfile.TemporaryDirectory(prefix="pdb-daemon-")
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            rc, out, err = d.stop()
            self.outputs.extend([out.decode(errors="replace"), err])
            if os.environ.get("PDB_DAEMON_LOG"):
                print(err)
            # SIGTERM exits 0; under ASan a leak or a memory error would not.
            self.assertIn(rc, (0, -signal.SIGKILL), err[-3000:])
        self.tmp.cleanup()

    def env(self, **extra):
        ident = os.path.join(self.tmp.name, "serial")
        with open(ident, "w") as f:
            f.write("10000000a1b2c3d4\n")
        base = dict(PDBRIDGE_CONFIG=os.path.join(self.tmp.name, "config.bin"),
                    PDBRIDGE_DEVICE_ID_FILE=ident, PDBRIDGE_MQTT_URL=self.broker.url,
                    PDBRIDGE_MQTT_NODE_ID=NODE, PDBRIDGE_POLL_INTERVAL=str(POLL_S),
                    PDBRIDGE_POLL_STALE_AFTER=str(STALE_AFTER))
        base.update(extra)
        return self.sim.env(**base)

    def start(self, **extra):
        d = Daemon(self.env(**extra))
        self.daemons.append(d)
        return d

    def subscribe(self, topic="#"):
        s = Subscriber(self.broker, topic)
        self.subscribers.append(s)
        return s

    def wait(self, sub, topic, pred=lambda m: True, timeout=POLL_S * 3, since=0):
        """The first message on @topic matching @pred, after the first @since messages."""
        m = sub.wait_for(lambda m: m[0] == topic and pred(m), timeout, since)
        self.assertIsNotNone(m, "nothing on %s that matched within %ss; saw %s" % (
            topic, timeout, [x for x in sub.messages() if x[0].startswith(BASE)][-8:]))
        return m

    def first_state(self, sub, timeout=POLL_S * 3):
        """The first state of a good poll of this daemon (it says unknown until then; a
        retained state is an earlier daemon's)."""
        def good(m):
            s = json.loads(m[1])
            return not m[2] and s["stale"] is False and s["level"] != "unknown"

        return payload_json(self.wait(sub, BASE + "/state", good, timeout))

    def latest(self, sub, topic):
        msgs = [m for m in sub.messages() if m[0] == topic]
        return msgs[-1] if msgs else None

    def from_email(self):
        """PagerDuty wants the From of a write to be a user of the account."""
        return self.sim.api("/users/me")["user"]["email"]

    def trigger(self, title):
        svc = self.sim.api("/services")["services"][0]["id"]
        return self.sim.control("POST", "/_sim/trigger",
                                {"service_id": svc, "title": title,
                                 "urgency": "high"})["incident"]

    # --- the tests --------------------------------------------------------------

    def test_state_is_retained_and_follows_pagerduty(self):
        sub = self.subscribe()
        self.start()
        self.wait(sub, BASE + "/status", lambda m: m[1] == "online")
        state = self.first_state(sub)
        self.assertIn(state["level"], ("ok", "acked", "triggered"))
        self.wait(sub, BASE + "/state/level", lambda m: m[1] == state["level"])
        # A late subscriber gets everything retained at once.
        late = self.subscribe(BASE + "/#")
        for topic in ("/status", "/state", "/state/level", "/state/triggered",
                      "/state/acknowledged", "/state/oncall_me", "/incidents"):
            self.assertTrue(self.wait(late, BASE + topic, timeout=5)[2], topic + " not retained")
        late.stop()

        inc = self.trigger("Disk full on db-7")
        t0 = time.monotonic()
        shown = self.wait(sub, BASE + "/state", lambda m: inc["id"] in m[1],
                          timeout=POLL_S + 8)
        self.assertLess(time.monotonic() - t0, POLL_S + 8)
        state = payload_json(shown)
        self.assertEqual(state["level"], "triggered")
        self.assertIn(inc["id"], [i["id"] for i in state["incidents"]])
        self.wait(sub, BASE + "/event", lambda m: inc["id"] in m[1] and "triggered" in m[1])
        self.assertFalse(self.wait(sub, BASE + "/event")[2], "events must not be retained")

        mark = len(sub.messages())
        self.sim.write("PUT", "/incidents/" + inc["id"],
                       {"incident": {"type": "incident_reference", "status": "resolved"}})
        self.wait(sub, BASE + "/incidents", lambda m: inc["id"] not in m[1],
                  timeout=POLL_S + 8, since=mark)
        self.wait(sub, BASE + "/event", lambda m: inc["id"] in m[1] and "resolved" in m[1],
                  since=mark)

    def test_nothing_is_published_when_nothing_changed(self):
        sub = self.subscribe(BASE + "/#")
        self.start()
        self.first_state(sub)
        time.sleep(1)
        before = len(sub.messages())
        time.sleep(POLL_S * 2 + 1)  # two more polls, PagerDuty unchanged
        # the usage counts (stats) grow with every poll: their topic has its own once-a-minute
        # bound (test_usage.py), the status topics must stay silent
        self.assertEqual([m for m in sub.messages()[before:] if m[0] != BASE + "/stats"], [])
        polls = [r for r in self.sim.requests() if r["path"] == "/incidents"]
        self.assertGreaterEqual(len(polls), 3, "the daemon stopped polling")

    def test_a_server_that_always_says_more_costs_a_bounded_poll(self):
        trig = self.sim.api("/incidents?date_range=all&sort_by=created_at:desc&limit=1"
                            "&statuses[]=triggered")["incidents"][0]
        # every list answered like PagerDuty's OpenAPI contract mock: one item, more=true, no total
        self.sim.control("POST", "/_sim/faults", {"kind": "contract_page", "count": -1,
                                                  "path": "^/(incidents|oncalls)$"})
        sub = self.subscribe(BASE + "/#")
        d = self.start(PDBRIDGE_POLL_INTERVAL="3600")  # polls: the first, then each cmd/refresh
        state = self.first_state(sub)
        self.assertEqual(state["level"], "triggered")
        self.assertTrue(state["counts_truncated"])
        self.assertIn(trig["id"], [i["id"] for i in state["incidents"]])
        self.sim.control("DELETE", "/_sim/requests")
        mark = len(sub.messages())
        publish(self.broker, BASE + "/cmd/refresh", "")
        self.assertTrue(payload_json(self.wait(sub, BASE + "/cmd/refresh/result", since=mark))["ok"])
        # the status read's cap, and one more for "am I on call"
        self.assertLessEqual(len(self.sim.requests()), limit("PDB_PD_STATUS_PAGES_MAX") + 1)
        self.assertEqual(self.latest(sub, BASE + "/state/level")[1], "triggered")
        self.assertIn("the open-incident counts are lower bounds", d.stderr())

    def test_ack_is_refused_without_write_mode(self):
        sub = self.subscribe()
        self.start()
        state = self.first_state(sub)
        publish(self.broker, BASE + "/cmd/ack", json.dumps({"seq": state["seq"]}))
        res = payload_json(self.wait(sub, BASE + "/cmd/ack/result"))
        self.assertFalse(res["ok"])
        self.assertIn("write", res["error"])
        self.assertFalse([r for r in self.sim.requests() if r["method"] == "PUT"])
        publish(self.broker, BASE + "/cmd/refresh", "")
        self.assertTrue(payload_json(self.wait(sub, BASE + "/cmd/refresh/result"))["ok"])

    def test_ack_acknowledges_what_was_shown_in_write_mode(self):
        sub = self.subscribe()
        self.start(PDBRIDGE_WRITE_TOOLS="true", PDBRIDGE_FROM_EMAIL=self.from_email())
        inc = self.trigger("Checkout latency")
        state = payload_json(self.wait(sub, BASE + "/state", lambda m: inc["id"] in m[1],
                                       timeout=POLL_S * 3))
        shown = [i["id"] for i in state["incidents"] if i["status"] == "triggered"]
        publish(self.broker, BASE + "/cmd/ack", json.dumps({"seq": state["seq"]}))
        res = payload_json(self.wait(sub, BASE + "/cmd/ack/result"))
        self.assertTrue(res["ok"], res)
        self.assertEqual(sorted(res["acknowledged"]), sorted(shown))
        self.assertEqual(self.sim.api("/incidents/" + inc["id"])["incident"]["status"],
                         "acknowledged")
        puts = [r for r in self.sim.requests() if r["method"] == "PUT"]
        self.assertEqual([r["path"] for r in puts], ["/incidents"])  # one bulk update
        self.assertEqual(puts[0]["headers"].get("From"), self.from_email())
        # The next state names who acknowledged, as PagerDuty records it.
        acked = self.sim.api("/incidents/" + inc["id"])["incident"]["acknowledgements"]
        state = payload_json(self.wait(
            sub, BASE + "/state",
            lambda m: any(i["id"] == inc["id"] and i["status"] == "acknowledged"
                          for i in json.loads(m[1])["incidents"]), timeout=POLL_S * 3))
        mine = [i for i in state["incidents"] if i["id"] == inc["id"]][0]
        self.assertEqual(mine["acknowledged_by"], acked[-1]["acknowledger"]["summary"])
        self.assertTrue(mine["acknowledged_by"])
        # An unknown seq acknowledges nothing.
        publish(self.broker, BASE + "/cmd/ack", json.dumps({"seq": 999999}))
        res = payload_json(self.wait(sub, BASE + "/cmd/ack/result", lambda m: "999999" in m[1]))
        self.assertFalse(res["ok"])

    def test_offline_on_kill_and_everything_back_after_a_broker_restart(self):
        sub = self.subscribe()
        d = self.start()
        self.first_state(sub)
        self.broker.restart(down_s=1)  # retained messages are gone with it (no persistence)
        sub.stop()
        sub = self.subscribe()
        self.wait(sub, BASE + "/status", lambda m: m[1] == "online", timeout=PDB_RECONNECT_S)
        self.wait(sub, BASE + "/state", timeout=5)
        time.sleep(1)
        # A display that connects now gets the whole state from the broker alone.
        late = self.subscribe(BASE + "/#")
        for topic in ("/status", "/state", "/state/level", "/state/triggered", "/incidents"):
            self.assertTrue(self.wait(late, BASE + topic, timeout=5)[2], topic + " not retained")
        self.assertEqual(self.latest(late, BASE + "/status")[1], "online")
        late.stop()
        d.proc.kill()  # no clean stop: the broker's will says offline
        self.wait(sub, BASE + "/status", lambda m: m[1] == "offline", timeout=PDB_KEEPALIVE_S)

    def test_mcp_and_mqtt_in_one_process(self):
        sub = self.subscribe()
        d = self.start(PDBRIDGE_MCP_LISTEN="tcp://127.0.0.1:0")
        self.first_state(sub)
        deadline = time.monotonic() + 10
        while "listening on tcp://" not in d.stderr() and time.monotonic() < deadline:
            time.sleep(0.05)
        url = re.search(r"listening on tcp://(\S+)", d.stderr()).group(1)
        host, port = url.rsplit(":", 1)
        c = TcpClient((host, int(port)))
        self.assertIn("result", c.call(INIT))
        r = c.call({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                    "params": {"name": "get_user_data", "arguments": {}}})
        self.assertEqual(r["result"]["structuredContent"]["id"],
                         self.sim.api("/users/me")["user"]["id"])
        c.close()
        mark = len(sub.messages())
        publish(self.broker, BASE + "/cmd/refresh", "")
        self.assertTrue(payload_json(self.wait(sub, BASE + "/cmd/refresh/result",
                                               since=mark))["ok"])

    def test_a_reload_starts_publishing_once_mqtt_url_is_set(self):
        sub = self.subscribe()
        d = self.start(PDBRIDGE_MCP_LISTEN="tcp://127.0.0.1:0", PDBRIDGE_MQTT_URL=None)
        deadline = time.monotonic() + 10
        while "not publishing status" not in d.stderr() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("not publishing status", d.stderr())
        p = subprocess.run([os.path.join(build_dir(), "pdbridge"), "config", "set", "mqtt.url",
                            self.broker.url], env=self.env(), capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        d.send(signal.SIGHUP)
        self.wait(sub, BASE + "/status", lambda m: m[1] == "online", timeout=10)
        self.first_state(sub)

    def test_sigusr1_logs_the_heap_and_the_daemon_goes_on(self):
        sub = self.subscribe()
        d = self.start()
        self.wait(sub, BASE + "/status", lambda m: m[1] == "online")
        d.send(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while "heap: in use" not in d.stderr() and time.monotonic() < deadline:
            time.sleep(0.05)
        m = re.search(r"heap: in use (\d+) bytes, peak (\d+), allocations (\d+)", d.stderr())
        self.assertIsNotNone(m, d.stderr()[-2000:])
        cur, peak, allocs = (int(g) for g in m.groups())
        self.assertGreater(cur, 0)  # the running daemon holds its config, sessions, buffers
        self.assertGreaterEqual(peak, cur)
        self.assertGreater(allocs, 0)
        self.assertIsNone(d.proc.poll())  # a diagnostic, not a stop
        self.daemons.remove(d)
        rc, out, err = d.stop()
        self.outputs.extend([out.decode(), err])
        self.assertEqual(rc, 0, err[-2000:])

    def test_clean_stop_publishes_offline(self):
        sub = self.subscribe()
        d = self.start()
        self.wait(sub, BASE + "/status", lambda m: m[1] == "online")
        self.daemons.remove(d)
        rc, out, err = d.stop()
        self.outputs.extend([out.decode(), err])
        self.assertEqual(rc, 0, err[-2000:])
        self.assertEqual(out, b"")
        self.wait(sub, BASE + "/status", lambda m: m[1] == "offline" and m[2], timeout=5)

    def test_stale_while_pagerduty_fails_then_the_truth(self):
        sub = self.subscribe()
        self.start()
        first = self.first_state(sub)
        mark = len(sub.messages())
        self.sim.control("POST", "/_sim/faults", {"kind": "5xx", "status": 503, "count": -1})
        stale = payload_json(self.wait(sub, BASE + "/state", lambda m: json.loads(m[1])["stale"],
                                       timeout=POLL_S * 8, since=mark))
        self.assertEqual(stale["level"], "unknown")
        self.assertEqual(stale["incidents"], first["incidents"], "the last known lists are kept")
        self.wait(sub, BASE + "/state/level", lambda m: m[1] == "unknown", timeout=5, since=mark)
        mark = len(sub.messages())
        self.sim.control("DELETE", "/_sim/faults")
        back = payload_json(self.wait(sub, BASE + "/state", lambda m: not json.loads(m[1])["stale"],
                                      timeout=POLL_S * 4, since=mark))
        self.assertEqual(back["level"], first["level"])
        self.wait(sub, BASE + "/state/level", lambda m: m[1] == first["level"], timeout=5,
                  since=mark)

    def test_a_policy_left_by_an_earlier_run_is_cleared(self):
        left = BASE + "/oncall/PLEFTOVER"
        publish(self.broker, left, json.dumps({"id": "PLEFTOVER", "stale": False}), retain=True)
        sub = self.subscribe(BASE + "/#")
        self.assertTrue(self.wait(sub, left, timeout=5)[2], "the leftover is not retained")
        mark = len(sub.messages())
        self.start()
        policies = {o["policy_id"] for o in self.first_state(sub)["oncall"]}
        self.assertTrue(policies)
        self.wait(sub, left, lambda m: m[1] == "", timeout=10, since=mark)
        # A display that connects now sees the real policies, and no leftover.
        late = self.subscribe(BASE + "/oncall/+")
        for p in policies:
            real = self.wait(late, BASE + "/oncall/" + p, timeout=5)
            self.assertTrue(real[2] and json.loads(real[1])["stale"] is False, real)
        time.sleep(1)
        self.assertEqual([m for m in late.messages() if m[0] == left], [])
        self.assertTrue(all(m[1] for m in late.messages()), late.messages())
        late.stop()
        self.assertIn("cleared a retained on-call topic left by an earlier run: " + left,
                      self.daemons[0].stderr())

    def test_home_assistant_discovery_after_a_reload(self):
        sub = self.subscribe()
        d = self.start()
        self.first_state(sub)
        self.assertFalse([m for m in sub.messages() if m[0].startswith("homeassistant/")])
        p = subprocess.run([os.path.join(build_dir(), "pdbridge"), "config", "set",
                            "mqtt.ha_discovery", "true"], env=self.env(), capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        d.send(signal.SIGHUP)
        self.wait(sub, "homeassistant/binary_sensor/%s/oncall_me/config" % NODE, timeout=10)
        time.sleep(1)
        configs = {m[0]: json.loads(m[1]) for m in sub.messages()
                   if m[0].startswith("homeassistant/") and m[1]}
        kinds = {t.split("/")[1] for t in configs}
        self.assertEqual(kinds, {"sensor", "binary_sensor"})
        self.assertGreaterEqual(len(configs), 5)  # level, counts, me, one per policy
        for topic, c in configs.items():
            self.assertTrue(set(HA_REQUIRED) <= set(c), (topic, sorted(c)))
            self.assertTrue(set(c) <= HA_KNOWN, (topic, sorted(set(c) - HA_KNOWN)))
            self.assertTrue(set(c["device"]) <= HA_DEVICE_KNOWN, c["device"])
            self.assertTrue(c["device"]["identifiers"])
            self.assertEqual(c["availability_topic"], BASE + "/status")
            self.assertEqual((c["payload_available"], c["payload_not_available"]),
                             ("online", "offline"))
            self.assertTrue(c["state_topic"].startswith(BASE + "/"), c["state_topic"])
        self.assertEqual(len({c["unique_id"] for c in configs.values()}), len(configs))
        mark = len(sub.messages())
        publish(self.broker, "homeassistant/status", "online")
        for topic in configs:
            self.wait(sub, topic, timeout=10, since=mark)

# How long a reconnect may take after the broker is back (backoff up to a few
# seconds), and how long the broker waits before it declares a killed client
# gone (1.5 x the keep-alive of PDB_MQ_KEEPALIVE_S).
PDB_RECONNECT_S = 20
PDB_KEEPALIVE_S = 60


if __name__ == "__main__":
    unittest.main()
