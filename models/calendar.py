"""Service calendars: the hours an SLA clock runs in. Pure.

A round-the-clock calendar counts every second; a business-hours calendar counts only
the opening hours of its working days, in its own time zone, skipping holidays.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# a calendar that cannot find an open hour within this many days is misconfigured
SEARCH_DAYS = 3 * 366


@dataclass(frozen=True)
class Calendar:
    timezone: str = "Asia/Shanghai"
    round_the_clock: bool = False
    weekdays: frozenset[int] = frozenset(range(6))  # Monday=0 … Saturday=5
    opens: time = time(9)
    closes: time = time(18)
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # raises on an unknown zone
        if not self.round_the_clock:
            if self.opens >= self.closes:
                raise ValueError("a business day must open before it closes")
            if not self.weekdays or not self.weekdays <= set(range(7)):
                raise ValueError("weekdays are 0 (Monday) to 6 (Sunday), at least one")

    @property
    def label(self) -> str:
        if self.round_the_clock:
            return "24x7"
        days = "".join("MTWTFSS"[d] if d in self.weekdays else "-" for d in range(7))
        return f"{days} {self.opens:%H:%M}-{self.closes:%H:%M} {self.timezone}"

    def _windows(self, start: datetime):
        """Open intervals from the day of `start` on, each clipped to begin at `start`, in
        UTC: a day that changes its clocks is an hour shorter or longer."""
        zone = ZoneInfo(self.timezone)
        day = start.astimezone(zone).date()
        start = start.astimezone(UTC)
        for _ in range(SEARCH_DAYS):
            if day.weekday() in self.weekdays and day not in self.holidays:
                opens = datetime.combine(day, self.opens, zone).astimezone(UTC)
                closes = datetime.combine(day, self.closes, zone).astimezone(UTC)
                if closes > start:
                    yield max(opens, start), closes
            day += timedelta(days=1)
        raise ValueError(f"calendar {self.label} has no open hours within {SEARCH_DAYS} days")

    def add(self, start: datetime, seconds: float) -> datetime:
        """The instant when `seconds` of service time have passed since `start`."""
        if self.round_the_clock:
            return start + timedelta(seconds=seconds)
        left = timedelta(seconds=seconds)
        for opens, closes in self._windows(start):
            if left <= closes - opens:
                return (opens + left).astimezone(start.tzinfo)
            left -= closes - opens
        raise AssertionError("unreachable: _windows raises when it runs out")

    def between(self, start: datetime, end: datetime) -> float:
        """Service seconds from `start` to `end` (0 when `end` is not later)."""
        if end <= start:
            return 0.0
        if self.round_the_clock:
            return (end - start).total_seconds()
        total = 0.0
        for opens, closes in self._windows(start):
            if opens >= end:
                break
            total += (min(closes, end) - opens).total_seconds()
        return total
