"""The supervisor's SLA board: open cases by the time left on their next deadline."""
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import Principal, role
from api.deps import db
from api.errors import responses
from api.schemas import AtRiskList
from api.views import at_risk

router = APIRouter(prefix="/api/v1/sla", tags=["sla"])


@router.get("/at-risk", response_model=AtRiskList, summary="Open cases by time left on their next deadline",
            responses=responses(401, 403, 422))
async def list_at_risk(limit: int = Query(50, ge=1, le=500),
                       _: Principal = Depends(role("supervisor", what="see the SLA board")),
                       session: AsyncSession = Depends(db)) -> AtRiskList:
    """Paused clocks (waiting on the customer) are left out until they run again."""
    return AtRiskList(items=await at_risk(session, datetime.now(UTC), limit))
