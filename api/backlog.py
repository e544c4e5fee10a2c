"""The backlog gauges, read from the database when the API's metrics are scraped: open
complaints by severity and open follow-ups, overdue or not."""

import logging
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from models.complaints import ComplaintSeverity
from models.tables import ComplaintRow, FollowUpRow
from observability.metrics import COMPLAINTS_OPEN, FOLLOW_UPS_OPEN

log = logging.getLogger("repairflow.api")


async def refresh_backlog(session: AsyncSession) -> None:
    """A database that does not answer leaves the gauges as the last scrape read them:
    the metrics of the API itself still come."""
    now = datetime.now(UTC)
    try:
        complaints = dict(
            (
                await session.execute(
                    select(ComplaintRow.severity, func.count())
                    .where(ComplaintRow.status == "open")
                    .group_by(ComplaintRow.severity)
                )
            ).all()
        )
        late, total = (
            await session.execute(
                select(func.count().filter(FollowUpRow.deadline < now), func.count()).where(
                    FollowUpRow.status == "open"
                )
            )
        ).one()
    except (SQLAlchemyError, OSError) as err:
        log.warning("backlog gauges not read: %s", err)
        return
    for severity in ComplaintSeverity:
        COMPLAINTS_OPEN.labels(severity=severity.value).set(complaints.get(severity.value, 0))
    FOLLOW_UPS_OPEN.labels(overdue="true").set(late)
    FOLLOW_UPS_OPEN.labels(overdue="false").set(total - late)
