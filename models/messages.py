"""Which messages there are, who they go to and what their templates may say; the texts
themselves are Jinja templates in messages/. Pure."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Audience(StrEnum):
    """Who a message goes to."""

    CUSTOMER = "customer"
    ASSIGNEE = "assignee"  # the case's technician
    DISPATCHER = "dispatcher"  # the dispatch desk, the assignee of a case nobody holds yet
    SUPERVISOR = "supervisor"
    MANAGER = "manager"  # the service manager


class ContactChannel(StrEnum):
    """How a person is reached: each has an apprise URL template in the settings."""

    EMAIL = "email"
    SMS = "sms"
    WECHAT = "wechat"


# the usual order in China: the service account first, then a text, then mail
DEFAULT_CONTACT_CHANNELS = (ContactChannel.WECHAT, ContactChannel.SMS, ContactChannel.EMAIL)

# tries to put one message in the outbox before the case goes on without it; the delivery
# itself is retried for hours after that (settings.delivery_give_up_hours)
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
    VISIT_BOOKED = "visit_booked"
    WAITING_PARTS = "waiting_parts"
    DISPATCH_WAITING = "dispatch_waiting"
    VISIT_MISSED = "visit_missed"
    # staff notices about no case (activities/staff_notice.py)
    COMPLAINT_ESCALATED = "complaint_escalated"
    REVIEW_READY = "review_ready"


# the templates whose reader is the customer: in the customer's locale, with their tracking link
CUSTOMER_TEMPLATES: frozenset[Template] = frozenset(
    {
        Template.ACCEPTED,
        Template.TECHNICIAN_ASSIGNED,
        Template.QUOTE_READY,
        Template.REPAIR_STARTED,
        Template.READY_FOR_HANDOVER,
        Template.RETURNED_UNREPAIRED,
        Template.CALLBACK_SURVEY,
        Template.CLOSED,
        Template.VISIT_BOOKED,
        Template.WAITING_PARTS,
    }
)


class QuoteLineText(BaseModel):
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class QuoteText(BaseModel):
    version: int
    lines: list[QuoteLineText]
    total: Decimal
    currency: str
    in_warranty: bool
    expires_at: datetime | None = None


class MessageContext(BaseModel):
    """What a message template may say, gathered from the case's records when the message
    is put in the outbox. Times are aware; templates show them in `timezone`."""

    case_id: str
    category: str  # models.domain.Category value
    product_model: str | None = None
    # the person the message is for: the customer, or the member of staff
    recipient_name: str | None = None
    customer_name: str | None = None
    priority: str | None = None
    tracking_url: str | None = None
    technician_name: str | None = None
    technician_phone: str | None = None
    # the visit window: the technician comes between these (the SLA's first-visit deadline)
    visit_from: datetime | None = None
    visit_by: datetime | None = None
    quote: QuoteText | None = None
    # the repaired parts' warranty, at handover
    warranty_until: date | None = None
    outcome: str | None = None  # closed | cancelled
    timezone: str = "Asia/Shanghai"
    # what the workflow said beside the template: target, deadline, qc_failures, csat, nps, comments...
    params: dict[str, Any] = Field(default_factory=dict)
