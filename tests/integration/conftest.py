"""The running system for integration tests: a worker and the API on the real servers
started by tests/conftest.py, and the same pair on the time-skipping test server."""

import asyncio
import os
import re
import uuid
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from clients import create_engine, session_factory
from tests.integration.cases import Cases
from tests.integration.running import serving, system
from worker import build_worker


@pytest.fixture(scope="session")
async def engine(settings):
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine):
    return session_factory(engine)


@pytest.fixture(scope="session")
async def worker(temporal_client, settings, engine):
    async with build_worker(temporal_client, settings, engine) as running:
        yield running


@pytest.fixture(scope="session")
async def api_url(settings, worker):
    async with serving(create_app(settings)) as url:
        yield url


@pytest.fixture
async def http(api_url):
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as client:
        yield client


async def record_histories(client, cases: Cases, test_name: str) -> None:
    """With RECORD_HISTORIES=<dir> (`make histories`), keep each case's history for the
    replay test, named after the test that made it."""
    folder = os.environ.get("RECORD_HISTORIES")
    if not folder:
        return
    name = re.sub(r"\W+", "_", test_name.removeprefix("test_")).strip("_")  # parameters in the test id
    for n, case_id in enumerate(cases.opened, start=1):
        history = await client.get_workflow_handle(case_id).fetch_history()
        await asyncio.to_thread(Path(folder, f"{name}-{n}.json").write_text, history.to_json())


@pytest.fixture
async def cases(http, temporal_client, request):
    driver = Cases(http)
    yield driver
    await record_histories(temporal_client, driver, request.node.name)


# the same system on the time-skipping server, for the long timers


@pytest.fixture(scope="session")
def ts_settings(settings, time_skipping_env):
    target = time_skipping_env.client.service_client.config.target_host
    return settings.model_copy(update={"temporal_address": target, "task_queue": f"ts-{uuid.uuid4().hex[:8]}"})


@pytest.fixture(scope="session")
async def ts_api_url(ts_settings, time_skipping_env, engine):
    async with system(time_skipping_env.client, ts_settings, engine) as url:
        yield url


@pytest.fixture
async def ts_cases(ts_api_url, time_skipping_env, request):
    async with httpx.AsyncClient(base_url=ts_api_url, timeout=60) as client:
        driver = Cases(client)
        yield driver
        await record_histories(time_skipping_env.client, driver, request.node.name)
