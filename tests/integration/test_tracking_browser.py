"""The tracking page in a real browser: Debian's headless Chromium (/usr/bin/chromium, driven by
Playwright) with JavaScript turned off, on a phone-sized screen, in both languages. A customer
approves the quote, later answers the survey, and the case moves on each time. Screenshots go
to tests/artifacts/; with UPDATE_DOCS_SCREENSHOTS=1 the English quote page is also copied to
docs/img/tracking-quote.png for the README. Without /usr/bin/chromium these tests fail: CI
installs it (`apt-get install chromium`)."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, ViewportSize

from api.track_texts import STAGES, WORDS
from models.stages import Stage
from tests.integration.chromium import chromium, fits_the_screen, keep_for_docs, shoot
from tests.integration.tracking_cases import PUMP, at_quote, token_of

PHONE = ViewportSize(width=390, height=844)
NARROW = ViewportSize(width=360, height=740)  # the narrowest phones still sold


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    """A phone's screen with no JavaScript: the page must work without it."""
    context = await browser.new_context(viewport=PHONE, java_script_enabled=False, device_scale_factor=2)
    yield await context.new_page()
    await context.close()


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
async def test_a_customer_approves_the_quote_and_answers_the_survey_on_a_phone(phone, api_url, cases, settings, locale):
    t, stages = WORDS[locale], STAGES[locale]
    case_id = await at_quote(cases, locale)
    page_url = f"{api_url}/track/{token_of(case_id, settings)}"

    await phone.goto(page_url)
    assert await phone.locator("#stage").inner_text() == stages[Stage.QUOTE_APPROVAL]
    assert await fits_the_screen(phone)
    quote = await shoot(phone, f"tracking-quote-{locale}")
    if locale == "en":
        await keep_for_docs(quote, "tracking-quote.png")

    await phone.set_viewport_size(NARROW)
    assert await fits_the_screen(phone)
    await phone.set_viewport_size(PHONE)

    await phone.get_by_role("button", name=t["approve"]).click()
    await phone.wait_for_url("**?done=quote")
    assert await phone.get_by_role("status").inner_text() == t["done_quote"]
    assert await phone.locator("#stage").inner_text() == stages[Stage.REPAIR]
    await shoot(phone, f"tracking-approved-{locale}")
    assert (await cases.get(case_id))["stage"] == "REPAIR"

    await cases.repair(case_id, [(PUMP, 1)])
    await cases.qc(case_id, True)
    await cases.handover(case_id)
    await phone.goto(page_url)
    assert await phone.locator("#stage").inner_text() == stages[Stage.CALLBACK]
    for name, score in {"csat": 5, "nps": 9, "ces": 6, "attitude": 5, "professionalism": 4}.items():
        await phone.locator(f'#field-{name} label:has(input[value="{score}"]) span').click()
    await phone.locator("#field-comment").fill("准时，专业" if locale == "zh-CN" else "On time and careful")
    assert await fits_the_screen(phone)
    await shoot(phone, f"tracking-survey-{locale}")

    await phone.get_by_role("button", name=t["send"]).click()
    await phone.wait_for_url("**?done=survey")
    assert await phone.get_by_role("status").inner_text() == t["done_survey"]
    assert await phone.locator("#stage").inner_text() == stages[Stage.CLOSED]
    await shoot(phone, f"tracking-thanks-{locale}")
    case = await cases.get(case_id)
    assert case["stage"] == "CLOSED"
    assert (case["callback"]["csat"], case["callback"]["nps"], case["callback"]["professionalism"]) == (5, 9, 4)


async def test_a_survey_without_a_required_score_is_not_sent_by_the_browser(phone, api_url, cases, settings):
    case_id = await at_quote(cases, "en")
    await cases.decide(case_id, True)
    await cases.repair(case_id, [(PUMP, 1)])
    await cases.qc(case_id, True)
    await cases.handover(case_id)
    await phone.goto(f"{api_url}/track/{token_of(case_id, settings)}")
    await phone.locator('#field-csat label:has(input[value="4"]) span').click()
    await phone.get_by_role("button", name=WORDS["en"]["send"]).click()
    # the browser holds the form back (nps is required) and the case waits for an answer
    assert await phone.locator("#field-nps input:invalid").count() == 11
    assert "?done=" not in phone.url
    assert (await cases.get(case_id))["stage"] == "CALLBACK"


async def test_an_unknown_link_shows_the_not_found_page_in_both_languages(phone, api_url):
    response = await phone.goto(f"{api_url}/track/eyJjYXNlIjoiUkMtMSJ9.aw4eTA.forged")
    assert response is not None and response.status == 404
    text = await phone.locator("main").inner_text()
    assert WORDS["en"]["not_found_title"] in text and WORDS["zh-CN"]["not_found_title"] in text
    assert await fits_the_screen(phone)
    await shoot(phone, "tracking-not-found")
