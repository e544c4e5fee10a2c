"""Periodic reviews: the period a schedule's run covers, review ids, the bottleneck
arithmetic and the most common fault codes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.periodic_review import (
    Period,
    ReviewKind,
    StageTime,
    StageVisit,
    monthly_period,
    period_label,
    review_id,
    scheduled_period,
    stage_medians,
    time_in_stages,
    top_fault_codes,
    weekly_period,
)

SH = ZoneInfo("Asia/Shanghai")


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(
    "fired",
    [
        sh(2026, 11, 30, 1),  # the schedule's own time: Monday 01:00
        sh(2026, 11, 30, 0, 0),  # the first instant of the week
        sh(2026, 12, 6, 23, 59),  # a run held up to the Sunday night still reviews the week before
    ],
)
def test_a_weekly_review_covers_the_full_week_before_monday_to_monday_local(fired):
    period = weekly_period(fired)
    assert period == Period(sh(2026, 11, 23).astimezone(UTC), sh(2026, 11, 30).astimezone(UTC))
    assert period.start == datetime(2026, 11, 22, 16, tzinfo=UTC)
    assert review_id(ReviewKind.WEEKLY, period) == "weekly-2026-11-23"
    assert period_label(period) == "2026-11-23 – 2026-11-29"


def test_the_week_is_that_of_the_service_zone_not_utc():
    # Sunday 17:30 UTC is already Monday 01:30 in Shanghai
    fired = datetime(2026, 11, 29, 17, 30, tzinfo=UTC)
    assert weekly_period(fired).end == sh(2026, 11, 30).astimezone(UTC)
    assert weekly_period(fired, "UTC").end == datetime(2026, 11, 23, tzinfo=UTC)


def test_a_week_across_a_clock_change_is_an_hour_longer():
    # Berlin leaves summer time on 2026-10-25
    period = weekly_period(datetime(2026, 10, 26, 1, tzinfo=ZoneInfo("Europe/Berlin")), "Europe/Berlin")
    assert period.end - period.start == timedelta(days=7, hours=1)


@pytest.mark.parametrize(
    ("fired", "first", "last", "name"),
    [
        (sh(2026, 12, 1, 2), sh(2026, 11, 1), sh(2026, 12, 1), "monthly-2026-11"),
        (sh(2027, 1, 1, 2), sh(2026, 12, 1), sh(2027, 1, 1), "monthly-2026-12"),
        (sh(2027, 3, 1, 2), sh(2027, 2, 1), sh(2027, 3, 1), "monthly-2027-02"),
        (sh(2026, 12, 31, 23), sh(2026, 11, 1), sh(2026, 12, 1), "monthly-2026-11"),
    ],
)
def test_a_monthly_review_covers_the_calendar_month_before(fired, first, last, name):
    period = monthly_period(fired)
    assert period == Period(first.astimezone(UTC), last.astimezone(UTC))
    assert review_id(ReviewKind.MONTHLY, period) == name
    assert scheduled_period(ReviewKind.MONTHLY, fired) == period


def test_a_requested_review_is_named_by_its_utc_bounds():
    days = Period(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert review_id(ReviewKind.REQUESTED, days) == "period-20261101-20261201"
    hours = Period(datetime(2026, 11, 1, 8, 30, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))
    assert review_id(ReviewKind.REQUESTED, hours) == "period-20261101T083000Z-20261102"
    with pytest.raises(ValueError, match="names its period"):
        scheduled_period(ReviewKind.REQUESTED, sh(2026, 12, 1))


def hours(h: float) -> datetime:
    return datetime(2026, 11, 2, tzinfo=UTC) + timedelta(hours=h)


def test_time_in_a_stage_runs_from_the_event_that_left_the_case_there_to_the_next():
    events = [
        StageVisit("A", hours(0), "INTAKE"),
        StageVisit("A", hours(1), "DISPATCH"),
        StageVisit("A", hours(3), "DIAGNOSIS"),
        StageVisit("A", hours(4), "DIAGNOSIS"),  # an event that does not move the case
        StageVisit("A", hours(9), "REPAIR"),
        StageVisit("A", hours(10), "DIAGNOSIS"),  # back again: the stage's times add up
        StageVisit("A", hours(12), "CLOSED"),
        StageVisit("A", hours(50), "CLOSED"),  # after the close: no stage holds the case
    ]
    assert time_in_stages(reversed(events)) == {
        "A": {"INTAKE": 3600.0, "DISPATCH": 7200.0, "DIAGNOSIS": 8 * 3600.0, "REPAIR": 3600.0}
    }


def test_the_bottleneck_is_the_stage_with_the_longest_median_over_the_cases_in_it():
    spent = {
        "A": {"DISPATCH": 10.0, "REPAIR": 100.0},
        "B": {"DISPATCH": 20.0, "REPAIR": 1.0},
        "C": {"DISPATCH": 30.0, "REPAIR": 2.0},
        "D": {"DISPATCH": 40.0},
    }
    assert stage_medians(spent) == [StageTime("DISPATCH", 4, 25.0), StageTime("REPAIR", 3, 2.0)]
    assert stage_medians({}) == []
    tied = stage_medians({"A": {"QC": 5.0, "DISPATCH": 5.0}})
    assert [t.stage for t in tied] == ["DISPATCH", "QC"]


def test_the_top_fault_codes_count_cases_with_their_models_and_break_ties_by_code():
    rows = [
        ("WSH-NO-DRAIN", "XQG100", 3),
        ("WSH-NO-DRAIN", "XQG80", 1),
        ("FRG-LEAK", "BCD-500", 4),
        ("TV-NO-IMAGE", "L55", 2),
        *((f"PH-{n:02d}", "P1", 1) for n in range(10)),
    ]
    top = top_fault_codes(rows)
    assert len(top) == 10
    assert [(t.code, t.cases) for t in top[:3]] == [("FRG-LEAK", 4), ("WSH-NO-DRAIN", 4), ("TV-NO-IMAGE", 2)]
    assert top[1].models == (("XQG100", 3), ("XQG80", 1))
    assert [t.code for t in top[3:]] == [f"PH-{n:02d}" for n in range(7)]
