"""The stock activities against the real PostgreSQL: reservations under concurrency, retries
that change nothing twice, the waiting queue served in order, and the repair's consumption."""

import asyncio

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.stock import StockActivities
from models.domain import Actor, PartQty
from models.payloads import (
    ConsumeInput,
    PartsReadyInput,
    ReleaseInput,
    Reservation,
    ServedCases,
)
from models.tables import PartReservationRow, PartRow
from tests.integration.stock_data import movements_of, new_case, new_part, reserving


@pytest.fixture
def stock(sessions, settings) -> StockActivities:
    return StockActivities(sessions, settings)


async def run(fn, arg):
    return await ActivityEnvironment().run(fn, arg)


async def stock_of(sessions, number: str) -> tuple[int, int]:
    async with sessions() as session:
        part = await session.get(PartRow, number)
        return part.on_hand, part.reserved


async def lines_of(sessions, case_id: str) -> list[tuple[str, int, str, int]]:
    """(part, quantity, status, used) of each line, by part."""
    async with sessions() as session:
        rows = await session.scalars(
            select(PartReservationRow)
            .where(PartReservationRow.case_id == case_id)
            .order_by(PartReservationRow.quote_version, PartReservationRow.part_number)
        )
        return [(r.part_number, r.quantity, r.status, r.used) for r in rows]


async def statuses_of(sessions, part: str) -> dict[str, int]:
    """How many of the part's lines are in each status."""
    query = select(PartReservationRow.status, func.count()).where(PartReservationRow.part_number == part)
    async with sessions() as session:
        return dict((await session.execute(query.group_by(PartReservationRow.status))).all())


async def test_twenty_concurrent_reservations_of_five_in_stock_reserve_exactly_five(stock, sessions, settings):
    part = await new_part(sessions, on_hand=5)
    cases = [await new_case(sessions, settings) for _ in range(20)]
    results = await asyncio.gather(*(run(stock.reserve_parts, reserving(c, {part: 1})) for c in cases))

    assert sum(r.complete for r in results) == 5
    assert await stock_of(sessions, part) == (5, 5)
    assert await statuses_of(sessions, part) == {"reserved": 5, "waiting": 15}
    # and the database itself refuses more reserved than on hand, or stock below zero
    for values in ({"reserved": 6}, {"on_hand": -1, "reserved": 0}, {"reserved": -1}):
        with pytest.raises(IntegrityError):
            async with sessions.begin() as session:
                await session.execute(update(PartRow).where(PartRow.part_number == part).values(**values))


async def test_a_retried_reservation_reserves_once(stock, sessions, settings):
    part = await new_part(sessions, on_hand=3)
    case = await new_case(sessions, settings)
    given = reserving(case, {part: 2})
    first, second = await run(stock.reserve_parts, given), await run(stock.reserve_parts, given)
    assert first == second == Reservation(complete=True)
    assert await stock_of(sessions, part) == (3, 2)
    assert await lines_of(sessions, case) == [(part, 2, "reserved", 0)]


async def test_a_line_without_enough_stock_waits_whole_while_the_others_are_held(stock, sessions, settings):
    scarce, plenty = await new_part(sessions, on_hand=2), await new_part(sessions, on_hand=9)
    case = await new_case(sessions, settings)
    result = await run(stock.reserve_parts, reserving(case, {scarce: 3, plenty: 1}))
    assert result == Reservation(complete=False, short=[PartQty(part_number=scarce, quantity=3)])
    assert await stock_of(sessions, scarce) == (2, 0)
    assert await stock_of(sessions, plenty) == (9, 1)
    assert await run(stock.parts_ready, PartsReadyInput(case_id=case)) == result


async def test_a_part_named_twice_is_one_line(stock, sessions, settings):
    part = await new_part(sessions, on_hand=5)
    case = await new_case(sessions, settings)
    given = reserving(case, {part: 1})
    given.parts.append(PartQty(part_number=part, quantity=2))
    assert (await run(stock.reserve_parts, given)).complete
    assert await lines_of(sessions, case) == [(part, 3, "reserved", 0)]


async def test_a_part_named_twice_over_a_hundred_waits_as_one_line(stock, sessions, settings):
    part = await new_part(sessions, on_hand=5)
    case = await new_case(sessions, settings)
    given = reserving(case, {part: 100})
    given.parts.append(PartQty(part_number=part, quantity=50))
    result = await run(stock.reserve_parts, given)
    assert [(p.part_number, p.quantity) for p in result.short] == [(part, 100), (part, 50)]
    assert await lines_of(sessions, case) == [(part, 150, "waiting", 0)]


async def test_an_unknown_part_is_refused_and_nothing_is_held(stock, sessions, settings):
    part = await new_part(sessions, on_hand=5)
    case = await new_case(sessions, settings)
    with pytest.raises(ApplicationError) as refused:
        await run(stock.reserve_parts, reserving(case, {part: 1, "NO-SUCH-PART": 1}))
    assert refused.value.type == "InvalidInput" and refused.value.non_retryable
    assert refused.value.details[0] == [{"field": "parts.1.part_number", "message": "unknown part number NO-SUCH-PART"}]
    assert await lines_of(sessions, case) == []


async def test_released_stock_serves_the_queue_p1_first_then_the_earliest_deadline(stock, sessions, settings):
    part = await new_part(sessions, on_hand=1)
    holder, late, urgent, soon = [await new_case(sessions, settings) for _ in range(4)]
    assert (await run(stock.reserve_parts, reserving(holder, {part: 1}))).complete
    for case, priority, deadline_h in ((late, "P3", 48), (urgent, "P1", 72), (soon, "P3", 12)):
        assert not (await run(stock.reserve_parts, reserving(case, {part: 1}, priority, deadline_h))).complete

    assert await run(stock.release_parts, ReleaseInput(case_id=holder)) == ServedCases(case_ids=[urgent])
    assert await lines_of(sessions, holder) == [(part, 1, "released", 0)]
    assert (await run(stock.parts_ready, PartsReadyInput(case_id=urgent))).complete
    assert await run(stock.release_parts, ReleaseInput(case_id=urgent)) == ServedCases(case_ids=[soon])
    assert await run(stock.release_parts, ReleaseInput(case_id=soon)) == ServedCases(case_ids=[late])
    # released again (a retry): nothing left to give back
    assert await run(stock.release_parts, ReleaseInput(case_id=soon)) == ServedCases()
    assert await stock_of(sessions, part) == (1, 1)


async def test_a_case_is_served_only_once_every_part_it_waits_for_is_reserved(stock, sessions, settings):
    first, second = await new_part(sessions, on_hand=1), await new_part(sessions, on_hand=0)
    holder, waiter = await new_case(sessions, settings), await new_case(sessions, settings)
    await run(stock.reserve_parts, reserving(holder, {first: 1}))
    await run(stock.reserve_parts, reserving(waiter, {first: 1, second: 1}))
    # the first part comes free, but the second is still missing
    assert await run(stock.release_parts, ReleaseInput(case_id=holder)) == ServedCases()
    assert await lines_of(sessions, waiter) == sorted([(first, 1, "reserved", 0), (second, 1, "waiting", 0)])


async def test_a_new_quote_version_gives_back_the_old_lines(stock, sessions, settings):
    old, new = await new_part(sessions, on_hand=1), await new_part(sessions, on_hand=1)
    case, waiter = await new_case(sessions, settings), await new_case(sessions, settings)
    await run(stock.reserve_parts, reserving(case, {old: 1}))
    await run(stock.reserve_parts, reserving(waiter, {old: 1}))

    result = await run(stock.reserve_parts, reserving(case, {new: 1}, version=2))
    assert result == Reservation(complete=True, served=[waiter])
    assert await lines_of(sessions, case) == [(old, 1, "released", 0), (new, 1, "reserved", 0)]
    assert await stock_of(sessions, old) == (1, 1)


async def test_the_repair_consumes_what_it_used_and_gives_back_the_rest(stock, sessions, settings):
    part, spare = await new_part(sessions, on_hand=3), await new_part(sessions, on_hand=4)
    case, waiter = await new_case(sessions, settings), await new_case(sessions, settings)
    await run(stock.reserve_parts, reserving(case, {part: 3, spare: 1}))
    await run(stock.reserve_parts, reserving(waiter, {part: 2}))

    used = ConsumeInput(
        case_id=case,
        seq=1,
        parts_used=[PartQty(part_number=part, quantity=1)],
        actor=Actor(role="technician", id="T-001"),
    )
    # two left unused: they go to the case waiting for two
    assert await run(stock.consume_parts, used) == ServedCases(case_ids=[waiter])
    assert await lines_of(sessions, case) == sorted([(part, 3, "consumed", 1), (spare, 1, "released", 0)])
    assert await stock_of(sessions, part) == (2, 2)
    assert await stock_of(sessions, spare) == (4, 0)
    # a retry takes nothing more off the shelf
    assert await run(stock.consume_parts, used) == ServedCases()
    assert await stock_of(sessions, part) == (2, 2)
    assert await movements_of(sessions, part) == [(-1, "consumption", "technician:T-001", f"repair 1 of {case}")]
    assert await movements_of(sessions, spare) == []


async def test_a_part_used_but_not_reserved_comes_from_free_stock(stock, sessions, settings):
    part = await new_part(sessions, on_hand=2)
    case = await new_case(sessions, settings)
    used = ConsumeInput(case_id=case, seq=1, parts_used=[PartQty(part_number=part, quantity=2)])
    assert await run(stock.consume_parts, used) == ServedCases()
    assert await stock_of(sessions, part) == (0, 0)
    assert await movements_of(sessions, part) == [(-2, "consumption", "system:repairflow", f"repair 1 of {case}")]


async def test_a_part_used_beyond_the_stock_is_refused_and_nothing_changes(stock, sessions, settings):
    part, other = await new_part(sessions, on_hand=2), await new_part(sessions, on_hand=5)
    case, holder = await new_case(sessions, settings), await new_case(sessions, settings)
    await run(stock.reserve_parts, reserving(case, {other: 1}))
    await run(stock.reserve_parts, reserving(holder, {part: 1}))
    used = ConsumeInput(
        case_id=case,
        seq=1,
        parts_used=[PartQty(part_number=other, quantity=1), PartQty(part_number=part, quantity=2)],
    )
    with pytest.raises(ApplicationError) as refused:
        await run(stock.consume_parts, used)
    assert refused.value.type == "InvalidInput" and refused.value.non_retryable
    assert [f["field"] for f in refused.value.details[0]] == ["parts_used.1.part_number"]
    assert await stock_of(sessions, part) == (2, 1)
    assert await stock_of(sessions, other) == (5, 1)
    assert await lines_of(sessions, case) == [(other, 1, "reserved", 0)]


async def test_a_case_with_nothing_reserved_is_ready(stock, sessions, settings):
    case = await new_case(sessions, settings)
    assert await run(stock.parts_ready, PartsReadyInput(case_id=case)) == Reservation(complete=True)
