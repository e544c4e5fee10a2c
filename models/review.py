"""Per-case review metrics from the timeline, and the survey scores that call for a
follow-up: the closed-loop data. Pure."""

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from models.events import EventType

# the first human response: someone took the case in hand
RESPONSE_EVENTS = frozenset({EventType.TECHNICIAN_ASSIGNED, EventType.REMOTE_GUIDANCE, EventType.REMOTE_RESOLVED})
# the customer's problem was settled: device handed back, compensated or fixed remotely
RESOLUTION_EVENTS = frozenset(
    {
        EventType.HANDOVER_ACCEPTED,
        EventType.COMPENSATION_AGREED,
        EventType.RETURNED_UNREPAIRED,
        EventType.REMOTE_RESOLVED,
    }
)

# a reached customer this unhappy gets a follow-up from a supervisor
FOLLOW_UP_CSAT_AT_MOST = 2  # of 1-5
FOLLOW_UP_NPS_AT_MOST = 6  # of 0-10: a detractor


def needs_follow_up(csat: int | None, nps: int | None) -> bool:
    return (csat is not None and csat <= FOLLOW_UP_CSAT_AT_MOST) or (nps is not None and nps <= FOLLOW_UP_NPS_AT_MOST)


class ReviewMetrics(BaseModel):
    """What the review of one case measured (table reviews, column metrics)."""

    outcome: str
    first_response_seconds: float | None
    resolution_seconds: float | None
    total_seconds: float
    stage_seconds: dict[str, float]
    # a fix counts only when a repair happened and nothing had to be redone
    first_time_fix: bool | None
    qc_failures: int
    reworks: int
    sla_met: bool
    csat: int | None
    nps: int | None


@dataclass(frozen=True)
class Event:
    at: datetime
    type: str
    stage: str


def stage_seconds(created_at: datetime, events: list[Event], ended_at: datetime) -> dict[str, float]:
    """Time spent in each stage, from the stage each event left the case in."""
    totals: dict[str, float] = {}
    stage, since = "INTAKE", created_at
    for event in sorted(events, key=lambda e: e.at):
        if event.stage != stage:
            totals[stage] = totals.get(stage, 0.0) + (event.at - since).total_seconds()
            stage, since = event.stage, event.at
    totals[stage] = totals.get(stage, 0.0) + max(0.0, (ended_at - since).total_seconds())
    return totals


def first_at(events: list[Event], types: frozenset[str]) -> datetime | None:
    times = [e.at for e in events if e.type in types]
    return min(times) if times else None


def review_metrics(
    *,
    created_at: datetime,
    ended_at: datetime,
    events: list[Event],
    outcome: str,
    qc_failures: int,
    reworks: int,
    repaired: bool,
    sla_breached: bool,
    csat: int | None,
    nps: int | None,
) -> ReviewMetrics:
    responded = first_at(events, RESPONSE_EVENTS)
    resolved = first_at(events, RESOLUTION_EVENTS)
    return ReviewMetrics(
        outcome=outcome,
        first_response_seconds=(responded - created_at).total_seconds() if responded else None,
        resolution_seconds=(resolved - created_at).total_seconds() if resolved else None,
        total_seconds=(ended_at - created_at).total_seconds(),
        stage_seconds=stage_seconds(created_at, events, ended_at),
        first_time_fix=(qc_failures == 0 and reworks == 0) if repaired else None,
        qc_failures=qc_failures,
        reworks=reworks,
        sla_met=not sla_breached,
        csat=csat,
        nps=nps,
    )
