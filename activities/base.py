"""What every activity class shares: a session factory and the settings."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.dispatch import start_deliveries
from activities.events import record_event
from activities.webhooks import PENDING
from models.payloads import CaseEvent
from settings import Settings


class ActivityBase:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings

    @asynccontextmanager
    async def recording(self, event: CaseEvent) -> AsyncIterator[tuple[AsyncSession, bool]]:
        """A transaction holding the event; `fresh` is False on a retry that finds it done."""
        async with self.sessions.begin() as session:
            yield session, await record_event(session, event)
            pending = session.info.pop(PENDING, [])
        await self.start_pending(pending)

    async def start_pending(self, notification_ids: list[int]) -> None:
        """Deliveries of the webhook calls a committed event queued."""
        if notification_ids:
            await start_deliveries(activity.client(), self.settings, notification_ids)
