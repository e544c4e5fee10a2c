"""Links into the Temporal UI: its list of case workflows filtered by a visibility query over
the search attributes the workflow keeps (models/search_attributes.py), so each figure of the
dashboard opens the cases behind it. Pure."""

from datetime import UTC, datetime
from urllib.parse import quote

from models.search_attributes import CASE_STAGE, SLA_BREACHED, SLA_DEADLINE
from models.stages import Stage

CASES = 'WorkflowType="RepairCaseWorkflow"'


def instant(at: datetime) -> str:
    """A visibility query's datetime literal (RFC 3339, UTC)."""
    if at.tzinfo is None:
        raise ValueError("a naive datetime has no place in a visibility query")
    return f'"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"'


def _namespace(ui: str, namespace: str) -> str:
    return f"{ui.rstrip('/')}/namespaces/{quote(namespace, safe='')}"


def workflows(ui: str, namespace: str, query: str) -> str:
    """The UI's workflow list showing what `query` selects."""
    return f"{_namespace(ui, namespace)}/workflows?query={quote(query, safe='')}"


def workflow(ui: str, namespace: str, workflow_id: str) -> str:
    """One workflow's page (a case's workflow id is its case id)."""
    return f"{_namespace(ui, namespace)}/workflows/{quote(workflow_id, safe='')}"


def opened_since(start: datetime) -> str:
    return f"{CASES} AND StartTime >= {instant(start)}"


def closed_since(start: datetime) -> str:
    return f'{CASES} AND {CASE_STAGE.name}="{Stage.CLOSED}" AND CloseTime >= {instant(start)}'


def breached_since(start: datetime) -> str:
    return f"{CASES} AND {SLA_BREACHED.name}=true AND StartTime >= {instant(start)}"


def running_breached() -> str:
    return f'{CASES} AND ExecutionStatus="Running" AND {SLA_BREACHED.name}=true'


def running_due_before(at: datetime) -> str:
    return f'{CASES} AND ExecutionStatus="Running" AND {SLA_DEADLINE.name} < {instant(at)}'


def running_in_stage(stage: Stage) -> str:
    return f'{CASES} AND ExecutionStatus="Running" AND {CASE_STAGE.name}="{stage}"'
