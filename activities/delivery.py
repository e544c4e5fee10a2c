"""Sending one outbox row. No transaction is open while a channel is tried: the row is
read, the channels are tried one after the other, and each try is written after it, so
a slow or hung channel holds no lock and no connection."""

import logging
from datetime import UTC, datetime

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.base import ActivityBase
from activities.channels import Contact, Route, group_route, person_routes, send_message, send_webhook
from models.messages import DEFAULT_CONTACT_CHANNELS, ContactChannel
from models.payloads import DeliveryJob, DeliveryStatus, GiveUp
from models.tables import CaseRow, CustomerRow, DeliveryAttemptRow, NotificationRow, StaffContactRow, WebhookRow
from observability.metrics import NOTIFICATIONS

log = logging.getLogger("repairflow.delivery")
DONE = frozenset({"sent", "logged"})


def _channels(stored: list[str] | None) -> tuple[ContactChannel, ...]:
    known = [ContactChannel(c) for c in stored or [] if c in ContactChannel._value2member_map_]
    return tuple(known) or DEFAULT_CONTACT_CHANNELS


class DeliveryActivities(ActivityBase):
    @activity.defn(name="deliver")
    async def deliver(self, job: DeliveryJob) -> DeliveryStatus:
        async with self.sessions() as session:
            row = await session.get(NotificationRow, job.notification_id)
            if row is None:
                raise ApplicationError(f"no outbox row {job.notification_id}", non_retryable=True)
            if row.status in DONE:
                return "sent" if row.status == "sent" else "logged"
            kind, _, who = row.recipient.partition(":")
            if kind == "webhook":
                hook = await session.get(WebhookRow, int(who))
                routes = [] if hook is None or not hook.active else [Route("webhook", (hook.url,))]
            else:
                routes = await self._routes(session, row.case_id, kind, who)
            subject, body, short, template = row.subject, row.body, row.short_body, row.template
        if not routes:
            # nothing to retry: no address on any configured channel, or the hook is gone
            await self._finish(job.notification_id, "failed", None, f"no way to reach {row.recipient}")
            return "failed"
        errors = []
        for route in routes:
            if route.channel == "webhook":
                assert hook is not None
                error = await send_webhook(
                    hook.url,
                    hook.secret,
                    job.notification_id,
                    template,
                    body,
                    job.send_timeout,
                    public_only=self.settings.env == "production",
                )
            else:
                error = await send_message(route, subject, body, short)
            await self._attempt(job.notification_id, route.channel, error)
            if error is None:
                await self._finish(job.notification_id, "sent", route.channel, None)
                log.info("message %s sent by %s", job.notification_id, route.channel)
                return "sent"
            errors.append(error)
        reason = "; ".join(errors)
        await self._note_error(job.notification_id, reason)
        # retried by Temporal with a doubling backoff until the give-up time
        raise ApplicationError(f"message {job.notification_id} not delivered: {reason}", type="NotDelivered")

    @activity.defn(name="give_up")
    async def give_up(self, verdict: GiveUp) -> None:
        """The row keeps the last attempt's error, which says what was wrong with the channel."""
        async with self.sessions.begin() as session:
            changed = await session.execute(
                update(NotificationRow)
                .where(NotificationRow.id == verdict.notification_id, NotificationRow.status == "pending")
                .values(
                    status="failed",
                    error=func.coalesce(NotificationRow.error + "; ", "") + f"gave up: {verdict.reason}"[:500],
                )
            )
        if changed.rowcount:  # type: ignore[attr-defined]
            NOTIFICATIONS.labels(status="failed").inc()

    async def _routes(self, session: AsyncSession, case_id: str | None, kind: str, who: str) -> list[Route]:
        """A row about no case (a complaint's or a review's staff notice) has staff recipients only."""
        if kind == "customer":
            customer_id = await _customer_id(session, case_id) if case_id else None
            customer = await session.get(CustomerRow, customer_id) if customer_id else None
            if customer is None:
                return []
            contact = Contact(
                customer.email, customer.phone, customer.wechat_openid, _channels(customer.preferred_channels)
            )
            return person_routes(contact, self.settings, staff=False)
        if kind == "staff":
            staff = await session.get(StaffContactRow, who)
            if staff is None or not staff.active:
                return []
            contact = Contact(staff.email, staff.phone, staff.wechat_openid, _channels(staff.preferred_channels))
            return person_routes(contact, self.settings, staff=True)
        if kind == "group":
            audience, _, index = who.partition(":")
            urls = self.settings.staff_group_urls.get(audience, [])  # type: ignore[call-overload]
            if not index:  # a row from before one row per bot: every bot of the audience
                return [Route("group", tuple(group_route(u, self.settings).urls[0] for u in urls))] if urls else []
            return [group_route(urls[int(index)], self.settings)] if int(index) < len(urls) else []
        return []

    async def _attempt(self, notification_id: int, channel: str, error: str | None) -> None:
        async with self.sessions.begin() as session:
            session.add(
                DeliveryAttemptRow(
                    notification_id=notification_id, channel=channel, ok=error is None, error=error, at=_now()
                )
            )
            await session.execute(
                update(NotificationRow)
                .where(NotificationRow.id == notification_id)
                .values(attempts=NotificationRow.attempts + 1)
            )

    async def _note_error(self, notification_id: int, error: str) -> None:
        async with self.sessions.begin() as session:
            # only while pending: a try still running when the delivery gave up must not
            # overwrite the verdict
            await session.execute(
                update(NotificationRow)
                .where(NotificationRow.id == notification_id, NotificationRow.status == "pending")
                .values(error=error)
            )

    async def _finish(self, notification_id: int, status: str, channel: str | None, error: str | None) -> None:
        values: dict = {"status": status, "error": error}
        if status == "sent":
            values |= {"channel": channel, "sent_at": _now()}
        async with self.sessions.begin() as session:
            changed = await session.execute(
                update(NotificationRow)
                # a retried attempt that finds the status already set counts it no second time
                .where(NotificationRow.id == notification_id, NotificationRow.status != status)
                .values(**values)
            )
        if changed.rowcount:  # type: ignore[attr-defined]
            NOTIFICATIONS.labels(status=status).inc()


async def _customer_id(session: AsyncSession, case_id: str) -> int | None:
    case = await session.get(CaseRow, case_id)
    return case.customer_id if case else None


def _now() -> datetime:
    # the activity's own clock: a delivery is a fact of the outside world, not of the workflow
    return datetime.now(UTC)
