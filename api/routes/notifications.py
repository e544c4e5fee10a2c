"""The outbox as people see it: a case's messages with every delivery attempt, the
messages that failed, and a supervisor's re-send."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from activities.dispatch import restart_deliveries_of
from api.auth import Principal, role
from api.deps import Db, Svc
from api.errors import ApiError, not_found, responses, temporal_unavailable
from api.outbox_schemas import (
    AttemptView,
    CaseNotifications,
    DeliveryState,
    NotificationDetail,
    NotificationPage,
    NotificationView,
)
from api.redaction import redact
from api.schemas import CaseId
from models.domain import Role
from models.tables import CaseRow, DeliveryAttemptRow, NotificationRow

router = APIRouter(prefix="/api/v1", tags=["notifications"])
Supervisor = Annotated[Principal, Depends(role(Role.SUPERVISOR, what="manage the outbox"))]
Cursor = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="`next_cursor` of the page before: the last message's id")
]


def conflict(message: str, status: str) -> ApiError:
    return ApiError(409, "not_failed", message, delivery_status=status)


@router.get(
    "/cases/{case_id}/notifications",
    response_model=CaseNotifications,
    summary="A case's messages and webhook calls, with every delivery attempt",
    responses=responses(401, 403, 404, 422),
)
async def case_notifications(
    case_id: CaseId,
    principal: Annotated[Principal, Depends(role(Role.AGENT, Role.SUPERVISOR, what="read a case's messages"))],
    session: Db,
) -> CaseNotifications:
    if await session.get(CaseRow, case_id) is None:
        raise not_found(case_id)
    rows = list(
        await session.scalars(
            select(NotificationRow).where(NotificationRow.case_id == case_id).order_by(NotificationRow.id)
        )
    )
    attempts: dict[int, list[AttemptView]] = {}
    tries = select(DeliveryAttemptRow).where(DeliveryAttemptRow.notification_id.in_([r.id for r in rows]))
    for attempt in await session.scalars(tries.order_by(DeliveryAttemptRow.id)):
        attempts.setdefault(attempt.notification_id, []).append(AttemptView.model_validate(attempt))
    return CaseNotifications(
        items=[
            NotificationDetail.model_validate(
                {
                    **NotificationView.model_validate(r).model_dump(),
                    "body": redact(r.body),
                    "short_body": redact(r.short_body),
                }
                | {"tries": attempts.get(r.id, [])}
            )
            for r in rows
        ]
    )


@router.get(
    "/notifications",
    response_model=NotificationPage,
    summary="Messages and webhook calls by delivery status, newest first",
    responses=responses(401, 403, 422),
)
async def list_notifications(
    _: Supervisor,
    session: Db,
    status: DeliveryState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Cursor = None,
) -> NotificationPage:
    """Without the bodies, which hold customers' personal data: a case's own list has them."""
    return await outbox_page(session, None, status, limit, cursor)


async def outbox_page(
    session: AsyncSession, recipient: str | None, status: str | None, limit: int, cursor: int | None
) -> NotificationPage:
    """One page of outbox rows (of one recipient, in one status), newest first."""
    query = select(NotificationRow).order_by(NotificationRow.id.desc()).limit(limit + 1)
    if recipient is not None:
        query = query.where(NotificationRow.recipient == recipient)
    if status is not None:
        query = query.where(NotificationRow.status == status)
    if cursor is not None:
        query = query.where(NotificationRow.id < cursor)
    rows = list(await session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return NotificationPage(
        items=[NotificationView.model_validate(r) for r in rows], next_cursor=str(rows[-1].id) if more else None
    )


@router.post(
    "/notifications/{notification_id}/resend",
    response_model=NotificationView,
    status_code=202,
    summary="Send a failed message again",
    responses={
        **responses(401, 403, 404, 422),
        409: {"description": "the message was delivered, or is being delivered (`delivery_status` says which)"},
    },
)
async def resend(
    notification_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    principal: Supervisor,
    svc: Svc,
    session: Db,
) -> NotificationView:
    """A failed message goes through its channels again, with a fresh give-up time; its
    attempts so far stay on record. A message still `pending` with no delivery running (one
    whose delivery could not be started) is taken too."""
    row = await session.get(NotificationRow, notification_id)
    if row is None:
        raise ApiError(404, "not_found", f"message {notification_id} not found")
    if row.status not in ("failed", "pending"):
        raise conflict(f"message {notification_id} is {row.status}; only a failed message is re-sent", row.status)
    # pending before the delivery starts, so a delivery that ends at once leaves its verdict
    async with svc.sessions.begin() as write:
        flipped = await write.scalar(
            update(NotificationRow)
            .where(NotificationRow.id == notification_id, NotificationRow.status == "failed")
            .values(status="pending")
            .returning(NotificationRow.id)
        )
    try:
        await restart_deliveries_of(svc.temporal, svc.settings, notification_id)
    except (WorkflowAlreadyStartedError, RPCError) as err:
        if flipped:  # nothing new runs: the row says so again
            async with svc.sessions.begin() as write:
                await write.execute(
                    update(NotificationRow).where(NotificationRow.id == notification_id).values(status="failed")
                )
        if isinstance(err, WorkflowAlreadyStartedError):
            raise conflict(f"message {notification_id} is being delivered", "pending") from None
        raise temporal_unavailable() from None
    await session.refresh(row)
    return NotificationView.model_validate(row)
