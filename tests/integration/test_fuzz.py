"""Schemathesis against the live system: the API served over HTTP, a worker on the Temporal
dev server and PostgreSQL, payloads encrypted as in production. Every check, every phase
(the schema's examples, coverage of its boundaries, fuzzing, and stateful sequences that
follow a case from intake through its actions by the OpenAPI links the API declares) and
every role's key; the test passes only when schemathesis finds nothing.

Each role fuzzes a system of its own (database, task queue, worker, API), all three at
once: no role's requests race another's on a case, and the technician's world holds cases
assigned to them. Each world starts with a case in every stage, so the short run reaches
the actions too. The rules no schema can state (the catalog, the case's live state) get
their data from fuzz_hooks.py.

`make test` runs a short pass; `make fuzz` a long one. FUZZ_EXAMPLES (examples per
operation), FUZZ_STEPS (steps per stateful scenario) and FUZZ_SEED (a number, or `random`)
set the budget."""

import asyncio
import os
import re
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from clients import connect_temporal, create_engine
from devstack.config import DEV_PAYLOAD_KEY
from devstack.migrate import upgrade
from devstack.seed import seed
from settings import Settings
from tests.conftest import TEST_STOCK
from tests.integration.cases import Cases, intake_body
from tests.integration.running import ROOT, own_queue, system

ROLES = {"agent": "dev-agent-key", "supervisor": "dev-supervisor-key", "technician": "dev-tech-key"}
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
STEPS = int(os.environ.get("FUZZ_STEPS", "6"))
SEED = os.environ.get("FUZZ_SEED", "1")
PHASES = "examples,coverage,fuzzing,stateful"


async def create_database(url: str, template: str | None = None) -> str:
    name = f"fuzz_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    finally:
        await admin.dispose()
    return name


async def own_databases(url: str, count: int) -> list[str]:
    """Databases of their own on the test server, migrated and seeded (copies of one), so
    what the fuzzer opens and moves stays out of the other tests' lists and boards."""
    template = make_url(url).set(database=await create_database(url))
    await asyncio.to_thread(upgrade, template.render_as_string(hide_password=False))
    await seed(template.render_as_string(hide_password=False), dev_keys=True, stock=TEST_STOCK)
    names = [await create_database(url, template.database) for _ in range(count)]
    return [template.set(database=name).render_as_string(hide_password=False) for name in names]


async def populate(url: str) -> None:
    """A case in each stage an action can start from, all of them with technician T-001."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        cases = Cases(http)

        async def walk(steps: int) -> None:
            case = await cases.open()
            cid = case["case_id"]
            if case["stage"] != "DISPATCH" or not steps:
                return
            await cases.assign(cid)
            if steps > 1:
                await cases.diagnose(cid, [("WSH-DRAIN-PUMP", 1)])
            if steps > 2:
                await cases.decide(cid, True)
            if steps > 3:
                await cases.repair(cid, [("WSH-DRAIN-PUMP", 1)])
            if steps > 4:
                await cases.qc(cid, True)
            if steps > 5:
                await cases.handover(cid)

        remote = cases.open(intake_body(category="phone", service_mode="remote"))
        await asyncio.gather(remote, *(walk(steps) for steps in range(7)))


@asynccontextmanager
async def world(settings: Settings, database_url: str) -> AsyncIterator[str]:
    """A system for one role, on a database of its own; yields its URL."""
    fuzz = own_queue(settings, database_url=database_url, payload_key=DEV_PAYLOAD_KEY, rate_limit="1000000/minute")
    engine = create_engine(fuzz)
    try:
        async with system(await connect_temporal(fuzz), fuzz, engine) as url:
            yield url
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
async def worlds(database_url, settings):
    """Each role's system, by role, with its cases."""
    databases = await own_databases(database_url, len(ROLES))
    async with AsyncExitStack() as stack:
        urls = [await stack.enter_async_context(world(settings, database)) for database in databases]
        await asyncio.gather(*map(populate, urls))
        yield dict(zip(ROLES, urls, strict=True))


def command(url: str, key: str, folder: Path) -> list[str]:
    return [
        str(Path(sys.executable).parent / "schemathesis"),
        "--no-color",
        "--config-file",
        str(folder / "schemathesis.toml"),
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--header",
        f"Authorization: Bearer {key}",
        "--max-examples",
        str(EXAMPLES),
        *([] if SEED == "random" else ["--seed", SEED]),
        "--workers",
        "1",  # one request at a time: the hooks read a case's state right before acting on it
        "--request-timeout",
        "60",
        "--generation-database",
        "none",
        "--continue-on-failure",
        "--report",
        "junit",
        "--report-dir",
        str(folder),
    ]


async def fuzz(role: str, url: str, folder: Path) -> tuple[int, str]:
    """Runs schemathesis for `role`; its exit code and output (also in `folder`)."""
    await asyncio.to_thread(folder.mkdir)
    await asyncio.to_thread((folder / "schemathesis.toml").write_text, f"[phases.stateful]\nmax-steps = {STEPS}\n")
    env = os.environ | {"SCHEMATHESIS_HOOKS": "tests.integration.fuzz_hooks", "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *command(url, ROLES[role], folder),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await proc.communicate())[0].decode(errors="replace")
    await asyncio.to_thread((folder / "schemathesis.txt").write_text, output)
    wanted = ("Coverage", "Examples", "Fuzzing", "Stateful", "Scenarios", "API Links", "generated", "Seed")
    verdict = "\n".join(line for line in output.splitlines() if any(w in line for w in wanted))
    print(f"\n[{role}] {time.monotonic() - started:.0f} s, {EXAMPLES} examples, {STEPS} steps\n{verdict}")
    return proc.returncode or 0, output


async def test_schemathesis_finds_nothing(worlds, tmp_path):
    runs = await asyncio.gather(*(fuzz(role, url, tmp_path / role) for role, url in worlds.items()))
    failed = {role: output for role, (code, output) in zip(worlds, runs, strict=True) if code != 0}
    report = {
        role: (found.group(0) if (found := re.search(r"^=+ (FAILURES|ERRORS) =+$.*", out, re.M | re.S)) else out)
        for role, out in failed.items()
    }
    assert not failed, "\n\n".join(f"##### {role}\n{text}" for role, text in report.items())
