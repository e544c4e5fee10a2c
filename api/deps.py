"""What routes take from the running app: settings, database sessions, Temporal."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client

from settings import Settings


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    temporal: Client


def services(request: Request) -> Services:
    return request.app.state.services


async def db(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, shared by auth, checks and the view (FastAPI caches it)."""
    async with services(request).sessions() as session:
        yield session


Db = Annotated[AsyncSession, Depends(db)]
Svc = Annotated[Services, Depends(services)]
