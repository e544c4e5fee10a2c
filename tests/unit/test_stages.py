"""The stage machine: which action is allowed where, and where each outcome leads."""

import pytest
from temporalio.exceptions import ApplicationError

from models.stages import (
    ACTION_STAGES,
    CANCELLABLE,
    OPEN,
    TERMINAL,
    TRANSITIONS,
    Action,
    IllegalTransition,
    Stage,
    after_assignment,
    after_callback,
    after_callback_unreachable,
    after_cancel,
    after_diagnosis,
    after_handover,
    after_intake,
    after_parts_reserved,
    after_qc,
    after_quote_decision,
    after_remote_guidance,
    after_repair,
    after_review,
    after_triage,
    after_triage_override,
    allowed,
    can_move,
    move,
    require,
    status_of,
)

ALL_PAIRS = [(a, s) for a in Action for s in Stage]

EXPECTED_ACTION_STAGES = {
    Action.REMOTE_RESOLUTION: {Stage.REMOTE_GUIDANCE},
    Action.ASSIGNMENT: {Stage.DISPATCH},
    Action.DIAGNOSIS: {Stage.DIAGNOSIS, Stage.QUOTE_APPROVAL},
    Action.QUOTE_DECISION: {Stage.QUOTE_APPROVAL},
    Action.REPAIR: {Stage.REPAIR},
    Action.QC: {Stage.QC},
    Action.HANDOVER: {Stage.HANDOVER},
    Action.CALLBACK: {Stage.CALLBACK},
    Action.CANCEL: {
        Stage.INTAKE,
        Stage.TRIAGE,
        Stage.REMOTE_GUIDANCE,
        Stage.DISPATCH,
        Stage.DIAGNOSIS,
        Stage.QUOTE_APPROVAL,
        Stage.WAITING_PARTS,
        Stage.REPAIR,
        Stage.QC,
        Stage.HANDOVER,
        Stage.CALLBACK,
    },
    Action.REASSIGNMENT: {
        Stage.DIAGNOSIS,
        Stage.QUOTE_APPROVAL,
        Stage.WAITING_PARTS,
        Stage.REPAIR,
        Stage.QC,
        Stage.HANDOVER,
    },
    Action.SLA_EXTENSION: {
        Stage.INTAKE,
        Stage.TRIAGE,
        Stage.REMOTE_GUIDANCE,
        Stage.DISPATCH,
        Stage.DIAGNOSIS,
        Stage.QUOTE_APPROVAL,
        Stage.WAITING_PARTS,
        Stage.REPAIR,
        Stage.QC,
        Stage.HANDOVER,
        Stage.CALLBACK,
    },
    Action.TRIAGE_OVERRIDE: {
        Stage.REMOTE_GUIDANCE,
        Stage.DISPATCH,
        Stage.DIAGNOSIS,
        Stage.QUOTE_APPROVAL,
        Stage.WAITING_PARTS,
    },
    Action.APPOINTMENT: {Stage.DIAGNOSIS},
    Action.ARRIVAL: {Stage.DIAGNOSIS},
}


def test_wire_values_match_design():
    assert [s.value for s in Stage] == [
        "INTAKE",
        "TRIAGE",
        "REMOTE_GUIDANCE",
        "DISPATCH",
        "DIAGNOSIS",
        "QUOTE_APPROVAL",
        "WAITING_PARTS",
        "REPAIR",
        "QC",
        "HANDOVER",
        "CALLBACK",
        "REVIEW",
        "CLOSED",
        "CANCELLED",
    ]
    assert TERMINAL == {Stage.CLOSED, Stage.CANCELLED}
    assert OPEN == set(Stage) - {Stage.CLOSED, Stage.CANCELLED}


def test_action_stages_table():
    assert {a: set(s) for a, s in ACTION_STAGES.items()} == EXPECTED_ACTION_STAGES


@pytest.mark.parametrize("action,stage", ALL_PAIRS)
def test_allowed_and_require(action, stage):
    expected = stage in EXPECTED_ACTION_STAGES[action]
    assert allowed(action, stage) is expected
    if expected:
        assert require(action, stage) is None
    else:
        with pytest.raises(ApplicationError) as err:
            require(action, stage)
        assert err.value.type == "InvalidStage" and err.value.non_retryable
        assert err.value.details == (stage,)
        assert err.value.message == f"{action} is not allowed while the case is in stage {stage}"


@pytest.mark.parametrize("stage", sorted(OPEN))
def test_cancel_from_every_open_stage_but_review(stage):
    assert allowed(Action.CANCEL, stage) is (stage is not Stage.REVIEW)
    # a cancelled case still passes through REVIEW, which records it
    assert can_move(stage, Stage.REVIEW) is (stage is not Stage.REVIEW)


def test_cancellable_is_open_minus_review():
    assert CANCELLABLE == OPEN - {Stage.REVIEW}
    assert TRANSITIONS[Stage.REVIEW] == {Stage.CLOSED, Stage.CANCELLED}


@pytest.mark.parametrize("stage", [Stage.CLOSED, Stage.CANCELLED])
def test_terminal_stages_have_no_transitions(stage):
    assert TRANSITIONS[stage] == frozenset()
    assert not any(can_move(stage, to) for to in Stage)
    assert not any(allowed(a, stage) for a in Action)


@pytest.mark.parametrize(
    "frm,to",
    [
        (Stage.INTAKE, Stage.TRIAGE),
        (Stage.DISPATCH, Stage.DIAGNOSIS),  # assignment
        (Stage.REPAIR, Stage.QC),  # repair recorded
        (Stage.QUOTE_APPROVAL, Stage.QUOTE_APPROVAL),  # re-diagnosis, new quote version
        (Stage.CALLBACK, Stage.CALLBACK),  # not reached, still open
    ],
)
def test_fixed_moves_are_legal(frm, to):
    assert can_move(frm, to)


@pytest.mark.parametrize(
    "frm,to",
    [
        (Stage.INTAKE, Stage.DISPATCH),
        (Stage.TRIAGE, Stage.DIAGNOSIS),
        (Stage.DISPATCH, Stage.REPAIR),
        (Stage.DIAGNOSIS, Stage.HANDOVER),
        (Stage.REPAIR, Stage.HANDOVER),  # QC can't be skipped
        (Stage.QC, Stage.CALLBACK),
        (Stage.HANDOVER, Stage.CLOSED),
        (Stage.CALLBACK, Stage.CLOSED),
        (Stage.REVIEW, Stage.REPAIR),
        (Stage.INTAKE, Stage.CANCELLED),  # cancel goes through REVIEW first
    ],
)
def test_illegal_moves(frm, to):
    assert not can_move(frm, to)


# (function, argument, source stage, expected next stage)
OUTCOMES = [
    (after_triage, ("remote",), Stage.TRIAGE, Stage.REMOTE_GUIDANCE),
    (after_triage, ("on_site",), Stage.TRIAGE, Stage.DISPATCH),
    (after_triage, ("carry_in",), Stage.TRIAGE, Stage.DISPATCH),
    (after_triage, ("mail_in",), Stage.TRIAGE, Stage.DISPATCH),
    (after_remote_guidance, (True,), Stage.REMOTE_GUIDANCE, Stage.CALLBACK),
    (after_remote_guidance, (False,), Stage.REMOTE_GUIDANCE, Stage.DISPATCH),
    (after_diagnosis, (True,), Stage.DIAGNOSIS, Stage.REPAIR),
    (after_diagnosis, (False,), Stage.DIAGNOSIS, Stage.QUOTE_APPROVAL),
    # a re-diagnosis during approval uses the same function
    (after_diagnosis, (True,), Stage.QUOTE_APPROVAL, Stage.REPAIR),
    (after_diagnosis, (False,), Stage.QUOTE_APPROVAL, Stage.QUOTE_APPROVAL),
    (after_quote_decision, (True,), Stage.QUOTE_APPROVAL, Stage.REPAIR),
    # approved, or free, with a part out of stock
    (after_quote_decision, (True, True), Stage.QUOTE_APPROVAL, Stage.WAITING_PARTS),
    (after_diagnosis, (True, True), Stage.DIAGNOSIS, Stage.WAITING_PARTS),
    (after_diagnosis, (True, True), Stage.QUOTE_APPROVAL, Stage.WAITING_PARTS),
    (after_parts_reserved, (), Stage.WAITING_PARTS, Stage.REPAIR),
    # a triage override's new service mode before dispatch
    (after_triage_override, ("remote", Stage.DISPATCH), Stage.DISPATCH, Stage.REMOTE_GUIDANCE),
    (after_triage_override, ("on_site", Stage.REMOTE_GUIDANCE), Stage.REMOTE_GUIDANCE, Stage.DISPATCH),
    (after_quote_decision, (False,), Stage.QUOTE_APPROVAL, Stage.HANDOVER),
    (after_qc, (True,), Stage.QC, Stage.HANDOVER),
    (after_qc, (False,), Stage.QC, Stage.REPAIR),
    (after_handover, (True, None), Stage.HANDOVER, Stage.CALLBACK),
    (after_handover, (False, "rework"), Stage.HANDOVER, Stage.REPAIR),
    (after_handover, (False, "compensation"), Stage.HANDOVER, Stage.CALLBACK),
    (after_callback, (True,), Stage.CALLBACK, Stage.REVIEW),
    (after_callback, (False,), Stage.CALLBACK, Stage.CALLBACK),
    (after_intake, (), Stage.INTAKE, Stage.TRIAGE),
    (after_assignment, (), Stage.DISPATCH, Stage.DIAGNOSIS),
    (after_repair, (), Stage.REPAIR, Stage.QC),
    (after_callback_unreachable, (), Stage.CALLBACK, Stage.REVIEW),
    *[(after_cancel, (), stage, Stage.REVIEW) for stage in sorted(CANCELLABLE)],
    (after_review, (False,), Stage.REVIEW, Stage.CLOSED),
    (after_review, (True,), Stage.REVIEW, Stage.CANCELLED),
]


@pytest.mark.parametrize("fn,args,source,expected", OUTCOMES, ids=[f"{o[0].__name__}{o[1]}@{o[2]}" for o in OUTCOMES])
def test_after_outcomes_are_legal_moves(fn, args, source, expected):
    to = fn(*args)
    assert to is expected
    assert can_move(source, to), f"{source} -> {to} is not in TRANSITIONS"


# every ordered pair of stages: the table's moves pass `move`, every other one raises
EVERY_PAIR = [(frm, to) for frm in Stage for to in Stage]


@pytest.mark.parametrize("frm,to", EVERY_PAIR, ids=[f"{f}->{t}" for f, t in EVERY_PAIR])
def test_move_walks_the_table_and_refuses_the_rest(frm, to):
    if to in TRANSITIONS[frm]:
        assert move(frm, to) is to
    else:
        with pytest.raises(IllegalTransition) as refused:
            move(frm, to)
        assert (refused.value.frm, refused.value.to) == (frm, to)
        assert str(refused.value) == f"the stage machine does not allow {frm} → {to}"


def test_the_table_has_the_moves_the_lifecycle_needs_and_no_other():
    # each move below is made by exactly one next-stage function (or a cancel)
    made = {(source, fn(*args)) for fn, args, source, _ in OUTCOMES}
    made |= {(Stage.TRIAGE, Stage.REMOTE_GUIDANCE), (Stage.TRIAGE, Stage.DISPATCH)}
    table = {(frm, to) for frm, tos in TRANSITIONS.items() for to in tos}
    assert made == table


def test_after_triage_accepts_the_enum():
    from models.domain import ServiceMode

    assert after_triage(ServiceMode.REMOTE) is Stage.REMOTE_GUIDANCE
    assert after_triage(ServiceMode.ON_SITE) is Stage.DISPATCH


def test_every_stage_reachable_and_every_open_stage_can_finish():
    def reach(start):
        seen, todo = {start}, [start]
        while todo:
            for nxt in TRANSITIONS[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    assert reach(Stage.INTAKE) == set(Stage)
    for stage in OPEN:
        assert {Stage.CLOSED, Stage.CANCELLED} <= reach(stage)


@pytest.mark.parametrize(
    "stage,status",
    [
        *[(s, "open") for s in sorted(OPEN)],
        (Stage.CLOSED, "closed"),
        (Stage.CANCELLED, "cancelled"),
    ],
)
def test_status_of(stage, status):
    assert status_of(stage) == status


def test_a_triage_override_moves_the_case_only_for_a_new_route():
    assert after_triage_override(None, Stage.DISPATCH) is None
    assert after_triage_override("carry_in", Stage.DISPATCH) is None
    assert after_triage_override("remote", Stage.REMOTE_GUIDANCE) is None
