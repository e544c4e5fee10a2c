"""Periodic reviews: the period a weekly or monthly review covers, its id, the payloads of
the review workflow, and the arithmetic of the bottleneck stage (docs/reviews.md). Pure."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from statistics import median
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from models.stages import Stage

# the service's own zone: the one the default SLA calendars keep (settings.CalendarConfig)
DEFAULT_TIMEZONE = "Asia/Shanghai"
TOP_FAULT_CODES = 10
# a case in these stages has left the service: no time is spent in them
FINAL_STAGES = frozenset({Stage.CLOSED.value, Stage.CANCELLED.value})


class ReviewKind(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    REQUESTED = "requested"  # a supervisor's, for a period of their own


@dataclass(frozen=True)
class Period:
    start: datetime  # UTC
    end: datetime  # UTC, exclusive


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def weekly_period(fired_at: datetime, timezone: str = DEFAULT_TIMEZONE) -> Period:
    """The full week before the one `fired_at` falls in: Monday 00:00 to Monday 00:00, local."""
    zone = ZoneInfo(timezone)
    today = fired_at.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return Period(_midnight(monday - timedelta(days=7), zone), _midnight(monday, zone))


def monthly_period(fired_at: datetime, timezone: str = DEFAULT_TIMEZONE) -> Period:
    """The calendar month before the one `fired_at` falls in, local."""
    zone = ZoneInfo(timezone)
    first = fired_at.astimezone(zone).date().replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return Period(_midnight(previous, zone), _midnight(first, zone))


def scheduled_period(kind: "ReviewKind", fired_at: datetime, timezone: str = DEFAULT_TIMEZONE) -> Period:
    if kind is ReviewKind.WEEKLY:
        return weekly_period(fired_at, timezone)
    if kind is ReviewKind.MONTHLY:
        return monthly_period(fired_at, timezone)
    raise ValueError("a requested review names its period")


def _stamp(instant: datetime) -> str:
    instant = instant.astimezone(UTC)
    return f"{instant:%Y%m%d}" if instant.time() == time() else f"{instant:%Y%m%dT%H%M%SZ}"


def review_id(kind: ReviewKind, period: Period, timezone: str = DEFAULT_TIMEZONE) -> str:
    """One id per kind and period, so a second run of the same period finds the first:
    `weekly-2026-11-23` (its Monday), `monthly-2026-11`, `period-20261101-20261201` (UTC)."""
    local = period.start.astimezone(ZoneInfo(timezone)).date()
    if kind is ReviewKind.WEEKLY:
        return f"weekly-{local:%Y-%m-%d}"
    if kind is ReviewKind.MONTHLY:
        return f"monthly-{local:%Y-%m}"
    return f"period-{_stamp(period.start)}-{_stamp(period.end)}"


def period_label(period: Period, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The period as people read it: its first and last local day."""
    zone = ZoneInfo(timezone)
    first = period.start.astimezone(zone)
    last = (period.end - timedelta(microseconds=1)).astimezone(zone)
    return f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"


# the bottleneck stage


@dataclass(frozen=True)
class StageVisit:
    case_id: str
    at: datetime
    stage: str  # the stage the event left the case in


@dataclass(frozen=True)
class StageTime:
    stage: str
    cases: int  # cases that spent time in it
    median_seconds: float


def time_in_stages(events: Iterable[StageVisit]) -> dict[str, dict[str, float]]:
    """case -> stage -> seconds, from each case's consecutive events: the time from one
    event to the next is time in the stage the first left the case in."""
    by_case: dict[str, list[StageVisit]] = {}
    for event in events:
        by_case.setdefault(event.case_id, []).append(event)
    spent: dict[str, dict[str, float]] = {}
    for case_id, visits in by_case.items():
        visits.sort(key=lambda v: v.at)
        totals = spent.setdefault(case_id, {})
        for this, following in zip(visits, visits[1:], strict=False):
            if this.stage not in FINAL_STAGES:
                totals[this.stage] = totals.get(this.stage, 0.0) + (following.at - this.at).total_seconds()
    return spent


def stage_medians(spent: Mapping[str, Mapping[str, float]]) -> list[StageTime]:
    """Each stage's median over the cases that were in it, longest first (then by name)."""
    per_stage: dict[str, list[float]] = {}
    for stages in spent.values():
        for stage, seconds in stages.items():
            per_stage.setdefault(stage, []).append(seconds)
    times = [StageTime(stage, len(values), float(median(values))) for stage, values in per_stage.items()]
    return sorted(times, key=lambda t: (-t.median_seconds, t.stage))


# the workflow's payloads


class ReviewRun(BaseModel):
    """The review workflow's input: a schedule's (kind, zone) or a supervisor's period."""

    kind: ReviewKind
    timezone: str = DEFAULT_TIMEZONE
    period_from: datetime | None = None
    period_to: datetime | None = None
    requested_by: str = "system:schedule"


class CompileInput(BaseModel):
    review_id: str
    kind: ReviewKind
    period_from: datetime
    period_to: datetime
    timezone: str = DEFAULT_TIMEZONE
    requested_by: str
    at: datetime = Field(description="when the review runs: the open follow-ups and complaints are those of then")


class ReviewOutcome(BaseModel):
    review_id: str
    created: bool = Field(description="False when the period's report was already stored")
    kind: ReviewKind
    score: float | None
    missed: list[str] = Field(description="the labels of the KPI targets missed")
    period: str = Field(description="the period as people read it")


class ReviewNoticeInput(BaseModel):
    review_id: str
    kind: ReviewKind
    period: str
    score: float | None
    missed: list[str]
    at: datetime


# the most common fault codes


@dataclass(frozen=True)
class FaultTally:
    code: str
    cases: int
    models: tuple[tuple[str, int], ...]  # (model, cases), most cases first


def top_fault_codes(counts: Iterable[tuple[str, str, int]], limit: int = TOP_FAULT_CODES) -> list[FaultTally]:
    """(code, model, cases) rows -> the `limit` codes with the most cases, each with its
    models; ties go by code, then model, so the report is the same on every run."""
    per_code: dict[str, dict[str, int]] = {}
    for code, model, cases in counts:
        models = per_code.setdefault(code, {})
        models[model] = models.get(model, 0) + cases
    tallies = [
        FaultTally(code, sum(models.values()), tuple(sorted(models.items(), key=lambda m: (-m[1], m[0]))))
        for code, models in per_code.items()
    ]
    return sorted(tallies, key=lambda t: (-t.cases, t.code))[:limit]
