"""The test servers and the dev stack's database: schema, seed data, search attributes."""

import asyncio
import os
import subprocess
import sys
from contextlib import asynccontextmanager

from sqlalchemy import func, inspect, make_url, select, text, update
from sqlalchemy.ext.asyncio import create_async_engine
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest

from api.auth import key_hash
from devstack import ROOT
from devstack.migrate import upgrade
from devstack.seed import DEV_KEYS, DEV_STOCK, seed
from devstack.seed import main as seed_main
from devstack.temporal import INDEXED_TYPES
from models.domain import Category
from models.search_attributes import ALL, CLI_TYPES
from models.tables import ApiKeyRow, Base, FaultCodeRow, PartRow, StockMovementRow, TechnicianRow
from reference.catalog import FAULT_CODES, PARTS, TECHNICIANS
from reference.load import load


@asynccontextmanager
async def connect(url):
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            yield conn
    finally:
        await engine.dispose()


FAULTS = sum(map(len, FAULT_CODES.values()))


async def counts(url) -> dict[str, int]:
    """The seeded rows; the stock and KPI tests add parts, technicians and keys of their own."""
    catalog = [number for parts in PARTS.values() for number in parts]
    async with connect(url) as conn:
        return {
            PartRow.__tablename__: await conn.scalar(
                select(func.count()).select_from(PartRow).where(PartRow.part_number.in_(catalog))
            ),
            # other tests add technicians and keys of their own beside the seeded ones
            TechnicianRow.__tablename__: await conn.scalar(
                select(func.count()).select_from(TechnicianRow).where(TechnicianRow.technician_id.in_(TECHNICIANS))
            ),
            FaultCodeRow.__tablename__: await conn.scalar(select(func.count()).select_from(FaultCodeRow)),
            ApiKeyRow.__tablename__: await conn.scalar(
                select(func.count())
                .select_from(ApiKeyRow)
                .where(ApiKeyRow.key_hash.in_([key_hash(k) for k in DEV_KEYS]))
            ),
        }


async def test_migrations_create_every_table(database_url):
    async with connect(database_url) as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        indexes = await conn.run_sync(lambda c: {i["name"]: i for i in inspect(c).get_indexes("cases")})
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    open_device = indexes["uq_cases_open_device"]
    assert open_device["unique"] and "status" in open_device["dialect_options"]["postgresql_where"]


async def test_seed_is_idempotent(database_url):
    before = await counts(database_url)
    assert await seed(database_url, dev_keys=True) == {name: 0 for name in before}
    assert await counts(database_url) == before
    assert before == {
        "parts": sum(map(len, PARTS.values())),
        "technicians": len(TECHNICIANS),
        "fault_codes": FAULTS,
        "api_keys": len(DEV_KEYS),
    }


async def fresh_database(url: str, name: str) -> str:
    """An empty database `name` beside the one at `url`; returns its URL."""
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            await conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        await admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def test_the_production_reference_load_leaves_out_the_dev_keys(database_url):
    url = await fresh_database(database_url, "reference_only")
    await asyncio.to_thread(upgrade, url)
    assert await load(url) == {
        "parts": sum(map(len, PARTS.values())),
        "technicians": len(TECHNICIANS),
        "fault_codes": FAULTS,
    }
    assert await load(url) == {"parts": 0, "technicians": 0, "fault_codes": 0}
    assert (await counts(url))["api_keys"] == 0


async def stock(url) -> dict[str, tuple[int, int]]:
    """Each part's on_hand, and what its movements add up to."""
    async with connect(url) as conn:
        movements = select(StockMovementRow.part_number, func.sum(StockMovementRow.delta))
        moved = dict((await conn.execute(movements.group_by(StockMovementRow.part_number))).all())
        on_hand = dict((await conn.execute(select(PartRow.part_number, PartRow.on_hand))).all())
    return {number: (n, moved.get(number, 0)) for number, n in on_hand.items()}


async def test_the_dev_seed_stocks_each_new_part_and_a_reload_keeps_the_stock(database_url):
    url = await fresh_database(database_url, "stocked")
    await asyncio.to_thread(upgrade, url)
    await seed(url)
    assert set((await stock(url)).values()) == {(DEV_STOCK, DEV_STOCK)}  # an opening receipt each

    async with connect(url) as conn:
        await conn.execute(update(PartRow).where(PartRow.part_number == "WSH-DRAIN-PUMP").values(on_hand=3))
        await conn.commit()
    await seed(url)
    await load(url)
    after = await stock(url)
    assert after.pop("WSH-DRAIN-PUMP") == (3, DEV_STOCK)
    assert set(after.values()) == {(DEV_STOCK, DEV_STOCK)}


async def test_the_production_reference_load_stocks_nothing(database_url):
    url = await fresh_database(database_url, "unstocked")
    await asyncio.to_thread(upgrade, url)
    await load(url)
    assert set((await stock(url)).values()) == {(0, 0)}


async def test_the_dev_keys_are_seeded_only_on_request(database_url):
    url = await fresh_database(database_url, "seeded_without_keys")
    await asyncio.to_thread(upgrade, url)
    reference = {"parts": sum(map(len, PARTS.values())), "technicians": len(TECHNICIANS), "fault_codes": FAULTS}
    assert await seed(url) == reference
    assert (await counts(url))["api_keys"] == 0
    assert await seed(url, dev_keys=True) == {"parts": 0, "technicians": 0, "fault_codes": 0, "api_keys": len(DEV_KEYS)}


async def test_python_m_devstack_seed_adds_the_dev_keys_only_with_the_flag(database_url, monkeypatch):
    url = await fresh_database(database_url, "seeded_by_command")
    await asyncio.to_thread(upgrade, url)
    reference = {"parts": sum(map(len, PARTS.values())), "technicians": len(TECHNICIANS), "fault_codes": FAULTS}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "devstack.seed"],
        cwd=ROOT,
        env=os.environ | {"REPAIRFLOW_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout.strip()) == (0, str(reference)), done.stderr
    assert (await counts(url))["api_keys"] == 0

    # the flag, in this process (a second interpreter would only cost time)
    monkeypatch.setenv("REPAIRFLOW_DATABASE_URL", url)
    await asyncio.to_thread(seed_main, ["--dev-keys"])
    assert (await counts(url))["api_keys"] == len(DEV_KEYS)


async def test_every_category_has_priced_parts(database_url):
    async with connect(database_url) as conn:
        rows = (
            await conn.execute(
                select(PartRow.category, func.count(), func.min(PartRow.unit_price))
                .where(PartRow.currency == "CNY")
                .group_by(PartRow.category)
            )
        ).all()
    per_category = {category: (n, cheapest) for category, n, cheapest in rows}
    assert set(per_category) == {c.value for c in Category}
    assert all(5 <= n <= 8 and cheapest > 0 for n, cheapest in per_category.values())


async def test_dev_keys_are_stored_hashed(database_url):
    async with connect(database_url) as conn:
        stored = {r.key_hash: r for r in (await conn.execute(select(ApiKeyRow))).all()}
    for key, meta in DEV_KEYS.items():
        row = stored[key_hash(key)]
        assert (row.name, row.role, row.technician_id) == (meta.name, meta.role, meta.technician_id)
    assert stored[key_hash("dev-tech-key")].technician_id == "T-001"


async def test_dev_server_has_the_search_attributes(temporal_client):
    listed = await temporal_client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace="default")
    )
    assert set(CLI_TYPES) == {key.name for key in ALL}
    assert {name: listed.custom_attributes.get(name) for name in CLI_TYPES} == {
        name: INDEXED_TYPES[kind] for name, kind in CLI_TYPES.items()
    }


async def test_settings_point_at_the_test_servers(settings, database_url, temporal_server):
    assert settings.database_url == database_url
    assert settings.temporal_address == temporal_server.address
    assert settings.task_queue.startswith("test-")


async def test_time_skipping_server_starts(time_skipping_env):
    assert time_skipping_env.supports_time_skipping


BEFORE_THE_LADDER = """
INSERT INTO customers (id, phone, name, locale, tier) VALUES (1, '13800000000', 'Li', 'zh-CN', 'standard');
INSERT INTO devices (id, serial_number, category, model, purchase_date) VALUES (1, 'SN-1', 'washer', 'X', '2024-01-01');
INSERT INTO cases (case_id, customer_id, device_id, channel, stage, status, escalation_level, sla_breached,
                   intake, created_at, updated_at)
VALUES ('RC-OLD', 1, 1, 'phone', 'DIAGNOSIS', 'open', 2, true, '{}', '2026-11-01 08:00Z', '2026-11-01 09:00Z');
INSERT INTO sla_targets (case_id, target, deadline, breached_at) VALUES
    ('RC-OLD', 'assigned', '2026-11-01 08:15Z', '2026-11-01 08:15Z'),
    ('RC-OLD', 'diagnosis_started', '2026-11-01 10:00Z', NULL);
INSERT INTO timeline_events (case_id, key, at, type, stage, actor, data) VALUES
    ('RC-OLD', 'technician_assigned-1', '2026-11-01 09:00Z', 'technician_assigned', 'DIAGNOSIS', 'agent:a', '{}');
"""


async def test_the_ladder_migration_brings_earlier_clocks_along(database_url):
    """Before revision 0002 a breach left level 0 and a late finish left no met_at."""
    url = await fresh_database(database_url, "before_the_ladder")
    await asyncio.to_thread(upgrade, url, "0001")
    async with connect(url) as conn:
        for statement in filter(str.strip, BEFORE_THE_LADDER.split(";")):
            await conn.execute(text(statement))
        await conn.commit()
    await asyncio.to_thread(upgrade, url)
    async with connect(url) as conn:
        rows = {
            r.target: r
            for r in (
                await conn.execute(
                    text("SELECT target, level, met_at, paused_seconds FROM sla_targets WHERE case_id = 'RC-OLD'")
                )
            ).all()
        }
    assert (rows["assigned"].level, rows["assigned"].met_at.isoformat()) == (2, "2026-11-01T09:00:00+00:00")
    assert (rows["diagnosis_started"].level, rows["diagnosis_started"].met_at) == (0, None)
    assert rows["assigned"].paused_seconds == 0
