"""Spare parts held for a case: reserved from stock for an approved quote (queued as waiting
when there is none), given back on cancel, decline or expiry, and used up by the repair.
Each activity is one transaction under the part locks of activities/stock_queue.py, and a
retry changes nothing twice."""

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from activities.base import ActivityBase
from activities.stock_queue import (
    RELEASED,
    RESERVED,
    WAITING,
    active_lines,
    held_parts,
    lock_parts,
    release,
    serve_waiting,
)
from models import errors
from models.domain import SYSTEM, PartQty
from models.payloads import ConsumeInput, PartsReadyInput, ReleaseInput, Reservation, ReserveInput, ServedCases
from models.stock import MovementKind, ReservationStatus, available, merged, pieces
from models.tables import PartReservationRow, PartRow, StockMovementRow


def first_index(parts: list[PartQty]) -> dict[str, int]:
    """Where each part number first appears: the field a refusal names."""
    return {part.part_number: i for i, part in reversed(list(enumerate(parts)))}


def check_known(parts: list[PartQty], known: dict[str, PartRow], field: str) -> None:
    for number, i in first_index(parts).items():
        if number not in known:
            raise errors.invalid_input(f"{field}.{i}.part_number", f"unknown part number {number}")


def short_of(lines: Iterable[PartReservationRow]) -> list[PartQty]:
    return [piece for line in lines if line.status == WAITING for piece in pieces(line.part_number, line.quantity)]


class StockActivities(ActivityBase):
    @activity.defn(name="reserve_parts")
    async def reserve_parts(self, given: ReserveInput) -> Reservation:
        """Holds the quote's parts for the case, each line whole or else waiting in the queue.
        The case's lines of other quote versions are given back first: a new quote replaces
        the old. Lines of this version given back earlier wait again."""
        wanted = merged(given.parts)
        async with self.sessions.begin() as session:
            parts = await lock_parts(session, {*wanted, *await held_parts(session, given.case_id)})
            check_known(given.parts, parts, "parts")
            earlier = [x for x in await active_lines(session, given.case_id) if x.quote_version != given.quote_version]
            freed = release(parts, earlier)
            if wanted:
                await session.execute(self._lines(given, wanted))
            served = await serve_waiting(session, {*freed, *wanted})
            lines = await session.scalars(
                select(PartReservationRow)
                .where(
                    PartReservationRow.case_id == given.case_id,
                    PartReservationRow.quote_version == given.quote_version,
                )
                .execution_options(populate_existing=True)
            )
            short = short_of(lines)
        return Reservation(complete=not short, short=short, served=[c for c in served if c != given.case_id])

    @staticmethod
    def _lines(given: ReserveInput, wanted: dict[str, int]) -> Insert:
        now = datetime.now(UTC)
        statement = insert(PartReservationRow).values(
            [
                dict(
                    case_id=given.case_id,
                    part_number=number,
                    quote_version=given.quote_version,
                    quantity=quantity,
                    status=WAITING,
                    priority=given.priority.value,
                    deadline=given.deadline,
                    created_at=now,
                    updated_at=now,
                )
                for number, quantity in wanted.items()
            ]
        )
        # a retry finds its lines as they are; a line given back rejoins the queue at its end
        return statement.on_conflict_do_update(
            index_elements=["case_id", "part_number", "quote_version"],
            set_=dict(status=WAITING, created_at=now, updated_at=now),
            where=PartReservationRow.status == RELEASED,
        )

    @activity.defn(name="release_parts")
    async def release_parts(self, given: ReleaseInput) -> ServedCases:
        """Gives back every part the case holds or waits for; the stock freed serves the queue."""
        async with self.sessions.begin() as session:
            parts = await lock_parts(session, await held_parts(session, given.case_id))
            freed = release(parts, await active_lines(session, given.case_id))
            served = await serve_waiting(session, freed)
        return ServedCases(case_ids=served)

    @activity.defn(name="consume_parts")
    async def consume_parts(self, given: ConsumeInput) -> ServedCases:
        """The repair's parts come off the shelf (the case workflow now does this inside
        record_repair; the activity stays for cases in flight that call it)."""
        async with self.sessions.begin() as session:
            served = await consume(session, given)
        return ServedCases(case_ids=served)

    @activity.defn(name="parts_ready")
    async def parts_ready(self, given: PartsReadyInput) -> Reservation:
        """Whether every part the case holds or waits for is reserved."""
        async with self.sessions() as session:
            short = short_of(await active_lines(session, given.case_id))
        return Reservation(complete=not short, short=short)


async def consume(session: AsyncSession, given: ConsumeInput) -> list[str]:
    """In the caller's transaction: the repair's parts come off the shelf, from the case's
    reservations first, then from stock no case holds; what the case held and did not use
    goes back to the queue. Returns the waiting cases that stock completed."""
    used = merged(given.parts_used)
    parts = await lock_parts(session, {*used, *await held_parts(session, given.case_id)})
    done = exists().where(StockMovementRow.case_id == given.case_id, StockMovementRow.repair_seq == given.seq)
    if await session.scalar(select(done)):
        return []  # a retry: this repair's parts are already off the shelf
    check_known(given.parts_used, parts, "parts_used")
    lines = await active_lines(session, given.case_id)
    _check_stock(given, used, parts, lines)
    freed = _use(given, used, parts, lines)
    session.add_all(
        StockMovementRow(
            part_number=number,
            delta=-quantity,
            kind=MovementKind.CONSUMPTION,
            reason=f"repair {given.seq} of {given.case_id}",
            actor=str(given.actor or SYSTEM),
            at=datetime.now(UTC),
            case_id=given.case_id,
            repair_seq=given.seq,
        )
        for number, quantity in used.items()
    )
    return await serve_waiting(session, freed)


def _check_stock(
    given: ConsumeInput, used: dict[str, int], parts: dict[str, PartRow], lines: list[PartReservationRow]
) -> None:
    where = first_index(given.parts_used)
    for number, quantity in used.items():
        held = sum(x.quantity for x in lines if x.part_number == number and x.status == RESERVED)
        part = parts[number]
        free = available(part.on_hand, part.reserved)
        if quantity - held > free:
            raise errors.invalid_input(
                f"parts_used.{where[number]}.part_number",
                f"{quantity} of {number} used, but {held} reserved for this case and {free} more in stock",
            )


def _use(
    given: ConsumeInput, used: dict[str, int], parts: dict[str, PartRow], lines: list[PartReservationRow]
) -> set[str]:
    """Takes the used parts off on_hand and every line off reserved; the parts freed."""
    left, freed, now = dict(used), set(), datetime.now(UTC)
    for line in lines:
        part = parts[line.part_number]
        take = min(left.get(line.part_number, 0), line.quantity) if line.status == RESERVED else 0
        if line.status == RESERVED:
            part.reserved -= line.quantity
            if take < line.quantity:
                freed.add(line.part_number)
        left[line.part_number] = left.get(line.part_number, 0) - take
        line.used, line.updated_at = take, now
        line.status = ReservationStatus.CONSUMED if take else RELEASED
    for number, quantity in used.items():
        parts[number].on_hand -= quantity
    return freed
