"""A worker killed in the middle of a case: a new worker picks the case up and finishes
it, and PostgreSQL holds every step exactly once."""

import asyncio
import signal

import httpx
import pytest
from sqlalchemy import func, select, text

from api.app import create_app
from models.tables import (
    CallbackRow,
    DiagnosisRow,
    HandoverRow,
    NotificationRow,
    QcRow,
    QuoteRow,
    RepairRow,
    ReviewRow,
    TimelineEventRow,
)
from tests.integration.cases import REPAIR_PATH, Cases
from tests.integration.running import attempts_of, blocked_behind, own_queue, serving, start_worker


@pytest.fixture
async def unpolled_api(settings):
    """An API on a task queue that only the subprocess workers poll."""
    isolated = own_queue(settings)
    async with serving(create_app(isolated)) as url, httpx.AsyncClient(base_url=url, timeout=120) as http:
        yield isolated, Cases(http)


async def test_killed_worker_loses_and_duplicates_nothing(unpolled_api, sessions, engine, temporal_client):
    settings, cases = unpolled_api
    first = start_worker(settings)
    second = None
    try:
        case = await cases.open()
        cid = case["case_id"]
        await cases.assign(cid)
        await cases.diagnose(cid, [("WSH-DRAIN-PUMP", 1)])

        # hold the case row, so the approval's first activity is certainly running when the worker dies
        async with engine.connect() as holder:
            pid = await holder.scalar(text("SELECT pg_backend_pid()"))
            await holder.execute(text("SELECT 1 FROM cases WHERE case_id = :cid FOR UPDATE"), {"cid": cid})
            decision = asyncio.create_task(cases.decide(cid, True))
            await blocked_behind(engine, pid, "part_reservations")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            await holder.rollback()
        second = start_worker(settings)

        assert (await decision)["stage"] == "REPAIR"
        await cases.repair(cid)
        await cases.qc(cid, True)
        await cases.handover(cid)
        case = await cases.callback(cid)
        assert case["stage"] == "CLOSED"
        handle = temporal_client.get_workflow_handle(cid)
        await handle.result()  # every message sent, too
        history = await handle.fetch_history()
    finally:
        for proc in (first, second):
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=20)

    # the approval's first write (its parts' reservation, which reads the case row) ran again
    # on the second worker, and the approval itself was then recorded once
    assert attempts_of(history, "reserve_parts") == [2]
    assert attempts_of(history, "record_quote_decision") == [1]

    async with sessions() as session:
        for table in (DiagnosisRow, QuoteRow, RepairRow, QcRow, HandoverRow, CallbackRow, ReviewRow):
            rows = await session.scalar(select(func.count()).select_from(table).where(table.case_id == cid))
            assert rows == 1, table.__tablename__
        types = list(
            await session.scalars(
                select(TimelineEventRow.type)
                .where(TimelineEventRow.case_id == cid)
                .order_by(TimelineEventRow.at, TimelineEventRow.id)
            )
        )
        templates = list(await session.scalars(select(NotificationRow.template).where(NotificationRow.case_id == cid)))
    assert types == REPAIR_PATH
    assert sorted(templates) == sorted(
        ["accepted", "technician_assigned", "quote_ready", "repair_started", "ready_for_handover", "closed"]
    )
