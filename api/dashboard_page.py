"""The supervisor dashboard as HTML: Jinja templates in api/templates/dashboard/, autoescaped,
with the charts as inline SVG and no JavaScript. The route (api/routes/dashboard.py) gathers
the figures; this lays them out, each with its link into the Temporal UI."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from api import dashboard_charts
from api.dashboard_queries import OpenWork
from api.schemas import AtRiskItem
from models import temporal_ui
from models.kpi_tiles import Tile
from models.review_digest import ReviewDigest
from models.stages import Stage
from models.tables import ReviewReportRow
from models.trends import Weekly
from settings import Settings

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates" / "dashboard"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# no script runs here, no proxy keeps a page of figures, no other site frames its forms
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
}
KPI_DAYS = 30
DUE_SOON = timedelta(hours=24)


@dataclass(frozen=True)
class Link:
    words: str
    url: str


@dataclass(frozen=True)
class ChartBox:
    key: str
    title: str
    svg: Markup
    latest: str  # the current week's figures in words, for those who cannot see the chart
    links: list[Link]


@dataclass(frozen=True)
class Figures:
    """What the route gathered for the page."""

    supervisor: str
    now: datetime
    kpi_from: datetime
    tiles: list[Tile]
    backlog: list[tuple[Stage, int]]
    weekly: Weekly
    at_risk: list[AtRiskItem]
    open_work: OpenWork
    review: ReviewReportRow | None
    review_digest: ReviewDigest = field(default_factory=ReviewDigest)


def left(seconds: float) -> str:
    """Time to a deadline in words; past it, how long ago ("overdue 2 h 5 min")."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours or days else []
    parts += [] if days else [f"{mins} min"]
    words = " ".join(parts)
    return f"overdue {words}" if seconds < 0 else words


def when(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _charts(weekly: Weekly, ui: str, namespace: str) -> list[ChartBox]:
    start = weekly.starts[0]

    def link(words: str, query: str) -> Link:
        return Link(words, temporal_ui.workflows(ui, namespace, query))

    closed = link("closed cases in Temporal", temporal_ui.closed_since(start))
    return [
        ChartBox(
            "opened_closed",
            "Cases opened and closed per week",
            dashboard_charts.opened_closed(weekly),
            f"this week: {_number(weekly.opened[-1])} opened, {_number(weekly.closed[-1])} closed",
            [link("opened cases in Temporal", temporal_ui.opened_since(start)), closed],
        ),
        ChartBox(
            "resolution",
            "Median resolution time (hours)",
            dashboard_charts.resolution(weekly),
            f"this week: {_number(weekly.resolution_hours[-1])} h",
            [closed],
        ),
        ChartBox(
            "csat",
            "Customer satisfaction (mean, 1-5)",
            dashboard_charts.csat(weekly),
            f"this week: {_number(weekly.csat[-1])}",
            [closed],
        ),
        ChartBox(
            "sla_attainment",
            "SLA targets met (%)",
            dashboard_charts.sla_attainment(weekly),
            f"this week: {_number(weekly.sla_attainment[-1])} %",
            [link("cases with a breach in Temporal", temporal_ui.breached_since(start))],
        ),
    ]


def _risk_rows(items: list[AtRiskItem], ui: str, namespace: str) -> list[dict[str, Any]]:
    return [
        {
            "case_id": item.case_id,
            "url": temporal_ui.workflow(ui, namespace, item.case_id),
            "stage": item.stage.value,
            "priority": item.priority.value if item.priority else "—",
            "technician": item.technician_id or "—",
            "target": item.target,
            "deadline": when(item.deadline),
            "left": left(item.seconds_left),
            "overdue": item.seconds_left < 0,
        }
        for item in items
    ]


def dashboard(figures: Figures, settings: Settings, *, root: str, csrf: str) -> HTMLResponse:
    ui, namespace = settings.temporal_ui_url, settings.temporal_namespace
    review = figures.review
    html = TEMPLATES.get_template("page.html").render(
        root=root,
        csrf=csrf,
        supervisor=figures.supervisor,
        now=when(figures.now),
        kpi_from=when(figures.kpi_from),
        kpi_days=KPI_DAYS,
        tiles=figures.tiles,
        backlog=[
            {
                "stage": stage.value,
                "count": count,
                "url": temporal_ui.workflows(ui, namespace, temporal_ui.running_in_stage(stage)),
            }
            for stage, count in figures.backlog
        ],
        charts=_charts(figures.weekly, ui, namespace),
        weeks=len(figures.weekly.starts),
        risks=_risk_rows(figures.at_risk, ui, namespace),
        risk_links=[
            Link("running cases with a breach", temporal_ui.workflows(ui, namespace, temporal_ui.running_breached())),
            Link(
                "running cases due within 24 h",
                temporal_ui.workflows(ui, namespace, temporal_ui.running_due_before(figures.now + DUE_SOON)),
            ),
        ],
        open_work=figures.open_work,
        review=review
        and {
            "id": review.review_id,
            "kind": review.kind,
            "period": f"{when(review.period_from)} – {when(review.period_to)}",
            "created": when(review.created_at),
            "url": f"{root}/api/v1/reviews/{quote(review.review_id, safe='')}",
        },
        digest=figures.review_digest,
    )
    return HTMLResponse(html, headers=HEADERS)


def login(
    root: str, csrf: str, *, error: str | None = None, status: int = 200, notice: str | None = None
) -> HTMLResponse:
    html = TEMPLATES.get_template("login.html").render(root=root, csrf=csrf, error=error, notice=notice)
    return HTMLResponse(html, status, headers=HEADERS)
