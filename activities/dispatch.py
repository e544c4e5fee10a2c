"""Starting a Delivery workflow for an outbox row: after the row is committed, from the
activity that queued it, and from the API when a supervisor re-sends a failed message."""

from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from models.payloads import DeliveryJob
from settings import Settings

# the registered name of workflows.delivery.DeliveryWorkflow: importing it here would tie the
# activities package to the workflows package, which imports the activities
DELIVERY_WORKFLOW = "Delivery"


def workflow_id(notification_id: int) -> str:
    return f"delivery-{notification_id}"


def job(notification_id: int, settings: Settings) -> DeliveryJob:
    return DeliveryJob(
        notification_id=notification_id,
        give_up_seconds=settings.delivery_give_up_hours * 3600,
        first_retry_seconds=settings.delivery_first_retry_seconds,
        max_retry_seconds=settings.delivery_max_retry_seconds,
        send_timeout=settings.delivery_send_timeout,
    )


async def start_deliveries(client: Client, settings: Settings, notification_ids: list[int]) -> None:
    """Idempotent: a row whose delivery was ever started is not started again, so a retried
    activity never sends a message twice."""
    for notification_id in notification_ids:
        try:
            await client.start_workflow(
                DELIVERY_WORKFLOW,
                job(notification_id, settings),
                id=workflow_id(notification_id),
                task_queue=settings.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            pass


async def restart_deliveries_of(client: Client, settings: Settings, notification_id: int) -> None:
    """A supervisor's re-send of a failed row: its earlier delivery has ended. Raises
    WorkflowAlreadyStartedError while one is still running."""
    await client.start_workflow(
        DELIVERY_WORKFLOW,
        job(notification_id, settings),
        id=workflow_id(notification_id),
        task_queue=settings.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
