"""SLA targets per priority, their escalation ladder and what meets them. Pure."""
from datetime import datetime
from enum import StrEnum

from typing import Iterable, Protocol

from models.calendar import Calendar
from models.stages import Stage


class Target(StrEnum):
    ASSIGNED = "assigned"
    DIAGNOSIS_STARTED = "diagnosis_started"
    RESOLVED = "resolved"


# minutes, from DESIGN §3
DEFAULT_SLA_MINUTES: dict[str, dict[str, float]] = {
    "P1": {"assigned": 15, "diagnosis_started": 2 * 60, "resolved": 24 * 60},
    "P2": {"assigned": 60, "diagnosis_started": 8 * 60, "resolved": 36 * 60},
    "P3": {"assigned": 4 * 60, "diagnosis_started": 24 * 60, "resolved": 48 * 60},
    "P4": {"assigned": 24 * 60, "diagnosis_started": 72 * 60, "resolved": 5 * 24 * 60},
}


def met_by(step: str) -> tuple[Target, ...]:
    """Which targets a recorded step satisfies."""
    return {
        "assignment": (Target.ASSIGNED,),
        "diagnosis": (Target.DIAGNOSIS_STARTED,),
        "handover": (Target.RESOLVED,),
        # solved on the phone: nobody needs to be sent any more
        "remote_resolved": tuple(Target),
    }.get(step, ())


class Rung(StrEnum):
    """The escalation ladder of one target, in order (DESIGN §3)."""
    WARN = "warn"        # 75 %: warn the assignee
    BREACH = "breach"    # 100 %: the deadline passed; the supervisor is told
    RAISE = "raise"      # 150 %: priority up one level; the service manager is told


LADDER: tuple[Rung, ...] = tuple(Rung)
FRACTION = {Rung.WARN: 0.75, Rung.BREACH: 1.0, Rung.RAISE: 1.5}
# who hears of each rung
AUDIENCE = {Rung.WARN: "assignee", Rung.BREACH: "supervisor", Rung.RAISE: "manager"}
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
