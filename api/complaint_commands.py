"""A complaint's changes go to its workflow: opening it (update-with-start, answered once
the complaint is recorded) and the people's actions as updates, whose outcomes
api/commands.py turns into API errors."""

from typing import Any

from pydantic import BaseModel
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from api.commands import _answer
from models.complaint_payloads import ComplaintStart, ComplaintState
from models.domain import Actor
from workflows.complaint import ComplaintWorkflow, workflow_id

W = ComplaintWorkflow
UPDATES: dict[str, Any] = {"callback": W.call_back, "owner": W.assign_owner, "close": W.close}


async def open_complaint(
    client: Client, task_queue: str, start: ComplaintStart, *, reuse_running: bool, within: float
) -> ComplaintState:
    """`reuse_running` (an Idempotency-Key was given): a retry joins the first attempt's
    workflow; otherwise a clash raises WorkflowAlreadyStartedError, and the caller picks
    another id."""
    intake = start.intake
    op = WithStartWorkflowOperation(
        ComplaintWorkflow.run,
        start,
        id=workflow_id(start.complaint_id),
        task_queue=task_queue,
        id_conflict_policy=(WorkflowIDConflictPolicy.USE_EXISTING if reuse_running else WorkflowIDConflictPolicy.FAIL),
        static_summary=f"{intake.severity.value} complaint by {intake.channel.value}"
        + (f" about {intake.case_id}" if intake.case_id else ""),
    )
    return await _answer(
        client.execute_update_with_start_workflow(ComplaintWorkflow.opened, start_workflow_operation=op), within
    )


async def act(
    client: Client,
    complaint_id: str,
    action: str,
    actor: Actor,
    body: BaseModel,
    *,
    update_id: str | None = None,
    within: float,
) -> ComplaintState:
    handle = client.get_workflow_handle(workflow_id(complaint_id))
    return await _answer(handle.execute_update(UPDATES[action], args=[actor, body], id=update_id), within)
