"""Notification texts per milestone and locale, and who they go to. Pure."""

from enum import StrEnum


class Audience(StrEnum):
    """Who a message goes to."""

    CUSTOMER = "customer"
    ASSIGNEE = "assignee"  # the case's technician
    DISPATCHER = "dispatcher"  # the dispatch desk, the assignee of a case nobody holds yet
    SUPERVISOR = "supervisor"
    MANAGER = "manager"  # the service manager


# tries to deliver one message before it is recorded as failed
DELIVERY_ATTEMPTS = 5


class Template(StrEnum):
    ACCEPTED = "accepted"
    TECHNICIAN_ASSIGNED = "technician_assigned"
    QUOTE_READY = "quote_ready"
    REPAIR_STARTED = "repair_started"
    READY_FOR_HANDOVER = "ready_for_handover"
    RETURNED_UNREPAIRED = "returned_unrepaired"
    CALLBACK_SURVEY = "callback_survey"
    CLOSED = "closed"
    SLA_WARN = "sla_warn"
    SLA_BREACH = "sla_breach"
    SLA_RAISE = "sla_raise"
    QC_REWORK_LIMIT = "qc_rework_limit"
    FOLLOW_UP = "follow_up"


TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "zh-CN": {
        "accepted": ("服务单已受理 {case_id}", "{name}您好，您的{category}报修已受理，服务单号 {case_id}。"),
        "technician_assigned": ("已派工 {case_id}", "工程师 {technician_id} 已接单，将尽快与您联系。"),
        "quote_ready": ("维修报价 {case_id}", "您的维修报价为 {total} {currency}（第{version}版），请确认是否维修。"),
        "repair_started": ("开始维修 {case_id}", "您的{category}已开始维修。"),
        "ready_for_handover": ("维修完成 {case_id}", "您的{category}已维修完成并通过质检，请确认交付。"),
        "returned_unrepaired": ("设备退回 {case_id}", "您的{category}将不经维修退回，请确认交付。"),
        "callback_survey": ("服务回访 {case_id}", "感谢您的耐心，请为本次服务评分。"),
        "closed": ("服务单已关闭 {case_id}", "您的服务单 {case_id} 已关闭（{outcome}）。"),
    },
    "en": {
        "accepted": ("Case accepted {case_id}", "Hello {name}, your {category} repair request is case {case_id}."),
        "technician_assigned": (
            "Technician assigned {case_id}",
            "Technician {technician_id} will contact you shortly.",
        ),
        "quote_ready": (
            "Repair quote {case_id}",
            "Your repair quote (v{version}) is {total} {currency}. Please approve or decline.",
        ),
        "repair_started": ("Repair started {case_id}", "The repair of your {category} has started."),
        "ready_for_handover": (
            "Repair done {case_id}",
            "Your {category} is repaired, passed QC and is ready for handover.",
        ),
        "returned_unrepaired": ("Device returned {case_id}", "Your {category} will be returned unrepaired."),
        "callback_survey": ("How did we do? {case_id}", "Thank you for your patience. Please rate our service."),
        "closed": ("Case closed {case_id}", "Your case {case_id} is closed ({outcome})."),
    },
}

STAFF_TEMPLATES: dict[str, tuple[str, str]] = {
    "sla_warn": (
        "SLA at risk {case_id}",
        "Case {case_id} ({priority}) has used 75% of its '{target}' time; due {deadline}.",
    ),
    "sla_breach": (
        "SLA breached {case_id}",
        "Case {case_id} ({priority}) missed its '{target}' target due {deadline}.",
    ),
    "sla_raise": (
        "Case escalated, now {priority} {case_id}",
        "Case {case_id} is at 150% of its '{target}' time (due {deadline}); priority now {priority}.",
    ),
    "qc_rework_limit": (
        "QC failed {qc_failures} times {case_id}",
        "Case {case_id} failed QC {qc_failures} times; supervisor attention needed.",
    ),
    "follow_up": ("Follow-up needed {case_id}", "Case {case_id}: CSAT {csat}, NPS {nps}. {comments}"),
}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, locale: str, params: dict) -> tuple[str, str]:
    """Subject and body; staff messages are in English, customers' in their locale."""
    if template in STAFF_TEMPLATES:
        subject, body = STAFF_TEMPLATES[template]
    else:
        subject, body = TEMPLATES.get(locale, TEMPLATES["zh-CN"])[template]
    values = _Blank({k: "" if v is None else v for k, v in params.items()})
    return subject.format_map(values), body.format_map(values)
