"""Case events for other systems: each event of a subscribed type becomes an outbox row per
subscription, in the transaction that records the event, and goes out through the same
Delivery workflow as a message, signed with the subscription's secret."""

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from activities.channels import webhook_body
from models.payloads import CaseEvent
from models.tables import NotificationRow, WebhookRow

# session.info key: the rows to start deliveries for once the transaction commits
PENDING = "repairflow.webhook_deliveries"
HOOKS = "repairflow.active_webhooks"


def _key(event: CaseEvent, hook_id: int | None = None) -> str:
    return f"{event.case_id}:{event.key}>webhook:{'' if hook_id is None else hook_id}"


def payload(event: CaseEvent) -> dict:
    return {
        "case_id": event.case_id,
        "event": {
            "key": event.key,
            "type": event.type.value,
            "stage": event.stage.value,
            "at": event.at.isoformat(),
            "actor": str(event.actor),
            "data": event.data,
        },
    }


async def active_hooks(session: AsyncSession) -> list[WebhookRow]:
    """The subscriptions, read once a transaction: an intake or an action records several events."""
    if HOOKS not in session.info:
        session.info[HOOKS] = list(await session.scalars(select(WebhookRow).where(WebhookRow.active.is_(True))))
    hooks: list[WebhookRow] = session.info[HOOKS]
    return hooks


async def queue_webhooks(session: AsyncSession, event: CaseEvent, fresh: bool) -> None:
    """A retried activity finds its rows again, so one that was committed but never
    handed to a delivery still gets one."""
    if fresh:
        hooks = [hook for hook in await active_hooks(session) if event.type.value in hook.event_types]
        body = webhook_body(payload(event)) if hooks else ""
        ids = []
        for hook in hooks:
            ids.append(
                await session.scalar(
                    insert(NotificationRow)
                    .values(
                        dedupe_key=_key(event, hook.id),
                        case_id=event.case_id,
                        audience="webhook",
                        recipient=f"webhook:{hook.id}",
                        template=event.type.value,
                        subject=event.type.value,
                        body=body,
                        status="pending",
                        attempts=0,
                        created_at=event.at,
                    )
                    .on_conflict_do_nothing(index_elements=["dedupe_key"])
                    .returning(NotificationRow.id)
                )
            )
    else:
        ids = list(
            await session.scalars(
                select(NotificationRow.id).where(
                    NotificationRow.case_id == event.case_id,
                    NotificationRow.dedupe_key.startswith(_key(event), autoescape=True),
                    NotificationRow.status == "pending",
                )
            )
        )
    session.info.setdefault(PENDING, []).extend(i for i in ids if i is not None)
