"""SLA targets per priority and their deadlines. Pure."""
from datetime import datetime, timedelta
from enum import StrEnum


class Target(StrEnum):
    ASSIGNED = "assigned"
    DIAGNOSIS_STARTED = "diagnosis_started"
    RESOLVED = "resolved"


# minutes, from DESIGN §3
DEFAULT_SLA_MINUTES: dict[str, dict[str, float]] = {
    "P1": {"assigned": 15, "diagnosis_started": 2 * 60, "resolved": 24 * 60},
    "P2": {"assigned": 60, "diagnosis_started": 8 * 60, "resolved": 36 * 60},
    "P3": {"assigned": 4 * 60, "diagnosis_started": 24 * 60, "resolved": 48 * 60},
    "P4": {"assigned": 24 * 60, "diagnosis_started": 72 * 60, "resolved": 5 * 24 * 60},
}


def deadlines(
    priority: str, start: datetime, table: dict[str, dict[str, float]], time_scale: float
) -> dict[Target, datetime]:
    minutes = table[priority]
    return {t: start + timedelta(minutes=minutes[t.value] * time_scale) for t in Target}


def met_by(step: str) -> tuple[Target, ...]:
    """Which targets a recorded step satisfies."""
    return {
        "assignment": (Target.ASSIGNED,),
        "diagnosis": (Target.DIAGNOSIS_STARTED,),
        "handover": (Target.RESOLVED,),
        # solved on the phone: nobody needs to be sent any more
        "remote_resolved": tuple(Target),
    }.get(step, ())
