"""HTTP shapes of the periodic reviews (docs/reviews.md): the stored report, a review as
listed, and the request for a review of a period."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from models.periodic_review import ReviewKind

When = datetime | date  # as GET /api/v1/metrics/kpis: a date is its midnight, UTC


class TargetStanding(BaseModel):
    kpi: str
    label: str
    figure: str = Field(description="the KPI's field the target is about: value, mean, median, p90")
    direction: Literal["at_least", "at_most"]
    goal: float
    unit: str
    actual: float | None
    standing: Literal["met", "missed", "no_data"]


class ModelCount(BaseModel):
    model: str
    cases: int


class FaultCodeCount(BaseModel):
    code: str
    name: str | None
    name_zh: str | None
    category: str | None
    cases: int = Field(description="cases whose diagnosis in the period named the code")
    models: list[ModelCount] = Field(description="the devices' models, most cases first")


class StageMedian(BaseModel):
    stage: str
    cases: int
    median_seconds: float


class Bottleneck(BaseModel):
    definition: str
    stage: str | None = Field(description="the stage with the longest median; null without closed cases")
    stages: list[StageMedian] = Field(description="every stage, longest median first")


class BreachCount(BaseModel):
    priority: str | None = Field(description="the priority whose budget the clock ran on")
    target: str
    breaches: int


class SlaBreaches(BaseModel):
    definition: str
    total: int
    items: list[BreachCount]


class OpenFollowUps(BaseModel):
    open: int
    overdue: int = Field(description="past their deadline")


class SeverityCount(BaseModel):
    severity: str
    open: int
    callback_overdue: int = Field(description="not called back by the callback deadline")
    resolution_overdue: int = Field(description="past the resolution deadline")


class OpenComplaints(BaseModel):
    open: int
    callback_overdue: int
    resolution_overdue: int
    by_severity: list[SeverityCount]


class ReviewReport(BaseModel):
    """What a review stores (review_reports.report). Reports stay as they were made, so a
    field is only ever added, with a default; the KPI report is kept as it was answered."""

    model_config = ConfigDict(populate_by_name=True)

    review_id: str
    kind: ReviewKind
    period_from: datetime = Field(alias="from")
    period_to: datetime = Field(alias="to", description="exclusive")
    period: str = Field(description="the period's first and last day in the service's time zone")
    timezone: str
    compiled_at: datetime = Field(description="the open follow-ups and complaints are those of this instant")
    score: float | None = Field(description="the service score of the KPI report, 0-100")
    targets_missed: int
    targets: list[TargetStanding]
    kpis: dict[str, Any] = Field(description="the KPI report of the period, as GET /api/v1/metrics/kpis answered it")
    top_fault_codes: list[FaultCodeCount] = Field(description="at most ten, most cases first")
    bottleneck: Bottleneck
    sla_breaches: SlaBreaches
    follow_ups: OpenFollowUps
    complaints: OpenComplaints


class ReviewRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    period_from: When = Field(alias="from", description="a date (its midnight, UTC) or a datetime")
    period_to: When = Field(alias="to", description="exclusive; at most 400 days after `from`")


class ReviewSummary(BaseModel):
    model_config = ConfigDict(populate_by_name=True, from_attributes=True)

    review_id: str
    kind: ReviewKind
    period_from: datetime = Field(alias="from")
    period_to: datetime = Field(alias="to")
    requested_by: str
    created_at: datetime


class ReviewView(ReviewSummary):
    report: ReviewReport


class ReviewPage(BaseModel):
    items: list[ReviewSummary]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")
