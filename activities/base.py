"""What every activity class shares: a session factory and the settings."""
from contextlib import asynccontextmanager
from typing import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.steps import apply_step
from models.payloads import Step
from settings import Settings


class ActivityBase:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings

    @asynccontextmanager
    async def step(self, step: Step) -> AsyncIterator[tuple[AsyncSession, bool]]:
        """A transaction holding the step; `fresh` is False on a retry that finds it done."""
        async with self.sessions.begin() as session:
            yield session, await apply_step(session, step)
