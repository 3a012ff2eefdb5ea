"""Fault injection: the rules set through `/_sim/faults` and how each misbehaves.

A rule matches API requests by path regex (`re.search` on the path without the
query) and method (absent or "*" = any). It lets `after` matching requests
through first, then applies to the next `count` ones (-1 = forever) and
disappears. The first rule that applies wins. Kinds:
  429           PagerDuty rate-limit answer (ratelimit-* headers, code 2020),
                or a bare 429 (no headers, empty body) with "bare": true
  5xx           a server error (status 500..599, PD error body or "body")
  status        any 4xx/5xx status with PD's error body (e.g. 408, 413)
  latency       wait "ms" milliseconds, then answer normally
  reset         close the TCP connection with RST (SO_LINGER 0), no answer
  truncate      real answer, full Content-Length, only "keep" body bytes
                (default half), then close
  invalid_json  200 with a body that is not JSON ("body" to choose it)
  oversize      200 with a valid JSON body of "bytes" bytes (default 64 MiB),
                generated and streamed in 64 KiB pieces, never held whole
  slow_drip     real answer, body sent "chunk" bytes (default 16) at a time
                with "delay_ms" (default 20) between pieces
  contract_page a classic list answered like a contract mock made from the
                OpenAPI examples: every page holds the first "items" (default
                1) records of the list whatever offset was asked, with
                "limit": items, "offset": 0, "more": true, and "total" left
                out, or set to the rule's "total" (null or any integer)
The rule list is capped at 100 rules.
"""

import json
import re
import socket
import struct
import threading
import time
import urllib.parse

KINDS = ("429", "5xx", "status", "latency", "reset", "truncate", "invalid_json", "oversize", "slow_drip",
         "contract_page")
MAX_RULES = 100
MAX_OVERSIZE = 1 << 31
STATUS_MESSAGES = {400: (2001, "Invalid Input Provided"), 401: (2006, "Authentication failed"),
                   403: (2010, "Access Denied"), 404: (2100, "Not Found"), 408: (2016, "The request took too long to process"),
                   413: (2001, "Request Entity Too Large"), 429: (2020, "Rate Limit Exceeded")}
INTERNAL = (2000, "An internal error has occurred. PagerDuty team has been notified.")


class FaultError(ValueError):
    pass


def _int(spec, name, default, lo, hi):
    v = spec.get(name, default)
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise FaultError("%s must be an integer in %d..%d" % (name, lo, hi))
    return v


def normalize(spec, ident):
    """Validate a rule from the control API; return the stored rule."""
    if not isinstance(spec, dict):
        raise FaultError("a fault must be a JSON object")
    kind = str(spec.get("kind", ""))
    if kind not in KINDS:
        raise FaultError("kind must be one of %s" % ", ".join(KINDS))
    path = spec.get("path", "")
    try:
        rx = re.compile(path or "")
    except (re.error, TypeError) as exc:
        raise FaultError("path is not a valid regular expression: %s" % exc) from None
    method = (spec.get("method") or "*").upper()
    rule = {"id": ident, "kind": kind, "path": path or "", "method": method,
            "count": _int(spec, "count", 1, -1, 10 ** 9), "after": _int(spec, "after", 0, 0, 10 ** 9),
            "hits": 0, "_rx": rx}
    if rule["count"] == 0:
        raise FaultError("count must be -1 or at least 1")
    if kind == "429":
        rule["ratelimit_limit"] = _int(spec, "ratelimit_limit", 960, 0, 10 ** 9)
        rule["ratelimit_remaining"] = _int(spec, "ratelimit_remaining", 0, 0, 10 ** 9)
        rule["ratelimit_reset"] = _int(spec, "ratelimit_reset", 1, 0, 10 ** 6)
        rule["bare"] = bool(spec.get("bare", False))
    elif kind in ("5xx", "status"):
        lo, dflt = (500, 500) if kind == "5xx" else (400, 500)
        rule["status"] = _int(spec, "status", dflt, lo, 599)
        if spec.get("body") is not None:
            rule["body"] = str(spec["body"])
    elif kind == "latency":
        rule["ms"] = _int(spec, "ms", 1000, 0, 600000)
    elif kind == "truncate":
        rule["keep"] = _int(spec, "keep", -1, -1, 1 << 30)
    elif kind == "invalid_json":
        rule["body"] = str(spec.get("body", '{"incidents":[{"id":"PTRUNC1","type":"incident",,]'))
    elif kind == "oversize":
        rule["bytes"] = _int(spec, "bytes", 64 << 20, 128, MAX_OVERSIZE)
        rule["key"] = spec.get("key")
    elif kind == "slow_drip":
        rule["chunk"] = _int(spec, "chunk", 16, 1, 1 << 20)
        rule["delay_ms"] = _int(spec, "delay_ms", 20, 0, 60000)
    elif kind == "contract_page":
        rule["items"] = _int(spec, "items", 1, 1, 100)
        if "total" in spec:
            total = spec["total"]
            if total is not None and (not isinstance(total, int) or isinstance(total, bool)):
                raise FaultError("total must be null or an integer")
            rule["total"] = total
    return rule


def public(rule):
    return {k: v for k, v in rule.items() if not k.startswith("_")}


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._rules = []
        self._next = 1

    def add(self, spec):
        with self._lock:
            if len(self._rules) >= MAX_RULES:
                raise FaultError("too many fault rules (max %d)" % MAX_RULES)
            rule = normalize(spec, "F%d" % self._next)
            self._next += 1
            self._rules.append(rule)
            return public(rule)

    def list(self):
        with self._lock:
            return [public(r) for r in self._rules]

    def clear(self, ident=None):
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if ident is not None and r["id"] != ident]
            return before - len(self._rules)

    def take(self, method, path):
        """The rule that applies to this request (consuming one use), or None."""
        with self._lock:
            for rule in self._rules:
                if rule["method"] not in ("*", method) or not rule["_rx"].search(path):
                    continue
                if rule["after"] > 0:
                    rule["after"] -= 1
                    continue
                rule["hits"] += 1
                if rule["count"] > 0:
                    rule["count"] -= 1
                    if rule["count"] == 0:
                        self._rules.remove(rule)
                return public(rule)
        return None


# ------------------------------------------------------------------- actions

def error_body(code, message):
    return ('{"error":{"message":"%s","code":%d}}' % (message, code)).encode()


def _send_head(h, status, headers, length):
    h.send_response(status)
    for k, v in headers:
        h.send_header(k, v)
    h.send_header("Content-Length", str(length))
    h.end_headers()


def send_simple(h, rule):
    """429 / 5xx / status / invalid_json: a complete answer. Returns the status."""
    kind = rule["kind"]
    headers = [("Content-Type", "application/json")]
    if kind == "429":
        status = 429
        if rule["bare"]:
            headers, body = [], b""
        else:
            headers += [("ratelimit-limit", str(rule["ratelimit_limit"])),
                        ("ratelimit-remaining", str(rule["ratelimit_remaining"])),
                        ("ratelimit-reset", str(rule["ratelimit_reset"]))]
            body = error_body(2020, "Rate Limit Exceeded")
    elif kind in ("5xx", "status"):
        status = rule["status"]
        if "body" in rule:
            body = rule["body"].encode()
            headers = [("Content-Type", "text/html" if body.lstrip().startswith(b"<") else "application/json")]
        else:
            body = error_body(*STATUS_MESSAGES.get(status, INTERNAL))
    else:
        status, body = 200, rule["body"].encode()
    _send_head(h, status, headers, len(body))
    h.wfile.write(body)
    return status


def send_reset(h):
    """Abort the connection with a TCP RST and no answer."""
    h.close_connection = True
    sock = h.connection
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        h.rfile.close()  # drop the makefile() reference so close() really closes
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def send_truncated(h, rule, status, headers, body):
    keep = rule["keep"] if rule["keep"] >= 0 else len(body) // 2
    keep = min(keep, max(len(body) - 1, 0))
    h.close_connection = True
    _send_head(h, status, headers, len(body))
    h.wfile.write(body[:keep])
    h.wfile.flush()
    return status


def send_slow(h, rule, status, headers, body):
    _send_head(h, status, headers, len(body))
    h.wfile.flush()
    step, delay = rule["chunk"], rule["delay_ms"] / 1000.0
    for i in range(0, len(body), step):
        if i:
            time.sleep(delay)
        h.wfile.write(body[i:i + step])
        h.wfile.flush()
    return status


def oversize_pieces(key, size, piece=64 * 1024):
    """Yield a valid JSON list envelope of exactly `size` bytes, in pieces."""
    key = re.sub(r"[^A-Za-z0-9_]", "_", key)[:40] or "items"
    prefix = ('{"%s":[' % key).encode()
    suffix = b'],"limit":25,"offset":0,"more":false,"total":null}'
    item = ('{"id":"PFILLER","type":"%s_reference","summary":"oversize filler"}' % key.rstrip("s")).encode()
    budget = size - len(prefix) - len(suffix)
    count = (budget + 1) // (len(item) + 1) if budget > len(item) else 0
    pad = budget - (count * (len(item) + 1) - 1 if count else 0)
    yield prefix
    per = max(1, piece // (len(item) + 1))
    done = 0
    while done < count:
        n = min(per, count - done)
        chunk = b",".join([item] * n)
        yield (b"," + chunk) if done else chunk
        done += n
    yield suffix
    while pad > 0:
        n = min(pad, piece)
        yield b" " * n
        pad -= n


def send_oversize(h, rule, path):
    key = rule.get("key") or next((seg for seg in reversed(path.strip("/").split("/"))
                                   if seg and not re.match(r"^([PQ][A-Z0-9]{5,}|[A-Z0-9]{20,}|[0-9a-f-]{36})$", seg)),
                                  "items")
    size = rule["bytes"]
    _send_head(h, 200, [("Content-Type", "application/json")], size)
    for piece in oversize_pieces(key, size):
        h.wfile.write(piece)
    return 200


def contract_query(raw_query, rule):
    """The query a contract_page rule answers: the client's filters, offset 0, its own limit."""
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(raw_query, keep_blank_values=True)
             if k not in ("offset", "limit", "total")]
    return urllib.parse.urlencode(pairs + [("offset", "0"), ("limit", str(rule["items"]))])


def contract_body(rule, body):
    """The real first page rewritten as the mock answers; other answers pass unchanged."""
    try:
        obj = json.loads(body)
    except ValueError:
        return body
    if not isinstance(obj, dict) or "more" not in obj:
        return body
    obj.update(limit=rule["items"], offset=0, more=True)
    obj.pop("total", None)
    if "total" in rule:
        obj["total"] = rule["total"]
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
