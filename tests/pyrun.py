"""Python's unittest with a deadline on every test: no test may hang.

Used exactly as `python3 -m unittest`, e.g.
    python3 tests/pyrun.py discover -v -s tests/integration
    python3 tests/pyrun.py test_mcp_transports          (from tests/integration)

Each test (setUp, the test, tearDown) gets PDB_TEST_DEADLINE seconds (240 by
default; a class may set `deadline_s`). At the deadline SIGALRM interrupts
whatever the main thread is blocked in (a read from a child or a socket, a
wait) and the test fails with TestDeadline and the line it was stuck on; its
tearDown still runs and stops the child processes it started, and the run
goes on with the next test. If the test is still not done GRACE_S seconds
later (stuck in its cleanup), every thread's stack is printed and the
process exits with status 70, so the step fails in minutes with the place
it hung, never at CI's limit.
"""

import faulthandler
import os
import signal
import sys
import unittest

DEFAULT_S = float(os.environ.get("PDB_TEST_DEADLINE", "240"))
GRACE_S = 30.0


class TestDeadline(Exception):
    """A test ran past its deadline."""


_run = unittest.TestCase.run


def _run_with_deadline(self, result=None):
    limit = float(getattr(self, "deadline_s", DEFAULT_S))
    name = self.id()
    fired = []

    def on_alarm(signum, frame):
        fired.append(1)
        if len(fired) == 1:
            signal.setitimer(signal.ITIMER_REAL, GRACE_S)
            raise TestDeadline(f"{name} ran past its deadline of {limit:g} s")
        sys.stderr.write(f"\n{name}: still not done {GRACE_S:g} s after its deadline; "
                         "every thread's stack:\n")
        faulthandler.dump_traceback(all_threads=True)
        sys.stderr.flush()
        os._exit(70)

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return _run(self, result)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


unittest.TestCase.run = _run_with_deadline

if __name__ == "__main__":
    sys.path[0] = ""  # as `python3 -m unittest`: test modules are found from the cwd
    sys.argv[0] = "python3 -m unittest"
    unittest.main(module=None)
