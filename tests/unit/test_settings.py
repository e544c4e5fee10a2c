"""SLA policy configuration: which calendar each priority's clock runs on."""

from datetime import date, time

import pytest
from pydantic import ValidationError

from settings import CalendarConfig, Settings


def test_p1_runs_round_the_clock_the_others_on_business_hours():
    settings = Settings()
    assert settings.sla_calendar("P1").label == "24x7"
    for priority in ("P2", "P3", "P4"):
        assert settings.sla_calendar(priority).label == "MTWTFS- 09:00-18:00 Asia/Shanghai"


def test_holidays_join_every_business_calendar_and_a_policy_may_have_its_own():
    settings = Settings(
        sla_holidays=[date(2026, 10, 1)],
        sla_calendars={
            "P4": CalendarConfig(
                timezone="Asia/Tokyo",
                weekdays=[0, 1, 2, 3, 4],
                opens=time(10),
                closes=time(17),
                holidays=[date(2026, 12, 31)],
            )
        },
    )
    assert settings.sla_calendar("P3").holidays == {date(2026, 10, 1)}
    p4 = settings.sla_calendar("P4")
    assert p4.label == "MTWTF-- 10:00-17:00 Asia/Tokyo"
    assert p4.holidays == {date(2026, 10, 1), date(2026, 12, 31)}


def test_a_scaled_clock_counts_every_hour():
    assert Settings(time_scale=0.001).sla_calendar("P3").round_the_clock is True
    assert Settings(time_scale=1).sla_calendar("P3").round_the_clock is False


def test_calendars_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("REPAIRFLOW_SLA_HOLIDAYS", '["2027-02-17"]')
    monkeypatch.setenv("REPAIRFLOW_SLA_CALENDARS", '{"P2": {"round_the_clock": true}}')
    settings = Settings()
    assert settings.sla_calendar("P2").label == "24x7"
    assert settings.sla_calendar("P3").holidays == {date(2027, 2, 17)}


@pytest.mark.parametrize(
    "policy",
    [
        {"sla_calendars": {"P3": {"timezone": "Mars/Olympus"}}},
        {"sla_calendars": {"P9": {}}},
        {"sla_calendars": {"P2": {"opens": "18:00", "closes": "09:00"}}},
        {"sla_minutes": {"P0": {"assigned": 5}}},
        {"sla_minutes": {"P1": {"asigned": 5}}},
    ],
)
def test_a_broken_sla_policy_is_refused_at_start(policy):
    with pytest.raises(ValidationError):
        Settings(**policy)
