"""Writing one outbox row: what queuing a case's notice (notify.py) and a staff notice
about no case (staff_notice.py) share. The row is inserted once per dedupe key; its
delivery is started by the caller after the commit (activities/dispatch.py)."""

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from activities.recipients import NOBODY, Recipient
from messages import Rendered
from models.messages import Audience, Template
from models.tables import NotificationRow
from observability.metrics import NOTIFICATIONS, on_commit
from settings import Settings


def first_status(settings: Settings) -> str:
    # with no channel at all (a trial, `make dev`) a message is only recorded
    return "pending" if settings.any_channel else "logged"


async def queue_row(
    session: AsyncSession,
    *,
    key: str,
    recipient: Recipient,
    audience: Audience,
    template: Template,
    rendered: Rendered,
    status: str,
    at: datetime,
    case_id: str | None = None,
    complaint_id: str | None = None,
    review_id: str | None = None,
) -> None:
    """Inserts the row unless its key is there already; a recipient of `nobody` is failed
    at once, with the reason."""
    nobody = recipient.key == NOBODY and status == "pending"
    inserted = await session.execute(
        insert(NotificationRow)
        .values(
            dedupe_key=key,
            case_id=case_id,
            complaint_id=complaint_id,
            review_id=review_id,
            audience=audience.value,
            recipient=recipient.key,
            template=template.value,
            locale=recipient.locale,
            subject=rendered.subject[:200],
            body=rendered.body,
            short_body=rendered.short,
            status="failed" if nobody else status,
            error=f"nobody to tell: no staff contact for {audience}" if nobody else None,
            attempts=0,
            created_at=at,
            sent_at=at if status == "logged" else None,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    if inserted.rowcount and (nobody or status == "logged"):  # type: ignore[attr-defined]
        # final already; a pending row is counted when its delivery ends
        on_commit(session, NOTIFICATIONS, status="failed" if nobody else status)


async def pending_rows(
    session: AsyncSession, notice_key: str, keys: list[str], case_id: str | None = None
) -> list[int]:
    """The ids of every still pending row of a notice, also one for a recipient an earlier
    attempt had and this one no longer finds (a contact since deactivated): each still
    gets its delivery."""
    query = select(NotificationRow.id).where(
        NotificationRow.status == "pending",
        or_(
            NotificationRow.dedupe_key.in_(keys),
            NotificationRow.dedupe_key.startswith(f"{notice_key}>", autoescape=True),
        ),
    )
    if case_id is not None:  # the case's index narrows the search
        query = query.where(NotificationRow.case_id == case_id)
    return list(await session.scalars(query.order_by(NotificationRow.id)))
