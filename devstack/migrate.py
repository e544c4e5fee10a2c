"""Alembic from Python: `upgrade(url)` brings a database to the latest schema.

Synchronous, because migrations/env.py runs its own event loop: from async code use
`await asyncio.to_thread(upgrade, url)`.
"""

from alembic import command
from alembic.config import Config

from devstack import ROOT


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["embedded"] = True  # leave the caller's logging alone
    if url:
        config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


if __name__ == "__main__":
    from settings import get_settings

    upgrade(get_settings().database_url)
