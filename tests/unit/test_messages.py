"""Message templates: one Jinja file per template and locale, each with a subject, a body
and an SMS short form."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import jinja2
import pytest

import messages
from messages import ENV, LOCALES, render
from models.messages import CUSTOMER_TEMPLATES, MessageContext, QuoteLineText, QuoteText, Template

ROOT = Path(messages.__file__).parent
URL = "https://repair.example.com/track/eyJjYXNlIjoiUkMtMjAyNjEyMzEtN0tRMk1YIn0.aBcDeF.0123456789abcdef"
STAFF_TEMPLATES = sorted(set(Template) - CUSTOMER_TEMPLATES)
SMS_LIMIT = {"zh-CN": 70, "en": 160}
TRACK = {"zh-CN": "查看进度：", "en": "Track your case: "}
SENDER = {"zh-CN": "【RepairFlow】", "en": "RepairFlow: "}

# what the workflow passes beside each template
PARAMS = {
    Template.ACCEPTED: {"name": "欧阳建国"},
    Template.TECHNICIAN_ASSIGNED: {"technician_id": "T-042"},
    Template.QUOTE_READY: {"total": "12800.00", "currency": "CNY", "version": 2},
    Template.CLOSED: {"outcome": "closed"},
    Template.SLA_WARN: {"target": "diagnosis_started", "deadline": "2026-12-31T15:00:00+00:00"},
    Template.SLA_BREACH: {"target": "diagnosis_started", "deadline": "2026-12-31T15:00:00+00:00"},
    Template.SLA_RAISE: {"target": "diagnosis_started", "deadline": "2026-12-31T15:00:00+00:00"},
    Template.QC_REWORK_LIMIT: {"qc_failures": 3},
    Template.FOLLOW_UP: {"csat": 2, "nps": 0, "comments": "上门太晚\n态度一般"},
    Template.COMPLAINT_ESCALATED: {
        "complaint_id": "CP-20261231-7KQ2MX",
        "rung": "breach",
        "clock": "callback",
        "deadline": "2026-12-31T15:00:00+00:00",
        "severity": "critical",
        "owner": "S-LINA",
    },
    Template.REVIEW_READY: {
        "review_id": "weekly-2026-W53",
        "kind": "weekly",
        "period": "2026-12-28 – 2027-01-03",
        "score": "7/9",
        "missed": ["first-time fix rate", "CSAT"],
    },
}
# a review is about no case: its own id is what its message names
NOT_ABOUT_A_CASE = {Template.REVIEW_READY}


def quote(in_warranty: bool = False, expires_at: datetime | None = None) -> QuoteText:
    return QuoteText(
        version=2,
        lines=[
            QuoteLineText(
                description="压缩机", quantity=Decimal("1"), unit_price=Decimal("12680"), amount=Decimal("12680")
            ),
            QuoteLineText(
                description="工时", quantity=Decimal("1.50"), unit_price=Decimal("80"), amount=Decimal("120")
            ),
        ],
        total=Decimal("12800.00"),
        currency="CNY",
        in_warranty=in_warranty,
        expires_at=expires_at,
    )


def full(template: Template, **changes) -> MessageContext:
    """Every field set, with long but real values: the longest category, a four-character
    name, two-digit months and days."""
    values = dict(
        case_id="RC-20261231-7KQ2MX",
        category="laptop",
        product_model="ThinkPad X1 Carbon Gen 12",
        recipient_name="欧阳建国",
        customer_name="欧阳建国",
        priority="P2",
        tracking_url=URL,
        technician_name="司马光明",
        technician_phone="13800138000",
        visit_from=datetime(2026, 12, 31, 6, tzinfo=UTC),
        visit_by=datetime(2026, 12, 31, 15, tzinfo=UTC),
        quote=quote(in_warranty=True, expires_at=datetime(2026, 12, 30, 10, tzinfo=UTC)),
        warranty_until=date(2027, 12, 31),
        outcome="closed",
        timezone="Asia/Shanghai",
        params=PARAMS.get(template, {}),
    )
    return MessageContext(**(values | changes))


def minimal() -> MessageContext:
    return MessageContext(case_id="RC-20261231-7KQ2MX", category="washer")


def each(templates=tuple(Template)):
    return pytest.mark.parametrize("template", sorted(templates))


by_locale = pytest.mark.parametrize("locale", LOCALES)


def test_there_is_a_file_for_every_template_in_each_locale_and_no_other():
    for locale in LOCALES:
        assert {p.stem for p in (ROOT / locale).iterdir()} == {t.value for t in Template}
        assert all(p.suffix == ".j2" for p in (ROOT / locale).iterdir())
    assert {p.name for p in (ROOT / "_shared").iterdir()} == {f"{locale}.j2" for locale in LOCALES}


def test_every_template_file_is_packaged():
    # pyproject's package-data for messages is "*/*.j2": one folder deep, no more, no less
    files = [p.relative_to(ROOT) for p in ROOT.rglob("*.j2")]
    assert len(files) == 2 * len(Template) + len(LOCALES)
    assert all(len(p.parts) == 2 for p in files)


def looks_clean(text: str) -> bool:
    """No absent value printed, no stray indentation or blank runs from the template's tags."""
    lines = text.splitlines()
    return "None" not in text and "\n\n\n" not in text and all(line == line.strip() for line in lines)


@by_locale
@each()
def test_renders_with_every_field(template, locale):
    rendered = render(template, locale, full(template))
    about = "weekly-2026-W53" if template in NOT_ABOUT_A_CASE else "RC-20261231-7KQ2MX"
    assert about in rendered.subject
    assert "\n" not in rendered.subject and "\n" not in rendered.short
    assert about in rendered.body and about in rendered.short
    assert looks_clean(rendered.subject) and looks_clean(rendered.body) and looks_clean(rendered.short)


@by_locale
@each()
def test_renders_with_only_the_case_and_category(template, locale):
    rendered = render(template, locale, minimal())
    if template not in NOT_ABOUT_A_CASE:
        assert "RC-20261231-7KQ2MX" in rendered.subject
        assert "RC-20261231-7KQ2MX" in rendered.body and "RC-20261231-7KQ2MX" in rendered.short
    assert "\n" not in rendered.subject and "\n" not in rendered.short
    assert looks_clean(rendered.subject) and looks_clean(rendered.body) and looks_clean(rendered.short)
    # no link, so no sentence that announces one
    assert TRACK[locale] not in rendered.body + rendered.short


@by_locale
@each(CUSTOMER_TEMPLATES)
def test_customer_messages_end_with_their_tracking_link(template, locale):
    rendered = render(template, locale, full(template))
    assert rendered.body.endswith(f"\n\n{TRACK[locale]}{URL}")
    assert rendered.short.startswith(SENDER[locale])
    assert rendered.short.endswith(f"{TRACK[locale]}{URL}")
    # and they greet the customer by name
    assert rendered.body.startswith(("欧阳建国，您好！\n", "Hello 欧阳建国,\n"))


@by_locale
@each(STAFF_TEMPLATES)
def test_staff_messages_carry_neither_the_customer_nor_their_link(template, locale):
    rendered = render(template, locale, full(template))
    text = rendered.subject + rendered.body + rendered.short
    # the link is the customer's key to the case: whoever holds it can answer the quote
    assert URL not in text and TRACK[locale] not in text
    assert "欧阳建国" not in text
    if template not in NOT_ABOUT_A_CASE:
        assert "P2" in rendered.body


@by_locale
@each()
def test_the_sms_fits_one_message_without_the_link(template, locale):
    short = render(template, locale, full(template, tracking_url=None)).short
    assert len(short) <= SMS_LIMIT[locale], short
    assert "\n" not in short
    assert ("weekly-2026-W53" if template in NOT_ABOUT_A_CASE else "RC-20261231-7KQ2MX") in short


@by_locale
def test_the_sms_is_one_line_whatever_the_data_holds(locale):
    context = full(Template.TECHNICIAN_ASSIGNED, technician_name="司马\n光明")
    rendered = render(Template.TECHNICIAN_ASSIGNED, locale, context)
    assert "司马 光明" in rendered.short and "\n" not in rendered.short


@pytest.mark.parametrize(
    "locale, lines",
    [
        (
            "zh-CN",
            [
                "您的笔记本电脑（ThinkPad X1 Carbon Gen 12）维修报价已出（第2版），服务单号 RC-20261231-7KQ2MX。",
                "- 压缩机 × 1，单价 12680.00 元，小计 12680.00 元",
                "- 工时 × 1.5，单价 80.00 元，小计 120.00 元",
                "合计：12800.00 元",
                "请于 12月30日 18:00 前确认，逾期报价失效。",
                "您可在进度页同意或拒绝本次维修。",
            ],
        ),
        (
            "en",
            [
                "The repair quote for your laptop (ThinkPad X1 Carbon Gen 12) is ready (version 2),"
                " case RC-20261231-7KQ2MX.",
                "- 压缩机 × 1 at CNY 12680.00 = CNY 12680.00",
                "- 工时 × 1.5 at CNY 80.00 = CNY 120.00",
                "Total: CNY 12800.00",
                "Please answer by 30 Dec 18:00; the quote expires after that.",
                "You can approve or decline the repair on your tracking page.",
            ],
        ),
    ],
)
def test_the_quote_is_itemized(locale, lines):
    context = full(Template.QUOTE_READY, quote=quote(expires_at=datetime(2026, 12, 30, 10, tzinfo=UTC)))
    rendered = render(Template.QUOTE_READY, locale, context)
    assert rendered.body.splitlines()[1:7] == lines
    assert "免费" not in rendered.body and "free of charge" not in rendered.body
    assert ("12800.00 元" if locale == "zh-CN" else "CNY 12800.00") in rendered.short


@pytest.mark.parametrize(
    "locale, note, short",
    [
        ("zh-CN", "本次维修在保修范围内，您无需付费。", "（保修内免费）"),
        ("en", "This repair is under warranty: free of charge.", "(free under warranty)"),
    ],
)
def test_a_quote_in_warranty_says_it_is_free(locale, note, short):
    rendered = render(Template.QUOTE_READY, locale, full(Template.QUOTE_READY, quote=quote(in_warranty=True)))
    assert note in rendered.body.splitlines()
    assert short in rendered.short


@pytest.mark.parametrize(
    "locale, lines",
    [
        (
            "zh-CN",
            ["您的洗衣机维修报价已出（第3版），服务单号 RC-20261231-7KQ2MX。", "合计：446.00 元", "请确认是否维修。"],
        ),
        (
            "en",
            [
                "The repair quote for your washer is ready (version 3), case RC-20261231-7KQ2MX.",
                "Total: CNY 446.00",
                "Please tell us whether to go ahead with the repair.",
            ],
        ),
    ],
)
def test_a_quote_without_its_lines_gives_the_workflows_total(locale, lines):
    context = minimal().model_copy(update={"params": {"total": "446", "currency": "CNY", "version": 3}})
    assert render(Template.QUOTE_READY, locale, context).body.splitlines() == lines


@pytest.mark.parametrize(
    "locale, start, end, expected",
    [
        ("zh-CN", None, datetime(2026, 12, 3, 1, tzinfo=UTC), "工程师预计 12月3日 09:00 前上门，请保持电话畅通。"),
        (
            "en",
            None,
            datetime(2026, 12, 3, 1, tzinfo=UTC),
            "The technician will visit by 3 Dec 09:00; please keep your phone at hand.",
        ),
        (
            "zh-CN",
            datetime(2026, 12, 2, 23, tzinfo=UTC),
            datetime(2026, 12, 3, 1, tzinfo=UTC),
            "工程师预计 12月3日 07:00–09:00 上门，请保持电话畅通。",
        ),
        (
            "en",
            datetime(2026, 12, 2, 23, tzinfo=UTC),
            datetime(2026, 12, 3, 1, tzinfo=UTC),
            "The technician will visit between 3 Dec 07:00 and 09:00; please keep your phone at hand.",
        ),
        (
            "zh-CN",
            datetime(2026, 12, 2, 12, tzinfo=UTC),
            datetime(2026, 12, 3, 1, tzinfo=UTC),
            "工程师预计 12月2日 20:00–12月3日 09:00 上门，请保持电话畅通。",
        ),
        ("zh-CN", datetime(2026, 12, 2, 12, tzinfo=UTC), None, "工程师预计 12月2日 20:00 起上门，请保持电话畅通。"),
        (
            "en",
            datetime(2026, 12, 2, 12, tzinfo=UTC),
            None,
            "The technician will visit from 2 Dec 20:00; please keep your phone at hand.",
        ),
    ],
)
def test_the_technician_and_the_visit_window(locale, start, end, expected):
    context = full(Template.TECHNICIAN_ASSIGNED, visit_from=start, visit_by=end)
    rendered = render(Template.TECHNICIAN_ASSIGNED, locale, context)
    assert expected in rendered.body.splitlines()
    assert "司马光明" in rendered.body and "13800138000" in rendered.body
    if end is not None:  # the SMS has room for the deadline only
        assert ("12月3日 09:00前上门" if locale == "zh-CN" else "will visit by 3 Dec 09:00") in rendered.short


@pytest.mark.parametrize(
    "locale, expected",
    [
        ("zh-CN", "您的服务单 RC-20261231-7KQ2MX 已派工，工程师T-042将为您服务。"),
        ("en", "Technician T-042 will look after case RC-20261231-7KQ2MX."),
    ],
)
def test_without_a_name_the_technician_is_their_id(locale, expected):
    context = minimal().model_copy(update={"params": {"technician_id": "T-042"}})
    rendered = render(Template.TECHNICIAN_ASSIGNED, locale, context)
    assert rendered.body == expected
    assert "T-042" in rendered.short


@pytest.mark.parametrize(
    "zone, zh, en",
    [
        ("Asia/Shanghai", "12月3日 09:00", "3 Dec 09:00"),
        ("Europe/London", "12月3日 01:00", "3 Dec 01:00"),
        ("America/New_York", "12月2日 20:00", "2 Dec 20:00"),
    ],
)
def test_times_are_shown_in_the_cases_time_zone(zone, zh, en):
    deadline = {"target": "assigned", "deadline": "2026-12-03T01:00:00Z"}
    for locale, shown in (("zh-CN", zh), ("en", en)):
        warn = full(Template.SLA_WARN, timezone=zone, params=deadline)
        assert shown in render(Template.SLA_WARN, locale, warn).body
        visit = full(
            Template.TECHNICIAN_ASSIGNED, timezone=zone, visit_from=None, visit_by=datetime(2026, 12, 3, 1, tzinfo=UTC)
        )
        assert shown in render(Template.TECHNICIAN_ASSIGNED, locale, visit).body


@pytest.mark.parametrize("template", [Template.READY_FOR_HANDOVER, Template.CLOSED])
@pytest.mark.parametrize(
    "locale, sentence, short",
    [
        ("zh-CN", "维修部件保修至 2027年3月1日。", "部件保修至2027年3月1日。"),
        ("en", "The repaired parts are under warranty until 1 Mar 2027.", "Parts under warranty until 1 Mar 2027."),
    ],
)
def test_the_repaired_parts_warranty_is_given_at_handover_and_close(template, locale, sentence, short):
    rendered = render(template, locale, full(template, warranty_until=date(2027, 3, 1)))
    assert sentence in rendered.body.splitlines()
    assert short in rendered.short
    assert "保修" not in render(template, locale, full(template, warranty_until=None)).body
    assert "warranty" not in render(template, locale, full(template, warranty_until=None)).body


@by_locale
def test_a_device_returned_unrepaired_has_no_parts_warranty(locale):
    rendered = render(Template.RETURNED_UNREPAIRED, locale, full(Template.RETURNED_UNREPAIRED))
    assert "2027" not in rendered.body + rendered.short


@pytest.mark.parametrize(
    "locale, rate",
    [
        ("zh-CN", "请在进度页为本次服务评分，您的意见将帮助我们改进。"),
        ("en", "Please rate our service on your tracking page; your feedback helps us improve."),
    ],
)
def test_the_survey_invites_a_rating_on_the_tracking_page(locale, rate):
    assert rate in render(Template.CALLBACK_SURVEY, locale, full(Template.CALLBACK_SURVEY)).body.splitlines()


@pytest.mark.parametrize(
    "locale, outcome, expected",
    [
        ("zh-CN", "closed", "您的服务单 RC-20261231-7KQ2MX 已完成，感谢您的信任。"),
        ("zh-CN", "cancelled", "您的服务单 RC-20261231-7KQ2MX 已取消，感谢您的信任。"),
        ("en", "closed", "Your case RC-20261231-7KQ2MX is completed. Thank you for your trust."),
        ("en", "cancelled", "Your case RC-20261231-7KQ2MX is cancelled. Thank you for your trust."),
    ],
)
def test_closed_says_how_the_case_ended(locale, outcome, expected):
    # from the context or, as the workflow passes it, from the params
    for context in (
        full(Template.CLOSED, outcome=outcome),
        full(Template.CLOSED, outcome=None, params={"outcome": outcome}),
    ):
        assert expected in render(Template.CLOSED, locale, context).body.splitlines()


@pytest.mark.parametrize(
    "template, locale, subject, body",
    [
        (
            Template.SLA_WARN,
            "zh-CN",
            "时限预警 RC-20261231-7KQ2MX",
            "服务单 RC-20261231-7KQ2MX（P2）的「开始检测」时限已用去 75%，截止 12月31日 23:00。",
        ),
        (
            Template.SLA_WARN,
            "en",
            "SLA at risk RC-20261231-7KQ2MX",
            "Case RC-20261231-7KQ2MX (P2) has used 75% of its time for start of diagnosis; due 31 Dec 23:00.",
        ),
        (
            Template.SLA_BREACH,
            "zh-CN",
            "时限超时 RC-20261231-7KQ2MX",
            "服务单 RC-20261231-7KQ2MX（P2）已超过「开始检测」时限（截止 12月31日 23:00）。",
        ),
        (
            Template.SLA_BREACH,
            "en",
            "SLA breached RC-20261231-7KQ2MX",
            "Case RC-20261231-7KQ2MX (P2) missed its deadline for start of diagnosis, due 31 Dec 23:00.",
        ),
        (
            Template.SLA_RAISE,
            "zh-CN",
            "服务单升级至 P2 RC-20261231-7KQ2MX",
            "服务单 RC-20261231-7KQ2MX 的「开始检测」时限已用去 150%（截止 12月31日 23:00），优先级已升至 P2。",
        ),
        (
            Template.SLA_RAISE,
            "en",
            "Case escalated to P2 RC-20261231-7KQ2MX",
            "Case RC-20261231-7KQ2MX is at 150% of its time for start of diagnosis (due 31 Dec 23:00);"
            " its priority is now P2.",
        ),
        (
            Template.QC_REWORK_LIMIT,
            "zh-CN",
            "质检 3 次未通过 RC-20261231-7KQ2MX",
            "服务单 RC-20261231-7KQ2MX（P2）已 3 次质检未通过，需要主管介入。",
        ),
        (
            Template.QC_REWORK_LIMIT,
            "en",
            "QC failed 3 times RC-20261231-7KQ2MX",
            "Case RC-20261231-7KQ2MX (P2) failed quality control 3 times; supervisor attention needed.",
        ),
    ],
)
def test_staff_alerts(template, locale, subject, body):
    rendered = render(template, locale, full(template))
    assert rendered.subject == subject
    assert rendered.body.splitlines()[0] == body


@pytest.mark.parametrize(
    "target, zh, en",
    [("assigned", "「派工」", "technician assignment"), ("resolved", "「解决」", "resolution")],
)
def test_sla_targets_are_named_in_words(target, zh, en):
    context = full(Template.SLA_BREACH, params={"target": target, "deadline": "2026-12-03T01:00:00+00:00"})
    assert zh in render(Template.SLA_BREACH, "zh-CN", context).body
    assert en in render(Template.SLA_BREACH, "en", context).body


@pytest.mark.parametrize(
    "locale, lines, short",
    [
        (
            "zh-CN",
            ["满意度：2/5", "NPS：0/10", "客户意见：上门太晚", "态度一般"],
            "回访待跟进 RC-20261231-7KQ2MX，满意度 2/5，NPS 0/10。",
        ),
        (
            "en",
            ["CSAT: 2/5", "NPS: 0/10", "Comments: 上门太晚", "态度一般"],
            "Follow-up needed RC-20261231-7KQ2MX: CSAT 2/5, NPS 0/10.",
        ),
    ],
)
def test_follow_up_gives_the_scores_and_comments(locale, lines, short):
    rendered = render(Template.FOLLOW_UP, locale, full(Template.FOLLOW_UP))
    # a zero is a score, not an absent one
    assert rendered.body.splitlines()[1:5] == lines
    assert rendered.short == short


@pytest.mark.parametrize("locale", ["fr", "de-DE", "", "EN", "zh"])
def test_an_unknown_locale_falls_back_to_zh_cn(locale):
    context = full(Template.CLOSED)
    assert render(Template.CLOSED, locale, context) == render(Template.CLOSED, "zh-CN", context)
    assert render(Template.CLOSED, locale, context).subject == "服务单已关闭 RC-20261231-7KQ2MX"


@pytest.mark.parametrize(
    "source",
    ["{{ no_such_name }}", "{% if no_such_name %}x{% endif %}", "{{ quote.totl }}", "{{ params.total }}"],
)
def test_a_misspelt_name_in_a_template_is_an_error(source):
    context = dict(full(Template.QUOTE_READY, params={}))
    with pytest.raises(jinja2.UndefinedError):
        ENV.from_string(source).render(context)


def test_the_shared_parts_raise_on_a_misspelt_name_too():
    source = '{% import "_shared/en.j2" as m %}{{ m.no_such_macro() }}'
    with pytest.raises(jinja2.UndefinedError):
        ENV.from_string(source).render()


def test_the_rendered_message_is_immutable():
    rendered = render(Template.ACCEPTED, "en", minimal())
    with pytest.raises(AttributeError):
        rendered.body = "changed"


@pytest.mark.parametrize(
    "locale, subject, body",
    [
        (
            "en",
            "Complaint CP-20261231-7KQ2MX breach (case RC-20261231-7KQ2MX)",
            "Complaint CP-20261231-7KQ2MX (critical) is overdue for the callback, due 31 Dec 23:00.",
        ),
        (
            "zh-CN",
            "投诉升级 CP-20261231-7KQ2MX（工单 RC-20261231-7KQ2MX）",
            "投诉 CP-20261231-7KQ2MX（紧急）已超过回电时限（截止 12月31日 23:00）。",
        ),
    ],
)
def test_a_complaint_escalation_names_the_complaint_its_clock_and_owner(locale, subject, body):
    rendered = render(Template.COMPLAINT_ESCALATED, locale, full(Template.COMPLAINT_ESCALATED))
    assert rendered.subject == subject
    assert rendered.body.splitlines()[0] == body
    assert "S-LINA" in rendered.body


@by_locale
def test_a_review_lists_the_targets_it_missed(locale):
    rendered = render(Template.REVIEW_READY, locale, full(Template.REVIEW_READY))
    assert "weekly-2026-W53" in rendered.subject
    assert "first-time fix rate" in rendered.body and "CSAT" in rendered.body
    assert "7/9" in rendered.short
