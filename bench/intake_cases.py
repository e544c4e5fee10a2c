"""The operations bench/intake.py times, each as the n-th of a run: an intake and a whole
out-of-warranty repair (intake to closed), once through the REST API and once through the
Temporal client making the calls the API makes (api/commands.py), and the bare workflow.

Both sides send the same bodies: the API's JSON, or the models the API would build from
it. The quote is approved in the version the diagnosis answered with (the integration
tests' Cases helper reads it back with a GET first; a caller that has it need not).
"""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from temporalio.client import Client

from api import commands
from api.routes.actions import SPECS
from bench.intake_bare import BareInput, BareWorkflow
from bench.sla_timers import open_bench_case
from models.domain import Actor, Intake, Role
from models.stages import Stage
from settings import Settings

AGENT_KEY, TECH_KEY = "dev-agent-key", "dev-tech-key"  # seeded by devstack.seed (dev_keys=True)
# the actors the API makes of those keys (api/auth.py Principal.actor)
ACTORS = {AGENT_KEY: Actor(role=Role.AGENT, id="dev-agent"), TECH_KEY: Actor(role=Role.TECHNICIAN, id="T-001")}
PUMP = "WSH-DRAIN-PUMP"
SPEC = {spec.path: spec for spec in SPECS}

# intake to closed, after the intake: (action path, key, body), as tests/test_case_paths.py drives it
LIFECYCLE: list[tuple[str, str, dict[str, Any]]] = [
    ("assignment", AGENT_KEY, {"technician_id": "T-001"}),
    (
        "diagnosis",
        TECH_KEY,
        {
            "fault_cause": "Drain pump blocked and worn",
            "parts": [{"part_number": PUMP, "quantity": 1}],
            "labor_hours": "1.5",
            "notes": "checked on site",
        },
    ),
    ("quote/decision", AGENT_KEY, {"approved": True, "note": "by phone"}),  # + the quote's version
    ("repair", TECH_KEY, {"parts_used": [{"part_number": PUMP, "quantity": 1}], "labor_hours": "1.0", "notes": "ok"}),
    ("qc", TECH_KEY, {"passed": True, "checklist": {"spin": True, "drain": True}, "notes": None}),
    ("handover", AGENT_KEY, {"accepted": True, "signed_by": "Wang Fang", "remarks": None}),
    ("callback", AGENT_KEY, {"reached": True, "comments": "ok", "csat": 5, "nps": 9}),
]


def intake_json(tag: str, n: int) -> dict[str, Any]:
    """An out-of-warranty washer (P3, on site), each with its own serial number and customer."""
    return {
        "channel": "phone",
        "customer": {"name": f"Bench Customer {n}", "phone": f"139{n % 10**8:08d}", "locale": "zh-CN"},
        "product": {
            "category": "washer",
            "model": "XQG100",
            "serial_number": f"BENCH-{tag}-{n}",
            "purchase_date": "2024-01-10",
        },
        "fault": {"description": "Drum does not spin, water stays in", "safety_hazard": False},
    }


def with_version(path: str, body: dict[str, Any], version: int | None) -> dict[str, Any]:
    return body | {"quote_version": version} if path == "quote/decision" else body


class Failed(Exception):
    """An operation that did not end where it should."""


@dataclass
class Api:
    http: httpx.AsyncClient

    async def post(self, path: str, key: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        response = await self.http.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
        if response.status_code != status:
            raise Failed(f"POST {path}: {response.status_code} {response.text[:300]}")
        return response.json()

    async def intake(self, tag: str, n: int) -> str:
        return (await self.post("/api/v1/cases", AGENT_KEY, intake_json(tag, n), status=201))["case_id"]

    async def lifecycle(self, tag: str, n: int) -> None:
        case_id, version = await self.intake(tag, n), None
        for path, key, body in LIFECYCLE:
            case = await self.post(f"/api/v1/cases/{case_id}/{path}", key, with_version(path, body, version))
            version = case["quote"]["version"] if case.get("quote") else version
        if case["stage"] != Stage.CLOSED:
            raise Failed(f"case {case_id} ended in {case['stage']}")


@dataclass
class Raw:
    """The Temporal calls the API makes, from a client of the same settings."""

    client: Client
    settings: Settings

    async def intake(self, tag: str, n: int) -> str:
        return await open_bench_case(self.client, self.settings, Intake.model_validate(intake_json(tag, n)))

    async def lifecycle(self, tag: str, n: int) -> None:
        case_id, version = await self.intake(tag, n), None
        for path, key, body in LIFECYCLE:
            spec = SPEC[path]
            state = await commands.act(
                self.client,
                case_id,
                spec.action,
                ACTORS[key],
                spec.body.model_validate(with_version(path, body, version)),
                within=self.settings.answer_timeout,
            )
            version = state.quote.version if state.quote else version
        if state.stage is not Stage.CLOSED:
            raise Failed(f"case {case_id} ended in {state.stage}")


@dataclass
class Bare:
    client: Client
    task_queue: str

    async def run(self, tag: str, n: int) -> None:
        workflow_id = f"bench-bare-{tag}-{n}-{uuid.uuid4().hex[:6]}"
        await self.client.execute_workflow(
            BareWorkflow.run, BareInput(workflow_id=workflow_id), id=workflow_id, task_queue=self.task_queue
        )
