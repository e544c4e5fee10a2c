"""Customer and staff messages through apprise, each recorded once in the outbox."""

import asyncio
import logging

import apprise
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from temporalio import activity

from activities.base import ActivityBase
from models.messages import DELIVERY_ATTEMPTS, Audience, render
from models.payloads import DeliveryStatus, Notice
from models.tables import NotificationRow

log = logging.getLogger("repairflow.notify")
DONE = ("sent", "logged")


class NotifyActivities(ActivityBase):
    @activity.defn(name="notify")
    async def notify(self, notice: Notice) -> DeliveryStatus:
        subject, body = render(notice.template, notice.params.get("locale", "zh-CN"), notice.params)
        async with self.sessions.begin() as session:
            await session.execute(
                insert(NotificationRow)
                .values(
                    dedupe_key=notice.key,
                    case_id=notice.case_id,
                    audience=notice.audience.value,
                    template=notice.template.value,
                    subject=subject,
                    body=body,
                    status="pending",
                    attempts=0,
                    created_at=notice.at,
                )
                .on_conflict_do_nothing(index_elements=["dedupe_key"])
            )
            row = await session.scalar(
                select(NotificationRow).where(NotificationRow.dedupe_key == notice.key).with_for_update()
            )
            assert row is not None, notice.key
            if row.status in DONE:
                return "sent" if row.status == "sent" else "logged"
            row.attempts += 1
            urls = (
                self.settings.notify_customer_urls
                if notice.audience is Audience.CUSTOMER
                else self.settings.notify_staff_urls
            )
            if not urls:
                # the text itself may name the customer: it stays in the outbox, out of the logs
                log.info(
                    "[%s → %s] %s recorded; no channel configured", notice.case_id, notice.audience, notice.template
                )
                row.status, row.sent_at = "logged", notice.at
                return "logged"
            sent = await asyncio.to_thread(send, urls, subject, body)
            if sent:
                row.status, row.sent_at, row.error = "sent", notice.at, None
                return "sent"
            last = activity.info().attempt >= DELIVERY_ATTEMPTS
            row.status, row.error = ("failed" if last else "pending"), "apprise could not deliver"
        if last:
            return "failed"
        raise RuntimeError(f"notification {notice.key} not delivered; retrying")


def send(urls: list[str], subject: str, body: str) -> bool:
    channels = apprise.Apprise()
    for url in urls:
        channels.add(url)
    return bool(channels.notify(title=subject, body=body))
