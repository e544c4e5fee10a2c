"""Delivery: one outbox row taken to its recipient, whatever the channel's outage.

Each message the case workflow queues gets one of these, with the id `delivery-<row id>`,
so one row is never sent by two at once. The activity tries the recipient's channels in
their order; when none takes it, Temporal retries it with a doubling backoff until the
give-up time, and then the row is recorded failed, for a supervisor to re-send."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.delivery import DeliveryActivities
    from models.payloads import DeliveryJob, DeliveryStatus, GiveUp

# writing the verdict is a short database write; a database outage gets an hour
GIVE_UP_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1))
GIVE_UP_TIMEOUT = timedelta(hours=1)


@workflow.defn(name="Delivery")
class DeliveryWorkflow:
    @workflow.run
    async def run(self, job: DeliveryJob) -> DeliveryStatus:
        try:
            return await workflow.execute_activity_method(
                DeliveryActivities.deliver,
                job,
                # every channel of the recipient, one after the other
                start_to_close_timeout=timedelta(seconds=4 * job.send_timeout + 10),
                schedule_to_close_timeout=timedelta(seconds=job.give_up_seconds),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(seconds=job.first_retry_seconds),
                    backoff_coefficient=2.0,
                    maximum_interval=timedelta(seconds=max(job.first_retry_seconds, job.max_retry_seconds)),
                ),
                summary=f"deliver message {job.notification_id}",
            )
        except ActivityError as err:
            reason = str(err.cause.message if err.cause and hasattr(err.cause, "message") else err.message)
            await workflow.execute_activity_method(
                DeliveryActivities.give_up,
                GiveUp(notification_id=job.notification_id, reason=reason or "not delivered in time"),
                start_to_close_timeout=timedelta(seconds=10),
                schedule_to_close_timeout=GIVE_UP_TIMEOUT,
                retry_policy=GIVE_UP_RETRY,
            )
            return "failed"
