"""Changes to a case go to its workflow as Temporal updates, called by method reference;
this module turns their outcomes into API errors (docs/api.md)."""

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

from pydantic import BaseModel
from temporalio.client import Client, RPCTimeoutOrCancelledError, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError, TemporalError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from api.errors import business, temporal_unavailable
from models import errors
from models import search_attributes as sa
from models.domain import Actor
from models.payloads import CaseStart, CaseState
from models.stages import Action
from workflows import RepairCaseWorkflow

log = logging.getLogger("repairflow.api")

W = RepairCaseWorkflow
UPDATES: dict[Action, UpdateMethodMultiParam[..., CaseState]] = {
    Action.REMOTE_RESOLUTION: W.record_remote_resolution,
    Action.ASSIGNMENT: W.assign_technician,
    Action.DIAGNOSIS: W.record_diagnosis,
    Action.QUOTE_DECISION: W.decide_quote,
    Action.REPAIR: W.record_repair,
    Action.QC: W.record_qc,
    Action.HANDOVER: W.record_handover,
    Action.CALLBACK: W.record_callback,
    Action.CANCEL: W.cancel,
    Action.REASSIGNMENT: W.reassign_technician,
    Action.SLA_EXTENSION: W.extend_sla,
    Action.TRIAGE_OVERRIDE: W.override_triage,
    Action.APPOINTMENT: W.set_appointment,
    Action.ARRIVAL: W.record_arrival,
}

T = TypeVar("T")


class WorkflowClosed(Exception):
    """The case's workflow has finished (or is gone after retention): the caller reports
    the stage the database holds."""


def _update_failed(err: WorkflowUpdateFailedError) -> Exception:
    cause = err.cause
    if not isinstance(cause, ApplicationError):
        log.warning("update failed without an application error: %r", cause)
        return temporal_unavailable()
    if errors.kind_of(cause) is not None:
        return business(cause)
    if cause.type == "AcceptedUpdateCompletedWorkflow":
        return WorkflowClosed()
    log.warning("update failed: %s %s", cause.type, cause.message)
    return temporal_unavailable()


def _closed(err: RPCError) -> bool:
    return err.status == RPCStatusCode.NOT_FOUND or "already completed" in err.message


async def _answer(call: Awaitable[T], within: float) -> T:
    """The workflow's answer, or an API error. An HTTP caller does not hang on a stuck
    worker past `within` seconds; the workflow may still apply the change later."""
    deadline = asyncio.timeout(within)
    try:
        async with deadline:
            return await call
    except WorkflowUpdateFailedError as err:
        raise _update_failed(err) from err
    except WorkflowAlreadyStartedError:
        raise
    except RPCError as err:
        if _closed(err):
            raise WorkflowClosed() from err
        log.warning("temporal call failed: %s %s", err.status, err.message)
        raise temporal_unavailable() from err
    except (TimeoutError, RPCTimeoutOrCancelledError) as err:
        # the SDK reports its wait cut short as its own error, whoever cut it
        if isinstance(err, RPCTimeoutOrCancelledError) and not deadline.expired():
            raise asyncio.CancelledError() from err
        raise temporal_unavailable(
            "the case workflow did not answer in time; the change may still be applied, check the case"
        ) from err
    except TemporalError as err:
        log.warning("temporal call failed: %r", err)
        raise temporal_unavailable() from err


async def open_case(
    client: Client, task_queue: str, start: CaseStart, *, reuse_running: bool, within: float
) -> CaseState:
    """Starts the case workflow and waits until intake and triage are written.

    `reuse_running` (an idempotency key was given): a retry joins the workflow the first
    attempt started. Otherwise a clash means a random id was taken, and raises
    WorkflowAlreadyStartedError so the caller picks another.
    """
    intake = start.intake
    op = WithStartWorkflowOperation(
        RepairCaseWorkflow.run,
        start,
        id=start.case_id,
        task_queue=task_queue,
        id_conflict_policy=(WorkflowIDConflictPolicy.USE_EXISTING if reuse_running else WorkflowIDConflictPolicy.FAIL),
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(sa.CASE_STAGE, "INTAKE"),
                SearchAttributePair(sa.CASE_CHANNEL, intake.channel.value),
                SearchAttributePair(sa.PRODUCT_CATEGORY, intake.product.category.value),
            ]
        ),
        static_summary=f"{intake.product.category.value} {intake.product.serial_number}: "
        f"{intake.fault.description[:80]}",
    )
    return await _answer(
        client.execute_update_with_start_workflow(RepairCaseWorkflow.intake_recorded, start_workflow_operation=op),
        within,
    )


async def act(
    client: Client,
    case_id: str,
    action: Action,
    actor: Actor,
    body: BaseModel,
    *,
    update_id: str | None = None,
    within: float,
) -> CaseState:
    """`update_id`: from an Idempotency-Key, so that Temporal runs a retried request once."""
    handle = client.get_workflow_handle(case_id)
    return await _answer(handle.execute_update(UPDATES[action], args=[actor, body], id=update_id), within)
