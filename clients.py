"""Connections to Temporal and PostgreSQL, built from Settings, shared by the API and
the worker."""

import asyncio
import dataclasses
import logging

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.runtime import Runtime

from codec import EncryptionCodec
from settings import Settings, parse_payload_key

log = logging.getLogger("repairflow")


def payload_codec(settings: Settings) -> EncryptionCodec | None:
    """The codec of REPAIRFLOW_PAYLOAD_KEY (and the older keys it still reads); None: off."""
    if not settings.payload_key:
        return None
    return EncryptionCodec([parse_payload_key(k) for k in (settings.payload_key, *settings.payload_old_keys)])


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic models on the wire, sealed by the payload codec when a key is set."""
    codec = payload_codec(settings)
    return dataclasses.replace(pydantic_data_converter, payload_codec=codec) if codec else pydantic_data_converter


async def connect_temporal(settings: Settings, *, wait: float = 120.0, runtime: Runtime | None = None) -> Client:
    """Connects, trying again for up to `wait` seconds: a process started while Temporal
    restarts waits for it rather than exiting. `runtime`: one that serves the SDK's metrics."""
    deadline = asyncio.get_running_loop().time() + wait
    delay = 0.5
    while True:
        try:
            return await Client.connect(
                settings.temporal_address,
                namespace=settings.temporal_namespace,
                data_converter=data_converter(settings),
                runtime=runtime,
            )
        except RuntimeError as err:  # the SDK's "Failed client connect"
            if asyncio.get_running_loop().time() + delay > deadline:
                raise
            log.warning(
                "Temporal at %s not reachable (%s); trying again in %.1f s",
                settings.temporal_address,
                str(err).splitlines()[0],
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


def create_engine(settings: Settings) -> AsyncEngine:
    return create_async_engine(settings.database_url, pool_pre_ping=True, pool_size=10)


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)
