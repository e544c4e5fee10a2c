"""SLA targets per priority, their escalation ladder and what meets them. Pure."""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from models.calendar import Calendar
from models.events import EscalationKind, EventType
from models.messages import Audience, Template
from models.stages import Stage


class Target(StrEnum):
    ASSIGNED = "assigned"
    DIAGNOSIS_STARTED = "diagnosis_started"
    RESOLVED = "resolved"


# minutes (docs/sla.md)
DEFAULT_SLA_MINUTES: dict[str, dict[str, float]] = {
    "P1": {"assigned": 15, "diagnosis_started": 2 * 60, "resolved": 24 * 60},
    "P2": {"assigned": 60, "diagnosis_started": 8 * 60, "resolved": 36 * 60},
    "P3": {"assigned": 4 * 60, "diagnosis_started": 24 * 60, "resolved": 48 * 60},
    "P4": {"assigned": 24 * 60, "diagnosis_started": 72 * 60, "resolved": 5 * 24 * 60},
}


MET_BY: dict[EventType, tuple[Target, ...]] = {
    EventType.TECHNICIAN_ASSIGNED: (Target.ASSIGNED,),
    EventType.DIAGNOSED: (Target.DIAGNOSIS_STARTED,),
    # an on-site case's technician at the door (only on-site cases record an arrival)
    EventType.ARRIVED: (Target.DIAGNOSIS_STARTED,),
    # the device is back with the customer, repaired or not, or the customer is compensated
    EventType.HANDOVER_ACCEPTED: (Target.RESOLVED,),
    EventType.RETURNED_UNREPAIRED: (Target.RESOLVED,),
    EventType.COMPENSATION_AGREED: (Target.RESOLVED,),
    # solved on the phone: nobody needs to be sent any more
    EventType.REMOTE_RESOLVED: tuple(Target),
}


def met_by(event: EventType) -> tuple[Target, ...]:
    """Which targets an event satisfies."""
    return MET_BY.get(event, ())


class Rung(StrEnum):
    """The escalation ladder of one target, in order (docs/sla.md)."""

    WARN = "warn"  # 75 %: warn the assignee
    BREACH = "breach"  # 100 %: the deadline passed; the supervisor is told
    RAISE = "raise"  # 150 %: priority up one level; the service manager is told


LADDER: tuple[Rung, ...] = tuple(Rung)
FRACTION = {Rung.WARN: 0.75, Rung.BREACH: 1.0, Rung.RAISE: 1.5}
# who hears of each rung
AUDIENCE = {Rung.WARN: Audience.ASSIGNEE, Rung.BREACH: Audience.SUPERVISOR, Rung.RAISE: Audience.MANAGER}
EVENT = {Rung.WARN: EventType.SLA_WARN, Rung.BREACH: EventType.SLA_BREACH, Rung.RAISE: EventType.SLA_RAISE}
NOTICE = {Rung.WARN: Template.SLA_WARN, Rung.BREACH: Template.SLA_BREACH, Rung.RAISE: Template.SLA_RAISE}
ESCALATION = {
    Rung.WARN: EscalationKind.SLA_WARN,
    Rung.BREACH: EscalationKind.SLA_BREACH,
    Rung.RAISE: EscalationKind.SLA_RAISE,
}
# cases begun before the ladder: one breach event per target
PRE_LADDER_BREACH = {
    Target.ASSIGNED: EventType.SLA_BREACH_ASSIGNED,
    Target.DIAGNOSIS_STARTED: EventType.SLA_BREACH_DIAGNOSIS_STARTED,
    Target.RESOLVED: EventType.SLA_BREACH_RESOLVED,
}
# what each change of a clock is called in the timeline
CLOCK_EVENTS = {
    "pause": EventType.SLA_PAUSED,
    "resume": EventType.SLA_RESUMED,
    "extend": EventType.SLA_EXTENDED,
    "reprioritize": EventType.SLA_REPRIORITIZED,
}
# the clock that stops while the case waits on the customer, and the stages of that wait
PAUSABLE = Target.RESOLVED
WAITING_ON_CUSTOMER = frozenset({Stage.QUOTE_APPROVAL, Stage.HANDOVER})


def budget_seconds(priority: str, target: str, table: dict[str, dict[str, float]], time_scale: float) -> float:
    return table[priority][target] * 60 * time_scale


def rung_times(calendar: Calendar, started: datetime, budget: float, paused: float) -> dict[Rung, datetime]:
    """When each rung falls due: its share of the budget in service time after `started`,
    pushed back by the service time spent paused so far."""
    return {rung: calendar.add(started, budget * FRACTION[rung] + paused) for rung in LADDER}


def raised(priority: str) -> str:
    """One level more urgent; P1 stays P1."""
    return f"P{max(1, int(priority[1]) - 1)}"


class TargetLike(Protocol):
    level: int
    met_at: datetime | None
    breached_at: datetime | None


def case_escalation(targets: Iterable[TargetLike]) -> tuple[int, bool]:
    """The case's escalation level and whether it is in breach, from its targets. A target
    met in time drops out; one met late keeps the level its breach reached."""
    targets = list(targets)
    live = [t.level for t in targets if t.met_at is None or t.breached_at is not None]
    return max(live, default=0), any(t.breached_at is not None for t in targets)
