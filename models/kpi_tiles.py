"""The dashboard's KPI tiles: each target of models.kpi_targets with the figure of a report,
written for people (hours, percent), its goal beside it and whether it was met. Pure."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models.kpi_targets import HOUR, Judged, Standing, judge

STANDING_WORDS: dict[Standing, str] = {"met": "met", "missed": "missed", "no_data": "no data"}
NO_FIGURE = "—"


def _number(value: float, digits: int) -> str:
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def figure(value: float | None, unit: str) -> str:
    """A KPI's value in words: seconds as minutes or hours, a share as percent."""
    if value is None:
        return NO_FIGURE
    if unit == "seconds":
        return f"{_number(value / 60, 0)} min" if abs(value) < HOUR else f"{_number(value / HOUR, 1)} h"
    if unit == "share":
        return f"{_number(value * 100, 1)} %"
    if unit.startswith("score"):
        return _number(value, 2)
    return _number(value, 1)


@dataclass(frozen=True)
class Tile:
    kpi: str
    label: str
    value: str
    goal: str
    standing: Standing

    @property
    def standing_words(self) -> str:
        return STANDING_WORDS[self.standing]


def tile(judged: Judged) -> Tile:
    target = judged.target
    sign = "≥" if target.direction == "at_least" else "≤"
    return Tile(
        kpi=target.kpi,
        label=target.label,
        value=figure(judged.actual, target.unit),
        goal=f"{sign} {figure(target.goal, target.unit)}",
        standing=judged.standing,
    )


def tiles(report: Mapping[str, Any]) -> list[Tile]:
    """A tile per target, in the targets' order; `report` is the KPI report as JSON."""
    return [tile(j) for j in judge(report)]
