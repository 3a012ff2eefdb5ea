"""A fake LED class tree and a fake input device, and a way to look at the lamps.

`FakeLeds(dir)` makes LED directories the way the kernel's LED class lays
them out (brightness, max_brightness, trigger, delay_on, delay_off, and the
transient trigger's state, duration, activate): plain files that keep what
was written last. `FakeLeds.look(name)` watches one for a moment, as a person
would, and names what it shows: "on", "off", "slow", "fast", "double",
"refuse", "beep", from the kernel timers pdbridge arms (a lit arm, or a dark
one on a lamp lit at rest) or from the timer trigger's delays
(docs/board.md has the table). `FakeButton(root)` is an input device named
"pd-ack" under root/sys/class/input with a FIFO at root/dev/input/event3
that carries struct input_event records stamped on CLOCK_MONOTONIC.

As a program (scripts/demo.sh) it makes a fake tree, or prints what its lamps show:
  python3 lampfixture.py --make DIR NAME...
  python3 lampfixture.py DIR [NAME_LIT_AT_REST...]
"""

import errno
import os
import struct
import sys
import time

TRIGGERS = "[none] kbd-numlock timer oneshot heartbeat transient mmc0\n"
DEADMAN_MS = 15000  # PDB_LAMP_DEADMAN_MS

# What an LED shows, by the lengths of the arms it gets: lit arms on a lamp
# dark at rest, dark arms on one lit at rest (lamp_pattern.c).
ARMS = {
    False: {"on": {DEADMAN_MS}, "slow": {1000}, "fast": {150}, "double": {120},
            "refuse": {50}, "beep": {200}},
    True: {"off": {DEADMAN_MS}, "slow": {1000}, "fast": {150}, "double": {180, 1080},
           "refuse": {50}},
}
DELAYS = {(1000, 1000): "slow", (150, 150): "fast", (50, 50): "refuse"}

EV_SYN, EV_KEY, KEY_ENTER = 0, 1, 28
EVENT = struct.Struct("@llHHi")  # struct input_event on a 64-bit host


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def _shown(samples, rest_lit):
    """Name what a lamp showed in @samples (dicts of its files, in time order)."""
    trig = {f["trigger"] for f in samples}
    if trig == {"timer"}:
        delays = {(f["delay_on"], f["delay_off"]) for f in samples}
        if len(delays) == 1:
            on, off = delays.pop()
            return DELAYS.get((int(on or 0), int(off or 0)), "blink %s/%s" % (on, off))
    if trig == {"transient"}:
        arms = {(f["state"], f["duration"]) for f in samples if f["activate"] == "1"}
        if not arms:
            return "on" if rest_lit else "off"
        lit = "0" if rest_lit else "1"
        lengths = {int(d) for s, d in arms if s == lit and d.isdigit()}
        for shown, want in ARMS[rest_lit].items():
            if len(lengths) == len(arms) and lengths == want:
                return shown
    if trig == {"none"}:
        bright = {f["brightness"] for f in samples}
        if bright == {"0"}:
            return "off"
        return "on" if "0" not in bright else "blinking"
    return "mixed %s" % sorted({tuple(sorted(f.items())) for f in samples})[:3]


class FakeLeds:
    def __init__(self, path):
        self.path = path
        os.makedirs(path, exist_ok=True)

    def make(self, name, triggers=TRIGGERS, max_brightness="1"):
        d = os.path.join(self.path, name)
        os.makedirs(d, exist_ok=True)
        for attr, value in (("brightness", "0"), ("max_brightness", max_brightness),
                            ("delay_on", "500"), ("delay_off", "500"), ("state", "0"),
                            ("duration", "0"), ("activate", "0")):
            with open(os.path.join(d, attr), "w") as f:
                f.write(value + "\n")
        if triggers is not None:
            with open(os.path.join(d, "trigger"), "w") as f:
                f.write(triggers)
        return d

    def attr(self, name, attr):
        return _read(os.path.join(self.path, name, attr))

    def files(self, name):
        return {a: self.attr(name, a) for a in ("trigger", "brightness", "state", "duration",
                                                 "activate", "delay_on", "delay_off")}

    def look(self, name, rest_lit=False, seconds=1.7):
        """What LED @name shows over @seconds."""
        return self.look_all({name: rest_lit}, seconds)[name]

    def look_all(self, rest_lit, seconds=1.7):
        """What each LED of @rest_lit ({name: lit at rest}) shows over @seconds (10 ms samples)."""
        seen = self.samples(rest_lit, seconds)
        return {n: _shown(samples, rest_lit[n]) for n, samples in seen.items()}

    def samples(self, names, seconds):
        """The files of each LED of @names every 10 ms for @seconds; a file caught
        between the truncation and the write of a value (empty) drops that sample."""
        seen = {n: [] for n in names}
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for n, samples in seen.items():
                f = self.files(n)
                if all(f.values()):
                    samples.append(f)
            time.sleep(0.01)
        return seen

    def arms(self, name, seconds):
        """The (state, duration) arms LED @name got over @seconds."""
        return {(f["state"], f["duration"]) for f in self.samples([name], seconds)[name]
                if f["trigger"] == "transient" and f["activate"] == "1"}

    def wait(self, name, want, rest_lit=False, timeout=20):
        """Look until LED @name shows @want; returns what it showed last."""
        deadline = time.monotonic() + timeout
        shown = None
        while time.monotonic() < deadline:
            shown = self.look(name, rest_lit)
            if shown == want:
                break
        return shown


class FakeButton:
    """The input device "pd-ack": a FIFO the daemon reads, written here."""

    def __init__(self, root):
        self.root = root
        d = os.path.join(root, "sys/class/input/event3/device")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "name"), "w") as f:
            f.write("pd-ack\n")
        os.makedirs(os.path.join(root, "dev/input"), exist_ok=True)
        self.node = os.path.join(root, "dev/input/event3")
        self.make()
        self.fd = -1
        self.until = 0.0  # the time of the last edge written

    def make(self):
        if not os.path.exists(self.node):
            os.mkfifo(self.node, 0o600)

    def plug(self, timeout=15):
        """Open the writing end, once the daemon has the reading end open."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.fd = os.open(self.node, os.O_WRONLY | os.O_NONBLOCK)
                return
            except OSError as e:
                if e.errno not in (errno.ENXIO, errno.ENOENT) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def unplug(self):
        if self.fd >= 0:
            os.close(self.fd)
        self.fd = -1

    def write(self, data):
        os.write(self.fd, data)

    @staticmethod
    def record(type_, code, value, at):
        sec = int(at)
        return EVENT.pack(sec, int((at - sec) * 1e6), type_, code, value)

    def keys(self, edges):
        """(value, seconds from now) pairs: 1 down, 0 up, 2 repeat; each with a sync.

        Written at once, stamped ahead; the next call waits until they are past (and
        the debounce with them), as edges of a real key never come from the future."""
        time.sleep(max(0.0, self.until + 0.1 - time.monotonic()))
        now = time.monotonic()
        self.write(b"".join(self.record(EV_KEY, KEY_ENTER, v, now + dt) +
                            self.record(EV_SYN, 0, 0, now + dt) for v, dt in edges))
        self.until = now + max(dt for _, dt in edges)

    def short_press(self):
        self.keys([(1, 0), (0, 0.15)])

    def long_press(self, hold=1.8):
        self.keys([(1, 0), (0, hold)])


if __name__ == "__main__":
    if sys.argv[1] == "--make":
        for n in sys.argv[3:]:
            FakeLeds(sys.argv[2]).make(n)
        sys.exit(0)
    leds = FakeLeds(sys.argv[1])
    names = sorted(n for n in os.listdir(sys.argv[1])
                   if os.path.isfile(os.path.join(sys.argv[1], n, "brightness")))
    shown = leds.look_all({n: n in sys.argv[2:] for n in names})
    print("  ".join("%s: %s" % (n, shown[n]) for n in names))
