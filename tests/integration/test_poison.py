"""A write the database keeps refusing never wedges a case: the action answers with a clear
error after the case's bounded retry time (or at once when the data itself is refused),
nothing is recorded, and the case can still be cancelled. The failure is real: a
PostgreSQL trigger refuses the repair of one case."""

import uuid
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import text

from tests.integration.cases import AGENT, TECH, Cases
from tests.integration.running import own_queue, system

PUMP = "WSH-DRAIN-PUMP"
REPAIR = {"parts_used": [{"part_number": PUMP, "quantity": 1}], "labor_hours": "1.0", "notes": "replaced"}


@pytest.fixture(scope="module")
async def bounded(temporal_client, settings, engine):
    """The system with a 2-second bound on an action's writes."""
    quick = own_queue(settings, action_retry_seconds=2.0)
    async with system(temporal_client, quick, engine) as url, httpx.AsyncClient(base_url=url, timeout=60) as http:
        yield Cases(http)


@asynccontextmanager
async def refusing_repairs(engine, case_id: str, sqlstate: str):
    """Every insert of a repair of `case_id` fails with `sqlstate` until the block ends."""
    name = f"refuse_{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await conn.execute(
            text(f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.case_id = '{case_id}' THEN
                        RAISE EXCEPTION 'injected failure' USING ERRCODE = '{sqlstate}';
                    END IF;
                    RETURN NEW;
                END $$""")
        )
        await conn.execute(
            text(f"CREATE TRIGGER {name} BEFORE INSERT ON repairs FOR EACH ROW EXECUTE FUNCTION {name}()")
        )
    try:
        yield
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP TRIGGER {name} ON repairs"))
            await conn.execute(text(f"DROP FUNCTION {name}()"))


async def at_repair(cases: Cases) -> str:
    cid = (await cases.to_quote())["case_id"]
    await cases.decide(cid, True)
    return cid


async def test_a_write_that_keeps_failing_answers_not_recorded_and_the_case_can_still_be_cancelled(bounded, engine):
    cid = await at_repair(bounded)
    async with refusing_repairs(engine, cid, "XX000"):  # internal_error: worth retrying, for a while
        error = await bounded.act(cid, "repair", REPAIR, TECH, status=503)
        assert error["error"]["code"] == "not_recorded"
        assert "nothing was changed" in error["error"]["message"]
        case = await bounded.get(cid)
        assert (case["stage"], case["repair"]) == ("REPAIR", None)
        # the case is not held: it can be cancelled while the write still fails
        cancelled = await bounded.act(cid, "cancel", {"reason": "the repair cannot be recorded"}, AGENT)
    assert (cancelled["stage"], cancelled["status"]) == ("CANCELLED", "cancelled")
    types = [e["type"] for e in await bounded.timeline(cid)]
    assert "repaired" not in types and types[-2:] == ["cancelled", "reviewed"]


async def test_data_the_database_refuses_answers_at_once_and_a_later_repair_is_recorded_once(bounded, engine):
    cid = await at_repair(bounded)
    async with refusing_repairs(engine, cid, "22001"):  # string_data_right_truncation: retrying cannot help
        error = await bounded.act(cid, "repair", REPAIR, TECH, status=422)
    assert error["error"]["code"] == "unrecordable"
    assert "injected failure" in error["error"]["message"]
    assert (await bounded.get(cid))["stage"] == "REPAIR"
    # the refused attempt gave its keys back: the next one is the first repair of the case
    repaired = await bounded.act(cid, "repair", REPAIR, TECH)
    assert repaired["stage"] == "QC" and repaired["repair"] is not None
    events = await bounded.timeline(cid)
    assert [e["type"] for e in events].count("repaired") == 1
