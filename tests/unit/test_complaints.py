"""The pure parts of complaints: the clocks per channel, the ladder of a complaint, and
what a closing must say."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from models.complaints import (
    AUDIENCE,
    Clock,
    ComplaintClosing,
    ComplaintIntake,
    deadlines,
    ladder,
    level,
    overdue,
    rung_key,
)
from models.messages import Audience
from models.sla import Rung
from settings import Settings

OPENED = datetime(2026, 12, 31, 23, 50, tzinfo=UTC)


@pytest.mark.parametrize(
    "channel, minutes", [("phone", 15), ("web", 480), ("wechat", 480), ("store", 480), ("email", 480)]
)
def test_a_phone_complaint_is_called_back_within_15_minutes_the_others_within_a_working_day(channel, minutes):
    assert Settings().complaint_callback_seconds(channel) == minutes * 60


def test_the_callback_minutes_are_set_per_channel_with_a_default():
    settings = Settings(complaint_callback_minutes={"wechat": 30, "default": 60}, time_scale=0.5)
    # entries override the built-in ones one by one; the time scale shortens all, as it does the SLA
    assert settings.complaint_callback_seconds("wechat") == 30 * 60 * 0.5
    assert settings.complaint_callback_seconds("web") == 60 * 60 * 0.5
    assert settings.complaint_callback_seconds("phone") == 15 * 60 * 0.5


@pytest.mark.parametrize("table", [{"fax": 10}, {"phone": 0}])
def test_an_unknown_channel_or_no_time_at_all_is_refused_at_start(table):
    with pytest.raises(ValidationError, match="complaint_callback_minutes"):
        Settings(complaint_callback_minutes=table)


def test_deadlines_run_on_the_wall_clock_across_midnight_and_the_year():
    due = deadlines(OPENED, 15 * 60, 48 * 3600)
    assert due == {
        Clock.CALLBACK: datetime(2027, 1, 1, 0, 5, tzinfo=UTC),
        Clock.RESOLVE: datetime(2027, 1, 2, 23, 50, tzinfo=UTC),
    }


def test_the_ladder_of_a_complaint_is_the_case_ladder_75_100_150_percent():
    rungs = ladder(OPENED, OPENED + timedelta(minutes=20))
    assert rungs == {
        Rung.WARN: OPENED + timedelta(minutes=15),
        Rung.BREACH: OPENED + timedelta(minutes=20),
        Rung.RAISE: OPENED + timedelta(minutes=30),
    }
    assert [level(r) for r in Rung] == [1, 2, 3]
    assert rung_key(Rung.BREACH, Clock.CALLBACK) == "sla_breach-callback"
    # supervisors at the breach, the service manager at the raise
    assert (AUDIENCE[Rung.BREACH], AUDIENCE[Rung.RAISE]) == (Audience.SUPERVISOR, Audience.MANAGER)


def test_overdue_is_a_deadline_passed_and_not_met():
    callback_due, resolve_due = OPENED + timedelta(minutes=15), OPENED + timedelta(hours=48)
    assert not overdue(OPENED + timedelta(minutes=14), callback_due, None, resolve_due)
    assert overdue(OPENED + timedelta(minutes=16), callback_due, None, resolve_due)
    assert not overdue(OPENED + timedelta(hours=1), callback_due, OPENED + timedelta(minutes=20), resolve_due)
    assert overdue(OPENED + timedelta(hours=49), callback_due, OPENED, resolve_due)


@pytest.mark.parametrize("outcome", ["resolved", "rejected"])
def test_only_a_compensated_closing_carries_compensation(outcome):
    assert ComplaintClosing(outcome=outcome, reason="explained").amount is None
    with pytest.raises(ValidationError, match="only applies with outcome compensated"):
        ComplaintClosing(outcome=outcome, reason="r", compensation={"type": "refund", "amount": "5"})


def test_a_compensated_closing_says_what_and_how_much():
    closing = ComplaintClosing(
        outcome="compensated", reason="late twice", compensation={"type": "voucher", "amount": "200.50"}
    )
    assert closing.amount == Decimal("200.50")
    with pytest.raises(ValidationError, match="required with outcome compensated"):
        ComplaintClosing(outcome="compensated", reason="late twice")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"outcome": "maybe", "reason": "r"}, "outcome"),
        ({"outcome": "resolved", "reason": ""}, "reason"),
        ({"outcome": "resolved", "reason": "r" * 2001}, "reason"),
        ({"outcome": "resolved"}, "reason"),
    ],
)
def test_a_closing_names_the_field_at_fault(body, field):
    with pytest.raises(ValidationError) as err:
        ComplaintClosing.model_validate(body)
    assert err.value.errors()[0]["loc"][0] == field


def test_a_complaint_is_about_a_case_or_a_customer():
    base = {"channel": "phone", "severity": "low", "description": "rude on the phone"}
    assert ComplaintIntake.model_validate(base).missing_subject()
    assert not ComplaintIntake.model_validate(base | {"case_id": "RC-20261231-7KQ2MX"}).missing_subject()
    assert not ComplaintIntake.model_validate(base | {"customer_phone": "13800138000"}).missing_subject()
    with pytest.raises(ValidationError):
        ComplaintIntake.model_validate(base | {"description": "x" * 2001})
