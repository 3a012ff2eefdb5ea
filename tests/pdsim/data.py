"""The seeded, deterministic data set.

`build(seed, epoch)` returns a fresh Store: 24 users (contact methods,
notification rules; user 0 is the "current user" who owns the API token),
5 teams with members, 6 schedules (weekly/daily/12-hour/two-week turns,
overlapping layers, restricted layers with gaps, an ended layer, overrides),
5 escalation policies, 12 services, 5 priorities and 180 incidents spread over
the 30 days before `epoch`, in every status, urgency and priority, with
alerts, notes and log entries. Incident histories are replayed through the
Store operations, so assignments follow the schedules and every change has
its log entry. Then, from a separate random stream (so the core data keeps
its IDs): 3 business services and service dependencies, 2 shift-based (v3)
schedules with rotations, events, a custom shift and an override, 48 change
events, 2 event orchestrations (router, global, unrouted paths) and one
service orchestration, 3 incident workflows, 2 status pages with severities,
impacts, statuses, services and posts, 3 alert grouping settings, 2 webhook
subscriptions and 4 extension schemas. The same (seed, epoch) always gives the
same data and IDs.
"""

import datetime as _dt
import random

from store import Store
from util import ApiError, get_tz, local_date, local_to_epoch

DAY = 86400
HOUR = 3600
N_USERS = 24
N_INCIDENTS = 180

FIRST = ["Alex", "Priya", "Jordan", "Mei", "Samuel", "Fatima", "Lukas", "Chloe", "Diego", "Aisha",
         "Noah", "Hana", "Oliver", "Sofia", "Kwame", "Ingrid", "Mateo", "Yuki", "Leila", "Tomas",
         "Grace", "Ravi", "Elena", "Marcus", "Nadia", "Felix", "Zara", "Owen", "Amara", "Jonas"]
LAST = ["Morgan", "Patel", "Kim", "Chen", "Okafor", "Haddad", "Schmidt", "Dubois", "Alvarez",
        "Rahman", "Nielsen", "Tanaka", "Byrne", "Rossi", "Mensah", "Larsen", "Silva", "Sato",
        "Karimi", "Novak", "Walsh", "Iyer", "Popescu", "Reid", "Volkov", "Becker", "Ali",
        "Hughes", "Adeyemi", "Berg"]
TIME_ZONES = ["America/New_York", "America/Los_Angeles", "America/Chicago", "Europe/London",
              "Europe/Berlin", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney", "Etc/UTC"]
COLORS = ["green", "red", "purple", "blue", "teal", "orange", "brown", "turquoise", "dark-slate-blue"]
TITLES = ["Site Reliability Engineer", "Backend Engineer", "Platform Engineer", "Database Engineer",
          "Security Engineer", "Mobile Engineer", "Engineering Manager", "Staff Engineer"]
ROLES = ["owner", "admin", "admin", "admin"] + ["user"] * 14 + ["limited_user"] * 3 + \
        ["observer", "observer", "read_only_user"]

TEAMS = [("Platform", "Core infrastructure, edge and checkout"),
         ("Data", "Databases, search and analytics"),
         ("Payments", "Payment processing and billing"),
         ("Mobile", "Mobile apps and push delivery"),
         ("Security", "Security operations and internal tools")]

# (name, team, escalation policy index, fixed status or None)
SERVICES = [("Checkout API", 0, 0, None), ("Auth Service", 0, 0, None), ("Edge CDN", 0, 0, None),
            ("Postgres Primary", 1, 1, None), ("Search Indexer", 1, 1, None),
            ("Analytics Pipeline", 1, 1, None), ("Payments Gateway", 2, 2, None),
            ("Billing Batch", 2, 2, "maintenance"), ("Mobile Push", 3, 3, None),
            ("Mobile API Gateway", 3, 3, None), ("Security Scanner", 4, 4, None),
            ("Internal Admin", 4, 4, "disabled")]

PRIORITIES = [("P1", "Critical issue that warrants public notification and liaison with executive teams"),
              ("P2", "Critical system issue actively impacting many customers' ability to use the product"),
              ("P3", "Stability or minor customer-impacting issues that require immediate attention from service owners"),
              ("P4", "Minor issues requiring action, but not affecting customer ability to use the product"),
              ("P5", "Cosmetic issues or bugs, not affecting customer ability to use the product")]

INCIDENT_TITLES = ["High CPU on {host}", "Disk usage above 90% on {host}", "Memory pressure on {host}",
                   "Health check failing on {host}", "5xx error rate above 2% on {svc}",
                   "p99 latency above 2s on {svc}", "TLS certificate for {slug}.example.com expires in 7 days",
                   "Queue depth above 10k on {slug}-events", "Replication lag above 30s on {slug}-db",
                   "Pod crash-looping: {slug}-{n}", "Synthetic check failed: {svc}",
                   "Backup job failed for {slug}", "Error budget burn rate high for {svc}"]
NOTES = ["Looking into it.", "Rolled back the last deploy, watching error rates.",
         "Root cause looks like a noisy neighbour on the host.", "Scaled the pool from 6 to 10 nodes.",
         "Customer impact confirmed for EU traffic only.", "Paging the database owner for a second opinion.",
         "Mitigated; leaving open until the backlog drains.", "Opened a follow-up ticket for the postmortem."]


def _layer(store, name, start, rvs, turn, users, restrictions=None, end=None):
    return {"id": store.ids.new(), "name": name, "start": start, "end": end, "rvs": rvs, "turn": turn,
            "users": list(users), "restrictions": restrictions or []}


def _monday(d):
    return d - _dt.timedelta(days=d.isoweekday() - 1)


def _users(store, rng, epoch):
    pairs = rng.sample([(f, l) for f in FIRST for l in LAST], N_USERS)
    rest = list(ROLES[1:])
    rng.shuffle(rest)
    roles = ["owner"] + rest
    for i, (first, last) in enumerate(pairs):
        uid = store.ids.new()
        email = "%s.%s@example.com" % (first.lower(), last.lower())
        phone = "555%07d" % rng.randrange(10 ** 7)
        methods = [{"id": store.ids.new(), "type": "email_contact_method", "label": "Work",
                    "address": email, "send_short_email": False}]
        if rng.random() < 0.85:
            methods.append({"id": store.ids.new(), "type": "phone_contact_method", "label": "Mobile",
                            "address": phone, "country_code": 1})
            methods.append({"id": store.ids.new(), "type": "sms_contact_method", "label": "Mobile",
                            "address": phone, "country_code": 1, "enabled": True})
        if rng.random() < 0.5:
            methods.append({"id": store.ids.new(), "type": "push_notification_contact_method",
                            "label": "Phone app", "address": None, "device_type": rng.choice(["ios", "android"])})
        rules = []
        for urgency, delays in (("high", (0, 0, 5)), ("low", (0,))):
            for method, delay in zip(methods, delays):
                rules.append({"id": store.ids.new(), "start_delay_in_minutes": delay,
                              "contact_method_id": method["id"], "urgency": urgency,
                              "created_at": epoch - 300 * DAY + i * HOUR})
        store.users[uid] = {
            "id": uid, "name": "%s %s" % (first, last), "email": email,
            "time_zone": rng.choice(TIME_ZONES), "color": rng.choice(COLORS), "role": roles[i],
            "description": "", "job_title": rng.choice(TITLES), "invitation_sent": False,
            "team_ids": [], "contact_methods": methods, "notification_rules": rules}
    store.current_user_id = next(iter(store.users))


def _teams(store, rng):
    uids = list(store.users)
    me, rest = uids[0], uids[1:]
    rng.shuffle(rest)
    sizes = [5, 5, 5, 4, 4]
    pos = 0
    members_by_team = []
    for (name, desc), size in zip(TEAMS, sizes):
        members = rest[pos:pos + size]
        pos += size
        members_by_team.append(members)
    members_by_team[0].insert(1, me)          # current user: Platform responder (on the rotation)
    members_by_team[2].append(rest[0])        # a Platform engineer also helps Payments
    members_by_team[4].append(me)             # and the current user observes Security
    for (name, desc), members in zip(TEAMS, members_by_team):
        tid = store.ids.new()
        roles = []
        for j, uid in enumerate(members):
            role = "manager" if j == 0 else ("observer" if (name == "Security" and uid == me) else "responder")
            roles.append((uid, role))
            store.users[uid]["team_ids"].append(tid)
        store.teams[tid] = {"id": tid, "name": name, "description": desc, "default_role": "manager",
                            "members": roles}


def _schedules(store, rng, epoch):
    teams = list(store.teams.values())

    def pool(ti):
        return [u for u, r in teams[ti]["members"] if r != "observer"]

    def add(name, ti, tz_name, desc, layers_fn):
        tz = get_tz(tz_name)
        base = _monday(local_date(epoch - 56 * DAY, tz))
        sid = store.ids.new()
        sched = {"id": sid, "name": name, "description": desc, "time_zone": tz_name,
                 "team_ids": [teams[ti]["id"]], "layers": []}
        sched["layers"] = layers_fn(tz, base)
        store.schedules[sid] = sched
        return sid

    def at(tz, d, hhmm, days=0):
        return local_to_epoch(d + _dt.timedelta(days=days), hhmm, tz)

    p = pool(0)
    platform_primary = p[:4]
    s1 = add("Platform Primary", 0, "America/New_York", "Weekly primary rotation, hands off Monday 09:00",
             lambda tz, d: [_layer(store, "Layer 1", at(tz, d, "09:00:00"), at(tz, d, "09:00:00"),
                                   7 * DAY, platform_primary)])
    second = p[2:] + p[:2]

    def l2(tz, d):
        cut = at(tz, _monday(local_date(epoch - 14 * DAY, tz)), "09:00:00")
        return [_layer(store, "Layer 1", at(tz, d, "09:00:00"), at(tz, d, "09:00:00"), 7 * DAY,
                       second[:3], end=cut),
                _layer(store, "Layer 2", cut, cut, 7 * DAY, second[1:])]
    s2 = add("Platform Secondary", 0, "America/New_York", "Secondary; Layer 1 retired two weeks ago", l2)

    d = pool(1)
    weekdays = [{"type": "weekly_restriction", "start_day_of_week": k, "start_time_of_day": "09:00:00",
                 "duration_seconds": 8 * HOUR} for k in range(1, 6)]
    s3 = add("Data On-Call", 1, "Europe/Berlin", "Daily rotation with a business-hours DBA layer on top",
             lambda tz, day: [_layer(store, "Layer 1", at(tz, day, "08:00:00"), at(tz, day, "08:00:00"), DAY, d[:4]),
                              _layer(store, "Layer 2", at(tz, day, "00:00:00"), at(tz, day, "00:00:00"),
                                     7 * DAY, d[-2:], weekdays)])
    pay = pool(2)
    daytime = [{"type": "daily_restriction", "start_time_of_day": "07:00:00", "duration_seconds": 12 * HOUR}]
    s4 = add("Payments Follow-the-Sun", 2, "Europe/London", "24h base layer, EMEA daytime layer overrides it",
             lambda tz, day: [_layer(store, "Layer 1", at(tz, day, "19:00:00"), at(tz, day, "19:00:00"), DAY, pay[:2]),
                              _layer(store, "Layer 2", at(tz, day, "00:00:00"), at(tz, day, "00:00:00"),
                                     7 * DAY, pay[2:5], daytime)])
    mob = pool(3)
    s5 = add("Mobile On-Call", 3, "Asia/Tokyo", "12-hour shifts",
             lambda tz, day: [_layer(store, "Layer 1", at(tz, day, "09:00:00"), at(tz, day, "09:00:00"),
                                     12 * HOUR, mob[:4])])
    sec = pool(4)
    s6 = add("Security Rotation", 4, "America/Los_Angeles", "Two-week turns, daytime only (gaps at night)",
             lambda tz, day: [_layer(store, "Layer 1", at(tz, day, "08:00:00"), at(tz, day, "08:00:00"), 14 * DAY,
                                     sec[:3], [{"type": "daily_restriction", "start_time_of_day": "08:00:00",
                                                "duration_seconds": 12 * HOUR}])])
    # Overrides: one in the past, one upcoming.
    store.add_override(s5, epoch - 3 * DAY, epoch - 3 * DAY + 12 * HOUR, mob[4] if len(mob) > 4 else mob[0])
    nyc = get_tz("America/New_York")
    up = local_to_epoch(local_date(epoch + DAY, nyc), "09:00:00", nyc)
    store.add_override(s1, up, up + 12 * HOUR, p[4] if len(p) > 4 else p[0])
    return [s1, s2, s3, s4, s5, s6]


def _escalation_policies(store, scheds):
    teams = list(store.teams.values())
    mgr = [t["members"][0][0] for t in teams]
    sec_second = teams[4]["members"][1][0]
    layout = [
        ("Platform Escalation", 0, 2, [[("schedule", scheds[0])], [("schedule", scheds[1])], [("user", mgr[0])]]),
        ("Data Escalation", 1, 1, [[("schedule", scheds[2])], [("user", mgr[1])]]),
        ("Payments Escalation", 2, 0, [[("schedule", scheds[3])], [("schedule", scheds[0]), ("user", mgr[2])]]),
        ("Mobile Escalation", 3, 1, [[("schedule", scheds[4])], [("user", mgr[3])]]),
        ("Security Escalation", 4, 3, [[("schedule", scheds[5])], [("user", mgr[4]), ("user", sec_second)]]),
    ]
    ids = []
    for name, ti, loops, rules in layout:
        eid = store.ids.new()
        store.escalation_policies[eid] = {
            "id": eid, "name": name, "description": "Escalation for the %s team" % teams[ti]["name"],
            "num_loops": loops, "on_call_handoff_notifications": "if_has_services",
            "team_ids": [teams[ti]["id"]],
            "rules": [{"id": store.ids.new(), "delay": 30 if i else 15, "targets": targets}
                      for i, targets in enumerate(rules)]}
        ids.append(eid)
    return ids


def _services(store, eps, epoch):
    teams = list(store.teams.values())
    for i, (name, ti, ei, fixed) in enumerate(SERVICES):
        sid = store.ids.new()
        store.services[sid] = {
            "id": sid, "name": name, "description": "%s (%s team)" % (name, teams[ti]["name"]),
            "ep_id": eps[ei], "team_ids": [teams[ti]["id"]], "created_at": epoch - (400 - 7 * i) * DAY,
            "fixed_status": fixed, "integration": {"id": store.ids.new(), "key": store.ids.hexkey()}}


def _priorities(store):
    for order, (name, desc) in enumerate(PRIORITIES):
        pid = store.ids.new()
        store.priorities[pid] = {"id": pid, "name": name, "description": desc, "order": order}


def _incidents(store, rng, epoch, count, open_count=None):
    services = list(store.services.values())
    live = [s for s in services if s["fixed_status"] is None]
    prio = list(store.priorities)
    times = sorted(epoch - rng.randrange(5 * 60, 30 * DAY) for _ in range(count))
    plan = []
    for t in times:
        age = epoch - t
        if age > 3 * DAY:
            status = rng.choices(["resolved", "acknowledged", "triggered"], [95, 3, 2])[0]
        else:
            status = rng.choices(["triggered", "acknowledged", "resolved"], [35, 30, 35])[0]
        svc = rng.choice(services if status == "resolved" else live)
        plan.append([t, svc, status])
    recent = [p for p in plan if p[1]["fixed_status"] is None][::-1]
    if open_count is not None:  # exactly this many open, the newest, triggered and acknowledged in turn
        if open_count > len(recent):
            raise ValueError("%d open incidents need more seeded incidents than %d" % (open_count, count))
        for i, p in enumerate(recent):
            p[2] = "resolved" if i >= open_count else ("triggered", "acknowledged")[i % 2]
    else:
        for want, n in (("triggered", 15), ("acknowledged", 12)):
            have = sum(1 for p in plan if p[2] == want)
            for p in recent:
                if have >= n:
                    break
                if p[2] == "resolved":
                    p[2] = want
                    have += 1
    snoozed_done = False
    for idx, (t, svc, status) in enumerate(plan):
        slug = svc["name"].lower().replace(" ", "-")
        template = rng.choice(INCIDENT_TITLES)
        title = template.format(
            host="%s-%02d.us-east-1" % (slug, rng.randrange(1, 24)), svc=svc["name"], slug=slug,
            n=rng.randrange(1000, 9999))
        urgency = "high" if rng.random() < 0.65 else "low"
        pr = rng.choices([None] + prio, [40, 5, 10, 20, 15, 10])[0]
        channel = rng.choice([{"type": "api"}, {"type": "api"}, {"type": "email"}, {"type": "nagios"}])
        severity = rng.choice(["critical", "error", "warning", "info"])
        inc = store.create_incident(
            svc["id"], title, t, ("service", svc["id"]), channel, urgency=urgency, priority_id=pr,
            alert={"summary": title, "severity": severity,
                   "details": {"host": "%s-%02d" % (slug, idx % 24), "check": title.split(" on ")[0],
                               "value": rng.randrange(50, 100)}},
            long_id=(idx % 10 == 9))
        inc["template"] = template.format(host="<*>", svc="<*>", slug="<*>", n="<*>")
        if rng.random() < 0.4:
            for k in range(rng.randrange(1, 3)):
                store.add_alert(inc, t + (k + 1) * rng.randrange(30, 300), summary=title + " (repeat)",
                                severity=severity)
        end = epoch - 60
        cursor = t
        if status != "triggered" or rng.random() < 0.2:
            if rng.random() < 0.12 and len(store.escalation_policies[inc["ep_id"]]["rules"]) > 1:
                cursor = min(t + 15 * 60, end)
                try:
                    store.escalate(inc, 2, cursor, ("service", svc["id"]))
                except ApiError:
                    pass
        if status in ("acknowledged", "resolved") and inc["assignments"] and (status == "acknowledged" or rng.random() < 0.8):
            cursor = min(cursor + rng.randrange(60, 30 * 60), end)
            store.acknowledge(inc, cursor, rng.choice(inc["assignments"])[1],
                              rng.choice([{"type": "website"}, {"type": "sms"}, {"type": "mobile"}, {"type": "api"}]))
        if rng.random() < 0.3:
            for _ in range(rng.randrange(1, 4)):
                cursor = min(cursor + rng.randrange(60, 3 * HOUR), end)
                author = inc["assignments"][0][1] if inc["assignments"] else rng.choice(list(store.users))
                store.add_note(inc, cursor, author, rng.choice(NOTES))
        if status == "resolved":
            cursor = min(cursor + rng.randrange(5 * 60, 2 * DAY), end)
            if inc["assignments"] and rng.random() < 0.75:
                store.resolve(inc, cursor, ("user", rng.choice(inc["assignments"])[1]),
                              rng.choice([{"type": "website"}, {"type": "api"}, {"type": "mobile"}]))
            else:
                store.resolve(inc, cursor, ("service", svc["id"]), {"type": "auto"})
        elif status == "acknowledged" and not snoozed_done and epoch - t < DAY and inc["acknowledgements"]:
            store.snooze(inc, cursor, inc["acknowledgements"][0][1], int(epoch + 4 * HOUR - cursor))
            snoozed_done = True


# --------------------------------------------------------------------------
# Kinds the official MCP server's tools reach. They are built after the core
# data set, from their own random stream, so the core data (and its IDs) is
# the same as before they existed.

BUSINESS_SERVICES = [("Online Checkout", "Customers can browse, pay and get receipts", 2,
                      ["Checkout API", "Payments Gateway", "Auth Service"]),
                     ("Customer Data Platform", "Profiles, search and reporting", 1,
                      ["Postgres Primary", "Search Indexer", "Analytics Pipeline"]),
                     ("Mobile Experience", "The iOS and Android apps", 3, ["Mobile API Gateway", "Mobile Push"])]
TECH_DEPENDENCIES = [("Postgres Primary", "Checkout API"), ("Auth Service", "Payments Gateway"),
                     ("Auth Service", "Mobile API Gateway"), ("Search Indexer", "Analytics Pipeline")]
CHANGE_SUMMARIES = ["Deploy #{n} of {slug} to production", "Rolled back {slug} to build #{n}",
                    "Feature flag {slug}-fast-path enabled for 25% of traffic",
                    "Terraform apply: scaled {slug} node pool", "Config change: raised {slug} connection limit",
                    "Database migration {n} applied to {slug}"]
CHANGE_SOURCES = ["github-actions", "argo-cd", "terraform-cloud", "launchdarkly", "jenkins"]
WORKFLOWS = [("Major Incident Kickoff", "Open a bridge and tell stakeholders a major incident is under way", 0, True,
              [("Add Conference Bridge", "pagerduty.com:incident-workflows:add-conference-bridge:5",
                "Adds a conference bridge to the incident",
                [("Conference Number", "text", "+1 555-0100,,123456#"),
                 ("Conference URL", "url", "https://meet.example.com/major-incident")]),
               ("Send Status Update", "pagerduty.com:incident-workflows:send-status-update:1",
                "Posts a status update to a given incident",
                [("Message", "text", "A major incident is under way; updates every 30 minutes.")])]),
             ("Page the Database Team", "Ask the Data on-call to join the incident", 1, True,
              [("Add Responders", "pagerduty.com:incident-workflows:add-responders:2",
                "Requests additional responders for the incident",
                [("Escalation Policy", "escalation_policy", "{data_ep}"),
                 ("Message", "text", "Database help needed")])]),
             ("Legacy Pager Bridge", "Disabled: replaced by Major Incident Kickoff", None, False,
              [("Send Status Update", "pagerduty.com:incident-workflows:send-status-update:1",
                "Posts a status update to a given incident", [("Message", "text", "Legacy bridge")])])]
STATUS_ITEMS = {"severities": [("incident", "minor"), ("incident", "major"), ("incident", "critical"),
                               ("maintenance", "maintenance")],
                "impacts": [("incident", "operational"), ("incident", "degraded performance"),
                            ("incident", "partial outage"), ("incident", "major outage"),
                            ("maintenance", "under maintenance")],
                "statuses": [("incident", "investigating"), ("incident", "identified"), ("incident", "monitoring"),
                             ("incident", "resolved"), ("maintenance", "scheduled"), ("maintenance", "in progress"),
                             ("maintenance", "completed")]}
EXTENSION_SCHEMAS = [("generic_webhook", "Generic V2 Webhook", "Sends incident events to a URL of your choice",
                      ["trigger", "acknowledge", "resolve", "delegate", "escalate", "unacknowledge", "assign"]),
                     ("slack_v2", "Slack V2", "Posts incident events to a Slack channel",
                      ["trigger", "acknowledge", "resolve", "delegate", "escalate", "unacknowledge", "assign",
                       "custom"]),
                     ("servicenow_v7", "ServiceNow (v7)", "Syncs incidents with ServiceNow tickets",
                      ["trigger", "acknowledge", "resolve", "delegate", "escalate", "assign"]),
                     ("custom_incident_action", "Custom Incident Action", "A button on the incident that calls a URL",
                      ["custom"])]
WEBHOOK_EVENTS = ["incident.acknowledged", "incident.annotated", "incident.delegated", "incident.escalated",
                  "incident.priority_updated", "incident.reassigned", "incident.reopened", "incident.resolved",
                  "incident.responder.added", "incident.responder.replied", "incident.triggered",
                  "incident.unacknowledged"]


def _svc_by_name(store):
    return {svc["name"]: sid for sid, svc in store.services.items()}


def _manager_name(store, tid):
    return store.users[store.teams[tid]["members"][0][0]]["name"]


def _business_services(store):
    by_name = _svc_by_name(store)
    teams = list(store.teams)
    ids = []
    for name, desc, ti, supporting in BUSINESS_SERVICES:
        bid = store.ids.new()
        store.business_services[bid] = {"id": bid, "name": name, "description": desc,
                                        "point_of_contact": _manager_name(store, teams[ti]),
                                        "team_id": teams[ti]}
        ids.append(bid)
        for svc in supporting:
            store.dependencies[store.ids.new("D", 16)] = {"supporting": ("service", by_name[svc]),
                                                         "dependent": ("business_service", bid)}
    for supporting, dependent in TECH_DEPENDENCIES:
        store.dependencies[store.ids.new("D", 16)] = {"supporting": ("service", by_name[supporting]),
                                                     "dependent": ("service", by_name[dependent])}
    store.dependencies[store.ids.new("D", 16)] = {"supporting": ("business_service", ids[0]),
                                                 "dependent": ("business_service", ids[2])}
    return ids


def v3_event(store, name, start, end, tz_name, since, recurrence, strategy, members, per=None, until=None):
    import schedule_v3
    return {"id": store.ids.long26(), "name": name, "start": start, "start_tz": tz_name, "end": end,
            "end_tz": tz_name, "effective_since": since, "effective_until": until, "recurrence": list(recurrence),
            "rule": schedule_v3.parse_recurrence(recurrence, tz_name),
            "strategy": {"type": strategy, "shifts_per_member": per,
                         "members": [{"type": "user_member", "user_id": u} for u in members]}}


def new_v3_schedule(store, name, tz_name, description, team_ids, created_at):
    sid = store.ids.new()
    store.v3_schedules[sid] = {"id": sid, "name": name, "time_zone": tz_name, "description": description,
                               "team_ids": list(team_ids), "created_at": created_at, "cal_key": store.ids.hexkey(20),
                               "rotations": {}, "custom_shifts": {}, "overrides": {}}
    return store.v3_schedules[sid]


def _v3_schedules(store, epoch):
    teams = list(store.teams.values())
    nyc = get_tz("America/New_York")
    monday = _monday(local_date(epoch - 56 * DAY, nyc))
    since = local_to_epoch(monday, "00:00:00", nyc)
    platform = [u for u, r in teams[0]["members"] if r != "observer"]
    sc = new_v3_schedule(store, "Platform Shift-Based", "America/New_York",
                         "Weekly primary plus a weekday business-hours pair (shift-based)", [teams[0]["id"]],
                         epoch - 60 * DAY)
    start = local_to_epoch(monday, "09:00:00", nyc)
    rot_a = {"id": store.ids.long26(), "events": {}}
    ev = v3_event(store, "Weekly primary", start, start + 7 * DAY, "America/New_York", since,
                  ["RRULE:FREQ=WEEKLY"], "rotating_member_assignment_strategy", platform[:3], per=1)
    rot_a["events"][ev["id"]] = ev
    rot_b = {"id": store.ids.long26(), "events": {}}
    ev = v3_event(store, "Business hours pair", start, start + 8 * HOUR, "America/New_York", since,
                  ["RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"], "every_member_assignment_strategy", platform[3:5])
    rot_b["events"][ev["id"]] = ev
    sc["rotations"] = {rot_a["id"]: rot_a, rot_b["id"]: rot_b}
    sat = local_date(epoch, nyc) + _dt.timedelta(days=(5 - local_date(epoch, nyc).weekday()) % 7 or 7)
    cs_start = local_to_epoch(sat, "10:00:00", nyc)
    cs = {"id": store.ids.long26(), "start": cs_start, "end": cs_start + 6 * HOUR,
          "assignments": [{"id": store.ids.long26(), "member": {"type": "user_member", "user_id": platform[-1]}}]}
    sc["custom_shifts"][cs["id"]] = cs
    ov_start = local_to_epoch(local_date(epoch + DAY, nyc), "09:00:00", nyc)
    import schedule_v3
    covering = [m for a, b, m, src in schedule_v3.assignments(sc, ov_start, ov_start + 1)
                if src.get("rotation_id") == rot_a["id"]]
    ov = {"id": store.ids.long26(), "rotation_id": rot_a["id"], "custom_shift_id": None, "start": ov_start,
          "end": ov_start + 12 * HOUR, "overridden": dict(covering[0]),
          "overriding": {"type": "user_member", "user_id": platform[3]}}
    sc["overrides"][ov["id"]] = ov

    sec = [u for u, r in teams[4]["members"] if r != "observer"]
    utc = get_tz("Etc/UTC")
    night = local_to_epoch(monday, "20:00:00", utc)
    sc2 = new_v3_schedule(store, "Security Night Watch", "Etc/UTC", "Nightly 20:00-08:00 UTC, two nights each",
                          [teams[4]["id"]], epoch - 45 * DAY)
    rot = {"id": store.ids.long26(), "events": {}}
    ev = v3_event(store, "Night watch", night, night + 12 * HOUR, "Etc/UTC", night, ["RRULE:FREQ=DAILY"],
                  "rotating_member_assignment_strategy", sec[:3], per=2)
    rot["events"][ev["id"]] = ev
    sc2["rotations"] = {rot["id"]: rot}


def _change_events(store, rng, epoch):
    services = [s for s in store.services.values() if s["fixed_status"] != "disabled"]
    stamps = sorted(epoch - rng.randrange(10 * 60, 30 * DAY) for _ in range(48))
    for t in stamps:
        svc = rng.choice(services)
        slug = svc["name"].lower().replace(" ", "-")
        n = rng.randrange(100, 9999)
        summary = rng.choice(CHANGE_SUMMARIES).format(n=n, slug=slug)
        src = rng.choice(CHANGE_SOURCES)
        ce = {"id": store.ids.long26(), "timestamp": t, "summary": summary, "source": src,
              "service_ids": [svc["id"]], "integration_id": svc["integration"]["id"],
              "routing_key": svc["integration"]["key"],
              "links": [{"href": "https://ci.example.com/%s/builds/%d" % (slug, n), "text": "Build %d" % n}],
              "images": [], "custom_details": {"build_number": str(n), "triggered_by": src,
                                               "environment": "production"}}
        store.change_events[ce["id"]] = ce


def orchestration_path(store, at, uid, rules=(), catch_all=None):
    return {"sets": [{"id": "start", "rules": [dict(r, id=store.ids.hexkey(8)) for r in rules]}],
            "catch_all": {"actions": dict(catch_all or {})}, "created_at": at, "created_by": uid,
            "updated_at": at, "updated_by": uid, "version": store.ids.hexkey(32)}


def _orchestrations(store, epoch):
    by_name = _svc_by_name(store)
    teams = list(store.teams)
    me = store.current_user_id
    layout = [("Production Events", "Routes production monitoring events to services", 0,
               [("Database events", ["event.summary matches part 'database'", "event.source matches regex 'db[0-9]+'"],
                 "Postgres Primary"),
                ("Checkout errors", ["event.summary matches part 'checkout'"], "Checkout API"),
                ("Login failures", ["event.custom_details.component matches 'auth'"], "Auth Service")]),
              ("Mobile Telemetry", "Crash and push-delivery signals from the apps", 3,
               [("Push delivery", ["event.source matches part 'push'"], "Mobile Push")])]
    for name, desc, ti, routes in layout:
        oid = store.ids.uuid()
        at = epoch - (90 - 10 * ti) * DAY
        rules = [{"label": label, "conditions": [{"expression": c} for c in conds],
                  "actions": {"route_to": by_name[svc]}, "disabled": False} for label, conds, svc in routes]
        store.orchestrations[oid] = {
            "id": oid, "name": name, "description": desc, "team_id": teams[ti], "created_at": at,
            "created_by": me, "updated_at": at, "updated_by": me, "version": store.ids.hexkey(32),
            "integrations": [{"id": store.ids.uuid(), "label": "%s Default Integration" % name,
                              "routing_key": "R" + store.ids.new("", 31)}],
            "router": orchestration_path(store, at, me, rules, {"route_to": "unrouted"}),
            "global": orchestration_path(store, at, me, [
                {"label": "Tag every event with its environment", "conditions": [],
                 "actions": {"annotate": "environment: production"}, "disabled": False}]),
            "unrouted": orchestration_path(store, at, me, [
                {"label": "Lower the severity of unrouted events", "conditions": [],
                 "actions": {"severity": "info"}, "disabled": False}], {"suppress": True})}
    sid = by_name["Checkout API"]
    path = orchestration_path(store, epoch - 30 * DAY, me, [
        {"label": "Critical checkout errors are P1",
         "conditions": [{"expression": "event.severity matches 'critical'"}],
         "actions": {"priority": next(iter(store.priorities)), "annotate": "Use the checkout runbook"},
         "disabled": False}])
    path["active"] = True
    store.service_orchestrations[sid] = path


def _workflows(store, epoch):
    teams = list(store.teams)
    data_ep = list(store.escalation_policies)[1]
    for i, (name, desc, ti, enabled, steps) in enumerate(WORKFLOWS):
        wid = store.ids.new()
        store.workflows[wid] = {
            "id": wid, "name": name, "description": desc, "created_at": epoch - (200 - 30 * i) * DAY,
            "team_id": teams[ti] if ti is not None else None, "is_enabled": enabled,
            "steps": [{"id": store.ids.new(), "name": sname, "action_id": action, "description": sdesc,
                       "inputs": [{"name": n, "parameter_type": t, "value": v.format(data_ep=data_ep)}
                                  for n, t, v in inputs],
                       "outputs": [{"name": "Result", "reference_name": "result", "parameter_type": "text"}]}
                      for sname, action, sdesc, inputs in steps]}


def _status_pages(store, rng, epoch, business_ids):
    layout = [("Acme Status", "public", "https://status.acme.example", business_ids),
              ("Acme Internal Status", "private", "https://internal-status.acme.example", business_ids[:2])]
    for i, (name, kind, url, bids) in enumerate(layout):
        spid = store.ids.new()
        sp = {"id": spid, "name": name, "status_page_type": kind, "url": url, "published_at": epoch - (300 + i) * DAY,
              "posts": {}, "services": []}
        for key, items in STATUS_ITEMS.items():
            sp[key] = [{"id": store.ids.new(), "post_type": pt, "description": d} for pt, d in items]
        for bid in bids:
            sp["services"].append({"id": store.ids.new(), "name": store.business_services[bid]["name"],
                                   "business_service_id": bid})
        store.status_pages[spid] = sp
        if i:
            continue

        def item(key, post_type, desc):
            return next(x["id"] for x in sp[key] if x["post_type"] == post_type and x["description"] == desc)
        start = epoch - 4 * DAY
        post = {"id": store.ids.new(), "post_type": "incident", "title": "Checkout errors for some customers",
                "starts_at": start, "ends_at": start + 3 * HOUR, "linked_incident_id": None, "updates": {}}
        for k, (st, sev, imp, msg) in enumerate([
                ("investigating", "major", "partial outage", "We are investigating failed checkouts."),
                ("identified", "major", "partial outage", "A bad deploy was identified and is being rolled back."),
                ("resolved", "minor", "operational", "Checkouts are working again.")]):
            uid = store.ids.new()
            post["updates"][uid] = {"id": uid, "message": msg, "reviewed_status": "approved",
                                    "status_id": item("statuses", "incident", st),
                                    "severity_id": item("severities", "incident", sev),
                                    "impacted_services": [(sp["services"][0]["id"], item("impacts", "incident", imp))],
                                    "update_frequency_ms": 1800000, "notify_subscribers": True,
                                    "reported_at": start + k * HOUR}
        sp["posts"][post["id"]] = post
        mstart = epoch + 3 * DAY
        post = {"id": store.ids.new(), "post_type": "maintenance", "title": "Database upgrade",
                "starts_at": mstart, "ends_at": mstart + 2 * HOUR, "linked_incident_id": None, "updates": {}}
        uid = store.ids.new()
        post["updates"][uid] = {"id": uid, "message": "Scheduled: Postgres major version upgrade.",
                                "reviewed_status": "approved",
                                "status_id": item("statuses", "maintenance", "scheduled"),
                                "severity_id": item("severities", "maintenance", "maintenance"),
                                "impacted_services": [(sp["services"][1]["id"],
                                                       item("impacts", "maintenance", "under maintenance"))],
                                "update_frequency_ms": None, "notify_subscribers": False, "reported_at": epoch - DAY}
        sp["posts"][post["id"]] = post


def _alert_grouping(store, epoch):
    by_name = _svc_by_name(store)
    layout = [("Checkout and Auth content grouping", "Group by summary and component", "content_based",
               {"aggregate": "all", "fields": ["summary", "component"], "time_window": 900},
               ["Checkout API", "Auth Service"]),
              ("Database time grouping", "Everything within 10 minutes", "time", {"timeout": 600},
               ["Postgres Primary"]),
              ("Mobile intelligent grouping", None, "intelligent",
               {"time_window": 1800, "recommended_time_window": 1200, "iag_fields": ["summary"]}, ["Mobile Push"])]
    for i, (name, desc, kind, config, svcs) in enumerate(layout):
        agid = store.ids.new()
        store.alert_grouping[agid] = {"id": agid, "name": name, "description": desc, "type": kind,
                                      "config": dict(config), "service_ids": [by_name[x] for x in svcs],
                                      "created_at": epoch - (120 - 20 * i) * DAY,
                                      "updated_at": epoch - (60 - 5 * i) * DAY}


def _webhooks(store):
    svc = next(iter(store.services))
    for desc, flt, events in (("Account-wide incident feed", ("account_reference", None), WEBHOOK_EVENTS),
                              ("Checkout API to the chat bridge", ("service_reference", svc),
                               ["incident.triggered", "incident.resolved"])):
        wid = store.ids.new()
        store.webhooks[wid] = {"id": wid, "active": True, "description": desc, "events": list(events),
                               "filter": flt,
                               "delivery": {"id": store.ids.new(), "secret": store.ids.hexkey(32),
                                            "temporarily_disabled": False,
                                            "url": "https://hooks.example.com/pagerduty/%s" % wid.lower(),
                                            "custom_headers": [{"name": "X-Team", "value": "platform"}]}}


def _extension_schemas(store):
    for key, label, desc, sends in EXTENSION_SCHEMAS:
        eid = store.ids.new()
        store.extension_schemas[eid] = {
            "id": eid, "key": key, "label": label, "description": desc, "send_types": list(sends),
            "guide_url": "https://developer.pagerduty.com/docs/%s" % key,
            "icon_url": "https://assets.example.com/extensions/%s-icon.png" % key,
            "logo_url": "https://assets.example.com/extensions/%s-logo.png" % key, "url": ""}


def _extras(store, seed, epoch):
    rng = random.Random("pdsim-extras/%s" % seed)
    business_ids = _business_services(store)
    _v3_schedules(store, epoch)
    _change_events(store, rng, epoch)
    _orchestrations(store, epoch)
    _workflows(store, epoch)
    _status_pages(store, rng, epoch, business_ids)
    _alert_grouping(store, epoch)
    _webhooks(store)
    _extension_schemas(store)


def build(seed, epoch, incidents=N_INCIDENTS, open_count=None):
    store = Store(seed, epoch)
    rng = random.Random(seed)
    _users(store, rng, epoch)
    _teams(store, rng)
    scheds = _schedules(store, rng, epoch)
    eps = _escalation_policies(store, scheds)
    _services(store, eps, epoch)
    _priorities(store)
    _incidents(store, rng, epoch, incidents, open_count)
    _extras(store, seed, epoch)
    return store
