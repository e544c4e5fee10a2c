"""The KPI arithmetic: the period asked for, NPS, and the weighted service score."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from models.kpis import (
    MAX_SPAN,
    WEIGHTS,
    Component,
    as_instant,
    from_scale,
    nps,
    service_score,
    share,
    span_problem,
)


def test_a_date_is_its_midnight_utc_and_a_naive_datetime_is_utc():
    assert as_instant(date(2025, 3, 1)) == datetime(2025, 3, 1, tzinfo=UTC)
    assert as_instant(datetime(2025, 3, 1, 8)) == datetime(2025, 3, 1, 8, tzinfo=UTC)
    shanghai = datetime(2025, 3, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    assert as_instant(shanghai) == datetime(2025, 3, 1, tzinfo=UTC)


def test_a_period_ends_after_it_starts_and_spans_at_most_400_days():
    start = datetime(2025, 1, 1, tzinfo=UTC)
    assert span_problem(start, start + MAX_SPAN) is None
    assert span_problem(start, start + MAX_SPAN + timedelta(seconds=1)) == "at most 400 days after `from`"
    assert span_problem(start, start) == "must be after `from`"


def test_a_share_of_nothing_is_none():
    assert share(1, 4) == 0.25
    assert share(0, 0) is None


def test_nps_is_percent_promoters_minus_percent_detractors():
    assert nps(promoters=2, detractors=1, answers=4) == 25.0
    assert nps(promoters=0, detractors=3, answers=3) == -100.0
    assert nps(0, 0, 0) is None


@pytest.mark.parametrize(("mean", "mapped"), [(1, 0.0), (3, 50.0), (4.5, 87.5), (5, 100.0), (None, None)])
def test_a_1_to_5_mean_maps_linearly_to_0_100(mean, mapped):
    assert from_scale(mean) == mapped


def test_the_weights_are_those_of_the_evaluation_system_and_sum_to_one():
    assert WEIGHTS == {
        Component.RESPONSE: 0.10,
        Component.ATTITUDE: 0.20,
        Component.PROFESSIONALISM: 0.25,
        Component.RESOLUTION: 0.30,
        Component.SATISFACTION: 0.15,
    }
    assert sum(WEIGHTS.values()) == pytest.approx(1)


def test_the_score_weighs_each_component_on_0_100():
    made = service_score(
        response_attainment=1.0, attitude=4.0, professionalism=11 / 3, resolution_attainment=0.75, csat=4.0
    )
    assert [(s.component, s.value) for s in made.components] == [
        (Component.RESPONSE, 100.0),
        (Component.ATTITUDE, 75.0),
        (Component.PROFESSIONALISM, pytest.approx(200 / 3)),
        (Component.RESOLUTION, 75.0),
        (Component.SATISFACTION, 75.0),
    ]
    assert made.value == pytest.approx(10 + 15 + 0.25 * 200 / 3 + 22.5 + 11.25)


def test_a_component_without_data_is_left_out_and_the_rest_reweighted():
    made = service_score(
        response_attainment=0.5, attitude=None, professionalism=None, resolution_attainment=1.0, csat=None
    )
    assert made.value == pytest.approx((0.1 * 50 + 0.3 * 100) / 0.4)
    assert [s.value for s in made.components][1:3] == [None, None]


def test_without_any_data_there_is_no_score():
    made = service_score(
        response_attainment=None, attitude=None, professionalism=None, resolution_attainment=None, csat=None
    )
    assert made.value is None
    assert len(made.components) == 5
