"""SLA targets per priority (docs/sla.md), their escalation ladder and what meets them."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from models.calendar import Calendar
from models.events import EventType
from models.sla import (
    AUDIENCE,
    DEFAULT_SLA_MINUTES,
    LADDER,
    PAUSABLE,
    WAITING_ON_CUSTOMER,
    Rung,
    Target,
    budget_seconds,
    case_escalation,
    met_by,
    raised,
    rung_times,
)
from models.stages import Stage

ALWAYS = Calendar(round_the_clock=True)

START = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)

# docs/sla.md: assigned / diagnosis started / resolved
DOCUMENTED = {
    "P1": (timedelta(minutes=15), 2 * H, 24 * H),
    "P2": (1 * H, 8 * H, 36 * H),
    "P3": (4 * H, 24 * H, 48 * H),
    "P4": (24 * H, 72 * H, timedelta(days=5)),
}


def deadlines(priority, table, scale):
    """Each target's 100 % rung on a round-the-clock calendar."""
    return {t: rung_times(ALWAYS, START, budget_seconds(priority, t, table, scale), 0)[Rung.BREACH] for t in Target}


@pytest.mark.parametrize("priority", ["P1", "P2", "P3", "P4"])
@pytest.mark.parametrize("scale", [1, 0.001])
def test_deadlines_match_design(priority, scale):
    result = deadlines(priority, DEFAULT_SLA_MINUTES, scale)
    assigned, diagnosis, resolved = DOCUMENTED[priority]
    assert result[Target.ASSIGNED] == START + assigned * scale
    assert result[Target.DIAGNOSIS_STARTED] == START + diagnosis * scale
    assert result[Target.RESOLVED] == START + resolved * scale


@pytest.mark.parametrize(
    "priority,assigned,diagnosis,resolved",
    [
        # at scale 0.001, in seconds
        ("P1", 0.9, 7.2, 86.4),
        ("P2", 3.6, 28.8, 129.6),
        ("P3", 14.4, 86.4, 172.8),
        ("P4", 86.4, 259.2, 432.0),
    ],
)
def test_deadlines_at_scale_0_001_literal(priority, assigned, diagnosis, resolved):
    result = deadlines(priority, DEFAULT_SLA_MINUTES, 0.001)
    assert [(result[t] - START).total_seconds() for t in Target] == pytest.approx(
        [assigned, diagnosis, resolved], abs=1e-6
    )


def test_custom_table():
    table = {"P3": {"assigned": 10, "diagnosis_started": 20, "resolved": 30}}
    assert deadlines("P3", table, 2) == {
        Target.ASSIGNED: START + timedelta(minutes=20),
        Target.DIAGNOSIS_STARTED: START + timedelta(minutes=40),
        Target.RESOLVED: START + timedelta(minutes=60),
    }


def test_unknown_priority_raises():
    with pytest.raises(KeyError):
        budget_seconds("P9", "assigned", DEFAULT_SLA_MINUTES, 1)


def test_the_ladder_is_75_100_150_percent():
    times = rung_times(ALWAYS, START, 3600, 0)
    assert times == {
        Rung.WARN: START + timedelta(minutes=45),
        Rung.BREACH: START + H,
        Rung.RAISE: START + timedelta(minutes=90),
    }
    assert list(LADDER) == [Rung.WARN, Rung.BREACH, Rung.RAISE]
    assert AUDIENCE == {Rung.WARN: "assignee", Rung.BREACH: "supervisor", Rung.RAISE: "manager"}


def test_paused_service_time_pushes_every_rung_back():
    paused = rung_times(ALWAYS, START, 3600, 1800)
    assert all(paused[r] - t == timedelta(minutes=30) for r, t in rung_times(ALWAYS, START, 3600, 0).items())


def test_rungs_on_business_hours_skip_the_night():
    monday_9 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    times = rung_times(Calendar(), monday_9, 8 * 3600, 0)  # 8 open hours
    assert times[Rung.WARN] == monday_9 + 6 * H
    assert times[Rung.BREACH] == monday_9 + 8 * H
    assert times[Rung.RAISE] == monday_9 + 24 * H + 3 * H  # 12 open hours: Tuesday 12:00


@pytest.mark.parametrize("priority,expected", [("P4", "P3"), ("P3", "P2"), ("P2", "P1"), ("P1", "P1")])
def test_raised_goes_one_level_up_and_stops_at_p1(priority, expected):
    assert raised(priority) == expected


@dataclass
class Clock:
    level: int = 0
    met_at: datetime | None = None
    breached_at: datetime | None = None


@pytest.mark.parametrize(
    "targets,expected",
    [
        ([], (0, False)),
        ([Clock(1)], (1, False)),
        ([Clock(1, met_at=START)], (0, False)),  # met in time: drops out
        ([Clock(2, met_at=START, breached_at=START), Clock(1)], (2, True)),  # met late: keeps its breach
        ([Clock(3, breached_at=START), Clock(1)], (3, True)),
        ([Clock(0), Clock(0)], (0, False)),
    ],
)
def test_case_escalation(targets, expected):
    assert case_escalation(targets) == expected


def test_waiting_on_the_customer_pauses_only_resolution():
    assert PAUSABLE is Target.RESOLVED
    assert WAITING_ON_CUSTOMER == {Stage.QUOTE_APPROVAL, Stage.HANDOVER}


@pytest.mark.parametrize(
    "event,targets",
    [
        (EventType.TECHNICIAN_ASSIGNED, (Target.ASSIGNED,)),
        (EventType.DIAGNOSED, (Target.DIAGNOSIS_STARTED,)),
        (EventType.HANDOVER_ACCEPTED, (Target.RESOLVED,)),
        (EventType.RETURNED_UNREPAIRED, (Target.RESOLVED,)),
        (EventType.COMPENSATION_AGREED, (Target.RESOLVED,)),
        (EventType.REMOTE_RESOLVED, (Target.ASSIGNED, Target.DIAGNOSIS_STARTED, Target.RESOLVED)),
        (EventType.HANDOVER_REFUSED, ()),
        (EventType.TECHNICIAN_REASSIGNED, ()),
        (EventType.REPAIRED, ()),
        (EventType.QC_PASSED, ()),
        (EventType.CALLBACK_REACHED, ()),
        (EventType.REMOTE_GUIDANCE, ()),
    ],
)
def test_met_by(event, targets):
    assert met_by(event) == targets


def test_target_wire_values():
    assert [t.value for t in Target] == ["assigned", "diagnosis_started", "resolved"]
