"""SLA targets per priority (DESIGN §3) and what each step satisfies."""
from datetime import datetime, timedelta, timezone

import pytest

from models.sla import DEFAULT_SLA_MINUTES, Target, deadlines, met_by

START = datetime(2025, 6, 1, 8, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)

# DESIGN §3: assigned / diagnosis started / resolved
DESIGN = {
    "P1": (timedelta(minutes=15), 2 * H, 24 * H),
    "P2": (1 * H, 8 * H, 36 * H),
    "P3": (4 * H, 24 * H, 48 * H),
    "P4": (24 * H, 72 * H, timedelta(days=5)),
}


@pytest.mark.parametrize("priority", ["P1", "P2", "P3", "P4"])
@pytest.mark.parametrize("scale", [1, 0.001])
def test_deadlines_match_design(priority, scale):
    result = deadlines(priority, START, DEFAULT_SLA_MINUTES, scale)
    assigned, diagnosis, resolved = DESIGN[priority]
    assert set(result) == set(Target)
    assert result[Target.ASSIGNED] == START + assigned * scale
    assert result[Target.DIAGNOSIS_STARTED] == START + diagnosis * scale
    assert result[Target.RESOLVED] == START + resolved * scale


@pytest.mark.parametrize("priority,assigned,diagnosis,resolved", [
    # at scale 0.001, in seconds
    ("P1", 0.9, 7.2, 86.4),
    ("P2", 3.6, 28.8, 129.6),
    ("P3", 14.4, 86.4, 172.8),
    ("P4", 86.4, 259.2, 432.0),
])
def test_deadlines_at_scale_0_001_literal(priority, assigned, diagnosis, resolved):
    result = deadlines(priority, START, DEFAULT_SLA_MINUTES, 0.001)
    assert [(result[t] - START).total_seconds() for t in Target] == pytest.approx(
        [assigned, diagnosis, resolved], abs=1e-6)


def test_custom_table():
    table = {"P3": {"assigned": 10, "diagnosis_started": 20, "resolved": 30}}
    result = deadlines("P3", START, table, 2)
    assert result == {Target.ASSIGNED: START + timedelta(minutes=20),
                      Target.DIAGNOSIS_STARTED: START + timedelta(minutes=40),
                      Target.RESOLVED: START + timedelta(minutes=60)}


def test_unknown_priority_raises():
    with pytest.raises(KeyError):
        deadlines("P9", START, DEFAULT_SLA_MINUTES, 1)


@pytest.mark.parametrize("step,targets", [
    ("assignment", (Target.ASSIGNED,)),
    ("diagnosis", (Target.DIAGNOSIS_STARTED,)),
    ("handover", (Target.RESOLVED,)),
    ("remote_resolved", (Target.ASSIGNED, Target.DIAGNOSIS_STARTED, Target.RESOLVED)),
    ("repair", ()),
    ("qc", ()),
    ("callback", ()),
    ("", ()),
])
def test_met_by(step, targets):
    assert met_by(step) == targets


def test_target_wire_values():
    assert [t.value for t in Target] == ["assigned", "diagnosis_started", "resolved"]
