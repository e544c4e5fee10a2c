"""What supervisors see of a running case in the Temporal UI: its search attributes and
its current details, a short case card. Both follow the workflow's state."""

from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from models import search_attributes as sa
    from models.domain import Intake
    from models.payloads import CaseState
    from models.sla import case_escalation


def next_running(state: CaseState) -> str | None:
    """The target whose deadline comes next among the clocks still running."""
    running = {
        name: t.deadline for name, t in state.sla.items() if t.met_at is None and t.breached_at is None and not t.paused
    }
    return min(running, key=running.__getitem__) if running else None


def publish(state: CaseState, intake: Intake, ladder: bool) -> None:
    s = state
    if ladder:
        s.escalation_level = case_escalation(s.sla.values())[0]
    following = next_running(s)
    updates: list[SearchAttributeUpdate[Any]] = [
        sa.CASE_STAGE.value_set(s.stage.value),
        sa.CASE_CHANNEL.value_set(intake.channel.value),
        sa.PRODUCT_CATEGORY.value_set(intake.product.category.value),
        sa.SLA_BREACHED.value_set(any(t.breached_at for t in s.sla.values())),
        sa.ESCALATION_LEVEL.value_set(s.escalation_level),
    ]
    if s.priority:
        updates.append(sa.CASE_PRIORITY.value_set(s.priority.value))
    if s.warranty:
        updates.append(sa.WARRANTY_STATUS.value_set(s.warranty.value))
    if s.technician_id:
        updates.append(sa.ASSIGNED_TECHNICIAN.value_set(s.technician_id))
    deadline: datetime | None = s.sla[following].deadline if following else None
    updates.append(sa.SLA_DEADLINE.value_set(deadline) if deadline else sa.SLA_DEADLINE.value_unset())
    workflow.upsert_search_attributes(updates)
    workflow.set_current_details(case_card(s, intake.product.category.value, intake.product.serial_number, following))


def case_card(s: CaseState, category: str, serial: str, next_target: str | None) -> str:
    """The Temporal UI's current details: what a supervisor reads first."""
    lines = [
        f"**{s.case_id}** · {s.priority or '-'} · {category} {serial} · {s.warranty or '-'}",
        f"Stage: **{s.stage.value}** · technician: {s.technician_id or 'unassigned'}",
    ]
    if s.quote:
        lines.append(f"Quote v{s.quote.version}: {s.quote.total} {s.quote.currency}")
    if s.qc_failures or s.reworks:
        lines.append(f"QC failures: {s.qc_failures} · reworks: {s.reworks}")
    deadline = (
        f"{next_target} by {s.sla[next_target].deadline:%Y-%m-%d %H:%M:%S} UTC" if next_target else "none running"
    )
    breached = [t for t, v in s.sla.items() if v.breached_at]
    paused = [t for t, v in s.sla.items() if v.paused]
    lines.append(
        f"Next SLA deadline: {deadline} · escalation level {s.escalation_level}"
        + (f" · breached: {', '.join(breached)}" if breached else "")
        + (f" · paused (waiting on the customer): {', '.join(paused)}" if paused else "")
    )
    return "\n\n".join(lines)
