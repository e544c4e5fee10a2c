"""The dashboard's weekly trends: the weeks of the window (Monday to Monday, UTC, the current
week last) and each series laid on them. A week without cases counts 0; a week without a
figure to average is a gap (None), not a zero that would read as a bad week. Pure."""

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

WEEKS = 8
WEEK = timedelta(days=7)


def week_of(at: datetime) -> datetime:
    """The Monday 00:00 UTC the week of `at` starts on."""
    if at.tzinfo is None:
        raise ValueError("a naive datetime has no week")
    day = at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def weeks(now: datetime, count: int = WEEKS) -> list[datetime]:
    """The starts of the `count` weeks up to and including the one of `now`, oldest first."""
    if count < 1:
        raise ValueError("a trend needs at least one week")
    last = week_of(now)
    return [last - WEEK * (count - 1 - n) for n in range(count)]


def label(week: datetime) -> str:
    return f"{week.day} {week:%b}"


def laid_on(
    starts: list[datetime], values: Mapping[datetime, float | None], *, empty: float | None
) -> list[float | None]:
    """`values` (by week start, any zone) in the order of `starts`; `empty` where a week has none."""
    by_week = {week_of(at): value for at, value in values.items()}
    return [by_week.get(start, empty) for start in starts]


@dataclass(frozen=True)
class Weekly:
    """The series of the dashboard's charts, one value per week of `starts`."""

    starts: list[datetime]
    opened: list[float | None]
    closed: list[float | None]
    resolution_hours: list[float | None]  # the median, of the cases closed that week
    csat: list[float | None]  # the mean, of the callbacks of the cases closed that week
    sla_attainment: list[float | None]  # percent of the SLA targets met, of the cases closed that week

    @property
    def labels(self) -> list[str]:
        return [label(start) for start in self.starts]


def rounded(values: list[float | None], digits: int) -> list[float | None]:
    return [None if v is None else round(v, digits) for v in values]


def _steps() -> Iterator[int]:
    scale = 1
    while True:
        yield from (scale, 2 * scale, 5 * scale)
        scale *= 10


def count_ticks(highest: float, most: int = 6) -> list[int]:
    """Whole-number marks from 0 to at least `highest`, a step of 1, 2 or 5 times a power of
    ten apart, at most `most` steps: a count of cases has no fractions for its axis to show."""
    step = next(s for s in _steps() if math.ceil(highest / s) <= most)
    return list(range(0, max(step, math.ceil(highest / step) * step) + 1, step))
