"""How fast is the KPI report (GET /api/v1/metrics/kpis) over 100 000 closed cases, with
its indexes and without them?

Starts its own PostgreSQL in a temporary directory (the launcher code of `make dev`),
migrates it and loads --cases closed cases in bulk (INSERT ... SELECT generate_series),
closed evenly over the last year, with what the activities would have written for each:
three SLA targets, eight timeline events, a callback, a review, and a part reservation for
every other case (one in five of those waited for it); plus one open case in fifty; then
each case's KPI facts by the statement the review runs (activities/case_kpis.py). Then
it runs the report's own queries (api.kpis, called directly) for the last 30 days and for
the whole year, --repeat times each, and prints the median milliseconds.

Baseline: the same queries in the same run once the indexes they range over are dropped
(the facts and the cases by closed_at, the cases by created_at). The ratio is baseline /
indexed.

    .venv/bin/python -m bench.kpis [--cases 100000] [--repeat 9]
    make bench-kpis

Target: the whole report under 200 ms for a month of 100 000 closed cases.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from activities.case_kpis import facts_statement
from api import kpis
from api.kpi_schemas import Filters
from devstack.migrate import upgrade
from devstack.postgres import start_postgres

INDEXES = ["ix_case_kpis_closed", "ix_cases_closed_at", "ix_cases_created"]
EVENTS = [  # type, stage it left, hours after intake
    ("case_created", "TRIAGE", 0),
    ("triaged", "DISPATCH", 0.01),
    ("technician_assigned", "DIAGNOSIS", 1),
    ("diagnosed", "QUOTE_APPROVAL", 3),
    ("quote_approved", "REPAIR", 4),
    ("repaired", "QC", 20),
    ("handover_accepted", "CALLBACK", 30),
    ("reviewed", "CLOSED", 48),
]


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def load_statements(cases: int) -> list[str]:
    """Closed cases over the last year (case i closed i × year / n ago), 48 h after intake."""
    step = f"interval '{365 * 24 * 3600 / cases:.3f} seconds'"
    closed = f"now() - i * {step}"
    created = f"{closed} - interval '48 hours'"
    open_cases = cases // 50
    events = " UNION ALL ".join(
        f"SELECT i, '{t}', '{stage}', {created} + interval '{h * 3600} seconds' FROM generate_series(1, {cases}) AS i"
        for t, stage, h in EVENTS
    )
    return [
        """INSERT INTO technicians (technician_id, name, skills, region, active, capacity)
           SELECT 'T-00' || i, 'Tech ' || i, '["washer"]', 'Region-' || (i % 3), true, 5
           FROM generate_series(1, 6) AS i""",
        """INSERT INTO parts (part_number, name, category, unit_price, currency, on_hand, reserved)
           VALUES ('WSH-DRAIN-PUMP', 'Drain pump', 'washer', 120, 'CNY', 0, 0)""",
        f"""INSERT INTO customers (id, phone, phone_digits, name, locale, tier, preferred_channels)
            SELECT i, '+86 ' || (13000000000 + i)::text, (13000000000 + i)::text, 'Customer ' || i,
                   'zh-CN', 'standard', '[]'
            FROM generate_series(1, {cases + open_cases}) AS i""",
        f"""INSERT INTO devices (id, serial_number, category, model, purchase_date)
            SELECT i, 'SN-' || i, (ARRAY['washer', 'fridge', 'tv'])[1 + i % 3], 'M1', DATE '2024-01-10'
            FROM generate_series(1, {cases + open_cases}) AS i""",
        f"""INSERT INTO cases (case_id, customer_id, device_id, channel, stage, status, priority, technician_id,
                               region, repeat_of, escalation_level, sla_breached, intake,
                               created_at, updated_at, closed_at)
            SELECT 'RC-BENCH-' || i, i, i, (ARRAY['phone', 'web', 'app'])[1 + i % 3], 'CLOSED', 'closed',
                   'P' || (1 + i % 4), 'T-00' || (1 + i % 6), 'Region-' || (i % 3),
                   CASE WHEN i % 25 = 0 THEN 'RC-BENCH-' || (i + 1) END, 0, false, '{{}}',
                   {created}, {closed}, {closed}
            FROM generate_series(1, {cases}) AS i""",
        f"""INSERT INTO cases (case_id, customer_id, device_id, channel, stage, status, priority, technician_id,
                               region, escalation_level, sla_breached, intake, created_at, updated_at)
            SELECT 'RC-OPEN-' || i, {cases} + i, {cases} + i, 'phone', 'DIAGNOSIS', 'open', 'P3',
                   'T-00' || (1 + i % 6), 'Region-' || (i % 3), 0, false, '{{}}', now() - i * interval '1 minute',
                   now() - i * interval '1 minute'
            FROM generate_series(1, {open_cases}) AS i""",
        f"""INSERT INTO sla_targets (case_id, target, deadline, met_at, breached_at, policy, started_at)
            SELECT 'RC-BENCH-' || i, t.target, {created} + t.budget, {created} + t.took,
                   CASE WHEN i % 10 = 0 AND t.target = 'resolved' THEN {created} + t.budget END,
                   'P' || (1 + i % 4), {created}
            FROM generate_series(1, {cases}) AS i,
                 (VALUES ('assigned', interval '4 hours', interval '1 hour'),
                         ('diagnosis_started', interval '24 hours', interval '3 hours'),
                         ('resolved', interval '48 hours', interval '30 hours')) AS t(target, budget, took)""",
        f"""INSERT INTO timeline_events (case_id, key, at, type, stage, actor, data)
            SELECT 'RC-BENCH-' || e.i, e.t, e.at, e.t, e.stage, 'system', '{{}}'
            FROM ({events}) AS e(i, t, stage, at)""",
        # one in five cases with parts waited for them
        f"""INSERT INTO timeline_events (case_id, key, at, type, stage, actor, data)
            SELECT 'RC-BENCH-' || i, 'parts_reserved', {created} + interval '10 hours', 'parts_reserved',
                   'REPAIR', 'system', '{{}}'
            FROM generate_series(1, {cases}) AS i WHERE i % 10 = 0""",
        f"""UPDATE timeline_events SET stage = 'WAITING_PARTS'
            WHERE type = 'quote_approved'
              AND case_id IN (SELECT 'RC-BENCH-' || i FROM generate_series(10, {cases}, 10) AS i)""",
        f"""INSERT INTO part_reservations (case_id, part_number, quote_version, quantity, used, status, priority,
                                           deadline, created_at, updated_at)
            SELECT 'RC-BENCH-' || i, 'WSH-DRAIN-PUMP', 1, 1, 1, 'consumed', 'P3', {closed}, {created}, {closed}
            FROM generate_series(2, {cases}, 2) AS i""",
        f"""INSERT INTO callbacks (case_id, seq, actor, at, outcome, csat, nps, ces, attitude, professionalism)
            SELECT 'RC-BENCH-' || i, 1, 'agent:bench', {closed}, 'reached', 1 + i % 5, i % 11, 1 + i % 7,
                   1 + (i / 3) % 5, 1 + (i / 7) % 5
            FROM generate_series(1, {cases}) AS i""",
        f"""INSERT INTO reviews (case_id, outcome, first_time_fix, sla_met, csat, nps, metrics, at)
            SELECT 'RC-BENCH-' || i, 'closed', i % 7 <> 0, i % 10 <> 0, 1 + i % 5, i % 11, '{{}}', {closed}
            FROM generate_series(1, {cases}) AS i""",
        # the KPI facts the review writes as each case ends, by the same statement
        str(facts_statement(every=True)),
        "VACUUM ANALYZE",
    ]


Query = Callable[[AsyncSession, kpis.Scope], Awaitable[Any]]
QUERIES: dict[str, Query] = {
    "first response": kpis.first_response,
    "closed cases": kpis.closed_figures,
    "repeat rate": kpis.repeat_rate,
    "sla attainment": kpis.sla_attainment,
    "backlog": kpis.backlog,
    "utilization": lambda s, sc: kpis.utilization(s, sc, datetime.now(UTC)),
    "whole report": kpis.report,
}


async def timed(engine: AsyncEngine, query: Query, scope: kpis.Scope, repeat: int) -> float:
    async with AsyncSession(engine) as session:
        await query(session, scope)  # warm
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            await query(session, scope)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def measure(engine: AsyncEngine, scopes: dict[str, kpis.Scope], repeat: int) -> dict[tuple[str, str], float]:
    return {
        (period, label): await timed(engine, query, scope, repeat)
        for period, scope in scopes.items()
        for label, query in QUERIES.items()
    }


async def bench(args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    scopes = {
        "30 days": kpis.Scope(now - timedelta(days=30), now, Filters()),
        "365 days": kpis.Scope(now - timedelta(days=366), now, Filters()),
    }
    with tempfile.TemporaryDirectory(prefix="bench-kpis-") as tmp:
        postgres = start_postgres(Path(tmp) / "pg")
        try:
            await asyncio.to_thread(upgrade, postgres.url)
            engine = create_async_engine(postgres.url)
            try:
                started = time.monotonic()
                async with engine.connect() as conn:
                    await conn.execution_options(isolation_level="AUTOCOMMIT")  # VACUUM runs outside a transaction
                    for statement in load_statements(args.cases):
                        await conn.execute(text(statement))
                say(f"{args.cases} closed cases loaded in {time.monotonic() - started:.1f} s")
                indexed = await measure(engine, scopes, args.repeat)
                async with engine.begin() as conn:
                    for index in INDEXES:
                        await conn.execute(text(f"DROP INDEX {index}"))
                    await conn.execute(text("ANALYZE cases, case_kpis"))
                await engine.dispose()  # prepared plans of the indexes go with the connections
                baseline = await measure(engine, scopes, args.repeat)
            finally:
                await engine.dispose()
        finally:
            postgres.stop()
    print(f"\nKPI report, {args.cases} closed cases over a year, median of {args.repeat} runs")
    print(f"{'period':<10}{'query':<18}{'indexed ms':>12}{'baseline ms':>13}{'ratio':>8}")
    for (period, label), ms in indexed.items():
        base = baseline[(period, label)]
        print(f"{period:<10}{label:<18}{ms:>12.1f}{base:>13.1f}{base / ms:>7.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kpis", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="closed cases to load (default 100000)")
    parser.add_argument("--repeat", type=int, default=9, help="runs of each query, after one to warm up")
    args = parser.parse_args()
    if args.cases < 100:
        parser.error("--cases: at least 100")
    asyncio.run(bench(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
