"""HTTP shapes of the KPI report (GET /api/v1/metrics/kpis); docs/kpis.md defines each KPI."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.domain import Category, Channel, Priority
from models.kpis import Component
from models.stages import Stage

# which cases a KPI counts: those closed in the period, those opened in it, those a technician
# held during it, or those open now
Basis = Literal["closed", "opened", "held", "now"]


class Kpi(BaseModel):
    definition: str
    basis: Basis
    unit: str
    n: int = Field(description="the sample size: cases (or answers, or technicians) the value is made of")


class Value(Kpi):
    value: float | None = Field(description="null when n is 0, or when it is not recorded (see note)")
    note: str | None = None


class Durations(Kpi):
    mean: float | None
    median: float | None
    p90: float | None


class Csat(Value):
    distribution: dict[Literal["1", "2", "3", "4", "5"], int] = Field(description="answers per score")


class Attainment(BaseModel):
    target: Literal["assigned", "diagnosis_started", "resolved"]
    priority: Priority | None = Field(description="the priority whose budget the clock ran on")
    n: int
    met: int = Field(description="met without a breach on record")
    value: float | None


class SlaAttainment(Kpi):
    items: list[Attainment]


class StageCount(BaseModel):
    stage: Stage
    count: int


class Backlog(Kpi):
    items: list[StageCount]


class ScoreComponent(BaseModel):
    name: Component
    weight: float
    source: str = Field(description="the KPI it is made from")
    mapping: str = Field(description="how that KPI becomes 0-100")
    raw: float | None
    value: float | None = Field(description="0-100; null without data, and then left out of the score")


class ServiceScore(BaseModel):
    definition: str
    value: float | None = Field(description="0-100")
    components: list[ScoreComponent]


class Filters(BaseModel):
    category: Category | None = None
    region: str | None = None
    technician_id: str | None = None
    priority: Priority | None = None
    channel: Channel | None = None


class KpiReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    period_from: datetime = Field(alias="from")
    period_to: datetime = Field(alias="to", description="exclusive")
    filters: Filters
    first_response: Durations
    resolution_time: Durations
    first_contact_resolution: Value
    first_time_fix: Value
    csat: Csat
    nps: Value
    ces: Value
    attitude: Value
    professionalism: Value
    complaint_rate: Value
    mttr: Durations
    repeat_repair_rate: Value
    parts_availability: Value
    technician_utilization: Value
    sla_attainment: SlaAttainment
    backlog: Backlog
    service_score: ServiceScore
