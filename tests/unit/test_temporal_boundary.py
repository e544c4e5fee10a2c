"""What crosses the Temporal boundary keeps its shape: activities keep the names that cases
in flight schedule, each takes one pydantic model and returns a model (or nothing), the
workflow calls them by reference only, and its files stay small enough to read."""

import ast
import inspect
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel
from temporalio import activity

import activities
from settings import Settings

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / "workflows").glob("*.py"))

# the names Temporal knows the activities by; running cases schedule them, so they stay
REGISTERED = {
    "record_intake",
    "triage_case",
    "open_case",
    "record_step",
    "price_quote",
    "record_diagnosis",
    "record_quote_decision",
    "record_repair",
    "record_qc",
    "record_handover",
    "record_callback",
    "record_escalation",
    "change_sla_clock",
    "record_review",
    "notify",
    # the Delivery workflow's
    "deliver",
    "give_up",
    # spare parts held for a case
    "reserve_parts",
    "release_parts",
    "consume_parts",
    "parts_ready",
    # automatic dispatch
    "auto_assign",
    # the Complaint workflow's
    "record_complaint",
    "record_complaint_event",
    "notify_complaint",
    # the PeriodicReview workflow's
    "compile_review",
    "notify_review",
}
ACTIVITY_CALLS = {
    "execute_activity",
    "start_activity",
    "execute_activity_method",
    "start_activity_method",
    "execute_local_activity",
    "start_local_activity",
    "execute_local_activity_method",
    "start_local_activity_method",
}

BUILT = activities.build(None, Settings())  # type: ignore[arg-type]


def test_the_registered_activity_names_are_the_ones_cases_in_flight_use():
    assert {activity._Definition.must_from_callable(fn).name for fn in BUILT} == REGISTERED
    assert len(BUILT) == len(REGISTERED)


@pytest.mark.parametrize("fn", BUILT, ids=lambda fn: fn.__name__)
def test_each_activity_takes_one_model_and_returns_a_model_or_nothing(fn):
    hints = typing.get_type_hints(fn)
    params = list(inspect.signature(fn).parameters)
    assert len(params) == 1, params
    assert issubclass(hints[params[0]], BaseModel)
    returned = hints["return"]
    assert returned is type(None) or typing.get_origin(returned) is typing.Literal or issubclass(returned, BaseModel)


def activity_calls_by_name(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        first = node.args[0]
        if name in ACTIVITY_CALLS and not (isinstance(first, ast.Attribute) or isinstance(first, ast.Name)):
            found.append(f"{path.name}:{node.lineno}")
    return found


def test_the_scan_finds_a_call_by_name(tmp_path):
    sample = tmp_path / "by_name.py"
    sample.write_text('workflow.execute_activity("record_step", step)\nworkflow.start_activity(f"{x}", y)\n')
    assert activity_calls_by_name(sample) == ["by_name.py:1", "by_name.py:2"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_the_workflow_calls_activities_by_reference_only(path):
    assert activity_calls_by_name(path) == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_workflow_file_is_over_400_lines(path):
    assert len(path.read_text().splitlines()) <= 400
