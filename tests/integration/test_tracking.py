"""The customer's tracking page (docs/api.md#tracking-page) over real HTTP, with a worker on
the Temporal dev server and PostgreSQL: what it shows and keeps back, the tokens and CSRF
tokens it refuses, and its two forms going through the same workflow updates as an agent's
actions."""

import re
import time
from datetime import datetime, timedelta
from decimal import Decimal

import itsdangerous
import pytest
from sqlalchemy import select

import tracking
from models.events import CUSTOMER_EVENTS
from models.tables import CallbackRow, QuoteRow, ReviewRow
from tests.integration.cases import AGENT
from tests.integration.tracking_cases import PUMP, at_callback, at_quote, customer_intake, post_form, token_of

SURVEY = {"csat": "4", "nps": "9", "ces": "6", "attitude": "5", "professionalism": "4", "comment": "Quick and tidy"}


async def page_of(http, token: str, **params: str):
    response = await http.get(f"/track/{token}", params=params)
    assert response.headers["content-type"].startswith("text/html")
    return response


# ---- what the page shows


async def test_the_page_of_a_quote_shows_the_itemized_quote_and_its_form_in_english(http, cases, settings):
    case_id = await at_quote(cases, "en")
    token = token_of(case_id, settings)
    response = await page_of(http, token)
    assert response.status_code == 200
    html = response.text
    assert '<html lang="en">' in html and 'name="viewport"' in html and "<script" not in html
    assert case_id in html and "Washer XQG100" in html
    assert "Waiting for your decision on the quote" in html
    quote = (await cases.get(case_id))["quote"]
    for line in quote["lines"]:
        assert line["description"] in html
    assert f"CNY {Decimal(quote['total']):,.2f}" in html
    assert f'action="/track/{token}/quote"' in html
    assert f'name="quote_version" value="{quote["version"]}"' in html
    assert f'name="csrf" value="{tracking.csrf_token(token, settings)}"' in html
    assert html.count('name="decision"') == 2 and 'value="approve"' in html and 'value="decline"' in html
    assert 'action="/track/' + token + '/survey"' not in html
    # what stays inside: staff ids, notes, SLA clocks
    for internal in ("T-001", "dev-agent", "checked on site", "by phone", "Drain pump blocked", "sla"):
        assert internal not in html
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_the_page_is_in_chinese_for_a_chinese_customer(http, cases, settings):
    case_id = await at_quote(cases, "zh-CN")
    html = (await page_of(http, token_of(case_id, settings))).text
    assert '<html lang="zh-CN">' in html
    assert "等待您确认报价" in html and "同意报价，开始维修" in html and "洗衣机 XQG100" in html
    assert "Waiting for your decision" not in html


async def test_the_page_shows_the_technician_and_the_visit_window_until_the_visit(http, cases, settings):
    case = await cases.open(customer_intake("en"))
    case_id = case["case_id"]
    await cases.assign(case_id)
    token = token_of(case_id, settings)
    view = (await http.get(f"/api/v1/track/{token}")).json()
    technicians = (await http.get("/api/v1/technicians", headers=AGENT)).json()["items"]
    name = next(t["name"] for t in technicians if t["technician_id"] == "T-001")
    assigned = next(e for e in await cases.timeline(case_id) if e["type"] == "technician_assigned")
    deadline = (await cases.get(case_id))["sla"]["targets"]["diagnosis_started"]["deadline"]
    assert view["stage"] == "DIAGNOSIS" and view["technician_name"] == name
    assert (view["visit_from"], view["visit_by"]) == (assigned["at"], deadline)
    html = (await page_of(http, token)).text
    assert name in html and "Visit" in html and "between" in html

    await cases.diagnose(case_id, [(PUMP, 1)])
    view = (await http.get(f"/api/v1/track/{token}")).json()
    assert view["visit_by"] is None  # the technician came: the first-visit deadline is met


async def test_the_json_view_holds_only_what_the_customer_may_know(http, cases, settings, sessions):
    case_id = await at_quote(cases, "en")
    response = await http.get(f"/api/v1/track/{token_of(case_id, settings)}")
    assert response.status_code == 200, response.text
    view = response.json()
    assert set(view) == {
        "case_id",
        "stage",
        "status",
        "category",
        "product_model",
        "customer_name",
        "locale",
        "technician_name",
        "technician_phone",
        "visit_from",
        "visit_by",
        "quote",
        "warranty_until",
        "milestones",
    }
    assert (view["stage"], view["status"], view["category"], view["locale"]) == (
        "QUOTE_APPROVAL",
        "open",
        "washer",
        "en",
    )
    assert view["customer_name"] == "Ada Lovelace" and view["warranty_until"] is None
    assert view["quote"]["status"] == "pending" and view["quote"]["version"] == 1
    assert set(view["quote"]["lines"][0]) == {"description", "quantity", "unit_price", "amount"}
    types = [m["type"] for m in view["milestones"]]
    # the clocks pause while the customer decides: not theirs to see
    assert types == ["case_created", "triaged", "technician_assigned", "diagnosed"]
    assert set(types) <= CUSTOMER_EVENTS
    assert view["milestones"][1]["data"] == {"warranty": "out_of_warranty", "service_mode": "on_site"}
    assert set(view["milestones"][3]["data"]) == {"version", "total"}
    assert all(m["data"] == {} for m in (view["milestones"][0], view["milestones"][2]))


async def test_a_closed_case_shows_its_repaired_part_warranty(http, cases, settings, sessions):
    case_id = await at_callback(cases, "en")
    await cases.callback(case_id)
    token = token_of(case_id, settings)
    view = (await http.get(f"/api/v1/track/{token}")).json()
    handed_back = next(e for e in await cases.timeline(case_id) if e["type"] == "handover_accepted")["at"]
    expected = datetime.fromisoformat(handed_back).date() + timedelta(days=settings.repaired_part_warranty_days)
    assert (view["stage"], view["warranty_until"]) == ("CLOSED", expected.isoformat())
    assert [m["type"] for m in view["milestones"]][-3:] == ["handover_accepted", "callback_reached", "reviewed"]
    html = (await page_of(http, token)).text
    assert "Repaired parts are under warranty until" in html and "<form" not in html


# ---- the tokens it refuses


def expired(case_id, settings, monkeypatch) -> str:
    past = int(time.time()) - (settings.tracking_days + 1) * 24 * 3600
    with monkeypatch.context() as frozen:
        frozen.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: past)
        return tracking.issue(case_id, settings)


def tampered(case_id, settings, monkeypatch) -> str:
    token = tracking.issue(case_id, settings)
    _, stamp, signature = token.split(".")
    other = tracking.issue("RC-20260101-OTHER1", settings).split(".")[0]
    return ".".join((other, stamp, signature))


BAD_TOKENS = {
    "forged": lambda case_id, settings, _: "eyJjYXNlIjoiUkMtMSJ9.aw4eTA.forged-signature-0123456789",
    "tampered": tampered,
    "expired": expired,
    "another secret": lambda case_id, settings, _: tracking.issue(
        case_id, settings.model_copy(update={"tracking_secret": "another-secret"})
    ),
    "unknown case": lambda case_id, settings, _: tracking.issue("RC-20260101-NOSUCH", settings),
    "characters added": lambda case_id, settings, _: tracking.issue(case_id, settings) + "é",
}


@pytest.mark.parametrize("kind", BAD_TOKENS)
async def test_a_bad_token_is_the_not_found_page_in_both_languages(http, cases, settings, monkeypatch, kind):
    case_id = await at_quote(cases, "en")
    token = BAD_TOKENS[kind](case_id, settings, monkeypatch)
    response = await page_of(http, token)
    assert response.status_code == 404
    assert "Link not found" in response.text and "链接无效" in response.text and case_id not in response.text
    answer = await http.get(f"/api/v1/track/{token}")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    for form, fields in (("quote", {"decision": "approve", "quote_version": "1"}), ("survey", SURVEY)):
        response = await post_form(http, token, form, fields, settings)
        assert response.status_code == 404 and "链接无效" in response.text
    assert (await cases.get(case_id))["stage"] == "QUOTE_APPROVAL"


async def test_a_token_still_within_its_days_opens_the_page(http, cases, settings, monkeypatch):
    case_id = await at_quote(cases, "en")
    almost = int(time.time()) - (settings.tracking_days * 24 * 3600 - 60)
    with monkeypatch.context() as frozen:
        frozen.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: almost)
        token = tracking.issue(case_id, settings)
    assert (await page_of(http, token)).status_code == 200


@pytest.mark.parametrize("csrf", [None, "", "0" * 64, "é"])
async def test_a_form_without_its_csrf_token_is_forbidden_and_changes_nothing(http, cases, settings, csrf):
    case_id = await at_quote(cases, "en")
    token = token_of(case_id, settings)
    fields = {"decision": "approve", "quote_version": "1"} | ({} if csrf is None else {"csrf": csrf})
    response = await http.post(f"/track/{token}/quote", data=fields)
    assert response.status_code == 403
    assert "This form has expired" in response.text and f'href="/track/{token}"' in response.text
    assert (await cases.get(case_id))["stage"] == "QUOTE_APPROVAL"


async def test_the_csrf_token_of_another_case_is_forbidden(http, cases, settings):
    mine, theirs = await at_quote(cases, "en"), await at_quote(cases, "en")
    token = token_of(mine, settings)
    stolen = tracking.csrf_token(token_of(theirs, settings), settings)
    fields = {"decision": "approve", "quote_version": "1", "csrf": stolen}
    response = await post_form(http, token, "quote", fields, settings)
    assert response.status_code == 403
    assert (await cases.get(mine))["stage"] == "QUOTE_APPROVAL"


# ---- the quote


async def test_approving_on_the_page_moves_the_case_on_as_the_customer(http, cases, settings):
    case_id = await at_quote(cases, "en")
    token = token_of(case_id, settings)
    response = await post_form(http, token, "quote", {"decision": "approve", "quote_version": "1"}, settings)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/track/{token}?done=quote"
    case = await cases.get(case_id)
    assert case["stage"] == "REPAIR" and case["quote"]["status"] == "approved"
    assert case["quote"]["decided_by"] == "customer:tracking-page"
    approved = [e for e in await cases.timeline(case_id) if e["type"] == "quote_approved"]
    assert [e["actor"] for e in approved] == ["customer:tracking-page"]
    html = (await page_of(http, token, done="quote")).text
    assert "Thank you! We have your decision on the quote." in html and "Being repaired" in html
    assert 'name="decision"' not in html


async def test_declining_on_the_page_returns_the_device_unrepaired(http, cases, settings, sessions):
    case_id = await at_quote(cases, "zh-CN")
    token = token_of(case_id, settings)
    response = await post_form(http, token, "quote", {"decision": "decline", "quote_version": "1"}, settings)
    assert response.status_code == 303
    assert (await cases.get(case_id))["stage"] == "HANDOVER"
    async with sessions() as session:
        quote = await session.scalar(select(QuoteRow).where(QuoteRow.case_id == case_id))
    assert (quote.status, quote.decided_by) == ("declined", "customer:tracking-page")
    assert "谢谢！我们已收到您对报价的决定。" in (await page_of(http, token, done="quote")).text


async def test_a_decision_on_a_replaced_quote_is_a_conflict_showing_the_new_quote(http, cases, settings):
    case_id = await at_quote(cases, "en")
    await cases.diagnose(case_id, [(PUMP, 2)])  # version 2 replaces the quote on the customer's screen
    token = token_of(case_id, settings)
    response = await post_form(http, token, "quote", {"decision": "approve", "quote_version": "1"}, settings)
    assert response.status_code == 409
    assert "The quote has changed" in response.text and 'name="quote_version" value="2"' in response.text
    case = await cases.get(case_id)
    assert (case["stage"], case["quote"]["version"], case["quote"]["status"]) == ("QUOTE_APPROVAL", 2, "pending")


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"decision": "maybe", "quote_version": "1"}, "decision"),
        ({"quote_version": "1"}, "decision"),
        ({"decision": "approve", "quote_version": "one"}, "quote_version"),
        ({"decision": "approve"}, "quote_version"),
    ],
)
async def test_a_quote_form_with_a_bad_field_is_shown_again_naming_it(http, cases, settings, fields, field):
    case_id = await at_quote(cases, "en")
    token = token_of(case_id, settings)
    response = await post_form(http, token, "quote", fields, settings)
    assert response.status_code == 422
    assert f'href="#field-{field}"' in response.text and "Please check:" in response.text
    assert (await cases.get(case_id))["stage"] == "QUOTE_APPROVAL"


async def test_a_quote_form_after_the_case_moved_on_is_a_conflict_naming_the_stage(http, cases, settings):
    case_id = await at_quote(cases, "en")
    await cases.decide(case_id, True)  # the agent took the decision on the phone meanwhile
    token = token_of(case_id, settings)
    response = await post_form(http, token, "quote", {"decision": "decline", "quote_version": "1"}, settings)
    assert response.status_code == 409
    assert "Your repair is now at a new step: Being repaired." in response.text
    assert (await cases.get(case_id))["quote"]["status"] == "approved"


# ---- the survey


async def test_the_survey_on_the_page_closes_the_case_with_every_score(http, cases, settings, sessions):
    case_id = await at_callback(cases, "en")
    token = token_of(case_id, settings)
    html = (await page_of(http, token)).text
    assert f'action="/track/{token}/survey"' in html
    for name in ("csat", "nps", "ces", "attitude", "professionalism"):
        assert f'id="field-{name}"' in html
    assert html.count('name="nps"') == 11 and html.count('name="ces"') == 7
    assert 'maxlength="4000"' in html

    response = await post_form(http, token, "survey", SURVEY, settings)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/track/{token}?done=survey"
    case = await cases.get(case_id)
    assert (case["stage"], case["status"]) == ("CLOSED", "closed")
    assert {k: case["callback"][k] for k in ("csat", "nps", "ces", "attitude", "professionalism", "comments")} == {
        "csat": 4,
        "nps": 9,
        "ces": 6,
        "attitude": 5,
        "professionalism": 4,
        "comments": "Quick and tidy",
    }
    async with sessions() as session:
        rows = list(await session.scalars(select(CallbackRow).where(CallbackRow.case_id == case_id)))
        review = await session.get(ReviewRow, case_id)
    assert [(r.outcome, r.actor, r.csat, r.nps, r.ces, r.attitude, r.professionalism) for r in rows] == [
        ("reached", "customer:tracking-page", 4, 9, 6, 5, 4)
    ]
    assert review is not None and (review.csat, review.nps) == (4, 9)
    html = (await page_of(http, token, done="survey")).text
    assert "Thank you for your feedback!" in html and "Closed" in html and "<form" not in html


async def test_the_survey_needs_only_csat_and_nps(http, cases, settings, sessions):
    case_id = await at_callback(cases, "zh-CN")
    response = await post_form(http, token_of(case_id, settings), "survey", {"csat": "5", "nps": "10"}, settings)
    assert response.status_code == 303
    async with sessions() as session:
        row = await session.scalar(select(CallbackRow).where(CallbackRow.case_id == case_id))
    scores = (row.csat, row.nps, row.ces, row.attitude, row.professionalism, row.comments)
    assert scores == (5, 10, None, None, None, None)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"csat": "9"}, "csat", "Overall, how satisfied are you with our service?: choose a number from 1 to 5"),
        ({"csat": "five"}, "csat", "choose a number from 1 to 5"),
        ({"nps": None}, "nps", "How likely are you to recommend us to a friend?: choose a number from 0 to 10"),
        ({"ces": "0"}, "ces", "choose a number from 1 to 7"),
        ({"professionalism": "-1"}, "professionalism", "choose a number from 1 to 5"),
        ({"comment": "x" * 4001}, "comment", "at most 4000 characters"),
        ({"comment": "a\x00b"}, "comment", "NUL"),
    ],
)
async def test_a_survey_with_a_bad_answer_is_shown_again_naming_it(
    http, cases, settings, sessions, changes, field, message
):
    case_id = await at_callback(cases, "en")
    token = token_of(case_id, settings)
    fields = {k: v for k, v in (SURVEY | changes).items() if v is not None}
    response = await post_form(http, token, "survey", fields, settings)
    assert response.status_code == 422
    html = response.text
    assert f'href="#field-{field}"' in html and message in html
    assert re.search(r'name="attitude" value="5" checked', html)  # the answers given are kept
    assert (await cases.get(case_id))["stage"] == "CALLBACK"
    async with sessions() as session:
        assert list(await session.scalars(select(CallbackRow).where(CallbackRow.case_id == case_id))) == []


async def test_a_survey_error_is_in_the_customers_language(http, cases, settings):
    case_id = await at_callback(cases, "zh-CN")
    response = await post_form(http, token_of(case_id, settings), "survey", SURVEY | {"csat": "9"}, settings)
    assert response.status_code == 422
    assert "总体而言，您对本次服务满意吗？：请选择 1 到 5 之间的数字" in response.text


async def test_a_survey_before_the_callback_is_a_conflict_naming_the_stage(http, cases, settings, sessions):
    case_id = await at_quote(cases, "en")
    response = await post_form(http, token_of(case_id, settings), "survey", SURVEY, settings)
    assert response.status_code == 409
    assert "Your repair is now at a new step: Waiting for your decision on the quote." in response.text
    async with sessions() as session:
        assert list(await session.scalars(select(CallbackRow).where(CallbackRow.case_id == case_id))) == []


async def test_a_second_survey_after_the_case_closed_is_a_conflict(http, cases, settings):
    case_id = await at_callback(cases, "en")
    token = token_of(case_id, settings)
    assert (await post_form(http, token, "survey", SURVEY, settings)).status_code == 303
    response = await post_form(http, token, "survey", SURVEY, settings)
    assert response.status_code == 409 and "Your repair is now at a new step: Closed." in response.text


# ---- the agent's callback takes the same survey


async def test_the_agents_callback_takes_the_tracking_pages_survey_fields(cases, sessions):
    case_id = await at_callback(cases, "en")
    body = {"reached": True, "csat": 3, "nps": 6, "ces": 2, "attitude": 4, "professionalism": 5, "comment": "late"}
    case = await cases.act(case_id, "callback", body)
    assert case["stage"] == "CLOSED"
    assert {k: case["callback"][k] for k in ("ces", "attitude", "professionalism", "comments")} == {
        "ces": 2,
        "attitude": 4,
        "professionalism": 5,
        "comments": "late",
    }
    async with sessions() as session:
        row = await session.scalar(select(CallbackRow).where(CallbackRow.case_id == case_id))
    assert (row.actor, row.ces, row.attitude, row.professionalism, row.comments) == ("agent:dev-agent", 2, 4, 5, "late")


@pytest.mark.parametrize("field, value", [("ces", 8), ("attitude", 0), ("professionalism", "5")])
async def test_the_agents_callback_refuses_a_score_out_of_its_scale(cases, field, value):
    case_id = await at_callback(cases, "en")
    body = {"reached": True, "csat": 3, "nps": 6, field: value}
    answer = await cases.act(case_id, "callback", body, status=422)
    assert [f["field"] for f in answer["error"]["fields"]] == [field]
