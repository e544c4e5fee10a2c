"""Webhook subscriptions: other systems get the case events they ask for, each POSTed as
JSON and signed (docs/api.md, Webhooks)."""

import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import func, select

from activities.channels import refused_target
from api.auth import Principal, role
from api.deps import Db, Svc
from api.errors import ApiError, invalid, responses
from api.outbox_schemas import (
    DeliveryState,
    NotificationPage,
    WebhookCreated,
    WebhookList,
    WebhookRequest,
    WebhookView,
)
from api.routes.notifications import Cursor, outbox_page
from models.domain import Role
from models.tables import NotificationRow, WebhookRow

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
Supervisor = Annotated[Principal, Depends(role(Role.SUPERVISOR, what="manage webhooks"))]
WebhookId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# every event is checked against each active subscription: their number stays small
MAX_ACTIVE = 50


def _unknown(webhook_id: int) -> ApiError:
    return ApiError(404, "not_found", f"webhook {webhook_id} not found")


async def _counts(session, ids: list[int]) -> dict[int, dict[str, int]]:  # noqa: ANN001
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    query = (
        select(NotificationRow.recipient, NotificationRow.status, func.count())
        .where(NotificationRow.recipient.in_([f"webhook:{i}" for i in ids]))
        .group_by(NotificationRow.recipient, NotificationRow.status)
    )
    for recipient, status, n in (await session.execute(query)).all():
        counts[int(recipient.split(":")[1])][status] = n
    return counts


@router.post(
    "",
    response_model=WebhookCreated,
    status_code=201,
    summary="Subscribe a URL to case events",
    responses=responses(401, 403, 422, body=True),
)
async def create_webhook(body: WebhookRequest, principal: Supervisor, svc: Svc) -> WebhookCreated:
    """Each event of the given types is POSTed to the URL with `X-RepairFlow-Signature:
    t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>`, retried for hours
    until it answers 2xx. The secret is in this answer only. In production the URL may not
    carry credentials nor reach this machine or a private network."""
    if svc.settings.env == "production" and (refused := refused_target(str(body.url))):
        raise invalid([{"field": "url", "message": refused}])
    row = WebhookRow(
        url=str(body.url),
        event_types=sorted({t.value for t in body.event_types}),
        secret=secrets.token_urlsafe(32),
        created_by=str(principal.actor),
        created_at=datetime.now(UTC),
        active=True,
    )
    async with svc.sessions.begin() as session:
        active = await session.scalar(select(func.count()).select_from(WebhookRow).where(WebhookRow.active.is_(True)))
        if (active or 0) >= MAX_ACTIVE:
            raise invalid([{"field": "url", "message": f"at most {MAX_ACTIVE} active subscriptions; delete one first"}])
        session.add(row)
    return WebhookCreated.model_validate(row)


@router.get("", response_model=WebhookList, summary="Webhook subscriptions", responses=responses(401, 403, 422))
async def list_webhooks(_: Supervisor, session: Db) -> WebhookList:
    rows = list(await session.scalars(select(WebhookRow).order_by(WebhookRow.id)))
    counts = await _counts(session, [r.id for r in rows])
    return WebhookList(
        items=[WebhookView.model_validate(r).model_copy(update={"deliveries": counts[r.id]}) for r in rows]
    )


@router.delete(
    "/{webhook_id}",
    response_model=WebhookView,
    summary="Stop a subscription",
    responses=responses(401, 403, 404, 422),
)
async def delete_webhook(webhook_id: WebhookId, _: Supervisor, svc: Svc) -> WebhookView:
    """Calls already queued are dropped as failed at their next attempt; the record stays."""
    async with svc.sessions.begin() as session:
        row = await session.get(WebhookRow, webhook_id)
        if row is None:
            raise _unknown(webhook_id)
        row.active = False
    return WebhookView.model_validate(row)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=NotificationPage,
    summary="A subscription's calls and their delivery status, newest first",
    responses=responses(401, 403, 404, 422),
)
async def webhook_deliveries(
    webhook_id: WebhookId,
    _: Supervisor,
    session: Db,
    status: DeliveryState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Cursor = None,
) -> NotificationPage:
    if await session.get(WebhookRow, webhook_id) is None:
        raise _unknown(webhook_id)
    return await outbox_page(session, f"webhook:{webhook_id}", status, limit, cursor)
