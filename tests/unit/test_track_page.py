"""The tracking page's words, forms and HTML, without servers: every stage and milestone has
words in both languages, the forms read into the agent's bodies or name the field at fault,
and whatever a case holds is escaped."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

import tracking
from activities.case_facts import CaseFacts, Milestone
from api.track_forms import SCORES, QuoteForm, SurveyForm, quote_decision, survey
from api.track_page import Visit, page, problem
from api.track_texts import CATEGORIES, EVENTS, LOCALES, QUOTE_STATUS, STAGES, SURVEY, WORDS
from models.domain import Callback, Category, QuoteDecision
from models.events import CUSTOMER_EVENTS, EventType
from models.messages import QuoteLineText, QuoteText
from models.stages import Stage
from settings import Settings

SETTINGS = Settings()
AT = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
VISIT = Visit("tok", SETTINGS)


def facts(**changes) -> CaseFacts:
    quote = QuoteText(
        version=2,
        lines=[
            QuoteLineText(
                description="Drain pump", quantity=Decimal("1"), unit_price=Decimal("1200"), amount=Decimal("1200")
            )
        ],
        total=Decimal("1200"),
        currency="CNY",
        in_warranty=False,
    )
    base = CaseFacts(
        case_id="RC-20261201-7KQ2MX",
        stage=Stage.QUOTE_APPROVAL,
        status="open",
        category=Category.WASHER,
        product_model="XQG100",
        customer_name="Ada",
        locale="en",
        technician_name="Li Wei",
        quote=quote,
        quote_status="pending",
        milestones=[Milestone(type=EventType.CASE_CREATED, at=AT)],
    )
    return base.model_copy(update=changes)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_stage_milestone_category_and_quote_status_has_words(locale):
    assert set(STAGES[locale]) == set(Stage)
    assert set(EVENTS[locale]) == CUSTOMER_EVENTS
    assert set(CATEGORIES[locale]) == set(Category)
    assert set(QUOTE_STATUS[locale]) == {"pending", "approved", "auto_approved", "declined", "expired", "superseded"}


def test_both_languages_have_the_same_words():
    assert set(WORDS["zh-CN"]) == set(WORDS["en"])
    assert set(SURVEY["zh-CN"]) == set(SURVEY["en"])


def test_the_survey_asks_every_score_of_the_callback():
    scores = {name for name in Callback.model_fields if name not in ("reached", "comments")}
    assert set(SCORES) == scores
    assert SCORES == {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7), "attitude": (1, 5), "professionalism": (1, 5)}


def test_no_customer_event_is_about_clocks_or_escalations():
    assert not {e for e in CUSTOMER_EVENTS if e.value.startswith(("sla_", "qc_rework", "follow_up"))}


@pytest.mark.parametrize(
    "form, expected",
    [
        (QuoteForm(decision="approve", quote_version="2"), QuoteDecision(approved=True, quote_version=2)),
        (QuoteForm(decision="decline", quote_version=" 3 "), QuoteDecision(approved=False, quote_version=3)),
        (QuoteForm(decision="yes", quote_version="2"), ["decision"]),
        (QuoteForm(decision="approve", quote_version="0"), ["quote_version"]),
        (QuoteForm(decision="approve", quote_version="²"), ["quote_version"]),
        (QuoteForm(), ["decision", "quote_version"]),
    ],
)
def test_a_quote_form_reads_as_a_decision_or_names_its_faults(form, expected):
    body = quote_decision(form, "en")
    assert (body == expected) if isinstance(body, QuoteDecision) else ([f for f, _ in body] == expected)


def test_a_survey_reads_as_a_reached_callback():
    body = survey(SurveyForm(csat="5", nps=" 0 ", ces="7", comment=" fine "), "en")
    assert body == Callback(reached=True, csat=5, nps=0, ces=7, comments="fine")


def test_a_survey_names_each_fault_once_in_the_order_of_the_form():
    problems = survey(SurveyForm(comment="x" * 4001, ces="eight", csat="6"), "en")
    assert isinstance(problems, list)
    assert [field for field, _ in problems] == ["csat", "nps", "ces", "comment"]
    assert problems[1][1] == "How likely are you to recommend us to a friend?: choose a number from 0 to 10"
    assert problems[3][1] == "Anything else you would like to tell us?: at most 4000 characters"


def test_whatever_a_case_holds_is_escaped():
    html = page(
        facts(customer_name="<b>x</b>", product_model='<script>alert("x")</script>', technician_name="<i>Li</i>"),
        VISIT,
    ).body.decode()
    assert "<script" not in html and "&lt;script&gt;" in html and "<i>Li" not in html


def test_the_quote_form_carries_its_version_and_the_csrf_token():
    html = page(facts(), VISIT).body.decode()
    assert 'name="quote_version" value="2"' in html
    assert f'name="csrf" value="{tracking.csrf_token("tok", SETTINGS)}"' in html
    assert "CNY 1,200.00" in html and "1 Dec 2026, 10:30" in html  # Beijing time


def test_the_forms_post_below_the_path_prefix_the_api_is_served_under():
    html = page(facts(), Visit("tok", SETTINGS, root="/service")).body.decode()
    assert 'action="/service/track/tok/quote"' in html


def test_a_settled_quote_has_no_form():
    html = page(facts(stage=Stage.REPAIR, quote_status="approved"), VISIT).body.decode()
    assert "<form" not in html and "Approved" in html


def test_the_survey_is_only_on_the_page_at_the_callback():
    assert 'name="csat"' not in page(facts(), VISIT).body.decode()
    html = page(facts(stage=Stage.CALLBACK, warranty_until=date(2027, 3, 1)), VISIT).body.decode()
    assert 'name="csat"' in html and "1 Mar 2027" in html


def test_the_chinese_page_writes_dates_the_chinese_way():
    html = page(facts(locale="zh-CN", warranty_until=date(2027, 3, 1)), VISIT).body.decode()
    assert "2026年12月1日 10:30" in html and "2027年3月1日" in html and "洗衣机 XQG100" in html


def test_the_not_found_page_speaks_both_languages_and_no_case():
    response = problem("not_found", 404)
    html = response.body.decode()
    assert response.status_code == 404 and 'lang="zh-CN"' in html and 'lang="en"' in html
    assert "链接无效" in html and "Link not found" in html


def test_a_quote_the_warranty_covers_says_so():
    covered = facts().quote.model_copy(update={"in_warranty": True, "total": Decimal("0")})
    html = page(facts(stage=Stage.REPAIR, quote=covered, quote_status="auto_approved"), VISIT).body.decode()
    assert "Covered by your warranty: you pay nothing." in html and "Covered, no decision needed" in html
