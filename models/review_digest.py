"""What the dashboard shows of the latest review: a few figures read out of its stored report
(review_reports.report). The report is JSON another part writes and may grow or change, so
each figure is taken only when it has the expected shape and left out otherwise. Pure."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FAULT_CODES = 3


@dataclass(frozen=True)
class ReviewDigest:
    score: float | None = None
    standings: dict[str, int] = field(default_factory=dict)  # met / missed / no_data -> targets
    fault_codes: list[tuple[str, int]] = field(default_factory=list)  # (code, cases), most first
    bottleneck: str | None = None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _standings(targets: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for target in targets if isinstance(targets, list) else []:
        standing = target.get("standing") if isinstance(target, Mapping) else None
        if standing in ("met", "missed", "no_data"):
            counts[standing] = counts.get(standing, 0) + 1
    return counts


def _fault_codes(tallies: Any) -> list[tuple[str, int]]:
    codes = []
    for tally in tallies if isinstance(tallies, list) else []:
        if isinstance(tally, Mapping) and isinstance(tally.get("code"), str):
            cases = _number(tally.get("cases"))
            if cases is not None:
                codes.append((tally["code"], int(cases)))
    return codes[:FAULT_CODES]


def _bottleneck(value: Any) -> str | None:
    stage = value.get("stage") if isinstance(value, Mapping) else value
    return stage if isinstance(stage, str) and stage else None


def digest(report: Any) -> ReviewDigest:
    if not isinstance(report, Mapping):
        return ReviewDigest()
    return ReviewDigest(
        score=_number(report.get("score")),
        standings=_standings(report.get("targets")),
        fault_codes=_fault_codes(report.get("top_fault_codes")),
        bottleneck=_bottleneck(report.get("bottleneck")),
    )
