"""The supervisor dashboard in a real browser: Debian's headless Chromium (/usr/bin/chromium,
driven by Playwright) with JavaScript turned off, on a desktop and on a phone. A supervisor
signs in through the form and sees the cases just made through the API: in the trend, the
tiles and the at-risk board. Screenshots go to tests/artifacts/; with
UPDATE_DOCS_SCREENSHOTS=1 the desktop one is also copied to docs/img/dashboard.png for the
README. Without /usr/bin/chromium these tests fail: CI installs it (`apt-get install chromium`)."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, ViewportSize

from tests.integration.chromium import chromium, fits_the_screen, keep_for_docs, shoot
from tests.integration.dashboard_data import SUPERVISOR_KEY, TECH_KEY, closed_remotely, opened_this_week, overdue

VIEWPORTS = {"desktop": ViewportSize(width=1280, height=900), "phone": ViewportSize(width=390, height=844)}


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest.fixture(params=["desktop", "phone"])
async def screen(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    """A desktop's or a phone's screen with no JavaScript: the page must work without it."""
    context = await browser.new_context(viewport=VIEWPORTS[request.param], java_script_enabled=False)
    yield await context.new_page()
    await context.close()


async def sign_in(page: Page, api_url: str, key: str = SUPERVISOR_KEY) -> None:
    await page.goto(f"{api_url}/dashboard")
    assert page.url == f"{api_url}/dashboard/login"  # sent to the login page first
    await page.locator("#api_key").fill(key)
    await page.get_by_role("button", name="Sign in").click()


async def opened_now(page: Page) -> int:
    return opened_this_week(await page.locator("#chart-opened_closed .latest").inner_text())


async def test_a_supervisor_signs_in_and_sees_the_live_figures(screen, api_url, cases, sessions):
    page: Page = screen
    viewport = "desktop" if page.viewport_size == VIEWPORTS["desktop"] else "phone"
    await sign_in(page, api_url)
    await page.wait_for_url(f"{api_url}/dashboard")
    opened_before = await opened_now(page)

    await closed_remotely(cases, csat=4)
    late = await overdue(cases, sessions)
    await page.reload()

    assert await opened_now(page) == opened_before + 2
    csat = page.locator("#tile-csat")
    assert await csat.locator(".value").inner_text() != "—"
    assert await csat.locator(".goal").inner_text() == "goal ≥ 4.5"
    assert await page.locator("#tiles > li").count() == 13
    for chart in ("opened_closed", "resolution", "csat", "sla_attainment"):
        figure = page.locator(f"#chart-{chart}")
        assert await figure.locator("svg").is_visible(), chart
        link = figure.locator(".links a").first
        assert (await link.get_attribute("href") or "").startswith(
            "http://127.0.0.1:8233/namespaces/default/workflows?query="
        )
    row = page.locator(f"#risk-{late}")
    assert await row.is_visible()
    assert "overdue" in await row.inner_text()
    assert await row.get_attribute("class") == "overdue"
    assert await fits_the_screen(page)
    shot = await shoot(page, f"dashboard-{viewport}")
    if viewport == "desktop":
        await keep_for_docs(shot, "dashboard.png")

    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(f"{api_url}/dashboard/login?bye=1")
    assert await page.get_by_role("status").inner_text() == "Signed out."
    await page.goto(f"{api_url}/dashboard")
    assert page.url == f"{api_url}/dashboard/login"


async def test_a_technician_is_turned_away_at_the_login_form(screen, api_url):
    await sign_in(screen, api_url, TECH_KEY)
    assert await screen.get_by_role("alert").inner_text() == "This key is not a supervisor's."
    assert screen.url == f"{api_url}/dashboard/login"
    assert await fits_the_screen(screen)
