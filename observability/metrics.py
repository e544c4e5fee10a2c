"""Every metric RepairFlow counts, in prometheus_client's default registry (the maintained
client: text format, histograms and the parser the tests read it back with).

Labels hold route templates, stages, channels and statuses only: never a case id, a
tracking token or anything of a customer's. The backlog gauges (open complaints, open
follow-ups) are read from the database when the API is scraped (api/backlog.py).

Facts recorded in a database transaction are counted once it commits (`on_commit`): an
attempt that rolls back and is retried counts once, not twice."""

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.metrics import MetricWrapperBase
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

# a *_created series beside every counter doubles the scrape and says nothing we use
disable_created_metrics()

# the API process
HTTP_REQUESTS = Counter(
    "repairflow_http_requests", "HTTP requests answered, by route template", ["route", "method", "status"]
)
HTTP_DURATION = Histogram(
    "repairflow_http_request_duration_seconds", "Time to answer an HTTP request, by route template", ["route", "method"]
)

# the worker process (the activities record these facts)
CASES_OPENED = Counter("repairflow_cases_opened", "Cases opened, by intake channel", ["channel"])
STAGE_TRANSITIONS = Counter(
    "repairflow_stage_transitions", "Cases moved from one stage to another", ["from_stage", "to_stage"]
)
ESCALATIONS = Counter("repairflow_escalations", "SLA escalation rungs reached", ["rung"])
NOTIFICATIONS = Counter(
    "repairflow_notifications", "Outbox rows that reached a final status (sent, logged, failed)", ["status"]
)

# the API process, read at scrape time
COMPLAINTS_OPEN = Gauge("repairflow_complaints_open", "Open complaints, by severity", ["severity"])
FOLLOW_UPS_OPEN = Gauge("repairflow_follow_ups_open", "Open follow-ups of unhappy customers", ["overdue"])

_PENDING = "repairflow.metrics"


def on_commit(session: AsyncSession, metric: MetricWrapperBase, **labels: str) -> None:
    """Counts one on `metric` when the session's transaction commits; nothing on a rollback."""
    session.info.setdefault(_PENDING, []).append(metric.labels(**labels))


@event.listens_for(Session, "after_commit")
def _count(session: Session) -> None:
    for child in session.info.pop(_PENDING, []):
        child.inc()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
