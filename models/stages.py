"""The case stage machine as data, with the pure functions that walk it.

Workflow update validators and the API both use these, so a wrong-stage action is
refused the same way everywhere.
"""
from enum import StrEnum


class Stage(StrEnum):
    INTAKE = "INTAKE"
    TRIAGE = "TRIAGE"
    REMOTE_GUIDANCE = "REMOTE_GUIDANCE"
    DISPATCH = "DISPATCH"
    DIAGNOSIS = "DIAGNOSIS"
    QUOTE_APPROVAL = "QUOTE_APPROVAL"
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


TERMINAL = frozenset({Stage.CLOSED, Stage.CANCELLED})
OPEN = frozenset(Stage) - TERMINAL
# REVIEW is the system's last step and runs to its end; nothing can interrupt it.
CANCELLABLE = OPEN - {Stage.REVIEW}

TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.INTAKE: frozenset({Stage.TRIAGE}),
    Stage.TRIAGE: frozenset({Stage.REMOTE_GUIDANCE, Stage.DISPATCH}),
    Stage.REMOTE_GUIDANCE: frozenset({Stage.CALLBACK, Stage.DISPATCH}),
    Stage.DISPATCH: frozenset({Stage.DIAGNOSIS}),
    Stage.DIAGNOSIS: frozenset({Stage.QUOTE_APPROVAL, Stage.REPAIR}),
    # a re-diagnosis while the customer decides replaces the quote and restarts approval
    Stage.QUOTE_APPROVAL: frozenset({Stage.QUOTE_APPROVAL, Stage.REPAIR, Stage.HANDOVER}),
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
    Action.REASSIGNMENT: frozenset({Stage.DIAGNOSIS, Stage.QUOTE_APPROVAL, Stage.REPAIR, Stage.QC,
                                    Stage.HANDOVER}),
    Action.SLA_EXTENSION: CANCELLABLE,
}


class InvalidStage(Exception):
    def __init__(self, action: Action | str, stage: Stage):
        super().__init__(f"{action} is not allowed while the case is in stage {stage}")
        self.action = action
        self.stage = stage


def allowed(action: Action, stage: Stage) -> bool:
    return stage in ACTION_STAGES[action]


def require(action: Action, stage: Stage) -> None:
    if not allowed(action, stage):
        raise InvalidStage(action, stage)


def can_move(frm: Stage, to: Stage) -> bool:
    return to in TRANSITIONS[frm]


def status_of(stage: Stage) -> str:
    if stage == Stage.CLOSED:
        return "closed"
    if stage == Stage.CANCELLED:
        return "cancelled"
    return "open"


def after_triage(service_mode: str) -> Stage:
    return Stage.REMOTE_GUIDANCE if service_mode == "remote" else Stage.DISPATCH


def after_remote_guidance(resolved: bool) -> Stage:
    return Stage.CALLBACK if resolved else Stage.DISPATCH


def after_diagnosis(quote_total_is_zero: bool) -> Stage:
    return Stage.REPAIR if quote_total_is_zero else Stage.QUOTE_APPROVAL


def after_quote_decision(approved: bool) -> Stage:
    # declined or expired: the device goes back to the customer unrepaired
    return Stage.REPAIR if approved else Stage.HANDOVER


def after_qc(passed: bool) -> Stage:
    return Stage.HANDOVER if passed else Stage.REPAIR


def after_handover(accepted: bool, resolution: str | None) -> Stage:
    if accepted or resolution == "compensation":
        return Stage.CALLBACK
    return Stage.REPAIR


def after_callback(reached: bool) -> Stage:
    # an unanswered call leaves the callback open until it is reached or times out
    return Stage.REVIEW if reached else Stage.CALLBACK
