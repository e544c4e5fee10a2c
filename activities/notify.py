"""Queuing the case's messages: each notice is written to the outbox once per recipient,
rendered in the recipient's language, and handed to a Delivery workflow of its own once
the rows are committed. Queuing is quick and local, so the case never waits on a channel;
the delivery retries for hours (workflows/delivery.py)."""

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from activities.base import ActivityBase
from activities.case_facts import case_facts
from activities.dispatch import start_deliveries
from activities.message_context import message_context
from activities.outbox import first_status, pending_rows, queue_row
from activities.recipients import dedupe_key, recipients
from messages import render
from models.payloads import DeliveryStatus, Notice
from settings import Settings

log = logging.getLogger("repairflow.notify")


async def queue_notice(session: AsyncSession, notice: Notice, settings: Settings) -> list[int]:
    """Writes the notice's outbox rows in `session`, once per recipient (a retry adds none);
    returns the ids of those still to deliver, none when no channel is configured."""
    status = first_status(settings)
    facts = await case_facts(
        session, notice.case_id, warranty_days=settings.repaired_part_warranty_days, milestones=False
    )
    locale = str(notice.params.get("locale") or (facts.locale if facts else "zh-CN"))
    keys = []
    for recipient in await recipients(session, notice.case_id, notice.audience, locale, settings):
        rendered = render(notice.template, recipient.locale, message_context(notice, facts, recipient, settings))
        keys.append(key := dedupe_key(notice.key, recipient))
        await queue_row(
            session,
            key=key,
            recipient=recipient,
            audience=notice.audience,
            template=notice.template,
            rendered=rendered,
            status=status,
            at=notice.at,
            case_id=notice.case_id,
        )
    if status == "logged":
        # the text may name the customer: it stays in the outbox, out of the logs
        log.info("[%s → %s] %s recorded; no channel configured", notice.case_id, notice.audience, notice.template)
        return []
    return await pending_rows(session, notice.key, keys, notice.case_id)


class NotifyActivities(ActivityBase):
    @activity.defn(name="notify")
    async def notify(self, notice: Notice) -> DeliveryStatus:
        async with self.sessions.begin() as session:
            pending = await queue_notice(session, notice, self.settings)
        if first_status(self.settings) == "logged":
            return "logged"
        # after the commit, so a delivery always finds its row; a retry starts none twice
        await start_deliveries(activity.client(), self.settings, pending)
        # handed on to its deliveries; a new word here would not decode on workers of the
        # release before, which may replay this case during a rolling upgrade
        return "sent"
