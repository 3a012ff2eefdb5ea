"""The MQTT adapter (src/mq) against a real mosquitto on 127.0.0.1.

Each test drives the real module through tests/integration/mq_probe.c on a
real event loop and checks what a display on the broker would see: the
retained online/offline status (birth, will, clean stop), reconnects and
re-subscription after a broker restart, commands arriving, credentials (and
the password never printed), refused URLs and messages, and the in-flight
bound while the broker hangs. Run with PDB_BUILD=build-san to do all of it
under ASan+UBSan, where a leak fails the test too.
"""

import json
import os
import signal
import subprocess
import threading
import time
import unittest

import mqfixture
from mqfixture import Broker, Subscriber, publish
from simfixture import build_dir

PASSWORD = "mq-test-Secret-7f3a"


class Probe:
    """One mq_probe process: commands on stdin, JSON events from stdout."""

    def __init__(self, url, *args, env=None, will="pdbridge/probe/status"):
        self.will = will
        exe = os.path.join(build_dir(), "tests", "mq_probe")
        self.proc = subprocess.Popen([exe, "--will", will, *args, url], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.events = []
        self.stderr = ""
        self._cond = threading.Condition()
        self._out = threading.Thread(target=self._read, daemon=True)
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._out.start()
        self._err.start()

    def _read(self):
        for line in self.proc.stdout:
            with self._cond:
                try:
                    self.events.append(json.loads(line))
                except ValueError:
                    self.events.append({"event": "garbage", "line": line})
                self._cond.notify_all()

    def _read_err(self):
        for line in self.proc.stderr:
            with self._cond:
                self.stderr += line
                self._cond.notify_all()

    def stderr_has(self, text, timeout=15):
        """Whether @text appears in the probe's stderr within @timeout seconds."""
        with self._cond:
            return self._cond.wait_for(lambda: text in self.stderr, timeout)

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait(self, predicate, timeout=15):
        """The first event @predicate accepts, waiting up to @timeout seconds."""
        def find():
            return next((e for e in self.events if predicate(e)), None)

        with self._cond:
            self._cond.wait_for(lambda: find() is not None, timeout)
            return find()

    def wait_new(self, name, timeout=15):
        """The next event called @name from now on (for replies to a command)."""
        with self._cond:
            n = len(self.events)
        return self.wait(lambda e: e["event"] == name and self.events.index(e) >= n, timeout)

    def command(self, line, name, timeout=15):
        with self._cond:
            n = len(self.events)
        self.send(line)
        with self._cond:
            self._cond.wait_for(
                lambda: any(e["event"] == name for e in self.events[n:]), timeout)
            return next((e for e in self.events[n:] if e["event"] == name), None)

    def connected(self, count=1, timeout=15):
        return self.wait(lambda e: e["event"] == "connect" and e["connects"] >= count, timeout)

    def finish(self, sig=signal.SIGTERM, timeout=20):
        """Send @sig (None: none, it exits by itself), wait for the exit; returns the code."""
        if sig is not None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self._out.join(5)
        self._err.join(5)
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return rc

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


class MqTest(unittest.TestCase):
    outputs = []  # every probe's stdout and stderr, for the password check at the end

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker()

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()
        joined = "\n".join(cls.outputs)
        assert PASSWORD not in joined, "the MQTT password appeared in probe output"

    def setUp(self):
        self.probes = []
        self.subs = []
        self.will = "pdbridge/%s/status" % self._testMethodName

    def tearDown(self):
        for p in self.probes:
            if p.proc.poll() is None:
                p.finish(signal.SIGKILL)
        for s in self.subs:
            s.stop()

    def probe(self, *args, url=None, **kw):
        p = Probe(url or self.broker.url, *args, will=kw.pop("will", self.will), **kw)
        self.probes.append(p)
        return p

    def subscriber(self, topic, broker=None):
        s = Subscriber(broker or self.broker, topic)
        self.subs.append(s)
        return s

    def stop_clean(self, p):
        """SIGTERM; the probe must exit 0 with nothing left allocated through mem."""
        rc = p.finish()
        self.outputs.extend([json.dumps(p.events), p.stderr])
        self.assertEqual(rc, 0, "probe crashed or leaked:\n" + p.stderr[-3000:])
        end = p.wait(lambda e: e["event"] == "exit", 1)
        self.assertIsNotNone(end, p.events)
        self.assertEqual(end["mem_current"], 0, "memory leaked through mem")

    def status_seen(self, payload, broker=None, timeout=10):
        """A fresh subscriber to the will topic gets @payload as a retained message."""
        s = self.subscriber(self.will, broker)
        return s.wait_for(lambda m: m == (self.will, payload, True), timeout)

    # --- status: birth, will, clean stop ---------------------------------

    def test_online_retained_on_connect(self):
        p = self.probe(url=self.broker.url.replace("127.0.0.1", "localhost"))
        self.assertIsNotNone(p.connected(), p.stderr)
        self.assertIsNotNone(self.status_seen("online"))
        self.stop_clean(p)

    def test_will_published_by_broker_after_sigkill(self):
        p = self.probe()
        self.assertIsNotNone(p.connected(), p.stderr)
        live = self.subscriber(self.will)
        self.assertIsNotNone(live.wait_for(lambda m: m[1] == "online"))
        p.finish(signal.SIGKILL)
        self.outputs.extend([p.stderr])
        self.assertIsNotNone(live.wait_for(lambda m: m[1] == "offline"))
        self.assertIsNotNone(self.status_seen("offline"))

    def test_clean_stop_publishes_offline(self):
        p = self.probe()
        self.assertIsNotNone(p.connected(), p.stderr)
        live = self.subscriber(self.will)
        self.assertIsNotNone(live.wait_for(lambda m: m[1] == "online"))
        t0 = time.monotonic()
        self.stop_clean(p)
        self.assertLess(time.monotonic() - t0, 5, "the stop took longer than its deadline")
        self.assertIsNotNone(live.wait_for(lambda m: m[1] == "offline"))
        self.assertIsNotNone(self.status_seen("offline"))
        self.assertIn("disconnected", p.stderr)

    # --- reconnect and commands ------------------------------------------

    def test_command_reaches_probe(self):
        p = self.probe("--sub", "pdbridge/cmd/+")
        self.assertIsNotNone(p.connected(), p.stderr)
        publish(self.broker, "pdbridge/cmd/ack", '{"seq":7}')
        publish(self.broker, "pdbridge/other", "not subscribed")
        m = p.wait(lambda e: e["event"] == "message")
        self.assertEqual((m["topic"], m["payload"], m["len"]),
                         ("pdbridge/cmd/ack", '{"seq":7}', 9))
        time.sleep(0.3)
        self.assertEqual(len([e for e in p.events if e["event"] == "message"]), 1)
        self.stop_clean(p)

    def test_broker_restart_reconnects_and_resubscribes(self):
        broker = Broker()
        try:
            p = self.probe("--sub", "pdbridge/cmd/#", url=broker.url)
            self.assertIsNotNone(p.connected(), p.stderr)
            broker.restart(down_s=0.5)
            # persistence is off, so the retained "online" is gone until the probe says it again
            ev = p.connected(count=2, timeout=20)
            self.assertIsNotNone(ev, p.stderr)
            self.assertEqual(ev["connects"], 2)
            self.assertIsNotNone(self.status_seen("online", broker))
            publish(broker, "pdbridge/cmd/refresh", "now")
            m = p.wait(lambda e: e["event"] == "message", 10)
            self.assertIsNotNone(m, "no message after the resubscription")
            self.assertEqual(m["topic"], "pdbridge/cmd/refresh")
            self.assertIn("lost", p.stderr)
            self.assertIn("connected to tcp://127.0.0.1:%d again" % broker.port, p.stderr)
            self.stop_clean(p)
        finally:
            for s in self.subs:
                s.stop()
            self.subs = []
            broker.stop()

    def test_broker_down_at_start_is_retried_quietly(self):
        broker = Broker()
        try:
            broker.kill()
            p = self.probe("--debug", url=broker.url)
            time.sleep(3.5)  # backoff 1 s, 2 s: two or three attempts
            self.assertIsNone(p.wait(lambda e: e["event"] == "connect", 0))
            self.assertEqual(p.stderr.count("cannot connect"), 1, p.stderr)
            broker.restart()
            self.assertIsNotNone(p.connected(timeout=20), p.stderr)
            self.stop_clean(p)
        finally:
            broker.stop()

    def test_oversize_arrivals_dropped_and_counted(self):
        p = self.probe("--sub", "pdbridge/cmd/#")
        self.assertIsNotNone(p.connected(), p.stderr)
        publish(self.broker, "pdbridge/cmd/" + "t" * 300, "long topic")  # > PDB_MQ_TOPIC_MAX
        publish(self.broker, "pdbridge/cmd/big", "x" * (64 * 1024 + 1))  # > PDB_MQ_MSG_MAX
        publish(self.broker, "pdbridge/cmd/max", "y" * (64 * 1024))
        m = p.wait(lambda e: e["event"] == "message")
        self.assertEqual((m["topic"], m["len"]), ("pdbridge/cmd/max", 64 * 1024))
        st = p.command("stats", "stats")
        self.assertEqual((st["received"], st["dropped"]), (1, 2), st)
        self.stop_clean(p)

    def test_the_inbox_is_bounded_by_count_and_bytes(self):
        p = self.probe("--sub", "pdbridge/cmd/#")
        self.assertIsNotNone(p.connected(), p.stderr)
        p.send("block 6000")  # the loop is busy: arrivals wait in the inbox
        for i in range(24):  # 24 x 64 KiB: more than the 1 MiB byte bound
            publish(self.broker, "pdbridge/cmd/b%d" % i, "z" * (64 * 1024))
        blocks = lambda n: lambda e: sum(x["event"] == "block" for x in p.events) >= n  # noqa: E731
        self.assertIsNotNone(p.wait(blocks(1), 20))
        time.sleep(1)
        st = p.command("stats", "stats")
        self.assertEqual(st["received"] + st["dropped"], 24, st)
        self.assertTrue(8 <= st["received"] < 16, st)  # PDB_MQ_INBOX_BYTES_MAX / 64 KiB
        p.send("block 3000")
        # 160 small ones from one mosquitto_pub (-l: a message a line): the count bound
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-q",
                        "1", "-t", "pdbridge/cmd/s", "-l"], input="s\n" * 160, text=True,
                       check=True, timeout=20)
        self.assertIsNotNone(p.wait(blocks(2), 30))
        time.sleep(1)
        st2 = p.command("stats", "stats")
        self.assertEqual(st2["received"] - st["received"], 128, st2)
        self.assertEqual(st2["dropped"] - st["dropped"], 32, st2)
        self.stop_clean(p)

    def test_stop_with_a_hung_broker_keeps_its_deadline(self):
        broker = Broker()
        try:
            p = self.probe(url=broker.url)
            self.assertIsNotNone(p.connected(), p.stderr)
            broker.pause()
            t0 = time.monotonic()
            self.stop_clean(p)
            self.assertLess(time.monotonic() - t0, 8, "mq_free overran PDB_MQ_STOP_MS")
        finally:
            broker.stop()

    # --- credentials -------------------------------------------------------

    def test_username_password(self):
        broker = Broker(password=PASSWORD)
        env = dict(os.environ, PDB_MQ_PASSWORD=PASSWORD)
        bad = dict(os.environ, PDB_MQ_PASSWORD=PASSWORD + "-wrong")
        try:
            p = self.probe("--debug", "--user", Broker.USER, url=broker.url, env=env)
            self.assertIsNotNone(p.connected(), p.stderr)
            self.assertIsNotNone(self.status_seen("online", broker),
                                 "%s\n%s" % (p.stderr, broker.log_text()[-3000:]))
            self.stop_clean(p)
            self.assertNotIn(PASSWORD, p.stderr)

            # refused, and said so: waited for, not assumed after a fixed sleep
            q = self.probe("--debug", "--user", Broker.USER, url=broker.url, env=bad)
            self.assertTrue(q.stderr_has("cannot connect"), q.stderr)
            self.assertIsNone(q.wait(lambda e: e["event"] == "connect", 0))
            self.stop_clean(q)
            self.assertRegex(q.stderr, "bad user name or password|not authorized")
            self.assertNotIn(PASSWORD, q.stderr)

            r = self.probe(url=broker.url)  # anonymous: refused
            self.assertTrue(r.stderr_has("cannot connect"), r.stderr)
            self.assertIsNone(r.wait(lambda e: e["event"] == "connect", 0))
            self.stop_clean(r)
            self.assertRegex(r.stderr, "bad user name or password|not authorized")
        finally:
            for s in self.subs:
                s.stop()
            self.subs = []
            broker.stop()

    # --- refusals ------------------------------------------------------------

    def test_tls_and_websocket_urls_refused(self):
        for url in ("mqtts://127.0.0.1:8883", "ssl://127.0.0.1:8883", "ws://127.0.0.1:9001",
                    "wss://127.0.0.1:9001"):
            p = self.probe(url=url)
            err = p.wait(lambda e: e["event"] == "error", 10)
            self.assertIsNotNone(err, url)
            self.assertEqual(err["rc"], "INVAL")
            self.assertIn("not supported by this build", err["error"])
            self.assertIn("docs/mqtt.md, 'TLS to a remote broker'", err["error"])
            self.assertEqual(p.finish(None), 3)

    def test_bad_urls_refused(self):
        for url in ("http://127.0.0.1:1883", "mqtt://", "mqtt://127.0.0.1:0",
                    "mqtt://127.0.0.1:70000", "mqtt://user:pw@127.0.0.1",
                    "mqtt://127.0.0.1:1883/path", "mqtt://[::1"):
            p = self.probe(url=url)
            err = p.wait(lambda e: e["event"] == "error", 10)
            self.assertIsNotNone(err, url)
            self.assertEqual(err["rc"], "INVAL", url)
            self.assertNotIn("pw", err["error"])
            self.assertEqual(p.finish(None), 3)

    def test_publish_while_disconnected_and_oversize_refused(self):
        broker = Broker()
        broker.kill()
        try:
            p = self.probe(url=broker.url)
            self.assertEqual(p.command("pub t/x 0 hello", "pub")["rc"], "IO")
        finally:
            broker.stop()
        p = self.probe()
        self.assertIsNotNone(p.connected(), p.stderr)
        live = self.subscriber("t/#")
        self.assertEqual(p.command("big t/big 65537", "pub")["rc"], "TOO_LARGE")
        ok = p.command("big t/max 65536", "pub")
        self.assertEqual(ok["rc"], "OK")
        self.assertEqual(ok["refused"], 1)
        m = live.wait_for(lambda m: m[0] == "t/max")
        self.assertIsNotNone(m)
        self.assertEqual(len(m[1]), 65536)
        self.assertIsNone(live.wait_for(lambda m: m[0] == "t/big", 0.5))
        self.assertEqual(p.command("pub t/bad/# 0 x", "pub")["rc"], "INVAL")
        self.stop_clean(p)

    def test_inflight_bound_while_broker_hangs(self):
        broker = Broker()
        try:
            p = self.probe(url=broker.url)
            self.assertIsNotNone(p.connected(), p.stderr)
            # let "online" complete, so the burst starts with nothing in flight
            self.assertIsNotNone(p.wait(lambda e: True, 0))
            deadline = time.monotonic() + 10
            while p.command("stats", "stats")["published"] < 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            rss0 = p.rss_kib()
            broker.pause()
            b = p.command("burst 2000 t/flood 1000", "burst", timeout=30)
            self.assertIsNotNone(b)
            self.assertEqual(b["ok"], 256, b)  # PDB_MQ_OUTBOX_MAX
            self.assertEqual(b["too_large"], 2000 - 256, b)
            self.assertEqual(b["refused"], 2000 - 256, b)
            again = p.command("burst 10 t/flood 1000", "burst")
            self.assertEqual(again["ok"], 0, again)
            self.assertLess(p.rss_kib() - rss0, 16 * 1024, "the heap grew while full")
            broker.resume()
            deadline = time.monotonic() + 20
            st = p.command("stats", "stats")
            while st["published"] < 1 + 256 and time.monotonic() < deadline:
                time.sleep(0.2)
                st = p.command("stats", "stats")
            self.assertGreaterEqual(st["published"], 1 + 256, st)
            self.assertTrue(st["connected"])
            self.assertEqual(p.command("pub t/after 0 ok", "pub")["rc"], "OK")
            self.stop_clean(p)
        finally:
            broker.stop()


class BrokerFixtureTest(unittest.TestCase):
    """The fixture hands out the broker it started, never a listener someone else opened."""

    def test_a_port_taken_before_the_bind_is_not_mistaken_for_ours(self):
        # A race that failed test_username_password: the free port was taken (here by an
        # anonymous broker) before ours bound it; ours died, the old readiness check
        # connected to the other one, and the probe with a wrong password was let in.
        other = Broker()
        real, taken = mqfixture._free_port, [other.port]
        mqfixture._free_port = lambda: taken.pop() if taken else real()
        try:
            b = Broker(password=PASSWORD)
        finally:
            mqfixture._free_port = real
        try:
            self.assertNotEqual(b.port, other.port)
            self.assertIn("Address already in use", b.log_text())  # the first try collided
            wrong = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(b.port), "-u",
                                    Broker.USER, "-P", "wrong", "-t", "t", "-m", "m"],
                                   capture_output=True, timeout=10)
            self.assertNotEqual(wrong.returncode, 0, "a wrong password was let in")
        finally:
            b.stop()
            other.stop()


if __name__ == "__main__":
    unittest.main()
