"""The KPI arithmetic the SQL leaves to Python: the period asked for, NPS from its counts,
and the weighted service score with each component's mapping to 0-100 (docs/kpis.md). Pure."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

# the longest period one request may cover: a year and a bit, so a year-on-year window fits
MAX_SPAN = timedelta(days=400)
# survey scales (docs/api.md, the callback)
SCALE_LOW, SCALE_HIGH = 1, 5
NPS_PROMOTER_AT_LEAST = 9
NPS_DETRACTOR_AT_MOST = 6


class Component(StrEnum):
    """The five dimensions of the service score (docs/kpis.md)."""

    RESPONSE = "response"
    ATTITUDE = "attitude"
    PROFESSIONALISM = "professionalism"
    RESOLUTION = "resolution_efficiency"
    SATISFACTION = "satisfaction"


WEIGHTS: dict[Component, float] = {
    Component.RESPONSE: 0.10,
    Component.ATTITUDE: 0.20,
    Component.PROFESSIONALISM: 0.25,
    Component.RESOLUTION: 0.30,
    Component.SATISFACTION: 0.15,
}


def as_instant(value: date | datetime) -> datetime:
    """A date is its midnight, UTC; a datetime without a zone is read as UTC; both in UTC."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def span_problem(start: datetime, end: datetime) -> str | None:
    """Why [start, end) is not a period one request may ask for, or None."""
    if end <= start:
        return "must be after `from`"
    if end - start > MAX_SPAN:
        return f"at most {MAX_SPAN.days} days after `from`"
    return None


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def nps(promoters: int, detractors: int, answers: int) -> float | None:
    """Percentage of promoters minus percentage of detractors: -100 to 100."""
    return 100 * (promoters - detractors) / answers if answers else None


def from_scale(mean: float | None) -> float | None:
    """A 1-5 survey mean on 0-100: 1 is 0, 5 is 100, linear between."""
    return None if mean is None else 100 * (mean - SCALE_LOW) / (SCALE_HIGH - SCALE_LOW)


def from_share(value: float | None) -> float | None:
    """A share (0-1) of targets met in time on 0-100."""
    return None if value is None else 100 * value


MAPPINGS: dict[Component, str] = {
    Component.RESPONSE: "100 × share of `assigned` SLA targets met without breach",
    Component.ATTITUDE: "100 × (attitude mean − 1) / 4",
    Component.PROFESSIONALISM: "100 × (professionalism mean − 1) / 4",
    Component.RESOLUTION: "100 × share of `resolved` SLA targets met without breach",
    Component.SATISFACTION: "100 × (CSAT mean − 1) / 4",
}


@dataclass(frozen=True)
class Scored:
    component: Component
    weight: float
    raw: float | None  # the KPI the component is made from
    value: float | None  # on 0-100


@dataclass(frozen=True)
class Score:
    value: float | None
    components: tuple[Scored, ...]


def service_score(
    *,
    response_attainment: float | None,
    attitude: float | None,
    professionalism: float | None,
    resolution_attainment: float | None,
    csat: float | None,
) -> Score:
    """The weighted score 0-100. A component without data is left out and the others'
    weights are scaled up to sum to 1; without any, the score is None."""
    raws: Mapping[Component, float | None] = {
        Component.RESPONSE: response_attainment,
        Component.ATTITUDE: attitude,
        Component.PROFESSIONALISM: professionalism,
        Component.RESOLUTION: resolution_attainment,
        Component.SATISFACTION: csat,
    }
    mapped = {
        c: (from_share(raw) if c in (Component.RESPONSE, Component.RESOLUTION) else from_scale(raw))
        for c, raw in raws.items()
    }
    scored = tuple(Scored(c, WEIGHTS[c], raws[c], mapped[c]) for c in Component)
    present = [s for s in scored if s.value is not None]
    weight = sum(s.weight for s in present)
    if not present:
        return Score(None, scored)
    return Score(sum(s.weight * s.value for s in present if s.value is not None) / weight, scored)
