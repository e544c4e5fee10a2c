"""Periodic reviews over HTTP on the real servers: a review of a period whose cases are
pinned to known instants of June 2019 (hours after T0):

    case  path                                   fault code (model)         created  assigned  resolved  closed
    A     washer repaired, callback csat 5 nps 10  WSH-NO-DRAIN (XQG100)    0        2         20        30
    B     washer repaired, callback csat 3 nps 7   WSH-NO-DRAIN (XQG80)     0        6         40        68
    C     tv, diagnosed, left at quote approval    TV-NO-PICTURE (L55)      50       51        -         -

Each event of A and B is pinned (HOURS below), so the time each stage held them is known:
DISPATCH 2 h and 6 h, DIAGNOSIS 1 h and 1 h, QUOTE_APPROVAL 2 h and 1 h, REPAIR 10 h and 30 h,
QC 1 h and 1 h, HANDOVER 4 h and 1 h, CALLBACK 10 h and 28 h: REPAIR's median, 20 h, is the
longest. C is open: its stages are not counted, its diagnosis is.
"""

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from activities.case_kpis import write_case_kpis
from models.tables import (
    CaseRow,
    ComplaintRow,
    DiagnosisRow,
    FollowUpRow,
    NotificationRow,
    SlaTargetRow,
    TimelineEventRow,
)
from tests.integration.cases import AGENT, REPAIR_PATH, SUPERVISOR, TECH, Cases, intake_body
from tests.integration.running import eventually
from tests.integration.workflow_histories import keep_history

T0 = datetime(2019, 6, 3, tzinfo=UTC)
PERIOD = {"from": "2019-06-03", "to": "2019-06-10"}
EMPTY = {"from": "2019-05-01", "to": "2019-05-02"}
REVIEWS = "/api/v1/reviews"
H = 3600.0
# the hour of each event of REPAIR_PATH, for A and for B
HOURS = {
    "A": [0, 0, 2, 3, 3, 5, 5, 15, 16, 16, 20, 30, 30],
    "B": [0, 0, 6, 7, 7, 8, 8, 38, 39, 39, 40, 68, 68],
}


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


async def repaired(cases: Cases, model: str, csat: int, nps: int) -> str:
    body = intake_body()
    body["product"]["model"] = model
    cid = (await cases.open(body))["case_id"]
    await cases.assign(cid)
    diagnosis = {"fault_cause": "pump", "fault_code": "WSH-NO-DRAIN", "labor_hours": "1"}
    await cases.act(cid, "diagnosis", diagnosis | {"parts": [{"part_number": "WSH-DRAIN-PUMP", "quantity": 1}]}, TECH)
    await cases.decide(cid, True)
    await cases.repair(cid, [("WSH-DRAIN-PUMP", 1)])
    await cases.qc(cid, True)
    await cases.handover(cid)
    await cases.callback(cid, csat=csat, nps=nps)

    async def closed():
        return (await cases.get(cid))["stage"] == "CLOSED"

    assert await eventually(closed, 20)
    assert [e["type"] for e in await cases.timeline(cid)] == REPAIR_PATH
    return cid


async def pin(sessions, cid: str, created: float, closed: float | None, met: dict, events: list[float]) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(CaseRow)
            .where(CaseRow.case_id == cid)
            .values(created_at=at(created), closed_at=None if closed is None else at(closed))
        )
        await session.execute(update(SlaTargetRow).where(SlaTargetRow.case_id == cid).values(breached_at=None))
        for target, hours in met.items():
            await session.execute(
                update(SlaTargetRow)
                .where(SlaTargetRow.case_id == cid, SlaTargetRow.target == target)
                .values(met_at=at(hours))
            )
        ids = await session.scalars(
            select(TimelineEventRow.id).where(TimelineEventRow.case_id == cid).order_by(TimelineEventRow.id)
        )
        for event_id, hours in zip(list(ids), events, strict=True):
            await session.execute(update(TimelineEventRow).where(TimelineEventRow.id == event_id).values(at=at(hours)))
        await session.execute(update(DiagnosisRow).where(DiagnosisRow.case_id == cid).values(at=at(created + 1)))


async def breach(sessions, cid: str, target: str, hours: float) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(SlaTargetRow)
            .where(SlaTargetRow.case_id == cid, SlaTargetRow.target == target)
            .values(breached_at=at(hours))
        )


@pytest.fixture(scope="module")
async def world(api_url, sessions):
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as http:
        cases = Cases(http)
        ids = {"A": await repaired(cases, "XQG100", 5, 10), "B": await repaired(cases, "XQG80", 3, 7)}
        tv = intake_body(category="tv")
        tv["product"]["model"] = "L55"
        ids["C"] = (await cases.open(tv))["case_id"]
        await cases.assign(ids["C"])
        diagnosis = {"fault_cause": "panel", "fault_code": "TV-NO-PICTURE", "labor_hours": "1", "parts": []}
        await cases.act(ids["C"], "diagnosis", diagnosis, TECH)
        # cases of today, for the follow-ups and complaints the review finds open
        ids |= {name: (await cases.open())["case_id"] for name in ("D", "E", "F")}
        priorities = {name: (await cases.get(ids[name]))["priority"] for name in "ABC"}
        assert priorities == {"A": "P3", "B": "P3", "C": "P3"}, priorities

        await pin(sessions, ids["A"], 0, 30, {"assigned": 2, "resolved": 20}, HOURS["A"])
        await pin(sessions, ids["B"], 0, 68, {"assigned": 6, "resolved": 40}, HOURS["B"])
        await pin(sessions, ids["C"], 50, None, {"assigned": 51}, [50] * len(await cases.timeline(ids["C"])))
        await breach(sessions, ids["B"], "resolved", 30)
        await breach(sessions, ids["C"], "diagnosis_started", 60)
        await breach(sessions, ids["A"], "diagnosis_started", -1)  # before the period
        async with sessions.begin() as session:  # the closed cases' KPI facts, from the pinned records
            await write_case_kpis(session, [ids["A"], ids["B"]])
        yield http, ids


def answers(response, status: int) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def open_items(sessions, ids: dict[str, str]) -> None:
    """Two open follow-ups (one overdue) and a closed one; two open complaints (one not called
    back in time, one past its resolution deadline) and a resolved one."""
    now = datetime.now(UTC)
    past, future = now - timedelta(hours=1), now + timedelta(days=2)
    async with sessions.begin() as session:
        for name, deadline, status in (("D", past, "open"), ("E", future, "open"), ("F", past, "closed")):
            session.add(
                FollowUpRow(
                    case_id=ids[name], reason="csat 1", deadline=deadline, status=status, created_at=now - timedelta(1)
                )
            )
        for n, (severity, callback_due, resolve_due, status) in enumerate(
            (("high", past, future, "open"), ("low", future, past, "open"), ("high", past, past, "resolved"))
        ):
            session.add(
                ComplaintRow(
                    complaint_id=f"CP-{ids['D'][-10:]}-{n}",
                    case_id=ids["D"],
                    channel="phone",
                    severity=severity,
                    description="slow",
                    status=status,
                    opened_by="agent:dev-agent",
                    callback_due_at=callback_due,
                    resolve_due_at=resolve_due,
                    created_at=now,
                    updated_at=now,
                )
            )


async def managers_told(sessions, review: str) -> list[NotificationRow]:
    async with sessions() as session:
        query = select(NotificationRow).where(NotificationRow.review_id == review).order_by(NotificationRow.id)
        return list(await session.scalars(query))


def delta(after: dict, before: dict) -> dict:
    return {k: after[k] - before[k] for k in after if isinstance(after[k], int)}


async def test_a_review_of_a_period_reports_exactly_what_its_cases_made(world, sessions, temporal_client):
    http, ids = world
    before = answers(await http.post(REVIEWS, json=EMPTY, headers=SUPERVISOR), 201)["report"]
    await open_items(sessions, ids)
    made = answers(await http.post(REVIEWS, json=PERIOD, headers=SUPERVISOR), 201)
    assert made["review_id"] == "period-20190603-20190610" and made["kind"] == "requested"
    assert made["requested_by"] == "supervisor:dev-supervisor"
    report = made["report"]
    assert (report["from"], report["to"]) == ("2019-06-03T00:00:00Z", "2019-06-10T00:00:00Z")
    assert report["period"] == "2019-06-03 – 2019-06-10"  # in Shanghai, 08:00 to 08:00

    assert report["top_fault_codes"] == [
        {
            "code": "WSH-NO-DRAIN",
            "name": "Does not drain",
            "name_zh": "不排水",
            "category": "washer",
            "cases": 2,
            "models": [{"model": "XQG100", "cases": 1}, {"model": "XQG80", "cases": 1}],
        },
        {
            "code": "TV-NO-PICTURE",
            "name": "No picture",
            "name_zh": "无图像",
            "category": "tv",
            "cases": 1,
            "models": [{"model": "L55", "cases": 1}],
        },
    ]

    bottleneck = report["bottleneck"]
    assert bottleneck["stage"] == "REPAIR"
    assert [(s["stage"], s["cases"], s["median_seconds"] / H) for s in bottleneck["stages"]] == [
        ("REPAIR", 2, 20.0),
        ("CALLBACK", 2, 19.0),
        ("DISPATCH", 2, 4.0),
        ("HANDOVER", 2, 2.5),
        ("QUOTE_APPROVAL", 2, 1.5),
        ("DIAGNOSIS", 2, 1.0),
        ("QC", 2, 1.0),
        ("INTAKE", 2, 0.0),
        ("REVIEW", 2, 0.0),
    ]

    assert report["sla_breaches"]["total"] == 2
    assert report["sla_breaches"]["items"] == [
        {"priority": "P3", "target": "diagnosis_started", "breaches": 1},
        {"priority": "P3", "target": "resolved", "breaches": 1},
    ]

    kpis = report["kpis"]
    assert kpis["resolution_time"] | {"definition": None} == {
        "definition": None,
        "basis": "closed",
        "unit": "seconds",
        "n": 2,
        "mean": 30 * H,
        "median": 30 * H,
        "p90": 38 * H,
    }
    assert (kpis["first_response"]["n"], kpis["first_response"]["median"]) == (3, 2 * H)
    assert (kpis["csat"]["n"], kpis["csat"]["value"]) == (2, 4.0)
    assert (kpis["nps"]["n"], kpis["nps"]["value"]) == (2, 50.0)
    assert (kpis["first_time_fix"]["value"], kpis["first_contact_resolution"]["value"]) == (1.0, 0.0)
    standing = {t["kpi"]: (t["actual"], t["standing"]) for t in report["targets"]}
    assert standing["resolution_time"] == (30 * H, "met")
    assert standing["csat"] == (4.0, "missed")
    assert standing["nps"] == (50.0, "met")
    assert standing["first_time_fix"] == (1.0, "met")
    assert standing["first_contact_resolution"] == (0.0, "missed")
    assert standing["ces"] == (None, "no_data")
    assert report["targets_missed"] == sum(1 for t in report["targets"] if t["standing"] == "missed")
    assert report["score"] == kpis["service_score"]["value"]

    assert delta(report["follow_ups"], before["follow_ups"]) == {"open": 2, "overdue": 1}
    assert delta(report["complaints"], before["complaints"]) == {
        "open": 2,
        "callback_overdue": 1,
        "resolution_overdue": 1,
    }
    severities = {s["severity"]: s for s in report["complaints"]["by_severity"]}
    earlier = {s["severity"]: s for s in before["complaints"]["by_severity"]}
    zero = {"open": 0, "callback_overdue": 0, "resolution_overdue": 0}
    assert delta(severities["high"], earlier.get("high", zero)) == {
        "open": 1,
        "callback_overdue": 1,
        "resolution_overdue": 0,
    }

    told = await managers_told(sessions, made["review_id"])
    assert told and {n.audience for n in told} == {"manager"}
    assert {n.template for n in told} == {"review_ready"}
    outbox = answers(await http.get("/api/v1/notifications", params={"limit": 500}, headers=SUPERVISOR), 200)
    assert {n["case_id"] for n in outbox["items"] if n["id"] in {t.id for t in told}} == {None}

    again = answers(await http.post(REVIEWS, json=PERIOD, headers=SUPERVISOR), 200)
    assert again == made
    assert [n.id for n in await managers_told(sessions, made["review_id"])] == [n.id for n in told]
    same_instant = {"from": "2019-06-03T08:00:00+08:00", "to": "2019-06-10T00:00:00Z"}
    assert (
        answers(await http.post(REVIEWS, json=same_instant, headers=SUPERVISOR), 200)["review_id"] == made["review_id"]
    )
    await keep_history(temporal_client, f"review-{made['review_id']}", "a_requested_review_is_stored_and_told")


async def test_reviews_are_listed_newest_first_and_read_one_by_one(world):
    http, _ = world
    made = [
        answers(
            await http.post(REVIEWS, json={"from": f"2019-01-0{d}", "to": f"2019-01-0{d + 1}"}, headers=SUPERVISOR), 201
        )
        for d in (1, 2, 3)
    ]
    page = answers(await http.get(REVIEWS, params={"kind": "requested", "limit": 2}, headers=SUPERVISOR), 200)
    assert [r["review_id"] for r in page["items"]][:1] == [made[2]["review_id"]]
    rest = answers(
        await http.get(
            REVIEWS, params={"kind": "requested", "limit": 2, "cursor": page["next_cursor"]}, headers=SUPERVISOR
        ),
        200,
    )
    listed = [r["review_id"] for r in page["items"] + rest["items"]]
    assert listed.index(made[2]["review_id"]) < listed.index(made[1]["review_id"]) < listed.index(made[0]["review_id"])
    assert "report" not in page["items"][0]
    weekly = answers(await http.get(REVIEWS, params={"kind": "weekly"}, headers=SUPERVISOR), 200)["items"]
    assert all(r["kind"] == "weekly" for r in weekly)
    one = answers(await http.get(f"{REVIEWS}/{made[0]['review_id']}", headers=SUPERVISOR), 200)
    assert one == made[0]

    missing = answers(await http.get(f"{REVIEWS}/period-20000101-20000102", headers=SUPERVISOR), 404)
    assert missing["error"]["code"] == "not_found"
    assert (await http.get(f"{REVIEWS}/bad cursor", headers=SUPERVISOR)).status_code == 422
    bad = answers(
        await http.get(REVIEWS, params={"cursor": "period-nothing"}, headers=SUPERVISOR), 422
    )  # not of the form
    assert bad["error"]["fields"][0]["field"] == "cursor"


async def test_only_supervisors_see_or_run_reviews_and_the_period_is_checked(world):
    http, _ = world
    for key in (AGENT, TECH):
        assert (await http.get(REVIEWS, headers=key)).status_code == 403
        assert (await http.post(REVIEWS, json=PERIOD, headers=key)).status_code == 403
    assert (await http.get(REVIEWS)).status_code == 401
    running = {"from": str(date.today() - timedelta(days=7)), "to": str(date.today() + timedelta(days=2))}
    for body, field, message in (
        ({"from": "2019-06-10", "to": "2019-06-03"}, "to", "after `from`"),
        ({"from": "2019-01-01", "to": "2020-03-01"}, "to", "400 days"),
        (running, "to", "must have ended"),
        ({"from": "2019-06-10"}, "to", "required"),
        ({"from": "soon", "to": "2019-06-03"}, "from", "date"),
        (PERIOD | {"kind": "weekly"}, "kind", "not permitted"),
    ):
        refused = answers(await http.post(REVIEWS, json=body, headers=SUPERVISOR), 422)
        (first, *_) = refused["error"]["fields"]
        assert first["field"].split(".")[0] == field and message in first["message"], refused
