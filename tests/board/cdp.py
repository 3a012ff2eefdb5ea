"""Headless Chromium driven over the DevTools protocol, Python stdlib only.

`Browser()` starts Debian's /usr/bin/chromium headless with a fresh profile
and --remote-debugging-pipe (the protocol on fds 3 and 4: NUL-terminated JSON,
no port at all), and `browser.tab(width, height)` opens a page target of that
viewport. A `Tab` navigates, evaluates JavaScript, takes PNG screenshots and
collects what the page reported as an error (console errors, exceptions,
failed loads). Every call has a deadline: nothing here can hang a test.

`png_pixels(png, rows)` decodes the first rows of a PNG (8-bit RGB/RGBA, not
interlaced: what Chromium writes) into rows of (r, g, b) tuples.
"""

import base64
import json
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import zlib

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--mute-audio", "--remote-debugging-pipe",
         # every tab renders as if in front: two pages are followed at once
         "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
         "--disable-backgrounding-occluded-windows"]


class CdpError(RuntimeError):
    pass


class Browser:
    def __init__(self, timeout=30):
        self.profile = tempfile.mkdtemp(prefix="pdb-chromium-")
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()

        def fds():  # the protocol's fds are 3 (chromium reads) and 4 (chromium writes)
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, "--user-data-dir=" + self.profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err,
            preexec_fn=fds, pass_fds=(3, 4), env=dict(os.environ, TZ="UTC", LANG="en_US.UTF-8"))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._id = 0
        self._lock = threading.Lock()
        self._cv = threading.Condition()
        self._replies = {}
        self._events = []
        self._closed = False
        threading.Thread(target=self._reader, daemon=True).start()
        self.timeout = timeout
        self.call("Browser.getVersion")

    def _reader(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self._r, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                m = json.loads(msg)
                with self._cv:
                    if "id" in m:
                        self._replies[m["id"]] = m
                    else:
                        self._events.append(m)
                    self._cv.notify_all()
        with self._cv:
            self._closed = True
            self._cv.notify_all()

    def call(self, method, params=None, session=None, timeout=None):
        with self._lock:
            self._id += 1
            mid = self._id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cv:
            while mid not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    raise CdpError("%s: no answer (%s)" % (method, "closed" if self._closed
                                                           else "timeout"))
                self._cv.wait(left)
            reply = self._replies.pop(mid)
        if "error" in reply:
            raise CdpError("%s: %s" % (method, reply["error"]))
        return reply.get("result", {})

    def events(self, session):
        with self._cv:
            return [e for e in self._events if e.get("sessionId") == session]

    def tab(self, width, height):
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        return Tab(self, target, session, width, height)

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except CdpError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._w)
        self.err.close()
        shutil.rmtree(self.profile, ignore_errors=True)


class Tab:
    def __init__(self, browser, target, session, width, height):
        self.b, self.target, self.session = browser, target, session
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(domain + ".enable")
        self.resize(width, height)

    def call(self, method, params=None, timeout=None):
        return self.b.call(method, params, self.session, timeout)

    def resize(self, width, height):
        self.size = (width, height)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def navigate(self, url):
        self.call("Page.navigate", {"url": url})

    def js(self, expr, timeout=None):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": True}, timeout)
        if "exceptionDetails" in r:
            raise CdpError("%s: %s" % (expr[:60], r["exceptionDetails"]))
        return r["result"].get("value")

    def wait(self, expr, timeout, what=None):
        """Poll @expr until it is truthy; returns its value and the seconds it took."""
        t0 = time.monotonic()
        last = None
        while time.monotonic() - t0 < timeout:
            try:
                v = last = self.js(expr, timeout=5)
            except CdpError as e:
                v, last = None, str(e)
            if v:
                return v, time.monotonic() - t0
            time.sleep(0.1)
        raise AssertionError("%s not seen within %ss (last: %r)" % (what or expr, timeout, last))

    def frame(self):
        """In front, then the next two animation frames: layout and paint are done."""
        self.call("Page.bringToFront")
        self.js("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def screenshot(self):
        return base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"})["data"])

    def errors(self):
        """What the page reported as an error: console.error, exceptions, failed loads."""
        out = []
        for e in self.b.events(self.session):
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(p["exceptionDetails"].get("text", "exception"))
            elif m == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append("console.error: %s" % [a.get("value") for a in p.get("args", [])])
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                out.append("%s: %s" % (p["entry"].get("url", ""), p["entry"].get("text")))
        return out

    def close(self):
        self.b.call("Target.closeTarget", {"targetId": self.target})


def png_pixels(png, rows):
    """The first @rows rows of an 8-bit RGB/RGBA PNG as lists of (r, g, b)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", data)
            if depth != 8 or color not in (2, 6) or interlace:
                raise ValueError("unsupported PNG: depth %d colour %d" % (depth, color))
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += data
        pos += 12 + n
    stride = w * bpp
    raw = zlib.decompressobj().decompress(idat, (stride + 1) * min(rows, h))
    prev = bytearray(stride)
    out = []
    for y in range(min(rows, h)):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return out
