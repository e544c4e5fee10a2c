"""Cases for the tracking page's tests: driven by agents and technicians to the stages where
the customer acts on their page (the quote, the survey), in the customer's language."""

import re

import httpx

import tracking
from settings import Settings
from tests.integration.cases import Cases, intake_body

PUMP = "WSH-DRAIN-PUMP"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def customer_intake(locale: str) -> dict:
    body = intake_body()
    body["customer"] |= {"locale": locale, "name": "Wang Fang" if locale == "zh-CN" else "Ada Lovelace"}
    return body


async def at_quote(cases: Cases, locale: str = "en") -> str:
    case = await cases.to_quote(customer_intake(locale))
    assert case["stage"] == "QUOTE_APPROVAL"
    return case["case_id"]


async def at_callback(cases: Cases, locale: str = "en") -> str:
    case_id = await at_quote(cases, locale)
    await cases.decide(case_id, True)
    await cases.repair(case_id, [(PUMP, 1)])
    await cases.qc(case_id, True)
    assert (await cases.handover(case_id))["stage"] == "CALLBACK"
    return case_id


def token_of(case_id: str, settings: Settings) -> str:
    return tracking.issue(case_id, settings)


async def post_form(http: httpx.AsyncClient, token: str, form: str, fields: dict, settings: Settings) -> httpx.Response:
    """A form as the page sends it, with the page's CSRF token unless `fields` has its own."""
    return await http.post(f"/track/{token}/{form}", data={"csrf": tracking.csrf_token(token, settings), **fields})
