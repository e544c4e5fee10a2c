"""The dev stack's data: the reference data (reference/) plus the documented dev API keys.
Idempotent: rows already there are left as they are.

    python -m devstack.seed     (seeds REPAIRFLOW_DATABASE_URL)

A deployment loads its reference data with `python -m reference.load` and takes its keys
from REPAIRFLOW_API_KEYS or the api_keys table, never these.
"""

import asyncio

from api.auth import key_hash
from models.tables import ApiKeyRow
from reference.load import load
from settings import ApiKey

# the keys `make dev` prints; stored hashed in api_keys
DEV_KEYS: dict[str, ApiKey] = {
    "dev-agent-key": ApiKey(name="dev-agent", role="agent"),
    "dev-supervisor-key": ApiKey(name="dev-supervisor", role="supervisor"),
    "dev-tech-key": ApiKey(name="dev-tech", role="technician", technician_id="T-001"),
}


async def seed(url: str) -> dict[str, int]:
    """Inserts the reference rows and dev keys missing from the database at `url`;
    returns how many rows each table got."""
    keys = [dict(key_hash=key_hash(key), **meta.model_dump()) for key, meta in DEV_KEYS.items()]
    return await load(url, {ApiKeyRow: keys})


if __name__ == "__main__":
    from settings import get_settings

    print(asyncio.run(seed(get_settings().database_url)))
