"""One declarative case per tool of the catalog (test_tools_catalog.py runs them).

A case: "tool", "args", "reqs" = the exact requests the simulator must log,
each (METHOD, path, query, body) with the query as {key: value or [values]}
and the body as parsed JSON (left out: not compared); "shape" = list |
object | result | text; "write" for write tools (their requests must carry
From); "check" = extra assertions on structuredContent; "error" = the tool
must fail with this text instead. {NAME} is replaced by a seeded ID
(test_tools_catalog.seeded_ids).
"""


def _oncalls_of_ep(t, sc, ids):
    t.assertTrue(sc["response"])
    for o in sc["response"]:
        t.assertEqual(o["escalation_policy"]["id"], ids["SERVICE_EP"])


CASES = [
    # --- users, teams, on-calls, escalation policies -------------------------------
    dict(tool="get_user_data", reqs=[("GET", "/users/me")], shape="object",
         check=lambda t, sc, ids: t.assertEqual(sc["id"], ids["ME"])),
    dict(tool="list_oncalls",
         args={"service_ids": ["{SERVICE}"], "since": "2026-11-27T10:00:00Z", "limit": 3,
               "earliest": False},
         reqs=[("GET", "/services/{SERVICE}"),
               ("GET", "/oncalls", {"since": "2026-11-27T10:00:00Z", "earliest": "false",
                                    "escalation_policy_ids[]": ["{SERVICE_EP}"],
                                    "limit": "3", "offset": "0"})],
         shape="list", check=_oncalls_of_ep),
]
