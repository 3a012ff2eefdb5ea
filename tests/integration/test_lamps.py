"""`pdbridge run` driving lamps, a buzzer and a button against the simulator.

The lamps are a fake LED class tree and the button a FIFO carrying struct
input_event records (lampfixture.py), selected with lamp.sysfs and
button.root. What a person at the board would notice: the lamps through ok,
triggered, acknowledged, resolved, stale and a stop; the buzzer beeping for
a new incident and silent in its quiet hours (local time, set through TZ);
a long press acknowledging exactly the incidents the board showed (one bulk
PUT with From, cmd/ack/result published), refused without write mode with a
flicker; a chattering or held button giving one action; cmd/mute; and bad
input: a missing LED, one that cannot be written, a button device that goes
away and comes back, garbage on it. Everything talks to 127.0.0.1 only.
Run with PDB_BUILD=build-san to do all of it under ASan+UBSan.
"""

import json
import os
import random
import signal
import time
import unittest

import test_daemon as td
from lampfixture import FakeButton, FakeLeds
from mqfixture import Subscriber, publish
from simfixture import TOKEN

BASE = td.BASE
LAMPS = {"lamp.ok": "pd-green", "lamp.acked": "pd-yellow", "lamp.triggered": "pd-red",
         "lamp.unknown": "pd-white", "lamp.buzzer": "pd-buzz"}


def tz_at(hhmm):
    """A POSIX TZ in which the local time now is @hhmm ("12:00")."""
    h, m = map(int, hhmm.split(":"))
    now = time.gmtime()
    off = (h * 60 + m - now.tm_hour * 60 - now.tm_min) % 1440
    return "PDB-%02d:%02d" % (off // 60, off % 60)


class LampTest(unittest.TestCase):
    # The daemon tests' helpers: daemons stopped (and their exit checked) after each test.
    subscribers = []
    outputs = []
    env = td.DaemonTest.env
    wait = td.DaemonTest.wait
    first_state = td.DaemonTest.first_state
    from_email = td.DaemonTest.from_email

    setUpClass = vars(td.DaemonTest)["setUpClass"]  # the simulator and mosquitto

    @classmethod
    def tearDownClass(cls):
        """Everything stops; the token was on no topic, in no payload and in no output."""
        seen = [" ".join(m[:2]) for s in cls.subscribers for m in s.messages()]
        for s in cls.subscribers:
            s.stop()
        cls.broker.stop()
        cls.sim.stop()
        assert not [t for t in seen + cls.outputs if TOKEN in t], "the token was published or logged"

    def setUp(self):
        td.DaemonTest.setUp(self)
        self.leds = FakeLeds(os.path.join(self.tmp.name, "leds"))
        self.button = None
        self.quiet = None

    def tearDown(self):
        if self.button:
            self.button.unplug()
        td.DaemonTest.tearDown(self)

    def start(self, mqtt=False, lamps=LAMPS, **extra):
        """The daemon on the fake lamps (and the fake button), watching a quiet service."""
        if lamps is LAMPS:
            for name in LAMPS.values():
                self.leds.make(name)
        self.button = FakeButton(self.tmp.name)
        conf = {"PDBRIDGE_" + k.upper().replace(".", "_"): v for k, v in lamps.items()}
        conf.update(PDBRIDGE_LAMP_SYSFS=self.leds.path, PDBRIDGE_BUTTON_DEVICE="pd-ack",
                    PDBRIDGE_BUTTON_ROOT=self.tmp.name, PDBRIDGE_BUZZER_REPEAT="5",
                    PDBRIDGE_WATCH_SERVICES=self.quiet_service())
        if not mqtt:
            conf["PDBRIDGE_MQTT_URL"] = None
        conf.update(extra)
        d = td.Daemon(self.env(**conf))
        self.daemons.append(d)
        self.button.plug()
        return d

    def quiet_service(self):
        """A service with no open incident (of the data set as reset): the board starts at ok."""
        if not self.quiet:
            self.quiet = next(s["id"] for s in self.sim.api("/services?limit=100")["services"]
                              if not self.sim.count("/incidents?service_ids[]=%s&statuses[]="
                                                    "triggered&statuses[]=acknowledged" % s["id"]))
        return self.quiet

    def trigger(self, title):
        return self.sim.control("POST", "/_sim/trigger",
                                {"service_id": self.quiet_service(), "title": title,
                                 "urgency": "high"})["incident"]

    def set_status(self, inc, status):
        self.sim.write("PUT", "/incidents/" + inc["id"],
                       {"incident": {"type": "incident_reference", "status": status}})

    def shows(self, want, timeout=td.POLL_S * 4):
        """Wait until the lamps show @want ({name: pattern}); pd-white is lit at rest."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.leds.look_all({n: n == "pd-white" for n in want})
            if shown == want or time.monotonic() > deadline:
                break
        self.assertEqual(shown, want)

    def logged(self, d, text, timeout=10, count=1):
        deadline = time.monotonic() + timeout
        while d.stderr().count(text) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(d.stderr().count(text), count,
                                "%r not logged %d times:\n%s" % (text, count, d.stderr()[-3000:]))

    def puts(self):
        return [r for r in self.sim.requests() if r["method"] == "PUT"]

    # --- the tests ------------------------------------------------------------------

    def test_lamp_sequence_ok_triggered_acked_resolved_stale_stop(self):
        # No MQTT at all: the lamps alone run the poller. Local time 18:00: not quiet.
        d = self.start(TZ=tz_at("18:00"), PDBRIDGE_BUZZER_QUIET="11:00-13:00")
        self.shows({"pd-green": "on", "pd-yellow": "off", "pd-red": "off", "pd-white": "off"})
        self.assertIn("not publishing status", d.stderr())

        inc = self.trigger("Disk full on db-7")
        self.shows({"pd-green": "off", "pd-yellow": "off", "pd-red": "fast", "pd-white": "off"})
        self.logged(d, "buzzer: beep")
        self.assertEqual(self.leds.wait("pd-buzz", "beep", timeout=8), "beep")

        self.set_status(inc, "acknowledged")
        self.shows({"pd-green": "off", "pd-yellow": "on", "pd-red": "off", "pd-white": "off"})
        self.logged(d, "buzzer: nothing is triggered any more")
        self.assertEqual(self.leds.look("pd-buzz", seconds=6), "off")

        self.set_status(inc, "resolved")
        self.shows({"pd-green": "on", "pd-yellow": "off", "pd-red": "off", "pd-white": "off"})

        self.sim.control("POST", "/_sim/faults", {"kind": "5xx", "status": 503, "count": -1})
        self.shows({"pd-green": "off", "pd-yellow": "off", "pd-red": "off", "pd-white": "on"},
                   timeout=td.POLL_S * 8)

        # Stopped: nothing claims a state, the unknown lamp is lit, no trigger left running.
        self.daemons.remove(d)
        rc, out, err = d.stop(signal.SIGTERM)
        self.outputs.extend([out.decode(), err])
        self.assertEqual(rc, 0, err[-2000:])
        for name in LAMPS.values():
            f = self.leds.files(name)
            self.assertEqual((f["trigger"], f["brightness"]),
                             ("none", "1" if name == "pd-white" else "0"), name)

    def test_long_press_acknowledges_exactly_what_was_shown(self):
        sub = Subscriber(self.broker, BASE + "/#")
        self.subscribers.append(sub)
        d = self.start(mqtt=True, PDBRIDGE_WRITE_TOOLS="true",
                       PDBRIDGE_FROM_EMAIL=self.from_email())
        self.first_state(sub)
        a = self.trigger("Checkout latency")
        shown = json.loads(self.wait(sub, BASE + "/state", lambda m: a["id"] in m[1])[1])
        # Right after a poll: the next one is a whole interval away, so b is not shown yet.
        mark = len(sub.messages())
        b = self.trigger("Search is slow")
        self.button.long_press()
        res = json.loads(self.wait(sub, BASE + "/cmd/ack/result", since=mark)[1])
        self.assertTrue(res["ok"], res)
        self.assertEqual(res["seq"], shown["seq"])
        self.assertEqual(res["acknowledged"], [a["id"]])
        puts = self.puts()
        self.assertEqual([r["path"] for r in puts], ["/incidents"])  # one bulk update
        self.assertEqual(puts[0]["headers"].get("From"), self.from_email())
        self.assertEqual(self.sim.api("/incidents/" + b["id"])["incident"]["status"], "triggered")
        self.logged(d, "button: long press: acknowledging what seq %d showed" % shown["seq"])

        # 20 edges in 38 ms, released: one short press (mute and refresh), no ack.
        self.button.keys([(1 - i % 2, i * 0.002) for i in range(20)])
        self.logged(d, "button: short press")
        self.logged(d, "buzzer muted for 30 min (button)")
        # Chattering into a 2 s hold with autorepeat: one acknowledgement (of b, shown by now).
        self.wait(sub, BASE + "/state", lambda m: b["id"] in m[1] and '"triggered"' in m[1])
        mark = len(sub.messages())
        self.button.keys([(1 - i % 2, i * 0.002) for i in range(21)] +
                         [(2, 0.5 + i * 0.1) for i in range(15)] + [(0, 2.1)])
        res = json.loads(self.wait(sub, BASE + "/cmd/ack/result", since=mark)[1])
        self.assertEqual(res["acknowledged"], [b["id"]])
        time.sleep(3)
        self.assertEqual(len(self.puts()), 2)
        self.assertEqual(d.stderr().count("button: short press"), 1)
        self.assertEqual(len([m for m in sub.messages()[mark:]
                              if m[0] == BASE + "/cmd/ack/result"]), 1)

    def test_refusals_quiet_hours_mute_and_the_dead_man(self):
        sub = Subscriber(self.broker, BASE + "/#")
        self.subscribers.append(sub)
        # Local time 12:00, in the quiet hours; write mode off.
        d = self.start(mqtt=True, TZ=tz_at("12:00"), PDBRIDGE_BUZZER_QUIET="11:00-13:00")
        self.first_state(sub)
        self.trigger("Queue backlog")
        self.shows({"pd-red": "fast"})
        self.logged(d, "buzzer: quiet hours (11:00-13:00): silent")

        mark = len(sub.messages())
        self.button.long_press(hold=1.6)
        self.assertIn(("1", "50"), self.leds.arms("pd-red", 1.5))  # the refusal flicker
        res = json.loads(self.wait(sub, BASE + "/cmd/ack/result", since=mark)[1])
        self.assertFalse(res["ok"])
        self.assertIn("write mode is off", res["error"])
        self.logged(d, "button: refused (the lamps flicker): write mode is off")
        self.shows({"pd-red": "fast"}, timeout=5)
        self.assertEqual(self.puts(), [])

        publish(self.broker, BASE + "/cmd/mute", "5")
        res = json.loads(self.wait(sub, BASE + "/cmd/mute/result", since=mark)[1])
        self.assertEqual(res, {"ok": True, "minutes": 5})
        self.logged(d, "buzzer muted for 5 min (cmd/mute)")
        mark = len(sub.messages())
        publish(self.broker, BASE + "/cmd/mute", "soon")
        res = json.loads(self.wait(sub, BASE + "/cmd/mute/result", since=mark)[1])
        self.assertFalse(res["ok"])
        self.assertIn("bad payload", res["error"])
        self.assertNotIn("buzzer: beep", d.stderr())
        self.assertEqual(self.leds.look("pd-buzz"), "off")

        # Killed: every lamp away from its rest state is a kernel timer that runs out
        # (at most the dead-man time); the unknown lamp's dark arm runs out into lit.
        d.proc.kill()
        d.proc.wait(10)
        for name in LAMPS.values():
            f = self.leds.files(name)
            self.assertEqual(f["trigger"], "transient", name)
            if f["activate"] == "1":
                self.assertLessEqual(int(f["duration"]), 15000, name)
        white = self.leds.files("pd-white")
        self.assertEqual((white["state"], white["activate"]), ("0", "1"))

    def test_bad_leds_and_a_button_that_goes_away_and_comes_back(self):
        self.leds.make("pd-green")
        self.leds.make("pd-stuck")
        os.unlink(os.path.join(self.leds.path, "pd-stuck", "brightness"))
        os.mkdir(os.path.join(self.leds.path, "pd-stuck", "brightness"))  # unwritable, even by root
        d = self.start(lamps={"lamp.ok": "pd-green", "lamp.acked": "pd-gone",
                              "lamp.triggered": "pd-stuck"})
        self.logged(d, "lamp.acked: %s/pd-gone: no such LED" % self.leds.path)
        self.logged(d, "lamp.triggered: %s/pd-stuck/brightness: Is a directory" % self.leds.path)
        self.assertEqual(d.stderr().count("running without it"), 2)
        self.shows({"pd-green": "on"})  # the rest keeps working

        # Garbage: whole records of anything but our key, and a stray cut record.
        rng = random.Random(7)
        junk = bytearray(rng.getrandbits(8) for _ in range(24 * 40))
        for i in range(0, len(junk), 24):
            if junk[i + 16:i + 20] == b"\x01\x00\x1c\x00":  # EV_KEY, KEY_ENTER
                junk[i + 18] = 0x1d
        self.button.write(bytes(junk) + b"\x01\x02\x03\x04\x05\x06\x07")
        time.sleep(1)
        self.assertIsNone(d.proc.poll())
        self.assertNotIn("press", d.stderr())

        # Unplugged and plugged back (the cut record is dropped with the old device).
        self.button.unplug()
        self.logged(d, "went away (end of file): looking for it again")
        self.logged(d, "button: found again: ")
        self.button.plug()
        polls = len([r for r in self.sim.requests() if r["path"] == "/incidents"])
        self.button.short_press()
        self.logged(d, "button: short press: refreshing")
        deadline = time.monotonic() + 2  # a refresh polls now, not at the next interval
        while time.monotonic() < deadline and \
                len([r for r in self.sim.requests() if r["path"] == "/incidents"]) == polls:
            time.sleep(0.05)
        self.assertGreater(len([r for r in self.sim.requests() if r["path"] == "/incidents"]),
                           polls)

        # Gone for a while (the device node too), then back: looked for with backoff.
        os.unlink(self.button.node)
        self.button.unplug()
        self.logged(d, "went away", count=2)
        time.sleep(2)
        self.button.make()
        self.logged(d, "button: found again: ", count=2, timeout=15)
        self.button.plug()
        self.button.short_press()
        self.logged(d, "button: short press: refreshing", count=2)


if __name__ == "__main__":
    unittest.main()
