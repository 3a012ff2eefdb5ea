"""The soak's verdicts: pure functions over what the soak recorded.

Each function takes plain data (times from time.monotonic(), MQTT messages as
(time, topic, payload, retained), the simulator's triggered incidents as
snapshots) and returns a list of violations, each a sentence a person can act
on; an empty list is a pass. Kept apart from the driver so that
test_checks.py can show every check failing on a planted fault: a check that
cannot fail proves nothing.
"""

import collections
import json
import re

HEAP_LINE = re.compile(r"heap: in use (\d+) bytes, peak (\d+), allocations (\d+)")


def heap_lines(log):
    """Every SIGUSR1 answer in a daemon log, oldest first: (in use, peak, allocations)."""
    return [tuple(int(g) for g in m.groups()) for m in HEAP_LINE.finditer(log)]


def bounded_growth(name, before, after, slack, unit):
    """@after may exceed @before by at most @slack."""
    if after - before > slack:
        return ["%s grew from %d to %d %s (+%d, at most +%d allowed)"
                % (name, before, after, unit, after - before, slack)]
    return []


def acks_answered_once(sent, results):
    """Every `cmd/ack` sent (@sent: the seq of each, in order) has exactly one result
    (@results: the JSON payloads of `cmd/ack/result`), and no result answers nothing."""
    asked = collections.Counter(sent)
    answered = collections.Counter()
    bad = []
    for payload in results:
        try:
            answered[json.loads(payload).get("seq")] += 1
        except (ValueError, AttributeError):
            bad.append("an ack result that is not a JSON object: %r" % payload[:80])
    for seq in sorted(set(asked) | set(answered), key=str):
        if asked[seq] != answered[seq]:
            bad.append("seq %s: %d ack(s) sent, %d result(s)" % (seq, asked[seq], answered[seq]))
    return bad


class Truth:
    """The simulator's triggered incidents over time, from snapshots (time, set of ids).

    since(id, t) is when @id last became triggered before @t, as far as the
    snapshots tell (it is counted from the first snapshot that shows it)."""

    def __init__(self, snapshots):
        self.times = []
        self.entered = []  # per snapshot: {id: when its current triggered run began}
        prev = {}
        for t, ids in sorted(snapshots, key=lambda s: s[0]):
            cur = {i: prev.get(i, t) for i in ids}
            self.times.append(t)
            self.entered.append(cur)
            prev = cur

    def at(self, t):
        """{id: since} of the incidents triggered across @t: in the last snapshot at or
        before it and in the next one too (one that left between the two may have left
        before @t: the watcher reads twice a second, the daemon may have read in between).
        None before the first snapshot."""
        lo, hi = 0, len(self.times)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.times[mid] <= t:
                lo = mid + 1
            else:
                hi = mid
        if not lo:
            return None
        held = self.entered[lo - 1]
        if lo < len(self.times):
            held = {i: since for i, since in held.items() if i in self.entered[lo]}
        return held


CALM = ("ok", "acked")  # levels that say nothing is triggered


def calm_lags(levels, truth, blind=()):
    """At every snapshot time and every publish when the display shows `ok` or `acked` (the
    last level received), how long the oldest incident then triggered in the simulator had been
    so: [(time, seconds, [ids])], only where one was. @levels: (time, level) of each
    `state/level` received, in order; @truth: a Truth; @blind: (start, end) intervals when
    the display could not hear (the broker was down), skipped."""
    lags = []
    times = sorted(set(truth.times) | {t for t, _ in levels})
    i, shown = 0, None
    for t in times:
        while i < len(levels) and levels[i][0] <= t:
            shown = levels[i][1]
            i += 1
        if shown not in CALM or any(a <= t <= b for a, b in blind):
            continue
        held = truth.at(t) or {}
        if held:
            oldest = min(held.values())
            lags.append((t, t - oldest, sorted(k for k, v in held.items() if v == oldest)))
    return lags


def calm_violations(lags, window_s):
    """Never `level=ok` (nor `acked`) on the display while the simulator held an incident
    triggered for longer than @window_s (a poll's worth of lag: the interval, failed polls
    before stale, retries). @lags: calm_lags()."""
    return ["t=%.1fs: the display showed ok/acked while %s had been triggered for %.0f s"
            % (t, ", ".join(ids), lag) for t, lag, ids in lags if lag > window_s]


def state_level_violations(states):
    """Each `state` payload's level agrees with its own counts and list, as docs/mqtt.md
    defines it: `triggered` if any open incident is triggered, else `acked` if any is
    acknowledged, else `ok`; `unknown` while stale or before the first good poll."""
    bad = []
    for payload in states:
        st = json.loads(payload)
        if st["level"] == "unknown":
            if not st["stale"] and (st["triggered"] or st["acknowledged"] or st["incidents"]):
                bad.append("seq %s: unknown, not stale, with incidents" % st["seq"])
            continue
        shown = any(i["status"] == "triggered" for i in st["incidents"])
        want = ("triggered" if st["triggered"] or shown else
                "acked" if st["acknowledged"] else "ok")
        if st["stale"] or st["level"] != want:
            bad.append("seq %s: level %s, stale %s, %d triggered, %d acknowledged"
                       % (st["seq"], st["level"], st["stale"], st["triggered"],
                          st["acknowledged"]))
    return bad


def nothing_after_offline(msgs, status_topic, base):
    """The last message under @base is the daemon's own `offline` on @status_topic.
    @msgs: (time, topic, payload, retained) in order of arrival."""
    mine = [m for m in msgs if m[1] == base or m[1].startswith(base + "/")]
    offs = [k for k, m in enumerate(mine) if m[1] == status_topic and m[2] == "offline"]
    if not offs:
        return ["no offline on %s at the end" % status_topic]
    after = mine[offs[-1] + 1:]
    return ["%s after offline: %r" % (m[1], m[2][:60]) for m in after]


def equal(name, before, after):
    return [] if before == after else ["%s: %s at the baseline, %s at the end" % (name, before, after)]
