"""Queuing the case's messages: each notice is written to the outbox once per recipient,
rendered in the recipient's language, and handed to a Delivery workflow of its own once
the rows are committed. Queuing is quick and local, so the case never waits on a channel;
the delivery retries for hours (workflows/delivery.py)."""

import logging

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert
from temporalio import activity

from activities.base import ActivityBase
from activities.case_facts import case_facts
from activities.dispatch import start_deliveries
from activities.message_context import message_context
from activities.recipients import NOBODY, dedupe_key, recipients
from messages import render
from models.payloads import DeliveryStatus, Notice
from models.tables import NotificationRow
from observability.metrics import NOTIFICATIONS, on_commit

log = logging.getLogger("repairflow.notify")


class NotifyActivities(ActivityBase):
    @activity.defn(name="notify")
    async def notify(self, notice: Notice) -> DeliveryStatus:
        settings = self.settings
        # with no channel at all (a trial, `make dev`) a message is only recorded
        status = "pending" if settings.any_channel else "logged"
        async with self.sessions.begin() as session:
            facts = await case_facts(session, notice.case_id, warranty_days=settings.repaired_part_warranty_days)
            locale = str(notice.params.get("locale") or (facts.locale if facts else "zh-CN"))
            keys = []
            for recipient in await recipients(session, notice.case_id, notice.audience, locale, settings):
                rendered = render(
                    notice.template, recipient.locale, message_context(notice, facts, recipient, settings)
                )
                keys.append(key := dedupe_key(notice.key, recipient))
                nobody = recipient.key == NOBODY and status == "pending"
                inserted = await session.execute(
                    insert(NotificationRow)
                    .values(
                        dedupe_key=key,
                        case_id=notice.case_id,
                        audience=notice.audience.value,
                        recipient=recipient.key,
                        template=notice.template.value,
                        locale=recipient.locale,
                        subject=rendered.subject[:200],
                        body=rendered.body,
                        short_body=rendered.short,
                        status="failed" if nobody else status,
                        error=f"nobody to tell: no staff contact for {notice.audience}" if nobody else None,
                        attempts=0,
                        created_at=notice.at,
                        sent_at=notice.at if status == "logged" else None,
                    )
                    .on_conflict_do_nothing(index_elements=["dedupe_key"])
                )
                if inserted.rowcount and (nobody or status == "logged"):  # type: ignore[attr-defined]
                    # final already; a pending row is counted when its delivery ends
                    on_commit(session, NOTIFICATIONS, status="failed" if nobody else status)
            # every row of the notice, also one for a recipient an earlier attempt had and this
            # one no longer finds (a contact since deactivated): each still gets its delivery
            rows = (
                await session.execute(
                    select(NotificationRow.id, NotificationRow.status).where(
                        NotificationRow.case_id == notice.case_id,
                        or_(
                            NotificationRow.dedupe_key.in_(keys),
                            NotificationRow.dedupe_key.startswith(f"{notice.key}>", autoescape=True),
                        ),
                    )
                )
            ).all()
        if status == "logged":
            # the text may name the customer: it stays in the outbox, out of the logs
            log.info("[%s → %s] %s recorded; no channel configured", notice.case_id, notice.audience, notice.template)
            return "logged"
        # after the commit, so a delivery always finds its row; a retry starts none twice
        await start_deliveries(activity.client(), settings, [i for i, s in rows if s == "pending"])
        # handed on to its deliveries; a new word here would not decode on workers of the
        # release before, which may replay this case during a rolling upgrade
        return "sent"
