"""The lifecycles a chaos run drives: the requests of each, the stage each answer must
show, and what a case on that path leaves in PostgreSQL when it is CLOSED: its timeline
event types with their counts, and one customer message per template."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

AGENT = "dev-agent-key"
TECHNICIAN = "dev-tech-key"  # technician T-001, to whom every case is assigned

# the SLA ladder climbs by the clock, not by what the clients do: not counted
CLOCK_EVENTS = frozenset({"sla_warn", "sla_breach", "sla_raise", "sla_extended"})

Body = Callable[[dict[str, Any]], dict[str, Any]]  # the last answer (case view) → the request body


@dataclass(frozen=True)
class Step:
    action: str  # the path under /api/v1/cases/{id}/
    key: str  # the API key that takes it
    body: Body
    stage: str  # the stage the answer must show


@dataclass(frozen=True)
class Path:
    name: str
    severity: str
    steps: tuple[Step, ...]
    events: Counter[str]
    templates: frozenset[str]  # customer messages, one each
    after_intake: str = "DISPATCH"

    @property
    def requests(self) -> int:
        return 1 + len(self.steps)


def serial(run: str, n: int) -> str:
    """The serial number of the run's case n: how the checks find its case, however its intake went."""
    return f"CHAOS-{run}-{n:05d}"


def intake(run: str, n: int, path: Path) -> dict[str, Any]:
    """A washer out of warranty (so its quote is not free), a serial number and phone of its own."""
    return {
        "channel": "phone",
        "customer": {"name": f"Chaos Customer {n}", "phone": f"138{n:08d}", "locale": "en"},
        "product": {
            "category": "washer",
            "model": "XQG100-B14",
            "serial_number": serial(run, n),
            "purchase_date": date(2023, 3, 1).isoformat(),
        },
        "fault": {"description": "Drum does not spin, water stays in", "severity": path.severity},
        "service_mode": "remote" if path.after_intake == "REMOTE_GUIDANCE" else "on_site",
    }


def _fixed(body: dict[str, Any]) -> Body:
    return lambda _case: body


def _decision(approved: bool) -> Body:
    # the decision names the quote it answers: the one the diagnosis just priced
    return lambda case: {"approved": approved, "quote_version": case["quote"]["version"], "note": "by phone"}


PARTS = [{"part_number": "WSH-DRAIN-PUMP", "quantity": 1}]
ASSIGN = Step("assignment", AGENT, _fixed({"technician_id": "T-001"}), "DIAGNOSIS")
DIAGNOSE = Step(
    "diagnosis",
    TECHNICIAN,
    _fixed({"fault_cause": "Drain pump blocked and worn", "parts": PARTS, "labor_hours": "1.5"}),
    "QUOTE_APPROVAL",
)
REPAIR = Step("repair", TECHNICIAN, _fixed({"parts_used": PARTS, "labor_hours": "1.0"}), "QC")
QC = Step("qc", TECHNICIAN, _fixed({"passed": True, "checklist": {"spin": True, "drain": True}}), "HANDOVER")
HANDOVER = Step("handover", AGENT, _fixed({"accepted": True, "signed_by": "Chaos Customer"}), "CALLBACK")
CALLBACK = Step("callback", AGENT, _fixed({"reached": True, "csat": 5, "nps": 9, "comments": "fine"}), "CLOSED")

FULL = Path(
    name="full",
    severity="functional",
    steps=(
        ASSIGN,
        DIAGNOSE,
        Step("quote/decision", AGENT, _decision(True), "REPAIR"),
        REPAIR,
        QC,
        HANDOVER,
        CALLBACK,
    ),
    events=Counter(
        {
            "case_created": 1,
            "triaged": 1,
            "technician_assigned": 1,
            "diagnosed": 1,
            "quote_approved": 1,
            "repaired": 1,
            "qc_passed": 1,
            "handover_accepted": 1,
            "callback_reached": 1,
            "reviewed": 1,
            # the resolution clock waits on the customer at the quote and at handover
            "sla_paused": 2,
            "sla_resumed": 1,
        }
    ),
    templates=frozenset(
        {"accepted", "technician_assigned", "quote_ready", "repair_started", "ready_for_handover", "closed"}
    ),
)

DECLINED = Path(
    name="declined",
    severity="functional",
    steps=(
        ASSIGN,
        DIAGNOSE,
        Step("quote/decision", AGENT, _decision(False), "HANDOVER"),
        HANDOVER,
        CALLBACK,
    ),
    events=Counter(
        {
            "case_created": 1,
            "triaged": 1,
            "technician_assigned": 1,
            "diagnosed": 1,
            "quote_declined": 1,
            "returned_unrepaired": 1,
            "callback_reached": 1,
            "reviewed": 1,
            "sla_paused": 1,  # from the quote on, the case waits on the customer
        }
    ),
    templates=frozenset({"accepted", "technician_assigned", "quote_ready", "returned_unrepaired", "closed"}),
)

REMOTE = Path(
    name="remote",
    severity="consultation",
    after_intake="REMOTE_GUIDANCE",
    steps=(
        Step("remote-resolution", AGENT, _fixed({"resolved": True, "notes": "reset by phone"}), "CALLBACK"),
        CALLBACK,
    ),
    events=Counter({"case_created": 1, "triaged": 1, "remote_resolved": 1, "callback_reached": 1, "reviewed": 1}),
    templates=frozenset({"accepted", "closed"}),
)

OTHERS = (DECLINED, REMOTE)


def paths_for(cases: int, other_cases: int) -> list[Path]:
    """The path of each case in order: the other paths spread among the full ones, so
    every fault finds all of them in flight."""
    total = cases + other_cases
    spacing = total / other_cases if other_cases else 0.0  # at least 1: the slots never collide
    slots = [int((i + 0.5) * spacing) for i in range(other_cases)]
    order = [FULL] * total
    for i, slot in enumerate(slots):
        order[slot] = OTHERS[i % len(OTHERS)]
    return order
