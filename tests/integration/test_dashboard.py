"""The supervisor dashboard over HTTP on the real servers: the login with a supervisor's API
key and its signed cookie, the CSRF tokens of its forms, and the page's figures, live from
cases made through the API."""

import time
import uuid
from datetime import UTC, datetime
from unittest.mock import patch

import httpx
import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import delete

from api import dashboard_session
from api.app import create_app
from api.auth import key_hash
from models.kpi_tiles import tiles
from models.tables import ApiKeyRow, ReviewReportRow
from tests.integration.cases import SUPERVISOR
from tests.integration.dashboard_data import (
    TECH_KEY,
    at_risk_ids,
    closed_remotely,
    csrf_of,
    log_in,
    opened_this_week,
    overdue,
    period,
    text_of,
    this_week,
    tile_of,
)
from tests.integration.running import serving


@pytest.fixture
async def browser(api_url):
    """A client that keeps cookies, as a browser does, and follows no redirect by itself."""
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as client:
        yield client


async def test_without_a_session_the_dashboard_sends_to_the_login_page(browser):
    response = await browser.get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/login"


async def test_the_login_page_is_a_form_with_a_csrf_token_and_no_script(browser):
    response = await browser.get("/dashboard/login")
    assert response.status_code == 200
    assert 'name="api_key" type="password"' in response.text and csrf_of(response.text)
    assert "<script" not in response.text
    policy = response.headers["content-security-policy"]
    assert "script-src 'none'" in policy and "default-src 'none'" in policy
    assert response.headers["cache-control"] == "no-store"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie


async def test_a_supervisor_signs_in_and_gets_a_signed_httponly_strict_cookie(browser):
    response = await log_in(browser)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("repairflow_dashboard="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=28800" in cookie
    assert "dev-supervisor-key" not in cookie
    page = await browser.get("/dashboard")
    assert page.status_code == 200, page.text
    assert "dev-supervisor" in page.text and "<script" not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'none'" in page.headers["content-security-policy"]


async def test_a_technician_key_is_refused_with_the_login_page_again(browser):
    response = await log_in(browser, TECH_KEY)
    assert response.status_code == 403
    assert "not a supervisor" in response.text and "repairflow_dashboard=" not in response.headers.get("set-cookie", "")
    assert (await browser.get("/dashboard")).status_code == 303


async def test_an_unknown_key_is_refused(browser):
    response = await log_in(browser, "no-such-key")
    assert response.status_code == 401 and "Unknown API key" in response.text


async def test_a_login_without_the_csrf_token_of_its_form_is_refused(browser, api_url):
    await browser.get("/dashboard/login")
    response = await browser.post("/dashboard/login", data={"api_key": "dev-supervisor-key", "csrf": "0" * 64})
    assert response.status_code == 403 and "expired" in response.text
    # a token taken from another browser's form does not go with this browser's cookie
    async with httpx.AsyncClient(base_url=api_url) as other:
        token = csrf_of((await other.get("/dashboard/login")).text)
    response = await browser.post("/dashboard/login", data={"api_key": "dev-supervisor-key", "csrf": token})
    assert response.status_code == 403
    assert (await browser.get("/dashboard")).status_code == 303


async def test_a_forged_or_expired_cookie_sends_to_the_login_page(browser, settings):
    supervisor = dashboard_session.Supervisor("dev-supervisor", key_hash("dev-supervisor-key"))
    forged = dashboard_session.issue(supervisor, settings.model_copy(update={"dashboard_secret": "x" * 40}))
    with patch.object(TimestampSigner, "get_timestamp", lambda _: int(time.time()) - 9 * 3600):
        expired = dashboard_session.issue(supervisor, settings)
    for cookie in (forged, expired, "garbage"):
        response = await browser.get("/dashboard", cookies={"repairflow_dashboard": cookie})
        assert response.status_code == 303 and response.headers["location"] == "/dashboard/login", cookie
    valid = dashboard_session.issue(supervisor, settings)
    assert (await browser.get("/dashboard", cookies={"repairflow_dashboard": valid})).status_code == 200


async def test_a_key_taken_away_ends_its_session(browser, sessions):
    key = f"dash-{uuid.uuid4().hex}"
    async with sessions.begin() as session:
        session.add(ApiKeyRow(key_hash=key_hash(key), name=f"sup-{key[-6:]}", role="supervisor"))
    assert (await log_in(browser, key)).status_code == 303
    assert (await browser.get("/dashboard")).status_code == 200
    async with sessions.begin() as session:
        await session.execute(delete(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash(key)))
    assert (await browser.get("/dashboard")).status_code == 303


async def test_signing_out_needs_the_csrf_token_and_clears_the_cookie(browser):
    await log_in(browser)
    page = await browser.get("/dashboard")
    refused = await browser.post("/dashboard/logout", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert (await browser.get("/dashboard")).status_code == 200
    signed_out = await browser.post("/dashboard/logout", data={"csrf": csrf_of(page.text)})
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/dashboard/login?bye=1"
    assert (await browser.get("/dashboard")).status_code == 303
    assert "Signed out." in (await browser.get("/dashboard/login?bye=1")).text


async def test_failed_logins_are_limited_per_address(settings, worker):
    limited = settings.model_copy(update={"dashboard_login_limit": "2/minute"})
    async with serving(create_app(limited)) as url, httpx.AsyncClient(base_url=url) as client:
        assert (await log_in(client, "wrong-1")).status_code == 401
        assert (await log_in(client, "wrong-2")).status_code == 401
        refused = await log_in(client, "dev-supervisor-key")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "Too many failed sign-ins" in refused.text


async def test_the_dashboard_shows_the_live_figures(browser, http, cases, sessions):
    await log_in(browser)
    before = (await browser.get("/dashboard")).text
    opened_before = opened_this_week(this_week(before, "opened_closed"))

    await closed_remotely(cases, csat=5)
    late = await overdue(cases, sessions)
    page = (await browser.get("/dashboard")).text

    assert opened_this_week(this_week(page, "opened_closed")) == opened_before + 2
    kpis = await http.get("/api/v1/metrics/kpis", params=period(), headers=SUPERVISOR)
    expected = {t.kpi: t for t in tiles(kpis.json())}
    for kpi in ("csat", "first_contact_resolution", "service_score", "complaint_rate"):
        value, goal, standing = tile_of(page, kpi)
        assert (value, goal, standing) == (expected[kpi].value, expected[kpi].goal, expected[kpi].standing_words), kpi
    assert tile_of(page, "csat")[0] != "—"

    board = await http.get("/api/v1/sla/at-risk", params={"limit": 15}, headers=SUPERVISOR)
    shown = at_risk_ids(page)
    assert shown[0] == late or late in shown
    assert shown == [item["case_id"] for item in board.json()["items"]]
    assert f"/namespaces/default/workflows/{late}" in page
    # each chart links to its query in the Temporal UI
    assert page.count("http://127.0.0.1:8233/namespaces/default/workflows?query=") >= 6
    assert "SlaBreached%3Dtrue" in page


@pytest.mark.parametrize(
    "report",
    [
        {
            "score": 87.5,
            "targets": [{"standing": "met"}, {"standing": "missed"}, {"standing": "met"}],
            "top_fault_codes": [{"code": "E21", "cases": 3}, {"code": "F07", "cases": 1}],
            "bottleneck": {"stage": "DIAGNOSIS"},
        },
        {"score": "high", "targets": "all met", "bottleneck": ["?"]},  # a report of another shape
    ],
)
async def test_the_newest_review_is_shown_with_its_period_and_link(browser, sessions, report):
    review_id = f"period-dashboard-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        session.add(
            ReviewReportRow(
                review_id=review_id,
                kind="requested",
                period_from=datetime(2026, 11, 2, tzinfo=UTC),
                period_to=datetime(2026, 11, 9, tzinfo=UTC),
                requested_by="supervisor:dev-supervisor",
                report=report,
                created_at=now,
            )
        )
    try:
        await log_in(browser)
        page = (await browser.get("/dashboard")).text
    finally:
        async with sessions.begin() as session:
            await session.execute(delete(ReviewReportRow).where(ReviewReportRow.review_id == review_id))
    assert text_of(page, "review-link") == review_id
    assert f'href="/api/v1/reviews/{review_id}"' in page
    assert "2026-11-02 00:00 UTC – 2026-11-09 00:00 UTC" in page and "(requested)" in page
    if isinstance(report["targets"], list):
        assert "2 met, 1 missed, 0 without data" in page
        assert "E21 (3), F07 (1)" in page and "DIAGNOSIS" in page and "87.5" in page
    else:
        assert (
            "<dt>service score</dt>" not in page
            and "<dt>bottleneck</dt>" not in page
            and "<dt>targets</dt>" not in page
        )
