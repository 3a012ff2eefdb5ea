"""The seeded, deterministic data set.

`build(seed, epoch)` returns a fresh Store: 24 users (contact methods,
notification rules; user 0 is the "current user" who owns the API token),
5 teams with members, 6 schedules (weekly/daily/12-hour/two-week turns,
overlapping layers, restricted layers with gaps, an ended layer, overrides),
5 escalation policies, 12 services, 5 priorities and 180 incidents spread over
the 30 days before `epoch`, in every status, urgency and priority, with
alerts, notes and log entries. Incident histories are replayed through the
Store operations, so assignments follow the schedules and every change has
its log entry. The same (seed, epoch) always gives the same data and IDs.
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


def _incidents(store, rng, epoch, count):
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
        title = rng.choice(INCIDENT_TITLES).format(
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


def build(seed, epoch, incidents=N_INCIDENTS):
    store = Store(seed, epoch)
    rng = random.Random(seed)
    _users(store, rng, epoch)
    _teams(store, rng)
    scheds = _schedules(store, rng, epoch)
    eps = _escalation_policies(store, scheds)
    _services(store, eps, epoch)
    _priorities(store)
    _incidents(store, rng, epoch, incidents)
    return store
