"""Who a notice goes to: the customer, or the staff of its audience (the case's technician,
or everyone at the dispatch desk, the supervisors, the managers) and the audience's group
bots."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.messages import Audience
from models.tables import CaseRow, StaffContactRow
from settings import Settings

# the staff_contacts role of each staff audience
STAFF_ROLE = {
    Audience.ASSIGNEE: "technician",
    Audience.DISPATCHER: "dispatcher",
    Audience.SUPERVISOR: "supervisor",
    Audience.MANAGER: "manager",
}
NOBODY = "nobody"


@dataclass(frozen=True)
class Recipient:
    key: str  # the outbox's `recipient`: customer, staff:<id>, group:<audience>:<n>, nobody
    locale: str
    name: str | None = None


async def recipients(
    session: AsyncSession, case_id: str, audience: Audience, customer_locale: str, settings: Settings
) -> list[Recipient]:
    """Never empty: with nobody to tell, one `nobody` recipient keeps the message on record."""
    if audience is Audience.CUSTOMER:
        return [Recipient("customer", customer_locale)]
    query = select(StaffContactRow).where(StaffContactRow.active.is_(True))
    if audience is Audience.ASSIGNEE:
        technician = await session.scalar(select(CaseRow.technician_id).where(CaseRow.case_id == case_id))
        query = query.where(StaffContactRow.staff_id == technician)
    else:
        query = query.where(StaffContactRow.role == STAFF_ROLE[audience])
    people = [
        Recipient(f"staff:{row.staff_id}", row.locale, row.name)
        for row in await session.scalars(query.order_by(StaffContactRow.staff_id))
    ]
    # one row per bot, so a bot that is down is retried alone and the others get it once
    groups = [
        Recipient(f"group:{audience.value}:{n}", "zh-CN")
        for n in range(len(settings.staff_group_urls.get(audience, [])))
    ]
    return people + groups or [Recipient(NOBODY, "zh-CN")]


def dedupe_key(notice_key: str, recipient: Recipient) -> str:
    # a customer message keeps the notice's own key, as it had before there were recipients
    return notice_key if recipient.key == "customer" else f"{notice_key}>{recipient.key}"
