"""The soak's checks (checks.py) on planted faults: each one must fail when the
fault it exists for is there, and pass when it is not."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402


class HeapTest(unittest.TestCase):
    def test_the_sigusr1_lines_are_read(self):
        log = ("pdbridge info ev: heap: in use 1721810 bytes, peak 1904113, allocations 412977\n"
               "other\npdbridge info ev: heap: in use 12 bytes, peak 13, allocations 14\n")
        self.assertEqual(checks.heap_lines(log), [(1721810, 1904113, 412977), (12, 13, 14)])
        self.assertEqual(checks.heap_lines("no such line"), [])

    def test_growth_past_the_slack_fails(self):
        self.assertEqual(checks.bounded_growth("RSS", 5500, 5564, 64, "KiB"), [])
        self.assertEqual(checks.bounded_growth("RSS", 5500, 5400, 64, "KiB"), [])
        self.assertIn("+65", checks.bounded_growth("RSS", 5500, 5565, 64, "KiB")[0])

    def test_equal(self):
        self.assertEqual(checks.equal("fds", 26, 26), [])
        self.assertTrue(checks.equal("fds", 26, 27))


class AckTest(unittest.TestCase):
    def test_one_result_each_passes(self):
        self.assertEqual(checks.acks_answered_once(
            [5, 7, 7], ['{"ok":true,"seq":7}', '{"ok":false,"seq":5}', '{"ok":false,"seq":7}']), [])

    def test_a_missing_result_fails(self):
        self.assertEqual(len(checks.acks_answered_once([5, 7], ['{"ok":true,"seq":5}'])), 1)

    def test_a_double_result_fails(self):
        bad = checks.acks_answered_once([5], ['{"ok":true,"seq":5}', '{"ok":true,"seq":5}'])
        self.assertIn("1 ack(s) sent, 2 result(s)", bad[0])

    def test_a_result_nobody_asked_for_fails(self):
        self.assertTrue(checks.acks_answered_once([], ['{"ok":true,"seq":9}']))
        self.assertTrue(checks.acks_answered_once([], ["not json"]))


class LevelTest(unittest.TestCase):
    # an incident triggered from t=10 to t=60, snapshots every second
    SNAPS = [(float(t), {"PINC"} if 10 <= t < 60 else set()) for t in range(0, 100)]

    def judge(self, levels, blind=()):
        return checks.calm_violations(
            checks.calm_lags(levels, checks.Truth(self.SNAPS), blind), 20)

    def test_the_lag_is_measured_from_the_oldest_triggered(self):
        lags = checks.calm_lags([(1.0, "ok"), (35.0, "triggered")], checks.Truth(self.SNAPS))
        self.assertEqual(max(lag for _, lag, _ in lags), 24.0)  # t=34, the last second of ok
        self.assertEqual(lags[-1][2], ["PINC"])

    def test_truth_remembers_when_a_run_began(self):
        truth = checks.Truth(self.SNAPS + [(200.0, {"PINC"})])
        self.assertIsNone(truth.at(-1))
        self.assertEqual(truth.at(30.5), {"PINC": 10.0})
        self.assertEqual(truth.at(70), {})
        self.assertEqual(truth.at(250), {"PINC": 200.0})  # triggered again: a new run

    def test_ok_within_the_window_passes(self):
        levels = [(1.0, "ok"), (25.0, "triggered"), (61.0, "ok")]
        self.assertEqual(self.judge(levels), [])

    def test_ok_past_the_window_fails(self):
        levels = [(1.0, "ok"), (35.0, "triggered"), (61.0, "ok")]
        bad = self.judge(levels)
        self.assertTrue(bad)
        self.assertIn("PINC", bad[0])

    def test_acked_while_one_is_triggered_fails_too(self):
        self.assertTrue(self.judge([(1.0, "ok"), (11.0, "acked"), (45.0, "triggered")]))

    def test_ok_as_it_leaves_between_two_snapshots_passes(self):
        # gone at the snapshot of t=60: at 59.5 the daemon may already have read it acked
        self.assertEqual(self.judge([(1.0, "triggered"), (59.5, "ok")]), [])

    def test_an_ok_published_late_fails_too(self):
        levels = [(1.0, "triggered"), (40.0, "ok"), (41.0, "triggered")]
        self.assertTrue(self.judge(levels))

    def test_unknown_and_blind_times_are_not_judged(self):
        levels = [(1.0, "unknown")]
        self.assertEqual(self.judge(levels), [])
        levels = [(1.0, "ok"), (50.0, "triggered")]
        self.assertEqual(self.judge(levels, blind=[(29.0, 50.0)]), [])
        self.assertTrue(self.judge(levels))


class StateTest(unittest.TestCase):
    @staticmethod
    def state(level, trig=0, ack=0, listed=(), stale=False):
        return json.dumps({"seq": 1, "level": level, "stale": stale, "triggered": trig,
                           "acknowledged": ack,
                           "incidents": [{"id": "P%d" % k, "status": st}
                                         for k, st in enumerate(listed)]})

    def test_levels_that_agree_pass(self):
        self.assertEqual(checks.state_level_violations([
            self.state("unknown"), self.state("ok"), self.state("acked", ack=2),
            self.state("triggered", 1, 1, ["triggered", "acknowledged"]),
            self.state("unknown", 1, stale=True)]), [])

    def test_ok_with_one_triggered_fails(self):
        self.assertTrue(checks.state_level_violations([self.state("ok", 1, 0, ["triggered"])]))
        self.assertTrue(checks.state_level_violations([self.state("acked", 1, 1)]))
        self.assertTrue(checks.state_level_violations([self.state("ok", 0, 0, ["triggered"])]))

    def test_a_stale_level_or_an_unknown_with_incidents_fails(self):
        self.assertTrue(checks.state_level_violations([self.state("ok", stale=True)]))
        self.assertTrue(checks.state_level_violations([self.state("unknown", 2)]))


class OfflineTest(unittest.TestCase):
    BASE = "pdbridge/soak"

    def msgs(self, *pairs):
        return [(float(k), t, p, False) for k, (t, p) in enumerate(pairs)]

    def test_offline_last_passes(self):
        m = self.msgs((self.BASE + "/state", "{}"), (self.BASE + "/status", "offline"),
                      ("other/topic", "x"))
        self.assertEqual(checks.nothing_after_offline(m, self.BASE + "/status", self.BASE), [])

    def test_a_message_after_offline_fails(self):
        m = self.msgs((self.BASE + "/status", "offline"), (self.BASE + "/state/level", "ok"))
        self.assertIn("state/level", checks.nothing_after_offline(
            m, self.BASE + "/status", self.BASE)[0])

    def test_no_offline_fails(self):
        m = self.msgs((self.BASE + "/status", "online"))
        self.assertTrue(checks.nothing_after_offline(m, self.BASE + "/status", self.BASE))


if __name__ == "__main__":
    unittest.main()
