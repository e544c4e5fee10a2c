"""Queuing a message to staff about something that is not a case: a complaint, a review
report. One outbox row per recipient of the audience, rendered in their language; the
caller starts the deliveries after its commit:

    async with sessions.begin() as session:
        ids = await queue_staff_notice(session, settings, audience=..., template=..., key=..., ...)
    await start_deliveries(activity.client(), settings, ids)
"""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activities.outbox import first_status, pending_rows, queue_row
from activities.recipients import dedupe_key, recipients
from messages import render
from models.messages import Audience, MessageContext, Template
from settings import Settings

# the calendar whose time zone a staff notice shows its times in
TIMEZONE_OF = "P3"


def staff_context(
    params: dict[str, Any], recipient_name: str | None, group: bool, settings: Settings
) -> MessageContext:
    """A case's facts are not gathered: the notice is about no case, or names it only."""
    return MessageContext(
        case_id=str(params.get("case_id") or ""),
        category=str(params.get("category") or ""),
        recipient_name=recipient_name,
        priority=params.get("priority"),
        timezone=settings.sla_calendar(TIMEZONE_OF).timezone,
        # a group bot posts to a chat room: the customer's own words stay with named staff
        params={k: v for k, v in params.items() if not (group and k in ("comments", "description"))},
    )


async def queue_staff_notice(
    session: AsyncSession,
    settings: Settings,
    *,
    audience: Audience,
    template: Template,
    key: str,
    params: dict[str, Any],
    at: datetime,
    complaint_id: str | None = None,
    review_id: str | None = None,
) -> list[int]:
    """Writes the notice's rows (dedupe key `<key>><recipient>`, so `key` must name what the
    notice is about, e.g. `complaint:<id>:<what>`) and returns the ids of those still
    pending. Idempotent: a retry writes nothing twice and returns the same ids until their
    deliveries end. With nobody to tell, one failed row keeps the notice on record."""
    if audience is Audience.CUSTOMER:
        raise ValueError("a staff notice goes to staff, not to the customer")
    status = first_status(settings)
    keys = []
    # the case matters only to the assignee audience: the technician of the case it names
    for recipient in await recipients(session, str(params.get("case_id") or ""), audience, "zh-CN", settings):
        context = staff_context(params, recipient.name, recipient.key.startswith("group:"), settings)
        keys.append(row_key := dedupe_key(key, recipient))
        await queue_row(
            session,
            key=row_key,
            recipient=recipient,
            audience=audience,
            template=template,
            rendered=render(template, recipient.locale, context),
            status=status,
            at=at,
            complaint_id=complaint_id,
            review_id=review_id,
        )
    return await pending_rows(session, key, keys)
