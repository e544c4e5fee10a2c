"""The system through the failures it will meet: PostgreSQL down and back, Temporal down,
a worker stopped gracefully in the middle of an activity, several workers sharing the
cases, and two people acting on one case at the same moment. Real servers throughout:
these tests start, stop and restart their own PostgreSQL and Temporal."""

import asyncio
import signal
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from api.app import create_app
from clients import create_engine
from devstack.migrate import upgrade
from devstack.postgres import start_postgres
from devstack.seed import seed
from devstack.temporal import free_port, start_temporal
from models.domain import Actor, Diagnosis, Role
from tests.conftest import TEST_STOCK
from tests.integration.cases import AGENT, Cases
from tests.integration.running import attempts_of, blocked_behind, own_queue, serving, start_worker, system
from workflows import RepairCaseWorkflow

PUMP = "WSH-DRAIN-PUMP"
LIFECYCLE = [
    "case_created",
    "triaged",
    "technician_assigned",
    "diagnosed",
    "quote_approved",
    "repaired",
    "qc_passed",
    "handover_accepted",
    "callback_reached",
    "reviewed",
]


class OwnPostgres:
    """A PostgreSQL of the test's own, to stop and start again."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.server = start_postgres(data)
        self.url = self.server.url

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        self.server = start_postgres(self.data)


@pytest.fixture(scope="module")
async def own_postgres(tmp_path_factory):
    own = await asyncio.to_thread(OwnPostgres, tmp_path_factory.mktemp("outage") / "pg")
    await asyncio.to_thread(upgrade, own.url)
    await seed(own.url, dev_keys=True, stock=TEST_STOCK)
    yield own
    own.stop()


async def health(http: httpx.AsyncClient) -> tuple[int, dict]:
    response = await http.get("/healthz")
    return response.status_code, response.json()


async def test_the_api_and_a_worker_ride_through_a_database_outage(own_postgres, settings, temporal_client):
    server = own_postgres
    isolated = own_queue(settings, database_url=server.url, action_retry_seconds=60.0)
    engine = create_engine(isolated)
    try:
        async with (
            system(temporal_client, isolated, engine) as url,
            httpx.AsyncClient(base_url=url, timeout=60) as http,
        ):
            cases = Cases(http)
            cid = (await cases.open())["case_id"]
            await cases.assign(cid)

            await asyncio.to_thread(server.stop)
            assert await health(http) == (503, {"status": "error", "database": "error", "temporal": "ok"})
            down = await http.get(f"/api/v1/cases/{cid}", headers=AGENT)
            assert (down.status_code, down.json()["error"]["code"]) == (503, "database_unavailable")
            # an action the workflow accepted keeps trying its writes while the database is away
            diagnosis = Diagnosis(fault_cause="pump", parts=[{"part_number": PUMP, "quantity": 1}], labor_hours=1)
            handle = temporal_client.get_workflow_handle(cid)
            update = asyncio.create_task(
                handle.execute_update(
                    RepairCaseWorkflow.record_diagnosis, args=[Actor(role=Role.TECHNICIAN, id="T-001"), diagnosis]
                )
            )
            await asyncio.sleep(2)
            assert not update.done()

            await asyncio.to_thread(server.start)
            assert (await asyncio.wait_for(update, 60)).stage == "QUOTE_APPROVAL"
            assert await health(http) == (200, {"status": "ok", "database": "ok", "temporal": "ok"})
            case = await cases.get(cid)
            assert case["stage"] == "QUOTE_APPROVAL" and case["quote"]["version"] == 1
            assert [e["type"] for e in await cases.timeline(cid)].count("diagnosed") == 1
    finally:
        await engine.dispose()


async def test_health_says_which_dependency_is_down(settings, tmp_path):
    temporal = await start_temporal(tmp_path / "temporal.db", port=free_port(), ui_port=None)
    try:
        app = create_app(settings.model_copy(update={"temporal_address": temporal.address}))
        async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
            assert (await health(http))[0] == 200
            await asyncio.to_thread(temporal.stop)
            assert await health(http) == (503, {"status": "error", "database": "ok", "temporal": "error"})
    finally:
        temporal.stop()


async def test_a_worker_stopped_mid_activity_finishes_it_first(settings, engine, temporal_client):
    isolated = own_queue(settings)
    worker = start_worker(isolated)
    try:
        async with serving(create_app(isolated)) as url, httpx.AsyncClient(base_url=url, timeout=60) as http:
            cases = Cases(http)
            cid = (await cases.to_quote())["case_id"]
            async with engine.connect() as holder:
                pid = await holder.scalar(text("SELECT pg_backend_pid()"))
                await holder.execute(text("SELECT 1 FROM cases WHERE case_id = :cid FOR UPDATE"), {"cid": cid})
                decision = asyncio.create_task(cases.decide(cid, True))
                await blocked_behind(engine, pid, "part_reservations")
                worker.send_signal(signal.SIGTERM)  # as docker stop and a rolling deploy do
                await asyncio.sleep(1)
                assert worker.poll() is None  # still finishing its activity
                await holder.rollback()
            assert await asyncio.to_thread(worker.wait, 25) == 0
            worker = start_worker(isolated)  # the rest of the case needs a worker
            assert (await decision)["stage"] == "REPAIR"
            history = await temporal_client.get_workflow_handle(cid).fetch_history()
        assert attempts_of(history, "record_quote_decision") == [1]  # finished, not retried elsewhere
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=25)


async def full_lifecycle(cases: Cases) -> str:
    cid = (await cases.to_quote())["case_id"]
    await cases.decide(cid, True)
    await cases.repair(cid, [(PUMP, 1)])
    await cases.qc(cid, True)
    await cases.handover(cid)
    assert (await cases.callback(cid))["stage"] == "CLOSED"
    return cid


async def pollers(client, queue: str) -> set[str]:
    """The identities of the workers polling `queue` for activities."""
    request = DescribeTaskQueueRequest(
        namespace="default", task_queue=TaskQueue(name=queue), task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY
    )
    return {p.identity for p in (await client.workflow_service.describe_task_queue(request)).pollers}


async def test_two_workers_share_the_cases_and_record_each_step_once(settings, temporal_client):
    isolated = own_queue(settings)
    workers = [start_worker(isolated), start_worker(isolated)]
    try:
        for _ in range(300):  # both polling before the first case arrives
            if len(await pollers(temporal_client, isolated.task_queue)) == 2:
                break
            await asyncio.sleep(0.1)
        async with serving(create_app(isolated)) as url, httpx.AsyncClient(base_url=url, timeout=60) as http:
            cases = Cases(http)
            closed = await asyncio.gather(*(full_lifecycle(cases) for _ in range(6)))
            identities: Counter[str] = Counter()
            for cid in closed:
                assert [e["type"] for e in await cases.timeline(cid) if e["type"] in LIFECYCLE] == LIFECYCLE
                history = await temporal_client.get_workflow_handle(cid).fetch_history()
                identities.update(
                    e.activity_task_started_event_attributes.identity
                    for e in history.events
                    if e.HasField("activity_task_started_event_attributes")
                )
        assert {identity.split("@")[0] for identity in identities} == {str(w.pid) for w in workers}
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=25)


async def test_two_decisions_at_the_same_moment_one_wins(cases: Cases):
    cid = (await cases.to_quote())["case_id"]
    bodies = [{"approved": True, "quote_version": 1}, {"approved": False, "quote_version": 1}]
    answers = await asyncio.gather(
        *(cases.http.post(f"/api/v1/cases/{cid}/quote/decision", json=b, headers=AGENT) for b in bodies)
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert loser.json()["error"]["code"] == "invalid_stage"
    types = [e["type"] for e in await cases.timeline(cid)]
    assert types.count("quote_approved") + types.count("quote_declined") == 1
