"""A rolling upgrade of the workers: a case begun on the worker of the release before
(tests/legacy, commit b845c04) is finished by this tree's worker, and every step is
recorded once. Activity and update names and arguments must stay compatible across a
release; this test shows it for a case that is live while the workers change."""

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import sysconfig
import tarfile
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from temporalio.client import WorkflowExecutionStatus

from api.app import create_app
from tests.integration.cases import REPAIR_PATH, Cases
from tests.integration.running import ROOT, own_queue, serving
from worker import build_worker

LEGACY = ROOT / "tests" / "legacy" / "pre_typed_calls.tar.gz"
PUMP = "WSH-DRAIN-PUMP"

# every module `python worker.py` loads, and the file it came from
IMPORTS = (
    "import json, sys, worker; print(json.dumps("
    "{n: m.__file__ for n, m in sys.modules.items() if getattr(m, '__file__', None)}))"
)


def strays(files: dict[str, str], old: Path) -> list[str]:
    """Modules loaded from neither the old tree nor the interpreter's libraries."""
    roots = [old.resolve()] + [
        Path(sysconfig.get_path(p)).resolve() for p in ("stdlib", "platstdlib", "purelib", "platlib")
    ]
    return [
        name for name, file in files.items() if not any(Path(file).resolve().is_relative_to(root) for root in roots)
    ]


@pytest.fixture
def old_worker(tmp_path, settings):
    """The previous release's worker as its own process, alone on a task queue of its own."""
    old = tmp_path / "old"
    with tarfile.open(LEGACY) as tar:
        tar.extractall(old, filter="data")
    settings = own_queue(settings)
    # the project is installed editable, but its finder comes after sys.path: with the old
    # tree first on the path, `import models` is the old code; a module the old tree lacks
    # would still come from this one, without a word
    env = os.environ | {
        "PYTHONPATH": str(old),
        "REPAIRFLOW_DATABASE_URL": settings.database_url,
        "REPAIRFLOW_TEMPORAL_ADDRESS": settings.temporal_address,
        "REPAIRFLOW_TASK_QUEUE": settings.task_queue,
    }
    probe = subprocess.run(
        [sys.executable, "-c", IMPORTS], cwd=old, env=env, capture_output=True, text=True, check=True
    )
    files = json.loads(probe.stdout)
    assert Path(files["workflows.repair_case"]).resolve() == (old / "workflows" / "repair_case.py").resolve()
    assert strays(files, old) == []

    proc = subprocess.Popen([sys.executable, "worker.py"], cwd=old, env=env, stdout=subprocess.DEVNULL)
    try:
        yield settings, proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


async def test_a_case_begun_on_the_previous_worker_finishes_on_this_one(old_worker, temporal_client, engine):
    settings, old = old_worker
    async with serving(create_app(settings)) as url, httpx.AsyncClient(base_url=url, timeout=60) as http:
        cases = Cases(http)
        case = await cases.to_quote()
        cid = case["case_id"]
        assert case["stage"] == "QUOTE_APPROVAL" and Decimal(case["quote"]["total"]) > 0

        old.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(old.wait, 30) == 0

        async with build_worker(temporal_client, settings, engine):
            assert (await cases.decide(cid, True))["stage"] == "REPAIR"
            await cases.repair(cid, [(PUMP, 1)])
            assert (await cases.qc(cid, True))["stage"] == "HANDOVER"
            assert (await cases.handover(cid))["stage"] == "CALLBACK"
            case = await cases.callback(cid, csat=5, nps=9)
            handle = temporal_client.get_workflow_handle(cid)
            result = await handle.result()
        types = [e["type"] for e in await cases.timeline(cid)]

    assert (case["stage"], case["status"]) == ("CLOSED", "closed")
    assert result["stage"] == "CLOSED"
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    assert types == REPAIR_PATH
    # workers name themselves pid@host: the old process ran the first half, this one the rest
    history = await handle.fetch_history()
    pids = [
        e.workflow_task_completed_event_attributes.identity.split("@")[0]
        for e in history.events
        if e.HasField("workflow_task_completed_event_attributes")
    ]
    assert [pid for pid, _ in itertools.groupby(pids)] == [str(old.pid), str(os.getpid())]
