"""A complaint's records: the row when it opens, each timeline event with the row's
changes (one transaction, keyed by (complaint_id, key)), and its staff messages."""

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.base import ActivityBase
from activities.staff_notice import queue_staff_notice
from models.complaint_payloads import ComplaintClocks, ComplaintEvent, ComplaintNotice, ComplaintRecord
from models.complaints import Clock, ComplaintStatus, deadlines
from models.errors import ErrorKind
from models.tables import ComplaintEventRow, ComplaintRow


def _clocks(row: ComplaintRow) -> ComplaintClocks:
    return ComplaintClocks(
        opened_at=row.created_at, callback_due_at=row.callback_due_at, resolve_due_at=row.resolve_due_at
    )


class ComplaintActivities(ActivityBase):
    @activity.defn(name="record_complaint")
    async def record_complaint(self, given: ComplaintRecord) -> ComplaintClocks:
        """Writes the row and its `opened` event; a retry answers with the clocks as recorded."""
        start, at, settings = given.start, given.at, self.settings
        intake = start.intake
        due = deadlines(
            at,
            settings.complaint_callback_seconds(intake.channel.value),
            settings.complaint_resolve_hours * 3600 * settings.time_scale,
        )
        async with self.sessions.begin() as session:
            await session.execute(
                insert(ComplaintRow)
                .values(
                    complaint_id=start.complaint_id,
                    case_id=intake.case_id,
                    customer_id=start.customer_id,
                    channel=intake.channel.value,
                    severity=intake.severity.value,
                    description=intake.description,
                    status=ComplaintStatus.OPEN.value,
                    opened_by=str(start.actor),
                    callback_due_at=due[Clock.CALLBACK],
                    resolve_due_at=due[Clock.RESOLVE],
                    idempotency_key=start.idempotency_key,
                    idempotency_body=start.idempotency_body,
                    created_at=at,
                    updated_at=at,
                )
                # on the id (a retry) or on the key (a request with the same key, opened as
                # another complaint meanwhile, the day changing between the two)
                .on_conflict_do_nothing()
            )
            row = await session.get(ComplaintRow, start.complaint_id)
            if row is None:
                holder = await session.scalar(
                    select(ComplaintRow.complaint_id).where(ComplaintRow.idempotency_key == start.idempotency_key)
                )
                raise ApplicationError(
                    f"this Idempotency-Key opened complaint {holder} meanwhile; send the request again to get it",
                    type=ErrorKind.IDEMPOTENCY_KEY_REUSED,
                    non_retryable=True,
                )
            await session.execute(
                insert(ComplaintEventRow)
                .values(
                    complaint_id=start.complaint_id,
                    key="opened",
                    type="opened",
                    actor=str(start.actor),
                    detail={"channel": intake.channel.value, "severity": intake.severity.value},
                    at=at,
                )
                .on_conflict_do_nothing(index_elements=["complaint_id", "key"])
            )
            return _clocks(row)

    @activity.defn(name="record_complaint_event")
    async def record_complaint_event(self, event: ComplaintEvent) -> None:
        """A retry that finds the event changes nothing."""
        async with self.sessions.begin() as session:
            inserted = await session.execute(
                insert(ComplaintEventRow)
                .values(
                    complaint_id=event.complaint_id,
                    key=event.key,
                    type=event.type,
                    actor=str(event.actor),
                    detail=event.detail,
                    at=event.at,
                )
                .on_conflict_do_nothing(index_elements=["complaint_id", "key"])
            )
            if not inserted.rowcount:  # type: ignore[attr-defined]
                return
            values = event.changes.model_dump(exclude_none=True, mode="python")
            if "escalation_level" in values:
                values["escalation_level"] = func.greatest(ComplaintRow.escalation_level, values["escalation_level"])
            if "status" in values:
                values["status"] = str(values["status"])
            if "called_back_at" in values:  # the first callback's time stays, whatever retries follow
                values["called_back_at"] = func.coalesce(ComplaintRow.called_back_at, values["called_back_at"])
            await session.execute(
                update(ComplaintRow)
                .where(ComplaintRow.complaint_id == event.complaint_id)
                .values(updated_at=event.at, **values)
            )

    @activity.defn(name="notify_complaint")
    async def notify_complaint(self, notice: ComplaintNotice) -> None:
        async with self.sessions.begin() as session:
            case_id = await session.scalar(
                select(ComplaintRow.case_id).where(ComplaintRow.complaint_id == notice.complaint_id)
            )
            ids = await queue_staff_notice(
                session,
                self.settings,
                audience=notice.audience,
                template=notice.template,
                key=f"complaint:{notice.complaint_id}:{notice.key}",
                params={"complaint_id": notice.complaint_id, "case_id": case_id, **notice.params},
                at=notice.at,
                complaint_id=notice.complaint_id,
            )
        # after the commit, so a delivery always finds its row
        await self.start_pending(ids)
