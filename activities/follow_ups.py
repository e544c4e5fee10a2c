"""Opening the follow-up of an unhappy customer: written with the callback that asked for
it, in the same transaction, one per case (docs/complaints.md#follow-ups)."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.domain import Callback
from models.review import FOLLOW_UP_CSAT_AT_MOST, FOLLOW_UP_NPS_AT_MOST, needs_follow_up
from models.tables import FollowUpRow, StaffContactRow
from settings import Settings


async def follow_up_owner(session: AsyncSession, settings: Settings) -> str | None:
    """The configured owner, else the first active supervisor, else nobody (unassigned)."""
    if settings.follow_up_owner:
        return settings.follow_up_owner
    return await session.scalar(
        select(StaffContactRow.staff_id)
        .where(StaffContactRow.active.is_(True), StaffContactRow.role == "supervisor")
        .order_by(StaffContactRow.staff_id)
        .limit(1)
    )


def reason(callback: Callback) -> str:
    low = []
    if callback.csat is not None and callback.csat <= FOLLOW_UP_CSAT_AT_MOST:
        low.append(f"CSAT {callback.csat}/5")
    if callback.nps is not None and callback.nps <= FOLLOW_UP_NPS_AT_MOST:
        low.append(f"NPS {callback.nps}/10")
    return "low callback score: " + ", ".join(low)


async def open_follow_up(
    session: AsyncSession, settings: Settings, case_id: str, callback: Callback | None, at: datetime
) -> bool:
    """Whether a follow-up was opened: only for a reached customer with a low score, and
    only once per case."""
    if callback is None or not callback.reached or not needs_follow_up(callback.csat, callback.nps):
        return False
    inserted = await session.execute(
        insert(FollowUpRow)
        .values(
            case_id=case_id,
            reason=reason(callback),
            csat=callback.csat,
            nps=callback.nps,
            comment=callback.comments,
            owner=await follow_up_owner(session, settings),
            deadline=at + timedelta(hours=settings.follow_up_hours * settings.time_scale),
            status="open",
            created_at=at,
        )
        .on_conflict_do_nothing(index_elements=["case_id"])
    )
    return bool(inserted.rowcount)  # type: ignore[attr-defined]
