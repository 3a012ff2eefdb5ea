"""firmware/pdbridge-kiosk: waits for pdbridge, then Chromium in kiosk mode on the page.

The script runs with a stand-in `chromium` first on PATH that records its arguments
and ends the script. Until something answers on the page's port, no browser starts;
once an HTTP server answers (401 here, as a page with a token would), the browser
starts with --kiosk, its own profile and the URL, token included; the waiting
requests never carried the token. 127.0.0.1 only.
"""

import http.server
import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FAKE = """#!/bin/sh
printf '%s\\n' "$@" > "$KIOSK_ARGS.tmp" && mv "$KIOSK_ARGS.tmp" "$KIOSK_ARGS"
kill -TERM $PPID
"""


class Handler(http.server.BaseHTTPRequestHandler):
    paths = []

    def do_GET(self):
        Handler.paths.append(self.path)
        self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class KioskTest(unittest.TestCase):
    def test_waits_for_pdbridge_then_starts_chromium_in_kiosk_mode(self):
        with tempfile.TemporaryDirectory(prefix="pdb-kiosk-") as tmp:
            os.mkdir(os.path.join(tmp, "bin"))
            fake = os.path.join(tmp, "bin", "chromium")
            with open(fake, "w") as f:
                f.write(FAKE)
            os.chmod(fake, 0o755)
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            url = "http://127.0.0.1:%d/?token=kiosk-token-0123456789" % port
            args = os.path.join(tmp, "args")
            env = {"PATH": os.path.join(tmp, "bin") + ":/usr/bin:/bin", "HOME": tmp,
                   "PDBRIDGE_KIOSK_URL": url, "KIOSK_ARGS": args}
            p = subprocess.Popen(["sh", os.path.join(TOP, "firmware", "pdbridge-kiosk")],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                time.sleep(3)
                self.assertIsNone(p.poll(), p.stderr.read() if p.poll() is not None else "")
                self.assertFalse(os.path.exists(args), "a browser started before pdbridge")
                srv = http.server.HTTPServer(("127.0.0.1", port), Handler)
                threading.Thread(target=srv.serve_forever, daemon=True).start()
                deadline = time.monotonic() + 15
                while not os.path.exists(args) and time.monotonic() < deadline:
                    time.sleep(0.1)
                srv.shutdown()
                srv.server_close()
                with open(args) as f:
                    got = f.read().split("\n")
                self.assertIn("--kiosk", got)
                self.assertIn("--user-data-dir=%s/.cache/pdbridge-kiosk" % tmp, got)
                self.assertEqual(got[-2], url)
                self.assertTrue(Handler.paths)
                self.assertFalse([q for q in Handler.paths if "token" in q], Handler.paths)
                p.wait(10)
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
                p.stderr.close()


if __name__ == "__main__":
    unittest.main()
