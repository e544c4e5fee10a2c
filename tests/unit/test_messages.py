"""Notification templates."""

import string

import pytest

from models.messages import STAFF_TEMPLATES, TEMPLATES, render

# what RepairCaseWorkflow._notify passes: the common params plus each template's own
COMMON = {"case_id": "RC-20250601-0001", "category": "washer", "priority": "P3", "locale": "zh-CN"}
SPECIFIC = {
    "accepted": {"name": "李雷"},
    "technician_assigned": {"technician_id": "T-42"},
    "quote_ready": {"total": "446.00", "currency": "CNY", "version": 2},
    "repair_started": {},
    "ready_for_handover": {},
    "returned_unrepaired": {},
    "callback_survey": {},
    "closed": {"outcome": "closed"},
}
STAFF_PARAMS = {
    "sla_warn": {"target": "assigned", "deadline": "2025-06-01T08:15:00+00:00"},
    "sla_breach": {"target": "assigned", "deadline": "2025-06-01T08:15:00+00:00"},
    "sla_raise": {"target": "resolved", "deadline": "2025-06-02T08:00:00+00:00"},
    "qc_rework_limit": {"qc_failures": 3},
    "follow_up": {"csat": 2, "nps": 0, "comments": "too slow"},
}


def fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_locales_have_the_same_templates():
    assert set(TEMPLATES) == {"zh-CN", "en"}
    assert set(TEMPLATES["zh-CN"]) == set(TEMPLATES["en"]) == set(SPECIFIC)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("template", sorted(SPECIFIC))
def test_customer_templates_render(template, locale):
    params = COMMON | {"locale": locale} | SPECIFIC[template]
    subject, body = render(template, locale, params)
    expected_subject, expected_body = TEMPLATES[locale][template]
    # every placeholder is one the workflow supplies
    assert fields(expected_subject) | fields(expected_body) <= set(params)
    assert subject == expected_subject.format(**params)
    assert body == expected_body.format(**params)
    assert "{" not in subject + body and "}" not in subject + body
    assert COMMON["case_id"] in subject
    for value in SPECIFIC[template].values():
        if value != "closed":
            assert str(value) in body


@pytest.mark.parametrize(
    "locale,subject,body",
    [
        ("zh-CN", "维修报价 RC-1", "您的维修报价为 446.00 CNY（第2版），请确认是否维修。"),
        ("en", "Repair quote RC-1", "Your repair quote (v2) is 446.00 CNY. Please approve or decline."),
    ],
)
def test_quote_ready_literal(locale, subject, body):
    params = {"case_id": "RC-1", "total": "446.00", "currency": "CNY", "version": 2}
    assert render("quote_ready", locale, params) == (subject, body)


def test_accepted_literal():
    params = {"case_id": "RC-1", "name": "Li Lei", "category": "fridge"}
    assert render("accepted", "en", params) == (
        "Case accepted RC-1",
        "Hello Li Lei, your fridge repair request is case RC-1.",
    )
    assert render("accepted", "zh-CN", params | {"name": "李雷"}) == (
        "服务单已受理 RC-1",
        "李雷您好，您的fridge报修已受理，服务单号 RC-1。",
    )


@pytest.mark.parametrize("template", sorted(STAFF_TEMPLATES))
@pytest.mark.parametrize("locale", ["zh-CN", "en", "fr"])
def test_staff_templates_render_in_english(template, locale):
    params = COMMON | {"locale": locale} | STAFF_PARAMS[template]
    subject, body = render(template, locale, params)
    assert (subject, body) == tuple(t.format(**params) for t in STAFF_TEMPLATES[template])
    assert "RC-20250601-0001" in subject + body


def test_staff_literals():
    assert render("sla_breach", "zh-CN", COMMON | STAFF_PARAMS["sla_breach"])[1] == (
        "Case RC-20250601-0001 (P3) missed its 'assigned' target due 2025-06-01T08:15:00+00:00."
    )
    # a zero score is a value, not a blank
    assert render("follow_up", "en", COMMON | STAFF_PARAMS["follow_up"]) == (
        "Follow-up needed RC-20250601-0001",
        "Case RC-20250601-0001: CSAT 2, NPS 0. too slow",
    )
    assert render("qc_rework_limit", "en", {"case_id": "RC-1", "qc_failures": 3})[0] == "QC failed 3 times RC-1"


@pytest.mark.parametrize("locale", ["fr", "de-DE", "", "EN"])
def test_unknown_locale_falls_back_to_zh_cn(locale):
    params = COMMON | SPECIFIC["closed"]
    assert render("closed", locale, params) == render("closed", "zh-CN", params)
    assert render("closed", locale, params)[0] == "服务单已关闭 RC-20250601-0001"


def test_missing_param_renders_empty():
    assert render("technician_assigned", "en", {"case_id": "RC-1"}) == (
        "Technician assigned RC-1",
        "Technician  will contact you shortly.",
    )
    assert render("closed", "zh-CN", {}) == ("服务单已关闭 ", "您的服务单  已关闭（）。")


def test_none_param_renders_empty():
    assert render("follow_up", "en", {"case_id": "RC-1", "csat": 1, "nps": 3, "comments": None})[1] == (
        "Case RC-1: CSAT 1, NPS 3. "
    )


def test_braces_in_values_are_not_reformatted():
    assert render("accepted", "en", {"case_id": "RC-1", "name": "{case_id}", "category": "tv"})[1] == (
        "Hello {case_id}, your tv repair request is case RC-1."
    )


def test_unknown_template_raises():
    with pytest.raises(KeyError):
        render("no_such_template", "en", {})
