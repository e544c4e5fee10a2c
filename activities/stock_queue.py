"""The stock writes the activities and the API share. Every change to a part's stock or to
its reservation lines first locks the part's row, always in part_number order: the lock
serializes them per part, and the order keeps two transactions from waiting on each other."""

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.domain import Priority
from models.stock import ACTIVE, Need, ReservationStatus, available, serve
from models.tables import PartReservationRow, PartRow

WAITING, RESERVED, RELEASED = ReservationStatus.WAITING, ReservationStatus.RESERVED, ReservationStatus.RELEASED


async def lock_parts(session: AsyncSession, part_numbers: Iterable[str]) -> dict[str, PartRow]:
    """The part rows, locked until the transaction ends; unknown numbers are left out."""
    numbers = sorted(set(part_numbers))
    if not numbers:
        return {}
    query = (
        select(PartRow)
        .where(PartRow.part_number.in_(numbers))
        .order_by(PartRow.part_number)
        .with_for_update()
        # the stock as it is once the lock is ours, not as this session may have read it before
        .execution_options(populate_existing=True)
    )
    return {part.part_number: part for part in await session.scalars(query)}


async def held_parts(session: AsyncSession, case_id: str) -> set[str]:
    """The parts the case holds or waits for: the rows to lock before reading its lines."""
    query = select(PartReservationRow.part_number).where(
        PartReservationRow.case_id == case_id, PartReservationRow.status.in_(ACTIVE)
    )
    return set(await session.scalars(query))


async def active_lines(session: AsyncSession, case_id: str) -> list[PartReservationRow]:
    """The lines the case holds or waits for; read them once their parts are locked."""
    query = select(PartReservationRow).where(
        PartReservationRow.case_id == case_id, PartReservationRow.status.in_(ACTIVE)
    )
    return list(await session.scalars(query.order_by(PartReservationRow.id).execution_options(populate_existing=True)))


def release(parts: dict[str, PartRow], lines: Iterable[PartReservationRow]) -> set[str]:
    """Gives the lines back (their parts locked); the parts whose stock came free."""
    freed, now = set(), datetime.now(UTC)
    for line in lines:
        if line.status == RESERVED:
            parts[line.part_number].reserved -= line.quantity
            freed.add(line.part_number)
        line.status, line.updated_at = RELEASED, now
    return freed


async def serve_waiting(session: AsyncSession, part_numbers: Iterable[str]) -> list[str]:
    """Serves the available stock of these parts to their waiting lines in queue order
    (models/stock.py); returns the cases whose lines are now all reserved, in the order
    they were served."""
    parts = await lock_parts(session, part_numbers)
    if not parts:
        return []
    query = select(PartReservationRow).where(
        PartReservationRow.part_number.in_(parts), PartReservationRow.status == WAITING
    )
    lines = {line.id: line for line in await session.scalars(query.execution_options(populate_existing=True))}
    served: dict[str, None] = {}
    now = datetime.now(UTC)
    for number, part in parts.items():
        needs = [
            Need(line.id, line.quantity, Priority(line.priority), line.deadline, line.created_at)
            for line in lines.values()
            if line.part_number == number
        ]
        for need in serve(available(part.on_hand, part.reserved), needs):
            line = lines[need.id]
            line.status, line.updated_at = RESERVED, now
            part.reserved += line.quantity
            served[line.case_id] = None
    await session.flush()
    return await complete(session, list(served))


async def complete(session: AsyncSession, case_ids: list[str]) -> list[str]:
    """Those of the cases with no line left waiting."""
    if not case_ids:
        return []
    query = select(PartReservationRow.case_id).where(
        PartReservationRow.case_id.in_(case_ids), PartReservationRow.status == WAITING
    )
    still_waiting = set(await session.scalars(query))
    return [case_id for case_id in case_ids if case_id not in still_waiting]
