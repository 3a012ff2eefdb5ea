"""Python's unittest with a deadline on every test: no test may hang.

Used exactly as `python3 -m unittest`, e.g.
    python3 tests/pyrun.py discover -v -s tests/integration
    python3 tests/pyrun.py test_mcp_transports          (from tests/integration)
    python3 tests/pyrun.py -j 2 discover -s tests/integration -v   (modules side by side)

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

def run_parallel(jobs, start, argv):
    """`discover -s START` with the test modules spread over JOBS processes.

    The modules share nothing (each starts its own simulator, broker and
    binaries on free ports), and most of their time is spent waiting for a
    poll or a timeout, so two at a time on two cores take about half as long.
    Each module's output is printed whole when it ends; the last lines add
    the counts up as unittest does. Returns the exit status.
    """
    import glob
    import re
    import subprocess
    import time

    # the biggest (the slowest, near enough) first, so the two queues end together
    mods = [os.path.basename(p)[:-3] for p in
            sorted(glob.glob(os.path.join(start, "test_*.py")), key=os.path.getsize, reverse=True)]
    waiting, running, ran, bad = list(mods), [], 0, []
    t0 = time.monotonic()
    while waiting or running:
        while waiting and len(running) < jobs:
            m = waiting.pop(0)
            out = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), f"pyrun-{os.getpid()}-{m}.log"),
                       "w+")
            p = subprocess.Popen([sys.executable, os.path.abspath(__file__), *argv, m],
                                 cwd=start, stdout=out, stderr=subprocess.STDOUT)
            running.append((m, p, out))
        time.sleep(0.2)
        for m, p, out in [r for r in running if r[1].poll() is not None]:
            running.remove((m, p, out))
            out.seek(0)
            text = out.read()
            out.close()
            os.unlink(out.name)
            sys.stdout.write(f"==== {m} (exit {p.returncode})\n{text}")
            sys.stdout.flush()
            n = re.search(r"^Ran (\d+) tests?", text, re.M)
            ran += int(n.group(1)) if n else 0
            if p.returncode:
                bad.append(m)
    print("-" * 70)
    print(f"Ran {ran} tests in {time.monotonic() - t0:.3f}s\n")
    print(f"FAILED (modules: {', '.join(bad)})" if bad else "OK")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path[0] = ""  # as `python3 -m unittest`: test modules are found from the cwd
    if len(sys.argv) > 4 and sys.argv[1] == "-j" and sys.argv[3:5] == ["discover", "-s"]:
        # pyrun.py -j N discover -s DIR [-v]: modules in N processes
        sys.exit(run_parallel(int(sys.argv[2]), sys.argv[5], sys.argv[6:]))
    sys.argv[0] = "python3 -m unittest"
    unittest.main(module=None)
