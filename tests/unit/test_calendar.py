"""Service calendars: business hours, days off, holidays and time zones."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.calendar import Calendar

SH = ZoneInfo("Asia/Shanghai")
H = 3600
BUSINESS = Calendar()  # Mon-Sat 09:00-18:00 Asia/Shanghai


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """November 2026 in Shanghai: the 23rd is a Monday, the 29th a Sunday."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(
    "start, seconds, expected",
    [
        (at(23, 9), 4 * H, at(23, 13)),  # within one day
        (at(23, 17), 4 * H, at(24, 12)),  # one hour tonight, three tomorrow
        (at(23, 7), 1 * H, at(23, 10)),  # before opening: counts from 09:00
        (at(23, 20), 1 * H, at(24, 10)),  # after closing: from tomorrow 09:00
        (at(28, 16), 4 * H, at(30, 11)),  # Saturday is open, Sunday is not
        (at(29, 12), 1 * H, at(30, 10)),  # opened on a Sunday
        (at(23, 9), 9 * H, at(23, 18)),  # exactly a whole day ends at closing
        (at(23, 9), 27 * H, at(25, 18)),  # three whole days
    ],
)
def test_business_hours_add(start, seconds, expected):
    assert BUSINESS.add(start, seconds) == expected


def test_holidays_are_closed():
    calendar = Calendar(holidays=frozenset({date(2026, 11, 24)}))
    assert calendar.add(at(23, 17), 4 * H) == at(25, 12)
    assert calendar.between(at(23, 9), at(25, 9)) == 9 * H


def test_round_the_clock_counts_every_second():
    always = Calendar(round_the_clock=True)
    start = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # a Sunday night
    assert always.add(start, 15 * 60) == start + timedelta(minutes=15)
    assert always.between(start, start + timedelta(days=2)) == 48 * H
    assert always.label == "24x7"


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (at(23, 9), at(23, 18), 9 * H),
        (at(23, 17), at(24, 10), 2 * H),
        (at(28, 17), at(30, 10), 2 * H),  # Saturday 17-18 and Monday 09-10
        (at(23, 20), at(24, 8), 0),  # a night
        (at(24, 10), at(23, 10), 0),  # backwards
    ],
)
def test_business_hours_between(start, end, expected):
    assert BUSINESS.between(start, end) == expected


@pytest.mark.parametrize("start, seconds", [(at(23, 8), 7 * H), (at(27, 16, 30), 20 * H), (at(29, 3), 30)])
def test_between_undoes_add(start, seconds):
    assert BUSINESS.between(start, BUSINESS.add(start, seconds)) == pytest.approx(seconds)


def test_the_answer_keeps_the_callers_time_zone():
    start = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    end = BUSINESS.add(start, 2 * H)
    assert end.tzinfo == UTC and end == datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def test_a_calendars_own_time_zone_decides_its_hours():
    berlin = Calendar(timezone="Europe/Berlin", weekdays=frozenset(range(5)))
    start = datetime(2026, 11, 27, 17, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # Friday 17:00
    assert berlin.add(start, 2 * H) == datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert berlin.label == "MTWTF-- 09:00-18:00 Europe/Berlin"


@pytest.mark.parametrize(
    "bad",
    [
        dict(opens=time(18), closes=time(9)),
        dict(weekdays=frozenset()),
        dict(weekdays=frozenset({7})),
        dict(timezone="Mars/Olympus"),
    ],
)
def test_misconfigured_calendars_are_refused(bad):
    # an unknown zone is zoneinfo's LookupError, the rest the calendar's own ValueError
    with pytest.raises((ValueError, LookupError)):
        Calendar(**bad)


def test_a_calendar_closed_for_years_says_so():
    every_day = frozenset(date(2026, 11, 23) + timedelta(days=n) for n in range(4 * 366))
    with pytest.raises(ValueError, match="no open hours"):
        Calendar(holidays=every_day).add(at(23, 9), H)


def test_a_day_that_changes_its_clocks_counts_real_time():
    # New York springs forward at 02:00 on 8 March 2026: that day's 00:00-23:00 is 22 hours long
    new_york = ZoneInfo("America/New_York")
    calendar = Calendar(timezone="America/New_York", weekdays=frozenset(range(7)), opens=time(0), closes=time(23))
    start = datetime(2026, 3, 8, 0, 0, tzinfo=new_york)
    assert calendar.between(start, datetime(2026, 3, 8, 23, 0, tzinfo=new_york)) == 22 * H
    assert calendar.add(start, 10 * H) == datetime(2026, 3, 8, 11, 0, tzinfo=new_york)
    assert calendar.add(start, 10 * H).astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=10)
