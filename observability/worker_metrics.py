"""The worker's two metrics endpoints, on REPAIRFLOW_WORKER_METRICS_PORT (0: none):

    port      the Temporal SDK's own (its Rust core serves them: temporal_* families)
    port + 1  the app's, counted by the activities (repairflow_* families)

Two endpoints rather than one merged: the SDK's metrics live in its core, outside
prometheus_client's registry, and merging would mean scraping one from the other."""

import logging

from prometheus_client import start_http_server
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from settings import Settings

log = logging.getLogger("repairflow")


def metrics_runtime(settings: Settings) -> Runtime | None:
    """The Temporal runtime that serves the SDK's metrics; None: the SDK's default, none served.
    Clients connected with it (and their workers) report to that endpoint."""
    if not settings.worker_metrics_port:
        return None
    address = f"{settings.worker_metrics_host}:{settings.worker_metrics_port}"
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))


def serve_app_metrics(settings: Settings) -> None:
    """The app's metrics, on the port after the SDK's, in a thread of prometheus_client's."""
    if not settings.worker_metrics_port:
        return
    port = settings.worker_metrics_port + 1
    start_http_server(port, addr=settings.worker_metrics_host)
    log.info(
        "metrics: Temporal SDK on %s:%d, app on %s:%d",
        settings.worker_metrics_host,
        settings.worker_metrics_port,
        settings.worker_metrics_host,
        port,
    )
