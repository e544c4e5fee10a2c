"""Loads the reference data into a database at the latest migration. Idempotent: rows
already there are left as they are, so it runs again on every deploy.

    python -m reference.load      (loads into REPAIRFLOW_DATABASE_URL)
"""

import asyncio
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from models.tables import Base, PartRow, TechnicianRow
from reference.catalog import CURRENCY, PARTS, TECHNICIANS


def rows() -> dict[type[Base], list[dict[str, Any]]]:
    return {
        PartRow: [
            dict(part_number=number, name=name, category=category.value, unit_price=Decimal(price), currency=CURRENCY)
            for category, parts in PARTS.items()
            for number, (name, price) in parts.items()
        ],
        TechnicianRow: [
            dict(technician_id=tid, name=name, skills=[s.value for s in skills], region=region, active=True)
            for tid, (name, skills, region) in TECHNICIANS.items()
        ],
    }


async def insert_missing(conn: AsyncConnection, tables: dict[type[Base], list[dict[str, Any]]]) -> dict[str, int]:
    """Inserts the rows not there yet; returns how many each table got."""
    added = {}
    for table, values in tables.items():
        result = await conn.execute(insert(table).values(values).on_conflict_do_nothing())
        added[table.__tablename__] = result.rowcount
    return added


async def load(url: str, extra: dict[type[Base], list[dict[str, Any]]] | None = None) -> dict[str, int]:
    """The reference rows missing from the database at `url`, and `extra` rows beside them."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            return await insert_missing(conn, rows() | (extra or {}))
    finally:
        await engine.dispose()


if __name__ == "__main__":
    from settings import get_settings

    print(asyncio.run(load(get_settings().database_url)))
