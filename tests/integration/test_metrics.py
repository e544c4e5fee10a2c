"""The operations metrics: the API's /metrics scraped over HTTP and read back with
prometheus_client's own parser, and a worker process's two endpoints (the Temporal SDK's
and the app's)."""

import asyncio
import random
import signal
import socket

import httpx
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from tests.integration.cases import AGENT, Cases, intake_body
from tests.integration.running import eventually, own_queue, serving, start_worker


def samples(text: str) -> dict[str, list]:
    """Family name -> its samples."""
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def value(text: str, sample: str, **labels: str) -> float:
    found = [
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == sample and labels.items() <= s.labels.items()
    ]
    return sum(found)


async def scrape(http: httpx.AsyncClient) -> str:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_the_api_counts_requests_by_route_template_and_the_cases_opened(http, cases):
    before = await scrape(http)
    case = await cases.open(intake_body() | {"channel": "web"})
    cid = case["case_id"]
    await cases.get(cid)
    # the worker of these tests runs in the test's process, so its counts show here too
    assert value(await scrape(http), "repairflow_cases_opened_total", channel="web") == (
        value(before, "repairflow_cases_opened_total", channel="web") + 1
    )

    triaged_before = value(before, "repairflow_stage_transitions_total", from_stage="INTAKE")

    async def triaged() -> bool:
        return value(await scrape(http), "repairflow_stage_transitions_total", from_stage="INTAKE") > triaged_before

    assert await eventually(triaged)

    text = await scrape(http)
    assert value(text, "repairflow_http_requests_total", route="/api/v1/cases", method="POST", status="201") >= 1
    assert (
        value(text, "repairflow_http_requests_total", route="/api/v1/cases/{case_id}", method="GET", status="200") >= 1
    )
    assert value(text, "repairflow_http_request_duration_seconds_count", route="/api/v1/cases/{case_id}") >= 1
    labels = [v for family in samples(text).values() for s in family for v in s.labels.values()]
    assert [v for v in labels if cid in v] == []
    routes = {s.labels["route"] for s in samples(text)["repairflow_http_requests"]}
    assert "/api/v1/cases/{case_id}" in routes and not [r for r in routes if "RC-" in r]


async def test_metrics_need_no_key_and_are_never_rate_limited(settings):
    strict = settings.model_copy(update={"rate_limit": "2/minute"})
    async with serving(create_app(strict)) as url, httpx.AsyncClient(base_url=url) as http:
        answers = [(await http.get("/metrics")).status_code for _ in range(5)]
        refused = [(await http.get("/api/v1/sla/at-risk", headers=AGENT)).status_code for _ in range(3)]
        text = await scrape(http)
    assert answers == [200] * 5
    assert refused[-1] == 429
    # a request the limits turn away is counted, under no route's name
    assert value(text, "repairflow_http_requests_total", route="<unrouted>", status="429") >= 1


def free_pair() -> int:
    """A port whose next one is free too, both below Linux's ephemeral range (32768 on):
    there the connections the parallel tests open cannot take one before the worker binds it."""
    while True:
        port = random.randrange(20_000, 32_000)
        with socket.socket() as first, socket.socket() as second:
            try:
                first.bind(("127.0.0.1", port))
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port


async def scrape_url(url: str, seconds: float = 60.0) -> str:
    """A worker process serves its metrics once it has connected; until then, try again."""
    deadline = asyncio.get_running_loop().time() + seconds
    async with httpx.AsyncClient() as http:
        while True:
            try:
                response = await http.get(url)
                response.raise_for_status()
                return response.text
            except httpx.HTTPError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.2)


async def test_a_worker_serves_the_sdk_metrics_and_the_app_metrics(settings):
    isolated = own_queue(settings)
    port = free_pair()
    worker = start_worker(isolated, REPAIRFLOW_WORKER_METRICS_PORT=str(port))
    try:
        async with serving(create_app(isolated)) as url, httpx.AsyncClient(base_url=url, timeout=120) as http:
            await Cases(http).open(intake_body() | {"channel": "store"})
        sdk = await scrape_url(f"http://127.0.0.1:{port}/metrics")
        app = await scrape_url(f"http://127.0.0.1:{port + 1}/metrics")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    families = samples(sdk)
    assert any(name.startswith("temporal_request") for name in families), sorted(families)
    assert any(name.startswith("temporal_workflow_task") for name in families), sorted(families)
    assert value(app, "repairflow_cases_opened_total", channel="store") == 1
    assert value(app, "repairflow_stage_transitions_total", from_stage="INTAKE") == 1
