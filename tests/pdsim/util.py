"""Shared helpers for the PagerDuty REST API simulator.

This module owns the small pieces every other module needs: the API error type
and PagerDuty's error body (with the v3 variant whose `errors` is an object),
ISO-8601 time parsing and formatting (whole seconds, `Z` in UTC, `+hh:mm` when
rendered in an IANA `time_zone`; a `.000Z` form and the offset-less analytics
form), the deterministic ID generator (`P` + 6 upper alnum, 14-char `Q...`,
26-char and UUID IDs), and query-string parsing that accepts `name[]`,
`name%5B%5D` and plain `name` for array parameters.
Times are carried internally as integer seconds since the Unix epoch (UTC).
"""

import datetime as _dt
import json
import random
import re
import string
import urllib.parse

try:
    import zoneinfo as _zoneinfo
except ImportError:  # pragma: no cover - Python < 3.9
    _zoneinfo = None

UTC = _dt.timezone.utc
ALNUM = string.ascii_uppercase + string.digits


# --------------------------------------------------------------------------
# Errors


class ApiError(Exception):
    """An HTTP error answered with PagerDuty's error body."""

    def __init__(self, status, code, message, errors=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self):
        err = {"message": self.message, "code": self.code}
        if isinstance(self.errors, dict):  # v3 endpoints: {"field.path": ["message", ...]}
            err["errors"] = {k: list(v) for k, v in self.errors.items()}
        elif self.errors is not None:
            err["errors"] = list(self.errors)
        return {"error": err}


def invalid(*errors, code=2001, message="Invalid Input Provided"):
    return ApiError(400, code, message, list(errors))


def not_found(what="Not Found"):
    return ApiError(404, 2100, "Not Found", [what] if what != "Not Found" else None)


def invalid_fields(fields):
    """The v3 (shift-based schedules) 400: `errors` maps a field path to its messages."""
    return ApiError(400, 2001, "Invalid Request", {k: v if isinstance(v, list) else [v] for k, v in fields.items()})


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------
# Time

_TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)


def get_tz(name):
    """Return a tzinfo for an IANA name; raise ValueError if unknown."""
    if name in (None, "", "UTC", "Etc/UTC", "GMT", "Z"):
        return UTC
    if _zoneinfo is None:
        raise ValueError("time zones unavailable")
    try:
        return _zoneinfo.ZoneInfo(name)
    except Exception as exc:  # ZoneInfoNotFoundError, ValueError
        raise ValueError("unknown time zone %r" % name) from exc


def parse_time(text, tz=UTC):
    """Parse ISO-8601 (date, date-time, Z/offset/short offset) to epoch seconds.

    A value without an offset is read in `tz`. A space before the offset is
    taken as `+` (an unencoded `+` in a query string decodes to a space).
    """
    s = text.strip()
    s = re.sub(r"(\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?) (\d{2}(?::?\d{2})?)$", r"\1+\2", s)
    m = _TIME_RE.match(s)
    if not m:
        raise ValueError("bad time %r" % text)
    y, mo, d, hh, mi, ss, frac, off = m.groups()
    naive = _dt.datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0))
    if off is None:
        aware = naive.replace(tzinfo=tz)
    elif off in ("Z", "z"):
        aware = naive.replace(tzinfo=UTC)
    else:
        sign = -1 if off[0] == "-" else 1
        digits = off[1:].replace(":", "")
        hours = int(digits[:2])
        mins = int(digits[2:4]) if len(digits) > 2 else 0
        aware = naive.replace(tzinfo=_dt.timezone(sign * _dt.timedelta(hours=hours, minutes=mins)))
    return int(aware.timestamp())


def fmt_time(t, tz=None):
    """Format epoch seconds: `...Z` in UTC, `...+hh:mm` in another zone."""
    if t is None:
        return None
    if tz is None or tz is UTC:
        return _dt.datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return _dt.datetime.fromtimestamp(int(t), tz).isoformat(timespec="seconds")


def fmt_time_ms(t, tz=None):
    """Like fmt_time with milliseconds (`.000Z`), as newer endpoints write their times."""
    if t is None:
        return None
    if tz is None or tz is UTC:
        return _dt.datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return _dt.datetime.fromtimestamp(int(t), tz).isoformat(timespec="milliseconds")


def fmt_naive(t, tz=UTC):
    """Wall-clock time in `tz` without an offset, as the analytics endpoints write it."""
    if t is None:
        return None
    return _dt.datetime.fromtimestamp(int(t), tz).strftime("%Y-%m-%dT%H:%M:%S")


def local_date(t, tz):
    return _dt.datetime.fromtimestamp(int(t), tz).date()


def local_to_epoch(date, hhmmss, tz):
    """Epoch seconds of a wall-clock time on a local date in `tz`."""
    h, m, s = (int(x) for x in hhmmss.split(":"))
    return int(_dt.datetime(date.year, date.month, date.day, h, m, s, tzinfo=tz).timestamp())


# --------------------------------------------------------------------------
# IDs


class IdGen:
    """Deterministic unique IDs from a seed: `P` + 6 alnum, or `Q` + 13 alnum."""

    def __init__(self, seed):
        self._rng = random.Random("pdsim-ids/%s" % seed)
        self._used = set()

    def new(self, prefix="P", length=7):
        while True:
            ident = prefix + "".join(self._rng.choice(ALNUM) for _ in range(length - len(prefix)))
            if ident not in self._used:
                self._used.add(ident)
                return ident

    def state(self):
        return self._rng.getstate(), set(self._used)

    def restore(self, state):
        self._rng.setstate(state[0])
        self._used = set(state[1])

    def long(self):
        return self.new("Q", 14)

    def long26(self):
        """A 26-character ID (change events, v3 rotations, events, shifts, overrides)."""
        return self.new("", 26)

    def uuid(self):
        """A random-looking version-4 UUID (event orchestrations and their integrations)."""
        h = self.hexkey(32)
        h = h[:12] + "4" + h[13:16] + "89ab"[int(h[16], 16) % 4] + h[17:]
        ident = "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
        if ident in self._used:
            return self.uuid()
        self._used.add(ident)
        return ident

    def hexkey(self, n=32):
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(n))


# --------------------------------------------------------------------------
# Query strings


class Query:
    """Parsed query string. Array parameters are looked up by their bare name."""

    def __init__(self, raw):
        self.raw = raw or ""
        self.pairs = urllib.parse.parse_qsl(self.raw, keep_blank_values=True)
        self.values = {}
        for key, val in self.pairs:
            name = key[:-2] if key.endswith("[]") else key
            self.values.setdefault(name, []).append(val)

    def as_dict(self):
        out = {}
        for key, val in self.pairs:
            out.setdefault(key, []).append(val)
        return out

    def has(self, name):
        return name in self.values

    def get(self, name, default=None):
        vals = self.values.get(name)
        return vals[-1] if vals else default

    def list(self, name):
        out = []
        for v in self.values.get(name, []):
            if v != "":
                out.append(v)
        return out

    def bool(self, name, default=False):
        v = self.get(name)
        if v is None or v == "":
            return default
        lv = v.lower()
        if lv in ("true", "1", "yes"):
            return True
        if lv in ("false", "0", "no"):
            return False
        raise invalid("%s must be a boolean" % name)

    def int(self, name, default=None):
        v = self.get(name)
        if v is None or v == "":
            return default
        try:
            return int(v)
        except ValueError:
            raise invalid("%s must be an integer" % name) from None

    def time(self, name, tz=UTC):
        v = self.get(name)
        if v is None or v == "":
            return None
        try:
            return parse_time(v, tz)
        except ValueError:
            raise invalid("Invalid time value in '%s' parameter" % name, code=2004,
                          message="Invalid time values in 'since' and/or 'until' parameters") from None

    def tz(self, default=UTC):
        name = self.get("time_zone")
        if not name:
            return default
        try:
            return get_tz(name)
        except ValueError:
            raise invalid("time_zone is not a valid time zone") from None

    def includes(self):
        return set(self.list("include"))
