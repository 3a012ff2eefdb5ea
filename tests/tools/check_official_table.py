#!/usr/bin/env python3
"""Validate tests/tools/official_tools.json and compare an MCP tools/list result against it.

Usage:
    python3 tests/tools/check_official_table.py                 # validate the table, print per-area summary
    python3 tests/tools/check_official_table.py --self-test     # validate + self-test of compare()
    python3 tests/tools/check_official_table.py --compare FILE [--write-tools]
                                                               # compare a saved tools/list result (JSON)

Library use (later tests):
    from check_official_table import load_official, compare
    diffs = compare(result["tools"], load_official(), write_enabled=True)   # [] when equal

Python 3 standard library only.
"""
import copy
import json
import os
import re
import sys

TABLE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "official_tools.json")

EXPECTED_TOTAL = 103
EXPECTED_READ = 63
EXPECTED_WRITE = 40

# Per-area (read, write) counts as stated in §1 of the reference (area keys as used in the table).
EXPECTED_AREAS = {
    "incidents": (6, 4),
    "alerts": (2, 0),
    "services": (3, 2),
    "business_services": (2, 0),
    "teams": (3, 5),
    "users": (2, 1),
    "schedules": (3, 3),
    "schedules_v3": (8, 12),
    "oncalls": (1, 0),
    "escalation_policies": (2, 2),
    "log_entries": (2, 0),
    "change_events": (4, 0),
    "event_orchestrations": (5, 2),
    "incident_workflows": (2, 1),
    "status_pages": (6, 2),
    "alert_grouping_settings": (2, 3),
    "analytics": (5, 0),
    "priorities": (1, 0),
    "webhook_subscriptions": (2, 3),
    "extension_schemas": (2, 0),
}

JSON_TYPES = ("string", "integer", "number", "boolean", "array", "object")
HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
CAP_RULES = ("limit-or-cap", "always-cap", "single-page")
TOOL_KEYS = {"name", "write", "area", "params", "rest", "record_cap", "cap_rule", "notes"}
FIELD_KEYS = {"name", "type", "required", "type_inferred", "nullable", "default", "enum", "format",
              "minimum", "maximum", "minItems", "maxItems", "items", "model", "additionalProperties",
              "properties", "variants", "description", "notes"}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


# --------------------------------------------------------------------------- loading

def load_official(path=TABLE_PATH):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _official_tools(official):
    if isinstance(official, dict):
        return official["tools"]
    return list(official)


# --------------------------------------------------------------------------- validation

def _matches_type(value, type_):
    if type_ == "string":
        return isinstance(value, str)
    if type_ == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_ == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if type_ == "boolean":
        return isinstance(value, bool)
    if type_ == "array":
        return isinstance(value, list)
    if type_ == "object":
        return isinstance(value, dict)
    return False


def _check_spec(spec, where, errors, need_required):
    """Check one field spec (a param, a nested property, or an items/variant schema)."""
    if not isinstance(spec, dict):
        errors.append(f"{where}: spec is not an object")
        return
    unknown = set(spec) - FIELD_KEYS
    if unknown:
        errors.append(f"{where}: unknown keys {sorted(unknown)}")
    type_ = spec.get("type")
    if type_ is None:
        errors.append(f"{where}: missing 'type'")
    elif type_ not in JSON_TYPES:
        errors.append(f"{where}: type {type_!r} is not one of {JSON_TYPES}")
    if need_required:
        if "required" not in spec:
            errors.append(f"{where}: missing 'required'")
        elif not isinstance(spec["required"], bool):
            errors.append(f"{where}: 'required' must be a boolean")
    elif "required" in spec:
        errors.append(f"{where}: 'required' is meaningless in an items/variant schema")
    for key in ("nullable", "type_inferred", "additionalProperties"):
        if key in spec and not isinstance(spec[key], bool):
            errors.append(f"{where}: {key!r} must be a boolean")
    for key in ("description", "notes", "model", "format"):
        if key in spec and (not isinstance(spec[key], str) or not spec[key]):
            errors.append(f"{where}: {key!r} must be a non-empty string")

    enum = spec.get("enum")
    if "enum" in spec:
        if not isinstance(enum, list) or not enum:
            errors.append(f"{where}: enum must be a non-empty list")
            enum = None
        else:
            if len(set(map(json.dumps, enum))) != len(enum):
                errors.append(f"{where}: enum has duplicate values")
            if type_ in JSON_TYPES:
                for v in enum:
                    if not _matches_type(v, type_):
                        errors.append(f"{where}: enum value {v!r} does not match type {type_}")

    if "default" in spec:
        d = spec["default"]
        if d is None:
            if spec.get("nullable") is not True:
                errors.append(f"{where}: default null but the field is not nullable")
        else:
            if type_ in JSON_TYPES and not _matches_type(d, type_):
                errors.append(f"{where}: default {d!r} does not match type {type_}")
            if enum and d not in enum:
                errors.append(f"{where}: default {d!r} not in enum {enum}")
            if type_ in ("integer", "number") and _matches_type(d, type_):
                if "minimum" in spec and d < spec["minimum"]:
                    errors.append(f"{where}: default {d} below minimum {spec['minimum']}")
                if "maximum" in spec and d > spec["maximum"]:
                    errors.append(f"{where}: default {d} above maximum {spec['maximum']}")
            if type_ == "array" and isinstance(d, list) and isinstance(spec.get("items"), dict):
                it = spec["items"].get("type")
                for v in d:
                    if it in JSON_TYPES and not _matches_type(v, it):
                        errors.append(f"{where}: default element {v!r} does not match items type {it}")
        if need_required and spec.get("required") is True:
            errors.append(f"{where}: a required field cannot have a default")

    for key in ("minimum", "maximum"):
        if key in spec:
            if type_ not in ("integer", "number"):
                errors.append(f"{where}: {key} on a non-numeric type")
            elif not _matches_type(spec[key], "number"):
                errors.append(f"{where}: {key} must be a number")
    if "minimum" in spec and "maximum" in spec and spec["minimum"] > spec["maximum"]:
        errors.append(f"{where}: minimum > maximum")
    for key in ("minItems", "maxItems"):
        if key in spec:
            if type_ != "array":
                errors.append(f"{where}: {key} on a non-array type")
            elif not _matches_type(spec[key], "integer") or spec[key] < 0:
                errors.append(f"{where}: {key} must be a non-negative integer")

    if "items" in spec:
        if type_ != "array":
            errors.append(f"{where}: 'items' on a non-array type")
        _check_spec(spec["items"], f"{where}[]", errors, need_required=False)
    elif type_ == "array":
        pass  # element type not stated by the reference (e.g. `services?`); allowed
    if "properties" in spec:
        if type_ != "object":
            errors.append(f"{where}: 'properties' on a non-object type")
        props = spec["properties"]
        if not isinstance(props, dict) or not props:
            errors.append(f"{where}: 'properties' must be a non-empty object")
        else:
            for pname, pspec in props.items():
                if not isinstance(pname, str) or not pname:
                    errors.append(f"{where}: bad property name {pname!r}")
                _check_spec(pspec, f"{where}.{pname}", errors, need_required=True)
    if "variants" in spec:
        if type_ != "object":
            errors.append(f"{where}: 'variants' on a non-object type")
        if not isinstance(spec["variants"], list) or len(spec["variants"]) < 2:
            errors.append(f"{where}: 'variants' must list at least two shapes")
        else:
            for i, v in enumerate(spec["variants"]):
                _check_spec(v, f"{where}<variant {i}>", errors, need_required=False)


def _all_field_names(specs):
    """Every field name at any depth (used to resolve REST path placeholders)."""
    names = set()

    def walk(spec):
        if not isinstance(spec, dict):
            return
        for pname, pspec in (spec.get("properties") or {}).items():
            names.add(pname)
            walk(pspec)
        walk(spec.get("items"))
        for v in spec.get("variants") or []:
            walk(v)

    for s in specs:
        if isinstance(s, dict):
            names.add(s.get("name"))
            walk(s)
    return names


def validate(official):
    """Return a list of problems with the table (empty list = valid)."""
    errors = []
    if not isinstance(official, dict):
        return ["table: top level must be an object"]
    if not isinstance(official.get("source"), str) or not official["source"].strip():
        errors.append("table: 'source' must be a non-empty string")
    tools = official.get("tools")
    if not isinstance(tools, list):
        return errors + ["table: 'tools' must be a list"]

    seen = {}
    for i, t in enumerate(tools):
        where = f"tools[{i}]"
        if not isinstance(t, dict):
            errors.append(f"{where}: not an object")
            continue
        name = t.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            errors.append(f"{where}: bad tool name {name!r}")
        else:
            where = name
            if name in seen:
                errors.append(f"{name}: duplicate tool name (entries {seen[name]} and {i})")
            seen.setdefault(name, i)
        unknown = set(t) - TOOL_KEYS
        if unknown:
            errors.append(f"{where}: unknown keys {sorted(unknown)}")
        if not isinstance(t.get("write"), bool):
            errors.append(f"{where}: 'write' must be a boolean")
        area = t.get("area")
        if area not in EXPECTED_AREAS:
            errors.append(f"{where}: unknown area {area!r}")
        params = t.get("params")
        if not isinstance(params, list):
            errors.append(f"{where}: 'params' must be a list")
            params = []
        pnames = set()
        for j, prm in enumerate(params):
            pw = f"{where}.params[{j}]"
            if not isinstance(prm, dict):
                errors.append(f"{pw}: not an object")
                continue
            pname = prm.get("name")
            if not isinstance(pname, str) or not NAME_RE.match(pname):
                errors.append(f"{pw}: bad or missing parameter name {pname!r}")
            else:
                pw = f"{where}.{pname}"
                if pname in pnames:
                    errors.append(f"{pw}: duplicate parameter")
                pnames.add(pname)
            _check_spec(prm, pw, errors, need_required=True)
        rest = t.get("rest")
        if not isinstance(rest, list) or not rest:
            errors.append(f"{where}: 'rest' must be a non-empty list")
            rest = []
        known = _all_field_names(params)
        for j, r in enumerate(rest):
            rw = f"{where}.rest[{j}]"
            if not isinstance(r, dict):
                errors.append(f"{rw}: not an object")
                continue
            if set(r) - {"method", "path", "when"}:
                errors.append(f"{rw}: unknown keys {sorted(set(r) - {'method', 'path', 'when'})}")
            if r.get("method") not in HTTP_METHODS:
                errors.append(f"{rw}: method {r.get('method')!r} not in {HTTP_METHODS}")
            path = r.get("path")
            if not isinstance(path, str) or not path.startswith("/"):
                errors.append(f"{rw}: path must start with '/'")
                continue
            for ph in re.findall(r"\{([^}]*)\}", path):
                # A placeholder names the parameter (or nested field) supplying it; a value taken from
                # elsewhere (an API result, one element of a list param) needs a 'when' explaining it.
                if ph not in known and "when" not in r:
                    errors.append(f"{rw}: placeholder {{{ph}}} is not a parameter or nested field of the "
                                  f"tool and no 'when' explains where it comes from")
            if "when" in r and (not isinstance(r["when"], str) or not r["when"]):
                errors.append(f"{rw}: 'when' must be a non-empty string")
        if "record_cap" in t and (not _matches_type(t["record_cap"], "integer") or t["record_cap"] <= 0):
            errors.append(f"{where}: record_cap must be a positive integer")
        if "cap_rule" in t and t["cap_rule"] not in CAP_RULES:
            errors.append(f"{where}: cap_rule {t['cap_rule']!r} not in {CAP_RULES}")
        if "notes" in t and (not isinstance(t["notes"], str) or not t["notes"]):
            errors.append(f"{where}: notes must be a non-empty string")

    valid = [t for t in tools if isinstance(t, dict)]
    n_read = sum(1 for t in valid if t.get("write") is False)
    n_write = sum(1 for t in valid if t.get("write") is True)
    if len(seen) != EXPECTED_TOTAL:
        errors.append(f"table: {len(seen)} unique tool names, expected {EXPECTED_TOTAL}")
    if n_read != EXPECTED_READ:
        errors.append(f"table: {n_read} read-only tools (write:false), expected {EXPECTED_READ}")
    if n_write != EXPECTED_WRITE:
        errors.append(f"table: {n_write} write tools (write:true), expected {EXPECTED_WRITE}")
    counts = area_counts(valid)
    for area, exp in EXPECTED_AREAS.items():
        got = counts.get(area, (0, 0))
        if got != exp:
            errors.append(f"area {area}: {got[0]} read / {got[1]} write, reference §1 says {exp[0]} / {exp[1]}")
    return errors


def area_counts(tools):
    counts = {}
    for t in tools:
        r, w = counts.get(t.get("area"), (0, 0))
        counts[t.get("area")] = (r + (t.get("write") is False), w + (t.get("write") is True))
    return counts


def print_summary(official, out=sys.stdout):
    tools = _official_tools(official)
    counts = area_counts(tools)
    out.write(f"{'area':<26}{'read':>6}{'write':>7}{'total':>7}\n")
    order = list(EXPECTED_AREAS) + sorted(a for a in counts if a not in EXPECTED_AREAS)
    for area in order:
        r, w = counts.get(area, (0, 0))
        out.write(f"{str(area):<26}{r:>6}{w:>7}{r + w:>7}\n")
    tr = sum(c[0] for c in counts.values())
    tw = sum(c[1] for c in counts.values())
    out.write(f"{'total':<26}{tr:>6}{tw:>7}{tr + tw:>7}\n")


# --------------------------------------------------------------------------- comparison

def _server_tools(tools_list_result):
    """Accept a list of tools, a tools/list result {"tools": [...]}, or a JSON-RPC response."""
    r = tools_list_result
    if isinstance(r, dict) and "result" in r and isinstance(r["result"], dict):
        r = r["result"]
    if isinstance(r, dict) and "tools" in r:
        r = r["tools"]
    if not isinstance(r, list):
        raise TypeError("tools_list_result must be a list of tool objects or a tools/list result")
    return r


def compare(tools_list_result, official, write_enabled, out=sys.stdout):
    """Compare a server's tools/list result against the official table.

    Checks: the set of tool names (63 read-only tools without write tools, all 103 with), and per
    tool the top-level parameter names (inputSchema.properties keys) and the inputSchema.required set.
    Prints every difference to `out` (pass out=None to stay quiet) and returns them as a list of
    strings; an empty list means the server matches the table.
    """
    official_tools = _official_tools(official)
    expected = {t["name"]: t for t in official_tools if write_enabled or not t["write"]}
    all_official = {t["name"]: t for t in official_tools}
    diffs = []

    server = {}
    for i, tool in enumerate(_server_tools(tools_list_result)):
        name = tool.get("name") if isinstance(tool, dict) else None
        if not isinstance(name, str):
            diffs.append(f"server tool #{i}: no name")
            continue
        if name in server:
            diffs.append(f"duplicate tool in server list: {name}")
            continue
        server[name] = tool

    for name in sorted(set(expected) - set(server)):
        kind = "write" if expected[name]["write"] else "read-only"
        diffs.append(f"missing tool: {name} ({kind})")
    for name in sorted(set(server) - set(expected)):
        if name in all_official and not write_enabled:
            diffs.append(f"unexpected tool: {name} (official write tool listed although write tools are disabled)")
        else:
            diffs.append(f"unexpected tool: {name} (not in the official table)")

    for name in sorted(set(expected) & set(server)):
        schema = server[name].get("inputSchema")
        if not isinstance(schema, dict):
            diffs.append(f"{name}: inputSchema missing or not an object")
            continue
        props = schema.get("properties") or {}
        if not isinstance(props, dict):
            diffs.append(f"{name}: inputSchema.properties is not an object")
            props = {}
        req = schema.get("required") or []
        if not isinstance(req, list):
            diffs.append(f"{name}: inputSchema.required is not a list")
            req = []
        want_params = [p["name"] for p in expected[name]["params"]]
        want_req = {p["name"] for p in expected[name]["params"] if p["required"]}
        for p in want_params:
            if p not in props:
                diffs.append(f"{name}: missing parameter: {p}")
        for p in sorted(set(props) - set(want_params)):
            diffs.append(f"{name}: unexpected parameter: {p}")
        got_req = set(req)
        for p in sorted(want_req - got_req):
            diffs.append(f"{name}: parameter {p} is required officially but not in the server's required list")
        for p in sorted(got_req - want_req):
            diffs.append(f"{name}: parameter {p} is in the server's required list but optional officially")
        if len(got_req) != len(req):
            diffs.append(f"{name}: duplicate names in inputSchema.required")

    if out is not None:
        want = len(expected)
        if diffs:
            out.write(f"tools/list differs from the official table ({len(server)} tools listed, "
                      f"{want} expected, write tools {'on' if write_enabled else 'off'}):\n")
            for d in diffs:
                out.write(f"  - {d}\n")
        else:
            out.write(f"tools/list matches the official table ({want} tools, write tools "
                      f"{'on' if write_enabled else 'off'})\n")
    return diffs


# --------------------------------------------------------------------------- fake server list

def spec_to_schema(spec):
    """JSON Schema for one field spec, shaped like pydantic output (anyOf null for nullable)."""
    s = {"type": spec["type"]}
    for key in ("enum", "format", "minimum", "maximum", "minItems", "maxItems", "additionalProperties",
                "description"):
        if key in spec:
            s[key] = spec[key]
    if "items" in spec:
        s["items"] = spec_to_schema(spec["items"])
    if "properties" in spec:
        s["properties"] = {k: spec_to_schema(v) for k, v in spec["properties"].items()}
        s["required"] = [k for k, v in spec["properties"].items() if v.get("required")]
    if "variants" in spec:
        s = {"anyOf": [spec_to_schema(v) for v in spec["variants"]]}
    if spec.get("nullable"):
        s = {"anyOf": [s, {"type": "null"}]}
    if "default" in spec:
        s["default"] = spec["default"]
    return s


def fake_tools_list(official, write_enabled):
    """A tools/list result ({"tools": [...]}) built from the table, as a conforming server would list it."""
    tools = []
    for t in _official_tools(official):
        if t["write"] and not write_enabled:
            continue
        schema = {
            "type": "object",
            "properties": {p["name"]: spec_to_schema(p) for p in t["params"]},
            "required": [p["name"] for p in t["params"] if p["required"]],
        }
        tools.append({"name": t["name"], "description": t.get("notes", ""), "inputSchema": schema})
    return {"tools": tools}


# --------------------------------------------------------------------------- self-test

def self_test(official):
    failures = []

    def check(label, cond, detail=""):
        if cond:
            print(f"ok   {label}")
        else:
            print(f"FAIL {label} {detail}")
            failures.append(label)

    def has(diffs, *needles):
        return all(any(n in d for d in diffs) for n in needles)

    quiet = None
    tools = _official_tools(official)
    reads = [t for t in tools if not t["write"]]
    writes = [t for t in tools if t["write"]]

    full = fake_tools_list(official, True)
    ro = fake_tools_list(official, False)
    check("fake list sizes 103 / 63", len(full["tools"]) == 103 and len(ro["tools"]) == 63,
          f"({len(full['tools'])} / {len(ro['tools'])})")
    check("full list equal with write tools", compare(full, official, True, out=quiet) == [])
    check("read-only list equal without write tools", compare(ro, official, False, out=quiet) == [])
    check("JSON-RPC envelope accepted", compare({"jsonrpc": "2.0", "id": 1, "result": full},
                                                official, True, out=quiet) == [])

    d = compare(full, official, False, out=quiet)
    check("write tools reported when write tools are off",
          len(d) == len(writes) and all("write tools are disabled" in x for x in d), f"{d[:3]}")
    d = compare(ro, official, True, out=quiet)
    check("missing write tools reported when write tools are on",
          len(d) == len(writes) and all(x.startswith("missing tool:") for x in d), f"{d[:3]}")

    # drop a tool
    m = copy.deepcopy(full)
    m["tools"] = [t for t in m["tools"] if t["name"] != "get_incident"]
    d = compare(m, official, True, out=quiet)
    check("dropped tool reported", d == ["missing tool: get_incident (read-only)"], f"{d}")

    # extra + duplicate tool
    m = copy.deepcopy(full)
    m["tools"].append({"name": "browse_incidents", "inputSchema": {"type": "object", "properties": {}}})
    m["tools"].append(copy.deepcopy(m["tools"][0]))
    d = compare(m, official, True, out=quiet)
    check("extra tool reported", has(d, "unexpected tool: browse_incidents"), f"{d}")
    check("duplicate tool reported", has(d, f"duplicate tool in server list: {m['tools'][0]['name']}"), f"{d}")
    check("only those two differences", len(d) == 2, f"{d}")

    # rename an optional param (the teams_ids quirk)
    m = copy.deepcopy(full)
    svc = next(t for t in m["tools"] if t["name"] == "list_services")
    svc["inputSchema"]["properties"]["team_ids"] = svc["inputSchema"]["properties"].pop("teams_ids")
    d = compare(m, official, True, out=quiet)
    check("renamed optional param reported",
          sorted(d) == ["list_services: missing parameter: teams_ids",
                        "list_services: unexpected parameter: team_ids"], f"{d}")

    # rename a required param (also changes the required set)
    m = copy.deepcopy(full)
    mi = next(t for t in m["tools"] if t["name"] == "manage_incidents")
    s = mi["inputSchema"]
    s["properties"]["request"] = s["properties"].pop("manage_request")
    s["required"] = ["request"]
    d = compare(m, official, True, out=quiet)
    check("renamed required param reported (name and required set)",
          has(d, "manage_incidents: missing parameter: manage_request",
              "manage_incidents: unexpected parameter: request",
              "manage_incidents: parameter manage_request is required officially",
              "manage_incidents: parameter request is in the server's required list") and len(d) == 4, f"{d}")

    # change required: optional -> required, required -> optional
    m = copy.deepcopy(full)
    li = next(t for t in m["tools"] if t["name"] == "list_incidents")
    li["inputSchema"]["required"] = ["limit"]
    ls = next(t for t in m["tools"] if t["name"] == "list_schedules")
    ls["inputSchema"]["required"] = []          # official: query_model is required (§7.2)
    d = compare(m, official, True, out=quiet)
    check("optional made required reported",
          has(d, "list_incidents: parameter limit is in the server's required list but optional officially"), f"{d}")
    check("required made optional reported",
          has(d, "list_schedules: parameter query_model is required officially"), f"{d}")
    check("only those two required differences", len(d) == 2, f"{d}")

    # required list absent altogether (servers may omit it)
    m = copy.deepcopy(full)
    gi = next(t for t in m["tools"] if t["name"] == "get_incident")
    del gi["inputSchema"]["required"]
    d = compare(m, official, True, out=quiet)
    check("missing required list reported", d == [
        "get_incident: parameter incident_id is required officially but not in the server's required list"], f"{d}")

    # missing inputSchema
    m = copy.deepcopy(full)
    del m["tools"][0]["inputSchema"]
    d = compare(m, official, True, out=quiet)
    check("missing inputSchema reported", d == [f"{m['tools'][0]['name']}: inputSchema missing or not an object"],
          f"{d}")

    # compare() prints what it returns
    import io
    buf = io.StringIO()
    m = copy.deepcopy(full)
    m["tools"] = m["tools"][1:]
    d = compare(m, official, True, out=buf)
    check("differences are printed", all(x in buf.getvalue() for x in d) and "differs" in buf.getvalue())

    # validate() catches broken tables
    def broken(mutator):
        t = copy.deepcopy(official)
        mutator(t)
        return validate(t)

    check("valid table validates", validate(official) == [], f"{validate(official)[:3]}")
    e = broken(lambda t: t["tools"].append(copy.deepcopy(t["tools"][0])))
    check("duplicate name caught", any("duplicate tool name" in x for x in e) and any("104" in x or "64" in x
                                                                                       for x in e), f"{e}")
    e = broken(lambda t: t["tools"].pop())
    check("count mismatch caught", any("102 unique" in x for x in e), f"{e}")

    def bad_default(t):
        p = next(x for x in t["tools"] if x["name"] == "list_alerts_from_incident")["params"][1]
        p["default"] = "100"
    e = broken(bad_default)
    check("default/type mismatch caught", any("does not match type integer" in x for x in e), f"{e}")

    def empty_enum(t):
        next(x for x in t["tools"] if x["name"] == "get_schedule")["params"][1]["enum"] = []
    e = broken(empty_enum)
    check("empty enum caught", any("enum must be a non-empty list" in x for x in e), f"{e}")

    def no_type(t):
        del next(x for x in t["tools"] if x["name"] == "get_team")["params"][0]["type"]
    e = broken(no_type)
    check("missing type caught", any("missing 'type'" in x for x in e), f"{e}")

    def no_required(t):
        del next(x for x in t["tools"] if x["name"] == "get_team")["params"][0]["required"]
    e = broken(no_required)
    check("missing required caught", any("missing 'required'" in x for x in e), f"{e}")

    def enum_default(t):
        p = next(x for x in t["tools"] if x["name"] == "list_event_orchestrations")["params"][2]
        p["default"] = "title:asc"
    e = broken(enum_default)
    check("default outside enum caught", any("not in enum" in x for x in e), f"{e}")

    def null_not_nullable(t):
        p = next(x for x in t["tools"] if x["name"] == "list_alert_grouping_settings")["params"][4]
        p["default"] = None
    e = broken(null_not_nullable)
    check("null default on non-nullable caught", any("not nullable" in x for x in e), f"{e}")

    def flip_write(t):
        next(x for x in t["tools"] if x["name"] == "delete_team")["write"] = False
    e = broken(flip_write)
    check("read/write count mismatch caught", any("64 read-only" in x for x in e)
          and any("39 write" in x for x in e), f"{e}")

    print(f"self-test: {len(failures)} failure(s)")
    return not failures


# --------------------------------------------------------------------------- main

def main(argv):
    args = argv[1:]
    path = TABLE_PATH
    if "--table" in args:
        path = args[args.index("--table") + 1]
    official = load_official(path)

    errors = validate(official)
    tools = _official_tools(official)
    print(f"{os.path.basename(path)}: {len(tools)} tools, "
          f"{sum(1 for t in tools if t.get('write') is False)} read-only, "
          f"{sum(1 for t in tools if t.get('write') is True)} write")
    print_summary(official)
    if errors:
        print(f"table INVALID: {len(errors)} problem(s)")
        for e in errors:
            print(f"  - {e}")
        return 1
    print("table valid")

    if "--self-test" in args:
        return 0 if self_test(official) else 1
    if "--compare" in args:
        with open(args[args.index("--compare") + 1], encoding="utf-8") as fh:
            result = json.load(fh)
        return 0 if not compare(result, official, "--write-tools" in args) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
