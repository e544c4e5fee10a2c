"""Per-case review metrics from the timeline."""

from datetime import UTC, datetime, timedelta

import pytest

from models.review import RESOLUTION_EVENTS, RESPONSE_EVENTS, Event, first_at, review_metrics, stage_seconds

T0 = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ev(minutes, type_, stage):
    return Event(at(minutes), type_, stage)


# a repaired case with one QC failure: REPAIR and QC are visited twice
TIMELINE = [
    ev(1, "triaged", "DISPATCH"),
    ev(11, "technician_assigned", "DIAGNOSIS"),
    ev(41, "diagnosed", "QUOTE_APPROVAL"),
    ev(101, "quote_approved", "REPAIR"),
    ev(161, "repaired", "QC"),
    ev(171, "qc_failed", "REPAIR"),
    ev(201, "repaired", "QC"),
    ev(211, "qc_passed", "HANDOVER"),
    ev(271, "handover_accepted", "CALLBACK"),
    ev(331, "callback_reached", "REVIEW"),
]


def test_stage_seconds_sums_revisits():
    totals = stage_seconds(T0, TIMELINE, at(332))
    assert totals == {
        "INTAKE": 60.0,
        "DISPATCH": 600.0,
        "DIAGNOSIS": 1800.0,
        "QUOTE_APPROVAL": 3600.0,
        "REPAIR": 3600.0 + 1800.0,
        "QC": 600.0 + 600.0,
        "HANDOVER": 3600.0,
        "CALLBACK": 3600.0,
        "REVIEW": 60.0,
    }
    assert sum(totals.values()) == 332 * 60


def test_stage_seconds_sorts_events_and_ignores_same_stage_events():
    events = [
        ev(30, "diagnosed", "QUOTE_APPROVAL"),
        ev(10, "technician_assigned", "DIAGNOSIS"),
        ev(20, "note", "DIAGNOSIS"),
        ev(40, "quote_revised", "QUOTE_APPROVAL"),
    ]
    assert stage_seconds(T0, events, at(50)) == {"INTAKE": 600.0, "DIAGNOSIS": 1200.0, "QUOTE_APPROVAL": 1200.0}


def test_stage_seconds_without_events_and_clamped_end():
    assert stage_seconds(T0, [], at(5)) == {"INTAKE": 300.0}
    # an end before the last move never gives a negative time
    assert stage_seconds(T0, [ev(10, "triaged", "DISPATCH")], at(5)) == {"INTAKE": 600.0, "DISPATCH": 0.0}


def test_first_at():
    events = [ev(30, "technician_assigned", "DIAGNOSIS"), ev(20, "remote_guidance", "DISPATCH")]
    assert first_at(events, RESPONSE_EVENTS) == at(20)
    assert first_at(events, RESOLUTION_EVENTS) is None
    assert first_at([], RESPONSE_EVENTS) is None


def metrics(**overrides):
    args = dict(
        created_at=T0,
        ended_at=at(332),
        events=TIMELINE,
        outcome="closed",
        qc_failures=1,
        reworks=0,
        repaired=True,
        sla_breached=False,
        csat=5,
        nps=9,
    )
    return review_metrics(**(args | overrides)).model_dump()


def test_review_metrics_repaired_case():
    result = metrics()
    assert result == {
        "outcome": "closed",
        "first_response_seconds": 660.0,
        "resolution_seconds": 271 * 60.0,
        "total_seconds": 332 * 60.0,
        "stage_seconds": stage_seconds(T0, TIMELINE, at(332)),
        "first_time_fix": False,
        "qc_failures": 1,
        "reworks": 0,
        "sla_met": True,
        "csat": 5,
        "nps": 9,
    }


@pytest.mark.parametrize(
    "repaired,qc_failures,reworks,expected",
    [
        (True, 0, 0, True),
        (True, 1, 0, False),
        (True, 0, 1, False),
        (True, 2, 1, False),
        (False, 0, 0, None),  # nothing repaired (remote fix, returned unrepaired, cancelled)
        (False, 1, 0, None),
    ],
)
def test_first_time_fix(repaired, qc_failures, reworks, expected):
    assert metrics(repaired=repaired, qc_failures=qc_failures, reworks=reworks)["first_time_fix"] is expected


@pytest.mark.parametrize("breached,met", [(False, True), (True, False)])
def test_sla_met(breached, met):
    assert metrics(sla_breached=breached)["sla_met"] is met


@pytest.mark.parametrize("kind", ["handover_accepted", "compensation_agreed", "returned_unrepaired", "remote_resolved"])
def test_resolution_events(kind):
    events = [
        ev(5, "technician_assigned", "DIAGNOSIS"),
        ev(50, kind, "CALLBACK"),
        ev(90, "handover_accepted", "CALLBACK"),
    ]
    assert metrics(events=events)["resolution_seconds"] == 50 * 60.0


def test_cancelled_before_any_response():
    events = [ev(1, "triaged", "DISPATCH"), ev(3, "cancelled", "REVIEW")]
    result = metrics(
        events=events, ended_at=at(4), outcome="cancelled", repaired=False, qc_failures=0, csat=None, nps=None
    )
    assert result["first_response_seconds"] is None
    assert result["resolution_seconds"] is None
    assert result["total_seconds"] == 240.0
    assert result["stage_seconds"] == {"INTAKE": 60.0, "DISPATCH": 120.0, "REVIEW": 60.0}
    assert (result["outcome"], result["first_time_fix"], result["csat"], result["nps"]) == (
        "cancelled",
        None,
        None,
        None,
    )


def test_remote_guidance_then_dispatch_counts_as_response():
    events = [
        ev(1, "triaged", "REMOTE_GUIDANCE"),
        ev(7, "remote_guidance", "DISPATCH"),
        ev(20, "technician_assigned", "DIAGNOSIS"),
    ]
    assert metrics(events=events)["first_response_seconds"] == 420.0


def test_remote_resolution_on_first_call_counts_as_response():
    # the workflow records only "remote_resolved" when the agent resolves it on the first call
    events = [ev(1, "triaged", "REMOTE_GUIDANCE"), ev(9, "remote_resolved", "CALLBACK")]
    result = metrics(events=events, repaired=False, qc_failures=0)
    assert result["resolution_seconds"] == 540.0
    assert result["first_response_seconds"] == 540.0
