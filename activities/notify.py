"""Queuing the case's messages: each notice is written to the outbox once per recipient,
rendered in the recipient's language, and handed to a Delivery workflow of its own once
the rows are committed. Queuing is quick and local, so the case never waits on a channel;
the delivery retries for hours (workflows/delivery.py)."""

import logging

from temporalio import activity

from activities.base import ActivityBase
from activities.case_facts import case_facts
from activities.dispatch import start_deliveries
from activities.message_context import message_context
from activities.outbox import first_status, pending_rows, queue_row
from activities.recipients import dedupe_key, recipients
from messages import render
from models.payloads import DeliveryStatus, Notice

log = logging.getLogger("repairflow.notify")


class NotifyActivities(ActivityBase):
    @activity.defn(name="notify")
    async def notify(self, notice: Notice) -> DeliveryStatus:
        settings = self.settings
        status = first_status(settings)
        async with self.sessions.begin() as session:
            facts = await case_facts(session, notice.case_id, warranty_days=settings.repaired_part_warranty_days)
            locale = str(notice.params.get("locale") or (facts.locale if facts else "zh-CN"))
            keys = []
            for recipient in await recipients(session, notice.case_id, notice.audience, locale, settings):
                rendered = render(
                    notice.template, recipient.locale, message_context(notice, facts, recipient, settings)
                )
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
            pending = await pending_rows(session, notice.key, keys, notice.case_id)
        if status == "logged":
            # the text may name the customer: it stays in the outbox, out of the logs
            log.info("[%s → %s] %s recorded; no channel configured", notice.case_id, notice.audience, notice.template)
            return "logged"
        # after the commit, so a delivery always finds its row; a retry starts none twice
        await start_deliveries(activity.client(), settings, pending)
        # handed on to its deliveries; a new word here would not decode on workers of the
        # release before, which may replay this case during a rolling upgrade
        return "sent"
