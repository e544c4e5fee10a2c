"""Loads the reference data into a database at the latest migration. Idempotent: rows
already there are left as they are, so it runs again on every deploy.

    python -m reference.load      (loads into REPAIRFLOW_DATABASE_URL)
"""

import asyncio
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from models.domain import SYSTEM
from models.stock import MovementKind
from models.tables import DEFAULT_CAPACITY, Base, FaultCodeRow, PartRow, StockMovementRow, TechnicianRow
from reference.catalog import CAPACITY, CURRENCY, FAULT_CODES, PARTS, TECHNICIANS


def rows(stock: int = 0) -> dict[type[Base], list[dict[str, Any]]]:
    """`stock`: what each new part starts with on hand (a part already there keeps its own)."""
    return {
        PartRow: [
            dict(
                part_number=number,
                name=name,
                category=category.value,
                unit_price=Decimal(price),
                currency=CURRENCY,
                on_hand=stock,
            )
            for category, parts in PARTS.items()
            for number, (name, price) in parts.items()
        ],
        TechnicianRow: [
            dict(
                technician_id=tid,
                name=name,
                skills=[s.value for s in skills],
                region=region,
                active=True,
                capacity=CAPACITY.get(tid, DEFAULT_CAPACITY),
            )
            for tid, (name, skills, region) in TECHNICIANS.items()
        ],
        FaultCodeRow: [
            dict(code=code, category=category.value, name=name, name_zh=name_zh, active=True)
            for category, codes in FAULT_CODES.items()
            for code, (name, name_zh) in codes.items()
        ],
    }


async def insert_missing(conn: AsyncConnection, tables: dict[type[Base], list[dict[str, Any]]]) -> dict[str, int]:
    """Inserts the rows not there yet; returns how many each table got."""
    added = {}
    for table, values in tables.items():
        result = await conn.execute(insert(table).values(values).on_conflict_do_nothing())
        added[table.__tablename__] = result.rowcount
    return added


async def record_opening_stock(conn: AsyncConnection) -> None:
    """A receipt for the stock a part was loaded with, so that its movements add up to on_hand."""
    moved = select(StockMovementRow.id).where(StockMovementRow.part_number == PartRow.part_number).exists()
    opening = select(
        PartRow.part_number,
        PartRow.on_hand,
        literal(MovementKind.RECEIPT.value),
        literal("opening stock"),
        literal(str(SYSTEM)),
        func.now(),
    ).where(PartRow.on_hand > 0, ~moved)
    columns = ["part_number", "delta", "kind", "reason", "actor", "at"]
    await conn.execute(insert(StockMovementRow).from_select(columns, opening))


async def load(
    url: str, extra: dict[type[Base], list[dict[str, Any]]] | None = None, *, stock: int = 0
) -> dict[str, int]:
    """The reference rows missing from the database at `url`, and `extra` rows beside them;
    each new part with `stock` on hand (production: 0, its stock comes in as receipts)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            added = await insert_missing(conn, rows(stock) | (extra or {}))
            await record_opening_stock(conn)
            return added
    finally:
        await engine.dispose()


if __name__ == "__main__":
    from settings import get_settings

    print(asyncio.run(load(get_settings().database_url)))
