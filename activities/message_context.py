"""What a message says, gathered for one recipient: the case's facts (technician, visit
window, quote lines, warranty) beside what the workflow passed, and for the customer the
link to their tracking page."""

from activities.case_facts import CaseFacts
from activities.recipients import Recipient
from models.messages import MessageContext
from models.payloads import Notice
from settings import Settings
from tracking import link


def message_context(
    notice: Notice, facts: CaseFacts | None, recipient: Recipient, settings: Settings
) -> MessageContext:
    params = notice.params
    # a group bot posts to a chat room: the customer's own words stay with named staff
    hidden = {"locale", "category", "priority"} | ({"comments"} if recipient.key.startswith("group:") else set())
    customer = recipient.key == "customer"
    priority = params.get("priority") or "P3"
    return MessageContext(
        case_id=notice.case_id,
        category=str(params.get("category") or (facts.category if facts else "")),
        product_model=facts.product_model if facts else None,
        recipient_name=(facts.customer_name if facts else None) if customer else recipient.name,
        customer_name=facts.customer_name if facts and customer else None,
        priority=priority,
        tracking_url=link(notice.case_id, settings) if customer else None,
        technician_name=facts.technician_name if facts else None,
        technician_phone=facts.technician_phone if facts and customer else None,
        visit_from=facts.visit_from if facts else None,
        visit_by=facts.visit_by if facts else None,
        quote=facts.quote if facts else None,
        warranty_until=facts.warranty_until if facts else None,
        outcome=params.get("outcome"),
        timezone=settings.sla_calendar(priority if priority in ("P1", "P2", "P3", "P4") else "P3").timezone,
        params={k: v for k, v in params.items() if k not in hidden},
    )
