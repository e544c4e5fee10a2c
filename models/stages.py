"""The case stage machine as data, with the pure functions that walk it.

Workflow update validators and the API both use these, so a wrong-stage action is
refused the same way everywhere, and every stage change the workflow makes passes
`move`, so the table cannot drift from the behaviour.
"""

from enum import StrEnum
from typing import Literal

from models import errors


class Stage(StrEnum):
    INTAKE = "INTAKE"
    TRIAGE = "TRIAGE"
    REMOTE_GUIDANCE = "REMOTE_GUIDANCE"
    DISPATCH = "DISPATCH"
    DIAGNOSIS = "DIAGNOSIS"
    QUOTE_APPROVAL = "QUOTE_APPROVAL"
    # the repair is approved, a part it needs is not in stock yet
    WAITING_PARTS = "WAITING_PARTS"
    REPAIR = "REPAIR"
    QC = "QC"
    HANDOVER = "HANDOVER"
    CALLBACK = "CALLBACK"
    REVIEW = "REVIEW"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class Action(StrEnum):
    REMOTE_RESOLUTION = "remote_resolution"
    ASSIGNMENT = "assignment"
    DIAGNOSIS = "diagnosis"
    QUOTE_DECISION = "quote_decision"
    REPAIR = "repair"
    QC = "qc"
    HANDOVER = "handover"
    CALLBACK = "callback"
    CANCEL = "cancel"
    REASSIGNMENT = "reassignment"
    SLA_EXTENSION = "sla_extension"
    TRIAGE_OVERRIDE = "triage_override"
    APPOINTMENT = "appointment"
    ARRIVAL = "arrival"


TERMINAL = frozenset({Stage.CLOSED, Stage.CANCELLED})
OPEN = frozenset(Stage) - TERMINAL
# REVIEW is the system's last stage and runs to its end; nothing can interrupt it.
CANCELLABLE = OPEN - {Stage.REVIEW}

TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.INTAKE: frozenset({Stage.TRIAGE}),
    Stage.TRIAGE: frozenset({Stage.REMOTE_GUIDANCE, Stage.DISPATCH}),
    Stage.REMOTE_GUIDANCE: frozenset({Stage.CALLBACK, Stage.DISPATCH}),
    # a triage override may find that remote guidance suffices after all
    Stage.DISPATCH: frozenset({Stage.DIAGNOSIS, Stage.REMOTE_GUIDANCE}),
    Stage.DIAGNOSIS: frozenset({Stage.QUOTE_APPROVAL, Stage.REPAIR, Stage.WAITING_PARTS}),
    # a re-diagnosis while the customer decides replaces the quote and restarts approval
    Stage.QUOTE_APPROVAL: frozenset({Stage.QUOTE_APPROVAL, Stage.REPAIR, Stage.WAITING_PARTS, Stage.HANDOVER}),
    Stage.WAITING_PARTS: frozenset({Stage.REPAIR}),
    Stage.REPAIR: frozenset({Stage.QC}),
    Stage.QC: frozenset({Stage.REPAIR, Stage.HANDOVER}),
    Stage.HANDOVER: frozenset({Stage.CALLBACK, Stage.REPAIR}),
    Stage.CALLBACK: frozenset({Stage.CALLBACK, Stage.REVIEW}),
    Stage.REVIEW: frozenset({Stage.CLOSED, Stage.CANCELLED}),
    Stage.CLOSED: frozenset(),
    Stage.CANCELLED: frozenset(),
}
for _stage in CANCELLABLE:
    TRANSITIONS[_stage] = TRANSITIONS[_stage] | {Stage.REVIEW}

ACTION_STAGES: dict[Action, frozenset[Stage]] = {
    Action.REMOTE_RESOLUTION: frozenset({Stage.REMOTE_GUIDANCE}),
    Action.ASSIGNMENT: frozenset({Stage.DISPATCH}),
    Action.DIAGNOSIS: frozenset({Stage.DIAGNOSIS, Stage.QUOTE_APPROVAL}),
    Action.QUOTE_DECISION: frozenset({Stage.QUOTE_APPROVAL}),
    Action.REPAIR: frozenset({Stage.REPAIR}),
    Action.QC: frozenset({Stage.QC}),
    Action.HANDOVER: frozenset({Stage.HANDOVER}),
    Action.CALLBACK: frozenset({Stage.CALLBACK}),
    Action.CANCEL: CANCELLABLE,
    # a technician holds the case from dispatch until the device is handed back
    Action.REASSIGNMENT: frozenset(
        {Stage.DIAGNOSIS, Stage.QUOTE_APPROVAL, Stage.WAITING_PARTS, Stage.REPAIR, Stage.QC, Stage.HANDOVER}
    ),
    Action.SLA_EXTENSION: CANCELLABLE,
    # the service mode only until the technician is on the way; priority and warranty until the repair
    Action.TRIAGE_OVERRIDE: frozenset(
        {Stage.REMOTE_GUIDANCE, Stage.DISPATCH, Stage.DIAGNOSIS, Stage.QUOTE_APPROVAL, Stage.WAITING_PARTS}
    ),
    # an on-site visit: agreed and made while the case waits for its diagnosis
    Action.APPOINTMENT: frozenset({Stage.DIAGNOSIS}),
    Action.ARRIVAL: frozenset({Stage.DIAGNOSIS}),
}


CaseStatus = Literal["open", "closed", "cancelled"]


class IllegalTransition(Exception):
    """A stage change the table does not allow: a defect in the workflow, so it fails the
    workflow task (retried once the code is fixed) rather than the case."""

    def __init__(self, frm: Stage, to: Stage):
        super().__init__(f"the stage machine does not allow {frm} → {to}")
        self.frm, self.to = frm, to


def allowed(action: Action, stage: Stage) -> bool:
    return stage in ACTION_STAGES[action]


def require(action: Action, stage: Stage) -> None:
    if not allowed(action, stage):
        raise errors.invalid_stage(action, stage)


def can_move(frm: Stage, to: Stage) -> bool:
    return to in TRANSITIONS[frm]


def move(frm: Stage, to: Stage) -> Stage:
    """Every stage change of a case passes here."""
    if not can_move(frm, to):
        raise IllegalTransition(frm, to)
    return to


def status_of(stage: Stage) -> CaseStatus:
    if stage == Stage.CLOSED:
        return "closed"
    if stage == Stage.CANCELLED:
        return "cancelled"
    return "open"


# ---- the next stage after each event; the workflow asks these, never names a stage itself


def after_intake() -> Stage:
    return Stage.TRIAGE


def after_triage(service_mode: str) -> Stage:
    return Stage.REMOTE_GUIDANCE if service_mode == "remote" else Stage.DISPATCH


def after_triage_override(service_mode: str | None, stage: Stage) -> Stage | None:
    """None: the stage stays; a new service mode before dispatch re-routes the case."""
    if service_mode is None:
        return None
    to = after_triage(service_mode)
    return None if to is stage else to


def after_remote_guidance(resolved: bool) -> Stage:
    return Stage.CALLBACK if resolved else Stage.DISPATCH


def after_assignment() -> Stage:
    return Stage.DIAGNOSIS


def after_diagnosis(quote_total_is_zero: bool, parts_short: bool = False) -> Stage:
    if not quote_total_is_zero:
        return Stage.QUOTE_APPROVAL
    return Stage.WAITING_PARTS if parts_short else Stage.REPAIR


def after_quote_decision(approved: bool, parts_short: bool = False) -> Stage:
    # declined or expired: the device goes back to the customer unrepaired
    if not approved:
        return Stage.HANDOVER
    return Stage.WAITING_PARTS if parts_short else Stage.REPAIR


def after_parts_reserved() -> Stage:
    return Stage.REPAIR


def after_repair() -> Stage:
    return Stage.QC


def after_qc(passed: bool) -> Stage:
    return Stage.HANDOVER if passed else Stage.REPAIR


def after_handover(accepted: bool, resolution: str | None) -> Stage:
    if accepted or resolution == "compensation":
        return Stage.CALLBACK
    return Stage.REPAIR


def after_callback(reached: bool) -> Stage:
    # an unanswered call leaves the callback open until it is reached or times out
    return Stage.REVIEW if reached else Stage.CALLBACK


def after_callback_unreachable() -> Stage:
    return Stage.REVIEW


def after_cancel() -> Stage:
    # the review still runs, so a cancelled case feeds the closed loop too
    return Stage.REVIEW


def after_review(cancelled: bool) -> Stage:
    return Stage.CANCELLED if cancelled else Stage.CLOSED
