"""The KPI report over HTTP on the real servers. Cases go through known paths in a region
and with a technician of this module's own; then their clocks are pinned to known instants
in March 2020 (hours after T0), so every KPI has one exact value, worked out by hand below.

    case  path                                    created  assigned  diagnosed  repaired   resolved  closed
    A     washer, part in stock, P3               0        1         2          10         20        30
    B     washer, no parts, QC failed once, P3    24       27        28         40, 44     60 (late) 70
    D     washer, part short then received, P3    48       50        51         75         96        100
    C     tv, resolved remotely, P4               72       72.5      -          -          72.5      80
    E     washer, repeat of A, open, P2           200      201       -          -          -         -
    F     washer, resolved remotely, P3           -100     -99.5     -          -          -99.5     -90  (before T0)
"""

import hashlib
import itertools
import random
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from activities.case_kpis import write_case_kpis
from models.tables import ApiKeyRow, CaseRow, SlaTargetRow, TechnicianRow, TimelineEventRow
from tests.integration.cases import AGENT, SUPERVISOR, TECH, Cases, intake_body
from tests.integration.running import eventually
from tests.integration.stock_data import new_part

T0 = datetime(2020, 3, 2, tzinfo=UTC)
PERIOD = {"from": "2020-03-02", "to": "2020-04-01"}  # 30 days: 720 hours
KPIS = "/api/v1/metrics/kpis"
PHONES = itertools.count(random.randrange(10**7))
CAPACITY = 10


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def body(region: str, category: str = "washer", **extra) -> dict:
    made = intake_body(category=category, **extra)
    made["customer"] |= {"phone": f"136{next(PHONES):08d}", "region": region}
    return made


class World:
    def __init__(self, cases: Cases, technician: str, region: str, key: str):
        self.cases, self.technician, self.region = cases, technician, region
        self.tech = {"Authorization": f"Bearer {key}"}
        self.ids: dict[str, str] = {}


@pytest.fixture(scope="module")
async def world(api_url, sessions):
    tag = uuid.uuid4().hex[:6]
    technician, region, key = f"T-K{tag}", f"KPI-{tag}", f"kpi-tech-{uuid.uuid4().hex}"
    async with sessions.begin() as session:
        session.add(
            TechnicianRow(
                technician_id=technician,
                name="KPI test",
                skills=["washer", "tv"],
                region=region,
                active=True,
                capacity=CAPACITY,
            )
        )
        session.add(
            ApiKeyRow(
                key_hash=hashlib.sha256(key.encode()).hexdigest(),
                name=f"kpi-{tag}",
                role="technician",
                technician_id=technician,
            )
        )
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as http:
        made = World(Cases(http), technician, region, key)
        try:
            await drive(made, sessions)
            yield made
        finally:
            # the region leaves the regions list again
            async with sessions.begin() as session:
                await session.execute(
                    update(TechnicianRow).where(TechnicianRow.technician_id == technician).values(active=False)
                )


async def assigned(world: World, cid: str) -> dict:
    async def check():
        case = await world.cases.get(cid)
        return case if case["technician_id"] else None

    case = await eventually(check, 20)
    assert case and case["technician_id"] == world.technician, case
    return case


async def closed(world: World, cid: str) -> None:
    async def check():
        return (await world.cases.get(cid))["stage"] == "CLOSED"

    assert await eventually(check, 20), await world.cases.get(cid)


async def repaired(world: World, cid: str, parts: list[tuple[str, int]], qc_failures: int = 0) -> None:
    """From the technician's arrival at DIAGNOSIS to an accepted handover."""
    c, tech = world.cases, world.tech
    lines = [{"part_number": p, "quantity": q} for p, q in parts]
    case = await c.act(cid, "diagnosis", {"fault_cause": "pump worn", "parts": lines, "labor_hours": "1.5"}, tech)
    if case["stage"] == "QUOTE_APPROVAL":
        case = await c.decide(cid, True)
    if case["stage"] == "WAITING_PARTS":
        (part, _), *_ = parts
        got = await c.http.post(f"/api/v1/parts/{part}/receipts", json={"quantity": 1}, headers=SUPERVISOR)
        assert got.status_code == 200, got.text

        async def moved():
            return (await c.get(cid))["stage"] == "REPAIR"

        assert await eventually(moved, 20)
    for passed in [False] * qc_failures + [True]:
        await c.act(cid, "repair", {"parts_used": lines, "labor_hours": "1"}, tech)
        await c.act(cid, "qc", {"passed": passed, "checklist": {"spin": passed}}, tech)
    await c.handover(cid)


async def surveyed(world: World, cid: str, csat: int, nps: int, **more: int) -> None:
    await world.cases.act(cid, "callback", {"reached": True, "csat": csat, "nps": nps, **more})
    await closed(world, cid)


async def remote(world: World, cid: str) -> None:
    case = await world.cases.act(cid, "remote-resolution", {"resolved": True})
    assert case["stage"] == "CALLBACK"


async def drive(world: World, sessions) -> None:
    c, r, ids = world.cases, world.region, world.ids
    a = await c.open(body(r))
    ids["A"] = a["case_id"]
    await assigned(world, ids["A"])
    await repaired(world, ids["A"], [("WSH-DRAIN-PUMP", 1)])
    await surveyed(world, ids["A"], 5, 10, ces=2, attitude=5, professionalism=4)

    ids["B"] = (await c.open(body(r)))["case_id"]
    await assigned(world, ids["B"])
    await repaired(world, ids["B"], [], qc_failures=1)
    await surveyed(world, ids["B"], 3, 6, ces=4, attitude=3, professionalism=2)

    ids["D"] = (await c.open(body(r)))["case_id"]
    await assigned(world, ids["D"])
    await repaired(world, ids["D"], [(await new_part(sessions, on_hand=0), 1)])
    await surveyed(world, ids["D"], 4, 9, ces=3, attitude=4, professionalism=5)

    ids["C"] = (await c.open(body(r, "tv", service_mode="remote", severity="cosmetic")))["case_id"]
    await remote(world, ids["C"])
    await surveyed(world, ids["C"], 4, 8)

    ids["F"] = (await c.open(body(r, service_mode="remote")))["case_id"]
    await remote(world, ids["F"])
    await surveyed(world, ids["F"], 1, 0)

    # the same device again soon after A's repair: triage finds a repeat
    e = body(r)
    e["product"]["serial_number"] = a["product"]["serial_number"]
    ids["E"] = (await c.open(e))["case_id"]
    await assigned(world, ids["E"])

    priorities = {name: (await c.get(cid))["priority"] for name, cid in ids.items()}
    assert priorities == {"A": "P3", "B": "P3", "D": "P3", "C": "P4", "F": "P3", "E": "P2"}
    assert (await c.get(ids["E"]))["repeat_of"] == ids["A"]

    await pin(sessions, ids["A"], 0, 30, {"assigned": 1, "resolved": 20}, {"diagnosed": [2], "repaired": [10]})
    await pin(sessions, ids["B"], 24, 70, {"assigned": 27, "resolved": 60}, {"diagnosed": [28], "repaired": [40, 44]})
    await pin(sessions, ids["D"], 48, 100, {"assigned": 50, "resolved": 96}, {"diagnosed": [51], "repaired": [75]})
    await pin(sessions, ids["C"], 72, 80, {"assigned": 72.5, "resolved": 72.5}, {})
    await pin(sessions, ids["E"], 200, None, {"assigned": 201}, {})
    await pin(sessions, ids["F"], -100, -90, {"assigned": -99.5, "resolved": -99.5}, {})
    async with sessions.begin() as session:  # B was handed back late
        await session.execute(
            update(SlaTargetRow)
            .where(SlaTargetRow.case_id == ids["B"], SlaTargetRow.target == "resolved")
            .values(breached_at=at(50))
        )
        # the closed cases' KPI facts, derived again from the pinned records as their review did
        await write_case_kpis(session, list(ids.values()))
    # two complaints about B, one about A, one about F (closed before the period)
    for name in ("B", "B", "A", "F"):
        await complain(world, ids[name])


async def complain(world: World, cid: str) -> None:
    made = await world.cases.http.post(
        "/api/v1/complaints",
        json={"case_id": cid, "channel": "phone", "severity": "medium", "description": "the repair took too long"},
        headers=AGENT,
    )
    assert made.status_code in (200, 201, 202), made.text


async def pin(sessions, cid: str, created: float, closed: float | None, met: dict, events: dict) -> None:
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
        for type_, times in events.items():
            ids = (
                await session.scalars(
                    select(TimelineEventRow.id)
                    .where(TimelineEventRow.case_id == cid, TimelineEventRow.type == type_)
                    .order_by(TimelineEventRow.id)
                )
            ).all()
            assert len(ids) == len(times), (cid, type_, ids)
            for id_, hours in zip(ids, times, strict=True):
                await session.execute(update(TimelineEventRow).where(TimelineEventRow.id == id_).values(at=at(hours)))


async def kpis(world: World, **params) -> dict:
    response = await world.cases.http.get(KPIS, params={**PERIOD, **params}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    return response.json()


def values(report: dict, *names: str) -> dict:
    return {name: (report[name]["n"], report[name]["value"]) for name in names}


async def test_durations_are_mean_median_and_p90_seconds(world):
    report = await kpis(world, region=world.region)
    # opened in the period: A 1 h, B 3 h, D 2 h, C 0.5 h, E 1 h (F opened before it)
    assert {k: report["first_response"][k] for k in ("basis", "unit", "n", "mean", "median", "p90")} == {
        "basis": "opened",
        "unit": "seconds",
        "n": 5,
        "mean": 5400.0,
        "median": 3600.0,
        "p90": pytest.approx(9360.0),  # 7200 + 0.6 × (10800 − 7200)
    }
    # closed in the period: C 0.5 h, A 20 h, B 36 h, D 48 h
    resolution = report["resolution_time"]
    assert (resolution["basis"], resolution["n"], resolution["mean"], resolution["median"]) == (
        "closed",
        4,
        94050.0,
        100800.0,
    )
    assert resolution["p90"] == pytest.approx(159840.0)  # 129600 + 0.7 × 43200
    # diagnosed to the last repair: A 8 h, B 16 h, D 24 h
    assert {k: report["mttr"][k] for k in ("n", "mean", "median")} == {"n": 3, "mean": 57600.0, "median": 57600.0}
    assert report["mttr"]["p90"] == pytest.approx(80640.0)


async def test_shares_of_the_closed_and_the_opened_cases(world):
    report = await kpis(world, region=world.region)
    assert values(report, "first_contact_resolution", "first_time_fix", "parts_availability", "repeat_repair_rate") == {
        "first_contact_resolution": (4, 0.25),  # C of A, B, C, D
        "first_time_fix": (3, pytest.approx(2 / 3)),  # A and D; B failed QC; C was never repaired
        "parts_availability": (2, 0.5),  # A reserved at once, D waited
        "repeat_repair_rate": (5, 0.2),  # E of the five opened
    }
    assert report["repeat_repair_rate"]["basis"] == "opened"


async def test_the_survey_of_the_customers_reached(world):
    report = await kpis(world, region=world.region)
    assert values(report, "csat", "nps", "ces", "attitude", "professionalism") == {
        "csat": (4, 4.0),
        "nps": (4, 25.0),  # promoters A and D, detractor B, C passive
        "ces": (3, 3.0),
        "attitude": (3, 4.0),
        "professionalism": (3, pytest.approx(11 / 3)),
    }
    assert report["csat"]["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 2, "5": 1}


async def test_the_complaint_rate_is_complaints_about_the_closed_cases_per_case(world):
    report = await kpis(world, region=world.region)
    # B twice and A once, of A, B, C, D; F's complaint is about a case closed before the period
    assert values(report, "complaint_rate") == {"complaint_rate": (4, 0.75)}
    assert report["complaint_rate"]["unit"] == "complaints per case"
    tv = await kpis(world, region=world.region, category="tv")
    assert values(tv, "complaint_rate") == {"complaint_rate": (1, 0.0)}


async def test_utilization_is_held_case_hours_over_capacity_hours(world):
    report = await kpis(world, region=world.region)
    # held: A 1→30, B 27→70, D 50→100, E 201→ the period's end 720: 641 h of 10 × 720 h
    assert values(report, "technician_utilization") == {"technician_utilization": (1, pytest.approx(641 / 7200))}


async def test_sla_attainment_per_target_and_priority(world):
    report = await kpis(world, region=world.region)
    assert report["sla_attainment"]["items"] == [
        {"target": "assigned", "priority": "P3", "n": 3, "met": 3, "value": 1.0},
        {"target": "assigned", "priority": "P4", "n": 1, "met": 1, "value": 1.0},
        {"target": "diagnosis_started", "priority": "P3", "n": 3, "met": 3, "value": 1.0},
        {"target": "diagnosis_started", "priority": "P4", "n": 1, "met": 1, "value": 1.0},
        {"target": "resolved", "priority": "P3", "n": 3, "met": 2, "value": pytest.approx(2 / 3)},
        {"target": "resolved", "priority": "P4", "n": 1, "met": 1, "value": 1.0},
    ]


async def test_the_backlog_is_the_open_cases_now_by_stage(world):
    report = await kpis(world, region=world.region)
    assert report["backlog"]["items"] == [{"stage": "DIAGNOSIS", "count": 1}]
    assert report["backlog"]["basis"] == "now"


async def test_the_service_score_weighs_five_components(world):
    score = (await kpis(world, region=world.region))["service_score"]
    assert [(c["name"], c["weight"], c["raw"], c["value"]) for c in score["components"]] == [
        ("response", 0.1, 1.0, 100.0),  # every assigned target met in time
        ("attitude", 0.2, 4.0, 75.0),
        ("professionalism", 0.25, pytest.approx(11 / 3), pytest.approx(200 / 3)),
        ("resolution_efficiency", 0.3, 0.75, 75.0),  # B's was late
        ("satisfaction", 0.15, 4.0, 75.0),
    ]
    assert score["value"] == pytest.approx(10 + 15 + 0.25 * 200 / 3 + 22.5 + 11.25)


async def test_filtered_by_category_only_the_tv_counts(world):
    report = await kpis(world, region=world.region, category="tv")
    assert values(report, "first_contact_resolution", "csat", "repeat_repair_rate", "technician_utilization") == {
        "first_contact_resolution": (1, 1.0),
        "csat": (1, 4.0),
        "repeat_repair_rate": (1, 0.0),
        "technician_utilization": (1, 0.0),  # C had no technician
    }
    assert (report["resolution_time"]["n"], report["resolution_time"]["mean"]) == (1, 1800.0)
    assert report["backlog"]["items"] == []


async def test_filtered_by_technician_the_remote_cases_drop_out(world):
    report = await kpis(world, technician_id=world.technician)
    assert values(report, "first_contact_resolution", "csat", "parts_availability") == {
        "first_contact_resolution": (3, 0.0),
        "csat": (3, 4.0),
        "parts_availability": (2, 0.5),
    }
    assert report["backlog"]["items"] == [{"stage": "DIAGNOSIS", "count": 1}]


async def test_filtered_by_priority_and_channel(world):
    p4 = await kpis(world, region=world.region, priority="P4")
    assert values(p4, "csat", "first_contact_resolution") == {"csat": (1, 4.0), "first_contact_resolution": (1, 1.0)}
    assert {i["priority"] for i in p4["sla_attainment"]["items"]} == {"P4"}
    web = await kpis(world, region=world.region, channel="web")
    assert values(web, "csat", "first_time_fix") == {"csat": (0, None), "first_time_fix": (0, None)}
    assert web["service_score"]["value"] is None


async def test_a_case_outside_the_period_is_not_counted_and_counts_in_its_own(world):
    before = await kpis(
        world, region=world.region, **{"from": "2020-02-26T00:00:00Z", "to": "2020-03-02T08:00:00+08:00"}
    )
    assert values(before, "csat", "nps", "first_contact_resolution") == {
        "csat": (1, 1.0),
        "nps": (1, -100.0),
        "first_contact_resolution": (1, 1.0),
    }
    assert (before["first_response"]["n"], before["first_response"]["mean"]) == (1, 1800.0)
    assert (before["from"], before["to"]) == ("2020-02-26T00:00:00Z", "2020-03-02T00:00:00Z")


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ({"from": "2020-01-01", "to": "2021-02-05"}, "at most 400 days after `from`"),
        ({"from": "2020-03-02", "to": "2020-03-02"}, "must be after `from`"),
    ],
)
async def test_a_period_too_long_or_backwards_is_422(world, period, message):
    response = await world.cases.http.get(KPIS, params=period, headers=SUPERVISOR)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [{"field": "to", "message": message}]


async def test_a_missing_period_is_422(world):
    response = await world.cases.http.get(KPIS, params={"from": "2020-03-02"}, headers=SUPERVISOR)
    assert response.status_code == 422


@pytest.mark.parametrize("headers", [AGENT, TECH])
async def test_only_a_supervisor_sees_the_kpis(world, headers):
    response = await world.cases.http.get(KPIS, params=PERIOD, headers=headers)
    assert response.status_code == 403
