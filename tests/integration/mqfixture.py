"""A real mosquitto broker as a test fixture, with a subscriber and a publisher.

`Broker()` starts /usr/sbin/mosquitto on a free 127.0.0.1 port from a config
generated in a temp dir (one listener on 127.0.0.1 only, persistence off,
anonymous access unless a password is given, then only the user `Broker.USER`
with that password). `Subscriber` runs mosquitto_sub in the background and
collects `(topic, payload, retained)` tuples; `publish()` runs mosquitto_pub.
Only 127.0.0.1 is ever used. Python stdlib only; needs the Debian packages
mosquitto and mosquitto-clients (scripts/install-packages.sh).

The free port is found by binding port 0 and closing it, so another process
may take it before mosquitto binds it. A broker is therefore ready only when
its own log says it is running (mosquitto says so after its listener is
bound): a connection that succeeds proves nothing, it may reach a listener
someone else opened on that port, and a test would then talk to the wrong
broker (one that lets any password in, say).
"""

import getpass
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid

MOSQUITTO = "/usr/sbin/mosquitto"
HOST = "127.0.0.1"
RUNNING = re.compile(r"mosquitto version \S+ running")  # logged once its listener is bound


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _auth_args(broker):
    return ["-u", broker.USER, "-P", broker.password] if broker.password else []


class Broker:
    """One mosquitto process; `.port`, `.url` ("mqtt://127.0.0.1:PORT")."""

    USER = "pdbridge"

    def __init__(self, password=None):
        self.password = password
        self.tmp = tempfile.TemporaryDirectory(prefix="mqbroker-")
        self.conf = os.path.join(self.tmp.name, "mosquitto.conf")
        self.log = os.path.join(self.tmp.name, "mosquitto.log")
        lines = ["listener %d " + HOST, "persistence false", "log_dest stderr",
                 "log_type error", "log_type warning", "log_type notice",
                 "log_type information"]
        if os.geteuid() == 0:
            lines.append("user " + getpass.getuser())  # do not drop to 'mosquitto'
        if password:
            pwfile = os.path.join(self.tmp.name, "passwd")
            subprocess.run(["mosquitto_passwd", "-c", "-b", pwfile, self.USER, password],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            lines += ["allow_anonymous false", "password_file " + pwfile]
        else:
            lines.append("allow_anonymous true")
        self._lines = lines
        self.proc = None
        self.port = None
        for _ in range(5):  # a free port can be taken between the probe and the bind
            self.port = _free_port()
            if self._start():
                break
        else:
            raise RuntimeError("mosquitto did not start: %s" % self.log_text())
        self.url = "mqtt://%s:%d" % (HOST, self.port)

    def _start(self):
        with open(self.conf, "w") as f:
            f.write("\n".join(self._lines).replace("%d", str(self.port)) + "\n")
        self._log_from = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        self._logf = open(self.log, "a")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", self.conf], stdout=self._logf,
                                     stderr=subprocess.STDOUT)
        try:
            self.wait_ready()
            return True
        except RuntimeError:
            self.kill()
            return False

    def wait_ready(self, timeout=10):
        """Wait until this mosquitto's own listener is bound and accepts connections."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("mosquitto exited: %s" % self.log_text()[self._log_from:])
            if RUNNING.search(self.log_text()[self._log_from:]):
                try:
                    with socket.create_connection((HOST, self.port), timeout=1):
                        return
                except OSError:
                    pass
            time.sleep(0.05)
        raise RuntimeError("mosquitto not ready on port %d" % self.port)

    def log_text(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def _reap(self):
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._logf.close()

    def _halt(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # in case a test left it stopped
            self.proc.send_signal(signal.SIGTERM)
        if self.proc:
            self._reap()

    def stop(self):
        """SIGTERM, and remove the temp dir: the broker is done."""
        self._halt()
        self.tmp.cleanup()

    def kill(self):
        """SIGKILL (the temp dir stays: restart() works after it)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self._reap()

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def restart(self, down_s=0.0):
        """Stop and start again on the same port (retained messages are gone)."""
        self._halt()
        time.sleep(down_s)
        deadline = time.monotonic() + 10
        while not self._start():
            if time.monotonic() > deadline:
                raise RuntimeError("mosquitto did not restart: %s" % self.log_text())
            time.sleep(0.2)



class Subscriber:
    """mosquitto_sub on @topic in a background thread; collects (topic, payload, retained)."""

    def __init__(self, broker, topic="#"):
        self.broker = broker
        self._sync = "mqfixture/sync/" + uuid.uuid4().hex
        self._msgs = []
        self._times = []  # time.monotonic() of each message's arrival
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(
            ["mosquitto_sub", "-h", HOST, "-p", str(broker.port), "-q", "1",
             "-F", "%j", "-t", topic, "-t", self._sync, *_auth_args(broker)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        self.wait_subscribed()

    def _read(self):
        for line in self.proc.stdout:
            try:
                j = json.loads(line)
            except ValueError:
                continue
            payload = j.get("payload")
            if payload is None:  # a zero-length message
                payload = ""
            elif not isinstance(payload, str):  # mosquitto_sub may embed JSON as JSON
                payload = json.dumps(payload, separators=(",", ":"))
            msg = (j.get("topic", ""), payload, bool(j.get("retain")))
            with self._cond:
                self._msgs.append(msg)
                self._times.append(time.monotonic())
                self._cond.notify_all()

    def wait_subscribed(self, timeout=10):
        """Publish to a private topic until it comes back: then the subscription is live.

        Call it again after Broker.restart(): mosquitto_sub reconnects by itself,
        but a message published before it is back is not seen.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                n = len(self._msgs)
            publish(self.broker, self._sync, "sync", qos=0)
            with self._cond:
                if self._cond.wait_for(
                        lambda: any(m[0] == self._sync for m in self._msgs[n:]), 0.3):
                    return
        raise RuntimeError("mosquitto_sub did not subscribe")

    def messages(self):
        with self._cond:
            return [m for m in self._msgs if m[0] != self._sync]

    def timed_messages(self):
        """(arrival time.monotonic(), topic, payload, retained) of each message, in order."""
        with self._cond:
            return [(t,) + m for t, m in zip(self._times, self._msgs) if m[0] != self._sync]

    def wait_for(self, predicate, timeout=10, since=0):
        """The first message (topic, payload, retained) for which @predicate is true, or None.
        @since: skip the first messages (an index into messages(), e.g. its length before an
        action)."""
        def find():
            for m in [m for m in self._msgs if m[0] != self._sync][since:]:
                if predicate(m):
                    return m
            return None

        with self._cond:
            self._cond.wait_for(lambda: find() is not None, timeout)
            return find()

    def clear(self):
        with self._cond:
            self._msgs.clear()
            self._times.clear()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._thread.join(5)
        self.proc.stdout.close()


def publish(broker, topic, payload, retain=False, qos=1):
    """One message through mosquitto_pub; an empty payload is sent as a zero-length message."""
    args = ["mosquitto_pub", "-h", HOST, "-p", str(broker.port), "-t", topic,
            "-q", str(qos), *_auth_args(broker)]
    args += ["-m", payload] if payload else ["-n"]
    if retain:
        args.append("-r")
    subprocess.run(args, check=True, timeout=10, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
