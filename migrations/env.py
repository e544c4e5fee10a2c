"""Alembic environment (async, asyncpg).

The database URL comes from, first to last: `config.attributes["url"]` (set by
devstack.migrate.upgrade), `alembic -x url=...`, `sqlalchemy.url` in the config, then
REPAIRFLOW_DATABASE_URL through settings.get_settings().
"""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from models.tables import Base

config = context.config
target_metadata = Base.metadata

# from the command line only: inside another program (tests, the launcher) this would
# reconfigure, and by default disable, that program's loggers
if config.config_file_name is not None and not config.attributes.get("embedded"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    url = (
        config.attributes.get("url")
        or context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
    )
    if url:
        return url
    from settings import get_settings

    return get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(), target_metadata=target_metadata, literal_binds=True, dialect_opts={"paramstyle": "named"}
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_async_engine(database_url(), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    # asyncio.run needs a thread without a running event loop: from async code call
    # devstack.migrate.upgrade through asyncio.to_thread
    asyncio.run(run_async_migrations())
