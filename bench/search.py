"""How fast is case search (GET /api/v1/cases?q=) on a large table, with its indexes and
without them?

Starts its own PostgreSQL in a temporary directory (the launcher code of `make dev`),
migrates it and loads --cases synthetic cases in bulk (INSERT ... SELECT generate_series):
half as many customers, each with a mobile number, a pinyin name of a common surname and
a rarer given name; three devices for every four cases; one case in twenty open. Then it
runs the API's own list query (api.queries.case_page, first page of 20) for a phone number
written another way than stored, a serial number in other letters, a rare name fragment
and a common surname, --repeat times each, and prints the median time of each.

Baseline: the same queries in the same run once the search indexes are dropped
(customers' phone digits and name trigrams, devices' lower-case serial numbers, cases by
customer and by device). The ratio is baseline / indexed. The last column names the
indexes the indexed run's statements used (the serial number's lookup, then the list).

    .venv/bin/python -m bench.search [--cases 200000] [--repeat 15]
    make bench-search

Under a minute on 2 cores with 200 000 cases, two with a million. Not part of `make test`.
"""

import argparse
import asyncio
import contextlib
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from api.queries import case_page
from devstack.migrate import upgrade
from devstack.postgres import start_postgres

INDEXES = [
    "ix_customers_phone_digits",
    "ix_customers_name_trgm",
    "ix_devices_serial_lower",
    "ix_cases_customer_created",
    "ix_cases_device_created",
]
SURNAMES = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu"]
SYLLABLES = [
    "an", "bo", "chen", "dong", "fang", "gang", "hong", "hui", "jian", "jie", "jun", "kai", "lan", "lei",
    "li", "lin", "ling", "mei", "min", "ming", "na", "ning", "ping", "qiang", "qing", "rong", "shan", "tao",
    "ting", "wei", "wen", "xia", "xin", "yan", "yi", "ying", "yong", "yu", "yun", "zhen",
]  # fmt: skip
MOBILE_BASE = 13_000_000_000
USING = re.compile(r"Index (?:Only )?Scan(?: Backward)? (?:using|on) (\w+)")


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def sql_array(words: list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{w}'" for w in words) + "]"


def load_statements(cases: int) -> list[str]:
    """Customers, devices and cases as the activities would have written them."""
    customers, devices, open_from = cases // 2, cases * 3 // 4, cases - cases // 20
    s, y, ns, ny = sql_array(SURNAMES), sql_array(SYLLABLES), len(SURNAMES), len(SYLLABLES)
    return [
        f"""INSERT INTO customers (id, phone, phone_digits, name, locale, tier, preferred_channels)
            SELECT i, '+86 ' || ({MOBILE_BASE} + i)::text, ({MOBILE_BASE} + i)::text,
                   ({s})[1 + i % {ns}] || ' '
                   || initcap(({y})[1 + (i / {ns}) % {ny}] || ({y})[1 + (i / {ns * ny}) % {ny}]),
                   'zh-CN', 'standard', '[]'
            FROM generate_series(1, {customers}) AS i""",
        f"""INSERT INTO devices (id, serial_number, category, model, purchase_date)
            SELECT i, 'SN-' || upper(to_hex(i * 2654435761 % 4294967291)) || '-' || i,
                   'washer', 'XQG100', DATE '2024-01-10'
            FROM generate_series(1, {devices}) AS i""",
        f"""INSERT INTO cases (case_id, customer_id, device_id, channel, stage, status, priority, technician_id,
                               escalation_level, sla_breached, intake, created_at, updated_at, closed_at)
            SELECT 'RC-BENCH-' || i, 1 + (i::bigint * 7919) % {customers}, 1 + i % {devices}, 'phone',
                   CASE WHEN i >= {open_from} THEN 'DIAGNOSIS' ELSE 'CLOSED' END,
                   CASE WHEN i >= {open_from} THEN 'open' ELSE 'closed' END,
                   'P3', 'T-00' || (1 + i % 6), 0, false, '{{}}',
                   now() - ({cases} - i) * interval '1 minute', now() - ({cases} - i) * interval '1 minute',
                   CASE WHEN i >= {open_from} THEN NULL ELSE now() - ({cases} - i) * interval '1 minute' END
            FROM generate_series(1, {cases}) AS i""",
        # as autovacuum would have: the name index's pending entries merged, statistics taken
        "VACUUM ANALYZE",
    ]


def queries(cases: int) -> dict[str, str]:
    """What an agent types: each matches a few cases, but for the common surname."""
    mobile, device = str(MOBILE_BASE + cases // 3), cases // 3
    return {
        "phone": f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}",
        "serial": f"sn-{device * 2654435761 % 4294967291:x}-{device}",
        "name (rare fragment)": "jianhong",
        "name (common surname)": "Zhang",
    }


@contextlib.contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL the engine sends meanwhile, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)


async def timed(engine: AsyncEngine, q: str, repeat: int) -> tuple[float, int, str]:
    """The median milliseconds of the first page's query, the cases it found, and its plan."""
    times, found = [], 0
    async with engine.connect() as conn:
        session = AsyncSession(bind=conn)
        with statements(engine) as sent:
            await case_page(session, {}, 20, None, q)  # warm: the plan is prepared, the pages cached
        for _ in range(repeat):
            started = time.perf_counter()
            items, _ = await case_page(session, {}, 20, None, q)
            times.append((time.perf_counter() - started) * 1000)
            found = len(items)
        plans = [(await conn.exec_driver_sql(f"EXPLAIN {sql}", parameters)).all() for sql, parameters in sent]
    used = dict.fromkeys(name for plan in plans for (line,) in plan for name in USING.findall(line))
    return statistics.median(times), found, ", ".join(name.removeprefix("ix_") for name in used) or "-"


async def measure(engine: AsyncEngine, cases: int, repeat: int) -> dict[str, tuple[float, int, str]]:
    return {label: await timed(engine, q, repeat) for label, q in queries(cases).items()}


async def bench(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
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
                say(f"{args.cases} cases loaded in {time.monotonic() - started:.1f} s")
                indexed = await measure(engine, args.cases, args.repeat)
                async with engine.begin() as conn:
                    for index in INDEXES:
                        await conn.execute(text(f"DROP INDEX {index}"))
                    await conn.execute(text("ANALYZE customers, devices, cases"))
                await engine.dispose()  # prepared plans of the indexes go with the connections
                baseline = await measure(engine, args.cases, args.repeat)
            finally:
                await engine.dispose()
        finally:
            postgres.stop()
    report(args, indexed, baseline)


def report(args: argparse.Namespace, indexed: dict, baseline: dict) -> None:
    print(f"\ncase search, {args.cases} cases, first page of 20, median of {args.repeat} runs")
    print(f"{'query':<24}{'found':>6}{'indexed ms':>12}{'baseline ms':>13}{'ratio':>8}  indexes used")
    for label, (ms, found, plan) in indexed.items():
        base, base_found, _ = baseline[label]
        assert base_found == found, f"{label}: {found} found with the indexes, {base_found} without"
        print(f"{label:<24}{found:>6}{ms:>12.2f}{base:>13.2f}{base / ms:>7.0f}x  {plan}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200_000, help="synthetic cases to load (default 200000)")
    parser.add_argument("--repeat", type=int, default=15, help="runs of each query, after one to warm up")
    args = parser.parse_args()
    if args.cases < 100:
        parser.error("--cases: at least 100")
    asyncio.run(bench(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
