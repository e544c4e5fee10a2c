"""Drives cases through the REST API the way an agent, a technician and a supervisor do."""

import itertools
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import httpx

AGENT = {"Authorization": "Bearer dev-agent-key"}
TECH = {"Authorization": "Bearer dev-tech-key"}  # technician T-001
SUPERVISOR = {"Authorization": "Bearer dev-supervisor-key"}
# the timeline of a repaired case from intake to closed; the resolution clock stops while
# the customer decides on the quote and at handover
REPAIR_PATH = [
    "case_created",
    "triaged",
    "technician_assigned",
    "diagnosed",
    "sla_paused",
    "quote_approved",
    "sla_resumed",
    "repaired",
    "qc_passed",
    "sla_paused",
    "handover_accepted",
    "callback_reached",
    "reviewed",
]

_serials = itertools.count(1)


def intake_body(
    *,
    category: str = "washer",
    purchase_date: str = "2024-01-10",
    tier: str = "standard",
    serial: str | None = None,
    **fault: Any,
) -> dict:
    service_mode = fault.pop("service_mode", None)
    body = {
        "channel": "phone",
        "customer": {"name": "Wang Fang", "phone": "13800138000", "locale": "zh-CN", "tier": tier},
        "product": {
            "category": category,
            "model": "XQG100",
            "purchase_date": purchase_date,
            "serial_number": serial or f"SN-{uuid.uuid4().hex[:10].upper()}-{next(_serials)}",
        },
        "fault": {"description": "Drum does not spin, water stays in", "safety_hazard": False, **fault},
    }
    if service_mode:
        body["service_mode"] = service_mode
    return body


def in_warranty_date() -> str:
    today = date.today()
    return today.replace(day=1).isoformat()


class Cases:
    def __init__(self, http: httpx.AsyncClient):
        self.http = http
        self.opened: list[str] = []

    async def open(self, body: dict | None = None, headers: dict = AGENT) -> dict:
        response = await self.http.post("/api/v1/cases", json=body or intake_body(), headers=headers)
        assert response.status_code == 201, response.text
        self.opened.append(response.json()["case_id"])
        return response.json()

    async def act(self, case_id: str, action: str, body: dict, headers: dict = AGENT, status: int = 200) -> dict:
        response = await self.http.post(f"/api/v1/cases/{case_id}/{action}", json=body, headers=headers)
        assert response.status_code == status, response.text
        return response.json()

    async def get(self, case_id: str) -> dict:
        response = await self.http.get(f"/api/v1/cases/{case_id}", headers=AGENT)
        assert response.status_code == 200, response.text
        return response.json()

    async def timeline(self, case_id: str) -> list[dict]:
        response = await self.http.get(f"/api/v1/cases/{case_id}/timeline", headers=AGENT)
        assert response.status_code == 200, response.text
        return response.json()["events"]

    # the usual steps, each asserting the stage it leads to

    async def assign(self, case_id: str, technician_id: str = "T-001") -> dict:
        case = await self.act(case_id, "assignment", {"technician_id": technician_id})
        assert case["stage"] == "DIAGNOSIS"
        return case

    async def diagnose(self, case_id: str, parts: list[tuple[str, int]], hours: str = "1.5") -> dict:
        return await self.act(
            case_id,
            "diagnosis",
            {
                "fault_cause": "Drain pump blocked and worn",
                "parts": [{"part_number": p, "quantity": q} for p, q in parts],
                "labor_hours": hours,
                "notes": "checked on site",
            },
            TECH,
        )

    async def decide(self, case_id: str, approved: bool, **extra: Any) -> dict:
        """A decision on the case's current quote, unless `quote_version` says otherwise."""
        if "quote_version" not in extra:
            extra["quote_version"] = (await self.get(case_id))["quote"]["version"]
        return await self.act(case_id, "quote/decision", {"approved": approved, "note": "by phone", **extra})

    async def repair(self, case_id: str, parts: Sequence[tuple[str, int]] = (), hours: str = "1.0") -> dict:
        case = await self.act(
            case_id,
            "repair",
            {
                "parts_used": [{"part_number": p, "quantity": q} for p, q in parts],
                "labor_hours": hours,
                "notes": "replaced",
            },
            TECH,
        )
        assert case["stage"] == "QC"
        return case

    async def qc(self, case_id: str, passed: bool) -> dict:
        return await self.act(
            case_id, "qc", {"passed": passed, "checklist": {"spin": passed, "drain": True}, "notes": None}, TECH
        )

    async def handover(
        self, case_id: str, accepted: bool = True, resolution: str | None = None, headers: dict = AGENT, **extra: Any
    ) -> dict:
        body = {"accepted": accepted, "signed_by": "Wang Fang", "remarks": None, **extra}
        if resolution:
            body["resolution"] = resolution
        if resolution == "compensation":
            body.setdefault("compensation", {"type": "voucher", "amount": "100.00"})
        return await self.act(case_id, "handover", body, headers)

    async def callback(self, case_id: str, reached: bool = True, csat: int | None = 5, nps: int | None = 9) -> dict:
        body: dict[str, Any] = {"reached": reached, "comments": "ok"}
        if reached:
            body |= {"csat": csat, "nps": nps}
        return await self.act(case_id, "callback", body)

    async def to_quote(self, body: dict | None = None) -> dict:
        case = await self.open(body)
        await self.assign(case["case_id"])
        case = await self.diagnose(case["case_id"], [("WSH-DRAIN-PUMP", 1)])
        return case
