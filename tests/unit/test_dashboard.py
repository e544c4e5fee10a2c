"""The dashboard's pure parts: links into the Temporal UI, the weeks of its trends, its KPI
tiles, what it reads of a review's report, its session cookie and CSRF tokens, and the page
drawn from given figures."""

import time
from datetime import UTC, datetime, timedelta, timezone
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

import pytest
from itsdangerous import TimestampSigner

import tracking
from api import dashboard_charts, dashboard_page, dashboard_session
from api.dashboard_queries import OpenWork
from models import temporal_ui
from models.kpi_targets import TARGETS, Judged
from models.kpi_tiles import figure, tile, tiles
from models.review_digest import ReviewDigest, digest
from models.stages import Stage
from models.trends import Weekly, count_ticks, laid_on, week_of, weeks
from settings import Settings

UI = "http://127.0.0.1:8233/"
NOW = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)  # a Tuesday


def query_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["query"][0]


# links into the Temporal UI


def test_a_workflow_list_link_carries_its_query_url_encoded():
    url = temporal_ui.workflows(UI, "default", 'ExecutionStatus="Running" AND SlaBreached=true')
    assert url == (
        "http://127.0.0.1:8233/namespaces/default/workflows?query="
        "ExecutionStatus%3D%22Running%22%20AND%20SlaBreached%3Dtrue"
    )
    assert query_of(url) == 'ExecutionStatus="Running" AND SlaBreached=true'


def test_the_namespace_and_workflow_id_are_path_segments_of_their_own():
    assert temporal_ui.workflow(UI, "repair/prod", "RC-1?x") == (
        "http://127.0.0.1:8233/namespaces/repair%2Fprod/workflows/RC-1%3Fx"
    )


def test_the_queries_name_the_search_attributes_the_workflow_keeps():
    assert temporal_ui.running_breached() == (
        'WorkflowType="RepairCaseWorkflow" AND ExecutionStatus="Running" AND SlaBreached=true'
    )
    assert temporal_ui.running_in_stage(Stage.QC).endswith('AND CaseStage="QC"')
    assert temporal_ui.closed_since(NOW).endswith('CaseStage="CLOSED" AND CloseTime >= "2026-12-01T03:30:00Z"')
    assert temporal_ui.opened_since(NOW).endswith('StartTime >= "2026-12-01T03:30:00Z"')
    assert temporal_ui.breached_since(NOW).endswith('SlaBreached=true AND StartTime >= "2026-12-01T03:30:00Z"')
    assert temporal_ui.running_due_before(NOW).endswith('SlaDeadline < "2026-12-01T03:30:00Z"')


def test_a_time_in_a_query_is_written_in_utc():
    beijing = timezone(timedelta(hours=8))
    assert temporal_ui.instant(datetime(2026, 12, 1, 8, 0, tzinfo=beijing)) == '"2026-12-01T00:00:00Z"'
    with pytest.raises(ValueError, match="naive"):
        temporal_ui.instant(datetime(2026, 12, 1))


# the weeks of the trends


def test_a_week_starts_on_monday_at_midnight_utc():
    assert week_of(NOW) == datetime(2026, 11, 30, tzinfo=UTC)
    assert week_of(datetime(2026, 11, 30, tzinfo=UTC)) == datetime(2026, 11, 30, tzinfo=UTC)
    # Monday 07:00 in Beijing is still Sunday in UTC
    beijing = timezone(timedelta(hours=8))
    assert week_of(datetime(2026, 11, 30, 7, tzinfo=beijing)) == datetime(2026, 11, 23, tzinfo=UTC)


def test_the_trend_covers_eight_weeks_ending_with_the_current_one():
    starts = weeks(NOW)
    assert len(starts) == 8
    assert starts[0] == datetime(2026, 10, 12, tzinfo=UTC) and starts[-1] == datetime(2026, 11, 30, tzinfo=UTC)
    assert all(b - a == timedelta(days=7) for a, b in zip(starts, starts[1:], strict=False))


def test_a_week_without_cases_counts_zero_and_one_without_a_figure_is_a_gap():
    starts = weeks(NOW, 3)
    values = {datetime(2026, 11, 23, tzinfo=UTC): 4.0, datetime(2020, 1, 6, tzinfo=UTC): 9.0}
    assert laid_on(starts, values, empty=0) == [0, 4.0, 0]
    assert laid_on(starts, values, empty=None) == [None, 4.0, None]


def test_a_count_axis_has_whole_steps_of_one_two_or_five():
    assert count_ticks(0) == [0, 1]
    assert count_ticks(6) == [0, 1, 2, 3, 4, 5, 6]
    assert count_ticks(7) == [0, 2, 4, 6, 8]
    assert count_ticks(13) == [0, 5, 10, 15]
    assert count_ticks(99) == [0, 20, 40, 60, 80, 100]


# the KPI tiles


def test_figures_are_written_in_hours_minutes_and_percent():
    assert figure(None, "seconds") == "—"
    assert figure(90 * 60, "seconds") == "1.5 h"
    assert figure(48 * 3600, "seconds") == "48 h"
    assert figure(600, "seconds") == "10 min"
    assert figure(0.8766, "share") == "87.7 %"
    assert figure(0.3, "share") == "30 %"
    assert figure(4.456, "score 1-5") == "4.46"
    assert figure(93.25, "0-100") == "93.2"


def test_a_tile_shows_its_goal_with_the_direction_and_its_standing():
    resolution = next(t for t in TARGETS if t.kpi == "resolution_time")
    shown = tile(Judged(resolution, 50 * 3600.0, "missed"))
    assert (shown.label, shown.value, shown.goal, shown.standing_words) == (
        "resolution time (median)",
        "50 h",
        "≤ 48 h",
        "missed",
    )
    fix = next(t for t in TARGETS if t.kpi == "first_time_fix")
    assert tile(Judged(fix, None, "no_data")).goal == "≥ 90 %"
    assert tile(Judged(fix, None, "no_data")).standing_words == "no data"


def test_every_target_gets_a_tile_even_when_the_report_lacks_its_kpi():
    shown = tiles({"csat": {"value": 4.6}, "first_time_fix": {"value": 0.5}})
    assert [t.kpi for t in shown] == [t.kpi for t in TARGETS]
    by_kpi = {t.kpi: t for t in shown}
    assert (by_kpi["csat"].value, by_kpi["csat"].standing) == ("4.6", "met")
    assert (by_kpi["first_time_fix"].value, by_kpi["first_time_fix"].standing) == ("50 %", "missed")
    assert (by_kpi["nps"].value, by_kpi["nps"].standing) == ("—", "no_data")


# the latest review


def test_a_reviews_report_gives_its_score_standings_faults_and_bottleneck():
    report = {
        "score": 81,
        "targets": [{"standing": "met"}, {"standing": "missed"}, {"standing": "met"}, {"standing": "odd"}],
        "top_fault_codes": [{"code": f"E{n}", "cases": 10 - n} for n in range(5)] + [{"code": 1}],
        "bottleneck": {"stage": "REPAIR", "stages": []},
    }
    assert digest(report) == ReviewDigest(
        score=81.0,
        standings={"met": 2, "missed": 1},
        fault_codes=[("E0", 10), ("E1", 9), ("E2", 8)],
        bottleneck="REPAIR",
    )


@pytest.mark.parametrize(
    "report",
    [None, [], "report", {}, {"score": True, "targets": {"met": 3}, "top_fault_codes": "E1", "bottleneck": {}}],
)
def test_a_report_of_another_shape_gives_nothing_rather_than_an_error(report):
    assert digest(report) == ReviewDigest()


# the session cookie and CSRF tokens


SETTINGS = Settings(dashboard_secret="s" * 40)
SUPERVISOR = dashboard_session.Supervisor("desk-sup", "ab" * 32)


def test_a_session_cookie_reads_back_until_it_expires():
    assert dashboard_session.read(dashboard_session.issue(SUPERVISOR, SETTINGS), SETTINGS) == SUPERVISOR
    with patch.object(TimestampSigner, "get_timestamp", lambda _: int(time.time()) - 8 * 3600 - 5):
        old = dashboard_session.issue(SUPERVISOR, SETTINGS)
    assert dashboard_session.read(old, SETTINGS) is None
    assert dashboard_session.read(old, SETTINGS.model_copy(update={"dashboard_session_hours": 9})) == SUPERVISOR


def test_a_cookie_signed_under_another_secret_or_for_another_use_is_no_session():
    other = Settings(dashboard_secret="t" * 40)
    assert dashboard_session.read(dashboard_session.issue(SUPERVISOR, other), SETTINGS) is None
    # without a secret of its own the dashboard signs under the tracking secret, with its own salt
    shared = Settings(tracking_secret="u" * 40)
    assert dashboard_session.read(tracking.issue("RC-1", shared), shared) is None
    assert dashboard_session.read(dashboard_session.issue(SUPERVISOR, shared), shared) == SUPERVISOR
    assert dashboard_session.read("", SETTINGS) is None and dashboard_session.read("x" * 2000, SETTINGS) is None


def test_a_csrf_token_is_bound_to_its_form_and_its_cookie():
    token = dashboard_session.csrf_token("login", "nonce-1", SETTINGS)
    assert dashboard_session.csrf_ok("login", "nonce-1", token, SETTINGS)
    assert not dashboard_session.csrf_ok("logout", "nonce-1", token, SETTINGS)
    assert not dashboard_session.csrf_ok("login", "nonce-2", token, SETTINGS)
    assert not dashboard_session.csrf_ok("login", None, token, SETTINGS)
    assert not dashboard_session.csrf_ok("login", "nonce-1", "ü" + token[1:], SETTINGS)


def test_production_refuses_a_weak_dashboard_secret():
    production = {"env": "production", "payload_key": "k1:" + "A" * 43 + "=", "tracking_secret": "v" * 40}
    assert Settings(**production).dashboard_secret == ""
    with pytest.raises(ValueError, match="dashboard_secret"):
        Settings(**production, dashboard_secret="dev-dashboard-secret-of-some-length-xx")
    with pytest.raises(ValueError, match="dashboard_secret"):
        Settings(**production, dashboard_secret="short")


# the page


def test_time_left_is_written_in_days_hours_and_minutes():
    assert dashboard_page.left(59) == "0 min"
    assert dashboard_page.left(2 * 3600 + 5 * 60) == "2 h 5 min"
    assert dashboard_page.left(-(3 * 86400 + 4 * 3600 + 59)) == "overdue 3 d 4 h"


def test_the_charts_are_svg_without_a_script():
    starts = weeks(NOW)
    weekly = Weekly(starts, [0] * 7 + [3], [0] * 7 + [1], [None] * 7 + [2.5], [None] * 8, [None] * 6 + [50.0, 100.0])
    for draw in dashboard_charts.CHARTS.values():
        svg = draw(weekly)
        assert svg.startswith("<svg") and "<script" not in svg and 'role="img"' in svg


def test_a_page_without_a_review_says_so_and_runs_no_script():
    starts = weeks(NOW)
    empty = [0.0] * 8
    figures = dashboard_page.Figures(
        supervisor="desk-sup",
        now=NOW,
        kpi_from=NOW - timedelta(days=30),
        tiles=tiles({}),
        backlog=[(Stage.QC, 2)],
        weekly=Weekly(starts, empty, empty, [None] * 8, [None] * 8, [None] * 8),
        at_risk=[],
        open_work=OpenWork(complaints=3, follow_ups=1),
        review=None,
    )
    response = dashboard_page.dashboard(figures, SETTINGS, root="/api", csrf="t0ken")
    page = bytes(response.body).decode()
    assert "No review yet." in page and "No running SLA clock." in page
    assert "<script" not in page and "script-src 'none'" in response.headers["content-security-policy"]
    assert 'id="open-complaints">3<' in page and 'id="open-follow-ups">1<' in page
    assert 'action="/api/dashboard/logout"' in page and 'value="t0ken"' in page
    assert "CaseStage%3D%22QC%22" in page
