"""The FastAPI application: `uvicorn api.app:app`, or `create_app(settings)` in tests."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors, redaction
from api.deps import Services
from api.http_metrics import HttpMetrics
from api.limits import BodyLimit, RateLimit
from api.routes import (
    actions,
    cases,
    catalog,
    codec,
    complaints,
    dashboard,
    follow_ups,
    health,
    kpis,
    me,
    metrics,
    notifications,
    reviews,
    sla,
    staff,
    stock,
    technicians,
    track,
    webhooks,
)
from clients import connect_temporal, create_engine, session_factory
from observability import logs
from settings import Settings, get_settings

TAGS = [
    {"name": "cases", "description": "Open cases (intake) and read them: view, list, timeline."},
    {
        "name": "actions",
        "description": "Human actions on a case. Each is a Temporal update: it answers "
        "with the case view once the workflow accepted and recorded it, "
        "or 409 `invalid_stage` when the case is not in a stage that allows it.",
    },
    {"name": "sla", "description": "Supervisors: the cases whose SLA deadlines are closest (or past)."},
    {
        "name": "notifications",
        "description": "The outbox: every message and webhook call, its delivery attempts per channel, "
        "and a supervisor's re-send of a failed one.",
    },
    {"name": "webhooks", "description": "Supervisors: other systems subscribed to case events, signed with HMAC."},
    {
        "name": "staff",
        "description": "Supervisors: how technicians, the dispatch desk, supervisors and managers are reached.",
    },
    {
        "name": "catalog",
        "description": "Reference data: the parts price list, with each part's stock; supervisors record "
        "receipts and count adjustments, and stock that comes in serves the cases waiting for it.",
    },
    {
        "name": "technicians",
        "description": "Technicians with their capacity and load, the service regions they cover, and a "
        "technician's own work list.",
    },
    {
        "name": "codec",
        "description": "The payload codec (Temporal's remote codec protocol) for the temporal CLI and the "
        "Temporal UI: workflow payloads are encrypted, and supervisors read them through it.",
    },
    {"name": "kpis", "description": "Supervisors: the service KPIs and the weighted service score of a period."},
    {
        "name": "dashboard",
        "description": "Supervisors' dashboard in a browser (`/dashboard`): the KPIs against their targets, "
        "weekly trends, the at-risk board and the latest review as HTML without JavaScript, behind a login "
        "with a supervisor's API key kept as a signed cookie. The forms carry a CSRF token.",
    },
    {
        "name": "reviews",
        "description": "Supervisors: the weekly and monthly reviews' reports (KPIs against their targets, "
        "common faults, the bottleneck stage, SLA breaches, open follow-ups and complaints), and a review of "
        "a period run now.",
    },
    {
        "name": "complaints",
        "description": "Agents and supervisors: complaints with their callback and resolution clocks, and the "
        "follow-ups of unhappy customers (docs/complaints.md).",
    },
    {"name": "health", "description": "Liveness of the API, PostgreSQL and Temporal, and its metrics for Prometheus."},
    {
        "name": "tracking",
        "description": "The customer's own page of their case, at the link their messages carry "
        "(`/track/<token>`): HTML without JavaScript, or JSON. No API key: the signed, expiring token "
        "is the credential. The quote decision and the survey are forms with a CSRF token.",
    },
]

DESCRIPTION = """After-sales repair cases, each one a durable Temporal workflow
(intake → triage → dispatch → diagnosis → quote approval → repair → QC → handover →
callback → review).

Authenticate with `Authorization: Bearer <key>`. The dev stack ships `dev-agent-key`,
`dev-supervisor-key` and `dev-tech-key` (technician T-001).

Errors always look like `{"error": {"code": "...", "message": "...", ...}}`:
`unauthorized` 401, `forbidden` 403, `not_found` 404, `invalid_stage` 409 (with `stage`),
`duplicate_open_case` 409 (with `case_id`), `validation_error` 422 (with `fields`),
`temporal_unavailable` / `database_unavailable` 503."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """`settings` None: read REPAIRFLOW_* when the app starts, not at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resolved = settings or get_settings()
        logs.configure(resolved.log_format)
        engine = create_engine(resolved)
        try:
            temporal = await connect_temporal(resolved)
            app.state.services = Services(resolved, engine, session_factory(engine), temporal)
            yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="RepairFlow API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        # operation ids are the route names (open_case, record_diagnosis...), for client generators
        generate_unique_id_function=lambda route: route.name,
    )
    errors.install(app)
    # tracking tokens in request paths stay out of the access and error logs
    redaction.install()
    # the outermost runs first: every request is counted, and a caller over its rate is turned
    # away before its body is read
    app.add_middleware(BodyLimit)
    app.add_middleware(RateLimit)
    app.add_middleware(HttpMetrics)
    for module in (
        cases,
        actions,
        sla,
        notifications,
        webhooks,
        staff,
        catalog,
        stock,
        technicians,
        me,
        kpis,
        reviews,
        complaints,
        follow_ups,
        codec,
        health,
        metrics,
        track,
        dashboard,
    ):
        app.include_router(module.router)
    return app


app = create_app()
