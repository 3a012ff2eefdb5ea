"""The HTTP(S) layer: sockets, TLS, keep-alive, auth, dispatch, logging, stats.

`Sim` holds everything that outlives one request (configuration, the Store,
clock, fault rules, request log, counters, rate-limit windows). `Server` is a
ThreadingHTTPServer that counts accepted TCP connections and, with TLS, does
each handshake in the connection's own thread (counting completed ones and
noting the SNI name). `Handler` speaks HTTP/1.1 with keep-alive; for each API
request it applies a matching fault, checks `Authorization: Token token=...`
(or `Bearer`), the rate limit and the `From` header where required (or, where
the spec makes it optional, when sent), then runs the handler from routes.py
under the store lock and answers JSON (204, and a 202 without a body, carry
none).
`/_sim/...` requests go to control.py instead and are not logged.
"""

import collections
import http.server
import ipaddress
import json
import re
import socket
import ssl
import sys
import threading
import time
import traceback
import urllib.parse

import api_audit
import control
import data
import faults as faults_mod
import routes
from api_common import Req
from render import Ctx
from util import ApiError, Query, dumps, fmt_time

MAX_BODY = 4 << 20
MAX_LOG_ENTRIES = 10000
MAX_LOGGED_BODY = 64 << 10
TOKEN_RE = re.compile(r"^\s*(?:Token\s+token=(?P<t>\S+)|Bearer\s+(?P<b>\S+))\s*$")
FROM_MISSING = 'You must specify a user\'s email address in the "From" header to perform this action'


class Stats:
    FIELDS = ("connections_accepted", "tls_handshakes", "tls_handshake_failures", "requests",
              "api_connections", "control_requests")

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._c = dict.fromkeys(self.FIELDS, 0)

    def inc(self, name):
        with self._lock:
            self._c[name] += 1

    def snapshot(self):
        with self._lock:
            return dict(self._c)


class RequestLog:
    """The last MAX_LOG_ENTRIES API requests, optionally mirrored to a JSON-lines file."""

    def __init__(self, path=None):
        self._lock = threading.Lock()
        self._entries = collections.deque(maxlen=MAX_LOG_ENTRIES)
        self._seq = 0
        self._file = open(path, "a", encoding="utf-8") if path else None

    def add(self, entry):
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)

    def finish(self, entry):
        if self._file:
            with self._lock:
                self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self._file.flush()

    def entries(self, limit=None):
        with self._lock:
            items = list(self._entries)
        return items[-limit:] if limit else items

    def clear(self):
        with self._lock:
            n = len(self._entries)
            self._entries.clear()
            return n

    def close(self):
        if self._file:
            self._file.close()


class RateLimiter:
    """Fixed windows per token; reported in ratelimit-* headers, enforced on demand."""

    def __init__(self, limit=960, window=60, enforce=False):
        self._lock = threading.Lock()
        self._hits = {}
        self.configure(limit, window, enforce)

    def configure(self, limit, window, enforce):
        limit = 960 if limit is None else limit
        window = 60 if window is None else window
        if not isinstance(limit, int) or limit < 1 or not isinstance(window, int) or window < 1:
            raise ValueError("limit and window must be positive integers")
        with self._lock:
            self.limit, self.window, self.enforce = limit, window, bool(enforce)
            self._hits = {}

    def config(self):
        return {"limit": self.limit, "window": self.window, "enforce": self.enforce}

    def hit(self, token):
        now = time.monotonic()
        with self._lock:
            start, count = self._hits.get(token, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            count += 1
            if len(self._hits) > 1000:
                self._hits.clear()
            self._hits[token] = (start, count)
            reset = max(1, int(start + self.window - now + 0.999))
            over = self.enforce and count > self.limit
            return over, [("ratelimit-limit", str(self.limit)),
                          ("ratelimit-remaining", str(max(0, self.limit - count))),
                          ("ratelimit-reset", str(reset))]


class Sim:
    def __init__(self, seed, epoch, token, clock, log_path=None, tls=False, account_token=None,
                 readonly_token=None, rate_limit=None, incidents=data.N_INCIDENTS, open_count=None):
        self.seed, self.epoch, self.n_incidents, self.n_open = seed, epoch, incidents, open_count
        self.token, self.account_token, self.readonly_token = token, account_token, readonly_token
        self.tls = tls
        self.clock = clock
        self.store = data.build(seed, epoch, incidents, open_count)
        self.faults = faults_mod.Faults()
        self.reqlog = RequestLog(log_path)
        self.stats = Stats()
        self.limiter = RateLimiter(rate_limit or 960, 60, rate_limit is not None)
        self._reset_lock = threading.Lock()

    def reset_data(self):
        with self._reset_lock:
            fresh = data.build(self.seed, self.epoch, self.n_incidents, self.n_open)
            old = self.store
            with old.lock:
                self.store = fresh

    def auth(self, header):
        """(token, user_id or None, read_only) or None when not authenticated."""
        m = TOKEN_RE.match(header or "")
        if not m:
            return None
        tok = m.group("t") or m.group("b")
        if tok == self.token:
            return tok, self.store.current_user_id, False
        if self.account_token and tok == self.account_token:
            return tok, None, False
        if self.readonly_token and tok == self.readonly_token:
            return tok, self.store.current_user_id, True
        return None

    def close(self):
        self.reqlog.close()


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pdsim/1.0"
    sys_version = ""
    timeout = 60

    def __init__(self, request, client_address, server, conn_id=0, sni=None):
        self.conn_id = conn_id
        self.sni = sni
        self.api_seen = False
        super().__init__(request, client_address, server)

    @property
    def sim(self):
        return self.server.sim

    @property
    def scheme(self):
        return "https" if self.sim.tls else "http"

    def log_message(self, fmt, *args):  # keep stderr quiet; the request log has it all
        pass

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = lambda self: self.dispatch()

    # ------------------------------------------------------------ body & replies

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = bytearray()
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                if len(out) + size > MAX_BODY:
                    raise OverflowError
                out += self.rfile.read(size)
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise OverflowError
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status, headers, body):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        # head and body in one write: one TCP segment train / TLS record for small answers
        self._headers_buffer.append(b"\r\n" + (body if status != 204 else b""))
        self.flush_headers()

    def _json(self, status, obj, extra=()):
        if status == 204:
            return status, list(extra), b""
        if status == 202 and obj is None:  # accepted, no body (POST /change_events)
            return status, list(extra), b""
        return status, [("Content-Type", "application/json")] + list(extra), dumps(obj)

    # ---------------------------------------------------------------- dispatch

    def dispatch(self):
        split = urllib.parse.urlsplit(self.path)
        path, raw_query = split.path or "/", split.query
        try:
            self.req_body = self._read_body()
        except (OverflowError, ValueError) as exc:
            self.close_connection = True
            err = (ApiError(413, 2001, "Request Entity Too Large") if isinstance(exc, OverflowError)
                   else ApiError(400, 2001, "Invalid Input Provided", ["Malformed request body framing"]))
            self._send(*self._json(err.status, err.body()))
            return
        if path.startswith("/_sim/") or path == "/_sim":
            self._control(path, raw_query)
            return
        self._api(path, raw_query)

    def _control(self, path, raw_query):
        self.sim.stats.inc("control_requests")
        if not is_loopback(self.client_address[0]):
            self._send(*self._json(403, ApiError(403, 2010, "Access Denied").body()))
            return
        self.sim_query = Query(raw_query)
        try:
            status, obj = control.handle(self.sim, self, self.command, path)
        except ApiError as exc:
            status, obj = exc.status, exc.body()
        self._send(*self._json(status, obj))

    def _log_entry(self, path, raw_query, q):
        body = self.req_body[:MAX_LOGGED_BODY]
        try:
            text, b64 = body.decode("utf-8"), None
        except UnicodeDecodeError:
            import base64
            text, b64 = None, base64.b64encode(body).decode()
        headers = {}
        for k, v in self.headers.items():
            headers[k] = headers[k] + ", " + v if k in headers else v
        entry = {"time": fmt_time(time.time()), "sim_now": fmt_time(self.sim.clock.now()),
                 "conn": self.conn_id, "tls": self.sim.tls, "sni": self.sni,
                 "client": self.client_address[0], "method": self.command, "path": path,
                 "raw_query": raw_query, "query": q.as_dict(), "host": self.headers.get("Host"),
                 "headers": headers, "body": text, "status": None, "fault": None}
        if b64 is not None:
            entry["body_base64"] = b64
        if len(self.req_body) > MAX_LOGGED_BODY:
            entry["body_truncated"] = True
        return entry

    def _api(self, path, raw_query):
        sim = self.sim
        sim.stats.inc("requests")
        if not self.api_seen:
            self.api_seen = True
            sim.stats.inc("api_connections")
        q = Query(raw_query)
        entry = self._log_entry(path, raw_query, q)
        rule = sim.faults.take(self.command, path)
        if rule:
            entry["fault"] = rule["kind"]
        sim.reqlog.add(entry)
        status = None
        try:
            if rule and rule["kind"] == "latency":
                time.sleep(rule["ms"] / 1000.0)
            if rule and rule["kind"] == "reset":
                faults_mod.send_reset(self)
                status = "reset"
                return
            if rule and rule["kind"] in ("429", "5xx", "status", "invalid_json"):
                status = faults_mod.send_simple(self, rule)
                return
            if rule and rule["kind"] == "oversize":
                status = 200
                faults_mod.send_oversize(self, rule, path)
                return
            if rule and rule["kind"] == "contract_page":
                status, headers, body = self._answer(path, Query(faults_mod.contract_query(raw_query, rule)))
                body = faults_mod.contract_body(rule, body) if status == 200 else body
                self._send(status, headers, body)
                return
            status, headers, body = self._answer(path, q)
            if rule and rule["kind"] == "truncate":
                faults_mod.send_truncated(self, rule, status, headers, body)
            elif rule and rule["kind"] == "slow_drip":
                faults_mod.send_slow(self, rule, status, headers, body)
            else:
                self._send(status, headers, body)
        finally:
            entry["status"] = status
            sim.reqlog.finish(entry)

    def _answer(self, path, q):
        """Status, headers and body of the real (fault-free) API answer."""
        sim = self.sim
        who = sim.auth(self.headers.get("Authorization"))
        if who is None:
            return self._json(401, {"error": {"message": "Authentication failed", "code": 2006}})
        token, token_user, read_only = who
        over, rl_headers = sim.limiter.hit(token)
        if over:
            return self._json(429, {"error": {"message": "Rate Limit Exceeded", "code": 2020}}, rl_headers)
        handler, params, needs_from = routes.match(self.command, path)
        if handler is None:
            return self._json(404, {"error": {"message": "Not Found", "code": 2100}}, rl_headers)
        if read_only and self.command != "GET":
            return self._json(403, ApiError(403, 2010, "Access Denied",
                                            ["This API key is read-only"]).body(), rl_headers)
        store = sim.store
        try:
            with store.lock:
                now = sim.clock.now()
                store.tick(now)
                actor = token_user
                if needs_from == routes.FROM_OPTIONAL:
                    if (self.headers.get("From") or "").strip():
                        actor = self._from_user(store)
                elif needs_from:
                    actor = self._from_user(store)
                ctx = Ctx(store, self.headers.get("Host"), self.scheme, q.tz(), q.includes())
                req = Req(self.command, path, params, q, self.req_body, self.headers, store, ctx, now,
                          actor, token_user, sim)
                status, obj = handler(req)
                api_audit.note_write(store, now, self.command, path, status, obj, token, token_user)
                return self._json(status, obj, rl_headers)
        except ApiError as exc:
            obj = getattr(exc, "raw", None) or exc.body()
            return self._json(exc.status, obj, rl_headers + list(exc.headers.items()))
        except Exception:  # a simulator bug: answer like PagerDuty would, keep the trace
            traceback.print_exc(file=sys.stderr)
            return self._json(500, {"error": {"message": faults_mod.INTERNAL[1], "code": 2000}}, rl_headers)

    def _from_user(self, store):
        value = (self.headers.get("From") or "").strip()
        if not value:
            raise ApiError(400, 2016, FROM_MISSING)
        if "@" not in value:
            raise ApiError(400, 1028, 'Malformed "From" header')
        user = store.user_by_email(value)
        if user is None:
            raise ApiError(400, 1008, "Requester User Not Found")
        return user["id"]


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, host, port, sim, tls_ctx=None):
        if not is_loopback(host):
            raise ValueError("refusing to bind a non-loopback address: %s" % host)
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sim = sim
        self.tls_ctx = tls_ctx
        self._conn_lock = threading.Lock()
        self._conn_seq = 0
        self._sni = {}
        if tls_ctx is not None:
            tls_ctx.sni_callback = self._on_sni
        super().__init__((host, port), Handler)

    def _on_sni(self, sslsock, server_name, ctx):
        with self._conn_lock:
            if len(self._sni) > 10000:
                self._sni.clear()
            self._sni[id(sslsock)] = server_name
        return None

    def get_request(self):
        sock, addr = super().get_request()
        self.sim.stats.inc("connections_accepted")
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        return sock, addr

    def finish_request(self, request, client_address):
        with self._conn_lock:
            self._conn_seq += 1
            conn_id = self._conn_seq
        sni = None
        if self.tls_ctx is not None:
            try:
                request.settimeout(10)
                request = self.tls_ctx.wrap_socket(request, server_side=True, do_handshake_on_connect=False)
                request.do_handshake()
            except (OSError, ssl.SSLError):
                self.sim.stats.inc("tls_handshake_failures")
                try:
                    request.close()
                except OSError:
                    pass
                return
            self.sim.stats.inc("tls_handshakes")
            with self._conn_lock:
                sni = self._sni.pop(id(request), None)
        try:
            Handler(request, client_address, self, conn_id=conn_id, sni=sni)
        finally:
            if self.tls_ctx is not None:  # the base class only closes the raw socket
                try:
                    request.close()
                except OSError:
                    pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout, OSError)):
            return
        super().handle_error(request, client_address)


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx
