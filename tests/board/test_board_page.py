"""The board page in a real browser: Debian's headless Chromium against `pdbridge run`.

Two daemons (board.theme light and dark) watch one quiet service of the PagerDuty
simulator, with a real mosquitto as in tests/integration/test_daemon.py; a tab on
each follows the page's event stream. The test changes PagerDuty and reads the
rendered DOM: the level word and the band's colour go ok -> triggered ->
acknowledged -> (PagerDuty answering 503) unknown with "last good update" -> ok,
each within one poll interval plus slack (stale: stale_after polls plus slack);
the on-call names are the simulator's; the page logs no error. A daemon that goes
away turns its page grey with "Reconnecting" at once, and the page comes back by
itself once the daemon does.

At every level each tab is shot at 1920x1080, 800x480 and 480x320 into
build-test/board/<theme>-<w>x<h>-<level>.png, and each shot is checked:
  - the colour: an 8x8 block at the band's top-left corner (inside the band at
    every size, away from any text) is the level's colour, read from the PNG;
  - no horizontal overflow, no scroll bars: the document is exactly the viewport
    (scrollWidth/scrollHeight), no visible element reaches past the viewport's
    edges, text cut short is cut by an ellipsis (text-overflow), and the visible
    rows of a list neither overlap one another nor leave their list.
Run: PDB_BUILD=build python3 -m unittest -v tests/board/test_board_page.py
"""

import json
import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "integration")]

from cdp import Browser, png_pixels  # noqa: E402
from mqfixture import Broker  # noqa: E402
from simfixture import TOKEN, TOP, Sim  # noqa: E402
from test_daemon import Daemon  # noqa: E402

POLL_S = 5
STALE_AFTER = 2
SLACK_S = 8
SIZES = ((1920, 1080), (800, 480), (480, 320))
COLOURS = {"ok": (0x13, 0x73, 0x33), "acked": (0xa8, 0x4f, 0x00),
           "triggered": (0xc5, 0x22, 0x1f), "unknown": (0x5f, 0x63, 0x68)}
WORDS = {"ok": "OK", "acked": "ACKNOWLEDGED", "triggered": "TRIGGERED", "unknown": "UNKNOWN"}
SHOTS = os.path.join(TOP, "build-test", "board")

# What the page shows, for the test to compare.
SHOWN = """(() => ({
  level: document.getElementById('band').className,
  word: document.getElementById('word').textContent,
  line: document.getElementById('line').textContent,
  seq: +document.getElementById('band').dataset.seq,
  oncall: [...document.querySelectorAll('#oc li.who')].filter(li => li.style.display != 'none')
          .map(li => [li.querySelector('.lvl').textContent, li.querySelector('.name').textContent]),
  incidents: [...document.querySelectorAll('#inc li.inc')].filter(li => li.style.display != 'none')
          .map(li => li.querySelector('.title').textContent),
}))()"""

# Everything that would be overflow, overlap or a scroll bar (empty: none).
LAYOUT = """(() => {
  const W = innerWidth, H = innerHeight, d = document.documentElement, bad = [];
  if (d.scrollWidth > W || d.scrollHeight > H) bad.push('document is ' + d.scrollWidth + 'x' + d.scrollHeight);
  for (const e of document.querySelectorAll('body *')) {
    const cs = getComputedStyle(e), r = e.getBoundingClientRect();
    if (cs.display == 'none' || !r.width || !r.height || e.closest('[style*="display: none"]')) continue;
    if (r.left < -0.5 || r.right > W + 0.5 || r.top < -0.5 || r.bottom > H + 0.5)
      bad.push('outside the viewport: ' + (e.id || e.className || e.tagName));
    if (!e.children.length && e.scrollWidth > e.clientWidth + 1 && cs.textOverflow != 'ellipsis')
      bad.push('cut without an ellipsis: ' + e.textContent.slice(0, 30));
  }
  for (const ul of document.querySelectorAll('ul')) {
    const u = ul.getBoundingClientRect();
    let prev = -1e9;
    for (const li of ul.children) {
      if (li.style.display == 'none') continue;
      const r = li.getBoundingClientRect();
      if (r.top < prev - 0.5) bad.push('rows overlap: ' + li.textContent.slice(0, 30));
      if (r.bottom > u.bottom + 0.5) bad.push('row leaves its list: ' + li.textContent.slice(0, 30));
      prev = r.bottom;
    }
  }
  return bad;
})()"""


def board_url(daemon, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = re.search(r"board page at (http://\S+/)", daemon.stderr())
        if m:
            return m.group(1)
        if daemon.proc.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError("no board page: %s" % daemon.stderr()[-2000:])


class BoardPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(SHOTS, exist_ok=True)
        # The simulator on the real clock, its data anchored now: ages and "until" are real.
        cls.sim = Sim(args=("--clock", "real", "--epoch", "now"))
        cls.broker = Broker()
        cls.tmp = {}
        cls.daemons = {}
        cls.urls = {}
        cls.outputs = []
        cls.service = cls.quiet_service()
        cls.browser = Browser()
        cls.tabs = {}
        for theme in ("light", "dark"):
            cls.start(theme)
            cls.tabs[theme] = cls.browser.tab(*SIZES[0])
            cls.tabs[theme].navigate(cls.urls[theme])

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        for theme in list(cls.daemons):
            cls.stop(theme)
        cls.broker.stop()
        cls.sim.stop()
        assert TOKEN not in "\n".join(cls.outputs), "the API key reached the daemon's output"

    @classmethod
    def quiet_service(cls):
        """A service with no open incident: the board starts green."""
        for s in cls.sim.api("/services?limit=100")["services"]:
            if not cls.sim.count("/incidents?statuses[]=triggered&statuses[]=acknowledged"
                                 "&service_ids[]=" + s["id"]):
                return s["id"]
        raise AssertionError("the simulator has no quiet service")

    @classmethod
    def start(cls, theme, listen="http://127.0.0.1:0/"):
        tmp = cls.tmp.setdefault(theme, os.path.join(SHOTS, "run-" + theme))
        os.makedirs(tmp, exist_ok=True)
        ident = os.path.join(tmp, "serial")
        with open(ident, "w") as f:
            f.write("10000000a1b2c3d4\n")
        env = cls.sim.env(PDBRIDGE_CONFIG=os.path.join(tmp, "config.bin"),
                          PDBRIDGE_DEVICE_ID_FILE=ident, PDBRIDGE_MQTT_URL=cls.broker.url,
                          PDBRIDGE_MQTT_NODE_ID="board-" + theme,
                          PDBRIDGE_POLL_INTERVAL=str(POLL_S),
                          PDBRIDGE_POLL_STALE_AFTER=str(STALE_AFTER),
                          PDBRIDGE_WATCH_SERVICES=cls.service, PDBRIDGE_BOARD_THEME=theme)
        cls.daemons[theme] = Daemon(env, ("--board-listen", listen))
        cls.urls[theme] = board_url(cls.daemons[theme])

    @classmethod
    def stop(cls, theme):
        rc, out, err = cls.daemons.pop(theme).stop()
        cls.outputs.extend([out.decode(errors="replace"), err])
        assert rc == 0, err[-3000:]

    # --- PagerDuty side ---------------------------------------------------------------

    def set_status(self, inc, status):
        self.sim.write("PUT", "/incidents/" + inc["id"],
                       {"incident": {"type": "incident_reference", "status": status}})

    # --- the page ------------------------------------------------------------------------

    def shown(self, theme):
        return self.tabs[theme].js(SHOWN)

    def wait_level(self, level, timeout, sub=None):
        """Both tabs show @level (and @sub in the line under the word) within @timeout s."""
        took = 0
        for theme, tab in self.tabs.items():
            expr = ("(() => { const s = %s; return s.level == %s && s.word == %s && %s ? s : null })()"
                    % (SHOWN, json.dumps(level), json.dumps(WORDS[level]),
                       "s.line.includes(%s)" % json.dumps(sub) if sub else "true"))
            _, t = tab.wait(expr, timeout, "%s page at %s" % (theme, level))
            took = max(took, t)
        return took

    def shoot(self, level):
        """Every tab at every size: the PNG, the band's colour, the layout."""
        for theme, tab in self.tabs.items():
            for w, h in SIZES:
                tab.resize(w, h)
                tab.frame()
                png = tab.screenshot()
                name = "%s-%dx%d-%s.png" % (theme, w, h, level)
                with open(os.path.join(SHOTS, name), "wb") as f:
                    f.write(png)
                rows = png_pixels(png, 12)
                self.assertEqual(len(rows[0]), w, name)
                block = {rows[y][x] for y in range(4, 12) for x in range(4, 12)}
                self.assertEqual(block, {COLOURS[level]}, "%s: the band is not %s" % (name, level))
                self.assertEqual(tab.js(LAYOUT), [], name)
            tab.resize(*SIZES[0])

    def assert_no_errors(self):
        for theme, tab in self.tabs.items():
            self.assertEqual(tab.errors(), [], "%s page reported errors" % theme)

    # --- the tests ----------------------------------------------------------------------

    def test_1_levels_follow_pagerduty(self):
        self.wait_level("ok", POLL_S + SLACK_S, "No open incidents")
        self.shoot("ok")
        oncall = self.shown("light")["oncall"]
        sim = self.sim.api("/oncalls?limit=100&earliest=true")["oncalls"]
        expected = {("L%d" % o["escalation_level"], o["user"]["summary"]) for o in sim}
        self.assertGreaterEqual(len(oncall), 3, oncall)
        self.assertLessEqual({tuple(o) for o in oncall}, expected)

        svc = self.service
        inc = self.sim.control("POST", "/_sim/trigger", {"service_id": svc, "urgency": "high",
                                                         "title": "Disk full on db-7"})["incident"]
        took = self.wait_level("triggered", POLL_S + SLACK_S, "1 triggered")
        print("triggered shown after %.1f s" % took)
        self.assertIn("Disk full on db-7", self.shown("dark")["incidents"])
        self.shoot("triggered")

        self.set_status(inc, "acknowledged")
        took = self.wait_level("acked", POLL_S + SLACK_S, "1 acknowledged")
        print("acknowledged shown after %.1f s" % took)
        self.shoot("acked")

        self.sim.control("POST", "/_sim/faults", {"kind": "5xx", "status": 503, "count": -1})
        took = self.wait_level("unknown", (STALE_AFTER + 1) * POLL_S + SLACK_S,
                               "last good update")
        print("stale shown after %.1f s" % took)
        self.assertIn("PagerDuty unreachable", self.shown("light")["line"])
        self.shoot("unknown")
        self.sim.control("DELETE", "/_sim/faults")
        self.wait_level("acked", 2 * POLL_S + SLACK_S)

        self.set_status(inc, "resolved")
        took = self.wait_level("ok", POLL_S + SLACK_S, "No open incidents")
        print("resolved shown after %.1f s" % took)
        self.assert_no_errors()

    def test_2_a_daemon_gone_is_grey_then_back(self):
        self.wait_level("ok", POLL_S + SLACK_S)
        url = self.urls["dark"]
        self.stop("dark")
        tab = self.tabs["dark"]
        tab.wait("document.getElementById('band').className == 'unknown' && "
                 "document.getElementById('sub').textContent.includes('Reconnecting')", 5,
                 "reconnecting")
        self.start("dark", url)  # the same port: the page finds it again by itself
        _, took = tab.wait("document.getElementById('band').className == 'ok'", 40,
                           "back after the restart")
        print("back %.1f s after the restart" % took)


if __name__ == "__main__":
    unittest.main()
