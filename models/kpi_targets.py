"""The service's targets for its KPIs, and how a report's figure stands against each: what
the periodic reviews and the supervisor dashboard judge the service by (docs/kpis.md).
Pure: it reads a KPI report as plain data (the JSON of GET /api/v1/metrics/kpis)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Direction = Literal["at_least", "at_most"]
Standing = Literal["met", "missed", "no_data"]

HOUR = 3600.0


@dataclass(frozen=True)
class KpiTarget:
    kpi: str  # a key of the KPI report
    figure: str  # the field of that KPI the target is about: value, mean, median, p90
    direction: Direction
    goal: float
    unit: str
    label: str  # a short name for tiles and reports


TARGETS: tuple[KpiTarget, ...] = (
    KpiTarget("first_response", "median", "at_most", 2 * HOUR, "seconds", "first response (median)"),
    KpiTarget("resolution_time", "median", "at_most", 48 * HOUR, "seconds", "resolution time (median)"),
    KpiTarget("first_contact_resolution", "value", "at_least", 0.30, "share", "first-contact resolution"),
    KpiTarget("first_time_fix", "value", "at_least", 0.90, "share", "first-time fix"),
    KpiTarget("csat", "value", "at_least", 4.5, "score 1-5", "CSAT"),
    KpiTarget("nps", "value", "at_least", 50.0, "points", "NPS"),
    KpiTarget("ces", "value", "at_most", 2.5, "score 1-7", "customer effort"),
    KpiTarget("complaint_rate", "value", "at_most", 0.02, "share", "complaint rate"),
    KpiTarget("mttr", "median", "at_most", 24 * HOUR, "seconds", "MTTR (median)"),
    KpiTarget("repeat_repair_rate", "value", "at_most", 0.05, "share", "repeat repairs"),
    KpiTarget("parts_availability", "value", "at_least", 0.90, "share", "parts availability"),
    KpiTarget("technician_utilization", "value", "at_least", 0.60, "share", "technician utilization"),
    KpiTarget("service_score", "value", "at_least", 85.0, "0-100", "service score"),
)


@dataclass(frozen=True)
class Judged:
    target: KpiTarget
    actual: float | None
    standing: Standing


def stands(target: KpiTarget, actual: float | None) -> Standing:
    if actual is None:
        return "no_data"
    met = actual >= target.goal if target.direction == "at_least" else actual <= target.goal
    return "met" if met else "missed"


def judge(report: Mapping[str, Any]) -> list[Judged]:
    """Each target against the report's figure; a KPI the report lacks has no data."""
    judged = []
    for target in TARGETS:
        kpi = report.get(target.kpi) or {}
        actual = kpi.get(target.figure)
        judged.append(Judged(target, None if actual is None else float(actual), stands(target, actual)))
    return judged
