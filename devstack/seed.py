"""The dev stack's data: the reference data (reference/), each part stocked with DEV_STOCK,
and, on request, the documented dev API keys. Idempotent: rows already there are left as
they are, and so is the stock of a part already there.

    python -m devstack.seed               the reference data into REPAIRFLOW_DATABASE_URL
    python -m devstack.seed --dev-keys    the same, and the dev API keys (as `make dev` does)

A deployment loads its reference data with `python -m reference.load` and takes its keys
from REPAIRFLOW_API_KEYS or the api_keys table, never these.
"""

import argparse
import asyncio

from api.auth import key_hash
from models.tables import ApiKeyRow
from reference.load import load
from settings import ApiKey, Settings

# what each part of the catalog starts with on hand in a dev database (a part already there keeps its stock)
DEV_STOCK = 20
# the keys `make dev` prints; stored hashed in api_keys
DEV_KEYS: dict[str, ApiKey] = {
    "dev-agent-key": ApiKey(name="dev-agent", role="agent"),
    "dev-supervisor-key": ApiKey(name="dev-supervisor", role="supervisor"),
    "dev-tech-key": ApiKey(name="dev-tech", role="technician", technician_id="T-001"),
}


async def seed(url: str, *, dev_keys: bool = False, stock: int = DEV_STOCK) -> dict[str, int]:
    """Inserts the reference rows missing from the database at `url`, each new part with
    `stock` on hand, and with `dev_keys` the dev API keys; returns how many rows each
    table got."""
    keys = [dict(key_hash=key_hash(key), **meta.model_dump()) for key, meta in DEV_KEYS.items()]
    return await load(url, {ApiKeyRow: keys} if dev_keys else None, stock=stock)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m devstack.seed", description="Seeds REPAIRFLOW_DATABASE_URL with the reference data."
    )
    parser.add_argument("--dev-keys", action="store_true", help=f"also the dev API keys ({', '.join(DEV_KEYS)})")
    args = parser.parse_args(argv)
    print(asyncio.run(seed(Settings().database_url, dev_keys=args.dev_keys)))


if __name__ == "__main__":
    main()
